"""The training data path: decoded clips in memory, an epoch plan, on-the-fly mixing, collation.

Each epoch has a *plan*: for every example, which input clip and caption, whether it is plain,
an ADL mixture (input + reference event) or an AL-MixGen pair (input + another input), with which
partner and where the partner starts. The plan is drawn from ``(seed, epoch)`` alone, so pairings
are fresh every epoch, independent of worker count, and an interrupted run resumes exactly.

Notebook: 03_adl_training
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from adl.audio import load_audio
from adl.config import METHODS
from adl.errors import AudioError
from adl.mixing import join_captions, mix, random_offset



@dataclass(frozen=True)
class PlannedExample:
    """One training example of an epoch plan.

    ``kind`` is "plain", "adl" or "mixgen"; ``partner`` indexes the reference bank (adl) or the
    inputs (mixgen), -1 for plain; ``offset`` is in samples.
    """

    index: int
    caption: int
    kind: str = "plain"
    partner: int = -1
    partner_caption: int = -1
    offset: int = 0
    #: Index into the run's mixture pool (:func:`draw_pool`), -1 for a mixture made fresh.
    pool: int = -1


def load_clips(paths: Sequence[Path], sr: int, *, on_bad_audio: str = "skip",
               min_samples: int = 1,
               ) -> tuple[list[torch.Tensor], list[int], list[tuple[str, str]]]:
    """Decode clips once into memory (float32, mono, resampled).

    Args:
        paths: audio files.
        sr: target sample rate.
        on_bad_audio: "skip" drops a bad clip with a warning; "error" raises.
        min_samples: shorter clips are bad (the encoder needs one output frame's worth).
    Returns:
        ``(clips, kept, skipped)``: decoded (samples,) tensors, the indices of ``paths`` they came
        from, and ``(file, reason)`` for each skipped file.
    """
    clips, kept, skipped = [], [], []
    for i, path in enumerate(paths):
        try:
            x = load_audio(path, sr=sr)
            if float(x.abs().max()) == 0.0:
                raise AudioError(f"{path}: the clip is all silence")
            if x.shape[0] < min_samples:
                raise AudioError(f"{path}: the clip lasts {x.shape[0] / sr:.2f} s, shorter than "
                                 f"the encoder needs ({min_samples / sr:.2f} s)")
        except AudioError as e:
            if on_bad_audio == "error":
                raise
            skipped.append((str(path), str(e)))
            warnings.warn(f"skipping bad clip: {e}", stacklevel=2)
            continue
        clips.append(x)
        kept.append(i)
    return clips, kept, skipped


def plan_epoch(n_inputs: int, n_captions: Sequence[int], input_lengths: Sequence[int],
               ref_lengths: Sequence[int], *, method: str, p_adl: float, p_mixgen: float,
               seed: int, epoch: int, mode: str = "add",
               allowed_refs: Sequence[Sequence[int]] | None = None,
               pool: Sequence[PlannedExample] | None = None,
               captions_per_clip: int = 1) -> list[PlannedExample]:
    """Draw one epoch's examples: a permutation of the inputs, one caption each, and partners.

    Args:
        n_inputs: number of input clips.
        n_captions: captions per input clip.
        input_lengths: samples of each input clip.
        ref_lengths: samples of each reference event (the bank; may be empty for baseline).
        method: "baseline", "mixgen" or "adl".
        p_adl, p_mixgen: the share of inputs that get an ADL mixture or an AL-MixGen pair.
        seed, epoch: the plan depends on these alone.
        mode: "add" keeps every plain example and adds ``round(p * n_inputs)`` mixtures, placed
            at random among them (the plain examples keep the baseline's order and captions
            for the same seed); "replace" turns each example into a mixture with probability
            ``p`` (the ablation; the plans of runs made before ``add`` existed).
        allowed_refs: per input, the bank indices its reference may be drawn from
            (``mixing.reference_classes: absent``); None: any event.
        pool: mixtures drawn once for the whole run (:func:`draw_pool`): the epoch's mixtures
            are then drawn from it (each at most once per epoch while the pool is large
            enough), with a fresh caption, instead of being mixed anew. In "add" mode they come
            on top of the plain examples; in "replace" mode ``round(p * n_inputs)`` of the
            plain examples, at random slots, give their place to them.
        captions_per_clip: plain passes over the inputs per epoch, each with a caption of every
            clip that no earlier pass of the epoch used (while the clip has one left), each in
            its own order; the first pass is the plan of ``captions_per_clip=1``. Clotho's
            baseline trains on every caption of every clip each epoch (5). "add" mode only
            beyond 1; the added mixtures scale with it.
    Returns:
        ``n_inputs`` examples in "replace" mode, ``k * n_inputs + round(p * k * n_inputs)`` in
        "add" mode with ``k = captions_per_clip`` (:func:`epoch_size`).
    """
    _check_plan(method, mode, ref_lengths, pool, captions_per_clip)
    g = torch.Generator().manual_seed(_mix_seed(seed, epoch))
    order = torch.randperm(n_inputs, generator=g).tolist()
    plan = []
    fresh = mode == "replace" and pool is None  # a pool's mixtures replace after the loop
    for i in order:
        cap = int(torch.randint(0, n_captions[i], (1,), generator=g))
        u = float(torch.rand((), generator=g))
        if fresh and method == "adl" and u < p_adl:
            plan.append(_adl_example(i, cap, input_lengths, ref_lengths, allowed_refs, g))
        elif fresh and method == "mixgen" and u < p_mixgen and n_inputs > 1:
            plan.append(_mixgen_example(i, cap, n_inputs, n_captions, input_lengths, g))
        else:
            plan.append(PlannedExample(i, cap))
    if captions_per_clip > 1:
        plan += _more_passes(plan, n_inputs, n_captions, captions_per_clip,
                             torch.Generator().manual_seed(_mix_seed(seed, epoch) ^ 0xCA95))
    if mode == "replace" and pool is not None:
        return _replace_from_pool(plan, pool, method=method, p_adl=p_adl, p_mixgen=p_mixgen,
                                  n_captions=n_captions, seed=seed, epoch=epoch)
    n_plain = len(plan)
    n_extra = epoch_size(n_inputs, method=method, p_adl=p_adl, p_mixgen=p_mixgen,
                         mode=mode, captions_per_clip=captions_per_clip) - n_plain
    if mode == "replace" or n_extra == 0:
        return plan
    # Added examples: their own generator, so the plain part above is the baseline's plan.
    g = torch.Generator().manual_seed(_mix_seed(seed, epoch) ^ 0x5EED)
    if pool is not None:
        extra = _from_pool(pool, n_extra, n_captions, g)
    else:
        extra = _fresh_extra(n_inputs, n_extra, n_captions, input_lengths, ref_lengths,
                             method=method, allowed_refs=allowed_refs, g=g)
    # Random slots for the added examples; both kinds keep their own order.
    total = n_plain + n_extra
    slots = set(torch.randperm(total, generator=g)[:n_extra].tolist())
    plain_it, extra_it = iter(plan), iter(extra)
    return [next(extra_it) if k in slots else next(plain_it) for k in range(total)]


def _check_plan(method: str, mode: str, ref_lengths: Sequence[int],
                pool: Sequence[PlannedExample] | None, captions_per_clip: int) -> None:
    """Raise ValueError on arguments :func:`plan_epoch` cannot plan with."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if mode not in ("add", "replace"):
        raise ValueError(f"unknown mode {mode!r}; choose add or replace")
    if method == "adl" and not ref_lengths:
        raise ValueError("method 'adl' needs a non-empty reference bank")
    if captions_per_clip < 1:
        raise ValueError(f"captions_per_clip must be at least 1, got {captions_per_clip}")
    if captions_per_clip > 1 and mode != "add":
        raise ValueError("several captions per clip need mode 'add'")
    if pool is not None and method != "baseline" and not pool:
        raise ValueError("the mixture pool is empty")


def _replace_from_pool(plan: list[PlannedExample], pool: Sequence[PlannedExample], *,
                       method: str, p_adl: float, p_mixgen: float, n_captions: Sequence[int],
                       seed: int, epoch: int) -> list[PlannedExample]:
    """"replace" mode with a pool: as many mixtures as "add" mode would add, each in the slot of
    a plain example chosen at random, so the epoch keeps the baseline's size."""
    n_mix = epoch_size(len(plan), method=method, p_adl=p_adl, p_mixgen=p_mixgen,
                       mode="add") - len(plan)
    if n_mix == 0:
        return plan
    g = torch.Generator().manual_seed(_mix_seed(seed, epoch) ^ 0x5EED)
    mixtures = _from_pool(pool, n_mix, n_captions, g)
    out = list(plan)
    for k, ex in zip(torch.randperm(len(plan), generator=g)[:n_mix].tolist(), mixtures):
        out[k] = ex
    return out


def _more_passes(first: Sequence[PlannedExample], n_inputs: int, n_captions: Sequence[int],
                 k: int, g: torch.Generator) -> list[PlannedExample]:
    """Passes 2..k of an epoch: each clip with captions its earlier passes did not use."""
    used = {ex.index: ex.caption for ex in first}
    order_of = {}
    for i in range(n_inputs):
        rest = [c for c in torch.randperm(n_captions[i], generator=g).tolist() if c != used[i]]
        order_of[i] = rest or [used[i]]
    passes = []
    for p in range(1, k):
        for i in torch.randperm(n_inputs, generator=g).tolist():
            caps = order_of[i]
            passes.append(PlannedExample(i, caps[(p - 1) % len(caps)]))
    return passes


def _fresh_extra(n_inputs: int, n_extra: int, n_captions: Sequence[int],
                 input_lengths: Sequence[int], ref_lengths: Sequence[int], *, method: str,
                 allowed_refs: Sequence[Sequence[int]] | None,
                 g: torch.Generator) -> list[PlannedExample]:
    chosen: list[int] = []
    while len(chosen) < n_extra:  # one permutation unless there are more mixtures than inputs
        chosen += torch.randperm(n_inputs, generator=g).tolist()
    chosen = chosen[:n_extra]
    extra = []
    for i in chosen:
        cap = int(torch.randint(0, n_captions[i], (1,), generator=g))
        if method == "adl":
            extra.append(_adl_example(i, cap, input_lengths, ref_lengths, allowed_refs, g))
        else:
            extra.append(_mixgen_example(i, cap, n_inputs, n_captions, input_lengths, g))
    return extra


def _from_pool(pool: Sequence[PlannedExample], n_extra: int, n_captions: Sequence[int],
               g: torch.Generator) -> list[PlannedExample]:
    # Whole permutations of the pool first, so no mixture repeats within an epoch unless the
    # pool is smaller than the epoch's share of mixtures.
    order: list[int] = []
    while len(order) < n_extra:
        order += torch.randperm(len(pool), generator=g).tolist()
    extra = []
    for k in order[:n_extra]:
        ex = pool[k]
        cap = int(torch.randint(0, n_captions[ex.index], (1,), generator=g))
        partner_cap = (int(torch.randint(0, n_captions[ex.partner], (1,), generator=g))
                       if ex.kind == "mixgen" else -1)
        extra.append(PlannedExample(ex.index, cap, ex.kind, ex.partner, partner_cap,
                                    ex.offset, k))
    return extra


def draw_pool(n_inputs: int, n_captions: Sequence[int], input_lengths: Sequence[int],
              ref_lengths: Sequence[int], *, method: str, size: int, seed: int,
              allowed_refs: Sequence[Sequence[int]] | None = None) -> list[PlannedExample]:
    """Draw a run's mixture pool: ``size`` mixtures (input, partner, offset), made once.

    With a frozen encoder that is far slower than the decoder (a pretrained CNN on a CPU),
    encoding fresh mixtures every epoch costs more than all the rest of training; a pool is
    encoded once (and stored: :class:`adl.feature_cache.FeatureStore`) and each epoch draws its
    added examples from it with fresh captions (:func:`plan_epoch`). Inputs are spread evenly:
    every input appears ``size // n_inputs`` or one more times. The pool depends on ``seed``
    alone, so every run given the same seed shares it.

    Args:
        method: "adl" (input + a reference event) or "mixgen" (input + another input).
        size: mixtures in the pool.
        seed: the pool's own seed.
    Returns:
        ``size`` examples with ``kind``, ``index``, ``partner`` and ``offset`` set.
    """
    if method not in ("adl", "mixgen"):
        raise ValueError(f"a mixture pool is for adl or mixgen, not {method!r}")
    if size < 1:
        raise ValueError(f"the mixture pool needs at least one mixture, got size {size}")
    if method == "adl" and not ref_lengths:
        raise ValueError("method 'adl' needs a non-empty reference bank")
    if method == "mixgen" and n_inputs < 2:
        raise ValueError("AL-MixGen needs at least two inputs")
    g = torch.Generator().manual_seed(_mix_seed(seed, -1) ^ 0x9001)
    inputs: list[int] = []
    while len(inputs) < size:
        inputs += torch.randperm(n_inputs, generator=g).tolist()
    pool = []
    for i in inputs[:size]:
        if method == "adl":
            pool.append(_adl_example(i, 0, input_lengths, ref_lengths, allowed_refs, g))
        else:
            pool.append(_mixgen_example(i, 0, n_inputs, n_captions, input_lengths, g))
    return pool


def epoch_size(n_inputs: int, *, method: str, p_adl: float, p_mixgen: float,
               mode: str, captions_per_clip: int = 1) -> int:
    """Examples per epoch: ``captions_per_clip * n_inputs``, plus the added mixtures in "add"
    mode (``round(p * captions_per_clip * n_inputs)``)."""
    n_plain = n_inputs * captions_per_clip
    if mode == "replace" or method == "baseline" or (method == "mixgen" and n_inputs < 2):
        return n_plain
    p = p_adl if method == "adl" else p_mixgen
    return n_plain + int(round(p * n_plain))


def _adl_example(i: int, cap: int, input_lengths: Sequence[int], ref_lengths: Sequence[int],
                 allowed_refs: Sequence[Sequence[int]] | None,
                 g: torch.Generator) -> PlannedExample:
    if allowed_refs is None:
        r = int(torch.randint(0, len(ref_lengths), (1,), generator=g))
    else:
        pool = allowed_refs[i]
        if not pool:
            raise ValueError(f"input {i}: no reference event of a class it lacks")
        r = pool[int(torch.randint(0, len(pool), (1,), generator=g))]
    off = random_offset(input_lengths[i], ref_lengths[r], g)
    return PlannedExample(i, cap, "adl", r, -1, off)


def _mixgen_example(i: int, cap: int, n_inputs: int, n_captions: Sequence[int],
                    input_lengths: Sequence[int], g: torch.Generator) -> PlannedExample:
    j = int(torch.randint(0, n_inputs - 1, (1,), generator=g))
    j += j >= i  # another clip, never the same one
    pc = int(torch.randint(0, n_captions[j], (1,), generator=g))
    off = random_offset(input_lengths[i], input_lengths[j], g)
    return PlannedExample(i, cap, "mixgen", j, pc, off)


def _mix_seed(seed: int, epoch: int) -> int:
    # A fixed integer hash, so that plans do not depend on Python's hash randomisation.
    return (seed * 1_000_003 + epoch * 7919 + 12345) % (2**63 - 1)


class MixingDataset(Dataset):
    """Examples of an epoch plan, mixed on the fly in the waveform domain.

    Each item is a dict: ``input`` (samples,) the signal the encoder sees (a mixture for adl and
    mixgen), ``reference`` (samples,) the aligned, scaled reference (zeros when there is none),
    ``has_reference`` bool, ``caption`` str (the target), ``clip`` int (the input clip of a plain
    example, -1 for a mixture).

    With ``plain_audio=False`` a plain example's ``input`` is None: its features come from a
    :class:`adl.feature_cache.FeatureCache`, so its samples need not be copied into the batch.

    With ``keywords`` ((N, K) multi-hot per clip, :func:`adl.keywords.keyword_targets`), each
    item also carries ``keywords`` (K,): its input clip's (an ADL mixture's target is its input
    clip), or the union of both clips' for an AL-MixGen pair, whose caption names both.
    """

    def __init__(self, clips: Sequence[torch.Tensor], captions: Sequence[Sequence[str]],
                 references: Sequence[torch.Tensor] = (), *, snr_db: float = 0.0,
                 plain_audio: bool = True, keywords: torch.Tensor | None = None) -> None:
        self.clips = clips
        self.keywords = keywords
        self.captions = captions
        self.references = references
        self.snr_db = snr_db
        self.plain_audio = plain_audio
        self.plan: list[PlannedExample] = [PlannedExample(i, 0) for i in range(len(clips))]

    def set_plan(self, plan: list[PlannedExample]) -> None:
        self.plan = plan

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, k: int) -> dict:
        item = self._item(self.plan[k])
        if self.keywords is not None:
            ex = self.plan[k]
            words = self.keywords[ex.index]
            if ex.kind == "mixgen":
                words = torch.maximum(words, self.keywords[ex.partner])
            item["keywords"] = words
        return item

    def _item(self, ex: PlannedExample) -> dict:
        x = self.clips[ex.index]
        caption = self.captions[ex.index][ex.caption]
        if ex.pool >= 0:
            # A pooled mixture: its features (and its reference's) come from the pool's
            # caches, so no samples are made or copied.
            if ex.kind == "mixgen":
                caption = join_captions(caption, self.captions[ex.partner][ex.partner_caption])
            return {"input": None, "reference": None, "has_reference": ex.kind == "adl",
                    "caption": caption, "clip": -1, "pool": ex.pool, "length": x.shape[0]}
        if ex.kind == "adl":
            mixture, aligned = mix(x, self.references[ex.partner], snr_db=self.snr_db,
                                   offset=ex.offset)
            return {"input": mixture, "reference": aligned, "has_reference": True,
                    "caption": caption, "clip": -1}
        if ex.kind == "mixgen":
            mixture, _ = mix(x, self.clips[ex.partner], snr_db=self.snr_db, offset=ex.offset)
            other = self.captions[ex.partner][ex.partner_caption]
            return {"input": mixture, "reference": None, "has_reference": False,
                    "caption": join_captions(caption, other), "clip": -1}
        # ``length``: a cached plain row carries no samples, but its length still says how
        # long its silent reference is (model.no_reference: silence).
        return {"input": x if self.plain_audio else None, "reference": None,
                "has_reference": False, "caption": caption, "clip": ex.index,
                "length": x.shape[0]}


