"""Shared by the dag tests: the test data folders and the known-answer instances.

Imported by name (``from dag_cases import known``): pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import json
from pathlib import Path

from schedkit import dag

DATA = Path(__file__).resolve().parent.parent / "data" / "dag"
WF = DATA / "wfcommons"
SPEEDS = [1, 1.5, 2, 3]
ALL_ALGOS = sorted(dag.ALGORITHMS)


def known(name: str) -> tuple[dict, dag.TaskGraph, dag.Platform]:
    """A known-answer file as (json, graph, platform) with bandwidth 1, latency 0."""
    doc = json.loads((DATA / "known_answers" / f"{name}.json").read_text())
    tasks = doc["tasks"]
    index = {t: k for k, t in enumerate(tasks)}
    src = [index[u] for u, _, _ in doc["edges"]]
    dst = [index[v] for _, v, _ in doc["edges"]]
    data = [c for _, _, c in doc["edges"]]
    graph = dag.TaskGraph(src, dst, data, num_tasks=len(tasks), names=tasks)
    plat = dag.Platform(cost=[doc["W"][t] for t in tasks], names=doc["processors"])
    return doc, graph, plat


def assert_schedule(s: dag.Schedule, expected: dict, doc: dict) -> None:
    procs = doc["processors"]
    for k, t in enumerate(doc["tasks"]):
        e = expected[t]
        got = (procs[s.processor[k]], float(s.start[k]), float(s.finish[k]))
        assert got == (e["proc"], e["start"], e["finish"]), t
