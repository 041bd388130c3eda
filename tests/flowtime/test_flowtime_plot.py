"""schedkit.flowtime plots: ECDFs of flow times and stretches, returning the Figure."""

from __future__ import annotations

import pytest

from schedkit.flowtime import generate, simulate

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def runs():
    jobs = generate(2000, load=0.9, ops="geometric:3", distortion=2.0, seed=2)
    return simulate(jobs, policy="srpt"), simulate(jobs, policy="rr")


def test_result_plot_returns_the_figure(runs, tmp_path):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    srpt, rr = runs
    fig = srpt.plot(rr, stretch=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["srpt", "rr"]
    assert ax.get_xlabel().startswith("stretch") and ax.get_xscale() == "log"
    fig.savefig(tmp_path / "ecdf.png")
    plt.close("all")
