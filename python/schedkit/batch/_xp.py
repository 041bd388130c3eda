"""The reference batched evaluations, written once against an array namespace ``xp``.

NumPy runs this code as the ``"numpy"`` backend and CuPy runs the same code on the GPU, so the
NumPy tests exercise what the GPU computes. Every function takes validated arrays of one
namespace. Rows are vectorised; the Python loops run over positions, processors, pods or nodes
in the order the definitions in :mod:`schedkit.batch` prescribe, which is also the order the
Rust evaluators add and compare in: integer-valued data give identical results.
"""

from __future__ import annotations

from typing import Any


def check_permutations(xp: Any, rows: Any, n: int) -> tuple[Any, Any]:
    """(bad, safe): which rows of ``rows`` (B, n) are not permutations of 0..n-1, and the rows
    with out-of-range ids replaced by 0, so they can index arrays (bad rows are discarded)."""
    b = rows.shape[0]
    if b == 0 or n == 0:
        return xp.zeros(b, dtype=bool), rows
    in_range = (rows >= 0) & (rows < n)
    safe = xp.where(in_range, rows, 0)
    # n in-range ids that hit all n values are a permutation (pigeonhole): no sort needed.
    seen = xp.zeros((b, n), dtype=bool)
    seen[xp.arange(b)[:, None], safe] = True
    return ~(in_range.all(axis=1) & seen.all(axis=1)), safe


def bad_precedence_rows(xp: Any, orders: Any, src: Any, dst: Any) -> Any:
    """Rows of ``orders`` (B, n permutations) that put some edge's dst before its src."""
    b, n = orders.shape
    if b == 0 or src.shape[0] == 0:
        return xp.zeros(b, dtype=bool)
    position = xp.zeros((b, n), dtype=xp.int64)
    position[xp.arange(b)[:, None], orders] = xp.arange(n)
    return xp.any(position[:, src] > position[:, dst], axis=1)


def evaluate_xp(xp: Any, p: Any, d: Any, w: Any, perms: Any, objective: str) -> Any:
    """Single-machine objective of each row of ``perms`` (B, n valid permutations), float64 (B,)."""
    if perms.shape[1] == 0:
        fill = -xp.inf if objective == "max_lateness" else 0.0
        return xp.full(perms.shape[0], fill, dtype=xp.float64)
    completion = xp.cumsum(p[perms], axis=1)
    if objective == "total_completion_time":
        return completion.sum(axis=1)
    lateness = completion - d[perms]
    if objective == "max_lateness":
        return lateness.max(axis=1)
    tardiness = xp.maximum(lateness, 0.0)
    if objective == "total_weighted_tardiness":
        tardiness = tardiness * w[perms]
    return tardiness.sum(axis=1)


def dag_orders(xp: Any, cost: Any, preds: Any, volume: Any, bandwidth: Any, latency: Any, orders: Any) -> Any:
    """Makespan of non-insertion list scheduling of each row of ``orders`` (B, n task ids).

    ``preds`` (n, D) lists each task's predecessors padded with ``n``, a dummy task whose
    finish time is -inf (so padding never wins a max); ``volume`` (n, D) is the data of each
    of those edges (0 for padding).
    """
    b, n = orders.shape
    q = cost.shape[1]
    if n == 0:
        return xp.zeros(b, dtype=xp.float64)
    row = xp.arange(b)
    finish = xp.full((b, n + 1), -xp.inf)
    proc = xp.zeros((b, n + 1), dtype=xp.int64)
    ready = xp.zeros((b, q))
    for k in range(n):
        task = orders[:, k]
        pred = preds[task]  # (B, D)
        pred_finish = finish[row[:, None], pred]
        pred_proc = proc[row[:, None], pred]
        data = volume[task]
        best = xp.full(b, xp.inf)
        choice = xp.zeros(b, dtype=xp.int64)
        for p in range(q):
            comm = xp.where(pred_proc == p, 0.0, latency[pred_proc] + data / bandwidth[pred_proc, p])
            eft = xp.maximum(ready[:, p], (pred_finish + comm).max(axis=1)) + cost[task, p]
            better = eft < best  # strict, so ties stay with the lowest processor
            best = xp.where(better, eft, best)
            choice = xp.where(better, p, choice)
        finish[row, task] = best
        proc[row, task] = choice
        ready[row, choice] = best
    return finish[:, :n].max(axis=1)


