"""Fuzzing schedkit.dag against the contract: every reader and public function, fed random
bytes, random JSON structures, one-cell edits of valid files, random dtypes, shapes and extreme
values, raises a schedkit error or returns a valid schedule of finite numbers.

The default hypothesis profile keeps this CI-sized; ``pytest --slow`` runs it long.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import schedkit as sk
from schedkit.testing.fuzz import assert_contract, extreme_tokens, json_like, json_texts, mutated_text, random_bytes

pytestmark = pytest.mark.fuzz

#: Infinite bandwidth is documented (an instantaneous link); nothing else may be non-finite.
NONFINITE_OK = ("bandwidth", "_bandwidth", "slr", "speedup")

_TMP = Path(tempfile.mkdtemp(prefix="schedkit-dag-fuzz-"))

VALID_STG = "3\n0 0 0\n1 3 1 0\n2 4 1 0\n3 2 2 1 2\n4 0 1 3\n"
VALID_STG_COMM = "2\n0 0 0\n1 3 1 0\n0 2\n2 4 1 1\n1 5\n3 0 1 2\n2 0\n"
VALID_WF14 = json.dumps(
    {
        "workflow": {
            "tasks": [
                {"name": "a", "runtime": 2.0, "parents": [], "files": [{"name": "f", "link": "output", "size": 10}]},
                {"name": "b", "runtime": 3.0, "parents": ["a"], "files": [{"name": "f", "link": "input", "size": 10}]},
            ]
        }
    },
    indent=1,
)
VALID_WF15 = json.dumps(
    {
        "workflow": {
            "specification": {
                "tasks": [
                    {"id": "a", "parents": [], "children": ["b"], "outputFiles": ["f"], "inputFiles": []},
                    {"id": "b", "parents": ["a"], "children": [], "outputFiles": [], "inputFiles": ["f"]},
                ],
                "files": [{"id": "f", "sizeInBytes": 100}],
            },
            "execution": {"tasks": [{"id": "a", "runtimeInSeconds": 1.5}, {"id": "b", "runtimeInSeconds": 2}]},
        }
    },
    indent=1,
)


def _file(data: bytes | str, suffix: str) -> Path:
    path = _TMP / f"case{suffix}"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _read_and_schedule(reader, path: Path, **kwargs):
    """The reader's graph and platform scheduled by HEFT: both must keep the contract."""
    g, plat = reader(path, **kwargs)
    return sk.dag.heft(g, plat)


# ----------------------------------------------------------------------------- readers


@given(st.one_of(random_bytes(), mutated_text(VALID_STG), mutated_text(VALID_STG_COMM)))
def test_stg_reader_keeps_the_contract(data):
    assert_contract(_read_and_schedule, sk.dag.from_stg, _file(data, ".stg"), nonfinite_ok=NONFINITE_OK)


@given(
    st.one_of(
        random_bytes(),
        json_texts(),
        mutated_text(VALID_WF14),
        mutated_text(VALID_WF15),
        # a task list of random records under a valid envelope
        st.lists(json_like(max_leaves=8), max_size=4).map(lambda ts: json.dumps({"workflow": {"tasks": ts}})),
    )
)
def test_wfcommons_reader_keeps_the_contract(data):
    assert_contract(
        _read_and_schedule, sk.dag.from_wfcommons, _file(data, ".json"), processors=2, nonfinite_ok=NONFINITE_OK
    )


def test_wfcommons_reader_edge_cases_are_errors_naming_the_field():
    cases = {
        '{"workflow": {"tasks": [{"name": "a", "runtime": true}]}}': "runtime must be a number",
        '{"workflow": {"tasks": [{"name": "a", "runtime": 1}, {"name": "b", "runtime": 1, "parents": "ab"}]}}': (
            "task 'b': parents must be a list"
        ),
        "[" * 100_000 + "]" * 100_000: "nested too deeply",
        "": "empty file",
        '{"workflow": {"tasks": []}}': "no tasks",
        '{"workflow": {"tasks": [{"name": "a", "runtime": -1}]}}': "finite and >= 0",
    }
    for text, message in cases.items():
        with pytest.raises(sk.exceptions.InvalidInstanceError, match=message):
            sk.dag.from_wfcommons(_file(text, ".json"))
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="line 1: not UTF-8"):
        sk.dag.from_wfcommons(_file(b'{"\xff": 1}', ".json"))


