"""The ``schedkit dag`` command (schedkit.cli.dag): tables, JSON, schedule files, Gantt charts,
and the DAG section of ``schedkit demo``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "dag"
WF = DATA / "wfcommons"


def run_cli(*argv: str) -> int:
    from schedkit.cli import dag

    parser = argparse.ArgumentParser(prog="schedkit")
    dag.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_dag(tmp_path, capsys):
    wf = str(WF / "montage-chameleon-dss-05d-001.json")
    assert run_cli("dag", wf, "--processors", "1,1.5,2,3", "--algorithm", "all") == 0
    out = capsys.readouterr().out
    assert "HEFT" in out and "828.16" in out and "PEFT" in out and "SLR" in out
    assert run_cli("dag", wf, "--algorithm", "peft", "--json", "--output", str(tmp_path / "s.parquet")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["results"][0]["algorithm"] == "peft" and result["tasks"] == 58
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "s.parquet").num_rows == 58
    assert (
        run_cli(
            "dag",
            str(DATA / "stg" / "rand0000_50tasks.stg"),
            "--processors",
            "2",
            "--algorithm",
            "heft",
            "--output",
            str(tmp_path / "s.csv"),
        )
        == 0
    )
    assert (tmp_path / "s.csv").read_text().startswith('"algorithm","task"')
    pytest.importorskip("matplotlib")
    assert run_cli("dag", wf, "--algorithm", "cpop", "--gantt", str(tmp_path / "g.png")) == 0
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_demo_section():
    from schedkit.cli.dag import demo_section

    text, rows = demo_section()
    assert "HEFT" in text and "online" in text
    static = {r["algorithm"]: r for r in rows if r["section"] == "static"}
    assert static["heft"]["makespan"] == pytest.approx(88.9, abs=0.05)
    assert len({tuple(sorted(r)) for r in rows}) == 1  # every row has the same keys


def _main(*argv: str) -> int:
    from schedkit.cli import main

    return main(list(argv))


def test_bundled_name_in_an_empty_folder_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _main("dag", "montage-chameleon-dss-05d-001.json", "--algorithm", "HEFT") == 0
    out = capsys.readouterr().out
    assert "montage-chameleon-dss-05d-001: 58 tasks" in out and "HEFT" in out and "828.16" in out
    assert list(tmp_path.iterdir()) == []


def test_algorithm_names_ignore_case_and_suggest_on_a_typo(capsys):
    assert _main("dag", "montage-chameleon-dss-05d-001.json", "--algorithm", "hfet") == 2
    assert "algorithm: unknown 'hfet' (did you mean 'heft'?)" in capsys.readouterr().err


def test_gantt_prints_its_path_and_shares_one_time_axis(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "g.png"
    assert _main("dag", "montage-chameleon-dss-05d-001.json", "--gantt", str(png)) == 0
    assert f"Gantt chart written to {png}" in capsys.readouterr().out
    assert png.stat().st_size > 10_000
    from schedkit import dag
    from schedkit.cli.dag import _write_gantt
    from schedkit.data import path as data_path

    g, plat = dag.from_wfcommons(data_path("montage-chameleon-dss-05d-001.json"), processors=[1, 1.5, 2, 3])
    schedules = [dag.heft(g, plat), dag.met(g, plat)]
    import matplotlib.pyplot as plt

    captured = {}
    real = plt.Figure.savefig

    def keep(fig, path, **kw):
        captured["fig"] = fig
        return real(fig, path, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plt.Figure, "savefig", keep)
        _write_gantt(tmp_path / "two.png", schedules, "s")
    axes = captured["fig"].axes
    assert {ax.get_xlim() for ax in axes} == {axes[0].get_xlim()}  # one scale for every panel
    assert axes[0].get_xlim()[1] >= max(s.makespan for s in schedules)
    assert axes[0].get_xlabel() == "time (s)"
    assert [t.get_text() for t in axes[0].get_yticklabels()][1] == "P2 (speed 1.5)"
    assert axes[0].get_title().startswith("HEFT: makespan")
    assert "montage-chameleon-dss-05d-001" in captured["fig"].get_suptitle()


def test_help_has_a_description_grouped_options_and_examples(capsys):
    with pytest.raises(SystemExit):
        _main("dag", "--help")
    out = capsys.readouterr().out
    assert "Schedule a task graph on heterogeneous processors" in out
    assert "platform:" in out and "algorithm:" in out and "output (nothing is written unless asked):" in out
    assert "examples:\n  schedkit dag montage-chameleon-dss-05d-001.json" in out
    assert '"""' not in out and "``" not in out  # not the module docstring


def test_compare_table_matches_the_api(capsys):
    from schedkit import dag
    from schedkit.data import path as data_path

    g, plat = dag.from_wfcommons(data_path("montage-chameleon-dss-05d-001.json"), processors=[1, 1.5, 2, 3])
    table = dag.compare(g, plat)
    assert table.column_names == [
        "algorithm",
        "makespan",
        "slr",
        "speedup",
        "efficiency",
        "lower_bound",
        "sequential_time",
        "seconds",
    ]
    assert _main("dag", "montage-chameleon-dss-05d-001.json", "--json") == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert [r["algorithm"] for r in rows] == table.column("algorithm").to_pylist()
    assert [r["makespan"] for r in rows] == pytest.approx(table.column("makespan").to_pylist())


@pytest.mark.parametrize(
    ("option", "name", "suffixes"),
    [("--gantt", "out.parquet", ".png, .svg, .pdf"), ("--output", "out.txt", ".parquet, .csv")],
)
def test_output_suffixes_are_checked_before_scheduling(tmp_path, monkeypatch, capsys, option, name, suffixes):
    from schedkit.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["dag", "montage-chameleon-dss-05d-001.json", option, name]) == 2
    assert f"{option} {name}: unsupported suffix; use one of {suffixes}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
