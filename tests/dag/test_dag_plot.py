"""schedkit.dag plots and optional dependencies."""

from __future__ import annotations

import sys

import pytest
from dag_cases import known

from schedkit import dag
from schedkit.exceptions import SolverUnavailableError


def test_optional_dependencies_missing(monkeypatch):
    g, plat = dag.random_dag(5, seed=0)
    s = dag.heft(g, plat)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SolverUnavailableError, match=r"schedkit\[plot\]"):
        s.plot()
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(SolverUnavailableError, match="networkx"):
        g.to_networkx()


def test_schedule_plot(tmp_path):
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert s.plot(ax=ax) is ax.figure
    assert len(ax.patches) == 10
    s.plot(path=tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 1000
