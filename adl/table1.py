"""Table 1 of the paper: captioning with no reference, mean ± std over seeds.

Komatsu et al., "Audio Difference Learning for Audio Captioning" (ICASSP 2024), Table 1, scores
the Baseline, AL-MixGen and ADL captioners on the Clotho v2.1 evaluation split, decoded with no
reference as the DCASE2023 task 6a baseline decodes (beam 4), with SPIDEr, SPIDEr-FL, CIDEr-D
and METEOR. This module does the same for the book's runs:

* :func:`evaluate_run` decodes a split with a run's model, with no reference, and writes
  ``metrics.json`` and ``captions.csv`` into the run (:func:`result_paths`).
* :func:`table1` gathers several runs into methods x metrics, mean ± sample std over seeds
  (:func:`format_mean_std`), and :func:`relative_change` states ADL's change over the baseline
  as the paper does (also for :data:`PAPER_TABLE1`, the paper's own numbers).
* :func:`load_split`, :func:`decode_waves` and :func:`score_captions` load, decode and score a
  split; :mod:`adl.table2` uses them for the paper's Table 2.

Files written into a run ``RUN/``::

    metrics.json         {"split", "n_clips", "metrics", "scores", "unavailable", "events",
                          "decode_seconds", "metric_seconds", ...}  (other splits:
                          metrics_<split>.json); "events" holds the event precision, recall,
                          f1, absent_share, distinct_captions and n_clips of the captions
                          (adl.events.EventScores), or null with "events_unavailable" (why)
    captions.csv         file_name, candidate, reference_1..5, one column per per-clip metric
                         (other splits: captions_<split>.csv)

Notebook: 04_evaluation
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from adl.config import Config, dataset_root, load_config
from adl.data.clotho import ClothoItem, load_clotho, normalize_subset
from adl.data.layout import require_data_root
from adl.data.training import load_clips
from adl.errors import ADLError, DataError
from adl.events import event_entry, load_event_labels
from adl.inference import caption_waves, load_run, resolve_device, weights_path
from adl.io import atomic_open, write_json
from adl.metrics import CorpusScores, MetricUnavailableWarning, check_metrics, evaluate
from adl.runs import RunError, read_run_info, up_to_date

__all__ = [
    "METHOD_NAMES",
    "PAPER_TABLE1",
    "REFERENCES",
    "TABLE1_METRICS",
    "computed_columns",
    "decode_waves",
    "evaluate_run",
    "format_mean_std",
    "load_split",
    "log_unavailable",
    "relative_change",
    "result_paths",
    "reusable_evaluation",
    "run_config",
    "score_captions",
    "table1",
    "write_evaluation",
]

#: The paper's Table 1 columns: SPIDEr, SPIDEr-FL, CIDEr(-D), METEOR.
TABLE1_METRICS: tuple[str, ...] = ("spider", "spider_fl", "cider_d", "meteor")
#: How each training method is named in the paper's tables, in the paper's row order.
METHOD_NAMES: dict[str, str] = {"baseline": "Baseline", "mixgen": "AL-MixGen", "adl": "ADL"}
#: The paper's Table 1 (Clotho v2.1 evaluation split, real data), for comparison only: the
#: book's numbers come from other data and a smaller model.
PAPER_TABLE1: dict[str, dict[str, float]] = {
    "Baseline": {"spider": 0.272, "spider_fl": 0.264, "cider_d": 0.420, "meteor": 0.180},
    "AL-MixGen": {"spider": 0.275, "spider_fl": 0.269, "cider_d": 0.425, "meteor": 0.182},
    "ADL": {"spider": 0.291, "spider_fl": 0.289, "cider_d": 0.454, "meteor": 0.194},
}
#: Reference captions per Clotho clip (columns of ``captions.csv``).
N_REFERENCES = 5

Log = Callable[[str], None]


# -- shared helpers ------------------------------------------------------------------------------


#: What :func:`evaluate_run` subtracts: ``none``, the run's own "no reference"
#: (``model.no_reference`` in its config, what it was trained and validated with); or, to ask
#: what the decoder makes of the other meaning, ``silence`` (``Z_ref = Enc(0)``) or ``zero``
#: (``Z_ref = 0``) whatever the run was trained with.
REFERENCES = ("none", "silence", "zero")


def result_paths(run: str | os.PathLike[str], split: str = "evaluation",
                 reference: str = "none") -> tuple[Path, Path]:
    """Where :func:`evaluate_run` writes ``(metrics.json, captions.csv)`` for a split.

    The evaluation split with no reference gets the plain names; other splits get
    ``metrics_<split>.json`` and ``captions_<split>.csv``, and a forced reference adds
    ``_silence`` or ``_zero``, so that no other evaluation overwrites the numbers Table 1 reads.
    """
    run, split = Path(run), normalize_subset(split)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {', '.join(REFERENCES)}, got {reference!r}")
    suffix = ("" if split == "evaluation" else f"_{split}") + \
        ("" if reference == "none" else f"_{reference}")
    return run / f"metrics{suffix}.json", run / f"captions{suffix}.csv"


def load_split(cfg: Config, base: Path, split: str,
               ) -> tuple[list[ClothoItem], list[torch.Tensor], list[tuple[str, str]]]:
    """The usable clips of a Clotho split: ``(items, waves (samples,), skipped (file, reason))``.

    Bad audio follows the run config's ``training.on_bad_audio`` (skip with a reason, or fail).

    Raises:
        DataError: the data root, the split's clip list or all of its audio is missing.
    """
    require_data_root(cfg, base)
    items = load_clotho(base, split)  # DataError, naming the files, if audio is missing
    if not items:
        raise DataError(f"{base}: the Clotho {split} split lists no clips")
    waves, kept, skipped = load_clips([it.path for it in items], cfg.data.sr,
                                      on_bad_audio=cfg.training.on_bad_audio)
    if not waves:
        raise DataError(f"{base}: no usable audio in the {split} split "
                        f"({len(skipped)} bad clips, e.g. {skipped[0][1]})")
    return [items[i] for i in kept], waves, skipped


def decode_waves(model: Any, tok: Any, cfg: Config, waves: list[torch.Tensor],
                 references: list[torch.Tensor | None] | None = None, *,
                 no_reference: str | None = None) -> list[str]:
    """Beam search with the run's generation settings (the DCASE2023 baseline's), longest clips
    first; with ``references``, each clip is decoded minus its reference.

    Sorting by length makes batches of similar lengths (less padding, so faster on Clotho's
    15-30 s clips); captions come back in the order of ``waves``. ``no_reference``: what clips
    without a reference subtract (``"silence"`` or ``"zero"``; None: the model's own).
    """
    order = sorted(range(len(waves)), key=lambda i: -waves[i].shape[0])
    refs = None if references is None else [references[i] for i in order]
    gen = cfg.generation
    with torch.no_grad():
        out = caption_waves(model, tok, [waves[i] for i in order], refs,
                            batch_size=gen.batch_size, num_beams=gen.num_beams,
                            no_repeat_ngram_size=gen.no_repeat_ngram_size,
                            min_length=gen.min_length, max_length=gen.max_length,
                            no_reference=no_reference)
    captions = [""] * len(waves)
    for j, i in enumerate(order):
        captions[i] = out[j]
    return captions


def score_captions(candidates: list[str], mult_references: list[list[str]], metrics: list[str],
                   ) -> tuple[CorpusScores, dict[str, list[float]]]:
    """:func:`adl.metrics.evaluate`, with its unavailable-metric warning left to our log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        return evaluate(candidates, mult_references, metrics)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a header and rows as CSV, atomically."""
    with atomic_open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _fmt_scores(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items())


def _fmt_events(entry: Mapping[str, Any]) -> str:
    """One log line for the ``events`` entry of a ``metrics.json``."""
    ev = entry.get("events")
    if ev is None:
        return f"events: unavailable ({entry.get('events_unavailable')})"
    def num(v: Any) -> str:
        return "undefined" if v is None else f"{v:.3f}"
    return (f"events: precision {num(ev['precision'])}, recall {num(ev['recall'])}, "
            f"f1 {num(ev['f1'])}, absent share {num(ev['absent_share'])}, "
            f"{ev['distinct_captions']} distinct captions of {ev['n_clips']}")


#: Reasons for unavailable metrics already logged by this process: Table 1 evaluates nine runs in
#: one kernel, and the reader needs the SPICE explanation (and its install command) once.
_REASONS_SAID: set[str] = set()
_NEEDS_SPICE = "needs SPICE, which is unavailable: "


def log_unavailable(unavailable: Mapping[str, str], log: Log = print) -> None:
    """Log why metrics were not computed, each reason once per process.

    SPIDEr and SPIDEr-FL repeat SPICE's reason inside their own; they are named with a short
    "needs SPICE" instead. Metrics whose reasons were already logged get one short line.

    Args:
        unavailable: metric name -> reason (:attr:`adl.metrics.CorpusScores.unavailable`).
        log: where the lines go.
    """
    spice = unavailable.get("spice")
    groups: dict[str, list[str]] = {}
    for name, reason in unavailable.items():
        if spice is not None and name != "spice":
            reason = reason.replace(_NEEDS_SPICE + spice, "needs SPICE")
        groups.setdefault(reason, []).append(name)
    known = []
    for reason, names in groups.items():
        if reason in _REASONS_SAID:
            known += names
        else:
            log(f"unavailable: {', '.join(names)}: {reason}")
            _REASONS_SAID.add(reason)
    if known:
        log(f"unavailable: {', '.join(known)} (for the reasons given above)")


# -- Table 1: one run ----------------------------------------------------------------------------


def evaluate_run(run: str | os.PathLike[str], *, split: str = "evaluation",
                 metrics: Iterable[str] | str | None = None,
                 root: str | os.PathLike[str] | None = None, which: str = "best",
                 force: bool = False, device: str | None = None, reference: str = "none",
                 log: Log = print) -> CorpusScores:
    """Decode a split with a run's model (no reference, as in the paper's Table 1) and score it.

    Batched beam search with the run config's ``generation`` settings; one
    :func:`adl.metrics.evaluate` call (one tokenizer JVM, one METEOR JVM) for all clips. Writes
    ``metrics.json`` and ``captions.csv`` into the run (see :func:`result_paths`), atomically,
    with the captions' event scores (:func:`adl.events.caption_event_scores`) where the data
    has event labels. If ``metrics.json`` already holds the same split, metrics, weights choice
    and data root, and is newer than the weights, it is returned without decoding again (one
    written before event scores existed gets them from its ``captions.csv``).

    Args:
        run: a run directory written by :func:`adl.train.train`.
        split: Clotho subset (``evaluation``, ``validation``, ``development``).
        metrics: names from :data:`adl.metrics.METRICS`; None means all.
        root: data root; None means the run config's ``data.root`` (then ``$ADL_DATA_ROOT``).
        which: ``"best"`` (lowest validation loss) or ``"last"`` weights.
        force: recompute even if up-to-date results exist.
        device: torch device; None follows the run config's ``training.device``.
        reference: ``"none"``: no reference as the run was trained (its
            ``model.no_reference``; Table 1); ``"silence"`` or ``"zero"`` force
            ``Z_ref = Enc(0)`` or ``Z_ref = 0`` (an ablation: does the decoder read the two
            meanings of "no reference" alike?).
        log: receives progress lines and the decode and metric wall times.

    Returns:
        The corpus scores; ``.unavailable`` maps each metric that could not be computed on this
        machine (SPICE and what needs it, without its jars) to the reason.

    Raises:
        DataError: the data root or the split's audio is missing.
        RunError: not a complete run directory.

    Notebook: 04_evaluation
    """
    run, split = Path(run), normalize_subset(split)
    wanted = check_metrics(metrics)
    result_paths(run, split, reference)  # an unknown reference fails before any work
    run_cfg = run_config(run)
    base = dataset_root(run_cfg, root)
    key = {"split": split, "metrics": wanted, "which": which,
           "data_root": str(base.resolve()), "reference": reference}
    if not force:
        old = reusable_evaluation(run, key, base, log)
        if old is not None:
            return CorpusScores(old["scores"], unavailable=old["unavailable"])
    model, tok, cfg = load_run(run, which=which, root=root, device=device or resolve_device(
        run_cfg.training.device, fallback_to_cpu=True))
    items, waves, skipped = load_split(cfg, base, split)
    log(f"{run}: decoding {len(waves)} {split} clips from {base}")
    candidates, decode_s = _timed_decode(model, tok, cfg, waves, reference, log)
    scores, sents, events, metric_s = _score_split(items, candidates, wanted, base, split, log)
    write_evaluation(run, key, items, candidates, sents, {
        "n_clips": len(items), **scores.to_json(), **events,
        "decode_seconds": round(decode_s, 3), "metric_seconds": round(metric_s, 3),
        "skipped": [list(s) for s in skipped],
        "generation": {k: getattr(cfg.generation, k) for k in
                       ("num_beams", "no_repeat_ngram_size", "min_length", "max_length",
                        "batch_size")}}, log)
    return scores


def reusable_evaluation(run: Path, key: Mapping[str, Any], base: Path,
                        log: Log = print) -> dict[str, Any] | None:
    """The ``metrics.json`` of an earlier :func:`evaluate_run` with the same ``key`` (split,
    metrics, weights choice, data root, reference), when it is newer than the weights
    (:func:`adl.runs.up_to_date`); one written before event scores existed gets them from its
    ``captions.csv``. None: evaluate again."""
    metrics_json, captions_csv = result_paths(run, key["split"], key["reference"])
    weights = weights_path(run, key["which"])
    old = up_to_date(metrics_json, key, requires=[captions_csv, weights], newer_than=[weights],
                     defaults={"reference": "none"})
    if old is None:
        return None
    if "events" not in old:  # written before event scores: add them from the captions
        frame = pd.read_csv(captions_csv, keep_default_na=False)
        old.update(event_entry(load_event_labels(base, key["split"]),
                               frame["candidate"].tolist(), frame["file_name"].tolist()))
        write_json(metrics_json, old)
        log(f"{metrics_json}: event scores added from {captions_csv.name}")
    log(f"{metrics_json}: up to date, reused (force=True recomputes)")
    return old


def _timed_decode(model: Any, tok: Any, cfg: Config, waves: list[torch.Tensor],
                  reference: str, log: Log) -> tuple[list[str], float]:
    """:func:`decode_waves` with no reference (``reference``: ``none`` is the model's own
    meaning, else the one forced), and its wall time in seconds."""
    start = time.perf_counter()
    candidates = decode_waves(model, tok, cfg, waves,
                              no_reference=None if reference == "none" else reference)
    decode_s = time.perf_counter() - start
    log(f"decode: {decode_s:.1f} s ({len(waves) / max(decode_s, 1e-9):.1f} clips/s, "
        f"beam {cfg.generation.num_beams}, batch {cfg.generation.batch_size})")
    return candidates, decode_s


def _score_split(items: Sequence[ClothoItem], candidates: list[str], wanted: list[str],
                 base: Path, split: str, log: Log,
                 ) -> tuple[CorpusScores, dict[str, list[float]], dict[str, Any], float]:
    """The captions' metrics against the items' captions and their event scores:
    ``(corpus scores, per-clip scores, the events entry, metric seconds)``."""
    refs = [list(it.captions) for it in items]
    start = time.perf_counter()
    scores, sents = score_captions(candidates, refs, wanted)
    metric_s = time.perf_counter() - start
    log(f"metrics: {metric_s:.1f} s; {_fmt_scores(scores)}")
    log_unavailable(scores.unavailable, log)
    events = event_entry(load_event_labels(base, split), candidates, [it.fname for it in items])
    log(_fmt_events(events))
    return scores, sents, events, metric_s


def write_evaluation(run: Path, key: Mapping[str, Any], items: Sequence[ClothoItem],
                     candidates: list[str], sents: Mapping[str, list[float]],
                     results: Mapping[str, Any], log: Log = print) -> None:
    """Write ``captions.csv`` (one row per clip: candidate, references, per-clip scores), then
    ``metrics.json`` (``key`` and ``results``): last, since reuse reads it, and only once the
    captions are complete."""
    metrics_json, captions_csv = result_paths(run, key["split"], key["reference"])
    names = list(sents)
    write_csv(captions_csv,
              ["file_name", "candidate", *(f"reference_{k}" for k in range(1, N_REFERENCES + 1)),
               *names],
              ([it.fname, cand, *it.captions, *(sents[m][i] for m in names)]
               for i, (it, cand) in enumerate(zip(items, candidates))))
    record = {"split": key["split"], "n_clips": results["n_clips"], "which": key["which"],
              "metrics": key["metrics"], "reference": key["reference"],
              **{k: v for k, v in results.items() if k not in ("n_clips", "generation")},
              "data_root": key["data_root"], "generation": results["generation"]}
    write_json(metrics_json, record)
    log(f"wrote {metrics_json} and {captions_csv}")


def run_config(run: Path) -> Config:
    """The resolved config of a run (its ``config.yaml``), after :func:`adl.runs.read_run_info`
    has checked that the run's format is one this version reads."""
    read_run_info(run)
    return load_config(run / "config.yaml")


