"""Readers of ``schedkit.dag``: networkx graphs, WfCommons WfFormat JSON (schemas 1.4 and 1.5)
and Kasahara STG files. Public names are re-exported by :mod:`schedkit.dag`.

Every reader returns a ``(TaskGraph, Platform)`` pair; what describes the processors
(``processors``, ``bandwidth``, ``latency``) is keyword-only.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from schedkit._arrays import shown
from schedkit._files import JsonContentError, parse_json, read_text, text_lines
from schedkit._optional import require
from schedkit.dag._model import MAX_MATRIX_ENTRIES, MAX_TASKS, Platform, TaskGraph, _count
from schedkit.exceptions import InvalidInstanceError

__all__ = ["from_networkx", "from_wfcommons", "from_stg", "processor_speeds"]


def processor_speeds(processors: Any) -> npt.NDArray[np.float64]:
    """``processors`` as speed factors: an int q means q processors of speed 1.

    Raises
    ------
    InvalidInstanceError
        Fewer than one processor, or not a count or a 1-D list of numbers.
    """
    if isinstance(processors, (int, np.integer)) and not isinstance(processors, bool):
        return np.ones(_count(processors, "processors", minimum=1, maximum=math.isqrt(MAX_MATRIX_ENTRIES)))
    try:
        speeds = np.asarray(processors, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInstanceError(
            f"processors: expected a count or a list of speeds, got {processors!r}", field="processors"
        ) from None
    if speeds.ndim != 1 or speeds.size == 0:
        raise InvalidInstanceError("processors: expected a count or a non-empty list of speeds", field="processors")
    return speeds


# ----------------------------------------------------------------------------- networkx


def from_networkx(
    G: Any,
    *,
    data: str = "data",
    cost: str = "cost",
    processors: Any = None,
    bandwidth: Any = 1.0,
    latency: Any = 0.0,
) -> tuple[TaskGraph, Platform]:
    """A task graph and platform from a ``networkx.DiGraph``.

    Tasks are the nodes in ``G.nodes`` order, named ``str(node)``. Edge attribute ``data`` is
    the data volume (missing: 0). Node attribute ``cost`` is either a sequence of q times (one
    per processor: the cost matrix row) or a scalar work, divided by the speeds given by
    ``processors`` (a count, or a list of speeds).

    Parameters
    ----------
    G : networkx.DiGraph
    data : str
        Name of the edge attribute with the data volume.
    cost : str
        Name of the node attribute with the cost row or the work.
    processors : int or sequence of float, optional
        Only with scalar costs: a number of processors of speed 1, or one speed per processor.
    bandwidth : float or (q, q) array
        Link bandwidth (default 1).
    latency : float or (q,) array
        Startup time of each transfer (default 0).

    Returns
    -------
    graph : TaskGraph
    platform : Platform

    Raises
    ------
    InvalidInstanceError
        An undirected graph, a node without ``cost``, rows of different lengths, scalar costs
        without ``processors``, a cycle (named by node), or any error of TaskGraph/Platform.
    SolverUnavailableError
        networkx is not installed.

    Examples
    --------
    networkx is not a dependency of schedkit (``pip install 'schedkit[graph]'``):

    >>> import networkx as nx
    >>> import schedkit as sk
    >>> G = nx.DiGraph()
    >>> G.add_node("a", cost=[2, 100])
    >>> G.add_node("b", cost=[100, 3])
    >>> G.add_edge("a", "b", data=10)
    >>> g, plat = sk.dag.from_networkx(G)
    >>> g.names, plat.cost.tolist(), sk.dag.heft(g, plat).makespan
    (('a', 'b'), [[2.0, 100.0], [100.0, 3.0]], 15.0)
    """
    require("networkx")
    g = TaskGraph.from_networkx(G, data=data)
    nodes = list(G.nodes)
    values: list[Any] = []
    for k, node in enumerate(nodes):
        attrs = G.nodes[node]
        if cost not in attrs:
            found = ", ".join(repr(a) for a in attrs) or "none"
            raise InvalidInstanceError(
                f"cost: node {node!r} has no {cost!r} attribute (attributes found: {found}); "
                f"name the one holding the cost with cost=...",
                field="cost",
                index=k,
            )
        values.append(_cost_value(node, k, cost, attrs[cost]))
    scalar = [np.ndim(v) == 0 for v in values]
    if all(scalar):
        if processors is None:
            raise InvalidInstanceError(
                "processors: node costs are scalars (work); give processors= (a count or speeds)",
                field="processors",
            )
        plat = Platform(
            speed=processor_speeds(processors),
            work=np.asarray(values, dtype=np.float64),
            bandwidth=bandwidth,
            latency=latency,
        )
    elif not any(scalar):
        lengths = {len(v) for v in values if isinstance(v, list)}
        if len(lengths) != 1:
            raise InvalidInstanceError(f"cost: rows of different lengths {sorted(lengths)}", field="cost")
        if processors is not None:
            raise InvalidInstanceError(
                "processors: not used when node costs are per-processor rows", field="processors"
            )
        plat = Platform(cost=np.asarray(values, dtype=np.float64), bandwidth=bandwidth, latency=latency)
    else:
        raise InvalidInstanceError("cost: mixes scalar and per-processor costs", field="cost")
    return g, plat


def _cost_value(node: Any, k: int, cost: str, value: Any) -> float | list[float]:
    """A node's ``cost`` attribute: a number (work) or a non-empty flat sequence of numbers."""

    def number(x: Any) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
            raise InvalidInstanceError(
                f"cost: node {node!r} attribute {cost!r} must be a number or a list of numbers, got {value!r}",
                field="cost",
                index=k,
            )
        return float(x)

    if isinstance(value, (list, tuple, np.ndarray)):
        row = [number(x) for x in value] if not isinstance(value, np.ndarray) or value.ndim == 1 else None
        if not row:
            raise InvalidInstanceError(
                f"cost: node {node!r} attribute {cost!r} must be a number or a non-empty list of numbers, "
                f"got {value!r}",
                field="cost",
                index=k,
            )
        return row
    return number(value)


