"""The options of the kube-scheduler simulation, checked once: the dict the Rust core takes
for ``place``, ``explain`` and the pending messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from schedkit import _core
from schedkit._arrays import I64_MAX, bool_arg, int_arg, int_vector
from schedkit.exceptions import InvalidInstanceError

if TYPE_CHECKING:
    from schedkit.packing._model import Cluster


#: Score plugins of the default profile (the core's order) with their default weights.
SCORE_PLUGINS: tuple[str, ...] = tuple(_core.PACKING_SCORE_PLUGINS)
DEFAULT_PLUGIN_WEIGHTS = dict(zip(SCORE_PLUGINS, (3, 2, 1, 2, 2, 1)))


def _weight(value: Any, field: str) -> int:
    # the core takes i64; its own checks name the Kubernetes field for values out of range
    return int_arg(value, field, minimum=-I64_MAX - 1)


def _shape(shape: Any) -> list[tuple[int, int]] | None:
    """``shape`` as (utilisation, score) integer pairs, or None."""
    if shape is None:
        return None
    try:
        points = [tuple(p) for p in shape]
    except TypeError:
        raise InvalidInstanceError(
            f"shape: expected (utilisation, score) pairs, got {shape!r}", field="shape"
        ) from None
    for k, p in enumerate(points):
        if len(p) != 2:
            raise InvalidInstanceError(
                f"shape[{k}]: expected a (utilisation, score) pair, got {p!r}", field="shape", index=k
            )
    return [(_weight(u, f"shape[{k}][0]"), _weight(v, f"shape[{k}][1]")) for k, (u, v) in enumerate(points)]


def require_cluster(value: Any, field_name: str = "cluster") -> Cluster:
    """``value`` if it is a :class:`~schedkit.packing.Cluster` (it holds the core's cluster),
    else InvalidInstanceError naming ``field_name``."""
    if not isinstance(getattr(value, "_core", None), _core.PackingCluster):
        raise InvalidInstanceError(
            f"{field_name}: expected a schedkit.packing.Cluster, got {type(value).__name__}", field=field_name
        )
    return cast("Cluster", value)


def kube_options(
    cluster: Cluster,
    *,
    preemption: bool = True,
    seed: int | None = None,
    strategy: str = "least",
    shape: Any = None,
    resource_weights: Any = (1, 1),
    fit_weight: int = 1,
    balanced_weight: int = 1,
    plugin_weights: dict[str, int] | None = None,
    percentage_of_nodes_to_score: int = 0,
    hard_pod_affinity_weight: int = 1,
    sample_nodes: bool = True,
    requeue_victims: bool = True,
) -> dict[str, Any]:
    """The options dict of the core's simulation, checked where the core cannot name the
    Python argument (its own checks name the Kubernetes field)."""
    if not isinstance(strategy, str):
        raise InvalidInstanceError(f"strategy: expected a name, got {strategy!r}", field="strategy")
    if plugin_weights is not None and not isinstance(plugin_weights, Mapping):
        raise InvalidInstanceError(
            f"plugin_weights: expected a dict plugin -> weight, got {plugin_weights!r}", field="plugin_weights"
        )
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**64:
            raise InvalidInstanceError(f"seed: expected None or an integer in 0..2**64-1, got {seed!r}", field="seed")
        seed = int(seed)
    names = ["cpu", "memory", *cluster._extra["res_names"]]
    if isinstance(resource_weights, dict):
        fit = []
        for name, w in resource_weights.items():
            if name not in names:
                raise InvalidInstanceError(
                    f"resource_weights: unknown resource {name!r}; the cluster has {', '.join(names)}",
                    field="resource_weights",
                )
            fit.append((names.index(name), _weight(w, f"resource_weights[{name!r}]")))
    else:
        try:
            rw = list(resource_weights)
        except TypeError:
            raise InvalidInstanceError(
                f"resource_weights: expected (cpu, memory) or a dict name -> weight, got {resource_weights!r}",
                field="resource_weights",
            ) from None
        if len(rw) != 2:
            raise InvalidInstanceError(
                f"resource_weights: expected 2 weights (cpu, memory), got {len(rw)}; name other resources in a dict",
                field="resource_weights",
            )
        fit = [(k, _weight(w, f"resource_weights[{k}]")) for k, w in enumerate(rw)]
    weights = dict(DEFAULT_PLUGIN_WEIGHTS)
    weights["NodeResourcesFit"] = _weight(fit_weight, "fit_weight")
    weights["NodeResourcesBalancedAllocation"] = _weight(balanced_weight, "balanced_weight")
    for name, w in (plugin_weights or {}).items():
        if name not in weights:
            raise InvalidInstanceError(
                f"plugin_weights: unknown score plugin {name!r}; expected one of {', '.join(SCORE_PLUGINS)}",
                field="plugin_weights",
            )
        weights[name] = _weight(w, f"plugin_weights[{name!r}]")
    return {
        "strategy": strategy,
        "shape": _shape(shape),
        "fit_resources": fit,
        "weights": [weights[p] for p in SCORE_PLUGINS],
        "hard_pod_affinity_weight": _weight(hard_pod_affinity_weight, "hard_pod_affinity_weight"),
        "pct_nodes_to_score": _weight(percentage_of_nodes_to_score, "percentage_of_nodes_to_score"),
        "preemption": bool_arg(preemption, "preemption"),
        "seed": seed,
        "node_rank": cluster.node_rank.tolist(),
        "sample_nodes": bool_arg(sample_nodes, "sample_nodes"),
        "requeue_victims": bool_arg(requeue_victims, "requeue_victims"),
        "protected": [bool(v) for v in cluster.protected],
    }


def pending_messages(cluster: Cluster, assignment: Any) -> list[str]:
    """Kubernetes' FitError message for each pod ``assignment`` leaves pending ("" for placed
    pods): ``0/N nodes are available: <count> <reason>, ...`` with the reasons of every node's
    first failing filter, sorted as strings, as the scheduler prints them.

    Examples
    --------
    >>> from schedkit.packing import Cluster
    >>> c = Cluster([1000, 1000], [1 << 30, 1 << 30], [1500], [1 << 20], [0])
    >>> pending_messages(c, [-1])
    ['0/2 nodes are available: 2 Insufficient cpu.']
    """
    cluster = require_cluster(cluster)
    a = int_vector(assignment, "assignment", cluster.num_pods)
    return list(_core.packing_pending_messages(cluster._core, a, kube_options(cluster)))
