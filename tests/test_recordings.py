"""The real-recording corpus, built offline from tiny Debian packages in the real format.

Two small ``.deb`` files (``ar`` holding ``data.tar.xz``) carry short tones and noises written
by soundfile: four complete event classes of three recordings each, one class with a single
recording (too few: left out), and background kinds of three (one per split), two (development
and evaluation) and one recording (development only). A fake fetcher copies them; nothing
touches the network.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import lzma
import re
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adl.config import CorpusConfig, load_preset
from adl.corpus import recordings
from adl.corpus.debian import DebPin
from adl.corpus.prepare import prepare_corpus
from adl.corpus.recordings import HELD_OUT_FOLD, assign_backgrounds, assign_folds, assign_splits
from adl.corpus.sources import (SOURCES, DebSource, Recording, complete_classes,
                                recordings_by_class)
from adl.data.check import file_split, recording_splits, shared_recordings
from adl.data.corpus_files import (CAPTION_EVENT_COLUMNS, EVENT_COLUMNS, MANIFEST,
                                   PROVENANCE_COLUMNS, SUBSETS, corpus_classes, load_attribution,
                                   load_listening, load_provenance, load_scene_events)
from adl.data.layout import SPLIT_FOLDS, fold_split
from adl.errors import ConfigError, DataError, DownloadError

SR = 22050
CFG = CorpusConfig(kind="recordings", seed=1, n_development=8, n_validation=3, n_evaluation=4,
                   events_per_class=6, scene_seconds=(3.0, 4.0), event_seconds=2.0,
                   max_events=4, background_prob=0.5)
CLASSES = ["bell", "cow_moo", "dog_bark", "engine"]
EVENTS_PKG, AMBIENCE_PKG = "adl-test-events", "adl-test-ambience"
BASE = "usr/share/games/adl-test/"


# -- tiny .deb files ------------------------------------------------------------------------


def _sound(kind: str, seconds: float, sr: int, seed: int, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    if kind == "noise":
        x = 0.1 * rng.standard_normal(t.size)
    else:
        freq = {"bell": 1200.0, "cow_moo": 180.0, "dog_bark": 600.0, "engine": 90.0,
                "owl_hoot": 400.0, "songbird": 2400.0}[kind] * (1 + 0.07 * seed)
        env = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.05)
        x = env * (0.4 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(t.size))
    x = x.astype(np.float32)
    return np.stack([x, 0.8 * x], axis=1) if channels == 2 else x


def _encode(x: np.ndarray, sr: int, fmt: str) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt)
    return buf.getvalue()


def _deb(path: Path, package: str, files: dict[str, bytes]) -> Path:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, blob in [*files.items(),
                           (f"usr/share/doc/{package}/copyright", b"License: CC0-1.0\n")]:
            info = tarfile.TarInfo(f"./{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    members = [("debian-binary", b"2.0\n"),
               ("data.tar.xz", lzma.compress(data.getvalue(), format=lzma.FORMAT_XZ))]
    out = bytearray(b"!<arch>\n")
    for name, blob in members:
        out += (name.ljust(16) + "0".ljust(12) + "0".ljust(6) + "0".ljust(6) + "100644".ljust(8)
                + str(len(blob)).ljust(10)).encode() + b"`\n" + blob + b"\n" * (len(blob) % 2)
    path.write_bytes(bytes(out))
    return path


def _pin(deb: Path, package: str) -> DebPin:
    sha = hashlib.sha256(deb.read_bytes()).hexdigest()
    return DebPin(package, "1.0-1", sha, f"pool/main/a/{package}/{package}_1.0-1_all.deb")


# (path, label, kind, seconds, sr, format, channels)
EVENT_FILES = [
    ("bell/a.wav", "bell", None, 0.6, 44100, "WAV", 1),
    ("bell/b.ogg", "bell", None, 1.2, 22050, "OGG", 1),
    ("bell/c.flac", "bell", None, 7.0, 44100, "FLAC", 1),     # longer than an event: 3 cuts
    ("cow/a.wav", "cow_moo", None, 1.0, 16000, "WAV", 1),
    ("cow/b.wav", "cow_moo", None, 0.8, 44100, "WAV", 2),     # stereo
    ("cow/c.ogg", "cow_moo", None, 1.5, 44100, "OGG", 1),
    ("dog/a.wav", "dog_bark", None, 0.3, 22050, "WAV", 1),
    ("dog/b.wav", "dog_bark", None, 0.4, 22050, "WAV", 1),
    ("dog/c.wav", "dog_bark", None, 0.5, 11025, "WAV", 1),
    ("engine/a.ogg", "engine", None, 2.5, 44100, "OGG", 1),
    ("engine/b.wav", "engine", None, 1.8, 22050, "WAV", 1),
    ("engine/c.wav", "engine", None, 0.9, 48000, "WAV", 1),
    ("owl/a.wav", "owl_hoot", None, 1.0, 22050, "WAV", 1),    # one recording: left out
]
BACKGROUND_FILES = [
    ("ambience/rain.wav", "background", "rain", 1.5, 11025, "WAV", 1),  # short: looped
    ("ambience/rain2.wav", "background", "rain", 5.0, 22050, "WAV", 1),
    ("ambience/rain3.ogg", "background", "rain", 4.5, 44100, "OGG", 1),
    ("ambience/hum.ogg", "background", "hum", 6.0, 44100, "OGG", 1),
    ("ambience/hum2.wav", "background", "hum", 5.0, 16000, "WAV", 1),
    ("ambience/wind.wav", "background", "wind", 4.0, 22050, "WAV", 1),  # development only
]
#: The background kinds each split may have (hum: development and evaluation; wind: development).
SPLIT_KINDS = {"development": {"rain", "hum", "wind"}, "validation": {"rain"},
               "evaluation": {"rain", "hum"}}


def _make_source(folder: Path, package: str, files: list[tuple], *,
                 corrupt: str | None = None) -> tuple[DebSource, Path]:
    blobs, recs = {}, []
    for k, (path, label, kind, seconds, sr, fmt, ch) in enumerate(files):
        sound = _sound("noise" if kind else label, seconds, sr, k, ch)
        blobs[BASE + path] = (b"OggS not really an ogg file" if path == corrupt
                              else _encode(sound, sr, fmt))
        recs.append(Recording(BASE + path, label, f"a test {label}", seconds, kind,
                              credit=f"tester {k}" if k % 2 else None))
    deb = _deb(folder / f"{package}.deb", package, blobs)
    source = DebSource(_pin(deb, package), deb.stat().st_size, "CC0-1.0", "the adl testers",
                       tuple(recs))
    return source, deb


class Fetch:
    """Copies the test packages; counts calls; ``offline`` raises as urllib does."""

    def __init__(self, debs: dict[str, Path], *, offline: bool = False) -> None:
        self.debs, self.offline, self.calls = debs, offline, 0

    def __call__(self, pin: DebPin, dest: Path) -> None:
        self.calls += 1
        if self.offline:
            raise OSError("network is unreachable")
        shutil.copyfile(self.debs[pin.package], dest)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[tuple[DebSource, ...], dict[str, Path]]:
    folder = tmp_path_factory.mktemp("debs")
    events, events_deb = _make_source(folder, EVENTS_PKG, EVENT_FILES)
    ambience, ambience_deb = _make_source(folder, AMBIENCE_PKG, BACKGROUND_FILES)
    return (events, ambience), {EVENTS_PKG: events_deb, AMBIENCE_PKG: ambience_deb}


def _prepare(out: Path, packages, *, workers: int = 1, fetch: Fetch | None = None, cfg=CFG):
    sources, debs = packages
    return prepare_corpus(out, cfg, sr=SR, workers=workers, sources=sources,
                          fetch=fetch or Fetch(debs))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, packages) -> Path:
    out = tmp_path_factory.mktemp("recordings")
    summary = _prepare(out, packages)
    assert not summary.reused
    return out


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST and "debian-cache" not in p.parts}


def _esc50(corpus: Path) -> list[dict[str, str]]:
    return _read_csv(corpus / "ESC-50-master" / "meta" / "esc50.csv")[1]


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


# -- config and plan --------------------------------------------------------------------------


def test_config_kind_is_checked_and_presets_choose() -> None:
    assert CorpusConfig().kind == "synth"
    with pytest.raises(ConfigError, match="corpus.kind.*'recording'.*'recordings'"):
        CorpusConfig(kind="recording")
    default, smoke = load_preset("default").corpus, load_preset("smoke").corpus
    assert default.kind == "recordings" and smoke.kind == "synth"
    assert default.scene_seconds == (10.0, 15.0) and default.max_events == 4
    assert (default.n_development, default.n_validation, default.n_evaluation) == (1000, 200, 200)


@pytest.mark.parametrize("n, held_out", [(3, 1), (4, 1), (9, 1), (10, 2), (14, 2), (25, 5)])
def test_a_group_of_three_or_more_is_in_every_split_mostly_development(n, held_out) -> None:
    for seed in range(5):
        splits = assign_splits(n, np.random.default_rng(seed))
        assert len(splits) == n
        assert splits.count("evaluation") == splits.count("validation") == held_out
        assert splits.count("development") == n - 2 * held_out >= held_out
    # The shuffle decides which recordings: not always the same positions.
    assert len({tuple(assign_splits(n, np.random.default_rng(s))) for s in range(8)}) > 1


def test_a_group_of_one_or_two_keeps_development_first() -> None:
    assert assign_splits(1, np.random.default_rng(0)) == ["development"]
    for seed in range(4):
        assert sorted(assign_splits(2, np.random.default_rng(seed))) == \
            ["development", "evaluation"]
    assert assign_splits(0, np.random.default_rng(0)) == []


def test_folds_follow_splits_and_development_folds_are_balanced() -> None:
    counts = [3, 3, 4, 10, 5, 3, 6]
    folds = assign_folds(counts, lambda t: np.random.default_rng(t))
    assert folds == assign_folds(counts, lambda t: np.random.default_rng(t))  # seeded
    totals = {f: 0 for f in range(1, 6)}
    for n, fs in zip(counts, folds):
        assert len(fs) == n
        assert fs.count(HELD_OUT_FOLD) == fs.count(4) == max(1, n // 5)
        assert sum(f in SPLIT_FOLDS["development"] for f in fs) == n - 2 * max(1, n // 5)
        for f in fs:
            totals[f] += 1
    dev_totals = [totals[f] for f in SPLIT_FOLDS["development"]]
    assert max(dev_totals) - min(dev_totals) <= 1  # balanced over the bank
    assert [fold_split(f) for f in (1, 2, 3, 4, 5)] == \
        ["development"] * 3 + ["validation", "evaluation"]


def test_backgrounds_by_kind_go_to_one_split_each() -> None:
    from types import SimpleNamespace

    source = SimpleNamespace(package="p")  # only (package, path) matters here
    names = {"hum": ["h1", "h2"], "rain": [f"r{i}" for i in range(5)], "wind": ["w"]}
    kinds = {k: [(source, Recording(path, "background", "", 1.0, k)) for path in paths]
             for k, paths in names.items()}
    out = assign_backgrounds(kinds, lambda k: np.random.default_rng(k))
    placed = {split: {k: sorted(r.path for _, r in v) for k, v in d.items()}
              for split, d in out.items()}
    assert set(placed["validation"]) == {"rain"}
    assert set(placed["evaluation"]) == {"hum", "rain"}
    assert set(placed["development"]) == {"hum", "rain", "wind"}
    assert len(placed["development"]["rain"]) == 3 and placed["development"]["wind"] == ["w"]
    every = [p for d in placed.values() for v in d.values() for p in v]
    assert sorted(every) == sorted(p for paths in names.values() for p in paths)  # once each


def test_the_real_sources_give_every_class_and_kind_to_every_split() -> None:
    from adl.corpus.sources import backgrounds_by_kind

    classes = complete_classes(SOURCES)
    assert len(classes) >= 30 and classes == sorted(classes)
    by_class = recordings_by_class(SOURCES)
    counts = [len({(s.package, r.path) for s, r in by_class[c]}) for c in classes]
    folds = assign_folds(counts, lambda t: np.random.default_rng(t))
    assert all({fold_split(f) for f in fs} == set(SUBSETS) for fs in folds)
    out = assign_backgrounds(backgrounds_by_kind(SOURCES), lambda k: np.random.default_rng(k))
    assert all(out[split] for split in SUBSETS)  # every split has backgrounds to draw from


# -- layouts ----------------------------------------------------------------------------------


def test_layouts_load_with_the_real_loaders(corpus: Path) -> None:
    from adl.data import load_clotho, load_esc50

    sizes = {"development": 8, "validation": 3, "evaluation": 4}
    for subset in SUBSETS:
        items = load_clotho(corpus, subset)
        assert len(items) == sizes[subset]
        for it in items:
            assert len(it.captions) == 5 and all(it.captions)
            info = sf.info(it.path)
            assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
            assert 3.0 <= info.duration <= 4.0
        header, _ = _read_csv(corpus / "CLOTHO_v2.1" / "clotho_csv_files"
                              / f"embedded_events_{subset}.csv")
        assert tuple(header) == EVENT_COLUMNS + CAPTION_EVENT_COLUMNS
    bank = load_esc50(corpus)
    assert len(bank) == len(_esc50(corpus))
    assert sorted({it.category for it in bank}) == CLASSES  # owl_hoot has one recording only
    assert corpus_classes(corpus) == CLASSES
    for it in bank:
        assert CLASSES[it.target] == it.category
        info = sf.info(it.path)
        assert (info.samplerate, info.channels) == (SR, 1)
        assert info.frames == round(CFG.event_seconds * SR)


def test_bank_folds_follow_source_recordings(corpus: Path) -> None:
    rows = _esc50(corpus)
    prov = {p["file"].rsplit("/", 1)[1]: p for p in load_provenance(corpus)
            if p["file"].startswith("ESC-50-master/")}
    fold_of_src: dict[str, set[str]] = {}
    recording_of_src: dict[str, set[str]] = {}
    per_class: dict[str, list[dict[str, str]]] = {c: [] for c in CLASSES}
    for r in rows:
        assert re.fullmatch(r"[1-5]-\d+-[A-Z]-\d+\.wav", r["filename"])
        assert r["filename"] == f"{r['fold']}-{r['src_file']}-{r['take']}-{r['target']}.wav"
        fold_of_src.setdefault(r["src_file"], set()).add(r["fold"])
        recording_of_src.setdefault(r["src_file"], set()).add(prov[r["filename"]]["source_path"])
        per_class[r["category"]].append(r)
    assert all(len(f) == 1 for f in fold_of_src.values())  # no recording in two folds
    assert all(len(p) == 1 for p in recording_of_src.values())  # one src_file per recording
    assert len({next(iter(p)) for p in recording_of_src.values()}) == len(recording_of_src)
    for category, items in per_class.items():
        folds = {r["fold"] for r in items}
        assert str(HELD_OUT_FOLD) in folds, category  # fold 5 has every class
        assert len({r["src_file"] for r in items}) == 3
        assert len(items) == CFG.events_per_class + (category == "bell")  # bell/c: 3 cuts
        takes = sorted(r["take"] for r in items if r["src_file"] == items[0]["src_file"])
        assert takes == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:len(takes)])


def test_no_file_is_digital_silence(corpus: Path) -> None:
    hop = SR // 100
    for path in sorted(corpus.rglob("*.wav")):
        if "debian-cache" in path.parts:
            continue
        x, sr = sf.read(path, dtype="float32")
        assert sr == SR and np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 0.9 + 1e-3, path
        frames = x[: len(x) // hop * hop].reshape(-1, hop)
        assert np.all(np.max(np.abs(frames), axis=1) > 0), path  # never a silent 10 ms


# -- scenes and captions ----------------------------------------------------------------------


def test_scenes_have_a_background_and_one_to_four_events(corpus: Path) -> None:
    from adl.captions.annotators import events_in_caption

    prov = load_provenance(corpus)
    bank_fold = {(p["package"], p["source_path"]): int(p["file"].rsplit("/", 1)[1][0])
                 for p in prov if p["file"].startswith("ESC-50-master/")}
    seen_kinds: dict[str, set[str]] = {s: set() for s in SUBSETS}
    for subset in SUBSETS:
        scenes = load_scene_events(corpus, subset)
        _, rows = _read_csv(corpus / "CLOTHO_v2.1" / "clotho_csv_files"
                            / f"clotho_captions_{subset}.csv")
        assert set(scenes) == {r["file_name"] for r in rows}
        for row in rows:
            meta = scenes[row["file_name"]]
            assert 1 <= len(meta.labels) <= 4 and len(set(meta.labels)) == len(meta.labels)
            assert set(meta.labels) <= set(CLASSES)
            assert list(meta.onsets_s) == sorted(meta.onsets_s)
            assert all(o >= 0 and o + d <= meta.duration_s + 1e-9
                       for o, d in zip(meta.onsets_s, meta.durations_s))
            assert meta.background is None or meta.background in SPLIT_KINDS[subset]
            assert meta.background_gain_db is not None
            rows_here = [p for p in prov if p["file"].endswith(f"/{subset}/{meta.file_name}")]
            beds = [p for p in rows_here if p["role"] in ("background", "room_tone")]
            assert len(beds) == 1  # always exactly one background
            assert (beds[0]["role"] == "background") == (meta.background is not None)
            assert beds[0]["label"] in SPLIT_KINDS[subset]  # a room tone too
            seen_kinds[subset].add(beds[0]["label"])
            if meta.background is not None:
                assert beds[0]["label"] == meta.background
            events = [p for p in rows_here if p["role"] == "event"]
            assert [p["label"] for p in events] == list(meta.labels)
            # A scene's events come from its own split's recordings: those of its folds.
            assert all(bank_fold[(p["package"], p["source_path"])] in SPLIT_FOLDS[subset]
                       for p in events)
            assert len(meta.caption_events) == 5
            for i, named in enumerate(meta.caption_events, start=1):
                text = row[f"caption_{i}"]
                assert set(named) <= set(meta.labels), text
                assert events_in_caption(text) == set(named), text
    assert seen_kinds["validation"] == {"rain"}  # its only kind, as room tone too


def test_no_recording_sounds_in_two_splits(corpus: Path) -> None:
    assert shared_recordings(corpus) == ()
    report = recording_splits(corpus)
    # Four classes of three recordings: one each in development, validation and evaluation.
    assert report.events == {"development": 4, "validation": 4, "evaluation": 4}
    # Those that sound (a few scenes need not use every background their split has).
    assert report.backgrounds["validation"] == 1
    assert 1 <= report.backgrounds["development"] <= 3
    assert 1 <= report.backgrounds["evaluation"] <= 2
    splits: dict[tuple[str, str], set[str]] = {}
    for p in load_provenance(corpus):
        splits.setdefault((p["package"], p["source_path"]), set()).add(file_split(p["file"]))
    assert all(len(s) == 1 for s in splits.values())
    manifest = json.loads((corpus / MANIFEST).read_text())  # what the plan gives each split
    assert manifest["recordings_per_split"] == {
        "development": {"events": 4, "backgrounds": 3},
        "validation": {"events": 4, "backgrounds": 1},
        "evaluation": {"events": 4, "backgrounds": 2}}
    assert manifest["backgrounds_per_split"] == {s: sorted(SPLIT_KINDS[s]) for s in SUBSETS}


def test_data_check_on_the_built_corpus(corpus: Path, tmp_path: Path, capsys) -> None:
    from adl.cli import main

    (tmp_path / "embedded-default").symlink_to(corpus, target_is_directory=True)
    assert main(["data", "check", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "0 recordings shared between splits" in out.out and out.err == ""
    assert "validation: 4 event recordings, 1 background recording\n" in out.out


def test_a_split_without_backgrounds_is_one_line(packages, tmp_path: Path) -> None:
    (events, ambience), debs = packages
    wind_only = DebSource(ambience.pin, ambience.size, ambience.license, ambience.copyright,
                          tuple(r for r in ambience.recordings if r.kind == "wind"))
    with pytest.raises(DataError) as err:
        _prepare(tmp_path, ((events, wind_only), debs))
    assert "validation split has none" in _one_line(err)


# -- provenance -------------------------------------------------------------------------------


def test_every_file_has_provenance_and_attribution(corpus: Path, packages) -> None:
    sources, _ = packages
    prov = load_provenance(corpus)
    assert tuple(prov[0]) == PROVENANCE_COLUMNS
    files = {str(p.relative_to(corpus)) for p in corpus.rglob("*.wav")
             if "debian-cache" not in p.parts}
    assert {p["file"] for p in prov} == files
    known = {(s.package, s.version, r.path) for s in sources for r in s.recordings}
    for p in prov:
        assert (p["package"], p["version"], p["source_path"]) in known
        assert p["license"] == "CC0-1.0" and p["credit"] and p["processing"]
    assert not any("owl" in p["source_path"] for p in prov)
    text = load_attribution(corpus)
    assert text.startswith("# Attribution")
    for s in sources:
        assert f"## {s.package} 1.0-1" in text and s.pin.sha256 in text
    for path in {p["source_path"] for p in prov}:
        assert f"`{path}`" in text
    assert "tester 1" in text  # a per-recording credit


def test_manifest_records_kind_pins_and_counts(corpus: Path, packages) -> None:
    sources, _ = packages
    manifest = json.loads((corpus / MANIFEST).read_text())
    assert manifest["kind"] == "recordings" and manifest["config"]["kind"] == "recordings"
    assert manifest["format_version"] == recordings.FORMAT_VERSION
    assert manifest["sources"] == [{"package": s.package, "version": s.version,
                                    "sha256": s.pin.sha256} for s in sources]
    assert manifest["classes"] == CLASSES
    assert manifest["backgrounds"] == ["hum", "rain", "wind"]
    assert manifest["n_recordings"] == 12
    assert manifest["n_bank_events"] == len(_esc50(corpus))


# -- determinism, reuse, errors ---------------------------------------------------------------


@pytest.mark.slow
def test_same_seed_same_bytes_with_two_workers(corpus: Path, packages, tmp_path: Path) -> None:
    summary = _prepare(tmp_path, packages, workers=2)
    assert not summary.reused
    assert _tree(tmp_path) == _tree(corpus)


@pytest.mark.slow
def test_spawned_workers_give_the_same_bytes(corpus: Path, packages, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows spawn their workers: each rebuilds the state a forked one inherits."""
    from adl.corpus import files

    monkeypatch.setattr(files, "_start_method", lambda: "spawn")
    _prepare(tmp_path, packages, workers=2)
    assert _tree(tmp_path) == _tree(corpus)


