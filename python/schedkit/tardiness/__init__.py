"""Single-machine total (weighted) tardiness: 1||ΣT_j and 1||Σw_jT_j.

Jobs run back to back from time 0 in the order of a sequence. Job j completes at C_j, is
tardy by T_j = max(0, C_j - d_j), and the objective is Σ w_j T_j (w_j = 1 when no weights
are given).

Examples
--------
>>> import schedkit as sk
>>> inst = sk.tardiness.Instance(p=[10, 11, 10, 10, 11, 10], d=[15, 11, 13, 11, 12, 11])
>>> res = sk.tardiness.solve(inst, method="mddc")
>>> res.sequence.tolist(), res.objective
([3, 5, 2, 0, 1, 4], 141.0)
>>> sk.tardiness.solve(inst, method="exact").optimal
True
"""

from __future__ import annotations

from schedkit.tardiness._compare import compare
from schedkit.tardiness._gen import ORLIB_FACTORS, generate_orlib
from schedkit.tardiness._io import read_orlib, read_orlib_values, read_sdt
from schedkit.tardiness._model import Instance, Result
from schedkit.tardiness._solve import EXACT_METHODS, IMPROVEMENTS, METHODS, solve

__all__ = [
    "Instance",
    "Result",
    "solve",
    "METHODS",
    "EXACT_METHODS",
    "IMPROVEMENTS",
    "compare",
    "generate_orlib",
    "ORLIB_FACTORS",
    "read_orlib",
    "read_orlib_values",
    "read_sdt",
]
