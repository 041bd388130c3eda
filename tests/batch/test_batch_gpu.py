"""The CuPy backend of schedkit.batch gives the NumPy reference's numbers.

Every test here needs CuPy and a CUDA GPU; without them the whole module is skipped and
``pytest -rs`` prints why. Integer-valued data must give identical results, real data agree to
1e-9 relative (the GPU sums in another order).
"""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit import batch
from schedkit.batch import _chunks
from schedkit.batch import _cuda as _batch_cuda
from schedkit.batch import _xp as _batch_xp
from schedkit.exceptions import InvalidInstanceError

pytestmark = pytest.mark.gpu

_USABLE, _REASON = _batch_cuda.cupy_status()
if not _USABLE:
    pytest.skip(f"no usable GPU: {_REASON}", allow_module_level=True)

import cupy  # noqa: E402  (only importable where the skip above did not fire)

# The DAG of the hand-computed example in test_batch_backends.py, then a larger random one.
COST = [[2, 3], [3, 1], [4, 2], [2, 2]]
SRC, DST, DATA = [0, 0, 1, 2], [1, 2, 3, 3], [4, 2, 1, 3]
GRAPH = sk.dag.TaskGraph(SRC, DST, DATA)


def cluster(node_cpu, node_mem, pod_cpu, pod_mem) -> sk.packing.Cluster:
    """A cluster of these capacities and requests, every pod pending at priority 0."""
    return sk.packing.Cluster(node_cpu, node_mem, pod_cpu, pod_mem, np.zeros(len(pod_cpu), dtype=np.int64))


def host(x):
    assert isinstance(x, cupy.ndarray), f"expected a CuPy result, got {type(x)}"
    return x.get()


def random_orders(rng, n, src, dst, rows):
    """Random topological orders: sort by (level, random key), where a task's level is one
    more than its predecessors' (edges go from lower to higher ids)."""
    level = np.zeros(n, dtype=np.int64)
    for s, d in sorted(zip(src.tolist(), dst.tolist()), key=lambda e: e[1]):
        level[d] = max(level[d], level[s] + 1)
    return np.lexsort((rng.random((rows, n)), np.broadcast_to(level, (rows, n))), axis=1)


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(11)
    n, b, q = 50, 500, 3
    src = rng.integers(0, n - 1, 80)
    dst = np.minimum(src + rng.integers(1, 6, 80), n - 1)
    inst = sk.tardiness.Instance(rng.integers(1, 20, n), rng.integers(0, 400, n), rng.integers(0, 6, n))
    perms = np.argsort(rng.random((b, n)), axis=1)
    cost = rng.integers(0, 9, (n, q)).astype(float)
    data = rng.integers(0, 5, src.shape[0]).astype(float)
    # A TaskGraph has no duplicate edges: keep the first of each (src, dst) pair.
    _, first = np.unique(np.stack([src, dst]), axis=1, return_index=True)
    first.sort()
    src, dst, data = src[first], dst[first], data[first]
    return dict(
        n=n,
        b=b,
        inst=inst,
        perms=perms,
        cost=cost,
        graph=sk.dag.TaskGraph(src, dst, data, num_tasks=n),
        # the links of the hand-made platform, and the default links (bandwidth 1, latency 0)
        platform=sk.dag.Platform(
            cost, bandwidth=np.array([[1, 2, 4], [0.5, 1, 2], [4, 4, 1]]), latency=[1.0, 0.0, 2.0]
        ),
        plain_platform=sk.dag.Platform(cost),
        orders=random_orders(rng, n, src, dst, b),
    )


# --------------------------------------------------------------------------- single machine


@pytest.mark.parametrize("objective", batch.OBJECTIVES)
def test_sequences_cupy_equals_numpy(case, objective):
    inst, perms = case["inst"], case["perms"]
    ours = host(batch.evaluate_sequences(inst, perms, objective=objective, device="cupy"))
    np.testing.assert_array_equal(ours, batch.evaluate_sequences(inst, perms, objective=objective, device="numpy"))
    # A CuPy input gives the same, on either side.
    np.testing.assert_array_equal(
        host(batch.evaluate_sequences(inst, cupy.asarray(perms), objective=objective, device="cuda")), ours
    )
    on_host = batch.evaluate_sequences(inst, cupy.asarray(perms), objective=objective, device="numpy")
    assert isinstance(on_host, np.ndarray)
    np.testing.assert_array_equal(on_host, ours)


