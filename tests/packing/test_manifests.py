"""Tests of the manifest reader and the configuration of schedkit.packing: every scheduling
field read, requests summed as Kubernetes sums them, unmodelled fields reported (error, or a
warning with strict=False), malformed input named by object and field, hostile input (alias
bombs, huge quantities and replica counts, non-UTF-8 bytes) refused quickly, and fuzzed
manifests giving either a schedkit error or a plan that validates."""

from __future__ import annotations

import json
import pickle
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedkit import data, packing
from schedkit.exceptions import InvalidInstanceError, SchedkitError

GiB = 1 << 30


def node(name, cpu="4", mem="8Gi", **extra):
    alloc = {"cpu": cpu, "memory": mem, **extra.pop("alloc", {})}
    return {
        "kind": "Node",
        "metadata": {"name": name, **extra.pop("meta", {})},
        "spec": extra.pop("spec", {}),
        "status": {"allocatable": alloc},
    }


def pod(name, containers, **spec):
    return {
        "kind": "Pod",
        "metadata": {"name": name, **spec.pop("meta", {})},
        "spec": {"containers": containers, **spec},
    }


def ctr(**req):
    return {"name": "c", "resources": {"requests": req}}


def test_bundled_cluster_reads_and_places():
    c = packing.Cluster.from_manifests(data.path("cluster.yaml"))
    assert c.num_nodes == 5 and c.num_pods == 15
    assert set(c.resources) == {"ephemeral-storage", "nvidia.com/gpu"}
    plan = packing.place(c).validate()
    i = c.pod_names.index("trainer-large")
    assert plan.assignment[i] == -1
    assert plan.messages[i] == (
        "0/5 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) were unschedulable, "
        "3 node(s) didn't match Pod's node affinity/selector."
    )
    # The batch class is the global default and never preempts.
    r = c.pod_names.index("reports-0")
    assert c.pod_priority[r] == 100 and c.pod_rules[r].never_preempt


def test_requests_as_kubernetes_sums_them():
    p = pod(
        "p",
        [ctr(cpu="500m"), {"name": "b", "resources": {"limits": {"cpu": "250m", "memory": "1Gi"}}}],
        initContainers=[
            {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}},
            {"name": "init", "resources": {"requests": {"cpu": "2", "memory": "64Mi"}}},
        ],
        overhead={"cpu": "10m"},
    )
    c = packing.Cluster.from_manifests([node("n"), p])
    # containers 500m + 250m (limit stands in for the request) + sidecar 100m = 850m; init 2000m
    # + running sidecar 100m = 2100m wins; + overhead 10m.
    assert c.pod_cpu.tolist() == [2110]
    assert c.pod_mem.tolist() == [GiB]
    # Scoring requests: the first container lacks memory -> 200Mi; the sidecar lacks memory ->
    # 200Mi; containers 200Mi + 1Gi + 200Mi vs init 64Mi + 200Mi.
    assert c._extra["pod_mem_score"].tolist() == [GiB + 400 * 2**20]


def test_explicit_zero_is_not_defaulted():
    c = packing.Cluster.from_manifests([node("n"), pod("p", [ctr(cpu="0", memory="0")]), pod("q", [ctr()])])
    assert c._extra["pod_cpu_score"].tolist() == [0, 100]
    assert c._extra["pod_mem_score"].tolist() == [0, 200 * 2**20]


def test_unmodelled_fields_are_errors_or_warnings():
    docs = [
        node("n", alloc={}),
        pod("p", [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}]}], schedulingGates=[{"name": "g"}]),
        {"kind": "StatefulSet", "metadata": {"name": "db"}},
        {"kind": "ConfigMap", "metadata": {"name": "cfg"}},
    ]
    with pytest.raises(InvalidInstanceError, match=r"hostPort.*schedulingGates|schedulingGates.*hostPort") as e:
        packing.Cluster.from_manifests(docs)
    assert "StatefulSet/db" in str(e.value) and "ConfigMap" not in str(e.value)
    with pytest.warns(UserWarning, match=r"3 ignored.*StatefulSet/db"):
        c = packing.Cluster.from_manifests(docs, strict=False)
    assert c.num_pods == 1


