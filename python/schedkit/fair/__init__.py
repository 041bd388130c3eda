"""Multi-user cluster scheduling: replay traces and the UWFQ paper's scenarios through
Spark-style policies on an event-driven simulator (Rust).

Model
-----
``cores`` identical cores; a job is a DAG of stages (Spark's unit of scheduling, the trace's
``stage`` column; one stage when absent), a stage a bag of non-preemptive tasks, each on one
core for its duration. A stage becomes schedulable when its parent stages have finished
(``parents`` column; default: every lower-numbered stage of the job). At every arrival and
task completion the schedulable stages are sorted once with the policy's comparator and the
free cores are filled greedily in that order (specs/fair.md B.4), so the dispatch is
work-conserving. Policies (:data:`POLICIES`):

``fifo``  Spark FIFO: job arrival order (Spark job id), then stage id.
``fair``  Spark FAIR. Without ``pools`` every user lands in the ``default`` pool (FIFO inside),
          which is FIFO in effect (the paper's "Fair" baseline). ``pools={user: (weight,
          min_share)}`` or ``{user: name}`` with ``pool_config={name: (weight, min_share)}``.
``ujf``   FAIR with one pool per user (weight 1, minShare 0, FAIR inside): user-job fair.
``cfq``   Cluster fair queuing, stage-level as in the authors' code: a stage's deadline is
          v(submission) + its estimated work, v advancing at C / (stages in the virtual
          system); earliest deadline first. Ignores users.
``uwfq``  User-weighted fair queuing (specs/fair.md A.3): GPS over users (weights ``weights``,
          default 1: ``dV/dt = C / sum of active weights``), per-user GPS over the user's jobs
          for the inner order, each user's jobs chained inside the user's share
          (``D = S_u + sum R/w_u``), a returning user keeps its chain start within the grace
          period (``grace`` seconds of real time, ``grace * C / 2`` virtual units, the
          authors' 3 s). Earliest global deadline first.
``drf``   Dominant resource fairness (Ghodsi et al. 2011): progressive filling, the next task
          goes to the user with the smallest weighted dominant share (over the whole cluster)
          whose next task fits, on the first node where it fits. Nodes: one pooled node of
          ``cores`` cpus and ``memory`` memory (default unbounded), or ``nodes=N`` equal
          nodes sharing them, or ``nodes=[(cpu, memory), ...]``. A task holds its stage's
          (cpu, memory) request, the largest among the stage's rows (NaN cpu = 1 core, NaN
          memory = 0). Not core-slot based: fractional cpu requests pack.
``sjf``   Oracle shortest job first on true job work (a reference, not a real scheduler).

``partition=True`` applies runtime partitioning: a job of estimated work W (core-seconds)
becomes ``max(1, ceil(W / tau))`` equal tasks of its true work (``tau`` = 0.5 core-s); with
several stages each stage gets its share of W by its true work.
``estimate="oracle" | "noisy" | "historic"``: the estimate the schedulers (CFQ, UWFQ) and the
partitioner see: the true work, the true work times a seeded log-normal factor
``exp(noise * N(0,1))``, or the mean work of the finished jobs of the same class.

Replay streams: a trace file is read in chunks of whole jobs in submit order (sorted out of
core when it is large) and pushed into the Rust engine, which processes its events up to
each chunk's last submit time and hands back the finished jobs; memory holds about one chunk,
the jobs in the system and a few numbers per finished job (:func:`replay_many` runs several
policies in the same pass).

Example
-------
>>> import schedkit as sk
>>> trace = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
>>> r = sk.fair.replay(trace, policy="uwfq", cores=32)
>>> round(r.summary()["mean_response_time"], 1) > 0
True
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from schedkit import trace as _trace
from schedkit.exceptions import InvalidInstanceError, ValidationError
from schedkit.fair._engine import Batch, Names, Progress, Runner, RunSpec, batch_from_chunk, job_table

__all__ = [
    "POLICIES",
    "SCENARIOS",
    "ESTIMATES",
    "Result",
    "Workload",
    "replay",
    "replay_many",
    "run_scenario",
    "simulate",
    "summarize",
]

#: Policy name -> one-line description (the names accepted by :func:`replay` and the CLI).
POLICIES: dict[str, str] = {
    "fifo": "Spark FIFO (job id, then stage)",
    "fair": "Spark FAIR with pools (no pools: FIFO in effect, the paper's 'Fair')",
    "ujf": "Spark FAIR, one pool per user (user-job fair)",
    "cfq": "cluster fair queuing (stage-level virtual deadlines)",
    "uwfq": "user-weighted fair queuing (user GPS + per-user chains)",
    "drf": "dominant resource fairness on (cpu, memory) requests",
    "sjf": "oracle shortest job first (reference)",
}

ESTIMATES = ("oracle", "noisy", "historic")

#: Oracle work of the paper's job classes, core-seconds (specs/fair.md A.7).
JOB_CLASS_WORK = {"Loop1000": 131.115, "Loop500": 57.115, "Loop100": 26.926, "Loop20": 1.523}

#: Scenario name -> bundled file.
SCENARIOS: dict[str, str] = {
    "2_large_2_small_users": "synthetic_2_large_2_small_users_default.json",
    "2_power_2_small_users": "synthetic_2_power_2_small_users_default.json",
    "4_large_users": "synthetic_4_large_users_default.json",
    "4_super_small_users": "synthetic_4_super_small_users_default.json",
    "google_hetero": "uwfq_hetero_macro_workload.json",
    "google_homo": "uwfq_homo_macro_workload.json",
}

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
# Result


@dataclass(frozen=True)
class Result:
    """The outcome of one replay: per-job table, summary, fairness, plots.

    Attributes
    ----------
    policy, cores, partition, estimate : the run's settings
    jobs : pyarrow.Table, one row per job (:data:`JOB_COLUMNS`)
    tasks : pyarrow.Table when ``record_tasks=True`` (job_id, stage, node, start, end, cpu,
        memory, ready = when the task's stage became schedulable), else None
    events : simulator events processed
    """

    policy: str
    cores: int
    partition: bool
    estimate: str
    jobs: pa.Table
    tasks: pa.Table | None = None
    events: int = 0
    scenario: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.policy}{'-P' if self.partition else ''}"

    def users(self) -> pa.Table:
        """Per-user figures: jobs, mean response time, mean slowdown, total work."""
        return _per_user(self.jobs)

    def summary(self, reference: Result | None = None) -> dict[str, Any]:
        """Response-time statistics, slowdown, Jain's index; DVR/DSR when ``reference`` (a
        UJF run of the same workload) is given. See :func:`summarize`."""
        return summarize(self.jobs, reference.jobs if reference is not None else None)

    def to_arrow(self) -> pa.Table:
        return self.jobs

    def validate(self) -> Result:
        """Checks the recorded tasks: each task ran once, at most C busy, work-conserving,
        response >= work / C, and no task before its job's submission."""
        if self.tasks is None:
            raise ValidationError("validate() needs record_tasks=True")
        _validate(self.jobs, self.tasks, self.cores, self.meta.get("nodes") if self.policy == "drf" else None)
        return self

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """ECDF of response times of this run (see :func:`plot`)."""
        return plot({self.label: self}, ax=ax, **kw)


