"""A sweep's runs: checking their shape, expanding grids, and the two hashes every run gets.

A run is a mapping with an ``area`` and that area's parameters. Its **key** hashes (the sweep
seed, the area, every parameter): it names the run's Parquet part in an output folder, so a
rerun finds what is done. Its **seed** hashes (the sweep seed, the area, the parameters that
shape the random instance, the run's ``seed`` parameter, the replicate): every policy or
algorithm compared on one instance sees the same random draws (common random numbers), and
no seed depends on the backend, the worker count or the order of the runs.

Both hashes are SHA-256 over the canonical JSON of their inputs (sorted keys, no spaces), so
they are the same on every machine and Python version.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schedkit._arrays import is_sequence
from schedkit._names import resolve_name
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._areas import AREAS

__all__ = ["Run", "absolute_files", "canonical", "grid", "prepare", "run_key", "run_seed"]

#: Bumped if what a key covers ever changes, so old output folders are not mistaken as done.
KEY_VERSION = 1


@dataclass(frozen=True)
class Run:
    """One checked run of a sweep: its position, area, canonical parameters, key and seed."""

    index: int
    area: str
    params: dict[str, Any]
    key: str
    seed: int


def _bad(where: str, message: str, index: int | None = None, field: str | None = None) -> InvalidInstanceError:
    return InvalidInstanceError(f"{where}: {message}", field=field or where, index=index)


def canonical(value: Any, where: str) -> Any:
    """``value`` as plain JSON data: numbers, strings, booleans, None, lists, str-keyed dicts.

    NumPy scalars become Python numbers, tuples and ranges lists, paths strings; anything else
    is an error naming ``where``.

    Examples
    --------
    >>> canonical((1, np.float64(2.5), range(2)), "x")
    [1, 2.5, [0, 1]]
    >>> canonical({1, 2}, "runs[0].policy")
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: runs[0].policy: a parameter is a number, string, bool, None, list or mapping, got set
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise _bad(where, f"mapping keys are strings, got {k!r}")
            out[k] = canonical(v, f"{where}[{k!r}]")
        return out
    raise _bad(where, f"a parameter is a number, string, bool, None, list or mapping, got {type(value).__name__}")


def _digest(payload: Any) -> bytes:
    # allow_nan: a NaN parameter hashes as the token NaN (stable); the area rejects it later
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).digest()


def run_key(area: str, params: Mapping[str, Any], sweep_seed: int) -> str:
    """The run's identity: 16 hex digits of SHA-256 over (version, sweep seed, area, params).

    Examples
    --------
    >>> run_key("dag", {"algorithm": "heft", "tasks": 50}, 0) == run_key("dag", {"tasks": 50, "algorithm": "heft"}, 0)
    True
    >>> run_key("dag", {"algorithm": "heft", "tasks": 50}, 0) == run_key("dag", {"algorithm": "heft", "tasks": 50}, 1)
    False
    """
    return _digest({"v": KEY_VERSION, "sweep_seed": sweep_seed, "area": area, "params": dict(params)}).hex()[:16]


def run_seed(area: str, params: Mapping[str, Any], sweep_seed: int) -> int:
    """The seed the run passes to its area: the first 63 bits of SHA-256 over (sweep seed,
    area, the run's ``seed`` parameter (default 0), the area's instance parameters).

    Examples
    --------
    >>> a = run_seed("flowtime", {"policy": "srpt", "jobs": 100, "load": 0.9}, 0)
    >>> a == run_seed("flowtime", {"policy": "rr", "jobs": 100, "load": 0.9}, 0)  # same instance
    True
    >>> a == run_seed("flowtime", {"policy": "srpt", "jobs": 100, "load": 0.9, "seed": 1}, 0)
    False
    >>> 0 <= a < 2**63
    True
    """
    spec = AREAS[area]
    instance = {k: params[k] for k in spec.instance if k in params}
    payload = {"sweep_seed": sweep_seed, "area": area, "seed": params.get("seed", 0), "instance": instance}
    return int.from_bytes(_digest(payload)[:8], "big") >> 1


