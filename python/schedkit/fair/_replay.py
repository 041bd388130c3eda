"""Running simulations: a trace streamed through one or several policies in one pass
(:func:`replay_many`, :func:`replay`), a prepared workload in one push (:func:`simulate`),
and the UWFQ paper's scenarios (:func:`run_scenario`)."""

from __future__ import annotations

import errno
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._engine import Names, Progress, Runner, batch_from_chunk, first_cut, job_table, jobs_columns
from schedkit.fair._gen import scenario_workload
from schedkit.fair._model import Result, RunSpec, Workload
from schedkit.fair._name_ties import LISTING, MAP, RESULT, SCHEMA, name_ranks, run_to_fixed_point
from schedkit.fair._overheads import has_structure, name_ties_apply, structure_terms, without_structure
from schedkit.fair._spark_jobs import PLUGIN_POLICIES, SPARK_JOB_POLICIES, merge_jobs, spark_structure
from schedkit.trace import MACHINE_CPUS, MACHINE_MEMORY, ordered_jobs
from schedkit.trace._order import NotInOrder, SpeculativeChunks


def _result(r: Runner, classes: Names, scenario: str | None = None) -> Result:
    jobs, tasks = job_table(r, classes)
    s = r.spec
    meta: dict[str, Any] = {}
    nodes = r.engine.nodes  # DRF: the core's node capacities, for Result.validate
    if nodes is not None:
        # tuples of floats, not arrays: the Result then compares equal (and pickles) plainly
        meta = {"nodes": (tuple(nodes[0]), tuple(nodes[1]))}
    if s.overheads is not None:  # Spark overhead model (issue 18): which model ran
        meta["overheads"] = s.overheads
    return Result(
        policy=s.policy,
        cores=int(s.cores),
        partition=bool(s.partition),
        estimate=s.estimate,
        jobs=jobs,
        tasks=tasks,
        events=int(r.engine.events),
        scenario=scenario,
        meta=meta,
        cluster=str(s.cluster),
    )


