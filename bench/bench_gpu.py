"""Batched single-machine tardiness evaluation: evaluations per second per backend.

For B = 10^3 .. 10^7 candidate sequences of n = 20, 100, 1000 jobs it times
``schedkit.batch.evaluate_sequences`` on ``numpy``, ``rust`` and ``cupy`` (the RawKernel path,
input already on the GPU), the CuPy array-namespace path (the NumPy reference code run by CuPy),
and the RawKernel alone. For the kernel it reports the achieved memory bandwidth, the bytes of
``perms`` read over the kernel time (CUDA events, after a warm-up), as a share of ``--peak-gbs``
(4800 GB/s, the H200's datasheet figure, by default), for int64 and int32 sequences. Every
backend's values are compared with the first one measured (integer data: they must be equal).

Sizes too large for a backend (memory caps below) or too slow (a larger B is skipped once a call
took longer than --max-call-s) are left out, and measuring stops after --budget-s seconds.
Writes bench/results/gpu.md and gpu.json (or --out). Runs on a machine without CuPy too (the
CuPy columns are then empty).

    python bench/bench_gpu.py [--quick] [--peak-gbs 4800] [--budget-s 150]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit import batch
from schedkit.batch import _cuda as _batch_cuda
from schedkit.batch import _sequences

OBJECTIVE = "total_weighted_tardiness"
#: Most elements (B x n) one call may take per backend: host memory and patience for the CPU,
#: 16 GB of int64 sequences (plus their int32 copy) on the GPU.
CAPS = {"numpy": 2 * 10**7, "rust": 2 * 10**8, "cupy": 2 * 10**9}


def instance(n: int) -> sk.tardiness.Instance:
    rng = np.random.default_rng(n)
    return sk.tardiness.Instance(rng.integers(1, 101, n), rng.integers(0, 50 * n + 1, n), rng.integers(1, 11, n))


def sequences(xp, b: int, n: int, dtype=np.int64, chunk: int = 2**24):
    """B distinct-looking permutations without a sort: row r is k -> (a_r k + c_r) mod n with
    a_r coprime to n, so it is a permutation. Built from a small table of a k mod n, in row
    chunks, with no division on the large arrays."""
    units = np.array([a for a in range(1, n + 1) if math.gcd(a, n) == 1], dtype=np.int64)
    table = xp.asarray((units[:, None] * np.arange(n)[None, :]) % n).astype(dtype)
    out = xp.empty((b, n), dtype=dtype)
    step = max(1, chunk // max(1, n))
    for start in range(0, b, step):
        r = xp.arange(start, min(b, start + step), dtype=np.int64)
        seg = out[start : start + r.shape[0]]
        seg[...] = table[r % units.shape[0]]
        seg += ((r * 7919) % n).astype(dtype)[:, None]
        seg -= (seg >= n).astype(dtype) * n
    return out


def time_host(fn, min_total: float = 0.3, max_reps: int = 5) -> tuple[float, np.ndarray]:
    """Best wall time of a few calls (the first call included: host code needs no warm-up)."""
    best, total, reps, out = math.inf, 0.0, 0, None
    while reps < max_reps and (total < min_total or reps == 0):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best, total, reps = min(best, dt), total + dt, reps + 1
        if dt > 1.0:
            break
    return best, np.asarray(out)


def time_device(cupy, fn, reps: int = 3) -> tuple[float, np.ndarray]:
    """Mean seconds per call between CUDA events, after one warm-up call (compilation)."""
    out = fn()
    cupy.cuda.Device().synchronize()
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    start.record()
    for _ in range(reps):
        out = fn()
    stop.record()
    stop.synchronize()
    return cupy.cuda.get_elapsed_time(start, stop) / 1000 / reps, out.get()


def agree(values: np.ndarray, reference: np.ndarray | None) -> bool | None:
    return None if reference is None else bool(np.array_equal(values[:1000], reference[:1000]))


def measure(backend: str, inst: sk.tardiness.Instance, host, dev, cupy) -> tuple[float, np.ndarray]:
    """(seconds per call, values) of one backend on host (NumPy) or dev (CuPy) sequences."""
    if backend in ("numpy", "rust"):
        return time_host(lambda: batch.evaluate_sequences(inst, host, objective=OBJECTIVE, device=backend))
    if backend == "cupy":
        return time_device(cupy, lambda: batch.evaluate_sequences(inst, dev, objective=OBJECTIVE, device="cupy"))
    if backend == "cupy_xp":  # the same call, running the NumPy reference code on CuPy
        return time_device(cupy, lambda: _sequences.evaluate_rows("cupy", inst, dev, OBJECTIVE, None, kernel=False))
    perms = dev if backend == "kernel_i64" else dev.astype(np.int32)
    p, d, w = (cupy.asarray(a) for a in (inst.p, inst.d, inst.w))
    return time_device(cupy, lambda: _batch_cuda.tardiness_kernel(perms, p, d, w, weighted=True), reps=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="B up to 10^5, n = 20 and 100 (a smoke run)")
    parser.add_argument("--peak-gbs", type=float, default=4800.0, help="peak memory bandwidth, GB/s (H200: 4800)")
    parser.add_argument("--budget-s", type=float, default=150.0, help="stop measuring new sizes after so many seconds")
    parser.add_argument("--max-call-s", type=float, default=2.0, help="skip larger B once one call took this long")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    parser.add_argument("--summarize", type=Path, metavar="GPU_JSON", help="print a short report of gpu.json, exit")
    args = parser.parse_args()
    if args.summarize:
        summarize(json.loads(args.summarize.read_text()))
        return

    gpu, reason = _batch_cuda.cupy_status()
    cupy = _batch_cuda.namespace("cupy") if gpu else None
    bs = [10**k for k in range(3, 6 if args.quick else 8)]
    ns = [20, 100] if args.quick else [20, 100, 1000]
    backends = ["numpy", "rust"] + (["cupy_xp", "cupy", "kernel_i64", "kernel_i32"] if gpu else [])
    began = time.perf_counter()
    records: list[dict] = []
    too_slow: set[tuple[str, int]] = set()
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"] if gpu else None
    env = dict(
        schedkit=sk.__version__,
        numpy=np.__version__,
        python=platform.python_version(),
        cpus=os.cpu_count(),
        gpu=reason,
        gpu_name=name.decode() if isinstance(name, bytes) else name,
        peak_gbs=args.peak_gbs,
        objective=OBJECTIVE,
    )

    # B outermost, so every n is measured before the big batches spend the time budget.
    for b in bs:
        for n in ns:
            if time.perf_counter() - began > args.budget_s:
                records.append(dict(B=b, n=n, skipped="time budget spent"))
                continue
            inst = instance(n)
            host = sequences(np, b, n) if b * n <= CAPS["rust"] else None
            dev = sequences(cupy, b, n) if gpu and b * n <= CAPS["cupy"] else None
            reference = None
            for backend in backends:
                family = "cupy" if backend.startswith(("cupy", "kernel")) else backend
                if b * n > CAPS[family] or (backend, n) in too_slow:
                    continue
                sec, out = measure(backend, inst, host, dev, cupy)
                reference = out if reference is None else reference
                rec = dict(B=b, n=n, backend=backend, seconds=sec, evals_per_s=b / sec, agree=agree(out, reference))
                if backend.startswith("kernel"):
                    gbs = b * n * (8 if backend == "kernel_i64" else 4) / sec / 1e9
                    rec.update(gbs=gbs, peak_share=gbs / args.peak_gbs)
                records.append(rec)
                print(f"B={b:>8} n={n:>4} {backend:>10}: {b / sec:12.4g} evals/s ({sec * 1e3:9.3f} ms)", flush=True)
                if sec > args.max_call_s:
                    too_slow.add((backend, n))
            del host, dev
            if gpu:
                cupy.get_default_memory_pool().free_all_blocks()
            # Written after every size, so a run stopped by a timeout still leaves its results.
            save(args.out, dict(env, wall_s=time.perf_counter() - began), records, backends)
    save(args.out, dict(env, wall_s=time.perf_counter() - began), records, backends)
    print(f"wrote {args.out / 'gpu.md'} and gpu.json in {time.perf_counter() - began:.0f} s")


def save(out: Path, env: dict, records: list[dict], backends: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(dict(environment=env, records=records), indent=2) + "\n")
    (out / "gpu.md").write_text(markdown(env, records, backends))


def summarize(data: dict) -> None:
    """A few lines for a log: best kernel bandwidth, CuPy/Rust at the largest common size."""
    recs = [r for r in data["records"] if "backend" in r]
    kernels = [r for r in recs if r["backend"].startswith("kernel")]
    if kernels:
        best = max(kernels, key=lambda r: r["gbs"])
        print(
            f"kernel:     best {best['gbs']:.0f} GB/s = {100 * best['peak_share']:.0f}% of "
            f"{data['environment']['peak_gbs']:.0f} GB/s ({best['backend']}, B={best['B']}, n={best['n']})"
        )
    sizes: dict[tuple[int, int], dict[str, float]] = {}
    for r in recs:
        sizes.setdefault((r["B"], r["n"]), {})[r["backend"]] = r["evals_per_s"]
    both = [(b * n, b, n, v["cupy"] / v["rust"]) for (b, n), v in sizes.items() if "cupy" in v and "rust" in v]
    if both:
        _, b, n, ratio = max(both)
        print(f"cupy/rust:  {ratio:.1f}x at the largest size both ran (B={b}, n={n})")
    if any(r.get("agree") is False for r in recs):
        print("values:     BACKENDS DISAGREE (see gpu.md)")
    print(f"measured:   {len(recs)} points in {data['environment']['wall_s']:.0f} s")


def markdown(env: dict, records: list[dict], backends: list[str]) -> str:
    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3g}"

    by_size: dict[tuple[int, int], dict[str, dict]] = {}
    skipped = []
    for rec in records:
        if "skipped" in rec:
            skipped.append(f"B={rec['B']}, n={rec['n']}")
            continue
        by_size.setdefault((rec["n"], rec["B"]), {})[rec["backend"]] = rec
    lines = [
        "# Batched evaluation: single-machine weighted tardiness",
        "",
        f"`bench/bench_gpu.py`; {env['gpu_name'] or 'no GPU'} ({env['gpu']}); {env['cpus']} CPUs; "
        f"schedkit {env['schedkit']}, NumPy {env['numpy']}, Python {env['python']}.",
        "",
        'Evaluations (candidate sequences) per second. `cupy` is `evaluate_sequences(device="cupy")` on '
        "sequences already on the GPU (row check + RawKernel), `cupy xp` the same call running the NumPy "
        "reference code on CuPy, `kernel` the RawKernel alone. Kernel bandwidth is the bytes of sequences "
        f"read over kernel time (CUDA events, warm-up first), against a {env['peak_gbs']:.0f} GB/s peak. "
        "`=` means the values equal the first backend's on the first 1000 rows (integer data).",
        "",
        "| n | B | numpy | rust | cupy xp | cupy | kernel i64 | kernel GB/s (i64) | % peak "
        "| kernel GB/s (i32) | % peak | cupy / rust | equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for (n, b), row in sorted(by_size.items()):

        def rate(name: str) -> float | None:
            return row[name]["evals_per_s"] if name in row else None

        def kernel(name: str, key: str, scale: float = 1.0) -> float | None:
            return row[name][key] * scale if name in row else None

        ratio = rate("cupy") / rate("rust") if rate("cupy") and rate("rust") else None
        same = all(r["agree"] is not False for r in row.values())
        lines.append(
            f"| {n} | {b:.0e} | {fmt(rate('numpy'))} | {fmt(rate('rust'))} | {fmt(rate('cupy_xp'))} | "
            f"{fmt(rate('cupy'))} | {fmt(rate('kernel_i64'))} | {fmt(kernel('kernel_i64', 'gbs'))} | "
            f"{fmt(kernel('kernel_i64', 'peak_share', 100))} | {fmt(kernel('kernel_i32', 'gbs'))} | "
            f"{fmt(kernel('kernel_i32', 'peak_share', 100))} | {fmt(ratio)} | {'=' if same else 'DIFFER'} |"
        )
    if skipped:
        lines += ["", f"Not measured (time budget spent): {'; '.join(skipped)}."]
    lines += ["", f"Measured in {env['wall_s']:.0f} s. Backends: {', '.join(backends)}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
