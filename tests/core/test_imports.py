"""The package's import graph: every module imports on its own, and no two modules import each other.

A module counts as importing another when it names it in any ``import``/``from ... import``
statement, at the top of the file or inside a function: a function-level import still makes the
two modules depend on each other, only later.  The implicit import of a parent package (importing
``minigrad.ops.conv`` runs ``minigrad/__init__.py`` first) is not an edge: it is how Python loads
any submodule, not a choice of the module's author.  ``minigrad.examples`` (the course's scripts,
installed beside the package) uses minigrad from outside, as a student's script does, and is left
out, as is ``minigrad.__main__``, which runs the command line when imported.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys

PACKAGES = ("minigrad", "minigrad.kernels")
LEFT_OUT = ("minigrad.examples", "minigrad.__main__")


def _package_dir(name: str) -> str:
    return importlib.util.find_spec(name).submodule_search_locations[0]


def package_modules() -> dict[str, tuple[str, bool]]:
    """Every module of minigrad and minigrad.kernels: name -> (source file, is a package)."""
    modules = {}
    for package in PACKAGES:
        root = _package_dir(package)
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "__")))
            for file in sorted(files):
                if not file.endswith(".py"):
                    continue
                parts = os.path.relpath(os.path.join(folder, file), root)[:-3].split(os.sep)
                is_package = parts[-1] == "__init__"
                name = ".".join([package, *(parts[:-1] if is_package else parts)])
                if not name.startswith(LEFT_OUT):
                    modules[name] = (os.path.join(folder, file), is_package)
    return modules


def _imported(name: str, is_package: bool, node: ast.AST, modules: dict) -> set[str]:
    """The minigrad modules one import statement names (``from .x import y`` names the module
    ``x.y`` when it exists, else ``x``)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".")[:len(name.split(".")) - node.level + is_package]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                   for alias in node.names]
    found = set()
    for target in targets:
        while target not in modules and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in modules and target != name:
            found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    graph = {}
    for name, (path, is_package) in modules.items():
        with open(path, encoding="utf-8") as file:
            tree = ast.parse(file.read(), path)
        graph[name] = set().union(*[_imported(name, is_package, node, modules) for node in ast.walk(tree)
                                    if isinstance(node, (ast.Import, ast.ImportFrom))])
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None; a depth-first search that keeps its own stack."""
    state = {}  # name -> "open" while on the current path, "done" after
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(child) == "open":
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = "open"
                path.append(child)
                stack.append(iter(sorted(graph.get(child, ()))))
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_has_no_cycles():
    graph = import_graph()
    assert "minigrad.tensor" in graph and "minigrad.kernels.reference.conv" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# Each module imported by itself, in one fresh interpreter: before each import every minigrad
# module is dropped and the package root replaced by an empty stand-in, so the module's own
# imports must bring in all it needs (the real minigrad/__init__.py would import nearly everything
# first and hide a missing import).  The package root is imported for real first.
ISOLATED = """
import importlib, sys, traceback, types
names, roots = sys.argv[1].split(","), dict(r.split("=") for r in sys.argv[2].split(","))
importlib.import_module("minigrad")
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "minigrad" or m.startswith("minigrad.")]:
        del sys.modules[loaded]
    stand_in = types.ModuleType("minigrad")
    stand_in.__path__ = [roots["minigrad"]]
    sys.modules["minigrad"] = stand_in
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ":\\n" + traceback.format_exc())
print("\\n".join(failed))
"""


def test_every_module_imports_on_its_own():
    from minigrad import backend_status

    names = sorted(package_modules())
    if backend_status()["cython"] != "available":  # not built here: its wrappers cannot import
        names = [n for n in names if not n.startswith("minigrad.kernels.cython_impl")]
    roots = f"minigrad={_package_dir('minigrad')}"
    result = subprocess.run([sys.executable, "-c", ISOLATED, ",".join(n for n in names if n != "minigrad"), roots],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", "these modules fail to import on their own:\n" + result.stdout
