"""The UWFQ paper's scenarios (Kažemaks et al., arXiv:2510.15485) as prepared workloads: closed-loop
sequential users, open-loop parallel users, and the authors' Google job groups."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from schedkit._arrays import U64_MAX, float_arg, int_arg
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._model import Batch, Workload
from schedkit.trace import bundled

#: The most tasks per Spark job a scenario is cut into (every task is a row of the workload).
MAX_DEFAULT_TASKS = 1 << 20

#: Oracle work of the paper's job classes, core-seconds (the UWFQ paper's authors' code).
JOB_CLASS_WORK = {"Loop1000": 131.115, "Loop500": 57.115, "Loop100": 26.926, "Loop20": 1.523}

#: Scenario name -> bundled file.
SCENARIOS: dict[str, str] = {
    "2_large_2_small_users": "synthetic_2_large_2_small_users_default.json",
    "2_power_2_small_users": "synthetic_2_power_2_small_users_default.json",
    "4_large_users": "synthetic_4_large_users_default.json",
    "4_super_small_users": "synthetic_4_super_small_users_default.json",
    "google_hetero": "uwfq_hetero_macro_workload.json",
    "google_homo": "uwfq_homo_macro_workload.json",
}


def _split(work: float, k: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    if skew > 0:
        x = rng.lognormal(0.0, skew, k)
    else:
        x = np.ones(k)
    return work * x / x.sum()


def scenario_workload(
    name: str, *, seed: int = 0, default_tasks: int = 32, skew: float = 1.0, reduce_share: float = 0.0
) -> Workload:
    """The prepared workload of one of the UWFQ paper's scenarios (run it with :func:`simulate`).

    Parameters
    ----------
    name : str
        One of :data:`SCENARIOS`.
    seed : int
        Seed of the open-loop arrival gaps, the closed-loop think times and the task sizes.
    default_tasks : int
        Tasks per Spark job (>= 1), of seeded log-normal(0, ``skew``) sizes.
    skew : float
        Spread of the task sizes (0: equal tasks).
    reduce_share : float
        In [0, 1): > 0 makes each job a map stage plus one reduce task with that share of
        the work.

    Returns
    -------
    Workload

    Raises
    ------
    InvalidInstanceError
        An unknown scenario or a setting out of range.

    Examples
    --------
    >>> import schedkit as sk
    >>> w = sk.fair.scenario_workload("4_large_users", default_tasks=8)
    >>> w.user_names, w.batch.n_jobs
    (['user1_big', 'user2_big', 'user3_big', 'user4_big'], 16)
    """
    if not isinstance(name, str) or name not in SCENARIOS:
        raise InvalidInstanceError(f"unknown scenario {name!r}; expected one of {sorted(SCENARIOS)}", field="scenario")
    skew = float_arg(skew, "skew", minimum=0.0)
    default_tasks = int_arg(default_tasks, "default_tasks", minimum=1, maximum=MAX_DEFAULT_TASKS)
    if not 0 <= float_arg(reduce_share, "reduce_share") < 1:
        raise InvalidInstanceError(f"reduce_share must be in [0, 1), got {reduce_share}", field="reduce_share")
    seed = int_arg(seed, "seed", maximum=U64_MAX)
    with open(bundled(SCENARIOS[name])) as fh:
        spec = json.load(fh)
    rng = np.random.default_rng(seed)
    jobs: list[dict[str, Any]] = []  # user, submit, after, think, class, works (per Spark job)
    if name.startswith("google"):
        groups: dict[str, dict[str, Any]] = {}
        for u in spec:
            for wl in u["workloads"]:
                g = groups.setdefault(
                    wl["workloadName"], {"user": u["user"], "submit": float(wl["startTimeMs"]) / 1000, "works": []}
                )
                g["submit"] = min(g["submit"], float(wl["startTimeMs"]) / 1000)
                g["works"].append(float(wl["params"]["task_runtime_s"]))
        for gname, g in groups.items():
            jobs.append(
                {
                    "user": g["user"],
                    "submit": g["submit"],
                    "after": -1,
                    "think": 0.0,
                    "class": gname,
                    "works": g["works"],
                }
            )
    else:
        for u in spec:
            for wl in u["workloads"]:
                cls = wl["className"].rsplit(".", 1)[-1]
                if cls not in JOB_CLASS_WORK:
                    raise InvalidInstanceError(f"{name}: unknown job class {cls}", field="className")
                work = JOB_CLASS_WORK[cls]
                start = float(wl["startTimeMs"]) / 1000
                rate = float(wl.get("poissonRateInMinutes") or 0) / 60.0
                k = int(wl["totalIterations"])
                seq = wl.get("frequency") == "SEQ"
                t = start
                prev = -1
                for i in range(k):
                    gap = rng.exponential(1 / rate) if rate > 0 else 0.0
                    if seq:
                        jobs.append(
                            {
                                "user": u["user"],
                                "submit": start,
                                "after": prev,
                                "think": gap if i else 0.0,
                                "class": cls,
                                "works": [work],
                            }
                        )
                        prev = len(jobs) - 1
                    else:
                        if i:
                            t += gap
                        jobs.append(
                            {"user": u["user"], "submit": t, "after": -1, "think": 0.0, "class": cls, "works": [work]}
                        )
    # order: open jobs by submit time, closed-loop successors after their predecessor
    idx = list(range(len(jobs)))
    idx.sort(key=lambda i: (jobs[i]["submit"], i))
    remap = {old: new for new, old in enumerate(idx)}
    # a successor must come after its predecessor: both share the same submit key (start),
    # and the stable sort by original index keeps chains in order.
    jobs = [jobs[i] for i in idx]
    user_names = sorted({j["user"] for j in jobs})
    class_names = sorted({j["class"] for j in jobs})
    durs: list[np.ndarray] = []
    offsets = [0]  # per stage
    job_stages = [0]
    for j in jobs:
        parts = [_split(wk, default_tasks, skew, rng) for wk in j["works"]]
        d = np.concatenate(parts)
        if reduce_share > 0:  # a map stage, then one reduce task with that share of the work
            durs += [d * (1 - reduce_share), np.array([d.sum() * reduce_share])]
            offsets += [offsets[-1] + len(d), offsets[-1] + len(d) + 1]
        else:
            durs.append(d)
            offsets.append(offsets[-1] + len(d))
        job_stages.append(len(offsets) - 1)
    n = len(jobs)
    return Workload(
        Batch(
            job_id=np.arange(n, dtype=np.int64),
            user=np.array([user_names.index(j["user"]) for j in jobs], dtype=np.int64),
            submit=np.array([j["submit"] for j in jobs], dtype=np.float64),
            after=np.array([remap[j["after"]] if j["after"] >= 0 else -1 for j in jobs], dtype=np.int64),
            think=np.array([j["think"] for j in jobs], dtype=np.float64),
            job_class=np.array([class_names.index(j["class"]) for j in jobs], dtype=np.int64),
            task_offsets=np.array(offsets, dtype=np.int64),
            durations=np.concatenate(durs) if durs else np.zeros(0),
            job_stages=np.array(job_stages, dtype=np.int64) if reduce_share > 0 else None,
        ),
        user_names=user_names,
        class_names=class_names,
    )
