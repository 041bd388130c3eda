"""The scheduling rules of Kubernetes objects, parsed and checked once: taints, tolerations,
node selectors and node affinity, pod (anti-)affinity terms, topology spread constraints and
PodDisruptionBudgets, with the label matching Kubernetes applies to them.

Parsing follows the API validation of ``k8s.io/kubernetes/pkg/apis/core/validation`` where it
decides scheduling: a toleration with an empty key must use ``Exists``, ``Exists`` carries no
value, ``In``/``NotIn`` need values, ``Gt``/``Lt`` one integer, preferred weights are 1..100,
``maxSkew`` >= 1 and ``minDomains`` only with ``DoNotSchedule``. Every error names the object
and the field. Fields that change scheduling but are not modelled are reported through
``ignored`` (see :func:`Ignored`), never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from schedkit.exceptions import InvalidInstanceError

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_INT = re.compile(r"^[+-]?\d{1,19}\Z", re.ASCII)  # \Z: "4\n" is no integer (ParseInt)
# A label value: at most 63 characters, alphanumeric at both ends, "-_." inside (may be empty).
_LABEL_VALUE = re.compile(r"(?=.{0,63}\Z)(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


class Ignored:
    """Collects the fields and objects that would change scheduling but are not modelled.

    A set beside the list keeps :meth:`add` O(1), so a typo repeated in every one of many pods
    costs linear time; :meth:`summary` names only the first :attr:`SHOWN` of them, so the
    message stays readable."""

    #: How many items :meth:`summary` lists before "and N more".
    SHOWN = 10

    def __init__(self) -> None:
        self.items: list[str] = []
        self._seen: set[str] = set()

    def add(self, where: str, why: str) -> None:
        item = f"{where} ({why})"
        if item not in self._seen:
            self._seen.add(item)
            self.items.append(item)

    def summary(self) -> str:
        """The items joined by "; ", the first :attr:`SHOWN` only, then how many more there are."""
        text = "; ".join(self.items[: self.SHOWN])
        more = len(self.items) - self.SHOWN
        return f"{text}; and {more:,} more" if more > 0 else text


def bad(where: str, message: str) -> InvalidInstanceError:
    return InvalidInstanceError(f"{where}: {message}", field=where)


def as_dict(v: Any, where: str) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise bad(where, f"expected a mapping, got {type(v).__name__}")
    return v


def as_list(v: Any, where: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise bad(where, f"expected a list, got {type(v).__name__}")
    return v


def as_str(v: Any, where: str, *, default: str | None = None) -> str:
    if v is None and default is not None:
        return default
    if not isinstance(v, str):
        raise bad(where, f"expected a string, got {type(v).__name__}")
    return v


def as_int(v: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise bad(where, f"expected an integer, got {v!r}")
    if not lo <= v <= hi:
        raise bad(where, f"{v} out of range {lo}..{hi}")
    return v


def only(d: dict[str, Any], known: tuple[str, ...], where: str, ignored: Ignored) -> None:
    """Reports keys of a scheduling structure that are not modelled."""
    for k in d:
        if k not in known:
            ignored.add(f"{where}.{k}", "field not modelled")


def labels_of(v: Any, where: str) -> dict[str, str]:
    d = as_dict(v, where)
    out = {}
    for k, x in d.items():
        if not isinstance(k, str):
            raise bad(where, f"label key {k!r} is not a string")
        out[k] = as_str(x, f"{where}.{k}")
    return out


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


def parse_taints(v: Any, where: str) -> tuple[Taint, ...]:
    """A node's taints; two with one key and effect are refused, as the API server refuses them."""
    out = []
    seen: dict[tuple[str, str], int] = {}
    for k, t in enumerate(as_list(v, where)):
        w = f"{where}[{k}]"
        t = as_dict(t, w)
        key = as_str(t.get("key"), f"{w}.key")
        if not key:
            raise bad(f"{w}.key", "must not be empty")
        effect = as_str(t.get("effect"), f"{w}.effect")
        if effect not in EFFECTS:
            raise bad(f"{w}.effect", f"{effect!r} is not one of {', '.join(EFFECTS)}")
        if (key, effect) in seen:
            raise bad(w, f"duplicate taint {key}:{effect} (also {where}[{seen[key, effect]}])")
        seen[key, effect] = k
        out.append(Taint(key, as_str(t.get("value"), f"{w}.value", default=""), effect))
    return tuple(out)


