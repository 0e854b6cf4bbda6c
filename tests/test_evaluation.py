"""Evaluation: Table 1 from runs (evaluate_run, table1) and the scored Table 2
(difference_conditions), on tiny runs trained in the tests."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import shutil

import pandas as pd
import pytest
import torch

from adl.config import from_dict, load_preset
from adl.data import events_in_caption, load_clotho, load_scene_events, prepare_corpus
from adl.errors import ADLError, DataError
from adl.evaluation import (CONDITIONS, event_precision_recall, evaluate_run, examples,
                            names_category, relative_change, table1)
from adl.io import write_json
from adl.metrics import METRICS, evaluate
from adl.runs import RunError, write_run_info
from adl.train import train
from conftest import make_tiny_data
from test_train import tiny_config

quiet = lambda _msg: None  # noqa: E731


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- event precision and recall ------------------------------------------------------------------


def test_event_precision_recall_by_hand():
    named = [{"dog_bark", "rain"}, {"siren"}, set()]
    true = [{"dog_bark"}, {"siren", "wind"}, {"thunder"}]
    # hits: 1 + 1 + 0 = 2; named: 2 + 1 + 0 = 3; true: 1 + 2 + 1 = 4
    assert event_precision_recall(named, true) == pytest.approx((2 / 3, 2 / 4))
    p, r = event_precision_recall([set(), set()], [{"rain"}, {"wind"}])
    assert math.isnan(p) and r == 0.0  # nothing named: precision undefined, not 0
    assert event_precision_recall([{"rain"}], [{"rain"}]) == (1.0, 1.0)
    with pytest.raises(ValueError):
        event_precision_recall([set()], [])


def test_names_category():
    assert names_category("A dog barks in the distance", "dog_bark")  # the lexicon
    assert not names_category("Rain falls on a roof", "dog_bark")
    assert names_category("a fire is crackling", "crackling_fire")  # the name's words
    assert names_category("two roosters crow", "rooster")
    assert not names_category("a man walks", "rooster")


# -- Table 1 from hand-written runs --------------------------------------------------------------


def _fake_run(path, method, seed, scores, unavailable=None, split="evaluation"):
    write_run_info(path, {"status": "complete", "method": method, "seed": seed})
    write_json(path / "metrics.json", {"split": split, "n_clips": 10, "scores": scores,
                                       "unavailable": unavailable or {}})
    return path


def test_table1_mean_std_seeds_and_unavailable(tmp_path):
    why = "SPICE needs the CoreNLP jars"
    runs = [
        _fake_run(tmp_path / "b0", "baseline", 0, {"cider_d": 0.40, "meteor": 0.18},
                  {"spider": why}),
        _fake_run(tmp_path / "b1", "baseline", 1, {"cider_d": 0.50, "meteor": 0.20},
                  {"spider": why}),
        _fake_run(tmp_path / "a0", "adl", 0, {"cider_d": 0.60, "meteor": 0.21}, {"spider": why}),
    ]
    table, numbers = table1(runs, metrics=("spider", "cider_d", "meteor"))
    assert list(table.index) == ["Baseline", "ADL"]
    assert list(table.columns) == ["spider", "cider_d", "meteor", "seeds"]
    # sample std of (0.40, 0.50): sqrt(2 * 0.05**2 / 1) = 0.0707...
    assert table.loc["Baseline", "cider_d"] == "0.450 ± 0.071"
    assert table.loc["Baseline", "meteor"] == "0.190 ± 0.014"
    assert table.loc["ADL", "cider_d"] == "0.600 ± n/a"  # one seed: no std
    assert table.loc["Baseline", "spider"] == "unavailable" == table.loc["ADL", "spider"]
    assert list(table["seeds"]) == [2, 1]
    assert table.attrs["unavailable"]["ADL"]["spider"] == why
    assert numbers.loc["Baseline", ("cider_d", "mean")] == pytest.approx(0.45)
    assert numbers.loc["Baseline", ("cider_d", "std")] == pytest.approx(0.05 * math.sqrt(2))
    assert math.isnan(numbers.loc["ADL", ("cider_d", "std")])
    assert math.isnan(numbers.loc["ADL", ("spider", "mean")])  # NaN, never 0
    assert list(numbers["seeds"]) == [2, 1]
    assert relative_change(numbers, "adl", "baseline", "cider_d") == pytest.approx(0.15 / 0.45)
    with pytest.raises(ADLError, match="CoreNLP"):
        relative_change(numbers, "adl", "baseline", "spider")


def test_table1_method_names_and_errors(tmp_path):
    runs = [_fake_run(tmp_path / m, m, 0, {"cider_d": 0.4}) for m in ("adl", "mixgen", "baseline")]
    table, _ = table1(runs, metrics=("cider_d", "meteor"))
    assert list(table.index) == ["Baseline", "AL-MixGen", "ADL"]  # the paper's order
    assert (table["meteor"] == "unavailable").all()  # never evaluated: not made up
    assert "--metrics meteor" in table.attrs["unavailable"]["ADL"]["meteor"]
    with pytest.raises(RunError, match="both adl seed 0"):
        table1(runs + [_fake_run(tmp_path / "again", "adl", 0, {"cider_d": 0.3})])
    (tmp_path / "new").mkdir()
    write_run_info(tmp_path / "new", {"status": "complete", "method": "adl", "seed": 5})
    with pytest.raises(RunError, match="adl evaluate"):
        table1([tmp_path / "new"])


# -- evaluate_run on a tiny trained run ----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tiny_data, tmp_path_factory):
    """A baseline run that overfits the tiny data enough to caption (seconds)."""
    torch.set_num_threads(1)
    cfg = tiny_config(tiny_data, epochs=40, batch_size=12, lr=5e-3)
    cfg = cfg.replace(decoder=dataclasses.replace(cfg.decoder, d_model=64, ffn_dim=128))
    out = tmp_path_factory.mktemp("eval") / "run"
    train(cfg, method="baseline", seed=0, out=out, log=quiet)
    return out


@pytest.mark.slow
def test_evaluate_run_writes_metrics_and_captions(tiny_run, tiny_data):
    lines: list[str] = []
    scores = evaluate_run(tiny_run, log=lines.append)
    assert any(line.startswith("decode:") for line in lines)
    assert any(line.startswith("metrics:") for line in lines)

    result = json.loads((tiny_run / "metrics.json").read_text())
    assert result["split"] == "evaluation" and result["n_clips"] == 4
    assert result["metrics"] == list(METRICS)
    assert result["decode_seconds"] >= 0 and result["metric_seconds"] > 0
    computed = {"bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d"}
    assert set(result["scores"]) == computed == set(scores)
    # No CoreNLP jars and no echecker here: unavailable with a reason, never 0.
    for name in ("spice", "spider", "spider_fl"):
        assert "install" in result["unavailable"][name] and name not in result["scores"]
        assert scores.unavailable[name] == result["unavailable"][name]

    rows = _read_csv(tiny_run / "captions.csv")
    assert list(rows[0]) == ["file_name", "candidate", *(f"reference_{k}" for k in range(1, 6)),
                             "bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l",
                             "cider_d"]
    items = load_clotho(tiny_data, "evaluation")
    assert [r["file_name"] for r in rows] == [it.fname for it in items]
    assert [tuple(r[f"reference_{k}"] for k in range(1, 6)) for r in rows] == [
        it.captions for it in items]
    assert any(r["candidate"] for r in rows)  # the tiny run does caption
    # The per-clip scores are evaluate()'s sents_scores on the same captions.
    cands = [r["candidate"] for r in rows]
    refs = [[r[f"reference_{k}"] for k in range(1, 6)] for r in rows]
    corpus, sents = evaluate(cands, refs, sorted(computed))
    for name in computed:
        assert [float(r[name]) for r in rows] == pytest.approx(sents[name], abs=1e-12)
        assert scores[name] == pytest.approx(corpus[name], abs=1e-12)
    assert scores["cider_d"] > 0


@pytest.mark.slow
def test_evaluate_run_reuses_up_to_date_results(tiny_run):
    evaluate_run(tiny_run, metrics=["cider_d", "bleu_1"], log=quiet)
    before = (tiny_run / "metrics.json").stat().st_mtime_ns
    lines: list[str] = []
    again = evaluate_run(tiny_run, metrics=["cider_d", "bleu_1"], log=lines.append)
    assert "reused" in lines[0] and not any(line.startswith("decode") for line in lines)
    assert (tiny_run / "metrics.json").stat().st_mtime_ns == before
    assert set(again) == {"cider_d", "bleu_1"}
    forced = evaluate_run(tiny_run, metrics=["cider_d", "bleu_1"], force=True, log=quiet)
    assert forced == again and (tiny_run / "metrics.json").stat().st_mtime_ns > before
    evaluate_run(tiny_run, metrics=["cider_d"], log=quiet)  # other metrics: recomputed
    assert json.loads((tiny_run / "metrics.json").read_text())["metrics"] == ["cider_d"]
    evaluate_run(tiny_run, split="validation", metrics=["cider_d"], log=quiet)
    assert json.loads((tiny_run / "metrics_validation.json").read_text())["split"] == "validation"
    assert (tiny_run / "captions_validation.csv").is_file()
    assert json.loads((tiny_run / "metrics.json").read_text())["split"] == "evaluation"


@pytest.mark.slow
def test_evaluate_run_without_audio_is_a_data_error(tiny_run, tmp_path):
    root = make_tiny_data(tmp_path / "data", n_dev=2, n_val=1, n_eval=2)
    shutil.rmtree(root / "CLOTHO_v2.1" / "clotho_audio_files" / "evaluation")
    os.makedirs(root / "CLOTHO_v2.1" / "clotho_audio_files" / "evaluation")
    with pytest.raises(DataError, match="evaluation"):
        evaluate_run(tiny_run, root=root, metrics=["cider_d"], log=quiet)
    with pytest.raises(DataError, match="does not exist"):
        evaluate_run(tiny_run, root=tmp_path / "nowhere", metrics=["cider_d"], log=quiet)


@pytest.mark.slow
def test_difference_conditions_on_real_layout_without_metadata(tiny_run):
    from adl.evaluation import difference_conditions

    tidy, summary = difference_conditions(tiny_run, metrics=("cider_d",), log=quiet)
    assert list(summary.index) == list(CONDITIONS)
    value = tidy.set_index(["condition", "metric"])
    # (2): no references for a mixture without event metadata, and no event labels.
    assert math.isnan(value.loc[("input+event", "cider_d"), "value"])
    assert "no reference captions describe a mixture" in value.loc[
        ("input+event", "cider_d"), "unavailable"]
    assert summary.attrs["unavailable"]["input+event"]["event_recall"]
    # (1), (3): against the Clotho captions; (4): the category's recall only.
    assert not math.isnan(summary.loc["input", "cider_d"])
    assert not math.isnan(summary.loc["mixture-event", "cider_d"])
    assert 0.0 <= summary.loc["mixture-input", "event_recall"] <= 1.0
    assert math.isnan(summary.loc["mixture-input", "event_precision"])
    assert "recall" in value.loc[("mixture-input", "event_precision"), "unavailable"]
    report = json.loads((tiny_run / "table2.json").read_text())
    assert report["has_metadata"] is False
    assert report["conditions"]["input+event"]["scores"] == {}
    rows = _read_csv(tiny_run / "table2_captions.csv")
    assert len(rows) == 4 * 4
    assert {r["event_label"] for r in rows} <= {"noise", "crackle"}
    assert all(r["event_file"].startswith("5-") for r in rows)  # fold 5, held aside
    ex = examples(tiny_run, k=2)
    assert len(ex) == 2 and (ex["scene events"] == "unknown").all()
    # Asked again with the same settings, table2.json is read back, not decoded again; another
    # seed (other events) recomputes it.
    lines: list[str] = []
    tidy2, summary2 = difference_conditions(tiny_run, metrics=("cider_d",), log=lines.append)
    assert any("reused" in line for line in lines)
    pd.testing.assert_frame_equal(summary2, summary)
    assert summary2.attrs["unavailable"] == summary.attrs["unavailable"]
    lines.clear()
    difference_conditions(tiny_run, metrics=("cider_d",), seed=1, log=lines.append)
    assert not any("reused" in line for line in lines)


# -- difference_conditions on a tiny embedded corpus ---------------------------------------------


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """A tiny embedded corpus (with its event metadata) and a tiny ADL run on it."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("embedded")
    corpus = dataclasses.replace(load_preset("smoke").corpus, n_development=8, n_validation=4,
                                 n_evaluation=4, events_per_class=5)
    prepare_corpus(root / "embedded-tiny", corpus, workers=1)  # dataset_root of name "tiny"
    raw = tiny_config(root).to_dict()
    raw["data"]["source"] = "embedded"
    cfg = from_dict(raw)
    out = root / "run"
    train(cfg, method="adl", seed=0, out=out, log=quiet)
    return out, root / "embedded-tiny"


