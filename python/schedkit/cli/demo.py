"""The ``schedkit demo`` command: one section per area, each computed and validated on bundled data.

The tardiness methods on the 200 Shang-T'kindt-Della Croce n = 100 instances against their
published optima, the DAG algorithms on a bundled WfCommons workflow (and an online stream of
it), and the flow-time policies on a generated workload. The sections come from the
subcommand modules (``demo_section`` of :mod:`schedkit.cli.tardiness`, :mod:`schedkit.cli.dag`
and :mod:`schedkit.cli.flowtime`).
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from schedkit._core import __version__
from schedkit.cli._common import add_json_flag, print_json, run_doc
from schedkit.cli.dag import demo_section as dag_section
from schedkit.cli.flowtime import demo_section as flowtime_section
from schedkit.cli.tardiness import demo_section as tardiness_section


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``demo`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "demo",
        help="tardiness methods on a bundled benchmark set, plus DAG and flow-time sections",
        description=textwrap.fill(
            "A tour of schedkit on bundled data, every result validated: the tardiness methods on the 200 "
            "Shang-T'kindt-Della Croce n = 100 instances against their published optima, the DAG "
            "algorithms on a bundled WfCommons workflow (and an online stream of it), and the flow-time "
            "policies on a generated workload. Takes several seconds."
        ),
        epilog="examples:\n  schedkit demo\n  schedkit demo --json > demo.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_json_flag(p.add_argument_group("output"), "the three tables")
    p.set_defaults(func=run)
    return p


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit demo``; returns the exit code.

    {run_contract}

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["demo"]))  # doctest: +SKIP
    schedkit ...: 1||sum T_j on the 200 Shang-T'kindt-Della Croce n = 100 instances
    ...
    0
    """
    tard_text, tard_payload = tardiness_section(__version__)
    dag_text, dag_rows = dag_section()
    flow_text, flow_rows = flowtime_section()
    if args.json:
        print_json({"tardiness": tard_payload, "dag": dag_rows, "flowtime": flow_rows})
        return 0
    print(tard_text)
    print("\n" + dag_text)
    print("\n" + flow_text)
    return 0
