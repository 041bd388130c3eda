"""How Spark's FAIR pool breaks ties shapes the UWFQ authors' 120-job burst (issue 18): a
small pure-Python (heapq) simulation of ``4_super_small_users`` under the three orders a
``default`` pool can have, next to the authors' measured ``DEFAULT_FAIR`` runs.

Since Spark 3.4 (SPARK-42157) ``spark.scheduler.mode=FAIR`` without an allocation file makes
the ``default`` pool FAIR inside (``SparkOverheads.fair_default_pool``). Spark's
``FairSchedulingAlgorithm`` orders task sets by running tasks and breaks ties by the task set's
*name*, ``"TaskSet_<stage id>.<attempt>"``, compared as strings: stage 100 sorts before stage
32. schedkit's engine breaks the same ties in submission order. This script shows what the
string order does to the burst, on a deliberately bare model (no driver, no dispatch cost):

* 32 cores; user u (0-3) submits 30 queries at 0.1 x (u + 1) s;
* a query is four Spark jobs, each submitted when the previous one ends and each one stage
  with a new stage id: the listing (32 tasks of 25.4 ms), the schema (one 30-ms task), the
  scan (Loop20's 7.5 core-s: one task of 9 %, 31 equal ones) and the result (one 10-ms task);
* stage ids start at ``--offset`` (32: the authors' warm-up runs 8 Loop queries of 4 stages);
* at each completion (all completions of an instant first) the task sets with pending tasks
  are sorted once and fill the free cores in that order, the first taking all it can (as
  ``TaskSchedulerImpl.resourceOffers`` does).

Orders: ``fifo`` (job id, then stage id: the pre-3.4 default pool), ``fair_id`` (running
tasks, then stage id: schedkit's FAIR tie), ``fair_name`` (running tasks, then the name as a
string: Spark's). Printed per order: mean RT, per-user mean RT, the sorted bands (mean of the
smallest 80 %, the next 15 %, the last 5 %), their ratio to the total time, and the first end.

    python bench/ref_spark_fair_ties.py [--offset 32]
"""

from __future__ import annotations

import argparse
import heapq

#: The authors' DEFAULT_FAIR burst (their run table): mean, per-user means, bands, total (s).
MEASURED = {"mean": 28.11, "users": (31.3, 33.8, 26.0, 21.4), "bands": (25.0, 40.4, 41.8), "total": 43.3}

CORES = 32
USERS, PER_USER = 4, 30
LOOP20_WORK = 7.5  # core-s, the shipped fit's executed work of a Loop20 scan
STRAGGLER = 0.09  # share of the scan in its largest split (schedkit.fair._spark_jobs)


def stage_tasks(kind: int) -> list[float]:
    """Task lengths (s) of a query's kind-th Spark job: listing, schema, scan, result."""
    if kind == 0:
        return [0.0254] * 32
    if kind == 1:
        return [0.03]
    if kind == 2:
        return [STRAGGLER * LOOP20_WORK] + [(1 - STRAGGLER) * LOOP20_WORK / 31] * 31
    return [0.01]


def simulate(order: str, offset: int) -> list[float]:
    """Response time of each query (user-major order) under ``order``."""
    submit = [0.1 * (u + 1) for u in range(USERS) for _ in range(PER_USER)]
    events: list[tuple[float, int, int]] = [(s, 0, q) for q, s in enumerate(submit)]  # (t, 0, query)
    heapq.heapify(events)
    sets: dict[int, dict] = {}  # stage id -> its task set
    counters = {"stage": offset, "job": 0}
    ends: dict[int, float] = {}
    free = CORES

    def submit_job(q: int, kind: int) -> None:
        # a new Spark job, one stage: the next job id and the next stage id
        tasks = stage_tasks(kind)
        sets[counters["stage"]] = {
            "q": q,
            "kind": kind,
            "pending": tasks,
            "left": len(tasks),
            "running": 0,
            "job": counters["job"],
        }
        counters["stage"] += 1
        counters["job"] += 1

    def key(s: int) -> tuple:
        ts = sets[s]
        if order == "fifo":
            return (ts["job"], s)
        if order == "fair_id":
            return (ts["running"], s)
        return (ts["running"], f"TaskSet_{s}.0")

    while events:
        now, kind, who = heapq.heappop(events)
        if kind == 0:
            submit_job(who, 0)
        else:
            ts = sets[who]
            ts["running"] -= 1
            ts["left"] -= 1
            free += 1
            if ts["left"] == 0:
                del sets[who]
                if ts["kind"] < 3:
                    submit_job(ts["q"], ts["kind"] + 1)
                else:
                    ends[ts["q"]] = now
        if events and events[0][0] == now:
            continue  # every event of this instant first, then one offer round
        for s in sorted((s for s in sets if sets[s]["pending"]), key=key):
            ts = sets[s]
            while free and ts["pending"]:
                heapq.heappush(events, (now + ts["pending"].pop(0), 1, s))
                ts["running"] += 1
                free -= 1
            if not free:
                break
    return [ends[q] - submit[q] for q in range(len(submit))]


def summary(rt: list[float]) -> tuple[float, list[float], tuple[float, float, float]]:
    s = sorted(rt)
    n = len(s)
    a, b = int(0.8 * n), int(0.95 * n)
    users = [sum(rt[u * PER_USER : (u + 1) * PER_USER]) / PER_USER for u in range(USERS)]
    return sum(rt) / n, users, (sum(s[:a]) / a, sum(s[a:b]) / (b - a), sum(s[b:]) / (n - b))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--offset", type=int, default=32, help="the first stage id of the burst (default 32)")
    args = p.parse_args()
    m = MEASURED
    print("| order | mean RT | users 1 / 2 / 3 / 4 | bands 80 / 15 / 5 % | bands / total |")
    print("|---|---:|---|---|---|")
    bands = " / ".join(f"{x:.1f}" for x in m["bands"])
    ratio = " / ".join(f"{x / m['total']:.2f}" for x in m["bands"])
    print(
        f"| measured DEFAULT_FAIR | {m['mean']:.1f} | {' / '.join(f'{x:.1f}' for x in m['users'])} | {bands} | {ratio} |"
    )
    for order in ("fifo", "fair_id", "fair_name"):
        rt = simulate(order, args.offset)
        # total time: first submission (0.1 s) to last end
        span = max(r + 0.1 * (1 + q // PER_USER) for q, r in enumerate(rt)) - 0.1
        mean, users, b = summary(rt)
        print(
            f"| {order} | {mean:.1f} | {' / '.join(f'{x:.1f}' for x in users)} | "
            f"{' / '.join(f'{x:.1f}' for x in b)} | {' / '.join(f'{x / span:.2f}' for x in b)} |"
        )


if __name__ == "__main__":
    main()