def _per_user(jobs: pa.Table) -> pa.Table:
    users = np.asarray(jobs.column("user").to_numpy(zero_copy_only=False)).astype(str)
    rt = jobs.column("response_time").to_numpy()
    sd = jobs.column("slowdown").to_numpy()
    wk = jobs.column("work").to_numpy()
    names, inv = np.unique(users, return_inverse=True)
    cnt = np.bincount(inv, minlength=len(names))
    return pa.table(
        {
            "user": names.tolist(),
            "jobs": cnt.astype(np.int64),
            "mean_response_time": np.bincount(inv, rt, len(names)) / cnt,
            "mean_slowdown": np.bincount(inv, sd, len(names)) / cnt,
            "work": np.bincount(inv, wk, len(names)),
        }
    )


def jain(x: np.ndarray) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2): 1 = all equal, 1/n = one takes all."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0 or not np.any(x):
        return 1.0
    return float(x.sum() ** 2 / (len(x) * (x**2).sum()))


def summarize(jobs: pa.Table, reference: pa.Table | None = None) -> dict[str, Any]:
    """Summary of a jobs table.

    Keys: ``jobs``, ``mean/median/p95/p99_response_time``, ``small80_mean_response_time``
    (mean over the smallest 80% of response times, the paper's "worst80" band),
    ``mean_slowdown``, ``p95_slowdown``, ``makespan``, ``user_mean_response_time``
    (dict), ``jain_index`` (Jain's index over users' mean slowdowns), and with a
    ``reference`` (UJF) jobs table, the violation metrics of specs/fair.md A.6: per job
    ``r = (RT - RT_ref) / RT_ref``; ``dvr`` = mean r over r > 0 (0 if none),
    ``violations`` = count of r > 0 (relative tolerance 1e-9), ``dsr`` = mean r over r <= 0.
    """
    rt = np.asarray(jobs.column("response_time").to_numpy(), dtype=float)
    sd = np.asarray(jobs.column("slowdown").to_numpy(), dtype=float)
    srt = np.sort(rt)
    k = max(1, math.floor(0.8 * len(srt))) if len(srt) else 0
    users = _per_user(jobs)
    out: dict[str, Any] = {
        "jobs": len(rt),
        "mean_response_time": float(rt.mean()) if len(rt) else float("nan"),
        "median_response_time": float(np.median(rt)) if len(rt) else float("nan"),
        "p95_response_time": float(np.percentile(rt, 95)) if len(rt) else float("nan"),
        "p99_response_time": float(np.percentile(rt, 99)) if len(rt) else float("nan"),
        "small80_mean_response_time": float(srt[:k].mean()) if k else float("nan"),
        "mean_slowdown": float(sd.mean()) if len(sd) else float("nan"),
        "p95_slowdown": float(np.percentile(sd, 95)) if len(sd) else float("nan"),
        "makespan": float(jobs.column("finish_time").to_numpy().max() - jobs.column("submit_time").to_numpy().min())
        if len(rt)
        else 0.0,
        "user_mean_response_time": dict(
            zip(users.column("user").to_pylist(), users.column("mean_response_time").to_pylist())
        ),
        "jain_index": jain(users.column("mean_slowdown").to_numpy()),
    }
    if reference is not None:
        out.update(violation(jobs, reference))
    return out


