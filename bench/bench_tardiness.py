"""Benchmark of schedkit.tardiness against plain Python/NumPy references (bench/ref_tardiness.py).

Sections, in order:
1. agreement: reference sequences vs. the bundled known answers and vs. schedkit, before any timing;
2. heuristic timing at n = 100, 1,000, 10,000 on seeded Potts-Van Wassenhove instances (specs §1.2);
3. exact: schedkit ``exact`` and the plain Python pruned Lawler DP on the 200 SDT n = 100
   instances; ``exact`` (1 s) vs. OR-Tools CP-SAT (1 s, 1 worker) on the 125 OR-Library wt40;
4. heuristic quality on the n = 20 (800) and n = 100 (200) sets next to the paper's numbers.

Run ``python bench/bench_tardiness.py [--quick]``; ``bench/run.py`` runs it with the batch bench
and writes bench/results/.

The OR-Library-class sets (issue 15) run apart, each set in a child process so its peak RSS
is its own: ``python bench/bench_tardiness.py --sets 100,200,300 --methods exact,ssdp
--time-limit 60`` generates the 125 instances per n with
:func:`schedkit.tardiness.generate_orlib` (seed 2026) and reports per n and method: proven,
total and max seconds, the largest gap left, and peak RSS (``--stride 5``: one instance
per (TF, RDD) pair, 25 per n; ``--only n200_tf1_rdd1,...``: the instances whose names start so);
each unproven instance also gets a line on stderr (name, objective, bound, gap, seconds). ``--unweighted 500,1000 [--count K] [--methods bm,lawler]``
runs the hardest unweighted classes (TF 0.6 and 0.8, RDD 0.2: the SDT-style sets; 10 instances
each from ``generate_orlib(n, seed=2026, tf=(0.6, 0.8), rdd=(0.2,), per_pair=10,
weighted=False)``, the first K of each) with ``bm`` and Lawler's DP side by side on the same
instances: search seconds and nodes (states) per instance, each method's peak RSS (one child
process per method and n), and for ``bm`` also the public ``solve(..., "exact")`` seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit.exceptions import SchedkitError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ref_tardiness as R
from _env import best_time, fmt_t, md_table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "smtt"
N20 = DATA / "cetinkaya2025" / "n20_uniform_table2.txt"
SDT100 = DATA / "sdt" / "sdt_n100.txt"
WT40 = DATA / "orlib_wt" / "wt40.txt"
WTOPT40 = DATA / "orlib_wt" / "wtopt40.txt"
KNOWN = DATA / "known_answers_heuristics.json"

ATC_K = 1.0  # fixed look-ahead for the timed ATC (both sides)
SK_LS_LIMIT = 30.0  # time_limit of the timed schedkit local search; reaching it is reported, not timed


def _pd(inst):
    return np.array(inst.p), np.array(inst.d)


def _seq_str(seq, limit=40):
    seq = [int(x) for x in seq]
    s = ",".join(map(str, seq[:limit]))
    return s + (",..." if len(seq) > limit else "")


def generate(n: int, rdd: float, tf: float, seed, weighted: bool = False):
    """Potts-Van Wassenhove instance as the paper's generator (specs §1.2):
    p = int(U(1,100)), d = int(U(P(1-TF-RDD/2), P(1-TF+RDD/2))) truncated toward 0."""
    rng = np.random.default_rng(seed)
    p = np.floor(rng.uniform(1, 100, n))
    total = p.sum()
    d = np.trunc(rng.uniform(total * (1 - tf - rdd / 2), total * (1 - tf + rdd / 2), n))
    w = rng.integers(1, 11, n).astype(np.float64) if weighted else None
    return p, d, w


# --------------------------------------------------------------------------- timing helpers


def _fmt_x(x: float) -> str:
    return f"{x:,.0f}x" if x >= 10 else f"{x:.2g}x"


# --------------------------------------------------------------------------- 1. agreement


def check_agreement(quick: bool, log) -> dict:
    """Reference vs. known answers and vs. schedkit. Returns counts and every mismatch."""
    mismatches = []
    counts = {}

    def record(kind, name, rule, ref_seq, sk_seq, p, d, extra=""):
        mismatches.append(
            {
                "check": kind,
                "instance": name,
                "rule": rule,
                "n": len(p),
                "reference_sequence": [int(x) for x in ref_seq],
                "other_sequence": [int(x) for x in sk_seq],
                "reference_objective": R.objective(p, d, ref_seq),
                "other_objective": R.objective(p, d, sk_seq),
                "note": extra,
            }
        )

    def bump(key, ok):
        c = counts.setdefault(key, [0, 0])
        c[0] += int(ok)
        c[1] += 1

    # (a) bundled known answers: reference and schedkit against the JSON sequences
    known = json.loads(KNOWN.read_text())
    for case in known["cases"]:
        p = np.asarray(case["p"], dtype=float)
        d = np.asarray(case["d"], dtype=float)
        inst = sk.tardiness.Instance(p, d)
        for key, res in case["results"].items():
            meth = R.KNOWN_ANSWER_RULES[key]
            want = res["sequence"]
            ref = R.RULES[meth](p, d)
            ok = ref.tolist() == want
            bump(f"known answers: reference {meth} == json", ok)
            if not ok:
                record("known-answer (reference vs json)", case["name"], meth, ref, want, p, d)
            got = sk.tardiness.solve(inst, method=meth).sequence
            ok = got.tolist() == want
            bump(f"known answers: schedkit {meth} == json", ok)
            if not ok:
                record("known-answer (json vs schedkit)", case["name"], meth, want, got, p, d)
        # rules without JSON entries: reference vs schedkit on the same instances
        for meth in ("atc", "wi"):
            ref = R.RULES[meth](p, d)
            kw = {"atc_k": ATC_K} if meth == "atc" else {}
            got = sk.tardiness.solve(inst, method=meth, **kw).sequence
            ok = np.array_equal(ref, got)
            bump(f"known-answer instances: reference {meth} == schedkit", ok)
            if not ok:
                record("known-answer instance (reference vs schedkit)", case["name"], meth, ref, got, p, d)
        ref = R.insertion(p, d, R.mdd(p, d))
        got = sk.tardiness.solve(inst, method="mdd", improve="insertion").sequence
        ok = np.array_equal(ref, got)
        bump("known-answer instances: reference mdd+insertion == schedkit", ok)
        if not ok:
            record("known-answer instance (reference vs schedkit)", case["name"], "mdd+insertion", ref, got, p, d)
        val = R.lawler_dp(p, d)
        ok = val == case["opt"]
        bump("known-answer instances: reference Lawler DP == listed opt", ok)
        if not ok:
            mismatches.append({"check": "dp", "instance": case["name"], "dp": val, "opt": case["opt"]})

    # (b) wspt on the weighted wt40 instances
    wt = sk.tardiness.read_orlib(WT40, 40)
    for inst in wt[:: 5 if quick else 1]:
        p, d = _pd(inst)
        w = np.array(inst.w)
        ref = R.wspt(p, d, w)
        got = sk.tardiness.solve(inst, method="wspt").sequence
        ok = np.array_equal(ref, got)
        bump("wt40: reference wspt == schedkit", ok)
        if not ok:
            record("wt40 (reference vs schedkit)", inst.name, "wspt", ref, got, p, d)

    # (c) sweep: every reference rule vs schedkit on the n = 20 and n = 100 sets
    wi_capped = []
    for path in (N20, SDT100):
        insts, opt = sk.tardiness.read_sdt(path)
        step = 10 if quick else 1
        for inst, o in list(zip(insts, opt))[::step]:
            p, d = _pd(inst)
            for meth, fn in R.RULES.items():
                stats = {}
                ref = R.wi(p, d, stats=stats) if meth == "wi" else fn(p, d)
                if meth == "wi" and stats["capped"]:
                    wi_capped.append(inst.name)
                kw = {"atc_k": ATC_K} if meth == "atc" else {}
                got = sk.tardiness.solve(inst, method=meth, **kw).sequence
                ok = np.array_equal(ref, got)
                bump(f"{path.stem}: reference {meth} == schedkit", ok)
                if not ok:
                    record("sweep (reference vs schedkit)", inst.name, meth, ref, got, p, d)
            ref = R.insertion(p, d, R.mdd(p, d))
            got = sk.tardiness.solve(inst, method="mdd", improve="insertion").sequence
            ok = np.array_equal(ref, got)
            bump(f"{path.stem}: reference mdd+insertion == schedkit", ok)
            if not ok:
                record("sweep (reference vs schedkit)", inst.name, "mdd+insertion", ref, got, p, d)
            if path == N20:
                val = R.lawler_dp(p, d)
                bump(f"{path.stem}: reference Lawler DP == listed opt", val == o)
                if val != o:
                    mismatches.append({"check": "dp", "instance": inst.name, "dp": val, "opt": float(o)})
    for k, (ok, tot) in counts.items():
        log(f"  {k}: {ok}/{tot}")
    log(
        f"  mismatches: {len(mismatches)}; WI step cap (min(2n³, 10^8) + 1024) reached on {len(wi_capped)} swept instances"
    )
    return {"counts": counts, "mismatches": mismatches, "wi_capped": wi_capped}


# --------------------------------------------------------------------------- 2. heuristic timing

# name: (schedkit call, reference call, reference exponent, schedkit exponent, weighted)
TIMED = {
    "edd": (lambda i: sk.tardiness.solve(i, method="edd"), lambda p, d, w: R.edd(p, d), 1, 1, False),
    "spt": (lambda i: sk.tardiness.solve(i, method="spt"), lambda p, d, w: R.spt(p, d), 1, 1, False),
    "wspt": (lambda i: sk.tardiness.solve(i, method="wspt"), lambda p, d, w: R.wspt(p, d, w), 1, 1, True),
    "mdd": (lambda i: sk.tardiness.solve(i, method="mdd"), lambda p, d, w: R.mdd(p, d), 2, 1, False),
    f"atc (k={ATC_K:g})": (
        lambda i: sk.tardiness.solve(i, method="atc", atc_k=ATC_K),
        lambda p, d, w: R.atc(p, d, ATC_K),
        2,
        1,
        False,
    ),
    "wi": (lambda i: sk.tardiness.solve(i, method="wi"), lambda p, d, w: R.wi(p, d), 2, 2, False),
    "psk": (lambda i: sk.tardiness.solve(i, method="psk"), lambda p, d, w: R.psk(p, d), 2, 2, False),
    "eddc": (lambda i: sk.tardiness.solve(i, method="eddc"), lambda p, d, w: R.eddc(p, d), 2, 2, False),
    "mddc": (lambda i: sk.tardiness.solve(i, method="mddc"), lambda p, d, w: R.mddc(p, d), 2, 2, False),
    "aug_mdd": (lambda i: sk.tardiness.solve(i, method="aug_mdd"), lambda p, d, w: R.aug_mdd(p, d), 3, 3, False),
    "aug_mddc": (lambda i: sk.tardiness.solve(i, method="aug_mddc"), lambda p, d, w: R.aug_mddc(p, d), 3, 3, False),
    "mdd+insertion": (
        lambda i: sk.tardiness.solve(i, method="mdd", improve="insertion", time_limit=SK_LS_LIMIT),
        lambda p, d, w: R.insertion(p, d, R.mdd(p, d)),
        2,
        2,
        False,
    ),
}
CLASSES = [(0.2, 0.6), (0.6, 0.8), (0.6, 0.4), (1.0, 0.2)]  # (RDD, TF); the first is a hard class


def _estimate(history: list[tuple[int, float]], n: int, declared: int) -> float | None:
    """Per-instance seconds at n, scaled from the largest measured size with exponent
    max(declared, exponent observed between the last two sizes)."""
    if not history:
        return None
    n1, t1 = history[-1]
    expo = declared
    if len(history) >= 2:
        n0, t0 = history[-2]
        if t0 > 1e-3 and t1 > t0:
            expo = max(expo, math.log(t1 / t0) / math.log(n1 / n0))
    return t1 * (n / n1) ** expo


def time_heuristics(quick: bool, log) -> dict:
    sizes = [100, 1000] if quick else [100, 1000, 10000]
    per_n = {100: 4, 1000: 4, 10000: 2}
    ref_budget = 5.0 if quick else 30.0  # estimated seconds per row (all k instances) before the reference is skipped
    sk_budget = 5.0 if quick else 45.0
    rows = []
    hist_ref: dict[str, list] = {m: [] for m in TIMED}
    hist_sk: dict[str, list] = {m: [] for m in TIMED}
    for n in sizes:
        classes = CLASSES[: per_n[n]]
        data = []
        for c, (rdd, tf) in enumerate(classes):
            p, d, w = generate(n, rdd, tf, seed=[2025, n, c], weighted=True)
            data.append((p, d, w, sk.tardiness.Instance(p, d), sk.tardiness.Instance(p, d, w)))
        for name, (sk_fn, ref_fn, ref_exp, sk_exp, weighted) in TIMED.items():
            k = len(data)
            row = {"n": n, "method": name, "instances": k}
            est_sk = _estimate(hist_sk[name], n, sk_exp)
            if name == "wi" and est_sk is not None:
                # schedkit's WI stops backtracking after min(2n³, 10^8) steps, so from n ≈ 370 on
                # its time grows only with the heap's log factor, not as n³.
                est_sk = min(est_sk, 3 * hist_sk[name][-1][1])
            sk_seqs = None
            if est_sk is not None and est_sk * k > sk_budget:
                row["schedkit"] = None
                row["schedkit_note"] = f"skipped (est. {est_sk:.0f} s per instance)"
            else:
                ts, sk_seqs = [], []
                if not hist_sk[name]:
                    sk_fn(data[0][4] if weighted else data[0][3])  # warm-up call at the first size, not timed
                for _p, _d, _w, inst, winst in data:
                    t, res = best_time(lambda: sk_fn(winst if weighted else inst), 5, slow=1.0)
                    if name == "mdd+insertion" and t >= 0.98 * SK_LS_LIMIT:
                        sk_seqs = None
                        row["schedkit_note"] = f"stopped by time_limit={SK_LS_LIMIT:g} s (not converged)"
                        break
                    ts.append(t)
                    sk_seqs.append(res.sequence)
                if sk_seqs is None:
                    row["schedkit"] = None
                    hist_sk[name].append((n, SK_LS_LIMIT))
                else:
                    row["schedkit"] = float(np.mean(ts))
                    hist_sk[name].append((n, row["schedkit"]))
            est_ref = _estimate(hist_ref[name], n, ref_exp)
            if est_ref is not None and est_ref * k > ref_budget:
                # (per row: k instances, at least one run each)
                row["reference"] = None
                row["reference_note"] = f"skipped (est. {fmt_t(est_ref)} per instance)"
            else:
                ts, same = [], 0
                for idx, (p, d, w, _inst, _winst) in enumerate(data):
                    t, seq = best_time(lambda: ref_fn(p, d, w), 3, slow=0.5)
                    ts.append(t)
                    if sk_seqs is not None and np.array_equal(seq, sk_seqs[idx]):
                        same += 1
                row["reference"] = float(np.mean(ts))
                hist_ref[name].append((n, row["reference"]))
                if sk_seqs is not None:
                    row["same_sequence"] = f"{same}/{k}"
            if row.get("schedkit") and row.get("reference"):
                row["speedup"] = row["reference"] / row["schedkit"]
            rows.append(row)
            log(
                f"  n={n:>6} {name:<14} schedkit {fmt_t(row.get('schedkit')) if row.get('schedkit') else row.get('schedkit_note')}"
                f"  reference {fmt_t(row.get('reference')) if row.get('reference') else row.get('reference_note')}"
                f"  x{row.get('speedup', float('nan')):.1f}  same {row.get('same_sequence', '-')}"
            )
    return {"sizes": sizes, "classes": CLASSES, "instances_per_n": per_n, "rows": rows}


# --------------------------------------------------------------------------- 3. exact


def _try_exact(inst, **kw):
    try:
        return sk.tardiness.solve(inst, method="exact", **kw), None
    except SchedkitError as exc:
        return None, f"{type(exc).__name__}: {exc}"


def exact_section(quick: bool, log) -> dict:
    out: dict = {}
    insts, opt = sk.tardiness.read_sdt(SDT100)
    if quick:
        sel = list(range(0, 200, 10))
    else:
        sel = list(range(200))
    out["sdt_n100_instances"] = len(sel)
    # schedkit exact
    _res0, err = _try_exact(insts[sel[0]], time_limit=60.0)
    if err is not None:
        log(f"  exact: not available ({err})")
        out["schedkit_exact"] = {"available": False, "error": err}
    else:
        proven = equal = 0
        times = []
        for i in sel:
            t0 = time.perf_counter()
            res, err = _try_exact(insts[i], time_limit=60.0)
            times.append(time.perf_counter() - t0)
            if res is None:
                continue
            proven += int(res.optimal)
            equal += int(res.objective == opt[i])
        out["schedkit_exact"] = {
            "available": True,
            "proven": proven,
            "equal_to_listed": equal,
            "total_s": float(sum(times)),
            "max_s": float(max(times)),
        }
        log(f"  schedkit exact sdt_n100: proven {proven}/{len(sel)}, equal {equal}, total {sum(times):.3f} s")
    # plain Python DP
    budget = 60.0
    times, equal, done = [], 0, []
    t_start = time.perf_counter()
    for i in sel:
        if time.perf_counter() - t_start > budget:
            break
        p, d = _pd(insts[i])
        t0 = time.perf_counter()
        val = R.lawler_dp(p, d)
        times.append(time.perf_counter() - t0)
        equal += int(val == opt[i])
        done.append(i)
    out["python_dp"] = {
        "solved": len(done),
        "subset": None if len(done) == len(sel) else f"first {len(done)} of the {len(sel)} in file order (60 s budget)",
        "equal_to_listed": equal,
        "total_s": float(sum(times)),
        "max_s": float(max(times)),
    }
    log(f"  python DP sdt_n100: {len(done)} solved, equal {equal}, total {sum(times):.2f} s, max {max(times):.2f} s")

    # weighted: exact (1 s) vs CP-SAT (1 s, 1 worker) on wt40
    wt = sk.tardiness.read_orlib(WT40, 40)
    wopt = sk.tardiness.read_orlib_values(WTOPT40)
    wsel = list(range(0, 125, 12)) if quick else list(range(125))
    out["wt40_instances"] = len(wsel)
    for label, call in (
        ("exact", lambda inst: sk.tardiness.solve(inst, method="exact", time_limit=1.0)),
        ("cpsat", lambda inst: sk.tardiness.solve(inst, method="cpsat", time_limit=1.0, workers=1)),
    ):
        try:
            call(wt[wsel[0]])
        except SchedkitError as exc:
            log(f"  wt40 {label}: not available ({type(exc).__name__}: {exc})")
            out[f"wt40_{label}"] = {"available": False, "error": f"{type(exc).__name__}: {exc}"}
            continue
        proven = equal = below = 0
        times = []
        for i in wsel:
            t0 = time.perf_counter()
            res = call(wt[i])
            times.append(time.perf_counter() - t0)
            proven += int(res.optimal)
            equal += int(res.objective == wopt[i])
            below += int(res.objective < wopt[i])
        out[f"wt40_{label}"] = {
            "available": True,
            "proven": proven,
            "equal_to_wtopt40": equal,
            "below_wtopt40": below,
            "total_s": float(sum(times)),
            "max_s": float(max(times)),
        }
        log(f"  wt40 {label}: proven {proven}/{len(wsel)}, equal {equal}, total {sum(times):.1f} s")
    return out


# --------------------------------------------------------------------------- 4. quality

PAPER_MEAN = {  # specs §1.5, the paper's ("p") mean % gap over opt > 0; §1.6 for the rest (spec's runs)
    "edd": (46.61, 59.57),
    "eddc": (12.83, 28.12),
    "mdd": (1.86, 1.81),
    "mddc": (1.70, 1.52),
    "psk": (1.77, 1.79),
    "aug_mdd": (1.21, 1.27),
    "aug_mddc": (0.79, 1.08),
}
SPEC_MEAN = {"spt": (728, 6909), "atc (k=1)": (3.95, 2.48), "mdd+insertion": (0.75, 0.77)}
SPEC_RATIO = {  # specs §1.5 / §1.6, ratio-of-sums gap from the spec author's runs
    "edd": (52.6, 66.0),
    "eddc": (5.0, 5.6),
    "mdd": (1.45, 1.33),
    "mddc": (0.77, 1.21),
    "psk": (1.41, 1.32),
    "aug_mdd": (0.90, 0.89),
    "aug_mddc": (0.49, 0.83),
    "mdd+insertion": (0.46, 0.43),
}
QUALITY = [
    ("edd", dict(method="edd")),
    ("spt", dict(method="spt")),
    ("eddc", dict(method="eddc")),
    ("mdd", dict(method="mdd")),
    ("mddc", dict(method="mddc")),
    ("psk", dict(method="psk")),
    ("aug_mdd", dict(method="aug_mdd")),
    ("aug_mddc", dict(method="aug_mddc")),
    ("atc (auto k)", dict(method="atc")),
    ("atc (k=1)", dict(method="atc", atc_k=1.0)),
    ("wi", dict(method="wi")),
    ("mdd+insertion", dict(method="mdd", improve="insertion")),
    ("mddc+insertion", dict(method="mddc", improve="insertion")),
    ("mdd+both", dict(method="mdd", improve="both")),
    ("ils (seed 0, 200 it.)", dict(method="ils", seed=0, iterations=200)),
]


def _gaps(vals: np.ndarray, opt: np.ndarray):
    pos = opt > 0
    mean = float(100 * np.mean((vals[pos] - opt[pos]) / opt[pos]))
    ratio = float(100 * (vals.sum() / opt.sum() - 1))
    return mean, ratio


def _quality_row(name: str, objective, sets: dict, log) -> dict:
    """Gap statistics of one rule (``objective(instance)``) on every instance set."""
    row: dict = {"rule": name}
    for label, (insts, opt) in sets.items():
        t0 = time.perf_counter()
        vals = np.array([objective(i) for i in insts])
        el = time.perf_counter() - t0
        mean, ratio = _gaps(vals, opt)
        row[label] = {
            "mean_gap": mean,
            "ratio_gap": ratio,
            "hits": int(np.sum(vals == opt)),
            "below_opt": int(np.sum(vals < opt)),
            "count": len(insts),
            "positive_opt": int(np.sum(opt > 0)),
            "seconds": el,
        }
    log(
        f"  {name:<22} n20 {row['n20']['mean_gap']:7.2f} % / {row['n20']['ratio_gap']:6.2f} %"
        f"   n100 {row['n100']['mean_gap']:7.2f} % / {row['n100']['ratio_gap']:6.2f} %"
    )
    return row


def quality_section(quick: bool, log) -> dict:
    sets = {}
    for label, path in (("n20", N20), ("n100", SDT100)):
        insts, opt = sk.tardiness.read_sdt(path)
        if quick:
            insts, opt = insts[::10], opt[::10]
        sets[label] = (insts, opt)
    rows = [
        _quality_row(name, lambda i, kw=kw: sk.tardiness.solve(i, **kw).objective, sets, log) for name, kw in QUALITY
    ]
    # diagnostic: the reference WI without the step cap (see the agreement section)
    if not quick:
        rows.append(
            _quality_row(
                "wi, reference without step cap",
                lambda i: R.objective(*_pd(i), R.wi(*_pd(i), step_cap=None)),
                sets,
                log,
            )
        )
    return {"rows": rows, "counts": {k: len(v[0]) for k, v in sets.items()}}


# --------------------------------------------------------------------------- report


def markdown(res: dict) -> str:
    parts = []
    ag = res["agreement"]
    parts.append("## Reference agreement (checked before timing)\n")
    rows = [[k, f"{ok}/{tot}"] for k, (ok, tot) in ag["counts"].items()]
    parts.append(md_table(["check", "equal"], rows))
    if ag["mismatches"]:
        parts.append("\nMismatches:\n")
        for m in ag["mismatches"][:30]:
            parts.append(f"- `{json.dumps(m)[:600]}`")
    else:
        parts.append("\nNo mismatch: every reference sequence equals schedkit's (and the JSON's where listed).")
    if ag["wi_capped"]:
        parts.append(
            f"\nWI: the documented step cap (min(2n³, 10^8) + 1024, then finish by MDD) was reached on "
            f"{len(ag['wi_capped'])} swept instances (both sides, identically): "
            + ", ".join(ag["wi_capped"][:12])
            + (" ..." if len(ag["wi_capped"]) > 12 else "")
        )

    ht = res["timing"]
    parts.append(
        "\n## Heuristic timing: schedkit vs. plain Python/NumPy reference\n\n"
        f"Per-instance wall time, mean over instances of the min over repeats (schedkit up to 5, "
        f"reference up to 3; one run when a run is slow). Instances: Potts-Van Wassenhove generator "
        f"(specs §1.2), classes (RDD, TF) {', '.join(str(c) for c in ht['classes'])}, the first "
        f"{ht['instances_per_n']} per n, seeded. `same seq` = reference sequence identical to schedkit's.\n"
    )
    rows = []
    for r in ht["rows"]:
        rows.append(
            [
                r["method"],
                f"{r['n']:,}",
                fmt_t(r["schedkit"]) if r.get("schedkit") else r.get("schedkit_note", "-"),
                fmt_t(r["reference"]) if r.get("reference") else r.get("reference_note", "-"),
                _fmt_x(r["speedup"]) if "speedup" in r else "-",
                r.get("same_sequence", "-"),
            ]
        )
    parts.append(md_table(["method", "n", "schedkit", "reference", "speedup (reference / schedkit)", "same seq"], rows))

    ex = res["exact"]
    parts.append("\n## Exact\n")
    sdt_n = ex["sdt_n100_instances"]
    rows = []
    se = ex["schedkit_exact"]
    if se.get("available"):
        rows.append(
            [
                "schedkit `exact`",
                f"{se['proven']}/{sdt_n}",
                f"{se['equal_to_listed']}/{sdt_n}",
                f"{se['total_s']:.3f} s",
                f"{se['max_s']:.3f} s",
            ]
        )
    else:
        rows.append(["schedkit `exact`", "not available", "-", "-", se["error"]])
    pd_ = ex["python_dp"]
    rows.append(
        [
            "plain Python pruned Lawler DP (reference)" + (f" — subset: {pd_['subset']}" if pd_["subset"] else ""),
            f"{pd_['solved']}/{sdt_n}",
            f"{pd_['equal_to_listed']}/{pd_['solved']}",
            f"{pd_['total_s']:.2f} s",
            f"{pd_['max_s']:.2f} s",
        ]
    )
    parts.append(f"SDT n = 100 ({sdt_n} instances), unweighted:\n")
    parts.append(md_table(["solver", "proven / solved", "equal to listed optimum", "total", "max"], rows))
    wn = ex["wt40_instances"]
    rows = []
    for label, title in (("exact", "schedkit `exact`, time_limit 1 s"), ("cpsat", "OR-Tools CP-SAT, 1 s, 1 worker")):
        r = ex[f"wt40_{label}"]
        if r.get("available"):
            rows.append(
                [
                    title,
                    f"{r['proven']}/{wn}",
                    f"{r['equal_to_wtopt40']}/{wn}",
                    str(r["below_wtopt40"]),
                    f"{r['total_s']:.1f} s",
                    f"{r['max_s']:.2f} s",
                ]
            )
        else:
            rows.append([title, "not available", "-", "-", "-", r["error"]])
    parts.append(f"\nOR-Library wt40 ({wn} instances), weighted:\n")
    parts.append(md_table(["solver", "proven", "equal to wtopt40", "below wtopt40", "total", "max"], rows))

    q = res["quality"]
    parts.append(
        "\n## Heuristic quality (schedkit)\n\n"
        f"Mean % gap over instances with opt > 0, and ratio-of-sums gap 100·(ΣH/Σopt − 1); n = 20: "
        f"{q['counts']['n20']} instances of n20_uniform_table2, n = 100: {q['counts']['n100']} of sdt_n100. "
        "Paper = specs §1.5 (the paper's Table values); spec = the spec author's runs (§1.5 ratio-of-sums, §1.6).\n"
    )
    rows = []

    def ref_val(table, name, k):
        v = table.get(name)
        return "-" if v is None else f"{v[k]:g}"

    for r in q["rows"]:
        name = r["rule"]
        pm = PAPER_MEAN.get(name)
        sm = SPEC_MEAN.get(name)
        rows.append(
            [
                name,
                f"{r['n20']['mean_gap']:.2f}",
                (f"{pm[0]:g}" if pm else (f"{sm[0]:g} (spec)" if sm else "-")),
                f"{r['n20']['ratio_gap']:.2f}",
                ref_val(SPEC_RATIO, name, 0),
                f"{r['n20']['hits']}",
                f"{r['n100']['mean_gap']:.2f}",
                (f"{pm[1]:g}" if pm else (f"{sm[1]:g} (spec)" if sm else "-")),
                f"{r['n100']['ratio_gap']:.2f}",
                ref_val(SPEC_RATIO, name, 1),
                f"{r['n100']['hits']}",
            ]
        )
    parts.append(
        md_table(
            [
                "rule",
                "n=20 mean gap %",
                "paper",
                "n=20 ratio gap %",
                "spec",
                "n=20 = opt",
                "n=100 mean gap %",
                "paper",
                "n=100 ratio gap %",
                "spec",
                "n=100 = opt",
            ],
            rows,
        )
    )
    below = [(r["rule"], lab) for r in q["rows"] for lab in ("n20", "n100") if r[lab]["below_opt"]]
    if below:
        parts.append(f"\n**Heuristic values below the listed optimum:** {below}")
    return "\n".join(parts) + "\n"


def run(quick: bool = False, log=print) -> dict:
    res = {"quick": quick}
    t0 = time.perf_counter()
    log("[tardiness] agreement checks")
    res["agreement"] = check_agreement(quick, log)
    log("[tardiness] heuristic timing")
    res["timing"] = time_heuristics(quick, log)
    log("[tardiness] exact")
    res["exact"] = exact_section(quick, log)
    log("[tardiness] quality")
    res["quality"] = quality_section(quick, log)
    res["seconds"] = time.perf_counter() - t0
    res["markdown"] = markdown(res)
    return res


def one_set(
    n: int,
    method: str,
    time_limit: float,
    weighted: bool,
    count: int | None,
    stride: int = 1,
    only: list[str] | None = None,
    workers: int = 1,
) -> dict:
    """Solves one generated set in this process; returns its figures (run in a child).
    ``only``: keep the instances whose name starts with one of these prefixes; ``workers``:
    ``solve``'s threads (2 races ``ssdp`` beside ``bb`` in ``exact``)."""
    import resource

    if weighted:
        insts = sk.tardiness.generate_orlib(n, seed=2026)
    else:
        # the hardest unweighted class of the SDT sets: TF 0.6, RDD 0.2
        insts = sk.tardiness.generate_orlib(n, seed=2026, tf=(0.6,), rdd=(0.2,), per_pair=10, weighted=False)
    insts = insts[::stride]
    insts = insts[:count] if count else insts
    insts = [x for x in insts if x.name.startswith(tuple(only))] if only else insts
    rows = []
    for inst in insts:
        res = sk.tardiness.solve(inst, method=method, time_limit=time_limit, workers=workers).validate()
        rows.append(
            {
                "name": inst.name,
                "optimal": res.optimal,
                "seconds": res.elapsed,
                "gap": res.gap or 0.0,
                "objective": res.objective,
                "lower_bound": res.lower_bound,
            }
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "method": method, "workers": workers, "weighted": weighted, "rows": rows, "peak_rss_mb": rss}


