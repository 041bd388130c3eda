"""The instance and result types of ``schedkit.dag``: TaskGraph, Platform, Schedule.

Public names are re-exported by :mod:`schedkit.dag`; import them from there. All three are
immutable (read-only arrays, no attribute assignment), compare by value, pickle (the Rust core
objects are rebuilt on load, through the validating constructors) and have a one-line repr.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from schedkit import _core
from schedkit._arrays import float_vector, int_vector, is_sequence, numeric_array, readonly
from schedkit._chrome_trace import write_chrome_trace
from schedkit._optional import require
from schedkit.dag._plot import gantt
from schedkit.dag._validate import check_schedule
from schedkit.exceptions import InvalidInstanceError

__all__ = ["TaskGraph", "Platform", "Schedule"]


class Frozen:
    """Rejects attribute assignment after ``__init__`` (which sets through ``object.__setattr__``).

    Graphs, platforms and job streams are shared by every schedule made from them, and the
    first two hold a Rust copy of their arrays: a changed attribute would silently disagree with
    what the core schedules.
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: build a new one instead of setting {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")


def same_array(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Both None, or arrays of the same shape and values (NaN equal to NaN)."""
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))


def _ndim(value: Any, field: str) -> int:
    """The number of dimensions ``value`` has as an array; ragged nesting is an error naming ``field``."""
    try:
        return int(np.ndim(value))
    except ValueError:
        raise InvalidInstanceError(f"{field}: not an array of numbers (ragged rows)", field=field) from None


def _names(names: Any) -> tuple[str, ...] | None:
    """Display names as a tuple of strings (None stays None), or an error naming ``names``."""
    if names is None:
        return None
    if not is_sequence(names):
        raise InvalidInstanceError(f"names: expected a sequence of names, got {names!r}", field="names")
    return tuple(str(x) for x in names)


def same_values(a: object, b: object, names: Sequence[str]) -> bool:
    """Whether ``a`` and ``b`` agree on every attribute in ``names``, in order: arrays (or
    None against an array) by :func:`same_array`, anything else by ``==``."""
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not same_array(x, y):
                return False
        elif x != y:
            return False
    return True


class FieldsState:
    """Pickling for the frozen result dataclasses: the fields only (cached properties are
    recomputed on demand), and unpickled arrays read-only again."""

    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(cast(Any, self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, readonly(value) if isinstance(value, np.ndarray) else value)


def float_matrix(values: Any, field: str) -> npt.NDArray[np.float64]:
    """``values`` as a C-contiguous 2-D float64 array."""
    return np.ascontiguousarray(numeric_array(values, field, 2, "a matrix"), dtype=np.float64)


#: The largest task count a graph may declare: the core allocates per-task tables up front,
#: so a count like 10**9 is refused here rather than failing to allocate (or aborting) there.
MAX_TASKS = 1 << 24

#: The largest number of entries of a platform matrix: cost (tasks x processors) and
#: bandwidth (processors x processors), 2**27 float64 values (1 GiB) each.
MAX_MATRIX_ENTRIES = 1 << 27


def _count(value: Any, field: str, minimum: int = 0, maximum: int = MAX_TASKS) -> int:
    """``value`` as an int in ``[minimum, maximum]``, else an error naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInstanceError(f"{field}: expected an integer >= {minimum}, got {value!r}", field=field)
    if value > maximum:
        raise InvalidInstanceError(f"{field}: {value} is over the limit of {maximum:,}", field=field)
    return int(value)


def check_matrix_size(rows: int, cols: int, field: str) -> None:
    """Refuses a ``rows x cols`` matrix over :data:`MAX_MATRIX_ENTRIES` before it is allocated."""
    if rows * cols > MAX_MATRIX_ENTRIES:
        raise InvalidInstanceError(
            f"{field}: {rows:,} x {cols:,} entries is over the limit of {MAX_MATRIX_ENTRIES:,}", field=field
        )


class TaskGraph(Frozen):
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
    and exit were added. Two graphs are equal when built from equal arrays, names and name.

    Raises
    ------
    InvalidInstanceError
        Unknown task id (``src``/``dst`` with the edge index), self-loop, duplicate edge,
        negative or non-finite data, or a cycle (the message lists it).

    Examples
    --------
    >>> from schedkit.dag import TaskGraph
    >>> g = TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 1, 1, 2], name="diamond")
    >>> g
    <dag.TaskGraph 'diamond' tasks=4 edges=4>
    >>> g.entries.tolist(), g.exits.tolist(), g.successors(0).tolist()
    ([0], [3], [1, 2])
    >>> TaskGraph([0, 1], [1, 0])
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: edges: the graph has a cycle: 0 -> 1 -> 0
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    # Set once by __init__ (through object.__setattr__); declared here for the type checker.
    _core: _core.DagTaskGraph
    _src: npt.NDArray[np.int64]
    _dst: npt.NDArray[np.int64]
    _data: npt.NDArray[np.float64]
    names: tuple[str, ...] | None
    name: str | None

    def __init__(
        self,
        src: npt.ArrayLike = (),
        dst: npt.ArrayLike = (),
        data: npt.ArrayLike | None = None,
        *,
        num_tasks: int | None = None,
        names: Sequence[str] | None = None,
        name: str | None = None,
    ):
        src_arr = int_vector(src, "src")
        dst_arr = int_vector(dst, "dst")
        data_arr = np.zeros(len(src_arr)) if data is None else float_vector(data, "data")
        names = _names(names)
        if num_tasks is None:
            if names is not None:
                num_tasks = len(names)
            else:
                ids = np.concatenate([src_arr, dst_arr])
                num_tasks = int(ids.max()) + 1 if ids.size and ids.max() >= 0 else 0
        num_tasks = _count(num_tasks, "num_tasks")
        if names is not None and len(names) != num_tasks:
            raise InvalidInstanceError(f"names: {len(names)} names for {num_tasks} tasks", field="names")
        try:
            core = _core.DagTaskGraph(num_tasks, src_arr, dst_arr, data_arr)
        except InvalidInstanceError as exc:
            raise _with_names(exc, names) from None
        # Without @dataclass the cached properties below can still fill __dict__ directly.
        set_ = object.__setattr__
        set_(self, "_core", core)
        set_(self, "_src", readonly(src_arr))
        set_(self, "_dst", readonly(dst_arr))
        set_(self, "_data", readonly(data_arr))
        set_(self, "names", names)
        set_(self, "name", name)

    @property
    def num_tasks(self) -> int:
        """Number of tasks."""
        return int(self._core.num_tasks)

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self._core.num_edges)

    @property
    def src(self) -> npt.NDArray[np.int64]:
        """Source task of each edge (read-only int64)."""
        return self._src

    @property
    def dst(self) -> npt.NDArray[np.int64]:
        """Destination task of each edge (read-only int64)."""
        return self._dst

    @property
    def data(self) -> npt.NDArray[np.float64]:
        """Data volume of each edge (read-only float64)."""
        return self._data

    @functools.cached_property
    def entries(self) -> npt.NDArray[np.intp]:
        """Tasks without predecessors."""
        has_pred = np.zeros(self.num_tasks, dtype=bool)
        has_pred[self._dst] = True
        return readonly(np.flatnonzero(~has_pred))

    @functools.cached_property
    def exits(self) -> npt.NDArray[np.intp]:
        """Tasks without successors."""
        has_succ = np.zeros(self.num_tasks, dtype=bool)
        has_succ[self._src] = True
        return readonly(np.flatnonzero(~has_succ))

    @functools.cached_property
    def topological_order(self) -> npt.NDArray[np.int64]:
        """A topological order (Kahn's algorithm, FIFO, entries in id order)."""
        return readonly(self._core.topological_order())

    @functools.cached_property
    def levels(self) -> npt.NDArray[np.int64]:
        """Longest number of edges from an entry task to each task (entries are level 0)."""
        return readonly(self._core.levels())

    @classmethod
    def from_networkx(cls, G: Any, *, data: str = "data") -> TaskGraph:
        """The task graph of a ``networkx.DiGraph`` (no costs: see :func:`schedkit.dag.from_networkx`).

        Parameters
        ----------
        G : networkx.DiGraph
        data : str
            The edge attribute holding the data volume (missing: 0).

        Returns
        -------
        TaskGraph
            Tasks are the nodes in ``G.nodes`` order, named ``str(node)``; the graph is named
            ``G.graph["name"]``.

        Raises
        ------
        InvalidInstanceError
            An undirected graph, a non-numeric data attribute, a cycle (named by node).

        Examples
        --------
        >>> import networkx as nx
        >>> from schedkit.dag import TaskGraph
        >>> G = nx.DiGraph([("a", "b", {"data": 3.0}), ("a", "c", {})])
        >>> g = TaskGraph.from_networkx(G)
        >>> g.names, g.data.tolist()
        (('a', 'b', 'c'), [3.0, 0.0])
        """
        if not callable(getattr(G, "is_directed", None)) or not G.is_directed():
            raise InvalidInstanceError("G: expected a directed graph (networkx.DiGraph)", field="G")
        nodes = list(G.nodes)
        if len(nodes) > MAX_TASKS:
            raise InvalidInstanceError(f"G: {len(nodes):,} nodes is over the limit of {MAX_TASKS:,}", field="G")
        index = {node: k for k, node in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        values = np.zeros(len(edges))
        for k, (u, v, attrs) in enumerate(edges):
            value = attrs.get(data, 0.0)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise InvalidInstanceError(
                    f"data: edge ({u!r}, {v!r}) attribute {data!r} must be a number, got {value!r}",
                    field="data",
                    index=k,
                )
            values[k] = value
        name = G.graph.get("name")
        return cls(
            src,
            dst,
            values,
            num_tasks=len(nodes),
            names=[str(x) for x in nodes],
            name=None if name is None else str(name),
        )

    def predecessors(self, task: int) -> npt.NDArray[np.int64]:
        """Predecessors of ``task``."""
        return self._src[self._dst == task]

    def successors(self, task: int) -> npt.NDArray[np.int64]:
        """Successors of ``task``."""
        return self._dst[self._src == task]

    def label(self, task: int) -> str:
        """The display name of ``task`` (its id when there are no names)."""
        return self.names[task] if self.names is not None else str(task)

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` on nodes 0..n-1 (attribute ``name``), edges with ``data``.

        Raises
        ------
        SolverUnavailableError
            networkx is not installed (extra ``schedkit[graph]``).

        Examples
        --------
        >>> from schedkit.dag import TaskGraph
        >>> G = TaskGraph([0], [1], [2.5], names=["a", "b"]).to_networkx()
        >>> G.nodes[1]["name"], G.edges[0, 1]["data"]
        ('b', 2.5)
        """
        nx = require("networkx")
        g = nx.DiGraph(name=self.name or "")
        g.add_nodes_from((i, {"name": self.label(i)}) for i in range(self.num_tasks))
        g.add_edges_from(
            (int(u), int(v), {"data": float(d)}) for u, v, d in zip(self._src, self._dst, self._data, strict=True)
        )
        return g

    def __len__(self) -> int:
        return self.num_tasks

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TaskGraph):
            return NotImplemented
        return same_values(self, other, ("num_tasks", "names", "name", "_src", "_dst", "_data"))

    def __hash__(self) -> int:
        return hash((self.num_tasks, self.num_edges, self.name))

    def __getstate__(self) -> dict[str, Any]:
        return {
            "src": self._src,
            "dst": self._dst,
            "data": self._data,
            "num_tasks": self.num_tasks,
            "names": self.names,
            "name": self.name,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Through the constructor: it rebuilds the (unpicklable) core graph and re-checks the data.
        TaskGraph.__init__(
            self, state["src"], state["dst"], state["data"], **{k: state[k] for k in ("num_tasks", "names", "name")}
        )

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<dag.TaskGraph{label} tasks={self.num_tasks} edges={self.num_edges}>"


def _with_names(exc: InvalidInstanceError, names: Sequence[str] | None) -> InvalidInstanceError:
    """The core's cycle error with the task names in its message (the ids stay in ``cycle``)."""
    if names is None or exc.cycle is None:
        return exc
    named = " -> ".join(repr(names[t]) for t in exc.cycle)
    return InvalidInstanceError(
        f"{exc.field}: the graph has a cycle: {named}", field=exc.field, index=exc.index, cycle=exc.cycle
    )


class Platform(Frozen):
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

    Attributes
    ----------
    cost, bandwidth, latency : ndarray of float64
        As given (scalars broadcast), read-only.
    speed, work : ndarray of float64 or None
        Read-only, when built from ``speed`` and ``work``.
    names : tuple of str or None

    Raises
    ------
    InvalidInstanceError
        Naming the field and index: a negative or non-finite cost, speed or work, a missing
        link, a shape mismatch.

    Examples
    --------
    >>> from schedkit.dag import Platform
    >>> Platform(cost=[[14, 16, 9], [13, 19, 18]])
    <dag.Platform tasks=2 processors=3>
    >>> plat = Platform(speed=[1, 2], work=[4, 6], latency=0.5)
    >>> plat.cost.tolist(), plat.comm_time(3.0, 0, 1), plat.comm_time(3.0, 1, 1)
    ([[4.0, 2.0], [6.0, 3.0]], 3.5, 0.0)
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    __slots__ = ("_bandwidth", "_core", "_cost", "_latency", "names", "speed", "work")
    _core: _core.DagPlatform
    _cost: npt.NDArray[np.float64]
    _bandwidth: npt.NDArray[np.float64]
    _latency: npt.NDArray[np.float64]
    speed: npt.NDArray[np.float64] | None
    work: npt.NDArray[np.float64] | None
    names: tuple[str, ...] | None

    def __init__(
        self,
        cost: npt.ArrayLike | None = None,
        *,
        speed: npt.ArrayLike | None = None,
        work: npt.ArrayLike | None = None,
        bandwidth: Any = 1.0,
        latency: Any = 0.0,
        names: Sequence[str] | None = None,
    ):
        if cost is not None and (speed is not None or work is not None):
            raise InvalidInstanceError("cost: give either cost or speed and work, not both", field="cost")
        speed_arr: npt.NDArray[np.float64] | None
        work_arr: npt.NDArray[np.float64] | None
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
            check_matrix_size(work_arr.size, speed_arr.size, "speed")
            with np.errstate(over="ignore"):  # an overflow is refused below, naming the speed
                cost_arr = np.ascontiguousarray(work_arr[:, None] / speed_arr[None, :])
            if not np.isfinite(cost_arr).all():
                k = int(np.argmax(~np.isfinite(cost_arr).all(axis=0)))
                raise InvalidInstanceError(
                    f"speed[{k}]: {speed_arr[k]} is so slow that a task's time overflows", field="speed", index=k
                )
            speed_arr, work_arr = readonly(speed_arr), readonly(work_arr)
        else:
            cost_arr = float_matrix(cost, "cost")
            speed_arr = work_arr = None
        q = cost_arr.shape[1]
        check_matrix_size(q, q, "bandwidth")
        bw = (
            float_matrix(bandwidth, "bandwidth")
            if _ndim(bandwidth, "bandwidth")
            else np.full((q, q), float(numeric_array(bandwidth, "bandwidth", 0, "a number")))
        )
        if bw.shape != (q, q):
            raise InvalidInstanceError(f"bandwidth: expected shape ({q}, {q}), got {bw.shape}", field="bandwidth")
        lat = (
            float_vector(latency, "latency")
            if _ndim(latency, "latency")
            else np.full(q, float(numeric_array(latency, "latency", 0, "a number")))
        )
        if lat.shape != (q,):
            raise InvalidInstanceError(f"latency: expected shape ({q},), got {lat.shape}", field="latency")
        bw = np.ascontiguousarray(bw)
        lat = np.ascontiguousarray(lat)
        core = _core.DagPlatform(cost_arr, bw, lat)
        names = _names(names)
        if names is not None and len(names) != q:
            raise InvalidInstanceError(f"names: {len(names)} names for {q} processors", field="names")
        set_ = object.__setattr__
        set_(self, "_core", core)
        set_(self, "_cost", readonly(cost_arr))
        set_(self, "_bandwidth", readonly(bw))
        set_(self, "_latency", readonly(lat))
        set_(self, "speed", speed_arr)
        set_(self, "work", work_arr)
        set_(self, "names", names)

    @property
    def cost(self) -> npt.NDArray[np.float64]:
        """The n x q task-on-processor times (read-only)."""
        return self._cost

    @property
    def bandwidth(self) -> npt.NDArray[np.float64]:
        """The q x q link bandwidths (read-only; the diagonal is ignored)."""
        return self._bandwidth

    @property
    def latency(self) -> npt.NDArray[np.float64]:
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

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Platform):
            return NotImplemented
        return same_values(self, other, ("names", "_cost", "_bandwidth", "_latency", "speed", "work"))

    def __hash__(self) -> int:
        return hash(self._cost.shape)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = {"bandwidth": self._bandwidth, "latency": self._latency, "names": self.names}
        if self.speed is not None:
            # cost = work / speed is recomputed bit for bit, so only the model the user chose is kept.
            return {**state, "speed": self.speed, "work": self.work}
        return {**state, "cost": self._cost}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Platform.__init__(self, **state)

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


#: What two schedules must agree on to be equal: everything but the wall-clock ``elapsed``.
_SCHEDULE_COMPARED = (
    "algorithm",
    "makespan",
    "graph",
    "platform",
    "processor",
    "start",
    "finish",
    "order",
    "release",
    "factors",
)


@dataclass(frozen=True, eq=False)
class Schedule(FieldsState):
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

    Two schedules are equal when everything but ``elapsed`` (a wall-clock measurement) is.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> s = sk.dag.heft(g, plat).validate()
    >>> s
    <dag.Schedule heft tasks=4 processors=2 makespan=16>
    >>> s.processor.tolist(), s.start.tolist(), s.finish.tolist()
    ([0, 1, 1, 1], [0.0, 12.0, 3.0, 15.0], [2.0, 15.0, 5.0, 16.0])
    >>> s.lower_bound, round(s.slr, 3), s.critical_path.tolist()
    (6.0, 2.667, [0, 1, 3])
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    graph: TaskGraph
    platform: Platform
    algorithm: str
    processor: npt.NDArray[np.int64]
    start: npt.NDArray[np.float64]
    finish: npt.NDArray[np.float64]
    order: npt.NDArray[np.int64]
    makespan: float
    elapsed: float = 0.0
    release: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    factors: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    @functools.cached_property
    def _bound(self) -> tuple[float, npt.NDArray[np.int64]]:
        lb, path = _core.dag_lower_bound(self.graph._core, self.platform._core)
        return float(lb), readonly(path)

    @property
    def lower_bound(self) -> float:
        """Σ of the minimum costs along CP_MIN, the heaviest path with every task at its minimum
        cost and free communication: a lower bound on any makespan, and the SLR denominator."""
        return self._bound[0]

    @property
    def critical_path(self) -> npt.NDArray[np.int64]:
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

    def tasks_on(self, proc: int) -> npt.NDArray[np.intp]:
        """Tasks of processor ``proc`` in start order.

        Examples
        --------
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(6, processors=2, seed=0)
        >>> s = sk.dag.heft(g, plat)
        >>> sorted([*s.tasks_on(0), *s.tasks_on(1)]) == list(range(6))
        True
        """
        tasks = np.flatnonzero(self.processor == proc)
        return tasks[np.lexsort((self.finish[tasks], self.start[tasks]))]

    def validate(self) -> Schedule:
        """Checks the schedule against the instance with an independent NumPy checker.

        Precedence with communication delays, one task at a time per processor, durations equal
        to the cost matrix (times the noise factors, if any), release times, the makespan.

        Returns
        -------
        Schedule
            ``self``, so that ``schedule(...).validate()`` chains.

        Raises
        ------
        ValidationError
            Naming the first violation (a schedkit bug).

        Examples
        --------
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(20, processors=3, seed=2)
        >>> sk.dag.peft(g, plat).validate().algorithm
        'peft'
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

    def to_chrome_trace(self, path: str | Path) -> Path:
        """Writes the schedule as a Chrome trace event JSON file (Perfetto, chrome://tracing).

        One track per processor (named as in :meth:`plot`, with its speed), one slice per task
        (named by the task, with its id, processor, start and finish in ``args``); times in
        microseconds, one unit of the costs counting as one second (WfCommons runtimes are
        seconds).

        Parameters
        ----------
        path : path
            The file to write.

        Returns
        -------
        pathlib.Path

        Examples
        --------
        >>> import json, os, tempfile
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(5, processors=2, seed=0)
        >>> s = sk.dag.heft(g, plat)
        >>> path = s.to_chrome_trace(os.path.join(tempfile.mkdtemp(), "heft.json"))
        >>> slices = [e for e in json.loads(path.read_text())["traceEvents"] if e["ph"] == "X"]
        >>> len(slices), bool(slices[0]["ts"] == s.start[0] * 1e6)
        (5, True)
        """
        p = self.platform
        speeds = p.speed
        tracks = [
            p.label(k) if speeds is None else f"{p.label(k)} (speed {speeds[k]:g})" for k in range(p.num_processors)
        ]
        slices = (
            (
                int(self.processor[i]),
                self.graph.label(i),
                float(self.start[i]),
                float(self.finish[i]),
                {
                    "task": i,
                    "processor": int(self.processor[i]),
                    "start": float(self.start[i]),
                    "finish": float(self.finish[i]),
                },
            )
            for i in range(self.graph.num_tasks)
        )
        process = f"{self.graph.name or 'graph'}: {self.algorithm.upper()}, makespan {self.makespan:.6g}"
        return write_chrome_trace(path, process, tracks, slices)

    def to_arrow(self) -> Any:
        """The schedule as a pyarrow Table, one row per task in id order.

        Returns
        -------
        pyarrow.Table
            Columns: task, name, processor, processor_name, start, finish, duration (and
            release when set).

        Examples
        --------
        >>> import schedkit as sk
        >>> g = sk.dag.TaskGraph([0], [1], names=["load", "fit"])
        >>> s = sk.dag.heft(g, sk.dag.Platform(cost=[[1, 2], [3, 1]]))
        >>> s.to_arrow().select(["name", "processor_name", "start", "finish"]).to_pylist()[1]
        {'name': 'fit', 'processor_name': 'P2', 'start': 1.0, 'finish': 2.0}
        """
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
        *,
        ax: Any = None,
        path: str | Path | None = None,
        title: str | None = None,
        labels: bool | None = None,
        color_by: np.ndarray | None = None,
        unit: str | None = None,
        xmax: float | None = None,
    ) -> Any:
        """Draws a Gantt chart (one row per processor) with matplotlib.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; by default a new pyplot figure on the current backend, or with
            ``path`` a standalone figure (no pyplot state, no backend switch).
        path : path, optional
            Also save the figure there (PNG, SVG, PDF by extension).
        title : str, optional
            Default: the graph's name, the algorithm and the makespan.
        labels : bool, optional
            Write task names on the bars where they fit (default: when there are at most 60
            tasks).
        color_by : array of int, optional
            A group per task for the colours (e.g. the job of each task online).
        unit : str, optional
            The time unit for the axis label (``"s"`` for WfCommons workflows).
        xmax : float, optional
            The end of the time axis (default the makespan): give several schedules the same
            one to compare their panels.

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on (``ax.figure`` when ``ax`` is given).

        Raises
        ------
        SolverUnavailableError
            matplotlib is not installed (extra ``schedkit[plot]``).

        Examples
        --------
        >>> import os, tempfile
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(10, processors=3, seed=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "gantt.png")
        >>> fig = sk.dag.heft(g, plat).plot(path=path)
        >>> len(fig.axes[0].patches), os.path.getsize(path) > 1000
        (10, True)
        """
        return gantt(self, ax=ax, path=path, title=title, labels=labels, color_by=color_by, unit=unit, xmax=xmax).figure

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return same_values(self, other, _SCHEDULE_COMPARED)

    def __hash__(self) -> int:
        return hash((self.algorithm, self.makespan, self.graph.num_tasks))

    def __repr__(self) -> str:
        return (
            f"<dag.Schedule {self.algorithm} tasks={self.graph.num_tasks} "
            f"processors={self.platform.num_processors} makespan={self.makespan:g}>"
        )


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return 1.0 if a == 0 else float("inf")
