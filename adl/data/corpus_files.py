"""The embedded corpus's files, shared by both of its kinds: the event metadata, the CSV writers
and readers, the manifest, per-clip seeds and the parallel renderer.

:mod:`adl.data.corpus` (the synthesised corpus and :func:`~adl.data.corpus.prepare_corpus`) and
:mod:`adl.data.recordings` (the corpus of real recordings) both write through these, so the two
kinds share one layout: Clotho's captions CSV, an events CSV per subset
(``embedded_events_{subset}.csv``), ESC-50's ``meta/esc50.csv`` and a manifest written last.

Notebook: 01_data_mixing
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adl.data.captions import EventMention
from adl.data.layout import (CAPTION_COLUMNS, CLOTHO_CSV_DIR, CLOTHO_DIR, CLOTHO_SUBSETS,
                             ESC50_COLUMNS, ESC50_DIR, ESC50_META_CSV, ESC50_META_DIR,
                             FILE_NAME_COLUMN, captions_csv, events_csv)
from adl.data.sources import BACKGROUND_KINDS, EVENT_CLASSES
from adl.data.synth import BACKGROUNDS, CLASSES
from adl.errors import DataError
from adl.io import atomic_open

MANIFEST = "embedded_corpus.json"
#: Written by the recordings corpus beside the manifest: where every file's sounds come from.
PROVENANCE = "provenance.csv"
ATTRIBUTION = "ATTRIBUTION.md"
SUBSETS = CLOTHO_SUBSETS
EVENT_COLUMNS: tuple[str, ...] = (FILE_NAME_COLUMN, "duration_s", "labels", "onsets_s",
                                  "durations_s", "gains_db", "background", "background_gain_db")
#: Written after :data:`EVENT_COLUMNS` by the recordings corpus: the classes each caption names,
#: ``;``-joined (a caption may leave a faint event out).
CAPTION_EVENT_COLUMNS: tuple[str, ...] = tuple(f"caption_{i}_events" for i in range(1, 6))
# Per-clip seed streams: spawn_key = (stream, index, part) for scenes, (stream, target, index)
# for bank events.
_STREAMS = {"development": 0, "validation": 1, "evaluation": 2, "bank": 3, "folds": 4,
            "background_splits": 5, "listening": 6}


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
        """The events as :class:`~adl.data.captions.EventMention` (for captions and scoring)."""
        return [EventMention(*e) for e in
                zip(self.labels, self.onsets_s, self.durations_s, self.gains_db)]


def corpus_kind(root: str | os.PathLike[str]) -> str:
    """What an embedded corpus is made of, from its manifest: ``recordings`` or ``synth``
    (``synth`` too for a folder without a manifest, such as real Clotho and ESC-50)."""
    manifest = _read_manifest(Path(root).expanduser()) or {}
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


def clip_seed(cfg_seed: int, stream: str, *key: int) -> np.random.SeedSequence:
    """The seed of one clip, keyed by ``(stream, *key)``: independent of every other clip,
    of the number of workers and of the order in which clips are made."""
    return np.random.SeedSequence(cfg_seed, spawn_key=(_STREAMS[stream], *key))


def _run(tasks: list[tuple[Any, ...]], workers: int | None,
         say: Callable[[str], None], render: Callable[[Any], Any],
         initializer: Callable[..., None] | None = None,
         initargs: tuple[Any, ...] = ()) -> list[Any]:
    """Render ``tasks`` in order (results in task order) on ``workers`` processes.

    ``render`` must be a module-level function (it is pickled by name); ``initializer`` runs
    once in each worker process (with spawn, to rebuild state a forked worker inherits).
    """
    workers = 2 if workers is None else max(1, int(workers))
    results: list[Any] = []
    step = max(1, len(tasks) // 10)

    def report() -> None:
        if len(results) % step == 0 or len(results) == len(tasks):
            say(f"embedded corpus: {len(results)}/{len(tasks)} clips")

    if workers == 1 or len(tasks) < 2:
        for task in tasks:
            results.append(render(task))
            report()
        return results
    ctx = multiprocessing.get_context(_start_method())
    with ctx.Pool(min(workers, len(tasks)), initializer=initializer, initargs=initargs) as pool:
        for result in pool.imap(render, tasks, chunksize=4):
            results.append(result)
            report()
    return results


def _start_method() -> str:
    """``fork`` on Linux, else ``spawn``.

    spawn re-imports the caller's main module in every worker, which fails for a script without
    an ``if __name__ == "__main__"`` guard or one read from stdin; fork does not. The workers use
    numpy, scipy and soundfile only, so forking a process that has started torch threads is
    safe here. macOS and Windows keep spawn, their safe default.
    """
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _write_scene_csvs(out: Path, subset: str,
                      rows: Sequence[tuple[str, list[str], SceneMeta]], *,
                      caption_events: bool = False) -> None:
    csv_dir = out / CLOTHO_DIR / CLOTHO_CSV_DIR
    with atomic_open(csv_dir / captions_csv(subset), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow((FILE_NAME_COLUMN, *CAPTION_COLUMNS))
        for file_name, captions, _ in rows:
            writer.writerow([file_name, *captions])
    with atomic_open(csv_dir / events_csv(subset), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(EVENT_COLUMNS + (CAPTION_EVENT_COLUMNS if caption_events else ()))
        for _, _, m in rows:
            extra = [";".join(labels) for labels in m.caption_events] if caption_events else []
            writer.writerow([
                m.file_name, f"{m.duration_s:.3f}", ";".join(m.labels),
                ";".join(f"{x:.3f}" for x in m.onsets_s),
                ";".join(f"{x:.3f}" for x in m.durations_s),
                ";".join(f"{x:.1f}" for x in m.gains_db),
                m.background or "",
                "" if m.background_gain_db is None else f"{m.background_gain_db:.1f}",
                *extra,
            ])


def _write_esc50_csv(out: Path, rows: Sequence[tuple[str, int, int, str, int, str]]) -> None:
    with atomic_open(out / ESC50_DIR / ESC50_META_DIR / ESC50_META_CSV, "w", newline="",
                     encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ESC50_COLUMNS)
        for filename, fold, target, category, src_file, take in rows:
            writer.writerow([filename, fold, target, category, "False", src_file, take])


def _parse_event_row(row: dict[str, str]) -> SceneMeta:
    def floats(text: str) -> tuple[float, ...]:
        return tuple(float(x) for x in text.split(";")) if text else ()

    labels = tuple(row["labels"].split(";")) if row["labels"] else ()
    unknown = [x for x in labels if x not in CLASSES and x not in EVENT_CLASSES]
    if unknown:
        raise ValueError(f"unknown event class {unknown[0]!r}")
    onsets, durations = floats(row["onsets_s"]), floats(row["durations_s"])
    gains = floats(row["gains_db"])
    if not len(labels) == len(onsets) == len(durations) == len(gains):
        raise ValueError("labels, onsets_s, durations_s and gains_db differ in length")
    background = row["background"] or None
    if background is not None and background not in BACKGROUNDS \
            and background not in BACKGROUND_KINDS:
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


def _read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # unreadable: treat as ours but stale, so it is regenerated
    return data if isinstance(data, dict) else {}
