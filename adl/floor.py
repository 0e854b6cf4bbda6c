"""A floor and a ceiling for hearing: a tagger with a template, and the template with the truth.

A captioner that hears should beat a system that only *tags*: :func:`tagger_floor` takes a
captioner's frozen encoder, pools each clip's frames (mean and max over time,
:func:`pooled_features`), trains a linear one-vs-rest logistic head on the development scenes'
classes (:func:`train_tagger`), picks one decision threshold on the validation scenes
(:func:`choose_threshold`: the best event F1 of the captions the template would write), and
fills one plain sentence with each evaluation clip's predicted classes
(:func:`template_caption`): "In this recording, a dog, a train and a splash can be heard."
:func:`true_class_ceiling` fills the same sentence with each clip's true classes: what the
template scores when it hears perfectly. Both are scored exactly as the runs are
(:func:`adl.table1.score_captions`, :func:`adl.events.caption_event_scores`).
:func:`hearing_table` sets every evaluated run beside them.

Only the embedded corpus has the event labels these need; on real Clotho both raise
:class:`~adl.errors.DataError` with :data:`adl.events.NO_EVENT_LABELS`.

Files written beside the runs (``<output_dir>/runs/``)::

    <output_dir>/floor/metrics.json     like a run's (scores, unavailable, events), plus the
                                        run whose encoder was used, its encoder digest and the
                                        head (threshold, validation F1, weight decay, classes)
    <output_dir>/floor/captions.csv     file_name, candidate, classes, reference_1..5, per-clip
                                        metrics
    <output_dir>/ceiling/metrics.json   the same for the true classes
    <output_dir>/ceiling/captions.csv

Notebook: 04_evaluation
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import torch

from adl.config import Config, dataset_root
from adl.data.clotho import ClothoItem, load_clotho
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.errors import DataError
from adl.events import NO_EVENT_LABELS, EventLabels, event_entry, load_event_labels
from adl.feature_cache import FeatureCache, encoder_digest
from adl.inference import load_run, resolve_device, weights_path
from adl.io import write_json
from adl.metrics import check_metrics
from adl.runs import read_run_info, up_to_date
from adl.table1 import (METHOD_NAMES, N_REFERENCES, load_split, log_unavailable, result_paths,
                        run_config, score_captions, write_csv)

__all__ = ["HEARING_COLUMNS", "SYSTEM_NAMES", "TEMPLATE", "THRESHOLDS", "WEIGHT_DECAYS",
           "TaggerHead", "choose_threshold", "floor_ceiling_rows", "hearing_table", "multi_hot",
           "pooled_features",
           "predict_classes", "system_paths", "tagger_floor", "template_caption",
           "template_phrases", "train_tagger", "true_class_ceiling"]

Log = Callable[[str], None]

#: The one sentence of the floor and the ceiling; ``{sounds}`` is "a dog, a train and a splash".
TEMPLATE = "In this recording, {sounds} can be heard."
#: Decision thresholds tried on the validation scenes (one is kept for every class).
THRESHOLDS: tuple[float, ...] = tuple(round(0.02 * k, 2) for k in range(1, 50))
#: L2 penalties tried on the validation scenes, strongest first (a tie keeps the stronger).
WEIGHT_DECAYS: tuple[float, ...] = (1e-1, 1e-2, 1e-3, 1e-4)
#: LBFGS iterations of the head.
HEAD_STEPS = 300
#: Bumped when the floor's recipe changes, so that a saved floor is recomputed.
FLOOR_VERSION = 1


# -- the template --------------------------------------------------------------------------------


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def template_caption(classes: Sequence[str], phrases: Mapping[str, str]) -> str:
    """The template filled with ``classes``, in the given order.

    Args:
        classes: one or more class labels.
        phrases: class -> noun phrase (:func:`template_phrases`).

    Returns:
        e.g. ``"In this recording, a dog, a train and a splash can be heard."``

    Notebook: 04_evaluation
    """
    if not classes:
        raise ValueError("the template needs at least one class")
    return TEMPLATE.format(sounds=_join([phrases[c] for c in classes]))


def template_phrases(language: ModuleType, classes: Iterable[str],
                     references: Sequence[str]) -> dict[str, str]:
    """Per class, the noun phrase the template says: of the phrases the corpus's writers use
    for it (``language.class_phrases``), the one found most often (whole words, any case) in
    ``references``; a tie keeps the writers' first (their plainest).

    Args:
        language: :func:`adl.events.caption_language` of the corpus.
        classes: the labels to name.
        references: captions to count in (the development split's).
    """
    text = "\n".join(references).lower()
    out = {}
    for label in sorted(set(classes)):
        options = language.class_phrases(label)
        counts = [len(re.findall(r"\b" + re.escape(p.lower()) + r"\b", text)) for p in options]
        out[label] = options[int(np.argmax(counts))]
    return out


# -- the tagger ----------------------------------------------------------------------------------


@torch.no_grad()
def pooled_features(model: torch.nn.Module, waves: Sequence[torch.Tensor], *,
                    batch_size: int = 32, device: torch.device | str = "cpu") -> torch.Tensor:
    """Each clip's encoder frames, pooled: mean and max over its valid frames.

    Args:
        model: a captioner (its ``encode``); its encoder is frozen and put in eval mode here.
        waves: (samples,) clips.

    Returns:
        ``(N, 2C)`` float64 on the CPU: ``[mean, max]`` of the ``(T'_i, C)`` features
        (:class:`adl.feature_cache.FeatureCache`, so each clip is encoded once).
    """
    model.eval()
    model.encoder.requires_grad_(False)
    cache = FeatureCache.build(model, list(waves), batch_size=batch_size, device=device)
    return torch.stack([torch.cat([f.mean(0), f.amax(0)]) for f in cache.features]
                       ).double().cpu()


def multi_hot(label_sets: Sequence[Iterable[str]], classes: Sequence[str]) -> torch.Tensor:
    """``(N, K)`` float64 targets: 1 where a clip holds a class (classes outside ``classes``
    are ignored)."""
    index = {c: k for k, c in enumerate(classes)}
    y = torch.zeros(len(label_sets), len(classes), dtype=torch.float64)
    for i, labels in enumerate(label_sets):
        for c in labels:
            if c in index:
                y[i, index[c]] = 1.0
    return y


@dataclass(frozen=True)
class TaggerHead:
    """A linear one-vs-rest logistic head on standardised features.

    ``mean`` and ``std`` (D,) standardise the features (from the training clips); ``weight``
    (D, K) and ``bias`` (K,) give one logit per class of ``classes``.
    """

    classes: tuple[str, ...]
    mean: torch.Tensor
    std: torch.Tensor
    weight: torch.Tensor
    bias: torch.Tensor
    weight_decay: float
    loss: float

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, D)`` pooled features -> ``(N, K)`` class probabilities."""
        z = (x.double() - self.mean) / self.std
        return torch.sigmoid(z @ self.weight + self.bias)


def train_tagger(x: torch.Tensor, y: torch.Tensor, classes: Sequence[str], *,
                 weight_decay: float = 1e-2, steps: int = HEAD_STEPS) -> TaggerHead:
    """Fit a linear one-vs-rest logistic head: mean binary cross-entropy plus
    ``weight_decay / 2 * |W|^2``, minimised by LBFGS (strong Wolfe line search) from zeros.

    Deterministic: no random initialisation, float64 on the CPU.

    Args:
        x: (N, D) features (e.g. :func:`pooled_features`); y: (N, K) multi-hot targets.
        classes: the K class names.
        weight_decay: the L2 penalty on the weights (not the biases).
        steps: LBFGS iterations at most.
    """
    x, y = x.double().cpu(), y.double().cpu()
    if x.shape[0] != y.shape[0] or y.shape[1] != len(classes):
        raise ValueError(f"features {tuple(x.shape)}, targets {tuple(y.shape)} and "
                         f"{len(classes)} classes do not fit together")
    mean = x.mean(0)
    std = x.std(0, unbiased=False).clamp_min(1e-6)
    z = (x - mean) / std
    weight = torch.zeros(x.shape[1], y.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(y.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=steps, history_size=20,
                            tolerance_grad=1e-9, tolerance_change=1e-12,
                            line_search_fn="strong_wolfe")

    def objective() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z @ weight + bias, y)
        loss = loss + 0.5 * weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(objective)
        final = float(objective().detach())
    return TaggerHead(tuple(classes), mean, std, weight.detach(), bias.detach(),
                      float(weight_decay), final)


def predict_classes(probs: torch.Tensor, classes: Sequence[str], threshold: float,
                    ) -> list[tuple[str, ...]]:
    """Per clip, the classes whose probability reaches ``threshold``, most probable first; a
    clip with none gets its single most probable class (every clip gets a sentence).

    Args:
        probs: (N, K) from :meth:`TaggerHead.probabilities`.
    """
    out = []
    for row in probs:
        order = sorted(range(len(classes)), key=lambda k: (-float(row[k]), k))
        kept = [classes[k] for k in order if float(row[k]) >= threshold]
        out.append(tuple(kept or [classes[order[0]]]))
    return out


def choose_threshold(probs: torch.Tensor, file_names: Sequence[str], labels: EventLabels,
                     classes: Sequence[str], phrases: Mapping[str, str], *,
                     thresholds: Sequence[float] = THRESHOLDS) -> tuple[float, float]:
    """The one decision threshold, for every class, whose template captions of these clips
    have the best event F1 (micro, :func:`adl.events.caption_event_scores`); a tie keeps the
    lowest threshold.

    Call it with the **validation** scenes only: a threshold picked on the evaluation scenes
    would make the floor look better than it is.

    Args:
        probs: (N, K) probabilities of the clips ``file_names``.
        labels: those clips' events (:func:`adl.events.load_event_labels` of the split).
        classes: the K classes; phrases: :func:`template_phrases`.

    Returns:
        ``(threshold, f1)``.
    """
    best = (math.nan, -1.0)
    for t in thresholds:
        captions = [template_caption(c, phrases) for c in predict_classes(probs, classes, t)]
        f1 = labels.score(captions, file_names).f1
        f1 = -1.0 if math.isnan(f1) else f1
        if f1 > best[1]:
            best = (float(t), f1)
    return best[0], (math.nan if best[1] < 0 else best[1])


# -- floor and ceiling ---------------------------------------------------------------------------


def system_paths(output_dir: str | os.PathLike[str], system: str) -> tuple[Path, Path]:
    """``(metrics.json, captions.csv)`` of ``floor`` or ``ceiling``, beside ``runs/``."""
    if system not in ("floor", "ceiling"):
        raise ValueError(f"system must be 'floor' or 'ceiling', got {system!r}")
    folder = Path(output_dir) / system
    return folder / "metrics.json", folder / "captions.csv"


def _labels(base: Path, split: str) -> EventLabels:
    labels = load_event_labels(base, split)
    if labels is None:
        raise DataError(f"{base}: no event labels for the {split} split, so no floor or "
                        f"ceiling: {NO_EVENT_LABELS}")
    return labels


def _data_files(base: Path) -> list[Path]:
    csv_dir = base / CLOTHO_DIR / CLOTHO_CSV_DIR
    return [csv_dir / name for split in ("development", "validation", "evaluation")
            for name in (events_csv(split), f"clotho_captions_{split}.csv")]


def _reusable(metrics_json: Path, captions_csv: Path, key: Mapping[str, Any],
              newer_than: Sequence[Path]) -> dict[str, Any] | None:
    """The saved result when it was made with ``key`` and after every file of ``newer_than``
    (:func:`adl.runs.up_to_date`), and holds event scores."""
    old = up_to_date(metrics_json, key, requires=[captions_csv], newer_than=newer_than)
    return old if old is not None and "events" in old else None


def _score_and_write(system: str, output_dir: Path, items: Sequence[ClothoItem],
                     classes: Sequence[Sequence[str]], phrases: Mapping[str, str],
                     labels: EventLabels, wanted: list[str], extra: Mapping[str, Any],
                     log: Log) -> dict[str, Any]:
    """Fill the template, score it as the runs are scored, and write both files."""
    metrics_json, captions_csv = system_paths(output_dir, system)
    candidates = [template_caption(c, phrases) for c in classes]
    start = time.perf_counter()
    scores, sents = score_captions(candidates, [list(it.captions) for it in items], wanted)
    metric_s = time.perf_counter() - start
    log_unavailable(scores.unavailable, log)
    events = event_entry(labels, candidates, [it.fname for it in items])
    names = list(sents)
    metrics_json.parent.mkdir(parents=True, exist_ok=True)
    write_csv(captions_csv,
              ["file_name", "candidate", "classes",
               *(f"reference_{k}" for k in range(1, N_REFERENCES + 1)), *names],
              ([it.fname, cand, ";".join(c), *it.captions, *(sents[m][i] for m in names)]
               for i, (it, cand, c) in enumerate(zip(items, candidates, classes))))
    result = {"system": system, "split": "evaluation", "n_clips": len(items),
              "metrics": wanted, **scores.to_json(), **events, **extra,
              "template": TEMPLATE, "phrases": dict(phrases),
              "metric_seconds": round(metric_s, 3)}
    write_json(metrics_json, result)
    ev = events["events"]
    log(f"{system}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items())
        + f"; event f1 {ev['f1'] if ev['f1'] is None else round(ev['f1'], 3)}, "
        f"absent share {ev['absent_share']:.3f}; wrote {metrics_json} and {captions_csv.name}")
    return result


def tagger_floor(run: str | os.PathLike[str], output_dir: str | os.PathLike[str], *,
                 root: str | os.PathLike[str] | None = None, which: str = "best",
                 metrics: Iterable[str] | str | None = None, force: bool = False,
                 device: str | None = None, log: Log = print) -> dict[str, Any]:
    """The tagger-and-template floor on the evaluation split, with ``run``'s frozen encoder.

    Encodes the development, validation and evaluation clips once each
    (:func:`pooled_features`); trains the head on the development scenes for each
    :data:`WEIGHT_DECAYS` and keeps the penalty and the one threshold (:data:`THRESHOLDS`)
    whose validation captions have the best event F1 (:func:`choose_threshold`); then captions
    the evaluation clips with :func:`template_caption` and scores them as
    :func:`adl.table1.evaluate_run` scores a run. The evaluation labels are read only to score.

    Reuses ``<output_dir>/floor/metrics.json`` when it was made from the same run, weights,
    encoder digest, metrics, data root and recipe, after the weights and the data's CSV files.

    Args:
        run: any trained run (its encoder; all the book's runs share a frozen one).
        output_dir: the book's output folder (``floor/`` is written beside ``runs/``).
        root: data root; None means the run config's.
        which: the run's ``"best"`` or ``"last"`` weights.
        metrics: as for :func:`adl.table1.evaluate_run` (None: all).
        force: recompute even if an up-to-date floor exists.
        device: torch device for the encoder; None follows the run config.

    Returns:
        What ``floor/metrics.json`` holds: ``scores``, ``unavailable``, ``events``, and
        ``head`` (``threshold``, ``validation_f1``, ``weight_decay``, ``classes``, ...),
        ``run``, ``which``, ``encoder_digest``.

    Raises:
        DataError: the data has no event labels (real Clotho), or its audio is missing.

    Notebook: 04_evaluation
    """
    run, output_dir = Path(run), Path(output_dir)
    wanted = check_metrics(metrics)
    run_cfg = run_config(run)
    base = dataset_root(run_cfg, root)
    labels = {s: _labels(base, s) for s in ("development", "validation", "evaluation")}
    model, _, cfg = load_run(run, which=which, root=root, device=device or resolve_device(
        run_cfg.training.device, fallback_to_cpu=True))
    digest = encoder_digest(model)
    key = {"system": "floor", "metrics": wanted, "run": str(run.resolve()), "which": which,
           "encoder_digest": digest, "data_root": str(base.resolve()),
           "version": FLOOR_VERSION}
    metrics_json, captions_csv = system_paths(output_dir, "floor")
    old = None if force else _reusable(metrics_json, captions_csv, key,
                                       [weights_path(run, which), *_data_files(base)])
    if old is not None:
        log(f"{metrics_json}: up to date, reused (force=True recomputes)")
        return old

    dev_items, dev_waves, _ = load_split(cfg, base, "development")
    val_items, val_waves, _ = load_split(cfg, base, "validation")
    items, waves, skipped = load_split(cfg, base, "evaluation")
    start = time.perf_counter()
    dev_device = next(model.parameters()).device
    batch = cfg.generation.batch_size
    x_dev, x_val, x_eval = (pooled_features(model, w, batch_size=batch, device=dev_device)
                            for w in (dev_waves, val_waves, waves))
    encode_s = time.perf_counter() - start
    log(f"floor: encoded {len(dev_waves)} + {len(val_waves)} + {len(waves)} clips with "
        f"{run.name}'s encoder in {encode_s:.1f} s ({x_dev.shape[1]} pooled features)")

    dev_classes = [labels["development"].classes(it.fname) for it in dev_items]
    classes = sorted({c for cs in dev_classes for c in cs})
    language = labels["evaluation"].language
    phrases = template_phrases(language, classes, [c for it in dev_items for c in it.captions])
    y_dev = multi_hot(dev_classes, classes)
    val_names = [it.fname for it in val_items]
    best: tuple[float, float, TaggerHead] | None = None
    for wd in WEIGHT_DECAYS:
        head = train_tagger(x_dev, y_dev, classes, weight_decay=wd)
        t, f1 = choose_threshold(head.probabilities(x_val), val_names, labels["validation"],
                                 classes, phrases)
        log(f"floor head, weight decay {wd:g}: validation event F1 {f1:.3f} at threshold {t:.2f}")
        if best is None or (not math.isnan(f1) and (math.isnan(best[1]) or f1 > best[1])):
            best = (t, f1, head)
    assert best is not None
    threshold, val_f1, head = best
    predicted = predict_classes(head.probabilities(x_eval), classes, threshold)
    extra = {"run": key["run"], "run_name": run.name, "which": which,
             "method": read_run_info(run).get("method"), "encoder_digest": digest,
             "data_root": key["data_root"], "version": FLOOR_VERSION,
             "head": {"threshold": threshold, "validation_f1": val_f1,
                      "weight_decay": head.weight_decay, "weight_decays": list(WEIGHT_DECAYS),
                      "thresholds": [THRESHOLDS[0], THRESHOLDS[-1], len(THRESHOLDS)],
                      "steps": HEAD_STEPS, "train_loss": head.loss, "classes": classes,
                      "n_development": len(dev_items), "n_validation": len(val_items),
                      "features": int(x_dev.shape[1])},
             "encode_seconds": round(encode_s, 3), "skipped": [list(s) for s in skipped]}
    return _score_and_write("floor", output_dir, items, predicted, phrases,
                            labels["evaluation"], wanted, extra, log)


def true_class_ceiling(cfg: Config, output_dir: str | os.PathLike[str], *,
                       root: str | os.PathLike[str] | None = None,
                       metrics: Iterable[str] | str | None = None, force: bool = False,
                       log: Log = print) -> dict[str, Any]:
    """The template filled with each evaluation clip's true classes (in onset order), scored
    as the runs are: what the floor's sentence scores when it hears perfectly.

    The clips are those the runs are scored on (:func:`adl.table1.load_split`, bad audio
    handled as ``cfg`` says); the phrases are :func:`template_phrases` of the development
    captions, as for the floor. Reuses ``<output_dir>/ceiling/metrics.json`` when it was made
    with the same metrics and data root, after the data's CSV files.

    Args:
        cfg: the config whose data is scored (the book's preset).
        output_dir: the book's output folder (``ceiling/`` is written beside ``runs/``).
        root: data root; None means ``cfg``'s.

    Returns:
        What ``ceiling/metrics.json`` holds (``scores``, ``unavailable``, ``events``, ...).

    Raises:
        DataError: the data has no event labels (real Clotho), or its audio is missing.

    Notebook: 04_evaluation
    """
    output_dir = Path(output_dir)
    wanted = check_metrics(metrics)
    base = dataset_root(cfg, root)
    labels = _labels(base, "evaluation")
    key = {"system": "ceiling", "metrics": wanted, "data_root": str(base.resolve()),
           "version": FLOOR_VERSION}
    metrics_json, captions_csv = system_paths(output_dir, "ceiling")
    old = None if force else _reusable(metrics_json, captions_csv, key, _data_files(base))
    if old is not None:
        log(f"{metrics_json}: up to date, reused (force=True recomputes)")
        return old
    items, _, skipped = load_split(cfg, base, "evaluation")
    true = [labels.classes(it.fname) for it in items]
    dev = load_clotho(base, "development")
    phrases = template_phrases(labels.language, {c for cs in true for c in cs},
                               [c for it in dev for c in it.captions])
    return _score_and_write("ceiling", output_dir, items, true, phrases, labels, wanted,
                            {"data_root": key["data_root"], "version": FLOOR_VERSION,
                             "skipped": [list(s) for s in skipped]}, log)


# -- runs beside floor and ceiling ---------------------------------------------------------------


#: How the tables name the floor and the ceiling.
SYSTEM_NAMES: dict[str, str] = {"floor": "tagger + template", "ceiling": "true classes + template"}
#: The columns of :func:`hearing_table`.
HEARING_COLUMNS: tuple[str, ...] = ("cider_d", "meteor", "event_precision", "event_recall",
                                    "event_f1", "absent_share", "distinct_captions", "n_clips")


def _row(result: Mapping[str, Any]) -> dict[str, float]:
    scores, ev = result.get("scores", {}), result.get("events") or {}

    def num(v: Any) -> float:
        return math.nan if v is None else float(v)
    return {"cider_d": num(scores.get("cider_d")), "meteor": num(scores.get("meteor")),
            "event_precision": num(ev.get("precision")), "event_recall": num(ev.get("recall")),
            "event_f1": num(ev.get("f1")), "absent_share": num(ev.get("absent_share")),
            "distinct_captions": num(ev.get("distinct_captions")),
            "n_clips": num(result.get("n_clips"))}


def hearing_table(runs: Sequence[str | os.PathLike[str]],
                  output_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every evaluated run beside the floor and the ceiling: caption metrics and event scores.

    Reads each run's ``metrics.json`` (:func:`adl.table1.evaluate_run`) and
    ``<output_dir>/{floor,ceiling}/metrics.json``; a missing file or value is NaN (a run
    evaluated without event labels has no event columns), never made up.

    Returns:
        One row per run (``method``, ``seed``), then ``floor`` and ``ceiling`` when they were
        written, with :data:`HEARING_COLUMNS`; index ``system`` (the run's folder name,
        ``floor`` or ``ceiling``).

    Notebook: 04_evaluation
    """
    rows = []
    for run in map(Path, runs):
        path = result_paths(run)[0]
        result = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        info = read_run_info(run)
        rows.append({"system": run.name,
                     "method": METHOD_NAMES.get(info["method"], info["method"]),
                     "seed": info["seed"], **_row(result)})
    for system, name in SYSTEM_NAMES.items():
        path = system_paths(output_dir, system)[0]
        if path.is_file():
            rows.append({"system": system, "method": name, "seed": None,
                         **_row(json.loads(path.read_text(encoding="utf-8")))})
    table = pd.DataFrame(rows, columns=["system", "method", "seed", *HEARING_COLUMNS])
    table["seed"] = table["seed"].astype("Int64")  # the floor and ceiling have none (<NA>)
    return table.set_index("system")


def floor_ceiling_rows(output_dir: str | os.PathLike[str], metrics: Sequence[str], *,
                       digits: int = 3) -> pd.DataFrame:
    """The floor and the ceiling as rows to set under :func:`adl.table1.table1`'s table:
    values as ``"0.123"`` strings, ``unavailable`` for a metric they could not compute.

    Returns:
        Rows ``floor: tagger + template`` and ``ceiling: true classes + template`` (those
        written), columns ``metrics``; empty when neither was written.

    Notebook: 07_results
    """
    rows = {}
    for system, name in SYSTEM_NAMES.items():
        path = system_paths(output_dir, system)[0]
        if path.is_file():
            scores = json.loads(path.read_text(encoding="utf-8")).get("scores", {})
            rows[f"{system}: {name}"] = {m: f"{scores[m]:.{digits}f}" if m in scores
                                         else "unavailable" for m in metrics}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(metrics))
