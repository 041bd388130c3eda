"""Makespans of DAG schedules on a :class:`schedkit.dag.Platform`: many task orders under list
scheduling, and one fixed schedule under many samples of perturbed durations."""

from __future__ import annotations

import math
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
from schedkit.batch._doc import batch_doc
from schedkit.dag import Platform, TaskGraph
from schedkit.exceptions import InvalidInstanceError


class Dag(NamedTuple):
    """A task graph and a platform of the same tasks (what every backend starts from)."""

    graph: TaskGraph
    platform: Platform

    @property
    def n(self) -> int:
        return self.graph.num_tasks

    @property
    def q(self) -> int:
        return self.platform.num_processors

    @property
    def src(self) -> np.ndarray:
        return self.graph.src

    @property
    def dst(self) -> np.ndarray:
        return self.graph.dst


def dag_pair(graph: TaskGraph, platform: Platform) -> Dag:
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
    return Dag(graph, platform)


class _Arrays(NamedTuple):
    """What the NumPy/CuPy reference reads: the platform's arrays and predecessors as CSR. The
    Rust backend reads the graph and platform objects instead."""

    cost: np.ndarray
    bandwidth: np.ndarray
    latency: np.ndarray
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    pred_data: np.ndarray


def _reference_arrays(dag: Dag) -> _Arrays:
    src, dst, data = dag.src, dag.dst, dag.graph.data
    # The platform ignores the bandwidth diagonal (no transfer within a processor) and allows
    # any value there; the array code computes data / bandwidth before discarding the
    # same-processor case, so a 0 there would raise a division warning. 1 is harmless.
    bandwidth = np.array(dag.platform.bandwidth, dtype=np.float64, order="C")
    np.fill_diagonal(bandwidth, 1.0)
    by_dst = np.argsort(dst, kind="stable")
    pred_ptr = np.zeros(dag.n + 1, dtype=np.int64)
    pred_ptr[1:] = np.cumsum(np.bincount(dst, minlength=dag.n))
    return _Arrays(
        np.ascontiguousarray(dag.platform.cost),
        bandwidth,
        np.ascontiguousarray(dag.platform.latency),
        pred_ptr,
        np.ascontiguousarray(src[by_dst]),
        np.ascontiguousarray(data[by_dst]),
    )


