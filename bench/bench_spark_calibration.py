"""Benchmark of the Spark overhead model against the UWFQ authors' measured Spark runs.

Measures, for the bundled calibrated values (``schedkit/data/spark_overheads.json``) and for
the plain simulator side by side, on every fitted scenario: measured vs simulated mean
response time per policy variant, the error, and Spearman's rank correlation over the
variants; then the targets of issue 18 (Spearman >= 0.8 and |error| <= 20 % for every
variant on each fitted scenario), met or not; the same figures for the held-out scenarios
(``2_large_2_small_users``, ``4_large_users``) against the authors' run tables for them; the
large trace jobs of ``google_hetero`` against the least mean RT their modelled work allows; how
the response times of the 120-job burst spread, measured and in the model (the authors' sorted
bands); the authors' run-to-run spread (their per-run tables); and
the cost of the model: simulation time and ns per event with and without it (best of 3).

    python bench/bench_spark_calibration.py          # about 30 s on 2 cores
    python bench/bench_spark_calibration.py --refit  # re-runs the fit first (about 1 min more)

Writes bench/results/spark_calibration.md.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import json
import tempfile
import time
from pathlib import Path

import _env

from schedkit import fair
from schedkit.experiments import calibrate_spark as cs

HERE = Path(__file__).resolve().parent
SPEARMAN_TARGET = 0.8
ERROR_TARGET = 0.20


def _targets(block: dict) -> tuple[bool, bool]:
    rank_ok = block["spearman"] == block["spearman"] and block["spearman"] >= SPEARMAN_TARGET
    err_ok = all(abs(r["error"]) <= ERROR_TARGET for r in block["rows"])
    return rank_ok, err_ok


def cost_rows() -> list[list[str]]:
    """Simulation time and ns per event of each fitted scenario under UWFQ, with and
    without the calibrated model (best of 3)."""
    rows = []
    o = fair.SparkOverheads.calibrated()
    for sc in cs.FIT_SCENARIOS:
        cells = [sc]
        for over in (None, o):
            sec, r = _env.best_time(lambda: fair.run_scenario(sc, policy="uwfq", overheads=over), 3)
            cells += [_env.fmt_t(sec), f"{1e9 * sec / r.events:,.0f}"]
        rows.append(cells)
    return rows


def makespan_rows(over: fair.SparkOverheads) -> list[list[str]]:
    """Per synthetic fitted scenario and the homogeneous Google window, per variant (without
    the partitioner): the measured and simulated total time (first submission to last
    completion) and mean RT / total time, the two quantities the targets' misses come down to
    (README, "Predicting what Spark measured")."""
    rows = []
    for sc in ("2_power_2_small_users", "4_super_small_users", "google_homo"):
        for t in cs.measured(sc):
            if t.partition:
                continue
            j = cs.simulate(sc, t.policy, False, over).jobs
            sub, fin = j.column("submit_time").to_numpy(), j.column("finish_time").to_numpy()
            span = float(fin.max() - sub.min())
            rows.append(
                [
                    sc,
                    t.label,
                    f"{t.total_time:.1f}",
                    f"{span:.1f}",
                    f"{t.mean / t.total_time:.2f}",
                    f"{float((fin - sub).mean()) / span:.2f}",
                ]
            )
    return rows


def _bands(rts: list[float]) -> tuple[float, float, float, float]:
    """Mean RT and the authors' three sorted bands (``results/visualize_results.py``,
    ``create_table``): the mean of the smallest ``floor(0.8 n)`` ("worst80"), of the next ones
    up to ``floor(0.95 n)`` ("worst95") and of the rest ("worst100")."""
    s = sorted(rts)
    n = len(s)
    i80, i95 = int(0.8 * n), int(0.95 * n)

    def avg(v: list[float]) -> float:
        return sum(v) / len(v)

    return avg(s), avg(s[:i80]), avg(s[i80:i95]), avg(s[i95:])


def serial_step_bound(total: float, band95: float, band100: float, n: int) -> float:
    """The longest serial step every job of an ``n``-job run could pass one at a time, in
    completion order, after its own work (s a job), allowed by the run's total time and its
    two last bands (the ``"worst95"`` and ``"worst100"`` means, :func:`_bands`). Such a step
    completes jobs at least ``p`` apart, so the last ``k = n - floor(0.8 n)`` response times
    average at most ``total - p (k - 1) / 2`` (the last completion is at most ``total`` after
    the first submission); the bound holds for a mean of runs too, being linear in the bands.

    >>> round(serial_step_bound(50.79, 49.2, 49.7, 120), 3)  # CFQ on the 120-job burst
    0.127
    """
    i80, i95 = int(0.8 * n), int(0.95 * n)
    k = n - i80
    last = ((i95 - i80) * band95 + (n - i95) * band100) / k
    return (total - last) / ((k - 1) / 2)


def burst_rows(over: fair.SparkOverheads) -> list[list[str]]:
    """The 120-job burst (``4_super_small_users``), per variant without the partitioner: the
    spread of the response times, measured (the authors' band columns, mean of 3 runs) and in
    the model (the same bands of one run), with the model's first completion. A uniform spread
    over ``[a, b]`` has band means ``a + 0.4 w``, ``a + 0.875 w`` and ``a + 0.975 w``
    (``w = b - a``) and a mean of ``a + 0.5 w``: Spark's FIFO (``fair``) measured a mean of 28.1
    s and bands of 25.0 / 40.4 / 41.8 s; the uniform spread of the same mean and first band is
    [12.6, 43.6] s (the measured total time: 43.3 s), whose other bands are 39.7 and 42.8 s."""
    import csv

    from schedkit import data

    cols = ("average response time", "average response time (worst80)", "average response time (worst95)")
    cols += ("average response time (worst100)", "total time")
    with open(data.path("uwfq_runs/4_super_small_users_run_data_avg.csv"), newline="") as fh:
        table = {row["Scheduler"]: [float(row[c]) for c in cols] for row in csv.DictReader(fh)}
    rows = []
    for t in cs.measured("4_super_small_users"):
        if t.partition:
            continue
        j = cs.simulate("4_super_small_users", t.policy, False, over).jobs
        rt = j.column("response_time").to_pylist()
        sub, fin = j.column("submit_time").to_numpy(), j.column("finish_time").to_numpy()
        m = table[t.scheduler]
        rows.append(
            [
                t.label,
                " / ".join(f"{v:.1f}" for v in m),
                " / ".join(f"{v:.1f}" for v in (*_bands(rt), float(fin.max() - sub.min()))),
                f"{min(rt):.1f}",
                f"{serial_step_bound(m[4], m[2], m[3], len(rt)):.2f}",
            ]
        )
    return rows


#: Per Loop class, the one-class measured run that bounds its executed work: (scenario,
#: jobs in it). All its jobs' busy time fits in the run's total time on the 32 cores, so a
#: job's executed work is at most total time x 32 / jobs (the shortest total over variants).
WORK_BOUNDS = {"Loop20": ("4_super_small_users", 120), "Loop100": ("2_power_2_small_users", 184)}
HELD_OUT_BOUNDS = {"Loop1000": ("4_large_users", 16)}


def work_rows(over: fair.SparkOverheads) -> list[list[str]]:
    """Per Loop class: the model's executed work of one Spark job (core-s) next to the bound
    the authors' total times put on it (:data:`WORK_BOUNDS`; Loop1000 from the held-out
    ``4_large_users``, which the fit never sees)."""
    from schedkit.fair._spark_jobs import udf_cost

    rows = []
    for cls, (sc, jobs) in {**WORK_BOUNDS, **HELD_OUT_BOUNDS}.items():
        total = min(t.total_time for t in cs.measured(sc))
        work = over.scan_work + over.iteration_work * udf_cost(cls, 0.0)
        rows.append([cls, sc, f"{total:.1f} s x 32 / {jobs} = {total * 32 / jobs:.1f}", f"{work:.1f}"])
    return rows


def alone_rows(over: fair.SparkOverheads) -> list[list[str]]:
    """A Loop job's response time alone on the cluster: the authors' (mean RT over mean
    proportional slowdown of a one-class scenario: every job's slowdown is its RT over the
    same alone RT) and the model's (a job's alone time, its stages on the 32 cores)."""
    rows = []
    for sc, cls in (("4_super_small_users", "Loop20"), ("2_power_2_small_users", "Loop100")):
        t = cs.measured(sc)[0]
        assert t.slowdown
        j = cs.simulate(sc, t.policy, False, over).jobs
        rows.append([cls, sc, f"{t.mean / t.slowdown:.2f}", f"{float(j.column('alone_time').to_numpy().mean()):.2f}"])
    return rows


#: The Google users whose measured mean RTs are below what their own jobs' modelled work allows.
LARGE_TRACE_USERS = ("user_1", "user_2")


def trace_user_rows(over: fair.SparkOverheads) -> list[list[str]]:
    """``google_hetero``, users with large trace jobs, in the variant where the authors
    measured their least mean RT: their own jobs' executed work in the model, the least mean
    RT that work allows (no job can use more than the 32 cores, so its RT is at least its
    work / 32), the model's mean RT of the user's own jobs, the model's mean RT measured as
    the authors' analysis measured it (the job groups of every user whose name contains
    the user's: ``user_1`` pools ``user_10`` ... ``user_19``), and the authors' value."""
    measured = cs.measured("google_hetero")
    rows = []
    for u in LARGE_TRACE_USERS:
        best = min(measured, key=lambda t: t.users[u])
        r = cs.simulate("google_hetero", best.policy, best.partition, over)
        user = r.jobs.column("user").to_pylist()
        work = r.jobs.column("work").to_numpy()
        w = [float(x) for x, v in zip(work, user) if v == u]
        pooled = sum(1 for v in user if u in v)
        rows.append(
            [
                f"{u} ({best.label})",
                f"{len(w)} / {pooled}",
                ", ".join(f"{x:.0f}" for x in w),
                f"{sum(x / 32 for x in w) / len(w):.1f}",
                f"{cs.measure(best, r, 'plain')[1][u]:.1f}",
                f"{cs.measure(best, r, 'authors')[1][u]:.1f}",
                f"{best.users[u]:.1f}",
            ]
        )
    return rows


def spread_rows(with_model: dict) -> list[list[str]]:
    """The authors' run-to-run spread on each fitted scenario (``calibrate_spark.replication``):
    how their own runs rank the variants against each other, the model against any single run
    per variant, and the variants whose runs spread most."""
    rows = []
    for sc, block in with_model["fitted"].items():
        ours = {r["variant"]: r["ours"] for r in block["rows"]}
        rep = cs.replication(cs.measured_runs(sc), ours, SPEARMAN_TARGET)
        lo, hi, share = rep["ours_vs_one_run"]
        wide = sorted(rep["spread"].items(), key=lambda kv: -kv[1])[:3]
        rows.append(
            [
                sc,
                " / ".join(f"{v:.2f}" for v in rep["rounds"].values()),
                f"{rep['ours_vs_mean']:.2f}",
                f"{lo:.2f} .. {hi:.2f} ({100 * share:.0f} % >= {SPEARMAN_TARGET})",
                ", ".join(f"{k} {100 * v:.0f} %" for k, v in wide),
            ]
        )
    return rows


def run(refit: bool = False, log=print) -> dict:
    t0 = time.perf_counter()
    if refit:
        with tempfile.TemporaryDirectory() as d:
            cs.main(["--out", str(Path(d) / "fit.json")])
            doc = json.loads((Path(d) / "fit.json").read_text())
        over = fair.SparkOverheads(**doc["parameters"], name="refit")
    else:
        over = fair.SparkOverheads.calibrated()
    log(over.describe())
    with_model = cs.compare(over)
    plain = cs.compare(None)
    plain_view = cs.compare(over, view="plain")
    costs = cost_rows()
    env = _env.environment()
    md = [
        _env.header(
            "Spark overhead model vs the UWFQ authors' Spark runs",
            env,
            False,
            time.perf_counter() - t0,
            "python bench/bench_spark_calibration.py",
        )
    ]
    md.append(f"Model: {over.describe()}.\n")
    md.append(
        f"Every run (model and plain) is `calibrate_spark.simulate`: UWFQ with grace {cs.AUTHORS_GRACE:g}, "
        "as the authors' scheduler starts a returning user's new job at the current virtual time.\n"
    )
    md.append(
        f"Targets (issue 18), per fitted scenario: Spearman over the policy variants >= {SPEARMAN_TARGET}, "
        f"and mean RT within {ERROR_TARGET:.0%} of the measured value for every variant.\n"
    )
    summary = []
    for sc, block in with_model["fitted"].items():
        rank_ok, err_ok = _targets(block)
        worst = max(abs(r["error"]) for r in block["rows"])
        p = plain["fitted"][sc]
        summary.append(
            [
                sc,
                f"{block['spearman']:.2f}" + (" met" if rank_ok else " **not met**"),
                f"{100 * worst:.0f} %" + (" met" if err_ok else " **not met**"),
                f"{p['spearman']:.2f}",
                f"{100 * max(abs(r['error']) for r in p['rows']):.0f} %",
                f"{plain_view['fitted'][sc]['spearman']:.2f}",
                f"{100 * max(abs(r['error']) for r in plain_view['fitted'][sc]['rows']):.0f} %",
            ]
        )
    md.append(
        "Ours is measured as the authors' analysis measured their runs (`calibrate_spark.measure`, "
        'view "authors": on the Google windows a user\'s mean pools the job groups of every user whose '
        "name contains it, and those count twice in the overall mean); the last two columns measure the "
        'same model runs per job, each job once under its own user (view "plain").\n'
    )
    md.append(
        _env.md_table(
            [
                "fitted scenario",
                "Spearman (model)",
                "worst |error| (model)",
                "Spearman (plain)",
                "worst |error| (plain)",
                "Spearman (model, per-job view)",
                "worst |error| (model, per-job view)",
            ],
            summary,
        )
    )
    md.append(
        "\n\nRun-to-run spread (the authors' per-run tables, 3 runs a variant; the targets are judged on "
        "their mean): Spearman over the variants of their run i against their run j (0-1 / 0-2 / 1-2, "
        "run i being their i-th Spark application of each scheduler), the model's Spearman against the "
        "mean, its range against every choice of one run per variant (and the share of choices at the "
        "target), and the three variants whose runs lie furthest from their mean (largest |run / mean - 1|). "
        "On google_homo the authors' own runs 1 and 2 rank the variants 0.79 against each other, and "
        "UJF, Fair-P and UJF-P each have one run 16-19 % above their mean (their other two runs within 2 % of each other), so "
        "a rank target of 0.8 is at the edge of what their runs reproduce; elsewhere their runs agree "
        "(0.87-0.98) and every variant lies within 5 % of its mean, so the other misses are the model's:\n"
    )
    md.append(
        _env.md_table(
            [
                "fitted scenario",
                "authors' runs, Spearman i vs j",
                "model vs mean",
                "model vs one run per variant",
                "widest variants",
            ],
            spread_rows(with_model),
        )
    )
    md.append("\n\nPer variant, mean response time (s): measured / plain simulator / with the model (error):\n")
    rows = []
    for sc, block in with_model["fitted"].items():
        for r, q in zip(block["rows"], plain["fitted"][sc]["rows"]):
            rows.append(
                [
                    sc,
                    r["variant"],
                    f"{r['measured']:.2f}",
                    f"{q['ours']:.2f}",
                    f"{r['ours']:.2f} ({100 * r['error']:+.0f} %)",
                ]
            )
    md.append(_env.md_table(["scenario", "variant", "measured", "plain", "model"], rows))
    md.append(
        "\n\nHeld out (never seen by the fit), against the authors' run tables for them; "
        "Spearman and worst error as above, then per variant measured / plain / model (error):\n"
    )
    hsum = []
    for sc, block in with_model["held_out"].items():
        p = plain["held_out"][sc]
        hsum.append(
            [
                sc,
                f"{block['spearman']:.2f}",
                f"{100 * max(abs(r['error']) for r in block['rows']):.0f} %",
                f"{p['spearman']:.2f}",
                f"{100 * max(abs(r['error']) for r in p['rows']):.0f} %",
            ]
        )
    md.append(
        _env.md_table(
            [
                "held-out scenario",
                "Spearman (model)",
                "worst |error| (model)",
                "Spearman (plain)",
                "worst |error| (plain)",
            ],
            hsum,
        )
    )
    md.append("")
    hrows = []
    for sc, block in with_model["held_out"].items():
        for r, q in zip(block["rows"], plain["held_out"][sc]["rows"]):
            hrows.append(
                [
                    sc,
                    r["variant"],
                    f"{r['measured']:.2f}",
                    f"{q['ours']:.2f}",
                    f"{r['ours']:.2f} ({100 * r['error']:+.0f} %)",
                ]
            )
    md.append(_env.md_table(["scenario", "variant", "measured", "plain", "model"], hrows))
    md.append(
        "\n\nTotal time (first submission to last completion, s) and mean RT / total time, measured "
        "and with the model, on the synthetic fitted scenarios and the homogeneous Google window "
        "(what the misses come down to):\n"
    )
    md.append(
        _env.md_table(
            ["scenario", "variant", "measured total", "model total", "measured mean/total", "model mean/total"],
            makespan_rows(over),
        )
    )
    md.append(
        "\n\nThe 120-job burst (`4_super_small_users`), how the response times spread (s): mean / "
        "mean of the smallest 80 % / of the next 15 % / of the last 5 % / total time, measured (the "
        "authors' band columns) and with the model, and the model's first completion. Spark's own "
        "orders (`fair`, `ujf`) measured a spread close to uniform over about [13, 43] s (`fair`: "
        "mean and first band those of [12.6, 43.6] s, whose other bands, 39.7 and 42.8 s, are near the "
        "measured 40.4 and 41.8): nothing ends in the first 12 s (the model's first job ends "
        "earlier, last column), then about 4 jobs a second, and no pile-up at the end, where a result Spark job "
        "after each scan (adaptive execution's final aggregation, `result_task`) puts every job under "
        "Spark's FIFO (see `calibrate_spark.STRUCTURE`). The last column bounds, from the measured "
        "total and last two bands alone, a serial step every job passes after its scan, one job at a "
        "time (a result step on the single driver, served in the order the scans end; "
        "`serial_step_bound`): such a step is Spark's, the same under every scheduler, so CFQ's "
        "pile-up caps it at about 0.12 s a job, under the 0.26 s a job at which Spark's FIFO "
        "completed the burst; and a serial server spaces completions, so it cannot pile them up:\n"
    )
    md.append(
        _env.md_table(
            ["variant", "measured", "model", "model first", "serial step after the scan <="], burst_rows(over)
        )
    )
    md.append(
        "\n\nExecuted work of one Loop Spark job (core-s): the bound a one-class run's shortest "
        "measured total time puts on it (total x 32 cores / jobs; Loop1000 from a held-out run) and "
        "the model's, scan_work + iteration_work x N^(1/1.221352):\n"
    )
    md.append(_env.md_table(["class", "bounded by", "bound", "model"], work_rows(over)))
    md.append(
        "\n\nA Loop job alone (s): the authors' (mean RT / mean proportional slowdown, their "
        "individual runs) and the model's (Spark's scan splits, one straggler task of 9 % of the scan):\n"
    )
    md.append(_env.md_table(["class", "from", "measured alone", "model alone"], alone_rows(over)))
    md.append(
        "\n\nLarge trace jobs on google_hetero, in the variant of the user's least measured mean RT: "
        "the user's own jobs / the job groups the authors' analysis gave the user (every user whose name "
        "contains it), the model's executed work of each own job (core-s), the least mean RT it allows on "
        "32 cores (work / 32 per job, averaged), the model's mean RT of the own jobs, the model's mean RT "
        "as the authors' analysis measures it, and the authors' value (s):\n"
    )
    md.append(
        _env.md_table(
            [
                "user",
                "own / pooled jobs",
                "model work per own job",
                "least own mean RT",
                "model own",
                "model, authors' view",
                "measured",
            ],
            trace_user_rows(over),
        )
    )
    md.append("\n\nCost of the model (UWFQ, best of 3): time and ns per event, plain / with the model:\n")
    md.append(_env.md_table(["scenario", "plain", "ns/event", "model", "ns/event"], costs))
    text = "\n".join(md) + "\n"
    return {"markdown": text, "with_model": with_model, "plain": plain}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refit", action="store_true", help="run the calibration first and measure its values")
    args = ap.parse_args()
    result = run(refit=args.refit)
    out = HERE / "results" / "spark_calibration.md"
    out.write_text(result["markdown"])
    print(result["markdown"])
    print(f"written to {out}")


if __name__ == "__main__":
    main()
