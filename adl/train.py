"""Training captioners: baseline, AL-MixGen and ADL from one loop.

* ``baseline``: cross-entropy on the inputs.
* ``mixgen``: with probability ``p_mixgen``, two inputs mixed and their captions joined by "and".
* ``adl``: for a share ``p_adl`` of the inputs, an event from the reference bank (ESC-50) is
  mixed into the input at ``snr_db``; the decoder reads ``Z(mix) - Z(ref)`` and its target is the
  input's original caption. Plain inputs read ``Z(x) - Z(silence)`` (``model.no_reference``).

With ``training.adl_mode: add`` (the default) the mixtures come *on top of* every plain example,
so AL-MixGen and ADL see everything the baseline sees; ``replace`` swaps them in instead. With
``training.patience`` training stops once the validation loss has not improved for that many
epochs, so the best checkpoint is never the schedule's last epoch by accident.

Mixing happens on the fly in the waveform domain with fresh pairings every epoch. The loop runs
through Hugging Face Accelerate, so the same code runs on a CPU, one GPU or several
(``accelerate launch`` / ``torchrun``); ``training.batch_size`` is the *global* batch, split across
processes, so the runs agree whatever the number of processes.

Notebook: 03_adl_training
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import signal
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

# check_train_args lives in adl.config (no torch import), so the command line refuses a bad
# method or count before it loads the heavy modules; it stays importable from here.
from adl.config import (SFX_CHECKPOINT, Config, check_train_args, data_root, dataset_root,
                        load_config, save_config)
from adl.captions.mentions import EventMention
from adl.data.clotho import load_clotho
from adl.data.corpus_files import events_csv, load_scene_events
from adl.data.esc50 import load_esc50
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, SPLIT_FOLDS, require_data_root
from adl.data.training import (MixingDataset, PlanBatches, draw_pool, epoch_size, load_clips,
                               pad_batch, plan_epoch, to_device)
from adl.errors import ADLError, ConfigError, DataError
from adl.events import caption_language
from adl.feature_cache import (FeatureCache, MixturePool, attach_store, encoder_digest,
                               feature_store_dir, input_features)
from adl.inference import resolve_device
from adl.io import atomic_open
from adl.keywords import (KEYWORDS_FILE, keyword_targets, keyword_vocabulary, load_keywords,
                          save_keywords)
from adl.models.aisfx import load_sfx_file, sfx_weights
from adl.models.captioner import Captioner, build_captioner, build_frontend
from adl.models.checkpoints import load_panns_checkpoint
from adl.pretrain import load_tagger_encoder, pretrain_tagger
from adl.runs import (CONVERGENCE_RULE, CONVERGENCE_TOLERANCE, RunError, checkpoint_folder,
                      convergence_record, load_checkpoint, plateau_gain, read_run_info,
                      save_checkpoint, save_weights, up_to_date, write_run_info)
from adl.tokenizer import encode_captions, load_tokenizer, save_tokenizer, train_tokenizer

# The development folds of the reference bank (1-3). In the embedded corpus they hold the
# development recordings; fold 4 holds the validation ones and fold 5, held aside for the
# difference experiments (Table 2), the evaluation ones. Real ESC-50 uses the same folds.
REFERENCE_FOLDS = SPLIT_FOLDS["development"]
STEP_FIELDS = ("epoch", "step", "global_step", "loss", "lr", "examples_per_s", "n_adl",
               "n_mixgen")
EPOCH_FIELDS = ("epoch", "global_step", "train_loss", "val_loss", "seconds", "best")
#: Corpus metadata that ``mixing.reference_classes: absent`` reads (the scenes' events).
_EVENTS_HINT = ("mixing.reference_classes: absent needs the classes of each development scene "
                "(the embedded corpus's embedded_events_development.csv); real Clotho has no "
                "event labels, use 'any'")


class TrainingInterrupted(ADLError):
    """SIGINT or SIGTERM stopped training after a checkpoint was written."""

    exit_code = 130  # the shell's convention for an interrupted command


# -- inputs: resolved once, before any stage --------------------------------------------------


@dataclass(frozen=True)
class RunInputs:
    """Where a run's inputs live, resolved once by the entry point and passed to every stage.

    ``root`` is the data root (``<root>/pretrained`` holds fetched encoder weights); ``corpus``
    is the config's data under it (:func:`adl.config.dataset_root`).
    """

    root: Path
    corpus: Path


def run_inputs(cfg: Config, root: str | os.PathLike[str] | None = None) -> RunInputs:
    """Resolve a config's data root (the argument, else ``data.root``, ``$ADL_DATA_ROOT`` or
    ``./data``) and its corpus folder."""
    base = data_root(root if root is not None else cfg.data.root)
    return RunInputs(root=base, corpus=dataset_root(cfg, base))


@dataclass(frozen=True)
class EncoderWeights:
    """The pretrained encoder weights a config names, made sure of before the model is built.

    ``source`` is what ``run.json`` records (``random``, or the weights' path); ``note`` the
    log line that says where they came from (empty for random weights).
    """

    kind: str  # "random", "tagger", SFX_CHECKPOINT or "panns"
    source: str
    note: str = ""


def encoder_weights(cfg: Config, inputs: RunInputs) -> EncoderWeights:
    """Make sure the encoder weights that ``encoder.checkpoint`` names exist, once.

    ``tagger``: the small CNN pretrained as an event tagger on the embedded corpus (pretrained
    now if missing, :func:`adl.pretrain.pretrain_tagger`); ``aisfx``: the sound-effects CNN's
    pinned weights, fetched into ``<data root>/pretrained/`` and converted on first use
    (:mod:`adl.models.aisfx`); a path: a PANNs / DCASE2023 checkpoint (CNN14); null: random
    init (only sensible with ``freeze: false``, or for quick tests). The tagger's training
    prints its progress; :func:`load_encoder_weights` logs where the weights came from.
    """
    ckpt = cfg.encoder.checkpoint
    if ckpt is None:
        if cfg.encoder.freeze:
            warnings.warn("encoder.checkpoint is null and encoder.freeze is true: the frozen "
                          "encoder keeps its random weights", stacklevel=3)
        return EncoderWeights("random", "random")
    if ckpt == "tagger":
        if cfg.encoder.name != "small_cnn":
            raise ConfigError("encoder.checkpoint: 'tagger' is for encoder.name small_cnn")
        result = pretrain_tagger(cfg, root=inputs.root, progress=True)
        return EncoderWeights("tagger", str(result.weights),
                              f"encoder: event tagger {result.weights} "
                              f"(evaluation mAP {result.eval_map:.3f})")
    if ckpt == SFX_CHECKPOINT:  # the config allows it for sfx_cnn only
        path = sfx_weights(inputs.root)
        return EncoderWeights(SFX_CHECKPOINT, str(path),
                              f"encoder: sound-effects CNN of Ma and Lerch (ISMIR 2022, "
                              f"CC BY 4.0), {path}")
    if cfg.encoder.name != "cnn14":
        raise ConfigError("encoder.checkpoint: a PANNs/DCASE checkpoint file is for cnn14")
    return EncoderWeights("panns", str(ckpt), f"encoder: CNN14 weights from {ckpt}")


def load_encoder_weights(cfg: Config, captioner: Captioner, weights: EncoderWeights,
                         log: Callable[[str], None] = print) -> str:
    """Load :func:`encoder_weights` into the captioner's encoder; returns their source."""
    if weights.kind == "tagger":
        tagger = load_tagger_encoder(weights.source, channels=cfg.encoder.channels,
                                     time_pool=cfg.encoder.time_pool)
        state = {k: v for k, v in tagger.state_dict().items()
                 if k in captioner.encoder.state_dict()}
        captioner.encoder.load_state_dict(state, strict=True)
    elif weights.kind == SFX_CHECKPOINT:
        load_sfx_file(captioner.encoder, Path(weights.source))
    elif weights.kind == "panns":
        load_panns_checkpoint(captioner.encoder, weights.source)
    if weights.note:
        log(weights.note)
    return weights.source


def init_encoder(cfg: Config, captioner: Captioner, root: str | os.PathLike[str] | None = None,
                 log: Callable[[str], None] = print) -> str:
    """Load the pretrained encoder weights the config names; returns where they came from.

    :func:`encoder_weights` (made sure of, under the data root ``root``), then
    :func:`load_encoder_weights`.
    """
    weights = encoder_weights(cfg, run_inputs(cfg, root))
    return load_encoder_weights(cfg, captioner, weights, log)


# -- data ----------------------------------------------------------------------------------------


@dataclass
class TrainingData:
    """Decoded clips in memory, with their captions, and the reference bank."""

    clips: list[torch.Tensor]
    captions: list[tuple[str, ...]]
    references: list[torch.Tensor]
    val_clips: list[torch.Tensor]
    val_captions: list[tuple[str, ...]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Per development clip, the event classes it holds (None where unknown: real Clotho).
    clip_classes: list[frozenset[str]] | None = None
    #: Per reference event, its class.
    reference_classes: list[str] = field(default_factory=list)
    #: Frozen-encoder feature caches of ``clips`` and ``val_clips``, by encoder digest (and
    #: batch size, device, autocast): filled by :func:`cache_features`, shared by the runs
    #: given ``data``.
    feature_caches: dict[tuple, tuple[FeatureCache, FeatureCache]] = field(
        default_factory=dict, repr=False, compare=False)

    def allowed_references(self) -> list[list[int]]:
        """Per development clip, the bank events of a class the clip lacks
        (``mixing.reference_classes: absent``)."""
        if self.clip_classes is None:
            raise ConfigError(_EVENTS_HINT)
        return [[r for r, c in enumerate(self.reference_classes) if c not in have]
                for have in self.clip_classes]


def load_training_data(cfg: Config, root: str | os.PathLike[str] | None = None, *,
                       with_references: bool = True) -> TrainingData:
    """Decode the development and validation clips and the reference bank (folds 1-3) of the
    config's data under the data root ``root`` (see :func:`run_inputs`)."""
    return read_training_data(cfg, run_inputs(cfg, root).corpus, with_references=with_references)


def read_training_data(cfg: Config, base: Path, *, with_references: bool = True) -> TrainingData:
    """:func:`load_training_data` from the corpus folder ``base`` (already resolved)."""
    require_data_root(cfg, base)
    policy = cfg.training.on_bad_audio
    shortest = min_samples(cfg)
    dev = load_clotho(base, "development")
    val = load_clotho(base, "validation")
    clips, kept, skipped = load_clips([it.path for it in dev], cfg.data.sr, on_bad_audio=policy,
                                      min_samples=shortest)
    val_clips, val_kept, val_skipped = load_clips([it.path for it in val], cfg.data.sr,
                                                  on_bad_audio=policy, min_samples=shortest)
    refs: list[torch.Tensor] = []
    ref_classes: list[str] = []
    if with_references:
        bank = load_esc50(base, folds=REFERENCE_FOLDS)
        # A reference is placed inside its input's timeline, so it may be short.
        refs, ref_kept, ref_skipped = load_clips([it.path for it in bank], cfg.data.sr,
                                                 on_bad_audio=policy)
        ref_classes = [bank[i].category for i in ref_kept]
        skipped += ref_skipped
    if not clips:
        raise DataError(f"{base}: no usable development clips")
    captions = [dev[i].captions for i in kept]
    clip_classes = None
    if (base / CLOTHO_DIR / CLOTHO_CSV_DIR / events_csv("development")).is_file():
        meta = load_scene_events(base, "development")
        clip_classes = [frozenset(meta[dev[i].fname].labels) if dev[i].fname in meta
                        else frozenset() for i in kept]
    elif with_references and cfg.mixing.reference_classes == "absent":
        raise ConfigError(f"{base}: {_EVENTS_HINT}")
    if cfg.training.event_clips:
        ev_clips, ev_captions, ev_classes, ev_skipped = event_clips(cfg, base)
        clips, captions, skipped = clips + ev_clips, captions + ev_captions, skipped + ev_skipped
        if clip_classes is not None:
            clip_classes += [frozenset({c}) for c in ev_classes]
    return TrainingData(clips, captions, refs, val_clips,
                        [val[i].captions for i in val_kept], skipped + val_skipped,
                        clip_classes, ref_classes)


def event_clips(cfg: Config, base: Path,
                ) -> tuple[list[torch.Tensor], list[tuple[str, ...]], list[str],
                           list[tuple[str, str]]]:
    """``training.event_clips`` development bank events per class, captioned, as training clips.

    A scene mixes up to four events over a background, so a head trained on 1000 scenes sees
    each class in a few dozen mixtures of a handful of recordings. The bank holds the same
    recordings' events alone. Events are spread over each class's recordings
    (:func:`adl.probe.probe_events`), and the corpus's caption writers describe each as they
    describe a scene with that one event (five captions, seeded by the event's file name).

    Returns:
        ``(clips, captions, classes, skipped)``.

    Raises:
        ConfigError: the data is not an embedded corpus (real ESC-50 events have no captions).
    """
    from adl.probe import probe_events  # adl.probe reads runs through adl.floor

    if cfg.data.source != "embedded":
        raise ConfigError("training.event_clips: needs the embedded corpus, whose caption "
                          "writers can describe a bank event (real ESC-50 events have no "
                          "captions); set it to 0")
    items = probe_events(base, REFERENCE_FOLDS, cfg.training.event_clips)
    waves, kept, skipped = load_clips([it.path for it in items], cfg.data.sr,
                                      on_bad_audio=cfg.training.on_bad_audio,
                                      min_samples=min_samples(cfg))
    language = caption_language(base)
    kept_items = [items[i] for i in kept]
    captions = [tuple(language.write_captions(
                    [EventMention(it.category, 0.0, wave.shape[0] / cfg.data.sr)],
                    np.random.default_rng(zlib.crc32(Path(it.path).name.encode())), n=5))
                for it, wave in zip(kept_items, waves)]
    return waves, captions, [it.category for it in kept_items], skipped


def min_samples(cfg: Config) -> int:
    """The shortest input clip the config's encoder takes (one output frame's worth)."""
    return (cfg.encoder.time_pool - 1) * build_frontend(cfg).hop_length


# -- schedule ------------------------------------------------------------------------------------


def lr_factor(step: int, total: int, warmup: int, schedule: str = "cosine",
              scale: float = 1.0) -> float:
    """The learning rate's multiplier at ``step``: linear warm-up to 1 over ``warmup`` steps,
    then either cosine decay to 0 at ``total`` steps, or (``"plateau"``) the constant
    ``scale`` that :func:`plateau_step` lowers as the validation loss stops falling."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup * (scale if schedule == "plateau" else 1.0)
    if schedule == "plateau":
        return scale
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def plateau_step(val_losses: list[float], scale: float, factor: float) -> tuple[float, bool]:
    """After an epoch's validation, the plateau schedule's new ``scale`` and whether to stop.

    The rate is multiplied by ``factor`` when the last validation lowered the best loss before
    it by no more than :data:`adl.runs.CONVERGENCE_TOLERANCE`; the run stops once the
    convergence criterion holds (:func:`adl.runs.plateau_gain`), so a run that stops has just
    spent epochs at a lowered rate.

    Args:
        val_losses: every validation loss so far, the last one included.
    """
    if len(val_losses) > 1 and min(val_losses[:-1]) - val_losses[-1] <= CONVERGENCE_TOLERANCE:
        scale *= factor
    gain = plateau_gain(val_losses)
    return scale, bool(not math.isnan(gain) and gain <= CONVERGENCE_TOLERANCE)


# -- one step ------------------------------------------------------------------------------------


def train_step(model: Captioner, batch: dict[str, Any], method: str, *,
               cache: FeatureCache | None = None, pool: MixturePool | None = None,
               ) -> torch.Tensor:
    """The loss of one training batch: encode, subtract, decode, cross-entropy.

    The data path has already mixed each row (:class:`adl.data.training.MixingDataset`): an ADL
    row's ``input`` is ``X_mix = X_input + X_ref`` (the reference event at equal power) and its
    ``reference`` is the aligned ``X_ref``; an AL-MixGen row's input is two clips mixed; a plain
    row is the clip itself. Every row's target is a caption of its input clip (for AL-MixGen,
    the two captions joined by "and").

    Args:
        model: the captioner, or its DistributedDataParallel wrapper (the forward must go
            through the wrapper for the gradients to be averaged over processes).
        batch: from :func:`adl.data.training.collate`, on the model's device.
        method: baseline, mixgen or adl; only adl subtracts a reference.
        cache: a frozen encoder's features of the unmixed clips (:mod:`adl.feature_cache`).
        pool: the run's mixture pool, encoded once; pooled rows (``batch["pool"] >= 0``) read
            their mixture's and reference's features from it.
    Returns:
        The token-mean cross-entropy, a scalar tensor.

    Notebook: 03_adl_training
    """
    # (F, S) the rows that carry samples (all B without a cache, the mixtures with one); (B,)
    wave, lengths = batch["input"], batch["lengths"]
    # Encode. A frozen encoder's features of a plain row are read from the cache; mixtures are
    # new every epoch and are encoded here.
    features = None
    pool_index = batch.get("pool")
    if cache is not None:
        captioner = getattr(model, "module", model)  # unwrap DDP
        features = input_features(captioner, cache, batch["clip"], wave, lengths,
                                  pool, pool_index)
    # Subtract: ADL rows read Z(X_mix) - Z(X_ref), the reference encoded by the same encoder
    # (or read from the pool, where it was encoded once); rows without a reference read Z(X)
    # alone.
    reference = batch["reference"] if method == "adl" else None
    reference_features = None
    if method == "adl" and pool is not None and pool_index is not None:
        if pool.references is None:
            raise ValueError("an ADL run's mixture pool needs its references' features")
        has_ref = batch["has_reference"].cpu()
        if bool((pool_index.cpu()[has_ref] < 0).any()):
            raise ValueError("with a mixture pool every ADL row must be pooled")
        if bool(has_ref.any()):
            reference_features, _ = pool.references.gather(
                pool_index.cpu()[has_ref].tolist(), wave.device)
    # Decode with teacher forcing; the loss is the cross-entropy against the target's tokens.
    _, loss = model(wave, lengths, batch["labels"], batch["labels_mask"], reference,
                    batch["has_reference"], features, reference_features,
                    batch.get("keywords"))
    return loss


# -- the run: open, build, fit, finish -----------------------------------------------------------


@dataclass
class RunSummary:
    """What :func:`train` did."""

    run: Path
    method: str
    global_step: int
    epochs_done: int
    best_val_loss: float
    seconds: float
    examples_per_s: float
    skipped_clips: int
    reused: bool = False


@contextmanager
def _stop_on_signals():
    """Turn SIGINT/SIGTERM into a flag the loop checks after each step (main thread only)."""
    flag = {"stop": None}

    def handler(signum, _frame):
        flag["stop"] = signal.Signals(signum).name

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: leave the handlers alone
        previous = {}
    try:
        yield flag
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def train(cfg: Config, *, method: str, seed: int, out: str | os.PathLike[str],
          max_steps: int | None = None, resume: bool = False,
          root: str | os.PathLike[str] | None = None, checkpoint_every: int | None = None,
          log: Callable[[str], None] = print, data: TrainingData | None = None) -> RunSummary:
    """Train a captioner with ``method`` and write the run directory ``out``.

    The method in four stages: :func:`open_run` (reuse a complete run, or take an interrupted
    one's config to resume it), :func:`start_run` (the data, the tokenizer, the model with its
    pretrained encoder, the optimizer and the batches), :func:`fit` (the epochs of
    :func:`train_step`, each ending in a validation), :func:`finish_run` (``run.json``).

    A complete run is reused (not retrained); an incomplete one needs ``resume=True``, which
    continues from its last checkpoint exactly (same weights as an uninterrupted run on a CPU).

    Args:
        cfg: the resolved config. method: baseline, mixgen or adl. seed: the run's seed.
        out: the run directory. max_steps: stop after this many optimizer steps in all.
        resume: continue an interrupted run. root: the data root.
        checkpoint_every: steps between checkpoints of ``out/last`` (and at every epoch end);
            None takes ``training.checkpoint_every`` from the config.
        log: receives progress lines (on the main process).
        data: already decoded data (notebooks train several runs on the same clips).

    Notebook: 03_adl_training
    """
    every = check_train_args(cfg, method, max_steps, checkpoint_every)
    out = Path(out)
    reused, cfg = open_run(out, cfg, method, seed, resume, log)
    if reused is not None:
        return reused
    run = start_run(cfg, method=method, seed=seed, out=out, inputs=run_inputs(cfg, root),
                    max_steps=max_steps, resume=resume, checkpoint_every=every, log=log,
                    data=data)
    fit(run)
    return finish_run(run)


def open_run(out: Path, cfg: Config, method: str, seed: int, resume: bool,
             log: Callable[[str], None]) -> tuple[RunSummary | None, Config]:
    """Check what ``out`` already holds: ``(summary of a complete run to reuse, or None; the
    config to train with)``. A resumed run keeps the config it was started with; a folder
    holding another method, seed or config is never reused."""
    if (out / "run.json").exists():
        info = read_run_info(out)
        if info.get("method") != method or info.get("seed") != seed:
            raise RunError(f"{out}: holds a {info.get('method')} run with seed "
                           f"{info.get('seed')}, not {method} seed {seed}; choose another --out")
        if not resume and (out / "config.yaml").exists() and load_config(out / "config.yaml") != cfg:
            raise RunError(f"{out}: holds a run made with another config (preset "
                           f"{info.get('preset')!r}); delete it or choose another --out")
        if not resume and up_to_date(out / "run.json", {"status": "complete"}) is not None:
            log(f"{out}: run already complete, reused (delete it to retrain)")
            return RunSummary(out, info["method"], info["global_step"], info["epochs_done"],
                              info["best_val_loss"], info["seconds"],
                              info.get("examples_per_s", float("nan")),
                              info.get("skipped_clips", 0), reused=True), cfg
        if not resume:
            raise RunError(f"{out}: an interrupted run is there; continue it with --resume, "
                           "or choose another --out")
        cfg = load_config(out / "config.yaml")
    elif resume:
        raise RunError(f"{out}: nothing to resume (run.json is missing)")
    return None, cfg


@dataclass(frozen=True)
class StepBudget:
    """How many optimizer steps a run takes: per epoch, in all (``max_steps`` applied), and of
    linear warm-up."""

    steps_per_epoch: int
    total: int
    warmup: int


@dataclass
class TrainingRun:
    """One run while it trains: what :func:`start_run` builds and :func:`fit` advances.

    ``state`` is what a checkpoint saves (epoch, step in epoch, global step, best validation
    loss and epoch, plateau scale); the counters at the end time this process only.
    """

    cfg: Config
    method: str
    seed: int
    out: Path
    accelerator: Any
    data: TrainingData
    model: Captioner
    ddp_model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    budget: StepBudget
    state: dict[str, Any]
    encode: Callable[[list[str]], tuple[torch.Tensor, torch.Tensor]]
    encoder_source: str
    checkpoint_every: int
    say: Callable[[str], None]
    cache: FeatureCache | None = None
    val_cache: FeatureCache | None = None
    pool: MixturePool | None = None
    plan_for: Callable[[int], list] | None = None
    batches: Iterator[tuple[int, dict]] | None = None
    started: float = 0.0
    first_step: int = 0
    seen: int = 0
    train_time: float = 0.0

    @property
    def main(self) -> bool:
        return self.accelerator.is_main_process

    @property
    def device(self) -> torch.device:
        return self.accelerator.device


def start_run(cfg: Config, *, method: str, seed: int, out: Path, inputs: RunInputs,
              max_steps: int | None, resume: bool, checkpoint_every: int,
              log: Callable[[str], None], data: TrainingData | None) -> TrainingRun:
    """Everything a run needs before its first step, in the order that fixes its random draws:
    the encoder weights made sure of, the seed, the data, the tokenizer and keywords (saved in
    the run), the model, the optimizer and schedule, a resumed checkpoint, the frozen encoder's
    features and the run's batches."""
    from accelerate import Accelerator

    cuda = resolve_device(cfg.training.device).startswith("cuda")
    accelerator = Accelerator(cpu=not cuda, mixed_precision="bf16" if cuda else "no")
    say = log if accelerator.is_main_process else (lambda _msg: None)
    weights = encoder_weights(cfg, inputs)
    torch.manual_seed(seed)
    if data is None:
        data = read_training_data(cfg, inputs.corpus, with_references=(method == "adl"))
    if data.skipped:
        say(f"skipped {len(data.skipped)} bad clips (training.on_bad_audio: skip)")
    if method == "adl" and not data.references:
        raise DataError("method adl needs reference events, and the bank is empty")
    tok, keywords = run_vocabulary(cfg, out, data, main=accelerator.is_main_process)
    model = build_captioner(cfg, vocab_size=len(tok),
                            n_keywords=None if keywords is None else len(keywords))
    source = load_encoder_weights(cfg, model, weights, log=say)
    if cfg.encoder.freeze:
        model.freeze_encoder()
    state: dict[str, Any] = {"epoch": 0, "step_in_epoch": 0, "global_step": 0,
                             "best_val_loss": math.inf, "best_epoch": -1}
    optimizer, scheduler, budget = _optimizer(cfg, model, method, len(data.clips), max_steps,
                                              state)
    if resume:
        _resume(out, model, optimizer, scheduler, state, say)
    elif accelerator.is_main_process:
        write_run_info(out, {"status": "running", "method": method, "seed": seed,
                             "preset": cfg.name, "encoder": source})
    ddp_model, optimizer = accelerator.prepare(model, optimizer)
    if cfg.training.compile:
        # The decoder is where a frozen-encoder step spends its time; compiling it pays a
        # warm-up of seconds to minutes, so it is opt-in (measured in benchmarks/README.md).
        model.decoder.compile()  # in place: the state_dict keeps its keys
    run = TrainingRun(cfg, method, seed, out, accelerator, data, model, ddp_model, optimizer,
                      scheduler, budget, state,
                      lambda caps: encode_captions(tok, caps,
                                                   max_length=cfg.decoder.max_caption_tokens),
                      source, checkpoint_every, say)
    cache_key = cache_features(run, inputs)
    run.batches = plan_batches(run, keywords, cache_key)
    return run


def run_vocabulary(cfg: Config, out: Path, data: TrainingData, *, main: bool,
                   ) -> tuple[Any, list[str] | None]:
    """The run's tokenizer (trained on the development captions once) and keywords (their most
    frequent content words), read back from ``out`` when it has them; a new run's are saved
    there with its config (main process only)."""
    if (out / "tokenizer").exists():
        tok = load_tokenizer(out / "tokenizer")
    elif cfg.decoder.tokenizer:
        tok = load_tokenizer(cfg.decoder.tokenizer)
    else:
        tok = train_tokenizer([c for caps in data.captions for c in caps],
                              vocab_size=cfg.decoder.vocab_size)
    keywords = None
    if cfg.decoder.keywords:
        keywords = (load_keywords(out / KEYWORDS_FILE) if (out / KEYWORDS_FILE).exists()
                    else keyword_vocabulary(data.captions, cfg.decoder.keywords))
    if main and not (out / "tokenizer").exists():
        out.mkdir(parents=True, exist_ok=True)
        if keywords is not None:
            save_keywords(keywords, out / KEYWORDS_FILE)
        save_tokenizer(tok, out / "tokenizer")
        save_config(cfg, out / "config.yaml")
    return tok, keywords


def warmup_steps(cfg: Config, steps_per_epoch: int, total: int) -> int:
    """The warm-up's length in optimizer steps: ``training.warmup_epochs`` epochs when set (the
    same whatever the ceiling of ``epochs``), else ``warmup_fraction`` of the ``total`` budget;
    never more than ``total``."""
    if cfg.training.warmup_epochs is not None:
        return min(total, int(round(cfg.training.warmup_epochs * steps_per_epoch)))
    return int(cfg.training.warmup_fraction * total)


def _optimizer(cfg: Config, model: Captioner, method: str, n_clips: int,
               max_steps: int | None, state: dict[str, Any],
               ) -> tuple[torch.optim.Optimizer, Any, StepBudget]:
    """AdamW on the trainable parameters and its learning-rate schedule (:func:`lr_factor`,
    reading the plateau scale from ``state`` when it steps, so a resumed run's lowered rate
    applies)."""
    optimizer = torch.optim.AdamW(model.trainable_parameters(), lr=cfg.training.lr_for(method),
                                  weight_decay=cfg.training.weight_decay)
    n_examples = epoch_size(n_clips, method=method, p_adl=cfg.mixing.p_adl,
                            p_mixgen=cfg.mixing.p_mixgen, mode=cfg.training.adl_mode,
                            captions_per_clip=cfg.training.captions_per_clip)
    steps_per_epoch = math.ceil(n_examples / cfg.training.batch_size)
    total = cfg.training.epochs * steps_per_epoch
    if max_steps is not None:
        total = min(total, max_steps)
    warmup = warmup_steps(cfg, steps_per_epoch, total)
    schedule = cfg.training.schedule
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, total, warmup, schedule, state.get("lr_scale", 1.0)))
    return optimizer, scheduler, StepBudget(steps_per_epoch, total, warmup)


