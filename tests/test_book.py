"""The book: notebook anatomy (fast), the papermill runner and the Jupyter Book site (slow)."""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import struct
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
import yaml

from adl.book import runner
from adl.book.runner import (NOTEBOOKS, BookError, build_book, prepare_site,
                             resolve_notebooks)

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


def stub_the_runner(monkeypatch: pytest.MonkeyPatch, *, screenshots: bool = False) -> dict:
    """build_book without kernels, data or Jupyter Book (milliseconds): each stub records what
    it was given in the returned dict. The site is two empty pages per chapter folder; with
    ``screenshots`` the real adl.book.site code takes them, else a stub records its arguments."""
    calls: dict = {"parameters": [], "outs": []}

    def execute(path, out, parameters, **_):
        calls["parameters"].append(dict(parameters))
        calls["outs"].append(out)
        return 2.5

    def prepare(executed, site_src, *, pages=None, **_):
        calls["executed"] = list(executed)
        calls["pages"] = dict(pages or {})
        return site_src

    def build(site_src, **_):
        html = site_src / "_build" / "html"
        for nb in calls["executed"]:
            page = html / "notebooks" / f"{nb.stem}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"<h1>{nb.stem}</h1>", encoding="utf-8")
        (html / "index.html").write_text("<h1>index</h1>", encoding="utf-8")
        return html / "index.html"

    def shoot(html, pages, out_dir, **_):
        calls["screenshots"] = (html, list(pages), out_dir)
        return [out_dir / f"{Path(p).stem}.png" for p in pages]

    monkeypatch.setattr(runner, "execute_notebook", execute)
    monkeypatch.setattr(runner, "_prepare_data", lambda *a, **k: None)
    monkeypatch.setattr(runner, "prepare_site", prepare)
    monkeypatch.setattr(runner, "build_site", build)
    if not screenshots:
        monkeypatch.setattr(runner, "screenshot_pages", shoot)
    return calls


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
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", tmp_path)
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


@pytest.mark.parametrize("preset, findings", [("default", ["**Does ADL help?** computed"]),
                                              ("smoke", [])])
def test_the_introduction_opens_with_the_findings_and_other_presets_wear_a_banner(
        tmp_path, preset, findings):
    from adl.book.runner import FINDINGS_MARKER, NO_FINDINGS

    assert FINDINGS_MARKER in (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    png = tmp_path / "key.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    site = prepare_site([], tmp_path / "site-src", log=lambda line: None, preset=preset,
                        findings=findings,
                        findings_figure=(png, "Means: ADL 0.3.", "dots by\nmethod"))
    intro = (site / "intro.md").read_text(encoding="utf-8")
    assert FINDINGS_MARKER not in intro
    assert ("- **Does ADL help?** computed" in intro) if findings else (NO_FINDINGS in intro)
    # the key figure follows the findings, and only when there are findings
    if findings:
        assert "```{figure} findings.png\n:alt: dots by method\n" in intro
        assert "Means: ADL 0.3." in intro and (site / "findings.png").is_file()
    else:
        assert "findings.png" not in intro and not (site / "findings.png").exists()
    config = yaml.safe_load((site / "_config.yml").read_text(encoding="utf-8"))
    banner = config.get("html", {}).get("announcement")
    if preset == "default":
        assert banner is None
    else:
        assert "<b>smoke</b>" in banner and "tiny data" in banner


# -- screenshots of the built site -------------------------------------------------------------


def _chapter(tmp_path: Path) -> Path:
    path = tmp_path / "chapters" / "01_data_mixing.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), path)
    return path


def test_the_book_screenshots_its_chapters_into_the_build(monkeypatch, tmp_path):
    calls = stub_the_runner(monkeypatch)
    lines: list[str] = []
    index = build_book("smoke", build_dir=tmp_path / "build", notebooks=[_chapter(tmp_path)],
                       log=lines.append)
    html, pages, out_dir = calls["screenshots"]
    assert html == index.parent and pages == ["notebooks/01_data_mixing.html"]
    assert out_dir == tmp_path / "build" / "screenshots" / "smoke"
    assert sum(line.startswith("screenshots: 1 page(s) in ") for line in lines) == 1


