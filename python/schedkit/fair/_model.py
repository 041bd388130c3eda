"""The value types of :mod:`schedkit.fair`: a simulation's settings (:class:`RunSpec`), a
prepared workload (:class:`Workload` over the engine's :class:`Batch` layout) and a run's
outcome (:class:`Result`). All are frozen and pickle."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit import _core
from schedkit._names import resolve_name
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.fair._chrome import write_chrome_trace
from schedkit.fair._metrics import per_user, summarize
from schedkit.fair._overheads import SparkOverheads, fair_default_pool_applies, min_lag, resolve_overheads
from schedkit.fair._plot import plot
from schedkit.fair._pools import engine_pools, short_spec
from schedkit.fair._validate import check_run

#: Policy name -> one-line description (the names accepted by :func:`replay` and the CLI):
#: the core's registry (``schedkit_core::fair::POLICIES``), which also parses the names.
POLICIES: dict[str, str] = dict(_core.FAIR_POLICIES)

#: The runtime estimates a scheduler and the partitioner can see (``estimate=``), from the
#: core's registry (``schedkit_core::fair::ESTIMATES``).
ESTIMATES: tuple[str, ...] = tuple(name for name, _ in _core.FAIR_ESTIMATES)

#: The cluster models (``cluster=``). ``slots``: ``cores`` identical core slots, each task
#: takes one (the UWFQ paper's Spark model; the trace's cpu and memory are not read).
#: ``resources``: nodes with cpu (cores) and memory (bytes) capacities, each task holds its
#: stage's (cpu, memory) request (DRF). A comparison runs every policy on one model.
CLUSTERS = {"slots": "each task takes one of `cores` core slots", "resources": "cpu and memory per node"}

#: The model each policy runs on.
POLICY_CLUSTER = {p: ("resources" if p == "drf" else "slots") for p in POLICIES}

#: Settings only some policies read (the core checks each only where it is used): given to
#: another policy, they are ignored, which RunSpec says with a warning.
POLICY_ONLY_SETTINGS = (
    ("weights", ("uwfq", "drf")),
    ("memory", ("drf",)),
    ("nodes", ("drf",)),
    ("pools", ("fair",)),
    ("pool_config", ("fair",)),
)

#: Columns of :attr:`Result.jobs`, one row per job.
JOB_COLUMNS = [
    "job_id",
    "user",
    "job_class",
    "submit_time",
    "start_time",
    "finish_time",
    "response_time",
    "work",
    "estimate",
    "n_tasks",
    "alone_time",
    "slowdown",
]


# --------------------------------------------------------------------------------------
# Settings

# Type conversions of the settings. A value that does not convert is an error naming its
# field; every value check is the core's (schedkit_core::fair::Config::validate).


def _field(where: str) -> str:
    """The field of ``where`` (``"pools['a']"`` -> ``"pools"``)."""
    return where.split("[", 1)[0]


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInstanceError(f"{where} must be a str, got {value!r}", field=_field(where))
    return value


def _int(value: Any, where: str) -> int:
    # bool is an int subclass, but True cores is a bug, not 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInstanceError(f"{where} must be an integer, got {value!r}", field=_field(where))
    if not -(2**63) <= int(value) < 2**63:  # conversion only: integers cross to the core as int64
        raise InvalidInstanceError(f"{where}: {value} does not fit in a 64-bit integer", field=_field(where))
    return int(value)


def _float(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInstanceError(f"{where} must be a number, got {value!r}", field=_field(where)) from None


def _bool(value: Any, where: str) -> bool:
    return bool(value)


def _items(mapping: Mapping[str, Any] | None, where: str) -> Iterable[tuple[Any, Any]]:
    if mapping is None:
        return []
    if not isinstance(mapping, Mapping):
        raise InvalidInstanceError(f"{where} must be a mapping, got {type(mapping).__name__}", field=where)
    return mapping.items()


def _user_pool(spec: Any, where: str) -> str | tuple[float, float, bool | None]:
    """A user's pool: a pool name, or the settings of a pool of its own (Spark keys or the
    short tuple form, see :func:`schedkit.fair._pools.engine_pools`)."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, Mapping):
        return engine_pools({where: spec})[0][1]
    return short_spec(spec, where)


