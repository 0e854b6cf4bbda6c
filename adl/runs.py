"""Run directories: the resolved config, weights, tokenizer, optimizer state, logs.

Layout of a run ``RUN/``::

    run.json            format version, method, seed, status ("running" or "complete"), metrics
    config.yaml         the resolved config
    tokenizer/          the caption tokenizer
    model.safetensors   the best weights (lowest validation loss)
    last/               the last checkpoint: model.safetensors, optimizer.pt, scheduler.pt,
                        rng.pt, state.json (epoch, step, best validation loss)
    steps.csv           per-step log; epochs.csv: per-epoch log

Weights are safetensors; the optimizer, scheduler and RNG states are plain tensors and numbers,
read back with ``torch.load(weights_only=True)``, so no pickle of untrusted files is ever run.
Every file is written atomically, and a checkpoint folder is swapped in by renames, so a kill
during a write never leaves a truncated checkpoint behind.

Where the book keeps its runs (:func:`run_dir`, :func:`find_runs`) and what a run records about
itself (:func:`run_status`, :func:`training_logs`, :func:`run_timings`) are read here too. Every
read of ``run.json`` goes through :func:`read_run_info`, which refuses a newer format.

Notebook: 03_adl_training
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from adl.errors import ADLError
from adl.io import atomic_path, free_bytes, write_json

FORMAT_VERSION = 1
#: Free space kept beyond twice the checkpoint's size (logs, run.json, file system slack).
DISK_MARGIN_BYTES = 64 * 2**20


class RunError(ADLError):
    """A run directory is missing, incomplete, or from an incompatible format version."""


def read_run_info(run: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``run.json``, refusing runs written by a newer, incompatible format version."""
    path = Path(run) / "run.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: not a run directory (run.json is missing)") from None
    except json.JSONDecodeError as e:
        raise RunError(f"{path}: unreadable ({e.msg})") from None
    version = info.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RunError(f"{path}: run format version {version} is newer than this adl supports "
                       f"({FORMAT_VERSION}); upgrade adl to read it")
    return info


def write_run_info(run: str | os.PathLike[str], info: dict[str, Any]) -> None:
    write_json(Path(run) / "run.json", {"format_version": FORMAT_VERSION, **info})


# -- reuse if up to date -------------------------------------------------------------------------


