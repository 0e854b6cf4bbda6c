"""Pretraining the small CNN as an event tagger on the embedded corpus.

The DCASE2023 task 6a baseline, whose settings the paper kept, freezes a CNN14 pretrained as an
audio tagger on AudioSet (PANNs). For the embedded corpus the analogue is
:func:`pretrain_tagger`: it trains :class:`~adl.models.encoder.SmallCnnEncoder` with its tagging
head as a multi-label tagger (binary cross-entropy over the corpus's event classes) and saves the
weights, which captioning runs then load with :func:`load_tagger_encoder` and freeze.

Training data: the development recordings only, that is the development scenes (multi-hot
labels from the corpus's event metadata) and the bank events of ESC-50 folds 1-3 (one-hot),
which hold the same recordings (:data:`adl.data.layout.SPLIT_FOLDS`). Fold 4 holds the
validation recordings and fold 5 the evaluation ones, which the difference experiments use, so
the tagger never hears a recording of the scenes or references it is judged on. The validation
scenes pick nothing (the final weights are kept) but are scored every epoch; the evaluation
scenes and fold 5 are scored once at the end. The score is the macro mean average precision
over classes (:func:`mean_average_precision`).

Example::

    from adl.config import load_preset
    from adl.pretrain import pretrain_tagger, load_tagger_encoder
    cfg = load_preset("smoke")
    result = pretrain_tagger(cfg, root="data")
    enc = load_tagger_encoder(result.weights, channels=cfg.encoder.channels,
                              time_pool=cfg.encoder.time_pool).freeze()

Notebook: 03_adl_training
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from adl.audio import LOG_EPS, LogMel, load_audio
from adl.config import Config, dataset_root
from adl.data.clotho import load_clotho
from adl.data.corpus_files import MANIFEST, corpus_classes, load_scene_events
from adl.data.esc50 import load_esc50
from adl.data.layout import SPLIT_FOLDS, events_csv
from adl.errors import ConfigError, DataError
from adl.io import atomic_path, write_json
from adl.models.checkpoints import CheckpointError, state_mismatch
from adl.models.encoder import SmallCnnEncoder
from adl.runs import up_to_date

__all__ = [
    "TaggerResult",
    "tagger_ablation",
    "average_precision",
    "load_tagger_encoder",
    "mean_average_precision",
    "pretrain_tagger",
    "ship_tagger",
    "shipped_tagger",
]

WEIGHTS_FILE = "encoder.safetensors"
REPORT_FILE = "tagger.json"
#: Bumped when the recipe changes (data, augmentation, schedule), so old weights are retrained.
RECIPE_VERSION = 3  # 2: classes read from the corpus's bank; fold 5 scored. 3: folds 1-3 only
#: Bank folds the tagger trains on: those of the development recordings. Fold 4 (validation)
#: and fold 5 (evaluation, the difference experiments' events) stay unheard.
TRAIN_FOLDS: tuple[int, ...] = SPLIT_FOLDS["development"]
#: The bank fold of the evaluation recordings, scored as ``fold5_map``.
UNHEARD_FOLDS: tuple[int, ...] = SPLIT_FOLDS["evaluation"]
#: Share of training examples mixed with a second clip of the batch (labels: the union).
MIX_PROB = 0.5
#: The second clip's level relative to the first, drawn uniformly in this range (dB).
MIX_GAIN_DB = (-6.0, 6.0)
#: Random extra frames added to the length when forming batches, so that batches of similar
#: lengths still change from epoch to epoch.
LENGTH_JITTER = 25
#: Log-mel value of digital silence; padding with it adds no power when two clips are mixed.
PAD_VALUE = math.log(LOG_EPS)
#: Tagger weights that ship with the package, one folder each (``encoder.safetensors`` and the
#: ``tagger.json`` report that :func:`pretrain_tagger` wrote when it trained them), used when
#: ``tagger.shipped`` is true and the report's settings equal the run's (corpus included).
SHIPPED_DIR = Path(__file__).resolve().parent / "weights"
#: How far the mAPs recomputed on the user's corpus may stray from the shipped report's before
#: the weights are judged not to be for this corpus (then the tagger is trained anew). The
#: corpus is the same bytes for the same packages; float rounding of another CPU moves scores
#: by far less than this.
SHIPPED_MAP_TOLERANCE = 0.005


@dataclass(frozen=True)
class TaggerResult:
    """What :func:`pretrain_tagger` trained (or found).

    ``val_map`` is the validation mAP of the saved (final) weights; ``eval_map`` its mAP on the
    evaluation scenes and ``fold5_map`` on the bank's fold 5, events of recordings it never
    heard; ``val_maps`` and ``train_losses`` hold one value per epoch.
    """

    weights: Path
    val_map: float
    eval_map: float
    fold5_map: float
    epochs: int
    seconds: float
    reused: bool
    val_maps: list[float] = field(default_factory=list)
    train_losses: list[float] = field(default_factory=list)
    #: The weights came with the package (``tagger.shipped``); ``seconds`` is then how long
    #: their training took, and the three mAPs were recomputed on this corpus when installed.
    shipped: bool = False


# ---- average precision -------------------------------------------------------------------

def average_precision(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Average precision of every class (column), tie-aware.

    For each positive example ``i`` of a class, precision at its score is
    ``#{positives j: s_j >= s_i} / #{j: s_j >= s_i}``; AP is the mean of that over the
    positives. Tied scores form one threshold, as in scikit-learn's ``average_precision_score``.

    Args:
        scores: ``(N, C)`` scores, higher means more likely.
        targets: ``(N, C)`` binary labels (0/1 or bool).

    Returns:
        ``(C,)`` float64; NaN for a class with no positive example.
    """
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(f"scores and targets must both be (N, C); got {scores.shape} and "
                         f"{targets.shape}")
    if not np.isin(targets, (0, 1)).all():
        raise ValueError("targets must be binary (0 or 1)")
    targets = targets.astype(np.float64)
    ap = np.full(scores.shape[1], np.nan)
    for c in range(scores.shape[1]):
        s, y = scores[:, c], targets[:, c]
        n_pos = y.sum()
        if n_pos == 0:
            continue
        order = np.argsort(-s, kind="stable")
        s, y = s[order], y[order]
        tp = np.cumsum(y)
        # Last index of each run of tied scores: one threshold per distinct score.
        ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
        pos_in_group = np.diff(np.r_[0.0, tp[ends]])
        precision = tp[ends] / (ends + 1)
        ap[c] = float((pos_in_group * precision).sum() / n_pos)
    return ap


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """Macro mAP: the mean of :func:`average_precision` over the classes that have a positive.

    Classes without a positive example have no defined AP and are excluded (a small split may
    lack some classes). Raises ``ValueError`` if no class has a positive.
    """
    ap = average_precision(scores, targets)
    if np.isnan(ap).all():
        raise ValueError("no class has a positive example: mAP is undefined")
    return float(np.nanmean(ap))


