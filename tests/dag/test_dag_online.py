"""schedkit.dag online: job streams, runtime versus per-job HEFT, noise, pickling, equality, reprs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from dag_cases import known
from hypothesis import given
from hypothesis import strategies as st

from schedkit import dag
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing.strategies import dag_job_streams


def test_online_per_job_and_runtime_heft():
    _doc, g, plat = known("topcuoglu2002")
    stream = dag.JobStream((g, plat), arrival=[0.0, 10.0, 10.0, 200.0])
    for policy in dag.ONLINE_POLICIES:
        res = dag.simulate_online(stream, policy=policy).validate()
        np.testing.assert_allclose(res.actual.start, res.planned.start)  # no noise: the plan runs as planned
        assert np.all(res.planned.start >= res.planned.release)
        assert res.jobs.num_rows == 4
        assert set(res.summary()) >= {"mean_response_time", "p95_response_time", "makespan", "mean_slowdown"}
        assert np.all(res.slowdown >= 1 - 1e-12)
    per_job = dag.simulate_online(stream, policy="heft")
    # The first job sees an idle platform (and the last arrives after all others finished):
    # both get exactly the static HEFT schedule, makespan 80.
    assert per_job.response_time[0] == 80 and per_job.response_time[3] == 80


def test_online_noise_and_streams():
    g, plat = dag.random_dag(30, processors=3, ccr=0.5, seed=2)
    g2, plat2 = dag.random_dag(12, processors=3, ccr=2.0, seed=3)
    stream = dag.JobStream.poisson([(g, plat), (g2, plat2)], 40, mean_interarrival=300.0, seed=4, weights=[1, 3])
    assert stream.num_jobs == 40 and stream.arrival[0] == 0 and np.all(np.diff(stream.arrival) >= 0)
    assert set(stream.template.tolist()) == {0, 1}
    for policy in dag.ONLINE_POLICIES:
        exact = dag.simulate_online(stream, policy=policy).validate()
        noisy = dag.simulate_online(stream, policy=policy, noise=0.3, seed=9).validate()
        again = dag.simulate_online(stream, policy=policy, noise=0.3, seed=9)
        assert np.array_equal(noisy.completion, again.completion)
        assert np.array_equal(noisy.planned.start, exact.planned.start)  # same plan, different execution
        assert not np.allclose(noisy.completion, exact.completion)
        assert noisy.actual.factors is not None and abs(noisy.actual.factors.mean() - 1) < 0.1
    with pytest.raises(InvalidInstanceError) as err:
        dag.simulate_online(stream, policy="fifo")
    assert err.value.field == "policy"
    with pytest.raises(InvalidInstanceError) as err:
        dag.JobStream([(g, plat), (g2, dag.Platform(cost=plat2.cost, bandwidth=2.0))], arrival=[0])
    assert err.value.field == "templates" and err.value.index == 1
    with pytest.raises(InvalidInstanceError) as err:
        dag.JobStream((g, plat), arrival=[0, -1])
    assert (err.value.field, err.value.index) == ("arrival", 1)


# ----------------------------------------------------------------------------- value semantics


@given(dag_job_streams())
def test_job_stream_pickles_equal(stream):
    back = pickle.loads(pickle.dumps(stream))
    assert back == stream and hash(back) == hash(stream)
    assert back.union[0] == stream.union[0] and np.array_equal(back.union[2], stream.union[2])
    assert not back.arrival.flags.writeable


@given(dag_job_streams(), st.sampled_from(dag.ONLINE_POLICIES), st.sampled_from([0.0, 0.4]))
def test_online_result_pickles_equal(stream, policy, noise):
    res = dag.simulate_online(stream, policy=policy, noise=noise, seed=1)
    back = pickle.loads(pickle.dumps(res))
    assert back == res and hash(back) == hash(res)
    assert back.elapsed == res.elapsed
    assert np.array_equal(back.slowdown, res.slowdown) and back.summary() == res.summary()
    back.validate()


def test_online_equality_and_repr():
    _doc, g, plat = known("topcuoglu2002")
    stream = dag.JobStream((g, plat), arrival=[0.0, 10.0, 10.0, 200.0])
    a, b = dag.simulate_online(stream, policy="heft"), dag.simulate_online(stream, policy="heft")
    assert a == b and a != dag.simulate_online(stream, policy="heft_rt")
    assert a != dag.simulate_online(stream, policy="heft", noise=0.1)
    assert stream == dag.JobStream([(g, plat)], arrival=[0, 10, 10, 200], template=[0, 0, 0, 0])
    assert stream != dag.JobStream((g, plat), arrival=[0.0, 10.0, 10.0, 201.0])
    assert repr(stream) == "<dag.JobStream jobs=4 templates=1>"
    assert repr(a).startswith("<dag.OnlineResult heft jobs=4 noise=0 mean_response_time=")
    assert repr(a).endswith(f"makespan={a.actual.makespan:g}>") and "\n" not in repr(a)
    assert repr(dag.simulate_online(dag.JobStream((g, plat), arrival=[]))).count("mean_response_time=-") == 1
    with pytest.raises(AttributeError):
        stream.arrival = np.zeros(4)
    assert isinstance(stream.templates, tuple)
