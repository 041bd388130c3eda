"""Single-machine total (weighted) tardiness: 1||ΣT_j and 1||Σw_jT_j.

Jobs run back to back from time 0 in the order of a sequence. Job j completes at C_j, is
tardy by T_j = max(0, C_j - d_j), and the objective is Σ w_j T_j (w_j = 1 when no weights
are given).

Examples
--------
>>> import schedkit as sk
>>> inst = sk.tardiness.Instance(p=[10, 11, 10, 10, 11, 10], d=[15, 11, 13, 11, 12, 11])
>>> res = sk.tardiness.solve(inst, method="mddc")
>>> res.sequence.tolist(), res.objective
([3, 5, 2, 0, 1, 4], 141.0)
>>> sk.tardiness.solve(inst, method="exact").optimal
True
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import float_vector, readonly
from schedkit.exceptions import InvalidInstanceError, SolverUnavailableError, ValidationError

__all__ = [
    "Instance",
    "Result",
    "solve",
    "METHODS",
    "IMPROVEMENTS",
    "read_orlib",
    "read_orlib_values",
    "read_sdt",
]

#: Local searches accepted by ``solve(..., improve=...)``.
IMPROVEMENTS = ("api", "insertion", "both")


class Instance:
    """A validated single-machine tardiness instance (immutable).

    Parameters
    ----------
    p : array_like of float, shape (n,)
        Processing times, finite and > 0.
    d : array_like of float, shape (n,)
        Due dates, any finite value (negative allowed).
    w : array_like of float, shape (n,), optional
        Weights, finite and >= 0. Omitted means the unweighted problem (all 1).
    name : str, optional
        A label kept for display.

    Raises
    ------
    InvalidInstanceError
        On a length mismatch, NaN/inf, p <= 0 or w < 0, naming the field and index.

    Examples
    --------
    >>> Instance([3, 2], [4, 1], w=[1, 5]).n
    2
    """

    __slots__ = ("_core", "_d", "_p", "_w", "name")

    def __init__(self, p: Any, d: Any, w: Any = None, *, name: str | None = None):
        p_arr = float_vector(p, "p")
        d_arr = float_vector(d, "d")
        w_arr = None if w is None else float_vector(w, "w")
        self._core = _core.TardinessInstance(p_arr, d_arr, w_arr)
        self.name = name
        self._p = readonly(self._core.p)
        self._d = readonly(self._core.d)
        self._w = readonly(self._core.w)

    @property
    def p(self) -> np.ndarray:
        """Processing times (read-only float64 array)."""
        return self._p

    @property
    def d(self) -> np.ndarray:
        """Due dates (read-only float64 array)."""
        return self._d

    @property
    def w(self) -> np.ndarray:
        """Weights (read-only float64 array; all 1 when unweighted)."""
        return self._w

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self._core.n)

    @property
    def weighted(self) -> bool:
        """True when weights were given."""
        return bool(self._core.weighted)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<tardiness.Instance{label} n={self.n} weighted={self.weighted}>"


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`solve`.

    Attributes
    ----------
    instance : Instance
    method : str
    sequence : ndarray of int64
        Job ids in processing order.
    objective : float
        Σ w_j T_j of ``sequence``.
    optimal : bool
        True only when the objective is proven minimal.
    lower_bound : float
        A valid lower bound on the optimum (0 for heuristics unless the objective is 0).
    elapsed : float
        Wall-clock seconds the solve took.
    atc_k : float or None
        The ATC look-ahead used, for ``method="atc"``.
    """

    instance: Instance
    method: str
    sequence: np.ndarray
    objective: float
    optimal: bool
    lower_bound: float
    elapsed: float
    atc_k: float | None = None

    @property
    def completion_times(self) -> np.ndarray:
        """C_j per job id."""
        c = np.empty(self.instance.n)
        c[self.sequence] = np.cumsum(self.instance.p[self.sequence])
        return c

    @property
    def tardiness(self) -> np.ndarray:
        """T_j = max(0, C_j - d_j) per job id (unweighted)."""
        return np.maximum(0.0, self.completion_times - self.instance.d)

    @property
    def gap(self) -> float:
        """Relative gap (objective - lower_bound) / objective; 0 when the objective is 0."""
        if self.objective == 0:
            return 0.0
        return (self.objective - self.lower_bound) / self.objective

    def validate(self) -> Result:
        """Recomputes everything from the instance, independently of the solver.

        Checks that the sequence is a permutation of 0..n-1, that the objective equals
        Σ w_j max(0, C_j - d_j) recomputed here, that 0 <= lower_bound <= objective, and that an
        optimal result has lower_bound == objective. Returns ``self``.

        Raises
        ------
        ValidationError
            If any check fails (a schedkit bug).
        """
        inst = self.instance
        seq = np.asarray(self.sequence)
        if seq.shape != (inst.n,) or not np.array_equal(np.sort(seq), np.arange(inst.n)):
            raise ValidationError(f"{self.method}: sequence is not a permutation of 0..{inst.n - 1}")
        completion = np.cumsum(inst.p[seq])
        recomputed = float(np.sum(inst.w[seq] * np.maximum(0.0, completion - inst.d[seq])))
        tol = 1e-9 * max(1.0, abs(recomputed))
        if abs(recomputed - self.objective) > tol:
            raise ValidationError(f"{self.method}: objective {self.objective} but recomputed {recomputed}")
        if not (-tol <= self.lower_bound <= self.objective + tol):
            raise ValidationError(f"{self.method}: lower bound {self.lower_bound} outside [0, {self.objective}]")
        if self.optimal and abs(self.lower_bound - self.objective) > tol:
            raise ValidationError(f"{self.method}: optimal but lower bound {self.lower_bound} != {self.objective}")
        return self

    def to_arrow(self) -> Any:
        """The schedule as a pyarrow Table, one row per position.

        Columns: position, job, start, completion, due, weight, tardiness.
        """
        import pyarrow as pa

        inst = self.instance
        seq = self.sequence
        completion = np.cumsum(inst.p[seq])
        return pa.table(
            {
                "position": np.arange(inst.n, dtype=np.int64),
                "job": seq.astype(np.int64),
                "start": completion - inst.p[seq],
                "completion": completion,
                "due": inst.d[seq],
                "weight": inst.w[seq],
                "tardiness": np.maximum(0.0, completion - inst.d[seq]),
            }
        )


