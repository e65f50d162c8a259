"""The shape of the code: packages depend on each other one way, pure modules load no views.

The graph is read from the source (every `import app...`, also those inside functions), so
a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
MAX_MODULE_LINES = 400
# Modules that must stay free of Flask views: they are used by commands, workers and tests.
PURE_MODULES = [
    "app.quiz.grading",
    "app.content.parser",
    "app.content.check",
    "app.content.render",
    "app.progress.rollups",
    "app.organisation.tree",
    "app.imports.units",
    "app.reports.queries",
    "app.reports.learner_record",
    "app.quiz.grants",
]


def _package(module: str) -> str:
    """`app.learning.routes` -> `learning`; the factory (`app`) itself is its own node."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "app"


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from app.quiz import attempts` imports the module app.quiz.attempts.
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "app" or name.startswith("app.")}


def package_graph() -> dict[str, set[str]]:
    """Which packages of app/ each package imports (the factory, which wires all, left out)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        source = _package(module.removesuffix(".__init__"))
        if source == "app":
            continue
        for name in _imported_modules(path):
            target = _package(name)
            if target not in (source, "app"):
                graph[source].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first node repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_cycle_through_three_packages():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) is None


def test_no_two_packages_of_app_import_each_other_in_a_circle():
    graph = package_graph()
    assert "learning" in graph and "quiz" in graph["learning"]  # the graph was really read
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_loads_no_blueprint(module: str):
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=APP.parent,
    ).stdout.split()
    assert module in loaded
    views = [name for name in loaded if name.startswith("app.") and name.endswith(".routes")]
    assert views == []


def test_no_module_of_app_is_over_400_lines():
    long = {
        str(path.relative_to(APP.parent)): count
        for path in APP.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_view_commits_or_rolls_back_without_saying_why():
    """The request commits once (app/db.py); a view that must commit early explains why in the
    comment just above the call."""
    unexplained = []
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "@bp.route(" not in text:
            continue  # not a view module
        lines = text.splitlines()
        for number, line in enumerate(lines):
            if ".commit()" in line or ".rollback()" in line:
                if not lines[number - 1].strip().startswith("#"):
                    unexplained.append(f"{path.relative_to(APP.parent)}:{number + 1}")
    assert unexplained == []
