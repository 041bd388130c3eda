"""The ``schedkit`` command.

``schedkit replay`` replays a cluster trace through the multi-user policies (the main job);
``schedkit demo`` compares the tardiness methods on a bundled benchmark set and adds a DAG and
a flow-time section; ``schedkit tardiness FILE``, ``schedkit dag WORKFLOW`` and ``schedkit
flowtime`` and ``schedkit pack`` run one area each. Every command prints a readable table, or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import schedkit
from schedkit import tardiness
from schedkit.data import path as data_path
from schedkit.exceptions import SchedkitError

#: The rules and pipelines the demo compares, as (label, method, improve).
DEMO_METHODS: list[tuple[str, str, str | None]] = [
    ("EDD", "edd", None),
    ("SPT", "spt", None),
    ("EDDC", "eddc", None),
    ("ATC (auto k)", "atc", None),
    ("Wilkerson-Irwin", "wi", None),
    ("PSK", "psk", None),
    ("MDD", "mdd", None),
    ("MDDC", "mddc", None),
    ("Augmented MDD", "aug_mdd", None),
    ("Augmented MDDC", "aug_mddc", None),
    ("MDD + insertion", "mdd", "insertion"),
    ("MDDC + insertion", "mddc", "insertion"),
    ("ILS (200 rounds)", "ils", None),
    ("exact (Lawler DP)", "exact", None),
]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.0f}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.ljust(widths[0]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in text]
    return "\n".join(out)


def compare_methods(
    instances: Sequence[tardiness.Instance], optima: np.ndarray, methods: Sequence[tuple[str, str, str | None]]
) -> list[dict[str, Any]]:
    """Per method: mean % gap over opt > 0, ratio-of-sums gap, share optimal, total seconds.

    Every result is validated independently before it is counted.
    """
    positive = optima > 0
    rows = []
    for label, method, improve in methods:
        start = time.perf_counter()
        values = np.empty(len(instances))
        proven = 0
        for k, inst in enumerate(instances):
            res = tardiness.solve(inst, method, improve=improve, iterations=200).validate()
            values[k] = res.objective
            proven += res.optimal
        elapsed = time.perf_counter() - start
        gaps = 100.0 * (values[positive] - optima[positive]) / optima[positive]
        rows.append(
            {
                "method": label,
                "mean_gap_pct": float(gaps.mean()) if gaps.size else 0.0,
                "sum_gap_pct": float(100.0 * (values.sum() / optima.sum() - 1.0)) if optima.sum() > 0 else 0.0,
                "optimal_share_pct": float(100.0 * np.mean(np.isclose(values, optima))),
                "proven": int(proven),
                "seconds": elapsed,
            }
        )
    return rows


def _cmd_demo(args: argparse.Namespace) -> int:
    from schedkit import _cli_dag, _cli_flowtime

    instances, optima = tardiness.read_sdt(data_path("smtt/sdt_n100.txt"))
    rows = compare_methods(instances, optima, DEMO_METHODS)
    dag_text, dag_rows = _cli_dag.demo_section()
    flow_text, flow_rows = _cli_flowtime.demo_section()
    if args.json:
        payload = {
            "tardiness": {"instance_set": "sdt_n100", "n": 100, "count": len(instances), "methods": rows},
            "dag": dag_rows,
            "flowtime": flow_rows,
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(f"schedkit {schedkit.__version__}: 1||sum T_j on the 200 Shang-T'kindt-Della Croce n = 100 instances")
    print("gap = 100 (H - opt) / opt against the published optima; mean over the instances with opt > 0\n")
    print(
        format_table(
            ["method", "mean gap %", "sum gap %", "hits opt %", "proven", "seconds"],
            [
                [r["method"], r["mean_gap_pct"], r["sum_gap_pct"], r["optimal_share_pct"], r["proven"], r["seconds"]]
                for r in rows
            ],
        )
    )
    print("\n" + dag_text)
    print("\n" + flow_text)
    return 0


def _read_instances(file: Path, n: int | None) -> tuple[list[tardiness.Instance], np.ndarray | None]:
    """SDT-format files start with '#' comments or a '<count> <n>' header; others are OR-Library."""
    with open(file, encoding="utf-8") as fh:
        first = next((line for line in fh if line.strip()), "")
    if first.lstrip().startswith("#") or len(first.split()) == 2:
        return tardiness.read_sdt(file)
    if n is None:
        match = re.search(r"(\d+)", file.stem)
        if not match:
            raise SchedkitError(f"{file}: cannot infer the number of jobs; pass --n")
        n = int(match.group(1))
    return tardiness.read_orlib(file, n), None


def _cmd_tardiness(args: argparse.Namespace) -> int:
    instances, optima = _read_instances(Path(args.file), args.n)
    if args.unweighted:
        instances = [tardiness.Instance(i.p, i.d, name=i.name) for i in instances]
    results = []
    for k, inst in enumerate(instances):
        res = tardiness.solve(
            inst, args.method, improve=args.improve, time_limit=args.time_limit, seed=args.seed
        ).validate()
        entry = {
            "instance": inst.name or str(k),
            "n": inst.n,
            "objective": res.objective,
            "optimal": res.optimal,
            "lower_bound": res.lower_bound,
            "gap_pct": 100.0 * res.gap,
            "seconds": res.elapsed,
            "sequence": res.sequence.tolist(),
        }
        if optima is not None:
            entry["listed_optimum"] = float(optima[k])
        results.append(entry)
    if args.json:
        print(json.dumps({"method": args.method, "improve": args.improve, "results": results}, indent=2))
        return 0
    headers = ["instance", "n", "objective", "optimal", "lower bound", "gap %", "seconds"]
    if optima is not None:
        headers.append("listed opt")
    rows = []
    for e in results:
        row = [
            e["instance"],
            e["n"],
            e["objective"],
            "yes" if e["optimal"] else "no",
            e["lower_bound"],
            e["gap_pct"],
            e["seconds"],
        ]
        if optima is not None:
            row.append(e["listed_optimum"])
        rows.append(row)
    print(format_table(headers, rows))
    proven = sum(e["optimal"] for e in results)
    total = sum(e["seconds"] for e in results)
    print(f"\n{len(results)} instances, {proven} proven optimal, {total:.2f} s in total")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedkit", description="Fast, validated scheduling algorithms, simulators and trace replay."
    )
    parser.add_argument("--version", action="version", version=f"schedkit {schedkit.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="tardiness methods on a bundled benchmark set, plus DAG and flow-time sections")
    demo.add_argument("--json", action="store_true", help="print JSON instead of a table")
    demo.set_defaults(func=_cmd_demo)

    tard = sub.add_parser("tardiness", help="solve every instance of an OR-Library or SDT-format file")
    tard.add_argument("file", help="wt40.txt-style OR-Library file, or an SDT-format file")
    tard.add_argument("--method", default="mddc", choices=sorted(tardiness.METHODS), help="default: mddc")
    tard.add_argument("--improve", choices=tardiness.IMPROVEMENTS, help="local search after the rule")
    tard.add_argument("--time-limit", type=float, help="seconds per instance (ils, exact, cpsat)")
    tard.add_argument("--seed", type=int, default=0, help="seed of ils")
    tard.add_argument("--n", type=int, help="jobs per instance of an OR-Library file (default: from the name)")
    tard.add_argument("--unweighted", action="store_true", help="ignore the weights of an OR-Library file")
    tard.add_argument("--json", action="store_true", help="print JSON instead of a table")
    tard.set_defaults(func=_cmd_tardiness)

    # The other areas register their own subcommands.
    from schedkit import _cli_dag, _cli_flowtime, _cli_pack, _cli_replay

    _cli_replay.add_parser(sub)
    _cli_dag.add_parser(sub)
    _cli_flowtime.add_parser(sub)
    _cli_pack.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SchedkitError as exc:
        print(f"schedkit: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"schedkit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
