"""The package's layout by role (docs/architecture.md): a short top level and no import circles.

An import inside `if TYPE_CHECKING:` is a type hint, not an import at run time, and does not count."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "hacourse"
TOP_LEVEL_LIMIT = 10


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hints = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
             and "TYPE_CHECKING" in ast.unparse(branch.test) for node in ast.walk(branch)}
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for imported in names:
            name = imported
            while name not in modules and "." in name:
                name = name.rpartition(".")[0]
            if name in modules:
                found.add(name)
    return found


def import_graph() -> nx.DiGraph:
    files = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in files.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in _imports(path, set(files)) if target != name)
    return graph


def test_the_package_has_no_import_circles():
    cycles = [" -> ".join(cycle) for cycle in nx.simple_cycles(import_graph())]
    assert cycles == [], "import circles:\n" + "\n".join(cycles)


def test_the_top_level_shows_the_layers_not_every_module():
    top = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert len(top) <= TOP_LEVEL_LIMIT, f"{len(top)} modules beside the subpackages: {top}"


def test_the_engine_imports_no_reader_above_it():
    graph = import_graph()
    above = ("hacourse.views", "hacourse.panel", "hacourse.grading", "hacourse.study", "hacourse.analysis")
    for module in [name for name in graph if name.startswith("hacourse.engine")]:
        reached = nx.descendants(graph, module)
        assert not [name for name in reached if name.startswith(above)], module
