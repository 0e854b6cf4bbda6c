#!/usr/bin/env python
"""How one training epoch's time grows with corpus size and clip length.

Trains one epoch of ``baseline`` and of ``adl`` with the ``default`` preset's model (frozen
CNN, feature cache on, ``num_workers: 0``) on synthetic clips: a sweep of corpus sizes at 10 s
clips and a sweep of clip lengths at a fixed size. The clips are noise bursts and tones, not the
corpus: the time of an epoch depends on the number and length of clips, not on what they hold.
The encoder is randomly initialised (its weights do not change its cost), so nothing is fetched.
ADL draws its added examples from the preset's mixture pool (at most one mixture per clip here),
whose encoding is part of the run's time.

    python benchmarks/scaling.py --out benchmarks/results/scaling-cpu.json   # the default's CNN
    python benchmarks/scaling.py --quick                                     # toy sizes, 8 wide
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import torch  # noqa: E402

from adl.config import load_preset  # noqa: E402
from adl.io import write_json  # noqa: E402
from adl.train import TrainingData, train  # noqa: E402

WORDS = ("a dog barks", "rain falls on a roof", "a bell rings twice", "birds sing in the trees",
         "a car passes by", "wind blows hard", "people talk nearby", "water drips slowly")


def synthetic(n: int, seconds: float, sr: int, seed: int) -> TrainingData:
    """``n`` development clips of ``seconds`` (±20 %), 64 validation clips, 40 references."""
    g = torch.Generator().manual_seed(seed)

    def clip(s: float) -> torch.Tensor:
        k = int(s * sr * (0.8 + 0.4 * float(torch.rand((), generator=g))))
        t = torch.arange(k) / sr
        f = 200.0 + 3000.0 * float(torch.rand((), generator=g))
        return 0.1 * torch.randn(k, generator=g) + 0.2 * torch.sin(2 * torch.pi * f * t)

    def caps(i: int) -> tuple[str, ...]:
        return tuple(f"{WORDS[(i + k) % len(WORDS)]} and {WORDS[(3 * i + k) % len(WORDS)]}"
                     for k in range(5))

    return TrainingData([clip(seconds) for _ in range(n)], [caps(i) for i in range(n)],
                        [clip(min(5.0, seconds)) for _ in range(40)],
                        [clip(seconds) for _ in range(64)], [caps(i) for i in range(64)])


def epoch_seconds(data: TrainingData, method: str, out: Path, *, width: int | None = None,
                  ) -> dict:
    cfg = load_preset("default")
    enc = dataclasses.replace(cfg.encoder, checkpoint=None, freeze=True)
    if width is not None:  # --quick: a narrow encoder, to check the code path in seconds
        enc = dataclasses.replace(enc, width=width)
    # No feature store (it would write into the data root) and a pool no larger than the
    # clips: each row measures one epoch of its own data.
    cfg = cfg.replace(encoder=enc,
                      mixing=dataclasses.replace(
                          cfg.mixing, pool_size=min(cfg.mixing.pool_size, len(data.clips))),
                      training=dataclasses.replace(cfg.training, epochs=1, num_workers=0,
                                                   store_features=False))
    lines: list[str] = []
    # Each row pays for its own feature cache (train reuses one built by an earlier run given
    # the same data, which would leave the second method's row without its build time).
    data.feature_caches.clear()
    t0 = time.perf_counter()
    s = train(cfg, method=method, seed=0, out=out, data=data, log=lines.append)
    total = time.perf_counter() - t0
    cache = next((ln for ln in lines if ln.startswith("cached")), "")
    # "... (14 MiB, 4.6 s)": the cache's build time, paid once per run, not per epoch.
    cache_s = float(cache.rsplit(",", 1)[1].split(" s)")[0]) if cache else 0.0
    return {"method": method, "clips": len(data.clips), "run_s": round(total, 2),
            "cache_build_s": cache_s, "epoch_s": round(s.seconds, 2),
            "examples_per_s": round(s.examples_per_s, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="benchmarks/results/scaling.json")
    ap.add_argument("--quick", action="store_true", help="toy sizes (checks the code path)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # the frozen random encoder warns, on purpose here
    sr = load_preset("default").data.sr
    if args.quick:
        sizes, lengths, fixed_n, fixed_s = (8, 16), (1.5, 3.0), 8, 1.5
    else:
        sizes, lengths, fixed_n, fixed_s = (250, 500, 1000), (5.0, 10.0, 20.0), 250, 10.0
    rows = []
    with tempfile.TemporaryDirectory(prefix="adl_scaling_") as tmp:
        grid = [(n, fixed_s, "size") for n in sizes] + \
               [(fixed_n, s, "length") for s in lengths if s != fixed_s or fixed_n not in sizes]
        for k, (n, secs, sweep) in enumerate(grid):
            data = synthetic(n, secs, sr, seed=k)
            for method in ("baseline", "adl"):
                r = epoch_seconds(data, method, Path(tmp) / f"{sweep}-{n}-{secs}-{method}",
                                  width=8 if args.quick else None)
                r.update(sweep=sweep, clip_seconds=secs)
                rows.append(r)
                print(f"{sweep:6s} {n:5d} clips x {secs:4.1f} s  {method:8s} epoch "
                      f"{r['epoch_s']:7.1f} s  ({r['examples_per_s']:6.1f} examples/s; "
                      f"cache built in {r['cache_build_s']:.1f} s)", flush=True)
    report = {"preset": "default", "quick": args.quick, "rows": rows,
              "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                          "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                          "load_average_1_5_15": list(os.getloadavg())}}
    write_json(args.out, report)
    print(json.dumps({"out": args.out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
