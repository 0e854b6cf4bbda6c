"""``evaluate``: all caption metrics in one call, computed as pycocoevalcap 1.2 computes them.

How it matches pycocoevalcap:

- All captions (candidates and references together) go through the Stanford PTB tokenizer jar
  that pycocoevalcap ships, with its options (``-preserveLines -lowerCase``) and its punctuation
  list, in ONE Java call. Then pycocoevalcap's own ``Bleu(4)``, ``Rouge`` and ``Cider`` classes
  score the tokens, and METEOR runs pycocoevalcap's ``meteor-1.5.jar`` with its exact options
  and its SCORE/EVAL protocol, through ONE Java process for all candidates.
- pycocoevalcap's ``Cider`` *is* CIDEr-D (read ``pycocoevalcap/cider/cider_scorer.py``): it clips
  the candidate's tf-idf weights by the reference's (``min(vec_hyp, vec_ref) * vec_ref``), applies
  the Gaussian length penalty ``exp(-delta**2 / (2 * sigma**2))`` with ``sigma = 6``, averages
  over n = 1..4 and multiplies by 10. Its document frequencies come from the references of the
  corpus being scored, so CIDEr-D depends on the whole corpus, not only on one candidate.
- BLEU and METEOR corpus scores are corpus-level statistics, not the mean of the per-sentence
  scores; ROUGE-L, CIDEr-D, SPICE, SPIDEr and SPIDEr-FL corpus scores are means.

Where we differ from calling pycocoevalcap by hand, and why:

- The Java binary is a parameter (pycocoevalcap hard-codes ``java``), a missing one is a clear
  :class:`JavaNotFoundError`, and temporary files go to the system temp folder, not into
  site-packages.
- Every caption has all of its whitespace (``\\n``, ``\\r``, tabs, ``\\x0b``, ``\\x0c``, ``\\x85``,
  ``\\u2028``, ...) collapsed to single spaces first. pycocoevalcap only replaces ``\\n``; the PTB
  tokenizer treats the others as line breaks, which silently shifts every later caption onto
  the wrong references.
- SPICE, SPIDEr and SPIDEr-FL need files this machine may not have (the Stanford CoreNLP 3.6.0
  jars, the FENSE ``echecker`` checkpoint). They are then *unavailable*: absent from the scores,
  listed in ``corpus_scores.unavailable`` with the reason and the one command that installs what
  is missing. They are never reported as 0.

Notebook: 04_evaluation
"""

from __future__ import annotations

import difflib
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from adl.errors import ADLError
from adl.metrics.errors import MetricUnavailableWarning, UnknownMetricError
from adl.metrics.fluency import (
    ECHECKER_URL,
    FluencyDetector,
    default_echecker_path,
    load_echecker,
    spider_fl_from_scores,
)
from adl.metrics.meteor import _meteor, _shared_meteor
from adl.metrics.ptb import find_java, ptb_tokenize, sanitize_caption
from adl.metrics.spice import _spice, download_spice_models, spice_missing_reason

METRICS: tuple[str, ...] = (
    "bleu_1",
    "bleu_2",
    "bleu_3",
    "bleu_4",
    "meteor",
    "rouge_l",
    "cider_d",
    "spice",
    "spider",
    "spider_fl",
)


