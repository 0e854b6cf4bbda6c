"""adl.paths: a notebook opened by hand resolves its defaults to what `adl book` uses (fast)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import nbformat
import pytest

from adl import book
from adl.book import NOTEBOOKS, REPO_ROOT, build_book
from adl.paths import (BUILD_DIR_ENV, DATA_ROOT_ENV, best_run, book_build_dir, book_data_root,
                       book_output_dir, book_parameters)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(BUILD_DIR_ENV, raising=False)
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)


def test_defaults_are_the_repository_folders(no_env):
    assert book_build_dir() == REPO_ROOT / "build"
    assert book_data_root("smoke") == REPO_ROOT / "data"
    assert book_output_dir("smoke") == REPO_ROOT / "build" / "outputs" / "smoke"
    assert book_output_dir("default") == REPO_ROOT / "build" / "outputs" / "default"
    # `full` is the default book with the ablations: same runs, same folder
    assert book_output_dir("full") == book_output_dir("default")


def test_environment_and_arguments(no_env, monkeypatch, tmp_path):
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "b"))
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "d"))
    assert book_output_dir("smoke") == tmp_path / "b" / "outputs" / "smoke"
    assert book_data_root("default") == tmp_path / "d"
    assert book_output_dir("smoke", build_dir=tmp_path / "x") == \
        tmp_path / "x" / "outputs" / "smoke"
    # A relative path is the repository's, not the working directory's (a kernel runs in
    # notebooks/).
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(BUILD_DIR_ENV, "elsewhere")
    monkeypatch.setenv(DATA_ROOT_ENV, "my-data")
    assert book_build_dir() == REPO_ROOT / "elsewhere"
    assert book_data_root("smoke") == REPO_ROOT / "my-data"


def _parameters_of_build_book(monkeypatch, tmp_path, preset, **kwargs) -> dict:
    """The parameters build_book hands to its notebooks (no kernel, no site)."""
    seen = {}

    def execute(path, out, parameters, **_):
        seen.update(parameters)
        return 0.0

    monkeypatch.setattr(book, "execute_notebook", execute)
    monkeypatch.setattr(book, "_prepare_data", lambda *a, **k: None)
    monkeypatch.setattr(book, "prepare_site", lambda executed, site_src, **k: site_src)
    monkeypatch.setattr(book, "build_site", lambda site_src, **k: site_src / "index.html")
    chapter = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), chapter)
    build_book(preset, notebooks=[chapter], log=lambda line: None, **kwargs)
    return seen


@pytest.mark.parametrize("preset", ["smoke", "default", "full"])
def test_book_parameters_are_what_build_book_passes(preset, no_env, monkeypatch, tmp_path):
    # `make book` runs in the repository root, with the default data root and build folder;
    # a build folder in tmp_path stands for <repo>/build (nothing is written to the repository).
    monkeypatch.chdir(REPO_ROOT)
    build = tmp_path / "build"
    passed = _parameters_of_build_book(monkeypatch, tmp_path, preset, build_dir=build)
    assert passed == book_parameters(preset, build_dir=build)
    assert passed["data_root"] == str(REPO_ROOT / "data")
    # and with $ADL_DATA_ROOT / $ADL_BUILD_DIR, as the slow test of chapters 4 and 5 uses them
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(BUILD_DIR_ENV, str(build))
    passed = _parameters_of_build_book(monkeypatch, tmp_path, preset, build_dir=build)
    assert passed == book_parameters(preset)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_run_by_hand_resolves_to_the_book(name, no_env, monkeypatch, tmp_path):
    """The parameters and config cells of each chapter, run in notebooks/ with only `preset`
    set, give the data root and output folder of `adl book --preset smoke`."""
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "build"))
    monkeypatch.chdir(REPO_ROOT / "notebooks")
    nb = nbformat.read(REPO_ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    params, config = [c.source for c in nb.cells if c.cell_type == "code"][:2]
    namespace: dict = {}
    exec(compile(params + '\npreset = "smoke"\n', f"{name}:parameters", "exec"), namespace)
    try:
        exec(compile(config, f"{name}:config", "exec"), namespace)
    except FileNotFoundError:  # chapter 7 looks for evaluated runs at once; none here
        assert name == "07_results"
    expected = book_parameters("smoke")
    assert namespace["data_root"] == expected["data_root"] == str(REPO_ROOT / "data")
    if "output_dir" in namespace:
        assert namespace["output_dir"] == expected["output_dir"] \
            == str(tmp_path / "build" / "outputs" / "smoke")
    if "device" in namespace:
        assert namespace["device"] == expected["device"]
    seeds = namespace.get("run_seeds", namespace.get("seeds"))
    if seeds is not None:
        assert list(seeds) == expected["seeds"] == [0]


def test_parameters_default_to_the_book():
    """Every chapter's path, seed and device knobs default to "" or [] (the book's)."""
    for name in NOTEBOOKS:
        nb = nbformat.read(REPO_ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        params = next(c.source for c in nb.cells if c.cell_type == "code")
        for knob, empty in (("data_root", '""'), ("output_dir", '""'), ("device", '""'),
                            ("seeds", "[]")):
            line = [x for x in params.splitlines() if x.startswith(f"{knob}:")]
            if line:
                assert f"= {empty}  #" in line[0] and "book" in line[0], (name, line[0])
        assert "../build" not in params, name


def _run(tmp_path: Path, name: str, scores: dict | None) -> Path:
    run = tmp_path / name
    run.mkdir()
    if scores is not None:
        (run / "metrics.json").write_text(json.dumps({"split": "evaluation", "scores": scores}))
    return run


def test_best_run(tmp_path):
    a = _run(tmp_path, "adl-seed0", {"cider_d": 0.30, "meteor": 0.2})
    b = _run(tmp_path, "adl-seed1", {"cider_d": 0.42, "meteor": 0.1})
    c = _run(tmp_path, "adl-seed2", {"cider_d": math.nan})  # written as NaN: not a score
    d = _run(tmp_path, "adl-seed3", None)  # not evaluated
    assert best_run([a, b, c, d]) == b
    assert best_run(iter([a, b]), metric="meteor") == a
    with pytest.raises(FileNotFoundError, match="chapter 4"):
        best_run([c, d])
    with pytest.raises(FileNotFoundError):
        best_run([os.fspath(tmp_path / "missing")])
