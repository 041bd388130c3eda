"""Ctrl-C and time limits stop long dag and flow-time calls promptly, whatever a single event
costs: an event that releases two million jobs at once still reads the budget (the engines
count work, not events).

The exact 100 ms figure depends on the machine; the assertions here are deterministic (how
much work runs after a zero time limit) or generous (how long a stop may take on a loaded CI
machine), and would have failed before the engines polled by work (seconds of overshoot).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import schedkit as sk

#: Prints "started" with the wall clock, runs the call; on KeyboardInterrupt prints when it
#: was caught and exits 0 (exit 3 if the call returned before the signal).
SCRIPT = """
import sys, time
import numpy as np
import schedkit as sk
{setup}
print("started", flush=True)
try:
    {call}
except KeyboardInterrupt:
    print("caught", time.time(), flush=True)
    sys.exit(0)
sys.exit(3)
"""

LONG_CALLS = {
    "flowtime rr, every job released at once": (
        "jobs = sk.flowtime.Jobs(np.zeros(2_000_000), np.random.default_rng(0).exponential(1.0, 2_000_000))",
        'sk.flowtime.simulate(jobs, policy="rr")',
    ),
    "flowtime setf, every job released at once": (
        "jobs = sk.flowtime.Jobs(np.zeros(2_000_000), np.random.default_rng(0).exponential(1.0, 2_000_000))",
        'sk.flowtime.simulate(jobs, policy="setf")',
    ),
    "dag cpop on a large graph": (
        "g, plat = sk.dag.random_dag(400_000, processors=16, seed=1)",
        'sk.dag.schedule(g, plat, algorithm="cpop")',
    ),
}

#: Generous for a shared 2-core CI machine; the stop takes tens of milliseconds on a quiet one.
MAX_STOP_SECONDS = 1.0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", LONG_CALLS)
def test_ctrl_c_stops_a_long_call_promptly(name):
    setup, call = LONG_CALLS[name]
    script = SCRIPT.format(setup=textwrap.dedent(setup), call=call)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.3)
    sent = time.time()
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{name} ignored SIGINT")
    assert proc.returncode == 0, out
    caught = float(out.split()[-1])
    assert caught - sent < MAX_STOP_SECONDS


@pytest.mark.parametrize("policy", ["srpt", "rr", "setf", "laps", "fcfs"])
def test_a_zero_time_limit_stops_inside_the_first_event(policy):
    # Every job is released by the first event; before, the budget was first read after 1,024
    # events, i.e. after all of them had been released and many completed.
    n = 300_000
    jobs = sk.flowtime.Jobs(np.zeros(n), np.ones(n))
    r = sk.flowtime.simulate(jobs, policy=policy, time_limit=0.0, threads=1)
    assert not r.finished
    assert np.isfinite(r.completion).sum() < 5_000


def test_a_huge_time_limit_is_no_limit():
    jobs = sk.flowtime.generate(200, load=0.9, seed=4)
    expected = sk.flowtime.simulate(jobs, policy="rr").completion
    for limit in (1e308, float("inf"), 2.0**64):
        r = sk.flowtime.simulate(jobs, policy="rr", time_limit=limit)
        assert r.finished and np.array_equal(r.completion, expected)
