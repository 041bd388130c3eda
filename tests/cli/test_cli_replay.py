"""``schedkit replay``: the main job end to end (table, JSON, plot and per-job output), a
paper scenario, trace files (streamed, DRF on nodes, skipped rows) and argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedkit.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


def _cli(argv):
    # through the console entry point, so the test does not depend on which module holds
    # the subcommand
    return main(["replay", *argv])


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
    # bad settings are the core's errors, reported as one line like any other bad input
    for argv, message in [
        (["--policy", "nope"], "policy: unknown 'nope'; choices: fifo, fair, ujf, cfq, uwfq, drf, sjf"),
        (["--cores", "0"], "cores: must be >= 1, got 0"),
        (["--cores", "-2", "--scenario", "4_large_users"], "cores: must be >= 1, got -2"),
        (["--estimate", "psychic"], "estimate: unknown 'psychic'"),
        (["--policy", "drf", "--nodes", "0"], "nodes: must be >= 1, got 0"),
    ]:
        assert _cli([*argv, "--no-plot"]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("schedkit replay: error: ") and message in err, err
        assert "Traceback" not in err
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
