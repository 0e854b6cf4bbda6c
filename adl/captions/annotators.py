"""Clotho-like captions for the real-recording corpus, written as if by five different people.

What Clotho's captions look like (Drossos, Lipping and Virtanen, "Clotho: an audio captioning
dataset", ICASSP 2020, https://arxiv.org/abs/1910.09387): every clip has five captions, each
written by a different crowd worker who only *heard* the clip (no video, no tags). A caption is
one sentence of 8 to 20 words; it describes sounds, not meanings: no transcribed speech, no named
people or places. The five captions of a clip differ in length, in word choice ("barks",
"yaps", "is barking"), in sentence shape ("A dog barks while ...", "A dog barking while ...",
"Someone is ...", "... can be heard ..."), in which sounds they mention (quiet or brief sounds
are often left out) and in whether they describe the setting ("in the rain", "on a busy
street").

How this module imitates that: :data:`ANNOTATORS` holds five writers, each a frozen
:class:`Annotator` with its own preferred length, share of the vocabulary, favourite words,
sentence shapes, words for "at the same time" and "after that", loudness words, and habit of
naming the background (always, never, when it is prominent, or sometimes). Each event class has a
phrase bank (sources, verbs, sound nouns, "someone ..." actions, adverbials and likely settings)
that stays close to what its recordings in :mod:`adl.corpus.sources` contain (the banks are data,
in ``annotators.yaml`` beside this module: :func:`load_banks`). A writer names the
*salient* events: loud (gain >= :data:`LOUD_DB`), long (>= :data:`LONG_S`) or ordinary ones
always; faint (gain <= :data:`FAINT_DB`) or very short (< :data:`SHORT_S`) ones it may leave out.

The lexicon contract: :data:`LEXICON` maps each class to single words that name it and no other
class; background and framing phrases use none of these words. So :func:`events_in_caption`
recovers exactly the classes a caption names, and every :class:`Caption` records them:
``events_in_caption(c.text) == set(c.events)``, a subset of the scene's events. Event-level
precision and recall of generated captions are then exact.

Example::

    import numpy as np
    from adl.captions.annotators import annotate
    from adl.captions.mentions import EventMention

    scene = [EventMention("dog_bark", 1.0, 0.6, 4.0), EventMention("train", 3.0, 4.0, -2.0)]
    for c in annotate(scene, np.random.default_rng(0), background="rain"):
        print(c.annotator, c.events, c.text)
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adl.captions.mentions import (MAX_WORDS, MIN_WORDS, EventMention, check_scene, pick,
                                   temporal_groups)
from adl.datafiles import check_record, field_error, load_yaml, string_list

#: A gain at or above this (dB, relative to the nominal event level) is loud: always named.
LOUD_DB = 3.0
#: A gain at or below this is faint: a writer may leave the event out.
FAINT_DB = -9.0
#: An event at least this long (s) is always named.
LONG_S = 2.0
#: An event shorter than this (s) is very short: a writer may leave it out.
SHORT_S = 0.5
#: A background at or above this level (dB, same scale as ``gain_db``) is prominent.
BACKGROUND_LOUD_DB = -6.0


# -- the writers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotator:
    """One caption writer's habits.

    Attributes:
        name: a short handle for the style.
        words: the (fewest, most) words it prefers, inside Clotho's 8-20.
        richness: the share of each phrase bank it draws on, plainest phrases first (0-1].
        taste: which phrase of each bank it favours (an offset into the bank).
        background: when it names the background: ``"always"`` (when it fits in 20 words),
            ``"never"``, ``"loud"`` (when the background is prominent) or ``"sometimes"``.
        drop: probability of leaving out a faint or very short event.
        modifiers: probability of saying that a loud or faint event is loud or faint.
        extras: probability of an adverbial that says how or where ("excitedly", "in a field").
        forms: sentence shapes and their weights: ``"active"`` (a dog barks), ``"progressive"``
            (a dog is barking), ``"someone"`` (someone chops wood), ``"participle"`` (a dog
            barking), ``"passive"`` (a dog can be heard barking), ``"sound_of"``, ``"hear"``
            (you can hear ...) and ``"there"`` (there is ...).
        together: how it says that sounds overlap: ``"and"``, ``"while"``, ``"as"``,
            ``"with_bg"`` (with ... in the background), ``"over"``, ``"along_with"``,
            ``"same_time"``.
        then: how it says that one sound follows another: ``"then"``, ``"and_then"``,
            ``"followed_by"``, ``"after_that"``, ``"before"``, ``"after"``, ``"first"``,
            ``"later"``, ``"afterwards"``.
        loud: its adverbials for a loud event.
        faint: its adverbials for a faint event.
        framing: probability of opening with a framing ("On a farm,", "In this recording,").
        openers: its own framings that fit any scene.
    """

    name: str
    words: tuple[int, int]
    richness: float
    taste: int
    background: str
    drop: float
    modifiers: float
    extras: float
    forms: tuple[tuple[str, float], ...]
    together: tuple[str, ...]
    then: tuple[str, ...]
    loud: tuple[str, ...]
    faint: tuple[str, ...]
    framing: float
    openers: tuple[str, ...]


#: The five writers, in the order :func:`annotate` uses them.
ANNOTATORS: tuple[Annotator, ...] = (
    Annotator(
        name="terse", words=(8, 11), richness=0.45, taste=0, background="never", drop=0.6,
        modifiers=0.4, extras=0.6,
        forms=(("active", 6.0), ("progressive", 1.0), ("someone", 1.0)),
        together=("and", "while"), then=("then", "and_then"),
        loud=("loudly",), faint=("quietly", "far away"),
        framing=0.15, openers=("Here,", "In this recording,")),
    Annotator(
        name="storyteller", words=(14, 20), richness=1.0, taste=1, background="always",
        drop=0.15, modifiers=0.9, extras=0.7,
        forms=(("active", 4.0), ("someone", 2.0), ("progressive", 1.0), ("there", 1.0)),
        together=("while", "as", "with_bg", "over"),
        then=("followed_by", "before", "later", "after"),
        loud=("loudly", "close to the microphone", "very close by"),
        faint=("in the distance", "far away", "somewhere far off"),
        framing=0.45, openers=("In this recording,", "Throughout the recording,")),
    Annotator(
        name="present", words=(10, 14), richness=0.75, taste=2, background="loud", drop=0.3,
        modifiers=0.6, extras=0.5,
        forms=(("progressive", 4.0), ("someone", 3.0), ("active", 1.0), ("there", 1.0)),
        together=("as", "while", "same_time"), then=("after_that", "and_then", "then"),
        loud=("loudly", "nearby"), faint=("in the distance", "faintly"),
        framing=0.25, openers=("In this clip,", "In this sound clip,")),
    Annotator(
        name="fragments", words=(9, 13), richness=0.6, taste=3, background="sometimes",
        drop=0.45, modifiers=0.5, extras=0.45,
        forms=(("participle", 6.0), ("active", 1.0)),
        together=("with_bg", "and", "while"), then=("then", "followed_by", "before"),
        loud=("up close", "nearby"), faint=("far off", "faintly"),
        framing=0.15, openers=("Here,", "In the recording,")),
    Annotator(
        name="listener", words=(11, 16), richness=0.85, taste=4, background="loud", drop=0.25,
        modifiers=0.7, extras=0.5,
        forms=(("passive", 4.0), ("sound_of", 2.0), ("hear", 1.5), ("active", 1.0)),
        together=("along_with", "while", "same_time"),
        then=("followed_by", "afterwards", "after_that", "first"),
        loud=("clearly", "close by"), faint=("quietly", "from far away"),
        framing=0.3, openers=("In this clip,", "Throughout the clip,")),
)


# -- verbs and noun phrases ----------------------------------------------------------------------

_DOUBLE = frozenset({
    "chop", "clap", "yap", "plop", "thud", "hum", "drum", "stop", "slam", "tap", "drip", "whir",
    "spin", "hit", "drop", "split", "chip", "trip", "flap", "plan", "sob", "cut", "run", "let",
    "set", "get", "shut", "strum", "snap", "trot", "pop", "step", "dig", "zip", "swim", "skip",
    "zap", "bob", "throb", "grab", "rub", "scrub", "stir", "chat", "skid",
})
_IRREGULAR = {"is": ("are", "being"), "has": ("have", "having"), "does": ("do", "doing"),
              "goes": ("go", "going")}


def _base(word: str) -> str:
    """The plain form of a verb in the third person singular ("passes" -> "pass")."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][0]
    head, dash, tail = word.partition("-")
    if dash:  # "tick-tocks" -> "tick-tock"
        return f"{head}-{_base(tail)}"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes", "oes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _ing(word: str) -> str:
    """The -ing form of a verb in the third person singular ("chops" -> "chopping")."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][1]
    head, dash, tail = word.partition("-")
    if dash:
        return f"{head}-{_ing(tail)}"
    base = _base(word)
    if base in _DOUBLE:
        return base + base[-1] + "ing"
    if base.endswith("e") and not base.endswith(("ee", "oe", "ye")):
        return base[:-1] + "ing"
    return base + "ing"


@dataclass(frozen=True)
class _Verb:
    """A verb phrase in three forms: "barks", "bark" (plural), "barking"."""

    s: str
    pl: str
    ing: str


def _verb(text: str) -> _Verb:
    """Parse ``"barks"`` or ``"growls & roars"`` (two verbs, each inflected on its first word)."""
    parts = [p.strip() for p in text.split("&")]
    s, pl, ing = [], [], []
    for part in parts:
        first, _, rest = part.partition(" ")
        rest = f" {rest}" if rest else ""
        s.append(first + rest)
        pl.append(_base(first) + re.sub(r"\bits\b", "their", rest))
        ing.append(_ing(first) + rest)
    return _Verb(" and ".join(s), " and ".join(pl), " and ".join(ing))


@dataclass(frozen=True)
class _NP:
    """A noun phrase: ``text`` with its article, whether it is plural, whether it takes an
    adjective ("distant", "faint")."""

    text: str
    plural: bool
    adjective_ok: bool


def _np(item: str) -> _NP:
    """Parse ``"a dog"``, ``"dogs*"`` (plural) or ``"something!"`` (no adjective)."""
    item = item.strip()
    adjective_ok = not item.endswith("!")
    item = item.rstrip("!")
    plural = item.endswith("*")
    return _NP(item.rstrip("*"), plural, adjective_ok)


def _a(phrase: str) -> str:
    """``phrase`` with the indefinite article it needs."""
    first = phrase.split(" ", 1)[0].lower()
    vowel = first[0] in "aeiou" and not first.startswith(("uni", "use", "one", "eu", "ewe"))
    return ("an " if vowel else "a ") + phrase


def _with_adjective(np_: _NP, adjective: str) -> str:
    """``np_`` with an adjective in front of its noun: "a dog" + "distant" -> "a distant dog"."""
    if not adjective or not np_.adjective_ok or adjective in np_.text.split():
        return np_.text
    words = np_.text.split(" ", 1)
    if words[0] in ("a", "an") and len(words) == 2:
        return _a(f"{adjective} {words[1]}")
    if words[0] == "the" and len(words) == 2:
        return f"the {adjective} {words[1]}"
    return f"{adjective} {np_.text}"


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


# -- the phrase banks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Sources that share verbs."""

    things: tuple[_NP, ...]
    verbs: tuple[_Verb, ...]


