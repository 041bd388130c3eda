"""The ``schedkit sweep`` command: a grid file's runs on a backend, one comparison table out.

``schedkit sweep GRID.yaml [--backend local|processes|ray|dask] [--workers N] [--address A]
[--out DIR] [--report FILE]`` reads the grid file (:func:`schedkit.sweep.read_grid`), runs it with
:func:`schedkit.sweep.run` (a progress line on stderr when it is a terminal: runs done/total,
failures, ETA) and prints, per area, one row per combination of the swept parameters with the
number of runs and the mean of the area's headline metrics over the replicates (``seed``).
``--out DIR`` keeps every run as a Parquet part: a rerun computes only the missing runs, and
``schedkit.sweep.load(DIR)`` reads the full table. ``--report FILE`` also writes the
comparison as one self-contained HTML file (:func:`schedkit.sweep.report`) and prints its path.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from schedkit import sweep
from schedkit.cli._common import add_json_flag, format_table, input_path, print_json, progress_line, run_doc
from schedkit.exceptions import SchedkitError
from schedkit.sweep._compare import compare, params, replicated
from schedkit.sweep._html import target

#: Failed runs listed after the tables (the rest are counted).
MAX_ERRORS = 10


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``sweep`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "sweep",
        help="run a grid of runs (policies x traces x seeds, ...) on threads, processes, Ray or Dask",
        description="Run a grid file's runs (any area) on threads, processes, Ray or Dask; compare them per area.",
        epilog="examples:\n"
        "  schedkit sweep example.yaml --report sweep.html\n"
        "  schedkit sweep example.yaml --backend processes --workers 2 --out sweep-results",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what runs")
    what.add_argument("grid", help="grid file (.yaml/.yml or .json), or a bundled one's name (example.yaml)")
    what.add_argument("--seed", type=int, default=None, help="sweep seed (default: the grid file's, else 0)")
    where = p.add_argument_group("where it runs")
    where.add_argument(
        "--backend",
        default="local",
        help=f"one of {', '.join(sweep.BACKENDS)} (default local: threads of this process)",
    )
    where.add_argument(
        "--workers", type=int, default=None, help="runs at once (default: the CPUs; on a cluster: its CPUs)"
    )
    where.add_argument(
        "--address",
        default=None,
        help="ray: cluster to connect to ('auto', 'ray://host:10001'); dask: scheduler ('tcp://host:8786')",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--out", metavar="DIR", help="keep each run as a Parquet part in DIR; a rerun computes only missing runs"
    )
    out.add_argument(
        "--report",
        metavar="FILE",
        help="also write one self-contained HTML report (tables, a figure per area; needs matplotlib)",
    )
    add_json_flag(out)
    p.set_defaults(func=run)
    return p


def _cell(v: Any) -> Any:
    return "-" if v is None else v


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit sweep``; returns the exit code.

    {run_contract}

    Raises
    ------
    InvalidInstanceError
        A bad grid file (naming the line, the grid or run and the parameter), an unknown
        backend, a bad ``--workers``.
    SolverUnavailableError
        ``--backend ray`` or ``dask`` without the package (the message names the extra).

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["sweep", "example.yaml", "--workers", "2"]))  # doctest: +ELLIPSIS
    example.yaml: 38 runs on local (2 workers): 38 computed, 0 failed, ... s
    <BLANKLINE>
    fair (means over the seeds)
    policy  partition  cores  estimate ...
    ...
    0
    """
    path = input_path(args.grid)
    runs, file_seed = sweep.read_grid(path)
    seed = file_seed if args.seed is None else args.seed
    if args.report is not None:
        target(args.report)
    t0 = time.perf_counter()
    table = sweep.run(
        runs,
        backend=args.backend,
        workers=args.workers,
        out=args.out,
        seed=seed,
        address=args.address,
        progress=progress_line(),
    )
    seconds = time.perf_counter() - t0
    meta = {k.decode().rsplit(".", 1)[-1]: v.decode() for k, v in (table.schema.metadata or {}).items()}
    backend = meta["backend"].strip('"')
    computed, reused, failed = int(meta["computed"]), int(meta["reused"]), int(meta["failed"])
    comparison = compare(table)
    errors = [
        {"area": r["area"], "run": r["run"], "params": params(r), "error": r["error"]}
        for r in table.to_pylist()
        if r["error"] is not None
    ]
    report = None
    if args.report is not None:
        report = sweep.report(table, args.report, header_items={"grid": args.grid})
    if args.json:
        print_json(
            {
                "grid": args.grid,
                "backend": backend,
                "seed": seed,
                "runs": table.num_rows,
                "computed": computed,
                "reused": reused,
                "failed": failed,
                "seconds": seconds,
                "out": args.out,
                "report": None if report is None else str(report),
                "areas": {area: rows for area, (_, rows) in comparison.items()},
                "errors": errors,
            }
        )
        return _status(errors, table.num_rows)
    workers = f" ({args.workers} workers)" if args.workers else ""
    reused_text = f", {reused} read from {args.out}" if args.out else ""
    print(
        f"{args.grid}: {table.num_rows} runs on {backend}{workers}: {computed} computed{reused_text}, "
        f"{failed} failed, {seconds:.2f} s"
    )
    for area, (names, rows) in comparison.items():
        headline = list(sweep.AREAS[area].headline)
        show_failed = any(r["failed"] for r in rows)
        headers = [*names, "runs", *(["failed"] if show_failed else []), *headline]
        print(f"\n{area}" + (" (means over the seeds)" if replicated(table, area) else ""))
        print(
            format_table(
                headers if names else ["(one setting)", *headers],
                [([] if names else ["-"]) + [_cell(r[h]) for h in headers] for r in rows],
            )
        )
    if errors:
        print(f"\nfailed runs ({len(errors)}):")
        for e in errors[:MAX_ERRORS]:
            print(f"  {e['area']} {' '.join(f'{k}={v}' for k, v in e['params'].items())}: {e['error']}")
        if len(errors) > MAX_ERRORS:
            print(f"  ... and {len(errors) - MAX_ERRORS} more (the table's error column has them all)")
    if args.out:
        print(f"\nruns written to {args.out} (read them with schedkit.sweep.load)")
    if report is not None:
        print(f"report written to {report}")
    return _status(errors, table.num_rows)


def _status(errors: list[dict[str, Any]], runs: int) -> int:
    """The exit code, 0 (the failed runs are results in the table), unless every run failed:
    nothing was computed, which is bad input (exit 2, the error printed by ``main``; the
    errors are listed above)."""
    if runs and len(errors) == runs:
        raise SchedkitError(f"every run failed ({errors[0]['error']})")
    return 0
