"""The ``adl`` command line.

User errors (a bad file, a bad config value, missing data) print one line ``error: ...`` that
names the file or field, and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from adl import __version__
from adl.errors import ADLError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``adl`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ADLError as e:
        print(f"error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", 2)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The ``adl`` parser: one subcommand per step of the book (data, training, evaluation,
    benchmarks, the book itself)."""
    parser = argparse.ArgumentParser(
        prog="adl", description="Audio Difference Learning for audio captioning.")
    parser.add_argument("--version", action="version", version=f"adl {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")
    for add in (_add_data, _add_pretrain, _add_train, _add_tune, _add_caption, _add_evaluate,
                _add_bench, _add_book):
        add(sub)
    return parser


def _add_data(sub: Any) -> None:
    """``adl data prepare|download|check``."""
    data = sub.add_parser("data",
                          help="prepare the embedded corpus, or download or check real data")
    data_sub = data.add_subparsers(metavar="ACTION")
    prep = data_sub.add_parser("prepare", help="generate the embedded corpus of a preset")
    prep.add_argument("--preset", default="default", help="smoke or default (default: default)")
    prep.add_argument("--root", type=Path, default=None,
                      help="data root (default: $ADL_DATA_ROOT, or ./data)")
    prep.add_argument("--workers", type=int, default=None,
                      help="processes for generation (default: all cores)")
    prep.set_defaults(func=_data_prepare)
    down = data_sub.add_parser("download", help="download Clotho v2.1 or ESC-50 (needs internet)")
    down.add_argument("dataset", choices=("clotho", "esc50"))
    down.add_argument("--root", type=Path, default=None,
                      help="data root (default: $ADL_DATA_ROOT, or ./data)")
    down.set_defaults(func=_data_download)
    chk = data_sub.add_parser(
        "check", help="report sounds shared between splits: Freesound sounds shared by ESC-50 "
                      "and Clotho (DCASE excludes them), or recordings of the embedded corpus "
                      "heard in two splits")
    chk.add_argument("--preset", default="default",
                     help="whose data root to check: paper for real data (default: default)")
    chk.add_argument("--root", type=Path, default=None,
                     help="data root (default: $ADL_DATA_ROOT, or ./data)")
    chk.add_argument("--list", type=int, default=10, metavar="N",
                     help="list at most N shared sounds per split, or N shared recordings "
                          "(default: 10)")
    chk.set_defaults(func=_data_check)
    data.set_defaults(func=lambda a: (data.print_help(), 2)[1])


def _add_pretrain(sub: Any) -> None:
    """``adl pretrain-encoder``."""
    pre = sub.add_parser("pretrain-encoder",
                         help="pretrain the small CNN as an event tagger (reused once done)")
    pre.add_argument("--preset", default="default")
    pre.add_argument("--root", type=Path, default=None, help="data root")
    pre.add_argument("--force", action="store_true",
                     help="retrain even if a tagger exists (or shipped weights fit)")
    pre.add_argument("--ship", metavar="NAME", default=None,
                     help="then copy the trained weights into the package (adl/weights/NAME), "
                          "for tagger.shipped (maintainers)")
    pre.set_defaults(func=_pretrain)


def _add_train(sub: Any) -> None:
    """``adl train``."""
    tr = sub.add_parser("train", help="train a captioner (baseline, mixgen or adl)")
    tr.add_argument("--preset", default="default", help="smoke, default or paper")
    tr.add_argument("--config", type=Path, default=None,
                    help="a YAML config file instead of a preset")
    tr.add_argument("--method", required=True, help="baseline, mixgen or adl")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", type=Path, required=True, help="the run directory")
    tr.add_argument("--max-steps", type=int, default=None)
    tr.add_argument("--resume", action="store_true", help="continue an interrupted run")
    tr.add_argument("--root", type=Path, default=None, help="data root")
    tr.set_defaults(func=_train)


