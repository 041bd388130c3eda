"""``schedkit.sweep.report`` and ``schedkit sweep --report``: one self-contained HTML file,
parsed back with html.parser and checked part by part against the sweep's own table."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.exceptions import InvalidInstanceError

pytest.importorskip("matplotlib")
from tests.test_report import Parts
from tests.test_report import parse as parse_html


def parse(path) -> Parts:
    parts = parse_html(path.read_text(encoding="utf-8"))
    assert parts.stack == [], "unbalanced tags"
    return parts


GRID = (
    "seed: 5\n"
    "grids:\n"
    "  - area: dag\n    algorithm: [heft, cpop]\n    tasks: 30\n    seed: [0, 1]\n"
    "  - area: flowtime\n    policy: [srpt, rr]\n    jobs: 300\n    load: [0.5, 0.9]\n"
    "runs:\n  - {area: dag, algorithm: nope, tasks: 30}\n"
)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The grid run once through the CLI with ``--report``: (table, report path, stdout)."""
    folder = tmp_path_factory.mktemp("sweep")
    grid = folder / "grid.yaml"
    grid.write_text(GRID, encoding="utf-8")
    report = folder / "sweep.html"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sweep", str(grid), "--workers", "2", "--out", str(folder / "runs"), "--report", str(report)]) == 0
    table = sk.sweep.load(folder / "runs")
    return table, report, out.getvalue(), str(grid)


def _fmt(v):
    # the report's number format: two decimals with thousands separators
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def test_the_cli_prints_the_path_it_wrote(swept):
    _, report, stdout, _ = swept
    assert stdout.splitlines()[-1] == f"report written to {report}"
    assert report.is_file()


def test_the_header_names_the_run(swept):
    _, report, _, grid = swept
    parts = parse(report)
    assert parts.text["title"] == ["schedkit sweep"]
    header = dict(zip(parts.text["dt"], parts.text["dd"], strict=True))
    assert header == {
        "grid": grid,
        "backend": "local",
        "workers": "2",
        "seed": "5",
        "runs": "9",
        "runs computed": "9",
        "runs reused": "0",
        "runs failed": "1",
    }


def test_each_area_table_holds_the_means_over_the_seeds(swept):
    table, report, _, _ = swept
    parts = parse(report)
    assert parts.text["h2"] == ["dag (means over the seeds)", "flowtime", "Failed runs"]
    dag, flowtime, failed = parts.tables
    assert dag[0] == ["algorithm", "runs", "failed", "makespan", "slr", "efficiency"]
    # the means computed here from the table, independently of the report's summary
    ok = table.filter(pc.and_(pc.equal(table["area"], "dag"), pc.is_null(table["error"])))
    means = ok.group_by("algorithm", use_threads=False).aggregate(
        [(m, "mean") for m in ("makespan", "slr", "efficiency")]
    )
    by = {r["algorithm"]: r for r in means.to_pylist()}
    assert dag[1] == ["heft", "2", "0", *(_fmt(by["heft"][f"{m}_mean"]) for m in ("makespan", "slr", "efficiency"))]
    assert dag[2] == ["cpop", "2", "0", *(_fmt(by["cpop"][f"{m}_mean"]) for m in ("makespan", "slr", "efficiency"))]
    assert dag[3] == ["nope", "1", "1", "–", "–", "–"]  # every run failed: no mean
    assert flowtime[0] == ["policy", "load", "runs", "failed", "mean_flow_time", "p95_flow_time", "ratio"]
    rows = table.filter(pc.equal(table["area"], "flowtime")).to_pylist()
    assert flowtime[1:] == [
        [r["policy"], _fmt(r["load"]), "1", "0", _fmt(r["mean_flow_time"]), _fmt(r["p95_flow_time"]), _fmt(r["ratio"])]
        for r in rows
    ]
    assert failed[0] == ["area", "parameters", "error"]
    assert failed[1][:2] == ["dag", "algorithm=nope tasks=30"] and "nope" in failed[1][2]


