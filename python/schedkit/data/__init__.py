"""Small embedded default inputs, shipped inside the wheel. Provenance: ``data/PROVENANCE.md``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(name: str) -> Path:
    """Filesystem path of a bundled data file, e.g. ``path("smtt/sdt_n100.txt")``."""
    return Path(str(resources.files("schedkit.data").joinpath(name)))
