"""Benchmark of schedkit.flowtime: SRPT, RR and operation-level SRPT on 10^5, 10^6 and 10^7
jobs, against heapq-based pure-Python SRPT simulators (bench/ref_flowtime.py).

Workloads (seeded, load 0.9, one machine): SRPT and RR on single-operation jobs with
exponential sizes; op_srpt on gradually revealed jobs (a geometric number of operations,
mean 3, exponential sizes). Timed: ``simulate`` alone (the Rust simulation with the GIL
released plus the result arrays), best of up to 3 runs, on one thread (``threads=1``) and,
for the rules that split by busy periods (srpt, op_srpt), on all cores; RR has no parallel
path. ``Jobs`` construction (validation, release sort) is reported separately. Before any
timing, schedkit's SRPT is checked against both references (equal completion times) and
schedules of 2,000 gradually revealed jobs are validated from their event logs. Growth: the
exponent of a log-log fit of time against n, and time / (n log2 n).

    python bench/bench_flowtime.py            # full: 1e5, 1e6, 1e7 (~3 min on 2 cores)
    python bench/bench_flowtime.py --quick    # 1e4, 1e5, 1e6 (smoke test)

Writes bench/results/flowtime.md (bench/results/quick/flowtime.md with --quick).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

import schedkit as sk

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ref_flowtime as R  # noqa: E402
from _env import best_time, environment, header  # noqa: E402

LOAD = 0.9
SEED = 2026
#: (policy, ops spec, has a parallel path) timed at every size.
CASES = [("srpt", "single", True), ("rr", "single", False), ("op_srpt", "geometric:3", True)]
#: The pure-Python reference runs up to this many jobs (10^7 would take several minutes).
REF_MAX = 1_000_000


def run(quick: bool, log=print) -> dict:
    t_start = time.perf_counter()
    sizes = [10**4, 10**5, 10**6] if quick else [10**5, 10**6, 10**7]
    ref_max = 10**5 if quick else REF_MAX
    rows, ref_rows, checks = [], [], []
    workloads: dict[tuple[str, int], sk.flowtime.Jobs] = {}

    def jobs_for(ops: str, n: int):
        if (ops, n) not in workloads:
            workloads.clear()  # keep one workload in memory at a time (10^7 jobs ~ 1 GB)
            t0 = time.perf_counter()
            j = sk.flowtime.generate(n, load=LOAD, ops=ops, seed=SEED)
            workloads[(ops, n)] = j
            log(f"  generated {n:,} jobs ({ops}) in {time.perf_counter() - t0:.2f} s")
        return workloads[(ops, n)]

    # Agreement and validation first.
    n_check = sizes[0] if quick else 10**5
    j = jobs_for("single", n_check)
    rel, size = j.release.tolist(), j.size.tolist()
    for label, fn in [("straightforward", R.srpt), ("lean", R.srpt_lean)]:
        ref_c, _ = fn(rel, size)
        for threads in (1, None):
            r = sk.flowtime.simulate(j, policy="srpt", threads=threads)
            want = R.total_flow_time(rel, ref_c)
            ok = abs(r.total_flow_time - want) <= 1e-9 * want
            how = "1 thread" if threads == 1 else "all cores"
            checks.append(
                (
                    f"{n_check:,} jobs: schedkit srpt ({how}) total flow == {label} reference",
                    f"{r.total_flow_time:.6f} vs {want:.6f}",
                    ok,
                )
            )
            max_dev = float(np.max(np.abs(r.completion - np.asarray(ref_c))))
            checks.append(
                (f"{n_check:,} jobs: max abs(C_schedkit - C_{label}) ({how})", f"{max_dev:.3g}", max_dev <= 1e-6)
            )
    small = sk.flowtime.generate(2000, load=LOAD, ops="geometric:3", seed=SEED)
    for policy in ["srpt", "rr", "op_srpt"]:
        sk.flowtime.simulate(small, policy=policy, event_log=True).validate()
    checks.append(("2,000 gradually revealed jobs: srpt, rr, op_srpt schedules validated (event log)", "", True))
    if not all(c[2] for c in checks):
        raise SystemExit(f"agreement check failed: {checks}")

    for n in sizes:
        for policy, ops, parallel in CASES:
            jobs = jobs_for(ops, n)
            t0 = time.perf_counter()
            sk.flowtime.Jobs(jobs.release, (jobs.offsets, jobs.values))
            build = time.perf_counter() - t0
            repeats = 1 if n >= 10**7 else 3
            for threads in [1, None] if parallel else [1]:
                secs, res = best_time(lambda: sk.flowtime.simulate(jobs, policy=policy, threads=threads), repeats)
                rows.append(
                    {
                        "policy": policy,
                        "ops": ops,
                        "threads": "1" if threads == 1 else f"all ({os.cpu_count()})",
                        "n": n,
                        "operations": int(jobs.values.shape[0]),
                        "seconds": secs,
                        "build_seconds": build,
                        "events": res.events,
                        "events_per_s": res.events / secs,
                        "ns_per_job": 1e9 * secs / n,
                        "ns_per_nlogn": 1e9 * secs / (n * math.log2(n)),
                        "total_flow": res.total_flow_time,
                    }
                )
                log(
                    f"  {policy:8s} n={n:>10,} threads={threads}: {secs:.3f} s, {res.events / secs / 1e6:.1f} M events/s"
                )
        if n <= ref_max:
            jobs = jobs_for("single", n)
            rel, size = jobs.release.tolist(), jobs.size.tolist()
            entry = {"n": n}
            for label, fn in [("ref", R.srpt), ("lean", R.srpt_lean)]:
                t0 = time.perf_counter()
                ref_c, ref_events = fn(rel, size)
                entry[f"{label}_seconds"] = time.perf_counter() - t0
                entry[f"{label}_events_per_s"] = ref_events / entry[f"{label}_seconds"]
                want = R.total_flow_time(rel, ref_c)
                sk_one = next(x for x in rows if x["n"] == n and x["policy"] == "srpt" and x["threads"] == "1")
                entry[f"{label}_agree"] = abs(want - sk_one["total_flow"]) <= 1e-9 * want
            sk_rows = [x for x in rows if x["n"] == n and x["policy"] == "srpt"]
            entry["sk_one"] = sk_rows[0]["seconds"]
            entry["sk_all"] = sk_rows[-1]["seconds"]
            ref_rows.append(entry)
            log(
                f"  references n={n:>10,}: straightforward {entry['ref_seconds']:.2f} s, lean {entry['lean_seconds']:.2f} s"
            )

    growth = {}
    for policy, _, _ in CASES:
        pts = [(x["n"], x["seconds"]) for x in rows if x["policy"] == policy and x["threads"] == "1"]
        ns, ts = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
        growth[policy] = float(np.polyfit(ns, ts, 1)[0])

    md = ["## Agreement (checked before timing)\n", "| check | value | ok |", "| --- | --- | --- |"]
    md += [f"| {c} | {v} | {'yes' if ok else 'NO'} |" for c, v, ok in checks]
    md += [
        "\n## Simulation time (one machine, load 0.9, seeded)\n",
        "`simulate()` wall time, best of 3 (1 run at 10^7); `Jobs()` = building and validating the instance "
        "from arrays. ns/(n log2 n) staying flat is O(n log n) growth.\n",
        "| policy | operations per job | threads | jobs | operations | simulate s | events | M events/s | ns/job "
        "| ns/(n log2 n) | Jobs() s |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for x in rows:
        md.append(
            f"| {x['policy']} | {x['ops']} | {x['threads']} | {x['n']:,} | {x['operations']:,} | {x['seconds']:.3f} | "
            f"{x['events']:,} | {x['events_per_s'] / 1e6:.1f} | {x['ns_per_job']:.0f} | {x['ns_per_nlogn']:.2f} | "
            f"{x['build_seconds']:.3f} |"
        )
    md += ["\nLog-log slope of the one-thread time against n (1 = linear; n log n over this range reads about 1.1):\n"]
    md += [f"- {p}: {s:.2f}" for p, s in growth.items()]
    md += [
        "\n## Against pure-Python heapq SRPT (bench/ref_flowtime.py)\n",
        "`srpt`: the straightforward simulator (every alive job in the heap, the top re-keyed at each "
        "release); `srpt_lean`: the running job kept out of the heap. Speed-ups are schedkit's SRPT on one "
        "thread / on all cores against each.\n",
        "| jobs | srpt s | srpt events/s | srpt_lean s | schedkit 1 thread s | schedkit all cores s "
        "| vs srpt (1 thread / all) | vs srpt_lean (1 thread / all) | same total flow |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for x in ref_rows:
        md.append(
            f"| {x['n']:,} | {x['ref_seconds']:.2f} | {x['ref_events_per_s'] / 1e6:.2f} M | {x['lean_seconds']:.2f} | "
            f"{x['sk_one']:.3f} | {x['sk_all']:.3f} | {x['ref_seconds'] / x['sk_one']:.0f}x / "
            f"{x['ref_seconds'] / x['sk_all']:.0f}x | {x['lean_seconds'] / x['sk_one']:.0f}x / "
            f"{x['lean_seconds'] / x['sk_all']:.0f}x | {'yes' if x['ref_agree'] and x['lean_agree'] else 'NO'} |"
        )
    if not quick:
        md.append(f"\nThe references are not run at 10^7 jobs (minutes); they run up to {REF_MAX:,}.")
    srpt6 = next((x for x in rows if x["policy"] == "srpt" and x["n"] == 10**6 and x["threads"] == "1"), None)
    ref6 = next((x for x in ref_rows if x["n"] == 10**6), None)
    if srpt6 is not None:
        md += ["\n## Targets\n"]
        md.append(
            f"- 10^6 jobs SRPT on one machine under 1 s: {srpt6['seconds']:.3f} s on one thread "
            f"({'met' if srpt6['seconds'] < 1 else 'MISSED'})"
        )
        if ref6 is not None:
            one, best = ref6["ref_seconds"] / ref6["sk_one"], ref6["ref_seconds"] / min(ref6["sk_one"], ref6["sk_all"])
            md.append(
                f"- at least 50x the straightforward Python reference at 10^6 jobs: {one:.0f}x on one thread, "
                f"{best:.0f}x at best ({'met' if best >= 50 else 'MISSED'}); against the lean variant "
                f"{ref6['lean_seconds'] / ref6['sk_one']:.0f}x on one thread"
            )
        md.append(f"- growth O(n log n): log-log slopes {', '.join(f'{p} {s:.2f}' for p, s in growth.items())}")
    return {
        "rows": rows,
        "reference": ref_rows,
        "checks": checks,
        "growth": growth,
        "markdown": "\n".join(md) + "\n",
        "seconds": time.perf_counter() - t_start,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1e4, 1e5, 1e6 jobs (smoke test)")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default bench/results[/quick])")
    args = ap.parse_args()
    out = args.out or (HERE / "results" / "quick" if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    print(f"schedkit flowtime benchmark ({'quick' if args.quick else 'full'})", flush=True)
    env = environment()
    res = run(args.quick, lambda m: print(m, flush=True))
    head = header(
        "schedkit benchmarks: online flow time", env, args.quick, res["seconds"], "python bench/bench_flowtime.py"
    )
    md = head + res["markdown"]
    (out / "flowtime.md").write_text(md)
    print("\n" + md, flush=True)
    print(f"wrote {out / 'flowtime.md'}")


if __name__ == "__main__":
    main()
