"""The package's layers, read from its imports (every import, at any depth, with ``ast``).

Dependencies point one way, from the top of this table to the bottom; a module may import
its own layer's modules and any layer below, never one above, and no import circle may
form, between layers or inside one. See docs/development.md ("Layout").
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "emulator"

LAYERS: list[tuple[str, ...]] = [
    # The public names: the package root, ``python -m emulator``, and the modules kept
    # under their old names (each re-exports the module it names).
    ("emulator", "emulator.__main__", "emulator.client", "emulator.config",
     "emulator.receiver", "emulator.recording", "emulator.strategies"),
    ("emulator.cli", "emulator.pytest_plugin"),
    ("emulator.server",),
    ("emulator.app",),
    ("emulator.cloudapi", "emulator.admin", "emulator.clients"),
    ("emulator.core",),
    ("emulator.events",),
    ("emulator.base", "emulator._version"),
]
"""Top first. A name stands for a module and, if a package, everything in it."""

CLIENTS_MAY_USE = "emulator.clients"
"""Clients run in a user's test process beside the server, or alone: they may use the
foundations and the domain's leaves (modules of ``core`` that import nothing of the
emulator but the foundations), never the server, the adapters or the backend."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The emulator modules ``name`` imports, each with a line where it does."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source not in known:
                continue
            for alias in node.names:  # ``from pkg import module`` imports that module
                submodule = f"{source}.{alias.name}"
                yield (submodule if submodule in known else source), node.lineno


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    return {name: dict(imports(name, path, known)) for name, path in known.items()}


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for index, names in enumerate(LAYERS):
        for layer_name in names:
            if module == layer_name or module.startswith(layer_name + "."):
                if best is None or len(layer_name) > best[0]:
                    best = (len(layer_name), index)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def test_every_module_is_in_a_layer() -> None:
    for module in modules():
        layer_of(module)


def test_no_import_points_up() -> None:
    upward = [
        f"{module} (line {line}) imports {target}"
        for module, targets in graph().items()
        for target, line in targets.items()
        if layer_of(target) < layer_of(module)
    ]
    assert upward == [], "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_import_circle() -> None:
    edges = graph()
    circles = _circles(edges)
    assert circles == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_clients_use_only_foundations_and_the_domains_leaves() -> None:
    edges = graph()
    foundations = LAYERS[-1]

    def is_foundation(module: str) -> bool:
        return any(module == f or module.startswith(f + ".") for f in foundations)

    leaves = {module for module, targets in edges.items() if module.startswith("emulator.core.")
              and all(is_foundation(target) for target in targets)}
    wrong = [f"{module} (line {line}) imports {target}"
             for module, targets in edges.items() if module.startswith(CLIENTS_MAY_USE + ".")
             for target, line in targets.items()
             if not (is_foundation(target) or target in leaves
                     or target.startswith(CLIENTS_MAY_USE + "."))]
    assert wrong == [], "\n".join(wrong)


def test_the_rule_finds_what_it_forbids(tmp_path: Path) -> None:
    """The checks are not vacuous: an upward import and a circle are both seen."""
    edges = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {}}
    assert _circles(edges) == [["a", "b", "c", "a"]]
    assert layer_of("emulator.core.queue") > layer_of("emulator.admin.routes")
    assert graph()["emulator.app"], "the app's imports were read"


def _circles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing
    itself), each written as one circle through it, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the graph is small
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, {}):
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_one_circle(group, edges) for group in sorted(groups)]


def _one_circle(group: list[str], edges: dict[str, dict[str, int]]) -> list[str]:
    """A path from the group's first module back to itself, inside the group."""
    start = group[0]
    path = [start]
    seen = {start}
    node = start
    while True:
        nexts = sorted(t for t in edges[node] if t in group)
        if start in nexts and len(path) > 1 or nexts == [start]:
            return [*path, start]
        unseen = [t for t in nexts if t not in seen]
        if not unseen:
            return [*path, start]
        node = unseen[0]
        path.append(node)
        seen.add(node)
