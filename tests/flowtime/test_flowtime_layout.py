"""The flowtime package's structure: private modules import each other only downward (no
cycle, not even through a function-level or TYPE_CHECKING import), never through the package's
own ``__init__``, and ``__init__`` holds imports and ``__all__`` only."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import schedkit.flowtime as flowtime

PACKAGE = Path(flowtime.__file__).resolve().parent
NAME = "schedkit.flowtime"


def _imports(path: Path) -> set[str]:
    """Every module of the package that ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else f"{NAME}.{node.module}"
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == NAME or m.startswith(NAME + ".")}


def test_private_modules_import_downward_only():
    graph = {}
    for path in sorted(PACKAGE.glob("_*.py")):
        if path.name == "__init__.py":
            continue
        deps = _imports(path)
        assert NAME not in deps, f"{path.name} imports its own package's __init__"
        graph[path.stem] = {m.rsplit(".", 1)[1] for m in deps if (PACKAGE / f"{m.rsplit('.', 1)[1]}.py").exists()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"import cycle: {exc.args[1]}") from None
    assert order.index("_validate") < order.index("_model") < order.index("_simulate")


def test_init_has_no_code():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    for node in tree.body[1:]:  # after the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        assert isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"], ast.dump(node)[:80]
    assert set(flowtime.__all__) <= set(dir(flowtime))
