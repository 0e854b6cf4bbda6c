"""What a frozen encoder hears: a linear probe on recordings it has never met.

Before a decoder is trained on an encoder's features, ask whether the features name the sound at
all. :func:`linear_probe` pools each bank event's frames (mean and max over time), fits a linear
logistic head on events cut from the **development** recordings (bank folds 1-3), and classifies
events cut from the **evaluation** recordings (fold 5), which no training scene, reference or
head has heard. It reports top-1 and top-3 accuracy and a confusion table. A captioner reading
the same frozen features can hardly name more than this probe names.

Example::

    from adl.config import load_preset
    from adl.models.captioner import build_captioner
    from adl.train import init_encoder
    cfg = load_preset("default")
    model = build_captioner(cfg, vocab_size=100)
    init_encoder(cfg, model)
    result = linear_probe(model, "data/embedded-default")
    print(result.top1, result.top3)

Notebook: 03_adl_training
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from adl.audio import load_audio
from adl.data.esc50 import ESC50Item, load_esc50
from adl.data.layout import SPLIT_FOLDS
from adl.errors import DataError
from adl.floor import pooled_features, train_tagger

__all__ = ["ProbeResult", "linear_probe", "probe_events"]


@dataclass(frozen=True)
class ProbeResult:
    """A linear probe's scores on events of recordings it never met.

    ``top1`` and ``top3`` are accuracies over the test events; ``per_class`` has one row per
    class (``events``, ``top1``); ``confusion`` counts test events by true class (rows) and
    predicted class (columns); ``predictions`` has one row per test event (``fname``, ``true``,
    ``predicted``, ``top3``).
    """

    top1: float
    top3: float
    n_train: int
    n_test: int
    classes: tuple[str, ...]
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    predictions: pd.DataFrame


def probe_events(root: str | os.PathLike[str], folds: Sequence[int], per_class: int, *,
                 seed: int = 0) -> list[ESC50Item]:
    """Up to ``per_class`` bank events of each class from ``folds``, spread over recordings.

    Events are taken round-robin over each class's source recordings (``src_file``) in an order
    shuffled by ``seed``, so a class with several recordings is not probed on one alone.
    """
    items = load_esc50(root, folds=folds)
    rng = np.random.default_rng(seed)
    chosen: list[ESC50Item] = []
    for category in sorted({it.category for it in items}):
        by_rec: dict[str, list[ESC50Item]] = {}
        for it in items:
            if it.category == category:
                by_rec.setdefault(it.src_file, []).append(it)
        queues = [by_rec[k] for k in sorted(by_rec)]
        for q in queues:
            rng.shuffle(q)  # type: ignore[arg-type]
        rng.shuffle(queues)  # type: ignore[arg-type]
        taken: list[ESC50Item] = []
        while len(taken) < per_class and any(queues):
            for q in queues:
                if q and len(taken) < per_class:
                    taken.append(q.pop())
        chosen += taken
    return chosen


def linear_probe(model: torch.nn.Module, root: str | os.PathLike[str], *,
                 per_class_train: int = 8, per_class_test: int = 4, seed: int = 0,
                 weight_decay: float = 1e-2, sr: int = 44100,
                 device: torch.device | str = "cpu") -> ProbeResult:
    """Fit a linear head on development events and classify evaluation events.

    Args:
        model: a captioner whose frozen encoder is probed (``model.encode``; a feature store
            attached to it is used, so Table 2's fold-5 events are encoded once).
        root: the corpus folder (holding ``ESC-50-master``).
        per_class_train, per_class_test: events per class from the development folds and from
            the evaluation fold (:func:`probe_events`).
        weight_decay: the head's L2 penalty (:func:`adl.floor.train_tagger`).

    Returns:
        A :class:`ProbeResult`.

    Raises:
        DataError: a class of the test fold has no training event.
    """
    train_items = probe_events(root, SPLIT_FOLDS["development"], per_class_train, seed=seed)
    test_items = probe_events(root, SPLIT_FOLDS["evaluation"], per_class_test, seed=seed)
    classes = tuple(sorted({it.category for it in train_items}))
    missing = sorted({it.category for it in test_items} - set(classes))
    if missing:
        raise DataError(f"{root}: no development event of class(es) {', '.join(missing)} "
                        f"to train the probe on")
    waves = [load_audio(it.path, sr=sr) for it in (*train_items, *test_items)]
    x = pooled_features(model, waves, device=device)
    x_train, x_test = x[: len(train_items)], x[len(train_items):]
    index = {c: k for k, c in enumerate(classes)}
    y = torch.zeros(len(train_items), len(classes), dtype=torch.float64)
    for i, it in enumerate(train_items):
        y[i, index[it.category]] = 1.0
    head = train_tagger(x_train, y, classes, weight_decay=weight_decay)
    scores = head.probabilities(x_test)
    top = scores.topk(min(3, len(classes)), dim=1).indices
    rows = []
    for i, it in enumerate(test_items):
        ranked = [classes[k] for k in top[i].tolist()]
        rows.append({"fname": it.fname, "true": it.category, "predicted": ranked[0],
                     "top3": ", ".join(ranked)})
    predictions = pd.DataFrame(rows, columns=["fname", "true", "predicted", "top3"])
    hit1 = predictions["true"] == predictions["predicted"]
    hit3 = [t in p.split(", ") for t, p in zip(predictions["true"], predictions["top3"])]
    per_class = (predictions.assign(top1=hit1.astype(float))
                 .groupby("true").agg(events=("fname", "size"), top1=("top1", "mean")))
    confusion = pd.crosstab(predictions["true"], predictions["predicted"])
    return ProbeResult(float(hit1.mean()), float(np.mean(hit3)), len(train_items),
                       len(test_items), classes, per_class, confusion, predictions)
