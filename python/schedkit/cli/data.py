"""The ``schedkit data`` command: lists the bundled example files that every file argument of the
other commands accepts by name (``schedkit tardiness wt40.txt``)."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from schedkit import data
from schedkit.cli._common import add_json_flag, print_json, run_doc


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``data`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "data",
        help="list the bundled example files (usable by name as any file argument)",
        description=textwrap.fill(
            "List the small real example files shipped with schedkit, one or more per area (where each "
            "comes from is in the PROVENANCE.md next to it). Every file argument of schedkit accepts "
            "these names, by path inside the data folder or by bare file name when unique; in Python, "
            'sk.data.path("wt40.txt") gives the file\'s path.'
        ),
        epilog="examples:\n  schedkit data --path\n  schedkit tardiness wt40.txt --method mdd",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    output = p.add_argument_group("output")
    output.add_argument("--path", action="store_true", help="print full paths instead of names")
    add_json_flag(output, "a list")
    p.set_defaults(func=run)
    return p


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit data``; returns the exit code.

    {run_contract}

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["data"]))  # doctest: +ELLIPSIS
    dag/epigenomics-chameleon-hep-1seq-100k-001.json
    ...
    0
    """
    entries = [str(data.path(n)) if args.path else n for n in data.names()]
    if args.json:
        print_json(entries)
    else:
        print("\n".join(entries))
    return 0
