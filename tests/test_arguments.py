"""Hostile scalar and container arguments to the public API: each is an InvalidInstanceError
naming the argument, never a raw TypeError, OverflowError, NumPy or pyarrow error, a panic or
a hang. The cases are what a fuzzing round found reaching users before the shared checks in
``schedkit._arrays`` (``int_arg``, ``float_arg``, ``bool_arg``, ``int_vector``,
``check_column_names``) were applied."""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError


def _cluster():
    return sk.packing.Cluster([4, 4], [4, 4], [1, 1, 1], [1, 1, 1], [0, 0, 0])


def _stream():
    g, plat = sk.dag.random_dag(5, processors=2, seed=1)
    return sk.dag.JobStream([(g, plat)], [0.0, 1.0], [0, 0])


def _dag_pair():
    return sk.dag.TaskGraph([0], [1], [0.0]), sk.dag.Platform(cost=[[1.0], [1.0]])


JOBS = sk.flowtime.Jobs([0, 0, 0], [1, 2, 3])
INSTANCE = sk.tardiness.Instance([1, 2, 3], [1, 1, 1], [1, 2, 3])
ARRAY = np.array(["a", "b"])

CASES = [
    # packing: totals past int64 once panicked in the core's fragment-rate sum
    ("cluster totals", lambda: sk.packing.Cluster([2**62, 2**62], [1, 1], [1], [1], [1]), "node_cpu", 1),
    ("generate nodes", lambda: sk.packing.generate(2**63, 2, 2, 0.5), "nodes", None),
    ("generate pods", lambda: sk.packing.generate(100_000, 100, 2, 0.5), "pods_per_node", None),
    ("generate utilisation", lambda: sk.packing.generate(4, 2, 2, 1e-320), "utilisation", None),
    ("generate seed", lambda: sk.packing.generate(4, 2, 2, 0.5, seed=-1), "seed", None),
    ("place fit_weight", lambda: sk.packing.place(_cluster(), fit_weight=2**64), "fit_weight", None),
    ("place repack", lambda: sk.packing.place(_cluster(), method="ffd", repack=None), "repack", None),
    ("place strategy", lambda: sk.packing.place(_cluster(), strategy=None), "strategy", None),
    ("place cluster", lambda: sk.packing.place(None), "cluster", None),
    ("place shape", lambda: sk.packing.place(_cluster(), shape="x"), "shape", 0),
    ("place plugin_weights", lambda: sk.packing.place(_cluster(), plugin_weights="x"), "plugin_weights", None),
    ("place method array", lambda: sk.packing.place(_cluster(), method=ARRAY), "method", None),
    ("place fallback array", lambda: sk.packing.place(_cluster(), fallback=ARRAY), "fallback", None),
    ("explain score_all", lambda: sk.packing.explain(_cluster(), 0, score_all=None), "score_all", None),
    ("vm_reschedule k", lambda: sk.packing.vm_reschedule(_cluster(), k=2**64), "k", None),
    ("vm_reschedule cluster", lambda: sk.packing.vm_reschedule(None, k=1), "cluster", None),
    ("pending_messages ids", lambda: sk.packing.pending_messages(_cluster(), [2**64, 0, 0]), "assignment", None),
    ("compare_lex", lambda: sk.packing.compare_lex(None, {}), "a", None),
    (
        "fragment_rate probe",
        lambda: sk.packing.Plan(_cluster(), "x", _cluster().pod_node).fragment_rate(probe_cpu=0),
        "probe_cpu",
        None,
    ),
    # trace: from_jobs makes the replay's own checks up front
    ("from_jobs duration", lambda: sk.trace.from_jobs([1, 2], ["a", "b"], [0.0, 0.0], [1.0, -1.0]), "duration", 1),
    ("from_jobs submit", lambda: sk.trace.from_jobs([1], ["a"], [np.nan], [1.0]), "submit_time", 0),
    ("from_jobs lengths", lambda: sk.trace.from_jobs([1, 2], ["a"], [0.0, 0.0], [1.0, 1.0]), "user", None),
    ("from_jobs big id", lambda: sk.trace.from_jobs([2**64], ["a"], [0.0], [1.0]), "job_id", None),
    ("from_jobs task_id", lambda: sk.trace.from_jobs([1], ["a"], [0.0], [1.0], task_id=[np.nan]), "task_id", 0),
    ("assign_users users", lambda: sk.trace.assign_users([1, 2], users=np.float32("nan")), "users", None),
    ("assign_users ids", lambda: sk.trace.assign_users([np.nan, 1.0]), "job_id", 0),
    # flowtime and dag scalars
    ("simulate event_log", lambda: sk.flowtime.simulate(JOBS, event_log=0), "event_log", None),
    ("flowtime load", lambda: sk.flowtime.generate(5, load=None), "load", None),
    ("flowtime distortion", lambda: sk.flowtime.generate(5, distortion="x"), "distortion", None),
    ("from_arrow duplicate", lambda: sk.flowtime.Jobs.from_arrow(_duplicate_table()), "job_id", None),
    ("platform speed overflow", lambda: sk.dag.Platform(speed=[1, 1e-320], work=[1e10, 2]), "speed", 1),
    ("random_dag alpha", lambda: sk.dag.random_dag(5, alpha=None), "alpha", None),
    ("random_dag bool", lambda: sk.dag.random_dag(5, ccr=True), "ccr", None),
    ("online insertion", lambda: sk.dag.simulate_online(_stream(), insertion=0), "insertion", None),
    ("online noise", lambda: sk.dag.simulate_online(_stream(), noise=None), "noise", None),
    ("online seed", lambda: sk.dag.simulate_online(_stream(), seed="x"), "seed", None),
    # batch
    ("sampling sigma", lambda: sk.batch.sample_duration_factors(10, 3, sigma=None), "sigma", None),
    ("packing probe", lambda: sk.batch.evaluate_packing(_cluster(), [[0, 1, -1]], probe_cpu=True), "probe_cpu", None),
    ("restarts huge", lambda: sk.batch.random_restart_search(INSTANCE, restarts=2**64), "restarts", None),
    ("restarts bool", lambda: sk.batch.random_restart_search(INSTANCE, restarts=True), "restarts", None),
    ("objective array", lambda: sk.batch.evaluate_sequences(INSTANCE, [[0, 1, 2]], objective=ARRAY), "objective", None),
    ("device number", lambda: sk.batch.evaluate_sequences(INSTANCE, [[0, 1, 2]], device=0), "device", None),
    (
        "chunk rows bool",
        lambda: sk.batch.evaluate_sequences(INSTANCE, [[0, 1, 2]], max_chunk_rows=True),
        "max_chunk_rows",
        None,
    ),
    ("format_quantity text", lambda: sk.packing.format_quantity("x"), "value", None),
    (
        "deadline bool",
        lambda: sk.batch.deadline_probability(*_dag_pair(), [0, 0], [0, 1], True, samples=10),
        "deadline",
        None,
    ),
    # fair
    ("summarize None", lambda: sk.fair.summarize(None), "jobs", None),
    ("jain nan", lambda: sk.fair.jain([np.nan, 1.0]), "x", 0),
    ("jain negative", lambda: sk.fair.jain([1.0, -1.0]), "x", 1),
    ("scenario seed", lambda: sk.fair.run_scenario("4_super_small_users", seed="x"), "seed", None),
    ("scenario tasks", lambda: sk.fair.run_scenario("4_super_small_users", default_tasks=2**64), "default_tasks", None),
    # tardiness
    ("known bools", lambda: sk.tardiness.compare([INSTANCE], methods=["edd"], known=True), "known", None),
]


