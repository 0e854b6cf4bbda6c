"""adl.findings: the answer the introduction opens with, computed from run folders."""

from __future__ import annotations

import pandas as pd
import pytest

from adl.findings import (findings, read_findings, read_findings_figure, write_findings,
                          write_findings_figure)
from adl.intervals import table1_intervals, table2_intervals
from test_results import _claim_runs, _clip_runs


def _hearing() -> pd.DataFrame:
    return pd.DataFrame({
        "system": ["baseline-seed0", "adl-seed0", "floor", "ceiling"],
        "method": ["Baseline", "ADL", "tagger + template", "true classes + template"],
        "seed": pd.array([0, 0, None, None], dtype="Int64"),
        "event_f1": [0.14, 0.12, 0.18, 1.0], "absent_share": [0.93, 0.91, 0.86, 0.0],
    }).set_index("system")


@pytest.mark.parametrize("shift, head", [
    (0.10, "ADL scores higher than the baseline on CIDEr-D"),
    (0.0, "These runs cannot tell ADL from the baseline on CIDEr-D"),
])
def test_the_answer_follows_the_runs_a_clear_gain_and_a_null(tmp_path, shift, head):
    intervals = table1_intervals(_clip_runs(tmp_path / "t1", shift), metrics=("cider_d",),
                                 n_resamples=1000)
    t2 = table2_intervals(_claim_runs(tmp_path / "t2", kept=(0.9, 0.5) if shift else (0.7, 0.7),
                                      named=(0.8, 0.2) if shift else (0.5, 0.5)),
                          n_resamples=500)
    lines = findings(intervals, t2, _hearing())
    assert len(lines) == 4
    assert head in lines[0] and "5 seeds, 120 clips" in lines[0]
    assert "The paper reports +8.1% CIDEr-D" in lines[0]
    claim = "the runs support it" if shift else "the runs cannot tell"
    assert lines[1].startswith("**Table 2, claim 1**") and claim in lines[1]
    assert lines[2].startswith("**Table 2, claim 2**") and claim in lines[2]
    assert "Baseline 0.14 (93% name an absent sound); ADL 0.12" in lines[3]
    assert "a tagger filling a template 0.18" in lines[3]
    other = "the runs cannot tell" if shift else "the runs support it"
    assert not any(other in line for line in lines)


def test_one_seed_is_a_direction_at_most(tmp_path):
    intervals = table1_intervals(_clip_runs(tmp_path, 0.2, seeds=1), metrics=("cider_d",),
                                 n_resamples=1000)
    (line,) = findings(intervals)
    assert "With one seed a side these runs cannot tell" in line and "a direction at most" in line


def test_nothing_computed_nothing_found_and_the_file_round_trips(tmp_path):
    empty = pd.DataFrame(columns=["method", "metric", "mean", "ci_low", "ci_high", "n_seeds",
                                  "n_clips", "detectable"])
    assert findings(empty) == []
    assert read_findings(tmp_path) == []
    lines = ["**Does ADL help?** a line", "another: with a colon"]
    path = write_findings(lines, tmp_path, "default")
    assert "default preset" in path.read_text() and read_findings(tmp_path) == lines


def test_the_key_figure_round_trips(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert read_findings_figure(tmp_path) is None
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ValueError, match="caption and an alt"):
        write_findings_figure(fig, tmp_path, caption=" ", alt="a line")
    png = write_findings_figure(fig, tmp_path, caption="Means: ADL 0.3", alt="a falling line")
    plt.close(fig)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_findings_figure(tmp_path) == (png, "Means: ADL 0.3", "a falling line")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.png", "findings_figure.json"]
