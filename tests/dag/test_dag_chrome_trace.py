"""Schedule.to_chrome_trace: the JSON Perfetto opens holds exactly the schedule."""

from __future__ import annotations

import json

import numpy as np

import schedkit as sk
from schedkit.data import path as data_path


def _load(path):
    events = json.loads(path.read_text())["traceEvents"]
    threads = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    process = [e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"]
    return [e for e in events if e["ph"] == "X"], threads, process


def test_one_track_per_processor_one_slice_per_task(tmp_path):
    g, plat = sk.dag.from_wfcommons(data_path("dag/epigenomics-chameleon-hep-1seq-100k-001.json"), processors=[1, 2, 3])
    for algorithm in ("heft", "cpop"):
        s = sk.dag.schedule(g, plat, algorithm=algorithm).validate()
        slices, threads, process = _load(s.to_chrome_trace(tmp_path / f"{algorithm}.json"))
        assert threads == {0: "P1 (speed 1)", 1: "P2 (speed 2)", 2: "P3 (speed 3)"}
        assert process == [f"{g.name}: {algorithm.upper()}, makespan {s.makespan:.6g}"]
        assert len(slices) == g.num_tasks
        by_task = {e["args"]["task"]: e for e in slices}
        for i in range(g.num_tasks):
            e = by_task[i]
            assert e["name"] == g.names[i]
            assert e["tid"] == s.processor[i]
            assert np.isclose(e["ts"], s.start[i] * 1e6) and np.isclose(e["ts"] + e["dur"], s.finish[i] * 1e6)
        # slices on one track never overlap (a viewer would nest them)
        for tid in threads:
            mine = sorted((e["ts"], e["ts"] + e["dur"]) for e in slices if e["tid"] == tid)
            assert all(a[1] <= b[0] + 1e-6 for a, b in zip(mine, mine[1:]))