def _add_tune(sub: Any) -> None:
    """``adl tune-lr``."""
    tune = sub.add_parser("tune-lr", help="choose each method's learning rate on validation")
    tune.add_argument("--preset", default="default", help="smoke, default or paper")
    tune.add_argument("--config", type=Path, default=None,
                      help="a YAML config file instead of a preset")
    tune.add_argument("--methods", nargs="+", default=["baseline", "mixgen", "adl"])
    tune.add_argument("--lrs", nargs="+", type=float, required=True,
                      help="candidate peak learning rates, the same for every method")
    tune.add_argument("--seed", type=int, default=0)
    tune.add_argument("--out", type=Path, required=True,
                      help="the search folder (one run per method and rate, lr_search.csv)")
    tune.add_argument("--root", type=Path, default=None, help="data root")
    tune.set_defaults(func=_tune_lr)


def _add_caption(sub: Any) -> None:
    """``adl caption``."""
    cap = sub.add_parser("caption", help="caption a file, or the difference file - reference")
    cap.add_argument("run", type=Path)
    cap.add_argument("file", type=Path, nargs="+")
    cap.add_argument("--minus", type=Path, default=None, metavar="REFERENCE",
                     help="subtract this reference's features before decoding")
    cap.set_defaults(func=_caption)


def _add_evaluate(sub: Any) -> None:
    """``adl evaluate``."""
    ev = sub.add_parser("evaluate", help="decode a split with a run and score it")
    ev.add_argument("run", type=Path)
    ev.add_argument("--split", default="evaluation",
                    choices=("development", "validation", "evaluation"))
    ev.add_argument("--metrics", nargs="+", default=None,
                    help="metric names (default: all of them)")
    ev.add_argument("--root", type=Path, default=None, help="data root")
    ev.add_argument("--force", action="store_true", help="recompute even if metrics exist")
    ev.add_argument("--which", choices=("best", "last"), default="best",
                    help="the best (lowest validation loss) or the last weights")
    ev.set_defaults(func=_evaluate)


def _add_bench(sub: Any) -> None:
    """``adl bench``."""
    bench = sub.add_parser("bench", help="benchmarks: ratios measured side by side in one run")
    bench.add_argument("--preset", default="default")
    bench.add_argument("--root", type=Path, default=None, help="data root")
    bench.add_argument("--out", type=Path, default=None, help="where to write the JSON report")
    bench.add_argument("--quick", action="store_true", help="toy sizes (a smoke test)")
    bench.set_defaults(func=_bench)


def _add_book(sub: Any) -> None:
    """``adl book``."""
    book = sub.add_parser("book", help="run every notebook with papermill and build the site")
    book.add_argument("--preset", default="default",
                      help="smoke, default, paper, or full (default plus the ablations)")
    book.add_argument("--root", type=Path, default=None,
                      help="data root (default: $ADL_DATA_ROOT, or data/ in the repository)")
    # No default here: build_book resolves it as a notebook opened by hand does (adl.book.paths).
    book.add_argument("--build-dir", type=Path, default=None,
                      help="where executed notebooks, outputs, the site and its screenshots go "
                           "(default: $ADL_BUILD_DIR, or build/ in the repository)")
    book.add_argument("--seed", type=int, default=0)
    book.add_argument("--seeds", type=int, nargs="+", default=None,
                      help="training seeds of Table 1 (default and smoke: 0; full: 0-4; paper: 0 1 2)")
    book.add_argument("--device", default=None, help="cpu or cuda (default: the preset's)")
    # Two hours: the longest cells (chapter 3's nine runs, chapter 6's training-length study)
    # take 28-45 min on 2 cores, longer on a slow day; the limit is there to stop a hung cell.
    book.add_argument("--cell-timeout", type=int, default=7200, metavar="SECONDS",
                      help="stop the build when one cell runs longer (default: 7200)")
    book.set_defaults(func=_book)


def _data_prepare(args: argparse.Namespace) -> int:
    from adl.config import load_preset

    cfg = load_preset(args.preset)
    if cfg.data.source != "embedded":
        raise ADLError(f"preset {args.preset!r} reads real data (data.source: real); "
                       f"fetch it with `adl data download clotho|esc50 --root DIR`")
    if args.workers is not None and args.workers < 1:
        raise ADLError(f"--workers: must be at least 1, got {args.workers}")
    prepare_data(cfg, args.root, workers=args.workers)
    return 0


