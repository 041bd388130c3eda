"""Input conversion shared by every area: array-likes to validated NumPy arrays.

Conversion only checks what NumPy itself cannot express (dimension, dtype kind); value checks
(finite, positive, ...) happen once, in the Rust constructors, which name field and index.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from schedkit.exceptions import InvalidInstanceError

_ArrayT = TypeVar("_ArrayT", bound=np.ndarray)


def numeric_array(values: Any, field: str, ndim: int, what: str = "an array") -> np.ndarray:
    """``values`` as a NumPy array of ``ndim`` dimensions holding numbers (ints or floats), or
    InvalidInstanceError naming ``field`` (and saying it is not ``what`` of numbers)."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise InvalidInstanceError(f"{field}: not {what} of numbers ({exc})", field=field) from None
    if arr.ndim != ndim:
        raise InvalidInstanceError(f"{field}: expected a {ndim}-D array, got shape {arr.shape}", field=field)
    if arr.dtype.kind not in "iuf":  # booleans are rejected: True as a duration is a bug
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return arr


def float_vector(values: Any, field: str) -> np.ndarray:
    """``values`` as a contiguous 1-D float64 array, or InvalidInstanceError naming ``field``."""
    return np.ascontiguousarray(numeric_array(values, field, 1), dtype=np.float64)


def rows_2d(arr: Any, field: str, columns: int) -> Any:
    """A (B, ``columns``) view of a NumPy or CuPy array: a 1-D input of length ``columns``
    is one row, an empty 1-D input no rows; any other shape is an error naming ``field``."""
    if arr.ndim == 1 and arr.shape[0] == columns:
        arr = arr.reshape(1, columns)
    elif arr.ndim == 1 and arr.shape[0] == 0:
        arr = arr.reshape(0, columns)
    if arr.ndim != 2 or arr.shape[1] != columns:
        raise InvalidInstanceError(f"{field}: expected shape (B, {columns}), got {arr.shape}", field=field)
    return arr


def int_matrix(values: Any, field: str, columns: int) -> np.ndarray:
    """``values`` as a C-contiguous 2-D int64 array with ``columns`` columns.

    A 1-D input of length ``columns`` is one row. Float input is accepted only when every
    value is integral, so nothing is silently truncated.
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field}: not an array of integers ({exc})", field=field) from None
    arr = rows_2d(arr, field, columns)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise InvalidInstanceError(f"{field}[{row}]: non-integer job id", field=field, index=row)
    elif arr.dtype.kind not in "iu":
        raise InvalidInstanceError(f"{field}: expected integers, got dtype {arr.dtype}", field=field)
    elif arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
        row = int(np.argwhere(arr > np.iinfo(np.int64).max)[0][0])
        raise InvalidInstanceError(f"{field}[{row}]: job id out of range", field=field, index=row)
    return np.ascontiguousarray(arr, dtype=np.int64)


def readonly(arr: _ArrayT) -> _ArrayT:
    """Marks ``arr`` read-only so results and instances stay immutable."""
    arr.flags.writeable = False
    return arr


#: The largest values the core's integer types hold: a Python int beyond these would reach the
#: binding as PyO3's bare ``OverflowError``, which names no argument.
U64_MAX = 2**64 - 1
I64_MAX = 2**63 - 1


def int_arg(value: Any, field: str, *, minimum: int = 0, maximum: int = I64_MAX) -> int:
    """``value`` as a Python int in ``[minimum, maximum]``, or InvalidInstanceError naming ``field``.

    For scalar integer arguments that cross into the core (seeds, counts, iterations, cores):
    PyO3 would turn ``-1`` or ``2**64`` for a ``u64`` into an ``OverflowError`` that names no
    argument. Booleans and integral floats are rejected, so nothing is silently converted. The
    default range is the non-negative int64 values (the core's ``usize``/``u64`` on every
    64-bit platform); pass ``maximum=U64_MAX`` for a full ``u64`` seed.

    Examples
    --------
    >>> int_arg(3, "seed"), int_arg(np.uint64(2**64 - 1), "seed", maximum=U64_MAX)
    (3, 18446744073709551615)
    >>> int_arg(True, "cores")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: cores: must be an integer, got True
    >>> int_arg(-1, "seed")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: seed: must be an integer in [0, 9223372036854775807], got -1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInstanceError(f"{field}: must be an integer, got {value!r}", field=field)
    out = int(value)
    if not minimum <= out <= maximum:
        raise InvalidInstanceError(f"{field}: must be an integer in [{minimum}, {maximum}], got {out}", field=field)
    return out
