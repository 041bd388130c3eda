"""Kubernetes' own scheduler plugin table tests, case by case, as schedkit tests.

Each case carries the upstream test name (its pytest id) and the values upstream asserts; the
inputs are rebuilt as manifests (``Req`` = one container with those requests, ``Node`` =
running there) and run through ``Cluster.from_manifests``, ``read_config`` and ``explain``
(``score_all=True``: each Score plugin alone on every node, as the upstream tests call it).
Sources (kubernetes/kubernetes, pkg/scheduler/framework/plugins/): noderesources
least_allocated_test.go, most_allocated_test.go and balanced_allocation_test.go, tainttoleration
taint_toleration_test.go, nodeaffinity node_affinity_test.go (TestNodeAffinity, TestNodeAffinityPriority),
noderesources fit_test.go (TestEnoughRequests, TestNotEnoughRequests, TestStorageRequests) and
requested_to_capacity_ratio_test.go (its three score tables), podtopologyspread filtering_test.go
(TestSingleConstraint, its first 21 cases; TestMultipleConstraints, its first 7).
Cases that cannot be expressed are listed in ``NOT_EXPRESSIBLE`` with the reason; the README
counts both.
"""

from __future__ import annotations

import re

import pytest

from schedkit import packing
from schedkit.exceptions import InvalidInstanceError

EXT = "intel.com/foo"
DEFAULT = [("cpu", 1), ("memory", 1)]
EXTENDED = [("cpu", 1), ("memory", 1), (EXT, 1)]


def _node(name, cap):
    return {"kind": "Node", "metadata": {"name": name}, "status": {"allocatable": {**cap, "pods": "110"}}}


def _pod(name, reqs, node=None, empty_container=False):
    containers = [{"name": f"c{k}", "resources": {"requests": r}} for k, r in enumerate(reqs)]
    if empty_container:
        containers = [{"name": "container"}]
    spec = {"containers": containers}
    if node:
        spec["nodeName"] = node
    return {"kind": "Pod", "metadata": {"name": name}, "spec": spec}


def _config(strategy, resources):
    return {
        "kind": "KubeSchedulerConfiguration",
        "profiles": [
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {
                                "type": strategy,
                                "resources": [{"name": n, "weight": w} for n, w in resources],
                            }
                        },
                    }
                ]
            }
        ],
    }


def _fit_scores(strategy, nodes, existing, pod, resources):
    docs = [_node(n, cap) for n, cap in nodes]
    docs += [_pod(f"e{k}", reqs, node, empty) for k, (node, reqs, empty) in enumerate(existing)]
    reqs, pod_node, empty = pod
    docs.append(_pod("incoming", reqs, pod_node, empty))
    c = packing.Cluster.from_manifests(docs)
    opts = packing.read_config(_config(strategy, resources)).place_options(c)
    t = packing.explain(c, c.num_pods - 1, score_all=True, **opts)
    return t.column("NodeResourcesFit.raw").to_pylist()


C = lambda cpu, mem: {"cpu": cpu, "memory": mem}  # noqa: E731
N12 = [("node1", C("4000", "10000")), ("node2", C("4000", "10000"))]
N46 = [("node1", C("4000", "10000")), ("node2", C("6000", "10000"))]
N1010 = [("node1", C("10000", "20000")), ("node2", C("10000", "20000"))]
REQ2 = [C("1000", "2000"), C("2000", "3000")]

# (upstream name, nodes, existing pods (node, [container requests], bare container), pod, resources, expected)
LEAST = [
    ("nothing scheduled, nothing requested", N12, [], ([], None, False), DEFAULT, [100, 100]),
    (
        "nothing scheduled, resources requested, differently sized nodes",
        N46,
        [],
        (REQ2, None, False),
        DEFAULT,
        [37, 50],
    ),
    (
        "no resources requested, pods scheduled",
        N12,
        [("node1", [], False), ("node1", [], False), ("node2", [], False), ("node2", [], False)],
        ([], None, False),
        DEFAULT,
        [100, 100],
    ),
    (
        "no resources requested, pods scheduled with resources",
        N1010,
        [
            ("node1", [C("3000", "0")], False),
            ("node1", [C("3000", "0")], False),
            ("node2", [C("3000", "0")], False),
            ("node2", [C("3000", "5000")], False),
        ],
        ([], None, False),
        DEFAULT,
        [70, 57],
    ),
    (
        "resources requested, pods scheduled with resources",
        N1010,
        [("node1", [C("3000", "0")], False), ("node2", [C("3000", "5000")], False)],
        (REQ2, None, False),
        DEFAULT,
        [57, 45],
    ),
    (
        "resources requested, pods scheduled with resources, differently sized nodes",
        [("node1", C("10000", "20000")), ("node2", C("10000", "50000"))],
        [("node1", [C("3000", "0")], False), ("node2", [C("3000", "5000")], False)],
        (REQ2, None, False),
        DEFAULT,
        [57, 60],
    ),
    (
        "requested resources exceed node capacity",
        N12,
        [("node1", [C("3000", "0")], False), ("node2", [C("3000", "5000")], False)],
        ([C("3000", "0")], None, False),
        DEFAULT,
        [50, 25],
    ),
    (
        "nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
        N46,
        [],
        (REQ2, "node1", False),
        [("memory", 2), ("cpu", 1)],
        [41, 50],
    ),
    (
        "bypass extended resource if the pod does not request",
        [("node1", C("6000", "10000")), ("node2", {**C("6000", "10000"), EXT: "4"})],
        [],
        (REQ2, "node1", False),
        EXTENDED,
        [50, 50],
    ),
    (
        "honor extended resource if the pod requests",
        [("node1", {**C("6000", "10000"), EXT: "4"}), ("node2", {**C("6000", "10000"), EXT: "10"})],
        [],
        ([{**C("3000", "5000"), EXT: "2"}], "node1", False),
        EXTENDED,
        [50, 60],
    ),
    (
        "if the node doesn't have a resource",
        [("node1", C("6000", "10000")), ("node2", {**C("6000", "10000"), EXT: "4"})],
        [],
        ([C("3000", "4000")], "node1", False),
        [(EXT, 2), ("cpu", 1), ("memory", 1)],
        [55, 55],
    ),
]

MOST = [
    ("nothing scheduled, nothing requested", N12, [], ([], None, False), DEFAULT, [0, 0]),
    (
        "nothing scheduled, resources requested, differently sized nodes",
        N46,
        [],
        (REQ2, None, False),
        DEFAULT,
        [62, 50],
    ),
    (
        "no resources requested, pods scheduled with resources",
        N1010,
        [
            ("node1", [C("3000", "0")], False),
            ("node1", [C("3000", "0")], False),
            ("node2", [C("3000", "0")], False),
            ("node2", [C("3000", "5000")], False),
        ],
        ([], None, False),
        DEFAULT,
        [30, 42],
    ),
    (
        "resources requested, pods scheduled with resources",
        N1010,
        [("node1", [C("3000", "0")], False), ("node2", [C("3000", "5000")], False)],
        (REQ2, None, False),
        DEFAULT,
        [42, 55],
    ),
    (
        "resources requested equal node capacity",
        [("node1", C("5000", "10000")), ("node2", C("10000", "9000"))],
        [],
        ([C("2000", "4000"), C("3000", "5000")], None, False),
        DEFAULT,
        [95, 75],
    ),
    (
        "nothing scheduled, resources requested, differently sized nodes (weighted)",
        N46,
        [],
        (REQ2, None, False),
        [("memory", 2), ("cpu", 1)],
        [58, 50],
    ),
    (
        "no resources requested, pods scheduled, nonzero request for resource",
        [("node1", C("250m", "1000Mi")), ("node2", C("250m", "1000Mi"))],
        [("node1", [], True), ("node1", [], True)],
        ([], None, True),
        DEFAULT,
        [80, 30],
    ),
    (
        "bypass extended resource if the pod does not request",
        [("node1", C("6000", "10000")), ("node2", {**C("6000", "10000"), EXT: "4"})],
        [],
        (REQ2, None, False),
        EXTENDED,
        [50, 50],
    ),
    (
        "honor extended resource if the pod request",
        [("node1", {**C("6000", "10000"), EXT: "4"}), ("node2", {**C("6000", "10000"), EXT: "10"})],
        [],
        ([{**C("3000", "5000"), EXT: "2"}], "node1", False),
        EXTENDED,
        [50, 40],
    ),
    (
        "if the node doesn't have a resource",
        [("node1", C("6000", "10000")), ("node2", {**C("6000", "10000"), EXT: "4"})],
        [],
        ([C("3000", "4000")], "node1", False),
        [(EXT, 2), ("cpu", 1), ("memory", 1)],
        [45, 45],
    ),
]