def test_unknown_affinity_field_is_reported():
    p = pod("p", [ctr()], affinity={"podAffinity": {"requiredDuringSchedulingRequiredDuringExecution": []}})
    with pytest.raises(
        InvalidInstanceError,
        match=r"Pod/p\.spec\.affinity\.podAffinity\.requiredDuringSchedulingRequiredDuringExecution",
    ):
        packing.Cluster.from_manifests([node("n"), p])


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"kind": 5}, r"document\[0\]\.kind"),
        ({"kind": "Pod", "metadata": {"name": 7}, "spec": {}}, r"document\[0\]\.metadata\.name"),
        ({"kind": "Pod", "metadata": {"name": "p"}, "spec": ["a"]}, r"Pod/p\.spec"),
        ({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": "x"}}, r"Pod/p\.spec\.containers"),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"resources": {"requests": {"cpu": "1e999999999"}}}]},
            },
            r"cpu",
        ),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"resources": {"requests": {"cpu": "9" * 80}}}]},
            },
            r"cpu",
        ),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"resources": {"requests": {"memory": "99999999Ei"}}}]},
            },
            r"memory",
        ),
        ({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1e8}}, r"Deployment/d\.spec\.replicas"),
        (
            {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 10**8}},
            r"Deployment/d\.spec\.replicas",
        ),
        (
            {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"tolerations": [{"operator": "Equal", "value": "x"}]}},
            r"Pod/p\.spec\.tolerations\[0\]\.operator",
        ),
        (
            {
                "kind": "Node",
                "metadata": {"name": "n"},
                "spec": {"taints": [{"key": "a", "effect": "Never"}]},
                "status": {"allocatable": {"cpu": 1}},
            },
            r"Node/n\.spec\.taints\[0\]\.effect",
        ),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {
                    "topologySpreadConstraints": [
                        {"maxSkew": 0, "topologyKey": "z", "whenUnsatisfiable": "DoNotSchedule"}
                    ]
                },
            },
            r"maxSkew",
        ),
        (
            {
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {
                    "topologySpreadConstraints": [
                        {"maxSkew": 1, "topologyKey": "z", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2}
                    ]
                },
            },
            r"minDomains",
        ),
    ],
)
def test_malformed_manifests_name_object_and_field(doc, field):
    start = time.perf_counter()
    with pytest.raises(InvalidInstanceError, match=field):
        packing.Cluster.from_manifests([doc], max_pods=10**6)
    assert time.perf_counter() - start < 2.0  # refused without expanding anything


def test_billion_laughs_is_refused(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    lines.append("kind: Pod")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(InvalidInstanceError, match="alias"):
        packing.Cluster.from_manifests(f)
    assert time.perf_counter() - start < 5.0


def test_non_utf8_and_missing_files(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_bytes(b"kind: Node\nmetadata: {name: \xff}\n")
    with pytest.raises(InvalidInstanceError, match="line 2: not UTF-8"):
        packing.Cluster.from_manifests(f)
    with pytest.raises(InvalidInstanceError, match="no such file"):
        packing.Cluster.from_manifests(tmp_path / "nope.yaml")


def test_max_pods_checked_before_allocating():
    rs = {
        "kind": "ReplicaSet",
        "metadata": {"name": "r"},
        "spec": {"replicas": 50, "template": {"spec": {"containers": [ctr(cpu="1")]}}},
    }
    with pytest.raises(InvalidInstanceError, match="max_pods=10"):
        packing.Cluster.from_manifests([rs], max_pods=10)
    assert packing.Cluster.from_manifests([node("n"), rs], max_pods=50).num_pods == 50


def test_priority_class_default_and_preemption_policy():
    docs = [
        {
            "kind": "PriorityClass",
            "metadata": {"name": "low"},
            "value": 5,
            "globalDefault": True,
            "preemptionPolicy": "Never",
        },
        node("n"),
        pod("p", [ctr(cpu="1")]),
        pod("q", [ctr(cpu="1")], priority=9),
    ]
    c = packing.Cluster.from_manifests(docs)
    assert c.pod_priority.tolist() == [5, 9]
    assert [r.never_preempt for r in c.pod_rules] == [True, False]


def test_terminal_pods_hold_nothing():
    done = pod("done", [ctr(cpu="4")], nodeName="n")
    done["status"] = {"phase": "Succeeded"}
    c = packing.Cluster.from_manifests([node("n"), done, pod("p", [ctr(cpu="3")])])
    assert c.pod_names == ["p"] and packing.place(c).assignment.tolist() == [0]


def test_replicaset_pods_are_owned_and_labelled():
    rs = {
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [ctr(cpu="1")]}},
        },
    }
    c = packing.Cluster.from_manifests([node("n"), rs])
    assert c.pod_owner == ["ReplicaSet/web"] * 2 and c.pod_namespaces == ["shop"] * 2
    bad = json.loads(json.dumps(rs))
    bad["spec"]["selector"] = {"matchLabels": {"app": "db"}}
    with pytest.raises(InvalidInstanceError, match=r"Deployment/web\.spec\.selector"):
        packing.Cluster.from_manifests([node("n"), bad])


def test_cluster_with_rules_pickles_and_compares():
    import pickle

    c = packing.Cluster.from_manifests(data.path("cluster.yaml"))
    c2 = pickle.loads(pickle.dumps(c))
    assert c2 == c
    assert packing.place(c2).assignment.tolist() == packing.place(c).assignment.tolist()


# --------------------------------------------------------------------------- configuration


