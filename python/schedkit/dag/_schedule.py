"""The static list schedulers (HEFT, CPOP, PEFT, MCT, MET, random priorities) and the ranks
and bounds they are built on; all run in the Rust core."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import readonly
from schedkit.dag._model import Platform, Schedule, TaskGraph, check_pair
from schedkit.exceptions import InvalidInstanceError

__all__ = [
    "schedule",
    "heft",
    "cpop",
    "peft",
    "mct",
    "met",
    "random_priority",
    "Algorithm",
    "ALGORITHMS",
    "upward_rank",
    "downward_rank",
    "optimistic_cost_table",
    "critical_path",
    "lower_bound",
]


def _run(graph: TaskGraph, platform: Platform, algorithm: str, *, insertion: bool, seed: int = 0) -> Schedule:
    check_pair(graph, platform)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInstanceError(f"seed: expected an integer >= 0, got {seed!r}", field="seed")
    begin = time.perf_counter()
    proc, start, finish, order = _core.dag_schedule(
        graph._core, platform._core, algorithm, insertion=bool(insertion), seed=int(seed)
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
    >>> import schedkit as sk
    >>> sk.dag.ALGORITHMS["mct"]
    <dag.Algorithm mct append-only>
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.ALGORITHMS["heft"](g, plat).makespan == sk.dag.heft(g, plat).makespan
    True
    """

    name: str
    summary: str
    insertion: bool

    def __call__(
        self, graph: TaskGraph, platform: Platform, *, insertion: bool | None = None, seed: int = 0
    ) -> Schedule:
        """Schedules ``graph`` on ``platform`` with this algorithm.

        Parameters
        ----------
        graph : TaskGraph
        platform : Platform
            Costs for the same tasks as ``graph``.
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


def heft(graph: TaskGraph, platform: Platform, *, insertion: bool = ALGORITHMS["heft"].insertion) -> Schedule:
    """HEFT: tasks by non-increasing upward rank, each on its least-EFT processor.

    rank_u(i) = w̄_i + max over successors j of (c̄_ij + rank_u(j)). Ranks within 1e-9 (relative)
    tie and go to the lower level, then the lower id; equal EFTs go to the lowest processor.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    insertion : bool
        Insertion policy (a task may fill an idle gap between reservations); ``False`` appends
        after the processor's last task.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, or of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.heft(g, plat).makespan, sk.dag.heft(g, plat, insertion=False).makespan
    (16.0, 18.0)
    """
    return _run(graph, platform, "heft", insertion=insertion)


def cpop(graph: TaskGraph, platform: Platform, *, insertion: bool = ALGORITHMS["cpop"].insertion) -> Schedule:
    """CPOP: critical-path tasks on the processor minimising the path's total cost.

    Priority = rank_u + rank_d. The critical path starts at the entry task of highest priority
    and repeatedly moves to the successor of highest priority (ties as in HEFT). A ready list
    takes tasks by priority; a critical-path task goes to the critical-path processor at its
    earliest start, any other task to its least-EFT processor.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    insertion : bool
        Insertion policy, as in :func:`heft`.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, or of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.critical_path(g, plat)[0].tolist()  # a -> b -> d, pinned to P1
    [0, 1, 3]
    >>> sk.dag.cpop(g, plat).validate().makespan
    103.0
    """
    return _run(graph, platform, "cpop", insertion=insertion)


def peft(graph: TaskGraph, platform: Platform, *, insertion: bool = ALGORITHMS["peft"].insertion) -> Schedule:
    """PEFT: a ready list by rank_oct; processor = argmin EFT(i, p) + OCT(i, p).

    OCT(i, p) = max over successors j of min over processors w of
    (OCT(j, w) + w(j, w) + c̄_ij if w != p); rank_oct = mean of OCT over the processors.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    insertion : bool
        Insertion policy, as in :func:`heft`.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, or of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.peft(g, plat).validate().makespan
    16.0
    """
    return _run(graph, platform, "peft", insertion=insertion)


def mct(graph: TaskGraph, platform: Platform, *, insertion: bool = ALGORITHMS["mct"].insertion) -> Schedule:
    """Minimum completion time: tasks level by level (lowest id first), each on the processor
    where it finishes earliest.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    insertion : bool
        Insertion policy, as in :func:`heft`; off by default, as the classic rule.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, or of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.mct(g, plat).validate().makespan  # append-only, like heft(insertion=False)
    18.0
    """
    return _run(graph, platform, "mct", insertion=insertion)


def met(graph: TaskGraph, platform: Platform, *, insertion: bool = ALGORITHMS["met"].insertion) -> Schedule:
    """Minimum execution time: tasks level by level (lowest id first), each on the processor
    where it runs fastest (ignoring load).

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    insertion : bool
        Insertion policy, as in :func:`heft`; off by default.

    Returns
    -------
    Schedule

    Raises
    ------
    InvalidInstanceError
        Not a TaskGraph and Platform, or of different task counts.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.met(g, plat).processor.tolist()  # each task's fastest processor
    [0, 1, 1, 0]
    """
    return _run(graph, platform, "met", insertion=insertion)


def random_priority(
    graph: TaskGraph, platform: Platform, *, seed: int = 0, insertion: bool = ALGORITHMS["random"].insertion
) -> Schedule:
    """A ready list with random priorities (seeded), each task on its least-EFT processor: the
    baseline that shows what a rank is worth.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
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


