"""The captioner: one shared encoder for input and reference, a difference, a BART decoder.

``Z = Adapter(Encoder(LogMel(x)))``; with a reference, the decoder reads
``Z_diff = diff(Z_input, Z_ref)`` (``Z_input - Z_ref`` by default). With no reference the
reference *audio* is silence, ``Z_ref = Enc(0)`` (``no_reference="silence"``, the paper's
reading), or ``Z_ref = 0`` (``"zero"``, an ablation); either way it is an ordinary captioner.

Notebook: 02_encoder_decoder
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from adl.audio import LogMel, sfx_logmel
from adl.config import Config
from adl.keywords import KeywordHead, mean_max
from adl.models.decoder import AudioBartDecoder, build_decoder
from adl.models.encoder import Adapter, build_encoder

DiffFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def subtract(z_input: torch.Tensor, z_ref: torch.Tensor) -> torch.Tensor:
    """The paper's difference: ``Z_input - Z_ref`` (both (B, T, D))."""
    return z_input - z_ref


def add_summary_tokens(z: torch.Tensor, mask: torch.Tensor,
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Prepend two clip-level tokens to a sequence: the mean and the max over its valid frames.

    A frozen encoder's frames say *when* something sounds; a linear probe reads *what* sounds
    from their mean and max over time. Giving the decoder those two vectors as tokens lets it
    read the clip's classes in one attention step.

    Args:
        z: (B, T, D) what the decoder reads; mask: (B, T) bool, true on valid frames.
    Returns:
        ``(z' (B, T + 2, D), mask' (B, T + 2))``: ``[mean, max, z_1, ..., z_T]``.
    """
    mean, top = mean_max(z, mask)
    z = torch.cat([mean[:, None], top[:, None], z], dim=1)
    mask = torch.cat([mask.new_ones(mask.shape[0], 2), mask], dim=1)
    return z, mask


def _check_no_reference(no_reference: str) -> None:
    if no_reference not in ("silence", "zero"):
        raise ValueError(f"no_reference must be 'silence' or 'zero', got {no_reference!r}")


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
        no_reference: what a row without a reference subtracts, unless a call says otherwise:
            "silence" (the encoding of a silent clip as long as the input, cached per length
            while the encoder is frozen; the presets' meaning) or "zero" (nothing).
        summary_tokens: prepend the mean and max over time of ``Z_diff`` as two tokens
            (:func:`add_summary_tokens`); the mask then has ``T' + 2`` columns.
        keywords: a :class:`adl.keywords.KeywordHead` that estimates the captions' keywords
            from ``Z_diff`` and prepends them as one token; None: none.
        keyword_weight: the weight of the keywords' binary cross-entropy in the training loss.
    """

    #: Clips per front-end + encoder call on a CPU (see :meth:`encode`).
    cpu_chunk: int = 1

    def __init__(self, frontend: LogMel, encoder: nn.Module, adapter: nn.Module,
                 decoder: nn.Module, *, diff_at: str = "adapter",
                 diff_fn: DiffFn = subtract, no_reference: str = "silence",
                 summary_tokens: bool = False, keywords: KeywordHead | None = None,
                 keyword_weight: float = 1.0) -> None:
        super().__init__()
        if diff_at not in ("adapter", "encoder"):
            raise ValueError(f"diff_at must be 'adapter' or 'encoder', got {diff_at!r}")
        _check_no_reference(no_reference)
        self.frontend = frontend
        self.encoder = encoder
        self.adapter = adapter
        self.decoder = decoder
        self.diff_at = diff_at
        self.diff_fn = diff_fn
        self.no_reference = no_reference
        self.summary_tokens = summary_tokens
        self.keywords = keywords
        self.keyword_weight = keyword_weight
        # Enc(silence) per (log-mel frames, device, dtype), while the encoder is frozen.
        self._silence: dict[tuple[int, str, torch.dtype], torch.Tensor] = {}
        # Encoder features on disk (adl.feature_cache.attach_store); None: encode every time.
        self.feature_store: Any = None

    # -- features ---------------------------------------------------------------------------

    @property
    def min_samples(self) -> int:
        """The shortest waveform the encoder can take: one output frame's worth."""
        return (self.encoder.stride - 1) * self.frontend.hop_length

    def encode(self, wave: torch.Tensor, lengths: torch.Tensor,
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder features of waveforms or log-mels (before the adapter).

        With a :class:`adl.feature_cache.FeatureStore` attached (``feature_store``, see
        :func:`adl.feature_cache.attach_store`) and the encoder still frozen, each waveform's
        features are read from the store when it holds them, and stored when it does not.

        Args:
            wave: (B, S) zero-padded waveforms with lengths (B,) in samples, or (B, T, M)
                log-mels with lengths (B,) in frames.
        Returns:
            ``(features (B, T', C), out_lengths (B,))``.
        """
        store = self.feature_store
        if (store is not None and wave.dim() == 2 and not self.encoder.training
                and not any(p.requires_grad for p in self.encoder.parameters())):
            return self._encode_stored(wave, lengths, store)
        return self._encode(wave, lengths)

    def _encode_stored(self, wave: torch.Tensor, lengths: torch.Tensor, store: Any,
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`encode` through a feature store: only the clips it lacks are encoded."""
        rows = [wave[b, : int(lengths[b])] for b in range(wave.shape[0])]
        keys = [store.key(r) for r in rows]
        found: list[torch.Tensor | None] = [store.get(k) for k in keys]
        missing = [b for b, f in enumerate(found) if f is None]
        if missing:
            idx = torch.tensor(missing, device=wave.device)
            sub_len = lengths[idx]
            feats, out_len = self._encode(wave[idx, : int(sub_len.max())], sub_len)
            for j, b in enumerate(missing):
                f = feats[j, : int(out_len[j])].float()
                store.put(keys[b], f)
                found[b] = f
        out_len = torch.tensor([f.shape[0] for f in found], dtype=torch.long,  # type: ignore
                               device=wave.device)
        first = found[0]
        assert first is not None
        out = torch.zeros(len(found), int(out_len.max()), first.shape[1], device=wave.device)
        for b, f in enumerate(found):
            out[b, : f.shape[0]] = f.to(wave.device)  # type: ignore[union-attr]
        return out, out_len

    def _encode(self, wave: torch.Tensor, lengths: torch.Tensor,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`encode` without the store."""
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
            # give the encoder the padded batch its BatchNorm expects. Padded frames hold the
            # log-mel of digital silence (log(eps), or 0); the encoder masks them.
            frames = self.frontend.n_frames(lengths)
            logmel = wave.new_full((B, int(frames.max()), self.frontend.n_mels),
                                   self.frontend.silence_value)
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

    def silence_features(self, frames: torch.Tensor, dtype: torch.dtype | None = None,
                         ) -> torch.Tensor:
        """``Enc(0)``: the encoder's output for silent clips of ``frames`` log-mel frames.

        The log-mel of digital silence is one constant in every bin (``log(eps)``, or 0 for the
        sound-effects front end), so silence is encoded from it without a front end. While the encoder is frozen (no trainable weight, eval
        mode) each length is encoded once and kept, so a silent reference costs nothing per step.

        Args:
            frames: (B,) log-mel frames of each silent clip (those of the input it stands for).
        Returns:
            (B, T', C) features, zero past each row's output length.
        """
        device = frames.device
        dtype = dtype or next(self.encoder.parameters()).dtype
        frozen = not self.encoder.training and not any(
            p.requires_grad for p in self.encoder.parameters())
        lengths = [int(n) for n in frames.tolist()]
        rows = {}
        for n in sorted(set(lengths)):
            key = (n, str(device), dtype)
            f = self._silence.get(key) if frozen else None
            if f is None:
                # The front end's compression of zero power, computed as LogMel computes it, so
                # Enc(silence) here is bitwise the encoding of an all-zero waveform.
                floor = self.frontend.compress(torch.zeros((), device=device))
                logmel = floor.to(dtype).expand(1, n, self.frontend.n_mels).contiguous()
                # A training encoder's BatchNorm would normalise silence by its own (zero)
                # variance: encode it with the running statistics, as at test time.
                was_training = self.encoder.training
                self.encoder.train(False)
                try:
                    f, out_len = self.encoder(logmel, torch.tensor([n], device=device))
                finally:
                    self.encoder.train(was_training)
                f = f[0, : int(out_len[0])]
                if frozen:
                    self._silence[key] = f.detach()
            rows[n] = f
        T = max(f.shape[0] for f in rows.values())
        out = torch.zeros(len(lengths), T, rows[lengths[0]].shape[1], device=device,
                          dtype=rows[lengths[0]].dtype)
        for b, n in enumerate(lengths):
            out[b, : rows[n].shape[0]] = rows[n]
        return out

    def features(self, wave: torch.Tensor, lengths: torch.Tensor,
                 reference: torch.Tensor | None = None,
                 has_reference: torch.Tensor | None = None,
                 input_features: tuple[torch.Tensor, torch.Tensor] | None = None,
                 reference_features: torch.Tensor | None = None, *,
                 no_reference: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """What the decoder reads: ``diff(Z_input, Z_ref)`` for every row.

        Args:
            wave: (B, S) inputs (mixtures, for ADL examples); lengths: (B,) samples. Log-mels
                (B, T, M) with lengths in frames work too.
            reference: (B, S) aligned references (or (B, T, M) log-mels), or only the rows
                that have one (those of ``has_reference``, in order), or None.
            has_reference: (B,) bool; only the rows that have a reference encode it. The other
                rows read ``Z_ref = Enc(silence)`` (``no_reference="silence"``, cached) or
                ``Z_ref = 0`` (``"zero"``).
            input_features: the encoder's output for the inputs, ``(features (B, T', C),
                out_lengths (B,))``, when it is already known (a frozen encoder's cache, see
                :mod:`adl.feature_cache`); ``wave`` is then not encoded, but ``lengths`` must
                still be the inputs' lengths.
            reference_features: ``(H, T', C)`` the encoder's output for the references of the
                ``has_reference`` rows, in order, when already known (a mixture pool); then
                ``reference`` is not read (it may be None).
            no_reference: what the rows without a reference subtract, ``"silence"`` or
                ``"zero"``; None: the model's own (:attr:`no_reference`, its config's).
        Returns:
            ``(z (B, T', D), mask (B, T') bool)``: :meth:`difference`'s frames, after the summary
            and keyword tokens when the model has them (``T'`` counts them).
        """
        z, mask, _ = self._read(wave, lengths, reference, has_reference, input_features,
                                reference_features, no_reference=no_reference)
        return z, mask

    def _read(self, *args: Any, no_reference: str | None = None,
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """:meth:`features`, and the keyword logits (B, K) (None without a keyword head)."""
        z, mask = self.difference(*args, no_reference=no_reference)
        if self.summary_tokens:
            z, mask = add_summary_tokens(z, mask)
        logits = None
        if self.keywords is not None:
            z, mask, logits = self.keywords(z, mask)
        return z, mask, logits

    def difference(self, wave: torch.Tensor, lengths: torch.Tensor,
                   reference: torch.Tensor | None = None,
                   has_reference: torch.Tensor | None = None,
                   input_features: tuple[torch.Tensor, torch.Tensor] | None = None,
                   reference_features: torch.Tensor | None = None, *,
                   no_reference: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The representation itself, ``Z_diff = diff(Z_input, Z_ref)``, frame by frame: what
        :meth:`features` returns before any summary or keyword token (same arguments).

        Returns:
            ``(z (B, T', D), mask (B, T') bool)``, one row per encoder frame.
        """
        if input_features is None:
            feats, out_len = self.encode(wave, lengths)
        else:
            feats, out_len = input_features
        B = feats.shape[0]
        has_ref = torch.zeros(B, dtype=torch.bool, device=feats.device)
        refs: list[tuple[torch.Tensor, torch.Tensor]] = []  # (rows, Z_ref of those rows)
        if reference_features is not None:
            if has_reference is None:
                raise ValueError("reference_features needs has_reference")
            has_ref = has_reference.to(feats.device)
            rows = has_ref.nonzero(as_tuple=True)[0]
            if reference_features.shape[0] != rows.shape[0]:
                raise ValueError(f"reference_features has {reference_features.shape[0]} rows "
                                 f"for {rows.shape[0]} rows with a reference")
            if len(rows):
                refs.append((rows, reference_features.to(feats.device)))
        elif reference is not None:
            if has_reference is None:
                has_reference = torch.ones(B, dtype=torch.bool)
            has_ref = has_reference.to(feats.device)
            if bool(has_ref.any()):
                rows = has_ref.nonzero(as_tuple=True)[0]
                # A batch may carry only the rows that have a reference (collate does).
                if reference.shape[0] != rows.shape[0]:
                    if reference.shape[0] != B:
                        raise ValueError(f"reference has {reference.shape[0]} rows; expected "
                                         f"{B} or the {rows.shape[0]} that have a reference")
                    reference = reference[rows]
                # The aligned reference is as long as its input, so the frames line up.
                rf, _ = self.encode(reference, lengths[rows])
                refs.append((rows, rf))
        if no_reference is None:
            no_reference = self.no_reference
        _check_no_reference(no_reference)
        if no_reference == "silence" and not bool(has_ref.all()):
            rows = (~has_ref).nonzero(as_tuple=True)[0]
            n = lengths[rows.to(lengths.device)]
            frames = n if wave.dim() == 3 else self.frontend.n_frames(n)
            refs.append((rows, self.silence_features(frames.to(feats.device), feats.dtype)))
        if self.diff_at == "encoder":
            z = self.adapter(self._subtract_rows(feats, refs))
        else:
            z = self._subtract_rows(self.adapter(feats),
                                    [(rows, self.adapter(rf)) for rows, rf in refs])
        mask = torch.arange(z.shape[1], device=z.device)[None, :] < out_len.to(z.device)[:, None]
        return z, mask

    def _subtract_rows(self, z: torch.Tensor, refs: list[tuple[torch.Tensor, torch.Tensor]],
                       ) -> torch.Tensor:
        if not refs:
            return z
        full = torch.zeros_like(z)  # Z_ref = 0 in rows that have none
        # A reference spans its own input's frames; with cached input features the batch may
        # be wider (a longer plain row), and the frames past a row's length are masked anyway.
        for rows, z_ref in refs:
            t = min(z.shape[1], z_ref.shape[1])
            full[rows, :t] = z_ref[:, :t].to(z.dtype)
        return self.diff_fn(z, full)

    def load_state_dict(self, *args, **kwargs):  # type: ignore[override]
        self._silence.clear()  # new encoder weights, new Enc(silence)
        self.feature_store = None  # and new features: attach a store again after loading
        return super().load_state_dict(*args, **kwargs)

    # -- training -----------------------------------------------------------------------------

    def forward(self, wave: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor,
                labels_mask: torch.Tensor, reference: torch.Tensor | None = None,
                has_reference: torch.Tensor | None = None,
                input_features: tuple[torch.Tensor, torch.Tensor] | None = None,
                reference_features: torch.Tensor | None = None,
                keywords: torch.Tensor | None = None, *, no_reference: str | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced cross-entropy (``input_features``, ``reference_features`` and
        ``no_reference`` as in :meth:`features`).

        Args:
            keywords: (B, K) multi-hot keyword targets (:func:`adl.keywords.keyword_targets`);
                with a keyword head, their binary cross-entropy, weighted by
                ``keyword_weight``, is added to the loss. None: the captions' loss alone.
        Returns:
            ``(logits (B, L, V), loss)``.
        """
        z, mask, kw_logits = self._read(wave, lengths, reference, has_reference,
                                        input_features, reference_features,
                                        no_reference=no_reference)
        logits, loss = self.decoder(z, mask, labels, labels_mask)
        if keywords is not None and kw_logits is not None and self.keyword_weight > 0:
            bce = nn.functional.binary_cross_entropy_with_logits(
                kw_logits.float(), keywords.to(kw_logits.device, torch.float32))
            loss = loss + self.keyword_weight * bce
        return logits, loss

    @torch.no_grad()
    def keyword_probabilities(self, wave: torch.Tensor, lengths: torch.Tensor,
                              reference: torch.Tensor | None = None,
                              has_reference: torch.Tensor | None = None) -> torch.Tensor:
        """(B, K) the keyword head's probabilities (a run trained with ``decoder.keywords``)."""
        if self.keywords is None:
            raise ValueError("this captioner has no keyword head (decoder.keywords: 0)")
        _, _, logits = self._read(wave, lengths, reference, has_reference)
        return torch.sigmoid(logits)

    # -- inference ----------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, wave: torch.Tensor, lengths: torch.Tensor,
                 reference: torch.Tensor | None = None,
                 has_reference: torch.Tensor | None = None, *,
                 no_reference: str | None = None, **generation) -> torch.Tensor:
        """Batched beam search (DCASE defaults unless overridden): token ids (B, L).
        ``no_reference``: as for :meth:`features` (None: the model's own)."""
        z, mask = self.features(wave, lengths, reference, has_reference,
                                no_reference=no_reference)
        return self.decoder.generate(z, mask, **generation)

    def freeze_encoder(self) -> None:
        """Freeze the encoder (weights and BatchNorm statistics), as the DCASE baseline does."""
        self._silence.clear()
        self.encoder.freeze()

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]


def build_frontend(cfg: Config) -> LogMel:
    """The front end the config's encoder reads.

    ``sfx_cnn`` reads the sound-effects CNN's own spectrogram (:func:`adl.audio.sfx_logmel`,
    96 bins, hop 1024, with ``encoder.input_gain_db``); the other encoders read the DCASE2023
    log-mel (64 bins, hop 882).
    """
    if cfg.encoder.name == "sfx_cnn":
        return sfx_logmel(input_gain_db=cfg.encoder.input_gain_db)
    return LogMel(sr=cfg.data.sr)


def build_captioner(cfg: Config, vocab_size: int, n_keywords: int | None = None,
                    ) -> Captioner:
    """The captioner a config describes, with random weights (load weights afterwards).

    ``n_keywords``: the keyword head's size, the length of the run's keyword list (it may be
    shorter than ``decoder.keywords`` on captions with fewer content words); None: the config's.

    Notebook: 02_encoder_decoder
    """
    frontend = build_frontend(cfg)
    enc_kwargs: dict[str, Any] = {"n_mels": frontend.n_mels, "time_pool": cfg.encoder.time_pool,
                                  "n_classes": None}
    if cfg.encoder.name == "small_cnn":
        enc_kwargs["channels"] = cfg.encoder.channels
    elif cfg.encoder.name == "sfx_cnn":
        enc_kwargs["width"] = cfg.encoder.width
        enc_kwargs["block_max"] = cfg.encoder.block_max
    encoder = build_encoder(cfg.encoder.name, **enc_kwargs)
    adapter = Adapter(encoder.out_dim, cfg.decoder.d_model, kind=cfg.encoder.adapter)
    bart = build_decoder(vocab_size=vocab_size, d_model=cfg.decoder.d_model,
                         decoder_layers=cfg.decoder.layers,
                         decoder_attention_heads=cfg.decoder.heads,
                         decoder_ffn_dim=cfg.decoder.ffn_dim, dropout=cfg.decoder.dropout,
                         pretrained=cfg.decoder.pretrained)
    decoder = AudioBartDecoder(bart, label_smoothing=cfg.training.label_smoothing)
    if cfg.model.no_reference == "silence" and cfg.encoder.diff_at == "adapter":
        # Every row then subtracts an adapted reference (an event, or silence), so the adapter's
        # output bias cancels in all of them: its gradient is rounding noise, which AdamW would
        # turn into steps of size lr. It cannot change what the decoder reads: keep it fixed.
        adapter.net[-1].bias.requires_grad_(False)
    n_keywords = cfg.decoder.keywords if n_keywords is None else n_keywords
    keywords = (KeywordHead(cfg.decoder.d_model, n_keywords, cfg.decoder.keyword_pooling)
                if n_keywords else None)
    return Captioner(frontend, encoder, adapter, decoder,
                     diff_at=cfg.encoder.diff_at, no_reference=cfg.model.no_reference,
                     summary_tokens=cfg.encoder.summary_tokens, keywords=keywords,
                     keyword_weight=cfg.decoder.keyword_weight)
