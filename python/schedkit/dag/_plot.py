"""Gantt charts of DAG schedules.

This module sits below :mod:`schedkit.dag._model` (``Schedule.plot`` calls :func:`gantt`), so it
never imports the model: it reads a schedule only through its attributes. matplotlib comes
through :mod:`schedkit._optional`, only when something is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from schedkit._optional import new_axes, require

if TYPE_CHECKING:  # for the annotation only: importing the model at run time would be circular
    from schedkit.dag._model import Schedule

__all__ = ["gantt", "LABEL_LIMIT"]

#: Largest task count for which bars carry task names by default.
LABEL_LIMIT = 60


def gantt(
    schedule: Schedule,
    *,
    ax: Any = None,
    path: str | Path | None = None,
    title: str | None = None,
    labels: bool | None = None,
    color_by: np.ndarray | None = None,
    unit: str | None = None,
    xmax: float | None = None,
) -> Any:
    """Draws ``schedule`` as one row of bars per processor; returns the Axes drawn on.

    Processors are named with their speed factor when the platform has speeds; the time axis
    says ``unit`` (e.g. ``"s"``), and runs to ``xmax`` when given (so stacked panels of several
    schedules share one scale), else to the makespan; the default title names the graph, the
    algorithm and the makespan.

    The public entry is :meth:`schedkit.dag.Schedule.plot`, which documents the options and
    returns the Axes' figure. ``schedule`` is read only through its attributes (``graph``,
    ``platform``, ``processor``, ``start``, ``finish``, ``makespan``, ``algorithm``); task names
    go on the bars by default up to :data:`LABEL_LIMIT` tasks.

    Examples
    --------
    >>> import schedkit as sk
    >>> from schedkit.dag._plot import gantt
    >>> from matplotlib.figure import Figure
    >>> g, plat = sk.dag.random_dag(8, processors=2, seed=0)
    >>> ax = Figure().subplots()
    >>> gantt(sk.dag.heft(g, plat), ax=ax) is ax, len(ax.patches)
    (True, 8)
    """
    matplotlib = require("matplotlib")
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
    speeds = getattr(p, "speed", None)
    names = [p.label(k) if speeds is None else f"{p.label(k)} (speed {speeds[k]:g})" for k in range(q)]
    ax.set_yticks(range(q), names)
    ax.set_ylim(q - 0.5, -0.5)
    ax.set_xlim(0, max(schedule.makespan if xmax is None else xmax, 1e-12) * 1.01)
    ax.set_xlabel(f"time ({unit})" if unit else "time (the unit of the costs)")
    ax.set_ylabel("processor")
    if title is None:
        instance = f"{g.name}: " if g.name else ""
        title = f"{instance}{schedule.algorithm.upper()}, makespan {schedule.makespan:.4g}{' ' + unit if unit else ''}"
    ax.set_title(title)
    if path is not None:
        ax.figure.savefig(path, dpi=120)
    return ax
