"""Drives the Rust cluster simulator (``schedkit._core.FairEngine``) for :mod:`schedkit.fair`.

A trace reaches the engine as chunks of whole jobs in submit order
(:func:`schedkit.trace.ordered_jobs`). Each chunk is converted once into the
engine's arrays (:func:`batch_from_chunk`) and pushed into every run (one
:class:`Runner` per policy/partitioning), which then processes its events up to the
chunk's last submit time: later chunks cannot arrive earlier, so the result equals a
one-shot simulation while memory holds one chunk plus the jobs still in the system.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schedkit import _core
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._model import Batch, RunSpec


class Names:
    """A growing name -> index table (users, job classes) shared by the runs of a replay."""

    def __init__(self, names: list[str] | None = None):
        self.names: list[str] = []
        self._index: dict[str, int] = {}
        for n in names or []:
            self.get(n)

    def get(self, name: str) -> int:
        i = self._index.get(name)
        if i is None:
            i = self._index[name] = len(self.names)
            self.names.append(name)
        return i

    def indices(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Indices of the strings ``values``; new names are numbered in order of first
        appearance, so the numbering does not depend on how a stream is cut into chunks
        (Arrow's dictionary encoding lists a column's values in that order)."""
        enc = pc.dictionary_encode(pc.cast(values, pa.string()))
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        ids = np.array([self.get(str(n)) for n in enc.dictionary.to_pylist()], dtype=np.int64)
        return ids[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]


def _column(chunk: pa.Table, name: str, dtype: Any) -> np.ndarray:
    return np.asarray(chunk.column(name).to_numpy(), dtype=dtype)


