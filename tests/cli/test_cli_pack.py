"""The ``schedkit pack`` command (schedkit.cli.pack): a manifest file as JSON and a generated
cluster as tables."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "packing"


def test_cli_pack(capsys):
    import argparse

    from schedkit.cli import pack

    parser = argparse.ArgumentParser()
    pack.add_parser(parser.add_subparsers())
    args = parser.parse_args(["pack", str(DATA / "cluster.json"), "--method", "ffd", "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["placed"] == 4 and len(out["plan"]) == 4
    args = parser.parse_args(["pack", "--generate", "4,4,2,1.05", "--method", "kube"])
    assert args.func(args) == 0
    assert "placed" in capsys.readouterr().out
