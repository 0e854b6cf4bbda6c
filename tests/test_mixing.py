"""Equal-power mixing: lengths, exact sums, scaling, placement, silence, AL-MixGen, and how loud
an event is while it sounds."""

import math

import pytest
import soundfile as sf
import torch

from adl.errors import ADLError, SilentAudioError
from adl.mixing import (join_captions, mix, mixgen, random_offset, rms, sounding_level_db,
                        sounding_levels)


def _signal(n: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g) * scale


def test_outputs_have_input_length_and_sum_exactly():
    x, r = _signal(1000, 0), _signal(300, 1, 0.01)
    mixture, aligned = mix(x, r, offset=123)
    assert mixture.shape == x.shape == aligned.shape
    assert torch.equal(mixture, x + aligned)


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 5.0, 17.5])
def test_reference_rms_over_its_own_samples(snr_db):
    x, r = _signal(10_000, 0, 0.3), _signal(2_000, 1, 5.0)
    _, aligned = mix(x, r, snr_db=snr_db, offset=4000)
    own = aligned[4000:6000]
    ratio_db = 20 * math.log10(rms(x).item() / rms(own).item())
    assert ratio_db == pytest.approx(snr_db, abs=1e-4)
    # The padding is zero and is not counted: RMS over the whole aligned signal is lower.
    assert torch.count_nonzero(aligned[:4000]) == 0 and torch.count_nonzero(aligned[6000:]) == 0


def test_equal_power_by_default():
    x, r = _signal(8_000, 2, 0.1), _signal(8_000, 3, 2.0)
    _, aligned = mix(x, r)
    assert rms(aligned).item() == pytest.approx(rms(x).item(), rel=1e-5)


def test_reference_is_placed_at_offset_with_its_shape():
    x, r = _signal(1000, 0), _signal(100, 1)
    _, aligned = mix(x, r, offset=500)
    seg = aligned[500:600]
    # Same waveform up to a positive gain.
    gain = (seg / r).mean()
    assert gain > 0
    assert torch.allclose(seg, r * gain, rtol=1e-5, atol=1e-7)


def test_long_reference_is_cropped_and_scaled_over_the_kept_part():
    x = _signal(500, 0)
    r = torch.cat([torch.full((400,), 0.01), torch.full((400,), 100.0)])
    _, aligned = mix(x, r, offset=100)  # keeps r[:400], the quiet part
    assert rms(aligned[100:]).item() == pytest.approx(rms(x).item(), rel=1e-5)
    assert torch.count_nonzero(aligned[:100]) == 0


def test_silent_input_or_reference_is_a_clear_error():
    x, r = _signal(1000, 0), _signal(100, 1)
    with pytest.raises(SilentAudioError, match="input is silent"):
        mix(torch.zeros(1000), r)
    with pytest.raises(SilentAudioError, match="reference is silent"):
        mix(x, torch.zeros(100))
    # Silent only where it is placed: the audible part is cropped away.
    r_tail = torch.cat([torch.zeros(100), torch.ones(100)])
    with pytest.raises(SilentAudioError):
        mix(x, r_tail, offset=950)
    assert issubclass(SilentAudioError, ADLError)


def test_bad_arguments():
    x, r = _signal(100, 0), _signal(10, 1)
    with pytest.raises(ValueError, match="offset"):
        mix(x, r, offset=100)
    with pytest.raises(ValueError, match="offset"):
        mix(x, r, offset=-1)
    with pytest.raises(ValueError, match="snr_db"):
        mix(x, r, snr_db=float("inf"))
    with pytest.raises(ValueError, match="1-D"):
        mix(x[None], r)


def test_random_offset_is_reproducible_and_in_range():
    draws = [random_offset(1000, 300, torch.Generator().manual_seed(7)) for _ in range(3)]
    assert len(set(draws)) == 1
    g = torch.Generator().manual_seed(0)
    offsets = [random_offset(1000, 300, g) for _ in range(500)]
    assert min(offsets) >= 0 and max(offsets) <= 700
    assert len(set(offsets)) > 100  # uniform, not constant
    assert random_offset(100, 300, g) == 0  # longer reference: start at 0, crop


def test_dtype_is_kept():
    x, r = _signal(100, 0).half().float(), _signal(10, 1)
    mixture, aligned = mix(x, r)
    assert mixture.dtype == aligned.dtype == torch.float32


def test_mixgen_mixes_and_joins_captions():
    a, b = _signal(1000, 0), _signal(1500, 1, 3.0)
    mixture, caption = mixgen(a, b, "A dog barks loudly.", "Rain falls on a roof.")
    assert mixture.shape == a.shape
    assert rms(mixture - a).item() == pytest.approx(rms(a).item(), rel=1e-5)
    assert caption == "A dog barks loudly and rain falls on a roof."


def test_join_captions_keeps_acronyms():
    assert join_captions("a man talks", "TV noise plays") == "a man talks and TV noise plays"


# -- the event's level while it sounds -----------------------------------------------------------

