"""Ctrl-C reaches long runs: the GIL is released and the binding watches for signals."""

from __future__ import annotations

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
    "flowtime simulation": (
        "jobs = sk.flowtime.generate(200_000, load=1.5, seed=0)",
        "sk.flowtime.simulate(jobs, policy=lambda v: v.attained)",
        1.0,
    ),
}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("run", LONG_RUNS)
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
