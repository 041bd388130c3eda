"""What every benchmark shares: the machine and version header of its result file, best-of-n
timing, and Markdown formatting."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def environment() -> dict:
    """CPU model, usable cores, versions and git commit, for the head of every result file."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    import schedkit

    try:
        import ortools

        ortools_v = ortools.__version__
    except ImportError:
        ortools_v = "not installed"
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "nproc": nproc,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "schedkit": f"{schedkit.__version__} ({schedkit._core.build_profile} build)",
        "ortools": ortools_v,
        "git": commit,
    }


def header(title: str, env: dict, quick: bool, seconds: float, command: str = "python bench/run.py") -> str:
    """The markdown head of a result file: title, date, machine, versions, mode, command."""
    return (
        f"# {title}\n\n"
        f"- date: {env['date']}\n"
        f"- machine: {env['cpu']}, nproc {env['nproc']}, {env['platform']}\n"
        f"- Python {env['python']}, numpy {env['numpy']}, schedkit {env['schedkit']} (git {env['git']}), "
        f"OR-Tools {env['ortools']}\n"
        f"- mode: {'--quick (reduced sizes; smoke test only)' if quick else 'full'}; this section ran {seconds:.0f} s\n"
        f"- command: `{command}{' --quick' if quick else ''}`\n\n"
    )


def best_time(fn, repeats: int, slow: float = math.inf):
    """Min seconds over up to ``repeats`` runs of ``fn`` (no more runs once one takes longer
    than ``slow`` s); returns (seconds, the last result)."""
    t0 = time.perf_counter()
    out = fn()
    best, runs = time.perf_counter() - t0, 1
    while runs < repeats and best <= slow:
        t0 = time.perf_counter()
        out = fn()
        best, runs = min(best, time.perf_counter() - t0), runs + 1
    return best, out


def fmt_t(sec: float | None) -> str:
    """Seconds with a unit that suits them (µs, ms or s); "-" for None."""
    if sec is None:
        return "-"
    if sec < 1e-3:
        return f"{sec * 1e6:.1f} µs"
    if sec < 1:
        return f"{sec * 1e3:.2f} ms"
    return f"{sec:.2f} s"


def md_table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
