"""The flow-time instance and result types: :class:`Jobs` and :class:`Result`.

Both are immutable: arrays are read-only NumPy views. They compare by value and pickle.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute

from schedkit import _core
from schedkit._arrays import (
    U64_MAX,
    check_column_names,
    float_arg,
    float_vector,
    int_arg,
    int_vector,
    lost_length_error,
    readonly,
)
from schedkit._chrome_trace import write_chrome_trace
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime._plot import plot_ecdf
from schedkit.flowtime._ragged import group_operation_rows, offsets_values
from schedkit.flowtime._validate import check_schedule
from schedkit.trace._model import OPTIONAL_COLUMNS as TRACE_OPTIONAL
from schedkit.trace._model import SCHEMA as TRACE_SCHEMA

#: Log row kinds, by the code the core uses.
LOG_KINDS: tuple[str, ...] = tuple(_core.FLOWTIME_LOG_KINDS)


#: The most jobs an instance may have (the core numbers jobs with 32-bit ranks).
MAX_JOBS = 2**32 - 2


def check_machines(machines: Any) -> int:
    """``machines`` as an int, or InvalidInstanceError unless it is an integer in [1, 2**63)."""
    return int_arg(machines, "machines", minimum=1)


class Jobs:
    """A validated, immutable set of jobs: release, weight, operations (and estimates).

    Parameters
    ----------
    release : array_like of float, shape (n,)
        Release times, finite and >= 0 (any order; ties are processed by id).
    operations : list of lists, or (offsets, values), or array, or pyarrow list array
        Operation sizes per job, in processing order, each finite and > 0; every job needs at
        least one. Accepted forms: a list of lists (a bare number counts as one operation);
        a tuple ``(offsets, values)`` of NumPy arrays in Arrow's layout (``offsets`` int,
        length n + 1, job j's operations are ``values[offsets[j]:offsets[j+1]]``); a 1-D
        array (one operation per job); a 2-D array (one row per job); a pyarrow
        ``ListArray``.
    weight : array_like of float, shape (n,), optional
        Weights, finite and > 0; all 1 when omitted.
    estimate : array_like of float, shape (n,), optional
        Size estimates p̂_j (finite, > 0) for the robust-setting policy ``sprpt``.
    job_id : array_like of int, shape (n,), optional
        Ids kept for display and in ``to_arrow()``; default ``0..n-1``. Positions are the ids
        the simulator uses.
    name : str, optional

    Raises
    ------
    InvalidInstanceError
        Naming the field and the job index: negative, NaN or zero operation sizes, an empty
        operation list, a negative or NaN release, a weight <= 0, length mismatches.

    Notes
    -----
    Jobs compare equal when every field (name included) is equal, and pickle by value.

    Examples
    --------
    >>> from schedkit.flowtime import Jobs
    >>> jobs = Jobs([0.0, 0.5], [[1.0, 2.0], [3.0]], weight=[2, 1])
    >>> jobs
    <flowtime.Jobs n=2 ops=3 weighted>
    >>> jobs.n, jobs.size.tolist(), jobs.num_ops.tolist()
    (2, [3.0, 3.0], [2, 1])
    >>> Jobs([0.0], [[1.0, -2.0]])
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: operations[0]: operation 1 has size -2; sizes must be finite and > 0
    """

    __slots__ = (
        "_bounds",
        "_core",
        "_estimate",
        "_job_id",
        "_offsets",
        "_release",
        "_size",
        "_values",
        "_weight",
        "name",
    )

    def __init__(
        self,
        release: Any,
        operations: Any,
        weight: Any = None,
        *,
        estimate: Any = None,
        job_id: Any = None,
        name: str | None = None,
    ):
        rel = float_vector(release, "release")
        offsets, values = offsets_values(operations)
        if offsets.shape[0] != rel.shape[0] + 1:
            raise InvalidInstanceError(
                f"operations: {offsets.shape[0] - 1} jobs but release has {rel.shape[0]}", field="operations"
            )
        w = None if weight is None else float_vector(weight, "weight")
        e = None if estimate is None else float_vector(estimate, "estimate")
        self._core = _core.FlowtimeJobs(rel, offsets, values, w, e)
        lost = lost_length_error(np.repeat(rel, np.diff(offsets)), values, "operations", "release")
        if lost is not None:
            raise lost
        self._init_views(job_id, name)

    def _init_views(self, job_id: Any, name: str | None) -> None:
        self.name = name
        self._release = readonly(self._core.release)
        self._weight = readonly(self._core.weight)
        self._offsets = readonly(self._core.offsets)
        self._values = readonly(self._core.values)
        self._size = readonly(self._core.size)
        est = self._core.estimate
        self._estimate = None if est is None else readonly(est)
        n = self._release.shape[0]
        if job_id is None:
            ids = np.arange(n, dtype=np.int64)
        else:
            ids = int_vector(job_id, "job_id", n)
        self._job_id = readonly(ids)
        self._bounds: dict[int, float] = {}

    @classmethod
    def _from_core(cls, core: Any, job_id: Any, name: str | None) -> Jobs:
        obj = cls.__new__(cls)
        obj._core = core
        obj._init_views(job_id, name)
        return obj

    # -- accessors
    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self._core.n)

    def __len__(self) -> int:
        return self.n

    @property
    def release(self) -> np.ndarray:
        """Release times (read-only float64)."""
        return self._release

    @property
    def weight(self) -> np.ndarray:
        """Weights (read-only float64; all 1 when unweighted)."""
        return self._weight

    @property
    def weighted(self) -> bool:
        """True when weights were given."""
        return bool(self._core.weighted)

    @property
    def estimate(self) -> np.ndarray | None:
        """Size estimates p̂_j, or None."""
        return self._estimate

    @property
    def offsets(self) -> np.ndarray:
        """Arrow-style offsets (int64, n + 1) into :attr:`values`."""
        return self._offsets

    @property
    def values(self) -> np.ndarray:
        """Every operation size, job after job (float64)."""
        return self._values

    @property
    def size(self) -> np.ndarray:
        """Total size p_j = Σ_i p_ji of each job."""
        return self._size

    @property
    def num_ops(self) -> np.ndarray:
        """Number of operations of each job (int64)."""
        return np.diff(self._offsets)

    @property
    def job_id(self) -> np.ndarray:
        """Display ids (int64)."""
        return self._job_id

    def operations(self, j: int) -> np.ndarray:
        """The operation sizes of job ``j`` (a read-only view).

        Examples
        --------
        >>> from schedkit.flowtime import Jobs
        >>> Jobs([0, 1], [[1, 2], [3]]).operations(0).tolist()
        [1.0, 2.0]
        """
        return self._values[self._offsets[j] : self._offsets[j + 1]]

    def load(self, *, machines: int = 1) -> float:
        """Offered load: total size / (machines x span of releases).

        Parameters
        ----------
        machines : int

        Returns
        -------
        float
            NaN for fewer than 2 jobs, inf when every job is released at once.

        Examples
        --------
        >>> from schedkit.flowtime import Jobs
        >>> Jobs([0, 2, 4], [1, 2, 3]).load(machines=2)
        0.75
        """
        if self.n < 2:
            return math.nan
        span = float(self._release.max() - self._release.min())
        return float(self._size.sum() / (machines * span)) if span > 0 else math.inf

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        extra = " weighted" if self.weighted else ""
        extra += " estimates" if self._estimate is not None else ""
        return f"<flowtime.Jobs{label} n={self.n} ops={self._values.shape[0]}{extra}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Jobs):
            return NotImplemented
        if self is other:
            return True
        mine, theirs = self._estimate, other._estimate
        return (
            self.name == other.name
            and self.weighted == other.weighted
            and np.array_equal(self._offsets, other._offsets)
            and np.array_equal(self._values, other._values)
            and np.array_equal(self._release, other._release)
            and np.array_equal(self._weight, other._weight)
            and np.array_equal(self._job_id, other._job_id)
            and (mine is theirs if mine is None or theirs is None else np.array_equal(mine, theirs))
        )

    def __hash__(self) -> int:
        # Cheap and consistent with __eq__ (equal jobs share these); collisions only cost a compare.
        return hash((self.n, self._values.shape[0], self.name))

    def __reduce__(self) -> tuple[Any, ...]:
        # The Rust instance does not pickle: rebuild (and revalidate) it from the arrays.
        weight = self._weight if self.weighted else None
        return (
            _unpickle_jobs,
            (self._release, self._offsets, self._values, weight, self._estimate, self._job_id, self.name),
        )

    # -- derived instances
    def with_estimates(self, estimate: Any = None, *, distortion: float | None = None, seed: int = 0) -> Jobs:
        """The same jobs with size estimates p̂_j for ``sprpt``.

        Either ``estimate`` (an array) or ``distortion`` μ >= 1: then
        p̂_j = p_j exp(U(-ln μ / 2, ln μ / 2)), so p_j / p̂_j lies in [μ^-1/2, μ^1/2] and the
        distortion (max over-estimate factor times max under-estimate factor) is at most μ.

        Parameters
        ----------
        estimate : array_like of float, shape (n,), optional
            The estimates, finite and > 0.
        distortion : float, optional
            μ >= 1, to draw the estimates at random instead.
        seed : int
            Seeds the draw.

        Returns
        -------
        Jobs

        Raises
        ------
        InvalidInstanceError
            Both or neither of ``estimate`` and ``distortion``, μ < 1, or invalid estimates.

        Examples
        --------
        >>> from schedkit.flowtime import Jobs, simulate
        >>> jobs = Jobs([0, 0], [[2], [1]]).with_estimates([1.0, 3.0])
        >>> simulate(jobs, policy="sprpt").completion.tolist()
        [2.0, 3.0]
        """
        if (estimate is None) == (distortion is None):
            raise InvalidInstanceError("give exactly one of estimate and distortion", field="estimate")
        if distortion is not None:
            distortion = float_arg(distortion, "distortion", minimum=1.0)
            rng = np.random.default_rng(int_arg(seed, "seed", maximum=U64_MAX))
            half = math.log(distortion) / 2
            estimate = self._size * np.exp(rng.uniform(-half, half, self.n))
        core = self._core.with_estimate(float_vector(estimate, "estimate"))
        return Jobs._from_core(core, self._job_id, self.name)

    def lower_bound(self, *, machines: int = 1) -> float:
        """A lower bound on Σ F_j of every schedule on ``machines`` machines (cached).

        One machine: SRPT's total flow time, the optimum. m machines: max(SRPT on one machine
        of speed m, Σ p_j).

        Parameters
        ----------
        machines : int

        Returns
        -------
        float

        Raises
        ------
        InvalidInstanceError
            ``machines`` is not an integer >= 1.

        Examples
        --------
        >>> from schedkit.flowtime import Jobs
        >>> jobs = Jobs([0, 0, 0], [1, 2, 3])
        >>> jobs.lower_bound(), jobs.lower_bound(machines=2)
        (10.0, 6.0)
        """
        check_machines(machines)
        if machines not in self._bounds:
            lb = _core.flowtime_lower_bound(self._core, machines)
            self._bounds[machines] = math.nan if lb is None else float(lb)
        return self._bounds[machines]

    # -- Arrow
    def to_arrow(self) -> pa.Table:
        """A pyarrow Table, one row per job: job_id, release, weight, operations (list of
        float64)[, estimate]. :meth:`from_arrow` reads it back.

        Examples
        --------
        >>> from schedkit.flowtime import Jobs
        >>> t = Jobs([0, 1], [[1, 2], [3]]).to_arrow()
        >>> t.column_names, t.column("operations").to_pylist()
        (['job_id', 'release', 'weight', 'operations'], [[1.0, 2.0], [3.0]])
        """
        if self._values.shape[0] < 2**31:
            ops = pa.ListArray.from_arrays(pa.array(self._offsets.astype(np.int32)), pa.array(self._values))
        else:  # pragma: no cover - needs > 2^31 operations
            ops = pa.LargeListArray.from_arrays(pa.array(self._offsets), pa.array(self._values))
        cols: dict[str, Any] = {
            "job_id": self._job_id,
            "release": self._release,
            "weight": self._weight,
            "operations": ops,
        }
        if self._estimate is not None:
            cols["estimate"] = self._estimate
        return pa.table(cols)

    @classmethod
    def from_arrow(
        cls,
        table: pa.Table,
        *,
        operations: str = "operations",
        release: str = "release",
        weight: str = "weight",
        job_id: str = "job_id",
        estimate: str = "estimate",
        name: str | None = None,
    ) -> Jobs:
        """Jobs from a pyarrow Table in one of two layouts.

        - one row per job: ``release``, a list column ``operations`` (sizes in order), and
          optionally ``job_id``, ``weight``, ``estimate``;
        - one row per operation (what a CSV can hold): ``job_id``, ``release`` (or
          ``submit_time``), ``size`` (or ``duration``), optionally ``weight`` and ``task_id``.
          Rows of a job are its operations, in ``task_id`` order when present, else in row
          order; jobs keep the order of their first row; release and weight must be equal on
          every row of a job. The canonical ``schedkit.trace`` schema reads this way (each task
          an operation).

        Parameters
        ----------
        table : pyarrow.Table
        operations, release, weight, job_id, estimate : str
            Column names, when they differ from these defaults.
        name : str, optional

        Returns
        -------
        Jobs

        Raises
        ------
        InvalidInstanceError
            Missing columns, rows of a job that disagree, or invalid values.

        Examples
        --------
        >>> import pyarrow as pa
        >>> from schedkit.flowtime import Jobs
        >>> t = pa.table({"job_id": [7, 7, 9], "release": [0.0, 0.0, 1.0], "size": [1.0, 2.0, 4.0]})
        >>> Jobs.from_arrow(t).operations(0).tolist()
        [1.0, 2.0]
        """
        if not isinstance(table, pa.Table):
            raise InvalidInstanceError(f"table: expected a pyarrow.Table, got {type(table).__name__}", field="table")
        check_column_names(table.column_names, "table")
        names = set(table.column_names)
        listed = operations in names  # one row per job, its operations in a list column
        if listed:
            if release not in names:
                raise InvalidInstanceError(f"table: no {release!r} column", field=release)
            read = {release, operations, weight, estimate, job_id}
        else:
            rel_col = release if release in names else "submit_time"
            size_col = "size" if "size" in names else "duration"
            missing = [c for c in (job_id, rel_col, size_col) if c not in names]
            if missing:
                raise InvalidInstanceError(
                    f"table: expected a list column {operations!r}, or one row per operation with columns "
                    f"{job_id!r}, {release!r} (or 'submit_time') and 'size' (or 'duration'); missing {missing}",
                    field=missing[0],
                )
            # the canonical trace's own columns are read as a trace, each task an operation
            read = {job_id, rel_col, size_col, weight, "task_id", *TRACE_SCHEMA.names, *TRACE_OPTIONAL}
        # a column nothing reads (a typo such as "wieght" would drop the weights) is named
        unread = [c for c in table.column_names if c not in read]
        if unread:
            warnings.warn(
                f"table: column(s) {', '.join(map(repr, unread))} are not read; they are ignored",
                UserWarning,
                stacklevel=2,
            )
        if listed:
            col = lambda c: table.column(c).to_numpy() if c in names else None  # noqa: E731
            return cls(
                col(release),
                table.column(operations),
                col(weight),
                estimate=col(estimate),
                job_id=col(job_id),
                name=name,
            )
        rel, ops, w, ids = group_operation_rows(table, job_id, rel_col, size_col, weight if weight in names else None)
        return cls(rel, ops, w, job_id=ids, name=name)


def _unpickle_jobs(
    release: np.ndarray,
    offsets: np.ndarray,
    values: np.ndarray,
    weight: np.ndarray | None,
    estimate: np.ndarray | None,
    job_id: np.ndarray,
    name: str | None,
) -> Jobs:
    return Jobs(release, (offsets, values), weight, estimate=estimate, job_id=job_id, name=name)


def _machines(start: np.ndarray, end: np.ndarray, job: np.ndarray, m: int) -> list[int]:
    """A machine for each run piece (rate 1, at most ``m`` at a time): a job keeps the machine it
    ran on when its next piece starts where the last ended; otherwise the lowest free machine."""
    order = np.lexsort((job, start))
    free_at = [-np.inf] * m
    last: dict[int, int] = {}
    out = [0] * len(start)
    for k in order:
        j, s = int(job[k]), float(start[k])
        mine = last.get(j)
        if mine is not None and free_at[mine] <= s:
            b = mine
        else:
            b = next((i for i in range(m) if free_at[i] <= s), int(np.argmin(free_at)))
        out[k] = b
        free_at[b] = float(end[k])
        last[j] = b
    return out


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    jobs : Jobs
    policy : str
        The policy's name (the callable's ``__name__`` for a user-defined policy).
    params : dict
        The parameters given.
    label : str
        ``policy`` with its parameters, for tables and legends.
    information : str
        The information class the policy ran with.
    machines : int
    completion : ndarray of float64
        C_j per job position (NaN for a job unfinished when ``time_limit`` stopped the run).
    events : int
        Events the simulator processed.
    finished : bool
        False when ``time_limit`` stopped the simulation early.
    elapsed : float
        Wall-clock seconds of the simulation.
    event_log : pyarrow.Table or None
        With ``event_log=True``: columns time, end, kind (release, reveal, run, op_complete,
        complete), job, op, value (the revealed size for reveal rows, the rate for run rows,
        which cover [time, end)).

    Notes
    -----
    Results compare equal when everything but the wall-clock ``elapsed`` is equal (NaN
    completions equal NaN), and pickle by value.

    Examples
    --------
    >>> import schedkit as sk
    >>> jobs = sk.flowtime.Jobs([0, 1, 2], [[3], [1], [2]])
    >>> r = sk.flowtime.simulate(jobs, policy="srpt")
    >>> r
    <flowtime.Result srpt m=1 n=3 total_flow_time=9 events=5>
    >>> r.flow_times.tolist(), r.ratio
    ([4.0, 1.0, 4.0], 1.0)
    """

    jobs: Jobs
    policy: str
    params: dict[str, Any]
    label: str
    information: str
    machines: int
    completion: np.ndarray
    events: int
    finished: bool
    elapsed: float
    event_log: Any = None
    # Derived arrays, computed once; never compared, pickled or carried over by replace().
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def flow_times(self) -> np.ndarray:
        """F_j = C_j - r_j per job."""
        if "flow" not in self._cache:
            self._cache["flow"] = readonly(self.completion - self.jobs.release)
        return self._cache["flow"]

    @property
    def stretch(self) -> np.ndarray:
        """F_j / p_j per job (the slowdown)."""
        return self.flow_times / self.jobs.size

    @property
    def total_flow_time(self) -> float:
        """Σ F_j (NaN if unfinished)."""
        return float(np.sum(self.flow_times))

    @property
    def total_weighted_flow_time(self) -> float:
        """Σ w_j F_j."""
        return float(np.dot(self.jobs.weight, self.flow_times))

    @property
    def mean_flow_time(self) -> float:
        """Mean flow time (0 for no jobs)."""
        return float(np.mean(self.flow_times)) if self.jobs.n else 0.0

    @property
    def max_flow_time(self) -> float:
        """Largest flow time (0 for no jobs)."""
        return float(np.max(self.flow_times)) if self.jobs.n else 0.0

    def percentile(self, q: float | Sequence[float]) -> Any:
        """Flow-time percentile(s), q in [0, 100] (NumPy's linear interpolation).

        Parameters
        ----------
        q : float or sequence of float

        Returns
        -------
        float or ndarray
            A float for a scalar ``q``.

        Examples
        --------
        >>> import schedkit as sk
        >>> r = sk.flowtime.simulate(sk.flowtime.Jobs([0, 0, 0], [1, 2, 3]), policy="srpt")
        >>> r.percentile(50), r.percentile([0, 100]).tolist()
        (3.0, [1.0, 6.0])
        """
        if not self.jobs.n:
            return 0.0 if np.ndim(q) == 0 else np.zeros(len(q))  # type: ignore[arg-type]
        out = np.percentile(self.flow_times, q)
        return float(out) if np.ndim(out) == 0 else out

    @property
    def lower_bound(self) -> float:
        """A lower bound on Σ F_j of any schedule of these jobs on these machines (see
        :meth:`Jobs.lower_bound`); SRPT's own total on one machine."""
        if self.policy == "srpt" and self.machines == 1 and self.finished:
            self.jobs._bounds.setdefault(1, self.total_flow_time)
        return self.jobs.lower_bound(machines=self.machines)

    @property
    def ratio(self) -> float:
        """Empirical competitive ratio: total_flow_time / lower_bound (1 for an empty instance)."""
        lb = self.lower_bound
        return self.total_flow_time / lb if lb > 0 else 1.0

    @property
    def weighted_lower_bound(self) -> float:
        """A (weak) lower bound on Σ w_j F_j: max(Σ w_j p_j, min_j w_j x lower_bound)."""
        if not self.jobs.n:
            return 0.0
        w = self.jobs.weight
        return max(float(np.dot(w, self.jobs.size)), float(w.min()) * self.lower_bound)

    @property
    def events_per_second(self) -> float:
        """Simulator throughput: events / elapsed."""
        return self.events / self.elapsed if self.elapsed > 0 else math.inf

    def summary(self) -> dict[str, Any]:
        """The figures of one run as a flat dict (what :func:`compare` tabulates).

        Examples
        --------
        >>> import schedkit as sk
        >>> s = sk.flowtime.simulate(sk.flowtime.Jobs([0, 0], [1, 2]), policy="rr").summary()
        >>> s["policy"], s["total_flow_time"], s["lower_bound"]
        ('rr', 5.0, 4.0)
        """
        p50, p95, p99 = self.percentile([50, 95, 99]) if self.jobs.n else (0.0, 0.0, 0.0)
        st = self.stretch
        return {
            "policy": self.label,
            "information": self.information,
            "machines": self.machines,
            "jobs": self.jobs.n,
            "finished": self.finished,
            "total_flow_time": self.total_flow_time,
            "mean_flow_time": self.mean_flow_time,
            "p50_flow_time": float(p50),
            "p95_flow_time": float(p95),
            "p99_flow_time": float(p99),
            "max_flow_time": self.max_flow_time,
            "mean_stretch": float(st.mean()) if st.size else 0.0,
            "max_stretch": float(st.max()) if st.size else 0.0,
            "total_weighted_flow_time": self.total_weighted_flow_time,
            "lower_bound": self.lower_bound,
            "ratio": self.ratio,
            "events": self.events,
            "seconds": self.elapsed,
        }

    def validate(self) -> Result:
        """Checks the schedule independently of the simulator; returns ``self``.

        Always: completion >= release + size for every finished job and, on one machine, that
        the last completion equals the busy-period end (no idling). With an event log also:
        every operation receives exactly its size, runs only between its reveal and its
        completion, reveals happen exactly when the previous operation completes (information
        hygiene), rates <= 1 per job and <= m in total, and the machines are never idle
        while a job is alive (work conservation).

        Returns
        -------
        Result
            ``self``, so that ``simulate(...).validate()`` chains.

        Raises
        ------
        ValidationError
            If a check fails (a schedkit bug).

        Examples
        --------
        >>> import schedkit as sk
        >>> jobs = sk.flowtime.Jobs([0, 0], [[1, 2], [3]])
        >>> sk.flowtime.simulate(jobs, policy="op_srpt", event_log=True).validate().completion.tolist()
        [3.0, 6.0]
        """
        j = self.jobs
        check_schedule(
            j.release,
            j.offsets,
            j.values,
            self.completion,
            machines=self.machines,
            finished=self.finished,
            log=None if self.event_log is None else _log_columns(self.event_log),
            label=self.label,
        )
        return self

    def to_arrow(self) -> pa.Table:
        """Per-job results as a pyarrow Table: job_id, release, weight, size, num_ops,
        completion, flow_time, stretch.

        Examples
        --------
        >>> import schedkit as sk
        >>> r = sk.flowtime.simulate(sk.flowtime.Jobs([0, 1], [2, 1]), policy="srpt")
        >>> r.to_arrow().column("flow_time").to_pylist()
        [2.0, 2.0]
        """
        j = self.jobs
        return pa.table(
            {
                "job_id": j.job_id,
                "release": j.release,
                "weight": j.weight,
                "size": j.size,
                "num_ops": j.num_ops,
                "completion": self.completion,
                "flow_time": self.flow_times,
                "stretch": self.stretch,
            }
        )

    def to_chrome_trace(self, path: str | Path) -> Path:
        """Writes the event log as a Chrome trace event JSON file (Perfetto, chrome://tracing).

        When every piece runs at rate 1 (the index policies: SRPT, FCFS, ...), there is one
        track per machine and one slice per run piece, named ``job <id> op <k>``; a machine is
        given to each piece greedily (a job stays on its machine while it runs on), since the
        simulator assigns jobs to "some machine", not to a numbered one. Processor-sharing
        policies (RR, LAPS, SETF) run jobs at fractional rates, so no machine holds a piece:
        their trace has one track per job instead, each slice carrying its ``rate``. Times are
        the simulation's, in microseconds (one time unit = one second).

        Parameters
        ----------
        path : path
            The file to write.

        Returns
        -------
        pathlib.Path

        Raises
        ------
        InvalidInstanceError
            The result has no event log (simulate with ``event_log=True``).

        Examples
        --------
        >>> import json, os, tempfile
        >>> import schedkit as sk
        >>> jobs = sk.flowtime.Jobs([0, 1], [[3], [1]])
        >>> r = sk.flowtime.simulate(jobs, policy="srpt", event_log=True)
        >>> path = r.to_chrome_trace(os.path.join(tempfile.mkdtemp(), "srpt.json"))
        >>> [(e["name"], e["ts"], e["dur"]) for e in json.loads(path.read_text())["traceEvents"] if e["ph"] == "X"]
        [('job 0 op 0', 0.0, 1000000.0), ('job 1 op 0', 1000000.0, 1000000.0), ('job 0 op 0', 2000000.0, 2000000.0)]
        """
        if self.event_log is None:
            raise InvalidInstanceError(
                "event_log: this result has none; simulate with event_log=True", field="event_log"
            )
        log = self.event_log
        runs = log.filter(pa.compute.equal(log.column("kind"), "run"))
        start = runs.column("time").to_numpy()
        end = runs.column("end").to_numpy()
        job = runs.column("job").to_numpy()
        op = runs.column("op").to_numpy()
        rate = runs.column("value").to_numpy()
        ids = self.jobs.job_id
        sharing = bool(np.any(rate < 1.0))
        if sharing:
            used = np.unique(job)
            track_of = {int(j): k for k, j in enumerate(used)}
            tracks = [f"job {ids[j]}" for j in used]
            track = [track_of[int(j)] for j in job]
        else:
            tracks = [f"machine {k}" for k in range(self.machines)]
            track = _machines(start, end, job, self.machines)
        slices = (
            (
                track[k],
                f"job {ids[job[k]]} op {op[k]}",
                float(start[k]),
                float(end[k]),
                {"job_id": int(ids[job[k]]), "job": int(job[k]), "op": int(op[k]), "rate": float(rate[k])},
            )
            for k in range(len(start))
        )
        process = f"{self.jobs.name or 'jobs'}: {self.label} on {self.machines} machine(s)"
        return write_chrome_trace(path, process, tracks, slices)

    def plot(
        self,
        *others: Result,
        ax: Any = None,
        path: str | Path | None = None,
        stretch: bool = False,
        logx: bool = True,
    ) -> Any:
        """ECDF of the flow times of this result and ``others``; returns the matplotlib Figure.

        See :func:`plot_ecdf` for the parameters.

        Examples
        --------
        >>> import os
        >>> import schedkit as sk
        >>> jobs = sk.flowtime.generate(100, seed=0)
        >>> srpt = sk.flowtime.simulate(jobs, policy="srpt")
        >>> fig = srpt.plot(sk.flowtime.simulate(jobs, policy="fcfs"), path=os.devnull, stretch=True)
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['srpt', 'fcfs']
        """
        return plot_ecdf([self, *others], ax=ax, path=path, stretch=stretch, logx=logx)

    def __repr__(self) -> str:
        return (
            f"<flowtime.Result {self.label} m={self.machines} n={self.jobs.n} "
            f"total_flow_time={self.total_flow_time:.6g} events={self.events}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        if self is other:
            return True
        mine, theirs = self.event_log, other.event_log
        return (
            self._scalars() == other._scalars()
            and self.jobs == other.jobs
            and np.array_equal(self.completion, other.completion, equal_nan=True)
            and (mine is None) == (theirs is None)
            and (mine is None or _same_table(mine, theirs))
        )

    def __hash__(self) -> int:
        return hash((self.label, self.machines, self.jobs.n, self.events))

    def _scalars(self) -> tuple[Any, ...]:
        return (self.policy, self.params, self.label, self.information, self.machines, self.events, self.finished)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled arrays come back writable; results stay immutable.
        readonly(state["completion"])
        self.__dict__.update(state, _cache={})


def _same_table(a: pa.Table, b: pa.Table) -> bool:
    """Table equality with NaN equal to NaN (``Table.equals`` says a log with NaN values,
    which every log has, differs even from itself)."""
    if not a.schema.equals(b.schema) or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        if pa.types.is_floating(x.type):
            if not np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True):
                return False
        elif not x.equals(y):
            return False
    return True


def _log_columns(log: pa.Table) -> dict[str, np.ndarray]:
    """The event log's columns as NumPy arrays, ``kind`` as names, for the validator."""
    cols = {name: log.column(name).to_numpy() for name in ("time", "end", "job", "op", "value")}
    kind = log.column("kind").combine_chunks()
    if pa.types.is_dictionary(kind.type):
        codes = kind.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        cols["kind"] = np.asarray(kind.dictionary.to_pylist(), dtype=object)[codes]
    else:
        cols["kind"] = np.asarray(kind.to_pylist(), dtype=object)
    return cols
