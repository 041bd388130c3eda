"""Readers of the tardiness instance formats people have: OR-Library and Shang-T'kindt-Della Croce."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._model import Instance


def _numbers(path: str | Path) -> tuple[list[float], list[int]]:
    """Every whitespace-separated number of a file with the 1-based line of each."""
    values: list[float] = []
    lines: list[int] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            for token in line.split():
                try:
                    values.append(float(token))
                except ValueError:
                    raise InvalidInstanceError(
                        f"{path}: line {lineno}: {token!r} is not a number", field="line", index=lineno
                    ) from None
                lines.append(lineno)
    return values, lines


def read_orlib(path: str | Path, n: int) -> list[Instance]:
    """Reads an OR-Library weighted tardiness file (wt40, wt50, wt100).

    Each instance is n processing times, then n weights, then n due dates, all
    whitespace-separated.

    Parameters
    ----------
    path : str or Path
        The file.
    n : int
        Jobs per instance (40 for wt40.txt), > 0.

    Returns
    -------
    list of Instance
        Weighted instances named ``"<file stem>-<k>"`` with k from 1.

    Raises
    ------
    InvalidInstanceError
        A token that is not a number (naming its line), a count that is not a multiple of 3n,
        or an invalid instance (naming the line of the bad value).

    Examples
    --------
    >>> from schedkit.data import path
    >>> instances = read_orlib(path("smtt/wt40.txt"), 40)
    >>> len(instances), instances[0]
    (125, <tardiness.Instance 'wt40-1' n=40 weighted=True>)
    """
    if n <= 0:
        raise InvalidInstanceError(f"n: must be > 0, got {n}", field="n")
    values, lines = _numbers(path)
    block = 3 * n
    if len(values) % block != 0:
        last = lines[-1] if lines else 0
        raise InvalidInstanceError(
            f"{path}: line {last}: {len(values)} numbers is not a multiple of 3 x {n}", field="line", index=last
        )
    stem = Path(path).stem
    instances = []
    for k in range(len(values) // block):
        chunk = np.asarray(values[k * block : (k + 1) * block])
        try:
            instances.append(Instance(chunk[:n], chunk[2 * n :], chunk[n : 2 * n], name=f"{stem}-{k + 1}"))
        except InvalidInstanceError as exc:
            offset = {"p": 0, "w": n, "d": 2 * n}.get(exc.field or "", 0) + (exc.index or 0)
            lineno = lines[k * block + offset]
            raise InvalidInstanceError(
                f"{path}: line {lineno}: instance {k + 1}: {exc}", field="line", index=lineno
            ) from None
    return instances


def read_orlib_values(path: str | Path) -> np.ndarray:
    """Reads a file of one value per line (wtopt40.txt, uwtopt50.txt, ...).

    Parameters
    ----------
    path : str or Path
        The file; blank lines are skipped.

    Returns
    -------
    ndarray of float64
        One value per non-blank line, in file order.

    Raises
    ------
    InvalidInstanceError
        A line with several values or a non-number, naming the line.

    Examples
    --------
    >>> from schedkit.data import path
    >>> read_orlib_values(path("smtt/wtopt40.txt"))[:3].tolist()
    [913.0, 1225.0, 537.0]
    """
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            tokens = line.split()
            if not tokens:
                continue
            if len(tokens) != 1:
                raise InvalidInstanceError(f"{path}: line {lineno}: expected one value", field="line", index=lineno)
            try:
                out.append(float(tokens[0]))
            except ValueError:
                raise InvalidInstanceError(
                    f"{path}: line {lineno}: {tokens[0]!r} is not a number", field="line", index=lineno
                ) from None
    return np.asarray(out, dtype=np.float64)


def read_sdt(path: str | Path) -> tuple[list[Instance], np.ndarray]:
    """Reads the Shang-T'kindt-Della Croce text format (also used for the EDDC/MDDC paper's sets).

    After ``#`` comment lines: ``<count> <n>``, then per instance three lines,
    ``<RDD> <TF> <id> <opt>``, the n processing times, the n due dates.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    instances : list of Instance
        Unweighted, named ``"<file stem>-RDD<rdd>-TF<tf>-<id>"``.
    optima : ndarray of float64
        The listed optimum of each instance.

    Raises
    ------
    InvalidInstanceError
        An empty file, a count that disagrees with the header, a line with the wrong number of
        values or a non-number, or an invalid instance, naming the line.

    Examples
    --------
    >>> from schedkit.data import path
    >>> instances, optima = read_sdt(path("smtt/sdt_n100.txt"))
    >>> instances[0], float(optima[0])
    (<tardiness.Instance 'sdt_n100-RDD0.2-TF0.2-1' n=100 weighted=False>, 2065.0)
    """
    with open(path, encoding="utf-8") as fh:
        rows = [(k, line.split()) for k, line in enumerate(fh, start=1)]
    rows = [(k, toks) for k, toks in rows if toks and not toks[0].startswith("#")]

    def numbers(k: int, toks: Sequence[str], expect: int) -> list[float]:
        if len(toks) != expect:
            raise InvalidInstanceError(
                f"{path}: line {k}: expected {expect} values, got {len(toks)}", field="line", index=k
            )
        try:
            return [float(t) for t in toks]
        except ValueError:
            raise InvalidInstanceError(f"{path}: line {k}: not a number", field="line", index=k) from None

    if not rows:
        raise InvalidInstanceError(f"{path}: empty file", field="line", index=0)
    count, n = (int(v) for v in numbers(*rows[0], 2))
    if len(rows) != 1 + 3 * count:
        raise InvalidInstanceError(
            f"{path}: line {rows[-1][0]}: header says {count} instances, file has {(len(rows) - 1) / 3:g}",
            field="line",
            index=rows[-1][0],
        )
    stem = Path(path).stem
    instances, optima = [], []
    for i in range(count):
        (k0, head), (k1, p_toks), (k2, d_toks) = rows[1 + 3 * i : 4 + 3 * i]
        rdd, tf, ident, opt = numbers(k0, head, 4)
        p = numbers(k1, p_toks, n)
        d = numbers(k2, d_toks, n)
        try:
            instances.append(Instance(p, d, name=f"{stem}-RDD{rdd:g}-TF{tf:g}-{int(ident)}"))
        except InvalidInstanceError as exc:
            bad = k1 if exc.field == "p" else k2
            raise InvalidInstanceError(f"{path}: line {bad}: {exc}", field="line", index=bad) from None
        optima.append(opt)
    return instances, np.asarray(optima, dtype=np.float64)
