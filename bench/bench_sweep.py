"""Benchmark of schedkit.sweep: the same sweeps on every backend, against the loop a user writes
by hand.

Sweeps (each run's result is checked identical across backends, wall times aside):

* ``fair``: 200 replays of the bundled Google 2011 windows (hetero and homo, 824 and 1,009
  tasks): 5 policies x partitioning x noisy estimates with 10 seeds. The anchor is the hand
  loop ``for run in runs: sk.fair.replay(path, **run)``, one process, one replay at a time.
* ``dag``: 1,000 schedules: 5 algorithms x generated DAGs of 100 and 500 tasks x CCR 0.5 and 2
  x 50 seeds. The anchor is the hand loop ``random_dag`` + ``schedule`` per run.

Backends: local threads (1 and 2 workers), processes (2), Ray (2 CPUs) and Dask (a
LocalCluster of 2 single-threaded workers). Ray and Dask are timed twice: started by the
sweep (what ``schedkit sweep --backend ray`` costs from cold) and on an instance the user
already runs (the per-sweep cost on a live cluster). Per-run overhead: the sweep with one
worker on the backend (engine running), minus a one-run sweep on it (its start-up), minus
the local 1-worker time, over the runs: what the backend adds to each run without parallelism.

    python bench/bench_sweep.py           # about 2 minutes on 2 cores
    python bench/bench_sweep.py --quick   # smoke test (20 fair runs, 100 dag runs)

Writes bench/results/sweep.md (bench/results/quick/sweep.md with --quick).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _env import environment, header  # noqa: E402

import schedkit as sk  # noqa: E402

WORKERS = 2
#: Best of this many runs of each timing (the 2-core machine is shared; a cold engine start is
#: timed once).
REPEATS = 2
WINDOWS = ["google2011_wta_500s_hetero.csv", "google2011_wta_500s_homo.csv"]


def fair_runs(quick: bool) -> list[dict]:
    return sk.sweep.grid(
        area="fair",
        trace=WINDOWS,
        policy=["fifo", "fair", "ujf", "cfq", "uwfq"],
        partition=[False, True],
        estimate="noisy",
        seed=range(1 if quick else 10),
    )


def dag_runs(quick: bool) -> list[dict]:
    return sk.sweep.grid(
        area="dag",
        algorithm=["heft", "cpop", "peft", "mct", "met"],
        tasks=[100, 500],
        ccr=[0.5, 2.0],
        seed=range(5 if quick else 50),
    )


def hand_loop(name: str, runs: list[dict], table) -> float:
    """Best of REPEATS runs of :func:`_hand_loop`."""
    return min(_hand_loop(name, runs, table) for _ in range(REPEATS))


def _hand_loop(name: str, runs: list[dict], table) -> float:
    """The anchor: the loop a user writes, one run after the other, with the sweep's seeds."""
    seeds = table.column("run_seed").to_pylist()
    t0 = time.perf_counter()
    if name == "fair":
        paths = {w: sk.data.path(w) for w in WINDOWS}
        out = [
            sk.fair.replay(
                paths[r["trace"]], policy=r["policy"], partition=r["partition"], estimate="noisy", seed=s
            ).summary()["mean_response_time"]
            for r, s in zip(runs, seeds)
        ]
        metric = "mean_response_time"
    else:
        out = []
        for r, s in zip(runs, seeds):
            g, plat = sk.dag.random_dag(r["tasks"], ccr=r["ccr"], seed=s)
            out.append(sk.dag.schedule(g, plat, algorithm=r["algorithm"], seed=s).validate().makespan)
        metric = "makespan"
    seconds = time.perf_counter() - t0
    assert out == table.column(metric).to_pylist(), f"{name}: the hand loop disagrees with the sweep"
    return seconds


class _Started:
    """A Ray instance or Dask cluster the 'user' started before the sweep."""

    def __init__(self, backend: str, workers: int) -> None:
        if backend == "ray":
            import ray

            ray.init(num_cpus=workers, include_dashboard=False)
            self.stop = ray.shutdown
        else:
            import distributed

            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
            client = distributed.Client(cluster)

            def stop() -> None:
                client.close()
                cluster.close()

            self.stop = stop


