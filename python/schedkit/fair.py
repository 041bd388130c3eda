"""Multi-user cluster scheduling: replay traces and the UWFQ paper's scenarios through
Spark-style policies on an event-driven simulator (Rust).

Model
-----
``cores`` identical cores; a job is a bag of non-preemptive tasks, each on one core for its
duration. At every arrival and task completion the schedulable jobs are sorted once with
the policy's comparator and the free cores are filled greedily in that order (specs/fair.md
B.4), so the dispatch is work-conserving. Policies (:data:`POLICIES`):

``fifo``  Spark FIFO: job arrival order (Spark job id), then stage.
``fair``  Spark FAIR. Without ``pools`` every user lands in the ``default`` pool (FIFO inside),
          which is FIFO in effect (the paper's "Fair" baseline). ``pools={user: (weight,
          min_share)}`` or ``{user: name}`` with ``pool_config={name: (weight, min_share)}``.
``ujf``   FAIR with one pool per user (weight 1, minShare 0, FAIR inside): user-job fair.
``cfq``   Cluster fair queuing: job deadline = v(arrival) + estimated work, v advancing at
          C / (jobs in the virtual system); earliest deadline first. Ignores users.
``uwfq``  User-weighted fair queuing (specs/fair.md A.3): GPS over users (weights ``weights``,
          default 1: ``dV/dt = C / sum of active weights``), per-user GPS over the user's jobs
          for the inner order, each user's jobs chained inside the user's share
          (``D = S_u + sum R/w_u``), a returning user keeps its chain start within the grace
          period (``grace`` seconds of real time, ``grace * C / 2`` virtual units, the
          authors' 3 s). Earliest global deadline first.
``drf``   Dominant resource fairness (Ghodsi et al. 2011) on one pooled cluster of ``cores``
          cpus and ``memory`` memory (default unbounded): progressive filling, the next task
          goes to the user with the smallest weighted dominant share whose next task fits; a
          task holds its job's (cpu, memory) request, the largest among the job's rows (NaN
          cpu = 1 core, NaN memory = 0). Not core-slot based: fractional cpu requests pack.
``sjf``   Oracle shortest job first on true job work (a reference, not a real scheduler).

``partition=True`` applies runtime partitioning: a job of estimated work W (core-seconds)
becomes ``max(1, ceil(W / tau))`` equal tasks of its true work (``tau`` = 0.5 core-s).
``estimate="oracle" | "noisy" | "historic"``: the estimate the schedulers (CFQ, UWFQ) and the
partitioner see: the true work, the true work times a seeded log-normal factor
``exp(noise * N(0,1))``, or the mean work of the finished jobs of the same class.

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
import pyarrow.compute as pc

from schedkit import _core
from schedkit import trace as _trace
from schedkit.exceptions import InvalidInstanceError, ValidationError

__all__ = ["POLICIES", "SCENARIOS", "ESTIMATES", "Result", "replay", "run_scenario", "simulate", "summarize"]

#: Policy name -> one-line description (the names accepted by :func:`replay` and the CLI).
POLICIES: dict[str, str] = {
    "fifo": "Spark FIFO (job id, then stage)",
    "fair": "Spark FAIR with pools (no pools: FIFO in effect, the paper's 'Fair')",
    "ujf": "Spark FAIR, one pool per user (user-job fair)",
    "cfq": "cluster fair queuing (job-level virtual deadlines)",
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

JOB_COLUMNS = ["job_id", "user", "job_class", "submit_time", "start_time", "finish_time", "response_time",
               "work", "estimate", "n_tasks", "alone_time", "slowdown"]


# --------------------------------------------------------------------------------------
# The workload handed to Rust


@dataclass
class _Workload:
    job_id: np.ndarray
    user_names: list[str]
    job_user: np.ndarray
    job_submit: np.ndarray
    job_after: np.ndarray
    job_think: np.ndarray
    class_names: list[str]
    job_class: np.ndarray
    offsets: np.ndarray
    durations: np.ndarray
    job_cpu: np.ndarray | None = None
    job_mem: np.ndarray | None = None


def _workload_from_table(table: pa.Table, class_column: str | None = None) -> _Workload:
    if not isinstance(table, pa.Table):
        raise InvalidInstanceError("trace must be a pyarrow.Table in schedkit.trace.SCHEMA or a path", field="trace")
    for n in ("job_id", "user", "submit_time", "duration"):
        if n not in table.column_names:
            raise InvalidInstanceError(f"trace: missing column {n!r}", field=n)
    if table.num_rows == 0:
        raise InvalidInstanceError("trace: no tasks", field="trace")
    job = np.asarray(table.column("job_id").to_numpy(), dtype=np.int64)
    sub = np.asarray(table.column("submit_time").to_numpy(), dtype=np.float64)
    dur = np.asarray(table.column("duration").to_numpy(), dtype=np.float64)
    bad = ~np.isfinite(dur) | (dur < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInstanceError(f"duration[{i}]: must be finite and >= 0, got {dur[i]}", field="duration", index=i)
    bad = ~np.isfinite(sub)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInstanceError(f"submit_time[{i}]: must be finite, got {sub[i]}", field="submit_time", index=i)
    tid = (np.asarray(table.column("task_id").to_numpy(), dtype=np.int64) if "task_id" in table.column_names
           else np.arange(len(job)))
    ujob, inv = np.unique(job, return_inverse=True)
    jsub = np.full(len(ujob), np.inf)
    np.minimum.at(jsub, inv, sub)
    # job order: (submit, job_id); task order within a job: task_id, then row.
    rank = np.empty(len(ujob), dtype=np.int64)
    order_j = np.lexsort((ujob, jsub))
    rank[order_j] = np.arange(len(ujob))
    jr = rank[inv]
    order_t = np.lexsort((np.arange(len(job)), tid, jr))
    counts = np.bincount(jr, minlength=len(ujob))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    first_row = order_t[offsets[:-1]]
    first_users = table.column("user").take(pa.array(first_row))  # one per job (may be dictionary-encoded)
    first_users = pc.cast(first_users, pa.string())
    job_user_name = np.asarray(first_users.to_numpy(zero_copy_only=False), dtype=object)
    user_names, job_user = np.unique(job_user_name.astype(str), return_inverse=True)
    if class_column and class_column in table.column_names:
        cls = np.asarray(pc.cast(table.column(class_column), pa.string()).combine_chunks().take(pa.array(first_row))
                         .to_numpy(zero_copy_only=False)).astype(str)
        class_names, job_class = np.unique(cls, return_inverse=True)
    else:  # a user's jobs are one class by default
        class_names, job_class = user_names, job_user
    n = len(ujob)
    # DRF requests per job: the largest request among its tasks (NaN cpu = 1 core, NaN memory = 0)
    job_cpu = job_mem = None
    if "cpu" in table.column_names:
        c = np.asarray(pc.cast(table.column("cpu"), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        c = np.where(np.isnan(c), 1.0, c)[order_t]
        job_cpu = np.maximum.reduceat(c, offsets[:-1]) if len(c) else np.zeros(0)
    if "memory" in table.column_names:
        m = np.asarray(pc.cast(table.column("memory"), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        m = np.where(np.isnan(m), 0.0, m)[order_t]
        job_mem = np.maximum.reduceat(m, offsets[:-1]) if len(m) else np.zeros(0)
    return _Workload(
        job_id=ujob[order_j], user_names=[str(u) for u in user_names], job_user=job_user.astype(np.int64),
        job_submit=jsub[order_j], job_after=np.full(n, -1, dtype=np.int64), job_think=np.zeros(n),
        class_names=[str(c) for c in class_names], job_class=np.asarray(job_class, dtype=np.int64),
        offsets=offsets, durations=np.ascontiguousarray(dur[order_t]), job_cpu=job_cpu, job_mem=job_mem,
    )


# --------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class Result:
    """The outcome of one replay: per-job table, summary, fairness, plots.

    Attributes
    ----------
    policy, cores, partition, estimate : the run's settings
    jobs : pyarrow.Table, one row per job (:data:`JOB_COLUMNS`)
    tasks : pyarrow.Table (job_id, start, end) when ``record_tasks=True``, else None
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
        _validate(self.jobs, self.tasks, self.cores, self.meta if self.policy == "drf" else None)
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
    return pa.table({
        "user": names.tolist(),
        "jobs": cnt.astype(np.int64),
        "mean_response_time": np.bincount(inv, rt, len(names)) / cnt,
        "mean_slowdown": np.bincount(inv, sd, len(names)) / cnt,
        "work": np.bincount(inv, wk, len(names)),
    })


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
    k = max(1, int(math.floor(0.8 * len(srt)))) if len(srt) else 0
    users = _per_user(jobs)
    out: dict[str, Any] = {
        "jobs": int(len(rt)),
        "mean_response_time": float(rt.mean()) if len(rt) else float("nan"),
        "median_response_time": float(np.median(rt)) if len(rt) else float("nan"),
        "p95_response_time": float(np.percentile(rt, 95)) if len(rt) else float("nan"),
        "p99_response_time": float(np.percentile(rt, 99)) if len(rt) else float("nan"),
        "small80_mean_response_time": float(srt[:k].mean()) if k else float("nan"),
        "mean_slowdown": float(sd.mean()) if len(sd) else float("nan"),
        "p95_slowdown": float(np.percentile(sd, 95)) if len(sd) else float("nan"),
        "makespan": float(jobs.column("finish_time").to_numpy().max() - jobs.column("submit_time").to_numpy().min())
        if len(rt) else 0.0,
        "user_mean_response_time": dict(zip(users.column("user").to_pylist(),
                                            users.column("mean_response_time").to_pylist())),
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


def _validate(jobs: pa.Table, tasks: pa.Table, cores: int, drf: dict | None = None) -> None:
    eps = 1e-7
    n_tasks = jobs.column("n_tasks").to_numpy()
    jid = jobs.column("job_id").to_numpy()
    pos = {int(j): i for i, j in enumerate(jid)}
    tj = np.array([pos[int(x)] for x in tasks.column("job_id").to_numpy()], dtype=np.int64)
    cnt = np.bincount(tj, minlength=len(jid))
    if not np.array_equal(cnt, n_tasks):
        raise ValidationError("a task did not run exactly once")
    st = tasks.column("start").to_numpy()
    en = tasks.column("end").to_numpy()
    sub = jobs.column("submit_time").to_numpy()
    if np.any(st < sub[tj] - eps):
        raise ValidationError("a task started before its job was submitted")
    wk = np.bincount(tj, en - st, len(jid))
    if not np.allclose(wk, jobs.column("work").to_numpy(), rtol=1e-9, atol=1e-6):
        raise ValidationError("task durations do not add up to the job work")
    fin = jobs.column("finish_time").to_numpy()
    if drf is not None:
        # resource capacities instead of core slots
        times = np.concatenate([st, en])
        sign = np.concatenate([np.ones(len(st)), -np.ones(len(en))])
        order = np.lexsort((sign, times))  # releases before acquisitions at equal times
        for req, cap, name in ((drf["job_cpu"], cores, "cpu"), (drf["job_mem"], drf["memory"], "memory")):
            use = np.cumsum((sign * np.concatenate([req[tj], req[tj]]))[order])
            if use.max(initial=0) > cap * (1 + 1e-9) + 1e-9:
                raise ValidationError(f"{name} capacity exceeded")
        return
    if np.any(fin - sub < jobs.column("work").to_numpy() / cores - eps):
        raise ValidationError("response time below work / C")
    # After all events at each event time tau: busy(tau) = started - ended, pending(tau) =
    # submitted - started. Never more than C busy; busy < C implies nothing pending.
    ts = np.sort(st)
    te = np.sort(en)
    tsub = np.sort(sub[tj])
    taus = np.unique(np.concatenate([st, en, sub]))
    started = np.searchsorted(ts, taus, side="right")
    ended = np.searchsorted(te, taus, side="right")
    submitted = np.searchsorted(tsub, taus, side="right")
    busy = started - ended
    if busy.max(initial=0) > cores:
        raise ValidationError(f"more than {cores} cores busy")
    idle_pending = (busy < cores) & (submitted - started > 0)
    if idle_pending.any():
        t = taus[np.flatnonzero(idle_pending)[0]]
        raise ValidationError(f"a core idled at t={t} while a task was pending (not work-conserving)")


# --------------------------------------------------------------------------------------
# Running


def _noise(n: int, estimate: str, noise: float, seed: int) -> np.ndarray:
    if estimate == "noisy":
        if not math.isfinite(noise) or noise < 0:
            raise InvalidInstanceError(f"noise must be finite and >= 0, got {noise}", field="noise")
        return np.exp(noise * np.random.default_rng(seed).standard_normal(n))
    return np.ones(n)


def _pools(policy: str, w: _Workload, pools: Mapping[str, Any] | None, pool_config: Mapping[str, Any] | None):
    nu = len(w.user_names)
    if policy == "ujf":
        return np.arange(nu, dtype=np.int64), np.ones(nu), np.zeros(nu), np.ones(nu, dtype=bool)
    if policy != "fair" or not pools:
        return np.zeros(nu, dtype=np.int64), np.ones(1), np.zeros(1), np.zeros(1, dtype=bool)
    names: list[str] = ["default"]
    cfg: dict[str, tuple[float, float, bool]] = {"default": (1.0, 0.0, False)}
    for pname, spec in (pool_config or {}).items():
        wgt, ms = spec[0], spec[1]
        cfg[str(pname)] = (float(wgt), float(ms), bool(spec[2]) if len(spec) > 2 else True)
        if str(pname) not in names:
            names.append(str(pname))
    user_pool = np.zeros(nu, dtype=np.int64)
    for u, spec in pools.items():
        if str(u) not in w.user_names:
            continue
        if isinstance(spec, str):
            pname = spec
        else:
            pname = f"pool:{u}"
            cfg[pname] = (float(spec[0]), float(spec[1]), bool(spec[2]) if len(spec) > 2 else True)
        if pname not in cfg:
            cfg[pname] = (1.0, 0.0, False)  # Spark: unknown pool created with defaults
        if pname not in names:
            names.append(pname)
        user_pool[w.user_names.index(str(u))] = names.index(pname)
    # Spark breaks comparator ties by pool name: index pools in name order.
    order = sorted(range(len(names)), key=lambda i: names[i])
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    names = [names[i] for i in order]
    return (rank[user_pool], np.array([cfg[p][0] for p in names]), np.array([cfg[p][1] for p in names]),
            np.array([cfg[p][2] for p in names], dtype=bool))


def simulate(
    w: _Workload,
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
    pool_config: Mapping[str, Any] | None = None,
    grace: float = 3.0,
    memory: float | None = None,
    record_tasks: bool = False,
    time_limit: float | None = None,
    scenario: str | None = None,
) -> Result:
    """Runs a prepared workload (internal; see :func:`replay` and :func:`run_scenario`)."""
    if policy not in POLICIES:
        raise InvalidInstanceError(f"unknown policy {policy!r}; expected one of {sorted(POLICIES)}", field="policy")
    if estimate not in ESTIMATES:
        raise InvalidInstanceError(f"unknown estimate {estimate!r}; expected one of {ESTIMATES}", field="estimate")
    if isinstance(cores, bool) or not isinstance(cores, (int, np.integer)) or cores <= 0:
        raise InvalidInstanceError(f"cores must be a positive integer, got {cores!r}", field="cores")
    if partition and (not math.isfinite(tau) or tau <= 0):
        raise InvalidInstanceError(f"tau must be finite and > 0, got {tau}", field="tau")
    if not math.isfinite(grace):
        raise InvalidInstanceError(f"grace must be finite, got {grace}", field="grace")
    n = len(w.job_user)
    uw = None
    if weights:
        uw = np.ones(len(w.user_names))
        for u, x in weights.items():
            if str(u) in w.user_names:
                uw[w.user_names.index(str(u))] = float(x)
    pool_of_user, pool_weight, pool_min, pool_fair = _pools(policy, w, pools, pool_config)
    out = _core.fair_simulate(
        w.job_user.astype(np.int64), len(w.user_names), w.job_submit.astype(np.float64),
        w.job_after.astype(np.int64), w.job_think.astype(np.float64), w.job_class.astype(np.int64),
        _noise(n, estimate, noise, seed), w.offsets.astype(np.int64), w.durations.astype(np.float64),
        cores=int(cores), policy=policy, partition=float(tau) if partition else None,
        estimate="historic" if estimate == "historic" else "given", user_weight=uw,
        pool_of_user=pool_of_user, pool_weight=pool_weight, pool_min_share=pool_min, pool_fair=pool_fair,
        grace=float(grace) * cores / 2.0, record_tasks=record_tasks, time_limit=time_limit,
        job_cpu=None if (policy != "drf" or w.job_cpu is None) else np.ascontiguousarray(w.job_cpu, dtype=np.float64),
        job_mem=None if (policy != "drf" or w.job_mem is None) else np.ascontiguousarray(w.job_mem, dtype=np.float64),
        mem_capacity=None if memory is None else float(memory),
    )
    sub, fin, alone = out["submit"], out["finish"], out["alone"]
    rt = fin - sub
    jobs = pa.table({
        "job_id": w.job_id.astype(np.int64),
        "user": pa.array(w.user_names, pa.string()).take(pa.array(w.job_user)),
        "job_class": pa.array(w.class_names, pa.string()).take(pa.array(w.job_class)),
        "submit_time": sub,
        "start_time": out["start"],
        "finish_time": fin,
        "response_time": rt,
        "work": out["work"],
        "estimate": out["estimate"],
        "n_tasks": out["n_tasks"],
        "alone_time": alone,
        "slowdown": np.where(alone > 0, rt / np.where(alone > 0, alone, 1.0), 1.0),
    })
    tasks = None
    if record_tasks:
        tasks = pa.table({"job_id": w.job_id[out["task_job"]], "start": out["task_start"], "end": out["task_end"]})
    meta: dict[str, Any] = {}
    if policy == "drf":
        meta = {"job_cpu": np.ones(n) if w.job_cpu is None else w.job_cpu,
                "job_mem": np.zeros(n) if w.job_mem is None else w.job_mem,
                "memory": math.inf if memory is None else float(memory)}
    return Result(policy=policy, cores=int(cores), partition=bool(partition), estimate=estimate, jobs=jobs,
                  tasks=tasks, events=int(out["events"]), scenario=scenario, meta=meta)


def _read_streaming(path: Path, progress: bool | None, **kw: Any) -> pa.Table:
    """Reads a trace file batch by batch keeping only the columns replay needs."""
    show = sys.stderr.isatty() if progress is None else progress
    keep = ["job_id", "user", "submit_time", "task_id", "duration", "cpu", "memory"]
    parts = []
    rows = 0
    err = _trace._Errors(kw.pop("errors", "raise"), path.name)
    for b in _trace.iter_batches(path, _err=err, **kw):
        cols = [c for c in keep + ["job_class"] if c in b.schema.names]
        t = pa.Table.from_batches([b]).select(cols)
        # users as dictionary indices: a few bytes per task instead of a string per task
        t = t.set_column(t.schema.get_field_index("user"), "user", pc.dictionary_encode(t.column("user")))
        parts.append(t)
        rows += b.num_rows
        if show:
            print(f"\rreading {path.name}: {rows:,} tasks", end="", file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    err.finish()
    if not parts:
        raise InvalidInstanceError(f"{path}: no tasks", field="trace")
    return pa.concat_tables(parts, promote_options="permissive")


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
    class_column: str | None = "job_class",
    record_tasks: bool = False,
    time_limit: float | None = None,
    progress: bool | None = None,
    format: str | None = None,
    errors: str = "raise",
) -> Result:
    """Replays a trace (a table in :data:`schedkit.trace.SCHEMA`, or a trace file) under
    ``policy`` on ``cores`` cores.

    A job's submit time is the earliest submit time of its rows; its tasks run in
    ``task_id`` order; jobs arrive in (submit time, job id) order. ``weights``: per-user
    UWFQ weights (default 1). ``pools``/``pool_config``: Spark FAIR pools (policy="fair").
    ``class_column``: the job class for ``estimate="historic"`` (default: the user).
    From a path, batches are streamed and only the replay columns are kept.

    Example
    -------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    >>> sk.fair.replay(t, policy="fifo", cores=1).jobs.column("finish_time").to_pylist()
    [2.0, 3.0]
    """
    if isinstance(trace, (str, Path)):
        trace = _read_streaming(Path(trace), progress, format=format, errors=errors)
    w = _workload_from_table(trace, class_column)
    return simulate(w, policy=policy, cores=cores, partition=partition, tau=tau, estimate=estimate, noise=noise,
                    seed=seed, weights=weights, pools=pools, pool_config=pool_config, grace=grace,
                    memory=memory, record_tasks=record_tasks, time_limit=time_limit)


# --------------------------------------------------------------------------------------
# The paper's scenarios


def _split(work: float, k: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    if skew > 0:
        x = rng.lognormal(0.0, skew, k)
    else:
        x = np.ones(k)
    return work * x / x.sum()


def scenario_workload(name: str, *, seed: int = 0, default_tasks: int = 32, skew: float = 1.0) -> _Workload:
    """Builds the closed-/open-loop workload of a paper scenario (see :func:`run_scenario`)."""
    if name not in SCENARIOS:
        raise InvalidInstanceError(f"unknown scenario {name!r}; expected one of {sorted(SCENARIOS)}", field="scenario")
    if default_tasks <= 0:
        raise InvalidInstanceError("default_tasks must be >= 1", field="default_tasks")
    with open(_trace.bundled(SCENARIOS[name])) as fh:
        spec = json.load(fh)
    rng = np.random.default_rng(seed)
    users: list[str] = []
    jobs: list[dict[str, Any]] = []  # user, submit, after, think, class, works (per Spark job)
    if name.startswith("google"):
        groups: dict[str, dict[str, Any]] = {}
        for u in spec:
            for wl in u["workloads"]:
                g = groups.setdefault(wl["workloadName"], {"user": u["user"], "submit": float(wl["startTimeMs"]) / 1000,
                                                           "works": []})
                g["submit"] = min(g["submit"], float(wl["startTimeMs"]) / 1000)
                g["works"].append(float(wl["params"]["task_runtime_s"]))
        for gname, g in groups.items():
            jobs.append({"user": g["user"], "submit": g["submit"], "after": -1, "think": 0.0, "class": gname,
                         "works": g["works"]})
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
                        jobs.append({"user": u["user"], "submit": start, "after": prev, "think": gap if i else 0.0,
                                     "class": cls, "works": [work]})
                        prev = len(jobs) - 1
                    else:
                        if i:
                            t += gap
                        jobs.append({"user": u["user"], "submit": t, "after": -1, "think": 0.0, "class": cls,
                                     "works": [work]})
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
    offsets = [0]
    for j in jobs:
        parts = [_split(wk, default_tasks, skew, rng) for wk in j["works"]]
        d = np.concatenate(parts)
        durs.append(d)
        offsets.append(offsets[-1] + len(d))
    n = len(jobs)
    return _Workload(
        job_id=np.arange(n, dtype=np.int64),
        user_names=user_names,
        job_user=np.array([user_names.index(j["user"]) for j in jobs], dtype=np.int64),
        job_submit=np.array([j["submit"] for j in jobs]),
        job_after=np.array([remap[j["after"]] if j["after"] >= 0 else -1 for j in jobs], dtype=np.int64),
        job_think=np.array([j["think"] for j in jobs]),
        class_names=class_names,
        job_class=np.array([class_names.index(j["class"]) for j in jobs], dtype=np.int64),
        offsets=np.array(offsets, dtype=np.int64),
        durations=np.concatenate(durs) if durs else np.zeros(0),
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
    Job classes (for ``estimate="historic"``) are the Loop classes.

    Example
    -------
    >>> import schedkit as sk
    >>> r = sk.fair.run_scenario("4_super_small_users", policy="uwfq")
    >>> r.summary()["jobs"]
    120
    """
    w = scenario_workload(name, seed=seed, default_tasks=default_tasks, skew=skew)
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