def prepare_data(cfg, root: Path | None = None, *, workers: int | None = None):
    """Generate (or reuse) a preset's embedded corpus and print its sizes and generation time."""
    from adl.config import dataset_root
    from adl.corpus.prepare import prepare_corpus

    out = dataset_root(cfg, root)
    print(f"embedded corpus ({cfg.name}) -> {out}", flush=True)
    start = time.perf_counter()
    summary = prepare_corpus(out, cfg.corpus, sr=cfg.data.sr, workers=workers)
    wall = time.perf_counter() - start
    sizes = ", ".join(f"{k} {v}" for k, v in summary.sizes.items())
    state = "reused (already complete)" if summary.reused else f"generated in {wall:.1f} s"
    print(f"scenes: {sizes}; bank events: {summary.n_bank_events} in {summary.n_classes} "
          f"classes; {summary.total_audio_seconds / 60:.1f} min of audio; {state}")
    if summary.reused:
        print(f"(it was generated in {summary.generation_seconds:.1f} s)")
    return summary


def _data_download(args: argparse.Namespace) -> int:
    from adl.config import data_root
    from adl.data.download import download_clotho, download_esc50

    root = data_root(args.root)
    if args.dataset == "clotho":
        download_clotho(root)
    else:
        download_esc50(root)
    print(f"{args.dataset} ready under {root}")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    """Exit 0 when the Clotho evaluation split shares no sound with ESC-50; 1 (a warning) when
    it does, or when its metadata is missing so that it could not be checked; 2 on errors.

    The development split is checked and reported too, for information only. A recordings
    corpus (embedded, with a ``provenance.csv``) is checked for recordings that sound in two
    splits instead: 1 (a warning) when one does.
    """
    from adl.config import dataset_root, load_preset
    from adl.data.check import (check_overlap, format_recording_splits, format_report,
                                has_provenance, recording_splits, report_warnings)
    from adl.data.layout import require_data_root

    if args.list < 0:
        raise ADLError(f"--list: must be at least 0, got {args.list}")
    cfg = load_preset(args.preset)
    root = require_data_root(cfg, dataset_root(cfg, args.root),
                             also=", or check real data with --preset paper")
    decisive = ("evaluation",)
    report = check_overlap(root, splits=(*decisive, "development"))
    if report.embedded and has_provenance(root):
        splits = recording_splits(root)
        print(format_recording_splits(splits, max_listed=args.list), flush=True)
        if splits.shared:
            print(f"warning: {len(splits.shared)} recording(s) sound in more than one split, so "
                  f"evaluation may measure memory rather than hearing: regenerate the corpus "
                  f"(`adl data prepare --preset {cfg.name}`)", file=sys.stderr)
            return 1
        return 0
    print(format_report(report, decisive=decisive, max_listed=args.list), flush=True)
    for line in report_warnings(report, decisive=decisive):
        print(f"warning: {line}", file=sys.stderr)
    if report.embedded:
        return 0  # nothing to check: the embedded corpus has no Freesound ids
    return 1 if any(report.split(s).shared or not report.split(s).checked
                    for s in decisive) else 0


def _load_cfg(args: argparse.Namespace):
    from adl.config import load_config, load_preset

    return load_config(args.config) if getattr(args, "config", None) else load_preset(args.preset)