@pytest.mark.parametrize("chromium", ["missing", "broken"])
def test_the_book_builds_without_a_working_chromium(chromium, monkeypatch, tmp_path):
    """No Chromium, or one that exits at once: the site is built all the same, and one line says
    why there are no screenshots (no traceback)."""
    stub_the_runner(monkeypatch, screenshots=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if chromium == "broken":
        fake = bin_dir / "chromium"
        fake.write_text("#!/bin/sh\nexit 3\n")
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    lines: list[str] = []
    index = build_book("smoke", build_dir=tmp_path / "build", notebooks=[_chapter(tmp_path)],
                       log=lines.append)
    assert index.is_file()
    said = [line for line in lines if line.startswith("screenshots:")]
    reason = {"missing": "chromium is not installed (Debian: apt-get install chromium)",
              "broken": "chromium exited with status 3 before opening its DevTools port"}
    assert said == [f"screenshots: skipped ({reason[chromium]})"]
    assert not list((tmp_path / "build").glob("screenshots/**/*.png"))


def test_a_missing_page_is_one_line(tmp_path):
    from adl.book.site import SiteError, screenshot_pages

    with pytest.raises(SiteError, match=r"^no page notebooks/x\.html in "):
        screenshot_pages(tmp_path, ["notebooks/x.html"], tmp_path / "shots")
    (tmp_path / "a").mkdir()
    for page in ("a/x.html", "x.html"):
        (tmp_path / page).write_text("x")
    with pytest.raises(SiteError, match="same name"):
        screenshot_pages(tmp_path, ["a/x.html", "x.html"], tmp_path / "shots")


# -- the runner (slow: kernels and a site build) ----------------------------------------------


@pytest.mark.slow
def test_smoke_book_executes_every_chapter_and_builds_the_site(built):
    build = Path(built["build"])
    assert COMMITTED, "no notebooks committed"
    for path in COMMITTED:
        executed = build / "notebooks" / "smoke" / path.name
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
    assert index == build / "site" / "smoke" / "index.html" and index.is_file()
    html = index.parent
    intro = (html / "intro.html").read_text(encoding="utf-8")
    # Its own site, with the preset's banner, and chapter 7's findings up front.
    assert "tiny data" in intro and "Does ADL help with no reference?" in intro
    # and its key figure, chapter 7's Figure 7.1, with its alt text
    assert re.search(r'<img[^>]+alt="CIDEr-D of every run by method[^"]*"[^>]+findings[^"]*\.png'
                     r'|<img[^>]+findings[^"]*\.png"[^>]+alt="CIDEr-D of every run', intro), \
        "no key figure in the introduction"
    for page in ("intro", "references", "full_scale"):
        assert (html / f"{page}.html").is_file(), f"no {page}.html"
    for path in COMMITTED:
        assert (html / "notebooks" / f"{path.stem}.html").is_file(), f"no page for {path.stem}"
    assert (html / "_images" / "adl_pipeline.svg").is_file()

    log = "\n".join(built["log"])
    for path in COMMITTED:
        assert re.search(rf"{path.stem}\.ipynb: [\d.]+ s", log), f"no timing for {path.stem}"
    assert str(index) in log

    # The execution statistics: a page of the site, last in its table of contents, with every
    # chapter's measured time (the log's, to the tenth of a second under a minute).
    toc = yaml.safe_load((build / "site-src" / "smoke" / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["parts"][-1]["chapters"] == [{"file": "status"}]
    status = (html / "status.html").read_text(encoding="utf-8")
    assert "Execution statistics" in status and "smoke" in status
    for path in COMMITTED:
        assert f'href="notebooks/{path.stem}.html"' in status and f"{path.stem}.ipynb" in status
        seconds = float(re.search(rf"{path.stem}\.ipynb: ([\d.]+) s", log).group(1))
        if seconds < 59:
            assert f"{seconds:.1f} s" in status, path.stem
    assert "papermill" in status and metadata.version("torch") in status
    missing = [n for n in NOTEBOOKS if not (ROOT / "notebooks" / f"{n}.ipynb").is_file()]
    for name in missing:
        assert f"skipping {name}" in log


@pytest.mark.slow
def test_the_build_keeps_a_screenshot_of_each_chapter(built):
    """``adl book`` leaves a full-page PNG of every chapter at desktop width in
    ``<build>/screenshots/<preset>/``, or says in one line why it could not."""
    from adl.book.site import find_chromium

    shots = Path(built["build"]) / "screenshots" / "smoke"
    said = [line for line in built["log"] if line.startswith("screenshots:")]
    if find_chromium() is None:
        assert said == ["screenshots: skipped (chromium is not installed (Debian: apt-get "
                        "install chromium))"]
        pytest.skip("chromium is not installed: the build said so and kept no screenshots")
    assert len(said) == 1 and said[0].startswith(f"screenshots: {len(COMMITTED)} page(s) in ")
    assert sorted(p.name for p in shots.iterdir()) == sorted(f"{p.stem}.png" for p in COMMITTED)
    for path in COMMITTED:
        png = (shots / f"{path.stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", path.stem
        width, height = struct.unpack(">II", png[16:24])
        # 1280 px wide, or scaled down to fit a page taller than a capture allows
        assert 600 <= width <= 1280 and height > 1600, (path.stem, width, height)
        assert len(png) > 50_000, f"{path.stem}: the screenshot is nearly blank"


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
    partial = build / "notebooks" / "smoke" / "bad_chapter.ipynb"
    assert "\n" not in message
    assert "bad_chapter.ipynb" in message
    assert "cell 3" in message  # the index of `y = x / 0` in the committed notebook
    assert "ZeroDivisionError" in message and "division by zero" in message
    assert str(partial) in message

    kept = nbformat.read(partial, as_version=4)
    ran = [c for c in kept.cells if c.cell_type == "code" and "x = 41" in c.source][0]
    assert ran.outputs and "42" in ran.outputs[0]["text"]
    assert not (build / "site-src").exists() and not (build / "site").exists(), \
        "no site is built after a failed notebook"


def test_only_declared_parameters_are_passed():
    from adl.book.runner import declared_parameters

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'preset: str = "default"  # a comment = not a name\nseeds: list = [0, 1]\nx = 3\n'
        '    indented = 1\nprint(preset == "x")', metadata={"tags": ["parameters"]})])
    assert declared_parameters(nb) == {"preset", "seeds", "x"}
    assert declared_parameters(nbformat.v4.new_notebook()) is None
    for name in NOTEBOOKS:  # the anatomy test checks that each chapter uses what it declares
        declared = declared_parameters(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", 4))
        assert "preset" in declared, name


# -- what the runner says (fast) -------------------------------------------------------------


def test_spice_is_explained_once_for_many_runs(monkeypatch):
    from adl import table1

    monkeypatch.setattr(table1, "_REASONS_SAID", set())
    spice = "SPICE needs spice-1.0.jar in /x/lib (Stanford CoreNLP 3.6.0); install with: adl y"
    unavailable = {"spice": spice,
                   "spider": f"needs SPICE, which is unavailable: {spice}",
                   "spider_fl": f"needs SPICE, which is unavailable: {spice}"}
    lines: list[str] = []
    for _run in range(9):
        table1.log_unavailable(unavailable, lines.append)
    assert sum(spice in line for line in lines) == 1, lines
    assert lines[:2] == [f"unavailable: spice: {spice}",
                         "unavailable: spider, spider_fl: needs SPICE"]
    assert lines[2:] == ["unavailable: spice, spider, spider_fl (for the reasons given above)"] * 8
    # a new reason is still said, next to the known ones
    table1.log_unavailable({"spice": spice, "meteor": "no java"}, lines.append)
    assert lines[-2:] == ["unavailable: meteor: no java",
                          "unavailable: spice (for the reasons given above)"]


def test_printed_lines_reach_the_log_one_line_each():
    from adl.book.runner import _LineLog

    lines: list[str] = []
    out = _LineLog(lines.append)
    out.write("adl seed 0 epoch 1/2: train loss 3.1")
    assert lines == []  # a line is logged once it is complete
    out.write("00\nsecond line\n\n")
    for i in range(1000):  # a bar redrawn in place
        out.write(f"\r{i}/1000")
    out.write("\n")
    out.write("no newline at the end")
    out.close()
    assert lines == ["    adl seed 0 epoch 1/2: train loss 3.100", "    second line",
                     "    999/1000", "    no newline at the end"]


def test_each_code_cell_is_announced_with_its_section():
    from adl.book.runner import _CellProgress

    params = nbformat.v4.new_code_cell('preset: str = "default"  # which',
                                       metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell('# Parameters\npreset = "smoke"',
                                         metadata={"tags": ["injected-parameters"]})
    cells = [nbformat.v4.new_markdown_cell("# Title\nsub"), params, injected,
             nbformat.v4.new_markdown_cell("## 2. Training the three methods\ntext"),
             nbformat.v4.new_code_cell("\n# train each method\nresults = []\n" + "x = 1\n" * 5),
             nbformat.v4.new_code_cell("")]
    lines: list[str] = []
    nb = nbformat.v4.new_notebook(cells=[c for c in cells if c is not injected])
    progress = _CellProgress("03_adl_training", nb, lines.append)
    for i, cell in enumerate(cells):
        progress.on_cell_start(cell=cell, cell_index=i)
        if i == 4:
            progress.stdout.write("epoch 1/2 ...\n")
    assert lines == ['03_adl_training: cell 1/2 [Title] preset: str = "default"  # which',
                     "03_adl_training: cell 2/2 [2. Training the three methods] "
                     "# train each method",
                     "    epoch 1/2 ..."]


def test_a_notebook_run_streams_progress_without_kernel_noise(tmp_path, capfd):
    """A real kernel (about 2 s): one line per code cell as it starts, the printed lines as they
    come, and none of the kernel's warnings that a reader cannot act on."""
    from adl.book.runner import execute_notebook

    params = nbformat.v4.new_code_cell('preset: str = "default"  # which',
                                       metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A chapter"), params,
        nbformat.v4.new_markdown_cell("## Training"),
        nbformat.v4.new_code_cell("for k in range(2):\n    print(f'epoch {k + 1}/2', flush=True)"),
        nbformat.v4.new_code_cell("print(preset)\nimport tqdm.auto  # warns without ipywidgets")])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    lines: list[str] = []
    execute_notebook(path, tmp_path / "out" / "tiny.ipynb", {"preset": "smoke"},
                     log=lines.append)
    assert lines == ['tiny: cell 1/3 [A chapter] preset: str = "default"  # which',
                     "tiny: cell 2/3 [Training] for k in range(2):", "    epoch 1/2",
                     "    epoch 2/2", "tiny: cell 3/3 [Training] print(preset)", "    smoke"]
    # tqdm's "IProgress not found" would have come on stderr, logged like stdout
    noise = capfd.readouterr()
    for text in (noise.out, noise.err):
        assert "without encryption" not in text and "KeyboardInterrupt" not in text, text


def _executed_copy(tmp_path: Path) -> Path:
    """A notebook as papermill leaves it: injected values with absolute paths, outputs."""
    build = tmp_path / "build"
    params = nbformat.v4.new_code_cell('preset: str = "default"  # which\ndata_root: str = ""  # x',
                                       metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell(
        f'# Parameters\npreset = "smoke"\ndata_root = "{tmp_path}/data"\n'
        f'output_dir = "{build}/outputs/smoke"\n', metadata={"tags": ["injected-parameters"]})
    config = nbformat.v4.new_code_cell("cfg = load_preset(preset)\nprint(cfg)")
    config.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                             text=f"data in {tmp_path}/data\n")]
    imports = nbformat.v4.new_code_cell("import numpy as np\n\nfrom adl.mixing import mix\n"
                                        "rng = np.random.default_rng(0)")
    body = nbformat.v4.new_code_cell("import numpy as np\nnp.ones(2)")
    body.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "array"},
                                           execution_count=4)]
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# One"), params, injected, config, imports,
        nbformat.v4.new_markdown_cell("## The idea"), body])
    nb.metadata["papermill"] = {"input_path": str(ROOT / "notebooks" / "x.ipynb"),
                                "output_path": f"{build}/notebooks/01_data_mixing.ipynb"}
    path = build / "notebooks" / "01_data_mixing.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def test_site_pages_fold_the_plumbing_and_show_no_machine_paths(tmp_path):
    from adl.book.runner import machine_paths

    executed = _executed_copy(tmp_path)
    before = executed.read_text(encoding="utf-8")
    site = prepare_site([executed], tmp_path / "site-src", log=lambda line: None,
                        paths=machine_paths(build=tmp_path / "build", data=tmp_path / "data"))
    assert executed.read_text(encoding="utf-8") == before, "the executed copy is not changed"
    page = nbformat.read(site / "notebooks" / executed.name, as_version=4)
    text = json.dumps(page)
    assert str(tmp_path) not in text and str(ROOT) not in text
    code = [c for c in page.cells if c.cell_type == "code"]
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in code)
    params, config, imports, body = code
    assert params.metadata["tags"] == ["parameters", "hide-input"]
    assert params.source.startswith('preset: str = "default"')  # the defaults, then what ran
    assert 'preset = "smoke"' in params.source
    assert 'data_root = "<data>"' in params.source
    assert 'output_dir = "<build>/outputs/smoke"' in params.source
    assert config.metadata["tags"] == ["hide-cell"] and config.outputs[0].text == "data in <data>\n"
    assert imports.metadata["tags"] == ["hide-cell"]
    assert "tags" not in body.metadata or not body.metadata["tags"]  # the idea stays open
    assert page.metadata["papermill"]["input_path"] == "<repo>/notebooks/x.ipynb"


