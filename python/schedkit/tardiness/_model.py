"""The instance and result types of single-machine tardiness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import float_vector, readonly
from schedkit.tardiness._validate import check_sequence


def _rebuild_instance(p: np.ndarray, d: np.ndarray, w: np.ndarray | None, name: str | None) -> Instance:
    """Unpickles an :class:`Instance` through its constructor (the Rust core object does not pickle)."""
    return Instance(p, d, w, name=name)


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

    Notes
    -----
    Two instances are equal when their name, p, d, w and weightedness are; an instance pickles
    and unpickles to an equal one.

    Examples
    --------
    >>> inst = Instance([3, 2], [4, 1], w=[1, 5], name="tiny")
    >>> inst.n, inst.weighted, inst.w.tolist()
    (2, True, [1.0, 5.0])
    >>> inst
    <tardiness.Instance 'tiny' n=2 weighted=True>
    """

    __slots__ = ("_core", "_d", "_name", "_p", "_w")

    def __init__(self, p: Any, d: Any, w: Any = None, *, name: str | None = None):
        p_arr = float_vector(p, "p")
        d_arr = float_vector(d, "d")
        w_arr = None if w is None else float_vector(w, "w")
        self._core = _core.TardinessInstance(p_arr, d_arr, w_arr)
        self._name = name
        self._p = readonly(self._core.p)
        self._d = readonly(self._core.d)
        self._w = readonly(self._core.w)

    @property
    def name(self) -> str | None:
        """The label given at construction, or None."""
        return self._name

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

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_instance, (self._p, self._d, self._w if self.weighted else None, self.name))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return (
            self.name == other.name
            and self.weighted == other.weighted
            and np.array_equal(self._p, other._p)
            and np.array_equal(self._d, other._d)
            and np.array_equal(self._w, other._w)
        )

    def __hash__(self) -> int:
        # Consistent with __eq__: tuples of Python floats hash -0.0 and 0.0 alike.
        return hash((self.name, self.weighted, tuple(self._p.tolist()), tuple(self._d.tolist())))


@dataclass(frozen=True, eq=False, repr=False)
class Result:
    """The outcome of :func:`~schedkit.tardiness.solve`.

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
    lower_bound : float or None
        A proven lower bound on the optimum, from the exact methods (and from any method whose
        objective is 0); None when nothing is proven (the rules, ILS).
    elapsed : float
        Wall-clock seconds the solve took.
    atc_k : float or None
        The ATC look-ahead used, for ``method="atc"``.

    Notes
    -----
    Results compare equal field by field (arrays by value) and round-trip through pickle.

    Examples
    --------
    >>> import schedkit as sk
    >>> res = sk.tardiness.solve(Instance([2, 3, 1], [2, 6, 1]), method="edd")
    >>> res
    <tardiness.Result 'edd' n=3 objective=1 optimal=False>
    >>> res.sequence.tolist(), res.completion_times.tolist(), res.tardiness.tolist(), res.gap
    ([2, 0, 1], [3.0, 6.0, 1.0], [1.0, 0.0, 0.0], None)
    """

    instance: Instance
    method: str
    sequence: np.ndarray
    objective: float
    optimal: bool
    lower_bound: float | None
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
    def gap(self) -> float | None:
        """Proven relative gap (objective - lower_bound) / objective; 0 when the objective is 0;
        None when there is no bound (a heuristic's gap is unknown, not 100 %)."""
        if self.objective == 0:
            return 0.0
        if self.lower_bound is None:
            return None
        return (self.objective - self.lower_bound) / self.objective

    def validate(self) -> Result:
        """Recomputes everything from the instance, independently of the solver.

        Checks that the sequence is a permutation of 0..n-1, that the objective equals
        Σ w_j max(0, C_j - d_j) recomputed here and is finite, that 0 <= lower_bound <=
        objective when there is a bound, and that an optimal result has a bound equal to the
        objective.

        Returns
        -------
        Result
            ``self``, so that calls chain.

        Raises
        ------
        ValidationError
            If any check fails (a schedkit bug).

        Examples
        --------
        >>> import schedkit as sk
        >>> sk.tardiness.solve(Instance([2, 3, 1], [2, 6, 1]), method="exact").validate().optimal
        True
        """
        inst = self.instance
        check_sequence(
            inst.p,
            inst.d,
            inst.w,
            self.sequence,
            objective=self.objective,
            lower_bound=self.lower_bound,
            optimal=self.optimal,
            label=self.method,
        )
        return self

    def to_arrow(self) -> Any:
        """The schedule as a pyarrow Table, one row per position.

        Returns
        -------
        pyarrow.Table
            Columns: position, job, start, completion, due, weight, tardiness.

        Examples
        --------
        >>> import schedkit as sk
        >>> table = sk.tardiness.solve(Instance([2, 3, 1], [2, 6, 1]), method="edd").to_arrow()
        >>> table.column("job").to_pylist(), table.column("tardiness").to_pylist()
        ([2, 0, 1], [0.0, 1.0, 0.0])
        """
        import pyarrow as pa  # a dependency, imported on first use: it is slow to import

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

    def __repr__(self) -> str:
        return (
            f"<tardiness.Result {self.method!r} n={self.instance.n} objective={self.objective:g} "
            f"optimal={self.optimal}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (
            self.instance == other.instance
            and self.method == other.method
            and np.array_equal(self.sequence, other.sequence)
            and self.objective == other.objective
            and self.optimal == other.optimal
            and self.lower_bound == other.lower_bound
            and self.elapsed == other.elapsed
            and self.atc_k == other.atc_k
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays, compared by value
