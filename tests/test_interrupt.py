"""Ctrl-C reaches long solves: the GIL is released and the binding watches for signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import schedkit as sk
    rng = np.random.default_rng(0)
    p = rng.integers(1, 100, 300).astype(float)
    d = rng.integers(0, int(p.sum() * 0.6), 300).astype(float)
    inst = sk.tardiness.Instance(p, d, w=rng.integers(1, 10, 300))
    try:
        print("started", flush=True)
        sk.tardiness.solve(inst, method="ils", iterations=10**9)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(0)
    sys.exit(3)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_long_solve():
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.5)  # let the solve get well inside Rust
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the solve ignored SIGINT")
    assert proc.returncode == 0
    assert "interrupted" in out