def _duplicate_table() -> pa.Table:
    return pa.table([[1, 2], [0.0, 0.0], [1.0, 2.0], [3, 4]], names=["job_id", "release", "size", "job_id"])


@pytest.mark.parametrize(("call", "field", "index"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_argument_is_an_error_naming_it(call, field, index):
    with pytest.raises(InvalidInstanceError) as exc:
        call()
    assert (exc.value.field, exc.value.index) == (field, index), str(exc.value)


def test_the_checked_forms_still_work():
    c = _cluster()
    assert sk.packing.place(c, method="ffd", repack=np.bool_(False)).validate().pending == 0
    assert sk.packing.Plan(c, "x", c.pod_node).fragment_rate(probe_cpu=np.int64(2)) == 0.0
    assert sk.packing.generate(4, 4, 2, 1.05, seed=np.uint64(3)).num_pods == 16
    assert sk.fair.jain([1e308, 1e308]) == 1.0  # scaled first: the squares would overflow
    assert sk.fair.jain(np.array([2, 0], dtype=np.int32)) == 0.5
    t = sk.trace.from_jobs([0, 0, 1], "aab", [0, 0, 1.5], [2, 1, 3])  # a string is one user per character
    assert t.column("user").to_pylist() == ["a", "a", "b"]
    assert sk.dag.random_dag(5, alpha=np.float32(1.5), seed=2)[0].num_tasks == 5


def test_gap_to_known_stays_finite_for_huge_optima():
    table = sk.tardiness.compare([INSTANCE], methods=["edd"], known=[1e308])
    assert table.column("gap_to_known_pct").to_pylist() == [-100.0]


def test_settings_a_policy_does_not_read_are_named_in_a_warning():
    with pytest.warns(UserWarning, match="^memory: policy 'uwfq' does not use it"):
        sk.fair.RunSpec(policy="uwfq", memory=4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sk.fair.RunSpec(policy="drf", memory=4.0, weights={"a": 2.0})
