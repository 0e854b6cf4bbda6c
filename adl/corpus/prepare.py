"""The embedded corpus: a captioned audio corpus generated from a seed, in the real layouts.

:func:`prepare_corpus` writes, under ``out_dir``::

    CLOTHO_v2.1/clotho_csv_files/clotho_captions_{subset}.csv     file_name, caption_1..caption_5
    CLOTHO_v2.1/clotho_csv_files/embedded_events_{subset}.csv     the events of every scene
    CLOTHO_v2.1/clotho_audio_files/{subset}/{file_name}           scenes, 44.1 kHz mono 16-bit
    ESC-50-master/meta/esc50.csv                                  filename, fold, target, ...
    ESC-50-master/audio/{fold}-{src_file}-{take}-{target}.wav     the event bank, 5 s each
    embedded_corpus.json                                          the manifest, written last

so the Clotho and ESC-50 loaders read it as they read the real data sets. ``cfg.kind`` says
what the sounds are:

* ``synth`` (the ``smoke`` preset, offline): scenes hold one to ``max_events`` events of distinct
  classes, sequential or overlapping, over an optional background; their events are fresh
  syntheses, not copies of bank events.
* ``recordings`` (the ``default`` preset): real recordings from pinned Debian packages, built by
  :mod:`adl.corpus.recordings`, which also writes ``provenance.csv`` and ``ATTRIBUTION.md`` beside
  the manifest and five ``caption_{i}_events`` columns in the events files.

Every clip has its own seed derived from ``(cfg.seed, subset, index)``, so the bytes written do
not depend on the number of workers or on the order in which they finish.

Example::

    from adl.config import load_preset
    from adl.corpus.prepare import prepare_corpus
    from adl.data.corpus_files import load_scene_events
    summary = prepare_corpus("data", load_preset("smoke").corpus)
    events = load_scene_events("data", "development")

Notebook: 01_data_mixing
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adl.audio import save_audio
from adl.config import CorpusConfig
from adl.captions.grammar import write_captions
from adl.corpus.files import clip_seed, render_all, write_esc50_csv, write_scene_csvs
from adl.corpus.synth import BACKGROUNDS, CLASSES, MAX_PEAK, synthesize, synthesize_background
from adl.data.corpus_files import (ATTRIBUTION, MANIFEST, MARKER, PROVENANCE, SUBSETS, SceneMeta,
                                   read_manifest)
from adl.data.layout import (CLOTHO_AUDIO_DIR, CLOTHO_CSV_DIR, CLOTHO_DIR, ESC50_AUDIO_DIR,
                             ESC50_DIR, ESC50_FOLDS, ESC50_META_CSV, ESC50_META_DIR,
                             captions_csv, events_csv)
from adl.errors import DataError
from adl.io import free_bytes, write_json

#: Bumped whenever the synthesiser's output changes, so an old corpus is regenerated (the
#: recordings corpus has its own, :data:`adl.corpus.recordings.FORMAT_VERSION`).
FORMAT_VERSION = 1
N_FOLDS = len(ESC50_FOLDS)

_SRC_FILE_BASE = 100000  # ESC-50's src_file is a freesound id; ours are 100000 + 10000*target + i




@dataclass(frozen=True)
class CorpusSummary:
    """What :func:`prepare_corpus` wrote (or found).
    """

    out_dir: Path
    sizes: dict[str, int]
    n_bank_events: int
    n_classes: int
    total_audio_seconds: float
    generation_seconds: float
    reused: bool


def prepare_corpus(out_dir: str | os.PathLike[str], cfg: CorpusConfig, *, sr: int = 44100,
                   workers: int | None = None,
                   progress: Callable[[str], None] | None = None,
                   sources: Sequence[Any] | None = None, fetch: Callable[..., None] | None = None,
                   cache_root: str | os.PathLike[str] | None = None) -> CorpusSummary:
    """Generate the embedded corpus under ``out_dir``, or reuse the one already there.

    Idempotent: a manifest that matches ``cfg``, ``sr`` and the format version (and, for
    ``kind: recordings``, the pinned sources) is reused at once. A corpus with another manifest
    is deleted (only its own folders) and regenerated.

    Args:
        out_dir: data root; receives ``CLOTHO_v2.1/``, ``ESC-50-master/`` and the manifest.
        cfg: kind, sizes and seed.
        sr: sample rate of every file.
        workers: processes that render (default 2); the output does not depend on it.
        progress: called with one-line progress messages (``print`` works), or ``None``.
        sources: ``kind: recordings`` only: the Debian sources
            (default :data:`adl.corpus.sources.SOURCES`).
        fetch: ``kind: recordings`` only: how a ``.deb`` is fetched (default: apt-get, then
            HTTPS; see :func:`adl.corpus.debian.default_fetch`).
        cache_root: ``kind: recordings`` only: where ``debian-cache/`` lives (default
            ``out_dir``).

    Returns:
        A :class:`CorpusSummary`; ``reused`` tells whether anything was written.

    Raises:
        DataError: ``out_dir`` holds a ``CLOTHO_v2.1`` or ``ESC-50-master`` folder that this
            module did not write (possibly real data), the disk lacks space, or a source
            recording is corrupt (the message names its package and file).
        DownloadError: ``kind: recordings`` and a package cannot be fetched (offline) or its
            checksum is wrong.

    Notebook: 01_data_mixing
    """
    out = Path(out_dir).expanduser()
    say = progress or (lambda _msg: None)
    if cfg.kind == "recordings":
        from adl.corpus import recordings

        srcs = recordings.default_sources() if sources is None else tuple(sources)
        wanted = recordings.identity(cfg, sr, srcs)
    else:
        wanted = _identity(cfg, sr)
    manifest = read_manifest(out)
    if manifest is not None:
        if {k: manifest.get(k) for k in wanted} == wanted and _complete(out, cfg.kind):
            say(f"embedded corpus in {out} is up to date")
            return _summary(out, manifest, reused=True)
        say(f"embedded corpus in {out} was made with other settings: regenerating")
        _remove_own(out)
    for name in (CLOTHO_DIR, ESC50_DIR):
        folder = out / name
        if folder.exists():
            if not (folder / MARKER).is_file():
                raise DataError(
                    f"{folder} exists but was not written by the embedded corpus generator "
                    f"(no {out / MANIFEST}); it may be real data, so it is left alone: "
                    f"choose another data root or move it away")
            shutil.rmtree(folder)  # an interrupted earlier run of ours
    if cfg.kind == "recordings":
        root = out if cache_root is None else Path(cache_root).expanduser()
        recordings.check_space(out, cfg, sr, srcs, root)
        recordings.fetch_packages(root, srcs, fetch=fetch, say=say)  # before our folders
    else:
        _check_space(out, cfg, sr)

    start = time.perf_counter()
    for name in (CLOTHO_DIR, ESC50_DIR):
        (out / name).mkdir(parents=True, exist_ok=True)
        # The text names the module that first wrote corpora; kept so that the bytes stay the same.
        (out / name / MARKER).write_text("written by adl.data.corpus\n", encoding="utf-8")

    if cfg.kind == "recordings":
        built = recordings.build(out, cfg, sr=sr, workers=workers, say=say, sources=srcs,
                                 root=root)
        seconds = time.perf_counter() - start
        manifest = {**wanted, **built, "generation_seconds": round(seconds, 2)}
        write_json(out / MANIFEST, manifest)  # last: its presence means the corpus is complete
        say(f"embedded corpus written to {out} in {seconds:.1f} s "
            f"({built['total_audio_seconds'] / 3600:.2f} h of audio)")
        return _summary(out, manifest, reused=False)

    sizes = {"development": cfg.n_development, "validation": cfg.n_validation,
             "evaluation": cfg.n_evaluation}
    tasks: list[tuple[Any, ...]] = []
    for subset in SUBSETS:
        tasks += [("scene", cfg, sr, str(out), subset, i) for i in range(sizes[subset])]
    tasks += [("bank", cfg, sr, str(out), target, i)
              for target in range(len(CLASSES)) for i in range(cfg.events_per_class)]
    results = render_all(tasks, workers, say, render=_render)

    total_seconds = 0.0
    pos = 0
    for subset in SUBSETS:
        rows = results[pos:pos + sizes[subset]]
        pos += sizes[subset]
        write_scene_csvs(out, subset, rows)
        total_seconds += sum(meta.duration_s for _, _, meta in rows)
    bank_rows = sorted(results[pos:], key=lambda r: r[0])
    write_esc50_csv(out, bank_rows)
    total_seconds += len(bank_rows) * round(cfg.event_seconds * sr) / sr

    seconds = time.perf_counter() - start
    manifest = {
        **wanted,
        "sizes": sizes,
        "n_bank_events": len(bank_rows),
        "classes": list(CLASSES),
        "backgrounds": list(BACKGROUNDS),
        "total_audio_seconds": round(total_seconds, 3),
        "generation_seconds": round(seconds, 2),
    }
    write_json(out / MANIFEST, manifest)  # last: its presence means the corpus is complete
    say(f"embedded corpus written to {out} in {seconds:.1f} s "
        f"({total_seconds / 3600:.2f} h of audio)")
    return _summary(out, manifest, reused=False)




def estimate_bytes(cfg: CorpusConfig, sr: int = 44100) -> int:
    """Bytes the corpus will take on disk (16-bit mono wav plus CSVs), a slight overestimate."""
    n_scenes = cfg.n_development + cfg.n_validation + cfg.n_evaluation
    seconds = (n_scenes * sum(cfg.scene_seconds) / 2
               + len(CLASSES) * cfg.events_per_class * cfg.event_seconds)
    n_files = n_scenes + len(CLASSES) * cfg.events_per_class
    return int(seconds * sr * 2 * 1.02) + n_files * (44 + 1024)


# -- generation ----------------------------------------------------------------------------






def _render(task: tuple[Any, ...]) -> Any:
    """Synthesize and write one clip; runs in a worker. Returns the clip's CSV data."""
    kind, cfg, sr, out, a, b = task
    if kind == "scene":
        return _render_scene(cfg, sr, Path(out), a, b)
    return _render_bank_event(cfg, sr, Path(out), a, b)


