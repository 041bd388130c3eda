"""The reference modules of bench/ for the tests that compare schedkit with them.

bench/ is not a package, so :func:`load_bench` loads a module from its file; the tests and the
benchmark then share one copy of each reference. Imported by name (``from bench_refs import
load_bench``): pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

#: The repository's bench/ folder.
BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(name: str) -> ModuleType:
    """The module bench/``name``.py, loaded from its file (as ``_bench_<name>``)."""
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no bench module {name!r} in {BENCH}"
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fair_finish(policy: str, cores: int, user, submit, offsets, durations) -> list[float]:
    """schedkit.fair's finish time of each job of a workload given as the fair references
    (bench/ref_fair.py, ref_fair_simpy.py) take it: per job a user number and submit time,
    the task durations of job j at ``durations[offsets[j]:offsets[j + 1]]``."""
    import schedkit as sk

    sizes = np.diff(offsets)
    jobs = np.repeat(np.arange(len(user)), sizes)
    # Zero-padded names: UJF breaks ties between users by name, the references by number.
    t = sk.trace.from_jobs(jobs, [f"u{u:03d}" for u in np.repeat(user, sizes)], np.repeat(submit, sizes), durations)
    r = sk.fair.replay(t, policy=policy, cores=cores).jobs
    got = dict(zip(r.column("job_id").to_pylist(), r.column("finish_time").to_pylist()))
    return [got[j] for j in range(len(user))]