def test_the_site_serves_its_own_mathjax():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    path = config["sphinx"]["config"]["mathjax_path"]
    assert "://" not in path, "MathJax must come from the site, not a CDN"
    # Sphinx reads mathjax_path relative to the site's _static, where html_extra_path copies it
    # (not book/_static/, whose .js files Jupyter Book loads on every page).
    assert config["sphinx"]["config"]["html_extra_path"] == ["_offline"]
    script = ROOT / "book" / "_offline" / "_static" / path
    assert script.is_file() and script.stat().st_size < 4 * 2**20
    assert not list((ROOT / "book").glob("_static/**/*.js"))
    readme = (script.parent / "README.md").read_text(encoding="utf-8")
    import hashlib

    assert hashlib.sha256(script.read_bytes()).hexdigest() in readme
    version = re.search(r"mathjax@(3\.\d+\.\d+)", readme).group(1)
    assert f'VERSION="{version}"' in script.read_text(encoding="utf-8")
    assert "Apache License" in (script.parent / "LICENSE").read_text(encoding="utf-8")


# -- a chapter opened by hand after the book reuses its runs (slow) ---------------------------


@pytest.mark.slow
def test_chapters_run_by_hand_reuse_the_books_runs(built, tmp_path, tmp_path_factory,
                                                   monkeypatch):
    """After the book, chapters 4 and 5 run from notebooks/ with only ``preset`` set, as a reader
    runs them in JupyterLab: their defaults resolve to the book's data root and output folder
    ($ADL_BUILD_DIR and $ADL_DATA_ROOT stand in for the repository's build/ and data/), no run
    is retrained or re-evaluated, and each chapter takes seconds, not the book's minutes."""
    from adl.book.paths import BUILD_DIR_ENV, DATA_ROOT_ENV, book_parameters

    build = Path(built["build"])
    outputs = build / "outputs" / "smoke"
    monkeypatch.setenv(BUILD_DIR_ENV, str(build))
    monkeypatch.setenv(DATA_ROOT_ENV, str(shared_data_root(tmp_path_factory)))
    expected = book_parameters("smoke")
    assert expected["output_dir"] == str(outputs)

    def snapshot() -> dict[str, int]:
        return {str(p.relative_to(outputs)): p.stat().st_mtime_ns
                for p in (outputs / "runs").rglob("*") if p.is_file()}

    before = snapshot()
    assert any(k.endswith("model.safetensors") for k in before), "the book trained no run"
    log = "\n".join(built["log"])
    for name in ("04_evaluation", "05_latent_space_analysis"):
        # what the book passed is what the defaults resolve to
        executed = nbformat.read(build / "notebooks" / "smoke" / f"{name}.ipynb", as_version=4)
        injected = next(c for c in executed.cells
                        if "injected-parameters" in c.metadata.get("tags", []))
        passed: dict = {}
        exec(injected.source, passed)
        shared = [k for k in expected if k in passed]
        assert {k: passed[k] for k in shared} == {k: expected[k] for k in shared}, name

        out = tmp_path / f"{name}.ipynb"
        seconds = runner.execute_notebook(ROOT / "notebooks" / f"{name}.ipynb", out,
                                        {"preset": "smoke"}, timeout_per_cell=600)
        nb = nbformat.read(out, as_version=4)
        printed = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                            for o in c.outputs)
        assert f"runs in {outputs}/runs" in printed, f"{name} did not read the book's runs"
        in_book = re.search(rf"{name}\.ipynb: ([\d.]+) s", log)
        assert seconds < 180, (f"{name} took {seconds:.0f} s by hand "
                               f"(in the book: {in_book and in_book.group(1)} s)")
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"running the chapters by hand rewrote {changed}"