def sets_section(
    sizes: list[int],
    methods: list[str],
    time_limit: float,
    weighted: bool,
    count: int | None,
    stride: int = 1,
    only: list[str] | None = None,
    workers: int = 1,
) -> list:
    """Each (n, method) set in a child process; one summary row each, printed as it ends, and
    on stderr one line per unproven instance (name, objective, bound, gap, seconds)."""
    import subprocess

    out = []
    for n in sizes:
        for method in methods:
            cmd = [sys.executable, __file__, "--one-set", str(n), "--methods", method, "--time-limit", str(time_limit)]
            cmd += [] if weighted else ["--unweighted-set"]
            cmd += ["--count", str(count)] if count else []
            cmd += ["--stride", str(stride)]
            cmd += ["--only", ",".join(only)] if only else []
            cmd += ["--workers", str(workers)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout)
            if not r["rows"]:
                raise SystemExit(f"n = {n}: no instance matches --only {','.join(only or [])}")
            for x in r["rows"]:
                if not x["optimal"]:
                    print(
                        f"unproven {x['name']} ({method}): objective {x['objective']:,.0f}, "
                        f"bound {x['lower_bound']:,.0f}, gap {100.0 * x['gap']:.3f} %, {x['seconds']:.2f} s",
                        file=sys.stderr,
                        flush=True,
                    )
            secs = [x["seconds"] for x in r["rows"]]
            row = {
                "n": n,
                "method": method,
                "workers": workers,
                "instances": len(secs),
                "proven": sum(x["optimal"] for x in r["rows"]),
                "total_s": sum(secs),
                "max_s": max(secs),
                "worst": max(r["rows"], key=lambda x: x["seconds"])["name"],
                "max_gap_pct": 100.0 * max(x["gap"] for x in r["rows"]),
                "peak_rss_mb": r["peak_rss_mb"],
            }
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


