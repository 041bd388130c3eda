"""The Spark overhead model (sk.fair.SparkOverheads): each term on a hand-computed case, the
model with every term zero equal to the plain simulator, the validator under the model, bad
parameters, the calibrated values and the CLI header."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.experiments import calibrate_spark as cs
from schedkit.fair._model import Batch, Workload
from schedkit.fair._spark_jobs import spark_structure
from schedkit.fair._validate import check_run
from schedkit.testing.strategies import traces

Over = sk.fair.SparkOverheads


#: The policies of the slots model (every one but DRF): the model's terms are the same on
#: both cluster models, and these tests' traces carry no cpu requests, which DRF needs.
SLOT_POLICIES = [p for p in sk.fair.POLICIES if sk.fair.POLICY_CLUSTER[p] == "slots"]


def one_executor(**terms: float) -> sk.fair.SparkOverheads:
    """The model on 1 executor of 4 cores (replay with cores=4)."""
    return Over(**terms, executors=1, executor_cores=4)


def finish(r: sk.fair.Result) -> list[float]:
    return [round(v, 9) for v in r.jobs.column("finish_time").to_pylist()]


# ----------------------------------------------------------------------------- each term


def test_driver_serves_jobs_one_after_the_other():
    # three single-task jobs submitted together, driver 1 s a job: seen at 1, 2, 3 s
    t = sk.trace.from_jobs([0, 1, 2], ["a", "b", "c"], [0.0, 0.0, 0.0], [0.5, 0.25, 0.5])
    for policy in SLOT_POLICIES:
        r = sk.fair.replay(t, policy=policy, cores=4, overheads=one_executor(job_service=1.0), record_tasks=True)
        assert finish(r) == [1.5, 2.25, 3.5], policy
        # the response time counts from the submission, not from the driver's hand-over
        assert r.jobs.column("submit_time").to_pylist() == [0.0, 0.0, 0.0]
        r.validate()
    drf = sk.fair.replay(
        t.set_column(t.schema.get_field_index("cpu"), "cpu", pa.array([1.0, 1.0, 1.0])),
        policy="drf",
        cores=4,
        overheads=one_executor(job_service=1.0),
        record_tasks=True,
    )
    assert finish(drf) == [1.5, 2.25, 3.5]
    drf.validate()


def test_driver_is_free_again_after_a_gap():
    # job 1 comes after the driver emptied: it waits only its own service
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 5.0], [1.0, 1.0])
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(job_service=1.0))
    assert finish(r) == [2.0, 7.0]


def test_stage_service_before_each_stage():
    # one job, stage 0 then stage 1, one 1-s task each, 0.5 s per stage on the driver:
    # stage 0 seen at 0.5, runs to 1.5; stage 1 served 1.5 -> 2.0, runs to 3.0
    t = sk.trace.from_jobs([0, 0], ["a", "a"], [0.0, 0.0], [1.0, 1.0], stage=[0, 1])
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(stage_service=0.5), record_tasks=True)
    assert finish(r) == [3.0]
    assert r.tasks.column("start").to_pylist() == [0.5, 2.0]
    r.validate()


def test_stage_waits_behind_a_burst_of_submissions():
    # job 0 (two stages of 1 s) at t=0; jobs 1-3 (one 1-s stage) at t=0.1. Driver: job 0 with
    # its first stage 0.2 + 0.1 = 0.3; jobs 1-3 at 0.6, 0.9, 1.2; job 0's second stage asked
    # for at 1.3 (its first stage ran 0.3 -> 1.3), served 1.3 -> 1.4, runs to 2.4.
    t = sk.trace.from_jobs(
        [0, 0, 1, 2, 3], ["a", "a", "b", "c", "d"], [0.0, 0.0, 0.1, 0.1, 0.1], [1.0] * 5, stage=[0, 1, 0, 0, 0]
    )
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(job_service=0.2, stage_service=0.1))
    assert finish(r) == [2.4, 1.6, 1.9, 2.2]


def test_task_launch_latency_is_busy_time():
    # one core's worth: 4 cores, 5 tasks of 1 s, 0.25 s launch each: the fifth starts when
    # the first core frees at 1.25 and ends at 2.5
    t = sk.trace.from_jobs([0] * 5, ["a"] * 5, [0.0] * 5, [1.0] * 5)
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(task_launch=0.25), record_tasks=True)
    assert finish(r) == [2.5]
    spans = (pa.compute.subtract(r.tasks.column("end"), r.tasks.column("start"))).to_pylist()
    assert spans == pytest.approx([1.25] * 5, abs=1e-12)  # busy: work + launch
    r.validate()
    # the validator counts it as busy: without the allowance the work does not add up
    with pytest.raises(ValidationError, match="add up"):
        _check(r, launch=0.0)


def test_dispatch_rounds_are_serial():
    # 4 cores; job 0 at 0, job 1 at 0.05, one 1-s task each; a round takes 0.1 s.
    # Round 1 (t=0) launches job 0 at 0.1; round 2 (asked at 0.05) waits for it: job 1 at 0.2.
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.05], [1.0, 1.0])
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(round_delay=0.1), record_tasks=True)
    assert r.tasks.column("start").to_pylist() == pytest.approx([0.1, 0.2], abs=1e-12)
    assert finish(r) == [1.1, 1.2]
    r.validate()


def test_round_delay_holds_a_freed_core_idle():
    # 1 executor x 1 core, two 1-s jobs: the second starts one round after the first ends
    o = Over(round_delay=0.1, executors=1, executor_cores=1)
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [1.0, 1.0])
    r = sk.fair.replay(t, policy="fifo", cores=1, overheads=o, record_tasks=True)
    assert r.tasks.column("start").to_pylist() == pytest.approx([0.1, 1.2], abs=1e-12)
    r.validate()  # no core runs two tasks at once; the idle reservation is not busy time


def test_stage_lock_holds_off_the_rounds_of_its_spell():
    # 1 core, FIFO; the driver serves each one-stage job 0.5 s, the last 0.25 s of it on the
    # task-scheduler lock. Job a (0.75 s) and b (1 s) at 0, c (0.25 s) at 0.5: a is served
    # [0, 0.5] and runs [0.5, 1.25]; b is served [0.5, 1], c [1, 1.5] with the lock held
    # over [1.25, 1.5]. a ends inside that spell: the freed core stays idle until c's
    # hand-over at 1.5, whose round runs b first (FIFO), [1.5, 2.5], then c [2.5, 2.75].
    # Without the lock b starts when a ends.
    t = sk.trace.from_jobs([0, 1, 2], ["a", "b", "c"], [0.0, 0.0, 0.5], [0.75, 1.0, 0.25])
    o = Over(stage_service=0.5, stage_lock=0.25, executors=1, executor_cores=1)
    r = sk.fair.replay(t, policy="fifo", cores=1, overheads=o, record_tasks=True).validate()
    assert r.tasks.column("start").to_pylist() == [0.5, 1.5, 2.5]
    assert finish(r) == [1.25, 2.5, 2.75]
    plain = sk.fair.replay(t, policy="fifo", cores=1, overheads=replace(o, stage_lock=0.0))
    assert finish(plain) == [1.25, 2.25, 2.5]
    assert "task-scheduler lock 0.25 s a stage" in o.describe()


def test_rounds_the_lock_held_off_are_paid_after_it():
    # As above with 0.125 s a round: a is launched at 0.625 and ends at 1.375, inside c's
    # spell [1.25, 1.5]; that round waits, and the round at 1.5 pays for it and for itself
    # (Spark's offer thread then works through the queued status updates one at a time):
    # b starts at 1.5 + 2 x 0.125 = 1.75, ends 2.75; c one round later, 2.875 to 3.125.
    # Without the lock: b at 1.375 + 0.125 = 1.5, c at 2.625.
    t = sk.trace.from_jobs([0, 1, 2], ["a", "b", "c"], [0.0, 0.0, 0.5], [0.75, 1.0, 0.25])
    o = Over(stage_service=0.5, stage_lock=0.25, round_delay=0.125, executors=1, executor_cores=1)
    r = sk.fair.replay(t, policy="fifo", cores=1, overheads=o, record_tasks=True).validate()
    assert r.tasks.column("start").to_pylist() == [0.625, 1.75, 2.875]
    assert finish(r) == [1.375, 2.75, 3.125]
    plain = sk.fair.replay(t, policy="fifo", cores=1, overheads=replace(o, stage_lock=0.0), record_tasks=True)
    assert plain.tasks.column("start").to_pylist() == [0.625, 1.5, 2.625]


def test_plugin_lock_puts_the_plugin_time_on_the_lock():
    # Three one-task jobs at t = 0 (1.75, 0.5, 0.5 s) on 1 core under T-FIFO; the driver
    # serves each 0.5 s of Spark's stage service, then 0.5 s of the plug-in's: [0, 1],
    # [1, 2], [2, 3], with the plug-in on the lock over [0.5, 1], [1.5, 2], [2.5, 3]. Job 0
    # runs [1, 2.75] and ends inside the third spell with job 1 waiting: with the lock the
    # core idles until job 2's hand-over at 3 (job 1 [3, 3.5], job 2 [3.5, 4]); without it
    # job 1 runs [2.75, 3.25] and job 2 [3.25, 3.75].
    w = loop_jobs(["Loop20", "Loop20", "Loop20"], [[1.75], [0.5], [0.5]])
    o = Over(stage_service=0.5, plugin_service=0.5, executors=1, executor_cores=1)
    lock = replace(o, plugin_lock=True)
    got = sk.fair.simulate(w, policy="fifo", cores=1, overheads=lock, record_tasks=True).validate()
    assert finish(got) == [2.75, 3.5, 4.0]
    assert finish(sk.fair.simulate(w, policy="fifo", cores=1, overheads=o)) == [2.75, 3.25, 3.75]
    assert "plug-in schedulers 0.5 s a stage on the task-scheduler lock" in lock.describe()
    # Spark's own orders do not run the plug-in: the flag changes nothing under them
    _same(
        sk.fair.simulate(w, policy="fair", cores=1, overheads=lock),
        sk.fair.simulate(w, policy="fair", cores=1, overheads=o),
    )


def test_fair_default_pool_is_fair_inside():
    # 2 cores; job a: tasks of 1, 2 and 2 s; job b: one 1-s task; both at t=0. Spark's FIFO
    # default pool (pre-3.4): a takes both cores, its third task the core freed at 1 s, b the
    # one freed at 2 s -> a and b end at 3. FAIR inside (Spark >= 3.4 without an allocation
    # file): at 1 s a runs one task and b none, so b takes the freed core (1 -> 2) and a's
    # third task waits for the core freed at 2 s -> a ends at 4, b at 2. At t=0 both run none
    # and a, submitted first, takes both cores: a round's order is fixed when it starts.
    t = sk.trace.from_jobs([0, 0, 0, 1], ["a", "a", "a", "b"], [0.0] * 4, [1.0, 2.0, 2.0, 1.0])
    two = dict(executors=1, executor_cores=2)
    fifo = sk.fair.replay(t, policy="fair", cores=2, overheads=Over(**two), record_tasks=True)
    assert finish(fifo) == [3.0, 3.0]
    r = sk.fair.replay(t, policy="fair", cores=2, overheads=Over(fair_default_pool=True, **two), record_tasks=True)
    assert finish(r) == [4.0, 2.0]
    r.validate()
    # the same as configuring the default pool FAIR by hand, and nothing else
    by_hand = sk.fair.replay(t, policy="fair", cores=2, pool_config={"default": {"schedulingMode": "FAIR"}})
    assert finish(by_hand) == [4.0, 2.0]
    # a run with an allocation file (pool_config) keeps the pools it gives; other policies ignore it
    given = sk.fair.replay(
        t, policy="fair", cores=2, overheads=Over(fair_default_pool=True, **two), pool_config={"default": (1, 0, False)}
    )
    assert finish(given) == [3.0, 3.0]
    for policy in ("fifo", "ujf"):
        on = sk.fair.replay(t, policy=policy, cores=2, overheads=Over(fair_default_pool=True, **two))
        off = sk.fair.replay(t, policy=policy, cores=2, overheads=Over(**two))
        assert finish(on) == finish(off), policy
    assert "default pool FAIR inside" in Over(fair_default_pool=True).describe()


def test_fair_default_pool_with_named_pools_names_the_field():
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [1.0, 1.0])
    with pytest.raises(InvalidInstanceError) as e:
        sk.fair.replay(
            t,
            policy="fair",
            cores=4,
            overheads=Over(fair_default_pool=True, executors=1, executor_cores=4),
            pools={"a": "x"},
        )
    assert e.value.field == "overheads.fair_default_pool"
    # a trace's pool column names a pool the configuration lacks: the core names it
    with pytest.raises(InvalidInstanceError) as e:
        sk.fair.replay(
            t.append_column("pool", pa.array(["x", None])),
            policy="fair",
            cores=4,
            overheads=Over(fair_default_pool=True, executors=1, executor_cores=4),
        )
    assert e.value.field == "pool"


def test_lock_terms_at_zero_change_nothing():
    # plugin_lock without plug-in time, and stage_lock 0: the runs without the lock, bit for
    # bit (the fitted rows' test below checks the engine's other terms to the last bit)
    o = replace(Over.calibrated(), plugin_service=0.0, stage_lock=0.0)
    assert o.engine_tuple()[-1] == 0.0
    for policy in ("fifo", "uwfq", "fair"):
        _same(
            sk.fair.run_scenario("2_large_2_small_users", policy=policy, overheads=replace(o, plugin_lock=True)),
            sk.fair.run_scenario("2_large_2_small_users", policy=policy, overheads=replace(o, plugin_lock=False)),
        )
    w = loop_jobs(["Loop20", "Loop20"], [[0.5], [0.5]])
    _same(
        sk.fair.simulate(w, policy="fifo", cores=4, overheads=Over(stage_service=0.5, executors=1)),
        sk.fair.simulate(w, policy="fifo", cores=4, overheads=Over(stage_service=0.5, plugin_lock=True, executors=1)),
    )


@pytest.mark.parametrize("policy", ["fifo", "cfq", "uwfq", "fair"])
def test_lock_runs_validate(policy):
    o = replace(Over.calibrated(), plugin_lock=True, stage_lock=0.004)
    r = sk.fair.run_scenario("4_super_small_users", policy=policy, overheads=o, record_tasks=True)
    r.validate()  # no core runs two tasks at once; cores held idle by the lock are not busy


# ----------------------------------------------------------------------------- zero = off

SCENARIOS = sorted(sk.fair.SCENARIOS)
TRACES = ["google2011_wta_500s_hetero.csv", "google2011_wta_500s_homo.csv"]


def _same(a: sk.fair.Result, b: sk.fair.Result) -> None:
    assert a.jobs.equals(b.jobs)
    assert (a.tasks is None and b.tasks is None) or a.tasks.equals(b.tasks)
    assert a.events == b.events


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_zero_terms_equal_the_plain_simulator_on_scenarios(scenario):
    for policy in SLOT_POLICIES:
        for part in (False, True):
            off = sk.fair.run_scenario(scenario, policy=policy, partition=part, record_tasks=True)
            zero = sk.fair.run_scenario(scenario, policy=policy, partition=part, record_tasks=True, overheads=Over())
            _same(off, zero)


@pytest.mark.parametrize("name", TRACES)
def test_zero_terms_equal_the_plain_simulator_on_traces(name):
    path = sk.trace.bundled(name)
    runs = [dict(policy=p, partition=part) for p in SLOT_POLICIES for part in (False, True)]
    off = sk.fair.replay_many(path, runs)
    zero = sk.fair.replay_many(path, [dict(r, overheads=Over()) for r in runs])
    for a, b in zip(off, zero):
        _same(a, b)


# ----------------------------------------------------------------------------- validator


def _check(r: sk.fair.Result, **kw):
    j, t = r.jobs, r.tasks
    check_run(
        job_id=j.column("job_id").to_numpy(),
        submit=j.column("submit_time").to_numpy(),
        finish=j.column("finish_time").to_numpy(),
        work=j.column("work").to_numpy(),
        n_tasks=j.column("n_tasks").to_numpy(),
        task_job=t.column("job_id").to_numpy(),
        start=t.column("start").to_numpy(),
        end=t.column("end").to_numpy(),
        ready=t.column("ready").to_numpy(),
        cores=r.cores,
        **kw,
    )


@pytest.mark.parametrize("scenario", ["2_power_2_small_users", "4_super_small_users", "google_homo"])
def test_calibrated_runs_validate(scenario):
    for policy in ("fifo", "fair", "ujf", "cfq", "uwfq", "sjf"):
        for part in (False, True):
            r = sk.fair.run_scenario(scenario, policy=policy, partition=part, overheads="calibrated", record_tasks=True)
            r.validate()
            assert r.meta["overheads"] == Over.calibrated()


def test_validator_catches_a_task_handed_over_too_early():
    o = one_executor(job_service=1.0)
    t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=o, record_tasks=True)
    r.validate()
    with pytest.raises(ValidationError, match="driver"):
        _check(r, lag=np.array([2.0]))


def test_plain_runs_still_check_work_conservation():
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [1.0, 1.0])
    r = sk.fair.replay(t, policy="fifo", cores=4, overheads=one_executor(round_delay=0.1), record_tasks=True)
    # the same records judged as a plain run: a core idled while a task was ready
    with pytest.raises(ValidationError, match="work-conserving"):
        _check(r)


terms = st.sampled_from([0.0, 0.05, 0.5, 1.0])


@given(
    traces(max_jobs=8, max_stages=3, max_tasks=3),
    st.sampled_from(list(SLOT_POLICIES)),
    st.integers(1, 4),
    st.booleans(),
    st.tuples(terms, terms, terms, terms, terms),
    st.integers(1, 30),
)
def test_model_properties_and_chunking(trace, policy, cores, partition, values, chunk_rows):
    # validate() under the model: every task once, never more than C busy (a core never runs
    # two tasks at once), no task before its job's submission plus the driver's service and a
    # dispatch round, task records spanning work + launch latency; and a streamed replay in
    # small chunks gives the one-shot result.
    o = Over(
        **dict(zip(("job_service", "stage_service", "task_launch", "round_delay", "task_dispatch"), values)),
        executors=cores,
        executor_cores=1,
    )
    spec = dict(policy=policy, cores=cores, partition=partition, tau=0.5, record_tasks=True, overheads=o)
    r = sk.fair.replay_many(trace, [spec], chunk_rows=chunk_rows)[0].validate()
    plain = sk.fair.replay(trace, policy=policy, cores=cores, partition=partition, tau=0.5)
    # overheads only delay: no job finishes before its submission plus its own service
    rt = r.jobs.column("response_time").to_numpy()
    assert (rt >= o.job_service + o.stage_service + o.round_delay + o.task_dispatch + o.task_launch - 1e-9).all()
    assert r.jobs.column("work").equals(plain.jobs.column("work"))
    assert r.jobs.equals(sk.fair.replay(trace, **spec).jobs)


def test_results_with_the_model_pickle():
    import pickle

    r = sk.fair.run_scenario("4_super_small_users", policy="uwfq", overheads="calibrated")
    back = pickle.loads(pickle.dumps(r))
    assert back.jobs.equals(r.jobs) and back.meta == r.meta
    assert pickle.loads(pickle.dumps(Over.calibrated())) == Over.calibrated()


# ----------------------------------------------------------------------------- executed work


def loop_jobs(classes: list[str], tasks: list[list[float]]) -> Workload:
    """One job per entry, all submitted at t = 0 by users u0, u1, ...; job i is of class
    ``classes[i]`` with tasks ``tasks[i]`` (their sum is the job's given work)."""
    n = len(classes)
    names = sorted(set(classes))
    b = Batch(
        job_id=np.arange(n),
        user=np.arange(n),
        submit=np.zeros(n),
        after=np.full(n, -1),
        think=np.zeros(n),
        job_class=np.array([names.index(c) for c in classes]),
        task_offsets=np.cumsum([0] + [len(t) for t in tasks]),
        durations=np.concatenate([np.asarray(t, dtype=float) for t in tasks]),
    )
    return Workload(b, [f"u{i}" for i in range(n)], names)


#: The authors' loop law: iterations 3.216105 x s^1.221352 for s seconds, so time ~ N^(1/1.221352).
LAW = 1 / 1.221352


def test_executed_work_is_scan_plus_iterations():
    # scan 2 core-s + 0.01 core-s per unit of N^(1/1.221352): a Loop100 job (given 26.926)
    # does 2 + 0.01 x 100^0.81876 = 2.434040; a trace job of task_runtime_s 110 runs
    # 3.216105 x 110^1.221352 iterations a row, so its loop term is 0.01 x 3.216105^0.81876 x 110
    loop100 = 2.0 + 0.01 * 100.0**LAW
    custom = 2.0 + 0.01 * 3.216105**LAW * 110.0
    assert loop100 == pytest.approx(2.434040, abs=1e-6) and custom == pytest.approx(4.862706, abs=1e-6)
    o = Over(scan_work=2.0, iteration_work=0.01, executors=1, executor_cores=2)
    w = loop_jobs(["Loop100", "job_7"], [[26.926], [110.0]])
    for policy in ("fifo", "fair", "uwfq"):
        r = sk.fair.simulate(w, policy=policy, cores=2, overheads=o, record_tasks=True).validate()
        assert finish(r) == pytest.approx([loop100, custom], abs=1e-9), policy
        assert r.jobs.column("work").to_pylist() == pytest.approx([loop100, custom], rel=1e-12)


def test_executed_work_is_not_a_straight_line_in_the_iterations():
    # the law is concave: Loop20, Loop100 and Loop1000 with no scan cost do 20^0.81876 =
    # 11.6208, 43.4040 and 285.9528 units, not 20, 100 and 1000 (a Loop20 job is 1/3.73 of a
    # Loop100 one, not 1/5)
    o = Over(iteration_work=1.0, executors=1, executor_cores=2)
    w = loop_jobs(["Loop20", "Loop100", "Loop1000"], [[1.0], [1.0], [1.0]])
    r = sk.fair.simulate(w, policy="fifo", cores=2, overheads=o)
    assert r.jobs.column("work").to_pylist() == pytest.approx([11.6208, 43.4040, 285.9528], abs=1e-4)


def test_loop_law_of_a_trace_job_is_its_runtime_times_a_constant():
    # (3.216105 x s^1.221352)^(1/1.221352) = 3.216105^0.81876 x s = 2.602460 s, also where
    # the iteration count itself would overflow float64
    from schedkit.fair._spark_jobs import udf_cost

    assert udf_cost("job_7", 10.0) == pytest.approx(26.02460, abs=1e-5)
    assert udf_cost("job_7", 1e300) == pytest.approx(2.602460e300, rel=1e-6)


def test_executed_work_keeps_the_task_proportions():
    # a Loop20 job of tasks 0.5 and 1.5 (given 2.0) doing 3.6 + 0.4 = 4.0: tasks 1.0 and 3.0
    o = Over(scan_work=3.6, iteration_work=0.4 / 20.0**LAW, executors=1, executor_cores=2)
    r = sk.fair.simulate(loop_jobs(["Loop20"], [[0.5, 1.5]]), policy="fifo", cores=2, overheads=o, record_tasks=True)
    r.validate()
    spans = r.tasks.column("end").to_numpy() - r.tasks.column("start").to_numpy()
    assert sorted(round(float(d), 9) for d in spans) == [1.0, 3.0]
    assert finish(r) == [3.0]


def test_spark_splits_have_one_straggler():
    # Spark's own splits of the authors' input: a scan of 32 one-second tasks becomes one of
    # 0.09 x 32 = 2.88 s and 31 of (32 - 2.88) / 31 = 0.939355 s; alone on 32 cores the job
    # ends with its straggler at 2.88 s (equal splits: 1 s)
    o = Over(spark_splits=True)
    r = sk.fair.simulate(loop_jobs(["Loop20"], [[1.0] * 32]), policy="fifo", cores=32, overheads=o, record_tasks=True)
    r.validate()
    spans = np.sort(r.tasks.column("end").to_numpy() - r.tasks.column("start").to_numpy())
    assert spans[-1] == pytest.approx(2.88, abs=1e-12)
    assert spans[:-1] == pytest.approx(np.full(31, 29.12 / 31), abs=1e-12)
    assert finish(r) == [2.88]
    # too few tasks for a straggler (1/n above 9 %): the split stays equal
    r = sk.fair.simulate(loop_jobs(["Loop20"], [[1.0, 3.0]]), policy="fifo", cores=32, overheads=o)
    assert finish(r) == [2.0]
    # the authors' partitioner's splits stay equal: 16 tasks become Spark's minimum of 32
    r = sk.fair.simulate(loop_jobs(["Loop20"], [[1.0] * 32]), policy="fifo", cores=32, partition=True, overheads=o)
    assert finish(r) == [1.0]


def test_partition_alone_does_not_split_spark_jobs():
    # the structure's splits follow spark_splits; partition=True without it leaves a Spark
    # job's tasks in their given proportions: 1 core-s executed over tasks of 1 and 3 s
    w = loop_jobs(["Loop20"], [[1.0, 3.0]])
    s = spark_structure(w, Over(scan_work=1.0), split=False, partition=True)
    assert s.batch.durations.tolist() == [0.25, 0.75]
    s = spark_structure(w, Over(scan_work=1.0, spark_splits=True), split=False, partition=True)
    assert s.batch.durations.tolist() == [1 / 32] * 32  # the authors' partitioner: Spark's minimum 32


def test_authors_partitioner_counts_tasks_on_the_given_work():
    # their OraclePartitioner splits a trace job of 100 s into floor(4 + 1.832672 x 100^1.012495)
    # = 198 tasks whatever it executes; the executed 1 + 0.1 x 3.216105^0.81876 x 100 is spread
    # evenly over them
    o = Over(scan_work=1.0, iteration_work=0.1, spark_splits=True, executors=1, executor_cores=2)
    r = sk.fair.simulate(loop_jobs(["job_7"], [[100.0]]), policy="fifo", cores=2, partition=True, overheads=o)
    assert r.jobs.column("n_tasks").to_pylist() == [198]
    assert r.jobs.column("work").to_pylist() == pytest.approx([1.0 + 0.1 * 3.216105**LAW * 100.0], rel=1e-12)


def test_result_job_follows_each_query():
    # 1 core; jobs A (1 s) and B (2 s) at t = 0, each followed by a 0.5-s result job.
    # Spark's FIFO (policy fair) orders Spark jobs: A's result, submitted at 1 when A's scan
    # ends, queues behind B's scan (1-3): A ends at 3.5, B's result 3.5-4. T-FIFO keys on the
    # group: A's result runs right after its scan (1-1.5), B 1.5-3.5 and 3.5-4.
    w = loop_jobs(["Loop20", "Loop20"], [[1.0], [2.0]])
    o = Over(result_task=0.5, executors=1, executor_cores=1)
    for policy, want in [("fair", [3.5, 4.0]), ("fifo", [1.5, 4.0])]:
        r = sk.fair.simulate(w, policy=policy, cores=1, overheads=o, record_tasks=True).validate()
        assert finish(r) == want, policy
        assert r.jobs.column("n_tasks").to_pylist() == [2, 2]  # one row per job: scan + result
        assert r.jobs.column("response_time").to_pylist() == want  # from the first submission


def test_fair_name_ties_order_stages_by_name():
    # 1 core, 25 one-task jobs of 1 s submitted at t = 0, one Spark job each (no setup job).
    # Spark counts a Loop query's four stages from the warm-up's 32: job q takes the ids
    # 32 + 3q (listing), 33 + 3q (schema) and 34 + 3q (its map stage, which names it) when
    # submitted, its result id when it ends. Job 0's arrival finds the core free (a round at
    # each arrival) and runs 0 -> 1; at each later round no task set runs a task, so the names
    # decide: "TaskSet_100.0", "TaskSet_103.0", "TaskSet_106.0" (jobs 22-24) sort before
    # "TaskSet_37.0" ... "TaskSet_97.0" (jobs 1-21) as strings.
    w = loop_jobs(["Loop20"] * 25, [[1.0]] * 25)
    one = dict(executors=1, executor_cores=1)
    plain = sk.fair.simulate(w, policy="fair", cores=1, overheads=Over(fair_default_pool=True, **one))
    assert finish(plain) == [float(q + 1) for q in range(25)]  # the engine's tie: submission order
    o = Over(fair_default_pool=True, fair_name_ties=True, **one)
    r = sk.fair.simulate(w, policy="fair", cores=1, overheads=o, record_tasks=True).validate()
    assert finish(r) == [1.0] + [float(q + 4) for q in range(1, 22)] + [2.0, 3.0, 4.0]
    assert r.meta["overheads"] is o
    assert "ties by task-set name" in o.describe()
    # other policies, and the FIFO default pool, never reach the FAIR tie
    fifo = sk.fair.simulate(w, policy="fifo", cores=1, overheads=o)
    assert finish(fifo) == [float(q + 1) for q in range(25)]


def test_ujf_name_ties_order_stages_by_name_inside_a_users_pool():
    # The 25 jobs of test_fair_name_ties_order_stages_by_name, all of one user: under UJF
    # (the authors' UserFairScheduler, one FAIR pool per user) the same ties fall inside that
    # user's pool, where the engine breaks them by the jobs' name ranks: "TaskSet_100.0" ..
    # "TaskSet_106.0" (jobs 22-24) before "TaskSet_37.0" .. "TaskSet_97.0" (jobs 1-21); job 0
    # finds the core free. Without the tie: submission order.
    w = loop_jobs(["Loop20"] * 25, [[1.0]] * 25)
    w = Workload(replace(w.batch, user=np.zeros(25, dtype=np.int64)), ["u0"], w.class_names)
    one = dict(executors=1, executor_cores=1)
    by_name = [1.0] + [float(q + 4) for q in range(1, 22)] + [2.0, 3.0, 4.0]
    plain = sk.fair.simulate(w, policy="ujf", cores=1, overheads=Over(fair_default_pool=True, **one))
    assert finish(plain) == [float(q + 1) for q in range(25)]
    o = Over(fair_default_pool=True, fair_name_ties=True, **one)
    r = sk.fair.simulate(w, policy="ujf", cores=1, overheads=o, record_tasks=True).validate()
    assert finish(r) == by_name
    assert r.meta["overheads"] is o
    # -P: the authors' partitioner makes each job Spark's minimum of 32 tasks of 1/32 s, and
    # the same tie now falls at each task's end: job 0 ("TaskSet_34.0") runs one task, then
    # yields to jobs 22-24 and comes back before job 1 ("TaskSet_37.0")
    p = sk.fair.simulate(w, policy="ujf", cores=1, partition=True, overheads=replace(o, spark_splits=True))
    assert finish(p) == [4.0] + [float(q + 4) for q in range(1, 22)] + [1.03125, 2.03125, 3.03125]
    # two users: u1 submits jobs 0 and 4-21, u0 jobs 1-3 and 22-24. Job 0 finds the core
    # free; then the users' pools compare first (no task running in either, so by name: u0
    # while it has a job), the names only inside a pool: u0 runs 22, 23, 24 ("TaskSet_100.0"
    # ..) before 1, 2, 3 ("TaskSet_37.0" ..), then u1 runs 4-21
    users = np.array([1, 0, 0, 0] + [1] * 18 + [0] * 3)
    two = Workload(replace(w.batch, user=users), ["u0", "u1"], w.class_names)
    r = sk.fair.simulate(two, policy="ujf", cores=1, overheads=o)
    assert finish(r) == [1.0, 5.0, 6.0, 7.0] + [float(q + 4) for q in range(4, 22)] + [2.0, 3.0, 4.0]


def test_bad_tie_ranks_name_the_field():
    # the engine checks a batch's tie ranks in one place (Workload::check): >= 0, one a job
    w = loop_jobs(["Loop20"] * 2, [[1.0]] * 2)
    for ties, index in [([0, -1], 1), ([0], None)]:
        bad = Workload(replace(w.batch, job_tie=np.array(ties)), w.user_names, w.class_names)
        with pytest.raises(InvalidInstanceError, match="job_tie") as e:
            sk.fair.simulate(bad, policy="ujf", cores=1)
        assert (e.value.field, e.value.index) == ("job_tie", index)
    # the Spark job structure re-lays the jobs: ranks of the caller's jobs are refused
    given = Workload(replace(w.batch, job_tie=np.array([1, 0])), w.user_names, w.class_names)
    with pytest.raises(InvalidInstanceError, match="job_tie") as e:
        sk.fair.simulate(given, policy="ujf", cores=32, overheads=Over(setup_tasks=1, setup_task=0.1))
    assert e.value.field == "job_tie"


def test_name_ranks_are_string_order():
    from schedkit.fair._name_ties import name_ranks, pool_names

    ranks = name_ranks(pool_names(np.array([99, 100, 32, 320, 33, 100])))
    assert ranks.tolist() == [4, 0, 1, 2, 3, 0]


def test_stage_ids_count_the_stages_the_model_does_not_run():
    from schedkit.fair._name_ties import LISTING, MAP, RESULT, SCHEMA, stage_ids

    # one Spark job of a listing row (0 -> 1) and a map row (1 -> 3): listing 32, then at
    # 1 the schema (33, no row of its own) and the map (34), the result at 3 (35)
    assert stage_ids([LISTING, MAP], np.array([0.0, 1.0]), np.array([1.0, 3.0])).tolist() == [32, 34]
    # rows for all four: each takes its own; equal times go by row
    sub = np.array([0.0, 1.0, 1.5, 3.0, 0.0, 1.0, 1.5, 3.0])
    ids = stage_ids([LISTING, SCHEMA, MAP, RESULT], sub, sub + 0.5, first=8)
    assert ids.tolist() == [8, 10, 12, 14, 9, 11, 13, 15]
    with pytest.raises(sk.exceptions.InternalError):
        stage_ids([LISTING], np.zeros(2), np.zeros(2))


def test_name_ties_that_never_settle_are_an_error():
    from schedkit.fair._name_ties import MAP, run_to_fixed_point

    # a "run" that submits the row whose name sorts first last: the ids swap every run
    def times(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        first = np.array([1.0, 0.0]) if names[0] < names[1] else np.array([0.0, 1.0])
        return first, first + 5.0

    with pytest.raises(sk.exceptions.InternalError, match="fair_name_ties"):
        run_to_fixed_point(lambda names: names, times, [MAP], 2)


def test_schema_job_precedes_each_query():
    # 1 core; jobs A (1 s) and B (2 s) at t = 0, each preceded by a 0.5-s schema job (no
    # setup). Spark's FIFO (policy fair) orders Spark jobs: both schema jobs are submitted at
    # 0 (ids 0, 1), A's scan at 0.5 when its schema ends (id 2), so B's schema runs first
    # (0.5-1), then A's scan 1-2 and B's 2-4. T-FIFO keys on the group: A's scan follows its
    # schema (0.5-1.5), then B's schema 1.5-2 and scan 2-4.
    w = loop_jobs(["Loop20", "Loop20"], [[1.0], [2.0]])
    o = Over(schema_task=0.5, executors=1, executor_cores=1)
    for policy, want in [("fair", [2.0, 4.0]), ("fifo", [1.5, 4.0])]:
        r = sk.fair.simulate(w, policy=policy, cores=1, overheads=o, record_tasks=True).validate()
        assert finish(r) == want, policy
        assert r.jobs.column("n_tasks").to_pylist() == [2, 2]  # one row per job: schema + scan
        assert "schema job 1 x 0.5 s" in r.meta["overheads"].describe()


def test_schema_job_sits_between_setup_and_query():
    # 2 cores, one job of 1 s: setup (1 task, 0.25 s) 0-0.25, schema 0.25-0.75, scan
    # 0.75-1.75, result 1.75-2.25; the spare core never runs two of them at once (a query
    # wired to its setup instead of its schema would end at 1.25 + 0.5)
    w = loop_jobs(["Loop20"], [[1.0]])
    o = Over(setup_tasks=1, setup_task=0.25, schema_task=0.5, result_task=0.5, executors=1, executor_cores=2)
    for policy in ("fair", "fifo", "uwfq"):
        r = sk.fair.simulate(w, policy=policy, cores=2, overheads=o, record_tasks=True).validate()
        assert finish(r) == [2.25], policy
        assert r.jobs.column("n_tasks").to_pylist() == [4]
    # zero is off: the structure is today's (setup, scan, result)
    s0 = spark_structure(w, replace(o, schema_task=0.0), split=False)
    s1 = spark_structure(w, Over(setup_tasks=1, setup_task=0.25, result_task=0.5), split=False)
    assert s0.batch.durations.tolist() == s1.batch.durations.tolist() == [0.25, 1.0, 0.5]
    assert s0.batch.parents.tolist() == s1.batch.parents.tolist()


def test_closed_loop_successor_waits_for_the_result_job():
    # one user, job 1 follows job 0 (think 0); 1 core, result jobs of 0.5 s: job 0 scan 0-1,
    # result 1-1.5; job 1 submitted at 1.5, scan 1.5-2.5, result 2.5-3
    w = loop_jobs(["Loop20", "Loop20"], [[1.0], [1.0]])
    w = Workload(replace(w.batch, user=np.zeros(2, dtype=np.int64), after=np.array([-1, 0])), ["u"], w.class_names)
    for policy in ("fair", "fifo", "uwfq"):
        o = Over(result_task=0.5, executors=1, executor_cores=1)
        r = sk.fair.simulate(w, policy=policy, cores=1, overheads=o, record_tasks=True)
        assert finish(r.validate()) == [1.5, 3.0], policy
        assert r.jobs.column("submit_time").to_pylist() == [0.0, 1.5]


def test_plugin_schedulers_pay_their_stage_cost_on_the_driver():
    # two one-task jobs (0.5 s) at t = 0 on 2 cores, the authors' plug-in schedulers 1 s a
    # stage on the serial driver: seen at 1 and 2 s, done at 1.5 and 2.5; Spark's own
    # orders do not pay it and run both at once
    w = loop_jobs(["Loop20", "Loop20"], [[0.5], [0.5]])
    o = Over(plugin_service=1.0, executors=1, executor_cores=2)
    for policy, want in [("fifo", [1.5, 2.5]), ("cfq", [1.5, 2.5]), ("uwfq", [1.5, 2.5]), ("fair", [0.5, 0.5])]:
        r = sk.fair.simulate(w, policy=policy, cores=2, overheads=o, record_tasks=True).validate()
        assert finish(r) == want, policy
        assert r.meta["overheads"] == o  # the model as asked, its plug-in term named
        assert "plug-in schedulers 1 s a stage" in r.meta["overheads"].describe()
    # with stage_service, both add up for the plug-ins
    o2 = Over(plugin_service=1.0, stage_service=0.5, executors=1, executor_cores=2)
    assert finish(sk.fair.simulate(w, policy="uwfq", cores=2, overheads=o2)) == [2.0, 3.5]


def test_streamed_trace_names_every_prepared_workload_term_it_drops():
    t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    o = Over(scan_work=5.0, iteration_work=0.1, plugin_service=0.2, result_task=0.1, task_launch=0.5, executors=1)
    with pytest.warns(UserWarning) as rec:
        r = sk.fair.replay(t, policy="uwfq", cores=4, overheads=o)
    msg = str(rec[0].message)
    for term in ("scan_work", "iteration_work", "plugin_service", "result_task"):
        assert f"overheads.{term}" in msg
    with pytest.warns(UserWarning, match="overheads.fair_name_ties"):
        ties = Over(fair_default_pool=True, fair_name_ties=True, executors=1)
        sk.fair.replay(t, policy="fair", cores=4, overheads=ties)
    assert finish(r) == [1.5]  # the given work and the launch term, nothing else
    assert not sk.fair._overheads.has_structure(r.meta["overheads"])


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "terms, field",
    [
        (dict(job_service=-1.0), "overheads.job_service"),
        (dict(stage_service=math.nan), "overheads.stage_service"),
        (dict(task_launch=math.inf), "overheads.task_launch"),
        (dict(round_delay=-math.inf), "overheads.round_delay"),
        (dict(task_dispatch=-0.1), "overheads.task_dispatch"),
        (dict(job_service="1"), "overheads.job_service"),
        (dict(task_launch=None), "overheads.task_launch"),
        (dict(round_delay=True), "overheads.round_delay"),
        (dict(executors=0), "overheads.executors"),
        (dict(executor_cores=-4), "overheads.executor_cores"),
        (dict(executors=2.0), "overheads.executors"),
        (dict(executors=2**62, executor_cores=4), "overheads.executors"),
        (dict(name=3), "overheads.name"),
        (dict(scan_work=-1.0), "overheads.scan_work"),
        (dict(iteration_work=math.nan), "overheads.iteration_work"),
        (dict(iteration_work="0.1"), "overheads.iteration_work"),
        (dict(plugin_service=-0.5), "overheads.plugin_service"),
        (dict(result_task=math.inf), "overheads.result_task"),
        (dict(stage_lock=-0.1), "overheads.stage_lock"),
        (dict(stage_lock=math.nan), "overheads.stage_lock"),
        (dict(stage_lock=0.2, stage_service=0.1), "overheads.stage_lock"),
        (dict(plugin_lock=1), "overheads.plugin_lock"),
        (dict(schema_task=-0.01), "overheads.schema_task"),
        (dict(schema_task=math.nan), "overheads.schema_task"),
        (dict(schema_task="0.03"), "overheads.schema_task"),
        (dict(schema_task=True), "overheads.schema_task"),
        (dict(fair_default_pool=1), "overheads.fair_default_pool"),
        (dict(fair_default_pool="yes"), "overheads.fair_default_pool"),
        (dict(fair_name_ties=True), "overheads.fair_name_ties"),
        (dict(fair_name_ties=1, fair_default_pool=True), "overheads.fair_name_ties"),
    ],
)
def test_bad_terms_name_the_field(terms, field):
    with pytest.raises(InvalidInstanceError) as e:
        Over(**terms)
    assert e.value.field == field
    assert field in str(e.value)


def test_executed_work_that_overflows_names_the_terms():
    # Each term finite, their line at 1,000 iterations (Loop1000) past float64's range.
    with pytest.raises(InvalidInstanceError) as e:
        sk.fair.run_scenario("4_large_users", policy="fifo", overheads=Over(iteration_work=1e308))
    assert e.value.field == "overheads.iteration_work"
    assert "not finite" in str(e.value)


def test_bad_overheads_argument():
    t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    for bad, field in [
        ("fast", "overheads"),
        (3, "overheads"),
        ({"launch": 0.1}, "overheads.launch"),
        ({"task_launch": -0.1}, "overheads.task_launch"),
    ]:
        with pytest.raises(InvalidInstanceError) as e:
            sk.fair.replay(t, overheads=bad)
        assert e.value.field == field
    # the slot structure must be the run's cores
    with pytest.raises(InvalidInstanceError) as e:
        sk.fair.replay(t, cores=16, overheads=Over())
    assert e.value.field == "overheads.executors"
    assert "8 executors x 4 cores" in str(e.value)


def test_names_and_mappings_resolve():
    t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    assert sk.fair.RunSpec(overheads="None").overheads is None
    assert sk.fair.RunSpec(overheads="Calibrated").overheads == Over.calibrated()
    r = sk.fair.replay(t, cores=4, overheads={"task_launch": 0.5, "executors": 1})
    assert finish(r) == [1.5]
    assert r.meta["overheads"].describe().startswith("Spark overheads (custom): ")


# ----------------------------------------------------------------------------- calibration


def test_bundled_calibration_is_the_fit_document():
    doc = json.loads(sk.data.path("spark_overheads.json").read_text())
    o = Over.calibrated()
    for k, v in doc["parameters"].items():
        assert getattr(o, k) == v
    assert o.cores == 32  # the authors' 8 executors x 4 cores
    # the fit saw only the four scenarios with measured runs, never the held-out two
    assert doc["fit"]["scenarios"] == list(cs.FIT_SCENARIOS)
    assert set(doc["fit"]["held_out"]) == {"2_large_2_small_users", "4_large_users"}
    assert not set(doc["fit"]["held_out"]) & set(doc["residuals"])
    # it improved on the plain simulator, and the residuals are those of the bundled values
    assert doc["fit"]["loss"] < doc["fit"]["loss_without_overheads"]
    # every row (the engine's speed paths must keep them to the last bit), as the fit measured
    for sc, block in doc["residuals"].items():
        targets = {t.label: t for t in cs.measured(sc)}
        assert [row["variant"] for row in block["rows"]] == list(targets)
        for row in block["rows"]:
            t = targets[row["variant"]]
            ours, _ = cs.measure(t, cs.simulate(sc, t.policy, t.partition, o), doc["fit"]["view"])
            assert row["ours"] == pytest.approx(ours, rel=1e-12), (sc, t.label)
            assert row["measured"] == t.mean


def test_measured_tables_parse():
    # the authors' table: 4_super_small_users, T-FIFO mean RT 25.149 s, user 1 9.361 s
    rows = {t.scheduler: t for t in cs.measured("4_super_small_users")}
    assert set(rows) == {s + p for s in cs.SCHEDULERS for p in ("", "_PARTITIONER")}
    fifo = rows["TRUE_FIFO"]
    assert fifo.mean == pytest.approx(25.149486, abs=1e-6)
    assert fifo.users["user1_supersmall"] == pytest.approx(9.3609, abs=1e-4)
    homo = {t.label: t for t in cs.measured("google_homo")}
    assert len(homo) == 8 and "user_4" not in homo["uwfq"].users  # NaN in the table: no jobs


def test_spearman_known_values():
    assert cs.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert cs.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
    assert math.isnan(cs.spearman([1, 1, 1], [1, 2, 3]))


def test_cli_header_names_the_model(capsys):
    from schedkit.cli import main

    rc = main(["replay", "--scenario", "4_super_small_users", "--policy", "uwfq", "--no-partition"])
    assert rc == 0
    assert "no overhead model" in capsys.readouterr().out.splitlines()[0]
    args = ["replay", "--scenario", "4_super_small_users", "--policy", "uwfq", "--overheads", "calibrated"]
    assert main([*args, "--no-partition"]) == 0
    assert "Spark overheads (calibrated): job " in capsys.readouterr().out.splitlines()[0]
    assert main([*args, "--cores", "16"]) == 2
    assert "overheads.executors" in capsys.readouterr().err


def test_held_out_tables_are_consistent_transcriptions():
    # the selected columns of the authors' tables obey the full tables' relations: in
    # 2_large_2_small_users 8 Loop1000 jobs (users 1, 2) and 12 Loop100 jobs (users 3, 4);
    # in 4_large_users 4 users of 4 jobs each
    large = {t.label: t for t in cs.measured("2_large_2_small_users")}
    assert len(large) == 10 and large["cfq-P"].mean == pytest.approx(5.222416667143504)
    for t in large.values():
        u = t.users
        weighted = (4 * (u["user1_big"] + u["user2_big"]) + 6 * (u["user3_small"] + u["user4_small"])) / 20
        assert weighted == pytest.approx(t.mean, rel=1e-9), t.label
    four = cs.measured("4_large_users")
    assert len(four) == 10
    for t in four:
        assert np.mean(list(t.users.values())) == pytest.approx(t.mean, rel=1e-9), t.label
    # the fit's inputs never include them
    assert not set(cs.HELD_OUT) & set(cs.FIT_SCENARIOS)


@pytest.mark.parametrize("scenario", list(cs.FIT_SCENARIOS))
def test_run_tables_average_to_the_fitted_tables(scenario):
    # the per-run tables are what the _avg tables average: 3 runs a variant, their mean the
    # mean RT the fit and the targets use
    runs = cs.measured_runs(scenario)
    targets = {t.label: t for t in cs.measured(scenario)}
    assert set(runs) == set(targets)
    for label, rts in runs.items():
        assert len(rts) == 3
        assert np.mean(rts) == pytest.approx(targets[label].mean, rel=1e-9), label
    with pytest.raises(InvalidInstanceError, match="per-run tables are bundled for"):
        cs.measured_runs("4_large_users")


def test_replication_hand_computed():
    # 3 variants, 2 runs each; ours ranks a < b < c. Run 0 (1, 3, 5) ranks a < b < c, run 1
    # (2, 4, 0) ranks c < a < b: d = (1, 1, -2), rho = 1 - 6 * 6 / (3 * 8) = -0.5. Of the 8
    # choices of one run per variant the 4 with c = 5 rank as ours (1.0), the 4 with c = 0
    # give -0.5. Spread: a 1.5 +- 0.5 (1/3), b 3.5 +- 0.5 (1/7), c 2.5 +- 2.5 (1).
    rep = cs.replication({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 0.0]}, {"a": 1.0, "b": 2.0, "c": 3.0})
    assert rep["rounds"] == {(0, 1): pytest.approx(-0.5)}
    assert rep["ours_vs_one_run"] == pytest.approx((-0.5, 1.0, 0.5))
    assert rep["ours_vs_mean"] == pytest.approx(0.5)  # means (1.5, 3.5, 2.5): a < c < b
    assert rep["spread"] == pytest.approx({"a": 1 / 3, "b": 1 / 7, "c": 1.0})
    with pytest.raises(InvalidInstanceError, match="same number") as e:
        cs.replication({"a": [1.0, 2.0], "b": [3.0]}, {"a": 1.0, "b": 2.0})
    assert e.value.field == "runs"
    for bad_runs, bad_ours, field in [
        ({"a": [1.0, math.nan], "b": [3.0, 4.0]}, {"a": 1.0, "b": 2.0}, "runs"),
        ({"a": [1.0, -2.0], "b": [3.0, 4.0]}, {"a": 1.0, "b": 2.0}, "runs"),
        ({"a": [0.0, 0.0], "b": [3.0, 4.0]}, {"a": 1.0, "b": 2.0}, "runs"),  # a mean of 0
        ({"a": [1.0, 2.0], "b": [3.0, 4.0]}, {"a": math.inf, "b": 2.0}, "ours"),
    ]:
        with pytest.raises(InvalidInstanceError, match="replication") as e:
            cs.replication(bad_runs, bad_ours)
        assert e.value.field == field
    for bad in (math.nan, 1.5, "0.8", True):
        with pytest.raises(InvalidInstanceError, match="threshold") as e:
            cs.replication({"a": [1.0, 2.0], "b": [3.0, 4.0]}, {"a": 1.0, "b": 2.0}, threshold=bad)
        assert e.value.field == "threshold"


