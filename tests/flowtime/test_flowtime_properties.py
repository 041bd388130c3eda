"""schedkit.flowtime: hand-computed schedules for every policy, independent reference
simulators, hypothesis properties (SRPT optimal on one machine, completion, work
conservation, special cases, information hygiene), input validation, results, CLI."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.flowtime import POLICIES, Jobs, PolicyView, compare, generate, simulate

BUILTIN = list(POLICIES)


def completion(jobs, policy, machines=1, **kw):
    return simulate(jobs, policy, machines, **kw).completion.tolist()


# --------------------------------------------------------------------------- hand-computed


THREE = Jobs([0, 1, 2], [[3], [1], [2]])


@pytest.mark.parametrize(
    "policy, expected",
    [
        # SRPT: J0 0-1, J1 1-2, tie J0/J2 (2 left each) to the earlier release: J0 2-4, J2 4-6.
        ("srpt", [4, 2, 6]),
        ("op_srpt", [4, 2, 6]),
        # Non-preemptive SPT and FCFS: J0 0-3, J1 3-4, J2 4-6.
        ("spt", [3, 4, 6]),
        ("fcfs", [3, 4, 6]),
        # RR: J0 alone to 1; two at 1/2 to 2; three at 1/3, J1 done 3.5; two at 1/2: J0 5.5, J2 6.
        ("rr", [5.5, 3.5, 6]),
        # SETF: J1 alone 1-2; J2 alone 2-3 reaches J0's level 1; they share, J2 done 5, J0 6.
        ("setf", [6, 2, 5]),
        # LAPS(1/2): the one latest job runs: J1 1-2, J2 2-4, J0 4-6.
        ("laps", [6, 2, 4]),
        # MLF(base 1): J0 0-1 to queue 1; J1 1-2; J2 2-3 to queue 1 behind J0; J0 3-5; J2 5-6.
        ("mlf", [5, 2, 6]),
        # HDF with unit weights = 1/p: J1 (1) then J2 (1/2) before J0 (1/3).
        ("hdf", [6, 2, 4]),
        # chunk(2, 2): priority max(S, 2M) - W: at 1 J0 has 5 vs J1 2; at 2 J2 has 4 < 5.
        ("chunk", [6, 2, 4]),
    ],
)
def test_three_jobs_by_hand(policy, expected):
    assert completion(THREE, policy) == expected


def test_sprpt_variants_by_hand():
    # p = 4, 1, 1 at r = 0, 0, 1; estimates 1, 3, 2 (job 0 overruns its estimate).
    jobs = Jobs([0, 0, 1], [4, 1, 1], estimate=[1, 3, 2])
    assert completion(jobs, "sprpt") == [4, 6, 5]  # J0's key 1 - attained goes negative
    assert completion(jobs, "sprpt", variant="clamped") == [4, 6, 5]  # overrun: key 0, FIFO
    assert completion(jobs, "sprpt", variant="class") == [4, 5, 6]  # classes 0, 1, 1; FIFO
    with pytest.raises(InvalidInstanceError, match="estimate"):
        simulate(Jobs([0], [1]), "sprpt")


def test_two_machines_by_hand():
    jobs = Jobs([0, 0, 0], [1, 2, 3])
    assert completion(jobs, "srpt", 2) == [1, 2, 4]
    assert completion(jobs, "rr", 2) == [1.5, 2.5, 3.5]  # rate 2/3 each, then 1 each
    assert completion(jobs, "setf", 2) == [1.5, 2.5, 3.5]
    assert completion(jobs, "laps", 2) == [3, 2, 3]  # the 2 latest at rate 1, then J0 and J2
    assert completion(jobs, "fcfs", 2) == [1, 2, 4]
    # max(SRPT at speed 2: 0.5 + 1.5 + 3 = 5, Σ p = 6)
    assert jobs.lower_bound(2) == 6.0
    # SETF water-filling: J1, J2 (level 0) get both machines until level 1 = J0's level.
    assert completion(Jobs([0, 1, 1], [4, 1, 4]), "setf", 2) == [5, 2, 5]


def test_gradually_revealed_by_hand():
    jobs = Jobs([0, 0], [[1, 10], [2]])
    assert completion(jobs, "srpt") == [13, 2]  # totals 11 vs 2
    assert completion(jobs, "op_srpt") == [13, 3]  # the revealed 1 < 2, then 10 > 2
    assert completion(jobs, "chunk") == [13, 3]  # 10 > 2 x 1 starts a new chunk
    assert completion(jobs, "rr") == [13, 4]
    # Uniform obligatory tests (test length 1, then the revealed part).
    tests = Jobs([0, 0], [[1, 5], [1, 1]])
    assert completion(tests, "op_srpt") == [8, 3]
    assert completion(tests, "chunk", known_count=True) == [8, 3]
    assert completion(tests, "srpt") == [8, 2]


def test_weighted_by_hand():
    jobs = Jobs([0, 0], [2, 1], weight=[3, 1])
    r = simulate(jobs, "hdf")
    assert r.completion.tolist() == [2, 3]
    assert r.total_weighted_flow_time == 3 * 2 + 1 * 3
    assert simulate(jobs, "srpt").total_weighted_flow_time == 3 * 3 + 1 * 1
    late = Jobs([0, 1], [2, 1], weight=[3, 5])
    assert completion(late, "hdf", remaining=True) == [3, 2]  # at 1: 5/1 > 3/1


def test_mlf_by_hand():
    # J0 (10) in queue 1 from t = 1; J1 (2) at 2: J1 2-3 -> queue 1 (entry 3); J0 (entry 1)
    # 3-4 reaches 3 -> queue 2; J1 4-5; J0 5-12.
    assert completion(Jobs([0, 2], [10, 2]), "mlf") == [12, 5]
    # base 4: J1's first quantum is 4 >= its size.
    assert completion(Jobs([0, 2], [10, 2]), "mlf", base=4) == [12, 6]


def test_user_policy_by_hand():
    jobs = Jobs([0, 0], [[1, 10], [2]])
    op_srpt = lambda v: v.op_size - v.op_attained  # noqa: E731
    assert completion(jobs, op_srpt) == [13, 3]
    # Least attained with a quantum of 0.25: round robin in slices.
    las = lambda v: v.attained  # noqa: E731
    assert completion(Jobs([0, 0], [1, 1]), las, information="nonclairvoyant", quantum=0.25) == [1.75, 2.0]


# --------------------------------------------------------------------------- references


def _rank(release):
    return np.argsort(np.asarray(release, dtype=float), kind="stable")


def reference_index(release, ops, weight, estimate, m, policy, **p):
    """Exact event simulation of an index policy, written independently of the Rust engine."""
    n = len(release)
    rank = np.empty(n, dtype=int)
    rank[_rank(release)] = np.arange(n)
    cur = [0] * n
    rem = [float(o[0]) for o in ops]
    att = [0.0] * n
    total = [float(sum(o)) for o in ops]
    done = [math.nan] * n
    level, entry = [0] * n, list(map(float, release))
    chunk = [[float(o[0]), float(o[0]), 0.0] for o in ops]  # S, M, attained at chunk start
    gamma, c, known = p.get("gamma", 2.0), p.get("c", 2.0), p.get("known_count", False)
    base = p.get("base", 1.0)
    thr = lambda i: base * (2.0 ** (i + 1) - 1)  # noqa: E731
    running: list[int] = []
    t = 0.0

    def key(j):
        op_rem = rem[j]
        if policy == "srpt":
            return total[j] - att[j]
        if policy == "spt":
            return total[j]
        if policy == "hdf":
            return -weight[j] / ((total[j] - att[j]) if p.get("remaining") else total[j])
        if policy == "fcfs":
            return 0.0
        if policy == "op_srpt":
            return op_rem
        if policy == "sprpt":
            v = p.get("variant", "plain")
            e = estimate[j]
            return {"plain": e - att[j], "clamped": max(0.0, e - att[j]), "class": math.floor(math.log2(e))}[v]
        if policy == "mlf":
            return (level[j], entry[j])
        if policy == "chunk":
            s, mx, w0 = chunk[j]
            est = max(s, c * mx) - (att[j] - w0)
            if known:
                est = min(est, op_rem + (len(ops[j]) - cur[j] - 1) * mx)
            return max(est, op_rem)
        raise AssertionError(policy)

    while True:
        alive = [j for j in range(n) if release[j] <= t and math.isnan(done[j])]
        future = [release[j] for j in range(n) if release[j] > t]
        if not alive:
            if not future:
                return done
            t = min(future)
            continue
        alive.sort(key=lambda j: (key(j), rank[j]))
        if policy == "spt":
            running = [j for j in running if j in alive]
            running += [j for j in alive if j not in running][: m - len(running)]
        else:
            running = alive[:m]
        dt = min(rem[j] for j in running)
        if future:
            dt = min(dt, min(future) - t)
        if policy == "mlf":
            dt = min(dt, min(thr(level[j]) - att[j] for j in running))
        t += dt
        for j in running:
            rem[j] -= dt
            att[j] += dt
            if policy == "mlf" and att[j] >= thr(level[j]) - 1e-12:
                level[j] += 1
                entry[j] = t
            if rem[j] <= 1e-12:
                cur[j] += 1
                if cur[j] == len(ops[j]):
                    done[j] = t
                else:
                    x = float(ops[j][cur[j]])
                    rem[j] = x
                    s, mx, _ = chunk[j]
                    chunk[j] = [s + x, max(mx, x), chunk[j][2]] if x <= gamma * s else [x, x, att[j]]


def reference_sliced(release, ops, m, policy, delta, beta=0.5):
    """Time-sliced approximation of a fluid policy (slices of at most ``delta``, aligned to
    releases): RR and LAPS share by rates, SETF runs the least attained jobs in each slice."""
    n = len(release)
    rank = np.empty(n, dtype=int)
    rank[_rank(release)] = np.arange(n)
    rem = [float(sum(o)) for o in ops]
    att = [0.0] * n
    done = [math.nan] * n
    t = 0.0
    while True:
        alive = [j for j in range(n) if release[j] <= t + 1e-12 and math.isnan(done[j])]
        future = [release[j] for j in range(n) if release[j] > t + 1e-12]
        if not alive:
            if not future:
                return done
            t = min(future)
            continue
        rates = {}
        if policy == "rr":
            rates = {j: min(1.0, m / len(alive)) for j in alive}
        elif policy == "laps":
            k = max(math.ceil(beta * len(alive) - 1e-9), min(m, len(alive)), 1)
            latest = sorted(alive, key=lambda j: rank[j])[-k:]
            rates = {j: min(1.0, m / k) for j in latest}
        else:  # setf
            rates = {j: 1.0 for j in sorted(alive, key=lambda j: (att[j], rank[j]))[:m]}
        dt = delta if not future else min(delta, min(future) - t)
        for j, rate in rates.items():
            if rem[j] <= rate * dt + 1e-12:
                done[j] = t + rem[j] / rate
                att[j] += rem[j]
                rem[j] = 0.0
            else:
                rem[j] -= rate * dt
                att[j] += rate * dt
        t += dt


@st.composite
def small_jobs(draw, max_n=6, max_ops=3, max_size=6, weighted=True):
    n = draw(st.integers(0, max_n))
    release = [draw(st.integers(0, 20)) / 2 for _ in range(n)]
    ops = [[draw(st.integers(1, max_size)) for _ in range(draw(st.integers(1, max_ops)))] for _ in range(n)]
    weight = [draw(st.integers(1, 4)) for _ in range(n)] if weighted else None
    factors = [draw(st.sampled_from([0.5, 1.0, 1.5, 3.0])) for _ in range(n)]
    estimate = [f * sum(o) for f, o in zip(factors, ops, strict=True)]
    return Jobs(release, ops, weight, estimate=estimate)


def _ops(jobs):
    return [jobs.operations(j).tolist() for j in range(jobs.n)]


INDEX_CASES = [
    ("srpt", {}),
    ("spt", {}),
    ("hdf", {}),
    ("hdf", {"remaining": True}),
    ("fcfs", {}),
    ("op_srpt", {}),
    ("mlf", {}),
    ("mlf", {"base": 0.5}),
    ("chunk", {}),
    ("chunk", {"gamma": 1.0, "c": 1.0}),
    ("chunk", {"known_count": True}),
    ("sprpt", {}),
    ("sprpt", {"variant": "clamped"}),
    ("sprpt", {"variant": "class"}),
]


@given(small_jobs(), st.integers(1, 3))
def test_index_policies_match_the_reference(jobs, m):
    for name, params in INDEX_CASES:
        got = simulate(jobs, name, m, **params).completion
        want = reference_index(
            jobs.release.tolist(), _ops(jobs), jobs.weight.tolist(), jobs.estimate.tolist(), m, name, **params
        )
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=f"{name} {params} m={m}")


@given(small_jobs(max_n=4, max_ops=2, max_size=4), st.integers(1, 2))
def test_fluid_policies_match_the_sliced_reference(jobs, m):
    delta = 1 / 256
    for name in ["rr", "laps", "setf"]:
        got = simulate(jobs, name, m).completion
        want = reference_sliced(jobs.release.tolist(), _ops(jobs), m, name, delta)
        np.testing.assert_allclose(got, want, atol=4 * (jobs.n + 1) * delta, err_msg=f"{name} m={m}")


# --------------------------------------------------------------------------- properties


def _all_specs():
    specs = [(p, {}) for p in BUILTIN]
    specs += [("laps", {"beta": 0.25}), ("chunk", {"known_count": True}), ("hdf", {"remaining": True})]
    specs += [("sprpt", {"variant": "class"}), ("mlf", {"base": 0.25})]
    return specs


def _random_priorities(view):
    # A deterministic but arbitrary user rule: a hash of job id and the operation index.
    return ((view.job * 7919 + view.op_index * 104729) % 97).astype(float)


@given(small_jobs())
def test_srpt_is_optimal_on_one_machine(jobs):
    best = simulate(jobs, "srpt").total_flow_time
    assert best == pytest.approx(jobs.lower_bound(1), rel=1e-12, abs=1e-12)
    for name, params in _all_specs():
        other = simulate(jobs, name, **params).total_flow_time
        assert best <= other * (1 + 1e-12) + 1e-12, (name, params)
    assert best <= simulate(jobs, _random_priorities).total_flow_time * (1 + 1e-12) + 1e-12


@given(small_jobs(), st.integers(1, 3))
def test_complete_flow_at_least_size_and_work_conserving(jobs, m):
    lb = jobs.lower_bound(m)
    for name, params in [*_all_specs(), (_random_priorities, {})]:
        r = simulate(jobs, name, m, event_log=True, **params)
        assert r.finished
        assert np.all(np.isfinite(r.completion))
        assert np.all(r.flow_times >= jobs.size * (1 - 1e-12))
        assert r.total_flow_time >= lb * (1 - 1e-12) - 1e-12
        r.validate()  # capacity, work conservation, information hygiene, exact work per operation


@given(small_jobs(max_ops=1), st.integers(1, 3))
def test_one_operation_per_job_is_the_classical_model(jobs, m):
    srpt = simulate(jobs, "srpt", m).completion
    assert simulate(jobs, "op_srpt", m).completion.tolist() == srpt.tolist()
    assert simulate(jobs, "chunk", m, known_count=True).completion.tolist() == srpt.tolist()
    np.testing.assert_allclose(simulate(jobs, "laps", m, beta=1.0).completion, simulate(jobs, "rr", m).completion)
    # Exact sizes as estimates: SPRPT is SRPT.
    exact = jobs.with_estimates(jobs.size)
    assert simulate(exact, "sprpt", m).completion.tolist() == srpt.tolist()
    # The multi-operation simulator on single operations equals the same jobs built as arrays.
    flat = Jobs(jobs.release, jobs.size, jobs.weight)
    for name in BUILTIN[:-1]:
        assert simulate(flat, name, m).completion.tolist() == simulate(jobs, name, m).completion.tolist()


@given(small_jobs())
def test_srpt_ignores_operation_boundaries(jobs):
    # SRPT is clairvoyant at the job level: splitting operations changes nothing.
    merged = Jobs(jobs.release, jobs.size, jobs.weight)
    np.testing.assert_allclose(simulate(jobs, "srpt").completion, simulate(merged, "srpt").completion)


def _log_before(r, cut, hide_sizes):
    """Log rows before ``cut``, runs clipped at it; revealed sizes dropped when the policy
    never sees them (the log records the truth, the policy's decisions are the runs)."""
    log = r.event_log.to_pydict()
    rows = zip(log["time"], log["end"], log["kind"], log["job"], log["op"], log["value"], strict=True)
    out = []
    for t, end, kind, job, op, value in rows:
        if t >= cut:
            continue
        if (kind == "reveal" and hide_sizes) or (isinstance(value, float) and math.isnan(value)):
            value = None
        out.append((t, float(min(end, cut)), kind, job, op, value))
    return sorted(out, key=repr)  # rows of one event come in an unspecified order


@given(small_jobs(max_ops=3), st.integers(1, 30), st.integers(1, 2))
def test_hidden_sizes_do_not_change_earlier_decisions(jobs, extra, m):
    # Lengthen the last operation of a multi-operation job k. Revealed-information policies
    # see it only when operation k-1 completes; non-clairvoyant ones never (only k's
    # completion). Everything logged before then must be identical.
    multi = [j for j in range(jobs.n) if jobs.num_ops[j] > 1]
    assume(multi)
    k = multi[-1]
    values = jobs.values.copy()
    values[jobs.offsets[k + 1] - 1] += extra
    other = Jobs(jobs.release, (jobs.offsets.copy(), values), jobs.weight, estimate=jobs.estimate)
    for name, params in [
        ("op_srpt", {}),
        ("chunk", {}),
        ("chunk", {"known_count": True}),
        (_random_priorities, {}),
        ("rr", {}),
        ("setf", {}),
        ("laps", {}),
        ("mlf", {}),
        ("fcfs", {}),
        ("sprpt", {}),
    ]:
        a = simulate(jobs, name, m, event_log=True, **params)
        b = simulate(other, name, m, event_log=True, **params)
        la = a.event_log.to_pydict()
        reveal = [
            t
            for t, kind, j, op in zip(la["time"], la["kind"], la["job"], la["op"], strict=True)
            if kind == "reveal" and j == k and op == jobs.num_ops[k] - 1
        ]
        revealed = name in ("op_srpt", "chunk") or callable(name)
        cut = reveal[0] if revealed else min(a.completion[k], b.completion[k])
        assert _log_before(a, cut, not revealed) == _log_before(b, cut, not revealed), (name, params)


def test_user_policy_cannot_read_hidden_sizes():
    a = Jobs([0, 0], [[1, 2], [3]])
    b = Jobs([0, 0], [[1, 50], [3]])  # differs only in job 0's second, unrevealed operation
    seen: dict[str, list[PolicyView]] = {"a": [], "b": []}

    def spy(tag):
        def rule(view):
            seen[tag].append(view)
            assert view.remaining is None and view.ops_total is None and view.estimate is None
            with pytest.raises(ValueError):
                view.op_size[0] = 0.0  # read-only
            return view.op_size - view.op_attained

        return rule

    simulate(a, spy("a"))
    simulate(b, spy("b"))
    fields = ["time", "job", "release", "weight", "attained", "op_index", "op_attained", "op_size"]
    before = [(va, vb) for va, vb in zip(seen["a"], seen["b"], strict=False) if va.time < 1]
    assert before, "no event before the reveal"
    for va, vb in before:
        for f in fields:
            assert np.array_equal(getattr(va, f), getattr(vb, f)), f
    # At t = 1 operation 0 of job 0 completes and its successor is revealed, not before.
    at_reveal = [v for v in seen["a"] if v.time == 1][0]
    assert at_reveal.op_size.tolist() == [2.0, 3.0]
    assert [v for v in seen["b"] if v.time == 1][0].op_size.tolist() == [50.0, 3.0]
    # Nothing in any view ever held the hidden values before their reveal.
    assert not any(50.0 in v.op_size for v in seen["b"] if v.time < 1)
    # A non-clairvoyant view has no sizes at all; counts appear only when asked for.
    simulate(a, lambda v: v.attained if v.op_size is None else 1 / 0, information="nonclairvoyant")
    counts = []
    simulate(a, lambda v: counts.append(v.ops_total.tolist()) or v.attained, known_count=True)
    assert counts[0] == [2, 1]
    clair = []
    simulate(a, lambda v: clair.append(v.remaining.tolist()) or v.remaining, information="clairvoyant")
    assert clair[0] == [3.0, 3.0]


def test_validator_catches_broken_schedules():
    jobs = Jobs([0, 0], [[1, 2], [3]])
    r = simulate(jobs, "op_srpt", event_log=True).validate()
    from dataclasses import replace

    with pytest.raises(ValidationError, match="before release"):
        replace(r, completion=np.array([0.5, 6.0])).validate()
    log = r.event_log.to_pydict()
    # Reveal operation 1 of job 0 before operation 0 completed: an information leak.
    i = [k for k in range(len(log["kind"])) if log["kind"][k] == "reveal" and log["op"][k] == 1][0]
    leaked = dict(log)
    leaked["time"] = list(log["time"])
    leaked["end"] = list(log["end"])
    leaked["time"][i] = leaked["end"][i] = 0.5
    kinds = pa.array(leaked.pop("kind")).dictionary_encode()
    table = pa.table(
        {**{k: leaked[k] for k in ("time", "end")}, "kind": kinds, **{k: leaked[k] for k in ("job", "op", "value")}}
    )
    with pytest.raises(ValidationError, match="information"):
        replace(r, event_log=table).validate()
    # An idle gap: shift job 1's run later.
    idle = Jobs([0], [1])
    r1 = simulate(idle, "srpt", event_log=True)
    t = r1.event_log.to_pydict()
    t["time"] = [x + 0.5 if k == "run" else x for x, k in zip(t["time"], t["kind"], strict=True)]
    t["end"] = [x + 0.5 if k == "run" else x for x, k in zip(t["end"], t["kind"], strict=True)]
    t["kind"] = pa.array(t["kind"]).dictionary_encode()
    with pytest.raises(ValidationError):
        replace(r1, event_log=pa.table(t)).validate()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "release, ops, weight, field, index",
    [
        ([0, 0], [[1], [1, -2]], None, "operations", 1),
        ([0, 0], [[1], [1, float("nan")]], None, "operations", 1),
        ([0, 0, 0], [[1], [2], [0]], None, "operations", 2),
        ([0, 0], [[1], []], None, "operations", 1),
        ([0, -1], [[1], [1]], None, "release", 1),
        ([0, float("nan")], [[1], [1]], None, "release", 1),
        ([0, 0], [[1], [1]], [1, 0], "weight", 1),
        ([0, 0], [[1], [1]], [-1, 1], "weight", 0),
        ([0, 0], [[1], [1]], [1, float("inf")], "weight", 1),
    ],
)
def test_bad_inputs_name_the_job(release, ops, weight, field, index):
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs(release, ops, weight)
    assert exc.value.field == field and exc.value.index == index
    assert isinstance(exc.value, ValueError)


