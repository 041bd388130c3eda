"""Testing helpers shipped with schedkit.

``schedkit.testing.strategies`` holds hypothesis strategies for every instance type and
``schedkit.testing.fuzz`` hostile inputs for readers plus ``assert_contract``; both import
hypothesis, which comes with the ``test`` extra (``pip install 'schedkit[test]'``).
Importing this package itself does not need hypothesis.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["fuzz", "strategies"]


def __getattr__(name: str) -> ModuleType:  # lazy: only touch hypothesis when strategies are asked for
    if name == "strategies":
        from schedkit.testing import strategies

        return strategies
    if name == "fuzz":
        from schedkit.testing import fuzz

        return fuzz
    raise AttributeError(f"module 'schedkit.testing' has no attribute {name!r}")