def replay_many(
    trace: pa.Table | str | Path,
    runs: Iterable[Mapping[str, Any] | RunSpec],
    *,
    class_column: str | None = "job_class",
    progress: bool | None = None,
    format: str | None = None,
    errors: str = "raise",
    users: int = 16,
    seed: int = 0,
    machine_cpus: float = MACHINE_CPUS,
    machine_memory: float = MACHINE_MEMORY,
    chunk_rows: int = 1 << 16,
    run_rows: int = 1 << 20,
    _sink: Callable[[Runner, dict[str, Any], Names], bool] | None = None,
    _reset: Callable[[], Any] | None = None,  # drops what _sink was given, before a restart
) -> list[Result]:
    """Replays one trace under several settings in a single streaming pass.

    The trace is read once, in chunks of whole jobs in submission order
    (:func:`schedkit.trace.ordered_jobs`; a file larger than ``run_rows`` rows is sorted out
    of core), and every chunk is fed to all simulations, so memory holds about one chunk, the
    jobs still running and a few numbers per finished job.

    A table whose job ids and submit times rise with its rows (the usual one) goes to the
    simulations chunk by chunk as its rows are checked, so they start at once rather than
    after a pass over the whole table. A bad value found later raises the same error, naming
    the same field and row, as a check of the whole table first would (the simulations are
    stopped and nothing is returned); rows found out of that order later make the replay
    start again on the sorted path, with the same result.

    Parameters
    ----------
    trace : pyarrow.Table or path
        A table in :data:`schedkit.trace.SCHEMA` (``parents`` and ``job_class`` columns
        optional), or a trace file in any of :data:`schedkit.trace.FORMATS`.
    runs : iterable of RunSpec or mapping
        One simulation each: a :class:`RunSpec`, or a mapping of its fields (``policy``,
        ``cores``, ``partition``, ``tau``, ``estimate``, ...).
    class_column : str, optional
        The trace column naming each job's class for ``estimate="historic"`` (default
        ``"job_class"`` when present; otherwise a user's jobs form one class).
    progress : bool, optional
        A progress line on stderr; default: when stderr is a terminal.
    format, errors, users, seed, machine_cpus, machine_memory
        How a file is read (see :func:`schedkit.trace.read`); ``users``, ``seed``: the user
        rule for traces without users (Alibaba); ``machine_cpus``, ``machine_memory``: the
        machine that normalised requests are fractions of (Google 2011, Alibaba memory).
    chunk_rows : int
        About how many rows are pushed into the simulations at a time.
    run_rows : int
        The most rows of a file held in memory while sorting it.

    Returns
    -------
    list of Result
        One per run, in the order given.

    Raises
    ------
    InvalidInstanceError
        No runs, an unknown setting or a value out of range (``field="runs"`` and ``index``
        for an unknown setting name), a bad trace row, or a trace without tasks.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
    >>> runs = [sk.fair.RunSpec(policy=p, cores=16) for p in ("fifo", "uwfq")]
    >>> [r.label for r in sk.fair.replay_many(t, runs)]
    ['fifo', 'uwfq']
    """
    specs = []
    for i, run in enumerate(runs):
        if isinstance(run, RunSpec):
            specs.append(run)
            continue
        try:
            specs.append(RunSpec(**dict(run)))
        except TypeError as exc:  # an unknown setting name, or not a mapping
            raise InvalidInstanceError(f"runs[{i}]: {exc}", field="runs", index=i) from None
    if not specs:
        raise InvalidInstanceError("runs: give at least one simulation", field="runs")
    for i, sp in enumerate(specs):
        o = sp.overheads
        if has_structure(o):
            # The Spark job structure rebuilds whole prepared workloads; a streamed trace runs
            # the model's other terms, and says so.
            assert o is not None
            warnings.warn(
                f"runs[{i}]: {', '.join(structure_terms(o))} (the Spark job structure) apply "
                "to prepared workloads (simulate, run_scenario); this streamed trace runs without them",
                stacklevel=2,
            )
            specs[i] = replace(sp, overheads=without_structure(o))
    models = sorted({str(sp.cluster) for sp in specs})
    if len(models) > 1:
        raise InvalidInstanceError(
            f"runs: one replay compares policies on one cluster model, got {' and '.join(models)} "
            f"({', '.join(f'{sp.policy}: {sp.cluster}' for sp in specs)}); replay them separately",
            field="runs",
        )
    source = Path(trace) if isinstance(trace, (str, Path)) else trace
    label = Path(trace).name if isinstance(trace, (str, Path)) else "replay"
    read: dict[str, Any] = dict(
        format=format,
        errors=errors,
        users=users,
        seed=seed,
        machine_cpus=machine_cpus,
        machine_memory=machine_memory,
        chunk_rows=chunk_rows,
        run_rows=run_rows,
    )

    def once(speculative: bool) -> list[Result]:
        return _replay_once(
            source,
            specs,
            speculative=speculative,
            label=label,
            progress=progress,
            class_column=class_column,
            read=read,
            sink=_sink,
        )

    # A table's chunks reach the engines as they are made, its rows checked block by block
    # meanwhile (trace._order.SpeculativeChunks), on the guess that its job ids and submit
    # times rise with its rows: the engines then start without waiting for a pass over it.
    try:
        return once(speculative=isinstance(source, pa.Table))
    except NotInOrder:
        pass
    # Not in that order after all: what was made of it is gone (_replay_once dropped the
    # runs, _reset what was written), and the table is replayed through its job index.
    if _reset is not None:
        _reset()
    return once(speculative=False)


def _replay_once(
    source: pa.Table | Path,
    specs: list[RunSpec],
    *,
    speculative: bool,
    label: str,
    progress: bool | None,
    class_column: str | None,
    read: dict[str, Any],
    sink: Callable[[Runner, dict[str, Any], Names], bool] | None,
) -> list[Result]:
    """One replay of the runs ``specs``: :func:`replay_many` without its checks. On any
    failure every run is dropped (:func:`_drop`) before the error is raised."""
    names, classes, pools = Names(), Names(), Names()
    # replay_to: finished jobs leave as they finish (streamed out)
    to_sink = None if sink is None else (lambda run, f, sink=sink: sink(run, f, classes))
    runners = [Runner(sp, names, pools, to_sink) for sp in specs]
    for i, r in enumerate(runners):
        r.index = i
    bar = Progress(f"replay {label}", progress)

    def on_rows(n: int) -> None:
        bar.rows = n
        bar.update(runners, 0.0)

    def on_sort(n: int) -> None:
        bar.set_phase("sorting", total_rows=n)

    # the (cpu, memory) requests are gathered only when an engine reads them (DRF)
    requests = any(r.engine.uses_requests for r in runners)
    # a task's memory request matters only where some node's memory is bounded
    memory_bounded = any(
        r.engine.nodes is not None and any(m != float("inf") for m in r.engine.nodes[1]) for r in runners
    )
    chunks: Iterable[pa.Table] | None = None
    failure: BaseException | None = None
    try:
        chunks = ordered_jobs(
            source,
            **read,
            on_rows=on_rows,
            on_sort=on_sort,
            # a job's user, class and pool are read from its first row only (batch_from_chunk)
            _spread_first_row=False,
            _speculative=speculative,
        )
        _simulate(chunks, runners, bar, names, classes, pools, class_column, requests, memory_bounded)
    except BaseException as exc:
        failure = exc
    finally:
        bar.close()
    if failure is not None:
        _drop(runners, chunks, failure)
    _warn_absent_users(specs, set(names.names))
    return [_result(r, classes) for r in runners]