UNWEIGHTED_CLASSES = (0.6, 0.8)


def unweighted_instances(n: int, count: int | None) -> list:
    """The first ``count`` instances of each hardest unweighted class (TF 0.6, 0.8; RDD 0.2)."""
    insts = sk.tardiness.generate_orlib(n, seed=2026, tf=UNWEIGHTED_CLASSES, rdd=(0.2,), per_pair=10, weighted=False)
    per = count or 10
    return [inst for k, inst in enumerate(insts) if k % 10 < per]


def one_unweighted(n: int, method: str, time_limit: float, count: int | None, search_only: bool = False) -> dict:
    """Solves the unweighted set with one method in this process (run in a child)."""
    import resource

    from schedkit import _core

    rows = []
    for inst in unweighted_instances(n, count):
        t0 = time.perf_counter()
        objective, optimal, nodes, entries = _core.tardiness_exact_stats(inst._core, method, time_limit=time_limit)
        row = {
            "name": inst.name,
            "objective": objective,
            "optimal": optimal,
            "seconds": time.perf_counter() - t0,
            "nodes": nodes,
            "memo": entries,
        }
        if method == "bm" and not search_only:
            # the public path: MDD/MDDC incumbents + local search, then bm, then the validator
            res = sk.tardiness.solve(inst, method="exact", time_limit=time_limit).validate()
            row["exact_seconds"] = res.elapsed
            row["exact_agrees"] = res.optimal == optimal and (not optimal or res.objective == objective)
        rows.append(row)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "method": method, "rows": rows, "peak_rss_mb": rss}