# Configuration errors: (upstream name, resources, the field upstream reports).
WEIGHT_ERRORS = [
    ("LeastAllocated/resource with negative weight", [("memory", -1), ("cpu", 1)], "resources[0].weight"),
    ("LeastAllocated/resource with zero weight", [("memory", 1), ("cpu", 0)], "resources[1].weight"),
    ("LeastAllocated/resource weight larger than MaxNodeScore", [("memory", 1), ("cpu", 101)], "resources[1].weight"),
    ("MostAllocated/resource with negative weight", [("memory", -1), ("cpu", 1)], "resources[0].weight"),
    ("MostAllocated/resource with zero weight", [("memory", 1), ("cpu", 0)], "resources[1].weight"),
    ("MostAllocated/resource weight larger than MaxNodeScore", [("memory", 101)], "resources[0].weight"),
]


@pytest.mark.parametrize(
    ("name", "nodes", "existing", "pod", "resources", "expected"), LEAST, ids=[c[0] for c in LEAST]
)
def test_least_allocated(name, nodes, existing, pod, resources, expected):
    assert _fit_scores("LeastAllocated", nodes, existing, pod, resources) == expected


@pytest.mark.parametrize(("name", "nodes", "existing", "pod", "resources", "expected"), MOST, ids=[c[0] for c in MOST])
def test_most_allocated(name, nodes, existing, pod, resources, expected):
    assert _fit_scores("MostAllocated", nodes, existing, pod, resources) == expected


@pytest.mark.parametrize(("name", "resources", "field"), WEIGHT_ERRORS, ids=[c[0] for c in WEIGHT_ERRORS])
def test_resource_weight_validation(name, resources, field):
    strategy = name.split("/")[0]
    with pytest.raises(InvalidInstanceError, match="scoringStrategy." + re.escape(field)):
        packing.read_config(_config(strategy, resources))


# --------------------------------------------------------------------------- BalancedAllocation
# balanced_allocation_test.go: nodes by makeNode(name, milliCPU, memory); the pod specs
# cpuOnly (1000m + 2000m cpu, memory 0 explicit) and cpuAndMemory (1000m/2000 + 2000m/3000).

CPU_ONLY = [C("1000m", "0"), C("2000m", "0")]
CPU_MEM = [C("1000m", "2000"), C("2000m", "3000")]


def _mk(name, mcpu, mem):
    return (name, C(f"{mcpu}m", str(mem)))


BALANCED = [
    (
        "nothing scheduled, nothing requested, skip in PreScore",
        [_mk("node1", 4000, 10000), _mk("node2", 4000, 10000)],
        [],
        ([], None, False),
        [0, 0],
    ),  # skipped: a best-effort pod scores 0 everywhere
    (
        "nothing scheduled, resources requested, differently sized nodes",
        [_mk("node1", 4000, 10000), _mk("node2", 6000, 10000)],
        [],
        (CPU_MEM, "node2", False),
        [87, 100],
    ),
    (
        "resources requested, pods scheduled with resources",
        [_mk("node1", 10000, 20000), _mk("node2", 10000, 20000)],
        [("node1", CPU_ONLY, False), ("node2", CPU_MEM, False)],
        (CPU_MEM, "node2", False),
        [82, 95],
    ),
    (
        "resources requested, pods scheduled with resources, differently sized nodes",
        [_mk("node1", 10000, 20000), _mk("node2", 10000, 50000)],
        [("node1", CPU_ONLY, False), ("node2", CPU_MEM, False)],
        (CPU_MEM, "node2", False),
        [82, 80],
    ),
    (
        "requested resources at node capacity",
        [_mk("node1", 6000, 10000), _mk("node2", 6000, 10000)],
        [("node1", CPU_ONLY, False), ("node2", CPU_MEM, False)],
        (CPU_ONLY, "node1", False),
        [50, 75],
    ),
    (
        "resources requested, pods scheduled with resources if PreScore not called",
        [_mk("node1", 10000, 20000), _mk("node2", 10000, 20000)],
        [("node1", CPU_ONLY, False), ("node2", CPU_MEM, False)],
        (CPU_MEM, "node2", False),
        [82, 95],
    ),
]


@pytest.mark.parametrize(("name", "nodes", "existing", "pod", "expected"), BALANCED, ids=[c[0] for c in BALANCED])
def test_balanced_allocation(name, nodes, existing, pod, expected):
    docs = [_node(n, cap) for n, cap in nodes]
    docs += [_pod(f"e{k}", reqs, node, empty) for k, (node, reqs, empty) in enumerate(existing)]
    reqs, pod_node, empty = pod
    docs.append(_pod("incoming", reqs, pod_node, empty))
    c = packing.Cluster.from_manifests(docs)
    t = packing.explain(c, c.num_pods - 1, score_all=True)
    assert t.column("NodeResourcesBalancedAllocation.raw").to_pylist() == expected


# --------------------------------------------------------------------------- TaintToleration


def _taint(k, v, e):
    return {"key": k, "value": v, "effect": e}


def _tol(k, v, e, op="Equal"):
    t = {"key": k, "operator": op, "effect": e}
    if v is not None:
        t["value"] = v
    return t


P = "PreferNoSchedule"
TAINT_SCORE = [
    (
        "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
        [_tol("foo", "bar", P)],
        [[_taint("foo", "bar", P)], [_taint("foo", "blah", P)]],
        [100, 0],
    ),
    (
        "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has",
        [_tol("cpu-type", "arm64", P), _tol("disk-type", "ssd", P)],
        [[], [_taint("cpu-type", "arm64", P)], [_taint("cpu-type", "arm64", P), _taint("disk-type", "ssd", P)]],
        [100, 100, 100],
    ),
    (
        "the more intolerable taints a node has, the lower score it gets.",
        [_tol("foo", "bar", P)],
        [[], [_taint("cpu-type", "arm64", P)], [_taint("cpu-type", "arm64", P), _taint("disk-type", "ssd", P)]],
        [100, 50, 0],
    ),
    (
        "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function",
        [_tol("cpu-type", "arm64", "NoSchedule"), _tol("disk-type", "ssd", "NoSchedule")],
        [
            [],
            [_taint("cpu-type", "arm64", "NoSchedule")],
            [_taint("cpu-type", "arm64", P), _taint("disk-type", "ssd", P)],
        ],
        [100, 100, 0],
    ),
    (
        "Default behaviour No taints and tolerations, lands on node with no taints",
        [],
        [[], [_taint("cpu-type", "arm64", P)]],
        [100, 0],
    ),
]

