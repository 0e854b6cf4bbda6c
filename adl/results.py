"""The findings: the paper's Table 1 and Table 2 over seeds, and the sentences that state what
they show.

Komatsu et al. (ICASSP 2024) report one number per method; the book trains seeds, so every
mean here comes with its spread over seeds (:func:`adl.table1.format_mean_std`) and Welch's
test (:func:`compare`). The verdict on Table 1 (:func:`verdict`, :func:`conclusion`) follows
the 95 % interval of the paired bootstrap over seeds and clips
(:func:`adl.intervals.table1_intervals`); the verdicts on Table 2's claims
(:func:`table2_verdicts`, stated by :func:`table2_claims`) follow theirs
(:func:`adl.intervals.table2_intervals`). Every function reads what chapters 3-6 wrote into
the run folders (``run.json``, ``metrics.json``, ``table2.json``, ``table2_captions.csv``) and
computes; nothing is typed in by hand, so the results chapter says whatever the runs say, in
either direction.

Notebook: 07_results
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from adl.config import dataset_root
from adl.events import EventScores, load_event_labels
from adl.runs import CONVERGENCE_RULE, read_run_info
from adl.table1 import METHOD_NAMES, format_mean_std, relative_change, result_paths, run_config
from adl.table2 import CONDITIONS, read_table2

__all__ = ["EVENT_COLUMNS", "Comparison", "Verdict", "compare", "conclusion", "event_columns",
           "event_scores", "gpu_estimate", "paired_differences", "per_run_scores", "summarise",
           "table2_claims", "table2_over_seeds", "table2_verdicts", "verdict"]


def per_run_scores(runs: Sequence[str | os.PathLike[str]],
                   metrics: Sequence[str] = ("cider_d", "meteor", "spider")) -> pd.DataFrame:
    """One row per evaluated run: ``method``, ``seed``, ``run``, ``steps`` (its optimizer steps)
    and the metrics it computed (NaN for a metric it could not compute, e.g. SPICE without its
    jars).

    Notebook: 07_results
    """
    rows = []
    for run in map(Path, runs):
        info = read_run_info(run)
        path = result_paths(run)[0]
        scores = json.loads(path.read_text(encoding="utf-8"))["scores"] if path.is_file() else {}
        rows.append({"method": info["method"], "seed": info["seed"], "run": run.name,
                     "steps": info.get("global_step", math.nan),
                     **{m: scores.get(m, math.nan) for m in metrics}})
    return pd.DataFrame(rows)


def event_scores(runs: Sequence[str | os.PathLike[str]],
                 root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Which sounds the Table 1 captions name, against the sounds in each clip.

    Event precision is the share of the classes a model's captions name that really sound in
    the clip: below 1, the model *hallucinates* sounds (says "a dog barks" where no dog is).
    Recall is the share of the clip's classes its caption names (the corpus's own captions leave
    faint events out, so recall stays below 1 even for them). Micro-averaged over the
    evaluation clips, by :func:`adl.events.caption_event_scores`, the computation behind the
    ``events`` of each run's ``metrics.json`` (read from there when it was scored on the same
    data, else computed from ``captions.csv``); only the embedded corpus has the event labels
    this needs.

    Args:
        runs: evaluated runs (their ``captions.csv``).
        root: the data root (None: each run config's).
    Returns:
        One row per run with captions: ``method, seed, run, event_precision, event_recall,
        event_f1, absent_share, distinct_captions, n_clips`` and ``hallucinating`` (the same
        as ``absent_share``: the share of captions that name at least one absent class);
        empty when the data has no event labels.

    Notebook: 07_results
    """
    rows = []
    for run in map(Path, runs):
        metrics_json, captions_csv = result_paths(run)
        base = dataset_root(run_config(run), root)
        if not captions_csv.is_file():
            continue
        labels = load_event_labels(base, "evaluation")
        if labels is None:
            continue
        saved = (json.loads(metrics_json.read_text(encoding="utf-8"))
                 if metrics_json.is_file() else {})
        if saved.get("events") and saved.get("data_root") == str(base.resolve()):
            ev = EventScores.from_json(saved["events"])
        else:
            frame = pd.read_csv(captions_csv, keep_default_na=False)
            ev = labels.score(frame["candidate"].tolist(), frame["file_name"].tolist())
        info = read_run_info(run)
        rows.append({"method": info["method"], "seed": info["seed"], "run": run.name,
                     **event_columns(ev), "hallucinating": ev.absent_share})
    return pd.DataFrame(rows, columns=["method", "seed", "run", *EVENT_COLUMNS,
                                       "hallucinating"])


