"""schedkit.dag.random_dag: the parameters of the HEFT paper's generator."""

from __future__ import annotations

import numpy as np
import pytest

from schedkit import dag
from schedkit.exceptions import InvalidInstanceError


def test_random_dag_parameters():
    g, plat = dag.random_dag(400, processors=5, alpha=0.5, out_degree=2, ccr=5.0, beta=1.0, mean_cost=20, seed=3)
    g2, plat2 = dag.random_dag(400, processors=5, alpha=0.5, out_degree=2, ccr=5.0, beta=1.0, mean_cost=20, seed=3)
    assert np.array_equal(g.src, g2.src) and np.array_equal(plat.cost, plat2.cost)
    assert g.num_tasks == 400 and plat.cost.shape == (400, 5)
    assert g.data.mean() / plat.cost.mean() == pytest.approx(5.0)
    assert np.all(g.levels[g.entries] == 0) and np.all(g.levels[g.dst] == g.levels[g.src] + 1)
    # alpha 0.5: mean width sqrt(400) * 0.5 = 10, so about 40 levels.
    assert 25 <= g.levels.max() + 1 <= 60
    spread = plat.cost.max(axis=1) / np.maximum(plat.cost.min(axis=1), 1e-12)
    assert spread.max() <= 3.0 + 1e-9  # beta = 1: costs within [0.5, 1.5] x the task mean
    wide, _ = dag.random_dag(400, alpha=2.0, seed=3)
    assert wide.levels.max() < g.levels.max()
    with pytest.raises(InvalidInstanceError) as err:
        dag.random_dag(10, beta=3.0)
    assert err.value.field == "beta"
    with pytest.raises(InvalidInstanceError):
        dag.random_dag(-1)
