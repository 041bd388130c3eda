"""schedkit.flowtime: Jobs and Result: input validation naming the job, accessors, empty
instances, reprs, equality and pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given

from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import POLICIES, Jobs, generate, simulate
from schedkit.testing.strategies import flowtime_jobs

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
    with pytest.raises(InvalidInstanceError, match="policy: unknown"):
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


def _round_trip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


@given(flowtime_jobs(weighted=None))
def test_jobs_pickle_round_trip(jobs):
    back = _round_trip(jobs)
    assert back == jobs and hash(back) == hash(jobs) and back is not jobs
    assert back.weighted == jobs.weighted and back.release.flags.writeable is False
    assert back.lower_bound() == jobs.lower_bound()


def test_jobs_equality_and_pickle_keep_every_field():
    jobs = Jobs([0, 1], [[1, 2], [3]], weight=[2, 1], job_id=[7, 9], name="two").with_estimates([2.5, 3.5])
    back = _round_trip(jobs)
    assert back == jobs
    assert (back.name, back.job_id.tolist(), back.estimate.tolist()) == ("two", [7, 9], [2.5, 3.5])
    assert jobs != Jobs([0, 1], [[1, 2], [3]], weight=[2, 1], job_id=[7, 9], name="other").with_estimates([2.5, 3.5])
    assert jobs != Jobs([0, 1], [[1, 2], [3]], weight=[2, 1], job_id=[7, 9], name="two")  # no estimates
    assert Jobs([0, 0], [[1, 2], [3]]) != Jobs([0, 0], [[1], [2, 3]])  # same values, other operations
    assert Jobs([0, 0], [[1, 2], [3]]) == Jobs([0, 0], (np.array([0, 2, 3]), np.array([1.0, 2.0, 3.0])))
    assert Jobs([0], [1]) != Jobs([0], [1], weight=[1])  # unweighted vs unit weights
    assert Jobs([0], [1]) != "jobs"


def test_result_pickle_round_trip():
    jobs = generate(300, load=0.9, ops="geometric:2", distortion=2.0, seed=1)
    for spec, kw in [("srpt", {}), ("chunk:gamma=4", {"machines": 2}), ("sprpt", {"variant": "class"})]:
        r = simulate(jobs, policy=spec, event_log=True, **kw)
        back = _round_trip(r)
        assert back == r and back is not r and hash(back) == hash(r)
        assert back.completion.flags.writeable is False
        assert back.elapsed == r.elapsed
        assert back.flow_times.tolist() == r.flow_times.tolist()
        back.validate()
    # A user-defined rule's result carries its name, not the callable: it pickles too.
    custom = simulate(jobs, policy=lambda v: v.release)
    assert _round_trip(custom) == custom and custom.policy == "custom"
    # Partial results: NaN completions compare equal.
    partial = simulate(generate(300_000, load=0.99, seed=0), policy="setf", time_limit=0.0)
    assert not partial.finished and _round_trip(partial) == partial


def test_result_equality_ignores_only_the_wall_clock():
    jobs = Jobs([0, 1, 2], [[3], [1], [2]])
    a, b = simulate(jobs, policy="rr"), simulate(jobs, policy="rr")
    assert a == b  # elapsed differs
    assert a != simulate(jobs, policy="srpt")
    assert a != simulate(jobs, policy="rr", machines=2)
    assert a != simulate(jobs, policy="rr", event_log=True)
    assert a != simulate(Jobs([0, 1, 2], [[3], [1], [2]], name="other"), policy="rr")
    assert a != "rr"


def test_policy_is_a_value():
    for policy in POLICIES.values():
        back = _round_trip(policy)
        assert back == policy and back is not policy
    jobs = Jobs([0, 0], [1, 2])
    assert _round_trip(POLICIES["laps"])(jobs, beta=1.0) == POLICIES["laps"](jobs, beta=1.0)


def test_reprs_are_short():
    jobs = generate(100_000, ops="geometric:3", weights="uniform", distortion=2.0, seed=0)
    assert (
        repr(jobs)
        == f"<flowtime.Jobs 'generated-geometric-100000' n=100000 ops={jobs.values.shape[0]} weighted estimates>"
    )
    r = simulate(jobs, policy="laps:beta=0.25", machines=2)
    assert (
        repr(r)
        == f"<flowtime.Result laps(beta=0.25) m=2 n=100000 total_flow_time={r.total_flow_time:.6g} events={r.events}>"
    )
    assert repr(POLICIES["chunk"]) == "<flowtime.Policy chunk(gamma=2, c=2, known_count=False) revealed>"
    assert repr(POLICIES["srpt"]) == "<flowtime.Policy srpt clairvoyant>"
    views = []
    simulate(
        Jobs([0, 0], [[1, 2], [3]]), policy=lambda v: views.append(repr(v)) or v.attained, information="nonclairvoyant"
    )
    assert views[0] == "<flowtime.PolicyView t=0 alive=2 m=1>"
    for text in [repr(jobs), repr(r), *views]:
        assert len(text) < 120 and "\n" not in text
