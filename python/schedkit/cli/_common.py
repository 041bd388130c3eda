"""What every ``schedkit`` subcommand shares: the plain-text table, the ``--json`` flag and its
output, the error line, when to draw a progress line, and the documented contract of ``run``.

The subcommand modules import this module and nothing else of the CLI (except ``demo``, which
collects the other commands' demo sections), so the package has no import cycle.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from schedkit import data
from schedkit._docs import fill_doc
from schedkit._files import output_file
from schedkit.exceptions import InvalidInstanceError, SchedkitError

#: Fills ``{run_contract}`` in a subcommand's ``run`` docstring: what every ``run`` takes and
#: returns (the parser that ``add_parser`` registers sets ``func`` to ``run``).
run_doc = fill_doc(
    run_contract="""
        Parameters
        ----------
        args : argparse.Namespace
            As parsed by the parser of :func:`add_parser`.

        Returns
        -------
        int
            0.
        """
)


def name_list(text: str, option: str) -> list[str]:
    """The comma-separated names of ``option`` (``"fifo, uwfq"``), or an error when it was given
    but names none (``","``): running the default list instead would be a silent surprise.

    Examples
    --------
    >>> name_list("fifo, uwfq,", "--policy")
    ['fifo', 'uwfq']
    >>> name_list(" , ", "--policy")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: --policy: ' , ' names nothing
    """
    names = [p.strip() for p in text.split(",") if p.strip()]
    if not names:
        raise InvalidInstanceError(f"{option}: {text!r} names nothing", field=option)
    return names


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned.

    Parameters
    ----------
    headers : sequence of str
        One per column.
    rows : sequence of sequences
        The cells; floats print with two decimals and thousands separators (no decimals from a
        million up), everything else with ``str``.

    Returns
    -------
    str
        The header line, a rule of dashes, one line per row; no trailing spaces or newline.

    Examples
    --------
    >>> print(format_table(["name", "value"], [["a", 1.5], ["bb", 12345.0]]))
    name      value
    ----  ---------
    a          1.50
    bb    12,345.00
    """

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


def add_json_flag(parser: argparse.ArgumentParser | argparse._ArgumentGroup, instead_of: str = "a table") -> None:
    """Adds the ``--json`` switch every subcommand has.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
        The subcommand's parser, or the group of its options it belongs in.
    instead_of : str
        What the switch replaces, for the help text.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_json_flag(p)
    >>> p.parse_args(["--json"]).json
    True
    """
    parser.add_argument("--json", action="store_true", help=f"print JSON instead of {instead_of}")


def print_json(payload: Any) -> None:
    """Prints ``payload`` as indented JSON on stdout.

    NumPy scalars that slip into a payload print as numbers rather than failing the command.

    Parameters
    ----------
    payload
        Dicts, lists, str, int, float, bool, None (and NumPy scalars).

    Examples
    --------
    >>> import numpy as np
    >>> print_json({"n": 2, "mean": np.float64(1.5)})
    {
      "n": 2,
      "mean": 1.5
    }
    """
    print(json.dumps(payload, indent=2, default=float))


def error(prog: str, exc: BaseException) -> int:
    """Prints ``<prog>: error: <exc>`` on stderr and returns the exit code of bad input, 2.

    Parameters
    ----------
    prog : str
        The command that failed, e.g. ``"schedkit"`` or ``"schedkit replay"``.
    exc : BaseException
        The error; its message is printed as is.

    Returns
    -------
    int
        2, the code argparse also uses for bad arguments.

    Examples
    --------
    >>> error("schedkit", ValueError("n: must be >= 1"))
    2
    """
    print(f"{prog}: error: {str(exc) or type(exc).__name__}", file=sys.stderr)
    return 2


def progress_line() -> bool:
    """Whether long commands draw a progress line: only when stderr is a terminal.

    The line goes to stderr, so stdout (the table or the JSON) stays clean for pipes, and a
    redirected or captured stderr (scripts, CI, tests) gets no carriage-return redraws.

    Returns
    -------
    bool
        ``sys.stderr.isatty()``.

    Examples
    --------
    >>> isinstance(progress_line(), bool)
    True
    """
    return sys.stderr.isatty()


def input_path(arg: str) -> str:
    """A file argument as given, or the bundled file of that name when no such file exists.

    Every CLI file argument goes through here, so ``schedkit tardiness wt40.txt`` works in an
    empty folder and ``schedkit data`` lists what can be named.

    Parameters
    ----------
    arg : str
        The path the user typed.

    Returns
    -------
    str
        ``arg`` when it names an existing file, else the bundled file's path.

    Raises
    ------
    InvalidInstanceError
        When it is neither; the message names the path.

    Examples
    --------
    >>> input_path("wt40.txt").endswith("smtt/wt40.txt")
    True
    """
    import os

    if os.path.exists(arg):
        return arg
    try:
        return str(data.path(arg))
    except InvalidInstanceError:
        raise InvalidInstanceError(
            f"no such file: {arg} (and no bundled file of that name; `schedkit data` lists them)", field="path"
        ) from None


#: Suffixes of the figure files a command writes (``--plot``, ``--gantt``): matplotlib's
#: formats that make sense for a figure file.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def output_path(option: str, arg: str | None, suffixes: Sequence[str]) -> str | None:
    """Checks an output file option before the command runs (so a long run is not lost to a
    typo): its suffix, and that it names a file in a folder that exists
    (:func:`schedkit._files.output_file`); returns ``arg`` unchanged (None when the option was
    not given).

    Raises
    ------
    SchedkitError
        The suffix is none of ``suffixes``, or the path is a folder or in a folder that does
        not exist; the message names the option.

    Examples
    --------
    >>> output_path("--plot", "ecdf.png", FIGURE_SUFFIXES)
    'ecdf.png'
    >>> output_path("--plot", "out.txt", FIGURE_SUFFIXES)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.SchedkitError: --plot out.txt: unsupported suffix; use one of .png, .svg, .pdf
    """
    if arg is None:
        return None
    if not arg.lower().endswith(tuple(suffixes)):
        raise SchedkitError(f"{option} {arg}: unsupported suffix; use one of {', '.join(suffixes)}")
    output_file(arg, option)
    return arg
