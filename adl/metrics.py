"""Caption metrics, computed exactly as the coco-caption toolkit (pycocoevalcap 1.2) computes them.

``evaluate(candidates, mult_references)`` returns ``(corpus_scores, sents_scores)`` for

- ``bleu_1`` .. ``bleu_4``: BLEU, Papineni et al. 2002, https://aclanthology.org/P02-1040/
- ``meteor``: METEOR 1.5, Banerjee & Lavie 2005 (https://aclanthology.org/W05-0909/) and
  Denkowski & Lavie 2014 (https://aclanthology.org/W14-3348/)
- ``rouge_l``: ROUGE-L, Lin 2004, https://aclanthology.org/W04-1013/
- ``cider_d``: CIDEr-D, Vedantam et al. 2015, https://arxiv.org/abs/1411.5726
- ``spice``: SPICE, Anderson et al. 2016, https://arxiv.org/abs/1607.08822
- ``spider``: SPIDEr = (CIDEr-D + SPICE) / 2, Liu et al. 2017, https://arxiv.org/abs/1612.00370
- ``spider_fl``: SPIDEr-FL, the DCASE2023 task 6a metric: SPIDEr times 0.1 for each candidate
  that the FENSE fluency-error detector (Zhou et al. 2022, https://arxiv.org/abs/2110.04684)
  flags with probability > 0.9.

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
import json
import math
import os
import re
import shutil
import socket
import subprocess
import threading
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from adl.errors import ADLError

__all__ = [
    "METRICS",
    "CorpusScores",
    "FluencyDetector",
    "JavaNotFoundError",
    "MetricError",
    "MetricUnavailableWarning",
    "UnknownMetricError",
    "default_echecker_path",
    "download_spice_models",
    "evaluate",
    "load_echecker",
    "ptb_tokenize",
    "sanitize_caption",
    "spice_missing_reason",
    "spider_fl_from_scores",
]

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

JAVA_INSTALL_HINT = (
    "install Java 17 (`apt-get install openjdk-17-jre-headless`, or "
    "`conda install -c conda-forge openjdk=17`) or pass java=/path/to/java"
)
SPICE_INSTALL_COMMAND = (
    'python -c "from pycocoevalcap.spice.get_stanford_models import get_stanford_models; '
    'get_stanford_models()"'
)
ECHECKER_URL = (
    "https://github.com/blmoistawinde/fense/releases/download/V0.1/"
    "echecker_clotho_audiocaps_base.ckpt"
)
ECHECKER_FNAME = "echecker_clotho_audiocaps_base.ckpt"

# Java >= 16 refuses the reflection that SPICE's cache serializer (FST 2.47) does on JDK classes
# ("module java.base does not opens java.lang", felixgontier/dcase-2023-baseline#3,
# Labbeti/aac-metrics#1, whose advice is to downgrade to Java 8 or 11). These are the packages
# FST's default configuration touches, found by running fst-2.47.jar on Java 17 and adding one
# package per InaccessibleObjectException until it round-trips. They travel in JDK_JAVA_OPTIONS,
# which only the Java >= 9 launcher reads, so Java 8 (which rejects --add-opens) is unaffected.
SPICE_JAVA_OPENS: tuple[str, ...] = (
    "java.base/java.lang",
    "java.base/java.math",
    "java.base/java.util",
    "java.base/java.util.concurrent",
    "java.base/java.net",
    "java.base/java.text",
)

# The fluency-error detector's decision rule and SPIDEr-FL's penalty (DCASE2023 task 6a,
# as in aac-metrics' spider_fl: spider * (1 - 0.9 * error)).
FLUENCY_ERROR_THRESHOLD = 0.9
FLUENCY_PENALTY = 0.9

FluencyDetector = Callable[[list[str]], Sequence[float]]
"""Maps candidates to their probability of holding a fluency error, one float per candidate."""


class JavaNotFoundError(ADLError):
    """The Java executable that the coco-caption metrics need cannot be run."""


class MetricError(ADLError):
    """A metric's external program failed or answered something unexpected."""


class UnknownMetricError(ADLError, ValueError):
    """A requested metric name is not one of :data:`METRICS`."""