@given(st.lists(st.lists(st.floats(0.5, 50.0), min_size=2, max_size=2), min_size=3, max_size=5))
def test_replication_matches_spearman_choice_by_choice(cols):
    # the vectorised ranks equal spearman() on each choice, ties included
    runs = {f"v{i}": c for i, c in enumerate(cols)}
    ours = {f"v{i}": float(i % 2) for i in range(len(cols))}
    import itertools

    rows = np.array(list(itertools.product(*cols)))
    want = [cs.spearman(r, list(ours.values())) for r in rows]
    got = cs._spearman_rows(rows, list(ours.values()))
    assert np.allclose(np.nan_to_num(got, nan=9.0), np.nan_to_num(want, nan=9.0))
    lo, hi, _ = cs.replication(runs, ours)["ours_vs_one_run"]
    finite = [w for w in want if w == w]
    if finite and len(finite) == len(want):
        assert lo == pytest.approx(min(finite)) and hi == pytest.approx(max(finite))


def test_google_homo_runs_disagree_at_the_rank_target():
    # the measured fact the bench reports: the authors' runs 1 and 2 of google_homo rank the
    # variants below 0.8 against each other; UJF's run 0 lies 19 % above its mean
    runs = cs.measured_runs("google_homo")
    rep = cs.replication(runs, {k: float(np.mean(v)) for k, v in runs.items()})
    assert rep["rounds"][(1, 2)] == pytest.approx(0.7857142857, abs=1e-6)
    assert rep["spread"]["ujf"] == pytest.approx(64.4227 / np.mean(runs["ujf"]) - 1, abs=1e-4)