# -- the execution statistics (fast) ------------------------------------------------------------


def _machine():
    from adl.book.status import Machine

    return Machine(cpu="Test CPU 9000", cores=16, usable_cores=2, memory_bytes=64 * 2**30,
                   gpus=("NVIDIA H100 80GB HBM3 (79 GiB)",), system="Linux-test",
                   python="CPython 3.11.7")


def test_the_status_page_shows_what_the_runner_measured():
    from adl.book.status import status_page

    page = status_page(
        [("01_data_mixing", 12.34), ("03_adl_training", 1500.0), ("my_notes", 3725.0)],
        preset="full", parameters={"preset": "default", "seeds": [0, 1, 2], "device": "cuda"},
        machine=_machine(), versions={"torch": "2.13.0", "myst-nb": None},
        started=datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc),
        finished=datetime(2026, 3, 1, 10, 27, tzinfo=timezone.utc), data_seconds=0.42,
        commit="0123456789ab, with local changes")
    assert page.startswith("# Execution statistics\n")
    rows = [line for line in page.splitlines() if line.startswith("| {doc}")]
    assert rows == ["| {doc}`notebooks/01_data_mixing` | `01_data_mixing.ipynb` | 12.3 s | 0 % |",
                    "| {doc}`notebooks/03_adl_training` | `03_adl_training.ipynb` | 25 min 00 s "
                    "| 29 % |",
                    "| {doc}`notebooks/my_notes` | `my_notes.ipynb` | 1 h 02 min | 71 % |"]
    assert "| **Total** | 3 notebooks | **1 h 27 min** | 100 % |" in page
    for text in ("2026-03-01 10:27 UTC (started 2026-03-01 09:00 UTC)",
                 "`full` (config preset `default`); seeds 0, 1, 2; device `cuda`",
                 "commit `0123456789ab`, with local changes", "preparing the data took 0.4 s", "Test CPU 9000",
                 "16 (2 available to the build)", "64.0 GiB", "NVIDIA H100 80GB HBM3 (79 GiB)",
                 "Linux-test", "| Python | CPython 3.11.7 |", "| torch | 2.13.0 |",
                 "| myst-nb | not installed |"):
        assert text in page, text


