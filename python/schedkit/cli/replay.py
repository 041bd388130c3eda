"""The ``schedkit replay`` command: multi-user cluster trace replay (``schedkit.fair``).

With no arguments it replays the bundled Google 2011 window (hetero, 27 users, 125 jobs,
824 tasks) through FIFO, FAIR, UJF, CFQ and UWFQ, each with and without runtime
partitioning, on 32 cores, and prints the comparison table; it writes only what is asked
(``--out`` per-job results, ``--plot`` the ECDF figure, ``--report`` one self-contained HTML
report) and prints each path. ``schedkit replay PATH`` replays a trace file;
``schedkit replay --scenario NAME`` runs one of the UWFQ paper's scenarios. On a terminal, a
progress line on stderr follows the reading and the simulation of a trace.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schedkit import _report, fair, trace
from schedkit._names import resolve_name
from schedkit._optional import new_axes, require
from schedkit.cli._common import (
    FIGURE_SUFFIXES,
    add_json_flag,
    error,
    format_table,
    input_path,
    name_list,
    output_path,
    print_json,
    progress_line,
)
from schedkit.exceptions import InvalidInstanceError, SchedkitError
from schedkit.fair._model import POLICY_ONLY_SETTINGS
from schedkit.fair._plot import utilisation_figure

#: The main job's default input and policies.
DEFAULT_TRACE = "google2011_wta_500s_hetero.csv"
DEFAULT_POLICIES = ["fifo", "fair", "ujf", "cfq", "uwfq"]

#: Printed columns: (header, column of :func:`schedkit.fair.compare`).
COLUMNS = [
    ("policy", "label"),
    ("mean RT", "mean_response_time"),
    ("median RT", "median_response_time"),
    ("p95 RT", "p95_response_time"),
    ("small-80% RT", "small80_mean_response_time"),
    ("slowdown", "mean_slowdown"),
    ("Jain", "jain_index"),
    ("DVR", "dvr"),
    ("violations", "violations"),
]

EPILOG = (
    "columns (RT = response time = finish - submit, in seconds):\n"
    + "\n".join(f"  {line}" for line in fair.METRICS.values())
    + """

