"""Calibrates the Spark overhead model (:class:`schedkit.fair.SparkOverheads`) on the UWFQ
authors' measured Spark runs, and reports how well the calibrated simulator predicts them.

``python -m schedkit.experiments.calibrate_spark [--out FILE] [--iterations N]``

The fit sees only four scenarios, the ones the authors' run tables cover
(``schedkit/data/uwfq_runs/``): the two Google windows, ``2_power_2_small_users`` and
``4_super_small_users``, every policy variant schedkit models (Fair, UJF, T-FIFO, CFQ, UWFQ,
each with and without the runtime partitioner; the authors' Random scheduler has no
counterpart here and is left out). Its loss is least squares on log ratios (ours / measured): per
variant, the squared log ratio of the mean response time plus the mean squared log ratio of
the per-user mean response times, both measured on the simulated run as the authors' analysis
measures a Spark run (:func:`measure`, ``view="authors"``: on the Google windows a user's
mean pools the job groups of every user whose name contains it). The two other synthetic scenarios of
the paper (``2_large_2_small_users``, ``4_large_users``) are held out: they are simulated
with the fitted values only afterwards, and compared with the authors' run tables for them
(``schedkit/data/uwfq_runs/held_out/``, the same measurements, selected columns).

Fitted terms (:data:`FITTED`): the executed work of a Spark job (``scan_work +
iteration_work x`` its UDF's iterations to the power 1/1.221352, the authors' own loop law), the plug-in schedulers' driver time a stage
(``plugin_service``), the driver's service a job and a stage, the task launch, the dispatch
round and per-task dispatch, and the setup job's task length. Fixed structure
(:data:`STRUCTURE`): a setup Spark job of 32 tasks (one wave on the 32 cores) before every
Spark job, Spark's scan splits (``spark_splits``: one straggler task), CFQ stage deadlines on the whole job's
estimate (``cfq_job_estimate``), CFQ and UWFQ told the authors' job estimates
(``authors_estimates``), the plug-in's time on Spark's task-scheduler lock (``plugin_lock``),
Spark's schema-inference job of 0.03 s after each listing (``schema_task``), Spark >= 3.4's
FAIR ``default`` pool with its ties by task-set name under ``fair``, and the same ties inside
UJF's per-user pools (``fair_default_pool``, ``fair_name_ties``) and no result Spark job; see
:class:`schedkit.fair.SparkOverheads`. The minimiser is a small Nelder-Mead on the terms'
absolute values (no SciPy needed), in two phases: the first :data:`FIRST_PHASE` terms with
the rest at :data:`START`, then all of them. The fitted values, the loss and every
variant's residual go to
``schedkit/data/spark_overheads.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import data, fair
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._overheads import SWITCHES

#: Scenario -> the authors' run table (``schedkit/data/uwfq_runs/<name>_run_data_avg.csv``).
FIT_SCENARIOS: dict[str, str] = {
    "google_hetero": "hetero_macro",
    "google_homo": "homo_macro",
    "2_power_2_small_users": "2_power_2_small_users",
    "4_super_small_users": "4_super_small_users",
}
#: Scenarios the fit never sees -> their run table (same layout, selected columns).
HELD_OUT: dict[str, str] = {
    "2_large_2_small_users": "held_out/2_large_2_small_users",
    "4_large_users": "held_out/4_large_users",
}
#: The authors' scheduler names -> schedkit policy (the ``_PARTITIONER`` suffix adds -P).
SCHEDULERS: dict[str, str] = {
    "DEFAULT_FAIR": "fair",
    "CUSTOM_FAIR": "ujf",
    "TRUE_FIFO": "fifo",
    "CUSTOM_CLUSTERFAIR": "cfq",
    "CUSTOM_USERCLUSTERFAIR": "uwfq",
}
#: The terms the fit moves, and where it starts: the optimum of a fit with the plug-in on the
#: task-scheduler lock (``plugin_lock``) started from the previous calibration's values but 3 ms
#: of dispatch a task and 3.5 + 0.35 x ``N^0.8188`` core-s of work (loss 5.91 there; the
#: previous start, 6 + 0.4 x ``N^0.8188`` core-s and 1.5 ms a task, gave 6.01 with the lock and
#: 6.08 without it).
FITTED: tuple[str, ...] = (
    "scan_work",
    "iteration_work",
    "plugin_service",
    "stage_service",
    "job_service",
    "task_launch",
    "round_delay",
    "task_dispatch",
    "setup_task",
)
START: tuple[float, ...] = (2.584, 0.4285, 0.01838, 0.01592, 0.01662, 0.004898, 0.001799, 0.003003, 0.02544)
#: The first phase moves only these (the rest stay at :data:`START`); the second moves all.
FIRST_PHASE = 4
#: The model's structure, fixed rather than fitted (see the module docs): one setup Spark
#: job of 32 tasks (one wave on the 32 cores) before every Spark job, Spark's scan splits, CFQ
#: stage deadlines on the whole job's estimate, no result Spark job after the scan, the
#: plug-in schedulers' time spent on Spark's task-scheduler lock (``plugin_lock``), and since
#: 2026-12-06 Spark's FAIR ``default`` pool as Spark >= 3.4 builds it (FAIR inside, ties by
#: task-set name: ``fair_default_pool``, ``fair_name_ties``) with the schema job (0.03 s).
#: Measured alternatives (with ours measured per job, view "plain", before the authors' view
#: was built; loss 8.98 then, 7.18 now with the authors' returning-user rule): a 0.05-s result job on the fitted values raises the loss from
#: 8.98 to 12.61 and puts Spark's FIFO in lockstep on the 120-job burst of
#: ``4_super_small_users`` (+76 % where the authors measured 28 s); a setup job of 260
#: tasks (one per ``PULocationID`` folder of their input, as Spark lists more than 32
#: folders with a Spark job), refitted, reaches 10.02 (8.96 with 32 tasks, same code).
#: The authors' own CFQ rule (``ClusterFairScheduler`` with job groups: a job's deadline
#: fixed when its first stage registers, later stages keeping it) on the fitted values:
#: loss 10.43 on schedkit's GPS clock (the burst's jobs then run in arrival order, CFQ -39 %
#: on ``4_super_small_users``), 24.17 on the authors' clock, which moves only in jumps to
#: virtual finishes (on ``google_hetero`` it lags GPS and catches up in jumps of a large
#: job's deadline, so short jobs registered just after one wait behind it: CFQ +333 %).
#: Plug-in time holding Spark's task-scheduler lock (every stage the plug-in registers
#: blocks dispatch rounds for a fitted time), refitted: 9.01 on that older model. On the
#: current one, kept (``plugin_lock``; :class:`schedkit.fair.SparkOverheads` ``stage_lock``):
#: their fork's ``TaskSchedulerImpl.submitTasks`` calls the plug-in's ``addTaskSetManager``
#: inside ``this.synchronized``, every offer round takes the same monitor
#: (``CoarseGrainedSchedulerBackend.makeOffers`` -> ``withLock`` -> ``resourceOffers``), and the
#: offer thread handles each queued ``StatusUpdate`` with an offer round of its own once the lock
#: is free. With only rounds that start inside a spell held off, refitted from the old start:
#: 6.07 (the lock cost ~35 % of its time on the burst: rounds merged after a spell). With the
#: held-off rounds paid after the spell (the offer thread's queue), from the old start: 6.01
#: (burst Spearman 0.58 -> 0.73, 2_power_2_small_users 0.77 -> 0.59); from a dispatch-bound
#: start (3 ms a task, 3.5 + 0.35 x ``N^0.8188`` core-s): 5.91, and 5.87 restarted from there,
#: against 5.95 without the lock from the same start; the kept fit (from :data:`START`) 5.85,
#: against 5.88 without the lock from :data:`START` (google_hetero 0.88 / 15 %, google_homo
#: 0.79 / 20 %, 2_power_2_small_users 0.60 / 17 %, the burst 0.66 / 30 %; with the lock 0.90 /
#: 19 %, 0.76 / 21 %, 0.54 / 21 %, 0.90 / 24 %). The lock's own share is 0.03 to 0.07, the rest
#: is the start; it moves the burst's ranks (0.66 -> 0.90) against 2_power_2_small_users'. Not a cost of the comparators: their ``TrueFifoSchedulerAlgorithm``
#: and ``UserClusterFairSchedulerAlgorithm`` compare one field (``priority``, ``deadline``), as
#: Spark's FIFO comparator does, so sorting the queue on every offer costs them no more.
#: The authors' CFQ registration race (a stage their estimator has not yet heard of from
#: Spark's serial listener bus counts as a 1-core-s job of its own, their
#: ``DEFAULT_STAGE_RUNTIME``), built as a timed term with the listener's service fitted:
#: 6.77 against 6.08 (the fit chose every stage registered in time; the burst's CFQ -31 %).
#: What does reproduce the burst's CFQ (nearly all 120 jobs ending together, mean RT / span
#: 0.85): each Loop query's final one-task aggregation stage, submitted when its scan ends and
#: keyed by CFQ on ``v`` at that moment, so it waits behind every earlier scan. A 0.03-s result
#: stage for every policy, refitted: 5.86 (burst CFQ -8 %); with the listing and result stages
#: keyed on 1 core-s (the per-stage ``ClusterFairScheduler`` version): 5.65 (burst CFQ -3 %).
#: Not kept: the same stage puts Spark's own FIFO in lockstep (burst +50 %, google_homo +44 %,
#: where the authors measured neither), and which of their two ``ClusterFairScheduler``
#: versions ran is not settled by their code.
#: Why Spark's own FIFO does not pile up on the burst (open): their ``fair`` runs spread the
#: burst's response times nearly uniformly over [12.6, 43.6] s (bench, the burst table), so no
#: result job waited for the burst's last scan; by Spark 3.5's code it does whenever scans are
#: queued (``AdaptiveSparkPlanExec.executeCollect`` runs the final stage as a new Spark job once
#: the map stage's job is done, and ``FIFOSchedulingAlgorithm`` orders by that later job id),
#: and in the model all 120 scans are queued when the setup jobs end (13.6 s). Measured and
#: refitted: the result stage in the query's own Spark job under Spark's orders (what Spark
#: does without adaptive execution, which their runs had on): 6.18; the result stage only under
#: the plug-in schedulers (none under Spark's orders): 6.27 (the burst's targets met, Spearman
#: 0.91 and worst 13 %, but 2_power_2_small_users CFQ +55 %: a result stage keyed on v + the
#: whole Loop100 estimate waits behind every queued scan, where the authors measured CFQ near
#: T-FIFO); the same with CFQ on stage shares: 10.73 (google_hetero CFQ +149 %); with CFQ's
#: result stage keyed as a 1-core-s job of its own (their ``ClusterFairScheduler`` does so for a
#: stage the estimator has not registered yet; a one-task stage's small task binary makes Spark
#: submit it soon after posting ``SparkListenerStageSubmitted``): 5.39, five of the eight
#: targets met (google_homo's error, 17 %, and the burst's rank and error, 0.86 and 15 %, newly;
#: 2_power_2_small_users' rank falls to 0.62 and its worst error rises to 24 %), and for every
#: policy (Spark's orders' results as later Spark jobs): 5.78, 2_power_2_small_users met (0.89,
#: 16 %) but Spark's FIFO piled up (burst fair +56 %, google_homo fair +42 %). Not kept: the first
#: leaves out a Spark job that Spark runs, the second contradicts the measured FIFO runs, and
#: both rest on the registration race. Spark's delay
#: scheduling (``spark.locality.wait``) lets a task set without locality take a core that queued
#: scans decline, but the authors' fork changes only the comparator (``Pool.scala``), so it
#: would act alike under CFQ, whose burst did pile up (mean / total 0.85): it cannot separate the
#: two. A serial driver slow enough to pace the scans (``job_service`` 0.1 or 0.2 s) serves the
#: 120 setup jobs first and only moves the pile-up later (fair's burst mean 50.6 and 65.1 s
#: against the measured 28.1, not refitted). Nor does pacing the scans alone: a serial 0.25-s
#: planning step between each query's setup job and its scan (emulated by think times, the
#: result job kept, Spark's orders only) still piles up behind the scans paced during the setup
#: jobs (fair's burst mean 46.3 s, first end 29.9 s; with the scan work cut to fit 43 s, 35.2 and
#: 24.8 s, where the authors measured 28.1 and about 12.6). What the data ask for, and no Spark
#: code found so far does: under Spark's own orders a query's result job passes the scans queued
#: before it (their 2_power_2_small_users Fair runs did keep each burst of 20 in step, README).
#: Nor a serial step *after* each scan (the query's result step on the driver, served one job
#: at a time in the order the scans end), probed on runs without it (the step uses no core):
#: on the fitted values, 0.12 s a job leaves the burst as it was (Spearman 0.58, fair +15 %, CFQ
#: -25 %) and moves google_hetero CFQ from +9 to +21 % (0.26 s: +47 %, UWFQ +41 %, each of a
#: Google group's Spark jobs passing it); 0.26 s a job with the executed work cut
#: to a quarter (every scan done by about 12 s) gives fair +1 % and ujf 0 % with the measured
#: bands (25.2 / 39.9 / 43.0 s against 25.0 / 40.4 / 41.8), but T-FIFO and UWFQ -13 %, CFQ -35 %;
#: work cut to 0.7 or 0.85 with 0.12 s puts 2_power_2_small_users Fair at -63 or -40 %. Once the
#: scans are done such a step paces every policy alike, and a serial server spaces completions,
#: so it cannot make CFQ's pile-up; that pile-up bounds it (bench, ``serial_step_bound``): the
#: last 24 of CFQ's 120 response times average 49.3 s of a 50.8-s run, so a step every job
#: passes one at a time takes at most (50.8 - 49.3) / 11.5 = 0.13 s (0.12 s under -P), under the
#: 0.26 s a job at which Spark's FIFO completed the burst. Nor is it Spark's structure: adaptive
#: execution re-plans a query after its map stage on the query's own thread under that plan's
#: own lock (``AdaptiveSparkPlanExec.getFinalPhysicalPlan``, ``lock.synchronized``), not on one
#: driver queue. Not refitted.
#: Spark's own clock on the measured times (measured, not kept): the analysis's job-group RT is
#: the REST API's ``completionTime`` of its last Spark job minus ``submissionTime`` of its first,
#: and both are stamped by the DAG scheduler's single event loop, not by the submitting thread:
#: ``DAGScheduler.handleJobSubmitted`` takes ``jobSubmissionTime`` after ``createResultStage``
#: (the job's planning) and before ``submitStage``, and ``handleTaskCompletion`` posts
#: ``SparkListenerJobEnd(job.jobId, clock.getTimeMillis(), ...)`` (and wakes the ``JobWaiter``)
#: when the loop gets to the job's last ``CompletionEvent``. In the model's serial driver (that
#: loop) a job's measured start would be its service start + ``job_service`` and its measured end
#: ``max(last task end, driver free then)``; the latter also covers the task-scheduler lock
#: blocking status updates (their fork's ``TaskSchedulerImpl.statusUpdate`` body and
#: ``handleSuccessfulTask`` are ``synchronized``, so a completion waits out a plug-in's spell, and
#: the spells lie inside driver services). Built as a probe in the engine (closed-loop successors
#: released at the stamped end): on the fitted values the loss rises from 5.85 to 6.02 (the
#: burst's variants fall 7-13 points, the plug-ins' most, CFQ to -24 %, Spearman 0.90 -> 0.77;
#: 2_power_2_small_users 0.54 -> 0.62; google_homo's UWFQ stays at -21 %); refitted from :data:`START`:
#: 5.95 (google_hetero 0.90 / 19 %, google_homo 0.79 / 21 %, 2_power_2_small_users 0.56 / 20.4 %,
#: the burst 0.73 / 24 %; held out unchanged, 0.76 / 35 % and 0.61 / 18 %), two targets met
#: against three. Not kept: it moves every variant of a scenario alike and cannot separate the
#: orders the misses are about; the lock's share of it is the end stamp's, at most a spell a job
#: (``plugin_service``, 18 ms) and none under Spark's own orders, whose misses (2_power Fair
#: -19/-21 %, the burst's UJF +22 %, UJF-P +24 %) it therefore cannot touch.
#: The authors' run-to-run spread (their per-run tables, :func:`measured_runs`,
#: :func:`replication`): on google_homo their own runs 1 and 2 rank the variants 0.79 against
#: each other and UJF, Fair-P and UJF-P each have one run 16-19 % above their mean, so the rank
#: target there is at the edge of what their runs reproduce (the model's Spearman against one
#: run per variant ranges 0.74-0.90, 52 % of the choices at 0.8); on the other three their runs
#: agree (0.87-0.98) and every variant's runs lie within 5 % of its mean: those misses are the
#: model's, not noise.
#: Checked against the authors' run setup (spark-benchmark-tool ``run_all_benchmarks.sh``,
#: ``configs/base_DAS5_config.json``, ``BenchRunner``): ``DEFAULT_FAIR`` is
#: ``--conf spark.scheduler.mode=FAIR`` with no allocation file and no ``spark.scheduler.pool``
#: (``User.run`` sets only ``user.name``), so every job is in Spark's ``default`` pool, which
#: was read as FIFO inside (``FairSchedulableBuilder``'s ``DEFAULT_SCHEDULING_MODE``), as
#: ``fair`` models it by default; since Spark 3.4 that pool is FAIR inside when no allocation
#: file is found (SPARK-42157; ``SparkOverheads.fair_default_pool``, below: corrected in a later
#: round). Warm-up: every run first runs each Loop class twice in sequence (``warmup loopN`` job
#: groups, no user's name in them, so the analysis leaves them out) and then resets the users'
#: start: no cold first jobs to model. One stored version of that script runs ``TRUE_FIFO`` as
#: ``spark.scheduler.mode=FIFO`` (their fork's ``Pool`` keeps Spark's ``FIFOSchedulingAlgorithm``),
#: which would make it Spark's own order, the same as ``DEFAULT_FAIR``'s FIFO default pool; the
#: tables measure the two 12 % (the burst) and 50 % (2_power) apart, so the runs behind them used
#: their ``TrueFifo`` plug-in, as ``fifo`` models it (a plug-in paying ``plugin_service``).
#: ``authors_estimates``: CFQ and UWFQ told each job what the authors' schedulers were told
#: (their Loop classes' oracle constants, a trace group's 4.3 x job_runtime_s), not the
#: executed work.
#: Spark's FIFO against the authors' T-FIFO on 2_power_2_small_users (measured 44.1 against
#: 29.4 s; the burst 28.1 against 25.2), read in the sources. T-FIFO (spark-benchmark-tool
#: ``schedulers/TrueFifo``): ``TrueFifoScheduler.addTaskSetManager`` sets a stage's priority to
#: ``JobRuntime.id``, the job group's number from ``OraclePerformanceEstimator``'s
#: ``JobProfileContainer`` (``jobGroupToJobGroupId.computeIfAbsent(spark.jobGroup.id,
#: nextJobGroupId++)`` at the group's first ``StageSubmitted`` or ``SQLExecutionStart``, i.e. its
#: listing job), and ``TrueFifoSchedulerAlgorithm`` compares that priority alone (no stage-id tie;
#: ties keep the pool's insertion order, ``Pool.getSortedTaskSetQueue`` sorting stably); the group
#: is one benchmark job (``config/Workload.java`` calls ``setJobGroup(user_workload_jobId)`` before
#: each job's thread starts; an older version set one group per workload, which would have put a
#: whole PARA burst in one group): every Spark job of a query keeps the query's place, as
#: ``fifo`` models it. Spark's FIFO (``DAGScheduler.submitMissingTasks``: a task set's priority
#: is the id of the earliest active job that needs the stage; ``FIFOSchedulingAlgorithm``:
#: priority, then stage id) keys on Spark job ids, taken when the query's thread submits each
#: job, and a Loop query (``Loop100.run``: ``spark.read().parquet``, a UDF column, ``agg(sum)``,
#: ``take(10)``) is four Spark jobs: the listing (``HadoopFSUtils`` lists the 260
#: ``PULocationID`` folders with a job, over the threshold of 32), the schema (``ParquetUtils.
#: inferSchema`` -> ``SchemaMergeUtils.mergeSchemasInParallel``, one task for one footer), the
#: scan's map stage (adaptive execution's ``ShuffleQueryStageExec`` -> ``submitMapStage``) and the
#: final aggregation (``CollectLimitExec`` -> ``executeTake`` -> ``runJob``); each takes an id
#: after every job submitted while the previous one ran. What the runs show per user: on
#: 2_power_2_small_users Spark's orders end each burst in lockstep (``fair`` users 42.2 / 46.9 /
#: 40.0 / 41.6 s, users 1-3 within 1.2 s of their mean in each of the three runs, user4 37.0 /
#: 49.0 / 38.9; ``ujf``'s power users 48.7 / 48.9) where T-FIFO serves user1's 20 jobs first (21.3 / 36.9 / 32.9 / 29.4); the
#: model's ``fair`` does not (28.9 / 42.3 / 33.1 / 38.3, ``ujf`` 40.2 / 40.9). The result job
#: makes the lockstep (``result_task`` 0.03 on the fitted values, not refitted: ``fair`` 51.3 /
#: 53.6 / 51.9 / 59.7, +20 %; ``ujf`` 48.0 / 49.4, -0 %), and with it the burst's pile-up
#: (``fair`` +70 %, ``ujf`` +47 %, every user 40-48 s) and CFQ's on 2_power (+67 %): the refits
#: above. The burst's own signature under Spark's FIFO is none of those: the user who submitted
#: *last* ends first (``fair`` users 31.3 / 33.8 / 26.0 / 21.4 s, user4 20.1-23.0 s in each run,
#: where T-FIFO gives 9.4 / 20.7 / 31.0 / 39.5 in submission order), and the model's ``fair``
#: serves the burst in submission order with or without the result job (22.3 / 29.8 / 37.1 / 44.3
#: s): its Spark-FIFO order is wrong on the burst, not only its pile-up. No job-id rule reverses
#: the users (every Spark job of a later query gets a later id as long as the query threads reach
#: each submission in their own order); what would is the threads reaching ``submitMapStage`` in
#: another order (a contended section on the driver between the listing and the scan; a JVM
#: monitor hands over in no fixed order), and a serial section of about 0.26 s a query there,
#: entered only once the last listing is done (each schema job waits behind every listing
#: under Spark's FIFO), would also give the burst's uniform ends from 12.6 s at 4 a second and
#: its 43.3-s total with the result job kept; not found in Spark's code, not built, and it would
#: pace CFQ's scans alike, whose burst piled up. The schema job itself (``schema_task``, built:
#: the query's second setup job, one task; under Spark's orders one more hop through the FIFO
#: queue, under the plug-ins a stage of the group), on the fitted values: 0.01 s 6.05, 0.03 s
#: 6.17, 0.1 s 5.96, ``fair`` on 2_power -19 -> -17 % and T-FIFO +13 -> +18 % (it moves both
#: alike: the driver's job and stage service it adds); refitted with 0.03 s from :data:`START`:
#: 5.84 against 5.85 (google_hetero 0.88 / 16 %, google_homo 0.79 / 22 %, 2_power_2_small_users
#: 0.55 / 18 %, the burst 0.77 / 29 %; held out 0.71 / 37 % and 0.59 / 18 %, against 0.76 / 34 %
#: and 0.61 / 18 %): three targets met as before (2_power's error in, the burst's rank out), the
#: held-out scenarios worse, and 2_power's Spark-FIFO / T-FIFO gap untouched (-15 / +17 %). Not
#: kept (``schema_task`` stays 0): faithful, but it explains nothing of the gap and costs the
#: burst's rank target. (Kept since 2026-12-06 with Spark's FAIR default pool, below.)
#: Spark's FAIR mode without an allocation file, read again (issue 18, 2026-12-06; kept): the
#: reading above ("FIFO inside") is Spark before 3.4. Since SPARK-42157 (apache/spark#39703, Jan
#: 2023) ``FairSchedulableBuilder.buildPools`` creates the ``default`` pool with
#: ``spark.scheduler.mode`` when no ``fairscheduler.xml`` is found, so under ``DEFAULT_FAIR`` the
#: jobs share a FAIR pool: task sets by running tasks, ties by name, ``"TaskSet_<stage id>.0"``
#: compared as a string. The authors forked Spark 3.5.5 (kazemaksOG/spark-3.5.5-custom changes
#: ``Pool``, ``TaskSchedulerImpl`` and ``TaskSetManager``, not the builder). Built as
#: :class:`schedkit.fair.SparkOverheads` ``fair_default_pool`` and ``fair_name_ties`` (the
#: engine breaks FAIR ties in submission order; :mod:`schedkit.fair._name_ties` ranks each
#: Spark job's name and re-runs until the names are the run's own stage ids: 3-17 runs on the
#: six scenarios). Their runs carry both marks: on 2_power_2_small_users each burst in
#: lockstep (mean / total 0.31 against T-FIFO's 0.20); on the burst the users' order 4, 3, 1, 2
#: (``fair`` 21.4 / 26.0 / 31.3 / 33.8 s), which the name tie gives after the warm-up's 32 stage
#: ids (users 3 and 4 list with stages 92-151, user 1 with 32-61, and "TaskSet_100.0" sorts
#: before "TaskSet_32.0"): ``bench/ref_spark_fair_ties.py``, a bare 32-core model of the burst,
#: gives users 24.2 / 29.5 / 15.0 / 15.1 s and bands 0.59 / 0.98 / 0.99 of the total with the name
#: tie (measured 0.58 / 0.93 / 0.97), every user within 4 s and bands 0.91-0.99 with FIFO or the
#: submission-order tie; the model's ``fair`` on the burst goes from 22.3 / 29.8 / 37.1 / 44.3 s
#: (the previous fit) to 30.8 / 40.2 / 24.5 / 24.9 s (the kept one). Measured on the previous fit's values (loss 5.85):
#: the FAIR pool alone 3.46 (burst rank 0.70), with the name tie 2.90, with the schema job as
#: well 3.00; refitted from :data:`START`: the FAIR pool alone 3.45 (burst 0.58 / 28 %: rank
#: lost), with the schema job 3.15 (six targets, burst rank lost), the pool and the tie 2.89
#: (google_hetero 0.88 / 19 %, google_homo 0.81 / 21 %, 2_power_2_small_users 0.87 / 16 %, the
#: burst 0.82 / 25 %; held out 0.89 / 14 %, 0.54 / 19 %), and, kept, the pool, the tie and the
#: schema job (0.03 s, a Spark job the query runs; it costs the burst's rank no more): 2.58,
#: google_hetero 0.88 / 19 %, google_homo 0.83 / 17 %, 2_power_2_small_users 0.83 / 16 %, the
#: burst 0.87 / 23 % (UJF-P +23 %, UJF +21 %: UJF's pools break the same ties inside, which one
#: level of per-job pools cannot carry; CFQ -18 %), held out 0.84 / 18 % and 0.54 / 21 %: seven
#: of the eight targets, against three. The result job on top (0.03 s, on the previous values
#: with the pool, no tie): 5.25 every policy, 4.43 Spark's orders only (burst +47-55 %).
#: The same tie inside UJF's pools (issue 18, 2026-12-06; kept): the authors' ``CUSTOM_FAIR`` is
#: their ``UserFairScheduler`` plug-in (``addTaskSetManager`` puts each task set in
#: ``new Pool(user, SchedulingMode.FAIR(), 0, 1)`` under the root, ``UserFairSchedulingAlgorithm``
#: delegating to Spark's ``FairSchedulingAlgorithm``), so inside a user's pool task sets tie on
#: running tasks and go by name as in the FAIR default pool; -P alike (the ``OraclePartitioner``
#: sets a stage's task count, not its name). Built as the engine's per-job tie rank (``job_tie``,
#: the name's place in string order, compared before submission order inside a pool FAIR
#: inside), settled by the same re-runs (2-17 on the six scenarios). On the previous fit's
#: values: 2.58 -> 2.35, all eight targets (the burst 0.82 / 18 %: UJF +21 -> +2 %, UJF-P +23 ->
#: +4 %; google_hetero UJF -19 -> -12 %); held out 0.84 / 18 %, 0.54 / 21 %. Refitted from
#: :data:`START` (753 s, niced beside other work): **2.36**, google_hetero 0.88 / 9 %, google_homo
#: 0.83 / 18 %, 2_power_2_small_users 0.83 / 19 %, the burst 0.87 / 16 % (CFQ -15 %, UJF +4 %,
#: users 26.9 / 28.3 / 31.9 / 33.6 s against the measured 25.4 / 26.8 / 30.9 / 33.3, where the
#: previous fit gave 32.4 / 35.2 / 36.3 / 36.7); held out 0.92 / 18 % and 0.83 / 20 %: all eight
#: targets, shipped (the previous values score 2.35 on this model, the refit's held-out ranks are
#: better).
STRUCTURE: dict[str, Any] = {
    "setup_tasks": 32,
    "cfq_job_estimate": True,
    "spark_splits": True,
    "result_task": 0.0,
    "authors_estimates": True,
    "plugin_lock": True,
    "fair_default_pool": True,
    "fair_name_ties": True,
    "schema_task": 0.03,
}
#: How a simulated run is measured for the comparison (:func:`measure`): ``"authors"`` as
#: the authors' analysis measured their Spark runs, ``"plain"`` each job once under its own user.
VIEWS: tuple[str, ...] = ("authors", "plain")


@dataclass(frozen=True)
class Target:
    """One measured variant: the mean response time, the per-user means, the run's total
    time (first submission to last completion, s) and the mean proportional slowdown (RT
    over the job's RT alone, the authors' ``RUN_INDIVIDUAL`` runs; None where absent)."""

    scenario: str
    scheduler: str
    policy: str
    partition: bool
    mean: float
    users: dict[str, float]
    total_time: float
    slowdown: float | None = None

    @property
    def label(self) -> str:
        return self.policy + ("-P" if self.partition else "")


def measured(scenario: str) -> list[Target]:
    """The authors' measured variants of a fitted or held-out scenario that schedkit models.

    Examples
    --------
    >>> from schedkit.experiments import calibrate_spark as cs
    >>> [t.label for t in cs.measured("4_super_small_users")][:3]
    ['fair', 'ujf', 'fifo']
    """
    path = data.path(f"uwfq_runs/{({**FIT_SCENARIOS, **HELD_OUT})[scenario]}_run_data_avg.csv")
    out = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["Scheduler"]
            part = name.endswith("_PARTITIONER")
            policy = SCHEDULERS.get(name.removesuffix("_PARTITIONER"))
            if policy is None:  # the authors' Random baseline: not one of the fitted variants
                continue
            users = {}
            for col, v in row.items():
                # "user3_small_ average response time" (synthetic), "user_3 average response time" (Google)
                head, sep, _ = col.partition(" average response time")
                if sep and col.endswith(" average response time") and head.startswith("user") and v not in ("", "nan"):
                    users[head.rstrip("_")] = float(v)
            mean = float(row["average response time"])
            slow = row.get("average proportional slowdown")
            out.append(
                Target(
                    scenario, name, policy, part, mean, users, float(row["total time"]), float(slow) if slow else None
                )
            )
    return out


def measured_runs(scenario: str) -> dict[str, list[float]]:
    """Each variant's mean RT in each of the authors' runs of a fitted scenario (their per-run
    table ``schedkit/data/uwfq_runs/<name>_run_data.csv``: one row per scheduler and run, of
    which the ``_avg`` table that :func:`measured` reads holds the column means), in run order
    (``Iteration``: their analysis numbers a scheduler's Spark applications in sorted app-id
    order, so run i of two schedulers are not paired by anything but that order).

    Examples
    --------
    >>> from schedkit.experiments import calibrate_spark as cs
    >>> [round(x, 2) for x in cs.measured_runs("google_homo")["ujf"]]
    [64.42, 49.11, 48.83]
    """
    if scenario not in FIT_SCENARIOS:
        raise InvalidInstanceError(
            f"measured_runs: per-run tables are bundled for {sorted(FIT_SCENARIOS)} only, got {scenario!r}",
            field="scenario",
        )
    path = data.path(f"uwfq_runs/{FIT_SCENARIOS[scenario]}_run_data.csv")
    out: dict[str, list[tuple[int, float]]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["Scheduler"]
            policy = SCHEDULERS.get(name.removesuffix("_PARTITIONER"))
            if policy is None:  # the authors' Random baseline: not one of the fitted variants
                continue
            label = policy + ("-P" if name.endswith("_PARTITIONER") else "")
            out.setdefault(label, []).append((int(row["Iteration"]), float(row["average response time"])))
    return {k: [v for _, v in sorted(runs)] for k, runs in out.items()}


def replication(runs: dict[str, list[float]], ours: dict[str, float], threshold: float = 0.8) -> dict[str, Any]:
    """How far the authors' own runs reproduce the ranking and the means that the targets are
    judged on (the mean of their runs), and where ``ours`` stands against single runs.

    Parameters
    ----------
    runs
        Variant -> its mean RT in each run (:func:`measured_runs`); every variant needs the
        same number of runs, at least 2.
    ours
        Variant -> our mean RT (the same variants).
    threshold
        The Spearman target.

    Returns
    -------
    dict
        ``rounds``: Spearman over the variants of run i against run j, for each pair i < j
        (the authors' run i of every variant is their i-th application of that scheduler);
        ``ours_vs_mean``: Spearman of ``ours`` against the runs' means (the target's figure);
        ``ours_vs_one_run``: (min, max, share >= ``threshold``) of Spearman of ``ours`` against
        every choice of one run per variant; ``spread``: per variant, the largest
        ``|run / mean - 1|`` of its runs.

    Examples
    --------
    >>> from schedkit.experiments.calibrate_spark import replication
    >>> rep = replication({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 0.0]}, {"a": 1.0, "b": 2.0, "c": 3.0})
    >>> rep["rounds"], rep["ours_vs_one_run"]
    ({(0, 1): -0.5}, (-0.5, 1.0, 0.5))
    """
    # a Spearman figure lies in [-1, 1]; a NaN threshold would make every share 0 silently
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not -1 <= threshold <= 1:
        raise InvalidInstanceError(
            f"replication: threshold must be a number in [-1, 1], got {threshold!r}", field="threshold"
        )
    labels = list(ours)
    if set(labels) != set(runs):
        raise InvalidInstanceError(
            f"replication: ours has variants {sorted(labels)}, runs {sorted(runs)}", field="ours"
        )
    counts = {len(runs[lab]) for lab in labels}
    if len(counts) != 1 or min(counts) < 2:
        raise InvalidInstanceError(
            f"replication: every variant needs the same number (>= 2) of runs, got {sorted(counts)}", field="runs"
        )
    for lab in labels:
        # each spread is relative to the variant's mean, so that mean must be positive
        if not (all(math.isfinite(x) and x >= 0 for x in runs[lab]) and sum(runs[lab]) > 0):
            raise InvalidInstanceError(
                f"replication: runs[{lab!r}] must be finite response times >= 0 with a positive mean, got {runs[lab]}",
                field="runs",
            )
        if not math.isfinite(ours[lab]):
            raise InvalidInstanceError(f"replication: ours[{lab!r}] must be finite, got {ours[lab]}", field="ours")
    k = counts.pop()
    mine = [ours[lab] for lab in labels]
    rounds = {
        (i, j): spearman([runs[lab][i] for lab in labels], [runs[lab][j] for lab in labels])
        for i in range(k)
        for j in range(i + 1, k)
    }
    sp = _spearman_rows(np.array(list(itertools.product(*[runs[lab] for lab in labels]))), mine)
    means = {lab: float(np.mean(runs[lab])) for lab in labels}
    return {
        "rounds": rounds,
        "ours_vs_mean": spearman([means[lab] for lab in labels], mine),
        "ours_vs_one_run": (float(sp.min()), float(sp.max()), float(np.mean(sp >= threshold))),
        "spread": {lab: max(abs(x / means[lab] - 1) for x in runs[lab]) for lab in labels},
    }


def _spearman_rows(rows: np.ndarray, b: Sequence[float]) -> np.ndarray:
    """:func:`spearman` of each row of ``rows`` against ``b`` (here every choice of one run per
    variant: 3 ** 10 = 59049 rows), vectorised; rows with tied values take :func:`spearman`
    itself (average ranks)."""
    rb = _ranks(b)
    rb = rb - rb.mean()
    ra = np.argsort(np.argsort(rows, axis=1, kind="stable"), axis=1).astype(float)
    ra -= ra.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (ra @ rb) / np.sqrt((ra * ra).sum(axis=1) * (rb @ rb))
    tied = (np.diff(np.sort(rows, axis=1), axis=1) == 0).any(axis=1)
    for i in np.flatnonzero(tied):
        out[i] = spearman(rows[i], b)
    return out


#: UWFQ's grace (:class:`schedkit.fair.RunSpec` ``grace``) in the runs compared with the authors':
#: none. Their ``UserClusterFairScheduler`` (spark-benchmark-tool,
#: ``schedulers/UserClusterFairScheduler``) never lets a *new* job of a user who has left the
#: virtual system start its chain at the user's old chain end: in one stored version
#: ``UserContainer.addOrGetUser`` tests ``historicUsers.contains(userName)``, which on a
#: ``ConcurrentHashMap`` is ``containsValue`` (a name is never a ``User``), so a returning user is
#: always created anew at the current virtual time; in the other, ``User.revive`` keeps the old
#: start only for a stage of a job the user already had (``jobIdToJob.containsKey(jobId)``) within
#: the grace period, and a new job group is a new ``jobId``. schedkit's UWFQ keeps the old start
#: for any job of a user back within ``grace``; with 0 every job of a returning user starts at
#: the current V, as theirs does (a continuation stage never re-arrives in schedkit: a job
#: registers once).
AUTHORS_GRACE = 0.0


def simulate(scenario: str, policy: str, partition: bool, o: fair.SparkOverheads | None, seed: int = 0) -> fair.Result:
    """One run of a scenario as the authors ran it: the overhead model ``o`` (None: the plain
    simulator) and their UWFQ's rule for a returning user (:data:`AUTHORS_GRACE`; only
    ``policy="uwfq"`` reads it)."""
    return fair.run_scenario(scenario, policy=policy, partition=partition, seed=seed, overheads=o, grace=AUTHORS_GRACE)


def authors_means(users: Sequence[str], rts: Sequence[float], names: Iterable[str]) -> tuple[float, dict[str, float]]:
    """The mean response time and the per-user means of a run, computed as the UWFQ
    authors' analysis computes them from a Spark run's job list.

    Their analysis (github:kazemaksOG/spark-benchmark-tool, ``results/benchmark_classes.py``,
    ``User.get_event_data``) gives a user every Spark job group whose name contains the
    user's name (``if self.name in jobgroup``, a substring test on a job group named after
    its user and workload); a job group's RT is its last Spark job's completion minus its
    first one's submission (the trace job's RT here). ``results/visualize_results.py``
    (``create_table``) then takes a user's mean over that list and the overall mean over every
    user's list concatenated. With 27 users, ``user_1`` thus also collects the job groups of
    ``user_10`` ... ``user_19`` and ``user_2`` those of ``user_20`` ... ``user_27``, and those
    job groups count twice in the overall mean. Names of which none contains another (the
    synthetic scenarios) give the plain means.

    Parameters
    ----------
    users, rts
        Each job's user and response time.
    names
        The users the analysis knew (the measured table's users; a user with no job of
        its own still collects the others' job groups). The jobs' own users are added.

    Returns
    -------
    (mean, {user: mean})
        Users whose list is empty are left out, as the analysis skips them.

    Examples
    --------
    >>> from schedkit.experiments.calibrate_spark import authors_means
    >>> mean, per_user = authors_means(["user_1", "user_10", "user_2"], [1.0, 4.0, 7.0], ["user_1"])
    >>> round(mean, 6), per_user
    (4.0, {'user_1': 2.5, 'user_10': 4.0, 'user_2': 7.0})
    """
    pooled: list[float] = []
    per_user: dict[str, float] = {}
    for name in sorted({*names, *users}):
        own = [float(rt) for u, rt in zip(users, rts) if name in u]
        if own:
            per_user[name] = float(np.mean(own))
            pooled += own
    if not pooled:
        raise InvalidInstanceError("authors_means: users: no jobs")
    return float(np.mean(pooled)), per_user


def measure(t: Target, r: fair.Result, view: str = "authors") -> tuple[float, dict[str, float]]:
    """The mean RT and per-user mean RTs of the simulated run ``r`` of ``t``'s variant, as
    ``view`` (:data:`VIEWS`) measures them: ``"authors"`` by :func:`authors_means` over the
    users of ``t``'s table, ``"plain"`` each job once under its own user."""
    if view == "authors":
        return authors_means(r.jobs.column("user").to_pylist(), r.jobs.column("response_time").to_pylist(), t.users)
    if view == "plain":
        s = r.summary()
        return float(s["mean_response_time"]), {str(k): float(v) for k, v in s["user_mean_response_time"].items()}
    raise InvalidInstanceError(f"view: must be one of {VIEWS}, got {view!r}")


def variant_error(t: Target, r: fair.Result, view: str = "authors") -> float:
    """The loss of one variant: the squared log ratio (ours / measured) of the mean RT plus
    the mean squared log ratio of the per-user means (users the authors measured), ours
    measured as ``view`` says (:func:`measure`). Log
    ratios weigh a factor too high and the same factor too low alike (a relative error
    would cap an underestimate at 1 and leave an overestimate unbounded, which pulls a fit
    towards predicting too little)."""
    mean, ours = measure(t, r, view)
    rel = [math.log(ours[u] / m) for u, m in t.users.items() if u in ours and m > 0 and ours[u] > 0]
    return math.log(mean / t.mean) ** 2 + (float(np.mean(np.square(rel))) if rel else 0.0)


def overheads_of(x: Sequence[float] | np.ndarray) -> fair.SparkOverheads:
    """The model for a point of the search (the terms' absolute values)."""
    terms: dict[str, Any] = {k: abs(float(v)) for k, v in zip(FITTED, x)}
    structure = dict(STRUCTURE)
    if terms.get("setup_task") == 0:  # no setup work: no setup job
        structure["setup_tasks"] = 0
    return fair.SparkOverheads(**terms, **structure, name="fit")


def loss(x: Sequence[float] | np.ndarray, targets: list[Target], seed: int = 0, view: str = "authors") -> float:
    """Sum of :func:`variant_error` over ``targets`` for the model at ``x``."""
    o = overheads_of(x)
    return sum(variant_error(t, simulate(t.scenario, t.policy, t.partition, o, seed), view) for t in targets)


def nelder_mead(
    f: Callable[[np.ndarray], float], x0: Sequence[float] | np.ndarray, *, step: float = 0.5, iterations: int = 60
) -> tuple[np.ndarray, float, int]:
    """Minimises ``f`` from ``x0`` by Nelder-Mead (reflection 1, expansion 2, contraction
    1/2, shrink 1/2; initial simplex ``x0`` plus ``step * x0[i]`` along each axis).

    Returns
    -------
    (x, f(x), evaluations)

    Examples
    --------
    >>> from schedkit.experiments.calibrate_spark import nelder_mead
    >>> x, fx, _ = nelder_mead(lambda v: float(((v - [1.0, 2.0]) ** 2).sum()), [0.5, 0.5], iterations=200)
    >>> [round(float(c), 3) for c in x]
    [1.0, 2.0]
    """
    n = len(x0)
    pts = [np.asarray(x0, dtype=float)]
    for i in range(n):
        p = pts[0].copy()
        p[i] = p[i] + step * (p[i] if p[i] else 1.0)
        pts.append(p)
    vals = [f(p) for p in pts]
    evals = n + 1
    for _ in range(iterations):
        order = np.argsort(vals)
        pts = [pts[i] for i in order]
        vals = [vals[i] for i in order]
        centre = np.mean(pts[:-1], axis=0)
        refl = centre + (centre - pts[-1])
        fr = f(refl)
        evals += 1
        if fr < vals[0]:
            exp = centre + 2 * (centre - pts[-1])
            fe = f(exp)
            evals += 1
            pts[-1], vals[-1] = (exp, fe) if fe < fr else (refl, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = refl, fr
        else:
            con = centre + 0.5 * (pts[-1] - centre)
            fc = f(con)
            evals += 1
            if fc < vals[-1]:
                pts[-1], vals[-1] = con, fc
            else:
                pts = [pts[0]] + [pts[0] + 0.5 * (p - pts[0]) for p in pts[1:]]
                vals = [vals[0]] + [f(p) for p in pts[1:]]
                evals += n
    best = int(np.argmin(vals))
    return pts[best], vals[best], evals


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties; NaN when a side is constant).

    Examples
    --------
    >>> from schedkit.experiments.calibrate_spark import spearman
    >>> round(spearman([1, 2, 3, 4], [10, 20, 40, 30]), 12)
    0.8
    """

    ra, rb = _ranks(a), _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(v: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their mean rank."""
    x = np.asarray(v, dtype=float)
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x), dtype=float)
    for val in np.unique(x):  # ties share their mean rank
        m = x == val
        r[m] = r[m].mean()
    return r


