"""Sweeps: many runs of any area (policies x traces x seeds, algorithms x workflows x platforms,
...) in one call, on local threads, processes, a Ray cluster or a Dask cluster, resumable,
with one Arrow table out.

A run is a mapping with an ``area`` (:data:`AREAS`: ``fair``, ``dag``, ``flowtime``,
``packing``, ``tardiness``) and that area's parameters; :func:`grid` builds every combination
of lists of them. :func:`run` computes the runs on a backend (:data:`BACKENDS`) and returns a
:class:`pyarrow.Table`: the parameters as columns, the metrics as flat columns, the wall time,
and an error column (a failing run is recorded; the sweep goes on). With ``out=DIR`` each
finished run is written as a Parquet part named by the hash of its parameters, a rerun
computes only what is missing, and :func:`load` reads the folder back. Each run's seed is
derived from the sweep seed and the run's instance parameters, so the table is the same on
every backend, worker count and order. :func:`read_grid` reads a sweep written in YAML, as
``schedkit sweep grid.yaml`` does. :func:`report` writes the results as one self-contained
HTML file (the comparison table and a figure per area), as ``schedkit sweep --report`` does.

Runs that share an input are computed together: fair replays of one trace go through one
:func:`schedkit.fair.replay_many` pass; the algorithms of a DAG, flow-time or packing sweep
share each generated or loaded instance; tardiness methods share the instance file.

Examples
--------
>>> import schedkit as sk
>>> runs = sk.sweep.grid(area="fair", trace="google2011_wta_500s_hetero.csv",
...                      policy=["fifo", "uwfq"], partition=[False, True])
>>> t = sk.sweep.run(runs, workers=2)
>>> t.select(["policy", "partition"]).to_pylist()[1]
{'policy': 'fifo', 'partition': True}
>>> t.column("mean_response_time")[0].as_py() > t.column("mean_response_time")[3].as_py()
True
"""

from __future__ import annotations

from schedkit.sweep._areas import AREAS
from schedkit.sweep._backends import BACKENDS
from schedkit.sweep._html import report
from schedkit.sweep._io import read_grid
from schedkit.sweep._run import run
from schedkit.sweep._spec import grid
from schedkit.sweep._table import load

__all__ = ["run", "grid", "load", "read_grid", "report", "AREAS", "BACKENDS"]
