"""Evaluating runs: the paper's Table 1 (caption metrics, mean ± std over seeds) and a scored
version of its Table 2 (difference captioning in four conditions).

* :func:`evaluate_run` decodes a split with a run's model, with no reference (as the paper's
  Table 1 does), and writes ``metrics.json`` and ``captions.csv`` into the run.
* :func:`table1` gathers several runs into methods x metrics, mean ± sample std over seeds.
* :func:`difference_conditions` decodes, for each evaluation clip and one held-aside event
  (ESC-50 fold 5), the paper's four conditions and scores each against the references that fit
  it; :func:`examples` shows a few of them side by side, as the paper's Table 2 does.

Files written into a run ``RUN/``::

    metrics.json         {"split", "n_clips", "metrics", "scores", "unavailable", "decode_seconds",
                          "metric_seconds", ...}  (other splits: metrics_<split>.json)
    captions.csv         file_name, candidate, reference_1..5, one column per per-clip metric
                         (other splits: captions_<split>.csv)
    table2.json          per condition: corpus scores, unavailable metrics with reasons, event
                         precision and recall, what the references are
    table2_captions.csv  one row per clip and condition: caption, references, true and named
                         events, per-clip scores

Notebook: 04_evaluation
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from adl.config import Config, dataset_root
from adl.data.captions import LEXICON, EventMention, events_in_caption, write_captions
from adl.data.clotho import ClothoItem, load_clotho, normalize_subset
from adl.data.corpus import CLOTHO_DIR, load_scene_events
from adl.data.esc50 import load_esc50
from adl.data.training import load_clips
from adl.errors import ADLError, DataError, SilentAudioError
from adl.io import atomic_open, write_json
from adl.metrics import (METRICS, CorpusScores, MetricUnavailableWarning, UnknownMetricError,
                         evaluate)
from adl.mixing import mix, random_offset
from adl.runs import RunError, checkpoint_folder, read_run_info

__all__ = [
    "CONDITIONS",
    "DIFFERENCE_METRICS",
    "HELD_ASIDE_FOLD",
    "METHOD_NAMES",
    "TABLE1_METRICS",
    "difference_conditions",
    "evaluate_run",
    "event_precision_recall",
    "examples",
    "names_category",
    "relative_change",
    "result_paths",
    "table1",
]

#: The paper's Table 1 columns: SPIDEr, SPIDEr-FL, CIDEr(-D), METEOR.
TABLE1_METRICS: tuple[str, ...] = ("spider", "spider_fl", "cider_d", "meteor")
#: How each training method is named in the paper's tables, in the paper's row order.
METHOD_NAMES: dict[str, str] = {"baseline": "Baseline", "mixgen": "AL-MixGen", "adl": "ADL"}
#: The paper's Table 2 conditions: (1) input, (2) input + event, (3) mixture − event,
#: (4) mixture − input.
CONDITIONS: tuple[str, ...] = ("input", "input+event", "mixture-event", "mixture-input")
CONDITION_TITLES: dict[str, str] = {"input": "(1) input", "input+event": "(2) input + event",
                                    "mixture-event": "(3) mixture - event",
                                    "mixture-input": "(4) mixture - input"}
#: Caption metrics of the difference conditions (SPIDEr where SPICE is available).
DIFFERENCE_METRICS: tuple[str, ...] = ("cider_d", "meteor", "spider")
#: ESC-50 fold that training never uses as a reference (``adl.train.REFERENCE_FOLDS`` is 1-4).
HELD_ASIDE_FOLD = 5
N_REFERENCES = 5
EVENT_METRICS: tuple[str, ...] = ("event_precision", "event_recall")

Log = Callable[[str], None]


# -- shared helpers ------------------------------------------------------------------------------


#: What :func:`evaluate_run` may subtract: nothing (``Z_ref = 0``, the paper's Table 1) or the
#: features of a silent clip as long as the input (``Z(input) - Z(silence)``).
REFERENCES = ("none", "silence")


def result_paths(run: str | os.PathLike[str], split: str = "evaluation",
                 reference: str = "none") -> tuple[Path, Path]:
    """Where :func:`evaluate_run` writes ``(metrics.json, captions.csv)`` for a split.

    The evaluation split with no reference gets the plain names; other splits get
    ``metrics_<split>.json`` and ``captions_<split>.csv``, and a silent reference adds
    ``_silence``, so that no other evaluation overwrites the numbers Table 1 reads.
    """
    run, split = Path(run), normalize_subset(split)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {', '.join(REFERENCES)}, got {reference!r}")
    suffix = ("" if split == "evaluation" else f"_{split}") + \
        ("" if reference == "none" else f"_{reference}")
    return run / f"metrics{suffix}.json", run / f"captions{suffix}.csv"


def _wanted_metrics(metrics: Iterable[str] | str | None) -> list[str]:
    """Checks metric names before anything slow runs (evaluate would only fail after decoding)."""
    if metrics is None:
        return list(METRICS)
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in names:
        if name not in METRICS:
            raise UnknownMetricError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
    return list(dict.fromkeys(names))


def _device(cfg: Config, device: str | None) -> str:
    if device is not None:
        return device
    if cfg.training.device == "cpu" or not torch.cuda.is_available():
        return "cpu"
    return cfg.training.device if cfg.training.device.startswith("cuda") else "cuda"


def _weights_path(run: Path, which: str) -> Path:
    if which == "best":
        return run / "model.safetensors"
    if which == "last":
        folder = checkpoint_folder(run / "last")
        if folder is None:
            raise RunError(f"{run}/last: no complete checkpoint")
        return folder / "model.safetensors"
    raise ValueError(f"which must be 'best' or 'last', got {which!r}")


def _load_split(cfg: Config, base: Path, split: str,
                ) -> tuple[list[ClothoItem], list[torch.Tensor], list[tuple[str, str]]]:
    """The usable clips of a split: ``(items, waves (samples,), skipped (file, reason))``."""
    if not base.exists():
        hint = (f"run `adl data prepare --preset {cfg.name}`" if cfg.data.source == "embedded"
                else "run `adl data download clotho` and `adl data download esc50`")
        raise DataError(f"{base}: data root does not exist; {hint}")
    items = load_clotho(base, split)  # DataError, naming the files, if audio is missing
    if not items:
        raise DataError(f"{base}: the Clotho {split} split lists no clips")
    waves, kept, skipped = load_clips([it.path for it in items], cfg.data.sr,
                                      on_bad_audio=cfg.training.on_bad_audio)
    if not waves:
        raise DataError(f"{base}: no usable audio in the {split} split "
                        f"({len(skipped)} bad clips, e.g. {skipped[0][1]})")
    return [items[i] for i in kept], waves, skipped


def _decode(model: Any, tok: Any, cfg: Config, waves: list[torch.Tensor],
            references: list[torch.Tensor | None] | None = None) -> list[str]:
    """Beam search with the run's generation settings, longest clips first.

    Sorting by length makes batches of similar lengths (less padding, so faster on Clotho's
    15-30 s clips); captions come back in the order of ``waves``.
    """
    from adl.train import caption_waves

    order = sorted(range(len(waves)), key=lambda i: -waves[i].shape[0])
    refs = None if references is None else [references[i] for i in order]
    gen = cfg.generation
    with torch.no_grad():
        out = caption_waves(model, tok, [waves[i] for i in order], refs,
                            batch_size=gen.batch_size, num_beams=gen.num_beams,
                            no_repeat_ngram_size=gen.no_repeat_ngram_size,
                            min_length=gen.min_length, max_length=gen.max_length)
    captions = [""] * len(waves)
    for j, i in enumerate(order):
        captions[i] = out[j]
    return captions


def _score(candidates: list[str], mult_references: list[list[str]], metrics: list[str],
           ) -> tuple[CorpusScores, dict[str, list[float]]]:
    """:func:`adl.metrics.evaluate`, with its unavailable-metric warning left to our log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        return evaluate(candidates, mult_references, metrics)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with atomic_open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _fmt_scores(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items())