# ----------------------------------------------------------------------------- WfCommons


def _bad(path: Any, message: str, field: str) -> InvalidInstanceError:
    return InvalidInstanceError(f"{path}: {message}", field=field)


#: What the WfFormat readers extract, one entry per task: names, parent names, child names,
#: runtimes, and the sizes of the files each task writes and reads (keyed by file id).
_WfTasks = tuple[
    list[str], list[list[str]], list[list[str]], list[float], list[dict[str, float]], list[dict[str, float]]
]


def from_wfcommons(
    path: str | Path,
    *,
    processors: Any = 4,
    bandwidth: Any = 1e8,
    latency: Any = 0.0,
) -> tuple[TaskGraph, Platform]:
    """Reads a WfCommons workflow instance (WfFormat JSON, schema 1.5 or the older 1.4).

    - Tasks: ``workflow.specification.tasks`` keyed by ``id`` (1.5), or ``workflow.tasks`` keyed
      by ``name`` (1.4, where parents are given by name). Task names are kept.
    - Edges: every ``parents`` entry (and ``children`` where given), without duplicates.
    - Edge data: the total ``sizeInBytes`` of the files the parent writes and the child reads
      (0 when they share none).
    - The graph is named after the file (the instance's ``name`` field is often generic).
    - Work: ``runtimeInSeconds`` as recorded (1.5: ``workflow.execution.tasks``); the cost on a
      processor of speed s is runtime / s. Core counts are not modelled (a warning names any above 1).

    Parameters
    ----------
    path : path
    processors : int or sequence of float
        A number of processors of speed 1, or one speed factor per processor (e.g.
        ``[1, 1.5, 2, 3]``). Default 4.
    bandwidth : float or (q, q) array
        Bytes per second (default 1e8, i.e. 100 MB/s links).
    latency : float or (q,) array
        Seconds per transfer (default 0).

    Returns
    -------
    graph : TaskGraph
        Named after the file, tasks named by their WfCommons ids.
    platform : Platform
        Built from ``speed`` and ``work`` (runtimes).

    Raises
    ------
    InvalidInstanceError
        Not JSON, no task list, a task without a runtime, a parent or child that is not a task,
        a file id with no size, or a cycle; the message names the task or file.

    Examples
    --------
    >>> import schedkit as sk
    >>> from schedkit.data import path
    >>> g, plat = sk.dag.from_wfcommons(path("dag/epigenomics-chameleon-hep-1seq-100k-001.json"), processors=[1, 2])
    >>> g.num_tasks, g.num_edges, plat.num_processors
    (41, 48, 2)
    """
    doc = _load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("workflow"), dict):
        raise _bad(path, "no 'workflow' object: not a WfFormat instance", "workflow")
    wf = doc["workflow"]
    if "specification" in wf and "tasks" in wf:
        raise _bad(
            path, "both workflow.specification (1.5) and workflow.tasks (1.4): which to read is ambiguous", "workflow"
        )
    if isinstance(wf.get("specification"), dict):
        names, parents, children, runtime, outputs, inputs = _wf15(path, wf)
    elif isinstance(wf.get("tasks"), list):
        names, parents, children, runtime, outputs, inputs = _wf14(path, wf)
    else:
        raise _bad(path, "no workflow.specification.tasks (1.5) or workflow.tasks (1.4)", "workflow")
    if not names:
        raise _bad(path, "the workflow has no tasks", "tasks")
    _warn_multicore(path, wf)
    index = {name: k for k, name in enumerate(names)}
    edges: dict[tuple[int, int], None] = {}
    for k, name in enumerate(names):
        for parent in parents[k]:
            if parent not in index:
                raise _bad(path, f"task {name!r} has parent {parent!r}, which is not a task", "parents")
            edges[(index[parent], k)] = None
        for child in children[k]:
            if child not in index:
                raise _bad(path, f"task {name!r} has child {child!r}, which is not a task", "children")
            edges[(k, index[child])] = None
    pairs = list(edges)
    src = np.array([u for u, _ in pairs], dtype=np.int64)
    dst = np.array([v for _, v in pairs], dtype=np.int64)
    data = np.array([sum(size for f, size in outputs[u].items() if f in inputs[v]) for u, v in pairs], dtype=np.float64)
    try:
        graph = TaskGraph(src, dst, data, num_tasks=len(names), names=names, name=Path(path).stem)
    except InvalidInstanceError as exc:
        raise InvalidInstanceError(f"{path}: {exc}", field=exc.field, index=exc.index) from None
    plat = Platform(
        speed=processor_speeds(processors),
        work=np.asarray(runtime, dtype=np.float64),
        bandwidth=bandwidth,
        latency=latency,
    )
    return graph, plat


