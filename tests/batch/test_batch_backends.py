"""schedkit.batch across backends: NumPy (the reference) against Rust, hand-computed cases,
invalid rows, empty batches, the chunked path and device selection.

Instances are built as the area types the evaluators take (``dag.TaskGraph`` and
``dag.Platform``, ``flowtime.Jobs``, ``packing.Cluster``); their own validation is what rejects
bad instance arrays now.

Integer-valued data (and bandwidths that are powers of two) make every operation exact, so the
backends must agree bit for bit. Tests marked ``gpu`` also compare CuPy with Rust and are
skipped without a usable GPU.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import schedkit as sk
from schedkit import batch
from schedkit.batch import _cuda as _batch_cuda
from schedkit.batch import _sampling
from schedkit.exceptions import DeviceUnavailableError, InvalidInstanceError

GPU, GPU_REASON = _batch_cuda.cupy_status()
needs_gpu = pytest.mark.skipif(not GPU, reason=f"no usable GPU: {GPU_REASON}")
no_gpu_here = pytest.mark.skipif(GPU, reason="a usable GPU is present")
CPU_DEVICES = ["numpy", "rust"]
SETTINGS = settings(deadline=None)  # example counts come from the profile in conftest.py

# The hand-computed DAG: 0 -> {1, 2} -> 3 on two processors, bandwidth 1, latency (1, 0).
COST = [[2, 3], [3, 1], [4, 2], [2, 2]]
SRC, DST, DATA = [0, 0, 1, 2], [1, 2, 3, 3], [4, 2, 1, 3]
LATENCY = [1, 0]
GRAPH = sk.dag.TaskGraph(SRC, DST, DATA)
PLATFORM = sk.dag.Platform(COST, latency=LATENCY)
PLATFORM_NO_LATENCY = sk.dag.Platform(COST)  # latency 0, the platform's default


def cluster(node_cpu, node_mem, pod_cpu, pod_mem) -> sk.packing.Cluster:
    """A cluster of these capacities and requests, every pod pending at priority 0."""
    return sk.packing.Cluster(node_cpu, node_mem, pod_cpu, pod_mem, np.zeros(len(pod_cpu), dtype=np.int64))


# --------------------------------------------------------------------------- strategies


def topological_order(n: int, src: np.ndarray, dst: np.ndarray, keys: list[int]) -> list[int]:
    """Kahn's algorithm taking the ready task of least key: a random topological order."""
    indegree = np.bincount(dst, minlength=n)
    ready = [i for i in range(n) if indegree[i] == 0]
    order = []
    while ready:
        i = min(ready, key=lambda t: (keys[t], t))
        ready.remove(i)
        order.append(i)
        for e in np.flatnonzero(src == i):
            indegree[dst[e]] -= 1
            if indegree[dst[e]] == 0:
                ready.append(int(dst[e]))
    return order


@st.composite
def dags(draw, max_n: int = 7, max_q: int = 3) -> tuple[sk.dag.TaskGraph, sk.dag.Platform]:
    n = draw(st.integers(0, max_n))
    q = draw(st.integers(1, max_q))
    labels = draw(st.permutations(range(n)))
    pairs = [(labels[i], labels[j]) for i in range(n) for j in range(i + 1, n)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=12)) if pairs else []
    graph = sk.dag.TaskGraph(
        np.array([u for u, _ in edges], dtype=np.int64),
        np.array([v for _, v in edges], dtype=np.int64),
        np.array(draw(st.lists(st.integers(0, 5), min_size=len(edges), max_size=len(edges))), dtype=float),
        num_tasks=n,
    )
    platform = sk.dag.Platform(
        draw(arrays(np.int64, (n, q), elements=st.integers(0, 10))).astype(float),
        bandwidth=draw(arrays(np.float64, (q, q), elements=st.sampled_from([0.5, 1.0, 2.0, 4.0]))),
        latency=draw(arrays(np.int64, (q,), elements=st.integers(0, 3))).astype(float),
    )
    return graph, platform


@st.composite
def dag_orders(draw) -> tuple[tuple[sk.dag.TaskGraph, sk.dag.Platform], np.ndarray]:
    """A DAG and a batch of task orders: topological ones, any permutations, junk rows."""
    dag = draw(dags())
    graph = dag[0]
    n = graph.num_tasks
    rows = []
    for kind in draw(st.lists(st.sampled_from(["topological", "permutation", "junk"]), max_size=6)):
        if kind == "topological":
            keys = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
            rows.append(topological_order(n, graph.src, graph.dst, keys))
        elif kind == "permutation":
            rows.append(draw(st.permutations(range(n))))
        else:
            rows.append(draw(st.lists(st.integers(-1, n), min_size=n, max_size=n)))
    return dag, np.array(rows, dtype=np.int64).reshape(len(rows), n)


@st.composite
def job_orders(draw, n: int) -> np.ndarray:
    rows = []
    for junk in draw(st.lists(st.booleans(), max_size=6)):
        if junk:
            rows.append(draw(st.lists(st.integers(-1, n), min_size=n, max_size=n)))
        else:
            rows.append(draw(st.permutations(range(n))))
    return np.array(rows, dtype=np.int64).reshape(len(rows), n)


def run(device: str, fn, *args, **kwargs):
    """Calls fn with device=..., returning host arrays (or the exception, to compare)."""
    try:
        out = fn(*args, device=device, **kwargs)
    except InvalidInstanceError as exc:
        return ("raised", exc.field, exc.index)
    if isinstance(out, tuple):
        return tuple(np.asarray(_batch_cuda.to_host(o)) for o in out)
    return np.asarray(_batch_cuda.to_host(out))


def assert_same(a, b) -> None:
    if isinstance(a, tuple) and a and isinstance(a[0], str):
        assert a == b
    elif isinstance(a, tuple):
        assert isinstance(b, tuple)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    else:
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- numpy vs rust


