"""The five-writer caption model of the real-recording corpus (:mod:`adl.captions.annotators`)."""

from __future__ import annotations

import dataclasses
import inspect
import time

import numpy as np
import pytest

from adl.captions import annotators as A
from adl.captions.annotators import (ANNOTATORS, LEXICON, Annotator, Caption, annotate,
                                     caption_statistics, events_in_caption, write_captions)
from adl.captions.mentions import MAX_WORDS, MIN_WORDS, EventMention
from adl.corpus.sources import BACKGROUND_KINDS, EVENT_CLASSES

CLASSES = sorted(EVENT_CLASSES)
KINDS = sorted(BACKGROUND_KINDS)


def random_scenes(seed: int, n: int) -> list[tuple[list[EventMention], str | None]]:
    """Scenes like the corpus builder's: 1-4 events, random onsets, lengths and gains."""
    r = np.random.default_rng(seed)
    scenes = []
    for _ in range(n):
        labels = r.choice(CLASSES, size=int(r.integers(1, 5)), replace=False)
        events = [EventMention(str(label), float(r.uniform(0, 12)),
                               float(r.choice([0.2, 0.4, 0.8, 1.5, 3.0, 6.0])),
                               float(r.uniform(-15, 6))) for label in labels]
        background = None if r.random() < 0.2 else str(r.choice(KINDS))
        scenes.append((events, background))
    return scenes


@pytest.fixture(scope="module")
def corpus() -> tuple[list, list[list[Caption]], float]:
    """~1400 scenes x 5 captions, and the seconds it took to write them."""
    scenes = random_scenes(0, 1400)
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    captions = [annotate(events, rng, background=bg) for events, bg in scenes]
    return scenes, captions, time.perf_counter() - start


# -- the lexicon -----------------------------------------------------------------------------------


def test_lexicon_covers_every_class_with_unambiguous_single_words() -> None:
    assert set(LEXICON) == set(EVENT_CLASSES)
    owner: dict[str, str] = {}
    for label, words in LEXICON.items():
        assert words, label
        for w in words:
            assert w.isalpha() and w == w.lower(), (label, w)
            assert w not in owner, f"{w!r} names both {owner[w]} and {label}"
            owner[w] = label


@pytest.mark.parametrize("label", CLASSES)
def test_each_lexicon_word_names_exactly_its_class(label: str) -> None:
    for w in LEXICON[label]:
        for sentence in (f"Somewhere, {w} can be heard.", f"{w.upper()} then silence",
                         f"a sound ({w}) and quiet"):
            assert events_in_caption(sentence) == {label}, (label, w, sentence)


def test_events_in_caption_matches_whole_words_only() -> None:
    assert events_in_caption("A dog's bark, then a TRAIN.") == {"dog_bark", "train"}
    assert events_in_caption("A doghouse and a trainee") == set()
    assert events_in_caption("") == set()


@pytest.mark.parametrize("label", CLASSES)
def test_every_phrase_of_a_bank_names_exactly_its_class(label: str) -> None:
    bank = A._BANKS[label]
    for group in bank.groups:
        for thing in group.things:
            for verb in group.verbs:
                forms = (verb.pl if thing.plural else verb.s, verb.ing)
                for form in forms:
                    said = f"{thing.text} {form}"
                    assert events_in_caption(said) == {label}, said
    for sound in bank.sounds:
        assert events_in_caption(f"the sound of {sound.text}") == {label}, sound.text
    for verb in bank.agents:
        for who in bank.who:
            for form in (verb.s, verb.ing):
                assert events_in_caption(f"{who} {form}") == {label}, (who, form)
    for phrase in bank.extras:
        assert events_in_caption(phrase) == set(), phrase
    for who in bank.who:  # "a blacksmith" may name its own class, never another
        assert events_in_caption(who) <= {label}, who


def test_background_framing_and_style_phrases_name_no_event() -> None:
    phrases: list[str] = []
    for suffixes, prefixes in A._BACKGROUNDS.values():
        phrases += suffixes + prefixes
    for openings, _ in A._PLACES.values():
        phrases += openings
    for ann in ANNOTATORS:
        phrases += ann.loud + ann.faint + ann.openers
    phrases += A._REPEATS
    for phrase in phrases:
        assert events_in_caption(phrase) == set(), phrase
    assert set(A._BACKGROUNDS) == set(BACKGROUND_KINDS)
    for label in CLASSES:
        assert set(A._BANKS[label].places) <= set(A._PLACES), label


