"""The embedded corpus: layouts, determinism, idempotence, captions and sound classes."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adl.captions.grammar import LEXICON, events_in_caption, write_captions
from adl.captions.mentions import MAX_WORDS, MIN_WORDS, EventMention, temporal_groups
from adl.config import CorpusConfig
from adl.corpus import prepare as corpus_mod
from adl.corpus.prepare import prepare_corpus
from adl.corpus.synth import BACKGROUNDS, CLASSES, MAX_PEAK, synthesize, synthesize_background
from adl.data.corpus_files import EVENT_COLUMNS, MANIFEST, SUBSETS, load_scene_events
from adl.data.layout import CAPTION_COLUMNS, ESC50_COLUMNS, FILE_NAME_COLUMN
from adl.errors import DataError

SR = 44100
TINY = CorpusConfig(seed=3, n_development=6, n_validation=3, n_evaluation=3, events_per_class=5,
                    scene_seconds=(2.0, 3.0), event_seconds=1.0, max_events=3,
                    background_prob=0.5)


def _sha256_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    summary = prepare_corpus(out, TINY, sr=SR, workers=1)
    assert not summary.reused
    return out


# -- layout --------------------------------------------------------------------------------


def test_clotho_layout_and_columns(corpus_dir: Path) -> None:
    base = corpus_dir / "CLOTHO_v2.1"
    sizes = {"development": 6, "validation": 3, "evaluation": 3}
    for subset in SUBSETS:
        header, rows = _read_csv(base / "clotho_csv_files" / f"clotho_captions_{subset}.csv")
        assert tuple(header) == (FILE_NAME_COLUMN, *CAPTION_COLUMNS)
        assert header == ["file_name"] + [f"caption_{i}" for i in range(1, 6)]
        assert len(rows) == sizes[subset]
        for row in rows:
            info = sf.info(base / "clotho_audio_files" / subset / row["file_name"])
            assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
            assert 2.0 <= info.duration <= 3.0
        header, _ = _read_csv(base / "clotho_csv_files" / f"embedded_events_{subset}.csv")
        assert tuple(header) == EVENT_COLUMNS


def test_esc50_layout_and_bank(corpus_dir: Path) -> None:
    base = corpus_dir / "ESC-50-master"
    header, rows = _read_csv(base / "meta" / "esc50.csv")
    assert header == ["filename", "fold", "target", "category", "esc10", "src_file", "take"]
    assert tuple(header) == ESC50_COLUMNS
    assert len(rows) == TINY.events_per_class * len(CLASSES)
    assert [r["filename"] for r in rows] == sorted(r["filename"] for r in rows)
    folds: dict[str, list[int]] = {c: [] for c in CLASSES}
    for r in rows:
        assert re.fullmatch(r"[1-5]-\d+-[A-Z]-\d+\.wav", r["filename"])
        assert r["filename"] == f"{r['fold']}-{r['src_file']}-{r['take']}-{r['target']}.wav"
        assert CLASSES[int(r["target"])] == r["category"]
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", r["category"])
        assert r["esc10"] == "False"
        info = sf.info(base / "audio" / r["filename"])
        assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
        assert info.frames == round(TINY.event_seconds * SR)
        folds[r["category"]].append(int(r["fold"]))
    for category, fs in folds.items():
        assert sorted(fs) == [1, 2, 3, 4, 5], category  # 5 per class: one in each fold


def test_loaders_read_the_corpus(corpus_dir: Path) -> None:
    from adl.data import load_clotho, load_esc50

    items = load_clotho(corpus_dir, "development")
    assert len(items) == 6 and all(len(it.captions) == 5 and it.path.is_file() for it in items)
    bank = load_esc50(corpus_dir)
    assert len(bank) == len(CLASSES) * TINY.events_per_class


def test_manifest(corpus_dir: Path) -> None:
    manifest = json.loads((corpus_dir / MANIFEST).read_text())
    assert manifest["format_version"] == corpus_mod.FORMAT_VERSION
    assert manifest["config"]["seed"] == 3 and manifest["sr"] == SR
    assert manifest["classes"] == list(CLASSES) and len(CLASSES) >= 16
    assert manifest["sizes"] == {"development": 6, "validation": 3, "evaluation": 3}


# -- determinism and idempotence -----------------------------------------------------------


def test_same_seed_same_bytes_any_worker_count(corpus_dir: Path, tmp_path: Path) -> None:
    summary = prepare_corpus(tmp_path, TINY, sr=SR, workers=2)
    assert not summary.reused
    assert _sha256_tree(tmp_path) == _sha256_tree(corpus_dir)
    a = json.loads((tmp_path / MANIFEST).read_text())
    b = json.loads((corpus_dir / MANIFEST).read_text())
    a.pop("generation_seconds"), b.pop("generation_seconds")
    assert a == b


def test_second_call_is_reused_without_writing(corpus_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in corpus_dir.rglob("*") if p.is_file()}
    summary = prepare_corpus(corpus_dir, TINY, sr=SR, workers=1)
    assert summary.reused
    assert summary.sizes == {"development": 6, "validation": 3, "evaluation": 3}
    assert summary.n_bank_events == 100 and summary.n_classes == len(CLASSES)
    after = {p: p.stat().st_mtime_ns for p in corpus_dir.rglob("*") if p.is_file()}
    assert after == before


def test_other_config_regenerates_only_own_folders(tmp_path: Path) -> None:
    small = CorpusConfig(seed=1, n_development=2, n_validation=1, n_evaluation=1,
                         events_per_class=1, scene_seconds=(1.0, 1.5), event_seconds=0.5)
    prepare_corpus(tmp_path, small, sr=SR, workers=1)
    (tmp_path / "notes.txt").write_text("mine")
    old = _sha256_tree(tmp_path / "CLOTHO_v2.1")
    other = CorpusConfig(**{**small.__dict__, "seed": 2})
    summary = prepare_corpus(tmp_path, other, sr=SR, workers=1)
    assert not summary.reused
    assert _sha256_tree(tmp_path / "CLOTHO_v2.1") != old
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert json.loads((tmp_path / MANIFEST).read_text())["config"]["seed"] == 2


@pytest.mark.parametrize("folder", ["CLOTHO_v2.1", "ESC-50-master"])
def test_refuses_foreign_data_folder(tmp_path: Path, folder: str) -> None:
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "real.csv").write_text("keep me")
    with pytest.raises(DataError, match=re.escape(str(tmp_path / folder))):
        prepare_corpus(tmp_path, TINY, sr=SR, workers=1)
    assert (tmp_path / folder / "real.csv").read_text() == "keep me"


def test_interrupted_run_is_regenerated(tmp_path: Path) -> None:
    small = CorpusConfig(seed=1, n_development=1, n_validation=1, n_evaluation=1,
                         events_per_class=1, scene_seconds=(1.0, 1.5), event_seconds=0.5)
    prepare_corpus(tmp_path, small, sr=SR, workers=1)
    (tmp_path / MANIFEST).unlink()  # as if killed before the manifest was written
    summary = prepare_corpus(tmp_path, small, sr=SR, workers=1)
    assert not summary.reused and (tmp_path / MANIFEST).is_file()


def test_refuses_when_disk_is_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Usage:
        total = used = 0
        free = 1000

    monkeypatch.setattr(corpus_mod.shutil, "disk_usage", lambda _path: Usage())
    with pytest.raises(DataError, match="disk space"):
        prepare_corpus(tmp_path, TINY, sr=SR, workers=1)
    assert not (tmp_path / "CLOTHO_v2.1").exists()


# -- content -------------------------------------------------------------------------------


def test_metadata_agrees_with_captions(corpus_dir: Path) -> None:
    for subset in SUBSETS:
        scenes = load_scene_events(corpus_dir, subset)
        _, rows = _read_csv(corpus_dir / "CLOTHO_v2.1" / "clotho_csv_files"
                            / f"clotho_captions_{subset}.csv")
        assert set(scenes) == {r["file_name"] for r in rows}
        for row in rows:
            meta = scenes[row["file_name"]]
            assert 1 <= len(meta.labels) <= TINY.max_events
            assert len(set(meta.labels)) == len(meta.labels)
            assert list(meta.onsets_s) == sorted(meta.onsets_s)
            assert all(o >= 0 and o + d <= meta.duration_s + 1e-9
                       for o, d in zip(meta.onsets_s, meta.durations_s))
            assert meta.background in (None, *BACKGROUNDS)
            captions = [row[f"caption_{i}"] for i in range(1, 6)]
            assert len(set(captions)) == 5
            for caption in captions:
                assert events_in_caption(caption) == set(meta.labels), caption
                assert MIN_WORDS <= len(caption.split()) <= MAX_WORDS
                assert caption == caption.strip() and caption[0].isupper()


def test_audio_is_clean(corpus_dir: Path) -> None:
    for path in sorted(corpus_dir.rglob("*.wav")):
        x, sr = sf.read(path, dtype="float32")
        assert sr == SR and x.ndim == 1
        assert np.all(np.isfinite(x))
        assert np.max(np.abs(x)) <= MAX_PEAK + 1e-3, path  # no clipping, headroom kept
        assert np.sqrt(np.mean(x ** 2)) > 1e-3, path  # not silent


def test_scene_lengths_match_metadata(corpus_dir: Path) -> None:
    for meta in load_scene_events(corpus_dir, "development").values():
        info = sf.info(corpus_dir / "CLOTHO_v2.1" / "clotho_audio_files" / "development"
                       / meta.file_name)
        assert info.frames == round(meta.duration_s * SR)


def test_load_scene_events_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="embedded_events_development.csv"):
        load_scene_events(tmp_path, "development")


# -- captions ------------------------------------------------------------------------------


def test_lexicon_words_belong_to_one_class() -> None:
    owners: dict[str, str] = {}
    for label, words in LEXICON.items():
        for word in words:
            assert word not in owners, f"{word!r} names {owners.get(word)} and {label}"
            owners[word] = label
            assert events_in_caption(f"Here is {word} now.") == {label}
    assert set(LEXICON) == set(CLASSES)
    assert events_in_caption("A quiet room with traffic in the background.") == set()


def test_captions_name_exactly_their_events_exhaustively() -> None:
    rng = np.random.default_rng(0)
    for label in CLASSES:  # every class alone, at every loudness, many phrasings
        for gain in (-15.0, 0.0, 6.0):
            for caption in write_captions([EventMention(label, 0.0, 3.0, gain)], rng, n=20):
                assert events_in_caption(caption) == {label}, caption
    for _ in range(1500):
        k = int(rng.integers(1, 4))
        labels = [CLASSES[i] for i in rng.choice(len(CLASSES), k, replace=False)]
        events = [EventMention(lab, float(rng.uniform(0, 6)), float(rng.uniform(1, 5)),
                               float(rng.choice([-15.0, 0.0, 6.0]))) for lab in labels]
        background = None if rng.random() < 0.3 else str(rng.choice(BACKGROUNDS))
        for caption in write_captions(events, rng, n=5, background=background):
            assert events_in_caption(caption) == set(labels), caption
            assert MIN_WORDS <= len(caption.split()) <= MAX_WORDS, caption


def _first_mention(caption: str, label: str) -> int:
    pattern = r"\b(" + "|".join(re.escape(w) for w in LEXICON[label]) + r")\b"
    match = re.search(pattern, caption, re.IGNORECASE)
    assert match, (label, caption)
    return match.start()


def test_temporal_words_follow_onsets() -> None:
    rng = np.random.default_rng(1)
    # classes whose phrases hold no temporal word of their own ("as it passes by", "over and over")
    sequential = [EventMention("car_horn", 0.0, 2.0), EventMention("dog_bark", 3.0, 2.0)]
    overlapping = [EventMention("car_horn", 0.0, 4.0), EventMention("dog_bark", 1.0, 2.0)]
    assert len(temporal_groups(sequential)) == 2 and len(temporal_groups(overlapping)) == 1
    seq_words = re.compile(r"\b(then|followed by|after|before|first)\b", re.I)
    overlap_words = re.compile(r"\b(while|as|at the same time|together|over)\b", re.I)
    for caption in write_captions(sequential, rng, n=20):
        assert seq_words.search(caption) and not overlap_words.search(caption), caption
        assert _first_mention(caption, "car_horn") < _first_mention(caption, "dog_bark"), caption
    for caption in write_captions(overlapping, rng, n=20):
        assert overlap_words.search(caption) and not seq_words.search(caption), caption


def test_loudness_words_follow_gains() -> None:
    rng = np.random.default_rng(2)
    faint = re.compile(r"\b(faint|faintly|distant|quiet|in the distance|far away|softly)\b", re.I)
    loud = re.compile(r"\b(loud|loudly|nearby|close by)\b", re.I)
    events = [EventMention("rain", 0.0, 5.0, 0.0), EventMention("thunder", 1.0, 3.0, -15.0)]
    captions = write_captions(events, rng, n=10)
    assert all(faint.search(c) for c in captions)
    captions = write_captions([EventMention("dog_bark", 0.0, 2.0, 6.0)], rng, n=10)
    assert all(loud.search(c) for c in captions)
    captions = write_captions([EventMention("dog_bark", 0.0, 2.0, 0.0)], rng, n=10)
    assert not any(faint.search(c) or loud.search(c) for c in captions)


def test_captions_merge_repeated_classes_and_reject_empty() -> None:
    rng = np.random.default_rng(3)
    events = [EventMention("siren", 0.0, 2.0), EventMention("siren", 4.0, 1.0)]
    assert all(events_in_caption(c) == {"siren"} for c in write_captions(events, rng))
    with pytest.raises(ValueError):
        write_captions([], rng)


# -- synthesis -----------------------------------------------------------------------------


def test_synthesize_shapes_levels_and_seeds() -> None:
    for name in CLASSES + BACKGROUNDS:
        fn = synthesize if name in CLASSES else synthesize_background
        x = fn(name, 1.5, 22050, np.random.default_rng(0))
        assert x.dtype == np.float32 and x.shape == (33075,)
        assert np.all(np.isfinite(x)) and 0 < np.max(np.abs(x)) <= MAX_PEAK + 1e-6
        assert np.array_equal(x, fn(name, 1.5, 22050, np.random.default_rng(0)))
        assert not np.array_equal(x, fn(name, 1.5, 22050, np.random.default_rng(1)))
    with pytest.raises(ValueError, match="unknown event class"):
        synthesize("banjo", 1.0, SR, np.random.default_rng(0))


def _log_mel_stats(x: np.ndarray, fb: np.ndarray, n_fft: int = 1024, hop: int = 512) -> np.ndarray:
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    log_mel = np.log(power @ fb.T + 1e-8)
    return np.concatenate([log_mel.mean(0), log_mel.std(0)])


def test_classes_are_distinguishable() -> None:
    """A nearest-centroid classifier on log-mel statistics tells the classes apart."""
    import librosa

    sr, seconds, n_train, n_test = 22050, 3.0, 6, 4
    fb = librosa.filters.mel(sr=sr, n_fft=1024, n_mels=64)
    feats, labels = [], []
    for c, name in enumerate(CLASSES):
        for i in range(n_train + n_test):
            x = synthesize(name, seconds, sr, np.random.default_rng([c, i, 99]))
            feats.append(_log_mel_stats(x, fb))
            labels.append(c)
    X, y = np.array(feats), np.array(labels)
    train = np.arange(len(y)) % (n_train + n_test) < n_train
    mu, sd = X[train].mean(0), X[train].std(0) + 1e-6
    Z = (X - mu) / sd
    centroids = np.stack([Z[train & (y == c)].mean(0) for c in range(len(CLASSES))])
    dist = ((Z[~train, None, :] - centroids[None]) ** 2).sum(-1)
    accuracy = float(np.mean(dist.argmin(1) == y[~train]))
    assert accuracy >= 0.9, accuracy
