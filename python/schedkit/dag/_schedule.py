"""The static list schedulers (HEFT, CPOP, PEFT, MCT, MET, random priorities) and the ranks
and bounds they are built on; all run in the Rust core. :mod:`schedkit.dag` re-exports and
lists the public names."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from schedkit import _core
from schedkit._arrays import U64_MAX, bool_arg, int_arg, is_sequence, readonly
from schedkit._docs import fill_doc
from schedkit._names import resolve_name
from schedkit.dag._model import Platform, Schedule, TaskGraph, check_pair
from schedkit.exceptions import InvalidInstanceError

#: The docstring sections the public functions below share (see :func:`schedkit._docs.fill_doc`).
_SECTIONS = dict(
    # the two arguments of everything here
    graph_platform="""
        graph : TaskGraph
        platform : Platform
            Costs for the same tasks as ``graph``.
        """,
    # what a list scheduler returns and raises
    schedule_returns="""
        Returns
        -------
        Schedule

        Raises
        ------
        InvalidInstanceError
            Not a TaskGraph and Platform, or of different task counts.
        """,
    # the examples' instance: a diamond a -> {b, c} -> d on two processors
    diamond="""
        >>> import schedkit as sk
        >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
        >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
        """,
)
_shared_doc = fill_doc(**_SECTIONS)


def _run(graph: TaskGraph, platform: Platform, algorithm: str, *, insertion: bool, seed: int = 0) -> Schedule:
    check_pair(graph, platform)
    seed = int_arg(seed, "seed", maximum=U64_MAX)
    insertion = bool_arg(insertion, "insertion")
    begin = time.perf_counter()
    proc, start, finish, order = _core.dag_schedule(
        graph._core, platform._core, algorithm, insertion=insertion, seed=seed
    )
    elapsed = time.perf_counter() - begin
    return Schedule(
        graph=graph,
        platform=platform,
        algorithm=algorithm,
        processor=readonly(proc),
        start=readonly(start),
        finish=readonly(finish),
        order=readonly(order),
        makespan=float(finish.max()) if len(finish) else 0.0,
        elapsed=elapsed,
    )


@dataclass(frozen=True)
@_shared_doc
class Algorithm:
    """A list scheduler of the registry :data:`ALGORITHMS`; calling it schedules.

    A plain value (compares and pickles by its fields); the named functions (:func:`heft`,
    ...) run the same algorithms with their own docstrings.

    Parameters
    ----------
    name : str
        The name :func:`schedule` accepts.
    summary : str
        One line on what it does.
    insertion : bool
        Its default insertion policy (off for the classic ``mct`` and ``met``).

    Examples
    --------
    {diamond}
    >>> sk.dag.ALGORITHMS["mct"]
    <dag.Algorithm mct append-only>
    >>> sk.dag.ALGORITHMS["heft"](g, plat).makespan == sk.dag.heft(g, plat).makespan
    True
    """

    name: str
    summary: str
    insertion: bool

    @_shared_doc
    def __call__(
        self, graph: TaskGraph, platform: Platform, *, insertion: bool | None = None, seed: int = 0
    ) -> Schedule:
        """Schedules ``graph`` on ``platform`` with this algorithm.

        Parameters
        ----------
        {graph_platform}
        insertion : bool, optional
            Insertion policy; default :attr:`insertion`.
        seed : int
            Seed of the priorities of ``"random"``, >= 0; the other algorithms ignore it.

        Returns
        -------
        Schedule

        Raises
        ------
        InvalidInstanceError
            Not a TaskGraph and Platform, of different task counts, or a negative seed.
        """
        return _run(graph, platform, self.name, insertion=self.insertion if insertion is None else insertion, seed=seed)

    def __repr__(self) -> str:
        return f"<dag.Algorithm {self.name} {'insertion' if self.insertion else 'append-only'}>"


#: Every algorithm by name: the core's registry ``_core.DAG_ALGORITHMS`` (names, summaries and
#: default insertion policies, in its order). ``ALGORITHMS[name](graph, platform, **options)``.
ALGORITHMS: dict[str, Algorithm] = {
    name: Algorithm(name, summary, insertion) for name, summary, insertion in _core.DAG_ALGORITHMS
}


class _ListScheduler(Protocol):
    """The signature of :func:`heft`, :func:`cpop`, :func:`peft`, :func:`mct` and :func:`met`."""

    def __call__(self, graph: TaskGraph, platform: Platform, *, insertion: bool = ...) -> Schedule: ...


#: The docstring of every function :func:`_list_scheduler` makes; ``{description}``,
#: ``{insertion}`` and ``{example}`` are each algorithm's own.
_LIST_SCHEDULER_DOC = """\
{description}

