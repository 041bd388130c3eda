"""Priority-aware pod packing onto Kubernetes nodes.

A :class:`Cluster` holds nodes (allocatable cpu in millicores, memory in bytes, a pod limit)
and pods (requests, priority, higher = more important, and a current node or -1 pending).
:func:`place` computes a :class:`Plan` with one of :data:`METHODS`:

* ``kube`` / ``kube-nopreempt``: the default kube-scheduler simulated pod by pod (Rust):
  PrioritySort queue, NodeResourcesFit filter, LeastAllocated (default), MostAllocated or
  RequestedToCapacityRatio scoring plus BalancedAllocation with Kubernetes' integer arithmetic,
  ties broken by node name (``seed=None``, like the paper's ``MyDeterministicScore``) or at
  random with a seed (the real ``selectHost``), and DefaultPreemption (single-node victims,
  ``pickOneNodeForPreemption``). Simplifications: PodTopologySpread, affinities, taints and
  PDBs are not modelled; a preemptor binds at once to its nominated node; victims are
  recreated (ReplicaSet pods) and queued again; failed pods are retried after a preemption.
* ``ffd``, ``bfd``, ``first-fit``, ``best-fit``, ``worst-fit``, ``tetris`` (item-centric) and
  ``dot``, ``l2`` (bin-centric): vector bin-packing heuristics (Rust), tier by tier from the
  highest priority; running pods stay unless ``repack=True``.
* ``cp``: the lexicographic CP-SAT model of "Priority Matters" (OR-Tools, ``schedkit[cp]``).

``fallback="cp"`` (or ``True``) runs the CP model when the chosen method leaves a pod pending,
the paper's PostFilter plug-in behaviour; ``fallback="always"`` runs it regardless. The CP plan
is kept only when it is lexicographically at least as good (placed pods per priority, highest
first); the plan records per-tier proven optimality and the comparison.

Examples
--------
>>> import schedkit as sk
>>> c = sk.packing.Cluster([2000, 2000], [4 << 30, 4 << 30], [1500, 1500, 1000],
...                        [1 << 30, 1 << 30, 1 << 30], [1, 1, 2])
>>> plan = sk.packing.place(c, method="kube")
>>> plan.assignment.tolist(), plan.placed_by_priority
([1, -1, 0], {2: 1, 1: 1})
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import readonly
from schedkit._packing_k8s import (
    cpu_millis,
    format_quantity,
    int_value,
    parse_quantity,
    read_manifests,
)
from schedkit.exceptions import InvalidInstanceError, ValidationError

__all__ = [
    "Cluster",
    "Plan",
    "place",
    "METHODS",
    "parse_quantity",
    "cpu_millis",
    "int_value",
    "format_quantity",
    "compare_lex",
    "generate",
    "run_experiment",
    "vm_reschedule",
    "VMPlan",
    "PAPER_FIGURES",
]

#: Method names accepted by :func:`place` and ``schedkit pack --method``.
METHOD_NAMES = ["kube", "kube-nopreempt", *_core.PACKING_HEURISTICS, "cp"]


def _int_vector(values: Any, field_name: str, length: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field_name}: not an array of numbers ({exc})", field=field_name) from None
    if arr.ndim != 1:
        raise InvalidInstanceError(f"{field_name}: expected a 1-D array, got shape {arr.shape}", field=field_name)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInstanceError(
                f"{field_name}[{i}]: {float(arr[i])!r} is not an integer", field=field_name, index=i
            )
        if arr.size and np.abs(arr).max() > 2.0**62:
            i = int(np.argmax(np.abs(arr)))
            raise InvalidInstanceError(f"{field_name}[{i}]: out of range", field=field_name, index=i)
    elif arr.dtype.kind not in "iu":
        raise InvalidInstanceError(f"{field_name}: expected integers, got dtype {arr.dtype}", field=field_name)
    elif arr.dtype.kind == "u" and arr.size and arr.max() > 2**62:
        i = int(np.argmax(arr))
        raise InvalidInstanceError(f"{field_name}[{i}]: out of range", field=field_name, index=i)
    if length is not None and arr.shape[0] != length:
        raise InvalidInstanceError(f"{field_name}: length {arr.shape[0]}, expected {length}", field=field_name)
    return readonly(np.ascontiguousarray(arr, dtype=np.int64))


class Cluster:
    """Nodes and pods, validated once.

    Parameters
    ----------
    node_cpu, node_mem : array_like of int, shape (N,)
        Allocatable cpu (millicores) and memory (bytes), >= 0 and integral.
    pod_cpu, pod_mem : array_like of int, shape (M,)
        Requests, >= 0 and integral.
    pod_priority : array_like of int, shape (M,)
        Priority; higher is more important (as ``PriorityClass.value``).
    pod_node : array_like of int, shape (M,), optional
        Current node of each pod or -1 (pending); default all pending. Running pods must fit.
    node_pods : array_like of int, optional
        Pod limit per node (``allocatable.pods``); default 110.
    protected : array_like of bool, optional
        Running pods that may not be moved or evicted.
    node_names, pod_names : sequence of str, optional

    Raises
    ------
    InvalidInstanceError
        Naming the field and index at fault.
    """

    def __init__(
        self,
        node_cpu: Any,
        node_mem: Any,
        pod_cpu: Any,
        pod_mem: Any,
        pod_priority: Any,
        pod_node: Any = None,
        *,
        node_pods: Any = None,
        protected: Any = None,
        node_names: Sequence[str] | None = None,
        pod_names: Sequence[str] | None = None,
    ) -> None:
        self.node_cpu = _int_vector(node_cpu, "node_cpu")
        n = self.node_cpu.shape[0]
        self.node_mem = _int_vector(node_mem, "node_mem", n)
        self.pod_cpu = _int_vector(pod_cpu, "pod_cpu")
        m = self.pod_cpu.shape[0]
        self.pod_mem = _int_vector(pod_mem, "pod_mem", m)
        self.pod_priority = _int_vector(pod_priority, "pod_priority", m)
        self.pod_node = _int_vector(np.full(m, -1) if pod_node is None else pod_node, "pod_node", m)
        self.node_pods = _int_vector(np.full(n, 110) if node_pods is None else node_pods, "node_pods", n)
        if protected is None:
            prot = np.zeros(m, dtype=bool)
        else:
            prot = np.asarray(protected)
            if prot.size == 0:
                prot = prot.astype(bool)
            if prot.shape != (m,) or prot.dtype.kind not in "bui":
                raise InvalidInstanceError(f"protected: expected {m} booleans", field="protected")
            prot = prot.astype(bool)
        self.protected = readonly(prot & (self.pod_node >= 0))
        self.node_names = list(node_names) if node_names is not None else [f"node-{j}" for j in range(n)]
        self.pod_names = list(pod_names) if pod_names is not None else [f"pod-{i}" for i in range(m)]
        if len(self.node_names) != n:
            raise InvalidInstanceError(f"node_names: length {len(self.node_names)}, expected {n}", field="node_names")
        if len(self.pod_names) != m:
            raise InvalidInstanceError(f"pod_names: length {len(self.pod_names)}, expected {m}", field="pod_names")
        self._core = _core.PackingCluster(
            self.node_cpu, self.node_mem, self.node_pods, self.pod_cpu, self.pod_mem, self.pod_priority, self.pod_node
        )
        order = sorted(range(n), key=lambda j: self.node_names[j])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        self.node_rank = readonly(rank)

    @classmethod
    def from_manifests(cls, path: Any) -> Cluster:
        """Nodes and pods from Kubernetes manifests (a YAML or JSON file, or parsed objects).

        Understood: ``Node`` (``status.allocatable`` cpu, memory, pods), ``Pod`` (container
        requests: max(Σ containers, largest init container) + overhead; ``spec.priority`` or a
        ``priorityClassName`` resolved through ``PriorityClass`` objects; ``spec.nodeName`` =
        running), ``ReplicaSet``/``Deployment`` (``spec.replicas`` pending pods of the
        template), and ``List`` objects. Nodes are ordered by name. YAML needs PyYAML
        (``pip install 'schedkit[k8s]'``); JSON needs nothing.
        """
        d = read_manifests(path if not isinstance(path, (str, Path)) else Path(path))
        return cls(
            d["node_cpu"],
            d["node_mem"],
            d["pod_cpu"],
            d["pod_mem"],
            d["pod_priority"],
            d["pod_node"],
            node_pods=d["node_pods"],
            node_names=d["node_names"],
            pod_names=d["pod_names"],
        )

    @property
    def num_nodes(self) -> int:
        return int(self.node_cpu.shape[0])

    @property
    def num_pods(self) -> int:
        return int(self.pod_cpu.shape[0])

    @property
    def tiers(self) -> list[int]:
        """Distinct priorities, highest first."""
        return sorted({int(p) for p in self.pod_priority}, reverse=True)

    def placed_by_priority(self, assignment: np.ndarray) -> dict[int, int]:
        """Placed pods per priority (highest first) under ``assignment``."""
        a = np.asarray(assignment)
        return {p: int(np.sum((self.pod_priority == p) & (a >= 0))) for p in self.tiers}

    def __repr__(self) -> str:
        return f"Cluster(nodes={self.num_nodes}, pods={self.num_pods}, pending={int(np.sum(self.pod_node < 0))})"


def compare_lex(a: dict[int, int], b: dict[int, int]) -> int:
    """+1 if ``a`` places lexicographically more pods (highest priority first), -1 if fewer, 0 if equal."""
    keys = sorted(set(a) | set(b), reverse=True)
    for k in keys:
        if a.get(k, 0) != b.get(k, 0):
            return 1 if a.get(k, 0) > b.get(k, 0) else -1
    return 0


@dataclass(frozen=True)
class Plan:
    """A placement: node per pod (``assignment``, -1 pending) and what it means for each pod.

    ``actions[i]`` is ``"stay"``, ``"move"``, ``"evict"``, ``"place"`` or ``"pending"``.
    ``optimal`` is True when the CP model proved every tier optimal; ``tier_optimal`` maps each
    priority to whether its placement stage was proven; ``vs_heuristic`` is +1/0/-1 (the CP
    plan against the plan it fell back from) or None when no CP model ran.
    """

    cluster: Cluster
    method: str
    assignment: np.ndarray
    optimal: bool = False
    tier_optimal: dict[int, bool] = field(default_factory=dict)
    heuristic_method: str | None = None
    heuristic_placed: dict[int, int] | None = None
    vs_heuristic: int | None = None
    cp_ran: bool = False
    preemptions: list[tuple[int, int, list[int]]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def placed_by_priority(self) -> dict[int, int]:
        return self.cluster.placed_by_priority(self.assignment)

    @property
    def placed(self) -> int:
        return int(np.sum(self.assignment >= 0))

    @property
    def pending(self) -> int:
        return int(np.sum(self.assignment < 0))

    @property
    def actions(self) -> list[str]:
        out = []
        for a, o in zip(self.assignment.tolist(), self.cluster.pod_node.tolist()):
            if o >= 0:
                out.append("stay" if a == o else ("evict" if a < 0 else "move"))
            else:
                out.append("place" if a >= 0 else "pending")
        return out

    @property
    def evictions(self) -> list[int]:
        return [i for i, s in enumerate(self.actions) if s == "evict"]

    @property
    def moves(self) -> list[tuple[int, int, int]]:
        """(pod, from, to) of every running pod that changes node."""
        return [
            (i, int(self.cluster.pod_node[i]), int(self.assignment[i]))
            for i, s in enumerate(self.actions)
            if s == "move"
        ]

    def _usage(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c, a = self.cluster, self.assignment
        on = a >= 0
        cpu = np.bincount(a[on], weights=c.pod_cpu[on], minlength=c.num_nodes)
        mem = np.bincount(a[on], weights=c.pod_mem[on], minlength=c.num_nodes)
        cnt = np.bincount(a[on], minlength=c.num_nodes)
        return cpu, mem, cnt

    @property
    def node_utilisation(self) -> tuple[np.ndarray, np.ndarray]:
        """Requested share of allocatable cpu and memory per node (0 for an empty-capacity node)."""
        cpu, mem, _ = self._usage()
        c = self.cluster
        with np.errstate(divide="ignore", invalid="ignore"):
            return (
                np.where(c.node_cpu > 0, cpu / np.maximum(c.node_cpu, 1), 0.0),
                np.where(c.node_mem > 0, mem / np.maximum(c.node_mem, 1), 0.0),
            )

    @property
    def utilisation(self) -> tuple[float, float]:
        """Cluster-wide requested share of cpu and memory."""
        cpu, mem, _ = self._usage()
        c = self.cluster
        return (float(cpu.sum() / max(1, c.node_cpu.sum())), float(mem.sum() / max(1, c.node_mem.sum())))

    def fragment_rate(self, probe_cpu: int | None = None) -> float:
        """Share of free cpu that cannot host a ``probe_cpu`` pod (default: the mean pod cpu request)."""
        if probe_cpu is None:
            probe_cpu = max(1, round(float(self.cluster.pod_cpu.mean()))) if self.cluster.num_pods else 1
        return float(_core.packing_fragment_rate(self.cluster._core, self.assignment, int(probe_cpu)))

    def summary(self) -> dict[str, Any]:
        u = self.utilisation
        return {
            "method": self.method,
            "pods": self.cluster.num_pods,
            "nodes": self.cluster.num_nodes,
            "placed": self.placed,
            "pending": self.pending,
            "placed_by_priority": {str(k): v for k, v in self.placed_by_priority.items()},
            "evictions": len(self.evictions),
            "moves": len(self.moves),
            "cpu_utilisation": u[0],
            "mem_utilisation": u[1],
            "fragment_rate": self.fragment_rate(),
            "optimal": self.optimal,
            "cp_ran": self.cp_ran,
            "tier_optimal": {str(k): v for k, v in self.tier_optimal.items()},
            "heuristic": self.heuristic_method,
            "vs_heuristic": self.vs_heuristic,
            "seconds": self.elapsed,
        }

    def validate(self) -> Plan:
        """Independent check: every pod has exactly one valid node or -1, no node's cpu, memory or
        pod limit is exceeded, and protected pods stay where they run. Raises ValidationError."""
        c, a = self.cluster, np.asarray(self.assignment)
        if a.shape != (c.num_pods,):
            raise ValidationError(f"assignment has shape {a.shape}, expected ({c.num_pods},)")
        if np.any((a < -1) | (a >= c.num_nodes)):
            raise ValidationError(f"pod {int(np.argmax((a < -1) | (a >= c.num_nodes)))} has an invalid node")
        cpu = np.zeros(c.num_nodes, dtype=object)
        mem = np.zeros(c.num_nodes, dtype=object)
        cnt = np.zeros(c.num_nodes, dtype=np.int64)
        for i, j in enumerate(a.tolist()):
            if j >= 0:
                cpu[j] += int(c.pod_cpu[i])
                mem[j] += int(c.pod_mem[i])
                cnt[j] += 1
        for j in range(c.num_nodes):
            if cpu[j] > int(c.node_cpu[j]) or mem[j] > int(c.node_mem[j]) or cnt[j] > int(c.node_pods[j]):
                raise ValidationError(
                    f"node {c.node_names[j]} over capacity: cpu {cpu[j]}/{c.node_cpu[j]}, "
                    f"memory {mem[j]}/{c.node_mem[j]}, pods {cnt[j]}/{c.node_pods[j]}"
                )
        moved = c.protected & (a != c.pod_node)
        if moved.any():
            raise ValidationError(f"protected pod {c.pod_names[int(np.argmax(moved))]} was moved or evicted")
        return self

    def to_arrow(self) -> Any:
        """One row per pod: pod, name, priority, cpu, memory, from_node, node, action."""
        import pyarrow as pa

        c = self.cluster
        return pa.table(
            {
                "pod": pa.array(np.arange(c.num_pods, dtype=np.int64)),
                "name": pa.array(c.pod_names, pa.string()),
                "priority": pa.array(c.pod_priority),
                "cpu": pa.array(c.pod_cpu),
                "memory": pa.array(c.pod_mem),
                "from_node": pa.array(c.pod_node),
                "node": pa.array(np.asarray(self.assignment, dtype=np.int64)),
                "action": pa.array(self.actions, pa.string()),
            }
        )

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of per-node cpu and memory fill. Needs matplotlib (``schedkit[plot]``)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            from schedkit.exceptions import SolverUnavailableError

            raise SolverUnavailableError("Plan.plot needs matplotlib: pip install 'schedkit[plot]'") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(max(4, 0.4 * self.cluster.num_nodes + 2), 3))
        cpu, mem = self.node_utilisation
        x = np.arange(self.cluster.num_nodes)
        ax.bar(x - 0.2, cpu, 0.4, label="cpu")
        ax.bar(x + 0.2, mem, 0.4, label="memory")
        ax.set_xticks(x, self.cluster.node_names, rotation=90, fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("requested / allocatable")
        ax.set_title(f"{self.method}: {self.placed}/{self.cluster.num_pods} pods placed")
        ax.legend()
        return ax


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
) -> tuple[np.ndarray, list]:
    if method in ("kube", "kube-nopreempt"):
        a, pre = _core.packing_kube(
            cluster._core,
            strategy=strategy,
            shape=shape,
            resource_weights=tuple(resource_weights),
            fit_weight=fit_weight,
            balanced_weight=balanced_weight,
            preemption=(method == "kube"),
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
    method: str = "kube",
    fallback: Any = None,
    time_limit: float = 1.0,
    *,
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
    method : str
        One of :data:`METHOD_NAMES`.
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
    cp_kwargs = dict(
        disruption=tuple(disruption),
        guaranteed_fraction=guaranteed_fraction,
        move_fraction=move_fraction,
        workers=workers,
    )
    if method == "cp":
        from schedkit._packing_cp import solve_lexicographic

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
    from schedkit._packing_cp import solve_lexicographic

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


#: Every method by name: ``METHODS[name](cluster, **options)`` is ``place(cluster, name, ...)``.
METHODS: dict[str, Callable[..., Plan]] = {name: functools.partial(place, method=name) for name in METHOD_NAMES}


# --------------------------------------------------------------------------- VM rescheduling


@dataclass(frozen=True)
class VMPlan:
    """A rescheduling: the new assignment, the moves (pod, from, to), fragment rates before/after."""

    cluster: Cluster
    method: str
    assignment: np.ndarray
    moves: list[tuple[int, int, int]]
    fragment_rate_before: float
    fragment_rate_after: float
    optimal: bool = False


def vm_reschedule(
    cluster: Cluster, k: int, *, probe_cpu: int = 16, method: str = "greedy", time_limit: float = 1.0, workers: int = 0
) -> VMPlan:
    """Up to ``k`` migrations of running pods/VMs minimising the fragment rate
    FR = Σ_nodes (free cpu mod probe_cpu) / Σ free cpu (VMR2L's objective; probe 16 vCPU).

    ``method="greedy"`` is the VMR2L repository's baseline (move the VM whose move cuts the most
    fragments, VMs of at most ``probe_cpu`` only); ``"cp"`` is a CP-SAT model with a time limit,
    warm-started from the greedy plan. Protected pods never move; pending pods are ignored.
    """
    if k < 0:
        raise InvalidInstanceError("k: must be >= 0", field="k")
    if probe_cpu <= 0:
        raise InvalidInstanceError("probe_cpu: must be > 0", field="probe_cpu")
    if method not in ("greedy", "cp"):
        raise InvalidInstanceError(f"method: expected 'greedy' or 'cp', got {method!r}", field="method")
    before = float(_core.packing_fragment_rate(cluster._core, cluster.pod_node, probe_cpu))
    a, _ = _core.packing_vmr_greedy(cluster._core, probe_cpu, k, [bool(x) for x in cluster.protected])
    a = np.asarray(a, dtype=np.int64)
    optimal = False
    if method == "cp":
        from schedkit._packing_cp import vm_reschedule_cp

        b, optimal = vm_reschedule_cp(cluster, probe_cpu, k, time_limit, a, workers)
        if _core.packing_fragment_rate(cluster._core, b, probe_cpu) <= _core.packing_fragment_rate(
            cluster._core, a, probe_cpu
        ):
            a = b
    moves = [
        (i, int(cluster.pod_node[i]), int(a[i]))
        for i in range(cluster.num_pods)
        if cluster.pod_node[i] >= 0 and a[i] != cluster.pod_node[i]
    ]
    after = float(_core.packing_fragment_rate(cluster._core, a, probe_cpu))
    return VMPlan(cluster, method, readonly(a), moves, before, after, optimal)


from schedkit._packing_gen import PAPER_FIGURES, generate, run_experiment  # noqa: E402