# ---- data --------------------------------------------------------------------------------

@dataclass
class _Split:
    """Log-mels of one split, kept in memory: features[i] is (frames_i, n_mels)."""

    features: list[torch.Tensor]
    targets: torch.Tensor  # (N, C) float32 multi-hot

    @property
    def lengths(self) -> np.ndarray:
        return np.array([f.shape[0] for f in self.features])


def _logmels(signals: Sequence[torch.Tensor], logmel: LogMel, batch_size: int = 32,
             ) -> list[torch.Tensor]:
    """Log-mels of 1-D signals, batched by similar lengths: list of (frames_i, n_mels).

    Zero-padding a signal does not change its valid frames (the STFT pads with zeros anyway),
    so cutting each row to ``n_frames(len)`` gives the same features as the clip alone.
    """
    out: list[torch.Tensor] = [torch.empty(0)] * len(signals)
    order = np.argsort([len(s) for s in signals], kind="stable")
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(len(signals[i]) for i in idx)
            batch = torch.zeros(len(idx), width)
            for b, i in enumerate(idx):
                batch[b, :len(signals[i])] = signals[i]
            mels = logmel(batch)
            for b, i in enumerate(idx):
                out[i] = mels[b, :logmel.n_frames(len(signals[i]))].clone()
    return out


