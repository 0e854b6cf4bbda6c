"""adl.book.paths: a notebook opened by hand resolves its defaults to what `adl book` uses
(fast)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import nbformat
import pytest

from adl.book.paths import (BUILD_DIR_ENV, DATA_ROOT_ENV, REPO_ROOT, best_run, book_build_dir,
                            book_data_root, book_output_dir, book_parameters)
from adl.book.runner import NOTEBOOKS, build_book
from adl.cli import main

from test_book import stub_the_runner


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
    # A folder named explicitly (`adl book --build-dir x --root d`) is the working directory's,
    # as any path typed on a command line; it wins over the environment.
    assert book_build_dir("x") == tmp_path / "x"
    assert book_data_root("smoke", "d") == tmp_path / "d"
    assert book_output_dir("smoke", "x") == tmp_path / "x" / "outputs" / "smoke"


def _book(monkeypatch, tmp_path, *args: str, cli: bool = False, **kwargs) -> dict:
    """Run ``build_book`` (or the ``adl book`` command line with ``args``) with the runner
    stubbed: what it passed to the notebooks, where it put them and its screenshots."""
    calls = stub_the_runner(monkeypatch)
    if cli:
        assert main(["book", "--preset", "smoke", *args]) == 0
    else:
        chapter = tmp_path / "chapter.ipynb"
        nbformat.write(nbformat.v4.new_notebook(), chapter)
        build_book(*args, notebooks=[chapter], log=lambda line: None, **kwargs)
    parameters = calls["parameters"]
    assert parameters and all(p == parameters[0] for p in parameters)
    return {"parameters": parameters[0], "notebooks": calls["outs"][0].parent,
            "screenshots": calls["screenshots"][2]}


@pytest.mark.parametrize("preset", ["smoke", "default", "full"])
def test_what_the_book_passes_is_what_a_notebook_resolves(preset, no_env, monkeypatch,
                                                          tmp_path):
    """build_book hands every chapter adl.book.paths.book_parameters, from any working directory;
    test_a_notebook_run_by_hand_resolves_to_the_book shows that a chapter's defaults resolve
    to the same values."""
    # $ADL_BUILD_DIR keeps the build (the runner's folders) out of the repository's build/.
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "build"))
    monkeypatch.chdir(tmp_path)
    passed = _book(monkeypatch, tmp_path, preset)["parameters"]
    assert passed == book_parameters(preset)
    assert passed["data_root"] == str(REPO_ROOT / "data")  # not the working directory's
    cfg_preset = "default" if preset == "full" else preset
    assert passed["output_dir"] == str(tmp_path / "build" / "outputs" / cfg_preset)
    assert passed["ablations"] == (preset == "full")
    # the arguments of `adl book` are the same function's
    passed = _book(monkeypatch, tmp_path, preset, build_dir=tmp_path / "b", root="d", seed=3,
                   seeds=[4, 5], device="cpu")["parameters"]
    assert passed == book_parameters(preset, tmp_path / "b", root="d", seed=3, seeds=[4, 5],
                                     device="cpu")
    assert passed["data_root"] == str(tmp_path / "d")  # named: the working directory's
    assert passed["output_dir"] == str(tmp_path / "b" / "outputs" / cfg_preset)
    assert (passed["seed"], passed["seeds"], passed["device"]) == (3, [4, 5], "cpu")


def test_adl_book_honours_ADL_BUILD_DIR(no_env, monkeypatch, tmp_path):
    """`adl book` without --build-dir builds in $ADL_BUILD_DIR (where the chapters opened by
    hand look); --build-dir wins over it; a relative --build-dir is the working directory's."""
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    seen = _book(monkeypatch, tmp_path, cli=True)
    assert seen["parameters"] == book_parameters("smoke")
    assert seen["parameters"]["output_dir"] == str(tmp_path / "env" / "outputs" / "smoke")
    assert seen["notebooks"] == tmp_path / "env" / "notebooks" / "smoke"
    assert seen["screenshots"] == tmp_path / "env" / "screenshots" / "smoke"
    for given in (str(tmp_path / "cli"), "cli"):
        seen = _book(monkeypatch, tmp_path, "--build-dir", given, cli=True)
        assert seen["parameters"]["output_dir"] == str(tmp_path / "cli" / "outputs" / "smoke")
        assert seen["notebooks"] == tmp_path / "cli" / "notebooks" / "smoke"
        assert seen["screenshots"] == tmp_path / "cli" / "screenshots" / "smoke"


def test_a_build_folder_that_is_a_file_is_one_line(no_env, monkeypatch, tmp_path, capsys):
    stub_the_runner(monkeypatch)
    (tmp_path / "taken").write_text("not a folder")
    assert main(["book", "--preset", "smoke", "--build-dir", str(tmp_path / "taken")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: build folder {tmp_path / 'taken'} exists and is not a folder\n"


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
