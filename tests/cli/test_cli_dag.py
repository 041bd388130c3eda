"""The ``schedkit dag`` command and the DAG section of ``schedkit demo``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "dag"
WF = DATA / "wfcommons"


def run_cli(*argv: str) -> int:
    from schedkit import _cli_dag

    parser = argparse.ArgumentParser(prog="schedkit")
    _cli_dag.add_parser(parser.add_subparsers(dest="command", required=True))
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
    from schedkit._cli_dag import demo_section

    text, rows = demo_section()
    assert "HEFT" in text and "online" in text
    static = {r["algorithm"]: r for r in rows if r["section"] == "static"}
    assert static["heft"]["makespan"] == pytest.approx(88.9, abs=0.05)
    assert len({tuple(sorted(r)) for r in rows}) == 1  # every row has the same keys
