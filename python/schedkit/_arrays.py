"""Input conversion shared by every area: array-likes to validated NumPy arrays.

Conversion only checks what NumPy itself cannot express (dimension, dtype kind); value checks
(finite, positive, ...) happen once, in the Rust constructors, which name field and index.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from schedkit.exceptions import InvalidInstanceError

_ArrayT = TypeVar("_ArrayT", bound=np.ndarray)


def refuse_masked(values: Any, field: str) -> None:
    """A NumPy masked array is refused: ``np.asarray`` would drop its mask and read the masked
    entries as values."""
    if isinstance(values, np.ma.MaskedArray):
        raise InvalidInstanceError(
            f"{field}: a masked array (its mask would be dropped); fill or remove the masked entries first", field=field
        )


def numeric_array(values: Any, field: str, ndim: int, what: str = "an array") -> np.ndarray:
    """``values`` as a NumPy array of ``ndim`` dimensions holding numbers (ints or floats), or
    InvalidInstanceError naming ``field`` (and saying it is not ``what`` of numbers)."""
    refuse_masked(values, field)
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise InvalidInstanceError(f"{field}: not {what} of numbers ({exc})", field=field) from None
    if arr.ndim != ndim:
        raise InvalidInstanceError(f"{field}: expected a {ndim}-D array, got shape {arr.shape}", field=field)
    if arr.dtype.kind not in "iuf":  # booleans are rejected: True as a duration is a bug
        raise InvalidInstanceError(f"{field}: expected numbers, got dtype {arr.dtype}", field=field)
    return arr


def float_vector(values: Any, field: str) -> np.ndarray:
    """``values`` as a contiguous 1-D float64 array, or InvalidInstanceError naming ``field``."""
    return np.ascontiguousarray(numeric_array(values, field, 1), dtype=np.float64)


def rows_2d(arr: Any, field: str, columns: int) -> Any:
    """A (B, ``columns``) view of a NumPy or CuPy array: a 1-D input of length ``columns``
    is one row, an empty 1-D input no rows; any other shape is an error naming ``field``."""
    if arr.ndim == 1 and arr.shape[0] == columns:
        arr = arr.reshape(1, columns)
    elif arr.ndim == 1 and arr.shape[0] == 0:
        arr = arr.reshape(0, columns)
    if arr.ndim != 2 or arr.shape[1] != columns:
        raise InvalidInstanceError(f"{field}: expected shape (B, {columns}), got {arr.shape}", field=field)
    return arr


def int_matrix(values: Any, field: str, columns: int) -> np.ndarray:
    """``values`` as a C-contiguous 2-D int64 array with ``columns`` columns.

    A 1-D input of length ``columns`` is one row. Float input is accepted only when every
    value is integral, so nothing is silently truncated.
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field}: not an array of integers ({exc})", field=field) from None
    arr = rows_2d(arr, field, columns)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise InvalidInstanceError(f"{field}[{row}]: non-integer job id", field=field, index=row)
    elif arr.dtype.kind not in "iu":
        raise InvalidInstanceError(f"{field}: expected integers, got dtype {arr.dtype}", field=field)
    elif arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
        row = int(np.argwhere(arr > np.iinfo(np.int64).max)[0][0])
        raise InvalidInstanceError(f"{field}[{row}]: job id out of range", field=field, index=row)
    return np.ascontiguousarray(arr, dtype=np.int64)