def cfg(profile):
    return {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration", "profiles": [profile]}


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 101}]}},
                    }
                ]
            },
            r"resources\[0\]\.weight",
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {"scoringStrategy": {"resources": [{"name": "cpu", "weight": -1}]}},
                    }
                ]
            },
            r"resources\[0\]\.weight",
        ),
        (
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Fancy"}}}]},
            r"scoringStrategy\.type",
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {
                                "type": "RequestedToCapacityRatio",
                                "requestedToCapacityRatio": {
                                    "shape": [{"utilization": 50, "score": 1}, {"utilization": 10, "score": 2}]
                                },
                            }
                        },
                    }
                ]
            },
            r"shape\[1\]\.utilization",
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {
                                "type": "RequestedToCapacityRatio",
                                "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 11}]},
                            }
                        },
                    }
                ]
            },
            r"shape\[0\]\.score",
        ),
        ({"plugins": {"score": {"enabled": [{"name": "NoSuchPlugin"}]}}}, r"enabled\[0\]\.name"),
        ({"plugins": {"score": {"enabled": [{"name": "NodeAffinity", "weight": -3}]}}}, r"enabled\[0\]\.weight"),
        ({"percentageOfNodesToScore": 101}, r"percentageOfNodesToScore"),
        ({"plugins": {"filter": {"disabled": [{"name": "TaintToleration"}]}}}, r"disabled\[0\]\.name"),
    ],
)
def test_config_rejects_what_kubernetes_rejects(profile, field):
    with pytest.raises(InvalidInstanceError, match=field):
        packing.read_config(cfg(profile))


def test_config_sets_the_simulation():
    c = packing.Cluster([4000, 4000], [8 * GiB] * 2, [1000, 1000], [GiB] * 2, [0, 0])
    most = packing.read_config(
        cfg({"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]})
    )
    assert packing.place(c, **most.place_options(c)).assignment.tolist() == [0, 0]
    assert packing.place(c).assignment.tolist() == [0, 1]
    off = packing.read_config(cfg({"plugins": {"multiPoint": {"disabled": [{"name": "DefaultPreemption"}]}}}))
    assert off.preemption is False


# --------------------------------------------------------------------------- fuzz


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_random_structures_give_an_error_or_a_valid_plan(doc):
    try:
        c = packing.Cluster.from_manifests(doc if isinstance(doc, (list, dict)) else [doc], max_pods=1000)
    except SchedkitError:
        return
    packing.place(c).validate()


_FIELDS = [
    "cpu",
    "memory",
    "nvidia.com/gpu",
    "kind",
    "name",
    "replicas",
    "operator",
    "effect",
    "maxSkew",
    "weight",
    "topologyKey",
]
_VALUES = st.one_of(
    st.none(),
    st.integers(-5, 10**12),
    st.text(max_size=6),
    st.sampled_from(["1e9999", "-1", "Exists", "In", "NoSchedule", "1.5Gi", "0"]),
    st.lists(st.integers(), max_size=2),
    st.floats(),
)


def _mutate(obj, key, value):
    if isinstance(obj, dict):
        for k in list(obj):
            if k == key:
                obj[k] = value
                return True
            if _mutate(obj[k], key, value):
                return True
    elif isinstance(obj, list):
        return any(_mutate(x, key, value) for x in obj)
    return False


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_FIELDS), _VALUES, st.integers(0, 13))
def test_random_cells_in_a_valid_manifest(key, value, which):
    import yaml

    docs = list(yaml.safe_load_all(data.path("cluster.yaml").read_text()))
    _mutate(docs[which], key, value)
    try:
        c = packing.Cluster.from_manifests(docs, max_pods=1000)
    except SchedkitError:
        return
    packing.place(c).validate()


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(tmp_path_factory, raw):
    f = tmp_path_factory.mktemp("fuzz") / "m.yaml"
    f.write_bytes(raw)
    try:
        c = packing.Cluster.from_manifests(f)
    except SchedkitError:
        return
    packing.place(c).validate()


def test_a_running_pod_s_start_time_is_read_and_checked():
    node = {"kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "1", "memory": "1Gi"}}}

    def pod(start):
        return {
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"nodeName": "n", "containers": [{"name": "c"}]},
            "status": {"startTime": start},
        }

    c = packing.Cluster.from_manifests([node, pod("2024-01-01T00:00:00Z")])
    assert c._extra["pod_start_time"] == (1704067200.0,)
    assert pickle.loads(pickle.dumps(c)) == c
    for bad in ("yesterday", "2024-01-01T00:00:00"):
        with pytest.raises(InvalidInstanceError, match=r"Pod/p\.status\.startTime"):
            packing.Cluster.from_manifests([node, pod(bad)])


@pytest.mark.parametrize("bad", [[1.0, 2.0], [float("nan")], ["x"], [True]])
def test_pod_start_time_is_validated(bad):
    with pytest.raises(InvalidInstanceError, match="pod_start_time"):
        packing.Cluster([1000], [10], [1], [1], [0], [0], pod_start_time=bad)
