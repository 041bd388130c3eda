"""Benchmark of schedkit.fair: replay of 10^5, 10^6 and 10^7 synthetic tasks and of the
Alibaba v2017 batch_task file (80,553 rows; 67,012 finished tasks) under each policy, against
a heapq pure-Python reference simulator of FIFO and UJF (bench/ref_fair.py).

Synthetic workload (seeded): 100 users with Zipf(1) shares of the jobs, Poisson job arrivals
at load 0.9 on 32 cores, 1 + Geometric(mean 9) tasks per job, exponential task durations
(mean 1 s). Timed: the simulation of a prepared workload (``schedkit.fair.simulate``: Rust
with the GIL released, plus building the per-job Arrow table), best of 2 runs at 10^5/10^6;
``replay`` from a canonical table (grouping tasks into jobs included) reported separately.
Before timing, schedkit's FIFO and UJF finish times are checked equal to the reference's.

    python bench/bench_fair.py            # 1e5, 1e6, 1e7 (a few minutes on 2 cores)
    python bench/bench_fair.py --quick    # 1e4, 1e5 (smoke test)

Writes bench/results/fair.md (bench/results/quick/fair.md with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit import fair
from schedkit._fair_engine import Batch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ref_fair as R  # noqa: E402

CORES = 32
LOAD = 0.9
SEED = 2026
POLICIES = ["fifo", "fair", "ujf", "cfq", "uwfq", "drf", "sjf"]


def workload(n_tasks: int, seed: int = SEED, users: int = 100) -> fair.Workload:
    rng = np.random.default_rng(seed)
    sizes = []
    total = 0
    while total < n_tasks:
        s = 1 + rng.geometric(1 / 10, size=max(16, (n_tasks - total) // 8))
        sizes.append(s)
        total += int(s.sum())
    sizes = np.concatenate(sizes)
    cs = np.cumsum(sizes)
    k = int(np.searchsorted(cs, n_tasks)) + 1
    sizes = sizes[:k]
    sizes[-1] -= int(cs[k - 1] - n_tasks)
    sizes = sizes[sizes > 0]
    n_jobs = len(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    dur = rng.exponential(1.0, size=int(offsets[-1]))
    rate = LOAD * CORES / (dur.sum() / n_jobs)
    submit = np.cumsum(rng.exponential(1 / rate, size=n_jobs))
    p = 1.0 / np.arange(1, users + 1)
    user = rng.choice(users, size=n_jobs, p=p / p.sum()).astype(np.int64)
    names = [f"u{u:03d}" for u in range(users)]
    batch = Batch(job_id=np.arange(n_jobs, dtype=np.int64), user=user, submit=submit,
                  after=np.full(n_jobs, -1, dtype=np.int64), think=np.zeros(n_jobs), job_class=user.copy(),
                  task_offsets=offsets, durations=dur)
    return fair.Workload(batch, user_names=names, class_names=names)


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def check_reference(w: fair.Workload) -> dict[str, float]:
    """schedkit == reference on FIFO and UJF; returns the reference's seconds per policy."""
    out = {}
    args = (w.job_user.tolist(), w.job_submit.tolist(), w.offsets.tolist(), w.durations.tolist())
    for pol in ("fifo", "ujf"):
        t0 = time.perf_counter()
        ref = R.simulate(pol, CORES, *args)
        out[pol] = time.perf_counter() - t0
        got = fair.simulate(w, policy=pol, cores=CORES).jobs.column("finish_time").to_numpy()
        if not np.allclose(got, ref, rtol=1e-12, atol=1e-9):
            bad = int(np.flatnonzero(~np.isclose(got, ref))[0])
            raise SystemExit(f"{pol}: schedkit and the reference disagree at job {bad}: {got[bad]} vs {ref[bad]}")
    return out


NOTES = """### Reading the comparison

* **What agrees.** The orderings the paper's claims rest on are reproduced. (1) On the Google
  windows Fair (= FIFO) is worst, CFQ and UWFQ best, CFQ slightly ahead of UWFQ on mean RT; UJF
  in between. (2) Partitioning helps the deadline-based schedulers most: homo smallest-80% RT
  drops about 3x for CFQ-P and UWFQ-P (paper: 2x). (3) In the power-user scenario Fair and CFQ
  let the bursty users starve the two small users (about 30-39 s; paper 34-42 s) while UWFQ gives
  them a UJF-like response time, and UWFQ's DVR against UJF is an order of magnitude below CFQ's
  (simulated 0.13 / 0.19 with -P, paper 0.23 / 0.18; CFQ 2.3 / 3.9, paper 3.7 / 3.3).
* **What does not, and why.** Absolute response times are lower in the simulator, most visibly
  in `4_super_small_users` (about 3 s against the paper's 25-43 s): 120 Loop20 jobs carry only
  183 core-seconds of work, about 6 s on 32 cores, so the paper's 25+ s are Spark overheads
  (job submission and planning, two stages per job, task launch, delay scheduling, driver
  contention) that a zero-overhead simulator does not have; CFQ's 43 s there is such an effect
  too, since with identical jobs CFQ orders exactly like FIFO in our model. The same missing
  overhead makes the ratios in DVR larger on `google_hetero` (Fair 37 against 10.7): UJF's
  response times of small jobs shrink more than Fair's. With UJF the small users in the
  power scenario see about 7 s (paper 3.8 / 6.5): Spark's FAIR pools in the real system also
  benefit from stage boundaries that re-open the offer order, which the single-stage job model
  lacks. The unpartitioned task layout (32 tasks per Spark job with log-normal(0, 1) size skew)
  is our assumption; the paper's partition counts came from file splits. The homo "74%" headline
  (UWFQ-P vs UJF-P, smallest-80% RT) comes out at about -64% here.
"""


