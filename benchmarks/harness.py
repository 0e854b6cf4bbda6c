"""Benchmarks: the front end against librosa, the data path, batched decoding, evaluation, training.

Every figure is a *ratio* of two timings taken in the same process and the same run, with the two
sides interleaved (A B A B ...) and the medians compared, so that the load of a shared machine
cancels out as far as it can. Each figure is printed next to its target with MET or
MISSED (and by how much); the whole report is written as JSON.

``quick=True`` runs every section at toy sizes (seconds, for the tests); the numbers it gives are
not the ones to quote. See ``benchmarks/README.md`` for the measured figures and what they mean.

The harness lives beside the paper's code, not in it: nothing in ``adl`` imports it. It runs
from a clone of the repository, as ``python benchmarks/run_bench.py`` (its command line) or
``adl bench`` (which loads this file from the repository's ``benchmarks/`` folder).

Example, with ``benchmarks/`` on ``sys.path``::

    from harness import run_benchmarks
    report = run_benchmarks("default", root="/tmp/adl-data", out="bench.json")
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adl.audio import LogMel
from adl.config import METHODS, Config, dataset_root, load_preset
from adl.data.clotho import load_clotho
from adl.data.esc50 import load_esc50
from adl.data.training import MixingDataset, PlanBatches, load_clips, plan_epoch, to_device
from adl.feature_cache import FeatureCache
from adl.inference import caption_waves
from adl.io import write_json
from adl.metrics import evaluate
from adl.models.captioner import build_captioner
from adl.tokenizer import encode_captions, train_tokenizer
from adl.train import REFERENCE_FOLDS, min_samples, train_step

__all__ = ["TARGETS", "Target", "format_report", "run_benchmarks"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """A performance target: ``value >= goal`` (``at_least``) or ``value <= goal``."""

    key: str
    label: str
    goal: float
    at_least: bool
    unit: str = "x"


#: The performance targets on a 2-core CPU with the default preset.
TARGETS: tuple[Target, ...] = (
    Target("frontend.throughput_ratio", "front end: LogMel / librosa throughput", 2.0, True),
    Target("frontend.max_abs_log_deviation", "front end: max |log-mel - librosa|", 1e-4, False,
           ""),
    Target("data_path.worst_wait_share", "data wait share of step time (worst method)", 0.10,
           False, "%"),
    Target("decoding.speedup", "decoding: batched / clip-by-clip captions/s", 5.0, True),
    Target("evaluation.speed_ratio", "evaluation: separate scorers time / evaluate time", 1.0,
           True),
    Target("training.adl_cost_ratio", "training: ADL cost per example / baseline's", 2.2, False),
    Target("data_path.feature_cache.adl_cost_ratio_uncached",
           "training, cache off: ADL cost / baseline's", 2.2, False),
)


# -- timing helpers ------------------------------------------------------------------------------


def _interleaved(fns: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1,
                 ) -> dict[str, list[float]]:
    """Wall times of each function, called in turn (A B C A B C ...), after ``warmup`` rounds.

    The order alternates every round (A B C, then C B A) so that a drift in load affects every
    side alike.
    """
    names = list(fns)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(warmup + repeats):
        order = names if r % 2 == 0 else names[::-1]
        for n in order:
            t0 = time.perf_counter()
            fns[n]()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[n].append(dt)
    return times


def _median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def _finite(x: float) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def _machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"platform": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average_1_5_15": [round(x, 2) for x in load]}


# -- test signals --------------------------------------------------------------------------------


def _synthetic_clips(n: int, seconds: float, sr: int, seed: int = 0) -> list[torch.Tensor]:
    """Chirp + noise + tone bursts: broadband, with silence-free frames (deterministic)."""
    g = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    out = []
    for _ in range(n):
        f0, f1 = g.uniform(50, 500), g.uniform(2000, 15000)
        chirp = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * seconds)))
        bursts = np.sin(2 * np.pi * g.uniform(300, 3000) * t) * (np.sin(2 * np.pi * 1.3 * t) > 0.5)
        x = 0.3 * chirp + 0.2 * bursts + 0.05 * g.standard_normal(t.size)
        out.append(torch.from_numpy(x.astype(np.float32)))
    return out


def _tile(x: torch.Tensor, n: int) -> torch.Tensor:
    reps = -(-n // x.shape[0])
    return x.repeat(reps)[:n]


# -- the sections --------------------------------------------------------------------------------


def bench_frontend(clips: list[torch.Tensor], sr: int, *, repeats: int, log: Log) -> dict:
    """``LogMel`` (torch, all threads) against librosa (numpy), and ``torch.stft`` alone.

    Args:
        clips: equal-length (samples,) float32 signals, stacked into one batch.
    """
    import librosa

    lm = LogMel(sr=sr)
    batch = torch.stack(clips)  # (B, S)
    np_clips = [c.numpy() for c in clips]

    def ours():
        with torch.inference_mode():
            return lm(batch)

    def stft_only():
        with torch.inference_mode():
            return torch.stft(batch, lm.n_fft, hop_length=lm.hop_length, win_length=lm.n_fft,
                              window=lm.window, center=True, pad_mode="constant",
                              return_complex=True)

    def reference():
        # librosa on one core, as the target has it: numpy's OpenBLAS would otherwise start a
        # thread per core for the mel product, and those threads spin after each call, which
        # steals the cores from the next LogMel call in this process (measured: LogMel ran at
        # 135 clips/s interleaved with a 2-thread librosa, 237 with a 1-thread one).
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return [np.log(librosa.feature.melspectrogram(
                y=y, sr=sr, n_fft=lm.n_fft, hop_length=lm.hop_length, win_length=lm.win_length,
                n_mels=lm.n_mels, center=True, pad_mode="constant", power=2.0) + lm.eps)
                for y in np_clips]

    times = _interleaved({"logmel": ours, "librosa": reference, "stft": stft_only}, repeats)
    t_ours, t_ref, t_stft = (_median(times[k]) for k in ("logmel", "librosa", "stft"))
    ref = np.stack(reference())  # (B, M, T)
    diff = np.abs(ours().numpy().transpose(0, 2, 1).astype(np.float64) - ref)
    dev = float(diff.max())
    # Bins within 80 dB of their clip's loudest bin: below that, both sides sit on the float32
    # rounding floor of the STFT (and 16-bit audio's quantisation noise), where the log of two
    # correct float32 spectra differs by up to 1e-2 (see adl.audio.LogMel).
    loud = ref > ref.max(axis=(1, 2), keepdims=True) - 8 * math.log(10)
    dev_loud = float(diff[loud].max())
    at = np.unravel_index(diff.argmax(), diff.shape)
    seconds = batch.shape[1] / sr
    res = {
        "clips": len(clips), "clip_seconds": round(seconds, 3), "sr": sr,
        "torch_threads": torch.get_num_threads(),
        "logmel_s": t_ours, "librosa_s": t_ref, "stft_s": t_stft,
        "logmel_clips_per_s": len(clips) / t_ours, "librosa_clips_per_s": len(clips) / t_ref,
        "throughput_ratio": t_ref / t_ours,
        "max_abs_log_deviation": dev,
        "max_abs_log_deviation_within_80db": dev_loud,
        "log_mel_at_max_deviation": float(ref[at]),
        "clip_peak_log_mel": float(ref[at[0]].max()),
        "share_outside_stft": max(0.0, 1.0 - t_stft / t_ours),
        "stft_share_of_librosa": t_stft / t_ref,
    }
    log(f"front end: LogMel {res['logmel_clips_per_s']:.1f} clips/s, librosa "
        f"{res['librosa_clips_per_s']:.1f} clips/s ({res['throughput_ratio']:.2f}x); "
        f"{100 * res['share_outside_stft']:.0f}% of LogMel's time outside torch.stft; max log "
        f"deviation {dev:.1e} (at log-mel {res['log_mel_at_max_deviation']:.1f}), "
        f"{dev_loud:.1e} within 80 dB of the peak")
    return res


@dataclass
class _Data:
    clips: list[torch.Tensor]
    captions: list[tuple[str, ...]]
    references: list[torch.Tensor]
    source: str


def _load_data(cfg: Config, root: str | os.PathLike[str] | None, n_clips: int, n_refs: int,
               *, quick: bool, log: Log) -> _Data:
    """A subset of the development clips and of the reference bank, decoded once, or synthetic
    clips when the corpus is not there."""
    base = dataset_root(cfg, root)
    if (base / "CLOTHO_v2.1").exists() or (base / "clotho_captions_development.csv").exists():
        dev = load_clotho(base, "development")[:n_clips]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clips, kept, _ = load_clips([it.path for it in dev], cfg.data.sr,
                                        min_samples=min_samples(cfg))
            try:
                bank = load_esc50(base, folds=REFERENCE_FOLDS)[:n_refs]
                refs, _, _ = load_clips([it.path for it in bank], cfg.data.sr)
            except Exception:  # noqa: BLE001 - no bank: synthetic references below
                refs = []
        if not refs:
            refs = _synthetic_clips(8, 1.0 if quick else 5.0, cfg.data.sr, seed=1)
        if clips:
            return _Data(clips, [dev[i].captions for i in kept], refs, str(base))
    log(f"bench: no corpus under {base}; using synthetic clips")
    secs = 1.5 if quick else 7.5
    clips = _synthetic_clips(n_clips, secs, cfg.data.sr)
    words = ("a dog barks", "rain falls", "a bell rings", "birds sing", "a car passes")
    caps = [tuple(f"{words[(i + k) % 5]} nearby" for k in range(5)) for i in range(n_clips)]
    return _Data(clips, caps, _synthetic_clips(8, secs / 2, cfg.data.sr, seed=1), "synthetic")


def _tokenizer(cfg: Config, data: _Data):
    return train_tokenizer([c for caps in data.captions for c in caps],
                           vocab_size=cfg.decoder.vocab_size)


def _model(cfg: Config, vocab: int, device: torch.device):
    torch.manual_seed(0)
    model = build_captioner(cfg, vocab_size=vocab)
    if cfg.encoder.freeze:
        model.freeze_encoder()
    model.to(device).train()
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=cfg.training.lr)
    return model, opt


def _train_step(model, opt, batch: dict, method: str, device: torch.device,
                grad_clip: float, cache=None) -> float:
    """One optimizer step on :func:`adl.train.train_step`'s loss, as the training loop takes it."""
    loss = train_step(model, to_device(batch, device), method, cache=cache)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.trainable_parameters(), grad_clip)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return float(loss.detach())