def test_sequences_real_data(case):
    rng = np.random.default_rng(5)
    n = 300
    p, d, w = rng.uniform(0.1, 10, n), rng.uniform(0, 1500, n), rng.uniform(0, 3, n)
    inst = sk.tardiness.Instance(p, d, w)
    perms = np.argsort(rng.random((200, n)), axis=1)
    scale = n * p.sum() * w.max()
    for objective in batch.OBJECTIVES:
        np.testing.assert_allclose(
            host(batch.evaluate_sequences(inst, perms, objective=objective, device="cupy")),
            batch.evaluate_sequences(inst, perms, objective=objective, device="numpy"),
            rtol=1e-9,
            atol=1e-12 * scale,
        )


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    ("b", "n"), [(0, 5), (3, 0), (1, 1), (9, 31), (17, 32), (33, 33), (100, 64), (7, 65), (257, 1000)]
)
def test_raw_kernel_equals_xp_path(dtype, weighted, b, n):
    rng = np.random.default_rng(b * 1000 + n)
    p = cupy.asarray(rng.integers(1, 50, n).astype(float))
    d = cupy.asarray(rng.integers(0, 25 * n + 1, n).astype(float))
    w = cupy.asarray(rng.integers(0, 9, n).astype(float))
    perms = cupy.asarray(np.argsort(rng.random((b, n)), axis=1).astype(dtype))
    objective = "total_weighted_tardiness" if weighted else "total_tardiness"
    kernel = _batch_cuda.tardiness_kernel(perms, p, d, w, weighted=weighted)
    assert isinstance(kernel, cupy.ndarray) and kernel.shape == (b,) and kernel.dtype == cupy.float64
    np.testing.assert_array_equal(kernel.get(), _batch_xp.evaluate_xp(cupy, p, d, w, perms, objective).get())


@pytest.mark.parametrize("n", [1, 31, 33, 100, 1000, 3000])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_checked_kernel_marks_exactly_the_bad_rows(n, dtype):
    rng = np.random.default_rng(n)
    b = 300
    p = cupy.asarray(rng.integers(1, 50, n).astype(float))
    d = cupy.asarray(rng.integers(0, 25 * n + 1, n).astype(float))
    w = cupy.asarray(rng.integers(0, 9, n).astype(float))
    host = np.argsort(rng.random((b, n)), axis=1).astype(dtype)
    bad_rows = [3, 150, 299]
    host[3, 0] = n  # out of range
    host[150, -1] = -1  # negative
    if n > 1:
        host[299, 1] = host[299, 0]  # repeated
    else:
        host[299, 0] = 1
    got = _batch_cuda.tardiness_kernel(cupy.asarray(host), p, d, w, weighted=True, check=True).get()
    assert np.flatnonzero(np.isnan(got)).tolist() == bad_rows
    good = np.setdiff1d(np.arange(b), bad_rows)
    ref = _batch_xp.evaluate_xp(np, p.get(), d.get(), w.get(), host[good].astype(np.int64), "total_weighted_tardiness")
    np.testing.assert_array_equal(got[good], ref)


def test_long_rows_use_the_separate_check():
    n = _batch_cuda.KERNEL_CHECK_MAX_N + 5
    rng = np.random.default_rng(1)
    inst = sk.tardiness.Instance(rng.integers(1, 9, n), rng.integers(0, 5 * n, n))
    perms = np.argsort(rng.random((3, n)), axis=1)
    got = batch.evaluate_sequences(inst, cupy.asarray(perms), device="cupy").get()
    np.testing.assert_array_equal(got, batch.evaluate_sequences(inst, perms, device="rust"))
    perms[2, 7] = perms[2, 8]
    with pytest.raises(InvalidInstanceError, match=r"perms\[2\]"):
        batch.evaluate_sequences(inst, cupy.asarray(perms), device="cupy")


def test_raw_kernel_real_data():
    rng = np.random.default_rng(3)
    n = 777
    p, d, w = (
        cupy.asarray(rng.uniform(0.01, 5, n)),
        cupy.asarray(rng.uniform(0, 2000, n)),
        cupy.asarray(rng.uniform(0, 2, n)),
    )
    perms = cupy.asarray(np.argsort(rng.random((300, n)), axis=1))
    ref = _batch_xp.evaluate_xp(np, p.get(), d.get(), w.get(), perms.get(), "total_weighted_tardiness")
    got = _batch_cuda.tardiness_kernel(perms, p, d, w, weighted=True).get()
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * n * float(p.sum()) * 2)


