"""Kubernetes' DefaultPreemption plugin tests, case by case, as schedkit tests.

Source: kubernetes/kubernetes, pkg/scheduler/framework/plugins/defaultpreemption/
default_preemption_test.go at commit 5def93b10a78 (TestPostFilter, TestDryRunPreemption,
TestSelectBestCandidate, TestPreempt). Each case carries the upstream name (its pytest id) and
what upstream asserts about which node the preemptor is nominated to and which pods are its
victims; the inputs are rebuilt as manifests and run through ``place(method="kube")``.

How the assertions map: a nominated node is where schedkit binds the preemptor (schedkit binds at
once, see the README); ``TestDryRunPreemption`` asserts the candidate (node, victims) of every
node, which schedkit's per-node victim selection gives when the preemptor is scheduled on a
cluster of that node alone (victim selection looks at one node; PodDisruptionBudgets carry their
``status.disruptionsAllowed``, so no other node matters) - except where a topology spread
constraint spans nodes, there the whole cluster is run and the chosen node must be one of
upstream's candidates, with its victims. ``NumPDBViolations`` is not exposed by schedkit and is
not asserted (the victims are). Upstream's ``StartTime(epochTimeN)`` (N nanoseconds after the
epoch) becomes ``status.startTime`` N seconds after it: only the order matters.
Cases that cannot be expressed are listed in ``NOT_EXPRESSIBLE`` with the reason.
"""

from __future__ import annotations

import pytest

from schedkit import packing

NEG, LOW, MID, HIGH, VERY_HIGH = -100, 0, 100, 1000, 10000
SMALL, MEDIUM, LARGE, VERY_LARGE = ("100m", "100"), ("200m", "200"), ("300m", "300"), ("500m", "500")


def Pd(name, prio=None, req=None, node=None, labels=None, never=False, anti=None, spread=None, start=None):
    """A pod as upstream's st.MakePod(): name, priority, requests, node, labels."""
    return dict(
        name=name, prio=prio, req=req, node=node, labels=labels, never=never, anti=anti, spread=spread, start=start
    )


def _pod_doc(p):
    spec = {"containers": [{"name": "c"}]}
    if p["req"]:
        spec["containers"][0]["resources"] = {"requests": {"cpu": p["req"][0], "memory": p["req"][1]}}
    if p["prio"] is not None:
        spec["priority"] = p["prio"]
    if p["node"]:
        spec["nodeName"] = p["node"]
    if p["never"]:
        spec["preemptionPolicy"] = "Never"
    if p["anti"]:
        spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchExpressions": [{"key": k, "operator": "Exists"}]}, "topologyKey": tk}
                    for k, tk in p["anti"]
                ]
            }
        }
    if p["spread"]:
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": tk,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchExpressions": [{"key": k, "operator": "Exists"}]},
            }
            for k, tk in p["spread"]
        ]
    meta = {"name": p["name"]}
    if p["labels"]:
        meta["labels"] = p["labels"]
    doc = {"kind": "Pod", "metadata": meta, "spec": spec}
    if p["start"] is not None:  # upstream's StartTime(epochTimeN): N nanoseconds after the epoch
        doc["status"] = {"startTime": f"1970-01-01T00:00:0{p['start']}Z"}
    return doc


def _node_doc(spec, cpu, mem, pods):
    """``spec`` as upstream's node names: "name" or "name/zone" (labels hostname, zone)."""
    parts = spec.split("/")
    labels = dict(zip(("hostname", "zone", "region"), parts))
    alloc = {"pods": pods}
    if cpu is not None:
        alloc.update(cpu=cpu, memory=mem)
    return {"kind": "Node", "metadata": {"name": parts[0], "labels": labels}, "status": {"allocatable": alloc}}


def _budget_doc(allowed, disrupted=()):
    status = {"disruptionsAllowed": allowed}
    if disrupted:
        status["disruptedPods"] = dict.fromkeys(disrupted, "2024-01-01T00:00:00Z")
    return {
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "pdb"},
        "spec": {"selector": {"matchLabels": {"app": "foo"}}},
        "status": status,
    }


