"""Evaluate many candidate schedules of one instance at once, on the CPU or the GPU.

Three backends return the same numbers: ``"rust"`` (all CPU cores, GIL released; the CPU
default), ``"numpy"`` (the readable vectorised reference, written once against an array
namespace) and ``"cupy"`` (the same array code on a CUDA GPU, plus a RawKernel for single-machine
tardiness). ``device=`` takes ``"auto"`` (``"cupy"`` when CuPy imports and sees a GPU, else
``"rust"``), ``"rust"``, ``"numpy"``, ``"cupy"`` or ``"cuda"`` (the same as ``"cupy"``); the
environment variable ``SCHEDKIT_DEVICE`` overrides the default. ``"cupy"`` without a usable GPU
raises :class:`~schedkit.exceptions.DeviceUnavailableError` with the reason.

Inputs may be NumPy or CuPy arrays. Results live on the backend's device: CuPy arrays from
``"cupy"``, NumPy arrays from ``"rust"`` and ``"numpy"`` (CuPy inputs are copied to the host).
Integer-valued data give identical results on every backend, real data agree to about 1e-9
relative (the GPU sums in a different order). Batches too large for memory are evaluated in
row chunks (NumPy temporaries stay near 256 MB; CuPy chunks are sized from the free GPU memory);
``max_chunk_rows`` caps the chunk size.

Examples
--------
>>> import numpy as np, schedkit as sk
>>> inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
>>> sk.batch.evaluate_sequences(inst, np.array([[2, 0, 1], [1, 0, 2]])).tolist()
[1.0, 8.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from schedkit import _core
from schedkit._arrays import int_matrix, rows_2d
from schedkit.batch import _cuda as cuda
from schedkit.batch import _xp as ref
from schedkit.batch._cuda import DEVICES, namespace, to_host, to_namespace
from schedkit.batch._xp import evaluate_xp
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness import Instance

__all__ = [
    "OBJECTIVES",
    "DEVICES",
    "DISTRIBUTIONS",
    "DeadlineEstimate",
    "evaluate_sequences",
    "evaluate_dag_orders",
    "evaluate_dag_perturbed",
    "sample_duration_factors",
    "deadline_probability",
    "evaluate_flowtime_orders",
    "evaluate_packing",
    "random_restart_search",
]

#: Single-machine objectives of :func:`evaluate_sequences`.
OBJECTIVES = ("total_tardiness", "total_weighted_tardiness", "total_completion_time", "max_lateness")
#: Duration distributions of :func:`sample_duration_factors`.
DISTRIBUTIONS = ("lognormal", "uniform")
_ERRORS = ("raise", "nan")
_WILSON_Z = 1.959963984540054  # the 97.5% normal quantile: a two-sided 95% interval

# --------------------------------------------------------------------------- input checks


def _array(values: Any, field: str, ndim: int) -> np.ndarray:
    """A small input as a host array of ``ndim`` dimensions (CuPy arrays are copied)."""
    try:
        arr = np.asarray(to_host(values))
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field}: not an array of numbers ({exc})", field=field) from None
    if arr.ndim != ndim:
        raise InvalidInstanceError(f"{field}: expected a {ndim}-D array, got shape {arr.shape}", field=field)
    if arr.dtype.kind not in "iuf":  # booleans are rejected, as everywhere in schedkit
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return arr


def _floats(values: Any, field: str, ndim: int = 1) -> np.ndarray:
    return np.ascontiguousarray(_array(values, field, ndim), dtype=np.float64)


def _ints(values: Any, field: str) -> np.ndarray:
    arr = _array(values, field, 1)
    if arr.dtype.kind == "f":
        _require(arr, np.isfinite(arr) & (arr == np.round(arr)), field, "must be an integer")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _require(arr: np.ndarray, ok: np.ndarray, field: str, rule: str) -> None:
    """Raises naming the first entry of ``arr`` where ``ok`` is False (index = its first axis)."""
    if not ok.all():
        where = tuple(int(i) for i in np.argwhere(~ok)[0])
        label = ", ".join(map(str, where))
        raise InvalidInstanceError(f"{field}[{label}]: {rule}, got {arr[where]}", field=field, index=where[0])


def _length(arr: np.ndarray, field: str, n: int, of: str) -> None:
    if arr.shape[0] != n:
        raise InvalidInstanceError(f"{field}: expected length {n} (as {of}), got {arr.shape[0]}", field=field)


def _check_errors(errors: str) -> None:
    if errors not in _ERRORS:
        raise InvalidInstanceError(f"errors: expected one of {_ERRORS}, got {errors!r}", field="errors")


def _check_chunk(max_chunk_rows: int | None) -> None:
    if max_chunk_rows is not None and not (isinstance(max_chunk_rows, int) and max_chunk_rows >= 1):
        raise InvalidInstanceError(
            f"max_chunk_rows: must be an int >= 1, got {max_chunk_rows!r}", field="max_chunk_rows"
        )


def _as_rows(values: Any, field: str, columns: int) -> Any:
    """The (B, columns) batch array, left where it lives (host or device); a 1-D input of
    length ``columns`` is one row. Only shape and dtype kind are checked here; values are
    checked chunk by chunk."""
    if cuda.is_cupy(values):
        arr = values
    else:
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError) as exc:
            raise InvalidInstanceError(f"{field}: not an array of numbers ({exc})", field=field) from None
    arr = rows_2d(arr, field, columns)
    if arr.dtype.kind not in "iuf":  # booleans are rejected, as everywhere in schedkit
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return arr


def _int_chunk(xp: Any, chunk: Any, field: str, start: int) -> Any:
    """A chunk of ids as int32 or int64 (int32 is kept: the GPU kernel reads it directly)."""
    if chunk.dtype.kind == "f":
        bad = ~xp.all(xp.isfinite(chunk) & (chunk == xp.round(chunk)), axis=1)
        if bool(bad.any()):
            row = start + int(np.argmax(to_host(bad)))
            raise InvalidInstanceError(f"{field}[{row}]: non-integer id", field=field, index=row)
        # Clipping keeps every out-of-range id out of range (valid ids are >= -1 and < 2**53)
        # while making the cast to int64 exact.
        return xp.clip(chunk, -2, 2**53).astype(xp.int64)
    if chunk.dtype not in (xp.int32, xp.int64):
        return chunk.astype(xp.int64)
    return chunk


def _host_ints(rows: Any, field: str, columns: int) -> np.ndarray:
    """The whole batch as one C-contiguous int64 host array, for the Rust backend."""
    return int_matrix(to_host(rows), field, columns)


# --------------------------------------------------------------------------- chunked evaluation


def _map_rows(
    backend: str,
    rows: Any,
    bytes_per_row: int,
    max_chunk_rows: int | None,
    step: Callable[[Any, Any, int], tuple[Any, ...]],
    dtypes: tuple[Any, ...],
) -> list[Any]:
    """Runs ``step(xp, chunk, first_row)`` over row chunks of ``rows`` and gathers its outputs.

    Each chunk is moved to the backend's namespace on its own, so neither a huge host batch
    nor a huge device batch is ever copied whole. A CuPy chunk that still runs out of memory
    (the size is an estimate) is retried at half the size.
    """
    xp = namespace(backend)
    total = rows.shape[0]
    outs = [xp.empty(total, dtype=dt) for dt in dtypes]
    size = cuda.chunk_rows(backend, bytes_per_row, max_chunk_rows)
    start = 0
    while start < total:
        stop = min(total, start + size)
        try:
            results = step(xp, to_namespace(xp, rows[start:stop]), start)
        except Exception as exc:
            if backend != "cupy" or size == 1 or not cuda.is_out_of_memory(exc):
                raise
            cuda.release_pool()
            size //= 2
            continue
        for out, res in zip(outs, results):
            out[start:stop] = res
        start = stop
    return outs


def _first_bad(xp: Any, bad: Any, chunk: Any, start: int, field: str, explain: Callable[[np.ndarray], str]) -> None:
    """Raises naming the first bad row of a chunk, with ``explain(row)`` as the reason."""
    if bool(bad.any()):
        k = int(np.argmax(to_host(bad)))
        raise InvalidInstanceError(
            f"{field}[{start + k}]: {explain(np.asarray(to_host(chunk[k])))}", field=field, index=start + k
        )


def _permutation_problem(row: np.ndarray, n: int, what: str) -> tuple[int, str] | None:
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


def _order_problem(row: np.ndarray, n: int, src: np.ndarray, dst: np.ndarray) -> tuple[int, str] | None:
    """(position, reason) of the first place ``row`` is not a topological order, or None."""
    problem = _permutation_problem(row, n, "task")
    if problem is not None:
        return problem
    position = np.empty(n, dtype=np.int64)
    position[row] = np.arange(n)
    late = np.flatnonzero(position[src] > position[dst])
    if late.size == 0:
        return None
    e = late[np.argmin(position[dst[late]])]
    return int(position[dst[e]]), (
        f"task {dst[e]} at position {position[dst[e]]} comes before its predecessor "
        f"{src[e]} at position {position[src[e]]}"
    )


# --------------------------------------------------------------------------- single machine


def _check_rows(xp: Any, perms: Any, n: int, start: int = 0) -> None:
    """Names the first row that is not a permutation of 0..n-1."""
    bad, _ = ref.check_permutations(xp, perms, n)
    if bool(bad.any()):
        row = start + int(np.argmax(to_host(bad)))
        raise InvalidInstanceError(
            f"perms[{row}]: not a permutation of 0..{n - 1} (repeated or out-of-range job id)",
            field="perms",
            index=row,
        )


def evaluate_sequences(
    instance: Instance,
    perms: Any,
    objective: str = "total_tardiness",
    *,
    device: str | None = None,
    max_chunk_rows: int | None = None,
) -> Any:
    """Objective of each row of ``perms`` on ``instance``.

    Jobs run back to back from time 0 in row order: C_j is the running sum of p, T_j =
    max(0, C_j - d_j).

    Parameters
    ----------
    instance : schedkit.tardiness.Instance
    perms : array_like of int, shape (B, n)
        One candidate sequence per row (a single sequence of length n is one row); NumPy or
        CuPy, int32 or int64 (int32 is read as is by the GPU kernel).
    objective : str
        ``"total_tardiness"`` (weights ignored), ``"total_weighted_tardiness"``,
        ``"total_completion_time"`` (weights ignored) or ``"max_lateness"`` (-inf for n = 0).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
        Backend; default ``SCHEDKIT_DEVICE`` or ``"auto"``. On ``"cupy"`` the two tardiness
        objectives run a CUDA kernel (one warp per row), the others the NumPy reference code.
    max_chunk_rows : int, optional
        Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (B,)
        A CuPy array on ``"cupy"``.

    Raises
    ------
    InvalidInstanceError
        Unknown objective or device, wrong shape, or a row that is not a permutation
        (``index`` is the first bad row).
    DeviceUnavailableError
        ``device="cupy"`` or ``"cuda"`` without a usable GPU.

    Examples
    --------
    >>> import schedkit as sk
    >>> inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1], w=[1, 2, 3])
    >>> evaluate_sequences(inst, [[2, 0, 1], [1, 0, 2]], "total_weighted_tardiness").tolist()
    [1.0, 18.0]
    """
    if objective not in OBJECTIVES:
        raise InvalidInstanceError(
            f"objective: unknown objective {objective!r}; expected one of {OBJECTIVES}", field="objective"
        )
    _check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    if backend == "rust":
        return _core.batch_evaluate_sequences(instance._core, _host_ints(perms, "perms", instance.n), objective)
    return _sequences(backend, instance, _as_rows(perms, "perms", instance.n), objective, max_chunk_rows)


def _sequences(
    backend: str, instance: Instance, rows: Any, objective: str, max_chunk_rows: int | None, *, kernel: bool = True
) -> Any:
    """The numpy / cupy path of :func:`evaluate_sequences`; ``kernel=False`` keeps CuPy on the
    array-namespace code (the benchmark compares the two)."""
    xp = namespace(backend)
    n = instance.n
    p, d, w = (xp.asarray(a) for a in (instance.p, instance.d, instance.w))
    use_kernel = kernel and backend == "cupy" and objective in cuda.KERNEL_OBJECTIVES

    weighted = objective == "total_weighted_tardiness"

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = _int_chunk(xp, chunk, "perms", start)
        if use_kernel and cuda.kernel_checks(n):
            # The kernel validates while it evaluates and marks a bad row with NaN (valid rows
            # are always finite); the reason is then found on that chunk.
            values = cuda.tardiness_kernel(chunk, p, d, w, weighted=weighted, check=True)
            if bool(xp.isnan(values).any()):
                _check_rows(xp, chunk, n, start)
            return (values,)
        _check_rows(xp, chunk, n, start)
        if use_kernel:
            return (cuda.tardiness_kernel(chunk, p, d, w, weighted=weighted),)
        return (evaluate_xp(xp, p, d, w, chunk, objective),)

    # About ten n-long temporaries per row (gathers, cumsum, lateness, validation).
    return _map_rows(backend, rows, 96 * n + 64, max_chunk_rows, step, (np.float64,))[0]


# --------------------------------------------------------------------------- DAGs


class _Dag(NamedTuple):
    """A validated DAG on heterogeneous processors, predecessors as CSR."""

    cost: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    data: np.ndarray
    bandwidth: np.ndarray
    latency: np.ndarray
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    pred_data: np.ndarray

    @property
    def n(self) -> int:
        return int(self.cost.shape[0])

    @property
    def q(self) -> int:
        return int(self.cost.shape[1])


def _dag(cost: Any, src: Any, dst: Any, data: Any, bandwidth: Any, latency: Any) -> _Dag:
    cost = _floats(cost, "cost", 2)
    n, q = cost.shape
    if q == 0:
        raise InvalidInstanceError("cost: needs at least one processor (column)", field="cost")
    _require(cost, np.isfinite(cost) & (cost >= 0), "cost", "must be finite and >= 0")
    src, dst, data = _ints(src, "src"), _ints(dst, "dst"), _floats(data, "data")
    _length(dst, "dst", src.shape[0], "src")
    _length(data, "data", src.shape[0], "src")
    _require(src, (src >= 0) & (src < n), "src", f"task id out of range 0..{n - 1}")
    _require(dst, (dst >= 0) & (dst < n), "dst", f"task id out of range 0..{n - 1}")
    _require(dst, dst != src, "dst", "self loop (dst == src)")
    _require(data, np.isfinite(data) & (data >= 0), "data", "must be finite and >= 0")
    if bandwidth is None:
        bandwidth = np.ones((q, q))
    bandwidth = _floats(bandwidth, "bandwidth", 2)
    if bandwidth.shape != (q, q):
        raise InvalidInstanceError(f"bandwidth: expected shape ({q}, {q}), got {bandwidth.shape}", field="bandwidth")
    _require(bandwidth, bandwidth > 0, "bandwidth", "must be > 0")
    latency = np.zeros(q) if latency is None else _floats(latency, "latency")
    _length(latency, "latency", q, "cost has columns")
    _require(latency, np.isfinite(latency) & (latency >= 0), "latency", "must be finite and >= 0")
    by_dst = np.argsort(dst, kind="stable")
    pred_ptr = np.zeros(n + 1, dtype=np.int64)
    pred_ptr[1:] = np.cumsum(np.bincount(dst, minlength=n))
    return _Dag(cost, src, dst, data, bandwidth, latency, pred_ptr, src[by_dst], data[by_dst])


def _padded_preds(dag: _Dag) -> tuple[np.ndarray, np.ndarray]:
    """Predecessors (n, D) padded with the dummy task n, and their edge data (padding 0)."""
    indegree = np.diff(dag.pred_ptr)
    width = max(1, int(indegree.max(initial=0)))
    preds = np.full((dag.n, width), dag.n, dtype=np.int64)
    volume = np.zeros((dag.n, width))
    task = np.repeat(np.arange(dag.n), indegree)
    slot = np.arange(task.shape[0]) - dag.pred_ptr[task]
    preds[task, slot] = dag.pred_idx
    volume[task, slot] = dag.pred_data
    return preds, volume


def evaluate_dag_orders(
    cost: Any,
    src: Any,
    dst: Any,
    data: Any,
    orders: Any,
    *,
    bandwidth: Any = None,
    latency: Any = None,
    device: str | None = None,
    errors: str = "raise",
    max_chunk_rows: int | None = None,
) -> Any:
    """Makespan of list-scheduling a DAG in each task order of ``orders``.

    Non-insertion list scheduling on q heterogeneous processors: for task i in row order and
    each processor b = 0..q-1, est_b = max(ready[b], max over predecessors j of
    (finish[j] + comm(j, b))) and eft_b = est_b + cost[i, b]; i goes to the b of least eft_b
    (ties to the lowest b), finish[i] = ready[b] = eft_b. comm(j, b) = 0 when j ran on b, else
    latency[a] + data / bandwidth[a, b] with a the processor of j (added in that order). The
    makespan is the largest finish time (0 for n = 0).

    Parameters
    ----------
    cost : array_like of float, shape (n, q)
        Time of task i on processor b, finite and >= 0.
    src, dst : array_like of int, shape (E,)
        Edges src -> dst (task ids, no self loops).
    data : array_like of float, shape (E,)
        Data volume of each edge, finite and >= 0.
    orders : array_like of int, shape (B, n)
        One task order per row; NumPy or CuPy.
    bandwidth : array_like of float, shape (q, q), optional
        Transfer rate from processor a to b, > 0 (default all 1).
    latency : array_like of float, shape (q,), optional
        Start-up time of a transfer leaving processor a, finite and >= 0 (default 0).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
    errors : {"raise", "nan"}
        A row that is not a permutation, or puts a task before one of its predecessors,
        raises (``"raise"``) or evaluates to NaN (``"nan"``).
    max_chunk_rows : int, optional
        Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (B,)

    Raises
    ------
    InvalidInstanceError
        Bad instance arrays (naming field and index), or with ``errors="raise"`` a bad row
        (field ``"orders"``, ``index`` the first bad row, the reason in the message).

    Examples
    --------
    A fork-join of four tasks on two processors, transfers cost 1 + data from processor 0:

    >>> cost = [[2, 3], [3, 1], [4, 2], [2, 2]]
    >>> src, dst, data = [0, 0, 1, 2], [1, 2, 3, 3], [4, 2, 1, 3]
    >>> evaluate_dag_orders(cost, src, dst, data, [[0, 1, 2, 3], [0, 2, 1, 3]], latency=[1, 0]).tolist()
    [9.0, 11.0]
    """
    _check_errors(errors)
    _check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = _dag(cost, src, dst, data, bandwidth, latency)
    rows = _as_rows(orders, "orders", dag.n)

    def explain(row: np.ndarray) -> str:
        problem = _order_problem(row, dag.n, dag.src, dag.dst)
        return "valid" if problem is None else problem[1]

    if backend == "rust":
        host = _host_ints(rows, "orders", dag.n)
        out = _core.batch_dag_orders(
            dag.cost, dag.pred_ptr, dag.pred_idx, dag.pred_data, dag.bandwidth, dag.latency, host
        )
        if errors == "raise":  # Rust marks bad rows NaN; name the first
            _first_bad(np, np.isnan(out), host, 0, "orders", explain)
        return out
    xp = namespace(backend)
    preds, volume = _padded_preds(dag)
    cost_x, preds_x, volume_x, bw_x, lat_x, src_x, dst_x = (
        xp.asarray(a) for a in (dag.cost, preds, volume, dag.bandwidth, dag.latency, dag.src, dag.dst)
    )

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = _int_chunk(xp, chunk, "orders", start)
        bad, safe = ref.check_permutations(xp, chunk, dag.n)
        bad |= ref.bad_precedence_rows(xp, safe, src_x, dst_x)
        if errors == "raise":
            _first_bad(xp, bad, chunk, start, "orders", explain)
        makespan = ref.dag_orders(xp, cost_x, preds_x, volume_x, bw_x, lat_x, safe)
        return (xp.where(bad, xp.nan, makespan),)

    width = preds.shape[1]
    bytes_per_row = 8 * (5 * dag.n + 3 * dag.src.shape[0] + 8 * width + 4 * dag.q) + 64
    return _map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.float64,))[0]


def _schedule(dag: _Dag, assignment: Any, order: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated (assignment, order) of a fixed schedule."""
    assignment, order = _ints(assignment, "assignment"), _ints(order, "order")
    _length(assignment, "assignment", dag.n, "cost has rows")
    _length(order, "order", dag.n, "cost has rows")
    in_range = (assignment >= 0) & (assignment < dag.q)
    _require(assignment, in_range, "assignment", f"processor out of range 0..{dag.q - 1}")
    problem = _order_problem(order, dag.n, dag.src, dag.dst)
    if problem is not None:
        raise InvalidInstanceError(f"order[{problem[0]}]: {problem[1]}", field="order", index=problem[0])
    return assignment, order


