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
from collections.abc import Sequence

import torch

from adl.data.training import pad_batch

__all__ = ["FeatureCache", "encoder_digest", "input_features"]


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


@torch.no_grad()
def input_features(model: torch.nn.Module, cache: FeatureCache, clip: torch.Tensor,
                   wave: torch.Tensor, lengths: torch.Tensor,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder's output for a training batch, cached rows read and the others encoded.

    Args:
        model: the captioner (its encoder frozen).
        cache: features of the unmixed input clips.
        clip: (B,) long, the input clip of a plain row, -1 for a mixture.
        wave: (B, S) waveforms (only the rows with ``clip < 0`` are read), or (F, S) those
            rows alone, in order (as :func:`adl.data.training.collate` gives them); lengths
            (B,) samples of every row.
    Returns:
        ``(features (B, T', C), out_lengths (B,))``, as ``model.encode(wave, lengths)`` gives.
    """
    device = wave.device
    clip = clip.cpu()
    cached = (clip >= 0).nonzero(as_tuple=True)[0]
    fresh = (clip < 0).nonzero(as_tuple=True)[0]
    parts: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    if len(cached):
        f, n = cache.gather(clip[cached].tolist(), device)
        parts.append((cached, f, n))
    if len(fresh):
        rows = fresh.to(device)
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
