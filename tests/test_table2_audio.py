"""Table 2, audible (adl.table2.example_audio and example_html, adl.plots.audio_player): fast, on
runs whose Table 2 files are written by hand over the tiny data set (no training)."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
import soundfile as sf

from adl.audio import load_audio
from adl.config import save_config
from adl.mixing import mix
from adl.plots import audio_player
from adl.runs import RunError, write_run_info
from adl.data import load_clotho
from adl.table2 import CONDITION_TITLES, CONDITIONS, example_audio, example_html
from conftest import SR
from test_train import tiny_config

EVENT = "5-1004-A-0.wav"  # fold 5 (the held-aside fold) of the tiny ESC-50
OFFSET_S = 0.25


def _fake_run(root, folder, method: str, event: str = EVENT):
    """A run folder with the files example_audio reads: run.json, config.yaml, table2.json and
    table2_captions.csv for two evaluation clips."""
    folder.mkdir(parents=True)
    write_run_info(folder, {"method": method, "seed": 0})
    save_config(tiny_config(root), folder / "config.yaml")
    (folder / "table2.json").write_text(json.dumps({"data_root": str(root), "snr_db": 0.0}))
    header = ["file_name", "condition", "caption", "event_file", "event_label", "offset_s",
              "true_events", "named_events"]
    lines = [",".join(header)]
    for clip in ("evaluation_000.wav", "evaluation_001.wav"):
        for cond in CONDITIONS:
            lines.append(",".join([clip, cond, f"{method} says {cond} of {clip}", event, "noise",
                                   str(OFFSET_S), "", ""]))
    (folder / "table2_captions.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def runs(tiny_data, tmp_path):
    return {"Baseline": _fake_run(tiny_data, tmp_path / "baseline-seed0", "baseline"),
            "ADL": _fake_run(tiny_data, tmp_path / "adl-seed0", "adl")}


def test_example_audio_mixes_again_what_table2_decoded(runs, tiny_data):
    ex = example_audio(runs, k=1, sr=16000, peak=0.9)
    assert ex.file_name == "evaluation_001.wav" and ex.event_label == "noise"
    assert ex.sr == 16000 and ex.offset_s == pytest.approx(OFFSET_S)
    # the same mixture as Table 2 (adl.mixing.mix at the run's rate), resampled to 16 kHz
    x = load_audio(tiny_data / "CLOTHO_v2.1/clotho_audio_files/evaluation/evaluation_001.wav",
                   sr=SR)
    ev = load_audio(tiny_data / "ESC-50-master/audio" / EVENT, sr=SR)
    mixture, aligned = mix(x, ev, snr_db=0.0, offset=int(OFFSET_S * SR))
    n = round(len(x) * 16000 / SR)
    assert all(abs(len(w) - n) <= 1 for w in (ex.input, ex.event, ex.mixture))
    assert all(w.dtype == np.float32 for w in (ex.input, ex.event, ex.mixture))
    # one gain for the three: the loudest peaks at 0.9, and the mixture is still their sum
    assert max(float(np.abs(w).max()) for w in (ex.input, ex.event, ex.mixture)) \
        == pytest.approx(0.9, abs=1e-5)
    assert np.allclose(ex.mixture, ex.input + ex.event, atol=1e-4)
    # at the run's rate, the three are exactly Table 2's signals times one gain
    same_rate = example_audio(runs, k=1, sr=None, peak=0.9)
    gain = 0.9 / max(float(mixture.abs().max()), float(x.abs().max()), float(aligned.abs().max()))
    for got, want in ((same_rate.input, x), (same_rate.event, aligned),
                      (same_rate.mixture, mixture)):
        assert np.allclose(got, gain * want.numpy(), atol=1e-6)
    # the event is silent before its offset
    assert float(np.abs(ex.event[: int(0.2 * 16000)]).max()) == 0.0
    # both runs' captions, one row per condition
    assert list(ex.captions.columns) == ["Baseline", "ADL"]
    assert list(ex.captions.index) == [CONDITION_TITLES[c] for c in CONDITIONS]
    assert ex.captions.loc["(4) mixture - input", "ADL"] == \
        "adl says mixture-input of evaluation_001.wav"
    # the input's human captions, as the corpus has them
    item = next(it for it in load_clotho(tiny_data, "evaluation")
                if it.fname == "evaluation_001.wav")
    assert ex.references == item.captions and len(ex.references) == 5


def test_example_audio_at_the_runs_rate_unscaled(runs, tiny_data):
    ex = example_audio(runs["ADL"], sr=None, peak=None)
    assert ex.sr == SR and list(ex.captions.columns) == ["adl-seed0"]
    x = load_audio(tiny_data / "CLOTHO_v2.1/clotho_audio_files/evaluation/evaluation_000.wav",
                   sr=SR)
    assert np.array_equal(ex.input, x.numpy())
    assert np.array_equal(ex.mixture, ex.input + ex.event)


def test_example_audio_refuses_what_does_not_match(runs, tiny_data, tmp_path):
    with pytest.raises(RunError, match="example 2 asked for"):
        example_audio(runs, k=2)
    other = _fake_run(tiny_data, tmp_path / "other", "adl", event="5-1009-A-1.wav")
    with pytest.raises(RunError, match="same seed"):
        example_audio({"a": runs["ADL"], "b": other})
    with pytest.raises(RunError, match="table2_captions.csv: missing"):
        example_audio(tmp_path / "nowhere")


def _decoded(player: str) -> tuple[np.ndarray, int, str]:
    mime, data = re.search(r'src="data:(audio/[\w-]+);base64,([^"]+)"', player).groups()
    wave, sr = sf.read(io.BytesIO(base64.b64decode(data)), dtype="float32")
    return wave, sr, mime


def test_audio_player_embeds_a_small_playable_clip():
    sr = 16000
    t = np.arange(10 * sr) / sr
    wave = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    mp3 = audio_player(wave, sr, label="a <tone>")
    assert "<audio controls" in mp3 and "a &lt;tone&gt;" in mp3
    decoded, decoded_sr, mime = _decoded(mp3)
    assert mime == "audio/mpeg" and decoded_sr == sr
    assert abs(len(decoded) - len(wave)) < 0.1 * sr  # MP3 frames pad the end a little
    assert len(mp3) < 10 * 8_000  # about 4 kB per second of sound, base64 included
    wav = audio_player(wave, sr, fmt="wav")
    decoded, decoded_sr, mime = _decoded(wav)
    assert mime == "audio/wav" and decoded_sr == sr
    assert np.allclose(decoded, wave, atol=1e-4)  # 16-bit PCM, not normalised
    with pytest.raises(ValueError, match="mono"):
        audio_player(np.zeros((2, 100), dtype=np.float32), sr)
    with pytest.raises(ValueError, match="fmt"):
        audio_player(wave, sr, fmt="flac")


def test_example_html_has_three_players_and_the_captions(runs):
    page = example_html(example_audio(runs, k=0))
    assert page.count("<audio") == 3
    assert "(1) input" in page and "(2) input + event" in page and "the event: noise" in page
    assert "baseline says mixture-event of evaluation_000.wav" in page
    assert page.count("<tr") == 1 + len(CONDITIONS)  # a header row and one per condition
    assert page.count("<li>") == 5  # the input's human captions
