"""schedkit.flowtime plots: ECDFs of flow times and stretches, returning the Figure, drawn on
a given Axes, on a new pyplot figure, or saved to a file without touching pyplot."""

from __future__ import annotations

import pytest

from schedkit.flowtime import generate, plot_ecdf, simulate

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


def test_plot_to_a_file_leaves_pyplot_alone(runs, tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close("all")
    path = tmp_path / "ecdf.png"
    fig = plot_ecdf(list(runs), path=path, logx=False)
    assert path.stat().st_size > 0
    assert isinstance(fig, Figure) and plt.get_fignums() == []  # a standalone Figure, no pyplot state
    assert fig.axes[0].get_xscale() == "linear" and fig.axes[0].get_xlabel() == "flow time (time units of the jobs)"
    assert fig.axes[0].get_title().startswith("flow time ECDF: ")


def test_plot_on_a_given_axes(runs, tmp_path):
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    srpt, rr = runs
    fig = rr.plot(srpt, ax=ax, path=tmp_path / "on_ax.svg")
    assert fig is ax.figure
    assert [line.get_label() for line in ax.get_lines()] == ["rr", "srpt"]
    assert (tmp_path / "on_ax.svg").read_text().lstrip().startswith("<?xml")


def test_log_axis_labels_only_powers_of_ten(tmp_path):
    pytest.importorskip("matplotlib")
    from schedkit.flowtime import generate, plot_ecdf, simulate

    jobs = generate(300, load=0.9, seed=1)
    fig = plot_ecdf([simulate(jobs, policy="srpt")], path=tmp_path / "log.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    fig.canvas.draw()
    minor = [t.get_text() for t in ax.get_xticklabels(minor=True)]
    assert all(text == "" for text in minor)  # unlabelled minor ticks: nothing overlaps