def batch_from_chunk(
    chunk: pa.Table,
    users: Names,
    classes: Names,
    class_column: str | None,
    requests: bool = False,
    pools: Names | None = None,
    memory_bounded: bool = False,
) -> Batch:
    """Converts an ordered chunk (rows sorted by job submit, job, stage, task; whole jobs)
    into a :class:`Batch`. A job's user, class, pool and estimate are those of its first row.
    ``requests``: also the per-stage cpu/memory requests (the resources model, DRF): a
    missing cpu request is an error naming the job and task, as is a missing memory request
    when ``memory_bounded``. ``pools``: the names of the ``pool`` column's values."""
    job = _column(chunk, "job_id", np.int64)
    n_rows = len(job)
    new_job = np.ones(n_rows, dtype=bool)
    new_job[1:] = job[1:] != job[:-1]
    job_rows = np.flatnonzero(new_job)
    n = len(job_rows)
    stage = _column(chunk, "stage", np.int64) if "stage" in chunk.column_names else np.zeros(n_rows, np.int64)
    if stage.any():
        new_stage = new_job.copy()
        new_stage[1:] |= stage[1:] != stage[:-1]
        stage_rows = np.flatnonzero(new_stage)
    else:  # every job one stage (stage 0 throughout): no second pass over the rows
        stage_rows = job_rows
    task_offsets = np.append(stage_rows, n_rows).astype(np.int64)
    multi = len(stage_rows) != n
    job_stages = np.searchsorted(stage_rows, np.append(job_rows, n_rows)).astype(np.int64) if multi else None
    user = users.indices(chunk.column("user").take(pa.array(job_rows)))
    # A user's jobs form one class unless the trace names classes.
    if class_column and class_column in chunk.column_names:
        job_class = classes.indices(chunk.column(class_column).take(pa.array(job_rows)))
    else:
        # The classes are then the users, named and numbered alike: only new names to add.
        for name in users.names[len(classes.names) :]:
            classes.get(name)
        job_class = user
    stage_id = stage_parents = parents = None
    if "parents" in chunk.column_names:
        # Passed even for single-stage jobs: a parent named there is the core's error to
        # report, not something to drop here.
        stage_job = np.searchsorted(job_rows, stage_rows, side="right") - 1
        first = job_stages if job_stages is not None else np.arange(n + 1, dtype=np.int64)
        stage_id = stage[stage_rows]
        stage_parents, parents = _parents(chunk, stage_id, stage_rows, stage_job, first)
    # Per-stage requests for DRF: the largest request among the stage's rows.
    stage_req: dict[str, np.ndarray | None] = {"cpu": None, "memory": None}
    if requests:
        for name, needed in (("cpu", True), ("memory", memory_bounded)):
            if name not in chunk.column_names and not needed:
                stage_req[name] = np.zeros(len(stage_rows))
                continue
            v = _column(chunk, name, np.float64) if name in chunk.column_names else np.full(n_rows, np.nan)
            if needed:
                # np.maximum carries a NaN (a missing request) into its stage's result, so
                # the rows are looked at only when one is missing.
                req = np.maximum.reduceat(v, stage_rows)
                if np.isnan(req).any():
                    i = int(np.flatnonzero(np.isnan(v))[0])
                    task = chunk.column("task_id")[i].as_py()
                    raise InvalidInstanceError(
                        f"trace: job {int(job[i])}, task {task}: no {name} request (NaN); the resources "
                        f"model (DRF) needs one for every task: use the slots model (another policy) or "
                        f"give the trace a {name} column",
                        field=name,
                        index=i,
                    )
            else:
                # A missing (NaN) request counts as 0. np.fmax skips NaN (a stage of NaN only
                # gives NaN), which is max(0, the rest) unless a request is negative (the
                # engine reports it): then each NaN is made 0 row by row.
                req = np.fmax.reduceat(v, stage_rows)
                if (req < 0).any():
                    req = np.maximum.reduceat(np.where(np.isnan(v), 0.0, v), stage_rows)
                req[np.isnan(req)] = 0.0
            stage_req[name] = req
    job_pool = None
    if pools is not None and "pool" in chunk.column_names:
        col = chunk.column("pool").take(pa.array(job_rows))
        null = np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool)
        job_pool = np.full(n, -1, dtype=np.int64)
        if not null.all():
            job_pool[~null] = pools.indices(col.filter(pa.array(~null)))
    # checked row by row where the trace was read (schedkit.trace); a job's is its first row's
    job_estimate = _column(chunk, "estimate", np.float64)[job_rows] if "estimate" in chunk.column_names else None
    return Batch(
        job_id=job[job_rows],
        user=user,
        submit=_column(chunk, "submit_time", np.float64)[job_rows],
        after=np.full(n, -1, dtype=np.int64),
        think=np.zeros(n),
        job_class=job_class,
        task_offsets=task_offsets,
        durations=np.ascontiguousarray(_column(chunk, "duration", np.float64)),
        job_stages=job_stages,
        stage_id=stage_id,
        stage_parents=stage_parents,
        parents=parents,
        stage_cpu=stage_req["cpu"],
        stage_mem=stage_req["memory"],
        job_pool=job_pool,
        job_estimate=job_estimate,
    )


