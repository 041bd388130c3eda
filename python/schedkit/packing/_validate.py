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


# --------------------------------------------------------------------------- scheduling rules
# Written apart from the compiler and the core filters (schedkit.packing._compile and the Rust
# plugins): plain loops over the parsed rules, no shared matching code.


def _label_ok(op: str, key: str, values: Sequence[str], labels: dict[str, str]) -> bool:
    present = key in labels
    if op == "In":
        return present and labels[key] in values
    if op == "NotIn":
        return (not present) or labels[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    try:
        have, want = int(labels[key]), int(values[0])
    except (KeyError, ValueError):
        return False
    return have > want if op == "Gt" else have < want


def _node_term_ok(term: Any, labels: dict[str, str], name: str) -> bool:
    if len(term) == 0:
        return False
    for r in term:
        if r.field:
            if (name in r.values) != (r.operator == "In"):
                return False
        elif not _label_ok(r.operator, r.key, r.values, labels):
            return False
    return True


def _selects(sel: Any, labels: dict[str, str]) -> bool:
    if sel is None:
        return False
    for k, v in sel.labels:
        if labels.get(k) != v:
            return False
    return all(_label_ok(r.operator, r.key, r.values, labels) for r in sel.expressions)


def _tolerated(tolerations: Any, key: str, value: str, effect: str) -> bool:
    for t in tolerations:
        if t.effect and t.effect != effect:
            continue
        if t.key and t.key != key:
            continue
        if t.operator == "Exists" or t.value == value:
            return True
    return False


def _affinity_ok(rules: Any, labels: dict[str, str], name: str) -> bool:
    for k, v in rules.node_selector:
        if labels.get(k) != v:
            return False
    return rules.required is None or any(_node_term_ok(t, labels, name) for t in rules.required)


def check_rules(assignment: Any, cluster: Any, events: Sequence[tuple[int, int]] | None = None) -> None:
    """Checks the rules Kubernetes enforces on every pod a plan places or moves.

    With ``events`` (the placements ``(pod, node)`` and evictions ``(pod, -1)`` in the order a
    sequential method made them) each placement is checked against the pods placed at that
    moment, as the scheduler checks it, and the replay must end in ``assignment``. Without
    them (a CP-SAT or hand-made plan) each placed or moved pod is checked against the final
    placement, the affinity first-pod exception being allowed to any pod that matches its own
    terms (it may have been first).

    The rules: extra resources within allocatable on every node; the node is not cordoned
    (unless tolerated), its NoSchedule/NoExecute taints are tolerated, nodeSelector and required
    node affinity hold, required pod affinity has a matching pod in the domain (or the
    first-pod exception), required anti-affinity has none, no placed pod's required
    anti-affinity term matches the pod within that pod's domain, and every DoNotSchedule spread
    constraint holds: matching pods in the domain (the pod included) minus the fewest in any
    eligible domain (0 below minDomains domains) is at most maxSkew.

    Raises
    ------
    ValidationError
        On the first rule broken, naming the pod, the node and the rule.
    """
    a = [int(x) for x in np.asarray(assignment).tolist()]
    c = cluster
    n = c.num_nodes
    names = c.node_names
    # Extra resources, summed in Python integers.
    for rname, (alloc, req) in c.resources.items():
        used = [0] * n
        for i, j in enumerate(a):
            if j >= 0:
                used[j] += int(req[i])
        for j in range(n):
            if used[j] > int(alloc[j]):
                raise ValidationError(f"node {names[j]} over capacity: {rname} {used[j]}/{int(alloc[j])}")
    # the pods whose own anti-affinity another pod may break (looked at for every pod checked)
    anti = [q for q, r in enumerate(c.pod_rules) if r.anti_affinity]
    if events is None:
        for i, j in enumerate(a):
            if j >= 0 and j != int(c.pod_node[i]):
                _check_pod(c, i, j, a, anti, final=True)
        return
    now = [int(x) for x in c.pod_node.tolist()]
    for i, j in events:
        if j < 0:
            now[i] = -1
            continue
        now[i] = -1
        _check_pod(c, i, j, now, anti, final=False)
        now[i] = j
    if now != a:
        k = next(k for k in range(len(a)) if now[k] != a[k])
        raise ValidationError(f"replaying the plan's events puts pod {c.pod_names[k]} on {now[k]}, the plan on {a[k]}")


def _check_pod(c: Any, i: int, j: int, a: list[int], anti: list[int], *, final: bool) -> None:
    """Pod ``i`` on node ``j`` with the others placed as ``a`` (``a[i]`` is ignored); ``anti``
    lists the pods with required anti-affinity terms."""
    n = c.num_nodes
    names, pnames = c.node_names, c.pod_names
    labels, taints, unsched = c.node_labels, c.node_taints, c.node_unschedulable
    plabels, pns, rules = c.pod_labels, c.pod_namespaces, c.pod_rules
    r = rules[i]
    # only the inter-pod rules look at the other pods: a pod without any costs O(1), not O(pods)
    placed = [q for q in range(len(a)) if a[q] >= 0 and q != i] if (r.spread or r.affinity or r.anti_affinity) else []
    who = f"pod {pnames[i]} on node {names[j]}"

    def dom(jj: int, key: str) -> str | None:
        return labels[jj].get(key)

    def term_pods(term: Any) -> list[int]:
        return [
            q
            for q in placed
            if (term.namespaces is None or pns[q] in term.namespaces) and _selects(term.selector, plabels[q])
        ]

    if unsched[j] and not _tolerated(r.tolerations, "node.kubernetes.io/unschedulable", "", "NoSchedule"):
        raise ValidationError(f"{who}: the node is unschedulable")
    for t in taints[j]:
        if t.effect in ("NoSchedule", "NoExecute") and not _tolerated(r.tolerations, t.key, t.value, t.effect):
            raise ValidationError(f"{who}: untolerated taint {t.key}={t.value}:{t.effect}")
    if not _affinity_ok(r, labels[j], names[j]):
        raise ValidationError(f"{who}: nodeSelector or required node affinity not met")
    hard = [s for s in r.spread if s.hard]
    keys = {s.topology_key for s in hard}
    for s in hard:
        d = dom(j, s.topology_key)
        if d is None:
            raise ValidationError(f"{who}: node lacks topology key {s.topology_key}")
        counts: dict[str, int] = {}
        eligible_nodes = set()
        for jj in range(n):
            if not all(k in labels[jj] for k in keys):
                continue
            if s.honor_affinity and not _affinity_ok(r, labels[jj], names[jj]):
                continue
            if s.honor_taints and any(
                t.effect != "PreferNoSchedule" and not _tolerated(r.tolerations, t.key, t.value, t.effect)
                for t in taints[jj]
            ):
                continue
            eligible_nodes.add(jj)
            counts.setdefault(labels[jj][s.topology_key], 0)
        for q in placed:
            # Only pods on eligible nodes count (the node inclusion policies).
            if a[q] in eligible_nodes and pns[q] == pns[i] and _selects(s.selector, plabels[q]):
                counts[labels[a[q]][s.topology_key]] += 1
        me = 1 if _selects(s.selector, plabels[i]) else 0
        if final and j in eligible_nodes:
            counts[d] += me  # the final state holds the pod itself
        low = 0 if len(counts) < s.min_domains else min(counts.values(), default=0)
        mine = counts[d] if (final and j in eligible_nodes) else counts.get(d, 0) + me
        if mine - low > s.max_skew:
            raise ValidationError(
                f"{who}: topology spread over {s.topology_key} has skew {mine - low} > maxSkew {s.max_skew}"
            )
    if r.affinity:
        self_ok = all(
            (t.namespaces is None or pns[i] in t.namespaces) and _selects(t.selector, plabels[i]) for t in r.affinity
        )
        # Only pods that match every affinity term count (Kubernetes' podMatchesAllAffinityTerms).
        every = set.intersection(*(set(term_pods(t)) for t in r.affinity))
        first = self_ok and (
            final or all(not any(dom(a[q], t.topology_key) is not None for q in every) for t in r.affinity)
        )
        for t in r.affinity:
            d = dom(j, t.topology_key)
            if d is None:
                raise ValidationError(f"{who}: node lacks topology key {t.topology_key} of its required pod affinity")
            if any(dom(a[q], t.topology_key) == d for q in every):
                continue
            if not first:
                raise ValidationError(f"{who}: required pod affinity over {t.topology_key} not met")
    for t in r.anti_affinity:
        d = dom(j, t.topology_key)
        if d is not None and any(dom(a[q], t.topology_key) == d for q in term_pods(t)):
            raise ValidationError(f"{who}: required pod anti-affinity over {t.topology_key} broken")
    for q in anti:
        if a[q] < 0 or q == i:
            continue
        for t in rules[q].anti_affinity:
            if (t.namespaces is None or pns[i] in t.namespaces) and _selects(t.selector, plabels[i]):
                d = dom(a[q], t.topology_key)
                if d is not None and dom(j, t.topology_key) == d:
                    raise ValidationError(f"{who}: breaks the anti-affinity of pod {pnames[q]}")
