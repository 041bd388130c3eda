"""What an area contributes to a sweep: its parameters, which of them shape the random instance,
how its runs group, and how a group of runs is computed. Each area's adapter (``_fair``,
``_dag``, ``_flowtime``, ``_packing``, ``_tardiness``) builds one :class:`Area` from the
area's public API only, so the areas' internals can change underneath.

Worker side: everything here runs inside a worker (a thread, a process, a Ray task or a Dask
task), gets plain parameters and file paths, and returns flat dicts of numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from schedkit import data
from schedkit.exceptions import InvalidInstanceError

__all__ = ["Area", "Outcome", "Task", "each", "error_text", "locate", "pick", "shared"]


class Task(NamedTuple):
    """One run as a worker sees it: its parameters (file parameters made absolute where the
    file exists on the machine that started the sweep) and its derived seed."""

    params: dict[str, Any]
    seed: int


class Outcome(NamedTuple):
    """One run's result: flat metrics, or the error that stopped it; and its wall time."""

    metrics: dict[str, Any] | None
    error: str | None
    seconds: float


#: Runs a group of tasks (same area, same group key) with ``threads`` CPU threads per run and
#: returns one outcome per task, in order. It never raises for a single bad run.
RunGroup = Callable[[list[Task], int], list[Outcome]]


@dataclass(frozen=True)
class Area:
    """The sweep's view of one area.

    Parameters
    ----------
    name : str
        The ``area`` value of a run (``"fair"``).
    params : mapping of str to str
        Every parameter a run of this area accepts, with its meaning (shown in errors).
    required : tuple of str
        Parameters every run must give.
    one_of : tuple of tuples of str
        Groups of alternatives: exactly one of each group must be given (a trace or a
        scenario).
    together : tuple of tuples of str
        Groups given all or none (the generator's parameters).
    instance : tuple of str
        The parameters that shape the random instance; with the run's ``seed`` (the replicate)
        and the sweep seed they determine the run's derived seed, so every policy of a sweep
        sees the same random instance (common random numbers).
    files : tuple of str
        Parameters that name files: a path that exists where the sweep starts is made
        absolute before it travels; anything else is looked up among the bundled files
        (:func:`schedkit.data.path`) on the worker.
    headline : tuple of str
        The metrics the ``schedkit sweep`` table prints.
    group : callable
        ``group(params, seed) -> str``: runs with the same key are computed together, so an
        input is read once (all fair runs over one trace go through one ``replay_many`` pass).
    run : callable
        ``run(tasks, threads) -> list[Outcome]`` for one group.
    read_with : mapping of str to str
        Parameters read only alongside another: ``{"bandwidth": "workflow"}`` says a run
        reads ``bandwidth`` only when it has a ``workflow``. A run that gives one without the
        other is an error: the parameter would change nothing, so a grid axis of it would
        only repeat runs.
    """

    name: str
    summary: str
    params: Mapping[str, str]
    required: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...]
    together: tuple[tuple[str, ...], ...]
    instance: tuple[str, ...]
    files: tuple[str, ...]
    headline: tuple[str, ...]
    group: Callable[[Mapping[str, Any], int], str]
    run: RunGroup
    read_with: Mapping[str, str] = field(default_factory=dict)


def error_text(exc: BaseException) -> str:
    """How a failed run's error reads in the table: ``"InvalidInstanceError: policy: ..."``."""
    return f"{type(exc).__name__}: {exc}"


def _fatal(exc: BaseException) -> bool:
    # Ctrl-C and exits stop the sweep; anything else (a Rust panic included, which pyo3
    # raises as a BaseException) is the run's own failure.
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def each(tasks: Sequence[Task], fn: Callable[[Task], dict[str, Any]]) -> list[Outcome]:
    """Runs ``fn`` on every task, timing each and recording its error instead of raising.

    Examples
    --------
    >>> [o.error for o in each([Task({}, 0), Task({}, 1)], lambda t: {"x": 1 / t.seed})]
    ['ZeroDivisionError: division by zero', None]
    """
    out = []
    for task in tasks:
        t0 = time.perf_counter()
        try:
            metrics = fn(task)
        except BaseException as exc:
            if _fatal(exc):
                raise
            out.append(Outcome(None, error_text(exc), time.perf_counter() - t0))
        else:
            out.append(Outcome(metrics, None, time.perf_counter() - t0))
    return out


def shared(tasks: Sequence[Task], load: Callable[[], Any], fn: Callable[[Any, Task], dict[str, Any]]) -> list[Outcome]:
    """Loads a group's common input once, then runs ``fn(input, task)`` on every task; a load
    that fails is every task's error. The load time is shared equally among the tasks.

    Examples
    --------
    >>> [o.metrics for o in shared([Task({"k": 2}, 0)], lambda: 10, lambda x, t: {"v": x * t.params["k"]})]
    [{'v': 20}]
    """
    t0 = time.perf_counter()
    try:
        value = load()
    except BaseException as exc:
        if _fatal(exc):
            raise
        share = (time.perf_counter() - t0) / max(1, len(tasks))
        return [Outcome(None, error_text(exc), share) for _ in tasks]
    share = (time.perf_counter() - t0) / max(1, len(tasks))
    return [o._replace(seconds=o.seconds + share) for o in each(tasks, lambda t: fn(value, t))]


def locate(value: Any, field: str) -> Path:
    """The file a file parameter names: the path itself when it exists here, else the bundled
    file of that name.

    Raises
    ------
    InvalidInstanceError
        Neither exists; the message names the parameter and the value.

    Examples
    --------
    >>> locate("wt40.txt", "file").name
    'wt40.txt'
    >>> locate("no-such.txt", "file")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: file: no such file: no-such.txt (and no bundled file of that name)
    """
    if not isinstance(value, str):
        raise InvalidInstanceError(f"{field}: expected a file path, got {value!r}", field=field)
    p = Path(value)
    if p.is_file():
        return p
    try:
        return data.path(value)
    except InvalidInstanceError:
        raise InvalidInstanceError(
            f"{field}: no such file: {value} (and no bundled file of that name)", field=field
        ) from None


def pick(params: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The entries of ``params`` named in ``names`` (those given)."""
    return {k: params[k] for k in names if k in params}
