"""The README runs as written: every ```python block and every ```bash command, in an empty folder.

Each block runs in a fresh temporary folder with nothing in it, in a subprocess of this
interpreter, so a snippet that needs a file the user does not have fails here. ``schedkit`` in
a bash command is this checkout's command (a shim running ``python -m schedkit``), not whatever
an earlier install left on PATH. Commands that install packages are skipped by an explicit list
with the reason; nothing else is skipped. A command may create only the files it names.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import schedkit

README = Path(__file__).resolve().parents[1] / "README.md"

#: Commands the test does not run, each with why: they install or run the whole suite.
NOT_RUN = {
    "pip install . && schedkit replay": "installs schedkit into the environment",
    "pip install -e '.[test]' && pytest": "installs schedkit and runs the whole suite (this suite)",
}

#: Python blocks the test does not run, by their first line, each with why: they connect to a
#: cluster the reader already has (the sweep tests start real local Ray and Dask engines).
NOT_RUN_PYTHON = {
    'import ray; ray.init(address="auto")           # or "ray://head:10001"': "connects to an existing Ray cluster",
    'from dask.distributed import Client; Client("tcp://scheduler:8786")': "connects to an existing Dask scheduler",
}

#: Commands that wait for another area's work (their file argument through
#: ``schedkit.cli._common.input_path``, or a figure written only when asked); the lead removes
#: them from here after merging that work.
PENDING: dict[str, str] = {}

#: Seconds one block or command may take; the README's examples are meant to be quick.
TIMEOUT = 120


def blocks(text: str, language: str) -> list[str]:
    """The bodies of the fenced code blocks of ``language`` in ``text``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def commands(block: str) -> list[str]:
    """The commands of a bash block: one per line (``\\`` joins lines), comments dropped."""
    joined = block.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            out.append(line.split(" #", 1)[0].strip())
    return out


TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = blocks(TEXT, "python")
BASH_COMMANDS = [c for b in blocks(TEXT, "bash") for c in commands(b)]


def _env(bin_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # this checkout's schedkit, the one the tests import
    env["PYTHONPATH"] = os.pathsep.join([str(Path(schedkit.__file__).parents[1]), env.get("PYTHONPATH", "")])
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture
def shim(tmp_path_factory) -> Path:
    """A folder holding a ``schedkit`` script that runs this checkout's command."""
    bin_dir = tmp_path_factory.mktemp("bin")
    script = bin_dir / "schedkit"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m schedkit "$@"\n')
    script.chmod(0o755)
    return bin_dir


def _run(argv: list[str], folder: Path, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=folder, env=_env(bin_dir), capture_output=True, text=True, timeout=TIMEOUT)


def test_the_readme_has_examples_to_run():
    # The extraction must find the examples, or every test below passes on nothing.
    assert len(PYTHON_BLOCKS) >= 1 and "import schedkit as sk" in PYTHON_BLOCKS[0]
    assert "schedkit data" in BASH_COMMANDS
    assert set(NOT_RUN) <= set(BASH_COMMANDS), "NOT_RUN lists a command the README no longer has"
    first_lines = {b.splitlines()[0] for b in PYTHON_BLOCKS}
    assert set(NOT_RUN_PYTHON) <= first_lines, "NOT_RUN_PYTHON lists a block the README no longer has"


def test_commands_split_lines_and_drop_comments():
    assert commands("a --x 1   # note\n\nb \\\n  --y\n# only a comment\n") == ["a --x 1", "b    --y"]


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"python{i}" for i in range(len(PYTHON_BLOCKS))])
def test_python_block_runs_in_an_empty_folder(block, tmp_path, shim):
    if block.splitlines()[0] in NOT_RUN_PYTHON:
        pytest.skip(NOT_RUN_PYTHON[block.splitlines()[0]])
    result = _run([sys.executable, "-W", "error", "-c", block], tmp_path, shim)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("command", BASH_COMMANDS)
def test_bash_command_runs_in_an_empty_folder(command, tmp_path, shim, request):
    if command in NOT_RUN:
        pytest.skip(NOT_RUN[command])
    if command in PENDING:
        request.applymarker(pytest.mark.xfail(reason=PENDING[command], strict=False))
    result = _run(["bash", "-c", command], tmp_path, shim)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-3000:]}"
    assert result.stdout.strip(), "printed nothing"
    assert "Traceback" not in result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    unasked = [name for name in written if name not in command]
    assert not unasked, f"wrote {unasked} into the working folder without being asked"