def _warn_absent_users(specs: list[RunSpec], users: set[str]) -> None:
    """Names the users that a run's ``weights`` or ``pools`` give settings to but the trace
    never had (a misspelt user would otherwise run at the default without a word)."""
    for i, sp in enumerate(specs):
        for name in ("weights", "pools"):
            given = getattr(sp, name) or {}
            absent = sorted(str(u) for u in given if str(u) not in users)
            if absent:
                warnings.warn(
                    f"runs[{i}].{name}: user(s) {', '.join(map(repr, absent[:5]))}"
                    f"{' ...' if len(absent) > 5 else ''} are not in the trace; their settings are unused",
                    UserWarning,
                    stacklevel=4,
                )


def _drop(runners: list[Runner], chunks: Iterable[pa.Table] | None, failure: BaseException) -> NoReturn:
    """Ends a failed replay: every run is closed (its engine's thread ended, its results
    dropped), and the error is raised. A table's rows are checked as its chunks are made
    (speculatively), so a failure met before all were checked (an engine's or a chunk's
    error, say) waits for the rest of them: a bad value there is raised instead, and rows
    out of order restart the replay (NotInOrder), as when the whole table was checked
    before the first push."""
    for r in runners:
        r.close()
    if isinstance(failure, Exception) and isinstance(chunks, SpeculativeChunks):
        chunks.check_rest()
    raise failure


def replay_to(
    path: str | Path,
    trace: pa.Table | str | Path,
    runs: Iterable[Mapping[str, Any] | RunSpec],
    _written: Callable[[int], bool] | None = None,
    **read: Any,
) -> list[Result]:
    """Replays like :func:`replay_many` and writes every run's finished jobs to ``path`` as
    they finish (Parquet, or CSV for a ``.csv`` path), so memory holds the jobs in the
    system and one chunk of the trace, not the trace's jobs.

    The rows go to a hidden file beside ``path`` (``.NAME.<pid>-<random>.partial``), renamed
    to ``path`` once every run has finished: a replay that fails (a bad row, an engine's
    error, Ctrl-C) removes it and raises, leaving no file that looks complete and an
    earlier file at ``path`` untouched.

    Parameters
    ----------
    path : str or pathlib.Path
        The output file: rows of :data:`JOB_COLUMNS` plus ``run`` (the run's index in
        ``runs``), ``policy`` and ``partition``, in completion order within each run.
    trace, runs, **read
        As for :func:`replay_many`.

    Returns
    -------
    list of Result
        One per run, with an empty ``jobs`` table: the jobs are in the file.

    Raises
    ------
    InvalidInstanceError
        As :func:`replay_many`; ``record_tasks`` runs cannot stream.
    FileNotFoundError
        The folder of ``path`` does not exist (before anything is replayed).
    IsADirectoryError
        ``path`` is a folder (before anything is replayed).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pyarrow.parquet as pq
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = pathlib.Path(d) / "jobs.parquet"
    ...     _ = sk.fair.replay_to(out, t, [{"policy": "fifo", "cores": 1}])
    ...     pq.read_table(out).column("finish_time").to_pylist()
    [2.0, 3.0]
    """
    out = Path(path)
    if not out.parent.is_dir():  # said now, naming the folder, rather than after the first chunk
        raise FileNotFoundError(errno.ENOENT, "no such folder for the output file", str(out.parent))
    if out.is_dir():  # else found only by the rename, after the whole replay
        raise IsADirectoryError(errno.EISDIR, "the output file is a folder", str(out))
    # written whole or not at all (see above), beside the file a link at ``path`` leads to
    target = Path(os.path.realpath(out))
    part = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    writer: Any = None

    def sink(run: Runner, f: dict[str, Any], classes: Names) -> bool:
        nonlocal writer
        if _written is not None and not _written(run.index):
            return False  # kept in memory (compare's hidden references)
        if run.spec.record_tasks:
            raise InvalidInstanceError("replay_to: record_tasks runs keep every task; replay them", field="runs")
        t = jobs_columns(f, run.users, classes)
        t = t.append_column("run", pa.array(np.full(t.num_rows, run.index, dtype=np.int64)))
        t = t.append_column("policy", pa.array([run.spec.policy] * t.num_rows, pa.string()))
        t = t.append_column("partition", pa.array([run.spec.partition] * t.num_rows, pa.bool_()))
        if writer is None:
            writer = pacsv.CSVWriter(part, t.schema) if out.suffix == ".csv" else pq.ParquetWriter(part, t.schema)
        writer.write_table(t)
        return True

    def discard() -> None:
        """Drops what was written (the replay starts again, or failed)."""
        nonlocal writer
        if writer is not None:
            writer.close()
            writer = None
        part.unlink(missing_ok=True)

    try:
        results = replay_many(trace, runs, _sink=sink, _reset=discard, **read)
    except BaseException:
        discard()
        raise
    if writer is not None:
        writer.close()
        os.replace(part, target)
    return results