def _integer(value: Any, where: str, index: int | None = None, field: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _bad(where, f"expected an integer, got {value!r}", index, field)
    return int(value)


def _check(i: int, run: Any) -> tuple[str, dict[str, Any]]:
    """The area and canonical parameters of ``runs[i]``; names are matched case-insensitively."""
    where = f"runs[{i}]"
    if not isinstance(run, Mapping):
        raise _bad(where, f"a run is a mapping with an 'area' and its parameters, got {type(run).__name__}", i, "runs")
    if "area" not in run:
        raise _bad(f"{where}.area", f"missing; one of {', '.join(AREAS)}", i, "area")
    area = run["area"]
    if area not in AREAS:  # the exact spelling needs no lookup (sweeps have many runs)
        try:
            area = resolve_name(f"{where}.area", area, AREAS)
        except InvalidInstanceError as exc:
            raise InvalidInstanceError(str(exc), field="area", index=i) from None
    spec = AREAS[area]
    params: dict[str, Any] = {}
    for name, value in run.items():
        if name == "area":
            continue
        if not isinstance(name, str):
            raise _bad(where, f"parameter names are strings, got {name!r}", i, "runs")
        known = name
        if name not in spec.params:
            try:
                known = resolve_name(f"{where}: {area} parameter", name, spec.params)
            except InvalidInstanceError as exc:
                raise InvalidInstanceError(str(exc), field=name, index=i) from None
        if known in params:
            raise _bad(f"{where}.{known}", "given twice", i, known)
        try:
            params[known] = canonical(value, f"{where}.{known}")
        except InvalidInstanceError as exc:
            raise InvalidInstanceError(str(exc), field=known, index=i) from None
    for name in spec.required:
        if name not in params:
            raise _bad(f"{where}.{name}", f"missing ({spec.params[name]})", i, name)
    for options in spec.one_of:
        given = [k for k in options if k in params]
        if len(given) != 1:
            what = "both" if len(options) == 2 else "several"
            raise _bad(
                f"{where}.{options[0]}",
                f"give exactly one of {', '.join(options)}, got {what + ' ' + ', '.join(given) if given else 'none'}",
                i,
                options[0],
            )
    for names in spec.together:
        given = [k for k in names if k in params]
        if given and len(given) < len(names):
            missing = next(k for k in names if k not in params)
            raise _bad(f"{where}.{missing}", f"missing: {', '.join(names)} go together", i, missing)
    for name, needs in spec.read_with.items():
        if name in params and needs not in params:
            raise _bad(
                f"{where}.{name}",
                f"read only by a run with {needs} ({spec.params[name]}); this run has none, so it would "
                "change nothing: remove it",
                i,
                name,
            )
    if "seed" in params:
        params["seed"] = _integer(params["seed"], f"{where}.seed", i, "seed")
    return area, params


def prepare(runs: Iterable[Mapping[str, Any]], sweep_seed: Any) -> list[Run]:
    """Checks every run and gives each its key and seed.

    Raises
    ------
    InvalidInstanceError
        Not a list of mappings, an unknown area or parameter (with a "did you mean"), a missing
        required parameter, a parameter the run would not read (``bandwidth`` for a generated
        DAG: :attr:`Area.read_with`), a value that is not plain data, a non-integer seed, or a
        run that repeats an earlier one; the message starts with ``runs[i]``, ``index`` is i.

    Examples
    --------
    >>> prepare([{"area": "DAG", "Algorithm": "heft", "tasks": 20}], 0)[0].params
    {'algorithm': 'heft', 'tasks': 20}
    >>> prepare([{"area": "dag", "algoritm": "heft", "tasks": 20}], 0)
    Traceback (most recent call last):
    ...
    schedkit.exceptions.InvalidInstanceError: runs[0]: dag parameter: unknown 'algoritm' (did you mean 'algorithm'?); choices: ...
    """
    seed = _integer(sweep_seed, "seed")
    if isinstance(runs, Mapping) or not is_sequence(runs):
        raise InvalidInstanceError("runs: expected a list of runs (mappings) or a grid", field="runs")
    out: list[Run] = []
    first: dict[str, int] = {}
    for i, run in enumerate(runs):
        area, params = _check(i, run)
        key = run_key(area, params, seed)
        if key in first:
            raise _bad(f"runs[{i}]", f"repeats runs[{first[key]}]", i, "runs")
        first[key] = i
        out.append(Run(i, area, params, key, run_seed(area, params, seed)))
    if not out:
        raise InvalidInstanceError("runs: the sweep has no runs", field="runs")
    return out


#: The most runs one grid expands to: each run is a dict and then a row of the result table,
#: and a sweep of a million runs is a cluster job given as several grids, not one typo.
MAX_GRID_RUNS = 1_000_000


def _choices(name: str, value: Any) -> list[Any]:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return [value.item()]  # a 0-d array is one value
    if isinstance(value, (list, tuple, range, np.ndarray)):
        values = list(value)
        if not values:
            raise InvalidInstanceError(f"grid: {name} has no values", field=name)
        return values
    if isinstance(value, (set, frozenset)):
        raise InvalidInstanceError(f"grid: {name}: give a list (a set has no order)", field=name)
    return [value]  # a scalar (or a mapping) is the one choice


def grid(*, area: str, **choices: Any) -> list[dict[str, Any]]:
    """Every combination of the given choices, as a list of runs for :func:`schedkit.sweep.run`.

    Parameters
    ----------
    area : str
        One of :data:`schedkit.sweep.AREAS`.
    **choices
        Parameter -> a list (or tuple, range) of values to sweep, or one value (a string,
        number, bool or mapping) kept fixed. A parameter whose value is itself a list
        (``processors=[1, 1.5, 2]``) is swept as a list of such lists:
        ``processors=[[1, 1.5, 2]]``.

    Returns
    -------
    list of dict
        One run per combination, the last parameter varying fastest (as
        :func:`itertools.product`). Grids add up with ``+``.

    Raises
    ------
    InvalidInstanceError
        An unknown area or parameter, an empty list of choices, or a run that breaks the
        area's rules (as :func:`schedkit.sweep.run` would say).

    Examples
    --------
    >>> import schedkit as sk
    >>> runs = sk.sweep.grid(area="fair", trace="google2011_wta_500s_hetero.csv",
    ...                      policy=["fifo", "uwfq"], partition=[False, True])
    >>> len(runs), runs[1]
    (4, {'area': 'fair', 'trace': 'google2011_wta_500s_hetero.csv', 'policy': 'fifo', 'partition': True})
    """
    if not isinstance(area, str):
        raise InvalidInstanceError(f"area: expected the name of one area, got {area!r}", field="area")
    names = list(choices)
    lists = [_choices(n, choices[n]) for n in names]
    count = math.prod(len(v) for v in lists)
    if count > MAX_GRID_RUNS:  # refused before the combinations are built
        raise InvalidInstanceError(
            f"grid: {count:,} combinations, over the {MAX_GRID_RUNS:,} one grid may hold", field="grid"
        )
    runs = [{"area": area, **dict(zip(names, combo))} for combo in itertools.product(*lists)]
    for i, r in enumerate(runs):
        _check(i, r)
    return runs


def absolute_files(area: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with every file parameter that names an existing path made absolute, so it
    still names the file in a worker whose working folder differs; bundled names stay names,
    resolved on the worker."""
    out = dict(params)
    for name in AREAS[area].files:
        value = out.get(name)
        if isinstance(value, str) and os.path.exists(value):
            out[name] = str(Path(value).resolve())
    return out