# --------------------------------------------------------------------------- tolerations


@dataclass(frozen=True)
class Toleration:
    key: str  # "" matches every key (operator Exists)
    operator: str  # "Equal" or "Exists"
    value: str
    effect: str  # "" matches every effect

    def tolerates(self, t: Taint) -> bool:
        """``Toleration.ToleratesTaint`` of k8s.io/api/core/v1."""
        if self.effect and self.effect != t.effect:
            return False
        if self.key and self.key != t.key:
            return False
        return self.operator == "Exists" or self.value == t.value


def parse_tolerations(v: Any, where: str, ignored: Ignored) -> tuple[Toleration, ...]:
    out = []
    for k, t in enumerate(as_list(v, where)):
        w = f"{where}[{k}]"
        t = as_dict(t, w)
        only(t, ("key", "operator", "value", "effect", "tolerationSeconds"), w, ignored)
        key = as_str(t.get("key"), f"{w}.key", default="")
        op = as_str(t.get("operator"), f"{w}.operator", default="Equal") or "Equal"
        value = as_str(t.get("value"), f"{w}.value", default="")
        effect = as_str(t.get("effect"), f"{w}.effect", default="")
        if op not in ("Equal", "Exists"):
            raise bad(f"{w}.operator", f"{op!r} is not Equal or Exists")
        if not key and op != "Exists":
            raise bad(f"{w}.operator", "must be Exists when key is empty")
        if op == "Exists" and value:
            raise bad(f"{w}.value", "must be empty when operator is Exists")
        if effect and effect not in EFFECTS:
            raise bad(f"{w}.effect", f"{effect!r} is not one of {', '.join(EFFECTS)}")
        if t.get("tolerationSeconds") is not None:  # an int64 field: a string is refused
            as_int(t["tolerationSeconds"], f"{w}.tolerationSeconds", -(2**63), 2**63 - 1)
        out.append(Toleration(key, op, value, effect))
    return tuple(out)


# --------------------------------------------------------------------------- node affinity


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...]
    field: bool = False  # a matchFields requirement (metadata.name)


NODE_OPS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
POD_OPS = ("In", "NotIn", "Exists", "DoesNotExist")


def parse_requirement(r: Any, where: str, ops: tuple[str, ...], *, is_field: bool = False) -> Requirement:
    r = as_dict(r, where)
    key = as_str(r.get("key"), f"{where}.key")
    if not key:
        raise bad(f"{where}.key", "must not be empty")
    op = as_str(r.get("operator"), f"{where}.operator")
    if op not in ops:
        raise bad(f"{where}.operator", f"{op!r} is not one of {', '.join(ops)}")
    values = tuple(as_str(x, f"{where}.values[{k}]") for k, x in enumerate(as_list(r.get("values"), f"{where}.values")))
    if op in ("In", "NotIn") and not values:
        raise bad(f"{where}.values", f"must be non-empty for {op}")
    if op in ("Exists", "DoesNotExist") and values:
        raise bad(f"{where}.values", f"must be empty for {op}")
    if op in ("Gt", "Lt") and (len(values) != 1 or not _INT.match(values[0])):
        raise bad(f"{where}.values", f"{op} needs exactly one integer value")
    if is_field:
        if key != "metadata.name":
            raise bad(f"{where}.key", "matchFields supports only metadata.name")
        if op not in ("In", "NotIn"):
            raise bad(f"{where}.operator", "matchFields supports only In and NotIn")
        if len(values) != 1:
            raise bad(f"{where}.values", "matchFields takes exactly one value")
    return Requirement(key, op, values, is_field)


NodeTerm = tuple[Requirement, ...]


def parse_node_term(t: Any, where: str, ignored: Ignored) -> NodeTerm:
    t = as_dict(t, where)
    only(t, ("matchExpressions", "matchFields"), where, ignored)
    reqs = [
        parse_requirement(r, f"{where}.matchExpressions[{k}]", NODE_OPS)
        for k, r in enumerate(as_list(t.get("matchExpressions"), f"{where}.matchExpressions"))
    ]
    # The API server accepts any string as a matchExpressions value, but the scheduler parses the
    # term as a label selector: a value that is not a valid label value makes the whole term match
    # no node (nodeaffinity's nodeSelectorTerm.match with parse errors; upstream test "Pod with an
    # invalid value in Affinity term won't be scheduled onto the node"). An empty term does that.
    unparseable = any(not _LABEL_VALUE.fullmatch(v) for r in reqs if r.operator in ("In", "NotIn") for v in r.values)
    reqs += [
        parse_requirement(r, f"{where}.matchFields[{k}]", NODE_OPS, is_field=True)
        for k, r in enumerate(as_list(t.get("matchFields"), f"{where}.matchFields"))
    ]
    return () if unparseable else tuple(reqs)