def _load_split(paths: Sequence[Path], labels: Sequence[Sequence[int]], n_classes: int,
                sr: int, logmel: LogMel) -> _Split:
    # In chunks, so only a few hundred waveforms are in memory at once (the log-mels are
    # 64 floats per 20 ms frame, about 1/14 of the 44.1 kHz samples).
    features: list[torch.Tensor] = []
    for start in range(0, len(paths), 256):
        features += _logmels([load_audio(p, sr=sr) for p in paths[start:start + 256]], logmel)
    targets = torch.zeros(len(paths), n_classes)
    for i, lab in enumerate(labels):
        targets[i, list(lab)] = 1.0
    return _Split(features, targets)


def _scene_split(root: Path, subset: str, sr: int, logmel: LogMel,
                 classes: Sequence[str]) -> _Split:
    items = load_clotho(root, subset)
    events = load_scene_events(root, subset)
    missing = [it.fname for it in items if it.fname not in events]
    if missing:
        raise DataError(f"{root}: no event labels for {subset} scene {missing[0]!r} "
                        f"({events_csv(subset)} is incomplete)")
    index = {c: k for k, c in enumerate(classes)}
    labels = [[index[c] for c in events[it.fname].labels] for it in items]
    return _load_split([it.path for it in items], labels, len(classes), sr, logmel)


def _bank_split(root: Path, sr: int, logmel: LogMel, classes: Sequence[str],
                folds: Sequence[int] = TRAIN_FOLDS) -> _Split:
    items = load_esc50(root, folds=folds)
    return _load_split([it.path for it in items], [[it.target] for it in items], len(classes),
                       sr, logmel)


def _corpus_identity(root: Path) -> dict[str, Any]:
    """The corpus manifest's identity (format, sr, config): cheap, and changes with the data."""
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"embedded corpus not found: no {path} "
                        f"(run `adl data prepare` to generate it)") from None
    except (OSError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: unreadable corpus manifest ({e})") from None
    return {k: manifest.get(k) for k in ("format", "format_version", "sr", "config")}


# ---- batching ----------------------------------------------------------------------------

def _batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None,
             ) -> list[np.ndarray]:
    """Index batches of similar lengths; shuffled (with jittered lengths) when ``rng`` is given."""
    key = lengths.astype(np.float64)
    if rng is not None:
        key = key + rng.uniform(0, LENGTH_JITTER, size=len(key))
    order = np.argsort(key, kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def _pad(features: list[torch.Tensor], idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T_max, n_mels) padded with digital silence, and (B,) lengths.

    The encoder zeroes padded frames before every conv, so padding only enters bn0's batch
    statistics in training; batching by length keeps it to a few percent of the frames.
    """
    lengths = torch.tensor([features[i].shape[0] for i in idx], dtype=torch.long)
    x = torch.full((len(idx), int(lengths.max()), features[idx[0]].shape[1]), PAD_VALUE)
    for b, i in enumerate(idx):
        x[b, :lengths[b]] = features[i]
    return x, lengths


def _mix(x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor, gen: torch.Generator,
         ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix a share of the batch with another clip of the same batch, in the mel power domain.

    ``log(exp(a) + exp(b))`` is the log-mel of the two signals added when their cross terms
    average out (independent sources), so mixing costs no STFT. The partner is cut or padded
    to the first clip's length (padding is silence); the labels are the union. This trains the
    tagger on mixtures, which is what ADL feeds the frozen encoder.
    """
    b = x.shape[0]
    if b < 2:
        return x, y
    partner = torch.randperm(b, generator=gen)
    chosen = torch.rand(b, generator=gen) < MIX_PROB
    chosen &= partner != torch.arange(b)
    if not chosen.any():
        return x, y
    lo, hi = MIX_GAIN_DB
    gain_db = lo + (hi - lo) * torch.rand(b, generator=gen)
    gain = gain_db * math.log(10.0) / 10.0  # dB of power -> natural log of power
    other = x[partner] + gain[:, None, None]
    # Frames beyond the first clip's own length stay padding.
    valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]
    mixed = torch.where(valid[:, :, None], torch.logaddexp(x, other), x)
    x = torch.where(chosen[:, None, None], mixed, x)
    y = torch.where(chosen[:, None], torch.maximum(y, y[partner]), y)
    return x, y