cluster models (one per table):
  slots      --cores identical core slots, each task takes one (the UWFQ paper's Spark model)
  resources  nodes with cpu and memory, each task holds its cpu/memory request (DRF only)

examples:
  schedkit replay                                   the bundled Google 2011 window, 5 policies
  schedkit replay google2011_wta_500s_homo.csv --policy fair --pools fairscheduler.xml --no-partition
  schedkit replay google2011_wta_500s_hetero.csv --policy drf --nodes 4 --memory 68719476736
  schedkit replay --policy fifo,uwfq --no-partition --report report.html
"""
)


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
        description="Replay a multi-user cluster trace through Spark FIFO/FAIR, UJF, CFQ, UWFQ, SJF (slots\n"
        "model) or DRF (resources model) on an event-driven simulator; print response time, slowdown,\n"
        "Jain's index and fairness violations against UJF. With no arguments: the bundled Google 2011\n"
        "window on 32 cores, with and without runtime partitioning.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src_in = p.add_argument_group("input (a trace, or a paper scenario)")
    src_in.add_argument(
        "path",
        nargs="?",
        help="trace file or bundled trace name (Google WTA CSV, Alibaba batch_task, canonical "
        "Parquet/CSV/Arrow IPC, Google task_events with --format)",
    )
    src_in.add_argument(
        "--scenario",
        choices=sorted(fair.SCENARIOS),
        metavar="NAME",
        help=f"run a UWFQ paper scenario instead of a trace: {', '.join(sorted(fair.SCENARIOS))}",
    )
    pg = p.add_argument_group("policies")
    pg.add_argument(
        "--policy",
        default=None,
        help=f"comma-separated policies among {','.join(fair.POLICIES)}, any case "
        f"(default {','.join(DEFAULT_POLICIES)}; with --cluster resources: drf)",
    )
    pg.add_argument("--partition", action="store_true", help="runtime partitioning only (tau = 0.5 core-s)")
    pg.add_argument("--no-partition", action="store_true", help="no partitioning only")
    pg.add_argument("--tau", type=float, default=None, help="partition granule in core-seconds (default 0.5)")
    pg.add_argument(
        "--estimate", default="oracle", help=f"runtime estimates: {', '.join(fair.ESTIMATES)} (default oracle)"
    )
    pg.add_argument("--noise", type=float, default=None, help="log-normal sigma of --estimate noisy (default 0.5)")
    pg.add_argument("--seed", type=int, default=0, help="seed of noisy estimates / scenario arrivals")
    pg.add_argument(
        "--pools",
        metavar="FILE",
        help="Spark fairscheduler.xml for --policy fair (pools by the trace's pool column, else default)",
    )
    pg.add_argument(
        "--overheads",
        default="none",
        help="Spark overhead model: none (default) or calibrated (fitted to the UWFQ authors' Spark runs)",
    )
    cl = p.add_argument_group("cluster")
    cl.add_argument(
        "--cluster",
        choices=sorted(fair.CLUSTERS),
        default=None,
        help="cluster model (default: the policies' own, slots unless --policy drf)",
    )
    cl.add_argument("--cores", type=int, default=32, help="core slots; resources: total cpus (default 32)")
    cl.add_argument("--memory", type=float, default=None, help="resources: total memory in bytes (default unbounded)")
    cl.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="resources: split --cores and --memory into this many equal nodes (default one node)",
    )
    src = p.add_argument_group("trace reading")
    src.add_argument("--format", choices=trace.FORMATS, default=None, help="trace format (default: sniffed)")
    src.add_argument("--errors", choices=["raise", "skip"], default="raise", help="malformed rows: raise or skip")
    src.add_argument("--users", type=int, default=16, help="synthetic users for traces without users (Alibaba)")
    src.add_argument(
        "--machine-cpus",
        type=float,
        default=trace.MACHINE_CPUS,
        help=f"cores of the machine Google 2011 cpu requests are fractions of (default {trace.MACHINE_CPUS:g}, assumed)",
    )
    src.add_argument(
        "--machine-memory",
        type=float,
        default=trace.MACHINE_MEMORY,
        help="bytes of the machine Google 2011 / Alibaba memory requests are fractions of "
        f"(default {trace.MACHINE_MEMORY / 2**30:g} GiB, assumed)",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--out", metavar="FILE", help="write every run's per-job table to FILE (.parquet or .csv), whole or not at all"
    )
    out.add_argument(
        "--plot",
        metavar="FILE",
        default=None,
        help="write the response-time ECDF and per-user plot to FILE (.png, .svg or .pdf)",
    )
    out.add_argument(
        "--report",
        metavar="FILE",
        default=None,
        help="write one self-contained HTML report to FILE: run header, table, ECDFs, per-user bars, "
        "busy cores over time (records every task)",
    )
    add_json_flag(out)
    p.set_defaults(func=run)
    return p


def _runs(args: argparse.Namespace) -> tuple[list[tuple[str, bool]], str]:
    """The (policy, partition) runs and the one cluster model they share."""
    # The names are resolved as the library resolves them (any case, did-you-mean).
    given = [] if args.policy is None else name_list(args.policy, "--policy")
    policies = [resolve_name("policy", name, fair.POLICIES) for name in given]
    models = {fair.POLICY_CLUSTER[name] for name in policies}
    if args.cluster is not None:
        model = args.cluster
        if not policies:
            policies = ["drf"] if model == "resources" else list(DEFAULT_POLICIES)
        wrong = [name for name in policies if fair.POLICY_CLUSTER[name] != model]
        if wrong:
            raise SchedkitError(f"--cluster {model}: {', '.join(wrong)} run on the other model; replay them separately")
    elif len(models) > 1:
        by = ", ".join(f"{name}: {fair.POLICY_CLUSTER[name]}" for name in policies)
        raise SchedkitError(
            f"--policy mixes cluster models ({by}); one table compares one model: replay them separately"
        )
    else:
        model = models.pop() if models else "slots"
        policies = policies or list(DEFAULT_POLICIES)
    if args.partition and args.no_partition:
        raise SchedkitError("--partition and --no-partition exclude each other")
    parts = [True] if args.partition else [False] if args.no_partition else [False, True]
    return [(pol, part) for part in parts for pol in policies], model


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
    >>> args = parser.parse_args(["replay", "--policy", "ujf,uwfq", "--no-partition"])
    >>> run(args)  # doctest: +ELLIPSIS
    bundled google2011_wta_500s_hetero.csv (125 jobs, 27 users, 824 tasks), estimates: oracle, no overhead model; 2 runs ...
    cluster: slots, 32 cores, each task takes one (cpu and memory requests not read)
    ...
    uwfq ...
    0
    """
    try:
        return _run(args)
    except SchedkitError as exc:
        return error("schedkit replay", exc)


def _cluster_line(model: str, args: argparse.Namespace, google: bool) -> str:
    if model == "slots":
        return f"cluster: slots, {args.cores} cores, each task takes one (cpu and memory requests not read)"
    nodes = args.nodes or 1
    mem = "unbounded memory" if args.memory is None else f"{args.memory / 2**30:,.4g} GiB memory"
    line = f"cluster: resources, {nodes} node(s) sharing {args.cores} cpus and {mem}; tasks hold their requests"
    if google:
        line += (
            f"; normalised requests x a machine of {args.machine_cpus:g} cpus and "
            f"{args.machine_memory / 2**30:g} GiB (assumed)"
        )
    return line


def _check_outputs(args: argparse.Namespace) -> None:
    """The output files' suffixes and the report's folder, checked before the replay runs."""
    output_path("--plot", args.plot, FIGURE_SUFFIXES)
    output_path("--out", args.out, (".parquet", ".csv"))
    if args.report is not None:
        require("matplotlib", "HTML report figures")
        output_path("--report", args.report, (".html",))
        _report.check_target(args.report)


def _run(args: argparse.Namespace) -> int:
    if args.scenario and args.path:
        raise InvalidInstanceError(
            f"give a trace ({args.path!r}) or --scenario {args.scenario}, not both", field="scenario"
        )
    runs, model = _runs(args)
    _check_outputs(args)
    # an option no run reads is said to be ignored, as RunSpec says of its settings
    if args.tau is not None and not any(part for _, part in runs):
        warnings.warn("--tau: no run partitions (--no-partition); it is ignored", UserWarning, stacklevel=2)
    if args.noise is not None and args.estimate != "noisy":
        warnings.warn("--noise: applies to --estimate noisy only; it is ignored", UserWarning, stacklevel=2)
    settings: dict[str, Any] = dict(
        cores=args.cores,
        tau=fair.RunSpec.tau if args.tau is None else args.tau,
        estimate=args.estimate,
        noise=fair.RunSpec.noise if args.noise is None else args.noise,
        seed=args.seed,
        memory=args.memory,
        nodes=args.nodes,
        overheads=fair.RunSpec(overheads=args.overheads).overheads,  # resolved once for every run
    )
    if args.pools:
        settings["pool_config"] = input_path(args.pools)
    if args.report:
        # the utilisation figure is drawn from the recorded tasks
        settings["record_tasks"] = True
    t0 = time.perf_counter()
    google = False
    if args.scenario:
        source = f"scenario {args.scenario}"
        results, table = _scenario_table(args.scenario, runs, settings)
    else:
        path = input_path(args.path) if args.path else str(trace.bundled(DEFAULT_TRACE))
        google = args.format in ("google_wta", "google_task_events") or "google" in Path(path).name.lower()
        specs = [dict(policy=pol, partition=part, **settings) for pol, part in runs]
        # a report keeps every task, which a run streamed to --out does not: the jobs are
        # written after the runs instead
        results, table = fair.compare_results(
            path,
            specs,
            out=None if args.report else args.out,
            format=args.format,
            errors=args.errors,
            users=args.users,
            machine_cpus=args.machine_cpus,
            machine_memory=args.machine_memory,
            progress=progress_line(),
        )
        rows0 = table.to_pylist()
        # the trace's own task count is what an unpartitioned run executes
        plain = next((row for row in rows0 if not row["partition"]), None)
        tasks = None if plain is None else plain["tasks"]
        source = (
            f"{path if args.path else 'bundled ' + DEFAULT_TRACE} ({rows0[0]['jobs']:,} jobs, "
            f"{rows0[0]['users']} users" + (f", {tasks:,} tasks" if tasks is not None else "") + ")"
        )
    seconds = time.perf_counter() - t0
    written: list[str] = []
    if args.out:
        if args.scenario or args.report:
            _write_jobs(results, args.out)
        written.append(f"per-job results written to {args.out}")
    if args.plot:
        # asked for: without matplotlib that is an error, like any missing optional package
        require("matplotlib")
        if args.out and not args.scenario and not args.report:  # the jobs went to the file as they finished
            results = [dataclasses.replace(r, jobs=_file_jobs(args.out, i)) for i, r in enumerate(results)]
        fair.plot({r.label: r for r in results}, path=args.plot)
        written.append(f"ECDF plot written to {args.plot}")
    rows = table.to_pylist()
    # the model that ran (a streamed trace runs without the Spark job structure)
    over = results[0].meta.get("overheads")
    model_text = "no overhead model" if over is None else over.describe()
    cells = [[r[k] if r[k] is not None else "-" for _, k in COLUMNS] for r in rows]
    if args.report:
        header = {
            "trace": source,
            "cluster model": _cluster_line(model, args, google).removeprefix("cluster: "),
            "cores": args.cores,
            "estimates": args.estimate
            if args.estimate != "noisy"
            else f"noisy (sigma {settings['noise']:g}, seed {args.seed})",
            "overhead model": model_text,
            "runs": f"{len(results)} (-P = runtime partitioning, tau = {settings['tau']:g} core-s)",
        }
        written.append(f"report written to {_write_report(args.report, header, results, cells)}")
    if args.json:
        payload: dict[str, Any] = {
            "source": source,
            "cluster": model,
            "cores": args.cores,
            "estimate": args.estimate,
            "overheads": None if over is None else over.describe(),
            "seconds": seconds,
            "runs": rows,
            "files": written,
        }
        print_json(payload)
        return 0
    print(f"{source}, estimates: {args.estimate}, {model_text}; {len(results)} runs simulated in {seconds:.2f} s")
    print(_cluster_line(model, args, google))
    note = "DVR and violations against UJF with the same partitioning"
    if model == "resources":
        note = "DVR and violations: none on the resources model (UJF runs on slots)"
    print(f"RT = response time (s); -P = runtime partitioning; {note}; columns: schedkit replay --help")
    print(format_table([h for h, _ in COLUMNS], cells))
    for line in written:
        print(line)
    return 0


def _write_report(path: str, header: dict[str, Any], results: list[fair.Result], cells: list[list[Any]]) -> Path:
    """The HTML report: the header, the printed table with its metric definitions, the ECDF and
    per-user figure (:func:`schedkit.fair.plot`) and busy cores over time per run, computed from
    the tasks the runs recorded (``record_tasks=True``)."""
    runs = {r.label: r for r in results}
    table = {h: [row[i] for row in cells] for i, (h, _) in enumerate(COLUMNS)}
    definitions = dict(text.split(": ", 1) for text in fair.METRICS.values())
    figures = [fair.plot(runs, ax=new_axes(2, standalone=True, height=9.0)), utilisation_figure(runs)]
    return _report.write(path, _report.replay_report(header, table, figures, definitions))


def _scenario_table(
    name: str, runs: list[tuple[str, bool]], settings: dict[str, Any]
) -> tuple[list[fair.Result], pa.Table]:
    """The paper scenario under each run, tabulated like :func:`schedkit.fair.compare`."""
    settings = {k: v for k, v in settings.items() if k not in ("memory", "nodes", "pool_config") or v is not None}
    every = {(pol, part): fair.run_scenario(name, policy=pol, partition=part, **settings) for pol, part in runs}
    for part in {part for _, part in runs}:
        if ("ujf", part) not in every:
            # the hidden reference, without the settings UJF does not read
            unread = {key for key, users in POLICY_ONLY_SETTINGS if "ujf" not in users}
            ref_settings = {k: v for k, v in settings.items() if k not in unread}
            every[("ujf", part)] = fair.run_scenario(name, policy="ujf", partition=part, **ref_settings)
    results = [every[k] for k in runs]
    rows = []
    for (_, part), r in zip(runs, results):
        ref = every.get(("ujf", part)) if r.cluster == "slots" else None
        s = r.summary(ref)
        rows.append(
            {
                "label": r.label,
                "policy": r.policy,
                "partition": r.partition,
                "cluster": r.cluster,
                "cores": r.cores,
                "jobs": int(s["jobs"]),
                "users": len(s["user_mean_response_time"]),
                "tasks": int(pa.compute.sum(r.jobs.column("n_tasks")).as_py()),
                **{k: s.get(k) for k in fair.METRICS},
            }
        )
    return results, pa.Table.from_pylist(rows)


def _file_jobs(out: str, run: int) -> pa.Table:
    return fair.run_jobs(out, run)


def _write_jobs(results: list[fair.Result], out: str) -> None:
    tabs = []
    for r in results:
        t = r.jobs
        t = t.append_column("policy", pa.array([r.policy] * t.num_rows)).append_column(
            "partition", pa.array([r.partition] * t.num_rows)
        )
        tabs.append(t)
    table = pa.concat_tables(tabs)
    if out.endswith(".csv"):
        pacsv.write_csv(table, out)
    else:
        pq.write_table(table, out)