@pytest.mark.slow
def test_difference_conditions_scored_against_the_right_references(embedded_run):
    from adl.evaluation import difference_conditions

    run, base = embedded_run
    tidy, summary = difference_conditions(run, metrics=("cider_d", "spider"), log=quiet)
    assert set(tidy["condition"]) == set(CONDITIONS) and list(summary.index) == list(CONDITIONS)
    assert "spider" not in summary.columns  # no SPICE here: left out of the summary ...
    spider = tidy[tidy["metric"] == "spider"]
    assert spider["value"].isna().all() and (spider["unavailable"] != "").all()  # ... with why
    assert not summary["cider_d"].isna().any()  # every condition has references here

    meta = load_scene_events(base, "evaluation")
    clips = {it.fname: it for it in load_clotho(base, "evaluation")}
    rows = _read_csv(run / "table2_captions.csv")
    assert len(rows) == 4 * len(clips)
    for r in rows:
        scene = set(meta[r["file_name"]].labels)
        label = r["event_label"]
        refs = [r[f"reference_{k}"] for k in range(1, 6)]
        assert label not in scene  # the added event is a new class
        assert r["event_file"].startswith("5-")  # from the held-aside fold
        assert 0 <= float(r["offset_s"]) < meta[r["file_name"]].duration_s
        assert set(r["named_events"].split(";")) - {""} == events_in_caption(r["caption"])
        if r["condition"] in ("input", "mixture-event"):
            assert tuple(refs) == clips[r["file_name"]].captions
            assert set(r["true_events"].split(";")) == scene
        elif r["condition"] == "input+event":
            assert all(events_in_caption(ref) == scene | {label} for ref in refs)
            assert set(r["true_events"].split(";")) == scene | {label}
        else:  # mixture - input: the event alone
            assert all(events_in_caption(ref) == {label} for ref in refs)
            assert r["true_events"] == label
    # Precision and recall are the micro averages of the captions' named and true events.
    for cond in CONDITIONS:
        mine = [r for r in rows if r["condition"] == cond]
        p, rec = event_precision_recall(
            [set(r["named_events"].split(";")) - {""} for r in mine],
            [set(r["true_events"].split(";")) for r in mine])
        for value, expected in ((summary.loc[cond, "event_precision"], p),
                                (summary.loc[cond, "event_recall"], rec)):
            assert (math.isnan(value) and math.isnan(expected)) or value == pytest.approx(expected)
            assert math.isnan(value) or 0.0 <= value <= 1.0
    report = json.loads((run / "table2.json").read_text())
    assert report["has_metadata"] is True and set(report["conditions"]) == set(CONDITIONS)
    assert report["conditions"]["mixture-input"]["references"].startswith("5 grammar captions")

    ex = examples(run, k=3)
    assert len(ex) == 3
    assert list(ex.columns) == ["scene events", "added event", "(1) input",
                                "(2) input + event", "(3) mixture - event",
                                "(4) mixture - input"]

    # The same seed picks the same events and offsets.
    difference_conditions(run, metrics=("cider_d",), log=quiet)
    again = _read_csv(run / "table2_captions.csv")
    assert [(r["event_file"], r["offset_s"], r["caption"]) for r in again] == [
        (r["event_file"], r["offset_s"], r["caption"]) for r in rows]


def test_table1_warns_when_runs_are_not_comparable(tmp_path):
    a = _fake_run(tmp_path / "a", "adl", 0, {"cider_d": 0.4})
    b = _fake_run(tmp_path / "b", "baseline", 0, {"cider_d": 0.4})
    write_json(b / "metrics.json", {"split": "evaluation", "n_clips": 99,
                                    "scores": {"cider_d": 0.4}, "unavailable": {}})
    with pytest.warns(UserWarning, match="n_clips"):
        table1([a, b], metrics=("cider_d",))
