"""The text decoder: a BART decoder that cross-attends to a sequence of audio embeddings.

Wiring, as in the DCASE2023 task 6a baseline (felixgontier/dcase-2023-baseline, ``models.py``
and ``exp_settings/dcb.yaml``): a ``BartForConditionalGeneration`` built with
``encoder_layers: 0``. The audio embeddings enter its encoder as ``inputs_embeds``; with no
layers, that encoder only adds BART's learned positional embeddings, applies
``layernorm_embedding`` and dropout, frame by frame. The decoder then cross-attends to the result,
with the audio mask hiding padded frames.

Why keep that zero-layer encoder instead of feeding the embeddings straight to the decoder:
cross-attention is blind to order, so the positional embeddings are the decoder's only clue to
*when* a sound happens; the layer norm puts adapter outputs of any scale on the footing the
decoder expects. For ADL it matters that this happens *after* the difference: the captioner
passes ``Z_diff = Z_input - Z_ref`` as ``audio_embeds``, and positions added before subtracting
would cancel. Nothing here is ADL-specific.

Example::

    from adl.models.decoder import AudioBartDecoder, build_decoder
    bart = build_decoder(vocab_size=5000, d_model=256, decoder_layers=3,
                         decoder_attention_heads=4, decoder_ffn_dim=1024)
    decoder = AudioBartDecoder(bart)
    logits, loss = decoder(audio_embeds, audio_mask, labels_ids, labels_mask)
    token_ids = decoder.generate(audio_embeds, audio_mask)   # beam 4, as in DCASE

Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig
from transformers.modeling_outputs import BaseModelOutput
from transformers.models.bart.modeling_bart import shift_tokens_right

from adl.errors import ADLError


class DecoderError(ADLError):
    """A decoder cannot be built: a missing pretrained folder or sizes that do not fit it."""


def build_decoder(*, vocab_size: int, d_model: int, decoder_layers: int,
                  decoder_attention_heads: int, decoder_ffn_dim: int, encoder_layers: int = 0,
                  max_position_embeddings: int = 1024, dropout: float = 0.1,
                  pad_token_id: int = 1, bos_token_id: int = 0, eos_token_id: int = 2,
                  decoder_start_token_id: int = 2,
                  pretrained: str | os.PathLike | None = None) -> BartForConditionalGeneration:
    """Build a BART for captioning: random init from a ``BartConfig``, or a local pretrained one.

    The defaults follow the DCASE2023 baseline: no encoder layers (see the module docstring),
    gelu, dropout 0.1 everywhere, BART's token ids (bos 0, pad 1, eos 2), and BART's
    ``decoder_start_token_id`` 2 (``</s>``), so teacher forcing feeds ``</s> <s> w1 ...`` and
    generation starts from ``</s>``. The DCASE size is d_model 768, 6 decoder layers, 12 heads,
    ffn 3072.

    Args:
        vocab_size: the tokenizer's vocabulary size (``len(tok)``).
        max_position_embeddings: the longest audio or caption sequence.
        pretrained: a LOCAL folder holding a saved ``BartForConditionalGeneration`` (e.g. a
            downloaded ``facebook/bart-base``). Its architecture is kept, encoder layers included,
            as the baseline does; ``vocab_size`` and ``d_model`` must match it, the other sizes
            are ignored.

    Returns:
        The model, in training mode.

    Raises:
        DecoderError: the pretrained folder is missing or unreadable, or does not fit (one line).

    Notebook: 02_encoder_decoder
    """
    if pretrained is None:
        config = BartConfig(
            vocab_size=vocab_size,
            d_model=d_model,
            encoder_layers=encoder_layers,
            encoder_attention_heads=decoder_attention_heads,
            encoder_ffn_dim=decoder_ffn_dim,
            decoder_layers=decoder_layers,
            decoder_attention_heads=decoder_attention_heads,
            decoder_ffn_dim=decoder_ffn_dim,
            max_position_embeddings=max_position_embeddings,
            activation_function="gelu",
            dropout=dropout,
            attention_dropout=dropout,
            activation_dropout=dropout,
            classifier_dropout=0.0,
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            decoder_start_token_id=decoder_start_token_id,
            forced_eos_token_id=eos_token_id,
        )
        return BartForConditionalGeneration(config)

    folder = Path(pretrained)
    if not folder.is_dir():
        raise DecoderError(f"pretrained decoder folder not found: {folder}")
    try:
        model = BartForConditionalGeneration.from_pretrained(str(folder), local_files_only=True)
    except Exception as exc:  # transformers raises OSError, ValueError, safetensors errors, ...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DecoderError(f"cannot load a BART model from {folder}: {reason}") from exc
    cfg = model.config
    if cfg.vocab_size != vocab_size or cfg.d_model != d_model:
        raise DecoderError(
            f"pretrained decoder in {folder} has vocab_size {cfg.vocab_size} and d_model "
            f"{cfg.d_model}, expected {vocab_size} and {d_model}")
    return model


class AudioBartDecoder(nn.Module):
    """Teacher-forced training and batched beam search of a BART decoder over audio embeddings.

    Args:
        bart: a model from :func:`build_decoder`.
        label_smoothing: label smoothing of the cross-entropy (default 0: plain cross-entropy,
            the paper's only loss).
    """

    def __init__(self, bart: BartForConditionalGeneration, *, label_smoothing: float = 0.0):
        super().__init__()
        self.bart = bart
        self.label_smoothing = label_smoothing

    @property
    def config(self) -> BartConfig:
        return self.bart.config

    def encode(self, audio_embeds: torch.Tensor, audio_mask: torch.Tensor) -> torch.Tensor:
        """Pass audio embeddings through BART's encoder (positions, layer norm, any layers).

        Args:
            audio_embeds: (B, T, D) with D = d_model.
            audio_mask: (B, T), true/1 on real frames, false/0 on padding.

        Returns:
            (B, T, D) memory for the decoder's cross-attention.
        """
        _check_audio(audio_embeds, audio_mask, self.config.d_model)
        out = self.bart.get_encoder()(inputs_embeds=audio_embeds,
                                      attention_mask=audio_mask.long(), return_dict=True)
        return out.last_hidden_state

    def forward(self, audio_embeds: torch.Tensor, audio_mask: torch.Tensor,
                labels_ids: torch.Tensor, labels_mask: torch.Tensor,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: predict each caption token from the audio and the tokens before it.

        The decoder input is the labels shifted right behind ``decoder_start_token_id``, as
        BART does (``</s> <s> w1 ... wn`` to predict ``<s> w1 ... wn </s>``).

        Args:
            audio_embeds: (B, T, D) audio embeddings (``Z``, or ``Z_diff`` under ADL).
            audio_mask: (B, T) bool/long, true on real frames.
            labels_ids: (B, L) target ids ``<s> ... </s> <pad> ...`` from ``encode_captions``.
            labels_mask: (B, L), 1 on tokens, 0 on padding.

        Returns:
            ``logits`` (B, L, V) and the scalar ``loss``: cross-entropy averaged over the
            unpadded label positions, with ``label_smoothing``.
        """
        memory = self.encode(audio_embeds, audio_mask)
        keep = labels_mask.bool()
        targets = labels_ids.masked_fill(~keep, -100)
        decoder_input_ids = shift_tokens_right(targets, self.config.pad_token_id,
                                               self.config.decoder_start_token_id)
        # The decoder's own mask: the start token is always seen; the rest follow the labels.
        decoder_mask = torch.cat([torch.ones_like(labels_mask[:, :1]), labels_mask[:, :-1]], 1)
        out = self.bart(
            encoder_outputs=BaseModelOutput(last_hidden_state=memory),
            attention_mask=audio_mask.long(),
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=decoder_mask.long(),
            use_cache=False,
            return_dict=True,
        )
        logits = out.logits
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                               ignore_index=-100, label_smoothing=self.label_smoothing)
        return logits, loss

    @torch.no_grad()
    def generate(self, audio_embeds: torch.Tensor, audio_mask: torch.Tensor, *,
                 num_beams: int = 4, no_repeat_ngram_size: int = 3, min_length: int = 5,
                 max_length: int = 100, **kw: Any) -> torch.Tensor:
        """Batched beam search with Hugging Face ``generate`` (DCASE decoding defaults).

        Dropout is switched off for the search and the module's mode restored afterwards.
        ``min_length`` and ``max_length`` count tokens of the returned rows, the start token
        included (Hugging Face's convention): ``</s>`` cannot come before index ``min_length``.

        Args:
            audio_embeds: (B, T, D); audio_mask: (B, T), true on real frames.
            kw: more ``GenerationConfig`` fields (``length_penalty``, ``do_sample``, ...).

        Returns:
            (B, L) long ids ``</s> <s> w1 ... </s> <pad> ...``, L <= ``max_length``; turn them
            into text with ``adl.tokenizer.decode_captions``.
        """
        was_training = self.training
        self.eval()
        try:
            memory = self.encode(audio_embeds, audio_mask)
            cfg = self.config
            gen = GenerationConfig(
                num_beams=num_beams,
                no_repeat_ngram_size=no_repeat_ngram_size,
                min_length=min_length,
                max_length=max_length,
                length_penalty=1.0,
                pad_token_id=cfg.pad_token_id,
                bos_token_id=cfg.bos_token_id,
                eos_token_id=cfg.eos_token_id,
                decoder_start_token_id=cfg.decoder_start_token_id,
                forced_eos_token_id=cfg.eos_token_id,
            )
            if gen.num_beams > 1:
                # The baseline's early_stopping: stop once num_beams captions are finished
                # (greedy search warns about the flag, so only beam search gets it).
                gen.early_stopping = True
            gen.update(**kw)
            return self.bart.generate(
                encoder_outputs=BaseModelOutput(last_hidden_state=memory),
                attention_mask=audio_mask.long(),
                generation_config=gen,
            )
        finally:
            self.train(was_training)


def _check_audio(audio_embeds: torch.Tensor, audio_mask: torch.Tensor, d_model: int) -> None:
    """Catch shape mistakes early with a message that names the tensors."""
    if audio_embeds.dim() != 3 or audio_embeds.size(-1) != d_model:
        raise ValueError(
            f"audio_embeds: expected (B, T, {d_model}), got {tuple(audio_embeds.shape)}")
    if audio_mask.shape != audio_embeds.shape[:2]:
        raise ValueError(f"audio_mask: expected {tuple(audio_embeds.shape[:2])}, "
                         f"got {tuple(audio_mask.shape)}")
    if not bool(audio_mask.bool().any(dim=1).all()):
        # A row with no real frame would make cross-attention a softmax over nothing (NaN).
        raise ValueError("audio_mask: every row needs at least one real frame")
