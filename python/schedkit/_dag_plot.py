"""Gantt charts of DAG schedules (matplotlib, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from schedkit.exceptions import SolverUnavailableError

if TYPE_CHECKING:
    from schedkit._dag_model import Schedule

#: Largest task count for which bars carry task names by default.
LABEL_LIMIT = 60


def import_matplotlib() -> Any:
    """The matplotlib package, or SolverUnavailableError naming the ``plot`` extra."""
    try:
        import matplotlib
    except ImportError:
        raise SolverUnavailableError("plotting needs matplotlib: pip install 'schedkit[plot]'") from None
    return matplotlib


def new_axes(rows: int = 1, *, standalone: bool, width: float = 10.0, height: float | None = None) -> Any:
    """``rows`` stacked Axes: on a standalone Figure (no pyplot state) or a pyplot figure."""
    import_matplotlib()
    size = (width, height if height is not None else 2.5 * rows)
    if standalone:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, layout="constrained")
        axes = fig.subplots(rows, 1, squeeze=False)
    else:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(rows, 1, squeeze=False, figsize=size, layout="constrained")
    return [row[0] for row in axes]


def gantt(
    schedule: Schedule,
    *,
    ax: Any = None,
    path: str | Path | None = None,
    title: str | None = None,
    labels: bool | None = None,
    color_by: np.ndarray | None = None,
) -> Any:
    """Draws ``schedule`` as one row of bars per processor; returns the Axes."""
    matplotlib = import_matplotlib()
    if ax is None:
        ax = new_axes(1, standalone=path is not None, height=max(2.0, 0.5 * schedule.platform.num_processors + 1.2))[0]
    g, p = schedule.graph, schedule.platform
    n, q = g.num_tasks, p.num_processors
    if labels is None:
        labels = n <= LABEL_LIMIT
    groups = np.arange(n) if color_by is None else np.asarray(color_by)
    cmap = matplotlib.colormaps["tab20"]
    widths = schedule.finish - schedule.start
    colors = [cmap(int(k) % 20) for k in groups]
    ax.barh(
        schedule.processor,
        widths,
        left=schedule.start,
        height=0.7,
        color=colors,
        edgecolor="black",
        linewidth=0.4,
    )
    if labels:
        # Only where the name fits: about 140 characters of fontsize 7 span a 10-inch axis.
        span = max(schedule.makespan, 1e-12)
        chars = 140.0 * ax.get_position().width * ax.figure.get_figwidth() / 10.0 / 0.8
        for i in range(n):
            text = g.label(i)
            if widths[i] > 0 and widths[i] / span * chars >= len(text) + 1:
                ax.text(
                    schedule.start[i] + widths[i] / 2,
                    schedule.processor[i],
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    clip_on=True,
                )
    ax.set_yticks(range(q), [p.label(k) for k in range(q)])
    ax.set_ylim(q - 0.5, -0.5)
    ax.set_xlim(0, max(schedule.makespan, 1e-12) * 1.01)
    ax.set_xlabel("time")
    ax.set_title(title if title is not None else f"{schedule.algorithm}: makespan {schedule.makespan:g}")
    if path is not None:
        ax.figure.savefig(path, dpi=120)
    return ax
