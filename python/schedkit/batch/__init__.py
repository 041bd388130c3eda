"""Evaluate many candidate schedules of one instance at once, on the CPU or the GPU.

Each evaluator takes one instance of an area type and a batch of candidates, one per row:

- :func:`evaluate_sequences`: job sequences of a ``tardiness.Instance`` (single-machine
  objectives); :func:`random_restart_search` is a local search built on it.
- :func:`evaluate_dag_orders`: task orders of a ``dag.TaskGraph`` on a ``dag.Platform`` (list
  scheduling makespans); :func:`evaluate_dag_perturbed` and :func:`deadline_probability`: one
  fixed schedule under sampled durations (:func:`sample_duration_factors`).
- :func:`evaluate_flowtime_orders`: job orders of ``flowtime.Jobs`` (non-preemptive flow time).
- :func:`evaluate_packing`: pod-to-node assignments of a ``packing.Cluster`` (placed pods and
  fragmentation).

The instance arrays are validated once, when the instance is built; an evaluator checks only
what the call brings (the candidate rows, a fixed schedule, the options). Options are
keyword-only.

Three backends return the same numbers: ``"rust"`` (all CPU cores, GIL released; the CPU
default), ``"numpy"`` (the readable vectorised reference, written once against an array
namespace) and ``"cupy"`` (the same array code on a CUDA GPU, plus a RawKernel for single-machine
tardiness). ``device=`` takes ``"auto"`` (``"cupy"`` when CuPy imports and sees a GPU, else
``"rust"``), ``"rust"``, ``"numpy"``, ``"cupy"`` or ``"cuda"`` (the same as ``"cupy"``); the
environment variable ``SCHEDKIT_DEVICE`` overrides the default. ``"cupy"`` without a usable GPU
raises :class:`~schedkit.exceptions.DeviceUnavailableError` with the reason.

Candidate batches may be NumPy or CuPy arrays. Results live on the backend's device: CuPy
arrays from ``"cupy"``, NumPy arrays from ``"rust"`` and ``"numpy"`` (CuPy inputs are copied to
the host). Integer-valued data give identical results on every backend, real data agree to
about 1e-9 relative (the GPU sums in a different order). Batches too large for memory are
evaluated in row chunks (NumPy temporaries stay near 256 MB; CuPy chunks are sized from the free
GPU memory); ``max_chunk_rows`` caps the chunk size.

Examples
--------
>>> import numpy as np, schedkit as sk
>>> inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
>>> sk.batch.evaluate_sequences(inst, np.array([[2, 0, 1], [1, 0, 2]])).tolist()
[1.0, 8.0]
"""

from __future__ import annotations

from schedkit.batch._cuda import DEVICES
from schedkit.batch._dag import evaluate_dag_orders, evaluate_dag_perturbed
from schedkit.batch._flowtime import evaluate_flowtime_orders
from schedkit.batch._model import DeadlineEstimate
from schedkit.batch._packing import evaluate_packing
from schedkit.batch._sampling import DISTRIBUTIONS, deadline_probability, sample_duration_factors
from schedkit.batch._search import random_restart_search
from schedkit.batch._sequences import OBJECTIVES, evaluate_sequences

__all__ = [
    "OBJECTIVES",
    "DEVICES",
    "DISTRIBUTIONS",
    "DeadlineEstimate",
    "evaluate_sequences",
    "evaluate_dag_orders",
    "evaluate_dag_perturbed",
    "sample_duration_factors",
    "deadline_probability",
    "evaluate_flowtime_orders",
    "evaluate_packing",
    "random_restart_search",
]
