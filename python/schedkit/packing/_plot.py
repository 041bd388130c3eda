"""Pictures of a placement (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from schedkit._optional import new_axes


def plot_utilisation(
    cpu: Any,
    mem: Any,
    node_names: Sequence[str],
    *,
    title: str = "",
    ax: Any = None,
    path: Any = None,
) -> Any:
    """Bar chart of the requested share of cpu and memory (``requested / allocatable``, shape
    (N,)) per node, ticked with ``node_names``; returns the figure. The public entry is
    :meth:`schedkit.packing.Plan.plot`, which documents ``ax`` and ``path``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> plot_utilisation([0.5, 0.75], [0.25, 0.25], ["a", "b"], ax=ax) is ax.figure
    True
    """
    cpu = np.asarray(cpu, dtype=np.float64)
    mem = np.asarray(mem, dtype=np.float64)
    if ax is None:
        (ax,) = new_axes(1, standalone=path is not None, width=max(4, 0.4 * len(node_names) + 2), height=3)
    x = np.arange(len(node_names))
    ax.bar(x - 0.2, cpu, 0.4, label="cpu")
    ax.bar(x + 0.2, mem, 0.4, label="memory")
    ax.set_xticks(x, list(node_names), rotation=90, fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("requested / allocatable")
    ax.set_title(title)
    ax.legend()
    if path is not None:
        ax.figure.savefig(path, bbox_inches="tight")
    return ax.figure
