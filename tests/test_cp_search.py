"""The shared CP-SAT search (`schedkit._cp_search`), against a stand-in solver: no OR-Tools needed."""

from __future__ import annotations

import _thread
import threading
import time
from types import SimpleNamespace

import pytest

from schedkit._cp_search import search


class FakeSolver:
    """Searches until `stop_search` (or `limit` seconds), then takes `wind_down` seconds to
    return, as a stopped CP-SAT search finishes its work; or raises `error`."""

    def __init__(self, limit: float = 30.0, wind_down: float = 0.0, error: BaseException | None = None):
        self.parameters = SimpleNamespace(catch_sigint_signal=True)
        self.limit, self.wind_down, self.error = limit, wind_down, error
        self.stop = threading.Event()
        self.returned = False

    def solve(self, model: object) -> str:
        if self.error is not None:
            raise self.error
        stopped = self.stop.wait(self.limit)
        time.sleep(self.wind_down)
        self.returned = True
        return f"{model}: {'stopped' if stopped else 'done'}"

    def stop_search(self) -> None:
        self.stop.set()


def test_returns_the_status_with_cp_sats_handler_off():
    solver = FakeSolver(limit=0.01)
    assert search(solver, "m") == "m: done"
    assert solver.parameters.catch_sigint_signal is False


def test_an_error_of_the_search_reaches_the_caller():
    with pytest.raises(ValueError, match="bad model"):
        search(FakeSolver(error=ValueError("bad model")), "m")


def test_ctrl_c_stops_the_search_and_waits_for_it_to_return():
    # the interrupt must not leave while the search thread still runs (a process exiting then
    # aborts inside OR-Tools): the stand-in takes 0.3 s to return after `stop_search`
    solver = FakeSolver(wind_down=0.3)
    threading.Timer(0.2, _thread.interrupt_main).start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        search(solver, "m")
    assert solver.stop.is_set()
    assert solver.returned
    assert time.perf_counter() - start < 5.0