SR = 1000  # 50 ms frames of 50 samples: small and fast


def _steady(seconds: float, seed: int, amplitude: float = 1.0) -> torch.Tensor:
    # Random signs: noise-like, with a power of exactly amplitude**2 over any span.
    return torch.randn(round(seconds * SR), generator=torch.Generator().manual_seed(seed)).sign() \
        * amplitude


def test_an_event_sounding_one_second_of_five_is_seven_db_above_the_scene():
    scene = _signal(10 * SR, 0, 0.2)
    event = torch.cat([_steady(1, 1), _steady(4, 2, 1e-4)])  # the rest 80 dB down: a floor
    level = sounding_level_db(scene, event, sr=SR, offset=3 * SR)
    assert level == pytest.approx(10 * math.log10(5), abs=0.05)


def test_an_event_sounding_throughout_is_at_the_asked_level():
    scene, event = _signal(10 * SR, 0, 0.2), _steady(5, 1, 3.0)
    assert sounding_level_db(scene, event, sr=SR, offset=1234) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("snr_db", [-6.0, 5.0, 12.5])
def test_the_level_follows_snr_db_one_for_one(snr_db):
    scene = _signal(10 * SR, 0, 0.2)
    event = torch.cat([_steady(2, 1, 1e-4), _steady(1.5, 2), _steady(1.5, 3, 1e-4)])
    at_0 = sounding_level_db(scene, event, sr=SR, offset=500)
    assert sounding_level_db(scene, event, sr=SR, snr_db=snr_db, offset=500) \
        == pytest.approx(at_0 - snr_db, abs=1e-6)


def test_the_threshold_decides_which_frames_sound():
    # 1 s at full level, 1 s 10.5 dB down, 3 s at a floor: per-sample powers 1, 0.09, ~0.
    scene = _signal(10 * SR, 0, 0.2)
    event = torch.cat([_steady(1, 1), _steady(1, 2, 0.3), _steady(3, 3, 1e-4)])
    total = (1 + 0.09) / 5  # the mean power mix scales to the scene's
    assert sounding_level_db(scene, event, sr=SR) == pytest.approx(
        10 * math.log10((1.09 / 2) / total), abs=0.05)
    assert sounding_level_db(scene, event, sr=SR, threshold_db=6.0) == pytest.approx(
        10 * math.log10(1 / total), abs=0.05)


def test_only_the_placed_part_of_the_event_counts():
    # 10 s event in a 5 s scene: mix keeps the first 5 s (1 s loud, 4 s floor), as here.
    scene = _signal(5 * SR, 0, 0.2)
    event = torch.cat([_steady(1, 1), _steady(9, 2, 1e-4)])
    assert sounding_level_db(scene, event, sr=SR) == pytest.approx(10 * math.log10(5), abs=0.05)


def test_sounding_level_refuses_silence_and_bad_settings():
    scene, event = _signal(10 * SR, 0), _steady(5, 1)
    with pytest.raises(SilentAudioError, match="input is silent"):
        sounding_level_db(torch.zeros(10 * SR), event, sr=SR)
    with pytest.raises(SilentAudioError, match="reference is silent"):
        sounding_level_db(scene, torch.zeros(5 * SR), sr=SR)
    for bad in ({"frame_s": 0.0}, {"threshold_db": -3.0}, {"threshold_db": float("nan")},
                {"sr": 0}):
        with pytest.raises(ValueError, match="must be positive and finite"):
            sounding_level_db(scene, event, **{"sr": SR, **bad})


def test_sounding_levels_draws_reproducible_pairs_from_files(tmp_path):
    scenes, events = [], []
    for k in range(3):
        scenes.append(tmp_path / f"scene_{k}.wav")
        sf.write(scenes[-1], _signal(8 * SR, k, 0.1).numpy(), SR)
    events.append(tmp_path / "steady.wav")
    sf.write(events[-1], _steady(5, 10, 0.5).numpy(), SR)
    events.append(tmp_path / "burst.wav")
    sf.write(events[-1], torch.cat([_steady(1, 11, 0.5), _steady(4, 12, 1e-4)]).numpy(), SR)
    table = sounding_levels(scenes, events, n=12, seed=3, sr=SR)
    assert list(table.columns) == ["input", "reference", "offset_s", "sounding_s", "level_db"]
    assert len(table) == 12 and table.equals(sounding_levels(scenes, events, n=12, seed=3, sr=SR))
    by_event = table.groupby("reference")["level_db"]
    assert by_event.min()["steady.wav"] == pytest.approx(0.0, abs=0.05)
    assert by_event.max()["burst.wav"] == pytest.approx(10 * math.log10(5), abs=0.05)
    assert set(table["sounding_s"].round(2)) <= {5.0, 1.0}
    assert table["offset_s"].between(0, 3).all()
    with pytest.raises(ValueError, match="n > 0"):
        sounding_levels(scenes, events, n=0, seed=0, sr=SR)
