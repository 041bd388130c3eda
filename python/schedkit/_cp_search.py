"""One CP-SAT search that Ctrl-C stops at once, shared by every CP-SAT model of schedkit."""

from __future__ import annotations

import threading
from typing import Any


def search(solver: Any, model: Any) -> Any:
    """``solver.solve(model)`` in a helper thread; returns its status (an error it raises is
    raised here).

    Ctrl-C in the main thread stops the search within about 50 ms (``stop_search``) and raises
    KeyboardInterrupt, instead of waiting for the time limit. CP-SAT's own SIGINT handler is
    turned off: with the search outside the main thread it aborts the process
    (std::bad_function_call), and in the main thread it ends the search as if the time limit had
    come, so that a caller's Ctrl-C came back as a result.
    """
    solver.parameters.catch_sigint_signal = False
    status: list[Any] = []
    failed: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            status.append(solver.solve(model))
        except BaseException as e:  # raised again in the caller's thread
            failed.append(e)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        solver.stop_search()
        _outwait(done)
        raise
    if failed:
        raise failed[0]
    return status[0]


def _outwait(done: threading.Event) -> None:
    """Waits for the stopped search to return, whatever further Ctrl-Cs come meanwhile.

    The interrupt must not leave while CP-SAT's thread still runs: a process that exits then
    aborts in C++ ("terminate called without an active exception"). An Event, not
    ``Thread.join``: on Python 3.11 a join interrupted by Ctrl-C can leave the thread marked
    finished while it runs, so that the join after it returns at once (measured: the packing
    search's process aborted at exit after every Ctrl-C).
    """
    while True:
        try:
            done.wait()
            return
        except KeyboardInterrupt:
            continue
