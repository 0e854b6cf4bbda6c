"""The package's shape: no import cycle, layers the paper's code never imports (the corpus
factory, the book's machinery, the benchmarks), and every ``Notebook:`` back-link is true."""

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


def _import_names(module: str, tree: ast.AST) -> set[str]:
    """Every module a module imports (absolute names, adl's or not), at the top or inside
    functions (a lazy import that closes a loop is a cycle all the same)."""
    is_package = module in MODULES and MODULES[module].name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
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
        out |= set(names)
    return out


def _imported(module: str, tree: ast.AST) -> set[str]:
    """The adl modules a module imports (see :func:`_import_names`)."""
    return {n for n in _import_names(module, tree) if n in MODULES and n != module}


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


#: Layers beside the paper's code, which the paper's modules never import: the book's machinery
#: (runner, paths, site checks) and the corpus factory. ``adl.cli``, the command line, stands
#: above every layer.
LAYERS = ("adl.book", "adl.corpus")
ENTRY_POINTS = {"adl.cli"}
#: The benchmarks: scripts in the repository, outside the package, that the paper's code never
#: imports or loads (``adl bench`` is the command line's).
BENCHMARKS = ROOT / "benchmarks"
BENCHMARK_MODULES = {"benchmarks"} | {p.stem for p in BENCHMARKS.glob("*.py")}


def _in_layer(module: str) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in LAYERS)


PAPER_MODULES = sorted(m for m in MODULES if not _in_layer(m) and m not in ENTRY_POINTS)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of a module, its classes and functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            out.add(id(node.body[0].value))
    return out


def layer_violations(module: str, tree: ast.AST) -> list[str]:
    """What a paper module reaches across a layer: an import of ``adl.book`` (or a module
    name of it in a string, as ``importlib.import_module`` takes), an import of a benchmark
    script, or the ``benchmarks/`` folder named in its code (as a path to load from)."""
    found = []
    for name in sorted(_import_names(module, tree)):
        if _in_layer(name):
            found.append(f"imports {name}")
        elif name.split(".")[0] in BENCHMARK_MODULES:
            found.append(f"imports {name} (benchmarks/)")
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if any(re.fullmatch(rf"{re.escape(layer)}(\.\w+)*", node.value) for layer in LAYERS):
                found.append(f"names the module {node.value!r}")
            elif re.search(r"(?<![\w-])benchmarks(?![\w-])", node.value):
                found.append(f"names {node.value!r} (benchmarks/) in its code")
    return found


def test_the_paper_never_imports_the_book_or_the_benchmarks():
    assert "adl.table2" in PAPER_MODULES and "adl.book.runner" not in PAPER_MODULES
    assert {"harness", "run_bench"} <= BENCHMARK_MODULES
    bad = {m: v for m in PAPER_MODULES
           if (v := layer_violations(m, ast.parse(MODULES[m].read_text(encoding="utf-8"))))}
    assert not bad, f"paper modules that reach into the book's layer or benchmarks/: {bad}"


@pytest.mark.parametrize("source,found", [
    ("from adl.book.paths import book_parameters", "imports adl.book.paths"),
    ("def f():\n    from adl.book import runner", "imports adl.book.runner"),
    ("import adl.book", "imports adl.book"),
    ("from adl.corpus.prepare import prepare_corpus", "imports adl.corpus.prepare"),
    ("from ..book.site import Browser", "imports adl.book.site"),
    ("import importlib\nimportlib.import_module('adl.book.runner')", "names the module"),
    ("from run_bench import run_benchmarks", "imports run_bench (benchmarks/)"),
    ("import benchmarks.scaling", "imports benchmarks.scaling (benchmarks/)"),
    ("SCRIPT = ROOT / 'benchmarks' / 'harness.py'", "names 'benchmarks' (benchmarks/)"),
    ("from harness import run_benchmarks", "imports harness (benchmarks/)"),
])
def test_the_layer_check_catches_each_way_across(source, found):
    violations = layer_violations("adl.models.encoder", ast.parse(source))
    assert any(v.startswith(found) for v in violations), violations


def test_the_layer_check_passes_docstrings_and_the_paper():
    source = ('"""Measured with benchmarks/harness.py; the runner is adl.book.runner."""\n'
              "from adl.config import load_preset\nmsg = 'run adl book first'\n")
    assert layer_violations("adl.table1", ast.parse(source)) == []


def test_cycle_finder_finds_a_lazy_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    tree = ast.parse("def f():\n    from adl.train import train\n")
    assert _imported("adl.inference", tree) == {"adl.train"}


#: The paper's packages: they read the embedded corpus through adl.data, never the factory.
PAPER_PACKAGES = ("adl.audio", "adl.mixing", "adl.models", "adl.train", "adl.table1", "adl.table2",
                 "adl.metrics", "adl.data")
FACTORY = "adl.corpus"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def reached(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module that importing ``start`` loads (lazy imports included), with one import
    path to it."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        m = todo.pop()
        for n in sorted(graph.get(m, ())):
            if n not in paths:
                paths[n] = paths[m] + [n]
                todo.append(n)
    return paths


def factory_imports(graph: dict[str, set[str]]) -> list[str]:
    """The import paths by which a paper module (or one of its submodules) reaches adl.corpus."""
    found = []
    for start in sorted(m for m in graph if any(_within(m, p) for p in PAPER_PACKAGES)):
        for target, path in sorted(reached(graph, start).items()):
            if _within(target, FACTORY):
                found.append(" -> ".join(path))
                break
    return found


def test_paper_modules_never_import_the_corpus_factory():
    graph = import_graph()
    assert all(p in graph for p in PAPER_PACKAGES) and FACTORY in graph
    bad = factory_imports(graph)
    assert not bad, "a paper module imports adl.corpus: " + "; ".join(bad)


def test_factory_check_finds_an_indirect_import():
    graph = {"adl.table2": {"adl.events"}, "adl.events": {"adl.corpus.sources"},
             "adl.corpus.sources": set(), "adl.corpus": set(), "adl.cli": {"adl.corpus"}}
    assert factory_imports(graph) == ["adl.table2 -> adl.events -> adl.corpus.sources"]


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
