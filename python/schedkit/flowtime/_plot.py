"""Pictures of flow-time results: empirical CDFs of flow times or stretches.

Takes anything with ``label``, ``flow_times`` and ``stretch`` (a :class:`Result` does), so it
needs nothing else of the area and ``Result.plot`` can call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from schedkit._optional import new_axes, require


class _Curve(Protocol):
    """What a plotted result provides."""

    @property
    def label(self) -> str: ...

    @property
    def flow_times(self) -> np.ndarray: ...

    @property
    def stretch(self) -> np.ndarray: ...


def plot_ecdf(
    results: Sequence[_Curve],
    *,
    ax: Any = None,
    path: str | Path | None = None,
    stretch: bool = False,
    logx: bool = True,
) -> Any:
    """Empirical CDFs of the flow times (or stretches) of several results on one axes.

    Needs matplotlib (the ``schedkit[plot]`` extra).

    Parameters
    ----------
    results : sequence of Result
        One curve each, labelled with :attr:`Result.label`; unfinished jobs are left out.
    ax : matplotlib Axes, optional
        Where to draw. Default: a new figure (a standalone one when ``path`` is given, so no
        backend is touched; else a pyplot figure on the current backend).
    path : str or Path, optional
        Also saves the figure there (the format follows the extension).
    stretch : bool
        Plot the stretch F_j / p_j instead of the flow time F_j.
    logx : bool
        Logarithmic x axis.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax.figure`` when ``ax`` was given).

    Raises
    ------
    SolverUnavailableError
        matplotlib is not installed.

    Examples
    --------
    >>> import os
    >>> import schedkit as sk
    >>> jobs = sk.flowtime.generate(200, load=0.8, seed=0)
    >>> runs = [sk.flowtime.simulate(jobs, policy=p) for p in ("srpt", "rr")]
    >>> fig = sk.flowtime.plot_ecdf(runs, path=os.devnull)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['srpt', 'rr']
    """
    if ax is None:
        ax = new_axes(1, standalone=path is not None, width=6.0, height=4.0)[0]
    for r in results:
        x = np.sort(r.stretch if stretch else r.flow_times)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        y = np.arange(1, x.size + 1) / x.size
        ax.step(x, y, where="post", label=r.label)
    if logx:
        ticker = require("matplotlib.ticker")
        ax.set_xscale("log")
        # Labels on the powers of ten only: the default also labels minor ticks over a short
        # range, where they overlap.
        ax.xaxis.set_major_locator(ticker.LogLocator(base=10))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("stretch (flow time / size)" if stretch else "flow time (time units of the jobs)")
    ax.set_ylabel("fraction of jobs")
    jobs = getattr(results[0], "jobs", None) if results else None
    machines = getattr(results[0], "machines", None) if results else None
    if jobs is not None:
        where = f", {machines} machine{'s' if machines != 1 else ''}" if machines else ""
        what = "stretch" if stretch else "flow time"
        ax.set_title(f"{what} ECDF: {jobs.name or 'jobs'} ({jobs.n} jobs{where})", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend()
    if path is not None:
        ax.figure.savefig(path)
    return ax.figure
