"""How sure are the runs? Intervals for every Table 1 difference against the baseline.

A difference of two means over a few seeds says nothing without its uncertainty, and two kinds
of chance enter it: which seed trained each run, and which clips the evaluation split happens to
hold. :func:`paired_bootstrap` resamples both at once. Each resample draws seeds with
replacement (a seed keeps both of its runs, which started from the same weights), then
evaluation clips with replacement, the *same* clips for both methods (every clip is captioned
by both: that is the pairing that is exact), and recomputes the difference. The 2.5 and 97.5
percentiles of the resampled differences are the 95 % interval. With one seed only the clips
are resampled: the interval then says nothing about training noise, and the sentences say so.

The statistics:

* caption metrics: the mean of the per-clip scores in each run's ``captions.csv``. For CIDEr-D
  this is the corpus score; for METEOR it is close to it but not the same (the corpus METEOR
  pools the matches of all clips before its formula);
* event F1 (:mod:`adl.events`): micro-averaged, recomputed from the resampled clips' counts,
  ``2 * hits / (named + true)``.

:func:`detectable_effect` is the smallest true difference that this design (these seeds and
clips) finds with 80 % power at the 5 % level: ``(z_0.975 + z_0.8)`` times the bootstrap
standard error, a normal approximation. :func:`table1_intervals` gives one row per method and
metric, with Welch's test over the seeds' scores and :func:`seeds_needed` beside it; :func:`write_table1_json` writes
them to ``table1.json`` in the preset's output folder, and :func:`interval_sentence` says what
each row shows.

Table 2 (chapter 5's ``table2_captions.csv``) gets the same treatment. :func:`table2_clips`
reads one run's per-clip values, :func:`table2_per_seed` averages them per run, and
:func:`table2_intervals` gives ADL − baseline with its interval for each of :data:`TABLE2_ROWS`:
for claim 1, the share of its own input CIDEr-D a model keeps on mixture − event (a ratio of
sums, the ``ratio`` statistic); for claim 2, how often mixture − input names the added event,
how many classes it names, and its CIDEr-D against the event's captions.

Notebook: 07_results
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adl.config import dataset_root
from adl.events import EventLabels, caption_language, load_event_labels
from adl.io import write_json
from adl.runs import RunError, read_run_info
from adl.table1 import METHOD_NAMES, result_paths, run_config
from adl.table2 import names_category, read_table2

__all__ = ["CI_LEVEL", "INTERVAL_METRICS", "TABLE2_COLUMNS", "TABLE2_ROWS", "Interval",
           "clip_matrix", "detectable_effect", "event_counts", "interval_sentence",
           "paired_bootstrap", "seeds_needed", "table1_intervals", "table2_clips",
           "table2_intervals", "table2_per_seed", "write_table1_json"]

#: The metrics whose differences get intervals (caption metrics from ``captions.csv``).
INTERVAL_METRICS: tuple[str, ...] = ("cider_d", "meteor", "event_f1")
#: The interval's coverage.
CI_LEVEL = 0.95
#: ``z_0.975 + z_0.8``: a true difference this many standard errors away is found 80 % of the
#: time by a two-sided test at the 5 % level.
_Z_POWER = 1.959964 + 0.841621
#: Metric names as the sentences write them.
_LABELS = {"cider_d": "CIDEr-D", "meteor": "METEOR", "event_f1": "event F1"}
#: Table 2's rows, ``(claim, condition, metric)``: claim 1 rests on ``kept_share`` (the share
#: of its input CIDEr-D a model keeps on mixture − event), claim 2 on ``event_recall`` (the share
#: of mixture − input captions that name the added event); the other rows stand beside them.
TABLE2_ROWS: tuple[tuple[int, str, str], ...] = (
    (1, "input", "cider_d"), (1, "mixture-event", "cider_d"), (1, "mixture-event", "kept_share"),
    (2, "mixture-input", "event_recall"), (2, "mixture-input", "classes_named"),
    (2, "mixture-input", "cider_d"))
#: The columns of :func:`table2_intervals`.
TABLE2_COLUMNS: tuple[str, ...] = (
    "claim", "condition", "metric", "method", "baseline", "method_mean", "baseline_mean",
    "difference", "ci_low", "ci_high", "se", "detectable", "seeds_needed", "n_seeds", "n_clips",
    "note")
#: Per row: the bootstrap statistic and the :func:`table2_clips` columns it reads.
_TABLE2_SOURCES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("input", "cider_d"): ("mean", ("input_cider_d",)),
    ("mixture-event", "cider_d"): ("mean", ("kept_cider_d",)),
    ("mixture-event", "kept_share"): ("ratio", ("kept_cider_d", "input_cider_d")),
    ("mixture-input", "event_recall"): ("mean", ("event_named",)),
    ("mixture-input", "classes_named"): ("mean", ("classes_named",)),
    ("mixture-input", "cider_d"): ("mean", ("event_cider_d",))}
#: The CIDEr-D column of :func:`table2_clips` for each condition it reads.
_CIDER_COLUMNS = {"input": "input_cider_d", "mixture-event": "kept_cider_d",
                  "mixture-input": "event_cider_d"}


@dataclass(frozen=True)
class Interval:
    """A paired difference ``method - baseline`` and its bootstrap interval."""

    mean: float
    low: float
    high: float
    se: float
    n_seeds: int
    n_clips: int
    #: The standard error with only the seeds resampled (clips fixed), and with only the clips
    #: resampled (seeds fixed): how much of ``se`` each kind of chance contributes.
    se_seeds: float = math.nan
    se_clips: float = math.nan

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return bool(self.low > 0 or self.high < 0)


def clip_matrix(runs: Sequence[str | os.PathLike[str]], column: str,
                split: str = "evaluation") -> tuple[list[int], list[str], np.ndarray]:
    """Per-clip scores of runs of one method: ``(seeds, file_names, scores (S, N))``.

    Rows are the runs sorted by seed; columns the clips sorted by file name, so two methods'
    matrices line up clip by clip.

    Raises:
        RunError: a run has no ``captions.csv`` for ``split``, lacks ``column``, or two runs
            have different clips.
    """
    seeds, rows, files = [], [], None
    for run in sorted(map(Path, runs), key=lambda r: read_run_info(r)["seed"]):
        frame = _captions(run, split)
        if column not in frame.columns:
            raise RunError(f"{result_paths(run, split)[1]}: no per-clip {column!r} column; "
                           f"run `adl evaluate {run} --metrics {column}`")
        frame = frame.sort_values("file_name")
        names = frame["file_name"].tolist()
        if files is not None and names != files:
            raise RunError(f"{run}: scored other clips than the runs before it")
        files = names
        seeds.append(int(read_run_info(run)["seed"]))
        rows.append(frame[column].to_numpy(float))
    if files is None:
        raise RunError("clip_matrix: no runs")
    return seeds, files, np.stack(rows)


def event_counts(runs: Sequence[str | os.PathLike[str]], root: str | os.PathLike[str] | None,
                 split: str = "evaluation") -> tuple[list[int], list[str], np.ndarray] | None:
    """Per-clip event counts of runs of one method: ``(seeds, file_names, counts (S, N, 3))``,
    the last axis ``hits, named, true`` (:func:`adl.events.event_precision_recall`'s sums);
    None when the data has no event labels (real Clotho)."""
    seeds, rows, files = [], [], None
    labels_at: dict[Path, EventLabels | None] = {}  # one read of the labels per data set
    for run in sorted(map(Path, runs), key=lambda r: read_run_info(r)["seed"]):
        base = dataset_root(run_config(run), root)
        if base not in labels_at:
            labels_at[base] = load_event_labels(base, split)
        labels = labels_at[base]
        if labels is None:
            return None
        frame = _captions(run, split).sort_values("file_name")
        names = frame["file_name"].tolist()
        if files is not None and names != files:
            raise RunError(f"{run}: scored other clips than the runs before it")
        files = names
        seeds.append(int(read_run_info(run)["seed"]))
        rows.append(np.asarray(labels.counts(frame["candidate"].tolist(), names), dtype=float))
    if files is None:
        raise RunError("event_counts: no runs")
    return seeds, files, np.stack(rows)


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, statistic: str = "mean",
                     n_resamples: int = 4000, seed: int = 0) -> Interval:
    """The difference ``statistic(a) - statistic(b)`` and its 95 % interval.

    Each resample draws the seeds (rows) with replacement, then the clips (columns) with
    replacement, the same draws for ``a`` and ``b``.

    Args:
        a, b: (S, N) per-seed, per-clip scores (``statistic="mean"``), (S, N, 3) event
            counts ``hits, named, true`` (``statistic="f1"``), or (S, N, 2) ``numerator,
            denominator`` (``statistic="ratio"``: the ratio of their sums, as the share of the
            input's CIDEr-D that mixture − event keeps); row ``s`` of both is seed ``s``,
            column ``n`` clip ``n``.
        n_resamples: bootstrap resamples.
        seed: the resampling's random seed (the interval is reproducible).

    Returns:
        :class:`Interval`: the observed difference, the percentile interval, the bootstrap
        standard error, and the numbers of seeds and clips.
    """
    # The last axis each statistic needs (None: none, per-clip scores).
    parts = {"mean": None, "f1": 3, "ratio": 2}
    if statistic not in parts:
        raise ValueError(f"statistic must be 'mean', 'f1' or 'ratio', got {statistic!r}")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    k = parts[statistic]
    if a.shape != b.shape or a.ndim != (2 if k is None else 3) or (k and a.shape[-1] != k):
        raise ValueError(f"paired_bootstrap({statistic}): a and b must have one shape, "
                         f"{'(S, N)' if k is None else f'(S, N, {k})'}; "
                         f"got {a.shape} and {b.shape}")
    if a.shape[0] < 1 or a.shape[1] < 2:
        raise ValueError(f"paired_bootstrap: needs a seed and two clips, got {a.shape[:2]}")
    if n_resamples < 100:
        raise ValueError(f"n_resamples: at least 100 for a 95 % interval, got {n_resamples}")
    n_seeds, n_clips = a.shape[:2]
    rng = np.random.default_rng(seed)
    # Multinomial counts weight each seed and clip by how often a resample drew it: the
    # resampled sums are then two matrix products, with no (R, S, N) array in memory.
    w = rng.multinomial(n_seeds, np.full(n_seeds, 1 / n_seeds), size=n_resamples)
    v = rng.multinomial(n_clips, np.full(n_clips, 1 / n_clips), size=n_resamples)
    ones_w, ones_v = np.ones((1, n_seeds)), np.ones((1, n_clips))

    def stat(x: np.ndarray, ws: np.ndarray, vs: np.ndarray) -> np.ndarray:
        if statistic == "mean":
            return np.einsum("rs,sn,rn->r", ws, x, vs) / (n_seeds * n_clips)
        sums = np.einsum("rs,snk,rn->rk", ws, x, vs)  # (R, k): the resampled sums
        with np.errstate(invalid="ignore", divide="ignore"):
            if statistic == "ratio":
                return sums[:, 0] / sums[:, 1]
            return 2 * sums[:, 0] / (sums[:, 1] + sums[:, 2])  # hits, named, true

    def spread(ws: np.ndarray, vs: np.ndarray) -> np.ndarray:
        d = stat(a, ws, vs) - stat(b, ws, vs)
        return d[np.isfinite(d)]

    observed = float(stat(a, ones_w, ones_v)[0] - stat(b, ones_w, ones_v)[0])
    diffs = spread(w, v)
    nan = math.nan
    if diffs.size < 2:
        return Interval(observed, nan, nan, nan, n_seeds, n_clips)
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    by_seed = spread(w, np.ones_like(v)) if n_seeds > 1 else np.empty(0)  # one seed: unknown
    by_clip = spread(np.ones_like(w), v)
    return Interval(observed, float(low), float(high), float(diffs.std(ddof=1)), n_seeds,
                    n_clips, float(by_seed.std(ddof=1)) if by_seed.size > 1 else nan,
                    float(by_clip.std(ddof=1)) if by_clip.size > 1 else nan)


def detectable_effect(interval: Interval) -> float:
    """The smallest true difference this design finds 80 % of the time at the 5 % level
    (normal approximation from the bootstrap standard error)."""
    return _Z_POWER * interval.se


def seeds_needed(interval: Interval) -> int | None:
    """How many seeds would find a true difference as large as the observed one 80 % of the
    time at the 5 % level, if the training noise per seed stays as measured and the clips'
    share of the error stays fixed (normal approximation).

    ``S' = S * se_seeds**2 / ((|mean| / 2.80)**2 - se_clips**2)``. None when it cannot be said:
    one seed (no estimate of the training noise), a zero difference, or clips whose own noise
    already exceeds what such a difference allows (more seeds alone would not tell; more clips
    would).
    """
    if (interval.n_seeds < 2 or interval.mean == 0 or math.isnan(interval.se_seeds)
            or math.isnan(interval.se_clips)):
        return None
    room = (abs(interval.mean) / _Z_POWER) ** 2 - interval.se_clips ** 2
    if room <= 0:
        return None
    return max(2, math.ceil(interval.n_seeds * interval.se_seeds ** 2 / room))


def table1_intervals(runs: Sequence[str | os.PathLike[str]], *, baseline: str = "baseline",
                     metrics: Sequence[str] = INTERVAL_METRICS,
                     root: str | os.PathLike[str] | None = None, n_resamples: int = 4000,
                     ) -> pd.DataFrame:
    """Every method against ``baseline`` on ``metrics``, over the seeds both have.

    Args:
        runs: evaluated runs of any methods and seeds (their ``captions.csv``).
        metrics: per-clip caption metrics (columns of ``captions.csv``) and ``event_f1``
            (skipped without event labels).
        root: the data root, for the event labels (None: each run config's).

    Returns:
        One row per method and metric: ``method, metric, mean, ci_low, ci_high, se,
        detectable, welch_p`` (Welch's t-test over the per-seed scores; NaN with fewer than
        two seeds a side), ``seeds_needed`` (:func:`seeds_needed`; NaN where it cannot be
        said), ``n_seeds, n_clips``.

    Raises:
        RunError: no baseline runs, or a method shares no seed with the baseline.
    """
    from scipy import stats

    by_method: dict[str, list[Path]] = {}
    for run in map(Path, runs):
        by_method.setdefault(str(read_run_info(run)["method"]), []).append(run)
    if baseline not in by_method:
        raise RunError(f"table1_intervals: no {baseline} runs among {len(runs)} runs")
    rows: list[dict[str, Any]] = []
    others = [m for m in ("mixgen", "adl") if m in by_method and m != baseline]
    others += sorted(m for m in by_method if m not in (*others, baseline))
    for method in others:
        seeds = (sorted({read_run_info(r)["seed"] for r in by_method[method]}
                        & {read_run_info(r)["seed"] for r in by_method[baseline]}))
        if not seeds:
            raise RunError(f"table1_intervals: {method} and {baseline} share no seed")
        mine = [r for r in by_method[method] if read_run_info(r)["seed"] in seeds]
        base = [r for r in by_method[baseline] if read_run_info(r)["seed"] in seeds]
        for metric in metrics:
            if metric == "event_f1":
                got_a, got_b = event_counts(mine, root), event_counts(base, root)
                if got_a is None or got_b is None:
                    continue
                (_, files_a, a), (_, files_b, b) = got_a, got_b
                statistic = "f1"
                per_seed_a = 2 * a[..., 0].sum(1) / (a[..., 1].sum(1) + a[..., 2].sum(1))
                per_seed_b = 2 * b[..., 0].sum(1) / (b[..., 1].sum(1) + b[..., 2].sum(1))
            else:
                _, files_a, a = clip_matrix(mine, metric)
                _, files_b, b = clip_matrix(base, metric)
                statistic = "mean"
                per_seed_a, per_seed_b = a.mean(1), b.mean(1)
            if files_a != files_b:
                raise RunError(f"table1_intervals: {method} and {baseline} scored other clips")
            ci = paired_bootstrap(a, b, statistic=statistic, n_resamples=n_resamples)
            welch = (float(stats.ttest_ind(per_seed_a, per_seed_b, equal_var=False).pvalue)
                     if len(seeds) > 1 else math.nan)
            needed = seeds_needed(ci)
            rows.append({"method": method, "metric": metric, "mean": ci.mean,
                         "ci_low": ci.low, "ci_high": ci.high, "se": ci.se,
                         "detectable": detectable_effect(ci), "welch_p": welch,
                         "seeds_needed": math.nan if needed is None else needed,
                         "n_seeds": ci.n_seeds, "n_clips": ci.n_clips})
    return pd.DataFrame(rows, columns=["method", "metric", "mean", "ci_low", "ci_high", "se",
                                       "detectable", "welch_p", "seeds_needed", "n_seeds",
                                       "n_clips"])


def write_table1_json(intervals: pd.DataFrame, output_dir: str | os.PathLike[str],
                      *, baseline: str = "baseline") -> Path:
    """Write :func:`table1_intervals`'s rows to ``<output_dir>/table1.json``, atomically:
    ``{"baseline", "level", "differences": [{method, metric, mean, ci_low, ci_high, se,
    detectable, welch_p, seeds_needed, n_seeds, n_clips}, ...]}``, NaN as null."""
    def plain(v: Any) -> Any:
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            return None if math.isnan(v) else float(v)
        return v
    path = Path(output_dir) / "table1.json"
    write_json(path, {"baseline": baseline, "level": CI_LEVEL,
                      "differences": [{k: plain(v) for k, v in row.items()}
                                      for row in intervals.to_dict("records")]})
    return path


def interval_sentence(row: pd.Series | dict[str, Any], baseline: str = "baseline") -> str:
    """One Markdown sentence: the difference, its interval, and what it lets the runs say."""
    method = METHOD_NAMES.get(row["method"], row["method"])
    base = METHOD_NAMES.get(baseline, baseline)
    label = _LABELS.get(row["metric"], row["metric"])
    seeds, clips = int(row["n_seeds"]), int(row["n_clips"])
    what = (f"{method} − {base}, {label}: {row['mean']:+.3f} (95 % interval "
            f"{row['ci_low']:+.3f} to {row['ci_high']:+.3f}; {seeds} seed{'s' * (seeds != 1)}, "
            f"{clips} clips)")
    if math.isnan(row["ci_low"]):
        return f"{what}: no interval could be computed."
    if row["ci_low"] > 0 or row["ci_high"] < 0:
        verdict = (f"the interval excludes zero: {method} scores "
                   f"{'higher' if row['mean'] > 0 else 'lower'}")
    else:
        verdict = (f"the interval includes zero, so these runs cannot tell the two apart; "
                   f"this design finds a true difference of about ±{row['detectable']:.3f} "
                   f"80 % of the time")
        needed = row.get("seeds_needed", math.nan)
        if seeds > 1 and not (needed is None or math.isnan(needed)):
            verdict += (f"; a true difference as large as this one would need about "
                        f"{int(needed)} seeds to be found 80 % of the time")
        elif seeds > 1:
            verdict += ("; more seeds alone would not tell a difference this small: the "
                        "clips' own noise is larger")
    if seeds == 1:
        verdict += (" (one seed: the interval covers the choice of clips only, not training "
                    "noise; train more seeds to tell how many would be needed)")
    return f"{what}: {verdict}."


# -- Table 2 -----------------------------------------------------------------------------------


def table2_clips(run: str | os.PathLike[str],
                 root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One run's Table 2 values per evaluation clip, from its ``table2_captions.csv``.

    Args:
        run: a run that chapter 5 (:func:`adl.table2.difference_conditions`) decoded.
        root: the data root, only read when the file predates its ``named_events`` column
            (the classes are then found in the captions again); None: the run config's.

    Returns:
        One row per clip, sorted by ``file_name`` (the index): ``event_file``,
        ``input_cider_d``, ``kept_cider_d`` (mixture − event against the input's captions),
        ``event_cider_d`` (mixture − input against the event's captions), ``event_named``
        (1.0 when the mixture − input caption names the added event's class, else 0.0) and
        ``classes_named`` (how many classes it names). A CIDEr-D that was not scored is NaN,
        and ``attrs["notes"]`` says why, per column.

    Raises:
        RunError: the file is missing, lacks a condition or a column it cannot do without, or
            holds a score that is not a number.
    """
    run = Path(run)
    path = run / "table2_captions.csv"
    if not path.is_file():
        raise RunError(f"{path}: missing; run chapter 5 (difference_conditions) on {run} first")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    lacking = [c for c in ("file_name", "condition", "caption", "event_file", "event_label")
               if c not in frame.columns]
    if lacking:
        raise RunError(f"{path}: no {lacking[0]!r} column; rerun difference_conditions "
                       f"on {run} with force=True")
    by = {}
    for cond in _CIDER_COLUMNS:
        by[cond] = frame[frame["condition"] == cond].set_index("file_name").sort_index()
        if by[cond].empty or list(by[cond].index) != list(by["input"].index):
            raise RunError(f"{path}: the {cond!r} rows are missing or name other clips than "
                           f"the 'input' rows")
    event = by["mixture-input"]
    out = pd.DataFrame({"event_file": event["event_file"]}, index=event.index)
    out.attrs["notes"] = notes = {}
    table = read_table2(run) or {}
    for cond, column in _CIDER_COLUMNS.items():
        out[column], note = _clip_cider(path, by[cond], cond, table)
        if note:
            notes[column] = note
    if "named_events" in event.columns:
        named = [{c for c in text.split(";") if c} for text in event["named_events"]]
    else:  # an older file: find the classes in the captions, as chapter 5 does
        language = caption_language(dataset_root(run_config(run), root))
        named = [language.events_in_caption(cap)
                 | ({label} if names_category(cap, label, language=language) else set())
                 for cap, label in zip(event["caption"], event["event_label"])]
    out["event_named"] = [float(label in n) for label, n in zip(event["event_label"], named)]
    out["classes_named"] = [float(len(n)) for n in named]
    return out


def _clip_cider(path: Path, rows: pd.DataFrame, cond: str, table: dict[str, Any],
                ) -> tuple[np.ndarray, str]:
    """One condition's per-clip CIDEr-D, and why it is NaN where it is ("" when scored)."""
    nan = np.full(len(rows), math.nan)
    if "cider_d" not in rows.columns:
        return nan, (f"{path}: no per-clip cider_d column; rerun difference_conditions with "
                     f"cider_d among its metrics and force=True")
    raw = rows["cider_d"]
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw[(raw != "") & values.isna()]
    if not bad.empty:
        raise RunError(f"{path}: cider_d {bad.iloc[0]!r} of {bad.index[0]} ({cond}) is not "
                       f"a number")
    if values.isna().any():
        # Chapter 5 leaves the score empty where no references exist (real data).
        res = table.get("conditions", {}).get(cond, {})
        why = res.get("unavailable", {}).get("cider_d") or res.get("references") or "not scored"
        return values.to_numpy(float), f"{path}: {cond} has no CIDEr-D: {why}"
    return values.to_numpy(float), ""


def table2_per_seed(runs: Sequence[str | os.PathLike[str]],
                    root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Each run's Table 2 values, averaged over its clips (:func:`table2_clips`).

    Args:
        runs: runs of any methods; those without ``table2_captions.csv`` are left out.
        root: as :func:`table2_clips`.

    Returns:
        One row per run: ``method, seed, run, input_cider_d, kept_cider_d, kept_share``
        (``kept_cider_d / input_cider_d``: the share of its own input CIDEr-D the model keeps
        on mixture − event), ``event_recall`` (the share of mixture − input captions that name
        the added event), ``classes_named`` (classes per mixture − input caption),
        ``event_cider_d`` and ``n_clips``.

    Notebook: 07_results
    """
    rows = []
    for run in map(Path, runs):
        if not (run / "table2_captions.csv").is_file():
            continue
        info, clips = read_run_info(run), table2_clips(run, root)
        means = clips.drop(columns="event_file").mean()
        rows.append({"method": info["method"], "seed": info["seed"], "run": run.name,
                     "input_cider_d": means["input_cider_d"],
                     "kept_cider_d": means["kept_cider_d"],
                     "kept_share": (means["kept_cider_d"] / means["input_cider_d"]
                                    if means["input_cider_d"] else math.nan),
                     "event_recall": means["event_named"],
                     "classes_named": means["classes_named"],
                     "event_cider_d": means["event_cider_d"], "n_clips": len(clips)})
    return pd.DataFrame(rows, columns=["method", "seed", "run", "input_cider_d", "kept_cider_d",
                                       "kept_share", "event_recall", "classes_named",
                                       "event_cider_d", "n_clips"])


def table2_intervals(runs: Sequence[str | os.PathLike[str]], *, method: str = "adl",
                     baseline: str = "baseline", root: str | os.PathLike[str] | None = None,
                     n_resamples: int = 4000) -> pd.DataFrame:
    """``method`` − ``baseline`` on Table 2's two claims, with 95 % paired bootstrap intervals.

    Each row of :data:`TABLE2_ROWS` is resampled over the seeds both methods have and over the
    clips (:func:`paired_bootstrap`; ``kept_share`` with the ``ratio`` statistic, the rest
    with ``mean``). The pairing needs every run to have mixed the same event into each clip
    (chapter 5 uses one seed for the events, whatever seed trained the run).

    Args:
        runs: runs of any methods and seeds; only ``method``'s and ``baseline``'s with a
            ``table2_captions.csv`` are used.
        root: as :func:`table2_clips`. n_resamples: bootstrap resamples.

    Returns:
        One row per :data:`TABLE2_ROWS` entry, columns :data:`TABLE2_COLUMNS`: the two
        methods' means over seeds and clips, their ``difference``, ``ci_low``, ``ci_high``,
        ``se``, ``detectable`` (:func:`detectable_effect`), ``seeds_needed``, ``n_seeds``,
        ``n_clips``, and ``note`` (why a row has no numbers; "" when it has). Empty, with the
        reason in ``attrs["note"]``, when no seed has Table 2 for both methods.

    Raises:
        RunError: two runs of one method and seed, or runs that mixed other clips or events.

    Notebook: 07_results
    """
    chosen: dict[str, dict[int, Path]] = {method: {}, baseline: {}}
    for run in map(Path, runs):
        info = read_run_info(run)
        if info["method"] not in chosen or not (run / "table2_captions.csv").is_file():
            continue  # chapter 5 decodes some methods and seeds only
        mine = chosen[info["method"]]
        if int(info["seed"]) in mine:
            raise RunError(f"{run}: a second {info['method']} run of seed {info['seed']} "
                           f"(beside {mine[int(info['seed'])]}); pass one run per seed")
        mine[int(info["seed"])] = run
    seeds = sorted(set(chosen[method]) & set(chosen[baseline]))
    if not seeds:
        empty = pd.DataFrame(columns=list(TABLE2_COLUMNS))
        empty.attrs["note"] = (f"no seed has Table 2 (table2_captions.csv) for both {method} "
                               f"and {baseline}: run chapter 5 first")
        return empty
    clips = {(m, s): table2_clips(chosen[m][s], root) for m in chosen for s in seeds}
    first_run, first = chosen[method][seeds[0]], clips[(method, seeds[0])]
    for (m, s), frame in clips.items():
        if (list(frame.index) != list(first.index)
                or list(frame["event_file"]) != list(first["event_file"])):
            raise RunError(f"{chosen[m][s] / 'table2_captions.csv'}: other clips or added "
                           f"events than {first_run}; run difference_conditions with the "
                           f"same seed and clips on every run")
    rows = [_table2_row(claim, cond, metric, [clips[(method, s)] for s in seeds],
                        [clips[(baseline, s)] for s in seeds], n_resamples)
            for claim, cond, metric in TABLE2_ROWS]
    return pd.DataFrame([{**row, "method": method, "baseline": baseline} for row in rows],
                        columns=list(TABLE2_COLUMNS))


def _table2_row(claim: int, cond: str, metric: str, mine: list[pd.DataFrame],
                base: list[pd.DataFrame], n_resamples: int) -> dict[str, Any]:
    """One row of :func:`table2_intervals`: the two methods' seeds' clips, resampled."""
    statistic, columns = _TABLE2_SOURCES[(cond, metric)]
    a, b = (np.stack([np.stack([f[c].to_numpy(float) for c in columns], -1) for f in frames])
            for frames in (mine, base))  # (S, N, parts)
    if statistic == "mean":
        a, b = a[..., 0], b[..., 0]
    row: dict[str, Any] = {"claim": claim, "condition": cond, "metric": metric,
                           "n_seeds": a.shape[0], "n_clips": a.shape[1], "note": ""}
    if np.isnan(a).any() or np.isnan(b).any():
        notes = [f.attrs["notes"][c] for f in (*mine, *base) for c in columns
                 if c in f.attrs.get("notes", {})]
        return {**row, "note": notes[0] if notes else "not scored on every clip",
                **{k: math.nan for k in ("method_mean", "baseline_mean", "difference",
                                         "ci_low", "ci_high", "se", "detectable",
                                         "seeds_needed")}}

    def pooled(x: np.ndarray) -> float:  # the statistic over all seeds and clips
        if statistic == "mean":
            return float(x.mean())
        return float(x[..., 0].sum() / x[..., 1].sum()) if x[..., 1].sum() else math.nan

    ci = paired_bootstrap(a, b, statistic=statistic, n_resamples=n_resamples)
    needed = seeds_needed(ci)
    return {**row, "method_mean": pooled(a), "baseline_mean": pooled(b),
            "difference": ci.mean, "ci_low": ci.low, "ci_high": ci.high, "se": ci.se,
            "detectable": detectable_effect(ci),
            "seeds_needed": math.nan if needed is None else needed}


def _captions(run: Path, split: str) -> pd.DataFrame:
    path = result_paths(run, split)[1]
    if not path.is_file():
        raise RunError(f"{path}: missing; run `adl evaluate {run} --split {split}` first")
    return pd.read_csv(path, keep_default_na=False)
