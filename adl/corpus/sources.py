"""The pinned source manifest of the real-recording corpus: Debian packages and their sounds.

The manifest itself is data, in ``sources.yaml`` beside this module (:data:`SOURCES_FILE`),
checked field by field when this module is imported (:func:`load_sources`).

The ``default`` embedded corpus is made of real recordings taken from freely licensed Debian
packages (GPL, CC-BY, CC-BY-SA, CC0). This module pins them: for each package its exact version,
the SHA-256 and pool path of its ``.deb`` (:class:`adl.corpus.debian.DebPin`), its licence as
its copyright file states it, and the recordings used from it. Each recording has its path inside
the package, an event class (or ``background`` with a kind), a short human description, its
duration, and, where the copyright file gives one per file, its own licence and credit.

How it was chosen (a survey of Debian 12 "bookworm", ``apt-cache search`` for sound, sfx,
samples and ambience, then ``apt-get download`` and a listen-by-name plus duration, level and
pitch checks with soundfile and librosa):

* Exact duplicates (the same bytes under two names, common in game data) were removed, and so were
  near duplicates (one recording cut or re-encoded under another name, found by cross-correlating
  the recordings of each class: three of BTanks' four cannon shots, a MegaGlest elephant call, a
  winter wind that two tilesets share), near-silent files, spoken lines (unit acknowledgements,
  Tux Paint's ``*_desc`` files), music, and synthesiser tones (a file whose spectrum is one pure
  partial, such as gnome-pomodoro's bells, is taken for synthesised and left out). No recording
  is used twice.
* ``widelands-data`` (birds, crickets, hammering, sawing, mills) was left out: it weighs 381 MB for
  about 3 MB of effects, and ``megaglest-data`` gives the same kinds of sounds (farm animals,
  long rain, wind, birdsong and night ambiences) in 242 MB. ``scratch`` is never used.
* OpenTTD's ``openttd-opensfx`` keeps its Freesound effects in a ``.cat`` sample catalogue;
  :func:`adl.corpus.debian.read_opensfx_cat` decodes it, and each sample's embedded title line
  (author, origin, licence) is kept as its credit. A path ``...opensfx.cat#29`` names sample 29.
* Voices are used only where the class is a voice: ``speech`` (a few Hedgewars and Wordwarvi
  lines), ``laughter``, ``cough`` and ``pain_cry`` (Wesnoth's hit and death cries, and
  cube2-data's ``aard`` cries, recorded by their author in his own voice). Hedgewars' hedgehog
  voices are pitched up: their laughs and coughs are kept, their robot pack is not. Files whose
  level is near silence (some MegaGlest anvils, hooves and pigs, one Wesnoth birdsong) were left
  out.
* Everyday and vehicle sounds come from ``simutrans-pak64`` (buses, trucks, a level crossing, a
  boat horn, a buzz saw), ``searchandrescue-data`` (helicopters and jets starting and passing,
  thunder, thuds, crashes, splashes, tyres on a runway), ``btanks-data``, ``trophy-data`` and
  ``dustracing2d-data`` (engines, horns, skids, a dog, a cheering crowd), ``bucklespring-data``
  (single key presses of a buckling-spring keyboard), ``gnome-shell-pomodoro-data`` (a ticking
  clock and kitchen timer, a long birdsong background), ``cube2-data`` (guns, rocket launches, a
  chainsaw, a door slam, a water drip; its per-file licences are kept) and a few files each from
  Tux Paint, TuxMath, Brain Party, NetPanzer, GL-117, Micropolis, Lomiri's camera click and two
  Minetest mods. Classification went by file name and folder, then by measurements (pitch and
  voicing, onset rate and periodicity, spectral shape), and a file stayed out when they disagreed
  with its name (lincity-ng's ``Rocket*`` and ``FireStation*`` loops, for example).
* Left out for now: ``gcompris-qt-data`` (its sounds are packed in Qt ``.rcc`` resources),
  ``openclonk-data`` (packed ``.ocg`` groups), ``openarena-data`` and ``ufoai-sound`` (``.pk3``
  archives), ``7kaa-data`` (``.RES`` archives), ``freecol`` (142 MB for four usable effects),
  ``freedink-data`` (its free replacements reuse Wesnoth's sounds), packages built per
  architecture (KDE's games), since a pin names an ``_all`` package, and
  ``sound-theme-freedesktop`` (its spoken channel names are ``.oga`` files, which
  :func:`adl.audio.load_audio` does not open).

The download is :func:`download_size` bytes (about 1285 MB) for 32 packages: 530 event
recordings in 73 classes, 50 of them with six or more, and 44 backgrounds. Event classes with
fewer than :data:`MIN_RECORDINGS` different recordings are listed in :data:`SHORT_CLASSES`; a
corpus builder should not treat them like the others (they are kept because they are real and
may be completed later). :data:`MIN_RECORDINGS` is what the split needs (one recording in each
of development, validation and evaluation); six or more per class is the aim.

Example::

    from adl.corpus.sources import SOURCES, fetch_sources, recordings_by_class
    folders = fetch_sources("data")            # package name -> extraction folder
    for source, rec in recordings_by_class()["dog_bark"]:
        print(rec.description, source.audio_file("data", rec))

"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from adl.corpus.debian import (DebPin, Fetcher, audio_path, exact, extract_dir,
                               fetch_and_extract)
from adl.datafiles import FieldType, check_record, field_error, load_yaml
from adl.errors import DataError, one_line

MIN_RECORDINGS = 3
"""A class is complete when it has at least this many different recordings."""

BACKGROUND = "background"
"""The label of a background recording; its :attr:`Recording.kind` says which."""


@dataclass(frozen=True)
class Recording:
    """One recording inside a pinned package.

    Attributes:
        path: its path inside the package (``x.cat#N`` for sample ``N`` of an OpenTTD
            catalogue); :meth:`DebSource.audio_file` gives the extracted file.
        label: an event class of :data:`EVENT_CLASSES`, or :data:`BACKGROUND`.
        description: what is heard, in a few plain words (not a caption).
        duration_s: its length in seconds, as measured in the survey.
        kind: for a background, a key of :data:`BACKGROUND_KINDS`; None for an event.
        license: its own licence where the copyright file gives one per file, else None (the
            package's applies; see :meth:`DebSource.license_of`).
        credit: its author and origin where known per file, else None (the package's).
    """

    path: str
    label: str
    description: str
    duration_s: float
    kind: str | None = None
    license: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class DebSource:
    """One pinned Debian package and the recordings used from it.

    Attributes:
        pin: package, version, SHA-256 and pool path of the ``.deb``.
        size: the ``.deb``'s size in bytes (what a download costs).
        license: the licence of the used files as the package's copyright file states it.
        copyright: the copyright holders it names, for attribution.
        recordings: the recordings used, in no particular order.
    """

    pin: DebPin
    size: int
    license: str
    copyright: str
    recordings: tuple[Recording, ...]

    @property
    def package(self) -> str:
        """The binary package name."""
        return self.pin.package

    @property
    def version(self) -> str:
        """The pinned Debian version."""
        return self.pin.version

    def license_of(self, rec: Recording) -> str:
        """The licence that applies to ``rec``: its own, else the package's."""
        return rec.license or self.license

    def attribution(self, rec: Recording) -> str:
        """One line crediting ``rec``: author, licence and the Debian package it comes from."""
        who = rec.credit or self.copyright
        return f"{who}; {self.license_of(rec)}; Debian package {self.package} {self.version}"

    def audio_file(self, root: str | os.PathLike[str], rec: Recording) -> Path:
        """Where ``rec`` lies once :func:`fetch_sources` has extracted this package."""
        return audio_path(extract_dir(root, self.pin), rec.path)

    def copyright_file(self, root: str | os.PathLike[str]) -> Path:
        """The package's copyright file, kept beside its extracted audio for provenance."""
        return extract_dir(root, self.pin) / "usr/share/doc" / self.package / "copyright"


#: The data file that pins the packages and their recordings, beside this module.
SOURCES_FILE = Path(__file__).with_name("sources.yaml")

_SOURCE_FIELDS: dict[str, FieldType] = {
    "package": str, "version": str, "sha256": str, "pool_path": str, "size": int,
    "license": str, "copyright": str, "recordings": list}
_RECORDING_FIELDS: dict[str, FieldType] = {
    "path": str, "label": str, "description": str, "duration_s": float}
_RECORDING_OPTIONAL: dict[str, FieldType] = {"kind": str, "license": str, "credit": str}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def load_sources(path: str | os.PathLike[str] = SOURCES_FILE
                 ) -> tuple[dict[str, str], dict[str, str], tuple[DebSource, ...]]:
    """Read and check the source manifest (:data:`SOURCES_FILE`).

    Returns:
        ``(event_classes, background_kinds, sources)``: class -> noun phrase, background
        kind -> noun phrase, and the pinned packages in the order they are fetched.

    Raises:
        DataError: one line naming the file and the field that is missing, unknown or wrong
            (a mistyped value, an event class or background kind the file does not list).
    """
    data = check_record(path, "file", load_yaml(path),
                        {"event_classes": dict, "background_kinds": dict, "sources": list})
    phrases = {}
    for table in ("event_classes", "background_kinds"):
        check_record(path, table, data[table], {}, {k: str for k in data[table]})
        phrases[table] = dict(data[table])
    classes, kinds = phrases["event_classes"], phrases["background_kinds"]
    sources = []
    for i, entry in enumerate(data["sources"]):
        where = f"sources[{i}]"
        check_record(path, where, entry, _SOURCE_FIELDS, {"sha1": str})
        if not _SHA256.fullmatch(entry["sha256"]):
            raise field_error(path, f"{where}.sha256", "expected 64 lower-case hex digits")
        recordings = []
        for j, rec in enumerate(entry["recordings"]):
            at = f"{where}.recordings[{j}]"
            check_record(path, at, rec, _RECORDING_FIELDS, _RECORDING_OPTIONAL)
            if rec["label"] == BACKGROUND:
                if rec.get("kind") not in kinds:
                    raise field_error(path, f"{at}.kind", f"a background needs a kind listed "
                                      f"in background_kinds, got {rec.get('kind')!r}")
            elif rec["label"] not in classes:
                raise field_error(path, f"{at}.label", f"{rec['label']!r} is neither "
                                  f"{BACKGROUND!r} nor an event class listed in event_classes")
            elif "kind" in rec:
                raise field_error(path, f"{at}.kind", "only a background has a kind")
            recordings.append(Recording(rec["path"], rec["label"], rec["description"],
                                        rec["duration_s"], rec.get("kind"), rec.get("license"),
                                        rec.get("credit")))
        pin = DebPin(entry["package"], entry["version"], entry["sha256"], entry["pool_path"],
                     sha1=entry.get("sha1"))
        sources.append(DebSource(pin, size=entry["size"], license=entry["license"],
                                 copyright=entry["copyright"], recordings=tuple(recordings)))
    return classes, kinds, tuple(sources)


EVENT_CLASSES: dict[str, str]
"""Every event class, with a plain noun phrase for it (a seed for captions)."""
BACKGROUND_KINDS: dict[str, str]
"""Every background kind, with a plain noun phrase for it."""
SOURCES: tuple[DebSource, ...]
"""The pinned packages, in the order they are fetched."""
EVENT_CLASSES, BACKGROUND_KINDS, SOURCES = load_sources()

SHORT_CLASSES: frozenset[str] = frozenset({
    # one or two recordings each: real, but too few to vary a class
    "rooster_crow", "owl_hoot", "duck_quack", "crow_caw", "wolf_howl", "frog_croak", "cat_meow",
    "siren", "tree_fall", "woodwind",
})
"""Event classes with fewer than :data:`MIN_RECORDINGS` different recordings."""


def recordings_by_class(sources: Iterable[DebSource] = SOURCES
                        ) -> dict[str, list[tuple[DebSource, Recording]]]:
    """Every event class (short ones included) and its ``(source, recording)`` pairs."""
    out: dict[str, list[tuple[DebSource, Recording]]] = {}
    for source in sources:
        for rec in source.recordings:
            if rec.label != BACKGROUND:
                out.setdefault(rec.label, []).append((source, rec))
    return dict(sorted(out.items()))


def backgrounds_by_kind(sources: Iterable[DebSource] = SOURCES
                        ) -> dict[str, list[tuple[DebSource, Recording]]]:
    """Every background kind and its ``(source, recording)`` pairs."""
    out: dict[str, list[tuple[DebSource, Recording]]] = {}
    for source in sources:
        for rec in source.recordings:
            if rec.label == BACKGROUND:
                out.setdefault(str(rec.kind), []).append((source, rec))
    return dict(sorted(out.items()))


def complete_classes(sources: Iterable[DebSource] = SOURCES) -> list[str]:
    """The event classes with at least :data:`MIN_RECORDINGS` different recordings."""
    return [c for c, recs in recordings_by_class(sources).items()
            if len({(s.package, r.path) for s, r in recs}) >= MIN_RECORDINGS]


def download_size(sources: Iterable[DebSource] = SOURCES) -> int:
    """The bytes that fetching every package costs."""
    return sum(s.size for s in sources)


def fetch_sources(root: str | os.PathLike[str], *,
                  sources: Sequence[DebSource] = SOURCES, fetch: Fetcher | None = None,
                  check_audio: bool = True) -> dict[str, Path]:
    """Fetch every pinned package (cached ones are reused) and extract the recordings it lists.

    Args:
        root: the data root; everything goes to ``<root>/debian-cache/``.
        sources: which packages (default: all of :data:`SOURCES`).
        fetch: how to fetch a ``.deb`` (default: ``apt-get download``, else HTTPS).
        check_audio: open every recording's header with soundfile, so that a file that
            cannot be decoded fails here, naming it, rather than in the corpus builder.

    Returns:
        Package name -> its extraction folder (see :meth:`DebSource.audio_file`).

    Raises:
        DownloadError: offline or a checksum mismatch (one line naming package and command).
        DataError: a corrupt archive, or a recording missing or unreadable (one line naming
            the package and the file).
    """
    folders: dict[str, Path] = {}
    for source in sources:
        folder = fetch_and_extract(source.pin, root, fetch=fetch,
                                   include=exact(r.path for r in source.recordings))
        folders[source.package] = folder
        if check_audio:
            import soundfile as sf  # lazily: importing adl.data must stay cheap

            for rec in source.recordings:
                path = source.audio_file(root, rec)
                try:
                    sf.info(str(path))
                except (OSError, RuntimeError, sf.LibsndfileError) as err:
                    raise DataError(f"{source.package} {source.version}: cannot read "
                                    f"{rec.path} ({path}): {one_line(err)}") from None
    return folders


def credits_markdown(sources: Iterable[DebSource] = SOURCES) -> str:
    """The book's *Sound credits* page (``book/credits.md``): every package, its licence and
    copyright holders, and every recording the corpus uses from it (events of the classes with
    enough recordings, and backgrounds), with its own credit.

    The page is generated from this manifest (``python -m adl.corpus.sources > book/credits.md``)
    and a test keeps the two equal, so the site credits exactly the sounds the corpus uses.
    """
    sources = list(sources)
    used_classes = set(complete_classes(sources))

    def used(rec: Recording) -> bool:  # short classes are pinned but left out of the corpus
        return rec.label == BACKGROUND or rec.label in used_classes

    n = sum(used(r) for s in sources for r in s.recordings)
    lines = ["# Sound credits", "",
             f"The `default` corpus of this book is built from {n} recordings taken from "
             f"{len(sources)} Debian packages, each under its own free licence. The corpus cuts, "
             "filters, re-levels and mixes them; the `provenance.csv` written beside it lists, for "
             "every audio file, the recordings in it and what was done to them. The full licence "
             "texts are in each package's copyright file "
             "(`/usr/share/doc/<package>/copyright`).", ""]
    for s in sources:
        lines += [f"## {s.package} {s.version}", "",
                  f"- Licence: {s.license}",
                  f"- Copyright: {s.copyright}",
                  f"- Package: `{s.pin.pool_path}`", ""]
        for rec in sorted((r for r in s.recordings if used(r)), key=lambda r: r.path):
            what = rec.kind if rec.label == BACKGROUND else rec.label
            credit = f"; {rec.credit}" if rec.credit else ""
            lines.append(f"- `{rec.path}` ({what}): {rec.description}; "
                         f"{s.license_of(rec)}{credit}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(credits_markdown(), end="")
