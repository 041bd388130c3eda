"""The engine's background advance (``FairEngine.start_advance``), which lets a replay
convert its next chunk, or advance its other runs, while the simulation runs: the same
results as ``advance``, and its errors raised by the engine's next call."""

from __future__ import annotations

import numpy as np
import pytest

from schedkit import _core
from schedkit.exceptions import InvalidInstanceError


def _jobs(lo: int, k: int, rng: np.random.Generator) -> tuple:
    """Jobs lo .. lo + k - 1 of a stream: one per second, 1-3 tasks, three users."""
    tasks = rng.integers(1, 4, k)
    return (
        np.arange(lo, lo + k, dtype=np.int64),
        np.arange(lo, lo + k, dtype=np.int64) % 3,
        np.arange(lo, lo + k, dtype=np.float64),
        np.full(k, -1, np.int64),
        np.zeros(k),
        np.zeros(k, np.int64),
        np.concatenate([[0], np.cumsum(tasks)]).astype(np.int64),
        rng.exponential(2.0, int(tasks.sum())),
    )


@pytest.mark.parametrize("policy", ["fifo", "uwfq", "ujf"])
def test_background_advance_gives_what_advance_gives(policy):
    engines = [_core.FairEngine(2, policy) for _ in range(2)]
    for eng in engines:
        eng.add_users(["a", "b", "c"])
    for lo in range(0, 3000, 500):
        batch = _jobs(lo, 500, np.random.default_rng(lo))
        for eng in engines:
            eng.push(*batch)
        until = float(lo + 499)
        engines[0].advance(until)
        engines[1].start_advance(until)
    # the next call waits for the background advance: the state is the same
    assert engines[1].horizon == engines[0].horizon
    assert engines[1].events == engines[0].events
    assert engines[1].live_jobs == engines[0].live_jobs
    for eng in engines:
        eng.finish()
    a, b = (eng.take_finished() for eng in engines)
    assert len(a["gid"]) == 3000
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_a_background_advance_error_is_raised_by_the_next_call():
    # partitioning makes 10 tasks of a 10 s job at tau = 1 s, over the bound of 5 a stage:
    # the error arises when the job arrives, inside the advance running in the background
    eng = _core.FairEngine(1, "fifo", partition=True, tau=1.0, max_partition_tasks=5)
    eng.add_users(["a"])
    eng.push(
        np.zeros(1, np.int64),
        np.zeros(1, np.int64),
        np.zeros(1),
        np.full(1, -1, np.int64),
        np.zeros(1),
        np.zeros(1, np.int64),
        np.array([0, 1], np.int64),
        np.array([10.0]),
    )
    eng.start_advance(5.0)  # returns at once
    with pytest.raises(InvalidInstanceError, match="more than the bound of 5 tasks") as exc:
        _ = eng.live_jobs
    assert exc.value.field == "tau"


def test_a_bad_batch_pushed_for_a_background_advance_is_raised_by_the_next_call():
    eng = _core.FairEngine(1, "fifo")
    eng.add_users(["a"])
    one = np.zeros(1, np.int64)
    # user 3 of an engine that knows one user: the core's check runs on the engine's thread
    eng.push(one, one + 3, np.zeros(1), one - 1, np.zeros(1), one, np.array([0, 1]), np.ones(1), advance_to=1.0)
    with pytest.raises(InvalidInstanceError) as exc:
        eng.finish()
    assert exc.value.field == "user"
    # the engine is still usable: nothing of the bad batch was added
    assert eng.pushed == 0
    eng.push(one, one, np.zeros(1), one - 1, np.zeros(1), one, np.array([0, 1]), np.ones(1), advance_to=2.0)
    eng.finish()
    assert eng.take_finished()["finish"].tolist() == [1.0]


@pytest.mark.parametrize("background", [False, True])
def test_advancing_to_nan_is_an_error_naming_until(background):
    # NaN compares false with every event time: the engine would run everything and keep
    # its horizon, silently; it is refused instead, in the foreground and on the thread
    eng = _core.FairEngine(1, "fifo")
    eng.add_users(["a"])
    with pytest.raises(InvalidInstanceError) as exc:
        if background:
            eng.start_advance(float("nan"))
            _ = eng.live_jobs
        else:
            eng.advance(float("nan"))
    assert exc.value.field == "until"
    eng.advance(1.0)  # still usable
    assert eng.horizon == 1.0
