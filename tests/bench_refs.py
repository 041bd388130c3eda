"""The reference modules of bench/ for the tests that compare schedkit with them.

bench/ is not a package, so :func:`load_bench` loads a module from its file; the tests and the
benchmark then share one copy of each reference. Imported by name (``from bench_refs import
load_bench``): pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

#: The repository's bench/ folder.
BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(name: str) -> ModuleType:
    """The module bench/``name``.py, loaded from its file (as ``_bench_<name>``)."""
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no bench module {name!r} in {BENCH}"
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
