"""SPICE (pycocoevalcap.spice, run here with Java-17-compatible options).

SPICE: Anderson et al. 2016, https://arxiv.org/abs/1607.08822. It needs the Stanford CoreNLP
3.6.0 jars, which pycocoevalcap downloads on first use; :func:`spice_missing_reason` says when
they are absent, so that SPICE is reported as unavailable rather than as 0.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from adl.metrics.errors import MetricError
from adl.metrics.ptb import popen_java, pycocoevalcap_dir

SPICE_INSTALL_COMMAND = (
    'python -c "from pycocoevalcap.spice.get_stanford_models import get_stanford_models; '
    'get_stanford_models()"'
)

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


def _spice_dir() -> Path:
    return pycocoevalcap_dir() / "spice"


def spice_missing_reason() -> str | None:
    """Says why SPICE cannot run here, or returns None when its files are all present.

    Checks files only: unlike ``pycocoevalcap.spice.spice.Spice()``, it never starts a download.

    Returns:
        A one-line reason naming the missing files and the command that installs them, or None.
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
        # The folder is named by its package, not its path: the reason is shown on the book's
        # pages, which never quote the build machine's folders.
        f"SPICE needs {', '.join(missing)} in pycocoevalcap's spice/lib folder (Stanford "
        f"CoreNLP 3.6.0, about 400 MB, needs internet); install with: {SPICE_INSTALL_COMMAND}"
    )


def download_spice_models(*, timeout: float = 30.0) -> str | None:
    """Tries pycocoevalcap's CoreNLP download for SPICE, giving up after about ``timeout`` s.

    Runs ``get_stanford_models()`` in a daemon thread with a socket timeout, so that an offline
    machine fails within ``timeout`` seconds instead of hanging.

    Args:
        timeout: seconds to wait for the network.

    Returns:
        None when the jars are present afterwards, else the reason they are not.
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
        proc = popen_java(cmd, cwd=_spice_dir(), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
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
