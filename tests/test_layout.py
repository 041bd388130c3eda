"""The package layout holds: no import cycle among schedkit's modules, area ``__init__`` files
that only name the public API, and every optional package imported through
``schedkit._optional``.

The modules are read with ``ast``, not executed, so imports inside functions count as much as
module-level ones (a lazy import does not remove a cycle, it only hides it until run time).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import textwrap
from functools import cache
from pathlib import Path

import pytest

import schedkit

#: The area packages; each ``__init__`` only names the area's public API.
AREAS = ("tardiness", "dag", "flowtime", "fair", "trace", "packing", "batch", "sweep")
#: Optional packages; only ``schedkit._optional`` may import them.
OPTIONAL = ("matplotlib", "networkx", "ortools", "yaml", "cupy", "ray", "dask", "distributed")
ROOT = schedkit.__name__


@cache
def modules(root: str = ROOT) -> dict[str, tuple[Path | None, bool]]:
    """Every module of the package ``root``: name -> (source file, None for compiled ones;
    is_package)."""

    def fail(name: str) -> None:
        # walk_packages imports each subpackage to list it; a failed import must not silently
        # drop that subpackage from the check.
        raise ImportError(f"cannot import {name} to list its modules")

    package = importlib.import_module(root)
    found: dict[str, tuple[Path | None, bool]] = {root: (Path(package.__file__), True)}
    for info in pkgutil.walk_packages(package.__path__, f"{root}.", onerror=fail):
        spec = info.module_finder.find_spec(info.name, None)
        origin = spec.origin if spec is not None else None
        path = Path(origin) if origin and origin.endswith(".py") else None
        found[info.name] = (path, info.ispkg)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at module level, in functions and classes, in
    ``try``/``if`` blocks; not the body of ``if TYPE_CHECKING:`` (its ``else`` does run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@cache
def parse(name: str, root: str = ROOT) -> ast.Module:
    path = modules(root)[name][0]
    assert path is not None
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _absolute(name: str, node: ast.ImportFrom, root: str) -> str:
    """The absolute module a ``from ... import`` names, relative ones resolved against ``name``."""
    if node.level == 0:
        return node.module or ""
    is_pkg = modules(root)[name][1]
    package = name if is_pkg else name.rpartition(".")[0]
    parts = package.split(".")
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    base = ".".join(parts)
    return f"{base}.{node.module}" if node.module else base


def _known(target: str, root: str) -> str | None:
    """The longest prefix of a dotted name that is one of the package's modules."""
    mods = modules(root)
    while target and target not in mods:
        target = target.rpartition(".")[0]
    return target or None


def edges(name: str, root: str = ROOT) -> set[str]:
    """The schedkit modules ``name`` imports.

    - ``import schedkit.dag._plot`` -> ``schedkit.dag._plot``.
    - ``from schedkit.dag import _plot, gantt`` -> ``schedkit.dag`` (running its ``__init__`` is
      part of the import) and ``schedkit.dag._plot`` (a submodule).
    - ``from schedkit import dag`` -> ``schedkit.dag`` only: the root ``__init__`` is a
      convenience namespace that Python runs before any ``schedkit.*`` module anyway, and its
      submodules resolve without it. ``from schedkit import __version__`` (not a submodule)
      does depend on the root ``__init__`` and counts.
    """
    mods = modules(root)
    out: set[str] = set()
    for node in runtime_imports(parse(name, root)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name, root)
                if target is not None:
                    out.add(target)
            continue
        base = _absolute(name, node, root)
        if base != root and not base.startswith(f"{root}."):
            continue
        target = _known(base, root)
        if target is None:
            continue
        submodules = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods}
        out |= submodules
        if target != root or len(submodules) < len(node.names):
            out.add(target)
    out.discard(name)  # a package's __init__ naming its own submodules is how it imports them
    return out


