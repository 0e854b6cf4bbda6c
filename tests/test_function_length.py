"""Short functions: a reader follows the method from one short function to the next.

Every function of the paper's modules (audio, mixing, data, models, train, tables, metrics) fits
in :data:`PAPER_LIMIT` lines, and every other function of ``adl/`` in :data:`OTHER_LIMIT`. A
function's length is its whole ``def`` span, decorators excluded, docstring and nested
functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "adl"

PAPER_LIMIT = 80
OTHER_LIMIT = 100
#: The paper's layer: these modules and packages (relative to ``adl/``).
PAPER_MODULES = ("audio.py", "mixing.py", "train.py", "table1.py", "table2.py", "models/",
                 "metrics/", "data/")

#: The embedded-corpus factory builds data, not the method: it is the one layer exempt.
EXEMPT = ("corpus/",)


def _limit(relative: str) -> int:
    paper = any(relative == m or (m.endswith("/") and relative.startswith(m))
                for m in PAPER_MODULES)
    return PAPER_LIMIT if paper else OTHER_LIMIT


def function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, lines)`` of every function and method in a file."""
    found: list[tuple[str, int, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child.lineno,
                              child.end_lineno - child.lineno + 1))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


FILES = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("relative", [f for f in FILES if not f.startswith(EXEMPT)])
def test_functions_are_short(relative: str) -> None:
    limit = _limit(relative)
    long = [f"{name} (line {line}): {n} lines" for name, line, n in
            function_lengths(PACKAGE / relative) if n > limit]
    assert not long, f"adl/{relative}: functions over {limit} lines: {'; '.join(long)}"


def test_the_length_rule_counts_the_whole_def(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('class A:\n    def f(self):\n        """Doc."""\n\n        return 1\n\n\n'
                      'def g():\n    def h():\n        pass\n    return h\n', encoding="utf-8")
    assert function_lengths(source) == [("A.f", 2, 4), ("g", 8, 4), ("g.h", 9, 2)]
    assert _limit("models/encoder.py") == PAPER_LIMIT and _limit("floor.py") == OTHER_LIMIT
    assert _limit("data/clotho.py") == PAPER_LIMIT and _limit("table1.py") == PAPER_LIMIT


def test_the_exemption_names_a_package_of_adl() -> None:
    # An exemption that names no folder would hide nothing and outlive its reason.
    assert all((PACKAGE / folder).is_dir() for folder in EXEMPT)
