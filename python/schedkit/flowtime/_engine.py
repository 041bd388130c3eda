"""Runs the Rust simulator and wraps what it returns in a :class:`Result`.

Knows nothing of policy specs or of the registry: ``_policy`` resolves those and hands over a
policy name with checked parameters, or a wrapped user callable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import numpy as np
import pyarrow as pa

from schedkit import _core
from schedkit._arrays import bool_arg, int_arg, readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime._model import LOG_KINDS, Jobs, Result, check_machines

#: Default cap on event log rows (an error beyond it rather than exhausting memory).
MAX_LOG_ROWS = 20_000_000


class RunOptions(TypedDict):
    """The options of every simulation, built-in or user-defined policy alike (see
    :func:`schedkit.flowtime.simulate`)."""

    machines: int
    event_log: bool
    time_limit: float | None
    max_log_rows: int
    threads: int | None


def check_run(jobs: Any, options: RunOptions) -> int:
    """Checks ``jobs`` and the options every simulation shares; returns ``machines`` as an int."""
    if not isinstance(jobs, Jobs):
        raise InvalidInstanceError("jobs: expected schedkit.flowtime.Jobs", field="jobs")
    machines = check_machines(options["machines"])
    time_limit, threads = options["time_limit"], options["threads"]
    if time_limit is not None and (
        isinstance(time_limit, bool) or not isinstance(time_limit, (int, float, np.number)) or not time_limit >= 0
    ):
        # Any size is fine (a limit beyond the clock's range means no limit); NaN and < 0 are not.
        raise InvalidInstanceError(f"time_limit: must be a number >= 0, got {time_limit!r}", field="time_limit")
    if threads is not None:
        int_arg(threads, "threads", minimum=1, maximum=1 << 16)
    int_arg(options["max_log_rows"], "max_log_rows", minimum=0)
    bool_arg(options["event_log"], "event_log")
    return machines


def run_builtin(
    jobs: Jobs,
    name: str,
    params: Mapping[str, Any],
    *,
    information: str,
    label: str,
    machines: int,
    event_log: bool,
    time_limit: float | None,
    max_log_rows: int,
    threads: int | None,
    core_params: Mapping[str, Any],
) -> Result:
    """Simulates the built-in rule ``name`` (``core_params``: its parameters, typed for the core)."""
    start = time.perf_counter()
    completion, events, finished, log = _core.flowtime_simulate(
        jobs._core,
        name,
        machines,
        event_log=event_log,
        max_log_rows=max_log_rows,
        time_limit=time_limit,
        threads=None if threads is None else int(threads),
        **core_params,
    )
    return _result(jobs, name, params, label, information, machines, completion, events, finished, start, log)


def run_callback(
    jobs: Jobs,
    call: Callable[..., np.ndarray],
    name: str,
    params: Mapping[str, Any],
    *,
    information: str,
    known_count: bool,
    quantum: float | None,
    label: str,
    machines: int,
    event_log: bool,
    time_limit: float | None,
    max_log_rows: int,
) -> Result:
    """Simulates a user rule; ``call`` gets the core's raw view arrays at every event."""
    start = time.perf_counter()
    completion, events, finished, log = _core.flowtime_simulate_callback(
        jobs._core,
        call,
        machines,
        information=information,
        known_count=known_count,
        quantum=quantum,
        event_log=event_log,
        max_log_rows=max_log_rows,
        time_limit=time_limit,
    )
    return _result(jobs, name, params, label, information, machines, completion, events, finished, start, log)


def _result(
    jobs: Jobs,
    name: str,
    params: Mapping[str, Any],
    label: str,
    information: str,
    machines: int,
    completion: Any,
    events: int,
    finished: bool,
    start: float,
    log: tuple[np.ndarray, ...] | None,
) -> Result:
    elapsed = time.perf_counter() - start
    return Result(
        jobs=jobs,
        policy=name,
        params=dict(params),
        label=label,
        information=information,
        machines=machines,
        completion=readonly(np.asarray(completion)),
        events=int(events),
        finished=bool(finished),
        elapsed=elapsed,
        event_log=None if log is None else _log_table(log),
    )


def _log_table(log: tuple[np.ndarray, ...]) -> pa.Table:
    kind, t, end, job, op, value = log
    kinds = pa.DictionaryArray.from_arrays(pa.array(kind.astype(np.int8)), pa.array(list(LOG_KINDS)))
    return pa.table({"time": t, "end": end, "kind": kinds, "job": job, "op": op, "value": value})