def unweighted_section(
    sizes: list[int], methods: list[str], time_limit: float, count: int | None, search_only: bool = False
) -> list:
    """bm and Lawler's DP on the same hardest unweighted instances, one child per (n, method)."""
    import os
    import subprocess

    out = []
    for n in sizes:
        runs = {}
        for method in methods:
            cmd = [sys.executable, __file__, "--one-unweighted", str(n), "--methods", method]
            cmd += ["--time-limit", str(time_limit)] + (["--count", str(count)] if count else [])
            cmd += ["--search-only"] if search_only else []
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[method] = json.loads(proc.stdout)
        print(f"n = {n}, load {os.getloadavg()[0]:.1f}, time limit {time_limit:g} s per instance and method")
        names = [r["name"] for r in runs[methods[0]]["rows"]]
        head = ["instance"] + [f"{m} s" for m in methods] + [f"{m} nodes" for m in methods]
        public = "bm" in runs and not search_only
        head += ["exact s"] if public else []
        head += ["lawler/bm"] if {"bm", "lawler"} <= runs.keys() else []
        print(" | ".join(head))
        for i, name in enumerate(names):
            rows = {m: runs[m]["rows"][i] for m in methods}
            proven = [r for r in rows.values() if r["optimal"]]
            if len({r["objective"] for r in proven}) > 1:
                raise SystemExit(f"{name}: the methods disagree on a proven optimum: {rows}")
            if public and not rows["bm"]["exact_agrees"]:
                raise SystemExit(f"{name}: solve(..., 'exact') disagrees with bm: {rows['bm']}")
            cells = [name] + [f"{rows[m]['seconds']:.2f}" + ("" if rows[m]["optimal"] else " (open)") for m in methods]
            cells += [f"{rows[m]['nodes']:,}" for m in methods]
            cells += [f"{rows['bm']['exact_seconds']:.2f}"] if public else []
            if {"bm", "lawler"} <= rows.keys():
                cells.append(f"{rows['lawler']['seconds'] / rows['bm']['seconds']:.1f}x")
            print(" | ".join(cells), flush=True)
        for method, run in runs.items():
            for tf in UNWEIGHTED_CLASSES:
                sel = [r for r in run["rows"] if f"_tf{tf:g}_" in r["name"]]
                secs = [r["seconds"] for r in sel]
                row = {
                    "n": n,
                    "tf": tf,
                    "rdd": 0.2,
                    "method": method,
                    "instances": len(sel),
                    "proven": sum(r["optimal"] for r in sel),
                    "mean_s": sum(secs) / len(secs),
                    "max_s": max(secs),
                    "max_nodes": max(r["nodes"] for r in sel),
                    "peak_rss_mb": run["peak_rss_mb"],
                }
                if method == "bm" and public:
                    row["exact_max_s"] = max(r["exact_seconds"] for r in sel)
                print(json.dumps(row), flush=True)
                out.append(row)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sets", help="comma-separated n of generated OR-Library-class sets to solve exactly")
    ap.add_argument("--unweighted", help="comma-separated n of the hardest unweighted class")
    ap.add_argument("--methods", default="exact", help="comma-separated exact methods (default: exact)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    ap.add_argument("--count", type=int, help="only the first COUNT instances of each set")
    ap.add_argument(
        "--stride",
        type=int,
        default=1,
        help="every STRIDE-th instance of each set (5: one per (TF, RDD) pair of the weighted sets)",
    )
    ap.add_argument(
        "--only",
        help="comma-separated instance-name prefixes to keep, e.g. n200_tf1_rdd1,n200_tf0.8_rdd0.2_0",
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="solve()'s workers: 2 races ssdp beside bb in exact (default 1)"
    )
    ap.add_argument("--one-set", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--unweighted-set", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--one-unweighted", type=int, help=argparse.SUPPRESS)
    ap.add_argument(
        "--search-only", action="store_true", help="--unweighted: time the searches only, not solve(..., 'exact') too"
    )
    args = ap.parse_args()
    methods = args.methods.split(",")
    only = args.only.split(",") if args.only else None
    if args.one_unweighted:
        print(
            json.dumps(one_unweighted(args.one_unweighted, methods[0], args.time_limit, args.count, args.search_only))
        )
        return
    if args.one_set:
        weighted = not args.unweighted_set
        print(
            json.dumps(
                one_set(
                    args.one_set, methods[0], args.time_limit, weighted, args.count, args.stride, only, args.workers
                )
            )
        )
        return
    if args.sets or args.unweighted:
        if args.sets:
            sizes = [int(x) for x in args.sets.split(",")]
            sets_section(sizes, methods, args.time_limit, True, args.count, args.stride, only, args.workers)
        if args.unweighted:
            sizes = [int(x) for x in args.unweighted.split(",")]
            umethods = methods if args.methods != "exact" else ["bm", "lawler"]
            unweighted_section(sizes, umethods, args.time_limit, args.count, args.search_only)
        return
    res = run(args.quick)
    print(res["markdown"])


if __name__ == "__main__":
    main()
