"""Online preemptive flow-time scheduling, with gradually revealed jobs.

Job j is released at r_j with weight w_j and a sequence of operations p_j1, ..., p_jk (k may
differ per job; one operation is the classical model), processed in order. m identical
machines (1 by default), preemption and migration allowed, a job runs on at most one machine
at a time. The objective is the total flow time Σ (C_j - r_j), or Σ w_j (C_j - r_j).

Information hygiene is part of the contract: a policy sees the size of an operation only once
the previous one has completed, never the number of operations unless the variant says so
(``known_count=True``), and never the future. The Rust simulator enforces this: a policy only
ever receives a view built for its information class (see :class:`PolicyView`).

Policies (``simulate(jobs, policy=...)``, the CLI and :data:`POLICIES`), all simulated
exactly by events, processor sharing by rates between events:

- clairvoyant: ``srpt``, ``spt`` (non-preemptive), ``hdf`` (``remaining=True``: weighted SRPT);
- non-clairvoyant: ``fcfs``, ``rr`` (processor sharing), ``setf`` (the least attained
  service runs, water-filled over the machines), ``laps`` (``beta``: the
  ``max(ceil(beta n), min(m, n))`` latest-released of the n alive jobs share the m machines,
  so none idles while a job waits; ``beta=1`` is ``rr``), ``mlf`` (doubling thresholds, ``base``);
- gradually revealed: ``op_srpt`` (operation-level SRPT), ``chunk`` (virtual chunks, our own
  rule: ``gamma``, ``c``, ``known_count``);
- estimates (robust setting): ``sprpt`` (``variant`` = ``"plain"``, ``"clamped"``, ``"class"``);
- a Python callable returning priorities at events (the slow path).

Examples
--------
>>> import schedkit as sk
>>> jobs = sk.flowtime.Jobs(release=[0, 1, 2], operations=[[3], [1], [2]])
>>> r = sk.flowtime.simulate(jobs, policy="srpt")
>>> r.completion.tolist(), r.total_flow_time, r.lower_bound
([4.0, 2.0, 6.0], 9.0, 9.0)
>>> sk.flowtime.simulate(jobs, policy="rr").completion.tolist()
[5.5, 3.5, 6.0]
>>> two = sk.flowtime.Jobs([0, 0], [[1, 10], [2]])        # job 0: a short test, then 10
>>> sk.flowtime.simulate(two, policy="op_srpt").completion.tolist()
[13.0, 3.0]
"""

from __future__ import annotations

from schedkit.flowtime._engine import MAX_LOG_ROWS as MAX_LOG_ROWS
from schedkit.flowtime._gen import generate
from schedkit.flowtime._io import read_jobs
from schedkit.flowtime._model import LOG_KINDS as LOG_KINDS
from schedkit.flowtime._model import Jobs, Result
from schedkit.flowtime._plot import plot_ecdf
from schedkit.flowtime._policy import POLICIES, Policy, PolicyView, parse_policy
from schedkit.flowtime._simulate import compare, simulate

__all__ = [
    "Jobs",
    "Result",
    "Policy",
    "PolicyView",
    "POLICIES",
    "simulate",
    "compare",
    "generate",
    "read_jobs",
    "plot_ecdf",
    "parse_policy",
]
