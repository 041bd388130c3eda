"""The independent checker of DAG schedules (NumPy only; shares no code with the Rust core).

Given the instance as plain arrays and a schedule (processor, start, finish per task), it checks:

1. shapes, processors in range, finite times, start >= 0 (and >= the release time when given);
2. durations: finish - start = cost[i, processor[i]] (times ``factors[i]`` when given);
3. precedence with communication: for every edge (u, v) on processors a, b,
   start[v] >= finish[u] + (0 if a == b else latency[a] + data / bandwidth[a, b]);
4. one task at a time per processor: sorted by (start, finish), each task starts no earlier
   than the previous one on its processor finishes (a zero-length task occupies its instant);
5. the reported makespan equals max finish.

Times are compared with a tolerance of 1e-9 relative to the largest time in the schedule.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from schedkit.exceptions import ValidationError

__all__ = ["check_schedule"]


def check_schedule(
    *,
    num_tasks: int,
    src: np.ndarray,
    dst: np.ndarray,
    data: np.ndarray,
    cost: np.ndarray,
    bandwidth: np.ndarray,
    latency: np.ndarray,
    processor: np.ndarray,
    start: np.ndarray,
    finish: np.ndarray,
    makespan: float | None = None,
    release: np.ndarray | None = None,
    factors: np.ndarray | None = None,
    label: str = "schedule",
) -> None:
    """Raises ``ValidationError`` naming the first violated rule, task or edge.

    Everything comes as plain arrays (no schedkit objects), so the check shares nothing with
    the code that made the schedule; ``Schedule.validate()`` unpacks itself into this call.

    Parameters
    ----------
    num_tasks : int
    src, dst : array of int, shape (e,)
        The edges.
    data : array of float, shape (e,)
        Data volume per edge.
    cost : array of float, shape (num_tasks, q)
        Time of each task on each processor.
    bandwidth : array of float, shape (q, q)
    latency : array of float, shape (q,)
    processor : array of int, shape (num_tasks,)
    start, finish : array of float, shape (num_tasks,)
    makespan : float, optional
        The reported makespan, checked against max finish when given.
    release : array of float, shape (num_tasks,), optional
        Earliest allowed start per task.
    factors : array of float, shape (num_tasks,), optional
        Duration multipliers (durations are ``cost x factor``).
    label : str
        Prefix of the error message (e.g. the algorithm).

    Raises
    ------
    ValidationError
        The first violation found, in the order of the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from schedkit.dag._validate import check_schedule
    >>> arrays = dict(num_tasks=2, src=np.array([0]), dst=np.array([1]), data=np.array([4.0]),
    ...               cost=np.array([[1.0, 1.0], [1.0, 1.0]]), bandwidth=np.ones((2, 2)), latency=np.zeros(2))
    >>> check_schedule(**arrays, processor=np.array([0, 1]), start=np.array([0.0, 5.0]),
    ...                finish=np.array([1.0, 6.0]), makespan=6.0)
    >>> check_schedule(**arrays, processor=np.array([0, 1]), start=np.array([0.0, 2.0]),
    ...                finish=np.array([1.0, 3.0]))
    Traceback (most recent call last):
    ...
    schedkit.exceptions.ValidationError: schedule: edge 0 -> 1: task 1 starts at 2.0 but its input arrives at 5.0 (finish 1.0 + communication 4.0)
    """

    def fail(msg: str) -> NoReturn:
        raise ValidationError(f"{label}: {msg}")

    n = int(num_tasks)
    q = int(cost.shape[1]) if cost.ndim == 2 else 0
    proc = np.asarray(processor)
    s = np.asarray(start, dtype=np.float64)
    f = np.asarray(finish, dtype=np.float64)
    if cost.shape[0] != n or proc.shape != (n,) or s.shape != (n,) or f.shape != (n,):
        fail(f"expected arrays of length {n} and a {n} x q cost matrix")
    if n == 0:
        if makespan not in (None, 0.0):
            fail(f"empty schedule with makespan {makespan}")
        return
    if not np.all(np.isfinite(s)) or not np.all(np.isfinite(f)):
        fail(f"task {int(np.argmin(np.isfinite(s) & np.isfinite(f)))} has a non-finite time")
    scale = max(1.0, float(np.max(np.abs(f))), float(np.max(np.abs(s))))
    tol = 1e-9 * scale
    if np.any((proc < 0) | (proc >= q)):
        fail(f"task {int(np.argmax((proc < 0) | (proc >= q)))} on a processor outside 0..{q - 1}")
    proc = proc.astype(np.int64)
    if np.any(s < -tol):
        fail(f"task {int(np.argmax(s < -tol))} starts before time 0")
    if release is not None:
        late = s < np.asarray(release, dtype=np.float64) - tol
        if np.any(late):
            i = int(np.argmax(late))
            fail(f"task {i} starts at {s[i]} before its release time {release[i]}")

    duration = cost[np.arange(n), proc]
    if factors is not None:
        duration = duration * np.asarray(factors, dtype=np.float64)
    bad = np.abs((f - s) - duration) > tol
    if np.any(bad):
        i = int(np.argmax(bad))
        fail(f"task {i} runs {f[i] - s[i]} on processor {proc[i]} but its duration there is {duration[i]}")

    if len(src):
        u = np.asarray(src, dtype=np.int64)
        v = np.asarray(dst, dtype=np.int64)
        a, b = proc[u], proc[v]
        cross = a != b
        comm = np.zeros(len(u))
        comm[cross] = latency[a[cross]] + np.asarray(data, dtype=np.float64)[cross] / bandwidth[a[cross], b[cross]]
        early = s[v] < f[u] + comm - tol
        if np.any(early):
            e = int(np.argmax(early))
            fail(
                f"edge {u[e]} -> {v[e]}: task {v[e]} starts at {s[v[e]]} but its input arrives at "
                f"{f[u[e]] + comm[e]} (finish {f[u[e]]} + communication {comm[e]})"
            )

    order = np.lexsort((f, s, proc))
    same = proc[order[1:]] == proc[order[:-1]]
    overlap = same & (s[order[1:]] < f[order[:-1]] - tol)
    if np.any(overlap):
        k = int(np.argmax(overlap))
        i, j = int(order[k]), int(order[k + 1])
        fail(f"tasks {i} [{s[i]}, {f[i]}) and {j} [{s[j]}, {f[j]}) overlap on processor {proc[i]}")

    if makespan is not None and abs(float(np.max(f)) - makespan) > tol:
        fail(f"makespan {makespan} but the last task finishes at {float(np.max(f))}")
