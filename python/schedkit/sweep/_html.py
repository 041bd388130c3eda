"""``schedkit.sweep.report``: a sweep's results as one self-contained HTML file (no network
access needed: tables as HTML, figures inline as SVG), built with :mod:`schedkit._report`.

The page: a header (what ran: the grid file when given, backend, workers, seed, runs computed,
reused and failed), then per area the comparison table ``schedkit sweep`` prints (one row per
combination of the swept parameters, means over the seeds) and one figure of the area's main
metric (the first headline metric) with a panel per swept parameter, then the failed runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from schedkit import _report
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._areas import AREAS
from schedkit.sweep._compare import compare, params, replicated

__all__ = ["report"]

#: Axis labels of the areas' main metrics (the first of each area's headline metrics).
AXIS = {
    "mean_response_time": "mean response time (s)",
    "makespan": "makespan (the instance's time unit)",
    "mean_flow_time": "mean flow time (the jobs' time unit)",
    "placed": "pods placed",
    "mean_objective": "mean objective value",
}
#: A panel draws one bar per combination of the other swept parameters up to this many;
#: beyond, one bar per value: the mean over the other settings, whiskers from min to max.
MAX_SERIES = 6
#: Failed runs listed in the report (the table's error column has them all).
MAX_ERRORS = 100


def _label(value: Any) -> str:
    return "(not set)" if value is None else str(value)


def _meta(table: pa.Table) -> dict[str, Any]:
    raw = table.schema.metadata or {}
    return {k.decode().rsplit(".", 1)[-1]: json.loads(v) for k, v in raw.items() if k.startswith(b"schedkit.sweep.")}


def header(table: pa.Table, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The report's header: ``given`` (the grid file, ...), then what the table's metadata
    records of the run (backend, workers, seed, runs computed / reused / failed); a table read
    back with :func:`schedkit.sweep.load` has only its run and failure counts."""
    meta = _meta(table)
    failed = table.num_rows - table.column("error").null_count
    out: dict[str, Any] = dict(given or {})
    for key in ("backend", "workers", "seed"):
        if key in meta:
            out[key] = "default" if meta[key] is None else meta[key]
    out["runs"] = table.num_rows
    for key in ("computed", "reused"):
        if key in meta:
            out[f"runs {key}"] = meta[key]
    out["runs failed"] = failed
    return out


def _panel(ax: Any, rows: list[dict[str, Any]], name: str, others: list[str], metric: str) -> None:
    """One panel: the main metric against the values of ``name``, over the rows that set it."""
    rows = [r for r in rows if r[name] is not None]
    # series: the other parameters that vary among these rows; a value not set is left out
    # of the label (it comes from a grid that does not give that parameter)
    others = [o for o in others if len({_label(r[o]) for r in rows}) > 1]
    values = list(dict.fromkeys(_label(r[name]) for r in rows))
    series = list(dict.fromkeys(tuple(_label(r[o]) for o in others) for r in rows))
    x = range(len(values))
    if len(series) <= MAX_SERIES:
        width = 0.8 / len(series)
        for k, combo in enumerate(series):
            heights = [float("nan")] * len(values)
            for r in rows:
                if tuple(_label(r[o]) for o in others) == combo and r[metric] is not None:
                    heights[values.index(_label(r[name]))] = r[metric]
            label = ", ".join(f"{o}={v}" for o, v in zip(others, combo, strict=True) if v != _label(None))
            ax.bar([i - 0.4 + width * (k + 0.5) for i in x], heights, width, label=label or "(no other setting)")
        if others:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_title(f"by {name}", fontsize="medium")
    else:
        groups: dict[str, list[float]] = {v: [] for v in values}
        for r in rows:
            if r[metric] is not None:
                groups[_label(r[name])].append(r[metric])
        means = [sum(g) / len(g) if g else float("nan") for g in groups.values()]
        low = [m - min(g) if g else 0.0 for m, g in zip(means, groups.values(), strict=True)]
        high = [max(g) - m if g else 0.0 for m, g in zip(means, groups.values(), strict=True)]
        ax.bar(list(x), means, 0.6, yerr=[low, high], capsize=3)
        ax.set_title(f"by {name}: mean over the other {len(series)} settings (whiskers: min to max)", fontsize="medium")
    ax.set_xticks(list(x), values, rotation=30 if max(len(v) for v in values) > 8 else 0, ha="right")
    ax.set_xlabel(name)
    ax.set_ylabel(AXIS.get(metric, metric))


