"""Sweep adapter of :mod:`schedkit.fair`: trace replays and the UWFQ paper's scenarios.

Runs over the same trace file (and the same read settings) form one group and go through one
:func:`schedkit.fair.replay_many` pass, so a worker reads the trace once however many
policies, partitionings and seeds it replays. Should that pass fail (one run's setting is out
of range), every run of the group is replayed alone, so the error lands on the run at fault.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from typing import Any

from schedkit import fair
from schedkit.sweep._area import Area, Outcome, Task, each, error_text, locate, pick

#: Simulation settings: the fields of :class:`schedkit.fair.RunSpec` (its ``seed`` is the
#: derived seed; per-task records are not kept in a sweep).
SETTINGS = tuple(f.name for f in dataclasses.fields(fair.RunSpec) if f.name not in ("seed", "record_tasks"))
#: How a trace file is read (see :func:`schedkit.fair.replay_many`).
READ = ("format", "errors", "users")
#: How a scenario's workload is built (see :func:`schedkit.fair.run_scenario`).
SCENARIO = ("default_tasks", "skew", "reduce_share")

PARAMS = {
    "trace": "a trace file (any format of schedkit.trace.FORMATS) or a bundled trace's name",
    "scenario": f"a UWFQ paper scenario: {', '.join(fair.SCENARIOS)}",
    "seed": "replicate number (default 0); the run's seed is derived from it",
    **{name: "a schedkit.fair.RunSpec setting" for name in SETTINGS},
    **{name: "how the trace file is read (schedkit.fair.replay_many)" for name in READ},
    **{name: "how the scenario's workload is built (schedkit.fair.run_scenario)" for name in SCENARIO},
}


def _metrics(r: fair.Result) -> dict[str, Any]:
    # The summary's numbers; its per-user dict has a key per user, so it stays out of a
    # table whose columns are shared by every run (Result.jobs has the per-job figures).
    out = {k: v for k, v in r.summary().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    # "jobs" and "tasks" name parameters elsewhere (flowtime, dag): the counts get their own names
    out["job_count"] = out.pop("jobs")
    if "tasks" in out:
        out["task_count"] = out.pop("tasks")
    out["events"] = int(r.events)
    return out


def _settings(task: Task) -> dict[str, Any]:
    return {**pick(task.params, SETTINGS), "seed": task.seed}


def _replay_group(tasks: list[Task]) -> list[Outcome]:
    first = tasks[0].params
    path = locate(first["trace"], "trace")
    read = pick(first, READ)
    t0 = time.perf_counter()
    try:
        results = fair.replay_many(path, [_settings(t) for t in tasks], progress=False, **read)
    except Exception:
        # Find the run at fault: each alone (the trace is read once per run then).
        return each(tasks, lambda t: _metrics(fair.replay_many(path, [_settings(t)], progress=False, **read)[0]))
    share = (time.perf_counter() - t0) / len(tasks)
    return [Outcome(_metrics(r), None, share) for r in results]


def _scenario(task: Task) -> dict[str, Any]:
    p = task.params
    return _metrics(fair.run_scenario(p["scenario"], **_settings(task), **pick(p, SCENARIO)))


def run(tasks: list[Task], threads: int) -> list[Outcome]:
    """One group: replays of one trace in one pass, or scenarios one by one. The fair engine
    runs each simulation on one thread, so ``threads`` is not used."""
    if "trace" in tasks[0].params:
        try:
            return _replay_group(tasks)
        except Exception as exc:  # the trace itself (missing, unreadable): every run's error
            return [Outcome(None, error_text(exc), 0.0) for _ in tasks]
    return each(tasks, _scenario)


def group(params: Mapping[str, Any], seed: int) -> str:
    """Replays of one trace read alike share a pass; a scenario builds its own workload."""
    if "trace" in params:
        return json.dumps(["trace", params["trace"], pick(params, READ)], sort_keys=True)
    return json.dumps(["scenario", seed, params.get("scenario")], sort_keys=True)


AREA = Area(
    name="fair",
    summary="multi-user cluster replays (schedkit.fair.replay_many) and the UWFQ paper's scenarios",
    params=PARAMS,
    required=(),
    together=(),
    one_of=(("trace", "scenario"),),
    instance=("trace", "scenario", *READ, *SCENARIO),
    files=("trace",),
    headline=("mean_response_time", "p95_response_time", "small80_mean_response_time", "jain_index"),
    group=group,
    run=run,
    # a scenario's workload is generated, not read from a file; a trace's is given
    read_with={**dict.fromkeys(READ, "trace"), **dict.fromkeys(SCENARIO, "scenario")},
)