def _check_factors(xp: Any, factors: Any, start: int) -> None:
    bad = ~xp.all(xp.isfinite(factors) & (factors >= 0), axis=1)
    if bool(bad.any()):
        row = start + int(np.argmax(to_host(bad)))
        raise InvalidInstanceError(
            f"factors[{row}]: duration factors must be finite and >= 0", field="factors", index=row
        )


def _perturbed(
    backend: str, dag: _Dag, assignment: np.ndarray, order: np.ndarray, rows: Any, max_chunk_rows: int | None
) -> Any:
    """Makespans of a validated schedule under each row of ``rows`` (S, n)."""
    bytes_per_row = 8 * (4 * dag.n + dag.q + 2 * max(1, int(np.diff(dag.pred_ptr).max(initial=0)))) + 64
    if backend == "rust":
        factors = np.ascontiguousarray(to_host(rows), dtype=np.float64)
        size = cuda.chunk_rows("numpy", 2 * dag.n + 1)  # the check's two bool temporaries
        for start in range(0, factors.shape[0], size):
            _check_factors(np, factors[start : start + size], start)
        return _core.batch_dag_perturbed(
            dag.cost, dag.pred_ptr, dag.pred_idx, dag.pred_data, dag.bandwidth, dag.latency, assignment, order, factors
        )
    xp = namespace(backend)
    # Communication is not perturbed: one time per CSR edge, computed once on the host.
    pred_task = np.repeat(np.arange(dag.n), np.diff(dag.pred_ptr))
    a, b = assignment[dag.pred_idx], assignment[pred_task]
    comm = np.where(a == b, 0.0, dag.latency[a] + dag.pred_data / dag.bandwidth[a, b])
    base = dag.cost[np.arange(dag.n), assignment]
    pred_idx_x, comm_x = xp.asarray(dag.pred_idx), xp.asarray(comm)

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        factors = chunk.astype(xp.float64, copy=False)
        _check_factors(xp, factors, start)
        return (ref.dag_perturbed(xp, base, dag.pred_ptr, pred_idx_x, comm_x, assignment, order, dag.q, factors),)

    return _map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.float64,))[0]


