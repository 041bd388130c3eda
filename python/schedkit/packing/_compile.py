"""Compiles a cluster's scheduling rules into the arrays the Rust core filters and scores with.

NodeUnschedulable, TaintToleration and NodeAffinity depend only on the pod and the node, so
they are evaluated here once per *class* of pods with identical rules (and once per distinct
node signature within it), giving the core a per-class filter outcome and raw scores. Pod
(anti-)affinity and topology spread depend on where other pods run: they become *terms*
(selector, namespaces, topology key) whose domains and target pods are listed here and whose
counts the core keeps as pods are placed and evicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from schedkit.packing._k8s import (
    HOSTNAME,
    SYSTEM_DEFAULT_SPREAD,
    UNSCHEDULABLE_TAINT,
    Budget,
    LabelSelector,
    PodRules,
    Taint,
    budget_allowed,
    term_matches,
)

#: Index of each filter plugin in the core's reason table (``_core.PACKING_FILTER_PLUGINS``).
P_UNSCHEDULABLE, P_TAINT, P_AFFINITY = 0, 1, 2

_UNSCHEDULABLE = Taint(UNSCHEDULABLE_TAINT, "", "NoSchedule")


def static_outcome(
    rules: PodRules, labels: dict[str, str], name: str, taints: tuple[Taint, ...], unschedulable: bool
) -> tuple[str, int, int, int]:
    """(reason, plugin, raw taint score, raw node-affinity score) of one pod class on one node;
    reason "" when the node passes NodeUnschedulable, TaintToleration and NodeAffinity."""
    tol = rules.tolerations
    reason, plugin = "", -1
    if unschedulable and not any(t.tolerates(_UNSCHEDULABLE) for t in tol):
        reason, plugin = "node(s) were unschedulable", P_UNSCHEDULABLE
    else:
        for t in taints:
            if t.effect != "PreferNoSchedule" and not any(x.tolerates(t) for x in tol):
                reason, plugin = f"node(s) had untolerated taint {{{t.key}: {t.value}}}", P_TAINT
                break
        else:
            if not rules.node_affinity_matches(labels, name):
                reason, plugin = "node(s) didn't match Pod's node affinity/selector", P_AFFINITY
    soft_tol = [x for x in tol if x.effect in ("", "PreferNoSchedule")]
    taint_raw = sum(1 for t in taints if t.effect == "PreferNoSchedule" and not any(x.tolerates(t) for x in soft_tol))
    aff_raw = sum(w for w, term in rules.preferred if term_matches(term, labels, name))
    return reason, plugin, taint_raw, aff_raw


def _used_keys(rules: PodRules) -> tuple[tuple[str, ...], bool]:
    keys = {k for k, _ in rules.node_selector}
    uses_name = False
    terms = list(rules.required or ()) + [t for _, t in rules.preferred]
    for term in terms:
        for r in term:
            if r.field:
                uses_name = True
            else:
                keys.add(r.key)
    return tuple(sorted(keys)), uses_name


class _Nodes:
    """Node attributes and cached per-key domains."""

    def __init__(
        self,
        names: Sequence[str],
        labels: Sequence[dict[str, str]],
        taints: Sequence[tuple[Taint, ...]],
        unschedulable: Sequence[bool],
    ) -> None:
        self.names, self.labels, self.taints, self.unsched = (
            list(names),
            list(labels),
            list(taints),
            list(unschedulable),
        )
        self.n = len(self.names)
        self._domains: dict[str, list[int]] = {}

    def domain(self, key: str) -> list[int]:
        if key not in self._domains:
            ids: dict[str, int] = {}
            self._domains[key] = [ids.setdefault(lab[key], len(ids)) if key in lab else -1 for lab in self.labels]
        return self._domains[key]

    def signature(self, j: int, keys: tuple[str, ...], uses_name: bool) -> tuple[Any, ...]:
        lab = self.labels[j]
        return (self.unsched[j], self.taints[j], tuple(lab.get(k) for k in keys), self.names[j] if uses_name else None)


class _Pods:
    """Pods grouped by (namespace, labels), so a selector is matched once per group."""

    def __init__(self, labels: Sequence[dict[str, str]], namespaces: Sequence[str]) -> None:
        groups: dict[tuple[str, frozenset[tuple[str, str]]], list[int]] = {}
        for i, (lab, ns) in enumerate(zip(labels, namespaces)):
            groups.setdefault((ns, frozenset(lab.items())), []).append(i)
        self.groups = [(ns, dict(lab), pods) for (ns, lab), pods in groups.items()]
        self._cache: dict[Any, list[int]] = {}

    def matching(self, selector: LabelSelector | None, namespaces: tuple[str, ...] | None) -> list[int]:
        if selector is None:
            return []
        key = (selector, namespaces)
        if key not in self._cache:
            out: list[int] = []
            for ns, lab, pods in self.groups:
                if (namespaces is None or ns in namespaces) and selector.matches(lab):
                    out.extend(pods)
            self._cache[key] = sorted(out)
        return self._cache[key]


def compile_constraints(
    *,
    node_names: Sequence[str],
    node_labels: Sequence[dict[str, str]],
    node_taints: Sequence[tuple[Taint, ...]],
    node_unschedulable: Sequence[bool],
    pod_names: Sequence[str],
    pod_labels: Sequence[dict[str, str]],
    pod_namespaces: Sequence[str],
    pod_rules: Sequence[PodRules],
    pod_owner: Sequence[str | None],
    pod_node: Sequence[int],
    budgets: Sequence[Budget],
    res_names: Sequence[str],
    node_res: np.ndarray,
    pod_res: np.ndarray,
    pod_cpu_score: np.ndarray,
    pod_mem_score: np.ndarray,
    pod_start_time: Sequence[float | None] | None = None,
) -> dict[str, Any]:
    """The ``cons`` dict of ``_core.PackingCluster`` (see ``schedkit_core::packing::constraints``)."""
    nodes = _Nodes(node_names, node_labels, node_taints, node_unschedulable)
    n, m = nodes.n, len(pod_rules)
    out: dict[str, Any] = {
        "res_names": list(res_names),
        "node_res": [int(x) for x in np.asarray(node_res, dtype=np.int64).ravel()],
        "pod_res": [int(x) for x in np.asarray(pod_res, dtype=np.int64).ravel()],
        "pod_cpu_score": [int(x) for x in pod_cpu_score],
        "pod_mem_score": [int(x) for x in pod_mem_score],
    }
    # Static classes.
    classes: dict[tuple[Any, ...], int] = {}
    class_rules: list[PodRules] = []
    pod_class = []
    for r in pod_rules:
        k = classes.setdefault(r.static_key(), len(classes))
        if k == len(class_rules):
            class_rules.append(r)
        pod_class.append(k)
    reasons: dict[tuple[str, int], int] = {}
    k_total = len(class_rules)
    class_filter = np.zeros(k_total * n, dtype=np.int64)
    class_taint = np.zeros(k_total * n, dtype=np.int64)
    class_aff = np.zeros(k_total * n, dtype=np.int64)
    any_static = False
    for k, r in enumerate(class_rules):
        keys, uses_name = _used_keys(r)
        cache: dict[tuple[Any, ...], tuple[str, int, int, int]] = {}
        for j in range(n):
            sig = nodes.signature(j, keys, uses_name)
            if sig not in cache:
                cache[sig] = static_outcome(r, nodes.labels[j], nodes.names[j], nodes.taints[j], nodes.unsched[j])
            reason, plugin, t_raw, a_raw = cache[sig]
            if reason:
                class_filter[k * n + j] = reasons.setdefault((reason, plugin), len(reasons) + 1)
            class_taint[k * n + j] = t_raw
            class_aff[k * n + j] = a_raw
        any_static = any_static or any(v[0] or v[2] or v[3] for v in cache.values())
    if any_static or k_total > 1:
        out.update(
            pod_class=pod_class,
            class_filter=class_filter.tolist(),
            reasons=[(text, plugin) for (text, plugin), _ in sorted(reasons.items(), key=lambda kv: kv[1])],
            class_taint=class_taint.tolist(),
            class_affinity=class_aff.tolist(),
        )
    # Terms.
    pods = _Pods(pod_labels, pod_namespaces)
    term_ids: dict[tuple[Any, ...], int] = {}
    terms: list[tuple[Any, ...]] = []
    owned: list[list[int]] = [[] for _ in range(m)]
    eligible_cache: dict[tuple[Any, ...], list[bool]] = {}

    def add_term(
        i: int,
        kind: str,
        weight: int,
        min_domains: int,
        key: str,
        targets_key: tuple[Any, ...],
        targets: Any,
        eligible: list[bool],
        system_default: bool,
    ) -> None:
        ident = (kind, weight, min_domains, key, targets_key, id(eligible) if eligible else None, system_default)
        t = term_ids.get(ident)
        if t is None:
            t = term_ids[ident] = len(terms)
            terms.append(
                (kind, weight, min_domains, nodes.domain(key), eligible, targets(), key == HOSTNAME, system_default)
            )
        owned[i].append(t)

    def eligible_for(r: PodRules, keys: tuple[str, ...], honor_affinity: bool, honor_taints: bool) -> list[bool]:
        ck = (r.static_key(), keys, honor_affinity, honor_taints)
        if ck not in eligible_cache:
            mask = []
            for j in range(n):
                lab = nodes.labels[j]
                ok = all(k in lab for k in keys)
                if ok and honor_affinity:
                    ok = r.node_affinity_matches(lab, nodes.names[j])
                if ok and honor_taints:
                    ok = all(
                        t.effect == "PreferNoSchedule" or any(x.tolerates(t) for x in r.tolerations)
                        for t in nodes.taints[j]
                    )
                mask.append(ok)
            eligible_cache[ck] = mask
        return eligible_cache[ck]

    owners: dict[tuple[str, str], list[int]] = {}
    for i, o in enumerate(pod_owner):
        if o is not None:
            owners.setdefault((pod_namespaces[i], o), []).append(i)

    def matching_all(terms: tuple[Any, ...]) -> list[int]:
        sets = [set(pods.matching(t.selector, t.namespaces)) for t in terms]
        return sorted(set.intersection(*sets))

    for i, r in enumerate(pod_rules):
        ns = pod_namespaces[i]
        # Required affinity counts only the pods that match *all* of the pod's required
        # affinity terms (Kubernetes' updateWithAffinityTerms / podMatchesAllAffinityTerms),
        # so each such term targets that intersection.
        if r.affinity:
            every = tuple((t.selector, t.namespaces) for t in r.affinity)
            for term in r.affinity:
                add_term(
                    i,
                    "required_affinity",
                    0,
                    1,
                    term.topology_key,
                    ("all", every),
                    lambda terms=tuple(r.affinity): matching_all(terms),
                    [],
                    False,
                )
        for kind, items in (
            ("required_anti", [(0, t) for t in r.anti_affinity]),
            ("preferred_affinity", r.preferred_affinity),
            ("preferred_anti", r.preferred_anti_affinity),
        ):
            for w, term in items:
                add_term(
                    i,
                    kind,
                    w,
                    1,
                    term.topology_key,
                    (term.selector, term.namespaces),
                    lambda term=term: pods.matching(term.selector, term.namespaces),
                    [],
                    False,
                )
        for hard in (True, False):
            group = [s for s in r.spread if s.hard == hard]
            keys = tuple(sorted({s.topology_key for s in group}))
            for s in group:
                elig = eligible_for(r, keys, s.honor_affinity, s.honor_taints)
                add_term(
                    i,
                    "spread_hard" if hard else "spread_soft",
                    s.max_skew,
                    s.min_domains,
                    s.topology_key,
                    (s.selector, (ns,)),
                    lambda s=s, ns=ns: pods.matching(s.selector, (ns,)),
                    elig,
                    False,
                )
        if not r.spread and pod_owner[i] is not None:
            group_pods = owners[(ns, pod_owner[i])]  # type: ignore[index]
            elig = eligible_for(r, (), True, False)
            for key, skew in SYSTEM_DEFAULT_SPREAD:
                add_term(
                    i, "spread_soft", skew, 1, key, ("owner", ns, pod_owner[i]), lambda g=group_pods: g, elig, True
                )
    if terms:
        out["terms"] = terms
        out["owned"] = owned
    if pod_start_time is not None:
        # Running pods by start time (an unknown one counts as the latest), then pod order.
        order = sorted(
            (i for i in range(m) if pod_node[i] >= 0),
            key=lambda i: (pod_start_time[i] is None, pod_start_time[i] or 0.0, i),
        )
        rank = [m] * m
        for pos, i in enumerate(order):
            rank[i] = pos
        out["start_rank"] = rank
    if any(r.never_preempt for r in pod_rules):
        out["never_preempt"] = [r.never_preempt for r in pod_rules]
    if budgets:
        pod_pdbs: list[list[int]] = [[] for _ in range(m)]
        allowed = []
        for b, bud in enumerate(budgets):
            covered = pods.matching(bud.selector, (bud.namespace,))
            healthy = sum(1 for i in covered if pod_node[i] >= 0)
            allowed.append(budget_allowed(bud, healthy, len(covered)))
            for i in covered:
                if pod_names[i] not in bud.disrupted:  # already disrupted: not counted again
                    pod_pdbs[i].append(b)
        out["pdb_allowed"] = allowed
        out["pod_pdbs"] = pod_pdbs
    return out
