"""Total weighted flow time of many job orders of one :class:`schedkit.flowtime.Jobs` on one
non-preemptive machine."""

from __future__ import annotations

from typing import Any

import numpy as np

import schedkit.batch._cuda as cuda
import schedkit.batch._xp as ref
from schedkit import _core
from schedkit.batch._checks import (
    as_rows,
    check_chunk,
    check_errors,
    expect,
    first_bad,
    host_ints,
    int_chunk,
    permutation_problem,
)
from schedkit.batch._chunks import map_rows
from schedkit.batch._doc import batch_doc
from schedkit.flowtime import Jobs


@batch_doc
def evaluate_flowtime_orders(
    jobs: Jobs,
    orders: Any,
    *,
    device: str | None = None,
    errors: str = "raise",
    max_chunk_rows: int | None = None,
) -> Any:
    """Total (weighted) flow time of each job order on one non-preemptive machine.

    A job's operations run back to back, so job j holds the machine for ``jobs.size[j]``. For
    job j in row order: t = max(t, release[j]) + size[j] (t starts at 0), and the total grows
    by weight[j] * (t - release[j]); the weights are all 1 for unweighted jobs.

    Parameters
    ----------
    jobs : schedkit.flowtime.Jobs
        Release times, sizes and weights (validated when the jobs were built).
    orders : array_like of int, shape (B, n)
        One job order per row (a single order of length n is one row); NumPy or CuPy.
    {device}
    errors : {"raise", "nan"}, keyword-only
        A row that is not a permutation raises, or evaluates to NaN.
    {max_chunk_rows}

    {returns_rows}

    Raises
    ------
    InvalidInstanceError
        ``jobs`` is not a ``flowtime.Jobs``; a bad option; or with ``errors="raise"`` a row
        that is not a permutation (field ``"orders"``, ``index`` the first bad row).
    {device_error}

    Examples
    --------
    >>> import schedkit as sk
    >>> jobs = sk.flowtime.Jobs([0, 1, 5], [3, 2, 1], weight=[1, 2, 1])
    >>> sk.batch.evaluate_flowtime_orders(jobs, [[0, 1, 2], [2, 0, 1]]).tolist()
    [12.0, 30.0]
    """
    check_errors(errors)
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    expect(jobs, Jobs, "jobs", "schedkit.flowtime.Jobs")
    n = jobs.n
    rows = as_rows(orders, "orders", n)

    def explain(row: np.ndarray) -> str:
        problem = permutation_problem(row, n, "job")
        return "valid" if problem is None else problem[1]

    if backend == "rust":
        host = host_ints(rows, "orders", n)
        out = _core.batch_flowtime_orders(jobs._core, host)
        if errors == "raise":
            first_bad(np.isnan(out), host, 0, "orders", explain)
        return out
    xp = cuda.namespace(backend)
    release_x, size_x, weight_x = (xp.asarray(a, dtype=xp.float64) for a in (jobs.release, jobs.size, jobs.weight))

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = int_chunk(xp, chunk, "orders", start)
        bad, safe = ref.check_permutations(xp, chunk, n)
        if errors == "raise":
            first_bad(bad, chunk, start, "orders", explain)
        return (xp.where(bad, xp.nan, ref.flowtime_orders(xp, release_x, size_x, weight_x, safe)),)

    return map_rows(backend, rows, 32 * n + 64, max_chunk_rows, step, (np.float64,))[0]