def _resume(out: Path, model: Captioner, optimizer: torch.optim.Optimizer, scheduler: Any,
            state: dict[str, Any], say: Callable[[str], None]) -> None:
    """Load the last checkpoint into the model, optimizer, scheduler, RNGs and ``state`` (in
    place: the schedule reads it), and drop the log rows written after it. A run that stopped
    before its first checkpoint starts again from step 0: it had nothing to keep."""
    found = checkpoint_folder(out / "last")
    if found is None:
        _truncate_log(out / "steps.csv", STEP_FIELDS, 0)
        _truncate_log(out / "epochs.csv", EPOCH_FIELDS, 0)
        say(f"{out}: stopped before its first checkpoint; training starts again from step 0")
        return
    loaded = load_checkpoint(found, model=model, optimizer=optimizer, scheduler=scheduler)
    state.clear()
    state.update(loaded)
    _truncate_log(out / "steps.csv", STEP_FIELDS, state["global_step"])
    _truncate_log(out / "epochs.csv", EPOCH_FIELDS, state["global_step"])
    say(f"resumed {out} at epoch {state['epoch']}, step {state['global_step']}")


def cache_features(run: TrainingRun, inputs: RunInputs) -> tuple | None:
    """A frozen encoder's features: attach the corpus's feature store
    (``training.store_features``) and cache the clips' features in memory
    (``training.cache_features``, shared through ``run.data`` by runs on the same clips and
    encoder). Returns the in-memory cache's key, None without one."""
    cfg, data, model, device, say = run.cfg, run.data, run.model, run.device, run.say
    if cfg.training.store_features and cfg.encoder.freeze:
        attach_store(model, feature_store_dir(inputs.corpus),
                     context=f"{device.type}:{'bf16' if device.type == 'cuda' else 'fp32'}")
    if not (cfg.training.cache_features and cfg.encoder.freeze):
        return None
    t0 = time.perf_counter()
    autocast = device.type == "cuda"
    # Runs that share ``data`` and a frozen encoder (a notebook's nine) build it once.
    key = (encoder_digest(model), len(data.clips), sum(c.shape[0] for c in data.clips),
           cfg.training.batch_size, str(device), autocast)
    if key in data.feature_caches:
        run.cache, run.val_cache = data.feature_caches[key]
        say(f"frozen-encoder features of {len(run.cache)} + {len(run.val_cache)} clips: reused "
            f"(built by an earlier run on the same clips and encoder)")
        return key
    run.cache = FeatureCache.build(model, data.clips, batch_size=cfg.training.batch_size,
                                   device=device, autocast=autocast)
    run.val_cache = FeatureCache.build(model, data.val_clips,
                                       batch_size=cfg.training.batch_size, device=device,
                                       autocast=autocast)
    data.feature_caches[key] = (run.cache, run.val_cache)
    say(f"cached frozen-encoder features of {len(run.cache)} + {len(run.val_cache)} clips "
        f"({(run.cache.nbytes + run.val_cache.nbytes) / 2**20:.0f} MiB, "
        f"{time.perf_counter() - t0:.1f} s)")
    return key


