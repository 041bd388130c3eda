"""The independent checker of a flow-time schedule (``Result.validate()`` calls it).

Written separately from the Rust simulator and from the result types: it takes plain arrays
(the jobs in Arrow's list layout, the completions and, when present, the event log's columns)
and recomputes everything with NumPy, job sizes included. Checks:

- every finished job: completion finite and >= release + size;
- one machine, all finished: the last completion equals the end of the busy period computed
  from releases and sizes alone (a work-conserving schedule cannot end earlier or later);
- with an event log:
  * rows: a release and a reveal of operation 0 at each job's release, one op_complete per
    operation, one complete at the job's completion time;
  * information hygiene: operation i + 1 is revealed exactly when operation i completes,
    with its true size, and no run of an operation starts before its reveal or ends after
    its completion;
  * each operation receives exactly its size (Σ rate x length);
  * a job's runs never overlap and have rate in (0, 1]; the total rate is <= m;
  * work conservation: on every interval between consecutive event times, the total rate
    equals min(m, number of released, uncompleted jobs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

import numpy as np

from schedkit.exceptions import ValidationError

RTOL = 1e-7
#: Columns of an event log, as ``check_schedule`` takes them.
LOG_COLUMNS = ("time", "end", "kind", "job", "op", "value")


def _fail(label: str, msg: str) -> NoReturn:
    raise ValidationError(f"flowtime {label}: {msg}")


def _close(a: np.ndarray, b: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    return np.abs(a - b) <= RTOL * np.maximum(1.0, np.abs(scale))


def check_schedule(
    release: np.ndarray,
    offsets: np.ndarray,
    values: np.ndarray,
    completion: np.ndarray,
    *,
    machines: int,
    finished: bool,
    log: Mapping[str, np.ndarray] | None = None,
    label: str = "schedule",
) -> None:
    """Checks a schedule of jobs on ``machines`` identical machines; raises on the first fault.

    Parameters
    ----------
    release : ndarray of float64, shape (n,)
    offsets : ndarray of int64, shape (n + 1,)
        Job j's operations are ``values[offsets[j]:offsets[j + 1]]``.
    values : ndarray of float64
        Every operation size, job after job.
    completion : ndarray of float64, shape (n,)
        C_j per job, NaN for a job left unfinished.
    machines : int
    finished : bool
        Whether the simulation ran to the end (every job must then have a completion).
    log : mapping of str to ndarray, optional
        The event log's columns :data:`LOG_COLUMNS`, ``kind`` as the kind names (strings).
    label : str
        Names the schedule in the error message.

    Raises
    ------
    ValidationError
        If a check fails.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    rel = np.asarray(release, dtype=np.float64)
    n = rel.shape[0]
    c = np.asarray(completion, dtype=np.float64)
    if c.shape != (n,):
        _fail(label, f"completion has shape {c.shape}, expected ({n},)")
    if offsets.shape != (n + 1,) or offsets[0] != 0 or offsets[-1] != values.shape[0]:
        _fail(label, f"offsets of shape {offsets.shape} do not describe {n} jobs over {values.shape[0]} operations")
    done = ~np.isnan(c)
    if finished and not done.all():
        _fail(label, f"finished but job {int(np.flatnonzero(~done)[0])} has no completion")
    nops = np.diff(offsets)
    # Sizes recomputed here rather than taken from the simulator's instance.
    size = np.bincount(np.repeat(np.arange(n), nops), weights=values, minlength=n) if n else np.zeros(0)
    floor = rel + size
    bad = np.flatnonzero(done & ~((c >= floor) | _close(c, floor, floor)))
    if bad.size:
        j = int(bad[0])
        _fail(label, f"job {j} completes at {c[j]} before release + size = {floor[j]}")
    if not np.all(np.isfinite(c[done])):
        _fail(label, "a completion time is infinite")
    if machines == 1 and finished and n:
        order = np.argsort(rel, kind="stable")
        t = 0.0
        for rj, pj in zip(rel[order].tolist(), size[order].tolist(), strict=True):
            t = max(t, rj) + pj
        last = float(c.max())
        if not _close(np.array(last), np.array(t), t):
            _fail(label, f"last completion {last} != busy-period end {t}: the machine idled or overlapped work")
    if log is not None:
        _check_log(label, rel, offsets, values, c, done, machines, finished, log)