class MetricUnavailableWarning(UserWarning):
    """A requested metric cannot be computed on this machine (its reason is in ``unavailable``)."""


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

    def write_json(self, path: str | os.PathLike) -> Path:
        """Writes :meth:`to_json` to ``path`` (indented) and returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"CorpusScores({dict.__repr__(self)}, unavailable={self.unavailable!r})"


# ---------------------------------------------------------------------------------------------
# Input checks and Java
# ---------------------------------------------------------------------------------------------


def _resolve_metrics(metrics: Iterable[str] | None) -> list[str]:
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


def _find_java(java: str) -> str:
    """Returns the full path of the Java executable ``java``, or raises JavaNotFoundError.

    Looks the binary up on PATH (no JVM is started for this check).
    """
    found = shutil.which(str(java))
    if found is None:
        raise JavaNotFoundError(f"Java executable {str(java)!r} not found: {JAVA_INSTALL_HINT}")
    return found


def _popen(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    try:
        return subprocess.Popen(cmd, **kwargs)
    except (FileNotFoundError, PermissionError) as err:
        raise JavaNotFoundError(f"cannot run Java {cmd[0]!r} ({err.strerror}): {JAVA_INSTALL_HINT}") from err


def _pycocoevalcap_dir() -> Path:
    import pycocoevalcap

    return Path(list(pycocoevalcap.__path__)[0])


# ---------------------------------------------------------------------------------------------
# Tokenization (pycocoevalcap.tokenizer.ptbtokenizer, one JVM for all captions)
# ---------------------------------------------------------------------------------------------


def sanitize_caption(text: str) -> str:
    """Collapses every run of whitespace (``\\n``, ``\\r``, tabs, ``\\u2028``, ...) to one space.

    The PTB tokenizer reads one caption per line and treats ``\\r``, ``\\x0b``, ``\\x0c``,
    ``\\x85``, ``\\u2028`` and ``\\u2029`` as line breaks too, so any of them inside a caption
    would shift all later captions onto the wrong references. ``str.split()`` splits on all of
    them.

    Args:
        text: a caption.

    Returns:
        The caption with single spaces and no leading or trailing whitespace.

    Notebook: 04_evaluation
    """
    return " ".join(text.split())


def ptb_tokenize(sentences: Sequence[str], *, java: str = "java") -> list[str]:
    """Tokenizes captions exactly as pycocoevalcap's ``PTBTokenizer``, in one Java call.

    Runs ``edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase`` from the
    ``stanford-corenlp-3.4.1.jar`` that pycocoevalcap ships, then drops pycocoevalcap's
    punctuation tokens. Captions are first passed through :func:`sanitize_caption`.

    Args:
        sentences: N captions.
        java: the Java executable.

    Returns:
        N lower-cased, space-separated token strings, in input order ("" for an empty caption).

    Raises:
        JavaNotFoundError: Java cannot be run.
        MetricError: the tokenizer failed or returned the wrong number of lines.

    Notebook: 04_evaluation
    """
    from pycocoevalcap.tokenizer.ptbtokenizer import PUNCTUATIONS, STANFORD_CORENLP_3_4_1_JAR

    java_path = _find_java(java)
    jar = _pycocoevalcap_dir() / "tokenizer" / STANFORD_CORENLP_3_4_1_JAR
    clean = [sanitize_caption(s) for s in sentences]
    if not clean:
        return []
    with tempfile.TemporaryDirectory(prefix="adl_ptb_") as tmp:
        in_path = Path(tmp) / "captions.txt"
        in_path.write_bytes("\n".join(clean).encode("utf-8"))
        cmd = [java_path, "-cp", str(jar), "edu.stanford.nlp.process.PTBTokenizer",
               "-preserveLines", "-lowerCase", str(in_path)]  # fmt: skip
        proc = _popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise MetricError(
            f"PTB tokenizer failed (exit {proc.returncode}): {err.decode(errors='replace').strip()[-500:]}"
        )
    lines = out.decode("utf-8").split("\n")
    # The tokenizer may omit a trailing empty line when the last captions are empty.
    while len(lines) < len(clean) and clean[len(lines)] == "":
        lines.append("")
    if len(lines) < len(clean) or any(line.strip() for line in lines[len(clean):]):
        raise MetricError(
            f"PTB tokenizer returned {len(lines)} lines for {len(clean)} captions: alignment lost"
        )
    punct = set(PUNCTUATIONS)
    return [" ".join(w for w in line.rstrip().split(" ") if w not in punct) for line in lines[: len(clean)]]


# ---------------------------------------------------------------------------------------------
# METEOR (pycocoevalcap.meteor.meteor, one JVM for all candidates)
# ---------------------------------------------------------------------------------------------


def _start_meteor(java_path: str, java_max_memory: str) -> tuple[subprocess.Popen, Any]:
    """Start pycocoevalcap's METEOR JVM (``-jar meteor-1.5.jar - - -stdio -l en -norm``).

    Started before tokenization, so that the JVM's start-up overlaps it. Returns the process
    and the temporary file that collects its stderr.
    """
    from pycocoevalcap.meteor.meteor import METEOR_JAR

    meteor_dir = _pycocoevalcap_dir() / "meteor"
    cmd = [java_path, "-jar", f"-Xmx{java_max_memory}", str(meteor_dir / METEOR_JAR),
           "-", "-", "-stdio", "-l", "en", "-norm"]  # fmt: skip
    err_file = tempfile.TemporaryFile()
    try:
        proc = _popen(cmd, cwd=meteor_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_file)
    except BaseException:
        err_file.close()
        raise
    return proc, err_file


def _stop(proc: subprocess.Popen, err_file: Any) -> None:
    try:
        if proc.poll() is None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                proc.kill()
                proc.wait()
    finally:
        err_file.close()


def _meteor(
    cands: list[str], mult_refs: list[list[str]], *, java_path: str, java_max_memory: str,
    started: tuple[subprocess.Popen, Any] | None = None,
) -> tuple[float, list[float]]:
    """METEOR 1.5 (Denkowski & Lavie 2014) through pycocoevalcap's jar and protocol.

    Same command as pycocoevalcap, one SCORE line per candidate, then one EVAL line whose answer
    holds the N sentence scores and the corpus score. ``|||`` is the protocol's separator: it is
    removed from the candidate (as pycocoevalcap does) and from the references (pycocoevalcap
    does not, and would then read one reference as two). ``started``: a JVM from
    :func:`_start_meteor` (stopped here); None starts one.
    """
    proc, err_file = started if started is not None else _start_meteor(java_path, java_max_memory)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        stats = []
        for cand, refs in zip(cands, mult_refs):
            hyp = cand.replace("|||", "").replace("  ", " ")
            refs_clean = [r.replace("|||", "") for r in refs]
            proc.stdin.write(f"SCORE ||| {' ||| '.join(refs_clean)} ||| {hyp}\n".encode())
            proc.stdin.flush()
            stats.append(proc.stdout.readline().decode().strip())
        proc.stdin.write(("EVAL ||| " + " ||| ".join(stats) + "\n").encode())
        proc.stdin.flush()
        sents = [float(proc.stdout.readline().strip()) for _ in cands]
        corpus = float(proc.stdout.readline().strip())
    except (ValueError, BrokenPipeError, OSError) as exc:
        proc.kill()
        proc.wait()
        err_file.seek(0)
        msg = err_file.read().decode(errors="replace").strip()[-500:]
        raise MetricError(f"METEOR failed ({exc}): {msg}") from exc
    finally:
        _stop(proc, err_file)
    return corpus, sents


# ---------------------------------------------------------------------------------------------
# SPICE (pycocoevalcap.spice, run here with Java-17-compatible options)
# ---------------------------------------------------------------------------------------------


def _spice_dir() -> Path:
    return _pycocoevalcap_dir() / "spice"


def spice_missing_reason() -> str | None:
    """Says why SPICE cannot run here, or returns None when its files are all present.

    Checks files only: unlike ``pycocoevalcap.spice.spice.Spice()``, it never starts a download.

    Returns:
        A one-line reason naming the missing files and the command that installs them, or None.

    Notebook: 04_evaluation
    """
    spice_dir = _spice_dir()
    needed = [
        spice_dir / "spice-1.0.jar",
        spice_dir / "lib" / "stanford-corenlp-3.6.0.jar",
        spice_dir / "lib" / "stanford-corenlp-3.6.0-models.jar",
    ]
    missing = [p.name for p in needed if not p.is_file()]
    if not missing:
        return None
    return (
        f"SPICE needs {', '.join(missing)} in {spice_dir / 'lib'} (Stanford CoreNLP 3.6.0, "
        f"about 400 MB, needs internet); install with: {SPICE_INSTALL_COMMAND}"
    )


def download_spice_models(*, timeout: float = 30.0) -> str | None:
    """Tries pycocoevalcap's CoreNLP download for SPICE, giving up after about ``timeout`` s.

    Runs ``get_stanford_models()`` in a daemon thread with a socket timeout, so that an offline
    machine fails within ``timeout`` seconds instead of hanging.

    Args:
        timeout: seconds to wait for the network.

    Returns:
        None when the jars are present afterwards, else the reason they are not.

    Notebook: 04_evaluation
    """
    if spice_missing_reason() is None:
        return None
    from pycocoevalcap.spice.get_stanford_models import get_stanford_models

    errors: list[BaseException] = []

    def _run() -> None:
        try:
            get_stanford_models()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            errors.append(exc)

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        worker = threading.Thread(target=_run, daemon=True)
        worker.start()
        # An offline machine fails fast; a stalled transfer hits the socket timeout and raises.
        # A transfer that keeps receiving bytes (about 400 MB) is waited for.
        while worker.is_alive():
            worker.join(timeout=timeout)
    finally:
        socket.setdefaulttimeout(previous)
    reason = spice_missing_reason()
    if reason is None:
        return None
    detail = f"download failed: {errors[0]!r}" if errors else "download did not finish"
    return f"{detail}; {reason}"


def _spice(
    cands: list[str],
    mult_refs: list[list[str]],
    *,
    java_path: str,
    java_max_memory: str,
    cache_dir: str | os.PathLike | None,
    timeout: float | None,
) -> tuple[float, list[float]]:
    """SPICE (Anderson et al. 2016) with pycocoevalcap's ``spice-1.0.jar``, one JVM.

    Same input JSON, options (``-subset -silent``) and output parsing (``scores.All.f``; a
    missing value becomes NaN) as ``pycocoevalcap.spice.spice.Spice``, with ``-Xmx`` set by the
    caller (pycocoevalcap uses 8G) and the ``--add-opens`` of :data:`SPICE_JAVA_OPENS` in
    ``JDK_JAVA_OPTIONS`` so that its cache works on Java 17.
    """
    jar = _spice_dir() / "spice-1.0.jar"
    env = dict(os.environ)
    opens = " ".join(f"--add-opens={p}=ALL-UNNAMED" for p in SPICE_JAVA_OPENS)
    env["JDK_JAVA_OPTIONS"] = (env.get("JDK_JAVA_OPTIONS", "") + " " + opens).strip()
    with tempfile.TemporaryDirectory(prefix="adl_spice_") as tmp:
        in_path, out_path = Path(tmp) / "in.json", Path(tmp) / "out.json"
        data = [{"image_id": i, "test": c, "refs": list(r)} for i, (c, r) in enumerate(zip(cands, mult_refs))]
        in_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        cmd = [java_path, "-jar", f"-Xmx{java_max_memory}", str(jar), str(in_path)]
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            cmd += ["-cache", str(cache_dir)]
        cmd += ["-out", str(out_path), "-subset", "-silent"]
        proc = _popen(cmd, cwd=_spice_dir(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.communicate()
            raise MetricError(f"SPICE did not finish within {timeout} s") from exc
        if proc.returncode != 0 or not out_path.is_file():
            raise MetricError(
                f"SPICE failed (exit {proc.returncode}): {err.decode(errors='replace').strip()[-800:]}"
            )
        results = json.loads(out_path.read_text(encoding="utf-8"))
    by_id = {item["image_id"]: item["scores"]["All"]["f"] for item in results}

    def _float(value: Any) -> float:
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    sents = [_float(by_id.get(i)) for i in range(len(cands))]
    return float(np.mean(np.array(sents))), sents


# ---------------------------------------------------------------------------------------------
# SPIDEr-FL (fluency-error detector, pluggable)
# ---------------------------------------------------------------------------------------------


def default_echecker_path() -> Path:
    """Where FENSE and aac-metrics keep the echecker checkpoint.

    ``$FENSE_DATA/echecker_clotho_audiocaps_base.ckpt``, else ``<torch hub dir>/fense_data/...``
    (torch's hub dir: ``$TORCH_HOME/hub``, else ``$XDG_CACHE_HOME/torch/hub``, else
    ``~/.cache/torch/hub``), computed without importing torch.
    """
    if "FENSE_DATA" in os.environ:
        return Path(os.environ["FENSE_DATA"]).expanduser() / ECHECKER_FNAME
    torch_home = os.environ.get(
        "TORCH_HOME", os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    )
    return Path(torch_home).expanduser() / "hub" / "fense_data" / ECHECKER_FNAME


def load_echecker(
    path: str | os.PathLike, *, device: str = "cpu", batch_size: int = 32
) -> FluencyDetector:
    """Loads the FENSE ``echecker`` checkpoint as a :data:`FluencyDetector`.

    The checkpoint holds ``model_type`` (a Hugging Face encoder name), ``num_classes`` and a
    ``state_dict`` for a BERT encoder plus a linear head on the first token; the last of its six
    sigmoid outputs is the probability of any fluency error. The encoder's config and tokenizer
    come from the Hugging Face cache (``model_type``); the weights from the checkpoint.

    Args:
        path: the ``.ckpt`` file.
        device: torch device.
        batch_size: candidates per forward pass.

    Returns:
        A function mapping candidates to their error probabilities.

    Raises:
        ADLError: the checkpoint or the encoder's config/tokenizer cannot be loaded.
    """
    import torch
    from torch import nn
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    try:
        states = torch.load(Path(path), map_location="cpu", weights_only=True)
        model_type, num_classes = str(states["model_type"]), int(states["num_classes"])
        config = AutoConfig.from_pretrained(model_type)
        tokenizer = AutoTokenizer.from_pretrained(model_type)
    except Exception as exc:  # noqa: BLE001 - any failure means "unavailable", with its reason
        raise ADLError(f"cannot load echecker {str(path)!r}: {exc!r}".splitlines()[0]) from exc

    class _EChecker(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_config(config)
            self.dropout = nn.Dropout(config.hidden_dropout_prob)
            self.clf = nn.Linear(config.hidden_size, num_classes)

        def forward(self, **batch: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(**batch).last_hidden_state[:, 0, :]
            return self.clf(self.dropout(hidden))

    model = _EChecker()
    # Unexpected keys are tolerated (older checkpoints hold buffers such as position_ids that
    # newer transformers versions no longer register); a missing weight is an error.
    loaded = model.load_state_dict(states["state_dict"], strict=False)
    if loaded.missing_keys:
        raise ADLError(f"echecker {str(path)!r} lacks weights: {', '.join(loaded.missing_keys[:5])}")
    model.eval().to(device)

    def detect(candidates: list[str]) -> list[float]:
        texts = [re.sub(r"[^\w\s]", "", c).lower() for c in candidates]
        probs: list[float] = []
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                batch = tokenizer(texts[start : start + batch_size], truncation=True,
                                  padding="max_length", max_length=64, return_tensors="pt")  # fmt: skip
                logits = model(**{k: v.to(device) for k, v in batch.items()})
                probs.extend(logits.sigmoid()[:, -1].cpu().tolist())
        return probs

    return detect


def spider_fl_from_scores(
    spider_sents: Sequence[float],
    error_probs: Sequence[float],
    *,
    threshold: float = FLUENCY_ERROR_THRESHOLD,
    penalty: float = FLUENCY_PENALTY,
) -> tuple[float, list[float]]:
    """SPIDEr-FL (DCASE2023 task 6a) from per-candidate SPIDEr and fluency-error probabilities.

    ``spider_fl_i = spider_i * (1 - penalty * [p_i > threshold])``: a candidate whose error
    probability exceeds 0.9 keeps 10% of its SPIDEr. The corpus score is the mean.

    Args:
        spider_sents: N SPIDEr scores.
        error_probs: N probabilities of a fluency error.
        threshold: probability above which a candidate counts as disfluent.
        penalty: fraction of SPIDEr removed from a disfluent candidate.

    Returns:
        ``(corpus_score, sents_scores)``.

    Notebook: 04_evaluation
    """
    spider = np.asarray(spider_sents, dtype=float)
    probs = np.asarray(error_probs, dtype=float)
    if spider.shape != probs.shape:
        raise ADLError(f"{len(probs)} fluency probabilities for {len(spider)} candidates")
    sents = spider * (1.0 - penalty * (probs > threshold).astype(float))
    return float(sents.mean()), sents.tolist()


# ---------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------


def evaluate(
    candidates: Sequence[str],
    mult_references: Sequence[Sequence[str]],
    metrics: Iterable[str] | None = None,
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

    One Java call tokenizes every caption; one METEOR JVM scores all candidates (if METEOR is
    asked for); one SPICE JVM likewise (if SPICE, SPIDEr or SPIDEr-FL is asked for and its jars
    are present). BLEU, ROUGE-L and CIDEr-D run in Python.

    Args:
        candidates: N candidate captions.
        mult_references: N lists of reference captions (any number >= 1 each).
        metrics: names from :data:`METRICS`; None means all.
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
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    wanted = _resolve_metrics(metrics)
    _check_inputs(candidates, mult_references)
    java_path = _find_java(java)

    n = len(candidates)
    ref_counts = [len(refs) for refs in mult_references]
    flat = list(candidates) + [r for refs in mult_references for r in refs]
    # The METEOR JVM starts now and loads its resources while the tokenizer runs; it then scores
    # in a thread (it waits on a pipe) while BLEU, ROUGE-L and CIDEr-D run here.
    meteor_jvm = _start_meteor(java_path, java_max_memory) if "meteor" in wanted else None
    try:
        tokens = ptb_tokenize(flat, java=java_path)
    except BaseException:
        if meteor_jvm is not None:
            meteor_jvm[0].kill()
            _stop(*meteor_jvm)
        raise
    cands_tok = tokens[:n]
    refs_tok: list[list[str]] = []
    pos = n
    for count in ref_counts:
        refs_tok.append(tokens[pos : pos + count])
        pos += count
    res = {i: [cands_tok[i]] for i in range(n)}
    gts = {i: refs_tok[i] for i in range(n)}

    corpus: dict[str, float] = {}
    sents: dict[str, list[float]] = {}
    unavailable: dict[str, str] = {}
    wanted_set = set(wanted)

    meteor_result: dict[str, Any] = {}
    meteor_thread = None
    if meteor_jvm is not None:
        def score_meteor() -> None:
            try:
                meteor_result["value"] = _meteor(cands_tok, refs_tok, java_path=java_path,
                                                 java_max_memory=java_max_memory,
                                                 started=meteor_jvm)
            except BaseException as exc:  # re-raised in the calling thread
                meteor_result["error"] = exc

        meteor_thread = threading.Thread(target=score_meteor, name="adl-meteor", daemon=True)
        meteor_thread.start()
    if wanted_set & {"bleu_1", "bleu_2", "bleu_3", "bleu_4"}:
        bleu_corpus, bleu_sents = Bleu(4).compute_score(gts, res, verbose=0)
        for k in range(4):
            corpus[f"bleu_{k + 1}"] = float(bleu_corpus[k])
            sents[f"bleu_{k + 1}"] = [float(x) for x in bleu_sents[k]]
    if "rouge_l" in wanted_set:
        score, scores = Rouge().compute_score(gts, res)
        corpus["rouge_l"], sents["rouge_l"] = float(score), [float(x) for x in scores]
    if wanted_set & {"cider_d", "spider", "spider_fl"}:
        score, scores = Cider().compute_score(gts, res)
        corpus["cider_d"], sents["cider_d"] = float(score), [float(x) for x in scores]

    if meteor_thread is not None:
        meteor_thread.join()
        if "error" in meteor_result:
            raise meteor_result["error"]
        corpus["meteor"], sents["meteor"] = meteor_result["value"]
    if wanted_set & {"spice", "spider", "spider_fl"}:
        reason = spice_missing_reason()
        if reason is not None and allow_download:
            reason = download_spice_models()
        if reason is None:
            corpus["spice"], sents["spice"] = _spice(
                cands_tok, refs_tok, java_path=java_path, java_max_memory=java_max_memory,
                cache_dir=spice_cache, timeout=spice_timeout,
            )  # fmt: skip
        else:
            unavailable["spice"] = reason
    if wanted_set & {"spider", "spider_fl"}:
        if "spice" in corpus:
            corpus["spider"] = (corpus["cider_d"] + corpus["spice"]) / 2.0
            sents["spider"] = [(c + s) / 2.0 for c, s in zip(sents["cider_d"], sents["spice"])]
        else:
            unavailable["spider"] = f"needs SPICE, which is unavailable: {unavailable['spice']}"
    if "spider_fl" in wanted_set:
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

    wanted_unavailable = {m: unavailable[m] for m in wanted if m in unavailable}
    if wanted_unavailable:
        warnings.warn(
            f"metrics not computed: {', '.join(wanted_unavailable)} "
            f"(reasons in corpus_scores.unavailable); {next(iter(wanted_unavailable.values()))}",
            MetricUnavailableWarning,
            stacklevel=2,
        )
    corpus_scores = CorpusScores(
        {m: corpus[m] for m in wanted if m in corpus}, unavailable=wanted_unavailable
    )
    sents_scores = {m: sents[m] for m in wanted if m in sents}
    return corpus_scores, sents_scores