def test_stg_reader_edge_cases_are_errors_naming_the_line():
    cases = {
        "-1\n": "line 1: task count -1 is out of range",
        VALID_STG + "garbage here too\n": "line 7: unexpected 'garbage here too'",
        "1\n0 0 0\n1 3 1 0\n2 0 1 1\n5 5\n": "line 5: predecessor 5 is out of range",
        "1_000\n": "line 1: task count '1_000' is not an integer",
        "1\n0 0 0\n1 nan 1 0\n2 0 1 1\n": "line 3: processing time must be finite",
        "": "empty file",
    }
    for text, message in cases.items():
        with pytest.raises(sk.exceptions.InvalidInstanceError, match=message):
            sk.dag.from_stg(_file(text, ".stg"))


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=10),
    st.lists(st.one_of(json_like(max_leaves=3), st.lists(st.floats(), min_size=1, max_size=3)), min_size=6, max_size=6),
    st.one_of(st.none(), st.integers(-2, 3), st.lists(st.floats(), max_size=3), extreme_tokens()),
)
def test_networkx_reader_keeps_the_contract(edges, costs, processors):
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph()
    for k, c in enumerate(costs):
        G.add_node(f"t{k}", cost=c)
    for u, v in edges:
        if u < v:  # mostly acyclic; the cycle check has its own tests
            G.add_edge(f"t{u}", f"t{v}", data=costs[u] if not isinstance(costs[u], (list, dict)) else 1.0)
    assert_contract(lambda: sk.dag.heft(*sk.dag.from_networkx(G, processors=processors)), nonfinite_ok=NONFINITE_OK)


def test_networkx_names_the_attribute_it_looked_for_and_the_ones_it_found():
    nx = pytest.importorskip("networkx")
    G = nx.DiGraph()
    G.add_node("a", weight=1.0, label="x")
    with pytest.raises(
        sk.exceptions.InvalidInstanceError, match=r"no 'cost' attribute \(attributes found: 'weight', 'label'\)"
    ):
        sk.dag.from_networkx(G, processors=2)
    assert sk.dag.from_networkx(G, cost="weight", processors=2)[1].cost.tolist() == [[1.0, 1.0]]


# ----------------------------------------------------------------------------- public functions

#: Arrays as users pass them: any dtype, odd shapes, extreme values.
_DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint64, bool, object, complex])
_EXTREME = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-300, 1e150, 1e300, 1.7e308, -1.0, 2.0**63, 2.0**64]),
)


