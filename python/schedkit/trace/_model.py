"""The canonical trace schema and the helpers that build tables in it.

A trace is a plain :class:`pyarrow.Table` in :data:`SCHEMA` (no wrapper type), so it pickles,
writes to Parquet/IPC and round-trips like any Arrow table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from schedkit._arrays import int_arg, int_vector

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

#: The optional columns a replay reads beyond :data:`SCHEMA` (see the :mod:`schedkit.trace`
#: docstring); a reader warns of any other column, which nothing reads.
OPTIONAL_COLUMNS = ("parents", "job_class", "pool", "estimate")

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
    users = int_arg(users, "users", minimum=1)
    seed = int_arg(seed, "seed", minimum=-(2**63), maximum=2**64 - 1)
    x = int_vector(job_id, "job_id").view(np.uint64) ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return np.char.add("user_", (x % np.uint64(users)).astype(np.int64).astype(str))