def test_bad_inputs_in_other_forms():
    with pytest.raises(InvalidInstanceError, match="operations"):
        Jobs([0, 0, 0], [[1], [2]])
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], (np.array([0, 1, 1]), np.array([1.0])))
    assert exc.value.field == "operations" and exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], pa.array([[1.0], [2.0, -1.0]]))
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], pa.array([[1.0], None]))
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError) as exc:
        Jobs([0, 0], [[1], ["x"]])
    assert exc.value.index == 1
    with pytest.raises(InvalidInstanceError, match="estimate"):
        Jobs([0], [1], estimate=[0])
    jobs = Jobs([0], [1])
    with pytest.raises(InvalidInstanceError, match="machines"):
        simulate(jobs, "srpt", machines=0)
    with pytest.raises(InvalidInstanceError, match="unknown policy"):
        simulate(jobs, "nope")
    with pytest.raises(InvalidInstanceError) as exc:
        simulate(jobs, "srpt", beta=0.5)
    assert exc.value.field == "beta"
    with pytest.raises(InvalidInstanceError, match="beta"):
        simulate(jobs, "laps", beta=2.0)
    with pytest.raises(InvalidInstanceError, match="gamma"):
        simulate(jobs, "chunk", gamma=0.5)
    with pytest.raises(InvalidInstanceError, match="variant"):
        simulate(jobs, "sprpt:variant=odd")
    with pytest.raises(InvalidInstanceError, match="priorities"):
        simulate(jobs, lambda v: [1.0, 2.0])
    with pytest.raises(InvalidInstanceError, match="priorities"):
        simulate(jobs, lambda v: np.full(len(v.job), np.nan))
    with pytest.raises(ZeroDivisionError):  # the user's own error comes through unchanged
        simulate(jobs, lambda v: 1 / 0)
    with pytest.raises(InvalidInstanceError, match="information"):
        simulate(jobs, lambda v: v.attained, information="psychic")
    with pytest.raises(InvalidInstanceError, match="max_log_rows"):
        simulate(Jobs([0, 0], [1, 1]), "rr", event_log=True, max_log_rows=3)


