"""adl.floor: the tagger-and-template floor, the true-classes ceiling, and the table that sets
the runs beside them."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from adl.captions import annotators
from adl.captions import grammar
from adl.errors import DataError
from adl.events import EventLabels
from adl.floor import (THRESHOLDS, choose_threshold, hearing_table, multi_hot, predict_classes,
                       system_paths, tagger_floor, template_caption, template_phrases,
                       train_tagger, true_class_ceiling)
from adl.table1 import evaluate_run
from test_events import SCENES, TONE_CLASSES, labelled_copy, tone_labels, write_events

quiet = lambda _msg: None  # noqa: E731

pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread

# -- the template --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", [grammar, annotators], ids=["grammar", "annotators"])
def test_the_template_names_exactly_its_classes(language):
    phrases = template_phrases(language, language.LEXICON, [])
    for label in language.LEXICON:
        assert language.events_in_caption(template_caption([label], phrases)) == {label}
    some = sorted(language.LEXICON)[:3]
    caption = template_caption(some, phrases)
    assert language.events_in_caption(caption) == set(some)
    assert caption.startswith("In this recording, ") and caption.endswith(" can be heard.")


def test_template_sentence_and_phrases_from_the_references():
    phrases = {"dog_bark": "a dog", "rain": "rain", "wind": "the wind"}
    assert template_caption(["dog_bark"], phrases) == "In this recording, a dog can be heard."
    assert template_caption(["dog_bark", "rain", "wind"], phrases) == \
        "In this recording, a dog, rain and the wind can be heard."
    with pytest.raises(ValueError):
        template_caption([], phrases)
    # The phrase the references use most wins; with no evidence, the writers' first.
    refs = ["A church bell rings.", "Bells ring in the distance.", "Many bells toll loudly."]
    assert template_phrases(grammar, ["church_bells"], refs) == {"church_bells": "bells"}
    assert template_phrases(grammar, ["church_bells"], []) == {
        "church_bells": grammar.class_phrases("church_bells")[0]}


# -- the head ------------------------------------------------------------------------------------


def test_the_head_learns_a_separable_problem():
    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 8, generator=gen, dtype=torch.float64) * 4
    label_sets = [("a",), ("b",), ("c",), ("a", "b")] * 10
    x = torch.stack([sum(centres["abc".index(c)] for c in s) for s in label_sets])
    x = x + 0.1 * torch.randn(x.shape, generator=gen, dtype=torch.float64)
    y = multi_hot(label_sets, ["a", "b", "c"])
    head = train_tagger(x, y, ["a", "b", "c"], weight_decay=1e-3)
    predicted = predict_classes(head.probabilities(x), head.classes, 0.5)
    assert [set(p) for p in predicted] == [set(s) for s in label_sets]
    again = train_tagger(x, y, ["a", "b", "c"], weight_decay=1e-3)
    assert torch.equal(head.weight, again.weight)  # deterministic


def test_a_clip_with_no_class_above_the_threshold_gets_the_top_one():
    probs = torch.tensor([[0.1, 0.3, 0.2], [0.9, 0.8, 0.1]], dtype=torch.float64)
    assert predict_classes(probs, ["a", "b", "c"], 0.5) == [("b",), ("a", "b")]


def test_the_threshold_is_the_best_event_f1_of_the_template_captions():
    labels = EventLabels(SCENES, grammar)
    classes = ["dog_bark", "rain", "wind"]
    phrases = template_phrases(grammar, classes, [])
    names = ["a.wav", "b.wav", "c.wav", "d.wav"]
    # a: dog; b: rain; c: dog, rain, wind; d: wind. Probabilities that rank the truth first.
    probs = torch.tensor([[0.9, 0.2, 0.1], [0.1, 0.8, 0.3], [0.6, 0.5, 0.4], [0.1, 0.2, 0.7]],
                         dtype=torch.float64)
    t, f1 = choose_threshold(probs, names, labels, classes, phrases)
    assert f1 == pytest.approx(1.0) and t == 0.32  # the lowest of (0.3, 0.4]: all perfect


# -- floor and ceiling on the tiny data ----------------------------------------------------------


@pytest.fixture(scope="module")
def labelled(tiny_data, tmp_path_factory):
    return labelled_copy(tiny_data, tmp_path_factory.mktemp("labelled") / "data")


@pytest.mark.slow
def test_floor_and_ceiling_are_written_and_scored_like_runs(tiny_run, labelled, tmp_path):
    out = tmp_path / "out"
    run = out / "runs" / "baseline-seed0"
    shutil.copytree(tiny_run, run)
    lines: list[str] = []
    floor = tagger_floor(run, out, root=labelled, metrics=["cider_d", "meteor"],
                         log=lines.append)
    metrics_json, captions_csv = system_paths(out, "floor")
    assert metrics_json.is_file() and captions_csv.is_file()
    saved = json.loads(metrics_json.read_text())
    assert saved == json.loads(json.dumps(floor))
    head = saved["head"]
    assert head["threshold"] in THRESHOLDS and 0 <= head["validation_f1"] <= 1
    assert head["classes"] == sorted(TONE_CLASSES.values())
    assert saved["run"] == str(run.resolve()) and len(saved["encoder_digest"]) == 64
    assert set(saved["scores"]) == {"cider_d", "meteor"}
    assert set(saved["events"]) >= {"precision", "recall", "f1", "absent_share"}
    # Four clean tones, one per class: the frozen encoder's pooled frames separate them.
    assert saved["events"]["f1"] == pytest.approx(1.0)

    lines.clear()
    assert tagger_floor(run, out, root=labelled, metrics=["cider_d", "meteor"],
                        log=lines.append) == saved
    assert "reused" in lines[0]

    ceiling = true_class_ceiling(run_cfg(run), out, root=labelled,
                                 metrics=["cider_d", "meteor"], log=quiet)
    assert system_paths(out, "ceiling")[0].is_file()
    assert ceiling["events"]["absent_share"] == 0.0 and ceiling["events"]["precision"] == 1.0
    assert ceiling["events"]["recall"] == 1.0
    assert ceiling["n_clips"] == saved["n_clips"] == 4

    evaluate_run(run, root=labelled, metrics=["cider_d", "meteor"], log=quiet)
    table = hearing_table([run], out)
    assert list(table.index) == ["baseline-seed0", "floor", "ceiling"]
    assert table.loc["ceiling", "event_precision"] == 1.0
    assert table.loc["baseline-seed0", "seed"] == 0 and table["seed"].isna().sum() == 2
    assert table.loc["floor", "cider_d"] == pytest.approx(saved["scores"]["cider_d"])


def run_cfg(run):
    from adl.table1 import run_config

    return run_config(run)


@pytest.mark.slow
def test_the_threshold_is_chosen_on_validation_only(tiny_run, labelled, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(labelled, data)
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    first = tagger_floor(run, tmp_path / "a", root=data, metrics=["cider_d"], log=quiet)
    # Other evaluation labels: the scores change, the head and its threshold do not.
    wrong = {f: ("dog_bark",) for f in tone_labels(data, "evaluation")}
    write_events(data, "evaluation", wrong)
    second = tagger_floor(run, tmp_path / "b", root=data, metrics=["cider_d"], log=quiet)
    assert second["head"] == first["head"]
    assert second["events"]["precision"] == 0.0 != first["events"]["precision"]
    # ... and a change of the validation labels does move what is chosen on them.
    write_events(data, "validation", {f: ("dog_bark",) for f in tone_labels(data, "validation")})
    third = tagger_floor(run, tmp_path / "b", root=data, metrics=["cider_d"], log=quiet)
    assert third["head"]["validation_f1"] != first["head"]["validation_f1"]


@pytest.mark.slow
def test_no_labels_no_floor(tiny_run, tiny_data, tmp_path):
    with pytest.raises(DataError, match="no event labels"):
        tagger_floor(tiny_run, tmp_path, root=tiny_data, log=quiet)
    with pytest.raises(DataError, match="no event labels"):
        true_class_ceiling(run_cfg(tiny_run), tmp_path, root=tiny_data, log=quiet)
    assert not (tmp_path / "floor").exists() and not (tmp_path / "ceiling").exists()
    assert hearing_table([], tmp_path).empty