#: The columns :func:`event_columns` gives, as the book's tables name them.
EVENT_COLUMNS: tuple[str, ...] = ("event_precision", "event_recall", "event_f1", "absent_share",
                                  "distinct_captions", "n_clips")


def event_columns(ev: EventScores) -> dict[str, float]:
    """:class:`adl.events.EventScores` as table columns (:data:`EVENT_COLUMNS`)."""
    return {"event_precision": ev.precision, "event_recall": ev.recall, "event_f1": ev.f1,
            "absent_share": ev.absent_share, "distinct_captions": ev.distinct_captions,
            "n_clips": ev.n_clips}


@dataclass(frozen=True)
class Comparison:
    """``method`` against ``baseline`` on one metric, over seeds."""

    metric: str
    method: str
    baseline: str
    mean: float
    baseline_mean: float
    std: float
    baseline_std: float
    n: int
    baseline_n: int
    relative_change: float
    t: float
    p_value: float
    #: The per-seed difference ``method - baseline`` over the seeds both have: the same seed
    #: starts both from the same weights and (with ``adl_mode: add``) feeds them the same plain
    #: examples in the same order, so the difference of a pair isolates the method.
    paired_mean: float = math.nan
    paired_std: float = math.nan
    n_pairs: int = 0
    paired_p: float = math.nan

    @property
    def clear(self) -> bool:
        """True when Welch's test rejects "no difference" at the 5 % level."""
        return bool(self.p_value < 0.05)

    def sentence(self) -> str:
        """The comparison in words, in whichever direction it went."""
        a, b = METHOD_NAMES.get(self.method, self.method), METHOD_NAMES.get(self.baseline,
                                                                             self.baseline)
        if math.isnan(self.relative_change):
            return f"{self.metric}: not computed for both methods."
        direction = "higher" if self.relative_change > 0 else "lower"
        if math.isnan(self.p_value):
            spread = f"no test possible with {self.n} and {self.baseline_n} seeds"
            verdict = "without a spread over seeds Welch's test cannot weigh it"
        else:
            spread = (f"Welch's t = {self.t:.2f}, p = {self.p_value:.3f} over {self.n} and "
                      f"{self.baseline_n} seeds")
            verdict = ("Welch's test puts it beyond the seed-to-seed spread at the 5 % level"
                       if self.clear else
                       "Welch's test does not put it beyond the seed-to-seed spread")
        paired = ""
        if self.n_pairs > 1:
            paired = (f" Paired by seed, the difference is {self.paired_mean:+.3f} ± "
                      f"{self.paired_std:.3f} over {self.n_pairs} seeds (paired t-test p = "
                      f"{self.paired_p:.3f}).")
        return (f"{self.metric}: {a} {format_mean_std(self.mean, self.std, self.n)} against {b} "
                f"{format_mean_std(self.baseline_mean, self.baseline_std, self.baseline_n)}, "
                f"{abs(self.relative_change):.1%} {direction} ({spread}); {verdict}.{paired}")


