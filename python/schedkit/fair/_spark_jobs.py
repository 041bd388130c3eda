"""The Spark job structure of the overhead model (:class:`SparkOverheads` ``setup_tasks``,
``setup_task``): one benchmark job of the UWFQ authors is several Spark jobs.

Each of their Loop jobs calls ``spark.read().parquet(path)`` on a directory partitioned by
``PULocationID`` before its query runs (``jobs/Job.java``, ``defaultParquetSetup``). With
more leaf directories than ``spark.sql.sources.parallelPartitionDiscovery.threshold`` (32),
Spark lists them with a Spark job of its own; only then does the query's Spark job run.
The model puts a *setup* Spark job of ``setup_tasks`` tasks of ``setup_task`` seconds in
front of every job of a prepared workload.

Who sees which unit follows the schedulers' code:

* Spark's own orders (``fair``: FIFO by Spark job id in the ``default`` pool; ``ujf``: FAIR
  over the users' pools and their stages) see Spark jobs. The setup and the query are two
  engine jobs, the query submitted when the setup ends (a closed-loop successor with no
  think time), so it gets a *later* Spark job id than every setup submitted before it.
* The authors' schedulers key on the job group (``TrueFifoScheduler``: priority = job group
  id; CFQ and UWFQ: ``JobRuntime.id`` = job group id), so under ``fifo``, ``cfq`` and
  ``uwfq`` the setup is the first stage of the one job, the query's stages after it.

The response time is the benchmark job's, as the authors measure it: from the first Spark
job's submission to the last one's end (:func:`merge_jobs` folds the two rows back into one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._model import Batch, Workload

#: Policies that order Spark jobs (Spark's own FIFO/FAIR), not the authors' job groups.
SPARK_JOB_POLICIES = frozenset({"fair", "ujf"})


def _check(b: Batch) -> None:
    if b.stage_parents is not None or b.stage_cpu is not None:
        raise InvalidInstanceError(
            "overheads.setup_tasks: the setup Spark job is modelled for workloads whose jobs are stage "
            "chains without DRF requests (the UWFQ scenarios); this workload has a stage DAG or requests",
            field="overheads.setup_tasks",
        )


def _stage_bounds(b: Batch) -> np.ndarray:
    """Per job, its stage offsets [lo, hi) (one stage per job without ``job_stages``)."""
    if b.job_stages is not None:
        return np.asarray(b.job_stages, dtype=np.int64)
    return np.arange(b.n_jobs + 1, dtype=np.int64)


def with_setup(w: Workload, setup_tasks: int, setup_task: float, *, split: bool) -> Workload:
    """``w`` with a setup Spark job of ``setup_tasks`` tasks of ``setup_task`` seconds in
    front of every job: its first stage (``split=False``), or a job of its own that the
    query's job follows with no think time (``split=True``; both carry the job's id).

    Examples
    --------
    >>> import schedkit as sk
    >>> from schedkit.fair._spark_jobs import with_setup
    >>> w = sk.fair.scenario_workload("4_large_users", default_tasks=2, skew=0)
    >>> s = with_setup(w, 3, 0.1, split=False)
    >>> s.batch.n_jobs, len(s.batch.task_offsets) - 1, s.batch.task_offsets[:4].tolist()
    (16, 32, [0, 3, 5, 8])
    >>> s = with_setup(w, 3, 0.1, split=True)
    >>> s.batch.n_jobs, s.batch.after[:4].tolist(), s.batch.job_id[:4].tolist()
    (32, [-1, 0, -1, 2], [0, 0, 1, 1])
    """
    b = w.batch
    _check(b)
    bounds = _stage_bounds(b)
    offs = np.asarray(b.task_offsets, dtype=np.int64)
    setup = np.full(setup_tasks, float(setup_task))
    durs: list[np.ndarray] = []
    task_offsets = [0]
    job_stages = [0]

    def stage(d: np.ndarray) -> None:
        durs.append(d)
        task_offsets.append(task_offsets[-1] + len(d))

    n = b.n_jobs
    for j in range(n):
        stage(setup)
        if split:
            job_stages.append(len(task_offsets) - 1)
        for s in range(bounds[j], bounds[j + 1]):
            stage(np.asarray(b.durations[offs[s] : offs[s + 1]], dtype=np.float64))
        job_stages.append(len(task_offsets) - 1)
    common: dict[str, Any] = dict(
        task_offsets=np.asarray(task_offsets, dtype=np.int64),
        durations=np.concatenate(durs),
        job_stages=np.asarray(job_stages, dtype=np.int64),
        stage_id=None,
        stage_parents=None,
        parents=None,
    )
    if not split:
        return replace(w, batch=replace(b, **common))
    two = np.repeat(np.arange(n), 2)
    after = np.full(2 * n, -1, dtype=np.int64)
    think = np.zeros(2 * n)
    after[1::2] = 2 * np.arange(n)  # the query's Spark job follows its setup
    pred = np.asarray(b.after, dtype=np.int64)
    has = pred >= 0
    after[0::2][has] = 2 * pred[has] + 1  # a closed-loop job follows its predecessor's query
    think[0::2] = b.think
    return replace(
        w,
        batch=Batch(
            job_id=np.asarray(b.job_id)[two],
            user=np.asarray(b.user)[two],
            submit=np.asarray(b.submit)[two],
            after=after,
            think=think,
            job_class=np.asarray(b.job_class)[two],
            **common,
        ),
    )


def merge_jobs(jobs: pa.Table) -> pa.Table:
    """Folds the rows of one job's Spark jobs (same ``job_id``, in submission order) into
    one: first submit and start, last finish, summed work, estimate, tasks and alone time.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from schedkit.fair._spark_jobs import merge_jobs
    >>> t = pa.table({"job_id": [7, 7], "user": ["a", "a"], "job_class": ["c", "c"],
    ...     "submit_time": [0.0, 1.0], "start_time": [0.5, 1.5], "finish_time": [1.0, 3.0],
    ...     "response_time": [1.0, 2.0], "work": [1.0, 2.0], "estimate": [1.0, 2.0],
    ...     "n_tasks": [1, 2], "alone_time": [0.5, 1.0], "slowdown": [2.0, 2.0]})
    >>> m = merge_jobs(t)
    >>> m.column("response_time").to_pylist(), m.column("alone_time").to_pylist()
    ([3.0, 1.5], [2.0])
    """
    ids = jobs.column("job_id").to_numpy()
    uniq, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # keep submission order
    pos = np.empty_like(order)
    pos[order] = np.arange(len(order))
    g = pos[inv]
    k = len(uniq)

    def agg(col: str, how: Any) -> np.ndarray:
        out = np.full(k, np.inf if how is np.minimum else (-np.inf if how is np.maximum else 0.0))
        how.at(out, g, jobs.column(col).to_numpy().astype(np.float64))
        return out

    submit = agg("submit_time", np.minimum)
    finish = agg("finish_time", np.maximum)
    alone = agg("alone_time", np.add)
    rt = finish - submit
    head = np.asarray(first)[order]
    return pa.table(
        {
            "job_id": ids[head],
            "user": jobs.column("user").take(pa.array(head)),
            "job_class": jobs.column("job_class").take(pa.array(head)),
            "submit_time": submit,
            "start_time": agg("start_time", np.minimum),
            "finish_time": finish,
            "response_time": rt,
            "work": agg("work", np.add),
            "estimate": agg("estimate", np.add),
            "n_tasks": agg("n_tasks", np.add).astype(np.int64),
            "alone_time": alone,
            "slowdown": np.where(alone > 0, rt / np.where(alone > 0, alone, 1.0), 1.0),
        }
    )
