"""METEOR 1.5 (pycocoevalcap.meteor.meteor, one JVM for all candidates).

Banerjee & Lavie 2005 (https://aclanthology.org/W05-0909/) and Denkowski & Lavie 2014
(https://aclanthology.org/W14-3348/), through pycocoevalcap's ``meteor-1.5.jar`` with its exact
options and its SCORE/EVAL protocol.
"""

from __future__ import annotations

import subprocess
import tempfile
from typing import Any

from adl.metrics.errors import MetricError
from adl.metrics.ptb import _popen, _pycocoevalcap_dir


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
