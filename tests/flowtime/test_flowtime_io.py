"""schedkit.flowtime: Jobs to and from Arrow tables, and read_jobs on Parquet and CSV files."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import Jobs, generate


def test_arrow_round_trip_and_files(tmp_path):
    jobs = generate(200, load=0.7, ops="geometric:2", weights="uniform", distortion=2.0, seed=5)
    back = Jobs.from_arrow(jobs.to_arrow())
    for f in ("release", "weight", "offsets", "values", "estimate", "job_id"):
        assert np.array_equal(getattr(back, f), getattr(jobs, f)), f
    import pyarrow.parquet as pq

    pq.write_table(jobs.to_arrow(), tmp_path / "jobs.parquet")
    assert np.array_equal(sk.flowtime.read_jobs(tmp_path / "jobs.parquet").values, jobs.values)
    # One row per operation (CSV), jobs in order of first appearance, ops by task_id.
    (tmp_path / "ops.csv").write_text("job_id,release,size,task_id\n5,1.0,2.0,1\n3,0.5,4.0,0\n5,1.0,1.0,0\n")
    rows = sk.flowtime.read_jobs(tmp_path / "ops.csv")
    assert rows.job_id.tolist() == [5, 3]
    assert rows.operations(0).tolist() == [1.0, 2.0] and rows.release.tolist() == [1.0, 0.5]
    # The canonical trace schema's column names work too.
    trace = pa.table({"job_id": [1, 1], "submit_time": [0.0, 0.0], "task_id": [0, 1], "duration": [2.0, 3.0]})
    assert Jobs.from_arrow(trace).size.tolist() == [5.0]
    bad = pa.table({"job_id": [1, 1], "release": [0.0, 1.0], "size": [2.0, 3.0]})
    with pytest.raises(InvalidInstanceError, match="disagree"):
        Jobs.from_arrow(bad)
    with pytest.raises(InvalidInstanceError, match="missing"):
        Jobs.from_arrow(pa.table({"x": [1]}))
    with pytest.raises(InvalidInstanceError, match="extension"):
        sk.flowtime.read_jobs(tmp_path / "jobs.txt")
    two_d = Jobs([0, 0], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert two_d.operations(1).tolist() == [3.0, 4.0]