def _rows(sc: str, o: fair.SparkOverheads | None, seed: int, view: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for t in measured(sc):
        r = simulate(sc, t.policy, t.partition, o, seed)
        ours = measure(t, r, view)[0]
        rows.append(
            {
                "variant": t.label,
                "measured": t.mean,
                "ours": ours,
                "error": ours / t.mean - 1,
                "loss": variant_error(t, r, view),
            }
        )
    return {"rows": rows, "spearman": spearman([r["measured"] for r in rows], [r["ours"] for r in rows])}


def compare(o: fair.SparkOverheads | None, seed: int = 0, view: str = "authors") -> dict[str, Any]:
    """Measured vs simulated, per scenario and variant: the fitted scenarios and the held-out
    ones, ours measured as ``view`` says (:func:`measure`).

    Returns
    -------
    dict
        ``fitted`` and ``held_out``: per scenario, ``rows`` (variant label, measured mean RT,
        ours, error = ours / measured - 1, the variant's loss term) and ``spearman`` over
        the variants.
    """
    return {
        "fitted": {sc: _rows(sc, o, seed, view) for sc in FIT_SCENARIOS},
        "held_out": {sc: _rows(sc, o, seed, view) for sc in HELD_OUT},
    }


def calibrate(*, iterations: int = 80, seed: int = 0, view: str = "authors") -> dict[str, Any]:
    """Fits :data:`FITTED` on the four fitted scenarios, ours measured as ``view`` says
    (:func:`measure`); returns the JSON document."""
    targets = [t for sc in FIT_SCENARIOS for t in measured(sc)]
    t0 = time.perf_counter()
    rest = np.asarray(START[FIRST_PHASE:], dtype=float)
    head, _, e1 = nelder_mead(
        lambda v: loss(np.concatenate([v, rest]), targets, seed, view), START[:FIRST_PHASE], iterations=iterations
    )
    x, fx, e2 = nelder_mead(
        lambda v: loss(v, targets, seed, view), np.concatenate([head, rest]), step=0.25, iterations=iterations
    )
    evals = e1 + e2
    o = overheads_of(x)
    params = {k: getattr(o, k) for k in ("job_service", "stage_service", "task_launch", "round_delay", "task_dispatch")}
    params |= {k: getattr(o, k) for k in ("setup_tasks", "setup_task", "scan_work", "iteration_work")}
    params |= {k: getattr(o, k) for k in ("plugin_service", "result_task", "stage_lock", "schema_task")}
    params |= {k: getattr(o, k) for k in SWITCHES}
    params |= {"executors": o.executors, "executor_cores": o.executor_cores}
    base = sum(variant_error(t, simulate(t.scenario, t.policy, t.partition, None, seed), view) for t in targets)
    cmp_ = compare(fair.SparkOverheads(**params, name="calibrated"), seed, view)
    return {
        "parameters": params,
        "fit": {
            "scenarios": list(FIT_SCENARIOS),
            "held_out": list(HELD_OUT),
            "fitted_terms": list(FITTED),
            "structure": dict(STRUCTURE),
            "loss": fx,
            "loss_without_overheads": base,
            "evaluations": evals,
            "seconds": time.perf_counter() - t0,
            "seed": seed,
            "view": view,
            "objective": "sum over variants of log(mean RT ours / measured)^2 + mean over users of log(user mean RT ours / measured)^2",
        },
        "residuals": cmp_["fitted"],
        "held_out": cmp_["held_out"],
    }


def _f(v: Any, fmt: str = "{:.2f}") -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def markdown(doc: dict[str, Any]) -> str:
    """The report: per scenario (fitted, then held out) and variant measured / ours / error,
    and the rank correlation."""
    lines = ["| scenario | variant | measured mean RT (s) | ours (s) | error |", "|---|---|---:|---:|---:|"]
    for part in ("residuals", "held_out"):
        for sc, block in doc[part].items():
            name = sc if part == "residuals" else f"{sc} (held out)"
            for r in block["rows"]:
                lines.append(
                    f"| {name} | {r['variant']} | {_f(r['measured'])} | {_f(r['ours'])} | "
                    f"{_f(100 * r['error'], '{:+.0f} %')} |"
                )
            lines.append(f"| {name} | **Spearman** | | | **{_f(block['spearman'])}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command: fit, write the JSON, print the report."""
    p = argparse.ArgumentParser(
        prog="python -m schedkit.experiments.calibrate_spark",
        description="Fit the Spark overhead model to the UWFQ authors' measured runs and report the fit.",
    )
    p.add_argument("--out", default=None, help="where to write the fitted JSON (default: the package's)")
    p.add_argument("--iterations", type=int, default=80, help="Nelder-Mead iterations (default 80)")
    p.add_argument("--seed", type=int, default=0, help="seed of the scenarios (default 0)")
    p.add_argument(
        "--view",
        choices=VIEWS,
        default="authors",
        help="how simulated runs are measured: as the authors' analysis did (default) or each job once",
    )
    args = p.parse_args(argv)
    doc = calibrate(iterations=args.iterations, seed=args.seed, view=args.view)
    out = Path(args.out) if args.out else data.path("spark_overheads.json")
    out.write_text(json.dumps(doc, indent=1) + "\n")
    prm = doc["parameters"]
    print(
        "fitted: "
        + ", ".join(
            f"{k} {prm[k]:.4g} s"
            for k in ("job_service", "stage_service", "task_launch", "round_delay", "task_dispatch", "setup_task")
        )
        + f", executed work {prm['scan_work']:.4g} + {prm['iteration_work']:.4g} x iterations^0.8188 core-s"
        + f"; loss {doc['fit']['loss']:.3f} (without overheads {doc['fit']['loss_without_overheads']:.3f}), "
        f"{doc['fit']['evaluations']} evaluations in {doc['fit']['seconds']:.0f} s"
    )
    print(markdown(doc))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
