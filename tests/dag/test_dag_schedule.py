"""schedkit.dag: known answers, the independent validator on generated DAGs, bounds, readers,
bad inputs, online streams, the CLI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit import dag
from schedkit.dag._validate import check_schedule
from schedkit.exceptions import InvalidInstanceError, SolverUnavailableError, ValidationError

DATA = Path(__file__).resolve().parent.parent / "data" / "dag"
WF = DATA / "wfcommons"
SPEEDS = [1, 1.5, 2, 3]
PAPER_ALGOS = ["heft", "cpop", "peft"]
ALL_ALGOS = sorted(dag.ALGORITHMS)


def known(name: str) -> tuple[dict, dag.TaskGraph, dag.Platform]:
    """A known-answer file as (json, graph, platform) with bandwidth 1, latency 0."""
    doc = json.loads((DATA / "known_answers" / f"{name}.json").read_text())
    tasks = doc["tasks"]
    index = {t: k for k, t in enumerate(tasks)}
    src = [index[u] for u, _, _ in doc["edges"]]
    dst = [index[v] for _, v, _ in doc["edges"]]
    data = [c for _, _, c in doc["edges"]]
    graph = dag.TaskGraph(src, dst, data, num_tasks=len(tasks), names=tasks)
    plat = dag.Platform(cost=[doc["W"][t] for t in tasks], names=doc["processors"])
    return doc, graph, plat


def assert_schedule(s: dag.Schedule, expected: dict, doc: dict) -> None:
    procs = doc["processors"]
    for k, t in enumerate(doc["tasks"]):
        e = expected[t]
        got = (procs[s.processor[k]], float(s.start[k]), float(s.finish[k]))
        assert got == (e["proc"], e["start"], e["finish"]), t


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


@st.composite
def instances(draw: st.DrawFn, max_n: int = 12, max_q: int = 4, q: int | None = None) -> tuple:
    """A random DAG (ids shuffled, so edges run both ways in id order) on a random platform."""
    n = draw(st.integers(1, max_n))
    q = draw(st.integers(1, max_q)) if q is None else q
    perm = draw(st.permutations(range(n)))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    edges = [(perm[a], perm[b]) for (a, b), k in zip(pairs, keep, strict=True) if k]
    integer = draw(st.booleans())
    num = st.integers(0, 20).map(float) if integer else st.floats(0, 20, allow_nan=False)
    data = draw(st.lists(num, min_size=len(edges), max_size=len(edges)))
    cost = draw(st.lists(num, min_size=n * q, max_size=n * q))
    bw = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, np.inf]), min_size=q * q, max_size=q * q))
    lat = draw(st.lists(st.sampled_from([0.0, 0.5, 3.0]), min_size=q, max_size=q))
    g = dag.TaskGraph([u for u, _ in edges], [v for _, v in edges], data, num_tasks=n)
    plat = dag.Platform(cost=np.reshape(cost, (n, q)), bandwidth=np.reshape(bw, (q, q)), latency=lat)
    return g, plat


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


@given(instances(), st.booleans(), st.integers(0, 2**32))
def test_every_algorithm_is_valid_and_above_the_critical_path(inst, insertion, seed):
    g, plat = inst
    lb = python_lower_bound(g, plat)
    for name in ALL_ALGOS:
        s = dag.schedule(g, plat, algorithm=name, insertion=insertion, seed=seed).validate()
        assert s.makespan >= lb - 1e-9 * max(1.0, lb), name
        assert abs(s.lower_bound - lb) <= 1e-9 * max(1.0, lb)
        assert sorted(s.order.tolist()) == list(range(g.num_tasks))
        assert s.slr >= 1 - 1e-12


@given(instances(max_n=15, q=1), st.booleans())
def test_single_processor_makespan_is_the_sum_of_costs(inst, insertion):
    g, plat = inst
    total = float(plat.cost.sum())
    for name in ALL_ALGOS:
        s = dag.schedule(g, plat, algorithm=name, insertion=insertion).validate()
        assert s.makespan == pytest.approx(total, rel=1e-12, abs=1e-12), name


@given(instances(max_n=10))
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


def test_validator_rejects_broken_schedules():
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)

    def broken(**change):
        fields = {"processor": s.processor.copy(), "start": s.start.copy(), "finish": s.finish.copy()}
        for key, fn in change.items():
            fn(fields[key])
        return fields

    cases = {
        "starts at": broken(start=lambda a: a.__setitem__(9, a[9] - 1), finish=lambda a: a.__setitem__(9, a[9] - 1)),
        "duration": broken(finish=lambda a: a.__setitem__(0, a[0] + 1)),
        "overlap": broken(start=lambda a: a.__setitem__(4, 20.0), finish=lambda a: a.__setitem__(4, 30.0)),
        "processor": broken(processor=lambda a: a.__setitem__(0, 7)),
    }
    for expected, f in cases.items():
        with pytest.raises(ValidationError, match=expected):
            check_schedule(
                num_tasks=10,
                src=g.src,
                dst=g.dst,
                data=g.data,
                cost=plat.cost,
                bandwidth=plat.bandwidth,
                latency=plat.latency,
                **f,
            )
    with pytest.raises(ValidationError, match="makespan"):
        dag.Schedule(g, plat, "x", s.processor, s.start, s.finish, s.order, makespan=79.0).validate()
    with pytest.raises(ValidationError, match="release"):
        dag.Schedule(g, plat, "x", s.processor, s.start, s.finish, s.order, 80.0, release=np.full(10, 1.0)).validate()


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


# ----------------------------------------------------------------------------- generator


def test_random_dag_parameters():
    g, plat = dag.random_dag(400, processors=5, alpha=0.5, out_degree=2, ccr=5.0, beta=1.0, mean_cost=20, seed=3)
    g2, plat2 = dag.random_dag(400, processors=5, alpha=0.5, out_degree=2, ccr=5.0, beta=1.0, mean_cost=20, seed=3)
    assert np.array_equal(g.src, g2.src) and np.array_equal(plat.cost, plat2.cost)
    assert g.num_tasks == 400 and plat.cost.shape == (400, 5)
    assert g.data.mean() / plat.cost.mean() == pytest.approx(5.0)
    assert np.all(g.levels[g.entries] == 0) and np.all(g.levels[g.dst] == g.levels[g.src] + 1)
    # alpha 0.5: mean width sqrt(400) * 0.5 = 10, so about 40 levels.
    assert 25 <= g.levels.max() + 1 <= 60
    spread = plat.cost.max(axis=1) / np.maximum(plat.cost.min(axis=1), 1e-12)
    assert spread.max() <= 3.0 + 1e-9  # beta = 1: costs within [0.5, 1.5] x the task mean
    wide, _ = dag.random_dag(400, alpha=2.0, seed=3)
    assert wide.levels.max() < g.levels.max()
    with pytest.raises(InvalidInstanceError) as err:
        dag.random_dag(10, beta=3.0)
    assert err.value.field == "beta"
    with pytest.raises(InvalidInstanceError):
        dag.random_dag(-1)


# ----------------------------------------------------------------------------- readers


WF_FILES = sorted(p.name for p in WF.glob("*.json"))
#: Illustrative makespans of specs/dag.md §9 (speeds 1, 1.5, 2, 3; 100 MB/s; independent code).
SPEC_HEFT = {"blast": 52.5, "epigenomics": 88.9, "montage": 828.2, "seismology": 9.6}
SPEC_PEFT = {"blast": 52.6, "epigenomics": 86.9, "montage": 936.2, "seismology": 9.8}


@pytest.mark.parametrize("name", WF_FILES)
def test_wfcommons_files_load_and_schedule(name):
    g, plat = dag.from_wfcommons(WF / name, processors=SPEEDS)
    assert g.num_tasks == len(g.names) and plat.num_processors == 4
    results = {a: dag.schedule(g, plat, algorithm=a).validate() for a in ALL_ALGOS}
    key = name.split("-")[0]
    assert round(results["heft"].makespan, 1) == SPEC_HEFT[key]
    assert round(results["peft"].makespan, 1) == SPEC_PEFT[key]
    assert min(s.makespan for s in results.values()) >= results["heft"].lower_bound


def test_wfcommons_edge_data_and_schemas_agree():
    g5, p5 = dag.from_wfcommons(WF / "epigenomics-chameleon-hep-1seq-100k-001.json", processors=SPEEDS)
    g4, p4 = dag.from_wfcommons(WF / "v1.4" / "epigenomics-chameleon-hep-1seq-100k-001.json", processors=SPEEDS)
    assert g5.names == g4.names
    e5 = {(g5.names[u], g5.names[v]): d for u, v, d in zip(g5.src, g5.dst, g5.data, strict=True)}
    e4 = {(g4.names[u], g4.names[v]): d for u, v, d in zip(g4.src, g4.dst, g4.data, strict=True)}
    assert e5 == e4
    np.testing.assert_allclose(p5.work, p4.work)
    assert (g5.num_tasks, g5.num_edges) == (41, 48)
    assert p5.work.sum() == pytest.approx(539.307)
    # One edge by hand: the files the parent writes and the child reads.
    doc = json.loads((WF / "epigenomics-chameleon-hep-1seq-100k-001.json").read_text())
    spec = doc["workflow"]["specification"]
    sizes = {f["id"]: f["sizeInBytes"] for f in spec["files"]}
    tasks = {t["id"]: t for t in spec["tasks"]}
    (u, v), d = next(iter(e5.items()))
    shared = set(tasks[u]["outputFiles"]) & set(tasks[v]["inputFiles"])
    assert d == sum(sizes[f] for f in shared) > 0
    # BLAST has edges that share no file: data 0.
    gb, _ = dag.from_wfcommons(WF / "blast-chameleon-small-001.json", processors=2)
    assert (gb.data == 0).any() and (gb.data > 0).any()


def test_wfcommons_bad_files(tmp_path):
    doc = json.loads((WF / "epigenomics-chameleon-hep-1seq-100k-001.json").read_text())
    spec = doc["workflow"]["specification"]
    bad = json.loads(json.dumps(doc))
    bad["workflow"]["specification"]["tasks"][3]["parents"].append("nope")
    (tmp_path / "a.json").write_text(json.dumps(bad))
    with pytest.raises(InvalidInstanceError, match="nope"):
        dag.from_wfcommons(tmp_path / "a.json")
    bad = json.loads(json.dumps(doc))
    del bad["workflow"]["execution"]["tasks"][0]
    (tmp_path / "b.json").write_text(json.dumps(bad))
    with pytest.raises(InvalidInstanceError, match="runtime"):
        dag.from_wfcommons(tmp_path / "b.json")
    bad = json.loads(json.dumps(doc))
    first, child = spec["tasks"][0]["id"], spec["tasks"][0]["children"][0]
    for t in bad["workflow"]["specification"]["tasks"]:
        if t["id"] == first:
            t["parents"].append(child)
    (tmp_path / "c.json").write_text(json.dumps(bad))
    with pytest.raises(InvalidInstanceError, match="cycle"):
        dag.from_wfcommons(tmp_path / "c.json")
    (tmp_path / "d.json").write_text("{not json")
    with pytest.raises(InvalidInstanceError, match="not JSON"):
        dag.from_wfcommons(tmp_path / "d.json")
    with pytest.raises(InvalidInstanceError, match="processors"):
        dag.from_wfcommons(WF / "epigenomics-chameleon-hep-1seq-100k-001.json", processors=0)


def test_stg_reader(tmp_path):
    g, plat = dag.from_stg(DATA / "stg" / "rand0000_50tasks.stg", processors=3)
    assert (g.num_tasks, g.num_edges) == (50, 96)
    assert plat.work.sum() == 262
    s = dag.heft(g, plat).validate()
    assert s.lower_bound == 55  # the CP length of the STG information part
    gd, _pd = dag.from_stg(DATA / "stg" / "rand0000_50tasks.stg", keep_dummies=True)
    assert (gd.num_tasks, gd.num_edges) == (52, 119)
    (tmp_path / "comm.stg").write_text("2\n0 0 0\n1 3 1 0\n0 0\n2 4 1 1\n1 7\n3 0 1 2\n2 0\n# info\n")
    gc, _ = dag.from_stg(tmp_path / "comm.stg", processors=2)
    assert gc.data.tolist() == [7.0]
    (tmp_path / "bad.stg").write_text("2\n0 0 0\n1 3 2 0\n")
    with pytest.raises(InvalidInstanceError) as err:
        dag.from_stg(tmp_path / "bad.stg")
    assert err.value.field == "line" and err.value.index == 3


def test_networkx_round_trip():
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph()
    G.add_node("a", cost=[2, 100])
    G.add_node("b", cost=[100, 3])
    G.add_node("c", cost=[100, 2])
    G.add_node("d", cost=[1, 1])
    G.add_edges_from(
        [("a", "b", {"data": 10}), ("a", "c", {"data": 1}), ("b", "d", {"data": 1}), ("c", "d", {"data": 1})]
    )
    g, plat = dag.from_networkx(G)
    assert dag.heft(g, plat).makespan == 16
    back = g.to_networkx()
    assert back.number_of_edges() == 4 and back.edges[0, 1]["data"] == 10
    H = nx.DiGraph()
    H.add_nodes_from([("x", {"cost": 2.0}), ("y", {"cost": 4.0})])
    H.add_edge("x", "y")
    _g2, plat2 = dag.from_networkx(H, processors=[1, 2])
    assert plat2.cost.tolist() == [[2.0, 1.0], [4.0, 2.0]]
    with pytest.raises(InvalidInstanceError, match="processors"):
        dag.from_networkx(H)
    H.add_edge("y", "x")
    with pytest.raises(InvalidInstanceError, match="'x' -> 'y' -> 'x'"):
        dag.from_networkx(H, processors=1)
    J = nx.DiGraph()
    J.add_node(1)
    with pytest.raises(InvalidInstanceError, match="no 'cost'"):
        dag.from_networkx(J)
    with pytest.raises(InvalidInstanceError, match="directed"):
        dag.from_networkx(nx.Graph())


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("build", "field", "index", "text"),
    [
        (lambda: dag.TaskGraph([0, 1, 2], [1, 2, 0]), "edges", None, "cycle: 0 -> 1 -> 2 -> 0"),
        (lambda: dag.TaskGraph([0, 1], [1, 1]), "dst", 1, "self-loop"),
        (lambda: dag.TaskGraph([0, 1], [1, 5], num_tasks=3), "dst", 1, "unknown task id 5"),
        (lambda: dag.TaskGraph([-1], [1], num_tasks=3), "src", 0, "unknown task id -1"),
        (lambda: dag.TaskGraph([0, 0], [1, 1]), "dst", 1, "duplicate edge"),
        (lambda: dag.TaskGraph([0], [1], [-1.0]), "data", 0, ">= 0"),
        (lambda: dag.TaskGraph([0], [1], [np.nan]), "data", 0, ">= 0"),
        (lambda: dag.TaskGraph([0.5], [1]), "src", 0, "not a task id"),
        (lambda: dag.Platform(cost=[[1, 2], [3, -1]]), "cost", 1, ">= 0"),
        (lambda: dag.Platform(cost=[[1, 2], [np.inf, 1]]), "cost", 1, "finite"),
        (lambda: dag.Platform(cost=[[1, 2], [np.nan, 1]]), "cost", 1, "finite"),
        (lambda: dag.Platform(cost=[[1, 2]], bandwidth=[[1, 0], [1, 1]]), "bandwidth", 0, "missing link"),
        (lambda: dag.Platform(cost=[[1, 2]], bandwidth=[[1, np.nan], [1, 1]]), "bandwidth", 0, "> 0"),
        (lambda: dag.Platform(cost=[[1, 2]], latency=[0, -1]), "latency", 1, ">= 0"),
        (lambda: dag.Platform(cost=[[1, 2]], latency=[0, 1, 2]), "latency", None, "shape"),
        (lambda: dag.Platform(speed=[1, 0], work=[1]), "speed", 1, "> 0"),
        (lambda: dag.Platform(speed=[1, 2], work=[np.inf]), "work", 0, "finite"),
        (lambda: dag.Platform(cost=[1, 2]), "cost", None, "2-D"),
        (lambda: dag.Platform(), "cost", None, "give cost"),
        (lambda: dag.heft(dag.TaskGraph([0], [1]), dag.Platform(cost=[[1.0]])), "platform", None, "1 tasks"),
        (
            lambda: dag.schedule(dag.TaskGraph([0], [1]), dag.Platform(cost=[[1.0]] * 2), algorithm="nope"),
            "algorithm",
            None,
            "nope",
        ),
    ],
)
def test_bad_inputs_name_the_problem(build, field, index, text):
    with pytest.raises(InvalidInstanceError) as err:
        build()
    assert err.value.field == field
    assert err.value.index == index
    assert text in str(err.value)
    assert isinstance(err.value, ValueError)


def test_optional_dependencies_missing(monkeypatch):
    g, plat = dag.random_dag(5, seed=0)
    s = dag.heft(g, plat)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SolverUnavailableError, match=r"schedkit\[plot\]"):
        s.plot()
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(SolverUnavailableError, match="networkx"):
        g.to_networkx()


# ----------------------------------------------------------------------------- results


def test_schedule_outputs(tmp_path):
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)
    table = s.to_arrow()
    assert table.num_rows == 10
    assert table.column_names == ["task", "name", "processor", "processor_name", "start", "finish", "duration"]
    assert table.column("name").to_pylist()[0] == "n1" and table.column("processor_name").to_pylist()[0] == "P3"
    assert s.tasks_on(2).tolist() == [0, 2, 4, 6]
    assert "makespan=80" in repr(s)
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert s.plot(ax=ax) is ax.figure
    assert len(ax.patches) == 10
    s.plot(path=tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 1000


# ----------------------------------------------------------------------------- online


def test_online_per_job_and_runtime_heft():
    _doc, g, plat = known("topcuoglu2002")
    stream = dag.JobStream((g, plat), arrival=[0.0, 10.0, 10.0, 200.0])
    for policy in dag.ONLINE_POLICIES:
        res = dag.simulate_online(stream, policy=policy).validate()
        np.testing.assert_allclose(res.actual.start, res.planned.start)  # no noise: the plan runs as planned
        assert np.all(res.planned.start >= res.planned.release)
        assert res.jobs.num_rows == 4
        assert set(res.summary()) >= {"mean_response_time", "p95_response_time", "makespan", "mean_slowdown"}
        assert np.all(res.slowdown >= 1 - 1e-12)
    per_job = dag.simulate_online(stream, policy="heft")
    # The first job sees an idle platform (and the last arrives after all others finished):
    # both get exactly the static HEFT schedule, makespan 80.
    assert per_job.response_time[0] == 80 and per_job.response_time[3] == 80


def test_online_noise_and_streams():
    g, plat = dag.random_dag(30, processors=3, ccr=0.5, seed=2)
    g2, plat2 = dag.random_dag(12, processors=3, ccr=2.0, seed=3)
    stream = dag.JobStream.poisson([(g, plat), (g2, plat2)], 40, mean_interarrival=300.0, seed=4, weights=[1, 3])
    assert stream.num_jobs == 40 and stream.arrival[0] == 0 and np.all(np.diff(stream.arrival) >= 0)
    assert set(stream.template.tolist()) == {0, 1}
    for policy in dag.ONLINE_POLICIES:
        exact = dag.simulate_online(stream, policy=policy).validate()
        noisy = dag.simulate_online(stream, policy=policy, noise=0.3, seed=9).validate()
        again = dag.simulate_online(stream, policy=policy, noise=0.3, seed=9)
        assert np.array_equal(noisy.completion, again.completion)
        assert np.array_equal(noisy.planned.start, exact.planned.start)  # same plan, different execution
        assert not np.allclose(noisy.completion, exact.completion)
        assert noisy.actual.factors is not None and abs(noisy.actual.factors.mean() - 1) < 0.1
    with pytest.raises(InvalidInstanceError) as err:
        dag.simulate_online(stream, policy="fifo")
    assert err.value.field == "policy"
    with pytest.raises(InvalidInstanceError) as err:
        dag.JobStream([(g, plat), (g2, dag.Platform(cost=plat2.cost, bandwidth=2.0))], arrival=[0])
    assert err.value.field == "templates" and err.value.index == 1
    with pytest.raises(InvalidInstanceError) as err:
        dag.JobStream((g, plat), arrival=[0, -1])
    assert (err.value.field, err.value.index) == ("arrival", 1)


# ----------------------------------------------------------------------------- CLI


def run_cli(*argv: str) -> int:
    from schedkit import _cli_dag

    parser = argparse.ArgumentParser(prog="schedkit")
    _cli_dag.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_dag(tmp_path, capsys):
    wf = str(WF / "montage-chameleon-dss-05d-001.json")
    assert run_cli("dag", wf, "--processors", "1,1.5,2,3", "--algorithm", "all") == 0
    out = capsys.readouterr().out
    assert "HEFT" in out and "828.16" in out and "PEFT" in out and "SLR" in out
    assert run_cli("dag", wf, "--algorithm", "peft", "--json", "--output", str(tmp_path / "s.parquet")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["results"][0]["algorithm"] == "peft" and result["tasks"] == 58
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "s.parquet").num_rows == 58
    assert (
        run_cli(
            "dag",
            str(DATA / "stg" / "rand0000_50tasks.stg"),
            "--processors",
            "2",
            "--algorithm",
            "heft",
            "--output",
            str(tmp_path / "s.csv"),
        )
        == 0
    )
    assert (tmp_path / "s.csv").read_text().startswith('"algorithm","task"')
    pytest.importorskip("matplotlib")
    assert run_cli("dag", wf, "--algorithm", "cpop", "--gantt", str(tmp_path / "g.png")) == 0
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_demo_section():
    from schedkit._cli_dag import demo_section

    text, rows = demo_section()
    assert "HEFT" in text and "online" in text
    static = {r["algorithm"]: r for r in rows if r["section"] == "static"}
    assert static["heft"]["makespan"] == pytest.approx(88.9, abs=0.05)
    assert len({tuple(sorted(r)) for r in rows}) == 1  # every row has the same keys


def test_package_exports():
    assert sk.dag is dag
    assert set(dag.ALGORITHMS) == set(sk._core.DAG_ALGORITHMS)
    assert dag.TaskGraph.__module__ == "schedkit.dag"
