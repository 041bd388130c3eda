"""Self-contained HTML reports: one file that opens anywhere, with no network access.

A report is a header block (what was run: the input, the model, the settings), tables (HTML
tables, from a :class:`pyarrow.Table` or rows), and figures (matplotlib figures inlined as SVG
text, drawn through :class:`io.StringIO`; no image files, no scripts, no CDN, no fonts to
fetch). The building blocks are :func:`header_html`, :func:`table_html`, :func:`figure_svg`
and :func:`page`; :func:`replay_report` assembles the report of a trace replay and
:func:`write` saves any of them.

How a command uses it (``schedkit replay --report FILE``; ``pack`` and ``sweep`` alike)::

    from schedkit import _report
    html = _report.replay_report(
        {"trace": "google2011_wta_500s_hetero.csv", "cores": 32, "estimates": "oracle"},
        comparison,                     # pyarrow.Table, one row per policy (the printed table)
        [ecdf_figure, users_figure],    # matplotlib Figures
        {"mean RT": "mean response time (s)"},  # one-line definitions of the metric columns
    )
    print(_report.write(args.report, html))    # a command that writes a file prints its path

    # any other report: a title, a header and (heading, HTML) sections
    html = _report.page("schedkit pack", {"manifests": "cluster.yaml"},
                        [("Plan per node", _report.table_html(plan_table)),
                         ("Pending pods", _report.table_html(pending_table)),
                         ("Utilisation", _report.figure_svg(fig))])
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from schedkit._core import __version__
from schedkit._files import output_file
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError

__all__ = ["check_target", "figure_svg", "header_html", "page", "replay_report", "table_html", "write"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
dl.header { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.5em; }
dl.header dt { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; }
th { text-align: left; border-bottom: 2px solid #888; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; }
figcaption, .notes { color: #555; font-size: 0.9em; }
"""


def header_html(header: Mapping[str, Any]) -> str:
    """The run header as a definition list: one ``<dt>`` key and ``<dd>`` value per entry.

    Examples
    --------
    >>> header_html({"cores": 32})
    '<dl class="header"><dt>cores</dt><dd>32</dd></dl>'
    """
    items = "".join(f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(_cell(v))}</dd>" for k, v in header.items())
    return f'<dl class="header">{items}</dl>'


def table_html(table: Any, caption: str | None = None) -> str:
    """A table as HTML: a :class:`pyarrow.Table`, or a mapping of column name to values.

    Numbers are right-aligned; floats print with two decimals and thousands separators (no
    decimals from a million up), as the command's plain-text tables do; NaN prints as ``–``.

    Examples
    --------
    >>> table_html({"policy": ["fifo"], "mean RT": [2731.8]})
    '<table><thead><tr><th>policy</th><th>mean RT</th></tr></thead><tbody><tr><td>fifo</td><td class="num">2,731.80</td></tr></tbody></table>'
    """
    columns: Mapping[str, Sequence[Any]]
    if hasattr(table, "to_pydict"):
        columns = table.to_pydict()
    elif isinstance(table, Mapping):
        columns = table
    else:
        raise InvalidInstanceError(
            f"table: expected a pyarrow.Table or a mapping, got {type(table).__name__}", field="table"
        )
    names = list(columns)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise InvalidInstanceError(f"table: columns of different lengths {sorted(lengths)}", field="table")
    rows = zip(*(columns[n] for n in names), strict=True)
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td{_num_class(v)}>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_svg(figure: Any, caption: str | None = None, *, prefix: str = "f") -> str:
    """A matplotlib figure as an inline ``<figure>`` holding its ``<svg>``.

    The SVG is drawn into :class:`io.StringIO`; the XML prolog, DOCTYPE and RDF metadata are
    dropped, and every ``id`` gets ``prefix`` so several figures can share one page. Text is
    drawn as paths (matplotlib's default), so the page needs no fonts.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    caption : str, optional
        Shown under the figure; default: the figure's suptitle, if any.
    prefix : str
        Prepended to the SVG's ids (give each figure of a page its own).
    """
    matplotlib = require("matplotlib", "HTML report figures")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "schedkit", "svg.fonttype": "path"}):
        figure.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(
        r'(\bid="|href="#|url\(#)([^")]+)',
        lambda m: m.group(1) + (f"{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(2)),
        svg,
    )
    if caption is None:
        suptitle = getattr(figure, "_suptitle", None)
        caption = suptitle.get_text() if suptitle is not None else None
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def page(title: str, header: Mapping[str, Any], sections: Sequence[tuple[str, str]]) -> str:
    """A whole HTML document: the title, the header block, then each ``(heading, html)`` section.

    The section bodies are trusted HTML from this module's builders; the title, header and
    headings are escaped.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        header_html(header),
    ]
    parts += [f"<section><h2>{html.escape(heading)}</h2>{body}</section>" for heading, body in sections]
    parts.append(f'<p class="notes">Made by schedkit {html.escape(__version__)}.</p></body></html>')
    return "\n".join(parts) + "\n"


def replay_report(
    header: Mapping[str, Any],
    table: Any,
    figures: Sequence[Any],
    definitions: Mapping[str, str] | None = None,
) -> str:
    """The report of a trace replay: the run header, the comparison table with the one-line
    definitions of its metric columns, then the figures (ECDFs, per-user bars, utilisation),
    each inline SVG.

    Parameters
    ----------
    header : mapping
        What was run: trace, cluster model, cores, estimates, ...
    table : pyarrow.Table or mapping
        One row per policy, as the command prints it.
    figures : sequence of matplotlib.figure.Figure
    definitions : mapping of column name to str, optional
        Shown under the table for the columns it has, in the table's order (the replay
        command passes :data:`schedkit.fair.METRICS` keyed by its printed labels).

    Returns
    -------
    str
        The HTML document; :func:`write` saves it.
    """
    names = table.column_names if hasattr(table, "column_names") else list(table)
    defs = definitions or {}
    notes = "".join(f"<dt>{html.escape(n)}</dt><dd>{html.escape(defs[n])}</dd>" for n in names if n in defs)
    comparison = table_html(table) + (f'<dl class="header notes">{notes}</dl>' if notes else "")
    sections = [("Comparison", comparison)]
    sections += [("Figures", "".join(figure_svg(f, prefix=f"f{i}") for i, f in enumerate(figures)))] if figures else []
    return page("schedkit replay", header, sections)


def check_target(path: str | os.PathLike[str]) -> Path:
    """Checks where a report goes before the work runs (so a long run is not lost to a typo in
    the folder) and returns it as a path.

    Raises
    ------
    InvalidInstanceError
        ``path`` is not a path, has no ``.html`` suffix (a report written over a grid file or
        any other file a typo names would destroy it), is a folder or is in a folder that does
        not exist; the message names it.
    """
    p = output_file(path, "report")
    if p.suffix.lower() not in (".html", ".htm"):
        raise InvalidInstanceError(
            f"report: {p}: a report is an HTML file; give a name ending in .html", field="report"
        )
    return p


def write(path: str | os.PathLike[str], document: str) -> Path:
    """Writes ``document`` (UTF-8) to ``path`` and returns the path, for the command to print.

    Raises
    ------
    InvalidInstanceError
        The folder does not exist or the path is a folder; the message names the path.
    """
    p = check_target(path)
    p.write_text(document, encoding="utf-8")
    return p


def _cell(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return "–"
        return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.0f}"
    return "" if v is None else str(v)


def _num_class(v: Any) -> str:
    return ' class="num"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