def solve(
    instance: Instance,
    method: str = "mddc",
    *,
    improve: str | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    atc_k: float | None = None,
    iterations: int = 1000,
    workers: int = 1,
) -> Result:
    """Sequences ``instance`` with ``method``.

    Parameters
    ----------
    instance : Instance
    method : str
        A rule: ``"edd"`` (by d, id), ``"spt"`` (by p, d, id), ``"wspt"`` (by p/w, d, id),
        ``"mdd"`` (Baker-Bertrand; the Kanet-Li weighted form when weights differ from 1),
        ``"atc"`` (apparent tardiness cost), ``"wi"`` (Wilkerson-Irwin), ``"psk"``, ``"eddc"``,
        ``"mddc"``, ``"aug_mdd"``, ``"aug_mddc"`` (as the EDDC/MDDC paper's code behaves, ties
        included); or ``"ils"`` (iterated local search), ``"exact"`` (Lawler's DP for unit
        weights, branch and bound otherwise), ``"cpsat"`` (OR-Tools, extra ``schedkit[cp]``).
        Rule ties go to the lowest job id unless the rule's order says otherwise.
    improve : {"api", "insertion", "both"}, optional
        Local search applied after a rule. It never makes the sequence worse.
    time_limit : float, optional
        Seconds for ``ils``, ``exact``, ``cpsat`` and local search. ``exact`` and ``cpsat``
        then return the best sequence found, a valid lower bound and ``optimal=False``.
    seed : int
        Seed of ``ils``.
    atc_k : float, optional
        ATC look-ahead; by default each k in 0.5, 1, ..., 4.5 is tried and the best kept.
    iterations : int
        Rounds of ``ils`` (it also stops at ``time_limit``).
    workers : int
        CP-SAT search workers (``cpsat`` only).

    Returns
    -------
    Result

    Raises
    ------
    InvalidInstanceError
        Unknown method or local search, bad ``atc_k``.
    SolverUnavailableError
        ``method="cpsat"`` without OR-Tools installed.
    KeyboardInterrupt
        Ctrl-C during a long solve.

    Examples
    --------
    >>> inst = Instance([2, 3, 1], [2, 6, 1])
    >>> solve(inst, "edd").sequence.tolist()
    [2, 0, 1]
    """
    if not isinstance(instance, Instance):
        raise InvalidInstanceError("instance: expected schedkit.tardiness.Instance", field="instance")
    if improve is not None and improve not in IMPROVEMENTS:
        raise InvalidInstanceError(
            f"improve: unknown local search {improve!r}; expected one of {IMPROVEMENTS}", field="improve"
        )
    if time_limit is not None and not (time_limit >= 0):
        raise InvalidInstanceError(f"time_limit: must be >= 0, got {time_limit}", field="time_limit")
    start = time.perf_counter()
    if method == "cpsat":
        seq, objective, optimal, lower_bound = _solve_cpsat(instance, time_limit, workers)
        k = None
    else:
        seq, objective, optimal, lower_bound, k = _core.tardiness_solve(
            instance._core,
            method,
            improve=improve,
            atc_k=atc_k,
            seed=seed,
            iterations=iterations,
            time_limit=time_limit,
        )
    return Result(
        instance=instance,
        method=method,
        sequence=readonly(np.asarray(seq, dtype=np.int64)),
        objective=float(objective),
        optimal=bool(optimal),
        lower_bound=float(lower_bound),
        elapsed=time.perf_counter() - start,
        atc_k=k,
    )


