"""Readers of the tardiness instance formats people have: OR-Library and Shang-T'kindt-Della Croce.

Every reader streams its file through :func:`schedkit._files.text_lines` (bytes that are not
UTF-8 are an error naming the file and line), checks every value (a number, finite, in range;
the instance's own checks name the field) and treats a file with no instance as an error
unless ``allow_empty=True``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from schedkit._files import existing_file, text_lines
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._checks import check_int
from schedkit.tardiness._model import Instance

PathLike = str | os.PathLike[str]


def _error(path: Path, line: int, message: str) -> InvalidInstanceError:
    return InvalidInstanceError(f"{path}: line {line}: {message}", field="line", index=line)


def _number(path: Path, line: int, token: str) -> float:
    """A finite number, else an error naming the file and line."""
    try:
        v = float(token)
    except ValueError:
        raise _error(path, line, f"{token!r} is not a number") from None
    if not math.isfinite(v):
        raise _error(path, line, f"{token!r} is not a finite number")
    return v


def _tokens(path: Path) -> Iterator[tuple[int, float]]:
    """Every whitespace-separated number of a file with its 1-based line."""
    for line, text in text_lines(path):
        for token in text.split():
            yield line, _number(path, line, token)


def read_orlib(path: PathLike, n: int, *, allow_empty: bool = False) -> list[Instance]:
    """Reads an OR-Library weighted tardiness file (wt40, wt50, wt100).

    Each instance is n processing times, then n weights, then n due dates, all
    whitespace-separated.

    Parameters
    ----------
    path : str or Path
        The file.
    n : int
        Jobs per instance (40 for wt40.txt), > 0.
    allow_empty : bool
        Return ``[]`` for a file with no numbers instead of raising.

    Returns
    -------
    list of Instance
        Weighted instances named ``"<file stem>-<k>"`` with k from 1.

    Raises
    ------
    InvalidInstanceError
        A missing file, bytes that are not UTF-8, a token that is not a finite number (naming
        its line), a count that is not a multiple of 3n, an empty file, or an invalid instance
        (naming the line of the bad value).

    Examples
    --------
    >>> from schedkit.data import path
    >>> instances = read_orlib(path("smtt/wt40.txt"), 40)
    >>> len(instances), instances[0]
    (125, <tardiness.Instance 'wt40-1' n=40 weighted=True>)
    """
    n = check_int(n, "n", lo=1, hi=10**8)
    file = existing_file(path)
    block = 3 * n
    stem = file.stem
    instances: list[Instance] = []
    values: list[float] = []
    lines: list[int] = []
    last = 0
    for line, v in _tokens(file):
        values.append(v)
        lines.append(line)
        last = line
        if len(values) < block:
            continue
        chunk = np.asarray(values)
        k = len(instances)
        try:
            instances.append(Instance(chunk[:n], chunk[2 * n :], chunk[n : 2 * n], name=f"{stem}-{k + 1}"))
        except InvalidInstanceError as exc:
            offset = {"p": 0, "w": n, "d": 2 * n}.get(exc.field or "", 0) + (exc.index or 0)
            raise _error(file, lines[offset], f"instance {k + 1}: {exc}") from None
        values.clear()
        lines.clear()
    if values:
        total = len(instances) * block + len(values)
        raise _error(file, last, f"{total} numbers is not a multiple of 3 x {n}")
    if not instances and not allow_empty:
        raise InvalidInstanceError(f"{file}: empty file: no OR-Library instance", field="path")
    return instances


def read_orlib_values(path: PathLike, *, allow_empty: bool = False) -> np.ndarray:
    """Reads a file of one value per line (wtopt40.txt, uwtopt50.txt, ...).

    Parameters
    ----------
    path : str or Path
        The file; blank lines are skipped.
    allow_empty : bool
        Return an empty array for a file with no value instead of raising.

    Returns
    -------
    ndarray of float64
        One value per non-blank line, in file order.

    Raises
    ------
    InvalidInstanceError
        A missing or empty file, a line with several values, a non-number, a negative or
        non-finite value, naming the file and line.

    Examples
    --------
    >>> from schedkit.data import path
    >>> read_orlib_values(path("smtt/wtopt40.txt"))[:3].tolist()
    [913.0, 1225.0, 537.0]
    """
    file = existing_file(path)
    out = []
    for line, text in text_lines(file):
        tokens = text.split()
        if not tokens:
            continue
        if len(tokens) != 1:
            raise _error(file, line, "expected one value")
        v = _number(file, line, tokens[0])
        if v < 0:
            raise _error(file, line, f"an objective cannot be negative, got {v:g}")
        out.append(v)
    if not out and not allow_empty:
        raise InvalidInstanceError(f"{file}: empty file: no value", field="path")
    return np.asarray(out, dtype=np.float64)


def read_sdt(path: PathLike, *, allow_empty: bool = False) -> tuple[list[Instance], np.ndarray]:
    """Reads the Shang-T'kindt-Della Croce text format (also used for the EDDC/MDDC paper's sets).

    After ``#`` comment lines: ``<count> <n>``, then per instance three lines,
    ``<RDD> <TF> <id> <opt>``, the n processing times, the n due dates.

    Parameters
    ----------
    path : str or Path
        The file.
    allow_empty : bool
        Accept a file with no header or a count of 0 (returns no instances).

    Returns
    -------
    instances : list of Instance
        Unweighted, named ``"<file stem>-RDD<rdd>-TF<tf>-<id>"``.
    optima : ndarray of float64
        The listed optimum of each instance.

    Raises
    ------
    InvalidInstanceError
        A missing or empty file, bytes that are not UTF-8, a count or n that is not a
        non-negative integer, a count that disagrees with the header, a line with the wrong
        number of values or a non-number, a negative optimum, or an invalid instance, naming
        the line.

    Examples
    --------
    >>> from schedkit.data import path
    >>> instances, optima = read_sdt(path("smtt/sdt_n100.txt"))
    >>> instances[0], float(optima[0])
    (<tardiness.Instance 'sdt_n100-RDD0.2-TF0.2-1' n=100 weighted=False>, 2065.0)
    """
    file = existing_file(path)

    def numbers(k: int, toks: list[str], expect: int) -> list[float]:
        if len(toks) != expect:
            raise _error(file, k, f"expected {expect} values, got {len(toks)}")
        return [_number(file, k, t) for t in toks]

    def whole(k: int, v: float, what: str, lo: int) -> int:
        if v != int(v) or v < lo or v > 10**8:
            raise _error(file, k, f"{what} must be an integer in [{lo}, 10^8], got {v:g}")
        return int(v)

    rows = ((k, text.split()) for k, text in text_lines(file))
    rows = ((k, toks) for k, toks in rows if toks and not toks[0].startswith("#"))
    header = next(rows, None)
    if header is None:
        if allow_empty:
            return [], np.zeros(0)
        raise InvalidInstanceError(f"{file}: empty file: no SDT header", field="path")
    k0, toks = header
    count_v, n_v = numbers(k0, toks, 2)
    count, n = whole(k0, count_v, "the instance count", 0), whole(k0, n_v, "n", 1)
    if count == 0 and not allow_empty:
        raise _error(file, k0, "the header lists 0 instances")
    stem = file.stem
    instances, optima = [], []
    last = k0
    for i in range(count):
        group = [next(rows, None) for _ in range(3)]
        if any(g is None for g in group):
            raise _error(file, last, f"header says {count} instances, file has {i}")
        (k1, head), (k2, p_toks), (k3, d_toks) = group  # type: ignore[misc]
        last = k3
        rdd, tf, ident, opt = numbers(k1, head, 4)
        if opt < 0:
            raise _error(file, k1, f"the listed optimum cannot be negative, got {opt:g}")
        p = numbers(k2, p_toks, n)
        d = numbers(k3, d_toks, n)
        try:
            instances.append(Instance(p, d, name=f"{stem}-RDD{rdd:g}-TF{tf:g}-{ident:g}"))
        except InvalidInstanceError as exc:
            bad = k2 if exc.field == "p" else k3
            raise _error(file, bad, str(exc)) from None
        optima.append(opt)
    extra = next(rows, None)
    if extra is not None:
        raise _error(file, extra[0], f"header says {count} instances, the file has more lines")
    return instances, np.asarray(optima, dtype=np.float64)
