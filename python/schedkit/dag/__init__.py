"""DAG list scheduling on heterogeneous processors: HEFT, CPOP, PEFT and baselines.

A :class:`TaskGraph` (tasks, edges with a data volume) runs on a :class:`Platform`: the time
of every task on every processor (an explicit cost matrix, the unrelated-machines model of the
HEFT paper, or work / speed) and links (communication of ``d`` from processor a to b != a takes
``latency[a] + d / bandwidth[a, b]``, 0 on the same processor). An algorithm returns a
:class:`Schedule` with the processor, start and finish of every task, its makespan, SLR, speedup
and efficiency, an independent ``validate()``, ``to_arrow()`` and a Gantt ``plot()``.

Algorithms (all deterministic; ``random`` is seeded):

- ``heft``: tasks by non-increasing upward rank, each on the processor of least insertion-based
  earliest finish time (Topcuoglu, Hariri & Wu, IEEE TPDS 2002);
- ``cpop``: critical-path tasks pinned to the processor that runs the whole path fastest, the
  rest by EFT, in priority order rank_u + rank_d (same paper);
- ``peft``: a ready list by rank_oct, processor by EFT + optimistic cost (Arabnejad &
  Barbosa, IEEE TPDS 2014);
- ``mct``, ``met``: tasks level by level on the processor of least completion / execution time;
- ``random``: a ready list with seeded random priorities, processor by EFT.

Ties: ranks within a relative 1e-9 are equal (so 79.99999999999999 and 80 tie) and go to the
task of lower level (fewer edges from an entry), then the lower id; equal finish times go to the
lowest processor index. Several entry or exit tasks behave like a zero-cost pseudo entry and exit.

Instances come from :func:`from_wfcommons`, :func:`from_stg`, :func:`from_networkx` or the
generator :func:`random_dag`; :class:`JobStream` and :func:`simulate_online` run jobs that arrive
over time on one platform. Options after the instance are keyword-only. Every instance and result
type is immutable, pickles and compares by value.

Examples
--------
The example of the HEFT paper (Topcuoglu et al. 2002, Fig. 2; edge labels are communication
times, bandwidth 1):

>>> import schedkit as sk
>>> W = [[14, 16, 9], [13, 19, 18], [11, 13, 19], [13, 8, 17], [12, 13, 10],
...      [13, 16, 9], [7, 15, 11], [5, 11, 14], [18, 12, 20], [21, 7, 16]]
>>> edges = [(0, 1, 18), (0, 2, 12), (0, 3, 9), (0, 4, 11), (0, 5, 14), (1, 7, 19), (1, 8, 16),
...          (2, 6, 23), (3, 7, 27), (3, 8, 23), (4, 8, 13), (5, 7, 15), (6, 9, 17), (7, 9, 11),
...          (8, 9, 13)]
>>> src, dst, data = zip(*edges)
>>> g = sk.dag.TaskGraph(src, dst, data, num_tasks=10)
>>> plat = sk.dag.Platform(cost=W)
>>> s = sk.dag.schedule(g, plat, algorithm="heft").validate()
>>> s.makespan, round(s.slr, 4), round(s.speedup, 4)
(80.0, 1.9512, 1.5875)
>>> sk.dag.schedule(g, plat, algorithm="cpop").makespan
86.0
"""

from schedkit.dag._gen import random_dag
from schedkit.dag._io import from_networkx, from_stg, from_wfcommons
from schedkit.dag._model import Platform, Schedule, TaskGraph
from schedkit.dag._online import ONLINE_POLICIES, JobStream, OnlineResult, simulate_online
from schedkit.dag._schedule import (
    ALGORITHMS,
    Algorithm,
    compare,
    cpop,
    critical_path,
    downward_rank,
    heft,
    lower_bound,
    mct,
    met,
    optimistic_cost_table,
    peft,
    random_priority,
    schedule,
    upward_rank,
)

__all__ = [
    "TaskGraph",
    "Platform",
    "Schedule",
    "schedule",
    "compare",
    "heft",
    "cpop",
    "peft",
    "mct",
    "met",
    "random_priority",
    "Algorithm",
    "ALGORITHMS",
    "upward_rank",
    "downward_rank",
    "optimistic_cost_table",
    "critical_path",
    "lower_bound",
    "random_dag",
    "from_networkx",
    "from_wfcommons",
    "from_stg",
    "JobStream",
    "OnlineResult",
    "simulate_online",
    "ONLINE_POLICIES",
]