def evaluate_dag_perturbed(
    cost: Any,
    src: Any,
    dst: Any,
    data: Any,
    assignment: Any,
    order: Any,
    factors: Any,
    *,
    bandwidth: Any = None,
    latency: Any = None,
    device: str | None = None,
    max_chunk_rows: int | None = None,
) -> Any:
    """Makespan of one fixed DAG schedule under each row of perturbed task durations.

    Task i runs on processor ``assignment[i]``; every processor runs its tasks in the order
    they appear in ``order``. In sample s task i takes cost[i, assignment[i]] * factors[s, i];
    communication (as in :func:`evaluate_dag_orders`) is not perturbed. For i in ``order``:
    start = max(ready[assignment[i]], max over predecessors j of (finish[j] + comm)),
    finish[i] = ready[assignment[i]] = start + duration.

    Parameters
    ----------
    cost, src, dst, data, bandwidth, latency
        The DAG, as in :func:`evaluate_dag_orders`.
    assignment : array_like of int, shape (n,)
        Processor of each task, 0..q-1.
    order : array_like of int, shape (n,)
        A topological order of the tasks (the dispatch order).
    factors : array_like of float, shape (S, n)
        Duration factor of each task in each sample, finite and >= 0; NumPy or CuPy (see
        :func:`sample_duration_factors`).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
    max_chunk_rows : int, optional
        Upper bound on the samples evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (S,)

    Raises
    ------
    InvalidInstanceError
        Bad instance arrays, an assignment out of range, an order that is not topological
        (field ``"order"``, index its position), or a factor row with a negative, NaN or
        infinite value (field ``"factors"``, index the row).

    Examples
    --------
    >>> cost = [[2, 3], [3, 1], [4, 2], [2, 2]]
    >>> src, dst, data = [0, 0, 1, 2], [1, 2, 3, 3], [4, 2, 1, 3]
    >>> factors = [[1, 1, 1, 1], [2, 1, 1, 0.5]]
    >>> evaluate_dag_perturbed(cost, src, dst, data, [0, 0, 1, 1], [0, 1, 2, 3], factors,
    ...                        latency=[1, 0]).tolist()
    [9.0, 10.0]
    """
    _check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = _dag(cost, src, dst, data, bandwidth, latency)
    assignment, order = _schedule(dag, assignment, order)
    return _perturbed(backend, dag, assignment, order, _as_rows(factors, "factors", dag.n), max_chunk_rows)


