"""DRF's node tree on clusters of many nodes gives what plain DRF gives.

The engine's DRF queue finds a task's node by a descent of a max tree over blocks of nodes
(going back up when a block's maxima are two nodes' and none fits) and writes the node a
task ended on into the tree only when something else happens first. These tests replay
random traces on clusters several blocks deep: every task must start at the same time on
the same node as in the plain progressive-filling simulation of ``test_drf_speedpath``,
and one-cpu tasks must run alike on few big nodes and many small ones of the same cpus
(a task fits wherever a cpu is free, and the shares are of the same totals).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedkit as sk
from tests.fair.test_drf_speedpath import plain_drf, random_case


@pytest.mark.parametrize(
    ("seed", "n_users", "n_nodes", "bounded"),
    [(11, 40, 64, True), (12, 300, 130, True), (13, 12, 257, False), (14, 90, 100, False)],
)
def test_drf_on_many_nodes_launches_as_plain_progressive_filling(seed, n_users, n_nodes, bounded):
    table, jobs, nodes = random_case(seed, n_users, n_nodes, bounded)
    spec = {"nodes": nodes} if bounded else {"nodes": n_nodes, "cores": 4 * n_nodes}
    r = sk.fair.replay(table, policy="drf", record_tasks=True, **spec).validate()
    got = sorted(zip(*(r.tasks.column(c).to_pylist() for c in ("job_id", "node", "start", "end"))))
    assert len(got) == sum(len(x["durations"]) for x in jobs)
    assert got == sorted(plain_drf(jobs, nodes))


def one_cpu_trace(seed: int, n_jobs: int, users: int, rate: float) -> pa.Table:
    """Jobs of 1-6 one-cpu tasks (durations with ties) from ``users`` users, Poisson
    arrivals at ``rate`` jobs a second."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, n_jobs)
    job = np.repeat(np.arange(n_jobs), sizes)
    n = int(sizes.sum())
    return pa.table(
        {
            "job_id": job,
            "user": pa.array([f"u{u}" for u in rng.integers(0, users, n_jobs)[job]], pa.string()),
            "submit_time": np.cumsum(rng.exponential(1 / rate, n_jobs))[job],
            "task_id": np.concatenate([np.arange(k) for k in sizes]),
            "duration": rng.choice([0.5, 1.0, 1.0, 2.0, 3.25], n),
            "cpu": np.ones(n),
            "memory": np.zeros(n),
        }
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    users=st.sampled_from([1, 5, 60]),
    load=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_one_cpu_tasks_run_alike_on_few_and_many_nodes(seed, users, load):
    cpus = 160
    table = one_cpu_trace(seed, 400, users, rate=load * cpus / (3.5 * 1.55))
    runs = [
        sk.fair.replay(table, policy="drf", cores=cpus, nodes=[(cpus / k, 1.0)] * k, record_tasks=True).validate()
        for k in (2, 40)  # 2 nodes of 80 cpus; 40 nodes of 4 cpus (5 blocks of the tree)
    ]
    starts = [sorted(zip(*(r.tasks.column(c).to_pylist() for c in ("job_id", "start", "end")))) for r in runs]
    assert starts[0] == starts[1]
    finish = [r.jobs.sort_by("job_id").column("finish_time").to_pylist() for r in runs]
    assert finish[0] == finish[1]
