"""Captions for the embedded corpus: a small grammar with synonyms, and the lexicon that reads
event classes back out of a caption.

:func:`write_captions` describes any set of events (a scene, a mixture, one event alone) in
Clotho's style: one sentence of 8 to 20 words. Temporal words follow the onsets ("then",
"followed by" for sequential events; "while", "as", "at the same time" for overlapping ones),
loudness words follow the gains ("loud", "faint", "in the distance"), and the background is
mentioned sometimes.

:data:`LEXICON` lists, for each class, the words that name it. No word of one class's phrases
names another class, so :func:`events_in_caption` recovers the classes of a generated caption
exactly; this is what makes event-level precision and recall of captions exact.

Notebook: 01_data_mixing
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: A gain at or above this (dB, relative to the nominal event level) reads as "loud".
LOUD_DB = 3.0
#: A gain at or below this reads as "faint".
FAINT_DB = -9.0
#: Two events overlap in a caption when the later one starts this long before the earlier ends.
OVERLAP_MIN_S = 0.3
#: Word counts of a caption, as in Clotho.
MIN_WORDS, MAX_WORDS = 8, 20


@dataclass(frozen=True)
class EventMention:
    """One event as a caption sees it.

    Attributes:
        label: event class (one of ``adl.corpus.synth.CLASSES``).
        onset_s: start time in the clip (s).
        duration_s: length (s).
        gain_db: level relative to the nominal event level (dB); sets "loud" / "faint".
    """

    label: str
    onset_s: float = 0.0
    duration_s: float = 5.0
    gain_db: float = 0.0

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s


# -- the lexicon ---------------------------------------------------------------------------

#: Words and phrases that name each class. Matched whole-word and case-insensitively.
LEXICON: dict[str, tuple[str, ...]] = {
    "church_bells": ("bell", "bells", "church bell", "church bells", "bell tower"),
    "siren": ("siren", "sirens", "ambulance", "police", "emergency vehicle"),
    "engine": ("engine", "engines", "motor", "diesel"),
    "rain": ("rain", "rains", "raining", "rainfall", "downpour", "drizzle"),
    "wind": ("wind", "winds", "breeze", "gust", "gusts", "gusting", "windy"),
    "chirping_birds": ("bird", "birds", "songbird", "songbirds", "birdsong"),
    "clock_tick": ("clock", "clocks"),
    "footsteps": ("footsteps", "footstep", "steps", "footfalls", "walks", "walking"),
    "door_knock": ("knock", "knocks", "knocking"),
    "phone_ringing": ("phone", "phones", "telephone", "cellphone"),
    "water_drops": ("water", "drops", "droplets", "drip", "drips", "dripping", "faucet"),
    "alarm_beeps": ("alarm", "alarms", "beep", "beeps", "beeping", "beeper"),
    "crickets": ("cricket", "crickets", "insect", "insects"),
    "thunder": ("thunder", "thunderclap", "thunderstorm"),
    "people_talking": ("people", "voices", "voice", "crowd", "conversation", "chatter",
                       "talk", "talks", "talking", "chatting", "speaking"),
    "melody": ("melody", "tune", "music", "musician", "instrument", "piano", "notes"),
    "dog_bark": ("dog", "dogs", "puppy", "bark", "barks", "barking"),
    "car_horn": ("horn", "horns", "honk", "honks", "honking"),
    "vacuum_cleaner": ("vacuum", "vacuums", "vacuuming", "hoover"),
    "keyboard_typing": ("keyboard", "keyboards", "typing", "types", "keys"),
}


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


_WORDS: dict[str, _Words] = {
    "church_bells": _Words(
        (_g("a|church bell; |church bells*; a|bell; |bells*; a|large bell",
            "rings|ring|ringing; chimes|chime|chiming; tolls|toll|tolling; "
            "peals|peal|pealing"),),
        ("a bell tower chimes", "someone rings a church bell"),
        ("several times", "slowly", "in a steady rhythm", "repeatedly")),
    "siren": _Words(
        (_g("a|siren; an|ambulance siren; a|police siren; an|emergency vehicle siren",
            "wails|wail|wailing; blares|blare|blaring; sounds|sound|sounding; "
            "rises and falls|rise and fall|rising and falling"),
         _g("an|ambulance; a|police car",
            "passes with its siren on|pass with their sirens on|passing with its siren on"),),
        ("an ambulance drives by with its siren wailing",),
        ("as it passes by", "for a while", "continuously", "again and again")),
    "engine": _Words(
        (_g("an|engine; a|car engine; a|truck engine; a|motor; a|diesel engine",
            "hums|hum|humming; idles|idle|idling; rumbles|rumble|rumbling; "
            "runs|run|running; drones|drone|droning"),),
        ("someone revs an engine", "a motor is left running"),
        ("steadily", "at a low pitch", "continuously", "for a while")),
    "rain": _Words(
        (_g(" |rain; |steady rain; |heavy rain; |rainfall; a|light drizzle",
            "falls|fall|falling; pours down|pour down|pouring down; "
            "patters on a roof|patter on a roof|pattering on a roof"),),
        ("it is raining", "it rains"),
        ("steadily", "outside", "on the ground", "without pause")),
    "wind": _Words(
        (_g("the|wind; a|strong wind; |gusts of wind*; a|breeze",
            "blows|blow|blowing; whooshes|whoosh|whooshing; rushes past|rush past|rushing past; "
            "howls|howl|howling"),),
        ("the wind is gusting",),
        ("in strong bursts", "steadily", "through the trees", "across the microphone")),
    "chirping_birds": _Words(
        (_g("|birds*; a|bird; |songbirds*; a|small bird",
            "chirps|chirp|chirping; sings|sing|singing; tweets|tweet|tweeting; "
            "twitters|twitter|twittering"),),
        ("a bird sings a short song",),
        ("happily", "in short bursts", "from a tree", "now and then")),
    "clock_tick": _Words(
        (_g("a|clock; a|wall clock; an|old clock; a|pendulum clock",
            "ticks|tick|ticking; tick-tocks|tick-tock|tick-tocking; "
            "keeps ticking|keep ticking|ticking steadily"),),
        (),
        ("steadily", "at a regular pace", "in a steady rhythm", "rhythmically")),
    "footsteps": _Words(
        (_g("|footsteps*; |heavy footsteps*; |steps*; |footfalls*",
            "sound|sound|sounding; approach|approach|approaching; pass by|pass by|passing by; "
            "echo|echo|echoing; thud|thud|thudding"),),
        ("someone walks across the floor", "someone is walking", "a man walks by"),
        ("on a hard floor", "along a corridor", "at a steady pace", "one after another")),
    "door_knock": _Words(
        (_g("|knocking on a door; a|knock at the door; |knocks on a wooden door*",
            "sounds|sound|sounding; rings out|ring out|ringing out; "
            "echoes|echo|echoing"),),
        ("someone knocks on a door", "someone knocks on a wooden door",
         "a visitor knocks at the door", "someone is knocking"),
        ("a few times", "repeatedly", "in short groups", "several times")),
    "phone_ringing": _Words(
        (_g("a|phone; a|telephone; a|cell phone; a|mobile phone; an|office phone",
            "rings|ring|ringing; trills|trill|trilling; goes off|go off|going off"),),
        ("a phone keeps ringing",),
        ("repeatedly", "again and again", "on a desk", "for a while")),
    "water_drops": _Words(
        (_g("|water drops*; |drops of water*; |droplets*",
            "fall into a sink|fall into a sink|falling into a sink; plop|plop|plopping; "
            "splash|splash|splashing"),
         _g("|water; a|leaking faucet",
            "drips|drip|dripping; keeps dripping|keep dripping|dripping"),),
        ("water is dripping",),
        ("one by one", "slowly", "into a sink", "at irregular intervals")),
    "alarm_beeps": _Words(
        (_g("an|alarm; a|digital alarm; an|electronic alarm; a|beeper",
            "beeps|beep|beeping; goes off|go off|going off; sounds|sound|sounding"),
         _g("|electronic beeps*; |high beeps*",
            "sound|sound|sounding; repeat|repeat|repeating; go on|go on|going on"),),
        ("an alarm keeps beeping",),
        ("repeatedly", "in short bursts", "insistently", "over and over")),
    "crickets": _Words(
        (_g("|crickets*; a|cricket; |insects*; |many crickets*",
            "chirp|chirp|chirping; trill|trill|trilling; sing|sing|singing; "
            "buzz|buzz|buzzing"),),
        (),
        ("steadily", "at night", "in the grass", "in a rapid rhythm")),
    "thunder": _Words(
        (_g(" |thunder; a|thunderclap; a|clap of thunder; a|roll of thunder",
            "rumbles|rumble|rumbling; cracks|crack|cracking; booms|boom|booming; "
            "roars|roar|roaring"),),
        ("a thunderstorm rumbles",),
        ("overhead", "across the sky", "for a few seconds", "deeply")),
    "people_talking": _Words(
        (_g("|people*; |several people*; a|group of people; a|crowd",
            "talks|talk|talking; chats|chat|chatting; murmurs|murmur|murmuring; "
            "converses|converse|conversing"),
         _g("|voices*; |muffled voices*; |indistinct voices*",
            "murmur|murmur|murmuring; chatter|chatter|chattering; mingle|mingle|mingling"),),
        ("people are talking", "several people have a conversation", "people are chatting"),
        ("together", "in low tones", "casually", "with each other")),
    "melody": _Words(
        (_g("a|melody; a|tune; a|simple melody; |music; a|piano melody",
            "plays|play|playing; rings out|ring out|ringing out; is played|are played|playing"),),
        ("someone plays a melody", "a musician plays a tune",
         "someone plays notes on an instrument", "an instrument plays a simple tune"),
        ("gently", "slowly", "note by note", "in a cheerful way")),
    "dog_bark": _Words(
        (_g("a|dog; a|large dog; a|small dog; a|puppy; |dogs*",
            "barks|bark|barking; yaps|yap|yapping; woofs|woof|woofing"),),
        (),
        ("repeatedly", "a few times", "excitedly", "several times")),
    "car_horn": _Words(
        (_g("a|car horn; a|horn; a|truck horn; |car horns*",
            "honks|honk|honking; blares|blare|blaring; blasts|blast|blasting; "
            "toots|toot|tooting"),),
        ("a driver honks the horn", "someone honks a car horn"),
        ("a few times", "impatiently", "twice", "in short blasts")),
    "vacuum_cleaner": _Words(
        (_g("a|vacuum cleaner; a|vacuum; a|hoover; an|old vacuum cleaner",
            "runs|run|running; whirs|whir|whirring; roars|roar|roaring; whines|whine|whining"),),
        ("someone vacuums the floor", "someone is vacuuming a carpet"),
        ("steadily", "continuously", "in a room", "for a while")),
    "keyboard_typing": _Words(
        (_g("a|keyboard; a|computer keyboard; |keys*",
            "clicks|click|clicking; clatters|clatter|clattering; rattles|rattle|rattling"),),
        ("someone types on a keyboard", "someone is typing quickly",
         "a person types on a computer keyboard"),
        ("quickly", "rapidly", "in short bursts", "without stopping")),
}

_BACKGROUND_PHRASES: dict[str, tuple[str, ...]] = {
    "room_tone": ("in a quiet room", "indoors", "inside a room", "in a small room"),
    "traffic": ("with traffic in the background", "near a busy road", "on a city street",
                "with distant traffic noise"),
    "park": ("in a park", "outdoors in a park", "in an open park", "outside in a park"),
}
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


def temporal_groups(events: Sequence[EventMention]) -> list[list[EventMention]]:
    """Split events, in onset order, into groups that sound together.

    An event joins the current group when it starts at least :data:`OVERLAP_MIN_S` before the
    group ends; otherwise it starts a new group, which a caption joins with "then".
    """
    groups: list[list[EventMention]] = []
    end = -np.inf
    for ev in sorted(events, key=lambda e: (e.onset_s, e.label)):
        if groups and ev.onset_s < end - OVERLAP_MIN_S:
            groups[-1].append(ev)
            end = max(end, ev.end_s)
        else:
            groups.append([ev])
            end = ev.end_s
    return groups


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
    if not events:
        raise ValueError("write_captions needs at least one event")
    for ev in events:
        if ev.label not in _WORDS:
            raise ValueError(f"unknown event class {ev.label!r}")
    if background is not None and background not in _BACKGROUND_PHRASES:
        raise ValueError(f"unknown background {background!r}")
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


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


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
            adjective = _pick(rng, _LOUD_ADJ if loud == "loud" else _FAINT_ADJ)
        else:
            adverb = _pick(rng, _LOUD_ADV if loud == "loud" else _FAINT_ADV)
    np_ = _np_text(article, noun, adjective)
    # one adverbial at most: "barks softly excitedly" reads badly
    extra = _pick(rng, words.extras) if not adverb and rng.random() < extra_p else ""
    tail = " ".join(w for w in (adverb, extra) if w)
    tail = f" {tail}" if tail else ""
    if words.clauses and not adjective and rng.random() < 0.25:
        clause = _pick(rng, words.clauses) + tail
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
                body += " " + _pick(rng, _WORDS[groups[0][0].label].extras)
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
        where = _pick(rng, _BACKGROUND_PHRASES[background])
        if rng.random() < 0.3 and not body.startswith(("first ", "after ")) and "," not in body:
            body = f"{where}, {body}"
        else:
            body = f"{body} {where}"
    return body[0].upper() + body[1:] + "."
