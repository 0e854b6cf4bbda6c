"""Analysis helpers (PCA, embedding arithmetic, the most-common-caption floor), the run-folder
helpers of adl.runs (run logs) and the plot helpers of chapters 3-5."""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from torch import nn  # noqa: E402

from adl.analysis import (REPRESENTATIONS, caption_floor, captions_side_by_side,  # noqa: E402
                          clip_embeddings, difference_fidelity, difference_vectors,
                          frame_fidelity, most_common_caption, most_common_caption_floor, pca,
                          smooth, step_costs)
from adl.data import load_clotho  # noqa: E402
from adl.metrics import evaluate, spice_missing_reason  # noqa: E402
from adl.models.captioner import Captioner  # noqa: E402
from adl.plots import (class_panels, condition_bars, fidelity_plot, loss_curves,  # noqa: E402
                       metric_bars)
from adl.runs import (RunError, find_runs, run_dir, run_status, run_timings,  # noqa: E402
                      training_logs)
from adl.table1 import PAPER_TABLE1  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- PCA -----------------------------------------------------------------------------------------


def test_points_on_a_line_project_onto_a_line():
    t = np.linspace(-2.0, 3.0, 11)
    direction = np.array([1.0, 2.0, -2.0]) / 3.0  # unit length
    x = np.array([5.0, -1.0, 0.5]) + t[:, None] * direction
    proj, ratio = pca(x, 2)
    assert proj.shape == (11, 2)
    np.testing.assert_allclose(proj[:, 1], 0.0, atol=1e-12)  # nothing off the line
    # Along the line, distances are kept (up to sign, fixed by the largest loading).
    np.testing.assert_allclose(np.abs(proj[:, 0]), np.abs(t - t.mean()), atol=1e-12)
    np.testing.assert_allclose(ratio, [1.0, 0.0], atol=1e-12)


def test_pca_orders_components_by_variance():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((500, 3)) * np.array([0.1, 5.0, 1.0])  # big, small, middle spread
    proj, ratio = pca(z, 2)
    assert ratio[0] > ratio[1] > 0 and ratio.sum() < 1
    var = proj.var(axis=0)
    assert var[0] > var[1]
    # The first component is the second axis, the second the third (up to sign).
    assert abs(np.corrcoef(proj[:, 0], z[:, 1])[0, 1]) > 0.999
    assert abs(np.corrcoef(proj[:, 1], z[:, 2])[0, 1]) > 0.99
    assert proj.mean(axis=0) == pytest.approx([0.0, 0.0], abs=1e-9)


def test_pca_signs_are_fixed_and_small_inputs_pad_with_zeros():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 4))
    a, _ = pca(x)
    b, _ = pca(x[::-1].copy())
    np.testing.assert_allclose(a[::-1], b, atol=1e-10)  # same axes whatever the row order
    one, ratio = pca(np.array([[1.0, 2.0, 3.0]]))
    assert one.shape == (1, 2) and np.all(one == 0) and np.all(ratio == 0)
    with pytest.raises(ValueError):
        pca(np.zeros(5))


# -- embedding arithmetic ------------------------------------------------------------------------


class _Frames(nn.Module):
    """A linear 'front end': cuts the waveform into frames of ``hop_length`` samples."""

    hop_length = 50

    def n_frames(self, n):
        return n // self.hop_length

    def forward(self, wave):
        t = wave.shape[1] // self.hop_length
        return wave[:, : t * self.hop_length].reshape(wave.shape[0], t, self.hop_length)


class _LinearEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(_Frames.hop_length, 12, bias=False)

    def forward(self, logmel, lengths):
        return self.proj(logmel), lengths


def _toy_captioner(adapter_bias: bool, no_reference: str = "silence") -> Captioner:
    """A real Captioner whose Z is linear (or affine) in the waveform."""
    torch.manual_seed(0)
    return Captioner(_Frames(), _LinearEncoder(), nn.Linear(12, 6, bias=adapter_bias),
                     nn.Identity(), no_reference=no_reference).eval()


