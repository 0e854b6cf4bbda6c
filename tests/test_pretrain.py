"""Tagger pretraining: average precision, training on a tiny embedded corpus, saving, reuse."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
import torch

from adl.config import load_preset
from adl.errors import ConfigError, DataError
from adl.models.checkpoints import CheckpointError
import adl.pretrain as pretrain_module
from adl.pretrain import (REPORT_FILE, WEIGHTS_FILE, average_precision, load_tagger_encoder,
                          mean_average_precision, pretrain_tagger, ship_tagger, shipped_tagger)

# ---- average precision --------------------------------------------------------------------


def _brute_ap(s: np.ndarray, y: np.ndarray) -> float:
    """The definition: mean over positives i of #{pos j: s_j >= s_i} / #{j: s_j >= s_i}."""
    pos = np.flatnonzero(y)
    return float(np.mean([((s >= s[i]) & (y == 1)).sum() / (s >= s[i]).sum() for i in pos]))


def test_ap_hand_checked_cases():
    scores = np.array([[0.9, 0.1, 0.5], [0.8, 0.2, 0.5], [0.7, 0.3, 0.5], [0.6, 0.4, 0.5]])
    targets = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 0, 1]])
    ap = average_precision(scores, targets)
    # col 0: positives at ranks 1 and 3 -> (1/1 + 2/3) / 2
    # col 1: the one positive ranked last -> 1/4
    # col 2: all tied -> one threshold, precision 2/4 for both positives
    np.testing.assert_allclose(ap, [(1 + 2 / 3) / 2, 0.25, 0.5])
    assert mean_average_precision(scores, targets) == pytest.approx(np.mean(ap))
    perfect = average_precision(np.array([[3.0], [2.0], [1.0]]), np.array([[1], [1], [0]]))
    np.testing.assert_allclose(perfect, [1.0])


def test_ap_matches_brute_force_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=(40, 6)).astype(float)  # many ties
    targets = (rng.random((40, 6)) < 0.3).astype(int)
    targets[0] = 1  # every class has a positive
    expected = [_brute_ap(scores[:, c], targets[:, c]) for c in range(6)]
    np.testing.assert_allclose(average_precision(scores, targets), expected, rtol=1e-12)


def test_classes_without_positives_are_excluded():
    scores = np.array([[0.9, 0.2], [0.1, 0.8]])
    targets = np.array([[1, 0], [0, 0]])
    ap = average_precision(scores, targets)
    assert ap[0] == 1.0 and np.isnan(ap[1])
    assert mean_average_precision(scores, targets) == 1.0
    with pytest.raises(ValueError, match="no class has a positive"):
        mean_average_precision(scores, np.zeros((2, 2)))


def test_ap_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        average_precision(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="binary"):
        average_precision(np.zeros((2, 1)), np.array([[0.5], [1.0]]))


# ---- training on a tiny corpus ------------------------------------------------------------

EPOCHS = 10


def _chance_map(targets: np.ndarray, draws: int = 300) -> float:
    """Expected mAP of random scores on these targets (with few positives it is far above 0)."""
    rng = np.random.default_rng(0)
    return float(np.mean([mean_average_precision(rng.random(targets.shape), targets)
                          for _ in range(draws)]))


def _cfg(epochs: int = EPOCHS, lr: float = 3e-3):
    from adl.pretrain import tagger_ablation

    cfg = tagger_ablation(load_preset("smoke"))  # the smoke preset reads a random sfx_cnn
    return cfg.replace(tagger=dataclasses.replace(cfg.tagger, epochs=epochs, batch_size=16,
                                                  lr=lr))


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory):
    from adl.config import dataset_root
    from adl.corpus.prepare import prepare_corpus

    root = tmp_path_factory.mktemp("data")
    corpus = dataclasses.replace(load_preset("smoke").corpus, n_development=32,
                                 n_validation=16, n_evaluation=16, events_per_class=5,
                                 scene_seconds=(5.0, 5.0))
    prepare_corpus(dataset_root(_cfg(), root), corpus)
    return root


@pytest.fixture(scope="module")
def trained(corpus_root):
    lines: list[str] = []
    result = pretrain_tagger(_cfg(), root=corpus_root, progress=lines.append)
    return result, lines


