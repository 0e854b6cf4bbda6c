"""The benchmark harness (benchmarks/harness.py, run by `adl bench` and benchmarks/run_bench.py) at
quick sizes, and the GPU script's CPU path."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from adl import cli
from adl.cli import load_benchmarks, main

REPO = Path(__file__).resolve().parents[1]
GPU_SCRIPT = REPO / "benchmarks" / "gpu_paper_step.py"
# The harness is no module of adl: `adl bench` loads it from the repository's benchmarks/.
bench = load_benchmarks()
TARGETS, format_report, run_benchmarks = bench.TARGETS, bench.format_report, bench.run_benchmarks


def _positive_finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def quick_report(tiny_data, tmp_path_factory):
    # The default preset reads <root>/embedded-default: point it at the tiny data set.
    root = tmp_path_factory.mktemp("bench_root")
    os.symlink(tiny_data, root / "embedded-default")
    out = root / "bench.json"
    lines: list[str] = []
    report = run_benchmarks("default", root=root, quick=True, out=out, log=lines.append)
    return report, json.loads(out.read_text()), lines


@pytest.mark.slow
def test_quick_report_has_sane_ratios(quick_report):
    report, on_disk, lines = quick_report
    assert on_disk["quick"] is True and on_disk["preset"] == "default"
    fe = on_disk["frontend"]
    for key in ("throughput_ratio", "logmel_s", "librosa_s", "stft_s"):
        assert _positive_finite(fe[key]), key
    assert 0.0 <= fe["share_outside_stft"] < 1.0
    assert fe["max_abs_log_deviation"] < 1e-3  # float32 rounding, not a different front end

    dp = on_disk["data_path"]
    assert set(dp["methods"]) == {"baseline", "mixgen", "adl"}
    for m, runs in dp["methods"].items():
        assert "workers_0" in runs and "workers_2" in runs, m
        for r in runs.values():
            assert 0.0 < r["wait_share"] < 1.0
    assert 0.0 < dp["worst_wait_share"] < 1.0
    fc = dp["feature_cache"]  # the default preset freezes its encoder: the cache is on
    assert fc["clips"] > 0 and _positive_finite(fc["baseline_step_speedup"])
    assert _positive_finite(fc["adl_cost_ratio_uncached"])
    bd = dp["step_breakdown_baseline"]
    assert 0.0 < bd["frontend_share"] <= bd["frontend_encoder_share"] < 1.0

    tr = on_disk["training"]
    for m in ("baseline", "mixgen", "adl"):
        assert _positive_finite(tr["methods"][m]["examples_per_s"])
    assert _positive_finite(tr["adl_cost_ratio"])

    dec = on_disk["decoding"]
    assert _positive_finite(dec["speedup"])
    assert dec["identical_captions"] == dec["clips"]  # batching must not change the captions

    ev = on_disk["evaluation"]  # needs Java, which .ci/run installs: a skip is a failure
    assert "skipped" not in ev, f"the evaluation benchmark did not run: {ev['skipped']}"
    assert _positive_finite(ev["speed_ratio"])
    assert ev["max_score_difference"] < 1e-9  # same scores as the toolkit's own scorers

    assert [t["key"] for t in on_disk["targets"]] == [t.key for t in TARGETS]
    for t in on_disk["targets"]:
        assert t["status"] in ("MET", "MISSED", "NOT MEASURED")
        assert (t["status"] == "MISSED") == (t["by"] is not None)
    table = format_report(report)
    assert "QUICK" in table and table.splitlines()[2].split()[0] == "front"
    assert any("MET" in line or "MISSED" in line for line in lines)


def test_slaney_filters_match_librosa():
    """The GPU script builds the mel filter bank without librosa: it must be librosa's."""
    import librosa

    sys.path.insert(0, str(GPU_SCRIPT.parent))
    try:
        import gpu_paper_step as g
    finally:
        sys.path.remove(str(GPU_SCRIPT.parent))
    for sr, n_fft, n_mels in ((44100, 2048, 64), (16000, 512, 40)):
        ours = g.slaney_mel_filters(sr, n_fft, n_mels)
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=False, norm="slaney")
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-9)
    from adl.audio import LogMel

    x = torch.randn(2, 44100)
    np.testing.assert_allclose(g.TorchLogMel()(x).numpy(), LogMel()(x).numpy(), atol=1e-4)