def _render_scene(cfg: CorpusConfig, sr: int, out: Path, subset: str,
                  index: int) -> tuple[str, list[str], SceneMeta]:
    rng = np.random.default_rng(clip_seed(cfg.seed, subset, index, 0))
    caption_rng = np.random.default_rng(clip_seed(cfg.seed, subset, index, 1))
    lo, hi = cfg.scene_seconds
    duration = round(float(rng.uniform(lo, hi)), 3)
    n = int(round(duration * sr))
    k = int(rng.integers(1, min(cfg.max_events, len(CLASSES)) + 1))
    labels = [CLASSES[i] for i in rng.choice(len(CLASSES), size=k, replace=False)]
    background = str(rng.choice(BACKGROUNDS)) if rng.random() < cfg.background_prob else None
    onsets, durations = _layout(rng, k, duration, cfg.event_seconds)
    gains = _gains(rng, k, alone=background is None and k == 1)

    audio = np.zeros(n)
    background_gain = None
    if background is not None:
        background_gain = round(float(rng.uniform(-24.0, -16.0)), 1)
        audio += synthesize_background(background, duration, sr, rng) * 10 ** (background_gain / 20)
    for label, onset, dur, gain in zip(labels, onsets, durations, gains):
        event = synthesize(label, dur, sr, rng) * 10 ** (gain / 20)
        i0 = int(round(onset * sr))
        m = min(len(event), n - i0)
        audio[i0:i0 + m] += event[:m]
    peak = float(np.max(np.abs(audio)))
    if peak > MAX_PEAK:  # scale the whole scene, never clip
        audio *= MAX_PEAK / peak

    file_name = f"{subset}_{index + 1:05d}.wav"
    save_audio(out / CLOTHO_DIR / CLOTHO_AUDIO_DIR / subset / file_name,
               audio.astype(np.float32), sr)
    meta = SceneMeta(file_name, duration, tuple(labels), tuple(onsets), tuple(durations),
                     tuple(gains), background, background_gain)
    captions = write_captions(meta.events(), caption_rng, 5, background=background)
    return file_name, captions, meta