N = "NoSchedule"
TAINT_FILTER = [
    (
        "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
        [],
        [_taint("dedicated", "user1", N)],
        False,
    ),
    (
        "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
        [{"key": "dedicated", "value": "user1", "effect": N}],
        [_taint("dedicated", "user1", N)],
        True,
    ),
    (
        "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
        [_tol("dedicated", "user2", N)],
        [_taint("dedicated", "user1", N)],
        False,
    ),
    (
        "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
        [_tol("foo", None, N, "Exists")],
        [_taint("foo", "bar", N)],
        True,
    ),
    (
        "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
        [_tol("dedicated", "user2", N), _tol("foo", None, N, "Exists")],
        [_taint("dedicated", "user2", N), _taint("foo", "bar", N)],
        True,
    ),
    (
        "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
        [_tol("foo", "bar", P)],
        [_taint("foo", "bar", N)],
        False,
    ),
    (
        "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
        [{"key": "foo", "operator": "Equal", "value": "bar"}],
        [_taint("foo", "bar", N)],
        True,
    ),
    (
        "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
        [_tol("dedicated", "user2", N)],
        [_taint("dedicated", "user1", P)],
        True,
    ),
    (
        "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
        [],
        [_taint("dedicated", "user1", P)],
        True,
    ),
]


def _taint_cluster(tolerations, node_taints):
    n = len(node_taints)
    return packing.Cluster(
        [4000] * n,
        [1 << 33] * n,
        [100],
        [1 << 20],
        [0],
        node_taints=node_taints,
        pod_specs=[{"tolerations": tolerations}],
    )


@pytest.mark.parametrize(("name", "tolerations", "taints", "expected"), TAINT_SCORE, ids=[c[0] for c in TAINT_SCORE])
def test_taint_toleration_score(name, tolerations, taints, expected):
    t = packing.explain(_taint_cluster(tolerations, taints), 0, score_all=True)
    assert t.column("TaintToleration.score").to_pylist() == expected


@pytest.mark.parametrize(("name", "tolerations", "taints", "fits"), TAINT_FILTER, ids=[c[0] for c in TAINT_FILTER])
def test_taint_toleration_filter(name, tolerations, taints, fits):
    t = packing.explain(_taint_cluster(tolerations, [taints]), 0)
    assert t.column("feasible").to_pylist() == [fits]
    if not fits:
        # Upstream's newest text is "node(s) had untolerated taint(s)"; schedkit keeps the
        # {key: value} form of the releases before it (and of the issue).
        assert t.column("filter").to_pylist() == ["TaintToleration"]


# --------------------------------------------------------------------------- NodeAffinity
# node_affinity_test.go (kubernetes/kubernetes 022462ccaeb5) TestNodeAffinity: one node (named nodeName, "node1" where upstream leaves
# it empty) with labels; a filter failure is ErrReasonPod.


def _req(key, op, *values):
    r = {"key": key, "operator": op}
    if values:
        r["values"] = list(values)
    return r


def _name_in(name):
    return _req("metadata.name", "In", name)


def _required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def _exprs(*reqs):
    return {"matchExpressions": list(reqs)}


GPU_AND_NOT_AMD = _exprs(_req("GPU", "Exists"), _req("GPU", "NotIn", "AMD", "INTER"))
FOO_BAR = {"foo": "bar"}

# (upstream name, pod spec, node labels, node name, fits)
AFFINITY_FILTER = [
    ("missing labels", {"nodeSelector": FOO_BAR}, {}, None, False),
    ("same labels", {"nodeSelector": FOO_BAR}, FOO_BAR, None, True),
    ("node labels are superset", {"nodeSelector": FOO_BAR}, {"foo": "bar", "baz": "blah"}, None, True),
    ("node labels are subset", {"nodeSelector": {"foo": "bar", "baz": "blah"}}, FOO_BAR, None, False),
    (
        "Pod with matchExpressions using In operator that matches the existing node",
        {"affinity": _required(_exprs(_req("foo", "In", "bar", "value2")))},
        FOO_BAR,
        None,
        True,
    ),
    (
        "Pod with matchExpressions using Gt operator that matches the existing node",
        {"affinity": _required(_exprs(_req("kernel-version", "Gt", "0204")))},
        {"kernel-version": "0206"},
        None,
        True,
    ),
    (
        "Pod with matchExpressions using NotIn operator that matches the existing node",
        {"affinity": _required(_exprs(_req("mem-type", "NotIn", "DDR", "DDR2")))},
        {"mem-type": "DDR3"},
        None,
        True,
    ),
    (
        "Pod with matchExpressions using Exists operator that matches the existing node",
        {"affinity": _required(_exprs(_req("GPU", "Exists")))},
        {"GPU": "NVIDIA-GRID-K1"},
        None,
        True,
    ),
    (
        "Pod with affinity that don't match node's labels won't schedule onto the node",
        {"affinity": _required(_exprs(_req("foo", "In", "value1", "value2")))},
        FOO_BAR,
        None,
        False,
    ),
    (
        "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
        {"affinity": _required(_exprs())},
        FOO_BAR,
        None,
        False,
    ),
    ("Pod with no Affinity will schedule onto a node", {}, FOO_BAR, None, True),
    (
        "Pod with Affinity but nil NodeSelector will schedule onto a node",
        {"affinity": {"nodeAffinity": {}}},
        FOO_BAR,
        None,
        True,
    ),
    (
        "Pod with multiple matchExpressions ANDed that matches the existing node",
        {"affinity": _required(GPU_AND_NOT_AMD)},
        {"GPU": "NVIDIA-GRID-K1"},
        None,
        True,
    ),
    (
        "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
        {"affinity": _required(_exprs(_req("GPU", "Exists"), _req("GPU", "In", "AMD", "INTER")))},
        {"GPU": "NVIDIA-GRID-K1"},
        None,
        False,
    ),
    (
        "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
        {
            "affinity": _required(
                _exprs(_req("foo", "In", "bar", "value2")), _exprs(_req("diffkey", "In", "wrong", "value2"))
            )
        },
        FOO_BAR,
        None,
        True,
    ),
    (
        "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node",
        {"nodeSelector": FOO_BAR, "affinity": _required(_exprs(_req("foo", "Exists")))},
        FOO_BAR,
        None,
        True,
    ),
    (
        "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won't schedule onto the node",
        {"nodeSelector": FOO_BAR, "affinity": _required(_exprs(_req("foo", "Exists")))},
        {"foo": "barrrrrr"},
        None,
        False,
    ),
    (
        "Pod with an invalid value in Affinity term won't be scheduled onto the node",
        {"affinity": _required(_exprs(_req("foo", "NotIn", "invalid value: ___@#$%^")))},
        FOO_BAR,
        None,
        False,
    ),
    (
        "Pod with matchFields using In operator that matches the existing node",
        {"affinity": _required({"matchFields": [_name_in("node1")]})},
        {},
        "node1",
        True,
    ),
    (
        "Pod with matchFields using In operator that does not match the existing node",
        {"affinity": _required({"matchFields": [_name_in("node1")]})},
        {},
        "node2",
        False,
    ),
    (
        "Pod with two terms: matchFields does not match, but matchExpressions matches",
        {
            "affinity": _required(
                {"matchFields": [_name_in("node1"), _name_in("node2")]}, _exprs(_req("foo", "In", "bar"))
            )
        },
        FOO_BAR,
        "node2",
        True,
    ),
    (
        "Pod with one term: matchFields does not match, but matchExpressions matches",
        {"affinity": _required({"matchFields": [_name_in("node1")], **_exprs(_req("foo", "In", "bar"))})},
        FOO_BAR,
        "node2",
        False,
    ),
    (
        "Pod with one term: both matchFields and matchExpressions match",
        {"affinity": _required({"matchFields": [_name_in("node1")], **_exprs(_req("foo", "In", "bar"))})},
        FOO_BAR,
        "node1",
        True,
    ),
    (
        "Pod with two terms: both matchFields and matchExpressions do not match",
        {"affinity": _required({"matchFields": [_name_in("node1")]}, _exprs(_req("foo", "In", "not-match-to-bar")))},
        FOO_BAR,
        "node2",
        False,
    ),
    (
        "Pod with two terms of node.Name affinity",
        {"affinity": _required({"matchFields": [_name_in("node1")]}, {"matchFields": [_name_in("node2")]})},
        {},
        "node2",
        True,
    ),
    (
        "Pod with two conflicting mach field requirements",
        {"affinity": _required({"matchFields": [_name_in("node1"), _name_in("node2")]})},
        FOO_BAR,
        "node2",
        False,
    ),
    (
        "Matches node selector correctly even if PreFilter is not called",
        {"nodeSelector": FOO_BAR},
        {"foo": "bar", "baz": "blah"},
        None,
        True,
    ),
    (
        "Matches node affinity correctly even if PreFilter is not called",
        {"affinity": _required(GPU_AND_NOT_AMD)},
        {"GPU": "NVIDIA-GRID-K1"},
        None,
        True,
    ),
]