def schedule(graph: TaskGraph, platform: Platform, *, algorithm: str = "heft", **options: Any) -> Schedule:
    """Runs ``ALGORITHMS[algorithm]`` with keyword ``options``.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform
        Costs for the same tasks as ``graph``.
    algorithm : str
        A name of :data:`ALGORITHMS`: ``heft``, ``cpop``, ``peft``, ``mct``, ``met``,
        ``random``.
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
    if algorithm not in ALGORITHMS:
        raise InvalidInstanceError(
            f"algorithm: unknown algorithm {algorithm!r}; expected one of {sorted(ALGORITHMS)}", field="algorithm"
        )
    return ALGORITHMS[algorithm](graph, platform, **options)


# ----------------------------------------------------------------------------- ranks


def upward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """HEFT's rank_u per task: w̄_i + max over successors j of (c̄_ij + rank_u(j)).

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform

    Returns
    -------
    ndarray of float64, shape (n,)
        Read-only.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.upward_rank(g, plat).tolist()
    [114.5, 53.5, 53.0, 1.0]
    """
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "upward"))


def downward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """CPOP's rank_d per task: max over predecessors j of rank_d(j) + w̄_j + c̄_ji.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform

    Returns
    -------
    ndarray of float64, shape (n,)
        Read-only; 0 for entry tasks.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.downward_rank(g, plat).tolist()
    [0.0, 61.0, 52.0, 113.5]
    """
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "downward"))


def optimistic_cost_table(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """PEFT's optimistic cost table OCT(i, p).

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform

    Returns
    -------
    ndarray of float64, shape (n, q)
        Read-only; 0 for exit tasks.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.optimistic_cost_table(g, plat).tolist()
    [[14.0, 4.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    """
    check_pair(graph, platform)
    oct_ = _core.dag_ranks(graph._core, platform._core, "oct")
    return readonly(oct_.reshape(graph.num_tasks, platform.num_processors))


def critical_path(graph: TaskGraph, platform: Platform) -> tuple[np.ndarray, int]:
    """CPOP's critical path and the processor it is pinned to.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform

    Returns
    -------
    path : ndarray of int64
        Tasks from an entry to an exit (read-only).
    processor : int
        The processor that runs the whole path fastest.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> path, proc = sk.dag.critical_path(g, plat)
    >>> path.tolist(), proc
    ([0, 1, 3], 0)
    """
    check_pair(graph, platform)
    path, proc = _core.dag_cpop_path(graph._core, platform._core)
    return readonly(path), int(proc)


def lower_bound(graph: TaskGraph, platform: Platform) -> float:
    """Σ of minimum costs along the heaviest path with free communication (the SLR denominator).

    No schedule on ``platform`` is shorter.

    Parameters
    ----------
    graph : TaskGraph
    platform : Platform

    Returns
    -------
    float

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = sk.dag.Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> sk.dag.lower_bound(g, plat)  # 2 + 3 + 1 along a -> b -> d
    6.0
    """
    check_pair(graph, platform)
    return float(_core.dag_lower_bound(graph._core, platform._core)[0])
