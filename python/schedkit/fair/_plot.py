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
    top: int = 12,
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
    top : int
        The bars show the ``top`` users with the most work (core-seconds, in the first run),
        the others grouped as one bar "others (n users)"; user names are shortened to 16
        characters.

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
    ['fraction of jobs', 'mean response time (s)']
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
    axes[0].set_ylabel("fraction of jobs")
    axes[0].legend(fontsize=8)
    axes[0].set_title("response times of all jobs")
    if users and len(axes) > 1:
        _user_bars(axes[1], runs, top)
    fig = axes[0].figure
    if path is not None:
        fig.savefig(path)
    return fig


def _short(name: str, width: int = 16) -> str:
    return name if len(name) <= width else name[: width - 3] + "..."


def _user_bars(ax: Any, runs: Mapping[str, Result], top: int) -> None:
    """Mean response time of the ``top`` users with the most work, and of all others as one
    group, per run, side by side."""
    labels = list(runs)
    first = per_user(runs[labels[0]].jobs)
    order = np.argsort(-first.column("work").to_numpy(), kind="stable")
    names = [first.column("user").to_pylist()[i] for i in order]
    shown, rest = names[:top], set(names[top:])
    groups = shown + ([f"others ({len(rest)} users)"] if rest else [])
    x = np.arange(len(groups))
    wdt = 0.8 / max(1, len(labels))
    for i, k in enumerate(labels):
        jobs = runs[k].jobs
        user = np.asarray(jobs.column("user").to_pylist(), dtype=object)
        rt = jobs.column("response_time").to_numpy()
        means = [float(rt[user == n].mean()) if (user == n).any() else 0.0 for n in shown]
        if rest:
            other = np.isin(user, list(rest))
            means.append(float(rt[other].mean()) if other.any() else 0.0)
        ax.bar(x + i * wdt, means, wdt, label=k)
    ticks = [_short(g) for g in shown] + groups[len(shown) :]
    ax.set_xticks(x + 0.4 - wdt / 2, ticks, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("mean response time (s)")
    ax.set_yscale("log")
    ax.set_title(
        f"per user: the {min(top, len(names))} users with the most work" + (", then the others" if rest else "")
    )
    ax.legend(fontsize=7, ncol=min(len(labels), 5))
