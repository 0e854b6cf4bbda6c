"""Captions for the embedded corpus: a small grammar with synonyms, and the lexicon that reads
event classes back out of a caption.

:func:`write_captions` describes any set of events (a scene, a mixture, one event alone) in
Clotho's style: one sentence of 8 to 20 words. Temporal words follow the onsets ("then",
"followed by" for sequential events; "while", "as", "at the same time" for overlapping ones),
loudness words follow the gains ("loud", "faint", "in the distance"), and the background is
mentioned sometimes.

:data:`LEXICON` lists, for each class, the words that name it. No word of one class's phrases
names another class, so :func:`events_in_caption` recovers the classes of a generated caption
exactly; this is what makes event-level precision and recall of captions exact. The lexicon and
the phrases are data, in ``grammar.yaml`` beside this module (:func:`load_words`).

Notebook: 01_data_mixing
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adl.captions.mentions import (MAX_WORDS, MIN_WORDS, EventMention, check_scene, pick,
                                   temporal_groups)
from adl.datafiles import check_record, field_error, load_yaml, string_list

#: A gain at or above this (dB, relative to the nominal event level) reads as "loud".
LOUD_DB = 3.0
#: A gain at or below this reads as "faint".
FAINT_DB = -9.0


# -- the lexicon ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Noun phrases that share verbs: ``(article, noun, plural)`` and ``(3sg, plural, -ing)``."""

    nps: tuple[tuple[str, str, bool], ...]
    verbs: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class _Words:
    groups: tuple[_Group, ...]
    clauses: tuple[str, ...] = ()  # whole clauses, for phrasings that fit no noun + verb
    extras: tuple[str, ...] = ()  # adverbials that lengthen a short caption


def _g(nps: str, verbs: str) -> _Group:
    """Parse ``"a|church bell; |bells*"`` and ``"rings|ring|ringing; ..."`` (``*`` = plural)."""
    parsed_nps = []
    for item in nps.split(";"):
        art, noun = item.strip().split("|")
        parsed_nps.append((art, noun.rstrip("*"), noun.endswith("*")))
    parsed_verbs = tuple(tuple(v.strip().split("|")) for v in verbs.split(";"))
    return _Group(tuple(parsed_nps), parsed_verbs)  # type: ignore[arg-type]


#: The grammar's words (lexicon, noun and verb phrases, background phrases), beside this module.
WORDS_FILE = Path(__file__).with_name("grammar.yaml")


def load_words(path: str | os.PathLike[str] = WORDS_FILE,
               ) -> tuple[dict[str, tuple[str, ...]], dict[str, _Words],
                          dict[str, tuple[str, ...]]]:
    """Read and check the grammar's words (:data:`WORDS_FILE`).

    Returns:
        ``(lexicon, words, backgrounds)``: per class the words that name it, per class its noun
        and verb phrases, clauses and adverbials, and per background the phrases for it.

    Raises:
        DataError: one line naming the file and the field that is missing, unknown or wrong (a
            class with words but no lexicon entry, a phrase that is not ``article|noun``).
    """
    path = Path(path)
    data = check_record(path, "file", load_yaml(path),
                        {"lexicon": dict, "words": dict, "backgrounds": dict})
    lexicon = {label: string_list(path, f"lexicon.{label}", names)
               for label, names in data["lexicon"].items()}
    words = {}
    for label, entry in data["words"].items():
        where = f"words.{label}"
        if label not in lexicon:
            raise field_error(path, where, "a class without a lexicon entry")
        check_record(path, where, entry, {"groups": list}, {"clauses": list, "extras": list})
        groups = []
        for i, group in enumerate(entry["groups"]):
            at = f"{where}.groups[{i}]"
            check_record(path, at, group, {"nouns": str, "verbs": str})
            try:
                groups.append(_g(group["nouns"], group["verbs"]))
            except ValueError:
                raise field_error(path, f"{at}.nouns", "expected 'article|noun; ...'") from None
            if any(len(v) != 3 for v in groups[-1].verbs):
                raise field_error(path, f"{at}.verbs",
                                  "expected 'third person|plural|-ing; ...'")
        words[label] = _Words(tuple(groups),
                              string_list(path, f"{where}.clauses", entry.get("clauses", [])),
                              string_list(path, f"{where}.extras", entry.get("extras", [])))
    missing = [label for label in lexicon if label not in words]
    if missing:
        raise field_error(path, f"words.{missing[0]}", "missing (every class of the lexicon "
                          "needs words)")
    backgrounds = {kind: string_list(path, f"backgrounds.{kind}", phrases)
                   for kind, phrases in data["backgrounds"].items()}
    return lexicon, words, backgrounds


