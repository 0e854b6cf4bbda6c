"""Keywords: the content words of the captions, estimated from the audio beside the caption.

A decoder trained on one caption per clip can lower its loss a long way by learning the captions'
language alone, and then writes fluent captions that name sounds the clip lacks. Koizumi et al.
(Interspeech 2020, "A Transformer-based Audio Captioning Model with Keyword Estimation") give
the decoder a second, easier task: say which of the captions' frequent
content words describe the clip, from the audio alone, and read that estimate as one more input
token. The words come from the captions themselves, so no label beyond the captions is needed
(Clotho has five captions per clip and nothing else).

* :func:`keyword_vocabulary`: the ``size`` words that the most training clips' captions use,
  stop words left out;
* :func:`keyword_targets`: (N, K) multi-hot, a word is on for a clip when one of its captions
  uses it;
* :class:`KeywordHead`: logits over the K words from the mean and max over time of what the
  decoder reads, and the token the decoder reads them as.

With ADL the target is the *input* clip's words, estimated from ``Z_mix - Z_ref``: the
difference must keep what the clip holds and lose the event that was added.

Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from adl.errors import DataError
from adl.io import write_text

__all__ = ["KEYWORDS_FILE", "KEYWORD_POOLING", "KeywordHead", "STOP_WORDS", "caption_words",
           "keyword_targets", "keyword_vocabulary", "load_keywords", "masked_max", "mean_max",
           "save_keywords"]

#: The run file that lists a run's keywords, one per line, in the head's order.
KEYWORDS_FILE = "keywords.txt"

#: Function words and caption boilerplate: never keywords.
STOP_WORDS = frozenset("""
a about above across after again against all along also an and another any are around as at
away back be been before behind being below between both but by can close come comes coming
could did do does doing down during each else even ever every far few for from further get
gets getting go goes going had has have having he her here hers him his how i if in into is it
its itself just later like little lot lots made make makes many may maybe me more most much
must my near nearby next no nor not now of off often on once one only onto or other others our
out over own quite rather really same several she should side so some somebody someone
something somewhere still such than that the their them then there these they this those
three through time times to too two under until up upon very was we well were what when where
which while who whom why will with within without would yet you your
audio background can clip clips distance distant far foreground heard hears hearing listen
listening loud loudly noise noises quiet quietly recording recorded sound sounds sounding
""".split())

_WORD = re.compile(r"[a-z]+")


def caption_words(caption: str) -> set[str]:
    """The candidate keywords of a caption: its lower-case words, stop words left out."""
    return {w for w in _WORD.findall(caption.lower()) if len(w) > 2 and w not in STOP_WORDS}


def keyword_vocabulary(captions: Sequence[Sequence[str]], size: int) -> list[str]:
    """The ``size`` words used by the captions of the most clips (ties: alphabetical).

    Args:
        captions: per training clip, its captions.
        size: how many keywords; fewer come back when the captions have fewer candidates.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    clips: Counter[str] = Counter()
    for caps in captions:
        clips.update(set().union(*(caption_words(c) for c in caps)) if caps else set())
    ranked = sorted(clips.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in ranked[:size]]


def keyword_targets(captions: Sequence[Sequence[str]], vocabulary: Sequence[str],
                    ) -> torch.Tensor:
    """(N, K) float multi-hot: word k is on for clip n when one of its captions uses it."""
    index = {w: k for k, w in enumerate(vocabulary)}
    out = torch.zeros(len(captions), len(vocabulary))
    for n, caps in enumerate(captions):
        for c in caps:
            for w in caption_words(c):
                if w in index:
                    out[n, index[w]] = 1.0
    return out


def save_keywords(vocabulary: Sequence[str], path: str | os.PathLike[str]) -> None:
    """Write a run's keywords, one per line (atomically)."""
    write_text(path, "".join(f"{w}\n" for w in vocabulary))


def load_keywords(path: str | os.PathLike[str]) -> list[str]:
    """Read a run's keywords (:func:`save_keywords`)."""
    path = Path(path)
    try:
        words = path.read_text(encoding="utf-8").split()
    except OSError as e:
        raise DataError(f"{path}: cannot read the run's keywords ({e.strerror})") from None
    if not words:
        raise DataError(f"{path}: the run's keyword list is empty")
    return words


#: How :class:`KeywordHead` turns frames into one estimate per clip.
KEYWORD_POOLING = ("mean_max", "frame_max")


def masked_max(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The max over the valid frames: ``z`` (B, T, D), ``mask`` (B, T) bool -> (B, D); a row
    without a valid frame gets zeros."""
    top = z.masked_fill(~mask[..., None], torch.finfo(z.dtype).min).amax(1)
    return torch.where(mask.any(1, keepdim=True), top, torch.zeros_like(top))


def mean_max(z: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and the max over the valid frames: ``z`` (B, T, D), ``mask`` (B, T) bool ->
    two (B, D); a row without a valid frame gets zeros."""
    m = mask[..., None].to(z.dtype)
    return (z * m).sum(1) / m.sum(1).clamp_min(1.0), masked_max(z, mask)


class KeywordHead(nn.Module):
    """Keyword logits from what the decoder reads, and the token that carries them.

    ``pooling="mean_max"``: ``logits = W [mean_t z_t ; max_t z_t] + b`` over the valid frames.
    ``"frame_max"``: ``logits = max_t (W z_t + b)``, a logit per frame and the largest kept (the
    multiple-instance reading of weak labels, as PANNs' decision-level max pooling): a short
    event then counts as much as a long one. The token is ``E sigmoid(logits)``: a learned
    embedding of every keyword, weighted by its estimated probability, prepended to the frames
    so that the decoder can read the estimate in one attention step.

    Args:
        d_model: the width of what the decoder reads (D). n_keywords: K.
        pooling: one of :data:`KEYWORD_POOLING`.
    """

    def __init__(self, d_model: int, n_keywords: int, pooling: str = "mean_max") -> None:
        super().__init__()
        if pooling not in KEYWORD_POOLING:
            raise ValueError(f"pooling must be one of {', '.join(KEYWORD_POOLING)}, got "
                             f"{pooling!r}")
        self.pooling = pooling
        self.classify = nn.Linear((2 if pooling == "mean_max" else 1) * d_model, n_keywords)
        self.embed = nn.Linear(n_keywords, d_model, bias=False)

    def forward(self, z: torch.Tensor, mask: torch.Tensor,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``z`` (B, T, D), ``mask`` (B, T) bool -> ``(z' (B, T + 1, D), mask' (B, T + 1),
        logits (B, K))`` with the keyword token first."""
        if self.pooling == "frame_max":
            logits = masked_max(self.classify(z), mask)  # the largest (B, T, K) frame logit
        else:
            logits = self.classify(torch.cat(mean_max(z, mask), dim=-1))
        token = self.embed(torch.sigmoid(logits))
        z = torch.cat([token[:, None].to(z.dtype), z], dim=1)
        mask = torch.cat([mask.new_ones(mask.shape[0], 1), mask], dim=1)
        return z, mask, logits
