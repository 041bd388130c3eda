"""The work one worker does: a chunk of runs in, one record per run out.

A chunk travels to the worker as plain tuples (key, area, parameters, seed): parameters are
small, and files travel as paths, never as tables. What comes back is as small: flat metrics,
an error text or None, the wall time. This module is what every backend ships to its workers
(by reference: the workers import schedkit).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from schedkit.sweep._area import Task
from schedkit.sweep._areas import AREAS

__all__ = ["Item", "Record", "available_cpus", "group_key", "run_chunk"]


class Item(NamedTuple):
    """One run as it travels to a worker."""

    key: str
    area: str
    params: dict[str, Any]
    seed: int


class Record(NamedTuple):
    """One run's outcome as it travels back."""

    key: str
    metrics: dict[str, Any] | None
    error: str | None
    seconds: float


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one, as a
    container's CPU set; else the machine's count).

    Examples
    --------
    >>> available_cpus() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def group_key(item: Item) -> tuple[str, str]:
    """Runs with the same key are computed together (their input is read once)."""
    return item.area, AREAS[item.area].group(item.params, item.seed)


def run_chunk(items: Sequence[Item], threads: int) -> list[Record]:
    """Computes a chunk of runs, group by group, with ``threads`` CPU threads per run.

    Never raises for a failing run (its record carries the error); Ctrl-C does stop it.

    Examples
    --------
    >>> item = Item("k", "dag", {"algorithm": "heft", "tasks": 20}, 7)
    >>> [r.metrics["makespan"] > 0 for r in run_chunk([item], 1)]
    [True]
    """
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault(group_key(item), []).append(item)
    records: list[Record] = []
    for (area, _), members in groups.items():
        outcomes = AREAS[area].run([Task(m.params, m.seed) for m in members], threads)
        records += [Record(m.key, o.metrics, o.error, o.seconds) for m, o in zip(members, outcomes, strict=True)]
    return records