def _layout(rng: np.random.Generator, k: int, scene_s: float,
            max_event_s: float) -> tuple[list[float], list[float]]:
    """Onsets and durations (s, rounded to ms) of ``k`` events inside a scene.

    Each later event either overlaps the one before by at least half of it, or starts after
    everything before it has ended, so a caption's "while" and "then" are clear.
    """
    overlap = rng.random(k - 1) < 0.5
    n_groups = 1 + int(np.sum(~overlap))
    hi = max(0.5, min(max_event_s, scene_s, (scene_s - 0.3 * n_groups) / n_groups))
    dur = rng.uniform(min(1.5, 0.6 * hi), hi, k)
    onsets = np.zeros(k)
    onsets[0] = rng.uniform(0.0, 0.3)
    group_end = onsets[0] + dur[0]
    for i in range(1, k):
        if overlap[i - 1]:
            onsets[i] = onsets[i - 1] + rng.uniform(0.15, 0.5) * dur[i - 1]
            group_end = max(group_end, onsets[i] + dur[i])
        else:
            onsets[i] = group_end + rng.uniform(0.1, 0.5)
            group_end = onsets[i] + dur[i]
    end = float(np.max(onsets + dur))
    if end > scene_s - 0.01:  # squeeze the whole arrangement into the scene
        scale = (scene_s - 0.01) / end
        onsets *= scale
        dur *= scale
    onsets = np.floor(onsets * 1000) / 1000
    dur = np.floor(dur * 1000) / 1000
    return [float(x) for x in onsets], [float(x) for x in dur]


