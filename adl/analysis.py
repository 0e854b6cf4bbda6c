"""Analysis of what the runs learnt: training costs, a trivial-caption floor, embedding
arithmetic and 2-D projections.

* :func:`step_costs` and :func:`smooth` summarise the training logs that
  :func:`adl.runs.training_logs` stacks (chapter 3).
* :func:`caption_floor` scores the most common training caption used for every evaluation clip:
  the score a captioner must beat to have learnt anything about the audio (chapter 4).
  :func:`captions_side_by_side` puts the runs' captions of a few clips next to each other.
* :func:`difference_fidelity` measures how close ``Z(mix) - Z(ref)`` is to ``Z(input)``, the
  premise of audio difference learning (Komatsu et al., ICASSP 2024);
  :func:`clip_embeddings` and :func:`difference_vectors` give clip-level embeddings, and
  :func:`pca` projects them to two dimensions (chapter 5).

Nothing here seeds a global random state: pass a ``torch.Generator``.

Notebook: 05_latent_space_analysis
"""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from adl.audio import audio_info
from adl.data.clotho import load_clotho
from adl.data.corpus_files import load_scene_events
from adl.data.layout import CLOTHO_SUBSETS
from adl.errors import DataError
from adl.metrics import CorpusScores, MetricUnavailableWarning, evaluate
from adl.mixing import mix, random_offset

__all__ = [
    "CLOTHO_STATISTICS",
    "FLOOR_METRICS",
    "REPRESENTATIONS",
    "CaptionFloor",
    "caption_floor",
    "captions_side_by_side",
    "clip_embeddings",
    "corpus_statistics",
    "fidelity_summary",
    "neighbour_agreement",
    "difference_fidelity",
    "difference_vectors",
    "frame_fidelity",
    "most_common_caption",
    "most_common_caption_floor",
    "pca",
    "smooth",
    "step_costs",
]

#: Metrics of the most-common-caption floor (SPIDEr is reported unavailable where SPICE is).
FLOOR_METRICS: tuple[str, ...] = ("cider_d", "meteor", "spider")
#: What :func:`difference_fidelity` compares with ``Z(input)``, in its ``representation`` column.
REPRESENTATIONS: dict[str, str] = {
    "mixture": "Z(mix)",
    "difference": "Z(mix) - Z(ref)",
    "difference + Z(0)": "Z(mix) - Z(ref) + Z(silence)",
}


# -- training logs (chapter 3) -------------------------------------------------------------------