# --------------------------------------------------------------------------- results and I/O


def test_result_accessors_and_tables():
    jobs = Jobs([0, 1, 2], [[3], [1], [2]], weight=[1, 2, 1], job_id=[10, 11, 12])
    r = simulate(jobs, "srpt", event_log=True).validate()
    assert r.flow_times.tolist() == [4, 1, 4]
    assert r.stretch.tolist() == [4 / 3, 1, 2]
    assert (r.total_flow_time, r.mean_flow_time, r.max_flow_time) == (9, 3, 4)
    assert r.lower_bound == 9 and r.ratio == 1
    assert r.percentile(50) == 4
    s = r.summary()
    assert s["policy"] == "srpt" and s["ratio"] == 1 and s["p99_flow_time"] == pytest.approx(4)
    t = r.to_arrow()
    assert t.column("job_id").to_pylist() == [10, 11, 12]
    assert t.column("flow_time").to_pylist() == [4, 1, 4]
    log = r.event_log
    assert log.column_names == ["time", "end", "kind", "job", "op", "value"]
    kinds = log.column("kind").to_pylist()
    assert kinds.count("release") == 3 and kinds.count("complete") == 3
    rr = simulate(jobs, "rr")
    assert rr.ratio == pytest.approx(12 / 9)
    assert rr.weighted_lower_bound <= rr.total_weighted_flow_time
    assert "rr" in repr(rr)


