"""ordered_jobs' path for a table whose job ids and submit times rise with its rows
(trace._order._in_time_and_id_order, issue 13): the chunks it cuts equal those of the
general path (the job index, its ranks and the order check), which is forced here by
turning the fast path off. The tables are built near that order and then broken in one of
the ways the fast path must notice: an id that does not rise, a submit time that falls, a
job whose rows disagree on their submit time, rows out of (stage, task_id) order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit.trace import _order, ordered_jobs


@st.composite
def nearly_ordered(draw: st.DrawFn) -> pa.Table:
    n_jobs = draw(st.integers(1, 25))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n_jobs, max_size=n_jobs))
    gaps = draw(st.lists(st.integers(1, 3), min_size=n_jobs, max_size=n_jobs))
    ids = np.cumsum(gaps) - 5
    # ties of submit times, and 0.0 beside -0.0 (equal as times, different bits)
    steps = draw(st.lists(st.sampled_from([0.0, 0.0, 0.25, 1.0]), min_size=n_jobs, max_size=n_jobs))
    subs = np.cumsum(steps)
    subs[subs == 0.0] = draw(st.sampled_from([0.0, -0.0]))
    job = np.repeat(ids, sizes)
    sub = np.repeat(subs, sizes)
    rows = len(job)
    task = np.concatenate([np.arange(k) for k in sizes])
    stage = np.zeros(rows, dtype=np.int64)
    breakage = draw(st.sampled_from(["none", "none", "id", "time", "row_time", "task", "stage"]))
    i = draw(st.integers(0, rows - 1))
    if breakage == "id":
        job[i] = draw(st.integers(-6, int(ids.max()) + 1))
    elif breakage == "time":
        sub[i] = sub[i] - draw(st.sampled_from([0.25, 1.0]))
    elif breakage == "row_time":
        sub[i] = sub[i] + 0.5
    elif breakage == "task":
        task[i] = draw(st.integers(-1, 3))
    elif breakage == "stage":
        stage[i] = draw(st.integers(0, 2))
    cols = {
        "job_id": pa.array(job, pa.int64()),
        "user": pa.array([f"u{k % 3}" for k in range(rows)], pa.string()),
        "submit_time": pa.array(sub, pa.float64()),
        "duration": pa.array(np.arange(rows) / 2, pa.float64()),
    }
    keys = draw(st.sampled_from(["both", "neither", "task_id", "stage"]))
    if keys in ("both", "task_id"):
        cols["task_id"] = pa.array(task, pa.int64())
    if keys in ("both", "stage"):
        cols["stage"] = pa.array(stage, pa.int64())
    return pa.table(cols)


def _chunks(t: pa.Table, chunk_rows: int) -> list[pa.Table]:
    return list(ordered_jobs(t, chunk_rows=chunk_rows, _spread_first_row=False))


def _same(a: list[pa.Table], b: list[pa.Table]) -> None:
    assert [c.num_rows for c in a] == [c.num_rows for c in b]
    for x, y in zip(a, b):
        x, y = x.drop_columns(["cpu", "memory"]), y.drop_columns(["cpu", "memory"])  # NaN
        assert x.column_names == y.column_names
        for name in x.column_names:
            xs, ys = x.column(name).to_pylist(), y.column(name).to_pylist()
            if name == "submit_time":  # bit for bit: -0.0 stays -0.0
                xs, ys = [np.float64(v).tobytes() for v in xs], [np.float64(v).tobytes() for v in ys]
            assert xs == ys, name


@settings(max_examples=300, deadline=None)
@given(t=nearly_ordered(), chunk_rows=st.integers(1, 8), block=st.sampled_from([1, 2, 3, 1 << 18]))
def test_fast_path_cuts_the_chunks_of_the_general_path(t, chunk_rows, block):
    saved_block = _order._CHECK_BLOCK
    _order._CHECK_BLOCK = block  # the check's blocks end anywhere in the rows
    try:
        fast = _chunks(t, chunk_rows)
    finally:
        _order._CHECK_BLOCK = saved_block
    saved = _order._in_time_and_id_order
    _order._in_time_and_id_order = lambda *a: (False, None)  # the general path only
    try:
        general = _chunks(t, chunk_rows)
    finally:
        _order._in_time_and_id_order = saved
    _same(fast, general)


def test_fast_path_takes_ordered_tables_and_leaves_the_rest():
    job = np.array([1, 1, 4, 9, 9, 9], dtype=np.int64)
    sub = np.array([0.0, 0.0, 0.0, 2.0, 2.0, 2.0])
    t = pa.table({"job_id": job, "submit_time": sub, "task_id": [0, 1, 0, 0, 1, 2], "stage": [0] * 6})
    ordered, bounds = _order._in_time_and_id_order(t, job, sub)
    assert ordered and bounds.tolist() == [0, 2, 3, 6]
    single = np.arange(5, dtype=np.int64)
    ts = pa.table({"job_id": single, "submit_time": np.zeros(5)})
    assert _order._in_time_and_id_order(ts, single, np.zeros(5)) == (True, None)  # one row per job
    # each broken one way: an id revisited, a later job earlier, a job's rows at two times,
    # tasks out of order
    for j, s, task in (
        ([1, 1, 4, 1, 9, 9], sub, [0, 1, 0, 0, 1, 2]),
        (job, [0.0, 0.0, 3.0, 2.0, 2.0, 2.0], [0, 1, 0, 0, 1, 2]),
        (job, [0.0, 0.5, 0.5, 2.0, 2.0, 2.0], [0, 1, 0, 0, 1, 2]),
        (job, sub, [0, 1, 0, 0, 2, 1]),
    ):
        j, s = np.asarray(j, dtype=np.int64), np.asarray(s, dtype=np.float64)
        tb = pa.table({"job_id": j, "submit_time": s, "task_id": task, "stage": [0] * 6})
        assert _order._in_time_and_id_order(tb, j, s) == (False, None)
