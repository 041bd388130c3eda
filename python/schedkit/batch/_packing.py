"""Pods placed and fragmentation of many pod-to-node assignments of one
:class:`schedkit.packing.Cluster`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import schedkit.batch._cuda as cuda
import schedkit.batch._xp as ref
from schedkit import _core
from schedkit._arrays import float_arg
from schedkit.batch._checks import as_rows, check_chunk, check_errors, expect, first_bad, host_ints, int_chunk
from schedkit.batch._chunks import map_rows
from schedkit.batch._doc import batch_doc
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing import Cluster


def _packing_problem(
    row: np.ndarray, node_cpu: np.ndarray, node_mem: np.ndarray, pod_cpu: np.ndarray, pod_mem: np.ndarray
) -> str:
    nodes = node_cpu.shape[0]
    for j, node in enumerate(row.tolist()):
        if not -1 <= node < nodes:
            return f"pod {j} is assigned to node {node}; expected -1 (pending) or 0..{nodes - 1}"
    used_cpu, used_mem = np.zeros(nodes), np.zeros(nodes)
    for j, node in enumerate(row.tolist()):
        if node >= 0:
            used_cpu[node] += pod_cpu[j]
            used_mem[node] += pod_mem[j]
    for p in range(nodes):
        if used_cpu[p] > node_cpu[p]:
            return f"node {p}: cpu requests {used_cpu[p]:g} exceed its capacity {node_cpu[p]:g}"
        if used_mem[p] > node_mem[p]:
            return f"node {p}: memory requests {used_mem[p]:g} exceed its capacity {node_mem[p]:g}"
    return "valid"


@batch_doc
def evaluate_packing(
    cluster: Cluster,
    assignments: Any,
    *,
    probe_cpu: float | None = None,
    probe_mem: float | None = None,
    device: str | None = None,
    errors: str = "raise",
    max_chunk_rows: int | None = None,
) -> tuple[Any, Any]:
    """Pods placed and the fragmentation rate of each pod-to-node assignment.

    A row gives each pod's node, or -1 for a pending pod. Free cpu of node p is f_p =
    node_cpu[p] - (requests of its pods, summed in pod order), F = Σ f_p, and the probe fits
    extra_p = min(floor(f_p / probe_cpu), floor(free_mem_p / probe_mem)) more times on p (the
    memory term is dropped when there is no memory probe). The fragment rate is the share of
    free cpu no probe can use, (F - probe_cpu * Σ extra_p) / F, and 0 when F = 0.

    Only the capacities and requests of the cluster count: its current placement
    (``pod_node``), priorities, protected pods and per-node pod limits (``node_pods``) are not
    looked at. The integer quantities are evaluated as float64 (exact up to 2**53).

    Parameters
    ----------
    cluster : schedkit.packing.Cluster
        ``node_cpu``, ``node_mem`` (N,) capacities and ``pod_cpu``, ``pod_mem`` (M,) requests.
    assignments : array_like of int, shape (B, M)
        Node of each pod per row, or -1 (pending); a single assignment of length M is one
        row; NumPy or CuPy.
    probe_cpu, probe_mem : float, optional, keyword-only
        The probe pod. With neither given it is the mean pod request (cpu, mem). With only
        ``probe_cpu`` given, or ``probe_mem=0``, memory is ignored. ``probe_cpu`` must be > 0.
    {device}
    errors : {"raise", "nan"}, keyword-only
        A row with a node index < -1 or >= N, or a node whose summed cpu or memory requests
        exceed its capacity, raises, or gives placed = -1 and a NaN rate.
    {max_chunk_rows}

    Returns
    -------
    placed : ndarray of int64, shape (B,)
        Pods with a node.
    fragment_rate : ndarray of float64, shape (B,)
        CuPy arrays on ``"cupy"``.

    Raises
    ------
    InvalidInstanceError
        ``cluster`` is not a ``packing.Cluster``; a probe that is not finite (or ``probe_cpu``
        <= 0, also as the default when every pod requests 0 cpu); a bad option; or with
        ``errors="raise"`` a bad row (field ``"assignments"``, ``index`` the first bad row).
    {device_error}

    Examples
    --------
    >>> import schedkit as sk
    >>> cluster = sk.packing.Cluster([4, 4], [8, 8], [2, 1, 3], [4, 1, 2], pod_priority=[0, 0, 0])
    >>> placed, rate = sk.batch.evaluate_packing(cluster, [[0, 1, -1], [0, 0, 1]], probe_cpu=2, probe_mem=2)
    >>> placed.tolist(), rate.tolist()
    ([2, 3], [0.2, 1.0])
    """
    check_errors(errors)
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    expect(cluster, Cluster, "cluster", "schedkit.packing.Cluster")
    node_cpu, node_mem, pod_cpu, pod_mem = (
        np.ascontiguousarray(a, dtype=np.float64)
        for a in (cluster.node_cpu, cluster.node_mem, cluster.pod_cpu, cluster.pod_mem)
    )
    pods = pod_cpu.shape[0]
    if probe_cpu is None and probe_mem is None and pods > 0:
        probe_cpu, probe_mem = float(pod_cpu.mean()), float(pod_mem.mean())
    probe_cpu = 0.0 if probe_cpu is None else float_arg(probe_cpu, "probe_cpu")
    probe_mem = 0.0 if probe_mem is None else float_arg(probe_mem, "probe_mem")
    if not (math.isfinite(probe_cpu) and probe_cpu > 0):
        raise InvalidInstanceError(
            f"probe_cpu: must be finite and > 0, got {probe_cpu} (the default is the mean pod cpu request)",
            field="probe_cpu",
        )
    if not (math.isfinite(probe_mem) and probe_mem >= 0):
        raise InvalidInstanceError(f"probe_mem: must be finite and >= 0, got {probe_mem}", field="probe_mem")
    rows = as_rows(assignments, "assignments", pods)

    def explain(row: np.ndarray) -> str:
        return _packing_problem(row, node_cpu, node_mem, pod_cpu, pod_mem)

    if backend == "rust":
        host = host_ints(rows, "assignments", pods)
        placed, rate = _core.batch_packing(cluster._core, host, probe_cpu, probe_mem)
        if errors == "raise":
            first_bad(placed < 0, host, 0, "assignments", explain)
        return placed, rate
    xp = cuda.namespace(backend)
    node_cpu_x, node_mem_x, pod_cpu_x, pod_mem_x = (xp.asarray(a) for a in (node_cpu, node_mem, pod_cpu, pod_mem))

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any, Any]:
        chunk = int_chunk(xp, chunk, "assignments", start)
        placed, rate, bad = ref.packing(xp, node_cpu_x, node_mem_x, pod_cpu_x, pod_mem_x, chunk, probe_cpu, probe_mem)
        if errors == "raise":
            first_bad(bad, chunk, start, "assignments", explain)
        return xp.where(bad, -1, placed), xp.where(bad, xp.nan, rate)

    bytes_per_row = 8 * (3 * pods + 8 * node_cpu.shape[0]) + 64
    placed, rate = map_rows(backend, rows, bytes_per_row, max_chunk_rows, step, (np.int64, np.float64))
    return placed, rate
