"""Online DAG scheduling: jobs arriving over time on one shared platform (DS3 / DeepSoCS
setting). Public names are re-exported by :mod:`schedkit.dag`.

:class:`JobStream` (the instance) and :class:`OnlineResult` (the result) are immutable, compare
by value, pickle and have a one-line repr, like the types of :mod:`schedkit.dag._model`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from schedkit import _core
from schedkit._arrays import U64_MAX, bool_arg, float_arg, float_vector, int_arg, int_vector, readonly
from schedkit._names import resolve_name
from schedkit.dag._model import FieldsState, Frozen, Platform, Schedule, TaskGraph, check_pair, same_values
from schedkit.exceptions import InvalidInstanceError

__all__ = ["JobStream", "OnlineResult", "simulate_online", "ONLINE_POLICIES"]

#: The online policies: per-job whole-graph HEFT and runtime HEFT (DS3's HEFT_RT).
ONLINE_POLICIES: tuple[str, ...] = tuple(name for name, _ in _core.DAG_ONLINE_POLICIES)

Template = tuple[TaskGraph, Platform]


def _templates(templates: Any) -> list[Template]:
    if isinstance(templates, tuple) and len(templates) == 2 and isinstance(templates[0], TaskGraph):
        templates = [templates]
    out = list(templates)
    if not out:
        raise InvalidInstanceError("templates: need at least one (TaskGraph, Platform) pair", field="templates")
    for k, pair in enumerate(out):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise InvalidInstanceError(
                f"templates[{k}]: expected a (TaskGraph, Platform) pair", field="templates", index=k
            )
        check_pair(*pair)
    base = out[0][1]
    for k, (_, plat) in enumerate(out[1:], start=1):
        same = (
            plat.num_processors == base.num_processors
            and np.array_equal(plat.bandwidth, base.bandwidth)
            and np.array_equal(plat.latency, base.latency)
        )
        if not same:
            raise InvalidInstanceError(
                f"templates[{k}]: its platform's processors, bandwidth or latency differ from templates[0]'s",
                field="templates",
                index=k,
            )
    return out


class JobStream(Frozen):
    """Jobs, each a copy of a template DAG, arriving at given times on one shared platform.

    Parameters
    ----------
    templates : (TaskGraph, Platform) or sequence of them
        The applications. Their platforms must have the same processors, bandwidth and latency
        (the cost rows differ: they are the tasks' profiled times).
    arrival : array_like of float, shape (m,)
        Arrival time of each job, finite and >= 0.
    template : array_like of int, shape (m,), optional
        Template index of each job (default all 0).

    Attributes
    ----------
    templates : tuple of (TaskGraph, Platform)
    arrival : ndarray of float64, shape (m,)
        Read-only.
    template : ndarray of int64, shape (m,)
        Read-only.

    Raises
    ------
    InvalidInstanceError
        No template, a template that is not a matching (TaskGraph, Platform) pair, platforms
        with different processors or links, a negative or non-finite arrival, a template index
        out of range; naming the field and index.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0], [1], [2.0])
    >>> plat = sk.dag.Platform(cost=[[3, 4], [2, 1]])
    >>> sk.dag.JobStream((g, plat), arrival=[0, 5, 7])
    <dag.JobStream jobs=3 templates=1>
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    # Set once by __init__ (through object.__setattr__); declared here for the type checker.
    templates: tuple[Template, ...]
    arrival: npt.NDArray[np.float64]
    template: npt.NDArray[np.int64]

    def __init__(self, templates: Any, arrival: npt.ArrayLike, template: npt.ArrayLike | None = None):
        pairs = tuple(_templates(templates))
        arr = float_vector(arrival, "arrival")
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInstanceError(f"arrival[{i}]: must be finite and >= 0, got {arr[i]}", field="arrival", index=i)
        tpl = np.zeros(len(arr), dtype=np.int64) if template is None else int_vector(template, "template")
        if tpl.shape != arr.shape:
            raise InvalidInstanceError(
                f"template: length {len(tpl)} does not match arrival's length {len(arr)}", field="template"
            )
        bad = (tpl < 0) | (tpl >= len(pairs))
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInstanceError(
                f"template[{i}]: {tpl[i]} is not a template index (0..{len(pairs) - 1})",
                field="template",
                index=i,
            )
        set_ = object.__setattr__
        set_(self, "templates", pairs)
        set_(self, "arrival", readonly(arr))
        set_(self, "template", readonly(tpl))

    @classmethod
    def poisson(
        cls,
        templates: Any,
        num_jobs: int,
        *,
        mean_interarrival: float,
        seed: int = 0,
        weights: Sequence[float] | None = None,
    ) -> JobStream:
        """Exponential inter-arrival times with mean ``mean_interarrival`` (DS3's ``scale``),
        the first job at time 0; each job's template drawn with probabilities ``weights``
        (default uniform). Seeded with ``numpy.random.default_rng(seed)``.

        Parameters
        ----------
        templates : (TaskGraph, Platform) or sequence of them
            As for the constructor.
        num_jobs : int
        mean_interarrival : float
            Mean gap between arrivals, finite and >= 0 (0: all jobs at time 0).
        seed : int
        weights : sequence of float, optional
            Relative frequency of each template (non-negative, positive sum).

        Returns
        -------
        JobStream

        Raises
        ------
        InvalidInstanceError
            As for the constructor, or a negative job count or gap, or bad weights.

        Examples
        --------
        >>> import numpy as np
        >>> import schedkit as sk
        >>> g = sk.dag.TaskGraph([0], [1])
        >>> plat = sk.dag.Platform(cost=[[3, 4], [2, 1]])
        >>> s = sk.dag.JobStream.poisson((g, plat), 4, mean_interarrival=10.0, seed=1)
        >>> float(s.arrival[0]), bool(np.all(np.diff(s.arrival) >= 0))
        (0.0, True)
        """
        templates = _templates(templates)
        if isinstance(num_jobs, bool) or not isinstance(num_jobs, (int, np.integer)) or num_jobs < 0:
            raise InvalidInstanceError(f"num_jobs: expected an integer >= 0, got {num_jobs!r}", field="num_jobs")
        if not (np.isfinite(mean_interarrival) and mean_interarrival >= 0):
            raise InvalidInstanceError(
                f"mean_interarrival: must be finite and >= 0, got {mean_interarrival}", field="mean_interarrival"
            )
        rng = np.random.default_rng(int_arg(seed, "seed", maximum=U64_MAX))
        gaps = rng.exponential(mean_interarrival, size=num_jobs) if mean_interarrival > 0 else np.zeros(num_jobs)
        if num_jobs:
            gaps[0] = 0.0
        if weights is None:
            p = None
        else:
            p = float_vector(weights, "weights")
            if p.shape != (len(templates),) or np.any(~np.isfinite(p) | (p < 0)) or p.sum() <= 0:
                raise InvalidInstanceError(
                    f"weights: expected {len(templates)} non-negative weights with a positive sum", field="weights"
                )
            p = p / p.sum()
        tpl = rng.choice(len(templates), size=num_jobs, p=p) if len(templates) > 1 else np.zeros(num_jobs, int)
        return cls(templates, np.cumsum(gaps), tpl)

    @property
    def num_jobs(self) -> int:
        """Number of jobs."""
        return len(self.arrival)

    @functools.cached_property
    def union(self) -> tuple[TaskGraph, Platform, npt.NDArray[np.int64]]:
        """All jobs as one graph (job k owns tasks ``job_ptr[k]:job_ptr[k+1]``), its platform,
        and ``job_ptr``."""
        sizes = np.array([self.templates[t][0].num_tasks for t in self.template], dtype=np.int64)
        job_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        src, dst, data, cost = [], [], [], []
        for k, t in enumerate(self.template):
            g, plat = self.templates[t]
            src.append(g.src + job_ptr[k])
            dst.append(g.dst + job_ptr[k])
            data.append(g.data)
            cost.append(plat.cost)
        base = self.templates[0][1]
        q = base.num_processors
        graph = TaskGraph(
            np.concatenate(src) if src else np.zeros(0, np.int64),
            np.concatenate(dst) if dst else np.zeros(0, np.int64),
            np.concatenate(data) if data else np.zeros(0),
            num_tasks=int(job_ptr[-1]),
            name="job stream",
        )
        plat = Platform(
            cost=np.concatenate(cost) if cost else np.zeros((0, q)),
            bandwidth=base.bandwidth,
            latency=base.latency,
            names=base.names,
        )
        return graph, plat, readonly(job_ptr)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JobStream):
            return NotImplemented
        return same_values(self, other, ("templates", "arrival", "template"))

    def __hash__(self) -> int:
        return hash((self.num_jobs, len(self.templates)))

    def __getstate__(self) -> dict[str, Any]:
        # The cached union graph is rebuilt on demand.
        return {"templates": self.templates, "arrival": self.arrival, "template": self.template}

    def __setstate__(self, state: dict[str, Any]) -> None:
        JobStream.__init__(self, state["templates"], state["arrival"], state["template"])

    def __repr__(self) -> str:
        return f"<dag.JobStream jobs={self.num_jobs} templates={len(self.templates)}>"


