"""Tests of schedkit.batch: many candidate sequences of one single-machine instance at once.

The Rust backend (threads) and the NumPy reference must give the same numbers; both are
also checked against a plain-Python evaluation of each row.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.batch import DEVICES, OBJECTIVES, evaluate_sequences
from schedkit.exceptions import DeviceUnavailableError, InvalidInstanceError, SchedkitError
from schedkit.tardiness import Instance
from schedkit.testing.strategies import permutation_batches, permutations_of, tardiness_instances

BACKENDS = ["rust", "numpy"]


def python_objective(inst: Instance, row, objective: str) -> float:
    """One row's objective in plain Python (the oracle)."""
    p, d, w = inst.p.tolist(), inst.d.tolist(), inst.w.tolist()
    t = 0.0
    values = []
    for j in row:
        t += p[j]
        values.append((t, t - d[j], w[j]))
    if objective == "total_tardiness":
        return sum(max(0.0, late) for _, late, _ in values)
    if objective == "total_weighted_tardiness":
        return sum(wj * max(0.0, late) for _, late, wj in values)
    if objective == "total_completion_time":
        return sum(c for c, _, _ in values)
    assert objective == "max_lateness"
    return max((late for _, late, _ in values), default=-np.inf)


def instance_and_batch(integer=True, max_n=8, max_rows=12, min_rows=0):
    return tardiness_instances(max_n=max_n, integer=integer).flatmap(
        lambda inst: st.tuples(st.just(inst), permutation_batches(inst.n, max_rows, min_rows))
    )


def evaluated_three_ways(inst: Instance, perms, objective: str):
    """The rows' objectives from the Rust backend, the NumPy reference and the Python oracle."""
    rust = evaluate_sequences(inst, perms, objective=objective, device="rust")
    ref = evaluate_sequences(inst, perms, objective=objective, device="numpy")
    oracle = np.asarray([python_objective(inst, row, objective) for row in perms.tolist()], dtype=np.float64)
    return rust, ref, oracle.reshape(-1)


@pytest.mark.parametrize("objective", OBJECTIVES)
@given(case=instance_and_batch(integer=True))
def test_backends_agree_exactly_on_integer_data(case, objective):
    inst, perms = case
    rust, ref, oracle = evaluated_three_ways(inst, perms, objective)
    assert rust.dtype == ref.dtype == np.float64
    assert rust.shape == ref.shape == (perms.shape[0],)
    np.testing.assert_array_equal(rust, ref)  # integer data: identical floats
    np.testing.assert_array_equal(rust, oracle)


