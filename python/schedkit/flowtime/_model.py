"""Online preemptive flow-time scheduling, with gradually revealed jobs.

Job j is released at r_j with weight w_j and a sequence of operations p_j1, ..., p_jk (k may
differ per job; one operation is the classical model), processed in order. m identical
machines (1 by default), preemption and migration allowed, a job runs on at most one machine
at a time. The objective is the total flow time Σ (C_j - r_j), or Σ w_j (C_j - r_j).

Information hygiene is part of the contract: a policy sees the size of an operation only once
the previous one has completed, never the number of operations unless the variant says so
(``known_count=True``), and never the future. The Rust simulator enforces this: a policy only
ever receives a view built for its information class (see :class:`PolicyView`).

Policies (``simulate(jobs, policy=...)``, the CLI and :data:`POLICIES`), all simulated
exactly by events, processor sharing by rates between events:

- clairvoyant: ``srpt``, ``spt`` (non-preemptive), ``hdf`` (``remaining=True``: weighted SRPT);
- non-clairvoyant: ``fcfs``, ``rr`` (processor sharing), ``setf``, ``laps`` (``beta``),
  ``mlf`` (doubling thresholds, ``base``);
- gradually revealed: ``op_srpt`` (operation-level SRPT), ``chunk`` (virtual chunks, our own
  rule: ``gamma``, ``c``, ``known_count``);
- estimates (robust setting): ``sprpt`` (``variant`` = ``"plain"``, ``"clamped"``, ``"class"``);
- a Python callable returning priorities at events (the slow path).

Examples
--------
>>> import schedkit as sk
>>> jobs = sk.flowtime.Jobs(release=[0, 1, 2], operations=[[3], [1], [2]])
>>> r = sk.flowtime.simulate(jobs, policy="srpt")
>>> r.completion.tolist(), r.total_flow_time, r.lower_bound
([4.0, 2.0, 6.0], 9.0, 9.0)
>>> sk.flowtime.simulate(jobs, policy="rr").completion.tolist()
[5.5, 3.5, 6.0]
>>> two = sk.flowtime.Jobs([0, 0], [[1, 10], [2]])        # job 0: a short test, then 10
>>> sk.flowtime.simulate(two, "op_srpt").completion.tolist()
[13.0, 3.0]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import float_vector, readonly
from schedkit.exceptions import InvalidInstanceError, SolverUnavailableError
from schedkit.flowtime._gen import generate

__all__ = [
    "Jobs",
    "Result",
    "Policy",
    "PolicyView",
    "POLICIES",
    "simulate",
    "compare",
    "generate",
    "read_jobs",
    "plot_ecdf",
    "parse_policy",
]

#: Log row kinds, by the code the core uses.
LOG_KINDS: tuple[str, ...] = tuple(_core.FLOWTIME_LOG_KINDS)
#: Default cap on event log rows (an error beyond it rather than exhausting memory).
MAX_LOG_ROWS = 20_000_000


# --------------------------------------------------------------------------- jobs


def _offsets_values(operations: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Operations in any accepted form as (offsets int64 of length n + 1, values float64)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a core dependency
        pa = None
    if pa is not None and isinstance(operations, (pa.Array, pa.ChunkedArray)):
        return _arrow_lists(operations)
    if (
        isinstance(operations, tuple)
        and len(operations) == 2
        and all(isinstance(a, np.ndarray) for a in operations)
        and operations[0].dtype.kind in "iu"
    ):
        offsets = np.ascontiguousarray(operations[0], dtype=np.int64)
        return offsets, float_vector(operations[1], "operations")
    if isinstance(operations, np.ndarray) and operations.dtype.kind in "iuf":
        if operations.ndim == 1:
            return np.arange(operations.shape[0] + 1, dtype=np.int64), float_vector(operations, "operations")
        if operations.ndim == 2:
            rows, k = operations.shape
            return (
                np.arange(rows + 1, dtype=np.int64) * k,
                np.ascontiguousarray(operations, dtype=np.float64).reshape(-1),
            )
        raise InvalidInstanceError(f"operations: expected 1-D or 2-D, got shape {operations.shape}", field="operations")
    if isinstance(operations, (str, bytes)) or not isinstance(operations, Iterable):
        raise InvalidInstanceError("operations: expected a list of operation lists", field="operations")
    lengths = []
    values: list[Any] = []
    for j, ops in enumerate(operations):
        if isinstance(ops, (int, float, np.integer, np.floating)) and not isinstance(ops, bool):
            lengths.append(1)
            values.append(ops)
            continue
        if isinstance(ops, (str, bytes)) or not isinstance(ops, Iterable):
            raise InvalidInstanceError(
                f"operations[{j}]: expected a list of sizes, got {type(ops).__name__}", field="operations", index=j
            )
        ops = list(ops)
        lengths.append(len(ops))
        values.extend(ops)
    try:
        vals = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        bad = _first_non_number(operations)
        raise InvalidInstanceError(
            f"operations[{bad}]: operation sizes must be numbers", field="operations", index=bad
        ) from None
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, vals


def _first_non_number(operations: Iterable[Any]) -> int:
    for j, ops in enumerate(operations):
        try:
            np.asarray(ops if isinstance(ops, Iterable) else [ops], dtype=np.float64)
        except (TypeError, ValueError):
            return j
    return 0


def _arrow_lists(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
            if arr.null_count:
                bad = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
                raise InvalidInstanceError(f"operations[{bad}]: missing size", field="operations", index=bad)
            vals = arr.to_numpy(zero_copy_only=False).astype(np.float64)
            return np.arange(len(vals) + 1, dtype=np.int64), vals
        raise InvalidInstanceError(f"operations: expected a list column, got {arr.type}", field="operations")
    if arr.null_count:
        bad = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
        raise InvalidInstanceError(f"operations[{bad}]: missing operation list", field="operations", index=bad)
    offsets = arr.offsets.to_numpy().astype(np.int64)
    values = arr.values.slice(offsets[0], offsets[-1] - offsets[0])
    offsets = offsets - offsets[0]
    if values.null_count:
        pos = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
        bad = int(np.searchsorted(offsets, pos, side="right") - 1)
        raise InvalidInstanceError(f"operations[{bad}]: missing operation size", field="operations", index=bad)
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        raise InvalidInstanceError(f"operations: sizes must be numbers, got {values.type}", field="operations")
    return offsets, values.to_numpy(zero_copy_only=False).astype(np.float64)


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

    Examples
    --------
    >>> jobs = Jobs([0.0, 0.5], [[1.0, 2.0], [3.0]], weight=[2, 1])
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
        offsets, values = _offsets_values(operations, rel.shape[0])
        if offsets.shape[0] != rel.shape[0] + 1:
            raise InvalidInstanceError(
                f"operations: {offsets.shape[0] - 1} jobs but release has {rel.shape[0]}", field="operations"
            )
        w = None if weight is None else float_vector(weight, "weight")
        e = None if estimate is None else float_vector(estimate, "estimate")
        self._core = _core.FlowtimeJobs(rel, offsets, values, w, e)
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
            ids = np.asarray(job_id)
            if ids.shape != (n,) or ids.dtype.kind not in "iu":
                raise InvalidInstanceError(
                    f"job_id: expected {n} integers, got {ids.dtype} {ids.shape}", field="job_id"
                )
            ids = ids.astype(np.int64)
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
        """The operation sizes of job ``j``."""
        return self._values[self._offsets[j] : self._offsets[j + 1]]

    def load(self, machines: int = 1) -> float:
        """Offered load: total size / (machines x span of releases), nan for fewer than 2 jobs."""
        if self.n < 2:
            return math.nan
        span = float(self._release.max() - self._release.min())
        return float(self._size.sum() / (machines * span)) if span > 0 else math.inf

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        extra = " weighted" if self.weighted else ""
        extra += " estimates" if self._estimate is not None else ""
        return f"<flowtime.Jobs{label} n={self.n} ops={self._values.shape[0]}{extra}>"

    # -- derived instances
    def with_estimates(self, estimate: Any = None, *, distortion: float | None = None, seed: int = 0) -> Jobs:
        """The same jobs with size estimates p̂_j for ``sprpt``.

        Either ``estimate`` (an array) or ``distortion`` μ >= 1: then
        p̂_j = p_j exp(U(-ln μ / 2, ln μ / 2)), so p_j / p̂_j lies in [μ^-1/2, μ^1/2] and the
        distortion (max over-estimate factor times max under-estimate factor) is at most μ.

        Examples
        --------
        >>> jobs = Jobs([0, 0], [[2], [1]]).with_estimates([1.0, 3.0])
        >>> simulate(jobs, "sprpt").completion.tolist()
        [2.0, 3.0]
        """
        if (estimate is None) == (distortion is None):
            raise InvalidInstanceError("give exactly one of estimate and distortion", field="estimate")
        if distortion is not None:
            if not (math.isfinite(distortion) and distortion >= 1):
                raise InvalidInstanceError(f"distortion: must be finite and >= 1, got {distortion}", field="distortion")
            rng = np.random.default_rng(seed)
            half = math.log(distortion) / 2
            estimate = self._size * np.exp(rng.uniform(-half, half, self.n))
        core = self._core.with_estimate(float_vector(estimate, "estimate"))
        return Jobs._from_core(core, self._job_id, self.name)

    def lower_bound(self, machines: int = 1) -> float:
        """A lower bound on Σ F_j of every schedule on ``machines`` machines (cached).

        One machine: SRPT's total flow time, the optimum. m machines: max(SRPT on one machine
        of speed m, Σ p_j).
        """
        _check_machines(machines)
        if machines not in self._bounds:
            lb = _core.flowtime_lower_bound(self._core, machines)
            self._bounds[machines] = math.nan if lb is None else float(lb)
        return self._bounds[machines]

    # -- Arrow
    def to_arrow(self) -> Any:
        """A pyarrow Table, one row per job: job_id, release, weight, operations (list of
        float64)[, estimate]. :meth:`from_arrow` reads it back."""
        import pyarrow as pa

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
        table: Any,
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

        Examples
        --------
        >>> import pyarrow as pa
        >>> t = pa.table({"job_id": [7, 7, 9], "release": [0.0, 0.0, 1.0], "size": [1.0, 2.0, 4.0]})
        >>> Jobs.from_arrow(t).operations(0).tolist()
        [1.0, 2.0]
        """
        names = set(table.column_names)
        if operations in names:
            col = lambda c: table.column(c).to_numpy() if c in names else None  # noqa: E731
            if release not in names:
                raise InvalidInstanceError(f"table: no {release!r} column", field=release)
            return cls(
                col(release),
                table.column(operations),
                col(weight),
                estimate=col(estimate),
                job_id=col(job_id),
                name=name,
            )
        rel_col = release if release in names else "submit_time"
        size_col = "size" if "size" in names else "duration"
        missing = [c for c in (job_id, rel_col, size_col) if c not in names]
        if missing:
            raise InvalidInstanceError(
                f"table: expected a list column {operations!r}, or one row per operation with columns "
                f"{job_id!r}, {release!r} (or 'submit_time') and 'size' (or 'duration'); missing {missing}",
                field=missing[0],
            )
        return _from_rows(table, job_id, rel_col, size_col, weight if weight in names else None, name)