def test_second_call_reuses_without_fetching_or_writing(corpus: Path, packages) -> None:
    before = {p: p.stat().st_mtime_ns for p in corpus.rglob("*") if p.is_file()}
    fetch = Fetch(packages[1], offline=True)
    summary = _prepare(corpus, packages, fetch=fetch)
    assert summary.reused and fetch.calls == 0
    assert summary.n_classes == 4 and summary.sizes["development"] == 8
    assert {p: p.stat().st_mtime_ns for p in corpus.rglob("*") if p.is_file()} == before


def test_offline_without_cache_is_one_line(packages, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        _prepare(tmp_path, packages, fetch=Fetch(packages[1], offline=True))
    assert EVENTS_PKG in _one_line(err)
    assert not (tmp_path / "CLOTHO_v2.1").exists() and not (tmp_path / MANIFEST).exists()


def test_a_corrupt_recording_names_package_and_file(tmp_path: Path) -> None:
    events, deb = _make_source(tmp_path, EVENTS_PKG, EVENT_FILES, corrupt="cow/b.wav")
    ambience, amb_deb = _make_source(tmp_path, AMBIENCE_PKG, BACKGROUND_FILES)
    out = tmp_path / "corpus"
    with pytest.raises(DataError) as err:
        _prepare(out, ((events, ambience), {EVENTS_PKG: deb, AMBIENCE_PKG: amb_deb}))
    text = _one_line(err)
    assert EVENTS_PKG in text and "cow/b.wav" in text
    assert not (out / MANIFEST).exists()


def test_a_wrong_checksum_names_package_and_file(packages, tmp_path: Path) -> None:
    (events, ambience), debs = packages
    bad = DebSource(DebPin(events.package, events.version, "0" * 64, events.pin.pool_path),
                    events.size, events.license, events.copyright, events.recordings)
    with pytest.raises(DownloadError) as err:
        _prepare(tmp_path, ((bad, ambience), debs))
    text = _one_line(err)
    assert "checksum mismatch" in text and EVENTS_PKG in text and bad.pin.filename in text
    assert not (tmp_path / MANIFEST).exists()


def test_a_truncated_package_names_package_and_file(packages, tmp_path: Path) -> None:
    (events, ambience), debs = packages
    cut = tmp_path / "cut.deb"
    cut.write_bytes(debs[EVENTS_PKG].read_bytes()[:-4000])
    pin = _pin(cut, EVENTS_PKG)
    short = DebSource(pin, cut.stat().st_size, events.license, events.copyright,
                      events.recordings)
    with pytest.raises(DataError) as err:
        _prepare(tmp_path / "corpus", ((short, ambience), {EVENTS_PKG: cut,
                                                            AMBIENCE_PKG: debs[AMBIENCE_PKG]}))
    text = _one_line(err)
    assert EVENTS_PKG in text and pin.filename in text
    assert not (tmp_path / "corpus" / MANIFEST).exists()


def test_an_interrupted_build_is_never_complete(packages, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(recordings, "_write_provenance", boom)
    with pytest.raises(KeyboardInterrupt):
        _prepare(tmp_path, packages)
    assert not (tmp_path / MANIFEST).exists()
    monkeypatch.undo()
    summary = _prepare(tmp_path, packages)  # regenerated, not taken as complete
    assert not summary.reused and (tmp_path / "provenance.csv").is_file()


def test_changed_sources_regenerate(packages, tmp_path: Path) -> None:
    (events, ambience), debs = packages
    _prepare(tmp_path, packages)
    fewer = DebSource(ambience.pin, ambience.size, ambience.license, ambience.copyright,
                      tuple(r for r in ambience.recordings if r.kind != "wind"))
    summary = _prepare(tmp_path, ((events, fewer), debs))
    assert not summary.reused
    assert json.loads((tmp_path / MANIFEST).read_text())["backgrounds"] == ["hum", "rain"]


def test_load_attribution_without_a_corpus(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="ATTRIBUTION.md"):
        load_attribution(tmp_path)


def test_a_large_class_lends_one_recording_to_the_listening_set(packages, tmp_path: Path,
                                                                monkeypatch) -> None:
    sources, debs = packages
    birds = [(f"bird/{k}.wav", "songbird", None, 1.0 + 0.2 * k, 22050, "WAV", 1)
             for k in range(4)]
    extra, extra_deb = _make_source(tmp_path, "adl-test-birds", birds)
    monkeypatch.setattr(recordings, "LISTENING_MIN", 4)
    out = tmp_path / "corpus"
    prepare_corpus(out, CFG, sr=SR, workers=1, sources=(*sources, extra),
                   fetch=Fetch({**debs, "adl-test-birds": extra_deb}))
    listening = load_listening(out)
    assert [row["label"] for row in listening] == ["songbird"]  # the only class with 4
    row = listening[0]
    assert Path(row["path"]).is_file() and row["package"] == "adl-test-birds"
    assert row["license"] == "CC0-1.0" and row["credit"]
    # It sounds in no split: no bank event or scene was cut from it.
    used = {p["source_path"] for p in load_provenance(out)}
    assert row["source_path"] not in used
    assert sum(p.startswith(BASE + "bird/") for p in used) == 3
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["n_listening"] == 1
    assert load_listening(tmp_path) == []  # a corpus without one
