"""The SSDP exact method, truthful results, method names, compare() and the generator.

SSDP is checked against the OR-Library optima (which the branch and bound and Lawler's DP are
checked against in test_tardiness.py), against brute force on hypothesis instances, and for
what a time limit or a memory limit returns.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness import Instance, solve
from schedkit.testing.strategies import tardiness_instances

DATA = Path(__file__).resolve().parents[1] / "data" / "smtt" / "orlib_wt"


def brute_force(inst: Instance) -> float:
    best = math.inf
    for perm in itertools.permutations(range(inst.n)):
        seq = np.asarray(perm, dtype=np.int64)
        c = np.cumsum(inst.p[seq])
        best = min(best, float(np.sum(inst.w[seq] * np.maximum(0.0, c - inst.d[seq]))))
    return best if inst.n else 0.0


@cache
def wt40():
    insts = sk.tardiness.read_orlib(DATA / "wt40.txt", 40)
    wopt = sk.tardiness.read_orlib_values(DATA / "wtopt40.txt")
    uopt = sk.tardiness.read_orlib_values(DATA / "uwtopt40.txt")
    return insts, wopt, uopt


#: wt40 #19 is listed as best known, not proven, in OR-Library's wtinfo.txt.
WT40_UNPROVEN = {19}


def test_ssdp_never_contradicts_a_wt40_optimum_weighted():
    # A short limit per instance keeps CI fast: every result must be a valid sequence no
    # better than the optimum with a bound no higher than it, and equal to it when proven.
    insts, wopt, _ = wt40()
    wrong = []
    for k, inst in enumerate(insts, start=1):
        if k % 2 == 0:
            continue
        res = solve(inst, method="ssdp", time_limit=0.2).validate()
        opt = wopt[k - 1]
        ok = res.lower_bound <= opt and (res.objective >= opt or k in WT40_UNPROVEN)
        if res.optimal:
            ok = ok and (res.objective == opt or (k in WT40_UNPROVEN and res.objective <= opt))
        if not ok:
            wrong.append((k, opt, res.objective, res.optimal, res.lower_bound))
    assert not wrong, f"(instance, listed, ssdp, optimal, lb): {wrong}"


def test_ssdp_agrees_with_lawler_and_the_branch_and_bound_on_wt40():
    insts, wopt, uopt = wt40()
    for k in (1, 12, 26, 51, 76, 101):  # proven by SSDP within seconds, across the TF classes
        inst = insts[k - 1]
        res = solve(inst, method="ssdp", time_limit=30).validate()
        bb = solve(inst, method="bb", time_limit=30).validate()
        assert res.optimal and bb.optimal
        assert res.objective == bb.objective == wopt[k - 1]
        unweighted = Instance(inst.p, inst.d, name=inst.name)
        res = solve(unweighted, method="ssdp", time_limit=2).validate()
        lawler = solve(unweighted, method="lawler").validate()
        assert lawler.optimal and lawler.objective == uopt[k - 1]
        assert res.lower_bound <= lawler.objective <= res.objective
        if res.optimal:
            assert res.objective == lawler.objective


@given(tardiness_instances(max_n=8))
def test_ssdp_equals_brute_force(inst):
    res = solve(inst, method="ssdp").validate()
    opt = brute_force(inst)
    assert res.optimal
    assert res.objective == opt
    assert res.lower_bound == opt


@given(tardiness_instances(min_n=9, max_n=12, weighted=True))
def test_ssdp_equals_branch_and_bound_up_to_12(inst):
    res = solve(inst, method="ssdp").validate()
    bb = solve(inst, method="bb").validate()
    assert res.optimal and bb.optimal
    assert res.objective == bb.objective


@given(tardiness_instances(min_n=1, max_n=8), st.sampled_from(["ssdp", "bb", "exact"]))
def test_time_limit_zero_returns_a_sequence_and_a_bound_below_the_optimum(inst, method):
    res = solve(inst, method=method, time_limit=0.0).validate()
    assert res.lower_bound is not None
    assert 0.0 <= res.lower_bound <= brute_force(inst) + 1e-9


def test_time_limit_on_a_hard_instance_gives_a_valid_bound():
    inst = sk.tardiness.generate_orlib(100, seed=3, tf=(0.6,), rdd=(0.2,), per_pair=1)[0]
    res = solve(inst, method="ssdp", time_limit=0.3).validate()
    assert res.lower_bound is not None and res.lower_bound <= res.objective
    if not res.optimal:
        assert res.gap is not None and 0.0 < res.gap <= 1.0


@given(tardiness_instances(min_n=1, max_n=8), st.sampled_from([0.0, None]))
def test_exact_with_two_workers_races_ssdp_and_stays_exact(inst, time_limit):
    res = solve(inst, method="exact", workers=2, time_limit=time_limit).validate()
    opt = brute_force(inst)
    assert res.lower_bound is not None and res.lower_bound <= opt + 1e-9 <= res.objective + 2e-9
    if time_limit is None:
        assert res.optimal and res.objective == pytest.approx(opt)


def test_exact_with_two_workers_proves_wt40():
    insts, wopt, _ = wt40()
    for i in (0, 12, 50, 100):
        res = solve(insts[i], method="exact", workers=2).validate()
        assert res.optimal and res.objective == wopt[i]


@pytest.mark.parametrize("memory", [0, 1, 10_000])
def test_memory_limit_hands_over_to_branch_and_bound(memory):
    insts, wopt, _ = wt40()
    res = solve(insts[0], method="ssdp", memory_limit=memory).validate()
    assert res.optimal and res.objective == wopt[0]


def test_ssdp_refuses_real_data_and_lawler_refuses_weights():
    with pytest.raises(InvalidInstanceError, match="'ssdp' needs integral"):
        solve(Instance([1.5, 2.0], [1.0, 2.0]), method="ssdp")
    with pytest.raises(InvalidInstanceError, match="'lawler' solves unit weights only"):
        solve(Instance([1, 2], [1, 2], w=[1, 2]), method="lawler")


@pytest.mark.parametrize("time_limit", [1e308, math.inf, 1e20])
def test_huge_time_limits_work(time_limit):
    insts, wopt, _ = wt40()
    for method in ("exact", "ssdp", "bb", "ils"):
        res = solve(insts[0], method=method, time_limit=time_limit, iterations=5).validate()
        if method != "ils":
            assert res.optimal and res.objective == wopt[0]


# ---------------------------------------------------------------- truthful results


def test_heuristics_report_no_bound_and_no_gap():
    insts, _, _ = wt40()
    res = solve(insts[0], method="mdd")
    assert res.objective > 0
    assert res.lower_bound is None and res.gap is None and not res.optimal


def test_zero_objective_is_a_proof_for_any_method():
    inst = Instance([1, 1], [5, 5], w=[3, 1])
    for method in ("edd", "mdd", "ils"):
        res = solve(inst, method=method).validate()
        assert res.optimal and res.lower_bound == 0.0 and res.gap == 0.0


# ---------------------------------------------------------------- names and options


def test_method_names_are_case_insensitive_with_did_you_mean():
    inst = Instance([2, 3, 1], [2, 6, 1])
    assert solve(inst, method="EDD").method == "edd"
    assert solve(inst, method="Aug-MDD").method == "aug_mdd"
    with pytest.raises(InvalidInstanceError, match="did you mean 'ssdp'"):
        solve(inst, method="sddp")
    with pytest.raises(InvalidInstanceError, match="improve"):
        solve(inst, method="edd", improve="swap")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("seed", -1),
        ("seed", 2**64),
        ("iterations", -1),
        ("iterations", 2**70),
        ("seed", 1.5),
        ("time_limit", -1.0),
        ("time_limit", math.nan),
        ("time_limit", "10"),
        ("memory_limit", -5),
        ("memory_limit", 2**64),
        ("iterations", True),
    ],
)
def test_out_of_range_options_are_errors_naming_the_option(option, value):
    inst = Instance([2, 3, 1], [2, 6, 1])
    with pytest.raises(InvalidInstanceError, match=option) as exc:
        solve(inst, method="ils", **{option: value})
    assert exc.value.field == option


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("p", {"p": [1e308, 1e308], "d": [0, 0]}),
        ("d", {"p": [1e308, 1], "d": [-1.7e308, 0]}),
        ("w", {"p": [1e300, 1.0], "d": [0, 0], "w": [1e10, 1]}),
    ],
)
def test_data_whose_objective_could_overflow_is_refused(field, kwargs):
    with pytest.raises(InvalidInstanceError) as exc:
        Instance(**kwargs)
    assert exc.value.field == field
    assert "overflow" in str(exc.value)


# ---------------------------------------------------------------- compare and the generator


def test_compare_is_one_flat_table():
    insts, wopt, _ = wt40()
    table = sk.tardiness.compare(insts[:3], methods=["mdd", "Exact"], known=wopt[:3])
    assert table.column_names == list(sk.tardiness._compare.COLUMNS)
    assert table.num_rows == 6
    rows = table.to_pylist()
    for row in rows:
        if row["method"] == "exact":
            assert row["optimal"] and row["gap_to_known_pct"] == 0.0 and row["proven_gap_pct"] == 0.0
        else:
            assert row["lower_bound"] is None and row["proven_gap_pct"] is None
            assert row["gap_to_known_pct"] >= 0.0
    with pytest.raises(InvalidInstanceError, match="known"):
        sk.tardiness.compare(insts[:3], known=wopt[:2])


def test_generator_follows_the_orlib_procedure():
    insts = sk.tardiness.generate_orlib(50, seed=7)
    assert len(insts) == 125
    again = sk.tardiness.generate_orlib(50, seed=7)
    assert all(a == b for a, b in zip(insts, again))
    for inst in insts:
        tf = float(inst.name.split("_tf")[1].split("_")[0])
        rdd = float(inst.name.split("_rdd")[1].split("_")[0])
        total = inst.p.sum()
        assert inst.p.min() >= 1 and inst.p.max() <= 100
        assert inst.w.min() >= 1 and inst.w.max() <= 10
        assert inst.d.min() >= max(0, math.ceil(total * (1 - tf - rdd / 2)))
        assert inst.d.max() <= max(math.ceil(total * (1 - tf - rdd / 2)), math.floor(total * (1 - tf + rdd / 2)))
    with pytest.raises(InvalidInstanceError, match="seed"):
        sk.tardiness.generate_orlib(10, seed=-1)
    with pytest.raises(InvalidInstanceError, match="tf"):
        sk.tardiness.generate_orlib(10, tf=(0.0,))