def _from_rows(table: Any, id_col: str, rel_col: str, size_col: str, w_col: str | None, name: str | None) -> Jobs:
    ids = np.asarray(table.column(id_col).to_numpy(zero_copy_only=False))
    rel = float_vector(table.column(rel_col).to_numpy(zero_copy_only=False), rel_col)
    size = float_vector(table.column(size_col).to_numpy(zero_copy_only=False), size_col)
    uniq, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    by_first = np.argsort(first, kind="stable")
    job_of_uniq = np.empty_like(by_first)
    job_of_uniq[by_first] = np.arange(by_first.shape[0])
    job = job_of_uniq[inv.reshape(-1)]
    if "task_id" in table.column_names:
        task = np.asarray(table.column("task_id").to_numpy(zero_copy_only=False))
        perm = np.lexsort((task, job))
    else:
        perm = np.argsort(job, kind="stable")
    n = uniq.shape[0]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(job, minlength=n), out=offsets[1:])
    job_rel = rel[first[by_first]]
    bad = np.flatnonzero(rel != job_rel[job])
    if bad.size:
        j = int(job[bad[0]])
        raise InvalidInstanceError(f"{rel_col}[{j}]: rows of job {uniq[by_first[j]]} disagree", field=rel_col, index=j)
    w = None
    if w_col is not None:
        wv = float_vector(table.column(w_col).to_numpy(zero_copy_only=False), w_col)
        w = wv[first[by_first]]
        bad = np.flatnonzero(wv != w[job])
        if bad.size:
            j = int(job[bad[0]])
            raise InvalidInstanceError(f"{w_col}[{j}]: rows of job {uniq[by_first[j]]} disagree", field=w_col, index=j)
    job_ids = uniq[by_first]
    return Jobs(
        job_rel,
        (offsets, size[perm]),
        w,
        job_id=job_ids if job_ids.dtype.kind in "iu" else None,
        name=name,
    )