def _run(nodes, running, pod, *, cap=VERY_LARGE, pods_cap="32", budget=None):
    """Schedules ``pod`` with the kube simulation; returns (node name or None, victim names)."""
    docs = [_node_doc(n, *(cap or (None, None)), pods_cap) for n in nodes]
    docs += [_pod_doc(p) for p in running]
    docs.append(_pod_doc(pod))
    if budget is not None:
        docs.append(_budget_doc(*budget))
    c = packing.Cluster.from_manifests(docs)
    plan = packing.place(c, method="kube")
    me = c.num_pods - 1
    node = int(plan.assignment[me])
    victims = sorted(c.pod_names[v] for p, _, vs in plan.preemptions if p == me for v in vs)
    return (c.node_names[node] if node >= 0 else None), victims


ONE_POD = (None, None)  # upstream's onePodRes: pods 1, no cpu or memory
NODE_RES = ("200m", "400")

# (upstream name, nodes, node capacity (cpu, memory) and pods, running pods, preemptor, want node, want victims)
POST_FILTER = [
    (
        "pod with higher priority can be made schedulable",
        ["node1"],
        (ONE_POD, "1"),
        [Pd("p1", node="node1")],
        Pd("p", HIGH),
        "node1",
        ["p1"],
    ),
    (
        "pod with tied priority is still unschedulable",
        ["node1"],
        (ONE_POD, "1"),
        [Pd("p1", node="node1")],
        Pd("p"),
        None,
        [],
    ),
    (
        "pod can be made schedulable on one node",
        ["node1", "node2"],
        (ONE_POD, "1"),
        [Pd("p1", HIGH, node="node1"), Pd("p2", LOW, node="node2")],
        Pd("p", MID),
        "node2",
        ["p2"],
    ),
    (
        "no candidate nodes found, no enough resource after removing low priority pods",
        ["node1", "node2"],
        (NODE_RES, "32"),
        [Pd("p1", node="node1"), Pd("p2", node="node2")],
        Pd("p", HIGH, LARGE),
        None,
        [],
    ),
]


def _mixed_nodes_case():
    """ "no candidate nodes found with mixed reasons": node1 and node3 hold one pod at most,
    node2 has too little cpu; the nodes differ, so it is run on its own."""
    docs = [
        _node_doc("node1", None, None, "1"),
        _node_doc("node2", *NODE_RES, "32"),
        _node_doc("node3", None, None, "1"),
        _pod_doc(Pd("p1", HIGH, node="node1")),
        _pod_doc(Pd("p2", node="node2")),
        _pod_doc(Pd("p3", HIGH, node="node3")),
        _pod_doc(Pd("p", HIGH, LARGE)),
    ]
    c = packing.Cluster.from_manifests(docs)
    plan = packing.place(c, method="kube")
    return int(plan.assignment[-1]), plan.preemptions


@pytest.mark.parametrize(
    ("name", "nodes", "cap", "running", "pod", "want_node", "want_victims"),
    POST_FILTER,
    ids=[c[0] for c in POST_FILTER],
)
def test_post_filter(name, nodes, cap, running, pod, want_node, want_victims):
    (cpu_mem, pods_cap) = cap
    assert _run(nodes, running, pod, cap=cpu_mem, pods_cap=pods_cap) == (want_node, want_victims)


def test_post_filter_no_candidate_nodes_found_with_mixed_reasons_no_lower_priority_pod_and_no_enough_cpu_resource():
    """Upstream: "no candidate nodes found with mixed reasons, no lower priority pod and no
    enough CPU resource" - the preemptor stays unschedulable and nothing is preempted."""
    node, preemptions = _mixed_nodes_case()
    assert (node, preemptions) == (-1, [])