def requirement_matches(r: Requirement, labels: dict[str, str], name: str) -> bool:
    """A node selector requirement against a node's labels (or its name for matchFields)."""
    if r.field:
        return (name in r.values) == (r.operator == "In")
    has = r.key in labels
    v = labels.get(r.key)
    if r.operator == "In":
        return has and v in r.values
    if r.operator == "NotIn":
        return not has or v not in r.values
    if r.operator == "Exists":
        return has
    if r.operator == "DoesNotExist":
        return not has
    if not has or v is None or not _INT.match(v):
        return False
    a, b = int(v), int(r.values[0])
    return a > b if r.operator == "Gt" else a < b


def term_matches(term: NodeTerm, labels: dict[str, str], name: str) -> bool:
    """An empty term matches no node (as ``nodeaffinity.NewNodeSelector`` has it)."""
    return bool(term) and all(requirement_matches(r, labels, name) for r in term)


# --------------------------------------------------------------------------- pod terms


@dataclass(frozen=True)
class LabelSelector:
    labels: tuple[tuple[str, str], ...]
    expressions: tuple[Requirement, ...]

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.labels) and all(
            requirement_matches(r, labels, "") for r in self.expressions
        )


def parse_selector(v: Any, where: str, ignored: Ignored) -> LabelSelector | None:
    """None for an absent selector (matches nothing in an affinity term)."""
    if v is None:
        return None
    d = as_dict(v, where)
    only(d, ("matchLabels", "matchExpressions"), where, ignored)
    labels = tuple(sorted(labels_of(d.get("matchLabels"), f"{where}.matchLabels").items()))
    exprs = tuple(
        parse_requirement(r, f"{where}.matchExpressions[{k}]", POD_OPS)
        for k, r in enumerate(as_list(d.get("matchExpressions"), f"{where}.matchExpressions"))
    )
    return LabelSelector(labels, exprs)


def with_label_keys(
    sel: LabelSelector | None, keys: Any, pod_labels: dict[str, str], where: str
) -> LabelSelector | None:
    """matchLabelKeys: the pod's own values of those keys ANDed into the selector."""
    keys = [as_str(k, f"{where}[{i}]") for i, k in enumerate(as_list(keys, where))]
    if not keys or sel is None:
        return sel
    extra = tuple(Requirement(k, "In", (pod_labels[k],)) for k in keys if k in pod_labels)
    return LabelSelector(sel.labels, sel.expressions + extra)


@dataclass(frozen=True)
class PodTerm:
    selector: LabelSelector | None
    topology_key: str
    namespaces: tuple[str, ...] | None  # None: every namespace

    def matches(self, labels: dict[str, str], namespace: str) -> bool:
        if self.selector is None:
            return False
        if self.namespaces is not None and namespace not in self.namespaces:
            return False
        return self.selector.matches(labels)


def parse_pod_term(t: Any, where: str, namespace: str, pod_labels: dict[str, str], ignored: Ignored) -> PodTerm:
    t = as_dict(t, where)
    only(t, ("labelSelector", "topologyKey", "namespaces", "namespaceSelector", "matchLabelKeys"), where, ignored)
    key = as_str(t.get("topologyKey"), f"{where}.topologyKey")
    if not key:
        raise bad(f"{where}.topologyKey", "must not be empty")
    sel = parse_selector(t.get("labelSelector"), f"{where}.labelSelector", ignored)
    # The API server rejects a new pod whose (anti-)affinity selector holds a value that is not a
    # valid label value (validatePodAffinityTerm); the scheduler would fail the pod in PreFilter or
    # PreScore. Refused here, naming the value.
    for k, r in enumerate(sel.expressions if sel else ()):
        for v_k, v in enumerate(r.values):
            if not _LABEL_VALUE.fullmatch(v):
                raise bad(
                    f"{where}.labelSelector.matchExpressions[{k}].values[{v_k}]", f"{v!r} is not a valid label value"
                )
    sel = with_label_keys(sel, t.get("matchLabelKeys"), pod_labels, f"{where}.matchLabelKeys")
    nss = tuple(
        as_str(x, f"{where}.namespaces[{k}]") for k, x in enumerate(as_list(t.get("namespaces"), f"{where}.namespaces"))
    )
    ns_sel = t.get("namespaceSelector")
    namespaces: tuple[str, ...] | None
    if ns_sel is not None:
        d = as_dict(ns_sel, f"{where}.namespaceSelector")
        if d.get("matchLabels") or d.get("matchExpressions"):
            ignored.add(f"{where}.namespaceSelector", "namespace labels are not modelled")
            namespaces = nss or (namespace,)
        else:
            namespaces = None  # {} selects every namespace
    else:
        namespaces = nss or (namespace,)
    return PodTerm(sel, key, namespaces)