def read_jobs(path: str | Path, **columns: str) -> Jobs:
    """Reads jobs from a Parquet, Arrow IPC/Feather or CSV file (layouts of
    :meth:`Jobs.from_arrow`; a CSV holds one row per operation).

    Raises
    ------
    InvalidInstanceError
        Unknown extension, missing columns, or invalid values.
    """
    import pyarrow as pa

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        table = pq.read_table(p)
    elif suffix in (".arrow", ".feather", ".ipc"):
        import pyarrow.feather as feather

        table = feather.read_table(p)
    elif suffix == ".csv":
        import pyarrow.csv as pcsv

        table = pcsv.read_csv(p)
    else:
        raise InvalidInstanceError(
            f"{p}: unknown extension {suffix!r}; expected .parquet, .arrow/.feather/.ipc or .csv", field="path"
        )
    assert isinstance(table, pa.Table)
    return Jobs.from_arrow(table, name=p.stem, **columns)


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class Policy:
    """A built-in policy of the registry :data:`POLICIES`; calling it simulates it.

    Attributes
    ----------
    name : str
        The name ``simulate`` accepts.
    information : str
        ``"clairvoyant"``, ``"nonclairvoyant"``, ``"revealed"`` or ``"estimated"``.
    params : Mapping[str, Any]
        Its parameters with their defaults.
    summary : str
    """

    name: str
    information: str
    params: Mapping[str, Any]
    summary: str

    def __call__(self, jobs: Jobs, machines: int = 1, **options: Any) -> Result:
        return simulate(jobs, self.name, machines, **options)


