"""How the embedded corpus writes its files, shared by both of its kinds: per-clip seeds, the
parallel renderer, and the writers of the captions, events and bank CSVs.

:mod:`adl.corpus.prepare` (the synthesised corpus and :func:`~adl.corpus.prepare.prepare_corpus`)
and :mod:`adl.corpus.recordings` (the corpus of real recordings) both write through these, so the
two kinds share one layout, the one :mod:`adl.data.corpus_files` reads: Clotho's captions CSV, an
events CSV per subset (``embedded_events_{subset}.csv``) and ESC-50's ``meta/esc50.csv``.
"""

from __future__ import annotations

import csv
import multiprocessing
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from adl.data.corpus_files import CAPTION_EVENT_COLUMNS, EVENT_COLUMNS, SceneMeta
from adl.data.layout import (CAPTION_COLUMNS, CLOTHO_CSV_DIR, CLOTHO_DIR, ESC50_COLUMNS,
                             ESC50_DIR, ESC50_META_CSV, ESC50_META_DIR, FILE_NAME_COLUMN,
                             captions_csv, events_csv)
from adl.io import atomic_open

# Per-clip seed streams: spawn_key = (stream, index, part) for scenes, (stream, target, index)
# for bank events.
_STREAMS = {"development": 0, "validation": 1, "evaluation": 2, "bank": 3, "folds": 4,
            "background_splits": 5, "listening": 6}


def clip_seed(cfg_seed: int, stream: str, *key: int) -> np.random.SeedSequence:
    """The seed of one clip, keyed by ``(stream, *key)``: independent of every other clip,
    of the number of workers and of the order in which clips are made."""
    return np.random.SeedSequence(cfg_seed, spawn_key=(_STREAMS[stream], *key))


def render_all(tasks: list[tuple[Any, ...]], workers: int | None,
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


def write_scene_csvs(out: Path, subset: str,
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


def write_esc50_csv(out: Path, rows: Sequence[tuple[str, int, int, str, int, str]]) -> None:
    with atomic_open(out / ESC50_DIR / ESC50_META_DIR / ESC50_META_CSV, "w", newline="",
                     encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ESC50_COLUMNS)
        for filename, fold, target, category, src_file, take in rows:
            writer.writerow([filename, fold, target, category, "False", src_file, take])
