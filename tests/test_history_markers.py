"""The project speaks of itself as it is: no tracked text recounts how it was made.

Numbered rounds of work, issue numbers, work sessions and dates of work belong in the project's
history (git log, the issue tracker), not in the README, the docs, the docstrings, the comments
or the notebooks. A reader needs the result and the command that measures it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".yml", ".yaml", ".toml", ".cfg", ".txt", ".bib", ".csv"}
TEXT_NAMES = {"Makefile", "run"}
# Vendored third-party files (MathJax for the offline site) are not the project's own text.
VENDORED = ("book/_offline/",)

MARKERS = {
    "issue number": r"\b(?:issues?|tickets?|pull requests?|PRs?)\s*#?\s*\d+",
    "work session": (r"\b(?:this|that|next|previous|earlier|later|last|first|second|third|"
                     r"an earlier|a previous|a later|the next|the previous|the last|the first)"
                     r"\s+(?:work\s+)?session'?s?\b"),
    "numbered round of work": (r"\bround\s+\d+\s+of\s+(?:the\s+)?(?:work|review)|"
                               r"\b(?:in|during|after|since|from|before)\s+round\s+\d+\b|"
                               r"^\W*round\s+\d+\s*[:.)]"),
    "date of work": r"\b(?:on|since|until|before|after)\s+20\d\d-\d\d-\d\d\b",
}
PATTERN = re.compile("|".join(f"(?P<m{i}>{p})" for i, p in enumerate(MARKERS.values())),
                     re.IGNORECASE | re.MULTILINE)
NAMES = dict(zip((f"m{i}" for i in range(len(MARKERS))), MARKERS))


def tracked_text_files() -> list[Path]:
    """The repository's tracked text files (every text file under it when git is absent)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode()
        paths = [REPO / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in REPO.rglob("*") if ".git" not in p.parts and ".venv" not in p.parts]
    keep = []
    for path in paths:
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(VENDORED) or path == Path(__file__).resolve() or not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            keep.append(path)
    return keep


def history_markers(text: str) -> list[tuple[int, str, str]]:
    """(line number, kind, matched text) of every history marker in ``text``."""
    hits = []
    for match in PATTERN.finditer(text):
        kind = NAMES[match.lastgroup]
        hits.append((text.count("\n", 0, match.start()) + 1, kind, match.group(0)))
    return hits


@pytest.mark.parametrize("text, kind", [
    ("Issues 13 and 14 ask for a new encoder.", "issue number"),
    ("see issue #23", "issue number"),
    ("The first session measured the front end at 1.9x.", "work session"),
    ("before this session's changes, LogMel ran slower", "work session"),
    ("Round 2: the corpus moved to real recordings.", "numbered round of work"),
    ("after round 3 the table changed", "numbered round of work"),
    ("both on 2026-11-26, so there are no figures", "date of work"),
])
def test_the_markers_are_found(text, kind):
    assert [k for _, k, _ in history_markers(text)] == [kind]


@pytest.mark.parametrize("text", [
    "for r in range(rounds + 1):  # the first round warms up",
    "@pytest.fixture(scope=\"session\")",
    "a sample ``x.cat#3`` asks for the whole catalogue",
    "openjdk version \"17.0.15\" 2025-04-15",
    "(felixgontier/dcase-2023-baseline#3, Labbeti/aac-metrics#1)",
])
def test_ordinary_text_is_not_a_marker(text):
    assert history_markers(text) == []


def test_no_tracked_text_recounts_the_projects_history():
    found = []
    for path in tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(REPO)}:{line}: {kind}: {hit!r}"
                  for line, kind, hit in history_markers(text)]
    assert not found, "history markers in tracked text:\n" + "\n".join(found)
