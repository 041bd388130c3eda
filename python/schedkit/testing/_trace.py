"""Hypothesis strategy for cluster traces in the canonical schema (:data:`schedkit.trace.SCHEMA`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

from schedkit.exceptions import InvalidInstanceError
from schedkit.testing._args import checked, count, flag
from schedkit.trace import PARENTS_TYPE, from_jobs

__all__ = ["traces"]


@checked(
    {
        "min_jobs": count(),
        "max_jobs": count(),
        "users": count(1, 26),
        "max_stages": count(1),
        "max_tasks": count(1),
        **dict.fromkeys(("parents", "zero_durations", "requests", "shuffle"), flag),
    },
    [("min_jobs", "max_jobs")],
)
@st.composite
def traces(
    draw: st.DrawFn,
    min_jobs: int = 1,
    max_jobs: int = 8,
    *,
    users: int = 3,
    max_stages: int = 1,
    max_tasks: int = 4,
    parents: bool = True,
    zero_durations: bool = True,
    requests: bool = False,
    shuffle: bool = False,
) -> pa.Table:
    """A small trace table in :data:`schedkit.trace.SCHEMA`, one row per task.

    Jobs have distinct ids (negative ones included) and a user among ``"a"``, ``"b"``, ...;
    all rows of a job share its user and its submit time, a multiple of 0.5 s in [0, 4], so
    jobs often arrive together. Each job has 1 to ``max_stages`` stages numbered 0, 1, ...,
    each with 1 to ``max_tasks`` tasks (task ids 0, 1, ... within the stage) whose durations
    are multiples of 0.25 s in [0, 2] (exact in binary, so they survive a CSV round trip and
    make ties common). Draws shrink towards fewer jobs, stages and tasks.

    Parameters
    ----------
    min_jobs, max_jobs : int
        Bounds on the number of jobs.
    users : int
        Number of distinct user names to draw from (1 to 26).
    max_stages : int
        Most stages per job; above 1 the table also gets a ``parents`` column (unless
        ``parents=False``), each stage's entry null (wait for every lower-numbered stage) or a
        list of distinct lower stage ids, the same on all the stage's rows.
    max_tasks : int
        Most tasks per stage.
    parents : bool
        Add the ``parents`` column when jobs can have several stages.
    zero_durations : bool
        Allow tasks of length 0 (default True).
    requests : bool
        Draw ``cpu`` requests in (0, 1] and ``memory`` requests in [0, 1], in eighths, or NaN
        (no request); otherwise both are NaN throughout.
    shuffle : bool
        Return the rows in a drawn order instead of job by job.

    Returns
    -------
    pyarrow.Table

    Examples
    --------
    >>> from hypothesis import given
    >>> import schedkit as sk
    >>> from schedkit.testing.strategies import traces
    >>> @given(traces(max_jobs=3, max_stages=2))
    ... def test_rows(t):
    ...     assert t.schema.names[:9] == sk.trace.SCHEMA.names
    ...     assert 1 <= len(set(t.column("job_id").to_pylist())) <= 3
    >>> test_rows()
    """
    n = draw(st.integers(min_jobs, max_jobs))
    ids = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n, unique=True))
    names = [chr(ord("a") + k) for k in range(users)]
    low = 0 if zero_durations else 1
    cols: dict[str, list] = {k: [] for k in ("job", "user", "submit", "task", "dur", "stage", "parents")}
    for j in ids:
        user = draw(st.sampled_from(names))
        submit = draw(st.integers(0, 8)) * 0.5
        for s in range(draw(st.integers(1, max_stages))):
            lower = st.lists(st.integers(0, s - 1), max_size=s, unique=True) if s else st.just([])
            ps = draw(st.none() | lower)
            for k in range(draw(st.integers(1, max_tasks))):
                cols["job"].append(j)
                cols["user"].append(user)
                cols["submit"].append(submit)
                cols["task"].append(k)
                cols["dur"].append(draw(st.integers(low, 8)) * 0.25)
                cols["stage"].append(s)
                cols["parents"].append(ps)
    t = from_jobs(cols["job"], cols["user"], cols["submit"], cols["dur"], task_id=cols["task"], stage=cols["stage"])
    if requests:
        rows = t.num_rows
        nan = st.just(float("nan"))
        # every task has a cpu request (the resources model refuses a task without one);
        # memory may be missing (NaN), which is fine while no node's memory is bounded
        cpu = draw(st.lists(st.integers(1, 8).map(lambda k: k / 8), min_size=rows, max_size=rows))
        mem = draw(st.lists(st.integers(0, 8).map(lambda k: k / 8) | nan, min_size=rows, max_size=rows))
        t = t.set_column(t.schema.get_field_index("cpu"), "cpu", pa.array(cpu, pa.float64()))
        t = t.set_column(t.schema.get_field_index("memory"), "memory", pa.array(mem, pa.float64()))
    if parents and max_stages > 1:
        t = t.append_column("parents", pa.array(cols["parents"], PARENTS_TYPE))
    if shuffle and t.num_rows:
        order = draw(st.permutations(list(range(t.num_rows))))
        t = t.take(pa.array(np.asarray(order, dtype=np.int64)))
    return t


def one_core_requests(trace: pa.Table) -> pa.Table:
    """``trace`` with a 1-core cpu request on every task that has none: a slots-model trace
    made fit for the resources model (DRF), so one property test can run every policy.

    Examples
    --------
    >>> from schedkit.trace import from_jobs
    >>> one_core_requests(from_jobs([0], ["a"], [0.0], [1.0])).column("cpu").to_pylist()
    [1.0]
    """
    if not isinstance(trace, pa.Table) or "cpu" not in trace.schema.names:
        raise InvalidInstanceError(
            f"trace: expected a trace table with a cpu column (schedkit.trace.SCHEMA), got {type(trace).__name__}",
            field="trace",
        )
    i = trace.schema.get_field_index("cpu")
    cpu = np.asarray(trace.column(i).to_numpy(zero_copy_only=False), dtype=np.float64)
    return trace.set_column(i, "cpu", pa.array(np.where(np.isnan(cpu), 1.0, cpu)))