@dataclass(frozen=True)
class _Bank:
    """What a writer can say about one event class.

    ``groups`` name the source and what it does; ``sounds`` name the sound itself ("barking");
    ``agents`` are actions for "someone ..." (each names the class itself); ``who`` are their
    subjects; ``extras`` adverbials; ``places`` keys of :data:`_PLACES` where it is likely heard.
    """

    lexicon: tuple[str, ...]
    groups: tuple[_Group, ...]
    sounds: tuple[_NP, ...]
    agents: tuple[_Verb, ...]
    who: tuple[str, ...]
    extras: tuple[str, ...]
    places: tuple[str, ...]


_WHO = "someone; a person; a man; a woman"


def _bank(lexicon: str, groups: Sequence[tuple[str, str]], sounds: str, *, agents: str = "",
          who: str = _WHO, extras: str = "", places: str = "") -> _Bank:
    return _Bank(
        lexicon=tuple(lexicon.split()),
        groups=tuple(_Group(tuple(_np(t) for t in _split(things)),
                            tuple(_verb(v) for v in _split(verbs))) for things, verbs in groups),
        sounds=tuple(_np(s) for s in _split(sounds)),
        agents=tuple(_verb(v) for v in _split(agents)),
        who=tuple(_split(who)),
        extras=tuple(_split(extras)),
        places=tuple(places.split()),
    )


