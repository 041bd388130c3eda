"""The unweighted exact methods: ``bm`` (decomposition branching with memorisation) against
Held-Karp on hypothesis instances, against Lawler's DP on random ones, and against published
optima (the SDT n = 100 set's Branch & Memorize optima, OR-Library's uwtopt40/uwtopt50).
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness import Instance, solve
from schedkit.testing.strategies import tardiness_instances

DATA = Path(__file__).resolve().parents[1] / "data" / "smtt"


def held_karp(inst: Instance) -> float:
    """Optimal ΣT_j by DP over subsets: the last job of a set ends at the set's total p."""
    n = inst.n
    p, d = inst.p.tolist(), inst.d.tolist()
    size = 1 << n
    total = [0.0] * size
    for s in range(1, size):
        low = (s & -s).bit_length() - 1
        total[s] = total[s & (s - 1)] + p[low]
    best = [math.inf] * size
    best[0] = 0.0
    for s in range(1, size):
        c = total[s]
        v = math.inf
        rest = s
        while rest:
            j = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            v = min(v, best[s & ~(1 << j)] + max(0.0, c - d[j]))
        best[s] = v
    return best[size - 1]


def check_optimal(res, want: float) -> None:
    res.validate()
    assert res.optimal
    assert res.lower_bound == res.objective
    assert math.isclose(res.objective, want, rel_tol=1e-9, abs_tol=1e-9), (res.objective, want)


@settings(max_examples=300, deadline=None)
@given(tardiness_instances(max_n=12, weighted=False))
def test_bm_matches_held_karp(inst):
    check_optimal(solve(inst, method="bm"), held_karp(inst))


@settings(max_examples=200, deadline=None)
@given(tardiness_instances(max_n=10, weighted=False, integer=False))
def test_bm_matches_held_karp_on_real_valued_data(inst):
    check_optimal(solve(inst, method="bm"), held_karp(inst))


@st.composite
def tied_instances(draw):
    """Few distinct p and d values: ties decide which job is 'longest' and 'EDD-first'."""
    n = draw(st.integers(1, 11))
    p = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(0, sum(p)), min_size=n, max_size=n))
    return Instance(p, d)


@settings(max_examples=300, deadline=None)
@given(tied_instances())
def test_bm_matches_held_karp_with_ties(inst):
    check_optimal(solve(inst, method="bm"), held_karp(inst))


def test_bm_matches_lawler_on_random_instances_up_to_60_jobs():
    rng = np.random.default_rng(15)
    wrong = []
    for k in range(240):
        n = int(rng.integers(13, 61))
        tf, rdd = (0.2, 0.4, 0.6, 0.8, 1.0)[k % 5], (0.2, 0.4, 0.6, 0.8, 1.0)[(k // 5) % 5]
        pmax = (5, 100)[k % 2]
        p = rng.integers(1, pmax + 1, size=n)
        total = int(p.sum())
        lo = max(0, math.ceil(total * (1 - tf - rdd / 2)))
        hi = max(lo, math.floor(total * (1 - tf + rdd / 2)))
        inst = Instance(p, rng.integers(lo, hi + 1, size=n))
        bm = solve(inst, method="bm").validate()
        lawler = solve(inst, method="lawler").validate()
        if not (bm.optimal and lawler.optimal and bm.objective == lawler.objective):
            wrong.append((k, bm.objective, lawler.objective))
    assert not wrong


@cache
def sdt_n100():
    return sk.tardiness.read_sdt(DATA / "sdt" / "sdt_n100.txt")


@pytest.mark.parametrize("method", ["bm", "exact"])
def test_sdt_n100_published_optima(method):
    insts, optima = sdt_n100()
    assert len(insts) == 200
    wrong = []
    for inst, opt in zip(insts, optima):
        res = solve(inst, method=method).validate()
        if not (res.optimal and res.objective == opt and res.lower_bound == opt):
            wrong.append((inst.name, opt, res.objective, res.optimal))
    assert not wrong


@pytest.mark.parametrize("n", [40, 50])
def test_orlib_unweighted_optima(n):
    insts = sk.tardiness.read_orlib(DATA / "orlib_wt" / f"wt{n}.txt", n)
    optima = sk.tardiness.read_orlib_values(DATA / "orlib_wt" / f"uwtopt{n}.txt")
    assert len(insts) == len(optima) == 125
    wrong = []
    for inst, opt in zip(insts, optima):
        res = solve(Instance(inst.p, inst.d, name=inst.name), method="bm").validate()
        if not (res.optimal and res.objective == opt):
            wrong.append((inst.name, opt, res.objective))
    assert not wrong


def hard_instance(n: int = 150) -> Instance:
    return sk.tardiness.generate_orlib(n, seed=3, tf=(0.6,), rdd=(0.2,), per_pair=1, weighted=False)[0]


def test_a_spent_time_limit_gives_a_valid_sequence_and_a_bound():
    inst = hard_instance()
    opt = solve(inst, method="bm").objective
    res = solve(inst, method="bm", time_limit=0.0).validate()
    assert not res.optimal
    assert res.lower_bound is not None and 0.0 <= res.lower_bound <= opt <= res.objective


def test_a_tiny_memory_limit_stays_exact():
    inst = hard_instance(60)
    opt = solve(inst, method="lawler").objective
    for limit in (0, 1000, 100_000):
        check_optimal(solve(inst, method="bm", memory_limit=limit), opt)


def test_bm_refuses_weights_naming_the_method():
    inst = Instance([1, 2], [1, 1], w=[1, 2])
    with pytest.raises(InvalidInstanceError, match="'bm' solves unit weights only"):
        solve(inst, method="bm")


def test_an_all_on_time_or_empty_instance_is_optimal_at_zero():
    check_optimal(solve(Instance([], []), method="bm"), 0.0)
    check_optimal(solve(Instance([3, 2], [10, 10]), method="bm"), 0.0)
