"""The static list schedulers (HEFT, CPOP, PEFT, MCT, MET, random priorities) and the ranks
and bounds they are built on; all run in the Rust core."""

from __future__ import annotations

import time
from collections.abc import Callable
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