@SETTINGS
@given(
    n=st.integers(0, 9),
    data=st.data(),
    objective=st.sampled_from(batch.OBJECTIVES),
)
def test_sequences_numpy_equals_rust(n, data, objective):
    p = data.draw(arrays(np.int64, n, elements=st.integers(1, 20))).astype(float)
    d = data.draw(arrays(np.int64, n, elements=st.integers(-5, 60))).astype(float)
    w = data.draw(arrays(np.int64, n, elements=st.integers(0, 5))).astype(float)
    inst = sk.tardiness.Instance(p, d, w)
    rows = data.draw(st.lists(st.permutations(range(n)), max_size=8))
    perms = np.array(rows, dtype=np.int64).reshape(len(rows), n)
    ours = run("numpy", batch.evaluate_sequences, inst, perms, objective=objective)
    assert_same(ours, run("rust", batch.evaluate_sequences, inst, perms, objective=objective))


@SETTINGS
@given(case=dag_orders(), errors=st.sampled_from(["raise", "nan"]))
def test_dag_orders_numpy_equals_rust(case, errors):
    (graph, platform), orders = case
    args = (graph, platform, orders)
    kw = dict(errors=errors)
    assert_same(
        run("numpy", batch.evaluate_dag_orders, *args, **kw), run("rust", batch.evaluate_dag_orders, *args, **kw)
    )


@SETTINGS
@given(dag=dags(), data=st.data())
def test_dag_perturbed_numpy_equals_rust(dag, data):
    graph, platform = dag
    n, q = platform.cost.shape
    keys = data.draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
    order = topological_order(n, graph.src, graph.dst, keys)
    assignment = data.draw(arrays(np.int64, n, elements=st.integers(0, q - 1)))
    samples = data.draw(st.integers(0, 6))
    factors = data.draw(arrays(np.float64, (samples, n), elements=st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])))
    args = (graph, platform, assignment, order, factors)
    kw: dict = {}
    assert_same(
        run("numpy", batch.evaluate_dag_perturbed, *args, **kw), run("rust", batch.evaluate_dag_perturbed, *args, **kw)
    )


@SETTINGS
@given(n=st.integers(0, 8), data=st.data(), weighted=st.booleans(), errors=st.sampled_from(["raise", "nan"]))
def test_flowtime_numpy_equals_rust(n, data, weighted, errors):
    release = data.draw(arrays(np.int64, n, elements=st.integers(0, 20))).astype(float)
    size = data.draw(arrays(np.int64, n, elements=st.integers(1, 10))).astype(float)
    weight = data.draw(arrays(np.int64, n, elements=st.integers(1, 5))).astype(float) if weighted else None
    orders = data.draw(job_orders(n))
    jobs = sk.flowtime.Jobs(release, size, weight=weight)
    kw = dict(errors=errors)
    ours = run("numpy", batch.evaluate_flowtime_orders, jobs, orders, **kw)
    assert_same(ours, run("rust", batch.evaluate_flowtime_orders, jobs, orders, **kw))


@SETTINGS
@given(
    nodes=st.integers(0, 4),
    pods=st.integers(0, 6),
    data=st.data(),
    probe=st.sampled_from(["default", "cpu", "both", "mem0"]),
    errors=st.sampled_from(["raise", "nan"]),
)
def test_packing_numpy_equals_rust(nodes, pods, data, probe, errors):
    node_cpu = data.draw(arrays(np.int64, nodes, elements=st.integers(0, 20))).astype(float)
    node_mem = data.draw(arrays(np.int64, nodes, elements=st.integers(0, 20))).astype(float)
    pod_cpu = data.draw(arrays(np.int64, pods, elements=st.integers(0, 8))).astype(float)
    pod_mem = data.draw(arrays(np.int64, pods, elements=st.integers(0, 8))).astype(float)
    rows = data.draw(st.integers(0, 6))
    assignments = data.draw(arrays(np.int64, (rows, pods), elements=st.integers(-2, nodes)))
    kw: dict = dict(errors=errors)
    if probe == "default" and pod_cpu.sum() == 0:
        probe = "cpu"  # the mean request would be 0, which is rejected
    if probe != "default":
        kw["probe_cpu"] = float(data.draw(st.integers(1, 4)))
    if probe == "both":
        kw["probe_mem"] = float(data.draw(st.integers(1, 4)))
    if probe == "mem0":
        kw["probe_mem"] = 0.0
    args = (cluster(node_cpu, node_mem, pod_cpu, pod_mem), assignments)
    assert_same(run("numpy", batch.evaluate_packing, *args, **kw), run("rust", batch.evaluate_packing, *args, **kw))


