"""A job's given estimate (a trace's ``estimate`` column, core-s): what CFQ, UWFQ and the
partitioner read in place of the executed work. Hand-computed reorderings, the column equal to
the work giving exactly the plain results, bad values named by row, and the authors' estimates
of the Spark overhead model."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._spark_jobs import AUTHORS_ORACLE, spark_structure


def three_jobs(estimate: list[float] | None) -> pa.Table:
    """One user submits jobs of one task of 3, 1 and 2 s at t = 0."""
    t = sk.trace.from_jobs([0, 1, 2], ["a", "a", "a"], [0.0, 0.0, 0.0], [3.0, 1.0, 2.0])
    return t if estimate is None else t.append_column("estimate", pa.array(estimate))


def finish(r: sk.fair.Result) -> list[float]:
    return r.jobs.column("finish_time").to_pylist()


@pytest.mark.parametrize("policy", ["cfq", "uwfq"])
def test_an_estimate_reorders_cfq_and_uwfq_against_the_work(policy):
    # One core; job 0 starts at once. Told the work, the 1-s job runs next (finishes 3, 4,
    # 6). Told 1, 3 and 2 core-s, job 2 (estimate 2) goes before job 1 (estimate 3): job 2
    # ends at 3 + 2 = 5, job 1 at 5 + 1 = 6; the tasks still take their own durations.
    assert finish(sk.fair.replay(three_jobs(None), policy=policy, cores=1)) == [3.0, 4.0, 6.0]
    r = sk.fair.replay(three_jobs([1.0, 3.0, 2.0]), policy=policy, cores=1, record_tasks=True).validate()
    assert finish(r) == [3.0, 6.0, 5.0]
    assert r.jobs.column("estimate").to_pylist() == [1.0, 3.0, 2.0]
    assert r.jobs.column("work").to_pylist() == [3.0, 1.0, 2.0]


def test_the_oracle_sjf_keeps_the_true_work():
    r = sk.fair.replay(three_jobs([1.0, 3.0, 2.0]), policy="sjf", cores=1)
    assert finish(r) == [3.0, 4.0, 6.0]


def test_an_estimate_sets_the_partition_count():
    # tau = 0.5: the 1-s job told 3 core-s becomes 6 tasks of 1/6 s, not 2 of 1/2 s.
    r = sk.fair.replay(three_jobs([3.0, 3.0, 2.0]), policy="fifo", cores=2, partition=True, tau=0.5)
    assert r.jobs.column("n_tasks").to_pylist() == [6, 6, 4]


@pytest.mark.parametrize("policy", sorted(sk.fair.POLICIES))
@pytest.mark.parametrize("estimate", ["oracle", "noisy"])
def test_an_estimate_equal_to_the_work_changes_nothing(policy, estimate):
    t = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
    kw = dict(policy=policy, cores=64, estimate=estimate, partition=True, tau=5.0, seed=3)
    if policy == "drf":
        kw |= dict(cluster="resources")
    plain = sk.fair.replay(t, **kw)
    # each job's work as the engine summed it (the plain run's), on every row of the job
    lookup = dict(zip(plain.jobs.column("job_id").to_pylist(), plain.jobs.column("work").to_pylist()))
    col = pa.array([lookup[j] for j in t.column("job_id").to_pylist()], pa.float64())
    given = sk.fair.replay(t.append_column("estimate", col), **kw)
    assert given.jobs.equals(plain.jobs)


@pytest.mark.parametrize(
    ("values", "row"),
    [([1.0, 0.0, 2.0], 1), ([1.0, 2.0, -1.0], 2), ([float("nan"), 1.0, 2.0], 0), ([1.0, float("inf"), 2.0], 1)],
)
def test_a_bad_estimate_in_a_table_names_its_row(values, row):
    with pytest.raises(InvalidInstanceError, match=rf"estimate\[{row}\]: must be finite and > 0") as e:
        sk.fair.replay(three_jobs(values), policy="cfq", cores=1)
    assert (e.value.field, e.value.index) == ("estimate", row)


def test_a_missing_estimate_in_a_table_names_its_row():
    t = three_jobs(None).append_column("estimate", pa.array([1.0, None, 2.0], pa.float64()))
    with pytest.raises(InvalidInstanceError) as e:
        sk.fair.replay(t, policy="cfq", cores=1)
    assert (e.value.field, e.value.index) == ("estimate", 1)


def test_a_bad_estimate_in_a_file_names_its_row(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("job_id,user,submit_time,task_id,duration,estimate\n0,a,0,0,3,1\n1,a,0,0,1,-2\n2,a,0,0,2,2\n")
    with pytest.raises(InvalidInstanceError, match="row 2: estimate: must be finite and > 0") as e:
        sk.fair.replay(p, policy="cfq", cores=1)
    assert (e.value.field, e.value.index) == ("estimate", 2)
    p.write_text("job_id,user,submit_time,task_id,duration,estimate\n0,a,0,0,3,1\n1,a,0,0,1,3\n2,a,0,0,2,2\n")
    assert finish(sk.fair.replay(p, policy="cfq", cores=1)) == [3.0, 6.0, 5.0]


def test_historic_estimates_refuse_a_given_one():
    with pytest.raises(InvalidInstanceError, match="historic") as e:
        sk.fair.replay(three_jobs([1.0, 3.0, 2.0]), policy="cfq", cores=1, estimate="historic")
    assert e.value.field == "estimate"


def test_a_job_estimate_is_its_first_rows():
    # two tasks of job 0 disagree: the job's is its first row's, as for user, class and pool
    t = sk.trace.from_jobs([0, 0, 1], ["a", "a", "a"], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    t = t.append_column("estimate", pa.array([5.0, 7.0, 1.0]))
    r = sk.fair.replay(t, policy="cfq", cores=1)
    assert r.jobs.column("estimate").to_pylist() == [5.0, 1.0]


# --------------------------------------------------------------------------------------
# The authors' estimates in the Spark overhead model


@pytest.mark.parametrize(
    ("scenario", "told"), [("2_large_2_small_users", {26.926, 111.115}), ("4_super_small_users", {1.523})]
)
def test_authors_estimates_are_their_oracle_constants_for_loop_jobs(scenario, told):
    # Loop1000 is told 111.115 core-s (their estimator's constant), not the simulator's 131.115
    w = sk.fair.scenario_workload(scenario)
    o = sk.fair.SparkOverheads(setup_tasks=32, setup_task=0.02, spark_splits=True, authors_estimates=True)
    s = spark_structure(w, o, split=False)
    want = [AUTHORS_ORACLE[w.class_names[c]] for c in w.batch.job_class]
    assert s.batch.job_estimate is not None
    assert s.batch.job_estimate.tolist() == want
    assert set(want) == told
    # Spark's own orders read no estimate: none is carried
    assert spark_structure(w, o, split=True).batch.job_estimate is None
    # off: none
    assert spark_structure(w, sk.fair.SparkOverheads(spark_splits=True), split=False).batch.job_estimate is None


@pytest.mark.parametrize("scenario", ["google_hetero", "google_homo"])
def test_authors_estimates_are_4_3_times_the_groups_job_runtime(scenario):
    spec = json.loads(sk.trace.bundled(sk.fair.SCENARIOS[scenario]).read_text())
    runtime: dict[str, float] = {}
    for u in spec:
        for wl in u["workloads"]:
            runtime[wl["workloadName"]] = float(wl["params"]["job_runtime_s"])
    w = sk.fair.scenario_workload(scenario)
    o = sk.fair.SparkOverheads(spark_splits=True, scan_work=5.0, iteration_work=0.4, authors_estimates=True)
    s = spark_structure(w, o, split=False, spark_job_tasks=32)
    assert s.batch.job_estimate is not None
    got = dict(zip([w.class_names[c] for c in w.batch.job_class], s.batch.job_estimate.tolist()))
    assert got.keys() == runtime.keys()
    for name, rt in runtime.items():
        assert got[name] == pytest.approx(4.3 * rt, rel=1e-12)


def test_authors_estimates_change_uwfq_not_spark_fifo():
    o = sk.fair.SparkOverheads.calibrated()
    on, off = (dataclasses.replace(o, authors_estimates=v) for v in (True, False))
    a, b = (sk.fair.run_scenario("google_homo", policy="uwfq", overheads=x) for x in (on, off))
    assert not a.jobs.column("finish_time").equals(b.jobs.column("finish_time"))
    for pol in ("fair", "ujf"):
        a, b = (sk.fair.run_scenario("google_homo", policy=pol, overheads=x) for x in (on, off))
        assert a.jobs.equals(b.jobs)
