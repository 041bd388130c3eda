"""Runs the fuzz tests long: every test marked ``fuzz`` with hypothesis' ``slow`` profile.

    python bench/fuzz.py                     # every fuzz test, slow profile (minutes to hours)
    python bench/fuzz.py -k tardiness -x     # extra arguments go to pytest

CI runs the same tests with the ``default`` profile (a few examples each). A failing example
is printed by hypothesis with the input that broke the contract and kept in
``.hypothesis/`` so the next run tries it first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    command = [sys.executable, "-m", "pytest", "tests", "-m", "fuzz", "--slow", "-q", *argv]
    print(" ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