def violation(jobs: pa.Table, reference: pa.Table) -> dict[str, Any]:
    """DVR/DSR of ``jobs`` against ``reference`` (matched by job_id)."""
    a = jobs.select(["job_id", "response_time"])
    b = reference.select(["job_id", "response_time"]).rename_columns(["job_id", "rt_ref"])
    j = a.join(b, "job_id", join_type="inner")
    if j.num_rows != jobs.num_rows:
        raise InvalidInstanceError("reference run does not hold the same jobs", field="reference")
    rt = j.column("response_time").to_numpy()
    ref = j.column("rt_ref").to_numpy()
    r = (rt - ref) / np.where(ref > 0, ref, 1.0)
    viol = r > 1e-9
    return {
        "dvr": float(r[viol].mean()) if viol.any() else 0.0,
        "violations": int(viol.sum()),
        "dsr": float(r[~viol].mean()) if (~viol).any() else 0.0,
    }


def _validate(jobs: pa.Table, tasks: pa.Table, cores: int, nodes: tuple[np.ndarray, np.ndarray] | None) -> None:
    """Independent checks of a run's task records (see :meth:`Result.validate`)."""
    eps = 1e-7
    n_tasks = jobs.column("n_tasks").to_numpy()
    jid = jobs.column("job_id").to_numpy()
    order = np.argsort(jid, kind="stable")
    tj = order[np.searchsorted(jid[order], tasks.column("job_id").to_numpy())]
    cnt = np.bincount(tj, minlength=len(jid))
    if not np.array_equal(cnt, n_tasks):
        raise ValidationError("a task did not run exactly once")
    st = tasks.column("start").to_numpy()
    en = tasks.column("end").to_numpy()
    ready = tasks.column("ready").to_numpy()
    sub = jobs.column("submit_time").to_numpy()
    if np.any(st < sub[tj] - eps):
        raise ValidationError("a task started before its job was submitted")
    if np.any(st < ready - eps):
        raise ValidationError("a task started before its stage's parent stages had finished")
    wk = np.bincount(tj, en - st, len(jid))
    if not np.allclose(wk, jobs.column("work").to_numpy(), rtol=1e-9, atol=1e-6):
        raise ValidationError("task durations do not add up to the job work")
    fin = jobs.column("finish_time").to_numpy()
    last_end = np.full(len(jid), -np.inf)
    np.maximum.at(last_end, tj, en)
    if not np.allclose(fin, last_end, rtol=0, atol=eps):
        raise ValidationError("a job's finish time is not its last task's end")
    if nodes is not None:
        # DRF: per-node cpu and memory capacities instead of core slots; releases before
        # acquisitions at equal times; each node's usage starts and ends at 0, so one running
        # sum over the events sorted by (node, time) gives every node's usage.
        node = tasks.column("node").to_numpy()
        times = np.concatenate([st, en])
        sign = np.concatenate([np.ones(len(st)), -np.ones(len(en))])
        nn = np.concatenate([node, node])
        order = np.lexsort((sign, times, nn))
        for col, cap, name in (("cpu", nodes[0], "cpu"), ("memory", nodes[1], "memory")):
            req = tasks.column(col).to_numpy()
            use = np.cumsum((sign * np.concatenate([req, req]))[order])
            limit = cap[nn[order]]
            if np.any(use > limit * (1 + 1e-9) + 1e-9):
                raise ValidationError(f"{name} capacity of a node exceeded")
        return
    if np.any(fin - sub < jobs.column("work").to_numpy() / cores - eps):
        raise ValidationError("response time below work / C")
    # After all events at each event time tau: busy(tau) = started - ended, pending(tau) =
    # ready - started. Never more than C busy; busy < C implies nothing pending.
    ts = np.sort(st)
    te = np.sort(en)
    tready = np.sort(ready)
    taus = np.unique(np.concatenate([st, en, ready]))
    started = np.searchsorted(ts, taus, side="right")
    ended = np.searchsorted(te, taus, side="right")
    became_ready = np.searchsorted(tready, taus, side="right")
    busy = started - ended
    if busy.max(initial=0) > cores:
        raise ValidationError(f"more than {cores} cores busy")
    idle_pending = (busy < cores) & (became_ready - started > 0)
    if idle_pending.any():
        t = taus[np.flatnonzero(idle_pending)[0]]
        raise ValidationError(f"a core idled at t={t} while a task was pending (not work-conserving)")


