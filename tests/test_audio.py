"""Tests for adl.audio: loading (formats, mono, resampling, bad files) and the LogMel front end."""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf
import torch

import adl.audio
from adl.audio import (LOG_EPS, SFX_SPEC_MAX, LogMel, audio_info, librosa_max_deviation,
                       load_audio, save_audio, sfx_logmel)
from adl.errors import AudioError

SR = 44100


def tone(freq: float, sr: int = SR, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    """(samples,) float32 sine."""
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def realistic(seed: int, seconds: float = 10.0, sr: int = SR) -> np.ndarray:
    """(samples,) float32: a log chirp, white noise and decaying tone bursts, like a scene."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    f0, f1 = 100.0, 15000.0
    phase = 2 * np.pi * f0 * seconds / np.log(f1 / f0) * ((f1 / f0) ** (t / seconds) - 1)
    y = 0.3 * np.sin(phase) + 0.02 * rng.standard_normal(t.size)
    for _ in range(8):
        t0, freq = rng.uniform(0, 0.9 * seconds), rng.uniform(200, 8000)
        on = t >= t0
        y[on] += 0.5 * np.exp(-8 * (t[on] - t0)) * np.sin(2 * np.pi * freq * (t[on] - t0))
    return y.astype(np.float32)


def peak_freq(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spec)])


def assert_audio_error(path: Path, *, sr: int = SR) -> str:
    """Loading ``path`` raises a one-line AudioError naming the file; returns the message."""
    with pytest.raises(AudioError) as info:
        load_audio(path, sr=sr)
    msg = str(info.value)
    assert path.name in msg
    assert "\n" not in msg
    return msg


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_lossless_round_trip(tmp_path: Path, ext: str) -> None:
    x = tone(440.0) * np.linspace(1, 0.2, SR, dtype=np.float32)
    path = tmp_path / f"clip.{ext}"
    save_audio(path, x, SR)
    y = load_audio(path)
    assert y.dtype == torch.float32 and y.shape == (SR,)
    # 16-bit PCM: within one quantisation step
    np.testing.assert_allclose(y.numpy(), x, atol=1.0 / 32768 + 1e-7)


@pytest.mark.parametrize("ext", ["ogg", "mp3"])
def test_lossy_round_trip(tmp_path: Path, ext: str) -> None:
    x = tone(440.0) + tone(3000.0, amp=0.1)
    path = tmp_path / f"clip.{ext}"
    save_audio(path, x, SR)
    y = load_audio(path).numpy()
    assert y.dtype == np.float32 and abs(len(y) - len(x)) <= 2048
    n = min(len(x), len(y))
    assert np.corrcoef(x[:n], y[:n])[0, 1] > 0.99


def test_float_wav_is_exact(tmp_path: Path) -> None:
    x = realistic(0, seconds=0.5)
    path = tmp_path / "float.wav"
    save_audio(path, x, SR, subtype="FLOAT")
    np.testing.assert_array_equal(load_audio(path).numpy(), x)


@pytest.mark.parametrize("channels", [2, 3])
def test_multichannel_is_channel_mean(tmp_path: Path, channels: int) -> None:
    freqs = [440.0, 1000.0, 2500.0][:channels]
    multi = np.stack([tone(f, amp=0.3) for f in freqs], axis=1)  # (samples, channels)
    path = tmp_path / "multi.wav"
    sf.write(path, multi, SR, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(path).numpy(), multi.mean(axis=1), rtol=0, atol=1e-7)
    assert audio_info(path) == (SR, SR, channels)


@pytest.mark.parametrize("file_sr", [22050, 48000])
def test_resampling_keeps_duration_and_pitch(tmp_path: Path, file_sr: int) -> None:
    x = tone(1000.0, sr=file_sr, seconds=1.3)
    path = tmp_path / f"at_{file_sr}.wav"
    sf.write(path, x, file_sr, subtype="FLOAT")
    y = load_audio(path, sr=SR).numpy()
    assert abs(len(y) - len(x) * SR / file_sr) <= 1
    assert abs(peak_freq(y, SR) - 1000.0) < 2.0
    # soxr HQ: the sine's amplitude survives (away from the edges)
    mid = y[SR // 10: -SR // 10]
    assert abs(np.sqrt(np.mean(mid**2)) * np.sqrt(2) - 0.5) < 5e-3


def test_load_to_another_rate(tmp_path: Path) -> None:
    path = tmp_path / "clip.flac"
    save_audio(path, tone(440.0), SR)
    assert load_audio(path, sr=16000).shape == (16000,)
    with pytest.raises(ValueError):
        load_audio(path, sr=0)


def test_audio_info(tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    save_audio(path, tone(440.0, sr=22050, seconds=2.0), 22050)
    assert audio_info(path) == (22050, 44100, 1)
    assert audio_info(str(path)) == (22050, 44100, 1)


# ---------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in assert_audio_error(tmp_path / "nowhere.wav")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    assert_audio_error(folder)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert "empty" in assert_audio_error(path)


def test_garbage_bytes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.wav"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert_audio_error(path)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_wav(tmp_path: Path, keep: float) -> None:
    good = tmp_path / "good.wav"
    save_audio(good, tone(440.0), SR)
    data = good.read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: int(len(data) * keep)])
    assert "truncated" in assert_audio_error(path)
    with pytest.raises(AudioError, match="cut.wav"):
        audio_info(path)


def test_truncated_header(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    save_audio(good, tone(440.0), SR)
    path = tmp_path / "header.wav"
    path.write_bytes(good.read_bytes()[:20])
    assert_audio_error(path)


def test_truncated_flac(tmp_path: Path) -> None:
    good = tmp_path / "good.flac"
    save_audio(good, realistic(1, seconds=2.0), SR)
    data = good.read_bytes()
    path = tmp_path / "cut.flac"
    path.write_bytes(data[: len(data) // 2])
    assert_audio_error(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "clip.xyz"
    path.write_bytes(b"not audio at all")
    assert "unsupported" in assert_audio_error(path)


def test_zero_frames(tmp_path: Path) -> None:
    path = tmp_path / "no_frames.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SR)
    assert path.stat().st_size > 0
    assert "no audio frames" in assert_audio_error(path)
    with pytest.raises(AudioError, match="no_frames.wav"):
        audio_info(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(tmp_path: Path, bad: float) -> None:
    x = tone(440.0, seconds=0.1)
    x[100] = bad
    path = tmp_path / "nonfinite.wav"
    sf.write(path, x, SR, subtype="FLOAT")
    assert "NaN or infinite" in assert_audio_error(path)


def test_nan_in_one_channel_of_stereo(tmp_path: Path) -> None:
    stereo = np.stack([tone(440.0, seconds=0.1), tone(440.0, seconds=0.1)], axis=1)
    stereo[5, 1] = np.nan
    path = tmp_path / "nan_stereo.wav"
    sf.write(path, stereo, SR, subtype="FLOAT")
    assert_audio_error(path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 0 does not stop root, so simulate the permission error where the module opens files
    path = tmp_path / "locked.wav"
    save_audio(path, tone(440.0, seconds=0.1), SR)

    def denied(file: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(adl.audio, "open", denied, raising=False)
    assert "Permission denied" in assert_audio_error(path)


# ---------------------------------------------------------------- LogMel


def librosa_logmel(y: np.ndarray, eps: float = LOG_EPS) -> np.ndarray:
    """(frames, 64) reference: the DCASE2023 baseline's librosa call."""
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=882, win_length=1764,
                                         n_mels=64, center=True, pad_mode="constant", power=2.0)
    return np.log(mel + eps).T


