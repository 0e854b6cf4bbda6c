#!/usr/bin/env python
"""Training steps of the ``paper``-preset captioner on random audio: steps/s, memory, FLOP use.

The model is the paper's (DESIGN §1): log-mel (64 bins, 40 ms window, 20 ms hop, n_fft 2048 at
44.1 kHz), PANNs CNN14 (time pooled x64), a linear adapter to 768, and a 6-layer BART decoder
(d_model 768, 12 heads, ffn 3072, vocabulary 5000), cross-entropy on random captions. The input
is random audio of Clotho-like length (20 s at 44.1 kHz) at batch 32, moved to the device with
``non_blocking`` copies from pinned memory each step, as a DataLoader with ``pin_memory`` does.

It imports only torch, numpy, transformers and adl's model modules (``adl.models.encoder``,
``adl.models.decoder``): the GPU machines lack librosa, soundfile and soxr, which ``adl.audio``
imports. The front end is therefore rebuilt here with torch alone (the same STFT as
``adl.audio.LogMel`` and a Slaney mel filter bank equal to ``librosa.filters.mel``; the tests
check both against the library).

FLOP utilisation: the FLOPs of one training step are counted once with
``torch.utils.flop_counter.FlopCounterMode`` (matmuls and convolutions, forward and backward),
times the measured steps/s, over the card's dense bf16 peak (:data:`PEAK_BF16`).

Usage::

    python benchmarks/gpu_paper_step.py                      # GPU: 20 timed steps, batch 32, 20 s
    python benchmarks/gpu_paper_step.py --compile            # with torch.compile
    python benchmarks/gpu_paper_step.py --train-encoder      # CNN14 trained too (ablation)
    python benchmarks/gpu_paper_step.py --device cpu --steps 1 --batch 2 --seconds 2   # the test
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install

from adl.models.decoder import AudioBartDecoder, build_decoder  # noqa: E402
from adl.models.encoder import Adapter, Cnn14Encoder  # noqa: E402

#: The paper preset's sizes (adl/presets/paper.yaml; the tests check that they agree).
PAPER = {"sr": 44100, "n_mels": 64, "win_length": 1764, "hop_length": 882, "n_fft": 2048,
         "time_pool": 64, "d_model": 768, "layers": 6, "heads": 12, "ffn_dim": 3072,
         "vocab_size": 5000, "dropout": 0.1}

#: Dense bf16 tensor-core peak, FLOP/s, by a substring of ``torch.cuda.get_device_name()``.
#: First match wins, so the specific names come before the family name.
PEAK_BF16: tuple[tuple[str, float], ...] = (
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989e12),   # SXM5
    ("H200", 989e12),
    ("GH200", 989e12),
    ("A100", 312e12),
    ("L40S", 362e12),
    ("L4", 121e12),
    ("A10", 125e12),
)


def peak_bf16(name: str) -> float | None:
    """The card's dense bf16 peak in FLOP/s, or None for an unknown card (or a CPU)."""
    for key, flops in PEAK_BF16:
        if key.lower() in name.lower():
            return flops
    return None


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    # Slaney's scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above.
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz)
                    / logstep, f / f_sp)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def slaney_mel_filters(sr: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                       fmax: float | None = None) -> np.ndarray:
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=False, norm="slaney")``
    without librosa: (n_mels, n_fft // 2 + 1) float32."""
    fmax = sr / 2 if fmax is None else fmax
    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2: n_mels + 2] - mel_f[:n_mels]))[:, None]  # area norm
    return weights.astype(np.float32)