_P = Policy
#: Every built-in policy by name (the names of the core's ``FLOWTIME_POLICIES``).
POLICIES: dict[str, Policy] = {
    p.name: p
    for p in [
        _P("srpt", "clairvoyant", {}, "shortest remaining (total) processing time; optimal on one machine"),
        _P("spt", "clairvoyant", {}, "shortest processing time first, non-preemptive"),
        _P(
            "hdf",
            "clairvoyant",
            {"remaining": False},
            "highest density w/p first; remaining=True: w/remaining (weighted SRPT)",
        ),
        _P("fcfs", "nonclairvoyant", {}, "first come first served"),
        _P("rr", "nonclairvoyant", {}, "round robin / processor sharing: rate min(1, m/n) each"),
        _P("setf", "nonclairvoyant", {}, "shortest elapsed time first (least attained service, ties share)"),
        _P(
            "laps",
            "nonclairvoyant",
            {"beta": 0.5},
            "latest arrival processor sharing: the ceil(beta n) latest jobs share (at least min(m, n))",
        ),
        _P(
            "mlf",
            "nonclairvoyant",
            {"base": 1.0},
            "multi-level feedback: queue i until base (2^(i+1) - 1) service, FIFO inside",
        ),
        _P("op_srpt", "revealed", {}, "operation-level SRPT: least remaining on the current revealed operation"),
        _P(
            "chunk",
            "revealed",
            {"gamma": 2.0, "c": 2.0, "known_count": False},
            "virtual chunks (ours): estimated remaining of the current chunk of revealed operations",
        ),
        _P(
            "sprpt",
            "estimated",
            {"variant": "plain"},
            "SPRPT on estimates; variant 'clamped' (FIFO once overrun) or 'class' (log2 size classes)",
        ),
    ]
}
del _P
assert list(POLICIES) == list(_core.FLOWTIME_POLICIES)

