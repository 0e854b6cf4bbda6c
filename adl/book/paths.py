"""Where ``adl book`` puts things, so that a notebook opened by hand finds them.

``make book`` (``adl book --preset P``) executes every notebook with the parameters that
:func:`book_parameters` computes (:func:`adl.book.runner.build_book` calls it; there is no
other definition): ``data_root`` (the data root, absolute), ``output_dir``
(``<build_dir>/outputs/<config preset>``, absolute), ``seeds`` and ``device``.
A notebook opened in JupyterLab receives none of them. Its defaults (``""`` for the paths and the
device, ``[]`` for the seeds) resolve through :func:`book_parameters` to the same values, so that
a reader who runs chapter 4 after ``make book`` reads the book's runs instead of training again::

    <repo>/data/                          the data root (``$ADL_DATA_ROOT`` overrides it)
    <repo>/build/outputs/<preset>/runs/   the runs (``$ADL_BUILD_DIR`` overrides ``<repo>/build``)

``adl.config.data_root`` resolves a missing root to ``./data``, relative to the working
directory: right for ``adl book`` run from the repository root, wrong for a kernel that runs in
``notebooks/`` (it would look in ``notebooks/data``). :func:`book_data_root` and
:func:`book_build_dir` therefore anchor the defaults (and a relative ``$ADL_DATA_ROOT`` or
``$ADL_BUILD_DIR``) at the repository root, as ``make book`` and ``make lab`` do. A folder named
explicitly (``adl book --build-dir DIR --root DIR``, or the same arguments in Python) is a path
like any other on a command line: a relative one is taken from the working directory.

Example::

    from adl.book.paths import book_parameters
    book = book_parameters("smoke")
    book["output_dir"]   # '/.../build/outputs/smoke', what `adl book --preset smoke` writes

Notebook: 03_adl_training
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from adl.config import load_preset

__all__ = ["BOOK_PRESETS", "BOOK_SEEDS", "BUILD_DIR_ENV", "DATA_ROOT_ENV", "REPO_ROOT",
           "best_run", "book_build_dir", "book_data_root", "book_output_dir", "book_parameters",
           "book_preset"]

#: The repository that holds ``notebooks/``, ``book/`` and, by default, ``build/`` and ``data/``
#: (the package is installed with ``-e``).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Book presets that are not config presets: ``full`` is the ``default`` preset with the
#: ablations chapter run (its runs and outputs are the default book's, reused where finished).
BOOK_PRESETS: dict[str, tuple[str, bool]] = {"full": ("default", True)}

#: Seeds of Table 1 per book preset, else per config preset (the ``seeds`` parameter of the
#: notebooks). One for the default book: on 2 CPU cores the three methods' runs of one seed take
#: about a quarter of an hour, and the book keeps to about 40 min; so its Table 1 shows no
#: spread over seeds, its intervals cover the choice of clips only, and it says so. Five for
#: ``full`` (Table 1 with intervals over seeds and clips), three for the paper's scale on a GPU,
#: one for the smoke test of the machinery. ``adl book --seeds 0 1 2 3 4`` trains others.
BOOK_SEEDS: dict[str, tuple[int, ...]] = {"smoke": (0,), "default": (0,),
                                          "full": (0, 1, 2, 3, 4), "paper": (0, 1, 2)}

#: Environment variable naming the build folder of the book the notebooks should read
#: (default ``<repo>/build``, where ``make book`` writes). A relative path is taken from the
#: repository root.
BUILD_DIR_ENV = "ADL_BUILD_DIR"
#: Environment variable naming the data root (read by :func:`adl.config.data_root` too).
DATA_ROOT_ENV = "ADL_DATA_ROOT"


def book_preset(name: str) -> tuple[str, bool]:
    """``(config preset, run the ablations?)`` for a book preset name (``full`` or a config
    preset)."""
    return BOOK_PRESETS.get(name, (name, False))


def _from_repo(path: str | os.PathLike[str]) -> Path:
    """An absolute path: a relative one is taken from the repository root, not the CWD."""
    p = Path(path).expanduser()
    return (p if p.is_absolute() else REPO_ROOT / p).resolve()


def _given(path: str | os.PathLike[str]) -> Path:
    """An absolute path for a folder named explicitly: a relative one is the working
    directory's, as for any path typed on a command line."""
    return Path(path).expanduser().resolve()


