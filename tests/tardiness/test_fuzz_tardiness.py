"""Fuzzing the tardiness readers and public functions: every input gives a schedkit error or a
valid, finite result that passes validate(); never another exception, a panic or a hang."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schedkit as sk
from schedkit.exceptions import SchedkitError
from schedkit.tardiness import Instance, solve

DATA = Path(__file__).resolve().parents[1] / "data" / "smtt" / "orlib_wt"
#: The first wt40 instance as text: 40 p, 40 w, 40 d.
WT40_TOKENS = (DATA / "wt40.txt").read_text().split()[:120]
SDT_FILE = Path(__file__).resolve().parents[1] / "data" / "smtt" / "sdt"

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(data: bytes) -> Path:
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as fh:
        fh.write(data)
    return Path(fh.name)


def _check_instances(instances) -> None:
    for inst in instances:
        assert isinstance(inst, Instance)
        solve(inst, method="edd").validate()


def _read_all(path: Path) -> None:
    for reader in (
        lambda: _check_instances(sk.tardiness.read_orlib(path, 2)),
        lambda: _check_instances(sk.tardiness.read_sdt(path)[0]),
        lambda: sk.tardiness.read_orlib_values(path),
    ):
        with contextlib.suppress(SchedkitError):
            reader()


@FUZZ
@given(st.binary(max_size=400))
def test_readers_on_random_bytes(data):
    path = _write(data)
    try:
        _read_all(path)
    finally:
        path.unlink()


CELLS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "-1", "0", "1.5", "1e400", "0x10", "\xff"]),
    st.integers(-(2**70), 2**70).map(str),
)


@FUZZ
@given(st.integers(0, 119), CELLS)
def test_orlib_reader_on_one_random_cell(pos, cell):
    tokens = list(WT40_TOKENS)
    tokens[pos] = cell
    path = _write(" ".join(tokens).encode("utf-8", "surrogatepass"))
    try:
        try:
            insts = sk.tardiness.read_orlib(path, 40)
        except SchedkitError as exc:
            assert str(path) in str(exc)
            return
        _check_instances(insts)
        assert len(insts) == 1
    finally:
        path.unlink()


@FUZZ
@given(st.integers(0, 3), st.integers(0, 3), CELLS)
def test_sdt_reader_on_one_random_cell(line, pos, cell):
    lines = ["2 3", "0.2 0.2 1 5", "1 2 3", "1 2 3", "0.2 0.2 2 0", "3 3 3", "9 9 9"]
    toks = lines[line].split()
    toks[min(pos, len(toks) - 1)] = cell
    lines[line] = " ".join(toks)
    path = _write("\n".join(lines).encode("utf-8", "surrogatepass"))
    try:
        try:
            insts, optima = sk.tardiness.read_sdt(path)
        except SchedkitError as exc:
            assert str(path) in str(exc)
            return
        _check_instances(insts)
        assert np.all(np.isfinite(optima))
    finally:
        path.unlink()


def test_empty_files_are_errors_naming_the_file():
    path = _write(b"  \n\n")
    try:
        for reader in (
            lambda: sk.tardiness.read_orlib(path, 40),
            lambda: sk.tardiness.read_sdt(path),
            lambda: sk.tardiness.read_orlib_values(path),
        ):
            try:
                reader()
            except SchedkitError as exc:
                assert str(path) in str(exc) and "empty" in str(exc)
            else:
                raise AssertionError("an empty file was read")
        assert sk.tardiness.read_orlib(path, 40, allow_empty=True) == []
        assert sk.tardiness.read_sdt(path, allow_empty=True)[0] == []
    finally:
        path.unlink()


def test_non_utf8_is_an_error_naming_file_and_line():
    path = _write(b"1 2 3\n4 \xff 6\n")
    try:
        try:
            sk.tardiness.read_orlib(path, 1)
        except SchedkitError as exc:
            assert str(path) in str(exc) and "line 2" in str(exc)
        else:
            raise AssertionError("bytes that are not UTF-8 were read")
    finally:
        path.unlink()


EXTREME = st.sampled_from([0.0, -0.0, 1e-308, 1e308, -1e308, np.nan, np.inf, -np.inf, 1.0, 7.0, 2.0**60])
DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint64, object, np.bool_, np.complex128])


@st.composite
def arrays(draw):
    n = draw(st.integers(0, 6))
    shape = draw(st.sampled_from([(n,), (n, 1), (), (1, n)]))
    size = int(np.prod(shape)) if shape else 1
    values = draw(st.lists(st.one_of(EXTREME, st.integers(-5, 100).map(float)), min_size=size, max_size=size))
    dtype = draw(DTYPES)
    try:
        with np.errstate(all="ignore"):
            return np.asarray(values, dtype=np.float64).reshape(shape).astype(dtype)
    except (ValueError, TypeError, OverflowError):
        return np.asarray(values, dtype=np.float64).reshape(shape)


@FUZZ
@given(arrays(), arrays(), st.one_of(st.none(), arrays()), st.sampled_from(["edd", "mddc", "ils", "exact", "ssdp"]))
def test_public_functions_on_random_arrays(p, d, w, method):
    try:
        inst = Instance(p, d, w)
    except SchedkitError:
        return
    try:
        res = solve(inst, method=method, time_limit=1.0, iterations=20)
    except SchedkitError:
        return
    res.validate()
    assert np.isfinite(res.objective)
    assert res.lower_bound is None or np.isfinite(res.lower_bound)


@FUZZ
@given(
    st.sampled_from(["seed", "iterations", "time_limit", "memory_limit", "atc_k", "workers"]),
    st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans()),
)
def test_solve_options_on_random_values(option, value):
    inst = Instance([3, 2, 4], [2, 2, 9], w=[1, 2, 3])
    # A valid but huge iteration count runs as long as asked (interruptible, not a hang):
    # bounded by a time limit so that the test stays short.
    limit = {"time_limit": 0.2} if option == "iterations" else {}
    try:
        res = solve(inst, method="ils" if option != "atc_k" else "atc", **{option: value}, **limit)
    except SchedkitError as exc:
        assert option in str(exc)
        return
    res.validate()
