"""What both caption languages share: an event as a caption sees it, the groups of events that
sound together, Clotho's caption lengths, and how a phrase is drawn.

:mod:`adl.captions.grammar` and :mod:`adl.captions.annotators` both build on these, so a scene's
events read the same way to either.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

import numpy as np

#: Two events overlap in a caption when the later one starts this long before the earlier ends.
OVERLAP_MIN_S = 0.3
#: Word counts of a caption, as in Clotho.
MIN_WORDS, MAX_WORDS = 8, 20


@dataclass(frozen=True)
class EventMention:
    """One event as a caption sees it.

    Attributes:
        label: event class (of the grammar's or the writers' ``LEXICON``).
        onset_s: start time in the clip (s).
        duration_s: length (s).
        gain_db: level relative to the nominal event level (dB); sets "loud" / "faint".
    """

    label: str
    onset_s: float = 0.0
    duration_s: float = 5.0
    gain_db: float = 0.0

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s


def temporal_groups(events: Sequence[EventMention]) -> list[list[EventMention]]:
    """Split events, in onset order, into groups that sound together.

    An event joins the current group when it starts at least :data:`OVERLAP_MIN_S` before the
    group ends; otherwise it starts a new group, which a caption joins with "then".
    """
    groups: list[list[EventMention]] = []
    end = -np.inf
    for ev in sorted(events, key=lambda e: (e.onset_s, e.label)):
        if groups and ev.onset_s < end - OVERLAP_MIN_S:
            groups[-1].append(ev)
            end = max(end, ev.end_s)
        else:
            groups.append([ev])
            end = ev.end_s
    return groups


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One of ``options``, uniformly (one draw of ``rng.integers``)."""
    return options[int(rng.integers(len(options)))]


def check_scene(events: Sequence[EventMention], classes: Container[str],
                backgrounds: Container[str], background: str | None, *, caller: str) -> None:
    """Raise ValueError unless there is an event, every event's class is one of ``classes`` and
    ``background`` is None or one of ``backgrounds`` (``caller`` names the function in the
    message)."""
    if not events:
        raise ValueError(f"{caller} needs at least one event")
    for ev in events:
        if ev.label not in classes:
            raise ValueError(f"unknown event class {ev.label!r}")
    if background is not None and background not in backgrounds:
        raise ValueError(f"unknown background {background!r}")
