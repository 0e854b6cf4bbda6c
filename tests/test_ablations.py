"""adl.ablations: the studies, where their runs live, and one study run end to end."""

from __future__ import annotations

import json
import math
import warnings

import pandas as pd
import pytest

from adl.ablations import (DEFAULT_STUDIES, STUDIES, ablation_table, ablation_verdicts, gap_verdicts, is_main,
                           method_gaps, reference_study, run_ablations, study_seeds, variant_config,
                           variant_run, variants)
from adl.config import load_preset
from adl.runs import run_dir, write_run_info
from adl.table1 import evaluate_run, result_paths
from adl.train import train
from tests.test_train import tiny_config


def test_every_study_contains_the_default_setting():
    cfg = load_preset("default")
    for study in STUDIES:
        mains = [v for v in variants([study]) if is_main(cfg, v)]
        assert mains, f"{study}: the default preset's own setting is not among the variants"


def test_every_variant_of_the_default_preset_can_train_from_its_pool_or_without_one():
    # A mixture pool holds frozen-encoder features (adl.train.mixture_pool): a variant whose
    # encoder trains makes its mixtures afresh; every other variant keeps the preset's pool,
    # whatever its adl_mode.
    cfg = load_preset("default")
    assert cfg.mixing.pool_size > 0
    for v in variants(list(STUDIES)):
        vcfg = variant_config(cfg, v)
        assert getattr(getattr(vcfg, v.section), v.field) == v.value
        if vcfg.encoder.freeze:
            assert vcfg.mixing.pool_size == cfg.mixing.pool_size, v
        else:
            assert vcfg.mixing.pool_size == 0, v


def test_the_studies_train_the_first_seed_of_table1_unless_asked_for_more():
    # The book passes Table 1's seeds ([0, 1, 2]) to chapter 6 too: it must not train them all.
    assert study_seeds([0, 1, 2]) == [0]
    assert study_seeds([4, 1]) == [4]
    assert study_seeds([0, 1, 2], [3, "4"]) == [3, 4]
    with pytest.raises(ValueError, match="no seeds"):
        study_seeds([])


