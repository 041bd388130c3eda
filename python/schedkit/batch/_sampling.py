"""Random duration factors, and the Monte Carlo chance that a fixed DAG schedule meets a deadline."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import schedkit.batch._cuda as cuda
from schedkit._arrays import U64_MAX, float_arg, int_arg
from schedkit.batch._dag import dag_pair, fixed_schedule, perturbed
from schedkit.batch._doc import batch_doc
from schedkit.batch._model import DeadlineEstimate
from schedkit.dag import Platform, TaskGraph
from schedkit.exceptions import InvalidInstanceError

#: The most factors :func:`sample_duration_factors` returns at once: 2**27 (1 GiB of float64).
MAX_FACTORS = 1 << 27

#: The most samples :func:`deadline_probability` draws (in chunks, so memory stays bounded).
MAX_SAMPLES = 1 << 40

#: The largest log-normal sigma (beyond it the factors underflow to 0).
MAX_LOGNORMAL_SIGMA = 20.0

#: Duration distributions of :func:`sample_duration_factors`.
DISTRIBUTIONS = ("lognormal", "uniform")
_WILSON_Z = 1.959963984540054  # the 97.5% normal quantile: a two-sided 95% interval


def _check_sampling(sigma: float, distribution: str) -> None:
    if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
        raise InvalidInstanceError(
            f"distribution: expected one of {DISTRIBUTIONS}, got {distribution!r}", field="distribution"
        )
    sigma = float_arg(sigma, "sigma", minimum=0.0)
    if distribution == "uniform" and sigma >= 1:
        raise InvalidInstanceError(f"sigma: uniform factors need sigma < 1, got {sigma}", field="sigma")
    if sigma > MAX_LOGNORMAL_SIGMA:
        # exp(sigma z - sigma^2 / 2) is 0 for every likely z beyond it (and sigma^2 overflows)
        raise InvalidInstanceError(f"sigma: must be <= {MAX_LOGNORMAL_SIGMA}, got {sigma}", field="sigma")


def _draw(rng: Any, xp: Any, shape: tuple[int, int], sigma: float, distribution: str) -> Any:
    if distribution == "lognormal":  # exp(N(-sigma^2/2, sigma)) has mean 1
        return xp.exp(sigma * rng.standard_normal(shape) - 0.5 * sigma * sigma)
    return (1.0 - sigma) + (2.0 * sigma) * rng.random(shape)


def sample_duration_factors(
    samples: int,
    n: int,
    *,
    sigma: float = 0.1,
    distribution: str = "lognormal",
    seed: int = 0,
    xp: Any = np,
) -> Any:
    """Random duration factors with mean 1, shape (samples, n), for :func:`evaluate_dag_perturbed`.

    Parameters
    ----------
    samples, n : int
        Rows (samples) and columns (tasks, ``graph.num_tasks``); at most 2**27 factors in all.
    sigma : float, keyword-only
        ``"lognormal"``: exp(N(-sigma^2/2, sigma)), the log-normal of mean 1 and log-scale
        sigma (at most 20). ``"uniform"``: U[1 - sigma, 1 + sigma], sigma < 1.
    distribution : {"lognormal", "uniform"}, keyword-only
    seed : int, keyword-only
        Seed of ``xp.random.default_rng``; NumPy and CuPy draw different numbers.
    xp : module, keyword-only
        ``numpy`` (default) or ``cupy``, the library that draws (and holds) the factors.

    Returns
    -------
    ndarray of float64, shape (samples, n)

    Raises
    ------
    InvalidInstanceError
        Unknown distribution, sigma negative or not finite (or >= 1 for ``"uniform"``), a
        negative ``samples`` or ``n``, or an ``xp`` that is not an array module.

    Examples
    --------
    >>> import schedkit as sk
    >>> f = sk.batch.sample_duration_factors(100_000, 3, sigma=0.2)
    >>> f.shape, bool(abs(f.mean() - 1) < 0.01)
    ((100000, 3), True)
    """
    _check_sampling(sigma, distribution)
    samples, n = int_arg(samples, "samples"), int_arg(n, "n")
    if samples * n > MAX_FACTORS:
        raise InvalidInstanceError(
            f"samples: {samples:,} x {n:,} factors is over the limit of {MAX_FACTORS:,} (draw them in chunks)",
            field="samples",
        )
    seed = int_arg(seed, "seed", maximum=U64_MAX)
    if not callable(getattr(getattr(xp, "random", None), "default_rng", None)):
        raise InvalidInstanceError(
            f"xp: expected the numpy or cupy module, got {xp!r:.60} (the module itself, not its name)", field="xp"
        )
    return _draw(xp.random.default_rng(seed), xp, (samples, n), float(sigma), distribution)


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion."""
    p = successes / trials
    z2 = _WILSON_Z * _WILSON_Z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = _WILSON_Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