@pytest.mark.parametrize("objective", OBJECTIVES)
@given(case=instance_and_batch(integer=False))
def test_backends_agree_on_real_data(case, objective):
    inst, perms = case
    rust, ref, oracle = evaluated_three_ways(inst, perms, objective)
    scale = max(1.0, float(np.sum(inst.p)) + float(np.max(np.abs(inst.d), initial=0.0))) * max(1, inst.n) * 10
    np.testing.assert_allclose(rust, ref, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(rust, oracle, rtol=1e-9, atol=1e-12 * scale)


def test_worked_example():
    # p=[2,3,1], d=[2,6,1], w=[3,1,2]. Row [2,0,1]: C 1, 3, 6 -> T 0, 1, 0; L 0, 1, 0.
    # Row [1,0,2]: C 3, 5, 6 -> T 0, 3, 5; L -3, 3, 5.
    inst = Instance([2, 3, 1], [2, 6, 1], w=[3, 1, 2])
    perms = np.array([[2, 0, 1], [1, 0, 2]])
    expected = {
        "total_tardiness": [1.0, 8.0],
        "total_weighted_tardiness": [3.0, 3 * 3 + 2 * 5.0],
        "total_completion_time": [10.0, 14.0],
        "max_lateness": [1.0, 5.0],
    }
    for device in BACKENDS:
        for objective, values in expected.items():
            assert evaluate_sequences(inst, perms, objective=objective, device=device).tolist() == values
    assert evaluate_sequences(inst, perms).tolist() == [1.0, 8.0]  # default total_tardiness


@pytest.mark.parametrize("device", BACKENDS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_empty_batch(device, objective):
    inst = Instance([2, 3, 1], [2, 6, 1])
    for perms in (np.empty((0, 3), dtype=np.int64), np.empty((0, 3)), np.empty(0, dtype=np.int64), []):
        out = evaluate_sequences(inst, perms, objective=objective, device=device)
        assert out.shape == (0,) and out.dtype == np.float64


@pytest.mark.parametrize("device", BACKENDS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_zero_jobs(device, objective):
    inst = Instance([], [])
    out = evaluate_sequences(inst, np.empty((4, 0), dtype=np.int64), objective=objective, device=device)
    expected = -np.inf if objective == "max_lateness" else 0.0
    assert out.shape == (4,)
    assert np.all(out == expected)
    # an empty 1-D sequence is the single empty permutation
    assert evaluate_sequences(inst, np.empty(0, dtype=np.int64), objective=objective, device=device).tolist() == [
        expected
    ]
    assert evaluate_sequences(inst, np.empty((0, 0), dtype=np.int64), objective=objective, device=device).shape == (0,)


@pytest.mark.parametrize("device", BACKENDS)
def test_single_sequence_is_one_row(device):
    inst = Instance([2, 3, 1], [2, 6, 1])
    for seq in ([2, 0, 1], np.array([2, 0, 1]), (2, 0, 1), np.array([2.0, 0.0, 1.0])):
        out = evaluate_sequences(inst, seq, device=device)
        assert out.shape == (1,) and out.tolist() == [1.0]


@pytest.mark.parametrize("device", BACKENDS)
def test_accepts_other_integer_layouts(device):
    inst = Instance([2, 3, 1, 4], [2, 6, 1, 3])
    perms = np.array([[2, 0, 1, 3], [3, 1, 0, 2], [0, 1, 2, 3]])
    expected = [python_objective(inst, r, "total_tardiness") for r in perms.tolist()]
    for variant in (
        perms.astype(np.int32),
        perms.astype(np.uint8),
        np.asfortranarray(perms),
        perms.T.copy().T,
        perms[::-1][::-1],
        perms.tolist(),
    ):
        assert evaluate_sequences(inst, variant, device=device).tolist() == expected
    # a non-contiguous view (every other row)
    big = np.repeat(perms, 2, axis=0)
    assert evaluate_sequences(inst, big[::2], device=device).tolist() == expected


# --------------------------------------------------------------------------- bad rows


BAD_ROWS = {
    # n = 4 throughout
    "repeated": [0, 1, 1, 3],
    "out_of_range": [0, 1, 2, 4],
    "negative": [0, -1, 2, 3],
    "huge": [0, 1, 2, 2**40],
}


@pytest.mark.parametrize("device", BACKENDS)
@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_bad_rows_name_the_first_one(device, kind):
    inst = Instance([2, 3, 1, 4], [2, 6, 1, 3])
    perms = np.array([[0, 1, 2, 3], [3, 2, 1, 0], BAD_ROWS[kind], [1, 0, 2, 3], BAD_ROWS[kind]])
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, perms, device=device)
    assert info.value.field == "perms"
    assert info.value.index == 2
    assert "perms[2]" in str(info.value)


@pytest.mark.parametrize("device", BACKENDS)
def test_non_integer_float_rows(device):
    inst = Instance([2, 3, 1], [2, 6, 1])
    for bad in ([0.0, 1.5, 2.0], [0.0, np.nan, 2.0], [0.0, np.inf, 1.0]):
        perms = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0], [1.0, 0.0, 2.0], bad, bad])
        with pytest.raises(InvalidInstanceError) as info:
            evaluate_sequences(inst, perms, device=device)
        assert info.value.field == "perms"
        assert info.value.index == 3


@pytest.mark.parametrize("device", BACKENDS)
def test_first_bad_row_among_many(device):
    # many rows so the Rust backend splits them over threads; the lowest bad row wins
    inst = Instance([2, 3, 1], [2, 6, 1])
    perms = np.tile(np.array([[0, 1, 2], [2, 1, 0]]), (6000, 1))
    perms[9000] = [0, 0, 0]
    perms[11000] = [5, 1, 0]
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, perms, device=device)
    assert info.value.index == 9000
    perms[150] = [-1, 1, 0]
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, perms, device=device)
    assert info.value.index == 150


