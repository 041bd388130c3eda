"""Runs every schedkit benchmark against its anchors and writes bench/results/.

    python bench/run.py                      # every area (~40 min on 2 cores)
    python bench/run.py --only tardiness dag # some areas
    python bench/run.py --quick              # smoke test; writes bench/results/quick/

Writes <out>/<area>.md (markdown tables with the machine and versions) and <out>/<area>.json
(every measured number) for the areas tardiness, batch, dag, flowtime, packing, fair and sweep (the same sweeps on
every backend; Ray and Dask rows only where they are installed). The GPU benchmark is
bench/gpu_check.sh (it needs a CUDA machine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402
import bench_dag  # noqa: E402
import bench_fair  # noqa: E402
import bench_flowtime  # noqa: E402
import bench_packing  # noqa: E402
import bench_sweep  # noqa: E402
import bench_tardiness  # noqa: E402
from _env import environment, header  # noqa: E402

#: area -> (title, module with run(quick, log) -> {"markdown", "seconds", ...})
SECTIONS = {
    "tardiness": ("single-machine tardiness", bench_tardiness),
    "batch": ("batch evaluation", bench_batch),
    "dag": ("DAG scheduling", bench_dag),
    "flowtime": ("online flow time", bench_flowtime),
    "packing": ("pod packing", bench_packing),
    "fair": ("multi-user fair replay", bench_fair),
    "sweep": ("sweeps", bench_sweep),
}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items() if k != "markdown"}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def main() -> None:
    ap = argparse.ArgumentParser(description="Run the schedkit benchmarks and write bench/results/.")
    ap.add_argument("--quick", action="store_true", help="reduced sizes (smoke test)")
    ap.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="run only these areas")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default bench/results[/quick])")
    args = ap.parse_args()
    out = args.out or (HERE / "results" / "quick" if args.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    print(
        f"schedkit benchmarks ({'quick' if args.quick else 'full'}) on {env['cpu']}, nproc {env['nproc']}", flush=True
    )

    def log(msg):
        print(msg, flush=True)

    t0 = time.perf_counter()
    for area in args.only or SECTIONS:
        title, module = SECTIONS[area]
        result = module.run(args.quick, log)
        md = header(f"schedkit benchmarks: {title}", env, args.quick, result["seconds"]) + result["markdown"]
        (out / f"{area}.md").write_text(md)
        (out / f"{area}.json").write_text(json.dumps({"environment": env, **_jsonable(result)}, indent=1))
        print("\n" + md, flush=True)
    print(f"total {time.perf_counter() - t0:.0f} s; wrote {out}")


if __name__ == "__main__":
    main()
