"""CP-SAT models of :mod:`schedkit.packing`: the lexicographic "Priority Matters" model and
VM rescheduling against the fragment rate. OR-Tools (the ``cp`` extra) is imported when a model
is built, so the rest of the package works without it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit._cp_search import search
from schedkit._optional import require


def _cp_model() -> Any:
    return require("ortools.sat.python.cp_model", "the CP-SAT packing model")


@dataclass
class CPOutcome:
    assignment: np.ndarray
    tiers: list[int]  # priorities, highest first
    placement_optimal: list[bool]  # per tier: max placed at or above the tier proven
    disruption_optimal: list[bool]
    seconds: float


def solve_lexicographic(
    c: Any,
    *,
    time_limit: float,
    hint: np.ndarray | None = None,
    lower_bounds: dict[int, int] | None = None,
    disruption: tuple[int, int, int] = (0, 1, 2),
    guaranteed_fraction: float = 0.6,
    move_fraction: float = 0.5,
    workers: int = 1,
    symmetry: bool = False,
) -> CPOutcome:
    """Per tier from the highest priority: maximise placed pods at or above it and fix the
    count (= when proven, >= otherwise), then minimise the disruption cost of running pods at or
    above it (``disruption`` = cost of stay, evict, move) and fix it (= or <=). The budget
    follows the authors' code: a reserved share ``guaranteed_fraction`` split equally over the
    tiers, the rest consumed greedily from the top; each tier gives ``1 - move_fraction`` of
    its cap to placement and the rest to disruption."""
    cp_model = _cp_model()
    t0 = time.perf_counter()
    n, m = len(c.node_cpu), len(c.pod_cpu)
    cpu, mem, cnt = c.node_cpu, c.node_mem, c.node_pods
    pc, pm, prio, cur = c.pod_cpu, c.pod_mem, c.pod_priority, c.pod_node
    protected = c.protected
    cons = c._extra["cons"] or {}
    node_res, pod_res = c._extra["node_res"], c._extra["pod_res"]
    model = cp_model.CpModel()
    x: list[dict[int, Any]] = []
    placed = []
    static_ok = _static_filter(cons, n, m)
    for i in range(m):
        if protected[i] and cur[i] >= 0:
            elig = [int(cur[i])]
        else:
            elig = [
                j
                for j in range(n)
                if pc[i] <= cpu[j]
                and pm[i] <= mem[j]
                and cnt[j] >= 1
                and (int(cur[i]) == j or static_ok(i, j))
                and all(pod_res[i] <= node_res[j])
            ]
        xi = {j: model.new_bool_var(f"x{i}_{j}") for j in elig}
        p = model.new_bool_var(f"p{i}")
        model.add(sum(xi.values()) == p)
        if protected[i] and cur[i] >= 0:
            model.add(p == 1)
        x.append(xi)
        placed.append(p)
    by_node: list[list[int]] = [[] for _ in range(n)]
    for i in range(m):
        for j in x[i]:
            by_node[j].append(i)
    for j in range(n):
        if by_node[j]:
            model.add(sum(int(pc[i]) * x[i][j] for i in by_node[j]) <= int(cpu[j]))
            model.add(sum(int(pm[i]) * x[i][j] for i in by_node[j]) <= int(mem[j]))
            model.add(sum(x[i][j] for i in by_node[j]) <= int(cnt[j]))
            for r in range(node_res.shape[1]):
                model.add(sum(int(pod_res[i, r]) * x[i][j] for i in by_node[j]) <= int(node_res[j, r]))
    _add_pod_rules(model, cons, x, placed, cur, n, m)
    # Optional symmetry breaking (off by default: on the paper's generator it slowed CP-SAT
    # down in an A/B test): nodes with equal capacities and no running pod are interchangeable
    # (permuting their contents changes neither placement nor disruption), so require their
    # requested cpu to be non-increasing in node order.
    groups: dict[tuple[int, int, int], list[int]] = {}
    if symmetry:
        occupied = {int(j) for j in cur if j >= 0}
        for j in range(n):
            if j not in occupied:
                groups.setdefault((int(cpu[j]), int(mem[j]), int(cnt[j])), []).append(j)
        for nodes in groups.values():
            for a, b in zip(nodes, nodes[1:]):
                model.add(
                    sum(int(pc[i]) * x[i][a] for i in by_node[a]) >= sum(int(pc[i]) * x[i][b] for i in by_node[b])
                )
    tiers = sorted({int(p) for p in prio}, reverse=True)
    stay_c, evict_c, move_c = disruption
    current = np.array(hint if hint is not None else cur, dtype=np.int64).copy()
    if symmetry:
        # Relabel the hint's interchangeable nodes so that it satisfies the ordering too.
        load = np.bincount(current[current >= 0], weights=pc[current >= 0], minlength=n)
        relabel = np.arange(n)
        for nodes in groups.values():
            by_load = sorted(nodes, key=lambda j: (-load[j], j))
            relabel[by_load] = nodes
        current = np.where(current >= 0, relabel[np.maximum(current, 0)], -1)

    def set_hint(a: np.ndarray) -> None:
        model.clear_hints()
        for i in range(m):
            for j, v in x[i].items():
                model.add_hint(v, int(a[i] == j))
            model.add_hint(placed[i], int(a[i] >= 0 and int(a[i]) in x[i]))

    def run(limit: float) -> tuple[Any, Any]:
        solver = cp_model.CpSolver()
        limit = max(0.01, limit)
        if workers == 1:
            # One worker on CP-SAT's deterministic clock: bit-identical plans run after run
            # (wall-clock limits make even a single worker depend on the machine's load). The
            # wall clock still caps a run at a generous multiple of the budget.
            solver.parameters.max_deterministic_time = limit
            solver.parameters.max_time_in_seconds = 4 * limit + 1
        else:
            solver.parameters.max_time_in_seconds = limit
        solver.parameters.num_workers = workers
        solver.parameters.relative_gap_limit = 0.0
        status = search(solver, model)
        return solver, status

    def extract(solver: Any) -> np.ndarray:
        a = np.full(m, -1, dtype=np.int64)
        for i in range(m):
            for j, v in x[i].items():
                if solver.boolean_value(v):
                    a[i] = j
        return a

    p_opt: list[bool] = []
    d_opt: list[bool] = []
    total = max(0.0, float(time_limit))
    reserved_left = guaranteed_fraction * total
    free_left = (1 - guaranteed_fraction) * total
    for k, p in enumerate(tiers):
        remaining = total - (time.perf_counter() - t0)
        share = reserved_left / (len(tiers) - k)
        cap = max(0.0, min(remaining, share + free_left))
        tier_start = time.perf_counter()
        members = [i for i in range(m) if prio[i] >= p]
        running = [i for i in members if cur[i] >= 0 and int(cur[i]) in x[i]]
        # Placement stage (the whole tier cap when there is no running pod to disrupt).
        obj = sum(placed[i] for i in members)
        if lower_bounds and p in lower_bounds:
            model.add(obj >= lower_bounds[p])
        model.maximize(obj)
        set_hint(current)
        solver, status = run((1 - move_fraction) * cap if running else cap)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            current = extract(solver)
            best = round(solver.objective_value)
            model.add(obj == best) if status == cp_model.OPTIMAL else model.add(obj >= best)
        else:
            best = int(sum(current[i] >= 0 for i in members))
            model.add(obj >= best)
        p_opt.append(status == cp_model.OPTIMAL)
        # Disruption stage over running pods of the tier.
        if running:
            cost = []
            for i in running:
                xo = x[i][int(cur[i])]
                # stay: xo=1; evict: placed=0; move: placed=1, xo=0.
                cost.append(stay_c * xo + evict_c * (1 - placed[i]) + move_c * (placed[i] - xo))
            dobj = sum(cost)
            model.minimize(dobj)
            set_hint(current)
            used = time.perf_counter() - tier_start
            solver, status = run(max(0.01, cap - used))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                current = extract(solver)
                val = round(solver.objective_value)
                model.add(dobj == val) if status == cp_model.OPTIMAL else model.add(dobj <= val)
            d_opt.append(status == cp_model.OPTIMAL)
        else:
            d_opt.append(True)
        used = time.perf_counter() - tier_start
        take = min(used, share)
        reserved_left -= take
        free_left = max(0.0, free_left - (used - take))
    return CPOutcome(current, tiers, p_opt, d_opt, time.perf_counter() - t0)


def _static_filter(cons: dict[str, Any], n: int, m: int) -> Any:
    """Whether pod i may go to node j under NodeUnschedulable, TaintToleration and NodeAffinity
    (the compiled per-class outcome)."""
    if not cons.get("pod_class"):
        return lambda i, j: True
    cls, filt = cons["pod_class"], cons["class_filter"]
    return lambda i, j: filt[cls[i] * n + j] == 0


def _add_pod_rules(
    model: Any, cons: dict[str, Any], x: list[dict[int, Any]], placed: list[Any], cur: Any, n: int, m: int
) -> None:
    """Required pod affinity and anti-affinity and DoNotSchedule spread, on the final state:
    the same conditions ``Plan.validate`` checks (running pods that stay are exempt from their
    own rules, as there). The required anti-affinity of a pod that stays still binds the pods
    placed or moved next to it: kube-scheduler's InterPodAffinity filter checks every existing
    pod's required anti-affinity terms against the incoming pod."""
    terms, owned = cons.get("terms") or [], cons.get("owned") or []
    if not terms:
        return

    def in_domain(i: int, nodes: set[int]) -> Any:
        vs = [v for j, v in x[i].items() if j in nodes]
        return sum(vs) if vs else 0

    domains_of: dict[int, dict[int, set[int]]] = {}

    def domains(t: int) -> dict[int, set[int]]:
        if t not in domains_of:
            d: dict[int, set[int]] = {}
            for j, dom in enumerate(terms[t][3]):
                if dom >= 0:
                    d.setdefault(dom, set()).add(j)
            domains_of[t] = d
        return domains_of[t]

    for i in range(m):
        if not x[i]:
            continue
        # A pod that may only stay where it runs is not re-checked.
        stays = len(x[i]) == 1 and int(cur[i]) in x[i]
        if stays:
            _guard_anti_affinity(model, terms, owned[i], domains, x, cur, i)
            continue
        for t in owned[i]:
            kind, weight, min_domains, dom, elig, targets, _host, _sys = terms[t]
            others = [q for q in targets if q != i and x[q]]
            if kind == "required_anti":
                for nodes in domains(t).values():
                    xi = in_domain(i, nodes)
                    if isinstance(xi, int) or not others:
                        continue
                    model.add(sum(in_domain(q, nodes) for q in others) <= len(others) * (1 - xi))
            elif kind == "required_affinity":
                # First-pod exception: no other target (a pod matching all the pod's affinity
                # terms) placed anywhere and the pod matches all of its own affinity terms.
                self_all = all(i in terms[u][5] for u in owned[i] if terms[u][0] == "required_affinity")
                exc = model.new_bool_var(f"aff_exc{i}_{t}")
                if not self_all:
                    model.add(exc == 0)
                elif others:
                    model.add(sum(placed[q] for q in others) <= len(others) * (1 - exc))
                for j, v in x[i].items():
                    if dom[j] < 0:
                        model.add(v == 0)  # the node lacks the topology key, first pod or not
                for nodes in domains(t).values():
                    xi = in_domain(i, nodes)
                    if isinstance(xi, int):
                        continue
                    model.add(xi <= sum(in_domain(q, nodes) for q in others) + exc)
            elif kind == "spread_hard":
                eligible = [j for j in range(n) if dom[j] >= 0 and (not elig or elig[j])]
                per_dom: dict[int, set[int]] = {}
                for j in eligible:
                    per_dom.setdefault(dom[j], set()).add(j)
                for j, v in x[i].items():
                    if dom[j] < 0:
                        model.add(v == 0)  # the node lacks the topology key
                if not per_dom:
                    continue
                counts = {}
                for d, nodes in per_dom.items():
                    cv = model.new_int_var(0, len(targets), f"spread{i}_{t}_{d}")
                    model.add(cv == sum(in_domain(q, nodes) for q in targets if x[q]))
                    counts[d] = cv
                low = model.new_int_var(0, len(targets), f"spreadmin{i}_{t}")
                if len(per_dom) < min_domains:
                    model.add(low == 0)
                else:
                    model.add_min_equality(low, list(counts.values()))
                for d, nodes in domains(t).items():
                    xi = in_domain(i, nodes)
                    if isinstance(xi, int):
                        continue
                    mine = counts.get(d)
                    if mine is None:  # a domain with no eligible node counts the pod alone
                        mine = 1 if i in targets else 0
                    model.add(mine - low <= weight + len(targets) * (1 - xi))