@batch_doc
def deadline_probability(
    graph: TaskGraph,
    platform: Platform,
    assignment: Any,
    order: Any,
    deadline: float,
    *,
    samples: int = 10_000,
    sigma: float = 0.1,
    distribution: str = "lognormal",
    seed: int = 0,
    device: str | None = None,
) -> DeadlineEstimate:
    """Probability that a fixed DAG schedule finishes by ``deadline`` when durations vary.

    Draws ``samples`` rows of :func:`sample_duration_factors` (on the host, with NumPy, so the
    answer for a seed is the same on every device; drawn in chunks for large ``samples``, the
    same numbers as one draw), evaluates them with :func:`evaluate_dag_perturbed` and counts
    the makespans <= ``deadline``.

    Parameters
    ----------
    graph : schedkit.dag.TaskGraph
    platform : schedkit.dag.Platform
        The DAG and its platform, as in :func:`evaluate_dag_orders`.
    assignment, order : array_like of int, shape (n,)
        The fixed schedule, as in :func:`evaluate_dag_perturbed`.
    deadline : float
    samples : int, keyword-only
        Monte Carlo samples, >= 1.
    sigma, distribution, seed : keyword-only
        As in :func:`sample_duration_factors`.
    device : {"auto", "rust", "numpy", "cupy", "cuda"}, optional, keyword-only
        Where the makespans are evaluated; the answer does not depend on it.

    Returns
    -------
    DeadlineEstimate

    Raises
    ------
    InvalidInstanceError
        As :func:`evaluate_dag_perturbed` and :func:`sample_duration_factors`; also
        ``samples`` < 1 or a NaN ``deadline``.
    {device_error}

    Examples
    --------
    {fork_join}
    >>> est = sk.batch.deadline_probability(graph, platform, [0, 0, 1, 1], [0, 1, 2, 3], 9.0,
    ...                                     samples=2000, sigma=0.0)
    >>> est.probability, est.mean_makespan
    (1.0, 9.0)
    """
    _check_sampling(sigma, distribution)
    samples = int_arg(samples, "samples", minimum=1, maximum=MAX_SAMPLES)
    # any real number, infinities included (a deadline of inf is always met); not NaN or a bool
    if isinstance(deadline, (bool, np.bool_)) or not isinstance(deadline, (int, float, np.integer, np.floating)):
        raise InvalidInstanceError(f"deadline: must be a number, got {deadline!r}", field="deadline")
    if math.isnan(deadline):
        raise InvalidInstanceError("deadline: must be a number, got NaN", field="deadline")
    backend = cuda.resolve_device(device)
    dag = dag_pair(graph, platform)
    assignment, order = fixed_schedule(dag, assignment, order)
    rng = np.random.default_rng(int_arg(seed, "seed", maximum=U64_MAX))
    size = cuda.chunk_rows("numpy", 8 * max(1, dag.n))
    parts = []
    for start in range(0, samples, size):
        factors = _draw(rng, np, (min(size, samples - start), dag.n), float(sigma), distribution)
        parts.append(np.asarray(cuda.to_host(perturbed(backend, dag, assignment, order, factors, None))))
    makespan = np.concatenate(parts)
    met = int(np.count_nonzero(makespan <= deadline))
    low, high = wilson(met, samples)
    return DeadlineEstimate(
        probability=met / samples,
        ci_low=low,
        ci_high=high,
        samples=samples,
        mean_makespan=float(makespan.mean()),
        p95_makespan=float(np.quantile(makespan, 0.95)),
    )