def _epoch_batches(dataset, plan, batch_size: int, encode) -> list:
    """The loop's batch builder over one fixed plan: ``batches[k]`` is step k's batch."""
    return _Steps(PlanBatches(dataset, lambda _epoch: plan, batch_size, encode))


class _Steps(torch.utils.data.Dataset):
    """Step k of epoch 0 of a :class:`PlanBatches`, without its step tag (the bench's index)."""

    def __init__(self, batches: PlanBatches) -> None:
        self.batches = batches

    def __getitem__(self, k: int) -> dict:
        return self.batches[(0, k)][1]


def bench_training(cfg: Config, data: _Data, tok, *, batch_size: int, rounds: int,
                   loader_steps: int, workers: Sequence[int], device: torch.device,
                   log: Log) -> tuple[dict, dict]:
    """Data wait against compute for each method, and examples/s per method.

    Returns ``(data_path, training)`` sections.
    """

    def encode(caps):
        return encode_captions(tok, caps, max_length=cfg.decoder.max_caption_tokens)
    model, opt = _model(cfg, len(tok), device)
    n = len(data.clips)
    cache = None
    if cfg.training.cache_features and cfg.encoder.freeze:
        t0 = time.perf_counter()
        cache = FeatureCache.build(model, data.clips, batch_size=batch_size, device=device)
        cache_s = time.perf_counter() - t0
    lengths = [c.shape[0] for c in data.clips]
    ref_lengths = [r.shape[0] for r in data.references]
    n_caps = [len(c) for c in data.captions]
    sets, batches = {}, {}
    n_batches = max(1, n // batch_size)
    for m in METHODS:
        ds = MixingDataset(data.clips, data.captions, data.references, snr_db=cfg.mixing.snr_db,
                           plain_audio=cache is None)
        # The same seed gives the same permutation for every method: batch k holds the same
        # input clips whatever the method, so the methods differ only by their mixing.
        ds.set_plan(plan_epoch(n, n_caps, lengths, ref_lengths, method=m, p_adl=cfg.mixing.p_adl,
                               p_mixgen=cfg.mixing.p_mixgen, seed=0, epoch=0))
        sets[m] = ds
        batches[m] = _epoch_batches(ds, ds.plan, batch_size, encode)

    # 1. num_workers=0: produce a batch, then train on it; methods interleaved round by round.
    per: dict[str, dict[str, list[float]]] = {m: {"data": [], "model": []} for m in METHODS}
    for r in range(rounds + 1):  # round 0 warms up
        order = list(METHODS) if r % 2 == 0 else list(METHODS)[::-1]
        for m in order:
            t0 = time.perf_counter()
            batch = batches[m][r % n_batches]
            t1 = time.perf_counter()
            _train_step(model, opt, batch, m, device, cfg.training.grad_clip, cache)
            t2 = time.perf_counter()
            if r > 0:
                per[m]["data"].append(t1 - t0)
                per[m]["model"].append(t2 - t1)

    # Where a step's compute goes (baseline batch, every clip encoded): front end, encoder, the
    # rest; and the same step with the cached features, the fix of this hotspot.
    plain = MixingDataset(data.clips, data.captions, data.references, plain_audio=True)
    plain.set_plan(sets["baseline"].plan)
    b0 = _epoch_batches(plain, plain.plan, batch_size, encode)[0]
    wave, lens = b0["input"].to(device), b0["lengths"].to(device)
    b_cached = batches["baseline"][0]

    def frontend():
        # As Captioner.encode runs it: clip by clip on a CPU (each cropped to its length),
        # the whole padded batch on a GPU.
        with torch.no_grad():
            if device.type == "cpu":
                for i in range(wave.shape[0]):
                    model.frontend(wave[i: i + 1, : int(lens[i])])
            else:
                model.frontend(wave)

    def encoder():
        with torch.no_grad():
            model.encode(wave, lens)

    def step_uncached():
        _train_step(model, opt, b0, "baseline", device, cfg.training.grad_clip)

    def step_cached():
        _train_step(model, opt, b_cached, "baseline", device, cfg.training.grad_clip, cache)

    fns = {"frontend": frontend, "frontend+encoder": encoder, "step": step_uncached}
    if cache is not None:
        fns["step_cached"] = step_cached
    br = _interleaved(fns, max(2, rounds // 2))
    t_front, t_enc = _median(br["frontend"]), _median(br["frontend+encoder"])
    t_model_base = _median(br["step"])

    data_path: dict[str, Any] = {
        "batch_size": batch_size, "clips": n, "source": data.source, "device": str(device),
        "mean_clip_seconds": float(np.mean(lengths)) / cfg.data.sr,
        "encoder_frozen": cfg.encoder.freeze,
        "step_breakdown_baseline": {
            "frontend_s": t_front, "encoder_forward_s": max(0.0, t_enc - t_front),
            "rest_s": max(0.0, t_model_base - t_enc), "step_s": t_model_base,
            "frontend_share": t_front / t_model_base,
            "frontend_encoder_share": t_enc / t_model_base},
        "methods": {},
    }
    if cache is not None:
        # ADL's cost with every example encoded on both sides (the cache off): the cost the
        # 2.2x target was set for, two encoder passes per ADL example against one.
        plain_adl = MixingDataset(data.clips, data.captions, data.references,
                                  snr_db=cfg.mixing.snr_db, plain_audio=True)
        plain_adl.set_plan(sets["adl"].plan)
        b_adl = _epoch_batches(plain_adl, plain_adl.plan, batch_size, encode)[0]
        ub = _interleaved({
            "baseline": step_uncached,
            "adl": lambda: _train_step(model, opt, b_adl, "adl", device,
                                       cfg.training.grad_clip)}, max(2, rounds // 2))
        t_cached = _median(br["step_cached"])
        data_path["feature_cache"] = {
            "build_s": cache_s, "clips": len(cache), "mib": cache.nbytes / 2**20,
            "baseline_step_uncached_s": t_model_base, "baseline_step_cached_s": t_cached,
            "baseline_step_speedup": t_model_base / t_cached,
            "adl_cost_ratio_uncached": _median(ub["adl"]) / _median(ub["baseline"])}
        log(f"feature cache: a baseline step takes {t_cached:.3f} s with the frozen encoder's "
            f"cached features, {t_model_base:.3f} s without ({t_model_base / t_cached:.1f}x); "
            f"with the cache off, an ADL step costs "
            f"{data_path['feature_cache']['adl_cost_ratio_uncached']:.2f}x a baseline step")
    for m in METHODS:
        d, mo = _median(per[m]["data"]), _median(per[m]["model"])
        data_path["methods"][m] = {"workers_0": {"batch_s": d, "compute_s": mo,
                                                 "wait_share": d / (d + mo)}}

    # 2. DataLoader with worker processes (persistent, pinned memory where a GPU is used):
    #    the wait is the time the loop blocks in next() while the workers prepare batches.
    for nw in workers:
        if nw == 0:
            continue
        for m in METHODS:
            loader = torch.utils.data.DataLoader(
                batches[m], batch_size=None, shuffle=False, num_workers=nw,
                persistent_workers=True, pin_memory=device.type == "cuda",
                sampler=list(range(n_batches)) * (1 + loader_steps // n_batches))
            waits, steps = [], []
            it = iter(loader)
            try:
                for i in range(loader_steps + 1):
                    t0 = time.perf_counter()
                    batch = next(it)
                    t1 = time.perf_counter()
                    _train_step(model, opt, batch, m, device, cfg.training.grad_clip, cache)
                    t2 = time.perf_counter()
                    if i > 0:  # the first batch pays for starting the workers
                        waits.append(t1 - t0)
                        steps.append(t2 - t1)
            except StopIteration:
                pass
            finally:
                del it, loader
            w, s = sum(waits), sum(steps)
            data_path["methods"][m][f"workers_{nw}"] = {
                "wait_s": w / max(len(waits), 1), "compute_s": s / max(len(steps), 1),
                "wait_share": w / (w + s) if w + s > 0 else float("nan"), "steps": len(steps)}

    def best_share(m):
        return min(v["wait_share"] for v in data_path["methods"][m].values())
    data_path["worst_wait_share"] = max(best_share(m) for m in METHODS)
    data_path["worst_wait_share_workers_0"] = max(
        data_path["methods"][m]["workers_0"]["wait_share"] for m in METHODS)

    training: dict[str, Any] = {"batch_size": batch_size, "methods": {}}
    for m in METHODS:
        step = [d + mo for d, mo in zip(per[m]["data"], per[m]["model"])]
        training["methods"][m] = {
            "examples_per_s": batch_size / _median(step),
            "examples_per_s_compute_only": batch_size / _median(per[m]["model"])}
    base = training["methods"]["baseline"]
    for m in ("mixgen", "adl"):
        training["methods"][m]["cost_ratio"] = (base["examples_per_s"]
                                                / training["methods"][m]["examples_per_s"])
    training["adl_cost_ratio"] = training["methods"]["adl"]["cost_ratio"]
    training["adl_p"] = cfg.mixing.p_adl
    for m in METHODS:
        log(f"training {m}: {training['methods'][m]['examples_per_s']:.1f} examples/s; data wait "
            + ", ".join(f"{k.replace('workers_', 'nw=')} {100 * v['wait_share']:.1f}%"
                        for k, v in data_path["methods"][m].items()))
    return data_path, training


def bench_decoding(cfg: Config, data: _Data, tok, *, n_clips: int, max_length: int,
                   repeats: int, device: torch.device, log: Log) -> dict:
    """Batched beam search (batch 32) against clip by clip (batch 1), same model and clips."""
    model, _ = _model(cfg, len(tok), device)
    model.eval()
    waves = [data.clips[i % len(data.clips)] for i in range(n_clips)]
    gen = cfg.generation
    kw = dict(num_beams=gen.num_beams, no_repeat_ngram_size=gen.no_repeat_ngram_size,
              min_length=min(gen.min_length, max_length), max_length=max_length)
    batch = min(32, n_clips)
    out: dict[str, list[str]] = {}

    def batched():
        out["batched"] = caption_waves(model, tok, waves, batch_size=batch, **kw)

    def serial():
        out["serial"] = caption_waves(model, tok, waves, batch_size=1, **kw)

    caption_waves(model, tok, waves[:2], batch_size=2, **kw)  # warm up (first-call costs)
    times = _interleaved({"batched": batched, "serial": serial}, repeats, warmup=0)
    tb, ts = _median(times["batched"]), _median(times["serial"])
    same = sum(a == b for a, b in zip(out["batched"], out["serial"]))
    res = {"clips": n_clips, "batch_size": batch, "model": "random init, preset size",
           "generation": kw, "batched_s": tb, "serial_s": ts,
           "batched_captions_per_s": n_clips / tb, "serial_captions_per_s": n_clips / ts,
           "speedup": ts / tb, "identical_captions": same,
           "mean_words": float(np.mean([len(c.split()) for c in out["batched"]]))}
    log(f"decoding: batched {res['batched_captions_per_s']:.2f} captions/s, clip by clip "
        f"{res['serial_captions_per_s']:.2f} ({res['speedup']:.2f}x); "
        f"{same}/{n_clips} captions identical")
    return res


def bench_evaluation(data: _Data, *, n: int, metrics: Sequence[str], repeats: int,
                     log: Log) -> dict:
    """``adl.metrics.evaluate`` against pycocoevalcap's scorers called one by one.

    The separate path is what users of the toolkit write (COCOEvalCap's order): PTBTokenizer on
    the references, PTBTokenizer on the candidates, then Bleu(4), Meteor(), Rouge(), Cider().
    """
    import shutil

    if shutil.which("java") is None:
        return {"skipped": "java not found"}
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    caps = [data.captions[i % len(data.captions)] for i in range(n)]
    candidates = [c[0] for c in caps]
    mult_references = [list(c[1:]) for c in caps]
    with_meteor = "meteor" in metrics
    result: dict[str, Any] = {}

    def ours():
        corpus, _ = evaluate(candidates, mult_references, metrics=list(metrics))
        result["ours"] = dict(corpus)

    def separate():
        tok = PTBTokenizer()
        gts = tok.tokenize({i: [{"caption": r} for r in refs]
                            for i, refs in enumerate(mult_references)})
        res = tok.tokenize({i: [{"caption": c}] for i, c in enumerate(candidates)})
        scores = {}
        b, _ = Bleu(4).compute_score(gts, res, verbose=0)
        scores.update({f"bleu_{k + 1}": b[k] for k in range(4)})
        if with_meteor:
            from pycocoevalcap.meteor.meteor import Meteor

            meteor = Meteor()
            try:
                scores["meteor"], _ = meteor.compute_score(gts, res)
            finally:
                meteor.meteor_p.stdin.close()
                meteor.meteor_p.kill()
                meteor.meteor_p.wait()
                meteor.meteor_p = _Closed()
        scores["rouge_l"], _ = Rouge().compute_score(gts, res)
        scores["cider_d"], _ = Cider().compute_score(gts, res)
        result["separate"] = scores

    times = _interleaved({"evaluate": ours, "separate": separate}, repeats, warmup=0)
    te, ts = _median(times["evaluate"]), _median(times["separate"])
    agree = max(abs(result["ours"][k] - float(result["separate"][k]))
                for k in result["ours"] if k in result["separate"])
    res = {"captions": n, "metrics": list(metrics), "evaluate_s": te, "separate_s": ts,
           "speed_ratio": ts / te, "max_score_difference": agree}
    log(f"evaluation: evaluate {te:.2f} s, separate scorers {ts:.2f} s ({ts / te:.2f}x); "
        f"scores agree to {agree:.1e}")
    return res


class _Closed:
    """Stands in for a killed METEOR process so that ``Meteor.__del__`` is a no-op."""

    class _Pipe:
        def close(self):
            pass

    stdin = _Pipe()

    def kill(self):
        pass

    def wait(self):
        pass


# -- the report ----------------------------------------------------------------------------------


def _lookup(report: dict, key: str) -> float | None:
    node: Any = report
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return _finite(node) if isinstance(node, (int, float)) else None


def _judge(report: dict) -> list[dict]:
    rows = []
    for t in TARGETS:
        v = _lookup(report, t.key)
        row: dict[str, Any] = {"key": t.key, "label": t.label, "goal": t.goal,
                               "at_least": t.at_least, "value": v}
        if v is None:
            row.update(status="NOT MEASURED", by=None)
        elif t.at_least:
            met = v >= t.goal
            row.update(status="MET" if met else "MISSED",
                       by=None if met else f"{t.goal / v:.2f}x short" if v > 0 else "no speed-up")
        else:
            met = v <= t.goal
            if met:
                row.update(status="MET", by=None)
            elif t.unit == "%":
                row.update(status="MISSED", by=f"{100 * (v - t.goal):.1f} points over")
            else:
                row.update(status="MISSED", by=f"{v / t.goal:.2f}x over")
        rows.append(row)
    return rows


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "n/a"
    if unit == "%":
        return f"{100 * v:.1f}%"
    if unit == "":
        return f"{v:.1e}"
    return f"{v:.2f}x"


def format_report(report: dict) -> str:
    """The table of figures against targets, as printed by :func:`run_benchmarks`."""
    units = {t.key: t.unit for t in TARGETS}
    w = max(len(t.label) for t in TARGETS)
    lines = [f"{'figure':<{w}}  {'value':>9}  {'target':>9}  status",
             f"{'-' * w}  {'-' * 9}  {'-' * 9}  {'-' * 24}"]
    for row in report["targets"]:
        u = units[row["key"]]
        goal = ("≥ " if row["at_least"] else "≤ ") + _fmt(row["goal"], u)
        status = row["status"] + (f" ({row['by']})" if row.get("by") else "")
        lines.append(f"{row['label']:<{w}}  {_fmt(row['value'], u):>9}  {goal:>9}  {status}")
    m = report["machine"]
    lines.append(f"[{m['cpu_count']} CPUs, {m['torch_threads']} torch threads, load "
                 f"{m['load_average_1_5_15'][0]} before / "
                 f"{report['machine_after']['load_average_1_5_15'][0]} after; "
                 f"{report['seconds']:.0f} s{'; QUICK sizes' if report['quick'] else ''}]")
    return "\n".join(lines)


def run_benchmarks(preset: str = "default", *, root: str | os.PathLike[str] | None = None,
                   quick: bool = False, out: str | os.PathLike[str] | None = None,
                   log: Log = print, device: str = "cpu") -> dict:
    """Run every benchmark, print the table, and write the JSON report.

    Args:
        preset: the preset whose model and data are measured (``default`` on a CPU).
        root: the data root (``$ADL_DATA_ROOT`` or ``./data`` when None); synthetic clips are
            used when the preset's corpus is not there.
        quick: toy sizes (a few seconds a section), for tests; not figures to quote.
        out: where to write the JSON report (atomically); None writes nothing.
        log: where progress lines and the table go.
        device: the training device of the data-path and training sections.

    Returns:
        The report: ``machine``, ``frontend``, ``data_path``, ``decoding``, ``evaluation``,
        ``training``, ``targets`` (one row per target with ``value``, ``goal``, ``status`` MET /
        MISSED and ``by`` how much), ``seconds``.
    """
    started = time.perf_counter()
    cfg = load_preset(preset)
    dev = torch.device(device)
    report: dict[str, Any] = {"preset": preset, "quick": quick, "machine": _machine()}
    if quick:
        sizes = dict(fe_clips=2, fe_seconds=2.0, fe_repeats=2, batch=4, rounds=2, loader_steps=2,
                     workers=(0, 2), dec_clips=4, dec_len=8, dec_repeats=1, eval_n=8,
                     eval_metrics=("bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider_d"),
                     eval_repeats=1, n_refs=8)
    else:
        sizes = dict(fe_clips=16, fe_seconds=10.0, fe_repeats=5, batch=cfg.training.batch_size,
                     rounds=3, loader_steps=3, workers=(0, 2), dec_clips=32, dec_len=30,
                     dec_repeats=1, eval_n=200,
                     eval_metrics=("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l",
                                   "cider_d"),
                     eval_repeats=2, n_refs=64)
    n_clips = sizes["batch"] * (sizes["rounds"] + 1)
    data = _load_data(cfg, root, max(n_clips, sizes["dec_clips"]), sizes["n_refs"], quick=quick,
                      log=log)
    log(f"bench: preset {preset}, {len(data.clips)} clips and {len(data.references)} references "
        f"from {data.source}{' (quick sizes)' if quick else ''}")
    # The front end sees 10 s clips: real clips tiled to length, so that the batch is regular.
    n_fe = int(sizes["fe_seconds"] * cfg.data.sr)
    fe_clips = [_tile(data.clips[i % len(data.clips)], n_fe) for i in range(sizes["fe_clips"])]
    report["frontend"] = bench_frontend(fe_clips, cfg.data.sr, repeats=sizes["fe_repeats"],
                                        log=log)
    tok = _tokenizer(cfg, data)
    report["data_path"], report["training"] = bench_training(
        cfg, data, tok, batch_size=sizes["batch"], rounds=sizes["rounds"],
        loader_steps=sizes["loader_steps"], workers=sizes["workers"], device=dev, log=log)
    report["decoding"] = bench_decoding(cfg, data, tok, n_clips=sizes["dec_clips"],
                                        max_length=sizes["dec_len"],
                                        repeats=sizes["dec_repeats"], device=dev, log=log)
    report["evaluation"] = bench_evaluation(data, n=sizes["eval_n"],
                                            metrics=sizes["eval_metrics"],
                                            repeats=sizes["eval_repeats"], log=log)
    report["machine_after"] = _machine()
    report["seconds"] = time.perf_counter() - started
    report["targets"] = _judge(report)
    log(format_report(report))
    if out is not None:
        write_json(out, _jsonable(report))
    return report


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, (np.floating, np.integer)):
        return _jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    return obj