def _plotted(names: Sequence[str], rows: list[dict[str, Any]]) -> list[str]:
    """The swept parameters with at least two values given (one given and one not set is two
    grids, not a sweep of that parameter)."""
    return [n for n in names if len({repr(r[n]) for r in rows if r[n] is not None}) > 1]


def figure(area: str, names: Sequence[str], rows: list[dict[str, Any]]) -> Any:
    """The area's figure: its main metric, one panel per swept parameter (None when no
    parameter took two values or no run succeeded)."""
    metric = AREAS[area].headline[0]
    panels = _plotted(names, rows)
    if not panels or all(r[metric] is None for r in rows):
        return None
    figure_cls = require("matplotlib.figure", "HTML report figures").Figure
    fig = figure_cls(figsize=(10, 3.4 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, panels, strict=True):
        _panel(ax, rows, name, [n for n in names if n != name], metric)
    fig.suptitle(f"{area}: {AXIS.get(metric, metric)} per swept parameter")
    return fig


def _section(table: pa.Table, area: str, names: list[str], rows: list[dict[str, Any]], index: int) -> tuple[str, str]:
    headline = list(AREAS[area].headline)
    columns = [*names, "runs", "failed", *headline] if names else ["(one setting)", "runs", "failed", *headline]
    cells = {
        c: ["-" if c == "(one setting)" else float("nan") if c in headline and r[c] is None else r[c] for r in rows]
        for c in columns
    }
    body = _report.table_html(cells)
    fig = figure(area, names, rows)
    if fig is not None:
        body += _report.figure_svg(fig, prefix=f"f{index}")
    elif any(r[AREAS[area].headline[0]] is not None for r in rows):
        body += '<p class="notes">No parameter took two values here: nothing to plot.</p>'
    else:
        body += '<p class="notes">No run succeeded: nothing to plot.</p>'
    means = " (means over the seeds)" if replicated(table, area) else ""
    return f"{area}{means}", body


def _errors(table: pa.Table) -> str:
    failed = [r for r in table.to_pylist() if r["error"] is not None]
    shown = {
        "area": [r["area"] for r in failed[:MAX_ERRORS]],
        "parameters": [" ".join(f"{k}={v}" for k, v in params(r).items()) for r in failed[:MAX_ERRORS]],
        "error": [r["error"] for r in failed[:MAX_ERRORS]],
    }
    more = len(failed) - MAX_ERRORS
    note = f'<p class="notes">... and {more} more (the table\'s error column has them all).</p>' if more > 0 else ""
    return _report.table_html(shown) + note


def target(path: str | os.PathLike[str]) -> Path:
    """Checks where a report goes before a sweep runs (so a long sweep is not lost to a typo in
    the folder) and that matplotlib is there to draw it.

    Raises
    ------
    InvalidInstanceError
        ``path`` is not an ``.html`` file path, is a folder or is in a folder that does not
        exist (see :func:`schedkit._report.check_target`); the message names it.
    SolverUnavailableError
        matplotlib is not installed.
    """
    require("matplotlib", "HTML report figures")
    return _report.check_target(path)


def report(table: pa.Table, path: str | os.PathLike[str], *, header_items: Mapping[str, Any] | None = None) -> Path:
    """Writes a sweep's results as one self-contained HTML file and returns its path.

    Parameters
    ----------
    table : pyarrow.Table
        The table of :func:`schedkit.sweep.run` or :func:`schedkit.sweep.load`.
    path : str or path
        The HTML file to write (its folder must exist).
    header_items : mapping, optional
        Shown first in the header (``{"grid": "example.yaml"}``); the backend, workers, seed
        and the runs computed / reused / failed come from the table.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InvalidInstanceError
        ``table`` is not a sweep table, or ``path`` is a folder or in a folder that does not
        exist.
    SolverUnavailableError
        matplotlib is not installed (the message names the extra).

    Examples
    --------
    >>> import schedkit as sk, tempfile, os
    >>> t = sk.sweep.run(sk.sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=30), progress=False)
    >>> sk.sweep.report(t, os.path.join(tempfile.mkdtemp(), "sweep.html")).name
    'sweep.html'
    """
    if not isinstance(table, pa.Table) or not {"area", "error"} <= set(table.column_names):
        raise InvalidInstanceError(
            "table: expected the pyarrow.Table of schedkit.sweep.run or schedkit.sweep.load", field="table"
        )
    target(path)
    sections = [_section(table, area, names, rows, k) for k, (area, (names, rows)) in enumerate(compare(table).items())]
    if table.column("error").null_count < table.num_rows:
        sections.append(("Failed runs", _errors(table)))
    document = _report.page("schedkit sweep", header(table, header_items), sections)
    return _report.write(path, document)
