"""DAG list scheduling on heterogeneous processors: HEFT, CPOP, PEFT and baselines.

A :class:`TaskGraph` (tasks, edges with a data volume) runs on a :class:`Platform`: the time
of every task on every processor (an explicit cost matrix, the unrelated-machines model of the
HEFT paper, or work / speed) and links (communication of ``d`` from processor a to b != a takes
``latency[a] + d / bandwidth[a, b]``, 0 on the same processor). An algorithm returns a
:class:`Schedule` with the processor, start and finish of every task, its makespan, SLR, speedup
and efficiency, an independent ``validate()``, ``to_arrow()`` and a Gantt ``plot()``.

Algorithms (all deterministic; ``random`` is seeded):

- ``heft``: tasks by non-increasing upward rank, each on the processor of least insertion-based
  earliest finish time (Topcuoglu, Hariri & Wu, IEEE TPDS 2002);
- ``cpop``: critical-path tasks pinned to the processor that runs the whole path fastest, the
  rest by EFT, in priority order rank_u + rank_d (same paper);
- ``peft``: a ready list by rank_oct, processor by EFT + optimistic cost (Arabnejad &
  Barbosa, IEEE TPDS 2014);
- ``mct``, ``met``: tasks level by level on the processor of least completion / execution time;
- ``random``: a ready list with seeded random priorities, processor by EFT.

Ties: ranks within a relative 1e-9 are equal (so 79.99999999999999 and 80 tie) and go to the
task of lower level (fewer edges from an entry), then the lower id; equal finish times go to the
lowest processor index. Several entry or exit tasks behave like a zero-cost pseudo entry and exit.

Examples
--------
The example of the HEFT paper (Topcuoglu et al. 2002, Fig. 2; edge labels are communication
times, bandwidth 1):

>>> import schedkit as sk
>>> W = [[14, 16, 9], [13, 19, 18], [11, 13, 19], [13, 8, 17], [12, 13, 10],
...      [13, 16, 9], [7, 15, 11], [5, 11, 14], [18, 12, 20], [21, 7, 16]]
>>> edges = [(0, 1, 18), (0, 2, 12), (0, 3, 9), (0, 4, 11), (0, 5, 14), (1, 7, 19), (1, 8, 16),
...          (2, 6, 23), (3, 7, 27), (3, 8, 23), (4, 8, 13), (5, 7, 15), (6, 9, 17), (7, 9, 11),
...          (8, 9, 13)]
>>> src, dst, data = zip(*edges)
>>> g = sk.dag.TaskGraph(src, dst, data, num_tasks=10)
>>> plat = sk.dag.Platform(cost=W)
>>> s = sk.dag.schedule(g, plat, algorithm="heft").validate()
>>> s.makespan, round(s.slr, 4), round(s.speedup, 4)
(80.0, 1.9512, 1.5875)
>>> sk.dag.schedule(g, plat, algorithm="cpop").makespan
86.0
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import readonly
from schedkit._dag_io import from_networkx, from_stg, from_wfcommons
from schedkit._dag_model import Platform, Schedule, TaskGraph, check_pair
from schedkit._dag_online import ONLINE_POLICIES, JobStream, OnlineResult, simulate_online
from schedkit.exceptions import InvalidInstanceError

__all__ = [
    "TaskGraph",
    "Platform",
    "Schedule",
    "schedule",
    "heft",
    "cpop",
    "peft",
    "mct",
    "met",
    "random_priority",
    "ALGORITHMS",
    "upward_rank",
    "downward_rank",
    "optimistic_cost_table",
    "critical_path",
    "lower_bound",
    "random_dag",
    "from_networkx",
    "from_wfcommons",
    "from_stg",
    "JobStream",
    "OnlineResult",
    "simulate_online",
    "ONLINE_POLICIES",
]

for _cls in (TaskGraph, Platform, Schedule, JobStream, OnlineResult):
    _cls.__module__ = __name__


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


def heft(graph: TaskGraph, platform: Platform, *, insertion: bool = True) -> Schedule:
    """HEFT: tasks by non-increasing upward rank, each on its least-EFT processor.

    rank_u(i) = w̄_i + max over successors j of (c̄_ij + rank_u(j)). Ranks within 1e-9 (relative)
    tie and go to the lower level, then the lower id; equal EFTs go to the lowest processor.

    Parameters
    ----------
    insertion : bool
        Insertion policy (a task may fill an idle gap between reservations); ``False`` appends
        after the processor's last task.

    Examples
    --------
    >>> g = TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> heft(g, plat).makespan, heft(g, plat, insertion=False).makespan
    (16.0, 18.0)
    """
    return _run(graph, platform, "heft", insertion=insertion)


def cpop(graph: TaskGraph, platform: Platform, *, insertion: bool = True) -> Schedule:
    """CPOP: critical-path tasks on the processor minimising the path's total cost.

    Priority = rank_u + rank_d. The critical path starts at the entry task of highest priority
    and repeatedly moves to the successor of highest priority (ties as in HEFT). A ready list
    takes tasks by priority; a critical-path task goes to the critical-path processor at its
    earliest start, any other task to its least-EFT processor.

    Examples
    --------
    >>> g = TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> critical_path(g, plat)[0].tolist(), cpop(g, plat).validate().makespan  # a->b->d pinned to P1
    ([0, 1, 3], 103.0)
    """
    return _run(graph, platform, "cpop", insertion=insertion)


def peft(graph: TaskGraph, platform: Platform, *, insertion: bool = True) -> Schedule:
    """PEFT: a ready list by rank_oct; processor = argmin EFT(i, p) + OCT(i, p).

    OCT(i, p) = max over successors j of min over processors w of
    (OCT(j, w) + w(j, w) + c̄_ij if w != p); rank_oct = mean of OCT over the processors.

    Examples
    --------
    >>> g = TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], [10, 1, 1, 1])
    >>> plat = Platform(cost=[[2, 100], [100, 3], [100, 2], [1, 1]])
    >>> peft(g, plat).validate().makespan
    16.0
    """
    return _run(graph, platform, "peft", insertion=insertion)


def mct(graph: TaskGraph, platform: Platform, *, insertion: bool = False) -> Schedule:
    """Minimum completion time: tasks level by level (lowest id first), each on the processor
    where it finishes earliest. Append-only by default, as the classic rule."""
    return _run(graph, platform, "mct", insertion=insertion)


def met(graph: TaskGraph, platform: Platform, *, insertion: bool = False) -> Schedule:
    """Minimum execution time: tasks level by level (lowest id first), each on the processor
    where it runs fastest (ignoring load). Append-only by default."""
    return _run(graph, platform, "met", insertion=insertion)


def random_priority(graph: TaskGraph, platform: Platform, *, seed: int = 0, insertion: bool = True) -> Schedule:
    """A ready list with random priorities (seeded), each task on its least-EFT processor: the
    baseline that shows what a rank is worth."""
    return _run(graph, platform, "random", insertion=insertion, seed=seed)


#: Every algorithm by name: ``ALGORITHMS[name](graph, platform, **options)``.
ALGORITHMS: dict[str, Callable[..., Schedule]] = {
    "heft": heft,
    "cpop": cpop,
    "peft": peft,
    "mct": mct,
    "met": met,
    "random": random_priority,
}


def schedule(graph: TaskGraph, platform: Platform, algorithm: str = "heft", **options: Any) -> Schedule:
    """Runs ``ALGORITHMS[algorithm]`` with keyword ``options``.

    ``insertion`` is accepted by every algorithm; ``seed`` too (so one sweep can pass it to all),
    but only ``"random"`` uses it.

    Raises
    ------
    InvalidInstanceError
        Unknown algorithm, or a graph and platform of different task counts.
    """
    if algorithm not in ALGORITHMS:
        raise InvalidInstanceError(
            f"algorithm: unknown algorithm {algorithm!r}; expected one of {sorted(ALGORITHMS)}", field="algorithm"
        )
    if algorithm != "random":
        options.pop("seed", None)
    return ALGORITHMS[algorithm](graph, platform, **options)


# ----------------------------------------------------------------------------- ranks


def upward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """HEFT's rank_u per task."""
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "upward"))


