"""Instance generators: the OR-Library procedure for 1||Σw_jT_j."""

from __future__ import annotations

import numpy as np

from schedkit._arrays import bool_arg, is_sequence
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._checks import check_int
from schedkit.tardiness._model import Instance

#: The tardiness factors and relative due-date ranges of the OR-Library sets.
ORLIB_FACTORS: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)


def generate_orlib(
    n: int,
    *,
    seed: int = 0,
    per_pair: int = 5,
    tf: tuple[float, ...] = ORLIB_FACTORS,
    rdd: tuple[float, ...] = ORLIB_FACTORS,
    weighted: bool = True,
) -> list[Instance]:
    """Instances drawn as the OR-Library weighted tardiness sets were.

    Crauwels, Potts & Van Wassenhove (INFORMS J. Computing 10(3), 1998), the procedure behind
    OR-Library's wt40/wt50/wt100: p_j ~ U{1..100}, w_j ~ U{1..10}, and with P = Σ p_j,
    d_j ~ U{⌈P(1 - TF - RDD/2)⌉ .. ⌊P(1 - TF + RDD/2)⌋} (clipped at 0), for every pair of
    tardiness factor TF and relative range RDD, ``per_pair`` instances each.

    Parameters
    ----------
    n : int
        Jobs per instance (>= 1).
    seed : int
        Seed of the NumPy generator (0 <= seed < 2**64); the same seed gives the same list.
    per_pair : int
        Instances per (TF, RDD) pair (>= 1).
    tf, rdd : tuple of float
        The factors to combine, each in (0, 1].
    weighted : bool
        False draws no weights (the unweighted problem).

    Returns
    -------
    list of Instance
        Ordered by TF, then RDD, then draw; named ``"n{n}_tf{TF}_rdd{RDD}_{k}"``.

    Raises
    ------
    InvalidInstanceError
        Naming the argument out of range.

    Examples
    --------
    >>> insts = generate_orlib(100, seed=1)
    >>> len(insts), insts[0].name, insts[0].n
    (125, 'n100_tf0.2_rdd0.2_0', 100)
    """
    n = check_int(n, "n", lo=1, hi=1_000_000)
    seed = check_int(seed, "seed", lo=0, hi=2**64 - 1)
    per_pair = check_int(per_pair, "per_pair", lo=1, hi=1_000_000)
    weighted = bool_arg(weighted, "weighted")
    factors = {}
    for field, given in (("tf", tf), ("rdd", rdd)):
        if not is_sequence(given):
            raise InvalidInstanceError(f"{field}: expected a sequence of numbers in (0, 1], got {given!r}", field=field)
        values = factors[field] = tuple(given)
        for k, v in enumerate(values):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (0.0 < float(v) <= 1.0):
                raise InvalidInstanceError(f"{field}[{k}]: must be a number in (0, 1], got {v!r}", field=field, index=k)
    rng = np.random.default_rng(seed)
    out = []
    for t in factors["tf"]:
        for r in factors["rdd"]:
            for k in range(per_pair):
                p = rng.integers(1, 101, size=n)
                w = rng.integers(1, 11, size=n) if weighted else None
                total = float(p.sum())
                lo = max(0, int(np.ceil(total * (1.0 - t - r / 2.0))))
                hi = max(lo, int(np.floor(total * (1.0 - t + r / 2.0))))
                d = rng.integers(lo, hi + 1, size=n)
                out.append(Instance(p, d, w, name=f"n{n}_tf{t:g}_rdd{r:g}_{k}"))
    return out
