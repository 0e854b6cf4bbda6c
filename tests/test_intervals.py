"""adl.intervals: the paired bootstrap over seeds and clips, table1.json and its sentences."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from adl.config import load_preset, save_config
from adl.data.captions import events_in_caption
from adl.data.corpus_files import EVENT_COLUMNS
from adl.data.layout import CLOTHO_CSV_DIR, CLOTHO_DIR, events_csv
from adl.events import event_precision_recall
from adl.intervals import (Interval, detectable_effect, interval_sentence, paired_bootstrap,
                           seeds_needed, table1_intervals, write_table1_json)
from adl.runs import RunError, write_run_info


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


@pytest.mark.parametrize("a,b,statistic,match", [
    (np.zeros((2, 5)), np.zeros((2, 6)), "mean", r"\(2, 5\) and \(2, 6\)"),
    (np.zeros((2, 5)), np.zeros((2, 5)), "median", "'mean' or 'f1'"),
    (np.zeros((2, 5)), np.zeros((2, 5)), "f1", r"\(S, N, 3\)"),
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