def test_invalid_perms_are_named_on_device(case):
    perms = case["perms"].copy()
    perms[123, 4] = perms[123, 5]
    perms[400, 0] = -1
    with pytest.raises(InvalidInstanceError, match=r"perms\[123\]") as exc:
        batch.evaluate_sequences(case["inst"], cupy.asarray(perms), objective="total_tardiness", device="cupy")
    assert exc.value.index == 123
    with pytest.raises(InvalidInstanceError) as exc:  # the index counts from the whole batch
        batch.evaluate_sequences(case["inst"], perms, objective="total_tardiness", device="cupy", max_chunk_rows=50)
    assert exc.value.index == 123


# --------------------------------------------------------------------------- the other evaluations


def test_dag_orders_cupy_equals_numpy(case):
    orders = case["orders"].copy()
    orders[::9] = case["perms"][::9]  # rows that break precedence
    orders[5, 0] = case["n"]  # an out-of-range id
    args = (case["graph"], case["platform"], orders)
    kw = dict(errors="nan")
    ours = host(batch.evaluate_dag_orders(*args, device="cupy", **kw))
    np.testing.assert_array_equal(ours, batch.evaluate_dag_orders(*args, device="numpy", **kw))
    assert np.isnan(ours[5]) and np.isnan(ours[::9]).all() and np.isfinite(ours[1])
    bandwidth_only = sk.dag.Platform(case["cost"], bandwidth=case["platform"].bandwidth)
    with pytest.raises(InvalidInstanceError, match=r"orders\[0\]"):
        batch.evaluate_dag_orders(case["graph"], bandwidth_only, orders, device="cupy")
    hand = batch.evaluate_dag_orders(
        GRAPH, sk.dag.Platform(COST, latency=[1, 0]), cupy.asarray([[0, 1, 2, 3], [0, 2, 1, 3]]), device="cupy"
    )
    assert host(hand).tolist() == [9.0, 11.0]


def test_dag_perturbed_cupy_equals_numpy(case):
    rng = np.random.default_rng(2)
    n = case["n"]
    factors = rng.integers(0, 7, (1000, n)) / 4
    args = (case["graph"], case["platform"], rng.integers(0, 3, n), case["orders"][0], factors)
    kw: dict = {}
    ours = host(batch.evaluate_dag_perturbed(*args, device="cupy", **kw))
    np.testing.assert_array_equal(ours, batch.evaluate_dag_perturbed(*args, device="numpy", **kw))
    real = batch.sample_duration_factors(1000, n, sigma=0.3, seed=1, xp=cupy)
    assert isinstance(real, cupy.ndarray) and abs(float(real.mean()) - 1) < 0.02
    real_args = args[:-1] + (real,)
    np.testing.assert_allclose(
        host(batch.evaluate_dag_perturbed(*real_args, device="cupy", **kw)),
        batch.evaluate_dag_perturbed(*real_args, device="numpy", **kw),
        rtol=1e-9,
    )
    bad = factors.copy()
    bad[77, 3] = np.inf
    with pytest.raises(InvalidInstanceError, match=r"factors\[77\]"):
        batch.evaluate_dag_perturbed(*args[:-1], cupy.asarray(bad), device="cupy", **kw)
    cpu = batch.deadline_probability(*args[:-1], 60.0, device="numpy", **kw, samples=3000)
    gpu = batch.deadline_probability(*args[:-1], 60.0, device="cupy", **kw, samples=3000)
    assert gpu.probability == cpu.probability and gpu.mean_makespan == pytest.approx(cpu.mean_makespan, rel=1e-12)


def test_flowtime_cupy_equals_numpy(case):
    inst, perms = case["inst"], case["perms"].copy()
    perms[17, 3] = perms[17, 4]
    for weight in (None, inst.w + 1):
        args = (sk.flowtime.Jobs(inst.d, inst.p, weight=weight), perms)
        ours = host(batch.evaluate_flowtime_orders(*args, errors="nan", device="cupy"))
        np.testing.assert_array_equal(ours, batch.evaluate_flowtime_orders(*args, errors="nan", device="numpy"))
        assert np.isnan(ours[17]) and np.isfinite(np.delete(ours, 17)).all()
    with pytest.raises(InvalidInstanceError, match=r"orders\[17\]"):
        batch.evaluate_flowtime_orders(sk.flowtime.Jobs(inst.d, inst.p), perms, device="cupy")


