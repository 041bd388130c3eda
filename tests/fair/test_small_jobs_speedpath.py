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
from schedkit import _core
from schedkit.fair import _engine

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
        # 0 or at least 1e-6: a duration float64 cannot hold at its submit time is refused
        dur = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 4.0)), min_size=n, max_size=n))
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


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_first_push_cut_short_changes_nothing(first_rows, seed):
    """The replay's first chunk is cut at the first job boundaries from FIRST_PIECE_ROWS and
    4 * FIRST_PIECE_ROWS rows on (so the engine starts sooner): any cuts give the results of
    none, for jobs of one and of several tasks."""
    rng = np.random.default_rng(seed)
    n_jobs = 30
    tasks = rng.integers(1, 4, n_jobs)
    job = np.repeat(np.arange(n_jobs), tasks)
    submit = np.repeat(np.cumsum(rng.exponential(0.5, n_jobs)), tasks)
    user = [f"u{u}" for u in rng.integers(0, 4, len(job))]
    t = sk.trace.from_jobs(job, user, submit, rng.exponential(1.0, len(job)))
    for policy in ("fifo", "uwfq"):
        saved = _engine.FIRST_PIECE_ROWS
        try:
            _engine.FIRST_PIECE_ROWS = first_rows
            cut = sk.fair.replay(t, policy=policy, cores=2)
            _engine.FIRST_PIECE_ROWS = 10**9
            whole = sk.fair.replay(t, policy=policy, cores=2)
        finally:
            _engine.FIRST_PIECE_ROWS = saved
        assert cut.jobs.equals(whole.jobs)
        assert cut.events == whole.events


def test_uwfq_burst_of_one_user_runs_shortest_first():
    """All of one user's jobs arrive at once on one core: V stays 0, so each job's inner tag
    is its work and its deadline the user's chain in that order. The first job starts on
    the idle core; the rest run shortest first (ties by arrival). Each arrival re-keys the
    queued jobs with more work than it (about a million re-keys for 2,000 jobs), so the
    keyed queue's stale entries are dropped in bulk many times on the way."""
    n = 2000
    rng = np.random.default_rng(5)
    work = rng.integers(1, 200, n) / 8.0
    t = sk.trace.from_jobs(np.arange(n), ["a"] * n, np.zeros(n), work)
    r = sk.fair.replay(t, policy="uwfq", cores=1)
    order = [0, *sorted(range(1, n), key=lambda j: (work[j], j))]
    want = dict(zip(order, np.cumsum(work[order]).tolist()))
    got = dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("finish_time").to_pylist()))
    assert got == want


def _engine_run(policy, pieces, background):
    """Pushes `pieces` ((submit, durations, advance time) each) into a fresh engine: with
    `background`, each push checked on the calling thread and advanced on the engine's own
    (``push(..., advance_to=...)``); else pushed and advanced in the foreground, the engine
    checking each push itself. Returns the finished records, or the error's text."""
    eng = _core.FairEngine(cores=2, policy=policy, finished_in_push_order=True)
    eng.add_users(["a", "b", "c"])
    first = 0
    try:
        for submit, dur, until in pieces:
            n = len(submit)
            cols = (
                np.arange(first, first + n, dtype=np.int64),
                np.arange(n, dtype=np.int64) % 3,
                np.asarray(submit, dtype=float),
                np.full(n, -1, dtype=np.int64),
                np.zeros(n),
                np.zeros(n, dtype=np.int64),
                np.arange(n + 1, dtype=np.int64),
                np.asarray(dur, dtype=float),
            )
            if background:
                eng.push(*cols, advance_to=until)
            else:
                eng.push(*cols)
                eng.advance(until)
            first += n
        eng.finish()
    except sk.exceptions.SchedkitError as e:
        return str(e)
    return eng.take_finished()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.lists(st.integers(0, 3), max_size=8), st.integers(0, 3)), min_size=1, max_size=6),
    st.booleans(),
)
def test_batches_checked_on_the_calling_thread_equal_the_engines_check(steps, late):
    """A batch pushed with ``advance_to`` is checked on the calling thread against the
    context the engine will have after its running advance (issue 13); the engine takes it
    as checked only when its context is that one, else checks it again. Either way the run
    and its errors are those of pushes checked by the engine: here with advances that take
    all, some or none of the queued arrivals, empty batches, ties, and (``late``) a batch
    submitted before the horizon, whose error both paths name alike."""
    pieces, clock = [], 0.0
    for gaps, ahead in steps:
        submit = (clock + np.cumsum(np.asarray(gaps, dtype=float) / 2)).tolist()
        clock = submit[-1] if submit else clock
        pieces.append((submit, [1.0 + (k % 3) / 4 for k in range(len(submit))], clock + ahead / 2))
    if late:
        pieces.append(([pieces[-1][2] - 1.0], [1.0], pieces[-1][2] + 1.0))
    for policy in ("fifo", "uwfq"):
        a = _engine_run(policy, pieces, background=True)
        b = _engine_run(policy, pieces, background=False)
        if isinstance(b, str):
            assert a == b
            assert "submit order" in b
            continue
        assert not isinstance(a, str), a
        assert a.keys() == b.keys()
        for k in b:
            assert np.array_equal(a[k], b[k], equal_nan=True), k
