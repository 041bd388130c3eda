"""Fuzzing helpers: hostile inputs for readers and public functions, and the contract they must keep.

Needs hypothesis (the ``test`` extra). The strategies draw what a careless or hostile user
feeds a reader; :func:`assert_contract` checks the answer: a clear schedkit error, or a result
that passes its own ``validate()`` and holds only finite numbers.

- :func:`random_bytes`: arbitrary bytes, biased towards the ones that break decoders (non-UTF-8
  sequences, NUL, lone carriage returns, a byte-order mark).
- :func:`json_like`: nested structures of ``None``, bools, huge and negative integers, NaN and
  infinities, strings and numeric strings, lists and string-keyed dicts; :func:`json_texts`
  serialises them (JSON is also YAML, so YAML readers take the same texts).
- :func:`extreme_tokens`: the cell values that break parsers (``nan``, ``-1``, ``1e308``,
  ``2**64`` written out, ``1e999999999``, empty, words).
- :func:`mutated_text`: a valid text file with one edit: a cell replaced by an extreme token,
  a line dropped, duplicated or cut short, the file truncated, or a non-UTF-8 byte inserted.

Examples
--------
A reader of whitespace-separated numbers, fuzzed with one-cell edits of a valid file:

>>> import math
>>> from hypothesis import given, settings
>>> from schedkit.exceptions import InvalidInstanceError
>>> def read_numbers(data: bytes) -> list[float]:
...     try:
...         values = [float(x) for x in data.decode().split()]
...     except (UnicodeDecodeError, ValueError) as exc:
...         raise InvalidInstanceError(f"data: {exc}", field="data") from None
...     if not all(math.isfinite(v) for v in values):
...         raise InvalidInstanceError("data: not finite", field="data")
...     return values
>>> @settings(max_examples=20, database=None)
... @given(mutated_text("3 100\\n5 1 10\\n"))
... def test_reader(data):
...     assert_contract(read_numbers, data)
>>> test_reader()
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from schedkit.exceptions import InternalError, SchedkitError, ValidationError
from schedkit.testing._args import checked, count, function, names, text

__all__ = ["assert_contract", "extreme_tokens", "json_like", "json_texts", "mutated_text", "random_bytes"]

#: Byte sequences that no UTF-8 decoder accepts, or that readers tend to mishandle.
BAD_BYTES = (b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\r", b"\xef\xbb\xbf")

#: Cell values that break parsers or overflow the core's types.
EXTREME_TOKENS = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "-1",
    "-0",
    "0",
    "1e308",
    "-1e308",
    "1e-320",
    str(2**63),
    str(2**64),
    "1e999999999",
    "",
    "x",
    "true",
    "0x10",
    "1_000",
    "9" * 400,
)


@checked({"max_size": count()})
def random_bytes(max_size: int = 512) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes up to ``max_size``, often containing one of :data:`BAD_BYTES`."""
    plain = st.binary(max_size=max_size)
    spliced = st.tuples(
        st.binary(max_size=max_size // 2), st.sampled_from(BAD_BYTES), st.binary(max_size=max_size // 2)
    )
    return st.one_of(plain, spliced.map(b"".join))


def extreme_tokens() -> st.SearchStrategy[str]:
    """One of :data:`EXTREME_TOKENS`, or a random float or integer written out."""
    numbers = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )
    return st.one_of(st.sampled_from(EXTREME_TOKENS), numbers)


@checked({"max_leaves": count(1)})
def json_like(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Nested lists and string-keyed dicts of JSON-ish scalars, including the hostile ones
    (NaN, infinities, integers beyond 64 bits, numeric strings, empty strings)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(EXTREME_TOKENS),
    )
    keys = st.one_of(st.text(max_size=10), st.sampled_from(("name", "id", "kind", "spec", "runtime", "parents", "cpu")))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
        max_leaves=max_leaves,
    )


@checked({"max_leaves": count(1)})
def json_texts(max_leaves: int = 30) -> st.SearchStrategy[str]:
    """:func:`json_like` values as JSON text (NaN and infinities written as JavaScript does,
    which Python's ``json`` reads back); JSON is a subset of YAML, so YAML readers take them too."""
    return json_like(max_leaves).map(json.dumps)


