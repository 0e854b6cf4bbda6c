"""Ablations of audio difference learning: which of its choices matter, and how much.

Each *study* varies one choice of the ``default`` preset and keeps the rest:

=============  ========================================  ============================
study          variants                                  methods trained
=============  ========================================  ============================
``snr_db``     mixing level −5, 0, +5 dB                 adl
``p_adl``      share of ADL examples 0.25, 0.5, 1.0       adl
``encoder``    frozen (the paper) or trained              baseline, adl
``diff_at``    difference after or before the adapter     adl
=============  ========================================  ============================

The variant equal to the preset (0 dB, 0.5, frozen, after the adapter) *is* the main run of
chapter 3 (``runs/{method}-seed{k}``): it is reused, never trained twice. The other variants are
trained into ``ablations/{study}={value}-{method}-seed{k}``, and a complete one is reused too.
A fifth study needs no training: ``reference``, the ADL runs decoded with no reference (``Z_ref =
0``, as in Table 1) or with an *encoded silent* reference (``Z(input) − Z(silence)``), which tells
whether "no reference" and "a reference of nothing" mean the same to the decoder.

Notebook: 06_ablations
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from adl.config import Config

__all__ = ["STUDIES", "Variant", "ablation_table", "reference_study", "run_ablations",
           "variant_config", "variant_run", "variants"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class Variant:
    """One setting of one study: ``section.field = value`` for ``method``."""

    study: str
    value: Any
    method: str
    section: str
    field: str

    @property
    def label(self) -> str:
        if self.study == "snr_db":
            return f"{self.value:+g} dB"
        if self.study == "encoder":
            return "frozen" if self.value else "trained"
        if self.study == "diff_at":
            return f"after the {self.value}" if self.value == "adapter" else "before the adapter"
        return f"{self.value:g}"


#: study -> (config section, field, values, methods); the first value of each is compared with
#: the others, and the preset's own value must be among them.
STUDIES: dict[str, tuple[str, str, tuple[Any, ...], tuple[str, ...]]] = {
    "snr_db": ("mixing", "snr_db", (-5.0, 0.0, 5.0), ("adl",)),
    "p_adl": ("mixing", "p_adl", (0.25, 0.5, 1.0), ("adl",)),
    "encoder": ("encoder", "freeze", (True, False), ("baseline", "adl")),
    "diff_at": ("encoder", "diff_at", ("adapter", "encoder"), ("adl",)),
}


def variants(studies: Sequence[str] | None = None) -> list[Variant]:
    """Every variant of ``studies`` (None: all of :data:`STUDIES`), in table order."""
    names = list(STUDIES) if studies is None else list(studies)
    out = []
    for study in names:
        if study not in STUDIES:
            raise ValueError(f"unknown study {study!r}; choose from {', '.join(STUDIES)}")
        section, field, values, methods = STUDIES[study]
        out += [Variant(study, v, m, section, field) for v in values for m in methods]
    return out


def variant_config(cfg: Config, variant: Variant) -> Config:
    """``cfg`` with the variant's one field changed."""
    section = getattr(cfg, variant.section)
    return cfg.replace(**{variant.section: dataclasses.replace(
        section, **{variant.field: variant.value})})


def is_main(cfg: Config, variant: Variant) -> bool:
    """True when the variant is the preset itself (its run is chapter 3's)."""
    return getattr(getattr(cfg, variant.section), variant.field) == variant.value


def variant_run(output_dir: str | os.PathLike[str], cfg: Config, variant: Variant,
                seed: int) -> Path:
    """Where a variant's run lives: chapter 3's run for the preset's own setting, else
    ``{output_dir}/ablations/{study}={value}-{method}-seed{seed}``."""
    from adl.analysis import run_dir

    if is_main(cfg, variant):
        return run_dir(output_dir, variant.method, seed)
    return (Path(output_dir) / "ablations"
            / f"{variant.study}={variant.value}-{variant.method}-seed{seed}")


