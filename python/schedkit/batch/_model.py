"""The result type of :mod:`schedkit.batch`: :class:`DeadlineEstimate`.

Every other evaluator returns plain arrays (one value per candidate row), which is what a
search loop consumes; only the Monte Carlo deadline estimate is a summary worth a type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, repr=False)
class DeadlineEstimate:
    """Monte Carlo estimate of the chance that a schedule meets its deadline.

    Returned by :func:`schedkit.batch.deadline_probability`; immutable, compares equal field
    by field and pickles.

    Attributes
    ----------
    probability : float
        Share of samples with makespan <= deadline.
    ci_low, ci_high : float
        Wilson score 95% interval of ``probability``.
    samples : int
        Number of Monte Carlo samples.
    mean_makespan, p95_makespan : float
        Mean and 95th percentile (linear interpolation) of the sampled makespans.

    Examples
    --------
    >>> import pickle
    >>> from schedkit.batch import DeadlineEstimate
    >>> est = DeadlineEstimate(0.8, 0.4902, 0.9433, 10, 9.5, 11.25)
    >>> est
    <batch.DeadlineEstimate p=0.8 (95% CI 0.4902..0.9433) samples=10 mean=9.5 p95=11.25>
    >>> pickle.loads(pickle.dumps(est)) == est
    True
    """

    probability: float
    ci_low: float
    ci_high: float
    samples: int
    mean_makespan: float
    p95_makespan: float

    def __repr__(self) -> str:
        return (
            f"<batch.DeadlineEstimate p={self.probability:.4g} (95% CI {self.ci_low:.4g}..{self.ci_high:.4g}) "
            f"samples={self.samples} mean={self.mean_makespan:.6g} p95={self.p95_makespan:.6g}>"
        )
