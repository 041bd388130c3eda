"""Issue 13's speed and memory figures for schedkit.fair, each next to its anchor, in one run.

1. Small jobs: 10^6 single-task jobs from 200 users (string names) on 64 cores at load 0.9,
   replayed from an Arrow table (reading, sorting, simulation and the result table all
   included) under FIFO and UWFQ, against a lean Python heapq FIFO (bench/ref_fair.py) and the
   SimPy FIFO (bench/ref_fair_simpy.py) on the same jobs, finish times checked equal first.
   Wall time (best of 3) and process CPU time, ns per job (= per task here).
2. 10^7 tasks in multi-task jobs (bench_fair's workload: 1 + Geometric(mean 9) tasks per job,
   100 Zipf users, 32 cores): ``replay`` from the Arrow table under every policy, three times
   each: the best and the slowest wall time, so the spread is in the table too.
3. DRF placement against the node count: 10^5 one-cpu tasks on 10 .. 10^4 nodes of 4 cpus
   (arrivals scaled to load 0.9), ns per task.
4. (``--stream``) A 10^8-task synthetic trace written as Parquet (in a temporary folder, not
   kept), replayed under UWFQ with ``replay_to`` (finished jobs streamed to Parquet) in a
   child process: peak RSS (VmHWM) and time.
5. Where the time goes: process-CPU seconds by phase (ordering, converting, push, simulate,
   result) of one replay each of sections 1 and 2 (FIFO, UWFQ; FIFO, UJF, DRF), from timers
   put around the functions ``fair.replay`` calls, with the engine in the foreground.
6. UWFQ with many users active at once: 2*10^5 single-task jobs of 20,000 users over 2,000 s
   at load 1.2 on 64 cores (the virtual time's work per event grows with the active users).
7. DRF placement alone: 10^6 tasks of section 2's kind on the same 40,000 cpus as 10 nodes of 4,000
   cpus and as 10^4 nodes of 4 cpus, FIFO on 40,000 cores the anchor (section 3 grows the
   cluster with the nodes, so the running tasks grow too; here only the placement differs).

    python bench/bench_fair_issue13.py              # all but section 4, a few minutes on 2 cores
    python bench/bench_fair_issue13.py --stream     # section 4 too (long; run it with nohup)
    python bench/bench_fair_issue13.py --small-only # section 1 alone, printed, nothing written

Writes bench/results/fair_issue13.md.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import schedkit as sk
from schedkit import fair

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _env  # noqa: E402
import bench_fair as B  # noqa: E402
import ref_fair as R  # noqa: E402
import ref_fair_simpy as S  # noqa: E402


def small_jobs(n: int, users: int = 200, cores: int = 64, load: float = 0.9, seed: int = 13) -> pa.Table:
    """n single-task jobs, exponential(1 s) durations, Poisson arrivals at ``load`` on ``cores``."""
    rng = np.random.default_rng(seed)
    dur = rng.exponential(1.0, n)
    submit = np.cumsum(rng.exponential(1.0 / (load * cores), n))
    user = rng.integers(0, users, n)
    names = np.array([f"user_{u:03d}" for u in range(users)], dtype=object)
    return pa.table(
        {
            "job_id": np.arange(n, dtype=np.int64),
            "user": pa.array(names[user], pa.string()),
            "submit_time": submit,
            "task_id": np.zeros(n, np.int64),
            "duration": dur,
        }
    )


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """Best wall and best process-CPU seconds of ``repeats`` calls, and the last result."""
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - w0), min(cpu, time.process_time() - c0)
    return wall, cpu, out


class Phases:
    """Process-CPU seconds of one ``fair.replay`` by phase, from timers put around the
    functions it calls (ordering: producing the ordered chunks; converting: chunk to engine
    arrays; push and simulate: the engine's calls; result: the job table). Timers only: the
    replay runs its own code unchanged."""

    def __init__(self) -> None:
        self.s = dict.fromkeys(("ordering", "converting", "push", "simulate", "result"), 0.0)

    def _timed(self, phase: str, fn):
        def run(*a, **k):
            c0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.s[phase] += time.process_time() - c0

        return run

    def measure(self, table: pa.Table, **spec) -> dict[str, float]:
        from schedkit.fair import _engine, _replay

        saved = {
            "ordered_jobs": _replay.ordered_jobs,
            "batch_from_chunk": _replay.batch_from_chunk,
            "job_table": _replay.job_table,
        }
        runner = {m: getattr(_engine.Runner, m) for m in ("push", "finish")}

        def push(r, b, until=None):
            # In the foreground, so each phase's CPU time is its own: a replay's runs
            # otherwise check, add and simulate a chunk on the engine's thread while the
            # next chunk is converted.
            self._timed("push", runner["push"])(r, b)
            if until is not None:
                self._timed("simulate", r.engine.advance)(until)

        def ordered(*a, **k):  # the call checks, the chunks are made lazily: time both
            it = self._timed("ordering", saved["ordered_jobs"])(*a, **k)  # a table is checked here
            while True:
                try:
                    chunk = self._timed("ordering", next)(it)
                except StopIteration:
                    return
                yield chunk

        _replay.ordered_jobs = ordered
        _replay.batch_from_chunk = self._timed("converting", saved["batch_from_chunk"])
        _replay.job_table = self._timed("result", saved["job_table"])
        _engine.Runner.push = push
        _engine.Runner.finish = self._timed("simulate", runner["finish"])
        try:
            c0 = time.process_time()
            fair.replay(table, **spec)
            total = time.process_time() - c0
        finally:
            for k, v in saved.items():
                setattr(_replay, k, v)
            for k, v in runner.items():
                setattr(_engine.Runner, k, v)
        return {"total": total, **self.s, "other": total - sum(self.s.values())}


def phases(table: pa.Table, repeats: int = 2, **spec) -> dict[str, float]:
    """The phases of the replay with the smallest total of ``repeats``."""
    return min((Phases().measure(table, **spec) for _ in range(repeats)), key=lambda p: p["total"])


def small_section(n: int) -> list[dict]:
    cores = 64
    t = small_jobs(n)
    # the references take prepared lists: users numbered by first appearance, one task per job
    _, first = np.unique(t.column("user").to_numpy(zero_copy_only=False), return_index=True)
    user = np.searchsorted(np.sort(first), first)  # not used by FIFO; kept for the call shape
    users = np.zeros(n, dtype=np.int64)
    users[:] = np.unique(t.column("user").to_numpy(zero_copy_only=False), return_inverse=True)[1]
    del user
    args = (users.tolist(), t.column("submit_time").to_pylist(), list(range(n + 1)), t.column("duration").to_pylist())
    rows = []
    heap_w, heap_c, ref = timed(lambda: R.simulate("fifo", cores, *args), 2)
    simpy_w, simpy_c, ref2 = timed(lambda: S.simulate("fifo", cores, *args), 1)
    for pol in ("fifo", "uwfq"):
        w, c, r = timed(lambda pol=pol: fair.replay(t, policy=pol, cores=cores), 3)
        if pol == "fifo":
            got = B.finish_by_job(r)
            if not (B.same(np.asarray(ref), np.asarray(ref2)) and B.same(got, np.asarray(ref))):
                raise SystemExit("small jobs: schedkit FIFO, heapq and SimPy finish times disagree")
        rows.append({"policy": pol, "jobs": n, "wall_s": w, "cpu_s": c})
        print(rows[-1], flush=True)
    for pol in ("fifo", "uwfq"):
        PHASES[f"{n:,} single-task jobs, {pol}"] = phases(t, policy=pol, cores=cores)
    # where the time goes: the ordering alone (what every policy's replay starts with)
    w, c, _ = timed(lambda: list(sk.trace.ordered_jobs(t)), 3)
    rows.append({"policy": "of which ordering (trace.ordered_jobs)", "jobs": n, "wall_s": w, "cpu_s": c})
    print(rows[-1], flush=True)
    rows.append({"policy": "fifo (heapq reference, best of 2)", "jobs": n, "wall_s": heap_w, "cpu_s": heap_c})
    rows.append({"policy": "fifo (SimPy reference, once)", "jobs": n, "wall_s": simpy_w, "cpu_s": simpy_c})
    return rows


def big_section(n_tasks: int) -> list[dict]:
    w = B.workload(n_tasks)
    tab = B.canonical_table(w)
    rows = []
    for pol in B.POLICIES:
        if pol == "drf":  # the resources model needs cpu requests: one core each (= the slots model)
            t = tab.set_column(tab.schema.get_field_index("cpu"), "cpu", pa.array(np.ones(tab.num_rows)))
        else:
            t = tab
        runs = [timed(lambda t=t, pol=pol: fair.replay(t, policy=pol, cores=B.CORES), 1) for _ in range(3)]
        walls = [wall for wall, _, _ in runs]
        cpu, r = min(c for _, c, _ in runs), runs[-1][2]
        row = {"policy": pol, "jobs": r.jobs.num_rows, "tasks": tab.num_rows, "wall_s": min(walls), "cpu_s": cpu}
        rows.append(row | {"wall_max_s": max(walls)})
        print(rows[-1], flush=True)
    for pol in ("fifo", "ujf", "drf"):
        t = (
            tab
            if pol != "drf"
            else tab.set_column(tab.schema.get_field_index("cpu"), "cpu", pa.array(np.ones(tab.num_rows)))
        )
        PHASES[f"{n_tasks:,} tasks, {pol}"] = phases(t, repeats=1, policy=pol, cores=B.CORES)
    return rows


def many_users_section(n: int = 200_000, users: int = 20_000, cores: int = 64) -> dict:
    """UWFQ replay of ``n`` single-task jobs from ``users`` users, overloaded (load 1.2), so
    thousands of users are active in the virtual system at once."""
    rng = np.random.default_rng(1)
    horizon = 2000.0
    table = pa.table(
        {
            "job_id": np.arange(n, dtype=np.int64),
            "user": pa.array([f"u{u:05d}" for u in rng.integers(0, users, n)], pa.string()),
            "submit_time": np.sort(rng.uniform(0, horizon, n)),
            "task_id": np.zeros(n, np.int64),
            "duration": rng.exponential(1.2 * cores * horizon / n, n),
        }
    )
    wall, cpu, _ = timed(lambda: fair.replay(table, policy="uwfq", cores=cores), 2)
    row = {"jobs": n, "users": users, "wall_s": wall, "cpu_s": cpu}
    print(row, flush=True)
    return row


#: Where the time of a replay goes, by run (filled by the sections, reported last).
PHASES: dict[str, dict[str, float]] = {}


def drf_nodes_section(n_tasks: int) -> list[dict]:
    """DRF placement cost against the node count: the same jobs (1-cpu tasks) on N nodes of 4
    cpus, arrivals scaled to load 0.9 on the 4N cpus, so only the node count changes."""
    w = B.workload(n_tasks)
    tab = B.canonical_table(w)
    tab = tab.set_column(tab.schema.get_field_index("cpu"), "cpu", pa.array(np.ones(tab.num_rows)))
    tab = tab.set_column(tab.schema.get_field_index("memory"), "memory", pa.array(np.zeros(tab.num_rows)))
    sub = tab.column("submit_time").to_numpy()
    rows = []
    for nodes in (10, 100, 1_000, 10_000):
        t = tab.set_column(
            tab.schema.get_field_index("submit_time"), "submit_time", pa.array(sub * B.CORES / (4 * nodes))
        )
        spec = dict(policy="drf", cores=4 * nodes, nodes=[(4.0, 1.0)] * nodes)
        wall, cpu, _ = timed(lambda t=t, spec=spec: fair.replay(t, **spec), 2)
        rows.append({"nodes": nodes, "tasks": tab.num_rows, "wall_s": wall, "cpu_s": cpu})
        print(rows[-1], flush=True)
    return rows


def drf_same_cores_section(n_tasks: int, total: int = 40_000) -> list[dict]:
    """DRF placement alone: the same jobs on the same ``total`` cpus as 10 nodes of
    ``total / 10`` cpus and as ``total / 4`` nodes of 4 cpus (arrivals scaled to load 0.9),
    and FIFO on ``total`` cores (no placement) as the anchor. The node-count section also
    grows the cluster, so the running tasks (the completion heap) grow with the nodes;
    here they are the same, and only the placement differs."""
    w = B.workload(n_tasks)
    tab = B.canonical_table(w)
    tab = tab.set_column(tab.schema.get_field_index("cpu"), "cpu", pa.array(np.ones(tab.num_rows)))
    tab = tab.set_column(tab.schema.get_field_index("memory"), "memory", pa.array(np.zeros(tab.num_rows)))
    sub = tab.column("submit_time").to_numpy()
    t = tab.set_column(tab.schema.get_field_index("submit_time"), "submit_time", pa.array(sub * B.CORES / total))
    runs = [
        (f"drf, 10 nodes of {total // 10:,} cpus", dict(policy="drf", cores=total, nodes=[(total / 10, 1.0)] * 10)),
        (f"drf, {total // 4:,} nodes of 4 cpus", dict(policy="drf", cores=total, nodes=[(4.0, 1.0)] * (total // 4))),
        (f"fifo, {total:,} cores (no placement)", dict(policy="fifo", cores=total)),
    ]
    rows, finish = [], []
    for name, spec in runs:
        wall, cpu, r = timed(lambda spec=spec: fair.replay(t, **spec), 3)
        finish.append(B.finish_by_job(r))
        rows.append({"run": name, "tasks": tab.num_rows, "wall_s": wall, "cpu_s": cpu})
        print(rows[-1], flush=True)
    # One-cpu tasks on whole-cpu nodes: a task fits iff a cpu is free, whatever the nodes,
    # and the users' shares are of the same total, so both DRF runs start every task alike.
    if not np.array_equal(finish[0], finish[1]):
        raise SystemExit("DRF on 10 nodes and on many nodes of the same cpus disagree")
    return rows


CHILD = r"""
import os, sys, json, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
from schedkit import fair
def hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
t0 = time.perf_counter()
fair.replay_to(sys.argv[2], sys.argv[1], [dict(policy="uwfq", cores=32)])
print(json.dumps({"seconds": time.perf_counter() - t0, "hwm_mb": hwm()}))
"""


def stream_section(n_tasks: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="schedkit-bench-") as d:
        src, out = Path(d) / "trace.parquet", Path(d) / "jobs.parquet"
        t0 = time.perf_counter()
        w = B.workload(n_tasks)
        B.write_parquet(w, src)
        jobs = w.batch.n_jobs
        del w
        gen = time.perf_counter() - t0
        p = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out)], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(p.stderr)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        res.update(tasks=n_tasks, jobs=jobs, generate_s=gen, trace_mb=src.stat().st_size / 2**20)
        print(res, flush=True)
        return res


def report(
    small: list[dict],
    big: list[dict],
    stream: dict | None,
    env: dict,
    seconds: float,
    drf: list[dict] | None = None,
    many: dict | None = None,
    same: list[dict] | None = None,
) -> str:
    lines = [_env.header("schedkit.fair: issue 13 figures", env, False, seconds, "python bench/bench_fair_issue13.py")]
    lines.append(f"\n## {small[0]['jobs']:,} single-task jobs, 200 users, 64 cores, replay from an Arrow table\n")
    lines.append(
        "Everything a user's `fair.replay(table)` does (ordering, grouping, simulation, result table); the "
        "references simulate prepared Python lists. Target (issue 13): under 0.2 s for FIFO and UWFQ. "
        "The replay simulates a chunk on the engine's own thread while it converts the next one, so its "
        "wall time can be below its CPU time (two threads' CPU).\n"
    )
    ref = next(r for r in small if r["policy"].startswith("fifo (heapq"))
    rows = [
        [
            r["policy"],
            f"{r['wall_s']:.3f}",
            f"{r['cpu_s']:.3f}",
            f"{r['cpu_s'] / r['jobs'] * 1e9:,.0f}",
            f"{ref['cpu_s'] / r['cpu_s']:.2f}x",
        ]
        for r in small
    ]
    lines.append(
        _env.md_table(["run", "wall s (best of 3)", "CPU s", "CPU ns per job (= per task)", "vs heapq (CPU)"], rows)
    )
    lines.append(
        f"\n## {big[0]['tasks']:,} tasks in multi-task jobs (32 cores), replay from an Arrow table, three times each\n"
    )
    lines.append("Target (issue 13): under 1 s for every policy.\n")
    rows = [
        [
            r["policy"],
            f"{r['jobs']:,}",
            f"{r['wall_s']:.3f}",
            f"{r['wall_max_s']:.3f}",
            f"{r['cpu_s']:.2f}",
            f"{r['cpu_s'] / r['jobs'] * 1e9:,.0f}",
            f"{r['cpu_s'] / r['tasks'] * 1e9:,.0f}",
        ]
        for r in big
    ]
    lines.append(
        _env.md_table(
            ["policy", "jobs", "wall s (best of 3)", "wall s (slowest)", "CPU s (best)", "ns per job", "ns per task"],
            rows,
        )
    )
    if drf:
        lines.append(f"\n## DRF placement against the node count ({drf[0]['tasks']:,} one-cpu tasks, load 0.9)\n")
        lines.append(
            _env.md_table(
                ["nodes (4 cpus each)", "wall s", "CPU s", "CPU ns per task"],
                [
                    [
                        f"{r['nodes']:,}",
                        f"{r['wall_s']:.2f}",
                        f"{r['cpu_s']:.2f}",
                        f"{r['cpu_s'] / r['tasks'] * 1e9:,.0f}",
                    ]
                    for r in drf
                ],
            )
        )
    if same:
        lines.append(
            f"\n## DRF placement alone: {same[0]['tasks']:,} one-cpu tasks on the same cpus, few or many "
            "nodes (load 0.9, best of 3)\n"
        )
        lines.append(
            "The node-count table above grows the cluster with the nodes, so the tasks running at once (the "
            "engine's completion heap) grow too; here the cpus and the running tasks are the same and only "
            "DRF's placement differs. FIFO on the same cores (no placement) is the anchor; the two DRF runs' "
            "finish times are checked equal first (one-cpu tasks on whole-cpu nodes fit wherever a cpu is free).\n"
        )
        fifo = same[-1]
        lines.append(
            _env.md_table(
                ["run", "wall s", "CPU s", "CPU ns per task", "vs FIFO (CPU)"],
                [
                    [
                        r["run"],
                        f"{r['wall_s']:.3f}",
                        f"{r['cpu_s']:.3f}",
                        f"{r['cpu_s'] / r['tasks'] * 1e9:,.0f}",
                        f"{r['cpu_s'] / fifo['cpu_s']:.2f}x",
                    ]
                    for r in same
                ],
            )
        )
    if many:
        lines.append(
            f"\n## UWFQ with many active users ({many['jobs']:,} single-task jobs, {many['users']:,} users, "
            "load 1.2, 64 cores)\n"
        )
        lines.append(
            _env.md_table(
                ["wall s (best of 2)", "CPU s", "CPU ns per job"],
                [[f"{many['wall_s']:.2f}", f"{many['cpu_s']:.2f}", f"{many['cpu_s'] / many['jobs'] * 1e9:,.0f}"]],
            )
        )
    if PHASES:
        lines.append("\n## Where the time goes: process-CPU seconds by phase of one replay\n")
        lines.append(
            "Timers around the functions `fair.replay` calls (the smallest total of two replays for the "
            "small jobs, one for the 10^7 tasks): ordering (`trace.ordered_jobs` producing the chunks), "
            "converting (a chunk to the engine's arrays), push and simulate (the Rust engine's calls), "
            "result (the job table); other: the rest (set-up, timers). Measured with the engine in the "
            "foreground (each chunk pushed, then simulated), so each phase's CPU time is its own.\n"
        )
        keys = ["total", "ordering", "converting", "push", "simulate", "result", "other"]
        lines.append(
            _env.md_table(["run", *keys], [[name, *(f"{p[k]:.3f}" for k in keys)] for name, p in PHASES.items()])
        )
    if stream:
        lines.append(
            f"\n## {stream['tasks']:,}-task trace, UWFQ, `replay_to` (jobs streamed to Parquet), child process\n"
        )
        lines.append(
            _env.md_table(
                ["tasks", "jobs", "trace file", "replay s", "peak RSS (VmHWM)"],
                [
                    [
                        f"{stream['tasks']:,}",
                        f"{stream['jobs']:,}",
                        f"{stream['trace_mb']:,.0f} MB",
                        f"{stream['seconds']:.1f}",
                        f"{stream['hwm_mb']:,.0f} MB",
                    ]
                ],
            )
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stream", action="store_true", help="also the 10^8-task streaming memory run")
    ap.add_argument("--small", type=int, default=10**6, help="single-task jobs in section 1")
    ap.add_argument("--big", type=int, default=10**7, help="tasks in section 2")
    ap.add_argument("--stream-tasks", type=int, default=10**8, help="tasks in section 3")
    ap.add_argument("--drf-tasks", type=int, default=10**5, help="tasks of the DRF node-count section")
    ap.add_argument("--drf-same-tasks", type=int, default=10**6, help="tasks of the DRF same-cpus section")
    ap.add_argument("--small-only", action="store_true", help="section 1 alone, printed (bench/results is not written)")
    a = ap.parse_args()
    if a.small_only:
        small_section(a.small)
        for name, p in PHASES.items():
            print(name, {k: round(v, 3) for k, v in p.items()})
        return
    t0 = time.perf_counter()
    env = _env.environment()
    small = small_section(a.small)
    big = big_section(a.big)
    drf = drf_nodes_section(a.drf_tasks)
    same = drf_same_cores_section(a.drf_same_tasks)
    many = many_users_section()
    stream = stream_section(a.stream_tasks) if a.stream else None
    text = report(small, big, stream, env, time.perf_counter() - t0, drf, many, same)
    out = HERE / "results" / "fair_issue13.md"
    out.write_text(text)
    print(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
