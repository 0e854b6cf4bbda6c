"""The book can be cited: CITATION.cff, the book's BibTeX entry and the package agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_citation_the_bibtex_entry_and_the_package_carry_one_version():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] and cff["title"] and cff["authors"] and cff["version"] == version
    page = (ROOT / "book" / "run_it.md").read_text(encoding="utf-8")
    bibtex = re.search(r"```bibtex\n(.*?)```", page, re.S)
    assert bibtex and f"version = {{{version}}}" in bibtex.group(1)
    assert cff["title"] in bibtex.group(1)
    toc = (ROOT / "book" / "_toc.yml").read_text(encoding="utf-8")
    assert "file: run_it" in toc


def test_the_licence_is_one_and_the_same_in_every_place_that_names_it():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', pyproject, re.M)
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["license"] == "MIT"
    assert "MIT licence (`LICENSE`)" in (ROOT / "README.md").read_text(encoding="utf-8")
