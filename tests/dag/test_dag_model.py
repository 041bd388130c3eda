"""schedkit.dag types: bad inputs name the problem, outputs, exports, pickling, equality,
immutability, reprs, the examples of the methods."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import pickle

import numpy as np
import pytest
from dag_cases import ALL_ALGOS, known
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit import dag
from schedkit.exceptions import InvalidInstanceError
from schedkit.testing.strategies import dag_instances, dag_platforms, dag_task_graphs


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
        (lambda: dag.TaskGraph([0.5], [1]), "src", 0, "0.5 is not an integer"),
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


def test_schedule_outputs():
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)
    table = s.to_arrow()
    assert table.num_rows == 10
    assert table.column_names == ["task", "name", "processor", "processor_name", "start", "finish", "duration"]
    assert table.column("name").to_pylist()[0] == "n1" and table.column("processor_name").to_pylist()[0] == "P3"
    assert s.tasks_on(2).tolist() == [0, 2, 4, 6]
    assert "makespan=80" in repr(s)


def test_package_exports():
    assert sk.dag is dag
    assert list(dag.ALGORITHMS) == [name for name, _, _ in sk._core.DAG_ALGORITHMS]
    assert dag.TaskGraph.__module__ == "schedkit.dag"


# ----------------------------------------------------------------------------- value semantics


def round_trip(obj):
    return pickle.loads(pickle.dumps(obj))


@given(dag_task_graphs())
def test_task_graph_pickles_equal(g):
    back = round_trip(g)
    assert back == g and hash(back) == hash(g)
    assert np.array_equal(back.topological_order, g.topological_order)  # the core graph is rebuilt
    assert not back.src.flags.writeable


def test_task_graph_pickle_keeps_names_and_every_protocol():
    g = dag.TaskGraph([0, 1], [1, 2], [1.5, 0.0], names=["a", "b", "c"], name="chain")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(g, protocol=protocol))
        assert back == g and back.names == ("a", "b", "c") and back.name == "chain"
    assert copy.deepcopy(g) == g
    assert g != dag.TaskGraph([0, 1], [1, 2], [1.5, 0.0], names=["a", "b", "c"])  # the name counts
    assert g != dag.TaskGraph([0, 1], [1, 2], [1.5, 1.0], names=["a", "b", "c"], name="chain")


@given(dag_platforms(num_tasks=5))
def test_platform_pickles_equal(plat):
    back = round_trip(plat)
    assert back == plat and hash(back) == hash(plat)
    assert back.speed is None and not back.cost.flags.writeable


def test_platform_pickle_keeps_the_related_machines_model():
    plat = dag.Platform(speed=[1, 3], work=[3, 6, 0], bandwidth=[[1, 2], [np.inf, 1]], latency=[0, 2], names=["a", "b"])
    back = round_trip(plat)
    assert back == plat and back.names == ("a", "b")
    assert np.array_equal(back.speed, [1, 3]) and np.array_equal(back.cost, plat.cost)
    assert plat != dag.Platform(cost=plat.cost, bandwidth=plat.bandwidth, latency=plat.latency, names=["a", "b"])


@given(dag_instances(), st.sampled_from(ALL_ALGOS))
def test_schedule_pickles_equal(inst, algorithm):
    g, plat = inst
    s = dag.schedule(g, plat, algorithm=algorithm)
    back = round_trip(s)
    assert back == s and hash(back) == hash(s)
    assert back.elapsed == s.elapsed and back.lower_bound == s.lower_bound
    assert not back.start.flags.writeable
    back.validate()


def test_schedule_equality_ignores_elapsed_only():
    _doc, g, plat = known("topcuoglu2002")
    a, b = dag.heft(g, plat), dag.heft(g, plat)
    assert a == b  # two runs: same schedule, different wall-clock times
    assert a != dag.cpop(g, plat)
    assert a != dataclasses.replace(a, release=np.zeros(10))
    assert a != dataclasses.replace(a, finish=a.finish + 1, makespan=a.makespan + 1)
    assert a != dataclasses.replace(a, platform=dag.Platform(cost=plat.cost, latency=1.0))


def test_types_are_immutable():
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)
    for obj, attr in ((g, "name"), (g, "names"), (plat, "names"), (plat, "speed"), (s, "makespan")):
        with pytest.raises(AttributeError):
            setattr(obj, attr, None)
    with pytest.raises(AttributeError):
        del g.name
    with pytest.raises(ValueError, match="read-only"):
        g.src[0] = 1


def test_reprs_are_one_short_line():
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)
    big, big_plat = dag.random_dag(2000, processors=8, seed=0)
    assert repr(g) == "<dag.TaskGraph tasks=10 edges=15>"
    assert repr(plat) == "<dag.Platform tasks=10 processors=3>"
    assert repr(s) == "<dag.Schedule heft tasks=10 processors=3 makespan=80>"
    for obj in (big, big_plat, dag.peft(big, big_plat)):
        text = repr(obj)
        assert "\n" not in text and len(text) < 100 and "[" not in text


@pytest.mark.parametrize("cls", [dag.TaskGraph, dag.Platform, dag.Schedule, dag.JobStream, dag.OnlineResult])
def test_method_examples_run(cls):
    """The classes name schedkit.dag as their module while their methods live in private
    modules, so pytest's --doctest-modules collects the class docstrings (from schedkit.dag)
    but none of the methods'; run those here. Examples must import what they use."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("networkx")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(cls, module=False) if t.examples and t.name != cls.__name__]
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_a_cycle_is_carried_as_data_and_named():
    with pytest.raises(InvalidInstanceError) as err:
        dag.TaskGraph([0, 1, 2, 3], [1, 2, 0, 0])
    assert err.value.field == "edges" and err.value.cycle == [0, 1, 2, 0]
    with pytest.raises(InvalidInstanceError, match="'a' -> 'b' -> 'a'") as err:
        dag.TaskGraph([0, 1], [1, 0], names=["a", "b"])
    assert err.value.cycle == [0, 1, 0]
