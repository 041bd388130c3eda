"""Hypothesis strategies for schedkit's instance types.

Needs hypothesis (the ``test`` extra). Every strategy draws small instances that the exact
solvers and brute force can check quickly, and shrinks towards fewer, shorter jobs.

Examples
--------
>>> from hypothesis import given
>>> from schedkit.testing.strategies import tardiness_instances
>>> @given(tardiness_instances(max_n=5))
... def test_n(inst):
...     assert 0 <= inst.n <= 5
>>> test_n()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from schedkit.testing._args import checked, count
from schedkit.testing._dag import dag_instances, dag_job_streams, dag_platforms, dag_task_graphs
from schedkit.testing._flowtime import flowtime_jobs
from schedkit.testing._packing import constrained_clusters, packing_clusters
from schedkit.testing._tardiness import tardiness_instances
from schedkit.testing._trace import traces

__all__ = [
    "dag_instances",
    "dag_job_streams",
    "dag_platforms",
    "dag_task_graphs",
    "flowtime_jobs",
    "constrained_clusters",
    "packing_clusters",
    "permutation_batches",
    "permutations_of",
    "tardiness_instances",
    "traces",
]


@checked({"n": count()})
def permutations_of(n: int) -> st.SearchStrategy[np.ndarray]:
    """A permutation of 0..n-1 as a 1-D int64 array."""
    return st.permutations(list(range(n))).map(lambda perm: np.asarray(perm, dtype=np.int64).reshape(n))


@checked({"n": count(), "max_rows": count(), "min_rows": count()}, [("min_rows", "max_rows")])
def permutation_batches(n: int, max_rows: int = 16, min_rows: int = 0) -> st.SearchStrategy[np.ndarray]:
    """A (B, n) int64 array whose rows are permutations of 0..n-1, ``min_rows <= B <= max_rows``."""
    return st.lists(permutations_of(n), min_size=min_rows, max_size=max_rows).map(
        lambda rows: np.asarray(rows, dtype=np.int64).reshape(len(rows), n)
    )
