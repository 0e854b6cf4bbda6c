"""Does a captioner hear? The sound classes its captions name, against those in each clip.

Caption metrics reward n-grams shared with the references; they cannot tell a caption that names
the sounds of the clip from a fluent one that names others. The embedded corpus keeps every
clip's events (``embedded_events_<split>.csv``), and its caption language maps words back to
classes (``events_in_caption``), so that can be counted exactly:

* :func:`event_precision_recall`: micro-averaged precision and recall of the named classes;
* :func:`caption_event_scores`: those, their F1, the share of captions that name a class the
  clip lacks, and how many distinct captions there are (:class:`EventScores`), the one
  computation behind every run's ``metrics.json`` (:func:`adl.table1.evaluate_run`),
  :func:`adl.results.event_scores` and the floor and ceiling of :mod:`adl.floor`;
* :func:`load_event_labels`: a split's labels and caption language, or None with
  :data:`NO_EVENT_LABELS` for data without them (real Clotho): nothing is made up.

Notebook: 04_evaluation
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from adl.captions import annotators, grammar
from adl.data.clotho import normalize_subset
from adl.data.corpus_files import SceneMeta, corpus_kind, load_scene_events
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.errors import DataError

__all__ = ["NO_EVENT_LABELS", "EventLabels", "EventScores", "caption_event_scores",
           "caption_language", "event_entry", "event_precision_recall", "load_event_labels"]

#: Why a split has no event scores: said instead of a number.
NO_EVENT_LABELS = ("the data has no event labels (only the embedded corpus keeps each clip's "
                   "events, in embedded_events_<split>.csv); real Clotho has none")


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
    """
    if len(named) != len(true):
        raise ValueError(f"{len(named)} named sets for {len(true)} true sets")
    hits = sum(len(set(n) & set(t)) for n, t in zip(named, true))
    n_named, n_true = sum(len(n) for n in named), sum(len(t) for t in true)
    return (hits / n_named if n_named else math.nan, hits / n_true if n_true else math.nan)


def caption_language(root: str | os.PathLike[str]) -> ModuleType:
    """The module that writes and reads a corpus's captions (``write_captions``,
    ``events_in_caption``, ``LEXICON``, ``class_phrases``): :mod:`adl.captions.annotators` for the
    corpus of real recordings, :mod:`adl.captions.grammar` (the grammar) for the synthesised one
    and real data."""
    return annotators if corpus_kind(root) == "recordings" else grammar


@dataclass(frozen=True)
class EventScores:
    """What a set of captions says about the sounds of its clips.

    ``precision``, ``recall`` and ``f1`` are micro-averaged over the clips (NaN where undefined:
    no caption names a class, or no clip has one); ``absent_share`` is the share of captions
    that name at least one class the clip lacks; ``distinct_captions`` counts different
    caption strings; ``n_clips`` the captions scored.
    """

    precision: float
    recall: float
    f1: float
    absent_share: float
    distinct_captions: int
    n_clips: int

    def to_json(self) -> dict[str, Any]:
        """A JSON object: NaN (undefined) is written as null."""
        return {k: None if isinstance(v, float) and math.isnan(v) else v
                for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> EventScores:
        """Read :meth:`to_json`'s object back (null as NaN)."""
        def num(key: str) -> float:
            return math.nan if obj.get(key) is None else float(obj[key])
        return cls(num("precision"), num("recall"), num("f1"), num("absent_share"),
                   int(obj["distinct_captions"]), int(obj["n_clips"]))


def caption_event_scores(candidates: Sequence[str], file_names: Sequence[str],
                         scenes: Mapping[str, SceneMeta], *, language: ModuleType,
                         ) -> EventScores:
    """Event precision, recall, F1, absent share and distinct captions of ``candidates``.

    Args:
        candidates: one caption per clip.
        file_names: the clip of each caption (keys of ``scenes``).
        scenes: the split's events (:func:`adl.data.corpus_files.load_scene_events`).
        language: what reads classes out of a caption (:func:`caption_language`).

    Returns:
        :class:`EventScores`. F1 is ``2PR / (P + R)`` of the micro precision and recall, 0 when
        both are 0, NaN when either is undefined.

    Raises:
        DataError: a clip has no row in ``scenes`` (its labels would be made up).

    Notebook: 04_evaluation
    """
    if len(candidates) != len(file_names):
        raise ValueError(f"{len(candidates)} captions for {len(file_names)} file names")
    named, true = _named_and_true(candidates, file_names, scenes, language)
    precision, recall = event_precision_recall(named, true)
    if math.isnan(precision) or math.isnan(recall):
        f1 = math.nan
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    absent = sum(bool(n - t) for n, t in zip(named, true))
    return EventScores(precision, recall, f1, absent / len(named) if named else math.nan,
                       len(set(candidates)), len(candidates))


def _named_and_true(candidates: Sequence[str], file_names: Sequence[str],
                    scenes: Mapping[str, SceneMeta], language: ModuleType,
                    ) -> tuple[list[set[str]], list[set[str]]]:
    """Per caption, the classes it names and the classes of its clip."""
    missing = [f for f in file_names if f not in scenes]
    if missing:
        raise DataError(f"no event labels for {len(missing)} clips, e.g. {missing[0]}: the "
                        "captions and the events metadata are of different data")
    return ([language.events_in_caption(c) for c in candidates],
            [set(scenes[f].labels) for f in file_names])


@dataclass(frozen=True)
class EventLabels:
    """A split's events (file name -> :class:`~adl.data.corpus_files.SceneMeta`) and the
    corpus's caption language."""

    scenes: Mapping[str, SceneMeta]
    language: ModuleType

    def classes(self, file_name: str) -> tuple[str, ...]:
        """The distinct classes of one clip, in onset order."""
        return tuple(dict.fromkeys(self.scenes[file_name].labels))

    def score(self, candidates: Sequence[str], file_names: Sequence[str]) -> EventScores:
        """:func:`caption_event_scores` against these labels."""
        return caption_event_scores(candidates, file_names, self.scenes, language=self.language)

    def counts(self, candidates: Sequence[str], file_names: Sequence[str],
               ) -> list[tuple[int, int, int]]:
        """Per caption ``(hits, named, true)``: the sums behind :func:`event_precision_recall`,
        clip by clip (what a bootstrap over clips resamples)."""
        named, true = _named_and_true(candidates, file_names, self.scenes, self.language)
        return [(len(n & t), len(n), len(t)) for n, t in zip(named, true)]


def load_event_labels(base: str | os.PathLike[str], split: str) -> EventLabels | None:
    """The event labels of a split, or None when the data has none (:data:`NO_EVENT_LABELS`).

    Args:
        base: the data set's folder (:func:`adl.config.dataset_root`).
        split: Clotho subset.

    Raises:
        DataError: the events file exists but is malformed.
    """
    base = Path(base)
    if not (base / CLOTHO_DIR / CLOTHO_CSV_DIR / events_csv(normalize_subset(split))).is_file():
        return None
    return EventLabels(load_scene_events(base, normalize_subset(split)), caption_language(base))


def event_entry(labels: EventLabels | None, candidates: Sequence[str],
                file_names: Sequence[str]) -> dict[str, Any]:
    """The ``events`` entry of a ``metrics.json``: ``{"events": {...}}`` with
    :meth:`EventScores.to_json`, or ``{"events": None, "events_unavailable": reason}`` without
    labels (never a made-up number)."""
    if labels is None:
        return {"events": None, "events_unavailable": NO_EVENT_LABELS}
    return {"events": labels.score(candidates, file_names).to_json()}