def test_arrow_round_trip_and_files(tmp_path):
    jobs = generate(200, load=0.7, ops="geometric:2", weights="uniform", distortion=2.0, seed=5)
    back = Jobs.from_arrow(jobs.to_arrow())
    for f in ("release", "weight", "offsets", "values", "estimate", "job_id"):
        assert np.array_equal(getattr(back, f), getattr(jobs, f)), f
    import pyarrow.parquet as pq

    pq.write_table(jobs.to_arrow(), tmp_path / "jobs.parquet")
    assert np.array_equal(sk.flowtime.read_jobs(tmp_path / "jobs.parquet").values, jobs.values)
    # One row per operation (CSV), jobs in order of first appearance, ops by task_id.
    (tmp_path / "ops.csv").write_text("job_id,release,size,task_id\n5,1.0,2.0,1\n3,0.5,4.0,0\n5,1.0,1.0,0\n")
    rows = sk.flowtime.read_jobs(tmp_path / "ops.csv")
    assert rows.job_id.tolist() == [5, 3]
    assert rows.operations(0).tolist() == [1.0, 2.0] and rows.release.tolist() == [1.0, 0.5]
    # The canonical trace schema's column names work too.
    trace = pa.table({"job_id": [1, 1], "submit_time": [0.0, 0.0], "task_id": [0, 1], "duration": [2.0, 3.0]})
    assert Jobs.from_arrow(trace).size.tolist() == [5.0]
    bad = pa.table({"job_id": [1, 1], "release": [0.0, 1.0], "size": [2.0, 3.0]})
    with pytest.raises(InvalidInstanceError, match="disagree"):
        Jobs.from_arrow(bad)
    with pytest.raises(InvalidInstanceError, match="missing"):
        Jobs.from_arrow(pa.table({"x": [1]}))
    with pytest.raises(InvalidInstanceError, match="extension"):
        sk.flowtime.read_jobs(tmp_path / "jobs.txt")
    two_d = Jobs([0, 0], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert two_d.operations(1).tolist() == [3.0, 4.0]


def test_generators_are_seeded_and_hit_the_load():
    a = generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=7)
    b = generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=7)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.release, b.release)
    assert not np.array_equal(a.values, generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=8).values)
    for sizes in ["exponential", "lognormal:0.5", "constant"]:
        j = generate(50_000, load=0.9, machines=2, sizes=sizes, seed=1)
        assert j.load(2) == pytest.approx(0.9, rel=0.05), sizes
        assert j.values.mean() == pytest.approx(1.0, rel=0.05)
    t = generate(1000, ops="test:2", seed=0)
    assert np.all(t.num_ops == 2) and np.all(t.values[0::2] == 2.0)
    g = generate(20_000, ops="geometric:3", weights="uniform:5", seed=0)
    assert g.num_ops.mean() == pytest.approx(3, rel=0.05) and set(np.unique(g.weight)) == {1, 2, 3, 4, 5}
    e = generate(1000, distortion=4.0, seed=0)
    ratio = e.size / e.estimate
    assert ratio.min() >= 0.5 - 1e-12 and ratio.max() <= 2 + 1e-12
    for bad in [{"sizes": "weird"}, {"ops": "fixed:1.5"}, {"load": -1}, {"ops": "geometric:0.5"}]:
        with pytest.raises(InvalidInstanceError):
            generate(10, **bad)


