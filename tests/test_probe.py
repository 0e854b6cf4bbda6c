"""The linear probe of a frozen encoder (adl.probe)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from adl.audio import save_audio
from adl.errors import DataError
from adl.models.captioner import build_captioner
from adl.probe import linear_probe, probe_events
from tests.test_train import tiny_config

SR = 44100


def _bank(root, classes=("hum", "hiss"), per_fold=2, folds=(1, 2, 3, 4, 5)):
    """A tiny ESC-50 whose classes sound unlike each other: a low hum and a bright hiss."""
    esc = root / "ESC-50-master"
    (esc / "audio").mkdir(parents=True)
    (esc / "meta").mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(int(0.6 * SR)) / SR
    rows = []
    for fold in folds:
        for target, category in enumerate(classes):
            for k in range(per_fold):
                src = 1000 * target + 10 * fold + k  # a recording per (fold, k)
                if category == "hum":
                    x = 0.3 * np.sin(2 * np.pi * (90 + 7 * k + fold) * t)
                else:
                    x = 0.1 * np.diff(rng.standard_normal(t.size + 1))
                fname = f"{fold}-{src}-A-{target}.wav"
                save_audio(esc / "audio" / fname, x.astype(np.float32), SR)
                rows.append([fname, fold, target, category, False, src, "A"])
    with open(esc / "meta" / "esc50.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["filename", "fold", "target", "category", "esc10", "src_file", "take"])
        w.writerows(rows)
    return root


def test_events_are_spread_over_recordings(tmp_path):
    root = _bank(tmp_path, per_fold=2)
    chosen = probe_events(root, (1, 2, 3), 3)
    assert len(chosen) == 6
    for category in ("hum", "hiss"):
        recs = [it.src_file for it in chosen if it.category == category]
        assert len(set(recs)) == 3  # three events, three recordings
    assert probe_events(root, (1, 2, 3), 3) == chosen  # seeded
    assert all(it.fold == 5 for it in probe_events(root, (5,), 9))


def test_the_probe_names_separable_sounds_and_counts_its_confusions(tmp_path):
    root = _bank(tmp_path)
    torch.manual_seed(0)
    model = build_captioner(tiny_config("unused"), vocab_size=50)
    model.freeze_encoder()
    result = linear_probe(model, root, per_class_train=6, per_class_test=2)
    assert result.classes == ("hiss", "hum")
    assert (result.n_train, result.n_test) == (12, 4)
    assert result.top1 == 1.0 and result.top3 == 1.0
    assert int(result.confusion.to_numpy().sum()) == 4
    assert result.per_class["events"].tolist() == [2, 2]
    assert set(result.predictions["true"]) == {"hiss", "hum"}


def test_a_class_with_no_training_event_is_one_clear_error(tmp_path):
    root = _bank(tmp_path, folds=(1, 2, 3, 5))
    # Remove every development event of one class.
    meta = root / "ESC-50-master" / "meta" / "esc50.csv"
    rows = list(csv.reader(open(meta)))
    keep = [rows[0]] + [r for r in rows[1:] if not (r[3] == "hum" and r[1] != "5")]
    with open(meta, "w", newline="") as f:
        csv.writer(f).writerows(keep)
    model = build_captioner(tiny_config("unused"), vocab_size=50)
    model.freeze_encoder()
    with pytest.raises(DataError, match="no development event of class"):
        linear_probe(model, root, per_class_train=2, per_class_test=1)