@st.composite
def hostile_arrays(draw, shape):
    values = draw(st.lists(_EXTREME, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    dtype = draw(_DTYPES)
    with np.errstate(all="ignore"):
        try:
            return np.array(values, dtype=dtype).reshape(shape)
        except (OverflowError, ValueError):
            return np.array(values, dtype=np.float64).reshape(shape)


@st.composite
def hostile_instances(draw):
    n = draw(st.integers(0, 6))
    q = draw(st.integers(1, 3))
    e = draw(st.integers(0, 8))
    ids = st.one_of(st.integers(0, max(n - 1, 0)), st.sampled_from([-1, n, 2**63 - 1, 2**64]))
    src = draw(st.lists(ids, min_size=e, max_size=e))
    dst = draw(st.lists(ids, min_size=e, max_size=e))
    data = draw(hostile_arrays((e,)))
    cost = draw(hostile_arrays(draw(st.sampled_from([(n, q), (n, q), (q, n), (n,), (n, q, 1)]))))
    bandwidth = draw(st.one_of(_EXTREME, hostile_arrays((q, q))))
    latency = draw(st.one_of(_EXTREME, hostile_arrays((q,))))
    return src, dst, data, n, cost, bandwidth, latency


def _build_and_run(src, dst, data, n, cost, bandwidth, latency, algorithm, seed):
    g = sk.dag.TaskGraph(src, dst, data, num_tasks=n)
    plat = sk.dag.Platform(cost, bandwidth=bandwidth, latency=latency)
    return sk.dag.schedule(g, plat, algorithm=algorithm, seed=seed)


@given(
    hostile_instances(),
    st.sampled_from(sorted(sk.dag.ALGORITHMS)),
    st.one_of(st.integers(-(2**65), 2**65), st.just(0), st.floats(), st.none()),
)
def test_every_algorithm_keeps_the_contract(instance, algorithm, seed):
    assert_contract(_build_and_run, *instance, algorithm, seed, nonfinite_ok=NONFINITE_OK)


@given(
    st.one_of(st.integers(-2, 40), st.sampled_from([10**9, 2**64, 2**24 + 1])),
    st.one_of(st.integers(-1, 5), st.sampled_from([100_000, 2**63])),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(1.0)),
    st.one_of(st.integers(-1, 5), st.sampled_from([2**40, 2**64])),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(1.0)),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(20.0)),
    st.one_of(st.integers(-1, 10), st.sampled_from([2**64 - 1, 2**64])),
)
def test_random_dag_keeps_the_contract(num_tasks, processors, alpha, out_degree, ccr, mean_cost, seed):
    assert_contract(
        lambda: sk.dag.heft(
            *sk.dag.random_dag(
                num_tasks,
                processors=processors,
                alpha=alpha,
                out_degree=out_degree,
                ccr=ccr,
                mean_cost=mean_cost,
                seed=seed,
            )
        ),
        nonfinite_ok=NONFINITE_OK,
    )


@given(
    hostile_instances(),
    st.lists(_EXTREME, min_size=1, max_size=3),
    st.sampled_from(sorted(sk.dag.ONLINE_POLICIES)),
    _EXTREME,
)
def test_online_simulation_keeps_the_contract(instance, arrivals, policy, noise):
    src, dst, data, n, cost, bandwidth, latency = instance

    def run():
        g = sk.dag.TaskGraph(src, dst, data, num_tasks=n)
        plat = sk.dag.Platform(cost, bandwidth=bandwidth, latency=latency)
        stream = sk.dag.JobStream((g, plat), arrivals)
        return sk.dag.simulate_online(stream, policy=policy, noise=noise)

    assert_contract(run, nonfinite_ok=NONFINITE_OK)


def test_sizes_are_refused_before_anything_is_allocated():
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="num_tasks: 1000000000 is over the limit"):
        sk.dag.random_dag(10**9, processors=2)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="processors: 10,000 x 100,000 entries"):
        sk.dag.random_dag(10_000, processors=100_000)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="num_tasks"):
        sk.dag.TaskGraph([0], [1], num_tasks=10**9)
    with pytest.raises(sk.exceptions.InvalidInstanceError, match="bandwidth: 100,000 x 100,000"):
        sk.dag.Platform(speed=np.ones(100_000), work=[1.0])
    for seed in (-1, 2**64):
        with pytest.raises(sk.exceptions.InvalidInstanceError, match="seed"):
            sk.dag.random_dag(5, processors=2, seed=seed)


def test_times_that_would_overflow_are_refused_naming_the_platform():
    g = sk.dag.TaskGraph([0], [1], [1.0], num_tasks=2)
    plat = sk.dag.Platform(cost=[[1e308, 1e308], [1e308, 1e308]])
    for algorithm in sk.dag.ALGORITHMS:
        with pytest.raises(sk.exceptions.InvalidInstanceError, match="platform: total cost plus total transfer"):
            sk.dag.schedule(g, plat, algorithm=algorithm)