#: Every method by name: ``METHODS[name](instance, **options)`` is ``solve(instance, name, ...)``.
METHODS: dict[str, Callable[..., Result]] = {
    name: functools.partial(solve, method=name) for name in [*_core.TARDINESS_METHODS, "cpsat"]
}


def _integral(values: np.ndarray, field: str) -> list[int]:
    if not np.all(values == np.round(values)):
        raise InvalidInstanceError(f"{field}: method 'cpsat' needs integer values", field=field)
    return [int(v) for v in values]


def _solve_cpsat(instance: Instance, time_limit: float | None, workers: int) -> tuple[np.ndarray, float, bool, float]:
    """Disjunctive CP-SAT model: one interval per job on a no-overlap machine, T_j >= C_j - d_j."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        raise SolverUnavailableError("method 'cpsat' needs OR-Tools: pip install 'schedkit[cp]'") from None
    p = _integral(instance.p, "p")
    d = _integral(instance.d, "d")
    w = _integral(instance.w, "w")
    n = len(p)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0.0, True, 0.0
    horizon = sum(p)
    model = cp_model.CpModel()
    starts, ends, tard = [], [], []
    intervals = []
    for j in range(n):
        s = model.new_int_var(0, horizon - p[j], f"s{j}")
        e = model.new_int_var(p[j], horizon, f"e{j}")
        intervals.append(model.new_interval_var(s, p[j], e, f"i{j}"))
        t = model.new_int_var(0, max(0, horizon - d[j]), f"t{j}")
        model.add(t >= e - d[j])
        starts.append(s)
        ends.append(e)
        tard.append(t)
    model.add_no_overlap(intervals)
    model.minimize(sum(w[j] * tard[j] for j in range(n)))
    # Warm start from MDD so a short time limit still returns a good sequence.
    hint = solve(instance, "mdd").sequence
    t_now = 0
    for j in hint:
        model.add_hint(starts[j], t_now)
        t_now += p[j]
    solver = cp_model.CpSolver()
    solver.parameters.num_search_workers = max(1, workers)
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = float(time_limit)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverUnavailableError(f"CP-SAT returned status {solver.status_name(status)} without a solution")
    start_vals = np.array([solver.value(s) for s in starts])
    seq = np.argsort(start_vals, kind="stable").astype(np.int64)
    c = np.cumsum(instance.p[seq])
    objective = float(np.sum(instance.w[seq] * np.maximum(0.0, c - instance.d[seq])))
    optimal = status == cp_model.OPTIMAL
    lower_bound = objective if optimal else min(objective, float(np.ceil(solver.best_objective_bound - 1e-9)))
    return seq, objective, optimal, max(0.0, lower_bound)


# --------------------------------------------------------------------------- readers


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
    whitespace-separated. Instances are named ``"<file stem>-<k>"`` with k from 1.

    Raises
    ------
    InvalidInstanceError
        A token that is not a number (naming its line), a count that is not a multiple of 3n,
        or an invalid instance (naming the line of the bad value).

    Examples
    --------
    >>> from schedkit.data import path
    >>> len(read_orlib(path("smtt/wt40.txt"), 40))
    125
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
    """Reads a file of one value per line (wtopt40.txt, uwtopt50.txt, ...) as float64.

    Raises
    ------
    InvalidInstanceError
        A line with no value, several values, or a non-number, naming the line.
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

    Returns
    -------
    instances : list of Instance
        Named ``"<file stem>-RDD<rdd>-TF<tf>-<id>"``.
    optima : ndarray of float64
        The listed optimum of each instance.
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
