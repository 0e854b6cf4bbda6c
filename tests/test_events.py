"""adl.events: the sound classes captions name against those of each clip, in every run's
metrics.json (adl.table1.evaluate_run) and in adl.results.event_scores."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from adl.captions import grammar
from adl.data import load_clotho
from adl.data.corpus_files import EVENT_COLUMNS, SceneMeta
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.errors import DataError
from adl.events import (NO_EVENT_LABELS, EventScores, caption_event_scores, event_entry,
                        load_event_labels)
from adl.table1 import evaluate_run
from conftest import TONES

quiet = lambda _msg: None  # noqa: E731

pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread


def _scene(name: str, *labels: str) -> SceneMeta:
    n = len(labels)
    return SceneMeta(name, 5.0, labels, (0.0,) * n, (1.0,) * n, (0.0,) * n, None, None)


SCENES = {"a.wav": _scene("a.wav", "dog_bark"), "b.wav": _scene("b.wav", "rain"),
          "c.wav": _scene("c.wav", "dog_bark", "rain", "wind"), "d.wav": _scene("d.wav", "wind")}


def test_event_scores_by_hand():
    candidates = ["a dog barks", "a dog barks in the rain", "rain falls", "a dog barks"]
    names = ["a.wav", "b.wav", "c.wav", "d.wav"]
    # Named: {dog}, {dog, rain}, {rain}, {dog}; true: {dog}, {rain}, {dog, rain, wind}, {wind}.
    # Hits 1 + 1 + 1 + 0 = 3 of 5 named and of 6 true; b and d name an absent dog.
    ev = caption_event_scores(candidates, names, SCENES, language=grammar)
    assert ev.precision == pytest.approx(3 / 5)
    assert ev.recall == pytest.approx(3 / 6)
    assert ev.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert ev.absent_share == pytest.approx(2 / 4)
    assert ev.distinct_captions == 3 and ev.n_clips == 4


def test_captions_that_name_nothing_have_no_precision_and_json_says_null():
    ev = caption_event_scores(["something is heard", "a sound"], ["a.wav", "b.wav"], SCENES,
                              language=grammar)
    assert math.isnan(ev.precision) and ev.recall == 0.0 and math.isnan(ev.f1)
    assert ev.absent_share == 0.0 and ev.distinct_captions == 2
    obj = ev.to_json()
    assert obj["precision"] is None and obj["f1"] is None and obj["recall"] == 0.0
    json.dumps(obj, allow_nan=False)  # valid JSON: no NaN
    back = EventScores.from_json(obj)
    assert math.isnan(back.precision) and back.recall == 0.0 and back.n_clips == 2
    perfect = caption_event_scores(["a dog barks"], ["a.wav"], SCENES, language=grammar)
    assert (perfect.precision, perfect.recall, perfect.f1, perfect.absent_share) == (1, 1, 1, 0)


def test_a_clip_without_labels_is_an_error_not_a_guess():
    with pytest.raises(DataError, match="e.wav"):
        caption_event_scores(["a dog"], ["e.wav"], SCENES, language=grammar)
    with pytest.raises(ValueError):
        caption_event_scores(["a dog", "rain"], ["a.wav"], SCENES, language=grammar)


def test_no_labels_no_numbers(tmp_path):
    assert load_event_labels(tmp_path, "evaluation") is None
    assert event_entry(None, ["a dog"], ["a.wav"]) == {"events": None,
                                                       "events_unavailable": NO_EVENT_LABELS}


# -- every run's metrics.json ------------------------------------------------------------------


#: The tiny data's tones as classes of the grammar (its captions name none of them).
TONE_CLASSES = {"low hum": "engine", "steady tone": "alarm_beeps", "high beep": "phone_ringing",
                "shrill whistle": "siren"}


def write_events(root: Path, subset: str, labels: dict[str, tuple[str, ...]]) -> None:
    """``embedded_events_<subset>.csv`` with the given classes per clip."""
    lines = [",".join(EVENT_COLUMNS)]
    for name, classes in labels.items():
        n = len(classes)
        lines.append(f"{name},1.0,{';'.join(classes)},{';'.join(['0.0'] * n)},"
                     f"{';'.join(['1.0'] * n)},{';'.join(['0.0'] * n)},,")
    (root / CLOTHO_DIR / CLOTHO_CSV_DIR / events_csv(subset)).write_text("\n".join(lines) + "\n")


def tone_labels(root: Path, subset: str) -> dict[str, tuple[str, ...]]:
    """Each tiny clip's tone, read from its captions, as a class."""
    return {it.fname: tuple(TONE_CLASSES[t] for t in TONES if t in it.captions[0])
            for it in load_clotho(root, subset)}


def labelled_copy(tiny_data: Path, dst: Path) -> Path:
    """A copy of the tiny data with event labels (the tones as classes)."""
    shutil.copytree(tiny_data, dst)
    for subset in ("development", "validation", "evaluation"):
        write_events(dst, subset, tone_labels(dst, subset))
    return dst


@pytest.fixture(scope="module")
def labelled(tiny_data, tmp_path_factory):
    return labelled_copy(tiny_data, tmp_path_factory.mktemp("labelled") / "data")


@pytest.mark.slow
def test_evaluate_run_writes_event_scores(tiny_run, tiny_data, labelled, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    lines: list[str] = []
    evaluate_run(run, root=labelled, metrics=["cider_d"], log=lines.append)
    result = json.loads((run / "metrics.json").read_text())
    ev = result["events"]
    assert set(ev) == {"precision", "recall", "f1", "absent_share", "distinct_captions",
                       "n_clips"}
    frame = pd.read_csv(run / "captions.csv", keep_default_na=False)
    labels = load_event_labels(labelled, "evaluation")
    again = labels.score(frame["candidate"].tolist(), frame["file_name"].tolist())
    assert EventScores.from_json(ev).to_json() == again.to_json() == ev
    assert ev["n_clips"] == 4 and ev["distinct_captions"] == frame["candidate"].nunique()
    assert any(line.startswith("events: ") for line in lines)

    # An old metrics.json without event scores is upgraded from its captions, not decoded.
    del result["events"]
    (run / "metrics.json").write_text(json.dumps(result))
    lines.clear()
    evaluate_run(run, root=labelled, metrics=["cider_d"], log=lines.append)
    assert any("event scores added" in line for line in lines)
    assert not any(line.startswith("decode") for line in lines)
    assert json.loads((run / "metrics.json").read_text())["events"] == ev

    # The same run on data without labels: null with the reason, never a number.
    evaluate_run(run, root=tiny_data, metrics=["cider_d"], log=quiet)
    result = json.loads((run / "metrics.json").read_text())
    assert result["events"] is None and result["events_unavailable"] == NO_EVENT_LABELS


@pytest.mark.slow
def test_results_event_scores_match_metrics_json(tiny_run, labelled, tmp_path):
    from adl.results import EVENT_COLUMNS, event_scores

    run = tmp_path / "runs" / "baseline-seed0"
    shutil.copytree(tiny_run, run)
    evaluate_run(run, root=labelled, metrics=["cider_d"], log=quiet)
    ev = json.loads((run / "metrics.json").read_text())["events"]
    row = event_scores([run], root=labelled).iloc[0]
    assert list(row.index) == ["method", "seed", "run", *EVENT_COLUMNS, "hallucinating"]
    assert row["event_recall"] == pytest.approx(ev["recall"])
    assert row["absent_share"] == row["hallucinating"] == pytest.approx(ev["absent_share"])
    assert row["distinct_captions"] == ev["distinct_captions"]
