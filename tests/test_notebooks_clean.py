"""Committed notebooks carry no outputs, and docstrings only name notebooks of the book."""

import re
from pathlib import Path

import nbformat
import pytest

from adl.book.runner import NOTEBOOKS, cells_with_outputs

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_chapter_is_committed():
    assert [p.stem for p in COMMITTED] == list(NOTEBOOKS)


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_notebook_has_no_outputs(path):
    assert cells_with_outputs(path) == [], f"{path.name}: strip outputs before committing"


def test_checker_finds_outputs(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1 + 1"),
                nbformat.v4.new_code_cell("2 + 2")]
    nb.cells[2].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "4"},
                                                  execution_count=1)]
    nb.cells[2].execution_count = 1
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert cells_with_outputs(path) == [2]
    nb.cells[2].outputs = []
    nb.cells[2].execution_count = None
    nbformat.write(nb, path)
    assert cells_with_outputs(path) == []


def test_docstrings_name_only_notebooks_of_the_book():
    named = set()
    for py in (ROOT / "adl").rglob("*.py"):
        named |= set(re.findall(r"Notebook: (\w+)", py.read_text(encoding="utf-8")))
    unknown = named - set(NOTEBOOKS)
    assert not unknown, f"docstrings name notebooks that are not in the book: {unknown}"
    for name in named:
        path = ROOT / "notebooks" / f"{name}.ipynb"
        assert path.exists(), f"docstrings name {name}, but {path} does not exist"
