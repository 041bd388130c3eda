"""Building a trace table from per-task arrays, checked as a replay checks a table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from schedkit._arrays import float_vector, int_vector
from schedkit.exceptions import InvalidInstanceError
from schedkit.trace._model import SCHEMA
from schedkit.trace._order import check_table


def from_jobs(
    job_id: Any, user: Any, submit_time: Any, duration: Any, *, task_id: Any = None, stage: Any = None
) -> pa.Table:
    """A canonical trace table from per-task arrays (one entry per task).

    Parameters
    ----------
    job_id, user, submit_time, duration : array_like
        Per task: its job's id, the job's user (anything ``str()`` accepts), the job's
        submission time (s) and the task's run time on one core (s).
    task_id : array_like of int, optional
        Task ids; default ``0 .. n-1``.
    stage : array_like of int, optional
        Stage ids within each job; default 0 (single-stage jobs).

    Returns
    -------
    pyarrow.Table
        In :data:`SCHEMA`; ``cpu`` and ``memory`` are NaN (no requests), ``priority`` 0.

    Raises
    ------
    InvalidInstanceError
        Arrays of different lengths, ids that are not integers, or a value a replay would
        refuse (a submit time that is not finite, a negative duration, one too small to hold
        at its submit time), naming the field and row.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 0, 1], ["a", "a", "b"], [0.0, 0.0, 1.5], [2.0, 1.0, 3.0])
    >>> t.num_rows, t.column("task_id").to_pylist()
    (3, [0, 1, 2])
    """
    job = int_vector(job_id, "job_id")
    n = len(job)
    columns: dict[str, np.ndarray] = {}
    for name, values in (("submit_time", submit_time), ("duration", duration)):
        columns[name] = float_vector(values, name)
        if len(columns[name]) != n:
            raise InvalidInstanceError(f"{name}: length {len(columns[name])}, expected {n} (one per task)", field=name)
    if isinstance(user, bytes) or not hasattr(user, "__len__"):
        raise InvalidInstanceError(f"user: expected one user per task, got {user!r}", field="user")
    if len(user) != n:
        raise InvalidInstanceError(f"user: length {len(user)}, expected {n} (one per task)", field="user")
    table = pa.table(
        {
            "job_id": pa.array(job),
            "user": pa.array([str(u) for u in user], pa.string()),
            "submit_time": pa.array(columns["submit_time"]),
            "task_id": pa.array(np.arange(n) if task_id is None else int_vector(task_id, "task_id", n)),
            "duration": pa.array(columns["duration"]),
            "cpu": pa.array(np.full(n, np.nan)),
            "memory": pa.array(np.full(n, np.nan)),
            "priority": pa.array(np.zeros(n, dtype=np.int64)),
            "stage": pa.array(np.zeros(n, dtype=np.int64) if stage is None else int_vector(stage, "stage", n)),
        },
        schema=SCHEMA,
    )
    check_table(table)  # the replay's own checks: finite submit times, durations >= 0
    return table
