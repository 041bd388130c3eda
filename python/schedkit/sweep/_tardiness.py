"""Sweep adapter of :mod:`schedkit.tardiness`: method x instance file.

A run solves every instance of a file (or the one at ``instance``) with one method and
reports totals and means; each result is checked by the area's independent validator. Runs
over the same file form a group that reads it once. The file is an OR-Library set
(``wt40.txt``: jobs per instance from ``n`` or the number in the name; known optima from an
``optima`` file such as ``wtopt40.txt``) or a file in the SDT format, which lists its optima.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import tardiness
from schedkit._files import text_lines
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._area import Area, Outcome, Task, locate, pick, shared

#: Options of :func:`schedkit.tardiness.solve`.
OPTIONS = ("improve", "time_limit", "atc_k", "iterations")
#: How the file is read.
READ = ("file", "n", "optima")

PARAMS = {
    "method": f"one of schedkit.tardiness.METHODS: {', '.join(tardiness.METHODS)}",
    "file": "an OR-Library (wt40.txt) or SDT-format instance file, or a bundled file's name",
    "n": "jobs per instance of an OR-Library file (default: the number in its name)",
    "optima": "a file of the OR-Library set's optimal values (wtopt40.txt)",
    "instance": "solve only this instance (0-based position in the file)",
    **{name: "a schedkit.tardiness.solve option" for name in OPTIONS},
    "seed": "replicate number (default 0); the run's seed is derived from it (ils)",
}

Instances = tuple[list[tardiness.Instance], np.ndarray | None]


def _is_sdt(path: Path) -> bool:
    # The SDT format opens with '#' comments or a '<count> <n>' header; OR-Library files
    # are a flat stream of numbers.
    for _, line in text_lines(path, "file"):
        if line.strip():
            return line.lstrip().startswith("#") or len(line.split()) == 2
    return False


def read(params: Mapping[str, Any]) -> Instances:
    """The instances of the run's file and their known optima (None when unknown)."""
    path = locate(params["file"], "file")
    if _is_sdt(path):
        if "n" in params:  # the file says how many jobs each instance has
            raise InvalidInstanceError(
                f"n: {path.name} is an SDT-format file, which gives each instance's job count; "
                "n is read for OR-Library files only: remove it",
                field="n",
            )
        instances, optima = tardiness.read_sdt(path)
    else:
        n = params.get("n")
        if n is None:
            match = re.search(r"(\d+)", path.stem)
            if not match:
                raise InvalidInstanceError(f"n: {path.name}: give n, the jobs per instance", field="n")
            n = int(match.group(1))
        instances, optima = tardiness.read_orlib(path, n), None
    if "optima" in params:
        optima = tardiness.read_orlib_values(locate(params["optima"], "optima"))
        if len(optima) != len(instances):
            raise InvalidInstanceError(f"optima: {len(optima)} values for {len(instances)} instances", field="optima")
    return instances, optima


def _solve(data: Instances, task: Task, threads: int) -> dict[str, Any]:
    instances, optima = data
    p = task.params
    chosen = range(len(instances))
    if "instance" in p:
        k = p["instance"]
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(instances):
            raise InvalidInstanceError(
                f"instance: expected a position in 0..{len(instances) - 1}, got {k!r}", field="instance"
            )
        chosen = range(k, k + 1)
    results = [
        tardiness.solve(
            instances[k], method=p["method"], seed=task.seed, workers=threads, **pick(p, OPTIONS)
        ).validate()
        for k in chosen
    ]
    objective = np.array([r.objective for r in results])
    out: dict[str, Any] = {
        "instances": len(results),
        "total_objective": float(objective.sum()),
        "mean_objective": float(objective.mean()),
        "proven_optimal": sum(r.optimal for r in results),
        # a heuristic proves no bound (gap None): no bound gap to average then
        "mean_bound_gap_pct": (
            None if any(r.gap is None for r in results) else float(100 * np.mean([r.gap for r in results]))
        ),
        "at_optimum": None,
        "mean_gap_to_optimum_pct": None,
    }
    if optima is not None:
        best = optima[list(chosen)]
        out["at_optimum"] = int(np.sum(np.isclose(objective, best, rtol=1e-9, atol=1e-9)))
        positive = best > 0
        # The papers' figure: the mean % gap over the instances with a positive optimum.
        if positive.any():
            out["mean_gap_to_optimum_pct"] = float(
                100 * np.mean((objective[positive] - best[positive]) / best[positive])
            )
    return out


def run(tasks: list[Task], threads: int) -> list[Outcome]:
    """One group, one file: read it once, solve with every method; CP-SAT gets ``threads``
    search workers."""
    return shared(tasks, lambda: read(tasks[0].params), lambda d, t: _solve(d, t, threads))


def group(params: Mapping[str, Any], seed: int) -> str:
    """Runs over the same file, read alike, share it."""
    return json.dumps(pick(params, READ), sort_keys=True)


AREA = Area(
    name="tardiness",
    summary="single-machine total tardiness (schedkit.tardiness.solve): method x instance file",
    params=PARAMS,
    required=("method", "file"),
    one_of=(),
    together=(),
    instance=(*READ, "instance"),
    files=("file", "optima"),
    headline=("mean_objective", "proven_optimal", "mean_gap_to_optimum_pct"),
    group=group,
    run=run,
)