# TestDryRunPreemption: (upstream name, nodes, running pods, preemptor, budget, {candidate node: victims})
DRY_RUN = [
    (
        "a pod that fits on both nodes when lower priority pods are preempted",
        ["node1", "node2"],
        [Pd("p1", MID, LARGE, "node1"), Pd("p2", MID, LARGE, "node2")],
        Pd("p", HIGH, LARGE),
        None,
        {"node1": ["p1"], "node2": ["p2"]},
    ),
    (
        "a pod that would fit on the nodes, but other pods running are higher priority, no preemption would happen",
        ["node1", "node2"],
        [Pd("p1", MID, LARGE, "node1"), Pd("p2", MID, LARGE, "node2")],
        Pd("p", LOW, LARGE),
        None,
        {},
    ),
    (
        "medium priority pod is preempted, but lower priority one stays as it is small",
        ["node1", "node2"],
        [Pd("p1.1", LOW, SMALL, "node1"), Pd("p1.2", MID, LARGE, "node1"), Pd("p2", MID, LARGE, "node2")],
        Pd("p", HIGH, LARGE),
        None,
        {"node1": ["p1.2"], "node2": ["p2"]},
    ),
    (
        "mixed priority pods are preempted",
        ["node1", "node2"],
        [
            Pd("p1.1", MID, SMALL, "node1"),
            Pd("p1.2", LOW, SMALL, "node1"),
            Pd("p1.3", MID, MEDIUM, "node1"),
            Pd("p1.4", HIGH, SMALL, "node1"),
            Pd("p2", HIGH, LARGE, "node2"),
        ],
        Pd("p", HIGH, LARGE),
        None,
        {"node1": ["p1.2", "p1.3"]},
    ),
    (
        "mixed priority pods are preempted, pick later StartTime one when priorities are equal",
        ["node1", "node2"],
        [
            Pd("p1.1", LOW, SMALL, "node1", start=5),
            Pd("p1.2", LOW, SMALL, "node1", start=4),
            Pd("p1.3", MID, MEDIUM, "node1", start=3),
            Pd("p1.4", HIGH, SMALL, "node1", start=2),
            Pd("p2", HIGH, LARGE, "node2", start=1),
        ],
        Pd("p", HIGH, LARGE),
        None,
        {"node1": ["p1.1", "p1.3"]},
    ),
    (
        "pod with anti-affinity is preempted",
        ["node1", "node2"],
        [
            Pd("p1.1", LOW, SMALL, "node1", {"foo": ""}, anti=[("foo", "hostname")]),
            Pd("p1.2", MID, SMALL, "node1"),
            Pd("p1.3", HIGH, SMALL, "node1"),
            Pd("p2", HIGH, SMALL, "node2"),
        ],
        Pd("p", HIGH, SMALL, labels={"foo": ""}),
        None,
        {"node1": ["p1.1"]},
    ),
    (
        "preemption with violation of same pdb",
        ["node1"],
        [Pd("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), Pd("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
        Pd("p", HIGH, VERY_LARGE),
        (1,),
        {"node1": ["p1.1", "p1.2"]},
    ),
    (
        "preemption with violation of the pdb with pod whose eviction was processed, the victim doesn't belong to DisruptedPods",
        ["node1"],
        [Pd("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), Pd("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
        Pd("p", HIGH, VERY_LARGE),
        (1, ["p2"]),
        {"node1": ["p1.1", "p1.2"]},
    ),
    (
        "preemption with violation of the pdb with pod whose eviction was processed, the victim belongs to DisruptedPods",
        ["node1"],
        [Pd("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), Pd("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
        Pd("p", HIGH, VERY_LARGE),
        (1, ["p1.2"]),
        {"node1": ["p1.1", "p1.2"]},
    ),
]

SPREAD_PREEMPTOR = Pd("p", HIGH, labels={"foo": ""}, spread=[("foo", "zone"), ("foo", "hostname")])
DRY_RUN_SPREAD = [
    (
        "preemption to resolve pod topology spread filter failure",
        ["node-a/zone1", "node-b/zone1", "node-x/zone2"],
        [
            Pd("pod-a1", MID, node="node-a", labels={"foo": ""}),
            Pd("pod-a2", LOW, node="node-a", labels={"foo": ""}),
            Pd("pod-b1", LOW, node="node-b", labels={"foo": ""}),
            Pd("pod-x1", HIGH, node="node-x", labels={"foo": ""}),
            Pd("pod-x2", HIGH, node="node-x", labels={"foo": ""}),
        ],
        SPREAD_PREEMPTOR,
        None,
        {"node-a": ["pod-a2"], "node-b": ["pod-b1"]},
    ),
]


@pytest.mark.parametrize(("name", "nodes", "running", "pod", "budget", "want"), DRY_RUN, ids=[c[0] for c in DRY_RUN])
def test_dry_run_preemption(name, nodes, running, pod, budget, want):
    got = {}
    for node in nodes:
        here = [p for p in running if p["node"] == node]
        placed, victims = _run([node], here, pod, budget=budget)
        if placed is not None and victims:
            got[node] = victims
    assert got == want


@pytest.mark.parametrize(
    ("name", "nodes", "running", "pod", "budget", "want"), DRY_RUN_SPREAD, ids=[c[0] for c in DRY_RUN_SPREAD]
)
def test_dry_run_preemption_across_nodes(name, nodes, running, pod, budget, want):
    node, victims = _run(nodes, running, pod, budget=budget)
    assert node in want and victims == want[node]


# TestSelectBestCandidate: (upstream name, nodes, running pods, preemptor, any of these nodes)
SELECT_BEST = [
    (
        "a pod that fits on both nodes when lower priority pods are preempted",
        ["node1", "node2"],
        [Pd("p1", MID, LARGE, "node1"), Pd("p2", MID, LARGE, "node2")],
        Pd("p", HIGH, LARGE),
        ["node1", "node2"],
    ),
    (
        "node with min highest priority pod is picked",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, MEDIUM, "node1"),
            Pd("p1.2", MID, LARGE, "node1"),
            Pd("p2.1", MID, MEDIUM, "node2"),
            Pd("p2.2", LOW, MEDIUM, "node2"),
            Pd("p3.1", LOW, MEDIUM, "node3"),
            Pd("p3.2", LOW, MEDIUM, "node3"),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node3"],
    ),
    (
        "when highest priorities are the same, minimum sum of priorities is picked",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, MEDIUM, "node1"),
            Pd("p1.2", MID, LARGE, "node1"),
            Pd("p2.1", MID, LARGE, "node2"),
            Pd("p2.2", LOW, MEDIUM, "node2"),
            Pd("p3.1", MID, MEDIUM, "node3"),
            Pd("p3.2", MID, MEDIUM, "node3"),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node2"],
    ),
    (
        "when highest priority and sum are the same, minimum number of pods is picked",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, SMALL, "node1"),
            Pd("p1.2", NEG, SMALL, "node1"),
            Pd("p1.3", MID, SMALL, "node1"),
            Pd("p1.4", NEG, SMALL, "node1"),
            Pd("p2.1", MID, LARGE, "node2"),
            Pd("p2.2", NEG, MEDIUM, "node2"),
            Pd("p3.1", MID, MEDIUM, "node3"),
            Pd("p3.2", NEG, SMALL, "node3"),
            Pd("p3.3", LOW, SMALL, "node3"),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node2"],
    ),
    (
        "sum of adjusted priorities is considered",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, SMALL, "node1"),
            Pd("p1.2", NEG, SMALL, "node1"),
            Pd("p1.3", NEG, SMALL, "node1"),
            Pd("p2.1", MID, LARGE, "node2"),
            Pd("p2.2", NEG, MEDIUM, "node2"),
            Pd("p3.1", MID, MEDIUM, "node3"),
            Pd("p3.2", NEG, SMALL, "node3"),
            Pd("p3.3", LOW, SMALL, "node3"),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node2"],
    ),
    (
        "same priority, same number of victims, different start time for each node's pod",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, MEDIUM, "node1", start=2),
            Pd("p1.2", MID, MEDIUM, "node1", start=2),
            Pd("p2.1", MID, MEDIUM, "node2", start=3),
            Pd("p2.2", MID, MEDIUM, "node2", start=3),
            Pd("p3.1", MID, MEDIUM, "node3", start=1),
            Pd("p3.2", MID, MEDIUM, "node3", start=1),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node2"],
    ),
    (
        "same priority, same number of victims, different start time for all pods",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", MID, MEDIUM, "node1", start=4),
            Pd("p1.2", MID, MEDIUM, "node1", start=2),
            Pd("p2.1", MID, MEDIUM, "node2", start=5),
            Pd("p2.2", MID, MEDIUM, "node2", start=1),
            Pd("p3.1", MID, MEDIUM, "node3", start=3),
            Pd("p3.2", MID, MEDIUM, "node3", start=6),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node3"],
    ),
    (
        "different priority, same number of victims, different start time for all pods",
        ["node1", "node2", "node3"],
        [
            Pd("p1.1", LOW, MEDIUM, "node1", start=4),
            Pd("p1.2", MID, MEDIUM, "node1", start=2),
            Pd("p2.1", MID, MEDIUM, "node2", start=6),
            Pd("p2.2", LOW, MEDIUM, "node2", start=1),
            Pd("p3.1", LOW, MEDIUM, "node3", start=3),
            Pd("p3.2", MID, MEDIUM, "node3", start=5),
        ],
        Pd("p", HIGH, VERY_LARGE),
        ["node2"],
    ),
]


@pytest.mark.parametrize(("name", "nodes", "running", "pod", "want"), SELECT_BEST, ids=[c[0] for c in SELECT_BEST])
def test_select_best_candidate(name, nodes, running, pod, want):
    node, victims = _run(nodes, running, pod)
    assert node in want and victims


BASIC = [
    Pd("p1.1", LOW, SMALL, "node1"),
    Pd("p1.2", LOW, SMALL, "node1"),
    Pd("p2.1", HIGH, LARGE, "node2"),
    Pd("p3.1", MID, MEDIUM, "node3"),
]
# TestPreempt: (upstream name, nodes, running pods, preemptor, nominated node, preempted pods)
PREEMPT = [
    (
        "basic preemption logic",
        ["node1", "node2", "node3"],
        BASIC,
        Pd("p", HIGH, VERY_LARGE),
        "node1",
        ["p1.1", "p1.2"],
    ),
    (
        "preemption for topology spread constraints",
        ["node-a/zone1", "node-b/zone1", "node-x/zone2"],
        [
            Pd("p-a1", HIGH, node="node-a", labels={"foo": ""}),
            Pd("p-a2", HIGH, node="node-a", labels={"foo": ""}),
            Pd("p-b1", LOW, node="node-b", labels={"foo": ""}),
            Pd("p-x1", HIGH, node="node-x", labels={"foo": ""}),
            Pd("p-x2", HIGH, node="node-x", labels={"foo": ""}),
        ],
        SPREAD_PREEMPTOR,
        "node-b",
        ["p-b1"],
    ),
    ("no preempting in pod", ["node1", "node2", "node3"], BASIC, Pd("p", HIGH, VERY_LARGE, never=True), None, []),
    (
        "PreemptionPolicy is nil",
        ["node1", "node2", "node3"],
        BASIC,
        Pd("p", HIGH, VERY_LARGE),
        "node1",
        ["p1.1", "p1.2"],
    ),
]


@pytest.mark.parametrize(("name", "nodes", "running", "pod", "node", "victims"), PREEMPT, ids=[c[0] for c in PREEMPT])
def test_preempt(name, nodes, running, pod, node, victims):
    assert _run(nodes, running, pod) == (node, victims)


#: Upstream cases of the tables above that cannot be expressed, and why.
NOT_EXPRESSIBLE = {
    **{
        f"PostFilter/{n}": "the test injects the filter statuses (UnschedulableAndUnresolvable) instead of running a filter"
        for n in (
            "preemption should respect filteredNodesStatuses",
            "no candidate nodes found with mixed reason, 2 UnschedulableAndUnresolvable nodes and 2 nodes don't have enough CPU resource",
        )
    },
    "PostFilter/preemption result filtered out by extenders": "scheduler extenders are not modelled",
    "DryRunPreemption/preemption with violation of the pdb with pod whose eviction was processed, the victim which "
    "belongs to DisruptedPods is treated as 'nonViolating'": "its running pods ask 600m of a 500m node; a Cluster "
    "refuses running pods beyond a node's allocatable",
    "SelectBestCandidate/non-overlapping lowest high priority, sum priorities, and number of pods": "node3's running "
    "pods ask 600m of 500m; a Cluster refuses running pods beyond a node's allocatable",
    **{
        f"PostFilter/{n}": "a test-only plugin that fails AddPod/RemovePod"
        for n in ("only one node but failed with TestPlugin", "one failed with TestPlugin and the other pass")
    },
    **{
        f"DryRunPreemption/{n}": "test-only filter plugins (FalseFilter, TrueFilter, MatchFilter, FakeFilter return codes)"
        for n in (
            "a pod that does not fit on any node",
            "a pod that fits with no preemption",
            "a pod that fits on one node with no preemption",
            "get Unschedulable in the preemption phase when the filter plugins filtering the nodes",
        )
    },
    **{
        f"DryRunPreemption/{n}": "DefaultPreemptionArgs minCandidateNodesPercentage/Absolute and the random offset are not "
        "modelled: schedkit dry-runs every node"
        for n in (
            "all nodes are possible candidates, but DefaultPreemptionArgs limits to 2",
            "some nodes are not possible candidates, DefaultPreemptionArgs limits to 2",
            "preemption offset across multiple scheduling cycles and wrap around",
            "preemption looks past numCandidates until a non-PDB violating node is found",
        )
    },
    **{
        f"PodEligibleToPreemptOthers/{n}": "nominated nodes and terminating victims are not modelled (schedkit binds a "
        "preemptor at once)"
        for n in (
            "Pod with nominated node",
            "Pod without nominated node",
            "preemption victim pod terminating, as indicated by the dedicated DisruptionTarget condition",
            "non-victim Pods terminating",
        )
    },
    "PodEligibleToPreemptOthers/Pod with 'PreemptNever' preemption policy": "the function is asked with no cluster; "
    "the same rule is asserted by Preempt/no preempting in pod",
    **{
        f"Preempt/{n}": "scheduler extenders are not modelled"
        for n in (
            "Scheduler extenders allow only node1, otherwise node3 would have been chosen",
            "Scheduler extenders do not allow any preemption",
            "One scheduler extender allows only node1, the other returns error but ignorable. Only node1 would be chosen",
            "One scheduler extender allows only node1, but it is not interested in given pod, otherwise node1 would have been chosen",
        )
    },
}


def test_a_budget_s_already_disrupted_pods_do_not_count_as_violations():
    """Hand-computed (Kubernetes' filterPodsWithPDBViolation skips status.disruptedPods): both
    victims are covered by a budget that allows no disruption; without disruptedPods both nodes
    violate it once and the lower victim priority (node2) wins; with p1 already disrupted,
    evicting it violates nothing, so node1 wins."""
    running = [Pd("p1", MID, LARGE, "node1", {"app": "foo"}), Pd("p2", LOW, LARGE, "node2", {"app": "foo"})]
    pod = Pd("p", HIGH, LARGE)
    assert _run(["node1", "node2"], running, pod, budget=(0,)) == ("node2", ["p2"])
    assert _run(["node1", "node2"], running, pod, budget=(0, ["p1"])) == ("node1", ["p1"])


def test_the_count_in_the_readme():
    expressed = len(POST_FILTER) + 1 + len(DRY_RUN) + len(DRY_RUN_SPREAD) + len(SELECT_BEST) + len(PREEMPT)
    assert (expressed, len(NOT_EXPRESSIBLE)) == (27, 24)


def test_start_times_not_the_manifest_order_decide():
    """Hand-computed: equal priorities and victim counts, so the node whose victims started
    latest is preempted; listing the pods in the opposite order changes nothing."""
    running = [Pd("a", MID, VERY_LARGE, "node1", start=1), Pd("b", MID, VERY_LARGE, "node2", start=2)]
    pod = Pd("p", HIGH, VERY_LARGE)
    assert _run(["node1", "node2"], running, pod) == ("node2", ["b"])
    assert _run(["node1", "node2"], running[::-1], pod) == ("node2", ["b"])
    swapped = [Pd("a", MID, VERY_LARGE, "node1", start=2), Pd("b", MID, VERY_LARGE, "node2", start=1)]
    assert _run(["node1", "node2"], swapped, pod) == ("node1", ["a"])
