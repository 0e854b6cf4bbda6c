"""No fixed prose claims an outcome: a sentence that states a result is computed from the runs.

A chapter's Markdown explains the method; whether a run converged, whether the comparison was
fair, whether ADL helps or a Table 2 claim holds is for the runs to say. The phrases below are
the ones that state such outcomes. None may appear in a notebook's Markdown cells or in the
book's pages; the ones the library writes must be found in the module that computes them, so
the list cannot drift away from what the book really prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))

#: Outcome phrases that are computed, and the module whose sentences hold them.
COMPUTED: dict[str, str] = {
    r"every run converged": "notebooks/03_adl_training.ipynb",
    r"every ADL and baseline run converged": "adl/results.py",
    r"not converged": "notebooks/03_adl_training.ipynb",
    r"scores (\{v\.outcome\}|higher|lower) than the baseline": "adl/results.py",
    r"runs cannot tell": "adl/results.py",
    r"the interval excludes zero": "adl/intervals.py",
    r"this design finds a true difference": "adl/intervals.py",
    r"one seed a side cannot say": "adl/results.py",
}
#: Outcome phrases that no fixed text may state at all (they were claims the runs contradicted).
CLAIMS: tuple[str, ...] = (
    r"\bADL (helps|hurts)\b",
    r"supports? the claim",
    r"\b(trained|run|runs) to convergence\b",
    r"\bat convergence\b",
    r"fair by construction",
    r"\bmake[s]? this a fair test\b",
    r"\bsame schedule\b",
    r"no method is judged",
    r"differences between the runs come from the method",
    r"more epochs would not have helped",
    r"isolates the method",
    r"the paired test is the sharper",
    r"\bwith three seeds per method\b",
)


def fixed_prose(path: Path) -> list[str]:
    """The fixed text of a chapter (its Markdown cells) or a page."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    return [cell.source for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "markdown"]


def claims_in(texts: list[str]) -> list[str]:
    """Every outcome phrase (of :data:`COMPUTED` and :data:`CLAIMS`) found in ``texts``."""
    found = []
    for pattern in (*COMPUTED, *CLAIMS):
        for text in texts:
            for m in re.finditer(pattern, re.sub(r"\s+", " ", text), flags=re.IGNORECASE):
                found.append(m.group(0))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + PAGES, ids=[p.name for p in NOTEBOOKS + PAGES])
def test_fixed_prose_claims_no_outcome(path):
    assert claims_in(fixed_prose(path)) == [], (
        f"{path.name}: a fixed sentence states an outcome; compute it from the runs instead")


@pytest.mark.parametrize("pattern, module", COMPUTED.items())
def test_computed_phrases_are_written_by_the_code(pattern, module):
    path = ROOT / module
    text = ("\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                      if cell.cell_type == "code")
            if path.suffix == ".ipynb" else path.read_text(encoding="utf-8"))
    assert re.search(pattern, re.sub(r"\s+", " ", text), flags=re.IGNORECASE), (
        f"{module} no longer writes /{pattern}/: update the list")


def test_the_checker_finds_a_claim(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Every run\nconverged before its ceiling."),
                nbformat.v4.new_code_cell("print('ADL helps')"),
                nbformat.v4.new_markdown_cell("The method is explained here.")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert claims_in(fixed_prose(path)) == ["Every run converged"]  # code cells may compute it
    page = tmp_path / "page.md"
    page.write_text("On this corpus ADL helps.\n")
    assert claims_in(fixed_prose(page)) == ["ADL helps"]
