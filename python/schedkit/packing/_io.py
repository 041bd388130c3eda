"""Kubernetes quantities and manifests: the formats :mod:`schedkit.packing` reads.

Quantities follow ``k8s.io/apimachinery/pkg/api/resource``: a signed decimal number with an
optional exponent (``1e3``, ``1.5E-2``) or suffix, binary (``Ki Mi Gi Ti Pi Ei``) or decimal
(``n u m "" k M G T P E``). CPU becomes millicores rounded up (``MilliValue``), memory and pod
counts become integers rounded up (``Value``), exactly as Kubernetes does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

from schedkit._arrays import bool_arg, int_arg
from schedkit._docs import fill_doc
from schedkit._files import JsonContentError, parse_json, read_text, strict_yaml_loader
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing._k8s import (
    Ignored,
    as_dict,
    as_list,
    as_str,
    labels_of,
    parse_budget,
    parse_pod_rules,
    parse_selector,
    parse_taints,
)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}

#: Fills the docstring sections the quantity readers share (see :func:`schedkit._docs.fill_doc`).
_quantity_doc = fill_doc(
    where="""
        where : str
            Names the object and field in the error message.
        """,
    rounded="""
        Returns
        -------
        int

        Raises
        ------
        InvalidInstanceError
            Not a quantity, or negative.
        """,
)

_RE = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)\Z", re.ASCII)
#: Quantities longer than this are refused before any parsing (Kubernetes' own quantities are
#: short; the bound keeps parsing linear in the text), and so are exponents beyond +-30 and
#: values beyond 2**62 after scaling: no request or capacity comes near them.
_MAX_QUANTITY_CHARS = 64
_MAX_EXPONENT = 30
_MAX_VALUE = 2**62


@_quantity_doc
def parse_quantity(text: Any, *, where: str = "quantity") -> Fraction:
    """The exact value of a Kubernetes quantity (``"500m"`` -> 1/2, ``"1Gi"`` -> 2**30).

    Parameters
    ----------
    text : str, int or float
        A quantity string; plain ints and finite floats are accepted too.
    {where}

    Returns
    -------
    fractions.Fraction
        The exact value (signed).

    Raises
    ------
    InvalidInstanceError
        ``text`` is not a quantity; ``field`` is ``where``.

    Examples
    --------
    >>> parse_quantity("500m"), parse_quantity("1.5"), parse_quantity("512Mi"), parse_quantity("1G")
    (Fraction(1, 2), Fraction(3, 2), Fraction(536870912, 1), Fraction(1000000000, 1))
    """
    if isinstance(text, bool):
        raise InvalidInstanceError(f"{where}: {text!r} is not a quantity", field=where)
    if isinstance(text, int):
        if abs(text) > _MAX_VALUE:
            raise InvalidInstanceError(f"{where}: {text} out of range", field=where)
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text) or abs(text) > _MAX_VALUE:
            raise InvalidInstanceError(f"{where}: {text!r} is not a quantity", field=where)
        return Fraction(str(text))
    if not isinstance(text, str):
        raise InvalidInstanceError(f"{where}: {text!r} is not a quantity", field=where)
    if len(text) > _MAX_QUANTITY_CHARS:
        raise InvalidInstanceError(f"{where}: quantity longer than {_MAX_QUANTITY_CHARS} characters", field=where)
    m = _RE.match(text.strip())  # Quantity.UnmarshalJSON trims surrounding white space first
    if not m:
        raise InvalidInstanceError(
            f"{where}: {text!r} is not a Kubernetes quantity (e.g. 500m, 1.5, 512Mi, 1G)", field=where
        )
    sign, number, exp, suffix = m.groups()
    value = Fraction(number)
    if exp:
        e = int(exp[1:])
        if abs(e) > _MAX_EXPONENT:
            raise InvalidInstanceError(
                f"{where}: exponent of {text!r} out of range (|e| <= {_MAX_EXPONENT})", field=where
            )
        value *= Fraction(10) ** e
    elif suffix:
        value *= _BINARY.get(suffix) or _DECIMAL[suffix]
    return -value if sign == "-" else value


def _rounded_up(text: Any, where: str, scale: int) -> int:
    """The quantity ``text`` times ``scale``, rounded up; a negative quantity is an error."""
    q = parse_quantity(text, where=where)
    if q < 0:
        raise InvalidInstanceError(f"{where}: negative quantity {text!r}", field=where)
    q *= scale
    v = -((-q.numerator) // q.denominator)
    if v > _MAX_VALUE:
        raise InvalidInstanceError(f"{where}: {text!r} out of range (above 2**62 units)", field=where)
    return v


@_quantity_doc
def cpu_millis(text: Any, *, where: str = "cpu") -> int:
    """A cpu quantity in millicores, rounded up like ``Quantity.MilliValue``.

    Parameters
    ----------
    text : str, int or float
        The quantity (``"500m"``, ``"1.5"``, ``2``).
    {where}

    {rounded}

    Examples
    --------
    >>> cpu_millis("500m"), cpu_millis("1.5"), cpu_millis("100u")
    (500, 1500, 1)
    """
    return _rounded_up(text, where, 1000)


@_quantity_doc
def int_value(text: Any, *, where: str = "memory") -> int:
    """A memory (bytes) or count quantity as an integer, rounded up like ``Quantity.Value``.

    Parameters
    ----------
    text : str, int or float
        The quantity (``"512Mi"``, ``"1G"``, ``110``).
    {where}

    {rounded}

    Examples
    --------
    >>> int_value("512Mi"), int_value("1G"), int_value("1.5Ki"), int_value("0.5")
    (536870912, 1000000000, 1536, 1)
    """
    return _rounded_up(text, where, 1)


def format_quantity(value: int, *, cpu: bool = False) -> str:
    """A canonical quantity string for ``value``, the inverse of :func:`cpu_millis` / :func:`int_value`.

    Parameters
    ----------
    value : int
        Millicores when ``cpu``, else bytes or a count, >= 0.
    cpu : bool
        Format millicores (``"1500m"``, ``"2"``) instead of bytes (``"512Mi"``).

    Returns
    -------
    str
        ``cpu_millis(format_quantity(v, cpu=True)) == v`` and ``int_value(format_quantity(v)) == v``.

    Examples
    --------
    >>> format_quantity(1500, cpu=True), format_quantity(2000, cpu=True), format_quantity(512 << 20)
    ('1500m', '2', '512Mi')
    """
    value = int_arg(value, "value")
    if bool_arg(cpu, "cpu"):
        return f"{value // 1000}" if value % 1000 == 0 else f"{value}m"
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        if value and value % _BINARY[suffix] == 0:
            return f"{value // _BINARY[suffix]}{suffix}"
    return str(value)


# --------------------------------------------------------------------------- manifests

#: The most pods a cluster is built with by default, from manifests (``max_pods``, ``schedkit
#: pack --max-pods``) or the generator: every pod is a Python object with its own names and
#: rules, and 200,000 pods already peak near 3.7 GB (``schedkit pack --generate 2000,100,1,0.5``).
MAX_PODS = 200_000
#: What the ``max_pods`` errors suggest.
_MAX_PODS_HINT = "raise max_pods (schedkit pack --max-pods) to read more"

#: Kinds that never change where pods go; they are skipped.
_IRRELEVANT = frozenset(
    [
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "Ingress",
        "IngressClass",
        "NetworkPolicy",
        "Endpoints",
        "EndpointSlice",
        "Event",
        "CustomResourceDefinition",
        "Namespace",
        "HorizontalPodAutoscaler",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "Lease",
        "ControllerRevision",
    ]
)
#: Kinds that would change scheduling but are not modelled, with what they do.
_UNMODELLED = {
    "Service": "the default spreading of the pods it selects is not modelled (ReplicaSets' is)",
    "StatefulSet": "its pods are not generated",
    "DaemonSet": "its pods are not generated",
    "Job": "its pods are not generated",
    "CronJob": "its pods are not generated",
    "ReplicationController": "its pods are not generated",
    "LimitRange": "default requests it would add are not applied",
    "ResourceQuota": "quota admission is not modelled",
    "RuntimeClass": "its overhead and scheduling rules are not applied",
    "PersistentVolumeClaim": "volume binding is not modelled",
    "PersistentVolume": "volume binding is not modelled",
    "StorageClass": "volume binding is not modelled",
    "CSINode": "volume limits are not modelled",
    "ResourceClaim": "dynamic resource allocation is not modelled",
    "DeviceClass": "dynamic resource allocation is not modelled",
}


def _load_documents(source: Any) -> list[Any]:
    if isinstance(source, (list, dict)):
        return source if isinstance(source, list) else [source]
    if not isinstance(source, (str, Path)):
        raise InvalidInstanceError(
            f"path: expected a file path, a dict or a list of dicts, got {type(source).__name__}", field="path"
        )
    path = Path(source)
    text = read_text(path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = parse_json(text)
        except JsonContentError as exc:
            raise InvalidInstanceError(f"{path}: {exc}", field="path") from None
        except (json.JSONDecodeError, RecursionError) as exc:
            if path.suffix.lower() == ".json":
                line = getattr(exc, "lineno", None)
                raise InvalidInstanceError(f"{path}: invalid JSON ({exc})", field="path", index=line) from None
        else:
            return data if isinstance(data, list) else [data]
    yaml = require("yaml", f"{path}: reading YAML manifests (JSON needs nothing)")
    try:
        return [d for d in yaml.load_all(text, Loader=strict_yaml_loader(yaml)) if d is not None]
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise InvalidInstanceError(f"{path}: invalid YAML ({str(exc)[:300]})", field="path") from None


def _flatten(docs: list[Any], where: str = "document") -> list[tuple[str, dict[str, Any]]]:
    """The objects of ``docs`` with every ``List`` expanded in place, in order. Iterative, with
    the Lists being expanded tracked by identity: a List that contains itself (a YAML alias or a
    self-referencing dict) is an error naming it, and deep nesting cannot exhaust the stack."""
    out: list[tuple[str, dict[str, Any]]] = []
    # (remaining items, where they sit, the List holding them: None at the top)
    stack: list[tuple[Any, str, Any]] = [(iter(enumerate(docs)), where, None)]
    open_lists: set[int] = set()
    while stack:
        items, at, holder = stack[-1]
        step = next(items, None)
        if step is None:
            stack.pop()
            open_lists.discard(id(holder))
            continue
        k, d = step
        w = f"{at}[{k}]"
        if not isinstance(d, dict):
            raise InvalidInstanceError(f"{w}: expected a Kubernetes object, got {type(d).__name__}", field=w, index=k)
        kind = d.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise InvalidInstanceError(f"{w}.kind: expected a string, got {kind!r}", field=f"{w}.kind", index=k)
        if (kind or "").endswith("List") or ("items" in d and kind is None):
            if id(d) in open_lists:
                raise InvalidInstanceError(f"{w}: a {kind or 'List'} that contains itself", field=w, index=k)
            open_lists.add(id(d))
            stack.append((iter(enumerate(as_list(d.get("items"), f"{w}.items"))), f"{w}.items", d))
        else:
            out.append((w, d))
    return out


def _ident(obj: dict[str, Any], w: str) -> tuple[str, str, str]:
    """(kind, name, namespace) with the types checked; the name defaults to the position."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InvalidInstanceError(f"{w}.kind: missing (every object needs a kind)", field=f"{w}.kind")
    meta = as_dict(obj.get("metadata"), f"{w}.metadata")
    name = meta.get("name", w)
    if not isinstance(name, str):
        raise InvalidInstanceError(f"{w}.metadata.name: expected a string, got {name!r}", field=f"{w}.metadata.name")
    ns = as_str(meta.get("namespace"), f"{kind}/{name}.metadata.namespace", default="default")
    return kind, name, ns


