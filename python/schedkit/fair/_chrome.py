"""A replay's task records as Chrome trace events (the JSON that chrome://tracing and
Perfetto open): one track per core, one slice per task."""

from __future__ import annotations

import heapq
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit._files import output_file


def core_tracks(node: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A track (core) per task such that no two tasks on one node's track overlap: tasks in
    order of start, each on the lowest-numbered track of its node free at its start (a task
    ending at t frees its track for one starting at t). On the slots model this uses at
    most as many tracks as tasks ran at once, so at most ``cores``."""
    track = np.zeros(len(start), dtype=np.int64)
    free: dict[int, list[int]] = {}
    busy: dict[int, list[tuple[float, int]]] = {}
    count: dict[int, int] = {}
    for i in np.lexsort((end, start)):
        n = int(node[i])
        b, f = busy.setdefault(n, []), free.setdefault(n, [])
        while b and b[0][0] <= start[i]:
            heapq.heappush(f, heapq.heappop(b)[1])
        if f:
            k = heapq.heappop(f)
        else:
            k = count.get(n, 0)
            count[n] = k + 1
        track[i] = k
        heapq.heappush(b, (float(end[i]), k))
    return track


def write_chrome_trace(tasks: pa.Table, jobs: pa.Table, path: str | os.PathLike[str], label: str, slots: bool) -> Path:
    """Writes ``tasks`` (a Result's task table) as Chrome trace event JSON; returns the path.
    Times are microseconds. Slots: one process, a thread per core; resources: a process per
    node, a thread per concurrent task slot."""
    job = tasks.column("job_id").to_numpy()
    start = tasks.column("start").to_numpy()
    end = tasks.column("end").to_numpy()
    node = np.zeros(len(job), dtype=np.int64) if slots else tasks.column("node").to_numpy()
    stage = tasks.column("stage").to_numpy()
    track = core_tracks(node, start, end)
    user_of = dict(zip(jobs.column("job_id").to_pylist(), jobs.column("user").to_pylist()))
    events: list[dict[str, Any]] = []
    for n in np.unique(node).tolist():
        name = label if slots else f"{label} node {n}"
        events.append({"name": "process_name", "ph": "M", "pid": n, "tid": 0, "args": {"name": name}})
    for n, k in sorted(set(zip(node.tolist(), track.tolist()))):
        events.append({"name": "thread_name", "ph": "M", "pid": n, "tid": k, "args": {"name": f"core {k}"}})
    for j, s, a, b, n, k in zip(
        job.tolist(), stage.tolist(), start.tolist(), end.tolist(), node.tolist(), track.tolist()
    ):
        events.append(
            {
                "name": f"job {j}",
                "cat": str(user_of[j]),
                "ph": "X",
                "ts": a * 1e6,
                "dur": (b - a) * 1e6,
                "pid": n,
                "tid": k,
                "args": {"job": j, "user": user_of[j], "stage": s},
            }
        )
    out = output_file(path, "path")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"traceEvents": events, "displayTimeUnit": "ms"}, fh)
    return out