def _check_sampling(sigma: float, distribution: str) -> None:
    if distribution not in DISTRIBUTIONS:
        raise InvalidInstanceError(
            f"distribution: expected one of {DISTRIBUTIONS}, got {distribution!r}", field="distribution"
        )
    if not (math.isfinite(sigma) and sigma >= 0):
        raise InvalidInstanceError(f"sigma: must be finite and >= 0, got {sigma}", field="sigma")
    if distribution == "uniform" and sigma >= 1:
        raise InvalidInstanceError(f"sigma: uniform factors need sigma < 1, got {sigma}", field="sigma")


def _draw(rng: Any, xp: Any, shape: tuple[int, int], sigma: float, distribution: str) -> Any:
    if distribution == "lognormal":  # exp(N(-sigma^2/2, sigma)) has mean 1
        return xp.exp(sigma * rng.standard_normal(shape) - 0.5 * sigma * sigma)
    return (1.0 - sigma) + (2.0 * sigma) * rng.random(shape)


def sample_duration_factors(
    samples: int,
    n: int,
    *,
    sigma: float = 0.1,
    distribution: str = "lognormal",
    seed: int = 0,
    xp: Any = np,
) -> Any:
    """Random duration factors with mean 1, shape (samples, n), for :func:`evaluate_dag_perturbed`.

    Parameters
    ----------
    samples, n : int
        Rows (samples) and columns (tasks).
    sigma : float
        ``"lognormal"``: exp(N(-sigma^2/2, sigma)), the log-normal of mean 1 and log-scale
        sigma. ``"uniform"``: U[1 - sigma, 1 + sigma], sigma < 1.
    distribution : {"lognormal", "uniform"}
    seed : int
        Seed of ``xp.random.default_rng``; NumPy and CuPy draw different numbers.
    xp : module
        ``numpy`` (default) or ``cupy``, the library that draws (and holds) the factors.

    Returns
    -------
    ndarray of float64, shape (samples, n)

    Examples
    --------
    >>> f = sample_duration_factors(100_000, 3, sigma=0.2)
    >>> f.shape, bool(abs(f.mean() - 1) < 0.01)
    ((100000, 3), True)
    """
    _check_sampling(sigma, distribution)
    if samples < 0 or n < 0:
        raise InvalidInstanceError(f"samples, n: must be >= 0, got {samples}, {n}", field="samples")
    return _draw(xp.random.default_rng(seed), xp, (samples, n), float(sigma), distribution)