def _labelled_node(name, labels):
    node = _node(name, C("4", "8Gi"))
    node["metadata"]["labels"] = labels
    return node


@pytest.mark.parametrize(
    ("name", "spec", "labels", "node", "fits"), AFFINITY_FILTER, ids=[c[0] for c in AFFINITY_FILTER]
)
def test_node_affinity_filter(name, spec, labels, node, fits):
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {**spec, "containers": [{"name": "c"}]}}
    c = packing.Cluster.from_manifests([_labelled_node(node or "node1", labels), pod])
    t = packing.explain(c, 0)
    assert t.column("feasible").to_pylist() == [fits]
    if not fits:
        assert t.column("reason").to_pylist() == ["node(s) didn't match Pod's node affinity/selector"]


def _preferred(*weighted):
    terms = [{"weight": w, "preference": _exprs(*reqs)} for w, reqs in weighted]
    return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": terms}}


L1, L2, L3 = {"foo": "bar"}, {"key": "value"}, {"az": "az1"}
L4, L5 = {"abc": "az11", "def": "az22"}, {"foo": "bar", "key": "value", "az": "az1"}
AFFINITY1 = _preferred((2, [_req("foo", "In", "bar")]))
AFFINITY2 = _preferred(
    (2, [_req("foo", "In", "bar")]),
    (4, [_req("key", "In", "value")]),
    (5, [_req("foo", "In", "bar"), _req("key", "In", "value"), _req("az", "In", "az1")]),
)

# (upstream name, pod affinity, nodes (name, labels), expected normalised scores)
AFFINITY_SCORE = [
    (
        "all nodes are same priority as NodeAffinity is nil",
        None,
        [("node1", L1), ("node2", L2), ("node3", L3)],
        [0, 0, 0],
    ),
    (
        "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
        AFFINITY1,
        [("node1", L4), ("node2", L2), ("node3", L3)],
        [0, 0, 0],
    ),
    (
        "only node1 matches the preferred scheduling requirements of pod",
        AFFINITY1,
        [("node1", L1), ("node2", L2), ("node3", L3)],
        [100, 0, 0],
    ),
    (
        "all nodes matches the preferred scheduling requirements of pod but with different priorities ",
        AFFINITY2,
        [("node1", L1), ("node5", L5), ("node2", L2)],
        [18, 100, 36],
    ),
    (
        "calculate the priorities correctly even if PreScore is not called",
        AFFINITY2,
        [("node1", L1), ("node5", L5), ("node2", L2)],
        [18, 100, 36],
    ),
]


