"""Ctrl-C reaches long runs: the GIL is released and the binding watches for signals. Panics
and huge time limits do not escape the binding's shared call helpers."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import textwrap
import time

import pytest

#: A script that prints "started", runs ``{call}`` after ``{setup}``, and exits 0 if Ctrl-C
#: stops the call with KeyboardInterrupt (3 if the call returns).
SCRIPT = """
import sys
import numpy as np
import schedkit as sk
{setup}
try:
    print("started", flush=True)
    {call}
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(0)
sys.exit(3)
"""

#: What is interrupted: (setup, the long call, seconds to let it get well inside Rust).
LONG_RUNS = {
    "tardiness solve": (
        """
        rng = np.random.default_rng(0)
        p = rng.integers(1, 100, 300).astype(float)
        d = rng.integers(0, int(p.sum() * 0.6), 300).astype(float)
        inst = sk.tardiness.Instance(p, d, w=rng.integers(1, 10, 300))
        """,
        'sk.tardiness.solve(inst, method="ils", iterations=10**9)',
        0.5,
    ),
    # one 10^9 core-s job cut into 10^9 one-second tasks: an advance of many seconds,
    # running on the engine's own thread; the next call waits for it and sees the signal
    "fair background advance": (
        """
        from schedkit import _core
        eng = _core.FairEngine(1, "fifo", partition=True, tau=1.0, max_partition_tasks=10**9)
        eng.add_users(["a"])
        one = np.zeros(1, np.int64)
        eng.push(one, one, np.zeros(1), one - 1, np.zeros(1), one, np.array([0, 1]), np.array([1e9]))
        """,
        "eng.start_advance(1e12); eng.live_jobs",
        0.5,
    ),
    "flowtime simulation": (
        "jobs = sk.flowtime.generate(200_000, load=1.5, seed=0)",
        "sk.flowtime.simulate(jobs, policy=lambda v: v.attained)",
        1.0,
    ),
}
if importlib.util.find_spec("ortools") is not None:
    # CP-SAT searches in a helper thread (`schedkit._cp_search`): Ctrl-C stops the search
    # within about 50 ms instead of the 60 s limit, and the process must exit cleanly after it
    # (it aborted in OR-Tools while a join cut short by the signal let the interrupt leave with
    # the search still running); OR-Tools imported before "started"
    LONG_RUNS["packing CP search"] = (
        """
        import ortools.sat.python.cp_model
        c = sk.packing.generate(32, 8, 4, 1.05, seed=0)
        """,
        'sk.packing.place(c, method="cp", time_limit=60.0)',
        1.0,
    )
    # the tardiness model searched in the main thread with CP-SAT's own SIGINT handler, which
    # ended the search like its time limit: Ctrl-C came back as an unproven result
    LONG_RUNS["tardiness CP-SAT search"] = (
        """
        import ortools.sat.python.cp_model
        inst = sk.tardiness.generate_orlib(100, seed=2026)[60]
        """,
        'sk.tardiness.solve(inst, method="cpsat", time_limit=60.0)',
        1.0,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("run", list(LONG_RUNS))
def test_ctrl_c_interrupts_a_long_run(run):
    setup, call, wait = LONG_RUNS[run]
    script = SCRIPT.format(setup=textwrap.dedent(setup), call=call)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(wait)
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the {run} ignored SIGINT")
    assert proc.returncode == 0
    assert "interrupted" in out


@pytest.mark.parametrize("how", ["detach", "interruptible", "chunks", "gil_chunks"])
def test_a_core_panic_is_an_internal_error_not_a_panic_exception(how):
    # PyO3 would raise PanicException, a BaseException that `except Exception` misses; every
    # shared helper (GIL released, worker thread with a signal watcher, batch chunks with and
    # without the GIL) turns it into a SchedkitError saying it is a bug.
    from schedkit import _core
    from schedkit.exceptions import InternalError, SchedkitError

    with pytest.raises(InternalError, match=r"test panic.*please report it") as exc:
        _core._panic_in_helper(how)
    assert isinstance(exc.value, SchedkitError)


@pytest.mark.parametrize("limit", [1e308, float("inf"), 1e19])
def test_a_time_limit_of_any_size_does_not_panic(limit):
    # Duration::from_secs_f64(1e308) panics; the budget uses the checked forms (no deadline).
    import schedkit as sk

    inst = sk.tardiness.Instance(p=[10, 11, 10, 10, 11, 10], d=[15, 11, 13, 11, 12, 11])
    res = sk.tardiness.solve(inst, method="exact", time_limit=limit)
    assert res.optimal and res.objective == sk.tardiness.solve(inst, method="exact").objective
    jobs = sk.flowtime.Jobs(release=[0, 1, 2], operations=[[3, 1], [1], [2, 2]])
    # by hand (clairvoyant SRPT, total sizes 4, 1, 4): job 1 preempts job 0 on [1, 2) (flow 1),
    # job 0 finishes at 5 (flow 5), job 2 runs [5, 9) (flow 7)
    assert sk.flowtime.simulate(jobs, policy="srpt", time_limit=limit).total_flow_time == 13.0
