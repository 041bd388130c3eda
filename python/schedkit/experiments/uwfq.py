"""The UWFQ paper's headline numbers (Kažemaks et al., arXiv:2510.15485: the authors'
committed result tables, mean of 3 Spark runs, response times in seconds) and the same figures
from our simulator, side by side. ``python -m schedkit.experiments.uwfq [seed]`` prints the markdown table."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from schedkit import fair
from schedkit._arrays import is_sequence, shown
from schedkit.exceptions import InvalidInstanceError

LABELS = ["fair", "ujf", "cfq", "uwfq"]
#: (scenario, metric) -> 8 values: Fair, UJF, CFQ, UWFQ, then the -P variants (None: not reported).
PAPER: dict[tuple[str, str], list[Any]] = {
    ("google_hetero", "mean RT"): [55.4, 19.0, 10.4, 11.6, 53.3, 18.7, 10.3, 11.6],
    ("google_hetero", "small-80% RT"): [40.0, 5.57, 2.81, 2.91, 38.0, 5.29, 2.31, 2.37],
    ("google_hetero", "DVR vs UJF"): [10.65, None, 0.44, 0.48, 11.5, None, 0.60, 0.60],
    ("google_homo", "mean RT"): [46.1, 54.1, 37.1, 41.4, 49.7, 50.4, 28.6, 31.2],
    ("google_homo", "small-80% RT"): [28.3, 27.4, 11.1, 12.3, 27.9, 23.0, 5.51, 6.05],
    ("2_power_2_small_users", "small users' RT (u3/u4)"): [
        "40.0/41.7",
        "3.81/6.46",
        "34.9/33.7",
        "3.17/5.83",
        "40.6/37.4",
        "3.63/6.57",
        "35.9/34.1",
        "2.56/4.65",
    ],
    ("2_power_2_small_users", "DVR vs UJF"): [3.25, None, 3.69, 0.23, 2.81, None, 3.31, 0.18],
    ("2_large_2_small_users", "Loop100 mean RT"): [4.66, 4.93, 4.00, 3.88, 4.30, 5.80, 2.70, 2.83],
    ("4_super_small_users", "mean RT"): [28.1, 29.1, 43.2, 25.5, 28.8, 28.6, 43.4, 25.6],
    ("4_large_users", "mean RT"): [None] * 8,
}


def _metric(name: str) -> Callable[[fair.Result, fair.Result], Any]:
    if name == "mean RT":
        return lambda r, ref: r.summary()["mean_response_time"]
    if name == "small-80% RT":
        return lambda r, ref: r.summary()["small80_mean_response_time"]
    if name == "DVR vs UJF":
        return lambda r, ref: None if r.policy == "ujf" else r.summary(ref)["dvr"]
    if name.startswith("small users"):

        def f(r: fair.Result, ref: fair.Result) -> str:
            u = r.summary()["user_mean_response_time"]
            return f"{u['user3_small']:.2f}/{u['user4_small']:.2f}"

        return f
    if name == "Loop100 mean RT":

        def g(r: fair.Result, ref: fair.Result) -> float:
            cls = np.asarray(r.jobs.column("job_class").to_pylist())
            return float(r.jobs.column("response_time").to_numpy()[cls == "Loop100"].mean())

        return g
    raise KeyError(name)


def compare(seed: int = 0, cores: int = 32) -> list[dict[str, Any]]:
    """The paper's headline figures next to ours, one row per (scenario, metric) of :data:`PAPER`.

    Parameters
    ----------
    seed : int
        Seed of the scenarios (arrival gaps, think times, task sizes).
    cores : int
        Cores simulated (the paper's cluster has 32).

    Returns
    -------
    list of dict
        ``scenario``, ``metric``, and per label (``fair``, ``ujf``, ``cfq``, ``uwfq``, then the
        ``-P`` variants) a pair (paper value, simulated value); None where the paper reports
        nothing or the metric does not apply (DVR of UJF against itself).

    Examples
    --------
    >>> from schedkit.experiments import uwfq
    >>> row = uwfq.compare()[0]
    >>> row["scenario"], row["metric"], row["uwfq"][0]
    ('google_hetero', 'mean RT', 11.6)
    """
    rows = []
    cache: dict[tuple[str, str, bool], fair.Result] = {}

    def run(sc: str, pol: str, part: bool) -> fair.Result:
        key = (sc, pol, part)
        if key not in cache:
            cache[key] = fair.run_scenario(sc, policy=pol, partition=part, cores=cores, seed=seed)
        return cache[key]

    for (sc, metric), paper in PAPER.items():
        f = _metric(metric)
        row: dict[str, Any] = {"scenario": sc, "metric": metric}
        for i, (part, pol) in enumerate([(p, q) for p in (False, True) for q in LABELS]):
            r = run(sc, pol, part)
            ref = run(sc, "ujf", part)
            row[pol + ("-P" if part else "")] = (paper[i], f(r, ref))
        rows.append(row)
    return rows


def _check_rows(rows: Any, labels: list[str]) -> list[Mapping[str, Any]]:
    """``rows`` as a list, or InvalidInstanceError naming the first row (and its column) that
    is not a row of :func:`compare` with these ``labels``."""
    if not is_sequence(rows) or isinstance(rows, Mapping):
        raise InvalidInstanceError(f"rows: expected compare()'s list of rows, got {type(rows).__name__}", field="rows")
    rows = list(rows)
    columns = ["scenario", "metric", *labels]
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidInstanceError(
                f"rows[{i}]: expected a mapping, got {type(row).__name__}", field="rows", index=i
            )
        missing = [c for c in columns if c not in row]
        unknown = [c for c in row if c not in columns]
        if missing or unknown:
            what = f"missing {missing[0]!r}" if missing else f"unknown column {unknown[0]!r}"
            raise InvalidInstanceError(f"rows[{i}]: {what}; a row has {', '.join(columns)}", field="rows", index=i)
        for label in labels:
            pair = row[label]
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidInstanceError(
                    f"rows[{i}][{label!r}]: expected a (paper, simulated) pair, got {shown(pair)}",
                    field="rows",
                    index=i,
                )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """:func:`compare`'s rows as a markdown table, each cell ``paper / **simulated**``.

    Parameters
    ----------
    rows : list of dict
        As :func:`compare` returns them.

    Returns
    -------
    str

    Raises
    ------
    InvalidInstanceError
        ``rows`` is not a list of such rows: a row that is not a mapping, lacks a column or
        has one :func:`compare` does not give, or a cell that is not a (paper, simulated)
        pair; the message names the row and column.

    Examples
    --------
    >>> from schedkit.experiments import uwfq
    >>> row = {"scenario": "s", "metric": "m"} | {k + p: (1.0, None) for k in uwfq.LABELS for p in ("", "-P")}
    >>> print(uwfq.markdown([row]).splitlines()[-1])
    | s | m | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** | 1.00 / **–** |
    """
    labels = [p + s for s in ("", "-P") for p in LABELS]
    checked = _check_rows(rows, labels)
    out = ["| scenario | metric | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]

    def cell(v: Any) -> str:
        if v is None:
            return "–"
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    for r in checked:
        cells = [f"{cell(r[lab][0])} / **{cell(r[lab][1])}**" for lab in labels]
        out.append(f"| {r['scenario']} | {r['metric']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print("cells: paper / **simulated** (Fair = Spark FAIR without pools = FIFO; -P = runtime partitioning)")
    print(markdown(compare(seed=int(sys.argv[1]) if len(sys.argv) > 1 else 0)))