def test_packing_cupy_equals_numpy():
    rng = np.random.default_rng(4)
    nodes, pods, b = 8, 40, 700
    args = (
        cluster(
            rng.integers(20, 60, nodes),
            rng.integers(20, 60, nodes),
            rng.integers(0, 6, pods),
            rng.integers(0, 6, pods),
        ),
    )
    assignments = rng.integers(-1, nodes, (b, pods))
    assignments[3, 0] = -2
    for kw in (dict(), dict(probe_cpu=3), dict(probe_cpu=2.5, probe_mem=1.5)):
        placed, rate = batch.evaluate_packing(*args, cupy.asarray(assignments), errors="nan", device="cupy", **kw)
        ref_placed, ref_rate = batch.evaluate_packing(*args, assignments, errors="nan", device="numpy", **kw)
        np.testing.assert_array_equal(host(placed), ref_placed)
        np.testing.assert_array_equal(host(rate), ref_rate)
        assert placed.dtype == cupy.int64 and host(placed)[3] == -1
    with pytest.raises(InvalidInstanceError, match=r"assignments\[3\]"):
        batch.evaluate_packing(*args, assignments, device="cupy")


# --------------------------------------------------------------------------- chunking and devices


def test_chunking_by_tiny_chunks(case):
    # 60 rows: one-row chunks launch every kernel 60 times, which is slow enough.
    inst, perms, orders = case["inst"], case["perms"][:60], case["orders"][:60]
    dag = (case["graph"], case["plain_platform"])
    factors = np.random.default_rng(0).integers(0, 5, (60, case["n"])) / 2
    jobs = sk.flowtime.Jobs(inst.d, inst.p)
    nodes = cluster([50] * 5, [50] * 5, inst.p[:10], inst.p[:10])
    calls = [
        lambda **kw: batch.evaluate_sequences(inst, perms, objective="total_weighted_tardiness", **kw),
        lambda **kw: batch.evaluate_sequences(inst, perms, objective="total_completion_time", **kw),
        lambda **kw: batch.evaluate_dag_orders(*dag, orders, **kw),
        lambda **kw: batch.evaluate_dag_perturbed(*dag, np.zeros(case["n"], dtype=int), orders[0], factors, **kw),
        lambda **kw: batch.evaluate_flowtime_orders(jobs, perms, **kw),
        lambda **kw: batch.evaluate_packing(nodes, perms[:, :10] % 6 - 1, errors="nan", **kw)[1],
    ]
    for call in calls:
        whole = host(call(device="cupy"))
        for rows in (1, 3, 64):
            np.testing.assert_array_equal(host(call(device="cupy", max_chunk_rows=rows)), whole)


def test_chunk_size_follows_free_memory():
    free, _ = cupy.cuda.runtime.memGetInfo()
    rows = _batch_cuda.chunk_rows("cupy", 1000)
    assert rows >= 1 and rows * 1000 <= free + cupy.get_default_memory_pool().free_bytes()
    assert _batch_cuda.chunk_rows("cupy", 10**15) == 1
    assert _batch_cuda.chunk_rows("cupy", 1000, max_chunk_rows=7) == 7


def test_out_of_memory_halves_the_chunk(monkeypatch):
    # A chunk above 40 rows "runs out of memory": the batch still completes, in smaller chunks.
    def step(xp, chunk, start):
        if chunk.shape[0] > 40:
            raise cupy.cuda.memory.OutOfMemoryError(1 << 40, 0)
        return (chunk.sum(axis=1).astype(xp.float64),)

    rows = cupy.arange(1000 * 3).reshape(1000, 3)
    monkeypatch.setattr(_batch_cuda, "chunk_rows", lambda *args: 1000)
    (out,) = _chunks.map_rows("cupy", rows, 24, None, step, (np.float64,))
    np.testing.assert_array_equal(out.get(), rows.sum(axis=1).get())


def test_auto_prefers_the_gpu(monkeypatch):
    monkeypatch.delenv("SCHEDKIT_DEVICE", raising=False)
    assert _batch_cuda.resolve_device(None) == "cupy"
    out = batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0, 1, 5], [3, 2, 1], weight=[1, 2, 1]), [[0, 1, 2]])
    assert isinstance(out, cupy.ndarray) and out.get().tolist() == [12.0]


def test_random_restart_search_on_the_gpu(case):
    inst = sk.tardiness.Instance(case["inst"].p[:12], case["inst"].d[:12] / 4, case["inst"].w[:12])
    gpu = batch.random_restart_search(inst, restarts=6, seed=1, device="cupy")
    cpu = batch.random_restart_search(inst, restarts=6, seed=1, device="numpy")
    assert gpu[1] == cpu[1] and gpu[0].tolist() == cpu[0].tolist()
