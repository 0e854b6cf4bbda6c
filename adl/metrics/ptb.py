"""Java, and the Stanford PTB tokenizer as pycocoevalcap runs it (one JVM for all captions).

Every caption is first passed through :func:`sanitize_caption`, then all captions go through
``pycocoevalcap.tokenizer.ptbtokenizer``'s jar and options in one Java call.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adl.metrics.errors import JavaNotFoundError, MetricError

JAVA_INSTALL_HINT = (
    "install Java 17 (`apt-get install openjdk-17-jre-headless`, or "
    "`conda install -c conda-forge openjdk=17`) or pass java=/path/to/java"
)


def find_java(java: str) -> str:
    """Returns the full path of the Java executable ``java``, or raises JavaNotFoundError.

    Looks the binary up on PATH (no JVM is started for this check).
    """
    found = shutil.which(str(java))
    if found is None:
        raise JavaNotFoundError(f"Java executable {str(java)!r} not found: {JAVA_INSTALL_HINT}")
    return found


def popen_java(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen(cmd, **kwargs)`` for a Java command (``cmd[0]`` the executable): a
    Java that cannot be run is one :class:`JavaNotFoundError` line with the install hint."""
    try:
        return subprocess.Popen(cmd, **kwargs)
    except (FileNotFoundError, PermissionError) as err:
        raise JavaNotFoundError(f"cannot run Java {cmd[0]!r} ({err.strerror}): {JAVA_INSTALL_HINT}") from err


def pycocoevalcap_dir() -> Path:
    """The installed pycocoevalcap package folder (its jars: tokenizer, METEOR, SPICE)."""
    import pycocoevalcap

    return Path(list(pycocoevalcap.__path__)[0])

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
    """
    from pycocoevalcap.tokenizer.ptbtokenizer import PUNCTUATIONS, STANFORD_CORENLP_3_4_1_JAR

    java_path = find_java(java)
    jar = pycocoevalcap_dir() / "tokenizer" / STANFORD_CORENLP_3_4_1_JAR
    clean = [sanitize_caption(s) for s in sentences]
    if not clean:
        return []
    with tempfile.TemporaryDirectory(prefix="adl_ptb_") as tmp:
        in_path = Path(tmp) / "captions.txt"
        in_path.write_bytes("\n".join(clean).encode("utf-8"))
        cmd = [java_path, "-cp", str(jar), "edu.stanford.nlp.process.PTBTokenizer",
               "-preserveLines", "-lowerCase", str(in_path)]  # fmt: skip
        proc = popen_java(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL)
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
