"""Clotho v2.1: read the captions CSV and find the audio of one subset.

Two layouts are read, tried in this order:

(a) aac-datasets::

    root/CLOTHO_v2.1/clotho_csv_files/clotho_captions_{subset}.csv
    root/CLOTHO_v2.1/clotho_audio_files/{subset}/*.wav

(b) the flat Zenodo layout (the archives unpacked where they were downloaded)::

    root/clotho_captions_{subset}.csv
    root/{subset}/*.wav

Notebook: 01_data_mixing
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adl.data.layout import (CAPTION_COLUMNS, CLOTHO_AUDIO_DIR, CLOTHO_CSV_DIR, CLOTHO_DIR,
                             CLOTHO_SUBSETS, FILE_NAME_COLUMN, captions_csv)
from adl.errors import DataError

# aac-datasets names the subsets dev/val/eval; accept those too so either vocabulary works.
_SUBSET_ALIASES = {"dev": "development", "val": "validation", "eval": "evaluation"}

# How many missing audio files an error message lists before it only gives the count.
_SHOW_MISSING = 3


@dataclass(frozen=True)
class ClothoItem:
    """One Clotho clip: its file name, audio path, five captions and subset.
    """

    fname: str
    path: Path
    captions: tuple[str, ...]
    subset: str


def normalize_subset(subset: str) -> str:
    """Return the canonical Clotho subset name (``"dev"`` -> ``"development"``, ...).

    Raises:
        DataError: ``subset`` is neither a subset nor an alias.
    """
    name = _SUBSET_ALIASES.get(subset, subset)
    if name not in CLOTHO_SUBSETS:
        aliases = ", ".join(_SUBSET_ALIASES)
        raise DataError(f"unknown Clotho subset {subset!r}: expected one of "
                        f"{', '.join(CLOTHO_SUBSETS)} (or {aliases})")
    return name


def clotho_paths(root: str | os.PathLike[str], subset: str) -> tuple[Path, Path]:
    """Find the captions CSV and the audio folder of ``subset`` under ``root``.

    Returns:
        ``(csv_path, audio_dir)`` of the first complete layout: aac-datasets, then flat Zenodo.

    Raises:
        DataError: ``root`` is missing, or no layout holds both the CSV and the audio folder.
    """
    subset = normalize_subset(subset)
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"Clotho root folder not found: {root}")
    base = root / CLOTHO_DIR
    layouts = [
        (base / CLOTHO_CSV_DIR / captions_csv(subset), base / CLOTHO_AUDIO_DIR / subset),
        (root / captions_csv(subset), root / subset),
    ]
    for csv_path, audio_dir in layouts:
        if csv_path.is_file() and audio_dir.is_dir():
            return csv_path, audio_dir
    # A CSV without its audio is a half-finished download: say which folder is missing.
    for csv_path, audio_dir in layouts:
        if csv_path.is_file():
            raise DataError(f"Clotho audio folder not found: {audio_dir} (captions are in {csv_path})")
    raise DataError(f"no Clotho {subset} subset under {root}: looked for {layouts[0][0]} "
                    f"(aac-datasets layout) and {layouts[1][0]} (flat Zenodo layout)")


def column_index(csv_path: Path, header_row: Sequence[str],
                 wanted: Sequence[str]) -> dict[str, int]:
    """Map each wanted column to its index in a CSV header; a missing one is a DataError."""
    header = [h.strip() for h in header_row]
    absent = [c for c in wanted if c not in header]
    if absent:
        raise DataError(f"{csv_path} lacks column(s) {', '.join(absent)} "
                        f"(found: {', '.join(header)})")
    return {name: header.index(name) for name in wanted}


def read_csv_rows(path: Path) -> list[list[str]]:
    """Read a CSV as rows of strings, as UTF-8 and else as latin-1.

    Clotho ships UTF-8, but some tools re-save it as latin-1, which is not valid UTF-8;
    latin-1 decodes any byte string, so the fallback always succeeds.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return list(csv.reader(io.StringIO(text, newline="")))


def missing_files_message(what: str, missing: list[str], where: Path, csv_path: Path) -> str:
    """One line naming the first few missing audio files and how many there are."""
    shown = ", ".join(repr(m) for m in missing[:_SHOW_MISSING])
    more = f" and {len(missing) - _SHOW_MISSING} more" if len(missing) > _SHOW_MISSING else ""
    return (f"{len(missing)} {what} audio file(s) listed in {csv_path} are missing from "
            f"{where}: {shown}{more}")


def load_clotho(root: str | os.PathLike[str], subset: str) -> list[ClothoItem]:
    """Load the clips and captions of one Clotho subset.

    Args:
        root: the data root (see the module docstring for the two layouts read).
        subset: ``"development"``, ``"validation"`` or ``"evaluation"``
            (aliases ``"dev"``, ``"val"``, ``"eval"``).

    Returns:
        One :class:`ClothoItem` per CSV row, in CSV order, each with five stripped captions.

    Raises:
        DataError: a one-line message naming the file, for a missing root or layout, missing
            columns, an empty caption, a duplicated file name, or missing audio files.

    Notebook: 01_data_mixing
    """
    subset = normalize_subset(subset)
    csv_path, audio_dir = clotho_paths(root, subset)
    rows = read_csv_rows(csv_path)
    if not rows:
        raise DataError(f"{csv_path} is empty: expected a header with file_name and "
                        f"{', '.join(CAPTION_COLUMNS)}")
    col = column_index(csv_path, rows[0], (FILE_NAME_COLUMN, *CAPTION_COLUMNS))

    items: list[ClothoItem] = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank trailing lines
        if len(row) < len(rows[0]):
            raise DataError(f"{csv_path} line {line} has {len(row)} fields, "
                            f"expected {len(rows[0])}")
        fname = row[col[FILE_NAME_COLUMN]]
        if not fname.strip():
            raise DataError(f"{csv_path} line {line} has an empty file_name")
        if fname in seen:
            raise DataError(f"{csv_path} line {line} repeats file_name {fname!r}")
        seen.add(fname)
        captions = tuple(row[col[c]].strip() for c in CAPTION_COLUMNS)
        for column, caption in zip(CAPTION_COLUMNS, captions):
            if not caption:
                raise DataError(f"{csv_path} line {line}: empty {column} for {fname!r}")
        items.append(ClothoItem(fname=fname, path=audio_dir / fname, captions=captions,
                                subset=subset))

    # One directory listing instead of ~4000 stat calls.
    present = set(os.listdir(audio_dir))
    missing = [it.fname for it in items if it.fname not in present]
    if missing:
        raise DataError(missing_files_message(f"Clotho {subset}", missing, audio_dir, csv_path))
    return items