# -- Table 1: one run ----------------------------------------------------------------------------


def evaluate_run(run: str | os.PathLike[str], *, split: str = "evaluation",
                 metrics: Iterable[str] | str | None = None,
                 root: str | os.PathLike[str] | None = None, which: str = "best",
                 force: bool = False, device: str | None = None, reference: str = "none",
                 log: Log = print) -> CorpusScores:
    """Decode a split with a run's model (no reference, as in the paper's Table 1) and score it.

    Batched beam search with the run config's ``generation`` settings; one
    :func:`adl.metrics.evaluate` call (one tokenizer JVM, one METEOR JVM) for all clips. Writes
    ``metrics.json`` and ``captions.csv`` into the run (see :func:`result_paths`), atomically.
    If ``metrics.json`` already holds the same split, metrics, weights choice and data root, and
    is newer than the weights, it is returned without decoding again.

    Args:
        run: a run directory written by :func:`adl.train.train`.
        split: Clotho subset (``evaluation``, ``validation``, ``development``).
        metrics: names from :data:`adl.metrics.METRICS`; None means all.
        root: data root; None means the run config's ``data.root`` (then ``$ADL_DATA_ROOT``).
        which: ``"best"`` (lowest validation loss) or ``"last"`` weights.
        force: recompute even if up-to-date results exist.
        device: torch device; None follows the run config's ``training.device``.
        reference: ``"none"`` (``Z_ref = 0``, Table 1) or ``"silence"``: each clip decoded
            minus the encoded features of an all-zero clip of its length (an ablation: does
            "nothing subtracted" read the same as "silence subtracted"?).
        log: receives progress lines and the decode and metric wall times.

    Returns:
        The corpus scores; ``.unavailable`` maps each metric that could not be computed on this
        machine (SPICE and what needs it, without its jars) to the reason.

    Raises:
        DataError: the data root or the split's audio is missing.
        RunError: not a complete run directory.

    Notebook: 04_evaluation
    """
    from adl.train import load_run

    run, split = Path(run), normalize_subset(split)
    wanted = _wanted_metrics(metrics)
    metrics_json, captions_csv = result_paths(run, split, reference)
    weights = _weights_path(run, which)
    base = dataset_root(_run_config(run), root)
    if not force and metrics_json.is_file() and captions_csv.is_file() and weights.is_file():
        old = json.loads(metrics_json.read_text(encoding="utf-8"))
        same = (old.get("split") == split and old.get("metrics") == wanted
                and old.get("which") == which and old.get("data_root") == str(base.resolve())
                and old.get("reference", "none") == reference)
        if same and weights.stat().st_mtime < metrics_json.stat().st_mtime:
            log(f"{metrics_json}: up to date, reused (force=True recomputes)")
            return CorpusScores(old["scores"], unavailable=old["unavailable"])

    model, tok, cfg = load_run(run, which=which, device=_device(_run_config(run), device))
    items, waves, skipped = _load_split(cfg, base, split)
    log(f"{run}: decoding {len(waves)} {split} clips from {base}")
    start = time.perf_counter()
    silence = None if reference == "none" else [torch.zeros_like(w) for w in waves]
    candidates = _decode(model, tok, cfg, waves, silence)
    decode_s = time.perf_counter() - start
    log(f"decode: {decode_s:.1f} s ({len(waves) / max(decode_s, 1e-9):.1f} clips/s, "
        f"beam {cfg.generation.num_beams}, batch {cfg.generation.batch_size})")

    refs = [list(it.captions) for it in items]
    start = time.perf_counter()
    scores, sents = _score(candidates, refs, wanted)
    metric_s = time.perf_counter() - start
    log(f"metrics: {metric_s:.1f} s; {_fmt_scores(scores)}")
    for name, reason in scores.unavailable.items():
        log(f"unavailable: {name}: {reason}")

    names = list(sents)
    _write_csv(captions_csv,
               ["file_name", "candidate", *(f"reference_{k}" for k in range(1, N_REFERENCES + 1)),
                *names],
               ([it.fname, cand, *it.captions, *(sents[m][i] for m in names)]
                for i, (it, cand) in enumerate(zip(items, candidates))))
    # metrics.json last: reuse needs it, and it is only written once captions.csv is complete.
    write_json(metrics_json, {
        "split": split, "n_clips": len(items), "which": which, "metrics": wanted,
        "reference": reference,
        **scores.to_json(),
        "decode_seconds": round(decode_s, 3), "metric_seconds": round(metric_s, 3),
        "skipped": [list(s) for s in skipped],
        "data_root": str(base.resolve()),
        "generation": {k: getattr(cfg.generation, k) for k in
                       ("num_beams", "no_repeat_ngram_size", "min_length", "max_length",
                        "batch_size")},
    })
    log(f"wrote {metrics_json} and {captions_csv}")
    return scores


