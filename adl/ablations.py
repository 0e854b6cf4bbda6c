"""Ablations of audio difference learning: which of its choices matter, and how much.

Each *study* varies one choice of the ``default`` preset and keeps the rest:

=====================  ==============================================  ====================
study                  variants                                        methods trained
=====================  ==============================================  ====================
``adl_mode``           mixtures added to every plain example, or       mixgen, adl
                       replacing a share of them (the same pool)
``no_reference``       no reference is ``Enc(silence)`` or ``0``       baseline, adl
``p_adl``              share of ADL examples 0.25, 0.5, 1.0            adl
``reference_classes``  a reference of any class, or only of classes    adl
                       the input lacks
``snr_db``             mixing level −5, 0, +5 dB                       adl
``epochs``             at most 10 or 60 epochs (stopping rule kept)    baseline, adl
``encoder``            frozen (the paper) or trained (on request)      baseline, adl
``diff_at``            difference after or before the adapter          adl
                       (on request)
=====================  ==============================================  ====================

The variant equal to the preset *is* the main run of chapter 3 (``runs/{method}-seed{k}``): it
is reused, never trained twice. The other variants are trained into
``ablations/{study}={value}-{method}-seed{k}``, and a complete one is reused too. One more study
needs no training: ``reference``, the main runs decoded with "no reference" as they were trained
and with the other meaning (``Z_ref = 0`` against ``Z_ref = Enc(0)``), which tells whether the
decoder reads the two alike.

Komatsu et al. (ICASSP 2024) fix these choices without comparing them; the frozen encoder is the
DCASE2023 task 6a baseline's. Every variant is scored as the paper's Table 1 is
(:func:`adl.table1.evaluate_run`), and :func:`ablation_verdicts` states what each study shows.

Notebook: 06_ablations
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from adl.config import Config, load_config
from adl.runs import convergence, read_run_info, run_dir, run_status
from adl.table1 import METHOD_NAMES, TABLE1_METRICS, Log, evaluate_run, format_mean_std, run_config
from adl.train import load_training_data, train

__all__ = ["ABLATION_SEEDS", "DEFAULT_STUDIES", "STUDIES", "Variant", "ablation_table",
           "ablation_verdicts", "gap_verdicts", "is_main", "method_gaps", "reference_study",
           "run_ablations", "study_seeds", "training_estimate", "variant_config", "variant_run",
           "variants"]


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
        return _LABELS.get(self.study, lambda v: f"{v:g}")(self.value)


_LABELS = {
    "adl_mode": lambda v: "added" if v == "add" else "replacing",
    "no_reference": lambda v: "Z_ref = Enc(0)" if v == "silence" else "Z_ref = 0",
    "reference_classes": lambda v: "any class" if v == "any" else "absent classes",
    "snr_db": lambda v: f"{v:+g} dB",
    "epochs": lambda v: f"{v} epochs",
    "encoder": lambda v: "frozen" if v else "trained",
    "diff_at": lambda v: "after the adapter" if v == "adapter" else "before the adapter",
}

#: study -> (config section, field, values, methods); the preset's own setting, which must be
#: among the values, is compared with the others.
STUDIES: dict[str, tuple[str, str, tuple[Any, ...], tuple[str, ...]]] = {
    "adl_mode": ("training", "adl_mode", ("add", "replace"), ("mixgen", "adl")),
    "no_reference": ("model", "no_reference", ("silence", "zero"), ("baseline", "adl")),
    "p_adl": ("mixing", "p_adl", (0.25, 0.5, 1.0), ("adl",)),
    "reference_classes": ("mixing", "reference_classes", ("any", "absent"), ("adl",)),
    "snr_db": ("mixing", "snr_db", (-5.0, 0.0, 5.0), ("adl",)),
    # The ceiling of the run; the preset's stopping rule still ends a run that converges
    # first, so only a ceiling that cuts a run short changes it.
    "epochs": ("training", "epochs", (10, 60), ("baseline", "adl")),
    "encoder": ("encoder", "freeze", (True, False), ("baseline", "adl")),
    "diff_at": ("encoder", "diff_at", ("adapter", "encoder"), ("adl",)),
}
#: What ``adl book --preset full`` runs: the studies that could explain a gap between ADL and
#: the baseline (more examples, training length), within the book's 2.5 hours on two cores
#: (each ADL run costs about 7 minutes there: its mixture pool, training and evaluation). The
#: others (what "no reference" means in training, the reference classes, ADL's own ``p_adl`` and
#: ``snr_db``, the trained encoder, with no feature cache, and the place of the difference) run
#: when asked for by name.
DEFAULT_STUDIES: tuple[str, ...] = ("adl_mode", "epochs")
#: Seeds per setting in chapter 6: the first of Table 1's, so each variant pairs with the main
#: run of the same seed (same initial weights, same plain examples). One seed keeps the ``full``
#: book near its 2.5-hour budget (README: "What the budget traded"); pass ``seeds`` for more.
ABLATION_SEEDS = 1


def study_seeds(table1_seeds: Sequence[int], requested: Sequence[int] = ()) -> list[int]:
    """The seeds chapter 6 trains per setting: ``requested`` when given, else the first
    :data:`ABLATION_SEEDS` of Table 1's (the book passes Table 1's seeds to every chapter, and
    training every one of them per setting would triple the ``full`` book).

    Args:
        table1_seeds: the book's ``seeds`` (Table 1's). requested: the chapter's
            ``ablation_seeds`` parameter; empty means the default.
    """
    if requested:
        return [int(s) for s in requested]
    if not table1_seeds:
        raise ValueError("no seeds: Table 1's seeds are empty and no ablation seed was asked for")
    return [int(s) for s in table1_seeds][:ABLATION_SEEDS]


def variants(studies: Sequence[str] | None = None) -> list[Variant]:
    """Every variant of ``studies`` (None: :data:`DEFAULT_STUDIES`), in table order.

    Notebook: 06_ablations
    """
    names = list(DEFAULT_STUDIES) if studies is None else list(studies)
    out = []
    for study in names:
        if study not in STUDIES:
            raise ValueError(f"unknown study {study!r}; choose from {', '.join(STUDIES)}")
        section, field, values, methods = STUDIES[study]
        out += [Variant(study, v, m, section, field) for v in values for m in methods]
    return out


def variant_config(cfg: Config, variant: Variant) -> Config:
    """``cfg`` with the variant's one field changed (and, for an encoder that trains, no mixture
    pool: a pool holds features encoded once, which a training encoder would leave stale, so
    its mixtures are made afresh each epoch)."""
    section = getattr(cfg, variant.section)
    out = cfg.replace(**{variant.section: dataclasses.replace(
        section, **{variant.field: variant.value})})
    if not out.encoder.freeze and out.mixing.pool_size:
        out = out.replace(mixing=dataclasses.replace(out.mixing, pool_size=0))
    return out


def is_main(cfg: Config, variant: Variant) -> bool:
    """True when the variant is the preset itself (its run is chapter 3's).

    Notebook: 06_ablations
    """
    return getattr(getattr(cfg, variant.section), variant.field) == variant.value


def variant_run(output_dir: str | os.PathLike[str], cfg: Config, variant: Variant,
                seed: int) -> Path:
    """Where a variant's run lives: chapter 3's run for the preset's own setting, else
    ``{output_dir}/ablations/{study}={value}-{method}-seed{seed}``.

    Notebook: 06_ablations
    """
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
    :func:`adl.table1.evaluate_run` on the evaluation split with no reference (reused when
    up to date).

    Returns:
        Columns ``study``, ``variant``, ``value``, ``method``, ``seed``, ``run``, ``main`` (the
        preset's own setting), ``reused``, ``train_s`` and one column per Table 1 metric.

    Notebook: 06_ablations
    """
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
    saved = run / "config.yaml"
    return load_config(saved) if saved.is_file() else cfg


def ablation_table(results: pd.DataFrame, metrics: Sequence[str] = ("cider_d", "meteor"),
                   digits: int = 3) -> pd.DataFrame:
    """Mean ± sample std over seeds, per study, variant and method (rows in study order).

    Args:
        results: from :func:`run_ablations` (or :func:`reference_study`).
        metrics: columns to summarise (those present).

    Notebook: 06_ablations
    """
    metrics = [m for m in metrics if m in results.columns]
    keys = ["study", "variant", "method"]
    grouped = results.groupby(keys, sort=False)
    out = grouped[metrics].agg(["mean", "std", "count"])
    table = pd.DataFrame(index=out.index)
    for m in metrics:
        table[m] = [format_mean_std(mu, sd, int(n), digits) for mu, sd, n in
                    zip(out[(m, "mean")], out[(m, "std")], out[(m, "count")])]
    table["seeds"] = grouped.size()
    return table


def ablation_verdicts(results: pd.DataFrame, metric: str = "cider_d") -> list[str]:
    """What each study shows, in sentences (Markdown list items), computed from its results.

    For each study and method: every setting against the reference setting (the preset's own,
    or for the ``reference`` study, no reference as in Table 1), with the gap of the means and
    whether it is larger than twice the standard error of that difference over seeds (a rough
    bar, not a test of significance with three seeds); then the setting with the highest mean.

    Args:
        results: from :func:`run_ablations` and :func:`reference_study`, concatenated (the
            ``main`` column marks the preset's own setting).
        metric: the column compared.

    Returns:
        Lines of Markdown, in the order of the studies in ``results``.

    Notebook: 06_ablations
    """
    lines = []
    for (study, method), part in results.groupby(["study", "method"], sort=False):
        stats = part.groupby("variant", sort=False)[metric].agg(["mean", "std", "count"])
        if study == "reference":
            base = stats.index[0]  # "no reference" as the run was trained, Table 1's way
        else:
            base = part.loc[part["main"].fillna(False).astype(bool), "variant"].iloc[0]
        best = stats["mean"].idxmax()
        for variant, row in stats.iterrows():
            if variant == base:
                continue
            gap = row["mean"] - stats.loc[base, "mean"]
            se = ((row["std"] ** 2 / row["count"])
                  + (stats.loc[base, "std"] ** 2 / stats.loc[base, "count"])) ** 0.5
            clear = pd.notna(se) and abs(gap) > 2 * se
            lines.append(f"- **{study}, {method}**: {variant} against {base}: {metric} "
                         f"{row['mean']:.3f} vs {stats.loc[base, 'mean']:.3f} ({gap:+.3f}; "
                         f"{'larger' if clear else 'not larger'} than twice its standard error"
                         f"{'' if pd.notna(se) else ', which one seed cannot give'}).")
        lines.append(f"  Best {method} setting of {study}: {best}.")
    return lines


def method_gaps(results: pd.DataFrame, metric: str = "cider_d", method: str = "adl",
                baseline: str = "baseline") -> pd.DataFrame:
    """``method − baseline`` on ``metric`` for every setting of the studies that ran both
    methods (``no_reference``, ``epochs``, ``encoder``, and the ``reference`` study), paired by
    seed: the question a training-length study asks is whether the *gap* moves, not the scores.

    Args:
        results: from :func:`run_ablations` and :func:`reference_study`, concatenated.
        metric: the column compared.

    Returns:
        One row per (study, variant) in the results' order: ``study, variant, seeds`` (how many
        seeds both methods have), ``method`` and ``baseline`` (their means over those seeds),
        ``gap`` (the mean per-seed difference), ``gap_std`` (NaN for one seed), and, where the
        ``run`` column names run folders, ``method_best`` and ``baseline_best`` ("best epoch of
        epochs done" of each seed's run, in seed order, joined by " / ", as chapter 3's
        convergence table reads them).

    Notebook: 06_ablations
    """
    rows = []
    for (study, variant), part in results.groupby(["study", "variant"], sort=False):
        a = part[part["method"] == method].groupby("seed")[metric].mean().dropna()
        b = part[part["method"] == baseline].groupby("seed")[metric].mean().dropna()
        seeds = sorted(set(a.index) & set(b.index))
        if not seeds:
            continue
        diff = a[seeds] - b[seeds]
        row = {"study": study, "variant": variant, "seeds": len(seeds),
               method: float(a[seeds].mean()), baseline: float(b[seeds].mean()),
               "gap": float(diff.mean()), "gap_std": float(diff.std()) if len(seeds) > 1 else math.nan}
        for name, key in ((method, "method_best"), (baseline, "baseline_best")):
            best = [_best_epoch(part, name, seed) for seed in seeds]
            row[key] = " / ".join(best) if all(best) else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=["study", "variant", "seeds", method, baseline, "gap", "gap_std",
                                       "method_best", "baseline_best"])