def smooth(values: Sequence[float] | np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (the first points average what exists so far).

    Args:
        values: (N,) a noisy series, e.g. per-step training losses.
        window: points averaged; 1 returns the values unchanged.

    Returns:
        (N,) float64.

    Used by :func:`adl.plots.loss_curves` for the training loss of chapter 3.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    x = np.asarray(values, dtype=np.float64)
    csum = np.cumsum(np.insert(x, 0, 0.0))
    idx = np.arange(1, x.size + 1)
    start = np.maximum(idx - window, 0)
    return (csum[idx] - csum[start]) / (idx - start)


def step_costs(steps: pd.DataFrame, *, batch_size: int,
               n_examples: int | Mapping[str, int]) -> pd.DataFrame:
    """What the training steps of each run held, and how fast they went.

    An ADL example is encoded twice (the mixture and the aligned reference); every other
    example once. The number of examples in a step follows from its index in the epoch
    (``min(batch_size, n_examples - step * batch_size)``).

    Args:
        steps: the first frame of :func:`adl.runs.training_logs`.
        batch_size: the runs' ``training.batch_size``. n_examples: examples per epoch, or per
            method (with ``training.adl_mode: add`` AL-MixGen's and ADL's epochs are longer:
            :func:`adl.data.training.epoch_size`).

    Returns:
        One row per run: ``run, method, seed, examples, adl_examples, mixgen_examples,
        encoder_passes_per_example, median_examples_per_s`` (the median over steps, which
        ignores the slow first steps).

    Notebook: 03_adl_training
    """
    rows = []
    for run, frame in steps.groupby("run", sort=False):
        method = frame["method"].iloc[0]
        n = n_examples if isinstance(n_examples, int) else n_examples[method]
        sizes = np.minimum(batch_size, n - frame["step"].to_numpy() * batch_size)
        seen = int(sizes.sum())
        n_adl = int(frame["n_adl"].sum())
        rows.append({"run": run, "method": frame["method"].iloc[0], "seed": frame["seed"].iloc[0],
                     "examples": seen, "adl_examples": n_adl,
                     "mixgen_examples": int(frame["n_mixgen"].sum()),
                     "encoder_passes_per_example": (seen + n_adl) / seen if seen else math.nan,
                     "median_examples_per_s": float(frame["examples_per_s"].median())})
    return pd.DataFrame(rows, columns=["run", "method", "seed", "examples", "adl_examples",
                                       "mixgen_examples", "encoder_passes_per_example",
                                       "median_examples_per_s"])


def captions_side_by_side(runs: Sequence[str | os.PathLike[str]], *, k: int = 3,
                          seed: int = 0, n_references: int = 2) -> pd.DataFrame:
    """A few evaluation clips with their references and every run's caption, side by side.

    Reads each run's ``captions.csv`` (written by :func:`adl.table1.evaluate_run`) and draws
    ``k`` clips that all runs captioned, at random with ``seed`` (not the best ones).

    Returns:
        Index ``file_name``; columns ``reference_1..n_references``, then per run
        ``<run name>`` (its caption) and ``<run name> CIDEr-D`` (its per-clip score, where
        recorded).

    Notebook: 04_evaluation
    """
    frames = {}
    for run in map(Path, runs):
        path = run / "captions.csv"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; evaluate the run first")
        frames[run.name] = pd.read_csv(path, dtype={"file_name": str, "candidate": str},
                                       keep_default_na=False).set_index("file_name")
    if not frames:
        raise ValueError("no runs given")
    common = sorted(set.intersection(*(set(f.index) for f in frames.values())))
    picked = sorted(np.random.default_rng(seed).choice(len(common), size=min(k, len(common)),
                                                       replace=False))
    files = [common[i] for i in picked]
    first = next(iter(frames.values()))
    out = first.loc[files, [f"reference_{i}" for i in range(1, n_references + 1)]].copy()
    for name, frame in frames.items():
        out[name] = frame.loc[files, "candidate"]
        if "cider_d" in frame.columns:
            out[f"{name} CIDEr-D"] = frame.loc[files, "cider_d"].astype(float).round(3)
    return out


# -- the floor (chapter 4) -----------------------------------------------------------------------


def _caption_key(caption: str) -> str:
    return " ".join(caption.lower().strip().rstrip(".").split())


def most_common_caption(captions: Iterable[str]) -> tuple[str, int]:
    """The most frequent caption, compared case- and final-period-insensitively.

    Ties go to the caption seen first. Returns ``(caption as first written, count)``.
    """
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for caption in captions:
        key = _caption_key(caption)
        if not key:
            continue
        counts[key] += 1
        first.setdefault(key, caption.strip())
    if not counts:
        raise ValueError("no (non-empty) captions to count")
    key, n = counts.most_common(1)[0]  # stable: the first of equal counts
    return first[key], n


def most_common_caption_floor(train_captions: Iterable[str],
                              mult_references: Sequence[Sequence[str]], *,
                              metrics: Iterable[str] | None = FLOOR_METRICS,
                              ) -> tuple[str, CorpusScores]:
    """Score the most common training caption as the caption of *every* evaluation clip.

    A captioner that ignores its audio can reach this score by always writing the caption it
    saw most often. A trained model's Table 1 numbers mean something only well above it.

    Args:
        train_captions: every caption of the training split (all five per clip).
        mult_references: per evaluation clip, its reference captions.
        metrics: names from :data:`adl.metrics.METRICS` (None: all).

    Returns:
        ``(caption, corpus_scores)``; ``corpus_scores.unavailable`` says which metrics could not
        be computed here, and why (SPICE without its jars).
    """
    caption, _ = most_common_caption(train_captions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        scores, _ = evaluate([caption] * len(mult_references), mult_references,
                             None if metrics is None else list(metrics))
    return caption, scores


@dataclass(frozen=True)
class CaptionFloor:
    """The most-common-caption floor of a data set (:func:`caption_floor`)."""

    #: The most common training caption, as first written.
    caption: str
    #: How often it occurs among the training captions, and how many there are.
    count: int
    n_captions: int
    #: Its corpus scores as the caption of every evaluation clip (``.unavailable``: the reasons).
    scores: CorpusScores


def caption_floor(root: str | os.PathLike[str], *, train_split: str = "development",
                  split: str = "evaluation",
                  metrics: Iterable[str] | None = FLOOR_METRICS) -> CaptionFloor:
    """The score of ignoring the audio: the most common caption of ``train_split`` (all five
    captions of every clip) given to every clip of ``split`` and scored against its references
    (:func:`most_common_caption_floor`).

    Args:
        root: the data root (Clotho layout: the embedded corpus or Clotho v2.1).
        train_split, split: Clotho subsets. metrics: names from :data:`adl.metrics.METRICS`.

    Notebook: 04_evaluation
    """
    train_captions = [c for item in load_clotho(root, train_split) for c in item.captions]
    mult_references = [list(item.captions) for item in load_clotho(root, split)]
    caption, scores = most_common_caption_floor(train_captions, mult_references, metrics=metrics)
    _, count = most_common_caption(train_captions)
    return CaptionFloor(caption, count, len(train_captions), scores)


# -- projections (chapter 5) ---------------------------------------------------------------------


# -- the corpus against Clotho (chapter 1) -----------------------------------------------------

#: Clotho v2.1 as its authors publish it (Drossos et al., ICASSP 2020,
#: https://arxiv.org/abs/1910.09387, and the v2.1 release notes on Zenodo, record 4783391).
#: None where Clotho publishes no such figure (it has no event labels).
CLOTHO_STATISTICS: dict[str, str | None] = {
    "clips (development / validation / evaluation)": "3839 / 1045 / 1045",
    "clip length (s)": "15 to 30",
    "captions per clip": "5, by different annotators",
    "words per caption": "8 to 20",
    "vocabulary (distinct words)": None,
    "events per clip": None,
    "words per named event": None,
}


def corpus_statistics(root: str | os.PathLike[str]) -> dict[str, str]:
    """The figures of :data:`CLOTHO_STATISTICS`, measured on a corpus in the Clotho layout.

    Clip lengths are read from the audio headers; events per clip and words per named event
    need the embedded corpus's event metadata (``"n/a"`` on real data).
    """
    splits = {subset: load_clotho(root, subset) for subset in CLOTHO_SUBSETS}
    seconds = [frames / sr for items in splits.values() for it in items
               for sr, frames, _ in [audio_info(it.path)]]
    dev = splits["development"]
    captions = [c for items in splits.values() for it in items for c in it.captions]
    words = [len(c.split()) for c in captions]
    vocabulary = {w.strip(".,;:!?\"'").lower() for c in captions for w in c.split()} - {""}
    stats = {
        "clips (development / validation / evaluation)":
            " / ".join(str(len(splits[s])) for s in CLOTHO_SUBSETS),
        "clip length (s)": f"{min(seconds):.1f} to {max(seconds):.1f} (mean {np.mean(seconds):.1f})",
        "captions per clip": str(len(dev[0].captions)) if dev else "0",
        "words per caption": f"{min(words)} to {max(words)} (mean {np.mean(words):.1f})",
        "vocabulary (distinct words)": f"{len(vocabulary)} (all captions)",
        "events per clip": "n/a", "words per named event": "n/a",
    }
    try:
        meta = load_scene_events(root, "development")
    except DataError:  # real data has no event metadata
        return stats
    n_events = [len(meta[it.fname].labels) for it in dev if it.fname in meta]
    per_event = []
    for it in dev:
        m = meta.get(it.fname)
        if m is None:
            continue
        named = m.caption_events or tuple(tuple(m.labels) for _ in it.captions)
        per_event += [len(c.split()) / max(1, len(n)) for c, n in zip(it.captions, named)]
    stats["events per clip"] = (f"{min(n_events)} to {max(n_events)} "
                                f"(mean {np.mean(n_events):.2f})")
    stats["words per named event"] = f"{np.mean(per_event):.1f}"
    return stats


def pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Principal component analysis by SVD of the centred data (no scikit-learn).

    Each component's sign is fixed so that its largest loading is positive, so the result does
    not flip between runs or machines.

    Args:
        x: (N, D) points. k: components kept.

    Returns:
        ``(projected (N, k), explained variance ratio (k,))``, components in decreasing variance.
        Missing components (fewer than ``k`` points or dimensions) are zero columns.

    Notebook: 05_latent_space_analysis
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"expected a non-empty (N, D) array, got shape {x.shape}")
    centred = x - x.mean(axis=0, keepdims=True)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    r = min(k, vt.shape[0])
    vt = vt[:r]
    signs = np.sign(vt[np.arange(r), np.abs(vt).argmax(axis=1)])
    vt = vt * np.where(signs == 0, 1.0, signs)[:, None]
    proj = np.zeros((x.shape[0], k))
    proj[:, :r] = centred @ vt.T
    total = float((s ** 2).sum())
    ratio = np.zeros(k)
    if total > 0:
        ratio[:r] = s[:r] ** 2 / total
    return proj, ratio


# -- embedding arithmetic (chapter 5) ------------------------------------------------------------


@torch.no_grad()
def _z(model: torch.nn.Module, wave: torch.Tensor,
       reference: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``Z`` of one clip after the adapter, minus ``Z(reference)`` when one is given:
    ``((T', D), mask (T',))``. Without a reference nothing is subtracted (``Z_ref = 0``), even
    for a model that reads ``Z(x) - Z(silence)`` (``no_reference: silence``): the comparisons
    of :func:`difference_fidelity` put the offset ``Z(silence)`` in explicitly."""
    device = next(model.parameters()).device
    lengths = torch.tensor([wave.shape[0]], device=device)
    ref = None if reference is None else reference[None].to(device)
    z, mask = model.difference(wave[None].to(device), lengths, ref, no_reference="zero")
    return z[0].float().cpu(), mask[0].cpu()


def frame_fidelity(z: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                   ) -> tuple[float, float]:
    """How close ``z`` is to ``target`` over the valid frames.

    Args:
        z, target: (T, D) embeddings; mask: (T,) bool, the valid frames.

    Returns:
        ``(cosine, relative_error)``: the mean over valid frames of the cosine similarity
        between ``z[t]`` and ``target[t]``, and ``||z - target|| / ||target||`` (Frobenius norms
        over the valid frames). :func:`difference_fidelity` reports these two numbers.
    """
    a, b = z[mask].double(), target[mask].double()
    if a.numel() == 0:
        raise ValueError("no valid frames")
    cosine = float(F.cosine_similarity(a, b, dim=-1, eps=1e-12).mean())
    norm = float(b.norm())
    error = float((a - b).norm() / norm) if norm > 0 else math.nan
    return cosine, error


@dataclass
class _Pair:
    clip: int
    event: int
    offset: int
    mixture: torch.Tensor
    aligned: torch.Tensor


def _pairs(clips: Sequence[torch.Tensor], events: Sequence[torch.Tensor], snr_db: float,
           generator: torch.Generator | None) -> Iterator[_Pair]:
    """One event per clip, drawn with ``generator``, mixed in at a random offset."""
    if not clips or not events:
        raise ValueError("need at least one clip and one event")
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    for i, x in enumerate(clips):
        j = int(torch.randint(len(events), (1,), generator=g))
        e = events[j]
        offset = random_offset(x.shape[0], e.shape[0], g)
        mixture, aligned = mix(x, e, snr_db=snr_db, offset=offset)
        yield _Pair(i, j, offset, mixture, aligned)


def difference_fidelity(model: torch.nn.Module, clips: Sequence[torch.Tensor],
                        events: Sequence[torch.Tensor], *, snr_db: float = 0.0,
                        generator: torch.Generator | None = None,
                        event_labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Embedding arithmetic: is ``Z(mix) - Z(ref)`` closer to ``Z(input)`` than ``Z(mix)`` is?

    For each clip, one event (drawn with ``generator``) is mixed in with
    :func:`adl.mixing.mix` at ``snr_db`` and a random offset. Compared with ``Z(input)`` over the
    valid frames (:func:`frame_fidelity`), for three representations (:data:`REPRESENTATIONS`):

    * ``mixture``: ``Z(mix)``, doing nothing about the event;
    * ``difference``: ``Z(mix) - Z(ref)``, the model's own difference (``model.difference`` with the
      aligned event as reference, so ``encoder.diff_at`` is honoured);
    * ``difference + Z(0)``: the difference with the features of silence added back; the
      difference cancels that offset, which every plain ``Z(input)`` carries. Its distance to
      ``Z(input)`` is the distance of ``Z(mix) - Z(ref)`` to ``Z(input) - Z(silence)``, which is
      what a model with ``no_reference: silence`` (the default) reads for a plain input.

    With a frozen encoder and a linear adapter, ``Z(mix) - Z(ref) = W (e(mix) - e(ref))``: the
    numbers measure how additive the encoder is, and are equal for two runs that share encoder
    and differ only in adapter scale and decoder.

    Args:
        model: a :class:`adl.models.captioner.Captioner` (eval mode).
        clips: (samples,) input clips. events: (samples,) events to mix in.
        snr_db: input-to-event level (keyword-only, as the options below).
        generator: draws the events and offsets (default: seeded with 0).
        event_labels: per event, a label for the ``event_label`` column.

    Returns:
        A tidy frame, one row per clip and representation: ``clip`` and ``event`` (indices
        into the arguments), ``event_label``, ``offset`` (where the event starts, in samples),
        ``representation``, ``cosine`` and ``relative_error``.

    Notebook: 05_latent_space_analysis
    """
    model.eval()
    rows = []
    zero_cache: dict[int, torch.Tensor] = {}
    for p in _pairs(clips, events, snr_db, generator):
        x = clips[p.clip]
        z_in, mask = _z(model, x)
        z_mix, _ = _z(model, p.mixture)
        z_diff, _ = _z(model, p.mixture, p.aligned)
        n = x.shape[0]
        if n not in zero_cache:
            zero_cache[n] = _z(model, torch.zeros(n))[0]
        reps = {"mixture": z_mix, "difference": z_diff,
                "difference + Z(0)": z_diff + zero_cache[n]}
        for name, z in reps.items():
            cosine, error = frame_fidelity(z, z_in, mask)
            rows.append({"clip": p.clip, "event": p.event,
                         "event_label": event_labels[p.event] if event_labels else "",
                         "offset": p.offset, "representation": name, "cosine": cosine,
                         "relative_error": error})
    return pd.DataFrame(rows, columns=["clip", "event", "event_label", "offset",
                                       "representation", "cosine", "relative_error"])


def clip_embeddings(model: torch.nn.Module, waves: Sequence[torch.Tensor]) -> np.ndarray:
    """Clip-level embeddings: ``Z`` (after the adapter, no reference) averaged over valid frames.

    Returns:
        (N, D) float64.

    Notebook: 05_latent_space_analysis
    """
    model.eval()
    out = []
    for w in waves:
        z, mask = _z(model, w)
        out.append(z[mask].double().mean(dim=0).numpy())
    return np.stack(out)


def difference_vectors(model: torch.nn.Module, clips: Sequence[torch.Tensor],
                       events: Sequence[torch.Tensor], *, snr_db: float = 0.0,
                       generator: torch.Generator | None = None,
                       ) -> tuple[np.ndarray, np.ndarray]:
    """What adding an event does to a clip's embedding: time-averaged ``Z(mix) - Z(input)``.

    Events and offsets are drawn as in :func:`difference_fidelity` (the same ``generator`` seed
    gives the same pairs).

    Returns:
        ``(vectors (N, D) float64, event index (N,) int)``, one row per clip.

    Notebook: 05_latent_space_analysis
    """
    model.eval()
    vectors, which = [], []
    for p in _pairs(clips, events, snr_db, generator):
        z_in, mask = _z(model, clips[p.clip])
        z_mix, _ = _z(model, p.mixture)
        vectors.append((z_mix - z_in)[mask].double().mean(dim=0).numpy())
        which.append(p.event)
    return np.stack(vectors), np.asarray(which, dtype=int)


def neighbour_agreement(x: np.ndarray, labels: Sequence[str]) -> tuple[float, float]:
    """Do points of a class cluster in all ``D`` dimensions? Leave-one-out nearest neighbours.

    For each point, its nearest other point by cosine similarity; the share of points whose
    neighbour has the same label, against the share expected by chance (a neighbour drawn at
    random from the other points).

    Args:
        x: (N, D) embeddings. labels: N class names.

    Returns:
        ``(agreement, chance)``, both in [0, 1].

    Notebook: 05_latent_space_analysis
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or len(x) != len(labels) or len(x) < 2:
        raise ValueError(f"expected (N, D) points with N >= 2 and N labels, got {x.shape} and "
                         f"{len(labels)}")
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)  # never one's own neighbour
    nearest = similarity.argmax(axis=1)
    names = np.asarray(labels, dtype=object)
    agreement = float((names[nearest] == names).mean())
    _, counts = np.unique(names, return_counts=True)
    chance = float((counts * (counts - 1)).sum() / (len(x) * (len(x) - 1)))
    return agreement, chance


def fidelity_summary(fidelity: pd.DataFrame) -> pd.DataFrame:
    """Does ``Z(mix) - Z(ref)`` land nearer ``Z(input)`` than ``Z(mix)`` does? One row per model.

    Args:
        fidelity: :func:`difference_fidelity` rows (with representations as its keys:
            ``mixture``, ``difference``, ``difference + Z(0)``), and a ``model`` column.

    Returns:
        Per model: ``pairs``, the mean cosine to ``Z(input)`` of each representation
        (``cosine_mixture``, ``cosine_difference``, ``cosine_difference_z0``), and
        ``difference_closer``, the share of pairs whose difference is closer (higher cosine)
        than their mixture.

    Notebook: 05_latent_space_analysis
    """
    rows = []
    for model, part in fidelity.groupby("model", sort=False):
        wide = part.pivot_table(index=["clip", "event"], columns="representation",
                                values="cosine")
        rows.append({"model": model, "pairs": len(wide),
                     "cosine_mixture": float(wide["mixture"].mean()),
                     "cosine_difference": float(wide["difference"].mean()),
                     "cosine_difference_z0": float(wide["difference + Z(0)"].mean()),
                     "difference_closer": float((wide["difference"] > wide["mixture"]).mean())})
    return pd.DataFrame(rows, columns=["model", "pairs", "cosine_mixture", "cosine_difference",
                                       "cosine_difference_z0", "difference_closer"])
