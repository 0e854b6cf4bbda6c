"""The learning rate of each method, chosen on the validation split by the same search.

A comparison of methods is fair only if no method got a better-tuned optimiser than another.
:func:`lr_search` trains one run per method and candidate rate, under the preset's own protocol
(schedule, stopping rule, ceiling), on the same seed, and keeps the rate with the lowest
validation loss: the evaluation split is never read. The chosen rates go into the preset
(``training.lr``, ``lr_mixgen``, ``lr_adl``) with the figures of the search beside them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from adl.config import METHODS, Config
from adl.errors import ConfigError
from adl.io import write_text
from adl.runs import read_run_info

__all__ = ["SEARCH_COLUMNS", "check_search", "lr_search"]

#: The columns of ``lr_search.csv``: one row per method and candidate rate.
SEARCH_COLUMNS: tuple[str, ...] = ("method", "lr", "best_val_loss", "best_epoch", "epochs_done",
                                   "steps", "seconds", "converged", "chosen")


def check_search(methods: Sequence[str], lrs: Sequence[float]) -> None:
    """Raise :class:`adl.errors.ConfigError` (one line) for an empty or unknown method list or a
    rate that is not positive."""
    if not lrs or any(not lr > 0 for lr in lrs):
        raise ConfigError(f"--lrs: give positive learning rates, got {list(lrs)}")
    if not methods or any(m not in METHODS for m in methods):
        raise ConfigError(f"--methods: choose among {', '.join(METHODS)}, got {list(methods)}")


def lr_search(cfg: Config, methods: Sequence[str], lrs: Sequence[float], *,
              out: str | os.PathLike[str], seed: int = 0,
              root: str | os.PathLike[str] | None = None,
              log: Callable[[str], None] = print) -> pd.DataFrame:
    """Train every method at every rate in ``lrs`` and choose each method's rate on validation.

    Finished runs are reused, so an interrupted search continues where it stopped.

    Args:
        cfg: the preset; its ``training.lr``, ``lr_mixgen`` and ``lr_adl`` are replaced.
        methods: the methods to tune (each gets the same candidates: the same budget).
        lrs: the candidate peak learning rates.
        out: the search folder: one run folder per method and rate, and ``lr_search.csv``.
        seed: the seed of every run.
        root: the data root.

    Returns:
        :data:`SEARCH_COLUMNS`; ``chosen`` marks each method's lowest best validation loss.
    """
    from adl.train import load_training_data, train

    check_search(methods, lrs)
    out = Path(out)
    data = load_training_data(cfg, root)  # decoded once, shared by every run of the search
    rows = []
    for method in methods:
        for lr in lrs:
            training = dataclasses.replace(cfg.training, lr=lr, lr_mixgen=None, lr_adl=None)
            run = out / f"{method}-lr{lr:g}"
            summary = train(cfg.replace(training=training), method=method, seed=seed, out=run,
                            root=root, log=log, data=data)
            info = read_run_info(run)
            rows.append({"method": method, "lr": lr, "best_val_loss": summary.best_val_loss,
                         "best_epoch": info.get("best_epoch"),
                         "epochs_done": info.get("epochs_done"), "steps": summary.global_step,
                         "seconds": info.get("seconds"),
                         "converged": bool(info.get("convergence", {}).get("converged"))})
    table = pd.DataFrame(rows, columns=SEARCH_COLUMNS[:-1])
    best = table.groupby("method")["best_val_loss"].transform("min")
    table["chosen"] = table["best_val_loss"] == best
    write_text(out / "lr_search.csv", table.to_csv(index=False))
    return table
