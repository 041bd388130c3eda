"""``schedkit.sweep.run``: check the runs, skip those already in the output folder, cut the rest
into chunks that share their inputs, compute them on a backend, write each finished run,
return one table."""

from __future__ import annotations

import heapq
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from schedkit._arrays import bool_arg
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._area import error_text
from schedkit.sweep._backends import check_backend, open_engine
from schedkit.sweep._exec import Item, Record, group_key
from schedkit.sweep._spec import Run, absolute_files, prepare
from schedkit.sweep._table import Row, build, read_parts, write_index, write_part

__all__ = ["plan", "run"]

#: ``progress(done, total, failed, seconds)`` after each finished chunk.
ProgressFn = Callable[[int, int, int, float], None]


def plan(items: list[Item], slots: int) -> list[list[Item]]:
    """Chunks of runs: one per group of runs sharing an input, the largest halved until there
    are at least ``slots`` chunks (or every chunk is one run), so every worker has work and a
    worker reads each input about once.

    Examples
    --------
    >>> items = [Item(str(i), "dag", {"algorithm": a, "tasks": 20}, 5) for i, a in enumerate(["heft", "cpop", "peft"])]
    >>> [len(c) for c in plan(items, 1)], [len(c) for c in plan(items, 2)], [len(c) for c in plan(items, 8)]
    ([3], [2, 1], [1, 1, 1])
    """
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault(group_key(item), []).append(item)
    # max-heap by size; ties by first appearance so the plan is deterministic
    heap = [(-len(g), k, g) for k, g in enumerate(groups.values())]
    heapq.heapify(heap)
    order = len(heap)
    while len(heap) < slots and heap and -heap[0][0] > 1:
        _, k, g = heapq.heappop(heap)
        half = (len(g) + 1) // 2
        heapq.heappush(heap, (-half, k, g[:half]))
        heapq.heappush(heap, (-(len(g) - half), order, g[half:]))
        order += 1
    return [g for _, _, g in sorted(heap, key=lambda e: e[1])]


class _Line:
    """The progress line on stderr: runs done/total, failures, ETA; redrawn in place."""

    def __init__(self, total: int, reused: int, backend: str) -> None:
        self.total, self.reused, self.backend = total, reused, backend
        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int, failed: int, seconds: float) -> None:
        fresh = done - self.reused
        left = total - done
        eta = f", ETA {seconds / fresh * left:,.0f} s" if fresh and left else ""
        end = "\n" if left == 0 else ""
        sys.stderr.write(f"\rsweep ({self.backend}): {done:,}/{total:,} runs, {failed:,} failed{eta}\033[K{end}")
        sys.stderr.flush()


