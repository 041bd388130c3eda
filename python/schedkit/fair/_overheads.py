"""Spark's overheads around the scheduler, as an optional model of the fair simulator
(:class:`SparkOverheads`), and the values calibrated on the UWFQ authors' measured runs
(``schedkit/data/spark_overheads.json``, written by ``python -m
schedkit.experiments.calibrate_spark``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from schedkit import _core, data
from schedkit.exceptions import InvalidInstanceError

#: Most tasks of the setup Spark job (Spark lists at most 10,000 paths in parallel:
#: ``spark.sql.sources.parallelPartitionDiscovery.parallelism``).
MAX_SETUP_TASKS = 10_000

#: The bundled calibration (relative to ``schedkit/data``).
CALIBRATED_FILE = "spark_overheads.json"

_TIMES = (
    "job_service",
    "stage_service",
    "task_launch",
    "round_delay",
    "task_dispatch",
    "setup_task",
    "scan_work",
    "iteration_work",
    "plugin_service",
    "result_task",
    "stage_lock",
    "schema_task",
)
_COUNTS = ("executors", "executor_cores", "setup_tasks")
#: The model's on/off terms.
SWITCHES = (
    "cfq_job_estimate",
    "spark_splits",
    "authors_estimates",
    "plugin_lock",
    "fair_default_pool",
    "fair_name_ties",
)


@dataclass(frozen=True)
class SparkOverheads:
    """What a Spark cluster spends around its scheduler, for :func:`schedkit.fair.replay`
    and :func:`schedkit.fair.run_scenario` (``overheads=``). Off by default; with every
    time at zero a run is exactly the plain simulation.

    Term by term (all times in seconds):

    ``job_service``
        The driver is one serial FIFO server (Spark's single-threaded DAG scheduler loop).
        A submitted job waits for it, then takes ``job_service + stage_service x (stages
        without parents)`` of it; only then does the scheduler see the job (its virtual
        time, its estimate) and its first stages. The response time still counts from the
        submission, so a burst of small jobs queues on the driver.
    ``stage_service``
        A later stage, whose parents finished at ``t``, is submitted by the same driver:
        ``stage_service`` after ``max(t, driver free)``.
    ``task_launch``
        Every task holds its core this much longer than its work (task serialisation,
        shipping, deserialisation and result reporting). Counted as **busy** time: a task's
        record spans ``work + task_launch``, and :meth:`Result.validate` accounts for it.
    ``round_delay``
        Each dispatch round (after a task completion, a job or a stage becoming
        schedulable) takes this long, and rounds are serial: a round triggered at ``t``
        starts at ``max(t, end of the previous round)``, and the tasks it launches start at
        its end. The cores it hands out are **idle** but reserved until then, so the
        dispatcher bounds the launch rate of short tasks.
    ``setup_tasks``, ``setup_task``
        A Spark job structure (:mod:`schedkit.fair._spark_jobs`): in a prepared workload
        (:func:`schedkit.fair.simulate`, :func:`schedkit.fair.run_scenario`), every job is
        preceded by a setup Spark job of ``setup_tasks`` tasks of ``setup_task`` seconds of
        work each (the parallel file listing that ``spark.read().parquet`` runs on the
        authors' partitioned input). Spark's own orders (``fair``, ``ujf``) see it as a
        Spark job of its own, the query's Spark job following it with a later id; the
        authors' schedulers (``fifo`` = their T-FIFO, ``cfq``, ``uwfq``) key on the job
        group and see it as the job's first stage. Response times span both. The authors'
        Google job groups run as their Spark jobs (one per trace task, ``default_tasks``
        tasks each), all submitted at the group's time: separate jobs for Spark's orders,
        parallel stages of the group's job for the others. Off with ``setup_tasks = 0``
        (and ``spark_splits`` False); a streamed trace replay rejects it.
    ``spark_splits``
        In a prepared workload, each Spark job's scan is split as Spark splits the authors'
        input: without the partitioner into its given task count (Spark packs the input files
        into about ``defaultParallelism`` splits), equal but for the first, which holds 9 %
        of the scan's work (``_spark_jobs.LARGEST_SPLIT``: Spark's packing of about 260
        ``PULocationID`` files of very different sizes leaves a straggler split; 9 % makes
        the model's alone times 0.89 s for Loop20 and 2.10 s for Loop100, where the authors'
        individual runs took 0.85 and 2.21 s and equal splits give 0.32 and 0.75 s); with
        ``partition=True`` into the count of the authors' ``OraclePartitioner`` (Loop1000 222
        tasks, Loop100 40, Loop20 16, trace jobs ``floor(4 + 1.832672 s^1.012495)``, never
        under Spark's 32) of equal tasks; the setup job unsplit, instead of the simulator's
        ``ceil(W / tau)`` rule over every stage. Turns the Spark job structure on (above)
        even without a setup job.
    ``result_task``
        The Spark job after each query: the authors' Loop query ends in a global aggregation
        collected with ``take``; under adaptive execution (on in their runs) the scan's
        shuffle map stage runs as a Spark job of its own and the final aggregation as
        another, one task. In a prepared workload every Spark job's scan is followed by such
        a one-task job of ``result_task`` seconds: for Spark's own orders a Spark job
        submitted when the scan ends, so under Spark's FIFO it gets a later id than every
        scan already submitted (a burst's results wait for the burst's scans); for the
        authors' schedulers the job group's last stage. Off with 0.
    ``schema_task``
        The Spark job between the listing (setup) job and the query: ``spark.read().parquet``
        infers the schema after listing (``ParquetUtils.inferSchema`` ->
        ``SchemaMergeUtils.mergeSchemasInParallel``, "a distributed Spark job"; without
        ``mergeSchema`` it reads one footer: one task). In a prepared workload each query is
        preceded by a one-task job of ``schema_task`` seconds (after the setup job when there
        is one): for Spark's own orders a Spark job submitted when the setup ends
        (under Spark's FIFO it gets a later id than every job submitted meanwhile, one more
        hop through the queue), for the authors' schedulers a stage of the job group between
        its setup and its query (the group's key). Off with 0.
    ``scan_work``, ``iteration_work``
        The work the executors did, when it is not the estimate the workload carries. Every
        Spark job of the authors' benchmark scans the whole input and runs a UDF of N
        ``sqrt`` iterations per row (``UdfContainer``: Loop20, Loop100, Loop500, Loop1000 run
        20, 100, 500, 1000; a trace job's ``LoopCustom`` runs ``3.216105 x s^1.221352`` for
        its ``task_runtime_s`` s), so its executed work is a fixed scan cost plus the loop's:
        ``scan_work + iteration_work x N^(1/1.221352)`` core-seconds, spread over its scan's
        tasks in their given proportions. The exponent is the authors' own measured law (they
        pick ``3.216105 x s^1.221352`` iterations to make a loop of ``s`` seconds, so the
        loop's time grows as ``N^0.8188``), which makes a trace job's loop term proportional
        to its ``s``; a straight line in N cannot hold the authors' three Loop classes at once
        (the 120-job Loop20 burst ended in 43.3 s on 32 cores, at most 11.5 core-s a job, while
        Loop100 and Loop1000 need about 23 and 110). The authors' oracle constants (Loop20 1.523 s,
        Loop100 26.926 s, ...) are their estimator's inputs and do not follow this line (a
        Loop20 job cannot do 1/17 of a Loop100 job's work when both read the same input).
        The schedulers' estimate is then the executed work (the engine's oracle), not the
        authors' constants. In a prepared workload only; off when both are 0 (the
        workload's work as given); turns the Spark job structure on.
    ``plugin_service``
        Driver time the authors' plug-in schedulers (``fifo`` = their T-FIFO, ``cfq``,
        ``uwfq``; Spark's ``SchedulingMode.CUSTOM`` in their fork) add to every stage
        submission: registering a stage runs their algorithm's bookkeeping and their
        estimator's lookup inside the scheduler's submission, on the same serial driver. In
        a prepared workload under those policies it is added to ``stage_service`` (every
        stage, first stages included); Spark's own orders (``fair``, ``ujf``) do not pay it.
        Off with 0.
    ``stage_lock``
        Of each stage's ``stage_service``, the seconds (at its end) the driver spends holding
        Spark's task-scheduler lock: ``TaskSchedulerImpl.submitTasks`` registers the stage's
        task set (``createTaskSetManager``, the pool builder's ``addTaskSetManager``) inside
        ``synchronized``, and every offer round (``CoarseGrainedSchedulerBackend.makeOffers``,
        through ``withLock``, then ``resourceOffers``) takes the same monitor. While it is held
        no dispatch round runs, so cores freed meanwhile stay **idle**; the round that follows
        sees the newly registered stage. A round that took the lock first runs to its end as
        planned (rounds last milliseconds). At most ``stage_service``; off with 0.
    ``plugin_lock``
        The authors' plug-in schedulers' ``plugin_service`` is spent holding that lock too:
        their fork calls the plug-in's ``addTaskSetManager`` (the algorithm's bookkeeping and
        the estimator's lookup) inside the same ``synchronized`` block of ``submitTasks``, so
        under ``fifo``, ``cfq`` and ``uwfq`` each stage's lock spell is ``stage_lock +
        plugin_service``. Default False (the plug-in's time on the driver only).
    ``cfq_job_estimate``
        An ordering rule for ``policy="cfq"`` only: every stage's virtual deadline is
        ``v(its submission) + the whole job's estimate`` instead of its share. With equal
        jobs this is what the authors' CFQ does when its asynchronous estimator has not yet
        registered a stage (``ClusterFairScheduler.setPriority`` then treats the stage as a
        one-stage job of the same default runtime): a burst's later stages queue behind
        every first stage submitted before them. Default False (the plain CFQ rule).
    ``task_dispatch``
        After a round's ``round_delay`` the dispatcher launches its tasks one after another
        in the policy's order, ``task_dispatch`` each (Spark's driver serialises and sends
        every task from one scheduler thread); a task starts when its launch is done and the
        next round waits for the last. Its core is reserved, idle, until then. With a serial
        dispatcher the policy's order matters even while cores are free.
    ``authors_estimates``
        In a prepared workload, the schedulers that read an estimate (``cfq``, ``uwfq``, and
        runtime partitioning) are told each job's estimate as the authors' benchmark told
        theirs, not the executed work: a Loop class's oracle constant (their ``OraclePerformanceEstimator``,
        ``JobProfileContainer.setupOracle``: Loop20 1.523, Loop100 26.926, Loop500 57.115,
        Loop1000 111.115 core-s) and a trace job group's ``4.3 x job_runtime_s`` (their
        ``LoopCustom`` sets the local property ``job.runtime`` to it,
        ``accountForUnderestimation``; ``job_runtime_s`` is the group's summed
        ``task_runtime_s``). The engine reads it through the workload's per-job estimate
        (a trace's ``estimate`` column). Spark's own orders (``fair``, ``ujf``), T-FIFO and
        the oracle ``sjf`` read none.
    ``fair_default_pool``
        How ``policy="fair"`` (Spark's ``spark.scheduler.mode=FAIR``, the authors'
        ``DEFAULT_FAIR``) orders the ``default`` pool's stages when no allocation file is
        given. Before Spark 3.4 that pool was FIFO inside (by Spark job id, then stage id);
        since SPARK-42157 (apache/spark#39703, in Spark 3.4 and the 3.5.5 the authors forked)
        ``FairSchedulableBuilder.buildPools`` creates it with ``spark.scheduler.mode``, i.e.
        FAIR inside: its stages by running tasks, fewest first (Spark's
        ``FairSchedulingAlgorithm`` with minShare 0 and weight 1); the model breaks ties in
        submission order, Spark by the task set's name (``TaskSet_<stage id>.<attempt>``
        compared as strings, so stage 100 sorts before stage 32). True runs ``fair`` with the ``default``
        pool FAIR inside (as ``pool_config={"default": {"schedulingMode": "FAIR"}}``);
        only with neither ``pools`` nor ``pool_config`` given (a run naming pools says how
        its pools schedule, and a ``pool`` column of a trace names pools that the
        configuration then lacks, which the core reports). Other policies ignore it.
        Default False (the pre-3.4 FIFO default pool).
    ``fair_name_ties``
        With ``fair_default_pool``, in a prepared workload: the ``default`` pool's ties broken
        as Spark breaks them, by the task set's name ``TaskSet_<stage id>.<attempt>`` compared
        as a string (stage 100 before stage 32), the stage ids counted as Spark counts them
        (four a Loop query: listing, schema, map, result; from the authors' warm-up's 32)
        where the engine alone breaks them in submission order. Under ``ujf`` the same ties
        inside each user's FAIR pool (the authors' ``UserFairScheduler``; -P alike), through
        the engine's per-job tie rank. The run is repeated until
        the ids its submissions give are those it ran with (:mod:`schedkit.fair._name_ties`;
        an error if they do not settle). Turns the Spark job structure on; a streamed trace
        replay drops it. Default False.
    ``executors``, ``executor_cores``
        The slot structure: ``executors x executor_cores`` must equal the run's ``cores``
        (the authors ran 8 executors x 4 cores). Slots are handed out without data
        locality, so only the product shapes dispatch.

    Parameters
    ----------
    job_service, stage_service, task_launch, round_delay, task_dispatch, setup_task : float
    scan_work, iteration_work, plugin_service, result_task, stage_lock : float
        Finite and >= 0 (default 0); ``setup_task`` > 0 when ``setup_tasks`` > 0;
        ``stage_lock`` <= ``stage_service``.
    setup_tasks : int
        >= 0 (default 0).
    cfq_job_estimate, spark_splits, authors_estimates, plugin_lock, fair_default_pool : bool
    fair_name_ties : bool
        Default False; ``fair_name_ties`` needs ``fair_default_pool``.
    executors, executor_cores : int
        >= 1 (default 8 and 4).
    name : str
        What the model is called in headers (``"calibrated"`` for the bundled fit).

    Raises
    ------
    InvalidInstanceError
        A value of the wrong type, negative, NaN or infinite; ``field`` names it
        (``"overheads.task_launch"``).

    Examples
    --------
    >>> import schedkit as sk
    >>> o = sk.fair.SparkOverheads(job_service=1.0)
    >>> t = sk.trace.from_jobs([0, 1, 2], ["a", "b", "c"], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5])
    >>> sk.fair.replay(t, policy="fifo", overheads=o).jobs.column("finish_time").to_pylist()
    [1.5, 2.5, 3.5]
    >>> sk.fair.SparkOverheads(task_launch=-1)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: overheads.task_launch: must be finite and >= 0, got -1
    """

    job_service: float = 0.0
    stage_service: float = 0.0
    task_launch: float = 0.0
    round_delay: float = 0.0
    task_dispatch: float = 0.0
    setup_tasks: int = 0
    setup_task: float = 0.0
    scan_work: float = 0.0
    iteration_work: float = 0.0
    plugin_service: float = 0.0
    result_task: float = 0.0
    stage_lock: float = 0.0
    schema_task: float = 0.0
    cfq_job_estimate: bool = False
    spark_splits: bool = False
    authors_estimates: bool = False
    plugin_lock: bool = False
    fair_default_pool: bool = False
    fair_name_ties: bool = False
    executors: int = 8
    executor_cores: int = 4
    name: str = "custom"

    def __post_init__(self) -> None:
        for f in _TIMES:
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InvalidInstanceError(
                    f"overheads.{f}: must be a number of seconds, got {v!r}", field=f"overheads.{f}"
                )
            object.__setattr__(self, f, float(v))
        for f in _COUNTS:
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or not -(2**63) <= v < 2**63:
                raise InvalidInstanceError(
                    f"overheads.{f}: must be a 64-bit integer, got {v!r}", field=f"overheads.{f}"
                )
        for f in SWITCHES:
            if not isinstance(getattr(self, f), bool):
                raise InvalidInstanceError(
                    f"overheads.{f}: must be a bool, got {getattr(self, f)!r}", field=f"overheads.{f}"
                )
        if not isinstance(self.name, str):
            raise InvalidInstanceError(f"overheads.name: must be a str, got {self.name!r}", field="overheads.name")
        # The setup Spark job is the Python side's (schedkit.fair._spark_jobs): checked here,
        # the one place; the core never sees it.
        for f in ("setup_task", "scan_work", "iteration_work", "plugin_service", "result_task", "schema_task"):
            v = getattr(self, f)
            if not (math.isfinite(v) and v >= 0):
                raise InvalidInstanceError(f"overheads.{f}: must be finite and >= 0, got {v}", field=f"overheads.{f}")
        if not 0 <= self.setup_tasks <= MAX_SETUP_TASKS:
            raise InvalidInstanceError(
                f"overheads.setup_tasks: must be in [0, {MAX_SETUP_TASKS}], got {self.setup_tasks}",
                field="overheads.setup_tasks",
            )
        if self.fair_name_ties and not self.fair_default_pool:
            # Spark's name tie is the FAIR comparator's; a FIFO default pool never reaches it
            raise InvalidInstanceError(
                "overheads.fair_name_ties: needs fair_default_pool (the ties are a FAIR pool's)",
                field="overheads.fair_name_ties",
            )
        if self.setup_tasks > 0 and self.setup_task == 0:
            raise InvalidInstanceError(
                "overheads.setup_task: must be > 0 when setup_tasks > 0", field="overheads.setup_task"
            )
        # The values are checked by the core (schedkit_core::fair::Overheads::validate), the
        # one place: a throwaway engine of the matching size runs that check now.
        # (a product beyond int64 is passed as 1 core: the core then reports the mismatch)
        cores = self.cores if 1 <= self.cores < 2**63 else 1
        _core.FairEngine(cores, "fifo", overheads=self.engine_tuple())

    @property
    def cores(self) -> int:
        """``executors x executor_cores``: the core count a run with this model must have."""
        return self.executors * self.executor_cores

    def engine_tuple(self) -> tuple[float, float, float, float, int, int, bool, float, float]:
        """The model as ``schedkit._core.FairEngine`` takes it."""
        return (
            self.job_service,
            self.stage_service,
            self.task_launch,
            self.round_delay,
            self.executors,
            self.executor_cores,
            self.cfq_job_estimate,
            self.task_dispatch,
            self.stage_lock,
        )

    def describe(self) -> str:
        """One line naming the model and its values, for headers.

        Examples
        --------
        >>> import schedkit as sk
        >>> sk.fair.SparkOverheads(task_launch=0.25).describe()
        'Spark overheads (custom): job 0 s, stage 0 s, task launch 0.25 s, round 0 s, 8 x 4 cores'
        """
        return (
            f"Spark overheads ({self.name}): job {self.job_service:.4g} s, stage {self.stage_service:.4g} s, "
            f"task launch {self.task_launch:.4g} s, round {self.round_delay:.4g} s, "
            + (f"dispatch {self.task_dispatch:.4g} s a task, " if self.task_dispatch else "")
            + (f"task-scheduler lock {self.stage_lock:.4g} s a stage, " if self.stage_lock else "")
            + f"{self.executors} x {self.executor_cores} cores"
            + (f", setup job {self.setup_tasks} x {self.setup_task:.4g} s" if self.setup_tasks else "")
            + (
                f", executed work {self.scan_work:.4g} + {self.iteration_work:.4g} x iterations^0.8188 core-s a Spark job"
                if self.executed_work
                else ""
            )
            + (f", schema job 1 x {self.schema_task:.4g} s" if self.schema_task else "")
            + (f", result job 1 x {self.result_task:.4g} s" if self.result_task else "")
            + (f", plug-in schedulers {self.plugin_service:.4g} s a stage" if self.plugin_service else "")
            + (" on the task-scheduler lock" if self.plugin_service and self.plugin_lock else "")
            + (", CFQ stages on the job's estimate" if self.cfq_job_estimate else "")
            + (", Spark's scan splits" if self.spark_splits else "")
            + (", the authors' job estimates" if self.authors_estimates else "")
            + (", Spark FAIR's default pool FAIR inside" if self.fair_default_pool else "")
            + (", ties by task-set name" if self.fair_name_ties else "")
        )

    @property
    def executed_work(self) -> bool:
        """Whether the model replaces the work of a prepared workload's Spark jobs by
        ``scan_work + iteration_work x N^(1/1.221352)`` (see the class docs)."""
        return self.scan_work > 0 or self.iteration_work > 0

    @classmethod
    def calibrated(cls) -> SparkOverheads:
        """The values fitted to the UWFQ authors' Spark runs (the bundled
        ``spark_overheads.json``; ``python -m schedkit.experiments.calibrate_spark`` remakes it).

        Examples
        --------
        >>> import schedkit as sk
        >>> sk.fair.SparkOverheads.calibrated().name
        'calibrated'
        """
        doc = json.loads(data.path(CALIBRATED_FILE).read_text())
        return from_mapping(doc["parameters"], name="calibrated")


def from_mapping(values: Mapping[str, Any], name: str = "custom") -> SparkOverheads:
    """A :class:`SparkOverheads` from a mapping of its fields; an unknown key is an error
    naming it."""
    known = {f.name for f in fields(SparkOverheads)}
    for k in values:
        if k not in known:
            raise InvalidInstanceError(
                f"overheads: unknown term {k!r}; expected some of {sorted(known - {'name'})}", field=f"overheads.{k}"
            )
    return SparkOverheads(**{"name": name, **values})


def resolve_overheads(value: Any) -> SparkOverheads | None:
    """``overheads=`` as the API takes it: None or ``"none"`` (no model), ``"calibrated"``
    (the bundled fit), a :class:`SparkOverheads`, or a mapping of its fields."""
    if value is None or isinstance(value, SparkOverheads):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key == "none":
            return None
        if key == "calibrated":
            return SparkOverheads.calibrated()
        raise InvalidInstanceError(
            f"overheads: expected 'none', 'calibrated', a SparkOverheads or a mapping, got {value!r}",
            field="overheads",
        )
    if isinstance(value, Mapping):
        return from_mapping(value)
    raise InvalidInstanceError(
        f"overheads: expected 'none', 'calibrated', a SparkOverheads or a mapping, got {type(value).__name__}",
        field="overheads",
    )


def min_lag(o: SparkOverheads, first_stage: Any) -> Any:
    """The least time the model puts between a stage becoming ready (submission, or its
    parents' end) and its tasks' start: the driver's service, then one dispatch round.
    ``first_stage``: per task, whether its stage has no parents (array of bool)."""
    lag = o.stage_service + o.round_delay + o.task_dispatch
    return lag + o.job_service * first_stage


def is_off(o: SparkOverheads | None) -> bool:
    """No model, or every time zero and no setup job (the plain simulation)."""
    return o is None or (
        not has_structure(o)
        and not o.cfq_job_estimate
        and not o.fair_default_pool
        and all(getattr(o, f) == 0 for f in _TIMES)
    )


#: The terms that only a prepared workload can take (they rebuild its jobs).
_STRUCTURE_TERMS = (
    "setup_tasks",
    "spark_splits",
    "scan_work",
    "iteration_work",
    "plugin_service",
    "result_task",
    "schema_task",
    "authors_estimates",
    "plugin_lock",
    "fair_name_ties",
)


def structure_terms(o: SparkOverheads) -> list[str]:
    """The prepared-workload terms ``o`` sets, as ``overheads.<term>`` (for messages).

    Examples
    --------
    >>> import schedkit as sk
    >>> structure_terms(sk.fair.SparkOverheads(scan_work=1.0, job_service=0.1))
    ['overheads.scan_work']
    """
    return [f"overheads.{f}" for f in _STRUCTURE_TERMS if getattr(o, f)]


def without_structure(o: SparkOverheads) -> SparkOverheads:
    """``o`` with its prepared-workload terms off (what a streamed trace replay runs)."""
    return replace(
        o,
        setup_tasks=0,
        setup_task=0.0,
        spark_splits=False,
        scan_work=0.0,
        iteration_work=0.0,
        plugin_service=0.0,
        result_task=0.0,
        schema_task=0.0,
        authors_estimates=False,
        plugin_lock=False,
        fair_name_ties=False,
    )


def has_structure(o: SparkOverheads | None) -> bool:
    """Whether the model runs a prepared workload as Spark jobs (a setup job before each,
    or the authors' partitioner): :mod:`schedkit.fair._spark_jobs`."""
    return o is not None and (
        o.setup_tasks > 0
        or o.spark_splits
        or o.executed_work
        or o.plugin_service > 0
        or o.result_task > 0
        or o.schema_task > 0
        or o.authors_estimates
        or o.fair_name_ties
    )


def name_ties_apply(o: SparkOverheads | None, policy: str, pool_config: Any) -> bool:
    """Whether ``o.fair_name_ties`` shapes a run of Spark jobs: Spark FAIR's default pool FAIR
    inside (:func:`fair_default_pool_applies`), or UJF, whose per-user pools are FAIR inside
    (the authors' ``UserFairScheduler``; with or without the partitioner, which changes a
    stage's tasks, not its name)."""
    if o is None or not o.fair_name_ties:
        return False
    return policy == "ujf" or fair_default_pool_applies(o, policy, pool_config)


def fair_default_pool_applies(o: SparkOverheads | None, policy: str, pool_config: Any) -> bool:
    """Whether ``o.fair_default_pool`` shapes a run: Spark FAIR (``policy="fair"``) without an
    allocation file (no ``pool_config``)."""
    return o is not None and o.fair_default_pool and policy == "fair" and pool_config is None
