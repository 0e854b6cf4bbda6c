"""Equal-power mixing: the ADL training pair and the AL-MixGen pair.

ADL (Komatsu et al., ICASSP 2024) mixes a reference event into an input clip, ``X_mix = X_input + X_ref``, and
decodes ``Z(X_mix) - Z(X_ref)`` against the input's *original* caption. AL-MixGen, the augmentation
the paper compares against, mixes two input clips and joins their captions with "and".
:func:`sounding_level_db` says how loud a mixed event is while it sounds, which equal power
over the whole event clip does not fix.

Notebook: 01_data_mixing
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

from adl.audio import load_audio
from adl.errors import SilentAudioError

# Below this RMS (about -140 dBFS) a signal is treated as silent: scaling it to a target power
# would amplify rounding noise by 1e7 or more, or divide by zero.
SILENCE_RMS = 1e-7


def rms(x: torch.Tensor) -> torch.Tensor:
    """Root mean square of a signal over its last axis (computed in float64 for accuracy).

    Args:
        x: (..., samples) signal.
    Returns:
        (...) RMS values, float64.
    """
    return x.double().pow(2).mean(dim=-1).sqrt()


def random_offset(input_length: int, reference_length: int, generator: torch.Generator) -> int:
    """Draw where a reference starts inside the input's timeline, uniformly.

    The reference fits entirely when it is shorter than the input; otherwise the offset is 0 and
    :func:`mix` crops it.

    Args:
        input_length: samples in the input.
        reference_length: samples in the reference.
        generator: an explicit random generator (no global seeding).
    Returns:
        an offset in ``[0, max(input_length - reference_length, 0)]``.
    """
    if input_length <= 0 or reference_length <= 0:
        raise ValueError(f"lengths must be positive, got {input_length} and {reference_length}")
    high = max(input_length - reference_length, 0)
    return int(torch.randint(0, high + 1, (1,), generator=generator).item())


def mix(input: torch.Tensor, reference: torch.Tensor, *, snr_db: float = 0.0,
        offset: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix a reference into an input at a given input-to-reference power ratio.

    The reference is placed at ``offset`` in the input's timeline (zero-padded around it, and
    cropped where it runs past the end), then scaled so that its RMS *over its own placed
    samples* is ``snr_db`` below the input's RMS. With the default 0 dB the two have equal power.
    The padding is not counted in the reference's RMS: a 5 s event in a 10 s clip has the clip's
    power over its own 5 s. Its quiet stretches are counted, so an event that sounds for only
    part of its clip is louder than that while it sounds (:func:`sounding_level_db`).

    Args:
        input: (samples,) input clip.
        reference: (ref_samples,) reference event.
        snr_db: input RMS over reference RMS, in dB (keyword-only).
        offset: sample index where the reference starts, ``0 <= offset < len(input)``.
    Returns:
        ``(mixture, aligned_reference)``, both (samples,) like the input, with
        ``mixture == input + aligned_reference`` exactly.
    Raises:
        SilentAudioError: the input, or the placed part of the reference, is silent.
    """
    if input.ndim != 1 or reference.ndim != 1:
        raise ValueError(f"mix expects 1-D signals, got shapes {tuple(input.shape)} and "
                         f"{tuple(reference.shape)}")
    if not math.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    n = input.shape[0]
    if not 0 <= offset < n:
        raise ValueError(f"offset must be in [0, {n}), got {offset}")
    placed = reference[: n - offset]
    input_rms = rms(input)
    ref_rms = rms(placed)
    if input_rms < SILENCE_RMS:
        raise SilentAudioError("cannot mix: the input is silent (RMS below 1e-7), "
                               "so equal power is undefined")
    if ref_rms < SILENCE_RMS:
        raise SilentAudioError("cannot mix: the reference is silent (RMS below 1e-7) "
                               "where it is placed")
    gain = (input_rms / ref_rms) * 10.0 ** (-snr_db / 20.0)
    aligned = torch.zeros_like(input)
    aligned[offset: offset + placed.shape[0]] = (placed.double() * gain).to(input.dtype)
    return input + aligned, aligned


def sounding_level_db(input: torch.Tensor, reference: torch.Tensor, *, sr: int,
                      snr_db: float = 0.0, offset: int = 0, frame_s: float = 0.05,
                      threshold_db: float = 20.0) -> float:
    """How loud the event of a :func:`mix` mixture is over the scene while the event sounds.

    :func:`mix` sets the power of the whole placed event, its quiet stretches included, so an
    event that sounds for 1 s of a 5 s clip is about 10·log10(5) ≈ 7 dB louder than asked while
    it sounds. Here the placed, scaled event is cut into frames of ``frame_s`` seconds (the last
    one may be shorter); a frame *sounds* when its mean power is within ``threshold_db`` of the
    loudest frame's. The result is the event's power over its sounding frames over the input's
    power (over the whole input, as :func:`mix` counts it), in dB: positive when the event is
    louder than the scene. For a steady event it is ``-snr_db``. The 20 dB default keeps a
    decay that is still heard and leaves out a recording's noise floor, which in the bank's
    clips lies typically 40 dB or more below the loudest frame.

    Args:
        input: (samples,) the scene. reference: (ref_samples,) the event.
        sr: sample rate of both, in Hz. snr_db, offset: as for :func:`mix`.
        frame_s: frame length in seconds. threshold_db: how far below the loudest frame a
            frame still sounds, in dB.
    Returns:
        the event-to-scene level over the event's sounding part, in dB.
    Raises:
        SilentAudioError: the input, or the placed part of the reference, is silent.

    Notebook: 01_data_mixing
    """
    return _sounding(input, reference, sr=sr, snr_db=snr_db, offset=offset, frame_s=frame_s,
                     threshold_db=threshold_db)[0]


