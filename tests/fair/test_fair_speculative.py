"""A replay from a table starts its engines on the first chunk before the rest of the table
is checked (trace._order.SpeculativeChunks, issue 13). When a row past the first chunk turns
out bad, the replay raises exactly the error it raised when the whole table was checked
first, with its runs closed (engine threads ended) and nothing returned or written; when
rows there are out of order (or a job's rows disagree on their submit time), it starts
again on the general path and gives the result of the ordered table. The CLI, reading
files, writes its ``--out`` file only when the replay succeeds."""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit import fair
from schedkit.cli import main
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair import _engine, _replay
from schedkit.trace import ordered_jobs
from tests.trace.test_trace_order_speculative import maybe_bad

#: Rows of the tables: past two default chunks (65,536 rows each), so a bad row there is
#: met after the engines have simulated the first.
ROWS = 150_000
LATE = 140_000


def _trace(rows: int = ROWS) -> pa.Table:
    """Jobs of 1 to 3 tasks, ids and submit times rising with the rows (the usual table)."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 4, rows)
    job = np.repeat(np.arange(rows), sizes)[:rows]
    n_jobs = int(job[-1]) + 1
    submit = np.cumsum(rng.exponential(0.02, n_jobs))[job]
    task = np.arange(rows) - np.searchsorted(job, job)  # 0, 1, .. within each job
    return pa.table(
        {
            "job_id": job,
            "user": pa.array([f"user{u}" for u in rng.integers(0, 6, n_jobs)[job]], pa.string()),
            "submit_time": submit,
            "task_id": task,
            "duration": rng.exponential(0.05, rows),
            "cpu": np.ones(rows),
        }
    )


def _set(t: pa.Table, name: str, row: int, value) -> pa.Table:
    vals = t.column(name).to_numpy(zero_copy_only=False).copy() if name != "user" else t.column(name).to_pylist()
    vals[row] = value
    return t.set_column(t.schema.get_field_index(name), name, pa.array(vals, t.schema.field(name).type))


class Watch:
    """Counts the pushes into engines and the runs closed, and the engine threads alive."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.pushes = self.closed = 0
        push, close = _engine.Runner.push, _engine.Runner.close

        def counted_push(r, b, until=None):
            self.pushes += 1
            push(r, b, until)

        def counted_close(r):
            self.closed += 1
            close(r)

        monkeypatch.setattr(_engine.Runner, "push", counted_push)
        monkeypatch.setattr(_engine.Runner, "close", counted_close)


