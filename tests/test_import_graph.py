"""The import graph of ``gait/`` and ``devices/`` has no cycles.

The graph is read from the source (AST), not from an interpreter, so it sees every import:
module level, inside functions (a lazy import that hides a cycle is still a cycle) and under
``if TYPE_CHECKING:``. ``from pkg import name`` is an edge to ``pkg.name`` when that is a
module, else to ``pkg``. A package's own ``__init__`` importing its submodules is an edge like
any other.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gait", "devices")

#: Modules that imported each other (hidden by lazy imports) and must not again: one may
#: depend on the other, directly or not, but not both ways.
FIXED: tuple[tuple[str, str], ...] = (
    (
        "gait.apps.batch.run",
        "gait.apps.batch.dask_cluster",
    ),  # run_batch takes an executor (gait.apps.batch.tasks)
    ("devices.profiles", "devices.decoders"),  # decoders read a DecoderProfile protocol
    ("devices.profiles", "devices.decoders.base"),
    ("devices.profiles", "devices.phone.profiles"),  # phone tables are data (devices.phone.tables)
    ("gait.balance.result", "gait.balance.figure"),  # the figure takes TrialSeries (balance.series)
    (
        "gait.apps.history.store",
        "gait.apps.history.pending",
    ),  # both read SessionRecord from gait.apps.history.record
    (
        "gait.apps.live.runtime",
        "gait.apps.live.phone",
    ),  # phone is a recorder on session; gait.apps.live.run picks
)

Edges = dict[str, dict[str, list[str]]]


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``packages`` in ``root``."""
    mods: dict[str, Path] = {}
    for pkg in packages:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = list(f.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = f
    return mods


def _owner(name: str, mods: dict[str, Path]) -> str | None:
    """The module ``name`` lives in (``gait.io.read`` → ``gait.io`` when that is the module)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _targets(
    node: ast.Import | ast.ImportFrom, here: str, is_pkg: bool, mods: dict[str, Path]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:  # relative: resolve against this module's package
        pkg = here.split(".") if is_pkg else here.split(".")[:-1]
        pkg = pkg[: len(pkg) - node.level + 1]
        base = ".".join([*pkg, base] if base else pkg)
    subs = [f"{base}.{a.name}" for a in node.names]
    found = [s for s in subs if s in mods]
    return found if len(found) == len(subs) else [*found, base]


def import_edges(mods: dict[str, Path]) -> Edges:
    """``edges[a][b]`` = where ``a`` imports ``b`` (``"line 12 (in a function)"`` ...)."""
    edges: Edges = defaultdict(lambda: defaultdict(list))
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"

        def visit(node: ast.AST, where: str, name: str = name, is_pkg: bool = is_pkg) -> None:
            for child in ast.iter_child_nodes(node):
                inner = where
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    inner = " (in a function)"
                elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    inner = where or " (TYPE_CHECKING)"
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for t in _targets(child, name, is_pkg, mods):
                        owner = _owner(t, mods)
                        if owner is not None and owner != name:
                            edges[name][owner].append(f"line {child.lineno}{where}")
                visit(child, inner)

        visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return edges


def cycles(edges: Edges) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    nodes = set(edges) | {b for a in edges for b in edges[a]}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, {})))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp.add(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(frozenset(comp))
    return found


def describe(comp: frozenset[str], edges: Edges) -> str:
    """The imports inside one cycle, one per line, for an assertion message."""
    lines = [
        f"  {a} -> {b}: {', '.join(edges[a][b])}"
        for a in sorted(comp)
        for b in sorted(edges.get(a, {}))
        if b in comp
    ]
    return "cycle " + " / ".join(sorted(comp)) + "\n" + "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> tuple[Edges, list[frozenset[str]]]:
    edges = import_edges(module_files(ROOT, PACKAGES))
    return edges, cycles(edges)


def test_fixed_modules_do_not_import_each_other(graph: tuple[Edges, list[frozenset[str]]]) -> None:
    edges, comps = graph
    together = [(a, b) for a, b in FIXED for c in comps if a in c and b in c]
    assert not together, "\n".join(
        f"{a} and {b} are in a cycle again:\n" + describe(c, edges)
        for a, b in together
        for c in comps
        if a in c
    )


def test_no_cycles(graph: tuple[Edges, list[frozenset[str]]]) -> None:
    edges, comps = graph
    assert not comps, "import cycles:\n" + "\n".join(describe(c, edges) for c in comps)


def test_the_walker_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    """Cycles through function-level, ``TYPE_CHECKING`` and relative imports are found.

    A cycle hidden by a function-level import, one through ``TYPE_CHECKING`` and a relative
    ``from . import sub`` are all found; a one-way import is not a cycle.
    """
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg.b import g\n    return g\n")
    (pkg / "b.py").write_text("import pkg.a\n\ndef g():\n    return 1\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import D\n"
    )
    (pkg / "d.py").write_text("from . import c\nclass D: ...\n")
    (pkg / "e.py").write_text("from pkg import a\n")
    edges = import_edges(module_files(tmp_path, ("pkg",)))
    comps = cycles(edges)
    assert sorted(sorted(c) for c in comps) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    assert edges["pkg.a"]["pkg.b"] == ["line 2 (in a function)"]
    assert edges["pkg.c"]["pkg.d"] == ["line 3 (TYPE_CHECKING)"]
    assert "pkg.a" in edges["pkg.e"]
    assert "pkg" not in edges["pkg.e"]
