"""How the calibration measures a simulated run: as the UWFQ authors' analysis measured their
Spark runs (a user's mean pools the job groups of every user whose name contains it).

The rule is read from their analysis (spark-benchmark-tool, ``results/benchmark_classes.py``,
``User.get_event_data``: ``if self.name in jobgroup``); the data tests below check that their
own run tables obey it exactly, job counts and means, and do not obey the per-user reading.
"""

from __future__ import annotations

import csv

import pytest

from schedkit import data, fair
from schedkit.exceptions import InvalidInstanceError
from schedkit.experiments import calibrate_spark as cs


def test_authors_means_hand_computed():
    # user_1 collects its own two jobs and user_10's; user_3 has none and is left out;
    # user_10's job counts twice in the overall mean: (2 + 6 + 4 + 6 + 5) / 5.
    mean, per_user = cs.authors_means(
        ["user_1", "user_10", "user_2", "user_1"], [2.0, 6.0, 5.0, 4.0], ["user_1", "user_2", "user_3"]
    )
    assert per_user == {"user_1": pytest.approx(4.0), "user_10": 6.0, "user_2": 5.0}
    assert mean == pytest.approx(4.6)


def test_authors_means_without_nested_names_are_the_plain_means():
    users = ["user1_small", "user2_power", "user1_small", "user3_small"]
    rts = [1.0, 8.0, 3.0, 4.0]
    mean, per_user = cs.authors_means(users, rts, ["user1_small", "user2_power", "user3_small"])
    assert mean == pytest.approx(4.0)
    assert per_user == {"user1_small": 2.0, "user2_power": 8.0, "user3_small": 4.0}


def test_authors_means_no_jobs_is_an_error():
    with pytest.raises(InvalidInstanceError, match="users"):
        cs.authors_means([], [], ["user_1"])


def test_measure_views():
    t = cs.measured("4_super_small_users")[0]
    r = cs.simulate("4_super_small_users", t.policy, t.partition, None)
    s = r.summary()
    plain = cs.measure(t, r, "plain")
    assert plain[0] == pytest.approx(s["mean_response_time"])
    # four users, none of whose names contains another: both views agree
    authors = cs.measure(t, r, "authors")
    assert authors[0] == pytest.approx(plain[0])
    assert authors[1] == pytest.approx(plain[1])
    with pytest.raises(InvalidInstanceError, match="view"):
        cs.measure(t, r, "per-job")


def _own_counts(scenario: str) -> dict[str, int]:
    u = fair.run_scenario(scenario, policy="fifo").users().to_pydict()
    return dict(zip(u["user"], u["jobs"]))


@pytest.mark.parametrize(
    ("scenario", "table", "n"), [("google_hetero", "hetero_macro", 27), ("google_homo", "homo_macro", 25)]
)
def test_authors_tables_obey_the_substring_rule(scenario, table, n):
    own = _own_counts(scenario)
    names = [f"user_{i}" for i in range(1, n + 1)]
    pooled = {u: sum(c for v, c in own.items() if u in v) for u in names}
    assert pooled["user_1"] > own.get("user_1", 0)  # the rule changes something here
    with open(data.path(f"uwfq_runs/{table}_run_data_avg.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    for row in rows:
        # Their per-user job-group counts: the DVR/DSR counts accumulate over users (the
        # per-class counts are 0 here: trace jobs are of no Loop class), so consecutive
        # differences are each user's count. They equal the pooled counts, not the own ones.
        assert float(row["loop1000_ violation count"]) + float(row["loop1000_ slack count"]) == 0
        prev = 0.0
        for u in names:
            cum = float(row[f"{u} violation count"]) + float(row[f"{u} slack count"])
            assert cum - prev == pytest.approx(pooled[u], abs=1e-9), (row["Scheduler"], u)
            prev = cum
        # Their overall mean is the pooled-count-weighted mean of their user means.
        means = {u: float(row[f"{u} average response time"]) for u in names if pooled[u]}
        weighted = sum(pooled[u] * m for u, m in means.items()) / sum(pooled[u] for u in means)
        assert weighted == pytest.approx(float(row["average response time"]), rel=1e-9)
        own_weighted = sum(own.get(u, 0) * m for u, m in means.items()) / sum(own.get(u, 0) for u in means)
        assert own_weighted != pytest.approx(float(row["average response time"]), rel=1e-3)