def compare(scores: pd.DataFrame, metric: str, method: str = "adl",
            baseline: str = "baseline") -> Comparison:
    """Relative change of the mean, Welch's unequal-variance t-test over seeds, and the
    per-seed paired difference with a paired t-test.

    Args:
        scores: from :func:`per_run_scores` (any rows; those of the two methods are used).

    Notebook: 07_results
    """
    from scipy import stats

    a = scores.loc[scores["method"] == method, metric].dropna().to_numpy(float)
    b = scores.loc[scores["method"] == baseline, metric].dropna().to_numpy(float)
    nan = math.nan
    if len(a) == 0 or len(b) == 0:
        return Comparison(metric, method, baseline, nan, nan, nan, nan, len(a), len(b), nan,
                          nan, nan)
    t, p = (stats.ttest_ind(a, b, equal_var=False) if len(a) > 1 and len(b) > 1
            else (nan, nan))
    change = (relative_change({method: {metric: float(a.mean())},
                               baseline: {metric: float(b.mean())}}, method, baseline, metric)
              if b.mean() else nan)
    pairs = paired_differences(scores, metric, method, baseline)
    d = pairs["difference"].to_numpy(float)
    paired_p = float(stats.ttest_1samp(d, 0.0).pvalue) if len(d) > 1 and d.std() > 0 else nan
    return Comparison(metric, method, baseline, float(a.mean()), float(b.mean()),
                      float(a.std(ddof=1)) if len(a) > 1 else nan,
                      float(b.std(ddof=1)) if len(b) > 1 else nan, len(a), len(b),
                      change, float(t), float(p),
                      float(d.mean()) if len(d) else nan,
                      float(d.std(ddof=1)) if len(d) > 1 else nan, len(d), paired_p)


@dataclass(frozen=True)
class Verdict:
    """What Table 1's interval lets the runs say about ``method`` against ``baseline``.

    ``outcome`` is ``"higher"`` or ``"lower"`` when the 95 % interval of the paired difference
    (:func:`adl.intervals.table1_intervals`) excludes zero over at least two seeds,
    ``"cannot tell"`` when it includes zero, ``"one seed"`` when only one seed a side was
    trained (the interval then covers the clips, not the training noise: a direction, never a
    finding), and ``"missing"`` when the row was not computed.
    """

    outcome: str
    metric: str
    method: str
    baseline: str
    mean: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    detectable: float = math.nan
    seeds_needed: float = math.nan
    n_seeds: int = 0
    n_clips: int = 0

    @property
    def finding(self) -> bool:
        """True when the runs show a difference: the interval excludes zero, two seeds or more."""
        return self.outcome in ("higher", "lower")


def verdict(intervals: pd.DataFrame, metric: str = "cider_d", method: str = "adl",
            baseline: str = "baseline") -> Verdict:
    """The :class:`Verdict` of one row of :func:`adl.intervals.table1_intervals`.

    Notebook: 07_results
    """
    rows = (intervals[(intervals["method"] == method) & (intervals["metric"] == metric)]
            if not intervals.empty else intervals)
    if rows.empty or math.isnan(float(rows.iloc[0]["ci_low"])):
        return Verdict("missing", metric, method, baseline)
    r = rows.iloc[0]
    low, high, seeds = float(r["ci_low"]), float(r["ci_high"]), int(r["n_seeds"])
    outcome = ("cannot tell" if low <= 0 <= high else "one seed" if seeds < 2
               else "higher" if low > 0 else "lower")
    return Verdict(outcome, metric, method, baseline, float(r["mean"]), low, high,
                   float(r["detectable"]), float(r.get("seeds_needed", math.nan)), seeds,
                   int(r["n_clips"]))