#: Most jobs pushed into the engine at a time (see :func:`_simulate`): a chunk's jobs
#: (at most ``chunk_rows``, 65,536 by default) go in whole. The engine keeps a pushed batch
#: as its columns and builds a job's state only when it arrives, so a larger push costs
#: no more memory per job; fewer, larger pushes save a round trip each (about 15 % of a
#: replay of 10^6 single-task jobs against pieces of 2,048).
PIECE_JOBS = 1 << 16


def _simulate(
    chunks: Iterable[pa.Table],
    runners: list[Runner],
    bar: Progress,
    names: Names,
    classes: Names,
    pools: Names,
    class_column: str | None,
    requests: bool,
    memory_bounded: bool,
) -> None:
    """Pushes the chunks into every run, advancing each to the chunk's last submit time,
    then drains the runs."""
    t_last = 0.0
    for chunk in first_cut(chunks):
        if bar.phase != "simulating":
            bar.set_phase("simulating", total_rows=bar.total_rows or bar.rows)
        bar.rows_pushed += chunk.num_rows
        b = batch_from_chunk(
            chunk, names, classes, class_column, requests=requests, pools=pools, memory_bounded=memory_bounded
        )
        if b.n_jobs == 0:
            continue
        # Pushed in pieces of at most PIECE_JOBS jobs, each run advanced to the piece's last
        # submit time before the next (later pieces cannot arrive earlier): the engine then
        # holds the jobs in the system plus one piece's columns.
        for lo in range(0, b.n_jobs, PIECE_JOBS):
            piece = b.slice(lo, min(lo + PIECE_JOBS, b.n_jobs)) if b.n_jobs > PIECE_JOBS else b
            t_last = float(piece.submit[-1])
            for r in runners:  # each run simulates on its own thread (see Runner.push)
                r.push(piece, until=t_last)
        bar.update(runners, t_last)
    if runners and runners[0].pushed == 0:
        raise InvalidInstanceError("trace: no tasks", field="trace")
    bar.set_phase("finishing")
    for r in runners:
        r.finish()
    bar.update(runners, t_last, final=True)


