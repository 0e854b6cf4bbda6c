"""Features of a frozen encoder, computed once per clip instead of once per step.

With the encoder frozen (the DCASE2023 baseline and the paper freeze it), an unmixed clip gives
the same encoder output at every epoch, yet the training step would recompute its log-mel and its
encoder pass each time: on the default preset they are three quarters of a baseline step (see
``benchmarks/README.md``). :class:`FeatureCache` encodes every clip once, in eval mode, and the
step reads the cache for its plain rows. Mixtures (ADL and AL-MixGen rows) are new every epoch,
so they and their references are still encoded on the fly.

The cached features equal what the step would compute: the encoder zeroes every padded frame
(:mod:`adl.models.encoder`), so a clip encoded in a length-sorted batch gives the features it gives
alone or in a training batch, up to float rounding. The batches are fixed by the clips' lengths,
so the cache is the same on every start and a resumed run stays bit-for-bit on its course.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Any
from pathlib import Path

import numpy as np
import torch

from adl.data.training import pad_batch
from adl.io import atomic_path
from adl.mixing import mix

__all__ = ["FeatureCache", "FeatureStore", "MixturePool", "attach_store", "encoder_digest", "feature_store_dir", "input_features"]


class FeatureCache:
    """Encoder features ``(T'_i, C)`` of a list of clips, indexed like the clips.

    Args:
        features: per clip, a ``(T'_i, C)`` tensor (on the training device).
    """

    def __init__(self, features: Sequence[torch.Tensor]) -> None:
        self.features = list(features)

    def __len__(self) -> int:
        return len(self.features)

    @property
    def nbytes(self) -> int:
        """Memory the cached tensors take, in bytes."""
        return sum(f.numel() * f.element_size() for f in self.features)

    @classmethod
    @torch.no_grad()
    def build(cls, model: torch.nn.Module, clips: Sequence[torch.Tensor], *,
              batch_size: int = 32, device: torch.device | str = "cpu",
              autocast: bool = False) -> FeatureCache:
        """Encode ``clips`` ((samples,) each) with ``model.encode`` (a frozen encoder).

        Clips are batched by length (less padding); the order is fixed by the lengths, so two
        builds give the same tensors. ``autocast`` runs the encoder under bf16 autocast on a GPU,
        as the training step does.
        """
        encoder = model.encoder
        if any(p.requires_grad for p in encoder.parameters()) or encoder.training:
            raise ValueError("FeatureCache needs a frozen encoder in eval mode "
                             "(its features would change as it trains)")
        device = torch.device(device)
        order = sorted(range(len(clips)), key=lambda i: (clips[i].shape[0], i))
        out: list[torch.Tensor | None] = [None] * len(clips)
        for s in range(0, len(order), batch_size):
            rows = order[s: s + batch_size]
            wave, lengths = pad_batch([clips[i] for i in rows])
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                feats, out_len = model.encode(wave.to(device), lengths.to(device))
            for b, i in enumerate(rows):
                out[i] = feats[b, : int(out_len[b])].float().clone()
        return cls(out)  # type: ignore[arg-type]

    def gather(self, indices: Sequence[int], device: torch.device | str | None = None,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero-padded features of ``indices``: ``((B, T'max, C), lengths (B,))``."""
        feats = [self.features[i] for i in indices]
        lengths = torch.tensor([f.shape[0] for f in feats], dtype=torch.long)
        width = int(lengths.max())
        batch = feats[0].new_zeros(len(feats), width, feats[0].shape[1])
        for b, f in enumerate(feats):
            batch[b, : f.shape[0]] = f
        if device is not None:
            batch, lengths = batch.to(device), lengths.to(device)
        return batch, lengths


def encoder_digest(model: torch.nn.Module) -> str:
    """SHA-256 of what a frozen encoder's features depend on: the front end's settings
    (:meth:`adl.audio.LogMel.settings`: rates, mel scale, compression, input gain) and buffers
    (window, mel filters) and the encoder's weights and statistics.

    Two captioners with the same digest give the same cached features, so the runs of one
    notebook that share a frozen encoder build the cache once (``TrainingData.feature_caches``).
    """
    h = hashlib.sha256()
    fe = model.frontend
    h.update(repr(sorted(fe.settings().items())).encode())  # rates, scale, compression, gain
    tensors = [(f"frontend.{k}", v) for k, v in fe.named_buffers()]
    tensors += [(f"encoder.{k}", v) for k, v in model.encoder.state_dict().items()]
    for name, t in tensors:
        t = t.detach().cpu().contiguous().reshape(-1)  # 0-d tensors (num_batches_tracked)
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


class MixturePool:
    """A run's mixture pool (:func:`adl.data.training.draw_pool`), encoded once.

    Args:
        examples: the pool's mixtures (kind, input, partner, offset).
        mixtures: features of each mixture, indexed like ``examples``.
        references: for ADL, features of each mixture's aligned reference; None for AL-MixGen.
    """

    def __init__(self, examples: Sequence[Any], mixtures: FeatureCache,
                 references: FeatureCache | None) -> None:
        self.examples = list(examples)
        self.mixtures = mixtures
        self.references = references

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def nbytes(self) -> int:
        """Memory the cached tensors take, in bytes."""
        return self.mixtures.nbytes + (self.references.nbytes if self.references else 0)

    @classmethod
    @torch.no_grad()
    def build(cls, model: torch.nn.Module, examples: Sequence[Any],
              clips: Sequence[torch.Tensor], references: Sequence[torch.Tensor], *,
              snr_db: float, batch_size: int = 32, device: torch.device | str = "cpu",
              autocast: bool = False, chunk: int = 128) -> MixturePool:
        """Mix and encode every pooled example (``chunk`` waveforms in memory at a time).

        An ADL mixture is ``mix(input, event, snr_db, offset)`` and its reference the aligned
        event, as :class:`adl.data.training.MixingDataset` makes them; an AL-MixGen mixture is
        two inputs mixed the same way.
        """
        mixed: list[torch.Tensor] = []
        placed: list[torch.Tensor] = []
        has_refs = any(ex.kind == "adl" for ex in examples)
        for s in range(0, len(examples), chunk):
            waves, refs = [], []
            for ex in examples[s: s + chunk]:
                partner = references[ex.partner] if ex.kind == "adl" else clips[ex.partner]
                m, r = mix(clips[ex.index], partner, snr_db=snr_db, offset=ex.offset)
                waves.append(m)
                refs.append(r)
            mixed += FeatureCache.build(model, waves, batch_size=batch_size, device=device,
                                        autocast=autocast).features
            if has_refs:
                placed += FeatureCache.build(model, refs, batch_size=batch_size,
                                             device=device, autocast=autocast).features
        return cls(examples, FeatureCache(mixed), FeatureCache(placed) if has_refs else None)


@torch.no_grad()
def input_features(model: torch.nn.Module, cache: FeatureCache, clip: torch.Tensor,
                   wave: torch.Tensor, lengths: torch.Tensor,
                   pool: MixturePool | None = None, pool_index: torch.Tensor | None = None,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder's output for a training batch, cached rows read and the others encoded.

    Args:
        model: the captioner (its encoder frozen).
        cache: features of the unmixed input clips.
        clip: (B,) long, the input clip of a plain row, -1 for a mixture.
        wave: (B, S) waveforms (only the rows with ``clip < 0`` are read), or (F, S) those
            rows alone, in order (as :func:`adl.data.training.collate` gives them); lengths
            (B,) samples of every row.
        pool, pool_index: the run's mixture pool and (B,) each row's index in it (-1: not
            pooled); pooled rows are read from the pool, not encoded.
    Returns:
        ``(features (B, T', C), out_lengths (B,))``, as ``model.encode(wave, lengths)`` gives.
    """
    device = wave.device
    clip = clip.cpu()
    pooled_rows = torch.zeros_like(clip, dtype=torch.bool)
    if pool is not None and pool_index is not None:
        pool_index = pool_index.cpu()
        pooled_rows = pool_index >= 0
    cached = (clip >= 0).nonzero(as_tuple=True)[0]
    fresh = ((clip < 0) & ~pooled_rows).nonzero(as_tuple=True)[0]
    parts: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    if len(cached):
        f, n = cache.gather(clip[cached].tolist(), device)
        parts.append((cached, f, n))
    if bool(pooled_rows.any()):
        rows = pooled_rows.nonzero(as_tuple=True)[0]
        assert pool is not None and pool_index is not None
        f, n = pool.mixtures.gather(pool_index[rows].tolist(), device)
        parts.append((rows, f, n))
    if len(fresh):
        rows = fresh.to(device)
        # (B, S), or (F, S) the fresh rows alone: pooled rows carry no samples either.
        if wave.shape[0] != len(fresh):
            wave = wave[rows]
        # Crop to the longest fresh row: the plain rows' samples are not in the batch.
        width = int(lengths[rows].max())
        f, n = model.encode(wave[:, :width], lengths[rows])
        parts.append((fresh, f, n))
    T = max(f.shape[1] for _, f, _ in parts)
    C = parts[0][1].shape[2]
    dtype = torch.promote_types(*(f.dtype for _, f, _ in parts)) if len(parts) > 1 \
        else parts[0][1].dtype
    out = torch.zeros(clip.shape[0], T, C, device=device, dtype=dtype)
    out_len = torch.zeros(clip.shape[0], dtype=torch.long, device=device)
    for rows, f, n in parts:
        rows = rows.to(device)
        out[rows, : f.shape[1]] = f.to(dtype)
        out_len[rows] = n
    return out, out_len


class FeatureStore:
    """A frozen encoder's features on disk, addressed by the encoder and the waveform's bytes.

    Every clip the book encodes with a frozen encoder (training inputs, the mixture pool,
    evaluation clips, Table 2's mixtures and events) is encoded once per corpus: the key is
    ``sha256(encoder digest, context, samples)``, so a clip encoded by any run, in any notebook,
    is read back by every later run that shares the encoder. Features are stored as float32
    ``.npy`` files, written atomically, under ``folder/<digest[:16]>/``.

    A clip's features do not depend on its batch (the encoders zero padded frames), so a stored
    clip gives what encoding it again would give, up to float rounding of the batch it was
    encoded in. ``context`` separates features computed in different numerics (a GPU under bf16
    autocast against a CPU in float32).

    Args:
        folder: where the store lives (created on first write).
        digest: :func:`encoder_digest` of the encoder whose features these are.
        context: anything else the features depend on.
    """

    def __init__(self, folder: str | os.PathLike[str], digest: str, *, context: str = "") -> None:
        self.folder = Path(folder) / digest[:16]
        self._prefix = f"{digest}|{context}|".encode()
        self.hits = 0
        self.misses = 0

    def key(self, wave: torch.Tensor) -> str:
        """The address of a (samples,) waveform's features."""
        h = hashlib.sha256(self._prefix)
        h.update(wave.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
        return h.hexdigest()[:40]

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> torch.Tensor | None:
        """The stored ``(T', C)`` features, or None (a missing or unreadable file is a miss)."""
        path = self._path(key)
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return torch.from_numpy(arr)

    def put(self, key: str, features: torch.Tensor) -> None:
        """Store ``(T', C)`` features atomically (a crash leaves no partial file)."""
        path = self._path(key)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, features.detach().to("cpu", torch.float32).contiguous().numpy(),
                        allow_pickle=False)


def feature_store_dir(dataset_dir: str | os.PathLike[str]) -> Path:
    """Where a corpus keeps its frozen-encoder features: ``<dataset dir>/features``."""
    return Path(dataset_dir) / "features"


def attach_store(model: torch.nn.Module, folder: str | os.PathLike[str] | None, *,
                 context: str = "") -> FeatureStore | None:
    """Give a captioner whose encoder is frozen a :class:`FeatureStore` in ``folder``.

    Returns the store, or None (and detaches any) when ``folder`` is None or the encoder is not
    frozen (its features would change as it trains). ``model.encode`` then reads stored
    features and stores what it computes.
    """
    encoder = model.encoder
    frozen = not encoder.training and not any(p.requires_grad for p in encoder.parameters())
    if folder is None or not frozen:
        model.feature_store = None
        return None
    store = FeatureStore(folder, encoder_digest(model), context=context)
    model.feature_store = store
    return store
