"""Every trace reader, fed random bytes or a valid file with one cell replaced by junk, either
raises a schedkit error or returns rows in the canonical schema with valid values: never a
crash, a hang or a silently wrong row (issue 12)."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import SchedkitError

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# small valid files of each format, as (format, text)
TASK_EVENTS = "\n".join(
    [
        "0,,7,0,,0,alice,2,9,0.0625,0.03125,0,0",
        "1000000,,7,0,5,1,alice,2,9,0.0625,0.03125,0,0",
        "4000000,,7,0,5,4,alice,2,9,0.0625,0.03125,0,0",
    ]
)
CANONICAL = (
    "job_id,user,submit_time,task_id,duration,cpu,memory\n1,a,0.0,0,2.5,1,0\n1,a,0.0,1,1.0,1,0\n2,b,3.0,0,4.0,,\n"
)
ALI18 = "M1,10,j_5,1,Terminated,100,160,100,0.39\nR2_1,10,j_5,1,Terminated,160,170,100,0.39\n"


def _head(name: str, lines: int) -> str:
    with open(DATA / name, encoding="utf-8") as fh:
        return "".join(fh.readline() for _ in range(lines))


VALID = {
    "google_wta": _head("google2011_wta_500s_homo.csv", 6),
    "alibaba_v2017": _head("alibaba_v2017_batch_task.csv", 6),
    "alibaba_v2018": ALI18,
    "google_task_events": TASK_EVENTS,
    "csv": CANONICAL,
}


def _check(path: Path, fmt: str | None) -> None:
    # Random bytes can make a header with columns nothing reads: a warning naming the file is
    # the contract there, not a failure.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = sk.trace.read(path, format=fmt)
        except SchedkitError:
            t = None
    for w in caught:
        assert issubclass(w.category, UserWarning) and str(w.message).startswith(path.name), w
    if t is None:
        return
    assert t.schema.names[: len(sk.trace.SCHEMA)] == sk.trace.SCHEMA.names
    dur = t.column("duration").to_numpy()
    assert np.isfinite(dur).all() and (dur >= 0).all()
    assert np.isfinite(t.column("submit_time").to_numpy()).all()
    assert all(u is not None and u != "" for u in t.column("user").to_pylist())


@pytest.mark.parametrize("fmt", [None, *sk.trace.FORMATS])
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(tmp_path, fmt, data):
    p = tmp_path / "t.csv"
    p.write_bytes(data)
    _check(p, fmt)


@pytest.mark.parametrize("fmt", sorted(VALID))
@FUZZ
@given(
    cell=st.one_of(
        st.text(max_size=12),
        st.sampled_from(["", "nan", "inf", "-1", "1e400", "99999999999999999999", "\u00e9", "1,5", '"']),
    ),
    data=st.data(),
)
def test_one_bad_cell_in_a_valid_file(tmp_path, fmt, cell, data):
    rows = list(csv.reader(io.StringIO(VALID[fmt])))
    header = 1 if fmt in ("google_wta", "csv") else 0
    r = data.draw(st.integers(header, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[r]) - 1))
    rows[r][c] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    p = tmp_path / "t.csv"
    p.write_text(out.getvalue(), encoding="utf-8")
    _check(p, fmt)


def test_empty_file_is_an_error_unless_allowed(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(SchedkitError, match="empty file"):
        sk.trace.read(p, format="csv")
    assert sk.trace.read(p, format="csv", allow_empty=True).num_rows == 0
    header_only = tmp_path / "h.csv"
    header_only.write_text("job_id,user,submit_time,task_id,duration\n")
    with pytest.raises(SchedkitError, match="no task rows"):
        sk.trace.read(header_only)


def test_job_id_beyond_int64_names_the_row(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("job_id,user,submit_time,task_id,duration\n1,a,0,0,1\n99999999999999999999,a,0,0,1\n")
    with pytest.raises(SchedkitError, match="row 2: job_id: missing or not an integer in int64 range"):
        sk.trace.read(p)


def test_bad_bytes_name_file_and_line(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"job_id,user,submit_time,task_id,duration\n1,a,0,0,1\n2,\xff\xfe,0,0,1\n")
    with pytest.raises(SchedkitError, match=r"t\.csv.*line 3"):
        sk.trace.read(p)


def test_sniffing_reads_only_the_first_line(tmp_path):
    # a 4 MiB file without a newline: the sniffer reads 64 KiB of it and gives up cleanly
    p = tmp_path / "blob.csv"
    p.write_bytes(b"x" * (4 << 20))
    with pytest.raises(SchedkitError, match="cannot tell the trace format"):
        sk.trace.read(p)


def test_task_events_without_user_is_an_error_naming_the_row(tmp_path):
    p = tmp_path / "te.csv"
    p.write_text(TASK_EVENTS.replace("4000000,,7,0,5,4,alice", "4000000,,7,0,5,4,"))
    with pytest.raises(SchedkitError, match="row 3: user: missing"):
        sk.trace.read(p, format="google_task_events")


def test_task_events_units_and_machine_size(tmp_path):
    p = tmp_path / "te.csv"
    p.write_text(TASK_EVENTS)
    t = sk.trace.read(p, format="google_task_events", machine_cpus=16, machine_memory=2**30)
    assert t.to_pylist()[0] | {} == {
        "job_id": 7,
        "user": "alice",
        "submit_time": 0.0,
        "task_id": 0,
        "duration": 3.0,
        "cpu": 1.0,  # 0.0625 of a 16-core machine
        "memory": 2**25,  # 1/32 of 1 GiB
        "priority": 9,
        "stage": 0,
    }
    with pytest.raises(SchedkitError, match="machine_cpus must be a finite number > 0"):
        sk.trace.read(p, format="google_task_events", machine_cpus=0)


def test_iter_batches_reports_what_it_skipped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("job_id,user,submit_time,task_id,duration\n1,a,0,0,1\n2,a,x,0,1\n3,a,0,0,-1\n")
    with pytest.warns(UserWarning, match=r"skipped 2 malformed row\(s\) \(first: \[2, 3\]\)"):
        rows = sum(b.num_rows for b in sk.trace.iter_batches(p, errors="skip"))
    assert rows == 1
