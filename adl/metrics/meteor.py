"""METEOR 1.5 (pycocoevalcap.meteor.meteor, one JVM per process, reused by every call).

Banerjee & Lavie 2005 (https://aclanthology.org/W05-0909/) and Denkowski & Lavie 2014
(https://aclanthology.org/W14-3348/), through pycocoevalcap's ``meteor-1.5.jar`` with its exact
options and its SCORE/EVAL protocol.
"""

from __future__ import annotations

import atexit
import subprocess
import tempfile
import threading
from typing import Any

from adl.metrics.errors import MetricError
from adl.metrics.ptb import popen_java, pycocoevalcap_dir


def _start_meteor(java_path: str, java_max_memory: str) -> tuple[subprocess.Popen, Any]:
    """Start pycocoevalcap's METEOR JVM (``-jar meteor-1.5.jar - - -stdio -l en -norm``).

    Started before tokenization, so that the JVM's start-up overlaps it. Returns the process
    and the temporary file that collects its stderr.
    """
    from pycocoevalcap.meteor.meteor import METEOR_JAR

    meteor_dir = pycocoevalcap_dir() / "meteor"
    cmd = [java_path, "-jar", f"-Xmx{java_max_memory}", str(meteor_dir / METEOR_JAR),
           "-", "-", "-stdio", "-l", "en", "-norm"]  # fmt: skip
    err_file = tempfile.TemporaryFile()
    try:
        proc = popen_java(cmd, cwd=meteor_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=err_file)
    except BaseException:
        err_file.close()
        raise
    proc.adl_lock = threading.Lock()  # type: ignore[attr-defined]  # held for one SCORE ... EVAL exchange
    return proc, err_file


#: The process's METEOR JVMs, by (java, -Xmx): started on the first call and reused, as
#: pycocoevalcap's ``Meteor`` object reuses its own. Its start (loading the paraphrase table)
#: takes about 4 s on 2 cores, while scoring 200 captions takes well under a second; the book
#: scores 33 corpora. The SCORE/EVAL protocol keeps no state between EVAL lines, so a corpus's
#: scores do not depend on what the JVM scored before. The lock keeps two threads' lines apart.
_SHARED: dict[tuple[str, str], tuple[subprocess.Popen, Any]] = {}
_SHARED_LOCK = threading.Lock()


def _shared_meteor(java_path: str, java_max_memory: str) -> tuple[subprocess.Popen, Any]:
    """The process's METEOR JVM for these settings, started if there is none alive."""
    key = (java_path, java_max_memory)
    with _SHARED_LOCK:
        jvm = _SHARED.get(key)
        if jvm is None or jvm[0].poll() is not None:
            if jvm is not None:
                _stop(*jvm)
            jvm = _SHARED[key] = _start_meteor(java_path, java_max_memory)
        return jvm


def _forget(jvm: tuple[subprocess.Popen, Any]) -> None:
    """Drop a JVM from the shared ones (it failed, or was killed), and stop it."""
    with _SHARED_LOCK:
        for key, known in list(_SHARED.items()):
            if known is jvm:
                del _SHARED[key]
    _stop(*jvm)


@atexit.register
def _stop_shared() -> None:
    with _SHARED_LOCK:
        jvms = list(_SHARED.values())
        _SHARED.clear()
    for jvm in jvms:
        _stop(*jvm)


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
    :func:`_shared_meteor` (kept alive for the next call; dropped and stopped if it fails);
    None: the process's shared JVM.
    """
    jvm = started if started is not None else _shared_meteor(java_path, java_max_memory)
    proc, err_file = jvm
    assert proc.stdin is not None and proc.stdout is not None
    lock = proc.adl_lock  # type: ignore[attr-defined]
    lock.acquire()
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
        _forget(jvm)
        raise MetricError(f"METEOR failed ({exc}): {msg}") from exc
    except BaseException:  # interrupted mid-protocol: its answers would be read by the next call
        proc.kill()
        _forget(jvm)
        raise
    finally:
        lock.release()
    return corpus, sents
