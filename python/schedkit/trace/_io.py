"""Trace readers: the public formats and canonical files, streamed as record batches in
:data:`~schedkit.trace.SCHEMA`, with malformed rows reported by row number (see the
:mod:`schedkit.trace` docstring)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from schedkit._arrays import check_column_names, int_arg, lost_lengths
from schedkit._files import BOM, existing_file, text_lines
from schedkit.data import path as _data_path
from schedkit.exceptions import InvalidInstanceError
from schedkit.trace._model import OPTIONAL_COLUMNS, PARENTS_TYPE, SCHEMA, assign_users

# An Alibaba v2018 DAG task name: letters, the task number, then "_<parent>" per parent.
_ALI18_DAG_NAME = r"^[A-Za-z]+\d+(_\d+)*$"


#: Format names accepted by :func:`read` (``format=``); ``None`` sniffs the file.
FORMATS = ("canonical", "parquet", "ipc", "csv", "google_wta", "google_task_events", "alibaba_v2017", "alibaba_v2018")

_GOOGLE_TE_COLS = [
    "time",
    "missing",
    "job_id",
    "task_index",
    "machine",
    "event",
    "user",
    "sched_class",
    "priority",
    "cpu",
    "memory",
    "disk",
    "different_machines",
]
_ALI17_COLS = ["create", "end", "job_id", "task_id", "instances", "status", "plan_cpu", "plan_mem"]
_ALI18_COLS = ["task_name", "instances", "job_name", "task_type", "status", "start", "end", "plan_cpu", "plan_mem"]

_BATCH = 1 << 16

#: The machine size assumed when a source gives requests as a fraction of a machine (Google
#: 2011: 1.0 = the largest machine's cpu or memory; Alibaba: plan_mem in percent of a
#: machine's memory). The traces do not say how big that machine was; these defaults are an
#: assumption, stated in every replay header, and ``machine_cpus=``/``machine_memory=``
#: replace them.
MACHINE_CPUS = 32.0
MACHINE_MEMORY = 128.0 * 2**30

#: The most bytes read when looking for a file's header line (sniffing a format).
_HEADER_BYTES = 1 << 16


def bundled(name: str) -> Path:
    """Path of a trace or scenario file shipped in the wheel (``schedkit/data/traces``).

    Parameters
    ----------
    name : str
        File name, e.g. ``"google2011_wta_500s_hetero.csv"`` (a 500-s window of the Google
        2011 trace) or a UWFQ scenario's JSON file.

    Returns
    -------
    pathlib.Path
        Where the file lies; it is not checked to exist.

    Examples
    --------
    >>> import schedkit as sk
    >>> sk.trace.bundled("google2011_wta_500s_homo.csv").name
    'google2011_wta_500s_homo.csv'
    """
    return _data_path(f"traces/{name}")


# --------------------------------------------------------------------------------------
# Row-level conversion with error reporting


class _Errors:
    def __init__(self, mode: str, source: str):
        if mode not in ("raise", "skip"):
            raise InvalidInstanceError(f"errors must be 'raise' or 'skip', got {mode!r}", field="errors")
        self.mode = mode
        self.source = source
        self.skipped: list[int] = []
        self.count = 0

    def bad(self, rows: np.ndarray, field: str, why: str) -> None:
        """``rows``: 1-based row numbers of bad rows."""
        if len(rows) == 0:
            return
        if self.mode == "raise":
            r = int(rows[0])
            raise InvalidInstanceError(f"{self.source}: row {r}: {field}: {why}", field=field, index=r)
        self.count += len(rows)
        if len(self.skipped) < 10:
            self.skipped.extend(int(r) for r in rows[: 10 - len(self.skipped)])

    def finish(self) -> None:
        if self.count:
            warnings.warn(
                f"{self.source}: skipped {self.count} malformed row(s) (first: {sorted(self.skipped)})", stacklevel=3
            )


def _num(
    col: pa.Array, field: str, rows: np.ndarray, err: _Errors, integer: bool = False, optional: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Parses a string/number column; returns (values, ok mask). Bad rows are reported.
    ``optional``: an empty cell is NaN (not an error); garbage is still an error."""
    target = pa.int64() if integer else pa.float64()
    if pa.types.is_boolean(col.type):  # True as a duration is a bug, not 1 s
        raise InvalidInstanceError(f"{err.source}: column {field!r} holds booleans, not numbers", field=field)
    if optional:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.utf8_trim_whitespace(col)
            col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        empty = _isnull(col)
        vals, ok = _num(pc.fill_null(col, "0" if pa.types.is_string(col.type) else 0), field, rows, err, integer)
        vals = np.where(empty, np.nan, vals)
        return vals, ok
    try:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.utf8_trim_whitespace(col)
        arr = pc.cast(col, target)
        ok = ~np.asarray(pc.is_null(arr).to_numpy(zero_copy_only=False), dtype=bool)
        vals = arr.to_numpy(zero_copy_only=False)
        vals = np.where(ok, vals, 0).astype(np.int64 if integer else np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        py = col.to_pylist()
        vals = np.zeros(len(py), dtype=np.int64 if integer else np.float64)
        ok = np.ones(len(py), dtype=bool)
        for i, v in enumerate(py):
            try:
                vals[i] = int(str(v).strip()) if integer else float(str(v).strip())
            except (TypeError, ValueError, OverflowError):  # overflow: an integer beyond int64
                ok[i] = False
    if not integer:
        ok &= np.isfinite(vals)
    err.bad(
        rows[~ok], field, "missing or not an integer in int64 range" if integer else "missing or not a finite number"
    )
    return vals, ok


def _canon_batch(cols: dict[str, Any], keep: np.ndarray, extra: dict[str, pa.Array] | None = None) -> pa.RecordBatch:
    arrays = []
    for f in SCHEMA:
        v = cols[f.name]
        if isinstance(v, np.ndarray):
            v = v[keep]
            arrays.append(pa.array(v, type=f.type))
        else:
            arrays.append(pc.cast(pc.filter(v, pa.array(keep)), f.type))
    names = list(SCHEMA.names)
    fields = list(SCHEMA)
    for k, v in (extra or {}).items():
        arrays.append(pc.filter(v, pa.array(keep)))
        names.append(k)
        fields.append(pa.field(k, arrays[-1].type))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


# --------------------------------------------------------------------------------------
# Format converters: (string batch, first row number) -> canonical batch


def _conv_wta(
    b: pa.RecordBatch, row0: int, err: _Errors, machine_cpus: float = MACHINE_CPUS, **_: Any
) -> pa.RecordBatch:
    rows = np.arange(row0, row0 + b.num_rows)
    c = {n: b.column(i) for i, n in enumerate(b.schema.names)}
    need = ["workflow_id", "ts_submit", "task_id", "runtime", "resource_amount_requested", "user_id"]
    for n in need:
        if n not in c:
            raise InvalidInstanceError(f"{err.source}: missing column {n!r} (Google WTA CSV)", field=n)
    job, ok1 = _num(c["workflow_id"], "workflow_id", rows, err, integer=True)
    sub, ok2 = _num(c["ts_submit"], "ts_submit", rows, err)
    tid, ok3 = _num(c["task_id"], "task_id", rows, err, integer=True)
    rt, ok4 = _num(c["runtime"], "runtime", rows, err)
    cpu, ok5 = _num(c["resource_amount_requested"], "resource_amount_requested", rows, err, optional=True)
    user = c["user_id"]
    ok6 = ~np.asarray(pc.is_null(user).to_numpy(zero_copy_only=False), dtype=bool)
    err.bad(rows[~ok6], "user_id", "missing")
    ok = ok1 & ok2 & ok3 & ok4 & ok5 & ok6
    neg = ok & (rt < 0)
    err.bad(rows[neg], "runtime", "negative duration")
    ok &= ~neg
    # Google 2011 requests are fractions of the largest machine: in cores
    with np.errstate(over="ignore"):  # an overflow is a bad row, named below
        cores = cpu * machine_cpus
    huge = ok & np.isinf(cores) & ~np.isinf(cpu)
    err.bad(rows[huge], "resource_amount_requested", f"overflows as cores (x {machine_cpus})")
    ok &= ~huge
    cols = {
        "job_id": job,
        "user": pc.cast(user, pa.string()),
        "submit_time": sub / 1000.0,
        "task_id": tid,
        "duration": rt / 1000.0,
        "cpu": cores,
        "memory": np.full(len(rows), np.nan),
        "priority": np.zeros(len(rows), dtype=np.int64),
        "stage": np.zeros(len(rows), dtype=np.int64),
    }
    return _canon_batch(cols, ok)


def _conv_ali17(
    b: pa.RecordBatch,
    row0: int,
    err: _Errors,
    users: int = 16,
    seed: int = 0,
    machine_memory: float = MACHINE_MEMORY,
    **_: Any,
) -> pa.RecordBatch:
    rows = np.arange(row0, row0 + b.num_rows)
    status = np.asarray(pc.utf8_trim_whitespace(pc.cast(b.column(5), pa.string())).to_numpy(zero_copy_only=False))
    finished = status == "Terminated"
    b, rows = b.filter(pa.array(finished)), rows[finished]
    c = [b.column(i) for i in range(8)]
    create, ok1 = _num(c[0], "task_create_time", rows, err)
    end, ok2 = _num(c[1], "task_end_time", rows, err)
    job, ok3 = _num(c[2], "job_id", rows, err, integer=True)
    tid, ok4 = _num(c[3], "task_id", rows, err, integer=True)
    cpu, ok5 = _num(c[6], "plan_cpu", rows, err, optional=True)
    mem, ok6 = _num(c[7], "plan_mem", rows, err, optional=True)
    ok = ok1 & ok2 & ok3 & ok4 & ok5 & ok6
    finished = np.ones(len(rows), dtype=bool)
    dur = end - create
    neg = ok & finished & (dur < 0)
    err.bad(rows[neg], "task_end_time", "end before create (negative duration)")
    ok &= finished & ~neg
    cols = {
        "job_id": job,
        "user": assign_users(job, users=users, seed=seed),
        "submit_time": create,
        "task_id": tid,
        "duration": dur,
        "cpu": cpu / 100.0,  # plan_cpu: 100 = one core
        "memory": mem / 100.0 * machine_memory,  # plan_mem: percent of a machine's memory
        "priority": np.zeros(len(rows), dtype=np.int64),
        "stage": np.zeros(len(rows), dtype=np.int64),
    }
    return _canon_batch(cols, ok)


def _conv_ali18(
    b: pa.RecordBatch,
    row0: int,
    err: _Errors,
    users: int = 16,
    seed: int = 0,
    machine_memory: float = MACHINE_MEMORY,
    **_: Any,
) -> pa.RecordBatch:
    rows = np.arange(row0, row0 + b.num_rows)
    status = np.asarray(pc.utf8_trim_whitespace(pc.cast(b.column(4), pa.string())).to_numpy(zero_copy_only=False))
    fin = status == "Terminated"
    b, rows = b.filter(pa.array(fin)), rows[fin]
    c = [b.column(i) for i in range(9)]
    jn = pc.utf8_trim_whitespace(pc.cast(c[2], pa.string()))
    digits = pc.replace_substring_regex(jn, r"^[^0-9]*", "")
    job, ok1 = _num(digits, "job_name", rows, err, integer=True)
    start, ok2 = _num(c[5], "start_time", rows, err)
    end, ok3 = _num(c[6], "end_time", rows, err)
    cpu, ok4 = _num(c[7], "plan_cpu", rows, err, optional=True)
    mem, ok5 = _num(c[8], "plan_mem", rows, err, optional=True)
    ok = ok1 & ok2 & ok3 & ok4 & ok5
    dur = end - start
    neg = ok & (dur < 0)
    err.bad(rows[neg], "end_time", "end before start (negative duration)")
    ok &= ~neg
    stage, tid, parents, ok = _ali18_task_names(pc.cast(c[0], pa.string()), rows, ok, err)
    cols = {
        "job_id": job,
        "user": assign_users(job, users=users, seed=seed),
        "submit_time": start,
        "task_id": tid,
        "duration": dur,
        "cpu": np.where(np.isfinite(cpu), cpu, np.nan) / 100.0,  # plan_cpu: 100 = one core
        "memory": mem / 100.0 * machine_memory,  # plan_mem: percent of a machine's memory
        "priority": np.zeros(len(rows), dtype=np.int64),
        "stage": stage,
    }
    return _canon_batch(cols, ok, {"parents": parents})


def _ali18_task_names(
    names: pa.Array, rows: np.ndarray, ok: np.ndarray, err: _Errors
) -> tuple[np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    """Decodes v2018 task names into (stage, task_id, parents, ok).

    A DAG name ``<letters><n>[_<p>...]`` is stage ``n`` waiting for stages ``p...`` (``M1``:
    none). Any other name (``task_<base64>``) is a non-DAG task: stage 0, parents null, and
    its task_id is its row number since the name holds no number. Only rows still ``ok`` are
    reported, so a row bad in an earlier field is not counted twice.
    """
    names = pc.utf8_trim_whitespace(names)
    missing = _isnull(names)
    err.bad(rows[ok & missing], "task_name", "missing")
    ok = ok & ~missing
    dag = _matches(names, _ALI18_DAG_NAME)
    # 19+ digits may not fit in int64; no real task number is anywhere near that long.
    huge = ok & dag & _matches(names, r"\d{19}")
    err.bad(rows[huge], "task_name", "task number too large")
    ok &= ~huge
    dag &= ~huge
    dag_names = pc.if_else(pa.array(dag), names, pa.scalar(None, pa.string()))
    numbers = pc.split_pattern(pc.replace_substring_regex(dag_names, r"^[A-Za-z]+", ""), "_")
    own = pc.fill_null(pc.cast(pc.list_element(numbers, 0), pa.int64()), 0)
    stage = np.asarray(own.to_numpy(zero_copy_only=False), dtype=np.int64)
    parents = pc.cast(pc.list_slice(numbers, 1), PARENTS_TYPE)
    ok &= _parents_below_stage(parents, stage, rows, ok, err, "task_name")
    task_id = np.where(dag, stage, rows).astype(np.int64)
    return stage, task_id, parents, ok


def _matches(strings: pa.Array, pattern: str) -> np.ndarray:
    """Regex match as a bool mask; a null string does not match."""
    hit = pc.fill_null(pc.match_substring_regex(strings, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def _parents_below_stage(
    parents: pa.Array, stage: np.ndarray, rows: np.ndarray, ok: np.ndarray, err: _Errors, field: str
) -> np.ndarray:
    """Checks the topological numbering rule: every parent id is below its row's stage id, so
    a consumer can walk a job's stages in id order. Returns the mask of rows that pass.

    This per-row check stays in the readers although the core checks the stage DAG when it
    simulates (schedkit_core::fair::Workload, the one check of a whole job): with
    ``errors="skip"`` a bad row must be dropped while the file is read, row by row, which
    only the reader can do; the core sees whole jobs and can only reject them."""
    owner = np.asarray(pc.list_parent_indices(parents).to_numpy(zero_copy_only=False), dtype=np.int64)
    ids = pc.list_flatten(parents)
    null_id = _isnull(ids)
    vals = np.asarray(pc.fill_null(ids, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    passed = ok.copy()
    no_id = np.unique(owner[null_id])
    no_id = no_id[passed[no_id]]
    err.bad(rows[no_id], field, "missing parent stage id")
    passed[no_id] = False
    late = np.unique(owner[~null_id & (vals >= stage[owner])])
    late = late[passed[late]]
    err.bad(rows[late], field, "a parent stage id must be below the stage id (topological numbering)")
    passed[late] = False
    return passed


def _parents_column(a: pa.Array, rows: np.ndarray, err: _Errors) -> tuple[pa.Array, np.ndarray]:
    """A canonical ``parents`` column as list<int64>, and the mask of rows it parsed for."""
    if pa.types.is_null(a.type):  # e.g. a Parquet column that is null throughout
        return pc.cast(a, PARENTS_TYPE), np.ones(len(a), dtype=bool)
    if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        return _split_ids(a, rows, err)
    nested = pa.types.is_list(a.type) or pa.types.is_large_list(a.type) or pa.types.is_fixed_size_list(a.type)
    if not (nested and pa.types.is_integer(a.type.value_type)):
        raise InvalidInstanceError(
            f"{err.source}: column 'parents' must be list<int64> or ';'-separated ids, got {a.type}", field="parents"
        )
    return pc.cast(a, PARENTS_TYPE), np.ones(len(a), dtype=bool)


def _split_ids(s: pa.Array, rows: np.ndarray, err: _Errors) -> tuple[pa.Array, np.ndarray]:
    """``"3;4"`` -> ``[3, 4]``. An empty or missing cell is ``[]``: a CSV reader cannot tell
    the two apart, and "no parents" must be expressible in a CSV."""
    n = len(s)
    s = pc.fill_null(pc.utf8_trim_whitespace(s), "")
    empty = np.asarray(pc.equal(s, "").to_numpy(zero_copy_only=False), dtype=bool)
    lists = pc.split_pattern(s, ";")
    owner = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64)
    tokens = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    keep = ~empty[owner]  # an empty cell splits into one empty token, which is not an id
    owner, tokens = owner[keep], tokens.filter(pa.array(keep))
    vals, tok_ok = _parse_ints(tokens)
    bad = np.unique(owner[~tok_ok])
    err.bad(rows[bad], "parents", "expected integer stage ids separated by ';'")
    ok = np.ones(n, dtype=bool)
    ok[bad] = False
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(vals, pa.int64())), ok


def _parse_ints(tokens: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Non-null string tokens as int64 and an ok mask. One vectorised cast; only when it fails
    are the tokens parsed one by one, to find which are bad."""
    try:
        vals = pc.cast(tokens, pa.int64()).to_numpy(zero_copy_only=False)
        return np.asarray(vals, dtype=np.int64), np.ones(len(tokens), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    py = tokens.to_pylist()
    vals = np.zeros(len(py), dtype=np.int64)
    ok = np.ones(len(py), dtype=bool)
    for i, t in enumerate(py):
        try:
            vals[i] = int(t)
        except (TypeError, ValueError):
            ok[i] = False
            continue
        if not -(1 << 63) <= int(t) < (1 << 63):
            ok[i], vals[i] = False, 0
    return vals, ok


def string_column(col: Any, field: str, source: str | None = None) -> Any:
    """Column ``field`` (user, job_class, pool) as strings: strings and numbers (ids written as
    integers) convert; a list, struct or binary column is an error naming the column, not an
    Arrow cast failure further down."""
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        where = f"{source}: " if source else ""
        raise InvalidInstanceError(f"{where}column {field!r}: expected strings, got {col.type}", field=field) from None


def check_columns(schema: pa.Schema, source: str) -> None:
    """A canonical file's columns as the trace schema reads them: a ``unit`` in a column's
    metadata other than the schema's is an error (the values would be read in the wrong
    unit), and a column nothing reads is named in a warning."""
    for f in schema:
        unit = (f.metadata or {}).get(b"unit")
        want = (SCHEMA.field(f.name).metadata or {}).get(b"unit") if f.name in SCHEMA.names else None
        if unit is not None and want is not None and unit != want:
            raise InvalidInstanceError(
                f"{source}: column {f.name!r} is in {unit.decode(errors='replace')!r} (its unit metadata); "
                f"a trace takes {want.decode()!r}: convert it first",
                field=f.name,
            )
    unread = [n for n in schema.names if n not in SCHEMA.names and n not in OPTIONAL_COLUMNS]
    if unread:
        warnings.warn(
            f"{source}: column(s) {', '.join(map(repr, unread))} are not read by a replay; they are ignored",
            UserWarning,
            stacklevel=2,
        )


def _conv_canonical(b: pa.RecordBatch, row0: int, err: _Errors, **_: Any) -> pa.RecordBatch:
    rows = np.arange(row0, row0 + b.num_rows)
    names = b.schema.names
    if row0 <= 1:  # once per file: its first batch
        check_columns(b.schema, err.source)
    for req in ("job_id", "user", "submit_time", "task_id", "duration"):
        if req not in names:
            raise InvalidInstanceError(f"{err.source}: missing column {req!r} of schedkit.trace.SCHEMA", field=req)
    col = {n: b.column(names.index(n)) for n in names}
    job, ok1 = _num(col["job_id"], "job_id", rows, err, integer=True)
    sub, ok2 = _num(col["submit_time"], "submit_time", rows, err)
    tid, ok3 = _num(col["task_id"], "task_id", rows, err, integer=True)
    dur, ok4 = _num(col["duration"], "duration", rows, err)
    user = string_column(col["user"], "user", err.source)
    ok5 = ~np.asarray(pc.is_null(user).to_numpy(zero_copy_only=False), dtype=bool)
    err.bad(rows[~ok5], "user", "missing")
    n = len(rows)
    if "stage" in col:
        stage, ok6 = _num(col["stage"], "stage", rows, err, integer=True)
    else:
        stage, ok6 = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    ok = ok1 & ok2 & ok3 & ok4 & ok5 & ok6
    neg = ok & (dur < 0)
    err.bad(rows[neg], "duration", "negative duration")
    ok &= ~neg
    opt = {}
    for name, integer, default in (("cpu", False, np.nan), ("memory", False, np.nan), ("priority", True, 0)):
        if name in col:
            a = col[name]
            if pa.types.is_string(a.type):
                a = pc.cast(
                    pc.if_else(pc.equal(pc.utf8_trim_whitespace(a), ""), pa.scalar(None, pa.string()), a),
                    pa.int64() if integer else pa.float64(),
                )
            a = pc.cast(a, pa.int64() if integer else pa.float64())
            v = a.to_numpy(zero_copy_only=False)
            opt[name] = np.where(_isnull(a), default, v).astype(np.int64 if integer else np.float64)
        else:
            opt[name] = np.full(n, default, dtype=np.int64 if integer else np.float64)
    extra = {k: v for k, v in col.items() if k not in SCHEMA.names}
    for name in ("job_class", "pool"):
        if name in extra:
            extra[name] = string_column(extra[name], name, err.source)
    if "parents" in extra:
        parents, ok7 = _parents_column(extra["parents"], rows, err)
        ok &= ok7
        ok &= _parents_below_stage(parents, stage, rows, ok, err, "parents")
        extra["parents"] = parents
    if "estimate" in extra:
        est, ok8 = _num(extra["estimate"], "estimate", rows, err)
        bad = ok8 & ~(np.isfinite(est) & (est > 0))
        err.bad(rows[bad], "estimate", "must be finite and > 0 core-s")
        ok &= ok8 & ~bad
        extra["estimate"] = pa.array(est)
    lost = ok & lost_lengths(sub, dur)
    err.bad(rows[lost], "duration", "below what a float64 holds at its submit_time; shift or rescale the times")
    ok &= ~lost
    cols = {"job_id": job, "user": user, "submit_time": sub, "task_id": tid, "duration": dur, "stage": stage, **opt}
    return _canon_batch(cols, ok, extra)


def _isnull(a: pa.Array) -> np.ndarray:
    return np.asarray(pc.is_null(a).to_numpy(zero_copy_only=False), dtype=bool)


# --------------------------------------------------------------------------------------
# Sources


def _sniff(path: Path) -> str:
    suf = "".join(path.suffixes).lower()
    if suf.endswith(".parquet"):
        return "parquet"
    if suf.endswith((".arrow", ".feather", ".ipc", ".arrows")):
        return "ipc"
    head = _header_line(path).lower()
    if "workflow_id" in head and "ts_submit" in head:
        return "google_wta"
    if "task_create_time" in head:
        return "alibaba_v2017"
    if "job_id" in head and "duration" in head and "submit_time" in head:
        return "csv"
    raise InvalidInstanceError(
        f"{path}: cannot tell the trace format from its name or header; pass format= one of {FORMATS}", field="format"
    )


def _header_line(path: Path) -> str:
    """The file's first line, at most :data:`_HEADER_BYTES` of it (a file without newlines is
    not read whole), decoded; undecodable bytes are an error naming the file and line 1. A lone
    carriage return ends the line too, as it does for Arrow's CSV reader that reads the rows after it."""
    with open(path, "rb") as fh:
        raw = fh.readline(_HEADER_BYTES).split(b"\r", 1)[0]
    try:
        return raw.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and len(raw) == _HEADER_BYTES:  # cut inside a character
            return raw[: exc.start].decode("utf-8").removeprefix(BOM)
        raise InvalidInstanceError(
            f"{path.name}: line 1: bytes that are not UTF-8 at column {exc.start + 1}", field="path", index=1
        ) from None


def _csv_batches(path: Path, names: list[str] | None, skip_header: bool) -> Iterator[pa.RecordBatch]:
    read = pacsv.ReadOptions(block_size=1 << 22, column_names=names, skip_rows=1 if (skip_header and names) else 0)
    # Every column as a string: numbers are parsed per row so a bad row is located, not fatal.
    if names is None:
        header = [h.strip().strip('"') for h in _header_line(path).strip().split(",")]
        check_column_names(header, path.name)
        read = pacsv.ReadOptions(block_size=1 << 22, column_names=header, skip_rows=1)
        names = header
    conv = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True)
    reader = pacsv.open_csv(path, read_options=read, convert_options=conv)
    yield from reader


def iter_batches(
    path: str | Path,
    *,
    format: str | None = None,
    errors: str = "raise",
    users: int = 16,
    seed: int = 0,
    machine_cpus: float = MACHINE_CPUS,
    machine_memory: float = MACHINE_MEMORY,
    _err: _Errors | None = None,
) -> Iterator[pa.RecordBatch]:
    """Streams a trace file as record batches in :data:`SCHEMA`, so a trace larger than memory
    can be converted or replayed batch by batch.

    Parameters
    ----------
    path : str or pathlib.Path
        The trace file.
    format, errors, users, seed, machine_cpus, machine_memory
        As for :func:`read`. With ``errors="skip"`` the bad rows are left out of the batches,
        counted, and warned about (count and first row numbers) once the file has been read.

    Yields
    ------
    pyarrow.RecordBatch
        In :data:`SCHEMA`, plus the extra columns of a canonical source (``parents`` as
        ``list<int64>``).

    Raises
    ------
    InvalidInstanceError
        The file is missing or empty (no bytes), its format unknown, a byte not UTF-8 (file
        and line named), a machine size not finite and > 0, or a row malformed
        (``errors="raise"``); ``field`` and ``index`` (the 1-based data-row number) say where.

    Examples
    --------
    >>> import schedkit as sk
    >>> path = sk.trace.bundled("google2011_wta_500s_homo.csv")
    >>> sum(b.num_rows for b in sk.trace.iter_batches(path))
    6418
    """
    path = existing_file(path, "path")
    if path.stat().st_size == 0:
        raise InvalidInstanceError(f"{path.name}: empty file (no trace rows)", field="path")
    for name, v in (("machine_cpus", machine_cpus), ("machine_memory", machine_memory)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not (0 < v < float("inf")):
            raise InvalidInstanceError(f"{name} must be a finite number > 0, got {v!r}", field=name)
    # checked whether or not the trace needs the user rule, so a bad value is never passed over
    users = int_arg(users, "users", minimum=1)
    seed = int_arg(seed, "seed", minimum=-(2**63), maximum=2**64 - 1)
    fmt = format or _sniff(path)
    if fmt not in FORMATS:
        raise InvalidInstanceError(f"unknown trace format {fmt!r}; expected one of {FORMATS}", field="format")
    err = _err or _Errors(errors, str(path.name))
    kw = {"users": users, "seed": seed, "machine_cpus": float(machine_cpus), "machine_memory": float(machine_memory)}
    yield from _batches(path, fmt, err, kw)
    if _err is None:  # called directly: report what was skipped (read() and ordered_jobs do it themselves)
        err.finish()


def _batches(path: Path, fmt: str, err: _Errors, kw: dict[str, Any]) -> Iterator[pa.RecordBatch]:
    """The converted batches of a file whose format is known. Whatever Arrow cannot parse
    (a truncated Parquet footer, a broken CSV quote, bytes that are not UTF-8) is an error
    naming the file, and the line or row where it can be told."""
    if fmt == "google_task_events":
        yield from _google_task_events(path, err, kw["machine_cpus"], kw["machine_memory"])
        return
    row = 1
    try:
        src, conv = _source(path, fmt)
        for b in src:
            out = conv(b, row, err, **kw)
            row += b.num_rows
            yield out
    except (pa.ArrowException, OSError) as exc:  # Arrow's parse errors; a bad IPC header is an OSError
        _undecodable(path, exc)
        raise InvalidInstanceError(
            f"{path.name}: malformed file near row {row}: {exc}", field="file", index=row
        ) from None


def _source(path: Path, fmt: str) -> tuple[Iterable[pa.RecordBatch], Any]:
    """The raw record batches of a file and the converter of its format."""
    binary = fmt in ("parquet", "ipc") or (
        fmt == "canonical" and path.suffix in (".parquet", ".arrow", ".feather", ".ipc")
    )
    if binary:
        if path.suffix == ".parquet" or fmt == "parquet":
            import pyarrow.parquet as pq

            # pre_buffer=False: with pre-buffering Arrow keeps every row group's bytes read so
            # far until the iterator ends, i.e. the whole file (2.5 GB peak on a 1.4 GB trace).
            return pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=_BATCH), _conv_canonical
        try:
            ipc = pa.ipc.open_file(path)
            return (ipc.get_batch(i) for i in range(ipc.num_record_batches)), _conv_canonical
        except pa.ArrowInvalid:
            return pa.ipc.open_stream(path), _conv_canonical
    if fmt in ("csv", "canonical"):
        return _csv_batches(path, None, True), _conv_canonical
    if fmt == "google_wta":
        return _csv_batches(path, None, True), _conv_wta
    if fmt == "alibaba_v2017":
        has_header = not _header_line(path)[:1].strip().lstrip("-").isdigit()
        return _csv_batches(path, _ALI17_COLS, has_header), _conv_ali17
    has_header = "task_name" in _header_line(path)
    return _csv_batches(path, _ALI18_COLS, has_header), _conv_ali18


def _undecodable(path: Path, exc: Exception) -> None:
    """When Arrow failed on bytes that are not UTF-8, raises the error naming the file and
    the line (found by decoding the text file line by line, :func:`schedkit._files.text_lines`);
    returns for any other failure."""
    if "utf8" not in str(exc).lower() or path.suffix in (".parquet", ".arrow", ".feather", ".ipc"):
        return
    for _ in text_lines(path, "path"):
        pass


def _google_task_events(
    path: Path, err: _Errors, machine_cpus: float, machine_memory: float
) -> Iterator[pa.RecordBatch]:
    """Google 2011 task_events, streamed: job = job ID, user = user hash, submit = the job's
    first SUBMIT, duration = FINISH - last SCHEDULE (tasks that never FINISH are left out),
    cpu/memory = requests (fractions of the largest machine) times the machine size,
    priority = priority. Times in µs are converted to seconds. Memory holds the tasks
    scheduled and not finished yet and one submit time per job, not the file."""
    sched: dict[tuple[int, int], float] = {}
    first_submit: dict[int, float] = {}
    read = pacsv.ReadOptions(column_names=_GOOGLE_TE_COLS, block_size=1 << 22)
    conv = pacsv.ConvertOptions(column_types={n: pa.string() for n in _GOOGLE_TE_COLS}, strings_can_be_null=True)
    try:
        if path.suffix == ".gz":
            import gzip

            with gzip.open(path, "rb") as fh:
                yield from _te_batches(
                    pacsv.open_csv(fh, read_options=read, convert_options=conv),
                    err,
                    sched,
                    first_submit,
                    machine_cpus,
                    machine_memory,
                )
        else:
            reader = pacsv.open_csv(path, read_options=read, convert_options=conv)
            yield from _te_batches(reader, err, sched, first_submit, machine_cpus, machine_memory)
    except pa.ArrowInvalid as exc:
        _undecodable(path, exc)
        raise InvalidInstanceError(f"{path.name}: malformed file: {exc}", field="file") from None


def _te_batches(
    reader: Iterable[pa.RecordBatch],
    err: _Errors,
    sched: dict[tuple[int, int], float],
    first_submit: dict[int, float],
    machine_cpus: float,
    machine_memory: float,
) -> Iterator[pa.RecordBatch]:
    row = 1
    for b in reader:
        rows = np.arange(row, row + b.num_rows)
        row += b.num_rows
        c = {n: b.column(i) for i, n in enumerate(_GOOGLE_TE_COLS)}
        t, ok1 = _num(c["time"], "time", rows, err, integer=True)
        job, ok2 = _num(c["job_id"], "job_id", rows, err, integer=True)
        task, ok3 = _num(c["task_index"], "task_index", rows, err, integer=True)
        ev, ok4 = _num(c["event"], "event_type", rows, err, integer=True)
        cpu, ok5 = _num(c["cpu"], "cpu_request", rows, err, optional=True)
        mem, ok6 = _num(c["memory"], "memory_request", rows, err, optional=True)
        pri, ok7 = _num(c["priority"], "priority", rows, err, integer=True, optional=True)
        user_col = pc.utf8_trim_whitespace(c["user"])
        no_user = _isnull(user_col) | np.asarray(
            pc.fill_null(pc.equal(user_col, ""), True).to_numpy(zero_copy_only=False), dtype=bool
        )
        ok = ok1 & ok2 & ok3 & ok4 & ok5 & ok6 & ok7
        # only a FINISH makes a task row; a FINISH without a user cannot be placed
        err.bad(rows[ok & no_user & (ev == 4)], "user", "missing (a task's user is required)")
        ok &= ~(no_user & (ev == 4))
        users = user_col.to_pylist()
        out: dict[str, list[Any]] = {n: [] for n in SCHEMA.names}
        for i in np.flatnonzero(ok & ((ev == 0) | (ev == 1) | (ev == 4))):
            key = (int(job[i]), int(task[i]))
            ts = t[i] / 1e6
            e = ev[i]
            if e == 0:
                first_submit.setdefault(key[0], ts)
            elif e == 1:
                sched[key] = ts
            elif key in sched:
                d = ts - sched[key]
                if d < 0:
                    err.bad(np.array([rows[i]]), "time", "FINISH before SCHEDULE")
                    continue
                del sched[key]
                out["job_id"].append(key[0])
                out["user"].append(users[i])
                out["submit_time"].append(first_submit.get(key[0], ts - d))
                out["task_id"].append(key[1])
                out["duration"].append(d)
                out["cpu"].append(float(cpu[i]) * machine_cpus)
                out["memory"].append(float(mem[i]) * machine_memory)
                out["priority"].append(0 if np.isnan(pri[i]) else int(pri[i]))
                out["stage"].append(0)  # task_events carry no stages
        yield pa.RecordBatch.from_pydict(out, schema=SCHEMA)


def read(
    path: str | Path,
    *,
    format: str | None = None,
    errors: str = "raise",
    users: int = 16,
    seed: int = 0,
    machine_cpus: float = MACHINE_CPUS,
    machine_memory: float = MACHINE_MEMORY,
    allow_empty: bool = False,
) -> pa.Table:
    """Reads a trace file into a :class:`pyarrow.Table` in :data:`SCHEMA`.

    Parameters
    ----------
    path : str or pathlib.Path
        The trace file.
    format : str, optional
        One of :data:`FORMATS`; None (default) sniffs it from the suffix or the CSV header
        (``.parquet``, ``.arrow``/``.feather``; a CSV with ``workflow_id,ts_submit`` is Google
        WTA, with ``task_create_time`` Alibaba v2017, with ``job_id``...``duration``
        canonical). Headerless ``google_task_events`` and ``alibaba_v2018`` need ``format=``.
    errors : {"raise", "skip"}
        What a malformed row does: raise (default), or be dropped, counted, warned about
        once and recorded in the schema metadata (``b"schedkit.skipped_rows"``).
    users, seed : int
        The user rule for traces without users (Alibaba), see :func:`assign_users`.
    machine_cpus, machine_memory : float
        The machine a source's normalised requests are fractions of (Google 2011: 1.0 = the
        largest machine; Alibaba ``plan_mem``: percent of a machine's memory): cores and
        bytes, default :data:`MACHINE_CPUS` (32) and :data:`MACHINE_MEMORY` (128 GiB), an
        assumption (the traces do not publish the sizes).
    allow_empty : bool
        Return an empty table for a file without task rows instead of raising.

    Returns
    -------
    pyarrow.Table
        In :data:`SCHEMA` plus any extra columns of a canonical source.

    Raises
    ------
    InvalidInstanceError
        The file is missing, its format unknown, or a row malformed (``errors="raise"``);
        ``field`` and ``index`` (the 1-based data-row number) say where.

    Notes
    -----
    Alibaba tasks whose status is not ``Terminated`` are unfinished and left out by design
    (not counted as malformed).

    Examples
    --------
    >>> import schedkit as sk
    >>> sk.trace.read(sk.trace.bundled("google2011_wta_500s_homo.csv")).num_rows
    6418
    """
    err = _Errors(errors, Path(path).name)
    try:
        batches = list(
            iter_batches(
                path,
                format=format,
                errors=errors,
                users=users,
                seed=seed,
                machine_cpus=machine_cpus,
                machine_memory=machine_memory,
                _err=err,
            )
        )
    except InvalidInstanceError as exc:
        if allow_empty and "empty file" in str(exc):
            return SCHEMA.empty_table()
        raise
    table = pa.Table.from_batches(batches) if batches else SCHEMA.empty_table()
    err.finish()
    if table.num_rows == 0 and not allow_empty:
        skipped = f" ({err.count} malformed rows skipped)" if err.count else ""
        raise InvalidInstanceError(
            f"{Path(path).name}: no task rows{skipped}; pass allow_empty=True to accept an empty trace", field="path"
        )
    meta = dict(table.schema.metadata or {})
    meta[b"schedkit.skipped_rows"] = str(err.count).encode()
    return table.replace_schema_metadata(meta)
