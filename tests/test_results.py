"""adl.results: Table 1 and Table 2 over seeds, and the sentences that state them."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from adl.intervals import table1_intervals, table2_intervals
from adl.results import (compare, conclusion, event_scores, gpu_estimate, paired_differences,
                         per_run_scores, summarise, table2_claims, table2_over_seeds,
                         table2_verdicts, verdict)
from conftest import write_table2_run


def _run(tmp, method, seed, cider, table2=None):
    run = tmp / "runs" / f"{method}-seed{seed}"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"format_version": 1, "status": "complete",
                                              "method": method, "seed": seed}))
    (run / "metrics.json").write_text(json.dumps({"scores": {"cider_d": cider, "meteor": 0.2},
                                                  "unavailable": {}}))
    if table2 is not None:
        conds = {c: {"scores": {"cider_d": v[0]}, "event_precision": v[1], "event_recall": v[2]}
                 for c, v in table2.items()}
        (run / "table2.json").write_text(json.dumps({"conditions": conds}))
    return run


def _t2(input_cider, diff_cider, recall, event_cider=0.5):
    return {"input": (input_cider, 0.9, 0.5), "input+event": (0.3, 0.8, 0.4),
            "mixture-event": (diff_cider, 0.9, 0.5), "mixture-input": (event_cider, None, recall)}


@pytest.fixture
def runs(tmp_path):
    out = []
    for seed, (b, a) in enumerate([(0.80, 0.90), (0.82, 0.93), (0.79, 0.91)]):
        out.append(_run(tmp_path, "baseline", seed, b, _t2(b, 0.5 * b, 0.30 + 0.01 * seed, 0.40 + 0.01 * seed)))
        out.append(_run(tmp_path, "adl", seed, a, _t2(a, 0.9 * a, 0.80 + 0.01 * seed, 1.60 + 0.02 * seed)))
    return out


def test_per_run_scores_read_every_run(runs):
    scores = per_run_scores(runs)
    assert len(scores) == 6 and set(scores["method"]) == {"baseline", "adl"}
    assert math.isnan(scores["spider"].iloc[0])  # not computed: NaN, never 0


def test_compare_reports_either_direction(runs):
    scores = per_run_scores(runs)
    up = compare(scores, "cider_d")
    assert up.relative_change == pytest.approx(0.9133 / 0.8033 - 1, rel=1e-3)
    assert up.clear and "higher" in up.sentence() and "beyond the seed-to-seed" in up.sentence()
    down = compare(scores, "cider_d", method="baseline", baseline="adl")
    assert down.relative_change < 0 and "lower" in down.sentence()
    same = compare(scores, "meteor")
    assert same.relative_change == 0 and not same.clear  # equal scores: no finding
    missing = compare(scores, "spider")
    assert math.isnan(missing.mean) and "not computed" in missing.sentence()


def test_paired_difference_is_taken_seed_by_seed(runs):
    scores = per_run_scores(runs)
    pairs = paired_differences(scores, "cider_d")
    assert list(pairs["seed"]) == [0, 1, 2]
    assert pairs["difference"].tolist() == pytest.approx([0.10, 0.11, 0.12])
    up = compare(scores, "cider_d")
    assert up.n_pairs == 3 and up.paired_mean == pytest.approx(0.11)
    assert up.paired_std == pytest.approx(0.01) and up.paired_p < 0.01
    assert "Paired by seed, the difference is +0.110 ± 0.010 over 3 seeds" in up.sentence()
    # A seed only one method has is left out of the pairs.
    partial = scores[~((scores["method"] == "adl") & (scores["seed"] == 2))]
    assert list(paired_differences(partial, "cider_d")["seed"]) == [0, 1]


def _clip_runs(tmp, shift, *, seeds=5, clips=120, seed_noise=0.01, clip_noise=0.15):
    """Run folders with per-clip CIDEr-D: ADL = baseline + ``shift`` + seed and clip noise."""
    rng = np.random.default_rng(1)
    base_clip = rng.uniform(0.1, 0.9, clips)  # how hard each clip is, shared by both methods
    runs = []
    for seed in range(seeds):
        for method, offset in (("baseline", 0.0), ("adl", shift)):
            score = (base_clip + offset + rng.normal(0, seed_noise)
                     + rng.normal(0, clip_noise, clips))
            run = _run(tmp, method, seed, float(score.mean()))
            pd.DataFrame({"file_name": [f"{k}.wav" for k in range(clips)],
                          "candidate": ["a dog barks"] * clips, "cider_d": score,
                          }).to_csv(run / "captions.csv", index=False)
            runs.append(run)
    return runs


@pytest.mark.parametrize("shift, outcome, head", [
    (0.10, "higher", "- **On this corpus, ADL scores higher than the baseline on CIDEr-D**"),
    (-0.10, "lower", "- **On this corpus, ADL scores lower than the baseline on CIDEr-D**"),
    (0.0, "cannot tell", "- **On this corpus, the runs cannot tell ADL from the baseline"),
])
def test_conclusion_follows_the_interval_of_run_folders(tmp_path, shift, outcome, head):
    """A clear gain, a clear loss and noise, from run folders through the bootstrap."""
    intervals = table1_intervals(_clip_runs(tmp_path, shift), metrics=("cider_d",),
                                 n_resamples=1000)
    v = verdict(intervals)
    assert v.outcome == outcome and v.n_seeds == 5 and v.n_clips == 120
    assert v.finding == (outcome != "cannot tell")
    lines = conclusion(intervals)
    assert lines[0].startswith(head)
    assert "95 % interval" in lines[0] and "5 seeds, 120 clips" in lines[0]
    assert "not run in this build" in lines[-1]
    if outcome == "cannot tell":
        assert f"±{v.detectable:.3f}" in lines[0]


def test_one_seed_is_a_direction_never_a_finding(tmp_path):
    intervals = table1_intervals(_clip_runs(tmp_path, 0.2, seeds=1), metrics=("cider_d",),
                                 n_resamples=1000)
    v = verdict(intervals)
    assert v.outcome == "one seed" and not v.finding and v.ci_low > 0
    assert "cannot say whether ADL helps" in conclusion(intervals)[0]
    assert verdict(intervals, "meteor").outcome == "missing"
    assert "no conclusion" in conclusion(intervals, metric="meteor")[0]


def test_conclusion_adds_the_ablations(tmp_path):
    intervals = table1_intervals(_clip_runs(tmp_path, 0.1), metrics=("cider_d",),
                                 n_resamples=500)
    ablations = pd.DataFrame([
        {"study": "adl_mode", "variant": v, "method": "adl", "seed": s, "main": v == "added",
         "cider_d": c}
        for s in (0, 1) for v, c in (("added", 0.5 + 0.01 * s), ("replacing", 0.4))])
    lines = conclusion(intervals, None, ablations)
    assert any("**adl_mode, adl**: replacing against added" in line for line in lines)
    assert not any("ADL − Baseline, epochs" in line for line in lines)  # no study trained both
    lengths = pd.DataFrame([
        {"study": "epochs", "variant": v, "method": m, "seed": 0, "main": v == "10 epochs",
         "cider_d": c}
        for v, m, c in (("10 epochs", "adl", 0.28), ("10 epochs", "baseline", 0.33),
                        ("40 epochs", "adl", 0.44), ("40 epochs", "baseline", 0.43))])
    lines = conclusion(intervals, None, pd.concat([ablations, lengths]))
    assert lines[-1].startswith("- **ADL − Baseline, epochs** (cider_d, paired by seed, one seed): "
                                "10 epochs: -0.050 (0.280 against 0.330); 40 epochs: +0.010")


def test_one_seed_gives_no_test(tmp_path):
    runs = [_run(tmp_path, "baseline", 0, 0.5), _run(tmp_path, "adl", 0, 0.6)]
    c = compare(per_run_scores(runs), "cider_d")
    assert math.isnan(c.p_value) and not c.clear and "no test possible" in c.sentence()


def test_table2_over_seeds_and_summarise(runs):
    frame = table2_over_seeds(runs)
    assert len(frame) == 6 * 4
    table = summarise(frame)
    assert list(table.index.get_level_values("method").unique()) == ["Baseline", "ADL"]
    assert table.loc[("ADL", "mixture-input"), "event_recall"].startswith("0.81")


def _claim_runs(tmp, *, kept=(0.7, 0.7), named=(0.5, 0.5), cider=(0.3, 0.3), classes=(2, 2),
                seeds=3, n=120):
    """ADL and baseline runs whose per-clip Table 2 values have the given means: kept share of
    the input's CIDEr-D, share of mixture − input captions naming the event, its CIDEr-D and
    classes named; clip effects shared by both methods, noise of their own."""
    rng = np.random.default_rng(7)
    clip = rng.uniform(0.2, 1.0, n)
    runs = []
    for seed in range(seeds):
        for method, k, p, c, m in zip(("adl", "baseline"), kept, named, cider, classes):
            runs.append(write_table2_run(
                tmp, method, seed, input_cider=clip * rng.uniform(0.8, 1.2, n),
                kept_cider=k * clip * rng.uniform(0.7, 1.3, n), event_named=rng.random(n) < p,
                classes_named=np.full(n, m), event_cider=c * rng.uniform(0.5, 1.5, n)))
    return runs


@pytest.mark.parametrize("case,kept,named,verdict", [
    ("gain", (0.9, 0.5), (0.8, 0.2), "supports"),
    ("loss", (0.5, 0.9), (0.2, 0.8), "contradicts"),
    ("noise", (0.7, 0.7), (0.5, 0.5), "cannot tell"),
])
def test_table2_claims_follow_the_intervals(tmp_path, case, kept, named, verdict):
    intervals = table2_intervals(_claim_runs(tmp_path, kept=kept, named=named), n_resamples=500)
    verdicts = table2_verdicts(intervals)
    assert verdicts["verdict"].tolist() == [verdict, verdict], intervals
    assert verdicts["metric"].tolist() == ["kept_share", "event_recall"]
    lines = table2_claims(intervals)
    assert len(lines) == 2 and lines[0].startswith("Claim 1") and lines[1].startswith("Claim 2")
    expected = {"supports": "this supports the claim", "contradicts": "contradicts the claim",
                "cannot tell": "cannot tell"}[verdict]
    assert all(expected in line for line in lines)
    assert all("over 3 seeds and 120 clips" in line for line in lines)
    if verdict == "cannot tell":
        assert all("this design finds a true difference of about ±" in line for line in lines)


def test_claim_two_needs_the_event_named_not_only_a_cider_lead(tmp_path):
    lead = table2_intervals(_claim_runs(tmp_path / "lead", cider=(1.5, 0.3), classes=(1, 3)),
                            n_resamples=500)
    row = lead[(lead["metric"] == "cider_d") & (lead["condition"] == "mixture-input")].iloc[0]
    assert row["ci_low"] > 0  # a clear CIDEr-D lead ...
    assert table2_verdicts(lead)["verdict"].iloc[1] == "cannot tell"  # ... is not enough
    claim2 = table2_claims(lead)[1]
    assert "CIDEr-D lead is not enough on its own" in claim2 and "fewer classes" in claim2
    more = table2_intervals(_claim_runs(tmp_path / "more", named=(0.8, 0.2), classes=(4, 1)),
                            n_resamples=500)
    assert table2_verdicts(more)["verdict"].iloc[1] == "supports"
    assert "also names more classes per caption" in table2_claims(more)[1]


def test_one_seed_a_side_says_the_interval_covers_clips_only(tmp_path):
    intervals = table2_intervals(_claim_runs(tmp_path, kept=(0.9, 0.5), named=(0.8, 0.2),
                                             seeds=1), n_resamples=500)
    assert set(intervals["n_seeds"]) == {1}
    assert table2_verdicts(intervals)["verdict"].tolist() == ["supports", "supports"]
    assert all("With one seed a side the interval covers the choice of the 120 clips only, "
               "not training noise" in line for line in table2_claims(intervals))


def test_claim_one_needs_models_above_the_floor(tmp_path):
    intervals = table2_intervals(_claim_runs(tmp_path, kept=(0.9, 0.5)), n_resamples=200)
    lines = table2_claims(intervals, floor_cider=0.95)
    assert lines[0].startswith("Claim 1 cannot be checked") and "0.950" in lines[0]
    assert table2_verdicts(intervals, floor_cider=0.95)["verdict"].iloc[0] == "cannot check"
    assert lines[1].startswith("Claim 2, mixture − input")  # claim 2 needs no floor


def test_table2_claims_without_table2_or_its_per_clip_scores(tmp_path):
    runs = [_run(tmp_path, "baseline", 0, 0.5),
            _run(tmp_path, "adl", 0, 0.6, _t2(0.9, 0.8, 0.8))]  # table2.json only
    intervals = table2_intervals(runs)
    assert intervals.empty
    assert "chapter 5" in table2_claims(intervals)[0]
    with pytest.raises(ValueError, match="table2_intervals"):
        table2_claims(table2_over_seeds(runs))  # the frame of the means is not enough
    # An older file without per-clip CIDEr-D: claim 1 says which file lacks what, claim 2
    # still rests on the named events.
    old = _claim_runs(tmp_path / "old", kept=(0.9, 0.5), named=(0.8, 0.2), seeds=1)
    for run in old:
        frame = pd.read_csv(run / "table2_captions.csv", keep_default_na=False)
        frame.drop(columns="cider_d").to_csv(run / "table2_captions.csv", index=False)
    lines = table2_claims(table2_intervals(old, n_resamples=200))
    assert lines[0].startswith("Claim 1 cannot be checked") and "no per-clip cider_d" in lines[0]
    assert "adl-seed0/table2_captions.csv" in lines[0]
    assert "this supports the claim" in lines[1] and "no per-clip cider_d" in lines[1]


def test_claim_two_on_real_data_has_recall_but_no_cider(tmp_path):
    n = 40
    runs = [write_table2_run(tmp_path, m, 0, input_cider=np.full(n, 0.5),
                             kept_cider=np.full(n, 0.4), event_named=np.arange(n) % k == 0)
            for m, k in (("adl", 2), ("baseline", 4))]
    intervals = table2_intervals(runs, n_resamples=200)
    assert "no captions of a lone event" in intervals["note"].iloc[-1]
    line = table2_claims(intervals)[1]
    assert "names the added event in 50.0% of its captions, Baseline in 25.0%" in line
    assert "has no CIDEr-D: no captions of a lone event" in line


def test_gpu_estimate_reads_only_gpu_runs(tmp_path):
    assert gpu_estimate(tmp_path, 3839, 40, 32).empty
    (tmp_path / "gpu-a.json").write_text(json.dumps({"device_type": "cuda", "device": "H100",
                                                     "steps_per_s": 4.0, "encoder": "frozen"}))
    (tmp_path / "gpu-cpu.json").write_text(json.dumps({"device_type": "cpu", "steps_per_s": 0.1}))
    est = gpu_estimate(tmp_path, 3839, 40, 32)
    assert list(est["card"]) == ["H100"]
    assert est["hours per run"].iloc[0] == pytest.approx(40 * 120 / 4.0 / 3600)
    assert isinstance(est, pd.DataFrame)


def test_event_scores_count_sounds_that_are_not_there(tmp_path):
    """Event precision of Table 1 captions against the corpus's labels (synthesised corpus:
    the grammar's lexicon names "dog" for dog_bark and "rain" for rain)."""
    from adl.config import load_preset, save_config
    from adl.data.corpus_files import EVENT_COLUMNS
    from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
    from adl.captions.grammar import events_in_caption

    cfg = load_preset("smoke")
    root = tmp_path / "data"
    csv_dir = root / "embedded-smoke" / CLOTHO_DIR / CLOTHO_CSV_DIR
    csv_dir.mkdir(parents=True)
    rows = [("a.wav", "dog_bark"), ("b.wav", "rain"), ("c.wav", "dog_bark;rain")]
    lines = [",".join(EVENT_COLUMNS)]
    for name, labels in rows:
        n = len(labels.split(";"))
        lines.append(f"{name},5.0,{labels},{';'.join(['0.0'] * n)},{';'.join(['1.0'] * n)},"
                     f"{';'.join(['0.0'] * n)},,")
    (csv_dir / events_csv("evaluation")).write_text("\n".join(lines) + "\n")
    run = _run(tmp_path, "adl", 0, 0.5)
    save_config(cfg, run / "config.yaml")
    captions = ["a dog barks", "a dog barks in the rain", "rain falls"]
    assert [events_in_caption(c) for c in captions][1] == {"dog_bark", "rain"}
    pd.DataFrame({"file_name": [r[0] for r in rows], "candidate": captions}).to_csv(
        run / "captions.csv", index=False)
    scores = event_scores([run], root=root)
    row = scores.iloc[0]
    # Named: {dog}, {dog, rain}, {rain}; true: {dog}, {rain}, {dog, rain} -> 3 of 4 named real.
    assert row["event_precision"] == pytest.approx(3 / 4)
    assert row["event_recall"] == pytest.approx(3 / 4)
    assert row["hallucinating"] == pytest.approx(1 / 3)
    # Real data has no labels: nothing to score, an empty table rather than a guess.
    assert event_scores([run], root=tmp_path / "elsewhere").empty


def test_conclusion_weighs_extra_steps_only_for_unconverged_runs(tmp_path):
    intervals = table1_intervals(_clip_runs(tmp_path, 0.1), metrics=("cider_d",),
                                 n_resamples=500)
    steps = {"adl": 470.0, "baseline": 320.0}
    lines = conclusion(intervals, steps=steps, converged={"adl": False, "baseline": False})
    assert any("1.47 times the baseline's optimizer steps" in line for line in lines)
    lines = conclusion(intervals, steps=steps, converged={"adl": True, "baseline": True})
    assert any("neither was judged while still improving" in line for line in lines)
    assert not any("optimizer steps" in line
                   for line in conclusion(intervals, steps={"adl": 320.0, "baseline": 320.0},
                                          converged={"adl": False, "baseline": False}))


def test_computed_columns_leave_out_what_no_row_has():
    from adl.table1 import computed_columns

    table = pd.DataFrame({"spider": ["unavailable", "unavailable", ""],
                          "cider_d": ["0.253", "unavailable", ""], "seeds": [1, 1, ""]})
    assert computed_columns(table) == ["cider_d", "seeds"]
