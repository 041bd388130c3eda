"""Hypothesis strategy for :class:`schedkit.tardiness.Instance` (re-exported by ``strategies``;
needs hypothesis, the ``test`` extra)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from schedkit.tardiness import Instance
from schedkit.testing._args import checked, count, flag, maybe

__all__ = ["tardiness_instances"]

#: Largest processing time drawn (integer instances draw p in 1..P_MAX).
P_MAX = 100
#: Largest weight drawn (weights are in 0..W_MAX).
W_MAX = 10


@checked({"min_n": count(), "max_n": count(), "weighted": maybe(flag), "integer": flag}, [("min_n", "max_n")])
@st.composite
def tardiness_instances(
    draw: st.DrawFn,
    *,
    min_n: int = 0,
    max_n: int = 8,
    weighted: bool | None = None,
    integer: bool = True,
) -> Instance:
    """Draws a :class:`schedkit.tardiness.Instance` with ``min_n`` to ``max_n`` jobs.

    Parameters
    ----------
    min_n, max_n : int
        Bounds on the number of jobs.
    weighted : bool, optional
        ``True``: weights in 0..10 are always given; ``False``: never (the unweighted
        problem); ``None`` (default): either.
    integer : bool
        ``True`` (default): integer-valued p in 1..100, due dates and weights (stored as
        float64). ``False``: real values, p in (0, 100].

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Instance
        Shrinks towards fewer, shorter jobs.

    Raises
    ------
    InvalidInstanceError
        Unless 0 <= min_n <= max_n (when the strategy is asked for, not at a draw).

    Notes
    -----
    Due dates range from about -P/4 to about 1.25 P, where P = Σ p, so instances mix early,
    on-time and tardy jobs and may have negative due dates.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(tardiness_instances(min_n=1, max_n=4, weighted=False))
    ... def test_unweighted(inst):
    ...     assert 1 <= inst.n <= 4 and not inst.weighted
    >>> test_unweighted()
    """
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    # Integer instances draw ints, real ones floats; both become float64 arrays.
    p: Sequence[float]
    d: Sequence[float]
    w: Sequence[float] | None = None
    if integer:
        p = draw(st.lists(st.integers(1, P_MAX), min_size=n, max_size=n))
    else:
        p = draw(
            st.lists(
                st.floats(min_value=1e-3, max_value=float(P_MAX), allow_nan=False, allow_infinity=False),
                min_size=n,
                max_size=n,
            )
        )
    total = sum(p)
    lo, hi = -(total / 4.0), 1.25 * total + 1.0
    if integer:
        d = draw(st.lists(st.integers(int(np.floor(lo)), int(np.ceil(hi))), min_size=n, max_size=n))
    else:
        d = draw(st.lists(st.floats(min_value=lo, max_value=hi, allow_nan=False), min_size=n, max_size=n))
    with_weights = draw(st.booleans()) if weighted is None else bool(weighted)
    if with_weights:
        if integer:
            w = draw(st.lists(st.integers(0, W_MAX), min_size=n, max_size=n))
        else:
            w = draw(
                st.lists(st.floats(min_value=0.0, max_value=float(W_MAX), allow_nan=False), min_size=n, max_size=n)
            )
    return Instance(
        np.asarray(p, dtype=np.float64),
        np.asarray(d, dtype=np.float64),
        None if w is None else np.asarray(w, dtype=np.float64),
    )