def import_graph(root: str = ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, for every module with Python source."""
    return {name: edges(name, root) for name, (path, _) in modules(root).items() if path is not None}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), each
    as a path ``[a, b, ..., a]``; :func:`components` lists every member."""
    return [_cycle_in(graph, comp) for comp in components(graph)]


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module, each sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def _cycle_in(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """The shortest cycle through the first module of a component (breadth first)."""
    members = set(comp)
    start = comp[0]
    previous: dict[str, str] = {}
    frontier = [start]
    end = None
    while frontier and end is None:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    end = v
                    break
                if w not in previous:
                    previous[w] = v
                    nxt.append(w)
            if end is not None:
                break
        frontier = nxt
    assert end is not None  # every member of a component reaches every other one
    path = [end]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return [*reversed(path), start]


def test_cycle_finder_reports_a_cycle():
    graph = {"a": {"b"}, "b": {"c", "x"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "x": {"b"}}
    assert components(graph) == [["a", "b", "c", "x"]]
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_import_rules_on_a_small_package(tmp_path, monkeypatch):
    files = {
        "__init__.py": "from pkgx import area, tool\nfrom pkgx._core import VERSION\n",
        "_core.py": "VERSION = 1\n",
        "area/__init__.py": "from pkgx.area._model import Model\nfrom pkgx.area._solve import solve\n",
        "area/_model.py": """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkgx.area import solve  # never runs
            class Model: ...
            """,
        # a private module reaching its own package's __init__ (absolute or relative) is a cycle
        "area/_solve.py": "from . import _model\n\ndef solve(): ...\n",
        "area/_plot.py": "def f():\n    from pkgx.area import Model\n",
        # the root namespace: submodules do not count as an import of the root __init__ ...
        "tool.py": "from pkgx import area\nimport pkgx.area._plot\n",
        # ... other names do
        "late.py": "from pkgx import VERSION\n",
    }
    for rel, text in files.items():
        (tmp_path / "pkgx" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkgx" / rel).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = import_graph("pkgx")
    assert graph["pkgx.area._model"] == set()
    assert graph["pkgx.area._solve"] == {"pkgx.area", "pkgx.area._model"}
    assert graph["pkgx.area._plot"] == {"pkgx.area"}
    assert graph["pkgx.area"] == {"pkgx.area._model", "pkgx.area._solve"}
    assert graph["pkgx.tool"] == {"pkgx.area", "pkgx.area._plot"}
    assert graph["pkgx.late"] == {"pkgx"}
    assert graph["pkgx"] == {"pkgx.area", "pkgx.tool", "pkgx._core"}
    assert components(graph) == [["pkgx.area", "pkgx.area._solve"]]


def test_no_import_cycles():
    graph = import_graph()
    found = components(graph)
    assert not found, "import cycles (each module imports the next):\n" + "\n".join(
        "  " + " -> ".join(_cycle_in(graph, comp)) + f"\n    (all modules in this knot: {', '.join(comp)})"
        for comp in found
    )


@pytest.mark.parametrize("area", AREAS)
def test_area_init_holds_only_the_public_names(area):
    name = f"{ROOT}.{area}"
    assert modules().get(name, (None, False))[1], f"{name} is not a package"
    tree = parse(name)
    extra = []
    for k, stmt in enumerate(tree.body):
        if k == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # the module docstring
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        if targets and all(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        extra.append(f"line {stmt.lineno}: {ast.unparse(stmt).splitlines()[0]}")
    assert not extra, f"{name}/__init__.py may hold only a docstring, imports and __all__:\n" + "\n".join(extra)


def test_optional_packages_only_through_schedkit_optional():
    direct = []
    for name, (path, _) in sorted(modules().items()):
        if path is None or name == f"{ROOT}._optional":
            continue
        for node in runtime_imports(parse(name)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            for imported in names:
                if imported.split(".")[0] in OPTIONAL:
                    direct.append(f"{name} line {node.lineno}: {ast.unparse(node)}")
        # importlib.import_module("matplotlib") / __import__("yaml") would dodge the rule as well
        for call in ast.walk(parse(name)):
            if (
                isinstance(call, ast.Call)
                and (
                    (isinstance(call.func, ast.Attribute) and call.func.attr == "import_module")
                    or (isinstance(call.func, ast.Name) and call.func.id in ("import_module", "__import__"))
                )
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
                and call.args[0].value.split(".")[0] in OPTIONAL
            ):
                direct.append(f"{name} line {call.lineno}: {ast.unparse(call)}")
    assert not direct, "import these through schedkit._optional.require:\n" + "\n".join(direct)