@dataclass(frozen=True, eq=False)
class OnlineResult(FieldsState):
    """The outcome of :func:`simulate_online`.

    Attributes
    ----------
    stream : JobStream
    policy : str
    noise : float
        Coefficient of variation of the duration noise (0: actual = estimated).
    planned : Schedule
        The policy's plan on the union graph, with estimated durations.
    actual : Schedule
        The execution: each processor runs its planned tasks in planned order with the actual
        durations (cost x factor).
    elapsed : float
        Seconds the simulation took.

    Two results are equal when everything but ``elapsed`` (a wall-clock measurement) is.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0], [1, 2], [1.0, 1.0])
    >>> plat = sk.dag.Platform(cost=[[2, 3], [4, 4], [4, 4]])
    >>> res = sk.dag.simulate_online(sk.dag.JobStream((g, plat), arrival=[0.0, 1.0]), policy="heft")
    >>> res
    <dag.OnlineResult heft jobs=2 noise=0 mean_response_time=9.5 makespan=13>
    >>> res.completion.tolist(), res.response_time.tolist()
    ([7.0, 13.0], [7.0, 12.0])
    """

    # The public home, not this private module: pickles and reprs then name schedkit.dag.X and
    # survive a reshuffle of the private modules.
    __module__ = "schedkit.dag"

    stream: JobStream
    policy: str
    noise: float
    planned: Schedule
    actual: Schedule
    elapsed: float

    @functools.cached_property
    def _per_job(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        ptr = self.stream.union[2]
        m = self.stream.num_jobs
        planned = np.zeros(m)
        actual = np.zeros(m)
        nonempty = ptr[1:] > ptr[:-1]
        if nonempty.any():
            starts = ptr[:-1][nonempty]
            planned[nonempty] = np.maximum.reduceat(self.planned.finish, starts)
            actual[nonempty] = np.maximum.reduceat(self.actual.finish, starts)
        # An empty job completes on arrival.
        planned[~nonempty] = self.stream.arrival[~nonempty]
        actual[~nonempty] = self.stream.arrival[~nonempty]
        return readonly(planned), readonly(actual)

    @property
    def completion(self) -> npt.NDArray[np.float64]:
        """Actual completion time of each job (its last task's finish)."""
        return self._per_job[1]

    @property
    def response_time(self) -> npt.NDArray[np.float64]:
        """completion - arrival per job."""
        return self.completion - self.stream.arrival

    @functools.cached_property
    def slowdown(self) -> npt.NDArray[np.float64]:
        """response_time / the job's critical-path lower bound (1 is the best possible; 1.0 for
        0/0, inf for x/0 and where a bound near 0 makes the ratio exceed the float range)."""
        bounds = []
        for g, plat in self.stream.templates:
            bound, _ = _core.dag_lower_bound(g._core, plat._core)
            bounds.append(bound)
        lb = np.asarray(bounds)[self.stream.template]
        rt = self.response_time
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(lb > 0, rt / np.where(lb > 0, lb, 1.0), np.where(rt > 0, np.inf, 1.0))
        return readonly(out)

    @property
    def jobs(self) -> Any:
        """Per job, a pyarrow Table: job, template, arrival, planned_completion, completion,
        response_time, slowdown.

        Examples
        --------
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(10, processors=2, seed=0)
        >>> res = sk.dag.simulate_online(sk.dag.JobStream((g, plat), arrival=[0, 50, 60]))
        >>> res.jobs.num_rows, res.jobs.column_names[:3]
        (3, ['job', 'template', 'arrival'])
        """
        return pa.table(
            {
                "job": np.arange(self.stream.num_jobs, dtype=np.int64),
                "template": self.stream.template.astype(np.int64),
                "arrival": self.stream.arrival,
                "planned_completion": self._per_job[0],
                "completion": self.completion,
                "response_time": self.response_time,
                "slowdown": self.slowdown,
            }
        )

    def summary(self) -> dict[str, float]:
        """Overall figures: jobs, mean/p50/p95/max response time, mean planned response time,
        mean slowdown, makespan (last completion).

        Examples
        --------
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(10, processors=2, seed=0)
        >>> stream = sk.dag.JobStream.poisson((g, plat), 20, mean_interarrival=100.0, seed=0)
        >>> s = sk.dag.simulate_online(stream, noise=0.2, seed=3).summary()
        >>> s["jobs"], s["mean_slowdown"] >= 1
        (20.0, True)
        """
        rt = self.response_time
        planned_rt = self._per_job[0] - self.stream.arrival
        empty = rt.size == 0
        return {
            "jobs": float(self.stream.num_jobs),
            "mean_response_time": 0.0 if empty else float(rt.mean()),
            "p50_response_time": 0.0 if empty else float(np.percentile(rt, 50)),
            "p95_response_time": 0.0 if empty else float(np.percentile(rt, 95)),
            "max_response_time": 0.0 if empty else float(rt.max()),
            "mean_planned_response_time": 0.0 if empty else float(planned_rt.mean()),
            "mean_slowdown": 0.0 if empty else float(self.slowdown.mean()),
            "makespan": 0.0 if empty else float(self.completion.max()),
        }

    def validate(self) -> OnlineResult:
        """Checks the plan and the execution independently (precedence with communication, one
        task at a time, durations, nothing starts before its job arrives).

        Returns
        -------
        OnlineResult
            ``self``, so that ``simulate_online(...).validate()`` chains.

        Raises
        ------
        ValidationError
            Naming the first violation of the plan, else of the execution (a schedkit bug).

        Examples
        --------
        >>> import schedkit as sk
        >>> g, plat = sk.dag.random_dag(10, processors=2, seed=0)
        >>> stream = sk.dag.JobStream((g, plat), arrival=[0, 5])
        >>> sk.dag.simulate_online(stream, policy="heft", noise=0.5).validate().policy
        'heft'
        """
        self.planned.validate()
        self.actual.validate()
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OnlineResult):
            return NotImplemented
        return same_values(self, other, ("policy", "noise", "stream", "planned", "actual"))

    def __hash__(self) -> int:
        return hash((self.policy, self.noise, self.stream.num_jobs))

    def __repr__(self) -> str:
        rt = self.response_time
        mean = f"{float(rt.mean()):g}" if rt.size else "-"
        return (
            f"<dag.OnlineResult {self.policy} jobs={self.stream.num_jobs} noise={self.noise:g} "
            f"mean_response_time={mean} makespan={self.actual.makespan:g}>"
        )


