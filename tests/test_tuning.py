"""adl.tuning: each method's learning rate chosen on validation by the same search."""

from __future__ import annotations

import pandas as pd
import pytest

from adl.cli import main
from adl.config import load_preset
from adl.errors import ConfigError
from adl.tuning import SEARCH_COLUMNS, lr_search
from test_train import tiny_config


def test_each_method_gets_its_own_rate_or_the_shared_one():
    cfg = load_preset("smoke")
    assert cfg.training.lr_for("adl") == cfg.training.lr  # null: the shared rate
    tuned = tiny_config("unused", lr=1e-3, lr_adl=4e-3)
    assert [tuned.training.lr_for(m) for m in ("baseline", "mixgen", "adl")] == [1e-3, 1e-3, 4e-3]
    with pytest.raises(ConfigError, match="training.lr_mixgen"):
        tiny_config("unused", lr_mixgen=-1.0)


@pytest.mark.slow
def test_lr_search_trains_every_method_at_every_rate_and_chooses_on_validation(tiny_data,
                                                                                tmp_path):
    cfg = tiny_config(tiny_data, epochs=1, batch_size=4)
    out = tmp_path / "search"
    table = lr_search(cfg, ["baseline", "adl"], [1e-5, 3e-3], out=out, log=lambda m: None)
    assert tuple(table.columns) == SEARCH_COLUMNS and len(table) == 4
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "adl-lr0.003", "adl-lr1e-05", "baseline-lr0.003", "baseline-lr1e-05"]
    for method, part in table.groupby("method"):
        assert part["chosen"].sum() == 1
        # A rate too small to learn in an epoch loses to one that learns.
        assert part.loc[part["chosen"], "lr"].item() == 3e-3, method
    assert pd.read_csv(out / "lr_search.csv")["best_val_loss"].tolist() == pytest.approx(
        table["best_val_loss"].tolist())
    again = lr_search(cfg, ["baseline", "adl"], [1e-5, 3e-3], out=out, log=lambda m: None)
    assert again["best_val_loss"].tolist() == table["best_val_loss"].tolist()  # runs reused


@pytest.mark.parametrize("args, match", [
    (["--lrs", "0"], "--lrs: give positive"),
    (["--lrs", "0.001", "--methods", "adll"], "--methods: choose among"),
])
def test_bad_search_arguments_are_one_line(tmp_path, capsys, args, match):
    code = main(["tune-lr", "--preset", "smoke", "--out", str(tmp_path / "s"),
                 "--root", str(tmp_path / "missing"), *args])
    err = capsys.readouterr().err
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing").exists()  # checked before any corpus is prepared
