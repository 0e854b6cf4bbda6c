"""Equal-power mixing: the ADL training pair and the AL-MixGen pair.

ADL (Komatsu et al., ICASSP 2024) mixes a reference event into an input clip, ``X_mix = X_input + X_ref``, and
decodes ``Z(X_mix) - Z(X_ref)`` against the input's *original* caption. AL-MixGen, the augmentation
the paper compares against, mixes two input clips and joins their captions with "and".

Notebook: 01_data_mixing
"""

from __future__ import annotations

import math

import torch

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
    The padding is not counted in the reference's RMS: a 5 s event in a 10 s clip is as loud as
    the clip while it sounds.

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
