"""Using a trained run: load it, choose its weights and device, caption clips or differences.

A run directory (written by :func:`adl.train.train`) holds the resolved config, the tokenizer,
the best weights (``model.safetensors``, lowest validation loss) and the last checkpoint
(``last/``). :func:`load_run` rebuilds the captioner from them; :func:`caption_waves` decodes
with beam search as the DCASE2023 baseline does, optionally minus a reference
(``Z(input) - Z(reference)``, the paper's difference); :func:`caption_files` does the same for
audio files (``adl caption RUN FILE [--minus REFERENCE]``).

Notebook: 05_latent_space_analysis
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from adl.audio import load_audio
from adl.config import Config, dataset_root, load_config
from adl.data.training import pad_batch
from adl.errors import AudioError, ConfigError
from adl.feature_cache import attach_store, feature_store_dir
from adl.keywords import KEYWORDS_FILE, load_keywords
from adl.models.captioner import Captioner, build_captioner
from adl.runs import RunError, checkpoint_folder, load_weights, read_run_info
from adl.tokenizer import decode_captions, load_tokenizer

__all__ = ["WEIGHTS", "caption_files", "caption_waves", "load_run", "resolve_device",
           "weights_path"]

#: Which weights of a run to use: the lowest validation loss, or the last checkpoint.
WEIGHTS = ("best", "last")


def resolve_device(device: str | None = "auto", *, fallback_to_cpu: bool = False) -> str:
    """The torch device a config or a caller asks for.

    Args:
        device: ``auto`` (or None): ``cuda`` when a GPU is visible, else ``cpu``; ``cpu``;
            ``cuda`` or ``cuda:N``.
        fallback_to_cpu: where a CUDA device is asked for and none is visible, give ``cpu``
            instead of an error (a run trained on a GPU, evaluated on a laptop).
    Raises:
        ConfigError: a CUDA device asked for where none is visible (without the fallback).
    """
    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        if fallback_to_cpu:
            return "cpu"
        raise ConfigError(f"training.device: {device} asked for, but no CUDA device is "
                          "available")
    return device


def weights_path(run: str | os.PathLike[str], which: str = "best") -> Path:
    """The weights file of a run: ``best`` (lowest validation loss) or ``last``."""
    run = Path(run)
    if which == "best":
        return run / "model.safetensors"
    if which == "last":
        folder = checkpoint_folder(run / "last")
        if folder is None:
            raise RunError(f"{run}/last: no complete checkpoint")
        return folder / "model.safetensors"
    raise ValueError(f"which must be one of {', '.join(WEIGHTS)}, got {which!r}")


def load_run(run: str | os.PathLike[str], *, which: str = "best",
             device: str | torch.device = "cpu",
             root: str | os.PathLike[str] | None = None) -> tuple[Captioner, Any, Config]:
    """Load a trained run for inference: ``(captioner in eval mode, tokenizer, config)``.

    A run trained with ``training.store_features`` reads and writes its corpus's feature store
    (:class:`adl.feature_cache.FeatureStore`), when the corpus folder exists.

    Args:
        which: "best" (lowest validation loss) or "last".
        device: where the model goes.
        root: the data root (None: the run config's, then ``$ADL_DATA_ROOT``).
    """
    run = Path(run)
    read_run_info(run)  # refuses a run of a newer format
    cfg = load_config(run / "config.yaml")
    tok = load_tokenizer(run / "tokenizer")
    n_keywords = (len(load_keywords(run / KEYWORDS_FILE)) if cfg.decoder.keywords else None)
    model = build_captioner(cfg, vocab_size=len(tok), n_keywords=n_keywords)
    load_weights(model, weights_path(run, which))
    model.eval().to(device)
    if cfg.training.store_features and cfg.encoder.freeze:
        model.freeze_encoder()
        base = dataset_root(cfg, root)
        if base.is_dir():
            kind = torch.device(device).type
            attach_store(model, feature_store_dir(base),
                         context=f"{kind}:{'bf16' if kind == 'cuda' else 'fp32'}")
    return model, tok, cfg


def caption_waves(model: Captioner, tok: Any, waves: list[torch.Tensor],
                  references: list[torch.Tensor | None] | None = None, *,
                  batch_size: int = 32, no_reference: str | None = None,
                  **generation: Any) -> list[str]:
    """Caption clips, or clip-minus-reference differences, in batches (beam search).

    Args:
        waves: (samples,) clips. references: per clip, None or a (samples,) reference that is
            encoded and subtracted; a shorter reference is zero-padded, a longer one cropped.
        no_reference: what clips without a reference subtract, ``"silence"`` or ``"zero"``
            (None: the model's own ``no_reference``, as it was trained).
        generation: overrides of the DCASE decoding settings (num_beams, ...).
    """
    device = next(model.parameters()).device
    out: list[str] = []
    for s in range(0, len(waves), batch_size):
        chunk = waves[s: s + batch_size]
        wave, lengths = pad_batch(chunk)
        ref = has = None
        if references is not None:
            refs = references[s: s + batch_size]
            aligned = [None if r is None else _fit(r, c.shape[0]) for r, c in zip(refs, chunk)]
            ref, _ = pad_batch(aligned, length=wave.shape[1])
            has = torch.tensor([r is not None for r in refs])
            ref = ref.to(device)
        ids = model.generate(wave.to(device), lengths.to(device), ref, has,
                             no_reference=no_reference, **generation)
        out += decode_captions(tok, ids)
    return out


def _fit(x: torch.Tensor, n: int) -> torch.Tensor:
    """Crop or zero-pad a reference to its input's ``n`` samples."""
    if x.shape[0] >= n:
        return x[:n]
    return torch.cat([x, x.new_zeros(n - x.shape[0])])


def caption_files(run: str | os.PathLike[str], files: list[str | os.PathLike[str]],
                  minus: str | os.PathLike[str] | None = None) -> list[str]:
    """Caption audio files with a trained run; with ``minus``, caption each file minus it."""
    model, tok, cfg = load_run(run)
    waves = [load_audio(f, sr=cfg.data.sr) for f in files]
    for f, w in zip(files, waves):
        if w.shape[0] < model.min_samples:
            raise AudioError(f"{f}: the clip lasts {w.shape[0] / cfg.data.sr:.2f} s, shorter "
                             f"than the encoder needs ({model.min_samples / cfg.data.sr:.2f} s)")
    refs = None
    if minus is not None:
        r = load_audio(minus, sr=cfg.data.sr)
        refs = [r for _ in waves]
    gen = cfg.generation
    return caption_waves(model, tok, waves, refs, batch_size=gen.batch_size,
                         num_beams=gen.num_beams, no_repeat_ngram_size=gen.no_repeat_ngram_size,
                         min_length=gen.min_length, max_length=gen.max_length)
