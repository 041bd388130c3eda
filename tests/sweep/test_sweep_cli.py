"""Grid files and ``schedkit sweep``: the bundled example from an empty folder, the comparison
table grouped by the swept parameters, JSON, the output folder, and bad files or options as one
error line naming the line, the entry and the parameter."""

from __future__ import annotations

import argparse
import json

import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.exceptions import InvalidInstanceError


def _write(tmp_path, text, name="grid.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_runs_from_an_empty_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "example.yaml", "--workers", "2"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("example.yaml: 38 runs on local (2 workers): 38 computed, 0 failed")
    assert captured.err == ""  # no progress line when stderr is not a terminal
    for heading in ("fair (means over the seeds)", "dag", "flowtime (means over the seeds)", "packing", "tardiness"):
        assert heading in lines
    # the README's main-job figures (fifo 2,731.8; uwfq-P 535.3) and the paper's MDDC gap 1.52
    fair = lines[lines.index("fair (means over the seeds)") + 1 :]
    assert fair[0].split()[:5] == ["policy", "partition", "cores", "estimate", "noise"]
    assert fair[2].split()[:3] == ["fifo", "False", "32"] and "2,731.83" in fair[2]
    assert fair[9].split()[:3] == ["uwfq", "True", "32"] and "535.33" in fair[9]
    assert fair[10].split()[:5] == ["cfq", "-", "-", "noisy", "1.00"] and fair[10].split()[5] == "3"
    tardiness = lines[lines.index("tardiness") + 3]
    assert tardiness.split()[0] == "mddc" and tardiness.split()[-1] == "1.52"
    assert list(tmp_path.iterdir()) == []  # nothing written unless asked


def test_json_output_folder_and_rerun(tmp_path, capsys):
    grid = _write(
        tmp_path,
        "seed: 3\ngrids:\n  - area: dag\n    algorithm: [heft, cpop]\n    tasks: 30\n    seed: [0, 1]\n"
        "runs:\n  - {area: dag, algorithm: nope, tasks: 30}\n",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(grid), "--out", str(out), "--json", "--backend", "Processes", "--workers", "2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["runs"], payload["computed"], payload["failed"], payload["seed"]) == (5, 5, 1, 3)
    assert payload["backend"] == "processes"
    rows = payload["areas"]["dag"]
    assert [(r["algorithm"], r["runs"], r["failed"]) for r in rows] == [("heft", 2, 0), ("cpop", 2, 0), ("nope", 1, 1)]
    assert rows[2]["makespan"] is None
    assert payload["errors"][0]["params"] == {"algorithm": "nope", "tasks": 30}
    assert "algorithm" in payload["errors"][0]["error"]
    table = sk.sweep.load(out)
    assert table.num_rows == 5 and set(table.column("run_seed").to_pylist()) == set(
        sk.sweep.run(sk.sweep.read_grid(grid)[0], seed=3, progress=False).column("run_seed").to_pylist()
    )
    assert main(["sweep", str(grid), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"5 runs on local: 1 computed, 4 read from {out}, 1 failed" in text
    assert "failed runs (1):\n  dag algorithm=nope tasks=30: InvalidInstanceError: " in text
    assert f"runs written to {out}" in text


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("grids:\n  - area: fair\n    policy: [fifo\n", "grid.yaml", "line 4: not valid YAML"),
        ('{"grids": [}', "grid.json", "line 1: Expecting value"),
        ("grid:\n  area: fair\n", "grid.yaml", "unknown key 'grid'; a grid file holds seed, grids, runs"),
        ("- area: fair\n", "grid.yaml", "expected a mapping with seed, grids, runs"),
        ("seed: 1.5\ngrids: []\n", "grid.yaml", "seed: expected an integer, got 1.5"),
        ("grids: []\n", "grid.yaml", "no grids and no runs"),
        ("grids:\n  - policy: [fifo]\n", "grid.yaml", "grids[0]: expected a mapping with an 'area'"),
        (
            "grids:\n  - {area: dag, algorithm: heft, tasks: 5}\n  - {area: fair, trace: x.csv, polcy: [fifo]}\n",
            "grid.yaml",
            "grids[1]: runs[0]: fair parameter: unknown 'polcy' (did you mean 'policy'?)",
        ),
        ("runs:\n  - {area: flowtime, policy: srpt}\n", "grid.yaml", "runs[0]: runs[0].jobs: missing"),
        ("grids: {area: dag}\n", "grid.yaml", "grids: expected a list"),
        ("grids:\n  - {area: dag, 1: heft}\n", "grid.yaml", "parameter names are strings, got 1"),
    ],
)
def test_bad_grid_files_name_the_line_entry_and_parameter(tmp_path, capsys, text, name, message):
    path = _write(tmp_path, text, name)
    with pytest.raises(InvalidInstanceError) as info:
        sk.sweep.read_grid(path)
    assert message in str(info.value), str(info.value)
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("schedkit: error: ") and message in err and "Traceback" not in err


def test_yaml_is_read_safely(tmp_path):
    # a tag that the full loader would turn into a Python call is refused by the safe loader
    path = _write(tmp_path, "grids:\n  - !!python/object/apply:os.system ['true']\n")
    with pytest.raises(InvalidInstanceError, match="not valid YAML"):
        sk.sweep.read_grid(path)


def test_bad_options_are_one_error_line(tmp_path, capsys):
    for argv, message in [
        (["sweep", "example.yaml", "--backend", "spark"], "backend: unknown 'spark'"),
        (["sweep", "example.yaml", "--workers", "0"], "workers: expected an integer >= 1, got 0"),
        (["sweep", "nothing.yaml"], "no such file: nothing.yaml"),
        (["sweep", "example.yaml", "--backend", "processes", "--address", "auto"], "takes no address"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("schedkit: error: ") and message in err, err


def test_help_has_a_description_grouped_options_and_two_real_examples(capsys):
    from schedkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["sweep"]
    assert "\n" not in sub.description and len(sub.description.split()) > 10
    groups = {g.title: {a.dest for a in g._group_actions} for g in sub._action_groups if g._group_actions}
    assert groups["what runs"] == {"grid", "seed"} and groups["where it runs"] == {"backend", "workers", "address"}
    assert groups["output"] == {"out", "report", "json"}
    lines = sub.epilog.splitlines()
    assert lines[0] == "examples:" and len(lines) == 3
    for example in (ln.strip() for ln in lines[1:]):  # each parses as written and names a bundled grid
        args = parser.parse_args(example.split()[1:])
        assert args.func is not None and sk.data.path(args.grid).is_file()
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = capsys.readouterr().out
    assert "schedkit sweep example.yaml --report sweep.html" in text and "where it runs:" in text
