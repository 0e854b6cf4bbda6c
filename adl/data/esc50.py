"""ESC-50: 2000 five-second environmental sounds in 50 classes and 5 folds (the references).

The official layout, with ``root`` either the folder that holds ``ESC-50-master`` or that
folder itself::

    ESC-50-master/meta/esc50.csv   columns filename,fold,target,category,esc10,src_file,take
    ESC-50-master/audio/*.wav

Notebook: 01_data_mixing
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adl.data.clotho import column_index, missing_files_message, read_csv_rows
from adl.data.layout import (ESC50_AUDIO_DIR, ESC50_COLUMNS, ESC50_DIR, ESC50_FOLDS,
                             ESC50_META_CSV, ESC50_META_DIR)
from adl.errors import DataError


@dataclass(frozen=True)
class ESC50Item:
    """One ESC-50 clip and its metadata row.
    """

    fname: str
    path: Path
    category: str
    target: int
    fold: int
    esc10: bool
    src_file: str
    take: str


def esc50_dir(root: str | os.PathLike[str]) -> Path:
    """Return the ``ESC-50-master`` folder under ``root`` (or ``root`` itself if it is one).

    Raises:
        DataError: ``root`` is missing or holds no ``meta/esc50.csv``.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"ESC-50 root folder not found: {root}")
    for base in (root / ESC50_DIR, root):
        if (base / ESC50_META_DIR / ESC50_META_CSV).is_file():
            return base
    raise DataError(f"no ESC-50 metadata under {root}: looked for "
                    f"{root / ESC50_DIR / ESC50_META_DIR / ESC50_META_CSV} and "
                    f"{root / ESC50_META_DIR / ESC50_META_CSV}")


def _parse_int(value: str, column: str, where: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise DataError(f"{where}: {column} {value!r} is not an integer") from None


def _parse_bool(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise DataError(f"{where}: esc10 {value!r} is not True or False")


def load_esc50(root: str | os.PathLike[str], *,
               folds: Iterable[int] | None = None) -> list[ESC50Item]:
    """Load the ESC-50 clips and their labels.

    The whole CSV is validated (columns, folds, one category per target and vice versa);
    audio files are checked for the items returned.

    Args:
        root: the folder holding ``ESC-50-master``, or that folder itself.
        folds: keep only these folds (1..5); ``None`` keeps all.

    Returns:
        One :class:`ESC50Item` per CSV row of the kept folds, in CSV order.

    Raises:
        DataError: a one-line message naming the file (and row) that is wrong.

    Notebook: 01_data_mixing
    """
    base = esc50_dir(root)
    csv_path = base / ESC50_META_DIR / ESC50_META_CSV
    audio_dir = base / ESC50_AUDIO_DIR
    keep: set[int] | None = None
    if folds is not None:
        keep = set(folds)
        bad = sorted(keep - set(ESC50_FOLDS))
        if bad:
            raise DataError(f"ESC-50 folds {bad} requested, but folds are 1..5")

    rows = read_csv_rows(csv_path)
    if not rows:
        raise DataError(f"{csv_path} is empty: expected columns {', '.join(ESC50_COLUMNS)}")
    col = column_index(csv_path, rows[0], ESC50_COLUMNS)

    items: list[ESC50Item] = []
    # Where each target and category was first seen, to name both rows of a disagreement.
    category_of: dict[int, tuple[str, str]] = {}
    target_of: dict[str, tuple[int, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{csv_path} line {line}"
        if len(row) < len(rows[0]):
            raise DataError(f"{where} has {len(row)} fields, expected {len(rows[0])}")
        fname = row[col["filename"]].strip()
        where = f"{where} ({fname})"
        fold = _parse_int(row[col["fold"]], "fold", where)
        target = _parse_int(row[col["target"]], "target", where)
        category = row[col["category"]].strip()
        if fold not in ESC50_FOLDS:
            raise DataError(f"{where}: fold {fold} is not in 1..5")
        if target in category_of and category_of[target][0] != category:
            other, other_file = category_of[target]
            raise DataError(f"{where}: target {target} has category {category!r}, but "
                            f"{other!r} in {other_file}")
        if category in target_of and target_of[category][0] != target:
            other_t, other_file = target_of[category]
            raise DataError(f"{where}: category {category!r} has target {target}, but "
                            f"{other_t} in {other_file}")
        category_of.setdefault(target, (category, fname))
        target_of.setdefault(category, (target, fname))
        item = ESC50Item(fname=fname, path=audio_dir / fname, category=category, target=target,
                         fold=fold, esc10=_parse_bool(row[col["esc10"]], where),
                         src_file=row[col["src_file"]].strip(), take=row[col["take"]].strip())
        if keep is None or fold in keep:
            items.append(item)

    if not audio_dir.is_dir():
        raise DataError(f"ESC-50 audio folder not found: {audio_dir} (metadata is {csv_path})")
    present = set(os.listdir(audio_dir))  # one listing, not 2000 stat calls
    missing = [it.fname for it in items if it.fname not in present]
    if missing:
        raise DataError(missing_files_message("ESC-50", missing, audio_dir, csv_path))
    return items
