"""schedkit.flowtime: hypothesis properties (SRPT optimal on one machine, every job
completes, flow >= size, work conservation, the classical single-operation model as a special
case, information hygiene: hidden sizes change no earlier decision)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from schedkit.flowtime import POLICIES, Jobs, PolicyView, simulate
from schedkit.testing.strategies import flowtime_jobs

BUILTIN = list(POLICIES)


def _all_specs():
    specs = [(p, {}) for p in BUILTIN]
    specs += [("laps", {"beta": 0.25}), ("chunk", {"known_count": True}), ("hdf", {"remaining": True})]
    specs += [("sprpt", {"variant": "class"}), ("mlf", {"base": 0.25})]
    return specs


def _random_priorities(view):
    # A deterministic but arbitrary user rule: a hash of job id and the operation index.
    return ((view.job * 7919 + view.op_index * 104729) % 97).astype(float)


@given(flowtime_jobs())
def test_srpt_is_optimal_on_one_machine(jobs):
    best = simulate(jobs, policy="srpt").total_flow_time
    assert best == pytest.approx(jobs.lower_bound(machines=1), rel=1e-12, abs=1e-12)
    for name, params in _all_specs():
        other = simulate(jobs, policy=name, **params).total_flow_time
        assert best <= other * (1 + 1e-12) + 1e-12, (name, params)
    assert best <= simulate(jobs, policy=_random_priorities).total_flow_time * (1 + 1e-12) + 1e-12


@given(flowtime_jobs(), st.integers(1, 3))
def test_complete_flow_at_least_size_and_work_conserving(jobs, m):
    lb = jobs.lower_bound(machines=m)
    for name, params in [*_all_specs(), (_random_priorities, {})]:
        r = simulate(jobs, policy=name, machines=m, event_log=True, **params)
        assert r.finished
        assert np.all(np.isfinite(r.completion))
        assert np.all(r.flow_times >= jobs.size * (1 - 1e-12))
        assert r.total_flow_time >= lb * (1 - 1e-12) - 1e-12
        r.validate()  # capacity, work conservation, information hygiene, exact work per operation


@given(flowtime_jobs(max_ops=1), st.integers(1, 3))
def test_one_operation_per_job_is_the_classical_model(jobs, m):
    srpt = simulate(jobs, policy="srpt", machines=m).completion
    assert simulate(jobs, policy="op_srpt", machines=m).completion.tolist() == srpt.tolist()
    assert simulate(jobs, policy="chunk", machines=m, known_count=True).completion.tolist() == srpt.tolist()
    np.testing.assert_allclose(
        simulate(jobs, policy="laps", machines=m, beta=1.0).completion,
        simulate(jobs, policy="rr", machines=m).completion,
    )
    # Exact sizes as estimates: SPRPT is SRPT.
    exact = jobs.with_estimates(jobs.size)
    assert simulate(exact, policy="sprpt", machines=m).completion.tolist() == srpt.tolist()
    # The multi-operation simulator on single operations equals the same jobs built as arrays.
    flat = Jobs(jobs.release, jobs.size, jobs.weight)
    for name in BUILTIN[:-1]:
        assert (
            simulate(flat, policy=name, machines=m).completion.tolist()
            == simulate(jobs, policy=name, machines=m).completion.tolist()
        )


@given(flowtime_jobs())
def test_srpt_ignores_operation_boundaries(jobs):
    # SRPT is clairvoyant at the job level: splitting operations changes nothing.
    merged = Jobs(jobs.release, jobs.size, jobs.weight)
    np.testing.assert_allclose(simulate(jobs, policy="srpt").completion, simulate(merged, policy="srpt").completion)


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


@given(flowtime_jobs(max_ops=3), st.integers(1, 30), st.integers(1, 2))
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
        a = simulate(jobs, policy=name, machines=m, event_log=True, **params)
        b = simulate(other, policy=name, machines=m, event_log=True, **params)
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

    simulate(a, policy=spy("a"))
    simulate(b, policy=spy("b"))
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
    simulate(a, policy=lambda v: v.attained if v.op_size is None else 1 / 0, information="nonclairvoyant")
    counts = []
    simulate(a, policy=lambda v: counts.append(v.ops_total.tolist()) or v.attained, known_count=True)
    assert counts[0] == [2, 1]
    clair = []
    simulate(a, policy=lambda v: clair.append(v.remaining.tolist()) or v.remaining, information="clairvoyant")
    assert clair[0] == [3.0, 3.0]
