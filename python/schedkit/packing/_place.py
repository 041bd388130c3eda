"""``place``: every placement method behind one function, the CP-SAT fallback, and the registry."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, cast

import numpy as np
import numpy.typing as npt

from schedkit import _core
from schedkit._arrays import bool_arg, is_sequence, readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._cp import solve_lexicographic
from schedkit.packing._model import Cluster, Plan, compare_lex
from schedkit.packing._options import SCORE_PLUGINS, kube_options, require_cluster

#: The kube-scheduler methods by name, with the ``preemption`` each stands for (the core's
#: registry ``_core.PACKING_KUBE_METHODS``).
_KUBE_PREEMPTION = {name: preemption for name, _, preemption in _core.PACKING_KUBE_METHODS}

#: Method names accepted by :func:`place` and ``schedkit pack --method``: the core's
#: kube-scheduler methods and bin-packing heuristics (``_core.PACKING_KUBE_METHODS``,
#: ``_core.PACKING_HEURISTICS``, in their order), then ``"cp"``, the lexicographic CP-SAT model,
#: which is Python's own (it is built with OR-Tools in :mod:`schedkit.packing._cp`; the core
#: has no CP solver).
METHOD_NAMES = [*_KUBE_PREEMPTION, *(name for name, _ in _core.PACKING_HEURISTICS), "cp"]

#: How the pending pods reach the kube simulation's queue (``place(arrival=...)``).
ARRIVALS = ("together", "by-owner")


def _arrival_batches(cluster: Cluster) -> list[int]:
    """``arrival="by-owner"``: each pending pod's arrival batch - its owner's (ReplicaSet, in
    order of first appearance), or its own for a pod without owner. Running pods: batch 0, unused."""
    batch: dict[tuple[str, str], int] = {}
    out = []
    for i, (node, owner, ns) in enumerate(zip(cluster.pod_node, cluster.pod_owner, cluster.pod_namespaces)):
        if node >= 0:
            out.append(0)
        elif owner is None:
            out.append(batch.setdefault(("", f"pod {i}"), len(batch)))
        else:
            out.append(batch.setdefault((ns, owner), len(batch)))
    return out


#: The kube scoring options of :func:`place`, read by the kube methods only. ``seed`` is not
#: among them: like the CP budget (``time_limit``, ``workers``) it is passed alike to every
#: method compared, and a method that needs no seed or budget is no mistake to call with one.
_KUBE_OPTIONS = (
    "strategy",
    "shape",
    "resource_weights",
    "fit_weight",
    "balanced_weight",
    "plugin_weights",
    "percentage_of_nodes_to_score",
    "hard_pod_affinity_weight",
    "sample_nodes",
    "requeue_victims",
)
#: The CP model's options of :func:`place`, read when it runs (``method="cp"`` or a fallback).
_CP_OPTIONS = ("disruption", "guaranteed_fraction", "move_fraction")


def _at_default(value: Any, default: Any) -> bool:
    """Whether an option was left at its default: ``(1, 1)`` and ``[1, 1]`` alike, and a value
    that cannot be compared (an array) counts as given."""
    if value is None or default is None:
        return value is default
    if is_sequence(value) and is_sequence(default) and not isinstance(value, Mapping):
        value, default = list(value), list(default)
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _refuse_unread(method: str, fallback: Any, options: Mapping[str, Any]) -> None:
    """InvalidInstanceError naming the first of ``options`` (place's keyword arguments) set away
    from its default that ``method`` does not read: it would change nothing, so giving it is a
    mistake (an option meant for another method, a sweep axis that only repeats runs)."""
    kube = method in _KUBE_PREEMPTION
    cp = method == "cp" or fallback not in (None, False)
    who = {
        **dict.fromkeys(_KUBE_OPTIONS, (kube, "the kube methods (kube scoring)")),
        "size": (method in ("ffd", "bfd"), "ffd and bfd (the order they place pods in)"),
        "weights": (not kube and method not in ("cp", "first-fit"), "the heuristics that weigh dimensions"),
        "repack": (not kube and method != "cp", "the bin-packing heuristics"),
        "fallback": (method != "cp", "the methods other than cp"),
        **dict.fromkeys(_CP_OPTIONS, (cp, "the CP-SAT model (method='cp' or a fallback)")),
    }
    for name, (reads, readers) in who.items():
        if not reads and not _at_default(options[name], _PLACE_DEFAULTS[name]):
            raise InvalidInstanceError(
                f"{name}: read by {readers} only, not by method={method!r}"
                f"{' without a fallback' if name in _CP_OPTIONS else ''}; it would change nothing: remove it",
                field=name,
            )


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
    kube: dict[str, Any],
    size: str,
    weights: str,
    repack: bool,
) -> tuple[npt.NDArray[np.int64], list[tuple[int, int, list[int]]], list[tuple[int, int]]]:
    if method in _KUBE_PREEMPTION:
        kube = {**kube, "preemption": _KUBE_PREEMPTION[method]}
        a, pre, events = _core.packing_kube(cluster._core, kube)
        return (
            np.asarray(a, dtype=np.int64),
            [(int(p), int(n), [int(v) for v in vs]) for p, n, vs in pre],
            [(int(p), int(n)) for p, n in events],
        )
    a, events = _core.packing_heuristic(
        cluster._core,
        method,
        size=size,
        weights=weights,
        repack=repack,
        protected=[bool(v) for v in cluster.protected],
    )
    return np.asarray(a, dtype=np.int64), [], [(int(p), int(n)) for p, n in events]


def place(
    cluster: Cluster,
    *,
    method: str = "kube",
    fallback: Any = None,
    time_limit: float = 1.0,
    seed: int | None = None,
    strategy: str = "least",
    shape: Sequence[tuple[int, int]] | None = None,
    resource_weights: Any = (1, 1),
    fit_weight: int = 1,
    balanced_weight: int = 1,
    plugin_weights: dict[str, int] | None = None,
    percentage_of_nodes_to_score: int = 0,
    hard_pod_affinity_weight: int = 1,
    size: str = "sum",
    weights: str = "average",
    repack: bool = False,
    disruption: tuple[int, int, int] = (0, 1, 2),
    guaranteed_fraction: float = 0.6,
    move_fraction: float = 0.5,
    workers: int = 1,
    sample_nodes: bool = True,
    requeue_victims: bool = True,
    arrival: str = "together",
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
    strategy, shape, resource_weights, fit_weight, balanced_weight, plugin_weights
        kube scoring: ``"least"`` (LeastAllocated), ``"most"`` (MostAllocated) or ``"rtcr"``
        (RequestedToCapacityRatio with ``shape`` points (utilisation 0..100, score 0..10));
        NodeResourcesFit resource weights, ``(cpu, memory)`` or a dict naming any resource
        (each 1..100, as Kubernetes validates them); the plugin weights (NodeResourcesFit,
        NodeResourcesBalancedAllocation, and any of :data:`SCORE_PLUGINS` by name, 0..100,
        0 disabling the plugin's score).
    percentage_of_nodes_to_score : int
        kube: 0 (adaptive, the default) or 1..100.
    hard_pod_affinity_weight : int
        kube: InterPodAffinity's weight for existing pods' required affinity (0..100).
    size, weights, repack
        Heuristics: FFD/BFD size function (``sum``, ``product``, ``l2``, ``max``), dimension
        weights (``unit``, ``average``, ``exponential``), and whether to repack running pods.
    disruption : (stay, evict, move)
        CP disruption costs; default (0, 1, 2) is the authors' code. The paper's text
        (stay 2, move 1, evict 0 as rewards) is ``(0, 2, 1)``.
    guaranteed_fraction, move_fraction, workers
        CP budget split (code defaults 0.6 / 0.5) and CP-SAT workers. The default, 1, is
        reproducible: the budget is CP-SAT's deterministic time (about seconds), so the same
        call gives a bit-identical plan. More workers (0 = all cores) search in parallel on the
        wall clock, which is faster but not reproducible.
    sample_nodes, requeue_victims
        kube: adaptive node sampling (``percentageOfNodesToScore``) and whether preempted pods
        are recreated and queued again.
    arrival : {"together", "by-owner"}
        kube: how the pending pods reach the scheduling queue. ``"together"``: all at once
        (the queue orders them by priority). ``"by-owner"``: owner by owner, in pod order - a
        ReplicaSet's pods, then the next ReplicaSet's, a pod without owner on its own - each
        batch scheduled before the next arrives, as when workloads are created one after
        another (the Priority Matters paper's runner creates its ReplicaSets so); pods that
        found no node are retried only when a preemption deletes pods, as the scheduler's
        unschedulable queue does.

    Returns
    -------
    Plan

    Raises
    ------
    InvalidInstanceError
        Unknown method, fallback or scoring option, negative time limit; an option set away
        from its default that ``method`` does not read (``size`` for ``kube``, ``strategy``
        for ``ffd``, ``disruption`` without CP), as it would change nothing.
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
    cluster = require_cluster(cluster)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 0 <= workers <= 1024:
        raise InvalidInstanceError(f"workers: expected an integer in 0..1024, got {workers!r}", field="workers")
    repack = bool_arg(repack, "repack")
    for name, value in (("size", size), ("weights", weights)):
        if not isinstance(value, str):
            raise InvalidInstanceError(f"{name}: expected a name, got {value!r}", field=name)
    if not isinstance(method, str) or method not in METHOD_NAMES:
        raise InvalidInstanceError(
            f"method: unknown {method!r}; expected one of {', '.join(METHOD_NAMES)}", field="method"
        )
    if not (
        fallback is None or isinstance(fallback, bool) or (isinstance(fallback, str) and fallback in ("cp", "always"))
    ):
        raise InvalidInstanceError(
            f"fallback: expected None, True, 'cp' or 'always', got {fallback!r}", field="fallback"
        )
    if isinstance(time_limit, bool) or not (isinstance(time_limit, (int, float)) and time_limit >= 0):  # NaN fails too
        raise InvalidInstanceError(f"time_limit: must be >= 0, got {time_limit!r}", field="time_limit")
    if arrival not in ARRIVALS:
        raise InvalidInstanceError(f"arrival: expected one of {', '.join(ARRIVALS)}, got {arrival!r}", field="arrival")
    if arrival != "together" and method not in _KUBE_PREEMPTION:
        raise InvalidInstanceError(f"arrival: {arrival!r} applies to the kube methods, not {method!r}", field="arrival")
    _refuse_unread(method, fallback, locals())  # place's arguments, as checked so far
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
    kube = kube_options(
        cluster,
        seed=seed,
        strategy=strategy,
        shape=shape,
        resource_weights=resource_weights,
        fit_weight=fit_weight,
        balanced_weight=balanced_weight,
        plugin_weights=plugin_weights,
        percentage_of_nodes_to_score=percentage_of_nodes_to_score,
        hard_pod_affinity_weight=hard_pod_affinity_weight,
        sample_nodes=sample_nodes,
        requeue_victims=requeue_victims,
    )
    if arrival == "by-owner":
        kube["arrival"] = _arrival_batches(cluster)
    a, pre, events = _heuristic(cluster, method, kube=kube, size=size, weights=weights, repack=repack)
    run_cp = fallback == "always" or (fallback in (True, "cp") and bool(np.any(a < 0)))
    if not run_cp:
        return Plan(cluster, method, readonly(a), preemptions=pre, elapsed=time.perf_counter() - t0, events=events)
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
        # The heuristic's order still explains a plan identical to its own (CP found nothing
        # better, or no solution within the budget and returned its hint).
        events=events if np.array_equal(final, a) else None,
    )


def _pod_index(cluster: Cluster, pod: Any) -> int:
    if isinstance(pod, str):
        hits = [i for i, name in enumerate(cluster.pod_names) if name == pod]
        if not hits:
            raise InvalidInstanceError(f"pod: no pod named {pod!r}", field="pod")
        if len(hits) > 1:
            raise InvalidInstanceError(f"pod: {len(hits)} pods are named {pod!r}; give the index", field="pod")
        return hits[0]
    if isinstance(pod, bool) or not isinstance(pod, (int, np.integer)) or not 0 <= int(pod) < cluster.num_pods:
        raise InvalidInstanceError(
            f"pod: expected a name or an index in 0..{cluster.num_pods - 1}, got {pod!r}", field="pod"
        )
    return int(pod)


def explain(cluster: Cluster, pod: Any, *, plan: Plan | None = None, score_all: bool = False, **options: Any) -> Any:
    """Why a pod goes where it goes: every node's filter outcome and every plugin's score.

    The pod is evaluated against ``plan``'s placement (default: the cluster as it runs) with
    the pod itself taken out, by the same Rust filters and scores the ``kube`` simulation
    uses.

    Parameters
    ----------
    cluster : Cluster
    pod : int or str
        Index or (unique) name.
    plan : Plan, optional
        The placement the others are in.
    score_all : bool
        Score every node, also those a filter rejects (each Score plugin alone, as Kubernetes'
        plugin tests call them); by default only nodes that pass are scored.
    **options
        Scoring options as :func:`place` takes them (``strategy``, ``resource_weights``,
        ``plugin_weights``, ...).

    Returns
    -------
    pyarrow.Table
        One row per node: ``node``, ``name``, ``feasible``, ``filter`` (the failing plugin, or
        null), ``reason`` (Kubernetes' text), then per score plugin ``<Plugin>.raw`` and
        ``<Plugin>.score`` (normalised 0..100 over the scored nodes; 0 on the others), and ``total`` (Σ weight
        × score), ``weights`` in the schema metadata.

    Examples
    --------
    >>> c = Cluster([2000, 2000], [4 << 30, 4 << 30], [500], [1 << 30], [0],
    ...             node_taints=[[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}], []])
    >>> t = explain(c, 0)
    >>> t.column("reason").to_pylist()
    ['node(s) had untolerated taint {gpu: yes}', '']
    >>> t.column("total").to_pylist()[1] > 0
    True
    """
    import pyarrow as pa  # a dependency, imported on first use: it is slow to import

    cluster = require_cluster(cluster)
    score_all = bool_arg(score_all, "score_all")
    i = _pod_index(cluster, pod)
    opts = kube_options(cluster, **options)
    a = cluster.pod_node if plan is None else np.ascontiguousarray(plan.assignment, dtype=np.int64)
    plugin, reason, raw, norm, total = _core.packing_explain(cluster._core, a, i, opts, score_all)
    filters = list(_core.PACKING_FILTER_PLUGINS)
    cols: dict[str, Any] = {
        "node": pa.array(np.arange(cluster.num_nodes, dtype=np.int64)),
        "name": pa.array(cluster.node_names, pa.string()),
        "feasible": pa.array([p < 0 for p in plugin]),
        "filter": pa.array([None if p < 0 else filters[p] for p in plugin], pa.string()),
        "reason": pa.array(reason, pa.string()),
    }
    for k, name in enumerate(SCORE_PLUGINS):
        cols[f"{name}.raw"] = pa.array(np.asarray(raw)[:, k])
        cols[f"{name}.score"] = pa.array(np.asarray(norm)[:, k])
    cols["total"] = pa.array(np.asarray(total))
    meta = {
        "pod": cluster.pod_names[i],
        "weights": ",".join(f"{p}={w}" for p, w in zip(SCORE_PLUGINS, opts["weights"])),
    }
    return pa.table(cols).replace_schema_metadata(meta)


#: place's defaults, to tell an option given from one left alone.
_PLACE_DEFAULTS = {name: p.default for name, p in inspect.signature(place).parameters.items()}

#: Every method by name: ``METHODS[name](cluster, **options)`` is ``place(cluster, method=name, ...)``.
METHODS: dict[str, Callable[..., Plan]] = {name: functools.partial(place, method=name) for name in METHOD_NAMES}
