"""Two CPU processes (gloo) agree with one process on the same global batch."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
import torch
import yaml
from safetensors.torch import load_file


def _config(tiny_data, path):
    cfg = {
        "name": "tiny",
        "data": {"source": "real", "root": str(tiny_data)},
        # Frozen encoder (BatchNorm in eval mode) and no dropout: the only difference left
        # between one and two processes is how the global batch is split.
        "encoder": {"channels": [8, 16, 16, 32], "checkpoint": None, "freeze": True},
        "decoder": {"d_model": 32, "layers": 1, "heads": 2, "ffn_dim": 64, "vocab_size": 300,
                    "dropout": 0.0},
        "training": {"epochs": 1, "batch_size": 4, "lr": 1e-3, "warmup_fraction": 0.0,
                     "device": "cpu"},
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.slow
def test_two_processes_match_one(tiny_data, tmp_path):
    cfg = _config(tiny_data, tmp_path / "cfg.yaml")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    common = ["-m", "adl.cli", "train", "--config", str(cfg), "--method", "adl", "--seed", "0",
              "--max-steps", "2"]
    one = subprocess.run([sys.executable, *common, "--out", str(tmp_path / "one")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                          "--master_port", "29533", *common, "--out", str(tmp_path / "two")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    assert json.loads((tmp_path / "two" / "run.json").read_text())["num_processes"] == 2
    assert json.loads((tmp_path / "one" / "run.json").read_text())["num_processes"] == 1
    w1 = load_file(tmp_path / "one" / "last" / "model.safetensors")
    w2 = load_file(tmp_path / "two" / "last" / "model.safetensors")
    assert w1.keys() == w2.keys()
    for k in w1:
        # Not bitwise: the gradient all-reduce sums in another order (DESIGN §6).
        assert torch.allclose(w1[k], w2[k], rtol=1e-5, atol=1e-6), k
    # Both logged the same global losses for the same two steps.
    l1 = [float(r["loss"]) for r in csv.DictReader(open(tmp_path / "one" / "steps.csv"))]
    l2 = [float(r["loss"]) for r in csv.DictReader(open(tmp_path / "two" / "steps.csv"))]
    assert len(l1) == len(l2) == 2
    assert l1 == pytest.approx(l2, rel=1e-5)
