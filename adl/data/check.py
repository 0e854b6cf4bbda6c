"""Check that training never heard what evaluation plays: sounds shared between splits.

Both data sets were cut from Freesound. ESC-50's ``meta/esc50.csv`` names each clip's source
sound in ``src_file`` (a Freesound sound id), and Clotho's ``clotho_metadata_{subset}.csv`` has a
``sound_id`` column. A sound in both means that a reference event mixed in during training may
come from the very recording a Clotho evaluation clip was cut from. DCASE asks to exclude such
overlaps, so :func:`check_overlap` lists them; ``adl data check`` prints the list.

The Clotho metadata is read from either layout that :mod:`adl.data.clotho` reads::

    root/CLOTHO_v2.1/clotho_csv_files/clotho_metadata_{subset}.csv   (aac-datasets)
    root/clotho_metadata_{subset}.csv                                 (flat Zenodo)

Only the metadata CSVs are read, not the audio, so the check also runs on a download that has
only its CSVs. The embedded corpus (:mod:`adl.corpus.prepare`) writes no Clotho metadata and its
``src_file`` values are generated numbers, not Freesound ids: :func:`check_overlap` reports it
as having nothing to check.

The recordings corpus (:mod:`adl.corpus.recordings`) is checked from its ``provenance.csv``
instead: every row names a corpus file and a source recording in it, identified by
``(package, source_path)``. A scene belongs to its Clotho subset, a bank file to the split of
its fold (:data:`adl.data.layout.SPLIT_FOLDS`: 1-3 development, 4 validation, 5 evaluation).
The corpus puts every recording in one split; :func:`shared_recordings` lists any found in two,
and :func:`recording_splits` also counts each split's event and background recordings.

Example::

    from adl.data.check import check_overlap, shared_recordings
    report = check_overlap("data", splits=("evaluation", "development"))
    report.split("evaluation").shared   # SharedSound(sound_id, clotho_fnames, esc50_fnames)
    shared_recordings("data/embedded-default")   # () when no recording is in two splits
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from adl.data.clotho import column_index, normalize_subset, read_csv_rows
from adl.data.corpus_files import MANIFEST, MARKER, PROVENANCE, SUBSETS, load_provenance
from adl.data.esc50 import esc50_dir
from adl.data.layout import (CLOTHO_AUDIO_DIR, CLOTHO_CSV_DIR, CLOTHO_DIR, ESC50_AUDIO_DIR,
                             ESC50_DIR, ESC50_META_CSV, ESC50_META_DIR, fold_split,
                             metadata_csv)
from adl.errors import DataError

#: The columns read: Clotho's metadata and ESC-50's.
CLOTHO_METADATA_COLUMNS: tuple[str, ...] = ("file_name", "sound_id")
ESC50_ID_COLUMNS: tuple[str, ...] = ("filename", "src_file")


@dataclass(frozen=True)
class SharedSound:
    """One Freesound sound found in both data sets, with the file names cut from it."""

    sound_id: int
    clotho_fnames: tuple[str, ...]
    esc50_fnames: tuple[str, ...]


@dataclass(frozen=True)
class SplitOverlap:
    """The check of one Clotho split against ESC-50.

    ``metadata`` is ``None`` when the split's metadata CSV was not found; then nothing was
    checked and ``note`` says where it was looked for.
    """

    split: str
    metadata: Path | None
    n_clips: int = 0
    n_ids: int = 0
    shared: tuple[SharedSound, ...] = ()
    note: str | None = None

    @property
    def checked(self) -> bool:
        """True when the split's Freesound ids were compared with ESC-50's."""
        return self.metadata is not None

    @property
    def esc50_fnames(self) -> tuple[str, ...]:
        """The ESC-50 clips cut from a shared sound (the ones to leave out), sorted."""
        return tuple(sorted({f for s in self.shared for f in s.esc50_fnames}))


@dataclass(frozen=True)
class OverlapReport:
    """What :func:`check_overlap` found: ESC-50's ids and one :class:`SplitOverlap` per split.

    ``embedded`` is True for the embedded corpus, which has no Freesound ids (nothing checked).
    """

    root: Path
    esc50_csv: Path | None
    n_esc50_clips: int
    n_esc50_ids: int
    splits: tuple[SplitOverlap, ...]
    embedded: bool = False

    def split(self, name: str) -> SplitOverlap:
        """The result for one split (aliases ``dev``, ``val``, ``eval`` accepted).

        Raises:
            KeyError: the split was not checked.
        """
        name = normalize_subset(name)
        for s in self.splits:
            if s.split == name:
                return s
        raise KeyError(f"split {name!r} is not in this report "
                       f"(it has {', '.join(s.split for s in self.splits)})")

    @property
    def has_overlap(self) -> bool:
        """True when any split checked shares a Freesound sound with ESC-50."""
        return any(s.shared for s in self.splits)


def clotho_metadata_candidates(root: str | os.PathLike[str], subset: str) -> tuple[Path, Path]:
    """Where a subset's ``clotho_metadata_{subset}.csv`` may be: aac-datasets, then flat."""
    subset = normalize_subset(subset)
    root = Path(root).expanduser()
    name = metadata_csv(subset)
    return root / CLOTHO_DIR / CLOTHO_CSV_DIR / name, root / name


