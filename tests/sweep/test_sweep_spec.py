"""Sweep specs: grid expansion, the checks on runs (errors name the run and the field), and the
two hashes every run gets (its key and its derived seed), recomputed here from their
documented definition."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._spec import prepare, run_key, run_seed

TRACE = "google2011_wta_500s_hetero.csv"


def _sha(payload) -> bytes:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).digest()


def test_grid_is_the_product_last_parameter_fastest():
    runs = sk.sweep.grid(
        area="fair", trace=TRACE, policy=["fifo", "ujf", "uwfq"], partition=[False, True], seed=range(2)
    )
    assert len(runs) == 12
    expected = [
        {"area": "fair", "trace": TRACE, "policy": p, "partition": q, "seed": s}
        for p, q, s in itertools.product(["fifo", "ujf", "uwfq"], [False, True], [0, 1])
    ]
    assert runs == expected
    # a list-valued parameter is swept as a list of lists; a mapping is one value
    runs = sk.sweep.grid(area="dag", algorithm="heft", workflow="w.json", processors=[[1, 2], 4])
    assert [r["processors"] for r in runs] == [[1, 2], 4]
    runs = sk.sweep.grid(area="fair", trace=TRACE, weights={"a": 2.0})
    assert runs == [{"area": "fair", "trace": TRACE, "weights": {"a": 2.0}}]


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        (dict(area="fiar", trace=TRACE), "unknown 'fiar' (did you mean 'fair'?)", "area"),
        (
            dict(area="fair", trace=TRACE, polcy=["fifo"]),
            "fair parameter: unknown 'polcy' (did you mean 'policy'?)",
            "polcy",
        ),
        (dict(area="fair", trace=TRACE, policy=[]), "grid: policy has no values", "policy"),
        (dict(area="fair", trace=TRACE, policy={"fifo", "ujf"}), "give a list (a set has no order)", "policy"),
        (dict(area="fair", policy="fifo"), "give exactly one of trace, scenario, got none", "trace"),
        (dict(area="fair", trace=TRACE, scenario="4_large_users"), "got both trace, scenario", "trace"),
        (dict(area="dag", tasks=10), "runs[0].algorithm: missing", "algorithm"),
        (dict(area="packing", method="kube", nodes=4, priorities=2), "runs[0].pods_per_node: missing", "pods_per_node"),
        (
            dict(area="flowtime", policy="srpt", jobs=10, seed=[0, 1.5]),
            "runs[1].seed: expected an integer, got 1.5",
            "seed",
        ),
        (dict(area="flowtime", policy="srpt", jobs=10, load=[object()]), "runs[0].load: a parameter is", "load"),
    ],
)
def test_bad_grids_name_the_field(kwargs, message, field):
    with pytest.raises(InvalidInstanceError, match=None) as info:
        sk.sweep.grid(**kwargs)
    assert message in str(info.value), str(info.value)
    assert info.value.field == field


def test_runs_are_checked_case_insensitively_and_bad_ones_named():
    runs = [{"area": "DAG", "Algorithm": "heft", "TASKS": 10}]
    assert prepare(runs, 0)[0].params == {"algorithm": "heft", "tasks": 10}
    with pytest.raises(InvalidInstanceError, match=r"runs\[1\]: repeats runs\[0\]") as info:
        prepare([{"area": "dag", "algorithm": "heft", "tasks": 10}] * 2, 0)
    assert info.value.index == 1
    with pytest.raises(InvalidInstanceError, match=r"runs\[1\]\.area: missing") as info:
        prepare([{"area": "dag", "algorithm": "heft", "tasks": 10}, {"algorithm": "heft"}], 0)
    assert (info.value.field, info.value.index) == ("area", 1)
    with pytest.raises(InvalidInstanceError, match=r"runs\[0\]: a run is a mapping"):
        prepare(["fair"], 0)
    with pytest.raises(InvalidInstanceError, match="runs: expected a list"):
        prepare({"area": "dag"}, 0)
    with pytest.raises(InvalidInstanceError, match="the sweep has no runs"):
        prepare([], 0)
    with pytest.raises(InvalidInstanceError, match="seed: expected an integer"):
        prepare(runs, True)


def test_key_and_seed_follow_their_definition():
    params = {"policy": "srpt", "jobs": 100, "load": np.float64(0.9), "seed": 3}
    (r,) = prepare([{"area": "flowtime", **params}], 7)
    canonical = {"policy": "srpt", "jobs": 100, "load": 0.9, "seed": 3}
    assert r.params == canonical and type(r.params["load"]) is float
    assert r.key == _sha({"v": 1, "sweep_seed": 7, "area": "flowtime", "params": canonical}).hex()[:16]
    instance = {"jobs": 100, "load": 0.9}  # the instance parameters given; policy is not one
    digest = _sha({"sweep_seed": 7, "area": "flowtime", "seed": 3, "instance": instance})
    assert r.seed == int.from_bytes(digest[:8], "big") >> 1


def test_seeds_give_common_random_numbers_across_policies():
    runs = sk.sweep.grid(
        area="fair", trace=TRACE, policy=["cfq", "uwfq"], partition=[False, True], cores=[8, 32], seed=[0, 1]
    )
    seeds = {}
    for r in prepare(runs, 0):
        seeds.setdefault(r.params["seed"], set()).add(r.seed)
    # the policy, partitioning and cluster size do not change the draws; the replicate does
    assert all(len(s) == 1 for s in seeds.values()) and seeds[0] != seeds[1]
    other_trace = prepare([{"area": "fair", "trace": "google2011_wta_500s_homo.csv", "policy": "cfq"}], 0)[0]
    assert other_trace.seed not in seeds[0]
    assert prepare(runs, 1)[0].seed != prepare(runs, 0)[0].seed  # the sweep seed enters


@given(st.dictionaries(st.sampled_from(["load", "sizes", "machines", "ops"]), st.integers(0, 5), max_size=4))
def test_key_and_seed_do_not_depend_on_parameter_order(extra):
    params = {"policy": "srpt", "jobs": 10, **extra}
    backwards = dict(reversed(list(params.items())))
    assert run_key("flowtime", params, 0) == run_key("flowtime", backwards, 0)
    assert run_seed("flowtime", params, 0) == run_seed("flowtime", backwards, 0)


@given(
    st.lists(st.tuples(st.sampled_from(["heft", "cpop", "peft"]), st.integers(5, 8), st.integers(0, 3)), max_size=30),
    st.integers(1, 8),
)
def test_plan_puts_every_run_in_one_chunk_of_one_group(specs, slots):
    from schedkit.sweep._exec import Item, group_key
    from schedkit.sweep._run import plan

    runs = [{"area": "dag", "algorithm": a, "tasks": n, "seed": s} for a, n, s in dict.fromkeys(specs)]
    items = [Item(r.key, r.area, r.params, r.seed) for r in (prepare(runs, 0) if runs else [])]
    chunks = plan(items, slots)
    assert sorted(i.key for c in chunks for i in c) == sorted(i.key for i in items)
    assert all(c and len({group_key(i) for i in c}) == 1 for c in chunks)
    groups = {group_key(i) for i in items}
    # a group is split only while there are fewer chunks than workers
    assert len(chunks) == len(groups) or len(chunks) <= max(slots, len(groups))
    if len(items) >= slots:
        assert len(chunks) >= min(slots, len(items))