# --------------------------------------------------------------------------- spread


@dataclass(frozen=True)
class Spread:
    max_skew: int
    topology_key: str
    hard: bool
    selector: LabelSelector | None
    min_domains: int
    honor_affinity: bool  # nodeAffinityPolicy
    honor_taints: bool  # nodeTaintsPolicy
    system_default: bool = False


def parse_spread(v: Any, where: str, pod_labels: dict[str, str], ignored: Ignored) -> tuple[Spread, ...]:
    out = []
    for k, c in enumerate(as_list(v, where)):
        w = f"{where}[{k}]"
        c = as_dict(c, w)
        only(
            c,
            (
                "maxSkew",
                "topologyKey",
                "whenUnsatisfiable",
                "labelSelector",
                "minDomains",
                "nodeAffinityPolicy",
                "nodeTaintsPolicy",
                "matchLabelKeys",
            ),
            w,
            ignored,
        )
        skew = as_int(c.get("maxSkew"), f"{w}.maxSkew", 1, 2**31 - 1)
        key = as_str(c.get("topologyKey"), f"{w}.topologyKey")
        if not key:
            raise bad(f"{w}.topologyKey", "must not be empty")
        when = as_str(c.get("whenUnsatisfiable"), f"{w}.whenUnsatisfiable")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            raise bad(f"{w}.whenUnsatisfiable", f"{when!r} is not DoNotSchedule or ScheduleAnyway")
        min_domains = 1
        if c.get("minDomains") is not None:
            min_domains = as_int(c.get("minDomains"), f"{w}.minDomains", 1, 2**31 - 1)
            if when != "DoNotSchedule":
                raise bad(f"{w}.minDomains", "only allowed with whenUnsatisfiable: DoNotSchedule")
        aff = as_str(c.get("nodeAffinityPolicy"), f"{w}.nodeAffinityPolicy", default="Honor")
        taints = as_str(c.get("nodeTaintsPolicy"), f"{w}.nodeTaintsPolicy", default="Ignore")
        for name, val in (("nodeAffinityPolicy", aff), ("nodeTaintsPolicy", taints)):
            if val not in ("Honor", "Ignore"):
                raise bad(f"{w}.{name}", f"{val!r} is not Honor or Ignore")
        sel = parse_selector(c.get("labelSelector"), f"{w}.labelSelector", ignored)
        sel = with_label_keys(sel, c.get("matchLabelKeys"), pod_labels, f"{w}.matchLabelKeys")
        out.append(Spread(skew, key, when == "DoNotSchedule", sel, min_domains, aff == "Honor", taints == "Honor"))
    keys = [(s.topology_key, s.hard) for s in out]
    if len(set(keys)) != len(keys):
        raise bad(where, "duplicate topologyKey and whenUnsatisfiable pair")
    return tuple(out)


#: The cluster-default constraints (``defaultingType: System``) for pods owned by a ReplicaSet,
#: StatefulSet or selected by a Service: soft spread over hostname (maxSkew 3) and zone (5).
SYSTEM_DEFAULT_SPREAD = ((HOSTNAME, 3), (ZONE, 5))


# --------------------------------------------------------------------------- a pod's rules


