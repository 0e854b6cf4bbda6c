"""The command line as a user types it: data preparation, errors, training, captioning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from adl.cli import main
from adl.data import load_clotho, load_esc50, load_scene_events


def adl(*args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``adl ...`` in a fresh process, as a user would."""
    exe = Path(sys.executable).with_name("adl")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "adl.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_data_prepare_smoke_writes_both_layouts(tmp_path):
    r = adl("data", "prepare", "--preset", "smoke", "--root", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "development 48" in r.stdout and "generated in" in r.stdout
    root = tmp_path / "embedded-smoke"
    dev = load_clotho(root, "development")
    assert len(dev) == 48 and all(len(it.captions) == 5 for it in dev)
    assert len(load_clotho(root, "evaluation")) == 16
    bank = load_esc50(root)
    assert {it.fold for it in bank} == {1, 2, 3, 4, 5}
    assert set(load_scene_events(root, "development")) == {it.fname for it in dev}
    again = adl("data", "prepare", "--preset", "smoke", "--root", str(tmp_path))
    assert again.returncode == 0 and "reused" in again.stdout


def test_data_root_from_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ADL_DATA_ROOT", str(tmp_path))
    assert main(["data", "prepare", "--preset", "smoke"]) == 0
    assert (tmp_path / "embedded-smoke" / "embedded_corpus.json").exists()


@pytest.mark.parametrize("args, needle", [
    (["data", "prepare", "--preset", "smok"], "did you mean 'smoke'"),
    (["data", "prepare", "--preset", "paper"], "real data"),
    (["data", "download", "esc50", "--root", "{tmp}"], "needs internet"),
    (["train", "--preset", "smoke", "--method", "adll", "--out", "{tmp}/r",
      "--root", "{tmp}"], "unknown method"),
    (["caption", "{tmp}/no-run", "x.wav"], "run.json is missing"),
])
def test_user_errors_are_one_line_with_status_2(tmp_path, args, needle, monkeypatch):
    if args[:2] == ["data", "download"]:
        # Never touch the network in tests: a closed local port stands for "offline".
        import adl.data.download as dl
        monkeypatch.setattr(dl, "ESC50_URL", "http://127.0.0.1:9/master.zip")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    import io
    from contextlib import redirect_stderr
    err = io.StringIO()
    with redirect_stderr(err):
        code = main(args)
    lines = err.getvalue().strip().splitlines()
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


def test_no_traceback_from_the_real_command(tmp_path):
    r = adl("caption", str(tmp_path / "missing-run"), "x.wav")
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr


@pytest.mark.slow
def test_train_and_caption_smoke(tmp_path):
    """``adl train --preset smoke`` (adl and baseline) and ``adl caption`` with ``--minus``."""
    env = {"ADL_DATA_ROOT": str(tmp_path / "data")}
    for method in ("adl", "baseline"):
        r = adl("train", "--preset", "smoke", "--method", method, "--seed", "0",
                "--out", str(tmp_path / method), "--max-steps", "4", env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        assert f"run {tmp_path / method}: {method}, 4 steps" in r.stdout
    root = tmp_path / "data" / "embedded-smoke"
    # The frozen encoder's features, stored by the first run and read back by the second.
    assert list((root / "features").rglob("*.npy"))
    clip = load_clotho(root, "evaluation")[0].path
    event = load_esc50(root, folds=[5])[0].path
    r = adl("caption", str(tmp_path / "adl"), str(clip), env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith(f"{clip}: ") and len(r.stdout.split(": ", 1)[1].split()) >= 1
    r = adl("caption", str(tmp_path / "adl"), str(clip), "--minus", str(event), env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{clip} - {event}: " in r.stdout
    r = adl("evaluate", str(tmp_path / "adl"), "--metrics", "cider_d", "meteor", "spider",
            env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "cider_d:" in r.stdout and "spider: unavailable" in r.stdout
    assert (tmp_path / "adl" / "metrics.json").exists()
    assert (tmp_path / "adl" / "captions.csv").exists()


@pytest.mark.slow
def test_paper_preset_takes_a_few_steps_on_a_tiny_fixture(tmp_path):
    """The paper's model (CNN14 from a PANNs-layout checkpoint, adapter to 768, 6-layer BART)
    on a tiny data set in the Clotho + ESC-50 layouts, on the CPU."""
    import torch

    from adl.models.encoder import Cnn14Encoder

    from conftest import make_tiny_data

    # CNN14 pools time by 64 frames (1.28 s): these clips are 2-2.5 s (Clotho's are 15-30 s).
    tiny_data = make_tiny_data(tmp_path / "data", n_dev=4, n_val=2, n_eval=2, seconds=2.0)
    ckpt = tmp_path / "Cnn14_mAP=0.431.pth"
    enc = Cnn14Encoder()
    state = {k: v for k, v in enc.state_dict().items()}
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.zeros(1025, 1, 1024)
    state["spectrogram_extractor.stft.conv_imag.weight"] = torch.zeros(1025, 1, 1024)
    state["logmel_extractor.melW"] = torch.zeros(1025, 64)
    torch.save({"model": state, "iteration": 0}, ckpt)
    paper = yaml.safe_load((Path(__file__).parents[1] / "adl" / "presets" / "paper.yaml")
                           .read_text())
    paper["data"]["root"] = str(tiny_data)
    paper["encoder"]["checkpoint"] = str(ckpt)
    paper["training"]["batch_size"] = 4
    paper["training"]["num_workers"] = 0
    (tmp_path / "paper.yaml").write_text(yaml.safe_dump(paper))
    r = adl("train", "--config", str(tmp_path / "paper.yaml"), "--method", "adl",
            "--out", str(tmp_path / "run"), "--max-steps", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 steps" in r.stdout
    assert "CNN14 weights from" in r.stdout