def _padded_preds(dag: Dag, arrays: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Predecessors (n, D) padded with the dummy task n, and their edge data (padding 0)."""
    indegree = np.diff(arrays.pred_ptr)
    width = max(1, int(indegree.max(initial=0)))
    preds = np.full((dag.n, width), dag.n, dtype=np.int64)
    volume = np.zeros((dag.n, width))
    task = np.repeat(np.arange(dag.n), indegree)
    slot = np.arange(task.shape[0]) - arrays.pred_ptr[task]
    preds[task, slot] = arrays.pred_idx
    volume[task, slot] = arrays.pred_data
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


@batch_doc
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
    latency[a] + data / bandwidth[a, b] with a the processor of j. The makespan is the largest
    finish time (0 for n = 0).

    The ``"rust"`` backend computes an arrival as the :mod:`schedkit.dag` schedulers do,
    (finish[j] + latency[a]) + data * (1 / bandwidth[a, b]), so the order a non-insertion
    HEFT or MCT schedule placed its tasks in gets that schedule's makespan to the bit (the
    schedulers treat finish times within 1e-9, relative, as ties; this evaluator does not).
    The array backends add finish[j] + (latency[a] + data / bandwidth[a, b]): the backends
    agree exactly when the values and inverse bandwidths are exact in binary (integers,
    power-of-two bandwidths), else to rounding.

    Parameters
    ----------
    graph : schedkit.dag.TaskGraph
        The tasks and edges, with the data volume of each edge.
    platform : schedkit.dag.Platform
        ``cost`` (n, q), ``bandwidth`` (q, q) and ``latency`` (q,) of the same n tasks.
    orders : array_like of int, shape (B, n)
        One task order per row (a single order of length n is one row); NumPy or CuPy.
    {device}
    errors : {"raise", "nan"}, keyword-only
        A row that is not a permutation, or puts a task before one of its predecessors,
        raises (``"raise"``) or evaluates to NaN (``"nan"``).
    {max_chunk_rows}

    {returns_rows}

    Raises
    ------
    InvalidInstanceError
        ``graph`` or ``platform`` of the wrong type, or of different numbers of tasks (field
        ``"platform"``); a bad option; or with ``errors="raise"`` a bad row (field
        ``"orders"``, ``index`` the first bad row, the reason in the message).
    {device_error}

    Examples
    --------
    A fork-join of four tasks on two processors; a transfer leaving processor 0 takes 1 + data:

    {fork_join}
    >>> sk.batch.evaluate_dag_orders(graph, platform, [[0, 1, 2, 3], [0, 2, 1, 3]]).tolist()
    [9.0, 11.0]
    """
    check_errors(errors)
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = dag_pair(graph, platform)
    rows = as_rows(orders, "orders", dag.n)

    def explain(row: np.ndarray) -> str:
        problem = order_problem(row, dag)
        return "valid" if problem is None else problem[1]

    if backend == "rust":
        host = host_ints(rows, "orders", dag.n)
        out = _core.batch_dag_orders(graph._core, platform._core, host)
        if errors == "raise":  # Rust marks bad rows NaN; name the first
            first_bad(np.isnan(out), host, 0, "orders", explain)
        return out
    xp = cuda.namespace(backend)
    arrays = _reference_arrays(dag)
    preds, volume = _padded_preds(dag, arrays)
    cost_x, preds_x, volume_x, bw_x, lat_x, src_x, dst_x = (
        xp.asarray(a) for a in (arrays.cost, preds, volume, arrays.bandwidth, arrays.latency, dag.src, dag.dst)
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


#: The bound every makespan stays under (the core's horizon limit for dag instances).
HORIZON_LIMIT = 1e300


def _factor_limit(dag: Dag, assignment: np.ndarray) -> float:
    """The largest duration factor that keeps every makespan of the fixed schedule finite:
    a makespan is at most max factor x its total cost + its total communication."""
    cost = float(dag.platform.cost[np.arange(dag.n), assignment].sum())
    a, b = assignment[dag.src], assignment[dag.dst]
    lat, bw = dag.platform.latency, dag.platform.bandwidth
    with np.errstate(divide="ignore"):
        comm = float(np.where(a == b, 0.0, lat[a] + dag.graph.data / bw[a, b]).sum())
    return (HORIZON_LIMIT - comm) / cost if cost > 0 else math.inf


def _check_factors(xp: Any, factors: Any, start: int, limit: float) -> None:
    bad = ~xp.all(xp.isfinite(factors) & (factors >= 0) & (factors <= limit), axis=1)
    if bool(bad.any()):
        row = start + int(np.argmax(cuda.to_host(bad)))
        raise InvalidInstanceError(
            f"factors[{row}]: duration factors must be finite, >= 0 and <= {limit:.3g} (beyond it the "
            f"makespan of this schedule would overflow)",
            field="factors",
            index=row,
        )


def perturbed(
    backend: str, dag: Dag, assignment: np.ndarray, order: np.ndarray, rows: Any, max_chunk_rows: int | None
) -> Any:
    """Makespans of a checked fixed schedule under each row of ``rows`` (S, n)."""
    limit = _factor_limit(dag, assignment)
    if backend == "rust":
        factors = np.ascontiguousarray(cuda.to_host(rows), dtype=np.float64)
        size = cuda.chunk_rows("numpy", 2 * dag.n + 1)  # the check's two bool temporaries
        for start in range(0, factors.shape[0], size):
            _check_factors(np, factors[start : start + size], start, limit)
        return _core.batch_dag_perturbed(dag.graph._core, dag.platform._core, assignment, order, factors)
    xp = cuda.namespace(backend)
    arrays = _reference_arrays(dag)
    indegree = np.diff(arrays.pred_ptr)
    bytes_per_row = 8 * (4 * dag.n + dag.q + 2 * max(1, int(indegree.max(initial=0)))) + 64
    # Communication is not perturbed: one time per CSR edge, computed once on the host.
    pred_task = np.repeat(np.arange(dag.n), indegree)
    a, b = assignment[arrays.pred_idx], assignment[pred_task]
    comm = np.where(a == b, 0.0, arrays.latency[a] + arrays.pred_data / arrays.bandwidth[a, b])
    base = arrays.cost[np.arange(dag.n), assignment]
    pred_idx_x, comm_x = xp.asarray(arrays.pred_idx), xp.asarray(comm)

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        factors = chunk.astype(xp.float64, copy=False)
        _check_factors(xp, factors, start, limit)
        return (ref.dag_perturbed(xp, base, arrays.pred_ptr, pred_idx_x, comm_x, assignment, order, dag.q, factors),)

    return map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.float64,))[0]


@batch_doc
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
    {device}
    {max_chunk_rows}

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
    {device_error}

    Examples
    --------
    {fork_join}
    >>> factors = [[1, 1, 1, 1], [2, 1, 1, 0.5]]
    >>> sk.batch.evaluate_dag_perturbed(graph, platform, [0, 0, 1, 1], [0, 1, 2, 3], factors).tolist()
    [9.0, 10.0]
    """
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    dag = dag_pair(graph, platform)
    assignment, order = fixed_schedule(dag, assignment, order)
    return perturbed(backend, dag, assignment, order, as_rows(factors, "factors", dag.n), max_chunk_rows)
