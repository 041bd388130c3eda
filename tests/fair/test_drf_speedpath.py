"""DRF's fast paths give what plain DRF gives.

The engine's DRF queue keeps its users in a tournament tree and its nodes in a max tree,
and the replay reads per-stage requests in one pass; here a plain progressive-filling
simulation written from the definition (Ghodsi et al., "Dominant Resource Fairness", NSDI
2011, section 4: the user with the lowest dominant share launches its next task, when it
fits) replays random traces with many users and nodes, and must launch every task at the
same time on the same node. The per-stage requests are checked against a row loop.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._engine import Names, batch_from_chunk


def fits(cpu: float, mem: float, fc: float, fm: float) -> bool:
    """The engine's fit test, relative tolerance for the rounding of repeated subtractions."""
    return cpu <= fc + 1e-9 * max(fc, 1.0) and mem <= fm + 1e-9 * min(max(abs(fm), 1.0), 1e12)


def plain_drf(jobs: list[dict], nodes: list[tuple[float, float]]) -> list[tuple[int, int, float, float]]:
    """(job, node, start, end) of every task under DRF, simulated plainly.

    The engine's event order: one event at a time (completions first at equal times, by
    (end, job, node); arrivals in submit order), each followed by a round of progressive
    filling: repeatedly, among the waiting users that have not sat out the round, the one
    with the smallest (dominant share, user number) starts its oldest job's next task on the
    first node where it fits, or sits out the round when it fits nowhere. Users are numbered
    by first appearance, memory counts when the nodes have finite memory.
    """
    free = list(nodes)
    total_cpu = sum(c for c, _ in nodes)
    total_mem = sum(m for _, m in nodes)
    users: dict[str, int] = {}
    used: list[list[float]] = []
    waiting: list[list[int]] = []  # per user: its jobs with tasks not started, oldest first
    next_task = [0] * len(jobs)
    running: list[tuple[float, int, int]] = []
    out = []

    def share(u: int) -> float:
        m = used[u][1] / total_mem if math.isfinite(total_mem) else 0.0
        return max(used[u][0] / total_cpu, m)

    def round_(t: float) -> None:
        sat_out: set[int] = set()
        while True:
            cands = sorted((share(u), u) for u in range(len(users)) if waiting[u] and u not in sat_out)
            if not cands:
                return
            u = cands[0][1]
            j = waiting[u][0]
            c, m = jobs[j]["cpu"], jobs[j]["mem"]
            node = next((n for n, (fc, fm) in enumerate(free) if fits(c, m, fc, fm)), None)
            if node is None:
                sat_out.add(u)
                continue
            free[node] = (max(free[node][0] - c, 0.0), max(free[node][1] - m, 0.0))
            used[u][0] += c
            used[u][1] += m
            end = t + jobs[j]["durations"][next_task[j]]
            next_task[j] += 1
            if next_task[j] == len(jobs[j]["durations"]):
                waiting[u].pop(0)
            heapq.heappush(running, (end, j, node))
            out.append((j, node, t, end))

    arrivals = iter(range(len(jobs)))
    j_next = next(arrivals, None)
    while running or j_next is not None:
        if running and (j_next is None or running[0][0] <= jobs[j_next]["submit"]):
            t, j, node = heapq.heappop(running)
            u = users[jobs[j]["user"]]
            c, m = jobs[j]["cpu"], jobs[j]["mem"]
            cap = nodes[node]
            free[node] = (min(free[node][0] + c, cap[0]), min(free[node][1] + m, cap[1]))
            used[u] = [max(used[u][0] - c, 0.0), max(used[u][1] - m, 0.0)]
        else:
            j = j_next
            t = jobs[j]["submit"]
            u = users.setdefault(jobs[j]["user"], len(users))
            if u == len(used):
                used.append([0.0, 0.0])
                waiting.append([])
            waiting[u].append(j)
            j_next = next(arrivals, None)
        round_(t)
    return out


def random_case(seed: int, n_users: int, n_nodes: int, bounded: bool) -> tuple[pa.Table, list[dict], list]:
    """A trace of single-stage jobs (1-5 tasks, requests that fit the largest node) from
    ``n_users`` users on ``n_nodes`` random nodes; ``bounded``: with memory requests."""
    rng = np.random.default_rng(seed)
    if bounded:
        nodes = [
            (float(rng.choice([1.0, 2.0, 3.5, 4.0, 8.0])), float(rng.choice([2.0, 4.0, 6.5, 16.0])))
            for _ in range(n_nodes)
        ]
    else:  # memory not modelled: equal nodes of 4 cpus (``nodes=n`` with the default memory)
        nodes = [(4.0, math.inf)] * n_nodes
    biggest = max(nodes, key=lambda n: n[0])
    jobs = []
    submit = 0.0
    for _ in range(int(rng.integers(20, 300))):
        submit += float(rng.choice([0.0, 0.0, 0.25, 0.5, 1.0]))  # many equal times: ties
        c = min(float(rng.choice([0.0, 0.25, 0.5, 1.0, 1.0, 1.5, 2.0])), biggest[0])
        m = min(float(rng.choice([0.0, 0.5, 1.0, 2.0])), biggest[1]) if bounded else 0.0
        k = int(rng.integers(1, 6))
        jobs.append(
            {
                "user": f"u{int(rng.integers(0, n_users)):04d}",
                "submit": submit,
                "cpu": c,
                "mem": m,
                "durations": [float(x) for x in rng.choice([0.5, 1.0, 1.0, 2.0, 3.25], k)],
            }
        )
    rows = [
        (j, x["user"], x["submit"], i, d, x["cpu"], x["mem"])
        for j, x in enumerate(jobs)
        for i, d in enumerate(x["durations"])
    ]
    cols = list(zip(*rows))
    table = pa.table(
        {
            "job_id": pa.array(cols[0], pa.int64()),
            "user": pa.array(cols[1], pa.string()),
            "submit_time": pa.array(cols[2], pa.float64()),
            "task_id": pa.array(cols[3], pa.int64()),
            "duration": pa.array(cols[4], pa.float64()),
            "cpu": pa.array(cols[5], pa.float64()),
            **({"memory": pa.array(cols[6], pa.float64())} if bounded else {}),
        }
    )
    return table, jobs, nodes