@pytest.mark.parametrize("seed", range(3))
def test_real_data_agrees_to_1e9(seed):
    """Real-valued data: sums may round differently (NumPy sums pairwise), nothing more."""
    rng = np.random.default_rng(seed)
    n, b = 30, 50
    p, d, w = rng.uniform(0.1, 10, n), rng.uniform(0, 150, n), rng.uniform(0, 3, n)
    inst = sk.tardiness.Instance(p, d, w)
    perms = np.argsort(rng.random((b, n)), axis=1)
    scale = n * p.sum() * max(1.0, w.max())  # the size of the rounding errors a sum can carry
    for objective in batch.OBJECTIVES:
        ours = batch.evaluate_sequences(inst, perms, objective=objective, device="numpy")
        theirs = batch.evaluate_sequences(inst, perms, objective=objective, device="rust")
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * scale)
    src, dst = np.array([0, 0, 1, 2, 5, 7]), np.array([1, 2, 3, 3, 9, 8])
    cost, data = rng.uniform(0, 5, (n, 3)), rng.uniform(0, 4, src.shape[0])
    graph = sk.dag.TaskGraph(src, dst, data, num_tasks=n)
    platform = sk.dag.Platform(cost, bandwidth=rng.uniform(0.3, 3, (3, 3)), latency=rng.uniform(0, 1, 3))
    orders = np.array([topological_order(n, src, dst, list(rng.integers(0, 1000, n))) for _ in range(b)])
    np.testing.assert_allclose(
        batch.evaluate_dag_orders(graph, platform, orders, device="numpy"),
        batch.evaluate_dag_orders(graph, platform, orders, device="rust"),
        rtol=1e-9,
    )
    factors = batch.sample_duration_factors(b, n, sigma=0.3, seed=seed)
    args = (graph, platform, rng.integers(0, 3, n), orders[0], factors)
    np.testing.assert_allclose(
        batch.evaluate_dag_perturbed(*args, device="numpy"),
        batch.evaluate_dag_perturbed(*args, device="rust"),
        rtol=1e-9,
    )
    jobs = sk.flowtime.Jobs(d, p, weight=w + 0.5)
    np.testing.assert_allclose(
        batch.evaluate_flowtime_orders(jobs, perms, device="numpy"),
        batch.evaluate_flowtime_orders(jobs, perms, device="rust"),
        rtol=1e-9,
    )
    pods = rng.integers(-1, 4, (b, 12))
    # A Cluster holds integer quantities (millicores, bytes): real-valued capacities and
    # requests are drawn as before and scaled to integers; the default probe (the mean
    # request) and the rates stay real-valued.
    node_cpu, node_mem, pod_cpu, pod_mem = (
        np.round(1000 * x)
        for x in (rng.uniform(20, 40, 4), rng.uniform(20, 40, 4), rng.uniform(0, 3, 12), rng.uniform(0, 3, 12))
    )
    args = (cluster(node_cpu, node_mem, pod_cpu, pod_mem), pods)
    ours, theirs = batch.evaluate_packing(*args, device="numpy"), batch.evaluate_packing(*args, device="rust")
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9)


# --------------------------------------------------------------------------- hand-computed cases


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_dag_orders_by_hand(device):
    # Order 0,1,2,3 (comm j->i from processor 0 is 1 + data, from processor 1 it is data):
    #   task 0: P0 eft 0+2=2, P1 0+3=3 -> P0, finish 2; ready (2, 0)
    #   task 1: P0 max(2, 2)+3=5, P1 max(0, 2+1+4)+1=8 -> P0, finish 5; ready (5, 0)
    #   task 2: P0 max(5, 2)+4=9, P1 max(0, 2+1+2)+2=7 -> P1, finish 7; ready (5, 7)
    #   task 3: P0 max(5, 5, 7+0+3)+2=12, P1 max(7, 5+1+1, 7)+2=9 -> P1, finish 9. Makespan 9.
    # Order 0,2,1,3:
    #   task 0: P0, finish 2; task 2: P0 max(2, 2)+4=6, P1 2+3+2=7 -> P0, finish 6; ready (6, 0)
    #   task 1: P0 max(6, 2)+3=9, P1 max(0, 2+5)+1=8 -> P1, finish 8; ready (6, 8)
    #   task 3: P0 max(6, 8+0+1, 6)+2=11, P1 max(8, 8, 6+1+3)+2=12 -> P0, finish 11. Makespan 11.
    out = batch.evaluate_dag_orders(GRAPH, PLATFORM, [[0, 1, 2, 3], [0, 2, 1, 3]], device=device)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert out.tolist() == [9.0, 11.0]


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_dag_orders_ties_go_to_the_lowest_processor(device):
    # Task 0 costs 2 on both processors and must go to P0. Then task 1 with costs (9, 1) takes
    # P1 and finishes at 1: makespan 2 (had task 0 gone to P1, task 1 would end at 3).
    no_edges = sk.dag.TaskGraph([], [], [], num_tasks=2)
    out = batch.evaluate_dag_orders(no_edges, sk.dag.Platform([[2, 2], [9, 1]]), [[0, 1]], device=device)
    assert out.tolist() == [2.0]
    # With costs (1, 9) task 1 queues behind task 0 on P0: 2 + 1 = 3 (it would be 1 on a free P0).
    out = batch.evaluate_dag_orders(no_edges, sk.dag.Platform([[2, 2], [1, 9]]), [[0, 1]], device=device)
    assert out.tolist() == [3.0]


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_dag_perturbed_by_hand(device):
    # Assignment (0, 0, 1, 1) in order 0,1,2,3 is the first schedule above: makespan 9.
    # Factors (2, 1, 1, 0.5): task 0 takes 4; task 1 on P0 max(4, 4)+3=7;
    # task 2 on P1 max(0, 4+1+2)+2=9; task 3 on P1 max(9, 7+1+1, 9)+1=10.
    factors = [[1, 1, 1, 1], [2, 1, 1, 0.5]]
    out = batch.evaluate_dag_perturbed(GRAPH, PLATFORM, [0, 0, 1, 1], [0, 1, 2, 3], factors, device=device)
    assert out.tolist() == [9.0, 10.0]


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_flowtime_by_hand(device):
    # Order 0,1,2: t=3 (+1*3), t=max(3,1)+2=5 (+2*4), t=max(5,5)+1=6 (+1*1) -> 12.
    # Order 2,0,1: t=6 (+1*1), t=9 (+1*9), t=11 (+2*10) -> 30. Unweighted: 8 and 1+9+10 = 20.
    release, size = [0, 1, 5], [3, 2, 1]
    orders = [[0, 1, 2], [2, 0, 1]]
    weighted = sk.flowtime.Jobs(release, size, weight=[1, 2, 1])
    assert batch.evaluate_flowtime_orders(weighted, orders, device=device).tolist() == [12.0, 30.0]
    jobs = sk.flowtime.Jobs(release, size)
    assert batch.evaluate_flowtime_orders(jobs, orders, device=device).tolist() == [8.0, 20.0]
    # A job of several operations holds the machine for their sum: the same as one operation.
    split = sk.flowtime.Jobs(release, [[1, 2], [2], [0.5, 0.5]], weight=[1, 2, 1])
    assert batch.evaluate_flowtime_orders(split, orders, device=device).tolist() == [12.0, 30.0]


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_packing_by_hand(device):
    # Nodes (cpu 4, mem 8) x 2; pods cpu (2, 1, 3), mem (4, 1, 2); probe (2, 2).
    # (0, 1, -1): free cpu (2, 3), mem (4, 7): extra min(1, 2) + min(1, 3) = 2, F = 5,
    #   rate (5 - 2*2)/5 = 0.2. (0, 0, 1): free cpu (1, 1): extra 0, rate 1.
    # (-1, -1, -1): free cpu (4, 4), mem (8, 8): extra 2 + 2, rate (8 - 8)/8 = 0.
    rows = [[0, 1, -1], [0, 0, 1], [-1, -1, -1]]
    args = (cluster([4, 4], [8, 8], [2, 1, 3], [4, 1, 2]), rows)
    placed, rate = batch.evaluate_packing(*args, probe_cpu=2, probe_mem=2, device=device)
    assert placed.dtype == np.int64 and placed.tolist() == [2, 3, 0]
    assert rate.tolist() == [0.2, 1.0, 0.0]
    # Memory limits the probe: probe mem 5 fits once per node in (4, 7) -> extra 0 + 1, (5-2)/5.
    _, rate = batch.evaluate_packing(*args, probe_cpu=2, probe_mem=5, device=device)
    assert rate.tolist()[0] == 0.6
    # probe_mem=0 or only probe_cpu: memory ignored; (0, 1, -1) fits 1 + 1 -> 0.2 as above.
    for kw in (dict(probe_cpu=2), dict(probe_cpu=2, probe_mem=0)):
        assert batch.evaluate_packing(*args, **kw, device=device)[1].tolist()[0] == 0.2
    # The default probe is the mean pod request (2, 7/3).
    default = batch.evaluate_packing(*args, device=device)[1]
    explicit = batch.evaluate_packing(*args, probe_cpu=2.0, probe_mem=7 / 3, device=device)[1]
    np.testing.assert_array_equal(default, explicit)


