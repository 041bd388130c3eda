"""Chunked evaluation: a batch of candidate rows is evaluated a chunk of rows at a time, so
neither the host nor the GPU ever holds the temporaries of the whole batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schedkit.batch._cuda as cuda


def map_rows(
    backend: str,
    rows: Any,
    bytes_per_row: int,
    max_chunk_rows: int | None,
    step: Callable[[Any, Any, int], tuple[Any, ...]],
    dtypes: tuple[Any, ...],
) -> list[Any]:
    """Runs ``step(xp, chunk, first_row)`` over row chunks of ``rows`` and gathers its outputs.

    Each chunk is moved to the backend's namespace on its own, so neither a huge host batch
    nor a huge device batch is ever copied whole. A CuPy chunk that still runs out of memory
    (the size is an estimate) is retried at half the size.
    """
    xp = cuda.namespace(backend)
    total = rows.shape[0]
    outs = [xp.empty(total, dtype=dt) for dt in dtypes]
    size = cuda.chunk_rows(backend, bytes_per_row, max_chunk_rows)
    start = 0
    while start < total:
        stop = min(total, start + size)
        try:
            results = step(xp, cuda.to_namespace(xp, rows[start:stop]), start)
        except Exception as exc:
            if backend != "cupy" or size == 1 or not cuda.is_out_of_memory(exc):
                raise
            cuda.release_pool()
            size //= 2
            continue
        for out, res in zip(outs, results):
            out[start:stop] = res
        start = stop
    return outs
