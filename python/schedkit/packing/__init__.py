"""Priority-aware pod packing onto Kubernetes nodes.

A :class:`Cluster` holds nodes (allocatable cpu in millicores, memory in bytes, a pod limit)
and pods (requests, priority, higher = more important, and a current node or -1 pending).
:func:`place` computes a :class:`Plan` with one of :data:`METHOD_NAMES`:

* ``kube`` / ``kube-nopreempt``: the default kube-scheduler simulated pod by pod (Rust):
  PrioritySort queue; the filters NodeUnschedulable, TaintToleration, NodeAffinity,
  NodeResourcesFit, PodTopologySpread and InterPodAffinity; their scores with LeastAllocated
  (default), MostAllocated or RequestedToCapacityRatio plus BalancedAllocation in Kubernetes'
  integer arithmetic; ties broken by node name (``seed=None``, like the paper's
  ``MyDeterministicScore``) or at random with a seed (the real ``selectHost``); and
  DefaultPreemption (single-node victims, PodDisruptionBudgets, ``pickOneNodeForPreemption``).
  Simplifications: a preemptor binds at once to its nominated node; victims are recreated
  (ReplicaSet pods) and queued again; failed pods are retried after a preemption.
* ``ffd``, ``bfd``, ``first-fit``, ``best-fit``, ``worst-fit``, ``tetris`` (item-centric) and
  ``dot``, ``l2`` (bin-centric): vector bin-packing heuristics (Rust), tier by tier from the
  highest priority; running pods stay unless ``repack=True``.
* ``cp``: the lexicographic CP-SAT model of "Priority Matters" (OR-Tools, ``schedkit[cp]``).

``fallback="cp"`` (or ``True``) runs the CP model when the chosen method leaves a pod pending,
the paper's PostFilter plug-in behaviour; ``fallback="always"`` runs it regardless. The CP plan
is kept only when it is lexicographically at least as good (placed pods per priority, highest
first); the plan records per-tier proven optimality and the comparison.

:func:`vm_reschedule` moves a few running pods to cut the fragment rate; :func:`generate`
draws clusters of the paper's generator, and :mod:`schedkit.experiments.packing` runs the
paper's comparison on them.

Examples
--------
>>> import schedkit as sk
>>> c = sk.packing.Cluster([2000, 2000], [4 << 30, 4 << 30], [1500, 1500, 1000],
...                        [1 << 30, 1 << 30, 1 << 30], [1, 1, 2])
>>> plan = sk.packing.place(c, method="kube")
>>> plan.assignment.tolist(), plan.placed_by_priority
([1, -1, 0], {2: 1, 1: 1})
"""

from __future__ import annotations

from schedkit.packing._config import SchedulerConfig, read_config
from schedkit.packing._gen import generate
from schedkit.packing._io import cpu_millis, format_quantity, int_value, parse_quantity
from schedkit.packing._model import Cluster, Plan, VMPlan, compare_lex
from schedkit.packing._options import SCORE_PLUGINS, pending_messages
from schedkit.packing._place import METHOD_NAMES, METHODS, explain, place
from schedkit.packing._reschedule import vm_reschedule

__all__ = [
    "Cluster",
    "Plan",
    "place",
    "explain",
    "pending_messages",
    "SCORE_PLUGINS",
    "read_config",
    "SchedulerConfig",
    "METHODS",
    "METHOD_NAMES",
    "compare_lex",
    "vm_reschedule",
    "VMPlan",
    "generate",
    "parse_quantity",
    "cpu_millis",
    "int_value",
    "format_quantity",
]
