"""Multi-user cluster scheduling: replay traces and the UWFQ paper's scenarios through
Spark-style policies on an event-driven simulator (Rust).

Model
-----
``cores`` identical cores; a job is a DAG of stages (Spark's unit of scheduling, the trace's
``stage`` column; one stage when absent), a stage a bag of non-preemptive tasks, each on one
core for its duration. A stage becomes schedulable when its parent stages have finished
(``parents`` column; default: every lower-numbered stage of the job). After every single
event (one arrival, one task completion; at equal times completions first) the schedulable
stages are sorted once with the policy's comparator and the free cores are filled greedily in
that order (as Spark runs one ``TaskSchedulerImpl.resourceOffers`` round per status update or
job submission, consuming its sorted queue), so the dispatch is work-conserving; a stage made
ready by a later event at the same instant waits for that event's round, even under FIFO. Policies (:data:`POLICIES`):

``fifo``  Spark FIFO: job arrival order (Spark job id), then stage id.
``fair``  Spark FAIR. Without pools every job lands in the ``default`` pool (FIFO inside),
          which is FIFO in effect (the paper's "Fair" baseline; Spark >= 3.4 makes that pool
          FAIR inside when no allocation file is found: ``SparkOverheads.fair_default_pool``). Pools as Spark configures
          them: ``pool_config="fairscheduler.xml"`` or ``{name: {"schedulingMode",
          "weight", "minShare"}}``; a job's pool is its trace's ``pool`` column, else its
          user's (``pools={user: name}``), else ``default`` (see :class:`RunSpec`).
``ujf``   FAIR with one pool per user (weight 1, minShare 0, FAIR inside): user-job fair.
``cfq``   Cluster fair queuing, stage-level as in the authors' code: a stage's deadline is
          v(submission) + its estimated work, v advancing at C / (stages in the virtual
          system); earliest deadline first. Ignores users.
``uwfq``  User-weighted fair queuing (Kažemaks et al., arXiv:2510.15485): GPS over users (weights ``weights``,
          default 1: ``dV/dt = C / sum of active weights``), per-user GPS over the user's jobs
          for the inner order, each user's jobs chained inside the user's share
          (``D = S_u + sum R/w_u``), a returning user keeps its chain start within the grace
          period (``grace`` seconds of real time, ``grace * C / 2`` virtual units, the
          authors' 3 s). Earliest global deadline first.
``drf``   Dominant resource fairness (Ghodsi et al. 2011): progressive filling, the next task
          goes to the user with the smallest weighted dominant share (over the whole cluster)
          whose next task fits, on the first node where it fits. Nodes: one pooled node of
          ``cores`` cpus and ``memory`` memory (default unbounded), or ``nodes=N`` equal
          nodes sharing them, or ``nodes=[(cpu, memory), ...]``. A task holds its stage's
          (cpu, memory) request, the largest among the stage's rows (NaN cpu = 1 core, NaN
          memory = 0). Not core-slot based: fractional cpu requests pack.
``sjf``   Oracle shortest job first on true job work (a reference, not a real scheduler).

Cluster models (:data:`CLUSTERS`): every policy but DRF runs on ``slots`` (each task takes one
of ``cores`` cores; the trace's requests are not read), DRF on ``resources`` (cpu cores and
memory bytes per node, each task holding its request); one comparison uses one model.
A job's ``slowdown`` is its response time over ``alone_time``, a lower bound on its response
time on the empty cluster (the longest path of its stage DAG, a stage weighing its longest
task or its work spread over the cluster), so it is never below 1.

``partition=True`` applies runtime partitioning: a job of estimated work W (core-seconds)
becomes ``max(1, ceil(W / tau))`` equal tasks of its true work (``tau`` = 0.5 core-s); with
several stages each stage gets its share of W by its true work. A stage that would need more
than 10^8 tasks is an error naming the job (a bound on the simulation's work).
``estimate="oracle" | "noisy" | "historic"`` (:data:`ESTIMATES`): the estimate the schedulers
(CFQ, UWFQ) and the partitioner see: the true work, the true work times a seeded log-normal
factor ``exp(noise * N(0,1))`` (drawn by the Rust engine per job in submission order: SplitMix64
seeded with ``seed``, Box-Muller normals), or the mean work of the finished jobs of the same
class.

``overheads=`` (:class:`SparkOverheads`, off by default) adds Spark's overheads around the
scheduler: a serial FIFO driver that plans each job and submits each stage before the
scheduler sees it, a launch latency on every task (busy time), serial dispatch rounds, and
executors x cores; ``overheads="calibrated"`` uses the values fitted to the UWFQ authors'
Spark runs (``python -m schedkit.experiments.calibrate_spark``).

The Rust core checks every setting (the one place; its error names the field and, in a list,
the index) and applies them: UJF's pool per user, FAIR's ``default`` pool and configured pools,
the default weight 1, the grace conversion, the DRF nodes, the noisy factors, the stage DAG.

Replay streams: a trace file is read in chunks of whole jobs in submit order (sorted out of
core when it is large) and pushed into the Rust engine, which processes its events up to
each chunk's last submit time and hands back the finished jobs; memory holds about one chunk,
the jobs in the system and a few numbers per finished job (:func:`replay_many` runs several
policies in the same pass).

Settings are :class:`RunSpec` values, outcomes :class:`Result` values (per-job Arrow table,
:meth:`Result.summary`, :meth:`Result.validate`, :meth:`Result.plot`); both pickle.

Examples
--------
>>> import schedkit as sk
>>> trace = sk.trace.read(sk.trace.bundled("google2011_wta_500s_hetero.csv"))
>>> r = sk.fair.replay(trace, policy="uwfq", cores=32)
>>> round(r.summary()["mean_response_time"], 1) > 0
True
"""

from __future__ import annotations

from schedkit.fair._compare import METRICS, compare, compare_results, run_jobs
from schedkit.fair._gen import JOB_CLASS_WORK, SCENARIOS, scenario_workload
from schedkit.fair._metrics import jain, summarize, violation
from schedkit.fair._model import CLUSTERS, ESTIMATES, JOB_COLUMNS, POLICIES, POLICY_CLUSTER, Result, RunSpec, Workload
from schedkit.fair._overheads import SparkOverheads
from schedkit.fair._plot import plot
from schedkit.fair._pools import read_pool_file
from schedkit.fair._replay import replay, replay_many, replay_to, run_scenario, simulate

__all__ = [
    "POLICIES",
    "CLUSTERS",
    "SCENARIOS",
    "ESTIMATES",
    "JOB_CLASS_WORK",
    "JOB_COLUMNS",
    "Result",
    "RunSpec",
    "SparkOverheads",
    "Workload",
    "replay",
    "replay_many",
    "replay_to",
    "compare",
    "compare_results",
    "run_jobs",
    "POLICY_CLUSTER",
    "METRICS",
    "run_scenario",
    "scenario_workload",
    "simulate",
    "summarize",
    "violation",
    "jain",
    "plot",
    "read_pool_file",
]