# -- Table 1: several runs -----------------------------------------------------------------------


def table1(runs: Sequence[str | os.PathLike[str]], *,
           metrics: Sequence[str] = TABLE1_METRICS, split: str = "evaluation",
           digits: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's Table 1 from evaluated runs: methods as rows, metrics as columns.

    Each run's ``run.json`` gives its method and seed, its ``metrics.json`` (written by
    :func:`evaluate_run`) its scores. The spread is the *sample* standard deviation over seeds
    (ddof=1); with one seed it is undefined (NaN), and the table shows the value alone
    (:func:`format_mean_std`). A metric that any run of a method could not compute is shown as
    ``unavailable``, never as 0; the reasons are in ``table.attrs["unavailable"]``
    (``{method: {metric: reason}}``).

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
    metrics = check_metrics(list(metrics))
    split = normalize_subset(split)
    if not runs:
        raise ADLError("table1 needs at least one run")
    by_method = _results_by_method(runs, split)
    order = [m for m in METHOD_NAMES if m in by_method] + sorted(set(by_method) - set(METHOD_NAMES))
    rows, cells, unavailable = [], [], {}
    for method in order:
        name = METHOD_NAMES.get(method, method)
        row, shown, reasons = _method_row(by_method[method], metrics, digits)
        if reasons:
            unavailable[name] = reasons
        rows.append(row)
        cells.append(shown)
    index = pd.Index([METHOD_NAMES.get(m, m) for m in order], name="method")
    numbers = pd.DataFrame(rows, index=index)
    numbers.columns = pd.MultiIndex.from_tuples(list(numbers.columns))
    numbers["seeds"] = numbers["seeds"].astype(int)
    table = pd.DataFrame(cells, index=index, columns=[*metrics, "seeds"])
    for frame in (table, numbers):
        frame.attrs["unavailable"] = unavailable
        frame.attrs["split"] = split
        frame.attrs["std"] = "sample standard deviation over seeds (ddof=1)"
    return table, numbers


