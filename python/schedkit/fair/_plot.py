"""Pictures of replays: the response-time ECDF per run and each user's mean response time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from schedkit._optional import new_axes
from schedkit.exceptions import ValidationError
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


#: Time bins of :func:`utilisation_figure`: each point is the mean over one bin, so the
#: figure has the same size for 800 tasks and for a million.
UTILISATION_BINS = 400


def busy_cores(tasks: Any, edges: np.ndarray) -> np.ndarray:
    """Mean busy cores (the sum of the running tasks' cpu) over each bin between ``edges``.

    The busy-cores curve is a step function of the recorded tasks' start and end times; its
    integral is piecewise linear between events, so the bin means are exact.

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"start": [0.0, 1.0], "end": [2.0, 2.0], "cpu": [1.0, 1.0]})
    >>> busy_cores(t, np.array([0.0, 1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 0.0]
    """
    start, end = tasks.column("start").to_numpy(), tasks.column("end").to_numpy()
    cpu = tasks.column("cpu").to_numpy()
    times = np.concatenate([start, end])
    order = np.argsort(times, kind="stable")
    times = times[order]
    level = np.cumsum(np.concatenate([cpu, -cpu])[order])  # busy cores after each event
    area = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))])
    covered = np.interp(edges, times, area, left=0.0, right=float(area[-1]) if len(area) else 0.0)
    return np.diff(covered) / np.diff(edges)


def utilisation_figure(results: Mapping[str, Result]) -> Any:
    """Busy cores over time, one panel per run on a shared time axis, from the runs' recorded
    tasks (``record_tasks=True``): each point is the mean over 1/400 of the time span, the
    dashed line the cluster's cores. Drawn off-screen (no pyplot).

    Raises
    ------
    ValidationError
        A run was made without ``record_tasks=True``.
    """
    tasks = {k: r.tasks for k, r in results.items() if r.tasks is not None}
    missing = [k for k in results if k not in tasks]
    if missing:
        raise ValidationError(f"utilisation needs record_tasks=True: {', '.join(missing)}")
    t0 = min(float(np.min(r.jobs.column("submit_time").to_numpy())) for r in results.values())
    t1 = max(float(np.max(t.column("end").to_numpy(), initial=t0)) for t in tasks.values())
    edges = np.linspace(t0, max(t1, t0 + 1e-9), UTILISATION_BINS + 1)
    mids = (edges[:-1] + edges[1:]) / 2 - t0
    axes = new_axes(len(results), standalone=True, width=10.0, height=0.3 + 1.1 * len(results))
    for ax, (label, r) in zip(axes, results.items(), strict=True):
        ax.fill_between(mids, busy_cores(tasks[label], edges), step="mid", linewidth=0)
        ax.axhline(r.cores, color="0.3", linestyle="--", linewidth=0.8)
        ax.set_ylim(0, r.cores * 1.1)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[:-1]:
        ax.sharex(axes[-1])
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("time since the first submission (s)")
    fig = axes[0].figure
    fig.suptitle("busy cores over time per run (dashed: the cluster's cores)")
    return fig
