"""Cluster traces in one canonical Arrow schema, and readers for public trace formats.

A trace is a :class:`pyarrow.Table` in :data:`SCHEMA`, one row per task:

=============  =======  ===================================================================
field          type     meaning
=============  =======  ===================================================================
job_id         int64    job identifier (unique within the trace)
user           string   user / tenant name (Alibaba: synthesised, see :func:`assign_users`)
submit_time    float64  job submission time of the task's job, seconds (any origin)
task_id        int64    task index within its job
duration       float64  run time of the task on one core, seconds (>= 0)
cpu            float64  cpu request, cores. Google 2011 gives a fraction of the largest
                        machine: times ``machine_cpus`` (default :data:`MACHINE_CPUS`);
                        Alibaba ``plan_cpu`` / 100. NaN when the source has none
memory         float64  memory request, bytes. Google 2011: a fraction of the largest machine
                        times ``machine_memory`` (default :data:`MACHINE_MEMORY`); Alibaba
                        ``plan_mem`` (percent of a machine) / 100 times ``machine_memory``.
                        NaN when the source has none
priority       int64    source priority (0 when the source has none)
stage          int64    stage id within the job (Spark stage / Alibaba task number);
                        0 when the source has none
=============  =======  ===================================================================

Optional column ``parents`` (list<int64>): ids of the stages of the same job this stage
waits for; when the column is absent or null a stage waits for every lower-numbered stage of
its job (a chain). Stages are numbered in topological order: every parent id must be below
the row's stage id, and readers report a row that breaks this as malformed. A canonical CSV
may give ``parents`` as ids separated by ``;`` (``"3;4"``); there an empty cell means no
parents, since CSV cannot tell an empty cell from a missing one. The Alibaba v2018 reader
derives ``stage`` and ``parents`` from ``task_name`` (``J3_1_2``: stage 3 waits for 1 and 2);
its non-DAG tasks (``task_<base64>``) are stage 0 with null parents.

Optional column ``pool`` (string): the Spark FAIR pool of the job (its first row's), as a
Spark job names it with ``spark.scheduler.pool``; null falls back to the user's pool.

Optional column ``estimate`` (float64, core-seconds): the job's work as its scheduler is told
it (its first row's), e.g. a user's requested runtime times the cores requested, as HPC
workload logs record it, or a benchmark's own job estimate. The policies that read an
estimate (CFQ, UWFQ, and runtime partitioning) read it in place of the executed work, which
the tasks' durations still give; the oracle SJF keeps ordering by the true work.
``estimate="noisy"`` multiplies it by the job's factor; ``"historic"`` refuses it. Every
value must be finite and > 0: a row that is not is malformed.

The machine sizes are an assumption: the Google 2011 and Alibaba traces normalise requests
to a machine whose size they do not publish. A replay states the sizes it used in its header.

Other extra columns of canonical inputs are carried through untouched.

Readers stream record batches (:func:`iter_batches`), so a trace larger than memory can be
converted or replayed batch by batch; :func:`ordered_jobs` turns a table or a file into the
stream of whole jobs in submission order that a replay consumes (sorted out of core when the
file is large).

A malformed row (unparseable number, missing value, negative duration, ...) is reported with
its 1-based data-row number; ``errors="raise"`` (default) raises
:class:`~schedkit.exceptions.InvalidInstanceError` with ``field`` and ``index`` = the row
number, ``errors="skip"`` drops the row, counts it, warns once per read with the count and the
first row numbers, and records the count in the table's schema metadata
(``b"schedkit.skipped_rows"``); :func:`iter_batches` warns the same way when the file has
been read. Nothing is dropped silently. An empty file, or one without task rows, is an error
(``read(..., allow_empty=True)`` accepts it).

Examples
--------
>>> import schedkit as sk
>>> t = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
>>> t.num_rows, t.schema.names[:3]
(824, ['job_id', 'user', 'submit_time'])
"""

from __future__ import annotations

from schedkit.trace._build import from_jobs
from schedkit.trace._io import FORMATS, MACHINE_CPUS, MACHINE_MEMORY, bundled, iter_batches, read
from schedkit.trace._model import PARENTS_TYPE, SCHEMA, assign_users
from schedkit.trace._order import ORDERED_COLUMNS, ordered_jobs

__all__ = [
    "SCHEMA",
    "PARENTS_TYPE",
    "FORMATS",
    "MACHINE_CPUS",
    "MACHINE_MEMORY",
    "ORDERED_COLUMNS",
    "read",
    "iter_batches",
    "bundled",
    "assign_users",
    "from_jobs",
    "ordered_jobs",
]