class TorchLogMel(nn.Module):
    """``adl.audio.LogMel`` with the filter bank built without librosa: (B, S) -> (B, T, M)."""

    def __init__(self, sr: int = 44100, n_mels: int = 64, win_length: int = 1764,
                 hop_length: int = 882, n_fft: int = 2048, eps: float = 1e-10) -> None:
        super().__init__()
        self.n_fft, self.hop_length, self.eps = n_fft, hop_length, eps
        hann = torch.hann_window(win_length, periodic=True, dtype=torch.float64)
        left = (n_fft - win_length) // 2
        window = F.pad(hann, (left, n_fft - win_length - left)).float()
        self.register_buffer("window", window, persistent=False)
        basis = torch.from_numpy(np.ascontiguousarray(slaney_mel_filters(sr, n_fft, n_mels).T))
        self.register_buffer("mel_basis", basis, persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        off = (torch.autocast(audio.device.type, enabled=False)
               if torch.amp.is_autocast_available(audio.device.type)
               else contextlib.nullcontext())
        with off:  # the power spectrum's 100 dB range needs float32
            spec = torch.stft(audio.float(), self.n_fft, hop_length=self.hop_length,
                              win_length=self.n_fft, window=self.window, center=True,
                              pad_mode="constant", return_complex=True)
            power = torch.view_as_real(spec).square().sum(-1)
            return torch.log(power.transpose(-1, -2) @ self.mel_basis + self.eps)


class PaperCaptioner(nn.Module):
    """LogMel -> CNN14 -> linear adapter -> BART decoder: the baseline path of
    ``adl.models.captioner.Captioner`` (no reference), with every clip full length."""

    def __init__(self, p: dict, *, channels: tuple[int, ...] | None = None) -> None:
        super().__init__()
        self.frontend = TorchLogMel(p["sr"], p["n_mels"], p["win_length"], p["hop_length"],
                                    p["n_fft"])
        kw = {} if channels is None else {"channels": channels}
        self.encoder = Cnn14Encoder(p["n_mels"], time_pool=p["time_pool"], n_classes=None, **kw)
        self.adapter = Adapter(self.encoder.out_dim, p["d_model"], kind="linear")
        bart = build_decoder(vocab_size=p["vocab_size"], d_model=p["d_model"],
                             decoder_layers=p["layers"], decoder_attention_heads=p["heads"],
                             decoder_ffn_dim=p["ffn_dim"], dropout=p["dropout"])
        self.decoder = AudioBartDecoder(bart)

    def forward(self, wave, labels, labels_mask):
        feats, out_len = self.encoder(self.frontend(wave))
        z = self.adapter(feats)
        mask = torch.ones(z.shape[:2], dtype=torch.bool, device=z.device)
        return self.decoder(z, mask, labels, labels_mask)[1]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=20, help="timed training steps")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed steps first (default 3 on a GPU, 5 with --compile, 0 on CPU)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20.0, help="clip length (Clotho: 15-30 s)")
    ap.add_argument("--caption-tokens", type=int, default=24,
                    help="label length (Clotho captions: 8-20 words)")
    ap.add_argument("--precision", choices=("bf16", "fp32"), default=None,
                    help="autocast dtype (default bf16 on a GPU, fp32 on the CPU)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model")
    ap.add_argument("--train-encoder", action="store_true",
                    help="train CNN14 too (default: frozen, as in the DCASE2023 baseline)")
    ap.add_argument("--channels", type=int, nargs=6, default=None,
                    help="narrower CNN14 widths (tests only)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    precision = args.precision or ("bf16" if cuda else "fp32")
    warmup = args.warmup if args.warmup is not None else (5 if args.compile else 3) if cuda else 0
    torch.manual_seed(0)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True

    model = PaperCaptioner(PAPER, channels=tuple(args.channels) if args.channels else None)
    if not args.train_encoder:
        model.encoder.freeze()
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=4e-5, weight_decay=0.01,
                            **({"fused": True} if cuda else {}))
    step_model = torch.compile(model) if args.compile else model

    # Host batches in pinned memory (two, alternated), copied non_blocking every step.
    n = int(args.seconds * PAPER["sr"])
    g = torch.Generator().manual_seed(0)

    def host_batch():
        wave = 0.1 * torch.randn(args.batch, n, generator=g)
        labels = torch.randint(5, PAPER["vocab_size"], (args.batch, args.caption_tokens),
                               generator=g)
        labels[:, 0], labels[:, -1] = 0, 2  # <s> ... </s>
        mask = torch.ones_like(labels)
        out = (wave, labels, mask)
        return tuple(t.pin_memory() for t in out) if cuda else out
    host = [host_batch(), host_batch()]
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16"
                else contextlib.nullcontext())

    def step(i: int, m: nn.Module) -> torch.Tensor:
        wave, labels, mask = (t.to(device, non_blocking=True) for t in host[i % 2])
        with autocast:
            loss = m(wave, labels, mask)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.detach()

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    # FLOPs of one step, counted on the eager model (the compiled one does the same math).
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        step(0, model)
    flops_per_step = float(counter.get_total_flops())
    sync()

    t_compile = time.perf_counter()
    for i in range(warmup):
        step(i, step_model)
    sync()
    t_compile = time.perf_counter() - t_compile
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    loss = None
    for i in range(args.steps):
        loss = step(i, step_model)
    sync()
    seconds = time.perf_counter() - t0
    steps_per_s = args.steps / seconds
    name = torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu"
    peak = peak_bf16(name) if cuda and precision == "bf16" else None
    achieved = flops_per_step * steps_per_s
    res = {
        "device": name, "device_type": device.type, "torch": torch.__version__,
        "batch": args.batch, "clip_seconds": args.seconds, "caption_tokens": args.caption_tokens,
        "precision": precision, "compile": args.compile,
        "encoder": "trained" if args.train_encoder else "frozen",
        "params_total": sum(p.numel() for p in model.parameters()),
        "params_trained": sum(p.numel() for p in params),
        "steps": args.steps, "warmup_steps": warmup, "warmup_s": round(t_compile, 3),
        "seconds": round(seconds, 4), "steps_per_s": steps_per_s,
        "examples_per_s": steps_per_s * args.batch,
        "peak_memory_gib": (torch.cuda.max_memory_allocated(device) / 2**30) if cuda else None,
        "flops_per_step": flops_per_step, "achieved_tflops": achieved / 1e12,
        "peak_bf16_tflops": peak / 1e12 if peak else None,
        "mfu": achieved / peak if peak else None,
        "final_loss": float(loss) if loss is not None else None,
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
    }
    print(json.dumps(res, indent=2))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    return res


if __name__ == "__main__":
    main()