def conclusion(intervals: pd.DataFrame, events: pd.DataFrame | None = None,
               ablations: pd.DataFrame | None = None, metric: str = "cider_d",
               steps: Mapping[str, float] | None = None,
               converged: Mapping[str, bool] | None = None) -> list[str]:
    """What the runs say about ADL against the baseline, in sentences (Markdown list items).

    The verdict follows the 95 % interval of the paired difference (:func:`verdict`): "scores
    higher" or "lower" only when the interval excludes zero over two seeds or more, else the
    runs cannot tell, with the smallest difference the design could find and the seeds a
    difference as large as the observed one would need. Then the evidence that bears on why:
    whether the captions name the sounds (event F1's interval and how often captions name an
    absent sound, :func:`event_scores`), the training length when runs had not converged, and,
    when chapter 6 ran, its studies of the fair-test choices and ADL's gap over the baseline
    at each setting the two share (:func:`adl.ablations.gap_verdicts`).

    Args:
        intervals: :func:`adl.intervals.table1_intervals` of the runs.
        events: :func:`event_scores` of the same runs (None or empty: not shown).
        ablations: chapter 6's ``results.csv`` (None: the studies were not run).
        steps: mean optimizer steps per method (``per_run_scores``'s ``steps``).
        converged: per method, whether all its runs converged (:func:`adl.runs.convergence`).

    Notebook: 07_results
    """
    v = verdict(intervals, metric)
    label = {"cider_d": "CIDEr-D", "meteor": "METEOR", "event_f1": "event F1"}.get(metric, metric)
    if v.outcome == "missing":
        return [f"- {label} has no interval for ADL against the baseline: no conclusion."]
    lines = [_verdict_line(v, label)]
    hearing = verdict(intervals, "event_f1")
    if hearing.outcome != "missing":
        lines.append(f"- Naming the sounds that are there: {_short(hearing, 'event F1')}.")
    if steps and "adl" in steps and "baseline" in steps and converged is not None:
        ratio = steps["adl"] / steps["baseline"] if steps["baseline"] else math.nan
        if not all(converged.get(m, False) for m in ("adl", "baseline")) and ratio > 1.1:
            lines.append(
                f"- Read it with the training length in mind: ADL took {ratio:.2f} times the "
                f"baseline's optimizer steps (its difference examples come on top), and not "
                f"every run had converged (chapter 3), so part of any gap may be the extra "
                f"steps rather than the differences.")
        elif all(converged.get(m, False) for m in ("adl", "baseline")):
            lines.append(f"- Every ADL and baseline run converged ({CONVERGENCE_RULE}), so "
                         "neither was judged while still improving.")
    if events is not None and not events.empty:
        by = events.groupby("method")[["event_precision", "hallucinating"]].mean()
        if {"adl", "baseline"} <= set(by.index):
            a, b = by.loc["adl"], by.loc["baseline"]
            lines.append(
                f"- Sounds that are not there: {a['hallucinating']:.0%} of ADL's captions name "
                f"a sound absent from the clip (event precision {a['event_precision']:.2f}), "
                f"against {b['hallucinating']:.0%} of the baseline's "
                f"({b['event_precision']:.2f}).")
    if ablations is None or ablations.empty:
        lines.append("- Why: the ablations (chapter 6, `adl book --preset full`) were not run "
                     "in this build; they test the choices that could explain the result "
                     "(added or replacing examples, the meaning of \"no reference\", training "
                     "length).")
        return lines
    from adl.ablations import ablation_verdicts, gap_verdicts, method_gaps

    for study in ("adl_mode", "no_reference", "epochs", "reference"):
        part = ablations[(ablations["study"] == study) & (ablations["method"] == "adl")]
        if not part.empty:
            lines += [f"  {line.strip()}" if not line.startswith("-") else line
                      for line in ablation_verdicts(part, metric=metric)]
    # The studies that trained both methods answer the question Table 1 asks, setting by
    # setting: does ADL's gap over the baseline close, open or hold as training lengthens?
    lines += gap_verdicts(method_gaps(ablations, metric=metric), metric=metric)
    return lines


def _short(v: Verdict, label: str) -> str:
    """``ADL − Baseline, <label>: +0.012 (95 % interval ...; S seeds, N clips)``."""
    return (f"ADL − Baseline, {label}: {v.mean:+.3f} (95 % interval {v.ci_low:+.3f} to "
            f"{v.ci_high:+.3f}; {v.n_seeds} seed{'s' * (v.n_seeds != 1)}, {v.n_clips} clips)")


