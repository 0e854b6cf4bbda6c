"""The captioner: one shared encoder for input and reference, a difference, a BART decoder.

``Z = Adapter(Encoder(LogMel(x)))``; with a reference, the decoder reads
``Z_diff = diff(Z_input, Z_ref)`` (``Z_input - Z_ref`` by default); with no reference,
``Z_ref = 0`` and it is an ordinary captioner (as the paper evaluates it).

Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from adl.audio import LogMel
from adl.config import Config
from adl.models.decoder import AudioBartDecoder, build_decoder
from adl.models.encoder import Adapter, build_encoder

DiffFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def subtract(z_input: torch.Tensor, z_ref: torch.Tensor) -> torch.Tensor:
    """The paper's difference: ``Z_input - Z_ref`` (both (B, T, D))."""
    return z_input - z_ref


class Captioner(nn.Module):
    """Audio captioner with an optional reference whose features are subtracted.

    Args:
        frontend: waveform (B, S) -> log-mel (B, T, M).
        encoder: log-mel (B, T, M), frame lengths (B,) -> features (B, T', C), lengths (B,).
        adapter: (B, T', C) -> (B, T', D).
        decoder: an :class:`adl.models.decoder.AudioBartDecoder`.
        diff_at: "adapter" (default: the difference of adapted features, in R^{T'xD}) or
            "encoder" (the difference of encoder features, before the adapter).
        diff_fn: how Z_input and Z_ref combine; subtraction by default.
    """

    #: Clips per front-end + encoder call on a CPU (see :meth:`encode`).
    cpu_chunk: int = 1

    def __init__(self, frontend: LogMel, encoder: nn.Module, adapter: nn.Module,
                 decoder: nn.Module, *, diff_at: str = "adapter",
                 diff_fn: DiffFn = subtract) -> None:
        super().__init__()
        if diff_at not in ("adapter", "encoder"):
            raise ValueError(f"diff_at must be 'adapter' or 'encoder', got {diff_at!r}")
        self.frontend = frontend
        self.encoder = encoder
        self.adapter = adapter
        self.decoder = decoder
        self.diff_at = diff_at
        self.diff_fn = diff_fn

    # -- features ---------------------------------------------------------------------------

    @property
    def min_samples(self) -> int:
        """The shortest waveform the encoder can take: one output frame's worth."""
        return (self.encoder.stride - 1) * self.frontend.hop_length

    def encode(self, wave: torch.Tensor, lengths: torch.Tensor,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder features of waveforms or log-mels (before the adapter).

        Args:
            wave: (B, S) zero-padded waveforms with lengths (B,) in samples, or (B, T, M)
                log-mels with lengths (B,) in frames.
        Returns:
            ``(features (B, T', C), out_lengths (B,))``.
        """
        if wave.dim() == 3:
            return self.encoder(wave, lengths)
        B = wave.shape[0]
        # On a CPU, clip by clip, each cropped to its own length: the STFT of a batch of 32
        # clips (130 MB complex) overflows the caches, and clip by clip the front end and the
        # CNN run 3.3x faster (32 clips of 5-10 s: 0.10 s one at a time, 0.13 s eight at a
        # time, 0.32 s all at once). The features are the same: the encoder zeroes padded
        # frames, so a clip's features do not depend on its batch. While the encoder trains,
        # only the front end goes clip by clip: its BatchNorm needs the batch.
        if wave.device.type != "cpu" or B <= self.cpu_chunk:
            return self.encoder(self.frontend(wave), self.frontend.n_frames(lengths))
        if self.encoder.training:
            # The front end has no batch statistics: compute it clip by clip all the same, and
            # give the encoder the padded batch its BatchNorm expects. Padded frames hold
            # log(eps), the log-mel of digital silence; the encoder masks them.
            frames = self.frontend.n_frames(lengths)
            logmel = wave.new_full((B, int(frames.max()), self.frontend.n_mels),
                                   math.log(self.frontend.eps))
            for i in range(B):
                n = int(lengths[i])
                logmel[i, : int(frames[i])] = self.frontend(wave[i, :n])
            return self.encoder(logmel, frames)
        chunk = self.cpu_chunk
        parts = []
        for s in range(0, B, chunk):
            n = lengths[s: s + chunk]
            w = wave[s: s + chunk, : int(n.max())]
            parts.append(self.encoder(self.frontend(w), self.frontend.n_frames(n)))
        T = max(f.shape[1] for f, _ in parts)
        feats = torch.cat([torch.nn.functional.pad(f, (0, 0, 0, T - f.shape[1]))
                           for f, _ in parts])
        return feats, torch.cat([n for _, n in parts])

    def features(self, wave: torch.Tensor, lengths: torch.Tensor,
                 reference: torch.Tensor | None = None,
                 has_reference: torch.Tensor | None = None,
                 input_features: tuple[torch.Tensor, torch.Tensor] | None = None,
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """What the decoder reads: ``diff(Z_input, Z_ref)``, or ``Z_input`` with no reference.

        Args:
            wave: (B, S) inputs (mixtures, for ADL examples); lengths: (B,) samples. Log-mels
                (B, T, M) with lengths in frames work too.
            reference: (B, S) aligned references (or (B, T, M) log-mels), or None.
            has_reference: (B,) bool; rows without a reference get ``Z_ref = 0``. Only the rows
                that have one are encoded, so plain examples cost one encoder pass.
            input_features: the encoder's output for the inputs, ``(features (B, T', C),
                out_lengths (B,))``, when it is already known (a frozen encoder's cache, see
                :mod:`adl.feature_cache`); ``wave`` is then not encoded.
        Returns:
            ``(z (B, T', D), mask (B, T') bool)``.
        """
        if input_features is None:
            feats, out_len = self.encode(wave, lengths)
        else:
            feats, out_len = input_features
        ref_feats = None
        if reference is not None:
            if has_reference is None:
                has_reference = torch.ones(wave.shape[0], dtype=torch.bool, device=wave.device)
            has_reference = has_reference.to(wave.device)
            if bool(has_reference.any()):
                rows = has_reference.nonzero(as_tuple=True)[0]
                # The aligned reference is as long as its input, so the frames line up.
                rf, _ = self.encode(reference[rows], lengths[rows])
                ref_feats = (rows, rf)
        if self.diff_at == "encoder":
            feats = self._subtract_rows(feats, ref_feats)
            z = self.adapter(feats)
        else:
            z = self.adapter(feats)
            if ref_feats is not None:
                rows, rf = ref_feats
                z = self._subtract_rows(z, (rows, self.adapter(rf)))
        mask = torch.arange(z.shape[1], device=z.device)[None, :] < out_len.to(z.device)[:, None]
        return z, mask

    def _subtract_rows(self, z: torch.Tensor, ref: tuple[torch.Tensor, torch.Tensor] | None,
                       ) -> torch.Tensor:
        if ref is None:
            return z
        rows, z_ref = ref
        full = torch.zeros_like(z)  # Z_ref = 0 where there is no reference
        # A reference spans its own input's frames; with cached input features the batch may
        # be wider (a longer plain row), and the frames past a row's length are masked anyway.
        t = min(z.shape[1], z_ref.shape[1])
        full[rows, :t] = z_ref[:, :t].to(z.dtype)
        return self.diff_fn(z, full)

    # -- training -----------------------------------------------------------------------------

    def forward(self, wave: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor,
                labels_mask: torch.Tensor, reference: torch.Tensor | None = None,
                has_reference: torch.Tensor | None = None,
                input_features: tuple[torch.Tensor, torch.Tensor] | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced cross-entropy (``input_features`` as in :meth:`features`).

        Returns:
            ``(logits (B, L, V), loss)``.
        """
        z, mask = self.features(wave, lengths, reference, has_reference, input_features)
        return self.decoder(z, mask, labels, labels_mask)

    # -- inference ----------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, wave: torch.Tensor, lengths: torch.Tensor,
                 reference: torch.Tensor | None = None,
                 has_reference: torch.Tensor | None = None, **generation) -> torch.Tensor:
        """Batched beam search (DCASE defaults unless overridden): token ids (B, L)."""
        z, mask = self.features(wave, lengths, reference, has_reference)
        return self.decoder.generate(z, mask, **generation)

    def freeze_encoder(self) -> None:
        """Freeze the encoder (weights and BatchNorm statistics), as the DCASE baseline does."""
        self.encoder.freeze()

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]


def build_captioner(cfg: Config, vocab_size: int) -> Captioner:
    """The captioner a config describes, with random weights (load weights afterwards).

    Notebook: 02_encoder_decoder
    """
    enc_kwargs: dict[str, Any] = {"time_pool": cfg.encoder.time_pool, "n_classes": None}
    if cfg.encoder.name == "small_cnn":
        enc_kwargs["channels"] = cfg.encoder.channels
    encoder = build_encoder(cfg.encoder.name, **enc_kwargs)
    adapter = Adapter(encoder.out_dim, cfg.decoder.d_model, kind=cfg.encoder.adapter)
    bart = build_decoder(vocab_size=vocab_size, d_model=cfg.decoder.d_model,
                         decoder_layers=cfg.decoder.layers,
                         decoder_attention_heads=cfg.decoder.heads,
                         decoder_ffn_dim=cfg.decoder.ffn_dim, dropout=cfg.decoder.dropout,
                         pretrained=cfg.decoder.pretrained)
    decoder = AudioBartDecoder(bart, label_smoothing=cfg.training.label_smoothing)
    return Captioner(LogMel(sr=cfg.data.sr), encoder, adapter, decoder,
                     diff_at=cfg.encoder.diff_at)