def _toy_data():
    g = torch.Generator().manual_seed(3)
    clips = [torch.randn(1000, generator=g), torch.randn(1400, generator=g)]
    events = [torch.randn(300, generator=g), torch.randn(500, generator=g)]
    return clips, events


def test_linear_z_makes_the_difference_equal_the_input():
    clips, events = _toy_data()
    frame = difference_fidelity(_toy_captioner(False), clips, events, snr_db=0.0,
                                generator=torch.Generator().manual_seed(0),
                                event_labels=["bip", "bop"])
    assert list(frame["representation"].unique()) == list(REPRESENTATIONS)
    assert len(frame) == len(clips) * len(REPRESENTATIONS)
    diff = frame[frame["representation"] == "difference"]
    np.testing.assert_allclose(diff["cosine"], 1.0, atol=1e-6)
    np.testing.assert_allclose(diff["relative_error"], 0.0, atol=1e-5)
    mixture = frame[frame["representation"] == "mixture"]
    assert (mixture["relative_error"] > 0.1).all() and (mixture["cosine"] < 0.99).all()
    assert set(frame["event_label"]) <= {"bip", "bop"}


def test_an_offset_is_cancelled_by_the_difference_and_restored_by_z0():
    clips, events = _toy_data()
    frame = difference_fidelity(_toy_captioner(True), clips, events,
                                generator=torch.Generator().manual_seed(0))
    by = {name: g for name, g in frame.groupby("representation")}
    # Z = W e + b: the difference loses b, which Z(input) carries; Z(0) = b puts it back.
    assert (by["difference"]["relative_error"] > 1e-3).all()
    np.testing.assert_allclose(by["difference + Z(0)"]["relative_error"], 0.0, atol=1e-5)
    np.testing.assert_allclose(by["difference + Z(0)"]["cosine"], 1.0, atol=1e-6)


def test_fidelity_reads_raw_features_whatever_the_model_subtracts_for_no_reference():
    # A model that decodes Z(x) - Z(silence) gets the same numbers: the comparisons put the
    # offset in explicitly, and the model's own setting is left as it was.
    clips, events = _toy_data()
    zero = difference_fidelity(_toy_captioner(True, "zero"), clips, events,
                               generator=torch.Generator().manual_seed(0))
    model = _toy_captioner(True, "silence")
    silence = difference_fidelity(model, clips, events, generator=torch.Generator().manual_seed(0))
    pd.testing.assert_frame_equal(zero, silence)
    assert model.no_reference == "silence"


def test_difference_vectors_use_the_same_pairs_and_are_the_events_features():
    clips, events = _toy_data()
    model = _toy_captioner(False)
    frame = difference_fidelity(model, clips, events, generator=torch.Generator().manual_seed(5))
    vectors, which = difference_vectors(model, clips, events,
                                        generator=torch.Generator().manual_seed(5))
    assert vectors.shape == (2, 6)
    np.testing.assert_array_equal(which, frame.drop_duplicates("clip")["event"].to_numpy())
    # Linear Z: Z(mix) - Z(input) is Z of the placed, scaled event; never zero.
    assert (np.linalg.norm(vectors, axis=1) > 0).all()
    emb = clip_embeddings(model, clips)
    assert emb.shape == (2, 6) and np.isfinite(emb).all()