def test_gpu_script_sizes_are_the_paper_preset():
    from adl.config import load_preset

    sys.path.insert(0, str(GPU_SCRIPT.parent))
    try:
        import gpu_paper_step as g
    finally:
        sys.path.remove(str(GPU_SCRIPT.parent))
    cfg = load_preset("paper")
    assert g.PAPER["sr"] == cfg.data.sr
    assert (g.PAPER["d_model"], g.PAPER["layers"], g.PAPER["heads"], g.PAPER["ffn_dim"],
            g.PAPER["vocab_size"]) == (cfg.decoder.d_model, cfg.decoder.layers, cfg.decoder.heads,
                                       cfg.decoder.ffn_dim, cfg.decoder.vocab_size)
    assert g.PAPER["time_pool"] == cfg.encoder.time_pool and cfg.encoder.name == "cnn14"
    assert g.peak_bf16("NVIDIA H100 80GB HBM3") == 989e12
    assert g.peak_bf16("NVIDIA H200") == 989e12
    assert g.peak_bf16("NVIDIA H100 PCIe") == 756e12
    assert g.peak_bf16("some cpu") is None


@pytest.mark.slow
def test_gpu_script_cpu_path(tmp_path):
    """The full paper-size model, one step on the CPU at toy sizes, in a fresh interpreter
    without librosa, soundfile and soxr (as on the GPU machines)."""
    out = tmp_path / "gpu.json"
    # Make the three packages unimportable in the child, as they are on the GPU machines.
    blocker = tmp_path / "block"
    blocker.mkdir()
    # A None entry in sys.modules makes `import x` raise ImportError and find_spec return None.
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "for name in ('librosa', 'soundfile', 'soxr'):\n"
        "    sys.modules[name] = None\n")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    proc = subprocess.run(
        [sys.executable, str(GPU_SCRIPT), "--device", "cpu", "--steps", "1", "--batch", "2",
         "--seconds", "2", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["device_type"] == "cpu" and res["encoder"] == "frozen"
    assert _positive_finite(res["steps_per_s"]) and _positive_finite(res["flops_per_step"])
    assert res["mfu"] is None and res["peak_memory_gib"] is None  # no bf16 peak for a CPU
    assert math.isfinite(res["final_loss"])
    # CNN14 (about 80M parameters) is frozen: the trained ones are the adapter and BART.
    assert res["params_trained"] < res["params_total"]


def test_gpu_script_does_not_import_audio_io():
    text = GPU_SCRIPT.read_text()
    for mod in ("adl.audio", "librosa", "soundfile", "soxr", "adl.models.captioner"):
        assert f"import {mod}" not in text and f"from {mod} import" not in text, mod


def test_bench_script_runs_help():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run_bench.py"), "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--quick" in proc.stdout


def test_adl_bench_runs_the_repository_harness(monkeypatch, tmp_path):
    assert bench.__file__ == str(REPO / "benchmarks" / "harness.py")
    assert load_benchmarks() is bench  # loaded once per process
    calls = []
    monkeypatch.setattr(bench, "run_benchmarks", lambda *a, **k: calls.append((a, k)))
    out = tmp_path / "bench.json"
    assert main(["bench", "--preset", "smoke", "--quick", "--out", str(out)]) == 0
    assert calls == [(("smoke",), {"root": None, "quick": True, "out": out})]


def test_adl_bench_without_the_repository_says_what_to_do(monkeypatch, tmp_path, capsys):
    """An installed, non-editable package has no benchmarks/ beside it: one line, status 2."""
    missing = tmp_path / "site-packages" / "benchmarks" / "harness.py"
    monkeypatch.setattr(cli, "BENCH_HARNESS", missing)
    assert main(["bench", "--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: adl bench runs {missing}, which is not there")
    assert "pip install -e ." in err


@pytest.mark.slow
def test_scaling_script_quick(tmp_path):
    out = tmp_path / "scaling.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "scaling.py"), "--quick",
                           "--out", str(out)], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert {(r["sweep"], r["method"]) for r in rows} == {
        (s, m) for s in ("size", "length") for m in ("baseline", "adl")}
    for r in rows:
        assert _positive_finite(r["epoch_s"]) and _positive_finite(r["examples_per_s"])
        assert r["cache_build_s"] > 0  # the default model's encoder is frozen: cache on