def test_compare_and_plot(tmp_path):
    jobs = generate(2000, load=0.9, ops="geometric:3", distortion=2.0, seed=2)
    table = compare(jobs, validate=True)
    assert table.column("policy").to_pylist() == BUILTIN
    ratios = dict(zip(table.column("policy").to_pylist(), table.column("ratio").to_pylist(), strict=True))
    assert ratios["srpt"] == 1.0 and all(v >= 1.0 for v in ratios.values())
    t2 = compare(jobs, ["srpt", ("laps", {"beta": 0.25}), "chunk:gamma=4", _random_priorities], machines=2)
    assert t2.column("policy").to_pylist() == ["srpt", "laps(beta=0.25)", "chunk(gamma=4)", "_random_priorities"]
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = simulate(jobs, "srpt").plot(simulate(jobs, "rr"), stretch=True)
    assert [line.get_label() for line in ax.get_lines()] == ["srpt", "rr"]
    ax.figure.savefig(tmp_path / "ecdf.png")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_registry():
    assert BUILTIN == ["srpt", "spt", "hdf", "fcfs", "rr", "setf", "laps", "mlf", "op_srpt", "chunk", "sprpt"]
    jobs = Jobs([0, 1, 2], [[3], [1], [2]])
    assert POLICIES["laps"](jobs, beta=1.0).completion.tolist() == simulate(jobs, "rr").completion.tolist()
    assert POLICIES["chunk"].params == {"gamma": 2.0, "c": 2.0, "known_count": False}
    assert {p.information for p in POLICIES.values()} == {"clairvoyant", "nonclairvoyant", "revealed", "estimated"}


