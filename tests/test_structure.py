"""The package's shape: no import cycle, and every ``Notebook:`` back-link is true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from adl.book.runner import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "adl"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, tree: ast.AST) -> set[str]:
    """The adl modules a module imports, at the top or inside functions (a lazy import that
    closes a loop is a cycle all the same)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                base = ".".join(up[: len(up) - node.level + 1] + ([base] if base else []))
            # ``from adl.x import y`` imports the submodule adl.x.y when there is one.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        out |= {n for n in names if n in MODULES and n != module}
    return out


def import_graph() -> dict[str, set[str]]:
    """adl module -> the adl modules it imports, from the source (nothing is imported)."""
    return {m: _imported(m, ast.parse(p.read_text(encoding="utf-8"))) for m, p in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycle_in_adl():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_a_lazy_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    tree = ast.parse("def f():\n    from adl.train import train\n")
    assert _imported("adl.inference", tree) == {"adl.train"}


# -- Notebook: back-links ------------------------------------------------------------------------


def _notebook_code(name: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def back_links() -> list[tuple[str, str, str, set[str]]]:
    """Every ``Notebook: NAME`` line of a docstring in adl: ``(where, notebook, kind, names)``.

    ``names`` are the words whose presence in the notebook's code shows that it uses the
    object: a function's or class's name; for a module, its public names and its import path.
    """
    links = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public = {n.name for n in tree.body
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}
        targets = [t for n in tree.body if isinstance(n, ast.Assign) for t in n.targets]
        targets += [n.target for n in tree.body if isinstance(n, ast.AnnAssign)]
        public |= {t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
                continue
            doc = ast.get_docstring(node) or ""
            for notebook in re.findall(r"^\s*Notebook: (\w+)", doc, re.M):
                if isinstance(node, ast.Module):
                    links.append((module, notebook, "module", public | {module}))
                else:
                    links.append((f"{module}.{node.name}", notebook, "object", {node.name}))
    return links


LINKS = back_links()


def test_back_links_exist():
    assert len(LINKS) > 20  # the parser found the docstrings


@pytest.mark.parametrize("where,notebook,kind,names", LINKS,
                         ids=[f"{w}->{n}" for w, n, _, _ in LINKS])
def test_back_link_names_a_chapter_that_uses_it(where, notebook, kind, names):
    assert notebook in NOTEBOOKS, f"{where}: Notebook: {notebook} is not a chapter of the book"
    code = _notebook_code(notebook)
    used = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}\b", code)
            or (kind == "module" and f"{n} import" in code)]
    assert used, (f"{where} says 'Notebook: {notebook}', but that chapter's code never uses "
                  f"{'any of its names' if kind == 'module' else 'it'}")