def up_to_date(record: str | os.PathLike[str], key: Mapping[str, Any], *,
               requires: Iterable[str | os.PathLike[str]] = (),
               newer_than: Iterable[str | os.PathLike[str]] = (),
               defaults: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The JSON ``record`` of an earlier result when it may be reused instead of recomputed.

    The one rule for runs, taggers, tables and floors: a result is reused when its record
    exists and reads as a JSON object, every field of ``key`` holds the same value in it (a
    field it lacks reads as ``defaults[field]``, else None: records written before the field
    existed), every file of ``requires`` exists, and the record was written after every file
    of ``newer_than`` that exists (the weights it evaluated, the data it read). The record is
    written last, so one that exists describes complete files.

    Args:
        record: the JSON file (``metrics.json``, ``table2.json``, ``tagger.json``, ...).
        key: the settings the result depends on.
        requires: files the result consists of besides its record.
        newer_than: files the result was computed from.
        defaults: values of key fields that older records lack.

    Returns:
        The record's contents, or None when the result must be computed again.
    """
    record = Path(record)
    try:
        old = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    defaults = defaults or {}
    if not isinstance(old, dict) or any(old.get(k, defaults.get(k)) != v for k, v in key.items()):
        return None
    if not all(Path(p).is_file() for p in requires):
        return None
    stamp = record.stat().st_mtime
    if any(Path(p).is_file() and Path(p).stat().st_mtime >= stamp for p in newer_than):
        return None
    return old


# -- the book's run folders ----------------------------------------------------------------------

#: The paper's row order of the training methods (Table 1), used to sort runs.
_METHOD_ORDER = {"baseline": 0, "mixgen": 1, "adl": 2}


def run_dir(output_dir: str | os.PathLike[str], method: str, seed: int) -> Path:
    """Where the book keeps a run: ``{output_dir}/runs/{method}-seed{seed}``.

    Notebook: 03_adl_training
    """
    return Path(output_dir) / "runs" / f"{method}-seed{seed}"


def run_status(run: str | os.PathLike[str]) -> str | None:
    """``"complete"``, ``"running"`` (started, or interrupted: resume it), or None (no run yet).

    Raises:
        RunError: ``run.json`` is unreadable or from a newer format version.

    Notebook: 03_adl_training
    """
    if not (Path(run) / "run.json").is_file():
        return None
    return str(read_run_info(run).get("status"))


def find_runs(output_dir: str | os.PathLike[str], *, complete: bool = True) -> list[Path]:
    """The run directories under ``{output_dir}/runs``, sorted by method (paper order), then seed.

    Args:
        output_dir: the book's output folder.
        complete: keep only runs whose ``run.json`` says ``"status": "complete"``.

    Returns:
        Paths of folders that hold a ``run.json`` (an empty list when there are none).

    Notebook: 04_evaluation
    """
    base = Path(output_dir) / "runs"
    found = []
    for path in sorted(base.glob("*/run.json")) if base.is_dir() else []:
        info = read_run_info(path.parent)
        if complete and info.get("status") != "complete":
            continue
        found.append((_METHOD_ORDER.get(info.get("method"), 9), str(info.get("method")),
                      int(info.get("seed", 0)), path.parent))
    return [r for *_, r in sorted(found)]


def _run_identity(run: Path) -> dict[str, object]:
    info = read_run_info(run)
    return {"run": run.name, "method": info.get("method"), "seed": info.get("seed")}


def training_logs(runs: Iterable[str | os.PathLike[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-step and per-epoch logs of several runs, stacked.

    Returns:
        ``(steps, epochs)``: the rows of every run's ``steps.csv`` and ``epochs.csv``, with the
        columns ``run``, ``method`` and ``seed`` added in front.

    Notebook: 03_adl_training
    """
    steps, epochs = [], []
    for run in map(Path, runs):
        ident = _run_identity(run)
        for name, into in (("steps.csv", steps), ("epochs.csv", epochs)):
            path = run / name
            if path.is_file():
                frame = pd.read_csv(path)
                for k, (col, v) in enumerate(ident.items()):
                    frame.insert(k, col, v)
                into.append(frame)
    empty = pd.DataFrame(columns=["run", "method", "seed"])
    return (pd.concat(steps, ignore_index=True) if steps else empty,
            pd.concat(epochs, ignore_index=True) if epochs else empty)


def run_timings(runs: Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """What each run's ``run.json`` records about its cost.

    Returns:
        One row per run: ``run, method, seed, device, steps, epochs, seconds, examples_per_s``
        (training examples per second of optimizer steps, validation excluded), and
        ``s_per_step``.

    Notebook: 03_adl_training
    """
    rows = []
    for run in map(Path, runs):
        info = read_run_info(run)
        steps = int(info.get("global_step", 0))
        seconds = float(info.get("seconds", math.nan))
        rows.append({"run": run.name, "method": info.get("method"), "seed": info.get("seed"),
                     "device": info.get("device", "?"), "steps": steps,
                     "epochs": info.get("epochs_done"), "seconds": seconds,
                     "examples_per_s": float(info.get("examples_per_s", math.nan)),
                     "s_per_step": seconds / steps if steps else math.nan})
    return pd.DataFrame(rows, columns=["run", "method", "seed", "device", "steps", "epochs",
                                       "seconds", "examples_per_s", "s_per_step"])


#: The convergence criterion: a run has converged when its last ``CONVERGENCE_EPOCHS``
#: validations lowered the best validation loss before them by at most
#: ``CONVERGENCE_TOLERANCE``. "Best epoch before the last" is not enough: one noisy epoch would
#: pass it while the loss still falls.
CONVERGENCE_EPOCHS = 3
CONVERGENCE_TOLERANCE = 0.01
CONVERGENCE_RULE = (f"the last {CONVERGENCE_EPOCHS} epochs lowered the best validation loss by "
                    f"at most {CONVERGENCE_TOLERANCE}")


def plateau_gain(val_losses: Sequence[float], epochs: int = CONVERGENCE_EPOCHS) -> float:
    """How much the last ``epochs`` validations lowered the best loss before them: ``min(before)
    - min(last)``, positive while the loss still falls; NaN with ``epochs`` validations or
    fewer (nothing to compare with)."""
    losses = [float(x) for x in val_losses]
    if len(losses) <= epochs:
        return math.nan
    return min(losses[:-epochs]) - min(losses[-epochs:])


def convergence_record(val_losses: Sequence[float]) -> dict[str, Any]:
    """The ``convergence`` entry of a finished run's ``run.json``: the rule, its numbers, the
    measured gain and the verdict (:func:`plateau_gain` at most the tolerance)."""
    gain = plateau_gain(val_losses)
    return {"rule": CONVERGENCE_RULE, "epochs": CONVERGENCE_EPOCHS,
            "tolerance": CONVERGENCE_TOLERANCE,
            "gain": None if math.isnan(gain) else round(gain, 6),
            "converged": bool(not math.isnan(gain) and gain <= CONVERGENCE_TOLERANCE)}


def convergence(runs: Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """Whether each run met the convergence criterion (:data:`CONVERGENCE_RULE`).

    Read from the ``convergence`` entry of ``run.json``, or computed from ``epochs.csv`` for
    runs written before it was recorded. A run that did not converge might have improved with
    more epochs: it is reported, so no method is judged on an undertrained run unawares.

    Returns:
        One row per run: ``run, method, seed, best_epoch`` (1-based), ``epochs_done,
        epochs_max, stopped_early, best_val_loss, gain`` (what the last epochs still gained)
        and ``converged``.

    Notebook: 03_adl_training
    """
    rows = []
    for run in map(Path, runs):
        info = read_run_info(run)
        log = Path(run) / "epochs.csv"
        frame = pd.read_csv(log) if log.is_file() else pd.DataFrame(columns=["epoch", "val_loss"])
        best = info.get("best_epoch")
        if best is None:  # runs made before best_epoch was recorded
            best = (int(frame.loc[frame["val_loss"].idxmin(), "epoch"]) + 1
                    if not frame.empty else -1)
        record = info.get("convergence") or convergence_record(frame["val_loss"].tolist())
        done = int(info.get("epochs_done", 0))
        rows.append({"run": Path(run).name, "method": info.get("method"),
                     "seed": info.get("seed"), "best_epoch": int(best), "epochs_done": done,
                     "epochs_max": info.get("epochs_max", done),
                     "stopped_early": bool(info.get("stopped_early", False)),
                     "best_val_loss": float(info.get("best_val_loss", math.nan)),
                     "gain": math.nan if record["gain"] is None else float(record["gain"]),
                     "converged": bool(record["converged"])})
    return pd.DataFrame(rows, columns=["run", "method", "seed", "best_epoch", "epochs_done",
                                       "epochs_max", "stopped_early", "best_val_loss", "gain",
                                       "converged"])


def save_weights(model: torch.nn.Module, path: str | os.PathLike[str]) -> None:
    """Save a state dict as safetensors, atomically (shared storage is cloned first)."""
    state = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp))


def load_weights(model: torch.nn.Module, path: str | os.PathLike[str]) -> None:
    """Load safetensors weights into ``model``; any key mismatch is a clear error."""
    path = Path(path)
    try:
        state = load_file(str(path))
    except FileNotFoundError:
        raise RunError(f"{path}: weights file not found") from None
    except Exception as e:  # safetensors raises its own error types on corrupt files
        raise RunError(f"{path}: cannot read weights ({str(e).splitlines()[0]})") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise RunError(f"{path}: weights do not fit the model (missing {missing[:3]}, "
                       f"unexpected {unexpected[:3]})")


def rng_state() -> dict[str, Any]:
    """Every random state a training step touches (torch, CUDA, numpy, Python)."""
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": torch.from_numpy(np.frombuffer(
            json.dumps(_np_state_to_list()).encode(), dtype=np.uint8).copy()),
        "python": torch.frombuffer(bytearray(json.dumps(_py_state_to_list()).encode()),
                                   dtype=torch.uint8),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np_state = json.loads(bytes(state["numpy"].tolist()).decode())
    np.random.set_state((np_state[0], np.array(np_state[1], dtype=np.uint32), *np_state[2:]))
    py = json.loads(bytes(state["python"].tolist()).decode())
    random.setstate((py[0], tuple(py[1]), py[2]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _np_state_to_list() -> list[Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def _py_state_to_list() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def save_checkpoint(folder: str | os.PathLike[str], *, model: torch.nn.Module,
                    optimizer: torch.optim.Optimizer, scheduler: Any,
                    state: dict[str, Any]) -> None:
    """Write a full training checkpoint into ``folder``, swapping it in atomically.

    The new checkpoint is written into ``folder.tmp``; then the old folder is renamed away, the
    new one renamed in, and the old one deleted. At every instant either the old or the new
    checkpoint is complete on disk (:func:`checkpoint_folder` finds it).

    Raises:
        RunError: the disk lacks room for the checkpoint (checked before anything is written:
            twice its size, as the old and the new one coexist during the swap, plus a margin).
    """
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    check_disk_space(folder, 2 * _state_bytes(model, optimizer) + DISK_MARGIN_BYTES)
    tmp.mkdir(parents=True)
    save_weights(model, tmp / "model.safetensors")
    with atomic_path(tmp / "optimizer.pt") as p:
        torch.save(optimizer.state_dict(), p)
    with atomic_path(tmp / "scheduler.pt") as p:
        torch.save(scheduler.state_dict(), p)
    with atomic_path(tmp / "rng.pt") as p:
        torch.save(rng_state(), p)
    write_json(tmp / "state.json", state)  # written last: it marks the folder complete
    _fsync_dir(tmp)
    if folder.exists():
        # ``folder`` is complete whenever it exists, so a stale ``.old`` may go. Without it, the
        # ``.old`` twin may be the only complete checkpoint (a kill mid-swap): it stays until the
        # new one is in place.
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    os.replace(tmp, folder)
    _fsync_dir(folder.parent)
    shutil.rmtree(old, ignore_errors=True)


def check_disk_space(folder: str | os.PathLike[str], needed: int) -> None:
    """Raise :class:`RunError` when the file system holding ``folder`` has under ``needed``
    bytes free (the nearest existing parent is measured when ``folder`` is not there yet)."""
    folder = Path(folder)
    _, free = free_bytes(folder)
    if free < needed:
        raise RunError(f"{folder}: not enough free disk space to write a checkpoint: needs "
                       f"{needed} bytes ({needed / 2**20:.0f} MiB), {free} bytes free "
                       f"({free / 2**20:.0f} MiB)")


def _state_bytes(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Bytes of the tensors a checkpoint holds (weights and optimizer state)."""
    total = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    for per_param in optimizer.state.values():
        total += sum(v.numel() * v.element_size() for v in per_param.values()
                     if torch.is_tensor(v))
    return total


def checkpoint_folder(folder: str | os.PathLike[str]) -> Path | None:
    """The complete checkpoint at ``folder`` (or its ``.old`` twin after a kill mid-swap)."""
    folder = Path(folder)
    for candidate in (folder, folder.with_name(folder.name + ".old")):
        if (candidate / "state.json").is_file():
            return candidate
    return None


def load_checkpoint(folder: Path, *, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any) -> dict[str, Any]:
    """Restore model, optimizer, scheduler and RNG states; return the training state."""
    load_weights(model, folder / "model.safetensors")
    optimizer.load_state_dict(load_tensors(folder / "optimizer.pt"))
    scheduler.load_state_dict(load_tensors(folder / "scheduler.pt"))
    set_rng_state(load_tensors(folder / "rng.pt"))
    return json.loads((folder / "state.json").read_text(encoding="utf-8"))


def load_tensors(path: str | os.PathLike[str]) -> Any:
    """``torch.load(weights_only=True)``: tensors, numbers and containers only. A file that asks
    to run code (a pickle naming other globals) is refused with :class:`RunError`, never run."""
    path = Path(path)
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except FileNotFoundError:
        raise RunError(f"{path}: file not found") from None
    except Exception as e:  # UnpicklingError for foreign globals, RuntimeError for corrupt files
        first = next((ln.strip() for ln in str(e).splitlines() if ln.strip()), type(e).__name__)
        raise RunError(f"{path}: refused or unreadable (only plain tensors load): "
                       f"{first}") from None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
