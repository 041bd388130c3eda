"""Makespans of DAG schedules on a :class:`schedkit.dag.Platform`: many task orders under list
scheduling, and one fixed schedule under many samples of perturbed durations."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import schedkit.batch._cuda as cuda
import schedkit.batch._xp as ref
from schedkit import _core
from schedkit.batch._checks import (
    as_rows,
    check_chunk,
    check_errors,
    expect,
    first_bad,
    host_ints,
    int_chunk,
    ints,
    length,
    permutation_problem,
    require_all,
)
from schedkit.batch._chunks import map_rows
from schedkit.dag import Platform, TaskGraph
from schedkit.exceptions import InvalidInstanceError


class Dag(NamedTuple):
    """The arrays of a task graph on a platform, predecessors as CSR (what every backend reads)."""

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


def dag_arrays(graph: TaskGraph, platform: Platform) -> Dag:
    """The :class:`Dag` of a graph and a platform of the same tasks.

    Both were validated when they were built; only that they are the right types and describe
    the same number of tasks is checked here.
    """
    expect(graph, TaskGraph, "graph", "schedkit.dag.TaskGraph")
    expect(platform, Platform, "platform", "schedkit.dag.Platform")
    n = graph.num_tasks
    if platform.num_tasks != n:
        raise InvalidInstanceError(
            f"platform: has costs for {platform.num_tasks} tasks, the graph has {n}", field="platform"
        )
    src, dst, data = (np.ascontiguousarray(a) for a in (graph.src, graph.dst, graph.data))
    # The platform ignores the bandwidth diagonal (no transfer within a processor) and allows
    # any value there; the array code computes data / bandwidth before discarding the
    # same-processor case, so a 0 there would raise a division warning. 1 is harmless.
    bandwidth = np.array(platform.bandwidth, dtype=np.float64, order="C")
    np.fill_diagonal(bandwidth, 1.0)
    by_dst = np.argsort(dst, kind="stable")
    pred_ptr = np.zeros(n + 1, dtype=np.int64)
    pred_ptr[1:] = np.cumsum(np.bincount(dst, minlength=n))
    return Dag(
        np.ascontiguousarray(platform.cost),
        src,
        dst,
        data,
        bandwidth,
        np.ascontiguousarray(platform.latency),
        pred_ptr,
        np.ascontiguousarray(src[by_dst]),
        np.ascontiguousarray(data[by_dst]),
    )


def _padded_preds(dag: Dag) -> tuple[np.ndarray, np.ndarray]:
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


def order_problem(row: np.ndarray, dag: Dag) -> tuple[int, str] | None:
    """(position, reason) of the first place ``row`` is not a topological order, or None."""
    n, src, dst = dag.n, dag.src, dag.dst
    problem = permutation_problem(row, n, "task")
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


def evaluate_dag_orders(
    graph: TaskGraph,
    platform: Platform,
    orders: Any,
    *,
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
    graph : schedkit.dag.TaskGraph
        The tasks and edges, with the data volume of each edge.
    platform : schedkit.dag.Platform
        ``cost`` (n, q), ``bandwidth`` (q, q) and ``latency`` (q,) of the same n tasks.
    orders : array_like of int, shape (B, n)
        One task order per row (a single order of length n is one row); NumPy or CuPy.
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional, keyword-only
        Backend; default ``SCHEDKIT_DEVICE`` or ``"auto"``.
    errors : {"raise", "nan"}, keyword-only
        A row that is not a permutation, or puts a task before one of its predecessors,
        raises (``"raise"``) or evaluates to NaN (``"nan"``).
    max_chunk_rows : int, optional, keyword-only
        Upper bound on the rows evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (B,)
        A CuPy array on ``"cupy"``.

    Raises
    ------
    InvalidInstanceError
        ``graph`` or ``platform`` of the wrong type, or of different numbers of tasks (field
        ``"platform"``); a bad option; or with ``errors="raise"`` a bad row (field
        ``"orders"``, ``index`` the first bad row, the reason in the message).
    DeviceUnavailableError
        ``device="cupy"`` or ``"cuda"`` without a usable GPU.

    Examples
    --------
    A fork-join of four tasks on two processors; a transfer leaving processor 0 takes 1 + data:

    >>> import schedkit as sk
    >>> graph = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 2, 1, 3])
    >>> platform = sk.dag.Platform([[2, 3], [3, 1], [4, 2], [2, 2]], latency=[1, 0])
    >>> sk.batch.evaluate_dag_orders(graph, platform, [[0, 1, 2, 3], [0, 2, 1, 3]]).tolist()
    [9.0, 11.0]
    """
    check_errors(errors)
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = dag_arrays(graph, platform)
    rows = as_rows(orders, "orders", dag.n)

    def explain(row: np.ndarray) -> str:
        problem = order_problem(row, dag)
        return "valid" if problem is None else problem[1]

    if backend == "rust":
        host = host_ints(rows, "orders", dag.n)
        out = _core.batch_dag_orders(
            dag.cost, dag.pred_ptr, dag.pred_idx, dag.pred_data, dag.bandwidth, dag.latency, host
        )
        if errors == "raise":  # Rust marks bad rows NaN; name the first
            first_bad(np.isnan(out), host, 0, "orders", explain)
        return out
    xp = cuda.namespace(backend)
    preds, volume = _padded_preds(dag)
    cost_x, preds_x, volume_x, bw_x, lat_x, src_x, dst_x = (
        xp.asarray(a) for a in (dag.cost, preds, volume, dag.bandwidth, dag.latency, dag.src, dag.dst)
    )

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = int_chunk(xp, chunk, "orders", start)
        bad, safe = ref.check_permutations(xp, chunk, dag.n)
        bad |= ref.bad_precedence_rows(xp, safe, src_x, dst_x)
        if errors == "raise":
            first_bad(bad, chunk, start, "orders", explain)
        makespan = ref.dag_orders(xp, cost_x, preds_x, volume_x, bw_x, lat_x, safe)
        return (xp.where(bad, xp.nan, makespan),)

    width = preds.shape[1]
    bytes_per_row = 8 * (5 * dag.n + 3 * dag.src.shape[0] + 8 * width + 4 * dag.q) + 64
    return map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.float64,))[0]