def int_vector(values: Any, field_name: str, length: int | None = None) -> np.ndarray:
    """``values`` as a read-only C-contiguous 1-D int64 array (of ``length`` where given), or
    InvalidInstanceError naming ``field_name`` and the index. Floats are accepted only when
    integral, and magnitudes are kept within 2^62 so sums of a few stay within int64.

    Examples
    --------
    >>> int_vector([1.0, 2], "job_id").tolist()
    [1, 2]
    >>> int_vector([1, float("nan")], "task_id")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: task_id[1]: nan is not an integer
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidInstanceError(f"{field_name}: not an array of numbers ({exc})", field=field_name) from None
    if arr.ndim != 1:
        raise InvalidInstanceError(f"{field_name}: expected a 1-D array, got shape {arr.shape}", field=field_name)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInstanceError(
                f"{field_name}[{i}]: {float(arr[i])!r} is not an integer", field=field_name, index=i
            )
        if arr.size and np.abs(arr).max() > 2.0**62:
            i = int(np.argmax(np.abs(arr)))
            raise InvalidInstanceError(f"{field_name}[{i}]: out of range", field=field_name, index=i)
    elif arr.dtype.kind not in "iu":
        raise InvalidInstanceError(f"{field_name}: expected integers, got dtype {arr.dtype}", field=field_name)
    elif arr.dtype.kind == "u" and arr.size and arr.max() > 2**62:
        i = int(np.argmax(arr))
        raise InvalidInstanceError(f"{field_name}[{i}]: out of range", field=field_name, index=i)
    if length is not None and arr.shape[0] != length:
        raise InvalidInstanceError(f"{field_name}: length {arr.shape[0]}, expected {length}", field=field_name)
    return readonly(np.ascontiguousarray(arr, dtype=np.int64))


def readonly(arr: _ArrayT) -> _ArrayT:
    """Marks ``arr`` read-only so results and instances stay immutable."""
    arr.flags.writeable = False
    return arr


#: The largest values the core's integer types hold: a Python int beyond these would reach the
#: binding as PyO3's bare ``OverflowError``, which names no argument.
U64_MAX = 2**64 - 1
I64_MAX = 2**63 - 1


def int_arg(value: Any, field: str, *, minimum: int = 0, maximum: int = I64_MAX) -> int:
    """``value`` as a Python int in ``[minimum, maximum]``, or InvalidInstanceError naming ``field``.

    For scalar integer arguments that cross into the core (seeds, counts, iterations, cores):
    PyO3 would turn ``-1`` or ``2**64`` for a ``u64`` into an ``OverflowError`` that names no
    argument. Booleans and integral floats are rejected, so nothing is silently converted. The
    default range is the non-negative int64 values (the core's ``usize``/``u64`` on every
    64-bit platform); pass ``maximum=U64_MAX`` for a full ``u64`` seed.

    Examples
    --------
    >>> int_arg(3, "seed"), int_arg(np.uint64(2**64 - 1), "seed", maximum=U64_MAX)
    (3, 18446744073709551615)
    >>> int_arg(True, "cores")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: cores: must be an integer, got True
    >>> int_arg(-1, "seed")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: seed: must be an integer in [0, 9223372036854775807], got -1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInstanceError(f"{field}: must be an integer, got {value!r}", field=field)
    out = int(value)
    if not minimum <= out <= maximum:
        raise InvalidInstanceError(f"{field}: must be an integer in [{minimum}, {maximum}], got {out}", field=field)
    return out


def float_arg(value: Any, field: str, *, minimum: float | None = None, above: float | None = None) -> float:
    """``value`` as a finite Python float, at least ``minimum`` and greater than ``above`` where
    given, or InvalidInstanceError naming ``field``.

    For scalar real arguments (rates, weights, noise levels): booleans, strings and complex
    numbers are rejected rather than converted, and an int too large for a float is an error.

    Examples
    --------
    >>> float_arg(2, "load", above=0.0)
    2.0
    >>> float_arg(None, "alpha")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: alpha: must be a real number, got None
    >>> float_arg(float("nan"), "sigma", minimum=0.0)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: sigma: must be a finite number >= 0.0, got nan
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInstanceError(f"{field}: must be a real number, got {value!r}", field=field)
    try:
        out = float(value)
    except OverflowError:
        raise InvalidInstanceError(f"{field}: {value} is too large for a float", field=field) from None
    ok = np.isfinite(out) and (minimum is None or out >= minimum) and (above is None or out > above)
    if not ok:
        limits = "".join(f" {op} {bound}" for op, bound in ((">=", minimum), (">", above)) if bound is not None)
        raise InvalidInstanceError(f"{field}: must be a finite number{limits}, got {out}", field=field)
    return out


def bool_arg(value: Any, field: str) -> bool:
    """``value`` if it is a boolean (Python or NumPy), else InvalidInstanceError naming ``field``:
    a truthy string such as ``"no"`` must not switch an option on.

    Examples
    --------
    >>> bool_arg(np.bool_(True), "insertion")
    True
    >>> bool_arg("no", "insertion")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: insertion: must be True or False, got 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInstanceError(f"{field}: must be True or False, got {value!r}", field=field)
    return bool(value)


