"""schedkit.fair beyond single-stage in-memory replay: streaming through the incremental
engine (same result as one push, memory bounded by the jobs in the system, progress line),
multi-stage jobs (FIFO = job, then stage; DAG parents), DRF per node, one-pass replay_many."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit import _core
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing._trace import one_core_requests
from schedkit.testing.strategies import traces


def with_parents(t: pa.Table, parents: list[list[int] | None]) -> pa.Table:
    return t.append_column("parents", pa.array(parents, pa.list_(pa.int64())))


def finishes(r: sk.fair.Result) -> dict[int, float]:
    return dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("finish_time").to_pylist()))


# --------------------------------------------------------------------------- stages


def test_fifo_orders_by_job_then_stage():
    # 2 cores. Job 0 (t=0): stage 0 = one 2-s task, stage 1 = two 1-s tasks. Job 1 (t=0): two
    # 3-s tasks. t=0: job 0's stage 0 takes a core, job 1 the other (its 2nd task waits).
    # t=2: stage 1 of job 0 becomes ready and, being the earlier job, takes the free core
    # before job 1's pending task. t=3: job 0's task ends first (job id order at equal
    # times) and its last task starts; then job 1's second task starts: ends at 6.
    t = sk.trace.from_jobs([0, 0, 0, 1, 1], list("aaabb"), [0] * 5, [2, 1, 1, 3, 3], stage=[0, 1, 1, 0, 0])
    r = sk.fair.replay(t, policy="fifo", cores=2, record_tasks=True).validate()
    assert finishes(r) == {0: 4.0, 1: 6.0}
    tasks = r.tasks.to_pydict()
    stage1 = [s for j, s, st_ in zip(tasks["job_id"], tasks["start"], tasks["stage"]) if j == 0 and st_ == 1]
    assert sorted(stage1) == [2.0, 3.0]
    assert r.jobs.column("alone_time").to_pylist() == [3.0, 3.0]


def test_parents_make_a_dag_chain_is_the_default():
    # One job, 2 cores: stage 0 (3 s), stage 1 (1 s), stage 2 (1 s). With parents
    # {1: [], 2: [0, 1]} stages 0 and 1 run together and stage 2 follows stage 0: 4 s.
    # Without a parents column the stages form a chain: 3 + 1 + 1 = 5 s.
    t = sk.trace.from_jobs([0, 0, 0], "aaa", [0, 0, 0], [3, 1, 1], stage=[0, 1, 2])
    dag = sk.fair.replay(with_parents(t, [[], [], [0, 1]]), policy="fifo", cores=2, record_tasks=True).validate()
    assert finishes(dag) == {0: 4.0}
    assert dag.jobs.column("alone_time").to_pylist() == [4.0]
    chain = sk.fair.replay(t, policy="fifo", cores=2, record_tasks=True).validate()
    assert finishes(chain) == {0: 5.0}
    # a null parents entry means every lower-numbered stage: stage 2 waits for 0 and 1
    mixed = sk.fair.replay(with_parents(t, [None, [], None]), policy="fifo", cores=2, record_tasks=True).validate()
    assert finishes(mixed) == {0: 4.0}
    # [[], [], []]: three independent stages on 2 cores: 3 s
    free = sk.fair.replay(with_parents(t, [[], [], []]), policy="fifo", cores=2, record_tasks=True).validate()
    assert finishes(free) == {0: 3.0}
    bad = with_parents(t, [[], [5], []])
    with pytest.raises(InvalidInstanceError, match="parent") as exc:
        sk.fair.replay(bad)
    assert exc.value.field == "parents"


def test_ujf_is_fair_across_stages_of_a_user():
    # One user, two single-stage jobs of four 1-s tasks at t=0, 2 cores. FIFO runs job 0
    # first (ends 2, job 1 ends 4). UJF (FAIR inside the user's pool, by running tasks)
    # gives each freed core to the stage with fewer running tasks: job 0 takes both cores
    # at its arrival; at t=1 the first freed core goes to job 1 (0 running), the second to
    # job 0; at t=2 likewise one each; job 0's last task ends at 3, job 1's at 4.
    t = sk.trace.from_jobs([0] * 4 + [1] * 4, "a" * 8, [0] * 8, [1.0] * 8)
    assert finishes(sk.fair.replay(t, policy="fifo", cores=2)) == {0: 2.0, 1: 4.0}
    assert finishes(sk.fair.replay(t, policy="ujf", cores=2, record_tasks=True).validate()) == {0: 3.0, 1: 4.0}


def test_scenario_jobs_as_map_and_reduce_stages():
    # reduce_share: each Loop job is its map tasks, then one reduce task with that share of
    # the work; the work is unchanged and the reduce task starts after the last map task.
    one = sk.fair.run_scenario("4_super_small_users", policy="ujf")
    two = sk.fair.run_scenario("4_super_small_users", policy="ujf", reduce_share=0.1, record_tasks=True).validate()
    np.testing.assert_allclose(two.jobs.column("work").to_numpy(), one.jobs.column("work").to_numpy())
    assert (two.jobs.column("n_tasks").to_numpy() == one.jobs.column("n_tasks").to_numpy() + 1).all()
    t = two.tasks.to_pydict()
    reduce_start = {j: s for j, s, st in zip(t["job_id"], t["start"], t["stage"]) if st == 1}
    map_end: dict[int, float] = {}
    for j, e, stage in zip(t["job_id"], t["end"], t["stage"]):
        if stage == 0:
            map_end[j] = max(map_end.get(j, 0.0), e)
    assert all(reduce_start[j] >= map_end[j] for j in reduce_start) and len(reduce_start) == 120
    with pytest.raises(InvalidInstanceError, match="reduce_share"):
        sk.fair.run_scenario("4_super_small_users", reduce_share=1.0)


# --------------------------------------------------------------------------- DRF per node


def test_drf_per_node_fragmentation():
    # Cluster: 4 cpu, 8 memory. User a: one job of two 10-s tasks needing (1 cpu, 3 mem);
    # user b: one 1-s task needing 2 cpu. Pooled, after a's two tasks 2 cpu are free: b ends
    # at 1. As two nodes of (2 cpu, 4 mem), each node holds one of a's tasks and has 1 cpu
    # left, so b's task fits nowhere until one of a's tasks ends at 10: it ends at 11.
    t = sk.trace.from_jobs([0, 0, 1], "aab", [0, 0, 0], [10, 10, 1])
    t = t.set_column(t.schema.get_field_index("cpu"), "cpu", pa.array([1.0, 1.0, 2.0]))
    t = t.set_column(t.schema.get_field_index("memory"), "memory", pa.array([3.0, 3.0, 0.0]))
    pooled = sk.fair.replay(t, policy="drf", cores=4, memory=8, record_tasks=True).validate()
    assert finishes(pooled) == {0: 10.0, 1: 1.0}
    nodes = sk.fair.replay(t, policy="drf", cores=4, memory=8, nodes=2, record_tasks=True).validate()
    assert finishes(nodes) == {0: 10.0, 1: 11.0}
    assert set(nodes.tasks.column("node").to_pylist()) == {0, 1}
    listed = sk.fair.replay(t, policy="drf", nodes=[(2, 4), (2, 4)], record_tasks=True).validate()
    assert finishes(listed) == finishes(nodes)
    with pytest.raises(InvalidInstanceError, match="job 1, stage 0: request 2 fits on no node"):
        sk.fair.replay(t, policy="drf", nodes=[(1, 4), (1, 4)])
    with pytest.raises(InvalidInstanceError, match="nodes"):
        sk.fair.replay(t, policy="drf", nodes=0)


# --------------------------------------------------------------------------- streaming


def random_trace(n_jobs: int, seed: int, stages: bool = True) -> pa.Table:
    rng = np.random.default_rng(seed)
    sub = np.cumsum(rng.exponential(0.4, n_jobs))
    rows = {"job": [], "user": [], "sub": [], "dur": [], "stage": []}
    for j in range(n_jobs):
        n_st = int(rng.integers(1, 4)) if stages else 1
        for s in range(n_st):
            for _ in range(int(rng.integers(1, 5))):
                rows["job"].append(j)
                rows["user"].append(f"u{rng.integers(0, 5)}" if s == 0 else rows["user"][-1])
                rows["sub"].append(sub[j])
                rows["dur"].append(float(rng.exponential(1.0)))
                rows["stage"].append(s)
    return sk.trace.from_jobs(rows["job"], rows["user"], rows["sub"], rows["dur"], stage=rows["stage"])


@pytest.mark.parametrize("policy", list(sk.fair.POLICIES))
def test_streaming_in_small_chunks_equals_one_push(policy):
    t = one_core_requests(random_trace(300, seed=1))
    whole = sk.fair.replay_many(
        t, [dict(policy=policy, cores=4, partition=True, estimate="noisy")], chunk_rows=1 << 20
    )[0]
    small = sk.fair.replay_many(t, [dict(policy=policy, cores=4, partition=True, estimate="noisy")], chunk_rows=7)[0]
    assert whole.jobs.equals(small.jobs)


def test_replay_many_is_one_pass_with_the_same_results():
    t = random_trace(200, seed=2)
    runs = [dict(policy=p, cores=3) for p in ("fifo", "ujf", "uwfq")]
    many = sk.fair.replay_many(t, runs)
    for spec, r in zip(runs, many):
        assert r.jobs.equals(sk.fair.replay(t, **spec).jobs)
    with pytest.raises(InvalidInstanceError, match="at least one"):
        sk.fair.replay_many(t, [])
    with pytest.raises(InvalidInstanceError) as exc:
        sk.fair.replay_many(t, [dict(policy="fifo"), dict(polcy="ujf")])
    assert exc.value.field == "runs" and exc.value.index == 1


def test_engine_memory_is_bounded_by_jobs_in_the_system():
    # 20,000 one-task jobs, one per second, 1 s each on 2 cores: at most a couple of jobs are
    # ever in the system, so after each pushed chunk (+ advance) the engine holds only the
    # chunk's last jobs, never the trace.
    n, chunk = 20_000, 500
    eng = _core.FairEngine(2, "uwfq")
    eng.add_users(["a", "b", "c"])
    peak, done = 0, 0
    for lo in range(0, n, chunk):
        k = min(chunk, n - lo)
        eng.push(
            np.arange(lo, lo + k, dtype=np.int64),
            np.arange(lo, lo + k, dtype=np.int64) % 3,
            np.arange(lo, lo + k, dtype=np.float64),
            np.full(k, -1, np.int64),
            np.zeros(k),
            np.zeros(k, np.int64),
            np.arange(k + 1, dtype=np.int64),
            np.ones(k),
        )
        eng.advance(float(lo + k - 1))
        peak = max(peak, eng.live_jobs)
        done += len(eng.take_finished()["gid"])
    eng.finish()
    done += len(eng.take_finished()["gid"])
    assert done == n and eng.live_jobs == 0
    assert peak <= 2
    # pushing into the past of the simulation is an error, not a silent reorder
    with pytest.raises(InvalidInstanceError, match="submit order"):
        e2 = _core.FairEngine(1, "fifo")
        e2.add_users(["a"])

        def one(s):
            return (
                np.zeros(1, np.int64),
                np.zeros(1, np.int64),
                np.array([s]),
                np.full(1, -1, np.int64),
                np.zeros(1),
                np.zeros(1, np.int64),
                np.array([0, 1], np.int64),
                np.ones(1),
            )

        e2.push(*one(5.0))
        e2.advance(5.0)
        e2.push(*one(4.0))


def test_replay_from_spilled_file_equals_in_memory(tmp_path):
    t = random_trace(400, seed=3)
    rng = np.random.default_rng(0)
    shuffled = t.take(pa.array(rng.permutation(t.num_rows)))  # file order need not be submit order
    pq.write_table(shuffled, tmp_path / "t.parquet", row_group_size=100)
    a = sk.fair.replay(t, policy="uwfq", cores=4).jobs
    b = sk.fair.replay_many(tmp_path / "t.parquet", [dict(policy="uwfq", cores=4)], run_rows=300, chunk_rows=50)[0].jobs
    assert a.equals(b)


def test_progress_line_on_request_silent_otherwise(tmp_path, capsys, monkeypatch):
    t = random_trace(50, seed=4, stages=False)
    pq.write_table(t, tmp_path / "t.parquet")
    sk.fair.replay(tmp_path / "t.parquet", policy="fifo")  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("COLUMNS", "60")  # shutil.get_terminal_size reads it first
    sk.fair.replay(tmp_path / "t.parquet", policy="fifo", progress=True)
    err = capsys.readouterr().err
    # each redraw names its phase and fits the terminal (never wraps); one final newline
    draws = [d for d in err.replace("\n", "\r").split("\r") if d.strip()]
    assert all(len(d) <= 59 for d in draws), draws
    phases = [d.split(": ", 1)[1].split(" ")[0] for d in draws]
    assert phases[0] == "reading" and "sorting" in phases and "simulating" in phases and phases[-1] == "finishing"
    assert "50 jobs in, 50 done" in draws[-1] and err.endswith("\n") and not err.endswith("\n\n")


# --------------------------------------------------------------------------- properties


@given(
    traces(max_jobs=8, max_stages=3, max_tasks=3),
    st.sampled_from(list(sk.fair.POLICIES)),
    st.integers(1, 4),
    st.booleans(),
    st.integers(1, 30),
)
def test_staged_properties_and_chunking(trace, policy, cores, partition, chunk_rows):
    # validate(): every task once, never more than C busy, no core idle while a task whose
    # stage is ready is pending, no task before its parents finished, finish = last task end.
    spec = dict(policy=policy, cores=cores, partition=partition, tau=0.5, record_tasks=True)
    trace = one_core_requests(trace)
    r = sk.fair.replay_many(trace, [spec], chunk_rows=chunk_rows)[0].validate()
    rt = r.jobs.column("response_time").to_numpy()
    # alone_time is a greedy list schedule of the job's stage DAG (the slowdown denominator),
    # not a lower bound: a policy may beat it on a staged job. Work over cores is a bound.
    work = r.jobs.column("work").to_numpy()
    assert (rt >= work / cores - 1e-9 * np.maximum(1.0, work)).all()
    assert r.jobs.equals(sk.fair.replay(trace, **spec).jobs)


def test_alibaba_v2018_dag_replays_end_to_end(tmp_path):
    # j_5: M1 (60 s) -> R2_1 (10 s) -> J3_1_2 (10 s), submitted at 100 (its earliest task):
    # the DAG makes it end at 180 on any number of cores. j_11: two non-DAG tasks (one
    # stage) of 3 and 4 s at 200: ends at 204.
    rows = [
        "M1,10,j_5,1,Terminated,100,160,100,0.39",
        "R2_1,1,j_5,1,Terminated,160,170,50,0.2",
        "J3_1_2,1,j_5,1,Terminated,170,180,50,0.2",
        "task_abc,2,j_11,12,Terminated,200,203,,",
        "task_Nzg3ODAwNDgzMTAxNTU1MDcyMQ==,2,j_11,12,Terminated,200,204,,",
    ]
    path = tmp_path / "batch_task.csv"
    path.write_text("\n".join(rows) + "\n")
    for cores in (1, 4):
        r = sk.fair.replay(path, policy="fifo", cores=cores, format="alibaba_v2018", record_tasks=True).validate()
        assert finishes(r) == {5: 180.0, 11: 204.0 if cores > 1 else 207.0}


@pytest.mark.parametrize("policy", list(sk.fair.POLICIES))
def test_pushing_in_small_pieces_changes_nothing(monkeypatch, policy):
    # replay pushes each chunk in pieces of PIECE_JOBS jobs; pieces of 3 jobs (staged jobs
    # with a parents DAG, requests, a pool column) give the one-piece results exactly
    from schedkit.fair import _replay

    t = one_core_requests(random_trace(120, seed=7))
    t = with_parents(t, [[] if s % 2 else None for s in t.column("stage").to_pylist()])
    pools = ["p" if j % 3 else None for j in t.column("job_id").to_pylist()]
    t = t.append_column("pool", pa.array(pools, pa.string()))
    spec = dict(policy=policy, cores=3, partition=True, estimate="noisy", record_tasks=True)
    whole = sk.fair.replay_many(t, [spec])[0].validate()
    monkeypatch.setattr(_replay, "PIECE_JOBS", 3)
    small = sk.fair.replay_many(t, [spec])[0].validate()
    assert whole.jobs.equals(small.jobs) and whole.tasks.equals(small.tasks)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_replay_to_streams_the_same_jobs(tmp_path, suffix):
    t = random_trace(200, seed=3)
    runs = [dict(policy="fifo", cores=3), dict(policy="uwfq", cores=3, partition=True)]
    out = tmp_path / f"jobs{suffix}"
    streamed = sk.fair.replay_to(out, t, runs, chunk_rows=17)
    assert all(r.jobs.num_rows == 0 for r in streamed)  # the jobs are in the file, not in memory
    for i, r in enumerate(sk.fair.replay_many(t, runs)):
        assert sk.fair.run_jobs(out, i).sort_by("job_id").equals(r.jobs.sort_by("job_id"))
    # compare() with out= gives the same table as without
    a = sk.fair.compare(t, runs)
    b = sk.fair.compare(t, runs, out=tmp_path / f"c{suffix}")
    assert a.equals(b)
