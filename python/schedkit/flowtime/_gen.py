"""Seeded workload generators (``schedkit.flowtime.generate``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from schedkit._arrays import U64_MAX, float_arg, int_arg
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime._model import Jobs

__all__ = ["generate", "SIZE_DISTRIBUTIONS", "OPS_DISTRIBUTIONS", "WEIGHT_DISTRIBUTIONS"]

#: Per option (``sizes``, ``ops``, ``weights``), its distributions and how many parameters
#: each takes at most (``"name:p1:p2"``); one more is an error, not a parameter dropped.
_PARAMETERS = {
    "sizes": {"exponential": 0, "pareto": 2, "lognormal": 1, "constant": 0},
    "ops": {"single": 0, "fixed": 1, "geometric": 1, "uniform": 1, "test": 1},
    "weights": {"uniform": 1},
}
SIZE_DISTRIBUTIONS = tuple(_PARAMETERS["sizes"])
OPS_DISTRIBUTIONS = tuple(_PARAMETERS["ops"])
WEIGHT_DISTRIBUTIONS = tuple(_PARAMETERS["weights"])

#: The most operations (over all jobs) :func:`generate` draws: 2**27 sizes (1 GiB), checked
#: before the sizes are allocated.
MAX_GENERATED_OPERATIONS = 1 << 27

#: The largest lognormal sigma: beyond it the draws underflow to 0 or overflow to inf.
MAX_LOGNORMAL_SIGMA = 20.0


def _spec(spec: str, field: str) -> tuple[str, list[float]]:
    if not isinstance(spec, str):
        raise InvalidInstanceError(f"{field}: expected a distribution name, got {spec!r}", field=field)
    name, *args = spec.split(":")
    names = tuple(_PARAMETERS[field])
    if name not in names:
        raise InvalidInstanceError(f"{field}: unknown distribution {name!r}; expected one of {names}", field=field)
    most = _PARAMETERS[field][name]
    if len(args) > most:
        raise InvalidInstanceError(f"{field}: {name!r} takes at most {most} parameters, got {spec!r}", field=field)
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise InvalidInstanceError(f"{field}: parameters of {spec!r} must be numbers", field=field) from None
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise InvalidInstanceError(f"{field}: parameters of {spec!r} must be finite and > 0", field=field)
    return name, values


def _sizes(rng: np.random.Generator, spec: str, count: int) -> np.ndarray:
    """``count`` iid sizes with mean 1."""
    name, args = _spec(spec, "sizes")
    if name == "exponential":
        x = rng.exponential(1.0, count)
    elif name == "constant":
        x = np.ones(count)
    elif name == "lognormal":
        sigma = args[0] if args else 1.0
        if sigma > MAX_LOGNORMAL_SIGMA:
            raise InvalidInstanceError(
                f"sizes: the lognormal sigma must be <= {MAX_LOGNORMAL_SIGMA}, got {sigma}", field="sizes"
            )
        x = rng.lognormal(-sigma * sigma / 2.0, sigma, count)
    else:  # bounded Pareto(alpha) on [L, P L], scaled to mean 1
        alpha = args[0] if args else 1.5
        ratio = args[1] if len(args) > 1 else 1e4
        if ratio <= 1:
            raise InvalidInstanceError(f"sizes: the Pareto ratio must be > 1, got {ratio}", field="sizes")
        lo, hi = 1.0, ratio
        u = rng.random(count)
        x = lo / (1.0 - u * (1.0 - (lo / hi) ** alpha)) ** (1.0 / alpha)
        if alpha == 1.0:
            mean = math.log(hi / lo) / (1.0 / lo - 1.0 / hi)
        else:
            mean = (
                (lo**alpha / (1.0 - (lo / hi) ** alpha))
                * (alpha / (alpha - 1.0))
                * (lo ** (1.0 - alpha) - hi ** (1.0 - alpha))
            )
        x = x / mean
    # A draw of exactly 0 (probability ~2^-53 per draw) would be an invalid size.
    x[x <= 0] = np.finfo(np.float64).tiny
    return x


def _check_operations(count: int) -> None:
    if count > MAX_GENERATED_OPERATIONS:
        raise InvalidInstanceError(
            f"ops: {count:,} operations in all is over the limit of {MAX_GENERATED_OPERATIONS:,}", field="ops"
        )


def generate(
    n: int,
    *,
    load: float = 0.9,
    machines: int = 1,
    sizes: str = "exponential",
    ops: str = "single",
    weights: str | None = None,
    distortion: float | None = None,
    seed: Any = 0,
) -> Jobs:
    """A seeded random workload: Poisson arrivals at a target load.

    Parameters
    ----------
    n : int
        Number of jobs; with all their operations at most 2**27 (checked before allocating).
    load : float
        Target load ρ > 0: arrivals are Poisson with rate ρ m / E[job size].
    machines : int
        m in the arrival rate (simulate on the same number of machines).
    sizes : str
        Distribution of each operation size, all with mean 1: ``"exponential"``,
        ``"pareto[:alpha[:ratio]]"`` (bounded Pareto, default alpha 1.5, max/min ratio 1e4),
        ``"lognormal[:sigma]"`` (default 1, at most 20), ``"constant"``.
    ops : str
        Operations per job: ``"single"`` (the classical model), ``"fixed:k"``,
        ``"geometric:mean"`` (k >= 1), ``"uniform:kmax"`` (k uniform in 1..kmax), or
        ``"test[:t]"``: the uniform obligatory test case, two operations per job, a test of
        fixed length t (default 1) then a revealed part drawn from ``sizes``.
    weights : str, optional
        ``"uniform[:wmax]"``: integer weights uniform in 1..wmax (default 10, at most 2**53);
        None: unweighted.
    distortion : float, optional
        μ >= 1: attach estimates p̂_j with p_j / p̂_j in [μ^-1/2, μ^1/2] (see
        :meth:`Jobs.with_estimates`).
    seed : int or numpy Generator

    Returns
    -------
    Jobs
        Released in increasing order from the first arrival.

    Raises
    ------
    InvalidInstanceError
        An unknown distribution, a parameter out of range, n < 0, load <= 0, machines < 1.

    Examples
    --------
    >>> from schedkit.flowtime import generate
    >>> jobs = generate(1000, load=0.5, ops="test:0.5", seed=3)
    >>> jobs.n, set(jobs.num_ops.tolist()), float(jobs.operations(0)[0])
    (1000, {2}, 0.5)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidInstanceError(f"n: must be an integer >= 0, got {n!r}", field="n")
    load = float_arg(load, "load", above=0.0)
    if isinstance(machines, bool) or not isinstance(machines, (int, np.integer)) or machines < 1:
        raise InvalidInstanceError(f"machines: must be an integer >= 1, got {machines!r}", field="machines")
    rng = (
        seed if isinstance(seed, np.random.Generator) else np.random.default_rng(int_arg(seed, "seed", maximum=U64_MAX))
    )
    n = int_arg(n, "n", maximum=MAX_GENERATED_OPERATIONS)
    kind, args = _spec(ops, "ops")
    if kind == "test":
        _check_operations(2 * n)
        t = args[0] if args else 1.0
        values = np.empty(2 * n)
        values[0::2] = t
        values[1::2] = _sizes(rng, sizes, n)
        counts = np.full(n, 2, dtype=np.int64)
        mean_job = t + 1.0
    else:
        if kind == "single":
            counts = np.ones(n, dtype=np.int64)
            mean_k = 1.0
        elif kind == "fixed":
            k = int(args[0]) if args else 3
            if not args or args[0] != k:
                raise InvalidInstanceError(f"ops: 'fixed:k' needs an integer k >= 1, got {ops!r}", field="ops")
            counts = np.full(n, k, dtype=np.int64)
            mean_k = float(k)
            _check_operations(n * k)
        elif kind == "geometric":
            mean_k = args[0] if args else 3.0
            if mean_k < 1:
                raise InvalidInstanceError(f"ops: the geometric mean must be >= 1, got {mean_k}", field="ops")
            counts = rng.geometric(1.0 / mean_k, n).astype(np.int64)
        else:  # uniform
            kmax = int(args[0]) if args else 5
            if not args or args[0] != kmax:
                raise InvalidInstanceError(f"ops: 'uniform:kmax' needs an integer kmax >= 1, got {ops!r}", field="ops")
            counts = rng.integers(1, kmax + 1, n).astype(np.int64)
            mean_k = (kmax + 1) / 2.0
        _check_operations(int(counts.sum()))
        values = _sizes(rng, sizes, int(counts.sum()))
        mean_job = mean_k
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    rate = load * machines / mean_job
    release = np.cumsum(rng.exponential(1.0 / rate, n))
    w = None
    if weights is not None:
        _wkind, wargs = _spec(weights, "weights")
        wmax = int(wargs[0]) if wargs else 10
        if wmax > 2**53:
            raise InvalidInstanceError(f"weights: wmax must be <= 2**53, got {wargs[0]}", field="weights")
        w = rng.integers(1, wmax + 1, n).astype(np.float64)
    try:
        jobs = Jobs(release, (offsets, values), w, name=f"generated-{kind}-{n}")
    except InvalidInstanceError as exc:
        if exc.field != "operations":
            raise
        # a heavy tail draws sizes below the float spacing at their release times
        raise InvalidInstanceError(
            f"sizes: {sizes!r} draws sizes too small to simulate ({exc})", field="sizes"
        ) from None
    if distortion is not None:
        jobs = jobs.with_estimates(distortion=distortion, seed=int(rng.integers(2**63)))
    return jobs