def _check_log(
    label: str,
    release: np.ndarray,
    offsets: np.ndarray,
    values: np.ndarray,
    c: np.ndarray,
    done: np.ndarray,
    m: int,
    finished: bool,
    log: Mapping[str, np.ndarray],
) -> None:
    n = release.shape[0]
    missing = [k for k in LOG_COLUMNS if k not in log]
    if missing:
        _fail(label, f"event log lacks the columns {missing}")
    names = np.asarray(log["kind"], dtype=object)
    t = np.asarray(log["time"], dtype=np.float64)
    end = np.asarray(log["end"], dtype=np.float64)
    job = np.asarray(log["job"]).astype(np.int64)
    op = np.asarray(log["op"]).astype(np.int64)
    val = np.asarray(log["value"], dtype=np.float64)
    if names.size and (job.min() < 0 or job.max() >= n):
        _fail(label, "event log names a job outside 0..n-1")
    nops = np.diff(offsets)
    if names.size and (op.min() < 0 or np.any(op >= nops[job])):
        _fail(label, "event log names an operation outside the job's operations")
    flat = offsets[job] + op  # global operation index of each row

    def rows(kind: str) -> np.ndarray:
        return np.flatnonzero(names == kind)

    rel_rows, rev_rows, run_rows = rows("release"), rows("reveal"), rows("run")
    opc_rows, cmp_rows = rows("op_complete"), rows("complete")
    total_ops = int(offsets[-1])
    finished_ops = done[np.repeat(np.arange(n), nops)] if n else np.zeros(0, bool)

    # Releases: one per released job, at its release time.
    if np.unique(job[rel_rows]).size != rel_rows.size:
        _fail(label, "a job is released twice")
    if not np.all(t[rel_rows] == release[job[rel_rows]]):
        _fail(label, "a release row is not at the job's release time")
    if finished and rel_rows.size != n:
        _fail(label, f"{rel_rows.size} release rows for {n} jobs")

    # Operation completions: at most one per operation; all of them for finished jobs.
    opc_time = np.full(total_ops, np.nan)
    if np.unique(flat[opc_rows]).size != opc_rows.size:
        _fail(label, "an operation completes twice")
    opc_time[flat[opc_rows]] = t[opc_rows]
    if np.any(np.isnan(opc_time[finished_ops])):
        _fail(label, "a finished job has an operation without op_complete")
    last_op = offsets[1:] - 1
    if np.any(opc_time[last_op[done]] != c[done]):
        _fail(label, "a job's completion differs from its last operation's completion")
    if np.unique(job[cmp_rows]).size != cmp_rows.size or not np.all(t[cmp_rows] == c[job[cmp_rows]]):
        _fail(label, "complete rows disagree with the completion times")
    if cmp_rows.size != int(done.sum()):
        _fail(label, f"{cmp_rows.size} complete rows for {int(done.sum())} finished jobs")

    # Reveals (information hygiene): op 0 at release, op i+1 exactly at op i's completion,
    # with the true size; nothing revealed twice.
    if np.unique(flat[rev_rows]).size != rev_rows.size:
        _fail(label, "an operation is revealed twice")
    rev_time = np.full(total_ops, np.nan)
    rev_time[flat[rev_rows]] = t[rev_rows]
    if not np.all(val[rev_rows] == values[flat[rev_rows]]):
        _fail(label, "a reveal row shows a size other than the operation's")
    first = rev_rows[op[rev_rows] == 0]
    if not np.all(t[first] == release[job[first]]):
        _fail(label, "a first operation is revealed at a time other than its job's release")
    later = rev_rows[op[rev_rows] > 0]
    prev_done = opc_time[flat[later] - 1]
    if not np.all(t[later] == prev_done):
        k = later[np.flatnonzero(t[later] != prev_done)[0]]
        _fail(
            label,
            f"job {job[k]} operation {op[k]} revealed at {t[k]}, but operation {op[k] - 1} completed at "
            f"{opc_time[flat[k] - 1]}: information leaked or withheld",
        )
    revealed_ops = ~np.isnan(rev_time)
    if np.any(~revealed_ops[flat[opc_rows]]):
        _fail(label, "an operation completed without being revealed")

    # Runs: inside [reveal, completion] of their operation, rate in (0, 1].
    rs, re_, rj, rf, rate = t[run_rows], end[run_rows], job[run_rows], flat[run_rows], val[run_rows]
    if np.any(~(re_ > rs)) or np.any(~((rate > 0) & (rate <= 1 + RTOL))):
        _fail(label, "a run has non-positive length or a rate outside (0, 1]")
    if np.any(np.isnan(rev_time[rf])) or np.any(rs < rev_time[rf]):
        _fail(label, "an operation runs before its size is revealed")
    stop = np.where(np.isnan(opc_time[rf]), np.inf, opc_time[rf])
    if np.any(re_ > stop):
        _fail(label, "an operation runs after it completed")
    work = np.zeros(total_ops)
    np.add.at(work, rf, (re_ - rs) * rate)
    fin = finished_ops
    if not np.all(_close(work[fin], values[fin], values[fin])):
        k = int(np.flatnonzero(fin & ~_close(work, values, values))[0])
        _fail(label, f"operation {k} (global index) received {work[k]}, its size is {values[k]}")
    if np.any(work > values * (1 + RTOL) + RTOL):
        _fail(label, "an operation received more than its size")

    # A job never runs on two machines at once: its runs do not overlap.
    order = np.lexsort((rs, rj))
    same = rj[order][1:] == rj[order][:-1]
    overlap = same & (rs[order][1:] < re_[order][:-1] - RTOL * np.maximum(1.0, np.abs(re_[order][:-1])))
    if np.any(overlap):
        _fail(label, f"job {int(rj[order][1:][overlap][0])} runs twice at the same time")

    # Capacity and work conservation on the elementary intervals between event times.
    if not finished or n == 0:
        return
    pts = np.unique(np.concatenate([rs, re_, release, c]))
    busy = np.zeros(pts.size + 1)
    np.add.at(busy, np.searchsorted(pts, rs), rate)
    np.add.at(busy, np.searchsorted(pts, re_), -rate)
    busy = np.cumsum(busy)[:-1]
    alive = np.zeros(pts.size + 1)
    np.add.at(alive, np.searchsorted(pts, release), 1)
    np.add.at(alive, np.searchsorted(pts, c), -1)
    alive = np.cumsum(alive)[:-1]
    length = np.diff(pts)
    scale = max(1.0, float(np.abs(pts).max()))
    real = length > 1e-9 * scale  # ignore float slivers between nearly equal event times
    b, a = busy[:-1][real], alive[:-1][real]
    if np.any(b > m + 1e-6):
        _fail(label, f"more than {m} machines busy")
    want = np.minimum(m, a)
    idle = np.abs(b - want) > 1e-6 * m
    if np.any(idle):
        k = int(np.flatnonzero(idle)[0])
        start = pts[:-1][real][k]
        _fail(
            label,
            f"at time {start}: busy {b[k]:.9g} machines but min(m, alive jobs) = {want[k]:g} (not work-conserving)",
        )
