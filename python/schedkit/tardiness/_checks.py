"""The one place the tardiness API checks its scalar options, before anything reaches Rust."""

from __future__ import annotations

import math
import numbers
from typing import Any

from schedkit.exceptions import InvalidInstanceError


def check_int(value: Any, field: str, *, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi], else an InvalidInstanceError naming ``field``.

    Bools are refused (``True`` is not a count); NumPy integers are accepted.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInstanceError(f"{field}: expected an integer, got {value!r}", field=field)
    v = int(value)
    if not lo <= v <= hi:
        raise InvalidInstanceError(f"{field}: must be in [{lo}, {hi}], got {v}", field=field)
    return v


def check_seconds(value: Any, field: str) -> float | None:
    """A time limit: None, or a number >= 0 (any size; inf means none)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInstanceError(f"{field}: expected a number of seconds, got {value!r}", field=field)
    v = float(value)
    if math.isnan(v) or v < 0:
        raise InvalidInstanceError(f"{field}: must be >= 0, got {value!r}", field=field)
    return None if math.isinf(v) else v