# --------------------------------------------------------------------------- invalid rows


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_dag_invalid_rows_are_named(device):
    orders = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 0, 2, 3]]
    with pytest.raises(
        InvalidInstanceError, match=r"orders\[1\]: task 1 at position 0 comes before its predecessor 0"
    ) as exc:
        batch.evaluate_dag_orders(GRAPH, PLATFORM_NO_LATENCY, orders, device=device)
    assert (exc.value.field, exc.value.index) == ("orders", 1)
    out = batch.evaluate_dag_orders(GRAPH, PLATFORM, orders, device=device, errors="nan")
    assert out[0] == 9.0 and np.isnan(out[1:]).all()
    with pytest.raises(InvalidInstanceError, match=r"orders\[0\]: task id 4 at position 3 is out of range") as exc:
        batch.evaluate_dag_orders(GRAPH, PLATFORM_NO_LATENCY, [[0, 1, 2, 4]], device=device)
    assert exc.value.index == 0


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_flowtime_invalid_rows_are_named(device):
    orders = [[0, 1, 2], [2, 0, 1], [2, 2, 1], [0, 1, 3]]
    with pytest.raises(InvalidInstanceError, match=r"orders\[2\]: job id 2 at position 1 is repeated") as exc:
        batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0, 1, 5], [3, 2, 1]), orders, device=device)
    assert (exc.value.field, exc.value.index) == ("orders", 2)
    out = batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0, 1, 5], [3, 2, 1]), orders, device=device, errors="nan")
    assert out[:2].tolist() == [8.0, 20.0] and np.isnan(out[2:]).all()


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_packing_invalid_rows_are_named(device):
    args = (cluster([4, 4], [8, 8], [2, 1, 3], [4, 1, 2]),)
    rows = [[0, 1, -1], [0, 0, 0], [0, 2, -1], [-2, 0, 0]]
    with pytest.raises(
        InvalidInstanceError, match=r"assignments\[1\]: node 0: cpu requests 6 exceed its capacity 4"
    ) as exc:
        batch.evaluate_packing(*args, rows, device=device)
    assert (exc.value.field, exc.value.index) == ("assignments", 1)
    with pytest.raises(InvalidInstanceError, match=r"assignments\[0\]: pod 1 is assigned to node 2"):
        batch.evaluate_packing(*args, rows[2:], device=device)
    placed, rate = batch.evaluate_packing(*args, rows, device=device, errors="nan")
    assert placed.tolist() == [2, -1, -1, -1]
    assert rate[0] == pytest.approx(0.2) and np.isnan(rate[1:]).all()
    with pytest.raises(InvalidInstanceError, match=r"memory requests"):
        batch.evaluate_packing(cluster([9], [1], [1, 1], [1, 1]), [[0, 0]], device=device)


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_sequences_invalid_rows_are_named(device):
    inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
    with pytest.raises(InvalidInstanceError, match=r"perms\[1\]") as exc:
        batch.evaluate_sequences(inst, [[0, 1, 2], [0, 0, 2]], device=device)
    assert (exc.value.field, exc.value.index) == ("perms", 1)


def test_factors_rows_are_checked():
    for device in CPU_DEVICES:
        with pytest.raises(InvalidInstanceError, match=r"factors\[1\]") as exc:
            batch.evaluate_dag_perturbed(
                GRAPH, PLATFORM_NO_LATENCY, [0, 0, 1, 1], [0, 1, 2, 3], [[1] * 4, [1, -1, 1, 1]], device=device
            )
        assert (exc.value.field, exc.value.index) == ("factors", 1)
        with pytest.raises(InvalidInstanceError, match=r"factors\[0\]"):
            batch.evaluate_dag_perturbed(
                GRAPH, PLATFORM_NO_LATENCY, [0, 0, 1, 1], [0, 1, 2, 3], [[1, np.nan, 1, 1]], device=device
            )


def test_non_integer_ids_are_rejected():
    jobs = sk.flowtime.Jobs([0, 1], [1, 1])
    with pytest.raises(InvalidInstanceError, match=r"orders\[1\]: non-integer") as exc:
        batch.evaluate_flowtime_orders(jobs, np.array([[0.0, 1.0], [0.5, 1.0]]), device="numpy")
    assert exc.value.index == 1
    out = batch.evaluate_flowtime_orders(jobs, np.array([[1.0, 0.0]]), device="numpy")
    assert out.tolist() == [4.0]  # job 1: t = 2 (flow 1), job 0: t = 3 (flow 3)


