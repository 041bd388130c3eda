"""Single-machine objectives of many job sequences of one :class:`schedkit.tardiness.Instance`."""

from __future__ import annotations

from typing import Any

import numpy as np

import schedkit.batch._cuda as cuda
from schedkit import _core
from schedkit.batch._checks import as_rows, check_chunk, expect, host_ints, int_chunk
from schedkit.batch._chunks import map_rows
from schedkit.batch._doc import batch_doc
from schedkit.batch._xp import check_permutations, evaluate_xp
from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness import Instance

#: Single-machine objectives of :func:`evaluate_sequences`: the names of the core's registry
#: ``_core.BATCH_OBJECTIVES``, in its order.
OBJECTIVES: tuple[str, ...] = tuple(name for name, _ in _core.BATCH_OBJECTIVES)


def check_objective(objective: str) -> None:
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        raise InvalidInstanceError(
            f"objective: unknown objective {objective!r}; expected one of {OBJECTIVES}", field="objective"
        )


def _check_rows(xp: Any, perms: Any, n: int, start: int = 0) -> None:
    """Names the first row that is not a permutation of 0..n-1."""
    bad, _ = check_permutations(xp, perms, n)
    if bool(bad.any()):
        row = start + int(np.argmax(cuda.to_host(bad)))
        raise InvalidInstanceError(
            f"perms[{row}]: not a permutation of 0..{n - 1} (repeated or out-of-range job id)",
            field="perms",
            index=row,
        )


@batch_doc
def evaluate_sequences(
    instance: Instance,
    perms: Any,
    *,
    objective: str = "total_tardiness",
    device: str | None = None,
    max_chunk_rows: int | None = None,
) -> Any:
    """Objective of each row of ``perms`` on a single-machine instance.

    Jobs run back to back from time 0 in row order: C_j is the running sum of p, T_j =
    max(0, C_j - d_j).

    Parameters
    ----------
    instance : schedkit.tardiness.Instance
        Processing times, due dates and weights (validated when the instance was built).
    perms : array_like of int, shape (B, n)
        One candidate sequence per row (a single sequence of length n is one row); NumPy or
        CuPy, int32 or int64 (int32 is read as is by the GPU kernel).
    objective : str, keyword-only
        ``"total_tardiness"`` (weights ignored), ``"total_weighted_tardiness"``,
        ``"total_completion_time"`` (weights ignored) or ``"max_lateness"`` (-inf for n = 0).
    {device}
        On ``"cupy"`` the two tardiness objectives run a CUDA kernel (one warp per row), the
        others the NumPy reference code.
    {max_chunk_rows}

    {returns_rows}

    Raises
    ------
    InvalidInstanceError
        ``instance`` is not a ``tardiness.Instance``; unknown objective or device; wrong shape;
        or a row that is not a permutation (``index`` is the first bad row).
    {device_error}

    Examples
    --------
    >>> import schedkit as sk
    >>> inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1], w=[1, 2, 3])
    >>> sk.batch.evaluate_sequences(inst, [[2, 0, 1], [1, 0, 2]], objective="total_weighted_tardiness").tolist()
    [1.0, 18.0]
    """
    check_objective(objective)
    check_chunk(max_chunk_rows)
    backend = cuda.resolve_device(device)
    expect(instance, Instance, "instance", "schedkit.tardiness.Instance")
    if backend == "rust":
        return _core.batch_evaluate_sequences(instance._core, host_ints(perms, "perms", instance.n), objective)
    return evaluate_rows(backend, instance, as_rows(perms, "perms", instance.n), objective, max_chunk_rows)


def evaluate_rows(
    backend: str, instance: Instance, rows: Any, objective: str, max_chunk_rows: int | None, *, kernel: bool = True
) -> Any:
    """The numpy / cupy path of :func:`evaluate_sequences` on a checked (B, n) batch;
    ``kernel=False`` keeps CuPy on the array-namespace code (the benchmark compares the two)."""
    xp = cuda.namespace(backend)
    n = instance.n
    p, d, w = (xp.asarray(a) for a in (instance.p, instance.d, instance.w))
    use_kernel = kernel and backend == "cupy" and objective in cuda.KERNEL_OBJECTIVES
    weighted = objective == "total_weighted_tardiness"

    def step(xp: Any, chunk: Any, start: int) -> tuple[Any]:
        chunk = int_chunk(xp, chunk, "perms", start)
        if use_kernel and cuda.kernel_checks(n):
            # The kernel validates while it evaluates and marks a bad row with NaN (valid rows
            # are always finite); the reason is then found on that chunk.
            values = cuda.tardiness_kernel(chunk, p, d, w, weighted=weighted, check=True)
            if bool(xp.isnan(values).any()):
                _check_rows(xp, chunk, n, start)
            return (values,)
        _check_rows(xp, chunk, n, start)
        if use_kernel:
            return (cuda.tardiness_kernel(chunk, p, d, w, weighted=weighted),)
        return (evaluate_xp(xp, p, d, w, chunk, objective),)

    # About ten n-long temporaries per row (gathers, cumsum, lateness, validation).
    return map_rows(backend, rows, 96 * n + 64, max_chunk_rows, step, (np.float64,))[0]
