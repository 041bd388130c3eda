"""Each area's runs in a sweep give what the area's own public call gives with the run's seed
(computed here independently of the sweep), failing runs are recorded while the sweep goes
on, and runs sharing an input are computed together."""

from __future__ import annotations

import json
import math

import pytest

import schedkit as sk
from schedkit.sweep._area import Task
from schedkit.sweep._fair import AREA as FAIR

TRACE = "google2011_wta_500s_hetero.csv"
WORKFLOW = "epigenomics-chameleon-hep-1seq-100k-001.json"


def rows(table):
    return table.to_pylist()


def test_fair_runs_match_direct_replays_and_scenarios():
    runs = sk.sweep.grid(area="fair", trace=TRACE, policy=["fifo", "uwfq"], estimate="noisy", noise=1.0, seed=[0, 1])
    runs += [{"area": "fair", "scenario": "4_super_small_users", "policy": "uwfq", "cores": 16}]
    t = sk.sweep.run(runs, progress=False)
    assert t.column("error").null_count == t.num_rows
    path = sk.data.path(TRACE)
    for r in rows(t)[:4]:
        direct = sk.fair.replay(path, policy=r["policy"], estimate="noisy", noise=1.0, seed=r["run_seed"]).summary()
        assert r["mean_response_time"] == direct["mean_response_time"]
        assert r["jain_index"] == direct["jain_index"] and r["job_count"] == direct["jobs"] == 125
    # the two replicates draw different noise; the two policies of a replicate the same
    by = {(r["policy"], r["seed"]): r["run_seed"] for r in rows(t)[:4]}
    assert by["fifo", 0] == by["uwfq", 0] != by["fifo", 1] == by["uwfq", 1]
    last = rows(t)[4]
    direct = sk.fair.run_scenario("4_super_small_users", policy="uwfq", cores=16, seed=last["run_seed"]).summary()
    assert last["mean_response_time"] == direct["mean_response_time"] and last["job_count"] == 120


def test_a_fair_pass_with_a_bad_run_blames_only_that_run():
    runs = sk.sweep.grid(area="fair", trace=TRACE, policy=["fifo", "uwfg", "ujf"])
    runs.append({"area": "fair", "trace": TRACE, "policy": "ujf", "cores": 0})
    runs.append({"area": "fair", "trace": "no-such-trace.csv", "policy": "ujf"})
    t = sk.sweep.run(runs, progress=False)
    errors = t.column("error").to_pylist()
    assert errors[0] is None and errors[2] is None
    assert "policy: unknown 'uwfg'" in errors[1]
    assert "cores: must be >= 1, got 0" in errors[3]
    assert "trace: no such file: no-such-trace.csv" in errors[4]
    assert t.column("mean_response_time").to_pylist()[1] is None
    assert t.schema.metadata[b"schedkit.sweep.failed"] == b"3"


def test_fair_runs_over_one_trace_share_one_pass(monkeypatch):
    calls = []
    real = sk.fair.replay_many

    def counting(trace, runs, **kw):
        runs = list(runs)
        calls.append(len(runs))
        return real(trace, runs, **kw)

    monkeypatch.setattr(sk.fair, "replay_many", counting)
    tasks = [Task({"trace": TRACE, "policy": p}, 5) for p in ("fifo", "ujf", "cfq")]
    outcomes = FAIR.run(tasks, 1)
    assert calls == [3] and all(o.error is None for o in outcomes)


def test_dag_runs_match_direct_schedules():
    runs = sk.sweep.grid(area="dag", algorithm=["heft", "random"], tasks=60, ccr=[0.5, 2.0], seed=[0, 1])
    runs += sk.sweep.grid(area="dag", algorithm="peft", workflow=WORKFLOW, processors=[[1, 2, 3], 6])
    t = sk.sweep.run(runs, progress=False)
    assert t.column("error").null_count == t.num_rows
    for r in rows(t)[:8]:
        g, plat = sk.dag.random_dag(60, ccr=r["ccr"], seed=r["run_seed"])
        s = sk.dag.schedule(g, plat, algorithm=r["algorithm"], seed=r["run_seed"])
        assert (r["makespan"], r["slr"], r["efficiency"]) == (s.makespan, s.slr, s.efficiency)
    for r in rows(t)[8:]:
        g, plat = sk.dag.from_wfcommons(sk.data.path(WORKFLOW), processors=json.loads(str(r["processors"])))
        assert r["makespan"] == sk.dag.schedule(g, plat, algorithm="peft").makespan
    assert t.column("processors").to_pylist()[8:] == ["[1, 2, 3]", "6"]