def _nodes(nodes: Any) -> int | list[tuple[float, float]] | None:
    """DRF nodes: None, a count, or (cpu, memory) pairs."""
    if nodes is None:
        return None
    if isinstance(nodes, (int, np.integer)) and not isinstance(nodes, bool):
        return _int(nodes, "nodes")
    try:
        return [(float(c), float(m)) for c, m in nodes]
    except (TypeError, ValueError):
        raise InvalidInstanceError("nodes must be an int or a sequence of (cpu, memory) pairs", field="nodes") from None


@dataclass(frozen=True)
class RunSpec:
    """One simulation's settings: the keyword arguments of :func:`replay` that shape a run.

    :func:`replay_many` takes one mapping of these per simulation and builds a ``RunSpec``
    from each. Construction converts the values to their types (an integer ``cores``, float
    ``tau``, ...); the values themselves are checked by the Rust core when a run starts, the
    one place they are checked, and its error names the field.

    Parameters
    ----------
    policy : str
        One of :data:`POLICIES`, any case (a typo gets a did-you-mean).
    cores : int
        Identical cores (>= 1); DRF: the cluster's cpus.
    partition : bool
        Runtime partitioning: a job of estimated work W becomes ``max(1, ceil(W / tau))``
        equal tasks.
    tau : float
        Partitioning grain, core-seconds (finite, > 0).
    estimate : str
        One of :data:`ESTIMATES`: what CFQ, UWFQ and the partitioner see. A trace's
        ``estimate`` column (a job's given estimate, core-s) stands in for the work here.
    noise : float
        ``estimate="noisy"``: the estimate is the work times ``exp(noise * N(0, 1))``
        (finite, >= 0), one factor per job, drawn by the core in submission order.
    seed : int
        Seed of the noisy estimates (the core's SplitMix64 generator; any integer, taken
        modulo 2^64).
    weights : mapping of str to float, optional
        Per-user UWFQ/DRF weights (default 1).
    pools : mapping, optional
        Spark FAIR (``policy="fair"``): the pool of each named user's jobs, a pool name, or
        the settings of a pool of the user's own (as in ``pool_config``). A job goes to the
        pool of its trace row's ``pool`` column when the trace has one and the cell is not
        null, else to its user's pool here, else to ``default`` (Spark's
        ``spark.scheduler.pool``, unset = ``default``).
    pool_config : str, path or mapping, optional
        The pools, as Spark is configured: a ``fairscheduler.xml`` allocation file, or
        ``{name: {"schedulingMode": "FIFO" | "FAIR", "weight": w, "minShare": m}}`` (absent
        keys at Spark's defaults FIFO, 1, 0), or the short form ``{name: (weight, min_share[,
        fair_inside])}``. ``default`` may be configured too. With pools configured, a pool
        named by a job or user that is not among them is an error (Spark would make it with
        the defaults and log a warning); without, such a pool gets Spark's defaults.
    grace : float
        UWFQ grace period, seconds of real time (finite); the core uses ``grace * cores / 2``
        virtual units.
    memory : float, optional
        DRF memory capacity of the cluster (default unbounded).
    nodes : int or sequence of (cpu, memory), optional
        DRF nodes: N equal nodes sharing ``cores`` and ``memory``, or explicit capacities;
        default one pooled node.
    record_tasks : bool
        Keep every task's record (needed by :meth:`Result.validate`).
    cluster : str, optional
        The cluster model, one of :data:`CLUSTERS`: ``"slots"`` for every policy but DRF,
        ``"resources"`` for DRF (default: the policy's); naming the other one is an error, so
        a comparison cannot mix models by accident.
    overheads : SparkOverheads, str or mapping, optional
        Spark's overheads around the scheduler (:class:`SparkOverheads`): ``"calibrated"``
        for the values fitted to the UWFQ authors' runs, a mapping of the terms, or None /
        ``"none"`` for the plain simulator (default).

    Raises
    ------
    InvalidInstanceError
        A value of the wrong type (``field`` names it). An unknown policy or estimate, or a
        value out of range, is the core's error when the run starts.

    Examples
    --------
    >>> import schedkit as sk
    >>> sk.fair.RunSpec(policy="uwfq", cores=8, partition=True)
    RunSpec(policy='uwfq', cores=8, partition=True)
    >>> sk.fair.RunSpec(cores=2.5)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: cores must be an integer, got 2.5
    >>> t = sk.trace.from_jobs([0], ["a"], [0.0], [1.0])
    >>> sk.fair.replay_many(t, [sk.fair.RunSpec(cores=0)])
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: cores: must be >= 1, got 0
    """

    policy: str = "uwfq"
    cores: int = 32
    partition: bool = False
    tau: float = 0.5
    estimate: str = "oracle"
    noise: float = 0.5
    seed: int = 0
    weights: Mapping[str, float] | None = None
    pools: Mapping[str, Any] | None = None
    pool_config: Mapping[str, Any] | None = None
    grace: float = 3.0
    memory: float | None = None
    nodes: Any = None
    record_tasks: bool = False
    cluster: str | None = None
    overheads: Any = None

    def __post_init__(self) -> None:
        # Types only: the core (schedkit_core::fair::Config) checks the values, once.
        for name, convert in (
            ("policy", _str),
            ("cores", _int),
            ("partition", _bool),
            ("tau", _float),
            ("estimate", _str),
            ("noise", _float),
            ("seed", _int),
            ("grace", _float),
            ("record_tasks", _bool),
        ):
            object.__setattr__(self, name, convert(getattr(self, name), name))
        if self.memory is not None:
            object.__setattr__(self, "memory", _float(self.memory, "memory"))
        # names as the registries spell them (case-insensitive, did-you-mean on a typo)
        object.__setattr__(self, "policy", resolve_name("policy", self.policy, POLICIES))
        object.__setattr__(self, "estimate", resolve_name("estimate", self.estimate, ESTIMATES))
        model = POLICY_CLUSTER[self.policy]
        if self.cluster is None:
            object.__setattr__(self, "cluster", model)
        else:
            given = resolve_name("cluster", self.cluster, CLUSTERS)
            if given != model:
                raise InvalidInstanceError(
                    f"cluster: policy {self.policy!r} runs on the {model!r} model ({CLUSTERS[model]}), "
                    f"not on {given!r}",
                    field="cluster",
                )
            object.__setattr__(self, "cluster", given)
        for name, users in POLICY_ONLY_SETTINGS:
            if getattr(self, name) is not None and self.policy not in users:
                warnings.warn(
                    f"{name}: policy {self.policy!r} does not use it (only {', '.join(users)}); it is ignored",
                    UserWarning,
                    stacklevel=3,
                )
        # Spark overhead model (issue 18): "calibrated" / mapping -> SparkOverheads
        object.__setattr__(self, "overheads", resolve_overheads(self.overheads))
        if self._fair_default_pool() and self.pools:
            # Spark >= 3.4 would make the default pool FAIR and every other named pool FIFO;
            # the run's pools are not all known here, so it has to say how they schedule
            raise InvalidInstanceError(
                "overheads.fair_default_pool: with pools named, give pool_config (how each pool, "
                "the default one included, schedules) instead",
                field="overheads.fair_default_pool",
            )

    def _fair_default_pool(self) -> bool:
        """Whether the overhead model's ``fair_default_pool`` applies: Spark FAIR without an
        allocation file (no ``pool_config``)."""
        return fair_default_pool_applies(self.overheads, self.policy, self.pool_config)

    def engine_args(self) -> dict[str, Any]:
        """The keyword arguments of ``schedkit._core.FairEngine`` for this run: the same
        settings in the binding's types (mappings as (name, value) pairs, pools as names or
        (weight, min_share, fair_inside) triples, DRF nodes as a count or (cpu, memory)
        pairs). Unconvertible values raise :class:`InvalidInstanceError` naming the field."""
        return dict(
            cores=self.cores,
            policy=self.policy,
            partition=self.partition,
            tau=self.tau,
            estimate=self.estimate,
            noise=self.noise,
            # any integer seeds the core's 64-bit generator
            seed=self.seed % (1 << 64),
            grace=self.grace,
            record_tasks=self.record_tasks,
            memory=self.memory,
            nodes=_nodes(self.nodes),
            weights=[(str(u), _float(w, f"weights[{u!r}]")) for u, w in _items(self.weights, "weights")],
            pools=[(str(u), _user_pool(p, f"pools[{u!r}]")) for u, p in _items(self.pools, "pools")],
            # Spark >= 3.4 FAIR without an allocation file: the default pool FAIR inside
            pool_config=[("default", (1.0, 0.0, True))]
            if self._fair_default_pool()
            else engine_pools(self.pool_config),
            overheads=None if self.overheads is None else self.overheads.engine_tuple(),
        )

    def __repr__(self) -> str:
        # policy and cores always; the other settings only where they differ from the default,
        # and collections by their size, so the line stays short.
        parts = [f"policy={self.policy!r}", f"cores={self.cores!r}"]
        for f in fields(self)[2:]:
            v = getattr(self, f.name)
            if v is f.default or (isinstance(v, (bool, int, float, str, np.number)) and v == f.default):
                continue
            if f.name == "cluster" and v == POLICY_CLUSTER[self.policy]:
                continue
            if isinstance(v, Mapping):
                parts.append(f"{f.name}=<{len(v)} entries>")
            elif f.name == "nodes" and not isinstance(v, (int, np.integer)):
                parts.append(f"nodes=<{len(v)} nodes>")
            else:
                parts.append(f"{f.name}={v!r}")
        return f"RunSpec({', '.join(parts)})"