@pytest.mark.parametrize(
    ("kwargs", "field", "index"),
    [
        (dict(cost=[[1, -1], [1, 1], [1, 1]]), "cost", 0),
        (dict(cost=[[1, 1], [1, np.inf], [1, 1]]), "cost", 1),
        (dict(src=[0, 3]), "src", 1),
        (dict(src=[0, 1], dst=[1, 1]), "dst", 1),
        (dict(data=[1, -2]), "data", 1),
        (dict(data=[1]), "data", None),
        (dict(bandwidth=[[1, 0], [1, 1]]), "bandwidth", 0),
        (dict(bandwidth=[[1, 1]]), "bandwidth", None),
        (dict(latency=[0, -1]), "latency", 1),
        (dict(latency=[0]), "latency", None),
    ],
)
def test_dag_inputs_name_field_and_index(kwargs, field, index):
    # Bad instance arrays are rejected where the instance is built (TaskGraph, Platform), with
    # the field and index; three tasks, so the base edges 0 -> 1, 0 -> 2 are no duplicates.
    args = dict(cost=[[1, 1], [1, 1], [1, 1]], src=[0, 0], dst=[1, 2], data=[1, 1])
    args.update(kwargs)
    links = {k: args[k] for k in ("bandwidth", "latency") if k in args}
    with pytest.raises(InvalidInstanceError) as exc:
        graph = sk.dag.TaskGraph(args["src"], args["dst"], args["data"], num_tasks=3)
        platform = sk.dag.Platform(args["cost"], **links)
        batch.evaluate_dag_orders(graph, platform, [[0, 1, 2]], device="numpy")
    assert (exc.value.field, exc.value.index) == (field, index)


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_instances_must_be_the_area_types(device):
    cases = [
        (lambda: batch.evaluate_sequences((COST, SRC), [[0]], device=device), "instance"),
        (lambda: batch.evaluate_dag_orders(PLATFORM, GRAPH, [[0, 1, 2, 3]], device=device), "graph"),
        (lambda: batch.evaluate_dag_orders(GRAPH, COST, [[0, 1, 2, 3]], device=device), "platform"),
        (
            lambda: batch.evaluate_dag_perturbed(GRAPH, None, [0] * 4, [0, 1, 2, 3], [[1] * 4], device=device),
            "platform",
        ),
        (lambda: batch.deadline_probability(SRC, PLATFORM, [0] * 4, [0, 1, 2, 3], 9.0, device=device), "graph"),
        (lambda: batch.evaluate_flowtime_orders([0, 1], [[0, 1]], device=device), "jobs"),
        (lambda: batch.evaluate_packing(GRAPH, [[0]], device=device), "cluster"),
        (lambda: batch.random_restart_search(GRAPH, device=device), "instance"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInstanceError, match=f"^{field}: expected schedkit\\.") as exc:
            call()
        assert exc.value.field == field


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_graph_and_platform_must_have_the_same_tasks(device):
    five = sk.dag.Platform([[1, 1]] * 5)
    with pytest.raises(InvalidInstanceError, match="platform: has costs for 5 tasks, the graph has 4") as exc:
        batch.evaluate_dag_orders(GRAPH, five, [[0, 1, 2, 3]], device=device)
    assert exc.value.field == "platform"
    with pytest.raises(InvalidInstanceError, match="platform"):
        batch.evaluate_dag_perturbed(GRAPH, five, [0] * 4, [0, 1, 2, 3], [[1] * 4], device=device)


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_platform_bandwidth_diagonal_is_ignored(device):
    # The platform allows any value on the bandwidth diagonal (there is no transfer within a
    # processor); 0 there must not change a makespan, nor warn (warnings are errors here).
    zero = np.array([[0.0, 1.0], [1.0, 0.0]])
    platform = sk.dag.Platform(COST, bandwidth=zero, latency=LATENCY)
    orders = [[0, 1, 2, 3], [0, 2, 1, 3]]
    assert batch.evaluate_dag_orders(GRAPH, platform, orders, device=device).tolist() == [9.0, 11.0]
    out = batch.evaluate_dag_perturbed(GRAPH, platform, [0, 0, 1, 1], [0, 1, 2, 3], [[2, 1, 1, 0.5]], device=device)
    assert out.tolist() == [10.0]


def test_schedule_and_option_checks():
    with pytest.raises(InvalidInstanceError, match=r"assignment\[2\]") as exc:
        batch.evaluate_dag_perturbed(GRAPH, PLATFORM_NO_LATENCY, [0, 0, 2, 1], [0, 1, 2, 3], [[1] * 4], device="numpy")
    assert exc.value.field == "assignment"
    with pytest.raises(InvalidInstanceError, match=r"order\[1\]: task 3 at position 1 comes before") as exc:
        batch.evaluate_dag_perturbed(GRAPH, PLATFORM_NO_LATENCY, [0, 0, 1, 1], [0, 3, 1, 2], [[1] * 4], device="numpy")
    assert (exc.value.field, exc.value.index) == ("order", 1)
    one_job = sk.flowtime.Jobs([0], [1])
    with pytest.raises(InvalidInstanceError, match="errors"):
        batch.evaluate_flowtime_orders(one_job, [[0]], errors="ignore", device="numpy")
    with pytest.raises(InvalidInstanceError, match="max_chunk_rows"):
        batch.evaluate_flowtime_orders(one_job, [[0]], max_chunk_rows=0, device="numpy")
    with pytest.raises(InvalidInstanceError, match="probe_cpu"):
        batch.evaluate_packing(cluster([1], [1], [], []), np.zeros((1, 0), dtype=np.int64), device="numpy")
    with pytest.raises(InvalidInstanceError, match="size"):  # a zero size, rejected by Jobs
        batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0, 1], [1, 0]), [[0, 1]], device="numpy")
    with pytest.raises(InvalidInstanceError, match="orders: expected shape"):
        batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0, 1], [1, 1]), [[0, 1, 2]], device="numpy")


