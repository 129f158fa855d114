"""The rooms of askintl (ARCHITECTURE.md), checked on the source: every module imports, the
library below ``api/`` and ``term/`` never reaches up into them (only ``askintl.cli`` may),
and the askintl modules import each other without cycles. Imports are read with ``ast``, at
any depth (imports inside functions count too)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import askintl

SRC = Path(askintl.__file__).resolve().parent.parent
FRONT_ENDS = ("askintl.api", "askintl.term")
MAY_IMPORT_FRONT_ENDS = {"askintl.cli"}


def _modules() -> dict[str, tuple[Path, bool]]:
    """{dotted name: (file, is a package)} for every module of the askintl package."""
    out = {}
    for path in sorted((SRC / "askintl").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The askintl modules ``name`` imports (``from .x import y`` counts as module ``.x.y`` when
    that is a module, else ``.x``)."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # askintl.records.Answer -> askintl.records
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:  # an optional extra (e.g. a backend's library) not installed here
        if exc.name and exc.name.split(".")[0] != "askintl":
            pytest.skip(f"{name} needs {exc.name}, not installed")
        raise


def test_the_library_does_not_import_the_front_ends():
    wrong = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() for target in targets
                   if not any(_in(name, room) for room in FRONT_ENDS) and name not in MAY_IMPORT_FRONT_ENDS
                   and any(_in(target, room) for room in FRONT_ENDS))
    assert not wrong, "the library imports a front end (see ARCHITECTURE.md):\n" + "\n".join(wrong)


def test_the_front_ends_do_not_import_each_other():
    wrong = sorted(f"{name} imports {target}" for name, targets in GRAPH.items() for target in targets
                   if (_in(name, "askintl.api") and _in(target, "askintl.term"))
                   or (_in(name, "askintl.term") and _in(target, "askintl.api")))
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    """Tarjan's strongly connected components: any with more than one module is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_reads_relative_and_nested_imports():
    assert "askintl.term.views" in GRAPH["askintl.term.terminal"]  # imported inside methods
    assert "askintl.api.feedback" in GRAPH["askintl.cli"]  # inside a function, two dots deep
    assert "askintl.records" in GRAPH["askintl.citations"]
