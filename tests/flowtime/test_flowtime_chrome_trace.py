"""Result.to_chrome_trace: the event log as tracks Perfetto opens, checked against the log."""

from __future__ import annotations

import json

import numpy as np
import pytest

import schedkit as sk


def _slices(path):
    events = json.loads(path.read_text())["traceEvents"]
    threads = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    return [e for e in events if e["ph"] == "X"], threads


@pytest.mark.parametrize("machines", [1, 3])
@pytest.mark.parametrize("policy", ["srpt", "fcfs", "op_srpt"])
def test_index_policies_get_one_track_per_machine(tmp_path, policy, machines):
    jobs = sk.flowtime.generate(60, load=0.9, machines=machines, ops="fixed:2", seed=5)
    r = sk.flowtime.simulate(jobs, policy=policy, machines=machines, event_log=True)
    slices, threads = _slices(r.to_chrome_trace(tmp_path / "t.json"))
    assert threads == {k: f"machine {k}" for k in range(machines)}
    runs = [row for row in r.event_log.to_pylist() if row["kind"] == "run"]
    assert len(slices) == len(runs)
    # the work of each job in the trace is its size; pieces on a machine never overlap
    work = np.zeros(jobs.n)
    for e in slices:
        work[e["args"]["job"]] += e["dur"] / 1e6
    assert np.allclose(work, jobs.size)
    for tid in threads:
        mine = sorted((e["ts"], e["ts"] + e["dur"]) for e in slices if e["tid"] == tid)
        assert all(a[1] <= b[0] + 1e-6 for a, b in zip(mine, mine[1:]))
    # the last piece of each job ends at its completion
    last = {}
    for e in slices:
        last[e["args"]["job"]] = max(last.get(e["args"]["job"], 0.0), e["ts"] + e["dur"])
    assert np.allclose([last[j] / 1e6 for j in range(jobs.n)], r.completion)


def test_sharing_policies_get_one_track_per_job(tmp_path):
    jobs = sk.flowtime.Jobs([0, 0, 1], [[2], [4], [1]])
    r = sk.flowtime.simulate(jobs, policy="rr", event_log=True)
    slices, threads = _slices(r.to_chrome_trace(tmp_path / "rr.json"))
    assert threads == {0: "job 0", 1: "job 1", 2: "job 2"}
    # work = sum of rate x duration per job
    work = np.zeros(3)
    for e in slices:
        work[e["args"]["job"]] += e["args"]["rate"] * e["dur"] / 1e6
    assert np.allclose(work, jobs.size)


def test_no_event_log_is_an_error(tmp_path):
    r = sk.flowtime.simulate(sk.flowtime.Jobs([0], [1]), policy="srpt")
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="event_log=True"):
        r.to_chrome_trace(tmp_path / "x.json")
