"""The per-job submit-time index behind ordered_jobs (trace._order._JobSubmits), with its
merges forced after every batch: each job's earliest submit time and its rank by
(submit time, job_id) against a plain dictionary, for batches that repeat, interleave and
revisit job ids; and a file read with forced merges against the table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedkit.trace import _order, ordered_jobs


def expected(job: np.ndarray, sub: np.ndarray) -> tuple[list[int], list[float], list[int]]:
    best: dict[int, float] = {}
    for j, s in zip(job.tolist(), sub.tolist()):
        best[j] = min(best.get(j, s), s)
    ids = sorted(best)
    by_rank = sorted(ids, key=lambda j: (best[j], j))
    rank = {j: r for r, j in enumerate(by_rank)}
    return ids, [best[j] for j in ids], [rank[j] for j in ids]


def index_of(job: np.ndarray, sub: np.ndarray, cuts: list[int]) -> _order._JobSubmits:
    js = _order._JobSubmits()
    for lo, hi in zip([0, *cuts], [*cuts, len(job)]):
        if hi > lo:
            js.add(pa.table({"job_id": job[lo:hi], "submit_time": sub[lo:hi]}))
    js.finish()
    return js


@pytest.fixture
def merge_every_batch(monkeypatch):
    monkeypatch.setattr(_order._JobSubmits, "_MIN_PENDING", 1)


@given(
    rows=st.lists(st.tuples(st.integers(-5, 30), st.integers(0, 6)), min_size=1, max_size=80),
    cuts=st.lists(st.integers(0, 80), max_size=8),
)
def test_property_index_matches_a_dictionary(rows, cuts):
    job = np.array([r[0] for r in rows], dtype=np.int64)
    sub = np.array([r[1] for r in rows], dtype=np.float64) / 4
    cuts = sorted(c for c in set(cuts) if 0 < c < len(rows))
    old = _order._JobSubmits._MIN_PENDING
    _order._JobSubmits._MIN_PENDING = 1  # merge after every batch (hypothesis runs no fixtures per example)
    try:
        js = index_of(job, sub, cuts)
    finally:
        _order._JobSubmits._MIN_PENDING = old
    ids, best, rank = expected(job, sub)
    assert js.jobs.tolist() == ids
    assert js.submit.tolist() == best
    assert js.rank.tolist() == rank
    starts, run_sub, run_rank = js.lookup(job)
    counts = np.diff(np.append(starts, len(job)))
    got_sub, got_rank = np.repeat(run_sub, counts), np.repeat(run_rank, counts)
    pos = {j: i for i, j in enumerate(ids)}
    assert got_sub.tolist() == [best[pos[j]] for j in job.tolist()]
    assert got_rank.tolist() == [rank[pos[j]] for j in job.tolist()]


def test_later_batches_lower_and_insert_jobs(merge_every_batch):
    # batch 2 lowers job 5's time and inserts job 3 between known ids; batch 3 only raises
    job = np.array([5, 5, 9, 1, 3, 5, 9, 9, 1, 7], dtype=np.int64)
    sub = np.array([4.0, 6.0, 1.0, 2.0, 3.0, 0.5, 1.5, 2.5, 8.0, 0.5])
    js = index_of(job, sub, [3, 6])
    assert js.jobs.tolist() == [1, 3, 5, 7, 9]
    assert js.submit.tolist() == [2.0, 3.0, 0.5, 0.5, 1.0]
    # by (submit, id): 5 (0.5), 7 (0.5), 9 (1.0), 1 (2.0), 3 (3.0)
    assert js.rank.tolist() == [3, 4, 0, 1, 2]


def test_file_with_merges_matches_the_table(tmp_path, merge_every_batch):
    rng = np.random.default_rng(3)
    n = 5_000
    job = rng.integers(0, 700, n)  # ids revisited across the file's batches
    t = pa.table(
        {
            "job_id": job,
            "user": pa.array([f"u{j % 7}" for j in job.tolist()]),
            "submit_time": rng.integers(0, 50, n) / 4,
            "task_id": np.arange(n),
            "duration": np.ones(n),
        }
    )
    path = tmp_path / "trace.parquet"
    pq.write_table(t, path, row_group_size=400)
    got = pa.concat_tables(ordered_jobs(path, run_rows=1_000, chunk_rows=100))
    want = pa.concat_tables(ordered_jobs(t, chunk_rows=100))
    for name in ("job_id", "submit_time", "task_id", "user"):
        assert got.column(name).to_pylist() == want.column(name).to_pylist()


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=40
    )
)
def test_property_in_order_check_agrees_with_the_full_key(rows):
    """The run-at-a-time check that skips the sort says "sorted" exactly when the rows, in
    source order, are sorted by (rank, stage, task_id, source row)."""
    job, sub, stage, task = (np.array(c, dtype=np.int64) for c in zip(*rows))
    t = pa.table({"job_id": job, "submit_time": sub.astype(float), "stage": stage, "task_id": task})
    js = _order._JobSubmits.of(t)
    starts, _, run_rank = js.lookup(job)
    rank = np.repeat(run_rank, np.diff(np.append(starts, len(job))))
    want = _order._already_sorted(rank, stage, task, np.arange(len(job)))
    assert _order._runs_in_order(t, starts, run_rank) == want


@given(rows=st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0.0, -0.0, 1.5, 2.0])), min_size=1, max_size=40))
def test_property_run_minima_and_run_check_agree_with_reduceat(rows):
    """The constant-run shortcut gives what reduceat gives, bit for bit (signed zeros too):
    each run's least submit time, and whether every row is at its run's given time."""
    job = np.array([r[0] for r in rows], dtype=np.int64)
    sub = np.array([r[1] for r in rows], dtype=np.float64)
    starts = _order._run_starts(job)
    ids, least = _order._runs_min(job, sub, starts)
    assert ids.tolist() == job[starts].tolist()
    assert least.view(np.int64).tolist() == np.minimum.reduceat(sub, starts).view(np.int64).tolist()
    for run_sub in (least, np.maximum.reduceat(sub, starts)):
        want = bool((np.maximum.reduceat(sub, starts) == run_sub).all())
        assert _order._runs_at(job, sub, starts, run_sub) == want


@pytest.mark.parametrize("at", [(1 << 18) - 1, 1 << 18, (1 << 18) + 1])
def test_run_check_sees_a_change_at_a_block_edge(at):
    """The blockwise comparison covers the pairs that straddle its blocks."""
    n = (1 << 18) * 2 + 5
    job = np.zeros(n, dtype=np.int64)
    sub = np.full(n, 3.0)
    sub[at] = 4.0
    assert not _order._constant_runs(job, sub)
    job[at:] = 1  # the change now begins a run
    sub[at + 1 :] = 4.0
    assert _order._constant_runs(job, sub)
