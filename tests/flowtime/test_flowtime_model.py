"""schedkit.flowtime: Jobs and Result: input validation naming the job, accessors, empty
instances, reprs, equality and pickling."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import POLICIES, Jobs, simulate

BUILTIN = list(POLICIES)


@pytest.mark.parametrize(
    "release, ops, weight, field, index",
    [
        ([0, 0], [[1], [1, -2]], None, "operations", 1),
        ([0, 0], [[1], [1, float("nan")]], None, "operations", 1),
        ([0, 0, 0], [[1], [2], [0]], None, "operations", 2),
        ([0, 0], [[1], []], None, "operations", 1),
        ([0, -1], [[1], [1]], None, "release", 1),
        ([0, float("nan")], [[1], [1]], None, "release", 1),
        ([0, 0], [[1], [1]], [1, 0], "weight", 1),
        ([0, 0], [[1], [1]], [-1, 1], "weight", 0),
        ([0, 0], [[1], [1]], [1, float("inf")], "weight", 1),
    ],
)
def test_bad_inputs_name_the_job(release, ops, weight, field, index):
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs(release, ops, weight)
    assert exc.value.field == field and exc.value.index == index
    assert isinstance(exc.value, ValueError)


def test_bad_inputs_in_other_forms():
    with pytest.raises(InvalidInstanceError, match="operations"):
        Jobs([0, 0, 0], [[1], [2]])
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], (np.array([0, 1, 1]), np.array([1.0])))
    assert exc.value.field == "operations" and exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], pa.array([[1.0], [2.0, -1.0]]))
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], pa.array([[1.0], None]))
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], [[1], ["x"]])
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError, match="estimate"):
        Jobs([0], [1], estimate=[0])
    jobs = Jobs([0], [1])
    with pytest.raises(InvalidInstanceError, match="machines"):
        simulate(jobs, policy="srpt", machines=0)
    with pytest.raises(InvalidInstanceError, match="unknown policy"):
        simulate(jobs, policy="nope")
    with pytest.raises(InvalidInstanceError) as exc:
        simulate(jobs, policy="srpt", beta=0.5)
    assert exc.value.field == "beta"
    with pytest.raises(InvalidInstanceError, match="beta"):
        simulate(jobs, policy="laps", beta=2.0)
    with pytest.raises(InvalidInstanceError, match="gamma"):
        simulate(jobs, policy="chunk", gamma=0.5)
    with pytest.raises(InvalidInstanceError, match="variant"):
        simulate(jobs, policy="sprpt:variant=odd")
    with pytest.raises(InvalidInstanceError, match="priorities"):
        simulate(jobs, policy=lambda v: [1.0, 2.0])
    with pytest.raises(InvalidInstanceError, match="priorities"):
        simulate(jobs, policy=lambda v: np.full(len(v.job), np.nan))
    with pytest.raises(ZeroDivisionError):  # the user's own error comes through unchanged
        simulate(jobs, policy=lambda v: 1 / 0)
    with pytest.raises(InvalidInstanceError, match="information"):
        simulate(jobs, policy=lambda v: v.attained, information="psychic")
    with pytest.raises(InvalidInstanceError, match="max_log_rows"):
        simulate(Jobs([0, 0], [1, 1]), policy="rr", event_log=True, max_log_rows=3)


def test_result_accessors_and_tables():
    jobs = Jobs([0, 1, 2], [[3], [1], [2]], weight=[1, 2, 1], job_id=[10, 11, 12])
    r = simulate(jobs, policy="srpt", event_log=True).validate()
    assert r.flow_times.tolist() == [4, 1, 4]
    assert r.stretch.tolist() == [4 / 3, 1, 2]
    assert (r.total_flow_time, r.mean_flow_time, r.max_flow_time) == (9, 3, 4)
    assert r.lower_bound == 9 and r.ratio == 1
    assert r.percentile(50) == 4
    s = r.summary()
    assert s["policy"] == "srpt" and s["ratio"] == 1 and s["p99_flow_time"] == pytest.approx(4)
    t = r.to_arrow()
    assert t.column("job_id").to_pylist() == [10, 11, 12]
    assert t.column("flow_time").to_pylist() == [4, 1, 4]
    log = r.event_log
    assert log.column_names == ["time", "end", "kind", "job", "op", "value"]
    kinds = log.column("kind").to_pylist()
    assert kinds.count("release") == 3 and kinds.count("complete") == 3
    rr = simulate(jobs, policy="rr")
    assert rr.ratio == pytest.approx(12 / 9)
    assert rr.weighted_lower_bound <= rr.total_weighted_flow_time
    assert "rr" in repr(rr)


def test_empty_instance():
    jobs = Jobs([], [])
    for name in BUILTIN[:-1]:
        r = simulate(jobs, policy=name, event_log=True).validate()
        assert r.total_flow_time == 0 and r.ratio == 1.0
