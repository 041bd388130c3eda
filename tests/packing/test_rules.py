"""Tests of the Kubernetes scheduling rules in schedkit.packing: taints and tolerations, cordons,
node selectors and affinity, pod (anti-)affinity, topology spread, extended resources, request
defaults, PodDisruptionBudgets and preemptionPolicy, the pending messages and ``explain``; every
plan of every method passes the independent ``validate``. Expected values are computed by hand
from Kubernetes' documented rules (the upstream table tests are in test_upstream.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings

from schedkit import packing
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.testing.strategies import constrained_clusters

GiB = 1 << 30
HAS_ORTOOLS = importlib.util.find_spec("ortools") is not None
ZONE = "topology.kubernetes.io/zone"


def cluster(n=2, pods=1, *, cpu=4000, pod_cpu=500, **kw):
    return packing.Cluster([cpu] * n, [8 * GiB] * n, [pod_cpu] * pods, [GiB] * pods, [0] * pods, **kw)


def anti(app, key="kubernetes.io/hostname"):
    return {
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}
                ]
            }
        }
    }


# --------------------------------------------------------------------------- taints


def test_noschedule_taint_filters_and_names_itself():
    taint = [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]
    c = cluster(2, 1, node_taints=[taint, taint])
    plan = packing.place(c)
    assert plan.assignment.tolist() == [-1]
    assert plan.messages == ["0/2 nodes are available: 2 node(s) had untolerated taint {gpu: yes}."]


@pytest.mark.parametrize(
    "toleration",
    [
        {"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoSchedule"},
        {"key": "gpu", "operator": "Exists"},
        {"operator": "Exists"},  # an empty key with Exists tolerates every taint
        {"key": "gpu", "value": "yes"},  # operator defaults to Equal, effect to all
    ],
)
def test_tolerations_match_as_kubernetes(toleration):
    c = cluster(
        1,
        1,
        node_taints=[[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]],
        pod_specs=[{"tolerations": [toleration]}],
    )
    assert packing.place(c).validate().assignment.tolist() == [0]


@pytest.mark.parametrize(
    "toleration",
    [
        {"key": "gpu", "value": "no"},
        {"key": "gpu", "operator": "Exists", "effect": "PreferNoSchedule"},
        {"key": "other", "operator": "Exists"},
        {"key": "gpu", "value": "yes", "effect": "NoExecute"},  # the effect must match too
    ],
)
def test_tolerations_that_do_not_match(toleration):
    c = cluster(
        1,
        1,
        node_taints=[[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]],
        pod_specs=[{"tolerations": [toleration]}],
    )
    assert packing.place(c).assignment.tolist() == [-1]


@pytest.mark.parametrize(
    ("toleration", "field"),
    [
        ({"key": "", "operator": "Equal", "value": "x"}, "operator"),  # empty key needs Exists
        ({"key": "a", "operator": "Exists", "value": "x"}, "value"),
        ({"key": "a", "operator": "Lt"}, "operator"),
        ({"key": "a", "effect": "Sometimes"}, "effect"),
    ],
)
def test_malformed_toleration_names_field(toleration, field):
    with pytest.raises(InvalidInstanceError, match=rf"pod_specs\[0\]\.tolerations\[0\]\.{field}"):
        cluster(1, 1, pod_specs=[{"tolerations": [toleration]}])


def test_prefer_noschedule_is_scored_not_filtered():
    # Node 0 has two intolerable PreferNoSchedule taints, node 1 one: TaintToleration raw 2, 1
    # -> normalised 100 - 100*2/2 = 0 and 100 - 100*1/2 = 50; node 2 none -> 100.
    soft = lambda k: {"key": k, "value": "", "effect": "PreferNoSchedule"}  # noqa: E731
    c = cluster(3, 1, node_taints=[[soft("a"), soft("b")], [soft("a")], []])
    t = packing.explain(c, 0)
    assert t.column("TaintToleration.raw").to_pylist() == [2, 1, 0]
    assert t.column("TaintToleration.score").to_pylist() == [0, 50, 100]
    assert packing.place(c).assignment.tolist() == [2]


def test_cordoned_node_unless_tolerated():
    c = cluster(2, 1, node_unschedulable=[True, False], node_names=["a", "b"])
    assert packing.place(c).assignment.tolist() == [1]
    c = cluster(
        1,
        2,
        node_unschedulable=[True],
        pod_specs=[{}, {"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}]}],
    )
    plan = packing.place(c).validate()
    assert plan.assignment.tolist() == [-1, 0]
    assert plan.messages[0] == "0/1 nodes are available: 1 node(s) were unschedulable."


# --------------------------------------------------------------------------- node affinity


def _req(*exprs):
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]
                }
            }
        }
    }


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"key": "disk", "operator": "In", "values": ["ssd"]}, [0]),
        ({"key": "disk", "operator": "NotIn", "values": ["ssd"]}, [1]),  # node 1 lacks the label: NotIn matches
        ({"key": "disk", "operator": "Exists"}, [0]),
        ({"key": "disk", "operator": "DoesNotExist"}, [1]),
        ({"key": "cores", "operator": "Gt", "values": ["8"]}, [0]),  # 16 > 8
        ({"key": "cores", "operator": "Lt", "values": ["8"]}, [1]),  # 4 < 8
    ],
)
def test_node_affinity_operators(expr, expected):
    c = cluster(2, 1, node_labels=[{"disk": "ssd", "cores": "16"}, {"cores": "4"}], pod_specs=[_req(expr)])
    assert packing.place(c).validate().assignment.tolist() == expected


def test_node_selector_and_the_issue_case():
    # The issue's case: a selector {accel: none} and a NoSchedule taint; kube must not place it.
    c = cluster(
        2,
        1,
        node_labels=[{"accel": "none"}, {"accel": "gpu"}],
        node_taints=[[{"key": "dedicated", "value": "x", "effect": "NoSchedule"}], []],
        pod_specs=[{"nodeSelector": {"accel": "none"}}],
    )
    plan = packing.place(c)
    assert plan.assignment.tolist() == [-1]
    assert plan.messages == [
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint {dedicated: x}."
    ]
    for method in packing.METHOD_NAMES:
        if method == "cp" and not HAS_ORTOOLS:
            continue
        assert packing.place(c, method=method, time_limit=0.5, workers=1).validate().assignment.tolist() == [-1]


def test_preferred_node_affinity_scores_weights():
    pref = {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 20,
                        "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
                    },
                    {
                        "weight": 80,
                        "preference": {"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["b"]}]},
                    },
                ]
            }
        }
    }
    c = cluster(
        3, 1, node_labels=[{"disk": "ssd", ZONE: "a"}, {ZONE: "b"}, {"disk": "ssd", ZONE: "b"}], pod_specs=[pref]
    )
    t = packing.explain(c, 0)
    assert t.column("NodeAffinity.raw").to_pylist() == [20, 80, 100]
    assert t.column("NodeAffinity.score").to_pylist() == [20, 80, 100]
    assert packing.place(c).assignment.tolist() == [2]


@pytest.mark.parametrize(
    ("expr", "field"),
    [
        ({"key": "a", "operator": "In", "values": []}, "values"),
        ({"key": "a", "operator": "Exists", "values": ["x"]}, "values"),
        ({"key": "a", "operator": "Gt", "values": ["x"]}, "values"),
        ({"key": "a", "operator": "Near", "values": ["x"]}, "operator"),
        ({"key": "", "operator": "Exists"}, "key"),
    ],
)
def test_malformed_node_selector_requirement(expr, field):
    with pytest.raises(InvalidInstanceError, match=rf"matchExpressions\[0\]\.{field}"):
        cluster(1, 1, pod_specs=[_req(expr)])


# --------------------------------------------------------------------------- pod affinity


def test_required_anti_affinity_one_per_node_and_message():
    c = cluster(2, 3, pod_labels=[{"app": "web"}] * 3, pod_specs=[anti("web")] * 3)
    plan = packing.place(c).validate()
    assert sorted(plan.assignment.tolist()) == [-1, 0, 1]
    pending = int(np.flatnonzero(plan.assignment < 0)[0])
    assert plan.messages[pending] == "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."


def test_existing_pods_anti_affinity_is_symmetric():
    # Pod 0 runs on node 0 and repels app=db; pod 1 (app=db, no rules) must go to node 1.
    c = cluster(2, 2, pod_labels=[{"app": "web"}, {"app": "db"}], pod_specs=[anti("db"), {}], pod_node=[0, -1])
    plan = packing.place(c).validate()
    assert plan.assignment.tolist() == [0, 1]
    t = packing.explain(c, 1)
    assert t.column("reason").to_pylist()[0] == "node(s) didn't satisfy existing pods anti-affinity rules"


def test_required_affinity_by_zone_and_first_pod_exception():
    aff = {
        "affinity": {
            "podAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": ZONE}
                ]
            }
        }
    }
    labels = [{ZONE: "a"}, {ZONE: "b"}, {ZONE: "b"}]
    # The db pod runs on node 1 (zone b): the web pod must land in zone b.
    c = cluster(
        3, 2, node_labels=labels, pod_labels=[{"app": "db"}, {"app": "web"}], pod_specs=[{}, aff], pod_node=[1, -1]
    )
    assert packing.place(c).validate().assignment[1] in (1, 2)
    # No db pod anywhere and the pod is not a db pod itself: unschedulable (UnschedulableAndUnresolvable).
    c = cluster(3, 1, node_labels=labels, pod_labels=[{"app": "web"}], pod_specs=[aff])
    plan = packing.place(c)
    assert plan.assignment.tolist() == [-1]
    assert plan.messages == ["0/3 nodes are available: 3 node(s) didn't match pod affinity rules."]
    # The first pod of a group matching its own term is allowed anywhere.
    c = cluster(3, 1, node_labels=labels, pod_labels=[{"app": "db"}], pod_specs=[aff])
    assert packing.place(c).validate().assignment.tolist() != [-1]


def test_preferred_anti_affinity_normalised_min_max():
    pref = {
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 10,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"app": "web"}},
                            "topologyKey": "kubernetes.io/hostname",
                        },
                    }
                ]
            }
        }
    }
    # Node 0 holds two web pods, node 1 one, node 2 none: raw -20, -10, 0 -> 0, 50, 100.
    c = cluster(3, 4, pod_labels=[{"app": "web"}] * 4, pod_specs=[{}, {}, {}, pref], pod_node=[0, 0, 1, -1])
    t = packing.explain(c, 3)
    assert t.column("InterPodAffinity.raw").to_pylist() == [-20, -10, 0]
    assert t.column("InterPodAffinity.score").to_pylist() == [0, 50, 100]


# --------------------------------------------------------------------------- spread


def spread(skew, key=ZONE, when="DoNotSchedule", **extra):
    return {
        "topologySpreadConstraints": [
            {
                "maxSkew": skew,
                "topologyKey": key,
                "whenUnsatisfiable": when,
                "labelSelector": {"matchLabels": {"app": "web"}},
                **extra,
            }
        ]
    }


def test_do_not_schedule_spread_fills_zones_evenly():
    labels = [{ZONE: "a"}, {ZONE: "a"}, {ZONE: "b"}]
    c = cluster(3, 4, node_labels=labels, pod_labels=[{"app": "web"}] * 4, pod_specs=[spread(1)] * 4)
    plan = packing.place(c).validate()
    zones = [labels[j][ZONE] for j in plan.assignment.tolist()]
    assert sorted(zones) == ["a", "a", "b", "b"]


def test_spread_skew_blocks_and_says_so():
    # Zone a holds 2 web pods, zone b none: a third in zone a has skew 3 - 0 > 1.
    labels = [{ZONE: "a"}, {ZONE: "b"}]
    c = cluster(
        2,
        3,
        node_labels=labels,
        node_taints=[[], [{"key": "x", "value": "y", "effect": "NoSchedule"}]],
        pod_labels=[{"app": "web"}] * 3,
        pod_specs=[{}, {}, spread(1)],
        pod_node=[0, 0, -1],
    )
    plan = packing.place(c)
    assert plan.assignment.tolist() == [0, 0, -1]
    assert plan.messages[2] == (
        "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) had untolerated taint {x: y}."
    )


def test_min_domains_counts_missing_domains_as_zero():
    # One zone only with minDomains 2: the global minimum is 0, so at most maxSkew = 1 pod fits.
    labels = [{ZONE: "a"}, {ZONE: "a"}]
    c = cluster(2, 2, node_labels=labels, pod_labels=[{"app": "web"}] * 2, pod_specs=[spread(1, minDomains=2)] * 2)
    assert sorted(packing.place(c).validate().assignment.tolist()) == [-1, 0] or sorted(
        packing.place(c).assignment.tolist()
    ) == [-1, 1]
    c = cluster(2, 2, node_labels=labels, pod_labels=[{"app": "web"}] * 2, pod_specs=[spread(1)] * 2)
    assert -1 not in packing.place(c).validate().assignment.tolist()


def test_spread_missing_label_is_unresolvable():
    c = cluster(
        2, 1, node_labels=[{ZONE: "a"}, {}], pod_labels=[{"app": "web"}], pod_specs=[spread(1)], node_names=["n1", "n0"]
    )
    t = packing.explain(c, 0)
    assert (
        t.column("reason").to_pylist()[1]
        == "node(s) didn't match pod topology spread constraints (missing required label)"
    )


def test_schedule_anyway_score_hand_computed():
    # Zone a (node 0) holds 2 matching pods, zone b (node 1) none; ScheduleAnyway maxSkew 1,
    # two zones among the feasible nodes: weight ln(2 + 2); raw = round(cnt * ln 4) = 3 and 0;
    # normalised 100 * (max + min - s) / max = 0 and 100.
    labels = [{ZONE: "a"}, {ZONE: "b"}]
    c = cluster(
        2,
        3,
        node_labels=labels,
        pod_labels=[{"app": "web"}] * 3,
        pod_specs=[{}, {}, spread(1, when="ScheduleAnyway")],
        pod_node=[0, 0, -1],
    )
    t = packing.explain(c, 2)
    assert t.column("PodTopologySpread.raw").to_pylist() == [3, 0]
    assert t.column("PodTopologySpread.score").to_pylist() == [0, 100]


def test_replicaset_pods_get_the_default_spreading():
    # Two equal nodes, three replicas with the hostname default (maxSkew 3): LeastAllocated and
    # the spreading agree on alternating nodes; the spread raw score counts the owner's pods.
    c = cluster(2, 3, pod_owner=["ReplicaSet/web"] * 3, pod_node=[0, -1, -1])
    t = packing.explain(c, 1)
    # hostname: two feasible nodes, weight ln 4: raw round(1*1.386 + 2) = 3 on node 0, 2 on node 1.
    assert t.column("PodTopologySpread.raw").to_pylist() == [3, 2]
    assert t.column("PodTopologySpread.score").to_pylist() == [66, 100]


# --------------------------------------------------------------------------- resources


def test_extended_resource_filters_and_names_itself():
    c = cluster(2, 2, resources={"nvidia.com/gpu": ([1, 0], [1, 1])})
    plan = packing.place(c).validate()
    assert sorted(plan.assignment.tolist()) == [-1, 0]
    pending = int(np.flatnonzero(plan.assignment < 0)[0])
    assert plan.messages[pending] == "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."


def test_validate_catches_rule_breaks():
    c = cluster(2, 1, node_taints=[[{"key": "a", "value": "b", "effect": "NoSchedule"}], []])
    with pytest.raises(ValidationError, match="untolerated taint a=b"):
        packing.Plan(c, "by hand", np.array([0])).validate()
    c = cluster(2, 2, resources={"example.com/foo": ([1, 1], [1, 1])})
    with pytest.raises(ValidationError, match=r"example\.com/foo 2/1"):
        packing.Plan(c, "by hand", np.array([0, 0])).validate()
    c = cluster(2, 2, pod_labels=[{"app": "web"}] * 2, pod_specs=[anti("web")] * 2)
    with pytest.raises(ValidationError, match="anti-affinity"):
        packing.Plan(c, "by hand", np.array([1, 1])).validate()


def test_explicit_zero_request_scores_as_zero():
    # Node 0 runs a pod requesting 1000m; node 1 a pod whose container asks explicitly for 0
    # cpu (scored as 0, not 100m). Incoming: cpu 0 explicit. LeastAllocated on cpu: node 0
    # (4000-1000)/4000 -> 75, node 1 100. With the old "0 means missing" rule node 1 would count
    # 100m, still better; so test the scoring requests directly.
    c = packing.Cluster(
        [4000, 4000], [8 * GiB] * 2, [1000, 0, 0], [GiB] * 3, [0] * 3, [0, 1, -1], pod_cpu_score=[1000, 0, 0]
    )
    t = packing.explain(c, 2)
    # cpu: node0 (4000-1000)*100/4000 = 75, node1 100; memory both (8-2)/8 -> 75: fit (75+75)/2, (100+75)/2.
    assert t.column("NodeResourcesFit.raw").to_pylist() == [75, 87]


@pytest.mark.parametrize("weights", [(0, 1), (1, 101), (-1, 1)])
def test_resource_weights_kubernetes_rejects(weights):
    c = cluster(1, 1)
    with pytest.raises(InvalidInstanceError, match="resource_weights"):
        packing.place(c, resource_weights=weights)


def test_resource_weights_wrong_length_and_by_name():
    c = cluster(1, 1, resources={"nvidia.com/gpu": ([1], [1])})
    with pytest.raises(InvalidInstanceError, match="resource_weights: expected 2 weights"):
        packing.place(c, resource_weights=(1, 1, 1))
    with pytest.raises(InvalidInstanceError, match="unknown resource 'tpu'"):
        packing.place(c, resource_weights={"tpu": 1})
    assert packing.place(c, resource_weights={"cpu": 1, "nvidia.com/gpu": 3}).assignment.tolist() == [0]


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, True])
def test_bad_seeds_are_errors(seed):
    with pytest.raises(InvalidInstanceError, match="seed"):
        packing.place(cluster(1, 1), seed=seed)


# --------------------------------------------------------------------------- preemption


def test_preemption_policy_never_does_not_preempt():
    c = packing.Cluster(
        [1000], [GiB], [800, 800], [1, 1], [0, 10], [0, -1], pod_specs=[{}, {"preemptionPolicy": "Never"}]
    )
    assert packing.place(c).assignment.tolist() == [0, -1]
    c = packing.Cluster([1000], [GiB], [800, 800], [1, 1], [0, 10], [0, -1])
    assert packing.place(c, requeue_victims=False).assignment.tolist() == [-1, 0]


def test_preemption_prefers_the_node_without_budget_violations():
    # Nodes 0 and 1 each run one low-priority pod; node 0's is covered by a PDB allowing no
    # disruption. Both nodes need one victim; pickOneNodeForPreemption takes node 1.
    budget = {"metadata": {"name": "b"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}
    c = packing.Cluster(
        [1000, 1000],
        [GiB] * 2,
        [800, 800, 800],
        [1] * 3,
        [0, 0, 10],
        [0, 1, -1],
        pod_labels=[{"app": "db"}, {"app": "web"}, {}],
        budgets=[budget],
    )
    plan = packing.place(c, requeue_victims=False)
    assert plan.preemptions == [(2, 1, [1])]
    # With only the budgeted node, it is still preempted (budgets are best effort).
    c = packing.Cluster(
        [1000], [GiB], [800, 800], [1] * 2, [0, 10], [0, -1], pod_labels=[{"app": "db"}, {}], budgets=[budget]
    )
    assert packing.place(c, requeue_victims=False).preemptions == [(1, 0, [0])]


def test_preemption_cannot_help_an_unresolvable_node():
    taint = [{"key": "a", "value": "b", "effect": "NoSchedule"}]
    c = packing.Cluster(
        [1000],
        [GiB],
        [800, 800],
        [1, 1],
        [0, 10],
        [0, -1],
        node_taints=[taint],
        pod_specs=[{"tolerations": [{"operator": "Exists"}]}, {}],
    )
    assert packing.place(c).assignment.tolist() == [0, -1]


def test_preemption_frees_anti_affinity():
    # A low-priority web pod on the only node blocks a high-priority web pod by anti-affinity.
    c = packing.Cluster(
        [4000],
        [8 * GiB],
        [100, 100],
        [1, 1],
        [0, 10],
        [0, -1],
        pod_labels=[{"app": "web"}] * 2,
        pod_specs=[{}, anti("web")],
    )
    assert packing.place(c, requeue_victims=False).assignment.tolist() == [-1, 0]


# --------------------------------------------------------------------------- every method


@settings(max_examples=60, deadline=None)
@given(constrained_clusters())
def test_every_heuristic_plan_keeps_the_rules(c):
    for method in packing.METHOD_NAMES:
        if method == "cp":
            continue
        packing.place(c, method=method).validate()


@pytest.mark.skipif(not HAS_ORTOOLS, reason="OR-Tools not installed")
@settings(max_examples=25, deadline=None)
@given(constrained_clusters(max_nodes=4, max_pods=6))
def test_cp_fallback_keeps_the_rules(c):
    plan = packing.place(c, method="kube", fallback="always", time_limit=0.5, workers=1).validate()
    assert packing.compare_lex(plan.placed_by_priority, plan.heuristic_placed) >= 0


def test_cp_is_deterministic_by_default():
    if not HAS_ORTOOLS:
        pytest.skip("OR-Tools not installed")
    c = packing.generate(6, 4, 2, 1.0, seed=3)
    a = packing.place(c, method="kube", fallback="cp", time_limit=0.5)
    b = packing.place(c, method="kube", fallback="cp", time_limit=0.5)
    assert np.array_equal(a.assignment, b.assignment)


def test_cp_stops_within_a_moment_of_ctrl_c():
    if not HAS_ORTOOLS:
        pytest.skip("OR-Tools not installed")
    import _thread
    import threading
    import time

    c = packing.generate(32, 8, 4, 1.05, seed=0)
    threading.Timer(0.5, _thread.interrupt_main).start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        packing.place(c, method="cp", time_limit=60.0)
    assert time.perf_counter() - start < 5.0  # 0.5 s to the interrupt, then about 50 ms


def test_spread_counts_only_pods_on_eligible_nodes():
    # Found by the property test: pod 4 selects disk=ssd, so the hdd node's pod does not count
    # towards zone a (nodeAffinityPolicy: Honor); zone a 2 + 1 - zone b 1 = 2 <= maxSkew 2.
    labels = [
        {ZONE: "a", "disk": "ssd"},
        {ZONE: "a", "disk": "ssd"},
        {ZONE: "b", "disk": "ssd"},
        {ZONE: "a", "disk": "hdd"},
    ]
    sel = {"nodeSelector": {"disk": "ssd"}}
    specs = [sel, sel, sel, {}, {**sel, **spread(2)}]
    c = cluster(4, 5, node_labels=labels, pod_labels=[{"app": "web"}] * 5, pod_specs=specs, pod_node=[0, 1, 2, 3, -1])
    packing.Plan(c, "by hand", np.array([0, 1, 2, 3, 1])).validate()
    with pytest.raises(ValidationError, match="skew 2 > maxSkew 1"):
        c1 = cluster(
            4,
            5,
            node_labels=labels,
            pod_labels=[{"app": "web"}] * 5,
            pod_specs=[sel, sel, sel, {}, {**sel, **spread(1)}],
            pod_node=[0, 1, 2, 3, -1],
        )
        packing.Plan(c1, "by hand", np.array([0, 1, 2, 3, 1])).validate()
