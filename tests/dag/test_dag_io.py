"""schedkit.dag readers: WfCommons (1.4 and 1.5), STG, networkx."""

from __future__ import annotations

import json

import numpy as np
import pytest
from dag_cases import ALL_ALGOS, DATA, SPEEDS, WF

from schedkit import dag
from schedkit.exceptions import InvalidInstanceError

WF_FILES = sorted(p.name for p in WF.glob("*.json"))
#: Makespans of the bundled Epigenomics workflow on speeds 1, 1.5, 2, 3 with 100 MB/s links, as an independent implementation computed them.
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
