"""Every optional import schedkit makes, in one place, each with one error naming its extra.

A missing optional package raises :class:`~schedkit.exceptions.SolverUnavailableError` (also an
``ImportError``) that says which ``pip install 'schedkit[extra]'`` brings it. Plotting never
switches the user's matplotlib backend: without a path we draw on pyplot's current backend
(the user's choice); for files we draw on a standalone ``Figure`` that needs no backend at all.
"""

from __future__ import annotations

import importlib
from typing import Any

from schedkit.exceptions import SolverUnavailableError

# module -> (extra that installs it, what needs it)
_EXTRAS = {
    "matplotlib": ("plot", "plotting"),
    "networkx": ("graph", "networkx graphs"),
    "ortools": ("cp", "the CP-SAT solver"),
    "yaml": ("k8s", "YAML manifests"),
    "cupy": ("gpu", "the GPU backend"),
    "ray": ("ray", "the Ray backend of schedkit.sweep"),
    "distributed": ("dask", "the Dask backend of schedkit.sweep"),
}


def require(module: str, purpose: str | None = None) -> Any:
    """Imports ``module`` (a dotted name under one of the optional packages) or raises.

    Parameters
    ----------
    module
        e.g. ``"networkx"`` or ``"ortools.sat.python.cp_model"``.
    purpose
        What needs it, for the message; defaults to the package's usual use.

    Raises
    ------
    SolverUnavailableError
        The package is not installed; the message names the extra that installs it.

    Examples
    --------
    >>> require("yaml").__name__  # doctest: +SKIP
    'yaml'
    """
    top = module.split(".", 1)[0]
    extra, default_purpose = _EXTRAS[top]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            # Ctrl-C inside a C extension's initialisation comes back as "initialization
            # failed" (pybind11): the user stopped the import, the package is there
            raise KeyboardInterrupt from exc
        raise SolverUnavailableError(
            f"{purpose or default_purpose} needs {top}: pip install 'schedkit[{extra}]' ({exc})"
        ) from None


def new_axes(rows: int = 1, *, standalone: bool, width: float = 10.0, height: float | None = None) -> list[Any]:
    """``rows`` stacked Axes, without switching the user's matplotlib backend.

    ``standalone=True`` (used when writing a file) draws on a ``matplotlib.figure.Figure`` that
    has no pyplot state and needs no backend; otherwise on a new pyplot figure on the user's
    current backend. Every ``plot()`` in schedkit returns ``axes[0].figure``.
    """
    require("matplotlib")
    size = (width, height if height is not None else 2.5 * rows)
    if standalone:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, layout="constrained")
        grid = fig.subplots(rows, 1, squeeze=False)
    else:
        plt = require("matplotlib.pyplot")
        fig, grid = plt.subplots(rows, 1, squeeze=False, figsize=size, layout="constrained")
    return [row[0] for row in grid]