def _requests(spec: dict[str, Any], where: str, ignored: Ignored) -> tuple[dict[str, int], int, int]:
    """Requests per resource as Kubernetes sums them (PodRequests), and the cpu/memory the Fit
    score uses (NonMissingContainerRequests: 100m / 200 MiB per container lacking one)."""

    def container(c: Any, w: str, defaults: bool) -> dict[str, int]:
        c = as_dict(c, w)
        for k, port in enumerate(as_list(c.get("ports"), f"{w}.ports")):
            port = as_dict(port, f"{w}.ports[{k}]")
            if port.get("hostPort"):
                ignored.add(f"{w}.ports[{k}].hostPort", "NodePorts is not modelled")
        res = as_dict(c.get("resources"), f"{w}.resources")
        req = dict(as_dict(res.get("requests"), f"{w}.resources.requests"))
        limits = as_dict(res.get("limits"), f"{w}.resources.limits")
        _check_limits(req, limits, f"{w}.resources")
        for name, q in limits.items():
            req.setdefault(name, q)  # the API server defaults a missing request to the limit
        out = {}
        for name, q in req.items():
            if not isinstance(name, str):
                raise InvalidInstanceError(
                    f"{w}.resources.requests: resource name {name!r} is not a string", field=f"{w}.resources.requests"
                )
            fw = f"{w}.resources.requests.{name}"
            out[name] = cpu_millis(q, where=fw) if name == "cpu" else int_value(q, where=fw)
        if defaults:
            out.setdefault("cpu", 100)
            out.setdefault("memory", 200 * 2**20)
        return out

    def total(defaults: bool) -> dict[str, int]:
        reqs: dict[str, int] = {}
        for k, c in enumerate(as_list(spec.get("containers"), f"{where}.containers")):
            for name, v in container(c, f"{where}.containers[{k}]", defaults).items():
                reqs[name] = reqs.get(name, 0) + v
        init_max: dict[str, int] = {}
        sidecars: dict[str, int] = {}
        for k, c in enumerate(as_list(spec.get("initContainers"), f"{where}.initContainers")):
            w = f"{where}.initContainers[{k}]"
            r = container(c, w, defaults)
            policy = as_dict(c, w).get("restartPolicy")
            if policy not in (None, "Always"):  # the API server allows only Always (a sidecar)
                raise InvalidInstanceError(
                    f"{w}.restartPolicy: {policy!r} is not allowed; only Always (a sidecar) is",
                    field=f"{w}.restartPolicy",
                )
            if policy == "Always":  # a sidecar runs alongside
                for name, v in r.items():
                    reqs[name] = reqs.get(name, 0) + v
                    sidecars[name] = sidecars.get(name, 0) + v
                r = dict(sidecars)
            else:
                r = {name: r.get(name, 0) + sidecars.get(name, 0) for name in set(r) | set(sidecars)}
            for name, v in r.items():
                init_max[name] = max(init_max.get(name, 0), v)
        for name, v in init_max.items():
            reqs[name] = max(reqs.get(name, 0), v)
        for name, q in as_dict(spec.get("overhead"), f"{where}.overhead").items():
            fw = f"{where}.overhead.{name}"
            reqs[name] = reqs.get(name, 0) + (cpu_millis(q, where=fw) if name == "cpu" else int_value(q, where=fw))
        return reqs

    reqs = total(False)
    scored = total(True)
    if "pods" in reqs:
        raise InvalidInstanceError(f"{where}: 'pods' cannot be requested", field=f"{where}.containers")
    return reqs, scored.get("cpu", 0), scored.get("memory", 0)