def _load_json(path: Any) -> Any:
    """The JSON document of ``path``; bounded in size, and in nesting depth (a deeply nested
    file raises RecursionError inside the json module, caught here)."""
    text = read_text(path)
    if not text.strip():
        raise InvalidInstanceError(f"{path}: empty file", field="line", index=0)
    try:
        return parse_json(text)
    except JsonContentError as exc:
        raise InvalidInstanceError(f"{path}: {exc}", field="line") from None
    except json.JSONDecodeError as exc:
        raise InvalidInstanceError(
            f"{path}: line {exc.lineno}: not JSON ({exc.msg})", field="line", index=exc.lineno
        ) from None
    except RecursionError:
        raise InvalidInstanceError(f"{path}: JSON nested too deeply to be a workflow", field="line") from None


def _number(path: Any, name: str, key: str, value: Any) -> float:
    """A finite number >= 0 (not a bool, not a string) for field ``key`` of task ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(path, f"task {name!r}: {key} must be a number, got {shown(value)}", key)
    try:
        out = float(value)
    except OverflowError:  # an integer past float's range
        out = math.inf
    if not (math.isfinite(out) and out >= 0):
        raise _bad(path, f"task {name!r}: {key} must be finite and >= 0, got {shown(value)}", key)
    return out


def _ids(path: Any, name: str, key: str, value: Any) -> list[str]:
    """A list of task or file ids (strings, or integers as some generators write them)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(path, f"task {name!r}: {key} must be a list of ids, got {value!r}", key)
    for x in value:
        if isinstance(x, bool) or not isinstance(x, (str, int)):
            raise _bad(path, f"task {name!r}: {key} must hold ids (strings), got {x!r}", key)
    return [str(x) for x in value]


