"""Evaluate many candidate schedules of one instance at once.

Backends return the same numbers: ``"rust"`` (all CPU cores, GIL released; the CPU default)
and ``"numpy"`` (the readable vectorised reference, written against an array namespace so
other array libraries can run the same code). ``device="auto"`` picks ``"rust"``; the
environment variable ``SCHEDKIT_DEVICE`` overrides the default.

Examples
--------
>>> import numpy as np, schedkit as sk
>>> inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
>>> sk.batch.evaluate_sequences(inst, np.array([[2, 0, 1], [1, 0, 2]])).tolist()
[1.0, 9.0]
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from schedkit import _core
from schedkit._arrays import int_matrix
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness import Instance

__all__ = ["OBJECTIVES", "DEVICES", "evaluate_sequences"]

#: Single-machine objectives of :func:`evaluate_sequences`.
OBJECTIVES = ("total_tardiness", "total_weighted_tardiness", "total_completion_time", "max_lateness")
#: Backends accepted by ``device=``.
DEVICES = ("auto", "rust", "numpy")


def _resolve_device(device: str | None) -> str:
    chosen = device or os.environ.get("SCHEDKIT_DEVICE") or "auto"
    if chosen not in DEVICES:
        raise InvalidInstanceError(f"device: unknown device {chosen!r}; expected one of {DEVICES}", field="device")
    return "rust" if chosen == "auto" else chosen


def _check_rows(xp: Any, perms: Any, n: int) -> None:
    """Names the first row that is not a permutation of 0..n-1."""
    if perms.shape[0] == 0 or n == 0:
        return
    in_range = (perms >= 0) & (perms < n)
    bad = ~xp.all(in_range, axis=1)
    sorted_rows = xp.sort(xp.where(in_range, perms, -1), axis=1)
    bad |= ~xp.all(sorted_rows == xp.arange(n)[None, :], axis=1)
    if bool(xp.any(bad)):
        row = int(xp.argmax(bad))
        raise InvalidInstanceError(
            f"perms[{row}]: not a permutation of 0..{n - 1} (repeated or out-of-range job id)",
            field="perms",
            index=row,
        )


def evaluate_xp(xp: Any, p: Any, d: Any, w: Any, perms: Any, objective: str) -> Any:
    """The reference evaluation in array-namespace code (NumPy-compatible ``xp``).

    ``perms`` is a validated (B, n) integer array; returns a length-B float64 array.
    """
    if perms.shape[1] == 0:
        fill = -xp.inf if objective == "max_lateness" else 0.0
        return xp.full(perms.shape[0], fill, dtype=xp.float64)
    completion = xp.cumsum(p[perms], axis=1)
    if objective == "total_completion_time":
        return completion.sum(axis=1)
    lateness = completion - d[perms]
    if objective == "max_lateness":
        return lateness.max(axis=1)
    tardiness = xp.maximum(lateness, 0.0)
    if objective == "total_weighted_tardiness":
        tardiness = tardiness * w[perms]
    return tardiness.sum(axis=1)


def evaluate_sequences(
    instance: Instance,
    perms: Any,
    objective: str = "total_tardiness",
    *,
    device: str | None = None,
) -> np.ndarray:
    """Objective of each row of ``perms`` on ``instance``.

    Parameters
    ----------
    instance : schedkit.tardiness.Instance
    perms : array_like of int, shape (B, n)
        One candidate sequence per row (a single sequence of length n is one row).
    objective : str
        ``"total_tardiness"`` (weights ignored), ``"total_weighted_tardiness"``,
        ``"total_completion_time"`` (weights ignored) or ``"max_lateness"``.
    device : {"auto", "rust", "numpy"}, optional
        Backend; default ``SCHEDKIT_DEVICE`` or ``"auto"``.

    Returns
    -------
    ndarray of float64, shape (B,)

    Raises
    ------
    InvalidInstanceError
        Unknown objective or device, wrong shape, or a row that is not a permutation
        (``index`` is the first bad row).
    """
    if objective not in OBJECTIVES:
        raise InvalidInstanceError(
            f"objective: unknown objective {objective!r}; expected one of {OBJECTIVES}", field="objective"
        )
    backend = _resolve_device(device)
    rows = int_matrix(perms, "perms", instance.n)
    if backend == "rust":
        return _core.batch_evaluate_sequences(instance._core, rows, objective)
    _check_rows(np, rows, instance.n)
    return evaluate_xp(np, instance.p, instance.d, instance.w, rows, objective)