def shown(value: Any, width: int = 40) -> str:
    """``repr(value)`` for an error message, cut to about ``width`` characters with its full
    length said, so a 400-digit number or a megabyte string does not become the message.

    Examples
    --------
    >>> shown(10**60)
    '10000000000000000000… (61 characters)'
    >>> shown("cpu")
    "'cpu'"
    """
    text = repr(value)
    return text if len(text) <= width else f"{text[: width // 2]}… ({len(text):,} characters)"


def check_column_names(names: list[str], where: str) -> None:
    """InvalidInstanceError naming the first column of ``names`` (a table's or a CSV header's,
    ``where`` saying which) that has no name (a blank header line, a trailing comma) or that
    appears twice: a nameless column cannot be told apart from a missing one, and which of two
    equal names a reader took would be arbitrary.

    Examples
    --------
    >>> check_column_names(["job_id", "release", "job_id"], "jobs.csv")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: jobs.csv: column 'job_id' appears twice (columns 1 and 3)
    >>> check_column_names(["job_id", ""], "jobs.csv")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: jobs.csv: column 2 has no name
    """
    first: dict[str, int] = {}
    for k, name in enumerate(names):
        if not name:
            raise InvalidInstanceError(f"{where}: column {k + 1} has no name", field="columns", index=k)
        if name in first:
            raise InvalidInstanceError(
                f"{where}: column {name!r} appears twice (columns {first[name] + 1} and {k + 1})", field=name
            )
        first[name] = k


def lost_lengths(times: np.ndarray, lengths: np.ndarray, rel: float = 0.5) -> np.ndarray:
    """Mask of the positive ``lengths`` that a float64 time at ``times`` cannot hold: ``(t + l)
    - t`` is off ``l`` by half of it or more, i.e. the length is about the spacing of float64
    there or below. At t = 1e20 the spacing is 16,384, so a 10 s task submitted there would end
    when it starts and every metric of it would be 0 (its slowdown 0, below its bound of 1):
    such inputs are refused rather than measured wrong. Unix timestamps in seconds (about
    1.7e9, spacing 2.4e-7) keep lengths down to about half a microsecond.

    Examples
    --------
    >>> lost_lengths(np.array([0.0, 1e20, 1e20]), np.array([10.0, 10.0, 1e6])).tolist()
    [False, True, False]
    """
    if len(times) == 0:
        return np.zeros(0, dtype=bool)
    # cheap first (a replay checks every chunk): rounding at any time is at most its spacing,
    # so only the lengths under 2 / rel spacings of the largest time can be off by rel of them
    spacing = np.spacing(max(abs(float(times.min())), abs(float(times.max()))))
    near = (lengths > 0) & (lengths < 2.0 / rel * spacing)
    if not near.any():
        return near
    with np.errstate(over="ignore", invalid="ignore"):
        back = (times + lengths) - times
    return near & ~(np.abs(back - lengths) <= rel * lengths)


def lost_length_error(times: np.ndarray, lengths: np.ndarray, field: str, at: str) -> InvalidInstanceError | None:
    """The error for the first of :func:`lost_lengths` (``field[i]``, its time named ``at``),
    or None."""
    lost = lost_lengths(times, lengths)
    if not lost.any():
        return None
    i = int(np.argmax(lost))
    return InvalidInstanceError(
        f"{field}[{i}]: {lengths[i]:g} is below what a float64 holds at {at} {times[i]:g} "
        f"(spacing {np.spacing(times[i]):g}); shift or rescale the times",
        field=field,
        index=i,
    )


def is_sequence(value: Any) -> bool:
    """Whether ``value`` is a collection of items to iterate: iterable, and not a string or
    bytes (whose characters would be taken one by one as items).

    Examples
    --------
    >>> is_sequence([1, 2]), is_sequence(np.arange(2)), is_sequence("ab"), is_sequence(5)
    (True, True, False, False)
    """
    return hasattr(value, "__iter__") and not isinstance(value, (str, bytes))
