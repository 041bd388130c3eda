"""schedkit.trace: the canonical schema, the readers of the bundled and public formats,
malformed rows (raise / skip with row numbers), round trips through Parquet/CSV/IPC."""

from __future__ import annotations

import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import given

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing.strategies import traces

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


def test_schema_fields():
    assert sk.trace.SCHEMA.names == [
        "job_id",
        "user",
        "submit_time",
        "task_id",
        "duration",
        "cpu",
        "memory",
        "priority",
        "stage",
    ]
    assert sk.trace.SCHEMA.field("submit_time").type == pa.float64()
    assert sk.trace.SCHEMA.field("stage").type == pa.int64() and not sk.trace.SCHEMA.field("stage").nullable


@pytest.mark.parametrize(
    "name, rows, jobs, users",
    [
        ("google2011_wta_500s_hetero.csv", 824, 125, 27),
        ("google2011_wta_500s_homo.csv", 6418, 133, 25),
    ],
)
def test_google_wta_windows(name, rows, jobs, users):
    t = sk.trace.read(DATA / name)
    assert t.schema.remove_metadata() == sk.trace.SCHEMA
    assert t.num_rows == rows
    assert len(set(t.column("job_id").to_pylist())) == jobs
    assert len(set(t.column("user").to_pylist())) == users
    assert t.schema.metadata[b"schedkit.skipped_rows"] == b"0"
    dur = t.column("duration").to_numpy()
    assert (dur >= 0).all()
    # seconds: ts_submit (ms) / 1000, e.g. the hetero window starts near 76,630 s
    sub = t.column("submit_time").to_numpy()
    assert sub.max() - sub.min() <= 500.0
    # the bundled copy in the wheel is the same file
    assert sk.trace.read(sk.trace.bundled(name)).num_rows == rows


def test_alibaba_v2017_real_bad_row_raise_and_skip():
    path = DATA / "alibaba_v2017_batch_task.csv"
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.read(path)
    assert exc.value.index == 54987 and exc.value.field == "task_end_time"
    assert "row 54987" in str(exc.value)
    with pytest.warns(UserWarning, match="skipped 1 malformed"):
        t = sk.trace.read(path, errors="skip")
    assert t.schema.metadata[b"schedkit.skipped_rows"] == b"1"
    assert t.num_rows == 67012  # Terminated tasks only, minus the bad row
    users = set(t.column("user").to_pylist())
    assert len(users) == 16 and all(u.startswith("user_") for u in users)
    # seeded, documented rule
    with pytest.warns(UserWarning):
        t2 = sk.trace.read(path, errors="skip", users=4, seed=7)
    assert len(set(t2.column("user").to_pylist())) == 4


def test_assign_users_deterministic():
    a = sk.trace.assign_users(np.arange(1000), users=8, seed=1)
    b = sk.trace.assign_users(np.arange(1000), users=8, seed=1)
    c = sk.trace.assign_users(np.arange(1000), users=8, seed=2)
    assert (a == b).all() and not (a == c).all()
    assert len(set(a)) == 8
    with pytest.raises(InvalidInstanceError):
        sk.trace.assign_users(np.arange(3), users=0)
    with pytest.raises(TypeError):
        sk.trace.assign_users(np.arange(3), 4)  # type: ignore[misc]


def test_canonical_round_trips(tmp_path):
    t = sk.trace.read(DATA / "google2011_wta_500s_hetero.csv")
    pq.write_table(t, tmp_path / "t.parquet")
    feather.write_feather(t, tmp_path / "t.arrow")
    pacsv.write_csv(t, tmp_path / "t.csv")
    for name in ("t.parquet", "t.arrow", "t.csv"):
        back = sk.trace.read(tmp_path / name)
        assert back.num_rows == t.num_rows
        for col in ("job_id", "user", "task_id", "priority", "stage"):
            assert back.column(col).to_pylist() == t.column(col).to_pylist(), (name, col)
        np.testing.assert_allclose(back.column("duration").to_numpy(), t.column("duration").to_numpy())