@checked({"valid": text})
@st.composite
def mutated_text(draw: st.DrawFn, valid: str) -> bytes:
    """``valid`` (the text of a file a reader accepts) with one hostile edit, as bytes.

    The edits: a whitespace- or comma-separated cell replaced by :func:`extreme_tokens`, a line
    dropped, duplicated or cut in the middle, the file truncated at any byte, a non-UTF-8 byte
    inserted, or a very long line appended.
    """
    lines = valid.splitlines(keepends=True) or [""]
    row = draw(st.integers(0, len(lines) - 1))
    line = lines[row]
    edit = draw(st.sampled_from(("cell", "cell", "cell", "drop", "repeat", "cut", "truncate", "byte", "long")))
    if edit == "cell":
        sep = "," if "," in line else " "
        cells = line.rstrip("\r\n").split(sep)
        col = draw(st.integers(0, max(len(cells) - 1, 0)))
        cells[col] = draw(extreme_tokens())
        lines[row] = sep.join(cells) + ("\n" if line.endswith("\n") else "")
    elif edit == "drop":
        del lines[row]
    elif edit == "repeat":
        lines.insert(row, line)
    elif edit == "cut":
        lines[row] = line[: draw(st.integers(0, len(line)))]
    elif edit == "long":
        lines.append(draw(st.sampled_from(("1 " * 5000, "x" * 20000))) + "\n")
    data = "".join(lines).encode()
    if edit == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif edit == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    return data


@checked({"fn": function, "nonfinite_ok": names})
def assert_contract(fn: Callable[..., Any], *args: Any, nonfinite_ok: Collection[str] = (), **kwargs: Any) -> Any:
    """Calls ``fn(*args, **kwargs)`` and asserts schedkit's contract on the outcome.

    Either it raises a :class:`~schedkit.exceptions.SchedkitError` with a message (returned,
    so a test can look at it), or it returns a result that passes its own ``validate()`` (where
    it has one) and whose numbers are all finite: floats, NumPy arrays, pyarrow tables and
    record batches, and these inside dicts, lists, tuples, dataclass fields and ``__slots__``,
    at any depth. ``InternalError`` and ``ValidationError`` (schedkit bugs), any other
    exception, and a non-finite number fail with ``AssertionError`` (other exceptions
    propagate as they are). A ``UserWarning`` is within the contract (a reader names what it
    ignores that way): it is recorded and let through, not raised, even where warnings are
    errors, unless its message is empty; any other warning is issued again as it came.

    Parameters
    ----------
    fn : callable
        The function under test.
    *args, **kwargs
        Passed to ``fn``.
    nonfinite_ok : collection of str
        Names of fields or dict keys where NaN or infinity is documented (a batch result that
        flags invalid candidates with NaN); checked nowhere below those names.

    Returns
    -------
    object
        The result, or the SchedkitError raised.

    Examples
    --------
    >>> import schedkit as sk
    >>> assert_contract(sk.tardiness.Instance, p=[1.0, float("nan")], d=[1.0, 2.0])  # doctest: +ELLIPSIS
    InvalidInstanceError('p[1]: ...')
    >>> assert_contract(float, "inf")
    Traceback (most recent call last):
    ...
    AssertionError: result: not finite: inf
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            result = fn(*args, **kwargs)
        for w in caught:
            if not str(w.message):
                raise AssertionError(f"{w.category.__name__} without a message")
            if not issubclass(w.category, UserWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    except (InternalError, ValidationError) as exc:
        raise AssertionError(f"a schedkit bug, not a user error: {type(exc).__name__}: {exc}") from exc
    except SchedkitError as exc:
        if not str(exc):
            raise AssertionError(f"{type(exc).__name__} without a message") from exc
        return exc
    validate = getattr(result, "validate", None)
    if callable(validate):
        validate()
    _check_finite(result, "result", frozenset(nonfinite_ok), set())
    return result


def _check_finite(value: Any, where: str, exempt: frozenset[str], seen: set[int]) -> None:
    """Walks ``value`` and fails on the first NaN or infinity, naming where it sits (explicit
    raises, not ``assert``: the helper must also check under ``python -O``)."""
    if value is None or isinstance(value, (str, bytes, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AssertionError(f"{where}: not finite: {value}")
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.generic):
        _check_finite(value.item(), where, exempt, seen)
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and value.size:
            bad = ~np.isfinite(value)
            if bad.any():
                raise AssertionError(f"{where}[{np.argwhere(bad)[0].tolist()}]: not finite")
        elif value.dtype == object:
            for i, item in enumerate(value.ravel()):
                _check_finite(item, f"{where}[{i}]", exempt, seen)
    elif _is_arrow(value):
        for name, column in zip(value.schema.names, value.columns, strict=True):
            if name not in exempt:
                _check_finite(column.to_numpy(zero_copy_only=False), f"{where}.{name}", exempt, seen)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in exempt:
                _check_finite(item, f"{where}[{key!r}]", exempt, seen)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_finite(item, f"{where}[{i}]", exempt, seen)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name not in exempt:
                _check_finite(getattr(value, f.name), f"{where}.{f.name}", exempt, seen)
    else:
        for name in _slots(type(value)):
            if name.lstrip("_") not in exempt and hasattr(value, name):
                _check_finite(getattr(value, name), f"{where}.{name}", exempt, seen)


def _is_arrow(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith("pyarrow") and type(value).__name__ in ("Table", "RecordBatch")


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    return names
