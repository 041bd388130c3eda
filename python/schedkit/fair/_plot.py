"""Pictures of replays: the response-time ECDF per run and each user's mean response time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from schedkit._optional import new_axes
from schedkit.fair._metrics import per_user

if TYPE_CHECKING:  # _model imports this module for Result.plot
    from schedkit.fair._model import Result


def plot(
    results: Mapping[str, Result] | Iterable[Result],
    *,
    ax: Any = None,
    path: str | Path | None = None,
    users: bool = True,
) -> Any:
    """Response-time ECDF per run and, with ``users``, per-user mean response-time bars.

    Parameters
    ----------
    results : mapping of label to Result, or iterable of Result
        The runs to draw; an iterable is labelled by :attr:`Result.label`.
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw: the first Axes gets the ECDF, a second one (if given) the per-user
        bars. Default: a new figure with one Axes per picture, stacked.
    path : str or pathlib.Path, optional
        Also write the figure there (any format matplotlib knows from the suffix). Without
        ``ax``, the figure is then drawn off-screen, without pyplot and without touching the
        user's matplotlib backend.
    users : bool
        Draw the per-user bars too (default True).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    SolverUnavailableError
        matplotlib is not installed (``pip install 'schedkit[plot]'``).

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> runs = [sk.fair.replay(t, policy=p, cores=1) for p in ("fifo", "sjf")]
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fig = sk.fair.plot(runs, path=pathlib.Path(d) / "ecdf.png")
    >>> [a.get_ylabel() for a in fig.axes]
    ['ECDF', 'mean response time per user (s)']
    """
    runs: Mapping[str, Result] = results if isinstance(results, Mapping) else {r.label: r for r in results}
    if ax is None:
        rows = 2 if users else 1
        axes = new_axes(rows, standalone=path is not None, width=10.0, height=4.5 * rows)
    else:
        axes = list(np.atleast_1d(ax))
    for label, r in runs.items():
        rt = np.sort(r.jobs.column("response_time").to_numpy())
        axes[0].step(rt, np.arange(1, len(rt) + 1) / len(rt), where="post", label=label)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("response time (s)")
    axes[0].set_ylabel("ECDF")
    axes[0].legend(fontsize=8)
    if users and len(axes) > 1:
        labels = list(runs)
        tabs = [per_user(runs[k].jobs) for k in labels]
        names = tabs[0].column("user").to_pylist()
        x = np.arange(len(names))
        wdt = 0.8 / max(1, len(labels))
        for i, (k, t) in enumerate(zip(labels, tabs)):
            m = dict(zip(t.column("user").to_pylist(), t.column("mean_response_time").to_pylist()))
            axes[1].bar(x + i * wdt, [m.get(n, 0) for n in names], wdt, label=k)
        axes[1].set_xticks(x + 0.4 - wdt / 2, [n[:10] for n in names], rotation=90, fontsize=6)
        axes[1].set_ylabel("mean response time per user (s)")
        axes[1].set_yscale("log")
    fig = axes[0].figure
    if path is not None:
        fig.savefig(path)
    return fig
