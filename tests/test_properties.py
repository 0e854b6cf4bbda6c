"""Property-based tests (hypothesis) of the two signal primitives: ``mix`` and ``LogMel``.

Random lengths, gains, offsets and SNRs; each property is one the rest of the code relies on.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from adl.audio import LogMel
from adl.errors import SilentAudioError
from adl.mixing import mix, rms

SETTINGS = settings(max_examples=30, deadline=None)
gains = st.floats(min_value=1e-4, max_value=1e3, allow_nan=False, allow_infinity=False)


def _signal(n: int, gain: float, seed: int) -> torch.Tensor:
    """Random-sign samples with magnitudes in [0.5, 1.5] * gain: never silent, even at n = 1."""
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.5, n) * gain
    return torch.from_numpy(x.astype(np.float32))


@st.composite
def mix_cases(draw):
    n = draw(st.integers(1, 5000))
    m = draw(st.integers(1, 5000))
    offset = draw(st.integers(0, n - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    return (_signal(n, draw(gains), seed), _signal(m, draw(gains), seed + 1), offset,
            draw(st.floats(-30.0, 30.0)))


@SETTINGS
@given(mix_cases())
def test_mix_properties(case):
    x, ref, offset, snr_db = case
    mixture, aligned = mix(x, ref, snr_db=snr_db, offset=offset)
    n = x.shape[0]
    assert mixture.shape == aligned.shape == x.shape
    assert mixture.dtype == aligned.dtype == x.dtype
    assert torch.equal(mixture, x + aligned)
    assert torch.isfinite(mixture).all() and torch.isfinite(aligned).all()
    end = min(offset + ref.shape[0], n)  # the reference is cropped where it runs past the end
    assert not aligned[:offset].any() and not aligned[end:].any()
    placed = aligned[offset:end]
    measured = 20 * math.log10(float(rms(x)) / float(rms(placed)))
    assert measured == pytest.approx(snr_db, abs=1e-3)
    # The placed event is the reference, scaled: same shape of waveform.
    ratio = placed.double() / ref[: end - offset].double()
    assert torch.allclose(ratio, ratio[0].expand_as(ratio), rtol=1e-6)


@SETTINGS
@given(st.integers(1, 5000), st.integers(1, 5000), st.data())
def test_mix_refuses_silence(n, m, data):
    offset = data.draw(st.integers(0, n - 1))
    loud = _signal(n, 1.0, 0)
    with pytest.raises(SilentAudioError, match="input is silent"):
        mix(torch.zeros(n), _signal(m, 1.0, 1), offset=offset)
    with pytest.raises(SilentAudioError, match="reference is silent"):
        mix(loud, torch.zeros(m), offset=offset)


@functools.lru_cache(maxsize=1)
def _logmel() -> LogMel:
    return LogMel()


SR = 44100
lengths = st.one_of(st.integers(1, 4000), st.integers(1, 3 * SR))  # short ones often


@SETTINGS
@given(st.lists(st.tuples(lengths, st.floats(1e-6, 1e4), st.integers(0, 2**32 - 1)),
                min_size=1, max_size=3))
def test_logmel_batch_matches_items(items):
    f = _logmel()
    rng_waves = [torch.from_numpy(np.random.default_rng(s).standard_normal(n)
                                  .astype(np.float32) * np.float32(g))
                 for n, g, s in items]
    longest = max(w.shape[0] for w in rng_waves)
    batch = torch.stack([torch.nn.functional.pad(w, (0, longest - w.shape[0]))
                         for w in rng_waves])
    with torch.no_grad():
        out = f(batch)
    assert out.shape == (len(items), f.n_frames(longest), f.n_mels)
    assert out.dtype == torch.float32 and torch.isfinite(out).all()
    lens = torch.tensor([w.shape[0] for w in rng_waves])
    assert torch.equal(f.n_frames(lens), torch.tensor([f.n_frames(int(n)) for n in lens]))
    for w, row in zip(rng_waves, out):
        with torch.no_grad():
            alone = f(w)
        frames = f.n_frames(w.shape[0])
        assert alone.shape == (frames, f.n_mels)
        assert torch.isfinite(alone).all()
        # Frames of the unpadded clip agree with the batch (the padding is the same zeros that
        # centre padding adds). Compare in power, relative to the clip's loudest band, since
        # float32 rounding of the STFT is relative to the frame's energy.
        a, b = alone.double().exp(), row[:frames].double().exp()
        scale = a.max()
        assert float((a - b).abs().max()) <= 1e-5 * float(scale) + 1e-9, \
            float((a - b).abs().max() / scale)


@SETTINGS
@given(lengths, st.floats(1e-6, 1e4))
def test_logmel_is_finite_and_silence_is_the_floor(n, gain):
    f = _logmel()
    with torch.no_grad():
        silent = f(torch.zeros(n))
        loud = f(torch.full((n,), gain))
    assert silent.shape == loud.shape == (f.n_frames(n), f.n_mels)
    assert torch.isfinite(loud).all()
    assert torch.allclose(silent, torch.full_like(silent, math.log(f.eps)))
    assert (loud >= math.log(f.eps) - 1e-4).all()  # log(mel + eps) with mel >= 0
