"""The book: notebook anatomy (fast), the papermill runner and the Jupyter Book site (slow)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from adl import book
from adl.book import NOTEBOOKS, BookError, build_book, prepare_site, resolve_notebooks

ROOT = Path(__file__).resolve().parents[1]
# Every chapter: a missing one fails test_notebooks_clean.py's test_every_chapter_is_committed.
COMMITTED = [ROOT / "notebooks" / f"{name}.ipynb" for name in NOTEBOOKS]


# -- the smoke build, shared by this module and test_site.py ----------------------------------


def smoke_book(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the smoke book once per test session (every committed chapter) and describe it.

    The result is cached on disk under the session's base temp folder, so test_site.py reuses
    the build instead of running the notebooks a second time. A failed build is cached too.
    """
    base = tmp_path_factory.getbasetemp() / "smoke-book"
    result_file = base / "result.json"
    if not result_file.is_file():
        base.mkdir(parents=True, exist_ok=True)
        lines: list[str] = []
        result = {"build": str(base / "build"), "log": lines}
        try:
            index = build_book("smoke", root=shared_data_root(tmp_path_factory),
                               build_dir=base / "build", log=lines.append, timeout_per_cell=900)
            result["index"] = str(index)
        except BookError as e:
            result["error"] = str(e)
        result_file.write_text(json.dumps(result), encoding="utf-8")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    if "error" in result:
        pytest.fail(f"the smoke book did not build: {result['error']}")
    return result


def shared_data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data root for the session: the smoke corpus is generated once (a few seconds)."""
    return tmp_path_factory.getbasetemp() / "book-data"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    return smoke_book(tmp_path_factory)


# -- anatomy of every committed notebook (fast) -----------------------------------------------


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _heading_index(nb, heading: str) -> int:
    """The index of the first markdown cell with a ``## heading`` line, or -1."""
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown" and re.search(rf"^#+ {heading}\b", c.source, re.M):
            return i
    return -1


def _without_prints(source: str) -> str:
    """The code of a cell less its print calls: printing a knob is not using it."""
    tree = ast.parse(source)
    tree.body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                                             and getattr(n.value.func, "id", "") == "print")]
    for node in ast.walk(tree):  # prints inside loops
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and node is not tree:
                kept = [n for n in block if not (isinstance(n, ast.Expr)
                                                 and isinstance(n.value, ast.Call)
                                                 and getattr(n.value.func, "id", "") == "print")]
                setattr(node, field, kept or [ast.Pass()])
    return ast.unparse(tree)