@pytest.mark.parametrize("kind", KINDS)
def test_each_background_with_each_class_names_only_that_class(kind: str) -> None:
    rng = np.random.default_rng(7)
    named_background = 0
    for label in CLASSES:
        for c in annotate([EventMention(label, 1.0, 3.0, 0.0)], rng, background=kind,
                          background_db=0.0):
            assert events_in_caption(c.text) == {label} == set(c.events), c.text
            named_background += c.background
    assert named_background > len(CLASSES)  # the background is named, and named cleanly


# -- the captions of a corpus ----------------------------------------------------------------------


def test_corpus_captions_are_clotho_like(corpus) -> None:
    scenes, captions, _ = corpus
    texts = [c.text for caps in captions for c in caps]
    stats = caption_statistics(texts)
    assert stats["captions"] == 5 * len(scenes)
    assert stats["vocabulary_size"] > 1000
    assert MIN_WORDS <= stats["min_words"] and stats["max_words"] <= MAX_WORDS
    assert 10 <= stats["mean_words"] <= 16
    for (events, _), caps in zip(scenes, captions):
        present = {e.label for e in events}
        assert [c.annotator for c in caps] == [0, 1, 2, 3, 4]
        assert len({c.text for c in caps}) == 5
        for c in caps:
            assert MIN_WORDS <= len(c.text.split()) <= MAX_WORDS, c.text
            assert events_in_caption(c.text) == set(c.events), c.text
            assert set(c.events) <= present, c.text
            assert c.events == tuple(sorted(c.events)) and c.events
            assert c.text[0].isupper() and c.text.endswith(".")
            assert "  " not in c.text and " ," not in c.text


def test_the_five_writers_of_a_scene_differ(corpus) -> None:
    _, captions, _ = corpus
    varied = [len({c.text.split()[0] for c in caps}) >= 3
              or len({len(c.text.split()) for c in caps}) >= 3 for caps in captions]
    assert np.mean(varied) > 0.95


def test_writers_keep_their_length_and_background_habits(corpus) -> None:
    scenes, captions, _ = corpus
    mean_len = [np.mean([len(caps[i].text.split()) for caps in captions]) for i in range(5)]
    by_name = dict(zip([a.name for a in ANNOTATORS], mean_len))
    assert by_name["terse"] < by_name["fragments"] < by_name["listener"] < by_name["storyteller"]
    for ann, m in zip(ANNOTATORS, mean_len):
        assert ann.words[0] - 1 <= m <= ann.words[1] + 1, (ann.name, m)
    with_bg = [caps for (_, bg), caps in zip(scenes, captions) if bg is not None]
    share = [np.mean([caps[i].background for caps in with_bg]) for i in range(5)]
    assert share[0] == 0.0  # "never"
    assert share[1] > 0.9  # "always", when it fits
    assert 0.2 < share[3] < 0.8  # "sometimes"
    no_bg = [caps for (_, bg), caps in zip(scenes, captions) if bg is None]
    assert not any(c.background for caps in no_bg for c in caps)


def test_writing_7000_captions_is_fast(corpus) -> None:
    _, _, seconds = corpus
    assert seconds < 10.0, seconds


def test_background_level_decides_for_the_loud_only_writers() -> None:
    events = [EventMention("dog_bark", 1.0, 1.0, 0.0), EventMention("train", 3.0, 4.0, 0.0),
              EventMention("bell", 8.0, 2.0, 0.0)]
    loud_only = [i for i, a in enumerate(ANNOTATORS) if a.background == "loud"]
    assert loud_only
    rng = np.random.default_rng(3)
    named = 0
    for _ in range(20):
        quiet = annotate(events, rng, background="rain", background_db=-20.0)
        loud = annotate(events, rng, background="rain", background_db=0.0)
        for i in loud_only:
            assert not quiet[i].background
            named += loud[i].background
    assert named >= 0.9 * 20 * len(loud_only)  # unless nothing with it fits in 20 words


# -- salience --------------------------------------------------------------------------------------


def test_loud_and_long_events_are_always_named() -> None:
    rng = np.random.default_rng(5)
    for trial in range(60):
        labels = rng.choice(CLASSES, size=4, replace=False)
        events = [EventMention(str(labels[0]), 0.5, 0.3, 5.0),    # loud, short
                  EventMention(str(labels[1]), 2.0, 4.0, -12.0),  # long, faint
                  EventMention(str(labels[2]), 6.0, 0.3, -12.0),  # faint and short
                  EventMention(str(labels[3]), 9.0, 1.0, -11.0)]  # faint
        for c in annotate(events, rng, background=None):
            assert {str(labels[0]), str(labels[1])} <= set(c.events), (c.text, labels)