#: Options of a user-defined (callable) policy.
_CALLABLE_OPTIONS = {"information": "revealed", "known_count": False, "quantum": None}


def _value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        return float(text)
    except ValueError:
        return text.strip()


def parse_policy(spec: Any) -> tuple[Any, dict[str, Any]]:
    """A policy spec as (name or callable, params).

    Accepts a name (``"srpt"``), a string with parameters ``"name:key=value:key=value"``
    (``"laps:beta=0.25"``, ``"sprpt:variant=class"``), a ``(name, dict)`` pair, a
    :class:`Policy`, or a callable (a user-defined policy).

    Examples
    --------
    >>> parse_policy("chunk:gamma=4:known_count=true")
    ('chunk', {'gamma': 4.0, 'known_count': True})
    """
    if isinstance(spec, Policy):
        return spec.name, {}
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], Mapping):
        return spec[0], dict(spec[1])
    if isinstance(spec, str):
        name, *items = spec.split(":")
        params: dict[str, Any] = {}
        for item in items:
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise InvalidInstanceError(
                    f"policy: cannot parse {item!r} in {spec!r}; expected key=value", field="policy"
                )
            params[key.strip()] = _value(val)
        return name.strip(), params
    if callable(spec):
        return spec, {}
    raise InvalidInstanceError(f"policy: expected a name or a callable, got {type(spec).__name__}", field="policy")


def _label(policy: Any, params: Mapping[str, Any]) -> str:
    name = policy if isinstance(policy, str) else getattr(policy, "__name__", "custom")
    shown = {k: v for k, v in params.items() if k not in ("information",) or not callable(policy)}
    if not shown:
        return name
    return name + "(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()) + ")"


@dataclass(frozen=True, eq=False)
class PolicyView:
    """What a user-defined policy sees at an event: the alive jobs, in release order.

    Only what the policy's information class allows is filled; everything else is ``None``.
    The arrays are fresh read-only copies; nothing in them refers back to the hidden sizes.

    Attributes
    ----------
    time : float
    machines : int
    job : ndarray of int64
        Job positions (ids) of the alive jobs.
    release, weight, attained, op_attained : ndarray of float64
        ``attained`` is the total service received, ``op_attained`` the service on the
        current operation.
    op_index : ndarray of int64
        Index of the current operation (operations completed so far).
    op_size : ndarray or None
        Size of the current, revealed operation (``"revealed"`` and ``"clairvoyant"``).
    estimate : ndarray or None
        p̂_j (all classes but ``"nonclairvoyant"``, when the jobs carry estimates).
    remaining : ndarray or None
        Total remaining size (``"clairvoyant"`` only).
    ops_total : ndarray or None
        Number of operations (``"clairvoyant"``, or ``known_count=True``).
    """

    time: float
    machines: int
    job: np.ndarray
    release: np.ndarray
    weight: np.ndarray
    attained: np.ndarray
    op_index: np.ndarray
    op_attained: np.ndarray
    op_size: np.ndarray | None = None
    estimate: np.ndarray | None = None
    remaining: np.ndarray | None = None
    ops_total: np.ndarray | None = None


