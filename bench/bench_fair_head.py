"""The head of a replay: seconds from the ``fair.replay(table)`` call to the engine's first
push, on issue 13's 10^7-task table (bench_fair_issue13.py section 2: bench_fair's workload,
1 + Geometric(mean 9) tasks per job, 100 Zipf users, 32 cores), per policy, with the whole
replay's wall time beside it. The engine simulates on its own thread while the caller
converts the next chunk, so everything before the first push adds straight to the wall time.

The first push is timed where ``Runner.push`` is entered (the first piece converted) and
where it returns (the piece handed to the engine's thread). Timers only: the replay runs its
own code unchanged, so the same script times any checkout (``PYTHONPATH=<checkout>/python``).

    python bench/bench_fair_head.py                 # head and wall, best of 3, FIFO, UJF, DRF
    python bench/bench_fair_head.py --hash          # also a SHA-256 of every policy's job table
                                                    # at 10^6 single-task jobs and 10^7 tasks

Prints one line per policy; writes nothing.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from schedkit import fair
from schedkit.fair import _engine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_fair as B  # noqa: E402
import bench_fair_issue13 as I13  # noqa: E402


def with_cpu(table: pa.Table) -> pa.Table:
    """One core a task, as section 2 gives DRF (the resources model needs a cpu request)."""
    return table.set_column(table.schema.get_field_index("cpu"), "cpu", pa.array(np.ones(table.num_rows)))


def head(table: pa.Table, policy: str) -> tuple[float, float, float]:
    """(seconds to the first push's entry, to its return, whole replay) of one replay."""
    push = _engine.Runner.push
    marks: list[float] = []

    def timed_push(self, b, until=None):
        if not marks:
            marks.append(time.perf_counter())
        push(self, b, until)
        if len(marks) == 1:
            marks.append(time.perf_counter())

    _engine.Runner.push = timed_push
    try:
        t0 = time.perf_counter()
        fair.replay(table, policy=policy, cores=B.CORES)
        wall = time.perf_counter() - t0
    finally:
        _engine.Runner.push = push
    return marks[0] - t0, marks[1] - t0, wall


def digest(t: pa.Table) -> str:
    """SHA-256 of a table's values, column by column (independent of its chunking)."""
    h = hashlib.sha256()
    for name in t.column_names:
        col = t.column(name)
        h.update(name.encode())
        if pa.types.is_string(col.type):
            h.update("\0".join(col.to_pylist()).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10**7, help="tasks of the multi-task table")
    ap.add_argument("--repeats", type=int, default=3, help="replays per policy (best of)")
    ap.add_argument("--policies", default="fifo,ujf,drf", help="comma-separated policies")
    ap.add_argument("--hash", action="store_true", help="print every policy's job-table digest")
    a = ap.parse_args()
    tab = B.canonical_table(B.workload(a.tasks))
    print(f"{a.tasks:,} tasks, {tab.num_rows:,} rows; load {os.getloadavg()[0]:.2f}", flush=True)
    for pol in a.policies.split(","):
        t = with_cpu(tab) if pol == "drf" else tab
        runs = [head(t, pol) for _ in range(a.repeats)]
        enter, back, wall = (min(r[k] for r in runs) for k in range(3))
        print(
            f"{pol:5s} first push entered {1e3 * enter:7.1f} ms, returned {1e3 * back:7.1f} ms; "
            f"replay {wall:.3f} s (best of {a.repeats})",
            flush=True,
        )
    if a.hash:
        small = I13.small_jobs(10**6)
        for pol in B.POLICIES:
            for name, t in (("10^6 single-task", small), (f"{a.tasks:,} tasks", tab)):
                t = with_cpu(t) if pol == "drf" and "cpu" in t.column_names else t
                if pol == "drf" and "cpu" not in t.column_names:
                    t = t.append_column("cpu", pa.array(np.ones(t.num_rows)))
                print(
                    f"hash {pol:5s} {name:18s} {digest(fair.replay(t, policy=pol, cores=64 if 'single' in name else B.CORES).jobs)}",
                    flush=True,
                )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