def test_logmel_matches_librosa_on_realistic_batch() -> None:
    batch = np.stack([realistic(seed) for seed in range(3)])  # (3, 10 s)
    out = LogMel()(torch.from_numpy(batch)).numpy()
    ref = np.stack([librosa_logmel(y) for y in batch])
    assert out.shape == ref.shape == (3, 501, 64)
    deviation = float(np.abs(out.astype(np.float64) - ref).max())
    print(f"max |LogMel - librosa| on 3 x 10 s realistic signals: {deviation:.3g}")
    assert deviation < 1e-4


def test_librosa_max_deviation_helper() -> None:
    y = realistic(7)
    assert librosa_max_deviation(y) < 1e-4
    # against a float64 reference, too: the error is ours, not librosa's float32 rounding
    assert librosa_max_deviation(torch.from_numpy(y), reference_dtype=np.float64) < 1e-4


def test_logmel_other_settings_match_librosa() -> None:
    y = realistic(3, seconds=2.0, sr=22050)
    logmel = LogMel(sr=22050, n_mels=40, win_length=512, hop_length=256, n_fft=1024, f_min=50.0,
                    f_max=8000.0, eps=1e-8)
    assert librosa_max_deviation(y, logmel) < 1e-4


@pytest.mark.parametrize("n_samples", [1, 500, 881, 882, 1024, 44100, 44100 * 3 + 17])
def test_logmel_shape_and_n_frames(n_samples: int) -> None:
    logmel = LogMel()
    x = torch.randn(2, n_samples)
    out = logmel(x)
    assert out.shape == (2, logmel.n_frames(n_samples), 64)
    assert out.dtype == torch.float32
    assert logmel(x[0]).shape == (logmel.n_frames(n_samples), 64)
    assert logmel.n_frames(n_samples) == 1 + n_samples // 882
    lengths = torch.tensor([n_samples, n_samples // 2])
    assert logmel.n_frames(lengths).tolist() == [logmel.n_frames(int(n)) for n in lengths]


def test_logmel_batch_consistency_with_zero_padding() -> None:
    # zero padding == librosa's "constant" centre padding, so a padded item's first frames
    # are the unpadded item's frames
    lengths = [SR * 2, SR + 300, SR // 2]
    items = [torch.from_numpy(realistic(seed, seconds=n / SR)) for seed, n in enumerate(lengths)]
    batch = torch.nn.utils.rnn.pad_sequence(items, batch_first=True)  # (3, max_len)
    logmel = LogMel()
    out = logmel(batch)
    for i, item in enumerate(items):
        single = logmel(item)
        torch.testing.assert_close(out[i], logmel(batch[i]), atol=1e-5, rtol=0)
        torch.testing.assert_close(out[i, : len(single)], single, atol=1e-4, rtol=0)
    # frames that lie wholly in the padding are digital silence: log(eps)
    assert torch.all(out[2, -5:] == torch.log(torch.tensor(LOG_EPS)))


def test_logmel_silence_is_log_eps() -> None:
    out = LogMel(eps=1e-6)(torch.zeros(SR))
    torch.testing.assert_close(out, torch.full_like(out, float(np.log(1e-6))))


def test_logmel_gradients_flow() -> None:
    x = torch.from_numpy(realistic(5, seconds=1.0)).repeat(2, 1).requires_grad_(True)
    x.data[1] = 0.0  # a silent item: the gradient must stay finite there
    LogMel()(x).mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert x.grad[0].abs().sum() > 0


def test_logmel_state_dict_is_empty_and_buffers_move() -> None:
    logmel = LogMel()
    assert dict(logmel.state_dict()) == {}
    names = dict(logmel.named_buffers())
    assert names["mel_basis"].shape == (1025, 64)
    assert names["window"].shape == (2048,)
    np.testing.assert_array_equal(
        names["mel_basis"].numpy().T,
        librosa.filters.mel(sr=SR, n_fft=2048, n_mels=64, htk=False, norm="slaney"))
    # buffers follow .to(); float64 round trip keeps values
    moved = LogMel().to(torch.float64).to(torch.float32)
    torch.testing.assert_close(moved.mel_basis, logmel.mel_basis)
    # a fresh module loads an (empty) state dict strictly
    LogMel().load_state_dict(logmel.state_dict(), strict=True)


def test_logmel_under_autocast_runs_in_float32() -> None:
    logmel = LogMel()
    x = torch.from_numpy(realistic(9, seconds=1.0))[None]
    expected = logmel(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = logmel(x)
        out_half_input = logmel(x.to(torch.bfloat16))
    assert out.dtype == torch.float32 and out_half_input.dtype == torch.float32
    torch.testing.assert_close(out, expected)
    assert torch.isfinite(out_half_input).all()


def test_logmel_rejects_bad_shapes_and_args() -> None:
    with pytest.raises(ValueError):
        LogMel()(torch.zeros(1, 2, 100))
    with pytest.raises(ValueError):
        LogMel(win_length=4096, n_fft=2048)
    with pytest.raises(ValueError):
        LogMel(eps=0.0)


def test_logmel_repr_names_settings() -> None:
    assert "n_mels=64" in repr(LogMel()) and "hop_length=882" in repr(LogMel())



# ---------------------------------------------------------------- the sound-effects front end


def aisfx_spectrogram(y: np.ndarray) -> np.ndarray:
    """(frames, 96) reference: aisfx's librosa call and its "original" normalisation, as written
    in ``aisfx.spectrogram.spectrogram_librosa`` (without its per-clip peak normalisation)."""
    spec = librosa.feature.melspectrogram(y=y, sr=44100, n_mels=96, norm=1.0, fmin=0.0,
                                          fmax=22050.0, htk=True, power=2.0, hop_length=1024,
                                          win_length=2048, center=True, pad_mode="constant")
    return (np.log10(spec * 10000.0 + 1) / 9.457798957824707).T


def test_sfx_logmel_matches_aisfx_librosa_front_end() -> None:
    y = realistic(11, seconds=15.0)
    fe = sfx_logmel()
    out = fe(torch.from_numpy(y)).numpy()
    ref = aisfx_spectrogram(y)
    assert out.shape == ref.shape == (fe.n_frames(len(y)), 96)
    deviation = float(np.abs(out.astype(np.float64) - ref).max())
    print(f"max |sfx_logmel - aisfx librosa| on 15 s: {deviation:.3g} (values up to "
          f"{ref.max():.2f})")
    assert deviation < 1e-5
    assert librosa_max_deviation(y, fe) < 1e-5  # the helper knows the compression too
    assert (fe.n_mels, fe.hop_length, fe.n_fft, fe.win_length) == (96, 1024, 2048, 2048)
    assert fe.log_divisor == SFX_SPEC_MAX


def test_sfx_logmel_silence_and_padding_are_zero() -> None:
    fe = sfx_logmel()
    assert fe.silence_value == 0.0
    assert bool((fe(torch.zeros(2, 5000)) == 0).all())
    y = torch.from_numpy(realistic(2, seconds=1.0))
    padded = fe(torch.nn.functional.pad(y, (0, 30000)))
    assert bool((padded[fe.n_frames(len(y)) + 1:] == 0).all())  # frames wholly in the zeros
    assert float(fe(y).min()) >= 0.0  # log10(1 + x) of a power is never negative


def test_sfx_logmel_input_gain_is_one_fixed_gain() -> None:
    y = torch.from_numpy(realistic(4, seconds=2.0))
    quiet = sfx_logmel(input_gain_db=-20.0)
    torch.testing.assert_close(quiet(y), sfx_logmel()(y * 0.1), atol=1e-5, rtol=1e-5)
    # no per-clip normalisation: a clip at half the level gives a different spectrogram
    assert not torch.allclose(sfx_logmel()(y), sfx_logmel()(0.5 * y), atol=1e-3)
    assert librosa_max_deviation(y, quiet) < 1e-5
    assert "input_gain_db=-20" in repr(quiet)


def test_default_logmel_settings_are_unchanged() -> None:
    """The options leave the DCASE front end as it was: log(mel + eps), Slaney filters."""
    lm = LogMel()
    assert (lm.htk, lm.mel_norm, lm.compression, lm.input_gain_db) == (False, "slaney", "log", 0.0)
    x = torch.rand(1000) * 10
    assert torch.equal(lm.compress(x), torch.log(x + lm.eps))
    assert lm.silence_value == float(torch.log(torch.zeros(()) + LOG_EPS))
    assert set(lm.settings()) >= {"sr", "n_mels", "hop_length", "htk", "mel_norm",
                                  "compression", "log_multiplier", "log_divisor",
                                  "input_gain_db"}
    assert repr(lm) == ("LogMel(sr=44100, n_mels=64, win_length=1764, hop_length=882, "
                        "n_fft=2048, f_min=0.0, f_max=None, eps=1e-10)")


def test_logmel_rejects_bad_front_end_options() -> None:
    with pytest.raises(ValueError, match="compression"):
        LogMel(compression="db")
    with pytest.raises(ValueError, match="log_divisor"):
        LogMel(compression="log10_1p", log_divisor=0.0)
    with pytest.raises(ValueError, match="input_gain_db"):
        LogMel(input_gain_db=float("inf"))
