"""Arguments a call would not read, and hostile arguments to the experiments and testing helpers:
each is a schedkit error naming the argument, never silently ignored, a raw Python error or a hang.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading

import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.experiments import packing as packing_experiment
from schedkit.experiments import uwfq

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="Dask is not installed (pip install 'schedkit[dask]')"
)

# ----------------------------------------------------------------------------- sweep parameters


@pytest.mark.parametrize(
    ("run", "name", "needs"),
    [
        ({"area": "dag", "algorithm": "heft", "tasks": 20, "bandwidth": 2.0}, "bandwidth", "workflow"),
        ({"area": "dag", "algorithm": "heft", "tasks": 20, "latency": 1.0}, "latency", "workflow"),
        ({"area": "dag", "algorithm": "heft", "workflow": "any.json", "alpha": 2.0}, "alpha", "tasks"),
        ({"area": "dag", "algorithm": "heft", "workflow": "any.json", "ccr": 0.5}, "ccr", "tasks"),
        ({"area": "fair", "trace": "google2011_wta_500s_hetero.csv", "skew": 2.0}, "skew", "scenario"),
        ({"area": "fair", "trace": "google2011_wta_500s_hetero.csv", "default_tasks": 8}, "default_tasks", "scenario"),
        ({"area": "fair", "trace": "google2011_wta_500s_hetero.csv", "reduce_share": 0.1}, "reduce_share", "scenario"),
        ({"area": "fair", "scenario": "4_super_small_users", "format": "csv"}, "format", "trace"),
        ({"area": "fair", "scenario": "4_super_small_users", "errors": "skip"}, "errors", "trace"),
        ({"area": "fair", "scenario": "4_super_small_users", "users": ["a"]}, "users", "trace"),
    ],
)
def test_a_sweep_parameter_the_run_does_not_read_is_an_error(run, name, needs):
    message = rf"runs\[0\]\.{name}: read only by a run with {needs} .*would change nothing"
    for call in (lambda: sk.sweep.grid(**run), lambda: sk.sweep.run([run], workers=1, progress=False)):
        with pytest.raises(InvalidInstanceError, match=message) as info:
            call()
        assert info.value.field == name and info.value.index == 0


def test_a_grid_axis_the_run_does_not_read_is_an_error():
    with pytest.raises(InvalidInstanceError, match=r"runs\[0\]\.bandwidth: read only by a run with workflow"):
        sk.sweep.grid(area="dag", algorithm="heft", tasks=20, bandwidth=[1.0, 2.0])


def test_the_parameters_each_path_reads_are_still_accepted():
    runs = sk.sweep.grid(area="dag", algorithm="heft", tasks=20, processors=3, alpha=2.0, ccr=0.5)
    runs += sk.sweep.grid(area="dag", algorithm="heft", workflow="any.json", processors=3, bandwidth=2.0, latency=1.0)
    runs += sk.sweep.grid(area="fair", scenario="4_super_small_users", skew=2.0, default_tasks=8, reduce_share=0.1)
    runs += sk.sweep.grid(area="fair", trace="google2011_wta_500s_hetero.csv", format="csv", errors="raise")
    assert len(runs) == 4


def test_a_job_count_for_an_sdt_file_is_an_error():
    run = {"area": "tardiness", "method": "edd", "file": "sdt_n100.txt", "n": 100}
    t = sk.sweep.run([run], workers=1, progress=False)
    assert "n: sdt_n100.txt is an SDT-format file" in t.column("error")[0].as_py()


# ----------------------------------------------------------------------------- packing.place


def _cluster():
    return sk.packing.generate(4, 4, 2, 1.05, seed=0)


@pytest.mark.parametrize(
    ("method", "name", "value", "reader"),
    [
        ("kube", "size", "max", "ffd and bfd"),
        ("kube", "weights", "unit", "the heuristics"),
        ("kube", "repack", True, "the bin-packing heuristics"),
        ("ffd", "strategy", "most", "the kube methods"),
        ("ffd", "resource_weights", (2, 1), "the kube methods"),
        ("bfd", "plugin_weights", {"TaintToleration": 1}, "the kube methods"),
        ("first-fit", "weights", "unit", "the heuristics"),
        ("best-fit", "size", "max", "ffd and bfd"),
        ("kube", "disruption", (0, 2, 1), "the CP-SAT model"),
        ("ffd", "move_fraction", 0.2, "the CP-SAT model"),
        ("cp", "fallback", "cp", "the methods other than cp"),
        ("cp", "strategy", "most", "the kube methods"),
    ],
)
def test_place_refuses_an_option_its_method_does_not_read(method, name, value, reader):
    with pytest.raises(InvalidInstanceError, match=rf"^{name}: read by {reader}.* not by method='{method}'") as info:
        sk.packing.place(_cluster(), method=method, **{name: value})
    assert info.value.field == name


def test_place_takes_defaults_given_explicitly_and_seeds_and_budgets_for_every_method():
    c = _cluster()
    defaults = {"strategy": "least", "resource_weights": [1, 1], "size": "sum", "weights": "average", "repack": False}
    for method in ("kube", "ffd", "first-fit"):
        sk.packing.place(c, method=method, fallback=False, seed=3, time_limit=2.0, workers=1, **defaults).validate()


def test_a_packing_sweep_records_the_unread_option_as_the_runs_error():
    run = {"area": "packing", "method": "kube", "size": "max", "nodes": 4, "pods_per_node": 3}
    run |= {"priorities": 2, "utilisation": 1.1}
    t = sk.sweep.run([run], workers=1, progress=False)
    assert t.column("error")[0].as_py().startswith("InvalidInstanceError: size: read by ffd and bfd")


# ----------------------------------------------------------------------------- sweep --address


def _sweep_cli(*args, timeout=120):
    # a subprocess, so a hang fails the test instead of stalling the suite
    return subprocess.run(
        [sys.executable, "-m", "schedkit", "sweep", "example.yaml", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_malformed_dask_address_is_refused_before_any_connection():
    done = _sweep_cli("--backend", "dask", "--address", "notaurl")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("schedkit: error: address: 'notaurl' is not a Dask scheduler address")
    assert "Traceback" not in done.stderr
    for address in ("notaurl", "tcp://host:port", "tcp://", "http://host:8786", 5):
        with pytest.raises(InvalidInstanceError, match=r"^address: ") as info:
            sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=5), backend="dask", address=address)
        assert info.value.field == "address"


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_dask
def test_an_unreachable_dask_scheduler_is_an_error_not_a_hang(monkeypatch):
    done = _sweep_cli("--backend", "dask", "--address", f"tcp://127.0.0.1:{_closed_port()}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("schedkit: error: address: cannot reach a Dask scheduler at tcp://127.0.0.1:")
    assert "Traceback" not in done.stderr

    # an address that never answers (TEST-NET-1 is not routed): the wait is bounded
    from schedkit.sweep import _backends

    monkeypatch.setattr(_backends, "DASK_CONNECT_TIMEOUT_S", 0.5)
    raised = []

    def call():
        try:
            sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=5), backend="dask", address="192.0.2.1:8786")
        except InvalidInstanceError as exc:
            raised.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the sweep hung on an unreachable scheduler"
    assert raised and raised[0].field == "address" and "cannot reach a Dask scheduler" in str(raised[0])


# ----------------------------------------------------------------------------- experiments

TINY = {"nodes": (4,), "pods_per_node": (4,), "priorities": (2,), "utilisation": (1.05,)}


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"grid": {**TINY, "nodez": (4,)}}, "grid", r"grid: unknown 'nodez' \(did you mean 'nodes'\?\)"),
        ({"grid": {"nodes": (4,)}}, "pods_per_node", "grid: missing pods_per_node, priorities, utilisation"),
        ({"grid": 5}, "grid", "grid: expected a mapping"),
        ({"grid": {**TINY, "nodes": 4}}, "nodes", r"grid\['nodes'\]: expected a non-empty list"),
        ({"grid": {**TINY, "nodes": []}}, "nodes", r"grid\['nodes'\]: expected a non-empty list"),
        ({"grid": TINY, "scenarios": -1}, "scenarios", r"scenarios: must be an integer in \[1, "),
        ({"grid": TINY, "scenarios": 0}, "scenarios", r"scenarios: must be an integer in \[1, "),
        ({"grid": TINY, "max_seeds": -1}, "max_seeds", r"max_seeds: must be an integer in \[1, "),
        ({"grid": TINY, "windows": "1,10"}, "windows", "windows: expected a list of seconds"),
        ({"grid": TINY, "windows": []}, "windows", "windows: no window to run"),
        ({"grid": TINY, "windows": [1, 1.0]}, "windows", r"windows\[1\]: 1 s appears twice"),
        ({"grid": TINY, "windows": [-1]}, "windows[0]", r"windows\[0\]: must be a finite number >= 0.0"),
        ({"grid": TINY, "windows": ["x"]}, "windows[0]", r"windows\[0\]: must be a real number"),
    ],
)
def test_run_experiment_names_the_bad_argument(kwargs, field, message):
    with pytest.raises(InvalidInstanceError, match=message) as info:
        packing_experiment.run_experiment(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((4, 4, 2, 1.05, -1), {}, "count"),
        ((4, 4, 2, 0.9, 3), {"max_seeds": -1}, "max_seeds"),
        (("x", 4, 2, 1.05, 3), {}, "nodes"),
        ((4, 4, 2, "high", 3), {}, "utilisation"),
    ],
)
def test_authors_seeds_names_the_bad_argument(args, kwargs, field):
    with pytest.raises(InvalidInstanceError) as info:
        packing_experiment.authors_seeds(*args, **kwargs)
    assert info.value.field == field


ROW = {"window_s": 1.0, "improved": 0.5, "certified_optimal": 0.25, "unchanged": 0.25}


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (None, "result: expected what run_experiment returned"),
        ({"rows": []}, "result: expected what run_experiment returned"),
        ({"summary": []}, "result: expected what run_experiment returned"),
        ({"summary": [5]}, r"result\['summary'\]\[0\]: expected a mapping"),
        ({"summary": [{"window_s": 1.0}]}, r"result\['summary'\]\[0\]: missing 'improved'"),
        ({"summary": [{**ROW, "improved": "x"}]}, r"result\['summary'\]\[0\]\['improved'\]: must be a real number"),
        ({"summary": [{**ROW, "paper_improved": float("nan")}]}, r"\['paper_improved'\]: must be a finite number"),
    ],
)
def test_plot_experiment_refuses_what_is_not_a_result(result, message):
    with pytest.raises(InvalidInstanceError, match=message):
        packing_experiment.plot_experiment(result)


def _uwfq_row(**changes):
    row = {"scenario": "s", "metric": "m"} | {k + p: (1.0, None) for k in uwfq.LABELS for p in ("", "-P")}
    return row | changes


@pytest.mark.parametrize(
    ("rows", "message", "index"),
    [
        (None, "rows: expected compare\\(\\)'s list of rows, got NoneType", None),
        ({"scenario": "s"}, "rows: expected compare\\(\\)'s list of rows, got dict", None),
        ([5], r"rows\[0\]: expected a mapping, got int", 0),
        ([_uwfq_row(), {"scenario": "s"}], r"rows\[1\]: missing 'metric'", 1),
        ([_uwfq_row(uwfq_p=(1.0, 2.0))], r"rows\[0\]: unknown column 'uwfq_p'", 0),
        ([_uwfq_row(fair=3.0)], r"rows\[0\]\['fair'\]: expected a \(paper, simulated\) pair, got 3.0", 0),
    ],
)
def test_uwfq_markdown_refuses_what_is_not_compares_rows(rows, message, index):
    with pytest.raises(InvalidInstanceError, match=message) as info:
        uwfq.markdown(rows)
    assert info.value.field == "rows" and info.value.index == index


def test_the_packing_experiment_command_reports_bad_options_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "schedkit.experiments.packing", "--scenarios", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "error: scenarios: must be an integer" in done.stderr
    assert "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- testing helpers


def _helpers():
    from schedkit.testing import fuzz, strategies
    from schedkit.testing._trace import one_core_requests

    return [
        (strategies.dag_task_graphs, {"max_tasks": -1}, "max_tasks"),
        (strategies.dag_task_graphs, {"min_tasks": 3, "max_tasks": 2}, "max_tasks"),
        (strategies.dag_task_graphs, {"integer": "no"}, "integer"),
        (strategies.dag_platforms, {"num_tasks": -1}, "num_tasks"),
        (strategies.dag_instances, {"processors": 0}, "processors"),
        (strategies.dag_job_streams, {"max_templates": 0}, "max_templates"),
        (strategies.flowtime_jobs, {"max_ops": 0}, "max_ops"),
        (strategies.flowtime_jobs, {"max_n": 2.5}, "max_n"),
        (strategies.packing_clusters, {"max_nodes": 0}, "max_nodes"),
        (strategies.constrained_clusters, {"max_pods": -1}, "max_pods"),
        (strategies.tardiness_instances, {"min_n": 5, "max_n": 2}, "max_n"),
        (strategies.traces, {"users": 27}, "users"),
        (strategies.traces, {"shuffle": 1}, "shuffle"),
        (strategies.permutations_of, {"n": -1}, "n"),
        (strategies.permutation_batches, {"n": 3, "min_rows": 4, "max_rows": 2}, "max_rows"),
        (fuzz.random_bytes, {"max_size": -1}, "max_size"),
        (fuzz.json_like, {"max_leaves": 0}, "max_leaves"),
        (fuzz.json_texts, {"max_leaves": "30"}, "max_leaves"),
        (fuzz.mutated_text, {"valid": b"1 2\n"}, "valid"),
        (fuzz.assert_contract, {"fn": 5}, "fn"),
        (fuzz.assert_contract, {"fn": float, "nonfinite_ok": "nan"}, "nonfinite_ok"),
        (one_core_requests, {"trace": {"cpu": [1.0]}}, "trace"),
    ]


@pytest.mark.skipif(importlib.util.find_spec("hypothesis") is None, reason="hypothesis is not installed")
def test_testing_helpers_check_their_arguments_when_called():
    for helper, kwargs, field in _helpers():
        with pytest.raises(InvalidInstanceError) as info:
            helper(**kwargs)
        assert info.value.field == field, (helper.__name__, kwargs, info.value)
        assert str(info.value).startswith(f"{field}: "), str(info.value)
