"""Ragged operation lists: every form ``Jobs`` accepts, brought to Arrow's list layout.

A job's operations are ``values[offsets[j]:offsets[j + 1]]`` (``offsets`` int64 of length
n + 1). Only shape and type problems are caught here; value checks (finite, > 0, non-empty)
happen once, in the Rust constructor, which names the field and the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit._arrays import float_vector, int_vector
from schedkit.exceptions import InvalidInstanceError


def offsets_values(operations: Any) -> tuple[np.ndarray, np.ndarray]:
    """Operations in any accepted form as (offsets int64 of length n + 1, values float64)."""
    if isinstance(operations, (pa.Array, pa.ChunkedArray)):
        return _arrow_lists(operations)
    if (
        isinstance(operations, tuple)
        and len(operations) == 2
        and all(isinstance(a, np.ndarray) for a in operations)
        and operations[0].dtype.kind in "iu"
    ):
        offsets = np.ascontiguousarray(operations[0], dtype=np.int64)
        return offsets, float_vector(operations[1], "operations")
    if isinstance(operations, np.ndarray) and operations.dtype.kind in "iuf":
        if operations.ndim == 1:
            return np.arange(operations.shape[0] + 1, dtype=np.int64), float_vector(operations, "operations")
        if operations.ndim == 2:
            rows, k = operations.shape
            return (
                np.arange(rows + 1, dtype=np.int64) * k,
                np.ascontiguousarray(operations, dtype=np.float64).reshape(-1),
            )
        raise InvalidInstanceError(f"operations: expected 1-D or 2-D, got shape {operations.shape}", field="operations")
    if isinstance(operations, (str, bytes)) or not isinstance(operations, Iterable):
        raise InvalidInstanceError("operations: expected a list of operation lists", field="operations")
    lengths = []
    values: list[Any] = []
    for j, ops in enumerate(operations):
        if isinstance(ops, (int, float, np.integer, np.floating)) and not isinstance(ops, bool):
            lengths.append(1)
            values.append(ops)
            continue
        if isinstance(ops, (str, bytes)) or not isinstance(ops, Iterable):
            raise InvalidInstanceError(
                f"operations[{j}]: expected a list of sizes, got {type(ops).__name__}", field="operations", index=j
            )
        ops = list(ops)
        lengths.append(len(ops))
        values.extend(ops)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # Real numbers only: NumPy would turn True into 1.0 and drop the imaginary part of a complex.
    for k, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            j = int(np.searchsorted(offsets, k, side="right")) - 1
            raise InvalidInstanceError(
                f"operations[{j}]: operation sizes must be numbers, got {v!r}", field="operations", index=j
            )
    return offsets, np.asarray(values, dtype=np.float64)


def _arrow_lists(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            if arr.null_count:
                bad = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
                raise InvalidInstanceError(f"operations[{bad}]: missing size", field="operations", index=bad)
            vals = arr.to_numpy(zero_copy_only=False).astype(np.float64)
            return np.arange(len(vals) + 1, dtype=np.int64), vals
        raise InvalidInstanceError(f"operations: expected a list column, got {arr.type}", field="operations")
    if arr.null_count:
        bad = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise InvalidInstanceError(f"operations[{bad}]: missing operation list", field="operations", index=bad)
    offsets = arr.offsets.to_numpy().astype(np.int64)
    values = arr.values.slice(offsets[0], offsets[-1] - offsets[0])
    offsets = offsets - offsets[0]
    if values.null_count:
        pos = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
        bad = int(np.searchsorted(offsets, pos, side="right") - 1)
        raise InvalidInstanceError(f"operations[{bad}]: missing operation size", field="operations", index=bad)
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        raise InvalidInstanceError(f"operations: sizes must be numbers, got {values.type}", field="operations")
    return offsets, values.to_numpy(zero_copy_only=False).astype(np.float64)


def group_operation_rows(
    table: pa.Table, id_col: str, rel_col: str, size_col: str, w_col: str | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray | None, np.ndarray | None]:
    """A table of one row per operation as (release, (offsets, values), weight, job_id) per job.

    Jobs keep the order of their first row; a job's operations follow ``task_id`` when the
    table has it, else row order. Release and weight must agree on every row of a job.
    """
    # ids as integers (an empty cell or 1.5 is an error naming the row, not a job of its own)
    ids = int_vector(table.column(id_col).to_numpy(zero_copy_only=False), id_col)
    rel = float_vector(table.column(rel_col).to_numpy(zero_copy_only=False), rel_col)
    size = float_vector(table.column(size_col).to_numpy(zero_copy_only=False), size_col)
    uniq, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    by_first = np.argsort(first, kind="stable")
    job_of_uniq = np.empty_like(by_first)
    job_of_uniq[by_first] = np.arange(by_first.shape[0])
    job = job_of_uniq[inv.reshape(-1)]
    if "task_id" in table.column_names:
        task = int_vector(table.column("task_id").to_numpy(zero_copy_only=False), "task_id")
        perm = np.lexsort((task, job))
    else:
        perm = np.argsort(job, kind="stable")
    n = uniq.shape[0]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(job, minlength=n), out=offsets[1:])
    job_rel = rel[first[by_first]]
    bad = np.flatnonzero(rel != job_rel[job])
    if bad.size:
        j = int(job[bad[0]])
        raise InvalidInstanceError(f"{rel_col}[{j}]: rows of job {uniq[by_first[j]]} disagree", field=rel_col, index=j)
    w = None
    if w_col is not None:
        wv = float_vector(table.column(w_col).to_numpy(zero_copy_only=False), w_col)
        w = wv[first[by_first]]
        bad = np.flatnonzero(wv != w[job])
        if bad.size:
            j = int(job[bad[0]])
            raise InvalidInstanceError(f"{w_col}[{j}]: rows of job {uniq[by_first[j]]} disagree", field=w_col, index=j)
    job_ids = uniq[by_first]
    # Non-integer ids (strings in a CSV) cannot be Jobs.job_id; positions stand in for them.
    return job_rel, (offsets, size[perm]), w, job_ids if job_ids.dtype.kind in "iu" else None
