"""Benchmark of schedkit.batch.evaluate_sequences: the rust backend vs. the numpy reference backend.

Throughput is candidate-jobs per second, B·n / time, for B random permutations (int64) of one
random instance of n jobs. Both backends go through the public call, so both include their
permutation check. Sizes with B·n above CAP entries are skipped (memory).

Run ``python bench/bench_batch.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import schedkit as sk

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import best_time, fmt_t, md_table
from bench_tardiness import generate

CAP = 2e8


def _rate(x: float) -> str:
    if x >= 1e9:
        return f"{x / 1e9:.2f} G/s"
    if x >= 1e6:
        return f"{x / 1e6:.1f} M/s"
    return f"{x / 1e3:.1f} k/s"


def _measure(inst, perms, objective) -> dict:
    """Both backends timed on ``perms``: seconds, candidate entries per second, speedup, agreement."""
    t_rust, v_rust = best_time(
        lambda: sk.batch.evaluate_sequences(inst, perms, objective=objective, device="rust"), 5, slow=0.5
    )
    t_np, v_np = best_time(
        lambda: sk.batch.evaluate_sequences(inst, perms, objective=objective, device="numpy"), 3, slow=1.0
    )
    same = bool(np.allclose(v_rust, v_np, rtol=1e-12, atol=0))
    entries = perms.size  # B rows of n job ids
    return {
        "rust_s": t_rust,
        "numpy_s": t_np,
        "rust_rate": entries / t_rust,
        "numpy_rate": entries / t_np,
        "speedup": t_np / t_rust,
        "same_values": same,
    }


def run(quick: bool = False, log=print) -> dict:
    bs = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    ns = [20, 100] if quick else [20, 100, 1000]
    rows = []
    t0 = time.perf_counter()
    for n in ns:
        p, d, w = generate(n, 0.6, 0.6, seed=[7, n], weighted=True)
        inst = sk.tardiness.Instance(p, d)
        fit = [b for b in bs if b * n <= CAP]
        rng = np.random.default_rng([8, n])
        all_perms = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (max(fit), 1)), axis=1) if fit else None
        for b in bs:
            row = {"objective": "total_tardiness", "n": n, "B": b}
            if b * n > CAP:
                row["note"] = f"skipped (B·n = {b * n:.0e} > cap {CAP:.0e} entries)"
                rows.append(row)
                log(f"  n={n:>5} B={b:>8}: {row['note']}")
                continue
            perms = all_perms[:b]
            row.update(_measure(inst, perms, "total_tardiness"))
            rows.append(row)
            log(
                f"  n={n:>5} B={b:>8}: rust {fmt_t(row['rust_s'])} ({_rate(row['rust_rate'])}), "
                f"numpy {fmt_t(row['numpy_s'])} ({_rate(row['numpy_rate'])}), x{row['speedup']:.1f}, "
                f"same {row['same_values']}"
            )
        del all_perms
    # one weighted line
    n, b = 100, (10**4 if quick else 10**6)
    p, d, w = generate(n, 0.6, 0.6, seed=[7, n], weighted=True)
    winst = sk.tardiness.Instance(p, d, w)
    perms = np.random.default_rng([9, n]).permuted(np.tile(np.arange(n, dtype=np.int64), (b, 1)), axis=1)
    row = {
        "objective": "total_weighted_tardiness",
        "n": n,
        "B": b,
        **_measure(winst, perms, "total_weighted_tardiness"),
    }
    rows.append(row)
    log(
        f"  weighted n={n} B={b}: rust {fmt_t(row['rust_s'])}, numpy {fmt_t(row['numpy_s'])}, "
        f"x{row['speedup']:.1f}, same {row['same_values']}"
    )
    del perms
    res = {"quick": quick, "rows": rows, "cap_entries": CAP, "seconds": time.perf_counter() - t0}
    res["markdown"] = markdown(res)
    return res


def markdown(res: dict) -> str:
    table = []
    for r in res["rows"]:
        if "note" in r:
            table.append([r["objective"], f"{r['n']:,}", f"{r['B']:,}", "-", "-", "-", "-", "-", r["note"]])
            continue
        table.append(
            [
                r["objective"],
                f"{r['n']:,}",
                f"{r['B']:,}",
                fmt_t(r["rust_s"]),
                _rate(r["rust_rate"]),
                fmt_t(r["numpy_s"]),
                _rate(r["numpy_rate"]),
                f"{r['speedup']:.1f}x",
                "yes" if r["same_values"] else "**NO**",
            ]
        )
    head = (
        "## Batch evaluation: `sk.batch.evaluate_sequences`, rust vs. numpy backend\n\n"
        "Rate = candidate-jobs per second (B·n / time); time = min over repeats (rust up to 5, numpy up to 3, "
        "one run when slow). Random int64 permutations of one instance (RDD 0.6, TF 0.6); both backends "
        "through the public call (so both include the permutation check). "
        f"B·n capped at {res['cap_entries']:.0e} entries. `same` = values equal (rtol 1e-12).\n\n"
    )
    return (
        head
        + md_table(
            ["objective", "n", "B", "rust", "rust rate", "numpy", "numpy rate", "rust/numpy speedup", "same"], table
        )
        + "\n"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(run(args.quick)["markdown"])


if __name__ == "__main__":
    main()
