"""schedkit: fast, validated scheduling algorithms with a Rust core.

Areas are submodules: ``tardiness`` (single-machine total tardiness), ``dag`` (heterogeneous
DAG scheduling), ``flowtime`` (online preemptive flow time), ``fair`` and ``trace``
(multi-user cluster replay), ``packing`` (pods onto nodes), ``batch`` (many candidate
schedules at once, CPU or GPU); ``sweep`` runs many runs of any area on threads, processes,
Ray or Dask.
"""

from __future__ import annotations

from schedkit import batch, dag, data, exceptions, fair, flowtime, packing, sweep, tardiness, trace
from schedkit._core import __version__

__all__ = [
    "__version__",
    "batch",
    "dag",
    "data",
    "exceptions",
    "fair",
    "flowtime",
    "packing",
    "sweep",
    "tardiness",
    "trace",
]
