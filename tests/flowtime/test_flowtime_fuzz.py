"""Fuzzing schedkit.flowtime against the contract: the job-file reader fed random bytes and
one-cell edits of a valid CSV, and every public function fed random dtypes, shapes and extreme
values, raises a schedkit error or returns a valid result of finite numbers.

The default hypothesis profile keeps this CI-sized; ``pytest --slow`` runs it long.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.testing.fuzz import assert_contract, extreme_tokens, mutated_text, random_bytes

pytestmark = pytest.mark.fuzz

_TMP = Path(tempfile.mkdtemp(prefix="schedkit-flowtime-fuzz-"))

VALID_CSV = "job_id,release,size,weight\n4,0.0,1.0,1\n4,0.0,2.0,1\n9,1.5,3.0,2\n11,2.0,0.5,1\n"

#: An unfinished run (time limit) leaves NaN completions, documented; a finished one may not.
UNFINISHED_OK = ("completion", "flow_times", "_completion")

_EXTREME = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 5e-324, 1e-300, 1e150, 1e300, 1.7e308, -1.0, 2.0**63]),
    st.floats(0.1, 10.0),
)
_DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.uint8, bool, object, complex])


def _file(data: bytes, suffix: str) -> Path:
    path = _TMP / f"case{suffix}"
    path.write_bytes(data)
    return path


def _simulated(jobs, **options):
    """Simulates SRPT and RR; returns the results (each must keep the contract)."""
    return [sk.flowtime.simulate(jobs, policy=p, **options) for p in ("srpt", "rr")]


@given(st.one_of(random_bytes(), mutated_text(VALID_CSV)))
def test_job_file_reader_keeps_the_contract(data):
    path = _file(data, ".csv")
    assert_contract(lambda: _simulated(sk.flowtime.read_jobs(path)))


def test_job_file_reader_edge_cases_are_errors_naming_the_file():
    cases = {
        b"": "not a readable csv job file",
        b"job_id,release,size\n": "no jobs",
        b"job_id,release,size\n1,0,\xff\n": "size: expected numbers",
        b"job_id,\x80release,size\n1,0,1\n": "not a readable csv job file",
        b"job_id,release,size\n1,0,-1\n": "size",
    }
    for data, message in cases.items():
        path = _file(data, ".csv")
        with pytest.raises(sk.exceptions.InvalidInstanceError, match=message):
            sk.flowtime.read_jobs(path)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="no such file"):
        sk.flowtime.read_jobs(_TMP / "missing.csv")


@st.composite
def hostile_jobs_args(draw):
    n = draw(st.integers(0, 6))
    shape = draw(st.sampled_from([(n,), (n,), (n, 1), (n + 1,)]))

    def array(shape):
        values = draw(st.lists(_EXTREME, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        dtype = draw(_DTYPES)
        with np.errstate(all="ignore"):
            try:
                return np.array(values, dtype=dtype).reshape(shape)
            except (OverflowError, ValueError):
                return np.array(values).reshape(shape)

    release = array((n,))
    ops = draw(
        st.one_of(
            st.lists(st.lists(_EXTREME, max_size=3), min_size=n, max_size=n),
            st.just(array(shape)),
        )
    )
    weight = draw(st.one_of(st.none(), st.just(array((n,)))))
    return release, ops, weight


@given(
    hostile_jobs_args(),
    st.sampled_from(sorted(sk.flowtime.POLICIES)),
    st.one_of(st.integers(-1, 3), st.sampled_from([2**63, 2**64]), st.floats()),
    st.one_of(st.none(), st.sampled_from([0.0, 1e-9, 1e308, float("inf"), float("nan"), -1.0]), extreme_tokens()),
)
def test_every_policy_keeps_the_contract(args, policy, machines, time_limit):
    release, ops, weight = args

    def run():
        jobs = sk.flowtime.Jobs(release, ops, weight)
        if policy == "sprpt":
            jobs = jobs.with_estimates(distortion=2.0, seed=1)
        return sk.flowtime.simulate(jobs, policy=policy, machines=machines, time_limit=time_limit)

    result = assert_contract(run, nonfinite_ok=UNFINISHED_OK)
    if isinstance(result, sk.flowtime.Result) and result.finished:
        assert np.isfinite(result.completion).all()
        assert np.isfinite(result.total_flow_time)
        # the derived figures too (the lower bound runs SRPT on a machine m times as fast)
        assert_contract(result.summary)


@given(
    st.one_of(st.integers(-1, 50), st.sampled_from([10**9, 2**64])),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(0.7)),
    st.sampled_from(
        ["exponential", "pareto:1e9", "pareto:1.5:1e300", "lognormal:1e9", "lognormal:3", "constant", "x", "pareto:-1"]
    ),
    st.sampled_from(
        ["single", "fixed:1e9", "fixed:3", "geometric:1e9", "uniform:1e9", "test:1e9", "test", "uniform:2.5"]
    ),
    st.one_of(st.none(), st.sampled_from(["uniform", "uniform:1e9", "uniform:1e300"])),
    st.one_of(st.integers(-1, 5), st.sampled_from([2**64, 2**64 - 1])),
)
def test_generate_keeps_the_contract(n, load, sizes, ops, weights, seed):
    assert_contract(
        lambda: _simulated(sk.flowtime.generate(n, load=load, sizes=sizes, ops=ops, weights=weights, seed=seed))
    )


def test_overflowing_instances_are_refused_and_huge_limits_are_no_limits():
    for release, sizes in (([0.0, 1e308], [1e308, 1e308]), ([0.0, 0.0], [1e308, 1e308]), ([1e300, 0], [1.0, 1e300])):
        with pytest.raises(sk.exceptions.InvalidInstanceError, match=r"operations: .* over the 1e300 limit"):
            sk.flowtime.Jobs(release, sizes)
    jobs = sk.flowtime.generate(50, load=0.9, seed=2)
    reference = sk.flowtime.simulate(jobs, policy="srpt").completion
    for limit in (1e308, float("inf"), 1e19):
        r = sk.flowtime.simulate(jobs, policy="srpt", time_limit=limit)
        assert r.finished and np.array_equal(r.completion, reference)
    for machines in (2**64, -1, True):
        with pytest.raises(sk.exceptions.InvalidInstanceError, match="machines"):
            sk.flowtime.simulate(jobs, machines=machines)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="seed"):
        sk.flowtime.generate(5, load=0.5, seed=-1)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="ops: 10,000,000,000 operations"):
        sk.flowtime.generate(10, load=0.5, ops="fixed:1000000000")


def test_the_lower_bound_survives_sizes_that_underflow_when_divided_by_the_machines():
    jobs = sk.flowtime.Jobs([0.0, 0.0], [5e-324, 1.0])
    for machines in (1, 3, 2**62):
        r = sk.flowtime.simulate(jobs, policy="srpt", machines=machines)
        assert r.lower_bound == pytest.approx(1.0) and np.isfinite(r.ratio)
