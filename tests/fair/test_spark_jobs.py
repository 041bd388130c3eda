"""The Spark job structure of the overhead model (setup Spark job before each job, who
sees it as a Spark job and who as a stage) and the CFQ whole-job-estimate rule: hand-computed
cases, the validator, and the model off = today's results."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._model import Batch, Workload

Over = sk.fair.SparkOverheads


def two_jobs(main: float) -> Workload:
    """Users a and b each submit one job of one `main`-second task at t = 0."""
    b = Batch(
        job_id=np.array([0, 1]),
        user=np.array([0, 1]),
        submit=np.zeros(2),
        after=np.array([-1, -1]),
        think=np.zeros(2),
        job_class=np.zeros(2, dtype=np.int64),
        task_offsets=np.array([0, 1, 2]),
        durations=np.array([main, main]),
    )
    return Workload(b, ["a", "b"], ["c"])


def two_cores(**terms) -> sk.fair.SparkOverheads:
    return Over(**terms, executors=1, executor_cores=2)


def run(w: Workload, policy: str, o: sk.fair.SparkOverheads) -> sk.fair.Result:
    return sk.fair.simulate(w, policy=policy, cores=2, overheads=o, record_tasks=True).validate()


def finish(r: sk.fair.Result) -> list[float]:
    return [round(v, 9) for v in r.jobs.column("finish_time").to_pylist()]


def test_setup_job_is_a_stage_for_the_group_keyed_schedulers():
    # 2 cores; each job: setup of 2 x 0.5 s, then its 1-s task. T-FIFO keys on the group:
    # setup 0 runs 0-0.5; at 0.5 job 0's query (key of job 0) beats setup 1: query 0 runs
    # 0.5-1.5, setup 1 gets the other core 0.5-1.0 and 1.0-1.5; query 1 runs 1.5-2.5.
    r = run(two_jobs(1.0), "fifo", two_cores(setup_tasks=2, setup_task=0.5))
    assert finish(r) == [1.5, 2.5]
    assert r.jobs.column("n_tasks").to_pylist() == [3, 3]
    assert r.jobs.column("work").to_pylist() == [2.0, 2.0]


def test_setup_job_is_a_spark_job_for_spark_fifo():
    # Spark's FIFO (policy fair, default pool) orders Spark jobs: query 0 is submitted at 0.5,
    # after setup 1, so setup 1 takes both cores 0.5-1.0 and both queries run 1.0-2.0.
    r = run(two_jobs(1.0), "fair", two_cores(setup_tasks=2, setup_task=0.5))
    assert finish(r) == [2.0, 2.0]
    # one row per benchmark job, its response time from the setup's submission
    assert r.jobs.column("job_id").to_pylist() == [0, 1]
    assert r.jobs.column("response_time").to_pylist() == [2.0, 2.0]
    assert r.jobs.column("n_tasks").to_pylist() == [3, 3]
    assert r.tasks.num_rows == 6


def test_cfq_whole_job_estimate_puts_later_stages_behind_earlier_first_stages():
    # 2 cores, jobs of setup 2 x 0.5 s then a 0.25-s query (estimate 1.25 core-s). CFQ,
    # v rising at C / stages = 1 until 0.5: setups' deadlines 1.0 (share) or 1.25 (whole).
    # Query 0 is ready at 0.5 (v = 0.5): share rule 0.5 + 0.25 = 0.75 < 1.0, it goes first
    # (ends 0.75; setup 1 runs 0.5-1.0 and 0.75-1.25, query 1 1.25-1.5); whole-job rule
    # 0.5 + 1.25 = 1.75 > 1.25: setup 1 takes both cores 0.5-1.0, the queries run 1.0-1.25.
    w = two_jobs(0.25)
    share = run(w, "cfq", two_cores(setup_tasks=2, setup_task=0.5))
    whole = run(w, "cfq", two_cores(setup_tasks=2, setup_task=0.5, cfq_job_estimate=True))
    assert finish(share) == [0.75, 1.5]
    assert finish(whole) == [1.25, 1.25]
    # the rule is CFQ's only
    for policy in ("fifo", "uwfq", "fair", "ujf"):
        a = run(w, policy, two_cores(setup_tasks=2, setup_task=0.5))
        b = run(w, policy, two_cores(setup_tasks=2, setup_task=0.5, cfq_job_estimate=True))
        assert a.jobs.equals(b.jobs), policy


@pytest.mark.parametrize("policy", ["fair", "ujf", "fifo", "cfq", "uwfq"])
@pytest.mark.parametrize("partition", [False, True])
def test_scenarios_with_the_structure_validate(policy, partition):
    o = Over(job_service=0.05, task_launch=0.01, setup_tasks=32, setup_task=0.2, cfq_job_estimate=True)
    for sc in ("4_large_users", "4_super_small_users"):  # closed-loop and burst users
        r = sk.fair.run_scenario(sc, policy=policy, partition=partition, overheads=o, record_tasks=True)
        r.validate()
        plain = sk.fair.run_scenario(sc, policy=policy, partition=partition)
        assert r.jobs.num_rows == plain.jobs.num_rows
        assert r.jobs.column("job_id").equals(plain.jobs.column("job_id"))
        # every job carries its setup's work on top of its own
        extra = r.jobs.column("work").to_numpy() - plain.jobs.column("work").to_numpy()
        assert extra == pytest.approx(np.full(len(extra), 32 * 0.2))


def test_closed_loop_successor_waits_for_the_query():
    # 4_large_users is sequential: a user's next job (its setup) starts after the previous
    # job's query, so per user the jobs never overlap
    o = Over(setup_tasks=4, setup_task=0.1)
    for policy in ("fair", "fifo"):
        j = sk.fair.run_scenario("4_large_users", policy=policy, overheads=o).jobs
        for u in set(j.column("user").to_pylist()):
            m = np.asarray(j.column("user").to_pylist()) == u
            s, f = j.column("submit_time").to_numpy()[m], j.column("finish_time").to_numpy()[m]
            assert (s[1:] >= f[:-1] - 1e-9).all(), policy


@pytest.mark.parametrize(
    "terms, field",
    [
        (dict(setup_tasks=-1), "overheads.setup_tasks"),
        (dict(setup_tasks=10_001, setup_task=0.1), "overheads.setup_tasks"),
        (dict(setup_tasks=2.0, setup_task=0.1), "overheads.setup_tasks"),
        (dict(setup_tasks=4), "overheads.setup_task"),
        (dict(setup_tasks=4, setup_task=-0.1), "overheads.setup_task"),
        (dict(setup_task=float("nan")), "overheads.setup_task"),
        (dict(cfq_job_estimate=1), "overheads.cfq_job_estimate"),
    ],
)
def test_bad_structure_terms_name_the_field(terms, field):
    with pytest.raises(InvalidInstanceError) as e:
        Over(**terms)
    assert e.value.field == field


def test_streamed_replay_runs_without_the_structure_and_warns():
    t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    with pytest.warns(UserWarning, match="overheads.setup_tasks"):
        r = sk.fair.replay(t, cores=4, overheads=Over(job_service=0.5, setup_tasks=2, setup_task=0.1, executors=1))
    assert finish(r) == [1.5]  # the driver term ran, the setup job did not
    assert r.meta["overheads"].setup_tasks == 0
    # the CFQ rule alone streams without a warning
    sk.fair.replay(t, policy="cfq", overheads=Over(cfq_job_estimate=True))


def test_serial_task_dispatch():
    # 1 executor x 4 cores, one job of three 1-s tasks, 0.1 s to launch a task: they start
    # at 0.1, 0.2 and 0.3 and the job ends at 1.3
    t = sk.trace.from_jobs([0, 0, 0], ["a"] * 3, [0.0] * 3, [1.0] * 3)
    o = Over(task_dispatch=0.1, executors=1, executor_cores=4)
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=o, record_tasks=True).validate()
    assert r.tasks.column("start").to_pylist() == pytest.approx([0.1, 0.2, 0.3], abs=1e-12)
    assert finish(r) == [1.3]


def test_serial_dispatch_makes_the_order_matter_on_free_cores():
    # 4 cores, never full; jobs a (two 1-s tasks) at 0 and b (one) at 0.05, launch 0.1 s a
    # task, round 0.05 s. Round 1 (t=0): a's tasks at 0.15, 0.25 (round 0.05 + 0.1 each);
    # round 2 (asked at 0.05) waits for it: b's task at 0.25 + 0.05 + 0.1 = 0.4.
    t = sk.trace.from_jobs([0, 0, 1], ["a", "a", "b"], [0.0, 0.0, 0.05], [1.0, 1.0, 1.0])
    o = Over(task_dispatch=0.1, round_delay=0.05, executors=1, executor_cores=4)
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=o, record_tasks=True).validate()
    assert r.tasks.column("start").to_pylist() == pytest.approx([0.15, 0.25, 0.4], abs=1e-12)
    assert finish(r) == [1.25, 1.4]
