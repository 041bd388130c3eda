"""schedkit.flowtime.simulate and compare on larger workloads: compare tables, time limits,
parallel busy periods identical to the sequential run (Ctrl-C: tests/test_interrupt.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import POLICIES, Jobs, compare, generate, simulate

BUILTIN = list(POLICIES)


def _random_priorities(view):
    # A deterministic but arbitrary user rule: a hash of job id and the operation index.
    return ((view.job * 7919 + view.op_index * 104729) % 97).astype(float)


def test_compare():
    jobs = generate(2000, load=0.9, ops="geometric:3", distortion=2.0, seed=2)
    table = compare(jobs, validate=True)
    assert table.column("policy").to_pylist() == BUILTIN
    ratios = dict(zip(table.column("policy").to_pylist(), table.column("ratio").to_pylist(), strict=True))
    assert ratios["srpt"] == 1.0 and all(v >= 1.0 for v in ratios.values())
    t2 = compare(jobs, policies=["srpt", ("laps", {"beta": 0.25}), "chunk:gamma=4", _random_priorities], machines=2)
    assert t2.column("policy").to_pylist() == ["srpt", "laps(beta=0.25)", "chunk(gamma=4)", "_random_priorities"]
    assert compare(jobs, policies=[]).column_names == ["policy"]


def test_options_are_keyword_only():
    jobs = Jobs([0], [1])
    with pytest.raises(TypeError):
        simulate(jobs, "srpt")  # type: ignore[misc]
    with pytest.raises(TypeError):
        compare(jobs, ["srpt"])  # type: ignore[misc]
    with pytest.raises(TypeError):
        POLICIES["srpt"](jobs, 2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        jobs.lower_bound(2)  # type: ignore[misc]
    # A policy instance is a spec too, and its call is simulate's.
    assert simulate(jobs, policy=POLICIES["rr"]).label == POLICIES["rr"](jobs).label == "rr"


def test_time_limit_returns_a_partial_result():
    jobs = generate(300_000, load=0.99, seed=0)
    r = simulate(jobs, policy="setf", time_limit=0.0)
    assert not r.finished and np.isnan(r.completion).any()
    assert math.isnan(r.total_flow_time)
    assert r.summary()["finished"] is False


def test_parallel_busy_periods_give_identical_results():
    # Above 100,000 jobs stateless rules on one machine run busy period by busy period on
    # several threads; the schedule must be bit-for-bit the sequential one.
    jobs = generate(150_000, load=0.95, ops="geometric:2", seed=4)
    shuffled = np.random.default_rng(0).permutation(jobs.n)  # ids not in release order
    other = Jobs(jobs.release[shuffled], jobs.size[shuffled])
    for j in (jobs, other):
        for name in ["srpt", "op_srpt", "spt", "fcfs", "hdf"]:
            one = simulate(j, policy=name, threads=1)
            two = simulate(j, policy=name, threads=2)
            assert np.array_equal(one.completion, two.completion), name
            assert one.events == two.events
    with pytest.raises(InvalidInstanceError, match="threads"):
        simulate(jobs, policy="srpt", threads=0)