def fixed_schedule(dag: Dag, assignment: Any, order: Any) -> tuple[np.ndarray, np.ndarray]:
    """Checked (assignment, order) of a fixed schedule: what only the call brings."""
    assignment, order = ints(assignment, "assignment"), ints(order, "order")
    length(assignment, "assignment", dag.n, "the graph has tasks")
    length(order, "order", dag.n, "the graph has tasks")
    in_range = (assignment >= 0) & (assignment < dag.q)
    require_all(assignment, in_range, "assignment", f"processor out of range 0..{dag.q - 1}")
    problem = order_problem(order, dag)
    if problem is not None:
        raise InvalidInstanceError(f"order[{problem[0]}]: {problem[1]}", field="order", index=problem[0])
    return assignment, order


def _check_factors(xp: Any, factors: Any, start: int) -> None:
    bad = ~xp.all(xp.isfinite(factors) & (factors >= 0), axis=1)
    if bool(bad.any()):
        row = start + int(np.argmax(cuda.to_host(bad)))
        raise InvalidInstanceError(
            f"factors[{row}]: duration factors must be finite and >= 0", field="factors", index=row
        )


def perturbed(
    backend: str, dag: Dag, assignment: np.ndarray, order: np.ndarray, rows: Any, max_chunk_rows: int | None
) -> Any:
    """Makespans of a checked fixed schedule under each row of ``rows`` (S, n)."""
    bytes_per_row = 8 * (4 * dag.n + dag.q + 2 * max(1, int(np.diff(dag.pred_ptr).max(initial=0)))) + 64
    if backend == "rust":
        factors = np.ascontiguousarray(cuda.to_host(rows), dtype=np.float64)
        size = cuda.chunk_rows("numpy", 2 * dag.n + 1)  # the check's two bool temporaries
        for start in range(0, factors.shape[0], size):
            _check_factors(np, factors[start : start + size], start)
        return _core.batch_dag_perturbed(
            dag.cost, dag.pred_ptr, dag.pred_idx, dag.pred_data, dag.bandwidth, dag.latency, assignment, order, factors
        )
    xp = cuda.namespace(backend)
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

    return map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.float64,))[0]


def evaluate_dag_perturbed(
    graph: TaskGraph,
    platform: Platform,
    assignment: Any,
    order: Any,
    factors: Any,
    *,
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
    graph : schedkit.dag.TaskGraph
    platform : schedkit.dag.Platform
        The DAG and its platform, as in :func:`evaluate_dag_orders`.
    assignment : array_like of int, shape (n,)
        Processor of each task, 0..q-1.
    order : array_like of int, shape (n,)
        A topological order of the tasks (the dispatch order).
    factors : array_like of float, shape (S, n)
        Duration factor of each task in each sample, finite and >= 0; NumPy or CuPy (see
        :func:`sample_duration_factors`).
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional, keyword-only
        Backend; default ``SCHEDKIT_DEVICE`` or ``"auto"``.
    max_chunk_rows : int, optional, keyword-only
        Upper bound on the samples evaluated at once (``"numpy"`` and ``"cupy"``).

    Returns
    -------
    ndarray of float64, shape (S,)
        A CuPy array on ``"cupy"``.

    Raises
    ------
    InvalidInstanceError
        ``graph`` or ``platform`` of the wrong type or of different numbers of tasks; an
        assignment out of range; an order that is not topological (field ``"order"``, index
        its position); or a factor row with a negative, NaN or infinite value (field
        ``"factors"``, index the row).
    DeviceUnavailableError
        ``device="cupy"`` or ``"cuda"`` without a usable GPU.

    Examples
    --------
    >>> import schedkit as sk
    >>> graph = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 2, 1, 3])
    >>> platform = sk.dag.Platform([[2, 3], [3, 1], [4, 2], [2, 2]], latency=[1, 0])
    >>> factors = [[1, 1, 1, 1], [2, 1, 1, 0.5]]
    >>> sk.batch.evaluate_dag_perturbed(graph, platform, [0, 0, 1, 1], [0, 1, 2, 3], factors).tolist()
    [9.0, 10.0]
    """
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = dag_arrays(graph, platform)
    assignment, order = fixed_schedule(dag, assignment, order)
    return perturbed(backend, dag, assignment, order, as_rows(factors, "factors", dag.n), max_chunk_rows)
