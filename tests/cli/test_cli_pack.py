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


def test_cli_pack_bundled_cluster_in_an_empty_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "cluster.yaml"]) == 0
    out = capsys.readouterr().out
    assert "trainer-large" in out and "1 Insufficient nvidia.com/gpu" in out
    assert main(["pack", "cluster.yaml", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    reasons = {p["pod"]: p["reason"] for p in plan}
    assert reasons["trainer-large"].startswith("0/5 nodes are available:") and reasons["web-0"] is None
    assert list(tmp_path.iterdir()) == []


def test_cli_pack_explain(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "cluster.yaml", "--explain", "web-3"]) == 0
    out = capsys.readouterr().out
    assert "node(s) didn't match pod topology spread constraints" in out
    assert "node(s) had untolerated taint {nvidia.com/gpu: present}" in out
    assert main(["pack", "cluster.yaml", "--explain", "nope"]) == 2
    assert "no pod named 'nope'" in capsys.readouterr().err


def test_cli_pack_lenient_and_strict(tmp_path, capsys):
    f = tmp_path / "m.json"
    f.write_text(
        json.dumps(
            [
                {"kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "1", "memory": "1Gi"}}},
                {"kind": "DaemonSet", "metadata": {"name": "agent"}},
            ]
        )
    )
    assert main(["pack", str(f)]) == 2
    assert "DaemonSet/agent" in capsys.readouterr().err
    with __import__("pytest").warns(UserWarning, match="DaemonSet/agent"):
        assert main(["pack", str(f), "--lenient"]) == 0


def test_cli_pack_help_has_groups_and_examples(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["pack", "--help"])
    out = capsys.readouterr().out
    for text in ("input:", "method:", "output:", "experiment:", "examples:", "schedkit pack cluster.yaml"):
        assert text in out


def test_cli_pack_experiment_writes_only_what_is_asked(tmp_path, monkeypatch, capsys):
    import importlib.util

    import pytest

    if importlib.util.find_spec("ortools") is None or importlib.util.find_spec("matplotlib") is None:
        pytest.skip("needs OR-Tools and matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "--experiment", "--scenarios", "1", "--windows", "0.05", "--json"]) == 0
    assert list(tmp_path.iterdir()) == []
    capsys.readouterr()
    assert main(["pack", "--experiment", "--scenarios", "1", "--windows", "0.05", "--plot", "fig.png"]) == 0
    assert (tmp_path / "fig.png").exists()
    assert "wrote fig.png" in capsys.readouterr().err


def test_cli_pack_experiment_passes_arrival_and_cp_start_through(monkeypatch, capsys):
    """``--arrival by-owner --cp-from running`` (the paper's runner and solver) reach
    ``run_experiment``; the defaults stay all pods together and CP-SAT from all pending."""
    import pytest

    import schedkit.cli.pack as cli_pack

    seen: list[dict] = []

    def fake_run_experiment(grid, **kwargs):
        seen.append(kwargs)
        return {"summary": [], "rows": []}

    monkeypatch.setattr(cli_pack, "run_experiment", fake_run_experiment)
    argv = ["pack", "--experiment", "--scenarios", "1", "--windows", "0.05", "--json"]
    assert main([*argv, "--arrival", "by-owner", "--cp-from", "running"]) == 0
    assert main(argv) == 0
    assert [(k["arrival"], k["cp_from"]) for k in seen] == [("by-owner", "running"), ("together", "pending")]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([*argv, "--cp-from", "later"])


def test_cli_pack_report_holds_the_plan_pending_pods_and_a_figure(tmp_path, monkeypatch, capsys):
    import schedkit as sk

    monkeypatch.chdir(tmp_path)
    assert main(["pack", "cluster.yaml", "--report", "pack.html", "--json"]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert "report written to pack.html" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.html"]

    from tests.test_report import parse

    parts = parse((tmp_path / "pack.html").read_text(encoding="utf-8"))
    tags = {tag for tag, _ in parts.tags}
    cells = [cell for row in parts.rows for cell in row]
    assert parts.text["h2"] == ["Plan per node", "Pending pods", "Summary", "Requested share per node"]
    assert [tag for tag, _ in parts.tags].count("svg") == 1 and not tags & {"script", "link", "img", "iframe"}
    cluster = sk.packing.Cluster.from_manifests(sk.data.path("cluster.yaml"))
    for node in cluster.node_names:
        assert node in cells
    pending = [row for row in plan["plan"] if row["to"] is None]
    assert pending, "the bundled cluster leaves a pod pending (the report's reason section)"
    for row in pending:
        assert row["pod"] in cells and row["reason"] in cells


def test_cli_pack_report_checks_its_target_before_running(tmp_path, capsys):
    assert main(["pack", "cluster.yaml", "--report", str(tmp_path / "no" / "pack.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["pack", "cluster.yaml", "--report", str(tmp_path / "pack.txt")]) == 2
    assert list(tmp_path.iterdir()) == []
