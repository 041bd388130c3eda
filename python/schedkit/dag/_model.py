"""The instance and result types of ``schedkit.dag``: TaskGraph, Platform, Schedule.

Public names are re-exported by :mod:`schedkit.dag`; import them from there.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import float_vector, readonly
from schedkit._optional import require
from schedkit.dag._plot import gantt
from schedkit.dag._validate import check_schedule
from schedkit.exceptions import InvalidInstanceError

__all__ = ["TaskGraph", "Platform", "Schedule"]


def id_vector(values: Any, field: str) -> np.ndarray:
    """``values`` as a 1-D int64 array; floats only when integral (nothing is truncated)."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field}: not an array of task ids ({exc})", field=field) from None
    if arr.ndim != 1:
        raise InvalidInstanceError(f"{field}: expected a 1-D array, got shape {arr.shape}", field=field)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInstanceError(f"{field}[{i}]: {arr[i]} is not a task id", field=field, index=i)
    elif arr.dtype.kind not in "iu":
        raise InvalidInstanceError(f"{field}: expected integer task ids, got dtype {arr.dtype}", field=field)
    return np.ascontiguousarray(arr, dtype=np.int64)


def float_matrix(values: Any, field: str) -> np.ndarray:
    """``values`` as a C-contiguous 2-D float64 array."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field}: not a matrix of numbers ({exc})", field=field) from None
    if arr.ndim != 2:
        raise InvalidInstanceError(f"{field}: expected a 2-D array, got shape {arr.shape}", field=field)
    if arr.dtype.kind not in "iuf":  # booleans are rejected, as everywhere in schedkit
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return np.ascontiguousarray(arr, dtype=np.float64)


def _count(value: Any, field: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInstanceError(f"{field}: expected an integer >= {minimum}, got {value!r}", field=field)
    return int(value)


class TaskGraph:
    """A validated directed acyclic task graph with a data volume on every edge (immutable).

    Parameters
    ----------
    src, dst : array_like of int, shape (e,)
        Edge ``k`` runs from task ``src[k]`` to task ``dst[k]``; tasks are ``0..num_tasks-1``.
    data : array_like of float, shape (e,), optional
        Data volume of each edge, finite and >= 0 (default 0). It becomes communication time
        through the platform's bandwidth and latency.
    num_tasks : int, optional
        Number of tasks (default: largest id + 1, or ``len(names)``). Tasks without edges are
        allowed.
    names : sequence of str, optional
        A display name per task (kept by the readers: WfCommons ids, networkx nodes, ...).
    name : str, optional
        A label for the whole graph.

    Several entry or exit tasks are fine: the algorithms behave as if a zero-cost pseudo entry
    and exit were added.

    Raises
    ------
    InvalidInstanceError
        Unknown task id (``src``/``dst`` with the edge index), self-loop, duplicate edge,
        negative or non-finite data, or a cycle (the message lists it).

    Examples
    --------
    >>> g = TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 1, 1, 2])
    >>> g.num_tasks, g.num_edges, g.entries.tolist(), g.exits.tolist()
    (4, 4, [0], [3])
    >>> TaskGraph([0, 1], [1, 0])
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: edges: the graph has a cycle: 0 -> 1 -> 0
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    def __init__(
        self,
        src: Any = (),
        dst: Any = (),
        data: Any = None,
        *,
        num_tasks: int | None = None,
        names: Sequence[str] | None = None,
        name: str | None = None,
    ):
        src_arr = id_vector(src, "src")
        dst_arr = id_vector(dst, "dst")
        data_arr = np.zeros(len(src_arr)) if data is None else float_vector(data, "data")
        if num_tasks is None:
            if names is not None:
                num_tasks = len(names)
            else:
                ids = np.concatenate([src_arr, dst_arr])
                num_tasks = int(ids.max()) + 1 if ids.size and ids.max() >= 0 else 0
        num_tasks = _count(num_tasks, "num_tasks")
        if names is not None:
            names = tuple(str(x) for x in names)
            if len(names) != num_tasks:
                raise InvalidInstanceError(f"names: {len(names)} names for {num_tasks} tasks", field="names")
        try:
            self._core = _core.DagTaskGraph(num_tasks, src_arr, dst_arr, data_arr)
        except InvalidInstanceError as exc:
            raise _with_names(exc, names) from None
        self._src = readonly(src_arr)
        self._dst = readonly(dst_arr)
        self._data = readonly(data_arr)
        self.names = names
        self.name = name

    @property
    def num_tasks(self) -> int:
        """Number of tasks."""
        return int(self._core.num_tasks)

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self._core.num_edges)

    @property
    def src(self) -> np.ndarray:
        """Source task of each edge (read-only int64)."""
        return self._src

    @property
    def dst(self) -> np.ndarray:
        """Destination task of each edge (read-only int64)."""
        return self._dst

    @property
    def data(self) -> np.ndarray:
        """Data volume of each edge (read-only float64)."""
        return self._data

    @functools.cached_property
    def entries(self) -> np.ndarray:
        """Tasks without predecessors."""
        has_pred = np.zeros(self.num_tasks, dtype=bool)
        has_pred[self._dst] = True
        return readonly(np.flatnonzero(~has_pred))

    @functools.cached_property
    def exits(self) -> np.ndarray:
        """Tasks without successors."""
        has_succ = np.zeros(self.num_tasks, dtype=bool)
        has_succ[self._src] = True
        return readonly(np.flatnonzero(~has_succ))

    @functools.cached_property
    def topological_order(self) -> np.ndarray:
        """A topological order (Kahn's algorithm, FIFO, entries in id order)."""
        return readonly(self._core.topological_order())

    @functools.cached_property
    def levels(self) -> np.ndarray:
        """Longest number of edges from an entry task to each task (entries are level 0)."""
        return readonly(self._core.levels())

    @classmethod
    def from_networkx(cls, G: Any, *, data: str = "data") -> TaskGraph:
        """The task graph of a ``networkx.DiGraph``: tasks are the nodes in ``G.nodes`` order,
        named ``str(node)``; edge attribute ``data`` is the data volume (missing: 0)."""
        if not G.is_directed():
            raise InvalidInstanceError("G: expected a directed graph (networkx.DiGraph)", field="G")
        nodes = list(G.nodes)
        index = {node: k for k, node in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        try:
            values = np.array([attrs.get(data, 0.0) for _, _, attrs in edges], dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInstanceError(f"data: edge attribute {data!r} is not a number", field="data") from None
        return cls(src, dst, values, num_tasks=len(nodes), names=[str(x) for x in nodes], name=G.graph.get("name"))

    def predecessors(self, task: int) -> np.ndarray:
        """Predecessors of ``task``."""
        return self._src[self._dst == task]

    def successors(self, task: int) -> np.ndarray:
        """Successors of ``task``."""
        return self._dst[self._src == task]

    def label(self, task: int) -> str:
        """The display name of ``task`` (its id when there are no names)."""
        return self.names[task] if self.names is not None else str(task)

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` on nodes 0..n-1 (attribute ``name``), edges with ``data``."""
        nx = require("networkx")
        g = nx.DiGraph(name=self.name or "")
        g.add_nodes_from((i, {"name": self.label(i)}) for i in range(self.num_tasks))
        g.add_edges_from(
            (int(u), int(v), {"data": float(d)}) for u, v, d in zip(self._src, self._dst, self._data, strict=True)
        )
        return g

    def __len__(self) -> int:
        return self.num_tasks

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<dag.TaskGraph{label} tasks={self.num_tasks} edges={self.num_edges}>"


def _with_names(exc: InvalidInstanceError, names: Sequence[str] | None) -> InvalidInstanceError:
    """The core's error with task ids replaced by names in a cycle message."""
    text = str(exc)
    marker = "cycle: "
    if names is None or marker not in text:
        return exc
    head, cycle = text.split(marker, 1)
    try:
        named = " -> ".join(repr(names[int(t)]) for t in cycle.split(" -> "))
    except (ValueError, IndexError):
        return exc
    return InvalidInstanceError(f"{head}{marker}{named}", field=exc.field, index=exc.index)


class Platform:
    """Processors and links: the time of every task on every processor, and communication.

    Give either ``cost`` (the unrelated-machines model of the HEFT paper) or ``speed`` and
    ``work`` (related machines: ``cost[i, j] = work[i] / speed[j]``).

    Communication of an edge with data volume ``d`` from processor ``a`` to ``b != a`` takes
    ``latency[a] + d / bandwidth[a, b]``; it is 0 when both tasks run on the same processor.
    For the ranks, the average communication cost is ``mean(latency) + d / B̄`` with ``B̄`` the
    mean off-diagonal bandwidth (0 with one processor).

    Parameters
    ----------
    cost : array_like of float, shape (n, q), optional
        Time of task i on processor j, finite and >= 0.
    speed : array_like of float, shape (q,), optional
        Processor speeds, finite and > 0 (with ``work``).
    work : array_like of float, shape (n,), optional
        Task work, finite and >= 0 (with ``speed``).
    bandwidth : float or array_like, shape (q, q)
        Link bandwidth, > 0 off the diagonal (0 is a missing link and raises), ``inf`` for an
        instantaneous link; the diagonal is ignored. Default 1.
    latency : float or array_like, shape (q,)
        Startup time of a transfer leaving each processor, finite and >= 0. Default 0.
    names : sequence of str, optional
        A display name per processor.

    Raises
    ------
    InvalidInstanceError
        Naming the field and index: a negative or non-finite cost, speed or work, a missing
        link, a shape mismatch.

    Examples
    --------
    >>> Platform(cost=[[14, 16, 9], [13, 19, 18]]).num_processors
    3
    >>> Platform(speed=[1, 2], work=[4, 6]).cost.tolist()
    [[4.0, 2.0], [6.0, 3.0]]
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    __slots__ = ("_bandwidth", "_core", "_cost", "_latency", "names", "speed", "work")

    def __init__(
        self,
        cost: Any = None,
        *,
        speed: Any = None,
        work: Any = None,
        bandwidth: Any = 1.0,
        latency: Any = 0.0,
        names: Sequence[str] | None = None,
    ):
        if cost is not None and (speed is not None or work is not None):
            raise InvalidInstanceError("cost: give either cost or speed and work, not both", field="cost")
        if cost is None:
            if speed is None or work is None:
                raise InvalidInstanceError("cost: give cost, or both speed and work", field="cost")
            speed_arr = float_vector(speed, "speed")
            work_arr = float_vector(work, "work")
            bad = ~np.isfinite(speed_arr) | (speed_arr <= 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise InvalidInstanceError(
                    f"speed[{i}]: must be finite and > 0, got {speed_arr[i]}", field="speed", index=i
                )
            bad = ~np.isfinite(work_arr) | (work_arr < 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise InvalidInstanceError(
                    f"work[{i}]: must be finite and >= 0, got {work_arr[i]}", field="work", index=i
                )
            if speed_arr.size == 0:
                raise InvalidInstanceError("speed: needs at least one processor", field="speed")
            cost_arr = np.ascontiguousarray(work_arr[:, None] / speed_arr[None, :])
            self.speed: np.ndarray | None = readonly(speed_arr)
            self.work: np.ndarray | None = readonly(work_arr)
        else:
            cost_arr = float_matrix(cost, "cost")
            self.speed = None
            self.work = None
        q = cost_arr.shape[1]
        bw = np.asarray(bandwidth, dtype=np.float64) if np.ndim(bandwidth) else np.full((q, q), float(bandwidth))
        if bw.shape != (q, q):
            raise InvalidInstanceError(f"bandwidth: expected shape ({q}, {q}), got {bw.shape}", field="bandwidth")
        lat = np.asarray(latency, dtype=np.float64) if np.ndim(latency) else np.full(q, float(latency))
        if lat.shape != (q,):
            raise InvalidInstanceError(f"latency: expected shape ({q},), got {lat.shape}", field="latency")
        bw = np.ascontiguousarray(bw)
        lat = np.ascontiguousarray(lat)
        self._core = _core.DagPlatform(cost_arr, bw, lat)
        self._cost = readonly(cost_arr)
        self._bandwidth = readonly(bw)
        self._latency = readonly(lat)
        if names is not None:
            names = tuple(str(x) for x in names)
            if len(names) != q:
                raise InvalidInstanceError(f"names: {len(names)} names for {q} processors", field="names")
        self.names = names

    @property
    def cost(self) -> np.ndarray:
        """The n x q task-on-processor times (read-only)."""
        return self._cost

    @property
    def bandwidth(self) -> np.ndarray:
        """The q x q link bandwidths (read-only; the diagonal is ignored)."""
        return self._bandwidth

    @property
    def latency(self) -> np.ndarray:
        """The q transfer startup times (read-only)."""
        return self._latency

    @property
    def num_tasks(self) -> int:
        """Number of tasks the cost matrix describes."""
        return int(self._cost.shape[0])

    @property
    def num_processors(self) -> int:
        """Number of processors."""
        return int(self._cost.shape[1])

    def comm_time(self, data: float, a: int, b: int) -> float:
        """Time to move ``data`` from processor a to b (0 when a == b)."""
        if a == b:
            return 0.0
        return float(self._latency[a] + data / self._bandwidth[a, b])

    def label(self, proc: int) -> str:
        """Display name of a processor (``P1``, ``P2``, ... by default)."""
        return self.names[proc] if self.names is not None else f"P{proc + 1}"

    def __repr__(self) -> str:
        return f"<dag.Platform tasks={self.num_tasks} processors={self.num_processors}>"


def check_pair(graph: TaskGraph, platform: Platform) -> None:
    """InvalidInstanceError unless the arguments are a TaskGraph and a Platform of the same tasks."""
    if not isinstance(graph, TaskGraph):
        raise InvalidInstanceError("graph: expected schedkit.dag.TaskGraph", field="graph")
    if not isinstance(platform, Platform):
        raise InvalidInstanceError("platform: expected schedkit.dag.Platform", field="platform")
    if graph.num_tasks != platform.num_tasks:
        raise InvalidInstanceError(
            f"platform: has costs for {platform.num_tasks} tasks but the graph has {graph.num_tasks}",
            field="platform",
        )


@dataclass(frozen=True, eq=False)
class Schedule:
    """A schedule of a task graph on a platform: processor, start and finish of every task.

    Attributes
    ----------
    graph : TaskGraph
    platform : Platform
    algorithm : str
    processor : ndarray of int64
        Processor of each task.
    start, finish : ndarray of float64
        Start and finish time of each task.
    order : ndarray of int64
        Tasks in the order the algorithm placed them.
    makespan : float
        max finish (0 for an empty graph).
    elapsed : float
        Seconds the algorithm took (wall clock).
    release : ndarray of float64 or None
        Earliest allowed start per task (online jobs: the job's arrival).
    factors : ndarray of float64 or None
        Actual duration = cost x factor per task (online runs with noise).
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    graph: TaskGraph
    platform: Platform
    algorithm: str
    processor: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    order: np.ndarray
    makespan: float
    elapsed: float = 0.0
    release: np.ndarray | None = field(default=None, repr=False)
    factors: np.ndarray | None = field(default=None, repr=False)

    @functools.cached_property
    def _bound(self) -> tuple[float, np.ndarray]:
        lb, path = _core.dag_lower_bound(self.graph._core, self.platform._core)
        return float(lb), readonly(path)

    @property
    def lower_bound(self) -> float:
        """Σ of the minimum costs along CP_MIN, the heaviest path with every task at its minimum
        cost and free communication: a lower bound on any makespan, and the SLR denominator."""
        return self._bound[0]

    @property
    def critical_path(self) -> np.ndarray:
        """The tasks of CP_MIN, from entry to exit."""
        return self._bound[1]

    @property
    def sequential_time(self) -> float:
        """min over processors of the total cost: every task on the best single processor."""
        if self.platform.num_tasks == 0:
            return 0.0
        return float(self.platform.cost.sum(axis=0).min())

    @property
    def slr(self) -> float:
        """Schedule length ratio: makespan / lower_bound (>= 1; 1.0 for 0/0, inf for x/0)."""
        return _ratio(self.makespan, self.lower_bound)

    @property
    def speedup(self) -> float:
        """sequential_time / makespan (1.0 for 0/0, inf for x/0)."""
        return _ratio(self.sequential_time, self.makespan)

    @property
    def efficiency(self) -> float:
        """speedup / number of processors."""
        return self.speedup / self.platform.num_processors

    def tasks_on(self, proc: int) -> np.ndarray:
        """Tasks of processor ``proc`` in start order."""
        tasks = np.flatnonzero(self.processor == proc)
        return tasks[np.lexsort((self.finish[tasks], self.start[tasks]))]

    def validate(self) -> Schedule:
        """Checks the schedule against the instance with an independent NumPy checker.

        Precedence with communication delays, one task at a time per processor, durations equal
        to the cost matrix (times the noise factors, if any), release times, the makespan.
        Returns ``self``.

        Raises
        ------
        ValidationError
            Naming the first violation (a schedkit bug).
        """
        g, p = self.graph, self.platform
        check_schedule(
            num_tasks=g.num_tasks,
            src=g.src,
            dst=g.dst,
            data=g.data,
            cost=p.cost,
            bandwidth=p.bandwidth,
            latency=p.latency,
            processor=self.processor,
            start=self.start,
            finish=self.finish,
            makespan=self.makespan,
            release=self.release,
            factors=self.factors,
            label=self.algorithm,
        )
        return self

    def to_arrow(self) -> Any:
        """The schedule as a pyarrow Table, one row per task in id order.

        Columns: task, name, processor, processor_name, start, finish, duration (and release
        when set).
        """
        import pyarrow as pa

        g, p = self.graph, self.platform
        n = g.num_tasks
        names = list(g.names) if g.names is not None else [str(i) for i in range(n)]
        cols: dict[str, Any] = {
            "task": np.arange(n, dtype=np.int64),
            "name": pa.array(names, type=pa.string()),
            "processor": self.processor.astype(np.int64),
            "processor_name": pa.array([p.label(int(k)) for k in self.processor], type=pa.string()),
            "start": self.start,
            "finish": self.finish,
            "duration": self.finish - self.start,
        }
        if self.release is not None:
            cols["release"] = self.release
        return pa.table(cols)

    def plot(
        self,
        ax: Any = None,
        *,
        path: str | Path | None = None,
        title: str | None = None,
        labels: bool | None = None,
        color_by: np.ndarray | None = None,
    ) -> Any:
        """Draws a Gantt chart (one row per processor) with matplotlib; returns the Axes.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; by default a new pyplot figure (or a standalone figure with ``path``).
        path : path, optional
            Also save the figure there (PNG, SVG, PDF by extension).
        title : str, optional
            Default: algorithm and makespan.
        labels : bool, optional
            Write task names on the bars (default: when there are at most 60 tasks).
        color_by : array of int, optional
            A group per task for the colours (e.g. the job of each task online).

        Raises
        ------
        SolverUnavailableError
            matplotlib is not installed (extra ``schedkit[plot]``).
        """
        return gantt(self, ax=ax, path=path, title=title, labels=labels, color_by=color_by)

    def __repr__(self) -> str:
        return (
            f"<dag.Schedule {self.algorithm} tasks={self.graph.num_tasks} "
            f"processors={self.platform.num_processors} makespan={self.makespan:g}>"
        )


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return 1.0 if a == 0 else float("inf")
