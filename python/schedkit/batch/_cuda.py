"""Device choice, row chunking and the CUDA kernel of :mod:`schedkit.batch`.

CuPy is imported lazily, inside functions, through :func:`schedkit._optional.require`: this
module imports, and ``device="auto"`` resolves to ``"rust"``, on machines without CuPy or
without a GPU.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from schedkit._optional import require
from schedkit.exceptions import DeviceUnavailableError, InvalidInstanceError, SolverUnavailableError

#: Values accepted by ``device=`` ("cuda" is another name for "cupy").
DEVICES = ("auto", "rust", "numpy", "cupy", "cuda")
#: Objectives the RawKernel computes; the others run the array-namespace code on the GPU.
KERNEL_OBJECTIVES = ("total_tardiness", "total_weighted_tardiness")
#: Temporaries of one NumPy chunk stay under this many bytes.
NUMPY_CHUNK_BYTES = 256 * 2**20
#: Share of the GPU's free memory one CuPy chunk may take (the rest is headroom for CuPy's
#: own temporaries and for other users of the card).
GPU_MEMORY_SHARE = 0.5


@functools.cache
def cupy_status() -> tuple[bool, str]:
    """(usable, reason): whether CuPy imports and sees a CUDA device, and why not."""
    try:
        cupy = require("cupy")
    except SolverUnavailableError as exc:  # not installed; the message names the extra
        return False, str(exc)
    except Exception as exc:  # a broken CUDA install can fail at import time with any error
        return False, f"CuPy is not importable ({exc}); reinstall it with pip install 'schedkit[gpu]'"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, no device node, ...
        return False, f"CuPy {cupy.__version__} imports but CUDA is not usable ({exc})"
    if count < 1:
        return False, f"CuPy {cupy.__version__} imports but sees no CUDA device"
    return True, f"CuPy {cupy.__version__} sees {count} CUDA device(s)"


def resolve_device(device: str | None) -> str:
    """The backend, ``"rust"``, ``"numpy"`` or ``"cupy"``, for a ``device=`` argument.

    ``None`` means ``SCHEDKIT_DEVICE`` from the environment, else ``"auto"``.
    """
    if device is not None and not isinstance(device, str):
        raise InvalidInstanceError(f"device: expected a name or None, got {device!r}", field="device")
    env = os.environ.get("SCHEDKIT_DEVICE")
    chosen = device or env or "auto"
    source = "SCHEDKIT_DEVICE" if not device and env else "device"
    if chosen not in DEVICES:
        raise InvalidInstanceError(f"{source}: unknown device {chosen!r}; expected one of {DEVICES}", field="device")
    if chosen in ("rust", "numpy"):
        return chosen
    usable, reason = cupy_status()
    if chosen == "auto":
        return "cupy" if usable else "rust"
    if not usable:
        raise DeviceUnavailableError(f"device={chosen!r}: {reason}")
    return "cupy"


def is_cupy(values: Any) -> bool:
    """True for a CuPy array (checked by type, so CuPy is not imported)."""
    return type(values).__module__.split(".")[0] == "cupy"


def to_host(values: Any) -> Any:
    """A CuPy array copied to a NumPy one; anything else unchanged."""
    return values.get() if is_cupy(values) else values


def namespace(backend: str) -> Any:
    """The array module a backend computes with."""
    if backend == "cupy":
        return require("cupy")
    return np


def to_namespace(xp: Any, values: Any) -> Any:
    """``values`` as an array of ``xp``, copying between host and device only when needed."""
    if xp is np:
        return np.asarray(to_host(values))
    return xp.asarray(values)


def chunk_rows(backend: str, bytes_per_row: int, max_chunk_rows: int | None = None) -> int:
    """How many rows one chunk may hold so its temporaries fit in memory.

    NumPy chunks stay under :data:`NUMPY_CHUNK_BYTES`; CuPy chunks take at most
    :data:`GPU_MEMORY_SHARE` of the device memory that is free now, counting blocks CuPy's pool
    holds but does not use (``memGetInfo`` reports those as taken).
    """
    if backend == "cupy":
        cupy = require("cupy")
        free, _total = cupy.cuda.runtime.memGetInfo()
        free += cupy.get_default_memory_pool().free_bytes()
        budget = int(free * GPU_MEMORY_SHARE)
    else:
        budget = NUMPY_CHUNK_BYTES
    rows = max(1, budget // max(1, bytes_per_row))
    return rows if max_chunk_rows is None else min(rows, max_chunk_rows)


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CuPy's out-of-memory error (matched by name, so CuPy is not imported)."""
    return type(exc).__name__ == "OutOfMemoryError" and is_cupy(exc)


def release_pool() -> None:
    """Returns the blocks CuPy's pool holds but does not use to the device."""
    require("cupy").get_default_memory_pool().free_all_blocks()


# --------------------------------------------------------------------------- the RawKernel

