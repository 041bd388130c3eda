"""Figures of a run computed from its per-job table: response-time statistics, slowdown,
per-user means, Jain's index and the violation metrics against a reference run."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit._arrays import float_vector
from schedkit.exceptions import InvalidInstanceError


def per_user(jobs: pa.Table) -> pa.Table:
    """Per-user figures of a jobs table: jobs, mean response time, mean slowdown, total work
    (users in sorted order)."""
    users = np.asarray(jobs.column("user").to_numpy(zero_copy_only=False)).astype(str)
    rt = jobs.column("response_time").to_numpy()
    sd = jobs.column("slowdown").to_numpy()
    wk = jobs.column("work").to_numpy()
    names, inv = np.unique(users, return_inverse=True)
    cnt = np.bincount(inv, minlength=len(names))
    return pa.table(
        {
            "user": names.tolist(),
            "jobs": cnt.astype(np.int64),
            "mean_response_time": np.bincount(inv, rt, len(names)) / cnt,
            "mean_slowdown": np.bincount(inv, sd, len(names)) / cnt,
            "work": np.bincount(inv, wk, len(names)),
        }
    )


def jain(x: Any) -> float:
    """Jain's fairness index ``(sum x)^2 / (n sum x^2)``.

    Parameters
    ----------
    x : array_like of float
        One value per party (e.g. each user's mean slowdown).

    Returns
    -------
    float
        1 when all values are equal, ``1/n`` when one party has everything; 1 for no values
        or all zeros.

    Examples
    --------
    >>> import schedkit as sk
    >>> sk.fair.jain([1.0, 1.0]), sk.fair.jain([1.0, 0.0, 0.0, 0.0])
    (1.0, 0.25)
    """
    x = float_vector(x, "x")
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidInstanceError(f"x[{i}]: must be finite and >= 0, got {x[i]}", field="x", index=i)
    if len(x) == 0 or not np.any(x):
        return 1.0
    x = x / x.max()  # the index is scale-free; this keeps the squares from overflowing
    return float(x.sum() ** 2 / (len(x) * (x**2).sum()))


def summarize(jobs: pa.Table, reference: pa.Table | None = None) -> dict[str, Any]:
    """Summary of a run's per-job table.

    Parameters
    ----------
    jobs : pyarrow.Table
        A :attr:`Result.jobs <schedkit.fair.Result>` table (:data:`JOB_COLUMNS`).
    reference : pyarrow.Table, optional
        The jobs table of a reference run of the same workload (UJF, as in the UWFQ paper);
        adds the violation metrics (see :func:`violation`).

    Returns
    -------
    dict
        ``jobs``, ``tasks``, ``mean/median/p95/p99_response_time``, ``small80_mean_response_time`` (mean
        over the smallest 80% of response times, the paper's "worst80" band),
        ``mean_slowdown``, ``p95_slowdown``, ``makespan``, ``user_mean_response_time`` (a
        dict), ``jain_index`` (Jain's index over the users' mean slowdowns); with a
        ``reference`` also ``dvr``, ``violations`` and ``dsr``.

    Raises
    ------
    InvalidInstanceError
        ``reference`` does not hold the same jobs.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> s = sk.fair.summarize(sk.fair.replay(t, policy="fifo", cores=1).jobs)
    >>> s["jobs"], s["mean_response_time"], s["makespan"]
    (2, 2.5, 3.0)
    """
    tables = {"jobs": jobs} if reference is None else {"jobs": jobs, "reference": reference}
    for name, table in tables.items():
        if not isinstance(table, pa.Table):
            raise InvalidInstanceError(
                f"{name}: expected a Result.jobs pyarrow.Table, got {type(table).__name__}", field=name
            )
    needed = ("user", "submit_time", "finish_time", "response_time", "slowdown", "work", "n_tasks")
    missing = [c for c in needed if c not in jobs.column_names]
    if missing:
        raise InvalidInstanceError(f"jobs: missing column {missing[0]!r}; expected a Result.jobs table", field="jobs")
    rt = np.asarray(jobs.column("response_time").to_numpy(), dtype=float)
    sd = np.asarray(jobs.column("slowdown").to_numpy(), dtype=float)
    srt = np.sort(rt)
    k = max(1, math.floor(0.8 * len(srt))) if len(srt) else 0
    users = per_user(jobs)
    out: dict[str, Any] = {
        "jobs": len(rt),
        "tasks": int(np.sum(jobs.column("n_tasks").to_numpy())) if "n_tasks" in jobs.column_names else None,
        "mean_response_time": float(rt.mean()) if len(rt) else float("nan"),
        "median_response_time": float(np.median(rt)) if len(rt) else float("nan"),
        "p95_response_time": float(np.percentile(rt, 95)) if len(rt) else float("nan"),
        "p99_response_time": float(np.percentile(rt, 99)) if len(rt) else float("nan"),
        "small80_mean_response_time": float(srt[:k].mean()) if k else float("nan"),
        "mean_slowdown": float(sd.mean()) if len(sd) else float("nan"),
        "p95_slowdown": float(np.percentile(sd, 95)) if len(sd) else float("nan"),
        "makespan": float(jobs.column("finish_time").to_numpy().max() - jobs.column("submit_time").to_numpy().min())
        if len(rt)
        else 0.0,
        "user_mean_response_time": dict(
            zip(users.column("user").to_pylist(), users.column("mean_response_time").to_pylist())
        ),
        "jain_index": jain(users.column("mean_slowdown").to_numpy()),
    }
    if reference is not None:
        out.update(violation(jobs, reference))
    return out


def violation(jobs: pa.Table, reference: pa.Table) -> dict[str, Any]:
    """The violation metrics of the UWFQ paper (Kažemaks et al., arXiv:2510.15485) of a run against a reference run.

    Per job (matched by ``job_id``) ``r = (RT - RT_ref) / RT_ref``.

    Parameters
    ----------
    jobs, reference : pyarrow.Table
        Per-job tables of the run and of the reference (UJF) run of the same workload.

    Returns
    -------
    dict
        ``dvr``: mean r over the jobs with r > 0 (0 if none); ``violations``: how many jobs
        have r > 0 (relative tolerance 1e-9); ``dsr``: mean r over the others.

    Raises
    ------
    InvalidInstanceError
        The two tables do not hold the same jobs.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1, 2], ["b", "b", "a"], [0.0, 0.0, 0.0], [4.0, 4.0, 1.0])
    >>> fifo = sk.fair.replay(t, policy="fifo", cores=1).jobs
    >>> ujf = sk.fair.replay(t, policy="ujf", cores=1).jobs
    >>> sk.fair.violation(fifo, ujf)["violations"]
    1
    """
    a = jobs.select(["job_id", "response_time"])
    b = reference.select(["job_id", "response_time"]).rename_columns(["job_id", "rt_ref"])
    j = a.join(b, "job_id", join_type="inner")
    if j.num_rows != jobs.num_rows:
        raise InvalidInstanceError("reference run does not hold the same jobs", field="reference")
    rt = j.column("response_time").to_numpy()
    ref = j.column("rt_ref").to_numpy()
    r = (rt - ref) / np.where(ref > 0, ref, 1.0)
    viol = r > 1e-9
    return {
        "dvr": float(r[viol].mean()) if viol.any() else 0.0,
        "violations": int(viol.sum()),
        "dsr": float(r[~viol].mean()) if (~viol).any() else 0.0,
    }
