"""The Python tables of names are the core's registries: same names, same order, same meaning.

The core (``rust/schedkit-core``) holds one table per registry (``util::Entry``: name, summary
and what the name stands for); ``schedkit._core`` exports each as rows, and the Python tables
are built from those rows at import. These tests compare the two sides entry by entry.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import schedkit as sk
from schedkit import _core, batch, dag, fair, flowtime, packing
from schedkit.cli import dag as cli_dag
from schedkit.testing._trace import one_core_requests

#: The core's registries as exported (name first in every row).
CORE_TABLES = {
    "DAG_ALGORITHMS": _core.DAG_ALGORITHMS,
    "DAG_ONLINE_POLICIES": _core.DAG_ONLINE_POLICIES,
    "FLOWTIME_POLICIES": _core.FLOWTIME_POLICIES,
    "PACKING_KUBE_METHODS": _core.PACKING_KUBE_METHODS,
    "PACKING_HEURISTICS": _core.PACKING_HEURISTICS,
    "BATCH_OBJECTIVES": _core.BATCH_OBJECTIVES,
    "FAIR_POLICIES": _core.FAIR_POLICIES,
    "FAIR_ESTIMATES": _core.FAIR_ESTIMATES,
}


def names(rows: list) -> list[str]:
    return [row[0] for row in rows]


@pytest.mark.parametrize("table", sorted(CORE_TABLES))
def test_core_rows_are_named_and_summarised(table):
    rows = CORE_TABLES[table]
    assert rows, table
    assert len(set(names(rows))) == len(rows), table
    for row in rows:
        name, summary = row[0], row[-1] if table == "FLOWTIME_POLICIES" else row[1]
        assert isinstance(name, str) and name and not any(c.isspace() for c in name)
        assert isinstance(summary, str) and summary and "\n" not in summary


def test_dag_algorithms_are_the_core_registry():
    assert [(a.name, a.summary, a.insertion) for a in dag.ALGORITHMS.values()] == _core.DAG_ALGORITHMS
    assert all(name == a.name for name, a in dag.ALGORITHMS.items())
    assert names(_core.DAG_ALGORITHMS) == cli_dag.ALL
    assert tuple(names(_core.DAG_ONLINE_POLICIES)) == dag.ONLINE_POLICIES


def test_dag_named_functions_run_their_registry_entry():
    # The public functions keep their docstrings; their defaults are the registry's.
    public = {"heft": dag.heft, "cpop": dag.cpop, "peft": dag.peft, "mct": dag.mct, "met": dag.met}
    public["random"] = dag.random_priority
    assert set(public) == set(dag.ALGORITHMS)
    g, plat = dag.random_dag(25, processors=3, seed=5)
    for name, fn in public.items():
        entry = dag.ALGORITHMS[name]
        assert inspect.signature(fn).parameters["insertion"].default is entry.insertion, name
        s = fn(g, plat)
        assert s.algorithm == name
        assert s == entry(g, plat) == dag.schedule(g, plat, algorithm=name)
        assert entry(g, plat, insertion=not entry.insertion).algorithm == name
    assert dag.schedule(g, plat, algorithm="random", seed=3) == dag.random_priority(g, plat, seed=3)
    assert dag.schedule(g, plat, algorithm="heft", seed=3) == dag.heft(g, plat)


def test_flowtime_policies_are_the_core_registry():
    rows = [(p.name, p.information, dict(p.params), p.summary) for p in flowtime.POLICIES.values()]
    assert rows == _core.FLOWTIME_POLICIES
    assert list(flowtime.POLICIES) == names(_core.FLOWTIME_POLICIES)
    # A policy's parameters are typed by their defaults, and the core takes the same defaults.
    jobs = flowtime.Jobs([0, 0, 1], [[2, 1], [1], [3]], estimate=[3, 1, 3])
    for policy in flowtime.POLICIES.values():
        for key, default in policy.params.items():
            assert type(default) in (float, bool, str), (policy.name, key)
            got = policy(jobs, **{key: default}).completion.tolist()
            assert got == policy(jobs).completion.tolist(), (policy.name, key)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="True or False"):
        flowtime.POLICIES["hdf"](jobs, remaining=1.0)
    # The copy is the Python side's own: changing it leaves the core's rows alone.
    flowtime.POLICIES["laps"].params["beta"] = 0.25
    try:
        assert dict(_core.FLOWTIME_POLICIES[names(_core.FLOWTIME_POLICIES).index("laps")][2]) == {"beta": 0.5}
    finally:
        flowtime.POLICIES["laps"].params["beta"] = 0.5


def test_packing_method_names_are_the_core_registries_and_cp():
    kube = names(_core.PACKING_KUBE_METHODS)
    assert [*kube, *names(_core.PACKING_HEURISTICS), "cp"] == packing.METHOD_NAMES
    assert set(packing.METHODS) == set(packing.METHOD_NAMES)
    c = packing.Cluster([1000, 1000], [10, 10], [400, 400, 800], [1, 1, 1], [1, 1, 2], [0, 1, -1])
    for name in packing.METHOD_NAMES:
        if name != "cp":  # OR-Tools is optional
            assert packing.place(c, method=name).method == name
    # kube preempts (the pending priority-2 pod evicts a running pod), kube-nopreempt does not.
    preempts = {name: bool(packing.place(c, method=name).preemptions) for name in kube}
    assert preempts == {name: preemption for name, _, preemption in _core.PACKING_KUBE_METHODS}


def test_batch_objectives_are_the_core_registry():
    assert tuple(names(_core.BATCH_OBJECTIVES)) == batch.OBJECTIVES
    inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1], w=[1, 2, 3])
    perms = np.array([[2, 0, 1], [1, 0, 2]])
    for objective in batch.OBJECTIVES:
        rust = batch.evaluate_sequences(inst, perms, objective=objective, device="rust")
        numpy = batch.evaluate_sequences(inst, perms, objective=objective, device="numpy")
        assert rust.tolist() == numpy.tolist(), objective


def test_fair_policies_and_estimates_are_the_core_registries():
    assert list(fair.POLICIES.items()) == _core.FAIR_POLICIES
    assert tuple(names(_core.FAIR_ESTIMATES)) == fair.ESTIMATES
    # one-core requests: DRF (the resources model) refuses tasks without a cpu request
    t = one_core_requests(sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0]))
    for policy in fair.POLICIES:
        for estimate in fair.ESTIMATES:
            r = fair.replay(t, policy=policy, estimate=estimate, cores=1)
            assert (r.policy, r.estimate) == (policy, estimate)