@dataclass(frozen=True)
class DeadlineEstimate:
    """Monte Carlo estimate of the chance that a schedule meets its deadline.

    Attributes
    ----------
    probability : float
        Share of samples with makespan <= deadline.
    ci_low, ci_high : float
        Wilson score 95% interval of ``probability``.
    samples : int
    mean_makespan, p95_makespan : float
        Mean and 95th percentile (linear interpolation) of the sampled makespans.
    """

    probability: float
    ci_low: float
    ci_high: float
    samples: int
    mean_makespan: float
    p95_makespan: float


def _wilson(successes: int, trials: int) -> tuple[float, float]:
    p = successes / trials
    z2 = _WILSON_Z * _WILSON_Z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _WILSON_Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def deadline_probability(
    cost: Any,
    src: Any,
    dst: Any,
    data: Any,
    assignment: Any,
    order: Any,
    deadline: float,
    *,
    samples: int = 10_000,
    sigma: float = 0.1,
    distribution: str = "lognormal",
    seed: int = 0,
    bandwidth: Any = None,
    latency: Any = None,
    device: str | None = None,
) -> DeadlineEstimate:
    """Probability that a fixed DAG schedule finishes by ``deadline`` when durations vary.

    Draws ``samples`` rows of :func:`sample_duration_factors` (on the host, with NumPy, so the
    answer for a seed is the same on every device; drawn in chunks for large ``samples``, the
    same numbers as one draw), evaluates them with :func:`evaluate_dag_perturbed` and counts
    the makespans <= ``deadline``.

    Parameters
    ----------
    cost, src, dst, data, assignment, order, bandwidth, latency
        As in :func:`evaluate_dag_perturbed`.
    deadline : float
    samples : int
        Monte Carlo samples, >= 1.
    sigma, distribution, seed
        As in :func:`sample_duration_factors`.
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional

    Returns
    -------
    DeadlineEstimate

    Examples
    --------
    >>> cost = [[2, 3], [3, 1], [4, 2], [2, 2]]
    >>> src, dst, data = [0, 0, 1, 2], [1, 2, 3, 3], [4, 2, 1, 3]
    >>> est = deadline_probability(cost, src, dst, data, [0, 0, 1, 1], [0, 1, 2, 3], 9.0,
    ...                            latency=[1, 0], samples=2000, sigma=0.0)
    >>> est.probability, est.mean_makespan
    (1.0, 9.0)
    """
    _check_sampling(sigma, distribution)
    if not (isinstance(samples, int) and samples >= 1):
        raise InvalidInstanceError(f"samples: must be an int >= 1, got {samples!r}", field="samples")
    if math.isnan(deadline):
        raise InvalidInstanceError("deadline: must be a number, got NaN", field="deadline")
    backend = cuda.resolve_device(device)
    dag = _dag(cost, src, dst, data, bandwidth, latency)
    assignment, order = _schedule(dag, assignment, order)
    rng = np.random.default_rng(seed)
    size = cuda.chunk_rows("numpy", 8 * max(1, dag.n))
    parts = []
    for start in range(0, samples, size):
        factors = _draw(rng, np, (min(size, samples - start), dag.n), float(sigma), distribution)
        parts.append(np.asarray(to_host(_perturbed(backend, dag, assignment, order, factors, None))))
    makespan = np.concatenate(parts)
    met = int(np.count_nonzero(makespan <= deadline))
    low, high = _wilson(met, samples)
    return DeadlineEstimate(
        probability=met / samples,
        ci_low=low,
        ci_high=high,
        samples=samples,
        mean_makespan=float(makespan.mean()),
        p95_makespan=float(np.quantile(makespan, 0.95)),
    )


