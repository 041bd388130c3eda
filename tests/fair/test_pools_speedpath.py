"""The FAIR/UJF pool queue's small-set paths (a sorted vector up to 64 entries, an
ordered set past it, for the ready stages of a pool; for the pools with ready stages an
unsorted vector with its smallest key up to 16 pools, the sorted forms past it) and its
deferred re-filing of pools keep the schedule of the heapq reference bench/ref_fair.py bit
for bit, where a pool holds hundreds of ready stages at once, or dozens of pools wait at
once, and then drain."""

from __future__ import annotations

import numpy as np
import pytest
from bench_refs import fair_finish, load_bench

HEAPQ = load_bench("ref_fair")


def _bursts(
    rng, n: int, burst: int, max_size: int, ties: bool, tie_gaps: tuple[int, int], burst_gap: float, gap: float
):
    """``n`` jobs of 1 to ``max_size`` tasks, alternating runs of ``burst`` jobs arriving within
    a fraction of a second (mean gap ``burst_gap``; 0 with ``ties``) and of sparse arrivals
    (mean gap ``gap``; integers in ``tie_gaps`` [lo, hi) with ``ties``, then integer durations
    too):
    (offsets, durations, submit times)."""
    sizes = rng.integers(1, max_size + 1, size=n)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    m = int(offsets[-1])
    in_burst = (np.arange(n) // burst) % 2 == 0
    if ties:
        dur = rng.integers(1, 4, size=m).astype(float)
        gaps = np.where(in_burst, 0.0, rng.integers(*tie_gaps, size=n).astype(float))
    else:
        dur = rng.exponential(1.0, size=m)
        gaps = np.where(in_burst, rng.exponential(burst_gap, size=n), rng.exponential(gap, size=n))
    return offsets, dur, np.cumsum(gaps)


def bursty(seed: int, *, ties: bool):
    """Bursts of 300 jobs within a fraction of a second, most of them user 0's (a pool with
    well over 64 ready stages), between sparse arrivals that drain the queue; with `ties`,
    integer durations and arrival times (many equal running counts and shares)."""
    rng = np.random.default_rng(seed)
    n = 900
    offsets, dur, submit = _bursts(rng, n, 300, 5, ties, tie_gaps=(2, 8), burst_gap=0.002, gap=4.0)
    user = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 6, size=n))
    assert int((user[:300] == 0).sum()) > 64
    return 4, user.tolist(), submit.tolist(), offsets.tolist(), dur.tolist()


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_ujf_with_a_pool_of_hundreds_of_ready_stages(seed, ties):
    args = bursty(500 + seed, ties=ties)
    assert fair_finish("ujf", *args) == HEAPQ.simulate("ujf", *args)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_fair_default_pool_is_fifo_with_hundreds_queued(seed, ties):
    """Every user in Spark's `default` pool (FIFO inside): FAIR hands out cores as FIFO."""
    args = bursty(600 + seed, ties=ties)
    assert fair_finish("fair", *args) == HEAPQ.simulate("fifo", *args)


def many_pools(seed: int, *, ties: bool, users: int = 40):
    """Bursts of 400 jobs of ``users`` users each within a fraction of a second (dozens of
    pools with ready stages, past the 16 kept unsorted) between sparse arrivals that drain
    the queue to a few pools and none; with `ties`, integer durations and arrival times."""
    rng = np.random.default_rng(seed)
    n = 1200
    offsets, dur, submit = _bursts(rng, n, 400, 4, ties, tie_gaps=(1, 4), burst_gap=0.001, gap=2.0)
    user = rng.integers(0, users, size=n)
    assert len(set(user[:400].tolist())) > 16
    return 6, user.tolist(), submit.tolist(), offsets.tolist(), dur.tolist()


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_ujf_with_dozens_of_pools_waiting(seed, ties):
    args = many_pools(700 + seed, ties=ties)
    assert fair_finish("ujf", *args) == HEAPQ.simulate("ujf", *args)
