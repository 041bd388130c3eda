"""Straightforward pure-Python versions of two schedkit.packing methods, the references
bench_packing.py times schedkit against and checks it agrees with:

- :func:`kube_nopreempt`: the default kube-scheduler without preemption: PrioritySort queue,
  NodeResourcesFit filter with adaptive node sampling from a rotating offset, LeastAllocated +
  BalancedAllocation (weights 1) with Kubernetes' integer arithmetic, ties to the lowest node
  index (deterministic tie-break with nodes named in index order).
- :func:`ffd`: priority-major first-fit decreasing with the weighted-sum size (average weights
  over the pending pods, requests normalised by the largest node).
"""

from __future__ import annotations

import math

DEFAULT_CPU = 100
DEFAULT_MEM = 200 * 1024 * 1024


def _feasible_to_find(n: int) -> int:
    if n < 100:
        return n
    pct = max(5, 50 - n // 125)
    return min(n, max(100, n * pct // 100))


def kube_nopreempt(node_cpu, node_mem, node_pods, pod_cpu, pod_mem, prio):
    n, m = len(node_cpu), len(pod_cpu)
    free_cpu, free_mem, free_pods = list(node_cpu), list(node_mem), list(node_pods)
    nz_cpu, nz_mem = [0] * n, [0] * n
    order = sorted(range(m), key=lambda i: (-prio[i], i))
    out = [-1] * m
    want = _feasible_to_find(n)
    start = 0
    for i in order:
        pc, pm = pod_cpu[i], pod_mem[i]
        zc, zm = pc or DEFAULT_CPU, pm or DEFAULT_MEM
        best, best_j, found, processed = None, -1, 0, 0
        for k in range(n):
            j = (start + k) % n
            processed += 1
            if free_pods[j] < 1 or (pc and pc > free_cpu[j]) or (pm and pm > free_mem[j]):
                continue
            found += 1
            ac, am = node_cpu[j], node_mem[j]
            rc, rm = nz_cpu[j] + zc, nz_mem[j] + zm
            sc = 0 if (ac == 0 or rc > ac) else (ac - rc) * 100 // ac
            sm = 0 if (am == 0 or rm > am) else (am - rm) * 100 // am
            s = (sc + sm) // 2
            if pc or pm:
                fc = 1.0 if ac == 0 else min(1.0, (ac - free_cpu[j] + pc) / ac)
                fm = 1.0 if am == 0 else min(1.0, (am - free_mem[j] + pm) / am)
                s += int((1.0 - abs(fc - fm) / 2.0) * 100)
            if best is None or s > best or (s == best and j < best_j):
                best, best_j = s, j
            if found >= want:
                break
        start = (start + processed) % n
        if best is not None:
            free_cpu[best_j] -= pc
            free_mem[best_j] -= pm
            free_pods[best_j] -= 1
            nz_cpu[best_j] += zc
            nz_mem[best_j] += zm
            out[i] = best_j
    return out


def ffd(node_cpu, node_mem, node_pods, pod_cpu, pod_mem, prio):
    n, m = len(node_cpu), len(pod_cpu)
    sc, sm = 1.0 / max(1, max(node_cpu)), 1.0 / max(1, max(node_mem))
    w0 = sum(c * sc for c in pod_cpu) / max(1, m)
    w1 = sum(x * sm for x in pod_mem) / max(1, m)
    if w0 + w1 <= 0:
        w0 = w1 = 1.0
    size = [w0 * pod_cpu[i] * sc + w1 * pod_mem[i] * sm for i in range(m)]
    order = sorted(range(m), key=lambda i: (-prio[i], -size[i], i))
    free_cpu, free_mem, free_pods = list(node_cpu), list(node_mem), list(node_pods)
    out = [-1] * m
    for i in order:
        pc, pm = pod_cpu[i], pod_mem[i]
        for j in range(n):
            if free_pods[j] >= 1 and (not pc or pc <= free_cpu[j]) and (not pm or pm <= free_mem[j]):
                free_cpu[j] -= pc
                free_mem[j] -= pm
                free_pods[j] -= 1
                out[i] = j
                break
    return out


__all__ = ["kube_nopreempt", "ffd", "math"]
