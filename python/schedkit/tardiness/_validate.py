"""The independent checker of a single-machine tardiness schedule, on plain arrays.

It recomputes everything from p, d, w and the sequence with NumPy, sharing no code with the
solvers, so a solver bug cannot hide behind its own arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedkit.exceptions import ValidationError


def check_sequence(
    p: Any,
    d: Any,
    w: Any,
    sequence: Any,
    *,
    objective: float,
    lower_bound: float | None,
    optimal: bool,
    label: str = "schedule",
) -> None:
    """Checks a sequence and the figures claimed for it.

    Parameters
    ----------
    p, d, w : array_like of float, shape (n,)
        Processing times, due dates and weights (all 1 for the unweighted problem).
    sequence : array_like of int
        Job ids in processing order; must be a permutation of 0..n-1.
    objective : float
        The claimed Σ w_j max(0, C_j - d_j) of ``sequence``.
    lower_bound : float or None
        The claimed lower bound on the optimum (None: no claim); must lie in [0, objective].
    optimal : bool
        Whether the optimum is claimed; then ``lower_bound`` must equal ``objective``.
    label : str
        Names the schedule (usually the method) in the error message.

    Raises
    ------
    ValidationError
        On the first check that fails. Values are compared with a relative tolerance of 1e-9.

    Examples
    --------
    >>> check_sequence([2, 3, 1], [2, 6, 1], [1, 1, 1], [2, 0, 1], objective=1.0, lower_bound=0.0, optimal=False)
    >>> check_sequence([2, 3, 1], [2, 6, 1], [1, 1, 1], [2, 0, 1], objective=2.0, lower_bound=0.0, optimal=False)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.ValidationError: schedule: objective 2.0 but recomputed 1.0
    """
    p = np.asarray(p, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n = p.shape[0]
    seq = np.asarray(sequence)
    if seq.shape != (n,) or not np.array_equal(np.sort(seq), np.arange(n)):
        raise ValidationError(f"{label}: sequence is not a permutation of 0..{n - 1}")
    completion = np.cumsum(p[seq])
    recomputed = float(np.sum(w[seq] * np.maximum(0.0, completion - d[seq])))
    if not np.isfinite(recomputed) or not np.isfinite(objective):
        raise ValidationError(f"{label}: objective {objective} is not finite")
    tol = 1e-9 * max(1.0, abs(recomputed))
    if abs(recomputed - objective) > tol:
        raise ValidationError(f"{label}: objective {objective} but recomputed {recomputed}")
    if lower_bound is None:
        if optimal:
            raise ValidationError(f"{label}: optimal claimed without a lower bound")
        return
    if not (-tol <= lower_bound <= objective + tol):
        raise ValidationError(f"{label}: lower bound {lower_bound} outside [0, {objective}]")
    if optimal and abs(lower_bound - objective) > tol:
        raise ValidationError(f"{label}: optimal but lower bound {lower_bound} != {objective}")