def test_format_duration():
    from adl.book.status import format_duration

    assert [format_duration(s) for s in (0.04, 59.94, 60.2, 3599.4, 3600, 7325)] == \
        ["0.0 s", "59.9 s", "1 min 00 s", "59 min 59 s", "1 h 00 min", "2 h 02 min"]


def test_the_machine_and_software_are_read_not_typed():
    import numpy
    import torch

    from adl.book.status import PACKAGES, git_commit, machine_info, package_versions

    machine = machine_info()
    assert machine.cores == os.cpu_count() and machine.python.endswith(platform.python_version())
    assert machine.cpu and machine.memory_bytes > 2**28 and machine.system == platform.platform()
    assert bool(machine.gpus) == torch.cuda.is_available()
    versions = package_versions()
    assert list(versions) == list(PACKAGES)
    assert versions["torch"] == torch.__version__ and versions["numpy"] == numpy.__version__
    assert versions["papermill"] and versions["jupyter-book"] and versions["myst-nb"]
    assert package_versions(["no-such-distribution-adl"]) == {"no-such-distribution-adl": None}
    assert git_commit(ROOT) is None or re.fullmatch(r"[0-9a-f]{12}(, with local changes)?",
                                                    git_commit(ROOT))


def test_the_status_page_ends_the_site(tmp_path):
    executed = tmp_path / "executed" / "02_encoder_decoder.ipynb"
    executed.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Two")]),
                   executed)
    site = prepare_site([executed], tmp_path / "site-src", log=lambda line: None,
                        pages={"status": "# Execution statistics\n"})
    assert (site / "status.md").read_text(encoding="utf-8") == "# Execution statistics\n"
    toc = yaml.safe_load((site / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["parts"][-1] == {"caption": runner.BUILD_PAGES_CAPTION,
                                "chapters": [{"file": "status"}]}
    assert not (ROOT / "book" / "status.md").exists(), "the page is written, never committed"


def test_the_runner_writes_the_status_page_from_its_timings(monkeypatch, tmp_path):
    calls = stub_the_runner(monkeypatch)
    build_book("smoke", build_dir=tmp_path / "build", notebooks=[_chapter(tmp_path)],
               log=lambda line: None)
    page = calls["pages"]["status"]
    assert "| {doc}`notebooks/01_data_mixing` | `01_data_mixing.ipynb` | 2.5 s | 100 % |" in page
    assert "`smoke`; seeds 0; device `cpu`" in page
    assert f"| torch | {metadata.version('torch')} |" in page


#: What a page must never show: the build machine's folders, and placeholders left as raw HTML
#: (which a browser swallows) instead of escaped text.
MACHINE_PATH = re.compile(r"/tmp/|/home/|/root/|site-packages")
RAW_PLACEHOLDER = re.compile(r"<(?:repo|venv|build|data)>")


def page_text(html: str) -> str:
    """The text a reader sees on a page (scripts and styles left out)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style") and self.skip > 0

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_page_text_check_finds_paths_and_swallowed_placeholders():
    assert MACHINE_PATH.search(page_text("<p>jars in /tmp/x/lib</p><script>/home/y</script>"))
    assert not MACHINE_PATH.search(page_text("<p>fine</p><script>var a='/home/y'</script>"))
    assert RAW_PLACEHOLDER.search("<p>in <venv>/lib</p>")
    assert not RAW_PLACEHOLDER.search("<p>in &lt;venv&gt;/lib</p>")


@pytest.mark.slow
def test_no_page_shows_a_machine_path(built):
    html = Path(built["index"]).parent
    found = []
    for page in sorted(html.rglob("*.html")):
        source = page.read_text(encoding="utf-8")
        text = page_text(source)
        found += [f"{page.relative_to(html)}: {m.group(0)!r} in "
                  f"{text[max(m.start() - 60, 0):m.end() + 60]!r}"
                  for m in MACHINE_PATH.finditer(text)]
        found += [f"{page.relative_to(html)}: raw placeholder {m.group(0)}"
                  for m in RAW_PLACEHOLDER.finditer(source)]
    assert not found, "\n".join(found[:20])