def _declared(source: str) -> list[str]:
    return re.findall(r"^([A-Za-z_]\w*)\s*:\s*\w+\s*=", source, re.M)


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_notebook_anatomy(path):
    """Title, subtitle, What you will learn, parameters, printed config, imports, the body,
    Summary, Exercises: in that order."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), \
        f"{path.name}: the first cell must be the title (a '# ' heading)"
    body = [line for line in first.source.splitlines()[1:] if line.strip()]
    assert body, f"{path.name}: the title needs a one-line subtitle under it"

    code_at = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    params_at, config_at = code_at[0], code_at[1]
    params = nb.cells[params_at].source
    assert "parameters" in nb.cells[params_at].metadata.get("tags", []), \
        f"{path.name}: the first code cell must be tagged 'parameters'"
    learn = _heading_index(nb, "What you will learn")
    summary, exercises = _heading_index(nb, "Summary"), _heading_index(nb, "Exercises")
    assert 0 < learn < params_at, f"{path.name}: 'What you will learn' comes before the parameters"
    assert config_at == params_at + 1, f"{path.name}: the config cell follows the parameters"
    config = nb.cells[config_at].source
    assert "load_preset(preset)" in config and re.search(r"print\(.*\b(cfg|config)\b", config, re.S), \
        f"{path.name}: the cell after the parameters turns them into a config and prints it"
    assert max(code_at) < summary <= exercises, \
        f"{path.name}: 'Summary' then 'Exercises' close the chapter, after all code"

    declared = _declared(params)
    assert "preset" in declared, f"{path.name}: every chapter takes a preset"
    for line in params.splitlines():
        if line.strip():
            assert re.match(r"^\w+: [\w\[\], ]+ = .+  # .+", line), \
                f"{path.name}: parameters are '<name>: <type> = <value>  # <comment>': {line!r}"
    rest = "\n".join([_without_prints(config)] + [nb.cells[i].source for i in code_at[2:]])
    for name in declared:  # a knob the chapter does not use is noise for the reader
        assert re.search(rf"(?<![\w.]){name}\b", rest), \
            f"{path.name}: the parameter {name!r} is never used"

    sources = "\n".join(nb.cells[i].source for i in code_at)
    assert "import *" not in sources, f"{path.name}: no star imports"
    assert re.search(r"^from adl\.\w+", sources, re.M), f"{path.name}: imports nothing from adl"


def test_anatomy_check_catches_disorder(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T\nsub"),
                nbformat.v4.new_markdown_cell("## What you will learn\n- x"),
                nbformat.v4.new_code_cell('preset: str = "smoke"  # which'),
                nbformat.v4.new_code_cell("cfg = load_preset(preset)\nprint(cfg)"),
                nbformat.v4.new_markdown_cell("## Exercises\n1. x"),
                nbformat.v4.new_markdown_cell("## Summary\n- x")]
    nb.cells[2].metadata["tags"] = ["parameters"]
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="Summary"):
        test_notebook_anatomy(path)
    nb.cells[4], nb.cells[5] = nb.cells[5], nb.cells[4]
    nb.cells[3].source = "from adl.config import load_preset\n" + nb.cells[3].source
    nbformat.write(nb, path)
    test_notebook_anatomy(path)


def test_every_chapter_of_the_book_is_listed_in_the_toc():
    toc = (ROOT / "book" / "_toc.yml").read_text(encoding="utf-8")
    for name in NOTEBOOKS:
        assert f"notebooks/{name}" in toc
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["bibtex_bibfiles"] == ["references.bib"]


def test_missing_chapters_are_skipped_out_loud(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, tmp_path / "01_data_mixing.ipynb")
    monkeypatch.setattr(book, "NOTEBOOK_DIR", tmp_path)
    lines: list[str] = []
    found = resolve_notebooks(None, log=lines.append)
    assert found == [tmp_path / "01_data_mixing.ipynb"]
    assert len(lines) == len(NOTEBOOKS) - 1
    assert all("skipping" in line and "does not exist" in line for line in lines)
    with pytest.raises(BookError, match="notebook not found"):
        resolve_notebooks([tmp_path / "nope.ipynb"])


def test_site_sources_list_only_the_executed_chapters(tmp_path):
    executed = tmp_path / "executed" / "02_encoder_decoder.ipynb"
    executed.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Two")]),
                   executed)
    lines: list[str] = []
    site = prepare_site([executed], tmp_path / "site-src", log=lines.append)
    toc = yaml.safe_load((site / "_toc.yml").read_text(encoding="utf-8"))
    files = re.findall(r"notebooks/\w+", yaml.safe_dump(toc))
    assert files == ["notebooks/02_encoder_decoder"]
    assert (site / "notebooks" / "02_encoder_decoder.ipynb").is_file()
    assert (site / "intro.md").is_file() and (site / "references.bib").is_file()
    config = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert sum("leaving" in line for line in lines) == len(NOTEBOOKS) - 1


# -- the runner (slow: kernels and a site build) ----------------------------------------------


@pytest.mark.slow
def test_smoke_book_executes_every_chapter_and_builds_the_site(built):
    build = Path(built["build"])
    assert COMMITTED, "no notebooks committed"
    for path in COMMITTED:
        executed = build / "notebooks" / path.name
        assert executed.is_file(), f"{executed} was not written"
        nb = nbformat.read(executed, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name}: a cell was not executed"
        assert any(c.outputs for c in code), f"{path.name}: no outputs at all"
        errors = [(i, o.ename) for i, c in enumerate(code) for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, f"{path.name}: error outputs {errors}"
        # papermill received the runner's parameters (absolute paths)
        injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and 'preset = "smoke"' in injected[0].source
        assert re.search(r'data_root = "/', injected[0].source)

    index = Path(built["index"])
    assert index.is_file() and index.name == "index.html"
    html = index.parent
    for page in ("intro", "references", "full_scale"):
        assert (html / f"{page}.html").is_file(), f"no {page}.html"
    for path in COMMITTED:
        assert (html / "notebooks" / f"{path.stem}.html").is_file(), f"no page for {path.stem}"
    assert (html / "_images" / "adl_pipeline.svg").is_file()

    log = "\n".join(built["log"])
    for path in COMMITTED:
        assert re.search(rf"{path.stem}\.ipynb: [\d.]+ s", log), f"no timing for {path.stem}"
    assert str(index) in log
    missing = [n for n in NOTEBOOKS if not (ROOT / "notebooks" / f"{n}.ipynb").is_file()]
    for name in missing:
        assert f"skipping {name}" in log


@pytest.mark.slow
def test_a_failing_notebook_stops_the_build_with_one_line(tmp_path, tmp_path_factory):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('preset: str = "default"  # smoke | default | paper')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A broken chapter"), params,
                nbformat.v4.new_code_cell("x = 41 + 1\nprint(x)"),
                nbformat.v4.new_code_cell("y = x / 0"),
                nbformat.v4.new_code_cell("print('never reached')")]
    bad = tmp_path / "bad_chapter.ipynb"
    nbformat.write(nb, bad)
    build = tmp_path / "build"

    with pytest.raises(BookError) as info:
        build_book("smoke", root=shared_data_root(tmp_path_factory), build_dir=build,
                   notebooks=[bad], log=lambda line: None)
    message = str(info.value)
    partial = build / "notebooks" / "bad_chapter.ipynb"
    assert "\n" not in message
    assert "bad_chapter.ipynb" in message
    assert "cell 3" in message  # the index of `y = x / 0` in the committed notebook
    assert "ZeroDivisionError" in message and "division by zero" in message
    assert str(partial) in message

    kept = nbformat.read(partial, as_version=4)
    ran = [c for c in kept.cells if c.cell_type == "code" and "x = 41" in c.source][0]
    assert ran.outputs and "42" in ran.outputs[0]["text"]
    assert not (build / "site-src").exists(), "no site is built after a failed notebook"


def test_only_declared_parameters_are_passed():
    from adl.book import declared_parameters

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'preset: str = "default"  # a comment = not a name\nseeds: list = [0, 1]\nx = 3\n'
        '    indented = 1\nprint(preset == "x")', metadata={"tags": ["parameters"]})])
    assert declared_parameters(nb) == {"preset", "seeds", "x"}
    assert declared_parameters(nbformat.v4.new_notebook()) is None
    for name in NOTEBOOKS:  # the anatomy test checks that each chapter uses what it declares
        declared = declared_parameters(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", 4))
        assert "preset" in declared, name
