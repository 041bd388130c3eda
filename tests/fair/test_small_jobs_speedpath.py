"""The engine's paths for single-task jobs on an open-loop trace (issue 13): the next event
chosen from the completions and the open queue alone, and a one-task job's response-time
bound taken from its one duration, keep the results of the general paths bit for bit.

The general next-event path runs under the Spark overhead model with every term zero (then
equal to the plain simulator, tests/fair/test_overheads.py), so the same trace goes through
both; the bound of a one-task job is its duration (max(d, d / cores) = d), as the simulation
clock measures it from the job's submit time."""

from __future__ import annotations

import numpy as np
from bench_refs import load_bench
from hypothesis import given, settings
from hypothesis import strategies as st

import schedkit as sk

HEAPQ = load_bench("ref_fair")


@st.composite
def small_jobs(draw):
    """Single-task jobs of a few users on a few cores; with `ties`, whole-second submits and
    durations (equal completion and arrival times, zero durations)."""
    n = draw(st.integers(1, 60))
    ties = draw(st.booleans())
    if ties:
        gaps = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        dur = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    else:
        gaps = draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n))
        dur = draw(st.lists(st.floats(0.0, 4.0), min_size=n, max_size=n))
    user = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    cores = draw(st.integers(1, 4))
    submit = np.cumsum(np.asarray(gaps, dtype=float)).tolist()
    return cores, user, submit, list(range(n + 1)), [float(d) for d in dur]


def _trace(user, submit, durations):
    return sk.trace.from_jobs(np.arange(len(user)), [f"u{u:03d}" for u in user], submit, durations)


@settings(max_examples=60, deadline=None)
@given(small_jobs())
def test_single_task_paths_equal_the_general_paths(w):
    cores, user, submit, offsets, dur = w
    t = _trace(user, submit, dur)
    for policy in ("fifo", "uwfq"):
        fast = sk.fair.replay(t, policy=policy, cores=cores)
        general = sk.fair.replay(
            t, policy=policy, cores=cores, overheads=sk.fair.SparkOverheads(executors=cores, executor_cores=1)
        )
        assert fast.jobs.equals(general.jobs)
        assert fast.events == general.events
        recorded = sk.fair.replay(t, policy=policy, cores=cores, record_tasks=True)
        assert recorded.jobs.equals(fast.jobs)
        recorded.validate()
        # a one-task job's bound: its duration, on the clock of its submit time
        s = np.asarray(fast.jobs.column("submit_time"))
        d = np.asarray(dur)[np.asarray(fast.jobs.column("job_id"))]
        assert np.array_equal(np.asarray(fast.jobs.column("alone_time")), (s + d) - s)
        if policy == "fifo":
            got = dict(zip(fast.jobs.column("job_id").to_pylist(), fast.jobs.column("finish_time").to_pylist()))
            assert [got[j] for j in range(len(user))] == HEAPQ.simulate("fifo", cores, user, submit, offsets, dur)
