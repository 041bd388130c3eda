"""The random layered DAG generator of the HEFT paper (Topcuoglu, Hariri & Wu 2002, §5.1)."""

from __future__ import annotations

from schedkit import _core
from schedkit._arrays import float_arg
from schedkit.dag._model import Platform, TaskGraph, _count, check_matrix_size

__all__ = ["random_dag"]


def random_dag(
    num_tasks: int,
    *,
    processors: int = 4,
    alpha: float = 1.0,
    out_degree: int = 3,
    ccr: float = 1.0,
    beta: float = 0.5,
    mean_cost: float = 50.0,
    seed: int = 0,
) -> tuple[TaskGraph, Platform]:
    """A random layered DAG with the parameters of the HEFT paper (Topcuoglu et al. 2002, §5.1).

    Level widths are drawn uniformly from 1..round(2α√v - 1) (mean α√v) until ``num_tasks`` (v)
    tasks are placed, so the height averages √v/α. Each task draws U{1..2·out_degree-1} distinct
    children in the next level (capped by its width), and a task left without a parent gets one
    from the level above. Costs: w̄_i ~ U[0, 2·mean_cost], w(i, j) ~ U[w̄_i(1 - β/2), w̄_i(1 + β/2)].
    Edge data ~ U[0, 1), then scaled so that mean data = ccr x mean cost exactly; the platform has
    bandwidth 1 and latency 0, so data is communication time.

    Parameters
    ----------
    num_tasks : int
        v, the number of tasks, >= 0.
    processors : int
        q, the number of processors, >= 1.
    alpha : float
        Shape, > 0 (α > 1: short and wide; α < 1: long and thin).
    out_degree : int
        Mean out-degree, >= 1.
    ccr : float
        Communication-to-computation ratio, >= 0.
    beta : float
        Heterogeneity in [0, 2].
    mean_cost : float
        w̄_DAG, the mean task cost.
    seed : int
        Seed in [0, 2**64): the same seed gives the same instance.

    Returns
    -------
    graph : TaskGraph
        Named ``"random v=<num_tasks> seed=<seed>"``.
    platform : Platform
        The cost matrix; bandwidth 1 and latency 0.

    Raises
    ------
    InvalidInstanceError
        A count or seed that is not a non-negative integer (``processors``, ``out_degree`` >= 1),
        or a parameter out of its range, naming the field. Sizes are bounded before anything
        is allocated: ``num_tasks`` and ``out_degree`` at most 2**24, ``num_tasks x processors``
        and ``processors x processors`` at most 2**27 entries.

    Examples
    --------
    >>> import schedkit as sk
    >>> g, plat = sk.dag.random_dag(100, processors=4, ccr=0.5, seed=1)
    >>> g.num_tasks, plat.cost.shape
    (100, (100, 4))
    >>> sk.dag.heft(g, plat).validate().slr >= 1
    True
    """
    num_tasks = _count(num_tasks, "num_tasks")
    processors = _count(processors, "processors", minimum=1)
    out_degree = _count(out_degree, "out_degree", minimum=1)
    seed = _count(seed, "seed", maximum=2**64 - 1)
    check_matrix_size(num_tasks, processors, "processors")
    check_matrix_size(processors, processors, "processors")
    src, dst, data, cost = _core.dag_random(
        int(num_tasks),
        int(processors),
        float_arg(alpha, "alpha"),
        int(out_degree),
        float_arg(ccr, "ccr"),
        float_arg(beta, "beta"),
        float_arg(mean_cost, "mean_cost"),
        int(seed),
    )
    graph = TaskGraph(src, dst, data, num_tasks=int(num_tasks), name=f"random v={num_tasks} seed={seed}")
    plat = Platform(cost=cost.reshape(int(num_tasks), int(processors)))
    return graph, plat
