"""Benchmark of schedkit.packing: the kube-scheduler simulation and the bin-packing heuristics
on 10^3 to 10^5 pods x 10^2 to 10^4 nodes, against straightforward pure-Python versions of the
same kube scoring and FFD (bench/ref_packing.py, checked to give identical plans), and the
CP-SAT fallback's time to proven optimum on the paper's grid sizes.

Clusters: pods with requests uniform in 100..1000 millicores and 100..1000 MB, 4 priority
levels, all pending; homogeneous nodes sized for utilisation 1.0 (the paper's rule), pod limit
110. Timed: ``place`` alone (validated Cluster built beforehand), best of 3 (1 for slow runs).

    python bench/bench_packing.py            # full (~5 min on 2 cores)
    python bench/bench_packing.py --quick    # smoke test
    python bench/bench_packing.py --constrained   # only the taints/affinity/spread section
    nohup python bench/bench_packing.py --paper-grid --scenarios 1 &   # the paper's grid (long)
    nohup nice python bench/bench_packing.py --certified &   # why few plans are certified (long)

Writes bench/results/packing.md (bench/results/quick/packing.md with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

from schedkit import packing
from schedkit.experiments.packing import SMALL_GRID, run_experiment

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ref_packing as R  # noqa: E402
from _env import best_time  # noqa: E402

FAST = ["kube", "kube-nopreempt", "ffd", "bfd", "first-fit", "best-fit", "worst-fit", "tetris"]
BIN_CENTRIC = ["dot", "l2"]


def make(pods: int, nodes: int, seed: int = 0) -> packing.Cluster:
    rng = np.random.default_rng(seed)
    cpu = rng.integers(100, 1001, pods)
    mem = rng.integers(100, 1001, pods) * 10**6
    prio = rng.integers(1, 5, pods)
    cc = max(int(cpu.max()), math.ceil(cpu.sum() / nodes))
    cm = max(int(mem.max()), math.ceil(mem.sum() / nodes))
    return packing.Cluster([cc] * nodes, [cm] * nodes, cpu, mem, prio, node_names=[f"n{j:06d}" for j in range(nodes)])


ZONE = "topology.kubernetes.io/zone"


def make_constrained(pods: int, nodes: int, seed: int = 0) -> packing.Cluster:
    """``make``'s cluster with the rules of a real one on a third of the pods: nodes in 3 zones
    with a disk label, a tenth of them tainted ``dedicated=batch:NoSchedule``; the constrained
    pods, in 20 apps (label ``app``), each carry one of: a toleration of the taint plus a
    ``disk: ssd`` selector, a preferred hostname anti-affinity, a required hostname
    anti-affinity (apps of few replicas), a DoNotSchedule zone spread (maxSkew 1), a ScheduleAnyway
    hostname spread; every pod is owned by a ReplicaSet (the cluster-default spreading)."""
    base = make(pods, nodes, seed)
    rng = np.random.default_rng(seed + 1)
    labels = [{ZONE: f"z{j % 3}", "disk": "ssd" if j % 2 else "hdd"} for j in range(nodes)]
    taint = [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]
    taints = [taint if j % 10 == 0 else [] for j in range(nodes)]
    app = rng.integers(0, 20, pods)
    pod_labels = [{"app": f"a{a}"} for a in app]
    specs: list[dict] = []
    for i in range(pods):
        kind = int(rng.integers(0, 15))  # 0..4: constrained (a third), else plain
        sel = {"labelSelector": {"matchLabels": pod_labels[i]}}
        if kind == 0:
            specs.append({"tolerations": [{"key": "dedicated", "operator": "Exists"}], "nodeSelector": {"disk": "ssd"}})
        elif kind == 1:
            specs.append(
                {
                    "affinity": {
                        "podAntiAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {"weight": 50, "podAffinityTerm": {**sel, "topologyKey": "kubernetes.io/hostname"}}
                            ]
                        }
                    }
                }
            )
        elif kind == 2:
            specs.append(
                {
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {**sel, "topologyKey": "kubernetes.io/hostname"}
                            ]
                        }
                    }
                }
            )
        elif kind == 3:
            specs.append(
                {
                    "topologySpreadConstraints": [
                        {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule", **sel}
                    ]
                }
            )
        elif kind == 4:
            specs.append(
                {
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 2,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            **sel,
                        }
                    ]
                }
            )
        else:
            specs.append({})
    return packing.Cluster(
        base.node_cpu,
        base.node_mem,
        base.pod_cpu,
        base.pod_mem,
        base.pod_priority,
        node_names=base.node_names,
        node_labels=labels,
        node_taints=taints,
        pod_labels=pod_labels,
        pod_specs=specs,
        pod_owner=[f"ReplicaSet/a{a}" for a in app],
    )


def constrained_section(quick: bool, log=print) -> list[str]:
    """The kube simulation with and without the rules, same pods and nodes."""
    sizes = [(10**3, 10**2), (10**4, 10**3)] if quick else [(10**3, 10**2), (10**4, 10**3), (10**5, 10**4)]
    lines = [
        "",
        "## kube with taints, affinity and spread on a third of the pods (seconds)",
        "",
        '`make_constrained` in this file; `place(method="kube")` alone, best of 3 (1 at 10^5); the '
        "Cluster (and its rules compiled) is built beforehand, its build time shown apart.",
        "",
        "| pods x nodes | plain kube | constrained kube | ratio | constrained placed | build s | ns per pod x node |",
        "|---|---|---|---|---|---|---|",
    ]
    for pods, nodes in sizes:
        plain = make(pods, nodes)
        t0 = time.perf_counter()
        cons = make_constrained(pods, nodes)
        build = time.perf_counter() - t0
        reps = 1 if pods >= 10**5 else 3
        tp, _ = best_time(lambda: packing.place(plain, method="kube"), reps)
        tc, plan = best_time(lambda: packing.place(cons, method="kube"), reps)
        if pods <= 10**3:
            plan.validate()
        lines.append(
            f"| {pods:,} x {nodes:,} | {tp:.4f} | {tc:.4f} | {tc / tp:.1f} | {plan.placed / pods:.3f} | {build:.2f} | "
            f"{1e9 * tc / (pods * nodes):.2f} |"
        )
        log(f"constrained {pods}x{nodes}: plain {tp:.4f}s constrained {tc:.4f}s build {build:.2f}s")
    return lines


def run(quick: bool, log=print) -> dict:
    """Runs the benchmark; returns {"markdown", "seconds", "reference"} like the other areas
    (so bench/run.py can list it in SECTIONS)."""
    t_start = time.perf_counter()
    sizes = [(10**3, 10**2), (10**4, 10**3)] if quick else [(10**3, 10**2), (10**4, 10**3), (10**5, 10**4)]
    ref_max = 10**4
    lines = [
        "# schedkit.packing benchmark",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; command: `python bench/bench_packing.py{' --quick' if quick else ''}`",
        "",
        "## Heuristics and kube simulation (seconds, `place` only; placed share in brackets)",
        "",
        "| pods x nodes | " + " | ".join(FAST + BIN_CENTRIC) + " |",
        "|---|" + "---|" * (len(FAST) + len(BIN_CENTRIC)),
    ]
    ratios = []
    for pods, nodes in sizes:
        c = make(pods, nodes)
        cells = []
        for m in FAST + BIN_CENTRIC:
            if m in BIN_CENTRIC and pods > 10**4:
                cells.append("-")
                continue
            t, plan = best_time(lambda: packing.place(c, method=m), 1 if pods >= 10**5 else 3)
            plan.validate() if pods <= 10**4 else None
            cells.append(f"{t:.4f} ({plan.placed / pods:.3f})")
            log(f"{pods}x{nodes} {m}: {t:.4f}s placed {plan.placed}")
        lines.append(f"| {pods:,} x {nodes:,} | " + " | ".join(cells) + " |")
        if pods <= ref_max:
            args = (
                [int(v) for v in c.node_cpu],
                [int(v) for v in c.node_mem],
                [int(v) for v in c.node_pods],
                [int(v) for v in c.pod_cpu],
                [int(v) for v in c.pod_mem],
                [int(v) for v in c.pod_priority],
            )
            for name, ref, method in (("kube scoring", R.kube_nopreempt, "kube-nopreempt"), ("FFD", R.ffd, "ffd")):
                tr, a_ref = best_time(lambda: ref(*args), 1)
                ts, plan = best_time(lambda: packing.place(c, method=method), 3)
                same = a_ref == plan.assignment.tolist()
                ratios.append((f"{pods:,} x {nodes:,}", name, tr, ts, tr / ts, same))
                log(f"ref {name} {pods}x{nodes}: python {tr:.3f}s schedkit {ts:.4f}s x{tr / ts:.0f} same={same}")
    lines += [
        "",
        "## Against pure Python (bench/ref_packing.py; same plans required)",
        "",
        "| pods x nodes | method | pure Python s | schedkit s | speed-up | identical plan |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c:.3f} | {d:.4f} | {e:.0f}x | {f} |" for a, b, c, d, e, f in ratios]
    lines += constrained_section(quick, log)
    try:
        import ortools  # noqa: F401

        lines += [
            "",
            "## CP-SAT fallback: time to proven optimum (paper's generator, 2 priorities, u = 1.0, "
            "10 s window, kube first)",
            "",
            "| nodes | pods/node | pods | seconds | every tier proven | vs kube |",
            "|---|---|---|---|---|---|",
        ]
        grid = (
            [(4, 4), (8, 4), (16, 4)] if quick else [(4, 4), (4, 8), (8, 4), (8, 8), (16, 4), (16, 8), (32, 4), (32, 8)]
        )
        for n, ppn in grid:
            c = packing.generate(n, ppn, 2, 1.0, seed=1)
            t0 = time.perf_counter()
            plan = packing.place(c, method="kube", fallback="always", time_limit=10.0)
            t = time.perf_counter() - t0
            lines.append(
                f"| {n} | {ppn} | {n * ppn} | {t:.2f} | {plan.optimal} | "
                f"{ {1: 'better', 0: 'equal', -1: 'worse'}[plan.vs_heuristic] } |"
            )
            log(f"cp {n}x{ppn}: {t:.2f}s optimal={plan.optimal}")
        if not quick:
            t0 = time.perf_counter()
            res = run_experiment(SMALL_GRID, scenarios=3, windows=(1.0, 10.0))
            lines += [
                "",
                "## Reproduction of the paper's comparison (`schedkit pack --experiment`, small grid)",
                "",
                f"Grid {SMALL_GRID}; per cell the first 3 seeds where the deterministic default scheduler "
                f"(`kube`, ties by node name, DefaultPreemption on) leaves a pod pending; "
                f"{time.perf_counter() - t0:.0f} s in all.",
                "",
            ]
            lines += experiment_rows(res["summary"], log)
    except ImportError:
        lines += ["", "CP-SAT section skipped: OR-Tools not installed."]
    return {
        "markdown": "\n".join(lines) + "\n",
        "seconds": time.perf_counter() - t_start,
        "reference": [
            dict(zip(["size", "method", "python_s", "schedkit_s", "speedup", "identical"], r)) for r in ratios
        ],
    }


def paper_grid(scenarios: int, log=print, *, nodes: tuple[int, ...] | None = None, cp_from: str = "pending") -> str:
    """The "Priority Matters" comparison on the paper's grid (not CI: tens of minutes). The
    baseline is ``kube`` with ``arrival="by-owner"``: the paper's runner creates the ReplicaSets
    one after another and waits for each one's pods, so its default scheduler sees them so.
    ``nodes`` restricts the grid's node counts; ``cp_from="running"`` starts CP-SAT from the
    default plan running, as the authors' solver does (:func:`run_experiment`)."""
    from schedkit.experiments.packing import PAPER_GRID

    grid = dict(PAPER_GRID, nodes=tuple(nodes)) if nodes else PAPER_GRID
    t0 = time.perf_counter()
    res = run_experiment(grid, scenarios=scenarios, windows=(1.0, 10.0), arrival="by-owner", cp_from=cp_from)
    flags = (f" --nodes {' '.join(map(str, nodes))}" if nodes else "") + (
        f" --cp-from {cp_from}" if cp_from != "pending" else ""
    )
    lines = [
        "# schedkit.packing: the paper's grid",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; command: `python bench/bench_packing.py --paper-grid "
        f'--scenarios {scenarios}{flags}`; grid {grid}; baseline `kube`, `arrival="by-owner"` (ties by node name, DefaultPreemption, '
        f"the cluster-default PodTopologySpread on the generator's ReplicaSets, which arrive one after another); "
        f"CP-SAT from {'the default plan running' if cp_from == 'running' else 'all pods pending, the default plan as hint'}; "
        f"CP-SAT on all cores (workers=0); {time.perf_counter() - t0:.0f} s.",
        "",
    ]
    lines += experiment_rows(res["summary"], log)
    return "\n".join(lines) + "\n"


def _unowned(c: packing.Cluster) -> packing.Cluster:
    """``c`` without ReplicaSet owners: no cluster-default PodTopologySpread."""
    return packing.Cluster(
        c.node_cpu, c.node_mem, c.pod_cpu, c.pod_mem, c.pod_priority, node_names=c.node_names, pod_names=c.pod_names
    )


def certified(window: float = 10.0, log=print) -> str:
    """Why the CP fallback certifies so few default plans optimal on the paper's grid: per
    scenario (the first seed per cell where ``kube`` leaves a pod pending, as ``--paper-grid
    --scenarios 1``) one CP-SAT run of ``window`` seconds from the empty cluster (one worker,
    hinted with the kube plan) gives the best placement found and whether every tier is proven;
    each default-scheduler variant is then compared with it. A variant's plan is *optimal* where
    it equals a proven CP optimum, *not optimal* where the CP plan places lexicographically more,
    *unknown* otherwise."""
    from schedkit.experiments.packing import PAPER_GRID, _cells
    from schedkit.packing import compare_lex

    variants = {
        "kube (PrioritySort, all pods at once)": lambda c: packing.place(c, method="kube").placed_by_priority,
        "kube without default spreading": lambda c: packing.place(_unowned(c), method="kube").placed_by_priority,
        "kube, ReplicaSets arriving one by one": lambda c: packing.place(c, arrival="by-owner").placed_by_priority,
        "kube without preemption": lambda c: packing.place(c, method="kube-nopreempt").placed_by_priority,
    }
    t0 = time.perf_counter()
    rows = []
    for nodes, ppn, prios, u in _cells(PAPER_GRID):
        for seed in range(200):
            c = packing.generate(nodes, ppn, prios, u, seed=seed)
            base = packing.place(c, method="kube")
            if base.pending:
                break
        else:
            continue
        cp = packing.place(c, method="kube", fallback="always", time_limit=window, workers=1)
        best = cp.placed_by_priority
        row = {"cell": (nodes, ppn, prios, u), "proven": bool(cp.optimal), "variants": {}}
        for name, fn in variants.items():
            got = fn(c)
            cmp = compare_lex(best, got)
            gap = sum(best.values()) - sum(got.values())
            verdict = "worse" if cmp < 0 else ("not optimal" if cmp > 0 else ("optimal" if cp.optimal else "unknown"))
            row["variants"][name] = (verdict, gap)
        rows.append(row)
        log(f"{(nodes, ppn, prios, u)} seed {seed}: proven={cp.optimal} {row['variants']}")
    n = len(rows)
    pct = lambda k: f"{100 * k / max(1, n):.1f}%"  # noqa: E731
    lines = [
        "# schedkit.packing: how far the default plan is from the CP optimum (paper grid)",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; command: `nice python bench/bench_packing.py --certified`; "
        f"{n} scenarios (the first seed per cell of {PAPER_GRID} where `kube` leaves a pod pending); one CP-SAT run "
        f"of {window:g} s per scenario (1 worker); {time.perf_counter() - t0:.0f} s.",
        "",
        f"CP proved every tier optimal in {pct(sum(r['proven'] for r in rows))} of the scenarios.",
        "",
        "| default scheduler variant | optimal (certifiable) | not optimal | unknown | mean pods short of the CP plan | "
        "short by exactly 1 pod |",
        "|---|---|---|---|---|---|",
    ]
    for name in variants:
        vs = [r["variants"][name] for r in rows]
        lines.append(
            f"| {name} | {pct(sum(v == 'optimal' for v, _ in vs))} | {pct(sum(v == 'not optimal' for v, _ in vs))} | "
            f"{pct(sum(v == 'unknown' for v, _ in vs))} | {np.mean([g for _, g in vs]):.2f} | "
            f"{pct(sum(v == 'not optimal' and g == 1 for v, g in vs))} |"
        )
    lines += ["", "Per cell (nodes, pods/node, priorities, u): CP proven; kube verdict, pods short.", ""]
    lines += ["| cell | proven | " + " | ".join(variants) + " |", "|---|---|" + "---|" * len(variants)]
    for r in rows:
        cells = [f"{v} ({g})" for v, g in r["variants"].values()]
        lines.append(f"| {r['cell']} | {r['proven']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def certified_seeds(seeds: int, nodes: tuple[int, ...], window: float = 5.0, log=print) -> str:
    """The certifiable share with the paper's authors' scenario rule and denominator, many seeds
    per cell: per cell of :data:`PAPER_GRID` restricted to ``nodes``, the seeds
    :func:`schedkit.experiments.packing.authors_seeds` keeps (below u = 1.0 those where
    ``kube-nopreempt`` with ReplicaSets arriving one by one leaves a pod pending, from 1.0 up
    seeds 0..``seeds``-1 unfiltered); one CP-SAT run of ``window`` seconds from the empty
    cluster (one worker) per seed where a default variant leaves a pod pending. A variant is
    *all running* where it places every pod (the authors' "No Calls"), *optimal* where it
    equals a proven CP optimum, *not optimal* where the CP plan places lexicographically more,
    *unknown* otherwise. Shares are given over all kept seeds (``seal_results.py``'s
    denominator) and over the seeds where that variant leaves a pod pending."""
    from schedkit.experiments.packing import PAPER_GRID, _cells, authors_seeds, with_running
    from schedkit.packing import compare_lex

    variants = {
        "kube, all pods at once": lambda c: packing.place(c, method="kube"),
        "kube, ReplicaSets one by one": lambda c: packing.place(c, arrival="by-owner"),
    }
    live_name = "kube, ReplicaSets one by one; CP from its running plan (the authors' solver)"
    grid = dict(PAPER_GRID, nodes=tuple(nodes))
    t0 = time.perf_counter()
    verdicts: dict[str, list[str]] = {k: [] for k in [*variants, live_name]}
    per_cell: list[str] = []
    for cell in _cells(grid):
        kept = authors_seeds(*cell, seeds)
        cell_v: dict[str, list[str]] = {k: [] for k in verdicts}
        for seed in kept:
            c = packing.generate(*cell, seed=seed)
            plans = {k: fn(c) for k, fn in variants.items()}
            cp = None
            if any(p.pending for p in plans.values()):
                cp = packing.place(c, method="kube", fallback="always", time_limit=window, workers=1)
            for k, p in plans.items():
                if not p.pending:
                    v = "all running"
                else:
                    assert cp is not None
                    cmp = compare_lex(cp.placed_by_priority, p.placed_by_priority)
                    v = "worse" if cmp < 0 else ("not optimal" if cmp > 0 else ("optimal" if cp.optimal else "unknown"))
                verdicts[k].append(v)
                cell_v[k].append(v)
            # The authors' solver sees the live cluster: the default's pods running where it
            # put them, each tier's disruption fixed before the lower tiers are placed.
            p = plans["kube, ReplicaSets one by one"]
            if not p.pending:
                v = "all running"
            else:
                live = packing.place(with_running(c, p.assignment), method="cp", time_limit=window, workers=1)
                cmp = compare_lex(live.placed_by_priority, p.placed_by_priority)
                v = "worse" if cmp < 0 else ("not optimal" if cmp > 0 else ("optimal" if live.optimal else "unknown"))
            verdicts[live_name].append(v)
            cell_v[live_name].append(v)
        line = (
            f"| {cell} | {len(kept)} | "
            + " | ".join(
                f"{sum(v == 'optimal' for v in vs)} / {sum(v != 'all running' for v in vs)}" for vs in cell_v.values()
            )
            + " |"
        )
        per_cell.append(line)
        log(line)
    n = len(next(iter(verdicts.values())))
    lines = [
        "# schedkit.packing: certifiable default plans, the authors' scenario rule, many seeds per cell",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; command: `nice python bench/bench_packing.py --certified-seeds "
        f"{seeds} --nodes {' '.join(map(str, nodes))} --window {window:g}`; cells of {grid}; {n} scenarios; one CP-SAT "
        f"run of {window:g} s per scenario (1 worker); {time.perf_counter() - t0:.0f} s.",
        "",
        "For the first two rows *optimal* means equal to the proven optimum of all pods pending; for the third, "
        "CP-SAT starts from the default plan running and *optimal* means proven and no better (the authors' "
        '`seal_results.py` category "KWOK optimal").',
        "",
        "| default scheduler | all running (No Calls) | optimal, over all seeds (authors' denominator) | "
        "optimal, over seeds with a pod pending | not optimal | unknown |",
        "|---|---|---|---|---|---|",
    ]
    for k, vs in verdicts.items():
        pend = [v for v in vs if v != "all running"]
        share = lambda x, d: f"{100 * x / max(1, len(d)):.1f}%"  # noqa: E731
        lines.append(
            f"| {k} | {share(vs.count('all running'), vs)} | {share(vs.count('optimal'), vs)} | "
            f"{share(pend.count('optimal'), pend)} | {share(pend.count('not optimal'), pend)} | "
            f"{share(pend.count('unknown'), pend)} |"
        )
    lines += ["", "Per cell (nodes, pods/node, priorities, u): seeds kept; optimal / seeds with a pod pending.", ""]
    lines += ["| cell | seeds | " + " | ".join(verdicts) + " |", "|---|---|" + "---|" * len(verdicts)]
    return "\n".join(lines + per_cell) + "\n"


# Scenarios of the Priority Matters authors' own runs, cell nodes4_pods16_prio2_util100
# (henrikdchristensen/scheduler-plugins, analysis/kwok_workload_once/default/.../results.csv rows 1-6
# and plugin/nodes4_pods16_prio2_util100_timeout60/results.csv): per row the node capacity (cpu m,
# memory B, 4 nodes), the ReplicaSets in creation order as (priority, cpu m, memory B, the KWOK
# default's node per replica, 0 = pending), what the KWOK default placed, and what the authors'
# solver returned with status OPTIMAL from the live cluster of their plugin run.
AUTHORS_ROWS = [
    (1829, 1998227888, [(2, 427, 343966759, [4, 1, 2, 3]), (1, 391, 390597870, [2, 1]), (1, 828, 613089629, [4, 3]),
     (2, 151, 549358279, [4, 3, 2, 1]), (2, 553, 311363716, [2]), (1, 671, 700290895, [1, 0, 0])],
     {2: 9, 1: 5}, {2: 9, 1: 6}),
    (1217, 2150378292, [(2, 867, 583045723, [3]), (2, 275, 508486073, [2, 1, 4]), (2, 293, 797857795, [3, 2, 4, 1]),
     (1, 312, 569912140, [2, 4, 0, 0]), (2, 189, 255482371, [1, 1, 2, 4])],
     {2: 12, 1: 2}, {2: 12, 1: 2}),
    (2274, 2139922980, [(1, 628, 762438612, [2, 4]), (1, 297, 148276586, [3, 2, 1, 4]), (1, 708, 622733429, [3]),
     (2, 665, 292847219, [1]), (1, 573, 635007650, [0, 0, 4, 1]), (2, 972, 875325853, [2, 3]),
     (2, 336, 828106537, [1]), (2, 704, 407338858, [4])],
     {1: 9, 2: 5}, {2: 5, 1: 10}),
    (2776, 1575099735, [(2, 705, 165532249, [1, 3]), (1, 395, 472254751, [3, 4, 2]), (1, 794, 772542257, [1, 2]),
     (1, 385, 920370096, [0]), (2, 917, 340491619, [4, 1, 3]), (1, 892, 157620593, [0, 2, 0, 4]),
     (2, 217, 435158350, [3])],
     {1: 7, 2: 6}, {2: 6, 1: 8}),
    (2482, 2980423619, [(2, 886, 796429264, [4, 3]), (1, 390, 595892734, [1]), (2, 725, 903722814, [1, 2]),
     (1, 556, 761657615, [4, 2]), (2, 725, 639198754, [3]), (2, 179, 968781672, [3]), (1, 934, 187921846, [1]),
     (2, 126, 917501620, [4]), (2, 191, 484701741, [2]), (1, 762, 801019180, [0, 0, 0, 2])],
     {1: 5, 2: 8}, None),
    (2854, 1775481506, [(2, 976, 288088412, [1, 3]), (2, 882, 568849164, [4, 2]), (2, 420, 621201119, [1]),
     (1, 803, 620222247, [3]), (1, 685, 812588248, [2, 4]), (2, 454, 337001196, [1]), (1, 886, 197993841, [0]),
     (2, 595, 349452161, [2, 1, 4, 3]), (1, 692, 294323663, [0, 0])],
     {1: 3, 2: 10}, {2: 10, 1: 4}),
]  # fmt: skip


def authors_rows(window: float = 10.0) -> str:
    """The authors' own scenarios replayed: does ``kube`` place what their KWOK default placed,
    is that plan optimal (CP-SAT, all pods pending), and what does CP-SAT prove from the KWOK
    plan running (the authors' solver's view)?"""
    from schedkit.experiments.packing import with_running

    lines = [
        "| row | KWOK default | schedkit kube, by owner | optimum, all pending (proven) | from the KWOK plan running "
        "(proven) | authors' solver, OPTIMAL |",
        "|---|---|---|---|---|---|",
    ]
    fmt = lambda d: "{" + ", ".join(f"p{p}: {d.get(p, 0)}" for p in sorted(d, reverse=True)) + "}"  # noqa: E731
    for k, (cc, cm, rss, kwok, claim) in enumerate(AUTHORS_ROWS, 1):
        cpu, mem, prio, node, owner = [], [], [], [], []
        for r, (p, c, m, nodes) in enumerate(rss):
            for nd in nodes:
                cpu.append(c)
                mem.append(m)
                prio.append(p)
                node.append(nd - 1)
                owner.append(f"ReplicaSet/rs-{r}")
        cl = packing.Cluster([cc] * 4, [cm] * 4, cpu, mem, prio, pod_owner=owner)
        assert cl.placed_by_priority(np.array(node)) == kwok
        ours = packing.place(cl, arrival="by-owner").placed_by_priority
        best = packing.place(cl, method="cp", time_limit=window, workers=1).validate()
        live = packing.place(with_running(cl, node), method="cp", time_limit=window, workers=1).validate()
        lines.append(
            f"| {k} | {fmt(kwok)} | {fmt(ours)} | {fmt(best.placed_by_priority)} ({best.optimal}) | "
            f"{fmt(live.placed_by_priority)} ({live.optimal}) | {fmt(claim) if claim else '(not read)'} |"
        )
    return "\n".join(lines) + "\n"


def experiment_rows(summary: list[dict], log=print) -> list[str]:
    """The "Priority Matters" comparison as markdown table lines (header first), one row per
    CP window, next to the paper's figures; each summary row is also logged."""
    lines = [
        "| window | scenarios | improved | improved & proven | certified optimal | unchanged | paper improved | "
        "paper certified | mean s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary:
        lines.append(
            f"| {r['window_s']:g} s | {r['scenarios']} | {100 * r['improved']:.1f}% | "
            f"{100 * r['improved_and_optimal']:.1f}% | {100 * r['certified_optimal']:.1f}% | "
            f"{100 * r['unchanged']:.1f}% | >{100 * r['paper_improved']:.0f}% | "
            f">{100 * r['paper_certified_optimal']:.0f}% | {r['mean_seconds']:.2f} |"
        )
        log(str(r))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--constrained", action="store_true", help="only the constrained kube section")
    ap.add_argument("--paper-grid", action="store_true", help="only the paper-sized experiment grid (long)")
    ap.add_argument("--scenarios", type=int, default=3, help="--paper-grid: failing scenarios per cell")
    ap.add_argument("--certified", action="store_true", help="only the default-vs-optimum measurement (long)")
    ap.add_argument("--certified-seeds", type=int, metavar="K", help="certifiable share over K seeds per cell (long)")
    ap.add_argument(
        "--nodes", type=int, nargs="+", help="node counts (--certified-seeds: default 4 8; --paper-grid: all)"
    )
    ap.add_argument("--cp-from", choices=["pending", "running"], default="pending", help="--paper-grid: CP-SAT's start")
    ap.add_argument("--window", type=float, default=5.0, help="--certified-seeds: CP-SAT seconds per scenario")
    ap.add_argument("--authors-rows", action="store_true", help="replay six of the authors' own scenarios")
    args = ap.parse_args()
    if args.authors_rows:
        text = (
            "# schedkit.packing: six of the Priority Matters authors' own scenarios, replayed\n\n"
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; command: `python bench/bench_packing.py --authors-rows`; "
            "henrikdchristensen/scheduler-plugins, analysis/kwok_workload_once/default/nodes4_pods16_prio2_util100/"
            "results.csv rows 1-6 and plugin/nodes4_pods16_prio2_util100_timeout60/results.csv (their solver's "
            "result, status OPTIMAL, from the live cluster of their plugin run); CP-SAT 10 s, one worker.\n\n"
            + authors_rows()
        )
        out = HERE / "results" / "packing_authors_rows.md"
        out.write_text(text)
        print(text)
        print(f"wrote {out}")
        return
    if args.certified_seeds:
        nodes = tuple(args.nodes or (4, 8))
        text = certified_seeds(args.certified_seeds, nodes, args.window)
        out = HERE / "results" / f"packing_certified_seeds_n{'-'.join(map(str, nodes))}.md"
        out.write_text(text)
        print(text)
        print(f"wrote {out}")
        return
    if args.certified:
        text = certified()
        out = HERE / "results" / "packing_certified.md"
        out.write_text(text)
        print(text)
        print(f"wrote {out}")
        return
    if args.paper_grid:
        text = paper_grid(args.scenarios, nodes=tuple(args.nodes or ()), cp_from=args.cp_from)
        name = "packing_paper_grid" + ("_from_running" if args.cp_from == "running" else "")
        out = HERE / "results" / (name + (f"_n{'-'.join(map(str, args.nodes))}" if args.nodes else "") + ".md")
        out.write_text(text)
        print(text)
        print(f"wrote {out}")
        return
    if args.constrained:
        print("\n".join(constrained_section(args.quick)))
        return
    text = run(args.quick)["markdown"]
    out = HERE / "results" / ("quick" if args.quick else "") / "packing.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