def test_frame_fidelity_by_hand():
    target = torch.tensor([[1.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
    z = torch.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    mask = torch.tensor([True, True, False])  # the last frame is padding
    cosine, error = frame_fidelity(z, target, mask)
    assert cosine == pytest.approx(1.0)
    assert error == pytest.approx(1.0 / math.sqrt(5.0))
    with pytest.raises(ValueError):
        frame_fidelity(z, target, torch.zeros(3, dtype=torch.bool))


# -- the most-common-caption floor ---------------------------------------------------------------


def test_most_common_caption_is_found_ignoring_case_and_final_period():
    train = ["A dog barks.", "rain falls", "a dog barks", "Rain falls.", "a dog  barks",
             "birds sing"]
    assert most_common_caption(train) == ("A dog barks.", 3)
    assert most_common_caption(["b", "a", "a", "b"]) == ("b", 2)  # a tie goes to the first seen
    with pytest.raises(ValueError):
        most_common_caption(["", "  "])


def test_floor_scores_come_from_evaluate():
    train = ["a dog barks", "rain falls on a roof", "a dog barks", "a car passes by"]
    refs = [["a dog barks loudly", "a dog is barking"], ["rain falls", "it is raining hard"],
            ["a car drives past", "a car passes by on a road"]]
    caption, scores = most_common_caption_floor(train, refs, metrics=("cider_d", "bleu_1",
                                                                     "spider"))
    assert caption == "a dog barks"
    expected, _ = evaluate([caption] * 3, refs, ["cider_d", "bleu_1"])
    assert scores["cider_d"] == pytest.approx(expected["cider_d"])
    assert scores["bleu_1"] == pytest.approx(expected["bleu_1"])
    if spice_missing_reason() is not None:
        assert "spider" not in scores and "spider" in scores.unavailable


def test_caption_floor_reads_the_splits_of_a_data_root(tiny_data):
    floor = caption_floor(tiny_data, metrics=("cider_d",))
    train = [c for it in load_clotho(tiny_data, "development") for c in it.captions]
    refs = [list(it.captions) for it in load_clotho(tiny_data, "evaluation")]
    caption, scores = most_common_caption_floor(train, refs, metrics=("cider_d",))
    assert (floor.caption, floor.count) == most_common_caption(train)
    assert floor.caption == caption and floor.n_captions == len(train)
    assert floor.scores == scores and set(floor.scores) == {"cider_d"}


# -- run logs ------------------------------------------------------------------------------------


def _fake_run(output_dir, method, seed, status="complete", steps=6):
    run = run_dir(output_dir, method, seed)
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({
        "format_version": 1, "status": status, "method": method, "seed": seed,
        "global_step": steps, "epochs_done": 2, "seconds": 3.0, "examples_per_s": 40.0,
        "device": "cpu"}))
    pd.DataFrame({"epoch": [0] * 3 + [1] * 3, "step": [0, 1, 2] * 2,
                  "global_step": range(1, steps + 1), "loss": np.linspace(6, 4, steps),
                  "lr": 1e-3, "examples_per_s": 40.0, "n_adl": 0, "n_mixgen": 0}
                 ).to_csv(run / "steps.csv", index=False)
    pd.DataFrame({"epoch": [0, 1], "global_step": [3, 6], "train_loss": [5.5, 4.5],
                  "val_loss": [5.6, 4.9], "seconds": [1.0, 2.0], "best": [1, 1]}
                 ).to_csv(run / "epochs.csv", index=False)
    return run


def test_runs_are_found_in_paper_order_and_their_logs_stacked(tmp_path):
    _fake_run(tmp_path, "adl", 0)
    _fake_run(tmp_path, "baseline", 1)
    _fake_run(tmp_path, "baseline", 0)
    _fake_run(tmp_path, "mixgen", 0, status="running")
    runs = find_runs(tmp_path)
    assert [r.name for r in runs] == ["baseline-seed0", "baseline-seed1", "adl-seed0"]
    assert len(find_runs(tmp_path, complete=False)) == 4
    assert find_runs(tmp_path / "nothing") == []
    steps, epochs = training_logs(runs)
    assert list(steps.columns[:3]) == ["run", "method", "seed"]
    assert len(steps) == 18 and len(epochs) == 6
    timings = run_timings(runs)
    assert timings["s_per_step"].tolist() == [0.5, 0.5, 0.5]


def test_run_json_is_read_through_the_one_reader(tmp_path):
    run = _fake_run(tmp_path, "adl", 0)
    info = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**info, "format_version": 99}))
    # A run of a newer format is refused by every reader, never half read.
    for read in (run_status, lambda r: find_runs(tmp_path), lambda r: run_timings([r]),
                 lambda r: training_logs([r])):
        with pytest.raises(RunError, match="format version 99"):
            read(run)