def downward_rank(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """CPOP's rank_d per task: max over predecessors j of rank_d(j) + w̄_j + c̄_ji."""
    check_pair(graph, platform)
    return readonly(_core.dag_ranks(graph._core, platform._core, "downward"))


def optimistic_cost_table(graph: TaskGraph, platform: Platform) -> np.ndarray:
    """PEFT's OCT, an n x q array."""
    check_pair(graph, platform)
    oct_ = _core.dag_ranks(graph._core, platform._core, "oct")
    return readonly(oct_.reshape(graph.num_tasks, platform.num_processors))


def critical_path(graph: TaskGraph, platform: Platform) -> tuple[np.ndarray, int]:
    """CPOP's critical path (tasks from entry to exit) and the processor it is pinned to."""
    check_pair(graph, platform)
    path, proc = _core.dag_cpop_path(graph._core, platform._core)
    return readonly(path), int(proc)


def lower_bound(graph: TaskGraph, platform: Platform) -> float:
    """Σ of minimum costs along the heaviest path with free communication (the SLR denominator)."""
    check_pair(graph, platform)
    return float(_core.dag_lower_bound(graph._core, platform._core)[0])


# ----------------------------------------------------------------------------- generator


def random_dag(
    num_tasks: int,
    *,
    processors: int = 4,
    alpha: float = 1.0,
    out_degree: int = 3,
    ccr: float = 1.0,
    beta: float = 0.5,
    mean_cost: float = 50.0,
    seed: int = 0,
) -> tuple[TaskGraph, Platform]:
    """A random layered DAG with the parameters of the HEFT paper (Topcuoglu et al. 2002, §5.1).

    Level widths are drawn uniformly from 1..round(2α√v - 1) (mean α√v) until ``num_tasks`` (v)
    tasks are placed, so the height averages √v/α. Each task draws U{1..2·out_degree-1} distinct
    children in the next level (capped by its width), and a task left without a parent gets one
    from the level above. Costs: w̄_i ~ U[0, 2·mean_cost], w(i, j) ~ U[w̄_i(1 - β/2), w̄_i(1 + β/2)].
    Edge data ~ U[0, 1), then scaled so that mean data = ccr x mean cost exactly; the platform has
    bandwidth 1 and latency 0, so data is communication time.

    Parameters
    ----------
    num_tasks : int
    processors : int
    alpha : float
        Shape, > 0 (α > 1: short and wide; α < 1: long and thin).
    out_degree : int
        Mean out-degree, >= 1.
    ccr : float
        Communication-to-computation ratio, >= 0.
    beta : float
        Heterogeneity in [0, 2].
    mean_cost : float
        w̄_DAG, the mean task cost.
    seed : int

    Examples
    --------
    >>> g, plat = random_dag(100, processors=4, ccr=0.5, seed=1)
    >>> g.num_tasks, plat.cost.shape
    (100, (100, 4))
    >>> heft(g, plat).validate().slr >= 1
    True
    """
    for name, value, minimum in (
        ("num_tasks", num_tasks, 0),
        ("processors", processors, 1),
        ("out_degree", out_degree, 1),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise InvalidInstanceError(f"{name}: expected an integer >= {minimum}, got {value!r}", field=name)
    src, dst, data, cost = _core.dag_random(
        int(num_tasks),
        int(processors),
        float(alpha),
        int(out_degree),
        float(ccr),
        float(beta),
        float(mean_cost),
        int(seed),
    )
    graph = TaskGraph(src, dst, data, num_tasks=int(num_tasks), name=f"random v={num_tasks} seed={seed}")
    plat = Platform(cost=cost.reshape(int(num_tasks), int(processors)))
    return graph, plat