def _gains(rng: np.random.Generator, k: int, *, alone: bool) -> list[float]:
    """Per-event gains in dB: some loud, most normal, some faint (never all faint)."""
    kinds = rng.choice(3, size=k, p=[0.25, 0.5, 0.25])  # 0 loud, 1 normal, 2 faint
    if alone or np.all(kinds == 2):
        kinds[0] = 1  # a faint event needs something louder beside it
    ranges = {0: (4.0, 8.0), 1: (-4.0, 2.0), 2: (-18.0, -11.0)}
    return [round(float(rng.uniform(*ranges[int(c)])), 1) for c in kinds]


def _render_bank_event(cfg: CorpusConfig, sr: int, out: Path, target: int,
                       index: int) -> tuple[str, int, int, str, int, str]:
    rng = np.random.default_rng(clip_seed(cfg.seed, "bank", target, index))
    category = CLASSES[target]
    fold = index % N_FOLDS + 1
    src_file = _SRC_FILE_BASE + 10000 * target + index
    take = "A"
    filename = f"{fold}-{src_file}-{take}-{target}.wav"
    save_audio(out / ESC50_DIR / ESC50_AUDIO_DIR / filename,
               synthesize(category, cfg.event_seconds, sr, rng), sr)
    return filename, fold, target, category, src_file, take


# -- files ---------------------------------------------------------------------------------








def _identity(cfg: CorpusConfig, sr: int) -> dict[str, Any]:
    """What a manifest must match to be reused (JSON-shaped: tuples become lists)."""
    config = json.loads(json.dumps(dataclasses.asdict(cfg)))
    return {"format": "adl-embedded-corpus", "format_version": FORMAT_VERSION, "sr": sr,
            "config": config}




def _complete(out: Path, kind: str = "synth") -> bool:
    csv_dir = out / CLOTHO_DIR / CLOTHO_CSV_DIR
    needed = [out / ESC50_DIR / ESC50_META_DIR / ESC50_META_CSV]
    if kind == "recordings":
        needed += [out / PROVENANCE, out / ATTRIBUTION]
    for subset in SUBSETS:
        needed += [csv_dir / captions_csv(subset), csv_dir / events_csv(subset)]
    return all(p.is_file() for p in needed)


def _remove_own(out: Path) -> None:
    (out / MANIFEST).unlink(missing_ok=True)  # first: from here on the corpus is incomplete
    for name in (PROVENANCE, ATTRIBUTION):
        (out / name).unlink(missing_ok=True)
    for name in (CLOTHO_DIR, ESC50_DIR):
        if (out / name).exists():
            shutil.rmtree(out / name)


def _check_space(out: Path, cfg: CorpusConfig, sr: int) -> None:
    need = estimate_bytes(cfg, sr)
    probe, free = free_bytes(out)
    if free < need:
        raise DataError(f"not enough disk space in {probe} for the embedded corpus: needs about "
                        f"{need / 1e9:.2f} GB, {free / 1e9:.2f} GB free")


def _summary(out: Path, manifest: dict[str, Any], *, reused: bool) -> CorpusSummary:
    return CorpusSummary(
        out_dir=out,
        sizes=dict(manifest["sizes"]),
        n_bank_events=int(manifest["n_bank_events"]),
        n_classes=len(manifest["classes"]),
        total_audio_seconds=float(manifest["total_audio_seconds"]),
        generation_seconds=float(manifest["generation_seconds"]),
        reused=reused,
    )