def _out_folder(out: Any) -> Path | None:
    if out is None:
        return None
    if not isinstance(out, (str, os.PathLike)) or not os.fsdecode(out) or "\x00" in os.fsdecode(out):
        raise InvalidInstanceError(f"out: expected a folder path, got {out!r:.60}", field="out")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InvalidInstanceError(f"out: {folder} is a file, not a folder", field="out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # no such parent on a read-only tree, no permission, ...
        raise InvalidInstanceError(f"out: cannot make folder {folder}: {exc.strerror}", field="out") from None
    return folder


def _row(r: Run, record: Record) -> Row:
    return {
        "run": r.key,
        "area": r.area,
        "params": r.params,
        "run_seed": r.seed,
        "metrics": record.metrics,
        "wall_time_s": record.seconds,
        "error": record.error,
    }


def run(
    runs: Iterable[Mapping[str, Any]],
    *,
    backend: str = "local",
    workers: int | None = None,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    address: str | None = None,
    progress: bool | ProgressFn | None = None,
) -> pa.Table:
    """Runs every run of a sweep and returns one table.

    Parameters
    ----------
    runs : list of mappings, or a grid
        Each with an ``area`` (:data:`AREAS`) and that area's parameters; :func:`grid` builds
        them. Names match case-insensitively.
    backend : str
        One of :data:`BACKENDS`: ``"local"`` (threads), ``"processes"``, ``"ray"``, ``"dask"``.
    workers : int, optional
        Runs (chunks of runs sharing an input) computed at once: the threads or processes
        (default: the CPUs available here); on Ray and Dask the tasks in flight, and the size
        of the local Ray instance or Dask cluster started for the sweep (default: the CPUs
        available here; on a running cluster: all its CPUs / worker threads).
    out : str or path, optional
        A folder: each finished run is written there as its own Parquet part, named by its
        key. Runs already there (not failed) are read back instead of computed, so a
        rerun computes only the missing or failed runs; :func:`load` reads the folder.
    seed : int
        The sweep seed. Each run's seed (column ``run_seed``) is derived from it, the area,
        the run's instance parameters and its ``seed`` parameter (the replicate), so a run's
        result depends on neither the backend, the worker count nor the order, and every
        policy compared on one instance sees the same random draws.
    address : str, optional
        Ray: the cluster to connect to (``"auto"``, ``"ray://host:10001"``) when ``ray.init``
        has not been called. Dask: the scheduler (``"tcp://host:8786"``) to connect to
        instead of the default client.
    progress : bool or callable, optional
        A progress line on stderr (runs done/total, failures, ETA); default: when stderr is
        a terminal. A callable gets ``(done, total, failed, seconds)`` after each chunk.

    Returns
    -------
    pyarrow.Table
        One row per run in the order given: ``run`` (key), ``area``, the parameters given,
        ``run_seed``, the area's metrics as flat columns, ``wall_time_s`` and ``error`` (the
        exception of a run that failed, else null; the sweep goes on). Schema metadata
        ``schedkit.sweep.computed`` / ``reused`` count the runs computed now / read from
        ``out``; ``schedkit.sweep.workers`` is the runs the backend computed at once.

    Raises
    ------
    InvalidInstanceError
        Bad runs (see :func:`grid`), an unknown backend, a bad ``workers`` or ``out``, a
        malformed ``address``, or no Dask scheduler answering at it within
        ``DASK_CONNECT_TIMEOUT_S`` (10 s).
    SolverUnavailableError
        The ``ray`` or ``dask`` backend without its package; the message names the extra.

    Notes
    -----
    With ``processes`` (and a local Dask cluster) the workers are spawned: a script that
    starts a sweep must guard it with ``if __name__ == "__main__":``, as
    :mod:`multiprocessing` requires. Ray and Dask workers import schedkit themselves: install
    it on every node. Runs travel as parameters and file paths: a file must be readable at
    the same path on the workers (or be a bundled file's name).

    Examples
    --------
    >>> import schedkit as sk
    >>> runs = sk.sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=50, seed=range(2))
    >>> t = sk.sweep.run(runs, workers=2)
    >>> t.num_rows, t.column("error").null_count
    (4, 4)
    >>> t.select(["algorithm", "seed", "makespan"]).num_columns
    3
    """
    checked = prepare(runs, seed)
    name, requested = check_backend(backend, workers, address)
    folder = _out_folder(out)
    done: dict[str, Row] = {}
    if folder is not None:
        cached = read_parts(folder, (r.key for r in checked))
        done = {k: row for k, row in cached.items() if row.get("error") is None}
        write_index(folder, (r.key for r in checked))
    reused = len(done)
    todo = {r.key: r for r in checked if r.key not in done}
    show: ProgressFn | None
    if progress is not None and not callable(progress):
        progress = bool_arg(progress, "progress")
    if callable(progress):
        show = progress
    elif progress or (progress is None and sys.stderr.isatty()):
        show = _Line(len(checked), reused, name)
    else:
        show = None
    failed = 0
    slots = requested  # what the engine ran at once; the request when nothing had to run
    if show is not None:
        show(reused, len(checked), 0, 0.0)
    if todo:  # a finished sweep starts no engine
        with open_engine(name, workers, address) as engine:
            items = [Item(r.key, r.area, absolute_files(r.area, r.params), r.seed) for r in todo.values()]
            slots = engine.slots
            t0 = time.perf_counter()
            for chunk, outcome in engine.results(plan(items, engine.slots)):
                if isinstance(outcome, BaseException):  # the chunk was lost: each of its runs failed
                    records = [Record(it.key, None, f"{name} backend: {error_text(outcome)}", 0.0) for it in chunk]
                else:
                    records = outcome
                for record in records:
                    row = _row(todo[record.key], record)
                    done[record.key] = row
                    failed += row["error"] is not None
                    if folder is not None:
                        write_part(folder, row)
                if show is not None:
                    show(len(done), len(checked), failed, time.perf_counter() - t0)
    return build(
        [done[r.key] for r in checked],
        {
            "backend": name,
            "workers": slots,
            "seed": int(seed),
            "computed": len(todo),
            "reused": reused,
            "failed": failed,
        },
    )
