"""Several policies on one trace as one table: :func:`compare`, what ``schedkit replay``
prints. Metrics are defined once, in :data:`METRICS`, for the table, the CLI help and the
README."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._metrics import summarize
from schedkit.fair._model import JOB_COLUMNS, POLICY_ONLY_SETTINGS, Result, RunSpec
from schedkit.fair._replay import replay_many, replay_to

#: The metric columns of :func:`compare`, each with its one-line definition.
METRICS: dict[str, str] = {
    "mean_response_time": "mean RT: mean over jobs of response time = finish - submit (s)",
    "median_response_time": "median RT: median response time (s)",
    "p95_response_time": "p95 RT: 95th percentile of response time (s)",
    "small80_mean_response_time": "small-80% RT: mean response time of the 80% of jobs with the smallest ones (s)",
    "mean_slowdown": "slowdown: mean of RT / the job's shortest possible time on the empty cluster (>= 1)",
    "jain_index": "Jain: Jain's index of the users' mean slowdowns, 1 = all equal, 1/users = one user has it all",
    "dvr": "DVR: mean relative RT increase over UJF of the jobs that UJF finishes sooner (0 = none)",
    "violations": "violations: number of jobs that finish later than under UJF (relative tolerance 1e-9)",
}

#: The columns that describe a run, before the metrics.
RUN_COLUMNS = ["label", "policy", "partition", "cluster", "cores", "jobs", "users", "tasks"]


def _specs(runs: Iterable[Mapping[str, Any] | RunSpec]) -> list[RunSpec]:
    out = []
    for i, run in enumerate(runs):
        if isinstance(run, RunSpec):
            out.append(run)
            continue
        try:
            out.append(RunSpec(**dict(run)))
        except TypeError as exc:
            raise InvalidInstanceError(f"runs[{i}]: {exc}", field="runs", index=i) from None
    if not out:
        raise InvalidInstanceError("runs: give at least one simulation", field="runs")
    return out


def compare_results(
    trace: pa.Table | str | Path,
    runs: Iterable[Mapping[str, Any] | RunSpec],
    out: str | Path | None = None,
    **read: Any,
) -> tuple[list[Result], pa.Table]:
    """:func:`compare`, also returning the runs' :class:`Result` values (in the order given,
    without the hidden references). With ``out``, the runs' jobs are streamed to that file
    as they finish (:func:`replay_to`), their Results hold no jobs, and each run's figures
    are computed from the file, one run at a time."""
    specs = _specs(runs)
    # DVR and violations are measured against UJF with the same partitioning and settings;
    # a UJF run the caller did not ask for is run alongside, hidden (slots model only: UJF
    # is a slots policy).
    refs: dict[bool, RunSpec] = {}
    for sp in specs:
        if sp.cluster == "slots" and sp.partition not in refs:
            given = next((x for x in specs if x.policy == "ujf" and x.partition == sp.partition), None)
            # without the settings UJF does not read (the caller's run may use them)
            unread = {name: None for name, users in POLICY_ONLY_SETTINGS if "ujf" not in users}
            refs[sp.partition] = given or RunSpec(**{**_fields(sp), **unread, "policy": "ujf", "record_tasks": False})
    hidden = [r for r in refs.values() if r not in specs]
    every = [*specs, *hidden]
    if out is None:
        results = replay_many(trace, every, **read)
    else:
        results = replay_to(out, trace, every, _written=lambda i: i < len(specs), **read)

    def jobs(i: int) -> pa.Table:
        return results[i].jobs if out is None or i >= len(specs) else run_jobs(out, i)

    rows = []
    for i, (sp, r) in enumerate(zip(specs, results)):
        ref = None
        if sp.partition in refs and sp.cluster == "slots":
            k = next(j for j, x in enumerate(every) if x is refs[sp.partition])
            ref = jobs(k)
        s = summarize(jobs(i), ref)
        rows.append(
            {
                "label": r.label,
                "policy": r.policy,
                "partition": r.partition,
                "cluster": r.cluster,
                "cores": r.cores,
                "jobs": int(s["jobs"]),
                "users": len(s["user_mean_response_time"]),
                "tasks": s["tasks"],
                **{k: s.get(k) for k in METRICS},
            }
        )
    schema = pa.schema(
        [
            ("label", pa.string()),
            ("policy", pa.string()),
            ("partition", pa.bool_()),
            ("cluster", pa.string()),
            ("cores", pa.int64()),
            ("jobs", pa.int64()),
            ("users", pa.int64()),
            ("tasks", pa.int64()),
            *[(k, pa.int64() if k == "violations" else pa.float64()) for k in METRICS],
        ]
    )
    return results[: len(specs)], pa.Table.from_pylist(rows, schema=schema)


def run_jobs(path: str | Path, run: int) -> pa.Table:
    """Run ``run``'s jobs (its index in the runs given) from a :func:`replay_to` file, as the
    columns of :data:`JOB_COLUMNS`, in submission order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = pathlib.Path(d) / "jobs.csv"
    ...     _ = sk.fair.replay_to(out, t, [{"policy": "fifo", "cores": 1}, {"policy": "sjf", "cores": 1}])
    ...     sk.fair.run_jobs(out, 1).column("finish_time").to_pylist()
    [2.0, 3.0]
    """
    path = Path(path)
    if path.suffix == ".csv":
        # CSV has no types: the ones replay_to wrote (a float 2.0 reads back as "2")
        types = {c: pa.float64() for c in JOB_COLUMNS}
        types.update(job_id=pa.int64(), n_tasks=pa.int64(), user=pa.string(), job_class=pa.string())
        t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        t = t.filter(pc.equal(t.column("run"), run))
    else:
        t = pq.read_table(path, filters=[("run", "=", run)])
    # in submission order (a trace's jobs are pushed by submit time, then job id), as a
    # Result's jobs are: the figures then add up in the same order
    t = t.drop_columns(["run", "policy", "partition"])
    return t.sort_by([("submit_time", "ascending"), ("job_id", "ascending")])


def _fields(sp: RunSpec) -> dict[str, Any]:
    return {f: getattr(sp, f) for f in sp.__dataclass_fields__ if f != "cluster"}


def compare(trace: pa.Table | str | Path, runs: Iterable[Mapping[str, Any] | RunSpec], **read: Any) -> pa.Table:
    """Replays a trace under several settings in one pass and tabulates them.

    Parameters
    ----------
    trace : pyarrow.Table or path
        As for :func:`replay_many`.
    runs : iterable of RunSpec or mapping
        The runs to compare, all on one cluster model (:data:`CLUSTERS`).
    **read
        ``out=path`` streams the runs' jobs to a file as they finish (see
        :func:`compare_results`); the rest goes to :func:`replay_many` (``format``,
        ``errors``, ``progress``, ...).

    Returns
    -------
    pyarrow.Table
        One row per run, in the order given: :data:`RUN_COLUMNS` then the :data:`METRICS`
        columns. DVR and violations compare with a UJF run of the same settings, run
        alongside when not among ``runs`` and not reported as a row; they are null on the
        resources model, which UJF does not run on.

    Raises
    ------
    InvalidInstanceError
        As :func:`replay_many`.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1, 2], ["b", "b", "a"], [0.0, 0.0, 0.0], [4.0, 4.0, 1.0])
    >>> tab = sk.fair.compare(t, [{"policy": "fifo", "cores": 1}, {"policy": "uwfq", "cores": 1}])
    >>> tab.column("label").to_pylist(), tab.column("violations").to_pylist()
    (['fifo', 'uwfq'], [1, 0])
    """
    return compare_results(trace, runs, **read)[1]
