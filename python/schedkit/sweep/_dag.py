"""Sweep adapter of :mod:`schedkit.dag`: algorithm x workflow (or generated DAG) x platform.

A group is one instance (a workflow file on one platform, or one generated DAG): it is loaded
or generated once and every algorithm of the group schedules it; each schedule is checked by
the area's independent validator before its figures are reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedkit import dag
from schedkit.sweep._area import Area, Outcome, Task, locate, pick, shared

#: Options of a schedule call (see :func:`schedkit.dag.schedule`).
OPTIONS = ("insertion",)
#: A workflow file's platform (see :func:`schedkit.dag.from_wfcommons`, :func:`schedkit.dag.from_stg`).
PLATFORM = ("processors", "bandwidth", "latency")
#: The generator's shape (see :func:`schedkit.dag.random_dag`).
GENERATOR = ("alpha", "out_degree", "ccr", "beta", "mean_cost")

PARAMS = {
    "algorithm": f"one of schedkit.dag.ALGORITHMS: {', '.join(dag.ALGORITHMS)}",
    "workflow": "a WfCommons JSON or STG (.stg) file, or a bundled workflow's name",
    "tasks": "size of a generated DAG (schedkit.dag.random_dag) instead of a workflow",
    "processors": "a count, or one speed per processor (workflow files only)",
    "bandwidth": "link bandwidth of a workflow file's platform",
    "latency": "transfer start-up time of a workflow file's platform",
    **{name: "schedkit.dag.random_dag parameter" for name in GENERATOR},
    "insertion": "insertion-based placement (default: the algorithm's own)",
    "seed": "replicate number (default 0); the run's seed is derived from it",
}

INSTANCE = ("workflow", "tasks", *PLATFORM, *GENERATOR)


def _load(task: Task) -> tuple[dag.TaskGraph, dag.Platform]:
    p = task.params
    if "workflow" in p:
        path = locate(p["workflow"], "workflow")
        reader = dag.from_stg if Path(path).suffix.lower() == ".stg" else dag.from_wfcommons
        return reader(path, **pick(p, PLATFORM))
    return dag.random_dag(p["tasks"], **pick(p, ("processors", *GENERATOR)), seed=task.seed)


def _schedule(instance: tuple[dag.TaskGraph, dag.Platform], task: Task) -> dict[str, Any]:
    graph, platform = instance
    s = dag.schedule(
        graph, platform, algorithm=task.params["algorithm"], seed=task.seed, **pick(task.params, OPTIONS)
    ).validate()
    return {
        "makespan": s.makespan,
        "slr": s.slr,
        "speedup": s.speedup,
        "efficiency": s.efficiency,
        "lower_bound": s.lower_bound,
        "sequential_time": s.sequential_time,
    }


def run(tasks: list[Task], threads: int) -> list[Outcome]:
    """One group, one instance: load or generate it once, schedule it with every algorithm.
    The list schedulers are sequential, so ``threads`` is not used."""
    return shared(tasks, lambda: _load(tasks[0]), _schedule)


def group(params: Mapping[str, Any], seed: int) -> str:
    """Runs on the same instance (same instance parameters and seed) share it."""
    return json.dumps([seed, pick(params, INSTANCE)], sort_keys=True)


AREA = Area(
    name="dag",
    summary="DAG list scheduling (schedkit.dag.schedule): algorithm x workflow x platform",
    params=PARAMS,
    required=("algorithm",),
    together=(),
    one_of=(("workflow", "tasks"),),
    instance=INSTANCE,
    files=("workflow",),
    headline=("makespan", "slr", "efficiency"),
    group=group,
    run=run,
    # random_dag builds its own platform (bandwidth 1, latency 0); a workflow file has no
    # generator shape
    read_with={"bandwidth": "workflow", "latency": "workflow", **dict.fromkeys(GENERATOR, "tasks")},
)