def _engine_threads() -> int | None:
    """Threads of this process named as the engine's ("schedkit-fair-engine", cut to 15
    characters by Linux); None where /proc does not list them."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return None
    n = 0
    for t in tasks.iterdir():
        with contextlib.suppress(OSError):  # ended meanwhile
            n += (t / "comm").read_text().strip() == "schedkit-fair-e"
    return n


def _threads_back_to(n: int | None) -> bool:
    """Whether the engine threads are back to ``n`` within a few seconds (a dropped engine's
    thread ends on its own once it has nothing left)."""
    if n is None:
        return True
    deadline = time.monotonic() + 5.0
    while _engine_threads() != n:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _table_error(t: pa.Table) -> InvalidInstanceError:
    """The error of the whole table checked first (ordered_jobs checks a table at the call)."""
    with pytest.raises(InvalidInstanceError) as e:
        ordered_jobs(t)
    return e.value


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("duration", math.nan, f"duration[{LATE}]: must be finite and >= 0, got nan"),
        ("duration", -2.0, f"duration[{LATE}]: must be finite and >= 0, got -2.0"),
        ("submit_time", math.inf, f"submit_time[{LATE}]: must be finite, got inf"),
        ("user", None, f"user[{LATE}]: missing"),
    ],
)
def test_a_late_bad_value_raises_the_tables_error_and_drops_the_runs(monkeypatch, name, value, message):
    t = _set(_trace(), name, LATE, value)
    threads = _engine_threads()
    w = Watch(monkeypatch)
    with pytest.raises(InvalidInstanceError) as e:
        fair.replay_many(t, [{"policy": "fifo", "cores": 8}, {"policy": "uwfq", "cores": 8}])
    assert w.pushes >= 4  # both engines were simulating before the bad row was met
    assert w.closed == 2
    assert str(e.value) == message and (e.value.field, e.value.index) == (name, LATE)
    want = _table_error(t)
    assert (str(e.value), e.value.field, e.value.index) == (str(want), want.field, want.index)
    assert e.value.__context__ is None  # raised on its own, not while handling another
    del e
    assert _threads_back_to(threads)


@pytest.mark.parametrize("policy", ["fifo", "fair", "ujf", "cfq", "uwfq", "drf", "sjf"])
def test_every_policy_raises_the_late_error(monkeypatch, policy):
    t = _set(_trace(), "duration", LATE, math.nan)
    w = Watch(monkeypatch)
    with pytest.raises(InvalidInstanceError, match=rf"^duration\[{LATE}\]: must be finite and >= 0, got nan$"):
        fair.replay(t, policy=policy, cores=8)
    assert w.pushes >= 2 and w.closed == 1


def test_an_earlier_engine_error_waits_for_the_tables_own(monkeypatch):
    """DRF refuses a task without a cpu request when it converts that chunk; a bad value
    further on is what the whole table's check raised first, so that is the error."""
    t = _set(_trace(), "cpu", 80_000, math.nan)
    job = int(t.column("job_id")[80_000].as_py())
    task = int(t.column("task_id")[80_000].as_py())
    with pytest.raises(InvalidInstanceError, match=rf"^trace: job {job}, task {task}: no cpu request \(NaN\)"):
        fair.replay(t, policy="drf", cores=8)
    t = _set(t, "duration", LATE, -1.0)
    w = Watch(monkeypatch)
    with pytest.raises(InvalidInstanceError, match=rf"^duration\[{LATE}\]: must be finite and >= 0, got -1.0$"):
        fair.replay(t, policy="drf", cores=8)
    assert w.pushes >= 2 and w.closed == 1