# --------------------------------------------------------------------------------------
# Running


def _check_spec(spec: RunSpec) -> None:
    if spec.policy not in POLICIES:
        raise InvalidInstanceError(
            f"unknown policy {spec.policy!r}; expected one of {sorted(POLICIES)}", field="policy"
        )
    if spec.estimate not in ESTIMATES:
        raise InvalidInstanceError(f"unknown estimate {spec.estimate!r}; expected one of {ESTIMATES}", field="estimate")
    c = spec.cores
    if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c <= 0:
        raise InvalidInstanceError(f"cores must be a positive integer, got {c!r}", field="cores")
    if spec.partition and (not math.isfinite(spec.tau) or spec.tau <= 0):
        raise InvalidInstanceError(f"tau must be finite and > 0, got {spec.tau}", field="tau")
    if not math.isfinite(spec.grace):
        raise InvalidInstanceError(f"grace must be finite, got {spec.grace}", field="grace")


def _result(r: Runner, classes: Names, scenario: str | None = None) -> Result:
    jobs, tasks = job_table(r, classes)
    s = r.spec
    meta: dict[str, Any] = {}
    if s.policy == "drf":
        cpu = np.array([float(s.cores)]) if r.nodes is None else r.nodes[0]
        mem = np.array([math.inf if s.memory is None else float(s.memory)]) if r.nodes is None else r.nodes[1]
        meta = {"nodes": (cpu, mem)}
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
    )