# --------------------------------------------------------------------------------------
# Workloads in the engine's layout


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))


@dataclass(frozen=True, eq=False)
class Batch:
    """Jobs in the engine's layout (see ``schedkit_core::fair::Workload``): per job its tag
    (id), user and class indices, submit time, closed-loop predecessor (``after``, -1 for
    none) and think time; stages as offsets into the tasks (``task_offsets``, one stage per
    job unless ``job_stages`` gives per-job offsets into the stages); optional stage DAG
    (``stage_parents`` offsets into ``parents``, parents named by ``stage_id``, the stages'
    ids, increasing within a job, or by index within the job when ``stage_id`` is None) and
    DRF requests per stage."""

    job_id: np.ndarray
    user: np.ndarray
    submit: np.ndarray
    after: np.ndarray
    think: np.ndarray
    job_class: np.ndarray
    task_offsets: np.ndarray
    durations: np.ndarray
    job_stages: np.ndarray | None = None
    stage_id: np.ndarray | None = None
    stage_parents: np.ndarray | None = None
    parents: np.ndarray | None = None
    stage_cpu: np.ndarray | None = None
    stage_mem: np.ndarray | None = None
    #: FAIR pool per job as an index into the replay's pool names, -1 = the user's pool
    job_pool: np.ndarray | None = None
    #: the scheduler's estimate of each job's work, core-s (a trace's ``estimate`` column);
    #: None = the executed work
    job_estimate: np.ndarray | None = None
    #: FAIR/UJF: each job's tie rank (>= 0) inside a pool FAIR inside, before submission order
    #: (Spark's tie by task-set name, ranked by the caller); None = submission order alone
    job_tie: np.ndarray | None = None

    @property
    def n_jobs(self) -> int:
        return len(self.job_id)

    def slice(self, lo: int, hi: int) -> Batch:
        """Jobs ``lo .. hi-1`` as a batch of their own (offsets rebased), so a large batch
        can be pushed in cache-sized pieces. Open jobs only (``after`` = -1): a closed-loop
        job's predecessor index is relative to its batch."""
        js = self.job_stages
        s0, s1 = (int(js[lo]), int(js[hi])) if js is not None else (lo, hi)
        t0, t1 = int(self.task_offsets[s0]), int(self.task_offsets[s1])

        def part(a: np.ndarray | None, a0: int, a1: int) -> np.ndarray | None:
            return None if a is None else a[a0:a1]

        sp = self.stage_parents
        p0, p1 = (int(sp[s0]), int(sp[s1])) if sp is not None else (0, 0)
        return Batch(
            job_id=self.job_id[lo:hi],
            user=self.user[lo:hi],
            submit=self.submit[lo:hi],
            after=self.after[lo:hi],
            think=self.think[lo:hi],
            job_class=self.job_class[lo:hi],
            task_offsets=self.task_offsets[s0 : s1 + 1] - t0,
            durations=self.durations[t0:t1],
            job_stages=None if js is None else js[lo : hi + 1] - s0,
            stage_id=part(self.stage_id, s0, s1),
            stage_parents=None if sp is None else sp[s0 : s1 + 1] - p0,
            parents=part(self.parents, p0, p1),
            stage_cpu=part(self.stage_cpu, s0, s1),
            stage_mem=part(self.stage_mem, s0, s1),
            job_pool=part(self.job_pool, lo, hi),
            job_estimate=part(self.job_estimate, lo, hi),
            job_tie=part(self.job_tie, lo, hi),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Batch):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    def __repr__(self) -> str:
        return f"Batch(jobs={self.n_jobs}, stages={len(self.task_offsets) - 1}, tasks={len(self.durations)})"