def assert_same_trace(got: pa.Table, want: pa.Table) -> None:
    assert got.schema.remove_metadata() == want.schema
    for name in want.column_names:
        if pa.types.is_floating(want.schema.field(name).type):  # NaN requests compare equal here
            np.testing.assert_array_equal(got.column(name).to_numpy(), want.column(name).to_numpy(), err_msg=name)
        else:
            assert got.column(name).to_pylist() == want.column(name).to_pylist(), name


@given(traces(max_jobs=6, max_stages=3, max_tasks=3, requests=True, shuffle=True))
def test_any_canonical_trace_round_trips(t):
    assert_same_trace(pickle.loads(pickle.dumps(t)), t)
    with tempfile.TemporaryDirectory() as d:
        pq.write_table(t, Path(d) / "t.parquet")
        feather.write_feather(t, Path(d) / "t.arrow")
        for name in ("t.parquet", "t.arrow"):
            back = sk.trace.read(Path(d) / name)
            assert back.schema.metadata[b"schedkit.skipped_rows"] == b"0"
            assert_same_trace(back, t)
        # CSV cannot hold the list column (and an empty cell there means no parents, not null)
        flat = t.drop_columns(["parents"]) if "parents" in t.column_names else t
        pacsv.write_csv(flat, Path(d) / "t.csv")
        assert_same_trace(sk.trace.read(Path(d) / "t.csv"), flat)


def test_extra_columns_carried(tmp_path):
    t = sk.trace.from_jobs([1, 1, 2], ["a", "a", "b"], [0, 0, 1], [1.0, 2.0, 3.0])
    t = t.append_column("job_class", pa.array(["x", "x", "y"]))
    pq.write_table(t, tmp_path / "t.parquet")
    back = sk.trace.read(tmp_path / "t.parquet")
    assert back.column("job_class").to_pylist() == ["x", "x", "y"]


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_malformed_canonical_csv(tmp_path):
    p = _write(
        tmp_path,
        "bad.csv",
        "job_id,user,submit_time,task_id,duration\n1,a,0,0,1.5\n1,a,0,1,abc\n2,b,1,0,-2\n3,,2,0,1\n4,c,3,0,2\n",
    )
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.read(p)
    assert exc.value.index == 2 and exc.value.field == "duration"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        t = sk.trace.read(p, errors="skip")
    assert t.column("job_id").to_pylist() == [1, 4]
    assert t.schema.metadata[b"schedkit.skipped_rows"] == b"3"
    assert any("skipped 3" in str(w.message) and "[2, 3, 4]" in str(w.message) for w in rec)
    with pytest.raises(InvalidInstanceError):
        sk.trace.read(p, errors="ignore")


def test_google_task_events(tmp_path):
    # time(us), missing, job, task, machine, event, user, class, priority, cpu, mem, disk, diff
    rows = [
        "600000000,,7,0,,0,alice,1,2,0.5,0.1,0,0",
        "600000000,,7,1,,0,alice,1,2,0.25,0.1,0,0",
        "601000000,,7,0,m1,1,alice,1,2,0.5,0.1,0,0",
        "602000000,,7,1,m2,1,alice,1,2,0.25,0.1,0,0",
        "611000000,,7,0,m1,4,alice,1,2,0.5,0.1,0,0",
        "603000000,,8,0,,0,bob,0,9,0.1,0.2,0,0",
        "604000000,,8,0,m3,1,bob,0,9,0.1,0.2,0,0",
        "610000000,,8,0,m3,2,bob,0,9,0.1,0.2,0,0",  # evicted
        "612000000,,8,0,m3,1,bob,0,9,0.1,0.2,0,0",
        "615000000,,8,0,m3,4,bob,0,9,0.1,0.2,0,0",  # finish: 3 s after the last schedule
    ]
    p = _write(tmp_path, "part-00000-of-00500.csv", "\n".join(rows) + "\n")
    t = sk.trace.read(p, format="google_task_events")
    d = {(r["job_id"], r["task_id"]): r for r in t.to_pylist()}
    assert set(d) == {(7, 0), (8, 0)}  # task (7,1) never finished
    assert d[(7, 0)]["duration"] == pytest.approx(10.0)
    assert d[(7, 0)]["submit_time"] == pytest.approx(600.0)
    assert d[(8, 0)]["duration"] == pytest.approx(3.0)
    assert d[(8, 0)]["priority"] == 9 and d[(8, 0)]["user"] == "bob"