def test_faint_short_events_are_sometimes_left_out_but_name_all_keeps_them() -> None:
    rng = np.random.default_rng(6)
    events = [EventMention("train", 0.0, 5.0, 0.0),
              EventMention("camera_shutter", 6.0, 0.3, -12.0)]
    dropped = [0] * 5
    for _ in range(40):
        for c in annotate(events, rng):
            dropped[c.annotator] += "camera_shutter" not in c.events
            assert "train" in c.events
        for c in annotate(events, rng, name_all=True):
            assert set(c.events) == {"train", "camera_shutter"}, c.text
    assert all(d > 0 for d in dropped)
    assert dropped[0] > dropped[1]  # the terse writer drops more than the storyteller


def test_repeated_mentions_are_one_event() -> None:
    rng = np.random.default_rng(8)
    events = [EventMention("dog_bark", t, 0.5, 0.0) for t in (0.5, 2.0, 4.0)]
    for c in annotate(events, rng):
        assert c.events == ("dog_bark",)


# -- interface -------------------------------------------------------------------------------------


def test_annotate_is_deterministic_given_rng() -> None:
    events, bg = random_scenes(3, 1)[0]
    a = annotate(events, np.random.default_rng(11), background=bg)
    b = annotate(events, np.random.default_rng(11), background=bg)
    c = annotate(events, np.random.default_rng(12), background=bg)
    assert a == b
    assert a != c


def test_write_captions_returns_the_texts_of_annotate() -> None:
    events, bg = random_scenes(4, 1)[0]
    texts = write_captions(events, np.random.default_rng(2), 5, background=bg)
    assert texts == [c.text for c in annotate(events, np.random.default_rng(2), background=bg)]
    more = annotate(events, np.random.default_rng(2), background=bg, n=7)
    assert [c.annotator for c in more] == [0, 1, 2, 3, 4, 0, 1]
    assert len({c.text for c in more}) == 7


def test_bad_input_is_a_clear_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least one event"):
        annotate([], rng)
    with pytest.raises(ValueError, match="unknown event class 'unicorn'"):
        annotate([EventMention("unicorn")], rng)
    with pytest.raises(ValueError, match="unknown background 'space'"):
        annotate([EventMention("train")], rng, background="space")


def test_annotators_and_captions_are_frozen_and_documented() -> None:
    assert len(ANNOTATORS) == 5 and len({a.name for a in ANNOTATORS}) == 5
    for ann in ANNOTATORS:
        assert isinstance(ann, Annotator)
        assert MIN_WORDS <= ann.words[0] <= ann.words[1] <= MAX_WORDS
        assert ann.background in ("always", "never", "loud", "sometimes")
        with pytest.raises(dataclasses.FrozenInstanceError):
            ann.name = "x"  # type: ignore[misc]
    assert {a.background for a in ANNOTATORS} >= {"always", "never", "loud"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        Caption("a", ("train",), False, 0).text = "b"  # type: ignore[misc]
    doc = A.__doc__ or ""
    assert "Clotho" in doc and "1910.09387" in doc and "Notebook:" not in doc
    for fn in (annotate, write_captions, events_in_caption, caption_statistics):
        assert fn.__doc__ and "Notebook:" not in fn.__doc__
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())


def test_inflection_of_verb_phrases() -> None:
    v = A._verb("chops wood")
    assert (v.s, v.pl, v.ing) == ("chops wood", "chop wood", "chopping wood")
    v = A._verb("growls & roars")
    assert (v.s, v.pl, v.ing) == ("growls and roars", "growl and roar", "growling and roaring")
    v = A._verb("sounds its horn")
    assert (v.pl, v.ing) == ("sound their horn", "sounding its horn")
    assert A._verb("is struck").ing == "being struck"
    assert A._verb("passes by").pl == "pass by"
    assert A._verb("whinnies").ing == "whinnying"
    assert A._verb("buzzes").pl == "buzz"
    assert A._verb("tick-tocks").ing == "tick-tocking"
    assert A._a("old bus") == "an old bus" and A._a("dog") == "a dog"


def test_caption_statistics() -> None:
    stats = caption_statistics(["A dog barks.", "A dog's bark, then a hi-hat cymbal rings."])
    assert stats["captions"] == 2 and stats["words"] == 11
    assert (stats["min_words"], stats["max_words"]) == (3, 8)
    assert stats["mean_words"] == pytest.approx(5.5)
    assert stats["distinct_words"] == sorted(stats["distinct_words"])
    assert "dog's" in stats["distinct_words"] and "hi-hat" in stats["distinct_words"]
    assert stats["vocabulary_size"] == len(stats["distinct_words"]) == 9
    assert caption_statistics([])["captions"] == 0
