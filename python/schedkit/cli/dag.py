"""The ``schedkit dag`` command and the DAG section of ``schedkit demo``.

``schedkit dag WORKFLOW --processors 1,1.5,2,3 --algorithm heft|cpop|peft|mct|met|random|all``
schedules a WfCommons workflow (``.json``) or a Kasahara STG file (``.stg``), a path or a
bundled file name, and prints the table of :func:`schedkit.dag.compare` (makespan, SLR, speedup,
efficiency per algorithm); ``--output`` writes the schedules (Parquet or CSV), ``--gantt`` a Gantt
chart (PNG), each announcing its path. Nothing is written unless asked.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import dag
from schedkit._optional import new_axes
from schedkit.cli._common import (
    FIGURE_SUFFIXES,
    add_json_flag,
    format_table,
    input_path,
    output_path,
    print_json,
    run_doc,
)
from schedkit.dag._plot import gantt
from schedkit.data import path as data_path
from schedkit.exceptions import InvalidInstanceError, SchedkitError

#: The processor speeds of the demo and the default of ``--processors``: four processors of
#: speed factors 1, 1.5, 2 and 3, a heterogeneous platform of the kind HEFT was evaluated on.
DEFAULT_SPEEDS = "1,1.5,2,3"
#: The bundled workflow of the demo.
DEMO_WORKFLOW = "dag/epigenomics-chameleon-hep-1seq-100k-001.json"
#: Algorithms run by ``--algorithm all``, in display order (the core registry's).
ALL = list(dag.ALGORITHMS)


def _with_insertion(on: bool) -> str:
    """The algorithms whose default insertion policy is ``on``, as ``"a/b/c"``."""
    return "/".join(name for name, a in dag.ALGORITHMS.items() if a.insertion == on)


def _speeds(text: str) -> int | list[float]:
    """``"4"`` means 4 processors of speed 1; ``"1,1.5,2"`` gives one speed per processor."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        if len(parts) == 1 and parts[0].isdigit():
            return int(parts[0])
        return [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or comma-separated speeds, got {text!r}") from None


def _load(
    path: str | Path, processors: int | Sequence[float], bandwidth: float | None, latency: float
) -> tuple[dag.TaskGraph, dag.Platform]:
    """A WfCommons JSON (bandwidth in bytes/s, default 1e8) or STG file (default bandwidth 1)."""
    path = Path(path)
    if path.suffix.lower() == ".stg":
        return dag.from_stg(
            path, processors=processors, bandwidth=1.0 if bandwidth is None else bandwidth, latency=latency
        )
    return dag.from_wfcommons(
        path, processors=processors, bandwidth=1e8 if bandwidth is None else bandwidth, latency=latency
    )


def _unit(path: str | Path) -> str | None:
    """The time unit of a workflow file: seconds for WfCommons, none for STG (abstract costs)."""
    return None if Path(path).suffix.lower() == ".stg" else "s"


def _run_all(
    graph: dag.TaskGraph, plat: dag.Platform, algorithms: list[str], insertion: bool | None = None
) -> list[dag.Schedule]:
    """Every algorithm's validated schedule (``insertion=None``: each algorithm's default)."""
    options = {} if insertion is None else {"insertion": insertion}
    return [dag.schedule(graph, plat, algorithm=a, **options).validate() for a in algorithms]


def _rows(table: Any) -> list[dict[str, Any]]:
    """The rows of a :func:`schedkit.dag.compare` table, with the demo's online columns empty."""
    return [
        {
            "section": "static",
            "algorithm": r["algorithm"],
            "makespan": r["makespan"],
            "slr": r["slr"],
            "speedup": r["speedup"],
            "efficiency": r["efficiency"],
            "seconds": r["seconds"],
            "mean_response_time": None,
            "p95_response_time": None,
            "mean_slowdown": None,
        }
        for r in table.to_pylist()
    ]


def _table(rows: list[dict[str, Any]]) -> str:
    return format_table(
        ["algorithm", "makespan", "SLR", "speedup", "efficiency", "ms"],
        [
            [
                r["algorithm"].upper(),
                r["makespan"],
                f"{r['slr']:.3f}",
                f"{r['speedup']:.3f}",
                f"{r['efficiency']:.3f}",
                f"{1e3 * r['seconds']:.2f}",
            ]
            for r in rows
        ],
    )


def _write_schedules(path: str | Path, schedules: list[dag.Schedule]) -> None:
    """One table (column ``algorithm`` first) as Parquet (``.parquet``) or CSV (``.csv``)."""
    import pyarrow as pa

    tables = []
    for s in schedules:
        t = s.to_arrow()
        tables.append(t.add_column(0, "algorithm", pa.array([s.algorithm] * t.num_rows, type=pa.string())))
    out = pa.concat_tables(tables)
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(out, path)
    elif suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(out, path)
    else:
        raise SchedkitError(f"--output: {path}: use a .parquet or .csv file name")


def _write_gantt(path: str | Path, schedules: list[dag.Schedule], unit: str | None) -> None:
    """One Gantt chart per schedule, stacked, on one time scale (the longest makespan), so the
    panels compare at a glance; the figure is titled with the instance."""
    q = schedules[0].platform.num_processors
    axes = new_axes(len(schedules), standalone=True, height=len(schedules) * max(2.0, 0.45 * q + 1.2))
    xmax = max(s.makespan for s in schedules)
    suffix = f" {unit}" if unit else ""
    for ax, s in zip(axes, schedules, strict=True):
        title = f"{s.algorithm.upper()}: makespan {s.makespan:.4g}{suffix}, SLR {s.slr:.3f}"
        gantt(s, ax=ax, title=title, unit=unit, xmax=xmax)
    figure = axes[0].figure
    figure.suptitle(f"{schedules[0].graph.name or 'task graph'} on {q} processors")
    figure.savefig(path, dpi=110)


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit dag``; returns the exit code.

    Every schedule is validated independently before it is printed or written.

    {run_contract}

    Raises
    ------
    InvalidInstanceError
        A bad ``--bandwidth`` or ``--latency``, or an invalid workflow file.
    SchedkitError
        An ``--output`` name that is neither ``.parquet`` nor ``.csv``.

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["dag", str(data_path(DEMO_WORKFLOW)), "--algorithm", "heft"]))  # doctest: +ELLIPSIS
    epigenomics...: 41 tasks, 48 edges, 4 processors (speeds 1, 1.5, 2, 3)
    ...
    HEFT ...
    0
    """
    if args.latency < 0 or (args.bandwidth is not None and not args.bandwidth > 0):
        raise InvalidInstanceError("--bandwidth must be > 0 and --latency >= 0", field="bandwidth")
    output_path("--output", args.output, (".parquet", ".csv"))
    output_path("--gantt", args.gantt, FIGURE_SUFFIXES)
    workflow = input_path(args.workflow)
    graph, plat = _load(workflow, args.processors, args.bandwidth, args.latency)
    algorithms = None if args.algorithm.strip().lower() == "all" else [args.algorithm]
    options = {} if args.insertion is None else {"insertion": args.insertion == "on"}
    table = dag.compare(graph, plat, algorithms=algorithms, **options)
    rows = _rows(table)
    lb, seq = table.column("lower_bound")[0].as_py(), table.column("sequential_time")[0].as_py()
    if args.output or args.gantt:
        schedules = _run_all(graph, plat, [r["algorithm"] for r in rows], options.get("insertion"))
        if args.output:
            _write_schedules(args.output, schedules)
        if args.gantt:
            _write_gantt(args.gantt, schedules, _unit(workflow))
    speeds = plat.speed.tolist() if plat.speed is not None else None
    if args.json:
        print_json(
            {
                "workflow": str(args.workflow),
                "name": graph.name,
                "tasks": graph.num_tasks,
                "edges": graph.num_edges,
                "processor_speeds": speeds,
                "lower_bound": lb,
                "sequential_time": seq,
                "results": rows,
            }
        )
        return 0
    print(
        f"{graph.name or args.workflow}: {graph.num_tasks} tasks, {graph.num_edges} edges, "
        f"{plat.num_processors} processors (speeds {', '.join(f'{v:g}' for v in speeds or [])})"
    )
    print(f"critical-path lower bound {lb:.4g}, best single processor {seq:.4g}\n")
    print(_table(rows))
    if args.output:
        print(f"\nschedules written to {args.output}")
    if args.gantt:
        print(f"Gantt chart written to {args.gantt}")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``dag`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "dag",
        help="schedule a workflow (WfCommons .json or STG .stg) with HEFT, CPOP, PEFT, MCT, MET, random",
        description=(
            "Schedule a task graph on heterogeneous processors with every list-scheduling\n"
            "algorithm (or one), validate each schedule, and print makespan, SLR, speedup\n"
            "and efficiency per algorithm."
        ),
        epilog=(
            "examples:\n"
            "  schedkit dag montage-chameleon-dss-05d-001.json\n"
            "  schedkit dag epigenomics-chameleon-hep-1seq-100k-001.json --algorithm heft \\\n"
            "      --processors 1,2,4 --gantt gantt.png"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "workflow",
        help="WfCommons WfFormat JSON (schema 1.4 or 1.5) or Kasahara STG file: a path or a bundled name "
        "(schedkit data lists them)",
    )
    platform = p.add_argument_group("platform")
    platform.add_argument(
        "--processors",
        type=_speeds,
        default=_speeds(DEFAULT_SPEEDS),
        help=f"a count (speed 1 each) or comma-separated speed factors (default {DEFAULT_SPEEDS})",
    )
    platform.add_argument(
        "--bandwidth", type=float, default=None, help="link bandwidth (bytes/s for WfCommons: default 1e8; STG: 1)"
    )
    platform.add_argument("--latency", type=float, default=0.0, help="startup time of each transfer (default 0)")
    algorithm = p.add_argument_group("algorithm")
    algorithm.add_argument("--algorithm", default="all", help=f"one of {', '.join(ALL)} (any case), or all (default)")
    algorithm.add_argument(
        "--insertion",
        choices=["on", "off"],
        default=None,
        help=f"insertion policy (default: on for {_with_insertion(True)}, off for {_with_insertion(False)})",
    )
    output = p.add_argument_group("output (nothing is written unless asked)")
    output.add_argument("--output", metavar="FILE", help="write the schedules to a .parquet or .csv file")
    output.add_argument(
        "--gantt",
        metavar="FILE",
        help="write Gantt charts (.png, .svg or .pdf) of the schedules on one time axis; needs matplotlib",
    )
    add_json_flag(output)
    p.set_defaults(func=run)
    return p


def demo_section() -> tuple[str, list[dict[str, Any]]]:
    """The demo's DAG section: every algorithm on the bundled Epigenomics workflow, then an online
    stream of copies of it.

    Returns
    -------
    text : str
        Heading, table and the online line, ready to print.
    rows : list of dict
        One per static algorithm (``section`` ``"static"``) and per online policy (``"online"``),
        all with the same keys.

    Examples
    --------
    >>> text, rows = demo_section()
    >>> [r["algorithm"] for r in rows if r["section"] == "online"]
    ['heft_rt', 'heft']
    """
    graph, plat = _load(data_path(DEMO_WORKFLOW), _speeds(DEFAULT_SPEEDS), None, 0.0)
    table = dag.compare(graph, plat)
    rows = _rows(table)
    schedules = _run_all(graph, plat, [ALL[0]])
    lines = [
        f"DAG scheduling: WfCommons {graph.name} ({graph.num_tasks} tasks, {graph.num_edges} edges) on 4 "
        f"processors of speeds {DEFAULT_SPEEDS}, 100 MB/s links",
        f"critical-path lower bound {schedules[0].lower_bound:.1f} s, best single processor "
        f"{schedules[0].sequential_time:.1f} s; every schedule validated independently",
        "",
        _table(rows),
    ]
    # Online: a Poisson stream of this workflow on the same platform (about 60% busy under
    # HEFT's processor time per job), with 20% duration noise.
    heft_busy = float(np.sum(schedules[0].finish - schedules[0].start))
    mean_gap = heft_busy / plat.num_processors / 0.6
    stream = dag.JobStream.poisson((graph, plat), num_jobs=30, mean_interarrival=mean_gap, seed=0)
    online = []
    for policy, label in (("heft_rt", "runtime HEFT"), ("heft", "per-job HEFT")):
        s = dag.simulate_online(stream, policy=policy, noise=0.2, seed=1).validate().summary()
        online.append(f"{label}: mean {s['mean_response_time']:.1f} s, p95 {s['p95_response_time']:.1f} s")
        rows.append(
            {
                "section": "online",
                "algorithm": policy,
                "makespan": s["makespan"],
                "slr": None,
                "speedup": None,
                "efficiency": None,
                "seconds": None,
                "mean_response_time": s["mean_response_time"],
                "p95_response_time": s["p95_response_time"],
                "mean_slowdown": s["mean_slowdown"],
            }
        )
    lines += [
        "",
        f"online: 30 jobs of it, exponential inter-arrival (mean {mean_gap:.0f} s), 20% duration noise",
        "  " + "; ".join(online),
    ]
    return "\n".join(lines), rows
