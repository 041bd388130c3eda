"""The ``schedkit pack`` command: place the pods of a manifest file (or a generated cluster)
with one method and print the plan and its summary, or (``--experiment``) reproduce the
"Priority Matters" comparison of the default scheduler against the CP-SAT fallback.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

from schedkit import _report, packing
from schedkit._optional import new_axes
from schedkit.cli._common import (
    FIGURE_SUFFIXES,
    add_json_flag,
    format_table,
    input_path,
    output_path,
    print_json,
    run_doc,
)
from schedkit.exceptions import InvalidInstanceError
from schedkit.experiments.packing import CP_FROM, PAPER_GRID, SMALL_GRID, plot_experiment, run_experiment
from schedkit.packing._io import MAX_PODS
from schedkit.packing._place import ARRIVALS

_EPILOG = """examples:
  schedkit pack cluster.yaml                      # the bundled cluster, default scheduler
  schedkit pack cluster.yaml --explain trainer-large
  schedkit pack --generate 8,4,2,1.0 --method kube --fallback cp --time-limit 1
  schedkit pack --experiment --plot priority.png
  schedkit pack cluster.yaml --report pack.html   # plan per node and pending pods, as HTML
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers the ``pack`` subcommand on ``subparsers``; returns its parser (``func``: :func:`run`)."""
    p = subparsers.add_parser(
        "pack",
        help="place Kubernetes pods on nodes (kube-scheduler simulation, bin-packing heuristics, CP-SAT)",
        description=textwrap.fill(
            "Place the pods of a Kubernetes manifest file (Node, Pod, Deployment/ReplicaSet, "
            "PriorityClass, PodDisruptionBudget; YAML or JSON; a bundled name such as cluster.yaml works "
            "anywhere) with the default scheduler's filters and scores (taints, node and pod affinity, "
            "topology spread, every resource) or another method, and print the plan, why pods stay "
            "pending, and the summary. --explain POD shows every node's filter outcome and scores for one "
            "pod. --experiment reproduces the 'Priority Matters' comparison of the default scheduler and "
            "the CP-SAT fallback.",
            width=88,
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_argument_group("input")
    src.add_argument("manifests", nargs="?", help="YAML or JSON manifest file (or a bundled name: cluster.yaml)")
    src.add_argument(
        "--generate",
        metavar="N,PPN,P,U",
        help="instead of a file, the paper's generator: nodes, pods per node, priorities, utilisation",
    )
    src.add_argument(
        "--lenient",
        action="store_true",
        help="warn about manifest fields that change scheduling but are not modelled, instead of failing",
    )
    src.add_argument(
        "--max-pods",
        type=int,
        default=MAX_PODS,
        help=f"most pods the manifests may expand to (default {MAX_PODS:,}, the generator's bound)",
    )
    meth = p.add_argument_group("method")
    meth.add_argument("--method", default="kube", choices=packing.METHOD_NAMES, help="placement method (default kube)")
    meth.add_argument(
        "--fallback",
        choices=["none", "cp", "always"],
        default="none",
        help="run the CP-SAT model when pods stay pending (cp) or always (default none)",
    )
    meth.add_argument("--time-limit", type=float, default=1.0, help="CP-SAT budget in seconds (default 1)")
    meth.add_argument(
        "--strategy",
        default="least",
        choices=["least", "most", "rtcr"],
        help="kube scoring: LeastAllocated, MostAllocated, RequestedToCapacityRatio",
    )
    meth.add_argument("--config", metavar="YAML", help="a KubeSchedulerConfiguration file (profiles, plugin weights)")
    meth.add_argument(
        "--seed",
        type=int,
        default=None,
        help="kube: random tie-break with this seed (default: deterministic, by node name)",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--explain", metavar="POD", help="per-node filter outcome and plugin scores for this pod (name or index)"
    )
    out.add_argument("--show-plan", action="store_true", help="print one row per pod, not only moved/placed ones")
    out.add_argument(
        "--report",
        metavar="HTML",
        help="also write one self-contained HTML report: the plan per node, pending pods with reasons, a figure",
    )
    add_json_flag(out, instead_of="tables")
    exp = p.add_argument_group("experiment")
    exp.add_argument("--experiment", action="store_true", help="run the paper's comparison (small grid by default)")
    exp.add_argument("--grid", choices=["small", "paper"], default="small", help="experiment grid")
    exp.add_argument("--scenarios", type=int, default=3, help="failing scenarios per grid cell (default 3)")
    exp.add_argument("--windows", default="1,10", help="CP windows in seconds (default 1,10)")
    exp.add_argument(
        "--arrival",
        choices=ARRIVALS,
        default="together",
        help="experiment: the default scheduler's pods queued together (default) or ReplicaSet by ReplicaSet, "
        "as the paper's runner creates them",
    )
    exp.add_argument(
        "--cp-from",
        choices=CP_FROM,
        default="pending",
        help="experiment: CP-SAT starts from every pod pending (default: certifies the true optimum) or from "
        "the default plan running, as the paper's solver (certifies: nothing better without disrupting "
        "higher-priority running pods)",
    )
    exp.add_argument("--plot", metavar="PNG", help="experiment: write the bar plot here (needs matplotlib)")
    p.set_defaults(func=run)
    return p


@run_doc
def run(args: argparse.Namespace) -> int:
    """Runs ``schedkit pack``; returns the exit code.

    The plan is validated independently before it is printed.

    {run_contract}

    Raises
    ------
    InvalidInstanceError
        No input, a malformed ``--generate``, or an invalid manifest.

    Examples
    --------
    >>> from schedkit.cli import build_parser
    >>> run(build_parser().parse_args(["pack", "--generate", "4,4,2,0.9", "--method", "ffd"]))  # doctest: +ELLIPSIS
    schedkit pack: 4 nodes, 16 pods, method ffd
    ...
    placed ...
    0
    """
    _check_inputs(args)
    if args.experiment:
        output_path("--plot", args.plot, FIGURE_SUFFIXES)  # before the run, not after it
        try:
            windows = [float(w) for w in args.windows.split(",") if w]
        except ValueError:
            raise InvalidInstanceError(
                f"--windows: expected comma-separated seconds, got {args.windows!r}", field="windows"
            ) from None
        res = run_experiment(
            PAPER_GRID if args.grid == "paper" else SMALL_GRID,
            scenarios=args.scenarios,
            windows=windows,
            arrival=args.arrival,
            cp_from=args.cp_from,
        )
        if args.plot:
            plot_experiment(res, path=args.plot)
            print(f"schedkit pack: wrote {args.plot}", file=sys.stderr)
        if args.json:
            print_json(res["summary"])
            return 0
        print(
            f"schedkit pack --experiment: {res['summary'][0]['scenarios'] if res['summary'] else 0} scenarios "
            f"where the deterministic default scheduler leaves pods pending (grid {args.grid})\n"
        )
        rows = [
            [
                f"{s['window_s']:g} s",
                s["scenarios"],
                f"{100 * s['improved']:.1f}%",
                f"{100 * s['certified_optimal']:.1f}%",
                f"{100 * s['unchanged']:.1f}%",
                "" if s["paper_improved"] is None else f">{100 * s['paper_improved']:.0f}%",
                "" if s["paper_certified_optimal"] is None else f">{100 * s['paper_certified_optimal']:.0f}%",
                s["mean_seconds"],
            ]
            for s in res["summary"]
        ]
        print(
            format_table(
                [
                    "window",
                    "scenarios",
                    "improved",
                    "certified opt",
                    "unchanged",
                    "paper improved",
                    "paper certified",
                    "mean s",
                ],
                rows,
            )
        )
        return 0
    if args.report is not None:  # checked before the run, so a typo does not cost the run
        output_path("--report", args.report, (".html",))
        _report.check_target(args.report)
    if args.generate:
        try:
            n, ppn, pr, u = args.generate.split(",")
            cluster = packing.generate(
                int(n), pods_per_node=int(ppn), priorities=int(pr), utilisation=float(u), seed=args.seed or 0
            )
        except ValueError as exc:
            raise InvalidInstanceError(f"--generate: expected N,PPN,P,U ({exc})", field="generate") from None
    elif args.manifests:
        cluster = packing.Cluster.from_manifests(
            input_path(args.manifests), strict=not args.lenient, max_pods=args.max_pods
        )
    else:
        raise InvalidInstanceError("pack: give a manifest file, --generate or --experiment", field="manifests")
    fallback = None if args.fallback == "none" else args.fallback
    options: dict[str, Any] = {"strategy": args.strategy}
    method = args.method
    if args.config:
        config = packing.read_config(input_path(args.config))
        options = config.place_options(cluster)
        if not config.preemption and method == "kube":
            method = "kube-nopreempt"  # the profile disables DefaultPreemption
    plan = packing.place(
        cluster,
        method=method,
        fallback=fallback,
        time_limit=args.time_limit,
        seed=args.seed,
        **options,
    )
    plan.validate()
    if args.explain is not None:
        pod: int | str = int(args.explain) if args.explain.isdigit() else args.explain
        table = packing.explain(cluster, pod, plan=plan, **options)
        if args.json:
            print_json(table.to_pylist())
            return 0
        print(
            f"schedkit pack --explain {table.schema.metadata[b'pod'].decode()}: against the {plan.method} plan, the pod taken out\n"
        )
        print(
            format_table(
                ["node", "filter", "reason", *(_short(p) for p in packing.SCORE_PLUGINS), "total"],
                [
                    [
                        row["name"],
                        row["filter"] or "pass",
                        row["reason"],
                        *(
                            f"{row[p + '.score']} ({row[p + '.raw']})" if row["feasible"] else "-"
                            for p in packing.SCORE_PLUGINS
                        ),
                        row["total"] if row["feasible"] else "-",
                    ]
                    for row in table.to_pylist()
                ],
            )
        )
        print("\nscores: normalised (raw); weights " + table.schema.metadata[b"weights"].decode())
        return 0
    summary = plan.summary()
    actions = plan.actions
    messages = plan.messages if plan.pending else [""] * cluster.num_pods
    if args.report is not None:
        source = args.manifests or f"generated {args.generate}"
        print(f"report written to {_write_report(args.report, source, cluster, plan, messages)}", file=sys.stderr)
    if args.json:
        summary["plan"] = [
            {
                "pod": cluster.pod_names[i],
                "priority": int(cluster.pod_priority[i]),
                "action": actions[i],
                "from": None if cluster.pod_node[i] < 0 else cluster.node_names[cluster.pod_node[i]],
                "to": None if plan.assignment[i] < 0 else cluster.node_names[plan.assignment[i]],
                "reason": messages[i] or None,
            }
            for i in range(cluster.num_pods)
        ]
        print_json(summary)
        return 0
    rows = []
    for i in range(cluster.num_pods):
        if not args.show_plan and actions[i] == "stay":
            continue
        rows.append(
            [
                cluster.pod_names[i],
                int(cluster.pod_priority[i]),
                actions[i],
                "-" if cluster.pod_node[i] < 0 else cluster.node_names[cluster.pod_node[i]],
                "-" if plan.assignment[i] < 0 else cluster.node_names[plan.assignment[i]],
                messages[i],
            ]
        )
    print(f"schedkit pack: {cluster.num_nodes} nodes, {cluster.num_pods} pods, method {plan.method}\n")
    if rows:
        print(format_table(["pod", "priority", "action", "from", "to", "why pending"], rows))
        print()
    tiers = ", ".join(
        f"p{k}: {v}/{int((cluster.pod_priority == int(k)).sum())}" for k, v in summary["placed_by_priority"].items()
    )
    srows: list[list[str | int]] = [
        ["placed", f"{plan.placed}/{cluster.num_pods}"],
        ["by priority", tiers],
        ["evictions", len(plan.evictions)],
        ["moves", len(plan.moves)],
        ["cpu utilisation", f"{100 * summary['cpu_utilisation']:.1f}%"],
        ["memory utilisation", f"{100 * summary['mem_utilisation']:.1f}%"],
        ["fragment rate", f"{summary['fragment_rate']:.3f}"],
    ]
    if plan.cp_ran:
        srows.append(["CP optimal (per tier)", ", ".join(f"p{k}: {v}" for k, v in plan.tier_optimal.items())])
        if plan.vs_heuristic is not None:
            srows.append(
                [
                    "vs " + str(plan.heuristic_method),
                    {1: "better", 0: "equal", -1: "worse (kept heuristic)"}[plan.vs_heuristic],
                ]
            )
    srows.append(["seconds", f"{plan.elapsed:.3f}"])
    print(format_table(["summary", "value"], srows))
    return 0


def _check_inputs(args: argparse.Namespace) -> None:
    """One input at a time: a manifest file, ``--generate`` or ``--experiment`` (the one run would
    otherwise ignore the others without a word), and at least one ``--scenarios``."""
    given = [
        name
        for name, value in (
            ("a manifest file", args.manifests),
            ("--generate", args.generate),
            ("--experiment", args.experiment),
        )
        if value
    ]
    if len(given) > 1:
        raise InvalidInstanceError(f"pack: {' and '.join(given)} exclude each other; give one", field="manifests")
    if args.scenarios < 1:
        raise InvalidInstanceError(f"--scenarios: must be >= 1, got {args.scenarios}", field="scenarios")


def _write_report(path: str, source: str, cluster: Any, plan: Any, messages: list[str]) -> Any:
    """The HTML report of a plan: header, the plan per node (its pods and requested shares),
    the pending pods with Kubernetes' reason, the summary, and the per-node fill figure."""
    cpu_share, mem_share = plan.node_utilisation
    on_node: list[list[str]] = [[] for _ in range(cluster.num_nodes)]
    for i, n in enumerate(plan.assignment):
        if n >= 0:
            on_node[int(n)].append(cluster.pod_names[i])
    nodes = {
        "node": list(cluster.node_names),
        "pods": [len(p) for p in on_node],
        "cpu requested %": [100 * float(x) for x in cpu_share],
        "memory requested %": [100 * float(x) for x in mem_share],
        "pods placed": [", ".join(p) for p in on_node],
    }
    waiting = [i for i in range(cluster.num_pods) if plan.assignment[i] < 0]
    pending = {
        "pod": [cluster.pod_names[i] for i in waiting],
        "priority": [int(cluster.pod_priority[i]) for i in waiting],
        "why pending": [messages[i] for i in waiting],
    }
    summary = {k: v for k, v in plan.summary().items() if not isinstance(v, (dict, list))}
    header = {
        "input": source,
        "nodes": cluster.num_nodes,
        "pods": cluster.num_pods,
        "method": plan.method,
        "placed": f"{plan.placed}/{cluster.num_pods}",
    }
    sections = [
        ("Plan per node", _report.table_html(nodes)),
        ("Pending pods", _report.table_html(pending) if waiting else "<p>none: every pod is placed</p>"),
        ("Summary", _report.table_html({"figure": list(summary), "value": list(summary.values())})),
    ]
    (ax,) = new_axes(standalone=True, width=8.0, height=3.5)
    plan.plot(ax=ax)
    sections.append(("Requested share per node", _report.figure_svg(ax.figure, prefix="nodes")))
    return _report.write(path, _report.page("schedkit pack", header, sections))


def _short(plugin: str) -> str:
    """Column titles short enough for a terminal."""
    return {
        "TaintToleration": "taint",
        "NodeAffinity": "nodeaff",
        "NodeResourcesFit": "fit",
        "PodTopologySpread": "spread",
        "InterPodAffinity": "podaff",
        "NodeResourcesBalancedAllocation": "balanced",
    }.get(plugin, plugin)