def _extended(name: str) -> bool:
    """An extended resource (``nvidia.com/gpu``): a name with a domain outside kubernetes.io
    (``IsExtendedResourceName``); its quantities are whole numbers."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def _check_limits(requests: dict[Any, Any], limits: dict[Any, Any], where: str) -> None:
    """A container's requests against its limits, as the API server's
    ValidateResourceRequirements: an extended resource takes whole numbers; a request at most
    its limit, and equal to it for an extended resource or huge pages (not overcommittable).
    (The API server also wants a limit beside such a request; the scheduler's own tests give
    requests alone, and one alone is read as it stands.)"""
    for group, values in (("requests", requests), ("limits", limits)):
        for name, q in values.items():
            fw = f"{where}.{group}.{name}"
            if isinstance(name, str) and _extended(name) and parse_quantity(q, where=fw) % 1:
                raise InvalidInstanceError(f"{fw}: {q!r} must be a whole number (an extended resource)", field=fw)
    for name, q in requests.items():
        if not isinstance(name, str) or name not in limits:
            continue  # a non-string name is refused, named, when the requests are summed
        fw = f"{where}.requests.{name}"
        req, lim = parse_quantity(q, where=fw), parse_quantity(limits[name], where=f"{where}.limits.{name}")
        if req > lim:
            raise InvalidInstanceError(
                f"{fw}: {q!r} must be less than or equal to the limit {limits[name]!r}", field=fw
            )
        if req != lim and (_extended(name) or name.startswith("hugepages-")):
            raise InvalidInstanceError(
                f"{fw}: {q!r} must equal the limit {limits[name]!r} ({name} cannot be overcommitted)", field=fw
            )


#: The fields of a PodSpec and of a Container in the Kubernetes API (v1.31): anything else is
#: an unknown field, which the API server's strict field validation rejects (a typo such as
#: ``nodeSelecter`` would otherwise be dropped without a word).
POD_SPEC_FIELDS = frozenset(
    [
        "activeDeadlineSeconds",
        "affinity",
        "automountServiceAccountToken",
        "containers",
        "dnsConfig",
        "dnsPolicy",
        "enableServiceLinks",
        "ephemeralContainers",
        "hostAliases",
        "hostIPC",
        "hostNetwork",
        "hostPID",
        "hostUsers",
        "hostname",
        "imagePullSecrets",
        "initContainers",
        "nodeName",
        "nodeSelector",
        "os",
        "overhead",
        "preemptionPolicy",
        "priority",
        "priorityClassName",
        "readinessGates",
        "resourceClaims",
        "resources",
        "restartPolicy",
        "runtimeClassName",
        "schedulerName",
        "schedulingGates",
        "securityContext",
        "serviceAccount",
        "serviceAccountName",
        "setHostnameAsFQDN",
        "shareProcessNamespace",
        "subdomain",
        "terminationGracePeriodSeconds",
        "tolerations",
        "topologySpreadConstraints",
        "volumes",
    ]
)
CONTAINER_FIELDS = frozenset(
    [
        "args",
        "command",
        "env",
        "envFrom",
        "image",
        "imagePullPolicy",
        "lifecycle",
        "livenessProbe",
        "name",
        "ports",
        "readinessProbe",
        "resizePolicy",
        "resources",
        "restartPolicy",
        "securityContext",
        "startupProbe",
        "stdin",
        "stdinOnce",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "tty",
        "volumeDevices",
        "volumeMounts",
        "workingDir",
    ]
)


def _unknown_fields(spec: dict[str, Any], where: str, ignored: Ignored) -> None:
    """Unknown PodSpec and Container fields, as the API server's strict validation names them."""
    for key in spec:
        if key not in POD_SPEC_FIELDS:
            ignored.add(f"{where}.{key}", "not a PodSpec field (the API server rejects unknown fields)")
    for group in ("containers", "initContainers"):
        for k, c in enumerate(as_list(spec.get(group), f"{where}.{group}")):
            for key in as_dict(c, f"{where}.{group}[{k}]"):
                if key not in CONTAINER_FIELDS:
                    ignored.add(
                        f"{where}.{group}[{k}].{key}", "not a Container field (the API server rejects unknown fields)"
                    )


