"""Fuzzing the ``schedkit`` command: no argv, however hostile, gets a traceback or an internal error.

For every subcommand, hypothesis builds argument lists from the subcommand's own parser (every
option it declares, so options added later are fuzzed too) with hostile values: nonexistent
files, folders, non-UTF-8 and empty files, random bytes, bundled names, huge, negative and
non-finite numbers, junk names. Each runs in-process through ``main(argv)`` in an empty
working folder, with a per-example budget after which it gets Ctrl-C (SIGINT) as a user would.

The contract checked: exit 0; or exit 2 with one ``schedkit...: error: ...`` line on stderr
(bad input), or argparse's ``SystemExit(2)``; or exit 130 when the budget's Ctrl-C stopped it.
Never exit 70 (an internal error: a bug), never a traceback, never anything written into the
working folder unless an option asked for that file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import signal
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedkit import data
from schedkit.cli import COMMANDS, build_parser, main
from schedkit.testing.fuzz import BAD_BYTES, EXTREME_TOKENS

pytestmark = pytest.mark.fuzz

#: Seconds one argv may run before it gets Ctrl-C (slow but valid work is stopped, not judged).
BUDGET = 1.5

#: Address space an example may add to the test process (Linux): beyond it an allocation fails
#: with MemoryError, as on a user's smaller machine, instead of swapping the test runner.
MEMORY = 4 * 2**30

#: Options and positionals that name a file to read, and those that name a file to write.
INPUTS = {"file", "path", "workflow", "manifests", "trace"}
OUTPUTS = {"out", "plot", "gantt", "output"}

#: Inputs a careless user passes, created in the working folder by :func:`_inputs` (names
#: without a file are nonexistent paths or bundled names).
INPUT_NAMES = (
    "missing.txt",
    "folder",
    "empty.txt",
    "latin1.txt",
    "garbage.bin",
    "numbers.txt",
    "bad.json",
    "deep.json",
    "wt40.txt",
    "cluster.yaml",
    "montage-chameleon-dss-05d-001.json",
    "google2011_wta_500s_hetero.csv",
    "/",
    "",
)
OUTPUT_NAMES = ("out.parquet", "out.csv", "out.png", "out.txt", "out", "folder", "nodir/out.csv", "")

#: Failures this fuzzer found while the areas were hardened, each an argv that once broke the
#: contract (a traceback, an internal error or an unasked file); they stay as regression cases.
FOUND_BEFORE: list[list[str]] = [
    ["tardiness", "latin1.txt"],
    ["dag", "garbage.bin"],
    ["dag", "deep.json"],
    ["dag", "@montage", "--gantt", "out.parquet"],
    ["pack", "latin1.txt"],
    ["pack", "deep.json"],
    ["pack", "--experiment", "--scenarios", "1", "--windows", "0.1", "--plot", "out.txt"],
    ["pack", "--experiment", "--windows", "x,y"],
    ["replay", "--policy", "fifo", "--plot", "out.txt"],
    ["replay", "--policy", "fifo"],
    ["flowtime", "--jobs", "10", "--seed", "-1"],
    ["flowtime", "--jobs", str(10**30)],
    ["flowtime", "--machines", str(2**64)],
]

_SUBPARSERS = {
    name: sub
    for action in build_parser()._actions
    if isinstance(action, argparse._SubParsersAction)
    for name, sub in action.choices.items()
}


def _inputs(folder: Path) -> None:
    (folder / "folder").mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("caf\xe9 1 2 3\n".encode("latin-1"))
    (folder / "garbage.bin").write_bytes(b"".join(BAD_BYTES) * 3)
    (folder / "numbers.txt").write_text("3 1e308\n-1 nan 2\n18446744073709551616 0\n")
    (folder / "bad.json").write_text('{"workflow": {"tasks": [{"name": 1, "runtime": true, "parents": "ab"}]}}')
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)


def _number_text(kind: type) -> st.SearchStrategy[str]:
    """Text for an int or float option: mostly numbers, extreme ones often, sometimes junk."""
    ints = st.one_of(
        st.integers(-3, 50),
        st.sampled_from([0, -1, 2**31, 2**63, 2**64, 10**9, 10**30]),
    ).map(str)
    floats = st.one_of(
        st.floats(-10, 100, allow_nan=False).map(repr),
        st.sampled_from(["nan", "inf", "-inf", "1e308", "-1", "0", "1e-300", "-0.0"]),
    )
    junk = st.sampled_from(EXTREME_TOKENS)
    return st.one_of(ints, junk) if kind is int else st.one_of(floats, ints, junk)


def _value(action: argparse.Action) -> st.SearchStrategy[str]:
    """A hostile value for one option or positional of a parser."""
    if action.dest in INPUTS:
        return st.sampled_from(INPUT_NAMES)
    if action.dest in OUTPUTS:
        return st.sampled_from(OUTPUT_NAMES)
    if action.choices:
        names = [str(c) for c in action.choices]
        valid = st.sampled_from(names)  # mostly valid, so the run gets past argparse
        return st.one_of(valid, valid, valid, valid.map(str.upper), st.text(max_size=8))
    if action.type in (int, float):
        return _number_text(action.type)  # type: ignore[arg-type]
    default = [str(action.default)] if action.default not in (None, False) else []
    return st.one_of(
        st.sampled_from([*default, *EXTREME_TOKENS[:8], "all", "a,b", "1,2,3", ":", "x:y=1"]),
        st.text(max_size=10),
        st.lists(_number_text(float), min_size=1, max_size=4).map(",".join),
    )


@st.composite
def argvs(draw: st.DrawFn, command: str) -> list[str]:
    """An argv for ``schedkit <command>``: its positionals (sometimes left out) and a random
    subset of its options, each with a hostile value."""
    parser = _SUBPARSERS[command]
    argv = [command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # positional
            if action.nargs != "?" or draw(st.booleans()):
                argv.append(draw(_value(action)))
        elif draw(st.integers(0, 3)) == 0:
            argv.append(action.option_strings[-1])
            if action.nargs != 0:
                argv.append(draw(_value(action)))
    return argv


class _Budget(Exception):
    pass


def run_main(argv: list[str], budget: float = BUDGET) -> tuple[int, str, bool]:
    """``main(argv)`` in-process: (exit code, stderr, whether the budget's Ctrl-C fired).

    argparse's ``SystemExit`` becomes its code. Warnings print (the suite turns them into
    errors, which a user never sees); stdout is discarded.
    """
    fired = False

    def ctrl_c(signum: int, frame: Any) -> None:
        nonlocal fired
        fired = True
        raise KeyboardInterrupt

    err = io.StringIO()
    previous = signal.signal(signal.SIGALRM, ctrl_c)
    limits = _limit_memory()
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("default")
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_AS, limits)
    return code, err.getvalue(), fired


def _limit_memory() -> tuple[int, int] | None:
    """Caps the address space at its current size plus :data:`MEMORY`; returns the old limits."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return None
    size = int(statm.read_text().split()[0]) * resource.getpagesize()
    old = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + MEMORY if old[1] == resource.RLIM_INFINITY else min(size + MEMORY, old[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
    return old


def contract_failure(argv: list[str], folder: Path, budget: float = BUDGET) -> str | None:
    """What ``schedkit <argv>`` did against the contract, or None when it kept it."""
    before = {p.name for p in folder.iterdir()}
    code, err, fired = run_main(argv, budget)
    new = {p.name for p in folder.iterdir()} - before
    for p in new:  # the next example starts from the same folder
        if (folder / p).is_file():
            (folder / p).unlink()
    if "Traceback" in err:
        return f"{argv}: traceback:\n{err}"
    if code == 70:
        return f"{argv}: internal error:\n{err}"
    if code == 130 and not fired:
        return f"{argv}: exit 130 without Ctrl-C:\n{err}"
    if code not in (0, 2, 130):
        return f"{argv}: exit {code}:\n{err}"
    lines = [ln for ln in err.splitlines() if ln.startswith("schedkit")]
    if code == 2 and not (lines and ": error: " in lines[-1]):
        return f"{argv}: exit 2 without a 'schedkit: error:' line:\n{err}"
    unasked = [name for name in new if not any(name in a for a in argv)]
    if unasked:
        return f"{argv}: wrote {unasked} without being asked"
    return None


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz_cli")
    _inputs(folder)
    return folder


@pytest.mark.parametrize("command", sorted(_SUBPARSERS))
def test_every_subcommand_keeps_the_contract(command, workdir, monkeypatch):
    monkeypatch.chdir(workdir)

    # a third of the profile's examples: 10 by default, hundreds with the slow profile
    @settings(
        max_examples=max(1, settings.default.max_examples // 3),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(argvs(command))
    def fuzz(argv: list[str]) -> None:
        failure = contract_failure(argv, workdir)
        assert failure is None, failure

    fuzz()


def _resolve(argv: list[str]) -> list[str]:
    montage = str(data.path("montage-chameleon-dss-05d-001.json"))
    return [montage if a == "@montage" else a for a in argv]


@pytest.mark.parametrize("argv", FOUND_BEFORE, ids=[" ".join(a)[:60] for a in FOUND_BEFORE])
def test_what_the_fuzzer_found_keeps_the_contract(argv, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    failure = contract_failure(_resolve(argv), workdir, budget=30.0)
    assert failure is None, failure


def test_every_subcommand_is_fuzzed():
    assert len(_SUBPARSERS) == len(COMMANDS) >= 7


def test_the_checks_can_fail(workdir, monkeypatch):
    # The contract check sees argparse errors, internal errors, stray files and the budget.
    monkeypatch.chdir(workdir)
    assert run_main(["tardiness"])[0] == 2  # argparse: the file argument is missing
    assert run_main(["data", "--json"])[:2] == (0, "")
    assert contract_failure(["data"], workdir) is None

    def writes(args: Any) -> int:
        (workdir / "stray.txt").write_text("x")
        return 0

    def bug(args: Any) -> int:
        raise TypeError("a bug")

    def slow(args: Any) -> int:
        time.sleep(5)
        return 0

    monkeypatch.setattr("schedkit.cli.data.run", writes)
    assert "without being asked" in (contract_failure(["data"], workdir) or "")
    monkeypatch.setattr("schedkit.cli.data.run", bug)
    assert "internal error" in (contract_failure(["data"], workdir) or "")
    monkeypatch.setattr("schedkit.cli.data.run", slow)
    assert run_main(["data"], budget=0.2) == (130, "schedkit: interrupted\n", True)