def _freesound_id(value: str) -> int | None:
    """A Freesound sound id, or None for an empty or non-numeric cell."""
    v = value.strip()
    return int(v) if v.isascii() and v.isdigit() else None


def _read_ids(csv_path: Path, columns: Sequence[str]) -> tuple[int, dict[int, list[str]]]:
    """Read ``(file name, id)`` columns of a CSV: ``(rows, {id: [file names]})``."""
    rows = read_csv_rows(csv_path)
    if not rows:
        raise DataError(f"{csv_path} is empty: expected columns {', '.join(columns)}")
    fname_col, id_col = columns
    col = column_index(csv_path, rows[0], columns)
    need = max(col.values()) + 1
    n = 0
    ids: dict[int, list[str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank trailing lines
        if len(row) < need:
            raise DataError(f"{csv_path} line {line} has {len(row)} fields, "
                            f"expected at least {need} ({id_col} is column {col[id_col] + 1})")
        n += 1
        sound = _freesound_id(row[col[id_col]])
        if sound is not None:
            ids.setdefault(sound, []).append(row[col[fname_col]].strip())
    return n, ids


def _is_embedded(root: Path) -> bool:
    # Its manifest, or the marker in its ESC-50 folder (an interrupted generation).
    return (root / MANIFEST).is_file() or (root / ESC50_DIR / MARKER).is_file()


def check_overlap(root: str | os.PathLike[str], *,
                  splits: Iterable[str] = ("evaluation",)) -> OverlapReport:
    """Find the Freesound sounds that ESC-50 shares with Clotho splits.

    ESC-50's ``src_file`` and Clotho's ``sound_id`` are both Freesound sound ids; an id in both
    is a shared sound. Only metadata is read (no audio). A split whose
    ``clotho_metadata_{split}.csv`` is absent is not checked: its :class:`SplitOverlap` has
    ``metadata=None`` and a ``note`` naming the paths looked for. Cells that are not numbers
    (empty, ``"Not found"``) are not ids and are skipped.

    Args:
        root: the data root holding ``ESC-50-master`` and Clotho in either layout
            (see the module docstring).
        splits: the Clotho subsets to check (aliases ``dev``, ``val``, ``eval`` accepted).

    Returns:
        An :class:`OverlapReport`, with the splits in the order given. For the embedded corpus
        (which has no Freesound ids) every split is unchecked and ``embedded`` is True.

    Raises:
        DataError: one line naming the file: no ESC-50 metadata under ``root``, or a metadata
            CSV that is empty, lacks a column (ESC-50's ``filename``/``src_file``, Clotho's
            ``file_name``/``sound_id``) or has a short row.
    """
    if isinstance(splits, str):  # one name, not its characters
        splits = (splits,)
    names: list[str] = []
    for s in splits:
        name = normalize_subset(s)
        if name not in names:
            names.append(name)
    root = Path(root).expanduser()
    if _is_embedded(root):
        note = "embedded corpus: generated audio with no Freesound ids"
        return OverlapReport(root, None, 0, 0,
                             tuple(SplitOverlap(n, None, note=note) for n in names),
                             embedded=True)

    esc_csv = esc50_dir(root) / ESC50_META_DIR / ESC50_META_CSV
    n_esc, esc_ids = _read_ids(esc_csv, ESC50_ID_COLUMNS)

    results: list[SplitOverlap] = []
    for name in names:
        candidates = clotho_metadata_candidates(root, name)
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            results.append(SplitOverlap(
                name, None, note=f"no Clotho metadata for the {name} split (looked for "
                                 f"{candidates[0]} and {candidates[1]})"))
            continue
        n_clips, clotho_ids = _read_ids(found, CLOTHO_METADATA_COLUMNS)
        shared = tuple(SharedSound(i, tuple(clotho_ids[i]), tuple(esc_ids[i]))
                       for i in sorted(clotho_ids.keys() & esc_ids.keys()))
        results.append(SplitOverlap(name, found, n_clips, len(clotho_ids), shared))
    return OverlapReport(root, esc_csv, n_esc, len(esc_ids), tuple(results))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_report(report: OverlapReport, *, decisive: Iterable[str] = ("evaluation",),
                  max_listed: int = 10) -> str:
    """The report as text: counts per split, then up to ``max_listed`` shared sounds each.

    Splits not in ``decisive`` are marked "(informational)".
    """
    decisive = {normalize_subset(s) for s in decisive}
    if report.embedded:
        return (f"{report.root}: embedded corpus, generated audio with no Freesound ids "
                f"(its ESC-50 src_file values are made-up numbers and it writes no Clotho "
                f"metadata): nothing to check")
    lines = [f"ESC-50: {_count(report.n_esc50_clips, 'clip')} from "
             f"{_count(report.n_esc50_ids, 'Freesound sound')} ({report.esc50_csv})"]
    for s in report.splits:
        tag = "" if s.split in decisive else " (informational)"
        if not s.checked:
            lines.append(f"Clotho {s.split}{tag}: not checked, {s.note}")
            continue
        lines.append(f"Clotho {s.split}{tag}: {_count(s.n_clips, 'clip')} from "
                     f"{_count(s.n_ids, 'Freesound sound')} ({s.metadata}); "
                     f"{len(s.shared)} shared with ESC-50"
                     + (f" ({_count(len(s.esc50_fnames), 'ESC-50 clip')})" if s.shared else ""))
        for sound in s.shared[:max(max_listed, 0)]:
            lines.append(f"  freesound {sound.sound_id}: Clotho {', '.join(sound.clotho_fnames)}"
                         f"; ESC-50 {', '.join(sound.esc50_fnames)}")
        hidden = len(s.shared) - max(max_listed, 0)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more")
    return "\n".join(lines)


def report_warnings(report: OverlapReport, *,
                    decisive: Iterable[str] = ("evaluation",)) -> list[str]:
    """One-line warnings (without the ``warning:`` prefix): splits that could not be checked,
    and shared sounds in the ``decisive`` splits."""
    decisive = {normalize_subset(s) for s in decisive}
    out: list[str] = []
    if report.embedded:
        return out
    for s in report.splits:
        if not s.checked:
            out.append(f"{s.note}: its Freesound ids were not checked")
        elif s.shared and s.split in decisive:
            out.append(f"{len(s.shared)} Freesound sound(s) of the Clotho {s.split} split are "
                       f"also in ESC-50 ({_count(len(s.esc50_fnames), 'ESC-50 clip')}); "
                       f"DCASE asks to exclude such overlaps: leave those clips out of the "
                       f"references")
    return out


# -- the recordings corpus: one split per recording -------------------------------------------

#: ``provenance.csv`` roles of a background recording (a room tone is one too).
BACKGROUND_ROLES: tuple[str, ...] = ("background", "room_tone")


@dataclass(frozen=True)
class SharedRecording:
    """A source recording that sounds in more than one split.

    ``splits`` run in the order development, validation, evaluation; ``files`` are the corpus
    files (paths relative to the corpus) that hold it, sorted.
    """

    package: str
    source_path: str
    splits: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class RecordingSplits:
    """What :func:`recording_splits` found: per split, how many different event and background
    recordings sound in it, and the recordings that sound in more than one."""

    root: Path
    events: dict[str, int]
    backgrounds: dict[str, int]
    shared: tuple[SharedRecording, ...]


def file_split(file: str) -> str:
    """The split of a corpus file named as ``provenance.csv`` names it: a scene's Clotho
    subset, or the split of a bank file's fold.

    Raises:
        DataError: the path is neither a scene nor a bank file.
    """
    parts = file.replace("\\", "/").split("/")
    if len(parts) == 4 and parts[:2] == [CLOTHO_DIR, CLOTHO_AUDIO_DIR] and parts[2] in SUBSETS:
        return parts[2]
    if len(parts) == 3 and parts[:2] == [ESC50_DIR, ESC50_AUDIO_DIR]:
        fold = parts[2].split("-", 1)[0]
        if fold.isdigit():
            try:
                return fold_split(int(fold))
            except ValueError:
                pass
    raise DataError(f"{file!r} is neither a scene "
                    f"({CLOTHO_DIR}/{CLOTHO_AUDIO_DIR}/<subset>/...) nor a bank file "
                    f"({ESC50_DIR}/{ESC50_AUDIO_DIR}/<fold>-...)")


def recording_splits(root: str | os.PathLike[str]) -> RecordingSplits:
    """Which splits every source recording of a recordings corpus sounds in.

    Reads ``<root>/provenance.csv`` (no audio). A recording is ``(package, source_path)``; it
    counts as a background where some row gives it a role of :data:`BACKGROUND_ROLES`, else as
    an event.

    Args:
        root: the corpus folder (the one that holds ``provenance.csv``).

    Returns:
        A :class:`RecordingSplits`; its ``shared`` is empty when every recording sounds in one
        split only, as the corpus builder makes it.

    Raises:
        DataError: no ``provenance.csv`` (a synthesised corpus, or real data), other columns, or
            a file that is neither a scene nor a bank file.
    """
    root = Path(root).expanduser()
    splits: dict[tuple[str, str], set[str]] = {}
    files: dict[tuple[str, str], set[str]] = {}
    background: set[tuple[str, str]] = set()
    for row in load_provenance(root):
        key = (row["package"], row["source_path"])
        try:
            split = file_split(row["file"])
        except DataError as e:
            raise DataError(f"{root / PROVENANCE}: {e}") from None
        splits.setdefault(key, set()).add(split)
        files.setdefault(key, set()).add(row["file"])
        if row["role"] in BACKGROUND_ROLES:
            background.add(key)
    events = {s: sum(s in splits[k] for k in splits if k not in background) for s in SUBSETS}
    backgrounds = {s: sum(s in splits[k] for k in background) for s in SUBSETS}
    shared = tuple(SharedRecording(k[0], k[1], tuple(s for s in SUBSETS if s in splits[k]),
                                   tuple(sorted(files[k])))
                   for k in sorted(splits) if len(splits[k]) > 1)
    return RecordingSplits(root, events, backgrounds, shared)


def shared_recordings(root: str | os.PathLike[str]) -> tuple[SharedRecording, ...]:
    """The source recordings of a recordings corpus that sound in more than one split, read
    from its ``provenance.csv`` (``()`` when every recording keeps to one split); see
    :func:`recording_splits`.

    Raises:
        DataError: as :func:`recording_splits`.
    """
    return recording_splits(root).shared


def has_provenance(root: str | os.PathLike[str]) -> bool:
    """True for a folder with a ``provenance.csv``: a recordings corpus, which
    :func:`recording_splits` checks."""
    return (Path(root).expanduser() / PROVENANCE).is_file()


def format_recording_splits(report: RecordingSplits, *, max_listed: int = 10) -> str:
    """The report as text: one line per split, then the shared recordings (at most
    ``max_listed``, each with its splits and how many files hold it)."""
    lines = [f"{report.root}: embedded corpus of real recordings; the different recordings "
             f"each split plays, from {PROVENANCE}"]
    for s in SUBSETS:
        lines.append(f"{s}: {_count(report.events[s], 'event recording')}, "
                     f"{_count(report.backgrounds[s], 'background recording')}")
    lines.append(f"{_count(len(report.shared), 'recording')} shared between splits")
    for rec in report.shared[:max(max_listed, 0)]:
        lines.append(f"  {rec.package} {rec.source_path}: {', '.join(rec.splits)} "
                     f"({_count(len(rec.files), 'file')})")
    hidden = len(report.shared) - max(max_listed, 0)
    if hidden > 0:
        lines.append(f"  ... and {hidden} more")
    return "\n".join(lines)