def _unmodelled_pod_fields(spec: dict[str, Any], where: str, ignored: Ignored) -> None:
    _unknown_fields(spec, where, ignored)
    if spec.get("schedulingGates"):
        ignored.add(f"{where}.schedulingGates", "gated pods are not held back")
    if spec.get("hostNetwork"):
        ignored.add(f"{where}.hostNetwork", "NodePorts is not modelled")
    for k, v in enumerate(as_list(spec.get("volumes"), f"{where}.volumes")):
        v = as_dict(v, f"{where}.volumes[{k}]")
        for key in (
            "persistentVolumeClaim",
            "ephemeral",
            "csi",
            "awsElasticBlockStore",
            "gcePersistentDisk",
            "azureDisk",
        ):
            if key in v:
                ignored.add(f"{where}.volumes[{k}].{key}", "volume scheduling is not modelled")
    for key, why in (
        ("resourceClaims", "dynamic resource allocation is not modelled"),
        ("resources", "pod-level resources are not modelled"),
        ("runtimeClassName", "RuntimeClass overhead and scheduling are not applied"),
    ):
        if spec.get(key):
            ignored.add(f"{where}.{key}", why)
    name = spec.get("schedulerName")
    if name not in (None, "default-scheduler"):
        ignored.add(f"{where}.schedulerName", f"pods of scheduler {name!r} are simulated by the default one")


