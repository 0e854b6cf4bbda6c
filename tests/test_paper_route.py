"""The ``paper`` preset end to end on the real-data route, at toy sizes, through the Python API.

PANNs CNN14 loaded from a checkpoint file in the PANNs layout, the linear adapter to 768 and the
6-layer bart-base-size decoder train for two steps on a tiny data set written in the Clotho v2.1
and ESC-50 layouts (``data.source: real``); the run then captions a file. Only what cannot run
here is changed: the data root, the checkpoint (written by the test: the PANNs file is a
download), the batch size and the worker processes. ``decoder.pretrained`` stays off, as in the
preset (facebook/bart-base cannot be downloaded here).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import shutil
from pathlib import Path

import pytest
import torch

from adl.config import load_preset
from adl.models.encoder import Cnn14Encoder
from adl.runs import read_run_info
from adl.inference import caption_files, load_run
from adl.train import min_samples, train

from conftest import SR, make_tiny_data

# Distinctive bn0 statistics, to see that the checkpoint's weights reached the run.
BN0_MEAN, BN0_VAR = -5.0, 9.0


def write_panns_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """A CNN14 checkpoint in the layout of PANNs' ``Cnn14_mAP=0.431.pth``: ``{"model": ...}``
    with the AudioSet head and the torchlibrosa front end (which the loader ignores)."""
    torch.manual_seed(123)
    state = dict(Cnn14Encoder().state_dict())
    state["bn0.running_mean"] = torch.full((64,), BN0_MEAN)
    state["bn0.running_var"] = torch.full((64,), BN0_VAR)
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.zeros(1025, 1, 1024)
    state["spectrogram_extractor.stft.conv_imag.weight"] = torch.zeros(1025, 1, 1024)
    state["logmel_extractor.melW"] = torch.zeros(1025, 64)
    torch.save({"model": state, "iteration": 0}, path)
    return state


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread


@pytest.fixture
def workdir(tmp_path: Path):
    # The checkpoint and the run weigh about 2 GB: do not leave them in pytest's kept tmp dirs.
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.slow
def test_paper_preset_trains_two_steps_and_captions(workdir: Path) -> None:
    paper = load_preset("paper")
    assert (paper.data.source, paper.encoder.name, paper.encoder.adapter) == (
        "real", "cnn14", "linear")
    assert (paper.decoder.d_model, paper.decoder.layers, paper.decoder.pretrained) == (
        768, 6, None)
    # Clips just above CNN14's minimum (one output step: 64 frames of 20 ms, about 1.26 s).
    shortest = min_samples(paper) / SR
    assert 1.2 < shortest < 1.3
    root = make_tiny_data(workdir / "data", n_dev=4, n_val=1, n_eval=1, seconds=shortest + 0.04)
    ckpt = workdir / "Cnn14_mAP=0.431.pth"
    state = write_panns_checkpoint(ckpt)

    cfg = paper.replace(
        data=dataclasses.replace(paper.data, root=str(root)),
        encoder=dataclasses.replace(paper.encoder, checkpoint=str(ckpt)),
        decoder=dataclasses.replace(paper.decoder, pretrained=None),
        # ADL on every example ("replace" with p_adl 1), so both encoder passes (mixture and
        # reference) run in every batch.
        mixing=dataclasses.replace(paper.mixing, p_adl=1.0),
        training=dataclasses.replace(paper.training, batch_size=2, num_workers=0,
                                     adl_mode="replace"),
    )
    logs: list[str] = []
    s = train(cfg, method="adl", seed=0, out=workdir / "run", max_steps=2, log=logs.append)
    assert s.global_step == 2 and s.skipped_clips == 0
    assert f"encoder: CNN14 weights from {ckpt}" in logs
    info = read_run_info(workdir / "run")
    assert info["status"] == "complete" and info["encoder"] == str(ckpt)
    with open(workdir / "run" / "steps.csv", newline="") as f:
        steps = list(csv.DictReader(f))
    assert [int(r["n_adl"]) for r in steps] == [2, 2]  # every example of both batches
    assert all(math.isfinite(float(r["loss"])) for r in steps)

    model, tok, run_cfg = load_run(workdir / "run")
    assert run_cfg.encoder == cfg.encoder and run_cfg.decoder == cfg.decoder
    enc = model.encoder
    assert isinstance(enc, Cnn14Encoder) and enc.out_dim == 2048 and enc.stride == 64
    assert (model.adapter.in_dim, model.adapter.out_dim) == (2048, 768)
    assert model.decoder.bart.config.decoder_layers == 6  # type: ignore[union-attr]
    # The frozen encoder kept the checkpoint's weights and BatchNorm statistics.
    for key in ("conv_block1.conv1.weight", "conv_block6.bn2.running_var", "bn0.running_mean"):
        assert torch.equal(enc.state_dict()[key], state[key]), key

    from adl.data import load_clotho

    clip = load_clotho(root, "evaluation")[0].path
    (caption,) = caption_files(workdir / "run", [clip])
    assert isinstance(caption, str) and caption.strip()