def simulate_online(
    stream: JobStream,
    *,
    policy: str = "heft_rt",
    noise: float = 0.0,
    seed: int = 0,
    insertion: bool = True,
) -> OnlineResult:
    """Schedules a stream of DAG jobs online on one shared platform.

    Policies (decisions use the estimated costs; a policy only sees jobs that have arrived):

    - ``"heft_rt"``: runtime HEFT (DS3's HEFT_RT). At each decision epoch (a job arrival or a
      planned task completion) the tasks that have just become ready are ranked by mean cost
      (rank_u of the flat DAG of ready tasks; ties within 1e-9 go to the earlier job, then the
      lower task id) and each is placed by insertion EFT around the reservations already made,
      never before the epoch.
    - ``"heft"``: whole-graph HEFT per job. When a job arrives, all its tasks are ranked by
      rank_u over its own DAG and placed by insertion EFT around the reservations already made,
      never before the arrival. Jobs arriving together go in index order.

    Execution: each processor runs its planned tasks in planned order; a task starts when its
    processor is free, its inputs have arrived and its job has arrived, and takes cost x factor.
    With ``noise = c > 0`` the factors are lognormal with mean 1 and coefficient of variation c,
    drawn with ``numpy.random.default_rng(seed)``; the plan is not revised when actual times drift.

    Parameters
    ----------
    stream : JobStream
    policy : str
        ``"heft_rt"`` (default) or ``"heft"`` (see :data:`ONLINE_POLICIES`).
    noise : float
        Coefficient of variation of the actual durations, finite and >= 0.
    seed : int
        Seed of the noise.
    insertion : bool
        Insertion policy when placing a task among the reservations already made.

    Returns
    -------
    OnlineResult

    Raises
    ------
    InvalidInstanceError
        Unknown policy, negative or non-finite noise.

    Examples
    --------
    >>> import schedkit as sk
    >>> g = sk.dag.TaskGraph([0, 0], [1, 2], [1.0, 1.0])
    >>> plat = sk.dag.Platform(cost=[[2, 3], [4, 4], [4, 4]])
    >>> stream = sk.dag.JobStream((g, plat), arrival=[0.0, 1.0])
    >>> sk.dag.simulate_online(stream, policy="heft").validate().response_time.tolist()
    [7.0, 12.0]
    >>> sk.dag.simulate_online(stream, policy="heft_rt").response_time.tolist()  # job 1 delays job 0
    [8.0, 11.0]
    """
    if not isinstance(stream, JobStream):
        raise InvalidInstanceError("stream: expected schedkit.dag.JobStream", field="stream")
    policy = resolve_name("policy", policy, ONLINE_POLICIES)
    noise = float_arg(noise, "noise", minimum=0.0)
    seed = int_arg(seed, "seed", maximum=U64_MAX)
    insertion = bool_arg(insertion, "insertion")
    graph, plat, job_ptr = stream.union
    n = graph.num_tasks
    factors: npt.NDArray[np.float64] | None = None
    if noise > 0:
        # log(1 + noise^2), computed so that a huge noise does not overflow the square
        log_var = math.log1p(noise**2) if noise < 1e150 else 2.0 * math.log(noise)
        sigma = math.sqrt(log_var)
        factors = readonly(np.random.default_rng(seed).lognormal(-(sigma**2) / 2, sigma, size=n))
    begin = time.perf_counter()
    proc, start, finish, order, a_start, a_finish = _core.dag_online(
        graph._core, plat._core, job_ptr, stream.arrival, policy, factors=factors, insertion=insertion
    )
    elapsed = time.perf_counter() - begin
    release = readonly(np.repeat(stream.arrival, np.diff(job_ptr)))
    planned = Schedule(
        graph=graph,
        platform=plat,
        algorithm=f"online {policy} (planned)",
        processor=readonly(proc),
        start=readonly(start),
        finish=readonly(finish),
        order=readonly(order),
        makespan=float(finish.max()) if n else 0.0,
        elapsed=elapsed,
        release=release,
    )
    actual = Schedule(
        graph=graph,
        platform=plat,
        algorithm=f"online {policy} (actual)",
        processor=planned.processor,
        start=readonly(a_start),
        finish=readonly(a_finish),
        order=planned.order,
        makespan=float(a_finish.max()) if n else 0.0,
        elapsed=elapsed,
        release=release,
        factors=factors,
    )
    return OnlineResult(
        stream=stream, policy=policy, noise=float(noise), planned=planned, actual=actual, elapsed=elapsed
    )