def _records(path: Any, value: Any, where: str) -> list[dict[str, Any]]:
    """A list of JSON objects at ``where`` (missing: empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise _bad(path, f"{where} must be a list of objects", where.rsplit(".", 1)[-1])
    return value


def _runtime(path: Any, name: str, record: dict[str, Any]) -> float:
    for key in ("runtimeInSeconds", "runtime"):
        if key in record:
            return _number(path, name, key, record[key])
    found = ", ".join(repr(k) for k in record) or "none"
    raise _bad(
        path, f"task {name!r} has no 'runtimeInSeconds' or 'runtime' field (fields found: {found})", "runtimeInSeconds"
    )


#: What one WfFormat version says of one task: its runtime and the sizes of the files it
#: writes and reads (keyed by file id).
_TaskDetails = tuple[float, dict[str, float], dict[str, float]]


def _wf_tasks(
    path: Any, tasks: Any, name_keys: tuple[str, str], details: Callable[[str, dict[str, Any]], _TaskDetails]
) -> _WfTasks:
    """The columns of a WfFormat task list: each task's name (the first of ``name_keys`` it
    has), parents and children as in every version, and ``details(name, task)``."""
    names: list[str] = []
    parents: list[list[str]] = []
    children: list[list[str]] = []
    runtime: list[float] = []
    outputs: list[dict[str, float]] = []
    inputs: list[dict[str, float]] = []
    if len(tasks) > MAX_TASKS:
        raise _bad(path, f"{len(tasks):,} tasks is over the limit of {MAX_TASKS:,}", "tasks")
    for k, t in enumerate(tasks):
        if not isinstance(t, dict):
            raise _bad(path, f"task {k} is not an object", "tasks")
        name = t.get(name_keys[0], t.get(name_keys[1]))
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise _bad(path, f"task {k}: {name_keys[0]} must be a string, got {name!r}", name_keys[0])
        name = str(name)
        names.append(name)
        parents.append(_ids(path, name, "parents", t.get("parents")))
        children.append(_ids(path, name, "children", t.get("children")))
        seconds, out, inp = details(name, t)
        runtime.append(seconds)
        outputs.append(out)
        inputs.append(inp)
    _check_unique(path, names)
    return names, parents, children, runtime, outputs, inputs


def _warn_multicore(path: Any, wf: dict[str, Any]) -> None:
    """Names the core counts above 1 the model leaves out (each task's recorded runtime is
    its work on one processor): ``coreCount`` in 1.5's execution records, ``cores`` in 1.4."""
    execution = wf.get("execution")
    records = execution.get("tasks") if isinstance(execution, dict) else wf.get("tasks")
    counts: list[int | float] = []  # ints stay ints: one past float's range is still "more than one"
    for r in records or []:
        for key in ("coreCount", "cores"):
            value = r.get(key) if isinstance(r, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                counts.append(value)
    many = [c for c in counts if c > 1]
    if many:
        warnings.warn(
            f"{path}: {len(many)} task(s) ran on more than one core (up to {shown(max(many))}); a task's "
            "runtime is taken as its work on one processor, core counts are not modelled",
            UserWarning,
            stacklevel=3,
        )


def _wf15(path: Any, wf: dict[str, Any]) -> _WfTasks:
    spec = wf["specification"]
    tasks = spec.get("tasks")
    if not isinstance(tasks, list):
        raise _bad(path, "workflow.specification.tasks is not a list", "tasks")
    sizes: dict[str, float] = {}
    files = _records(path, spec.get("files"), "workflow.specification.files")
    _check_unique(path, [str(f.get("id")) for f in files], "file id in specification.files", "files")
    for f in files:
        fid = str(f.get("id"))
        sizes[fid] = _number(path, fid, "sizeInBytes", f.get("sizeInBytes", 0))
    execution = wf.get("execution") or {}
    if not isinstance(execution, dict):
        raise _bad(path, "workflow.execution must be an object", "execution")
    records = _records(path, execution.get("tasks"), "workflow.execution.tasks")
    _check_unique(path, [str(t.get("id")) for t in records], "task id in execution.tasks", "execution")
    runtimes = {str(t.get("id")): t for t in records}

    def details(name: str, t: dict[str, Any]) -> _TaskDetails:
        # 1.5: runtimes in workflow.execution, files by id in workflow.specification.files
        if name not in runtimes:
            raise _bad(path, f"task {name!r} has no entry in workflow.execution.tasks (no runtime)", "runtimeInSeconds")
        seconds = _runtime(path, name, runtimes[name])
        files: dict[str, dict[str, float]] = {}
        for key in ("outputFiles", "inputFiles"):
            files[key] = {}
            for fid in _ids(path, name, key, t.get(key)):
                if fid not in sizes:
                    raise _bad(path, f"task {name!r} lists file {fid!r}, which is not in specification.files", key)
                files[key][fid] = sizes[fid]
        return seconds, files["outputFiles"], files["inputFiles"]

    read = _wf_tasks(path, tasks, ("id", "name"), details)
    ghosts = runtimes.keys() - set(read[0])
    if ghosts:
        raise _bad(path, f"workflow.execution.tasks has a record for {min(ghosts)!r}, which is not a task", "execution")
    return read


def _wf14(path: Any, wf: dict[str, Any]) -> _WfTasks:
    def details(name: str, t: dict[str, Any]) -> _TaskDetails:
        # 1.4: the runtime and the files (with their sizes and links) on the task itself
        seconds = _runtime(path, name, t)
        out: dict[str, float] = {}
        inp: dict[str, float] = {}
        for f in _records(path, t.get("files"), f"task {name!r}: files"):
            size = _number(path, name, "sizeInBytes", f.get("sizeInBytes", f.get("size", 0)))
            link = f.get("link")
            if link not in ("input", "output"):
                raise _bad(
                    path, f"task {name!r}: file {f.get('name')!r} has link {shown(link)}: 'input' or 'output'", "link"
                )
            (out if link == "output" else inp)[str(f.get("name"))] = size
        return seconds, out, inp

    return _wf_tasks(path, wf["tasks"], ("name", "id"), details)


def _check_unique(path: Any, names: Sequence[str], what: str = "task id", field: str = "tasks") -> None:
    """An error naming the first of ``names`` listed twice (which of two records a reader
    kept would be arbitrary)."""
    if len(set(names)) != len(names):
        seen: set[str] = set()
        for x in names:
            if x in seen:
                raise _bad(path, f"{what} {x!r} appears twice", field)
            seen.add(x)


# ----------------------------------------------------------------------------- STG


def from_stg(
    path: str | Path,
    *,
    processors: Any = 4,
    bandwidth: Any = 1.0,
    latency: Any = 0.0,
    keep_dummies: bool = False,
) -> tuple[TaskGraph, Platform]:
    """Reads a Kasahara Standard Task Graph (STG) file.

    Format: the number n of real tasks, then n + 2 task lines ``id time npred pred_1 ...
    pred_k``, task 0 and task n + 1 being zero-time dummy entry and exit; ``#`` lines (the
    information part) are ignored. In the variant with communication costs, each task line is
    followed by ``pred cost`` lines that give the data of those edges (0 otherwise).

    The dummies are dropped unless ``keep_dummies``: task k of the file becomes task k - 1,
    named ``str(k)``. Processing time is work, divided by the processor speeds.

    Parameters
    ----------
    path : path
    processors : int or sequence of float
        A number of processors of speed 1, or one speed factor per processor. Default 4.
    bandwidth : float or (q, q) array
        Link bandwidth (default 1: communication costs are times).
    latency : float or (q,) array
        Startup time of each transfer (default 0).
    keep_dummies : bool
        Keep the zero-time dummy entry and exit tasks of the file.

    Returns
    -------
    graph : TaskGraph
        Named after the file.
    platform : Platform
        Built from ``speed`` and ``work``.

    Raises
    ------
    InvalidInstanceError
        A malformed line (naming its number), a predecessor that is not a task, a cycle.

    Examples
    --------
    >>> import os, tempfile
    >>> import schedkit as sk
    >>> text = "2\\n0 0 0\\n1 3 1 0\\n2 4 1 1\\n3 0 1 2\\n"
    >>> with tempfile.NamedTemporaryFile("w", suffix=".stg", delete=False) as fh:
    ...     _ = fh.write(text)
    >>> g, plat = sk.dag.from_stg(fh.name, processors=1); os.unlink(fh.name)
    >>> g.names, g.src.tolist(), g.dst.tolist(), plat.cost.ravel().tolist()
    (('1', '2'), [0], [1], [3.0, 4.0])
    """
    rows: list[tuple[int, list[str]]] = []
    for lineno, line in text_lines(path):
        tokens = line.split()
        if tokens and not tokens[0].startswith("#"):
            rows.append((lineno, tokens))

    def bad(lineno: int, message: str) -> InvalidInstanceError:
        return InvalidInstanceError(f"{path}: line {lineno}: {message}", field="line", index=lineno)

    def integer(lineno: int, token: str, what: str, low: int, high: int) -> int:
        # Plain decimal digits only: int() would also take "1_000" and 4,000-digit numbers.
        if not token.lstrip("-").isdigit() or len(token) > 20:
            raise bad(lineno, f"{what} {token!r} is not an integer")
        value = int(token)
        if not low <= value <= high:
            raise bad(lineno, f"{what} {value} is out of range [{low}, {high}]")
        return value

    def time_value(lineno: int, token: str, what: str) -> float:
        try:
            value = float(token)
        except ValueError:
            raise bad(lineno, f"{what} {token!r} is not a number") from None
        if not (math.isfinite(value) and value >= 0):
            raise bad(lineno, f"{what} must be finite and >= 0, got {token!r}")
        return value

    if not rows:
        raise InvalidInstanceError(f"{path}: no task count and no tasks (empty file)", field="line", index=0)
    first_line, first = rows[0]
    if len(first) != 1:
        raise bad(first_line, "expected the task count alone")
    # at least one task, as a WfCommons workflow needs: a graph of the two dummies alone has
    # no makespan to speak of (its SLR and speedup would be 0/0)
    n = integer(first_line, first[0], "task count", 1, MAX_TASKS - 2) + 2
    times = np.zeros(n)
    edges: dict[tuple[int, int], float] = {}
    pos = 1
    for task in range(n):
        if pos >= len(rows):
            raise InvalidInstanceError(
                f"{path}: expected {n} task lines (the count {n - 2} plus entry and exit), found {task}",
                field="line",
                index=None,
            )
        lineno, tokens = rows[pos]
        pos += 1
        if len(tokens) < 3:
            raise bad(lineno, "expected 'id time npred preds...'")
        ident = integer(lineno, tokens[0], "task id", 0, n - 1)
        t = time_value(lineno, tokens[1], "processing time")
        k = integer(lineno, tokens[2], "predecessor count", 0, n - 1)
        if ident != task or len(tokens) != 3 + k:
            raise bad(lineno, f"task {ident} (expected {task}) lists {len(tokens) - 3} of {k} predecessors")
        times[task] = t
        for token in tokens[3:]:
            pred = integer(lineno, token, "predecessor", 0, n - 1)
            edges[(pred, task)] = 0.0
        while pos < len(rows) and len(rows[pos][1]) == 2:
            lineno, (p_tok, c_tok) = rows[pos]
            pred = integer(lineno, p_tok, "predecessor", 0, n - 1)
            if (pred, task) not in edges:
                raise bad(lineno, f"{pred} is not a predecessor of task {task}")
            edges[(pred, task)] = time_value(lineno, c_tok, "communication cost")
            pos += 1
    if pos < len(rows):
        lineno, tokens = rows[pos]
        raise bad(lineno, f"unexpected {' '.join(tokens)[:40]!r} after the last of the {n} task lines")
    keep = np.ones(n, dtype=bool)
    if not keep_dummies:
        has_pred = {v for _, v in edges}
        has_succ = {u for u, _ in edges}
        keep[0] = not (times[0] == 0 and 0 not in has_pred)
        keep[n - 1] = not (times[n - 1] == 0 and (n - 1) not in has_succ)
    new_id = np.cumsum(keep) - 1
    pairs = [(u, v, d) for (u, v), d in edges.items() if keep[u] and keep[v]]
    src = np.array([new_id[u] for u, _, _ in pairs], dtype=np.int64)
    dst = np.array([new_id[v] for _, v, _ in pairs], dtype=np.int64)
    data = np.array([d for _, _, d in pairs], dtype=np.float64)
    names = [str(i) for i in range(n) if keep[i]]
    try:
        graph = TaskGraph(src, dst, data, num_tasks=len(names), names=names, name=Path(path).stem)
    except InvalidInstanceError as exc:
        raise InvalidInstanceError(f"{path}: {exc}", field=exc.field, index=exc.index) from None
    plat = Platform(speed=processor_speeds(processors), work=times[keep], bandwidth=bandwidth, latency=latency)
    return graph, plat
