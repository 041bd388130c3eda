"""``compare``: several methods on several instances, as one flat Arrow table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from schedkit.exceptions import InvalidInstanceError
from schedkit.tardiness._model import Instance
from schedkit.tardiness._solve import solve

#: The columns of :func:`compare`, in order.
COLUMNS: tuple[str, ...] = (
    "instance",
    "n",
    "method",
    "objective",
    "known",
    "gap_to_known_pct",
    "lower_bound",
    "proven_gap_pct",
    "optimal",
    "seconds",
)


def gap_to_known(ours: float, known: float) -> float | None:
    """100 (ours - known) / known, in %; 0 when both are 0; None when known is 0 and ours is
    not (no relative gap). Divided before it is scaled, so a huge ``known`` stays finite.

    Examples
    --------
    >>> gap_to_known(110.0, 100.0), gap_to_known(0.5, 1e308), gap_to_known(3.0, 0.0)
    (10.0, -100.0, None)
    """
    if known == 0:
        return 0.0 if ours == 0 else None
    return 100.0 * ((ours - known) / known)


def compare(
    instances: Sequence[Instance],
    *,
    methods: Sequence[str] = ("mddc", "exact"),
    known: Any = None,
    improve: str | None = None,
    time_limit: float | None = None,
    memory_limit: int | None = None,
) -> Any:
    """Solves every instance with every method; one row per (instance, method).

    Every result is validated independently before it becomes a row.

    Parameters
    ----------
    instances : sequence of Instance
    methods : sequence of str
        Method names as :func:`~schedkit.tardiness.solve` takes them (case-insensitive).
    known : array_like of float, optional
        A known optimum (or best known value) per instance, e.g. from
        :func:`~schedkit.tardiness.read_orlib_values`; same length as ``instances``.
    improve, time_limit, memory_limit
        Passed to :func:`~schedkit.tardiness.solve`.

    Returns
    -------
    pyarrow.Table
        Columns :data:`COLUMNS`: ``objective`` is ours; ``known`` and ``gap_to_known_pct``
        (100 (ours - known) / known; 0 when both are 0) are null without ``known``;
        ``lower_bound`` and ``proven_gap_pct`` are null where the method proves no bound.

    Raises
    ------
    InvalidInstanceError
        An element that is not an Instance, a ``known`` of the wrong length or with a
        negative or non-finite value, or what :func:`~schedkit.tardiness.solve` raises.

    Examples
    --------
    >>> import schedkit as sk
    >>> from schedkit.data import path
    >>> insts = sk.tardiness.read_orlib(path("wt40.txt"), 40)[:2]
    >>> opt = sk.tardiness.read_orlib_values(path("wtopt40.txt"))[:2]
    >>> t = compare(insts, methods=["MDD", "exact"], known=opt)
    >>> t.column("method").to_pylist(), t.column("gap_to_known_pct").to_pylist()[1::2]
    (['mdd', 'exact', 'mdd', 'exact'], [0.0, 0.0])
    >>> t.column("lower_bound").to_pylist()[0] is None
    True
    """
    import pyarrow as pa  # a dependency, imported on first use: it is slow to import

    for name, given in (("instances", instances), ("methods", methods)):
        if not isinstance(given, str) and not hasattr(given, "__iter__"):
            raise InvalidInstanceError(f"{name}: expected a sequence, got {given!r}", field=name)
    instances = list(instances)
    for k, inst in enumerate(instances):
        if not isinstance(inst, Instance):
            raise InvalidInstanceError(
                f"instances[{k}]: expected schedkit.tardiness.Instance, got {type(inst).__name__}",
                field="instances",
                index=k,
            )
    if isinstance(methods, str):
        methods = [methods]
    ref: np.ndarray | None = None
    if known is not None:
        try:
            ref = np.asarray(known)
        except (TypeError, ValueError):
            raise InvalidInstanceError("known: expected numbers, one per instance", field="known") from None
        if ref.dtype.kind not in "iuf":  # not bools or bytes: True as an optimum is a bug
            raise InvalidInstanceError(f"known: expected numbers, got dtype {ref.dtype}", field="known")
        ref = ref.astype(np.float64).reshape(-1)
        if ref.shape[0] != len(instances):
            raise InvalidInstanceError(f"known: {ref.shape[0]} values for {len(instances)} instances", field="known")
        bad = np.flatnonzero(~np.isfinite(ref) | (ref < 0))
        if bad.size:
            i = int(bad[0])
            raise InvalidInstanceError(f"known[{i}]: must be finite and >= 0, got {ref[i]}", field="known", index=i)
    rows: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for k, inst in enumerate(instances):
        for method in methods:
            res = solve(inst, method=method, improve=improve, time_limit=time_limit, memory_limit=memory_limit)
            res.validate()
            kv = None if ref is None else float(ref[k])
            to_known = None if kv is None else gap_to_known(res.objective, kv)
            gap = res.gap
            rows["instance"].append(inst.name or str(k))
            rows["n"].append(inst.n)
            rows["method"].append(res.method)
            rows["objective"].append(res.objective)
            rows["known"].append(kv)
            rows["gap_to_known_pct"].append(to_known)
            rows["lower_bound"].append(res.lower_bound)
            rows["proven_gap_pct"].append(None if gap is None else 100.0 * gap)
            rows["optimal"].append(res.optimal)
            rows["seconds"].append(res.elapsed)
    schema = pa.schema(
        [
            ("instance", pa.string()),
            ("n", pa.int64()),
            ("method", pa.string()),
            ("objective", pa.float64()),
            ("known", pa.float64()),
            ("gap_to_known_pct", pa.float64()),
            ("lower_bound", pa.float64()),
            ("proven_gap_pct", pa.float64()),
            ("optimal", pa.bool_()),
            ("seconds", pa.float64()),
        ]
    )
    return pa.table(rows, schema=schema)