def plan_batches(run: TrainingRun, keywords: list[str] | None,
                 cache_key: tuple | None) -> Iterator[tuple[int, dict]]:
    """The run's batches for every remaining step: the mixing dataset, the mixture pool (built
    once per clips and encoder), each epoch's plan (``run.plan_for``) and one loader over them."""
    cfg, data, method = run.cfg, run.data, run.method
    dataset = MixingDataset(data.clips, data.captions, data.references,
                            snr_db=cfg.mixing.snr_db, plain_audio=run.cache is None,
                            keywords=(None if keywords is None
                                      else keyword_targets(data.captions, keywords)))
    lengths = [c.shape[0] for c in data.clips]
    ref_lengths = [r.shape[0] for r in data.references]
    n_caps = [len(c) for c in data.captions]
    allowed = (data.allowed_references()
               if method == "adl" and cfg.mixing.reference_classes == "absent" else None)
    if cfg.mixing.pool_size and method != "baseline":
        run.pool = mixture_pool(run, cache_key, n_caps, lengths, ref_lengths, allowed)
    pooled = run.pool.examples if run.pool is not None else None
    run.plan_for = lambda ep: plan_epoch(len(data.clips), n_caps, lengths, ref_lengths,
                                         method=method, p_adl=cfg.mixing.p_adl,
                                         p_mixgen=cfg.mixing.p_mixgen, seed=run.seed, epoch=ep,
                                         mode=cfg.training.adl_mode, allowed_refs=allowed,
                                         pool=pooled,
                                         captions_per_clip=cfg.training.captions_per_clip)
    acc, state, budget = run.accelerator, run.state, run.budget
    # One loader over every remaining step of the run: its workers live for the whole run (what
    # persistent_workers would buy) and prepare the next epoch's batches during validation.
    return _loader(PlanBatches(dataset, run.plan_for, cfg.training.batch_size, run.encode,
                               rank=acc.process_index, world=acc.num_processes),
                   state["epoch"], state["step_in_epoch"], cfg.training.epochs,
                   budget.steps_per_epoch, budget.total - state["global_step"],
                   cfg.training.num_workers, pin_memory=run.device.type == "cuda")


