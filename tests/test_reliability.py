"""Reliability: kills and signals during training, atomic checkpoints, bad clips, bad configs,
safe loading, missing data and disk space. Each failure is one clear line, never a traceback."""

from __future__ import annotations

import csv
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file

from adl.errors import AudioError
from adl.runs import (FORMAT_VERSION, RunError, checkpoint_folder, load_checkpoint,
                      save_checkpoint)

# tiny_data: 12 development clips, plus 6 ADL mixtures (adl_mode add, p_adl 0.5), batch 4.
STEPS_PER_EPOCH, EPOCHS = 5, 6
TOTAL = STEPS_PER_EPOCH * EPOCHS


# -- helpers -------------------------------------------------------------------------------------


def _adl_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("adl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "adl.cli"]


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def adl(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(_adl_cmd() + list(args), capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def write_config(path: Path, root: Path, **training) -> Path:
    """A tiny CPU config on ``root`` in the real layouts, checkpointing every step."""
    cfg = {
        "name": "tiny",
        "data": {"source": "real", "root": str(root)},
        "encoder": {"channels": [8, 16, 16, 32], "checkpoint": None, "freeze": False},
        "decoder": {"d_model": 32, "layers": 1, "heads": 2, "ffn_dim": 64, "vocab_size": 300,
                    "dropout": 0.1},
        "training": {"epochs": EPOCHS, "batch_size": 4, "lr": 3e-3, "warmup_fraction": 0.0,
                     "device": "cpu", "checkpoint_every": 1, **training},
        "mixing": {"p_adl": 0.5},
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def train_args(cfg: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--config", str(cfg), "--method", "adl", "--seed", "3", "--out", str(out),
            *extra]


def n_steps_logged(run: Path) -> int:
    try:
        with open(run / "steps.csv", newline="") as f:
            return sum(1 for _ in csv.DictReader(f))
    except (FileNotFoundError, csv.Error):
        return 0


def start_and_wait(args: list[str], run: Path, n: int) -> subprocess.Popen:
    """Start ``adl ...`` and return once ``n`` steps are logged (the process still running)."""
    proc = subprocess.Popen(_adl_cmd() + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV)
    deadline = time.monotonic() + 300
    while n_steps_logged(run) < n:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"training ended before step {n}: rc {proc.returncode}\n{err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("training did not reach the step in time")
        time.sleep(0.01)
    return proc


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = load_file(a), load_file(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


def one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr
    return lines[0]


# -- interruption and resume ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_run(tiny_data, tmp_path_factory):
    """An uninterrupted CLI run: the weights the interrupted runs must reproduce."""
    tmp = tmp_path_factory.mktemp("reference")
    cfg = write_config(tmp / "cfg.yaml", tiny_data)
    r = adl(*train_args(cfg, tmp / "run"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert n_steps_logged(tmp / "run") == TOTAL
    return cfg, tmp / "run"


@pytest.mark.slow
def test_sigkill_at_a_random_step_then_resume_is_bitwise_exact(reference_run, tmp_path):
    cfg, ref = reference_run
    n = random.Random(7).randint(2, TOTAL - 2)
    run = tmp_path / "run"
    proc = start_and_wait(train_args(cfg, run), run, n)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert json.loads((run / "run.json").read_text())["status"] == "running"
    assert checkpoint_folder(run / "last") is not None
    r = adl(*train_args(cfg, run, "--resume"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "resumed" in r.stdout
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    assert_same_weights(ref / "last" / "model.safetensors", run / "last" / "model.safetensors")
    assert_same_weights(ref / "model.safetensors", run / "model.safetensors")
    with open(ref / "steps.csv") as fa, open(run / "steps.csv") as fb:
        losses_a = [row["loss"] for row in csv.DictReader(fa)]
        losses_b = [row["loss"] for row in csv.DictReader(fb)]
    assert losses_a == losses_b  # the log rows past the checkpoint were dropped and redone


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_and_sigint_checkpoint_and_exit_cleanly(reference_run, tmp_path, sig):
    cfg, ref = reference_run
    run = tmp_path / "run"
    proc = start_and_wait(train_args(cfg, run), run, 4)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    line = one_error_line(err)
    assert sig.name in line and str(run / "last") in line and "--resume" in line
    state = json.loads((run / "last" / "state.json").read_text())
    assert 4 <= state["global_step"] < TOTAL
    r = adl(*train_args(cfg, run, "--resume"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((run / "run.json").read_text())["global_step"] == TOTAL
    assert_same_weights(ref / "last" / "model.safetensors", run / "last" / "model.safetensors")


# -- atomic checkpoints --------------------------------------------------------------------------


def _trainer(seed: int):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 / (1 + s))
    model(torch.randn(4, 8)).sum().backward()
    opt.step()
    sched.step()
    return model, opt, sched


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def _check_loads(folder: Path, expected_step: int, expected_weights) -> None:
    found = checkpoint_folder(folder)
    assert found is not None
    model, opt, sched = _trainer(99)
    state = load_checkpoint(found, model=model, optimizer=opt, scheduler=sched)
    assert state["global_step"] == expected_step
    for k, v in model.state_dict().items():
        assert torch.equal(v, expected_weights[k]), k


# save_checkpoint renames: 5 files inside last.tmp, then last -> last.old, last.tmp -> last.
@pytest.mark.parametrize("fail_at", range(7))
def test_a_failure_during_a_checkpoint_write_keeps_a_complete_checkpoint(tmp_path, monkeypatch,
                                                                         fail_at):
    folder = tmp_path / "last"
    m1, o1, s1 = _trainer(1)
    save_checkpoint(folder, model=m1, optimizer=o1, scheduler=s1, state={"global_step": 1})
    first = _weights(m1)
    m2, o2, s2 = _trainer(2)
    real_replace, calls = os.replace, {"n": 0}

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == fail_at + 1:
            raise OSError("simulated kill during the write")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated kill"):
        save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    monkeypatch.setattr(os, "replace", real_replace)
    # The old checkpoint is complete and loads (from last/, or from last.old mid-swap).
    _check_loads(folder, 1, first)
    # The next checkpoint cleans up the leftovers and is the one found.
    save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    _check_loads(folder, 2, _weights(m2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_truncated_weights_write_never_replaces_the_checkpoint(tmp_path, monkeypatch):
    import adl.runs as runs

    folder = tmp_path / "last"
    m1, o1, s1 = _trainer(1)
    save_checkpoint(folder, model=m1, optimizer=o1, scheduler=s1, state={"global_step": 1})

    def half_written(state, path):
        Path(path).write_bytes(b"\x00" * 100)  # a kill halfway through safetensors' write
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "save_file", half_written)
    m2, o2, s2 = _trainer(2)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    assert checkpoint_folder(folder) == folder
    _check_loads(folder, 1, _weights(m1))


def test_a_kill_mid_swap_then_resume_keeps_a_checkpoint(tmp_path, monkeypatch):
    """Killed between ``last -> last.old`` and ``last.tmp -> last``: the run resumes from
    last.old; its next checkpoint must not delete last.old before the new one is in place."""
    folder, old = tmp_path / "last", tmp_path / "last.old"
    m1, o1, s1 = _trainer(1)
    save_checkpoint(folder, model=m1, optimizer=o1, scheduler=s1, state={"global_step": 1})
    os.replace(folder, old)
    (tmp_path / "last.tmp").mkdir()  # the half-swapped new one
    assert checkpoint_folder(folder) == old
    real_replace = os.replace

    def fail_folder_rename(src, dst):
        if Path(dst) == folder:
            raise OSError("simulated kill")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_folder_rename)
    m2, o2, s2 = _trainer(2)
    with pytest.raises(OSError):
        save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    monkeypatch.setattr(os, "replace", real_replace)
    _check_loads(folder, 1, _weights(m1))


def test_stray_temporary_files_are_ignored_and_cleaned(tmp_path):
    folder = tmp_path / "last"
    m1, o1, s1 = _trainer(1)
    save_checkpoint(folder, model=m1, optimizer=o1, scheduler=s1, state={"global_step": 1})
    (tmp_path / "last.tmp").mkdir()
    (tmp_path / "last.tmp" / "model.safetensors").write_bytes(b"trunc")
    (folder / ".model.safetensors.abc123.tmp").write_bytes(b"trunc")
    assert checkpoint_folder(folder) == folder
    _check_loads(folder, 1, _weights(m1))
    m2, o2, s2 = _trainer(2)
    save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "model.safetensors", "optimizer.pt", "rng.pt", "scheduler.pt", "state.json"]


# -- disk space ----------------------------------------------------------------------------------


def test_too_little_disk_space_is_a_clear_error_before_writing(tmp_path, monkeypatch):
    import adl.runs as runs

    folder = tmp_path / "last"
    m1, o1, s1 = _trainer(1)
    save_checkpoint(folder, model=m1, optimizer=o1, scheduler=s1, state={"global_step": 1})
    monkeypatch.setattr(runs.shutil, "disk_usage",
                        lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 4096, 4096))
    m2, o2, s2 = _trainer(2)
    with pytest.raises(RunError) as e:
        save_checkpoint(folder, model=m2, optimizer=o2, scheduler=s2, state={"global_step": 2})
    msg = str(e.value)
    assert "\n" not in msg and str(folder) in msg and "disk space" in msg
    assert "4096 bytes free" in msg and "needs" in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]  # nothing written
    _check_loads(folder, 1, _weights(m1))


# -- bad clips during training -------------------------------------------------------------------


@pytest.fixture
def data_with_bad_clips(tiny_data, tmp_path):
    from adl.audio import save_audio

    root = tmp_path / "data"
    shutil.copytree(tiny_data, root)
    dev = root / "CLOTHO_v2.1" / "clotho_audio_files" / "development"
    corrupt, silent = dev / "development_001.wav", dev / "development_002.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + os.urandom(64))
    save_audio(silent, np.zeros(44100, dtype=np.float32), 44100)
    return root, corrupt, silent


@pytest.mark.slow
def test_bad_clips_are_skipped_and_counted(data_with_bad_clips, tmp_path):
    from test_train import tiny_config

    from adl.train import train

    root, corrupt, silent = data_with_bad_clips
    cfg = tiny_config(root, epochs=1, on_bad_audio="skip")
    logs: list[str] = []
    with pytest.warns(UserWarning, match="skipping bad clip") as record:
        s = train(cfg, method="adl", seed=0, out=tmp_path / "run", max_steps=1, log=logs.append)
    warned = " ".join(str(w.message) for w in record)
    assert corrupt.name in warned and silent.name in warned
    assert s.skipped_clips == 2
    assert json.loads((tmp_path / "run" / "run.json").read_text())["skipped_clips"] == 2
    assert any("skipped 2 bad clips" in m for m in logs)


def test_bad_clips_are_an_error_when_asked(data_with_bad_clips, tmp_path):
    from test_train import tiny_config

    from adl.train import train

    root, corrupt, _ = data_with_bad_clips
    cfg = tiny_config(root, epochs=1, on_bad_audio="error")
    with pytest.raises(AudioError) as e:
        train(cfg, method="adl", seed=0, out=tmp_path / "run", log=lambda m: None)
    assert str(corrupt) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.slow
def test_bad_clip_error_through_the_cli(data_with_bad_clips, tmp_path):
    root, corrupt, _ = data_with_bad_clips
    cfg = write_config(tmp_path / "cfg.yaml", root, on_bad_audio="error")
    r = adl(*train_args(cfg, tmp_path / "run"))
    assert r.returncode == 2
    assert str(corrupt) in one_error_line(r.stderr)


# -- configuration errors, before any heavy work -------------------------------------------------


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


CONFIG_ERRORS = [
    (lambda t: ["--preset", "smok"], "did you mean 'smoke'"),
    (lambda t: ["--config", str(_yaml(t, "training:\n  epoch: 3\n"))],
     "did you mean 'epochs'"),
    (lambda t: ["--config", str(_yaml(t, "trainng:\n  epochs: 3\n"))],
     "did you mean 'training'"),
    (lambda t: ["--config", str(_yaml(t, "training:\n  batch_size: 0\n"))],
     "training.batch_size"),
    (lambda t: ["--config", str(_yaml(t, "training:\n  epochs: -2\n"))], "training.epochs"),
    (lambda t: ["--config", str(_yaml(t, "decoder:\n  d_model: 0\n"))], "decoder.d_model"),
    (lambda t: ["--config", str(_yaml(t, "training:\n  checkpoint_every: 0\n"))],
     "training.checkpoint_every"),
    (lambda t: ["--config", str(_yaml(t, "mixing:\n  snr_db: .nan\n"))], "mixing.snr_db"),
    (lambda t: ["--config", str(_yaml(t, "mixing:\n  snr_db: .inf\n"))], "mixing.snr_db"),
    (lambda t: ["--config", str(_yaml(t, "data:\n  source: real\n  root: /nowhere\n")),
                "--method", "adll"], "unknown method 'adll'"),
]


def _config_error_args(tmp_path, make_args) -> list[str]:
    args = make_args(tmp_path)
    if "--method" not in args:
        args += ["--method", "adl"]
    return ["train", *args, "--out", str(tmp_path / "run"), "--root", str(tmp_path / "data")]


@pytest.mark.parametrize("make_args, needle", CONFIG_ERRORS)
def test_config_errors_are_one_line_status_2(tmp_path, make_args, needle, capsys):
    from adl.cli import main

    assert main(_config_error_args(tmp_path, make_args)) == 2
    captured = capsys.readouterr()
    assert needle in one_error_line(captured.err)
    assert not (tmp_path / "data").exists() and not (tmp_path / "run").exists()


#: Prints which heavy modules a command imported, after running it as ``adl`` would.
_IMPORTS_OF_A_COMMAND = """
import sys
from adl.cli import main
code = main(sys.argv[1:])
print("heavy:", sorted(m for m in ("torch", "transformers", "librosa") if m in sys.modules))
sys.exit(code)
"""


@pytest.mark.slow
@pytest.mark.parametrize("make_args, needle", [CONFIG_ERRORS[i] for i in (0, 1, 7, 9)])
def test_config_errors_through_the_command_are_fast(tmp_path, make_args, needle):
    # --root points at nothing: any data loading or corpus generation would show up there.
    root = tmp_path / "data"
    r = subprocess.run([sys.executable, "-c", _IMPORTS_OF_A_COMMAND,
                        *_config_error_args(tmp_path, make_args)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert needle in one_error_line(r.stderr)
    assert not root.exists() and not (tmp_path / "run").exists()
    # Refused before torch, transformers or librosa load: a fraction of a second, not seconds.
    assert "heavy: []" in r.stdout, r.stdout


def test_unknown_method_is_refused_before_the_corpus_is_prepared(tmp_path, monkeypatch):
    import adl.cli as cli

    def heavy(*a, **k):
        raise AssertionError("corpus preparation started before the --method check")

    monkeypatch.setattr(cli, "prepare_data", heavy)
    assert cli.main(["train", "--preset", "smoke", "--method", "adll", "--out",
                     str(tmp_path / "r"), "--root", str(tmp_path)]) == 2


# -- safe loading --------------------------------------------------------------------------------


def _fake_run(run: Path, version: int) -> Path:
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"format_version": version, "status": "complete"}))
    return run


def test_newer_run_format_is_refused_by_load_run(tmp_path):
    from adl.inference import load_run

    run = _fake_run(tmp_path / "run", FORMAT_VERSION + 1)
    with pytest.raises(RunError, match="newer than this adl supports"):
        load_run(run)


@pytest.mark.slow
def test_newer_run_format_is_refused_by_the_caption_command(tmp_path):
    run = _fake_run(tmp_path / "run", FORMAT_VERSION + 1)
    wav = tmp_path / "x.wav"
    wav.write_bytes(b"")
    r = adl("caption", str(run), str(wav), timeout=120)
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert "run.json" in line and f"format version {FORMAT_VERSION + 1}" in line
    assert "upgrade adl" in line


class _Payload:
    """Unpickling this runs ``Path(marker).touch()``: the classic malicious checkpoint."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_malicious_pickle_checkpoint_is_refused_not_run(tmp_path):
    # The payload works: a plain unpickle runs it.
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe)))
    assert probe.exists()

    folder = tmp_path / "last"
    m, o, s = _trainer(1)
    save_checkpoint(folder, model=m, optimizer=o, scheduler=s, state={"global_step": 1})
    marker = tmp_path / "pwned"
    (folder / "optimizer.pt").write_bytes(pickle.dumps({"state": _Payload(marker)}))
    model, opt, sched = _trainer(2)
    with pytest.raises(RunError) as e:
        load_checkpoint(folder, model=model, optimizer=opt, scheduler=sched)
    assert not marker.exists()
    assert "optimizer.pt" in str(e.value) and "refused" in str(e.value)
    assert "\n" not in str(e.value)
    # The same file saved by torch.save (zip format) is refused too.
    torch.save({"state": _Payload(marker)}, folder / "optimizer.pt")
    with pytest.raises(RunError):
        load_checkpoint(folder, model=model, optimizer=opt, scheduler=sched)
    assert not marker.exists()


# -- missing data --------------------------------------------------------------------------------


def test_a_missing_data_root_is_one_line_naming_it(tmp_path, capsys):
    from adl.cli import main

    root = tmp_path / "no-such-data"
    cfg = write_config(tmp_path / "cfg.yaml", root)
    assert main(train_args(cfg, tmp_path / "run")) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(root) in line and "does not exist" in line


@pytest.mark.slow
def test_a_missing_data_root_through_the_command(tmp_path):
    root = tmp_path / "no-such-data"
    cfg = write_config(tmp_path / "cfg.yaml", root)
    r = adl(*train_args(cfg, tmp_path / "run"), timeout=120)
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert str(root) in line and "does not exist" in line