# One warp per row. Lanes read 32 consecutive positions at a time (coalesced), an inclusive warp
# scan of p turns them into completion times, and `carry` (the completion time at the end of
# the previous 32 positions, broadcast from lane 31) links the 32-position pieces. Each lane
# sums the tardiness of its positions; a warp reduction gives the row total. `rows` is the same
# for the whole warp, so a warp either returns entirely or runs every shuffle with all 32 lanes.
# (Measured on an H200 against three variants: four positions per lane; a job table staged in
# shared memory with warps striding over rows; p, d, w interleaved in one array. This plain
# form was the fastest: 47 % of peak bandwidth at n = 1000 against 30 %, 45 % and 41 %.)
#
# With Check, the kernel also validates its row in the same pass: each warp marks the ids it
# reads in a bitmap in shared memory (atomicOr returns the old word, so a repeated id shows),
# and a row with a repeated or out-of-range id gets NaN. That saves a second pass over the
# sequences, which cost more than the evaluation itself.
_KERNEL_SOURCE = r"""
template <typename Index, bool Weighted, bool Check>
__global__ void tardiness_rows(const Index* __restrict__ perms, const double* __restrict__ p,
                               const double* __restrict__ d, const double* __restrict__ w,
                               long long rows, long long n, double* __restrict__ out) {
    extern __shared__ unsigned int seen_all[];
    const unsigned full = 0xffffffffu;
    const int lane = threadIdx.x & 31;
    const long long row = (blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5;
    if (row >= rows) return;
    const long long words = (n + 31) >> 5;
    unsigned int* seen = seen_all + (threadIdx.x >> 5) * words;
    if (Check) {
        for (long long k = lane; k < words; k += 32) seen[k] = 0u;
        __syncwarp();
    }
    const Index* perm = perms + row * n;
    double carry = 0.0, acc = 0.0;
    bool bad = false;
    Index next = lane < n ? perm[lane] : Index(0);
    for (long long base = 0; base < n; base += 32) {
        const long long pos = base + lane;
        bool active = pos < n;
        const long long j = next;
        // Issue the next 32 positions' load now: it is in flight while this piece is processed.
        if (pos + 32 < n) next = perm[pos + 32];
        if (Check && active) {
            if (j < 0 || j >= n) {
                bad = true;
                active = false;
            } else {
                const unsigned bit = 1u << (j & 31);
                if (atomicOr(&seen[j >> 5], bit) & bit) bad = true;
            }
        }
        double pj = 0.0, dj = 0.0, wj = 1.0;
        if (active) {
            pj = p[j];
            dj = d[j];
            if (Weighted) wj = w[j];
        }
        double scan = pj;
        for (int offset = 1; offset < 32; offset <<= 1) {
            const double up = __shfl_up_sync(full, scan, offset);
            if (lane >= offset) scan += up;
        }
        if (active) {
            const double tardy = fmax(carry + scan - dj, 0.0);
            acc += Weighted ? wj * tardy : tardy;
        }
        carry += __shfl_sync(full, scan, 31);
    }
    for (int offset = 16; offset > 0; offset >>= 1) acc += __shfl_down_sync(full, acc, offset);
    if (Check) bad = __any_sync(full, bad);
    if (lane == 0) out[row] = bad ? nan("") : acc;
}
"""
_THREADS = 256  # 8 warps, so 8 rows, per block
_WARPS = _THREADS // 32
_INDEX_TYPES = {np.dtype(np.int32): "int", np.dtype(np.int64): "long long"}
#: Rows up to this long are validated inside the kernel (the bitmaps of 8 warps take at most
#: 8 KB of shared memory); longer rows are checked by a separate pass.
KERNEL_CHECK_MAX_N = 8 * 1024


def _kernel_name(index: str, weighted: bool, check: bool) -> str:
    flags = ", ".join("true" if b else "false" for b in (weighted, check))
    return f"tardiness_rows<{index}, {flags}>"


@functools.cache
def _module() -> Any:
    cupy = require("cupy")
    names = [_kernel_name(t, wt, ck) for t in _INDEX_TYPES.values() for wt in (False, True) for ck in (False, True)]
    return cupy.RawModule(code=_KERNEL_SOURCE, name_expressions=names)


def kernel_checks(n: int) -> bool:
    """True when :func:`tardiness_kernel` validates rows of length ``n`` itself."""
    return n <= KERNEL_CHECK_MAX_N


def tardiness_kernel(perms: Any, p: Any, d: Any, w: Any, *, weighted: bool, check: bool = False) -> Any:
    """Σ T_j (or Σ w_j T_j) of each row of ``perms`` with the RawKernel.

    ``perms`` is a CuPy (B, n) int32 or int64 array; p, d, w are CuPy float64 arrays of length n.
    Returns a CuPy float64 array of length B. With ``check=True`` (allowed when
    :func:`kernel_checks` is true) a row that is not a permutation gets NaN; without it, rows
    must be valid permutations.
    """
    cupy = require("cupy")
    perms = cupy.ascontiguousarray(perms)
    if perms.dtype not in _INDEX_TYPES:
        perms = perms.astype(cupy.int64)
    rows, n = perms.shape
    out = cupy.zeros(rows, dtype=cupy.float64)
    if rows == 0:
        return out
    check = check and n > 0
    if check and not kernel_checks(n):
        raise ValueError(f"rows of {n} jobs are too long to check in the kernel")
    kernel = _module().get_function(_kernel_name(_INDEX_TYPES[perms.dtype], weighted, check))
    blocks = (rows * 32 + _THREADS - 1) // _THREADS
    shared = _WARPS * ((n + 31) // 32) * 4 if check else 0
    args = (
        perms,
        cupy.ascontiguousarray(p, dtype=cupy.float64),
        cupy.ascontiguousarray(d, dtype=cupy.float64),
        cupy.ascontiguousarray(w, dtype=cupy.float64),
        np.int64(rows),
        np.int64(n),
        out,
    )
    kernel((blocks,), (_THREADS,), args, shared_mem=shared)
    return out
