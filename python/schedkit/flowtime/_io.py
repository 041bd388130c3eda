"""Reading jobs from files: Parquet, Arrow IPC/Feather, CSV (``Jobs.to_arrow`` writes the first two)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from schedkit._files import existing_file
from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime._model import Jobs


def read_jobs(path: str | Path, **columns: str) -> Jobs:
    """Reads jobs from a Parquet, Arrow IPC/Feather or CSV file.

    The table has one of the layouts of :meth:`Jobs.from_arrow`: one row per job with a list
    column of operation sizes, or one row per operation (what a CSV holds).

    Parameters
    ----------
    path : str or Path
        ``.parquet``/``.pq``, ``.arrow``/``.feather``/``.ipc`` or ``.csv``; the file's stem
        becomes :attr:`Jobs.name`.
    **columns : str
        Column names other than the defaults, as for :meth:`Jobs.from_arrow` (``release=``,
        ``weight=``, ...).

    Returns
    -------
    Jobs

    Raises
    ------
    InvalidInstanceError
        A missing file, an unknown extension, a file pyarrow cannot parse (bytes that are not
        UTF-8, a bad cell: the message names the file and pyarrow's row), no rows, missing
        columns, or invalid values.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from schedkit.flowtime import read_jobs
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = Path(tmp) / "ops.csv"
    ...     _ = csv.write_text("job_id,release,size\\n4,0.0,1.0\\n4,0.0,2.0\\n9,1.5,3.0\\n")
    ...     jobs = read_jobs(csv)
    >>> jobs, jobs.job_id.tolist(), jobs.operations(0).tolist()
    (<flowtime.Jobs 'ops' n=2 ops=3>, [4, 9], [1.0, 2.0])
    """
    p = Path(path) if isinstance(path, (str, Path)) else existing_file(path)
    suffix = p.suffix.lower()
    if suffix not in (".parquet", ".pq", ".arrow", ".feather", ".ipc", ".csv"):
        raise InvalidInstanceError(
            f"{p}: unknown extension {suffix!r}; expected .parquet, .arrow/.feather/.ipc or .csv", field="path"
        )
    p = existing_file(p)
    try:
        table = _read_table(p, suffix)
        table.column_names  # noqa: B018 - pyarrow keeps header bytes undecoded until asked
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        # pyarrow's own message says what and where (row, column, byte); the path says which file.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInstanceError(f"{p}: not a readable {suffix[1:]} job file: {first}", field="path") from None
    if table.num_rows == 0:
        raise InvalidInstanceError(f"{p}: no jobs (the file has no rows)", field="path")
    return Jobs.from_arrow(table, name=p.stem, **columns)


def _read_table(p: Path, suffix: str) -> pa.Table:
    """The whole table of ``p``; CSV is read batch by batch (the text is never held whole)."""
    # Format modules load only for the format asked for: parquet in particular is slow to import.
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return pq.read_table(p)
    if suffix in (".arrow", ".feather", ".ipc"):
        import pyarrow.feather as feather

        return feather.read_table(p)
    import pyarrow.csv as pcsv

    with pcsv.open_csv(p) as reader:
        return reader.read_all()