def test_alibaba_v2018(tmp_path):
    rows = [
        "M1,10,j_5,1,Terminated,100,160,100,0.39",
        "R2_1,1,j_5,1,Terminated,160,170,50,0.2",
        "M1,3,j_9,1,Running,100,0,100,0.39",
        "task_abc,2,j_11,12,Terminated,200,203,,",
    ]
    p = _write(tmp_path, "batch_task.csv", "\n".join(rows) + "\n")
    t = sk.trace.read(p, format="alibaba_v2018")
    assert t.column("job_id").to_pylist() == [5, 5, 11]
    assert t.column("duration").to_pylist() == [60.0, 10.0, 3.0]
    assert t.column("cpu").to_pylist()[:2] == [1.0, 0.5]
    assert t.column("task_id").to_pylist()[:2] == [1, 2]


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InvalidInstanceError):
        sk.trace.read(tmp_path / "nope.csv")
    p = _write(tmp_path, "x.csv", "a,b\n1,2\n")
    with pytest.raises(InvalidInstanceError, match="format"):
        sk.trace.read(p)
    with pytest.raises(InvalidInstanceError, match="unknown trace format"):
        sk.trace.read(p, format="bogus")


def test_iter_batches_streams_schema():
    batches = list(sk.trace.iter_batches(DATA / "google2011_wta_500s_homo.csv"))
    assert sum(b.num_rows for b in batches) == 6418
    assert all(b.schema.names[:9] == sk.trace.SCHEMA.names for b in batches)


# --------------------------------------------------------------------------------------
# Stages and parents


def test_sources_without_stages_are_stage_zero(tmp_path):
    t = sk.trace.read(DATA / "google2011_wta_500s_hetero.csv")
    assert set(t.column("stage").to_pylist()) == {0}
    assert "parents" not in t.column_names
    p = _write(
        tmp_path,
        "part-00000-of-00500.csv",
        "600000000,,7,0,,0,a,1,2,0.5,0.1,0,0\n"
        "601000000,,7,0,m1,1,a,1,2,0.5,0.1,0,0\n611000000,,7,0,m1,4,a,1,2,0.5,0.1,0,0\n",
    )
    assert sk.trace.read(p, format="google_task_events").column("stage").to_pylist() == [0]
    p = _write(
        tmp_path,
        "v2017.csv",
        "task_create_time,task_end_time,job_id,task_id,instances,status,cpu,mem\n10,20,1,1,1,Terminated,100,0.5\n",
    )
    assert sk.trace.read(p).column("stage").to_pylist() == [0]


ALI18_DAG = [
    "M1,10,j_5,1,Terminated,100,160,100,0.39",
    "R2_1,1,j_5,1,Terminated,160,170,50,0.2",
    "J3_1_2,1,j_5,1,Terminated,170,180,50,0.2",
    "task_abc,2,j_11,12,Terminated,200,203,,",
    "task_Nzg3ODAwNDgzMTAxNTU1MDcyMQ==,2,j_11,12,Terminated,200,204,,",
]


def test_alibaba_v2018_dag_stages_and_parents(tmp_path):
    t = sk.trace.read(_write(tmp_path, "batch_task.csv", "\n".join(ALI18_DAG) + "\n"), format="alibaba_v2018")
    assert t.schema.field("parents").type == pa.list_(pa.int64())
    assert t.column("stage").to_pylist() == [1, 2, 3, 0, 0]  # both non-DAG tasks form stage 0
    assert t.column("parents").to_pylist() == [[], [1], [1, 2], None, None]
    # DAG tasks keep their task number as task_id; non-DAG tasks their row number
    assert t.column("task_id").to_pylist() == [1, 2, 3, 4, 5]