def test_one_figure_per_area_with_a_panel_per_swept_parameter(swept):
    _, report, _, _ = swept
    parts = parse(report)
    assert [t for t, _ in parts.tags].count("svg") == 2
    assert parts.text["figcaption"] == [
        "dag: makespan (the instance's time unit) per swept parameter",
        "flowtime: mean flow time (the jobs' time unit) per swept parameter",
    ]
    ids = [a["id"] for _, a in parts.tags if a.get("id")]
    assert len(ids) == len(set(ids)), "two figures share an id"


def test_the_page_needs_no_network(swept):
    _, report, _, _ = swept
    document = report.read_text(encoding="utf-8")
    parts = parse(report)
    assert not [t for t, _ in parts.tags if t in ("script", "link", "img", "iframe", "object")]
    for tag, attrs in parts.tags:
        for name, value in attrs.items():
            if name in ("href", "src", "xlink:href"):
                assert value and value.startswith("#"), f"<{tag} {name}={value!r}> leaves the page"
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", document))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_the_python_entry_on_a_loaded_table(tmp_path, swept):
    table, _, _, _ = swept
    out = sk.sweep.report(table, tmp_path / "again.html", header_items={"grid": "g"})
    assert out == tmp_path / "again.html"
    header = dict(zip(parse(out).text["dt"], parse(out).text["dd"], strict=True))
    # a table read back from its folder has no run metadata: only what the rows say
    assert header == {"grid": "g", "runs": "9", "runs failed": "1"}


def test_one_setting_and_a_mixed_grid_are_reported_without_a_bogus_panel(tmp_path):
    runs = [{"area": "dag", "algorithm": "heft", "tasks": 20}]
    runs += sk.sweep.grid(area="flowtime", policy=["srpt", "rr"], jobs=200)
    runs.append({"area": "flowtime", "policy": "rr", "jobs": 200, "sizes": "pareto"})
    path = sk.sweep.report(sk.sweep.run(runs, progress=False), tmp_path / "r.html")
    parts = parse(path)
    assert parts.tables[0][0][0] == "(one setting)" and parts.tables[0][1][0] == "-"
    assert "No parameter took two values here: nothing to plot." in parts.text["p"]
    # flowtime sweeps policy; sizes is given by one run only (set or not set is two grids,
    # not a sweep of sizes): one figure with one panel, its bars split by sizes
    assert parts.tables[1][0][:2] == ["policy", "sizes"]
    assert [t for t, _ in parts.tags].count("svg") == 1
    document = path.read_text(encoding="utf-8")
    assert document.count('<g id="f1-axes_') == 1


def test_bad_arguments_are_named(tmp_path, capsys):
    t = sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=10), progress=False)
    with pytest.raises(InvalidInstanceError, match="table: expected"):
        sk.sweep.report(pa.table({"a": [1]}), tmp_path / "r.html")
    with pytest.raises(InvalidInstanceError, match="does not exist"):
        sk.sweep.report(t, tmp_path / "nope" / "r.html")
    # the CLI checks the report's folder before running anything
    grid = tmp_path / "g.json"
    grid.write_text(json.dumps({"runs": [{"area": "dag", "algorithm": "heft", "tasks": 10}]}), encoding="utf-8")
    assert main(["sweep", str(grid), "--out", str(tmp_path / "runs"), "--report", str(tmp_path / "no" / "r.html")]) == 2
    assert "report:" in capsys.readouterr().err and not (tmp_path / "runs").exists()


def test_json_output_names_the_report(tmp_path, capsys):
    grid = tmp_path / "g.json"
    grid.write_text(json.dumps({"runs": [{"area": "dag", "algorithm": "heft", "tasks": 10}]}), encoding="utf-8")
    assert main(["sweep", str(grid), "--json", "--report", str(tmp_path / "r.html")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["report"] == str(tmp_path / "r.html") and (tmp_path / "r.html").is_file()