def _verdict_line(v: Verdict, label: str) -> str:
    """The headline sentence of :func:`conclusion` for one :class:`Verdict`."""
    if v.finding:
        return (f"- **On this corpus, ADL scores {v.outcome} than the baseline on {label}**: "
                f"{_short(v, label)}; the interval excludes zero.")
    if v.outcome == "one seed":
        return (f"- **On this corpus, one seed a side cannot say whether ADL helps**: "
                f"{_short(v, label)}. The interval excludes zero but covers only the choice of "
                f"clips, not training noise; train more seeds (`adl book --preset full`).")
    needed = ("" if math.isnan(v.seeds_needed) else
              f" A true difference as large as this one would need about "
              f"{int(v.seeds_needed)} seeds to be found 80 % of the time.")
    one = (" With one seed the interval covers only the choice of clips." if v.n_seeds < 2
           else "")
    return (f"- **On this corpus, the runs cannot tell ADL from the baseline on {label}**: "
            f"{_short(v, label)}; the interval includes zero. This design finds a true "
            f"difference of about ±{v.detectable:.3f} 80 % of the time.{needed}{one}")


def paired_differences(scores: pd.DataFrame, metric: str, method: str = "adl",
                       baseline: str = "baseline") -> pd.DataFrame:
    """``method - baseline`` on ``metric``, seed by seed, for the seeds both methods have.

    Returns:
        One row per seed: ``seed``, ``method``'s and ``baseline``'s scores and ``difference``.

    Notebook: 07_results
    """
    a = scores[scores["method"] == method].set_index("seed")[metric].dropna()
    b = scores[scores["method"] == baseline].set_index("seed")[metric].dropna()
    seeds = sorted(set(a.index) & set(b.index))
    return pd.DataFrame({"seed": seeds, method: [float(a[s]) for s in seeds],
                         baseline: [float(b[s]) for s in seeds],
                         "difference": [float(a[s] - b[s]) for s in seeds]})


def table2_over_seeds(runs: Sequence[str | os.PathLike[str]],
                      columns: Sequence[str] = ("cider_d", "meteor", "event_precision",
                                                "event_recall"),
                      ) -> pd.DataFrame:
    """The four conditions of every run with a ``table2.json``, one row per (run, condition):
    ``method``, ``seed``, ``condition`` and ``columns`` (NaN where not scored).

    Notebook: 07_results
    """
    rows = []
    for run in map(Path, runs):
        table = read_table2(run)
        if table is None:
            continue
        info = read_run_info(run)
        for cond in CONDITIONS:
            res = table["conditions"].get(cond, {})
            values = {**res.get("scores", {}), "event_precision": res.get("event_precision"),
                      "event_recall": res.get("event_recall")}
            rows.append({"method": info["method"], "seed": info["seed"], "condition": cond,
                         **{c: math.nan if values.get(c) is None else float(values[c])
                            for c in columns}})
    return pd.DataFrame(rows)


#: The :func:`adl.intervals.table2_intervals` row each claim's verdict rests on.
_CLAIM_ROWS: dict[int, tuple[str, str]] = {1: ("mixture-event", "kept_share"),
                                           2: ("mixture-input", "event_recall")}
#: Shares, written in percent and their differences in percentage points.
_SHARES = ("kept_share", "event_recall")


def _row(intervals: pd.DataFrame, claim: int, condition: str, metric: str) -> pd.Series | None:
    part = intervals[(intervals["claim"] == claim) & (intervals["condition"] == condition)
                     & (intervals["metric"] == metric)]
    return None if part.empty else part.iloc[0]