# ---- training ----------------------------------------------------------------------------

def _scores(model: SmallCnnEncoder, split: _Split, batch_size: int) -> np.ndarray:
    """(N, C) sigmoid scores of a split, in eval mode."""
    model.eval()
    out = torch.zeros_like(split.targets)
    with torch.no_grad():
        for idx in _batches(split.lengths, batch_size, None):
            x, lengths = _pad(split.features, idx)
            out[torch.as_tensor(idx)] = torch.sigmoid(model.tag(x, lengths))
    return out.numpy()


def _split_map(model: SmallCnnEncoder, split: _Split, batch_size: int) -> float:
    return mean_average_precision(_scores(model, split, batch_size), split.targets.numpy())


def _settings(cfg: Config, seed: int, corpus: dict[str, Any]) -> dict[str, Any]:
    """Everything the weights depend on; a saved run is reused only if all of it matches."""
    return {"recipe_version": RECIPE_VERSION, "channels": list(cfg.encoder.channels),
            "time_pool": cfg.encoder.time_pool, "n_mels": 64, "sr": cfg.data.sr,
            "epochs": cfg.tagger.epochs, "batch_size": cfg.tagger.batch_size,
            "lr": cfg.tagger.lr, "seed": seed, "corpus": corpus}


def _reporter(progress: bool | Callable[[str], None] | None) -> Callable[[str], None]:
    if callable(progress):
        return progress
    return print if progress else (lambda _msg: None)


def _result_from_report(report: dict[str, Any], weights: Path, *, reused: bool) -> TaggerResult:
    return TaggerResult(weights=weights, val_map=float(report["val_map"]),
                        eval_map=float(report["eval_map"]),
                        fold5_map=float(report["fold5_map"]), epochs=int(report["epochs"]),
                        seconds=float(report["seconds"]), reused=reused,
                        val_maps=[float(v) for v in report["val_maps"]],
                        train_losses=[float(v) for v in report["train_losses"]],
                        shipped="shipped" in report)


def tagger_ablation(cfg: Config) -> Config:
    """The config with the corpus-trained small CNN in place of its encoder (the ablation).

    The ``default`` preset reads a pretrained sound-effects CNN; its ablation reads the small CNN
    that :func:`pretrain_tagger` trains on the corpus's development recordings, with every other
    setting (adapter, difference, decoder, training) unchanged.
    """
    enc = cfg.encoder
    return cfg.replace(encoder=dataclasses.replace(
        enc, name="small_cnn", channels=(16, 32, 64, 128), time_pool=16, checkpoint="tagger",
        block_max=0))