def _sounding(input: torch.Tensor, reference: torch.Tensor, *, sr: int, snr_db: float,
              offset: int, frame_s: float, threshold_db: float) -> tuple[float, int]:
    """:func:`sounding_level_db` and the number of samples in the event's sounding frames."""
    if sr <= 0 or not 0 < frame_s < math.inf or not 0 < threshold_db < math.inf:
        raise ValueError(f"sr, frame_s and threshold_db must be positive and finite, got {sr}, "
                         f"{frame_s} and {threshold_db}")
    _, aligned = mix(input, reference, snr_db=snr_db, offset=offset)  # checks silence and offset
    event = aligned[offset: offset + min(reference.shape[0], input.shape[0] - offset)].double()
    frame = max(1, round(frame_s * sr))
    k = -(-event.shape[0] // frame)
    energy = torch.nn.functional.pad(event.pow(2), (0, k * frame - event.shape[0]))
    energy = energy.view(k, frame).sum(dim=1)
    counts = torch.full((k,), float(frame), dtype=torch.float64)
    counts[-1] = event.shape[0] - (k - 1) * frame
    power = energy / counts
    on = power >= power.max() * 10.0 ** (-threshold_db / 10.0)
    level = energy[on].sum() / counts[on].sum() / rms(input).pow(2)
    return 10.0 * math.log10(float(level)), int(counts[on].sum())


def sounding_levels(inputs: Sequence[str | os.PathLike[str]],
                    references: Sequence[str | os.PathLike[str]], *, n: int, seed: int,
                    sr: int, snr_db: float = 0.0, frame_s: float = 0.05,
                    threshold_db: float = 20.0) -> pd.DataFrame:
    """:func:`sounding_level_db` of ``n`` random (input, reference) pairs, one row each.

    Each pair is drawn as training draws an ADL example: a uniform input, a uniform reference
    and a uniform :func:`random_offset`.

    Args:
        inputs, references: audio files of the scenes and of the events.
        n: pairs to draw. seed: seeds the draws. sr: the sample rate to load at, in Hz.
        snr_db, frame_s, threshold_db: as for :func:`sounding_level_db`.
    Returns:
        one row per pair: ``input`` and ``reference`` (file names), ``offset_s``,
        ``sounding_s`` (seconds in the event's sounding frames) and ``level_db``.

    Notebook: 01_data_mixing
    """
    if n <= 0 or not inputs or not references:
        raise ValueError(f"need n > 0 and some inputs and references, got n={n}, "
                         f"{len(inputs)} inputs and {len(references)} references")
    g = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(n):
        i = int(torch.randint(0, len(inputs), (1,), generator=g))
        r = int(torch.randint(0, len(references), (1,), generator=g))
        x, e = load_audio(inputs[i], sr=sr), load_audio(references[r], sr=sr)
        offset = random_offset(x.shape[0], e.shape[0], g)
        level, on = _sounding(x, e, sr=sr, snr_db=snr_db, offset=offset, frame_s=frame_s,
                              threshold_db=threshold_db)
        rows.append({"input": Path(inputs[i]).name, "reference": Path(references[r]).name,
                     "offset_s": offset / sr, "sounding_s": on / sr, "level_db": level})
    return pd.DataFrame(rows)


def mixgen(input_a: torch.Tensor, input_b: torch.Tensor, caption_a: str, caption_b: str, *,
           snr_db: float = 0.0, offset: int = 0) -> tuple[torch.Tensor, str]:
    """The AL-MixGen pair: two inputs mixed, and their captions joined with "and".

    ``input_b`` is mixed into ``input_a`` with :func:`mix` (so the result is as long as
    ``input_a``), at ``snr_db`` and ``offset``.

    Args:
        input_a, input_b: (samples_a,) and (samples_b,) clips.
        caption_a, caption_b: one caption of each clip.
    Returns:
        ``(mixture, caption)``: (samples_a,) mixture and ``"<caption_a> and <caption_b>"``.
    """
    mixture, _ = mix(input_a, input_b, snr_db=snr_db, offset=offset)
    return mixture, join_captions(caption_a, caption_b)


def join_captions(caption_a: str, caption_b: str) -> str:
    """Join two captions with "and", dropping the first one's final period and the second one's
    leading capital, so that the result reads as one sentence."""
    a = caption_a.strip().rstrip(".").rstrip()
    b = caption_b.strip()
    if b[:1].isupper() and not b[:2].isupper():  # keep acronyms such as "TV"
        b = b[0].lower() + b[1:]
    return f"{a} and {b}"
