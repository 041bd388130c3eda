"""The entry points: :func:`simulate` one policy, :func:`compare` several on the same jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from schedkit._names import resolve_name
from schedkit.flowtime._engine import MAX_LOG_ROWS, RunOptions, check_run
from schedkit.flowtime._model import Jobs, Result
from schedkit.flowtime._policy import POLICIES, parse_policy, run_callable


def simulate(
    jobs: Jobs,
    *,
    policy: Any = "srpt",
    machines: int = 1,
    event_log: bool = False,
    time_limit: float | None = None,
    max_log_rows: int = MAX_LOG_ROWS,
    threads: int | None = None,
    **params: Any,
) -> Result:
    """Simulates ``policy`` on ``jobs`` with ``machines`` identical machines.

    Parameters
    ----------
    jobs : Jobs
    policy : str, Policy, (name, dict) or callable
        A name of :data:`POLICIES` (``"srpt"``, ``"spt"``, ``"hdf"``, ``"fcfs"``, ``"rr"``,
        ``"setf"``, ``"laps"``, ``"mlf"``, ``"op_srpt"``, ``"chunk"``, ``"sprpt"``), a string
        with parameters ``"laps:beta=0.25"``, or a user-defined policy: a callable
        ``f(view: PolicyView) -> priorities`` (one float per alive job, smaller runs first).
        The callable is consulted at every event (release, operation completion, and every
        ``quantum`` time units if given): the slow path, one Python call and O(alive) work per
        event, meant for trying a rule on thousands of jobs, not millions.
    machines : int
        Identical machines; migration allowed, a job on at most one machine at a time.
    event_log : bool
        Record the event log (:attr:`Result.event_log`; needed by the full
        :meth:`Result.validate`). Its size grows with the events times the jobs sharing a
        machine, so keep it for small instances.
    time_limit : float, optional
        Wall-clock seconds; a simulation stopped by it returns ``finished=False`` with NaN
        completions for the unfinished jobs. Ctrl-C raises KeyboardInterrupt.
    max_log_rows : int
        An event log larger than this raises InvalidInstanceError instead of exhausting memory.
    threads : int, optional
        On one machine the busy periods (which every work-conserving policy shares) are
        independent, so without an event log a large instance (>= 100,000 jobs) of a rule
        without per-job state (srpt, spt, hdf, fcfs, op_srpt, sprpt) is split between busy
        periods and simulated on ``threads`` threads; None = all cores, 1 = sequential. The
        results are identical either way.
    **params
        Policy parameters: ``beta`` (laps, in (0, 1], default 0.5); ``base`` (mlf, first
        quantum, default 1); ``gamma`` (chunk, >= 1, default 2), ``c`` (chunk, >= 1, default
        2), ``known_count`` (chunk, default False); ``remaining`` (hdf, default False);
        ``variant`` (sprpt: ``"plain"``, ``"clamped"``, ``"class"``). For a callable:
        ``information`` (``"revealed"`` (default), ``"nonclairvoyant"``, ``"estimated"``,
        ``"clairvoyant"``), ``known_count``, ``quantum``.

    Ties go to the earlier release, then the lower job position, for every policy.

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        Unknown policy or parameter, machines < 1, ``sprpt`` without estimates, bad priorities
        from a callable, an event log over ``max_log_rows``.

    Examples
    --------
    >>> from schedkit.flowtime import Jobs, simulate
    >>> jobs = Jobs([0, 0, 0], [1, 2, 3])
    >>> simulate(jobs, policy="srpt", machines=2).completion.tolist()
    [1.0, 2.0, 4.0]
    >>> simulate(jobs, policy="laps:beta=1").completion.tolist()   # beta = 1 is round robin
    [3.0, 5.0, 6.0]
    >>> fifo = lambda view: view.release                            # a user-defined rule
    >>> simulate(jobs, policy=fifo).completion.tolist()
    [1.0, 3.0, 6.0]
    """
    options: RunOptions = {
        "machines": machines,
        "event_log": event_log,
        "time_limit": time_limit,
        "max_log_rows": max_log_rows,
        "threads": threads,
    }
    # Options first, so that a bad option is reported before a bad policy, as it always was.
    check_run(jobs, options)
    name, spec_params = parse_policy(policy)
    params = {**spec_params, **params}
    if callable(name):
        return run_callable(name, jobs, params, **options)
    name = resolve_name("policy", name, POLICIES)
    return POLICIES[name]._run(jobs, params, **options)


def compare(
    jobs: Jobs,
    *,
    policies: Sequence[Any] | None = None,
    machines: int = 1,
    validate: bool = False,
    time_limit: float | None = None,
) -> pa.Table:
    """Simulates several policies on the same jobs: one pyarrow Table, a row per policy.

    Parameters
    ----------
    jobs : Jobs
    policies : sequence, optional
        Anything :func:`simulate` accepts as ``policy``, one row each. Default: every built-in
        (``sprpt`` only when the jobs carry estimates).
    machines : int
    validate : bool
        Check every schedule (the per-job checks; no event log is recorded).
    time_limit : float, optional
        Wall-clock seconds per policy (see :func:`simulate`).

    Returns
    -------
    pyarrow.Table
        The columns of :meth:`Result.summary`, in the order of ``policies``.

    Raises
    ------
    InvalidInstanceError
        As :func:`simulate`.
    ValidationError
        With ``validate=True``, if a schedule fails its checks (a schedkit bug).

    Examples
    --------
    >>> from schedkit.flowtime import compare, generate
    >>> jobs = generate(500, load=0.8, seed=1)
    >>> t = compare(jobs, policies=["srpt", "rr", "laps:beta=0.25"])
    >>> t.column("policy").to_pylist()
    ['srpt', 'rr', 'laps(beta=0.25)']
    >>> t.column("ratio").to_pylist()[0]
    1.0
    """
    if policies is None:
        policies = [p for p in POLICIES if p != "sprpt" or jobs.estimate is not None]
    rows = []
    for spec in policies:
        r = simulate(jobs, policy=spec, machines=machines, time_limit=time_limit)
        if validate:
            r.validate()
        rows.append(r.summary())
    if not rows:
        return pa.table({"policy": pa.array([], pa.string())})
    return pa.Table.from_pylist(rows)
