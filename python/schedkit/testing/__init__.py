"""Testing helpers shipped with schedkit.

``schedkit.testing.strategies`` holds hypothesis strategies for every instance type; it
imports hypothesis, which comes with the ``test`` extra (``pip install 'schedkit[test]'``).
Importing this package itself does not need hypothesis.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["strategies"]


def __getattr__(name: str) -> ModuleType:  # lazy: only touch hypothesis when strategies are asked for
    if name == "strategies":
        from schedkit.testing import strategies

        return strategies
    raise AttributeError(f"module 'schedkit.testing' has no attribute {name!r}")
