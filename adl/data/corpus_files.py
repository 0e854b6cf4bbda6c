"""The embedded corpus's own files, as the library reads them: the names of the manifest and its
companions, each scene's events (``embedded_events_{subset}.csv``), the manifest, the provenance,
the attribution and the listening set.

The corpus factory (:mod:`adl.corpus`) writes these files; everything that trains on or scores the
corpus reads them through this module, so the paper's modules never import the factory. Both kinds
of corpus share one layout: Clotho's captions CSV, an events CSV per subset, ESC-50's
``meta/esc50.csv`` and a manifest written last.

Notebook: 01_data_mixing
"""

from __future__ import annotations

import csv
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adl.captions.mentions import EventMention
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, CLOTHO_SUBSETS, FILE_NAME_COLUMN, events_csv
from adl.errors import DataError

MANIFEST = "embedded_corpus.json"
#: Written by the recordings corpus beside the manifest: where every file's sounds come from.
PROVENANCE = "provenance.csv"
ATTRIBUTION = "ATTRIBUTION.md"
#: A folder holding this file was written by the corpus factory, even if the manifest is missing
#: (an interrupted run): it may be deleted and regenerated, unlike real data.
MARKER = ".adl_embedded_corpus"
#: The listening set's folder and its index, in the corpus folder (recordings corpus only).
LISTENING_DIR = "listening"
LISTENING_CSV = "listening.csv"
PROVENANCE_COLUMNS: tuple[str, ...] = ("file", "role", "label", "package", "version",
                                       "source_path", "license", "credit", "processing")
SUBSETS = CLOTHO_SUBSETS
EVENT_COLUMNS: tuple[str, ...] = (FILE_NAME_COLUMN, "duration_s", "labels", "onsets_s",
                                  "durations_s", "gains_db", "background", "background_gain_db")
#: Written after :data:`EVENT_COLUMNS` by the recordings corpus: the classes each caption names,
#: ``;``-joined (a caption may leave a faint event out).
CAPTION_EVENT_COLUMNS: tuple[str, ...] = tuple(f"caption_{i}_events" for i in range(1, 6))


@dataclass(frozen=True)
class SceneMeta:
    """The events of one scene, as written to ``embedded_events_{subset}.csv``.

    Tuples run in onset order. ``background`` is ``None`` for a scene without one that a
    caption may name (a recordings scene then still has a quiet room tone, whose level is
    ``background_gain_db``). ``caption_events`` holds, per caption, the classes it names; it is
    empty for the synthesised corpus, whose captions name every event.
    """

    file_name: str
    duration_s: float
    labels: tuple[str, ...]
    onsets_s: tuple[float, ...]
    durations_s: tuple[float, ...]
    gains_db: tuple[float, ...]
    background: str | None
    background_gain_db: float | None
    caption_events: tuple[tuple[str, ...], ...] = ()

    def events(self) -> list[EventMention]:
        """The events as :class:`~adl.captions.mentions.EventMention` (for captions and scoring)."""
        return [EventMention(*e) for e in
                zip(self.labels, self.onsets_s, self.durations_s, self.gains_db)]


def corpus_kind(root: str | os.PathLike[str]) -> str:
    """What an embedded corpus is made of, from its manifest: ``recordings`` or ``synth``
    (``synth`` too for a folder without a manifest, such as real Clotho and ESC-50)."""
    manifest = read_manifest(Path(root).expanduser()) or {}
    return "recordings" if manifest.get("kind") == "recordings" else "synth"


def load_scene_events(out_dir: str | os.PathLike[str], subset: str) -> dict[str, SceneMeta]:
    """Read ``embedded_events_{subset}.csv``: file name -> :class:`SceneMeta`.

    Reads both kinds: the synthesised corpus's :data:`EVENT_COLUMNS`, and the recordings
    corpus's, which add :data:`CAPTION_EVENT_COLUMNS` (then ``caption_events`` is filled).

    Raises:
        DataError: the file is missing or a row is malformed (the message names file and line).

    Notebook: 01_data_mixing
    """
    path = Path(out_dir).expanduser() / CLOTHO_DIR / CLOTHO_CSV_DIR / events_csv(subset)
    if not path.is_file():
        raise DataError(f"embedded corpus metadata not found: {path} "
                        f"(run `adl data prepare` to generate the corpus)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) not in (EVENT_COLUMNS,
                                                  EVENT_COLUMNS + CAPTION_EVENT_COLUMNS):
            raise DataError(f"{path}: expected columns {','.join(EVENT_COLUMNS)} (optionally "
                            f"followed by {','.join(CAPTION_EVENT_COLUMNS)}), "
                            f"got {','.join(reader.fieldnames or ())}")
        out: dict[str, SceneMeta] = {}
        for line, row in enumerate(reader, start=2):
            try:
                meta = _parse_event_row(row)
            except (ValueError, TypeError) as e:
                raise DataError(f"{path} line {line}: {e}") from None
            out[meta.file_name] = meta
    return out


