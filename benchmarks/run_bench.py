#!/usr/bin/env python
"""Run the project's benchmarks (the harness in ``harness.py``, beside this file) and write their
JSON report (see benchmarks/README.md). ``adl bench`` runs the same harness.

    python benchmarks/run_bench.py --preset default --root /path/to/data \
        --out benchmarks/results/cpu-default.json
    python benchmarks/run_bench.py --quick          # toy sizes, seconds: checks the code path
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install

from harness import run_benchmarks  # noqa: E402  (this script's folder is on sys.path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmarks: each figure a ratio measured in one "
                                 "run, printed next to its target.")
    ap.add_argument("--preset", default="default", help="preset whose model and data to time")
    ap.add_argument("--root", default=None,
                    help="data root ($ADL_DATA_ROOT or ./data when unset); synthetic clips are "
                         "used when the preset's corpus is missing")
    ap.add_argument("--out", default="benchmarks/results/bench.json", help="JSON report")
    ap.add_argument("--quick", action="store_true", help="toy sizes (not figures to quote)")
    ap.add_argument("--device", default="cpu", help="device of the training sections")
    args = ap.parse_args(argv)
    run_benchmarks(args.preset, root=args.root, quick=args.quick, out=args.out,
                   device=args.device)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