def table2_verdicts(intervals: pd.DataFrame, *, floor_cider: float = 0.0) -> pd.DataFrame:
    """The verdict on each of the paper's two Table 2 claims, from the intervals.

    1. ``mixture − event`` is captioned as the input: rests on ``kept_share``, the share of its
       own input CIDEr-D a model keeps on mixture − event. It cannot be checked unless both
       models caption plain inputs above ``floor_cider`` (the most common caption's CIDEr-D).
    2. ``mixture − input`` is captioned as the event: rests on ``event_recall``, how often the
       caption names the added event. A CIDEr-D lead alone does not count: a caption that
       names fewer other sounds can score higher against the event's captions without hearing
       the event.

    A claim is supported only when the 95 % interval of ADL − baseline lies above zero,
    contradicted when it lies below, and otherwise the runs cannot tell.

    Args:
        intervals: :func:`adl.intervals.table2_intervals`.
        floor_cider: the CIDEr-D that plain inputs must exceed for claim 1.

    Returns:
        One row per claim: ``claim``, ``verdict`` (``supports``, ``contradicts``, ``cannot
        tell`` or ``cannot check``), ``metric`` (what it rests on), ``reason`` (why it cannot
        be checked; "" otherwise) and ``n_seeds``.

    Raises:
        ValueError: ``intervals`` is not a :func:`~adl.intervals.table2_intervals` frame.
    """
    if "ci_low" not in intervals.columns or "claim" not in intervals.columns:
        raise ValueError("table2 claims need adl.intervals.table2_intervals(runs), got a frame "
                         f"with columns {list(intervals.columns)[:6]}")
    rows = []
    for claim, (condition, metric) in _CLAIM_ROWS.items():
        row = _row(intervals, claim, condition, metric)
        reason = (intervals.attrs.get("note") or "run chapter 5 first" if row is None
                  else row["note"] or ("no interval could be computed"
                                       if math.isnan(row["ci_low"]) else ""))
        if claim == 1 and not reason:
            reason = _below_floor(intervals, floor_cider)
        verdict = ("cannot check" if reason else "supports" if row["ci_low"] > 0
                   else "contradicts" if row["ci_high"] < 0 else "cannot tell")
        rows.append({"claim": claim, "verdict": verdict, "metric": metric, "reason": reason,
                     "n_seeds": 0 if row is None else int(row["n_seeds"])})
    return pd.DataFrame(rows, columns=["claim", "verdict", "metric", "reason", "n_seeds"])


def _below_floor(intervals: pd.DataFrame, floor_cider: float) -> str:
    """Why claim 1 cannot be checked when a model's plain-input CIDEr-D is not above the floor
    (a share of a score at the floor says nothing); "" when both are above it."""
    plain = _row(intervals, 1, "input", "cider_d")
    if plain is None:
        return "no plain-input CIDEr-D"
    means = [float(plain["method_mean"]), float(plain["baseline_mean"])]
    if not any(math.isnan(v) or v <= floor_cider for v in means):
        return ""
    a, b = (METHOD_NAMES.get(plain[k], plain[k]) for k in ("method", "baseline"))
    return (f"on plain inputs the models score CIDEr-D {means[0]:.3f} ({a}) and {means[1]:.3f} "
            f"({b}), not above the floor of {floor_cider:.3f}, so a ratio to them says nothing")


def table2_claims(intervals: pd.DataFrame, *, floor_cider: float = 0.0) -> list[str]:
    """The paper's two Table 2 claims in sentences: the numbers of both methods, ADL −
    baseline with its 95 % interval, and the verdict of :func:`table2_verdicts`.

    With one seed a side the interval covers the choice of clips only, not training noise:
    the sentences say so.

    Args:
        intervals: :func:`adl.intervals.table2_intervals` of the runs.
        floor_cider: as :func:`table2_verdicts`.

    Returns:
        One Markdown sentence group per claim (or one line saying why none can be judged).

    Notebook: 07_results
    """
    if intervals.empty:
        note = intervals.attrs.get("note") or "run chapter 5 first"
        return [f"Table 2 has not been scored for both methods: {note}."]
    verdicts = table2_verdicts(intervals, floor_cider=floor_cider).set_index("claim")
    lines = []
    for claim, (condition, metric) in _CLAIM_ROWS.items():
        v = verdicts.loc[claim]
        if v["verdict"] == "cannot check":
            lines.append(f"Claim {claim} cannot be checked: {v['reason']}.")
            continue
        row = _row(intervals, claim, condition, metric)
        head = (_claim1_numbers(intervals, row) if claim == 1
                else _claim2_numbers(intervals, row))
        extra = "" if claim == 1 else _claim2_caveat(intervals, row, v["verdict"])
        lines.append(f"{head} {_verdict_sentence(row, v['verdict'], claim, extra)}")
    return lines


