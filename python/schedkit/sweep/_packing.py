"""Sweep adapter of :mod:`schedkit.packing`: method x cluster (generated or from manifests) x
time limit.

A group is one cluster (a manifest file, or one draw of the paper's generator with the run's
derived seed), built once; every method of the group places its pods, and each plan is
checked by the area's independent validator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from schedkit import packing
from schedkit.sweep._area import Area, Outcome, Task, locate, pick, shared

#: The paper generator's parameters (see :func:`schedkit.packing.generate`): it has no
#: defaults, so a generated cluster gives all of them.
GENERATOR = ("nodes", "pods_per_node", "priorities", "utilisation")
#: Options of :func:`schedkit.packing.place`.
OPTIONS = ("fallback", "time_limit", "strategy", "size", "weights", "repack")
#: The plan's figures reported per run (``Plan.summary()`` keys).
METRICS = (
    "pods",
    "placed",
    "pending",
    "evictions",
    "moves",
    "cpu_utilisation",
    "mem_utilisation",
    "fragment_rate",
    "optimal",
    "cp_ran",
)

PARAMS = {
    "method": f"one of schedkit.packing.METHOD_NAMES: {', '.join(packing.METHOD_NAMES)}",
    "manifest": "a Kubernetes YAML/JSON manifest file (schedkit.packing.Cluster.from_manifests)",
    "nodes": "generated cluster: nodes (schedkit.packing.generate)",
    "pods_per_node": "generated cluster: pending pods per node",
    "priorities": "generated cluster: priority levels",
    "utilisation": "generated cluster: requests over capacity",
    "fallback": "CP-SAT fallback: cp or always (schedkit[cp])",
    "time_limit": "CP-SAT budget in seconds",
    "strategy": "kube scoring: least, most, rtcr",
    "size": "FFD/BFD size function",
    "weights": "heuristics' dimension weights",
    "repack": "heuristics may move running pods",
    "seed": "replicate number (default 0); the run's seed is derived from it",
}

INSTANCE = ("manifest", *GENERATOR)


def _cluster(task: Task) -> packing.Cluster:
    p = task.params
    if "manifest" in p:
        return packing.Cluster.from_manifests(locate(p["manifest"], "manifest"))
    return packing.generate(*(p[k] for k in GENERATOR), seed=task.seed)


def _place(cluster: packing.Cluster, task: Task, threads: int) -> dict[str, Any]:
    plan = packing.place(cluster, method=task.params["method"], workers=threads, **pick(task.params, OPTIONS))
    summary = plan.validate().summary()
    return {k: summary[k] for k in METRICS}


def run(tasks: list[Task], threads: int) -> list[Outcome]:
    """One group, one cluster: build it once, place its pods with every method; CP-SAT gets
    ``threads`` search workers."""
    return shared(tasks, lambda: _cluster(tasks[0]), lambda c, t: _place(c, t, threads))


def group(params: Mapping[str, Any], seed: int) -> str:
    """Runs on the same cluster (same manifest, or same generator parameters and seed) share it."""
    return json.dumps([seed, pick(params, INSTANCE)], sort_keys=True)


AREA = Area(
    name="packing",
    summary="pods onto nodes (schedkit.packing.place): method x cluster x time limit",
    params=PARAMS,
    required=("method",),
    one_of=(("manifest", "nodes"),),
    together=(GENERATOR,),
    instance=INSTANCE,
    files=("manifest",),
    headline=("placed", "pending", "fragment_rate"),
    group=group,
    run=run,
)