def book_build_dir(build_dir: str | os.PathLike[str] | None = None) -> Path:
    """The book's build folder, absolute: ``build_dir`` (relative to the working directory),
    else ``$ADL_BUILD_DIR``, else ``build`` (both relative to the repository root)."""
    if build_dir is not None and str(build_dir) != "":
        return _given(build_dir)
    return _from_repo(os.environ.get(BUILD_DIR_ENV) or "build")


def book_data_root(preset: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The data root ``make book`` uses for a preset, as an absolute path.

    ``root`` if given (relative to the working directory), else the preset's ``data.root`` if
    it sets one, else ``$ADL_DATA_ROOT``, else ``data`` (these three relative to the
    repository root, where ``make book`` runs). The embedded corpus sits under it in
    ``embedded-<preset>/`` (``adl.config.dataset_root``).
    """
    if root is not None and str(root) != "":
        return _given(root)
    cfg = load_preset(book_preset(preset)[0])
    return _from_repo(cfg.data.root or os.environ.get(DATA_ROOT_ENV) or "data")


def book_output_dir(preset: str, build_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``adl book --preset <preset>`` writes runs and tables:
    ``<build dir>/outputs/<config preset>`` (``full`` writes into ``default``'s folder).

    Args:
        preset: a book preset (``smoke``, ``default``, ``paper`` or ``full``).
        build_dir: the build folder; None: :func:`book_build_dir`.
    """
    cfg = load_preset(book_preset(preset)[0])
    return book_build_dir(build_dir) / "outputs" / cfg.name


def book_parameters(preset: str, build_dir: str | os.PathLike[str] | None = None, *,
                    root: str | os.PathLike[str] | None = None, seed: int = 0,
                    seeds: Sequence[int] | None = None, device: str | None = None,
                    ) -> dict[str, Any]:
    """The notebook parameters ``adl book --preset <preset>`` passes to every chapter: the one
    definition, used by :func:`adl.book.runner.build_book` and by a notebook's defaults alike.

    Args:
        preset: a book preset (``smoke``, ``default``, ``paper`` or ``full``).
        build_dir: the build folder; None: :func:`book_build_dir` (``$ADL_BUILD_DIR``, else
            ``<repo>/build``).
        root: the data root; None: :func:`book_data_root` of the preset.
        seed: the ``seed`` parameter.
        seeds: the training seeds; None or empty: :data:`BOOK_SEEDS` of the book preset, else
            of its config preset.
        device: ``cpu``, ``cuda[:N]``; None: the preset's ``training.device``, ``auto``
            resolved (``cuda`` when a GPU is visible).

    Returns:
        ``preset`` (the config preset), ``data_root`` and ``output_dir`` (absolute paths as
        strings), ``seed``, ``seeds`` (a list), ``device`` and ``ablations`` (``full`` only).
    """
    from adl.inference import resolve_device  # imports torch: only when asked

    config_preset, ablations = book_preset(preset)
    cfg = load_preset(config_preset)
    default_seeds = BOOK_SEEDS.get(preset, BOOK_SEEDS.get(config_preset, (seed,)))
    return {
        "preset": config_preset,
        "data_root": str(book_data_root(preset, root)),
        "output_dir": str(book_output_dir(preset, build_dir)),
        "seed": int(seed),
        "seeds": [int(s) for s in (seeds if seeds else default_seeds)],
        "device": device or resolve_device(cfg.training.device),
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
