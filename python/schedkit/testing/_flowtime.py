"""Hypothesis strategy for :class:`schedkit.flowtime.Jobs` (re-exported by ``strategies``)."""

from __future__ import annotations

from hypothesis import strategies as st

from schedkit.flowtime import Jobs
from schedkit.testing._args import checked, count, flag, maybe

__all__ = ["flowtime_jobs"]

#: Estimates are drawn as these multiples of the true size: exact, over and under.
ESTIMATE_FACTORS = (0.5, 1.0, 1.5, 3.0)


@checked(
    {
        "min_n": count(),
        "max_n": count(),
        "max_ops": count(1),
        "max_size": count(1),
        "weighted": maybe(flag),
        "estimates": flag,
    },
    [("min_n", "max_n")],
)
@st.composite
def flowtime_jobs(
    draw: st.DrawFn,
    min_n: int = 0,
    max_n: int = 6,
    max_ops: int = 3,
    max_size: int = 6,
    weighted: bool | None = True,
    estimates: bool = True,
) -> Jobs:
    """A :class:`schedkit.flowtime.Jobs` with ``min_n`` to ``max_n`` small integer jobs.

    Releases lie on a grid of halves in [0, 10], so releases tie with each other and with
    completions; every job has 1 to ``max_ops`` operations of integer size in 1..``max_size``.
    Exact event simulators and hand-written references can check such instances quickly.

    Parameters
    ----------
    min_n, max_n : int
        Bounds on the number of jobs.
    max_ops : int
        Most operations per job (1: the classical single-operation model).
    max_size : int
        Largest operation size.
    weighted : bool, optional
        ``True`` (default): integer weights in 1..4 are always given; ``False``: never;
        ``None``: either.
    estimates : bool
        Attach size estimates (for ``sprpt``): the true size times 0.5, 1, 1.5 or 3.

    Examples
    --------
    >>> from hypothesis import given
    >>> from schedkit.testing.strategies import flowtime_jobs
    >>> @given(flowtime_jobs(max_n=4, max_ops=1))
    ... def test_single_operations(jobs):
    ...     assert jobs.n <= 4 and (jobs.num_ops == 1).all()
    >>> test_single_operations()
    """
    n = draw(st.integers(min_n, max_n))
    release = [draw(st.integers(0, 20)) / 2 for _ in range(n)]
    ops = [[draw(st.integers(1, max_size)) for _ in range(draw(st.integers(1, max_ops)))] for _ in range(n)]
    with_weights = draw(st.booleans()) if weighted is None else weighted
    weight = [draw(st.integers(1, 4)) for _ in range(n)] if with_weights else None
    estimate = None
    if estimates:
        factors = [draw(st.sampled_from(ESTIMATE_FACTORS)) for _ in range(n)]
        estimate = [f * sum(o) for f, o in zip(factors, ops, strict=True)]
    return Jobs(release, ops, weight, estimate=estimate)