@functools.cache
def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    """The event classes and background kinds that a caption language can name."""
    from adl.captions import annotators, grammar  # lazily: the phrase banks are read on first use

    return (frozenset(grammar.LEXICON) | frozenset(annotators.LEXICON),
            frozenset(grammar.BACKGROUNDS) | frozenset(annotators.BACKGROUNDS))


def _parse_event_row(row: dict[str, str]) -> SceneMeta:
    def floats(text: str) -> tuple[float, ...]:
        return tuple(float(x) for x in text.split(";")) if text else ()

    labels = tuple(row["labels"].split(";")) if row["labels"] else ()
    classes, backgrounds = _known_names()
    unknown = [x for x in labels if x not in classes]
    if unknown:
        raise ValueError(f"unknown event class {unknown[0]!r}")
    onsets, durations = floats(row["onsets_s"]), floats(row["durations_s"])
    gains = floats(row["gains_db"])
    if not len(labels) == len(onsets) == len(durations) == len(gains):
        raise ValueError("labels, onsets_s, durations_s and gains_db differ in length")
    background = row["background"] or None
    if background is not None and background not in backgrounds:
        raise ValueError(f"unknown background {background!r}")
    bg_gain = float(row["background_gain_db"]) if row["background_gain_db"] else None
    caption_events: tuple[tuple[str, ...], ...] = ()
    if CAPTION_EVENT_COLUMNS[0] in row:
        caption_events = tuple(tuple(row[c].split(";")) if row[c] else ()
                               for c in CAPTION_EVENT_COLUMNS)
        strays = [x for named in caption_events for x in named if x not in labels]
        if strays:
            raise ValueError(f"a caption names {strays[0]!r}, which is not among the labels")
    return SceneMeta(row["file_name"], float(row["duration_s"]), labels, onsets, durations, gains,
                     background, bg_gain, caption_events)


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the corpus in ``out``: None without one, ``{}`` when it is unreadable."""
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # unreadable: treat as ours but stale, so it is regenerated
    return data if isinstance(data, dict) else {}


def corpus_classes(out_dir: str | os.PathLike[str]) -> list[str]:
    """The event classes of the corpus in ``out_dir``, in ``target`` order (from its manifest).

    The synthesised corpus has :data:`adl.corpus.synth.CLASSES`; the recordings corpus has the
    classes of :func:`adl.corpus.sources.complete_classes`, sorted.

    Raises:
        DataError: no readable manifest (the corpus was not generated, or not completely).
    """
    path = Path(out_dir).expanduser() / MANIFEST
    manifest = read_manifest(path.parent)
    if not manifest or not isinstance(manifest.get("classes"), list):
        raise DataError(f"embedded corpus manifest not found or unreadable: {path} "
                        f"(run `adl data prepare` to generate the corpus)")
    return [str(c) for c in manifest["classes"]]


def load_attribution(root: str | os.PathLike[str]) -> str:
    """The text of the corpus's ``ATTRIBUTION.md`` (Markdown): per Debian package its licence,
    copyright holders and the recordings used, with their credits.

    Args:
        root: the corpus folder (the one that holds ``embedded_corpus.json``).

    Raises:
        DataError: the file is missing (a synthesised corpus has none, nor does an
            unfinished one).

    Notebook: 01_data_mixing
    """
    path = Path(root).expanduser() / ATTRIBUTION
    if not path.is_file():
        raise DataError(f"{path} not found: only a complete recordings corpus has one "
                        f"(run `adl data prepare --preset default`)")
    return path.read_text(encoding="utf-8")


def load_provenance(root: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of the corpus's ``provenance.csv``: one per (audio file, source recording),
    with the columns :data:`PROVENANCE_COLUMNS`.

    Raises:
        DataError: the file is missing or has other columns.
    """
    path = Path(root).expanduser() / PROVENANCE
    if not path.is_file():
        raise DataError(f"{path} not found: only a complete recordings corpus has one "
                        f"(run `adl data prepare --preset default`)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != PROVENANCE_COLUMNS:
            raise DataError(f"{path}: expected columns {','.join(PROVENANCE_COLUMNS)}")
        return list(reader)


def load_listening(root: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The corpus's listening set: real recordings of its classes that no split uses.

    Returns:
        One dict per recording (``file`` relative to the corpus folder, ``path`` absolute,
        ``label``, ``description``, ``package``, ``version``, ``source_path``, ``license``,
        ``credit``); empty for a corpus without one (the synthesised ``smoke`` corpus).
        :func:`adl.table2.caption_listening` captions them.
    """
    base = Path(root).expanduser()
    path = base / LISTENING_CSV
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["path"] = str(base / row["file"])
    return rows
