"""The instance generator of the "Priority Matters" paper (specs B.5)."""

from __future__ import annotations

import math

import numpy as np

from schedkit._arrays import I64_MAX, U64_MAX, float_arg, int_arg
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._io import MAX_PODS  # the most pods one call generates, as read_manifests
from schedkit.packing._model import Cluster


def generate(nodes: int, pods_per_node: int, priorities: int, utilisation: float, *, seed: int = 0) -> Cluster:
    """A cluster of the "Priority Matters" paper's generator (specs B.5).

    ``nodes`` homogeneous nodes and ``nodes * pods_per_node`` pending pods in ReplicaSets of 1-4
    replicas (the last one truncated), each ReplicaSet with a priority uniform in
    1..``priorities`` and requests uniform in 100..1000 millicores and 100..1000 MB (10^6
    bytes); the node capacity per resource is max(largest request, ceil(Σ requests / u / N)).

    Parameters
    ----------
    nodes, pods_per_node, priorities : int
        Each >= 1.
    utilisation : float
        Σ requests / Σ capacity aimed at (u), > 0; above 1 not every pod fits.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    Cluster
        Nodes named ``node-00``, ``node-01``, ...; pods ``rs<k>-<replica>``, owned by their
        ReplicaSet, so the default scheduler spreads them with the cluster-default
        PodTopologySpread constraints as the paper's baseline does.

    Raises
    ------
    InvalidInstanceError
        A count < 1, more than ``MAX_PODS`` pods, or a utilisation <= 0, naming the argument.

    Examples
    --------
    >>> c = generate(4, 4, 2, 1.05, seed=0)
    >>> c, c.tiers, c.node_names[:2]
    (Cluster(nodes=4, pods=16, pending=16), [2, 1], ['node-00', 'node-01'])
    """
    # The pods are built in Python, so their number is bounded to what fits in memory.
    nodes = int_arg(nodes, "nodes", minimum=1, maximum=MAX_PODS)
    pods_per_node = int_arg(pods_per_node, "pods_per_node", minimum=1, maximum=MAX_PODS)
    priorities = int_arg(priorities, "priorities", minimum=1)
    utilisation = float_arg(utilisation, "utilisation", above=0.0)
    seed = int_arg(seed, "seed", maximum=U64_MAX)
    total = nodes * pods_per_node
    if total > MAX_PODS:
        raise InvalidInstanceError(
            f"nodes * pods_per_node: {total} pods, at most {MAX_PODS} are generated", field="pods_per_node"
        )
    rng = np.random.default_rng(seed)
    cpu: list[int] = []
    mem: list[int] = []
    prio: list[int] = []
    names: list[str] = []
    owner: list[str] = []
    rs = 0
    while len(cpu) < total:
        r = int(rng.integers(1, 5))
        r = min(r, total - len(cpu))
        p = int(rng.integers(1, priorities + 1))
        c = int(rng.integers(100, 1001))
        m = int(rng.integers(100, 1001)) * 10**6
        for k in range(r):
            cpu.append(c)
            mem.append(m)
            prio.append(p)
            names.append(f"rs{rs}-{k}")
            owner.append(f"ReplicaSet/rs{rs}")
        rs += 1
    per_node = (sum(cpu) / utilisation / nodes, sum(mem) / utilisation / nodes)
    if not all(math.isfinite(x) and x <= I64_MAX for x in per_node):
        raise InvalidInstanceError(
            f"utilisation: {utilisation} makes the node capacities exceed int64", field="utilisation"
        )
    cap_cpu = max(max(cpu), math.ceil(per_node[0]))
    cap_mem = max(max(mem), math.ceil(per_node[1]))
    return Cluster(
        [cap_cpu] * nodes,
        [cap_mem] * nodes,
        cpu,
        mem,
        prio,
        node_names=[f"node-{j:02d}" for j in range(nodes)],
        pod_names=names,
        pod_owner=owner,
    )