def mixture_pool(run: TrainingRun, cache_key: tuple | None, n_caps: list[int],
                 lengths: list[int], ref_lengths: list[int],
                 allowed: list[list[int]] | None) -> MixturePool:
    """The run's mixture pool (``mixing.pool_size`` mixtures, encoded once), shared through
    ``run.data`` by the runs of the same method on the same clips and encoder."""
    cfg, data, method = run.cfg, run.data, run.method
    if run.cache is None:
        raise ConfigError("mixing.pool_size: a mixture pool needs a frozen encoder with "
                          "training.cache_features: true")
    t0 = time.perf_counter()
    pool_key = ("pool", cache_key, method, cfg.mixing.pool_size, cfg.mixing.pool_seed,
                cfg.mixing.snr_db, cfg.mixing.reference_classes)
    pool = data.feature_caches.get(pool_key)  # type: ignore[assignment]
    if pool is None:
        examples = draw_pool(len(data.clips), n_caps, lengths, ref_lengths, method=method,
                             size=cfg.mixing.pool_size, seed=cfg.mixing.pool_seed,
                             allowed_refs=allowed)
        pool = MixturePool.build(run.model, examples, data.clips, data.references,
                                 snr_db=cfg.mixing.snr_db, batch_size=cfg.training.batch_size,
                                 device=run.device, autocast=run.device.type == "cuda")
        data.feature_caches[pool_key] = pool  # type: ignore[assignment]
    run.say(f"mixture pool: {len(pool)} {method} mixtures ({pool.nbytes / 2**20:.0f} MiB, "
            f"{time.perf_counter() - t0:.1f} s)")
    return pool