def _run_config(run: Path) -> Config:
    from adl.config import load_config

    read_run_info(run)
    return load_config(run / "config.yaml")


# -- Table 1: several runs -----------------------------------------------------------------------


def table1(runs: Sequence[str | os.PathLike[str]], *,
           metrics: Sequence[str] = TABLE1_METRICS, split: str = "evaluation",
           digits: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's Table 1 from evaluated runs: methods as rows, metrics as columns.

    Each run's ``run.json`` gives its method and seed, its ``metrics.json`` (written by
    :func:`evaluate_run`) its scores. The spread is the *sample* standard deviation over seeds
    (ddof=1); with one seed it is undefined (NaN, shown as ``n/a``). A metric that any run of a
    method could not compute is shown as ``unavailable``, never as 0; the reasons are in
    ``table.attrs["unavailable"]`` (``{method: {metric: reason}}``).

    Args:
        runs: run directories, any methods and seeds.
        metrics: columns, from :data:`adl.metrics.METRICS`.
        split: which evaluation to read (see :func:`result_paths`).
        digits: decimals shown.

    Returns:
        ``(table, numbers)``: ``table`` holds ``"mean ± std"`` strings and a ``seeds`` column
        (runs per method); ``numbers`` the same as floats, with columns ``(metric, "mean")``,
        ``(metric, "std")`` and ``"seeds"``. Rows: ``Baseline``, ``AL-MixGen``, ``ADL``
        (those present), index name ``method``.

    Raises:
        RunError: a run lacks ``run.json`` or an evaluation of ``split``, or two runs have the
            same method and seed.

    Notebook: 04_evaluation
    """
    metrics = _wanted_metrics(list(metrics))
    split = normalize_subset(split)
    if not runs:
        raise ADLError("table1 needs at least one run")
    by_method: dict[str, list[dict[str, Any]]] = {}
    seen: dict[tuple[str, Any], Path] = {}
    for run in map(Path, runs):
        info = read_run_info(run)
        method, seed = str(info.get("method")), info.get("seed")
        if (method, seed) in seen:
            raise RunError(f"{run} and {seen[method, seed]} are both {method} seed {seed}: "
                           "each seed must count once")
        seen[method, seed] = run
        path = result_paths(run, split)[0]
        if not path.is_file():
            raise RunError(f"{path}: missing; run `adl evaluate {run} --split {split}` first")
        result = json.loads(path.read_text(encoding="utf-8"))
        if result.get("split") != split:
            raise RunError(f"{path}: holds the {result.get('split')} split, not {split}")
        by_method.setdefault(method, []).append({"run": run, "preset": info.get("preset"),
                                                 **result})
    # Rows over different data or settings would not be comparable: say so, loudly.
    for key in ("preset", "n_clips"):
        values = {r.get(key) for rs in by_method.values() for r in rs} - {None}
        if len(values) > 1:
            warnings.warn(f"table1: the runs differ in {key} ({sorted(map(str, values))}); "
                          "their numbers are not comparable", stacklevel=2)

    order = [m for m in METHOD_NAMES if m in by_method] + sorted(set(by_method) - set(METHOD_NAMES))
    rows, cells, unavailable = [], [], {}
    for method in order:
        name = METHOD_NAMES.get(method, method)
        results = by_method[method]
        row: dict[tuple[str, str], float] = {}
        shown: dict[str, Any] = {}
        for metric in metrics:
            values, reason = [], None
            for r in results:
                if metric in r.get("scores", {}):
                    values.append(float(r["scores"][metric]))
                else:
                    reason = r.get("unavailable", {}).get(metric) or (
                        f"{r['run']} was evaluated without {metric}; run "
                        f"`adl evaluate {r['run']} --metrics {metric}`")
                    break
            if reason is not None:
                unavailable.setdefault(name, {})[metric] = reason
                row[metric, "mean"] = row[metric, "std"] = math.nan
                shown[metric] = "unavailable"
                continue
            mean = float(np.mean(values))
            std = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
            row[metric, "mean"], row[metric, "std"] = mean, std
            spread = "n/a" if math.isnan(std) else f"{std:.{digits}f}"
            shown[metric] = f"{mean:.{digits}f} ± {spread}"
        row["seeds", ""] = len(results)
        shown["seeds"] = len(results)
        rows.append(row)
        cells.append(shown)
    names = [METHOD_NAMES.get(m, m) for m in order]
    index = pd.Index(names, name="method")
    numbers = pd.DataFrame(rows, index=index)
    numbers.columns = pd.MultiIndex.from_tuples(list(numbers.columns))
    numbers["seeds"] = numbers["seeds"].astype(int)
    table = pd.DataFrame(cells, index=index, columns=[*metrics, "seeds"])
    for frame in (table, numbers):
        frame.attrs["unavailable"] = unavailable
        frame.attrs["split"] = split
        frame.attrs["std"] = "sample standard deviation over seeds (ddof=1)"
    return table, numbers


def relative_change(numbers: pd.DataFrame, method: str, baseline: str, metric: str) -> float:
    """Relative change of a metric's mean, ``(mean_method - mean_baseline) / mean_baseline``.

    Args:
        numbers: the second frame :func:`table1` returns.
        method, baseline: method names (``adl``, ``mixgen``, ``baseline``, or as shown).
        metric: a metric column.

    Returns:
        A float (0.07 means 7 % better for a higher-is-better metric).

    Raises:
        ADLError: the metric is unavailable for either method (no number is made up).

    Notebook: 04_evaluation
    """
    if not isinstance(numbers.columns, pd.MultiIndex):
        raise TypeError("relative_change needs the numeric frame, the second value of table1()")
    a, b = METHOD_NAMES.get(method, method), METHOD_NAMES.get(baseline, baseline)
    for name in (a, b):
        if name not in numbers.index:
            raise ADLError(f"no {name} runs in the table (rows: {', '.join(numbers.index)})")
    reasons = numbers.attrs.get("unavailable", {})
    mean_a, mean_b = numbers.loc[a, (metric, "mean")], numbers.loc[b, (metric, "mean")]
    for name, value in ((a, mean_a), (b, mean_b)):
        if math.isnan(value):
            why = reasons.get(name, {}).get(metric, "no value")
            raise ADLError(f"{metric} is unavailable for {name}: {why}")
    return float((mean_a - mean_b) / mean_b)


# -- Table 2: difference captioning, scored ------------------------------------------------------


def event_precision_recall(named: Sequence[set[str]], true: Sequence[set[str]],
                           ) -> tuple[float, float]:
    """Micro-averaged event precision and recall of captions.

    ``precision = sum |named_i & true_i| / sum |named_i|`` and
    ``recall = sum |named_i & true_i| / sum |true_i|``; NaN where the denominator is 0
    (no caption names any event: precision is undefined, not 0).

    Args:
        named: per caption, the classes it names (:func:`adl.data.events_in_caption`).
        true: per caption, the classes that sound in its audio.

    Returns:
        ``(precision, recall)``.

    Notebook: 04_evaluation
    """
    if len(named) != len(true):
        raise ValueError(f"{len(named)} named sets for {len(true)} true sets")
    hits = sum(len(set(n) & set(t)) for n, t in zip(named, true))
    n_named, n_true = sum(len(n) for n in named), sum(len(t) for t in true)
    return (hits / n_named if n_named else math.nan, hits / n_true if n_true else math.nan)


def names_category(caption: str, category: str) -> bool:
    """Whether a caption names an ESC-50 category.

    A category that is one of the embedded corpus's classes is looked up in its lexicon
    (``adl.data.captions.LEXICON``); any other is named when one of the words of its name
    (``crackling_fire`` -> ``crackling``, ``fire``) appears as a whole word, optionally plural.
    That second rule is coarse: it misses synonyms and other word forms.

    Notebook: 04_evaluation
    """
    if category in LEXICON:
        return category in events_in_caption(caption)
    words = [w for w in re.split(r"[_\-\s]+", category.lower()) if w]
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in words) + r")(?:s|es)?\b"
    return re.search(pattern, caption, re.IGNORECASE) is not None


def difference_conditions(run: str | os.PathLike[str], *,
                          root: str | os.PathLike[str] | None = None, n_clips: int | None = None,
                          seed: int = 0, snr_db: float | None = None,
                          metrics: Sequence[str] = DIFFERENCE_METRICS, which: str = "best",
                          device: str | None = None, force: bool = False, log: Log = print,
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's Table 2, scored: caption the four conditions of every evaluation clip.

    For each evaluation clip, one event from the held-aside ESC-50 fold 5 (a class not already
    in the clip when the corpus metadata says which are) is mixed in with
    :func:`adl.mixing.mix` at a random offset. Picks and offsets come from
    ``torch.Generator().manual_seed(seed)``. The conditions, and what each is scored against:

    ============== ======================= ===================================== ==============
    condition      decoded                 references (caption metrics)          true events
    ============== ======================= ===================================== ==============
    input          Z(input)                the clip's 5 captions                 scene labels
    input+event    Z(mixture)              5 grammar captions of scene + event   scene + event
    mixture-event  Z(mixture) - Z(event)   the clip's 5 captions                 scene labels
    mixture-input  Z(mixture) - Z(input)   5 grammar captions of the event       the event
    ============== ======================= ===================================== ==============

    The event is placed as an ``EventMention`` at its offset, with ``gain_db = -snr_db``.

    Without the embedded corpus's metadata (real Clotho + ESC-50): input and mixture-event are
    scored against the Clotho captions; input+event is *unavailable* (no captions describe a
    mixture, and no labels say what the clip holds); mixture-input gets only the event recall
    (:func:`names_category`), since no captions describe a lone ESC-50 clip and a free caption
    may name sounds no lexicon knows (so no precision). Event precision and recall of input and
    mixture-event are unavailable too (Clotho clips carry no event labels).

    Writes ``table2_captions.csv`` and ``table2.json`` into the run. One
    :func:`adl.metrics.evaluate` call per scored condition: merging conditions into one call
    would change corpus METEOR and BLEU (corpus-level statistics) and CIDEr-D's document
    frequencies.

    Args:
        run: a run directory. root: data root (None: the run config's).
        n_clips: use the first ``n_clips`` evaluation clips; None: all.
        seed: seeds the event picks and offsets. snr_db: input-to-event level (default: the
            run config's ``mixing.snr_db``).
        metrics: caption metrics per condition. which, device, log: as :func:`evaluate_run`.
        force: recompute even when ``table2.json`` already holds this evaluation (same seed,
            clips, level, metrics, weights choice and data root, newer than the weights), which
            is otherwise read back instead of decoding again.

    Returns:
        ``(tidy, summary)``: ``tidy`` has columns condition, metric, value, unavailable (the
        reason, "" when computed); ``summary`` has conditions as rows and the metrics plus
        event_precision and event_recall as columns (NaN where not scored; a caption metric
        that no condition could compute is left out). ``summary.attrs["unavailable"]`` holds
        ``{condition: {metric: reason}}``.

    Notebook: 04_evaluation
    """
    from adl.audio import load_audio
    from adl.train import load_run

    run = Path(run)
    wanted = _wanted_metrics(list(metrics))
    run_cfg = _run_config(run)
    base = dataset_root(run_cfg, root)
    snr = run_cfg.mixing.snr_db if snr_db is None else float(snr_db)
    header = {"split": "evaluation", "n_clips_requested": n_clips, "seed": seed, "snr_db": snr,
              "which": which, "metrics": wanted, "data_root": str(base.resolve())}
    reused = None if force else _read_table2(run, header)
    if reused is not None:
        log(f"{run / 'table2.json'}: up to date, reused (force=True recomputes)")
        tidy = _tidy(reused, wanted)
        return tidy, _summary(tidy, wanted)
    model, tok, cfg = load_run(run, which=which, device=_device(run_cfg, device))
    items, inputs, skipped = _load_split(cfg, base, "evaluation")
    if n_clips is not None:
        items, inputs = items[:n_clips], inputs[:n_clips]
    # Only the embedded corpus has event labels; a malformed file is still an error.
    has_meta = (base / CLOTHO_DIR / "clotho_csv_files" / "embedded_events_evaluation.csv").is_file()
    meta = load_scene_events(base, "evaluation") if has_meta else None
    if meta is not None:
        missing = [it.fname for it in items if it.fname not in meta]
        if missing:
            raise DataError(f"{base}: embedded_events_evaluation.csv lacks {missing[0]}")
    bank = load_esc50(base, folds=(HELD_ASIDE_FOLD,))
    if not bank:
        raise DataError(f"{base}: ESC-50 fold {HELD_ASIDE_FOLD} (the held-aside events) is empty")

    # Pick one event per clip and mix it in.
    g = torch.Generator().manual_seed(seed)
    cache: dict[Path, torch.Tensor] = {}
    trials: list[dict[str, Any]] = []
    mixtures, events = [], []
    sr = cfg.data.sr
    for it, x in zip(items, inputs):
        scene = meta[it.fname] if meta is not None else None
        pool = bank if scene is None else [b for b in bank if b.category not in scene.labels]
        pick = (pool or bank)[int(torch.randint(len(pool or bank), (1,), generator=g))]
        if pick.path not in cache:
            cache[pick.path] = load_audio(pick.path, sr=sr)
        ev = cache[pick.path]
        offset = random_offset(x.shape[0], ev.shape[0], g)
        try:
            mixture, aligned = mix(x, ev, snr_db=snr, offset=offset)
        except SilentAudioError as e:
            raise DataError(f"{it.fname} + {pick.path}: {e}") from None
        mixtures.append(mixture)
        events.append(aligned)
        trials.append({"item": it, "scene": scene, "event": pick, "offset_s": offset / sr,
                       "event_s": min(ev.shape[0], x.shape[0] - offset) / sr,
                       "event_len_s": ev.shape[0] / sr})
    n = len(trials)
    log(f"{run}: {n} clips x 4 conditions, events from ESC-50 fold {HELD_ASIDE_FOLD}, "
        f"{snr:g} dB, {'with' if meta is not None else 'without'} event metadata")

    start = time.perf_counter()
    plain = _decode(model, tok, cfg, inputs + mixtures)
    diffs = _decode(model, tok, cfg, mixtures + mixtures, events + inputs)
    decode_s = time.perf_counter() - start
    log(f"decode: {decode_s:.1f} s for {4 * n} captions ({4 * n / max(decode_s, 1e-9):.1f}/s)")
    captions = {"input": plain[:n], "input+event": plain[n:], "mixture-event": diffs[:n],
                "mixture-input": diffs[n:]}

    refs, true, described = _condition_references(trials, meta is not None, seed, snr)
    start = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for cond in CONDITIONS:
        res: dict[str, Any] = {"references": described[cond], "scores": {}, "unavailable": {},
                               "sents": {}}
        if refs[cond] is not None:
            scores, sents = _score(captions[cond], refs[cond], wanted)
            res.update(scores=dict(scores), unavailable=dict(scores.unavailable), sents=sents)
        else:
            res["unavailable"] = {m: described[cond] for m in wanted}
        named = [events_in_caption(c) for c in captions[cond]]
        if meta is not None:
            p, r = event_precision_recall(named, true[cond])
            res.update(event_precision=p, event_recall=r)
        elif cond == "mixture-input":
            cats = [t["event"].category for t in trials]
            named = [n_ | ({c} if names_category(cap, c) else set())
                     for n_, cap, c in zip(named, captions[cond], cats)]
            res.update(event_precision=None, event_recall=event_precision_recall(
                [{c} & nm for c, nm in zip(cats, named)], [{c} for c in cats])[1])
            res["unavailable"]["event_precision"] = (
                "real data: a free caption may name sounds that no lexicon knows, so only "
                "the recall of the ESC-50 category is scored")
        else:
            res.update(event_precision=None, event_recall=None)
            res["unavailable"].update({m: "real data: Clotho clips carry no event labels"
                                       for m in EVENT_METRICS})
        res["named"] = named
        results[cond] = res
    metric_s = time.perf_counter() - start
    log(f"metrics: {metric_s:.1f} s")

    tidy = _tidy(results, wanted)
    summary = _summary(tidy, wanted)
    for cond in CONDITIONS:
        row = summary.loc[cond]
        log(f"{CONDITION_TITLES[cond]:22s} " + ", ".join(
            f"{k} {v:.3f}" for k, v in row.items() if not pd.isna(v)))
    _write_table2(run, trials, captions, refs, true, results, wanted, {
        **header, "n_clips": n, "has_metadata": meta is not None,
        "decode_seconds": round(decode_s, 3), "metric_seconds": round(metric_s, 3),
        "skipped": [list(s) for s in skipped]})
    log(f"wrote {run / 'table2.json'} and {run / 'table2_captions.csv'}")
    return tidy, summary


