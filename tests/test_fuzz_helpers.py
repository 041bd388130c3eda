"""schedkit.testing.fuzz: its strategies draw what they promise and assert_contract can fail."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import find, given, settings

import schedkit as sk
from schedkit.exceptions import InternalError, InvalidInstanceError, ValidationError
from schedkit.testing.fuzz import (
    BAD_BYTES,
    assert_contract,
    extreme_tokens,
    json_like,
    json_texts,
    mutated_text,
    random_bytes,
)

pytestmark = pytest.mark.fuzz

VALID = "2 10\n3 1 7\n4 2 9\n"


@given(random_bytes(64))
def test_random_bytes_are_bytes_within_size(data):
    assert isinstance(data, bytes) and len(data) <= 64 + max(map(len, BAD_BYTES))


def test_random_bytes_include_undecodable_ones():
    assert _undecodable(find(random_bytes(16), _undecodable, settings=settings(database=None)))


def _undecodable(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@given(json_texts())
def test_json_texts_parse_back_to_json_like_values(text):
    value = json.loads(text)
    assert value is None or isinstance(value, (bool, int, float, str, list, dict))


@given(json_like())
def test_json_like_dict_keys_are_strings(value):
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            assert all(isinstance(k, str) for k in v)
            stack += v.values()
        elif isinstance(v, list):
            stack += v


@given(extreme_tokens())
def test_extreme_tokens_are_text(token):
    assert isinstance(token, str)


@given(mutated_text(VALID))
def test_mutated_text_is_one_edit_away(data):
    # one edit: the file cut short, or at most one line more or fewer (a cell replaced, a line
    # dropped, repeated, cut or appended), or one bad byte in
    assert isinstance(data, bytes)
    if not VALID.encode().startswith(data) and not _undecodable(data):
        lines = data.decode("utf-8").splitlines()
        assert abs(len(lines) - len(VALID.splitlines())) <= 1


def test_mutated_text_makes_every_kind_of_edit():
    quick = settings(database=None, max_examples=500)
    assert find(mutated_text(VALID), lambda d: b"nan" in d or b"inf" in d, settings=quick)
    assert find(mutated_text(VALID), _undecodable, settings=quick)
    assert find(mutated_text(VALID), lambda d: len(d) > 1000, settings=quick)
    assert len(find(mutated_text(VALID), lambda d: len(d) < len(VALID) // 2, settings=quick)) < len(VALID)


def test_assert_contract_returns_the_schedkit_error():
    err = assert_contract(sk.tardiness.Instance, p=[1.0, -1.0], d=[1.0, 1.0])
    assert isinstance(err, InvalidInstanceError) and err.field == "p"


@pytest.mark.parametrize("bug", [InternalError("panic"), ValidationError("bad schedule")])
def test_assert_contract_fails_on_schedkit_bugs(bug):
    def raises():
        raise bug

    with pytest.raises(AssertionError, match="schedkit bug"):
        assert_contract(raises)


def test_assert_contract_lets_other_exceptions_through():
    with pytest.raises(ZeroDivisionError):
        assert_contract(lambda: 1 / 0)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (math.inf, "result"),
        (np.array([1.0, np.nan]), r"result\[\[1\]\]"),
        ({"a": [1.0, (2.0, -math.inf)]}, r"result\['a'\]\[1\]\[1\]"),
        (pa.table({"x": [1.0, math.nan]}), r"result.x"),
        (np.float32("nan"), "result"),
    ],
)
def test_assert_contract_finds_non_finite_numbers_anywhere(value, where):
    with pytest.raises(AssertionError, match=where + ".*not finite"):
        assert_contract(lambda: value)


def test_assert_contract_walks_results_and_honours_exemptions():
    inst = sk.tardiness.Instance(p=[10, 11, 10], d=[15, 11, 13])
    res = assert_contract(sk.tardiness.solve, inst, method="edd")
    assert res.objective >= 0
    assert assert_contract(lambda: {"flag": math.nan, "ok": 1.0}, nonfinite_ok={"flag"})["ok"] == 1.0


def test_assert_contract_calls_validate():
    class Result:
        def validate(self):
            raise ValidationError("overlap")

    with pytest.raises(ValidationError):
        assert_contract(Result)
