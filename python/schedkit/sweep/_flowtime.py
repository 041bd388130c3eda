"""Sweep adapter of :mod:`schedkit.flowtime`: policy x load x size distribution x seed.

A group is one generated workload (:func:`schedkit.flowtime.generate` with the run's derived
seed): it is drawn once and every policy of the group simulates it; each result is checked by
the area's independent validator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from schedkit import flowtime
from schedkit.sweep._area import Area, Outcome, Task, pick, shared

#: The workload generator's parameters (see :func:`schedkit.flowtime.generate`).
WORKLOAD = ("load", "machines", "sizes", "ops", "weights", "distortion")
#: Options of the simulation (see :func:`schedkit.flowtime.simulate`).
OPTIONS = ("time_limit",)
#: The result's figures reported per run (``Result.summary()`` keys).
METRICS = (
    "total_flow_time",
    "mean_flow_time",
    "p50_flow_time",
    "p95_flow_time",
    "p99_flow_time",
    "max_flow_time",
    "mean_stretch",
    "max_stretch",
    "total_weighted_flow_time",
    "lower_bound",
    "ratio",
    "events",
    "finished",
)

PARAMS = {
    "policy": "a schedkit.flowtime policy, with parameters as 'laps:beta=0.25'",
    "jobs": "number of generated jobs",
    "load": "target load (schedkit.flowtime.generate)",
    "machines": "identical machines (generator and simulation)",
    "sizes": "operation size distribution: exponential, pareto[:alpha[:ratio]], lognormal[:sigma], constant",
    "ops": "operations per job: single, fixed:k, geometric:mean, uniform:kmax, test[:t]",
    "weights": "job weights: uniform[:wmax]",
    "distortion": "estimate distortion mu >= 1 (for sprpt)",
    "time_limit": "wall-clock seconds per simulation",
    "seed": "replicate number (default 0); the run's seed is derived from it",
}

INSTANCE = ("jobs", *WORKLOAD)


def _generate(task: Task) -> flowtime.Jobs:
    return flowtime.generate(task.params["jobs"], **pick(task.params, WORKLOAD), seed=task.seed)


def _simulate(jobs: flowtime.Jobs, task: Task, threads: int) -> dict[str, Any]:
    p = task.params
    r = flowtime.simulate(jobs, policy=p["policy"], threads=threads, **pick(p, ("machines", *OPTIONS))).validate()
    summary = r.summary()
    return {k: summary[k] for k in METRICS if k in summary}


def run(tasks: list[Task], threads: int) -> list[Outcome]:
    """One group, one workload: draw it once, simulate every policy on it (large single-machine
    runs are split over ``threads`` threads; the results do not depend on it)."""
    return shared(tasks, lambda: _generate(tasks[0]), lambda jobs, t: _simulate(jobs, t, threads))


def group(params: Mapping[str, Any], seed: int) -> str:
    """Runs on the same workload (same generator parameters and seed) share it."""
    return json.dumps([seed, pick(params, INSTANCE)], sort_keys=True)


AREA = Area(
    name="flowtime",
    summary="online flow time (schedkit.flowtime.simulate on generated workloads): policy x load x sizes x seed",
    params=PARAMS,
    required=("policy", "jobs"),
    together=(),
    one_of=(),
    instance=INSTANCE,
    files=(),
    headline=("mean_flow_time", "p95_flow_time", "ratio"),
    group=group,
    run=run,
)
