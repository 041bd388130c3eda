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
    assert _cli(["--scenario", "4_super_small_users", "--policy", "uwfq,cfq", "--no-partition", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in payload["runs"]] == ["uwfq", "cfq"]
    assert _cli([str(DATA / "alibaba_v2017_batch_task.csv")]) == 2
    assert "row 54987" in capsys.readouterr().err
    # bad settings are the core's errors, reported as one line like any other bad input
    for argv, message in [
        (["--policy", "nope"], "policy: unknown 'nope'; choices: fifo, fair, ujf, cfq, uwfq, drf, sjf"),
        (["--cores", "0"], "cores: must be >= 1, got 0"),
        (["--cores", "-2", "--scenario", "4_large_users"], "cores: must be >= 1, got -2"),
        (["--estimate", "psychic"], "estimate: unknown 'psychic'"),
        (["--policy", "drf", "--nodes", "0"], "nodes: must be >= 1, got 0"),
    ]:
        assert _cli([*argv]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("schedkit replay: error: ") and message in err, err
        assert "Traceback" not in err
    # the resources model refuses a task without a cpu request, naming job and task
    with pytest.warns(UserWarning, match="skipped 1 malformed"):
        argv = [str(DATA / "alibaba_v2017_batch_task.csv"), "--errors", "skip", "--policy", "drf"]
        assert _cli(argv) == 2
    assert "job 8561, task 55234: no cpu request" in capsys.readouterr().err
    # a trace path, skipping the bad row: one streaming pass, JSON out
    with pytest.warns(UserWarning, match="skipped 1 malformed"):
        assert (
            _cli(
                [
                    str(DATA / "alibaba_v2017_batch_task.csv"),
                    "--errors",
                    "skip",
                    "--policy",
                    "UJF",
                    "--no-partition",
                    "--json",
                ]
            )
            == 0
        )
    payload = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in payload["runs"]] == ["ujf"] and payload["cluster"] == "slots"
    assert "11,644 jobs" in payload["source"] and payload["runs"][0]["jobs"] == 11644


def test_cli_writes_nothing_unasked_and_names_what_it_writes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _cli(["--policy", "fifo,uwfq", "--no-partition"]) == 0
    assert list(tmp_path.iterdir()) == []
    text = capsys.readouterr().out
    assert "cluster: slots, 32 cores" in text and "2 runs simulated" in text  # the hidden UJF is not counted
    assert _cli(["--policy", "uwfq", "--no-partition", "--out", "r.csv"]) == 0
    assert "per-job results written to r.csv" in capsys.readouterr().out and (tmp_path / "r.csv").exists()


def test_cli_help_defines_every_column(capsys):
    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    text = capsys.readouterr().out
    for head in ("mean RT", "median RT", "p95 RT", "small-80% RT", "slowdown", "Jain", "DVR", "violations"):
        assert any(line.strip().startswith(head + ":") for line in text.splitlines()), head


def test_cli_cluster_models_are_not_mixed(capsys):
    assert _cli(["--policy", "fifo,drf"]) == 2
    assert "mixes cluster models (fifo: slots, drf: resources)" in capsys.readouterr().err
    assert _cli(["--cluster", "resources", "--policy", "uwfq"]) == 2
    assert "uwfq run on the other model" in capsys.readouterr().err
    assert _cli(["--cluster", "resources", "--no-partition", "--nodes", "2"]) == 0
    text = capsys.readouterr().out
    assert "cluster: resources, 2 node(s) sharing 32 cpus" in text and "32 cpus and 128 GiB (assumed)" in text


def test_cli_pools_file(tmp_path, capsys):
    xml = tmp_path / "fairscheduler.xml"
    xml.write_text('<allocations><pool name="default"><schedulingMode>FAIR</schedulingMode></pool></allocations>')
    with pytest.warns(UserWarning, match="^pool_config: policy 'ujf' does not use it"):
        assert _cli(["--policy", "fair,ujf", "--no-partition", "--pools", str(xml), "--json"]) == 0
    runs = {r["label"]: r for r in json.loads(capsys.readouterr().out)["runs"]}
    # every job in `default`, FAIR inside: jobs share the cores as under UJF's per-user pools
    # would not (users differ), so FAIR inside differs from the FIFO `default` of plain fair
    assert runs["fair"]["mean_response_time"] != pytest.approx(2731.83, abs=0.01)
    bad = tmp_path / "bad.xml"
    bad.write_text("<allocations><pool name='a'><weight>x</weight></pool></allocations>")
    assert _cli(["--policy", "fair", "--pools", str(bad)]) == 2
    assert "bad.xml: pool 'a': weight must be an integer" in capsys.readouterr().err