def _value(value: float, metric: str, signed: bool = False) -> str:
    """A number as the sentences write it: shares in percent (differences in points)."""
    if metric in _SHARES:
        return f"{100 * value:+.1f} points" if signed else f"{value:.1%}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _difference(row: pd.Series) -> str:
    """``A − B <difference>, 95 % interval <low> to <high>``."""
    a, b = (METHOD_NAMES.get(row[k], row[k]) for k in ("method", "baseline"))
    if row["note"] or math.isnan(row["ci_low"]):
        return f"{a} − {b} not computed: {row['note'] or 'no interval'}"
    m, unit = row["metric"], " points" if row["metric"] in _SHARES else ""
    return (f"{a} − {b} {_value(row['difference'], m, True)}, 95 % interval "
            f"{_value(row['ci_low'], m, True).removesuffix(unit)} to "
            f"{_value(row['ci_high'], m, True)}")


def _claim1_numbers(intervals: pd.DataFrame, row: pd.Series) -> str:
    a, b = (METHOD_NAMES.get(row[k], row[k]) for k in ("method", "baseline"))
    plain = _row(intervals, 1, "input", "cider_d")
    kept = _row(intervals, 1, "mixture-event", "cider_d")
    return (f"Claim 1, mixture − event reads as the input: {a} keeps "
            f"{row['method_mean']:.1%} of its own input CIDEr-D ({kept['method_mean']:.3f} of "
            f"{plain['method_mean']:.3f}), {b} {row['baseline_mean']:.1%} "
            f"({kept['baseline_mean']:.3f} of {plain['baseline_mean']:.3f}); "
            f"{_difference(row)}.")


def _claim2_numbers(intervals: pd.DataFrame, row: pd.Series) -> str:
    a, b = (METHOD_NAMES.get(row[k], row[k]) for k in ("method", "baseline"))
    classes = _row(intervals, 2, "mixture-input", "classes_named")
    cider = _row(intervals, 2, "mixture-input", "cider_d")
    text = (f"Claim 2, mixture − input reads as the event: {a} names the added event in "
            f"{row['method_mean']:.1%} of its captions, {b} in {row['baseline_mean']:.1%} "
            f"({_difference(row)}); they name {classes['method_mean']:.2f} and "
            f"{classes['baseline_mean']:.2f} classes per caption ({_difference(classes)})")
    if cider["note"]:
        return f"{text}; CIDEr-D against captions of the event alone: {cider['note']}."
    return (f"{text}; against captions of the event alone, CIDEr-D {cider['method_mean']:.3f} "
            f"and {cider['baseline_mean']:.3f} ({_difference(cider)}).")


def _claim2_caveat(intervals: pd.DataFrame, row: pd.Series, verdict: str) -> str:
    """What the other claim 2 rows change about the recall's verdict ("" when nothing)."""
    a = METHOD_NAMES.get(row["method"], row["method"])
    classes = _row(intervals, 2, "mixture-input", "classes_named")
    cider = _row(intervals, 2, "mixture-input", "cider_d")
    if verdict == "supports" and classes["ci_low"] > 0:
        return (f"{a} also names more classes per caption, so part of its recall may come "
                f"from naming more sounds rather than from hearing the event.")
    if verdict != "supports" and cider["ci_low"] > 0:
        fewer = (", and with fewer classes named per caption, which by itself can raise "
                 "CIDEr-D against the captions of a single event" if classes["ci_high"] < 0
                 else "")
        return (f"{a}'s CIDEr-D lead is not enough on its own: it comes without the added "
                f"event named more often{fewer}.")
    return ""


