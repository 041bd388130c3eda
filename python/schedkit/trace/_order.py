"""The ordered job stream a replay consumes: a trace sorted by job submission, cut into chunks
of whole jobs.

A job's submit time is the earliest submit time over its rows (rows of one job may disagree).
Rows are ordered by (job submit time, job_id, stage, task_id, original row order), and a job's
user and job_class are those of its first row in that order. Every chunk holds whole jobs:
as many consecutive jobs as fit in ``chunk_rows`` rows, or a single job when it alone is
bigger. The chunking depends only on the ordered rows, so a table and the same trace read
from a file give the same chunks.

A file is sorted out of core so a trace larger than memory can be replayed. Pass 1 streams
the file once, keeping the per-job earliest submit time (a few numbers per job) and cutting
the rows into runs of at most ``run_rows`` rows, spilled to Arrow IPC files. Each run is then
sorted on its own and the runs are merged a batch at a time. Memory stays near ``run_rows``
rows plus O(jobs); a file of at most ``run_rows`` rows is sorted in memory without temporary
files.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schedkit._arrays import check_column_names, lost_length_error
from schedkit.exceptions import InvalidInstanceError
from schedkit.trace._io import MACHINE_CPUS, MACHINE_MEMORY, _Errors, check_columns, iter_batches, string_column
from schedkit.trace._model import OPTIONAL_COLUMNS, PARENTS_TYPE

__all__ = ["ordered_jobs", "ORDERED_COLUMNS", "NotInOrder", "SpeculativeChunks"]

#: Columns of every chunk, in order; ``parents``, ``job_class``, ``pool`` (Spark FAIR pool
#: of the job, by its first row) and ``estimate`` (the job's, by its first row) follow when
#: the source has them.
ORDERED_COLUMNS = ("job_id", "user", "submit_time", "task_id", "stage", "duration", "cpu", "memory")
_TYPES = {
    "job_id": pa.int64(),
    "user": pa.string(),
    "submit_time": pa.float64(),
    "task_id": pa.int64(),
    "stage": pa.int64(),
    "duration": pa.float64(),
    "cpu": pa.float64(),
    "memory": pa.float64(),
    "parents": PARENTS_TYPE,
    "job_class": pa.string(),
    "pool": pa.string(),
    "estimate": pa.float64(),
}
# Internal columns: the job's position in submit order, and the row's position in the source.
_RANK, _ROW = "_rank", "_row"
_NO_CUTOFF = np.iinfo(np.int64).max  # above every job rank
# Columns a chunk always has, filled with their defaults when the source lacks them.
_DEFAULTED = frozenset(("task_id", "stage", "cpu", "memory"))


def ordered_jobs(
    source: pa.Table | str | os.PathLike[str],
    *,
    format: str | None = None,
    errors: str = "raise",
    users: int = 16,
    seed: int = 0,
    machine_cpus: float = MACHINE_CPUS,
    machine_memory: float = MACHINE_MEMORY,
    chunk_rows: int = 1 << 16,
    run_rows: int = 1 << 20,
    tmpdir: str | os.PathLike[str] | None = None,
    on_rows: Callable[[int], Any] | None = None,
    on_sort: Callable[[int], Any] | None = None,
    _spread_first_row: bool = True,
    _speculative: bool = False,
) -> Iterator[pa.Table]:
    """The trace as chunks of whole jobs in submission order: what a replay consumes.

    A job's submit time is the earliest over its rows; rows are ordered by (job submit time,
    job_id, stage, task_id, original row order); a job's ``user`` and ``job_class`` are those
    of its first row in that order. Each chunk holds as many consecutive whole jobs as fit in
    ``chunk_rows`` rows, or one job that alone is bigger. A file is sorted out of core when
    it has more than ``run_rows`` rows (see the module docstring of
    :mod:`schedkit.trace._order`); a table and the same trace read from a file give the same
    chunks.

    Parameters
    ----------
    source : pyarrow.Table or path
        A table with at least job_id, user, submit_time and duration (task_id, stage, cpu,
        memory, parents and job_class optional), or a trace file.
    format, errors, users, seed, machine_cpus, machine_memory
        Passed to :func:`schedkit.trace.iter_batches` (files only); skipped rows are warned
        about once the whole file has been read.
    chunk_rows : int
        About how many rows a chunk holds (>= 1).
    run_rows : int
        The most rows of a file held in memory while sorting (>= 1).
    tmpdir : path, optional
        Where the temporary run files of a large file go (default: the system's); they are
        removed when the iterator is exhausted or closed.
    on_rows : callable, optional
        Called with the number of rows read so far after each batch of a file (once with the
        row count for a table), e.g. to drive a progress line.
    on_sort : callable, optional
        Called once with the total row count when a file has been read and its sorting
        starts (a progress line's "sorting" phase).

    Returns
    -------
    iterator of pyarrow.Table
        Columns :data:`ORDERED_COLUMNS`, then ``parents`` (list<int64>) and ``job_class``
        (string) when the source has them; cpu and memory are NaN when absent.

    Raises
    ------
    InvalidInstanceError
        A bad table (field and row index) or bad arguments raise here, at the call; a bad file
        raises while iterating.

    Examples
    --------
    >>> import schedkit as sk
    >>> t = sk.trace.from_jobs([7, 7, 3], ["a", "a", "b"], [5.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    >>> [c.column("job_id").to_pylist() for c in sk.trace.ordered_jobs(t, chunk_rows=2)]
    [[7, 7], [3]]
    """
    _check_rows(chunk_rows, "chunk_rows")
    _check_rows(run_rows, "run_rows")
    if isinstance(source, pa.Table):
        if _speculative:  # a replay's chunks, checked as they are made (it starts again if need be)
            if on_rows is not None:
                on_rows(source.num_rows)
            return SpeculativeChunks(source, chunk_rows, _spread_first_row)
        table = _table_rows(source)
        if on_rows is not None:
            on_rows(table.num_rows)
        # the runs of equal job ids, found once for the index and the order check
        job = np.asarray(table.column("job_id").to_numpy(), dtype=np.int64)
        sub = np.asarray(table.column("submit_time").to_numpy(), dtype=np.float64)
        ordered, bounds = _in_time_and_id_order(table, job, sub)
        if ordered:  # the usual table: no index of the jobs needed
            return _table_chunks(table, bounds, chunk_rows, _spread_first_row)
        starts = _run_starts(job)
        # whether each run has one submit time, found once for the index and the order check
        constant = len(starts) == len(job) or _constant_runs(job, sub)
        jobs = _JobSubmits.of(table, starts, constant)
        bounds = _in_order(table, jobs, starts, constant)
        if bounds is not None:  # common for traces written in time order
            return _table_chunks(table, bounds, chunk_rows, _spread_first_row)
        table = table.append_column(_ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        return _chunks([_sort_rows(table, jobs)], chunk_rows, _spread_first_row)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        err = _Errors(errors, path.name)  # checks ``errors`` now rather than at the first chunk
        read = dict(
            format=format,
            errors=errors,
            users=users,
            seed=seed,
            machine_cpus=machine_cpus,
            machine_memory=machine_memory,
            _err=err,
        )
        return _file_chunks(path, read, err, chunk_rows, run_rows, tmpdir, on_rows, on_sort, _spread_first_row)
    raise InvalidInstanceError(
        f"source must be a pyarrow.Table or a trace file path, got {type(source).__name__}", field="source"
    )


def _check_rows(value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidInstanceError(f"{field} must be an integer >= 1, got {value!r}", field=field)


# --------------------------------------------------------------------------------------
# Rows: the kept columns in their output types, plus the original row number


def _with_row_numbers(cols: dict[str, pa.ChunkedArray | pa.Array], row0: int, n: int) -> pa.Table:
    names = [c for c in (*ORDERED_COLUMNS, *OPTIONAL_COLUMNS) if c in cols]
    arrays = [cols[c] for c in names] + [pa.array(np.arange(row0, row0 + n, dtype=np.int64))]
    return pa.table(arrays, names=[*names, _ROW])


def _batch_rows(b: pa.RecordBatch, row0: int) -> pa.Table:
    """A reader's batch (already validated, in trace.SCHEMA) reduced to the kept columns."""
    cols = {c: pc.cast(b.column(c), _TYPES[c]) for c in _TYPES if c in b.schema.names}
    return _with_row_numbers(cols, row0, b.num_rows)


def check_table(t: pa.Table) -> None:
    """The checks a replay makes of a user's table, made up front (``from_jobs``)."""
    _table_rows(t)


def _table_rows(t: pa.Table) -> pa.Table:
    """A user's table validated and reduced to the kept columns, defaults filled in."""
    check_column_names(t.column_names, "source")
    check_columns(t.schema, "source")
    present = set(t.column_names)  # made once: a replay validates a table chunk by chunk
    for name in ("job_id", "user", "submit_time", "duration"):
        if name not in present:
            raise InvalidInstanceError(f"source: missing column {name!r}", field=name)
    job = _integers(t, "job_id")
    sub = _numbers(t, "submit_time")
    _check_numbers(sub, "submit_time", "must be finite")
    dur = _numbers(t, "duration")
    _check_numbers(dur, "duration", "must be finite and >= 0", at_least=0.0)
    lost = lost_length_error(sub, dur, "duration", "submit_time")
    if lost is not None:
        raise lost
    user = string_column(t.column("user"), "user")
    _first_null(user, "user")
    # Absent task_id, stage, cpu and memory get their defaults chunk by chunk (_output), not
    # as columns the size of the trace.
    cols: dict[str, Any] = {"job_id": pa.array(job), "user": user, "submit_time": pa.array(sub)}
    for name in ("task_id", "stage"):
        if name in present:
            cols[name] = pa.array(_integers(t, name))
    cols["duration"] = pa.array(dur)
    for name in ("cpu", "memory"):
        if name in present:
            cols[name] = pa.array(_numbers(t, name, optional=True))
    if "parents" in present:
        cols["parents"] = _parents(t.column("parents"))
    for name in ("job_class", "pool"):
        if name in present:
            cols[name] = string_column(t.column(name), name)
    if "estimate" in present:
        est = _numbers(t, "estimate")
        _check_numbers(est, "estimate", "must be finite and > 0 core-s", above=0.0)
        cols["estimate"] = pa.array(est)
    names = [c for c in (*ORDERED_COLUMNS, *OPTIONAL_COLUMNS) if c in cols]
    return pa.table([cols[c] for c in names], names=names)


def _check_numbers(
    values: np.ndarray, field: str, why: str, *, at_least: float | None = None, above: float | None = None
) -> None:
    """An error naming the first of ``values`` that is not finite, or below ``at_least``, or
    not above ``above``. The smallest and largest value decide when all are good (a NaN is
    both): two passes with no temporaries, the check of every chunk a replay makes; the
    rows are looked at only when that fails."""
    if len(values):
        lo, hi = float(values.min()), float(values.max())
        if (
            math.isfinite(lo)
            and math.isfinite(hi)
            and (at_least is None or lo >= at_least)
            and (above is None or lo > above)
        ):
            return
    bad = ~np.isfinite(values)
    if at_least is not None:
        bad |= values < at_least
    if above is not None:
        bad |= values <= above
    _first_bad(bad, field, values, why)


def _first_bad(bad: np.ndarray, field: str, values: np.ndarray | None, why: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        got = "" if values is None else f", got {values[i]}"
        raise InvalidInstanceError(f"{field}[{i}]: {why}{got}", field=field, index=i)


def _nulls(a: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.is_null(a).to_numpy(zero_copy_only=False), dtype=bool)


def _first_null(a: pa.ChunkedArray | pa.Array, field: str) -> None:
    """A null in ``a`` is an error naming ``field`` and its row. Arrow counts a column's
    nulls when it is built, so a column without any costs no pass over its rows."""
    if a.null_count:
        _first_bad(_nulls(a), field, None, "missing")


def _per_row(values: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """``values[k]`` on every row of run ``k``, the runs beginning at ``starts`` (the first at
    0) in ``n`` rows; the values themselves when every run is one row (no copy)."""
    if len(starts) == n:
        return values
    return np.repeat(values, np.diff(np.append(starts, n)))


def _numbers(t: pa.Table, field: str, optional: bool = False) -> np.ndarray:
    """A numeric column as float64; nulls are NaN (an error unless ``optional``)."""
    col = t.column(field)
    # booleans are rejected: True as a duration is a bug
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_null(col.type)):
        raise InvalidInstanceError(f"{field}: expected numbers, got {col.type}", field=field)
    if not optional:
        _first_null(col, field)
    vals = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(vals, dtype=np.float64)


def _integers(t: pa.Table, field: str) -> np.ndarray:
    col = t.column(field)
    if not pa.types.is_integer(col.type):
        raise InvalidInstanceError(f"{field}: expected integers, got {col.type}", field=field)
    _first_null(col, field)
    if pa.types.is_uint64(col.type):  # the one integer type that may not fit in int64
        vals = np.asarray(col.to_numpy(zero_copy_only=False))
        _first_bad(vals > np.iinfo(np.int64).max, field, vals, "out of the int64 range")
    return np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _parents(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """The parents column as list<int64>. Converted only: an id must be an integer (a missing
    one has no value to pass on), but whether it names an earlier stage of the same job is
    checked by the core when the jobs are simulated (schedkit_core::fair::Workload), the one
    place that checks the stage DAG."""
    t = col.type
    nested = pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
    if not (pa.types.is_null(t) or (nested and pa.types.is_integer(t.value_type))):
        raise InvalidInstanceError(f"parents: expected list<int64>, got {t}", field="parents")
    lists = pc.cast(col, _TYPES["parents"]).combine_chunks()
    missing = _nulls(pc.list_flatten(lists))
    if missing.any():
        owner = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64)
        bad_row = np.zeros(len(lists), dtype=bool)
        bad_row[owner[missing]] = True
        _first_bad(bad_row, "parents", None, "missing parent stage id")
    return pa.chunked_array([lists])


# --------------------------------------------------------------------------------------
# Job submit times and the sort


def _job_minima(
    job: np.ndarray, sub: np.ndarray, starts: np.ndarray | None = None, constant: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(unique job ids ascending, each job's smallest submit time); ``starts``: the runs of
    equal ids in ``job``, ``constant``: whether each has one submit time, when known already."""
    if len(job) == 0:
        return job, sub
    # A job's rows usually stand together: each run of equal ids is reduced first, so the
    # sort below sees one entry per run rather than one per row.
    job, sub = _runs_min(job, sub, starts, constant)
    if len(job) < 2 or bool((job[1:] > job[:-1]).all()):  # already unique and ascending
        return job, sub
    # stable: a fold's input is a few sorted runs, which timsort merges cheaply
    order = np.argsort(job, kind="stable")
    return _runs_min(job[order], sub[order])


def _run_starts(job: np.ndarray) -> np.ndarray:
    """Offsets where a run of equal ids begins."""
    change = np.empty(len(job), dtype=bool)
    change[:1] = True
    np.not_equal(job[1:], job[:-1], out=change[1:])
    return np.flatnonzero(change)


def _runs_min(
    job: np.ndarray, sub: np.ndarray, starts: np.ndarray | None = None, constant: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each run of equal ids as one entry: (its id, its smallest submit time). ``starts`` and
    ``constant`` (see :func:`_constant_runs`): when known already."""
    starts = _run_starts(job) if starts is None else starts
    if len(starts) == len(job):
        return job, sub
    if (
        _constant_runs(job, sub) if constant is None else constant
    ):  # rows repeating their job's submit time: the first is the least
        return job[starts], sub[starts]
    return job[starts], np.minimum.reduceat(sub, starts)


def _constant_runs(job: np.ndarray, sub: np.ndarray) -> bool:
    """True when every run of equal ids in ``job`` has one submit time, bit for bit (so its
    first row's is its least, signed zeros included). Compared a block at a time: about a
    sixth of the time of a reduceat over 10^7 rows, with no temporaries the size of the
    trace."""
    bits = sub.view(np.int64)
    step = 1 << 18
    for lo in range(0, len(job) - 1, step):
        a, b = slice(lo, min(lo + step, len(job) - 1)), slice(lo + 1, min(lo + step, len(job) - 1) + 1)
        if not ((bits[b] == bits[a]) | (job[b] != job[a])).all():
            return False
    return True


class _JobSubmits:
    """Each job's earliest submit time, gathered batch by batch in O(jobs) memory.

    Batch summaries wait in ``pending`` and are merged into the sorted arrays once they
    reach a quarter of them: each merge is O(jobs) (binary searches and one insert), so
    merging costs O(jobs log jobs) in all, and its temporaries stay near a quarter of the
    index rather than the several copies a concatenate-and-sort fold would take (the
    difference between 1 GB and a few hundred MB on a 10^8-row trace).
    """

    _MIN_PENDING = 1 << 18

    def __init__(self) -> None:
        self.jobs = np.zeros(0, dtype=np.int64)
        self.submit = np.zeros(0, dtype=np.float64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        self.pending_len = 0
        self.rank = np.zeros(0, dtype=np.int64)

    @classmethod
    def of(cls, rows: pa.Table, starts: np.ndarray | None = None, constant: bool | None = None) -> _JobSubmits:
        """The index of one table's jobs; ``starts``: its runs of equal ids, ``constant``:
        whether each has one submit time, when known."""
        js = cls()
        js.add(rows, starts, constant)
        js.finish()
        return js

    def add(self, rows: pa.Table, starts: np.ndarray | None = None, constant: bool | None = None) -> None:
        job = np.asarray(rows.column("job_id").to_numpy(), dtype=np.int64)
        sub = np.asarray(rows.column("submit_time").to_numpy(), dtype=np.float64)
        self.pending.append(_job_minima(job, sub, starts, constant))
        self.pending_len += len(self.pending[-1][0])
        if self.pending_len >= max(len(self.jobs) // 4, self._MIN_PENDING):
            self._fold()

    def _fold(self) -> None:
        if not self.pending:
            return
        if len(self.pending) == 1:
            jobs, subs = self.pending[0]
        else:
            jobs, subs = _job_minima(
                np.concatenate([p[0] for p in self.pending]), np.concatenate([p[1] for p in self.pending])
            )
        self.pending, self.pending_len = [], 0
        if len(self.jobs) == 0:
            self.jobs, self.submit = jobs, subs
            return
        # jobs already known keep the smaller submit time; the others are inserted in order
        pos = np.searchsorted(self.jobs, jobs)
        known = pos < len(self.jobs)
        known[known] = self.jobs[pos[known]] == jobs[known]
        at = pos[known]
        if not self.submit.flags.writeable:  # a batch's own column (a read-only Arrow view)
            self.submit = self.submit.copy()
        self.submit[at] = np.minimum(self.submit[at], subs[known])
        new = ~known
        if new.any():
            at = pos[new]
            self.jobs = np.insert(self.jobs, at, jobs[new])
            self.submit = np.insert(self.submit, at, subs[new])

    def finish(self) -> None:
        """Folds what is pending and ranks the jobs by (submit time, job_id)."""
        self._fold()
        # a stable sort on the submit times keeps ties in job_id order (the ids are sorted)
        order = np.argsort(self.submit, kind="stable")
        self.rank = np.empty(len(self.jobs), dtype=np.int64)
        step = 1 << 20  # numbered a slice at a time: no second array the size of the index
        for lo in range(0, len(order), step):
            self.rank[order[lo : lo + step]] = np.arange(lo, min(lo + step, len(order)), dtype=np.int64)

    def lookup(self, job: np.ndarray, starts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per run of equal ids in ``job`` (rows of one job usually stand together): the
        run's first row, its job's submit time and its job's rank. Every job was added before.
        ``starts``: the runs, when known already."""
        starts = _run_starts(job) if starts is None else starts
        run_job = job if len(starts) == len(job) else job[starts]
        if np.array_equal(run_job, self.jobs):  # one run per job, in id order: no search
            return starts, self.submit, self.rank
        i = np.searchsorted(self.jobs, run_job)
        return starts, self.submit[i], self.rank[i]


def _sort_rows(rows: pa.Table, jobs: _JobSubmits) -> pa.Table:
    """Gives every row its job's submit time and rank, and sorts by the full key. The rows
    come in source order (``_ROW`` increasing: a table, or a file's rows as read), so they
    are already sorted when the jobs' runs come in rank order and each run is in (stage,
    task_id) order; that is checked first, a run at a time, without the full key."""
    job = np.asarray(rows.column("job_id").to_numpy(), dtype=np.int64)
    starts, run_sub, run_rank = jobs.lookup(job)
    n = rows.num_rows
    given = np.asarray(rows.column("submit_time").to_numpy(), dtype=np.float64)
    # When every row is at its job's submit time, the column stands as it is (usual for a
    # trace whose rows repeat their job's submit time), and no column the size of the trace
    # is made.
    if n and not _runs_at(job, given, starts, run_sub):
        sub = pa.array(_per_row(run_sub, starts, n))
        rows = rows.set_column(rows.schema.get_field_index("submit_time"), "submit_time", sub)
    rows = rows.append_column(_RANK, pa.array(_per_row(run_rank, starts, n)))
    if _runs_in_order(rows, starts, run_rank):  # common for traces written in time order
        return rows
    return _sort_by_key(rows)


def _runs_at(
    job: np.ndarray, given: np.ndarray, starts: np.ndarray, run_sub: np.ndarray, constant: bool | None = None
) -> bool:
    """True when every row of each run of equal ids (beginning at ``starts``) has the submit
    time ``run_sub`` of its job. A row is never earlier than its job, so it is enough that
    each run's latest row is at it; a run of one submit time (the usual case, checked
    without a reduceat; ``constant``: when known already) has its first row as its latest."""
    if _constant_runs(job, given) if constant is None else constant:
        return bool((given[starts] == run_sub).all())
    return bool((np.maximum.reduceat(given, starts) == run_sub).all())


#: Rows a block of :func:`_in_time_and_id_order`'s pass compares (a test makes it small).
_CHECK_BLOCK = 1 << 18


def _in_time_and_id_order(rows: pa.Table, job: np.ndarray, sub: np.ndarray) -> tuple[bool, np.ndarray | None]:
    """Whether a table's rows are in order already because its job ids and submit times
    both rise with the rows (the usual way a table is written): each job one run of rows at
    one submit time, the runs' ids strictly increasing (so no id is in two runs) and their
    submit times non-decreasing, each run in (stage, task_id) order. The jobs' (submit time,
    job_id) order is then the runs' order, which is all the index of the jobs would tell.
    Returns (True, what :func:`_in_order` returns), or (True, None) when every job is one
    row (its offsets are then the row numbers, not made); (False, None) when any of that
    fails (the general path then decides).

    Every condition is between neighbouring rows, so one pass a block at a time
    (:func:`_neighbours_in_order`) checks them all and collects the runs' starts (about
    half the time of one pass per condition, and no temporaries the size of the trace).
    A replay from a table runs the same pass a block at a time as its chunks are made
    (:class:`SpeculativeChunks`) rather than all of it before the first chunk."""
    n = len(job)
    if n == 0:
        return False, None
    names = rows.column_names
    stage = _key(rows, "stage") if "stage" in names else None
    task = _key(rows, "task_id") if "task_id" in names else None  # absent: numbered by row
    starts = [np.zeros(1, dtype=np.int64)]
    any_run = False
    for lo in range(0, n - 1, _CHECK_BLOCK):
        k = slice(lo, min(lo + _CHECK_BLOCK, n - 1) + 1)  # the block's rows and the next one
        ok, new, run = _neighbours_in_order(
            job[k], sub[k], None if stage is None else stage[k], None if task is None else task[k], lo
        )
        if not ok:
            return False, None
        any_run |= run
        starts.append(new)
    if not any_run:  # one row per job
        return True, None
    return True, np.append(np.concatenate(starts), n).astype(np.int64)


def _neighbours_in_order(
    job: np.ndarray, sub: np.ndarray, stage: np.ndarray | None, task: np.ndarray | None, lo: int
) -> tuple[bool, np.ndarray, bool]:
    """The conditions of :func:`_in_time_and_id_order` between each of the consecutive rows
    ``lo``, ``lo + 1``, ... given (``stage``, ``task``: None when the table lacks them)
    and the row after it. Returns (whether they hold, the rows after ``lo`` that begin a
    job, whether some job has two of these rows)."""
    a, b = slice(0, len(job) - 1), slice(1, len(job))
    same, new = job[b] == job[a], job[b] > job[a]
    if not (same | new).all():  # an id below its predecessor's
        return False, _NO_ROWS, False
    # a new run no earlier than the one before; a run at one submit time, bit for bit
    bits = sub.view(np.int64)
    if not np.where(same, bits[b] == bits[a], sub[b] >= sub[a]).all():
        return False, _NO_ROWS, False
    run = bool(same.any())
    if run:
        if stage is not None and task is not None:
            ok = (stage[b] > stage[a]) | ((stage[b] == stage[a]) & (task[b] >= task[a]))
        elif stage is not None:
            ok = stage[b] >= stage[a]
        elif task is not None:
            ok = task[b] >= task[a]
        else:
            ok = None
        if ok is not None and not (ok | new).all():
            return False, _NO_ROWS, False
    return True, np.flatnonzero(new) + (lo + 1), run


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _starts_in(lo: int, starts: np.ndarray | None, x: int, y: int) -> np.ndarray:
    """The job starts in rows ``x`` to ``y - 1`` of a block beginning at row ``lo`` whose
    starts are ``starts`` (sorted; None: every row of the block)."""
    if starts is None:
        return np.arange(x, max(x, y), dtype=np.int64)
    return starts[np.searchsorted(starts, x) : np.searchsorted(starts, y)]


def _in_order(rows: pa.Table, jobs: _JobSubmits, starts: np.ndarray, constant: bool | None = None) -> np.ndarray | None:
    """The row offsets where each job begins, then the row count, when a table's rows are
    in order already: each job one run of rows, the runs in (submit time, job_id) order,
    each in (stage, task_id) order, and every row at its job's submit time. Else None (the
    rows are then numbered and sorted). The chunks are then cut straight from the table,
    with no per-row rank or row number the size of the trace (each such column is fresh
    memory the kernel zeroes: 0.1-0.2 s per column at 10^7 rows)."""
    job = np.asarray(rows.column("job_id").to_numpy(), dtype=np.int64)
    starts, run_sub, run_rank = jobs.lookup(job, starts)
    n = rows.num_rows
    if n == 0 or len(starts) != len(jobs.jobs):  # a job in several runs
        return None
    given = np.asarray(rows.column("submit_time").to_numpy(), dtype=np.float64)
    if not _runs_at(job, given, starts, run_sub, constant):
        return None
    if not _runs_in_order(rows, starts, run_rank):
        return None
    return np.append(starts, n).astype(np.int64)


def _table_chunks(rows: pa.Table, bounds: np.ndarray | None, chunk_rows: int, spread: bool) -> Iterator[pa.Table]:
    """The chunks of rows in order whose jobs begin at ``bounds`` (then the row count), or
    of one row per job (``bounds`` None): the cuts :func:`_chunks` makes of the same rows."""
    if bounds is None:  # whole jobs of one row each: chunk_rows of them a chunk
        n = rows.num_rows
        for a in range(0, n, chunk_rows):
            b = min(a + chunk_rows, n)
            yield _output(rows.slice(a, b - a), spread, np.arange(b - a + 1, dtype=np.int64), row0=a)
        return
    cuts = _cuts(bounds, chunk_rows)
    for a, b in zip(cuts[:-1], cuts[1:]):
        lo, hi = np.searchsorted(bounds, [a, b])
        yield _output(rows.slice(a, b - a), spread, bounds[lo : hi + 1] - a, row0=a)


class NotInOrder(Exception):
    """Raised by :class:`SpeculativeChunks` when a later block of its table is not in the
    order its chunks were cut in: the consumer drops what it made of them and starts again
    on :func:`ordered_jobs`' general path. Nothing is wrong with the table, so this is not
    a :class:`schedkit.exceptions.SchedkitError` and never reaches a user."""


class SpeculativeChunks:
    """:func:`ordered_jobs`' chunks of a table, made on the guess that its job ids and
    submit times rise with its rows (the usual table; the conditions are those of
    :func:`_in_time_and_id_order`) before the whole table has been checked.

    A chunk is made from its own rows and the one after them (whether that row begins a
    job decides where the chunk ends), validated and checked first, so a replay's engines
    start on the first chunk at once rather than after a pass over the whole table (about
    0.1 s at 10^7 rows, all of it added to the replay's time: the engines simulate one
    chunk while the next is made). Chunks are made ahead of those given out until they
    hold twice the rows (so the whole table is checked halfway through it; a consumer that
    must know earlier calls :meth:`check_rest`); each is put in its output form
    (:func:`_output`) only when given out.

    A block that fails raises while iterating: a bad value raises the error
    :func:`ordered_jobs` raises for the table (the whole table is validated again to find
    it, so the error names the same field and row; no chunk is made), rows out of that
    order raise :class:`NotInOrder`. Either way the chunks given before are not the
    table's, and the consumer must drop what it made of them (:mod:`schedkit.fair._replay`
    does). For a table in that order the chunks equal :func:`ordered_jobs`' (tested).
    """

    def __init__(self, table: pa.Table, chunk_rows: int, spread: bool):
        self.table = table
        self.n = table.num_rows
        self.chunk_rows = chunk_rows
        self.spread = spread
        self.made = 0  # rows [0, made) are validated, checked and cut into chunks
        self.given = 0  # rows of the chunks given out
        # chunks made and not given yet: (first row, validated rows, job starts from it)
        self.ready: deque[tuple[int, pa.Table, np.ndarray]] = deque()
        self.error: BaseException | None = None  # a block's failure, raised again if asked on
        self._validate(0, 0)  # the columns and their types, before any chunk

    def __iter__(self) -> SpeculativeChunks:
        return self

    def __next__(self) -> pa.Table:
        if self.error is not None:
            raise self.error
        # ahead until twice the rows given are made (the first chunk alone: the engines wait)
        while self.made < self.n and (not self.ready or self.made < 2 * self.given):
            self._make()
        if not self.ready:
            raise StopIteration
        a, rows, bounds = self.ready.popleft()
        self.given += rows.num_rows
        return _output(rows, self.spread, bounds, row0=a)

    def check_rest(self) -> None:
        """Validates and checks every row not checked yet; raises as iterating would."""
        while self.error is None and self.made < self.n:
            self._make()

    def _make(self) -> None:
        """Cuts the next chunk as :func:`_cuts` does: whole jobs from row ``made`` up to the
        last job start within ``chunk_rows`` rows of it, else (one job bigger than that) up
        to the next job start, checking on block by block to find it."""
        a = self.made
        limit = a + self.chunk_rows
        hi = min(self.n, limit + 1)  # with row ``limit``: whether it begins a job
        pieces = [self._block(a, hi)]
        b: int | None = self.n  # the rows left fit in one chunk
        if not (hi == self.n and self.n <= limit):
            within = _starts_in(a, pieces[0][1], a + 1, limit + 1)
            b = int(within[-1]) if len(within) else None
        while b is None:  # a job of more than chunk_rows rows: on to its end
            lo, hi = hi, min(self.n, hi + _CHECK_BLOCK)
            pieces.append(self._block(lo, hi))
            later = _starts_in(lo, pieces[-1][1], lo, hi)
            b = int(later[0]) if len(later) else (self.n if hi == self.n else None)
        tables, bounds, lo = [], [], a
        for rows, starts in pieces:
            if lo >= b:
                break
            tables.append(rows.slice(0, b - lo))
            bounds.append(_starts_in(lo, starts, lo, min(b, lo + rows.num_rows)))
            lo += rows.num_rows
        rows = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        self.ready.append((a, rows, np.append(np.concatenate(bounds), b) - a))
        self.made = b

    def _block(self, lo: int, hi: int) -> tuple[pa.Table, np.ndarray | None]:
        """Rows ``lo`` to ``hi - 1`` validated and checked against their neighbours (row
        ``lo - 1`` too): the rows in their output types, and those that begin a job (None:
        every one). Raises :class:`NotInOrder` when they are not in the order guessed."""
        first = max(lo - 1, 0)
        rows = self._validate(first, hi)
        names = rows.column_names
        job = _key(rows, "job_id")
        sub = np.asarray(rows.column("submit_time").to_numpy(), dtype=np.float64)
        stage = _key(rows, "stage") if "stage" in names else None
        task = _key(rows, "task_id") if "task_id" in names else None
        ok, new, run = _neighbours_in_order(job, sub, stage, task, first)
        if not ok:
            self.error = NotInOrder(f"rows {first} to {hi - 1} are not in job submit order")
            raise self.error
        starts = None if not run else (np.append(0, new) if lo == 0 else new).astype(np.int64)
        return rows.slice(lo - first), starts

    def _validate(self, lo: int, hi: int) -> pa.Table:
        """Rows ``lo`` to ``hi - 1`` validated and in their output types (:func:`_table_rows`).
        When they fail, the whole table is validated so that the error is the one
        :func:`ordered_jobs` raises (the first bad value in the order it checks the
        columns, which may be in a later block)."""
        try:
            return _table_rows(self.table.slice(lo, hi - lo))
        except Exception as exc:
            self.error = exc
        # outside the handler, so that the error raised is the table's alone
        try:
            _table_rows(self.table)
        except Exception as exc:
            self.error = exc
            raise
        raise self.error  # (the whole table passed: the block's own error)


def _runs_in_order(rows: pa.Table, starts: np.ndarray, run_rank: np.ndarray | None) -> bool:
    """True when rows in source order are sorted by (rank, stage, task_id, _ROW): the runs'
    ranks strictly increase (each job one run, in rank order; ``run_rank`` None: known) and
    within every run (stage, task_id) never decreases (ties keep source order, which is
    _ROW order)."""
    if run_rank is not None and len(run_rank) > 1 and not bool((run_rank[1:] > run_rank[:-1]).all()):
        return False
    if len(starts) == rows.num_rows:  # one row per run: nothing within runs to check
        return True
    job, stage, task = (_key(rows, c) for c in ("job_id", "stage", "task_id"))
    # A block at a time: temporaries the size of the whole trace would each be fresh pages
    # for the kernel to zero (most of this check's time at 10^7 rows).
    step = 1 << 18
    for lo in range(0, len(job) - 1, step):
        a, b = slice(lo, min(lo + step, len(job) - 1)), slice(lo + 1, min(lo + step, len(job) - 1) + 1)
        ds = stage[b] - stage[a]
        # a run's last row against the next run's first: the ranks decided above
        ok = (ds > 0) | ((ds == 0) & (task[b] >= task[a])) | (job[b] != job[a])
        if not ok.all():
            return False
    return True


def _sort_by_key(rows: pa.Table) -> pa.Table:
    # The job rank stands for (job submit time, job_id): one integer instead of two keys.
    row, task, stage, rank = (_key(rows, c) for c in (_ROW, "task_id", "stage", _RANK))
    if _already_sorted(rank, stage, task, row):  # common for traces written in time order
        return rows
    return rows.take(pa.array(np.lexsort((row, task, stage, rank))))


def _key(rows: pa.Table, name: str) -> np.ndarray:
    """An integer sort key column; a table without ``stage`` has every row in stage 0, one
    without ``task_id`` numbers tasks by row (as :func:`_output` fills them in)."""
    if name == "task_id" and name not in rows.column_names:
        name = _ROW
    if name not in rows.column_names:  # no stage column, or rows in source order unnumbered
        return np.arange(rows.num_rows, dtype=np.int64) if name == _ROW else np.zeros(rows.num_rows, dtype=np.int64)
    return np.asarray(rows.column(name).to_numpy(), dtype=np.int64)


def _already_sorted(*keys: np.ndarray) -> bool:
    """True when the rows are in lexicographic order of ``keys`` (most significant first),
    checked on neighbours in one vectorised pass."""
    ok = np.ones(max(len(keys[0]) - 1, 0), dtype=bool)
    tied = np.ones_like(ok)
    for k in keys:
        d = np.diff(k)
        ok &= ~tied | (d >= 0)
        tied &= d == 0
    return bool(ok.all())


# --------------------------------------------------------------------------------------
# Chunks of whole jobs


def _job_starts(rank: np.ndarray) -> np.ndarray:
    """Row offsets where a job begins in rows sorted by job rank, then len(rank)."""
    change = np.flatnonzero(rank[1:] != rank[:-1]) + 1
    return np.concatenate([[0], change, [len(rank)]]).astype(np.int64)


def _cuts(bounds: np.ndarray, chunk_rows: int) -> list[int]:
    """Row offsets of chunk ends: each chunk takes whole jobs while it stays within
    ``chunk_rows`` rows; a job bigger than that is a chunk of its own. One step per chunk."""
    cuts = [0]
    j = 0
    while j < len(bounds) - 1:
        k = int(np.searchsorted(bounds, bounds[j] + chunk_rows, side="right")) - 1
        j = max(k, j + 1)
        cuts.append(int(bounds[j]))
    return cuts


def _chunks(pieces: Iterable[pa.Table], chunk_rows: int, spread: bool) -> Iterator[pa.Table]:
    """Re-cuts sorted pieces of whole jobs into chunks of about ``chunk_rows`` rows.

    The last chunk of what has arrived is held back while it could still take the next job,
    so the chunks are the same however the rows were split into pieces.
    """
    carry: pa.Table | None = None
    for piece in pieces:
        if piece.num_rows == 0:
            continue
        carry = piece if carry is None else pa.concat_tables([carry, piece])
        cuts = _cuts(_job_starts(np.asarray(carry.column(_RANK).to_numpy())), chunk_rows)
        if cuts[-1] - cuts[-2] >= chunk_rows:  # full: no further job can join it
            cuts.append(cuts[-1])
        for a, b in zip(cuts[:-2], cuts[1:-1]):
            yield _output(carry.slice(a, b - a), spread)
        carry = carry.slice(cuts[-2])
    if carry is not None and carry.num_rows:
        yield _output(carry, spread)


def _output(rows: pa.Table, spread: bool, bounds: np.ndarray | None = None, row0: int = 0) -> pa.Table:
    """A chunk in the documented columns. ``spread``: user, job_class, pool and estimate made those of
    each job's first row on all its rows (what the documentation promises; a replay reads
    first rows only and skips the copy). ``bounds``: the row offsets where its jobs begin,
    then its row count (default: where the job rank changes). ``row0``: the chunk's first
    row in the source, for rows in source order without row numbers (a table without
    task_id numbers tasks by row)."""
    rows = rows.combine_chunks()
    if bounds is None:
        bounds = _job_starts(np.asarray(rows.column(_RANK).to_numpy()))
    # one row per job (single-task jobs): every row is its job's first already
    first = (
        None
        if not spread or len(bounds) - 1 == rows.num_rows
        else pa.array(_per_row(bounds[:-1], bounds[:-1], rows.num_rows))
    )
    for name in ("user", "job_class", "pool", "estimate"):
        if first is not None and name in rows.column_names:
            rows = rows.set_column(rows.schema.get_field_index(name), name, rows.column(name).take(first))
    # the defaults of absent columns (a table's): tasks numbered by row, stage 0, no requests;
    # made only for the columns absent (each is fresh memory the size of the chunk)
    n = rows.num_rows

    def fill(name: str) -> Any:
        if name == "task_id":
            return rows.column(_ROW) if _ROW in rows.column_names else np.arange(row0, row0 + n, dtype=np.int64)
        return np.zeros(n, np.int64) if name == "stage" else np.full(n, np.nan)

    present = set(rows.column_names)
    names = [c for c in ORDERED_COLUMNS if c in present or c in _DEFAULTED] + [
        c for c in OPTIONAL_COLUMNS if c in present
    ]
    return pa.table([rows.column(c) if c in present else fill(c) for c in names], names=names)


# --------------------------------------------------------------------------------------
# Files: sorted in memory when small, else spilled runs merged


def _file_chunks(
    path: Path,
    read: dict[str, Any],
    err: _Errors,
    chunk_rows: int,
    run_rows: int,
    tmpdir: str | os.PathLike[str] | None,
    on_rows: Callable[[int], Any] | None,
    on_sort: Callable[[int], Any] | None = None,
    spread: bool = True,
) -> Iterator[pa.Table]:
    runs: _Runs | None = None
    try:
        jobs = _JobSubmits()
        pending: list[pa.Table] = []
        pending_rows = total = 0
        for b in iter_batches(path, **read):
            rows = _batch_rows(b, total)
            total += rows.num_rows
            jobs.add(rows)
            pending.append(rows)
            pending_rows += rows.num_rows
            if on_rows is not None:
                on_rows(total)
            # Spill only once the rows outgrow run_rows: a small file never touches disk.
            while pending_rows > run_rows:
                runs = runs or _Runs(tmpdir)
                held = pa.concat_tables(pending)
                runs.write(held.slice(0, run_rows))
                pending, pending_rows = [held.slice(run_rows)], pending_rows - run_rows
        err.finish()
        jobs.finish()
        if on_sort is not None:
            on_sort(total)
        if runs is None:
            pieces: Iterable[pa.Table] = [_sort_rows(pa.concat_tables(pending), jobs)] if pending else []
        else:
            if pending_rows:
                runs.write(pa.concat_tables(pending))
            pending = []
            runs.sort(jobs, chunk_rows, run_rows)
            pieces = runs.merge()
        yield from _chunks(pieces, chunk_rows, spread)
    finally:  # also when the consumer stops early: the generator is closed here
        if runs is not None:
            runs.close()


class _Runs:
    """Runs of rows in Arrow IPC files in one temporary directory, removed by :meth:`close`."""

    def __init__(self, tmpdir: str | os.PathLike[str] | None):
        self.dir = tempfile.TemporaryDirectory(dir=tmpdir, prefix="schedkit-trace-")
        self.paths: list[Path] = []
        self.written = 0
        self.cursors: list[_Cursor] = []
        # runs are written once and read once: cheap compression saves disk, not much time
        codec = "lz4" if pa.Codec.is_available("lz4") else None
        self.options = pa.ipc.IpcWriteOptions(compression=codec)

    def _write(self, rows: pa.Table, batch_rows: int | None = None) -> Path:
        path = Path(self.dir.name) / f"run{self.written}.arrow"
        self.written += 1
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, rows.schema, options=self.options) as w:
            w.write_table(rows, max_chunksize=batch_rows)
        return path

    def write(self, rows: pa.Table) -> None:
        """Spills one unsorted run (pass 1: job submit times are not known yet)."""
        self.paths.append(self._write(rows))

    def sort(self, jobs: _JobSubmits, chunk_rows: int, run_rows: int) -> None:
        """Sorts every run, one in memory at a time, and rewrites it in batches the merge reads."""
        # The merge buffers about a batch per run: their sum stays near run_rows unless that
        # would make batches tiny (a trace of thousands of runs).
        batch_rows = min(chunk_rows, max(run_rows // len(self.paths), 1024))
        for i, path in enumerate(self.paths):
            with pa.OSFile(str(path), "rb") as src:
                rows = pa.ipc.open_file(src).read_all()
            self.paths[i] = self._write(_sort_rows(rows, jobs), batch_rows)
            path.unlink()

    def merge(self) -> Iterator[pa.Table]:
        """k-way merge of the sorted runs, yielding sorted pieces of whole jobs.

        A run's unread rows all rank at or above its last buffered row, so every buffered row
        ranking strictly below the smallest such "last rank" over the unfinished runs belongs
        to a job whose rows have all been read, and can go out.
        """
        self.cursors = [_Cursor(p) for p in self.paths]
        while True:
            for c in self.cursors:
                c.fill()
            unfinished = [c for c in self.cursors if not c.done]
            cutoff = min(c.last() for c in unfinished) if unfinished else _NO_CUTOFF
            parts = [p for p in (c.take_below(cutoff) for c in self.cursors) if p.num_rows]
            if parts:
                yield _sort_by_key(pa.concat_tables(parts))
            elif not unfinished:
                return
            else:  # the cutoff job goes on in some runs: read on past it
                for c in unfinished:
                    c.read_past(cutoff)

    def close(self) -> None:
        for c in self.cursors:
            c.close()
        self.dir.cleanup()


class _Cursor:
    """Reads one sorted run batch by batch; ``rows`` holds what was read and not yet taken."""

    def __init__(self, path: Path):
        self.file = pa.OSFile(str(path), "rb")
        self.reader = pa.ipc.open_file(self.file)
        self.next = 0
        self.rows: pa.Table | None = None
        self.rank = np.zeros(0, dtype=np.int64)

    @property
    def done(self) -> bool:
        """Every batch of the run has been read (some rows may still be buffered)."""
        return self.next >= self.reader.num_record_batches

    def read(self) -> None:
        batch = self.reader.get_batch(self.next)
        self.next += 1
        t = pa.Table.from_batches([batch])
        self.rows = t if self.rows is None else pa.concat_tables([self.rows, t])
        self.rank = np.concatenate([self.rank, np.asarray(batch.column(_RANK).to_numpy(), dtype=np.int64)])

    def fill(self) -> None:
        while len(self.rank) == 0 and not self.done:
            self.read()

    def last(self) -> int:
        return int(self.rank[-1])

    def read_past(self, cutoff: int) -> None:
        while not self.done and (len(self.rank) == 0 or self.last() == cutoff):
            self.read()

    def take_below(self, cutoff: int) -> pa.Table:
        k = int(np.searchsorted(self.rank, cutoff, side="left"))
        if self.rows is None or k == 0:
            return pa.table({})
        taken, self.rows, self.rank = self.rows.slice(0, k), self.rows.slice(k), self.rank[k:]
        return taken

    def close(self) -> None:
        self.file.close()