@st.composite
def corrupted_batches(draw):
    inst = draw(tardiness_instances(min_n=2, max_n=7))
    perms = draw(permutation_batches(inst.n, max_rows=20, min_rows=1)).copy()
    bad = sorted(draw(st.sets(st.integers(0, perms.shape[0] - 1), min_size=1)))
    for row in bad:
        kind = draw(st.sampled_from(["repeat", "high", "negative"]))
        col = draw(st.integers(0, inst.n - 1))
        if kind == "repeat":
            perms[row, col] = perms[row, (col + 1) % inst.n]
        elif kind == "high":
            perms[row, col] = draw(st.integers(inst.n, 10**6))
        else:
            perms[row, col] = draw(st.integers(-(10**6), -1))
    return inst, perms, bad[0]


@given(corrupted_batches(), st.sampled_from(BACKENDS))
def test_first_bad_row_property(case, device):
    inst, perms, first_bad = case
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, perms, device=device)
    assert info.value.field == "perms"
    assert info.value.index == first_bad


@pytest.mark.parametrize("device", BACKENDS)
@pytest.mark.parametrize(
    "perms",
    [
        np.zeros((2, 4), dtype=np.int64),  # 4 columns for 3 jobs
        np.array([[0, 1], [1, 0]]),  # 2 columns
        np.array([0, 1]),  # 1-D of the wrong length
        np.zeros((1, 2, 3), dtype=np.int64),  # 3-D
        np.array(5),  # 0-D
        np.array([["0", "1", "2"]]),  # strings
        np.array([[0, 1, 2]], dtype=object),  # object dtype
        [[0, 1, 2], [0, 1]],  # ragged
    ],
)
def test_wrong_shape_or_dtype(device, perms):
    inst = Instance([2, 3, 1], [2, 6, 1])
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, perms, device=device)
    assert info.value.field == "perms"


@pytest.mark.parametrize("device", BACKENDS)
def test_unknown_objective(device):
    inst = Instance([2, 3, 1], [2, 6, 1])
    for objective in ("makespan", "Total_Tardiness", ""):
        with pytest.raises(InvalidInstanceError) as info:
            evaluate_sequences(inst, [[0, 1, 2]], objective=objective, device=device)
        assert info.value.field == "objective"


def test_unknown_device():
    inst = Instance([2, 3, 1], [2, 6, 1])
    for device in ("tpu", "RUST", "numpy "):
        with pytest.raises(InvalidInstanceError) as info:
            evaluate_sequences(inst, [[0, 1, 2]], device=device)
        assert info.value.field == "device"
        assert isinstance(info.value, SchedkitError) and isinstance(info.value, ValueError)
    assert set(DEVICES) >= {"auto", "rust", "numpy"}


# --------------------------------------------------------------------------- device choice


def gpu_usable() -> bool:
    """True when CuPy imports and sees a CUDA device (then ``auto`` may pick the GPU)."""
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


@pytest.fixture
def rust_calls(monkeypatch):
    """Counts calls into the Rust evaluator, so a test can tell which backend ran."""
    import schedkit._core as core

    calls: list[int] = []
    real = core.batch_evaluate_sequences

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "batch_evaluate_sequences", spy)
    return calls


def test_device_auto_is_rust_on_the_cpu(monkeypatch, rust_calls):
    if gpu_usable():
        pytest.skip("a CUDA GPU is visible, so auto may choose CuPy")
    monkeypatch.delenv("SCHEDKIT_DEVICE", raising=False)
    inst = Instance([2, 3, 1], [2, 6, 1])
    for device in (None, "auto", "rust"):
        rust_calls.clear()
        assert evaluate_sequences(inst, [[2, 0, 1]], device=device).tolist() == [1.0]
        assert rust_calls == [1]
    rust_calls.clear()
    assert evaluate_sequences(inst, [[2, 0, 1]], device="numpy").tolist() == [1.0]
    assert rust_calls == []