def replay(
    trace: pa.Table | str | Path,
    *,
    policy: str = "uwfq",
    cores: int = 32,
    partition: bool = False,
    tau: float = 0.5,
    estimate: str = "oracle",
    noise: float = 0.5,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    pools: Mapping[str, Any] | None = None,
    pool_config: Any = None,
    grace: float = 3.0,
    memory: float | None = None,
    nodes: Any = None,
    cluster: str | None = None,
    class_column: str | None = "job_class",
    record_tasks: bool = False,
    progress: bool | None = None,
    format: str | None = None,
    errors: str = "raise",
    machine_cpus: float = MACHINE_CPUS,
    machine_memory: float = MACHINE_MEMORY,
    overheads: Any = None,
) -> Result:
    """Replays a trace under one policy on an event-driven cluster simulator.

    A job's submit time is the earliest submit time of its rows; jobs arrive in (submit time,
    job id) order; a job's stages (``stage`` column) become schedulable when their parents
    (``parents`` column; default: every lower-numbered stage) have finished; a stage's tasks
    run in ``task_id`` order. A file is streamed (see :func:`replay_many`).

    Parameters
    ----------
    trace : pyarrow.Table or path
        A table in :data:`schedkit.trace.SCHEMA`, or a trace file.
    policy, cores, partition, tau, estimate, noise, seed, weights, pools, pool_config, grace, memory, nodes, cluster, record_tasks
        The simulation's settings; see :class:`RunSpec`.
    class_column : str, optional
        The job class column for ``estimate="historic"`` (default: the user).
    progress : bool, optional
        A progress line on stderr; default: when stderr is a terminal.
    format, errors, machine_cpus, machine_memory
        How a file is read (see :func:`schedkit.trace.read`).
    overheads : SparkOverheads, str or mapping, optional
        Spark's overheads around the scheduler (:class:`SparkOverheads`: a serial driver,
        task launch latency, serial dispatch rounds, executors x cores); ``"calibrated"``
        for the values fitted to the UWFQ authors' runs. Default: none, the plain simulator.

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        A setting out of range, a bad trace row (``field`` and ``index``), or no tasks.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> sk.fair.replay(t, policy="fifo", cores=1).jobs.column("finish_time").to_pylist()
    [2.0, 3.0]
    """
    run = dict(
        policy=policy,
        cores=cores,
        partition=partition,
        tau=tau,
        estimate=estimate,
        noise=noise,
        seed=seed,
        weights=weights,
        pools=pools,
        pool_config=pool_config,
        grace=grace,
        memory=memory,
        nodes=nodes,
        cluster=cluster,
        record_tasks=record_tasks,
        overheads=overheads,
    )
    return replay_many(
        trace,
        [run],
        class_column=class_column,
        progress=progress,
        format=format,
        errors=errors,
        machine_cpus=machine_cpus,
        machine_memory=machine_memory,
    )[0]


def simulate(w: Workload, *, scenario: str | None = None, _spark_job_tasks: int | None = None, **run: Any) -> Result:
    """Runs a prepared :class:`Workload` in one push.

    Closed-loop jobs need this: their predecessors are in the same batch.

    Parameters
    ----------
    w : Workload
        The jobs, e.g. from :func:`scenario_workload`.
    scenario : str, optional
        Recorded in :attr:`Result.scenario`.
    **run
        The simulation's settings, the fields of :class:`RunSpec`.

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        A setting out of range, or a workload without jobs.

    Examples
    --------
    >>> import schedkit as sk
    >>> w = sk.fair.scenario_workload("4_large_users")
    >>> sk.fair.simulate(w, policy="fifo", cores=32).summary()["jobs"]
    16
    """
    spec = RunSpec(**run)
    if w.batch.n_jobs == 0:
        raise InvalidInstanceError("workload: no jobs", field="trace")
    o = spec.overheads
    structure = has_structure(o)
    split = authors = False
    if structure:  # Spark overhead model (issue 18): the jobs as Spark runs them
        assert o is not None
        split = spec.policy.strip().lower() in SPARK_JOB_POLICIES
        authors = o.spark_splits and spec.partition
        w = spark_structure(w, o, split=split, partition=spec.partition, spark_job_tasks=_spark_job_tasks)
        if authors:  # the workload is split already; the engine's partitioner stays off
            spec = replace(spec, partition=False)
        if o.plugin_service and spec.policy.strip().lower() in PLUGIN_POLICIES:
            # the authors' plug-in schedulers' cost of every stage, on the driver (and on the
            # task-scheduler lock with plugin_lock)
            lock = o.stage_lock + (o.plugin_service if o.plugin_lock else 0.0)
            spec = replace(
                spec, overheads=replace(o, stage_service=o.stage_service + o.plugin_service, stage_lock=lock)
            )
    if split and o is not None and name_ties_apply(o, spec.policy, spec.pool_config):
        res = _run_with_name_ties(spec, w, o, scenario)
    else:
        r = Runner(spec, Names(w.user_names))
        r.push(w.batch)
        r.finish()
        res = _result(r, Names(w.class_names), scenario)
    if split:
        res = replace(res, jobs=merge_jobs(res.jobs))
    if structure and res.meta.get("overheads") is not o:  # name the model asked for
        res = replace(res, meta={**res.meta, "overheads": o})
    return replace(res, partition=True) if authors else res


