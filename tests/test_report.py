"""schedkit._report: one self-contained HTML file, parsed back with html.parser and checked part by part."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pyarrow as pa
import pytest

from schedkit import _report
from schedkit.exceptions import InvalidInstanceError

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402


class Parts(HTMLParser):
    """Collects what a report is made of: tags with their attributes, text per tag, and the rows
    of each table (``tables``; ``rows`` is every table's rows in order). The report tests of the
    commands (replay, sweep, pack) parse with this too."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None

    @property
    def rows(self) -> list[list[str]]:
        return [row for table in self.tables for row in table]

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass
        if tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)
        if self._row is not None and self.stack and self.stack[-1] in ("td", "th"):
            self._row[-1] += data


def parse(document: str) -> Parts:
    parts = Parts()
    parts.feed(document)
    parts.close()
    return parts


def _figure(title: str) -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 4], label="uwfq")
    ax.set_xlabel("response time (s)")
    ax.legend()
    fig.suptitle(title)
    return fig


#: One-line definitions of some metric columns, as the replay command passes them.
DEFINITIONS = {"mean RT": "mean response time (s)", "Jain": "Jain's index", "violations": "jobs later than UJF"}


@pytest.fixture
def document() -> str:
    table = pa.table(
        {
            "policy": ["fifo", "uwfq"],
            "mean RT": [2731.8, 1197.5],
            "Jain": [0.29, 0.94],
            "violations": [21, 3],
        }
    )
    header = {"trace": "google2011_wta_500s_hetero.csv", "cores": 32, "estimates": "oracle <exact>"}
    return _report.replay_report(
        header, table, [_figure("ECDF of response times"), _figure("per-user bars")], DEFINITIONS
    )


def test_the_header_block_names_the_run(document):
    parts = parse(document)
    assert parts.text["title"] == ["schedkit replay"] and parts.text["h1"] == ["schedkit replay"]
    keys, values = parts.text["dt"], parts.text["dd"]
    assert dict(zip(keys[:3], values[:3], strict=True)) == {
        "trace": "google2011_wta_500s_hetero.csv",
        "cores": "32",
        "estimates": "oracle <exact>",  # escaped in the file, read back as text
    }
    assert "oracle &lt;exact&gt;" in document


def test_the_table_has_one_row_per_policy_and_defines_its_metrics(document):
    parts = parse(document)
    assert parts.rows == [
        ["policy", "mean RT", "Jain", "violations"],
        ["fifo", "2,731.80", "0.29", "21"],
        ["uwfq", "1,197.50", "0.94", "3"],
    ]
    # each metric column has its one-line definition under the table; "policy" has none
    assert [k for k in parts.text["dt"] if k in DEFINITIONS] == ["mean RT", "Jain", "violations"]
    assert DEFINITIONS["Jain"] in parts.text["dd"]


def test_every_figure_is_inline_svg_with_its_own_ids(document):
    parts = parse(document)
    svgs = [a for t, a in parts.tags if t == "svg"]
    assert len(svgs) == 2
    assert parts.text["figcaption"] == ["ECDF of response times", "per-user bars"]
    ids = [a["id"] for _, a in parts.tags if a.get("id")]
    assert ids and len(ids) == len(set(ids)), "two figures share an id"
    # every internal reference points at an id of the page
    refs = re.findall(r'(?:href="#|url\(#)([^")]+)', document)
    assert refs and set(refs) <= set(ids)
    assert sum(t in ("path", "use") for t, _ in parts.tags) > 10  # the figures were drawn


def test_the_page_needs_no_network(document):
    parts = parse(document)
    assert not [t for t, _ in parts.tags if t in ("script", "link", "img", "iframe", "object")]
    for tag, attrs in parts.tags:
        for name, value in attrs.items():
            if name in ("href", "src", "xlink:href"):
                assert value and value.startswith("#"), f"<{tag} {name}={value!r}> leaves the page"
    # URLs appear only as XML namespace names, which are never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", document))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "@import" not in document and "url(http" not in document


def test_the_document_is_complete_and_balanced(document):
    parts = parse(document)
    assert document.startswith("<!DOCTYPE html>") and parts.stack == []
    assert [h for h in parts.text["h2"]] == ["Comparison", "Figures"]


def test_table_html_takes_a_mapping_and_rejects_ragged_columns():
    rows = parse(_report.table_html({"a": [1, float("nan")], "b": ["x", None]}, caption="c")).rows
    assert rows == [["a", "b"], ["1", "x"], ["–", ""]]
    with pytest.raises(InvalidInstanceError, match="different lengths"):
        _report.table_html({"a": [1], "b": [1, 2]})
    with pytest.raises(InvalidInstanceError, match=r"expected a pyarrow\.Table"):
        _report.table_html([[1, 2]])


def test_write_returns_the_path_and_names_a_bad_one(tmp_path, document):
    out = _report.write(tmp_path / "report.html", document)
    assert out == tmp_path / "report.html" and out.read_text(encoding="utf-8") == document
    with pytest.raises(InvalidInstanceError, match="does not exist"):
        _report.write(tmp_path / "nope" / "r.html", document)
    with pytest.raises(InvalidInstanceError, match="is a folder"):
        _report.write(tmp_path, document)


def test_a_report_without_figures_has_no_figure_section():
    parts = parse(_report.replay_report({"cores": 1}, {"policy": ["fifo"]}, []))
    assert parts.text["h2"] == ["Comparison"] and not [t for t, _ in parts.tags if t == "svg"]
