"""``place``: every placement method behind one function, the CP-SAT fallback, and the registry."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, TypedDict, cast

import numpy as np
import numpy.typing as npt

from schedkit import _core
from schedkit._arrays import readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._cp import solve_lexicographic
from schedkit.packing._model import Cluster, Plan, compare_lex

#: The kube-scheduler methods by name, with the ``preemption`` each stands for (the core's
#: registry ``_core.PACKING_KUBE_METHODS``).
_KUBE_PREEMPTION = {name: preemption for name, _, preemption in _core.PACKING_KUBE_METHODS}

#: Method names accepted by :func:`place` and ``schedkit pack --method``: the core's
#: kube-scheduler methods and bin-packing heuristics (``_core.PACKING_KUBE_METHODS``,
#: ``_core.PACKING_HEURISTICS``, in their order), then ``"cp"``, the lexicographic CP-SAT model,
#: which is Python's own (it is built with OR-Tools in :mod:`schedkit.packing._cp`; the core
#: has no CP solver).
METHOD_NAMES = [*_KUBE_PREEMPTION, *(name for name, _ in _core.PACKING_HEURISTICS), "cp"]


class _CPOptions(TypedDict):
    """The CP-SAT options ``place`` passes to :func:`solve_lexicographic` on every call."""

    disruption: tuple[int, int, int]
    guaranteed_fraction: float
    move_fraction: float
    workers: int


def _heuristic(
    cluster: Cluster,
    method: str,
    *,
    seed: int | None,
    strategy: str,
    shape: Any,
    resource_weights: tuple[int, int],
    fit_weight: int,
    balanced_weight: int,
    size: str,
    weights: str,
    repack: bool,
    sample_nodes: bool,
    requeue_victims: bool,
) -> tuple[npt.NDArray[np.int64], list[tuple[int, int, list[int]]]]:
    if method in _KUBE_PREEMPTION:
        a, pre = _core.packing_kube(
            cluster._core,
            strategy=strategy,
            shape=shape,
            # A list is accepted too (the core needs a tuple); the core checks the length.
            resource_weights=cast("tuple[int, int]", tuple(resource_weights)),
            fit_weight=fit_weight,
            balanced_weight=balanced_weight,
            preemption=_KUBE_PREEMPTION[method],
            seed=seed,
            node_rank=cluster.node_rank,
            sample_nodes=sample_nodes,
            requeue_victims=requeue_victims,
            protected=[bool(v) for v in cluster.protected],
        )
        return np.asarray(a, dtype=np.int64), [(int(p), int(n), [int(v) for v in vs]) for p, n, vs in pre]
    return np.asarray(
        _core.packing_heuristic(
            cluster._core,
            method,
            size=size,
            weights=weights,
            repack=repack,
            protected=[bool(v) for v in cluster.protected],
        ),
        dtype=np.int64,
    ), []


def place(
    cluster: Cluster,
    *,
    method: str = "kube",
    fallback: Any = None,
    time_limit: float = 1.0,
    seed: int | None = None,
    strategy: str = "least",
    shape: Sequence[tuple[int, int]] | None = None,
    resource_weights: tuple[int, int] = (1, 1),
    fit_weight: int = 1,
    balanced_weight: int = 1,
    size: str = "sum",
    weights: str = "average",
    repack: bool = False,
    disruption: tuple[int, int, int] = (0, 1, 2),
    guaranteed_fraction: float = 0.6,
    move_fraction: float = 0.5,
    workers: int = 0,
    sample_nodes: bool = True,
    requeue_victims: bool = True,
) -> Plan:
    """Places the pending pods of ``cluster`` (and, for ``cp``/``repack``, may move running ones).

    Parameters
    ----------
    cluster : Cluster
    method : str
        One of :data:`METHOD_NAMES`: ``kube``/``kube-nopreempt`` (the default kube-scheduler
        simulated pod by pod, with or without DefaultPreemption), the bin-packing heuristics
        (``ffd``, ``bfd``, ``first-fit``, ``best-fit``, ``worst-fit``, ``tetris``, ``dot``,
        ``l2``), or ``cp`` (the lexicographic CP-SAT model, ``schedkit[cp]``).
    fallback : {None, False, True, "cp", "always"}
        ``True``/``"cp"``: run the CP-SAT model when ``method`` leaves a pod pending; ``"always"``:
        run it regardless. The CP plan replaces the heuristic's only if lexicographically no worse.
    time_limit : float
        Total CP-SAT budget in seconds, split across tiers.
    seed : int, optional
        kube: None breaks score ties by node name (deterministic); an int breaks them uniformly
        at random (reservoir sampling) and randomises the preemption dry-run offset.
    strategy, shape, resource_weights, fit_weight, balanced_weight
        kube scoring: ``"least"`` (LeastAllocated), ``"most"`` (MostAllocated) or ``"rtcr"``
        (RequestedToCapacityRatio with ``shape`` points (utilisation 0..100, score 0..10));
        resource weights (cpu, memory) and the plugin weights.
    size, weights, repack
        Heuristics: FFD/BFD size function (``sum``, ``product``, ``l2``, ``max``), dimension
        weights (``unit``, ``average``, ``exponential``), and whether to repack running pods.
    disruption : (stay, evict, move)
        CP disruption costs; default (0, 1, 2) is the authors' code. The paper's text
        (stay 2, move 1, evict 0 as rewards) is ``(0, 2, 1)``.
    guaranteed_fraction, move_fraction, workers
        CP budget split (code defaults 0.6 / 0.5) and CP-SAT workers (0 = all cores).
    sample_nodes, requeue_victims
        kube: adaptive node sampling (``percentageOfNodesToScore``) and whether preempted pods
        are recreated and queued again.

    Returns
    -------
    Plan

    Raises
    ------
    InvalidInstanceError
        Unknown method, fallback or scoring option, negative time limit.
    SolverUnavailableError
        The CP model is needed and OR-Tools is not installed.

    Examples
    --------
    >>> c = Cluster([1000, 1000], [10, 10], [400, 400, 800], [1, 1, 1], [1, 1, 1], [0, 1, -1])
    >>> place(c, method="kube").pending  # no node has room and equal priorities do not preempt
    1
    >>> plan = place(c, method="kube", fallback="cp", time_limit=0.5, workers=1).validate()
    >>> plan.pending, len(plan.moves), plan.optimal  # CP moves one running pod over
    (0, 1, True)
    """
    if method not in METHOD_NAMES:
        raise InvalidInstanceError(
            f"method: unknown {method!r}; expected one of {', '.join(METHOD_NAMES)}", field="method"
        )
    if fallback not in (None, False, True, "cp", "always"):
        raise InvalidInstanceError(
            f"fallback: expected None, True, 'cp' or 'always', got {fallback!r}", field="fallback"
        )
    if not (isinstance(time_limit, (int, float)) and time_limit >= 0):
        raise InvalidInstanceError(f"time_limit: must be >= 0, got {time_limit!r}", field="time_limit")
    t0 = time.perf_counter()
    cp_kwargs: _CPOptions = {
        # A list is accepted too; solve_lexicographic unpacks it into three costs.
        "disruption": cast("tuple[int, int, int]", tuple(disruption)),
        "guaranteed_fraction": guaranteed_fraction,
        "move_fraction": move_fraction,
        "workers": workers,
    }
    if method == "cp":
        out = solve_lexicographic(cluster, time_limit=time_limit, **cp_kwargs)
        tier_opt = dict(zip(out.tiers, out.placement_optimal))
        return Plan(
            cluster,
            "cp",
            readonly(out.assignment),
            optimal=(all(out.placement_optimal) and bool(out.tiers)) or cluster.num_pods == 0,
            tier_optimal=tier_opt,
            cp_ran=True,
            elapsed=time.perf_counter() - t0,
        )
    a, pre = _heuristic(
        cluster,
        method,
        seed=seed,
        strategy=strategy,
        shape=shape,
        resource_weights=resource_weights,
        fit_weight=fit_weight,
        balanced_weight=balanced_weight,
        size=size,
        weights=weights,
        repack=repack,
        sample_nodes=sample_nodes,
        requeue_victims=requeue_victims,
    )
    run_cp = fallback == "always" or (fallback in (True, "cp") and bool(np.any(a < 0)))
    if not run_cp:
        return Plan(cluster, method, readonly(a), preemptions=pre, elapsed=time.perf_counter() - t0)
    h_placed = cluster.placed_by_priority(a)
    respects = not np.any(cluster.protected & (a != cluster.pod_node))
    lower = None
    if respects:
        lower = {p: sum(v for q, v in h_placed.items() if q >= p) for p in cluster.tiers}
    out = solve_lexicographic(
        cluster, time_limit=time_limit, hint=a if respects else None, lower_bounds=lower, **cp_kwargs
    )
    cp_placed = cluster.placed_by_priority(out.assignment)
    cmp = compare_lex(cp_placed, h_placed)
    final = out.assignment if cmp >= 0 else a
    return Plan(
        cluster,
        f"{method}+cp",
        readonly(final),
        optimal=all(out.placement_optimal),
        tier_optimal=dict(zip(out.tiers, out.placement_optimal)),
        heuristic_method=method,
        heuristic_placed=h_placed,
        vs_heuristic=cmp,
        cp_ran=True,
        preemptions=pre,
        elapsed=time.perf_counter() - t0,
    )


#: Every method by name: ``METHODS[name](cluster, **options)`` is ``place(cluster, method=name, ...)``.
METHODS: dict[str, Callable[..., Plan]] = {name: functools.partial(place, method=name) for name in METHOD_NAMES}