# --------------------------------------------------------------------------- flow time


def evaluate_flowtime_orders(
    release: Any,
    size: Any,
    orders: Any,
    *,
    weight: Any = None,
    device: str | None = None,
    errors: str = "raise",
    max_chunk_rows: int | None = None,
) -> Any:
    """Total (weighted) flow time of each job order on one non-preemptive machine.

    For job j in row order: t = max(t, release[j]) + size[j] (t starts at 0), and the total
    grows by weight[j] * (t - release[j]).

    Parameters
    ----------
    release : array_like of float, shape (n,)
        Release times, finite and >= 0.
    size : array_like of float, shape (n,)
        Processing times, finite and > 0.
    orders : array_like of int, shape (B, n)
        One job order per row; NumPy or CuPy.
    weight : array_like of float, shape (n,), optional
        Weights, finite and > 0 (default 1).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
    errors : {"raise", "nan"}
        A row that is not a permutation raises, or evaluates to NaN.
    max_chunk_rows : int, optional
        Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (B,)

    Examples
    --------
    >>> evaluate_flowtime_orders([0, 1, 5], [3, 2, 1], [[0, 1, 2], [2, 0, 1]], weight=[1, 2, 1]).tolist()
    [12.0, 30.0]
    """
    _check_errors(errors)
    _check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    release, size = _floats(release, "release"), _floats(size, "size")
    n = release.shape[0]
    _length(size, "size", n, "release")
    _require(release, np.isfinite(release) & (release >= 0), "release", "must be finite and >= 0")
    _require(size, np.isfinite(size) & (size > 0), "size", "must be finite and > 0")
    weight = np.ones(n) if weight is None else _floats(weight, "weight")
    _length(weight, "weight", n, "release")
    _require(weight, np.isfinite(weight) & (weight > 0), "weight", "must be finite and > 0")
    rows = _as_rows(orders, "orders", n)

    def explain(row: np.ndarray) -> str:
        problem = _permutation_problem(row, n, "job")
        return "valid" if problem is None else problem[1]

    if backend == "rust":
        host = _host_ints(rows, "orders", n)
        out = _core.batch_flowtime_orders(release, size, weight, host)
        if errors == "raise":
            _first_bad(np, np.isnan(out), host, 0, "orders", explain)
        return out
    xp = namespace(backend)
    release_x, size_x, weight_x = xp.asarray(release), xp.asarray(size), xp.asarray(weight)

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = _int_chunk(xp, chunk, "orders", start)
        bad, safe = ref.check_permutations(xp, chunk, n)
        if errors == "raise":
            _first_bad(xp, bad, chunk, start, "orders", explain)
        return (xp.where(bad, xp.nan, ref.flowtime_orders(xp, release_x, size_x, weight_x, safe)),)

    return _map_rows(backend, rows, 32 * n + 64, max_chunk_rows, step, (np.float64,))[0]