def test_time_limit_returns_a_partial_result():
    jobs = generate(300_000, load=0.99, seed=0)
    r = simulate(jobs, "setf", time_limit=0.0)
    assert not r.finished and np.isnan(r.completion).any()
    assert math.isnan(r.total_flow_time)
    assert r.summary()["finished"] is False


def test_parallel_busy_periods_give_identical_results():
    # Above 100,000 jobs stateless rules on one machine run busy period by busy period on
    # several threads; the schedule must be bit-for-bit the sequential one.
    jobs = generate(150_000, load=0.95, ops="geometric:2", seed=4)
    shuffled = np.random.default_rng(0).permutation(jobs.n)  # ids not in release order
    other = Jobs(jobs.release[shuffled], jobs.size[shuffled])
    for j in (jobs, other):
        for name in ["srpt", "op_srpt", "spt", "fcfs", "hdf"]:
            one = simulate(j, name, threads=1)
            two = simulate(j, name, threads=2)
            assert np.array_equal(one.completion, two.completion), name
            assert one.events == two.events
    with pytest.raises(InvalidInstanceError, match="threads"):
        simulate(jobs, "srpt", threads=0)


def test_empty_instance():
    jobs = Jobs([], [])
    for name in BUILTIN[:-1]:
        r = simulate(jobs, name, event_log=True).validate()
        assert r.total_flow_time == 0 and r.ratio == 1.0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_long_simulation():
    script = textwrap.dedent(
        """
        import sys
        import schedkit as sk
        jobs = sk.flowtime.generate(200_000, load=1.5, seed=0)
        try:
            print("started", flush=True)
            sk.flowtime.simulate(jobs, lambda v: v.attained)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        sys.exit(3)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the simulation ignored SIGINT")
    assert proc.returncode == 0 and "interrupted" in out


# --------------------------------------------------------------------------- CLI


def _cli(argv):
    import argparse

    from schedkit import _cli_flowtime

    parser = argparse.ArgumentParser(prog="schedkit")
    sub = parser.add_subparsers(dest="command", required=True)
    _cli_flowtime.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_table_and_json(capsys, tmp_path):
    assert _cli(["flowtime", "--jobs", "2000", "--load", "0.8", "--ops", "test:1", "--machines", "2"]) == 0
    out = capsys.readouterr().out
    assert "op_srpt" in out and "lower bound" in out
    assert _cli(["flowtime", "--jobs", "500", "--policies", "srpt,laps:beta=0.25,sprpt:variant=class", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["policy"] for p in data["policies"]] == ["srpt", "laps(beta=0.25)", "sprpt(variant=class)"]
    assert data["policies"][0]["ratio"] == 1.0
    jobs = generate(300, seed=3)
    path = tmp_path / "jobs.parquet"
    import pyarrow.parquet as pq

    pq.write_table(jobs.to_arrow(), path)
    assert _cli(["flowtime", "--trace", str(path), "--policies", "srpt,rr", "--validate"]) == 0
    assert "srpt" in capsys.readouterr().out


def test_cli_demo_section():
    from schedkit._cli_flowtime import demo_section

    start = time.perf_counter()
    text, rows = demo_section()
    assert time.perf_counter() - start < 10
    assert "flow time" in text.lower()
    names = [r["policy"] for r in rows]
    assert "srpt" in names and "op_srpt" in names and "chunk" in names
    assert all(r["ratio"] >= 1.0 for r in rows)