def test_schedkit_device_env_var(monkeypatch, rust_calls):
    inst = Instance([2, 3, 1], [2, 6, 1])
    monkeypatch.setenv("SCHEDKIT_DEVICE", "numpy")
    assert evaluate_sequences(inst, [[2, 0, 1]]).tolist() == [1.0]
    assert rust_calls == []
    evaluate_sequences(inst, [[2, 0, 1]], device="rust")  # an explicit device wins
    assert rust_calls == [1]
    rust_calls.clear()
    monkeypatch.setenv("SCHEDKIT_DEVICE", "rust")
    evaluate_sequences(inst, [[2, 0, 1]])
    assert rust_calls == [1]
    rust_calls.clear()
    monkeypatch.setenv("SCHEDKIT_DEVICE", "bogus")
    with pytest.raises(InvalidInstanceError) as info:
        evaluate_sequences(inst, [[2, 0, 1]])
    assert info.value.field == "device"
    assert evaluate_sequences(inst, [[2, 0, 1]], device="numpy").tolist() == [1.0]
    assert rust_calls == []


def test_cuda_without_a_gpu_raises_device_unavailable():
    # DESIGN.md: device="cuda" without a GPU raises DeviceUnavailableError.
    if gpu_usable():
        pytest.skip("a CUDA GPU is visible")
    inst = Instance([2, 3, 1], [2, 6, 1])
    with pytest.raises(DeviceUnavailableError):
        evaluate_sequences(inst, [[2, 0, 1]], device="cuda")


# --------------------------------------------------------------------------- vs solve()


@given(
    tardiness_instances(max_n=9),
    st.sampled_from(["edd", "spt", "wspt", "mdd", "atc", "wi", "psk", "eddc", "mddc", "aug_mdd", "aug_mddc", "ils"]),
    st.sampled_from(BACKENDS),
)
def test_values_equal_result_objective(inst, method, device):
    res = sk.tardiness.solve(inst, method=method, iterations=20)
    both = np.stack([res.sequence, res.sequence[::-1]])
    values = evaluate_sequences(inst, both, objective="total_weighted_tardiness", device=device)
    assert values[0] == res.objective
    assert (
        values[1]
        == sk.tardiness.Result(inst, method, res.sequence[::-1].copy(), values[1], False, 0.0, 0.0).validate().objective
    )
    if not inst.weighted:
        assert evaluate_sequences(inst, res.sequence, objective="total_tardiness", device=device)[0] == res.objective


@given(tardiness_instances(min_n=1, max_n=8), st.data())
def test_total_tardiness_ignores_weights(inst, data):
    perms = data.draw(permutation_batches(inst.n, max_rows=6))
    unweighted = Instance(inst.p, inst.d)
    for device in BACKENDS:
        np.testing.assert_array_equal(
            evaluate_sequences(inst, perms, objective="total_tardiness", device=device),
            evaluate_sequences(unweighted, perms, objective="total_weighted_tardiness", device=device),
        )
        np.testing.assert_array_equal(
            evaluate_sequences(inst, perms, objective="total_completion_time", device=device),
            evaluate_sequences(unweighted, perms, objective="total_completion_time", device=device),
        )


@given(st.integers(0, 9).flatmap(lambda n: st.tuples(st.just(n), permutations_of(n))))
def test_permutations_strategy(case):
    n, perm = case
    assert perm.dtype == np.int64 and perm.shape == (n,)
    assert sorted(perm.tolist()) == list(range(n))


@pytest.mark.parametrize("order", ["C", "F"])
def test_batches_larger_than_one_copied_chunk(order):
    # The Rust binding copies rows a few MiB at a time before releasing the GIL; a batch of
    # ~10 MiB spans several chunks (and a Fortran-ordered one is copied row by row).
    rng = np.random.default_rng(5)
    n, b = 64, 20_000
    inst = Instance(rng.integers(1, 50, n).astype(float), rng.integers(0, 1500, n).astype(float))
    perms = np.argsort(rng.random((b, n)), axis=1)
    perms = np.asarray(perms, order=order)
    rust = evaluate_sequences(inst, perms, objective="total_tardiness", device="rust")
    numpy = evaluate_sequences(inst, perms, objective="total_tardiness", device="numpy")
    np.testing.assert_array_equal(rust, numpy)
    # and chunk edges cut no row: each row alone gives the same value
    for row in (0, 8191, 8192, b - 1):
        one = evaluate_sequences(inst, perms[row], objective="total_tardiness", device="rust")
        assert one[0] == rust[row]