@dataclass(frozen=True)
class Workload:
    """Jobs prepared in the simulator's layout, with their user and class names: a paper
    scenario (:func:`scenario_workload`) or a benchmark's synthetic jobs. Run it with
    :func:`simulate`.

    Parameters
    ----------
    batch : Batch
        The jobs (``schedkit.fair._model.Batch``); user and class fields index the name lists.
    user_names, class_names : list of str
        Names of the users and job classes.

    Examples
    --------
    >>> import schedkit as sk
    >>> sk.fair.scenario_workload("4_super_small_users")
    Workload(jobs=120, tasks=3840, users=4, classes=1)
    """

    batch: Batch
    user_names: list[str]
    class_names: list[str]

    def __repr__(self) -> str:
        return (
            f"Workload(jobs={self.batch.n_jobs}, tasks={len(self.batch.durations)}, "
            f"users={len(self.user_names)}, classes={len(self.class_names)})"
        )


# --------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class Result:
    """The outcome of one simulation: the per-job table, and summary, fairness, checks and
    plots computed from it.

    Parameters
    ----------
    policy, cores, partition, estimate
        The run's settings (see :class:`RunSpec`).
    jobs : pyarrow.Table
        One row per job in submission order, columns :data:`JOB_COLUMNS`.
    tasks : pyarrow.Table, optional
        With ``record_tasks=True``: one row per task (job_id, stage, node, start, end, cpu,
        memory, and ready = when the task's stage became schedulable); else None.
    events : int
        Simulator events processed.
    scenario : str, optional
        The paper scenario run, if any.
    meta : dict
        DRF: ``{"nodes": (cpu capacities, memory capacities)}``, used by :meth:`validate`;
        with an overhead model: ``{"overheads": SparkOverheads}``.
    cluster : str
        The cluster model the run used (:data:`CLUSTERS`).

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> sk.fair.replay(t, policy="fifo", cores=1)
    Result(policy='fifo', cores=1, jobs=2, mean_response_time=2.5, events=4)
    """

    #: Unhashable: equal results compare equal (their tables do), but a table has no hash.
    __hash__ = None  # type: ignore[assignment]

    policy: str
    cores: int
    partition: bool
    estimate: str
    jobs: pa.Table
    tasks: pa.Table | None = None
    events: int = 0
    scenario: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    cluster: str = "slots"

    def __repr__(self) -> str:
        extra = "".join(
            [
                ", partition=True" if self.partition else "",
                f", estimate={self.estimate!r}" if self.estimate != "oracle" else "",
                f", scenario={self.scenario!r}" if self.scenario else "",
            ]
        )
        rt = self.jobs.column("response_time").to_numpy()
        mean = f"{float(rt.mean()):.6g}" if len(rt) else "nan"
        return (
            f"Result(policy={self.policy!r}, cores={self.cores}{extra}, jobs={self.jobs.num_rows}, "
            f"mean_response_time={mean}, events={self.events})"
        )

    @property
    def label(self) -> str:
        """The policy, with ``-P`` when partitioned (``"uwfq-P"``)."""
        return f"{self.policy}{'-P' if self.partition else ''}"

    def users(self) -> pa.Table:
        """Per-user figures: jobs, mean response time, mean slowdown, total work.

        Returns
        -------
        pyarrow.Table
            One row per user, sorted by name.

        Examples
        --------
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0, 1, 2], ["b", "b", "a"], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
        >>> sk.fair.replay(t, policy="fifo", cores=1).users().column("jobs").to_pylist()
        [1, 2]
        """
        return per_user(self.jobs)

    def summary(self, reference: Result | None = None) -> dict[str, Any]:
        """Response-time statistics, slowdown and Jain's index (see :func:`summarize`).

        Parameters
        ----------
        reference : Result, optional
            A UJF run of the same workload: adds DVR, violations and DSR.

        Returns
        -------
        dict

        Examples
        --------
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
        >>> sk.fair.replay(t, policy="fifo", cores=1).summary()["median_response_time"]
        2.5
        """
        return summarize(self.jobs, reference.jobs if reference is not None else None)

    def to_arrow(self) -> pa.Table:
        """The per-job table (:attr:`jobs`), for code that takes any Arrow-exporting object.

        Examples
        --------
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0], ["a"], [0.0], [2.0])
        >>> sk.fair.replay(t, policy="fifo", cores=1).to_arrow().column_names[:3]
        ['job_id', 'user', 'job_class']
        """
        return self.jobs

    def validate(self) -> Result:
        """Checks the recorded tasks independently of the simulator.

        Each task ran once, none before its job's submission or its parent stages' end, the
        task durations add up to the job work, a job ends with its last task; core-slot
        policies: at most ``cores`` busy, work-conserving, response >= work / cores; DRF: no
        node's cpu or memory exceeded.

        Returns
        -------
        Result
            ``self``, so a call chains.

        Raises
        ------
        ValidationError
            The run was made without ``record_tasks=True``, or a check failed.

        Examples
        --------
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0, 0, 1], ["a", "a", "b"], [0.0, 0.0, 1.0], [2.0, 1.0, 1.0])
        >>> r = sk.fair.replay(t, policy="uwfq", cores=2, record_tasks=True).validate()
        >>> r.jobs.column("finish_time").to_pylist()
        [2.0, 2.0]
        """
        if self.tasks is None:
            raise ValidationError("validate() needs record_tasks=True")
        j, t = self.jobs, self.tasks
        # DRF: the nodes' (cpu capacities, memory capacities), as the engine reported them
        nodes: tuple[tuple[float, ...], tuple[float, ...]] | None = (
            self.meta.get("nodes") if self.policy == "drf" else None
        )
        drf = nodes is not None
        # --- Spark overhead model (issue 18): launch latency is busy time; delays idle ---
        over: SparkOverheads | None = self.meta.get("overheads")
        extra: dict[str, Any] = {}
        if over is not None:
            jid = j.column("job_id").to_numpy()
            order = np.argsort(jid, kind="stable")
            pos = order[np.searchsorted(jid[order], t.column("job_id").to_numpy())]
            # a stage without parents is ready at its job's submission
            first = t.column("ready").to_numpy() <= j.column("submit_time").to_numpy()[pos]
            extra = dict(launch=over.task_launch, lag=min_lag(over, first))
        check_run(
            job_id=j.column("job_id").to_numpy(),
            submit=j.column("submit_time").to_numpy(),
            finish=j.column("finish_time").to_numpy(),
            work=j.column("work").to_numpy(),
            n_tasks=j.column("n_tasks").to_numpy(),
            task_job=t.column("job_id").to_numpy(),
            start=t.column("start").to_numpy(),
            end=t.column("end").to_numpy(),
            ready=t.column("ready").to_numpy(),
            cores=self.cores,
            node=t.column("node").to_numpy() if drf else None,
            cpu=t.column("cpu").to_numpy() if drf else None,
            memory=t.column("memory").to_numpy() if drf else None,
            node_cpu=None if nodes is None else nodes[0],
            node_mem=None if nodes is None else nodes[1],
            **extra,
        )
        return self

    def to_chrome_trace(self, path: str | Path) -> Path:
        """Writes the recorded tasks as Chrome trace event JSON (open it in Perfetto or
        chrome://tracing): one track per core (resources model: a process per node), one
        slice per task named after its job, with job, user and stage as arguments; times in
        microseconds.

        Parameters
        ----------
        path : str or pathlib.Path
            The JSON file to write.

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        ValidationError
            The run was made without ``record_tasks=True``.

        Examples
        --------
        >>> import json, pathlib, tempfile
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0, 0], ["a", "a"], [0.0, 0.0], [2.0, 1.0])
        >>> r = sk.fair.replay(t, policy="fifo", cores=2, record_tasks=True)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     ev = json.loads(r.to_chrome_trace(pathlib.Path(d) / "t.json").read_text())["traceEvents"]
        >>> sorted((e["tid"], e["dur"]) for e in ev if e["ph"] == "X")
        [(0, 1000000.0), (1, 2000000.0)]
        """
        if self.tasks is None:
            raise ValidationError("to_chrome_trace() needs record_tasks=True")
        return write_chrome_trace(self.tasks, self.jobs, path, self.label, slots=self.cluster == "slots")

    def plot(self, *, ax: Any = None, path: str | Path | None = None, users: bool = True) -> Any:
        """Response-time ECDF and per-user bars of this run (see :func:`plot`).

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> import schedkit as sk
        >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     fig = sk.fair.replay(t, policy="fifo", cores=1).plot(users=False, path=pathlib.Path(d) / "r.svg")
        >>> fig.axes[0].get_xlabel()
        'response time (s)'
        """
        return plot({self.label: self}, ax=ax, path=path, users=users)
