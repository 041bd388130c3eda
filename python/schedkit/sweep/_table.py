"""A sweep's result as one Arrow table, and its output folder of Parquet parts.

Columns: ``run`` (the run's key), ``area``, the parameters given (in order of first
appearance; a list or mapping value as its JSON text), ``run_seed`` (the seed passed to the
area), the metrics (flat, in order of first appearance; null where a run has none),
``wall_time_s`` and ``error`` (null for a run that succeeded).

Output folder: one Parquet part per finished run, ``<key>.parquet``, each a one-row table in
the same layout whose schema metadata also holds the run's record as JSON, so a resumed sweep
rebuilds exactly the table a fresh one would. ``_sweep.json`` lists the keys of the last
sweep in its order (for :func:`load`). Names starting with ``_`` or ``.`` are skipped by
Parquet dataset readers, so ``pyarrow.dataset`` reads the folder's parts as well.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from schedkit.exceptions import InvalidInstanceError

__all__ = ["build", "load", "read_parts", "write_index", "write_part"]

#: Schema metadata key holding a part's record.
RECORD_KEY = b"schedkit.sweep.record"
#: The file listing the last sweep's keys in order.
INDEX = "_sweep.json"
FIXED = ("run", "area", "run_seed", "wall_time_s", "error")

Row = dict[str, Any]


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return value


def _column(values: list[Any]) -> pa.Array:
    """Values of one column: native Arrow types where they agree, else JSON text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array(
            [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values], pa.string()
        )


def build(rows: Sequence[Row], metadata: Mapping[str, Any] | None = None) -> pa.Table:
    """The table of ``rows`` (records as :func:`schedkit.sweep.run` keeps them).

    Examples
    --------
    >>> row = {"run": "ab", "area": "dag", "params": {"tasks": 5, "processors": [1, 2]},
    ...        "run_seed": 3, "metrics": {"makespan": 2.0}, "wall_time_s": 0.1, "error": None}
    >>> build([row]).column_names
    ['run', 'area', 'tasks', 'processors', 'run_seed', 'makespan', 'wall_time_s', 'error']
    >>> build([row]).column("processors").to_pylist()
    ['[1, 2]']
    """
    params: dict[str, None] = {}
    metrics: dict[str, None] = {}
    for r in rows:
        params.update(dict.fromkeys(r["params"]))
        metrics.update(dict.fromkeys(r["metrics"] or {}))
    clash = (set(params) | set(FIXED)) & set(metrics)
    # A metric never shadows a parameter: the adapters name them apart; should one slip
    # through, the metric is suffixed rather than lost.
    rename = {m: f"{m}_result" for m in clash}
    columns: dict[str, pa.Array] = {
        "run": pa.array([r["run"] for r in rows], pa.string()),
        "area": pa.array([r["area"] for r in rows], pa.string()),
    }
    for name in params:
        if name in FIXED:
            continue
        columns[name] = _column([_cell(r["params"].get(name)) for r in rows])
    columns["run_seed"] = pa.array([r["run_seed"] for r in rows], pa.int64())
    for name in metrics:
        columns[rename.get(name, name)] = _column([(r["metrics"] or {}).get(name) for r in rows])
    columns["wall_time_s"] = pa.array([r["wall_time_s"] for r in rows], pa.float64())
    columns["error"] = pa.array([r["error"] for r in rows], pa.string())
    meta = {f"schedkit.sweep.{k}": json.dumps(v) for k, v in (metadata or {}).items()}
    return pa.table(columns).replace_schema_metadata(meta or None)


def _record_text(row: Row) -> str:
    # insertion order kept: it is the order of the metric columns
    return json.dumps(row, allow_nan=True)


def write_part(folder: Path, row: Row) -> Path:
    """Writes one finished run as ``<key>.parquet`` (atomically: a crash leaves no half part)."""
    table = build([row])
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), RECORD_KEY: _record_text(row).encode()})
    final = folder / f"{row['run']}.parquet"
    tmp = folder / f".{row['run']}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, final)
    return final


def write_index(folder: Path, keys: Iterable[str]) -> None:
    """Records the order of the sweep's runs (for :func:`load`)."""
    tmp = folder / f".{INDEX}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(list(keys)), encoding="utf-8")
    os.replace(tmp, folder / INDEX)


def read_parts(folder: Path, keys: Iterable[str] | None = None) -> dict[str, Row]:
    """The records of the parts in ``folder`` (only those in ``keys`` when given), by key.

    A part that cannot be read (cut short, not one of ours) is an error naming the file.
    """
    wanted = None if keys is None else set(keys)
    out: dict[str, Row] = {}
    for path in sorted(folder.glob("*.parquet")):
        key = path.stem
        if wanted is not None and key not in wanted:
            continue
        try:
            meta = pq.read_schema(path).metadata or {}
            out[key] = json.loads(meta[RECORD_KEY])
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            raise InvalidInstanceError(
                f"out: {path} is not a sweep part ({type(exc).__name__}: {exc}); remove it to recompute the run",
                field="out",
            ) from None
    return out


def load(folder: str | os.PathLike[str]) -> pa.Table:
    """Reads a sweep's output folder back as one table.

    Parameters
    ----------
    folder : str or path
        The ``out`` folder of :func:`schedkit.sweep.run`.

    Returns
    -------
    pyarrow.Table
        Every finished run (failed ones included, with their ``error``), in the order of the
        last sweep run into the folder, then any other parts by key; the layout of
        :func:`schedkit.sweep.run`'s table.

    Raises
    ------
    InvalidInstanceError
        No such folder, no parts in it, or a file in it that is not a part.

    Examples
    --------
    >>> import schedkit as sk, tempfile
    >>> out = tempfile.mkdtemp()
    >>> t = sk.sweep.run(sk.sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=30), out=out)
    >>> sk.sweep.load(out).drop_columns(["wall_time_s"]).equals(t.drop_columns(["wall_time_s"]))
    True
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise InvalidInstanceError(f"out: expected a folder path, got {folder!r}", field="out")
    p = Path(folder)
    if not p.is_dir():
        raise InvalidInstanceError(f"out: no such folder: {p}", field="out")
    records = read_parts(p)
    if not records:
        raise InvalidInstanceError(f"out: {p} holds no sweep parts", field="out")
    order: list[str] = []
    index = p / INDEX
    if index.is_file():
        order = [k for k in json.loads(index.read_text(encoding="utf-8")) if k in records]
    seen = set(order)
    order += [k for k in sorted(records) if k not in seen]
    return build([records[k] for k in order])