def _verdict_sentence(row: pd.Series, verdict: str, claim: int, extra: str = "") -> str:
    """What the interval of the claim's row lets the runs say, and over what; ``extra`` goes
    after the verdict."""
    a = METHOD_NAMES.get(row["method"], row["method"])
    what = {1: f"{a} keeps more of the input", 2: f"{a} names the added event more often"}[claim]
    seeds, clips = int(row["n_seeds"]), int(row["n_clips"])
    if verdict == "supports":
        text = f"The interval lies above zero: this supports the claim ({what})."
    elif verdict == "contradicts":
        text = f"The interval lies below zero: this contradicts the claim (not: {what})."
    else:
        text = (f"The interval includes zero, so these runs cannot tell whether {what}: this "
                f"design finds a true difference of about "
                f"±{_value(row['detectable'], row['metric'], True)[1:]} 80 % of the time.")
        if seeds > 1 and not math.isnan(row["seeds_needed"]):
            text += (f" A true difference as large as this one would need about "
                     f"{int(row['seeds_needed'])} seeds.")
    text = f"{text} {extra}" if extra else text
    if seeds == 1:
        return (f"{text} With one seed a side the interval covers the choice of the {clips} "
                f"clips only, not training noise: it speaks for these two trained models, not "
                f"for the methods.")
    return f"{text} (Resampled over {seeds} seeds and {clips} clips.)"


def summarise(frame: pd.DataFrame, columns: Sequence[str] = ("cider_d", "event_precision",
                                                              "event_recall"),
              digits: int = 3) -> pd.DataFrame:
    """``mean ± std`` per (method, condition) over seeds (:func:`adl.table1.format_mean_std`;
    ``not scored`` where no seed has a value), conditions in the paper's order.

    Notebook: 07_results
    """
    out = []
    for (method, cond), part in frame.groupby(["method", "condition"], sort=False):
        row = {"method": METHOD_NAMES.get(method, method), "condition": cond,
               "seeds": int(part["seed"].nunique())}
        for c in columns:
            vals = part[c].dropna().to_numpy(float)
            row[c] = format_mean_std(vals.mean() if len(vals) else math.nan,
                                     vals.std(ddof=1) if len(vals) > 1 else math.nan, len(vals),
                                     digits, missing="not scored")
        out.append(row)
    table = pd.DataFrame(out)
    if table.empty:
        return table
    table["order"] = table["condition"].map({c: i for i, c in enumerate(CONDITIONS)})
    table["m_order"] = table["method"].map(
        {name: i for i, name in enumerate(METHOD_NAMES.values())})
    return (table.sort_values(["m_order", "order"], kind="stable")
            .drop(columns=["order", "m_order"]).set_index(["method", "condition"]))


def gpu_estimate(results_dir: str | os.PathLike[str], n_examples: int, epochs: int,
                 batch_size: int) -> pd.DataFrame:
    """Hours one `paper` run would take on each card that ran ``gpu_paper_step.py``: one row per
    ``gpu-*.json`` in ``results_dir`` (empty when no GPU has run it).

    Notebook: 07_results
    """
    rows = []
    for path in sorted(Path(results_dir).glob("gpu-*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        if r.get("device_type") != "cuda" or not r.get("steps_per_s"):
            continue
        steps = epochs * int(np.ceil(n_examples / batch_size))
        rows.append({"file": path.name, "card": r.get("device"), "encoder": r.get("encoder"),
                     "compile": r.get("compile"), "steps/s": r["steps_per_s"],
                     "hours per run": steps / r["steps_per_s"] / 3600})
    return pd.DataFrame(rows)
