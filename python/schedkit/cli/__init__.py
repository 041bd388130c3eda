"""The ``schedkit`` command.

``schedkit replay`` replays a cluster trace through the multi-user policies (the main job);
``schedkit demo`` compares the tardiness methods on a bundled benchmark set and adds a DAG and
a flow-time section; ``schedkit tardiness FILE``, ``schedkit dag WORKFLOW``, ``schedkit
flowtime`` and ``schedkit pack`` run one area each. Every command prints a readable table, or
JSON with ``--json``.

This module only wires the parser; each subcommand lives in its own module
(:mod:`schedkit.cli.replay`, ``demo``, ``tardiness``, ``dag``, ``flowtime``, ``pack``) with an
``add_parser(subparsers)`` and a ``run(args)``, and what they share is in
:mod:`schedkit.cli._common`.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from schedkit._core import __version__
from schedkit.cli import dag, data, demo, flowtime, pack, replay, sweep, tardiness
from schedkit.cli._common import error
from schedkit.exceptions import InternalError, SchedkitError, ValidationError

__all__ = ["build_parser", "main"]

#: Where bug reports go; printed with the version when something other than bad input fails.
#: (The project has no public tracker address yet: the line names what a report needs.)
REPORT_TO = "the schedkit developers, with the command line and this message"

#: The subcommands, in the order ``schedkit --help`` lists them.
COMMANDS = (demo, tardiness, replay, dag, flowtime, pack, sweep, data)


def build_parser() -> argparse.ArgumentParser:
    """The ``schedkit`` argument parser with every subcommand registered.

    Returns
    -------
    argparse.ArgumentParser
        Parsed arguments carry ``func``, the subcommand's ``run``.

    Examples
    --------
    >>> args = build_parser().parse_args(["flowtime", "--jobs", "100"])
    >>> args.command, args.jobs, args.func.__module__
    ('flowtime', 100, 'schedkit.cli.flowtime')
    """
    parser = argparse.ArgumentParser(
        prog="schedkit", description="Fast, validated scheduling algorithms, simulators and trace replay."
    )
    parser.add_argument("--version", action="version", version=f"schedkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``schedkit`` command line; the console script ``schedkit`` calls it.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0, or 2 after bad input (one ``schedkit: error: ...`` line on stderr).

    Raises
    ------
    SystemExit
        From argparse, for ``--help``, ``--version`` and unknown arguments.

    Examples
    --------
    >>> from schedkit.data import path
    >>> main(["tardiness", str(path("smtt/sdt_n100.txt")), "--method", "edd", "--json"])  # doctest: +ELLIPSIS
    {
      "method": "edd",
      "improve": null,
      "results": [
    ...
    0
    """
    args = build_parser().parse_args(argv)
    # a warning is one line on stderr, as errors are, not a source location and a code line
    plain, warnings.formatwarning = warnings.formatwarning, _warning_line
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `schedkit ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (InternalError, ValidationError) as exc:  # schedkit errors that mean a bug
        return _bug(exc)
    except (SchedkitError, OSError, MemoryError) as exc:
        return error("schedkit", exc)
    except KeyboardInterrupt:
        print("schedkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a user error: say where to report it
        return _bug(exc)
    except BaseException as exc:
        # PyO3's PanicException is a BaseException; the binding's shared helpers turn panics
        # into InternalError, and this catches one from any call that bypasses them
        if type(exc).__name__ == "PanicException":
            return _bug(exc)
        raise
    finally:
        warnings.formatwarning = plain


def _warning_line(message: Warning | str, category: type[Warning], *_: object, **__: object) -> str:
    """``schedkit: warning: <message>``, the form of :func:`warnings.formatwarning`."""
    return f"schedkit: warning: {message}\n"


def _bug(exc: BaseException) -> int:
    """Prints a bug (not a user error) as two lines, the error and where to report it; returns 70."""
    print(
        f"schedkit: internal error: {type(exc).__name__}: {exc}\n"
        f"This is a bug in schedkit {__version__}; please report it to {REPORT_TO}",
        file=sys.stderr,
    )
    return 70
