"""The `schedkit` command: version, tardiness on files, JSON output, errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

import schedkit
from schedkit.cli import dag, demo, flowtime, main, pack, tardiness
from schedkit.cli._common import format_table

DATA = Path(__file__).resolve().parents[1] / "data" / "smtt"


@pytest.mark.parametrize(
    ("command", "argv", "option", "value"),
    [
        (dag, ["dag", "w.json", "--processors", "2"], "processors", 2),
        (demo, ["demo", "--json"], "json", True),
        (flowtime, ["flowtime", "--load", "0.8"], "load", 0.8),
        (pack, ["pack", "cluster.yaml", "--method", "ffd"], "method", "ffd"),
        (tardiness, ["tardiness", "wt40.txt", "--method", "edd"], "method", "edd"),
    ],
)
def test_add_parser_registers_the_subcommand(command, argv, option, value):
    # Each subcommand module's add_parser, on a parser of its own: the options it adds parse,
    # and the parsed arguments carry the module's run.
    parser = argparse.ArgumentParser(prog="schedkit")
    sub = parser.add_subparsers()
    assert isinstance(command.add_parser(sub), argparse.ArgumentParser)
    args = parser.parse_args(argv)
    assert getattr(args, option) == value and args.func is command.run


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert schedkit.__version__ in capsys.readouterr().out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_tardiness_json_on_orlib_file_matches_listed_optima(tmp_path, capsys, workers):
    # The first three wt40 instances, weights kept: exact must reproduce wtopt40, alone or
    # racing ssdp beside the branch and bound.
    numbers = (DATA / "orlib_wt" / "wt40.txt").read_text().split()[: 3 * 120]
    path = tmp_path / "wt40.txt"
    path.write_text(" ".join(numbers))
    argv = ["tardiness", str(path), "--method", "exact", "--time-limit", "30", "--workers", workers, "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    optima = [float(v) for v in (DATA / "orlib_wt" / "wtopt40.txt").read_text().split()[:3]]
    assert [r["objective"] for r in out["results"]] == optima
    assert all(r["optimal"] for r in out["results"])
    assert all(sorted(r["sequence"]) == list(range(40)) for r in out["results"])


def test_tardiness_table_on_sdt_file(tmp_path, capsys):
    lines = (DATA / "sdt" / "sdt_n100.txt").read_text().splitlines()
    body = [ln for ln in lines if not ln.startswith("#")]
    path = tmp_path / "two.txt"
    path.write_text("\n".join(["2 100", *body[1:7]]) + "\n")
    assert main(["tardiness", str(path), "--method", "mdd", "--improve", "insertion"]) == 0
    out = capsys.readouterr().out
    assert "gap to known %" in out and "2 instances" in out


def test_bad_file_is_a_clean_error(tmp_path, capsys):
    path = tmp_path / "wt5.txt"
    path.write_text("1 2 x 4 5\n")
    assert main(["tardiness", str(path), "--n", "5"]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "'x'" in err


def test_format_table_aligns_columns():
    text = format_table(["name", "value"], [["a", 1.5], ["bb", 10.0]])
    lines = text.splitlines()
    assert lines[0].startswith("name") and lines[2].endswith("1.50") and lines[3].endswith("10.00")
    assert len({len(line) for line in lines}) == 1


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "schedkit", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"schedkit {schedkit.__version__}"


@pytest.mark.parametrize("name", ["demo", "data"])
def test_help_has_a_description_grouped_options_and_two_real_examples(name):
    from schedkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    assert sub.description and len(sub.description.split()) > 10
    groups = {g.title for g in sub._action_groups if g._group_actions}
    assert "output" in groups and {a.dest for a in sub._action_groups[-1]._group_actions} >= {"json"}
    examples = [ln.strip() for ln in sub.epilog.splitlines()[1:]]
    assert len(examples) == 2 and all(e.startswith("schedkit ") for e in examples)
    for example in examples:  # each example parses as written (output redirection aside)
        argv = example.split(">")[0].split()[1:]
        assert parser.parse_args(argv).func is not None


def test_data_lists_bundled_files_that_path_finds(capsys):
    assert main(["data", "--json"]) == 0
    names = json.loads(capsys.readouterr().out)
    assert {"smtt/wt40.txt", "dag/montage-chameleon-dss-05d-001.json", "packing/cluster.yaml"} <= set(names)
    assert main(["data", "--path"]) == 0
    paths = capsys.readouterr().out.split()
    assert len(paths) == len(names) and all(Path(p).is_file() for p in paths)
    assert schedkit.data.path("cluster.yaml") == schedkit.data.path("packing/cluster.yaml")


def test_a_schedkit_bug_is_reported_as_one_and_exits_70(monkeypatch, capsys):
    # InternalError (a core panic) and ValidationError are schedkit errors, but bugs: not exit 2
    from schedkit.cli import data as data_cmd
    from schedkit.exceptions import InternalError, ValidationError

    for bug in (
        InternalError("internal error in x: boom; please report it"),
        ValidationError("overlap"),
        KeyError("k"),
    ):

        def run(args, bug=bug):
            raise bug

        monkeypatch.setattr(data_cmd, "run", run)
        assert main(["data"]) == 70
        err = capsys.readouterr().err
        assert f"internal error: {type(bug).__name__}" in err and "please report it" in err
        assert schedkit.__version__ in err and "Traceback" not in err


def test_a_panic_exception_is_reported_as_a_bug(monkeypatch, capsys):
    # PyO3's PanicException derives from BaseException, so `except Exception` misses it
    from schedkit.cli import data as data_cmd

    class PanicException(BaseException):
        pass

    def run(args):
        raise PanicException("a scoped thread panicked")

    monkeypatch.setattr(data_cmd, "run", run)
    assert main(["data"]) == 70
    err = capsys.readouterr().err
    assert "internal error: PanicException: a scoped thread panicked" in err and "Traceback" not in err
