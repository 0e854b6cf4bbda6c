"""The data files shipped in the package (the corpus's source manifest, the caption languages'
words): they load, a broken one fails with one line naming the file and the field, and a
non-editable install carries them."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from adl.captions import annotators, grammar
from adl.corpus import sources
from adl.datafiles import check_record, load_yaml
from adl.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = (sources.SOURCES_FILE, annotators.BANKS_FILE, grammar.WORDS_FILE)


def _broken(tmp_path: Path, original: Path, old: str, new: str) -> Path:
    text = original.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {original.name}"
    path = tmp_path / original.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _error(load, path: Path) -> str:
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


# -- the checker ---------------------------------------------------------------------------------


def test_check_record_names_the_field():
    fields = {"name": str, "size": int, "seconds": float}
    ok = {"name": "x", "size": 3, "seconds": 2}  # an integer is a number
    assert check_record("f.yaml", "items[0]", ok, fields) is ok
    cases = [({"name": "x", "size": 3}, "items[0].seconds: missing"),
             ({**ok, "colour": "red"}, "items[0].colour: unknown field"),
             ({**ok, "size": "3"}, "items[0].size: expected an integer, got '3'"),
             ({**ok, "seconds": True}, "items[0].seconds: expected a number, got True"),
             (["x"], "items[0]: expected a mapping")]
    for record, expected in cases:
        with pytest.raises(DataError, match="^f.yaml: " + expected.replace("[", r"\[")
                           .replace("]", r"\]")):
            check_record("f.yaml", "items[0]", record, fields)


def test_load_yaml_names_a_file_that_is_not_yaml(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\n", encoding="utf-8")
    assert _error(load_yaml, path).startswith("not valid YAML")
    assert _error(load_yaml, tmp_path / "missing.yaml").startswith("cannot read")


# -- the shipped files ---------------------------------------------------------------------------


def test_shipped_files_load_into_what_the_modules_hold():
    assert sources.load_sources() == (sources.EVENT_CLASSES, sources.BACKGROUND_KINDS,
                                      sources.SOURCES)
    assert annotators.load_banks() == (annotators._BANKS, annotators._PLACES,
                                       annotators._BACKGROUNDS)
    assert grammar.load_words() == (grammar.LEXICON, grammar._WORDS,
                                     grammar._BACKGROUND_PHRASES)
    assert len(sources.SOURCES) == 32
    assert sum(len(s.recordings) for s in sources.SOURCES) == 574
    assert set(annotators.LEXICON) == set(sources.EVENT_CLASSES)
    assert set(annotators.BACKGROUNDS) == set(sources.BACKGROUND_KINDS)


@pytest.mark.parametrize("old,new,expected", [
    ("  size: 160880444\n", "", "sources[0].size: missing"),
    ("duration_s: 0.93}", "duration_s: long}", "sources[0].recordings[0].duration_s: expected a "
                                               "number, got 'long'"),
    ("label: dog_bark,", "label: dgo_bark,", "sources[0].recordings[0].label: 'dgo_bark' is "
                                             "neither"),
    ("  license: GPL-2\n", "  license: GPL-2\n  licence: GPL-2\n", "sources[0].licence: unknown "
                                                                  "field"),
    ("sha256: 6db6c1bf", "sha256: 6DB6C1BF", "sources[0].sha256: expected 64 lower-case hex"),
    ("background_kinds:\n  rain: rain falling\n", "background_kinds:\n  rain: [rain]\n",
     "background_kinds.rain: expected a string"),
])
def test_a_broken_source_manifest_names_file_and_field(tmp_path, old, new, expected):
    path = _broken(tmp_path, sources.SOURCES_FILE, old, new)
    assert _error(sources.load_sources, path).startswith(expected)


def test_a_background_recording_needs_a_known_kind(tmp_path):
    text = sources.SOURCES_FILE.read_text(encoding="utf-8")
    start = text.index("label: background, kind: ")
    kind = text[start:].split(",")[1].split(": ")[1]
    path = _broken(tmp_path, sources.SOURCES_FILE, f"label: background, kind: {kind},",
                   "label: background, kind: drizzle,")
    assert _error(sources.load_sources, path).endswith(".kind: a background needs a kind listed "
                                                       "in background_kinds, got 'drizzle'")


@pytest.mark.parametrize("old,new,expected", [
    ("    lexicon: cow cows", "    lexcon: cow cows", "banks.cow_moo.lexicon: missing"),
    ("    lexicon: cow cows", "    lexicon: dog cows", "banks.cow_moo.lexicon: 'dog' already "
                                                       "names 'dog_bark'"),
    ("    places: farm outdoors\n", "    places: farm moon\n",
     "banks.cow_moo.places: 'moon' is not a key of places"),
    ("    - things: >-\n        a cow;", "    - thing: >-\n        a cow;",
     "banks.cow_moo.groups[0].things: missing"),
    ("backgrounds:\n  rain:\n    after:", "backgrounds:\n  rain:\n    afterwards:",
     "backgrounds.rain.after: missing"),
])
def test_broken_phrase_banks_name_file_and_field(tmp_path, old, new, expected):
    path = _broken(tmp_path, annotators.BANKS_FILE, old, new)
    assert _error(annotators.load_banks, path).startswith(expected)


@pytest.mark.parametrize("old,new,expected", [
    ("  clock_tick: [clock, clocks]\n", "  clock_tick: clock\n",
     "lexicon.clock_tick: expected a list of strings"),
    ("- nouns: \"a|siren;", "- nouns: \"a siren;", "words.siren.groups[0].nouns: expected "
                                                    "'article|noun"),
    ("      verbs: \"rings|ring|ringing;", "      verbs: \"rings|ringing;",
     "words.church_bells.groups[0].verbs: expected 'third person|plural|-ing"),
    ("words:\n  church_bells:\n", "words:\n  church_bell:\n",
     "words.church_bell: a class without a lexicon entry"),
])
def test_broken_grammar_words_name_file_and_field(tmp_path, old, new, expected):
    path = _broken(tmp_path, grammar.WORDS_FILE, old, new)
    assert _error(grammar.load_words, path).startswith(expected)


def test_package_data_carries_every_data_file():
    """A non-editable install copies only the files that pyproject's package-data names."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["adl"]
    shipped = sorted(p for p in (ROOT / "adl").rglob("*.yaml"))
    assert set(DATA_FILES) <= set(shipped)
    for path in shipped:
        rel = path.relative_to(ROOT / "adl").as_posix()
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in patterns), (
            f"adl/{rel} is not package data: add it to [tool.setuptools.package-data]")
