"""``solve``: every tardiness method behind one function, and the registry of methods."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np

from schedkit import _core
from schedkit._arrays import readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._cpsat import solve_cpsat
from schedkit.tardiness._model import Instance, Result

#: Local searches accepted by ``solve(..., improve=...)``.
IMPROVEMENTS: tuple[str, ...] = tuple(_core.TARDINESS_IMPROVEMENTS)


def solve(
    instance: Instance,
    *,
    method: str = "mddc",
    improve: str | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    atc_k: float | None = None,
    iterations: int = 1000,
    workers: int = 1,
) -> Result:
    """Sequences ``instance`` with ``method``.

    Parameters
    ----------
    instance : Instance
    method : str
        A rule: ``"edd"`` (by d, id), ``"spt"`` (by p, d, id), ``"wspt"`` (by p/w, d, id),
        ``"mdd"`` (Baker-Bertrand; the Kanet-Li weighted form when weights differ from 1),
        ``"atc"`` (apparent tardiness cost), ``"wi"`` (Wilkerson-Irwin), ``"psk"``, ``"eddc"``,
        ``"mddc"``, ``"aug_mdd"``, ``"aug_mddc"`` (as the EDDC/MDDC paper's code behaves, ties
        included); or ``"ils"`` (iterated local search), ``"exact"`` (Lawler's DP for unit
        weights, branch and bound otherwise), ``"cpsat"`` (OR-Tools, extra ``schedkit[cp]``).
        Rule ties go to the lowest job id unless the rule's order says otherwise.
    improve : {"api", "insertion", "both"}, optional
        Local search applied after a rule. It never makes the sequence worse.
    time_limit : float, optional
        Seconds for ``ils``, ``exact``, ``cpsat`` and local search. ``exact`` and ``cpsat``
        then return the best sequence found, a valid lower bound and ``optimal=False``.
    seed : int
        Seed of ``ils``.
    atc_k : float, optional
        ATC look-ahead; by default each k in 0.5, 1, ..., 4.5 is tried and the best kept.
    iterations : int
        Rounds of ``ils`` (it also stops at ``time_limit``).
    workers : int
        CP-SAT search workers (``cpsat`` only).

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        Unknown method or local search, bad ``atc_k``.
    SolverUnavailableError
        ``method="cpsat"`` without OR-Tools installed.
    KeyboardInterrupt
        Ctrl-C during a long solve.

    Examples
    --------
    >>> inst = Instance([2, 3, 1], [2, 6, 1])
    >>> solve(inst, method="edd").sequence.tolist()
    [2, 0, 1]
    >>> solve(inst, method="mdd", improve="insertion").objective
    1.0
    >>> solve(inst, method="exact").optimal
    True
    """
    if not isinstance(instance, Instance):
        raise InvalidInstanceError("instance: expected schedkit.tardiness.Instance", field="instance")
    if method == "cpsat" and improve is not None:
        # the core checks improve for its own methods; CP-SAT has no local search to apply
        raise InvalidInstanceError("improve: method 'cpsat' takes no local search", field="improve")
    if time_limit is not None and not (time_limit >= 0):
        raise InvalidInstanceError(f"time_limit: must be >= 0, got {time_limit}", field="time_limit")
    start = time.perf_counter()
    if method == "cpsat":
        # Warm start from MDD (with solve()'s defaults) so a short time limit still returns a good sequence.
        hint = _core.tardiness_solve(
            instance._core, "mdd", improve=None, atc_k=None, seed=0, iterations=1000, time_limit=None
        )[0]
        seq, objective, optimal, lower_bound = solve_cpsat(
            instance.p, instance.d, instance.w, hint=np.asarray(hint), time_limit=time_limit, workers=workers
        )
        k = None
    else:
        seq, objective, optimal, lower_bound, k = _core.tardiness_solve(
            instance._core,
            method,
            improve=improve,
            atc_k=atc_k,
            seed=seed,
            iterations=iterations,
            time_limit=time_limit,
        )
    return Result(
        instance=instance,
        method=method,
        sequence=readonly(np.asarray(seq, dtype=np.int64)),
        objective=float(objective),
        optimal=bool(optimal),
        lower_bound=float(lower_bound),
        elapsed=time.perf_counter() - start,
        atc_k=k,
    )


#: Every method by name: ``METHODS[name](instance, **options)`` is ``solve(instance, method=name, ...)``.
METHODS: dict[str, Callable[..., Result]] = {
    name: functools.partial(solve, method=name) for name in [*_core.TARDINESS_METHODS, "cpsat"]
}
