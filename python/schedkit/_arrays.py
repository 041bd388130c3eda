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