def _best_epoch(part: pd.DataFrame, method: str, seed: int) -> str:
    """"best of done" for ``method``'s run of ``seed`` in ``part`` ("" when no folder says)."""
    if "run" not in part.columns:
        return ""
    runs = part.loc[(part["method"] == method) & (part["seed"] == seed), "run"].dropna()
    if runs.empty or not (Path(runs.iloc[0]) / "run.json").is_file():
        return ""
    row = convergence([runs.iloc[0]]).iloc[0]
    return f"{row['best_epoch']} of {row['epochs_done']}"


def gap_verdicts(gaps: pd.DataFrame, metric: str = "cider_d", method: str = "adl",
                 baseline: str = "baseline") -> list[str]:
    """:func:`method_gaps` in sentences (Markdown list items), one per study: the gap at every
    setting, how it moves from the first setting to the last, and for the training-length
    study where each run's best epoch came (a best epoch equal to the epochs done means the
    run might still have improved).

    Notebook: 06_ablations
    """
    lines = []
    for study, part in gaps.groupby("study", sort=False):
        n = int(part["seeds"].min())
        each = "; ".join(
            f"{r.variant}: {r.gap:+.3f} ({getattr(r, method):.3f} against {getattr(r, baseline):.3f}"
            + ("" if math.isnan(r.gap_std) else f", ± {r.gap_std:.3f} over seeds") + ")"
            for r in part.itertuples())
        seeds = "one seed" if n == 1 else f"{n} seeds"
        a, b = METHOD_NAMES.get(method, method), METHOD_NAMES.get(baseline, baseline)
        line = f"- **{a} − {b}, {study}** ({metric}, paired by seed, {seeds}): {each}."
        if len(part) > 1:
            first, last = part.iloc[0], part.iloc[-1]
            moved = last["gap"] - first["gap"]
            line += (f" From {first['variant']} to {last['variant']} the gap moves by {moved:+.3f}"
                     + (" (one seed: compare it with the seed-to-seed spread of Table 1)." if n == 1
                        else "."))
        if study == "epochs" and (part["method_best"] != "").all():
            line += (" Best epoch: " + "; ".join(
                f"{r.variant}: {a} {r.method_best}, {b} {r.baseline_best}"
                for r in part.itertuples()) + " (a best epoch equal to the epochs done had "
                "not converged" + ("" if n == 1 else "; seeds in order, joined by /") + ").")
        lines.append(line)
    return lines