# --------------------------------------------------------------------------- pod packing


def _packing_problem(
    row: np.ndarray, node_cpu: np.ndarray, node_mem: np.ndarray, pod_cpu: np.ndarray, pod_mem: np.ndarray
) -> str:
    nodes = node_cpu.shape[0]
    for j, node in enumerate(row.tolist()):
        if not -1 <= node < nodes:
            return f"pod {j} is assigned to node {node}; expected -1 (pending) or 0..{nodes - 1}"
    used_cpu, used_mem = np.zeros(nodes), np.zeros(nodes)
    for j, node in enumerate(row.tolist()):
        if node >= 0:
            used_cpu[node] += pod_cpu[j]
            used_mem[node] += pod_mem[j]
    for p in range(nodes):
        if used_cpu[p] > node_cpu[p]:
            return f"node {p}: cpu requests {used_cpu[p]:g} exceed its capacity {node_cpu[p]:g}"
        if used_mem[p] > node_mem[p]:
            return f"node {p}: memory requests {used_mem[p]:g} exceed its capacity {node_mem[p]:g}"
    return "valid"


def evaluate_packing(
    node_cpu: Any,
    node_mem: Any,
    pod_cpu: Any,
    pod_mem: Any,
    assignments: Any,
    *,
    probe_cpu: float | None = None,
    probe_mem: float | None = None,
    device: str | None = None,
    errors: str = "raise",
    max_chunk_rows: int | None = None,
) -> tuple[Any, Any]:
    """Pods placed and the fragmentation rate of each pod-to-node assignment.

    A row gives each pod's node, or -1 for a pending pod. Free cpu of node p is f_p =
    node_cpu[p] - (requests of its pods, summed in pod order), F = Σ f_p, and the probe fits
    extra_p = min(floor(f_p / probe_cpu), floor(free_mem_p / probe_mem)) more times on p (the
    memory term is dropped when there is no memory probe). The fragment rate is the share of
    free cpu no probe can use, (F - probe_cpu * Σ extra_p) / F, and 0 when F = 0.

    Parameters
    ----------
    node_cpu, node_mem : array_like of float, shape (N,)
        Node capacities, finite and >= 0.
    pod_cpu, pod_mem : array_like of float, shape (M,)
        Pod requests, finite and >= 0.
    assignments : array_like of int, shape (B, M)
        Node of each pod per row, or -1 (pending); NumPy or CuPy.
    probe_cpu, probe_mem : float, optional
        The probe pod. With neither given it is the mean pod request (cpu, mem). With only
        ``probe_cpu`` given, or ``probe_mem=0``, memory is ignored. ``probe_cpu`` must be > 0.
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
    errors : {"raise", "nan"}
        A row with a node index < -1 or >= N, or a node whose summed cpu or memory requests
        exceed its capacity, raises, or gives placed = -1 and a NaN rate.
    max_chunk_rows : int, optional
        Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    placed : ndarray of int64, shape (B,)
        Pods with a node.
    fragment_rate : ndarray of float64, shape (B,)

    Examples
    --------
    >>> placed, rate = evaluate_packing([4, 4], [8, 8], [2, 1, 3], [4, 1, 2],
    ...                                 [[0, 1, -1], [0, 0, 1]], probe_cpu=2, probe_mem=2)
    >>> placed.tolist(), rate.tolist()
    ([2, 3], [0.2, 1.0])
    """
    _check_errors(errors)
    _check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    node_cpu, node_mem = _floats(node_cpu, "node_cpu"), _floats(node_mem, "node_mem")
    pod_cpu, pod_mem = _floats(pod_cpu, "pod_cpu"), _floats(pod_mem, "pod_mem")
    _length(node_mem, "node_mem", node_cpu.shape[0], "node_cpu")
    _length(pod_mem, "pod_mem", pod_cpu.shape[0], "pod_cpu")
    for name, arr in (("node_cpu", node_cpu), ("node_mem", node_mem), ("pod_cpu", pod_cpu), ("pod_mem", pod_mem)):
        _require(arr, np.isfinite(arr) & (arr >= 0), name, "must be finite and >= 0")
    if probe_cpu is None and probe_mem is None and pod_cpu.shape[0] > 0:
        probe_cpu, probe_mem = float(pod_cpu.mean()), float(pod_mem.mean())
    probe_cpu = 0.0 if probe_cpu is None else float(probe_cpu)
    probe_mem = 0.0 if probe_mem is None else float(probe_mem)
    if not (math.isfinite(probe_cpu) and probe_cpu > 0):
        raise InvalidInstanceError(
            f"probe_cpu: must be finite and > 0, got {probe_cpu} (the default is the mean pod cpu request)",
            field="probe_cpu",
        )
    if not (math.isfinite(probe_mem) and probe_mem >= 0):
        raise InvalidInstanceError(f"probe_mem: must be finite and >= 0, got {probe_mem}", field="probe_mem")
    rows = _as_rows(assignments, "assignments", pod_cpu.shape[0])

    def explain(row: np.ndarray) -> str:
        return _packing_problem(row, node_cpu, node_mem, pod_cpu, pod_mem)

    if backend == "rust":
        host = _host_ints(rows, "assignments", pod_cpu.shape[0])
        placed, rate = _core.batch_packing(node_cpu, node_mem, pod_cpu, pod_mem, host, probe_cpu, probe_mem)
        if errors == "raise":
            _first_bad(np, placed < 0, host, 0, "assignments", explain)
        return placed, rate
    xp = namespace(backend)
    node_cpu_x, node_mem_x, pod_cpu_x, pod_mem_x = (xp.asarray(a) for a in (node_cpu, node_mem, pod_cpu, pod_mem))

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any, Any]:
        chunk = _int_chunk(xp, chunk, "assignments", start)
        placed, rate, bad = ref.packing(xp, node_cpu_x, node_mem_x, pod_cpu_x, pod_mem_x, chunk, probe_cpu, probe_mem)
        if errors == "raise":
            _first_bad(xp, bad, chunk, start, "assignments", explain)
        return xp.where(bad, -1, placed), xp.where(bad, xp.nan, rate)

    bytes_per_row = 8 * (3 * pod_cpu.shape[0] + 8 * node_cpu.shape[0]) + 64
    placed, rate = _map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.int64, np.float64))
    return placed, rate