#: The writers' phrase banks, places and background phrases, beside this module.
BANKS_FILE = Path(__file__).with_name("annotators.yaml")


def load_banks(path: str | os.PathLike[str] = BANKS_FILE
               ) -> tuple[dict[str, _Bank], dict[str, tuple[tuple[str, ...], frozenset[str]]],
                          dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Read and check the writers' phrases (:data:`BANKS_FILE`).

    Returns:
        ``(banks, places, backgrounds)``: per event class its phrase bank (plainest phrases
        first: a writer with little richness only uses the head of each list); per place its
        opening phrases and the background kinds they would contradict; per background kind
        the phrases said after the sentence and before it.

    Raises:
        DataError: one line naming the file and the field that is missing, unknown or wrong
            (a place or background kind that the file does not define, a word that names two
            classes).
    """
    path = Path(path)
    data = check_record(path, "file", load_yaml(path),
                        {"banks": dict, "places": dict, "backgrounds": dict})
    backgrounds = {}
    for kind, entry in data["backgrounds"].items():
        where = f"backgrounds.{kind}"
        check_record(path, where, entry, {"after": list, "before": list})
        backgrounds[kind] = (string_list(path, f"{where}.after", entry["after"]),
                             string_list(path, f"{where}.before", entry["before"]))
    places = {}
    for name, entry in data["places"].items():
        where = f"places.{name}"
        check_record(path, where, entry, {"openers": list, "contradicts": list})
        contradicts = string_list(path, f"{where}.contradicts", entry["contradicts"])
        for kind in contradicts:
            if kind not in backgrounds:
                raise field_error(path, f"{where}.contradicts", f"{kind!r} is not a kind of "
                                  f"backgrounds")
        places[name] = (string_list(path, f"{where}.openers", entry["openers"]),
                        frozenset(contradicts))
    banks = {}
    owner: dict[str, str] = {}
    for label, entry in data["banks"].items():
        where = f"banks.{label}"
        check_record(path, where, entry, {"lexicon": str, "groups": list, "sounds": str},
                     {"agents": str, "who": str, "extras": str, "places": str})
        for i, group in enumerate(entry["groups"]):
            check_record(path, f"{where}.groups[{i}]", group, {"things": str, "verbs": str})
        for place in entry.get("places", "").split():
            if place not in places:
                raise field_error(path, f"{where}.places", f"{place!r} is not a key of places")
        for word in entry["lexicon"].split():
            if owner.setdefault(word, label) != label:
                raise field_error(path, f"{where}.lexicon", f"{word!r} already names "
                                  f"{owner[word]!r}: a word names one class only")
        banks[label] = _bank(entry["lexicon"],
                             [(g["things"], g["verbs"]) for g in entry["groups"]],
                             entry["sounds"], agents=entry.get("agents", ""),
                             who=entry.get("who", _WHO), extras=entry.get("extras", ""),
                             places=entry.get("places", ""))
    return banks, places, backgrounds


_BANKS, _PLACES, _BACKGROUNDS = load_banks()

#: Words that name each event class of :data:`adl.corpus.sources.EVENT_CLASSES`. Single
#: lower-case words, matched whole-word and case-insensitively; no word names two classes.
LEXICON: dict[str, tuple[str, ...]] = {label: bank.lexicon for label, bank in _BANKS.items()}

_REPEATS = ("several times", "repeatedly", "a few times", "again and again", "over and over")

#: The background kinds the writers can name.
BACKGROUNDS: tuple[str, ...] = tuple(_BACKGROUNDS)

_PREPOSITIONS = frozenset({"in", "on", "at", "from", "by", "near", "across", "around", "under",
                           "behind", "among", "into", "through", "over", "against", "along",
                           "onto", "off", "above", "upwards", "down"})
_THING_FAINT = "distant"
_SOUND_FAINT = ("faint", "distant", "soft")
_SOUND_LOUD = ("loud",)


# -- the lexicon ---------------------------------------------------------------------------------

_WORD_TO_CLASS: dict[str, str] = {w: label for label, words in LEXICON.items() for w in words}
_TOKEN = re.compile(r"\w+", re.ASCII)


def events_in_caption(caption: str) -> set[str]:
    """The event classes that ``caption`` names, by whole-word, case-insensitive lexicon matches.

    Args:
        caption: any text.

    Returns:
        The classes of :data:`LEXICON` with at least one word in ``caption``.
    """
    return {_WORD_TO_CLASS[w] for w in _TOKEN.findall(caption.lower()) if w in _WORD_TO_CLASS}


def class_phrases(label: str) -> tuple[str, ...]:
    """The noun phrases the writers use for ``label`` that name it and no other class: its
    sources first ("a dog", "a puppy"), then its sounds ("barking"), in bank order.

    A template caption can say any of them (:mod:`adl.floor` picks the one the development
    captions use most).

    Raises:
        KeyError: ``label`` is not a class of :data:`LEXICON`.
    """
    bank = _BANKS[label]
    texts = [t.text for g in bank.groups for t in g.things] + [s.text for s in bank.sounds]
    return tuple(dict.fromkeys(t for t in texts if events_in_caption(t) == {label}))


# -- one caption ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caption:
    """One caption of a scene.

    Attributes:
        text: the sentence.
        events: the event classes it names, sorted (``events_in_caption(text)``).
        background: whether it names the background.
        annotator: which of :data:`ANNOTATORS` wrote it (0-4).
    """

    text: str
    events: tuple[str, ...]
    background: bool
    annotator: int


@dataclass(frozen=True)
class _Event:
    """Every mention of one class in a scene, merged."""

    label: str
    onset_s: float
    duration_s: float
    gain_db: float
    count: int

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s


def _merge(events: Sequence[EventMention]) -> list[_Event]:
    by_label: dict[str, _Event] = {}
    for ev in events:
        old = by_label.get(ev.label)
        if old is None:
            by_label[ev.label] = _Event(ev.label, ev.onset_s, ev.duration_s, ev.gain_db, 1)
        else:
            onset = min(old.onset_s, ev.onset_s)
            end = max(old.end_s, ev.onset_s + ev.duration_s)
            by_label[ev.label] = _Event(ev.label, onset, end - onset,
                                        max(old.gain_db, ev.gain_db), old.count + 1)
    return sorted(by_label.values(), key=lambda e: (e.onset_s, e.label))


def _choose(items: Sequence, ann: Annotator, rng: np.random.Generator):  # type: ignore
    """An item of a bank as ``ann`` would pick it: from the head it knows, its favourite often."""
    k = min(len(items), max(2, math.ceil(ann.richness * len(items))))
    j = int(rng.integers(k + 2))
    return items[ann.taste % k] if j >= k else items[j]


def _fresh(rng: np.random.Generator, options: Sequence[str], used: set[str]) -> str:
    """A pick from ``options`` that this caption has not used yet, where there is one."""
    unused = [o for o in options if o not in used]
    choice = pick(rng, unused or options)
    used.add(choice)
    return choice


def _weighted(rng: np.random.Generator, pairs: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for name, w in pairs:
        x -= w
        if x < 0:
            return name
    return pairs[-1][0]


@dataclass
class _Real:
    """One event as one caption says it."""

    label: str
    subj: str        # "a small dog"
    plural: bool
    verb: _Verb
    adverb: str      # how loud or far: "in the distance", or ""
    extra: str       # how or where: "excitedly", "in a field", or ""
    extra_first: bool
    sound: str       # "a faint bark"
    loud: bool
    who: str = ""    # subject of an agent clause
    agent: _Verb | None = None  # when set, the event is said as "someone ..."
    progressive: bool = False

    @property
    def tail(self) -> str:
        """The adverbials after the verb, with a leading space ("" when none)."""
        words = (self.extra, self.adverb) if self.extra_first else (self.adverb, self.extra)
        text = " ".join(w for w in words if w)
        return f" {text}" if text else ""

    def act(self, agent: _Verb, who: str) -> None:
        """Say this event as "someone ...": an agent's own place ("in a pocket") wins."""
        self.agent, self.who = agent, who
        if (self.extra.split(" ", 1)[0] in _PREPOSITIONS and _PREPOSITIONS & set(agent.s.split())
                or self.extra.endswith("ly") and agent.s.endswith("ly")):
            self.extra = ""

    def clause(self) -> str:
        if self.agent is not None:
            v = f"is {self.agent.ing}" if self.progressive else self.agent.s
            return f"{self.who} {v}{self.tail}"
        if self.progressive:
            return f"{self.subj} {'are' if self.plural else 'is'} {self.verb.ing}{self.tail}"
        return f"{self.subj} {self.verb.pl if self.plural else self.verb.s}{self.tail}"

    def passive(self, rng: np.random.Generator) -> str:
        if self.agent is not None:
            return self.clause()
        if rng.random() < 0.6:
            return f"{self.subj} can be heard {self.verb.ing}{self.tail}"
        return f"{self.subj} {'are' if self.plural else 'is'} heard {self.verb.ing}{self.tail}"

    def noun(self, tail: bool = True) -> str:
        t = self.tail if tail else ""
        if self.agent is not None:
            return f"{self.who} {self.agent.ing}{t}"
        return f"{self.subj} {self.verb.ing}{t}"


def _shortest(items: Sequence, key) -> object:  # type: ignore[no-untyped-def]
    return min(items, key=lambda x: len(key(x).split()))


def _realise(ev: _Event, ann: Annotator, rng: np.random.Generator, level: float,
             n_events: int, used: set[str]) -> _Real:
    """Say one event as ``ann`` would; a low ``level`` asks for fewer words."""
    bank = _BANKS[ev.label]
    group = _choose(bank.groups, ann, rng)
    compact = level <= -2
    if compact:
        thing = _shortest(group.things, lambda t: t.text)
        verb = _shortest(group.verbs, lambda v: v.s)
    else:
        thing = _choose(group.things, ann, rng)
        verb = _choose(group.verbs, ann, rng)
    sound = _choose(bank.sounds, ann, rng)
    loud, faint = ev.gain_db >= LOUD_DB, ev.gain_db <= FAINT_DB
    subj, sound_text, adverb, extra = thing.text, sound.text, "", ""
    if (loud or faint) and rng.random() < ann.modifiers - (0.3 if compact else 0.0):
        # an adjective only on a bare noun: "a distant dog", not "a distant big dog"
        if faint and rng.random() < 0.3 and len(thing.text.split()) <= 2:
            subj = _with_adjective(thing, _THING_FAINT)
            sound_text = _with_adjective(sound, pick(rng, _SOUND_FAINT))
        else:
            words = [w for w in (ann.loud if loud else ann.faint) if w not in used
                     and not (w.endswith("ly") and verb.s.endswith("ly"))]
            if words:
                adverb = pick(rng, words)
                used.add(adverb)
            sound_text = _with_adjective(sound, pick(rng, _SOUND_LOUD if loud else _SOUND_FAINT))
    p_extra = ann.extras + 0.2 * level - 0.15 * (n_events - 1)
    if (not adverb or (level > 1 and ann.richness > 0.9)) and rng.random() < p_extra:
        if ev.count > 1 and rng.random() < 0.6:
            extra = pick(rng, _REPEATS)
        elif bank.extras:
            extra = _choose(bank.extras, ann, rng)
        # no echo of the verb ("breaks into pieces into pieces"), one -ly adverb at most, and
        # one place at most ("falls on a table on a table")
        if extra.split()[-1:] and (
                extra.split()[-1] in f"{verb.s} {thing.text}".split() or extra in used
                or (extra.endswith("ly") and (verb.s.endswith("ly") or adverb.endswith("ly")))
                or (extra.split(" ", 1)[0] in _PREPOSITIONS and _PREPOSITIONS & set(
                    verb.s.split()))):
            extra = ""
        used.add(extra)
    return _Real(ev.label, subj, thing.plural, verb, adverb, extra, bool(rng.random() < 0.5),
                 sound_text, loud)


def _salient(events: list[_Event], ann: Annotator, rng: np.random.Generator,
             name_all: bool, pressed: bool = False) -> list[_Event]:
    """The events a writer names: loud and long ones always; faint or very short ones unless
    it drops them; ordinary ones too, unless it is ``pressed`` for words. At least one event is
    always named."""
    if name_all:
        return list(events)
    kept = []
    for ev in events:
        optional = ev.gain_db < LOUD_DB and ev.duration_s < LONG_S and (
            pressed or ev.gain_db <= FAINT_DB or ev.duration_s < SHORT_S)
        if not optional or rng.random() >= ann.drop:
            kept.append(ev)
    if not kept:
        kept = [max(events, key=lambda e: (e.gain_db, e.duration_s))]
    return kept


@dataclass
class _Part:
    """A group of overlapping events: as a clause and as a noun phrase."""

    clause: str
    noun: str


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _group(rs: list[_Real], ann: Annotator, rng: np.random.Generator,
           passive_lead: bool, used: set[str], compact: bool = False) -> _Part:
    first = rs[0].passive(rng) if passive_lead else rs[0].clause()
    if len(rs) == 1:
        return _Part(first, rs[0].noun())
    rest = rs[1:]
    how = _fresh(rng, ann.together[:2] if compact else ann.together, used)
    if how == "with_bg" and any(r.loud for r in rest):
        how = "while"
    if how in ("while", "as"):
        tail = f" {how} {_join([r.clause() for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    if how == "with_bg":
        tail = f" with {_join([r.noun(tail=False) for r in rest])} in the background"
        return _Part(first + tail, rs[0].noun() + tail)
    if how in ("over", "along_with"):
        word = "over" if how == "over" else "along with"
        tail = f" {word} {_join([r.sound for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    if how == "same_time":
        if rng.random() < 0.5 and not passive_lead:
            nouns = _join([r.noun() for r in rs])
            return _Part(f"{nouns} can be heard at the same time", f"{nouns} at the same time")
        tail = f", and at the same time {_join([r.clause() for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    return _Part(_join([first] + [r.clause() for r in rest]), _join([r.noun() for r in rs]))


def _sequence(parts: list[_Part], ann: Annotator, rng: np.random.Generator, lead: str,
              used: set[str], progressive: bool = False) -> str:
    """Groups that follow each other, as one sentence; ``lead`` is "clause" or "noun"."""
    text = getattr(parts[0], lead)
    if len(parts) == 1:
        return text
    if len(parts) == 2:
        how = pick(rng, ann.then)
        a, b = parts
        if how == "after" and lead == "clause" and not progressive:
            return f"after {a.clause}, {b.clause}"
        if how == "first" and lead == "clause" and not progressive:
            return f"first {a.clause}, then {b.clause}"
        if how == "before":
            return f"{text} before {b.clause}"
    for i, p in enumerate(parts[1:], start=1):
        how = _fresh(rng, ann.then, used)
        last = i == len(parts) - 1
        if how == "followed_by":
            text += f", followed by {p.noun}"
        elif how == "after_that":
            text += f", and after that {p.clause}"
        elif how == "later":
            text += f", and a moment later {p.clause}"
        elif how == "afterwards":
            text += f", and afterwards {p.clause}"
        elif how == "and_then" or (last and len(parts) > 2 and rng.random() < 0.5):
            text += f", and {'finally' if last and len(parts) > 2 else 'then'} {getattr(p, lead)}"
        else:
            text += f", then {getattr(p, lead)}"
    return text


def _framing(named: list[_Event], ann: Annotator, background: str | None,
             rng: np.random.Generator) -> str:
    """An opening: a setting all named events fit and the background does not contradict
    ("On a farm,"), else one of the writer's own ("In this recording,")."""
    places = set(_BANKS[named[0].label].places)
    for ev in named[1:]:
        places &= set(_BANKS[ev.label].places)
    places = {p for p in places if background is None or background not in _PLACES[p][1]}
    if places and rng.random() < 0.7:
        return pick(rng, _PLACES[pick(rng, sorted(places))][0])
    return pick(rng, ann.openers)


def _background_named(ann: Annotator, prominent: bool, rng: np.random.Generator) -> bool:
    if ann.background == "always":
        return True
    if ann.background == "loud":
        return prominent
    if ann.background == "sometimes":
        return rng.random() < 0.5
    return False


def _draft(named: list[_Event], ann: Annotator, rng: np.random.Generator, level: float,
           background: str | None, say_background: bool) -> tuple[str, set[str], bool]:
    """One attempt at a caption of the events ``named``: its text, the classes it means to
    name, and whether it names the background."""
    used: set[str] = set()
    reals = {ev.label: _realise(ev, ann, rng, level, len(named), used) for ev in named}
    compact = level <= -2
    form = _weighted(rng, ann.forms)
    if compact:  # pressed for words: the plainest shape and joins
        form = "participle" if ann.forms[0][0] == "participle" else "active"
    elif level >= 2 and len(named) == 1 and rng.random() < 0.5:  # short of words
        form = pick(rng, ("passive", "there", "hear", "sound_of"))
    if form == "someone":
        agentive = [ev for ev in named if _BANKS[ev.label].agents]
        if agentive:
            ev = agentive[int(rng.integers(len(agentive)))]
            bank = _BANKS[ev.label]
            reals[ev.label].act(_choose(bank.agents, ann, rng), _choose(bank.who, ann, rng))
        form = "progressive" if rng.random() < 0.4 else "active"
    if form == "progressive":
        for r in reals.values():
            r.progressive = True
    groups = []
    for g in temporal_groups([EventMention(e.label, e.onset_s, e.duration_s, e.gain_db)
                              for e in named]):
        # the louder sound leads; near-ties are broken at random
        g = sorted(g, key=lambda e: -(e.gain_db + 3.0 * rng.random()))
        groups.append([reals[e.label] for e in g])
    parts = [_group(g, ann, rng, form == "passive" and i == 0, used, compact)
             for i, g in enumerate(groups)]
    if form in ("participle", "sound_of", "hear", "there"):
        body = _sequence(parts, ann, rng, "noun", used)
        first = groups[0][0]
        if form == "sound_of":
            body = f"the sound of {body}"
        elif form == "hear":
            body = f"you can hear {body}"
        elif form == "there":
            body = f"there {'are' if first.plural and first.agent is None else 'is'} {body}"
    else:
        body = _sequence(parts, ann, rng, "clause", used, form == "progressive")
    prefix = ""
    if say_background and background is not None:
        suffixes, prefixes = _BACKGROUNDS[background]
        # no second "with", "as" or "while", and no "... by by a brook"
        last = body.rsplit(" ", 1)[-1]
        suffixes = tuple(s for s in suffixes if f" {s.split()[0]} " not in f" {body} "
                         and s.split()[0] != last) or suffixes
        if rng.random() < 0.3 and not body.startswith(("after ", "first ")):
            prefix = pick(rng, prefixes)
        else:
            where = pick(rng, suffixes)
            body += f", {where}" if where.startswith(("as ", "while ")) else f" {where}"
    elif rng.random() < ann.framing + 0.2 * level and not body.startswith(("after ", "first ")):
        prefix = _framing(named, ann, background, rng)
    text = f"{prefix} {body}" if prefix else body[0].upper() + body[1:]
    return text + ".", {ev.label for ev in named}, bool(say_background and background)


def _plain_noun(label: str) -> str:
    """The plainest noun phrase that names ``label`` by itself ("a dog", "a thud")."""
    for group in _BANKS[label].groups:
        for thing in group.things:
            if events_in_caption(thing.text) == {label}:
                return thing.text
    return _BANKS[label].sounds[0].text


def _fallback(named: list[_Event], variant: int) -> tuple[str, set[str]]:
    """A plain caption of 8-20 words naming ``named`` (used when drafts keep missing)."""
    opener = ("In this recording,", "Throughout the clip,", "In this short clip,")[variant % 3]
    body = _join([_plain_noun(ev.label) for ev in named])
    if len(named) == 1:
        return f"{opener} {body} can be heard clearly.", {named[0].label}
    return f"{opener} {body} can be heard.", {ev.label for ev in named}


_DOUBLED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
_LONG_WORD = re.compile(r"[a-z]{6,}")


def _flawed(text: str, strict: bool) -> bool:
    """Whether a draft reads badly: a doubled word ("over over"), a phrase said twice, or
    (when ``strict``) a long word used twice."""
    lower = text.lower()
    if _DOUBLED.search(lower) or lower.count("in the background") > 1 \
            or lower.count("distance") > 1 or lower.count("along with") > 1:
        return True
    if strict:
        words = _LONG_WORD.findall(lower)
        return len(words) != len(set(words))
    return False


def _fits(text: str) -> bool:
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS


def _write(events: list[_Event], ann: Annotator, index: int, rng: np.random.Generator,
           background: str | None, prominent: bool, name_all: bool,
           seen: set[str]) -> Caption:
    say_background = background is not None and _background_named(ann, prominent, rng)
    # what to mention is decided once, before the wording: a writer does not drop a sound
    # because the sentence came out short
    named = _salient(events, ann, rng, name_all)
    pressed = named if name_all else _salient(named, ann, rng, name_all, pressed=True)
    lo, hi = ann.words
    best: tuple[float, str, set[str], bool] | None = None
    level = 0.0
    for attempt in range(40):
        if attempt == 25 and best is None:
            say_background = False  # the background gives way when nothing fits in 20 words
        text, labels, bg = _draft(pressed if level <= -3 else named, ann, rng, level,
                                  background, say_background)
        n = len(text.split())
        if text in seen or events_in_caption(text) != labels or _flawed(text, attempt < 20):
            continue
        if lo <= n <= hi:
            best = (0.0, text, labels, bg)
            break
        if _fits(text):
            distance = float(lo - n if n < lo else n - hi)
            if best is None or distance < best[0]:
                best = (distance, text, labels, bg)
        level += 1.0 if n < lo else -1.0
        level = max(-3.0, min(3.0, level))
    if best is None:
        for variant in range(3):
            text, labels = _fallback(pressed, variant)
            if text not in seen:
                break
        best = (0.0, text, labels, False)
    _, text, labels, bg = best
    seen.add(text)
    return Caption(text, tuple(sorted(labels)), bg, index)


# -- the public interface ------------------------------------------------------------------------


def annotate(events: Sequence[EventMention], rng: np.random.Generator, *,
             background: str | None = None, n: int = 5, background_db: float | None = None,
             name_all: bool = False) -> list[Caption]:
    """Write ``n`` captions of one scene, one per writer of :data:`ANNOTATORS` in order.

    Several mentions of one class are merged into one event (earliest onset, latest end,
    largest gain, and a count that lets a writer say "several times").

    Args:
        events: the scene's events (any order; at least one).
        rng: the only source of randomness: the same state gives the same captions.
        background: a key of :data:`adl.corpus.sources.BACKGROUND_KINDS`, or None.
        n: how many captions; writer ``i % 5`` writes caption ``i``.
        background_db: the background's level on the events' ``gain_db`` scale. A background
            at or above :data:`BACKGROUND_LOUD_DB` is prominent; when None, a background is
            taken as prominent in a scene of one or two events.
        name_all: name every event, faint and short ones included (for exact references).

    Returns:
        ``n`` distinct captions of 8-20 words; each names only events of the scene, and
        ``events_in_caption(c.text) == set(c.events)``.

    Raises:
        ValueError: no events, an unknown class or an unknown background kind.
    """
    check_scene(events, _BANKS, _BACKGROUNDS, background, caller="annotate")
    merged = _merge(events)
    if background_db is not None:
        prominent = background_db >= BACKGROUND_LOUD_DB
    else:
        prominent = len(merged) <= 2
    seen: set[str] = set()
    return [_write(merged, ANNOTATORS[i % len(ANNOTATORS)], i % len(ANNOTATORS), rng,
                   background, prominent, name_all, seen) for i in range(n)]


def write_captions(events: Sequence[EventMention], rng: np.random.Generator, n: int = 5, *,
                   background: str | None = None) -> list[str]:
    """The texts of :func:`annotate` (same signature as :func:`adl.captions.grammar.write_captions`).

    Args:
        events: the scene's events (at least one).
        rng: source of the writers' choices.
        n: number of captions.
        background: a key of :data:`adl.corpus.sources.BACKGROUND_KINDS`, or None.

    Returns:
        ``n`` distinct sentences of 8-20 words.
    """
    return [c.text for c in annotate(events, rng, background=background, n=n)]


_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def caption_statistics(captions: Sequence[str]) -> dict:
    """Length and vocabulary statistics of a set of captions, as Clotho's paper reports them.

    Words are lower-cased and stripped of punctuation ("dog's" and "hi-hat" are one word each).

    Args:
        captions: caption texts.

    Returns:
        ``captions`` (count), ``words`` (total), ``mean_words``, ``std_words``, ``min_words``,
        ``max_words`` (per caption), ``vocabulary_size`` and ``distinct_words`` (sorted list).
    """
    counts = [len(_WORD.findall(c.lower())) for c in captions]
    vocabulary = sorted({w for c in captions for w in _WORD.findall(c.lower())})
    if not counts:
        return {"captions": 0, "words": 0, "mean_words": 0.0, "std_words": 0.0,
                "min_words": 0, "max_words": 0, "vocabulary_size": 0, "distinct_words": []}
    arr = np.asarray(counts, dtype=float)
    return {"captions": len(counts), "words": int(arr.sum()), "mean_words": float(arr.mean()),
            "std_words": float(arr.std()), "min_words": int(arr.min()),
            "max_words": int(arr.max()), "vocabulary_size": len(vocabulary),
            "distinct_words": vocabulary}