def _pretrain(args: argparse.Namespace) -> int:
    from adl.pretrain import pretrain_tagger, ship_tagger, tagger_ablation

    cfg = _load_cfg(args)
    if cfg.encoder.name == "sfx_cnn":
        # The preset reads a pretrained CNN: train the ablation's small CNN for it.
        cfg = tagger_ablation(cfg)
        print("the preset's encoder is pretrained (sfx_cnn): training the ablation's small CNN")
    if cfg.encoder.name != "small_cnn":
        raise ADLError(f"preset {cfg.name!r} uses {cfg.encoder.name}: pretrain-encoder trains the "
                       "small CNN on the embedded corpus (CNN14 loads PANNs weights instead)")
    if cfg.data.source == "embedded":
        prepare_data(cfg, args.root)
    result = pretrain_tagger(cfg, root=args.root, force=args.force)
    state = ("shipped with adl" if result.shipped else
             "reused" if result.reused else f"trained in {result.seconds:.1f} s")
    print(f"tagger {result.weights}: evaluation mAP {result.eval_map:.3f} ({state})")
    if args.ship:
        print(f"shipped: {ship_tagger(result.weights.parent, args.ship)}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from adl.config import check_train_args

    cfg = _load_cfg(args)
    # before torch is imported and the corpus prepared: a typo is refused in a fraction of a second
    check_train_args(cfg, args.method, args.max_steps)
    from adl.train import run_inputs, train

    inputs = run_inputs(cfg, args.root)  # resolved once, for the corpus and the run
    if cfg.data.source == "embedded" and not args.resume:
        prepare_data(cfg, inputs.root)
    s = train(cfg, method=args.method, seed=args.seed, out=args.out, max_steps=args.max_steps,
              resume=args.resume, root=inputs.root)
    print(f"run {s.run}: {s.method}, {s.global_step} steps, best val loss "
          f"{s.best_val_loss:.3f}, {s.examples_per_s:.1f} examples/s"
          + (" (reused)" if s.reused else ""))
    return 0


def _tune_lr(args: argparse.Namespace) -> int:
    from adl.tuning import check_search, lr_search

    cfg = _load_cfg(args)
    check_search(args.methods, args.lrs)  # before the corpus is prepared
    if cfg.data.source == "embedded":
        prepare_data(cfg, args.root)
    table = lr_search(cfg, args.methods, args.lrs, out=args.out, seed=args.seed,
                      root=args.root)
    print(table.to_string(index=False))
    print(f"written to {args.out / 'lr_search.csv'}")
    return 0


def _caption(args: argparse.Namespace) -> int:
    from adl.inference import caption_files

    captions = caption_files(args.run, args.file, minus=args.minus)
    for f, c in zip(args.file, captions):
        label = f"{f} - {args.minus}" if args.minus else str(f)
        print(f"{label}: {c}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from adl.table1 import evaluate_run, result_paths

    scores = evaluate_run(args.run, split=args.split, metrics=args.metrics, root=args.root,
                          force=args.force, which=args.which)
    # evaluate_run logs the reasons of unavailable metrics; the table just names them.
    for name, value in scores.items():
        print(f"{name:>10}: {value:.4f}")
    for name in scores.unavailable:
        print(f"{name:>10}: unavailable (reason in {result_paths(args.run, args.split)[0]})")
    return 0


#: The benchmark harness: not part of the package, but of the repository around it (an editable
#: install keeps ``adl/`` beside ``benchmarks/``).
BENCH_HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "harness.py"


def load_benchmarks(script: Path | None = None) -> ModuleType:
    """The benchmark harness (``benchmarks/harness.py``), imported from the repository.

    Raises:
        ADLError: the file is not there (an installed, non-editable package), in one line that
            says what to do.
    """
    script = BENCH_HARNESS if script is None else script
    if not script.is_file():
        raise ADLError(f"adl bench runs {script}, which is not there (adl is installed without "
                       f"its repository): clone the repository, install it with "
                       f"`pip install -e .` and run `adl bench` in it")
    name = "harness"  # as benchmarks/run_bench.py imports it
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(script):
        return loaded
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: dataclasses and pickled objects look their module up by name.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _bench(args: argparse.Namespace) -> int:
    bench = load_benchmarks()
    bench.run_benchmarks(args.preset, root=args.root, quick=args.quick, out=args.out)
    return 0


def _book(args: argparse.Namespace) -> int:
    from adl.book.runner import build_book

    index = build_book(args.preset, root=args.root, build_dir=args.build_dir, seed=args.seed,
                       device=args.device, seeds=args.seeds,
                       timeout_per_cell=args.cell_timeout)
    print(f"book: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
