"""schedkit.flowtime: schedules computed by hand for every built-in policy, user-defined
rules, and the policy registry."""

from __future__ import annotations

import pytest

from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import POLICIES, Jobs, simulate

BUILTIN = list(POLICIES)


def completion(jobs, policy, machines=1, **kw):
    return simulate(jobs, policy=policy, machines=machines, **kw).completion.tolist()


THREE = Jobs([0, 1, 2], [[3], [1], [2]])


@pytest.mark.parametrize(
    "policy, expected",
    [
        # SRPT: J0 0-1, J1 1-2, tie J0/J2 (2 left each) to the earlier release: J0 2-4, J2 4-6.
        ("srpt", [4, 2, 6]),
        ("op_srpt", [4, 2, 6]),
        # Non-preemptive SPT and FCFS: J0 0-3, J1 3-4, J2 4-6.
        ("spt", [3, 4, 6]),
        ("fcfs", [3, 4, 6]),
        # RR: J0 alone to 1; two at 1/2 to 2; three at 1/3, J1 done 3.5; two at 1/2: J0 5.5, J2 6.
        ("rr", [5.5, 3.5, 6]),
        # SETF: J1 alone 1-2; J2 alone 2-3 reaches J0's level 1; they share, J2 done 5, J0 6.
        ("setf", [6, 2, 5]),
        # LAPS(1/2): the one latest job runs: J1 1-2, J2 2-4, J0 4-6.
        ("laps", [6, 2, 4]),
        # MLF(base 1): J0 0-1 to queue 1; J1 1-2; J2 2-3 to queue 1 behind J0; J0 3-5; J2 5-6.
        ("mlf", [5, 2, 6]),
        # HDF with unit weights = 1/p: J1 (1) then J2 (1/2) before J0 (1/3).
        ("hdf", [6, 2, 4]),
        # chunk(2, 2): priority max(S, 2M) - W: at 1 J0 has 5 vs J1 2; at 2 J2 has 4 < 5.
        ("chunk", [6, 2, 4]),
    ],
)
def test_three_jobs_by_hand(policy, expected):
    assert completion(THREE, policy) == expected


def test_sprpt_variants_by_hand():
    # p = 4, 1, 1 at r = 0, 0, 1; estimates 1, 3, 2 (job 0 overruns its estimate).
    jobs = Jobs([0, 0, 1], [4, 1, 1], estimate=[1, 3, 2])
    assert completion(jobs, "sprpt") == [4, 6, 5]  # J0's key 1 - attained goes negative
    assert completion(jobs, "sprpt", variant="clamped") == [4, 6, 5]  # overrun: key 0, FIFO
    assert completion(jobs, "sprpt", variant="class") == [4, 5, 6]  # classes 0, 1, 1; FIFO
    with pytest.raises(InvalidInstanceError, match="estimate"):
        simulate(Jobs([0], [1]), policy="sprpt")


def test_two_machines_by_hand():
    jobs = Jobs([0, 0, 0], [1, 2, 3])
    assert completion(jobs, "srpt", 2) == [1, 2, 4]
    assert completion(jobs, "rr", 2) == [1.5, 2.5, 3.5]  # rate 2/3 each, then 1 each
    assert completion(jobs, "setf", 2) == [1.5, 2.5, 3.5]
    assert completion(jobs, "laps", 2) == [3, 2, 3]  # the 2 latest at rate 1, then J0 and J2
    assert completion(jobs, "fcfs", 2) == [1, 2, 4]
    # max(SRPT at speed 2: 0.5 + 1.5 + 3 = 5, Σ p = 6)
    assert jobs.lower_bound(machines=2) == 6.0
    # SETF water-filling: J1, J2 (level 0) get both machines until level 1 = J0's level.
    assert completion(Jobs([0, 1, 1], [4, 1, 4]), "setf", 2) == [5, 2, 5]


def test_gradually_revealed_by_hand():
    jobs = Jobs([0, 0], [[1, 10], [2]])
    assert completion(jobs, "srpt") == [13, 2]  # totals 11 vs 2
    assert completion(jobs, "op_srpt") == [13, 3]  # the revealed 1 < 2, then 10 > 2
    assert completion(jobs, "chunk") == [13, 3]  # 10 > 2 x 1 starts a new chunk
    assert completion(jobs, "rr") == [13, 4]
    # Uniform obligatory tests (test length 1, then the revealed part).
    tests = Jobs([0, 0], [[1, 5], [1, 1]])
    assert completion(tests, "op_srpt") == [8, 3]
    assert completion(tests, "chunk", known_count=True) == [8, 3]
    assert completion(tests, "srpt") == [8, 2]


def test_weighted_by_hand():
    jobs = Jobs([0, 0], [2, 1], weight=[3, 1])
    r = simulate(jobs, policy="hdf")
    assert r.completion.tolist() == [2, 3]
    assert r.total_weighted_flow_time == 3 * 2 + 1 * 3
    assert simulate(jobs, policy="srpt").total_weighted_flow_time == 3 * 3 + 1 * 1
    late = Jobs([0, 1], [2, 1], weight=[3, 5])
    assert completion(late, "hdf", remaining=True) == [3, 2]  # at 1: 5/1 > 3/1


def test_mlf_by_hand():
    # J0 (10) in queue 1 from t = 1; J1 (2) at 2: J1 2-3 -> queue 1 (entry 3); J0 (entry 1)
    # 3-4 reaches 3 -> queue 2; J1 4-5; J0 5-12.
    assert completion(Jobs([0, 2], [10, 2]), "mlf") == [12, 5]
    # base 4: J1's first quantum is 4 >= its size.
    assert completion(Jobs([0, 2], [10, 2]), "mlf", base=4) == [12, 6]


def test_user_policy_by_hand():
    jobs = Jobs([0, 0], [[1, 10], [2]])
    op_srpt = lambda v: v.op_size - v.op_attained  # noqa: E731
    assert completion(jobs, op_srpt) == [13, 3]
    # Least attained with a quantum of 0.25: round robin in slices.
    las = lambda v: v.attained  # noqa: E731
    assert completion(Jobs([0, 0], [1, 1]), las, information="nonclairvoyant", quantum=0.25) == [1.75, 2.0]


def test_registry():
    assert BUILTIN == ["srpt", "spt", "hdf", "fcfs", "rr", "setf", "laps", "mlf", "op_srpt", "chunk", "sprpt"]
    jobs = Jobs([0, 1, 2], [[3], [1], [2]])
    assert POLICIES["laps"](jobs, beta=1.0).completion.tolist() == simulate(jobs, policy="rr").completion.tolist()
    assert POLICIES["chunk"].params == {"gamma": 2.0, "c": 2.0, "known_count": False}
    assert {p.information for p in POLICIES.values()} == {"clairvoyant", "nonclairvoyant", "revealed", "estimated"}
