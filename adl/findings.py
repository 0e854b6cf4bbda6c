"""What the book found, in a few computed sentences: the answer the introduction opens with.

Chapter 7 computes every interval; :func:`findings` turns the ones that answer the book's
questions into short Markdown lines, and :func:`write_findings` keeps them beside the runs
(``findings.md`` in the output folder), with its key figure (:func:`write_findings_figure`),
where the book's runner reads them into the introduction. Nothing here is typed by hand: with no runs there are no findings, and the page
says so.

Notebook: 07_results
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from adl.io import atomic_path
from adl.results import table2_verdicts, verdict
from adl.table1 import METHOD_NAMES, PAPER_TABLE1, relative_change

__all__ = ["FIGURE_FILE", "FINDINGS_FILE", "findings", "read_findings", "read_findings_figure",
           "write_findings", "write_findings_figure"]

#: The file chapter 7 writes into the output folder, and the introduction reads.
FINDINGS_FILE = "findings.md"
#: The key figure beside it (a PNG), and its caption and alt text (JSON).
FIGURE_FILE = "findings.png"
FIGURE_TEXT_FILE = "findings_figure.json"

_TABLE1_HEADS = {
    "higher": "ADL scores higher than the baseline",
    "lower": "ADL scores lower than the baseline",
    "cannot tell": "These runs cannot tell ADL from the baseline",
    "one seed": "With one seed a side these runs cannot tell ADL from the baseline",
}
_CLAIMS = {1: "`Z(mix) − Z(event)` is captioned as the input",
           2: "`Z(mix) − Z(input)` is captioned as the added event"}
_CLAIM_VERDICTS = {"supports": "the runs support it", "contradicts": "the runs contradict it",
                   "cannot tell": "the runs cannot tell", "cannot check": "it cannot be checked"}


def _interval(mean: float, low: float, high: float, seeds: int, clips: int) -> str:
    return (f"{mean:+.3f} (95 % interval {low:+.3f} to {high:+.3f}; {seeds} seed"
            f"{'s' * (seeds != 1)}, {clips} clips)")


def _table1_line(intervals: pd.DataFrame) -> str | None:
    v = verdict(intervals, "cider_d", "adl")
    if v.outcome == "missing":
        return None
    paper = relative_change(PAPER_TABLE1, "ADL", "Baseline", "cider_d")
    line = (f"**Does ADL help with no reference?** {_TABLE1_HEADS[v.outcome]} on CIDEr-D: "
            f"ADL − baseline {_interval(v.mean, v.ci_low, v.ci_high, v.n_seeds, v.n_clips)}. ")
    if v.outcome == "one seed":
        line += ("One seed a side covers the choice of clips, not training noise, so this is "
                 "a direction at most. ")
    return line + f"The paper reports {paper:+.1%} CIDEr-D on Clotho."


def _table2_lines(t2: pd.DataFrame, floor_cider: float) -> list[str]:
    lines = []
    for _, v in table2_verdicts(t2, floor_cider=floor_cider).iterrows():
        claim, metric = int(v["claim"]), v["metric"]
        head = f"**Table 2, claim {claim}** ({_CLAIMS[claim]}): {_CLAIM_VERDICTS[v['verdict']]}"
        part = t2[(t2["claim"] == claim) & (t2["metric"] == metric)]
        if v["verdict"] == "cannot check" or part.empty:
            lines.append(f"{head}: {v['reason']}.")
            continue
        r = part.iloc[0]
        scale, unit = (100, " points") if metric in ("kept_share", "event_recall") else (1, "")
        lines.append(f"{head}; ADL − baseline, {metric.replace('_', ' ')}: "
                     f"{float(r['difference']) * scale:+.1f}{unit} (95 % interval "
                     f"{float(r['ci_low']) * scale:+.1f} to {float(r['ci_high']) * scale:+.1f}; "
                     f"{int(r['n_seeds'])} seed{'s' * (int(r['n_seeds']) != 1)}).")
    return lines


def _hearing_line(hearing: pd.DataFrame) -> str | None:
    runs = hearing[hearing["seed"].notna()].dropna(subset=["event_f1"])
    if runs.empty:
        return None
    means = runs.groupby("method", sort=False)[["event_f1", "absent_share"]].mean()
    systems = "; ".join(f"{m} {r.event_f1:.2f} ({r.absent_share:.0%} name an absent sound)"
                        for m, r in means.iterrows())
    line = f"**Do the captioners hear?** Event F1 of the sounds the captions name: {systems}."
    fixed = {s: hearing.loc[s, "event_f1"] for s in ("floor", "ceiling") if s in hearing.index}
    if fixed:
        line += " For scale: " + ", ".join(
            f"{'a tagger filling a template' if s == 'floor' else 'the true classes in a template'}"
            f" {f:.2f}" for s, f in fixed.items() if not math.isnan(float(f))) + "."
    return line


def findings(intervals: pd.DataFrame, table2: pd.DataFrame | None = None,
             hearing: pd.DataFrame | None = None, *, floor_cider: float = 0.0) -> list[str]:
    """The book's answers, one Markdown line each: Table 1, Table 2's two claims, hearing.

    Args:
        intervals: :func:`adl.intervals.table1_intervals`.
        table2: :func:`adl.intervals.table2_intervals`, or None when chapter 5 did not run.
        hearing: :func:`adl.floor.hearing_table`, or None.
        floor_cider: the most common caption's CIDEr-D, below which claim 1 cannot be checked.

    Returns:
        The lines, in that order; a part with nothing computed is left out.
    """
    lines = [_table1_line(intervals)]
    if table2 is not None and not table2.empty:
        lines += _table2_lines(table2, floor_cider)
    if hearing is not None and not hearing.empty:
        lines.append(_hearing_line(hearing))
    return [line for line in lines if line]


def write_findings(lines: list[str], output_dir: str | os.PathLike[str],
                   preset: str) -> Path:
    """Write ``findings.md`` (a Markdown list, naming the preset) into ``output_dir``."""
    path = Path(output_dir) / FINDINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (f"<!-- computed by chapter 7 from the runs of the {preset} preset -->\n"
            + "".join(f"- {line}\n" for line in lines))
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


def read_findings(output_dir: str | os.PathLike[str]) -> list[str]:
    """The lines :func:`write_findings` wrote, or [] when chapter 7 has not run."""
    path = Path(output_dir) / FINDINGS_FILE
    if not path.is_file():
        return []
    return [line[2:] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("- ")]


def write_findings_figure(fig, output_dir: str | os.PathLike[str], *, caption: str, alt: str,
                          dpi: int = 100) -> Path:
    """Keep a matplotlib figure as the introduction's key figure: ``findings.png`` and its
    caption and alt text (``findings_figure.json``), both written atomically."""
    if not caption.strip() or not alt.strip():
        raise ValueError("the key figure needs a caption and an alt text")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / FIGURE_FILE) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    with atomic_path(out / FIGURE_TEXT_FILE) as tmp:
        Path(tmp).write_text(json.dumps({"caption": caption, "alt": alt}, ensure_ascii=False),
                             encoding="utf-8")
    return out / FIGURE_FILE


def read_findings_figure(output_dir: str | os.PathLike[str]) -> tuple[Path, str, str] | None:
    """``(png, caption, alt)`` of :func:`write_findings_figure`, or None when there is none."""
    png, text = Path(output_dir) / FIGURE_FILE, Path(output_dir) / FIGURE_TEXT_FILE
    if not (png.is_file() and text.is_file()):
        return None
    meta = json.loads(text.read_text(encoding="utf-8"))
    return png, str(meta["caption"]), str(meta["alt"])