def test_run_status_and_step_costs(tmp_path):
    assert run_status(tmp_path / "none") is None
    assert run_status(_fake_run(tmp_path, "mixgen", 0, status="running")) == "running"
    run = _fake_run(tmp_path, "adl", 0)
    assert run_status(run) == "complete"
    steps, _ = training_logs([run])
    steps["n_adl"] = [2, 1, 0, 1, 1, 1]
    # 5 examples per epoch in batches of 2: steps hold 2, 2, 1 examples.
    costs = step_costs(steps, batch_size=2, n_examples=5)
    row = costs.iloc[0]
    assert row["examples"] == 10 and row["adl_examples"] == 6
    assert row["encoder_passes_per_example"] == pytest.approx(1.6)
    assert row["median_examples_per_s"] == 40.0
    # Per method: ADL's epoch of 6 examples ("add" mode) holds 2, 2, 2.
    assert step_costs(steps, batch_size=2, n_examples={"adl": 6}).iloc[0]["examples"] == 12


def test_captions_side_by_side(tmp_path):
    runs = []
    for method in ("baseline", "adl"):
        run = _fake_run(tmp_path, method, 0)
        pd.DataFrame({"file_name": ["a.wav", "b.wav", "c.wav"],
                      "candidate": [f"{method} says {x}" for x in "abc"],
                      **{f"reference_{i}": [f"ref {i} of {x}" for x in "abc"]
                         for i in range(1, 6)},
                      "cider_d": [0.1, 0.2, 0.3]}).to_csv(run / "captions.csv", index=False)
        runs.append(run)
    table = side = captions_side_by_side(runs, k=2, seed=0)
    assert len(table) == 2 and set(table.index) <= {"a.wav", "b.wav", "c.wav"}
    assert list(side.columns) == ["reference_1", "reference_2", "baseline-seed0",
                                  "baseline-seed0 CIDEr-D", "adl-seed0", "adl-seed0 CIDEr-D"]
    for name in table.index:
        assert table.loc[name, "adl-seed0"] == f"adl says {name[0]}"
        assert table.loc[name, "reference_2"] == f"ref 2 of {name[0]}"
    assert PAPER_TABLE1["ADL"]["cider_d"] == 0.454  # the paper's Table 1, for comparison


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(smooth([1, 5], 1), [1, 5])
    with pytest.raises(ValueError):
        smooth([1.0], 0)


# -- plots ---------------------------------------------------------------------------------------


