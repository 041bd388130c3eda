"""``solve``: every tardiness method behind one function, and the registry of methods."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np

from schedkit import _core
from schedkit._arrays import readonly
from schedkit._names import resolve_name
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._checks import check_int, check_seconds
from schedkit.tardiness._cpsat import solve_cpsat
from schedkit.tardiness._model import Instance, Result

#: Local searches accepted by ``solve(..., improve=...)``.
IMPROVEMENTS: tuple[str, ...] = tuple(_core.TARDINESS_IMPROVEMENTS)
#: The methods whose results carry a proven lower bound (the others report ``None``).
EXACT_METHODS: tuple[str, ...] = (*_core.TARDINESS_EXACT_METHODS, "cpsat")
_ALL_METHODS: tuple[str, ...] = (*_core.TARDINESS_METHODS, "cpsat")
_U64 = 2**64 - 1
_USIZE = 2**63 - 1


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
    memory_limit: int | None = None,
) -> Result:
    """Sequences ``instance`` with ``method``.

    Parameters
    ----------
    instance : Instance
    method : str
        Case-insensitive (a typo gets a "did you mean"). A rule: ``"edd"`` (by d, id), ``"spt"`` (by p, d, id), ``"wspt"`` (by p/w, d, id),
        ``"mdd"`` (Baker-Bertrand; the Kanet-Li weighted form when weights differ from 1),
        ``"atc"`` (apparent tardiness cost), ``"wi"`` (Wilkerson-Irwin), ``"psk"``, ``"eddc"``,
        ``"mddc"``, ``"aug_mdd"``, ``"aug_mddc"`` (as the EDDC/MDDC paper's code behaves, ties
        included); ``"ils"`` (iterated local search); or an exact method: ``"ssdp"``
        (successive sublimation dynamic programming after Tanaka, Fujikuma & Araki, J.
        Scheduling 12(6), 2009; integral data), ``"bb"`` (branch and bound with a Lagrangian
        bound), ``"lawler"`` (Lawler's decomposition DP; unit weights only), ``"bm"`` (the
        decomposition branching of Szwarc, Grosso & Della Croce, J. Scheduling 4, 2001, with
        Branch & Memorize's memo of solved sub-problems, Shang, T'kindt & Della Croce,
        Computers & OR 128, 2021; unit weights only), ``"exact"`` (picks the fastest of these
        as measured in ``bench/bench_tardiness.py``: ``bm`` for unit weights, the branch and
        bound otherwise, raced against ``ssdp`` when ``workers >= 2``), ``"cpsat"`` (OR-Tools, extra ``schedkit[cp]``).
        Rule ties go to the lowest job id unless the rule's order says otherwise.
    improve : {"api", "insertion", "both"}, optional
        Local search applied after a rule. It never makes the sequence worse.
    time_limit : float, optional
        Seconds (>= 0, any size; ``inf`` is none) for ``ils``, the exact methods, ``cpsat``
        and local search. The exact methods then return the best sequence found, a proven
        lower bound and ``optimal=False``. Ctrl-C stops them within about 50 ms.
    seed : int
        Seed of ``ils``, in [0, 2**64).
    atc_k : float, optional
        ATC look-ahead; by default each k in 0.5, 1, ..., 4.5 is tried and the best kept.
    iterations : int
        Rounds of ``ils`` (>= 0; it also stops at ``time_limit``).
    workers : int
        Threads: CP-SAT's search workers for ``cpsat``; for ``exact`` on weighted integral
        data, 2 or more run ``ssdp`` on a second thread beside the branch and bound, and the
        first proof ends both (else the better sequence with the larger of their two
        bounds). Other methods use one thread whatever it is.
    memory_limit : int, optional
        Bytes the SSDP tables may take (default 4 GiB). Past it, ``ssdp`` hands over to the
        branch and bound, whose memory is bounded (about 300 MB), instead of growing
        further. For ``bm`` (and ``exact`` on unit weights), the bytes of its memo of solved
        sub-problems (default 2 GiB): when full it drops those not used lately, so the
        answer stays exact, only slower. (``lawler`` ignores it: its table stops at about 67 million states,
        about 2.7 GB, where it returns the heuristic answer with a lower bound.)

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        Unknown method or local search, an option out of range (naming it), ``"lawler"`` or
        ``"bm"`` on weighted data, ``"ssdp"`` on non-integral data.
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
    method = resolve_name("method", method, _ALL_METHODS)
    if improve is not None:
        improve = resolve_name("improve", improve, IMPROVEMENTS)
    if method == "cpsat" and improve is not None:
        # the core checks improve for its own methods; CP-SAT has no local search to apply
        raise InvalidInstanceError("improve: method 'cpsat' takes no local search", field="improve")
    time_limit = check_seconds(time_limit, "time_limit")
    seed = check_int(seed, "seed", lo=0, hi=_U64)
    iterations = check_int(iterations, "iterations", lo=0, hi=_USIZE)
    workers = check_int(workers, "workers", lo=0, hi=1024)
    if memory_limit is not None:
        memory_limit = check_int(memory_limit, "memory_limit", lo=0, hi=_USIZE)
    if atc_k is not None and (isinstance(atc_k, bool) or not isinstance(atc_k, (int, float, np.number))):
        raise InvalidInstanceError(f"atc_k: expected a number, got {atc_k!r}", field="atc_k")
    start = time.perf_counter()
    if method == "cpsat":
        # Warm start from MDD (with solve()'s defaults) so a short time limit still returns a good sequence.
        hint = _core.tardiness_solve(
            instance._core, "mdd", improve=None, atc_k=None, seed=0, iterations=1000, time_limit=None
        )[0]
        k = None
        seq, objective, optimal, lower_bound = solve_cpsat(
            instance.p, instance.d, instance.w, hint=np.asarray(hint), time_limit=time_limit, workers=workers
        )
    else:
        seq, objective, optimal, lower_bound, k = _core.tardiness_solve(
            instance._core,
            method,
            improve=improve,
            atc_k=atc_k,
            seed=seed,
            iterations=iterations,
            time_limit=time_limit,
            memory_limit=memory_limit,
            workers=workers,
        )
    # Only the exact methods (and a zero objective) prove anything; a rule has no bound.
    proven = method in EXACT_METHODS or bool(optimal)
    return Result(
        instance=instance,
        method=method,
        sequence=readonly(np.asarray(seq, dtype=np.int64)),
        objective=float(objective),
        optimal=bool(optimal),
        lower_bound=float(lower_bound) if proven else None,
        elapsed=time.perf_counter() - start,
        atc_k=k,
    )


#: Every method by name: ``METHODS[name](instance, **options)`` is ``solve(instance, method=name, ...)``.
METHODS: dict[str, Callable[..., Result]] = {name: functools.partial(solve, method=name) for name in _ALL_METHODS}