def test_alibaba_v2018_parent_not_below_stage(tmp_path):
    p = _write(
        tmp_path,
        "batch_task.csv",
        "\n".join(ALI18_DAG[:2] + ["M2_5,1,j_5,1,Terminated,1,2,50,0.2", "R4_4,1,j_6,1,Terminated,1,2,50,0.2"]) + "\n",
    )
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.read(p, format="alibaba_v2018")
    assert exc.value.field == "task_name" and exc.value.index == 3 and "row 3" in str(exc.value)
    with pytest.warns(UserWarning, match=r"skipped 2 malformed row\(s\) \(first: \[3, 4\]\)"):
        t = sk.trace.read(p, format="alibaba_v2018", errors="skip")
    assert t.column("stage").to_pylist() == [1, 2]
    assert t.schema.metadata[b"schedkit.skipped_rows"] == b"2"


def test_canonical_csv_stage_and_string_parents(tmp_path):
    p = _write(
        tmp_path,
        "dag.csv",
        "job_id,user,submit_time,task_id,duration,stage,parents\n"
        "1,a,0,0,1,1,\n1,a,0,1,1,2,1\n1,a,0,2,1,3,1;2\n1,a,0,3,1,4, 3 ; 2 \n",
    )
    t = sk.trace.read(p)
    assert t.column("stage").to_pylist() == [1, 2, 3, 4]
    assert t.schema.field("parents").type == pa.list_(pa.int64())
    assert t.column("parents").to_pylist() == [[], [1], [1, 2], [3, 2]]


@pytest.mark.parametrize(
    "row, field",
    [
        ("1,a,0,1,1,2,x", "parents"),  # not an id
        ("1,a,0,1,1,2,1;;0", "parents"),  # empty token
        ("1,a,0,1,1,2,2", "parents"),  # parent == stage breaks the topological numbering
        ("1,a,0,1,1,1.5,0", "stage"),  # not an integer
        ("1,a,0,1,1,,0", "stage"),  # missing
    ],
)
def test_canonical_bad_stage_or_parents(tmp_path, row, field):
    p = _write(
        tmp_path,
        "dag.csv",
        f"job_id,user,submit_time,task_id,duration,stage,parents\n1,a,0,0,1,1,\n{row}\n1,a,0,3,1,4,1\n",
    )
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.read(p)
    assert (exc.value.field, exc.value.index) == (field, 2)
    with pytest.warns(UserWarning, match="skipped 1 malformed"):
        t = sk.trace.read(p, errors="skip")
    assert t.column("task_id").to_pylist() == [0, 3]


def test_parquet_list_parents_round_trip(tmp_path):
    t = sk.trace.from_jobs([1, 1, 1, 2], ["a"] * 4, [0, 0, 0, 1], [1.0] * 4, stage=[0, 1, 2, 0])
    t = t.append_column("parents", pa.array([[], [0], None, []], pa.list_(pa.int32())))
    pq.write_table(t, tmp_path / "t.parquet")
    back = sk.trace.read(tmp_path / "t.parquet")
    assert back.schema.field("parents").type == pa.list_(pa.int64())
    assert back.column("parents").to_pylist() == [[], [0], None, []]
    assert back.column("stage").to_pylist() == [0, 1, 2, 0]
    bad = t.set_column(t.column_names.index("parents"), "parents", pa.array([[], [0], [1, None], []]))
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.read(tmp_path / "bad.parquet")
    assert (exc.value.field, exc.value.index) == ("parents", 3)
    wrong = t.set_column(t.column_names.index("parents"), "parents", pa.array([1.0, 2.0, 3.0, 4.0]))
    pq.write_table(wrong, tmp_path / "wrong.parquet")
    with pytest.raises(InvalidInstanceError, match="parents") as exc:
        sk.trace.read(tmp_path / "wrong.parquet")
    assert exc.value.field == "parents"


def test_from_jobs_stage():
    t = sk.trace.from_jobs([1, 1], ["a", "a"], [0, 0], [1.0, 2.0], stage=[3, 4])
    assert t.schema == sk.trace.SCHEMA
    assert t.column("stage").to_pylist() == [3, 4]
    assert sk.trace.from_jobs([1], ["a"], [0], [1.0]).column("stage").to_pylist() == [0]
