"""Testing helpers shipped with schedkit.

``schedkit.testing.strategies`` holds hypothesis strategies for every instance type and
``schedkit.testing.fuzz`` hostile inputs for readers plus ``assert_contract``; both import
hypothesis, which comes with the ``test`` extra (``pip install 'schedkit[test]'``).
Importing this package itself does not need hypothesis.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["fuzz", "strategies"]


def __getattr__(name: str) -> ModuleType:  # lazy: only touch hypothesis when strategies are asked for
    if name in __all__:
        # import_module, not "from schedkit.testing import ...": that form asks this package for
        # the attribute again before the submodule is bound, and recursed
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'schedkit.testing' has no attribute {name!r}")
