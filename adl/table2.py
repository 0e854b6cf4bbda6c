"""Table 2 of the paper: captions of the four difference conditions, scored.

Komatsu et al., "Audio Difference Learning for Audio Captioning" (ICASSP 2024), Table 2, shows
what a model writes for (1) an input clip, (2) the input with an event mixed in, (3) the mixture
minus the event, ``Z(mix) - Z(event)``, which should read as (1), and (4) the mixture minus the
input, ``Z(mix) - Z(input)``, which should name the event. The paper only shows examples; here
every evaluation clip is decoded in the four conditions and scored:

* :func:`difference_conditions` mixes one held-aside event (ESC-50 fold 5,
  :data:`HELD_ASIDE_FOLD`) into each evaluation clip, decodes the four :data:`CONDITIONS` and
  scores each against references that describe what it should contain, plus the
  :func:`event_precision_recall` of the sound classes its captions name
  (:func:`names_category` on real data);
* :func:`examples` shows a few clips in the paper's format (:data:`CONDITION_TITLES`);
  :func:`example_audio` and :func:`example_html` make them audible (players for the input, the
  event and the mixture beside both models' captions).

Loading, decoding and scoring are :mod:`adl.table1`'s (:func:`adl.table1.load_split`,
:func:`adl.table1.decode_waves`, :func:`adl.table1.score_captions`).

Files written into a run ``RUN/``::

    table2.json          per condition: corpus scores, unavailable metrics with reasons, event
                         precision and recall, what the references are
    table2_captions.csv  one row per clip and condition: caption, references, true and named
                         events, per-clip scores

Notebook: 05_latent_space_analysis
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import soxr
import torch

from adl.audio import load_audio
from adl.config import Config, dataset_root
from adl.captions import annotators, grammar
from adl.captions.mentions import EventMention
from adl.data.corpus_files import SceneMeta, load_scene_events
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.data.clotho import ClothoItem, load_clotho
from adl.data.esc50 import load_esc50
from adl.errors import DataError, SilentAudioError
from adl.events import caption_language, event_precision_recall
from adl.inference import load_run, resolve_device, weights_path
from adl.io import write_json
from adl.metrics import check_metrics
from adl.mixing import mix, random_offset
from adl.plots import audio_player
from adl.runs import RunError, up_to_date
from adl.table1 import (N_REFERENCES, Log, decode_waves, load_split, run_config, score_captions,
                        write_csv)

__all__ = [
    "CONDITIONS",
    "CONDITION_TITLES",
    "DIFFERENCE_METRICS",
    "EVENT_METRICS",
    "HELD_ASIDE_FOLD",
    "ExampleAudio",
    "difference_conditions",
    "event_precision_recall",
    "example_audio",
    "example_html",
    "examples",
    "names_category",
    "read_table2",
]

#: The paper's Table 2 conditions: (1) input, (2) input + event, (3) mixture − event,
#: (4) mixture − input.
CONDITIONS: tuple[str, ...] = ("input", "input+event", "mixture-event", "mixture-input")
CONDITION_TITLES: dict[str, str] = {"input": "(1) input", "input+event": "(2) input + event",
                                    "mixture-event": "(3) mixture - event",
                                    "mixture-input": "(4) mixture - input"}
#: Caption metrics of the difference conditions (SPIDEr where SPICE is available).
DIFFERENCE_METRICS: tuple[str, ...] = ("cider_d", "meteor", "spider")
#: ESC-50 fold that training never uses as a reference (``adl.train.REFERENCE_FOLDS`` is 1-3):
#: in the embedded corpus, the evaluation recordings, never heard in training.
HELD_ASIDE_FOLD = 5
#: The event scores of each condition, beside its caption metrics.
EVENT_METRICS: tuple[str, ...] = ("event_precision", "event_recall")


def names_category(caption: str, category: str, *, language: ModuleType = grammar) -> bool:
    """Whether a caption names an ESC-50 category.

    A category that is one of the corpus's classes is looked up in its lexicon
    (``language.LEXICON``, see :func:`caption_language`); any other is named when one of the words of its name
    (``crackling_fire`` -> ``crackling``, ``fire``) appears as a whole word, optionally plural.
    That second rule is coarse: it misses synonyms and other word forms. On real data,
    :func:`difference_conditions` scores condition (4) with it.
    """
    if category in language.LEXICON:
        return category in language.events_in_caption(caption)
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
    :func:`adl.mixing.mix` at a random offset (:func:`mix_held_aside_events`). The conditions
    (:func:`decode_conditions`), and what each is scored against (:func:`score_conditions`):

    ============== ======================= ===================================== ==============
    condition      decoded                 references (caption metrics)          true events
    ============== ======================= ===================================== ==============
    input          Z(input)                the clip's 5 captions                 scene labels
    input+event    Z(mixture)              5 grammar captions of scene + event   scene + event
    mixture-event  Z(mixture) - Z(event)   the clip's 5 captions                 scene labels
    mixture-input  Z(mixture) - Z(input)   5 grammar captions of the event       the event
    ============== ======================= ===================================== ==============

    Real Clotho + ESC-50 have no event metadata: what is scored then is in
    :func:`score_condition`. Writes ``table2_captions.csv`` and ``table2.json`` into the run.

    Args:
        run: a run directory. root: data root (None: the run config's).
        n_clips: use the first ``n_clips`` evaluation clips; None: all.
        seed: seeds the event picks and offsets. snr_db: input-to-event level (default: the
            run config's ``mixing.snr_db``).
        metrics: caption metrics per condition. which, device, log: as :func:`evaluate_run`.
        force: recompute even when ``table2.json`` holds this evaluation (same seed, clips,
            level, metrics, weights and data root, newer than the weights).

    Returns:
        ``(tidy, summary)``: ``tidy`` has columns condition, metric, value, unavailable (the
        reason, "" when computed); ``summary`` has conditions as rows and the metrics plus
        event_precision and event_recall as columns (NaN where not scored; a caption metric
        that no condition could compute is left out). ``summary.attrs["unavailable"]`` holds
        ``{condition: {metric: reason}}``.

    Notebook: 05_latent_space_analysis
    """
    run = Path(run)
    wanted = check_metrics(list(metrics))
    run_cfg = run_config(run)
    base = dataset_root(run_cfg, root)
    snr = run_cfg.mixing.snr_db if snr_db is None else float(snr_db)
    header = {"split": "evaluation", "n_clips_requested": n_clips, "seed": seed, "snr_db": snr,
              "which": which, "metrics": wanted, "data_root": str(base.resolve())}
    reused = None if force else _reusable_table2(run, header)
    if reused is not None:
        log(f"{run / 'table2.json'}: up to date, reused (force=True recomputes)")
        tidy = _tidy(reused, wanted)
        return tidy, _summary(tidy, wanted)
    model, tok, cfg = load_run(run, which=which, root=root, device=device or resolve_device(
        run_cfg.training.device, fallback_to_cpu=True))
    trials = mix_held_aside_events(cfg, base, n_clips=n_clips, snr_db=snr, seed=seed, log=log)
    start = time.perf_counter()
    decoded = decode_conditions(model, tok, cfg, trials.inputs, trials.mixtures, trials.events)
    decode_s = time.perf_counter() - start
    n = len(trials.inputs)
    log(f"decode: {decode_s:.1f} s for {4 * n} captions ({4 * n / max(decode_s, 1e-9):.1f}/s)")
    results, refs, true, metric_s = score_conditions(decoded, trials, caption_language(base),
                                                     seed=seed, snr_db=snr, wanted=wanted)
    log(f"metrics: {metric_s:.1f} s")
    return _report(run, trials, decoded, refs, true, results, wanted, {
        **header, "n_clips": n, "has_metadata": trials.has_meta,
        "decode_seconds": round(decode_s, 3), "metric_seconds": round(metric_s, 3),
        "skipped": [list(s) for s in trials.skipped]}, log)


