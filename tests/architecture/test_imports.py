"""The packages import each other only downwards (protocols ← firmware_sim ← hil) and never in a cycle.

Every import statement counts, at module level or inside a function, and so does the package ``__init__`` that
importing a submodule runs first. (This file sits in a folder of its own: pytest puts a test's folder on sys.path,
and tests/ itself holds folders named like the packages, which would shadow them in the RTL simulator's Python.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("protocols", "firmware_sim", "hil")
"""Lowest first: a package may import only the packages before it (and itself)."""


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The farside module an imported name lives in (the longest known prefix), or None for outside code."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, path: Path) -> set[str]:
    """Every farside module ``module`` imports, with the packages whose ``__init__`` that runs."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for name in names:
        owner = _owner(name)
        if owner is None:
            continue
        parts = owner.split(".")
        found.update(".".join(parts[:k]) for k in range(1, len(parts) + 1) if ".".join(parts[:k]) in MODULES)
    return {m for m in found if m != module and not module.startswith(m + ".")}


GRAPH = {module: _imported(module, path) for module, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return groups


def test_the_walk_sees_imports_inside_functions() -> None:
    assert "hil.serve.console" in GRAPH["hil.cli.serve_cmd"], "an import inside a function was missed"


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_layers_import_only_downwards() -> None:
    wrong = [f"{module} imports {target}" for module, targets in GRAPH.items() for target in targets
             if LAYERS.index(target.split(".")[0]) > LAYERS.index(module.split(".")[0])]
    assert wrong == []
