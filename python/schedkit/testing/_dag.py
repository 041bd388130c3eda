"""Hypothesis strategies for :mod:`schedkit.dag`: one per instance type.

Re-exported by :mod:`schedkit.testing.strategies`. Graphs are small (the validator and plain
Python references check them quickly) and shrink towards fewer tasks, fewer edges and smaller
numbers.

Examples
--------
>>> from hypothesis import given
>>> import schedkit as sk
>>> from schedkit.testing.strategies import dag_instances
>>> @given(dag_instances(max_tasks=6))
... def test_heft_is_valid(inst):
...     graph, platform = inst
...     sk.dag.heft(graph, platform).validate()
>>> test_heft_is_valid()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from schedkit.dag import JobStream, Platform, TaskGraph
from schedkit.testing._args import checked, count, flag, maybe

__all__ = ["dag_task_graphs", "dag_platforms", "dag_instances", "dag_job_streams"]

#: Largest cost or data volume drawn.
VALUE_MAX = 20
#: Link bandwidths drawn (inf: an instantaneous link).
BANDWIDTHS = (0.5, 1.0, 2.0, np.inf)
#: Transfer latencies drawn.
LATENCIES = (0.0, 0.5, 3.0)


def _values(integer: bool) -> st.SearchStrategy[float]:
    """Costs and data volumes in [0, VALUE_MAX]: integral (many ties) or real."""
    if integer:
        return st.integers(0, VALUE_MAX).map(float)
    return st.floats(0, VALUE_MAX, allow_nan=False)


@checked({"min_tasks": count(), "max_tasks": count(), "integer": maybe(flag)}, [("min_tasks", "max_tasks")])
@st.composite
def dag_task_graphs(
    draw: st.DrawFn,
    min_tasks: int = 1,
    max_tasks: int = 12,
    integer: bool | None = None,
) -> TaskGraph:
    """A :class:`schedkit.dag.TaskGraph` of ``min_tasks`` to ``max_tasks`` tasks.

    Every pair of tasks gets an edge with probability 1/2, oriented along a random order of the
    ids (so edges run both ways in id order) and thus acyclic; several entries and exits and
    isolated tasks occur.

    Parameters
    ----------
    min_tasks, max_tasks : int
        Bounds on the number of tasks.
    integer : bool, optional
        ``True``: integral data volumes; ``False``: real ones; ``None`` (default): either.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[TaskGraph]

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(dag_task_graphs(max_tasks=5))
    ... def test_order(g):
    ...     assert sorted(g.topological_order.tolist()) == list(range(g.num_tasks))
    >>> test_order()
    """
    n = draw(st.integers(min_tasks, max_tasks))
    perm = draw(st.permutations(range(n)))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    edges = [(perm[a], perm[b]) for (a, b), k in zip(pairs, keep, strict=True) if k]
    if integer is None:
        integer = draw(st.booleans())
    data = draw(st.lists(_values(integer), min_size=len(edges), max_size=len(edges)))
    return TaskGraph([u for u, _ in edges], [v for _, v in edges], data, num_tasks=n)


def _links(draw: st.DrawFn, q: int) -> tuple[np.ndarray, list[float]]:
    """A (q, q) bandwidth matrix and q latencies, from BANDWIDTHS and LATENCIES."""
    bw = draw(st.lists(st.sampled_from(BANDWIDTHS), min_size=q * q, max_size=q * q))
    lat = draw(st.lists(st.sampled_from(LATENCIES), min_size=q, max_size=q))
    return np.reshape(bw, (q, q)), lat


@checked(
    {"num_tasks": count(), "min_processors": count(1), "max_processors": count(1), "integer": maybe(flag)},
    [("min_processors", "max_processors")],
)
@st.composite
def dag_platforms(
    draw: st.DrawFn,
    num_tasks: int,
    min_processors: int = 1,
    max_processors: int = 4,
    integer: bool | None = None,
) -> Platform:
    """A :class:`schedkit.dag.Platform` with a cost matrix for ``num_tasks`` tasks.

    Parameters
    ----------
    num_tasks : int
        Rows of the cost matrix (the task count of the graph it goes with).
    min_processors, max_processors : int
        Bounds on the number of processors.
    integer : bool, optional
        ``True``: integral costs in 0..20 (zero costs and ties included); ``False``: real
        ones; ``None`` (default): either.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[Platform]
        Bandwidths from 0.5 to ``inf`` (asymmetric), latencies 0 to 3.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(dag_platforms(3, max_processors=2))
    ... def test_shape(plat):
    ...     assert plat.num_tasks == 3 and 1 <= plat.num_processors <= 2
    >>> test_shape()
    """
    q = draw(st.integers(min_processors, max_processors))
    if integer is None:
        integer = draw(st.booleans())
    cost = draw(st.lists(_values(integer), min_size=num_tasks * q, max_size=num_tasks * q))
    bw, lat = _links(draw, q)
    return Platform(cost=np.reshape(cost, (num_tasks, q)), bandwidth=bw, latency=lat)


@checked({"max_tasks": count(1), "max_processors": count(1), "processors": maybe(count(1))})
@st.composite
def dag_instances(
    draw: st.DrawFn,
    max_tasks: int = 12,
    max_processors: int = 4,
    processors: int | None = None,
) -> tuple[TaskGraph, Platform]:
    """A ``(TaskGraph, Platform)`` pair of the same tasks: what every scheduler takes.

    Data volumes and costs are both integral (many ties) or both real.

    Parameters
    ----------
    max_tasks : int
        At least one task, at most ``max_tasks``.
    max_processors : int
        At most this many processors.
    processors : int, optional
        Exactly this many processors instead.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[tuple[TaskGraph, Platform]]

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(dag_instances(max_tasks=5, processors=1))
    ... def test_one_processor(inst):
    ...     g, plat = inst
    ...     assert plat.num_processors == 1 and g.num_tasks == plat.num_tasks
    >>> test_one_processor()
    """
    integer = draw(st.booleans())
    graph = draw(dag_task_graphs(1, max_tasks, integer=integer))
    low, high = (processors, processors) if processors is not None else (1, max_processors)
    platform = draw(dag_platforms(graph.num_tasks, low, high, integer=integer))
    return graph, platform


@checked({"max_jobs": count(), "max_templates": count(1), "max_tasks": count(1), "max_processors": count(1)})
@st.composite
def dag_job_streams(
    draw: st.DrawFn,
    max_jobs: int = 6,
    max_templates: int = 2,
    max_tasks: int = 6,
    max_processors: int = 3,
) -> JobStream:
    """A :class:`schedkit.dag.JobStream`: up to ``max_jobs`` jobs of up to ``max_templates``
    template DAGs on one platform.

    The templates share processors, bandwidths and latencies (as a stream requires) and have
    their own costs. Arrivals are integral times in 0..50 (so jobs often arrive together), in
    any order.

    Parameters
    ----------
    max_jobs : int
        0 to ``max_jobs`` jobs.
    max_templates : int
        1 to ``max_templates`` templates.
    max_tasks, max_processors : int
        Size of each template and of the platform.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[JobStream]

    Examples
    --------
    >>> from hypothesis import given
    >>> import schedkit as sk
    >>> @given(dag_job_streams(max_jobs=3))
    ... def test_online(stream):
    ...     sk.dag.simulate_online(stream).validate()
    >>> test_online()
    """
    q = draw(st.integers(1, max_processors))
    bw, lat = _links(draw, q)
    templates = []
    for _ in range(draw(st.integers(1, max_templates))):
        integer = draw(st.booleans())
        graph = draw(dag_task_graphs(1, max_tasks, integer=integer))
        n = graph.num_tasks
        cost = draw(st.lists(_values(integer), min_size=n * q, max_size=n * q))
        templates.append((graph, Platform(cost=np.reshape(cost, (n, q)), bandwidth=bw, latency=lat)))
    m = draw(st.integers(0, max_jobs))
    arrival = draw(st.lists(st.integers(0, 50).map(float), min_size=m, max_size=m))
    template = draw(st.lists(st.integers(0, len(templates) - 1), min_size=m, max_size=m))
    return JobStream(templates, arrival, template)
