"""The package's shape, checked: no import cycle, no module importing from a layer above its own, no loose
module at the top, a map at the top of every package. See docs/architecture.md.

Imports are read from the source with `ast` (inside functions and under TYPE_CHECKING too: a deferred
import is still a dependency), so the check costs nothing to run and needs no extra tool.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agent"

# Lowest first. A module may import from its own layer or any layer below, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("agent", "agent.settings", "agent.clock", "agent.models", "agent.db", "agent.audit", "agent.llm",
     "agent.templating"),
    ("agent.mail", "agent.documents"),
    ("agent.runtime",),
    ("agent.ledger",),
    ("agent.reminders",),
    ("agent.finance",),
    ("agent.customers",),
    ("agent.payments",),
    ("agent.views",),  # read models: below the flow, so a scheduled job (the digest) can use them
    ("agent.flow",),
    ("agent.web", "agent.cli", "agent.demo", "agent.__main__"),
)  # fmt: skip
CORE_MODULES = {"__init__", "__main__", "settings", "clock", "db", "audit", "llm", "templating", "runtime"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imported(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The package's modules this file imports: `from agent.x import y` names agent.x.y when y is a module."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module in modules:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            found = [name for name in submodules if name in modules]
            yield from found
            if len(found) < len(submodules):
                yield node.module


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {name: set(imported(path, modules)) - {name} for name, path in modules.items()}


def layer_of(module: str) -> int:
    for index, members in enumerate(LAYERS):
        if any(
            module == member or module.startswith(member + ".") for member in members if member != "agent"
        ):
            return index
    if module == "agent":
        return 0
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS and docs/architecture.md")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_only_the_core_lives_at_the_top_of_the_package() -> None:
    loose = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in CORE_MODULES)
    assert loose == [], "a domain module belongs in its package (docs/architecture.md)"


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_every_package_opens_with_its_map(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
    assert docstring, f"agent/{package}/__init__.py has no docstring"


def test_the_checks_see_a_cycle_and_an_upward_import() -> None:
    """The checks above can fail: a made-up graph with a cycle and a ledger that calls the schedule."""
    graph = {
        "agent.ledger.records": {"agent.reminders.schedule"},
        "agent.reminders.schedule": {"agent.ledger.records"},
    }
    assert cycles(graph) == [["agent.ledger.records", "agent.reminders.schedule"]]
    assert layer_of("agent.reminders.schedule") > layer_of("agent.ledger.records")