def _guard_anti_affinity(
    model: Any, terms: list[Any], owned: list[int], domains: Any, x: list[dict[int, Any]], cur: Any, i: int
) -> None:
    """The required anti-affinity terms of pod ``i``, which may only stay on ``cur[i]``: while it
    stays there, no target pod goes into its domain, except onto the node that target already
    runs on (a violation that predates the plan: the scheduler never re-checks running pods, and
    neither does ``Plan.validate``)."""
    xi = x[i][int(cur[i])]
    for t in owned:
        if terms[t][0] != "required_anti":
            continue
        d = terms[t][3][int(cur[i])]
        if d < 0:
            continue  # the node lacks the topology key: the term matches nothing there
        nodes = domains(t)[d]
        for q in terms[t][5]:
            if q == i:
                continue
            for j, v in x[q].items():
                if j in nodes and j != int(cur[q]):
                    model.add(v + xi <= 1)


def vm_reschedule_cp(
    c: Any, probe_cpu: int, k: int, time_limit: float, hint: np.ndarray | None, workers: int = 0
) -> tuple[np.ndarray, bool]:
    """At most ``k`` moves minimising Σ_nodes (free cpu mod probe); every pod stays placed."""
    cp_model = _cp_model()
    n, m = len(c.node_cpu), len(c.pod_cpu)
    cur = c.pod_node
    model = cp_model.CpModel()
    x: list[dict[int, Any]] = []
    moved = []
    for i in range(m):
        if cur[i] < 0:
            x.append({})
            continue
        if c.protected[i]:
            elig = [int(cur[i])]
        else:
            elig = [j for j in range(n) if c.pod_cpu[i] <= c.node_cpu[j] and c.pod_mem[i] <= c.node_mem[j]]
        xi = {j: model.new_bool_var(f"x{i}_{j}") for j in elig}
        model.add_exactly_one(xi.values())
        x.append(xi)
        moved.append(1 - xi[int(cur[i])])
    model.add(sum(moved) <= k)
    rem = []
    for j in range(n):
        on = [i for i in range(m) if j in x[i]]
        cap = int(c.node_cpu[j])
        free = cap - sum(int(c.pod_cpu[i]) * x[i][j] for i in on)
        model.add(sum(int(c.pod_mem[i]) * x[i][j] for i in on) <= int(c.node_mem[j]))
        model.add(sum(x[i][j] for i in on) <= int(c.node_pods[j]))
        q = model.new_int_var(0, cap // probe_cpu + 1, f"q{j}")
        r = model.new_int_var(0, probe_cpu - 1, f"r{j}")
        model.add(free == probe_cpu * q + r)
        model.add(free >= 0)
        rem.append(r)
    model.minimize(sum(rem))
    if hint is not None:
        for i in range(m):
            for j, v in x[i].items():
                model.add_hint(v, int(hint[i] == j))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    solver.parameters.num_workers = workers
    status = search(solver, model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.array(hint if hint is not None else cur, dtype=np.int64), False
    a = np.array(cur, dtype=np.int64).copy()
    for i in range(m):
        for j, v in x[i].items():
            if solver.boolean_value(v):
                a[i] = j
    return a, status == cp_model.OPTIMAL
