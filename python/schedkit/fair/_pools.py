"""Spark FAIR pools as Spark users configure them: an allocation file (``fairscheduler.xml``)
or a mapping with the same keys, turned into the engine's ``(name, (weight, min_share,
fair_inside))`` pool settings.

Spark's allocation file (``spark.scheduler.allocation.file``, see Spark's "Job Scheduling"
guide) is an ``<allocations>`` element of ``<pool name="...">`` elements, each with optional
``<schedulingMode>`` (FIFO or FAIR, any case), ``<weight>`` and ``<minShare>`` (integers);
an absent property takes Spark's default (FIFO, weight 1, minShare 0). Where Spark logs a
warning and falls back to the default (an unparseable number, an unknown mode) we raise an
error naming the file, the pool and the property: a typo should not silently change the
experiment.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schedkit._files import existing_file, read_text
from schedkit._names import resolve_name
from schedkit.exceptions import InvalidInstanceError

#: The pool properties Spark reads, with Spark's defaults.
POOL_KEYS = {"schedulingMode": "FIFO", "weight": 1, "minShare": 0}
#: What ``Integer.parseInt`` takes (ASCII digits here; Java also takes other Unicode digits).
_JAVA_INT = re.compile(r"[+-]?[0-9]+")

#: The scheduling modes inside a pool.
MODES = ("FIFO", "FAIR")

#: Pool settings as the engine takes them: (weight, min_share, fair_inside or None).
EngineSpec = tuple[float, float, "bool | None"]


def read_pool_file(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Reads a Spark ``fairscheduler.xml`` into ``{pool: {"schedulingMode", "weight",
    "minShare"}}`` with Spark's defaults filled in.

    Parameters
    ----------
    path : str or path-like
        The allocation file.

    Returns
    -------
    dict
        Pools in file order.

    Raises
    ------
    InvalidInstanceError
        The file is not well-formed XML (line and column named), its root is not
        ``<allocations>``, a pool has no name or is listed twice, or a property is unknown
        or has a bad value (file, pool and property named).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> xml = '<allocations><pool name="prod"><schedulingMode>FAIR</schedulingMode>'
    >>> xml += '<weight>3</weight><minShare>8</minShare></pool></allocations>'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "fairscheduler.xml"
    ...     _ = p.write_text(xml)
    ...     read_pool_file(p)
    {'prod': {'schedulingMode': 'FAIR', 'weight': 3, 'minShare': 8}}
    """
    p = existing_file(path, "pool_config")
    text = read_text(p, "pool_config", max_bytes=1 << 20)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        raise InvalidInstanceError(
            f"{p.name}: line {line}, column {col}: not well-formed XML ({exc})",
            field="pool_config",
            index=line,
        ) from None
    if root.tag != "allocations":
        raise InvalidInstanceError(
            f"{p.name}: the root element must be <allocations> (Spark's allocation file), got <{root.tag}>",
            field="pool_config",
        )
    pools: dict[str, dict[str, Any]] = {}
    for node in root:
        if node.tag != "pool":
            raise InvalidInstanceError(
                f"{p.name}: unexpected element <{node.tag}> in <allocations> (only <pool> is read)",
                field="pool_config",
            )
        name = node.get("name")
        if not name:
            raise InvalidInstanceError(f'{p.name}: a <pool> without a name="..." attribute', field="pool_config")
        if name in pools:
            raise InvalidInstanceError(f"{p.name}: pool {name!r} is listed twice", field="pool_config")
        where = f"{p.name}: pool {name!r}"
        extra = sorted(set(node.attrib) - {"name"})
        if extra:
            # Spark reads only the name attribute; minShare="5" there would be dropped
            raise InvalidInstanceError(
                f"{where}: attribute {extra[0]!r} is not read by Spark; properties are child elements "
                f"({', '.join(f'<{k}>' for k in POOL_KEYS)})",
                field="pool_config",
            )
        values: dict[str, Any] = {}
        for prop in node:
            key = prop.tag
            if key not in POOL_KEYS:
                raise InvalidInstanceError(
                    f"{where}: unknown property <{key}>; Spark reads {', '.join(POOL_KEYS)}",
                    field="pool_config",
                )
            if key in values:
                # Spark would read the two texts run together ("1" and "50" as 150)
                raise InvalidInstanceError(f"{where}: <{key}> is given twice", field="pool_config")
            if len(prop) or prop.attrib:
                raise InvalidInstanceError(
                    f"{where}: <{key}> holds elements or attributes; Spark reads only its text", field="pool_config"
                )
            values[key] = _java_trim(prop.text or "")
        pools[name] = _spark_values(values, f"{p.name}: pool {name!r}", from_text=True)
    return pools


