"""Every backend returns the same table (wall times aside): local threads with one and two
workers, spawned processes, a real 2-CPU Ray instance and a real Dask LocalCluster. The
engines' tests are skipped, with the reason, where the package is not installed
(``pip install 'schedkit[ray]'`` / ``'schedkit[dask]'``)."""

from __future__ import annotations

import importlib.util

import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError

TRACE = "google2011_wta_500s_hetero.csv"

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install 'schedkit[ray]')"
)
needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="Dask is not installed (pip install 'schedkit[dask]')"
)


def _runs():
    # fair over one trace (one pass per worker), a fair scenario, and DAG / flow-time / packing
    # groups that share generated instances; each run is quick
    runs = sk.sweep.grid(area="fair", trace=TRACE, policy=["fifo", "uwfq"], estimate="noisy", seed=[0, 1])
    runs += [{"area": "fair", "scenario": "4_super_small_users", "policy": "uwfq"}]
    runs += sk.sweep.grid(area="dag", algorithm=["heft", "random"], tasks=40, seed=[0, 1])
    runs += sk.sweep.grid(area="flowtime", policy=["srpt", "rr"], jobs=200, load=0.8)
    runs += sk.sweep.grid(area="packing", method="ffd", nodes=4, pods_per_node=3, priorities=2, utilisation=1.1)
    runs += [{"area": "dag", "algorithm": "nope", "tasks": 10}]  # fails the same way everywhere
    return runs


@pytest.fixture(scope="module")
def reference():
    t = sk.sweep.run(_runs(), workers=1, progress=False)
    assert t.column("error").null_count == t.num_rows - 1
    return t.drop_columns(["wall_time_s"])


def _check(table, reference, backend):
    assert table.schema.metadata[b"schedkit.sweep.backend"] == f'"{backend}"'.encode()
    assert table.drop_columns(["wall_time_s"]).equals(reference)


@pytest.mark.parametrize(("backend", "workers"), [("local", 2), ("LOCAL", 3), ("processes", 2)])
def test_local_backends_agree(reference, backend, workers):
    _check(sk.sweep.run(_runs(), backend=backend, workers=workers, progress=False), reference, backend.lower())


def test_order_does_not_change_any_run(reference):
    t = sk.sweep.run(_runs()[::-1], workers=2, progress=False)
    assert t.drop_columns(["wall_time_s"]).to_pylist()[::-1] == reference.to_pylist()


def test_backend_names_and_options_are_checked():
    runs = sk.sweep.grid(area="dag", algorithm="heft", tasks=5)
    with pytest.raises(InvalidInstanceError, match="backend: unknown 'rey' \\(did you mean 'ray'\\?\\)"):
        sk.sweep.run(runs, backend="rey")
    with pytest.raises(InvalidInstanceError, match="workers: expected an integer >= 1, got 0"):
        sk.sweep.run(runs, workers=0)
    with pytest.raises(InvalidInstanceError, match="the local backend runs on this machine"):
        sk.sweep.run(runs, address="auto")


@needs_ray
def test_ray_on_a_users_instance_and_on_one_started_for_the_sweep(reference):
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    try:
        t = sk.sweep.run(_runs(), backend="ray", progress=False)
        _check(t, reference, "ray")
        assert ray.is_initialized()  # the user's instance is left running
        with pytest.warns(UserWarning, match="address 'auto' not used: Ray is already initialized"):
            tiny = sk.sweep.run(sk.sweep.grid(area="dag", algorithm="heft", tasks=5), backend="ray", address="auto")
        assert tiny.column("error").null_count == 1
    finally:
        ray.shutdown()
    t = sk.sweep.run(_runs(), backend="Ray", workers=2, progress=False)
    _check(t, reference, "ray")
    assert not ray.is_initialized()  # the one started for the sweep is stopped


@needs_dask
def test_dask_on_a_users_client_and_on_a_local_cluster_started_for_the_sweep(reference):
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            t = sk.sweep.run(_runs(), backend="dask", progress=False)
            _check(t, reference, "dask")
            assert client.status == "running"
        # the scheduler's address, as one would give for a remote cluster
        t = sk.sweep.run(_runs(), backend="dask", address=cluster.scheduler_address, progress=False)
        _check(t, reference, "dask")
    t = sk.sweep.run(_runs(), backend="dask", workers=2, progress=False)
    _check(t, reference, "dask")


def test_a_runs_threads_are_its_share_of_the_cpus(monkeypatch):
    from schedkit.sweep._exec import available_cpus

    seen = []
    real = sk.flowtime.simulate

    def spy(jobs, **kw):
        seen.append(kw["threads"])
        return real(jobs, **kw)

    monkeypatch.setattr(sk.flowtime, "simulate", spy)
    runs = sk.sweep.grid(area="flowtime", policy="srpt", jobs=50, load=[0.5, 0.6])
    sk.sweep.run(runs, workers=1, progress=False)
    sk.sweep.run(runs, workers=2, progress=False)
    cpus = available_cpus()
    assert seen == [cpus, cpus, max(1, cpus // 2), max(1, cpus // 2)]