def dag_perturbed(
    xp: Any,
    base: Any,
    pred_ptr: Any,
    pred_idx: Any,
    comm: Any,
    assignment: Any,
    order: Any,
    q: int,
    factors: Any,
) -> Any:
    """Makespan of one fixed schedule under each row of duration ``factors`` (S, n).

    ``base`` (host) is cost[i, assignment[i]]; ``pred_ptr`` (host), ``pred_idx`` and ``comm``
    (xp) list each task's predecessors as CSR with the communication time of each edge.
    ``assignment`` and ``order`` are host arrays; the loop runs over ``order``.
    """
    s, n = factors.shape
    if n == 0:
        return xp.zeros(s, dtype=xp.float64)
    finish = xp.zeros((s, n))
    ready = xp.zeros((s, q))
    for i in order.tolist():
        a = int(assignment[i])
        start = ready[:, a]
        lo, hi = int(pred_ptr[i]), int(pred_ptr[i + 1])
        if hi > lo:
            start = xp.maximum(start, (finish[:, pred_idx[lo:hi]] + comm[lo:hi]).max(axis=1))
        finish[:, i] = start + factors[:, i] * float(base[i])
        ready[:, a] = finish[:, i]
    return finish.max(axis=1)


def flowtime_orders(xp: Any, release: Any, size: Any, weight: Any, orders: Any) -> Any:
    """Total weighted flow time of each row of ``orders`` (B, n job ids) on one machine."""
    b, n = orders.shape
    t = xp.zeros(b)
    total = xp.zeros(b)
    for k in range(n):
        job = orders[:, k]
        r = release[job]
        t = xp.maximum(t, r) + size[job]
        total = total + weight[job] * (t - r)
    return total


def packing(
    xp: Any,
    node_cpu: Any,
    node_mem: Any,
    pod_cpu: Any,
    pod_mem: Any,
    assignments: Any,
    probe_cpu: float,
    probe_mem: float,
) -> tuple[Any, Any, Any]:
    """(placed int64, fragment_rate float64, bad bool) of each row of ``assignments`` (B, M)."""
    b, m = assignments.shape
    nodes = node_cpu.shape[0]
    bad = xp.any((assignments < -1) | (assignments >= nodes), axis=1)
    # Pending pods and bad indices go to a spare column `nodes`, dropped below.
    slot = xp.where((assignments >= 0) & (assignments < nodes), assignments, nodes)
    row = xp.arange(b)
    used_cpu = xp.zeros((b, nodes + 1))
    used_mem = xp.zeros((b, nodes + 1))
    for j in range(m):  # pod order: the order the definition sums requests in
        used_cpu[row, slot[:, j]] += pod_cpu[j]
        used_mem[row, slot[:, j]] += pod_mem[j]
    used_cpu, used_mem = used_cpu[:, :nodes], used_mem[:, :nodes]
    bad |= xp.any((used_cpu > node_cpu) | (used_mem > node_mem), axis=1)
    free_cpu, free_mem = node_cpu - used_cpu, node_mem - used_mem
    total = xp.zeros(b)
    extra = xp.zeros(b)
    for p in range(nodes):  # node order, as the Rust sum
        total = total + free_cpu[:, p]
        fits = xp.floor(free_cpu[:, p] / probe_cpu)
        if probe_mem > 0:
            fits = xp.minimum(fits, xp.floor(free_mem[:, p] / probe_mem))
        extra = extra + fits
    stranded = total - probe_cpu * extra
    rate = xp.where(total > 0, stranded / xp.where(total > 0, total, 1.0), 0.0)
    placed = (assignments >= 0).sum(axis=1).astype(xp.int64)
    return placed, rate, bad
