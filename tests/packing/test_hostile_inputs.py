"""Hostile and malformed inputs of schedkit.packing found by fuzzing: each gives a valid plan or
a schedkit error naming the object and field, never a wrong plan, a raw Python exception, a
silently dropped field or a quadratic blow-up."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

from schedkit import packing
from schedkit.cli import main
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._io import MAX_PODS

HAS_ORTOOLS = importlib.util.find_spec("ortools") is not None
HOST = "kubernetes.io/hostname"


def node(name, **spec):
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {HOST: name}},
        "spec": spec,
        "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "2"}},
    }


def pod(name, labels=None, containers=None, **spec):
    return {
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "c"}] if containers is None else containers, **spec},
    }


def deployment(name, replicas, **tspec):
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "c"}], **tspec}}},
    }


def resources(requests=None, limits=None):
    return [{"name": "c", "resources": {"requests": requests or {}, "limits": limits or {}}}]


def refused(docs, field, fragment):
    with pytest.raises(InvalidInstanceError, match=fragment) as info:
        packing.Cluster.from_manifests(docs)
    assert info.value.field == field
    return info.value


# --------------------------------------------------------------------------- 1. running anti-affinity

ANTI = {
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "x"}}, "topologyKey": HOST}
        ]
    }
}


def _guarded(*extra_nodes):
    """A running pod whose required anti-affinity refuses a pending pod next to it."""
    return packing.Cluster.from_manifests(
        [
            node("n0"),
            *(node(n) for n in extra_nodes),
            pod("guard", {"app": "x"}, nodeName="n0", affinity=ANTI),
            pod("newcomer", {"app": "x"}),
        ]
    )


_PLACEMENTS = [(m, None) for m in packing.METHOD_NAMES] + [("kube", "always"), ("kube", "cp")]


@pytest.mark.parametrize(("method", "fallback"), _PLACEMENTS)
@pytest.mark.parametrize("extra_nodes", [(), ("n1",)])
def test_running_pods_anti_affinity_binds_every_method(method, fallback, extra_nodes):
    if (method == "cp" or fallback) and not HAS_ORTOOLS:
        pytest.skip("OR-Tools not installed")
    c = _guarded(*extra_nodes)
    plan = packing.place(c, method=method, fallback=fallback, time_limit=1, workers=1).validate()
    guard, newcomer = c.pod_names.index("guard"), c.pod_names.index("newcomer")
    assert plan.assignment[guard] == 0
    # pending on the guard's only node; on the free node n1 when there is one
    assert plan.assignment[newcomer] == (1 if extra_nodes else -1)


@pytest.mark.skipif(not HAS_ORTOOLS, reason="OR-Tools not installed")
def test_cli_cp_honours_running_anti_affinity(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps([node("n0"), pod("guard", {"app": "x"}, nodeName="n0", affinity=ANTI), pod("new", {"app": "x"})])
    )
    assert main(["pack", str(path), "--method", "cp", "--time-limit", "1", "--json"]) == 0
    plan = {row["pod"]: row["to"] for row in json.loads(capsys.readouterr().out)["plan"]}
    assert plan == {"guard": "n0", "new": None}


# --------------------------------------------------------------------------- 2. self-containing List


def test_list_that_contains_itself_is_an_error_not_recursion():
    lst = {"kind": "List", "items": []}
    lst["items"].append(lst)
    refused(lst, "document[0].items[0]", "a List that contains itself")


def test_yaml_list_aliasing_itself_is_an_error(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "a.yaml"
    path.write_text("&a {kind: List, items: [*a]}\n")
    with pytest.raises(InvalidInstanceError):
        packing.Cluster.from_manifests(path)


def test_deeply_nested_lists_do_not_exhaust_the_stack():
    doc = {"kind": "List", "items": [node("n0")]}
    for _ in range(5000):
        doc = {"kind": "List", "items": [doc]}
    assert packing.Cluster.from_manifests(doc).node_names == ["n0"]


def test_the_same_list_twice_side_by_side_is_no_cycle():
    shared = {"kind": "List", "items": [pod("p")]}
    docs = [node("n0"), shared, {"kind": "List", "items": [shared]}]
    with pytest.raises(InvalidInstanceError, match="listed twice"):  # the same pod twice, not a cycle
        packing.Cluster.from_manifests(docs)


# --------------------------------------------------------------------------- 3. many unknown fields


def test_many_unknown_fields_are_linear_and_the_message_is_capped():
    docs = [node("n0")] + [pod(f"p{i}", containers=[{"name": "c", "imagee": "x"}]) for i in range(20_000)]
    t0 = time.perf_counter()
    with pytest.raises(InvalidInstanceError, match=r"Pod/p0\.spec\.containers\[0\]\.imagee") as info:
        packing.Cluster.from_manifests(docs)
    assert time.perf_counter() - t0 < 30
    message = str(info.value)
    assert "and 19,990 more" in message and "Pod/p10." not in message
    assert len(message) < 3000
    assert info.value.field == "Pod/p0.spec.containers[0].imagee"


def test_many_unknown_fields_warning_is_capped_too():
    docs = [node("n0")] + [pod(f"p{i}", containers=[{"name": "c", "imagee": "x"}]) for i in range(30)]
    with pytest.warns(UserWarning, match="and 20 more") as record:
        packing.Cluster.from_manifests(docs, strict=False)
    assert "30 ignored" in str(record[0].message)


# --------------------------------------------------------------------------- 4. max_pods


def test_default_max_pods_is_the_generator_bound():
    assert MAX_PODS == 200_000
    e = refused([node("n0"), deployment("d", 1_000_000)], "Deployment/d.spec.replicas", "max_pods=200,000")
    assert "--max-pods" in str(e)
    with pytest.raises(InvalidInstanceError, match="at most 200000"):
        packing.generate(2001, 100, 1, 0.5)


def test_max_pods_counts_bare_pods_and_names_the_pod():
    with pytest.raises(InvalidInstanceError, match=r"Pod/b: more than max_pods=1 .*--max-pods") as info:
        packing.Cluster.from_manifests([node("n0"), pod("a"), pod("b")], max_pods=1)
    assert info.value.field == "max_pods"


def test_cli_max_pods_default_refuses_a_million_replicas(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([node("n0"), deployment("d", 1_000_000)]))
    assert main(["pack", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Deployment/d.spec.replicas" in err and "max_pods=200,000" in err and "--max-pods" in err


# --------------------------------------------------------------------------- 5. template nodeName


def test_template_node_name_of_a_missing_node_is_an_error():
    refused(
        [node("n1"), deployment("d", 2, nodeName="no-such-node")],
        "Deployment/d.spec.template.spec.nodeName",
        "unknown node 'no-such-node'",
    )


def test_template_node_name_binds_every_replica():
    rs = deployment("r", 2, nodeName="n1")
    rs["kind"] = "ReplicaSet"
    c = packing.Cluster.from_manifests([node("n0"), node("n1"), rs])
    assert c.pod_node.tolist() == [1, 1]
    packing.place(c).validate()


def test_template_node_name_must_be_a_string():
    refused([node("n1"), deployment("d", 1, nodeName=3)], "Deployment/d.spec.template.spec.nodeName", "string")


# --------------------------------------------------------------------------- 6. PriorityClass.globalDefault


def priority_class(name, value, default):
    return {"kind": "PriorityClass", "metadata": {"name": name}, "value": value, "globalDefault": default}


def test_global_default_must_be_a_boolean():
    refused(
        [priority_class("high", 1000, "true"), node("n1"), pod("p")],
        "PriorityClass/high.globalDefault",
        "expected a boolean, got 'true'",
    )


def test_two_global_defaults_are_refused_naming_both():
    e = refused(
        [priority_class("a", 5, True), priority_class("b", 9, True), node("n1"), pod("p")],
        "PriorityClass/b.globalDefault",
        "PriorityClass/a is already the global default",
    )
    assert "PriorityClass/b" in str(e)


def test_null_global_default_is_false():
    c = packing.Cluster.from_manifests([priority_class("a", 5, None), node("n1"), pod("p")])
    assert c.pod_priority.tolist() == [0]


# --------------------------------------------------------------------------- 7. strict configuration

BASE = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}
FIT = [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]


@pytest.mark.parametrize(
    ("config", "field", "fragment"),
    [
        ({**BASE, "profile": [{"pluginConfig": FIT}]}, "profile", "unknown field"),
        ({**BASE, "profiles": [{"pluginConfigs": FIT}]}, "profiles[0].pluginConfigs", "unknown field"),
        (
            {**BASE, "profiles": [{"schedulerName": "default-scheduler", "pluginConfig": FIT}, {}]},
            "profiles[1].schedulerName",
            r"duplicate value 'default-scheduler' \(also profiles\[0\]\)",
        ),
        (
            {**BASE, "profiles": [{"pluginConfig": FIT + [{"name": "NodeResourcesFit", "args": {}}]}]},
            "profiles[0].pluginConfig[1].name",
            r"duplicate value 'NodeResourcesFit' \(also profiles\[0\]\.pluginConfig\[0\]\)",
        ),
        ({**BASE, "profiles": [{"plugins": {"scores": {}}}]}, "profiles[0].plugins.scores", "unknown field"),
        (
            {**BASE, "profiles": [{"plugins": {"score": {"enable": []}}}]},
            "profiles[0].plugins.score.enable",
            "unknown field",
        ),
        (
            {**BASE, "profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "arg": {}}]}]},
            "profiles[0].pluginConfig[0].arg",
            "unknown field",
        ),
        ({**BASE, "extenders": [{"urlPrefix": "http://x"}]}, "extenders", "not modelled"),
    ],
)
def test_config_is_read_strictly(config, field, fragment):
    with pytest.raises(InvalidInstanceError, match=fragment) as info:
        packing.read_config(config)
    assert info.value.field == field


def test_config_known_fields_still_read():
    cfg = packing.read_config({**BASE, "parallelism": 16, "profiles": [{"pluginConfig": FIT}, {"schedulerName": "b"}]})
    assert cfg.strategy == "most"


# --------------------------------------------------------------------------- 8. CLI inputs


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["pack", "FILE", "--generate", "2,2,1,0.5"], "a manifest file and --generate exclude each other"),
        (["pack", "FILE", "--experiment"], "a manifest file and --experiment exclude each other"),
        (["pack", "--generate", "2,2,1,0.5", "--experiment"], "--generate and --experiment exclude each other"),
        (["pack", "--experiment", "--scenarios", "-1"], "--scenarios: must be >= 1, got -1"),
        (["pack", "--experiment", "--scenarios", "0"], "--scenarios: must be >= 1, got 0"),
    ],
)
def test_cli_conflicting_inputs_are_usage_errors(tmp_path, capsys, argv, fragment):
    path = tmp_path / "n.json"
    path.write_text('{"kind": "Node", "metadata": {"name": "only"}, "status": {"allocatable": {"cpu": "1"}}}')
    argv = [str(path) if a == "FILE" else a for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("schedkit: error: ") and fragment in lines[0]


# --------------------------------------------------------------------------- 9. API-server validation


C0 = "Pod/p.spec.containers[0].resources"


@pytest.mark.parametrize(
    ("containers", "field", "fragment"),
    [
        (resources({"cpu": "3"}, {"cpu": "1"}), f"{C0}.requests.cpu", "must be less than or equal to the limit '1'"),
        (resources({"memory": "2Gi"}, {"memory": "1Gi"}), f"{C0}.requests.memory", "less than or equal"),
        (
            resources({"nvidia.com/gpu": "500m"}, {"nvidia.com/gpu": "500m"}),
            f"{C0}.requests.nvidia.com/gpu",
            "whole number",
        ),
        (resources(limits={"nvidia.com/gpu": "1.5"}), f"{C0}.limits.nvidia.com/gpu", "whole number"),
        (
            resources({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "2"}),
            f"{C0}.requests.nvidia.com/gpu",
            "must equal the limit '2'",
        ),
    ],
)
def test_container_resources_as_the_api_server_validates(containers, field, fragment):
    refused([node("n1"), pod("p", containers=containers)], field, fragment)


def test_valid_extended_and_limit_only_requests_still_read():
    c = packing.Cluster.from_manifests(
        [
            node("n1"),
            pod("p", containers=resources({"cpu": "1", "nvidia.com/gpu": 1}, {"cpu": "2", "nvidia.com/gpu": "1"})),
            pod("q", containers=resources(limits={"nvidia.com/gpu": "1", "cpu": "500m"})),
        ]
    )
    assert c.pod_cpu.tolist() == [1000, 500]
    # the API server trims white space around a quantity (Quantity.UnmarshalJSON) before parsing it
    spaced = packing.Cluster.from_manifests(
        [node("n1"), pod("p", containers=resources({"cpu": " 2 ", "memory": "1Gi\n"}))]
    )
    assert spaced.pod_cpu.tolist() == [2000]
    assert c.resources["nvidia.com/gpu"][1].tolist() == [1, 1]


def test_duplicate_taint_key_and_effect_is_refused():
    taints = [{"key": "a", "effect": "NoSchedule"}, {"key": "a", "value": "b", "effect": "NoSchedule"}]
    refused([node("n1", taints=taints), pod("p")], "Node/n1.spec.taints[1]", r"duplicate taint a:NoSchedule")


def test_same_taint_key_with_other_effects_is_fine():
    taints = [{"key": "a", "effect": "NoSchedule"}, {"key": "a", "effect": "NoExecute"}]
    assert packing.Cluster.from_manifests([node("n1", taints=taints), pod("p")]).num_nodes == 1


def test_other_api_server_checks():
    gt = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "n", "operator": "Gt", "values": ["4\n"]}]}]
            }
        }
    }
    where = "Pod/p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
    refused([node("n1"), pod("p", affinity=gt)], f"{where}.matchExpressions[0].values", "one integer")
    tol = [{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": "abc"}]
    refused([node("n1"), pod("p", tolerations=tol)], "Pod/p.spec.tolerations[0].tolerationSeconds", "integer")
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "b"}, "spec": {"maxUnavailable": "999%"}}
    refused([node("n1"), pod("p"), pdb], "PodDisruptionBudget/b.spec.maxUnavailable", "more than 100%")
    init = [{"name": "i", "restartPolicy": "Never"}]
    refused([node("n1"), pod("p", initContainers=init)], "Pod/p.spec.initContainers[0].restartPolicy", "only Always")
