"""The file layouts of Clotho v2.1 and ESC-50: one set of names for every reader and writer.

The loaders (:mod:`adl.data.clotho`, :mod:`adl.data.esc50`), the downloader and the embedded
corpus writer all use these names, so the corpus is written in exactly the layouts the real data
sets come in and the same loaders read both::

    CLOTHO_v2.1/clotho_csv_files/clotho_captions_{subset}.csv     file_name, caption_1..caption_5
    CLOTHO_v2.1/clotho_csv_files/embedded_events_{subset}.csv     (embedded corpus) each scene's events
    CLOTHO_v2.1/clotho_audio_files/{subset}/{file_name}
    ESC-50-master/meta/esc50.csv     filename, fold, target, category, esc10, src_file, take
    ESC-50-master/audio/{fold}-{src_file}-{take}-{target}.wav

The bank's folds map onto the three splits (:data:`SPLIT_FOLDS`).

Clotho's layout is the one of aac-datasets (https://github.com/Labbeti/aac-datasets); ESC-50's
is the official repository's (Piczak 2015, https://github.com/karolpiczak/ESC-50).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adl.errors import DataError

if TYPE_CHECKING:
    from adl.config import Config

CLOTHO_DIR = "CLOTHO_v2.1"
CLOTHO_CSV_DIR = "clotho_csv_files"
CLOTHO_AUDIO_DIR = "clotho_audio_files"
CLOTHO_SUBSETS: tuple[str, ...] = ("development", "validation", "evaluation")
FILE_NAME_COLUMN = "file_name"
CAPTION_COLUMNS: tuple[str, ...] = tuple(f"caption_{i}" for i in range(1, 6))

ESC50_DIR = "ESC-50-master"
ESC50_META_DIR = "meta"
ESC50_META_CSV = "esc50.csv"
ESC50_AUDIO_DIR = "audio"
ESC50_COLUMNS: tuple[str, ...] = ("filename", "fold", "target", "category", "esc10", "src_file",
                                  "take")
ESC50_FOLDS: tuple[int, ...] = (1, 2, 3, 4, 5)
#: The bank folds of each split. The embedded corpus puts each recording in one split: its
#: development recordings in folds 1-3, its validation ones in fold 4, its evaluation ones in
#: fold 5. Training takes its references from the development folds on real ESC-50 too, and the
#: difference experiments (Table 2) their events from the evaluation fold.
SPLIT_FOLDS: dict[str, tuple[int, ...]] = {"development": (1, 2, 3), "validation": (4,),
                                           "evaluation": (5,)}


def fold_split(fold: int) -> str:
    """The split whose recordings a bank fold holds (see :data:`SPLIT_FOLDS`)."""
    for split, folds in SPLIT_FOLDS.items():
        if fold in folds:
            return split
    raise ValueError(f"ESC-50 fold {fold}: folds are 1..5")


def captions_csv(subset: str) -> str:
    """The name of a Clotho subset's captions file, ``clotho_captions_{subset}.csv``."""
    return f"clotho_captions_{subset}.csv"


def metadata_csv(subset: str) -> str:
    """The name of a Clotho subset's metadata file (Freesound ids, licenses)."""
    return f"clotho_metadata_{subset}.csv"


def events_csv(subset: str) -> str:
    """The name of the embedded corpus's per-scene event file for a subset."""
    return f"embedded_events_{subset}.csv"


def require_data_root(cfg: Config, base: Path, *, also: str = "") -> Path:
    """``base`` (a config's data under the data root) when it is a folder; otherwise one
    :class:`adl.errors.DataError` line saying how to make it.

    Args:
        cfg: the config whose data ``base`` holds (its name and ``data.source`` pick the hint).
        base: :func:`adl.config.dataset_root` of ``cfg``.
        also: words appended to the embedded corpus's hint (another way out).

    Raises:
        DataError: ``base`` is not a folder.
    """
    if not base.is_dir():
        hint = (f"run `adl data prepare --preset {cfg.name}`{also}"
                if cfg.data.source == "embedded"
                else "run `adl data download clotho` and `adl data download esc50`")
        raise DataError(f"{base}: data root does not exist; {hint}")
    return base
