"""The import graph of herenow, as grimp (import-linter's engine) sees it: imports inside functions count too.

``lint-imports`` (in .ci/run) checks the forbidden imports written in pyproject.toml; this checks what a contract
cannot say: no module reaches itself again through its imports, and screens reach each other only through the app.
"""

from __future__ import annotations

import grimp
import pytest

# A subclass, not navigation: the preview is a session screen without a session.
SCREEN_IMPORTS_ALLOWED = {("herenow.ui.screens.cue_preview", "herenow.ui.screens.session")}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("herenow")


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan), each as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    cycles = []
    for group in groups:  # a path through the group back to its first module, for the message
        members, start = set(group), min(group)
        path, seen = [start], {start}
        while True:
            nxt = min(n for n in edges[path[-1]] if n in members)
            path.append(nxt)
            if nxt in seen:
                cycles.append(path[path.index(nxt):])
                break
            seen.add(nxt)
    return cycles


def test_find_cycles_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    edges = {m: {n for n in graph.find_modules_directly_imported_by(m) if n.startswith("herenow")}
             for m in graph.modules if m.startswith("herenow")}
    cycles = find_cycles(edges)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_screens_reach_each_other_only_through_the_app(graph: grimp.ImportGraph) -> None:
    screens = {m for m in graph.modules if m.startswith("herenow.ui.screens.")}
    crossing = {(m, n) for m in screens for n in graph.find_modules_directly_imported_by(m) if n in screens}
    assert crossing - SCREEN_IMPORTS_ALLOWED == set()
