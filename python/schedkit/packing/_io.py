"""Kubernetes quantities and manifests: the formats :mod:`schedkit.packing` reads.

Quantities follow ``k8s.io/apimachinery/pkg/api/resource``: a signed decimal number with an
optional exponent (``1e3``, ``1.5E-2``) or suffix, binary (``Ki Mi Gi Ti Pi Ei``) or decimal
(``n u m "" k M G T P E``). CPU becomes millicores rounded up (``MilliValue``), memory and pod
counts become integers rounded up (``Value``), exactly as Kubernetes does.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from schedkit._docs import fill_doc
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError

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

_RE = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


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
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise InvalidInstanceError(f"{where}: {text!r} is not a quantity", field=where)
        return Fraction(str(text))
    if not isinstance(text, str):
        raise InvalidInstanceError(f"{where}: {text!r} is not a quantity", field=where)
    m = _RE.match(text.strip())
    if not m:
        raise InvalidInstanceError(
            f"{where}: {text!r} is not a Kubernetes quantity (e.g. 500m, 1.5, 512Mi, 1G)", field=where
        )
    sign, number, exp, suffix = m.groups()
    value = Fraction(number)
    if exp:
        value *= Fraction(10) ** int(exp[1:])
    elif suffix:
        value *= _BINARY.get(suffix) or _DECIMAL[suffix]
    return -value if sign == "-" else value


def _rounded_up(text: Any, where: str, scale: int) -> int:
    """The quantity ``text`` times ``scale``, rounded up; a negative quantity is an error."""
    q = parse_quantity(text, where=where)
    if q < 0:
        raise InvalidInstanceError(f"{where}: negative quantity {text!r}", field=where)
    q *= scale
    return -((-q.numerator) // q.denominator)


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
    if cpu:
        return f"{value // 1000}" if value % 1000 == 0 else f"{value}m"
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        if value and value % _BINARY[suffix] == 0:
            return f"{value // _BINARY[suffix]}{suffix}"
    return str(value)


# --------------------------------------------------------------------------- manifests


def _load_documents(source: Any) -> list[Any]:
    if isinstance(source, (list, dict)):
        return source if isinstance(source, list) else [source]
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInstanceError(f"{path}: cannot read ({exc})", field="path") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise InvalidInstanceError(f"{path}: invalid JSON ({exc})", field="path", index=exc.lineno) from None
        else:
            return data if isinstance(data, list) else [data]
    yaml = require("yaml", f"{path}: reading YAML manifests (JSON needs nothing)")
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise InvalidInstanceError(f"{path}: invalid YAML ({exc})", field="path") from None


def _flatten(docs: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k, d in enumerate(docs):
        if not isinstance(d, dict):
            raise InvalidInstanceError(
                f"document {k}: expected a Kubernetes object, got {type(d).__name__}", field="document", index=k
            )
        if d.get("kind", "").endswith("List") or ("items" in d and "kind" not in d):
            out.extend(_flatten(list(d.get("items") or [])))
        else:
            out.append(d)
    return out


def _name(obj: dict[str, Any], k: int) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind', '?')}/{meta.get('name', f'#{k}')}"


def _pod_requests(spec: dict[str, Any], where: str) -> tuple[int, int]:
    """max(Σ containers, largest init container) + overhead, per resource."""

    def reqs(c: dict[str, Any], w: str) -> tuple[int, int]:
        r = ((c.get("resources") or {}).get("requests")) or {}
        return (
            cpu_millis(r.get("cpu", 0), where=f"{w}.resources.requests.cpu"),
            int_value(r.get("memory", 0), where=f"{w}.resources.requests.memory"),
        )

    cpu = mem = 0
    for i, c in enumerate(spec.get("containers") or []):
        a, b = reqs(c, f"{where}.spec.containers[{i}]")
        cpu, mem = cpu + a, mem + b
    for i, c in enumerate(spec.get("initContainers") or []):
        a, b = reqs(c, f"{where}.spec.initContainers[{i}]")
        cpu, mem = max(cpu, a), max(mem, b)
    over = spec.get("overhead") or {}
    cpu += cpu_millis(over.get("cpu", 0), where=f"{where}.spec.overhead.cpu")
    mem += int_value(over.get("memory", 0), where=f"{where}.spec.overhead.memory")
    return cpu, mem


def read_manifests(source: Any) -> dict[str, Any]:
    """Nodes and pods of Kubernetes manifests as arrays (see ``Cluster.from_manifests``)."""
    objs = _flatten(_load_documents(source))
    classes: dict[str, int] = {}
    for k, o in enumerate(objs):
        if o.get("kind") == "PriorityClass":
            v = o.get("value")
            if not isinstance(v, int) or isinstance(v, bool):
                raise InvalidInstanceError(f"{_name(o, k)}: value must be an integer", field=f"{_name(o, k)}.value")
            classes[(o.get("metadata") or {}).get("name", "")] = v
    nodes: dict[str, tuple[int, int, int]] = {}
    pods: list[tuple[str, int, int, int, str | None]] = []

    def priority(spec: dict[str, Any], where: str) -> int:
        if "priority" in spec:
            p = spec["priority"]
            if not isinstance(p, int) or isinstance(p, bool):
                raise InvalidInstanceError(f"{where}.spec.priority: must be an integer", field=f"{where}.spec.priority")
            return p
        pc = spec.get("priorityClassName")
        if pc is None:
            return 0
        if pc not in classes:
            raise InvalidInstanceError(
                f"{where}.spec.priorityClassName: unknown PriorityClass {pc!r}", field=f"{where}.spec.priorityClassName"
            )
        return classes[pc]

    for k, o in enumerate(objs):
        kind = o.get("kind")
        where = _name(o, k)
        meta = o.get("metadata") or {}
        if kind == "Node":
            status = o.get("status") or {}
            alloc = status.get("allocatable") or status.get("capacity")
            if not alloc:
                raise InvalidInstanceError(
                    f"{where}: status.allocatable is missing", field=f"{where}.status.allocatable"
                )
            name = meta.get("name")
            if not name:
                raise InvalidInstanceError(f"{where}: metadata.name is missing", field=f"{where}.metadata.name")
            if name in nodes:
                raise InvalidInstanceError(f"{where}: duplicate node name", field=f"{where}.metadata.name")
            nodes[name] = (
                cpu_millis(alloc.get("cpu", 0), where=f"{where}.status.allocatable.cpu"),
                int_value(alloc.get("memory", 0), where=f"{where}.status.allocatable.memory"),
                int_value(alloc.get("pods", 110), where=f"{where}.status.allocatable.pods"),
            )
        elif kind == "Pod":
            spec = o.get("spec") or {}
            cpu, mem = _pod_requests(spec, where)
            pods.append((meta.get("name", f"pod-{k}"), cpu, mem, priority(spec, where), spec.get("nodeName")))
        elif kind in ("ReplicaSet", "Deployment"):
            spec = o.get("spec") or {}
            replicas = spec.get("replicas", 1)
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise InvalidInstanceError(
                    f"{where}.spec.replicas: must be an integer >= 0", field=f"{where}.spec.replicas"
                )
            tspec = ((spec.get("template") or {}).get("spec")) or {}
            cpu, mem = _pod_requests(tspec, f"{where}.spec.template")
            prio = priority(tspec, f"{where}.spec.template")
            base = meta.get("name", f"rs-{k}")
            pods.extend((f"{base}-{r}", cpu, mem, prio, None) for r in range(replicas))
    names = sorted(nodes)  # node order (and the deterministic tie-break) is by name
    index = {n: j for j, n in enumerate(names)}
    pod_node = []
    for name, *_rest, node in pods:
        if node is not None and node not in index:
            raise InvalidInstanceError(
                f"Pod/{name}.spec.nodeName: unknown node {node!r}", field=f"Pod/{name}.spec.nodeName"
            )
        pod_node.append(index[node] if node is not None else -1)
    return {
        "node_names": names,
        "node_cpu": [nodes[n][0] for n in names],
        "node_mem": [nodes[n][1] for n in names],
        "node_pods": [nodes[n][2] for n in names],
        "pod_names": [p[0] for p in pods],
        "pod_cpu": [p[1] for p in pods],
        "pod_mem": [p[2] for p in pods],
        "pod_priority": [p[3] for p in pods],
        "pod_node": pod_node,
    }
