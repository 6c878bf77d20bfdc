"""The package's import graph is acyclic: imports flow from problems and spectra up to studies,
plotting and the command line, with no cycle hidden in a function-local import."""

import ast
from pathlib import Path

import deterministic_risk

ROOT = Path(deterministic_risk.__file__).parent
PACKAGE = "deterministic_risk"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _with_parents(name: str, modules: set[str]) -> set[str]:
    """``a.b.c`` and the packages whose ``__init__`` importing it executes (``a.b``, ``a``)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere in its body, function-local
    imports included), with the parent packages each import executes."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(files)
    graph = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == PACKAGE:
                    targets |= _with_parents(name, modules)
        # executing a module executes its parent packages first; they are not its imports, but
        # a cycle through a parent's __init__ is still a cycle, found through the import above
        targets.discard(module)
        graph[module] = targets - {m for m in _with_parents(module, modules) if m != module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_is_acyclic():
    graph = import_graph()
    assert len(graph) > 40
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_layers():
    graph = import_graph()
    # the bottom knows nothing of optimizers, studies, plotting or the command line
    for low in ("deterministic_risk.spectrum", "deterministic_risk.problems",
                "deterministic_risk.deterministic_equivalent", "deterministic_risk.integrate",
                "deterministic_risk.solvers", "deterministic_risk.noise"):
        reach, todo = set(), [low]
        while todo:
            for nxt in graph[todo.pop()] - reach:
                reach.add(nxt)
                todo.append(nxt)
        assert not {m for m in reach if m.startswith(("deterministic_risk.optimizers",
                                                      "deterministic_risk.signsgd",
                                                      "deterministic_risk.studies",
                                                      "deterministic_risk.plotting",
                                                      "deterministic_risk.cli"))}, low