def pad_batch(signals: Sequence[torch.Tensor | None], length: int | None = None,
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack 1-D signals into a zero-padded batch.

    Returns:
        ``(batch, lengths)``: (B, S) float32 and (B,) int64; a ``None`` signal is all zeros with
        length 0.
    """
    lengths = torch.tensor([0 if s is None else s.shape[0] for s in signals], dtype=torch.long)
    width = max(int(lengths.max()) if length is None else length, 1)
    # Each row is written once (samples, then zeros past them), not zeroed first and then
    # copied over: on a CPU the batch is tens of MB of fresh memory.
    batch = torch.empty(len(signals), width)
    for b, s in enumerate(signals):
        n = 0 if s is None else min(s.shape[0], width)
        if n:
            batch[b, :n] = s[:n]
        batch[b, n:] = 0.0
    return batch, lengths


def collate(items: Sequence[dict], encode: Callable[[list[str]], tuple[torch.Tensor, torch.Tensor]],
            ) -> dict:
    """Collate mixed examples into a training batch.

    Only the rows that carry samples are stacked: a cached plain row (``input`` None) has its
    clip's length but no row in ``input``, and only the rows with a reference have one in
    ``reference``. On a CPU the zero-padded (B, S) batches cost more than the step's mixing
    (zeroing 32 rows of a 15 s clip is 84 MB of fresh memory, twice per batch).

    Args:
        items: from :class:`MixingDataset`.
        encode: captions -> (token ids (B, L), attention mask (B, L)).
    Returns:
        dict with ``input`` (F, S): the rows that carry samples, in batch order (F = B unless
        plain rows come from a feature cache), ``lengths`` (B,) every row's length in samples,
        ``reference`` (H, S): the aligned references of the ``has_reference`` rows that are not
        pooled, in batch order, ``has_reference`` (B,) bool, ``clip`` (B,) long (-1 for
        mixtures), ``pool`` (B,) long (the pool index of a pooled mixture, else -1), ``labels``
        (B, L), ``labels_mask`` (B, L), ``captions`` list[str], and ``keywords`` (B, K) when
        the items carry them.
    """
    signals = [it["input"] for it in items if it["input"] is not None]
    inputs, _ = pad_batch(signals) if signals else (torch.zeros(0, 1), None)
    refs, _ = pad_batch([it["reference"] for it in items
                         if it["has_reference"] and it.get("pool", -1) < 0],
                        length=inputs.shape[1])
    lengths = torch.tensor([it["length"] if it["input"] is None else it["input"].shape[0]
                            for it in items], dtype=torch.long)
    captions = [it["caption"] for it in items]
    labels, labels_mask = encode(captions)
    extra = ({"keywords": torch.stack([it["keywords"] for it in items])}
             if items and "keywords" in items[0] else {})
    return {**extra, "input": inputs, "lengths": lengths, "reference": refs,
            "has_reference": torch.tensor([it["has_reference"] for it in items]),
            "clip": torch.tensor([it.get("clip", -1) for it in items], dtype=torch.long),
            "pool": torch.tensor([it.get("pool", -1) for it in items], dtype=torch.long),
            "labels": labels, "labels_mask": labels_mask, "captions": captions}


class PlanBatches(Dataset):
    """Collated training batches named by ``(epoch, step)``: the batch builder of the loop.

    Whoever builds a batch (the main process or a DataLoader worker) derives the epoch's plan
    from ``plan_for(epoch)`` alone, so workers need no message from the loop, and a resumed run
    rebuilds exactly the batches it would have seen. With several processes, this process takes
    rows ``rank, rank + world, ...`` of the global batch.

    Args:
        dataset: the mixing dataset whose plan is set per epoch.
        plan_for: epoch -> that epoch's plan (:func:`plan_epoch`).
        batch_size: the global batch size.
        encode: captions -> (token ids (B, L), attention mask (B, L)).
        rank, world: this process and the number of processes.
    Returns (``self[(epoch, step)]``):
        ``(step, batch)`` with ``batch`` from :func:`collate`.
    """

    def __init__(self, dataset: MixingDataset,
                 plan_for: Callable[[int], list[PlannedExample]], batch_size: int,
                 encode: Callable[[list[str]], tuple[torch.Tensor, torch.Tensor]], *,
                 rank: int = 0, world: int = 1) -> None:
        self.dataset, self.plan_for, self.batch_size = dataset, plan_for, batch_size
        self.encode, self.rank, self.world = encode, rank, world
        self.planned = -1

    def __getitem__(self, key: tuple[int, int]) -> tuple[int, dict]:
        epoch, step = key
        if self.planned != epoch:
            self.dataset.set_plan(self.plan_for(epoch))
            self.planned = epoch
        B, n = self.batch_size, len(self.dataset)
        rows = list(range(step * B, min((step + 1) * B, n)))[self.rank::self.world]
        return step, collate([self.dataset[k] for k in rows], self.encode)


def to_device(batch: dict, device: torch.device | str) -> dict:
    """A collated batch with its tensors moved to ``device`` (non-blocking from pinned memory)."""
    return {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v)
            for k, v in batch.items()}