def _ref_cells(r: dict) -> str:
    if "ref_seconds" not in r:
        return " | "
    return f"{r['ref_seconds']:.2f} | {r['speedup']:.0f}x"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000, 10_000_000]
    ref_sizes = [10_000] if args.quick else [100_000]
    lines = []
    rows = []
    for n in sizes:
        w = workload(n)
        ref = check_reference(w) if n in ref_sizes else None
        for pol in POLICIES:
            for part in (False, True) if pol == "uwfq" else (False,):
                if n >= 10_000_000 and pol not in ("fifo", "ujf", "uwfq"):
                    continue
                rep = 2 if n <= 1_000_000 else 1
                secs, r = timed(lambda: fair.simulate(w, policy=pol, cores=CORES, partition=part), rep)
                tasks = int(r.jobs.column("n_tasks").to_numpy().sum())
                row = {"n": n, "jobs": len(w.job_id), "policy": pol + ("-P" if part else ""), "tasks": tasks,
                       "seconds": secs, "tasks_per_s": tasks / secs, "events": r.events}
                if ref is not None and pol in ref and not part:
                    row["ref_seconds"] = ref[pol]
                    row["speedup"] = ref[pol] / secs
                rows.append(row)
                print(row, flush=True)
        # replay from a canonical table (grouping included) at this size
        if n <= 1_000_000:
            job = np.repeat(w.job_id, np.diff(w.offsets))
            tab = sk.trace.from_jobs(job, np.array(w.user_names, dtype=object)[np.repeat(w.job_user, np.diff(w.offsets))],
                                     np.repeat(w.job_submit, np.diff(w.offsets)), w.durations)
            secs, _ = timed(lambda: fair.replay(tab, policy="uwfq", cores=CORES), 1)
            rows.append({"n": n, "jobs": len(w.job_id), "policy": "uwfq (replay from table)", "tasks": n,
                         "seconds": secs, "tasks_per_s": n / secs, "events": 0})
            print(rows[-1], flush=True)
        del w
    # Alibaba v2017
    ali = HERE.parent / "tests" / "data" / "traces" / "alibaba_v2017_batch_task.csv"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        table = sk.trace.read(ali, errors="skip")
        read_s = time.perf_counter() - t0
    wl = fair._workload_from_table(table)
    for pol in POLICIES:
        secs, r = timed(lambda: fair.simulate(wl, policy=pol, cores=CORES), 2)
        rows.append({"n": "alibaba_v2017", "jobs": len(wl.job_id), "policy": pol, "tasks": table.num_rows,
                     "seconds": secs, "tasks_per_s": table.num_rows / secs, "events": r.events,
                     "mean_rt": r.summary()["mean_response_time"]})
        print(rows[-1], flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = HERE / "results" / ("quick" if args.quick else "") / "fair.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines.append("# schedkit.fair benchmark\n")
    lines.append(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
                 f"Python {platform.python_version()}, schedkit {sk.__version__} ({sk._core.build_profile}); "
                 f"{CORES} cores simulated, load {LOAD}; command `python bench/bench_fair.py"
                 f"{' --quick' if args.quick else ''}`\n")
    lines.append(f"Alibaba v2017 read (80,553 rows, errors='skip'): {read_s:.2f} s. Peak RSS of the whole run: "
                 f"{peak_mb:,.0f} MB.\n")
    lines.append("| tasks | jobs | policy | seconds | tasks/s | events | Python ref s | speedup |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['jobs']:,} | {r['policy']} | {r['seconds']:.3f} | {r['tasks_per_s']:,.0f} | "
                     f"{r['events']:,} | {_ref_cells(r)} |"
                     if isinstance(r["n"], int) else
                     f"| {r['n']} ({r['tasks']:,}) | {r['jobs']:,} | {r['policy']} | {r['seconds']:.3f} | "
                     f"{r['tasks_per_s']:,.0f} | {r['events']:,} | | |")
    lines.append("")
    lines.append("Speedup = reference seconds / schedkit seconds on the same workload (finish times checked "
                 "equal first). schedkit's time includes the Python wrapper (argument conversion, building the "
                 "per-job Arrow table); the reference is a lean heapq loop (FIFO needs only a deque), not SimPy, "
                 "so the ratio is a conservative one: the issue's 30x target is not met against it (about 10x for "
                 "FIFO, 15-25x for UJF at 10^5 tasks); the 10^6-tasks-under-UWFQ-in-2-s target is met by a wide "
                 "margin. Timings on a shared 2-core machine vary by up to 2x between runs.")
    lines.append("")
    lines.append("## The UWFQ paper's scenarios: paper / **simulated**\n")
    lines.append("`python -m schedkit._fair_paper` (seed 0, 32 cores, oracle estimates). Fair = Spark FAIR "
                 "without pools (FIFO in effect); -P = runtime partitioning (tau = 0.5 core-s); DVR against "
                 "UJF with the same partitioning. Paper values: specs/fair.md A.8 (authors' tables, mean of 3 "
                 "Spark runs).\n")
    from schedkit import _fair_paper

    lines.append(_fair_paper.markdown(_fair_paper.compare()))
    lines.append("")
    lines.append(NOTES)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