def timed(runs, reference, backend="local", workers=None, running=False, repeats=REPEATS) -> float:
    """Best wall time of ``repeats`` runs of one sweep (on an engine started beforehand when
    ``running``, the sweep repeated on it); checks each table against the reference."""
    started = _Started(backend, workers or WORKERS) if running else None
    best = float("inf")
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            t = sk.sweep.run(runs, backend=backend, workers=None if running else workers, progress=False)
            best = min(best, time.perf_counter() - t0)
            assert t.column("error").null_count == t.num_rows, t.column("error").drop_null().to_pylist()[:3]
            if reference is not None:
                assert t.drop_columns(["wall_time_s"]).equals(reference.drop_columns(["wall_time_s"]))
    finally:
        if started is not None:
            started.stop()
    return best


def run(quick: bool = False, log=print) -> dict:
    t_start = time.perf_counter()
    load_before = os.getloadavg()[0]
    engines = [b for b, mod in (("ray", "ray"), ("dask", "distributed")) if importlib.util.find_spec(mod)]
    backends = ["local", "processes", *engines]
    live = {"local": False, "processes": False, "ray": True, "dask": True}
    one = sk.sweep.grid(area="dag", algorithm="heft", tasks=10)
    rows = []
    for name, runs in (("fair", fair_runs(quick)), ("dag", dag_runs(quick))):
        n = len(runs)
        reference = sk.sweep.run(runs, workers=1, progress=False)
        anchor = hand_loop(name, runs, reference)
        serial = timed(runs, reference, workers=1)
        log(f"{name}: {n} runs; hand loop {anchor:.2f} s, local 1 worker {serial:.2f} s")
        rows.append((name, "hand loop (anchor)", n, anchor, None, None))
        rows.append((name, "local threads, 1 worker", n, serial, None, None))
        for backend in backends:
            cold = timed(runs, reference, backend, WORKERS, repeats=REPEATS if backend == "local" else 1)
            warm = timed(runs, reference, backend, WORKERS, running=True) if live[backend] else None
            overhead = None
            if backend != "local":
                # one worker, so no parallelism: what the backend adds per run, its start-up
                # (a one-run sweep on it) taken out
                startup = timed(one, None, backend, 1, running=live[backend])
                single = timed(runs, reference, backend, 1, running=live[backend])
                overhead = (single - startup - serial) / n
            label = {"local": "local threads"}.get(backend, backend)
            rows.append((name, f"{label}, {WORKERS} workers", n, cold, warm, overhead))
            log(f"  {backend}: {cold:.2f} s" + (f" (engine running: {warm:.2f} s)" if warm is not None else ""))
        for engine in ("ray", "dask"):
            if engine not in engines:
                rows.append((name, f"{engine}: not installed (pip install 'schedkit[{engine}]')", n, None, None, None))
    md = [
        "",
        f"## Sweeps on every backend ({WORKERS} workers; per-run results identical on all of them)",
        "",
        f"Wall time of the whole sweep, best of {REPEATS} (a cold engine start once). *Started*: the backend is started by the sweep and stopped after it "
        "(threads, spawned processes, a Ray instance, a Dask LocalCluster). *Running*: on a Ray instance / "
        "Dask cluster started beforehand. Speedup against the hand loop (the anchor), on the running "
        "engine where there is one. Overhead per run: the same sweep with 1 worker (engine running), minus "
        "a one-run sweep on it (the start-up) and minus the local 1-worker time, over the runs.",
        "",
        "| sweep | backend | runs | wall, started (s) | wall, running (s) | vs hand loop | overhead per run (ms) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    anchors = {name: seconds for name, label, _, seconds, _, _ in rows if label == "hand loop (anchor)"}
    for name, label, n, cold, warm, overhead in rows:
        best = warm if warm is not None else cold
        ratio = f"{anchors[name] / best:.2f}x" if best else "–"
        md.append(
            f"| {name} | {label} | {n:,} | {'–' if cold is None else f'{cold:.2f}'} | "
            f"{'–' if warm is None else f'{warm:.2f}'} | {ratio} | "
            f"{'–' if overhead is None else f'{1e3 * overhead:.2f}'} |"
        )
    md.append(
        f"\nMachine load (1-minute load average) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs; above the CPU count, other processes shared the cores while this ran."
    )
    seconds = time.perf_counter() - t_start
    return {"markdown": "\n".join(md) + "\n", "seconds": seconds, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    result = run(args.quick, lambda msg: print(msg, flush=True))
    env = environment()
    md = (
        header("schedkit benchmarks: sweeps", env, args.quick, result["seconds"], "python bench/bench_sweep.py")
        + result["markdown"]
    )
    out = HERE / "results" / ("quick" if args.quick else "") / "sweep.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print("\n" + md)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
