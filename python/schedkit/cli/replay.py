"""The ``schedkit replay`` command: multi-user cluster trace replay (``schedkit.fair``).

With no arguments it replays the bundled Google 2011 window (hetero, 27 users, 125 jobs,
824 tasks) through FIFO, FAIR, UJF, CFQ and UWFQ, each with and without runtime
partitioning, on 32 cores, prints the comparison table and writes the response-time ECDF
plot (when matplotlib is installed). ``schedkit replay PATH`` replays a trace file;
``schedkit replay --scenario NAME`` runs one of the UWFQ paper's scenarios. On a terminal, a
progress line on stderr follows the reading and the simulation of a trace.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schedkit import fair, trace
from schedkit._optional import require
from schedkit.cli._common import add_json_flag, error, format_table, print_json, progress_line
from schedkit.exceptions import SchedkitError

#: The main job's default input and policies.
DEFAULT_TRACE = "google2011_wta_500s_hetero.csv"
DEFAULT_POLICIES = ["fifo", "fair", "ujf", "cfq", "uwfq"]

#: Printed columns: (header, summary key).
COLUMNS = [
    ("policy", "label"),
    ("mean RT", "mean_response_time"),
    ("median RT", "median_response_time"),
    ("p95 RT", "p95_response_time"),
    ("small-80% RT", "small80_mean_response_time"),
    ("mean slowdown", "mean_slowdown"),
    ("Jain", "jain_index"),
    ("DVR vs UJF", "dvr"),
    ("violations", "violations"),
]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``replay`` subcommand.

    Parameters
    ----------
    subparsers
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser; its ``func`` default is :func:`run`.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="schedkit")
    >>> p = add_parser(parser.add_subparsers())
    >>> parser.parse_args(["replay", "--policy", "uwfq,cfq"]).policy
    'uwfq,cfq'
    """
    p = subparsers.add_parser(
        "replay",
        help="replay a cluster trace (default: the bundled Google 2011 window) through fair schedulers",
        description="Replay a multi-user cluster trace through Spark FIFO/FAIR, UJF, CFQ, UWFQ (and SJF) on an "
        "event-driven simulator; print response time, slowdown, Jain's index and fairness violation (DVR) "
        "against UJF. With no arguments: the bundled Google 2011 window on 32 cores, with and without "
        "runtime partitioning.",
    )
    p.add_argument(
        "path",
        nargs="?",
        help="trace file (Google WTA CSV, Alibaba batch_task, canonical "
        "Parquet/CSV/Arrow IPC, Google task_events with --format)",
    )
    p.add_argument("--scenario", choices=sorted(fair.SCENARIOS), help="run a UWFQ paper scenario instead of a trace")
    p.add_argument("--cores", type=int, default=32, help="identical cores (default 32)")
    p.add_argument(
        "--policy",
        default=None,
        help=f"comma-separated policies among {','.join(fair.POLICIES)} (default {','.join(DEFAULT_POLICIES)})",
    )
    p.add_argument("--partition", action="store_true", help="runtime partitioning only (tau = 0.5 core-s)")
    p.add_argument("--no-partition", action="store_true", help="no partitioning only")
    p.add_argument("--tau", type=float, default=0.5, help="partition granule in core-seconds (default 0.5)")
    p.add_argument(
        "--estimate", default="oracle", help=f"runtime estimates: {', '.join(fair.ESTIMATES)} (default oracle)"
    )
    p.add_argument("--noise", type=float, default=0.5, help="log-normal sigma of --estimate noisy (default 0.5)")
    p.add_argument("--seed", type=int, default=0, help="seed of noisy estimates / scenario arrivals")
    p.add_argument("--format", choices=trace.FORMATS, default=None, help="trace format (default: sniffed)")
    p.add_argument("--errors", choices=["raise", "skip"], default="raise", help="malformed rows: raise or skip")
    p.add_argument("--memory", type=float, default=None, help="memory capacity for --policy drf (default unbounded)")
    p.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="--policy drf: split --cores and --memory into this many equal nodes (default one pool)",
    )
    p.add_argument(
        "--overheads",
        default="none",
        help="Spark overhead model: none (default) or calibrated (fitted to the UWFQ authors' Spark runs)",
    )
    p.add_argument("--users", type=int, default=16, help="synthetic users for traces without users (Alibaba)")
    p.add_argument("--out", metavar="FILE", help="write every run's per-job table to FILE (.parquet or .csv)")
    p.add_argument(
        "--plot",
        metavar="FILE",
        default="schedkit_replay_ecdf.png",
        help="ECDF plot path (default schedkit_replay_ecdf.png; needs matplotlib)",
    )
    p.add_argument("--no-plot", action="store_true", help="do not write the plot")
    add_json_flag(p)
    p.set_defaults(func=run)
    return p


def _runs(args: argparse.Namespace) -> list[tuple[str, bool]]:
    # The names and --cores are passed on as given: the core checks them (its error is
    # reported like any other bad input).
    policies = [s.strip() for s in (args.policy or ",".join(DEFAULT_POLICIES)).split(",") if s.strip()]
    if args.partition and args.no_partition:
        raise SchedkitError("--partition and --no-partition exclude each other")
    parts = [True] if args.partition else [False] if args.no_partition else [False, True]
    return [(pol, part) for part in parts for pol in policies]