@pytest.mark.slow
def test_training_learns_and_writes_files(trained, corpus_root):
    from adl.config import dataset_root
    from adl.data.corpus_files import load_scene_events
    from adl.corpus.synth import CLASSES

    result, lines = trained
    assert not result.reused and result.epochs == EPOCHS
    assert len(result.train_losses) == len(result.val_maps) == EPOCHS
    assert result.train_losses[-1] < 0.7 * result.train_losses[0]
    chance = {}
    for subset in ("validation", "evaluation"):
        events = load_scene_events(dataset_root(_cfg(), corpus_root), subset)
        targets = np.array([[c in m.labels for c in CLASSES] for m in events.values()], int)
        chance[subset] = _chance_map(targets)
    print(f"tiny corpus: eval mAP {result.eval_map:.3f} (chance {chance['evaluation']:.3f}), "
          f"val mAP per epoch {np.round(result.val_maps, 3).tolist()} "
          f"(chance {chance['validation']:.3f}), "
          f"losses {np.round(result.train_losses, 3).tolist()}, {result.seconds:.1f} s")
    assert result.val_maps[-1] > chance["validation"] + 0.05
    assert result.val_maps[-1] > result.val_maps[0]
    assert result.eval_map > chance["evaluation"] + 0.05
    # Fold 5: one event per clip, so chance is about one over the number of classes.
    assert 0.0 < result.fold5_map <= 1.0 and result.fold5_map > 1.5 / len(CLASSES)
    out = result.weights.parent
    assert result.weights.name == WEIGHTS_FILE and result.weights.is_file()
    assert out == dataset_root(_cfg(), corpus_root) / "tagger"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["classes"] == list(CLASSES)
    assert report["eval_map"] == pytest.approx(result.eval_map)
    assert report["fold5_map"] == pytest.approx(result.fold5_map) and report["n_fold5_events"] > 0
    assert report["settings"]["corpus"]["config"]["n_development"] == 32
    assert report["settings"]["seed"] == 0 and report["epochs"] == EPOCHS
    assert any("epoch 1/" in line for line in lines)


@pytest.mark.slow
def test_reuse_is_fast(trained, corpus_root):
    result, _ = trained
    start = time.perf_counter()
    again = pretrain_tagger(_cfg(), root=corpus_root, progress=False)
    assert again.reused and time.perf_counter() - start < 1.0
    assert again.eval_map == pytest.approx(result.eval_map)
    assert again.fold5_map == pytest.approx(result.fold5_map)
    assert again.val_maps == pytest.approx(result.val_maps)


@pytest.mark.slow
def test_force_retrains_deterministically(corpus_root, tmp_path):
    cfg = _cfg(epochs=1)
    first = pretrain_tagger(cfg, root=corpus_root, out_dir=tmp_path, progress=False)
    state = {k: v.clone() for k, v in load_tagger_encoder(
        tmp_path, channels=cfg.encoder.channels, time_pool=cfg.encoder.time_pool)
        .state_dict().items()}
    rng_before = torch.get_rng_state()
    forced = pretrain_tagger(cfg, root=corpus_root, out_dir=tmp_path, force=True,
                             progress=False)
    assert torch.equal(torch.get_rng_state(), rng_before)  # the caller's RNG is untouched
    assert not forced.reused
    assert forced.train_losses == first.train_losses
    again = load_tagger_encoder(tmp_path, channels=cfg.encoder.channels,
                                time_pool=cfg.encoder.time_pool).state_dict()
    assert all(torch.equal(state[k], again[k]) for k in state)
    # Another seed does not match the saved settings: it retrains, without force.
    other = pretrain_tagger(cfg, root=corpus_root, out_dir=tmp_path, seed=1, progress=False)
    assert not other.reused and other.train_losses != first.train_losses


