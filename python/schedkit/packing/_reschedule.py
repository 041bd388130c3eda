"""VM rescheduling: a few migrations of running pods against the fragment rate (VMR2L's objective)."""

from __future__ import annotations

import numpy as np

from schedkit import _core
from schedkit._arrays import int_arg, readonly
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._cp import vm_reschedule_cp
from schedkit.packing._model import Cluster, VMPlan
from schedkit.packing._options import require_cluster


def vm_reschedule(
    cluster: Cluster, *, k: int, probe_cpu: int = 16, method: str = "greedy", time_limit: float = 1.0, workers: int = 0
) -> VMPlan:
    """Up to ``k`` migrations of running pods (VMs) minimising the fragment rate.

    The fragment rate is FR = Σ_nodes (free cpu mod probe_cpu) / Σ free cpu (VMR2L's objective,
    with a 16 vCPU probe). Protected pods never move; pending pods are ignored.

    Parameters
    ----------
    cluster : Cluster
    k : int
        Most migrations, >= 0.
    probe_cpu : int
        The probe VM's cpu, > 0.
    method : {"greedy", "cp"}
        ``"greedy"`` is the VMR2L repository's baseline (move the VM whose move cuts the most
        fragments, VMs of at most ``probe_cpu`` only); ``"cp"`` is a CP-SAT model with a time
        limit, warm-started from the greedy plan and kept only when no worse.
    time_limit : float
        CP-SAT seconds (``"cp"`` only).
    workers : int
        CP-SAT workers, 0 = all cores (``"cp"`` only).

    Returns
    -------
    VMPlan

    Raises
    ------
    InvalidInstanceError
        ``k < 0``, ``probe_cpu <= 0`` or an unknown method.
    SolverUnavailableError
        ``method="cp"`` without OR-Tools installed.

    Examples
    --------
    >>> import schedkit as sk
    >>> c = sk.packing.Cluster([64, 64], [9, 9], [44, 48, 4], [1, 1, 1], [0, 0, 0], [0, 1, 1])
    >>> r = vm_reschedule(c, k=1, probe_cpu=16)
    >>> r.moves, r.fragment_rate_before, r.fragment_rate_after
    ([(2, 1, 0)], 0.5, 0.0)
    """
    cluster = require_cluster(cluster)
    k = int_arg(k, "k")
    probe_cpu = int_arg(probe_cpu, "probe_cpu", minimum=1)
    if not isinstance(method, str) or method not in ("greedy", "cp"):
        raise InvalidInstanceError(f"method: expected 'greedy' or 'cp', got {method!r}", field="method")
    before = float(_core.packing_fragment_rate(cluster._core, cluster.pod_node, probe_cpu))
    a, _ = _core.packing_vmr_greedy(cluster._core, probe_cpu, k, [bool(x) for x in cluster.protected])
    a = np.asarray(a, dtype=np.int64)
    optimal = False
    if method == "cp":
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