def replay_many(
    trace: pa.Table | str | Path,
    runs: Iterable[Mapping[str, Any]],
    *,
    class_column: str | None = "job_class",
    progress: bool | None = None,
    format: str | None = None,
    errors: str = "raise",
    users: int = 16,
    seed: int = 0,
    chunk_rows: int = 1 << 16,
    run_rows: int = 1 << 20,
) -> list[Result]:
    """Replays one trace under several settings in a single streaming pass.

    ``runs``: one mapping of :func:`replay` keyword arguments per simulation (``policy``,
    ``cores``, ``partition``, ``tau``, ``estimate``, ...). The trace is read once, in chunks
    of whole jobs in submit order (:mod:`schedkit.trace._order`: a file larger than
    ``run_rows`` rows is sorted out of core), and every chunk is fed to all simulations, so
    memory holds about one chunk, the jobs still running and a few numbers per finished job.
    ``users``, ``seed``: the user rule for traces without users (Alibaba).
    """
    from schedkit.trace._order import ordered_jobs

    specs = []
    for i, r in enumerate(runs):
        try:
            specs.append(RunSpec(**dict(r)))
        except TypeError as exc:  # an unknown setting name, or not a mapping
            raise InvalidInstanceError(f"runs[{i}]: {exc}", field="runs", index=i) from None
        _check_spec(specs[-1])
    if not specs:
        raise InvalidInstanceError("runs: give at least one simulation", field="runs")
    names, classes = Names(), Names()
    runners = [Runner(sp, names) for sp in specs]
    label = Path(trace).name if isinstance(trace, (str, Path)) else "replay"
    bar = Progress(f"replay {label}", progress)

    def on_rows(n: int) -> None:
        bar.rows = n
        bar.update(runners, 0.0)

    source = Path(trace) if isinstance(trace, (str, Path)) else trace
    t_last = 0.0
    chunks = ordered_jobs(
        source,
        format=format,
        errors=errors,
        users=users,
        seed=seed,
        chunk_rows=chunk_rows,
        run_rows=run_rows,
        on_rows=on_rows,
    )
    requests = any(sp.policy == "drf" for sp in specs)
    for chunk in chunks:
        b = batch_from_chunk(chunk, names, classes, class_column, requests=requests)
        if b.n_jobs == 0:
            continue
        t_last = float(b.submit[-1])
        for r in runners:
            r.push(b)
            # Later chunks cannot arrive before this chunk's last submit time.
            r.advance(t_last)
        bar.update(runners, t_last)
    if runners and runners[0].pushed == 0:
        raise InvalidInstanceError("trace: no tasks", field="trace")
    for r in runners:
        r.finish()
    bar.update(runners, t_last, final=True)
    return [_result(r, classes) for r in runners]


def replay(
    trace: pa.Table | str | Path,
    policy: str = "uwfq",
    cores: int = 32,
    partition: bool = False,
    *,
    tau: float = 0.5,
    estimate: str = "oracle",
    noise: float = 0.5,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    pools: Mapping[str, Any] | None = None,
    pool_config: Mapping[str, Any] | None = None,
    grace: float = 3.0,
    memory: float | None = None,
    nodes: Any = None,
    class_column: str | None = "job_class",
    record_tasks: bool = False,
    progress: bool | None = None,
    format: str | None = None,
    errors: str = "raise",
) -> Result:
    """Replays a trace (a table in :data:`schedkit.trace.SCHEMA`, or a trace file) under
    ``policy`` on ``cores`` cores.

    A job's submit time is the earliest submit time of its rows; jobs arrive in (submit
    time, job id) order; a job's stages (``stage`` column) become schedulable when their
    parents (``parents`` column; default: every lower-numbered stage) have finished; a stage's
    tasks run in ``task_id`` order. ``weights``: per-user UWFQ/DRF weights (default 1).
    ``pools``/``pool_config``: Spark FAIR pools (policy="fair"). ``memory``, ``nodes``: DRF
    capacities (``nodes`` = N equal nodes, or a list of (cpu, memory) pairs; default one
    pooled node of ``cores`` cpus). ``class_column``: the job class for
    ``estimate="historic"`` (default: the user). A file is streamed (see
    :func:`replay_many`); ``progress`` shows a progress line on stderr (default: when it is
    a terminal).

    Example
    -------
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
        record_tasks=record_tasks,
    )
    return replay_many(trace, [run], class_column=class_column, progress=progress, format=format, errors=errors)[0]


@dataclass
class Workload:
    """Jobs prepared in the simulator's layout, with their user and class names (a paper
    scenario, or a benchmark's synthetic jobs); run it with :func:`simulate`."""

    batch: Batch
    user_names: list[str]
    class_names: list[str]


def simulate(w: Workload, *, scenario: str | None = None, **run: Any) -> Result:
    """Runs a prepared :class:`Workload` in one push (closed-loop jobs need this: their
    predecessors are in the same batch). ``run``: :func:`replay`'s simulation keywords."""
    spec = RunSpec(**run)
    _check_spec(spec)
    names = Names(w.user_names)
    r = Runner(spec, names)
    if w.batch.n_jobs == 0:
        raise InvalidInstanceError("workload: no jobs", field="trace")
    r.push(w.batch)
    r.finish()
    return _result(r, Names(w.class_names), scenario)


# --------------------------------------------------------------------------------------
# The paper's scenarios


