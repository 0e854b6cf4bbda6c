"""The book: its notebooks, in order, the checks on them, and the runner that publishes them.

Notebooks are committed without outputs; papermill runs each one in a fresh kernel into a build
folder, and Jupyter Book renders those executed copies. :func:`build_book` does both::

    <build_dir>/outputs/<preset>/    what notebooks pass to each other (runs, metrics, CSVs)
    <build_dir>/notebooks/<preset>/  the executed copies (a failed one stays there, partially run)
    <build_dir>/site-src/<preset>/   book/ sources plus the executed copies, as Jupyter Book
                                     reads them, and status.md, this build's statistics
    <build_dir>/site/<preset>/index.html   the site
    <build_dir>/screenshots/<preset>/  a full-page PNG of each chapter page (adl.book.site)

Each preset has its own folders, so a smoke build never replaces the default book's site; every
page of a site other than ``default``'s carries a banner naming its preset.

The build folder is ``$ADL_BUILD_DIR``, else ``build/`` in the repository, and every chapter
receives :func:`adl.book.paths.book_parameters`: a notebook opened by hand resolves its
defaults through the same function, so it finds what the last build wrote.

While a notebook runs, the runner logs one line per code cell as it starts and, under it, what
the notebook prints (training logs one line per epoch). The site shows each chapter's idea
first: :func:`site_notebook` folds the parameters, config and imports cells of its copy.

Example::

    from adl.book.runner import build_book
    index = build_book("smoke")   # `adl book --preset smoke`: <repo>/build/site/smoke/index.html
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import nbformat

# The book presets, their seeds and the repository's folders live in adl.book.paths, where a
# notebook opened by hand resolves its defaults; they are re-exported here for the runner's callers.
from adl.book.paths import (BOOK_PRESETS, BOOK_SEEDS, REPO_ROOT, book_build_dir,  # noqa: F401
                            book_parameters, book_preset)
from adl.book.site import SiteError, screenshot_pages
from adl.book.status import (STATUS_PAGE, git_commit, machine_info, package_versions,
                             status_page)
from adl.errors import ADLError, one_line
from adl.findings import FIGURE_FILE, read_findings, read_findings_figure

# The chapters, in the design card's order.
NOTEBOOKS = (
    "01_data_mixing",
    "02_encoder_decoder",
    "03_adl_training",
    "04_evaluation",
    "05_latent_space_analysis",
    "06_ablations",
    "07_results",
)

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
BOOK_DIR = REPO_ROOT / "book"
#: Where the executed notebooks sit inside the site sources (``_toc.yml`` names them so).
SITE_NOTEBOOK_DIR = "notebooks"
#: The longest error value quoted in the one-line failure message.
_MAX_ERROR_CHARS = 300


class BookError(ADLError):
    """A notebook failed, or the site could not be built (one line naming what and where)."""


def cells_with_outputs(path: str | os.PathLike[str]) -> list[int]:
    """Indices of the code cells of a notebook that carry outputs or an execution count.

    A committed notebook must have none: outputs go stale, bloat the history, and hide what the
    executor (papermill) really produced.
    """
    nb = nbformat.read(Path(path), as_version=4)
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]


def parameters_cell(nb: nbformat.NotebookNode) -> int | None:
    """Index of the cell tagged ``parameters`` (papermill injects values after it), or None."""
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def declared_parameters(nb: nbformat.NotebookNode) -> set[str] | None:
    """Names assigned at the top level of the ``parameters`` cell (``name: type = value`` or
    ``name = value``), or None when the notebook has no such cell."""
    i = parameters_cell(nb)
    if i is None:
        return None
    return set(re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", nb.cells[i].source, re.M))


def resolve_notebooks(notebooks: Sequence[str | os.PathLike[str]] | None = None,
                      *, log: Callable[[str], None] = print) -> list[Path]:
    """The notebooks to run, in order.

    Args:
        notebooks: None for every chapter of :data:`NOTEBOOKS` that exists in ``notebooks/``
            (a missing chapter is logged and skipped, never silently); otherwise chapter names
            (``"01_data_mixing"``) or paths to ``.ipynb`` files, run in the given order.
    Raises:
        BookError: an explicitly named notebook does not exist.
    """
    if notebooks is None:
        found = []
        for name in NOTEBOOKS:
            path = NOTEBOOK_DIR / f"{name}.ipynb"
            if path.is_file():
                found.append(path)
            else:
                log(f"skipping {name}: {path} does not exist yet")
        return found
    paths = []
    for nb in notebooks:
        text = os.fspath(nb)
        path = Path(text)
        if path.suffix != ".ipynb" and os.sep not in text and "/" not in text:
            path = NOTEBOOK_DIR / f"{text}.ipynb"  # a chapter name
        if not path.is_file():
            raise BookError(f"notebook not found: {path}")
        paths.append(path.resolve())
    return paths


def _prepare_data(cfg: Any, root: str | os.PathLike[str] | None,
                  log: Callable[[str], None]) -> None:
    """Generate (or reuse) the embedded corpus; for real data, check that it is there."""
    from adl.config import dataset_root

    where = dataset_root(cfg, root)
    if cfg.data.source == "embedded":
        from adl.corpus.prepare import prepare_corpus

        start = time.perf_counter()
        summary = prepare_corpus(where, cfg.corpus, sr=cfg.data.sr)
        state = "reused" if summary.reused else f"generated in {time.perf_counter() - start:.1f} s"
        sizes = ", ".join(f"{k} {v}" for k, v in summary.sizes.items())
        log(f"data: embedded corpus ({cfg.name}) in {where}: {sizes} scenes, "
            f"{summary.n_bank_events} bank events ({state})")
        return
    from adl.data import load_clotho, load_esc50

    # Both loaders raise a one-line DataError that names the missing file and the fix.
    n_dev = len(load_clotho(where, "development"))
    n_bank = len(load_esc50(where))
    log(f"data: Clotho ({n_dev} development clips) and ESC-50 ({n_bank} clips) in {where}")


def _source_cell_index(input_nb: nbformat.NotebookNode, executed_index: int) -> int:
    """Map a cell index of papermill's output (with its injected-parameters cell) to the
    committed notebook's index."""
    p = parameters_cell(input_nb)
    injected = 0 if p is None else p + 1
    return executed_index - 1 if executed_index > injected else executed_index


