"""schedkit.trace.ordered_jobs: the job stream a replay consumes. Checked against a
plain NumPy sort of the same rows: order, each job's earliest submit time and first-row
user, whole jobs per chunk; files (spilled runs and the k-way merge) against tables;
temporary files removed; bad input named by field and row."""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing.strategies import traces
from schedkit.trace import ORDERED_COLUMNS as COLUMNS
from schedkit.trace import ordered_jobs

NUMERIC = ("submit_time", "duration", "cpu", "memory")


def synthetic(n: int = 20_000, jobs: int = 2_000, big_job: int = 300, seed: int = 1) -> pa.Table:
    """Shuffled rows: jobs whose rows disagree on submit time and user, submit ties between
    jobs, duplicate (stage, task_id) pairs, NaN requests, valid parents, one job of
    ``big_job`` rows. Values are multiples of 1/8 so they survive a CSV round trip."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(-(10**6), 10**6), size=jobs, replace=False)
    job = np.concatenate([rng.choice(ids, n - big_job), np.full(big_job, ids[0])])
    base = dict(zip(ids.tolist(), rng.integers(0, 200, size=jobs).tolist()))
    sub = np.array([base[j] for j in job.tolist()], dtype=float) + rng.integers(0, 4, size=n) / 8
    stage = rng.integers(0, 4, size=n)
    parents = [sorted(rng.choice(s, size=rng.integers(0, s + 1), replace=False).tolist()) for s in stage]
    cpu = rng.integers(1, 9, size=n) / 8
    cpu[rng.random(n) < 0.2] = np.nan
    t = pa.table(
        {
            "job_id": job,
            "user": [f"u{k}" for k in rng.integers(0, 20, size=n)],
            "submit_time": sub,
            "task_id": rng.integers(0, 50, size=n),
            "stage": stage,
            "duration": rng.integers(0, 80, size=n) / 8,
            "cpu": cpu,
            "memory": rng.integers(0, 9, size=n) / 8,
            "parents": pa.array(parents, pa.list_(pa.int64())),
            "job_class": [f"c{k}" for k in rng.integers(0, 3, size=n)],
        }
    )
    return t.take(pa.array(rng.permutation(n)))


def reference(t: pa.Table) -> pa.Table:
    """The documented order by a plain sort: (job's min submit, job_id, stage, task_id, row)."""
    job = t.column("job_id").to_numpy()
    stage = t.column("stage").to_numpy() if "stage" in t.column_names else np.zeros(len(job), dtype=np.int64)
    task = t.column("task_id").to_numpy() if "task_id" in t.column_names else np.arange(len(job))
    ujob, inv = np.unique(job, return_inverse=True)
    jsub = np.full(len(ujob), np.inf)
    np.minimum.at(jsub, inv, t.column("submit_time").to_numpy())
    order = np.lexsort((np.arange(len(job)), task, stage, job, jsub[inv]))
    out = t.take(pa.array(order))
    out = out.set_column(out.column_names.index("submit_time"), "submit_time", pa.array(jsub[inv][order]))
    sj = job[order]
    first = np.maximum.accumulate(np.where(np.r_[True, sj[1:] != sj[:-1]], np.arange(len(sj)), 0))
    for name in ("user", "job_class"):
        if name in out.column_names:
            out = out.set_column(out.column_names.index(name), name, out.column(name).take(pa.array(first)))
    return out


def assert_same_rows(got: pa.Table, want: pa.Table) -> None:
    assert got.column_names == want.column_names
    for name in got.column_names:
        if name in NUMERIC:  # NaN requests compare equal here
            np.testing.assert_array_equal(got.column(name).to_numpy(), want.column(name).to_numpy(), err_msg=name)
        else:
            assert got.column(name).to_pylist() == want.column(name).to_pylist(), name


def check_chunks(chunks: list[pa.Table], chunk_rows: int) -> None:
    """Whole jobs per chunk; a chunk stays within chunk_rows unless it is one bigger job; and
    no chunk could have taken the next job (chunks are greedy)."""
    seen: set[int] = set()
    for i, c in enumerate(chunks):
        ids = c.column("job_id").to_numpy()
        assert c.num_rows > 0
        jobs = set(ids.tolist())
        assert not jobs & seen, "a job is split across chunks"
        seen |= jobs
        assert c.num_rows <= chunk_rows or len(jobs) == 1
        if i + 1 < len(chunks):
            nxt = chunks[i + 1].column("job_id").to_numpy()
            assert c.num_rows + int(np.sum(nxt == nxt[0])) > chunk_rows


def expected_columns(t: pa.Table) -> list[str]:
    return list(COLUMNS) + [c for c in ("parents", "job_class") if c in t.column_names]


# --------------------------------------------------------------------------------------
# Tables


def test_table_order_min_submit_and_chunks():
    t = synthetic()
    chunks = list(ordered_jobs(t, chunk_rows=100))
    check_chunks(chunks, 100)
    big = max(chunks, key=lambda c: c.num_rows)  # the big job (300+ rows) is one chunk of its own
    assert big.num_rows >= 300 and len(set(big.column("job_id").to_pylist())) == 1
    got = pa.concat_tables(chunks)
    assert got.schema.names == expected_columns(t)
    assert [f.type for f in got.schema][:8] == [
        pa.int64(),
        pa.string(),
        pa.float64(),
        pa.int64(),
        pa.int64(),
        pa.float64(),
        pa.float64(),
        pa.float64(),
    ]
    assert got.schema.field("parents").type == pa.list_(pa.int64())
    assert_same_rows(got, reference(t).select(expected_columns(t)))


def test_job_user_and_class_come_from_the_first_row_in_order():
    t = pa.table(
        {
            "job_id": [5, 5, 5],
            "user": ["late", "early", "x"],
            "submit_time": [3.0, 1.0, 2.0],
            "duration": [1.0, 1.0, 1.0],
            "stage": [1, 1, 0],
            "job_class": ["a", "b", "c"],
        }
    )
    (c,) = ordered_jobs(t)
    # stage 0 first, so the third row decides; every row carries the job's earliest submit
    assert c.column("user").to_pylist() == ["x"] * 3 and c.column("job_class").to_pylist() == ["c"] * 3
    assert c.column("submit_time").to_pylist() == [1.0] * 3
    assert c.column("task_id").to_pylist() == [2, 0, 1]  # default task_id: the row number
    assert math.isnan(c.column("cpu")[0].as_py())
    assert "parents" not in c.column_names


def test_empty_table_yields_nothing():
    assert list(ordered_jobs(sk.trace.SCHEMA.empty_table())) == []


@pytest.mark.parametrize(
    "column, values, field, index",
    [
        ("submit_time", [0.0, 1.0, math.nan, 2.0], "submit_time", 2),
        ("submit_time", [0.0, math.inf, 1.0, 2.0], "submit_time", 1),
        ("duration", [1.0, 1.0, 1.0, -0.5], "duration", 3),
        ("duration", [1.0, math.nan, 1.0, 1.0], "duration", 1),
        ("duration", pa.array([1.0, 1.0, None, 1.0]), "duration", 2),
        ("job_id", pa.array([1, None, 2, 3]), "job_id", 1),
        ("user", pa.array(["a", "b", "c", None]), "user", 3),
        ("stage", pa.array([0, 1, None, 1]), "stage", 2),
    ],
)
def test_table_bad_values_name_field_and_row(column, values, field, index):
    t = sk.trace.from_jobs([1, 1, 2, 3], ["a", "b", "c", "d"], [0.0, 1.0, 2.0, 3.0], [1.0] * 4)
    t = t.set_column(t.column_names.index(column), column, pa.array(values))
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs(t)
    assert (exc.value.field, exc.value.index) == (field, index)
    assert str(exc.value).startswith(f"{field}[{index}]: ")


def test_table_bad_parents_and_types():
    t = sk.trace.from_jobs([1, 1, 1], ["a"] * 3, [0.0] * 3, [1.0] * 3, stage=[0, 1, 2])
    # A parent that is not an earlier stage passes through the ordering: the core checks the
    # stage DAG (one place) when the jobs are simulated, and names the job and the stages.
    late = t.append_column("parents", pa.array([[], [0], [1, 2]]))
    assert [c.num_rows for c in ordered_jobs(late)] == [3]
    with pytest.raises(InvalidInstanceError, match="job 1: stage 2 names parent stage 2") as exc:
        sk.fair.replay(late)
    assert exc.value.field == "parents"
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs(t.append_column("parents", pa.array([[], [None], None], pa.list_(pa.int64()))))
    assert (exc.value.field, exc.value.index) == ("parents", 1)
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs(t.append_column("parents", pa.array(["", "0", "0;1"])))
    assert exc.value.field == "parents"
    with pytest.raises(InvalidInstanceError, match="expected numbers") as exc:
        ordered_jobs(t.set_column(4, "duration", pa.array([True, False, True])))
    assert exc.value.field == "duration"
    with pytest.raises(InvalidInstanceError, match="missing column 'user'") as exc:
        ordered_jobs(t.drop_columns(["user"]))
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs(t, chunk_rows=0)
    assert exc.value.field == "chunk_rows"
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs([1, 2, 3])  # type: ignore[arg-type]
    assert exc.value.field == "source"


# --------------------------------------------------------------------------------------
# Files: spilled runs and the merge give what the in-memory sort gives


def write_csv(t: pa.Table, path: Path) -> Path:
    # CSV has no lists: parents as ';'-separated ids (none of these rows has null parents)
    strings = [";".join(map(str, p)) for p in t.column("parents").to_pylist()]
    pacsv.write_csv(t.set_column(t.column_names.index("parents"), "parents", pa.array(strings)), path)
    return path


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_file_spilled_runs_match_the_table(tmp_path, fmt):
    t = synthetic()
    path = tmp_path / f"trace.{fmt}"
    if fmt == "parquet":
        pq.write_table(t, path, row_group_size=3_000)
    else:
        write_csv(t, path)
    spill = tmp_path / "spill"
    spill.mkdir()
    seen_rows: list[int] = []
    it = ordered_jobs(path, run_rows=1000, chunk_rows=100, tmpdir=spill, on_rows=seen_rows.append)
    first = next(it)
    assert len(list(spill.iterdir())) == 1  # one temporary directory holds the runs
    chunks = [first, *it]
    assert list(spill.iterdir()) == []  # removed once the stream ends
    assert seen_rows[-1] == t.num_rows and seen_rows == sorted(seen_rows)
    check_chunks(chunks, 100)
    want = list(ordered_jobs(t, chunk_rows=100))
    assert [c.num_rows for c in chunks] == [c.num_rows for c in want]  # the same chunks, too
    assert_same_rows(pa.concat_tables(chunks), pa.concat_tables(want))


def test_small_file_sorts_in_memory(tmp_path):
    t = synthetic(n=2_000, jobs=100, big_job=10)
    pq.write_table(t, tmp_path / "t.parquet")
    spill = tmp_path / "spill"
    spill.mkdir()
    it = ordered_jobs(tmp_path / "t.parquet", run_rows=2_000, chunk_rows=64, tmpdir=spill)
    chunks = [next(it)]
    assert list(spill.iterdir()) == []  # it fits in run_rows: no temporary files at all
    chunks += list(it)
    assert_same_rows(pa.concat_tables(chunks), pa.concat_tables(list(ordered_jobs(t, chunk_rows=64))))


def test_temporary_files_removed_when_the_consumer_stops_early(tmp_path):
    t = synthetic(n=5_000, jobs=500, big_job=10)
    pq.write_table(t, tmp_path / "t.parquet")
    spill = tmp_path / "spill"
    spill.mkdir()
    for _ in ordered_jobs(tmp_path / "t.parquet", run_rows=700, chunk_rows=50, tmpdir=spill):
        assert len(list(spill.iterdir())) == 1
        break
    assert list(spill.iterdir()) == []
    it = ordered_jobs(tmp_path / "t.parquet", run_rows=700, chunk_rows=50, tmpdir=spill)
    next(it)
    it.close()
    assert list(spill.iterdir()) == []


def test_file_errors_raise_or_skip_with_warning(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("job_id,user,submit_time,task_id,duration\n1,a,0,0,1\n1,a,x,1,1\n2,b,1,0,-1\n3,c,0.5,0,2\n")
    with pytest.raises(InvalidInstanceError) as exc:
        list(ordered_jobs(p))
    assert (exc.value.field, exc.value.index) == ("submit_time", 2)
    spill = tmp_path / "spill"
    spill.mkdir()
    with pytest.warns(UserWarning, match=r"skipped 2 malformed row\(s\) \(first: \[2, 3\]\)"):
        chunks = list(ordered_jobs(p, errors="skip", run_rows=1, chunk_rows=1, tmpdir=spill))
    assert [c.column("job_id").to_pylist() for c in chunks] == [[1], [3]]
    assert list(spill.iterdir()) == []
    with pytest.raises(InvalidInstanceError) as exc:
        ordered_jobs(p, errors="ignore")
    assert exc.value.field == "errors"


def test_bundled_trace_streams_all_jobs():
    chunks = list(ordered_jobs(sk.trace.bundled("google2011_wta_500s_homo.csv"), chunk_rows=1_000))
    check_chunks(chunks, 1_000)
    assert sum(c.num_rows for c in chunks) == 6418
    assert sum(len(set(c.column("job_id").to_pylist())) for c in chunks) == 133
    assert_same_rows(
        pa.concat_tables(chunks),
        reference(sk.trace.read(sk.trace.bundled("google2011_wta_500s_homo.csv"))).select(COLUMNS),
    )


def test_alibaba_v2018_parents_reach_the_stream(tmp_path):
    p = tmp_path / "batch_task.csv"
    p.write_text(
        "R2_1,1,j_5,1,Terminated,160,170,50,0.2\nM1,10,j_5,1,Terminated,100,160,100,0.39\n"
        "task_abc,2,j_11,12,Terminated,90,203,,\n"
    )
    (c,) = ordered_jobs(p, format="alibaba_v2018")
    assert c.column("job_id").to_pylist() == [11, 5, 5]
    assert c.column("stage").to_pylist() == [0, 1, 2]
    assert c.column("parents").to_pylist() == [None, [], [1]]
    assert c.column("submit_time").to_pylist() == [90.0, 100.0, 100.0]


# --------------------------------------------------------------------------------------
# Property: any small trace, any run and chunk sizes


# Deliberately outside the canonical schema (no cpu/memory columns; a job's rows disagree on
# submit time and user; repeated (stage, task_id); negative parent ids): the raw tables
# ordered_jobs must also take. Canonical traces come from schedkit.testing.strategies.traces.
@st.composite
def small_traces(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(0, 40))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=n, max_size=n)  # noqa: E731
    stage = draw(ints(0, 3))
    # null parents (a chain) or ids below the stage, negative ones included
    parents = [draw(st.none() | st.lists(st.integers(-2, s - 1), max_size=3)) for s in stage]
    return pa.table(
        {
            "job_id": pa.array(draw(ints(-3, 5)), pa.int64()),
            "user": pa.array([f"u{k}" for k in draw(ints(0, 2))], pa.string()),
            "submit_time": pa.array([k / 4 for k in draw(ints(0, 6))], pa.float64()),
            "task_id": pa.array(draw(ints(0, 3)), pa.int64()),
            "stage": pa.array(stage, pa.int64()),
            "duration": pa.array([k / 2 for k in draw(ints(0, 9))], pa.float64()),
            "parents": pa.array(parents, pa.list_(pa.int64())),
        }
    )


@given(t=small_traces(), chunk_rows=st.integers(1, 12), run_rows=st.integers(1, 50))
def test_property_order_and_chunks(t, chunk_rows, run_rows):
    want = reference(t)
    want = (
        want.append_column("cpu", pa.array(np.full(t.num_rows, np.nan)))
        .append_column("memory", pa.array(np.full(t.num_rows, np.nan)))
        .select(expected_columns(t))
    )
    from_table = list(ordered_jobs(t, chunk_rows=chunk_rows))
    check_chunks(from_table, chunk_rows)
    if t.num_rows:
        assert_same_rows(pa.concat_tables(from_table), want)
    with tempfile.TemporaryDirectory() as d:
        pq.write_table(t, Path(d) / "t.parquet")
        spill = Path(d) / "spill"
        spill.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            from_file = list(
                ordered_jobs(Path(d) / "t.parquet", chunk_rows=chunk_rows, run_rows=run_rows, tmpdir=spill)
            )
        assert list(spill.iterdir()) == []
    assert [c.num_rows for c in from_file] == [c.num_rows for c in from_table]
    if t.num_rows:
        assert_same_rows(pa.concat_tables(from_file), pa.concat_tables(from_table))


@given(
    t=traces(min_jobs=0, max_jobs=8, max_stages=3, max_tasks=3, requests=True, shuffle=True),
    chunk_rows=st.integers(1, 12),
)
def test_property_canonical_traces(t, chunk_rows):
    chunks = list(ordered_jobs(t, chunk_rows=chunk_rows))
    check_chunks(chunks, chunk_rows)
    if t.num_rows:
        assert_same_rows(pa.concat_tables(chunks), reference(t).select(expected_columns(t)))
    else:
        assert chunks == []


def test_file_job_spanning_batches_and_runs(tmp_path):
    # one job's 2,500 rows lie together: they span three runs and many batches of each
    small = synthetic(n=3_000, jobs=300, big_job=10, seed=3)
    rng = np.random.default_rng(4)
    big = sk.trace.from_jobs(
        np.full(2_500, 10**7),
        ["big"] * 2_500,
        rng.integers(0, 200, 2_500) / 4,
        np.ones(2_500),
        task_id=rng.integers(0, 9, 2_500),
        stage=rng.integers(0, 4, 2_500),
    )
    small, big = small.select(COLUMNS), big.select(COLUMNS)
    t = pa.concat_tables([small.slice(0, 1_500), big.cast(small.schema), small.slice(1_500)])
    pq.write_table(t, tmp_path / "t.parquet")
    chunks = list(ordered_jobs(tmp_path / "t.parquet", run_rows=1_000, chunk_rows=100, tmpdir=tmp_path))
    check_chunks(chunks, 100)
    assert 2_500 in [c.num_rows for c in chunks]
    assert_same_rows(pa.concat_tables(chunks), pa.concat_tables(list(ordered_jobs(t, chunk_rows=100))))
    assert_same_rows(pa.concat_tables(chunks), reference(t).select(COLUMNS))
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


@given(t=small_traces(), chunk_rows=st.integers(1, 12))
def test_property_rows_in_order_are_cut_as_they_stand(t, chunk_rows):
    # ordered rows fed back take the path that cuts a table as it stands, without sorting:
    # the same rows in the same chunks; without task_id and stage, tasks are numbered by row
    # and every row is stage 0, as when the rows are sorted
    first = list(ordered_jobs(t, chunk_rows=chunk_rows))
    if not first:
        return
    rows = pa.concat_tables(first).drop_columns(["cpu", "memory"])  # NaN: never equal
    again = list(ordered_jobs(rows, chunk_rows=chunk_rows))
    assert [c.num_rows for c in again] == [c.num_rows for c in first]
    assert pa.concat_tables(again).drop_columns(["cpu", "memory"]).equals(rows)
    n = rows.num_rows
    got = pa.concat_tables(list(ordered_jobs(rows.drop_columns(["task_id", "stage"]), chunk_rows=chunk_rows)))
    want = rows.set_column(rows.schema.get_field_index("task_id"), "task_id", pa.array(np.arange(n)))
    want = want.set_column(want.schema.get_field_index("stage"), "stage", pa.array(np.zeros(n, np.int64)))
    assert got.drop_columns(["cpu", "memory"]).equals(want)
    assert np.isnan(got.column("cpu").to_numpy()).all()