def _report(ignored: Ignored, strict: bool) -> None:
    if not ignored.items:
        return
    text = "not modelled, would change scheduling: " + ignored.summary()
    if strict:
        raise InvalidInstanceError(
            text + " (strict=False turns this into a warning)", field=ignored.items[0].split(" (")[0]
        )
    warnings.warn(f"schedkit.packing: {len(ignored.items)} ignored: {text}", UserWarning, stacklevel=4)


def read_manifests(source: Any, *, strict: bool = True, max_pods: int = MAX_PODS) -> dict[str, Any]:
    """Keyword arguments of :class:`~schedkit.packing.Cluster` from Kubernetes manifests (see
    ``Cluster.from_manifests``)."""
    if isinstance(max_pods, bool) or not isinstance(max_pods, int) or max_pods < 0:
        raise InvalidInstanceError(f"max_pods: expected an integer >= 0, got {max_pods!r}", field="max_pods")
    objs = _flatten(_load_documents(source))
    if not objs:  # an empty or null file: nothing to simulate, and likely not the file meant
        where = source if isinstance(source, (str, Path)) else "manifests"
        raise InvalidInstanceError(f"{where}: no Kubernetes objects", field="path")
    ignored = Ignored()
    classes: dict[str, tuple[int, str]] = {}
    default_class: tuple[int, str] | None = None
    default_name = ""
    budgets = []
    for w, o in objs:
        kind, name, _ns = _ident(o, w)
        if kind == "PriorityClass":
            v = o.get("value")
            if not isinstance(v, int) or isinstance(v, bool) or not -(2**31) <= v <= 10**9:
                raise InvalidInstanceError(
                    f"PriorityClass/{name}.value: must be an integer up to 10^9", field=f"PriorityClass/{name}.value"
                )
            pol = as_str(
                o.get("preemptionPolicy"), f"PriorityClass/{name}.preemptionPolicy", default="PreemptLowerPriority"
            )
            if pol not in ("PreemptLowerPriority", "Never"):
                raise InvalidInstanceError(
                    f"PriorityClass/{name}.preemptionPolicy: {pol!r} is not PreemptLowerPriority or Never",
                    field=f"PriorityClass/{name}.preemptionPolicy",
                )
            classes[name] = (v, pol)
            if _global_default(o, name, default_name):
                default_class, default_name = (v, pol), name
        elif kind == "PodDisruptionBudget":
            budgets.append(parse_budget(o, f"PodDisruptionBudget/{name}", ignored))
    nodes: dict[str, dict[str, Any]] = {}
    pods: list[dict[str, Any]] = []
    total = 0

    def priority(spec: dict[str, Any], where: str) -> tuple[int, str | None]:
        pc = spec.get("priorityClassName")
        cls_value = None
        if pc is not None:
            pc = as_str(pc, f"{where}.priorityClassName")
            if pc not in classes:
                raise InvalidInstanceError(
                    f"{where}.priorityClassName: unknown PriorityClass {pc!r}", field=f"{where}.priorityClassName"
                )
            cls_value = classes[pc]
        elif default_class is not None and "priority" not in spec:
            cls_value = default_class  # admission gives class-less pods the global default
        if "priority" in spec:
            p = spec["priority"]
            if not isinstance(p, int) or isinstance(p, bool) or abs(p) > 2**31:
                raise InvalidInstanceError(f"{where}.priority: must be a 32-bit integer", field=f"{where}.priority")
            return p, None if cls_value is None else cls_value[1]
        if cls_value is None:
            return 0, None
        return cls_value

    objects: dict[tuple[str, str, str], str] = {}

    def claim(kind: str, ns: str, name: str, where: str) -> None:
        """A second object of one kind, namespace and name is refused, as the API server does
        (AlreadyExists); placing both would count one pod twice."""
        if (kind, ns, name) in objects:
            raise InvalidInstanceError(
                f"{where}: {kind} {ns}/{name} is listed twice (first as {objects[kind, ns, name]})",
                field=f"{where}.metadata.name",
            )
        objects[kind, ns, name] = where

    def pod_entry(
        name: str, ns: str, meta: dict[str, Any], spec: dict[str, Any], where: str, owner: str | None, node: Any
    ) -> dict[str, Any]:
        labels = labels_of(meta.get("labels"), f"{where}.metadata.labels")
        if meta.get("deletionTimestamp"):
            # the scheduler leaves terminating pods out of topology spread counts (upstream
            # test "terminating Pods should be excluded"); schedkit would count this one
            ignored.add(f"{where}.metadata.deletionTimestamp", "a terminating pod is not modelled")
        _unmodelled_pod_fields(spec, f"{where}.spec", ignored)
        reqs, cpu_s, mem_s = _requests(spec, f"{where}.spec", ignored)
        prio, class_policy = priority(spec, f"{where}.spec")
        if class_policy is not None and "preemptionPolicy" not in spec:
            spec = {**spec, "preemptionPolicy": class_policy}
        rules = parse_pod_rules(spec, f"{where}.spec", labels=labels, namespace=ns, ignored=ignored)
        return {
            "name": name,
            "ns": ns,
            "labels": labels,
            "reqs": reqs,
            "cpu_s": cpu_s,
            "mem_s": mem_s,
            "prio": prio,
            "rules": rules,
            "owner": owner,
            "node": node,
        }

    for w, o in objs:
        kind, name, ns = _ident(o, w)
        where = f"{kind}/{name}"
        meta = as_dict(o.get("metadata"), f"{where}.metadata")
        if kind == "Node":
            if name in nodes:
                raise InvalidInstanceError(f"{where}: duplicate node name", field=f"{where}.metadata.name")
            if "name" not in meta:
                raise InvalidInstanceError(f"{where}: metadata.name is missing", field=f"{where}.metadata.name")
            status = as_dict(o.get("status"), f"{where}.status")
            spec = as_dict(o.get("spec"), f"{where}.spec")
            alloc = as_dict(status.get("allocatable"), f"{where}.status.allocatable") or as_dict(
                status.get("capacity"), f"{where}.status.capacity"
            )
            if not alloc:
                raise InvalidInstanceError(
                    f"{where}: status.allocatable is missing", field=f"{where}.status.allocatable"
                )
            if status.get("images"):
                ignored.add(f"{where}.status.images", "ImageLocality is not modelled")
            nodes[name] = {
                "alloc": {
                    k: cpu_millis(v, where=f"{where}.status.allocatable.cpu")
                    if k == "cpu"
                    else int_value(v, where=f"{where}.status.allocatable.{k}")
                    for k, v in alloc.items()
                },
                "labels": labels_of(meta.get("labels"), f"{where}.metadata.labels"),
                "taints": parse_taints(spec.get("taints"), f"{where}.spec.taints"),
                "unschedulable": bool(spec.get("unschedulable", False)),
            }
            if not isinstance(spec.get("unschedulable", False), bool):
                raise InvalidInstanceError(
                    f"{where}.spec.unschedulable: expected a bool", field=f"{where}.spec.unschedulable"
                )
        elif kind == "Pod":
            claim(kind, ns, name, where)
            spec = as_dict(o.get("spec"), f"{where}.spec")
            phase = as_dict(o.get("status"), f"{where}.status").get("phase")
            if phase in ("Succeeded", "Failed"):
                continue  # terminal pods hold no resources
            total += 1
            if total > max_pods:
                raise InvalidInstanceError(
                    f"{where}: more than max_pods={max_pods:,} pods; {_MAX_PODS_HINT}", field="max_pods"
                )
            entry = pod_entry(name, ns, meta, spec, where, None, _bound_node(spec, f"{where}.spec"))
            node = entry["node"]
            started = as_dict(o.get("status"), f"{where}.status").get("startTime")
            if node is not None and started is not None:
                entry["start"] = _timestamp(started, f"{where}.status.startTime")
            pods.append(entry)
        elif kind in ("ReplicaSet", "Deployment"):
            claim(kind, ns, name, where)
            spec = as_dict(o.get("spec"), f"{where}.spec")
            replicas = spec.get("replicas", 1)
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise InvalidInstanceError(
                    f"{where}.spec.replicas: must be an integer >= 0, got {replicas!r}", field=f"{where}.spec.replicas"
                )
            if total + replicas > max_pods:
                raise InvalidInstanceError(
                    f"{where}.spec.replicas: {replicas:,} replicas take the manifests past "
                    f"max_pods={max_pods:,}; {_MAX_PODS_HINT}",
                    field=f"{where}.spec.replicas",
                )
            total += replicas
            template = as_dict(spec.get("template"), f"{where}.spec.template")
            tmeta = as_dict(template.get("metadata"), f"{where}.spec.template.metadata")
            tspec = as_dict(template.get("spec"), f"{where}.spec.template.spec")
            labels = labels_of(tmeta.get("labels"), f"{where}.spec.template.metadata.labels")
            sel = parse_selector(spec.get("selector"), f"{where}.spec.selector", ignored)
            if sel is not None and not sel.matches(labels):
                raise InvalidInstanceError(
                    f"{where}.spec.selector: does not match the template's labels", field=f"{where}.spec.selector"
                )
            entry = pod_entry(
                name,
                ns,
                tmeta,
                tspec,
                f"{where}.spec.template",
                f"ReplicaSet/{name}",
                _bound_node(tspec, f"{where}.spec.template.spec"),
            )
            for r in range(replicas):
                pods.append({**entry, "name": f"{name}-{r}"})
        elif kind in ("PriorityClass", "PodDisruptionBudget") or kind in _IRRELEVANT:
            continue
        else:
            ignored.add(where, _UNMODELLED.get(kind, "kind not modelled"))
    _report(ignored, strict)
    names = sorted(nodes)  # node order (and the deterministic tie-break) is by name
    index = {n: j for j, n in enumerate(names)}
    pod_node = []
    for p in pods:
        node = p["node"]
        if node is not None and node[0] not in index:
            raise InvalidInstanceError(f"{node[1]}: unknown node {node[0]!r}", field=node[1])
        pod_node.append(index[node[0]] if node is not None else -1)
    extra = sorted({r for p in pods for r in p["reqs"]} - {"cpu", "memory"})
    return {
        "node_names": names,
        "node_cpu": [nodes[n]["alloc"].get("cpu", 0) for n in names],
        "node_mem": [nodes[n]["alloc"].get("memory", 0) for n in names],
        "node_pods": [nodes[n]["alloc"].get("pods", 110) for n in names],
        "node_labels": [nodes[n]["labels"] for n in names],
        "node_taints": [nodes[n]["taints"] for n in names],
        "node_unschedulable": [nodes[n]["unschedulable"] for n in names],
        "pod_names": [p["name"] for p in pods],
        "pod_cpu": [p["reqs"].get("cpu", 0) for p in pods],
        "pod_mem": [p["reqs"].get("memory", 0) for p in pods],
        "pod_priority": [p["prio"] for p in pods],
        "pod_node": pod_node,
        "pod_labels": [p["labels"] for p in pods],
        "pod_namespaces": [p["ns"] for p in pods],
        "pod_specs": [p["rules"] for p in pods],
        "pod_owner": [p["owner"] for p in pods],
        "budgets": budgets,
        "resources": {
            r: ([nodes[n]["alloc"].get(r, 0) for n in names], [p["reqs"].get(r, 0) for p in pods]) for r in extra
        },
        "pod_cpu_score": [p["cpu_s"] for p in pods],
        "pod_mem_score": [p["mem_s"] for p in pods],
        "pod_start_time": [p.get("start") for p in pods] if any("start" in p for p in pods) else None,
    }