@pytest.mark.parametrize(("name", "affinity", "nodes", "expected"), AFFINITY_SCORE, ids=[c[0] for c in AFFINITY_SCORE])
def test_node_affinity_score(name, affinity, nodes, expected):
    spec = {"containers": [{"name": "c"}]}
    if affinity is not None:
        spec["affinity"] = affinity
    docs = [_labelled_node(n, labels) for n, labels in nodes]
    docs.append({"kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    c = packing.Cluster.from_manifests(docs)
    t = packing.explain(c, 0, score_all=True)
    # explain lists nodes by name; upstream lists them in the order given
    got = dict(zip(t.column("name").to_pylist(), t.column("NodeAffinity.score").to_pylist(), strict=True))
    assert got == {n: score for (n, _), score in zip(nodes, expected, strict=True)}


# --------------------------------------------------------------------------- NodeResourcesFit
# fit_test.go TestEnoughRequests / TestNotEnoughRequests / TestStorageRequests: one node with
# allocatable cpu 10m, memory 20, pods 32, example.com/aaa 5, ephemeral-storage 20 and
# hugepages-2Mi 5 (pods 1 and no extended resources for TestNotEnoughRequests) running one pod;
# the incoming pod's containers, init containers and overhead as upstream builds them. Transcribed
# from fit_test.go at kubernetes/kubernetes 007f7ae7dc21 (the version the reference index holds);
# later releases add sidecar (restartable init container), pod-level resources and DRA cases.

EXT_A, EXT_B = "example.com/aaa", "example.com/bbb"
K8S_A, K8S_B = "kubernetes.io/something", "subdomain.kubernetes.io/something"
HUGE = "hugepages-2Mi"
FIT_NODE = {"cpu": "10m", "memory": "20", "pods": "32", EXT_A: "5", "ephemeral-storage": "20", HUGE: "5"}
ONE_POD_NODE = {"cpu": "10m", "memory": "20", "pods": "1"}


def R(mcpu=0, mem=0, **scalars):
    """A container's requests, as ``framework.Resource{MilliCPU, Memory, ScalarResources}``."""
    names = {"a": EXT_A, "b": EXT_B, "ka": K8S_A, "kb": K8S_B, "huge": HUGE, "storage": "ephemeral-storage"}
    req = {"cpu": f"{mcpu}m", "memory": str(mem)}
    req.update({names[k]: str(v) for k, v in scalars.items()})
    return req


def _fit_pod(name, containers, init=(), overhead=None, node=None):
    spec = {"containers": [{"name": f"c{k}", "resources": {"requests": r}} for k, r in enumerate(containers)]}
    if not containers:
        spec["containers"] = [{"name": "c"}]
    if init:
        spec["initContainers"] = [{"name": f"i{k}", "resources": {"requests": r}} for k, r in enumerate(init)]
    if overhead:
        spec["overhead"] = overhead
    if node:
        spec["nodeName"] = node
    return {"kind": "Pod", "metadata": {"name": name}, "spec": spec}


def insufficient(*names):
    return ", ".join(f"Insufficient {n}" for n in names)


# (upstream name, pod containers, init containers, overhead, running pod's containers, reason or "" to fit)
ENOUGH = [
    ("no resources requested always fits", [], [], None, [R(10, 20)], ""),
    ("too many resources fails", [R(1, 1)], [], None, [R(10, 20)], insufficient("cpu", "memory")),
    (
        "too many resources fails due to init container cpu",
        [R(1, 1)],
        [R(3, 1)],
        None,
        [R(8, 19)],
        insufficient("cpu"),
    ),
    (
        "too many resources fails due to highest init container cpu",
        [R(1, 1)],
        [R(3, 1), R(2, 1)],
        None,
        [R(8, 19)],
        insufficient("cpu"),
    ),
    (
        "too many resources fails due to init container memory",
        [R(1, 1)],
        [R(1, 3)],
        None,
        [R(9, 19)],
        insufficient("memory"),
    ),
    (
        "too many resources fails due to highest init container memory",
        [R(1, 1)],
        [R(1, 3), R(1, 2)],
        None,
        [R(9, 19)],
        insufficient("memory"),
    ),
    (
        "init container fits because it's the max, not sum, of containers and init containers",
        [R(1, 1)],
        [R(1, 1)],
        None,
        [R(9, 19)],
        "",
    ),
    (
        "multiple init containers fit because it's the max, not sum, of containers and init containers",
        [R(1, 1)],
        [R(1, 1), R(1, 1)],
        None,
        [R(9, 19)],
        "",
    ),
    ("both resources fit", [R(1, 1)], [], None, [R(5, 5)], ""),
    ("one resource memory fits", [R(2, 1)], [], None, [R(9, 5)], insufficient("cpu")),
    ("one resource cpu fits", [R(1, 2)], [], None, [R(5, 19)], insufficient("memory")),
    ("equal edge case", [R(5, 1)], [], None, [R(5, 19)], ""),
    ("equal edge case for init container", [R(4, 1)], [R(5, 1)], None, [R(5, 19)], ""),
    ("extended resource fits", [R(a=1)], [], None, [R()], ""),
    ("extended resource fits for init container", [R()], [R(a=1)], None, [R()], ""),
    ("extended resource capacity enforced", [R(1, 1, a=10)], [], None, [R(a=0)], insufficient(EXT_A)),
    (
        "extended resource capacity enforced for init container",
        [R()],
        [R(1, 1, a=10)],
        None,
        [R(a=0)],
        insufficient(EXT_A),
    ),
    ("extended resource allocatable enforced", [R(1, 1, a=1)], [], None, [R(a=5)], insufficient(EXT_A)),
    (
        "extended resource allocatable enforced for init container",
        [R()],
        [R(1, 1, a=1)],
        None,
        [R(a=5)],
        insufficient(EXT_A),
    ),
    (
        "extended resource allocatable enforced for multiple containers",
        [R(1, 1, a=3), R(1, 1, a=3)],
        [],
        None,
        [R(a=2)],
        insufficient(EXT_A),
    ),
    (
        "extended resource allocatable admits multiple init containers",
        [R()],
        [R(1, 1, a=3), R(1, 1, a=3)],
        None,
        [R(a=2)],
        "",
    ),
    (
        "extended resource allocatable enforced for multiple init containers",
        [R()],
        [R(1, 1, a=6), R(1, 1, a=3)],
        None,
        [R(a=2)],
        insufficient(EXT_A),
    ),
    (
        "extended resource allocatable enforced for unknown resource",
        [R(1, 1, b=1)],
        [],
        None,
        [R()],
        insufficient(EXT_B),
    ),
    (
        "extended resource allocatable enforced for unknown resource for init container",
        [R()],
        [R(1, 1, b=1)],
        None,
        [R()],
        insufficient(EXT_B),
    ),
    ("kubernetes.io resource capacity enforced", [R(1, 1, ka=10)], [], None, [R()], insufficient(K8S_A)),
    (
        "kubernetes.io resource capacity enforced for init container",
        [R()],
        [R(1, 1, kb=10)],
        None,
        [R()],
        insufficient(K8S_B),
    ),
    ("hugepages resource capacity enforced", [R(1, 1, huge=10)], [], None, [R(huge=0)], insufficient(HUGE)),
    (
        "hugepages resource capacity enforced for init container",
        [R()],
        [R(1, 1, huge=10)],
        None,
        [R(huge=0)],
        insufficient(HUGE),
    ),
    (
        "hugepages resource allocatable enforced for multiple containers",
        [R(1, 1, huge=3), R(1, 1, huge=3)],
        [],
        None,
        [R(huge=2)],
        insufficient(HUGE),
    ),
    ("resources + pod overhead fits", [R(1, 1)], [], {"cpu": "3m", "memory": "13"}, [R(5, 5)], ""),
    (
        "requests + overhead does not fit for memory",
        [R(1, 1)],
        [],
        {"cpu": "1m", "memory": "15"},
        [R(5, 5)],
        insufficient("memory"),
    ),
]

NOT_ENOUGH = [
    (
        "even without specified resources predicate fails when there's no space for additional pod",
        [],
        [],
        None,
        [R(10, 20)],
        "Too many pods",
    ),
    (
        "even if both resources fit predicate fails when there's no space for additional pod",
        [R(1, 1)],
        [],
        None,
        [R(5, 5)],
        "Too many pods",
    ),
    (
        "even for equal edge case predicate fails when there's no space for additional pod",
        [R(5, 1)],
        [],
        None,
        [R(5, 19)],
        "Too many pods",
    ),
    (
        "even for equal edge case predicate fails when there's no space for additional pod due to init container",
        [R(5, 1)],
        [R(5, 1)],
        None,
        [R(5, 19)],
        "Too many pods",
    ),
]

STORAGE = [
    ("due to container scratch disk", [R(1, 1)], [], None, [R(10, 10)], insufficient("cpu")),
    ("pod fit", [R(1, 1)], [], None, [R(2, 10)], ""),
    (
        "storage ephemeral local storage request exceeds allocatable",
        [R(storage=25)],
        [],
        None,
        [R(2, 2)],
        insufficient("ephemeral-storage"),
    ),
    ("pod fits", [R(storage=10)], [], None, [R(2, 2)], ""),
]


def _fit_reason(allocatable, containers, init, overhead, running):
    node = {"kind": "Node", "metadata": {"name": "node1"}, "status": {"allocatable": allocatable}}
    docs = [node, _fit_pod("running", running, node="node1")]
    docs.append(_fit_pod("incoming", containers, init, overhead))
    c = packing.Cluster.from_manifests(docs)
    t = packing.explain(c, c.num_pods - 1)
    return t.column("reason").to_pylist()[0]


FIT_IDS = ("name", "containers", "init", "overhead", "running", "reason")


@pytest.mark.parametrize(FIT_IDS, ENOUGH, ids=[c[0] for c in ENOUGH])
def test_fit_enough_requests(name, containers, init, overhead, running, reason):
    assert _fit_reason(FIT_NODE, containers, init, overhead, running) == reason


@pytest.mark.parametrize(FIT_IDS, NOT_ENOUGH, ids=[c[0] for c in NOT_ENOUGH])
def test_fit_not_enough_requests(name, containers, init, overhead, running, reason):
    assert _fit_reason(ONE_POD_NODE, containers, init, overhead, running) == reason


@pytest.mark.parametrize(FIT_IDS, STORAGE, ids=[c[0] for c in STORAGE])
def test_fit_storage_requests(name, containers, init, overhead, running, reason):
    assert _fit_reason(FIT_NODE, containers, init, overhead, running) == reason


# --------------------------------------------------------------------------- RequestedToCapacityRatio
# requested_to_capacity_ratio_test.go (kubernetes/kubernetes 00b9ead02c37): the raw Score (no normalisation) of NodeResourcesFit with
# the RequestedToCapacityRatio strategy; shape scores on the API's 0..10 scale.

SHAPE_DOWN = [(0, 10), (100, 0)]
SHAPE_UP = [(0, 0), (100, 1)]
BAR = "intel.com/bar"
GI10K = str(10000 * 1024 * 1024)


def _rtcr_config(resources, shape):
    cfg = _config("RequestedToCapacityRatio", resources)
    strategy = cfg["profiles"][0]["pluginConfig"][0]["args"]["scoringStrategy"]
    strategy["requestedToCapacityRatio"] = {"shape": [{"utilization": u, "score": v} for u, v in shape]}
    return cfg


def _ext_node(name, extended):
    return (name, {"cpu": "4000m", "memory": GI10K, **{k: str(v) for k, v in extended.items()}})


# (upstream test/name, nodes, existing pods (node, [container requests], bare), pod requests,
#  resources, shape, expected raw scores)
RTCR = [
    (
        "RequestedToCapacityRatioScoringStrategy/nothing scheduled, nothing requested (default - least requested nodes have priority)",
        N12,
        [("node1", [], False), ("node1", [], False)],
        [],
        DEFAULT,
        SHAPE_DOWN,
        [100, 100],
    ),
    (
        "RequestedToCapacityRatioScoringStrategy/nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)",
        N46,
        [("node1", [], False), ("node1", [], False)],
        REQ2,
        DEFAULT,
        SHAPE_DOWN,
        [38, 50],
    ),
    (
        "RequestedToCapacityRatioScoringStrategy/no resources requested, pods scheduled with resources (default - least requested nodes have priority)",
        N46,
        [("node1", [C("3000", "5000")], False), ("node2", [C("3000", "5000")], False)],
        [],
        DEFAULT,
        SHAPE_DOWN,
        [38, 50],
    ),
]
FOO8, FOO4 = {EXT: 8}, {EXT: 4}
RTCR += [
    (
        f"ResourceBinPackingSingleExtended/{name}",
        [_ext_node("node1", FOO8), _ext_node("node2", FOO4)],
        existing,
        pod,
        [(EXT, 1)],
        SHAPE_UP,
        expected,
    )
    for name, existing, pod, expected in [
        ("resources requested, pods scheduled with less resources", [(None, [], False)], [{EXT: "2"}], [2, 5]),
        (
            "resources requested, pods scheduled with resources, on node with existing pod running ",
            [("node2", [{EXT: "2"}], False)],
            [{EXT: "2"}],
            [2, 10],
        ),
        ("resources requested, pods scheduled with more resources", [(None, [], False)], [{EXT: "4"}], [5, 10]),
    ]
]
FB1, FB2 = {EXT: 4, BAR: 8}, {EXT: 8, BAR: 4}
RTCR += [
    (
        f"ResourceBinPackingMultipleExtended/{name}",
        [_ext_node("node1", FB2), _ext_node("node2", FB1)],
        existing,
        pod,
        [(EXT, 3), (BAR, 5)],
        SHAPE_UP,
        expected,
    )
    for name, existing, pod, expected in [
        (
            "resources requested, pods scheduled with less resources",
            [(None, [], False)],
            [{EXT: "2", BAR: "2"}],
            [4, 3],
        ),
        (
            "resources requested, pods scheduled with resources, on node with existing pod running ",
            [("node2", [{EXT: "4", BAR: "2"}], False)],
            [{EXT: "2", BAR: "2"}],
            [4, 7],
        ),
        (
            "resources requested, pods scheduled with more resources",
            [(None, [], False)],
            [{EXT: "4", BAR: "2"}],
            [5, 5],
        ),
    ]
]


@pytest.mark.parametrize(
    ("name", "nodes", "existing", "pod", "resources", "shape", "expected"), RTCR, ids=[c[0] for c in RTCR]
)
def test_requested_to_capacity_ratio(name, nodes, existing, pod, resources, shape, expected):
    docs = [_node(n, cap) for n, cap in nodes]
    # a pod upstream lists without a node is not in the snapshot at all: leave it out
    docs += [_pod(f"e{k}", reqs, node, empty) for k, (node, reqs, empty) in enumerate(existing) if node]
    docs.append(_pod("incoming", pod))
    c = packing.Cluster.from_manifests(docs)
    opts = packing.read_config(_rtcr_config(resources, shape)).place_options(c)
    t = packing.explain(c, c.num_pods - 1, score_all=True, **opts)
    assert t.column("NodeResourcesFit.raw").to_pylist() == expected


# noderesources fit_test.go TestFitScore (the version of the reference index with its sidecar
# cases): each strategy scored alone; "if PreScore is not called" cases assert the same scores as
# with PreScore (schedkit has no separate PreScore step, so they run the same way).

N46_10K = [("node1", C("4000", "10000")), ("node2", C("6000", "10000"))]
N44_10K = [("node1", C("4000", "10000")), ("node2", C("4000", "10000"))]
E21 = [("node1", C("2000", "4000"), None), ("node2", C("1000", "2000"), None)]
E_SIDECAR = [("node1", C("1000", "2000"), C("1000", "2000")), ("node2", C("1000", "2000"), None)]

# (upstream name, strategy, shape, nodes, existing pods (node, requests, sidecar requests), pod requests, expected)
FIT_SCORE = [
    (f"test case for ScoringStrategy {name}{suffix}", strategy, shape, nodes, existing, pod, expected)
    for suffix in ("", " if PreScore is not called")
    for name, strategy, shape, nodes, existing, pod, expected in (
        (
            "RequestedToCapacityRatio case1",
            "RequestedToCapacityRatio",
            SHAPE_DOWN,
            N46_10K,
            E21,
            C("3000", "5000"),
            [10, 32],
        ),
        (
            "RequestedToCapacityRatio case2",
            "RequestedToCapacityRatio",
            [(0, 0), (100, 10)],
            N46_10K,
            E21,
            C("3000", "5000"),
            [95, 68],
        ),
        ("MostAllocated", "MostAllocated", None, N46_10K, E21, C("1000", "2000"), [67, 36]),
        ("LeastAllocated", "LeastAllocated", None, N46_10K, E21, C("1000", "2000"), [32, 63]),
    )
    if not (suffix and name == "RequestedToCapacityRatio case2")  # upstream has no such case
] + [
    (
        "test case for ScoringStrategy MostAllocated with sidecar container",
        "MostAllocated",
        None,
        N44_10K,
        E_SIDECAR,
        C("1000", "2000"),
        [67, 45],
    ),
    (
        "test case for ScoringStrategy LeastAllocated with sidecar container",
        "LeastAllocated",
        None,
        N44_10K,
        E_SIDECAR,
        C("1000", "2000"),
        [32, 55],
    ),
]


@pytest.mark.parametrize(
    ("name", "strategy", "shape", "nodes", "existing", "pod", "expected"), FIT_SCORE, ids=[c[0] for c in FIT_SCORE]
)
def test_fit_score(name, strategy, shape, nodes, existing, pod, expected):
    docs = [_node(n, cap) for n, cap in nodes]
    for k, (node, req, sidecar) in enumerate(existing):
        doc = _pod(f"e{k}", [req], node)
        if sidecar:
            doc["spec"]["initContainers"] = [
                {"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": sidecar}}
            ]
        docs.append(doc)
    docs.append(_pod("incoming", [pod]))
    c = packing.Cluster.from_manifests(docs)
    cfg = _rtcr_config(DEFAULT, shape) if shape else _config(strategy, DEFAULT)
    opts = packing.read_config(cfg).place_options(c)
    t = packing.explain(c, c.num_pods - 1, score_all=True, **opts)
    assert t.column("NodeResourcesFit.raw").to_pylist() == expected


# --------------------------------------------------------------------------- PodTopologySpread
# podtopologyspread filtering_test.go TestSingleConstraint (kubernetes/kubernetes 01c2588bf4a3), its
# cases up to "NodeAffinityPolicy ignored with labelSelectors"; the later ones (taints policy,
# matchLabelKeys, ...) are not transcribed yet: nodes labelled zone/node, the incoming pod "p" labelled foo with one
# DoNotSchedule constraint selecting foo (Exists); upstream asserts the plugin's status code per
# node: S = Success, U = Unschedulable (skew), UU = UnschedulableAndUnresolvable (missing label).

SPREAD_NODES = {"node-a": "zone1", "node-b": "zone1", "node-x": "zone2", "node-y": "zone2"}
SKEW = "node(s) didn't match pod topology spread constraints"
SPREAD_REASON = {"U": SKEW, "UU": SKEW + " (missing required label)"}
A2B1Y3 = ["node-a", "node-a", "node-b", "node-y", "node-y", "node-y"]


def _spread_pod(name, labels, node=None, namespace=None, constraint=None, affinity=None):
    meta = {"name": name, "labels": dict.fromkeys(labels, "")}
    if namespace:
        meta["namespace"] = namespace
    spec = {"containers": [{"name": "c"}]}
    if node:
        spec["nodeName"] = node
    if constraint:
        spec["topologySpreadConstraints"] = []
        for skew, key, selector_key, *extra in constraint if isinstance(constraint, list) else [constraint]:
            c = {"maxSkew": skew, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule"}
            c.update(extra[0] if extra else {})
            if selector_key:  # None: a null selector, which matches no pod
                c["labelSelector"] = {"matchExpressions": [{"key": selector_key, "operator": "Exists"}]}
            spec["topologySpreadConstraints"].append(c)
    if affinity:
        spec["affinity"] = affinity
    return {"kind": "Pod", "metadata": meta, "spec": spec}


def _zone_nodes(**labels_by_node):
    return [(n, labels) for n, labels in labels_by_node.items()]


ABC = [(n, {"node": n}) for n in ("node-a", "node-b", "node-c")]
FOO_NODES = [(n, {"node": n, "foo": ""}) for n in ("node-a", "node-b", "node-x")] + [("node-y", {"node": "node-y"})]
FOUR = _zone_nodes(**{n: {"zone": z, "node": n} for n, z in SPREAD_NODES.items()})
ON = lambda *nodes: [(n, None) for n in nodes]  # noqa: E731 - running pods labelled foo

# (upstream name, nodes, incoming pod's (labels, constraint, affinity), running pods (node, namespace), want)
SPREAD_FILTER = [
    ("no existing pods", FOUR, (["foo"], (1, "zone", "foo"), None), [], dict.fromkeys(SPREAD_NODES, "S")),
    (
        "no existing pods, incoming pod doesn't match itself",
        FOUR,
        (["foo"], (1, "zone", "bar"), None),
        [],
        dict.fromkeys(SPREAD_NODES, "S"),
    ),
    (
        "existing pods in a different namespace do not count",
        FOUR,
        (["foo"], (1, "zone", "foo"), None),
        [("node-a", "ns1"), ("node-a", "ns2"), ("node-x", None), ("node-y", None)],
        {"node-a": "S", "node-b": "S", "node-x": "U", "node-y": "U"},
    ),
    (
        "existing pods do not match null selector",
        FOUR,
        (["foo"], (1, "zone", None), None),
        ON("node-x", "node-y"),
        dict.fromkeys(SPREAD_NODES, "S"),
    ),
    (
        "pods spread across zones as 3/3, all nodes fit",
        FOUR,
        (["foo"], (1, "zone", "foo"), None),
        ON(*A2B1Y3),
        dict.fromkeys(SPREAD_NODES, "S"),
    ),
    (
        "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
        [(n, {("zon" if n == "node-b" else "zone"): z, "node": n}) for n, z in SPREAD_NODES.items()],
        (["foo"], (1, "zone", "foo"), None),
        ON("node-a", "node-b", "node-x", "node-y"),
        {"node-a": "S", "node-b": "UU", "node-x": "U", "node-y": "U"},
    ),
    (
        "pod cannot be scheduled as all nodes don't have label 'rack'",
        [("node-a", {"zone": "zone1", "node": "node-a"}), ("node-x", {"zone": "zone2", "node": "node-x"})],
        (["foo"], (1, "rack", "foo"), None),
        [],
        {"node-a": "UU", "node-x": "UU"},
    ),
    (
        "pods spread across nodes as 2/1/0/3, only node-x fits",
        FOUR,
        (["foo"], (1, "node", "foo"), None),
        ON(*A2B1Y3),
        {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "U"},
    ),
    (
        "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
        FOUR,
        (["foo"], (2, "node", "foo"), None),
        ON(*A2B1Y3),
        {"node-a": "U", "node-b": "S", "node-x": "S", "node-y": "U"},
    ),
    (
        "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
        FOUR,
        (["bar"], (1, "node", "foo"), None),
        ON(*A2B1Y3),
        {"node-a": "U", "node-b": "S", "node-x": "S", "node-y": "U"},
    ),
    (
        "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
        FOUR,
        (["foo"], (1, "node", "foo"), _required(_exprs(_req("node", "In", "node-a", "node-y")))),
        ON(*A2B1Y3),
        # upstream runs the spread filter alone: node-b and node-x pass it ("in real case, it's
        # false": schedkit's NodeAffinity filter rejects them first)
        {"node-a": "S", "node-b": "S", "node-x": "S", "node-y": "U"},
    ),
    (
        "incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
        FOUR,
        (["foo"], (1, "zone", "foo"), _required(_exprs(_req("node", "NotIn", "node-b")))),
        ON("node-b", "node-b", "node-y"),
        # node-b passes the spread filter alone; schedkit's NodeAffinity filter rejects it first
        {"node-a": "S", "node-b": "S", "node-x": "U", "node-y": "U"},
    ),
    (
        "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third node fits",
        ABC,
        (["foo"], (2, "node", "foo", {"minDomains": 4}), None),
        ON("node-a", "node-a", "node-b", "node-b", "node-c"),
        {"node-a": "U", "node-b": "U", "node-c": "S"},
    ),
    (
        "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes fit",
        ABC,
        (["foo"], (2, "node", "foo", {"minDomains": 2}), None),
        ON("node-a", "node-a", "node-b", "node-b", "node-c"),
        {"node-a": "S", "node-b": "S", "node-c": "S"},
    ),
    (
        "pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit",
        FOUR,
        (["foo"], (2, "zone", "foo", {"minDomains": 3}), None),
        ON("node-a", "node-b", "node-y"),
        {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "S"},
    ),
    (
        "pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
        FOUR,
        (["foo"], (2, "zone", "foo", {"minDomains": 1}), None),
        ON("node-a", "node-b", "node-y"),
        dict.fromkeys(SPREAD_NODES, "S"),
    ),
    (
        "NodeAffinityPolicy honored with labelSelectors",
        FOO_NODES,
        (["foo"], (1, "node", "foo"), None, {"foo": ""}),
        ON("node-a", "node-b", "node-y"),
        # node-y passes the spread filter alone; schedkit's NodeAffinity filter rejects it first
        {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "S"},
    ),
    (
        "NodeAffinityPolicy honored with nodeAffinity",
        FOO_NODES,
        (["foo"], (1, "node", "foo"), _required(_exprs(_req("foo", "In", "")))),
        ON("node-a", "node-b", "node-y"),
        {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "S"},
    ),
]

ZONE_NODE = [(1, "zone", "foo"), (1, "node", "foo")]
ZONE_FOO_NODE_BAR = [(1, "zone", "foo"), (1, "node", "bar")]


def _on(*pods):
    """Running pods as (node, labels) pairs, in the default namespace."""
    return [(node, None, labels) for node, labels in pods]


# TestMultipleConstraints, its first 7 cases (the later ones mix node inclusion policies)
SPREAD_FILTER += [
    (
        f"MultipleConstraints/{name}",
        nodes,
        pod,
        running,
        want,
    )
    for name, nodes, pod, running, want in [
        (
            "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
            FOUR,
            (["foo"], ZONE_NODE, None),
            ON(*A2B1Y3),
            {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "U"},
        ),
        (
            "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
            FOUR,
            (["foo"], ZONE_NODE, None),
            ON(*A2B1Y3, "node-y"),
            dict.fromkeys(SPREAD_NODES, "U"),
        ),
        (
            "Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
            FOUR,
            (["foo", "bar"], ZONE_FOO_NODE_BAR, None),
            _on(("node-a", ["foo"]), ("node-y", ["bar"])),
            {"node-a": "U", "node-b": "U", "node-x": "S", "node-y": "U"},
        ),
        (
            "Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
            FOUR,
            (["foo", "bar"], ZONE_FOO_NODE_BAR, None),
            _on(("node-a", ["foo"]), ("node-x", ["bar"]), ("node-y", ["bar"])),
            dict.fromkeys(SPREAD_NODES, "U"),
        ),
        (
            "Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
            FOUR,
            (["foo", "bar"], ZONE_FOO_NODE_BAR, None),
            _on(
                ("node-a", ["foo"]),
                ("node-a", ["foo", "bar"]),
                ("node-y", ["foo"]),
                ("node-y", ["foo", "bar"]),
                ("node-y", ["foo"]),
            ),
            {"node-a": "U", "node-b": "S", "node-x": "U", "node-y": "U"},
        ),
        (
            "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
            FOUR,
            (["bar"], ZONE_FOO_NODE_BAR, None),
            _on(("node-a", ["foo"]), ("node-x", ["bar"]), ("node-y", ["bar"])),
            {"node-a": "S", "node-b": "S", "node-x": "U", "node-y": "U"},
        ),
        (
            "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
            [(n, {"zone": z} if n == "node-x" else {"zone": z, "node": n}) for n, z in SPREAD_NODES.items()],
            (["foo"], ZONE_NODE, None),
            ON("node-a", "node-y"),
            {"node-a": "U", "node-b": "S", "node-x": "UU", "node-y": "U"},
        ),
    ]
]


@pytest.mark.parametrize(("name", "nodes", "pod", "running", "want"), SPREAD_FILTER, ids=[c[0] for c in SPREAD_FILTER])
def test_pod_topology_spread_filter(name, nodes, pod, running, want):
    docs = [_labelled_node(n, labels) for n, labels in nodes]
    for k, (node, ns, *labels) in enumerate(running):
        docs.append(_spread_pod(f"r{k}", labels[0] if labels else ["foo"], node, ns))
    labels, constraint, affinity, *selector = pod
    docs.append(_spread_pod("p", labels, constraint=constraint, affinity=affinity))
    if selector:
        docs[-1]["spec"]["nodeSelector"] = selector[0]
    c = packing.Cluster.from_manifests(docs)
    t = packing.explain(c, c.num_pods - 1)
    got = {}
    for node, plugin, reason in zip(*(t.column(k).to_pylist() for k in ("name", "filter", "reason")), strict=True):
        got[node] = next((k for k, r in SPREAD_REASON.items() if plugin == "PodTopologySpread" and r == reason), "S")
        assert plugin in (None, "PodTopologySpread", "NodeAffinity")
    assert got == want


#: Upstream cases of the files above that cannot be expressed, and why.
NOT_EXPRESSIBLE = {
    "LeastAllocated/Resources not set, pods scheduled with error": "schedkit defaults scoring resources to cpu and memory as the API does; an unset list cannot be given",
    "LeastAllocated/zero node resources, pods scheduled with resources": "a Cluster refuses running pods beyond a node's allocatable",
    "MostAllocated/Resources not set, pods scheduled with error": "as for LeastAllocated",
    "BalancedAllocation/include scalar resource on a node for balanced resource allocation": "balanced allocation over resources beyond cpu and memory is not modelled",
    "BalancedAllocation/node without the scalar resource should skip the scalar resource": "its arguments name nvidia.com/gpu, which read_config refuses for balanced allocation",
    "BalancedAllocation/include DRA resource on a node for balanced resource allocation": "dynamic resource allocation is not modelled",
    "BalancedAllocation/include DRA resource on a node for balanced resource allocation if PreScore not called": "dynamic resource allocation is not modelled",
    "NodeResourcesFit/EnoughRequests/skip checking ignored extended resource": "NodeResourcesFitArgs.ignoredResources is not modelled (read_config refuses it)",
    **{
        f"{n}/nothing scheduled, nothing requested": "it scores only extended resources no pod requests: upstream scores 0 on every node, schedkit refuses the configuration ('no resource of the cluster is scored')"
        for n in ("ResourceBinPackingSingleExtended", "ResourceBinPackingMultipleExtended")
    },
    "PodTopologySpread/SingleConstraint/NodeAffinityPolicy ignored with labelSelectors": "upstream names two cases so; both assert node-y Unschedulable by the spread filter alone, but explain reports the first failing filter and NodeAffinity rejects node-y before it",
    "PodTopologySpread/SingleConstraint/terminating Pods should be excluded": "terminating pods (metadata.deletionTimestamp) are not modelled: from_manifests refuses them (a warning with strict=False) rather than count them",
    **{
        f"NodeAffinity/{n}": "NodeAffinityArgs.addedAffinity is not modelled (read_config refuses NodeAffinity arguments)"
        for n in (
            "Filter/Matches added affinity and Pod's node affinity",
            "Filter/Matches added affinity but not Pod's node affinity",
            "Filter/Doesn't match added affinity",
            "Score/added affinity",
            "Score/added affinity and pod has default affinity",
        )
    },
    **{
        f"TaintToleration/{n}": "Gt/Lt tolerations are an alpha feature (TaintTolerationComparisonOperators); schedkit rejects them as stable validation does"
        for n in (
            "Score/Numeric Gt operator: pod with Gt toleration prefers nodes with matching SLA taint",
            "Score/Numeric Lt operator: pod with Lt toleration prefers nodes with matching SLA taint",
            "Score/Score ignores parse errors from numeric PreferNoSchedule taint value",
            "Filter/Pod with Gt toleration cannot be scheduled on node when taint value is lower than threshold",
            "Filter/Pod with Gt toleration can be scheduled on node when taint value is higher than threshold",
            "Filter/Pod with Lt toleration cannot be scheduled on node when taint value is higher than threshold",
            "Filter/Pod with Lt toleration can be scheduled on node when taint value is lower than threshold",
            "Filter/Pod with Gt toleration cannot be scheduled on node with non-numeric taint value",
            "FilterWithFeatureGate/Pod with Gt toleration can be scheduled when feature gate is enabled and taint value is higher",
            "FilterWithFeatureGate/Pod with Gt toleration cannot be scheduled when feature gate is disabled",
            "FilterWithFeatureGate/Pod with Lt toleration can be scheduled when feature gate is enabled and taint value is lower",
            "FilterWithFeatureGate/Pod with Lt toleration cannot be scheduled when feature gate is disabled",
            "FilterWithFeatureGate/Pod with mixed tolerations (Equal and Gt) when feature gate is disabled - only Equal is honored",
            "FilterWithFeatureGate/Pod with mixed tolerations, Gt toleration needed but filtered out when feature gate is disabled",
        )
    },
}


def test_the_count_in_the_readme():
    expressed = len(LEAST) + len(MOST) + len(WEIGHT_ERRORS) + len(BALANCED) + len(TAINT_SCORE) + len(TAINT_FILTER)
    expressed += len(AFFINITY_FILTER) + len(AFFINITY_SCORE)
    expressed += len(ENOUGH) + len(NOT_ENOUGH) + len(STORAGE) + len(RTCR) + len(SPREAD_FILTER)
    expressed += len(FIT_SCORE)
    assert (expressed, len(NOT_EXPRESSIBLE)) == (162, 31)


def test_a_terminating_pod_is_named_not_counted():
    node = _labelled_node("node-a", {"node": "node-a"})
    pod = _spread_pod("p-a", ["foo"], "node-a")
    pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    with pytest.raises(InvalidInstanceError, match=r"metadata\.deletionTimestamp"):
        packing.Cluster.from_manifests([node, pod])
    with pytest.warns(UserWarning, match=r"metadata\.deletionTimestamp"):
        packing.Cluster.from_manifests([node, pod], strict=False)
