"""The ``schedkit flowtime`` command and the flow-time section of ``schedkit demo``.

``schedkit flowtime`` simulates policies on a generated workload (Poisson arrivals at
``--load``) or on a jobs file (``--trace``) and prints one row per policy; ``--json`` prints
the same figures as JSON.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any, TypedDict

from schedkit import flowtime
from schedkit.cli._common import add_json_flag, format_table, input_path, name_list, print_json, run_doc
from schedkit.exceptions import InvalidInstanceError

#: Columns of the printed table: (header, summary key).
COLUMNS = [
    ("policy", "policy"),
    ("info", "information"),
    ("total flow", "total_flow_time"),
    ("mean flow", "mean_flow_time"),
    ("p99 flow", "p99_flow_time"),
    ("max flow", "max_flow_time"),
    ("mean stretch", "mean_stretch"),
    ("ratio", "ratio"),
    ("events", "events"),
    ("seconds", "seconds"),
]


class _Demo(TypedDict):
    """The arguments of :func:`schedkit.flowtime.generate` that make the demo's workload."""

    n: int
    load: float
    sizes: str
    ops: str
    distortion: float
    seed: int


#: The demo's workload: gradually revealed jobs at load 0.9 on one machine.
DEMO: _Demo = {"n": 20_000, "load": 0.9, "sizes": "exponential", "ops": "geometric:3", "distortion": 2.0, "seed": 0}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``flowtime`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "flowtime",
        help="compare online flow-time policies on a generated workload or a jobs file",
        description=(
            "Simulate online flow-time policies (exact event-driven simulator) and compare total,\n"
            "mean and tail flow time and stretch against a lower bound (SRPT on one machine,\n"
            "optimal there)."
        ),
        epilog=(
            "examples:\n"
            "  schedkit flowtime --jobs 5000 --load 0.95 --policies srpt,rr,setf,laps:beta=0.25\n"
            "  schedkit flowtime --trace google2011_500s_jobs.csv --machines 16 --policies SRPT,RR,FCFS"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    workload = p.add_argument_group("workload (a jobs file, or a generated one)")
    workload.add_argument(
        "--trace",
        metavar="FILE",
        help="jobs file, a path or a bundled name (.parquet/.arrow/.feather: a row per job with an "
        "'operations' list column; .csv: a row per operation with job_id, release, size) instead of a "
        "generated workload",
    )
    workload.add_argument("--jobs", type=int, help="number of generated jobs (default 10000)")
    workload.add_argument("--load", type=float, help="target load of the generated arrivals (default 0.9)")
    workload.add_argument(
        "--sizes",
        help="operation sizes: exponential, pareto[:alpha[:ratio]], lognormal[:sigma], constant",
    )
    workload.add_argument(
        "--ops",
        help="operations per job: single, fixed:k, geometric:mean, uniform:kmax, test[:t] "
        "(uniform obligatory test of length t, then a revealed part)",
    )
    workload.add_argument("--weights", default=None, help="weights: uniform[:wmax] (default: unweighted)")
    workload.add_argument(
        "--distortion",
        type=float,
        default=2.0,
        help="size estimates for sprpt within this distortion (default 2; 0 = no estimates)",
    )
    workload.add_argument("--seed", type=int, default=0, help="seed of the generator (default 0)")
    sim = p.add_argument_group("simulation")
    sim.add_argument("--machines", type=int, default=1, help="identical machines (default 1)")
    sim.add_argument(
        "--policies",
        default=None,
        help="comma-separated policies (any case), parameters after colons, e.g. srpt,rr,laps:beta=0.25,"
        "chunk:gamma=4:c=1 (default: every built-in)",
    )
    sim.add_argument("--time-limit", type=float, help="seconds per simulation (a stopped one is marked unfinished)")
    sim.add_argument("--validate", action="store_true", help="check every schedule independently")
    add_json_flag(p.add_argument_group("output"))
    p.set_defaults(func=run)
    return p


#: The options only a generated workload reads, with their defaults (None: not given, so a
#: jobs file can say which of them it ignores).
GENERATOR_DEFAULTS: dict[str, Any] = {
    "jobs": 10_000,
    "load": 0.9,
    "sizes": "exponential",
    "ops": "single",
    "weights": None,
}


def _load_jobs(args: argparse.Namespace) -> tuple[flowtime.Jobs, dict[str, Any]]:
    if args.trace:
        unread = [f"--{k}" for k in GENERATOR_DEFAULTS if getattr(args, k) is not None]
        if unread:
            warnings.warn(
                f"{', '.join(unread)}: appl{'ies' if len(unread) == 1 else 'y'} to a generated workload only; "
                "ignored with --trace",
                UserWarning,
                stacklevel=2,
            )
        jobs = flowtime.read_jobs(input_path(args.trace))
        if args.distortion and jobs.estimate is None:
            jobs = jobs.with_estimates(distortion=args.distortion, seed=args.seed)
        return jobs, {"trace": str(args.trace)}
    for k, default in GENERATOR_DEFAULTS.items():
        if getattr(args, k) is None:
            setattr(args, k, default)
    if args.jobs < 1:  # the means of no jobs would be made up
        raise InvalidInstanceError(f"--jobs: at least 1, got {args.jobs}", field="--jobs")
    jobs = flowtime.generate(
        args.jobs,
        load=args.load,
        machines=args.machines,
        sizes=args.sizes,
        ops=args.ops,
        weights=args.weights,
        distortion=args.distortion or None,
        seed=args.seed,
    )
    desc = {
        "generated": True,
        "jobs": args.jobs,
        "load": args.load,
        "sizes": args.sizes,
        "ops": args.ops,
        "weights": args.weights,
        "distortion": args.distortion or None,
        "seed": args.seed,
    }
    return jobs, desc


def _split_policies(text: str | None, jobs: flowtime.Jobs) -> list[str]:
    if not text:
        return [p for p in flowtime.POLICIES if p != "sprpt" or jobs.estimate is not None]
    return name_list(text, "--policies")


def _compare(
    jobs: flowtime.Jobs, policies: list[str], machines: int, *, validate: bool = False, time_limit: float | None = None
) -> list[dict[str, Any]]:
    """One summary dict per policy (see ``Result.summary``)."""
    rows = []
    for spec in policies:
        r = flowtime.simulate(jobs, policy=spec, machines=machines, time_limit=time_limit)
        if validate and r.finished:
            r.validate()
        rows.append(r.summary())
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    body = []
    for r in rows:
        line = [r[key] for _, key in COLUMNS]
        if not r["finished"]:
            line[0] = f"{line[0]} (unfinished)"
        body.append(line)
    return format_table([h for h, _ in COLUMNS], body)


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit flowtime``; returns the exit code.

    {run_contract}

    Raises
    ------
    InvalidInstanceError
        A bad workload option, policy or jobs file.

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["flowtime", "--jobs", "200", "--policies", "srpt,rr"]))  # doctest: +ELLIPSIS
    schedkit flowtime: 200 jobs, 200 operations (generated: load 0.9, sizes exponential, ops single, seed 0), 1 machine
    ...
    srpt ...
    rr ...
    <BLANKLINE>
    2 policies in ... s
    0
    """
    jobs, desc = _load_jobs(args)
    policies = _split_policies(args.policies, jobs)
    start = time.perf_counter()
    rows = _compare(jobs, policies, args.machines, validate=args.validate, time_limit=args.time_limit)
    lb = jobs.lower_bound(machines=args.machines)
    if args.json:
        out = {
            "workload": desc,
            "n": jobs.n,
            "operations": int(jobs.values.shape[0]),
            "machines": args.machines,
            "lower_bound": lb,
            "seconds": time.perf_counter() - start,
            "policies": rows,
        }
        print_json(out)
        return 0
    source = (
        f"file {desc['trace']}"
        if "trace" in desc
        else (
            f"generated: load {args.load:g}, sizes {args.sizes}, ops {args.ops}"
            + (f", weights {args.weights}" if args.weights else "")
            + f", seed {args.seed}"
        )
    )
    print(
        f"schedkit flowtime: {jobs.n:,} jobs, {jobs.values.shape[0]:,} operations ({source}), "
        f"{args.machines} machine{'s' if args.machines != 1 else ''}"
    )
    bound = "SRPT, the optimum on one machine" if args.machines == 1 else "max(SRPT at speed m, sum of sizes)"
    print(f"lower bound on the total flow time: {lb:,.2f} ({bound}); ratio = total flow / lower bound\n")
    print(_table(rows))
    print(
        f"\n{len(rows)} policies in {time.perf_counter() - start:.2f} s"
        + (", every schedule validated" if args.validate else "")
    )
    return 0


def demo_section() -> tuple[str, list[dict[str, Any]]]:
    """The demo's flow-time section: every built-in policy on 20,000 gradually revealed jobs
    (geometric number of operations, mean 3, exponential sizes) at load 0.9 on one machine, each
    schedule validated.

    Returns
    -------
    text : str
        Heading and table, ready to print.
    rows : list of dict
        One per policy: its summary figures (``policy``, ``total_flow_time``, ``ratio``, ...).

    Examples
    --------
    >>> text, rows = demo_section()
    >>> min(r["ratio"] for r in rows)
    1.0
    """
    d = DEMO
    jobs = flowtime.generate(
        d["n"], load=d["load"], sizes=d["sizes"], ops=d["ops"], distortion=d["distortion"], seed=d["seed"]
    )
    rows = _compare(jobs, list(flowtime.POLICIES), 1, validate=True)
    keep = [
        "policy",
        "information",
        "total_flow_time",
        "mean_flow_time",
        "p99_flow_time",
        "mean_stretch",
        "ratio",
        "seconds",
    ]
    rows = [
        {k: r[k] for k in keep}
        | {"finished": r["finished"], "max_flow_time": r["max_flow_time"], "events": r["events"]}
        for r in rows
    ]
    lb = jobs.lower_bound(machines=1)
    text = (
        f"Online flow time with gradually revealed jobs: {jobs.n:,} jobs at load {d['load']}, "
        f"{jobs.values.shape[0]:,} operations (geometric count, mean 3; exponential sizes; each size revealed "
        f"when the previous operation completes), one machine.\n"
        f"ratio = total flow time / {lb:,.0f}, SRPT's total, which is optimal; sprpt uses estimates within "
        f"distortion {d['distortion']:g}; chunk is our virtual-chunk rule.\n\n" + _table(rows)
    )
    return text, rows
