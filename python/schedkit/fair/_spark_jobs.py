"""The Spark job structure of the overhead model (:class:`SparkOverheads` ``setup_tasks``,
``setup_task``): one benchmark job of the UWFQ authors is several Spark jobs.

Each of their Loop jobs calls ``spark.read().parquet(path)`` on a directory partitioned by
``PULocationID`` before its query runs (``jobs/Job.java``, ``defaultParquetSetup``). With
more leaf directories than ``spark.sql.sources.parallelPartitionDiscovery.threshold`` (32),
Spark lists them with a Spark job of its own; only then does the query's Spark job run.
The model puts a *setup* Spark job of ``setup_tasks`` tasks of ``setup_task`` seconds in
front of every job of a prepared workload.

Who sees which unit follows the schedulers' code:

* Spark's own orders (``fair``: FIFO by Spark job id in the ``default`` pool, or FAIR inside
  it with :class:`SparkOverheads` ``fair_default_pool`` as Spark >= 3.4 runs it; ``ujf``: FAIR
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
from schedkit.fair._overheads import SparkOverheads

#: Policies that order Spark jobs (Spark's own FIFO/FAIR), not the authors' job groups.
SPARK_JOB_POLICIES = frozenset({"fair", "ujf"})
#: The authors' plug-in schedulers (T-FIFO, CFQ, UWFQ), which pay ``plugin_service``.
PLUGIN_POLICIES = frozenset({"fifo", "cfq", "uwfq"})


def _check(b: Batch) -> None:
    if b.stage_parents is not None or b.stage_cpu is not None:
        raise InvalidInstanceError(
            "overheads.setup_tasks: the setup Spark job is modelled for workloads whose jobs are stage "
            "chains without DRF requests (the UWFQ scenarios); this workload has a stage DAG or requests",
            field="overheads.setup_tasks",
        )
    if b.job_tie is not None:
        # the structure re-lays the jobs as Spark jobs, whose ties are the model's own
        # (fair_name_ties); ranks given for the caller's jobs would not carry over
        raise InvalidInstanceError(
            "job_tie: a workload run with the Spark job structure takes its tie ranks from the model "
            "(overheads.fair_name_ties), not from the workload",
            field="job_tie",
        )


def _stage_bounds(b: Batch) -> np.ndarray:
    """Per job, its stage offsets [lo, hi) (one stage per job without ``job_stages``)."""
    if b.job_stages is not None:
        return np.asarray(b.job_stages, dtype=np.int64)
    return np.arange(b.n_jobs + 1, dtype=np.int64)


def _parts(b: Batch, spark_job_tasks: int | None) -> list[list[np.ndarray]]:
    """Per job, its Spark jobs' task durations: the job's one stage as one Spark job, or (a
    stage of ``spark_job_tasks`` x k tasks, as :func:`scenario_workload` builds the authors'
    Google job groups) k Spark jobs of ``spark_job_tasks`` tasks each."""
    bounds = _stage_bounds(b)
    offs = np.asarray(b.task_offsets, dtype=np.int64)
    d = np.asarray(b.durations, dtype=np.float64)
    out: list[list[np.ndarray]] = []
    for j in range(b.n_jobs):
        stages = [d[offs[s] : offs[s + 1]] for s in range(bounds[j], bounds[j + 1])]
        if len(stages) != 1:
            raise InvalidInstanceError(
                f"job {j}: the setup Spark job is modelled for one-stage jobs (the UWFQ scenarios without "
                f"reduce_share); this one has {len(stages)} stages",
                field="overheads.setup_tasks",
                index=j,
            )
        q = stages[0]
        if spark_job_tasks and len(q) % spark_job_tasks == 0:
            k = len(q) // spark_job_tasks
            out.append([q[i * spark_job_tasks : (i + 1) * spark_job_tasks] for i in range(k)])
        else:
            out.append([q])
    return out


#: The UWFQ authors' ``OraclePartitioner`` task counts per Loop class (about 0.5 s a task).
AUTHORS_TASKS = {"Loop1000": 222, "Loop100": 40, "Loop20": 16}


def authors_tasks(job_class: str, work: float) -> int:
    """Tasks of one Spark job's scan under the authors' ``OraclePartitioner``: the Loop
    classes' fixed counts, ``floor(4 + 1.832672 * work^1.012495)`` for their trace jobs
    (``work`` in seconds), never fewer than Spark's ``minPartitionNum`` (the default
    parallelism, 32): ``splitPartitionNum = max(minPartitionNum, taskAmount)``.

    Examples
    --------
    >>> from schedkit.fair._spark_jobs import authors_tasks
    >>> authors_tasks("Loop20", 1.5), authors_tasks("Loop100", 26.9), authors_tasks("job_7", 100.0)
    (32, 40, 198)
    """
    n = AUTHORS_TASKS.get(job_class)
    if n is None:
        n = int(np.floor(4 + 1.832672 * work**1.012495))
    return max(32, n)


#: The share of a scan's work in its largest task under Spark's own splits of the authors'
#: input (no partitioner). Spark packs the input's files, largest first, into splits of
#: ``(bytes + 4 MB open cost a file) / 32``; with about 260 ``PULocationID`` files of very
#: different sizes, a split of a few large files holds several times the data of one of many
#: small files. Chosen from the authors' individual runs, where a job alone took 0.85 s
#: (Loop20) and 2.21 s (Loop100): with the fitted work, a largest task of 9 % of the scan
#: gives the model 0.89 and 2.10 s (equal tasks: 0.32 and 0.75).
LARGEST_SPLIT = 0.09


def spark_split(q: np.ndarray) -> np.ndarray:
    """A scan's task durations as Spark splits the authors' input: the first (Spark lists
    the largest files first) holds ``max(LARGEST_SPLIT, 1/n)`` of the work, the rest an equal
    share each.

    Examples
    --------
    >>> import numpy as np
    >>> from schedkit.fair._spark_jobs import spark_split
    >>> spark_split(np.full(32, 1.0))[:3].round(4).tolist(), float(spark_split(np.full(32, 1.0)).sum())
    ([2.88, 0.9394, 0.9394], 32.0)
    >>> spark_split(np.array([1.0, 3.0])).tolist()  # too few tasks for a straggler: equal
    [2.0, 2.0]
    """
    n = len(q)
    if n == 0:
        return q
    total = float(q.sum())
    share = max(LARGEST_SPLIT, 1.0 / n)
    out = np.full(n, (1.0 - share) * total / (n - 1) if n > 1 else total)
    out[0] = share * total
    return out


#: Per-row ``sqrt`` iterations of the authors' Loop classes (``UdfContainer``).
LOOP_ITERATIONS = {"Loop20": 20, "Loop100": 100, "Loop500": 500, "Loop1000": 1000}


def udf_iterations(job_class: str, nominal: float) -> float:
    """Per-row UDF iterations of one Spark job of the authors' benchmark: a Loop class's
    fixed count, or (a trace job's ``LoopCustom``, ``nominal`` = its ``task_runtime_s``)
    their calibration ``3.216105 x nominal^1.221352``.

    Examples
    --------
    >>> from schedkit.fair._spark_jobs import udf_iterations
    >>> udf_iterations("Loop100", 26.9), round(udf_iterations("job_7", 110.0))
    (100, 1001)
    """
    n = LOOP_ITERATIONS.get(job_class)
    return n if n is not None else 3.216105 * nominal**1.221352


#: The exponent of the authors' measured loop-runtime law: their ``LoopCustom`` runs ``3.216105
#: x s^1.221352`` iterations a row to take ``s`` seconds (``UdfContainer.generateLoopCustom``),
#: so the loop's runtime grows as ``iterations^(1 / 1.221352)``, not linearly.
LOOP_RUNTIME_EXPONENT = 1 / 1.221352


def udf_cost(job_class: str, nominal: float) -> float:
    """The UDF's share of one Spark job's executed work, in units of ``iteration_work``:
    :func:`udf_iterations` raised to :data:`LOOP_RUNTIME_EXPONENT` (the authors' measured law;
    for a trace job's ``LoopCustom`` it is ``3.216105^(1/1.221352) x nominal``, proportional to
    the runtime they asked for).

    Examples
    --------
    >>> from schedkit.fair._spark_jobs import udf_cost
    >>> round(udf_cost("Loop20", 1.5), 4), round(udf_cost("Loop100", 26.9), 4), round(udf_cost("job_7", 10.0), 4)
    (11.6208, 43.404, 26.0246)
    """
    n = LOOP_ITERATIONS.get(job_class)
    if n is None:  # (3.216105 x s^1.221352)^(1/1.221352), without the inner power's overflow
        return 3.216105**LOOP_RUNTIME_EXPONENT * nominal
    return float(n) ** LOOP_RUNTIME_EXPONENT


#: The authors' oracle estimates of their Loop classes, core-seconds: the job runtimes their
#: ``OraclePerformanceEstimator`` is seeded with (``JobProfileContainer.setupOracle``, in
#: core-ms: Loop20 1523, Loop100 26926, Loop500 57115, Loop1000 111115), what their
#: schedulers were told of a Loop job. Not the executed work (see ``SparkOverheads``).
AUTHORS_ORACLE = {"Loop20": 1.523, "Loop100": 26.926, "Loop500": 57.115, "Loop1000": 111.115}
#: A trace job group's estimate is its ``job_runtime_s`` (its tasks' summed
#: ``task_runtime_s``) times this: the authors' ``LoopCustom`` sets the local property
#: ``job.runtime``, which their schedulers read, to ``job_runtime_s x accountForUnderestimation``.
AUTHORS_UNDERESTIMATION = 4.3


def authors_estimate(job_class: str, nominal: float) -> float:
    """What the authors' schedulers were told of one benchmark job, core-seconds: a Loop
    class's oracle constant (:data:`AUTHORS_ORACLE`), or for a trace job group of summed
    ``task_runtime_s`` ``nominal`` (its ``job_runtime_s``) ``4.3 x nominal``.

    Examples
    --------
    >>> from schedkit.fair._spark_jobs import authors_estimate
    >>> authors_estimate("Loop1000", 131.115), round(authors_estimate("job_7", 10.0), 6)
    (111.115, 43.0)
    """
    est = AUTHORS_ORACLE.get(job_class)
    return est if est is not None else AUTHORS_UNDERESTIMATION * nominal


def spark_structure(
    w: Workload,
    o: SparkOverheads,
    *,
    split: bool,
    partition: bool = False,
    spark_job_tasks: int | None = None,
) -> Workload:
    """``w`` as Spark runs it under the overhead model ``o``: each Spark job of a job
    preceded by a setup Spark job of ``o.setup_tasks`` tasks of ``o.setup_task`` seconds (none
    when 0). With ``o.spark_splits`` its scan's tasks are split as Spark splits the authors'
    input (:func:`spark_split`: equal but the largest, which holds :data:`LARGEST_SPLIT` of
    the scan) or, with ``partition``, into :func:`authors_tasks` equal tasks (the authors'
    partitioner, counted on the given work); without it they stay as given. With
    ``o.executed_work`` each Spark job's work becomes ``o.scan_work + o.iteration_work x``
    :func:`udf_cost` (its tasks keep their proportions). With ``o.result_task`` > 0 each query is
    followed by a one-task result Spark job of that length (the final aggregation ``take``
    runs once the scan's map stage, a Spark job of its own under adaptive execution, is
    done): a Spark job of its own, submitted when its query ends, under ``split``; the
    query's child stage otherwise. With ``o.schema_task`` > 0 each query is preceded (after
    its setup, if any) by a one-task schema Spark job of that length (``spark.read().parquet``
    infers the schema with a Spark job once the listing is done): under ``split`` a Spark job of
    its own, submitted when the setup ends, the query following it; otherwise a stage between
    the setup and the query. With ``o.authors_estimates`` and not ``split``, each job
    carries the estimate the authors' schedulers were told (:func:`authors_estimate`, on
    its given work before any change) as its ``job_estimate``; under ``split`` (Spark's own
    orders, which read no estimate) none.

    A one-stage job is one Spark job or, with ``spark_job_tasks``, when its stage has k x
    ``spark_job_tasks`` tasks, k Spark jobs submitted together (the authors' Google job
    groups: each trace task is a Spark job; all are submitted at the group's first time).
    ``split=False``: one engine job per job, its stages the k setups, then each Spark job's
    query after its own setup. ``split=True``: one engine job per Spark job and setup, all
    carrying the job's id; each query a closed-loop successor (no think time) of its setup;
    a closed-loop job's first engine job follows its predecessor's last query.

    Raises
    ------
    InvalidInstanceError
        A job of several stages, a stage DAG or DRF requests in ``w``, or a closed-loop job
        of several Spark jobs.

    Examples
    --------
    >>> import schedkit as sk
    >>> from schedkit.fair._spark_jobs import spark_structure
    >>> w = sk.fair.scenario_workload("4_large_users", default_tasks=2, skew=0)
    >>> o = sk.fair.SparkOverheads(setup_tasks=3, setup_task=0.1)
    >>> s = spark_structure(w, o, split=False)
    >>> s.batch.n_jobs, len(s.batch.task_offsets) - 1, s.batch.task_offsets[:4].tolist()
    (16, 32, [0, 3, 5, 8])
    >>> s = spark_structure(w, o, split=True)
    >>> s.batch.n_jobs, s.batch.after[:4].tolist(), s.batch.job_id[:4].tolist()
    (32, [-1, 0, 1, 2], [0, 0, 1, 1])
    >>> s = spark_structure(w, sk.fair.SparkOverheads(spark_splits=True), split=False, partition=True)
    >>> s.batch.task_offsets[:3].tolist()  # Loop1000: 222 equal tasks
    [0, 222, 444]
    """
    b = w.batch
    _check(b)
    parts = _parts(b, spark_job_tasks)
    setup_tasks, result_task = o.setup_tasks, o.result_task
    setup = np.full(setup_tasks, o.setup_task)
    result = np.full(1, result_task)
    schema_task = o.schema_task
    schema = np.full(1, schema_task)
    work = (o.scan_work, o.iteration_work) if o.executed_work else None
    durs: list[np.ndarray] = []
    task_offsets = [0]
    job_stages = [0]
    stage_parents = [0]
    parents: list[int] = []

    def stage(d: np.ndarray, parent: int | None = None) -> None:
        durs.append(d)
        task_offsets.append(task_offsets[-1] + len(d))
        if parent is not None:
            parents.append(parent)
        stage_parents.append(len(parents))

    rows: list[tuple[int, int, float]] = []  # split: (job, after as engine row or -1, think)
    pred = np.asarray(b.after, dtype=np.int64)
    think = np.asarray(b.think, dtype=np.float64)
    last_query: dict[int, int] = {}
    told: list[float] = []  # authors_estimates: per job, what their schedulers were told
    for j, ps in enumerate(parts):
        cls = w.class_names[int(b.job_class[j])]
        nominal = [float(q.sum()) for q in ps]
        told.append(authors_estimate(cls, float(sum(nominal))))
        if work is not None:  # the executed work: scan cost plus the UDF's loop
            done = [work[0] + work[1] * udf_cost(cls, s) for s in nominal]
            if not all(np.isfinite(done)):
                raise InvalidInstanceError(
                    f"overheads.scan_work, overheads.iteration_work: the executed work of job {j} "
                    f"({work[0]:g} + {work[1]:g} x its iterations^{LOOP_RUNTIME_EXPONENT:.4g}) is not finite",
                    field="overheads.iteration_work",
                )
            ps = [q * (d / s) if s > 0 else np.full(len(q), d / len(q)) for q, s, d in zip(ps, nominal, done)]
        if o.spark_splits and partition:  # the authors' partitioner
            ps = [np.full(n, q.sum() / n) for q, s in zip(ps, nominal) for n in [authors_tasks(cls, s)]]
        elif o.spark_splits:  # Spark's own splits: one straggler
            ps = [spark_split(q) for q in ps]
        if split:
            if pred[j] >= 0 and len(ps) > 1:
                raise InvalidInstanceError(
                    f"job {j}: a closed-loop job of several Spark jobs has no one predecessor to follow",
                    field="after",
                    index=j,
                )
            for q in ps:
                head, gap = (last_query[int(pred[j])] if pred[j] >= 0 else -1), float(think[j])
                if setup_tasks:
                    stage(setup)
                    job_stages.append(len(task_offsets) - 1)
                    rows.append((j, head, gap))
                    head, gap = len(rows) - 1, 0.0
                if schema_task:  # submitted when the setup ends, with a later Spark job id
                    stage(schema)
                    job_stages.append(len(task_offsets) - 1)
                    rows.append((j, head, gap))
                    head, gap = len(rows) - 1, 0.0
                stage(q)
                job_stages.append(len(task_offsets) - 1)
                rows.append((j, head, gap))
                if result_task:  # submitted when its query ends, with a later Spark job id
                    stage(result)
                    job_stages.append(len(task_offsets) - 1)
                    rows.append((j, len(rows) - 1, 0.0))
                last_query[j] = len(rows) - 1
        else:
            if setup_tasks:
                for _ in ps:
                    stage(setup)
            lead = len(ps) if setup_tasks else 0  # stages before the schemas
            if schema_task:  # each schema after its own setup
                for i in range(len(ps)):
                    stage(schema, parent=i if setup_tasks else None)
            before = lead + (len(ps) if schema_task else 0)  # stages before the queries
            for i, q in enumerate(ps):
                # each query after its own schema, else its own setup (parents by index within the job)
                stage(q, parent=(lead + i if schema_task else i) if (setup_tasks or schema_task) else None)
            if result_task:  # each result after its own query
                for i in range(len(ps)):
                    stage(result, parent=before + i)
            job_stages.append(len(task_offsets) - 1)
    common: dict[str, Any] = dict(
        task_offsets=np.asarray(task_offsets, dtype=np.int64),
        durations=np.concatenate(durs),
        job_stages=np.asarray(job_stages, dtype=np.int64),
        stage_id=None,
        stage_parents=None if split else np.asarray(stage_parents, dtype=np.int64),
        parents=None if split else np.asarray(parents, dtype=np.int64),
    )
    if not split:
        if o.authors_estimates:
            common["job_estimate"] = np.asarray(told, dtype=np.float64)
        return replace(w, batch=replace(b, **common))
    src = np.asarray([r[0] for r in rows])
    return replace(
        w,
        batch=Batch(
            job_id=np.asarray(b.job_id)[src],
            user=np.asarray(b.user)[src],
            submit=np.asarray(b.submit)[src],
            after=np.asarray([r[1] for r in rows], dtype=np.int64),
            think=np.asarray([r[2] for r in rows], dtype=np.float64),
            job_class=np.asarray(b.job_class)[src],
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
    ([3.0], [1.5])
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
