"""Fuzzing schedkit.batch against the contract: every public function fed random dtypes, shapes
and extreme values (orders, permutations, assignments, factors, samples, sigmas, seeds) raises
a schedkit error or returns finite values (NaN only where documented: a candidate flagged
invalid with ``errors="nan"``), the same on the Rust and NumPy backends.

The default hypothesis profile keeps this CI-sized; ``pytest --slow`` runs it long.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.testing.fuzz import assert_contract

pytestmark = pytest.mark.fuzz

BACKENDS = ("rust", "numpy")

_EXTREME = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-300, 1e300, 1.7e308, -1.0, 2.0**63, 2.0**64]),
    st.integers(-2, 8).map(float),
)
_DTYPES = st.sampled_from([np.int64, np.int32, np.uint64, np.float64, np.float32, bool, object, complex])

_G, _P = sk.dag.random_dag(6, processors=2, seed=3)
_HEFT = sk.dag.heft(_G, _P)
_JOBS = sk.flowtime.generate(5, load=0.8, seed=1)


@st.composite
def hostile_rows(draw, n):
    """A 2-D candidate array as users pass them: any dtype and shape, often valid."""
    shape = draw(st.sampled_from([(2, n), (1, n), (0, n), (2, n + 1), (n,), (1, 1, n), (2, 0)]))
    size = int(np.prod(shape))
    if draw(st.booleans()):
        values = [
            float(x)
            for _ in range(max(shape[0], 1) if len(shape) == 2 else 1)
            for x in np.random.default_rng(draw(st.integers(0, 9))).permutation(n)
        ]
        values = (values * (size // max(len(values), 1) + 1))[:size]
    else:
        values = draw(st.lists(_EXTREME, min_size=size, max_size=size))
    with np.errstate(all="ignore"):
        try:
            return np.array(values, dtype=draw(_DTYPES)).reshape(shape)
        except (OverflowError, ValueError):
            return np.array(values).reshape(shape)


def _nan_flags(fn, *args, **kwargs):
    """``fn``'s values with the NaN that flags an invalid candidate (``errors="nan"``, documented)
    replaced by 0, after checking that nothing else is non-finite."""
    out = fn(*args, **kwargs)
    assert not np.isinf(out).any()
    if kwargs.get("errors") != "nan":
        assert not np.isnan(out).any()
    return np.nan_to_num(out)


@given(hostile_rows(_G.num_tasks), st.sampled_from(BACKENDS), st.sampled_from(["raise", "nan", "bogus"]))
def test_dag_orders_keep_the_contract(orders, device, errors):
    assert_contract(_nan_flags, sk.batch.evaluate_dag_orders, _G, _P, orders, device=device, errors=errors)


@given(hostile_rows(_G.num_tasks), st.sampled_from(BACKENDS))
def test_dag_perturbed_keeps_the_contract(factors, device):
    out = assert_contract(sk.batch.evaluate_dag_perturbed, _G, _P, _HEFT.processor, _HEFT.order, factors, device=device)
    if isinstance(out, np.ndarray):
        assert np.isfinite(out).all()


def test_factors_that_would_overflow_a_makespan_are_refused():
    factors = np.ones((2, _G.num_tasks))
    factors[1, 0] = 1e306
    for device in BACKENDS:
        with pytest.raises(sk.exceptions.InvalidInstanceError, match=r"factors\[1\]: .* makespan"):
            sk.batch.evaluate_dag_perturbed(_G, _P, _HEFT.processor, _HEFT.order, factors, device=device)


@given(
    st.one_of(st.integers(-1, 20), st.sampled_from([2**63, 2**64])),
    st.one_of(_EXTREME, st.just(0.2)),
    st.sampled_from(["lognormal", "uniform", "bogus"]),
    st.one_of(st.integers(-1, 3), st.sampled_from([2**64 - 1, 2**64])),
    st.one_of(_EXTREME, st.just(100.0)),
)
def test_sampling_and_deadlines_keep_the_contract(samples, sigma, distribution, seed, deadline):
    assert_contract(
        sk.batch.sample_duration_factors, samples, _G.num_tasks, sigma=sigma, distribution=distribution, seed=seed
    )
    assert_contract(
        sk.batch.deadline_probability,
        _G,
        _P,
        _HEFT.processor,
        _HEFT.order,
        deadline,
        samples=samples,
        sigma=sigma,
        distribution=distribution,
        seed=seed,
        device="rust",
    )


@given(hostile_rows(_JOBS.n), st.sampled_from(BACKENDS), st.sampled_from(["raise", "nan"]))
def test_flowtime_orders_keep_the_contract(orders, device, errors):
    assert_contract(_nan_flags, sk.batch.evaluate_flowtime_orders, _JOBS, orders, device=device, errors=errors)