# --------------------------------------------------------------------------- search


def random_restart_search(
    instance: Instance,
    *,
    restarts: int = 16,
    seed: int = 0,
    objective: str = "total_weighted_tardiness",
    max_rounds: int = 1000,
    device: str | None = None,
) -> tuple[np.ndarray, float]:
    """Best-improvement swap local search from random permutations, evaluated in batches.

    Each round evaluates the whole swap neighbourhood (n(n-1)/2 candidates) of every solution
    still improving in one :func:`evaluate_sequences` call, and moves each to its best
    neighbour when that is strictly better (ties to the first pair (i, j), i < j, in
    lexicographic order). A solution with no better neighbour is a local optimum and stops.
    One round holds restarts x n(n-1)/2 candidate rows of n int64 ids (60 MB for 16 restarts
    of n = 100), on the device that evaluates them.

    Parameters
    ----------
    instance : schedkit.tardiness.Instance
    restarts : int
        Random starting permutations (>= 1), drawn with ``numpy.random.default_rng(seed)``.
    seed : int
    objective : str
        One of :data:`OBJECTIVES`.
    max_rounds : int
        Upper bound on rounds (>= 0).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional
        Where the neighbourhoods are built and evaluated.

    Returns
    -------
    sequence : ndarray of int64
        The best local optimum found (the lowest restart on ties).
    objective : float

    Examples
    --------
    >>> import schedkit as sk
    >>> inst = sk.tardiness.Instance(p=[10, 11, 10, 10, 11, 10], d=[15, 11, 13, 11, 12, 11])
    >>> seq, value = random_restart_search(inst, objective="total_tardiness", restarts=8)
    >>> value
    141.0
    """
    if not isinstance(instance, Instance):
        raise InvalidInstanceError("instance: expected schedkit.tardiness.Instance", field="instance")
    if objective not in OBJECTIVES:
        raise InvalidInstanceError(
            f"objective: unknown objective {objective!r}; expected one of {OBJECTIVES}", field="objective"
        )
    if not (isinstance(restarts, int) and restarts >= 1):
        raise InvalidInstanceError(f"restarts: must be an int >= 1, got {restarts!r}", field="restarts")
    if not (isinstance(max_rounds, int) and max_rounds >= 0):
        raise InvalidInstanceError(f"max_rounds: must be an int >= 0, got {max_rounds!r}", field="max_rounds")
    backend = cuda.resolve_device(device)
    xp = namespace(backend)
    n = instance.n
    rng = np.random.default_rng(seed)
    current = np.argsort(rng.random((restarts, n)), axis=1).astype(np.int64)
    values = np.asarray(to_host(evaluate_sequences(instance, xp.asarray(current), objective, device=backend)))
    first, second = np.triu_indices(n, 1)
    pairs = first.shape[0]
    first_x, second_x, pair_x = xp.asarray(first), xp.asarray(second), xp.arange(pairs)
    active = np.arange(restarts) if pairs else np.zeros(0, dtype=np.int64)
    for _ in range(max_rounds):
        if active.size == 0:
            break
        base = xp.asarray(current[active])
        # Candidate c of solution r is r with positions first[c] and second[c] swapped.
        cand = xp.repeat(base[:, None, :], pairs, axis=1)
        cand[:, pair_x, first_x] = base[:, second_x]
        cand[:, pair_x, second_x] = base[:, first_x]
        scores = evaluate_sequences(instance, cand.reshape(-1, n), objective, device=backend)
        scores = np.asarray(to_host(scores)).reshape(active.size, pairs)
        best = np.argmin(scores, axis=1)  # host argmin: ties to the first pair on every device
        best_value = scores[np.arange(active.size), best]
        improved = best_value < values[active]
        moved = active[improved]
        i, j = first[best[improved]], second[best[improved]]
        current[moved, i], current[moved, j] = current[moved, j], current[moved, i]
        values[moved] = best_value[improved]
        active = moved
    winner = int(np.argmin(values))
    return current[winner].copy(), float(values[winner])