@dataclass
class Trials:
    """Table 2's evaluation clips, each with a held-aside event mixed in.

    ``rows`` holds per clip its item, its scene (None without metadata), the event's item, the
    event's offset, audible length and full length in seconds; the waveforms are (samples,).
    """

    rows: list[dict[str, Any]]
    inputs: list[torch.Tensor]
    mixtures: list[torch.Tensor]
    events: list[torch.Tensor]
    has_meta: bool
    skipped: list[tuple[str, str]]


def _report(run: Path, trials: Trials, decoded: dict[str, list[str]],
            refs: dict[str, list[list[str]] | None], true: dict[str, list[set[str]]],
            results: dict[str, dict[str, Any]], wanted: list[str], record: dict[str, Any],
            log: Log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log each condition's scores, write ``table2.json`` and ``table2_captions.csv``, and
    return :func:`difference_conditions`'s ``(tidy, summary)``."""
    tidy = _tidy(results, wanted)
    summary = _summary(tidy, wanted)
    for cond in CONDITIONS:
        row = summary.loc[cond]
        log(f"{CONDITION_TITLES[cond]:22s} " + ", ".join(
            f"{k} {v:.3f}" for k, v in row.items() if not pd.isna(v)))
    _write_table2(run, trials.rows, decoded, refs, true, results, wanted, record)
    log(f"wrote {run / 'table2.json'} and {run / 'table2_captions.csv'}")
    return tidy, summary


def _scene_events(base: Path, items: Sequence[ClothoItem]) -> dict[str, SceneMeta] | None:
    """The evaluation scenes' events (embedded corpus), or None where the data has none (real
    Clotho); a malformed or incomplete file is still an error."""
    if not (base / CLOTHO_DIR / CLOTHO_CSV_DIR / events_csv("evaluation")).is_file():
        return None
    meta = load_scene_events(base, "evaluation")
    missing = [it.fname for it in items if it.fname not in meta]
    if missing:
        raise DataError(f"{base}: embedded_events_evaluation.csv lacks {missing[0]}")
    return meta


def mix_held_aside_events(cfg: Config, base: Path, *, n_clips: int | None, snr_db: float,
                          seed: int, log: Log = print) -> Trials:
    """Load the evaluation clips (the first ``n_clips``; None: all) and mix one held-aside
    event (ESC-50 fold 5, a class the scene lacks where the corpus metadata says which) into
    each at a random offset, drawn from ``torch.Generator().manual_seed(seed)``."""
    items, inputs, skipped = load_split(cfg, base, "evaluation")
    if n_clips is not None:
        items, inputs = items[:n_clips], inputs[:n_clips]
    meta = _scene_events(base, items)
    bank = load_esc50(base, folds=(HELD_ASIDE_FOLD,))
    if not bank:
        raise DataError(f"{base}: ESC-50 fold {HELD_ASIDE_FOLD} (the held-aside events) is empty")
    g = torch.Generator().manual_seed(seed)
    cache: dict[Path, torch.Tensor] = {}
    trials = Trials([], inputs, [], [], meta is not None, skipped)
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
            mixture, aligned = mix(x, ev, snr_db=snr_db, offset=offset)
        except SilentAudioError as e:
            raise DataError(f"{it.fname} + {pick.path}: {e}") from None
        trials.mixtures.append(mixture)
        trials.events.append(aligned)
        trials.rows.append({"item": it, "scene": scene, "event": pick, "offset_s": offset / sr,
                            "event_s": min(ev.shape[0], x.shape[0] - offset) / sr,
                            "event_len_s": ev.shape[0] / sr})
    log(f"{len(trials.rows)} clips x 4 conditions, events from ESC-50 fold {HELD_ASIDE_FOLD}, "
        f"{snr_db:g} dB, {'with' if meta is not None else 'without'} event metadata")
    return trials


def decode_conditions(model: Any, tok: Any, cfg: Config, inputs: list[torch.Tensor],
                      mixtures: list[torch.Tensor], events: list[torch.Tensor],
                      ) -> dict[str, list[str]]:
    """The captions of the four :data:`CONDITIONS`, one list of ``len(inputs)`` per condition.

    Two beam searches, one over the plain conditions and one over the differences, so that
    clips of similar lengths share batches (:func:`adl.table1.decode_waves`).
    """
    conditions = {                          # what is encoded, what is subtracted
        "input": (inputs, None),            # (1) Z(input)
        "input+event": (mixtures, None),    # (2) Z(mixture)
        "mixture-event": (mixtures, events),  # (3) Z(mixture) - Z(event)
        "mixture-input": (mixtures, inputs),  # (4) Z(mixture) - Z(input)
    }
    n, decoded = len(inputs), {}
    for subtracts in (False, True):
        group = [c for c, (_, ref) in conditions.items() if (ref is not None) == subtracts]
        waves = [w for c in group for w in conditions[c][0]]
        refs = [r for c in group for r in conditions[c][1]] if subtracts else None
        captions = decode_waves(model, tok, cfg, waves, refs)
        for k, cond in enumerate(group):
            decoded[cond] = captions[k * n: (k + 1) * n]
    return {cond: decoded[cond] for cond in CONDITIONS}


def score_conditions(decoded: dict[str, list[str]], trials: Trials,
                     language: ModuleType = grammar, *, seed: int, snr_db: float,
                     wanted: list[str]) -> tuple[dict[str, dict[str, Any]],
                                                 dict[str, list[list[str]] | None],
                                                 dict[str, list[set[str]]], float]:
    """Score every condition (:func:`score_condition`) against its references and true events
    (:func:`_condition_references`): ``(results, references, true events, metric seconds)``.

    One :func:`adl.metrics.evaluate` call per scored condition: merging conditions into one
    call would change corpus METEOR and BLEU (corpus-level statistics) and CIDEr-D's document
    frequencies.
    """
    refs, true, described = _condition_references(trials.rows, trials.has_meta, seed, snr_db,
                                                  language)
    start = time.perf_counter()
    results = {cond: score_condition(cond, decoded[cond], refs[cond], true[cond],
                                     described[cond], trials.rows, wanted,
                                     has_meta=trials.has_meta, language=language)
               for cond in CONDITIONS}
    return results, refs, true, time.perf_counter() - start


def score_condition(cond: str, candidates: list[str], refs: list[list[str]] | None,
                    true: list[set[str]], described: str, trials: list[dict[str, Any]],
                    wanted: list[str], *, has_meta: bool,
                    language: ModuleType = grammar) -> dict[str, Any]:
    """One condition's scores: its caption metrics against ``refs`` (unavailable where None)
    and the event precision and recall of the classes its captions name.

    Without the embedded corpus's metadata (real Clotho + ESC-50): input and mixture-event are
    scored against the Clotho captions; input+event is *unavailable* (no captions describe a
    mixture, and no labels say what the clip holds); mixture-input gets only the event recall
    (:func:`names_category`), since no captions describe a lone ESC-50 clip and a free caption
    may name sounds no lexicon knows (so no precision). Event precision and recall of input and
    mixture-event are unavailable too (Clotho clips carry no event labels).
    """
    res: dict[str, Any] = {"references": described, "scores": {}, "unavailable": {},
                           "sents": {}}
    if refs is not None:
        scores, sents = score_captions(candidates, refs, wanted)
        res.update(scores=dict(scores), unavailable=dict(scores.unavailable), sents=sents)
    else:
        res["unavailable"] = {m: described for m in wanted}
    named = [language.events_in_caption(c) for c in candidates]
    if has_meta:
        p, r = event_precision_recall(named, true)
        res.update(event_precision=p, event_recall=r)
    elif cond == "mixture-input":
        cats = [t["event"].category for t in trials]
        named = [n_ | ({c} if names_category(cap, c, language=language) else set())
                 for n_, cap, c in zip(named, candidates, cats)]
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
    return res


def read_table2(run: str | os.PathLike[str]) -> dict[str, Any] | None:
    """A run's ``table2.json`` (written by :func:`difference_conditions`), or None when the run
    has none: the settings it was decoded with, and under ``"conditions"``, per condition,
    ``scores``, ``unavailable`` (metric -> reason), ``event_precision``, ``event_recall`` (null
    where not scored) and ``references`` (what the captions were scored against)."""
    path = Path(run) / "table2.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _reusable_table2(run: Path, header: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The per-condition results of an up-to-date ``table2.json`` matching ``header``, or None.
    Up to date: written after the weights it evaluated, with its captions CSV beside it."""
    try:
        weights = weights_path(run, header["which"])
    except RunError:
        return None
    old = up_to_date(run / "table2.json", header,
                     requires=[run / "table2_captions.csv", weights], newer_than=[weights])
    if old is None:
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
                          language: ModuleType = grammar,
                          ) -> tuple[dict[str, list[list[str]] | None],
                                     dict[str, list[set[str]]], dict[str, str]]:
    """Per condition: reference captions (None: not scorable), true event sets, a description.
    The added event is placed as an ``EventMention`` at its offset, with ``gain_db = -snr``."""
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
                                         np.random.default_rng([seed, i, 2]), scene.background,
                                         language=language, must_name=label))
        alone.append(_grammar_references([EventMention(label, 0.0, t["event_len_s"], 0.0)],
                                         np.random.default_rng([seed, i, 4]),
                                         language=language, must_name=label))
        labels = set(scene.labels)
        true["input"].append(labels)
        true["mixture-event"].append(labels)
        true["input+event"].append(labels | {label})
        true["mixture-input"].append({label})
    refs["input+event"], refs["mixture-input"] = mixed, alone
    writer = "annotator" if language is annotators else "grammar"
    described["input+event"] = f"5 {writer} captions of the scene's events plus the added event"
    described["mixture-input"] = f"5 {writer} captions of the added event alone"
    return refs, true, described



def _grammar_references(events: list[EventMention], rng: np.random.Generator,
                        background: str | None = None, *, language: ModuleType = grammar,
                        must_name: str | None = None) -> list[str]:
    """Five captions of the events, written by the corpus's own caption writer.

    The synthesised corpus's grammar names every event, so its references must name exactly
    the events' classes: it was built for scenes of up to 3 events, and with one more some of
    its sentence forms leave one out; a reference that misses an event that sounds would
    reward captions that miss it too, so such sentences are dropped and more are drawn. The
    annotators of the recordings corpus, like Clotho's, may leave out a faint event; their
    references must name ``must_name`` (the added event, mixed at the scene's power over its
    whole clip, so louder than the scene while it sounds) and nothing that is not there.
    """
    want = {e.label for e in events}
    exact = language is grammar

    def usable(caption: str) -> bool:
        named = language.events_in_caption(caption)
        return named == want if exact else (named <= want and must_name in named)

    good: list[str] = []
    for n in (N_REFERENCES, 4 * N_REFERENCES, 20 * N_REFERENCES):
        try:
            drawn = language.write_captions(events, rng, n, background=background)
        except RuntimeError:
            break  # fewer distinct sentences exist than asked for
        good = list(dict.fromkeys(good + [c for c in drawn if usable(c)]))
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
    write_csv(run / "table2_captions.csv",
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

    Notebook: 05_latent_space_analysis
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


# -- Table 2, audible --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleAudio:
    """One Table 2 example as sound: the input, the event placed as it was mixed, the mixture,
    and the captions each run wrote for the four conditions.

    ``input``, ``event`` and ``mixture`` are (samples,) float32 arrays at ``sr``, all of the
    input's length (``mixture == input + event`` up to resampling), scaled by one common gain.
    ``captions`` has the :data:`CONDITION_TITLES` as rows and one column per run name;
    ``references`` are the input's human captions (what the input alone should be called).
    """

    file_name: str
    scene_events: str
    event_label: str
    event_file: str
    offset_s: float
    sr: int
    input: np.ndarray
    event: np.ndarray
    mixture: np.ndarray
    captions: pd.DataFrame
    references: tuple[str, ...] = ()


def example_audio(runs: Mapping[str, str | os.PathLike[str]] | str | os.PathLike[str],
                  k: int = 0, *, sr: int | None = 16000, peak: float | None = 0.9,
                  root: str | os.PathLike[str] | None = None) -> ExampleAudio:
    """The ``k``-th example of :func:`examples` as audio, with every run's captions.

    The clip and its held-aside event are read from the data root that
    :func:`difference_conditions` used (``table2.json``), mixed again with
    :func:`adl.mixing.mix` at the recorded level and offset (``table2_captions.csv`` keeps the
    offset to 0.1 ms), then resampled with soxr.

    Args:
        runs: ``{name: run directory}`` (say ``{"baseline": ..., "adl": ...}``), or one run;
            each must have run :func:`difference_conditions` with the same seed (same events).
        k: which example, in file order (``examples(run).index[k]``).
        sr: the sample rate of the arrays (16 kHz keeps a page light); None: the run's.
        peak: the common gain makes the loudest of the three signals peak at this value (the
            event stays as loud against the input as it was mixed); None: no gain.
        root: the data root, when the data moved since ``table2.json`` was written.
    Raises:
        RunError: a run has no Table 2 captions, fewer than ``k + 1`` examples, or its events
            differ from the first run's.

    Notebook: 05_latent_space_analysis
    """
    if isinstance(runs, (str, os.PathLike)):
        runs = {Path(runs).name: runs}
    runs = {name: Path(run) for name, run in runs.items()}
    if not runs:
        raise ValueError("example_audio needs at least one run")
    run = next(iter(runs.values()))  # the first run's files and events; the others must agree
    file_name, clip, table = _example_captions(runs, k)

    run_cfg = run_config(run)
    header = read_table2(run) or {}
    base = (dataset_root(run_cfg, root) if root is not None or "data_root" not in header
            else Path(header["data_root"]))
    snr = float(header.get("snr_db", run_cfg.mixing.snr_db))
    run_sr = run_cfg.data.sr
    item = next((it for it in load_clotho(base, "evaluation") if it.fname == file_name), None)
    event = next((e for e in load_esc50(base, folds=(HELD_ASIDE_FOLD,))
                  if e.fname == clip["event_file"]), None)
    if item is None or event is None:
        raise DataError(f"{base}: {file_name} or {clip['event_file']} is not in the data root "
                        "that Table 2 was computed on (pass root=)")
    x = load_audio(item.path, sr=run_sr)
    offset = min(int(round(float(clip["offset_s"]) * run_sr)), x.shape[0] - 1)
    mixture, aligned = mix(x, load_audio(event.path, sr=run_sr), snr_db=snr, offset=offset)
    out_sr = run_sr if sr is None else int(sr)
    waves = []
    for w in (x, aligned, mixture):
        w = w.numpy().astype(np.float64)
        if out_sr != run_sr:
            w = soxr.resample(w, run_sr, out_sr, quality="HQ")
        waves.append(w)
    if peak is not None:
        top = max(float(np.abs(w).max()) for w in waves)
        waves = [w * (peak / top) if top > 0 else w for w in waves]
    x16, ev16, mix16 = (np.ascontiguousarray(w, dtype=np.float32) for w in waves)
    scene = clip["true_events"]
    return ExampleAudio(file_name=file_name,
                        scene_events=scene.replace(";", ", ") if scene else "unknown",
                        event_label=clip["event_label"], event_file=clip["event_file"],
                        offset_s=offset / run_sr, sr=out_sr, input=x16, event=ev16,
                        mixture=mix16, captions=table, references=tuple(item.captions))


def _example_captions(runs: Mapping[str, Path], k: int,
                      ) -> tuple[str, pd.Series, pd.DataFrame]:
    """The ``k``-th clip of the first run's Table 2: ``(file name, its input row of
    table2_captions.csv, every run's captions of the four conditions)``."""
    frames = {}
    for name, run in runs.items():
        path = run / "table2_captions.csv"
        if not path.is_file():
            raise RunError(f"{path}: missing; run difference_conditions({str(run)!r}) first")
        frames[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    run = next(iter(runs.values()))
    first = next(iter(frames.values()))
    files = list(dict.fromkeys(first["file_name"]))
    if not 0 <= k < len(files):
        raise RunError(f"{run}: example {k} asked for, its Table 2 has {len(files)} clips")
    clip = first[first["file_name"] == files[k]].set_index("condition").loc["input"]
    captions = {}
    for name, frame in frames.items():
        rows = frame[frame["file_name"] == files[k]].set_index("condition")
        if rows.empty or rows.loc["input", "event_file"] != clip["event_file"]:
            raise RunError(f"{runs[name]}: Table 2 did not mix {clip['event_file']} into "
                           f"{files[k]}; run difference_conditions with the same seed on both")
        captions[name] = [rows.loc[c, "caption"] for c in CONDITIONS]
    table = pd.DataFrame(captions, index=[CONDITION_TITLES[c] for c in CONDITIONS])
    table.index.name = "condition"
    return files[k], clip, table


def example_html(example: ExampleAudio, *, fmt: str = "mp3") -> str:
    """Players for an :func:`example_audio` (input, event, mixture) above the captions table."""
    head = (f"<p><b>{html.escape(example.file_name)}</b> (scene: "
            f"{html.escape(example.scene_events)}) + <b>{html.escape(example.event_label)}</b> "
            f"at {example.offset_s:.2f} s</p>")
    players = "".join(audio_player(w, example.sr, fmt=fmt, label=label) for label, w in (
        ("(1) input", example.input), (f"the event: {example.event_label}", example.event),
        ("(2) input + event", example.mixture)))
    table = example.captions.to_html(classes="dataframe", border=0, escape=True,
                                     index_names=False)
    references = "".join(f"<li>{html.escape(r)}</li>" for r in example.references)
    said = (f"<p>The input's human captions:</p><ul>{references}</ul>" if references else "")
    return (f'<div class="adl-table2-example" style="margin-bottom:2em">{head}'
            f'<div>{players}</div>{said}<div style="overflow-x:auto">{table}</div></div>')


def caption_listening(runs: Mapping[str, str | os.PathLike[str]],
                      root: str | os.PathLike[str]) -> pd.DataFrame:
    """Caption the corpus's listening set (real recordings no split uses) with each run.

    Args:
        runs: a name (e.g. "ADL") -> a trained run.
        root: the corpus folder (its ``listening.csv``,
            :func:`adl.data.corpus_files.load_listening`).

    A recording shorter than a run's encoder window (a pickaxe strike can last 70 ms) is
    captioned with silence after it, up to that window, as a real clip of a short sound would
    be; its ``seconds`` column says how long it really is.

    Returns:
        One row per recording: ``file`` (absolute path), ``label``, ``seconds``,
        ``description``, ``credit``, then per run its caption (column ``<name>``) and whether
        that caption names the recording's class (column ``<name> names it``). Empty without a
        listening set.

    Notebook: 05_latent_space_analysis
    """
    from adl.data.corpus_files import load_listening

    rows = load_listening(root)
    if not rows:
        return pd.DataFrame(columns=["file", "label", "description", "credit"])
    language = caption_language(root)
    frame = pd.DataFrame({"file": [r["path"] for r in rows], "label": [r["label"] for r in rows],
                          "seconds": math.nan,
                          "description": [r["description"] for r in rows],
                          "credit": [f"{r['credit']}; {r['license']}; Debian package "
                                     f"{r['package']} {r['version']}" for r in rows]})
    waves_at: dict[int, list[torch.Tensor]] = {}  # decoded once per sample rate, not per run
    for name, run in runs.items():
        model, tok, cfg = load_run(run)
        sr = cfg.data.sr
        if sr not in waves_at:
            waves_at[sr] = [load_audio(f, sr=sr) for f in frame["file"]]
        waves = waves_at[sr]
        frame["seconds"] = [round(w.shape[0] / sr, 2) for w in waves]
        caps = decode_waves(model, tok, cfg, [
            torch.cat([w, w.new_zeros(max(0, model.min_samples - w.shape[0]))]) for w in waves])
        frame[name] = caps
        frame[f"{name} names it"] = [label in language.events_in_caption(c)
                                     for c, label in zip(caps, frame["label"])]
    return frame
