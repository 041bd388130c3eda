"""The UWFQ rule the calibration runs with: a new job of a user who has left the virtual
system starts its chain at the current virtual time (``calibrate_spark.AUTHORS_GRACE`` = 0),
as the authors' ``UserClusterFairScheduler`` does (a returning user is never revived at its
old chain end for a new job group)."""

from __future__ import annotations

import pytest

import schedkit as sk
from schedkit.experiments import calibrate_spark as cs

# One core (V advances at 1 / active users). A submits a1 (2 s) and B b1 (10 s) at 0:
# deadlines 2 and 10, a1 runs 0-2, b1 2-12 (one task, never preempted). V reaches A's chain
# end 2 at t = 4 (rate 1/2), so A leaves the virtual system. B alone from 4: V(4.4) = 2.4.
# C arrives at 4.4 with 0.8 s: deadline 2.4 + 0.8 = 3.2. From 4.4, rate 1/2: V(4.5) = 2.45.
# A returns at 4.5 with a2 (1 s): with a grace of 3 s (1.5 virtual units on one core) it is
# within grace (2.45 - 2 = 0.45), keeps its old start 2 and gets deadline 3.0 < 3.2, so a2
# runs 12-13 and c1 13-13.8; with no grace it starts at V = 2.45, deadline 3.45 > 3.2, so c1
# runs 12-12.8 and a2 12.8-13.8.
TRACE = sk.trace.from_jobs([0, 1, 2, 3], ["A", "B", "C", "A"], [0.0, 0.0, 4.4, 4.5], [2.0, 10.0, 0.8, 1.0])


@pytest.mark.parametrize(
    ("grace", "finish"),
    [(3.0, [2.0, 12.0, 13.8, 13.0]), (cs.AUTHORS_GRACE, [2.0, 12.0, 12.8, 13.8])],
)
def test_returning_user_hand_computed(grace, finish):
    r = sk.fair.replay(TRACE, policy="uwfq", cores=1, grace=grace, record_tasks=True)
    r.validate()
    assert r.jobs.column("finish_time").to_pylist() == pytest.approx(finish)


def test_calibration_runs_uwfq_without_grace():
    assert cs.AUTHORS_GRACE == 0.0
    ours = cs.simulate("2_power_2_small_users", "uwfq", False, None).jobs
    ref = sk.fair.run_scenario("2_power_2_small_users", policy="uwfq", grace=0.0).jobs
    assert ours.column("finish_time").to_pylist() == ref.column("finish_time").to_pylist()
    # the rule matters on this scenario (the default grace gives another schedule)
    other = sk.fair.run_scenario("2_power_2_small_users", policy="uwfq").jobs
    assert ours.column("finish_time").to_pylist() != other.column("finish_time").to_pylist()