def _running_cell(path: Path) -> int | None:
    """The index (in ``path``) of the last cell that papermill started, from its metadata."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # a copy that was never written, or was cut mid-write
        return None
    started = [i for i, c in enumerate(nb.cells)
               if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def _say(line: str) -> None:
    """The default ``log``: print at once, also when stdout is a pipe to a log file."""
    print(line, flush=True)


class _LineLog:
    """A notebook's stdout or stderr as papermill streams it (its ``stdout_file``): each complete
    line goes to ``log``, indented under the cell that printed it. A carriage return keeps only
    what follows it, so a progress bar redrawn in place gives one line, not thousands."""

    def __init__(self, log: Callable[[str], None], indent: str = "    ") -> None:
        self.log, self.indent, self.pending = log, indent, ""

    def write(self, text: str) -> int:
        *lines, rest = (self.pending + text).split("\n")
        for line in lines:
            self._emit(line)
        drawn = [part for part in rest.split("\r") if part]
        self.pending = drawn[-1] if drawn else ""
        return len(text)

    def flush(self) -> None:
        """Papermill flushes after every write; a line is logged once it is complete."""

    def close(self) -> None:
        """Log what is left of an unfinished line (at the start of the next cell, at the end)."""
        if self.pending:
            self._emit(self.pending)
        self.pending = ""

    def _emit(self, line: str) -> None:
        line = line.rsplit("\r", 1)[-1].rstrip()
        if line.strip():
            self.log(self.indent + line)


class _CellProgress:
    """One log line per code cell as it starts (nbclient's ``on_cell_start`` hook):
    ``03_adl_training: cell 7/12 [Training] results = []``, with the section heading it sits
    under and its first line; the notebook's printed lines follow it, indented."""

    def __init__(self, name: str, nb: nbformat.NotebookNode, log: Callable[[str], None]) -> None:
        self.name, self.log = name, log
        self.total = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
        self.started = 0
        self.heading = ""
        self.stdout, self.stderr = _LineLog(log), _LineLog(log)

    def on_cell_start(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", cell.source, re.M)
            if headings:
                self.heading = headings[-1]
            return
        if cell.cell_type != "code" or not cell.source.strip() \
                or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            return
        self.close()
        self.started += 1
        first = next(line.strip() for line in cell.source.splitlines() if line.strip())
        where = f" [{_shorten(self.heading, 50)}]" if self.heading else ""
        self.log(f"{self.name}: cell {self.started}/{self.total}{where} {_shorten(first, 70)}")

    def close(self) -> None:
        self.stdout.close()
        self.stderr.close()


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


#: Warning filters (``-W`` syntax) of the kernels the runner starts: warnings a reader of the
#: build log cannot act on.
KERNEL_WARNINGS = ("ignore:IProgress not found",)


@cache
def _book_engine() -> str:
    """Register the runner's papermill engine once; returns its name.

    It is papermill's nbclient engine with two changes to the kernel it starts:

    * IPC sockets in a private temporary folder instead of TCP on localhost (POSIX): nothing
      is listening on a port, and ipykernel has no reason to warn that "Kernel is running over
      TCP without encryption" before every chapter.
    * No interrupt before the shutdown once every cell has replied. jupyter_client sends
      SIGINT to the kernel's process group before each shutdown request, in case a cell is
      still running; when none is, the signal can only land in whatever the kernel is doing
      then, which it logs as "ERROR | KeyboardInterrupt caught in kernel" after a chapter that
      succeeded. A kernel that does not exit on the shutdown request is still terminated, then
      killed, by jupyter_client; after a timeout the interrupt is sent as usual.
    * The kernel ignores tqdm's "IProgress not found. Please update jupyter and ipywidgets"
      (:data:`KERNEL_WARNINGS`): importing transformers raises it in every chapter, and a
      book build draws no progress bar (training logs one line per epoch instead).
    """
    from jupyter_client.manager import AsyncKernelManager
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args
    from traitlets.config import Config

    class KernelManager(AsyncKernelManager):
        cells_done = False

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down and self.cells_done:
                return
            await super()._async_interrupt_kernel()

    class Client(PapermillNotebookClient):
        def papermill_execute_cells(self) -> None:
            super().papermill_execute_cells()
            # Every cell replied (papermill stops at the first error): the kernel is idle.
            self.km.cells_done = True

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            with tempfile.TemporaryDirectory(prefix="adl-kernel-") as sockets:
                config = Config()
                if os.name == "posix":  # ZeroMQ has no IPC transport on Windows
                    config.KernelManager.transport = "ipc"
                    config.KernelManager.ip = os.path.join(sockets, "k")
                client = Client(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                kernel_name=kernel_name, log=logger, log_output=log_output,
                                stdout_file=stdout_file, stderr_file=stderr_file,
                                kernel_manager_class=KernelManager, config=config, **kwargs)
                env = dict(os.environ)
                env["PYTHONWARNINGS"] = ",".join(
                    w for w in (env.get("PYTHONWARNINGS"), *KERNEL_WARNINGS) if w)
                return client.execute(env=env)

    papermill_engines.register("adl-book", Engine)
    return "adl-book"


def execute_notebook(path: Path, out: Path, parameters: dict[str, Any], *,
                     timeout_per_cell: int = 1800, cwd: Path | None = None,
                     log: Callable[[str], None] | None = None) -> float:
    """Run one notebook with papermill in a fresh ``python3`` kernel; returns its wall time (s).

    ``log`` (None: silent) receives one line per code cell as it starts and, indented under
    it, each line the notebook prints (stdout and stderr) as it comes.

    Raises:
        BookError: one line naming the notebook, the failing cell (its index in the committed
            notebook, 0-based, and its ``In [n]``) and the error; the partially executed copy
            is kept at ``out``.
    """
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    out.parent.mkdir(parents=True, exist_ok=True)
    input_nb = nbformat.read(path, as_version=4)
    # Only the parameters this notebook declares (papermill would warn about the others).
    declared = declared_parameters(input_nb)
    parameters = {k: v for k, v in parameters.items() if declared is None or k in declared}
    streams: dict[str, Any] = {}
    if log is not None:
        progress = _CellProgress(path.stem, input_nb, log)
        streams = {"stdout_file": progress.stdout, "stderr_file": progress.stderr,
                   "on_cell_start": progress.on_cell_start}
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(path), str(out), parameters=parameters, kernel_name="python3", language="python",
            cwd=str(cwd or path.parent), execution_timeout=timeout_per_cell,
            engine_name=_book_engine(), progress_bar=False, log_output=False,
            request_save_on_cell_execute=True, **streams)
    except PapermillExecutionError as e:
        cell = _source_cell_index(input_nb, e.cell_index)
        raise BookError(
            f"notebook {path.name} failed at cell {cell} (In [{e.exec_count}]): {e.ename}: "
            f"{one_line(e.evalue) or '(no message)'}; the partially executed copy is {out}"
        ) from None
    except NoSuchKernel:
        raise BookError(
            f"notebook {path.name}: no Jupyter kernel named 'python3' for {sys.executable}; "
            f"install it with `{sys.executable} -m ipykernel install --sys-prefix --name python3`"
        ) from None
    except Exception as e:  # a timeout (CellTimeoutError), a dead kernel, ...
        running = _running_cell(out)
        where = ("" if running is None
                 else f" at cell {_source_cell_index(input_nb, running)}")
        what = one_line(str(e).strip().splitlines()[0] if str(e).strip() else "")
        if type(e).__name__ == "CellTimeoutError":
            what = f"a cell ran longer than the per-cell timeout of {timeout_per_cell} s"
        kept = f"; the partially executed copy is {out}" if out.is_file() else ""
        raise BookError(f"notebook {path.name} failed{where}: {type(e).__name__}: "
                        f"{what or '(no message)'}{kept}") from None
    finally:
        if log is not None:
            progress.close()
    return time.perf_counter() - start


def _jupyter_book_command() -> list[str]:
    script = Path(sys.executable).parent / "jupyter-book"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def _filter_toc(toc: Any, site_src: Path, log: Callable[[str], None]) -> Any:
    """Drop ``_toc.yml`` entries whose page is not in the site sources (chapters not run)."""
    if isinstance(toc, list):
        kept = [_filter_toc(x, site_src, log) for x in toc]
        return [x for x in kept if x is not None]
    if not isinstance(toc, dict):
        return toc
    entry = dict(toc)
    if "file" in entry and "root" not in entry:
        stem = site_src / entry["file"]
        if not any(stem.with_suffix(s).is_file() for s in (".md", ".ipynb", ".rst")) \
                and not stem.is_file():
            log(f"site: leaving {entry['file']} out of the table of contents (not executed)")
            return None
    for key in ("parts", "chapters", "sections"):
        if key in entry:
            entry[key] = _filter_toc(entry[key], site_src, log)
            if not entry[key]:
                if "file" not in entry and "root" not in entry:
                    return None  # an empty part
                del entry[key]
    return entry


#: Tags that fold a cell on the site (Jupyter Book 1.x): its source only, or source and outputs.
HIDE_INPUT, HIDE_CELL = "hide-input", "hide-cell"


def machine_paths(**named: str | os.PathLike[str] | None) -> dict[str, str]:
    """``{absolute path: placeholder}`` for :func:`site_notebook`: the repository, the home
    folder, the virtual environment (warnings and error messages quote its files), and
    ``named`` folders (``build="/abs/build"`` becomes ``<build>``), each also in its resolved
    spelling."""
    paths = {REPO_ROOT: "<repo>", Path.home(): "~"}
    if sys.prefix != sys.base_prefix:
        paths[Path(sys.prefix)] = "<venv>"
    paths.update({Path(p): f"<{name}>" for name, p in named.items() if p})
    out: dict[str, str] = {}
    for path, label in paths.items():
        for spelling in {str(path), str(Path(path).resolve())}:
            if len(spelling) > 1:  # never "/"
                out[spelling] = label
    return out


def site_notebook(nb: nbformat.NotebookNode,
                  paths: Mapping[str, str] | None = None) -> nbformat.NotebookNode:
    """An executed notebook as the site shows it: the idea first, the plumbing folded.

    * papermill's injected-parameters cell is merged into the ``parameters`` cell (the values
      the page was built with, under the defaults), which is folded (``hide-input``);
    * the config cell (the code cell after the parameters) and the imports cell after it (when
      it starts with imports and displays nothing) are folded with their outputs
      (``hide-cell``);
    * absolute paths of the build machine (``paths``: :func:`machine_paths`) become
      placeholders everywhere: sources, outputs, metadata.

    The committed notebooks are untouched; ``nb`` is changed in place and returned.
    """
    cells = nb.cells
    injected = next((i for i, c in enumerate(cells)
                     if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None)
    params = parameters_cell(nb)
    if injected is not None and params is not None:
        values = [line for line in cells[injected].source.splitlines()
                  if line.strip() and line.strip() != "# Parameters"]
        cells[params].source = (cells[params].source.rstrip() + "\n\n# The values this page "
                                "was built with (`adl book`, via papermill):\n"
                                + "\n".join(values))
        del cells[injected]
    elif injected is not None:
        _add_tag(cells[injected], HIDE_INPUT)
    if params is not None:
        _add_tag(cells[params], HIDE_INPUT)
        code_after = [i for i in range(params + 1, len(cells)) if cells[i].cell_type == "code"]
        if code_after:
            _add_tag(cells[code_after[0]], HIDE_CELL)  # the config, printed or as a table
        if len(code_after) > 1 and _only_sets_up(cells[code_after[1]]):
            _add_tag(cells[code_after[1]], HIDE_CELL)
    if paths:
        # Longest first (a build folder inside the repository), whole path components only.
        pattern = re.compile("|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True))
                             + r"(?![\w.-])")
        _scrub(nb, lambda text: pattern.sub(lambda m: paths[m.group(0)], text))
    return nb


def _add_tag(cell: nbformat.NotebookNode, tag: str) -> None:
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if tag not in tags:
        tags.append(tag)


def _only_sets_up(cell: nbformat.NotebookNode) -> bool:
    """A cell that opens with imports, defines nothing and displays nothing (a figure, a table
    or an error would be content)."""
    import ast

    try:
        body = ast.parse(cell.source).body
    except SyntaxError:  # IPython magics: not ours to judge
        return False
    shown = {"display_data", "execute_result", "error"}
    return (bool(body) and isinstance(body[0], (ast.Import, ast.ImportFrom))
            and not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                        for n in body)
            and not any(o.get("output_type") in shown for o in cell.get("outputs", [])))


def _scrub(node: Any, replace: Callable[[str], str]) -> Any:
    """Apply ``replace`` to every string of a notebook, in place (images are left alone)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith(("image/", "application/")):
                node[key] = _scrub(value, replace)
    elif isinstance(node, list):
        node[:] = [_scrub(v, replace) for v in node]
    elif isinstance(node, str):
        node = replace(node)
    return node


#: The caption of the table of contents' last part: the pages the runner writes for a build.
BUILD_PAGES_CAPTION = "This build"


#: Where the introduction takes chapter 7's findings (``book/intro.md``).
FINDINGS_MARKER = "<!-- findings -->"
#: What the introduction says when the build has none (chapter 7 did not run).
NO_FINDINGS = ("*This build has no findings: chapter 7 computes them from the runs, and it did "
               "not run.*")


def preset_banner(preset: str) -> str | None:
    """The banner every page of a ``preset`` site carries; None for the ``default`` book."""
    if preset == "default":
        return None
    if preset == "smoke":
        return ("This is the <b>smoke</b> build: tiny synthesised data that checks the code runs. "
                "Its numbers come from tiny data and say nothing about the method.")
    return f"This is the <b>{preset}</b> build of the book."


def findings_markdown(lines: Sequence[str], figure: tuple[str, str] | None = None) -> str:
    """The introduction's findings: a Markdown list, or :data:`NO_FINDINGS`; then the key
    figure (``(caption, alt)`` of :data:`adl.findings.FIGURE_FILE`, copied beside the page)."""
    if not lines:
        return NO_FINDINGS
    text = "\n".join(f"- {line}" for line in lines)
    if figure:
        caption, alt = figure
        alt = " ".join(alt.split())
        text += f"\n\n```{{figure}} {FIGURE_FILE}\n:alt: {alt}\n:width: 100%\n\n{caption}\n```"
    return text


def prepare_site(executed: Sequence[Path], site_src: Path, *,
                 log: Callable[[str], None] = print,
                 paths: Mapping[str, str] | None = None,
                 pages: Mapping[str, str] | None = None,
                 preset: str = "default", findings: Sequence[str] = (),
                 findings_figure: tuple[Path, str, str] | None = None) -> Path:
    """Copy ``book/`` and the executed notebooks into ``site_src``; returns it.

    The table of contents keeps only the chapters that were executed, and the config is forced
    to ``execute_notebooks: off``: the site renders papermill's copies and never re-runs them.
    Each copy goes through :func:`site_notebook` (plumbing folded, machine paths replaced:
    ``paths``, default :func:`machine_paths` of the build folder the copies sit in).
    ``pages`` (name -> MyST Markdown) are pages written for this build (the execution
    statistics): each becomes ``<name>.md``, listed in a last part of the table of contents,
    :data:`BUILD_PAGES_CAPTION`. ``findings`` (chapter 7's, :func:`adl.findings.read_findings`)
    replace :data:`FINDINGS_MARKER` in the introduction, followed by ``findings_figure``
    (``(png, caption, alt)``, :func:`adl.findings.read_findings_figure`); a ``preset`` other
    than ``default`` puts :func:`preset_banner` on every page.
    """
    import yaml

    if not (BOOK_DIR / "_config.yml").is_file():
        raise BookError(f"book sources not found: {BOOK_DIR / '_config.yml'} "
                        "(run from a clone of the repository, installed with `pip install -e .`)")
    if site_src.exists():
        shutil.rmtree(site_src)
    shutil.copytree(BOOK_DIR, site_src, ignore=shutil.ignore_patterns("_build", ".ipynb_*"))
    (site_src / SITE_NOTEBOOK_DIR).mkdir(exist_ok=True)
    for nb in executed:
        where = paths if paths is not None else machine_paths(build=Path(nb).parent.parent)
        page = site_notebook(nbformat.read(nb, as_version=4), where)
        nbformat.write(page, site_src / SITE_NOTEBOOK_DIR / nb.name)

    config_path = site_src / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    banner = preset_banner(preset)
    if banner:
        config.setdefault("html", {})["announcement"] = banner
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    intro = site_src / "intro.md"
    if intro.is_file():
        figure = None
        if findings and findings_figure:
            shutil.copyfile(findings_figure[0], site_src / FIGURE_FILE)
            figure = findings_figure[1:]
        intro.write_text(intro.read_text(encoding="utf-8").replace(
            FINDINGS_MARKER, findings_markdown(findings, figure)), encoding="utf-8")

    toc_path = site_src / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    toc = _filter_toc(toc, site_src, log)
    # Notebooks run from outside the list of chapters (a path given to the runner) still appear.
    listed = set(re.findall(r"notebooks/([\w.-]+)", yaml.safe_dump(toc)))
    extra = [nb for nb in executed if nb.stem not in listed]
    if extra:
        parts = toc.setdefault("parts", [])
        parts.append({"caption": "More notebooks",
                      "chapters": [{"file": f"{SITE_NOTEBOOK_DIR}/{nb.stem}"} for nb in extra]})
    for name, text in (pages or {}).items():
        (site_src / f"{name}.md").write_text(text, encoding="utf-8")
    if pages:
        toc.setdefault("parts", []).append(
            {"caption": BUILD_PAGES_CAPTION, "chapters": [{"file": name} for name in pages]})
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return site_src


def build_site(site_src: Path, *, log: Callable[[str], None] = print,
               out: Path | None = None) -> Path:
    """Run ``jupyter-book build`` (1.x, offline) on ``site_src``; returns the site's index.html.

    The site is ``site_src/_build/html``, or ``out`` when given (the HTML folder is moved
    there, replacing what was). Sphinx warnings are passed to ``log``; a failed build raises
    :class:`BookError` quoting the last lines of its output.
    """
    cmd = [*_jupyter_book_command(), "build", str(site_src)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          cwd=site_src)
    output = proc.stdout or ""
    warnings = [line for line in output.splitlines() if re.search(r"WARNING|ERROR", line)]
    for line in warnings:
        log(f"site: {line.strip()}")
    index = site_src / "_build" / "html" / "index.html"
    if proc.returncode != 0 or not index.is_file():
        tail = " | ".join(line.strip() for line in output.strip().splitlines()[-5:])
        raise BookError(f"jupyter-book build of {site_src} failed (exit {proc.returncode}): "
                        f"{one_line(tail, 600)}")
    log(f"site: built in {time.perf_counter() - start:.1f} s with {len(warnings)} warning(s)")
    if out is None:
        return index
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(index.parent), out)
    return out / "index.html"


def build_book(preset: str = "default", *, root: str | os.PathLike[str] | None = None,
               build_dir: str | os.PathLike[str] | None = None,
               notebooks: Sequence[str | os.PathLike[str]] | None = None,
               timeout_per_cell: int = 7200, log: Callable[[str], None] = _say,
               seed: int = 0, device: str | None = None,
               seeds: Sequence[int] | None = None) -> Path:
    """Execute the notebooks with papermill, in order, build the site with Jupyter Book 1.x, and
    keep a screenshot of each chapter page. The site ends with a page of execution statistics
    (:mod:`adl.book.status`): each chapter's run time, the machine, the software, the preset.

    Each notebook runs in a fresh ``python3`` kernel with its working directory in its own
    folder, and receives the parameters of :func:`adl.book.paths.book_parameters`: ``preset`` (the
    config preset), ``data_root`` (absolute), ``output_dir`` (``<build_dir>/outputs/<config
    preset>``, absolute: where notebooks pass artifacts to each other), ``seed``, ``seeds``,
    ``device`` and ``ablations``. The executed copies go to ``<build_dir>/notebooks/<preset>/``;
    the site is built from them (``execute_notebooks: off``) in
    ``<build_dir>/site-src/<preset>/`` into ``<build_dir>/site/<preset>/``; a
    full-page PNG of each chapter at desktop width goes to
    ``<build_dir>/screenshots/<preset>/<chapter>.png`` (skipped, with one line saying why,
    when headless Chromium is not available).

    Args:
        preset: ``smoke``, ``default`` or ``paper``; or ``full``: ``default`` with the
            ablations chapter run (its finished runs are reused from a ``default`` build).
        root: the data root (relative: to the working directory); None:
            :func:`adl.book.paths.book_data_root` (the preset's ``data.root``, else
            ``$ADL_DATA_ROOT``, else ``<repo>/data``). The embedded corpus is generated there
            if missing.
        build_dir: the build folder (relative: to the working directory); None:
            :func:`adl.book.paths.book_build_dir` (``$ADL_BUILD_DIR``, else ``<repo>/build``).
        notebooks: None for every chapter that exists (missing ones are logged and skipped),
            or chapter names / ``.ipynb`` paths to run instead, in that order.
        timeout_per_cell: seconds one cell may run before the build stops.
        log: where progress lines go.
        seed: the ``seed`` parameter of every notebook.
        seeds: the training seeds (Table 1's spread); None: :data:`BOOK_SEEDS` of the preset.
        device: ``cpu``, ``cuda[:N]``; None takes the preset's ``training.device`` (``auto``
            means ``cuda`` when a GPU is visible).

    Returns:
        The path of the site's ``index.html``.

    Raises:
        BookError: a notebook failed (one line: notebook, cell, error, and where its partial
            copy is), the site did not build, or the build folder is a file. ConfigError /
            DataError for a bad preset or missing real data.
    """
    from adl.config import load_preset

    total_start = time.perf_counter()
    started = datetime.now(timezone.utc)
    build = book_build_dir(build_dir)
    if build.exists() and not build.is_dir():
        raise BookError(f"build folder {build} exists and is not a folder")
    # The one definition of what the chapters receive: a notebook opened by hand resolves its
    # defaults through the same function (adl.book.paths), and so finds this build's runs.
    parameters = book_parameters(preset, build, root=root, seed=seed, seeds=seeds,
                                 device=device)
    cfg = load_preset(parameters["preset"])
    data = Path(parameters["data_root"])
    data_start = time.perf_counter()
    _prepare_data(cfg, data, log)
    data_seconds = time.perf_counter() - data_start
    paths = resolve_notebooks(notebooks, log=log)
    if not paths:
        raise BookError(f"no notebooks to run (looked in {NOTEBOOK_DIR})")

    # One folder per preset: a smoke build never hands its tiny runs to a default build.
    Path(parameters["output_dir"]).mkdir(parents=True, exist_ok=True)
    log(f"book: preset {preset}, {len(paths)} notebook(s), parameters {parameters}")
    executed, timings = _execute_all(paths, build / "notebooks" / preset, parameters,
                                     timeout_per_cell=timeout_per_cell, log=log)

    outputs = parameters["output_dir"]
    ran_results = any(nb.stem == "07_results" for nb in executed)
    # Measured here, never typed: the page of this build's execution statistics.
    status = status_page(timings, preset=preset, parameters=parameters, machine=machine_info(),
                         versions=package_versions(), started=started,
                         finished=datetime.now(timezone.utc), data_seconds=data_seconds,
                         commit=git_commit(REPO_ROOT), chapter_dir=SITE_NOTEBOOK_DIR)
    site_src = prepare_site(executed, build / "site-src" / preset, log=log,
                            paths=machine_paths(build=build, data=data),
                            pages={STATUS_PAGE: status}, preset=preset,
                            # Only a build that ran chapter 7 has findings of its own: an
                            # older findings.md in the output folder may describe other runs.
                            findings=read_findings(outputs) if ran_results else (),
                            findings_figure=read_findings_figure(outputs) if ran_results else None)
    index = build_site(site_src, log=log, out=build / "site" / preset)
    _screenshots(index.parent, [f"{SITE_NOTEBOOK_DIR}/{nb.stem}.html" for nb in executed],
                 build / "screenshots" / preset, log=log)
    for name, seconds in timings:
        log(f"  {name:<28} {seconds:7.1f} s")
    log(f"book built in {time.perf_counter() - total_start:.1f} s: {index}")
    return index


def _execute_all(paths: Sequence[Path], executed_dir: Path, parameters: dict[str, Any], *,
                 timeout_per_cell: int, log: Callable[[str], None],
                 ) -> tuple[list[Path], list[tuple[str, float]]]:
    """Run the notebooks in order into ``executed_dir`` (emptied first: never mix the copies of
    two builds); returns the executed copies and each chapter's ``(name, seconds)``."""
    if executed_dir.exists():
        shutil.rmtree(executed_dir)
    executed, timings = [], []
    for path in paths:
        out = executed_dir / path.name
        log(f"running {path.name} ...")
        seconds = execute_notebook(path, out, parameters, timeout_per_cell=timeout_per_cell,
                                   log=log)
        log(f"{path.name}: {seconds:.1f} s -> {out}")
        executed.append(out)
        timings.append((path.stem, seconds))
    return executed, timings


def _screenshots(html: Path, pages: Sequence[str], out_dir: Path, *,
                 log: Callable[[str], None]) -> None:
    """Screenshot the chapter pages into ``out_dir`` (one log line); a browser that is missing
    or fails costs the build its screenshots, never the site."""
    start = time.perf_counter()
    try:
        shots = screenshot_pages(html, pages, out_dir)
    except SiteError as e:
        log(f"screenshots: skipped ({e})")
        return
    log(f"screenshots: {len(shots)} page(s) in {time.perf_counter() - start:.1f} s -> {out_dir}")