@pytest.mark.parametrize(
    ("seed", "n_users", "n_nodes", "bounded"),
    [
        (1, 1, 1, True),
        (2, 3, 2, True),
        (3, 12, 5, True),
        (4, 40, 3, False),
        (5, 300, 7, True),
        (6, 300, 1, False),
        (7, 90, 33, True),
    ],
)
def test_drf_launches_as_plain_progressive_filling(seed, n_users, n_nodes, bounded):
    table, jobs, nodes = random_case(seed, n_users, n_nodes, bounded)
    # without memory: DRF on cpus alone, n equal nodes sharing the cores
    spec = {"nodes": nodes} if bounded else {"nodes": n_nodes, "cores": 4 * n_nodes}
    r = sk.fair.replay(table, policy="drf", record_tasks=True, **spec).validate()
    got = sorted(zip(*(r.tasks.column(c).to_pylist() for c in ("job_id", "node", "start", "end"))))
    want = sorted(plain_drf(jobs, nodes))
    assert len(got) == sum(len(x["durations"]) for x in jobs)
    assert got == want


def test_stage_requests_are_the_largest_of_their_rows():
    # three jobs, job 1 in two stages; a stage's request is its rows' largest, a missing
    # (NaN) memory request counts as 0 when memory is not bounded
    cpu = [0.5, 2.0, 1.0, 1.0, 3.0, 0.25, 0.75]
    mem = [1.0, np.nan, 0.0, 4.0, np.nan, np.nan, 2.0]
    t = pa.table(
        {
            "job_id": pa.array([0, 0, 1, 1, 1, 2, 2], pa.int64()),
            "user": ["a", "a", "b", "b", "b", "a", "a"],
            "submit_time": [0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0],
            "task_id": pa.array([0, 1, 0, 1, 0, 0, 1], pa.int64()),
            "duration": [1.0] * 7,
            "stage": pa.array([0, 0, 0, 0, 1, 0, 0], pa.int64()),
            "cpu": cpu,
            "memory": mem,
        }
    )
    b = batch_from_chunk(t, Names(), Names(), None, requests=True, memory_bounded=False)
    assert b.stage_cpu.tolist() == [2.0, 1.0, 3.0, 0.75]
    assert b.stage_mem.tolist() == [1.0, 4.0, 0.0, 2.0]
    b = batch_from_chunk(t.drop_columns(["memory"]), Names(), Names(), None, requests=True)
    assert b.stage_mem.tolist() == [0.0, 0.0, 0.0, 0.0]
    with pytest.raises(InvalidInstanceError, match="job 0, task 1: no memory request") as e:
        batch_from_chunk(t, Names(), Names(), None, requests=True, memory_bounded=True)
    assert e.value.field == "memory"
    no_cpu = t.set_column(t.schema.get_field_index("cpu"), "cpu", pa.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, None]))
    with pytest.raises(InvalidInstanceError, match="job 2, task 1: no cpu request"):
        batch_from_chunk(no_cpu, Names(), Names(), None, requests=True)
    with pytest.raises(InvalidInstanceError, match="job 0, task 0: no cpu request"):
        batch_from_chunk(t.drop_columns(["cpu"]), Names(), Names(), None, requests=True)


@pytest.mark.parametrize("seed", range(5))
def test_stage_requests_match_a_row_loop(seed):
    # random stages, requests >= 0 with missing (NaN) ones, whole stages missing included
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    job = np.sort(rng.integers(0, max(1, n // 4), n))
    stage = np.zeros(n, np.int64)
    for j in np.unique(job):
        rows = np.flatnonzero(job == j)
        stage[rows] = np.sort(rng.integers(0, 3, len(rows)))
    req = {c: np.where(rng.random(n) < 0.4, np.nan, rng.choice([0.0, 0.5, 1.0, 3.0], n)) for c in ("cpu", "memory")}
    req["cpu"][np.isnan(req["cpu"])] = 1.0  # cpu is needed: present everywhere
    t = pa.table(
        {
            "job_id": pa.array(job, pa.int64()),
            "user": ["a"] * n,
            "submit_time": job.astype(float),
            "task_id": pa.array(np.arange(n), pa.int64()),
            "duration": [1.0] * n,
            "stage": pa.array(stage, pa.int64()),
            **req,
        }
    )
    b = batch_from_chunk(t, Names(), Names(), None, requests=True, memory_bounded=False)
    keys = list(dict.fromkeys(zip(job.tolist(), stage.tolist())))
    for name, got in (("cpu", b.stage_cpu), ("memory", b.stage_mem)):
        want = [
            max(0.0 if math.isnan(x) else x for x, jj, ss in zip(req[name], job, stage) if (jj, ss) == k) for k in keys
        ]
        assert got.tolist() == want
