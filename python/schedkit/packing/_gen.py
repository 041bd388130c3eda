"""The "Priority Matters" experiment generator (specs B.5) and the reproduction of its
headline comparison: default scheduler vs the CP-SAT fallback with 1 s and 10 s windows."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from schedkit.exceptions import InvalidInstanceError

#: The paper's headline figures (abstract): share of scenarios where the default scheduler
#: leaves pods pending that the CP fallback improves, and that it certifies already optimal.
PAPER_FIGURES = {
    1.0: {"improved": 0.44, "certified_optimal": 0.19},
    10.0: {"improved": 0.73, "certified_optimal": 0.19},
}

#: The paper's grid.
PAPER_GRID = {
    "nodes": (4, 8, 16, 32),
    "pods_per_node": (4, 8),
    "priorities": (1, 2, 4),
    "utilisation": (0.90, 0.95, 1.00, 1.05),
}
#: A small grid that runs in about a minute.
SMALL_GRID = {"nodes": (4, 8), "pods_per_node": (4, 8), "priorities": (2, 4), "utilisation": (0.95, 1.05)}


def generate(nodes: int, pods_per_node: int, priorities: int, utilisation: float, seed: int = 0) -> Any:
    """A cluster of the paper's generator: ``nodes`` homogeneous nodes, ``nodes*pods_per_node``
    pending pods in ReplicaSets of 1-4 replicas (the last truncated), each ReplicaSet with a
    priority uniform in 1..``priorities`` and requests uniform in 100..1000 millicores and
    100..1000 MB (10^6 bytes); node capacity per resource max(max request, ceil(Σ/u/N)).
    """
    from schedkit.packing import Cluster

    for name, v in (("nodes", nodes), ("pods_per_node", pods_per_node), ("priorities", priorities)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidInstanceError(f"{name}: must be an integer >= 1, got {v!r}", field=name)
    if not (math.isfinite(utilisation) and utilisation > 0):
        raise InvalidInstanceError(f"utilisation: must be > 0, got {utilisation!r}", field="utilisation")
    rng = np.random.default_rng(seed)
    total = nodes * pods_per_node
    cpu, mem, prio, names = [], [], [], []
    rs = 0
    while len(cpu) < total:
        r = int(rng.integers(1, 5))
        r = min(r, total - len(cpu))
        p = int(rng.integers(1, priorities + 1))
        c = int(rng.integers(100, 1001))
        m = int(rng.integers(100, 1001)) * 10**6
        for k in range(r):
            cpu.append(c)
            mem.append(m)
            prio.append(p)
            names.append(f"rs{rs}-{k}")
        rs += 1
    cap_cpu = max(max(cpu), math.ceil(sum(cpu) / utilisation / nodes))
    cap_mem = max(max(mem), math.ceil(sum(mem) / utilisation / nodes))
    return Cluster(
        [cap_cpu] * nodes,
        [cap_mem] * nodes,
        cpu,
        mem,
        prio,
        node_names=[f"node-{j:02d}" for j in range(nodes)],
        pod_names=names,
    )


def _cells(grid: dict[str, Iterable[Any]]) -> list[tuple[int, int, int, float]]:
    return list(itertools.product(grid["nodes"], grid["pods_per_node"], grid["priorities"], grid["utilisation"]))


def run_experiment(
    grid: dict[str, Iterable[Any]] | None = None,
    *,
    scenarios: int = 3,
    windows: Iterable[float] = (1.0, 10.0),
    method: str = "kube",
    max_seeds: int = 200,
    workers: int = 0,
) -> dict[str, Any]:
    """Reproduces the paper's comparison on ``grid`` (default :data:`SMALL_GRID`).

    Per grid cell, seeds 0, 1, ... are drawn until ``scenarios`` clusters are found where the
    deterministic default scheduler (``method``, ties by node name) leaves a pod pending. For
    each window the CP fallback (hinted with the default plan, never worse) is run and the
    scenario is counted as *improved* (lexicographically more pods placed, highest priority
    first), *certified optimal* (not improved, every tier proven optimal), or *unchanged*.
    Returns per-window shares with the paper's figures, and one row per scenario.
    """
    from schedkit.packing import compare_lex, place

    grid = grid or SMALL_GRID
    windows = [float(w) for w in windows]
    rows: list[dict[str, Any]] = []
    for nodes, ppn, prios, u in _cells(grid):
        found = 0
        for seed in range(max_seeds):
            if found >= scenarios:
                break
            c = generate(nodes, ppn, prios, u, seed)
            base = place(c, method=method)
            if base.pending == 0:
                continue
            found += 1
            row: dict[str, Any] = {
                "nodes": nodes,
                "pods_per_node": ppn,
                "priorities": prios,
                "utilisation": u,
                "seed": seed,
                "default_placed": base.placed,
                "pods": c.num_pods,
            }
            for w in windows:
                plan = place(c, method=method, fallback="cp", time_limit=w, workers=workers).validate()
                cmp = compare_lex(plan.placed_by_priority, base.placed_by_priority)
                outcome = "improved" if cmp > 0 else ("certified_optimal" if plan.optimal else "unchanged")
                row[f"outcome_{w:g}s"] = outcome
                row[f"optimal_{w:g}s"] = plan.optimal
                row[f"placed_{w:g}s"] = plan.placed
                row[f"seconds_{w:g}s"] = plan.elapsed
            rows.append(row)
    summary = []
    for w in windows:
        outs = [r[f"outcome_{w:g}s"] for r in rows]
        n = max(1, len(outs))
        paper = PAPER_FIGURES.get(w, {})
        summary.append(
            {
                "window_s": w,
                "scenarios": len(outs),
                "improved": outs.count("improved") / n,
                "improved_and_optimal": sum(
                    1 for r in rows if r[f"outcome_{w:g}s"] == "improved" and r[f"optimal_{w:g}s"]
                )
                / n,
                "certified_optimal": outs.count("certified_optimal") / n,
                "unchanged": outs.count("unchanged") / n,
                "paper_improved": paper.get("improved"),
                "paper_certified_optimal": paper.get("certified_optimal"),
                "mean_seconds": float(np.mean([r[f"seconds_{w:g}s"] for r in rows])) if rows else 0.0,
            }
        )
    return {"summary": summary, "rows": rows, "grid": {k: list(v) for k, v in grid.items()}}


def plot_experiment(result: dict[str, Any], path: str | None = None) -> Any:
    """Bar plot of improved / certified optimal / unchanged shares per window, with the paper's
    figures as markers. Needs matplotlib (``schedkit[plot]``)."""
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from schedkit.exceptions import SolverUnavailableError

        raise SolverUnavailableError("plotting needs matplotlib: pip install 'schedkit[plot]'") from None
    fig, ax = plt.subplots(figsize=(6, 3.5))
    cats = ["improved", "certified_optimal", "unchanged"]
    s = result["summary"]
    width = 0.8 / max(1, len(s))
    x = np.arange(len(cats))
    for k, row in enumerate(s):
        ax.bar(x + k * width, [row[c] for c in cats], width, label=f"schedkit {row['window_s']:g} s")
        for ci, c in enumerate(cats[:2]):
            ref = row.get(f"paper_{c}")
            if ref is not None:
                ax.plot([x[ci] + k * width], [ref], "k_", markersize=18)
    ax.set_xticks(x + width * (len(s) - 1) / 2, cats)
    ax.set_ylabel("share of scenarios")
    ax.set_title("CP fallback vs default scheduler (black: paper's figures)")
    ax.legend()
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig
