"""Where ``adl book`` puts things, so that a notebook opened by hand finds them.

``make book`` (``adl book --preset P``, run from the repository root) executes every notebook
with the parameters of :func:`adl.book.build_book`: ``data_root`` (the data root, absolute),
``output_dir`` (``<build_dir>/outputs/<config preset>``, absolute), ``seeds`` and ``device``.
A notebook opened in JupyterLab receives none of them. Its defaults (``""`` for the paths and the
device, ``[]`` for the seeds) resolve through :func:`book_parameters` to the same values, so that
a reader who runs chapter 4 after ``make book`` reads the book's runs instead of training again::

    <repo>/data/                          the data root (``$ADL_DATA_ROOT`` overrides it)
    <repo>/build/outputs/<preset>/runs/   the runs (``$ADL_BUILD_DIR`` overrides ``<repo>/build``)

``adl.config.data_root`` resolves a missing root to ``./data``, relative to the working
directory: right for ``adl book`` run from the repository root, wrong for a kernel that runs in
``notebooks/`` (it would look in ``notebooks/data``). :func:`book_data_root` therefore anchors
the default at the repository root, as ``make book`` and ``make lab`` do.

Example::

    from adl.paths import book_parameters
    book = book_parameters("smoke")
    book["output_dir"]   # '/.../build/outputs/smoke', what `adl book --preset smoke` writes

Notebook: 03_adl_training
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from adl.book import BOOK_SEEDS, REPO_ROOT, book_preset
from adl.config import load_preset

__all__ = ["BUILD_DIR_ENV", "DATA_ROOT_ENV", "best_run", "book_build_dir", "book_data_root",
           "book_output_dir", "book_parameters"]

#: Environment variable naming the build folder of the book the notebooks should read
#: (default ``<repo>/build``, where ``make book`` writes). A relative path is taken from the
#: repository root.
BUILD_DIR_ENV = "ADL_BUILD_DIR"
#: Environment variable naming the data root (read by :func:`adl.config.data_root` too).
DATA_ROOT_ENV = "ADL_DATA_ROOT"


def _from_repo(path: str | os.PathLike[str]) -> Path:
    """An absolute path: a relative one is taken from the repository root, not the CWD."""
    p = Path(path).expanduser()
    return (p if p.is_absolute() else REPO_ROOT / p).resolve()


def book_build_dir(build_dir: str | os.PathLike[str] | None = None) -> Path:
    """The book's build folder: ``build_dir``, else ``$ADL_BUILD_DIR``, else ``<repo>/build``
    (absolute; a relative path is taken from the repository root)."""
    if build_dir is None or str(build_dir) == "":
        build_dir = os.environ.get(BUILD_DIR_ENV) or "build"
    return _from_repo(build_dir)


def book_data_root(preset: str) -> Path:
    """The data root ``make book`` uses for a preset, as an absolute path.

    The preset's ``data.root`` if it sets one, else ``$ADL_DATA_ROOT``, else ``<repo>/data``
    (what ``adl.config.data_root`` gives in the repository root, where ``make book`` runs).
    The embedded corpus sits under it in ``embedded-<preset>/`` (``adl.config.dataset_root``).
    """
    cfg = load_preset(book_preset(preset)[0])
    root = cfg.data.root or os.environ.get(DATA_ROOT_ENV) or "data"
    return _from_repo(root)


def book_output_dir(preset: str, build_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``adl book --preset <preset>`` writes runs and tables:
    ``<build dir>/outputs/<config preset>`` (``full`` writes into ``default``'s folder).

    Args:
        preset: a book preset (``smoke``, ``default``, ``paper`` or ``full``).
        build_dir: the build folder; None: :func:`book_build_dir`.
    """
    cfg = load_preset(book_preset(preset)[0])
    return book_build_dir(build_dir) / "outputs" / cfg.name


def book_parameters(preset: str, build_dir: str | os.PathLike[str] | None = None,
                    ) -> dict[str, Any]:
    """The notebook parameters ``adl book --preset <preset>`` passes (see
    :func:`adl.book.build_book`), with the defaults it uses.

    Returns:
        ``preset`` (the config preset), ``data_root`` and ``output_dir`` (absolute paths as
        strings), ``seed`` (0), ``seeds`` (:data:`adl.book.BOOK_SEEDS`), ``device`` (the
        preset's ``training.device``, ``auto`` resolved) and ``ablations``.
    """
    from adl.inference import resolve_device  # imports torch: only when asked

    config_preset, ablations = book_preset(preset)
    cfg = load_preset(config_preset)
    return {
        "preset": config_preset,
        "data_root": str(book_data_root(preset)),
        "output_dir": str(book_output_dir(preset, build_dir)),
        "seed": 0,
        "seeds": list(BOOK_SEEDS.get(config_preset, (0,))),
        "device": resolve_device(cfg.training.device),
        "ablations": ablations,
    }


def best_run(runs: Iterable[str | os.PathLike[str]], *, metric: str = "cider_d") -> Path:
    """The run with the highest ``metric`` in its ``metrics.json`` (written by chapter 4's
    ``adl.table1.evaluate_run``); runs without a score are passed over.

    Args:
        runs: run directories (say, the ADL runs of every seed).
        metric: a key of ``metrics.json``'s ``scores``.
    Raises:
        FileNotFoundError: no run has a score for ``metric``.

    Notebook: 05_latent_space_analysis
    """
    runs = [Path(r) for r in runs]
    scored = []
    for run in runs:
        path = run / "metrics.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        value = data.get("scores", {}).get(metric)
        if isinstance(value, (int, float)) and not math.isnan(value):
            scored.append((float(value), run))
    if not scored:
        names = ", ".join(str(r) for r in runs) or "none"
        raise FileNotFoundError(f"no run with a {metric} score in its metrics.json (runs: "
                                f"{names}); run chapter 4 (04_evaluation) first")
    return max(scored, key=lambda t: t[0])[1]
