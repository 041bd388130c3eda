"""The "Priority Matters" experiment: the default kube-scheduler against the CP-SAT fallback.

Reproduces the paper's headline comparison (1 s and 10 s CP windows) on instances of its
generator (:func:`schedkit.packing.generate`). Run it with ``python -m
schedkit.experiments.packing [--grid small|paper]`` or ``schedkit pack --experiment``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from schedkit._arrays import float_arg, int_arg, is_sequence, shown
from schedkit._files import output_file
from schedkit._names import resolve_name
from schedkit._optional import new_axes
from schedkit.exceptions import InvalidInstanceError
from schedkit.packing import Cluster, compare_lex, generate, place

__all__ = [
    "PAPER_FIGURES",
    "PAPER_GRID",
    "SMALL_GRID",
    "authors_seeds",
    "plot_experiment",
    "run_experiment",
    "with_running",
]

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


def _cells(grid: Mapping[str, Iterable[Any]]) -> list[tuple[int, int, int, float]]:
    return list(itertools.product(grid["nodes"], grid["pods_per_node"], grid["priorities"], grid["utilisation"]))


def _check_grid(grid: Any) -> dict[str, list[Any]]:
    """``grid``'s four axes as lists, or InvalidInstanceError naming the axis at fault (an
    unknown one with a "did you mean"); the values themselves are checked by
    :func:`schedkit.packing.generate`."""
    if not isinstance(grid, Mapping):
        raise InvalidInstanceError(
            f"grid: expected a mapping of {', '.join(SMALL_GRID)} to lists of values, got {type(grid).__name__}",
            field="grid",
        )
    out: dict[str, list[Any]] = {}
    for name, values in grid.items():
        axis = resolve_name("grid", name, SMALL_GRID)
        out[axis] = list(values) if is_sequence(values) and not isinstance(values, Mapping) else []
        if not out[axis]:
            raise InvalidInstanceError(
                f"grid[{axis!r}]: expected a non-empty list of values, got {shown(values)}", field=axis
            )
    missing = [axis for axis in SMALL_GRID if axis not in out]
    if missing:
        raise InvalidInstanceError(f"grid: missing {', '.join(missing)}", field=missing[0])
    return out


def _check_windows(windows: Any) -> list[float]:
    """The CP windows as floats >= 0, each once (a window names its result columns)."""
    if not is_sequence(windows) or isinstance(windows, Mapping):
        raise InvalidInstanceError(f"windows: expected a list of seconds, got {shown(windows)}", field="windows")
    out = [float_arg(w, f"windows[{k}]", minimum=0.0) for k, w in enumerate(windows)]
    if not out:
        raise InvalidInstanceError("windows: no window to run", field="windows")
    for k, w in enumerate(out):
        if w in out[:k]:
            raise InvalidInstanceError(f"windows[{k}]: {w:g} s appears twice", field="windows", index=k)
    return out


def with_running(cluster: Cluster, assignment: Any) -> Cluster:
    """``cluster`` with its pods running where ``assignment`` puts them (-1: pending).

    Examples
    --------
    >>> c = generate(4, 4, 2, 1.05, seed=0)
    >>> live = with_running(c, place(c).assignment)
    >>> live.placed_by_priority(live.pod_node) == place(c).placed_by_priority
    True
    """
    fields = cluster.__reduce__()[1][0]  # every constructor argument, as pickling rebuilds it
    fields["pod_node"] = np.asarray(assignment)
    return Cluster(**fields)


def authors_seeds(
    nodes: int, pods_per_node: int, priorities: int, utilisation: float, count: int, *, max_seeds: int = 2000
) -> list[int]:
    """The seeds the paper's authors keep for one grid cell, as their runner picks them.

    Below utilisation 1.0 their runner first plays each seed with a deterministic default
    scheduler whose DefaultPreemption is disabled, ReplicaSets created one after another, and
    keeps the seeds where a pod stays pending (``--seeds-not-all-running``); from 1.0 up it
    takes a fixed seed file, unfiltered. Here: the first ``count`` seeds where
    ``place(..., method="kube-nopreempt", arrival="by-owner")`` leaves a pod pending below
    1.0, seeds ``0..count-1`` from 1.0 up. Their summary (``seal_results.py``) divides every
    outcome by all the kept seeds, those where the default places every pod ("No Calls")
    included.

    Parameters
    ----------
    nodes, pods_per_node, priorities, utilisation : the grid cell (:func:`schedkit.packing.generate`).
    count : int
        Seeds wanted.
    max_seeds : int
        Seeds tried below 1.0 before giving up (fewer than ``count`` are returned then).

    Returns
    -------
    list of int

    Raises
    ------
    InvalidInstanceError
        ``count`` or ``max_seeds`` not an integer >= 0, or a cell value
        :func:`schedkit.packing.generate` refuses; the message names it.

    Examples
    --------
    >>> authors_seeds(4, 4, 2, 1.05, 3)
    [0, 1, 2]
    """
    count = int_arg(count, "count")
    max_seeds = int_arg(max_seeds, "max_seeds")
    cell = generate(nodes, pods_per_node, priorities, utilisation, seed=0)  # checks the cell's values
    if utilisation >= 1.0:
        return list(range(count))
    kept: list[int] = []
    for seed in range(max_seeds):
        if len(kept) >= count:
            break
        c = cell if seed == 0 else generate(nodes, pods_per_node, priorities, utilisation, seed=seed)
        if place(c, method="kube-nopreempt", arrival="by-owner").pending:
            kept.append(seed)
    return kept


#: What the CP model starts from (``run_experiment(cp_from=...)``).
CP_FROM = ("pending", "running")


def run_experiment(
    grid: Mapping[str, Iterable[Any]] | None = None,
    *,
    scenarios: int = 3,
    windows: Iterable[float] = (1.0, 10.0),
    method: str = "kube",
    max_seeds: int = 200,
    workers: int = 0,
    arrival: str = "together",
    cp_from: str = "pending",
) -> dict[str, Any]:
    """Reproduces the paper's comparison: default scheduler vs the CP-SAT fallback.

    Per grid cell, seeds 0, 1, ... are drawn until ``scenarios`` clusters are found where the
    deterministic default scheduler (``method``, ties by node name) leaves a pod pending. For
    each window the CP fallback (hinted with the default plan, never worse) is run and the
    scenario is counted as *improved* (lexicographically more pods placed, highest priority
    first), *certified optimal* (not improved, every tier proven optimal), or *unchanged*.

    Parameters
    ----------
    grid : dict, optional
        Values per axis: ``nodes``, ``pods_per_node``, ``priorities``, ``utilisation``
        (default :data:`SMALL_GRID`; the paper's is :data:`PAPER_GRID`).
    scenarios : int
        Scenarios kept per grid cell.
    windows : iterable of float
        CP-SAT time limits in seconds, one run each.
    method : str
        The default scheduler's method.
    max_seeds : int
        Seeds tried per cell before giving up on finding ``scenarios`` of them.
    workers : int
        CP-SAT workers (0 = all cores).
    arrival : {"together", "by-owner"}
        How the default scheduler sees the pods arrive (:func:`schedkit.packing.place`);
        ``"by-owner"`` is the paper's runner, which creates the ReplicaSets one after another.
    cp_from : {"pending", "running"}
        What the CP model starts from. ``"pending"``: every pod pending, the default plan only
        a hint, so *certified optimal* means the default plan is the lexicographic optimum.
        ``"running"``: the default plan's pods running where it put them, as the authors'
        solver sees the live cluster; per tier it fixes the disruption of the running pods at
        or above the tier before it places the lower tiers, so *certified optimal* then means
        no better plan exists without moving or evicting a higher-priority running pod.

    Returns
    -------
    dict
        ``summary`` (per window: shares improved / certified optimal / unchanged next to the
        paper's figures, mean seconds), ``rows`` (one per scenario) and ``grid``.

    Raises
    ------
    InvalidInstanceError
        A grid that is not a mapping of the four axes to non-empty lists (an unknown axis
        with a "did you mean"), ``scenarios`` or ``max_seeds`` not an integer >= 1, windows
        that are not distinct numbers >= 0, or an argument :func:`schedkit.packing.generate`
        or :func:`schedkit.packing.place` refuses; the message names it.
    SolverUnavailableError
        OR-Tools is not installed.

    Examples
    --------
    >>> tiny = {"nodes": (4,), "pods_per_node": (4,), "priorities": (2,), "utilisation": (1.05,)}
    >>> res = run_experiment(tiny, scenarios=1, windows=(0.2,), workers=1)
    >>> s = res["summary"][0]
    >>> s["scenarios"], s["improved"] + s["certified_optimal"] + s["unchanged"]
    (1, 1.0)
    """
    if cp_from not in CP_FROM:
        raise InvalidInstanceError(f"cp_from: expected 'pending' or 'running', got {cp_from!r}", field="cp_from")
    grid = _check_grid(SMALL_GRID if grid is None else grid)
    scenarios = int_arg(scenarios, "scenarios", minimum=1)
    max_seeds = int_arg(max_seeds, "max_seeds", minimum=1)
    windows = _check_windows(windows)
    rows: list[dict[str, Any]] = []
    for nodes, ppn, prios, u in _cells(grid):
        found = 0
        for seed in range(max_seeds):
            if found >= scenarios:
                break
            c = generate(nodes, ppn, prios, u, seed=seed)
            base = place(c, method=method, arrival=arrival)
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
            live = with_running(c, base.assignment) if cp_from == "running" else None
            for w in windows:
                if live is None:
                    plan = place(c, method=method, fallback="cp", time_limit=w, workers=workers, arrival=arrival)
                else:
                    plan = place(live, method="cp", time_limit=w, workers=workers)
                plan.validate()
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


#: The numbers of a summary row :func:`plot_experiment` draws, and the optional paper figures.
_PLOTTED = ("window_s", "improved", "certified_optimal", "unchanged")
_PAPER_PLOTTED = ("paper_improved", "paper_certified_optimal")


def _summary_rows(result: Any) -> list[Mapping[str, Any]]:
    """The ``summary`` rows of a :func:`run_experiment` result, each with the numbers the plot
    draws, or InvalidInstanceError naming what is missing or not a number."""
    summary: Any = result.get("summary") if isinstance(result, Mapping) else None
    rows = list(summary) if is_sequence(summary) and not isinstance(summary, Mapping) else []
    if not rows:
        raise InvalidInstanceError(
            "result: expected what run_experiment returned, a mapping with a non-empty 'summary' list", field="result"
        )
    for k, row in enumerate(rows):
        where = f"result['summary'][{k}]"
        if not isinstance(row, Mapping):
            raise InvalidInstanceError(
                f"{where}: expected a mapping, got {type(row).__name__}", field="result", index=k
            )
        for key in _PLOTTED:
            if key not in row:
                raise InvalidInstanceError(f"{where}: missing {key!r}", field="result", index=k)
            float_arg(row[key], f"{where}[{key!r}]", minimum=0.0)
        for key in _PAPER_PLOTTED:
            if row.get(key) is not None:
                float_arg(row[key], f"{where}[{key!r}]", minimum=0.0)
    return rows


def plot_experiment(result: dict[str, Any], *, ax: Any = None, path: Any = None) -> Any:
    """Bar plot of the improved / certified optimal / unchanged shares per window.

    The paper's figures are drawn as black markers. Needs matplotlib (``schedkit[plot]``).

    Parameters
    ----------
    result : dict
        What :func:`run_experiment` returned.
    ax : matplotlib Axes, optional
        Draw here; by default on new axes (a standalone figure when ``path`` is given).
    path : str or Path, optional
        Save the figure there.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidInstanceError
        ``result`` is not what :func:`run_experiment` returns (its ``summary`` rows with the
        plotted numbers), or ``path`` is not a file that can be written.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> row = {"window_s": 1.0, "improved": 0.5, "certified_optimal": 0.25, "unchanged": 0.25,
    ...        "paper_improved": 0.44, "paper_certified_optimal": 0.19}
    >>> plot_experiment({"summary": [row]}, ax=ax) is ax.figure
    True
    """
    s = _summary_rows(result)
    if path is not None:
        path = output_file(path, "path")
    if ax is None:
        (ax,) = new_axes(1, standalone=path is not None, width=6, height=3.5)
    cats = ["improved", "certified_optimal", "unchanged"]
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
        ax.figure.savefig(path, bbox_inches="tight")
    return ax.figure


def _main(argv: Sequence[str] | None = None) -> int:
    """``python -m schedkit.experiments.packing [--grid small|paper] [--scenarios K] [--windows 1,10]
    [--cp-from pending|running] [--plot PNG] [--json]``: runs the experiment and prints one line per window (or JSON)."""
    parser = argparse.ArgumentParser(
        prog="python -m schedkit.experiments.packing",
        description="default kube-scheduler vs the CP-SAT fallback on the Priority Matters generator",
    )
    parser.add_argument("--grid", choices=["small", "paper"], default="small", help="default: small")
    parser.add_argument("--scenarios", type=int, default=3, help="scenarios per grid cell (default 3)")
    parser.add_argument("--windows", default="1,10", help="CP windows in seconds (default 1,10)")
    parser.add_argument(
        "--cp-from",
        choices=CP_FROM,
        default="pending",
        help="CP-SAT starts from all pods pending (default) or from the default plan running, as the authors' solver",
    )
    parser.add_argument("--plot", metavar="PNG", help="write the bar plot here (needs matplotlib)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    grid = PAPER_GRID if args.grid == "paper" else SMALL_GRID
    # bad input is one usage line and exit 2, as schedkit's own commands report it
    try:
        windows = [float(w) for w in args.windows.split(",") if w]
    except ValueError:
        parser.error(f"--windows: expected comma-separated seconds, got {args.windows!r}")
    try:
        if args.plot:
            output_file(args.plot, "--plot")  # before the run, so a typo does not cost it
        res = run_experiment(grid, scenarios=args.scenarios, windows=windows, cp_from=args.cp_from)
    except InvalidInstanceError as exc:
        parser.error(str(exc))
    if args.plot:
        plot_experiment(res, path=args.plot)
    if args.json:
        print(json.dumps(res["summary"], indent=2))
        return 0
    for s in res["summary"]:
        paper = "" if s["paper_improved"] is None else f" (paper: over {100 * s['paper_improved']:.0f}% improved)"
        print(
            f"{s['window_s']:g} s: {s['scenarios']} scenarios, {100 * s['improved']:.1f}% improved, "
            f"{100 * s['certified_optimal']:.1f}% certified optimal, {100 * s['unchanged']:.1f}% unchanged, "
            f"mean {s['mean_seconds']:.2f} s{paper}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(_main())