def run_ablations(cfg: Config, output_dir: str | os.PathLike[str], seeds: Sequence[int], *,
                  studies: Sequence[str] | None = None, root: str | os.PathLike[str] | None = None,
                  data: Any = None, device: str | None = None,
                  log: Log = print) -> pd.DataFrame:
    """Train (or reuse) and evaluate every variant and seed; one row per run.

    Training is :func:`adl.train.train` (an interrupted run resumes); evaluation is
    :func:`adl.evaluation.evaluate_run` on the evaluation split with no reference (reused when
    up to date).

    Returns:
        Columns ``study``, ``variant``, ``value``, ``method``, ``seed``, ``run``, ``main`` (the
        preset's own setting), ``reused``, ``train_s`` and one column per Table 1 metric.
    """
    from adl.analysis import run_status
    from adl.evaluation import TABLE1_METRICS, evaluate_run
    from adl.train import load_training_data, train

    rows = []
    for v in variants(studies):
        vcfg = variant_config(cfg, v)
        if device is not None:
            vcfg = vcfg.replace(training=dataclasses.replace(vcfg.training, device=device))
        for seed in seeds:
            run = variant_run(output_dir, cfg, v, seed)
            status = run_status(run)
            if status != "complete" and is_main(cfg, v):
                raise FileNotFoundError(f"{run}: chapter 3's {v.method} run with seed {seed} "
                                        "is missing; run 03_adl_training with these seeds first")
            if status != "complete":
                if data is None:
                    data = load_training_data(cfg, root)
                log(f"== {v.study} = {v.value} ({v.label}), {v.method}, seed {seed} -> {run}")
            summary = train(vcfg if not is_main(cfg, v) else _saved_config(run, vcfg),
                            method=v.method, seed=seed, out=run, root=root,
                            data=data if status != "complete" else None,
                            resume=status == "running", log=log)
            scores = evaluate_run(run, root=root, metrics=TABLE1_METRICS, device=device,
                                  log=lambda _m: None)
            rows.append({"study": v.study, "variant": v.label, "value": v.value,
                         "method": v.method, "seed": seed, "run": str(run),
                         "main": is_main(cfg, v), "reused": summary.reused,
                         "train_s": summary.seconds, **dict(scores)})
    return pd.DataFrame(rows)


def _saved_config(run: Path, cfg: Config) -> Config:
    # Chapter 3's runs were trained with its device setting: compare with what they saved.
    from adl.config import load_config

    saved = run / "config.yaml"
    return load_config(saved) if saved.is_file() else cfg


def ablation_table(results: pd.DataFrame, metrics: Sequence[str] = ("cider_d", "meteor"),
                   digits: int = 3) -> pd.DataFrame:
    """Mean ± sample std over seeds, per study, variant and method (rows in study order).

    Args:
        results: from :func:`run_ablations` (or :func:`reference_study`).
        metrics: columns to summarise (those present).
    """
    metrics = [m for m in metrics if m in results.columns]
    keys = ["study", "variant", "method"]
    grouped = results.groupby(keys, sort=False)
    out = grouped[metrics].agg(["mean", "std"])
    table = pd.DataFrame(index=out.index)
    for m in metrics:
        table[m] = [_pm(mu, sd, digits) for mu, sd in zip(out[(m, "mean")], out[(m, "std")])]
    table["seeds"] = grouped.size()
    return table


def _pm(mean: float, std: float, digits: int) -> str:
    if pd.isna(mean):
        return "unavailable"
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if pd.notna(std) else f"{mean:.{digits}f}"


def reference_study(runs: Sequence[str | os.PathLike[str]], *,
                    root: str | os.PathLike[str] | None = None, device: str | None = None,
                    log: Log = print) -> pd.DataFrame:
    """Decode each run with no reference and with an encoded silent reference; one row per run
    and condition (``study`` = "reference"), Table 1 metrics as columns."""
    import json

    from adl.evaluation import TABLE1_METRICS, evaluate_run

    rows = []
    for run in map(Path, runs):
        info = json.loads((run / "run.json").read_text(encoding="utf-8"))
        for reference, label in (("none", "no reference (Z_ref = 0)"),
                                 ("silence", "encoded silence")):
            scores = evaluate_run(run, root=root, metrics=TABLE1_METRICS, device=device,
                                  reference=reference, log=log)
            rows.append({"study": "reference", "variant": label, "value": reference,
                         "method": info["method"], "seed": info["seed"], "run": str(run),
                         **dict(scores)})
    return pd.DataFrame(rows)
