"""The independent checker of a replay's task records, on plain arrays (no result object, no
engine): what :meth:`schedkit.fair.Result.validate` runs, and what any other simulator's
output can be put through."""

from __future__ import annotations

from typing import Any

import numpy as np

from schedkit.exceptions import ValidationError

_EPS = 1e-7


def check_run(
    *,
    job_id: Any,
    submit: Any,
    finish: Any,
    work: Any,
    n_tasks: Any,
    task_job: Any,
    start: Any,
    end: Any,
    ready: Any,
    cores: int,
    node: Any = None,
    cpu: Any = None,
    memory: Any = None,
    node_cpu: Any = None,
    node_mem: Any = None,
    launch: float = 0.0,
    lag: Any = None,
) -> None:
    """Checks one run's task records against its jobs.

    Every task ran exactly once (per job: as many records as ``n_tasks``), none started
    before its job's submission nor before its stage became ready, the task durations add up
    to the job work, and a job finished with its last task. Core-slot policies (the default):
    never more than ``cores`` tasks at once, response time >= work / cores, and no core idle
    while a ready task waited (work conservation). DRF (``node_cpu`` given): instead, no
    node's cpu or memory capacity exceeded at any time.

    Parameters
    ----------
    job_id, submit, finish, work, n_tasks : array_like
        Per job: id, submission time, finish time, true work (core-seconds), number of tasks.
    task_job, start, end, ready : array_like
        Per task: its job's id, start and end times, and when its stage became schedulable
        (the job's submission or its parent stages' last end).
    cores : int
        Core slots of the cluster (core-slot policies).
    node, cpu, memory : array_like, optional
        Per task (DRF): the node it ran on and its cpu and memory requests.
    node_cpu, node_mem : array_like, optional
        Per node (DRF): cpu and memory capacities. Giving them switches to the DRF checks.
    launch : float
        Spark overhead model: every task's busy time beyond its work (its record spans work
        + ``launch``).
    lag : array_like, optional
        Spark overhead model: per task, the least time between its stage becoming ready and
        its start (driver service and a dispatch round). Given, work conservation is not
        checked: under the model a core may idle while the driver or the dispatcher holds
        a pending task.

    Raises
    ------
    ValidationError
        The first broken rule, in words.

    Examples
    --------
    >>> from schedkit.fair._validate import check_run
    >>> jobs = dict(job_id=[0], submit=[0.0], finish=[2.0], work=[3.0], n_tasks=[2])
    >>> check_run(**jobs, task_job=[0, 0], start=[0.0, 0.0], end=[2.0, 1.0], ready=[0.0, 0.0], cores=2)
    >>> check_run(**jobs, task_job=[0, 0], start=[0.0, 1.0], end=[2.0, 2.0], ready=[0.0, 0.0], cores=2)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.ValidationError: a core idled at t=0.0 while a task was pending (not work-conserving)
    """
    jid = np.asarray(job_id, dtype=np.int64)
    sub = np.asarray(submit, dtype=np.float64)
    fin = np.asarray(finish, dtype=np.float64)
    wk_job = np.asarray(work, dtype=np.float64)
    st = np.asarray(start, dtype=np.float64)
    en = np.asarray(end, dtype=np.float64)
    rdy = np.asarray(ready, dtype=np.float64)
    order = np.argsort(jid, kind="stable")
    tj = order[np.searchsorted(jid[order], np.asarray(task_job, dtype=np.int64))]
    cnt = np.bincount(tj, minlength=len(jid))
    if not np.array_equal(cnt, np.asarray(n_tasks, dtype=np.int64)):
        raise ValidationError("a task did not run exactly once")
    if np.any(st < sub[tj] - _EPS):
        raise ValidationError("a task started before its job was submitted")
    if np.any(st < rdy - _EPS):
        raise ValidationError("a task started before its stage's parent stages had finished")
    if lag is not None and np.any(st < rdy + np.asarray(lag, dtype=np.float64) - _EPS):
        raise ValidationError("a task started before the driver and a dispatch round could hand it over")
    wk = np.bincount(tj, en - st - launch, len(jid))
    # Times are float64 on one clock: a task's measured duration (end - start) is exact only
    # to the clock's resolution at its time, so a job's sum may differ from its work by a few
    # ulps of its finish time per task.
    ntask = np.bincount(tj, minlength=len(jid))
    clock = 4 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(fin)) * np.maximum(1, ntask)
    if np.any(np.abs(wk - wk_job) > 1e-6 + 1e-9 * np.abs(wk_job) + clock):
        raise ValidationError("task durations do not add up to the job work")
    last_end = np.full(len(jid), -np.inf)
    np.maximum.at(last_end, tj, en)
    if not np.allclose(fin, last_end, rtol=0, atol=_EPS):
        raise ValidationError("a job's finish time is not its last task's end")
    if node_cpu is not None:
        _check_nodes(st, en, np.asarray(node, dtype=np.int64), cpu, memory, node_cpu, node_mem)
        return
    if np.any(fin - sub < wk_job / cores - _EPS - clock):
        raise ValidationError("response time below work / C")
    # After all events at each event time tau: busy(tau) = started - ended, pending(tau) =
    # ready - started. Never more than C busy; busy < C implies nothing pending.
    ts = np.sort(st)
    te = np.sort(en)
    tready = np.sort(rdy)
    taus = np.unique(np.concatenate([st, en, rdy]))
    started = np.searchsorted(ts, taus, side="right")
    ended = np.searchsorted(te, taus, side="right")
    became_ready = np.searchsorted(tready, taus, side="right")
    busy = started - ended
    if busy.max(initial=0) > cores:
        raise ValidationError(f"more than {cores} cores busy")
    if lag is not None:
        return
    idle_pending = (busy < cores) & (became_ready - started > 0)
    if idle_pending.any():
        t = taus[np.flatnonzero(idle_pending)[0]]
        raise ValidationError(f"a core idled at t={t} while a task was pending (not work-conserving)")


def _check_nodes(
    st: np.ndarray, en: np.ndarray, node: np.ndarray, cpu: Any, memory: Any, node_cpu: Any, node_mem: Any
) -> None:
    """DRF: per-node cpu and memory capacities instead of core slots."""
    # Releases come before acquisitions at equal times; each node's usage starts and ends at
    # 0, so one running sum over the events sorted by (node, time) gives every node's usage.
    times = np.concatenate([st, en])
    sign = np.concatenate([np.ones(len(st)), -np.ones(len(en))])
    nn = np.concatenate([node, node])
    order = np.lexsort((sign, times, nn))
    for req, cap, name in ((cpu, node_cpu, "cpu"), (memory, node_mem, "memory")):
        r = np.asarray(req, dtype=np.float64)
        use = np.cumsum((sign * np.concatenate([r, r]))[order])
        limit = np.asarray(cap, dtype=np.float64)[nn[order]]
        if np.any(use > limit * (1 + 1e-9) + 1e-9):
            raise ValidationError(f"{name} capacity of a node exceeded")