def _read_table2(run: Path, header: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The per-condition results of an up-to-date ``table2.json`` matching ``header``, or None.
    Up to date: written after the weights it evaluated, with its captions CSV beside it."""
    path = run / "table2.json"
    try:
        weights = _weights_path(run, header["which"])
    except RunError:
        return None
    if not (path.is_file() and (run / "table2_captions.csv").is_file() and weights.is_file()):
        return None
    old = json.loads(path.read_text(encoding="utf-8"))
    if any(old.get(k) != v for k, v in header.items()):
        return None
    if weights.stat().st_mtime >= path.stat().st_mtime:
        return None
    out = {}
    for cond, res in old["conditions"].items():
        unavailable = res.get("unavailable", {})
        out[cond] = {"scores": res.get("scores", {}), "unavailable": unavailable}
        for metric in EVENT_METRICS:
            # JSON keeps an undefined (NaN) score as null; a metric not scored has a reason.
            value = res.get(metric)
            out[cond][metric] = (math.nan if value is None and metric not in unavailable
                                 else value)
    return out


def _condition_references(trials: list[dict[str, Any]], has_meta: bool, seed: int, snr: float,
                          ) -> tuple[dict[str, list[list[str]] | None],
                                     dict[str, list[set[str]]], dict[str, str]]:
    """Per condition: reference captions (None: not scorable), true event sets, a description."""
    inputs = [list(t["item"].captions) for t in trials]
    refs: dict[str, list[list[str]] | None] = {"input": inputs, "mixture-event": inputs}
    described = {"input": "the input clip's captions",
                 "mixture-event": "the input clip's captions"}
    true: dict[str, list[set[str]]] = {c: [] for c in CONDITIONS}
    if not has_meta:
        refs["input+event"] = refs["mixture-input"] = None
        described["input+event"] = (
            "unavailable: no reference captions describe a mixture of a real clip and an "
            "ESC-50 event (only the embedded corpus, whose grammar can write them, scores it)")
        described["mixture-input"] = (
            "unavailable: no reference captions describe a lone ESC-50 event; scored by the "
            "recall of its category only")
        true["mixture-input"] = [{t["event"].category} for t in trials]
        return refs, true, described
    mixed, alone = [], []
    for i, t in enumerate(trials):
        scene, label = t["scene"], t["event"].category
        added = EventMention(label, t["offset_s"], t["event_s"], -snr)
        # One generator per clip and condition: each reference set is reproducible on its own.
        mixed.append(_grammar_references(scene.events() + [added],
                                         np.random.default_rng([seed, i, 2]), scene.background))
        alone.append(_grammar_references([EventMention(label, 0.0, t["event_len_s"], 0.0)],
                                         np.random.default_rng([seed, i, 4])))
        labels = set(scene.labels)
        true["input"].append(labels)
        true["mixture-event"].append(labels)
        true["input+event"].append(labels | {label})
        true["mixture-input"].append({label})
    refs["input+event"], refs["mixture-input"] = mixed, alone
    described["input+event"] = "5 grammar captions of the scene's events plus the added event"
    described["mixture-input"] = "5 grammar captions of the added event alone"
    return refs, true, described



def _grammar_references(events: list[EventMention], rng: np.random.Generator,
                        background: str | None = None) -> list[str]:
    """Five grammar captions that name exactly the events' classes.

    The corpus grammar was built for scenes of up to ``corpus.max_events`` (3) events; with one
    more, some of its sentence forms for overlapping events leave one out. A reference that
    misses an event that sounds would reward captions that miss it too, so such sentences are
    dropped and more are drawn.
    """
    want = {e.label for e in events}
    good: list[str] = []
    for n in (N_REFERENCES, 4 * N_REFERENCES, 20 * N_REFERENCES):
        try:
            drawn = write_captions(events, rng, n, background=background)
        except RuntimeError:
            break  # fewer distinct sentences exist than asked for
        good = list(dict.fromkeys(good + [c for c in drawn if events_in_caption(c) == want]))
        if len(good) >= N_REFERENCES:
            return good[:N_REFERENCES]
    raise DataError(f"the caption grammar wrote only {len(good)} captions naming exactly "
                    f"{sorted(want)}; {N_REFERENCES} are needed")


def _tidy(results: dict[str, dict[str, Any]], wanted: list[str]) -> pd.DataFrame:
    rows = []
    for cond in CONDITIONS:
        res = results[cond]
        for metric in [*wanted, *EVENT_METRICS]:
            value = res["scores"].get(metric) if metric in wanted else res.get(metric)
            reason = res["unavailable"].get(metric, "")
            if value is not None and math.isnan(value) and not reason:
                reason = "undefined: no caption of this condition names any event"
            rows.append({"condition": cond, "metric": metric,
                         "value": math.nan if value is None else float(value),
                         "unavailable": reason})
    return pd.DataFrame(rows, columns=["condition", "metric", "value", "unavailable"])


def _summary(tidy: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    wide = tidy.pivot(index="condition", columns="metric", values="value")
    wide = wide.reindex(index=list(CONDITIONS), columns=[*wanted, *EVENT_METRICS])
    # A caption metric that no condition computed (SPIDEr without SPICE) is left out;
    # the event metrics stay, NaN where not scored.
    wide = wide.drop(columns=[m for m in wanted if wide[m].isna().all()])
    wide.columns.name = None
    unavailable: dict[str, dict[str, str]] = {}
    for row in tidy.itertuples():
        if row.unavailable:
            unavailable.setdefault(row.condition, {})[row.metric] = row.unavailable
    wide.attrs["unavailable"] = unavailable
    return wide


def _json_float(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _write_table2(run: Path, trials: list[dict[str, Any]], captions: dict[str, list[str]],
                  refs: dict[str, list[list[str]] | None], true: dict[str, list[set[str]]],
                  results: dict[str, dict[str, Any]], wanted: list[str],
                  header: dict[str, Any]) -> None:
    score_names = [m for m in wanted if any(m in results[c]["sents"] for c in CONDITIONS)]
    rows = []
    for cond in CONDITIONS:
        res = results[cond]
        for i, t in enumerate(trials):
            cond_refs = refs[cond][i] if refs[cond] is not None else [""] * N_REFERENCES
            rows.append([
                t["item"].fname, cond, captions[cond][i], t["event"].fname, t["event"].category,
                round(t["offset_s"], 4), ";".join(sorted(true[cond][i])) if true[cond] else "",
                ";".join(sorted(res["named"][i])), *cond_refs,
                *(res["sents"][m][i] if m in res["sents"] else "" for m in score_names)])
    _write_csv(run / "table2_captions.csv",
               ["file_name", "condition", "caption", "event_file", "event_label", "offset_s",
                "true_events", "named_events",
                *(f"reference_{k}" for k in range(1, N_REFERENCES + 1)), *score_names], rows)
    write_json(run / "table2.json", {**header, "conditions": {
        cond: {"references": res["references"],
               "scores": {k: float(v) for k, v in res["scores"].items()},
               "unavailable": res["unavailable"],
               "event_precision": _json_float(res.get("event_precision")),
               "event_recall": _json_float(res.get("event_recall"))}
        for cond, res in results.items()}})


def examples(run: str | os.PathLike[str], *, k: int = 3) -> pd.DataFrame:
    """A few difference-captioning examples in the paper's Table 2 format.

    Reads ``table2_captions.csv`` (written by :func:`difference_conditions`) and takes its first
    ``k`` clips, in file order (not the best ones: no cherry-picking).

    Returns:
        One row per clip (index ``file_name``): ``scene events`` (the input's true labels, or
        ``unknown`` on real data), ``added event``, and the four captions under the titles
        ``(1) input`` .. ``(4) mixture - input``.

    Notebook: 04_evaluation
    """
    path = Path(run) / "table2_captions.csv"
    if not path.is_file():
        raise RunError(f"{path}: missing; run difference_conditions({str(run)!r}) first")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    files = list(dict.fromkeys(frame["file_name"]))[:k]
    rows = []
    for name in files:
        clip = frame[frame["file_name"] == name].set_index("condition")
        scene = clip.loc["input", "true_events"]
        rows.append({"file_name": name,
                     "scene events": scene.replace(";", ", ") if scene else "unknown",
                     "added event": clip.loc["input", "event_label"],
                     **{CONDITION_TITLES[c]: clip.loc[c, "caption"] for c in CONDITIONS}})
    return pd.DataFrame(rows).set_index("file_name")
