"""The ``schedkit pack`` command: manifests and generated clusters, table and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from schedkit.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "packing"


def test_cli_pack(capsys):
    # Through main(), which wires every subcommand, so the test does not depend on where the
    # pack subcommand's module lives.
    assert main(["pack", str(DATA / "cluster.json"), "--method", "ffd", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["placed"] == 4 and len(out["plan"]) == 4
    assert main(["pack", "--generate", "4,4,2,1.05", "--method", "kube"]) == 0
    assert "placed" in capsys.readouterr().out