def fit(run: TrainingRun) -> None:
    """Train epoch after epoch until the run's last epoch or step, or an early stop.

    Each epoch runs :func:`train_step` over its batches (:func:`train_epoch`), then validates
    and checkpoints (:func:`end_epoch`). SIGINT or SIGTERM stops after the current step, with a
    checkpoint to resume from (:class:`TrainingInterrupted`).
    """
    run.started = time.perf_counter()
    run.first_step = run.state["global_step"]  # a resumed run's time left counts this process's
    state, cfg = run.state, run.cfg
    with _stop_on_signals() as stop:
        epoch = state["epoch"]
        while (epoch < cfg.training.epochs and state["global_step"] < run.budget.total
               and not state.get("stopped_early")):
            epoch_started = time.perf_counter()
            loss_sum, tokens = train_epoch(run, epoch, stop)
            epoch, stalled = end_epoch(run, epoch, loss_sum / max(tokens, 1), epoch_started)
            if stalled:
                break


def train_epoch(run: TrainingRun, epoch: int, stop: dict[str, str | None]) -> tuple[float, int]:
    """The steps of one epoch (or of what is left of it): ``(summed token loss, tokens)``."""
    state, budget, B = run.state, run.budget, run.cfg.training.batch_size
    plan = run.plan_for(epoch)
    n_steps = min(budget.steps_per_epoch - state["step_in_epoch"],
                  budget.total - state["global_step"])
    run.model.train()
    epoch_loss, epoch_tokens = 0.0, 0
    # A per-step bar on a terminal only: disable=None turns it off when stderr is not a TTY (a
    # notebook kernel, a log file), where the one line per epoch of end_epoch is the log.
    bar = tqdm(itertools.islice(run.batches, n_steps), total=n_steps,
               desc=f"{run.method} epoch {epoch + 1}", disable=None if run.main else True,
               leave=False, unit="batch")
    for step_in_epoch, batch in bar:
        t0 = time.perf_counter()
        global_loss, n_global, n_batch = _optimizer_step(run, batch)
        bar.set_postfix(loss=f"{float(global_loss):.3f}")
        state["global_step"] += 1
        state["step_in_epoch"] = step_in_epoch + 1
        dt = time.perf_counter() - t0
        run.train_time += dt
        run.seen += n_batch
        epoch_loss += float(global_loss) * int(n_global)
        epoch_tokens += int(n_global)
        if run.main:
            kinds = _count_kinds(plan[step_in_epoch * B: (step_in_epoch + 1) * B])
            _append_log(run.out / "steps.csv", STEP_FIELDS, {
                "epoch": epoch, "step": step_in_epoch, "global_step": state["global_step"],
                "loss": f"{float(global_loss):.6f}",
                "lr": f"{run.scheduler.get_last_lr()[0]:.3e}",
                "examples_per_s": f"{n_batch / max(dt, 1e-9):.2f}",
                "n_adl": kinds.get("adl", 0), "n_mixgen": kinds.get("mixgen", 0)})
        done = state["global_step"] >= budget.total
        end_of_epoch = state["step_in_epoch"] >= budget.steps_per_epoch
        if stop["stop"] or (not end_of_epoch and not done
                            and state["global_step"] % run.checkpoint_every == 0):
            _checkpoint(run, stop["stop"])
        if done:
            break
    return epoch_loss, epoch_tokens


