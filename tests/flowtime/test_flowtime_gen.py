"""schedkit.flowtime.generate: seeded, hits the target load, every distribution."""

from __future__ import annotations

import numpy as np
import pytest

from schedkit.exceptions import InvalidInstanceError
from schedkit.flowtime import generate


def test_generators_are_seeded_and_hit_the_load():
    a = generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=7)
    b = generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=7)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.release, b.release)
    assert not np.array_equal(a.values, generate(20_000, load=0.8, sizes="pareto:1.5", ops="uniform:4", seed=8).values)
    for sizes in ["exponential", "lognormal:0.5", "constant"]:
        j = generate(50_000, load=0.9, machines=2, sizes=sizes, seed=1)
        assert j.load(machines=2) == pytest.approx(0.9, rel=0.05), sizes
        assert j.values.mean() == pytest.approx(1.0, rel=0.05)
    t = generate(1000, ops="test:2", seed=0)
    assert np.all(t.num_ops == 2) and np.all(t.values[0::2] == 2.0)
    g = generate(20_000, ops="geometric:3", weights="uniform:5", seed=0)
    assert g.num_ops.mean() == pytest.approx(3, rel=0.05) and set(np.unique(g.weight)) == {1, 2, 3, 4, 5}
    e = generate(1000, distortion=4.0, seed=0)
    ratio = e.size / e.estimate
    assert ratio.min() >= 0.5 - 1e-12 and ratio.max() <= 2 + 1e-12
    for bad in [{"sizes": "weird"}, {"ops": "fixed:1.5"}, {"load": -1}, {"ops": "geometric:0.5"}]:
        with pytest.raises(InvalidInstanceError):
            generate(10, **bad)