def test_chapter6_picks_its_seeds_with_study_seeds():
    import nbformat

    from adl.book.runner import NOTEBOOK_DIR

    nb = nbformat.read(NOTEBOOK_DIR / "06_ablations.ipynb", 4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "ablation_seeds: list = []" in code
    assert 'run_seeds = study_seeds(seeds or book["seeds"], ablation_seeds)' in code


def test_variants_change_one_field_and_name_their_runs(tmp_path):
    cfg = load_preset("default")
    assert [v.study for v in variants()][0] == "adl_mode"
    assert {v.study for v in variants()} == set(DEFAULT_STUDIES)
    assert set(DEFAULT_STUDIES) <= set(STUDIES)
    vs = variants(["snr_db", "adl_mode", "epochs"])  # snr_db: run on request only
    snr = next(v for v in vs if v.study == "snr_db" and v.value == -5.0)
    changed = variant_config(cfg, snr)
    assert changed.mixing.snr_db == -5.0 and changed.mixing.p_adl == cfg.mixing.p_adl
    assert changed.replace(mixing=cfg.mixing) == cfg
    assert snr.label == "-5 dB"
    assert variant_run(tmp_path, cfg, snr, 1) == tmp_path / "ablations" / "snr_db=-5.0-adl-seed1"
    main = next(v for v in vs if v.study == "snr_db" and v.value == 0.0)
    assert variant_run(tmp_path, cfg, main, 2) == run_dir(tmp_path, "adl", 2)  # reused
    trained = next(v for v in variants(["encoder"]) if v.value is False)
    assert trained.label == "trained" and variant_config(cfg, trained).encoder.freeze is False
    replace = next(v for v in vs if v.study == "adl_mode" and v.value == "replace")
    assert replace.label == "replacing" and variant_config(cfg, replace).training.adl_mode == "replace"
    ten = next(v for v in vs if v.study == "epochs" and v.value == 10)
    assert ten.label == "10 epochs"
    assert variant_config(cfg, ten).training.epochs == 10
    with pytest.raises(ValueError, match="unknown study"):
        variants(["nope"])


def _results(rows):
    return pd.DataFrame(rows, columns=["study", "variant", "method", "seed", "main", "cider_d"])


def test_ablation_table_and_verdicts_follow_the_numbers():
    rows = []
    for seed, (a, b) in enumerate([(0.50, 0.30), (0.52, 0.31), (0.51, 0.29)]):
        rows += [("snr_db", "+0 dB", "adl", seed, True, a),
                 ("snr_db", "-5 dB", "adl", seed, False, b)]
    rows += [("p_adl", "0.5", "adl", 0, True, 0.50), ("p_adl", "1", "adl", 0, False, 0.55)]
    rows += [("reference", "no reference", "adl", 0, None, 0.50),
             ("reference", "encoded silence", "adl", 0, None, 0.40),
             ("reference", "no reference", "adl", 1, None, 0.52),
             ("reference", "encoded silence", "adl", 1, None, 0.41)]
    results = _results(rows)
    table = ablation_table(results, metrics=("cider_d", "meteor"))
    assert list(table.columns) == ["cider_d", "seeds"]  # meteor: not in the results
    assert table.loc[("snr_db", "+0 dB", "adl"), "cider_d"] == "0.510 ± 0.010"
    assert table.loc[("p_adl", "1", "adl"), "cider_d"] == "0.550"  # one seed: the value alone
    lines = ablation_verdicts(results)
    assert lines[0] == ("- **snr_db, adl**: -5 dB against +0 dB: cider_d 0.300 vs 0.510 "
                        "(-0.210; larger than twice its standard error).")
    assert lines[1] == "  Best adl setting of snr_db: +0 dB."
    # One seed has no standard error: the gap is not called larger, and the sentence says why.
    assert "not larger" in lines[2] and "one seed cannot give" in lines[2]
    assert lines[3] == "  Best adl setting of p_adl: 1."
    # The reference study compares with no reference (its first setting), as Table 1 decodes.
    assert lines[4].startswith("- **reference, adl**: encoded silence against no reference")
    assert lines[5] == "  Best adl setting of reference: no reference."
    assert len(lines) == 6


def test_ablation_table_marks_a_metric_no_seed_computed():
    results = _results([("snr_db", "+0 dB", "adl", 0, True, math.nan)])
    assert ablation_table(results).loc[("snr_db", "+0 dB", "adl"), "cider_d"] == "unavailable"


@pytest.mark.slow
def test_a_study_trains_reuses_and_evaluates(tiny_data, tmp_path):
    warnings.simplefilter("ignore")
    cfg = tiny_config(tiny_data, epochs=1)
    out = tmp_path / "outputs"
    with pytest.raises(FileNotFoundError, match="chapter 3"):
        run_ablations(cfg, out, [0], studies=["diff_at"], log=lambda m: None)
    train(cfg, method="adl", seed=0, out=run_dir(out, "adl", 0), log=lambda m: None)
    results = run_ablations(cfg, out, [0], studies=["diff_at"], log=lambda m: None)
    assert list(results["variant"]) == ["after the adapter", "before the adapter"]
    assert list(results["main"]) == [True, False]
    before = out / "ablations" / "diff_at=encoder-adl-seed0"
    assert json.loads((before / "run.json").read_text())["status"] == "complete"
    assert (before / "metrics.json").is_file() and results["cider_d"].notna().all()
    again = run_ablations(cfg, out, [0], studies=["diff_at"], log=lambda m: None)
    assert again["reused"].all()  # finished runs are not retrained
    table = ablation_table(results)
    assert table.loc[("diff_at", "before the adapter", "adl"), "seeds"] == 1

    # Trained with no_reference: silence (the default), so the other meaning is Z_ref = 0.
    ref = reference_study([run_dir(out, "adl", 0)], log=lambda m: None)
    assert list(ref["value"]) == ["none", "zero"]
    assert list(ref["variant"]) == ["as trained (encoded silence, Z_ref = Enc(0))", "Z_ref = 0"]
    zero_json = result_paths(run_dir(out, "adl", 0), reference="zero")[0]
    assert zero_json.name == "metrics_zero.json" and zero_json.is_file()
    assert json.loads(zero_json.read_text())["reference"] == "zero"
    # Table 1's file is untouched by the other decoding.
    plain = json.loads(result_paths(run_dir(out, "adl", 0))[0].read_text())
    assert plain["reference"] == "none"
    # Forcing the meaning the run was trained with decodes exactly as "none" does.
    silence = evaluate_run(run_dir(out, "adl", 0), metrics=["cider_d"], reference="silence",
                           log=lambda m: None)
    assert silence["cider_d"] == plain["scores"]["cider_d"]


def test_method_gaps_pair_by_seed_and_gap_verdicts_say_how_the_gap_moves(tmp_path):
    rows = []
    for seed in (0, 1):
        for variant, adl, base in (("10 epochs", 0.28, 0.33), ("20 epochs", 0.35, 0.34),
                                   ("40 epochs", 0.44, 0.43)):
            rows += [("epochs", variant, "adl", seed, variant == "10 epochs", adl + 0.01 * seed),
                     ("epochs", variant, "baseline", seed, variant == "10 epochs", base)]
    rows += [("p_adl", "1", "adl", 0, False, 0.5)]  # one method only: no gap to take
    rows += [("epochs", "10 epochs", "baseline", 2, True, 0.9)]  # no ADL run of seed 2: unpaired
    gaps = method_gaps(_results(rows))
    assert list(gaps["study"]) == ["epochs"] * 3
    assert list(gaps["variant"]) == ["10 epochs", "20 epochs", "40 epochs"]
    assert list(gaps["seeds"]) == [2, 2, 2]
    assert gaps["gap"].round(3).tolist() == [-0.045, 0.015, 0.015]
    assert gaps["gap_std"].round(4).tolist() == [0.0071] * 3
    assert (gaps["method_best"] == "").all()  # no run folders: no best epoch to read
    (line,) = gap_verdicts(gaps)
    assert line.startswith("- **ADL − Baseline, epochs** (cider_d, paired by seed, 2 seeds): "
                           "10 epochs: -0.045 (0.285 against 0.330, ± 0.007 over seeds)")
    assert "From 10 epochs to 40 epochs the gap moves by +0.060." in line


def test_gap_verdicts_read_best_epochs_from_the_run_folders(tmp_path):
    rows = []
    for variant, best, done, (adl, base) in (("10 epochs", 10, 10, (0.3, 0.4)),
                                             ("40 epochs", 30, 33, (0.5, 0.45))):
        for method in ("adl", "baseline"):
            run = tmp_path / f"{variant}-{method}"
            write_run_info(run, {"method": method, "seed": 0, "best_epoch": best if method == "adl" else done,
                                 "epochs_done": done})
            rows.append({"study": "epochs", "variant": variant, "method": method, "seed": 0,
                         "main": variant == "10 epochs", "run": str(run),
                         "cider_d": adl if method == "adl" else base})
    gaps = method_gaps(pd.DataFrame(rows))
    assert gaps["method_best"].tolist() == ["10 of 10", "30 of 33"]
    assert gaps["baseline_best"].tolist() == ["10 of 10", "33 of 33"]
    (line,) = gap_verdicts(gaps)
    assert "(one seed: compare it with the seed-to-seed spread of Table 1)" in line
    assert "From 10 epochs to 40 epochs the gap moves by +0.150" in line
    assert "40 epochs: ADL 30 of 33, Baseline 33 of 33" in line
    # A second seed: each seed's best epoch, in seed order.
    for row in list(rows):
        run = tmp_path / f"{row['variant']}-{row['method']}-1"
        write_run_info(run, {"method": row["method"], "seed": 1, "best_epoch": 5, "epochs_done": 9})
        rows.append({**row, "seed": 1, "run": str(run)})
    gaps = method_gaps(pd.DataFrame(rows))
    assert gaps["method_best"].tolist() == ["10 of 10 / 5 of 9", "30 of 33 / 5 of 9"]
    assert "seeds in order, joined by /" in gap_verdicts(gaps)[0]


def test_training_estimate_prices_each_new_run_at_its_methods_pace():
    import pandas as pd

    from adl.ablations import training_estimate

    timings = pd.DataFrame({"method": ["baseline", "adl", "adl"], "seconds": [100.0, 200.0, 300.0]})
    assert training_estimate({"baseline": 2, "adl": 3}, timings) == 2 * 100 + 3 * 250
    assert training_estimate({"baseline": 1, "mixgen": 0}, timings) == 100
    assert math.isnan(training_estimate({"mixgen": 1}, timings))  # nothing to time it by
