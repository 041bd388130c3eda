"""schedkit.dag schedulers: known answers from the papers, properties on generated DAGs,
communication, several entries and exits, the baselines."""

from __future__ import annotations

import numpy as np
import pytest
from dag_cases import ALL_ALGOS, assert_schedule, known
from hypothesis import given
from hypothesis import strategies as st

from schedkit import dag
from schedkit.testing.strategies import dag_instances

# ----------------------------------------------------------------------------- known answers


def test_topcuoglu_heft_80_with_the_paper_schedule():
    doc, g, plat = known("topcuoglu2002")
    exp = doc["expected"]
    rank = dag.upward_rank(g, plat)
    np.testing.assert_allclose(rank, [exp["rank_u"][t] for t in doc["tasks"]], atol=1e-3)
    s = dag.heft(g, plat).validate()
    assert s.makespan == exp["heft_makespan"] == 80
    assert_schedule(s, exp["heft_schedule"], doc)
    assert [doc["tasks"][i] for i in s.order] == exp["heft_order_paper"]
    assert dag.heft(g, plat, insertion=False).validate().makespan == exp["heft_makespan_without_insertion"]
    m = exp["metrics"]["HEFT"]
    assert (round(s.slr, 4), round(s.speedup, 4), round(s.efficiency, 4)) == (m["SLR"], m["speedup"], m["efficiency"])
    assert s.lower_bound == exp["cp_min_sum_of_min_costs"]
    assert s.sequential_time == exp["sequential_time_best_single_proc"]


def test_ranks_within_tolerance_tie():
    """rank_u(n3) sums to 79.99999999999999 but ties with rank_u(n4) = 80 (specs key takeaway 2)."""
    _doc, g, plat = known("topcuoglu2002")
    rank = dag.upward_rank(g, plat)
    assert abs(rank[2] - rank[3]) < 1e-9
    order = dag.heft(g, plat).order.tolist()
    assert order.index(2) < order.index(3)  # tie: same level, lower id first
    # Relative noise far below the tolerance changes no decision.
    noisy = dag.Platform(cost=plat.cost * (1 + 1e-13 * np.arange(30).reshape(10, 3)))
    a, b = dag.heft(g, plat), dag.heft(g, noisy)
    assert a.processor.tolist() == b.processor.tolist() and a.order.tolist() == b.order.tolist()
    np.testing.assert_allclose(a.start, b.start, rtol=1e-10)


def test_topcuoglu_cpop_86_with_the_paper_schedule():
    doc, g, plat = known("topcuoglu2002")
    exp = doc["expected"]
    np.testing.assert_allclose(dag.downward_rank(g, plat), [exp["rank_d"][t] for t in doc["tasks"]], atol=1e-3)
    path, proc = dag.critical_path(g, plat)
    assert [doc["tasks"][i] for i in path] == exp["critical_path"]
    assert doc["processors"][proc] == exp["cp_processor"]
    s = dag.cpop(g, plat).validate()
    assert s.makespan == exp["cpop_makespan"] == 86
    assert_schedule(s, exp["cpop_schedule"], doc)
    assert [doc["tasks"][i] for i in s.order] == exp["cpop_order"]
    m = exp["metrics"]["CPOP"]
    assert (round(s.slr, 4), round(s.speedup, 4), round(s.efficiency, 4)) == (m["SLR"], m["speedup"], m["efficiency"])
    p = dag.peft(g, plat).validate()
    assert p.makespan == exp["peft_makespan_on_this_graph"] == 85
    assert round(p.slr, 4) == exp["metrics"]["PEFT"]["SLR"]


def test_arabnejad_peft_122_and_heft_133():
    doc, g, plat = known("arabnejad2014")
    exp = doc["expected"]
    oct_ = dag.optimistic_cost_table(g, plat)
    np.testing.assert_allclose(oct_, [exp["OCT"][t] for t in doc["tasks"]])
    s = dag.peft(g, plat).validate()
    assert s.makespan == exp["peft_makespan"] == 122
    assert [doc["tasks"][i] for i in s.order] == exp["peft_order"]
    assert_schedule(s, exp["peft_schedule"], doc)
    h = dag.heft(g, plat).validate()
    assert h.makespan == exp["heft_makespan"] == 133
    assert [doc["tasks"][i] for i in h.order] == exp["heft_order"]
    assert_schedule(h, exp["heft_schedule"], doc)
    c = dag.cpop(g, plat).validate()
    assert c.makespan == exp["cpop_makespan"]
    assert [doc["tasks"][i] for i in dag.critical_path(g, plat)[0]] == exp["cpop_critical_path"]
    assert h.lower_bound == exp["cp_min_sum_of_min_costs"]


def test_insertion_16_versus_append_only_18():
    doc, g, plat = known("insertion_case")
    exp = doc["expected"]
    s = dag.heft(g, plat).validate()
    assert s.makespan == exp["heft_makespan_insertion"] == 16
    assert_schedule(s, exp["heft_schedule_insertion"], doc)
    assert dag.heft(g, plat, insertion=False).validate().makespan == exp["heft_makespan_append_only"] == 18
    np.testing.assert_allclose(dag.upward_rank(g, plat), [exp["rank_u"][t] for t in doc["tasks"]])