def _global_default(obj: dict[str, Any], name: str, earlier: str) -> bool:
    """A PriorityClass's ``globalDefault``, a boolean as the API server requires; a second
    default is refused as the API server refuses it (only one default class may exist).
    ``earlier`` names the default class seen so far ("" for none)."""
    where = f"PriorityClass/{name}.globalDefault"
    value = obj.get("globalDefault")
    if value is None:  # unset (null included) is false
        return False
    if not isinstance(value, bool):
        raise InvalidInstanceError(f"{where}: expected a boolean, got {value!r}", field=where)
    if value and earlier:
        raise InvalidInstanceError(
            f"{where}: PriorityClass/{earlier} is already the global default; only one may be", field=where
        )
    return value


def _bound_node(spec: dict[str, Any], where: str) -> tuple[str, str] | None:
    """(node, field naming it) of a PodSpec's ``nodeName``, None when unset. A pod with
    ``nodeName`` is bound without the scheduler whatever created it, so a Deployment's or
    ReplicaSet's template binds every replica to that node, as a bare Pod's binds the pod."""
    node = spec.get("nodeName")
    if node is None:
        return None
    return as_str(node, f"{where}.nodeName"), f"{where}.nodeName"


def _timestamp(v: Any, where: str) -> float:
    """An RFC 3339 time (``status.startTime``) as seconds since the epoch."""
    text = as_str(v, where)
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInstanceError(f"{where}: {text!r} is not an RFC 3339 time", field=where) from None
    if t.tzinfo is None:
        raise InvalidInstanceError(f"{where}: {text!r} has no time zone", field=where)
    return t.timestamp()