def _optimizer_step(run: TrainingRun, batch: dict[str, Any],
                    ) -> tuple[torch.Tensor, torch.Tensor, int]:
    """One optimizer step on a batch: ``(loss over all processes, their tokens, their rows)``."""
    acc, device = run.accelerator, run.device
    batch = to_device(batch, device)
    n_local = batch["labels_mask"].sum()
    n_global = acc.reduce(n_local.clone(), reduction="sum")
    with acc.autocast():
        loss = train_step(run.ddp_model, batch, run.method, cache=run.cache, pool=run.pool)
    # DDP averages gradients over processes: weigh each process's token-mean loss by its share
    # of the global tokens, so every token counts the same.
    scaled = loss * n_local * acc.num_processes / n_global
    acc.backward(scaled)
    if run.cfg.training.grad_clip > 0:
        acc.clip_grad_norm_(run.model.trainable_parameters(), run.cfg.training.grad_clip)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    global_loss = acc.reduce((loss.detach() * n_local), "sum") / n_global
    n_batch = int(acc.reduce(torch.tensor(batch["lengths"].shape[0], device=device), "sum"))
    return global_loss, n_global, n_batch


def _checkpoint(run: TrainingRun, signal_name: str | None) -> None:
    """Save ``out/last`` (main process); after a signal, stop with :class:`TrainingInterrupted`."""
    run.accelerator.wait_for_everyone()
    if run.main:
        save_checkpoint(run.out / "last", model=run.model, optimizer=run.optimizer,
                        scheduler=run.scheduler, state=run.state)
    if signal_name:
        raise TrainingInterrupted(
            f"{signal_name}: training stopped at step {run.state['global_step']}; "
            f"checkpoint saved in {run.out / 'last'}; continue with --resume")


