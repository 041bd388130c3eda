"""The independent checker of a pod placement, on plain arrays.

Sums requests per node in exact Python integers (no NumPy overflow, no shared code with the
placement methods) and checks capacities, pod limits and protected pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from schedkit.exceptions import ValidationError


def check_assignment(
    assignment: Any,
    *,
    node_cpu: Any,
    node_mem: Any,
    node_pods: Any,
    pod_cpu: Any,
    pod_mem: Any,
    pod_node: Any,
    protected: Any,
    node_names: Sequence[str] | None = None,
    pod_names: Sequence[str] | None = None,
) -> None:
    """Checks that ``assignment`` is a feasible placement.

    Every pod has exactly one node in 0..N-1 or -1 (pending), no node's cpu, memory or pod
    limit is exceeded, and protected pods stay on the node they run on.

    Parameters
    ----------
    assignment : array_like of int, shape (M,)
        Node per pod, -1 pending.
    node_cpu, node_mem, node_pods : array_like of int, shape (N,)
        Allocatable cpu, memory and pod limit per node.
    pod_cpu, pod_mem, pod_node : array_like of int, shape (M,)
        Requests and current node (-1 pending) per pod.
    protected : array_like of bool, shape (M,)
        Pods that must stay where they run.
    node_names, pod_names : sequence of str, optional
        Names for the error messages (default ``node-<j>`` and ``pod-<i>``).

    Raises
    ------
    ValidationError
        On the first check that fails.

    Examples
    --------
    >>> arrays = dict(node_cpu=[1000], node_mem=[10], node_pods=[110], pod_cpu=[600, 600],
    ...               pod_mem=[1, 1], pod_node=[-1, -1], protected=[False, False])
    >>> check_assignment([0, -1], **arrays)
    >>> check_assignment([0, 0], **arrays)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.ValidationError: node node-0 over capacity: cpu 1200/1000, memory 2/10, pods 2/110
    """
    a = np.asarray(assignment)
    node_cpu, node_mem, node_pods = (np.asarray(x) for x in (node_cpu, node_mem, node_pods))
    pod_cpu, pod_mem, pod_node = (np.asarray(x) for x in (pod_cpu, pod_mem, pod_node))
    protected = np.asarray(protected, dtype=bool)
    n, m = node_cpu.shape[0], pod_cpu.shape[0]
    node_names = list(node_names) if node_names is not None else [f"node-{j}" for j in range(n)]
    pod_names = list(pod_names) if pod_names is not None else [f"pod-{i}" for i in range(m)]
    if a.shape != (m,):
        raise ValidationError(f"assignment has shape {a.shape}, expected ({m},)")
    if np.any((a < -1) | (a >= n)):
        raise ValidationError(f"pod {int(np.argmax((a < -1) | (a >= n)))} has an invalid node")
    cpu = [0] * n
    mem = [0] * n
    cnt = [0] * n
    for i, j in enumerate(a.tolist()):
        if j >= 0:
            cpu[j] += int(pod_cpu[i])
            mem[j] += int(pod_mem[i])
            cnt[j] += 1
    for j in range(n):
        if cpu[j] > int(node_cpu[j]) or mem[j] > int(node_mem[j]) or cnt[j] > int(node_pods[j]):
            raise ValidationError(
                f"node {node_names[j]} over capacity: cpu {cpu[j]}/{node_cpu[j]}, "
                f"memory {mem[j]}/{node_mem[j]}, pods {cnt[j]}/{node_pods[j]}"
            )
    moved = protected & (a != pod_node)
    if moved.any():
        raise ValidationError(f"protected pod {pod_names[int(np.argmax(moved))]} was moved or evicted")
