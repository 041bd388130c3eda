"""The instance generator of the "Priority Matters" paper (specs B.5)."""

from __future__ import annotations

import math

import numpy as np

from schedkit.exceptions import InvalidInstanceError
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
        A count < 1 or a utilisation <= 0, naming the argument.

    Examples
    --------
    >>> c = generate(4, 4, 2, 1.05, seed=0)
    >>> c, c.tiers, c.node_names[:2]
    (Cluster(nodes=4, pods=16, pending=16), [2, 1], ['node-00', 'node-01'])
    """
    for name, v in (("nodes", nodes), ("pods_per_node", pods_per_node), ("priorities", priorities)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidInstanceError(f"{name}: must be an integer >= 1, got {v!r}", field=name)
    if not (math.isfinite(utilisation) and utilisation > 0):
        raise InvalidInstanceError(f"utilisation: must be > 0, got {utilisation!r}", field="utilisation")
    rng = np.random.default_rng(seed)
    total = nodes * pods_per_node
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
    cap_cpu = max(max(cpu), math.ceil(sum(cpu) / utilisation / nodes))
    cap_mem = max(max(mem), math.ceil(sum(mem) / utilisation / nodes))
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