# --------------------------------------------------------------------------- empty inputs


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_empty_batches(device):
    inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
    assert batch.evaluate_sequences(inst, np.zeros((0, 3), dtype=np.int64), device=device).shape == (0,)
    no_rows = np.zeros((0, 4), dtype=np.int64)
    assert batch.evaluate_dag_orders(GRAPH, PLATFORM_NO_LATENCY, no_rows, device=device).shape == (0,)
    out = batch.evaluate_dag_perturbed(
        GRAPH, PLATFORM_NO_LATENCY, [0, 0, 1, 1], [0, 1, 2, 3], np.zeros((0, 4)), device=device
    )
    assert out.shape == (0,)
    jobs = sk.flowtime.Jobs([0, 1], [1, 1])
    assert batch.evaluate_flowtime_orders(jobs, np.zeros((0, 2), dtype=np.int64), device=device).shape == (0,)
    placed, rate = batch.evaluate_packing(cluster([4], [4], [1], [1]), np.zeros((0, 1), dtype=np.int64), device=device)
    assert placed.shape == rate.shape == (0,) and placed.dtype == np.int64


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_empty_instances(device):
    empty = sk.tardiness.Instance(p=[], d=[])
    assert batch.evaluate_sequences(empty, np.zeros((2, 0), dtype=np.int64), device=device).tolist() == [0.0, 0.0]
    no_graph, no_tasks = sk.dag.TaskGraph([], [], [], num_tasks=0), sk.dag.Platform(np.zeros((0, 2)))
    assert batch.evaluate_dag_orders(no_graph, no_tasks, np.zeros((2, 0), dtype=np.int64), device=device).tolist() == [
        0.0,
        0.0,
    ]
    out = batch.evaluate_dag_perturbed(no_graph, no_tasks, [], [], np.zeros((3, 0)), device=device)
    assert out.tolist() == [0.0, 0.0, 0.0]
    no_jobs = sk.flowtime.Jobs([], [])
    assert batch.evaluate_flowtime_orders(no_jobs, np.zeros((2, 0), dtype=np.int64), device=device).tolist() == [
        0.0,
        0.0,
    ]
    placed, rate = batch.evaluate_packing(
        cluster([4, 2], [4, 2], [], []), np.zeros((2, 0), dtype=np.int64), probe_cpu=2, device=device
    )
    assert placed.tolist() == [0, 0] and rate.tolist() == [0.0, 0.0]
    placed, rate = batch.evaluate_packing(cluster([], [], [1], [1]), [[-1]], device=device)  # no nodes: F = 0
    assert placed.tolist() == [0] and rate.tolist() == [0.0]


# --------------------------------------------------------------------------- chunking


def test_chunked_equals_unchunked():
    rng = np.random.default_rng(7)
    n, b = 6, 37
    inst = sk.tardiness.Instance(rng.integers(1, 9, n), rng.integers(0, 30, n), rng.integers(0, 4, n))
    perms = np.argsort(rng.random((b, n)), axis=1)
    src, dst = np.array([0, 0, 1, 3]), np.array([1, 2, 4, 5])
    cost, data = rng.integers(0, 9, (n, 3)).astype(float), np.array([1.0, 2.0, 0.0, 3.0])
    graph, platform = sk.dag.TaskGraph(src, dst, data, num_tasks=n), sk.dag.Platform(cost)
    orders = np.array([topological_order(n, src, dst, list(rng.integers(0, 100, n))) for _ in range(b)])
    orders[5] = orders[5][::-1]  # an invalid row inside a later chunk
    factors = rng.integers(0, 4, (b, n)) / 2
    assignment = rng.integers(0, 3, n)
    pods = rng.integers(-1, 3, (b, 5))
    jobs = sk.flowtime.Jobs(inst.p, inst.p, weight=inst.w + 1)
    nodes = cluster([9, 9, 9], [9, 9, 9], [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    calls = [
        lambda **kw: batch.evaluate_sequences(inst, perms, objective="total_weighted_tardiness", **kw),
        lambda **kw: batch.evaluate_sequences(inst, perms, objective="max_lateness", **kw),
        lambda **kw: batch.evaluate_dag_orders(graph, platform, orders, errors="nan", **kw),
        lambda **kw: batch.evaluate_dag_perturbed(graph, platform, assignment, orders[0], factors, **kw),
        lambda **kw: batch.evaluate_flowtime_orders(jobs, perms, **kw),
        lambda **kw: batch.evaluate_packing(nodes, pods, errors="nan", **kw)[1],
    ]
    for call in calls:
        whole = call(device="numpy")
        for rows in (1, 2, 5, 36):
            np.testing.assert_array_equal(call(device="numpy", max_chunk_rows=rows), whole)
    # The first bad row is named with its index in the whole batch, not in its chunk.
    with pytest.raises(InvalidInstanceError) as exc:
        batch.evaluate_dag_orders(graph, platform, orders, device="numpy", max_chunk_rows=2)
    assert exc.value.index == 5


def test_numpy_chunks_are_bounded(monkeypatch):
    assert _batch_cuda.chunk_rows("numpy", 1000) == _batch_cuda.NUMPY_CHUNK_BYTES // 1000
    assert _batch_cuda.chunk_rows("numpy", 10**12) == 1
    assert _batch_cuda.chunk_rows("numpy", 1000, max_chunk_rows=3) == 3
    # With a tiny budget every row is its own chunk, and the result is unchanged.
    inst = sk.tardiness.Instance([1, 2, 3], [1, 2, 3])
    perms = np.array([[0, 1, 2], [2, 1, 0], [1, 2, 0]])
    whole = batch.evaluate_sequences(inst, perms, device="numpy")
    monkeypatch.setattr(_batch_cuda, "NUMPY_CHUNK_BYTES", 1)
    np.testing.assert_array_equal(batch.evaluate_sequences(inst, perms, device="numpy"), whole)


def test_rust_reproduces_append_only_schedules():
    """The Rust evaluators share the dag schedulers' earliest-finish step: the order a
    non-insertion HEFT placed its tasks in, list-scheduled, and its (processor, order)
    replayed with unit factors give its makespan to the bit, real-valued links included."""
    graph, base = sk.dag.random_dag(80, processors=4, ccr=1.0, seed=2)
    rng = np.random.default_rng(1)
    platform = sk.dag.Platform(base.cost, bandwidth=rng.uniform(0.3, 3, (4, 4)), latency=rng.uniform(0, 1, 4))
    s = sk.dag.heft(graph, platform, insertion=False)
    assert batch.evaluate_dag_orders(graph, platform, s.order, device="rust").tolist() == [s.makespan]
    ones = np.ones((1, graph.num_tasks))
    assert batch.evaluate_dag_perturbed(graph, platform, s.processor, s.order, ones, device="rust").tolist() == [
        s.makespan
    ]


def test_core_bindings_read_any_layout():
    """The bindings evaluate an owned row-major copy of each array (the GIL is released while
    they work): strided and Fortran-order arrays give what C-contiguous ones give."""
    from schedkit import _core

    def layouts(a: np.ndarray) -> list[np.ndarray]:
        wide = np.repeat(a, 2, axis=-1)  # every other column is the original
        return [a, np.asfortranarray(a), wide[..., ::2]]

    orders = np.array([[0, 1, 2, 3], [0, 2, 1, 3], [1, 0, 2, 3]])
    factors = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 1.0, 0.5]])
    g, p = GRAPH._core, PLATFORM._core
    for rows in layouts(orders):
        np.testing.assert_array_equal(_core.batch_dag_orders(g, p, rows)[:2], [9.0, 11.0])
    for f, a, o in zip(layouts(factors), layouts(np.array([0, 0, 1, 1])), layouts(np.array([0, 1, 2, 3]))):
        assert _core.batch_dag_perturbed(g, p, a, o, f).tolist() == [9.0, 10.0]
    jobs = sk.flowtime.Jobs([0, 1, 5], [3, 2, 1], weight=[1, 2, 1])
    for rows in layouts(np.array([[0, 1, 2], [2, 0, 1]])):
        assert _core.batch_flowtime_orders(jobs._core, rows).tolist() == [12.0, 30.0]
        inst = sk.tardiness.Instance([2, 3, 1], [2, 6, 1])
        expected = batch.evaluate_sequences(inst, np.ascontiguousarray(rows), device="numpy")
        np.testing.assert_array_equal(_core.batch_evaluate_sequences(inst._core, rows, "total_tardiness"), expected)
    nodes = cluster([4, 4], [8, 8], [2, 1, 3], [4, 1, 2])
    for rows in layouts(np.array([[0, 1, -1], [0, 0, 1], [-1, -1, -1]])):
        placed, rate = _core.batch_packing(nodes._core, rows, 2.0, 2.0)
        assert placed.tolist() == [2, 3, 0] and rate.tolist() == [0.2, 1.0, 0.0]