def end_epoch(run: TrainingRun, epoch: int, train_loss: float,
              epoch_started: float) -> tuple[int, bool]:
    """After an epoch (or at ``max_steps``): the validation loss, the best weights, the early
    stop, the logs and the last checkpoint. Returns ``(next epoch, stalled)``.

    Early stop: ``training.patience`` finished epochs without a better validation loss, or, on
    the plateau schedule, the convergence criterion met (the rate lowered on the way).
    """
    cfg, state = run.cfg, run.state
    epoch_done = state["step_in_epoch"] >= run.budget.steps_per_epoch
    val_loss = validation_loss(run.model, run.data, run.encode, cfg, run.device,
                               cache=run.val_cache)
    best = val_loss < state["best_val_loss"]
    if best:
        state["best_val_loss"] = val_loss
        state["best_epoch"] = epoch
    if epoch_done:
        epoch += 1
        state["epoch"], state["step_in_epoch"] = epoch, 0
    patience = cfg.training.patience
    stalled = (epoch_done and patience is not None
               and epoch - 1 - state.get("best_epoch", -1) >= patience)
    if cfg.training.schedule == "plateau" and epoch_done:
        stalled = _lower_rate(run, val_loss)
    if stalled:
        state["stopped_early"] = True
    if run.main:
        _log_epoch(run, epoch, epoch_done, train_loss, val_loss, best, stalled, epoch_started)
    run.accelerator.wait_for_everyone()
    return epoch, stalled


def _lower_rate(run: TrainingRun, val_loss: float) -> bool:
    """The plateau schedule after a finished epoch: lower the rate (the next step already runs
    at it) and say whether the run has converged (:func:`plateau_step`)."""
    state, budget = run.state, run.budget
    state["val_losses"] = [*state.get("val_losses", []), val_loss]
    state["lr_scale"], stalled = plateau_step(state["val_losses"], state.get("lr_scale", 1.0),
                                              run.cfg.training.plateau_factor)
    for group, base in zip(run.optimizer.param_groups, run.scheduler.base_lrs):
        group["lr"] = base * lr_factor(run.scheduler.last_epoch, budget.total, budget.warmup,
                                       run.cfg.training.schedule, state["lr_scale"])
    return stalled


