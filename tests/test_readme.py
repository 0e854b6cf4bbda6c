"""The README is a front door: short, with the two commands, and a map whose names exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_short_and_opens_with_the_two_commands():
    assert len(README.splitlines()) <= 150
    run_it = README[README.index("## Run it"):README.index("## Where each idea")]
    assert "make book" in run_it and "make test" in run_it


def _resolve(dotted: str) -> object:
    """``adl.x.y.Name.attr`` -> the object (the longest importable module prefix, then attributes)."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError:
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_name_in_the_map_of_ideas_exists():
    table = README[README.index("## Where each idea"):README.index("## Where the results")]
    names = re.findall(r"`(adl\.[\w.]+)`", table)
    assert len(names) >= 10
    for name in names:
        _resolve(name)  # raises on a renamed module, function or class
    # Shorthands of a name given in full on a row above.
    for short in re.findall(r"`(Captioner\.\w+)`", table):
        _resolve(f"adl.models.captioner.{short}")
    for short in re.findall(r", `(\w+)` \|", table):
        _resolve(f"adl.intervals.{short}")