# --------------------------------------------------------------------------- devices


@no_gpu_here
@pytest.mark.parametrize("device", ["cuda", "cupy"])
def test_cuda_without_gpu_raises(device):
    inst = sk.tardiness.Instance([1], [1])
    with pytest.raises(DeviceUnavailableError, match=device):
        batch.evaluate_sequences(inst, [[0]], device=device)
    with pytest.raises(DeviceUnavailableError):
        batch.evaluate_flowtime_orders(sk.flowtime.Jobs([0], [1]), [[0]], device=device)


@no_gpu_here
def test_auto_resolves_to_rust(monkeypatch):
    monkeypatch.delenv("SCHEDKIT_DEVICE", raising=False)
    assert _batch_cuda.resolve_device("auto") == "rust"
    assert _batch_cuda.resolve_device(None) == "rust"


def test_environment_overrides_default(monkeypatch):
    monkeypatch.setenv("SCHEDKIT_DEVICE", "numpy")
    assert _batch_cuda.resolve_device(None) == "numpy"
    assert _batch_cuda.resolve_device("rust") == "rust"  # an explicit device wins
    monkeypatch.setenv("SCHEDKIT_DEVICE", "tpu")
    with pytest.raises(InvalidInstanceError, match="SCHEDKIT_DEVICE") as exc:
        _batch_cuda.resolve_device(None)
    assert exc.value.field == "device"
    with pytest.raises(InvalidInstanceError, match="unknown device"):
        batch.evaluate_sequences(sk.tardiness.Instance([1], [1]), [[0]], device="gpu")


@needs_gpu
@pytest.mark.gpu
def test_auto_resolves_to_cupy_with_a_gpu(monkeypatch):
    monkeypatch.delenv("SCHEDKIT_DEVICE", raising=False)
    assert _batch_cuda.resolve_device("auto") == "cupy"
    assert _batch_cuda.resolve_device("cuda") == "cupy"


