"""adl.results: Table 1 and Table 2 over seeds, and the sentences that state them."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from adl.results import (compare, gpu_estimate, per_run_scores, summarise, table2_claims,
                         table2_over_seeds)


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
    assert up.clear and "higher" in up.sentence() and "larger than" in up.sentence()
    down = compare(scores, "cider_d", method="baseline", baseline="adl")
    assert down.relative_change < 0 and "lower" in down.sentence()
    same = compare(scores, "meteor")
    assert same.relative_change == 0 and not same.clear  # equal scores: no finding
    missing = compare(scores, "spider")
    assert math.isnan(missing.mean) and "not computed" in missing.sentence()


def test_one_seed_gives_no_test(tmp_path):
    runs = [_run(tmp_path, "baseline", 0, 0.5), _run(tmp_path, "adl", 0, 0.6)]
    c = compare(per_run_scores(runs), "cider_d")
    assert math.isnan(c.p_value) and not c.clear and "no test possible" in c.sentence()


def test_table2_claims_follow_the_numbers(runs, tmp_path):
    frame = table2_over_seeds(runs)
    assert len(frame) == 6 * 4
    lines = table2_claims(frame)
    assert "This supports the claim" in lines[0]
    assert "names the event in 81%" in lines[1] and "This supports the claim" in lines[1]
    table = summarise(frame)
    assert list(table.index.get_level_values("method").unique()) == ["Baseline", "ADL"]
    assert table.loc[("ADL", "mixture-input"), "event_recall"].startswith("0.81")
    # The other way round: the claims are refused, not bent.
    flipped = frame.assign(method=frame["method"].map({"adl": "baseline", "baseline": "adl"}))
    lines = table2_claims(flipped)
    assert "does not support" in lines[0] and "does not support" in lines[1]


def test_table2_claims_without_table2(tmp_path):
    runs = [_run(tmp_path, "baseline", 0, 0.5)]
    assert "chapter 5" in table2_claims(table2_over_seeds(runs))[0]


def test_gpu_estimate_reads_only_gpu_runs(tmp_path):
    assert gpu_estimate(tmp_path, 3839, 40, 32).empty
    (tmp_path / "gpu-a.json").write_text(json.dumps({"device_type": "cuda", "device": "H100",
                                                     "steps_per_s": 4.0, "encoder": "frozen"}))
    (tmp_path / "gpu-cpu.json").write_text(json.dumps({"device_type": "cpu", "steps_per_s": 0.1}))
    est = gpu_estimate(tmp_path, 3839, 40, 32)
    assert list(est["card"]) == ["H100"]
    assert est["hours per run"].iloc[0] == pytest.approx(40 * 120 / 4.0 / 3600)
    assert isinstance(est, pd.DataFrame)


def test_claim_one_needs_models_above_the_floor(runs):
    lines = table2_claims(table2_over_seeds(runs), floor_cider=0.95)
    assert lines[0].startswith("Claim 1 cannot be checked") and "0.950" in lines[0]
