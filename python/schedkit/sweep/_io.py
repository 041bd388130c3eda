"""Grid files: a sweep written down in YAML (or JSON), as ``schedkit sweep FILE`` reads it.

.. code-block:: yaml

    seed: 0                       # the sweep seed (optional, default 0)
    grids:                        # each grid: every combination of its lists
      - area: fair
        trace: google2011_wta_500s_hetero.csv
        policy: [fifo, ujf, uwfq]
        partition: [false, true]
      - area: dag
        workflow: epigenomics-chameleon-hep-1seq-100k-001.json
        algorithm: [heft, cpop, peft]
        processors: [[1, 1.5, 2, 3], 8]   # a list-valued parameter: a list of lists
    runs:                         # single runs, as they are
      - {area: tardiness, method: mddc, file: wt40.txt}

In a grid a list is the values to sweep and anything else one fixed value (as
:func:`schedkit.sweep.grid`). File parameters are paths from the working folder or names of
bundled files (``schedkit data`` lists them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from schedkit._files import JsonContentError, parse_json, read_text, strict_yaml_loader
from schedkit._optional import require
from schedkit.exceptions import InvalidInstanceError
from schedkit.sweep._spec import grid, prepare

__all__ = ["read_grid"]

#: The keys a grid file may hold at its top.
TOP = ("seed", "grids", "runs")
#: Grid files are small; anything larger is not one.
MAX_BYTES = 16 * 2**20


def _parse(path: str | os.PathLike[str]) -> Any:
    text = read_text(path, "grid", max_bytes=MAX_BYTES)
    if str(path).lower().endswith(".json"):
        try:
            return parse_json(text)
        except JsonContentError as exc:
            raise InvalidInstanceError(f"{path}: {exc}", field="grid") from None
        except RecursionError:
            raise InvalidInstanceError(f"{path}: nested too deeply to be a grid file", field="grid") from None
        except json.JSONDecodeError as exc:
            raise InvalidInstanceError(
                f"{path}: line {exc.lineno}: {exc.msg}", field="grid", index=exc.lineno
            ) from None
    yaml = require("yaml", "grid files in YAML")
    try:
        return yaml.load(text, Loader=strict_yaml_loader(yaml))
    except RecursionError:
        raise InvalidInstanceError(f"{path}: nested too deeply to be a grid file", field="grid") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f"line {line}: " if line is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInstanceError(f"{path}: {where}not valid YAML: {problem}", field="grid", index=line) from None


def read_grid(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], int]:
    """The runs and the sweep seed a grid file describes (see the module docs for its form).

    Parameters
    ----------
    path : str or path
        A ``.yaml``/``.yml`` file (needs PyYAML, ``schedkit[k8s]``, read with its safe
        loader) or a ``.json`` file.

    Returns
    -------
    runs : list of dict
        The grids' runs in order, then the single runs; pass them to :func:`schedkit.sweep.run`.
    seed : int
        The file's ``seed`` (default 0).

    Raises
    ------
    InvalidInstanceError
        A missing or unreadable file, invalid YAML/JSON (naming the line), an unknown top-level
        key, or a bad grid or run (naming ``grids[i]`` / ``runs[i]`` and the parameter).

    Examples
    --------
    >>> import schedkit as sk
    >>> runs, seed = sk.sweep.read_grid(sk.data.path("sweeps/example.yaml"))
    >>> sorted({r["area"] for r in runs}), seed
    (['dag', 'fair', 'flowtime', 'packing', 'tardiness'], 0)
    """
    doc = _parse(path)
    if not isinstance(doc, Mapping):
        raise InvalidInstanceError(f"{path}: expected a mapping with {', '.join(TOP)}", field="grid")
    unknown = [k for k in doc if k not in TOP]
    if unknown:
        raise InvalidInstanceError(
            f"{path}: unknown key {unknown[0]!r}; a grid file holds {', '.join(TOP)}", field=str(unknown[0])
        )
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInstanceError(f"{path}: seed: expected an integer, got {seed!r}", field="seed")
    runs: list[dict[str, Any]] = []
    for section in ("grids", "runs"):
        entries = doc.get(section, [])
        if entries is None:  # "grids:" with nothing after it
            entries = []
        if not isinstance(entries, list):
            raise InvalidInstanceError(f"{path}: {section}: expected a list", field=section)
        for i, entry in enumerate(entries):
            where = f"{path}: {section}[{i}]"
            if not isinstance(entry, Mapping) or "area" not in entry:
                raise InvalidInstanceError(f"{where}: expected a mapping with an 'area'", field=section, index=i)
            if not all(isinstance(k, str) for k in entry):
                bad = next(k for k in entry if not isinstance(k, str))
                raise InvalidInstanceError(f"{where}: parameter names are strings, got {bad!r}", field=section, index=i)
            try:
                if section == "grids":
                    runs += grid(**entry)
                else:
                    prepare([entry], seed)  # checked here, so the error names the file's entry
                    runs.append(dict(entry))
            except InvalidInstanceError as exc:
                raise InvalidInstanceError(f"{where}: {exc}", field=exc.field, index=i) from None
    if not runs:
        raise InvalidInstanceError(f"{path}: no grids and no runs", field="grid")
    return runs, seed
