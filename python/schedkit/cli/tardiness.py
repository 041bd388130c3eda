"""The ``schedkit tardiness`` command and the tardiness section of ``schedkit demo``.

``schedkit tardiness FILE`` solves every instance of an OR-Library (``wt40.txt``) or SDT-format
file with one method (``--method``, optionally ``--improve``), validates each result and prints
one row per instance (the table of :func:`schedkit.tardiness.compare`), next to known optima
when ``--opt`` names a file of them (SDT files list their own); with ``--json`` the same
figures and the sequences as JSON.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import tardiness
from schedkit._files import text_lines
from schedkit.cli._common import add_json_flag, format_table, input_path, print_json, run_doc
from schedkit.data import path as data_path
from schedkit.exceptions import SchedkitError
from schedkit.tardiness._compare import gap_to_known

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
    ("exact (Lawler DP)", "lawler", None),
]
#: The demo's bundled instance set.
DEMO_SET = "smtt/sdt_n100.txt"


DESCRIPTION = """\
Solve every instance of an OR-Library weighted tardiness file (wt40.txt: p, then w, then d,
n numbers each) or an SDT-format file (unweighted, with listed optima) with one method, check
each result independently and print one row per instance. Exact methods report a proven lower
bound and gap; heuristics report none ("—"). With --opt, a file of known optima (one per
line, e.g. wtopt40.txt) adds the columns known and gap to known. FILE may be a bundled name
(`schedkit data` lists them)."""

EPILOG = """\
examples:
  schedkit tardiness wt40.txt --method mdd --opt wtopt40.txt
  schedkit tardiness sdt_n100.txt --method exact --time-limit 10
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``tardiness`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "tardiness",
        help="solve every instance of an OR-Library or SDT-format file",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="wt40.txt-style OR-Library file, or an SDT-format file (or a bundled name)")
    inp = p.add_argument_group("input")
    inp.add_argument("--n", type=int, help="jobs per instance of an OR-Library file (default: from the name)")
    inp.add_argument("--unweighted", action="store_true", help="ignore the weights of an OR-Library file")
    inp.add_argument("--opt", metavar="FILE", help="known optima, one per line (wtopt40.txt), to compare with")
    alg = p.add_argument_group("method")
    alg.add_argument(
        "--method",
        default="mddc",
        help=f"case-insensitive, one of: {', '.join(sorted(tardiness.METHODS))} (default: mddc)",
    )
    alg.add_argument("--improve", help=f"local search after the rule: {', '.join(tardiness.IMPROVEMENTS)}")
    alg.add_argument("--seed", type=int, default=0, help="seed of ils")
    lim = p.add_argument_group("limits")
    lim.add_argument("--time-limit", type=float, help="seconds per instance (ils, exact methods, cpsat)")
    lim.add_argument("--memory-limit", type=int, metavar="BYTES", help="SSDP table memory before it hands over")
    lim.add_argument(
        "--workers", type=int, default=1, help="threads: cpsat's search workers; 2 races ssdp beside bb in exact"
    )
    out = p.add_argument_group("output")
    add_json_flag(out)
    p.set_defaults(func=run)
    return p


def read_instances(file: Path, n: int | None) -> tuple[list[tardiness.Instance], np.ndarray | None]:
    """The instances of ``file`` and, for an SDT-format file, their listed optima.

    SDT-format files start with ``#`` comments or a ``<count> <n>`` header; anything else is
    read as OR-Library, whose job count comes from ``n`` or from the first number in the name.

    Parameters
    ----------
    file : Path
        The instance file.
    n : int or None
        Jobs per instance of an OR-Library file.

    Returns
    -------
    instances : list of Instance
    optima : ndarray or None
        The listed optima (SDT only). A file is read as SDT when ``n`` is None and its first
        line holds two numbers (count and n) or starts with ``#``; with ``n`` it is read as
        OR-Library.

    Raises
    ------
    SchedkitError
        An OR-Library file without ``n`` whose name holds no number.

    Examples
    --------
    >>> instances, optima = read_instances(data_path(DEMO_SET), None)
    >>> len(instances), optima.shape
    (200, (200,))
    """
    first = next((text for _, text in text_lines(file) if text.strip()), "")
    # --n says the file is in the OR-Library layout, whatever its first line looks like
    if n is None and (first.lstrip().startswith("#") or len(first.split()) == 2):
        return tardiness.read_sdt(file)
    if n is None:
        match = re.search(r"(\d+)", file.stem)
        if not match:
            raise SchedkitError(f"{file}: cannot infer the number of jobs; pass --n")
        n = int(match.group(1))
    return tardiness.read_orlib(file, n=n), None


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit tardiness``; returns the exit code.

    Every result is validated independently before it is printed.

    {run_contract}

    Raises
    ------
    InvalidInstanceError
        A malformed instance file (the message names the line).
    SchedkitError
        As :func:`read_instances`.

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> args = build_parser().parse_args(["tardiness", str(data_path(DEMO_SET)), "--method", "edd"])
    >>> run(args)  # doctest: +ELLIPSIS
    instance ...
    200 instances, ... proven optimal, ... s in total
    0
    >>> args = build_parser().parse_args(["tardiness", "wt40.txt", "--method", "mdd", "--opt", "wtopt40.txt"])
    >>> run(args)  # doctest: +ELLIPSIS
    instance ...ours  optimal  lower bound  gap %  seconds  ...known  gap to known %
    ...
    wt40-1 ...40 ...no            —      —  ...
    ...
    0
    """
    file = Path(input_path(args.file))
    instances, optima = read_instances(file, args.n)
    if args.opt is not None:
        optima = tardiness.read_orlib_values(input_path(args.opt))
        if len(optima) != len(instances):
            raise SchedkitError(f"{args.opt}: {len(optima)} values for {len(instances)} instances in {file}")
    if args.unweighted:
        instances = [tardiness.Instance(i.p, i.d, name=i.name) for i in instances]
    results = []
    method = args.method
    for k, inst in enumerate(instances):
        res = tardiness.solve(
            inst,
            method=args.method,
            improve=args.improve,
            time_limit=args.time_limit,
            seed=args.seed,
            memory_limit=args.memory_limit,
            workers=args.workers,
        ).validate()
        method = res.method  # the registry spelling of a case-insensitive name
        gap = res.gap
        entry = {
            "instance": inst.name or str(k),
            "n": inst.n,
            "objective": res.objective,
            "optimal": res.optimal,
            "lower_bound": res.lower_bound,
            "gap_pct": None if gap is None else 100.0 * gap,
            "seconds": res.elapsed,
            "sequence": res.sequence.tolist(),
        }
        if optima is not None:
            known = float(optima[k])
            entry["known"] = known
            entry["gap_to_known_pct"] = gap_to_known(res.objective, known)
        results.append(entry)
    if args.json:
        print_json({"method": method, "improve": args.improve, "results": results})
        return 0
    headers = ["instance", "n", "ours", "optimal", "lower bound", "gap %", "seconds"]
    if optima is not None:
        headers += ["known", "gap to known %"]
    rows = []
    for e in results:
        row = [
            e["instance"],
            e["n"],
            e["objective"],
            "yes" if e["optimal"] else "no",
            _cell(e["lower_bound"]),
            _cell(e["gap_pct"]),
            e["seconds"],
        ]
        if optima is not None:
            row += [e["known"], _cell(e["gap_to_known_pct"])]
        rows.append(row)
    print(format_table(headers, rows))
    proven = sum(e["optimal"] for e in results)
    total = sum(e["seconds"] for e in results)
    print(f"\n{len(results)} instances, {proven} proven optimal, {total:.2f} s in total")
    return 0


def _cell(v: float | None) -> float | str:
    """A figure, or "—" where there is none (no bound, no relative gap)."""
    return "—" if v is None else v


def compare_methods(
    instances: Sequence[tardiness.Instance], optima: np.ndarray, methods: Sequence[tuple[str, str, str | None]]
) -> list[dict[str, Any]]:
    """Per method: mean % gap over opt > 0, ratio-of-sums gap, share optimal, total seconds.

    Every result is validated independently before it is counted.

    Parameters
    ----------
    instances : sequence of Instance
    optima : ndarray
        The known optimum of each instance.
    methods : sequence of (label, method, improve)
        As in :data:`DEMO_METHODS`.

    Returns
    -------
    list of dict
        One per method: ``method`` (the label), ``mean_gap_pct``, ``sum_gap_pct``,
        ``optimal_share_pct``, ``proven`` and ``seconds``.

    Examples
    --------
    >>> instances, optima = read_instances(data_path(DEMO_SET), None)
    >>> [row] = compare_methods(instances[:5], optima[:5], [("exact", "exact", None)])
    >>> row["optimal_share_pct"], row["proven"]
    (100.0, 5)
    """
    positive = optima > 0
    rows = []
    for label, method, improve in methods:
        start = time.perf_counter()
        values = np.empty(len(instances))
        proven = 0
        for k, inst in enumerate(instances):
            res = tardiness.solve(inst, method=method, improve=improve, iterations=200).validate()
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


def demo_section(version: str) -> tuple[str, dict[str, Any]]:
    """The demo's tardiness section: every method of :data:`DEMO_METHODS` on the 200 bundled
    n = 100 instances of Shang, T'kindt and Della Croce, against their published optima.

    Parameters
    ----------
    version : str
        The schedkit version, for the heading.

    Returns
    -------
    text : str
        Heading and table, ready to print.
    payload : dict
        ``instance_set``, ``n``, ``count`` and ``methods`` (the rows of :func:`compare_methods`).
    """
    instances, optima = tardiness.read_sdt(data_path(DEMO_SET))
    rows = compare_methods(instances, optima, DEMO_METHODS)
    table = format_table(
        ["method", "mean gap %", "sum gap %", "hits opt %", "proven", "seconds"],
        [
            [r["method"], r["mean_gap_pct"], r["sum_gap_pct"], r["optimal_share_pct"], r["proven"], r["seconds"]]
            for r in rows
        ],
    )
    text = (
        f"schedkit {version}: 1||sum T_j on the 200 Shang-T'kindt-Della Croce n = 100 instances\n"
        "gap = 100 (H - opt) / opt against the published optima; mean over the instances with opt > 0\n\n" + table
    )
    payload = {"instance_set": "sdt_n100", "n": 100, "count": len(instances), "methods": rows}
    return text, payload
