"""``KubeSchedulerConfiguration`` (``kubescheduler.config.k8s.io/v1``) as the simulation takes it.

One profile is read (``default-scheduler`` unless named): score plugin weights and
enable/disable lists (``multiPoint`` and ``score``), DefaultPreemption disabled under
``postFilter``, the NodeResourcesFit ``scoringStrategy`` (type, resources with weights,
RequestedToCapacityRatio shape), InterPodAffinity's ``hardPodAffinityWeight`` and
``percentageOfNodesToScore``. Values Kubernetes' validation rejects are rejected here with the
field named; settings that would change scheduling but are not modelled (disabling a filter,
PodTopologySpread ``defaultingType: List``, other plugins' arguments) are errors too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._k8s import as_dict, as_int, as_list, as_str

#: Score plugins the simulation has, with the default profile's weights.
_SCORE = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesBalancedAllocation": 1,
}
#: Plugins of the default profile that score nothing the model holds, or act elsewhere.
_OTHER = {
    "PrioritySort", "NodeUnschedulable", "NodeName", "NodePorts", "VolumeRestrictions", "EBSLimits",
    "GCEPDLimits", "NodeVolumeLimits", "AzureDiskLimits", "VolumeBinding", "VolumeZone",
    "DefaultPreemption", "ImageLocality", "DefaultBinder", "SchedulingGates",
}  # fmt: skip
_STRATEGIES = {"LeastAllocated": "least", "MostAllocated": "most", "RequestedToCapacityRatio": "rtcr"}
#: The fields of the v1 types read here. kube-scheduler decodes its configuration strictly (an
#: unknown field is an error), so a misspelt key is refused rather than the default used.
#: ``extenders`` is known but changes scheduling without being modelled: an error when given.
_CONFIG_FIELDS = (
    "apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "healthzBindAddress",
    "metricsBindAddress", "enableProfiling", "enableContentionProfiling", "percentageOfNodesToScore",
    "podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders", "delayCacheUntilActive",
)  # fmt: skip
_PROFILE_FIELDS = ("schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig")
_EXTENSION_POINTS = (
    "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score", "reserve",
    "permit", "preBind", "bind", "postBind", "multiPoint",
)  # fmt: skip


def _bad(field_name: str, message: str) -> InvalidInstanceError:
    return InvalidInstanceError(f"{field_name}: {message}", field=field_name)


@dataclass(frozen=True)
class SchedulerConfig:
    """The simulation settings of one scheduler profile (see :func:`read_config`)."""

    plugin_weights: dict[str, int] = field(default_factory=lambda: dict(_SCORE))
    strategy: str = "least"
    shape: tuple[tuple[int, int], ...] | None = None
    resources: tuple[tuple[str, int], ...] = (("cpu", 1), ("memory", 1))
    hard_pod_affinity_weight: int = 1
    percentage_of_nodes_to_score: int = 0
    preemption: bool = True

    def place_options(self, cluster: Any) -> dict[str, Any]:
        """Keyword arguments of :func:`~schedkit.packing.place` (``method`` aside)."""
        names = {"cpu", "memory", *cluster.resources}
        # A resource no pod requests scores nothing in Kubernetes (its term is skipped), so
        # leaving it out is exact; cpu and memory always stay (pods are scored with defaults).
        weights = {name: w for name, w in self.resources if name in names}
        if not weights:
            raise _bad(
                "pluginConfig.NodeResourcesFit.args.scoringStrategy.resources", "no resource of the cluster is scored"
            )
        return {
            "strategy": self.strategy,
            "shape": None if self.shape is None else [list(p) for p in self.shape],
            "resource_weights": weights,
            "plugin_weights": dict(self.plugin_weights),
            "fit_weight": self.plugin_weights["NodeResourcesFit"],
            "balanced_weight": self.plugin_weights["NodeResourcesBalancedAllocation"],
            "percentage_of_nodes_to_score": self.percentage_of_nodes_to_score,
            "hard_pod_affinity_weight": self.hard_pod_affinity_weight,
        }


def _known(d: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """Refuses a key of ``d`` outside ``known``, as kube-scheduler's strict decoding does;
    ``where`` prefixes the field ("" at the top, else ending in a dot)."""
    for key in d:
        if key not in known:
            raise _bad(f"{where}{key}", f"unknown field (expected one of {', '.join(known)})")


def _unique_names(items: list[Any], key: str, default: str | None, where: str) -> None:
    """Refuses two entries of ``items`` with the same ``key`` (profiles by ``schedulerName``,
    pluginConfig by ``name``): Kubernetes' validation reports a duplicate value, and reading
    only one of them would drop the other."""
    seen: dict[str, int] = {}
    for k, item in enumerate(items):
        name = as_str(as_dict(item, f"{where}[{k}]").get(key), f"{where}[{k}].{key}", default=default)
        if name in seen:
            raise _bad(f"{where}[{k}].{key}", f"duplicate value {name!r} (also {where}[{seen[name]}])")
        seen[name] = k


def _percentage(v: Any, where: str) -> int:
    if v is None:
        return 0
    return as_int(v, where, 0, 100)


def read_config(source: Any, *, profile: str = "default-scheduler") -> SchedulerConfig:
    """A ``KubeSchedulerConfiguration`` from a YAML/JSON file or a dict.

    Parameters
    ----------
    source : str, Path or dict
    profile : str
        The ``schedulerName`` of the profile to read.

    Returns
    -------
    SchedulerConfig

    Raises
    ------
    InvalidInstanceError
        What Kubernetes' validation rejects (a resource weight outside 1..100, a malformed
        shape, an unknown plugin, a percentage outside 0..100, ...), naming the field; and
        settings that change scheduling but are not modelled.

    Examples
    --------
    >>> cfg = read_config({"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
    ...     "profiles": [{"schedulerName": "default-scheduler",
    ...                   "plugins": {"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 5}]}},
    ...                   "pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy":
    ...                       {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 3}]}}}]}]})
    >>> cfg.strategy, cfg.resources, cfg.plugin_weights["NodeResourcesFit"]
    ('most', (('cpu', 3),), 5)
    >>> read_config({"kind": "KubeSchedulerConfiguration", "profiles": [{"pluginConfig": [{"name": "NodeResourcesFit",
    ...     "args": {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 0}]}}}]}]})
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: 0 out of range 1..100
    """
    if isinstance(source, (str, Path)):
        from schedkit.packing._io import _load_documents  # the bounded YAML/JSON loader

        docs = _load_documents(source)
        if len(docs) != 1:
            raise _bad("config", f"expected one KubeSchedulerConfiguration document, found {len(docs)}")
        source = docs[0]
    cfg = as_dict(source, "config")
    _known(cfg, _CONFIG_FIELDS, "")
    if cfg.get("extenders"):
        raise _bad("extenders", "scheduler extenders are not modelled")
    kind = cfg.get("kind")
    if kind != "KubeSchedulerConfiguration":
        raise _bad("kind", f"expected KubeSchedulerConfiguration, got {kind!r}")
    api = cfg.get("apiVersion", "kubescheduler.config.k8s.io/v1")
    if api != "kubescheduler.config.k8s.io/v1":
        raise _bad("apiVersion", f"{api!r}: only kubescheduler.config.k8s.io/v1 is read")
    pct = _percentage(cfg.get("percentageOfNodesToScore"), "percentageOfNodesToScore")
    profiles = as_list(cfg.get("profiles"), "profiles") or [{}]
    _unique_names(profiles, "schedulerName", "default-scheduler", "profiles")
    chosen = None
    for k, pr in enumerate(profiles):
        pr = as_dict(pr, f"profiles[{k}]")
        name = as_str(pr.get("schedulerName"), f"profiles[{k}].schedulerName", default="default-scheduler")
        if name == profile:
            chosen = (k, pr)
    if chosen is None:
        raise _bad("profiles", f"no profile with schedulerName {profile!r}")
    k, pr = chosen
    where = f"profiles[{k}]"
    _known(pr, _PROFILE_FIELDS, f"{where}.")
    _unique_names(as_list(pr.get("pluginConfig"), f"{where}.pluginConfig"), "name", None, f"{where}.pluginConfig")
    if pr.get("percentageOfNodesToScore") is not None:
        pct = _percentage(pr["percentageOfNodesToScore"], f"{where}.percentageOfNodesToScore")
    weights = dict(_SCORE)
    preemption = True
    plugins = as_dict(pr.get("plugins"), f"{where}.plugins")
    _known(plugins, _EXTENSION_POINTS, f"{where}.plugins.")
    for point, sets in plugins.items():
        wp = f"{where}.plugins.{point}"
        sets = as_dict(sets, wp)
        _known(sets, ("enabled", "disabled"), f"{wp}.")
        for j, e in enumerate(as_list(sets.get("disabled"), f"{wp}.disabled")):
            e = as_dict(e, f"{wp}.disabled[{j}]")
            _known(e, ("name", "weight"), f"{wp}.disabled[{j}].")
            name = as_str(e.get("name"), f"{wp}.disabled[{j}].name")
            if name == "*":
                if point in ("score", "multiPoint"):
                    weights = dict.fromkeys(weights, 0)
                    continue
                raise _bad(f"{wp}.disabled[{j}].name", f"disabling every {point} plugin is not modelled")
            if name not in _SCORE and name not in _OTHER:
                raise _bad(f"{wp}.disabled[{j}].name", f"unknown plugin {name!r}")
            if name == "DefaultPreemption" and point in ("postFilter", "multiPoint"):
                preemption = False
            elif point in ("score", "multiPoint") and name in _SCORE:
                weights[name] = 0
                if point == "multiPoint" and name in (
                    "TaintToleration",
                    "NodeAffinity",
                    "NodeResourcesFit",
                    "PodTopologySpread",
                    "InterPodAffinity",
                ):
                    raise _bad(f"{wp}.disabled[{j}].name", f"disabling {name}'s filter is not modelled")
            elif name in ("ImageLocality", "PrioritySort", "DefaultBinder") or point == "score":
                continue  # ImageLocality scores nothing the model holds
            else:
                raise _bad(f"{wp}.disabled[{j}].name", f"disabling {name} at {point} is not modelled")
        for j, e in enumerate(as_list(sets.get("enabled"), f"{wp}.enabled")):
            e = as_dict(e, f"{wp}.enabled[{j}]")
            _known(e, ("name", "weight"), f"{wp}.enabled[{j}].")
            name = as_str(e.get("name"), f"{wp}.enabled[{j}].name")
            if name not in _SCORE and name not in _OTHER:
                raise _bad(f"{wp}.enabled[{j}].name", f"unknown plugin {name!r}")
            w = e.get("weight")
            if name in _SCORE and point in ("score", "multiPoint"):
                # An omitted or zero weight is the plugin's default (Kubernetes' defaulting).
                weights[name] = _SCORE[name] if w in (None, 0) else as_int(w, f"{wp}.enabled[{j}].weight", 1, 100)
    strategy, hard = "least", 1
    shape: tuple[tuple[int, int], ...] | None = None
    resources: tuple[tuple[str, int], ...] = (("cpu", 1), ("memory", 1))
    for j, pc in enumerate(as_list(pr.get("pluginConfig"), f"{where}.pluginConfig")):
        wc = f"{where}.pluginConfig[{j}]"
        pc = as_dict(pc, wc)
        _known(pc, ("name", "args"), f"{wc}.")
        name = as_str(pc.get("name"), f"{wc}.name")
        args = as_dict(pc.get("args"), f"{wc}.args")
        if name == "NodeResourcesFit":
            for key in args:
                if key not in ("scoringStrategy", "ignoredResources", "ignoredResourceGroups"):
                    raise _bad(f"{wc}.args.{key}", "not a NodeResourcesFit argument")
            if args.get("ignoredResources") or args.get("ignoredResourceGroups"):
                raise _bad(f"{wc}.args.ignoredResources", "ignoring resources in the filter is not modelled")
            ss = as_dict(args.get("scoringStrategy"), f"{wc}.args.scoringStrategy")
            ws = f"{wc}.args.scoringStrategy"
            typ = as_str(ss.get("type"), f"{ws}.type", default="LeastAllocated")
            if typ not in _STRATEGIES:
                raise _bad(f"{ws}.type", f"{typ!r} is not one of {', '.join(_STRATEGIES)}")
            strategy = _STRATEGIES[typ]
            if ss.get("resources") is not None:
                res = []
                seen = set()
                for r, item in enumerate(as_list(ss["resources"], f"{ws}.resources")):
                    item = as_dict(item, f"{ws}.resources[{r}]")
                    rn = as_str(item.get("name"), f"{ws}.resources[{r}].name")
                    if not rn:
                        raise _bad(f"{ws}.resources[{r}].name", "must not be empty")
                    if rn in seen:
                        raise _bad(f"{ws}.resources[{r}].name", f"duplicate resource {rn!r}")
                    seen.add(rn)
                    res.append((rn, as_int(item.get("weight"), f"{ws}.resources[{r}].weight", 1, 100)))
                if not res:
                    raise _bad(f"{ws}.resources", "must name at least one resource")
                resources = tuple(res)
            rtcr = as_dict(ss.get("requestedToCapacityRatio"), f"{ws}.requestedToCapacityRatio")
            if typ == "RequestedToCapacityRatio":
                pts = as_list(rtcr.get("shape"), f"{ws}.requestedToCapacityRatio.shape")
                if not pts:
                    raise _bad(f"{ws}.requestedToCapacityRatio.shape", "at least one point is required")
                out: list[tuple[int, int]] = []
                for q, pt in enumerate(pts):
                    wq = f"{ws}.requestedToCapacityRatio.shape[{q}]"
                    pt = as_dict(pt, wq)
                    u = as_int(pt.get("utilization"), f"{wq}.utilization", 0, 100)
                    s = as_int(pt.get("score"), f"{wq}.score", 0, 10)
                    if out and u <= out[-1][0]:
                        raise _bad(f"{wq}.utilization", "values must be sorted in increasing order")
                    out.append((u, s))
                shape = tuple(out)
            elif rtcr:
                raise _bad(f"{ws}.requestedToCapacityRatio", f"only read with type RequestedToCapacityRatio, not {typ}")
        elif name == "InterPodAffinity":
            for key in args:
                if key not in ("hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"):
                    raise _bad(f"{wc}.args.{key}", "not an InterPodAffinity argument")
            if args.get("ignorePreferredTermsOfExistingPods"):
                raise _bad(f"{wc}.args.ignorePreferredTermsOfExistingPods", "not modelled")
            if args.get("hardPodAffinityWeight") is not None:
                hard = as_int(args["hardPodAffinityWeight"], f"{wc}.args.hardPodAffinityWeight", 0, 100)
        elif name == "PodTopologySpread":
            if as_str(args.get("defaultingType"), f"{wc}.args.defaultingType", default="System") != "System":
                raise _bad(f"{wc}.args.defaultingType", "only the System default constraints are modelled")
            if args.get("defaultConstraints"):
                raise _bad(f"{wc}.args.defaultConstraints", "only the System default constraints are modelled")
        elif name == "NodeResourcesBalancedAllocation":
            rs = as_list(args.get("resources"), f"{wc}.args.resources")
            names = [
                as_str(as_dict(r, f"{wc}.args.resources[{q}]").get("name"), f"{wc}.args.resources[{q}].name")
                for q, r in enumerate(rs)
            ]
            if rs and sorted(names) != ["cpu", "memory"]:
                raise _bad(
                    f"{wc}.args.resources",
                    "balanced allocation over resources other than cpu and memory is not modelled",
                )
        elif name in _SCORE or name in _OTHER:
            if args:
                raise _bad(f"{wc}.args", f"arguments of {name} are not modelled")
        else:
            raise _bad(f"{wc}.name", f"unknown plugin {name!r}")
    return SchedulerConfig(weights, strategy, shape, resources, hard, pct, preemption)
