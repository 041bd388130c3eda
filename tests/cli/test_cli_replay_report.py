"""``schedkit replay --report``: the HTML report parsed back part by part (header fields, the
table equal to the printed one, the metric definitions, the figures as inline SVG, no
external URL), its utilisation figure checked against a hand-computed case, and its errors."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from schedkit import fair
from schedkit.cli import main
from schedkit.fair._plot import busy_cores

pytest.importorskip("matplotlib")
from tests.test_report import parse


def _printed_table(text: str) -> list[list[str]]:
    """The rows of the printed comparison table: the header line, then the rows after the rule."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if re.fullmatch(r"[- ]+", line) and "--" in line)
    rows = [lines[rule - 1]]
    rows += [line for line in lines[rule + 1 :] if line and "written to" not in line]
    # cells are separated by two or more spaces; the header's labels have single spaces
    return [re.split(r" {2,}", line.strip()) for line in rows]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["replay", "--policy", "fifo,UWFQ", "--estimate", "oracle", "--report", str(path)])
    assert code == 0
    return out.getvalue(), path.read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())


def test_the_report_is_printed_and_is_the_only_file(report):
    text, _, files = report
    assert files == ["report.html"]
    assert text.splitlines()[-1].startswith("report written to ") and text.rstrip().endswith("report.html")


def test_the_header_names_trace_model_cores_estimates_and_overheads(report):
    _, document, _ = report
    parts = parse(document)
    header = dict(zip(parts.text["dt"], parts.text["dd"]))
    assert header["trace"].startswith("bundled google2011_wta_500s_hetero.csv (125 jobs, 27 users, 824 tasks)")
    assert header["cluster model"] == "slots, 32 cores, each task takes one (cpu and memory requests not read)"
    assert header["cores"] == "32"
    assert header["estimates"] == "oracle"
    assert header["overhead model"] == "no overhead model"
    assert header["runs"].startswith("4 ")  # fifo, uwfq, with and without partitioning


def test_the_table_is_the_printed_table_with_its_metrics_defined(report):
    text, document, _ = report
    parts = parse(document)
    assert parts.rows == _printed_table(text)
    assert [row[0] for row in parts.rows[1:]] == ["fifo", "uwfq", "fifo-P", "uwfq-P"]
    # every metric column has its definition, from the same text as `schedkit replay --help`
    definitions = dict(zip(parts.text["dt"], parts.text["dd"]))
    for line in fair.METRICS.values():
        label, meaning = line.split(": ", 1)
        assert label in parts.rows[0] and definitions[label] == meaning


def test_three_inline_figures_and_nothing_fetched(report):
    _, document, _ = report
    parts = parse(document)
    # the ECDF + per-user figure (two axes in one svg) and the utilisation figure
    assert len([t for t, _ in parts.tags if t == "svg"]) == 2
    captions = parts.text["figcaption"]
    assert captions == ["busy cores over time per run (dashed: the cluster's cores)"]  # the ECDF has axes titles
    titles = " ".join(parts.text.get("title", []))
    assert "schedkit replay" in titles
    assert not re.search(r"(src|href)=\"(https?:)?//", document)
    assert "http://" not in document.replace("http://www.w3.org/", "") and "https://" not in document
    assert not any(t in ("script", "link", "img", "iframe") for t, _ in parts.tags)


def test_busy_cores_is_exact_on_a_hand_computed_case():
    # task a runs [0, 4) on 1 core, b [1, 3) on 2 cores: busy 1, 3, 3, 1 over [0, 4)
    tasks = pa.table({"start": [0.0, 1.0], "end": [4.0, 3.0], "cpu": [1.0, 2.0]})
    assert busy_cores(tasks, np.array([0.0, 1.0, 2.0, 3.0, 4.0, 6.0])).tolist() == [1.0, 3.0, 3.0, 1.0, 0.0]
    # one bin over everything: the mean is the core-seconds over the span, (4 + 4) / 8
    assert busy_cores(tasks, np.array([-2.0, 6.0])).tolist() == [1.0]


def test_the_utilisation_integrates_to_the_runs_work():
    t = fair.replay(
        __import__("schedkit").data.path("google2011_wta_500s_hetero.csv"), policy="uwfq", cores=32, record_tasks=True
    )
    tasks = t.tasks
    edges = np.linspace(tasks.column("start").to_numpy().min(), tasks.column("end").to_numpy().max(), 101)
    area = float((busy_cores(tasks, edges) * np.diff(edges)).sum())
    work = float(
        ((tasks.column("end").to_numpy() - tasks.column("start").to_numpy()) * tasks.column("cpu").to_numpy()).sum()
    )
    assert area == pytest.approx(work, rel=1e-9)
    assert busy_cores(tasks, edges).max() <= 32 + 1e-9


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--report", "r.txt"], "--report r.txt: unsupported suffix; use one of .html"),
        (["--report", "nope/r.html"], "report: nope/r.html is in a folder that does not exist"),
        (["--plot", "out.txt"], "--plot out.txt: unsupported suffix; use one of .png, .svg, .pdf"),
        (["--out", "out.json"], "--out out.json: unsupported suffix; use one of .parquet, .csv"),
        (["--plot", "nope/e.png"], "--plot: nope/e.png is in a folder that does not exist"),
        (["--out", "nope/o.csv"], "--out: nope/o.csv is in a folder that does not exist"),
        (["--out", "."], "--out .: unsupported suffix"),
    ],
)
def test_output_errors_come_before_the_replay_and_write_nothing(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["replay", "--policy", "fifo", *argv]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_report_with_out_writes_both(tmp_path, capsys):
    out, path = tmp_path / "jobs.parquet", tmp_path / "r.html"
    assert main(["replay", "--policy", "uwfq", "--no-partition", "--out", str(out), "--report", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"per-job results written to {out}" in text and f"report written to {path}" in text
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == 125


def test_a_scenario_and_the_resources_model_have_reports_too(tmp_path, capsys):
    scenario, resources = tmp_path / "s.html", tmp_path / "d.html"
    argv = ["replay", "--scenario", "4_super_small_users", "--policy", "uwfq", "--no-partition"]
    assert main([*argv, "--report", str(scenario)]) == 0
    assert main(["replay", "--policy", "drf", "--nodes", "2", "--no-partition", "--report", str(resources)]) == 0
    capsys.readouterr()
    for path, model in ((scenario, "slots, 32 cores"), (resources, "resources, 2 node(s)")):
        parts = parse(path.read_text(encoding="utf-8"))
        header = dict(zip(parts.text["dt"], parts.text["dd"]))
        assert header["cluster model"].startswith(model)
        assert len([t for t, _ in parts.tags if t == "svg"]) == 2
    # DRF has no UJF reference: its DVR and violations cells are "-", as printed
    assert parse(resources.read_text(encoding="utf-8")).rows[1][-2:] == ["-", "-"]
