"""schedkit.fair: hand-computed cases per policy, hypothesis properties of the simulator
(every task once, never more than C busy, work conservation, RT >= W/C), UWFQ virtual time
against a slow GPS reference, scenarios, metrics, errors, replay from a file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit import _core
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing._trace import one_core_requests
from schedkit.testing.strategies import traces

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


def finish(trace, policy, cores, **kw):
    r = sk.fair.replay(trace, policy=policy, cores=cores, record_tasks=True, **kw).validate()
    return dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("finish_time").to_pylist()))


# --------------------------------------------------------------------------- hand-computed

# The light user "a" (sorted first, so UJF's tie between idle pools goes to it, as Spark
# breaks ties by pool name) submits one 10-s job at t=1; the heavy user "b" four at t=0.
# One core. FIFO: the light job waits behind all heavy jobs (ends at 50). UWFQ: user a's
# chain starts at V(1) = 1, deadline 11, ahead of b's 20, 30, 40: it ends at 20.
HEAVY_LIGHT = sk.trace.from_jobs([0, 1, 2, 3, 9], ["b", "b", "b", "b", "a"], [0, 0, 0, 0, 1], [10] * 5)


@pytest.mark.parametrize(
    "policy, light_end",
    [
        ("fifo", 50.0),
        ("fair", 50.0),
        ("ujf", 20.0),
        ("uwfq", 20.0),
        # CFQ is job-level: at t=1 v = 1/4 (4 jobs), the light deadline 10.25 > heavy 10: last.
        ("cfq", 50.0),
        # SJF: all jobs have equal work; ties go to arrival order.
        ("sjf", 50.0),
    ],
)
def test_light_user_share(policy, light_end):
    f = finish(HEAVY_LIGHT, policy, 1)
    assert f[9] == light_end
    assert sorted(f.values())[-1] == 50.0


def test_ujf_alternates_fifo_does_not():
    t = sk.trace.from_jobs([0] * 10 + [1] * 10, ["A"] * 10 + ["B"] * 10, [0.0] * 20, [1.0] * 20)
    assert finish(t, "fifo", 2) == {0: 5.0, 1: 10.0}
    # one offer round per completion: each freed core goes to the user with fewer running
    assert finish(t, "ujf", 2) == {0: 9.0, 1: 10.0}


def test_sjf_and_cfq_order():
    t = sk.trace.from_jobs([0, 1, 2, 3], ["u"] * 4, [0, 0, 0, 0], [1.0, 5.0, 2.0, 3.0])
    assert finish(t, "sjf", 1) == {0: 1.0, 1: 11.0, 2: 3.0, 3: 6.0}
    # CFQ deadlines at v=0: 1, 5, 2, 3 -> same order as SJF here
    assert finish(t, "cfq", 1) == {0: 1.0, 1: 11.0, 2: 3.0, 3: 6.0}
    assert finish(t, "fifo", 1) == {0: 1.0, 1: 6.0, 2: 8.0, 3: 11.0}


def test_uwfq_small_job_jumps_own_queue():
    # one user: a 10-s job at t=0 (runs), another 10-s job at 0, then a 1-s job at t=1.
    # Inner tags: d = 10, 10, then U(1) + 1 = 0.5 + 1 = 1.5 -> the small job goes first.
    t = sk.trace.from_jobs([0, 1, 2], ["u"] * 3, [0, 0, 1], [10.0, 10.0, 1.0])
    assert finish(t, "uwfq", 1) == {0: 10.0, 1: 21.0, 2: 11.0}
    assert finish(t, "fifo", 1) == {0: 10.0, 1: 20.0, 2: 21.0}


def test_uwfq_weights():
    # users a and b each submit two 10-s jobs at t=0, one core; a's first job takes the core
    # on arrival (non-preemptive). Unweighted chains: a 10, 20; b 10, 20 -> b, a, b.
    # With b's weight 3: b's chain 10/3, 20/3 -> both of b's jobs before a's second.
    t = sk.trace.from_jobs([0, 1, 2, 3], ["a", "a", "b", "b"], [0] * 4, [10.0] * 4)
    assert finish(t, "uwfq", 1) == {0: 10.0, 2: 20.0, 1: 30.0, 3: 40.0}
    assert finish(t, "uwfq", 1, weights={"b": 3}) == {0: 10.0, 2: 20.0, 3: 30.0, 1: 40.0}


def test_fair_pools_min_share_and_weight():
    # 4 cores; user a: 1 job of 20 x 1-s tasks at t=0 (takes every core); user b: a job of
    # 20 tasks at t=0.5. With b's pool minShare 3, b is needy: each freed core goes to b until
    # it runs 3 tasks; without pools (FIFO) b waits for a.
    a = sk.trace.from_jobs([0] * 20, ["a"] * 20, [0.0] * 20, [1.0] * 20)
    b = sk.trace.from_jobs([1] * 20, ["b"] * 20, [0.5] * 20, [1.0] * 20)
    t = pa.concat_tables([a, b])
    fifo = finish(t, "fair", 4)
    assert fifo == {0: 5.0, 1: 10.0}
    pooled = finish(t, "fair", 4, pools={"a": (1, 0), "b": (1, 3)})
    assert pooled[0] > 5.0 and pooled[1] < 10.0
    weighted = finish(t, "fair", 4, pools={"a": (1, 0), "b": (3, 0)})
    assert weighted[1] < 10.0


def test_drf_cpu_memory():
    # 4 cpus, 8 memory. User a's tasks need (1 cpu, 4 mem), user b's (1 cpu, 0 mem); 8 one-second
    # tasks each at t=0, a's job first. a's arrival round: a takes 2 tasks (memory full);
    # b's round: b takes the 2 free cpus. At each completion the freed resources go to the
    # smaller dominant share (ties: user order), so each user keeps 2 tasks running: both end at 4.
    t = pa.concat_tables(
        [
            sk.trace.from_jobs([0] * 8, ["a"] * 8, [0.0] * 8, [1.0] * 8),
            sk.trace.from_jobs([1] * 8, ["b"] * 8, [0.0] * 8, [1.0] * 8),
        ]
    )
    t = t.set_column(5, "cpu", pa.array([1.0] * 16)).set_column(6, "memory", pa.array([4.0] * 8 + [0.0] * 8))
    r = sk.fair.replay(t, policy="drf", cores=4, memory=8.0, record_tasks=True).validate()
    tasks = r.tasks.to_pylist()
    at0 = [x["job_id"] for x in tasks if x["start"] == 0.0]
    assert sorted(at0) == [0, 0, 1, 1]
    f = dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("finish_time").to_pylist()))
    assert f == {0: 4.0, 1: 4.0}
    with pytest.raises(InvalidInstanceError, match="job 0, stage 0: request 4 fits on no node"):
        sk.fair.replay(t, policy="drf", cores=4, memory=2.0)
    # without memory requests DRF is max-min over users on cpus
    u = sk.fair.replay(t.drop_columns(["memory"]), policy="drf", cores=4, record_tasks=True).validate()
    assert u.summary()["jobs"] == 2


def test_partitioning():
    t = sk.trace.from_jobs([0], ["u"], [0.0], [8.0])
    r = sk.fair.replay(t, policy="fifo", cores=4, partition=True)
    assert r.jobs.column("n_tasks").to_pylist() == [16]
    assert r.jobs.column("finish_time").to_pylist() == [2.0]
    r = sk.fair.replay(t, policy="fifo", cores=4, partition=True, tau=3.0)
    assert r.jobs.column("n_tasks").to_pylist() == [3]


def test_estimates():
    t = sk.trace.read(DATA / "google2011_wta_500s_hetero.csv")
    o = sk.fair.replay(t, policy="uwfq", estimate="oracle")
    np.testing.assert_allclose(o.jobs.column("estimate").to_numpy(), o.jobs.column("work").to_numpy())
    n1 = sk.fair.replay(t, policy="uwfq", estimate="noisy", noise=1.0, seed=3)
    n2 = sk.fair.replay(t, policy="uwfq", estimate="noisy", noise=1.0, seed=3)
    assert n1.jobs.equals(n2.jobs)
    assert not np.allclose(n1.jobs.column("estimate").to_numpy(), o.jobs.column("estimate").to_numpy())
    # the factors are the core's seeded log-normal(0, noise) draws: the seed changes them,
    # noise 0 is the oracle, and ln(estimate / work) has about mean 0 and spread `noise`
    n3 = sk.fair.replay(t, policy="uwfq", estimate="noisy", noise=1.0, seed=4)
    assert not np.allclose(n3.jobs.column("estimate").to_numpy(), n1.jobs.column("estimate").to_numpy())
    n0 = sk.fair.replay(t, policy="uwfq", estimate="noisy", noise=0.0, seed=3)
    assert n0.jobs.equals(o.jobs)
    logs = np.log(n1.jobs.column("estimate").to_numpy() / n1.jobs.column("work").to_numpy())
    assert abs(logs.mean()) < 0.35 and 0.7 < logs.std() < 1.3  # 125 jobs: generous bounds
    h = sk.fair.replay(t, policy="uwfq", estimate="historic")
    assert np.isfinite(h.jobs.column("estimate").to_numpy()).all()
    # historic partitioning: task counts follow the estimate, the work stays the true work
    hp = sk.fair.replay(t, policy="uwfq", estimate="historic", partition=True)
    np.testing.assert_allclose(hp.jobs.column("work").to_numpy(), o.jobs.column("work").to_numpy())


# --------------------------------------------------------------------------- properties


@given(
    traces(max_jobs=10, zero_durations=False), st.sampled_from(list(sk.fair.POLICIES)), st.integers(1, 4), st.booleans()
)
def test_simulator_properties(trace, policy, cores, partition):
    # validate(): every task exactly once, never more than C busy, work conservation
    # (no core idle while a task is pending), response time >= work / C, start >= submit.
    r = sk.fair.replay(
        one_core_requests(trace), policy=policy, cores=cores, partition=partition, tau=0.5, record_tasks=True
    )
    r.validate()
    rt = r.jobs.column("response_time").to_numpy()
    assert (rt >= r.jobs.column("alone_time").to_numpy() - 1e-9).all()


def gps_reference(cores, times, users, work, weights):
    """Slow GPS fluid reference written from the definition: between events every backlogged
    user is served at C*w_u / sum of backlogged weights, V grows at C / sum of weights."""
    rem = np.zeros(len(weights))
    V, t = 0.0, times[0]
    out_v, out_e = [], []
    for a, u, r in zip(times, users, work):
        while t < a:
            act = rem > 1e-12
            if not act.any():
                t = a
                break
            sw = weights[act].sum()
            rates = np.where(act, cores * weights / sw, 0.0)
            dt_empty = np.min(rem[act] / rates[act])
            dt = min(dt_empty, a - t)
            rem = np.where(act, np.maximum(rem - rates * dt, 0.0), rem)
            V += dt * cores / sw
            t += dt
        rem[u] += r
        out_v.append(V)
        out_e.append(V + rem[u] / weights[u])
    return np.array(out_v), np.array(out_e)


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3), st.integers(1, 30)), min_size=1, max_size=25),
    st.integers(1, 8),
    st.lists(st.sampled_from([1.0, 2.0, 0.5]), min_size=4, max_size=4),
)
def test_uwfq_virtual_time_matches_gps(arr, cores, weights):
    arr = sorted(arr)
    times = [a[0] * 0.5 for a in arr]
    users = [a[1] for a in arr]
    work = [float(a[2]) for a in arr]
    w = np.array(weights)
    v, e, _ = _core.fair_uwfq_virtual(cores, times, users, work, list(weights))
    rv, re = gps_reference(cores, times, users, work, w)
    np.testing.assert_allclose(v, rv, rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(e, re, rtol=1e-9, atol=1e-7)


# --------------------------------------------------------------------------- scenarios


@pytest.mark.parametrize(
    "name, jobs",
    [
        ("2_large_2_small_users", 20),
        ("2_power_2_small_users", 184),
        ("4_large_users", 16),
        ("4_super_small_users", 120),
        ("google_hetero", 125),
        ("google_homo", 97),
    ],
)
def test_scenarios_run(name, jobs):
    r = sk.fair.run_scenario(name, policy="uwfq", record_tasks=True).validate()
    assert r.summary()["jobs"] == jobs


def test_closed_loop_users():
    r = sk.fair.run_scenario("4_large_users", policy="fifo")
    j = r.jobs.to_pylist()
    for u in {x["user"] for x in j}:
        mine = sorted((x for x in j if x["user"] == u), key=lambda x: x["submit_time"])
        for prev, nxt in zip(mine, mine[1:]):
            assert nxt["submit_time"] == pytest.approx(prev["finish_time"])  # think time 0


def test_power_users_uwfq_protects_small_users():
    # The paper's headline (specs/fair.md A.8): CFQ and Fair let bursty power users starve the
    # small users, UWFQ gives them a UJF-like response time.
    s = {
        p: sk.fair.run_scenario("2_power_2_small_users", policy=p).summary()["user_mean_response_time"]
        for p in ("fair", "cfq", "uwfq", "ujf")
    }
    small = lambda d: (d["user3_small"] + d["user4_small"]) / 2  # noqa: E731
    assert small(s["uwfq"]) < 0.5 * small(s["cfq"])
    assert small(s["uwfq"]) < 0.5 * small(s["fair"])
    assert small(s["uwfq"]) < 1.5 * small(s["ujf"])


# --------------------------------------------------------------------------- metrics


def test_summary_and_fairness():
    t = sk.trace.read(DATA / "google2011_wta_500s_hetero.csv")
    ujf = sk.fair.replay(t, policy="ujf")
    s = ujf.summary(ujf)
    assert s["dvr"] == 0.0 and s["violations"] == 0
    for k in (
        "mean_response_time",
        "median_response_time",
        "p95_response_time",
        "p99_response_time",
        "small80_mean_response_time",
        "mean_slowdown",
        "jain_index",
        "user_mean_response_time",
    ):
        assert k in s
    assert 0 < s["jain_index"] <= 1
    assert s["small80_mean_response_time"] <= s["mean_response_time"]
    assert len(s["user_mean_response_time"]) == 27
    assert (ujf.jobs.column("slowdown").to_numpy() >= 1 - 1e-9).all()
    u = ujf.users()
    assert u.num_rows == 27 and sum(u.column("jobs").to_pylist()) == 125
    fifo = sk.fair.replay(t, policy="fifo").summary(ujf)
    assert fifo["violations"] > 0 and fifo["dvr"] > 0


def test_jain():
    assert sk.fair.jain(np.array([1.0, 1.0, 1.0])) == pytest.approx(1.0)
    assert sk.fair.jain(np.array([1.0, 0.0, 0.0, 0.0])) == pytest.approx(0.25)


def test_plot(tmp_path):
    figure = pytest.importorskip("matplotlib.figure")
    t = sk.trace.read(DATA / "google2011_wta_500s_hetero.csv")
    res = {p: sk.fair.replay(t, policy=p) for p in ("fifo", "uwfq")}
    fig = sk.fair.plot(res, path=tmp_path / "ecdf.png")
    assert (tmp_path / "ecdf.png").stat().st_size > 0
    assert isinstance(fig, figure.Figure) and len(fig.axes) == 2


# --------------------------------------------------------------------------- errors


def test_bad_parameters():
    t = HEAVY_LIGHT
    with pytest.raises(InvalidInstanceError, match="cores"):
        sk.fair.replay(t, cores=0)
    with pytest.raises(InvalidInstanceError, match="cores"):
        sk.fair.replay(t, cores=-3)
    with pytest.raises(InvalidInstanceError, match="policy: unknown 'lottery'"):
        sk.fair.replay(t, policy="lottery")
    with pytest.raises(InvalidInstanceError, match="did you mean 'uwfq'"):
        sk.fair.replay(t, policy="uwqf")
    assert sk.fair.replay(t, policy="UWFQ").policy == "uwfq"
    with pytest.raises(InvalidInstanceError, match="grace: must be finite and >= 0"):
        sk.fair.replay(t, policy="uwfq", grace=-5)
    with pytest.raises(InvalidInstanceError, match="cluster: policy 'fifo' runs on the 'slots' model"):
        sk.fair.replay(t, policy="fifo", cluster="resources")
    with pytest.raises(InvalidInstanceError, match="one cluster model"):
        sk.fair.replay_many(t, [dict(policy="fifo"), dict(policy="drf")])
    with pytest.raises(InvalidInstanceError, match="job 0, task 0: no cpu request"):
        sk.fair.replay(t, policy="drf")
    with pytest.raises(InvalidInstanceError, match="estimate"):
        sk.fair.replay(t, estimate="psychic")
    with pytest.raises(InvalidInstanceError, match="tau"):
        sk.fair.replay(t, partition=True, tau=0)
    with pytest.raises(InvalidInstanceError, match="scenario"):
        sk.fair.run_scenario("nope")
    # from_jobs makes the replay's checks itself; a table built by hand meets them at replay
    with pytest.raises(InvalidInstanceError) as exc:
        sk.trace.from_jobs([0, 1], ["a", "b"], [0, 0], [1.0, -1.0])
    assert exc.value.field == "duration" and exc.value.index == 1
    good = sk.trace.from_jobs([0, 1], ["a", "b"], [0, 0], [1.0, 1.0])
    bad = good.set_column(4, "duration", pa.array([1.0, -1.0]))
    with pytest.raises(InvalidInstanceError) as exc:
        sk.fair.replay(bad)
    assert exc.value.field == "duration" and exc.value.index == 1
    nan = good.set_column(2, "submit_time", pa.array([math.nan, 0.0]))
    with pytest.raises(InvalidInstanceError, match="submit_time"):
        sk.fair.replay(nan)
    with pytest.raises(InvalidInstanceError, match="no tasks"):
        sk.fair.replay(sk.trace.SCHEMA.empty_table())
    # the Rust layer rejects bad input with a clear error too (never a panic)
    with pytest.raises(InvalidInstanceError, match="cores"):
        _core.FairEngine(0, "fifo")
    eng = _core.FairEngine(1, "fifo")
    eng.add_users(["a"])
    one = dict(
        job_tag=np.zeros(1, np.int64),
        job_user=np.zeros(1, np.int64),
        job_submit=np.zeros(1),
        job_think=np.zeros(1),
        job_class=np.zeros(1, np.int64),
        task_offsets=np.array([0, 1], np.int64),
        task_duration=np.ones(1),
    )
    with pytest.raises(InvalidInstanceError, match="after"):
        eng.push(job_after=np.array([0], np.int64), **one)
    with pytest.raises(InvalidInstanceError, match="user"):
        eng.push(job_after=np.array([-1], np.int64), **{**one, "job_user": np.array([3], np.int64)})
    with pytest.raises(InvalidInstanceError, match="user") as exc:
        eng.push(job_after=np.array([-1], np.int64), **{**one, "job_user": np.array([-1], np.int64)})
    assert (exc.value.field, exc.value.index) == ("user", 0)
    with pytest.raises(InvalidInstanceError, match="weights") as exc:
        _core.FairEngine(1, "uwfq", weights=[("a", 1.0), ("b", 0.0)])
    assert (exc.value.field, exc.value.index) == ("weights", 1)


def test_replay_from_path_streams_same_result(tmp_path):
    import pyarrow.parquet as pq

    t = sk.trace.read(DATA / "google2011_wta_500s_homo.csv")
    pq.write_table(t, tmp_path / "t.parquet", row_group_size=500)  # many record batches
    a = sk.fair.replay(t, policy="uwfq").jobs
    b = sk.fair.replay(tmp_path / "t.parquet", policy="uwfq", progress=False).jobs
    assert a.equals(b)