def _split(work: float, k: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    if skew > 0:
        x = rng.lognormal(0.0, skew, k)
    else:
        x = np.ones(k)
    return work * x / x.sum()


def scenario_workload(
    name: str, *, seed: int = 0, default_tasks: int = 32, skew: float = 1.0, reduce_share: float = 0.0
) -> Workload:
    """Builds the closed-/open-loop workload of a paper scenario (see :func:`run_scenario`)."""
    if name not in SCENARIOS:
        raise InvalidInstanceError(f"unknown scenario {name!r}; expected one of {sorted(SCENARIOS)}", field="scenario")
    if default_tasks <= 0:
        raise InvalidInstanceError("default_tasks must be >= 1", field="default_tasks")
    if not 0 <= reduce_share < 1:
        raise InvalidInstanceError(f"reduce_share must be in [0, 1), got {reduce_share}", field="reduce_share")
    with open(_trace.bundled(SCENARIOS[name])) as fh:
        spec = json.load(fh)
    rng = np.random.default_rng(seed)
    jobs: list[dict[str, Any]] = []  # user, submit, after, think, class, works (per Spark job)
    if name.startswith("google"):
        groups: dict[str, dict[str, Any]] = {}
        for u in spec:
            for wl in u["workloads"]:
                g = groups.setdefault(
                    wl["workloadName"], {"user": u["user"], "submit": float(wl["startTimeMs"]) / 1000, "works": []}
                )
                g["submit"] = min(g["submit"], float(wl["startTimeMs"]) / 1000)
                g["works"].append(float(wl["params"]["task_runtime_s"]))
        for gname, g in groups.items():
            jobs.append(
                {
                    "user": g["user"],
                    "submit": g["submit"],
                    "after": -1,
                    "think": 0.0,
                    "class": gname,
                    "works": g["works"],
                }
            )
    else:
        for u in spec:
            for wl in u["workloads"]:
                cls = wl["className"].rsplit(".", 1)[-1]
                if cls not in JOB_CLASS_WORK:
                    raise InvalidInstanceError(f"{name}: unknown job class {cls}", field="className")
                work = JOB_CLASS_WORK[cls]
                start = float(wl["startTimeMs"]) / 1000
                rate = float(wl.get("poissonRateInMinutes") or 0) / 60.0
                k = int(wl["totalIterations"])
                seq = wl.get("frequency") == "SEQ"
                t = start
                prev = -1
                for i in range(k):
                    gap = rng.exponential(1 / rate) if rate > 0 else 0.0
                    if seq:
                        jobs.append(
                            {
                                "user": u["user"],
                                "submit": start,
                                "after": prev,
                                "think": gap if i else 0.0,
                                "class": cls,
                                "works": [work],
                            }
                        )
                        prev = len(jobs) - 1
                    else:
                        if i:
                            t += gap
                        jobs.append(
                            {"user": u["user"], "submit": t, "after": -1, "think": 0.0, "class": cls, "works": [work]}
                        )
    # order: open jobs by submit time, closed-loop successors after their predecessor
    idx = list(range(len(jobs)))
    idx.sort(key=lambda i: (jobs[i]["submit"], i))
    remap = {old: new for new, old in enumerate(idx)}
    # a successor must come after its predecessor: both share the same submit key (start),
    # and the stable sort by original index keeps chains in order.
    jobs = [jobs[i] for i in idx]
    user_names = sorted({j["user"] for j in jobs})
    class_names = sorted({j["class"] for j in jobs})
    durs: list[np.ndarray] = []
    offsets = [0]  # per stage
    job_stages = [0]
    for j in jobs:
        parts = [_split(wk, default_tasks, skew, rng) for wk in j["works"]]
        d = np.concatenate(parts)
        if reduce_share > 0:  # a map stage, then one reduce task with that share of the work
            durs += [d * (1 - reduce_share), np.array([d.sum() * reduce_share])]
            offsets += [offsets[-1] + len(d), offsets[-1] + len(d) + 1]
        else:
            durs.append(d)
            offsets.append(offsets[-1] + len(d))
        job_stages.append(len(offsets) - 1)
    n = len(jobs)
    return Workload(
        Batch(
            job_id=np.arange(n, dtype=np.int64),
            user=np.array([user_names.index(j["user"]) for j in jobs], dtype=np.int64),
            submit=np.array([j["submit"] for j in jobs], dtype=np.float64),
            after=np.array([remap[j["after"]] if j["after"] >= 0 else -1 for j in jobs], dtype=np.int64),
            think=np.array([j["think"] for j in jobs], dtype=np.float64),
            job_class=np.array([class_names.index(j["class"]) for j in jobs], dtype=np.int64),
            task_offsets=np.array(offsets, dtype=np.int64),
            durations=np.concatenate(durs) if durs else np.zeros(0),
            job_stages=np.array(job_stages, dtype=np.int64) if reduce_share > 0 else None,
        ),
        user_names=user_names,
        class_names=class_names,
    )


def run_scenario(
    name: str,
    policy: str = "uwfq",
    partition: bool = False,
    cores: int = 32,
    seed: int = 0,
    *,
    default_tasks: int = 32,
    skew: float = 1.0,
    reduce_share: float = 0.0,
    **kw: Any,
) -> Result:
    """Simulates one of the UWFQ paper's scenarios (:data:`SCENARIOS`, specs/fair.md A.7).

    Sequential (``SEQ``) users are closed loops: the next job is submitted when the previous
    one completes plus an exponential think time (rate ``poissonRateInMinutes``; 0 = none).
    Parallel (``PARA``) users submit ``totalIterations`` jobs from ``startTimeMs`` with
    exponential gaps (rate per minute; 0 = all at once). Job work is the authors' oracle
    value per class (Loop1000 131.115 core-s, ...); ``google_*`` jobs are the authors'
    converted job groups (work = ``task_runtime_s`` per entry). Unpartitioned, each Spark
    job has ``default_tasks`` tasks with seeded log-normal(0, ``skew``) sizes (file-split
    skew); with ``partition=True`` each job gets ``ceil(W / tau)`` equal tasks.
    ``reduce_share`` > 0 makes each job two stages, as Spark runs a Loop job: the map tasks,
    then one reduce task carrying that share of the work. Job classes (for
    ``estimate="historic"``) are the Loop classes.

    Example
    -------
    >>> import schedkit as sk
    >>> r = sk.fair.run_scenario("4_super_small_users", policy="uwfq")
    >>> r.summary()["jobs"]
    120
    """
    w = scenario_workload(name, seed=seed, default_tasks=default_tasks, skew=skew, reduce_share=reduce_share)
    return simulate(w, policy=policy, cores=cores, partition=partition, seed=seed, scenario=name, **kw)


# --------------------------------------------------------------------------------------
# Plots


def plot(results: Mapping[str, Result] | Iterable[Result], ax: Any = None, users: bool = True) -> Any:
    """Response-time ECDF per policy (and, with ``users``, per-user mean response-time bars).

    Needs matplotlib (``pip install schedkit[plot]``). Returns the figure.
    """
    try:
        import matplotlib

        matplotlib.use("Agg") if "matplotlib.pyplot" not in sys.modules else None
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        from schedkit.exceptions import SolverUnavailableError

        raise SolverUnavailableError("plotting needs matplotlib: pip install 'schedkit[plot]'") from None
    if not isinstance(results, Mapping):
        results = {r.label: r for r in results}
    if ax is None:
        fig, axes = plt.subplots(1, 2 if users else 1, figsize=(12 if users else 6, 4.5))
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(ax)
        fig = axes[0].figure
    for label, r in results.items():
        rt = np.sort(r.jobs.column("response_time").to_numpy())
        axes[0].step(rt, np.arange(1, len(rt) + 1) / len(rt), where="post", label=label)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("response time (s)")
    axes[0].set_ylabel("ECDF")
    axes[0].legend(fontsize=8)
    if users and len(axes) > 1:
        labels = list(results)
        tabs = [results[k].users() for k in labels]
        names = tabs[0].column("user").to_pylist()
        x = np.arange(len(names))
        wdt = 0.8 / max(1, len(labels))
        for i, (k, t) in enumerate(zip(labels, tabs)):
            m = dict(zip(t.column("user").to_pylist(), t.column("mean_response_time").to_pylist()))
            axes[1].bar(x + i * wdt, [m.get(n, 0) for n in names], wdt, label=k)
        axes[1].set_xticks(x + 0.4 - wdt / 2, [n[:10] for n in names], rotation=90, fontsize=6)
        axes[1].set_ylabel("mean response time per user (s)")
        axes[1].set_yscale("log")
    fig.tight_layout()
    return fig