def test_plot_helpers_return_figures(tmp_path):
    runs = [_fake_run(tmp_path, "baseline", 0), _fake_run(tmp_path, "adl", 0)]
    steps, epochs = training_logs(runs)
    assert isinstance(loss_curves(steps, epochs), Figure)

    numbers = pd.DataFrame({("cider_d", "mean"): [0.3, 0.35], ("cider_d", "std"): [0.01, np.nan],
                            ("spider", "mean"): [np.nan, np.nan],
                            ("spider", "std"): [np.nan, np.nan], ("seeds", ""): [2, 1]},
                           index=pd.Index(["Baseline", "ADL"], name="method"))
    assert isinstance(metric_bars(numbers, ["cider_d", "spider"],
                                  paper={"Baseline": {"cider_d": 0.42}}), Figure)
    assert isinstance(metric_bars(numbers, ["spider"]), Figure)  # nothing available

    conditions = ["input", "input+event", "mixture-event", "mixture-input"]
    summary = pd.DataFrame({"cider_d": [0.2, 0.1, 0.15, 0.05],
                            "event_recall": [0.5, np.nan, 0.4, 0.3]}, index=conditions)
    assert isinstance(condition_bars({"baseline": summary, "adl": summary},
                                     ["cider_d", "event_recall"]), Figure)

    clips, events = _toy_data()
    frame = difference_fidelity(_toy_captioner(True), clips, events)
    frame = pd.concat([frame.assign(model="toy"), frame.assign(model="other")])
    assert isinstance(fidelity_plot(frame), Figure)

    pts = np.random.default_rng(0).standard_normal((6, 2))
    fig = class_panels([("events", pts, list("aabbcc")), ("vectors", pts[:4], list("abab"))],
                       ["a", "c"])
    assert isinstance(fig, Figure) and len(fig.axes) == 4  # 2 rows x 2 classes
    top_left = fig.axes[0]
    grey, coloured = top_left.collections  # every point in grey, then class "a" in colour
    assert len(grey.get_offsets()) == 6 and len(coloured.get_offsets()) == 2
    assert np.allclose(coloured.get_offsets(), pts[:2])
    assert len(fig.axes[3].collections[1].get_offsets()) == 0  # no "c" among the vectors
    with pytest.raises(ValueError, match="row 'events'"):
        class_panels([("events", pts, list("ab"))], ["a"])
    with pytest.raises(ValueError):
        class_panels([], ["a"])


# -- the corpus against Clotho --------------------------------------------------------------------


def test_corpus_statistics_on_real_layout_data(tiny_data):
    from adl.analysis import CLOTHO_STATISTICS, corpus_statistics

    stats = corpus_statistics(tiny_data)
    assert list(stats) == list(CLOTHO_STATISTICS)  # one row per published figure
    assert stats["clips (development / validation / evaluation)"] == "12 / 4 / 4"
    assert stats["captions per clip"] == "5"
    assert stats["clip length (s)"].startswith("1.0 to 1.5")
    assert stats["events per clip"] == "n/a"  # no event metadata: said, not invented


def test_corpus_statistics_counts_events_of_the_embedded_corpus(tmp_path):
    from adl.analysis import corpus_statistics
    from adl.config import load_preset
    from adl.corpus.prepare import prepare_corpus

    cfg = load_preset("smoke")
    prepare_corpus(tmp_path, cfg.corpus, sr=cfg.data.sr, workers=1)
    stats = corpus_statistics(tmp_path)
    low, high = stats["events per clip"].split(" (")[0].split(" to ")
    assert 1 <= int(low) <= int(high) <= cfg.corpus.max_events
    assert float(stats["words per named event"]) > 2
    assert int(stats["vocabulary (distinct words)"].split()[0]) > 50


def test_fidelity_summary_says_which_representation_lands_nearer_the_input():
    import pandas as pd

    from adl.analysis import fidelity_summary

    rows = []
    for clip, (mix, diff) in enumerate([(0.9, 0.4), (0.8, 0.85), (0.95, 0.5), (0.7, 0.3)]):
        for rep, cos in (("mixture", mix), ("difference", diff), ("difference + Z(0)", diff + 0.1)):
            rows.append({"clip": clip, "event": clip % 2, "representation": rep, "cosine": cos,
                         "relative_error": 1 - cos, "model": "ADL"})
    summary = fidelity_summary(pd.DataFrame(rows)).set_index("model").loc["ADL"]
    assert summary["pairs"] == 4
    assert summary["cosine_mixture"] == pytest.approx((0.9 + 0.8 + 0.95 + 0.7) / 4)
    assert summary["cosine_difference"] == pytest.approx((0.4 + 0.85 + 0.5 + 0.3) / 4)
    assert summary["cosine_difference_z0"] == pytest.approx((0.5 + 0.95 + 0.6 + 0.4) / 4)
    assert summary["difference_closer"] == pytest.approx(0.25)