_REFERENCE_LABELS = {"silence": "encoded silence, Z_ref = Enc(0)", "zero": "Z_ref = 0"}


def reference_study(runs: Sequence[str | os.PathLike[str]], *,
                    root: str | os.PathLike[str] | None = None, device: str | None = None,
                    log: Log = print) -> pd.DataFrame:
    """Decode each run with "no reference" as it was trained and with the other meaning
    (``Z_ref = Enc(0)`` against ``Z_ref = 0``); one row per run and condition (``study`` =
    "reference"), Table 1 metrics as columns.

    Notebook: 06_ablations
    """
    rows = []
    for run in map(Path, runs):
        info = read_run_info(run)
        trained = run_config(run).model.no_reference
        other = "zero" if trained == "silence" else "silence"
        for reference, label in (("none", f"as trained ({_REFERENCE_LABELS[trained]})"),
                                 (other, _REFERENCE_LABELS[other])):
            scores = evaluate_run(run, root=root, metrics=TABLE1_METRICS, device=device,
                                  reference=reference, log=log)
            rows.append({"study": "reference", "variant": label, "value": reference,
                         "method": info["method"], "seed": info["seed"], "run": str(run),
                         **dict(scores)})
    return pd.DataFrame(rows)


def training_estimate(new_runs: dict[str, int], timings: pd.DataFrame) -> float:
    """Seconds of training ``new_runs`` (runs to train, per method) would take at the pace of
    finished runs: each new run costs the mean ``seconds`` of the finished runs of its method.

    Args:
        new_runs: ``{method: number of runs}``.
        timings: :func:`adl.runs.run_timings` of finished runs (columns ``method``, ``seconds``).

    Returns:
        The estimate in seconds; NaN when a method to train has no finished run to time it by.
        Evaluation and the mixture pools come on top: it is training alone.

    Notebook: 06_ablations
    """
    pace = timings.dropna(subset=["seconds"]).groupby("method")["seconds"].mean()
    total = 0.0
    for method, n in new_runs.items():
        if n <= 0:
            continue
        if method not in pace.index:
            return math.nan
        total += n * float(pace[method])
    return total
