"""The instance and result types of pod packing: :class:`Cluster`, :class:`Plan`, :class:`VMPlan`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import schedkit.packing._k8s as _k8s
from schedkit import _core
from schedkit._arrays import int_arg, int_vector, readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._compile import compile_constraints
from schedkit.packing._io import MAX_PODS, read_manifests
from schedkit.packing._options import pending_messages
from schedkit.packing._plot import plot_utilisation
from schedkit.packing._validate import check_assignment, check_rules


def _per(values: Sequence[Any] | None, length: int, field_name: str) -> list[Any] | None:
    if values is None:
        return None
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise InvalidInstanceError(f"{field_name}: expected a sequence of {length} entries", field=field_name)
    values = list(values)
    if len(values) != length:
        raise InvalidInstanceError(f"{field_name}: length {len(values)}, expected {length}", field=field_name)
    return values


def _rules(
    n: int,
    m: int,
    node_names: list[str],
    pod_names: list[str],
    pod_node: np.ndarray,
    pod_cpu: np.ndarray,
    pod_mem: np.ndarray,
    **kw: Any,
) -> dict[str, Any]:
    """Parses and checks the scheduling rules of :class:`Cluster`; ``cons`` is the compiled
    dict for the core (None when the cluster has no rule beyond cpu and memory)."""
    ignored = _k8s.Ignored()
    labels_in = _per(kw["node_labels"], n, "node_labels") or [{} for _ in range(n)]
    node_labels = []
    for j, lab in enumerate(labels_in):
        d = _k8s.labels_of(lab, f"node_labels[{j}]")
        d.setdefault(_k8s.HOSTNAME, node_names[j])
        node_labels.append(d)
    taints_in = _per(kw["node_taints"], n, "node_taints") or [() for _ in range(n)]
    node_taints = [
        t
        if isinstance(t, tuple) and all(isinstance(x, _k8s.Taint) for x in t)
        else _k8s.parse_taints(t, f"node_taints[{j}]")
        for j, t in enumerate(taints_in)
    ]
    unsched_in = _per(kw["node_unschedulable"], n, "node_unschedulable") or [False] * n
    for j, u in enumerate(unsched_in):
        if not isinstance(u, (bool, np.bool_)):
            raise InvalidInstanceError(
                f"node_unschedulable[{j}]: expected a bool, got {u!r}", field="node_unschedulable", index=j
            )
    node_unsched = [bool(u) for u in unsched_in]
    pod_labels = [
        _k8s.labels_of(lab, f"pod_labels[{i}]")
        for i, lab in enumerate(_per(kw["pod_labels"], m, "pod_labels") or [{}] * m)
    ]
    pod_ns = [
        _k8s.as_str(x, f"pod_namespaces[{i}]")
        for i, x in enumerate(_per(kw["pod_namespaces"], m, "pod_namespaces") or ["default"] * m)
    ]
    specs = _per(kw["pod_specs"], m, "pod_specs") or [None] * m
    pod_rules = [
        s
        if isinstance(s, _k8s.PodRules)
        else _k8s.parse_pod_rules(s, f"pod_specs[{i}]", labels=pod_labels[i], namespace=pod_ns[i], ignored=ignored)
        for i, s in enumerate(specs)
    ]
    if ignored.items:
        raise InvalidInstanceError(
            "pod_specs: fields that change scheduling are not modelled: " + ignored.summary(), field="pod_specs"
        )
    owner_in = _per(kw["pod_owner"], m, "pod_owner") or [None] * m
    pod_owner = [None if o is None else _k8s.as_str(o, f"pod_owner[{i}]") for i, o in enumerate(owner_in)]
    budgets = [
        b
        if isinstance(b, _k8s.Budget)
        else _k8s.parse_budget(_k8s.as_dict(b, f"budgets[{k}]"), f"budgets[{k}]", ignored)
        for k, b in enumerate(list(kw["budgets"] or []))
    ]
    if ignored.items:
        raise InvalidInstanceError("budgets: fields not modelled: " + ignored.summary(), field="budgets")
    resources = kw["resources"] or {}
    if not isinstance(resources, dict):
        raise InvalidInstanceError(
            "resources: expected a dict name -> (node allocatable, pod requests)", field="resources"
        )
    res_names = sorted(resources)
    node_res = np.zeros((n, len(res_names)), dtype=np.int64)
    pod_res = np.zeros((m, len(res_names)), dtype=np.int64)
    for r, name in enumerate(res_names):
        if not isinstance(name, str) or name in ("cpu", "memory", "pods"):
            raise InvalidInstanceError(f"resources: {name!r} is not an extra resource name", field="resources")
        pair = resources[name]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidInstanceError(
                f"resources[{name!r}]: expected (node allocatable, pod requests)", field="resources"
            )
        node_res[:, r] = int_vector(pair[0], f"resources[{name!r}][0]", n)
        pod_res[:, r] = int_vector(pair[1], f"resources[{name!r}][1]", m)
    cpu_score = int_vector(
        np.where(pod_cpu == 0, 100, pod_cpu) if kw["pod_cpu_score"] is None else kw["pod_cpu_score"], "pod_cpu_score", m
    )
    mem_score = int_vector(
        np.where(pod_mem == 0, 200 << 20, pod_mem) if kw["pod_mem_score"] is None else kw["pod_mem_score"],
        "pod_mem_score",
        m,
    )
    for name, v in (("pod_cpu_score", cpu_score), ("pod_mem_score", mem_score)):
        if kw[name] is not None and v.size and v.min() < 0:
            i = int(np.argmin(v))
            raise InvalidInstanceError(f"{name}[{i}]: must be >= 0", field=name, index=i)
    start = _start_times(kw["pod_start_time"], m)
    plain = (
        start is None
        and all(r == _k8s.PodRules() for r in pod_rules)
        and not any(pod_owner)
        and not budgets
        and not res_names
        and not any(node_taints)
        and not any(node_unsched)
    )
    cons = None
    if not plain or kw["pod_cpu_score"] is not None or kw["pod_mem_score"] is not None:
        cons = compile_constraints(
            node_names=node_names,
            node_labels=node_labels,
            node_taints=node_taints,
            node_unschedulable=node_unsched,
            pod_names=pod_names,
            pod_labels=pod_labels,
            pod_namespaces=pod_ns,
            pod_rules=pod_rules,
            pod_owner=pod_owner,
            pod_node=pod_node.tolist(),
            budgets=budgets,
            res_names=res_names,
            node_res=node_res,
            pod_res=pod_res,
            pod_cpu_score=cpu_score,
            pod_mem_score=mem_score,
            pod_start_time=start,
        )
    return {
        "cons": cons,
        "node_labels": node_labels,
        "node_taints": node_taints,
        "node_unschedulable": node_unsched,
        "pod_labels": pod_labels,
        "pod_namespaces": pod_ns,
        "pod_rules": pod_rules,
        "pod_owner": pod_owner,
        "budgets": budgets,
        "res_names": res_names,
        "node_res": readonly(node_res),
        "pod_res": readonly(pod_res),
        "pod_cpu_score": cpu_score,
        "pod_mem_score": mem_score,
        "pod_start_time": start,
    }


def _start_times(v: Any, m: int) -> tuple[float | None, ...] | None:
    """``pod_start_time`` checked: M finite numbers or None; None when not given."""
    if v is None:
        return None
    items = list(v)
    if len(items) != m:
        raise InvalidInstanceError(f"pod_start_time: length {len(items)}, expected {m}", field="pod_start_time")
    out: list[float | None] = []
    for i, t in enumerate(items):
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or not math.isfinite(t)
        ):
            raise InvalidInstanceError(
                f"pod_start_time[{i}]: expected a finite number of seconds or None, got {t!r}",
                field="pod_start_time",
                index=i,
            )
        out.append(None if t is None else float(t))
    return tuple(out)


def _rebuild_cluster(arrays: dict[str, Any]) -> Cluster:
    """Unpickles a :class:`Cluster` through its constructor (the Rust core object does not pickle)."""
    return Cluster(**arrays)


class Cluster:
    """Nodes and pods, validated once (immutable).

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
        Running pods that may not be moved or evicted (ignored for pending pods).
    node_names, pod_names : sequence of str, optional
        Default ``node-<j>`` and ``pod-<i>``. Node names order the deterministic tie-break.
    node_labels : sequence of dict, optional
        Labels per node; ``kubernetes.io/hostname`` defaults to the node name, as the kubelet
        sets it.
    node_taints : sequence of list of dict, optional
        ``spec.taints`` per node (``{"key", "value", "effect"}``).
    node_unschedulable : sequence of bool, optional
        ``spec.unschedulable`` per node (cordoned).
    pod_labels, pod_namespaces : optional
        Labels (dict) and namespace (default ``"default"``) per pod.
    pod_specs : sequence of dict, optional
        The scheduling part of each pod's ``PodSpec`` in Kubernetes' own form: ``nodeSelector``,
        ``affinity``, ``tolerations``, ``topologySpreadConstraints``, ``preemptionPolicy``.
    pod_owner : sequence of str or None, optional
        The ReplicaSet (or StatefulSet) owning each pod: owned pods without spread constraints
        of their own get the cluster-default ones (soft, hostname maxSkew 3, zone maxSkew 5).
    budgets : sequence of dict, optional
        PodDisruptionBudget objects (``metadata``, ``spec.selector``, ``minAvailable`` or
        ``maxUnavailable``, optionally ``status.disruptionsAllowed``).
    resources : dict of str to (node allocatable, pod requests), optional
        Resources beyond cpu and memory (``ephemeral-storage``, ``hugepages-2Mi``,
        ``nvidia.com/gpu``...): integer arrays of length N and M.
    pod_cpu_score, pod_mem_score : array_like of int, optional
        The requests NodeResourcesFit *scores* with: Kubernetes counts 100m cpu / 200 MiB
        memory for each container that has no request (an explicit 0 stays 0). Default: the
        request, or the default where the request is 0 (a pod given by totals is taken to
        declare none). The manifest reader computes them container by container.
    pod_start_time : sequence of float or None, optional
        When each running pod started (seconds, ``status.startTime``; None: unknown, taken as
        the latest, as Kubernetes takes a missing start time as now). Preemption reprieves the
        older of equally important victims first and prefers the node whose highest-priority
        victims started latest. Default: running pods started in their order here.

    Raises
    ------
    InvalidInstanceError
        Naming the field and index at fault.

    Notes
    -----
    The arrays are read-only int64 (``protected`` bool) and the attributes cannot be rebound.
    Two clusters are equal when every array and name is; a cluster pickles and unpickles to an
    equal one.

    Examples
    --------
    >>> c = Cluster([2000, 2000], [4 << 30, 4 << 30], [1500, 500], [1 << 30, 1 << 30], [1, 2], [0, -1])
    >>> c
    Cluster(nodes=2, pods=2, pending=1)
    >>> c.tiers, c.node_names, c.pod_node.tolist()
    ([2, 1], ['node-0', 'node-1'], [0, -1])
    """

    __slots__ = (
        "_core",
        "_extra",
        "node_cpu",
        "node_mem",
        "node_names",
        "node_pods",
        "node_rank",
        "pod_cpu",
        "pod_mem",
        "pod_names",
        "pod_node",
        "pod_priority",
        "protected",
    )

    _core: Any  # the Rust-side copy the placement methods run on
    node_cpu: np.ndarray
    node_mem: np.ndarray
    node_pods: np.ndarray
    node_names: list[str]
    node_rank: np.ndarray
    pod_cpu: np.ndarray
    pod_mem: np.ndarray
    pod_priority: np.ndarray
    pod_node: np.ndarray
    pod_names: list[str]
    protected: np.ndarray
    _extra: dict[str, Any]  # the scheduling rules; see the properties below

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
        node_labels: Sequence[dict[str, str]] | None = None,
        node_taints: Sequence[Any] | None = None,
        node_unschedulable: Sequence[bool] | None = None,
        pod_labels: Sequence[dict[str, str]] | None = None,
        pod_namespaces: Sequence[str] | None = None,
        pod_specs: Sequence[Any] | None = None,
        pod_owner: Sequence[str | None] | None = None,
        budgets: Sequence[Any] | None = None,
        resources: dict[str, tuple[Any, Any]] | None = None,
        pod_cpu_score: Any = None,
        pod_mem_score: Any = None,
        pod_start_time: Any = None,
    ) -> None:
        node_cpu = int_vector(node_cpu, "node_cpu")
        n = node_cpu.shape[0]
        node_mem = int_vector(node_mem, "node_mem", n)
        pod_cpu = int_vector(pod_cpu, "pod_cpu")
        m = pod_cpu.shape[0]
        pod_mem = int_vector(pod_mem, "pod_mem", m)
        pod_priority = int_vector(pod_priority, "pod_priority", m)
        pod_node = int_vector(np.full(m, -1) if pod_node is None else pod_node, "pod_node", m)
        node_pods = int_vector(np.full(n, 110) if node_pods is None else node_pods, "node_pods", n)
        if protected is None:
            prot = np.zeros(m, dtype=bool)
        else:
            try:
                prot = np.asarray(protected)
            except (TypeError, ValueError):  # ragged nesting
                raise InvalidInstanceError(f"protected: expected {m} booleans", field="protected") from None
            if prot.size == 0:
                prot = prot.astype(bool)
            if prot.shape != (m,) or prot.dtype.kind not in "bui":
                raise InvalidInstanceError(f"protected: expected {m} booleans", field="protected")
            prot = prot.astype(bool)
        node_names = list(node_names) if node_names is not None else [f"node-{j}" for j in range(n)]
        pod_names = list(pod_names) if pod_names is not None else [f"pod-{i}" for i in range(m)]
        if len(node_names) != n:
            raise InvalidInstanceError(f"node_names: length {len(node_names)}, expected {n}", field="node_names")
        if len(pod_names) != m:
            raise InvalidInstanceError(f"pod_names: length {len(pod_names)}, expected {m}", field="pod_names")
        if any(not isinstance(x, str) for x in node_names):
            raise InvalidInstanceError("node_names: every name must be a string", field="node_names")
        if any(not isinstance(x, str) for x in pod_names):
            raise InvalidInstanceError("pod_names: every name must be a string", field="pod_names")
        extra = _rules(
            n,
            m,
            node_names,
            pod_names,
            pod_node,
            pod_cpu,
            pod_mem,
            node_labels=node_labels,
            node_taints=node_taints,
            node_unschedulable=node_unschedulable,
            pod_labels=pod_labels,
            pod_namespaces=pod_namespaces,
            pod_specs=pod_specs,
            pod_owner=pod_owner,
            budgets=budgets,
            resources=resources,
            pod_cpu_score=pod_cpu_score,
            pod_mem_score=pod_mem_score,
            pod_start_time=pod_start_time,
        )
        core = _core.PackingCluster(
            node_cpu, node_mem, node_pods, pod_cpu, pod_mem, pod_priority, pod_node, extra["cons"]
        )
        order = sorted(range(n), key=lambda j: node_names[j])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        for name, value in (
            ("node_cpu", node_cpu),
            ("node_mem", node_mem),
            ("pod_cpu", pod_cpu),
            ("pod_mem", pod_mem),
            ("pod_priority", pod_priority),
            ("pod_node", pod_node),
            ("node_pods", node_pods),
            ("protected", readonly(prot & (pod_node >= 0))),
            ("node_names", node_names),
            ("pod_names", pod_names),
            ("_core", core),
            ("_extra", extra),
            ("node_rank", readonly(rank)),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Cluster is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Cluster is immutable: cannot delete {name!r}")

    @classmethod
    def from_manifests(cls, path: Any, *, strict: bool = True, max_pods: int = MAX_PODS) -> Cluster:
        """Nodes and pods from Kubernetes manifests.

        Understood: ``Node`` (``status.allocatable`` of every resource, labels, ``spec.taints``,
        ``spec.unschedulable``), ``Pod`` (requests of every resource as Kubernetes sums them:
        containers, init containers and sidecars, overhead, limits standing in for missing
        requests; ``nodeSelector``, ``affinity``, ``tolerations``, ``topologySpreadConstraints``,
        ``preemptionPolicy``; ``spec.priority`` or a ``priorityClassName`` resolved through
        ``PriorityClass`` objects; ``spec.nodeName`` = running), ``ReplicaSet``/``Deployment``
        (``spec.replicas`` pending pods of the template, owned by the set, so the cluster-default
        spreading applies), ``PodDisruptionBudget``, and ``List`` objects. Nodes are ordered by
        name.

        Anything else that changes scheduling (host ports, volumes, scheduling gates, other
        workload kinds, LimitRanges, Services' default spreading, node images...) is not
        modelled: with ``strict=True`` it is an error listing every such field and object, with
        ``strict=False`` a warning that lists them. Objects that never change scheduling
        (ConfigMap, Secret, RBAC, ...) are skipped.

        Parameters
        ----------
        path : str, Path, dict or list of dict
            A YAML or JSON file, or already parsed objects. YAML needs PyYAML
            (``pip install 'schedkit[k8s]'``); JSON needs nothing. YAML aliases that would
            expand past a bound (a "billion laughs" file) are refused.
        strict : bool
            Unmodelled scheduling fields are an error (default) or a warning.
        max_pods : int
            The most pods the manifests may expand to (replicas included), checked before
            anything is allocated; 200,000 by default, the generator's bound (each pod costs
            some 20 KB of memory).

        Returns
        -------
        Cluster

        Raises
        ------
        InvalidInstanceError
            A malformed file, quantity or object, naming the object and field.
        SolverUnavailableError
            A YAML file without PyYAML installed.

        Examples
        --------
        >>> node = {"kind": "Node", "metadata": {"name": "n1"},
        ...         "status": {"allocatable": {"cpu": "2", "memory": "4Gi"}}}
        >>> pod = {"kind": "Pod", "metadata": {"name": "web"},
        ...        "spec": {"containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}}
        >>> c = Cluster.from_manifests([node, pod])
        >>> c.node_cpu.tolist(), c.pod_cpu.tolist(), c.pod_mem.tolist(), c.pod_names
        ([2000], [500], [1073741824], ['web'])
        """
        d = read_manifests(path, strict=strict, max_pods=max_pods)
        return cls(**d)

    @property
    def node_labels(self) -> list[dict[str, str]]:
        """Labels per node (``kubernetes.io/hostname`` included)."""
        return self._extra["node_labels"]

    @property
    def node_taints(self) -> list[tuple[_k8s.Taint, ...]]:
        """Taints per node."""
        return self._extra["node_taints"]

    @property
    def node_unschedulable(self) -> list[bool]:
        """Cordoned nodes."""
        return self._extra["node_unschedulable"]

    @property
    def pod_labels(self) -> list[dict[str, str]]:
        """Labels per pod."""
        return self._extra["pod_labels"]

    @property
    def pod_namespaces(self) -> list[str]:
        """Namespace per pod."""
        return self._extra["pod_namespaces"]

    @property
    def pod_rules(self) -> list[_k8s.PodRules]:
        """The parsed scheduling rules per pod."""
        return self._extra["pod_rules"]

    @property
    def pod_owner(self) -> list[str | None]:
        """Owning ReplicaSet per pod (None for bare pods)."""
        return self._extra["pod_owner"]

    @property
    def budgets(self) -> list[_k8s.Budget]:
        """PodDisruptionBudgets."""
        return self._extra["budgets"]

    @property
    def resources(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Extra resources: name -> (node allocatable, pod requests)."""
        e = self._extra
        return {name: (e["node_res"][:, r], e["pod_res"][:, r]) for r, name in enumerate(e["res_names"])}

    @property
    def num_nodes(self) -> int:
        """Number of nodes N."""
        return int(self.node_cpu.shape[0])

    @property
    def num_pods(self) -> int:
        """Number of pods M."""
        return int(self.pod_cpu.shape[0])

    @property
    def tiers(self) -> list[int]:
        """Distinct priorities, highest first."""
        return sorted({int(p) for p in self.pod_priority}, reverse=True)

    def placed_by_priority(self, assignment: Any) -> dict[int, int]:
        """Placed pods per priority (highest first) under ``assignment``.

        Examples
        --------
        >>> Cluster([1000], [10], [600, 600], [1, 1], [1, 2]).placed_by_priority([-1, 0])
        {2: 1, 1: 0}
        """
        a = np.asarray(assignment)
        return {p: int(np.sum((self.pod_priority == p) & (a >= 0))) for p in self.tiers}

    def __repr__(self) -> str:
        return f"Cluster(nodes={self.num_nodes}, pods={self.num_pods}, pending={int(np.sum(self.pod_node < 0))})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_cluster,
            (
                {
                    "node_cpu": self.node_cpu,
                    "node_mem": self.node_mem,
                    "pod_cpu": self.pod_cpu,
                    "pod_mem": self.pod_mem,
                    "pod_priority": self.pod_priority,
                    "pod_node": self.pod_node,
                    "node_pods": self.node_pods,
                    "protected": self.protected,
                    "node_names": self.node_names,
                    "pod_names": self.pod_names,
                    "node_labels": self.node_labels,
                    "node_taints": self.node_taints,
                    "node_unschedulable": self.node_unschedulable,
                    "pod_labels": self.pod_labels,
                    "pod_namespaces": self.pod_namespaces,
                    "pod_specs": self.pod_rules,
                    "pod_owner": self.pod_owner,
                    "budgets": self.budgets,
                    "resources": {k: (np.asarray(a), np.asarray(b)) for k, (a, b) in self.resources.items()},
                    "pod_cpu_score": self._extra["pod_cpu_score"],
                    "pod_mem_score": self._extra["pod_mem_score"],
                    "pod_start_time": self._extra["pod_start_time"],
                },
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cluster):
            return NotImplemented
        arrays = ("node_cpu", "node_mem", "node_pods", "pod_cpu", "pod_mem", "pod_priority", "pod_node", "protected")
        return (
            all(np.array_equal(getattr(self, a), getattr(other, a)) for a in arrays)
            and self.node_names == other.node_names
            and self.pod_names == other.pod_names
            and all(
                self._extra[k] == other._extra[k]
                for k in (
                    "node_labels",
                    "node_taints",
                    "node_unschedulable",
                    "pod_labels",
                    "pod_namespaces",
                    "pod_rules",
                    "pod_owner",
                    "budgets",
                    "res_names",
                    "pod_start_time",
                )
            )
            and all(
                np.array_equal(self._extra[k], other._extra[k])
                for k in ("node_res", "pod_res", "pod_cpu_score", "pod_mem_score")
            )
        )

    __hash__ = None  # type: ignore[assignment]  # the name lists are mutable


def compare_lex(a: dict[int, int], b: dict[int, int]) -> int:
    """Compares two placements lexicographically by placed pods per priority, highest first.

    Parameters
    ----------
    a, b : dict of int to int
        Placed pods per priority, as :attr:`Plan.placed_by_priority`.

    Returns
    -------
    int
        +1 if ``a`` places lexicographically more pods, -1 if fewer, 0 if equal.

    Examples
    --------
    >>> compare_lex({2: 1, 1: 0}, {2: 0, 1: 5}), compare_lex({2: 1}, {2: 1, 1: 0})
    (1, 0)
    """
    for name, placed in (("a", a), ("b", b)):
        if not isinstance(placed, dict):
            raise InvalidInstanceError(f"{name}: expected a dict priority -> placed pods, got {placed!r}", field=name)
    keys = sorted(set(a) | set(b), reverse=True)
    for k in keys:
        if a.get(k, 0) != b.get(k, 0):
            return 1 if a.get(k, 0) > b.get(k, 0) else -1
    return 0


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """A placement: node per pod (``assignment``, -1 pending) and what it means for each pod.

    Attributes
    ----------
    cluster : Cluster
    method : str
        The method that made it (``"<method>+cp"`` when the CP fallback ran).
    assignment : ndarray of int64, shape (M,)
        Node per pod, -1 pending.
    optimal : bool
        True when the CP model proved every tier optimal.
    tier_optimal : dict of int to bool
        Per priority, whether its placement stage was proven.
    heuristic_method : str or None
        The method the CP fallback started from.
    heuristic_placed : dict of int to int or None
        That method's placed pods per priority.
    vs_heuristic : int or None
        +1/0/-1: the CP plan against the plan it fell back from (:func:`compare_lex`); None when
        no CP model ran.
    cp_ran : bool
    preemptions : list of (pod, node, victims)
        The kube simulation's preemptions in order.
    events : list of (pod, node) or None
        The placements (and evictions, node -1) in the order a sequential method made them;
        :meth:`validate` replays them. None for CP-SAT and hand-made plans.
    elapsed : float
        Wall-clock seconds.

    Notes
    -----
    ``actions[i]`` is ``"stay"``, ``"move"``, ``"evict"``, ``"place"`` or ``"pending"``. Plans
    compare equal field by field (arrays by value) and round-trip through pickle.

    Examples
    --------
    >>> import schedkit as sk
    >>> c = Cluster([1000], [10], [600, 600], [1, 1], [1, 2])
    >>> plan = sk.packing.place(c, method="kube")
    >>> plan
    Plan(method='kube', placed=1/2, optimal=False)
    >>> plan.assignment.tolist(), plan.actions, plan.placed_by_priority
    ([-1, 0], ['pending', 'place'], {2: 1, 1: 0})
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
    events: list[tuple[int, int]] | None = None

    @property
    def placed_by_priority(self) -> dict[int, int]:
        """Placed pods per priority, highest first."""
        return self.cluster.placed_by_priority(self.assignment)

    @property
    def messages(self) -> list[str]:
        """Per pod, Kubernetes' message for why it is pending ("" when placed), e.g.
        ``0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {a: b}.``
        The filters run against this plan's final placement (the scheduler prints them for the
        last attempt; the ``preemption: ...`` tail it appends is not reproduced)."""
        return pending_messages(self.cluster, self.assignment)

    @property
    def placed(self) -> int:
        """Number of placed pods."""
        return int(np.sum(self.assignment >= 0))

    @property
    def pending(self) -> int:
        """Number of pending pods."""
        return int(np.sum(self.assignment < 0))

    @property
    def actions(self) -> list[str]:
        """Per pod: ``"stay"``, ``"move"``, ``"evict"``, ``"place"`` or ``"pending"``."""
        out = []
        for a, o in zip(self.assignment.tolist(), self.cluster.pod_node.tolist()):
            if o >= 0:
                out.append("stay" if a == o else ("evict" if a < 0 else "move"))
            else:
                out.append("place" if a >= 0 else "pending")
        return out

    @property
    def evictions(self) -> list[int]:
        """Running pods left pending."""
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

    def fragment_rate(self, *, probe_cpu: int | None = None) -> float:
        """Share of free cpu that cannot host a ``probe_cpu`` pod.

        Parameters
        ----------
        probe_cpu : int, optional
            The probe pod's cpu; default the mean pod cpu request (at least 1).

        Returns
        -------
        float
            Σ_nodes (free cpu mod probe_cpu) / Σ free cpu.

        Examples
        --------
        >>> c = Cluster([64, 64], [9, 9], [44, 48, 4], [1, 1, 1], [0, 0, 0], [0, 1, 1])
        >>> Plan(c, "as is", c.pod_node).fragment_rate(probe_cpu=16)  # free 20 and 12: (4 + 12) / 32
        0.5
        """
        if probe_cpu is None:
            probe_cpu = max(1, round(float(self.cluster.pod_cpu.mean()))) if self.cluster.num_pods else 1
        probe = int_arg(probe_cpu, "probe_cpu", minimum=1)
        return float(_core.packing_fragment_rate(self.cluster._core, self.assignment, probe))

    def summary(self) -> dict[str, Any]:
        """The plan's figures as a JSON-ready dict (``schedkit pack --json`` prints it).

        Examples
        --------
        >>> import schedkit as sk
        >>> s = sk.packing.place(Cluster([1000], [10], [600, 600], [1, 1], [1, 2]), method="kube").summary()
        >>> s["placed"], s["pending"], s["placed_by_priority"]
        (1, 1, {'2': 1, '1': 0})
        """
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
        """Independent check of the placement.

        Every pod has exactly one valid node or -1, no node's cpu, memory, pod limit or extra
        resource is exceeded, protected pods stay where they run, and every pod the plan places
        or moves meets the rules Kubernetes enforces (taints, cordons, node selector and
        affinity, pod affinity and anti-affinity, DoNotSchedule spread; see
        ``schedkit.packing._validate.check_rules``), checked by code written apart from the
        filters.

        Returns
        -------
        Plan
            ``self``, so that calls chain.

        Raises
        ------
        ValidationError
            If any check fails.

        Examples
        --------
        >>> c = Cluster([1000], [10], [600, 600], [1, 1], [1, 2])
        >>> Plan(c, "by hand", np.array([-1, 0])).validate().placed
        1
        """
        c = self.cluster
        check_assignment(
            self.assignment,
            node_cpu=c.node_cpu,
            node_mem=c.node_mem,
            node_pods=c.node_pods,
            pod_cpu=c.pod_cpu,
            pod_mem=c.pod_mem,
            pod_node=c.pod_node,
            protected=c.protected,
            node_names=c.node_names,
            pod_names=c.pod_names,
        )
        check_rules(self.assignment, c, self.events)
        return self

    def to_arrow(self) -> Any:
        """One row per pod: pod, name, priority, cpu, memory, from_node, node, action.

        Returns
        -------
        pyarrow.Table

        Examples
        --------
        >>> c = Cluster([1000], [10], [600, 600], [1, 1], [1, 2])
        >>> Plan(c, "by hand", np.array([-1, 0])).to_arrow().column("action").to_pylist()
        ['pending', 'place']
        """
        import pyarrow as pa  # a dependency, imported on first use: it is slow to import

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

    def plot(self, *, ax: Any = None, path: Any = None) -> Any:
        """Bar chart of per-node cpu and memory fill. Needs matplotlib (``schedkit[plot]``).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw here; by default on new axes (a standalone figure when ``path`` is given,
            otherwise a pyplot figure on the current backend).
        path : str or Path, optional
            Save the figure there.

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> c = Cluster([1000], [10], [600, 600], [1, 1], [1, 2])
        >>> Plan(c, "by hand", np.array([-1, 0])).plot(ax=ax) is ax.figure
        True
        """
        cpu, mem = self.node_utilisation
        title = f"{self.method}: {self.placed}/{self.cluster.num_pods} pods placed"
        return plot_utilisation(cpu, mem, self.cluster.node_names, title=title, ax=ax, path=path)

    def __repr__(self) -> str:
        return f"Plan(method={self.method!r}, placed={self.placed}/{self.cluster.num_pods}, optimal={self.optimal})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return (
            self.cluster == other.cluster
            and self.method == other.method
            and np.array_equal(self.assignment, other.assignment)
            and self.optimal == other.optimal
            and self.tier_optimal == other.tier_optimal
            and self.heuristic_method == other.heuristic_method
            and self.heuristic_placed == other.heuristic_placed
            and self.vs_heuristic == other.vs_heuristic
            and self.cp_ran == other.cp_ran
            and self.preemptions == other.preemptions
            and self.elapsed == other.elapsed
            and self.events == other.events
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays, compared by value


@dataclass(frozen=True, eq=False, repr=False)
class VMPlan:
    """A rescheduling of running pods (VMs) against fragmentation; see :func:`vm_reschedule`.

    Attributes
    ----------
    cluster : Cluster
    method : str
        ``"greedy"`` or ``"cp"``.
    assignment : ndarray of int64, shape (M,)
        The new node per pod.
    moves : list of (pod, from, to)
    fragment_rate_before, fragment_rate_after : float
        The fragment rate of the current and of the new assignment.
    optimal : bool
        True when CP-SAT proved the plan optimal.

    Examples
    --------
    >>> import schedkit as sk
    >>> c = Cluster([64, 64], [9, 9], [44, 48, 4], [1, 1, 1], [0, 0, 0], [0, 1, 1])
    >>> sk.packing.vm_reschedule(c, k=1, probe_cpu=16)
    VMPlan(method='greedy', moves=1, fragment_rate=0.5->0)
    """

    cluster: Cluster
    method: str
    assignment: np.ndarray
    moves: list[tuple[int, int, int]]
    fragment_rate_before: float
    fragment_rate_after: float
    optimal: bool = False

    def __repr__(self) -> str:
        return (
            f"VMPlan(method={self.method!r}, moves={len(self.moves)}, "
            f"fragment_rate={self.fragment_rate_before:.3g}->{self.fragment_rate_after:.3g})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VMPlan):
            return NotImplemented
        return (
            self.cluster == other.cluster
            and self.method == other.method
            and np.array_equal(self.assignment, other.assignment)
            and self.moves == other.moves
            and self.fragment_rate_before == other.fragment_rate_before
            and self.fragment_rate_after == other.fragment_rate_after
            and self.optimal == other.optimal
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays, compared by value