def _run_with_name_ties(spec: RunSpec, w: Workload, o: Any, scenario: str | None) -> Result:
    """``w`` (split into Spark jobs, one engine row each) under Spark's FAIR comparator with
    its ties broken by task-set name (``SparkOverheads.fair_name_ties``,
    :mod:`schedkit.fair._name_ties`), the names settled by re-running: each row stays in its
    pool (``fair``: the ``default`` pool, FAIR inside; ``ujf``: its user's, as the authors'
    ``UserFairScheduler`` builds them) and carries its name's rank among the run's names (the
    engine's ``job_tie``)."""
    # one Spark job's rows, as spark_structure lays them out
    pattern = [LISTING] * (o.setup_tasks > 0) + [SCHEMA] * (o.schema_task > 0) + [MAP] + [RESULT] * (o.result_task > 0)

    def run(names: list[str]) -> Result:
        r = Runner(spec, Names(w.user_names))
        r.push(replace(w.batch, job_tie=name_ranks(names)))
        r.finish()
        return _result(r, Names(w.class_names), scenario)

    def times(res: Result) -> tuple[np.ndarray, np.ndarray]:
        # rows come back in push order (no sink)
        return res.jobs.column("submit_time").to_numpy(), res.jobs.column("finish_time").to_numpy()

    return run_to_fixed_point(run, times, pattern, w.batch.n_jobs)


def run_scenario(
    name: str,
    *,
    policy: str = "uwfq",
    partition: bool = False,
    cores: int = 32,
    seed: int = 0,
    default_tasks: int = 32,
    skew: float = 1.0,
    reduce_share: float = 0.0,
    **kw: Any,
) -> Result:
    """Simulates one of the UWFQ paper's scenarios (:data:`SCENARIOS`; Kažemaks et al., arXiv:2510.15485).

    Sequential (``SEQ``) users are closed loops: the next job is submitted when the previous
    one completes plus an exponential think time (rate ``poissonRateInMinutes``; 0 = none).
    Parallel (``PARA``) users submit ``totalIterations`` jobs from ``startTimeMs`` with
    exponential gaps (rate per minute; 0 = all at once). Job work is the authors' oracle
    value per class (Loop1000 131.115 core-s, ...); ``google_*`` jobs are the authors'
    converted job groups (work = ``task_runtime_s`` per entry). The overhead model's
    executed work (:class:`SparkOverheads` ``scan_work``, ``iteration_work``) replaces both. Job classes (for
    ``estimate="historic"``) are the Loop classes.

    Parameters
    ----------
    name : str
        One of :data:`SCENARIOS`.
    policy, partition, cores, seed
        As for :class:`RunSpec`; ``seed`` also seeds the workload (see
        :func:`scenario_workload`).
    default_tasks : int
        Unpartitioned, each Spark job has this many tasks of seeded log-normal(0, ``skew``)
        sizes (file-split skew); with ``partition=True`` each job gets ``ceil(W / tau)`` equal
        tasks instead.
    skew : float
        Spread of the task sizes.
    reduce_share : float
        > 0 makes each job two stages, as Spark runs a Loop job: the map tasks, then one
        reduce task carrying that share of the work.
    **kw
        Further :class:`RunSpec` fields (``estimate``, ``weights``, ``record_tasks``, ...);
        ``overheads="calibrated"`` adds the Spark overhead model fitted to the authors' runs
        of these scenarios (:class:`SparkOverheads`).

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        An unknown scenario or a setting out of range.

    Examples
    --------
    >>> import schedkit as sk
    >>> r = sk.fair.run_scenario("4_super_small_users", policy="uwfq")
    >>> r.summary()["jobs"]
    120
    """
    w = scenario_workload(name, seed=seed, default_tasks=default_tasks, skew=skew, reduce_share=reduce_share)
    # the Google job groups are one stage of default_tasks tasks per Spark job
    return simulate(
        w,
        policy=policy,
        cores=cores,
        partition=partition,
        seed=seed,
        scenario=name,
        _spark_job_tasks=default_tasks,
        **kw,
    )