# ----------------------------------------------------------------------------- generated DAGs


def python_lower_bound(g: dag.TaskGraph, plat: dag.Platform) -> float:
    """The heaviest path with minimum costs and free communication, by plain Python."""
    n = g.num_tasks
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in zip(g.src.tolist(), g.dst.tolist(), strict=True):
        succ[u].append(v)
        indeg[v] += 1
    wmin = plat.cost.min(axis=1)
    best = list(wmin)
    stack = [i for i in range(n) if indeg[i] == 0]
    while stack:
        u = stack.pop()
        for v in succ[u]:
            best[v] = max(best[v], best[u] + wmin[v])
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    return max(best, default=0.0)


@given(dag_instances(), st.booleans(), st.integers(0, 2**32))
def test_every_algorithm_is_valid_and_above_the_critical_path(inst, insertion, seed):
    g, plat = inst
    lb = python_lower_bound(g, plat)
    for name in ALL_ALGOS:
        s = dag.schedule(g, plat, algorithm=name, insertion=insertion, seed=seed).validate()
        assert s.makespan >= lb - 1e-9 * max(1.0, lb), name
        assert abs(s.lower_bound - lb) <= 1e-9 * max(1.0, lb)
        assert sorted(s.order.tolist()) == list(range(g.num_tasks))
        assert s.slr >= 1 - 1e-12


@given(dag_instances(max_tasks=15, processors=1), st.booleans())
def test_single_processor_makespan_is_the_sum_of_costs(inst, insertion):
    g, plat = inst
    total = float(plat.cost.sum())
    for name in ALL_ALGOS:
        s = dag.schedule(g, plat, algorithm=name, insertion=insertion).validate()
        assert s.makespan == pytest.approx(total, rel=1e-12, abs=1e-12), name


@given(dag_instances(max_tasks=10))
def test_heft_makespan_below_fully_serial_execution(inst):
    """Each task finishes by the latest finish so far + its worst cost + its incoming transfers,
    so HEFT (either policy) never exceeds every task at its worst cost plus every transfer."""
    g, plat = inst
    bound = float(plat.cost.max(axis=1).sum()) + float(
        (plat.latency.max() if plat.num_processors > 1 else 0) * g.num_edges
        + g.data.sum() / plat.bandwidth[~np.eye(plat.num_processors, dtype=bool)].min(initial=np.inf)
    )
    for insertion in (True, False):
        s = dag.heft(g, plat, insertion=insertion).validate()
        assert s.makespan <= bound + 1e-9 * max(1.0, bound)


def test_communication_uses_latency_of_the_sender_and_link_bandwidth():
    g = dag.TaskGraph([0], [1], [8.0])
    bw = np.array([[np.inf, 2.0], [4.0, np.inf]])
    # Task 0 only fast on P0, task 1 only fast on P1: the edge is paid P0 -> P1.
    plat = dag.Platform(cost=[[1, 50], [50, 1]], bandwidth=bw, latency=[3.0, 100.0])
    s = dag.heft(g, plat).validate()
    assert s.processor.tolist() == [0, 1]
    assert s.start[1] == 1 + 3.0 + 8.0 / 2.0
    assert plat.comm_time(8.0, 0, 1) == 7.0 and plat.comm_time(8.0, 1, 1) == 0.0


def test_multiple_entries_and_exits():
    # Two independent chains plus a diamond: 3 entries, 3 exits.
    g = dag.TaskGraph([0, 2, 4, 4, 5, 6], [1, 3, 5, 6, 7, 7], [1, 1, 2, 2, 2, 2], num_tasks=8)
    plat = dag.Platform(cost=np.arange(1, 17).reshape(8, 2) % 5 + 1.0)
    assert g.entries.tolist() == [0, 2, 4] and g.exits.tolist() == [1, 3, 7]
    path, _ = dag.critical_path(g, plat)
    assert path[0] in g.entries and path[-1] in g.exits
    for name in ALL_ALGOS:
        dag.schedule(g, plat, algorithm=name).validate()
    empty = dag.TaskGraph(num_tasks=0)
    s = dag.heft(empty, dag.Platform(cost=np.zeros((0, 2)))).validate()
    assert (s.makespan, s.slr, s.speedup) == (0.0, 1.0, 1.0)


def test_random_priority_is_seeded_and_mct_met_behave():
    g, plat = dag.random_dag(60, processors=3, seed=5)
    a, b = dag.random_priority(g, plat, seed=1), dag.random_priority(g, plat, seed=1)
    assert a.order.tolist() == b.order.tolist()
    assert any(dag.random_priority(g, plat, seed=k).order.tolist() != a.order.tolist() for k in range(2, 6))
    met = dag.met(g, plat).validate()
    assert np.array_equal(met.processor, np.argmin(plat.cost, axis=1))
    mct = dag.mct(g, plat).validate()
    assert np.all(np.diff(g.levels[mct.order]) >= 0)