def _general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays check the whole table before the first push (the path before issue 13's
    speculative start)."""
    plain = _replay.ordered_jobs
    monkeypatch.setattr(_replay, "ordered_jobs", lambda *a, **k: plain(*a, **{**k, "_speculative": False}))


def _rows_out_of_order(t: pa.Table) -> tuple[pa.Table, pa.Table]:
    """``t`` with two late jobs' submit times swapped (the later job first), and the same
    trace in order (its rows sorted by job submit time)."""
    job = t.column("job_id").to_numpy()
    sub = t.column("submit_time").to_numpy().copy()
    a, b = int(job[LATE]), int(job[LATE]) + 1
    ta, tb = sub[job == a][0], sub[job == b][0]
    sub[job == a], sub[job == b] = tb, ta
    bad = t.set_column(t.schema.get_field_index("submit_time"), "submit_time", pa.array(sub))
    order = np.lexsort((np.arange(len(job)), job, sub))
    return bad, bad.take(pa.array(order))


def _rows_at_two_times(t: pa.Table) -> tuple[pa.Table, pa.Table]:
    """``t`` with a late job's second row submitted later than its first (a job's submit
    time is its earliest row's), and the same trace with every row at the job's time."""
    job = t.column("job_id").to_numpy()
    two = np.flatnonzero((job[1:] == job[:-1]) & (np.arange(1, len(job)) > LATE))[0] + 1  # a job's second row
    sub = t.column("submit_time").to_numpy().copy()
    sub[two] += 50.0
    return t.set_column(t.schema.get_field_index("submit_time"), "submit_time", pa.array(sub)), t


@pytest.mark.parametrize("breakage", [_rows_out_of_order, _rows_at_two_times])
@pytest.mark.parametrize("policy", ["fifo", "uwfq", "drf"])
def test_late_rows_out_of_order_restart_on_the_general_path(monkeypatch, breakage, policy):
    bad, ordered = breakage(_trace())
    threads = _engine_threads()
    w = Watch(monkeypatch)
    got = fair.replay(bad, policy=policy, cores=8)
    assert w.closed == 1  # the first attempt's run, dropped
    pushes = w.pushes
    del w
    assert _threads_back_to(threads)
    want = fair.replay(ordered, policy=policy, cores=8)  # in order: no restart
    assert got.jobs.equals(want.jobs) and got.events == want.events
    _general_path(monkeypatch)
    w2 = Watch(monkeypatch)
    assert fair.replay(bad, policy=policy, cores=8).jobs.equals(got.jobs)
    assert w2.closed == 0 and w2.pushes < pushes  # one attempt only


def test_replay_to_writes_no_file_when_a_late_row_is_bad(tmp_path, monkeypatch):
    t = _set(_trace(), "duration", LATE, math.nan)
    w = Watch(monkeypatch)
    for name in ("jobs.parquet", "jobs.csv"):
        out = tmp_path / name
        with pytest.raises(InvalidInstanceError, match=rf"duration\[{LATE}\]"):
            fair.replay_to(out, t, [{"policy": "fifo", "cores": 8}])
        assert not out.exists()
    assert w.pushes >= 2  # finished jobs had been written (to the hidden file) before the error
    # an earlier file of that name stays as it was
    out = tmp_path / "jobs.parquet"
    out.write_bytes(b"earlier")
    with pytest.raises(InvalidInstanceError):
        fair.replay_to(out, t, [{"policy": "fifo", "cores": 8}])
    assert out.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.parquet"]  # no partial file left


def test_replay_to_starts_the_file_again_when_late_rows_are_out_of_order(tmp_path):
    bad, ordered = _rows_out_of_order(_trace())
    out, want = tmp_path / "bad.parquet", tmp_path / "ordered.parquet"
    runs = [{"policy": "fifo", "cores": 8}, {"policy": "ujf", "cores": 8}]
    fair.replay_to(out, bad, runs)
    fair.replay_to(want, ordered, runs)
    got = pq.read_table(out)
    assert got.num_rows == 2 * ordered.column("job_id").to_numpy()[-1] + 2  # each job once per run
    assert got.equals(pq.read_table(want))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "ordered.parquet"]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """Canonical trace files with a bad row past the first chunks: a NaN duration (the
    reader's error), and a task without a cpu request (DRF's, met after jobs finished)."""
    t = _trace()
    dur, cpu = tmp_path / "late_duration.parquet", tmp_path / "late_cpu.parquet"
    pq.write_table(_set(t, "duration", LATE, math.nan), dur)
    pq.write_table(_set(t, "cpu", LATE, math.nan), cpu)
    return dur, cpu


@pytest.mark.parametrize("with_out", [False, True])
def test_cli_late_bad_rows_name_the_row_and_write_nothing(tmp_path, capsys, with_out):
    dur, cpu = _files(tmp_path)
    t = pq.read_table(cpu)
    job, task = int(t.column("job_id")[LATE].as_py()), int(t.column("task_id")[LATE].as_py())
    out = tmp_path / "out" / "jobs.parquet"
    out.parent.mkdir()
    extra = ["--no-partition", *(["--out", str(out)] if with_out else [])]
    for path, policy, message in (
        (dur, "fifo", f"late_duration.parquet: row {LATE + 1}: duration: missing or not a finite number"),
        (cpu, "drf", f"trace: job {job}, task {task}: no cpu request (NaN)"),
    ):
        assert main(["replay", str(path), "--policy", policy, *extra]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith("schedkit replay: error: ") and message in captured.err, captured.err
        assert "Traceback" not in captured.err
        assert captured.out == ""  # no results table, nothing said to be written
        assert list(out.parent.iterdir()) == []  # no file, partial or complete
    # the same trace without the bad row replays and writes its file
    good = tmp_path / "good.parquet"
    pq.write_table(_trace(), good)
    assert main(["replay", str(good), "--policy", "drf", *extra]) == 0
    assert ("per-job results written to" in capsys.readouterr().out) is with_out
    assert [p.name for p in out.parent.iterdir()] == (["jobs.parquet"] if with_out else [])
    if with_out:
        assert pq.read_table(out).num_rows == t.column("job_id").to_numpy()[-1] + 1
    os.remove(good)


def test_the_engines_start_before_the_table_is_checked(monkeypatch):
    """The first push happens with only the first chunk's rows (and the one after) checked:
    the rows cut into chunks then are the first chunk's."""
    streams = []
    plain = _replay.ordered_jobs

    def kept(*a, **k):
        streams.append(plain(*a, **k))
        return streams[-1]

    monkeypatch.setattr(_replay, "ordered_jobs", kept)
    checked_at_push: list[int] = []
    push = _engine.Runner.push

    def first_push(r, b, until=None):
        checked_at_push.append(streams[0].made)
        push(r, b, until)

    monkeypatch.setattr(_engine.Runner, "push", first_push)
    t = _trace()
    fair.replay(t, policy="fifo", cores=8)
    first = next(iter(ordered_jobs(t))).num_rows  # a default chunk: whole jobs in 65,536 rows
    assert 60_000 < first <= 1 << 16
    assert checked_at_push[0] == first
    assert streams[0].made == t.num_rows  # and, by the end, every row