@pytest.mark.slow
def test_loading_round_trips(trained):
    result, _ = trained
    cfg = _cfg()
    enc = load_tagger_encoder(result.weights, channels=cfg.encoder.channels,
                              time_pool=cfg.encoder.time_pool)
    assert not enc.training and enc.n_classes == 20
    twin = load_tagger_encoder(result.weights.parent, channels=cfg.encoder.channels,
                               time_pool=cfg.encoder.time_pool).freeze()
    x = torch.randn(2, 120, 64)
    lengths = torch.tensor([120, 90])
    with torch.no_grad():
        torch.testing.assert_close(enc.tag(x, lengths), twin.tag(x, lengths), rtol=0, atol=0)
    feats, _ = twin(x, lengths)
    assert feats.shape == (2, 120 // cfg.encoder.time_pool, cfg.encoder.channels[-1])


@pytest.mark.slow
def test_load_errors_name_the_file(trained, tmp_path):
    result, _ = trained
    cfg = _cfg()
    with pytest.raises(CheckpointError, match="not found"):
        load_tagger_encoder(tmp_path / "missing.safetensors", channels=(16, 32), time_pool=4)
    corrupt = tmp_path / WEIGHTS_FILE
    corrupt.write_bytes(result.weights.read_bytes()[:200])
    with pytest.raises(CheckpointError, match=str(corrupt)):
        load_tagger_encoder(tmp_path, channels=cfg.encoder.channels, time_pool=16)
    with pytest.raises(CheckpointError, match=rf"{result.weights}.*wrong shapes"):
        load_tagger_encoder(result.weights, channels=(16, 32, 64, 256), time_pool=16)
    with pytest.raises(CheckpointError, match=rf"{result.weights}.*unexpected keys"):
        load_tagger_encoder(result.weights, channels=(16, 32, 64), time_pool=16)


def test_refuses_real_data_and_missing_corpus(tmp_path):
    cfg = load_preset("smoke")
    cfg = cfg.replace(encoder=dataclasses.replace(cfg.encoder, name="small_cnn", time_pool=16,
                                                  checkpoint="tagger"))
    real = cfg.replace(data=dataclasses.replace(cfg.data, source="real"))
    with pytest.raises(ConfigError, match="embedded"):
        pretrain_tagger(real, root=tmp_path, progress=False)
    with pytest.raises(DataError, match="embedded_corpus.json"):
        pretrain_tagger(cfg, root=tmp_path, progress=False)


# ---- shipped weights ----------------------------------------------------------------------


def _shipped_cfg():
    cfg = _cfg()
    return cfg.replace(tagger=dataclasses.replace(cfg.tagger, shipped=True))


@pytest.fixture
def shipped_dir(trained, tmp_path, monkeypatch):
    """The tiny corpus's trained tagger, shipped into a package folder of its own."""
    folder = tmp_path / "weights"
    ship_tagger(trained[0].weights.parent, "tiny", folder=folder)
    monkeypatch.setattr(pretrain_module, "SHIPPED_DIR", folder)
    return folder / "tiny"


@pytest.mark.slow
def test_shipped_weights_are_checked_then_used_instead_of_training(trained, corpus_root,
                                                                   shipped_dir, tmp_path):
    result, _ = trained
    lines: list[str] = []
    got = pretrain_tagger(_shipped_cfg(), root=corpus_root, out_dir=tmp_path / "t",
                          progress=lines.append)
    assert got.shipped and not got.reused
    assert (tmp_path / "t" / WEIGHTS_FILE).read_bytes() == result.weights.read_bytes()
    # The mAPs are recomputed on this corpus, and they are the trained run's.
    assert got.eval_map == pytest.approx(result.eval_map, abs=1e-6)
    assert got.fold5_map == pytest.approx(result.fold5_map, abs=1e-6)
    assert got.val_map == pytest.approx(result.val_map, abs=1e-6)
    assert got.val_maps == result.val_maps and got.seconds == result.seconds
    assert not any("epoch 1/" in line for line in lines)
    assert "shipped with adl" in lines[-1] and "checked on this corpus" in lines[-1]
    report = json.loads((tmp_path / "t" / REPORT_FILE).read_text())
    assert report["shipped"] == "tiny" and report["install_seconds"] >= 0
    # Installed once, then reused like trained weights.
    again = pretrain_tagger(_shipped_cfg(), root=corpus_root, out_dir=tmp_path / "t",
                            progress=False)
    assert again.reused and again.shipped
    # Without tagger.shipped, or with other settings, nothing shipped fits: it trains.
    assert shipped_tagger(dict(json.loads((shipped_dir / REPORT_FILE).read_text())["settings"],
                               epochs=EPOCHS + 1), folder=shipped_dir.parent) is None
    with pytest.raises(CheckpointError, match="installed from shipped"):
        ship_tagger(tmp_path / "t", "again", folder=tmp_path / "w2")


@pytest.mark.slow
def test_shipped_weights_that_do_not_fit_the_corpus_are_trained_anew(corpus_root, shipped_dir,
                                                                    tmp_path):
    report = json.loads((shipped_dir / REPORT_FILE).read_text())
    report["eval_map"] += 0.1  # as if trained on another corpus with the same manifest
    (shipped_dir / REPORT_FILE).write_text(json.dumps(report))
    lines: list[str] = []
    cfg = _shipped_cfg()
    cfg = cfg.replace(tagger=dataclasses.replace(cfg.tagger, epochs=1))
    report["settings"]["epochs"] = 1
    (shipped_dir / REPORT_FILE).write_text(json.dumps(report))
    got = pretrain_tagger(cfg, root=corpus_root, out_dir=tmp_path / "t", progress=lines.append)
    assert not got.shipped and not got.reused
    assert any("differs from its report's; training anew" in line for line in lines)
    assert any("epoch 1/1" in line for line in lines)


@pytest.mark.slow
def test_damaged_shipped_weights_name_the_file(corpus_root, shipped_dir, tmp_path):
    weights = shipped_dir / WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=f"{weights}: shipped tagger weights are missing "
                                              "or damaged"):
        pretrain_tagger(_shipped_cfg(), root=corpus_root, out_dir=tmp_path / "t",
                        progress=False)




def test_the_ablation_config_swaps_only_the_encoder():
    from adl.pretrain import tagger_ablation

    cfg = load_preset("default")
    ablation = tagger_ablation(cfg)
    assert cfg.encoder.name == "sfx_cnn"
    assert (ablation.encoder.name, ablation.encoder.checkpoint) == ("small_cnn", "tagger")
    assert ablation.encoder.time_pool == 16 and ablation.encoder.block_max == 0
    assert ablation.decoder == cfg.decoder and ablation.training == cfg.training
    assert ablation.encoder.adapter == cfg.encoder.adapter