#: Words and phrases that name each class (:data:`WORDS_FILE`). Matched whole-word and
#: case-insensitively.
LEXICON: dict[str, tuple[str, ...]]
_WORDS: dict[str, _Words]
_BACKGROUND_PHRASES: dict[str, tuple[str, ...]]
LEXICON, _WORDS, _BACKGROUND_PHRASES = load_words()
#: The backgrounds the grammar can describe.
BACKGROUNDS: tuple[str, ...] = tuple(_BACKGROUND_PHRASES)

_LOUD_ADJ = ("loud",)
_FAINT_ADJ = ("faint", "distant", "quiet")
_LOUD_ADV = ("loudly", "nearby", "close by")
_FAINT_ADV = ("faintly", "in the distance", "far away", "softly")
_ADVERB_AS_ADJECTIVE = {"loudly": "loud", "faintly": "faint", "softly": "quiet"}

def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"\b(?:" + alternatives + r")\b", re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str]] = {label: _pattern(words) for label, words in LEXICON.items()}


def events_in_caption(caption: str) -> set[str]:
    """The classes that ``caption`` names, by whole-word lexicon matches.
    """
    return {label for label, pattern in _PATTERNS.items() if pattern.search(caption)}


def class_phrases(label: str) -> tuple[str, ...]:
    """The noun phrases the grammar uses for ``label`` that name it and no other class, in
    the grammar's order ("a church bell", "church bells", ...).

    A template caption can say any of them (:mod:`adl.floor` picks the one the development
    captions use most).

    Raises:
        KeyError: ``label`` is not a class of :data:`LEXICON`.
    """
    texts = [f"{art} {noun}".strip() for g in _WORDS[label].groups for art, noun, _ in g.nps]
    return tuple(dict.fromkeys(t for t in texts if events_in_caption(t) == {label}))


def loudness(gain_db: float) -> str:
    """``"loud"``, ``"faint"`` or ``"normal"`` for a gain in dB."""
    if gain_db >= LOUD_DB:
        return "loud"
    if gain_db <= FAINT_DB:
        return "faint"
    return "normal"


def write_captions(events: Sequence[EventMention], rng: np.random.Generator, n: int = 5, *,
                   background: str | None = None) -> list[str]:
    """Write ``n`` different captions for a set of events.

    Several mentions of one class are merged into one (earliest onset, latest end, largest gain).

    Args:
        events: the events (any order; at least one).
        rng: source of the grammar's choices.
        n: number of captions.
        background: one of ``adl.corpus.synth.BACKGROUNDS`` or ``None``; sometimes mentioned.

    Returns:
        ``n`` distinct sentences of 8-20 words, each naming every event class and no other.
    """
    check_scene(events, _WORDS, _BACKGROUND_PHRASES, background, caller="write_captions")
    groups = temporal_groups(_merge(events))
    captions: list[str] = []
    seen: set[str] = set()
    for _ in range(100 * n):
        text = _sentence(groups, rng, background)
        words = len(text.split())
        if MIN_WORDS <= words <= MAX_WORDS and text not in seen:
            seen.add(text)
            captions.append(text)
            if len(captions) == n:
                return captions
    raise RuntimeError(f"could not write {n} distinct captions for {[e.label for e in events]}")


def _merge(events: Sequence[EventMention]) -> list[EventMention]:
    by_label: dict[str, EventMention] = {}
    for ev in events:
        old = by_label.get(ev.label)
        if old is None:
            by_label[ev.label] = ev
        else:
            onset = min(old.onset_s, ev.onset_s)
            by_label[ev.label] = EventMention(ev.label, onset, max(old.end_s, ev.end_s) - onset,
                                              max(old.gain_db, ev.gain_db))
    return list(by_label.values())


# -- the grammar ---------------------------------------------------------------------------


@dataclass
class _Phrase:
    """One event rendered three ways: a clause, a noun phrase, and a noun phrase + -ing."""

    clause: str
    noun: str
    ing: str
    plural: bool


def _np_text(article: str, noun: str, adjective: str) -> str:
    article = article.strip()
    if adjective:
        article = "a" if article in ("a", "an") else article
        return " ".join(w for w in (article, adjective, noun) if w)
    return " ".join(w for w in (article, noun) if w)