Parameters
----------
{graph_platform}
insertion : bool
    {insertion}

{schedule_returns}

Examples
--------
{diamond}
{example}
"""


def _list_scheduler(name: str, description: str, *, insertion_doc: str, example: str) -> _ListScheduler:
    """The public function of the list scheduler ``name``: ``_run`` with its default insertion
    policy from :data:`ALGORITHMS`, documented by :data:`_LIST_SCHEDULER_DOC`."""
    default = ALGORITHMS[name].insertion

    def scheduler(graph: TaskGraph, platform: Platform, *, insertion: bool = default) -> Schedule:
        return _run(graph, platform, name, insertion=insertion)

    scheduler.__name__ = scheduler.__qualname__ = name
    scheduler.__doc__ = _LIST_SCHEDULER_DOC
    return fill_doc(**_SECTIONS, description=description, insertion=insertion_doc, example=example)(scheduler)


heft = _list_scheduler(
    "heft",
    """
    HEFT: tasks by non-increasing upward rank, each on its least-EFT processor.

    rank_u(i) = w̄_i + max over successors j of (c̄_ij + rank_u(j)). Ranks within 1e-9 (relative)
    tie and go to the lower level, then the lower id; equal EFTs go to the lowest processor.
    """,
    insertion_doc="""
    Insertion policy (a task may fill an idle gap between reservations); ``False`` appends
    after the processor's last task.
    """,
    example="""
    >>> sk.dag.heft(g, plat).makespan, sk.dag.heft(g, plat, insertion=False).makespan
    (16.0, 18.0)
    """,
)
cpop = _list_scheduler(
    "cpop",
    """
    CPOP: critical-path tasks on the processor minimising the path's total cost.

    Priority = rank_u + rank_d. The critical path starts at the entry task of highest priority
    and repeatedly moves to the successor of highest priority (ties as in HEFT). A ready list
    takes tasks by priority; a critical-path task goes to the critical-path processor at its
    earliest start, any other task to its least-EFT processor.
    """,
    insertion_doc="Insertion policy, as in :func:`heft`.",
    example="""
    >>> sk.dag.critical_path(g, plat)[0].tolist()  # a -> b -> d, pinned to P1
    [0, 1, 3]
    >>> sk.dag.cpop(g, plat).validate().makespan
    103.0
    """,
)
peft = _list_scheduler(
    "peft",
    """
    PEFT: a ready list by rank_oct; processor = argmin EFT(i, p) + OCT(i, p).

    OCT(i, p) = max over successors j of min over processors w of
    (OCT(j, w) + w(j, w) + c̄_ij if w != p); rank_oct = mean of OCT over the processors.
    """,
    insertion_doc="Insertion policy, as in :func:`heft`.",
    example="""
    >>> sk.dag.peft(g, plat).validate().makespan
    16.0
    """,
)
mct = _list_scheduler(
    "mct",
    """
    Minimum completion time: tasks level by level (lowest id first), each on the processor
    where it finishes earliest.
    """,
    insertion_doc="Insertion policy, as in :func:`heft`; off by default, as the classic rule.",
    example="""
    >>> sk.dag.mct(g, plat).validate().makespan  # append-only, like heft(insertion=False)
    18.0
    """,
)
met = _list_scheduler(
    "met",
    """
    Minimum execution time: tasks level by level (lowest id first), each on the processor
    where it runs fastest (ignoring load).
    """,
    insertion_doc="Insertion policy, as in :func:`heft`; off by default.",
    example="""
    >>> sk.dag.met(g, plat).processor.tolist()  # each task's fastest processor
    [0, 1, 1, 0]
    """,
)


@_shared_doc
def random_priority(
    graph: TaskGraph, platform: Platform, *, seed: int = 0, insertion: bool = ALGORITHMS["random"].insertion
) -> Schedule:
    """A ready list with random priorities (seeded), each task on its least-EFT processor: the
    baseline that shows what a rank is worth.

    Parameters
    ----------
    {graph_platform}
    seed : int
        Seed of the priorities, >= 0; the same seed gives the same schedule.
    insertion : bool
        Insertion policy, as in :func:`heft`.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, of different task counts, or a negative seed.

    Examples
    --------
    >>> import schedkit as sk
    >>> g, plat = sk.dag.random_dag(30, processors=3, seed=4)
    >>> a = sk.dag.random_priority(g, plat, seed=7)
    >>> a == sk.dag.random_priority(g, plat, seed=7), a.makespan >= a.lower_bound
    (True, True)
    """
    return _run(graph, platform, "random", insertion=insertion, seed=seed)


@_shared_doc
def schedule(graph: TaskGraph, platform: Platform, *, algorithm: str = "heft", **options: Any) -> Schedule:
    """Runs ``ALGORITHMS[algorithm]`` with keyword ``options``.

    Parameters
    ----------
    {graph_platform}
    algorithm : str
        A name of :data:`ALGORITHMS`: ``heft``, ``cpop``, ``peft``, ``mct``, ``met``,
        ``random`` (any case; a typo gets a "did you mean").
    **options
        ``insertion`` (every algorithm; default the algorithm's own) and ``seed`` (accepted
        by every algorithm, so one sweep can pass it to all; only ``"random"`` uses it).

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Unknown algorithm, or a graph and platform of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g, plat = sk.dag.random_dag(50, processors=4, seed=3)
    >>> {a: sk.dag.schedule(g, plat, algorithm=a, seed=1).validate().makespan >= 0 for a in ("heft", "random")}
    {'heft': True, 'random': True}
    """
    unknown = sorted(set(options) - {"insertion", "seed"})
    if unknown:
        raise InvalidInstanceError(
            f"{unknown[0]}: not an option of the list schedulers (they take insertion and seed)", field=unknown[0]
        )
    return ALGORITHMS[resolve_name("algorithm", algorithm, ALGORITHMS)](graph, platform, **options)


#: The columns of :func:`compare`, in order, with their types.
COMPARE_SCHEMA = pa.schema(
    [
        ("algorithm", pa.string()),
        ("makespan", pa.float64()),
        ("slr", pa.float64()),
        ("speedup", pa.float64()),
        ("efficiency", pa.float64()),
        ("lower_bound", pa.float64()),
        ("sequential_time", pa.float64()),
        ("seconds", pa.float64()),
    ]
)


def compare(
    graph: TaskGraph, platform: Platform, *, algorithms: Sequence[str] | None = None, **options: Any
) -> pa.Table:
    """Runs several algorithms on the same graph and platform: one pyarrow Table, a row each.

    Every schedule is validated independently before its row is made.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
    algorithms : sequence of str, optional
        Names of :data:`ALGORITHMS` (any case), one row each; default all of them.
    **options
        Passed to every algorithm, as for :func:`schedule` (``insertion``, ``seed``).

    Returns
    -------
    pyarrow.Table
        Flat columns: ``algorithm``, ``makespan``, ``slr`` (makespan / ``lower_bound``),
        ``speedup`` (``sequential_time`` / makespan), ``efficiency`` (speedup / processors),
        ``lower_bound`` (the critical path with every task at its cheapest), ``sequential_time``
        (all tasks on the best single processor) and ``seconds`` (the algorithm's run time).

    Raises
    ------
    InvalidInstanceError
        An unknown algorithm (with a "did you mean"), or as :func:`schedule`.

    Examples
    --------
    >>> import schedkit as sk
    >>> g, plat = sk.dag.random_dag(40, processors=3, seed=2)
    >>> t = sk.dag.compare(g, plat, algorithms=["HEFT", "met"])
    >>> t.column("algorithm").to_pylist(), t.column_names[:3]
    (['heft', 'met'], ['algorithm', 'makespan', 'slr'])
    """
    if algorithms is not None and not is_sequence(algorithms):
        raise InvalidInstanceError(f"algorithms: expected a sequence of names, got {algorithms!r}", field="algorithms")
    names = list(ALGORITHMS) if algorithms is None else [resolve_name("algorithm", a, ALGORITHMS) for a in algorithms]
    rows = []
    for name in names:
        s = schedule(graph, platform, algorithm=name, **options).validate()
        rows.append(
            {
                "algorithm": name,
                "makespan": s.makespan,
                "slr": s.slr,
                "speedup": s.speedup,
                "efficiency": s.efficiency,
                "lower_bound": s.lower_bound,
                "sequential_time": s.sequential_time,
                "seconds": s.elapsed,
            }
        )
    return pa.Table.from_pylist(rows, schema=COMPARE_SCHEMA)


# ----------------------------------------------------------------------------- ranks


@_shared_doc
def upward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """HEFT's rank_u per task: w̄_i + max over successors j of (c̄_ij + rank_u(j)).

    Parameters
    ----------
    {graph_platform}

    Returns
    -------
    ndarray of float64, shape (n,)
        Read-only.

    Examples
    --------
    {diamond}
    >>> sk.dag.upward_rank(g, plat).tolist()
    [114.5, 53.5, 53.0, 1.0]
    """
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "upward"))


@_shared_doc
def downward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """CPOP's rank_d per task: max over predecessors j of rank_d(j) + w̄_j + c̄_ji.

    Parameters
    ----------
    {graph_platform}

    Returns
    -------
    ndarray of float64, shape (n,)
        Read-only; 0 for entry tasks.

    Examples
    --------
    {diamond}
    >>> sk.dag.downward_rank(g, plat).tolist()
    [0.0, 61.0, 52.0, 113.5]
    """
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "downward"))


@_shared_doc
def optimistic_cost_table(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """PEFT's optimistic cost table OCT(i, p).

    Parameters
    ----------
    {graph_platform}

    Returns
    -------
    ndarray of float64, shape (n, q)
        Read-only; 0 for exit tasks.

    Examples
    --------
    {diamond}
    >>> sk.dag.optimistic_cost_table(g, plat).tolist()
    [[14.0, 4.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    """
    check_pair(graph, platform)
    oct_ = _core.dag_ranks(graph._core, platform._core, "oct")
    return readonly(oct_.reshape(graph.num_tasks, platform.num_processors))


@_shared_doc
def critical_path(graph: TaskGraph, platform: Platform) -> tuple[np.ndarray, int]:
    """CPOP's critical path and the processor it is pinned to.

    Parameters
    ----------
    {graph_platform}

    Returns
    -------
    path : ndarray of int64
        Tasks from an entry to an exit (read-only).
    processor : int
        The processor that runs the whole path fastest.

    Examples
    --------
    {diamond}
    >>> path, proc = sk.dag.critical_path(g, plat)
    >>> path.tolist(), proc
    ([0, 1, 3], 0)
    """
    check_pair(graph, platform)
    path, proc = _core.dag_cpop_path(graph._core, platform._core)
    return readonly(path), int(proc)


@_shared_doc
def lower_bound(graph: TaskGraph, platform: Platform) -> float:
    """Σ of minimum costs along the heaviest path with free communication (the SLR denominator).

    No schedule on ``platform`` is shorter.

    Parameters
    ----------
    {graph_platform}

    Returns
    -------
    float

    Examples
    --------
    {diamond}
    >>> sk.dag.lower_bound(g, plat)  # 2 + 3 + 1 along a -> b -> d
    6.0
    """
    check_pair(graph, platform)
    return float(_core.dag_lower_bound(graph._core, platform._core)[0])
