"""The checks the batch evaluators make themselves: argument types, options, the candidate
batch (shape and dtype up front, ids chunk by chunk) and naming its first bad row.

The instance arrays are not checked here: they come from the area types (``tardiness.Instance``,
``dag.TaskGraph`` and ``dag.Platform``, ``flowtime.Jobs``, ``packing.Cluster``), which
validated them when they were built. What only a batch call brings (the candidate rows, a fixed
DAG schedule, the options) is checked here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import schedkit.batch._cuda as cuda
from schedkit._arrays import int_arg, int_matrix, numeric_array, refuse_masked, rows_2d
from schedkit.exceptions import InvalidInstanceError

#: Values of ``errors=``: a bad candidate row raises, or evaluates to NaN.
ERRORS = ("raise", "nan")


def expect(value: Any, cls: type, field: str, public_name: str) -> None:
    """Raises unless ``value`` is a ``cls``, an area type named by its public path."""
    if not isinstance(value, cls):
        raise InvalidInstanceError(f"{field}: expected {public_name}, got {type(value).__name__}", field=field)


def check_errors(errors: str) -> None:
    if not isinstance(errors, str) or errors not in ERRORS:
        raise InvalidInstanceError(f"errors: expected one of {ERRORS}, got {errors!r}", field="errors")


def check_chunk(max_chunk_rows: int | None) -> None:
    if max_chunk_rows is not None:
        int_arg(max_chunk_rows, "max_chunk_rows", minimum=1)


def ints(values: Any, field: str) -> np.ndarray:
    """A 1-D vector of ids (a fixed schedule's assignment or order) as int64 on the host; floats
    only when integral, so nothing is truncated."""
    arr = numeric_array(cuda.to_host(values), field, 1)
    if arr.dtype.kind == "f":
        require_all(arr, np.isfinite(arr) & (arr == np.round(arr)), field, "must be an integer")
    return np.ascontiguousarray(arr, dtype=np.int64)


def require_all(arr: np.ndarray, ok: np.ndarray, field: str, rule: str) -> None:
    """Raises naming the first entry of ``arr`` where ``ok`` is False."""
    if not ok.all():
        i = int(np.argmax(~ok))
        raise InvalidInstanceError(f"{field}[{i}]: {rule}, got {arr[i]}", field=field, index=i)


def length(arr: np.ndarray, field: str, n: int, of: str) -> None:
    if arr.shape[0] != n:
        raise InvalidInstanceError(f"{field}: expected length {n} (as {of}), got {arr.shape[0]}", field=field)


def as_rows(values: Any, field: str, columns: int) -> Any:
    """The (B, columns) batch array, left where it lives (host or device); a 1-D input of
    length ``columns`` is one row. Only shape and dtype kind are checked here; values are
    checked chunk by chunk."""
    if cuda.is_cupy(values):
        arr = values
    else:
        refuse_masked(values, field)
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError) as exc:
            raise InvalidInstanceError(f"{field}: not an array of numbers ({exc})", field=field) from None
    arr = rows_2d(arr, field, columns)
    if arr.dtype.kind not in "iuf":  # booleans are rejected, as everywhere in schedkit
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return arr


def int_chunk(xp: Any, chunk: Any, field: str, start: int) -> Any:
    """A chunk of ids as int32 or int64 (int32 is kept: the GPU kernel reads it directly)."""
    if chunk.dtype.kind == "f":
        bad = ~xp.all(xp.isfinite(chunk) & (chunk == xp.round(chunk)), axis=1)
        if bool(bad.any()):
            row = start + int(np.argmax(cuda.to_host(bad)))
            raise InvalidInstanceError(f"{field}[{row}]: non-integer id", field=field, index=row)
        # Clipping keeps every out-of-range id out of range (valid ids are >= -1 and < 2**53)
        # while making the cast to int64 exact; in float64, where 2**53 is a number.
        return xp.clip(chunk.astype(xp.float64, copy=False), -2, 2**53).astype(xp.int64)
    if chunk.dtype not in (xp.int32, xp.int64):
        return chunk.astype(xp.int64)
    return chunk


def host_ints(rows: Any, field: str, columns: int) -> np.ndarray:
    """The whole batch as one C-contiguous int64 host array, for the Rust backend."""
    refuse_masked(rows, field)
    host = cuda.to_host(rows)
    if getattr(host, "dtype", None) is not None and host.dtype.kind == "f":
        # As in int_chunk: clipping keeps an out-of-range id out of range, while the cast to
        # int64 of a float beyond 2**63 would not be exact (NaN and non-integers stay as they are,
        # for int_matrix to name).
        host = host.astype(np.float64, copy=False)  # where 2**53 is a number (float16 overflows to inf)
        with np.errstate(invalid="ignore"):
            host = np.where(np.isfinite(host), np.clip(host, -2, 2**53), host)
    return int_matrix(host, field, columns)


def first_bad(bad: Any, chunk: Any, start: int, field: str, explain: Any) -> None:
    """Raises naming the first bad row of a chunk, with ``explain(row)`` (host row -> str) as
    the reason; ``start`` is the chunk's first row in the whole batch."""
    if bool(bad.any()):
        k = int(np.argmax(cuda.to_host(bad)))
        raise InvalidInstanceError(
            f"{field}[{start + k}]: {explain(np.asarray(cuda.to_host(chunk[k])))}", field=field, index=start + k
        )


def permutation_problem(row: np.ndarray, n: int, what: str) -> tuple[int, str] | None:
    """(position, reason) of the first entry that keeps ``row`` from being a permutation of
    0..n-1, or None."""
    seen = np.zeros(n, dtype=bool)
    for k, v in enumerate(row.tolist()):
        if not 0 <= v < n:
            return k, f"{what} id {v} at position {k} is out of range 0..{n - 1}"
        if seen[v]:
            return k, f"{what} id {v} at position {k} is repeated"
        seen[v] = True
    return None
