"""The CP-SAT model of 1||Σw_jT_j (OR-Tools, the ``cp`` extra): a cross-check of the exact solvers."""

from __future__ import annotations

import numpy as np

from schedkit._cp_search import search
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError, SolverUnavailableError


def _integral(values: np.ndarray, field: str) -> list[int]:
    if not np.all(values == np.round(values)):
        raise InvalidInstanceError(f"{field}: method 'cpsat' needs integer values", field=field)
    return [int(v) for v in values]


def solve_cpsat(
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    *,
    hint: np.ndarray,
    time_limit: float | None,
    workers: int,
) -> tuple[np.ndarray, float, bool, float]:
    """Disjunctive model: one interval per job on a no-overlap machine, T_j >= C_j - d_j.

    ``hint`` is a sequence to warm-start from (the caller passes MDD's), so that a short time
    limit still returns a good sequence: the hint itself when the limit ends the search before
    CP-SAT has one (status UNKNOWN), with the bound CP-SAT proved by then. Returns (sequence,
    objective, optimal, lower bound).
    """
    cp_model = require("ortools.sat.python.cp_model", "method 'cpsat'")
    pi = _integral(p, "p")
    di = _integral(d, "d")
    wi = _integral(w, "w")
    n = len(pi)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0.0, True, 0.0
    horizon = sum(pi)
    model = cp_model.CpModel()
    starts, tard = [], []
    intervals = []
    for j in range(n):
        s = model.new_int_var(0, horizon - pi[j], f"s{j}")
        e = model.new_int_var(pi[j], horizon, f"e{j}")
        intervals.append(model.new_interval_var(s, pi[j], e, f"i{j}"))
        t = model.new_int_var(0, max(0, horizon - di[j]), f"t{j}")
        model.add(t >= e - di[j])
        starts.append(s)
        tard.append(t)
    model.add_no_overlap(intervals)
    model.minimize(sum(wi[j] * tard[j] for j in range(n)))
    t_now = 0
    for j in hint:
        model.add_hint(starts[j], t_now)
        t_now += pi[j]
    solver = cp_model.CpSolver()
    solver.parameters.num_search_workers = max(1, workers)
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = float(time_limit)
    status = search(solver, model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        seq = np.argsort(np.array([solver.value(s) for s in starts]), kind="stable").astype(np.int64)
    elif status == cp_model.UNKNOWN:  # out of time before a first solution
        seq = np.asarray(hint, dtype=np.int64)
    else:
        raise SolverUnavailableError(f"CP-SAT returned status {solver.status_name(status)} without a solution")
    c = np.cumsum(p[seq])
    objective = float(np.sum(w[seq] * np.maximum(0.0, c - d[seq])))
    optimal = status == cp_model.OPTIMAL
    bound = solver.best_objective_bound
    proven = float(np.ceil(bound - 1e-9)) if np.isfinite(bound) else 0.0
    lower_bound = objective if optimal else min(objective, proven)
    return seq, objective, optimal, max(0.0, lower_bound)
