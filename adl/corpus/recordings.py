"""The real-recording corpus: Clotho-like scenes and an ESC-50-like bank cut from real sounds.

:func:`adl.corpus.prepare.prepare_corpus` calls :func:`build` for ``corpus.kind: recordings`` (the
``default`` preset). The sounds are the recordings pinned in :mod:`adl.corpus.sources` (freely
licensed Debian packages, fetched and checked by :mod:`adl.corpus.debian`); nothing is
synthesised. The corpus is written in the layouts of :mod:`adl.corpus.files`, plus::

    provenance.csv      per bank file and per scene: the recordings in it (package, version,
                        path inside the package, licence, credit) and what was done to them
    ATTRIBUTION.md      per package: licence, copyright holders and the recordings used

**One split per recording.** Every event and background recording sounds in exactly one split,
development, validation or evaluation, in its scenes and in the bank's folds of that split
(:data:`adl.data.layout.SPLIT_FOLDS`: folds 1-3, 4 and 5), so evaluation measures hearing, not
memory of a recording heard in training. :func:`assign_splits` decides per group (a class's
events, a background kind's recordings), in an order shuffled by the seed: a group of three or
more recordings gives one in five (at least one) to evaluation, as many to validation, and the
rest, the most, to development. Event classes with fewer than three recordings are left out of
the corpus (:func:`adl.corpus.sources.complete_classes`), so every class sounds in every split. A
background kind with two recordings has one in development and one in evaluation, a kind with
one recording is in development only; scenes of a split draw their background among the kinds
it has, so a caption never names a kind whose recordings belong to another split. The room tone
of a split is its ``desert`` and ``hum`` recordings (any of its backgrounds if it has neither).
``adl data check`` (:func:`adl.data.check.shared_recordings`) reads ``provenance.csv`` and
reports any recording found in two splits.

**The bank** (``ESC-50-master``). Only classes with at least three different recordings
(:func:`adl.corpus.sources.complete_classes`) are used; ``target`` indexes their sorted list.

* Cuts: a recording longer than ``event_seconds`` is cut into ``len // event_seconds``
  windows (the slack split evenly at both ends); a shorter one is one event, placed at a random
  offset inside the clip. Recordings are first trimmed to their active part (frames within
  45 dB of the loudest) and levelled to :data:`REFERENCE_DBFS` (RMS over their active frames).
* Padding is never digital silence: every clip has a noise floor at
  :data:`NOISE_FLOOR_DBFS`, made of short Hann-windowed grains of the recording's own quiet
  frames (those 40 dB or more below its loudest), or of white noise where the recording has
  none (many game sounds fade to exact zero).
* Augmentation, within a class, until it has about ``events_per_class`` events (each recording
  gets an equal share; at most :data:`MAX_TAKES` takes per recording): a speed change of
  ±5 % by resampling (soxr; pitch and tempo together), a random crop offset or placement, one
  mild filter (a ±6 dB low or high shelf, or a gentle low- or high-pass) and a gain of ±6 dB.
* Folds by source recording (:func:`assign_folds`): every cut and augmentation of a
  recording has its fold, the fold of its split. Evaluation recordings are in fold 5, so
  **fold 5 holds at least one recording of every class**, none heard in training (Table 2's
  "never heard" fold); validation recordings in fold 4; development recordings go in turn to
  folds 1, 2 and 3, the rotation continuing from class to class so that those folds stay
  balanced over the bank (a class with three recordings has a single development one).
* ``src_file`` is an integer per source recording (``200000 + 1000 * target + i``); ``take``
  is ``A``, ``B``, ... per cut, then per augmentation.

**The listening set**: a class with :data:`LISTENING_MIN` or more recordings lends one (drawn by
the seed) to no split at all. Its active part, levelled and at most :data:`LISTENING_SECONDS`
long, is written to ``listening/<class>.wav`` with its provenance in ``listening.csv``
(:func:`load_listening`): real recordings of the corpus's classes that no scene, bank event,
tagger or head has heard, for trying a trained captioner on.

**The scenes** (``CLOTHO_v2.1``), ``scene_seconds`` long:

* Always a real background, a recording of the scene's split. With probability
  ``background_prob`` it is a background kind that captions may name (rain, wind, birds,
  traffic, ...), :data:`BACKGROUND_DB` relative to the event level; otherwise a quiet room
  tone, a ``desert`` or ``hum`` recording (:data:`ROOM_TONE_KINDS`) at :data:`ROOM_TONE_DB`,
  which captions do not name (the events file then leaves ``background`` empty and keeps its
  gain). Short backgrounds (several are
  4 s at 11 kHz) are looped from a random start with equal-power crossfades.
* 1 to ``max_events`` events of distinct classes, weighted toward few (weights
  ``max_events, ..., 2, 1``), each cut from a bank recording (its active part, at most
  ``event_seconds``, from a random offset), at a gain in :data:`EVENT_DB` dB (the first one
  drawn in :data:`LEAD_EVENT_DB`, so that not every event is faint), at any onset; events may
  overlap. A scene takes its events from the recordings of its split only: development scenes
  from those of folds 1-3, validation scenes from fold 4's, evaluation scenes from fold 5's.
  Within a split the bank and the scenes share recordings, as Clotho and ESC-50 share
  Freesound; across splits nothing is shared.
* Five captions by :func:`adl.captions.annotators.annotate`, as if from five people, told the
  background's level (one at -6 dB or more is prominent, about a third of them); the classes
  each names go to ``caption_1_events`` ... ``caption_5_events``.

Each clip has its own seed (:func:`adl.corpus.files.clip_seed`), so the same seed and the same
package versions give the same bytes for any number of workers.

Example::

    from adl.config import load_preset
    from adl.corpus.prepare import prepare_corpus
    from adl.data.corpus_files import load_attribution
    prepare_corpus("data/embedded-default", load_preset("default").corpus)
    print(load_attribution("data/embedded-default"))
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adl.config import CorpusConfig
from adl.corpus.debian import Fetcher, exact, extract_dir, is_complete
from adl.corpus.files import clip_seed, render_all, write_esc50_csv, write_scene_csvs
from adl.corpus.sources import (MIN_RECORDINGS, SOURCES, DebSource, Recording,
                                backgrounds_by_kind, complete_classes, fetch_sources,
                                recordings_by_class)
from adl.data.corpus_files import (ATTRIBUTION, LISTENING_CSV, LISTENING_DIR, MANIFEST,
                                   PROVENANCE, PROVENANCE_COLUMNS, SUBSETS, SceneMeta)
from adl.data.layout import (CLOTHO_AUDIO_DIR, CLOTHO_DIR, ESC50_AUDIO_DIR, ESC50_DIR,
                             ESC50_FOLDS, SPLIT_FOLDS, fold_split)
from adl.errors import AudioError, DataError, one_line
from adl.io import atomic_open, free_bytes, write_text

#: Bumped whenever the builder's output changes, so an old corpus is regenerated.
FORMAT_VERSION = 3  # 2: every recording in one split; 3: and a listening set in none
#: RMS (over its active frames) of an event at gain 0 dB, in dB full scale.
REFERENCE_DBFS = -20.0
#: The floor under every bank clip, in dB full scale: never digital silence.
NOISE_FLOOR_DBFS = -60.0
#: Peak of every file: a louder clip is scaled down as a whole, never clipped.
MAX_PEAK = 0.9
#: Event gains in a scene (dB relative to the event level), and the first event's.
EVENT_DB = (-12.0, 6.0)
LEAD_EVENT_DB = (-6.0, 6.0)
#: A background captions may name, and the room tone of a scene without one (dB, same scale).
BACKGROUND_DB = (-15.0, -1.0)
ROOM_TONE_DB = (-32.0, -28.0)
ROOM_TONE_KINDS = ("desert", "hum")
#: Bank augmentation ranges.
SPEED_RANGE = (0.95, 1.05)
GAIN_DB_RANGE = (-6.0, 6.0)
#: ESC-50 takes are single letters.
TAKES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_TAKES = len(TAKES)
#: A class with this many recordings or more lends one to the listening set: a real recording
#: that no split, fold or head ever uses (the book captions them: chapter 5).
LISTENING_MIN = 7
#: The longest listening clip, in seconds (its active part, cut from the middle).
LISTENING_SECONDS = 10.0
HELD_OUT_FOLD = SPLIT_FOLDS["evaluation"][0]
#: A group (one class's events, one kind's backgrounds) of at least :data:`MIN_RECORDINGS`
#: gives one in this many of its recordings (at least one) to validation, as many to evaluation.
HELD_OUT_SHARE = 5

_SRC_FILE_BASE = 200000  # our src_file ids: 200000 + 1000 * target + i (synth uses 100000+)
_FRAME_S = 0.010
_FADE_S = 0.010
_GRAIN_S = 0.040
_TRIM_DB = 45.0     # the active part: frames within this of the loudest
_ACTIVE_DB = 30.0   # frames that count for the level
_QUIET_DB = 40.0    # frames this far below the loudest are the recording's own floor
_XFADE_S = 0.5      # crossfade when a background is looped


@dataclass(frozen=True)
class BankRecording:
    """One source recording of the bank and where its events go.

    Attributes:
        target: index of its class in the sorted class list.
        category: its class.
        index: its position in the class's recordings sorted by (package, path).
        src_file: its ESC-50 ``src_file`` id.
        fold: the fold of all its cuts and augmentations.
        source: its Debian package.
        recording: the recording itself.
        n_cuts: windows of ``event_seconds`` cut from it (1 for a short recording).
        n_takes: events made from it: the cuts, then augmentations.
    """

    target: int
    category: str
    index: int
    src_file: int
    fold: int
    source: DebSource
    recording: Recording
    n_cuts: int
    n_takes: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.package, self.recording.path)

    @property
    def split(self) -> str:
        """The split whose scenes may use it (the one its fold belongs to)."""
        return fold_split(self.fold)


def default_sources() -> tuple[DebSource, ...]:
    """The pinned sources, :data:`adl.corpus.sources.SOURCES`."""
    return SOURCES


def identity(cfg: CorpusConfig, sr: int, sources: Sequence[DebSource]) -> dict[str, Any]:
    """What a manifest must match to be reused: format, config, and every pinned package and
    recording (a changed pin or recording list means another corpus)."""
    config = json.loads(json.dumps(dataclasses.asdict(cfg)))
    pins = [{"package": s.package, "version": s.version, "sha256": s.pin.sha256}
            for s in sources]
    listing = sorted([s.package, s.version, r.path, r.label, r.kind or ""]
                     for s in sources for r in s.recordings)
    digest = hashlib.sha256(json.dumps(listing).encode("utf-8")).hexdigest()
    return {"format": "adl-embedded-corpus", "format_version": FORMAT_VERSION, "sr": sr,
            "config": config, "kind": "recordings", "sources": pins,
            "recordings_sha256": digest}


def estimate_bytes(cfg: CorpusConfig, sr: int, sources: Sequence[DebSource]) -> int:
    """Bytes the corpus takes on disk (16-bit mono wav, CSVs), a slight overestimate."""
    n_scenes = cfg.n_development + cfg.n_validation + cfg.n_evaluation
    n_bank = len(complete_classes(sources)) * cfg.events_per_class
    seconds = n_scenes * sum(cfg.scene_seconds) / 2 + n_bank * cfg.event_seconds
    return int(seconds * sr * 2 * 1.02) + (n_scenes + n_bank) * (44 + 1024 + 1024)


def check_space(out: Path, cfg: CorpusConfig, sr: int, sources: Sequence[DebSource],
                root: Path) -> None:
    """Raise DataError if the disk lacks room for the corpus plus the packages still to fetch
    (each counted twice: the ``.deb`` and its extraction)."""
    need = estimate_bytes(cfg, sr, sources)
    need += sum(2 * s.size for s in sources if not is_complete(
        extract_dir(root, s.pin), s.pin, exact(r.path for r in s.recordings)))
    probe, free = free_bytes(out)
    if free < need:
        raise DataError(f"not enough disk space in {probe} for the recordings corpus: needs "
                        f"about {need / 1e9:.2f} GB (downloads included), "
                        f"{free / 1e9:.2f} GB free")


def fetch_packages(root: Path, sources: Sequence[DebSource], *, fetch: Fetcher | None = None,
                   say: Callable[[str], None] = lambda _m: None) -> dict[str, Path]:
    """Fetch and extract every source package under ``<root>/debian-cache`` (cached ones are
    reused). Raises DownloadError (offline, checksum) or DataError (corrupt archive,
    unreadable recording), each one line naming the package and file."""
    say(f"recordings corpus: sources in {root / 'debian-cache'} "
        f"({len(sources)} Debian packages)")
    return fetch_sources(root, sources=sources, fetch=fetch)


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class _State:
    """Everything a worker needs: the plan and the decoded recordings (shared by fork)."""

    cfg: CorpusConfig
    sr: int
    out: Path
    classes: list[str]
    bank: list[list[BankRecording]]               # per target
    listening: list[tuple[str, DebSource, Recording]]  # (class, source, recording), in no split
    backgrounds: dict[str, dict[str, list[tuple[DebSource, Recording]]]]  # split -> kind -> recs
    room_tone: dict[str, list[tuple[DebSource, Recording]]]               # split -> recs
    audio: dict[tuple[str, str], np.ndarray]      # events: active part, levelled; backgrounds: raw
    floors: dict[tuple[str, str], np.ndarray | None]


_STATE: _State | None = None


def assign_splits(n: int, rng: np.random.Generator) -> list[str]:
    """The split of each recording of one group: a class's events or a kind's backgrounds.

    In an order shuffled by ``rng``, a group of :data:`MIN_RECORDINGS` or more gives its first
    ``max(1, n // HELD_OUT_SHARE)`` recordings to evaluation, as many to validation, and the
    rest (the most) to development. A smaller group cannot be in all three splits: of two
    recordings one goes to development and one to evaluation (the validation scenes do without
    that group), a single one goes to development only.

    Args:
        n: the group's recordings, in their sorted order.
        rng: the generator that shuffles them.

    Returns:
        The split of each recording, in sorted order.
    """
    if n >= MIN_RECORDINGS:
        k = max(1, n // HELD_OUT_SHARE)
        plan = ["evaluation"] * k + ["validation"] * k + ["development"] * (n - 2 * k)
    else:
        plan = ["development", "evaluation"][:n]
    split_of = [""] * n
    for position, i in enumerate(rng.permutation(n)):
        split_of[int(i)] = plan[position]
    return split_of


def assign_folds(n_recordings: Sequence[int], rng_for: Callable[[int], np.random.Generator]
                 ) -> list[list[int]]:
    """Bank folds of each class's recordings: their split (:func:`assign_splits`) as a fold.

    Args:
        n_recordings: recordings per class, in target order (each at least
            :data:`MIN_RECORDINGS`, so every class has recordings in every split).
        rng_for: the generator that shuffles class ``target``'s order.

    Returns:
        Per class, the fold of each recording in sorted order: evaluation recordings in fold 5,
        validation ones in fold 4, development ones in folds 1-3 (:data:`SPLIT_FOLDS`), which
        take them in turn, continuing from one class to the next, so that those folds stay
        balanced over the bank.
    """
    dev_folds = SPLIT_FOLDS["development"]
    folds: list[list[int]] = []
    rotation = 0
    for target, n in enumerate(n_recordings):
        fold_of = []
        for split in assign_splits(n, rng_for(target)):
            if split == "development":
                fold_of.append(dev_folds[rotation % len(dev_folds)])
                rotation += 1
            else:
                fold_of.append(SPLIT_FOLDS[split][0])
        folds.append(fold_of)
    return folds


def assign_backgrounds(backgrounds: dict[str, list[tuple[DebSource, Recording]]],
                       rng_for: Callable[[int], np.random.Generator]
                       ) -> dict[str, dict[str, list[tuple[DebSource, Recording]]]]:
    """Each split's background recordings, by kind (:func:`assign_splits` per kind).

    Args:
        backgrounds: kind -> its recordings, in sorted kind order.
        rng_for: the generator that shuffles the recordings of the kind at this position.

    Returns:
        Split -> kind -> its recordings there (a kind with fewer than :data:`MIN_RECORDINGS`
        recordings is missing from a split or two; scenes of that split never have it).
    """
    out: dict[str, dict[str, list[tuple[DebSource, Recording]]]] = {s: {} for s in SPLIT_FOLDS}
    for k, kind in enumerate(sorted(backgrounds)):
        recs = sorted(backgrounds[kind], key=lambda sr_: (sr_[0].package, sr_[1].path))
        for rec, split in zip(recs, assign_splits(len(recs), rng_for(k))):
            out[split].setdefault(kind, []).append(rec)
    return out


def _load(source: DebSource, rec: Recording, root: Path, sr: int) -> np.ndarray:
    from adl.audio import load_audio

    path = source.audio_file(root, rec)
    try:
        x = load_audio(path, sr).numpy().astype(np.float64)
    except AudioError as err:
        raise DataError(f"{source.package} {source.version}: cannot read {rec.path}: "
                        f"{one_line(err)}") from None
    if x.size == 0 or float(np.max(np.abs(x))) < 1e-5:
        raise DataError(f"{source.package} {source.version}: {rec.path} ({path}) holds no "
                        f"sound (silent)")
    return x


def _frame_rms(x: np.ndarray, hop: int) -> np.ndarray:
    n = max(1, len(x) // hop)
    frames = np.zeros(n * hop)
    frames[:min(len(x), n * hop)] = x[:n * hop]
    return np.sqrt(np.mean(frames.reshape(n, hop) ** 2, axis=1))


def _active_part(x: np.ndarray, sr: int) -> np.ndarray:
    """Trim leading and trailing frames more than :data:`_TRIM_DB` below the loudest, and level
    the rest so that the RMS of its active frames is :data:`REFERENCE_DBFS`."""
    hop = max(1, round(_FRAME_S * sr))
    rms = _frame_rms(x, hop)
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (-_TRIM_DB / 20))
    a = max(0, (int(loud[0]) - 1) * hop)
    b = min(len(x), (int(loud[-1]) + 2) * hop)
    y = x[a:b]
    rms = _frame_rms(y, hop)
    active = rms[rms >= rms.max() * 10 ** (-_ACTIVE_DB / 20)]
    level = float(np.sqrt(np.mean(active ** 2)))
    return (y * (10 ** (REFERENCE_DBFS / 20) / level)).astype(np.float32)


def _quiet_material(x: np.ndarray, sr: int) -> np.ndarray | None:
    """The recording's own floor: its frames at least :data:`_QUIET_DB` below the loudest but
    not digital silence, joined (at most 2 s); None when there is less than two grains of it."""
    hop = max(1, round(_FRAME_S * sr))
    rms = _frame_rms(x, hop)
    quiet = np.flatnonzero((rms > 1e-6) & (rms <= rms.max() * 10 ** (-_QUIET_DB / 20)))
    if len(quiet) * hop < 2 * round(_GRAIN_S * sr):
        return None
    material = np.concatenate([x[i * hop:(i + 1) * hop] for i in quiet[:round(2.0 / _FRAME_S)]])
    return material.astype(np.float32) if float(np.std(material)) > 1e-7 else None


def _prepare(cfg: CorpusConfig, sr: int, out: Path, sources: Sequence[DebSource], root: Path,
             say: Callable[[str], None] = lambda _m: None) -> _State:
    """Decode every recording used and plan the bank (classes, folds, takes)."""
    classes = complete_classes(sources)
    if not classes:
        raise DataError("the recordings corpus needs at least one class with 3 or more "
                        "recordings; the sources have none")
    by_class = recordings_by_class(sources)
    per_class: list[list[tuple[DebSource, Recording]]] = []
    listening: list[tuple[str, DebSource, Recording]] = []
    for target, c in enumerate(classes):
        unique = {(s.package, r.path): (s, r) for s, r in by_class[c]}
        recs = [unique[k] for k in sorted(unique)]
        if len(recs) >= LISTENING_MIN:
            # One recording of a large class is kept out of every split, for listening.
            rng = np.random.default_rng(clip_seed(cfg.seed, "listening", target))
            k = int(rng.integers(len(recs)))
            listening.append((c, *recs.pop(k)))
        per_class.append(recs)
    backgrounds = {kind: list({(s.package, r.path): (s, r) for s, r in recs}.values())
                   for kind, recs in backgrounds_by_kind(sources).items()}
    by_split = assign_backgrounds(
        backgrounds, lambda k: np.random.default_rng(clip_seed(cfg.seed, "background_splits", k)))
    for split, kinds in by_split.items():
        if not kinds:
            raise DataError(f"the recordings corpus needs background recordings in every split, "
                            f"and the {split} split has none: it takes a kind with "
                            f"{MIN_RECORDINGS} or more recordings (or 2, for evaluation)")
    room_tone = {split: [sr_ for k in ROOM_TONE_KINDS for sr_ in kinds.get(k, [])]
                 or [sr_ for k in sorted(kinds) for sr_ in kinds[k]]
                 for split, kinds in by_split.items()}

    n_load = sum(map(len, per_class)) + sum(map(len, backgrounds.values()))
    say(f"recordings corpus: decoding {n_load} recordings at {sr} Hz")
    audio: dict[tuple[str, str], np.ndarray] = {}
    floors: dict[tuple[str, str], np.ndarray | None] = {}
    for recs in per_class:
        for s, r in recs:
            x = _load(s, r, root, sr)
            audio[(s.package, r.path)] = _active_part(x, sr)
            floors[(s.package, r.path)] = _quiet_material(x, sr)
    for kind in sorted(backgrounds):
        for s, r in backgrounds[kind]:
            audio[(s.package, r.path)] = _load(s, r, root, sr).astype(np.float32)

    folds = assign_folds([len(r) for r in per_class],
                         lambda t: np.random.default_rng(clip_seed(cfg.seed, "folds", t)))
    e = round(cfg.event_seconds * sr)
    bank: list[list[BankRecording]] = []
    for target, (c, recs) in enumerate(zip(classes, per_class)):
        n = len(recs)
        # Equal shares of events_per_class; the first recordings take the remainder.
        share = [cfg.events_per_class // n + (i < cfg.events_per_class % n) for i in range(n)]
        row = []
        for i, (s, r) in enumerate(recs):
            length = len(audio[(s.package, r.path)])
            n_cuts = min(MAX_TAKES, max(1, length // e) if length > e else 1)
            row.append(BankRecording(target, c, i, _SRC_FILE_BASE + 1000 * target + i,
                                     folds[target][i], s, r, n_cuts,
                                     min(MAX_TAKES, max(n_cuts, share[i]))))
        bank.append(row)
    return _State(cfg, sr, out, classes, bank, listening, by_split, room_tone, audio, floors)


def _init_worker(cfg: CorpusConfig, sr: int, out: str, sources: Sequence[DebSource],
                 root: str) -> None:
    """Pool initializer: a forked worker inherits the state; a spawned one rebuilds it."""
    global _STATE
    if _STATE is None:
        _STATE = _prepare(cfg, sr, Path(out), sources, Path(root))


# -- rendering --------------------------------------------------------------------------------


def _fade(x: np.ndarray, sr: int) -> np.ndarray:
    n = min(round(_FADE_S * sr), len(x) // 4)
    if n > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
        x = x.copy()
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _noise_floor(material: np.ndarray | None, n: int, sr: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``n`` samples at :data:`NOISE_FLOOR_DBFS`: grains of ``material`` (overlap-added Hann
    windows at half overlap, from random places), or white noise without material."""
    target = 10 ** (NOISE_FLOOR_DBFS / 20)
    g = round(_GRAIN_S * sr)
    if material is None or len(material) < g or g < 4:
        return rng.standard_normal(n) * target
    hop = g // 2
    win = np.hanning(g + 2)[1:-1]
    floor = np.zeros(n + g)
    starts = rng.integers(0, len(material) - g + 1, size=n // hop + 2)
    for k, s in enumerate(starts):
        pos = k * hop
        if pos >= n:
            break
        floor[pos:pos + g] += material[s:s + g] * win
    floor = floor[:n]
    rms = float(np.sqrt(np.mean(floor ** 2)))
    return floor * (target / rms) if rms > 0 else rng.standard_normal(n) * target


def _biquad_shelf(kind: str, f0: float, gain_db: float, sr: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """An RBJ-cookbook shelving filter (slope 1): ``(b, a)``."""
    a_ = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / sr
    cos, alpha = np.cos(w0), np.sin(w0) / 2 * np.sqrt(2)
    k = 2 * np.sqrt(a_) * alpha
    if kind == "low":
        b = [a_ * ((a_ + 1) - (a_ - 1) * cos + k), 2 * a_ * ((a_ - 1) - (a_ + 1) * cos),
             a_ * ((a_ + 1) - (a_ - 1) * cos - k)]
        a = [(a_ + 1) + (a_ - 1) * cos + k, -2 * ((a_ - 1) + (a_ + 1) * cos),
             (a_ + 1) + (a_ - 1) * cos - k]
    else:
        b = [a_ * ((a_ + 1) + (a_ - 1) * cos + k), -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
             a_ * ((a_ + 1) + (a_ - 1) * cos - k)]
        a = [(a_ + 1) - (a_ - 1) * cos + k, 2 * ((a_ - 1) - (a_ + 1) * cos),
             (a_ + 1) - (a_ - 1) * cos - k]
    return np.array(b) / a[0], np.array(a) / a[0]


def _mild_filter(x: np.ndarray, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One of: low shelf, high shelf (±6 dB), gentle low-pass, gentle high-pass."""
    from scipy import signal

    nyquist = sr / 2
    choice = int(rng.integers(4))
    if choice in (0, 1):
        kind = "low" if choice == 0 else "high"
        f0 = float(rng.uniform(100.0, 400.0) if kind == "low" else rng.uniform(2000.0, 6000.0))
        f0 = min(f0, 0.4 * nyquist)
        gain = float(rng.uniform(-6.0, 6.0))
        b, a = _biquad_shelf(kind, f0, gain, sr)
        return signal.lfilter(b, a, x), f"{kind} shelf {f0:.0f} Hz {gain:+.1f} dB"
    if choice == 2:
        fc = min(float(rng.uniform(4000.0, 12000.0)), 0.9 * nyquist)
        sos = signal.butter(2, fc, "lowpass", fs=sr, output="sos")
        return signal.sosfilt(sos, x), f"low-pass {fc:.0f} Hz"
    fc = min(float(rng.uniform(80.0, 300.0)), 0.1 * nyquist)
    sos = signal.butter(2, fc, "highpass", fs=sr, output="sos")
    return signal.sosfilt(sos, x), f"high-pass {fc:.0f} Hz"


def _limit(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x)))
    return x * (MAX_PEAK / peak) if peak > MAX_PEAK else x


def _provenance(file: str, role: str, label: str, source: DebSource, rec: Recording,
                processing: str) -> tuple[str, ...]:
    return (file, role, label, source.package, source.version, rec.path,
            source.license_of(rec), rec.credit or source.copyright, processing)


def _render(task: tuple[Any, ...]) -> Any:
    """Render one bank clip or scene; runs in a worker."""
    assert _STATE is not None, "recordings: worker state missing"
    if task[0] == "bank":
        return _render_bank(_STATE, *task[1:])
    return _render_scene(_STATE, *task[1:])


def _render_bank(st: _State, target: int, index: int, take: int) -> tuple[Any, ...]:
    from adl.audio import save_audio

    cfg, sr = st.cfg, st.sr
    br = st.bank[target][index]
    rng = np.random.default_rng(clip_seed(cfg.seed, "bank", target, index, take))
    x = st.audio[br.key].astype(np.float64)
    e = round(cfg.event_seconds * sr)
    steps = []
    start = 0
    if take < br.n_cuts:  # a plain cut of the recording
        y = x
        if len(y) > e:
            start = take * e + (len(y) - br.n_cuts * e) // 2
    else:  # an augmentation
        speed = float(rng.uniform(*SPEED_RANGE))
        import soxr

        y = soxr.resample(x, sr * speed, sr, quality="HQ")
        steps.append(f"speed x{speed:.3f}")
        if len(y) > e:
            start = int(rng.integers(0, len(y) - e + 1))
    if len(y) > e:
        seg, offset = _fade(y[start:start + e], sr), 0
        steps.insert(0, f"crop {start / sr:.3f}-{(start + e) / sr:.3f} s")
    else:
        seg, offset = _fade(y, sr), int(rng.integers(0, e - len(y) + 1))
        steps.insert(0, f"placed at {offset / sr:.3f} s")
    if take >= br.n_cuts:
        seg, what = _mild_filter(seg, sr, rng)
        gain = float(rng.uniform(*GAIN_DB_RANGE))
        seg = seg * 10 ** (gain / 20)
        steps += [what, f"gain {gain:+.1f} dB"]
    clip = _noise_floor(st.floors[br.key], e, sr, rng)
    clip[offset:offset + len(seg)] += seg
    clip = _limit(clip)
    steps.append(f"floor {NOISE_FLOOR_DBFS:.0f} dBFS")

    take_letter = TAKES[take]
    filename = f"{br.fold}-{br.src_file}-{take_letter}-{target}.wav"
    save_audio(st.out / ESC50_DIR / ESC50_AUDIO_DIR / filename, clip.astype(np.float32), sr)
    row = (filename, br.fold, target, br.category, br.src_file, take_letter)
    prov = _provenance(f"{ESC50_DIR}/{ESC50_AUDIO_DIR}/{filename}", "event", br.category,
                       br.source, br.recording, "; ".join(steps))
    return row, prov


def _loop(x: np.ndarray, n: int, sr: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """``n`` samples of a background from a random start, looped with equal-power crossfades
    when it is shorter."""
    if len(x) >= n:
        start = int(rng.integers(0, len(x) - n + 1))
        return x[start:start + n].astype(np.float64), f"from {start / sr:.3f} s"
    fade = min(round(_XFADE_S * sr), len(x) // 4)
    start = int(rng.integers(0, max(1, len(x) - fade)))
    out = np.zeros(n)
    first = x[start:start + n]
    out[:len(first)] = first
    pos, loops = len(first), 0
    t = (np.arange(fade) + 0.5) / max(1, fade)
    fade_in, fade_out = np.sin(0.5 * np.pi * t), np.cos(0.5 * np.pi * t)
    while pos < n:
        s = pos - fade
        out[s:pos] *= fade_out
        piece = x.astype(np.float64)
        piece[:fade] *= fade_in
        m = min(len(piece), n - s)
        out[s:s + m] += piece[:m]
        pos = s + len(piece)
        loops += 1
    return out, f"from {start / sr:.3f} s, looped {loops}x with {fade / sr:.2f} s crossfades"


def _render_scene(st: _State, subset: str, index: int) -> tuple[Any, ...]:
    from adl.audio import save_audio
    from adl.captions.annotators import annotate
    from adl.captions.mentions import EventMention

    cfg, sr = st.cfg, st.sr
    rng = np.random.default_rng(clip_seed(cfg.seed, subset, index, 0))
    caption_rng = np.random.default_rng(clip_seed(cfg.seed, subset, index, 1))
    lo, hi = cfg.scene_seconds
    duration = round(float(rng.uniform(lo, hi)), 3)
    n = int(round(duration * sr))
    file_name = f"{subset}_{index + 1:05d}.wav"
    file = f"{CLOTHO_DIR}/{CLOTHO_AUDIO_DIR}/{subset}/{file_name}"
    ref = 10 ** (REFERENCE_DBFS / 20)

    # The background: always there.
    kinds = st.backgrounds[subset]  # this split's recordings only
    if rng.random() < cfg.background_prob:
        kind: str | None = sorted(kinds)[int(rng.integers(len(kinds)))]
        pool, role, gain_range = kinds[kind], "background", BACKGROUND_DB
    else:
        kind, pool, role, gain_range = None, st.room_tone[subset], "room_tone", ROOM_TONE_DB
    bg_source, bg_rec = pool[int(rng.integers(len(pool)))]
    bg_gain = round(float(rng.uniform(*gain_range)), 1)
    bed, how = _loop(st.audio[(bg_source.package, bg_rec.path)], n, sr, rng)
    rms = float(np.sqrt(np.mean(bed ** 2)))
    audio = bed * (ref * 10 ** (bg_gain / 20) / max(rms, 1e-9))
    prov = [_provenance(file, role, str(bg_rec.kind), bg_source, bg_rec,
                        f"{how}; gain {bg_gain:+.1f} dB")]

    # The events.
    k_max = min(cfg.max_events, len(st.classes))
    weights = np.arange(k_max, 0, -1, dtype=float)
    k = 1 + int(rng.choice(k_max, p=weights / weights.sum()))
    targets = rng.choice(len(st.classes), size=k, replace=False)
    e = round(cfg.event_seconds * sr)
    placed = []
    for j, target in enumerate(int(t) for t in targets):
        allowed = [b for b in st.bank[target] if b.split == subset]  # never empty: >= 3 each
        br = allowed[int(rng.integers(len(allowed)))]
        x = st.audio[br.key]
        start = int(rng.integers(0, len(x) - e + 1)) if len(x) > e else 0
        dur_s = min(np.floor(min(len(x), e) / sr * 1000) / 1000, duration)
        m = int(round(dur_s * sr))
        seg = _fade(x[start:start + m].astype(np.float64), sr)
        onset = float(np.floor(rng.uniform(0.0, max(0.0, duration - dur_s)) * 1000) / 1000)
        gain = round(float(rng.uniform(*(LEAD_EVENT_DB if j == 0 else EVENT_DB))), 1)
        i0 = min(int(round(onset * sr)), n - m)
        audio[i0:i0 + m] += seg * 10 ** (gain / 20)
        placed.append((onset, j, br, dur_s, gain, start))
    placed.sort(key=lambda p: (p[0], p[1]))
    for onset, _, br, dur_s, gain, start in placed:
        prov.append(_provenance(file, "event", br.category, br.source, br.recording,
                                f"onset {onset:.3f} s; {dur_s:.3f} s from {start / sr:.3f} s; "
                                f"gain {gain:+.1f} dB; fold {br.fold}"))
    audio = _limit(audio)
    save_audio(st.out / CLOTHO_DIR / CLOTHO_AUDIO_DIR / subset / file_name,
               audio.astype(np.float32), sr)

    mentions = [EventMention(br.category, onset, dur_s, gain)
                for onset, _, br, dur_s, gain, _ in placed]
    captions = list(annotate(mentions, caption_rng, background=kind, n=5,
                             background_db=bg_gain if kind is not None else None))
    if len(captions) != 5:
        raise DataError(f"annotate returned {len(captions)} captions for {file}, expected 5")
    meta = SceneMeta(file_name, duration, tuple(m.label for m in mentions),
                     tuple(m.onset_s for m in mentions), tuple(m.duration_s for m in mentions),
                     tuple(m.gain_db for m in mentions), kind, bg_gain,
                     tuple(tuple(c.events) for c in captions))
    return file_name, [c.text for c in captions], meta, prov


# -- the build --------------------------------------------------------------------------------


def build(out: Path, cfg: CorpusConfig, *, sr: int, workers: int | None,
          say: Callable[[str], None], sources: Sequence[DebSource], root: Path
          ) -> dict[str, Any]:
    """Render the bank and the scenes into ``out`` and write the CSVs, ``provenance.csv`` and
    ``ATTRIBUTION.md`` (not the manifest: :func:`adl.corpus.prepare.prepare_corpus` writes it,
    last). The sources must already be fetched under ``<root>/debian-cache``.

    Returns:
        The manifest's entries beyond the identity: sizes, classes, counts, seconds.
    """
    global _STATE
    _STATE = _prepare(cfg, sr, out, sources, root, say)
    try:
        st = _STATE
        sizes = {"development": cfg.n_development, "validation": cfg.n_validation,
                 "evaluation": cfg.n_evaluation}
        tasks: list[tuple[Any, ...]] = [("bank", b.target, b.index, t)
                                        for row in st.bank for b in row for t in range(b.n_takes)]
        n_bank = len(tasks)
        for subset in SUBSETS:
            tasks += [("scene", subset, i) for i in range(sizes[subset])]
        results = render_all(tasks, workers, say, render=_render, initializer=_init_worker,
                       initargs=(cfg, sr, str(out), tuple(sources), str(root)))
    finally:
        _STATE = None

    bank = sorted(results[:n_bank], key=lambda r: r[0][0])
    write_esc50_csv(out, [row for row, _ in bank])
    provenance = [prov for _, prov in bank]
    total_seconds = n_bank * round(cfg.event_seconds * sr) / sr
    pos = n_bank
    for subset in SUBSETS:
        rows = results[pos:pos + sizes[subset]]
        pos += sizes[subset]
        write_scene_csvs(out, subset, [(f, c, m) for f, c, m, _ in rows], caption_events=True)
        provenance += [p for *_, prov in rows for p in prov]
        total_seconds += sum(m.duration_s for _, _, m, _ in rows)
    _write_provenance(out, provenance)
    write_text(out / ATTRIBUTION, _attribution(st, sources, provenance))
    _write_listening(out, st.listening, sr, root)

    per_fold = {str(f): sum(b.fold == f for row in st.bank for b in row) for f in ESC50_FOLDS}
    per_split = {split: {"events": sum(b.split == split for row in st.bank for b in row),
                         "backgrounds": sum(map(len, st.backgrounds[split].values()))}
                 for split in SUBSETS}
    return {
        "sizes": sizes,
        "n_bank_events": n_bank,
        "classes": list(st.classes),
        "backgrounds": sorted({k for kinds in st.backgrounds.values() for k in kinds}),
        "backgrounds_per_split": {split: sorted(st.backgrounds[split]) for split in SUBSETS},
        "room_tone_kinds": sorted({str(r.kind) for recs in st.room_tone.values()
                                   for _, r in recs}),
        "n_recordings": sum(len(row) for row in st.bank),
        "n_listening": len(st.listening),
        "recordings_per_fold": per_fold,
        "recordings_per_split": per_split,
        "total_audio_seconds": round(total_seconds, 3),
    }


def _write_listening(out: Path, listening: Sequence[tuple[str, DebSource, Recording]],
                     sr: int, root: Path) -> None:
    """Write the listening set: each recording's active part (levelled, at most
    :data:`LISTENING_SECONDS` from its middle) as ``listening/<class>.wav``, and
    ``listening.csv`` with its class, description and full provenance."""
    from adl.audio import save_audio

    rows = []
    for label, source, rec in listening:
        x = _active_part(_load(source, rec, root, sr), sr)
        n = round(LISTENING_SECONDS * sr)
        if len(x) > n:
            start = (len(x) - n) // 2
            x = x[start: start + n]
        name = f"{LISTENING_DIR}/{label}.wav"
        save_audio(out / name, _limit(_fade(x, sr)), sr)
        rows.append((name, label, rec.description, source.package, source.version, rec.path,
                     source.license_of(rec), rec.credit or source.copyright))
    with atomic_open(out / LISTENING_CSV, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("file", "label", "description", "package", "version", "source_path",
                         "license", "credit"))
        writer.writerows(rows)


def _write_provenance(out: Path, rows: Sequence[tuple[str, ...]]) -> None:
    with atomic_open(out / PROVENANCE, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(PROVENANCE_COLUMNS)
        writer.writerows(rows)


def _attribution(st: _State, sources: Sequence[DebSource],
                 provenance: Sequence[tuple[str, ...]]) -> str:
    used = {(p[3], p[5]) for p in provenance}
    fold = {b.key: b.fold for row in st.bank for b in row}
    bg_split = {(s.package, r.path): split for split, kinds in st.backgrounds.items()
                for recs in kinds.values() for s, r in recs}
    lines = [
        "# Attribution",
        "",
        "This corpus is made of real recordings taken from the Debian packages below, each",
        "under its own free licence. Its scenes (`CLOTHO_v2.1/`) and its event bank",
        "(`ESC-50-master/`) mix, cut, filter and re-level them; `provenance.csv` lists, for",
        "every audio file, the recordings in it and what was done to them. The full licence",
        "texts are in each package's copyright file, kept in the Debian cache at",
        "`debian-cache/<package>_<version>/usr/share/doc/<package>/copyright`.",
        "",
    ]
    for s in sources:
        recs = [r for r in s.recordings if (s.package, r.path) in used]
        if not recs:
            continue
        lines += [
            f"## {s.package} {s.version}",
            "",
            f"- Licence: {s.license}",
            f"- Copyright: {s.copyright}",
            f"- Debian package: {s.pin.url} (sha256 `{s.pin.sha256}`)",
            f"- Recordings used: {len(recs)}",
            "",
        ]
        for r in sorted(recs, key=lambda r: r.path):
            key = (s.package, r.path)
            used_as = (f"{r.label}, fold {fold[key]}" if r.kind is None
                       else f"background: {r.kind}, {bg_split[key]}")
            credit = f"; credit: {r.credit}" if r.credit else ""
            lines.append(f"- `{r.path}` ({used_as}): {r.description}; licence "
                         f"{s.license_of(r)}{credit}")
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "ATTRIBUTION", "BankRecording", "FORMAT_VERSION", "MANIFEST", "PROVENANCE",
    "PROVENANCE_COLUMNS", "assign_backgrounds", "assign_folds", "assign_splits", "build",
    "check_space", "default_sources", "estimate_bytes", "fetch_packages", "identity",
]