def pretrain_tagger(cfg: Config, *, root: str | os.PathLike[str] | None = None,
                    out_dir: str | os.PathLike[str] | None = None, seed: int = 0,
                    force: bool = False,
                    progress: bool | Callable[[str], None] | None = True) -> TaggerResult:
    """Pretrain ``SmallCnnEncoder`` as an event tagger on the embedded corpus, or reuse it.

    Data: development scenes (multi-hot) + bank events of folds 1-3 (one-hot), the
    development recordings only (:data:`TRAIN_FOLDS`); log-mels are
    computed once and kept in memory. Training: Adam at ``cfg.tagger.lr`` with a cosine decay
    to zero, ``cfg.tagger.epochs`` epochs of ``cfg.tagger.batch_size`` clips of similar lengths
    (padded, lengths passed to the encoder), BCE with logits. Augmentation: half of each batch
    is mixed with another clip of the batch at -6..+6 dB in the mel power domain, with the
    union of the labels (see :func:`_mix`). Deterministic on the CPU for a given ``seed`` (and
    thread count).

    Writes ``encoder.safetensors`` (the state dict, atomically) and then ``tagger.json``
    (settings, classes, per-epoch loss and validation mAP, evaluation mAP, wall seconds). A
    ``tagger.json`` with the same settings (channels, time_pool, epochs, lr, batch size, seed,
    corpus identity, recipe version) is reused without training unless ``force``.

    Args:
        cfg: the config; uses ``encoder.channels``, ``encoder.time_pool``, ``tagger.*`` and
            ``data.sr``.
        root: data root (as :func:`adl.config.dataset_root` takes it).
        out_dir: where to save; default ``dataset_root(cfg, root) / "tagger"``.
        seed: seeds the initialisation, batch order, dropout and mixing.
        force: retrain even if a matching run is saved.
        progress: True prints one line per epoch, a callable receives those lines, False is
            silent.

    Returns:
        A :class:`TaggerResult`.

    Raises:
        ConfigError: the config does not use the small CNN on the embedded corpus.
        DataError: the corpus is missing or incomplete.

    Notebook: 03_adl_training
    """
    if cfg.data.source != "embedded" or cfg.encoder.name != "small_cnn":
        raise ConfigError("tagger pretraining needs data.source embedded and encoder.name "
                          f"small_cnn (got {cfg.data.source} and {cfg.encoder.name}); CNN14 "
                          "loads PANNs weights through encoder.checkpoint instead")
    say = _reporter(progress)
    data_dir = dataset_root(cfg, root)
    out = Path(out_dir) if out_dir is not None else data_dir / "tagger"
    settings = _settings(cfg, seed, _corpus_identity(data_dir))
    if not force:
        report = up_to_date(out / REPORT_FILE, {"settings": settings},
                            requires=[out / WEIGHTS_FILE])
        if report is not None:
            say(f"tagger in {out} is up to date (eval mAP {report['eval_map']:.3f})")
            return _result_from_report(report, out / WEIGHTS_FILE, reused=True)
        if cfg.tagger.shipped:
            found = shipped_tagger(settings)
            if found is not None:
                result = _install_shipped(found, cfg, data_dir, out, say)
                if result is not None:
                    return result

    start = time.perf_counter()
    # fork_rng: seeding must not change the caller's global torch RNG state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _train(cfg, data_dir, out, settings, seed, say, start)


