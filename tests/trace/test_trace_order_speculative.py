"""The chunks a replay makes of a table before the whole table is checked
(trace._order.SpeculativeChunks, issue 13): for a table whose job ids and submit times rise
with its rows they equal ordered_jobs' chunks, wherever the check's blocks end; a bad value
in any block raises exactly the error ordered_jobs raises for the whole table (the same
field and row, even when an earlier column's bad value is in a later block); rows out of
that order raise NotInOrder (the replay then starts again on the general path)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit.exceptions import InvalidInstanceError
from schedkit.trace import _order, ordered_jobs
from schedkit.trace._order import NotInOrder, SpeculativeChunks
from tests.trace.test_trace_order_fastpath import _same, nearly_ordered


@pytest.fixture
def block():
    """Sets the check's block size for one test (the blocks then end anywhere in the rows)."""
    saved = _order._CHECK_BLOCK

    def use(rows: int) -> None:
        _order._CHECK_BLOCK = rows

    yield use
    _order._CHECK_BLOCK = saved


def _error(t: pa.Table, **kw) -> InvalidInstanceError:
    """The error ordered_jobs raises for ``t``, the whole table checked at the call."""
    with pytest.raises(InvalidInstanceError) as e:
        list(ordered_jobs(t, **kw))
    return e.value


def _same_error(got: BaseException, want: InvalidInstanceError) -> None:
    assert type(got) is type(want)
    assert (str(got), got.field, got.index) == (str(want), want.field, want.index)


def _in_order(t: pa.Table) -> bool:
    rows = _order._table_rows(t)
    job = np.asarray(rows.column("job_id").to_numpy(), dtype=np.int64)
    sub = np.asarray(rows.column("submit_time").to_numpy(), dtype=np.float64)
    return _order._in_time_and_id_order(rows, job, sub)[0]


@st.composite
def maybe_bad(draw: st.DrawFn) -> tuple[pa.Table, pa.Table]:
    """A nearly ordered table, and it with a bad value or two put in (or none)."""
    good = t = draw(nearly_ordered())
    n = t.num_rows
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        name, value = draw(
            st.sampled_from([("duration", math.nan), ("duration", -1.0), ("submit_time", math.inf), ("user", None)])
        )
        vals = t.column(name).to_pylist()
        vals[draw(st.integers(0, n - 1))] = value
        t = t.set_column(t.schema.get_field_index(name), name, pa.array(vals, t.schema.field(name).type))
    return good, t


@settings(max_examples=400, deadline=None)
@given(tables=maybe_bad(), chunk_rows=st.integers(1, 8), block_rows=st.sampled_from([1, 2, 3, 5, 1 << 18]))
def test_speculative_chunks_are_ordered_jobs_or_its_error(tables, chunk_rows, block_rows):
    good, t = tables
    saved = _order._CHECK_BLOCK
    _order._CHECK_BLOCK = block_rows
    try:
        got: list[pa.Table] = []
        stream = SpeculativeChunks(t, chunk_rows, False)
        failure = None
        try:
            got.extend(stream)
        except (InvalidInstanceError, NotInOrder) as exc:
            failure = exc
    except InvalidInstanceError as exc:  # the column types, at the call
        failure = exc
    finally:
        _order._CHECK_BLOCK = saved
    try:
        want = list(ordered_jobs(t, chunk_rows=chunk_rows, _spread_first_row=False))
    except InvalidInstanceError as exc:
        # a bad value: the same error, or (met first) rows out of order, which restart the
        # replay on the general path, where the table's checks raise this error. A value is
        # validated before it is compared, so a bad one does not make rows out of order.
        assert failure is not None
        if isinstance(failure, NotInOrder):
            assert not _in_order(good)
        else:
            _same_error(failure, exc)
        return
    if _in_order(t):
        assert failure is None
        _same(got, want)
    else:
        assert isinstance(failure, NotInOrder)