def test_flowtime_runs_match_direct_simulations():
    runs = sk.sweep.grid(area="flowtime", policy=["srpt", "laps:beta=0.5"], jobs=300, load=[0.5, 0.95], sizes="pareto")
    t = sk.sweep.run(runs, progress=False)
    assert t.column("error").null_count == t.num_rows
    for r in rows(t):
        jobs = sk.flowtime.generate(300, load=r["load"], sizes="pareto", seed=r["run_seed"])
        direct = sk.flowtime.simulate(jobs, policy=r["policy"])
        assert r["mean_flow_time"] == direct.mean_flow_time and r["finished"] is True
    # SRPT is optimal on one machine: its ratio to the lower bound is 1
    assert [r["ratio"] for r in rows(t) if r["policy"] == "srpt"] == [1.0, 1.0]


def test_packing_runs_match_direct_placements():
    runs = sk.sweep.grid(
        area="packing", method=["kube", "ffd"], nodes=6, pods_per_node=4, priorities=2, utilisation=[0.9, 1.2]
    )
    t = sk.sweep.run(runs, progress=False)
    assert t.column("error").null_count == t.num_rows
    for r in rows(t):
        c = sk.packing.generate(6, 4, 2, r["utilisation"], seed=r["run_seed"])
        plan = sk.packing.place(c, method=r["method"])
        assert (r["placed"], r["pending"], r["pods"]) == (plan.placed, plan.pending, 24)
        assert r["fragment_rate"] == plan.fragment_rate()


def test_tardiness_runs_report_gaps_to_the_known_optima():
    runs = [
        {"area": "tardiness", "method": "exact", "file": "wt40.txt", "optima": "wtopt40.txt", "instance": 3},
        {"area": "tardiness", "method": "mddc", "file": "sdt_n100.txt"},
        {"area": "tardiness", "method": "edd", "file": "wt40.txt"},
        {"area": "tardiness", "method": "edd", "file": "wt40.txt", "instance": 125},
    ]
    t = sk.sweep.run(runs, progress=False)
    exact, mddc, edd, bad = rows(t)
    optimum = sk.tardiness.read_orlib_values(sk.data.path("wtopt40.txt"))[3]
    assert exact["total_objective"] == optimum and exact["at_optimum"] == 1 and exact["proven_optimal"] == 1
    assert exact["mean_gap_to_optimum_pct"] == 0.0
    # the EDDC/MDDC paper's figure for MDDC on the 200 SDT instances (n = 100): 1.52 %
    assert mddc["instances"] == 200 and round(mddc["mean_gap_to_optimum_pct"], 2) == 1.52
    instances = sk.tardiness.read_orlib(sk.data.path("wt40.txt"), 40)
    total = sum(sk.tardiness.solve(i, method="edd").objective for i in instances)
    assert edd["total_objective"] == total and edd["at_optimum"] is None
    assert "instance: expected a position in 0..124, got 125" in bad["error"]


def test_metric_names_never_shadow_parameters():
    runs, _ = sk.sweep.read_grid(sk.data.path("sweeps/example.yaml"))
    t = sk.sweep.run(runs, progress=False)
    params = {p for a in sk.sweep.AREAS.values() for p in a.params}
    assert not [c for c in t.column_names if c.endswith("_result")]
    metrics = set(t.column_names) - params - {"run", "area", "run_seed", "wall_time_s", "error"}
    assert {"mean_response_time", "makespan", "mean_flow_time", "placed", "mean_objective"} <= metrics
    assert all(math.isfinite(v) and v >= 0 for v in t.column("wall_time_s").to_pylist())
    for area in sk.sweep.AREAS.values():
        assert set(area.headline) <= metrics, area.name


def test_a_panic_or_any_exception_in_a_run_is_recorded(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("engine fault")

    monkeypatch.setattr(sk.dag, "schedule", boom)
    t = sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=[5, 6]), progress=False)
    assert t.column("error").to_pylist() == ["RuntimeError: engine fault"] * 2
    assert "makespan" not in t.column_names  # no run produced metrics


def test_ctrl_c_stops_the_sweep(monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sk.dag, "schedule", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=5), progress=False)