@dataclass(frozen=True)
class PodRules:
    """The scheduling rules of one pod (every field optional)."""

    node_selector: tuple[tuple[str, str], ...] = ()
    required: tuple[NodeTerm, ...] | None = None  # None: no required node affinity
    preferred: tuple[tuple[int, NodeTerm], ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    affinity: tuple[PodTerm, ...] = ()
    anti_affinity: tuple[PodTerm, ...] = ()
    preferred_affinity: tuple[tuple[int, PodTerm], ...] = ()
    preferred_anti_affinity: tuple[tuple[int, PodTerm], ...] = ()
    spread: tuple[Spread, ...] = ()
    never_preempt: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def static_key(self) -> tuple[Any, ...]:
        """What the static filters and scores depend on (the pod's class)."""
        return (self.node_selector, self.required, self.preferred, self.tolerations)

    def node_affinity_matches(self, labels: dict[str, str], name: str) -> bool:
        """nodeSelector and required node affinity (RequiredNodeAffinity.Match)."""
        if any(labels.get(k) != v for k, v in self.node_selector):
            return False
        return self.required is None or any(term_matches(t, labels, name) for t in self.required)


def _weighted(v: Any, where: str, parse: Any) -> tuple[tuple[int, Any], ...]:
    out = []
    for k, t in enumerate(as_list(v, where)):
        w = f"{where}[{k}]"
        t = as_dict(t, w)
        out.append((as_int(t.get("weight"), f"{w}.weight", 1, 100), parse(t, w)))
    return tuple(out)


def parse_pod_rules(spec: Any, where: str, *, labels: dict[str, str], namespace: str, ignored: Ignored) -> PodRules:
    """The scheduling rules of a PodSpec-shaped mapping; ``where`` prefixes error fields."""
    spec = as_dict(spec, where)
    sel = labels_of(spec.get("nodeSelector"), f"{where}.nodeSelector")
    aff = as_dict(spec.get("affinity"), f"{where}.affinity")
    only(aff, ("nodeAffinity", "podAffinity", "podAntiAffinity"), f"{where}.affinity", ignored)
    na = as_dict(aff.get("nodeAffinity"), f"{where}.affinity.nodeAffinity")
    wn = f"{where}.affinity.nodeAffinity"
    only(
        na,
        ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"),
        wn,
        ignored,
    )
    required = None
    if na.get("requiredDuringSchedulingIgnoredDuringExecution") is not None:
        wr = f"{wn}.requiredDuringSchedulingIgnoredDuringExecution"
        r = as_dict(na["requiredDuringSchedulingIgnoredDuringExecution"], wr)
        only(r, ("nodeSelectorTerms",), wr, ignored)
        terms = as_list(r.get("nodeSelectorTerms"), f"{wr}.nodeSelectorTerms")
        if not terms:
            raise bad(f"{wr}.nodeSelectorTerms", "must have at least one term")
        required = tuple(parse_node_term(t, f"{wr}.nodeSelectorTerms[{k}]", ignored) for k, t in enumerate(terms))

    def pref_node(t: dict[str, Any], w: str) -> NodeTerm:
        only(t, ("weight", "preference"), w, ignored)
        return parse_node_term(t.get("preference"), f"{w}.preference", ignored)

    preferred = _weighted(
        na.get("preferredDuringSchedulingIgnoredDuringExecution"),
        f"{wn}.preferredDuringSchedulingIgnoredDuringExecution",
        pref_node,
    )

    def pod_side(name: str) -> tuple[tuple[PodTerm, ...], tuple[tuple[int, PodTerm], ...]]:
        wp = f"{where}.affinity.{name}"
        pa = as_dict(aff.get(name), wp)
        only(
            pa,
            ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"),
            wp,
            ignored,
        )
        wr = f"{wp}.requiredDuringSchedulingIgnoredDuringExecution"
        req = tuple(
            parse_pod_term(t, f"{wr}[{k}]", namespace, labels, ignored)
            for k, t in enumerate(as_list(pa.get("requiredDuringSchedulingIgnoredDuringExecution"), wr))
        )

        def pref(t: dict[str, Any], w: str) -> PodTerm:
            only(t, ("weight", "podAffinityTerm"), w, ignored)
            return parse_pod_term(t.get("podAffinityTerm"), f"{w}.podAffinityTerm", namespace, labels, ignored)

        prefs = _weighted(
            pa.get("preferredDuringSchedulingIgnoredDuringExecution"),
            f"{wp}.preferredDuringSchedulingIgnoredDuringExecution",
            pref,
        )
        return req, prefs

    a_req, a_pref = pod_side("podAffinity")
    x_req, x_pref = pod_side("podAntiAffinity")
    policy = as_str(spec.get("preemptionPolicy"), f"{where}.preemptionPolicy", default="PreemptLowerPriority")
    if policy not in ("PreemptLowerPriority", "Never"):
        raise bad(f"{where}.preemptionPolicy", f"{policy!r} is not PreemptLowerPriority or Never")
    return PodRules(
        node_selector=tuple(sorted(sel.items())),
        required=required,
        preferred=preferred,
        tolerations=parse_tolerations(spec.get("tolerations"), f"{where}.tolerations", ignored),
        affinity=a_req,
        anti_affinity=x_req,
        preferred_affinity=a_pref,
        preferred_anti_affinity=x_pref,
        spread=parse_spread(
            spec.get("topologySpreadConstraints"), f"{where}.topologySpreadConstraints", labels, ignored
        ),
        never_preempt=policy == "Never",
    )


# --------------------------------------------------------------------------- budgets


@dataclass(frozen=True)
class Budget:
    """A PodDisruptionBudget: which pods it covers and how many may be disrupted."""

    name: str
    namespace: str
    selector: LabelSelector | None
    min_available: Any  # int, "N%" or None
    max_unavailable: Any
    disruptions_allowed: int | None  # status.disruptionsAllowed when given
    # status.disruptedPods: names of covered pods whose eviction the API server has already
    # processed; preemption does not count evicting them against the budget (Kubernetes'
    # filterPodsWithPDBViolation).
    disrupted: tuple[str, ...] = ()


def parse_budget(obj: dict[str, Any], where: str, ignored: Ignored) -> Budget:
    meta = as_dict(obj.get("metadata"), f"{where}.metadata")
    spec = as_dict(obj.get("spec"), f"{where}.spec")
    only(spec, ("selector", "minAvailable", "maxUnavailable", "unhealthyPodEvictionPolicy"), f"{where}.spec", ignored)
    sel = parse_selector(spec.get("selector"), f"{where}.spec.selector", ignored)
    mn, mx = spec.get("minAvailable"), spec.get("maxUnavailable")
    if mn is not None and mx is not None:
        raise bad(f"{where}.spec", "minAvailable and maxUnavailable are mutually exclusive")
    for name, v in (("minAvailable", mn), ("maxUnavailable", mx)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise bad(f"{where}.spec.{name}", f"expected an integer or a percentage, got {v!r}")
        if isinstance(v, int) and v < 0:
            raise bad(f"{where}.spec.{name}", "must be >= 0")
        if isinstance(v, str) and not re.fullmatch(r"\d{1,3}%", v):
            raise bad(f"{where}.spec.{name}", f"{v!r} is not an integer or a percentage like '50%'")
        if isinstance(v, str) and int(v[:-1]) > 100:
            raise bad(f"{where}.spec.{name}", f"{v!r} is more than 100%")
    status = as_dict(obj.get("status"), f"{where}.status")
    allowed = status.get("disruptionsAllowed")
    if allowed is not None:
        allowed = as_int(allowed, f"{where}.status.disruptionsAllowed", 0, 2**31 - 1)
    disrupted = tuple(
        sorted(
            as_str(k, f"{where}.status.disruptedPods")
            for k in as_dict(status.get("disruptedPods"), f"{where}.status.disruptedPods")
        )
    )
    return Budget(
        as_str(meta.get("name"), f"{where}.metadata.name", default=""),
        as_str(meta.get("namespace"), f"{where}.metadata.namespace", default="default"),
        sel,
        mn,
        mx,
        allowed,
        disrupted,
    )


def budget_allowed(b: Budget, healthy: int, expected: int) -> int:
    """disruptionsAllowed as the disruption controller computes it (status wins when given)."""
    if b.disruptions_allowed is not None:
        return b.disruptions_allowed

    def scaled(v: Any) -> int:
        if isinstance(v, str):  # percentages round up, as intstr.GetScaledValueFromIntOrPercent(..., true)
            return -(-int(v[:-1]) * expected // 100)
        return int(v)

    if b.max_unavailable is not None:
        desired = max(0, expected - scaled(b.max_unavailable))
    elif b.min_available is not None:
        desired = scaled(b.min_available)
    else:
        desired = expected  # an empty spec allows no disruption... unless nothing runs
    return max(0, healthy - desired)