class CorpusScores(dict):
    """Corpus scores (``dict[str, float]``) plus the metrics that could not be computed.

    Attributes:
        unavailable: metric name -> one-line reason, with the command that installs what is
            missing. An unavailable metric is never a key of the dict itself.
    """

    def __init__(self, *args: Any, unavailable: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unavailable: dict[str, str] = dict(unavailable or {})

    def to_json(self) -> dict[str, dict[str, Any]]:
        """Returns ``{"scores": {...}, "unavailable": {...}}``, ready for ``metrics.json``."""
        return {"scores": {k: float(v) for k, v in self.items()}, "unavailable": dict(self.unavailable)}

    def __repr__(self) -> str:
        return f"CorpusScores({dict.__repr__(self)}, unavailable={self.unavailable!r})"


def check_metrics(metrics: Iterable[str] | str | None) -> list[str]:
    """Checks metric names and returns them as a list, in the given order without duplicates.

    The one place where metric names are validated: :func:`evaluate` calls it, and so should
    anything that wants to fail on a bad name before slow work (decoding, training) runs.

    Args:
        metrics: names from :data:`METRICS`, one name, or None for all of :data:`METRICS`.

    Returns:
        The names, first occurrence kept.

    Raises:
        UnknownMetricError: a name is not in :data:`METRICS` (the message names it, the nearest
            valid name and all valid names).
    """
    if metrics is None:
        return list(METRICS)
    if isinstance(metrics, str):
        metrics = [metrics]
    wanted: list[str] = []
    for name in metrics:
        if name not in METRICS:
            close = difflib.get_close_matches(str(name), METRICS, n=1, cutoff=0.0)
            raise UnknownMetricError(
                f"unknown metric {name!r}: did you mean {close[0]!r}? (valid: {', '.join(METRICS)})"
            )
        if name not in wanted:
            wanted.append(name)
    return wanted


def _check_inputs(candidates: Sequence[str], mult_references: Sequence[Sequence[str]]) -> None:
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise ADLError(f"candidates must be a list of strings, got {type(candidates).__name__}")
    if len(candidates) != len(mult_references):
        raise ADLError(
            f"candidates and mult_references differ in length: {len(candidates)} != {len(mult_references)}"
        )
    if len(candidates) == 0:
        raise ADLError("candidates is empty: there is nothing to evaluate")
    for i, (cand, refs) in enumerate(zip(candidates, mult_references)):
        if not isinstance(cand, str):
            raise ADLError(f"candidates[{i}] must be a string, got {type(cand).__name__}")
        if isinstance(refs, str) or len(refs) == 0:
            raise ADLError(f"mult_references[{i}] must be a non-empty list of strings")
        for j, ref in enumerate(refs):
            if not isinstance(ref, str):
                raise ADLError(f"mult_references[{i}][{j}] must be a string, got {type(ref).__name__}")


def evaluate(
    candidates: Sequence[str],
    mult_references: Sequence[Sequence[str]],
    metrics: Iterable[str] | str | None = None,
    *,
    java: str = "java",
    java_max_memory: str = "2G",
    spice_cache: str | os.PathLike | None = None,
    spice_timeout: float | None = None,
    allow_download: bool = False,
    echecker_path: str | os.PathLike | None = None,
    fluency_detector: FluencyDetector | None = None,
) -> tuple[CorpusScores, dict[str, list[float]]]:
    """Scores candidate captions against their references, as the coco-caption toolkit does.

    One Java call tokenizes every caption; the process's METEOR JVM scores all candidates (if
    METEOR is asked for; started by the first call and reused by the next); one SPICE JVM scores
    them likewise (if SPICE, SPIDEr or SPIDEr-FL is asked for and its jars are present). BLEU,
    ROUGE-L and CIDEr-D run in Python.

    Args:
        candidates: N candidate captions.
        mult_references: N lists of reference captions (any number >= 1 each).
        metrics: names from :data:`METRICS` (see :func:`check_metrics`); None means all.
        java: the Java executable (Java 17 works; so do 8 and 11).
        java_max_memory: ``-Xmx`` of the METEOR and SPICE JVMs.
        spice_cache: folder for SPICE's parse cache; None runs SPICE without a cache.
        spice_timeout: seconds before the SPICE JVM is killed; None waits.
        allow_download: if SPICE's CoreNLP jars are missing, try pycocoevalcap's download
            (fails within about 30 s when offline).
        echecker_path: the FENSE echecker checkpoint for SPIDEr-FL; None means
            :func:`default_echecker_path`.
        fluency_detector: a function giving each candidate's probability of a fluency error;
            overrides the echecker (for tests, or another detector).

    Returns:
        ``(corpus_scores, sents_scores)``: a :class:`CorpusScores` (``dict[str, float]`` with
        ``.unavailable``: metric -> reason) and ``dict[str, list[float]]`` with N scores per
        metric, in input order. Only computed metrics are keys of either dict.

    Raises:
        UnknownMetricError: a name is not in :data:`METRICS`.
        JavaNotFoundError: Java cannot be run.
        MetricError: a Java scorer failed.
        ADLError: malformed inputs (lengths differ, no candidates, no references).

    Notebook: 04_evaluation
    """
    wanted = check_metrics(metrics)
    _check_inputs(candidates, mult_references)
    java_path = find_java(java)
    wanted_set = set(wanted)
    # The process's METEOR JVM (started by the first call, which then loads its resources while
    # the tokenizer runs) scores in a thread (it waits on a pipe) while BLEU, ROUGE-L and CIDEr-D
    # run here.
    meteor_jvm = _shared_meteor(java_path, java_max_memory) if "meteor" in wanted else None
    cands_tok, refs_tok = _tokenize(candidates, mult_references, java_path)
    meteor = (None if meteor_jvm is None else
              _MeteorThread(cands_tok, refs_tok, java_path, java_max_memory, meteor_jvm))
    corpus: dict[str, float] = {}
    sents: dict[str, list[float]] = {}
    unavailable: dict[str, str] = {}
    _coco_metrics(cands_tok, refs_tok, wanted_set, corpus, sents)
    if meteor is not None:
        corpus["meteor"], sents["meteor"] = meteor.result()
    if wanted_set & {"spice", "spider", "spider_fl"}:
        reason = spice_missing_reason()
        if reason is not None and allow_download:
            reason = download_spice_models()
        if reason is not None:
            unavailable["spice"] = reason
        else:
            corpus["spice"], sents["spice"] = _spice(
                cands_tok, refs_tok, java_path=java_path, java_max_memory=java_max_memory,
                cache_dir=spice_cache, timeout=spice_timeout)
    if wanted_set & {"spider", "spider_fl"}:
        _spider(corpus, sents, unavailable)
    if "spider_fl" in wanted_set:
        _spider_fl(candidates, corpus, sents, unavailable, echecker_path, fluency_detector)
    return _wanted_scores(wanted, corpus, sents, unavailable)


def _wanted_scores(wanted: list[str], corpus: dict[str, float], sents: dict[str, list[float]],
                   unavailable: dict[str, str],
                   ) -> tuple[CorpusScores, dict[str, list[float]]]:
    """The asked-for metrics in the asked order, warning once about those not computed."""
    wanted_unavailable = {m: unavailable[m] for m in wanted if m in unavailable}
    if wanted_unavailable:
        warnings.warn(
            f"metrics not computed: {', '.join(wanted_unavailable)} "
            f"(reasons in corpus_scores.unavailable); {next(iter(wanted_unavailable.values()))}",
            MetricUnavailableWarning,
            stacklevel=3,
        )
    corpus_scores = CorpusScores(
        {m: corpus[m] for m in wanted if m in corpus}, unavailable=wanted_unavailable
    )
    sents_scores = {m: sents[m] for m in wanted if m in sents}
    return corpus_scores, sents_scores


def _spider(corpus: dict[str, float], sents: dict[str, list[float]],
            unavailable: dict[str, str]) -> None:
    """SPIDEr, the mean of CIDEr-D and SPICE, or why it is unavailable."""
    if "spice" in corpus:
        corpus["spider"] = (corpus["cider_d"] + corpus["spice"]) / 2.0
        sents["spider"] = [(c + s) / 2.0 for c, s in zip(sents["cider_d"], sents["spice"])]
    else:
        unavailable["spider"] = f"needs SPICE, which is unavailable: {unavailable['spice']}"


def _tokenize(candidates: Sequence[str], mult_references: Sequence[Sequence[str]],
              java_path: str) -> tuple[list[str], list[list[str]]]:
    """Every caption through the PTB tokenizer in ONE Java call: ``(candidates' tokens, each
    clip's references' tokens)``, as space-joined strings."""
    n = len(candidates)
    flat = list(candidates) + [r for refs in mult_references for r in refs]
    tokens = ptb_tokenize(flat, java=java_path)
    refs_tok: list[list[str]] = []
    pos = n
    for refs in mult_references:
        refs_tok.append(tokens[pos : pos + len(refs)])
        pos += len(refs)
    return tokens[:n], refs_tok


class _MeteorThread:
    """METEOR scored by the process's METEOR JVM in a thread; :meth:`result` joins it and
    re-raises its error in the calling thread."""

    def __init__(self, cands_tok: list[str], refs_tok: list[list[str]], java_path: str,
                 java_max_memory: str, jvm: Any) -> None:
        self._out: dict[str, Any] = {}

        def score() -> None:
            try:
                self._out["value"] = _meteor(cands_tok, refs_tok, java_path=java_path,
                                             java_max_memory=java_max_memory, started=jvm)
            except BaseException as exc:  # re-raised in the calling thread
                self._out["error"] = exc

        self._thread = threading.Thread(target=score, name="adl-meteor", daemon=True)
        self._thread.start()

    def result(self) -> tuple[float, list[float]]:
        self._thread.join()
        if "error" in self._out:
            raise self._out["error"]
        return self._out["value"]


def _coco_metrics(cands_tok: list[str], refs_tok: list[list[str]], wanted: set[str],
                  corpus: dict[str, float], sents: dict[str, list[float]]) -> None:
    """BLEU-1..4, ROUGE-L and CIDEr-D (also for SPIDEr) by pycocoevalcap's own classes, into
    ``corpus`` and ``sents``."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    res = {i: [c] for i, c in enumerate(cands_tok)}
    gts = dict(enumerate(refs_tok))
    if wanted & {"bleu_1", "bleu_2", "bleu_3", "bleu_4"}:
        bleu_corpus, bleu_sents = Bleu(4).compute_score(gts, res, verbose=0)
        for k in range(4):
            corpus[f"bleu_{k + 1}"] = float(bleu_corpus[k])
            sents[f"bleu_{k + 1}"] = [float(x) for x in bleu_sents[k]]
    if "rouge_l" in wanted:
        score, scores = Rouge().compute_score(gts, res)
        corpus["rouge_l"], sents["rouge_l"] = float(score), [float(x) for x in scores]
    if wanted & {"cider_d", "spider", "spider_fl"}:
        score, scores = Cider().compute_score(gts, res)
        corpus["cider_d"], sents["cider_d"] = float(score), [float(x) for x in scores]


def _spider_fl(candidates: Sequence[str], corpus: dict[str, float],
               sents: dict[str, list[float]], unavailable: dict[str, str],
               echecker_path: str | os.PathLike | None,
               fluency_detector: FluencyDetector | None) -> None:
    """SPIDEr-FL from SPIDEr and the fluency-error detector, into ``corpus`` and ``sents``, or
    the reason it is unavailable into ``unavailable``."""
    detector, echecker_reason = fluency_detector, None
    if detector is None:
        ckpt = Path(echecker_path) if echecker_path is not None else default_echecker_path()
        if not ckpt.is_file():
            echecker_reason = (
                f"the FENSE fluency-error checkpoint {ckpt} is missing; install with: "
                f"mkdir -p {ckpt.parent} && curl -L -o {ckpt} {ECHECKER_URL}"
            )
        elif "spider" in corpus:  # load the model only when it will be used
            try:
                detector = load_echecker(ckpt)
            except ADLError as exc:
                echecker_reason = str(exc)
    reasons = []
    if "spider" not in corpus:
        reasons.append(f"needs SPICE, which is unavailable: {unavailable['spice']}")
    if echecker_reason is not None:
        reasons.append(f"needs the fluency-error detector: {echecker_reason}")
    if reasons:
        unavailable["spider_fl"] = " AND ".join(reasons)
    else:
        assert detector is not None
        probs = list(detector([sanitize_caption(c) for c in candidates]))
        corpus["spider_fl"], sents["spider_fl"] = spider_fl_from_scores(sents["spider"], probs)