def _results_by_method(runs: Sequence[str | os.PathLike[str]], split: str,
                       ) -> dict[str, list[dict[str, Any]]]:
    """Each run's evaluation of ``split`` (with its run folder and preset), by method; warns when
    the runs differ in preset or number of clips (their numbers are then not comparable)."""
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
                          "their numbers are not comparable", stacklevel=3)
    return by_method


def _method_row(results: list[dict[str, Any]], metrics: Sequence[str], digits: int,
                ) -> tuple[dict[tuple[str, str], float], dict[str, Any], dict[str, str]]:
    """One method's row of :func:`table1`: ``(numbers, shown cells, unavailable reasons)``.
    A metric that any of its runs lacks is unavailable (NaN), never averaged over fewer seeds."""
    row: dict[tuple[str, str], float] = {}
    shown: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
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
            unavailable[metric] = reason
            row[metric, "mean"] = row[metric, "std"] = math.nan
            shown[metric] = "unavailable"
            continue
        mean = float(np.mean(values))
        std = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        row[metric, "mean"], row[metric, "std"] = mean, std
        shown[metric] = format_mean_std(mean, std, len(values), digits)
    row["seeds", ""] = len(results)
    shown["seeds"] = len(results)
    return row, shown, unavailable


def format_mean_std(mean: float, std: float, n: int, digits: int = 3, *,
                    missing: str = "unavailable") -> str:
    """``"mean ± std"`` over ``n`` seeds: the one way the book writes a spread.

    One seed has no spread, so its value is shown alone (never ``± 0.000`` or ``± nan``).

    Args:
        mean, std: over the seeds (``std`` is the sample standard deviation; NaN for one seed).
        n: how many seeds the mean is over.
        digits: decimals shown.
        missing: what no value at all (``n == 0`` or a NaN mean) is shown as.

    Returns:
        e.g. ``"0.450 ± 0.071"`` (n >= 2), ``"0.600"`` (n == 1), ``missing`` (no value).
    """
    if n == 0 or mean is None or math.isnan(mean):
        return missing
    if n == 1 or std is None or math.isnan(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def relative_change(numbers: pd.DataFrame | Mapping[str, Mapping[str, float]], method: str,
                    baseline: str, metric: str) -> float:
    """Relative change of a metric's mean, ``(mean_method - mean_baseline) / mean_baseline``: how
    the paper states ADL's gain over the baseline (CIDEr-D 0.420 -> 0.454 is +8.1 %).

    Args:
        numbers: the second frame :func:`table1` returns, or means as
            ``{method: {metric: mean}}`` (e.g. :data:`PAPER_TABLE1`).
        method, baseline: method names (``adl``, ``mixgen``, ``baseline``, or as shown).
        metric: a metric column.

    Returns:
        A float (0.07 means 7 % better for a higher-is-better metric).

    Raises:
        ADLError: the metric is unavailable for either method, or the baseline's mean is 0
            (no number is made up).

    Notebook: 04_evaluation
    """
    if isinstance(numbers, pd.DataFrame):
        if not isinstance(numbers.columns, pd.MultiIndex):
            raise TypeError("relative_change needs the numeric frame, the second value of "
                            "table1()")
        means = {name: float(numbers.loc[name, (metric, "mean")])
                 if (metric, "mean") in numbers.columns else math.nan for name in numbers.index}
        reasons = numbers.attrs.get("unavailable", {})
    else:
        means = {name: float(row.get(metric, math.nan)) for name, row in numbers.items()}
        reasons = {}
    found = []
    for key in (method, baseline):
        name = METHOD_NAMES.get(key, key)
        name = key if name not in means and key in means else name
        if name not in means:
            raise ADLError(f"no {name} runs in the table (rows: {', '.join(map(str, means))})")
        if math.isnan(means[name]):
            why = reasons.get(name, {}).get(metric, "no value")
            raise ADLError(f"{metric} is unavailable for {name}: {why}")
        found.append((name, means[name]))
    (_, mean_a), (name_b, mean_b) = found
    if mean_b == 0:
        raise ADLError(f"{metric} of {name_b} is 0: a change relative to it is undefined")
    return (mean_a - mean_b) / mean_b


def computed_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a displayed Table 1 that hold at least one number: a column that is
    ``unavailable`` (or empty) in every row is left out of the tables a reader sees, and said
    once beside them (``table.attrs["unavailable"]`` of :func:`table1` holds the reasons).

    Notebook: 04_evaluation
    """
    def computed(value: object) -> bool:
        return str(value).strip() not in ("", "unavailable", "nan", "<NA>", "None")

    return [c for c in table.columns if any(computed(v) for v in table[c])]
