"""Reading jobs from files: Parquet, Arrow IPC/Feather, CSV (``Jobs.to_arrow`` writes the first two)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

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
        Unknown extension, missing columns, or invalid values.

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
    p = Path(path)
    suffix = p.suffix.lower()
    # Format modules load only for the format asked for: parquet in particular is slow to import.
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
