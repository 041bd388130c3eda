"""The ``schedkit replay`` command (schedkit.cli.replay): the main job's table, per-job output,
JSON, scenarios, trace files with skipped rows, DRF on nodes, and clean errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


def _cli(argv):
    from schedkit.cli import replay

    parser = argparse.ArgumentParser(prog="schedkit")
    sub = parser.add_subparsers()
    replay.add_parser(sub)
    args = parser.parse_args(["replay", *argv])
    return args.func(args)


def test_cli_main_job(tmp_path, capsys):
    out = tmp_path / "r.parquet"
    assert _cli(["--plot", str(tmp_path / "p.png"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for label in ("fifo", "fair", "ujf", "cfq", "uwfq", "uwfq-P"):
        assert label in text
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == 10 * 125


def test_cli_json_scenario_and_errors(tmp_path, capsys):
    assert (
        _cli(["--scenario", "4_super_small_users", "--policy", "uwfq,cfq", "--no-partition", "--json", "--no-plot"])
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in payload["runs"]] == ["uwfq", "cfq"]
    assert _cli([str(DATA / "alibaba_v2017_batch_task.csv"), "--no-plot"]) == 2
    assert "row 54987" in capsys.readouterr().err
    assert _cli(["--policy", "nope", "--no-plot"]) == 2
    assert _cli(["--cores", "0", "--no-plot"]) == 2
    # a trace path, DRF on 4 nodes, skipping the bad row: one streaming pass, JSON out
    with pytest.warns(UserWarning, match="skipped 1 malformed"):
        assert (
            _cli(
                [
                    str(DATA / "alibaba_v2017_batch_task.csv"),
                    "--errors",
                    "skip",
                    "--policy",
                    "drf,ujf",
                    "--nodes",
                    "4",
                    "--memory",
                    "4",
                    "--no-partition",
                    "--json",
                    "--no-plot",
                ]
            )
            == 0
        )
    payload = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in payload["runs"]] == ["drf", "ujf"]
    assert "11,644 jobs" in payload["source"] and payload["runs"][0]["jobs"] == 11644