def _log_epoch(run: TrainingRun, epoch: int, epoch_done: bool, train_loss: float,
               val_loss: float, best: bool, stalled: bool, epoch_started: float) -> None:
    """The main process's end of an epoch: best weights, ``epochs.csv``, the last checkpoint
    and the epoch's log line (:func:`epoch_line`)."""
    state, out = run.state, run.out
    if best:
        save_weights(run.model, out / "model.safetensors")
    _append_log(out / "epochs.csv", EPOCH_FIELDS, {
        "epoch": epoch - 1 if epoch_done else epoch, "global_step": state["global_step"],
        "train_loss": f"{train_loss:.6f}", "val_loss": f"{val_loss:.6f}",
        "seconds": f"{time.perf_counter() - run.started:.1f}", "best": int(best)})
    save_checkpoint(out / "last", model=run.model, optimizer=run.optimizer,
                    scheduler=run.scheduler, state=state)
    now = time.perf_counter()
    steps_done = state["global_step"] - run.first_step
    left = (now - run.started) / max(steps_done, 1) * (run.budget.total - state["global_step"])
    run.say(epoch_line(run.method, run.seed, epoch if epoch_done else epoch + 1,
                       run.cfg.training.epochs, train_loss, val_loss, best=best,
                       seconds=now - epoch_started, seconds_left=0 if stalled else left))
    if stalled:
        why = (f"converged ({CONVERGENCE_RULE})" if run.cfg.training.schedule == "plateau"
               else f"no better validation loss for {run.cfg.training.patience} epochs")
        run.say(f"{run.method} seed {run.seed}: early stop, {why} (best: epoch "
                f"{state['best_epoch'] + 1}, {state['best_val_loss']:.3f})")


def finish_run(run: TrainingRun) -> RunSummary:
    """Mark the run complete in ``run.json`` (main process) and summarise it."""
    seconds = time.perf_counter() - run.started
    state = run.state
    summary = RunSummary(run.out, run.method, state["global_step"], state["epoch"],
                         state["best_val_loss"], seconds, run.seen / max(run.train_time, 1e-9),
                         len(run.data.skipped))
    if run.main:
        write_run_info(run.out, {"status": "complete", "method": run.method, "seed": run.seed,
                                 "preset": run.cfg.name, "encoder": run.encoder_source,
                                 "global_step": summary.global_step,
                                 "epochs_done": summary.epochs_done,
                                 "best_val_loss": summary.best_val_loss,
                                 # 1-based, as the log lines count epochs
                                 "best_epoch": state.get("best_epoch", -1) + 1,
                                 "epochs_max": run.cfg.training.epochs,
                                 "stopped_early": bool(state.get("stopped_early", False)),
                                 "convergence": convergence_record(_val_losses(run.out)),
                                 "seconds": round(seconds, 2),
                                 "examples_per_s": round(summary.examples_per_s, 2),
                                 "skipped_clips": summary.skipped_clips,
                                 "num_processes": run.accelerator.num_processes,
                                 "device": str(run.device)})
    return summary


def epoch_line(method: str, seed: int, epoch: int, epochs: int, train_loss: float,
               val_loss: float, *, best: bool, seconds: float, seconds_left: float) -> str:
    """The one log line :func:`train` writes per epoch: method, seed, epoch k/N, losses, the
    epoch's wall time and an estimate of the time left for the run (from its mean step time).

    Example: ``adl seed 0 epoch 3/10: train loss 3.412, val loss 3.601 (best), 41.2 s, about
    5 min left``.
    """
    left = "done" if seconds_left <= 0 else f"about {_duration(seconds_left)} left"
    return (f"{method} seed {seed} epoch {epoch}/{epochs}: train loss {train_loss:.3f}, "
            f"val loss {val_loss:.3f}{' (best)' if best else ''}, {seconds:.1f} s, {left}")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _count_kinds(examples) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.kind] = counts.get(ex.kind, 0) + 1
    return counts


def _loader(batches: PlanBatches, epoch: int, start_step: int, epochs: int,
            steps_per_epoch: int, max_steps: int, num_workers: int, *,
            pin_memory: bool = False) -> Iterator[tuple[int, dict]]:
    """This process's batches for every remaining step of the run, each tagged with its step in
    the epoch: ``(step, batch)`` (see :class:`adl.data.training.PlanBatches`)."""
    keys = []
    for ep in range(epoch, epochs):
        for s in range(start_step if ep == epoch else 0, steps_per_epoch):
            if len(keys) < max_steps:
                keys.append((ep, s))
    if not keys:
        return iter(())
    # Its own generator: a DataLoader otherwise draws its workers' base seed from the global
    # RNG, which would shift dropout after a resume.
    loader = DataLoader(batches, batch_size=None, sampler=keys, num_workers=num_workers,
                        pin_memory=pin_memory, generator=torch.Generator().manual_seed(0),
                        prefetch_factor=2 if num_workers else None)
    return iter(loader)


@torch.no_grad()
def validation_loss(model: Captioner, data: TrainingData, encode, cfg: Config,
                    device: torch.device, cache: FeatureCache | None = None) -> float:
    """Token-mean cross-entropy on the validation clips, no reference, one caption each
    (caption ``i % 5`` for clip ``i``, so it is the same every epoch). ``cache``: the frozen
    encoder's features of the validation clips, read instead of encoding them."""
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    B = cfg.training.batch_size
    for s in range(0, len(data.val_clips), B):
        clips = data.val_clips[s: s + B]
        caps = [data.val_captions[i][i % len(data.val_captions[i])]
                for i in range(s, s + len(clips))]
        labels, mask = encode(caps)
        if cache is not None:
            feats = cache.gather(range(s, s + len(clips)), device)
            wave = torch.zeros(len(clips), device=device)  # not read
            # The clips' lengths are: a silent reference is as long as its input.
            lengths = torch.tensor([c.shape[0] for c in clips], device=device)
            _, loss = model(wave, lengths, labels.to(device), mask.to(device),
                            input_features=feats)
        else:
            wave, lengths = pad_batch(clips)
            _, loss = model(wave.to(device), lengths.to(device), labels.to(device),
                            mask.to(device))
        n = int(mask.sum())
        total += float(loss) * n
        tokens += n
    model.train(was_training)
    return total / max(tokens, 1) if tokens else float("nan")


def _val_losses(out: Path) -> list[float]:
    """The validation losses of a run's ``epochs.csv``, in order."""
    with open(out / "epochs.csv", newline="", encoding="utf-8") as f:
        return [float(row["val_loss"]) for row in csv.DictReader(f)]


def _append_log(path: Path, fields: tuple[str, ...], row: dict[str, Any]) -> None:
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        w.writerow(row)


def _truncate_log(path: Path, fields: tuple[str, ...], global_step: int) -> None:
    """Drop log rows written after the checkpoint we resume from (atomically)."""
    if not path.exists():
        return
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f)
                if r.get("global_step", "").isdigit() and int(r["global_step"]) <= global_step]
    with atomic_open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
