"""Hypothesis strategy for :class:`schedkit.packing.Cluster` (needs hypothesis, the ``test`` extra).

Examples
--------
>>> from hypothesis import given
>>> from schedkit.testing.strategies import packing_clusters
>>> @given(packing_clusters(max_nodes=3, max_pods=5))
... def test_sizes(cluster):
...     assert 1 <= cluster.num_nodes <= 3 and cluster.num_pods <= 5
>>> test_sizes()
"""

from __future__ import annotations

from hypothesis import strategies as st

from schedkit.packing import Cluster
from schedkit.testing._args import checked, count, flag

__all__ = ["constrained_clusters", "packing_clusters"]


@checked({"max_nodes": count(1), "max_pods": count(), "running": flag})
@st.composite
def packing_clusters(draw: st.DrawFn, *, max_nodes: int = 5, max_pods: int = 10, running: bool = True) -> Cluster:
    """Draws a small :class:`schedkit.packing.Cluster`, possibly with running and protected pods.

    Parameters
    ----------
    max_nodes : int
        Most nodes (at least one is drawn).
    max_pods : int
        Most pods (zero allowed).
    running : bool
        ``True`` (default): each pod may run on a node where it still fits (capacity and pod
        limit); ``False``: every pod is pending.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Cluster
        Nodes with cpu and memory in 0..4000 and pod limits in 0..6 (zero capacities and
        limits included, so filters are exercised); pods with requests in 0..2000 and
        priorities in 0..3; any pod may be marked protected (it only matters while it runs).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(packing_clusters(running=False))
    ... def test_all_pending(cluster):
    ...     assert (cluster.pod_node == -1).all() and not cluster.protected.any()
    >>> test_all_pending()
    """
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_pods))
    node_cpu = draw(st.lists(st.integers(0, 4000), min_size=n, max_size=n))
    node_mem = draw(st.lists(st.integers(0, 4000), min_size=n, max_size=n))
    node_pods = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    pod_cpu = draw(st.lists(st.integers(0, 2000), min_size=m, max_size=m))
    pod_mem = draw(st.lists(st.integers(0, 2000), min_size=m, max_size=m))
    prio = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    pod_node = [-1] * m
    if running:
        # A pod only runs where it fits next to the pods already drawn onto that node, so the
        # cluster is always valid.
        free = list(zip(node_cpu, node_mem, node_pods))
        for i in range(m):
            j = draw(st.integers(-1, n - 1))
            if j >= 0 and pod_cpu[i] <= free[j][0] and pod_mem[i] <= free[j][1] and free[j][2] >= 1:
                free[j] = (free[j][0] - pod_cpu[i], free[j][1] - pod_mem[i], free[j][2] - 1)
                pod_node[i] = j
    protected = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    return Cluster(node_cpu, node_mem, pod_cpu, pod_mem, prio, pod_node, node_pods=node_pods, protected=protected)


_ZONES = ("a", "b", "c")


@checked({"max_nodes": count(1), "max_pods": count()})
@st.composite
def constrained_clusters(draw: st.DrawFn, *, max_nodes: int = 5, max_pods: int = 10) -> Cluster:
    """Draws a small cluster whose nodes carry zones, taints and cordons and whose pods carry
    tolerations, node selectors, pod (anti-)affinity, topology spread, an extended resource and
    owners (for the default spreading). Every pod starts pending.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(constrained_clusters())
    ... def test_pending(cluster):
    ...     assert (cluster.pod_node == -1).all()
    >>> test_pending()
    """
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_pods))
    zones = [draw(st.sampled_from(_ZONES)) for _ in range(n)]
    labels = [{"topology.kubernetes.io/zone": z, "disk": draw(st.sampled_from(["ssd", "hdd"]))} for z in zones]
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    soft = {"key": "spot", "value": "", "effect": "PreferNoSchedule"}
    taints = [draw(st.sampled_from([[], [taint], [soft]])) for _ in range(n)]
    unsched = [draw(st.booleans()) and draw(st.booleans()) for _ in range(n)]
    apps = ("web", "db")
    pod_labels = [{"app": draw(st.sampled_from(apps))} for _ in range(m)]
    specs = []
    for i in range(m):
        spec: dict = {}
        if draw(st.booleans()):
            spec["tolerations"] = [
                draw(st.sampled_from([{"key": "dedicated", "operator": "Exists"}, {"operator": "Exists"}]))
            ]
        if draw(st.integers(0, 3)) == 0:
            spec["nodeSelector"] = {"disk": "ssd"}
        rule = draw(st.integers(0, 5))
        app = pod_labels[i]["app"]
        term = {"labelSelector": {"matchLabels": {"app": app}}}
        if rule == 1:
            spec["affinity"] = {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {**term, "topologyKey": "kubernetes.io/hostname"}
                    ]
                }
            }
        elif rule == 2:
            spec["affinity"] = {
                "podAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {**term, "topologyKey": "topology.kubernetes.io/zone"}
                    ]
                }
            }
        elif rule == 3:
            spec["topologySpreadConstraints"] = [
                {
                    "maxSkew": draw(st.integers(1, 2)),
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                    **term,
                }
            ]
        elif rule == 4:
            spec["affinity"] = {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 50, "podAffinityTerm": {**term, "topologyKey": "kubernetes.io/hostname"}}
                    ]
                }
            }
        specs.append(spec)
    gpu_nodes = [draw(st.integers(0, 2)) for _ in range(n)]
    gpu_pods = [draw(st.sampled_from([0, 0, 1])) for _ in range(m)]
    return Cluster(
        [draw(st.integers(500, 4000)) for _ in range(n)],
        [draw(st.integers(1 << 28, 1 << 32)) for _ in range(n)],
        [draw(st.integers(0, 1500)) for _ in range(m)],
        [draw(st.integers(0, 1 << 30)) for _ in range(m)],
        [draw(st.integers(0, 2)) for _ in range(m)],
        node_pods=[draw(st.integers(1, 6)) for _ in range(n)],
        node_labels=labels,
        node_taints=taints,
        node_unschedulable=unsched,
        pod_labels=pod_labels,
        pod_specs=specs,
        pod_owner=[draw(st.sampled_from([None, "ReplicaSet/web"])) for _ in range(m)],
        resources={"nvidia.com/gpu": (gpu_nodes, gpu_pods)},
    )