def _parents(
    chunk: pa.Table,
    stage_id: np.ndarray,
    stage_rows: np.ndarray,
    stage_job: np.ndarray,
    job_stages: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Parents of each stage as offsets + stage ids: the stage's first row's ``parents``
    ids, or, when that is null, the ids of every earlier stage of the job. Converted only:
    the core resolves the ids within each job and reports one that is not an earlier stage
    of the same job (schedkit_core::fair::Workload)."""
    col = chunk.column("parents").combine_chunks().take(pa.array(stage_rows))
    null = np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool)
    given = np.asarray(pc.fill_null(pc.list_value_length(col), 0).to_numpy(), dtype=np.int64)
    flat = np.asarray(pc.list_flatten(col).to_numpy(), dtype=np.int64)
    first = job_stages[stage_job]  # each stage's job's first stage
    lengths = np.where(null, np.arange(len(stage_rows)) - first, given)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    child = np.repeat(np.arange(len(stage_rows)), lengths)
    # null: the job's stages first .. child - 1, by id
    out = stage_id[first[child] + np.arange(offsets[-1]) - offsets[:-1][child]]
    out[~null[child]] = flat
    return offsets, np.ascontiguousarray(out, dtype=np.int64)


#: About how many rows the first push holds: the engines wait for it to be converted,
#: while every later piece is converted as they simulate the one before. The second push
#: holds about three times as many (cut at ``4 * FIRST_PIECE_ROWS`` rows), the rest of the
#: first chunk the third: a piece is converted in less time than the one before it takes to
#: simulate, so the engines do not wait for the rest of the first chunk (UWFQ small jobs:
#: converting a row costs about 3/4 of simulating it).
FIRST_PIECE_ROWS = 1 << 12


def first_cut(chunks: Iterable[pa.Table]) -> Iterator[pa.Table]:
    """The chunks, the first cut in up to three at the first job boundaries from
    :data:`FIRST_PIECE_ROWS` and ``4 * FIRST_PIECE_ROWS`` rows on (a chunk holds whole jobs,
    each in consecutive rows). The engines' results do not depend on where the pushes are
    cut (see :func:`schedkit.fair._replay._simulate`)."""
    it = iter(chunks)
    first = next(it, None)
    if first is None:
        return
    start = 0
    if first.num_rows > FIRST_PIECE_ROWS:
        job = np.asarray(first.column("job_id").to_numpy(), dtype=np.int64)
        for mark in (FIRST_PIECE_ROWS, 4 * FIRST_PIECE_ROWS):
            k = max(mark, start + 1)
            later = np.flatnonzero(job[k:] != job[k - 1 : -1])
            if not len(later):
                break
            cut = k + int(later[0])
            yield first.slice(start, cut - start)
            start = cut
    yield first.slice(start) if start else first
    yield from it


class Runner:
    """One run's engine and the collected results. The engine applies the run's settings
    (weights, pools, nodes, noisy estimates, grace) itself; this feeds it users and jobs."""

    def __init__(self, spec: RunSpec, users: Names, pools: Names | None = None, sink: Any = None):
        self.spec = spec
        self.users = users
        self.known_users = 0
        # the replay's pool names (a trace's `pool` column) and their engine indices
        self.pools = pools
        self.pool_index = np.zeros(0, dtype=np.int64)
        # streaming: finished jobs are handed to `sink` as they finish, and kept only if it
        # returns False; without a sink the engine keeps them, in push order, until the end
        self.sink = sink
        self.index = 0  # the run's position in its replay
        self.engine = _core.FairEngine(**spec.engine_args(), finished_in_push_order=sink is None)
        # Read once here: a call on the engine while its thread simulates waits for it, and
        # `push` converts the next batch before its first such call (see `push`).
        self.uses_requests = bool(self.engine.uses_requests)
        self.finished: list[dict[str, np.ndarray]] = []
        self.tasks: list[dict[str, np.ndarray]] = []
        self.parents: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.pushed = 0
        # Without a sink, the result's user column is made push by push (see _user_piece),
        # while the engine simulates, rather than at the end; None once given up.
        self.user_pieces: list[pa.Array] | None = [] if sink is None else None
        self._user_names = pa.array([], pa.string())
        # Without a sink, each push's (job ids, user indices, class indices): the engine's
        # records in push order hold only what the run decides (job_table adds these).
        self.given: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def sync_users(self) -> None:
        """Registers the users that appeared since the last push."""
        new = self.users.names[self.known_users :]
        if new:
            self.engine.add_users(new)
            self.known_users = len(self.users.names)

    def push(self, b: Batch, until: float | None = None) -> None:
        """Adds the batch's jobs. With ``until``, the engine checks and adds them and
        processes the events before ``until`` on its own thread, and this returns at once:
        the caller converts the next chunk, or feeds the other runs, meanwhile. The engine's
        next call waits for it (and raises its error, if any)."""
        # Nothing here waits for the engine's thread before `engine.push` (which converts the
        # batch's arrays first, then waits), unless users or pools were added: the
        # conversion then overlaps the simulation of the previous batch.
        self._collect()
        self.sync_users()
        requests = self.uses_requests
        job_pool = None
        if b.job_pool is not None and self.spec.policy == "fair" and self.pools is not None:
            new = self.pools.names[len(self.pool_index) :]
            if new:
                # the engine resolves each name once: configured, default, or an error
                idx = [self.engine.pool(n, f"pool column, value {n!r}") for n in new]
                self.pool_index = np.append(self.pool_index, np.asarray(idx, dtype=np.int64))
            job_pool = np.where(b.job_pool >= 0, self.pool_index[np.maximum(b.job_pool, 0)], -1).astype(np.int64)
        self.engine.push(
            b.job_id,
            b.user,
            b.submit,
            b.after,
            b.think,
            b.job_class,
            b.task_offsets,
            b.durations,
            job_stages=b.job_stages,
            stage_id=b.stage_id,
            stage_parents=b.stage_parents,
            parents=b.parents,
            stage_cpu=b.stage_cpu if requests else None,
            stage_mem=b.stage_mem if requests else None,
            job_pool=job_pool,
            job_estimate=b.job_estimate,
            job_tie=b.job_tie,
            advance_to=until,
        )
        if self.spec.record_tasks:
            self._remember_parents(b)
        self._user_piece(b)
        if self.sink is None:
            self.given.append((b.job_id, b.user, b.job_class))
            self._take_records()
        self.pushed += b.n_jobs

    def _user_piece(self, b: Batch) -> None:
        """The batch's users as strings, the result's user column for its jobs (the engine
        keeps push order without a sink). Done here, while the engine's thread simulates,
        instead of after its end. The names' array is remade when users were added, which
        costs their number: a push with more users than a quarter of its jobs gives up, and
        the column is made at the end (job_table)."""
        if self.user_pieces is None:
            return
        if len(self._user_names) != len(self.users.names):
            if 4 * len(self.users.names) > b.n_jobs:
                self.user_pieces = None
                return
            self._user_names = pa.array(self.users.names, pa.string())
        self.user_pieces.append(self._user_names.take(pa.array(b.user)))

    def _remember_parents(self, b: Batch) -> None:
        """For the validator: each job's parent lists as stage indices within the job, keyed
        by push order (record_tasks only). The core checks the parents of every push (on
        the engine's thread when the push advances there): a bad id stops the replay at the
        engine's next call, before the validator reads these lists, so they are used only
        where every id is among its job's (increasing) stage ids."""
        js = b.job_stages if b.job_stages is not None else np.arange(b.n_jobs + 1)
        for j in range(b.n_jobs):
            lo, hi = int(js[j]), int(js[j + 1])
            if b.stage_parents is None or b.parents is None:  # the chain: stage k waits for k - 1
                offs = np.concatenate([[0, 0], np.arange(1, hi - lo)]).astype(np.int64)
                par = np.arange(hi - lo - 1, dtype=np.int64)
            else:
                offs = b.stage_parents[lo : hi + 1] - b.stage_parents[lo]
                ids = b.parents[b.stage_parents[lo] : b.stage_parents[hi]]
                par = ids if b.stage_id is None else np.searchsorted(b.stage_id[lo:hi], ids).astype(np.int64)
            self.parents[self.pushed + j] = (offs, par)

    def finish(self) -> None:
        self.engine.finish()
        self._collect(final=True)

    def close(self) -> None:
        """Drops the run's work after a failed replay: waits for the advance on the engine's
        thread to end (at its push's last submit time; its error, if any, is not this
        replay's to raise) and lets go of the engine, whose thread then ends, having
        nothing left to do. Nothing of the run is kept."""
        if not hasattr(self, "engine"):  # closed already
            return
        engine = self.engine
        del self.engine  # the engine's only reference, so that dropping it below frees it
        with contextlib.suppress(Exception):
            _ = engine.live_jobs  # any call waits for the engine's thread
        del engine
        self.finished, self.tasks, self.given, self.parents = [], [], [], {}
        self.user_pieces = None

    def _collect(self, final: bool = False) -> None:
        # Without a sink the engine hands every job over once, in push order, as one piece
        # per push (taken after each push and at the end, see _take_records): no per-step
        # arrays to concatenate and reorder here.
        if self.sink is None:
            if final:
                self._take_records()
        else:
            f = self.engine.take_finished()
            if len(f["finish"]) and not self.sink(self, f):
                self.finished.append(f)
        if self.spec.record_tasks:
            t = self.engine.take_tasks()
            if len(t["gid"]):
                self.tasks.append(t)

    def _take_records(self) -> None:
        """Without a sink: the records of the pushes whose jobs have all finished, in push
        order, with their response time and slowdown, which are so computed while the engine
        simulates rather than after its end (``take_records`` does not wait for it)."""
        for p in self.engine.take_records():
            p["response_time"] = p["finish"] - p["submit"]
            p["slowdown"] = _slowdown(p["response_time"], p["alone"])
            self.finished.append(p)

    def jobs_done(self) -> int:
        return self.pushed - self.engine.live_jobs


def _concat(parts: list[dict[str, np.ndarray]], keys: list[str]) -> dict[str, np.ndarray]:
    if not parts:
        return {k: np.zeros(0) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def _by_gid(parts: list[dict[str, np.ndarray]], keys: list[str], n: int) -> dict[str, np.ndarray]:
    """The finished jobs' columns in push order. gids are 0 .. n-1, each finished once, so
    each piece is scattered into place (no sort)."""
    if not parts:
        return {k: np.zeros(0) for k in keys}
    g = parts[0]["gid"]
    if len(parts) == 1 and len(g) == n and n and g[0] == 0 and bool((g[1:] > g[:-1]).all()):
        return parts[0]  # taken whole in push order (Runner._collect)
    out = {k: np.empty(n, dtype=parts[0][k].dtype) for k in keys}
    for p in parts:
        g = p["gid"]
        for k in keys:
            out[k][g] = p[k]
    return out


def _pushed_order(r: Runner, classes: Names) -> tuple[list[dict[str, np.ndarray]], dict[str, pa.ChunkedArray]]:
    """Without a sink: the engine's records, taken in push order as one piece per push
    (:meth:`Runner._take_records`), with the columns the run decides (see
    ``Config::finished_in_push_order`` in the core), and the job_id, user and job_class
    columns from what was pushed, as Arrow columns of the pushes' own arrays (no copy of
    the trace's size made at the end)."""
    n = sum(len(p["finish"]) for p in r.finished)
    if n != r.pushed:
        raise RuntimeError(f"internal: {n} job records for {r.pushed} jobs pushed")
    ids = [g[0] for g in r.given]
    user_idx = [g[1] for g in r.given]
    class_idx = [g[2] for g in r.given]
    if r.user_pieces is not None and sum(len(p) for p in r.user_pieces) == n:
        user = pa.chunked_array(r.user_pieces, pa.string())
    else:
        user = pa.chunked_array([pa.array(r.users.names, pa.string()).take(pa.array(u)) for u in user_idx], pa.string())
    if classes.names == r.users.names and all(c is u or np.array_equal(c, u) for c, u in zip(class_idx, user_idx)):
        job_class = user  # each user's jobs are its class (no class column): the same strings
    else:
        names = pa.array(classes.names, pa.string())
        job_class = pa.chunked_array([names.take(pa.array(c)) for c in class_idx], pa.string())
    job_id = pa.chunked_array([pa.array(i, pa.int64()) for i in ids], pa.int64())
    return r.finished, {"user": user, "job_id": job_id, "job_class": job_class}


def jobs_columns(
    f: dict[str, np.ndarray],
    users: Names,
    classes: Names,
    user: pa.ChunkedArray | None = None,
    job_id: pa.ChunkedArray | None = None,
    job_class: pa.ChunkedArray | None = None,
) -> pa.Table:
    """Finished jobs (the engine's ``take_finished`` arrays) as rows of :data:`JOB_COLUMNS`;
    ``user``, ``job_id``, ``job_class``: those columns when made already (then ``f`` need
    not have ``user``, ``tag``, ``class``)."""
    return _jobs_table([f], users, classes, user, job_id, job_class)


def _slowdown(rt: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """Response time over the job's time alone; 1 where that is 0 (alone_time is a lower
    bound, 0 only for a job of no work, which waits for nothing)."""
    out = np.ones_like(rt)
    np.divide(rt, alone, out=out, where=alone > 0)
    return out


def _jobs_table(
    parts: list[dict[str, np.ndarray]],
    users: Names,
    classes: Names,
    user: pa.ChunkedArray | None = None,
    job_id: pa.ChunkedArray | None = None,
    job_class: pa.ChunkedArray | None = None,
) -> pa.Table:
    """:func:`jobs_columns` of the records ``parts`` one after the other: each column made
    of the parts' arrays as they are (one chunk each), not concatenated."""

    def column(arrays: list[np.ndarray]) -> np.ndarray | pa.ChunkedArray:
        return arrays[0] if len(arrays) == 1 else pa.chunked_array([pa.array(a) for a in arrays])

    def each(key: str) -> np.ndarray | pa.ChunkedArray:
        return column([p[key] for p in parts])

    if not parts:  # no job
        parts = [{k: np.zeros(0) for k in ("submit", "start", "finish", "work", "estimate", "alone")}]
        parts[0]["n_tasks"] = np.zeros(0, np.int64)
    # made already for the pieces taken as the run went (Runner._take_records)
    rts = [p["response_time"] if "response_time" in p else p["finish"] - p["submit"] for p in parts]
    slow = [p["slowdown"] if "slowdown" in p else _slowdown(rt, p["alone"]) for p, rt in zip(parts, rts)]
    if user is None or job_id is None or job_class is None:  # from the full records (take_finished)
        f = _concat(parts, ["user", "tag", "class"]) if len(parts) > 1 else parts[0]
        if user is None:
            user = pa.array(users.names, pa.string()).take(pa.array(f["user"].astype(np.int64, copy=False)))
        if job_class is not None:
            pass
        elif classes.names == users.names and np.array_equal(f["class"], f["user"]):
            job_class = user  # each user's jobs are its class (no class column): the same strings
        else:
            job_class = pa.array(classes.names, pa.string()).take(pa.array(f["class"].astype(np.int64, copy=False)))
        if job_id is None:
            job_id = f["tag"].astype(np.int64, copy=False)
    return pa.table(
        {
            "job_id": job_id,
            "user": user,
            "job_class": job_class,
            "submit_time": each("submit"),
            "start_time": each("start"),
            "finish_time": each("finish"),
            "response_time": column(rts),
            "work": each("work"),
            "estimate": each("estimate"),
            "n_tasks": column([p["n_tasks"].astype(np.int64, copy=False) for p in parts]),
            "alone_time": each("alone"),
            "slowdown": column(slow),
        }
    )


def job_table(r: Runner, classes: Names) -> tuple[pa.Table, pa.Table | None]:
    """The per-job table in push order (= submit order) and the task table."""
    keys = ["gid", "tag", "user", "class", "submit", "start", "finish", "work", "estimate", "n_tasks", "alone"]
    if r.sink is None:
        parts, given = _pushed_order(r, classes)
        jobs = _jobs_table(parts, r.users, classes, **given)
    else:
        f = _by_gid(r.finished, keys, r.pushed)
        jobs = jobs_columns(f, r.users, classes)
    if not r.spec.record_tasks:
        return jobs, None
    if r.sink is None:  # the records in one piece, with gid and tag columns, for the tasks
        f = _concat(parts, ["submit"])
        f["gid"] = np.arange(r.pushed, dtype=np.uint64)
        f["tag"] = np.concatenate([np.zeros(0, np.int64), *(g[0] for g in r.given)])
    t = _concat(r.tasks, ["gid", "stage", "node", "start", "end", "cpu", "memory"])
    pos = np.searchsorted(f["gid"], t["gid"])
    tasks = pa.table(
        {
            "job_id": f["tag"][pos].astype(np.int64),
            "stage": t["stage"].astype(np.int64),
            "node": t["node"].astype(np.int64),
            "start": t["start"],
            "end": t["end"],
            "cpu": t["cpu"],
            "memory": t["memory"],
            # the stage's parents, for the validator's dependency and work-conservation checks
            "ready": _ready_times(r, f, t, pos),
        }
    )
    return jobs, tasks


def _ready_times(r: Runner, f: dict[str, np.ndarray], t: dict[str, np.ndarray], pos: np.ndarray) -> np.ndarray:
    """When each task's stage became schedulable, recomputed from the task records and the
    given parents (not from the engine): the job's submit, or its parents' last task end."""
    ready = f["submit"][pos].copy()
    stage_end: dict[tuple[int, int], float] = {}
    for g, s, e in zip(t["gid"].tolist(), t["stage"].tolist(), t["end"].tolist()):
        k = (g, s)
        if e > stage_end.get(k, -math.inf):
            stage_end[k] = e
    for i, (g, s) in enumerate(zip(t["gid"].tolist(), t["stage"].tolist())):
        offs, par = r.parents[g]
        for p in par[offs[s] : offs[s + 1]].tolist():
            ready[i] = max(ready[i], stage_end[(g, p)])
    return ready


class Progress:
    """A one-line progress report on stderr: on by default when stderr is a terminal,
    redrawn at most ten times a second, silent otherwise.

    The line names its phase (reading, sorting, simulating, finishing, writing), shows the
    percent done and an ETA once the size is known (a file's row count is known when it has
    been read: a replay's order needs the whole file), and is cut to the terminal's width
    (``shutil.get_terminal_size``) so it never wraps.
    """

    def __init__(self, label: str, enabled: bool | None, total_rows: int | None = None):
        self.label = label
        self.on = sys.stderr.isatty() if enabled is None else bool(enabled)
        self.last = 0.0
        self.rows = 0
        self.total_rows = total_rows
        self.rows_pushed = 0
        self.width = 0
        self.phase = "reading"
        self.phase_start = time.monotonic()

    def set_phase(self, phase: str, total_rows: int | None = None) -> None:
        self.phase = phase
        self.phase_start = time.monotonic()
        if total_rows is not None:
            self.total_rows = total_rows
        self.draw(phase, force=True)

    def update(self, runners: list[Runner], sim_time: float, final: bool = False) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        done = min(r.jobs_done() for r in runners) if runners else 0
        pushed = runners[0].pushed if runners else 0
        frac = None
        if self.phase == "simulating" and self.total_rows:
            frac = self.rows_pushed / self.total_rows
        elif self.phase == "finishing" and pushed:
            frac = done / pushed
        parts = [f"{pushed:,} jobs in, {done:,} done", f"t = {sim_time:,.0f} s", f"{self.rows:,} tasks read"]
        self.draw(", ".join(parts), frac=frac, force=final, final=final)

    def draw(self, detail: str, frac: float | None = None, force: bool = False, final: bool = False) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        head = f"{self.label}: {self.phase}"
        if frac is not None and not final:
            frac = min(max(frac, 0.0), 1.0)
            head += f" {100 * frac:3.0f}%"
            spent = now - self.phase_start
            if frac > 0.01 and spent > 0.5:
                head += f" ETA {_clock(spent * (1 - frac) / frac)}"
        line = head if detail == self.phase else f"{head} | {detail}"
        width = max(10, shutil.get_terminal_size((80, 24)).columns - 1)
        line = line[:width]
        # pad over a longer previous line; never wider than the terminal
        print("\r" + line.ljust(min(self.width, width)), end="\n" if final else "", file=sys.stderr, flush=True)
        self.width = 0 if final else len(line)

    def close(self) -> None:
        """Ends the line (after an error or an interrupt), so the next output starts clean."""
        if self.on and self.width:
            print(file=sys.stderr, flush=True)
            self.width = 0


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