@needs_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("seed", range(4))
def test_cupy_equals_rust(seed):
    rng = np.random.default_rng(seed)
    n, b = 40, 300
    inst = sk.tardiness.Instance(rng.integers(1, 20, n), rng.integers(0, 300, n), rng.integers(0, 5, n))
    perms = np.argsort(rng.random((b, n)), axis=1)
    for objective in batch.OBJECTIVES:
        assert_same(
            run("cupy", batch.evaluate_sequences, inst, perms, objective=objective),
            run("rust", batch.evaluate_sequences, inst, perms, objective=objective),
        )
    src, dst = np.array([0, 0, 1, 2, 5, 7]), np.array([1, 2, 3, 3, 9, 8])
    cost = rng.integers(0, 9, (n, 3)).astype(float)
    data = rng.integers(0, 5, src.shape[0]).astype(float)
    orders = np.array([topological_order(n, src, dst, list(rng.integers(0, 1000, n))) for _ in range(b)])
    orders[::7] = perms[::7]  # some rows break precedence
    graph = sk.dag.TaskGraph(src, dst, data, num_tasks=n)
    linked = sk.dag.Platform(cost, bandwidth=np.array([[1, 2, 4], [0.5, 1, 2], [4, 4, 1]]), latency=[1.0, 0.0, 2.0])
    assert_same(
        run("cupy", batch.evaluate_dag_orders, graph, linked, orders, errors="nan"),
        run("rust", batch.evaluate_dag_orders, graph, linked, orders, errors="nan"),
    )
    factors = rng.integers(0, 5, (b, n)) / 2
    args = (graph, sk.dag.Platform(cost), rng.integers(0, 3, n), orders[1], factors)
    assert_same(run("cupy", batch.evaluate_dag_perturbed, *args), run("rust", batch.evaluate_dag_perturbed, *args))
    jobs = sk.flowtime.Jobs(inst.d + 0, inst.p, weight=inst.w + 1)
    assert_same(
        run("cupy", batch.evaluate_flowtime_orders, jobs, perms),
        run("rust", batch.evaluate_flowtime_orders, jobs, perms),
    )
    pods = rng.integers(-1, 6, (b, 30))
    args = (cluster(np.full(6, 40.0), np.full(6, 50.0), rng.integers(0, 6, 30), rng.integers(0, 6, 30)), pods)
    assert_same(
        run("cupy", batch.evaluate_packing, *args, errors="nan"),
        run("rust", batch.evaluate_packing, *args, errors="nan"),
    )


# --------------------------------------------------------------------------- Monte Carlo and search


def test_sample_duration_factors():
    f = batch.sample_duration_factors(200_000, 2, sigma=0.3, seed=1)
    assert f.shape == (200_000, 2) and (f > 0).all()
    assert abs(f.mean() - 1) < 0.005 and abs(np.log(f).std() - 0.3) < 0.005
    u = batch.sample_duration_factors(10_000, 3, sigma=0.25, distribution="uniform", seed=1)
    assert u.min() >= 0.75 and u.max() <= 1.25 and abs(u.mean() - 1) < 0.01
    np.testing.assert_array_equal(
        batch.sample_duration_factors(5, 3, seed=4), batch.sample_duration_factors(5, 3, seed=4)
    )
    with pytest.raises(InvalidInstanceError, match="sigma"):
        batch.sample_duration_factors(5, 3, sigma=1.0, distribution="uniform")
    with pytest.raises(InvalidInstanceError, match="distribution"):
        batch.sample_duration_factors(5, 3, distribution="gamma")


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_deadline_probability(device, monkeypatch):
    sched = (GRAPH, PLATFORM, [0, 0, 1, 1], [0, 1, 2, 3])
    sure = batch.deadline_probability(*sched, 9.0, sigma=0.0, samples=50, device=device)
    assert (sure.probability, sure.mean_makespan, sure.p95_makespan, sure.samples) == (1.0, 9.0, 9.0, 50)
    assert sure.ci_low < 1.0 and sure.ci_high == pytest.approx(1.0)
    assert batch.deadline_probability(*sched, 8.5, sigma=0.0, samples=50, device=device).probability == 0.0
    # The estimate is the share of sample_duration_factors rows meeting the deadline, and
    # drawing in chunks (forced tiny here) gives the same numbers as one draw.
    est = batch.deadline_probability(*sched, 9.5, samples=3000, sigma=0.2, seed=3, device=device)
    factors = batch.sample_duration_factors(3000, 4, sigma=0.2, seed=3)
    makespan = batch.evaluate_dag_perturbed(*sched, factors, device=device)
    assert est.probability == np.mean(makespan <= 9.5) and est.mean_makespan == pytest.approx(
        makespan.mean(), rel=1e-12
    )
    assert est.ci_low < est.probability < est.ci_high
    monkeypatch.setattr(_batch_cuda, "NUMPY_CHUNK_BYTES", 8 * 4 * 7)
    again = batch.deadline_probability(*sched, 9.5, samples=3000, sigma=0.2, seed=3, device=device)
    assert again.probability == est.probability and again.p95_makespan == est.p95_makespan


def test_wilson_interval_known_value():
    # 8 of 10: Wilson 95% interval (0.4902, 0.9433), the textbook value.
    low, high = _sampling.wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)


@pytest.mark.parametrize("device", CPU_DEVICES)
def test_random_restart_search_reaches_a_local_optimum(device):
    rng = np.random.default_rng(0)
    n = 9
    inst = sk.tardiness.Instance(rng.integers(1, 10, n), rng.integers(0, 40, n), rng.integers(1, 5, n))
    seq, value = batch.random_restart_search(inst, restarts=5, seed=2, device=device)
    assert sorted(seq.tolist()) == list(range(n))
    assert value == batch.evaluate_sequences(inst, seq, objective="total_weighted_tardiness", device="numpy")[0]
    neighbours = []
    for i in range(n):
        for j in range(i + 1, n):
            s = seq.copy()
            s[i], s[j] = s[j], s[i]
            neighbours.append(s)
    assert (
        batch.evaluate_sequences(inst, np.array(neighbours), objective="total_weighted_tardiness", device="numpy").min()
        >= value
    )
    # Deterministic, and the same on every backend.
    again = batch.random_restart_search(inst, restarts=5, seed=2, device="numpy")
    assert again[1] == value and again[0].tolist() == seq.tolist()


def test_random_restart_search_small_cases():
    assert batch.random_restart_search(sk.tardiness.Instance([], []), device="numpy")[1] == 0.0
    seq, value = batch.random_restart_search(sk.tardiness.Instance([3], [1]), device="numpy")
    assert seq.tolist() == [0] and value == 2.0
    seq, value = batch.random_restart_search(
        sk.tardiness.Instance([3, 1], [1, 1], [1, 1]), max_rounds=0, restarts=1, device="numpy"
    )
    assert sorted(seq.tolist()) == [0, 1]
    with pytest.raises(InvalidInstanceError, match="restarts"):
        batch.random_restart_search(sk.tardiness.Instance([3], [1]), restarts=0)
