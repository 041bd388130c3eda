"""The ``schedkit flowtime`` command (schedkit.cli.flowtime): table, JSON, jobs files, and the
flow-time section of ``schedkit demo``."""

from __future__ import annotations

import json

import pytest

from schedkit.flowtime import generate


def _cli(argv):
    import argparse

    from schedkit.cli import flowtime

    parser = argparse.ArgumentParser(prog="schedkit")
    sub = parser.add_subparsers(dest="command", required=True)
    flowtime.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_table_and_json(capsys, tmp_path):
    assert _cli(["flowtime", "--jobs", "2000", "--load", "0.8", "--ops", "test:1", "--machines", "2"]) == 0
    out = capsys.readouterr().out
    assert "op_srpt" in out and "lower bound" in out
    assert _cli(["flowtime", "--jobs", "500", "--policies", "srpt,laps:beta=0.25,sprpt:variant=class", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["policy"] for p in data["policies"]] == ["srpt", "laps(beta=0.25)", "sprpt(variant=class)"]
    assert data["policies"][0]["ratio"] == 1.0
    jobs = generate(300, seed=3)
    path = tmp_path / "jobs.parquet"
    import pyarrow.parquet as pq

    pq.write_table(jobs.to_arrow(), path)
    assert _cli(["flowtime", "--trace", str(path), "--policies", "srpt,rr", "--validate"]) == 0
    assert "srpt" in capsys.readouterr().out


def test_cli_demo_section():
    from schedkit.cli.flowtime import demo_section

    text, rows = demo_section()
    assert "flow time" in text.lower()
    names = [r["policy"] for r in rows]
    assert "srpt" in names and "op_srpt" in names and "chunk" in names
    assert all(r["ratio"] >= 1.0 for r in rows)


def _main(*argv: str) -> int:
    from schedkit.cli import main

    return main(list(argv))


def test_bundled_job_file_and_case_insensitive_policies(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["flowtime", "--trace", "google2011_500s_jobs.csv", "--machines", "16", "--policies", "SRPT,Rr,fcfs"]
    assert _main(*argv) == 0
    out = capsys.readouterr().out
    assert "125 jobs, 824 operations" in out
    assert [line.split()[0] for line in out.splitlines() if line.split()[:1] in (["srpt"], ["rr"], ["fcfs"])] == [
        "srpt",
        "rr",
        "fcfs",
    ]
    assert list(tmp_path.iterdir()) == []
    assert _main("flowtime", "--jobs", "50", "--policies", "srtp") == 2
    assert "did you mean 'srpt'?" in capsys.readouterr().err


def test_help_has_a_description_grouped_options_and_examples(capsys):
    with pytest.raises(SystemExit):
        _main("flowtime", "--help")
    out = capsys.readouterr().out
    assert "Simulate online flow-time policies" in out
    assert "workload (a jobs file, or a generated one):" in out and "simulation:" in out
    assert "examples:\n  schedkit flowtime --jobs 5000" in out and "google2011_500s_jobs.csv" in out
