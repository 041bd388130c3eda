"""A sweep table summarised per area: one row per combination of the swept parameters, with the
number of runs and the mean of the area's headline metrics over the replicates (``seed``).
``schedkit sweep`` prints it and :func:`schedkit.sweep.report` puts it in the HTML report."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from schedkit.sweep._areas import AREAS
from schedkit.sweep._table import FIXED

__all__ = ["compare", "params", "replicated"]

#: Every parameter any area accepts (the table's other columns are metrics).
_PARAMS: set[str] = {name for area in AREAS.values() for name in area.params}

Summary = dict[str, tuple[list[str], list[dict[str, Any]]]]


def _swept(rows: list[dict[str, Any]]) -> list[str]:
    """The parameters whose values differ among ``rows`` (the replicate ``seed`` aside)."""
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(k for k, v in r.items() if v is not None))
    given = [n for n in names if n in rows[0] and n not in FIXED and n != "seed" and n in _PARAMS]
    return [n for n in given if len({repr(r.get(n)) for r in rows}) > 1]


def params(row: dict[str, Any]) -> dict[str, Any]:
    """The parameters a table row was given (its non-null parameter columns)."""
    return {k: v for k, v in row.items() if k in AREAS[row["area"]].params and v is not None}


def _mean(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, (int, float))]
    return sum(numbers) / len(numbers) if numbers else None


def replicated(table: pa.Table, area: str) -> bool:
    """Whether the area's runs have more than one replicate (``seed``), so the summary's
    metrics are means over the seeds."""
    return len({r.get("seed") for r in table.to_pylist() if r["area"] == area}) > 1


def compare(table: pa.Table) -> Summary:
    """Per area: the swept parameters and one row per combination of them, with ``runs``,
    ``failed`` and the mean of each headline metric over the combination's successful runs
    (None where every run failed).

    Examples
    --------
    >>> from schedkit import sweep
    >>> t = sweep.run(sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=40, seed=[0, 1]), progress=False)
    >>> names, rows = compare(t)["dag"]
    >>> names, [(r["algorithm"], r["runs"]) for r in rows]
    (['algorithm'], [('heft', 2), ('cpop', 2)])
    """
    by_area: dict[str, list[dict[str, Any]]] = {}
    for r in table.to_pylist():
        by_area.setdefault(r["area"], []).append(r)
    out = {}
    for area, rows in by_area.items():
        names = _swept(rows)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault(tuple(repr(r.get(n)) for n in names), []).append(r)
        summary = []
        for members in groups.values():
            ok = [m for m in members if m["error"] is None]
            entry: dict[str, Any] = {n: members[0].get(n) for n in names}
            entry["runs"] = len(members)
            entry["failed"] = len(members) - len(ok)
            for metric in AREAS[area].headline:
                entry[metric] = _mean([m.get(metric) for m in ok])
            summary.append(entry)
        out[area] = (names, summary)
    return out