def _train(cfg: Config, data_dir: Path, out: Path, settings: dict[str, Any], seed: int,
           say: Callable[[str], None], start: float) -> TaggerResult:
    """The body of :func:`pretrain_tagger` once reuse is ruled out (global RNG seeded)."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    logmel = LogMel(sr=cfg.data.sr)
    classes = corpus_classes(data_dir)
    dev, bank = (_scene_split(data_dir, "development", cfg.data.sr, logmel, classes),
                 _bank_split(data_dir, cfg.data.sr, logmel, classes))
    train = _Split(dev.features + bank.features, torch.cat([dev.targets, bank.targets]))
    val = _scene_split(data_dir, "validation", cfg.data.sr, logmel, classes)
    test = _scene_split(data_dir, "evaluation", cfg.data.sr, logmel, classes)
    unheard = _bank_split(data_dir, cfg.data.sr, logmel, classes, folds=UNHEARD_FOLDS)
    say(f"tagger data: {len(dev.features)} scenes + {len(bank.features)} events "
        f"({time.perf_counter() - start:.1f} s for audio and log-mels)")

    model = SmallCnnEncoder(logmel.n_mels, channels=cfg.encoder.channels,
                            time_pool=cfg.encoder.time_pool, n_classes=len(classes))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.tagger.lr)
    bs = cfg.tagger.batch_size
    total_steps = cfg.tagger.epochs * math.ceil(len(train.features) / bs)
    # Cosine decay: a short run ends at a low learning rate, so the last epoch is a good one.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step / total_steps, 1.0))))
    train_losses: list[float] = []
    val_maps: list[float] = []
    for epoch in range(1, cfg.tagger.epochs + 1):
        model.train()
        total, count = 0.0, 0
        for idx in _batches(train.lengths, bs, rng):
            x, lengths = _pad(train.features, idx)
            x, y = _mix(x, train.targets[torch.as_tensor(idx)], lengths, gen)
            loss = F.binary_cross_entropy_with_logits(model.tag(x, lengths), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            count += len(idx)
        train_losses.append(total / count)
        val_maps.append(_split_map(model, val, bs))
        say(f"tagger epoch {epoch}/{cfg.tagger.epochs}: train loss {train_losses[-1]:.4f}, "
            f"val mAP {val_maps[-1]:.3f} ({time.perf_counter() - start:.0f} s)")
    eval_map = _split_map(model, test, bs)
    fold5_map = _split_map(model, unheard, bs)
    seconds = time.perf_counter() - start
    say(f"tagger done in {seconds:.0f} s: evaluation scenes mAP {eval_map:.3f}, "
        f"fold 5 events (recordings never heard) mAP {fold5_map:.3f}")

    weights = out / WEIGHTS_FILE
    # An old report must not vouch for the new weights if we are killed between the writes.
    (out / REPORT_FILE).unlink(missing_ok=True)
    _save_weights(model, weights, settings)
    report = {"settings": settings, "classes": classes,
              "channels": list(cfg.encoder.channels), "time_pool": cfg.encoder.time_pool,
              "epochs": cfg.tagger.epochs, "seed": seed,
              "n_train": {"scenes": len(dev.features), "events": len(bank.features)},
              "train_losses": train_losses, "val_maps": val_maps, "val_map": val_maps[-1],
              "eval_map": eval_map, "fold5_map": fold5_map,
              "n_fold5_events": len(unheard.features), "seconds": round(seconds, 2), "weights": WEIGHTS_FILE}
    write_json(out / REPORT_FILE, report)  # last: its presence means the run is complete
    return _result_from_report(report, weights, reused=False)


# ---- shipped weights -----------------------------------------------------------------------

def shipped_tagger(settings: dict[str, Any], folder: Path | None = None) -> Path | None:
    """The folder of shipped tagger weights trained with exactly ``settings``, or None.

    Args:
        settings: what the weights must have been trained with (recipe, architecture,
            schedule, seed and corpus identity), as :func:`pretrain_tagger` records them.
        folder: where shipped weights live; default :data:`SHIPPED_DIR`.
    """
    folder = SHIPPED_DIR if folder is None else folder
    for report_path in sorted(folder.glob(f"*/{REPORT_FILE}")):
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{report_path}: unreadable shipped tagger report ({e})") \
                from None
        if isinstance(report, dict) and report.get("settings") == settings:
            return report_path.parent
    return None


def _install_shipped(src: Path, cfg: Config, data_dir: Path, out: Path,
                     say: Callable[[str], None]) -> TaggerResult | None:
    """Check shipped weights on this corpus and copy them to ``out``; None if they do not fit.

    The weights' SHA-256 must match the report's (else CheckpointError: a damaged install).
    The validation, evaluation and fold-5 mAPs are recomputed here, on the user's own files:
    if any strays from the report's by more than :data:`SHIPPED_MAP_TOLERANCE`, the weights
    are not for this corpus and None is returned (the caller trains anew).
    """
    start = time.perf_counter()
    report = json.loads((src / REPORT_FILE).read_text(encoding="utf-8"))
    weights = src / WEIGHTS_FILE
    digest = _sha256(weights) if weights.is_file() else None
    if digest is None or digest != report.get("weights_sha256"):
        raise CheckpointError(f"{weights}: shipped tagger weights are missing or damaged "
                              f"(SHA-256 {digest}, expected {report.get('weights_sha256')}); "
                              "reinstall the package, or set tagger.shipped: false to train")
    model = load_tagger_encoder(weights, channels=cfg.encoder.channels,
                                time_pool=cfg.encoder.time_pool)
    logmel = LogMel(sr=cfg.data.sr)
    classes = corpus_classes(data_dir)
    if classes != report["classes"]:
        say(f"shipped tagger {src.name}: its classes differ from this corpus's; training anew")
        return None
    bs = cfg.tagger.batch_size
    splits = {"val_map": _scene_split(data_dir, "validation", cfg.data.sr, logmel, classes),
              "eval_map": _scene_split(data_dir, "evaluation", cfg.data.sr, logmel, classes),
              "fold5_map": _bank_split(data_dir, cfg.data.sr, logmel, classes,
                                       folds=UNHEARD_FOLDS)}
    here = {k: _split_map(model, split, bs) for k, split in splits.items()}
    off = {k: abs(here[k] - float(report[k])) for k in here}
    if max(off.values()) > SHIPPED_MAP_TOLERANCE:
        found = ", ".join(f"{k} {v:.3f}" for k, v in here.items())
        say(f"shipped tagger {src.name}: mAP on this corpus ({found}) differs from its "
            "report's; training anew")
        return None
    out.mkdir(parents=True, exist_ok=True)
    (out / REPORT_FILE).unlink(missing_ok=True)  # the report goes last, as after training
    with atomic_path(out / WEIGHTS_FILE) as tmp:
        shutil.copyfile(weights, tmp)
    installed = dict(report, **here, shipped=src.name,
                     install_seconds=round(time.perf_counter() - start, 2))
    write_json(out / REPORT_FILE, installed)
    say(f"tagger: the weights shipped with adl ({src.name}; trained by pretrain_tagger in "
        f"{float(report['seconds']) / 60:.1f} min), checked on this corpus in "
        f"{installed['install_seconds']:.0f} s: evaluation scenes mAP {here['eval_map']:.3f}, "
        f"fold 5 mAP {here['fold5_map']:.3f} (tagger.shipped: false trains it here)")
    return _result_from_report(installed, out / WEIGHTS_FILE, reused=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ship_tagger(trained: str | os.PathLike[str], name: str,
                folder: Path | None = None) -> Path:
    """Copy a trained tagger folder (``encoder.safetensors`` + ``tagger.json``) into the
    package's shipped weights, recording the weights' SHA-256 in the report.

    Used once by a maintainer (``adl pretrain-encoder --ship NAME``) after :func:`pretrain_tagger` trained the
    default preset's tagger; the report keeps its training curves, mAPs and wall time.
    """
    trained = Path(trained)
    report = json.loads((trained / REPORT_FILE).read_text(encoding="utf-8"))
    if "shipped" in report:
        raise CheckpointError(f"{trained}: these weights were installed from shipped ones; "
                              "ship a folder that pretrain_tagger trained")
    dest = (SHIPPED_DIR if folder is None else folder) / name
    dest.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest / WEIGHTS_FILE) as tmp:
        shutil.copyfile(trained / WEIGHTS_FILE, tmp)
    write_json(dest / REPORT_FILE, dict(report, weights_sha256=_sha256(dest / WEIGHTS_FILE)))
    return dest


# ---- saving and loading ------------------------------------------------------------------

def _save_weights(model: SmallCnnEncoder, path: Path, settings: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    meta = {"channels": json.dumps(settings["channels"]),
            "time_pool": str(settings["time_pool"]), "n_mels": str(settings["n_mels"])}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata=meta)


def load_tagger_encoder(path_or_dir: str | os.PathLike[str], *, channels: Sequence[int],
                        time_pool: int, n_mels: int = 64) -> SmallCnnEncoder:
    """Load pretrained tagger weights into a new ``SmallCnnEncoder`` (with its tagging head).

    Args:
        path_or_dir: ``encoder.safetensors``, or the folder holding it.
        channels, time_pool, n_mels: the architecture (``cfg.encoder``); must fit the file.

    Returns:
        The encoder in eval mode, not frozen: call ``.freeze()`` to use it as the DCASE
        baseline does.

    Raises:
        CheckpointError: the file is missing or unreadable, or its keys or shapes do not fit
            the architecture; the message names the file.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path_or_dir)
    if path.is_dir():
        path = path / WEIGHTS_FILE
    if not path.is_file():
        raise CheckpointError(f"tagger weights not found: {path} (run pretrain_tagger first)")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise CheckpointError(f"cannot read tagger weights {path} ({reason})") from None
    head = state.get("fc.weight")
    if head is None or head.dim() != 2:
        raise CheckpointError(f"tagger weights {path} hold no tagging head (fc.weight)")
    model = SmallCnnEncoder(n_mels, channels=tuple(channels), time_pool=time_pool,
                            n_classes=int(head.shape[0]))
    problem = state_mismatch(model.state_dict(), state)
    if problem:
        raise CheckpointError(f"tagger weights {path} do not fit SmallCnnEncoder(channels="
                              f"{tuple(channels)}, time_pool={time_pool}): {problem}")
    model.load_state_dict(state, strict=True)
    return model.eval()
