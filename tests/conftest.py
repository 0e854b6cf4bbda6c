"""Shared fixtures: a tiny data set in the real Clotho v2.1 and ESC-50 layouts.

Its four "classes" are tones of different pitch, so a tiny captioner can learn them in a few
steps; the reference bank holds noise bursts. It is independent of the embedded corpus, so the
training tests do not depend on the corpus generator.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from adl.audio import save_audio

SR = 44100
TONES = {"low hum": 180.0, "steady tone": 500.0, "high beep": 1400.0, "shrill whistle": 3500.0}
TEMPLATES = ("a {} plays", "a {} is heard", "there is a {}", "you can hear a {}", "a {} sounds")


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header, as dicts."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _tone(freq: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    x = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    return x.astype(np.float32)


def make_tiny_data(root: Path, n_dev: int = 12, n_val: int = 4, n_eval: int = 4,
                   seed: int = 0, seconds: float = 1.0) -> Path:
    """Write a tiny Clotho (aac-datasets layout) + ESC-50 data set under ``root``."""
    rng = np.random.default_rng(seed)
    names = list(TONES)
    csv_dir = root / "CLOTHO_v2.1" / "clotho_csv_files"
    csv_dir.mkdir(parents=True, exist_ok=True)
    for subset, n in (("development", n_dev), ("validation", n_val), ("evaluation", n_eval)):
        audio_dir = root / "CLOTHO_v2.1" / "clotho_audio_files" / subset
        audio_dir.mkdir(parents=True, exist_ok=True)
        rows = []
        for i in range(n):
            name = names[i % len(names)]
            fname = f"{subset}_{i:03d}.wav"
            save_audio(audio_dir / fname, _tone(TONES[name], seconds + 0.25 * (i % 3), rng), SR)
            rows.append([fname] + [tpl.format(name) for tpl in TEMPLATES])
        with open(csv_dir / f"clotho_captions_{subset}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file_name"] + [f"caption_{k}" for k in range(1, 6)])
            w.writerows(rows)
    esc = root / "ESC-50-master"
    (esc / "audio").mkdir(parents=True, exist_ok=True)
    (esc / "meta").mkdir(parents=True, exist_ok=True)
    meta = []
    for k in range(10):
        fold, target = k % 5 + 1, k % 2
        fname = f"{fold}-{1000 + k}-A-{target}.wav"
        burst = (0.2 * rng.standard_normal(int(0.5 * SR))).astype(np.float32)
        save_audio(esc / "audio" / fname, burst, SR)
        meta.append([fname, fold, target, ["noise", "crackle"][target], False, 1000 + k, "A"])
    with open(esc / "meta" / "esc50.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["filename", "fold", "target", "category", "esc10", "src_file", "take"])
        w.writerows(meta)
    return root


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """A tiny data set in the real layouts (shared by the session: do not modify it)."""
    return make_tiny_data(tmp_path_factory.mktemp("tiny_data"))


@pytest.fixture
def one_thread():
    """torch on one thread for a test module's tiny tensors: on a busy 2-core machine the thread
    pool costs more than it saves (measured: 0.23 s instead of 5 ms per tiny training step, and
    1-12 s instead of about 1 s to caption). Use with ``pytestmark =
    pytest.mark.usefixtures("one_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory) -> Path:
    """A baseline run that overfits the tiny data enough to caption (seconds), shared by the
    Table 1 and Table 2 tests (do not modify it)."""
    import dataclasses

    import torch

    from adl.train import train
    from test_train import tiny_config

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cfg = tiny_config(tiny_data, epochs=40, batch_size=12, lr=5e-3)
        cfg = cfg.replace(decoder=dataclasses.replace(cfg.decoder, d_model=64, ffn_dim=128))
        out = tmp_path_factory.mktemp("eval") / "run"
        train(cfg, method="baseline", seed=0, out=out, log=lambda _msg: None)
    finally:
        torch.set_num_threads(threads)
    return out


#: Classes a fake Table 2 caption names beside the added event (never the event itself).
_OTHER_CLASSES = ("rain", "wind", "engine", "bird_chirp", "crowd", "siren", "train", "thunder")


def write_table2_run(root: Path, method: str, seed: int, *, input_cider, kept_cider,
                     event_named, classes_named=None, event_cider=None,
                     event_label: str = "dog_bark", event_files=None) -> Path:
    """A run folder as chapter 5 leaves it: ``run.json``, ``table2.json`` and
    ``table2_captions.csv`` with the given per-clip values.

    ``input_cider`` and ``kept_cider``: CIDEr-D of the input and of mixture − event, per clip;
    ``event_named``: whether the mixture − input caption names the added event, among
    ``classes_named`` classes (default: just the event, or one other class); ``event_cider``:
    its CIDEr-D against the event's captions (None: not scored, as on real data)."""
    import json

    n = len(input_cider)
    named_flags = [bool(x) for x in event_named]
    counts = ([int(c) for c in classes_named] if classes_named is not None
              else [1] * n)
    run = root / "runs" / f"{method}-seed{seed}"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"format_version": 1, "status": "complete",
                                              "method": method, "seed": seed}))
    files = [f"clip_{k:03d}.wav" for k in range(n)]
    events = list(event_files) if event_files is not None else [f"5-{k}-A-0.wav" for k in range(n)]
    rows = []
    for cond, values in (("input", input_cider), ("input+event", [0.3] * n),
                         ("mixture-event", kept_cider),
                         ("mixture-input", event_cider if event_cider is not None else [""] * n)):
        for k in range(n):
            named = []
            if cond == "mixture-input":
                others = list(_OTHER_CLASSES[:max(counts[k] - named_flags[k], 0)])
                named = sorted(([event_label] if named_flags[k] else []) + others)
            rows.append({"file_name": files[k], "condition": cond,
                         "caption": " and ".join(named) or "something", "event_file": events[k],
                         "event_label": event_label, "offset_s": 0.5, "true_events": "",
                         "named_events": ";".join(named), "cider_d": values[k]})
    with open(run / "table2_captions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    scored = {"input": input_cider, "mixture-event": kept_cider, "mixture-input": event_cider}
    (run / "table2.json").write_text(json.dumps({"conditions": {
        cond: {"scores": {} if v is None else {"cider_d": float(np.mean(v))},
               "unavailable": {} if v is not None else {"cider_d": "no captions of a lone event"},
               "event_precision": None,
               "event_recall": float(np.mean(named_flags)) if cond == "mixture-input" else None}
        for cond, v in scored.items()}}))
    return run