def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit replay``; returns the exit code.

    Bad input (an unknown policy, a malformed trace row, ...) prints one error line on stderr.

    Parameters
    ----------
    args : argparse.Namespace
        As parsed by the parser of :func:`add_parser`.

    Returns
    -------
    int
        0, or 2 after bad input.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="schedkit")
    >>> p = add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["replay", "--policy", "ujf,uwfq", "--no-partition", "--no-plot"])
    >>> run(args)  # doctest: +ELLIPSIS
    bundled google2011_wta_500s_hetero.csv (125 jobs, 27 users, 824 tasks) on 32 cores, ...
    policy ...
    ...
    uwfq ...
    0
    """
    try:
        return _run(args)
    except SchedkitError as exc:
        return error("schedkit replay", exc)


def _run(args: argparse.Namespace) -> int:
    runs = _runs(args)
    # DVR needs a UJF run with the same partitioning: add the missing references.
    refs_needed = [("ujf", part) for part in sorted({part for _, part in runs}) if ("ujf", part) not in runs]
    settings = dict(
        cores=args.cores,
        tau=args.tau,
        estimate=args.estimate,
        noise=args.noise,
        seed=args.seed,
        memory=args.memory,
        nodes=args.nodes,
        overheads=fair.RunSpec(overheads=args.overheads).overheads,  # resolved once for every run
    )
    t0 = time.perf_counter()
    if args.scenario:
        source = f"scenario {args.scenario}"
        every = [
            fair.run_scenario(args.scenario, policy=pol, partition=part, **settings) for pol, part in runs + refs_needed
        ]
    else:
        path = args.path or str(trace.bundled(DEFAULT_TRACE))
        specs = [dict(policy=pol, partition=part, **settings) for pol, part in runs + refs_needed]
        every = fair.replay_many(
            path,
            runs=specs,
            format=args.format,
            errors=args.errors,
            users=args.users,
            progress=progress_line(),
        )
        jobs = every[0].jobs
        n_users = len(set(jobs.column("user").to_pylist()))
        # the trace's own task count is what an unpartitioned run executes
        plain = next((r for r in every if not r.partition), None)
        tasks = None if plain is None else int(pa.compute.sum(plain.jobs.column("n_tasks")).as_py())
        source = (
            f"{path if args.path else 'bundled ' + DEFAULT_TRACE} ({jobs.num_rows:,} jobs, {n_users} users"
            + (f", {tasks:,} tasks" if tasks is not None else "")
            + ")"
        )
    seconds = time.perf_counter() - t0
    by_key = {(r.policy, r.partition): r for r in every}
    results: list[tuple[fair.Result, dict[str, Any]]] = []
    for pol, part in runs:
        r = by_key[(pol, part)]
        s = r.summary(by_key[("ujf", part)])
        s["label"] = r.label
        s["tasks"] = int(pa.compute.sum(r.jobs.column("n_tasks")).as_py())
        results.append((r, s))
    if args.out:
        tabs = []
        for r, _ in results:
            t = r.jobs
            t = t.append_column("policy", pa.array([r.policy] * t.num_rows)).append_column(
                "partition", pa.array([r.partition] * t.num_rows)
            )
            tabs.append(t)
        out = pa.concat_tables(tabs)
        if args.out.endswith(".csv"):
            pacsv.write_csv(out, args.out)
        else:
            pq.write_table(out, args.out)
    plot_note = None
    if not args.no_plot:
        # The plot is a by-product of the main job: without matplotlib say so, do not fail.
        try:
            require("matplotlib")
        except ImportError:
            plot_note = "plot skipped: matplotlib is not installed (pip install 'schedkit[plot]')"
        else:
            fig = fair.plot({r.label: r for r, _ in results})
            fig.savefig(args.plot, dpi=120)
            plot_note = f"ECDF plot written to {args.plot}"
    # the model that ran (a streamed trace runs without the Spark job structure)
    over = every[0].meta.get("overheads")
    if args.json:
        payload = {
            "source": source,
            "cores": args.cores,
            "estimate": args.estimate,
            "overheads": None if over is None else over.describe(),
            "seconds": seconds,
            "runs": [{k: v for k, v in s.items()} for _, s in results],
        }
        if plot_note:
            payload["plot"] = plot_note
        print_json(payload)
        return 0
    print(
        f"{source} on {args.cores} cores, estimates: {args.estimate}, "
        f"{'no overhead model' if over is None else over.describe()}; RT = response time (s); "
        f"-P = runtime partitioning; DVR against UJF with the same partitioning; "
        f"{len(every)} runs simulated in {seconds:.2f} s"
    )
    rows = [[s[k] for _, k in COLUMNS] for _, s in results]
    print(format_table([h for h, _ in COLUMNS], rows))
    if plot_note:
        print(plot_note)
    if args.out:
        print(f"per-job results written to {args.out}")
    return 0