def test_replay_to_names_a_missing_folder_before_replaying(tmp_path, monkeypatch):
    w = Watch(monkeypatch)
    out = tmp_path / "no" / "jobs.parquet"
    with pytest.raises(FileNotFoundError, match="no such folder for the output file") as e:
        fair.replay_to(out, _trace(1000), [{"policy": "fifo", "cores": 8}])
    assert e.value.filename == str(out.parent) and w.pushes == 0


def test_replay_to_names_a_folder_at_the_output_path_before_replaying(tmp_path, monkeypatch):
    w = Watch(monkeypatch)
    out = tmp_path / "jobs.parquet"
    out.mkdir()
    with pytest.raises(IsADirectoryError, match="the output file is a folder") as e:
        fair.replay_to(out, _trace(1000), [{"policy": "fifo", "cores": 8}])
    assert e.value.filename == str(out) and w.pushes == 0
    assert list(tmp_path.iterdir()) == [out] and not any(out.iterdir())


def test_replay_to_writes_through_a_link(tmp_path):
    """A link at the output path keeps leading to the file, which gets the rows."""
    real = tmp_path / "data" / "jobs.parquet"
    real.parent.mkdir()
    real.write_bytes(b"earlier")
    link = tmp_path / "jobs.parquet"
    link.symlink_to(real)
    fair.replay_to(link, _trace(1000), [{"policy": "fifo", "cores": 8}])
    assert link.is_symlink() and pq.read_table(real).num_rows == pq.read_table(link).num_rows > 0
    assert sorted(p.name for p in real.parent.iterdir()) == ["jobs.parquet"]


@settings(max_examples=120, deadline=None)
@given(tables=maybe_bad(), chunk_rows=st.integers(1, 8))
def test_a_speculative_replay_is_the_checked_replay(tables, chunk_rows):
    """Any nearly ordered table, some with bad values, cut into chunks of a few rows: the
    replay gives what it gives with the whole table checked first, result or error."""
    _, t = tables
    runs = [{"policy": "fifo", "cores": 2}, {"policy": "uwfq", "cores": 2}]

    def outcome(speculative: bool):
        saved = _replay.ordered_jobs
        _replay.ordered_jobs = lambda *a, **k: saved(*a, **{**k, "_speculative": speculative and k["_speculative"]})
        try:
            return [r.jobs for r in fair.replay_many(t, runs, chunk_rows=chunk_rows)]
        except InvalidInstanceError as exc:
            return (str(exc), exc.field, exc.index)
        finally:
            _replay.ordered_jobs = saved

    got, want = outcome(True), outcome(False)
    if isinstance(want, tuple):
        assert got == want
    else:
        assert not isinstance(got, tuple) and all(a.equals(b) for a, b in zip(got, want))
