"""Table 1 (adl.table1): evaluate_run on a tiny trained run, table1 from hand-written runs,
the relative change and the one mean ± std formatter."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest

from adl.data import load_clotho
from adl.errors import ADLError, DataError
from adl.io import write_json
from adl.metrics import METRICS, UnknownMetricError, evaluate
from adl.runs import RunError, write_run_info
from adl.table1 import PAPER_TABLE1, evaluate_run, format_mean_std, relative_change, table1
from conftest import make_tiny_data, read_csv_dicts

quiet = lambda _msg: None  # noqa: E731


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread


# -- mean ± std -----------------------------------------------------------------------------------


def test_format_mean_std_has_one_rule_for_one_seed():
    assert format_mean_std(0.45, 0.0707, 2) == "0.450 ± 0.071"
    assert format_mean_std(0.6, math.nan, 1) == "0.600"  # one seed: no "± nan"
    assert format_mean_std(0.6, 0.0, 1) == "0.600"  # ... and no "± 0.000"
    assert format_mean_std(0.61234, 0.01, 3, digits=2) == "0.61 ± 0.01"
    assert format_mean_std(math.nan, math.nan, 0) == "unavailable"
    assert format_mean_std(math.nan, math.nan, 0, missing="not scored") == "not scored"


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
    assert table.loc["ADL", "cider_d"] == "0.600"  # one seed: no spread shown
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


def test_relative_change_of_the_paper_and_of_means():
    # The paper's own numbers: CIDEr-D 0.420 -> 0.454 is +8.1 %.
    assert relative_change(PAPER_TABLE1, "adl", "baseline", "cider_d") == pytest.approx(
        0.454 / 0.420 - 1)
    assert relative_change({"adl": {"m": 0.3}, "baseline": {"m": 0.2}}, "adl", "baseline",
                           "m") == pytest.approx(0.5)
    without_mixgen = {k: v for k, v in PAPER_TABLE1.items() if k != "AL-MixGen"}
    with pytest.raises(ADLError, match="no AL-MixGen"):
        relative_change(without_mixgen, "mixgen", "baseline", "cider_d")
    with pytest.raises(ADLError, match="is 0"):
        relative_change({"adl": {"m": 0.3}, "baseline": {"m": 0.0}}, "adl", "baseline", "m")


def test_unknown_metric_fails_before_anything_runs(tmp_path):
    with pytest.raises(UnknownMetricError):
        evaluate_run(tmp_path / "no-run", metrics=["cider"], log=quiet)


def test_table1_warns_when_runs_are_not_comparable(tmp_path):
    a = _fake_run(tmp_path / "a", "adl", 0, {"cider_d": 0.4})
    b = _fake_run(tmp_path / "b", "baseline", 0, {"cider_d": 0.4})
    write_json(b / "metrics.json", {"split": "evaluation", "n_clips": 99,
                                    "scores": {"cider_d": 0.4}, "unavailable": {}})
    with pytest.warns(UserWarning, match="n_clips"):
        table1([a, b], metrics=("cider_d",))


# -- evaluate_run on a tiny trained run ----------------------------------------------------------


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

    rows = read_csv_dicts(tiny_run / "captions.csv")
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