def _wrap_callable(fn: Callable[[PolicyView], Any], machines: int) -> Callable[..., np.ndarray]:
    def call(t, job, release, weight, attained, op_index, op_attained, op_size, estimate, remaining, ops_total):
        ro = lambda a: None if a is None else readonly(a)  # noqa: E731
        view = PolicyView(
            float(t),
            machines,
            ro(job),
            ro(release),
            ro(weight),
            ro(attained),
            ro(op_index),
            ro(op_attained),
            ro(op_size),
            ro(estimate),
            ro(remaining),
            ro(ops_total),
        )
        out = np.ascontiguousarray(np.asarray(fn(view), dtype=np.float64).reshape(-1))
        if out.shape != job.shape:
            raise InvalidInstanceError(
                f"priorities: the policy returned {out.shape[0]} values for {job.shape[0]} alive jobs",
                field="priorities",
            )
        return out

    return call


def _check_machines(machines: Any) -> int:
    if isinstance(machines, bool) or not isinstance(machines, (int, np.integer)) or machines < 1:
        raise InvalidInstanceError(f"machines: must be an integer >= 1, got {machines!r}", field="machines")
    return int(machines)


# --------------------------------------------------------------------------- results


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
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

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
        return float(np.mean(self.flow_times)) if self.jobs.n else 0.0

    @property
    def max_flow_time(self) -> float:
        return float(np.max(self.flow_times)) if self.jobs.n else 0.0

    def percentile(self, q: float | Sequence[float]) -> Any:
        """Flow-time percentile(s), q in [0, 100] (NumPy's linear interpolation)."""
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
        return self.jobs.lower_bound(self.machines)

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
        return self.events / self.elapsed if self.elapsed > 0 else math.inf

    def summary(self) -> dict[str, Any]:
        """The figures of one run as a flat dict (what :func:`compare` tabulates)."""
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

        Raises
        ------
        ValidationError
            If a check fails (a schedkit bug).
        """
        from schedkit.flowtime._validate import check

        check(self)
        return self

    def to_arrow(self) -> Any:
        """Per-job results as a pyarrow Table: job_id, release, weight, size, num_ops,
        completion, flow_time, stretch."""
        import pyarrow as pa

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

    def plot(self, *others: Result, ax: Any = None, stretch: bool = False, logx: bool = True) -> Any:
        """ECDF of the flow times of this and ``others`` (see :func:`plot_ecdf`)."""
        return plot_ecdf([self, *others], ax=ax, stretch=stretch, logx=logx)

    def __repr__(self) -> str:
        return (
            f"<flowtime.Result {self.label} m={self.machines} n={self.jobs.n} "
            f"total_flow_time={self.total_flow_time:.6g} events={self.events}>"
        )


def _log_table(log: tuple[np.ndarray, ...]) -> Any:
    import pyarrow as pa

    kind, t, end, job, op, value = log
    kinds = pa.DictionaryArray.from_arrays(pa.array(kind.astype(np.int8)), pa.array(list(LOG_KINDS)))
    return pa.table({"time": t, "end": end, "kind": kinds, "job": job, "op": op, "value": value})


# --------------------------------------------------------------------------- simulate


def simulate(
    jobs: Jobs,
    policy: Any = "srpt",
    machines: int = 1,
    *,
    event_log: bool = False,
    time_limit: float | None = None,
    max_log_rows: int = MAX_LOG_ROWS,
    threads: int | None = None,
    **params: Any,
) -> Result:
    """Simulates ``policy`` on ``jobs`` with ``machines`` identical machines.

    Parameters
    ----------
    jobs : Jobs
    policy : str, Policy, (name, dict) or callable
        A name of :data:`POLICIES` (``"srpt"``, ``"spt"``, ``"hdf"``, ``"fcfs"``, ``"rr"``,
        ``"setf"``, ``"laps"``, ``"mlf"``, ``"op_srpt"``, ``"chunk"``, ``"sprpt"``), a string
        with parameters ``"laps:beta=0.25"``, or a user-defined policy: a callable
        ``f(view: PolicyView) -> priorities`` (one float per alive job, smaller runs first).
        The callable is consulted at every event (release, operation completion, and every
        ``quantum`` time units if given): the slow path, one Python call and O(alive) work per
        event, meant for trying a rule on thousands of jobs, not millions.
    machines : int
        Identical machines; migration allowed, a job on at most one machine at a time.
    event_log : bool
        Record the event log (:attr:`Result.event_log`; needed by the full
        :meth:`Result.validate`). Its size grows with the events times the jobs sharing a
        machine, so keep it for small instances.
    time_limit : float, optional
        Wall-clock seconds; a simulation stopped by it returns ``finished=False`` with NaN
        completions for the unfinished jobs. Ctrl-C raises KeyboardInterrupt.
    max_log_rows : int
        An event log larger than this raises InvalidInstanceError instead of exhausting memory.
    threads : int, optional
        On one machine the busy periods (which every work-conserving policy shares) are
        independent, so without an event log a large instance (>= 100,000 jobs) of a rule
        without per-job state (srpt, spt, hdf, fcfs, op_srpt, sprpt) is split between busy
        periods and simulated on ``threads`` threads; None = all cores, 1 = sequential. The
        results are identical either way.
    **params
        Policy parameters: ``beta`` (laps, in (0, 1], default 0.5); ``base`` (mlf, first
        quantum, default 1); ``gamma`` (chunk, >= 1, default 2), ``c`` (chunk, >= 1, default
        2), ``known_count`` (chunk, default False); ``remaining`` (hdf, default False);
        ``variant`` (sprpt: ``"plain"``, ``"clamped"``, ``"class"``). For a callable:
        ``information`` (``"revealed"`` (default), ``"nonclairvoyant"``, ``"estimated"``,
        ``"clairvoyant"``), ``known_count``, ``quantum``.

    Ties go to the earlier release, then the lower job position, for every policy.

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        Unknown policy or parameter, machines < 1, ``sprpt`` without estimates, bad priorities
        from a callable.

    Examples
    --------
    >>> jobs = Jobs([0, 0, 0], [1, 2, 3])
    >>> simulate(jobs, "srpt", machines=2).completion.tolist()
    [1.0, 2.0, 4.0]
    >>> simulate(jobs, "laps:beta=1").completion.tolist()          # beta = 1 is round robin
    [3.0, 5.0, 6.0]
    >>> fifo = lambda view: view.release                            # a user-defined rule
    >>> simulate(jobs, fifo).completion.tolist()
    [1.0, 3.0, 6.0]
    """
    if not isinstance(jobs, Jobs):
        raise InvalidInstanceError("jobs: expected schedkit.flowtime.Jobs", field="jobs")
    machines = _check_machines(machines)
    if time_limit is not None and not (time_limit >= 0):
        raise InvalidInstanceError(f"time_limit: must be >= 0, got {time_limit}", field="time_limit")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1):
        raise InvalidInstanceError(f"threads: must be an integer >= 1, got {threads!r}", field="threads")
    name, spec_params = parse_policy(policy)
    params = {**spec_params, **params}
    start = time.perf_counter()
    if callable(name):
        unknown = sorted(set(params) - set(_CALLABLE_OPTIONS))
        if unknown:
            raise InvalidInstanceError(
                f"{unknown[0]}: not an option of a user-defined policy (expected {sorted(_CALLABLE_OPTIONS)})",
                field=unknown[0],
            )
        opts = {**_CALLABLE_OPTIONS, **params}
        information = str(opts["information"])
        completion, events, finished, log = _core.flowtime_simulate_callback(
            jobs._core,
            _wrap_callable(name, machines),
            machines,
            information=information,
            known_count=bool(opts["known_count"]),
            quantum=None if opts["quantum"] is None else float(opts["quantum"]),
            event_log=event_log,
            max_log_rows=max_log_rows,
            time_limit=time_limit,
        )
        label_name = getattr(name, "__name__", "custom")
        if label_name == "<lambda>":
            label_name = "custom"
    else:
        if name not in POLICIES:
            raise InvalidInstanceError(
                f"policy: unknown policy {name!r}; expected one of {', '.join(POLICIES)} or a callable",
                field="policy",
            )
        info = POLICIES[name]
        unknown = sorted(set(params) - set(info.params))
        if unknown:
            raise InvalidInstanceError(
                f"{unknown[0]}: not a parameter of policy {name!r} (its parameters: {sorted(info.params) or 'none'})",
                field=unknown[0],
            )
        information = info.information
        completion, events, finished, log = _core.flowtime_simulate(
            jobs._core,
            name,
            machines,
            event_log=event_log,
            max_log_rows=max_log_rows,
            time_limit=time_limit,
            threads=None if threads is None else int(threads),
            **{k: _coerce(k, v) for k, v in params.items()},
        )
        label_name = name
    elapsed = time.perf_counter() - start
    return Result(
        jobs=jobs,
        policy=label_name,
        params=dict(params),
        label=_label(label_name, {k: v for k, v in params.items() if not (callable(name) and k == "information")}),
        information=information,
        machines=machines,
        completion=readonly(np.asarray(completion)),
        events=int(events),
        finished=bool(finished),
        elapsed=elapsed,
        event_log=None if log is None else _log_table(log),
    )


def _coerce(key: str, value: Any) -> Any:
    if key in ("known_count", "remaining"):
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidInstanceError(f"{key}: expected True or False, got {value!r}", field=key)
        return bool(value)
    if key == "variant":
        return str(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInstanceError(f"{key}: expected a number, got {value!r}", field=key) from None


def compare(
    jobs: Jobs,
    policies: Sequence[Any] | None = None,
    machines: int = 1,
    *,
    validate: bool = False,
    time_limit: float | None = None,
) -> Any:
    """Simulates several policies on the same jobs and returns one pyarrow Table, a row per
    policy with the columns of :meth:`Result.summary`.

    ``policies`` defaults to every built-in (``sprpt`` only when the jobs carry estimates);
    entries are anything :func:`simulate` accepts as ``policy``. ``validate=True`` checks
    every schedule (per-job checks; no event log is recorded).

    Examples
    --------
    >>> jobs = generate(500, load=0.8, seed=1)
    >>> t = compare(jobs, ["srpt", "rr", "laps:beta=0.25"])
    >>> t.column("policy").to_pylist()
    ['srpt', 'rr', 'laps(beta=0.25)']
    >>> t.column("ratio").to_pylist()[0]
    1.0
    """
    import pyarrow as pa

    if policies is None:
        policies = [p for p in POLICIES if p != "sprpt" or jobs.estimate is not None]
    rows = []
    for spec in policies:
        r = simulate(jobs, spec, machines, time_limit=time_limit)
        if validate:
            r.validate()
        rows.append(r.summary())
    if not rows:
        return pa.table({"policy": pa.array([], pa.string())})
    return pa.Table.from_pylist(rows)


# --------------------------------------------------------------------------- plots


def plot_ecdf(results: Sequence[Result], *, ax: Any = None, stretch: bool = False, logx: bool = True) -> Any:
    """Empirical CDFs of the flow times (or stretches) of several results on one axes.

    Needs matplotlib (the ``schedkit[plot]`` extra). Returns the axes.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise SolverUnavailableError("plotting needs matplotlib: pip install 'schedkit[plot]'") from None
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for r in results:
        x = np.sort(r.stretch if stretch else r.flow_times)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        y = np.arange(1, x.size + 1) / x.size
        ax.step(x, y, where="post", label=r.label)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("stretch (flow / size)" if stretch else "flow time")
    ax.set_ylabel("fraction of jobs")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