def _spark_values(given: Mapping[str, Any], where: str, from_text: bool = False) -> dict[str, Any]:
    """Spark's three pool properties, checked, defaults filled in. ``from_text``: the values
    are the XML's strings (integers as Spark parses them)."""
    out = dict(POOL_KEYS)
    for key, raw in given.items():
        if not isinstance(key, str):
            raise InvalidInstanceError(f"{where}: property names are strings, got {key!r}", field="pool_config")
        # exact Spark spellings; a near miss ("minshare", "min_share") gets a did-you-mean
        if key not in POOL_KEYS:
            try:
                close = resolve_name("pool_config", key, POOL_KEYS)
            except InvalidInstanceError:
                close = None
            hint = f" (did you mean {close!r}?)" if close else ""
            raise InvalidInstanceError(
                f"{where}: unknown property {key!r}{hint}; Spark reads {', '.join(POOL_KEYS)}", field="pool_config"
            )
        if key == "schedulingMode":
            if not isinstance(raw, str) or _java_trim(raw).upper() not in MODES:
                raise InvalidInstanceError(
                    f"{where}: schedulingMode must be FIFO or FAIR, got {raw!r}", field="pool_config"
                )
            out[key] = _java_trim(raw).upper()
            continue
        lowest = 1 if key == "weight" else 0
        value: Any = raw
        if from_text:
            value = _java_int(raw, f"{where}: {key}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < lowest:
            raise InvalidInstanceError(f"{where}: {key} must be a number >= {lowest}, got {raw!r}", field="pool_config")
        if value == float("inf"):
            raise InvalidInstanceError(f"{where}: {key} must be finite, got {raw!r}", field="pool_config")
        out[key] = value
    return out


#: What Java's ``String.trim`` cuts: the characters up to U+0020.
_JAVA_TRIMMED = "".join(map(chr, range(0x21)))


def _java_trim(text: str) -> str:
    """``text`` as Java's ``String.trim`` (Spark's ``.text.trim``) leaves it: nothing cut but
    :data:`_JAVA_TRIMMED` (Python's ``strip`` would also cut a no-break space, which Spark
    keeps and then fails to parse)."""
    return text.strip(_JAVA_TRIMMED)


def _java_int(text: str, what: str) -> int:
    """``text`` as Java's ``Integer.parseInt`` (Spark's ``toInt``) reads it: an optional sign
    and digits, within 32 bits; Python's ``int`` would also take ``1_0`` and any size.

    Examples
    --------
    >>> _java_int("+8", "weight")
    8
    >>> _java_int("1_0", "weight")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: weight must be an integer (Spark reads it with toInt), got '1_0'
    """
    if not _JAVA_INT.fullmatch(text):
        raise InvalidInstanceError(
            f"{what} must be an integer (Spark reads it with toInt), got {text!r}", field="pool_config"
        )
    value = int(text)
    if not -(2**31) <= value < 2**31:
        raise InvalidInstanceError(
            f"{what} must fit a 32-bit integer (Spark reads it with toInt), got {text!r}", field="pool_config"
        )
    return value


def engine_pools(config: Any) -> list[tuple[str, EngineSpec]]:
    """A ``pool_config`` (allocation file path, or mapping) as the engine's pool list.

    A mapping's values are Spark-key mappings (``{"weight": 3, "minShare": 8,
    "schedulingMode": "FAIR"}``, absent keys at Spark's defaults) or the short form
    ``(weight, min_share[, fair_inside])`` (FAIR inside unless told).

    Raises
    ------
    InvalidInstanceError
        A path that is not a readable allocation file, a value that is neither form, an
        unknown key, or a bad value; the pool is named.
    """
    if config is None:
        return []
    if isinstance(config, (str, Path, os.PathLike)):
        config = read_pool_file(config)
    if not isinstance(config, Mapping):
        raise InvalidInstanceError(
            f"pool_config must be a fairscheduler.xml path or a mapping, got {type(config).__name__}",
            field="pool_config",
        )
    out: list[tuple[str, EngineSpec]] = []
    for name, spec in config.items():
        where = f"pool_config[{name!r}]"
        if isinstance(spec, Mapping):
            v = _spark_values(spec, where)
            out.append((str(name), (float(v["weight"]), float(v["minShare"]), v["schedulingMode"] == "FAIR")))
        else:
            out.append((str(name), short_spec(spec, where)))
    return out


def short_spec(spec: Any, where: str) -> EngineSpec:
    """``(weight, min_share[, fair_inside])`` as floats and an optional bool (the core's
    default, FAIR inside, when absent); the core checks the numbers."""
    if isinstance(spec, (str, bytes)) or not hasattr(spec, "__len__") or not 2 <= len(spec) <= 3:
        raise InvalidInstanceError(
            f"{where}: a pool is {{'weight': w, 'minShare': m, 'schedulingMode': 'FIFO'|'FAIR'}} or "
            f"(weight, min_share[, fair_inside]), got {spec!r}",
            field="pool_config" if where.startswith("pool_config") else "pools",
        )
    try:
        weight, min_share = float(spec[0]), float(spec[1])
    except (TypeError, ValueError):
        raise InvalidInstanceError(
            f"{where}: weight and min_share must be numbers, got {spec!r}",
            field="pool_config" if where.startswith("pool_config") else "pools",
        ) from None
    inside = bool(spec[2]) if len(spec) > 2 else None
    return weight, min_share, inside