def _late_bad_table(n: int = 40) -> pa.Table:
    """Jobs of two rows each, in order: ids and submit times rise with the rows."""
    job = np.repeat(np.arange(n // 2), 2)
    return pa.table(
        {
            "job_id": job,
            "user": [f"u{j % 3}" for j in job],
            "submit_time": job * 0.5,
            "task_id": np.tile([0, 1], n // 2),
            "duration": np.ones(n),
        }
    )


def _set(t: pa.Table, name: str, row: int, value) -> pa.Table:
    vals = t.column(name).to_pylist()
    vals[row] = value
    return t.set_column(t.schema.get_field_index(name), name, pa.array(vals, t.schema.field(name).type))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("duration", math.nan, "duration[31]: must be finite and >= 0, got nan"),
        ("submit_time", -math.inf, "submit_time[31]: must be finite, got -inf"),
        ("user", None, "user[31]: missing"),
    ],
)
def test_a_bad_value_past_the_first_chunks_raises_the_tables_error(block, name, value, message):
    block(4)
    t = _set(_late_bad_table(), name, 31, value)
    stream = SpeculativeChunks(t, 4, False)
    given = []
    with pytest.raises(InvalidInstanceError) as e:
        given.extend(stream)
    assert len(given) >= 3  # chunks were made before the block with row 31 was checked
    assert str(e.value) == message and e.value.index == 31
    _same_error(e.value, _error(t, chunk_rows=4))
    with pytest.raises(InvalidInstanceError, match=message.replace("[", r"\[")):  # asked again
        next(stream)


def test_the_first_bad_column_wins_as_when_the_whole_table_is_checked(block):
    """submit_time is checked before duration: a late bad submit time is the error, not the
    early bad duration whose block fails first."""
    block(4)
    t = _set(_set(_late_bad_table(), "duration", 9, -1.0), "submit_time", 35, math.nan)
    with pytest.raises(InvalidInstanceError) as e:
        list(SpeculativeChunks(t, 4, False))
    assert str(e.value) == "submit_time[35]: must be finite, got nan"
    _same_error(e.value, _error(t))


@pytest.mark.parametrize(
    "breakage",
    ["id below the one before", "a job's row at a later time", "a later job earlier", "tasks out of order"],
)
def test_rows_out_of_order_past_the_first_chunks_raise_not_in_order(block, breakage):
    block(4)
    t = _late_bad_table()
    if breakage == "id below the one before":
        t = _set(t, "job_id", 32, 3)
    elif breakage == "a job's row at a later time":
        t = _set(t, "submit_time", 33, 100.0)
    elif breakage == "a later job earlier":
        t = _set(_set(t, "submit_time", 32, 1.0), "submit_time", 33, 1.0)
    else:
        t = _set(_set(t, "task_id", 32, 1), "task_id", 33, 0)
    stream = SpeculativeChunks(t, 4, False)
    given = []
    with pytest.raises(NotInOrder):
        given.extend(stream)
    assert len(given) >= 3
    # the general path takes the table (no error): the replay starts again on it
    assert sum(c.num_rows for c in ordered_jobs(t, chunk_rows=4)) == t.num_rows


def test_check_rest_checks_what_iterating_has_not(block):
    block(4)
    t = _set(_late_bad_table(), "duration", 38, math.nan)
    stream = SpeculativeChunks(t, 4, False)
    next(stream)
    assert stream.made < 38  # the bad row is not checked yet
    with pytest.raises(InvalidInstanceError, match=r"duration\[38\]"):
        stream.check_rest()
    SpeculativeChunks(_late_bad_table(), 4, False).check_rest()  # a good table: nothing raised


def test_column_type_errors_raise_at_the_call():
    t = _late_bad_table()
    t = t.set_column(t.schema.get_field_index("duration"), "duration", pa.array(["x"] * t.num_rows))
    with pytest.raises(InvalidInstanceError, match="duration: expected numbers, got string"):
        SpeculativeChunks(t, 4, False)
    with pytest.raises(InvalidInstanceError, match="source: missing column 'user'"):
        SpeculativeChunks(t.drop_columns(["user"]), 4, False)


def test_a_job_bigger_than_a_chunk_is_a_chunk_of_its_own(block):
    """The cut after a job of more rows than chunk_rows (and than a block) is found by
    checking on to the job's end."""
    block(3)
    job = np.array([0] * 2 + [1] * 11 + [2] * 3 + [3])
    t = pa.table({"job_id": job, "user": ["u"] * len(job), "submit_time": job * 1.0, "duration": np.ones(len(job))})
    got = [c.column("job_id").to_pylist() for c in SpeculativeChunks(t, 4, False)]
    assert got == [[0, 0], [1] * 11, [2, 2, 2, 3]]
    _same(list(SpeculativeChunks(t, 4, False)), list(ordered_jobs(t, chunk_rows=4, _spread_first_row=False)))