def _phrase(ev: EventMention, rng: np.random.Generator, extra_p: float) -> _Phrase:
    words = _WORDS[ev.label]
    loud = loudness(ev.gain_db)
    group = words.groups[int(rng.integers(len(words.groups)))]
    article, noun, plural = group.nps[int(rng.integers(len(group.nps)))]
    verb = group.verbs[int(rng.integers(len(group.verbs)))]
    adjective = adverb = ""
    if loud != "normal":
        if rng.random() < 0.5:
            adjective = pick(rng, _LOUD_ADJ if loud == "loud" else _FAINT_ADJ)
        else:
            adverb = pick(rng, _LOUD_ADV if loud == "loud" else _FAINT_ADV)
    np_ = _np_text(article, noun, adjective)
    # one adverbial at most: "barks softly excitedly" reads badly
    extra = pick(rng, words.extras) if not adverb and rng.random() < extra_p else ""
    tail = " ".join(w for w in (adverb, extra) if w)
    tail = f" {tail}" if tail else ""
    if words.clauses and not adjective and rng.random() < 0.25:
        clause = pick(rng, words.clauses) + tail
    elif rng.random() < 0.3:
        clause = f"{np_} {'are' if plural else 'is'} {verb[2]}{tail}"
    else:
        clause = f"{np_} {verb[1] if plural else verb[0]}{tail}"
    if adverb in _ADVERB_AS_ADJECTIVE:  # "a dog loudly" reads badly as a noun phrase
        noun_phrase = _np_text(article, noun, _ADVERB_AS_ADJECTIVE[adverb])
    elif adverb:  # a place: "a dog in the distance"
        noun_phrase = f"{np_} {adverb}"
    else:
        noun_phrase = np_
    return _Phrase(clause, noun_phrase, f"{np_} {verb[2]}{tail}", plural)


def _join_overlap(ps: list[_Phrase], rng: np.random.Generator) -> str:
    """Events that sound at the same time, as one clause."""
    if len(ps) == 1:
        return ps[0].clause
    if len(ps) == 2:
        a, b = ps
        choice = int(rng.integers(6))
        if choice == 0:
            return f"{a.clause} while {b.clause}"
        if choice == 1:
            return f"{a.clause} as {b.clause}"
        if choice == 2:
            return f"{a.clause} and at the same time {b.clause}"
        if choice == 3:
            return f"{a.clause}, with {b.ing} at the same time"
        if choice == 4:
            return f"{a.noun} and {b.noun} can be heard at the same time"
        return f"{a.clause} over {b.ing}"
    head = ", ".join(p.noun for p in ps[:-1])
    choice = int(rng.integers(3))
    # Every form names every event: a mixture of a 3-event scene and one more event has four.
    rest = ps[1:]
    if choice == 0:
        clauses = ", ".join(p.clause for p in rest[:-1])
        return f"{ps[0].clause} while {clauses} and {rest[-1].clause}"
    if choice == 1:
        return f"{head} and {ps[-1].noun} are heard together"
    ings = ", ".join(p.ing for p in rest[:-1])
    return f"{ps[0].clause}, with {ings} and {rest[-1].ing} at the same time"


def _join_sequence(parts: list[str], nouns: list[str | None], rng: np.random.Generator) -> str:
    """Groups that follow each other in time, as one sentence."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        choice = int(rng.integers(6))
        if choice == 0:
            return f"{parts[0]}, then {parts[1]}"
        if choice == 1 and nouns[1] is not None:
            return f"{parts[0]}, followed by {nouns[1]}"
        if choice == 2:
            return f"{parts[0]}, and after that {parts[1]}"
        if choice == 3:
            return f"first {parts[0]}, then {parts[1]}"
        if choice == 4:
            return f"{parts[0]} before {parts[1]}"
        return f"after {parts[0]}, {parts[1]}"
    head = _join_sequence(parts[:-1], [None] * (len(parts) - 1), rng)  # one "followed by" at most
    last = parts[-1]
    choice = int(rng.integers(3))
    if choice == 0:
        return f"{head}, and finally {last}"
    if choice == 1 and nouns[-1] is not None:
        return f"{head}, followed by {nouns[-1]}"
    return f"{head}, and then {last}"


def _sentence(groups: list[list[EventMention]], rng: np.random.Generator,
              background: str | None) -> str:
    n_events = sum(len(g) for g in groups)
    extra_p = {1: 0.8, 2: 0.3}.get(n_events, 0.1)
    phrases = [[_phrase(ev, rng, extra_p) for ev in g] for g in groups]
    for ps in phrases:
        # "while" is symmetric: either overlapping event may lead
        rng.shuffle(ps)  # type: ignore[arg-type]
    if n_events == 1:
        p = phrases[0][0]
        choice = int(rng.integers(5))
        if choice == 0:
            body = f"{p.noun} can be heard"
            if rng.random() < 0.7:
                body += " " + pick(rng, _WORDS[groups[0][0].label].extras)
        elif choice == 1:
            body = f"there {'are' if p.plural else 'is'} {p.ing}"
        elif choice == 2:
            body = f"the sound of {p.ing}"
        else:
            body = p.clause
    else:
        parts = [_join_overlap(ps, rng) for ps in phrases]
        nouns = [ps[0].noun if len(ps) == 1 else None for ps in phrases]
        body = _join_sequence(parts, nouns, rng)
    if background is not None and rng.random() < 0.5:
        where = pick(rng, _BACKGROUND_PHRASES[background])
        if rng.random() < 0.3 and not body.startswith(("first ", "after ")) and "," not in body:
            body = f"{where}, {body}"
        else:
            body = f"{body} {where}"
    return body[0].upper() + body[1:] + "."
