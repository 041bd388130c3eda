"""schedkit.fair's value types and API conventions: RunSpec (public, checked, frozen), Result
and Workload pickle round trips, one-line reprs, keyword-only options, plots that return their
figure without pyplot when writing a file, and the validator on plain arrays."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.fair._validate import check_run
from schedkit.testing.strategies import traces

TRACE = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
# the resources model (DRF) with bounded memory needs every task's memory request
USERS = sorted(set(TRACE.column("user").to_pylist()))
DRF_TRACE = TRACE.set_column(TRACE.schema.get_field_index("memory"), "memory", pa.array([0.25] * TRACE.num_rows))


def round_trip(x):
    return pickle.loads(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))


# --------------------------------------------------------------------------- RunSpec


def test_runspec_is_public_frozen_and_checked():
    spec = sk.fair.RunSpec(policy="drf", cores=8, memory=16.0, nodes=[(4, 8), (4, 8)])
    assert "RunSpec" in sk.fair.__all__
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.cores = 4  # type: ignore[misc]
    # construction converts types: a value that is not of its type is an error there
    for bad, field in [
        (dict(cores=True), "cores"),
        (dict(cores=2.0), "cores"),
        (dict(policy=3), "policy"),
        (dict(tau="fast"), "tau"),
    ]:
        with pytest.raises(InvalidInstanceError) as exc:
            sk.fair.RunSpec(**bad)
        assert exc.value.field == field, bad
    assert sk.fair.RunSpec(cores=np.int64(8), grace=1).cores == 8
    assert type(sk.fair.RunSpec(cores=np.int64(8), grace=1).grace) is float
    # the values are the core's to check, when the run starts (before the trace is read)
    small = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    for bad, field, index in [
        (dict(policy="lottery"), "policy", None),
        (dict(estimate="psychic"), "estimate", None),
        (dict(cores=0), "cores", None),
        (dict(cores=-3), "cores", None),
        (dict(partition=True, tau=0.0), "tau", None),
        (dict(grace=float("inf")), "grace", None),
        (dict(estimate="noisy", noise=-1.0), "noise", None),
        (dict(weights={"a": 1.0, "b": -2.0}), "weights", 1),
        (dict(policy="fair", pools={"a": (1.0, -1.0)}), "pools", 0),
        (dict(policy="fair", pool_config={"p": (0.0, 0.0)}), "pool_config", 0),
        (dict(policy="drf", nodes=0), "nodes", None),
        (dict(policy="drf", nodes=[(1.0, 1.0), (1.0, 0.0)]), "nodes", 1),
        (dict(policy="drf", memory=-1.0), "memory", None),
    ]:
        with pytest.raises(InvalidInstanceError) as exc:
            sk.fair.replay_many(small, [sk.fair.RunSpec(**bad)])
        assert (exc.value.field, exc.value.index) == (field, index), bad
    # tau, noise, nodes and pools only matter, and are only checked, where they are used; a
    # setting the policy never reads (rather than one left at its default) is said to be ignored
    for unused in [dict(tau=0.0), dict(noise=-1.0)]:
        sk.fair.replay_many(small, [sk.fair.RunSpec(**unused)])
    for unused, field in [
        (dict(nodes=0), "nodes"),
        (dict(memory=-1.0), "memory"),
        (dict(policy="uwfq", pools={"a": (1.0, -1.0)}), "pools"),
        (dict(policy="fifo", pool_config={"p": (1.0, 0.0)}), "pool_config"),
        (dict(policy="fair", weights={"a": 2.0}), "weights"),
    ]:
        with pytest.warns(UserWarning, match=f"^{field}: policy .* does not use it"):
            spec = sk.fair.RunSpec(**unused)
        sk.fair.replay_many(small, [spec])


def test_replay_many_takes_runspecs_and_mappings_alike():
    specs = [sk.fair.RunSpec(policy=p, cores=8) for p in ("fifo", "uwfq")]
    a = sk.fair.replay_many(TRACE, specs)
    b = sk.fair.replay_many(TRACE, [dataclasses.asdict(s) for s in specs])
    assert a == b
    mixed = sk.fair.replay_many(TRACE, [specs[0], dict(policy="uwfq", cores=8)])
    assert mixed == a


# --------------------------------------------------------------------------- pickle


@pytest.mark.parametrize(
    "run",
    [
        dict(policy="uwfq"),
        dict(policy="cfq", partition=True, estimate="noisy", seed=3, record_tasks=True),
        dict(policy="fair", pools={USERS[0]: (2.0, 1.0)}, record_tasks=True),
        dict(policy="uwfq", weights={USERS[1]: 2.0}, record_tasks=True),
        dict(policy="drf", cores=8, memory=4.0, nodes=2, record_tasks=True),
        dict(policy="drf", nodes=[(8, 2.0), (4, 2.0)], record_tasks=True),
    ],
)
def test_result_and_runspec_pickle_round_trip(run):
    spec = sk.fair.RunSpec(**run)
    assert round_trip(spec) == spec
    r = sk.fair.replay_many(DRF_TRACE if spec.policy == "drf" else TRACE, [spec])[0]
    back = round_trip(r)
    assert back == r and back is not r
    assert back.summary() == r.summary()
    if r.tasks is not None:
        back.validate()


def test_scenario_result_and_workload_pickle_round_trip():
    w = sk.fair.scenario_workload("2_large_2_small_users", seed=2, reduce_share=0.1)
    back = round_trip(w)
    assert back == w and back.batch.job_stages is not None
    assert back != sk.fair.scenario_workload("2_large_2_small_users", seed=3, reduce_share=0.1)
    r = sk.fair.simulate(w, policy="uwfq", scenario="x", record_tasks=True)
    assert round_trip(r) == r and round_trip(r).scenario == "x"
    assert sk.fair.simulate(back, policy="uwfq", scenario="x", record_tasks=True) == r


@given(
    traces(max_jobs=6, max_stages=2, max_tasks=3, requests=True),
    st.sampled_from(list(sk.fair.POLICIES)),
    st.integers(1, 3),
)
def test_any_result_round_trips(trace, policy, cores):
    r = sk.fair.replay(trace, policy=policy, cores=cores, record_tasks=True).validate()
    back = round_trip(r)
    assert back == r
    back.validate()


# --------------------------------------------------------------------------- reprs


def test_reprs_are_one_short_line():
    many = {f"user{i}": 1.0 + i for i in range(500)}
    spec = sk.fair.RunSpec(policy="drf", weights=many, partition=True, nodes=[(1, 1)] * 40)
    r = sk.fair.replay(TRACE, policy="uwfq", cores=16, partition=True)
    w = sk.fair.scenario_workload("4_super_small_users")
    for obj in (spec, r, w, w.batch):
        text = repr(obj)
        assert "\n" not in text and len(text) < 160, text
    assert repr(spec) == "RunSpec(policy='drf', cores=32, partition=True, weights=<500 entries>, nodes=<40 nodes>)"
    assert repr(sk.fair.RunSpec(policy="drf", nodes=4)) == "RunSpec(policy='drf', cores=32, nodes=4)"
    assert repr(r).startswith("Result(policy='uwfq', cores=16, partition=True, jobs=125, mean_response_time=")
    assert repr(w) == "Workload(jobs=120, tasks=3840, users=4, classes=1)"


# --------------------------------------------------------------------------- keyword-only options


def test_options_after_the_instance_are_keyword_only():
    with pytest.raises(TypeError):
        sk.fair.replay(TRACE, "fifo")  # type: ignore[misc]
    with pytest.raises(TypeError):
        sk.fair.run_scenario("4_large_users", "fifo")  # type: ignore[misc]
    with pytest.raises(TypeError):
        sk.fair.scenario_workload("4_large_users", 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        sk.fair.simulate(sk.fair.scenario_workload("4_large_users"), "fifo")  # type: ignore[misc]
    r = sk.fair.replay(TRACE, policy="fifo")
    with pytest.raises(TypeError):
        sk.fair.plot([r], None)  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.plot(None)  # type: ignore[misc]


# --------------------------------------------------------------------------- plots


def test_plot_returns_the_figure_it_drew_on(tmp_path):
    figure = pytest.importorskip("matplotlib.figure")
    plt = pytest.importorskip("matplotlib.pyplot")
    runs = [sk.fair.replay(TRACE, policy=p) for p in ("fifo", "uwfq")]
    before = plt.get_fignums()
    fig = sk.fair.plot(runs, path=tmp_path / "a.png")
    # a file is drawn on a standalone Figure: no pyplot figure is left open
    assert plt.get_fignums() == before
    assert (tmp_path / "a.png").stat().st_size > 0
    assert [a.get_legend_handles_labels()[1] for a in fig.axes][0] == ["fifo", "uwfq"]
    mine = figure.Figure()
    axes = mine.subplots(1, 2)
    assert sk.fair.plot(runs, ax=axes) is mine
    assert axes[1].get_yscale() == "log"
    one = figure.Figure().subplots()
    assert runs[0].plot(ax=one) is one.figure
    assert runs[0].plot(users=False, path=tmp_path / "b.svg").axes[0].get_ylabel() == "fraction of jobs"
    assert plt.get_fignums() == before


# --------------------------------------------------------------------------- validator


def _arrays(r: sk.fair.Result) -> dict:
    j, t = r.jobs, r.tasks
    out = dict(
        job_id=j.column("job_id").to_numpy(),
        submit=j.column("submit_time").to_numpy(),
        finish=j.column("finish_time").to_numpy(),
        work=j.column("work").to_numpy(),
        n_tasks=j.column("n_tasks").to_numpy(),
        task_job=t.column("job_id").to_numpy(),
        start=t.column("start").to_numpy().copy(),
        end=t.column("end").to_numpy().copy(),
        ready=t.column("ready").to_numpy(),
        cores=r.cores,
    )
    if r.policy == "drf":
        cpu, mem = r.meta["nodes"]
        out.update(
            node=t.column("node").to_numpy(),
            cpu=t.column("cpu").to_numpy(),
            memory=t.column("memory").to_numpy(),
            node_cpu=np.asarray(cpu),
            node_mem=np.asarray(mem),
        )
    return out


def test_validator_takes_plain_arrays_and_catches_broken_runs():
    r = sk.fair.replay(TRACE, policy="uwfq", cores=8, record_tasks=True)
    good = _arrays(r)
    check_run(**good)
    early = dict(good, start=good["start"] - 1e3, end=good["end"] - 1e3)
    with pytest.raises(ValidationError, match="before its job was submitted"):
        check_run(**early)
    with pytest.raises(ValidationError, match="more than 4 cores busy"):
        check_run(**dict(good, cores=4))
    with pytest.raises(ValidationError, match="exactly once"):
        check_run(**dict(good, n_tasks=good["n_tasks"] + 1))
    d = sk.fair.replay(DRF_TRACE, policy="drf", cores=8, memory=4.0, nodes=2, record_tasks=True)
    drf = _arrays(d)
    check_run(**drf)
    with pytest.raises(ValidationError, match="cpu capacity"):
        check_run(**dict(drf, node_cpu=drf["node_cpu"] / 100))
    # Result.validate is this checker on the result's arrays
    with pytest.raises(ValidationError, match="record_tasks"):
        sk.fair.replay(TRACE, policy="uwfq").validate()
    tampered = dataclasses.replace(r, cores=4)
    with pytest.raises(ValidationError, match="more than 4 cores busy"):
        tampered.validate()
    assert isinstance(r.tasks, pa.Table)


@pytest.mark.parametrize("field", ["cores", "nodes"])
def test_integers_beyond_int64_are_named(field):
    # they reach the core as int64: a larger Python int is a clear error, not an OverflowError
    trace = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
    spec = {"policy": "drf", "cores": 32, field: 2**63}
    with pytest.raises(InvalidInstanceError, match="64-bit") as err:
        sk.fair.replay(trace, **spec)
    assert err.value.field == field


@pytest.mark.parametrize("policy", list(sk.fair.POLICIES))
def test_chrome_trace_matches_the_recorded_tasks(tmp_path, policy):
    import json

    r = sk.fair.replay(DRF_TRACE, policy=policy, cores=8, record_tasks=True).validate()
    path = r.to_chrome_trace(tmp_path / "t.json")
    events = json.loads(path.read_text())["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    tasks = r.tasks
    assert len(slices) == tasks.num_rows
    users = dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("user").to_pylist()))
    got = sorted((e["args"]["job"], e["args"]["user"], round(e["ts"]), round(e["dur"])) for e in slices)
    want = sorted(
        (j, users[j], round(s * 1e6), round((e - s) * 1e6))
        for j, s, e in zip(
            tasks.column("job_id").to_pylist(), tasks.column("start").to_pylist(), tasks.column("end").to_pylist()
        )
    )
    assert got == want
    # tracks never overlap; on the slots model there are at most `cores` of them
    by_track: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for e in slices:
        by_track.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
    for spans in by_track.values():
        spans.sort()
        assert all(a[1] <= b[0] + 1e-3 for a, b in zip(spans, spans[1:]))
    if r.cluster == "slots":
        assert len(by_track) <= 8
    with pytest.raises(ValidationError, match="record_tasks"):
        sk.fair.replay(TRACE, policy="fifo").to_chrome_trace(tmp_path / "x.json")


def test_user_panel_shows_top_users_by_work_and_groups_the_rest(tmp_path):
    pytest.importorskip("matplotlib")
    runs = [sk.fair.replay(TRACE, policy=p) for p in ("fifo", "uwfq")]
    fig = sk.fair.plot(runs, path=tmp_path / "p.svg", top=3)
    labels = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    users = sk.fair.Result.users(runs[0])
    heavy = [users.column("user")[i].as_py() for i in np.argsort(-users.column("work").to_numpy())[:3]]
    assert labels[:3] == [u if len(u) <= 16 else u[:13] + "..." for u in heavy]
    assert labels[3] == f"others ({users.num_rows - 3} users)"
    assert fig.axes[1].get_title().startswith("per user: the 3 users with the most work")
    assert fig.axes[1].get_ylabel() == "mean response time (s)"
