#!/usr/bin/env python
"""Clips per second of the small CNN encoder, forward+backward and forward only.

The figure behind ``SmallCnnEncoder``'s docstring (the default 4 blocks of 16-128 channels on
10 s clips, 500 log-mel frames of 64 bands) and behind the choice of the CPU model. It prints the
throughput of one run; compare figures taken on the same, otherwise idle, machine only.

    python benchmarks/encoder_throughput.py            # batch 8, 3 repeats
    python benchmarks/encoder_throughput.py --batch 32 --repeats 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import torch  # noqa: E402

from adl.models.encoder import SmallCnnEncoder  # noqa: E402


def throughput(batch: int = 8, frames: int = 500, repeats: int = 3) -> tuple[float, float]:
    """``(forward+backward clips/s, forward-only clips/s)`` of the default small CNN."""
    torch.manual_seed(0)
    model = SmallCnnEncoder(n_classes=10).train()
    x = torch.randn(batch, frames, 64)
    model.tag(x).sum().backward()  # warm-up: the first call allocates
    start = time.perf_counter()
    for _ in range(repeats):
        model.zero_grad()
        model.tag(x).sum().backward()
    fwd_bwd = batch * repeats / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        model(x)
        start = time.perf_counter()
        for _ in range(repeats):
            model(x)
        fwd = batch * repeats / (time.perf_counter() - start)
    return fwd_bwd, fwd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--frames", type=int, default=500, help="500 frames = 10 s at a 20 ms hop")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    fwd_bwd, fwd = throughput(args.batch, args.frames, args.repeats)
    print(f"small CNN, {args.batch} x {args.frames} frames, {torch.get_num_threads()} threads: "
          f"{fwd_bwd:.0f} clips/s forward+backward, {fwd:.0f} clips/s forward")


if __name__ == "__main__":
    main()
