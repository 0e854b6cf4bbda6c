"""adl.intervals: the paired bootstrap over seeds and clips, table1.json and its sentences."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from adl.config import load_preset, save_config
from adl.captions.grammar import events_in_caption
from adl.data.corpus_files import EVENT_COLUMNS
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.events import event_precision_recall
from adl.intervals import (TABLE2_ROWS, Interval, detectable_effect, interval_sentence,
                           paired_bootstrap, seeds_needed, table1_intervals, table2_clips,
                           table2_intervals, table2_per_seed, write_table1_json)
from adl.runs import RunError, write_run_info
from conftest import write_table2_run


def test_a_clear_shift_is_found_and_its_interval_holds_it():
    rng = np.random.default_rng(1)
    b = rng.normal(0.3, 0.2, size=(5, 200))
    a = b + 0.1 + rng.normal(0, 0.05, size=b.shape)
    ci = paired_bootstrap(a, b)
    assert ci.mean == pytest.approx(float((a - b).mean()))
    assert ci.low < 0.1 < ci.high and ci.excludes_zero
    assert (ci.n_seeds, ci.n_clips) == (5, 200)
    assert paired_bootstrap(a, b) == ci  # reproducible
    assert paired_bootstrap(a, b, seed=2) != ci


def test_no_difference_gives_an_interval_around_zero_that_covers_it_about_95_percent():
    """Calibration: over 200 simulated evaluations with no true difference (clip effects shared
    by both methods, seed and clip noise of their own), the interval holds zero about 95 % of
    the time; a bootstrap that ignored the pairing or the seeds would be far off."""
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(200):
        clip = rng.normal(0.3, 0.2, size=(1, 100))  # some clips are easy for every model
        a = clip + rng.normal(0, 0.02, size=(4, 1)) + rng.normal(0, 0.1, size=(4, 100))
        b = clip + rng.normal(0, 0.02, size=(4, 1)) + rng.normal(0, 0.1, size=(4, 100))
        ci = paired_bootstrap(a, b, n_resamples=500, seed=int(rng.integers(1 << 30)))
        covered += ci.low <= 0 <= ci.high
    assert 0.85 <= covered / 200 <= 0.99, covered


def test_the_f1_statistic_is_the_micro_f1_of_adl_events():
    rng = np.random.default_rng(3)
    named = [set(rng.choice(6, size=rng.integers(0, 3), replace=False)) for _ in range(50)]
    true = [set(rng.choice(6, size=rng.integers(1, 4), replace=False)) for _ in range(50)]
    counts = np.array([[len(n & t), len(n), len(t)] for n, t in zip(named, true)], float)
    p, r = event_precision_recall(named, true)
    f1 = 2 * p * r / (p + r)
    zero = np.zeros_like(counts)
    zero[:, 2] = 1  # a model that names nothing: F1 0
    ci = paired_bootstrap(counts[None], zero[None], statistic="f1", n_resamples=200)
    assert ci.mean == pytest.approx(f1)


def test_the_ratio_statistic_is_a_ratio_of_sums_resampled_over_seeds_and_clips():
    """The observed ratio is sum(numerator) / sum(denominator) over all seeds and clips, and
    the bootstrap spread matches a direct bootstrap that draws seed and clip indices."""
    rng = np.random.default_rng(4)
    den = rng.uniform(0.1, 1.0, size=(3, 80))
    a = np.stack([0.9 * den * rng.uniform(0.5, 1.5, den.shape), den], -1)
    b = np.stack([0.6 * den * rng.uniform(0.5, 1.5, den.shape), den], -1)
    ci = paired_bootstrap(a, b, statistic="ratio", n_resamples=2000)
    direct = a[..., 0].sum() / a[..., 1].sum() - b[..., 0].sum() / b[..., 1].sum()
    assert ci.mean == pytest.approx(direct)
    assert ci.mean != pytest.approx(float((a[..., 0] / a[..., 1]).mean()
                                          - (b[..., 0] / b[..., 1]).mean()), abs=1e-3)
    diffs = []
    for _ in range(2000):
        s = rng.integers(0, 3, 3)[:, None]
        n = rng.integers(0, 80, 80)[None, :]
        ra, rb = a[s, n], b[s, n]
        diffs.append(ra[..., 0].sum() / ra[..., 1].sum() - rb[..., 0].sum() / rb[..., 1].sum())
    assert ci.se == pytest.approx(np.std(diffs, ddof=1), rel=0.15)
    assert ci.low == pytest.approx(np.percentile(diffs, 2.5), abs=0.5 * ci.se)
    assert ci.low > 0  # 0.9 against 0.6 kept: a clear gain


@pytest.mark.parametrize("a,b,statistic,match", [
    (np.zeros((2, 5)), np.zeros((2, 6)), "mean", r"\(2, 5\) and \(2, 6\)"),
    (np.zeros((2, 5)), np.zeros((2, 5)), "median", "'mean', 'f1' or 'ratio'"),
    (np.zeros((2, 5)), np.zeros((2, 5)), "f1", r"\(S, N, 3\)"),
    (np.zeros((2, 5, 3)), np.zeros((2, 5, 3)), "ratio", r"\(S, N, 2\)"),
    (np.zeros((2, 1)), np.zeros((2, 1)), "mean", "two clips"),
])
def test_bad_input_is_one_clear_error(a, b, statistic, match):
    with pytest.raises(ValueError, match=match):
        paired_bootstrap(a, b, statistic=statistic)


def test_sentences_follow_the_interval():
    base = {"method": "adl", "metric": "cider_d", "se": 0.01, "n_clips": 200}
    up = interval_sentence({**base, "mean": 0.05, "ci_low": 0.02, "ci_high": 0.08,
                            "detectable": 0.028, "n_seeds": 5})
    assert "excludes zero: ADL scores higher" in up and "one seed" not in up
    down = interval_sentence({**base, "mean": -0.05, "ci_low": -0.08, "ci_high": -0.02,
                              "detectable": 0.028, "n_seeds": 5})
    assert "ADL scores lower" in down
    unsure = interval_sentence({**base, "mean": 0.01, "ci_low": -0.02, "ci_high": 0.04,
                                "detectable": 0.028, "n_seeds": 1})
    assert "cannot tell" in unsure and "±0.028" in unsure and "one seed" in unsure
    assert detectable_effect(Interval(0.0, -1, 1, 0.01, 5, 200)) == pytest.approx(0.028, abs=1e-3)
    more = interval_sentence({**base, "mean": 0.01, "ci_low": -0.02, "ci_high": 0.04,
                              "detectable": 0.028, "n_seeds": 3, "seeds_needed": 13})
    assert "about 13 seeds" in more and "one seed" not in more
    assert "clips' own noise" in interval_sentence(
        {**base, "mean": 0.01, "ci_low": -0.02, "ci_high": 0.04, "detectable": 0.028,
         "n_seeds": 3, "seeds_needed": math.nan})


def test_the_error_splits_into_seeds_and_clips_and_says_how_many_seeds_would_tell():
    rng = np.random.default_rng(5)
    clip = rng.normal(0.3, 0.2, size=(1, 200))
    # Training noise dominates: each seed shifts a whole run.
    a = clip + rng.normal(0, 0.05, size=(4, 1)) + rng.normal(0, 0.01, size=(4, 200))
    b = clip + rng.normal(0, 0.05, size=(4, 1)) + rng.normal(0, 0.01, size=(4, 200))
    ci = paired_bootstrap(a, b, n_resamples=2000)
    assert ci.se_seeds > 5 * ci.se_clips
    one = paired_bootstrap(a[:1], b[:1], n_resamples=500)
    assert math.isnan(one.se_seeds) and one.se_clips > 0
    # 3 seeds, a 0.05 gain: 3 * 0.03**2 / ((0.05 / 2.8016)**2 - 0.01**2) = 12.4 -> 13 seeds.
    assert seeds_needed(Interval(0.05, -0.01, 0.11, 0.03, 3, 200, 0.03, 0.01)) == 13
    assert seeds_needed(Interval(-0.05, -0.11, 0.01, 0.03, 3, 200, 0.03, 0.01)) == 13
    assert seeds_needed(Interval(0.05, -0.01, 0.11, 0.03, 3, 200, 0.03, 0.02)) is None  # clips
    assert seeds_needed(Interval(0.05, -0.01, 0.11, 0.03, 1, 200)) is None  # one seed


# -- Table 1 from run folders ----------------------------------------------------------------


def _run(tmp, method, seed, candidates, cider):
    run = tmp / "runs" / f"{method}_seed{seed}"
    run.mkdir(parents=True)
    write_run_info(run, {"method": method, "seed": seed})
    save_config(load_preset("smoke"), run / "config.yaml")
    files = [f"{k}.wav" for k in range(len(candidates))]
    pd.DataFrame({"file_name": files, "candidate": candidates, "cider_d": cider,
                  "meteor": np.asarray(cider) / 2}).to_csv(run / "captions.csv", index=False)
    return run


def _labels(root, classes):
    csv_dir = root / "embedded-smoke" / CLOTHO_DIR / CLOTHO_CSV_DIR
    csv_dir.mkdir(parents=True)
    lines = [",".join(EVENT_COLUMNS)]
    for k, label in enumerate(classes):
        lines.append(f"{k}.wav,5.0,{label},0.0,1.0,0.0,,")
    (csv_dir / events_csv("evaluation")).write_text("\n".join(lines) + "\n")


def test_table1_intervals_and_table1_json(tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    classes = ["dog_bark" if k % 2 else "rain" for k in range(n)]
    _labels(tmp_path / "data", classes)
    right = ["a dog barks" if c == "dog_bark" else "rain falls" for c in classes]
    wrong = ["rain falls" if c == "dog_bark" else "a dog barks" for c in classes]
    assert events_in_caption(right[1]) == {"dog_bark"}
    runs = []
    for seed in (0, 1, 2):
        clip = rng.uniform(0, 1, n)
        runs.append(_run(tmp_path, "baseline", seed, wrong, clip))
        runs.append(_run(tmp_path, "adl", seed, right, clip + 0.2))
    runs.append(_run(tmp_path, "mixgen", 7, right, rng.uniform(0, 1, n)))  # no shared seed
    with pytest.raises(RunError, match="mixgen and baseline share no seed"):
        table1_intervals(runs, root=tmp_path / "data")
    frame = table1_intervals(runs[:-1], root=tmp_path / "data", n_resamples=500)
    assert list(frame["metric"]) == ["cider_d", "meteor", "event_f1"]
    cider = frame.set_index("metric").loc["cider_d"]
    assert cider["mean"] == pytest.approx(0.2) and cider["ci_low"] == pytest.approx(0.2)
    assert (cider["n_seeds"], cider["n_clips"]) == (3, n) and cider["welch_p"] < 0.05
    f1 = frame.set_index("metric").loc["event_f1"]
    assert f1["mean"] == pytest.approx(1.0)  # every caption right against every one wrong
    path = write_table1_json(frame, tmp_path)
    saved = json.loads(path.read_text())
    assert saved["baseline"] == "baseline" and saved["level"] == 0.95
    entry = saved["differences"][0]
    assert {"method", "metric", "mean", "ci_low", "ci_high", "n_seeds", "n_clips"} <= set(entry)
    assert entry["method"] == "adl" and entry["n_seeds"] == 3
    # One seed a side: no Welch test (null, never a made-up p), the interval still computed.
    one = table1_intervals([runs[0], runs[1]], metrics=("cider_d",), root=tmp_path / "data",
                           n_resamples=200)
    assert math.isnan(one.loc[0, "welch_p"]) and one.loc[0, "n_seeds"] == 1
    assert json.loads(write_table1_json(one, tmp_path).read_text()
                      )["differences"][0]["welch_p"] is None


def test_table1_intervals_name_what_is_missing(tmp_path):
    run = _run(tmp_path, "adl", 0, ["a dog barks"] * 3, [0.1, 0.2, 0.3])
    with pytest.raises(RunError, match="no baseline runs"):
        table1_intervals([run])
    base = _run(tmp_path, "baseline", 0, ["rain falls"] * 3, [0.1, 0.2, 0.3])
    (base / "captions.csv").unlink()
    with pytest.raises(RunError, match="captions.csv: missing"):
        table1_intervals([run, base], metrics=("cider_d",))


# -- Table 2 from run folders ----------------------------------------------------------------


def _pair(tmp, seed, n=30, **adl):
    clip = np.linspace(0.2, 1.0, n)
    base = write_table2_run(tmp, "baseline", seed, input_cider=clip, kept_cider=0.5 * clip,
                            event_named=np.arange(n) % 4 == 0, event_cider=np.full(n, 0.2))
    mine = write_table2_run(tmp, "adl", seed, **{
        "input_cider": clip, "kept_cider": 0.8 * clip, "event_named": np.arange(n) % 2 == 0,
        "classes_named": np.full(n, 2), "event_cider": np.full(n, 0.3), **adl})
    return [base, mine]


def test_table2_clips_read_what_chapter_five_wrote(tmp_path):
    base, _ = _pair(tmp_path, 0)
    clips = table2_clips(base)
    assert list(clips.index)[:2] == ["clip_000.wav", "clip_001.wav"]
    assert clips["kept_cider_d"].to_numpy() == pytest.approx(0.5 * clips["input_cider_d"])
    assert clips["event_named"].sum() == 8 and set(clips["classes_named"]) == {1.0}
    assert clips.attrs["notes"] == {}
    per_seed = table2_per_seed([base, tmp_path / "elsewhere"])  # no table2 files: left out
    assert len(per_seed) == 1 and per_seed.loc[0, "kept_share"] == pytest.approx(0.5)
    assert per_seed.loc[0, "event_recall"] == pytest.approx(8 / 30)


def test_table2_clips_find_the_classes_in_older_files_and_name_what_is_missing(tmp_path):
    run = write_table2_run(tmp_path, "adl", 0, input_cider=[0.5, 0.4], kept_cider=[0.4, 0.3],
                           event_named=[True, False], event_cider=None)
    save_config(load_preset("smoke"), run / "config.yaml")
    frame = pd.read_csv(run / "table2_captions.csv", keep_default_na=False)
    frame.loc[frame["condition"] == "mixture-input", "caption"] = ["a dog barks", "rain falls"]
    frame.drop(columns=["named_events", "cider_d"]).to_csv(run / "table2_captions.csv",
                                                           index=False)
    clips = table2_clips(run, root=tmp_path / "data")
    assert clips["event_named"].tolist() == [1.0, 0.0]  # "dog" names dog_bark
    assert clips["classes_named"].tolist() == [1.0, 1.0]
    assert "no per-clip cider_d column" in clips.attrs["notes"]["input_cider_d"]
    assert clips["input_cider_d"].isna().all()
    frame.loc[0, "cider_d"] = "high"
    frame.to_csv(run / "table2_captions.csv", index=False)
    with pytest.raises(RunError, match=r"table2_captions.csv: cider_d 'high' of clip_000.wav"):
        table2_clips(run)
    (run / "table2_captions.csv").unlink()
    with pytest.raises(RunError, match="table2_captions.csv: missing; run chapter 5"):
        table2_clips(run)


def test_table2_intervals_pair_methods_by_seed_and_clip(tmp_path):
    runs = _pair(tmp_path, 0) + _pair(tmp_path, 1)
    frame = table2_intervals(runs, n_resamples=300)
    assert [tuple(r) for r in frame[["claim", "condition", "metric"]].to_numpy()] == [
        tuple(r) for r in TABLE2_ROWS]
    row = frame.set_index("metric").loc["kept_share"]
    assert (row["method_mean"], row["baseline_mean"]) == pytest.approx((0.8, 0.5))
    assert row["difference"] == pytest.approx(0.3) and row["ci_low"] == pytest.approx(0.3)
    assert (row["n_seeds"], row["n_clips"], row["note"]) == (2, 30, "")
    recall = frame.set_index("metric").loc["event_recall"]
    assert recall["difference"] == pytest.approx(15 / 30 - 8 / 30) and recall["ci_low"] > 0
    cider = frame[(frame["condition"] == "mixture-input") & (frame["metric"] == "cider_d")]
    assert cider["difference"].iloc[0] == pytest.approx(0.1)
    # Nothing to pair: an empty frame that says why, not an error.
    empty = table2_intervals(runs[:1])
    assert empty.empty and "run chapter 5 first" in empty.attrs["note"]


def test_table2_intervals_refuse_runs_that_mixed_other_events(tmp_path):
    runs = _pair(tmp_path, 0, event_files=[f"5-{k}-B-1.wav" for k in range(30)])
    with pytest.raises(RunError, match="other clips or added events"):
        table2_intervals(runs, n_resamples=200)
    twice = _pair(tmp_path / "a", 0) + _pair(tmp_path / "b", 0)
    with pytest.raises(RunError, match="a second baseline run of seed 0"):
        table2_intervals(twice, n_resamples=200)
