"""schedkit: fast, validated scheduling algorithms with a Rust core.

Areas are submodules: ``schedkit.tardiness`` (single-machine total tardiness) and
``schedkit.batch`` (many candidate schedules at once).
"""

from __future__ import annotations

from schedkit import batch, exceptions, tardiness
from schedkit import dag
from schedkit import flowtime
from schedkit import fair, trace
from schedkit._core import __version__

__all__ = ["__version__", "batch", "exceptions", "tardiness"]
__all__ += ["dag"]
__all__ += ["flowtime"]
__all__ += ["fair", "trace"]
