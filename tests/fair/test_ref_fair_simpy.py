"""bench/ref_fair_simpy.py (the SimPy reference of FIFO and UJF) agrees with the heapq
reference bench/ref_fair.py and with schedkit.fair: hand-computed cases, seeded random
workloads (continuous times; integer times full of ties; zero-length tasks)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("simpy")

from bench_refs import fair_finish, load_bench

SIMPY = load_bench("ref_fair_simpy")
HEAPQ = load_bench("ref_fair")


def workload(seed: int, *, ties: bool = False, zeros: bool = False):
    """(user, submit, offsets, durations, cores), jobs in (submit, id) order."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 201))
    cores = int(rng.integers(1, 9))
    sizes = rng.integers(1, 9, size=n)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    m = int(offsets[-1])
    user = rng.integers(0, 3, size=n)
    if ties:  # small integers: many completions and arrivals at equal times
        dur = rng.integers(0 if zeros else 1, 4, size=m).astype(float)
        gaps = rng.integers(0, 3, size=n).astype(float)
    else:
        dur = rng.exponential(1.0, size=m)
        gaps = rng.exponential(sizes.mean() / (0.9 * cores), size=n)
    submit = np.cumsum(gaps)
    return user.tolist(), submit.tolist(), offsets.tolist(), dur.tolist(), cores


# --------------------------------------------------------------------------- hand-computed

# 2 cores. job0 (user 0): tasks [2, 2, 2] at t=0 takes both cores; job1 (user 1): one 1-s task
# at t=0.5 waits. At t=2 the two completions get one offer round each, in job order:
# FIFO: first round -> job0's last task (2..4), second round -> job1 (2..3).
# UJF:  first round: user 1 (0 running) before user 0 (1 running) -> job1 (2..3); second
#       round -> job0's last task (2..4). Same finish times: job0 4, job1 3.
# With four 2-s tasks in job0: FIFO gives both t=2 rounds to job0 (2..4, 2..4), job1 runs 4..5;
# UJF gives the first to job1 (2..3), the second to job0 (2..4), job0's last runs 3..5.
HAND = [
    ([2.0, 2.0, 2.0], "fifo", [4.0, 3.0]),
    ([2.0, 2.0, 2.0], "ujf", [4.0, 3.0]),
    ([2.0, 2.0, 2.0, 2.0], "fifo", [4.0, 5.0]),
    ([2.0, 2.0, 2.0, 2.0], "ujf", [5.0, 3.0]),
]


@pytest.mark.parametrize("tasks, policy, expected", HAND)
def test_hand_computed(tasks, policy, expected):
    args = (2, [0, 1], [0.0, 0.5], [0, len(tasks), len(tasks) + 1], tasks + [1.0])
    assert SIMPY.simulate(policy, *args) == expected
    assert HEAPQ.simulate(policy, *args) == expected
    assert fair_finish(policy, *args) == expected


def test_zero_length_completion_before_arrival_at_equal_time():
    # 1 core. job0 (user 0) runs 0..1; at t=1 arrive job1 (user 0, one 0-s task), job2
    # (user 1, 3 s) and job3 (user 0, 1 s). job0's completion is handled before job1's arrival,
    # which launches job1 at 1; job1's completion (due at 1) is handled before job2's arrival,
    # so job2 alone is ready when the core frees and runs 1..4, job3 4..5. Had the arrivals of
    # job2 and job3 come first, UJF would have given the core to user 0 (index tie) -> job3.
    args = (1, [0, 0, 1, 0], [0.0, 1.0, 1.0, 1.0], [0, 1, 2, 3, 4], [1.0, 0.0, 3.0, 1.0])
    for policy in ("fifo", "ujf"):
        assert SIMPY.simulate(policy, *args) == [1.0, 1.0, 4.0, 5.0]
        assert HEAPQ.simulate(policy, *args) == [1.0, 1.0, 4.0, 5.0]
        assert fair_finish(policy, *args) == [1.0, 1.0, 4.0, 5.0]


def test_empty():
    assert SIMPY.simulate("fifo", 4, [], [], [0], []) == []


def test_bad_policy():
    with pytest.raises(ValueError):
        SIMPY.simulate("sjf", 1, [0], [0.0], [0, 1], [1.0])


# --------------------------------------------------------------------------- random workloads


@pytest.mark.parametrize("policy", ["fifo", "ujf"])
@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_heapq_reference(policy, seed):
    user, submit, offsets, dur, cores = workload(seed)
    got = SIMPY.simulate(policy, cores, user, submit, offsets, dur)
    ref = HEAPQ.simulate(policy, cores, user, submit, offsets, dur)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)
    assert got == ref  # in fact bit-identical


@pytest.mark.parametrize("zeros", [False, True])
@pytest.mark.parametrize("policy", ["fifo", "ujf"])
@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_heapq_reference_at_ties(policy, seed, zeros):
    user, submit, offsets, dur, cores = workload(100 + seed, ties=True, zeros=zeros)
    got = SIMPY.simulate(policy, cores, user, submit, offsets, dur)
    assert got == HEAPQ.simulate(policy, cores, user, submit, offsets, dur)
    assert got == fair_finish(policy, cores, user, submit, offsets, dur)


@pytest.mark.parametrize("policy", ["fifo", "ujf"])
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_schedkit(policy, seed):
    user, submit, offsets, dur, cores = workload(200 + seed)
    got = SIMPY.simulate(policy, cores, user, submit, offsets, dur)
    np.testing.assert_allclose(got, fair_finish(policy, cores, user, submit, offsets, dur), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_ujf_agrees_with_heapq_reference_with_hundreds_of_ready_users(seed):
    """300 users, bursts of 400 jobs within a few seconds (several hundred users with ready
    work at once on 4 cores) alternating with sparse arrivals that drain the queue: the
    engine's user order switches from its small sorted vector (up to 128 users) to an
    ordered set and back, and the schedule must stay the reference's, bit for bit."""
    rng = np.random.default_rng(300 + seed)
    n = 1200
    sizes = rng.integers(1, 5, size=n)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    dur = rng.exponential(1.0, size=int(offsets[-1]))
    burst = (np.arange(n) // 400) % 2 == 0
    submit = np.cumsum(np.where(burst, rng.exponential(0.01, size=n), rng.exponential(5.0, size=n)))
    user = rng.integers(0, 300, size=n)
    args = (4, user.tolist(), submit.tolist(), offsets.tolist(), dur.tolist())
    assert len(set(user[:400].tolist())) > 128
    assert fair_finish("ujf", *args) == HEAPQ.simulate("ujf", *args)
