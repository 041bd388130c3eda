"""The canonical trace schema and the helpers that build tables in it.

A trace is a plain :class:`pyarrow.Table` in :data:`SCHEMA` (no wrapper type), so it pickles,
writes to Parquet/IPC and round-trips like any Arrow table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from schedkit.exceptions import InvalidInstanceError

#: One row per task; see the :mod:`schedkit.trace` docstring for what each field means.
#: Units: times and durations in seconds, ``cpu`` in cores, ``memory`` in bytes (each field's
#: ``unit`` metadata says so; readers convert their sources to these).
SCHEMA = pa.schema(
    [
        pa.field("job_id", pa.int64(), nullable=False),
        pa.field("user", pa.string(), nullable=False),
        pa.field("submit_time", pa.float64(), nullable=False, metadata={"unit": "s"}),
        pa.field("task_id", pa.int64(), nullable=False),
        pa.field("duration", pa.float64(), nullable=False, metadata={"unit": "s"}),
        pa.field("cpu", pa.float64(), metadata={"unit": "cores"}),
        pa.field("memory", pa.float64(), metadata={"unit": "bytes"}),
        pa.field("priority", pa.int64()),
        pa.field("stage", pa.int64(), nullable=False),
    ]
)

#: Type of the optional ``parents`` column (see the :mod:`schedkit.trace` docstring).
PARENTS_TYPE = pa.list_(pa.int64())


def assign_users(job_id: Any, *, users: int = 16, seed: int = 0) -> np.ndarray:
    """The documented user rule for traces without users (Alibaba).

    Job ``j`` belongs to ``user_<h % users>`` where ``h`` is SplitMix64 of ``j XOR seed``:
    deterministic, uniform over the users, and different for another seed.

    Parameters
    ----------
    job_id : array_like of int
        Job ids, one per row.
    users : int
        Number of synthetic users (>= 1).
    seed : int
        Mixed into the hash; another seed deals the jobs out differently.

    Returns
    -------
    numpy.ndarray of str
        ``"user_<k>"`` per row, ``0 <= k < users``.

    Raises
    ------
    InvalidInstanceError
        ``users`` is below 1.

    Examples
    --------
    >>> from schedkit.trace import assign_users
    >>> a = assign_users([1, 2, 3, 1], users=4)
    >>> bool(a[0] == a[3]), set(a) <= {"user_0", "user_1", "user_2", "user_3"}
    (True, True)
    """
    if users <= 0:
        raise InvalidInstanceError("users must be >= 1", field="users")
    x = np.asarray(job_id, dtype=np.int64).view(np.uint64) ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return np.char.add("user_", (x % np.uint64(users)).astype(np.int64).astype(str))


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

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 0, 1], ["a", "a", "b"], [0.0, 0.0, 1.5], [2.0, 1.0, 3.0])
    >>> t.num_rows, t.column("task_id").to_pylist()
    (3, [0, 1, 2])
    """
    n = len(job_id)
    return pa.table(
        {
            "job_id": pa.array(np.asarray(job_id, dtype=np.int64)),
            "user": pa.array([str(u) for u in user], pa.string()),
            "submit_time": pa.array(np.asarray(submit_time, dtype=np.float64)),
            "task_id": pa.array(np.arange(n) if task_id is None else np.asarray(task_id, dtype=np.int64)),
            "duration": pa.array(np.asarray(duration, dtype=np.float64)),
            "cpu": pa.array(np.full(n, np.nan)),
            "memory": pa.array(np.full(n, np.nan)),
            "priority": pa.array(np.zeros(n, dtype=np.int64)),
            "stage": pa.array(np.zeros(n, dtype=np.int64) if stage is None else np.asarray(stage, dtype=np.int64)),
        },
        schema=SCHEMA,
    )
