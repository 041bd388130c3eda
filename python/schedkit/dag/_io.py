"""Readers of ``schedkit.dag``: networkx graphs, WfCommons WfFormat JSON (schemas 1.4 and 1.5)
and Kasahara STG files. Public names are re-exported by :mod:`schedkit.dag`.

Every reader returns a ``(TaskGraph, Platform)`` pair; what describes the processors
(``processors``, ``bandwidth``, ``latency``) is keyword-only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from schedkit._optional import require
from schedkit.dag._model import Platform, TaskGraph
from schedkit.exceptions import InvalidInstanceError

__all__ = ["from_networkx", "from_wfcommons", "from_stg", "processor_speeds"]

_T = TypeVar("_T")


def processor_speeds(processors: Any) -> npt.NDArray[np.float64]:
    """``processors`` as speed factors: an int q means q processors of speed 1.

    Raises
    ------
    InvalidInstanceError
        Fewer than one processor, or not a count or a 1-D list of numbers.
    """
    if isinstance(processors, (int, np.integer)) and not isinstance(processors, bool):
        if processors < 1:
            raise InvalidInstanceError(f"processors: need at least 1, got {processors}", field="processors")
        return np.ones(int(processors))
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
    if not G.is_directed():
        raise InvalidInstanceError("G: expected a directed graph (networkx.DiGraph)", field="G")
    g = TaskGraph.from_networkx(G, data=data)
    nodes = list(G.nodes)
    values = []
    for node in nodes:
        value = G.nodes[node].get(cost)
        if value is None:
            raise InvalidInstanceError(
                f"cost: node {node!r} has no {cost!r} attribute", field="cost", index=nodes.index(node)
            )
        values.append(value)
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
        lengths = {len(v) for v in values}
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
      processor of speed s is runtime / s. Core counts are ignored.

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
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InvalidInstanceError(f"{path}: not JSON ({exc})", field="line", index=exc.lineno) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("workflow"), dict):
        raise _bad(path, "no 'workflow' object: not a WfFormat instance", "workflow")
    wf = doc["workflow"]
    if isinstance(wf.get("specification"), dict):
        names, parents, children, runtime, outputs, inputs = _wf15(path, wf)
    elif isinstance(wf.get("tasks"), list):
        names, parents, children, runtime, outputs, inputs = _wf14(path, wf)
    else:
        raise _bad(path, "no workflow.specification.tasks (1.5) or workflow.tasks (1.4)", "workflow")
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


def _runtime(path: Any, name: str, record: dict[str, Any]) -> float:
    for key in ("runtimeInSeconds", "runtime"):
        if key in record:
            try:
                return float(record[key])
            except (TypeError, ValueError):
                break
    raise _bad(path, f"task {name!r} has no numeric runtimeInSeconds", "runtimeInSeconds")


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
    for t in tasks:
        name = str(t.get(name_keys[0], t.get(name_keys[1])))
        names.append(name)
        parents.append([str(x) for x in t.get("parents", []) or []])
        children.append([str(x) for x in t.get("children", []) or []])
        seconds, out, inp = details(name, t)
        runtime.append(seconds)
        outputs.append(out)
        inputs.append(inp)
    _check_unique(path, names)
    return names, parents, children, runtime, outputs, inputs


def _wf15(path: Any, wf: dict[str, Any]) -> _WfTasks:
    spec = wf["specification"]
    tasks = spec.get("tasks")
    if not isinstance(tasks, list):
        raise _bad(path, "workflow.specification.tasks is not a list", "tasks")
    sizes: dict[str, float] = {}
    for f in spec.get("files", []) or []:
        sizes[str(f.get("id"))] = float(f.get("sizeInBytes", 0) or 0)
    execution = wf.get("execution") or {}
    runtimes = {str(t.get("id")): t for t in execution.get("tasks", []) or []}

    def details(name: str, t: dict[str, Any]) -> _TaskDetails:
        # 1.5: runtimes in workflow.execution, files by id in workflow.specification.files
        if name not in runtimes:
            raise _bad(path, f"task {name!r} has no entry in workflow.execution.tasks (no runtime)", "runtimeInSeconds")
        seconds = _runtime(path, name, runtimes[name])
        files: dict[str, dict[str, float]] = {}
        for key in ("outputFiles", "inputFiles"):
            files[key] = {}
            for fid in t.get(key, []) or []:
                fid = str(fid)
                if fid not in sizes:
                    raise _bad(path, f"task {name!r} lists file {fid!r}, which is not in specification.files", key)
                files[key][fid] = sizes[fid]
        return seconds, files["outputFiles"], files["inputFiles"]

    return _wf_tasks(path, tasks, ("id", "name"), details)


def _wf14(path: Any, wf: dict[str, Any]) -> _WfTasks:
    def details(name: str, t: dict[str, Any]) -> _TaskDetails:
        # 1.4: the runtime and the files (with their sizes and links) on the task itself
        seconds = _runtime(path, name, t)
        out: dict[str, float] = {}
        inp: dict[str, float] = {}
        for f in t.get("files", []) or []:
            size = float(f.get("sizeInBytes", f.get("size", 0)) or 0)
            (out if f.get("link") == "output" else inp)[str(f.get("name"))] = size
        return seconds, out, inp

    return _wf_tasks(path, wf["tasks"], ("name", "id"), details)


def _check_unique(path: Any, names: Sequence[str]) -> None:
    if len(set(names)) != len(names):
        seen: set[str] = set()
        for x in names:
            if x in seen:
                raise _bad(path, f"task id {x!r} appears twice", "tasks")
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
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            tokens = line.split()
            if tokens and not tokens[0].startswith("#"):
                rows.append((lineno, tokens))

    def number(lineno: int, token: str, kind: Callable[[str], _T]) -> _T:
        try:
            value = kind(token)
        except ValueError:
            raise InvalidInstanceError(
                f"{path}: line {lineno}: {token!r} is not a number", field="line", index=lineno
            ) from None
        return value

    if not rows:
        raise InvalidInstanceError(f"{path}: empty file", field="line", index=0)
    first_line, first = rows[0]
    if len(first) != 1:
        raise InvalidInstanceError(
            f"{path}: line {first_line}: expected the task count alone", field="line", index=first_line
        )
    n = number(first_line, first[0], int) + 2
    times = np.zeros(n)
    edges: dict[tuple[int, int], float] = {}
    pos = 1
    for task in range(n):
        if pos >= len(rows):
            raise InvalidInstanceError(f"{path}: expected {n} task lines, found {task}", field="line", index=None)
        lineno, tokens = rows[pos]
        pos += 1
        if len(tokens) < 3:
            raise InvalidInstanceError(
                f"{path}: line {lineno}: expected 'id time npred preds...'", field="line", index=lineno
            )
        ident, t, k = number(lineno, tokens[0], int), number(lineno, tokens[1], float), number(lineno, tokens[2], int)
        if ident != task or len(tokens) != 3 + k:
            raise InvalidInstanceError(
                f"{path}: line {lineno}: task {ident} (expected {task}) lists {len(tokens) - 3} of {k} predecessors",
                field="line",
                index=lineno,
            )
        times[task] = t
        for token in tokens[3:]:
            pred = number(lineno, token, int)
            if not 0 <= pred < n:
                raise InvalidInstanceError(
                    f"{path}: line {lineno}: predecessor {pred} is not a task", field="line", index=lineno
                )
            edges[(pred, task)] = 0.0
        while pos < len(rows) and len(rows[pos][1]) == 2:
            lineno, (p_tok, c_tok) = rows[pos]
            pred = number(lineno, p_tok, int)
            if (pred, task) not in edges:
                raise InvalidInstanceError(
                    f"{path}: line {lineno}: {pred} is not a predecessor of task {task}", field="line", index=lineno
                )
            edges[(pred, task)] = number(lineno, c_tok, float)
            pos += 1
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
