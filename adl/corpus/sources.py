"""The pinned source manifest of the real-recording corpus: Debian packages and their sounds.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from adl.corpus.debian import (DebPin, Fetcher, audio_path, exact, extract_dir,
                             fetch_and_extract)
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


def _ev(path: str, label: str, description: str, duration_s: float, *,
        license: str | None = None, credit: str | None = None) -> Recording:
    return Recording(path, label, description, duration_s, None, license, credit)


def _bg(path: str, kind: str, description: str, duration_s: float, *,
        license: str | None = None, credit: str | None = None) -> Recording:
    return Recording(path, BACKGROUND, description, duration_s, kind, license, credit)


EVENT_CLASSES: dict[str, str] = {
    # animals
    "dog_bark": "a dog barking",
    "cow_moo": "a cow mooing",
    "sheep_bleat": "sheep bleating",
    "pig_oink": "a pig grunting",
    "chicken_cluck": "chickens clucking",
    "rooster_crow": "a rooster crowing",
    "horse_neigh": "a horse neighing",
    "elephant_trumpet": "an elephant trumpeting",
    "big_cat_roar": "a big cat roaring",
    "ape_call": "apes calling",
    "songbird": "a bird singing",
    "owl_hoot": "an owl hooting",
    "duck_quack": "a duck quacking",
    "crow_caw": "a crow cawing",
    "wolf_howl": "a wolf howling",
    "insect_buzz": "bees buzzing",
    "frog_croak": "a frog croaking",
    "cat_meow": "a cat meowing",
    "growl": "an animal growling",
    "hawk_cry": "a bird of prey screeching",
    "hooves": "hooves clopping",
    # people and things
    "laughter": "a person laughing",
    "cough": "a person coughing",
    "speech": "a person speaking",
    "pain_cry": "a person crying out in pain",
    "footstep": "footsteps",
    "keyboard": "someone typing on a keyboard",
    "door": "a door opening or closing",
    "glass_break": "glass breaking",
    "metal_clang": "metal clanging",
    "anvil": "a hammer striking an anvil",
    "wood_chop": "wood being chopped",
    "pickaxe": "a pickaxe striking rock",
    "saw": "a saw cutting",
    "coins": "coins clinking",
    "cash_register": "a cash register",
    "camera_shutter": "a camera shutter clicking",
    "clock_tick": "a clock ticking",
    "bell": "a bell ringing",
    "crowd_cheer": "a crowd cheering and clapping",
    "thud": "a heavy thud",
    "crash": "a loud crash",
    "whoosh": "a whoosh",
    # fire, water, weather
    "fire_crackle": "a fire crackling",
    "water_splash": "water splashing",
    "dripping": "water dripping",
    "bubbles": "bubbling",
    "steam_hiss": "steam hissing",
    "electric_zap": "electricity crackling",
    "thunder": "thunder",
    # weapons and blasts
    "explosion": "an explosion",
    "cannon": "a cannon firing",
    "machine_gun": "a machine gun firing",
    "gunshot": "a gun firing single shots",
    # vehicles and machines
    "train": "a train",
    "jet_aircraft": "a jet plane",
    "propeller_plane": "a propeller plane",
    "helicopter": "a helicopter",
    "engine": "an engine starting",
    "car_horn": "a horn honking",
    "tire_skid": "tyres skidding",
    "ship_horn": "a ship's horn",
    "siren": "a siren wailing",
    "rocket": "a rocket launching",
    "jackhammer": "a jackhammer",
    "tree_fall": "a tree falling",
    # music
    "drum": "a drum being played",
    "cymbal": "a cymbal crashing",
    "piano": "a piano playing",
    "bowed_strings": "a violin or cello playing",
    "guitar": "a guitar playing",
    "organ": "an organ playing",
    "woodwind": "a woodwind instrument playing",
}
"""Every event class, with a plain noun phrase for it (a seed for captions)."""

BACKGROUND_KINDS: dict[str, str] = {
    "rain": "rain falling",
    "wind": "wind blowing",
    "water": "water flowing",
    "birds": "birds singing in the background",
    "insects": "insects chirping at night",
    "crowd": "a crowd murmuring",
    "traffic": "traffic passing",
    "hum": "a machine humming",
    "desert": "a quiet, windy open space",
}
"""Every background kind, with a plain noun phrase for it."""

_TUX = "usr/share/tuxpaint/stamps/"
_MEGA = "usr/share/games/megaglest/"
_LINCITY = "usr/share/games/lincity-ng/sounds/"
_LUGARU = "usr/share/games/lugaru/Sounds/"
_MINETEST = "usr/share/games/minetest/games/minetest_game/mods/"
_OPENSFX = "usr/share/games/openttd/baseset/opensfx/opensfx.cat#"
_WORDWARVI = "usr/share/wordwarvi/sounds/"
_FREECIV = "usr/share/games/freeciv/stdsounds/"
_HEROES = "usr/share/games/heroes/sfx/"
_SONICPI = "usr/share/sonic-pi/samples/"
_LMMS = "usr/share/lmms/samples/"
_DEEPIN = "usr/share/sounds/deepin/stereo/"
_MEGA_SFX = _MEGA + "techs/megapack/commondata/sounds/"
_MEGA_UNITS = _MEGA + "techs/megapack/factions/"
_MEGA_TILES = _MEGA + "tilesets/"
_DOORS_MOD = ("2014-2016 CGEffex, bennstir, PilzAdam, BlockMen, MasterGollum, Gambit and "
              "others (doors mod)")
_HEDGEWARS = "usr/share/games/hedgewars/Data/Sounds/"
_HEDGEWARS_VOICES = _HEDGEWARS + "voices/"
_WESNOTH = "usr/share/games/wesnoth/1.16/data/core/sounds/"
_WARMUX = "usr/share/games/warmux/sound/default/"

_SIMUTRANS = "usr/share/games/simutrans/pak/sound/"
_BUCKLE = "usr/share/buckle/wav/"
_SAR = "usr/share/games/searchandrescue/sounds/"
_BTANKS = "usr/share/games/btanks/data/sounds/"
_TROPHY = "usr/share/games/trophy/sounds/"
_DUSTRAC = "usr/share/games/dustracing2d/sounds/"
_POMODORO = "usr/share/gnome-pomodoro/sounds/"
_NETPANZER = "usr/share/games/netpanzer/sound/"
_BRAINPARTY = "usr/share/games/brainparty/"
_TUXMATH = "usr/share/tuxmath/sounds/"
_TUXPAINT = "usr/share/tuxpaint/sounds/"
_HOMEDECOR = "usr/share/games/minetest/mods/homedecor/"
_CUBE2 = "usr/share/games/cube2/packages/sounds/"
_XDECOR = "usr/share/games/minetest/mods/xdecor/sounds/"
_LOMIRI = "usr/share/sounds/lomiri/camera/click/"
_GL117 = "usr/share/games/gl-117/sounds/"
_MICROPOLIS = "usr/share/games/micropolis/res/sounds/"

SOURCES: tuple[DebSource, ...] = (
    DebSource(
        DebPin("tuxpaint-stamps-default", "2022.06.04-1",
               "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34",
               "pool/main/t/tuxpaint-stamps/tuxpaint-stamps-default_2022.06.04-1_all.deb",
               sha1="86ff15e81cc37ba8d1ea628a17d4a111d6140a42"),
        size=160_880_444, license="GPL-2",
        copyright="2002-2022 Bill Kendrick and the Tux Paint contributors",
        recordings=(
            _ev(_TUX + "animals/mammals/dogs/dog.ogg", "dog_bark", "a dog barks twice", 0.93),
            _ev(_TUX + "animals/mammals/bovines/cow.ogg", "cow_moo", "a cow moos", 1.17),
            _ev(_TUX + "animals/mammals/bovines/cow_white.ogg", "cow_moo", "a long cow moo", 2.19),
            _ev(_TUX + "animals/mammals/bovines/sheep.ogg", "sheep_bleat", "a sheep bleats", 1.14),
            _ev(_TUX + "animals/mammals/bovines/sheep_lamb.ogg", "sheep_bleat",
                "a lamb bleats", 0.54),
            _ev(_TUX + "animals/mammals/pig.ogg", "pig_oink", "a pig oinks", 0.56),
            _ev(_TUX + "animals/mammals/pig_golden.ogg", "pig_oink", "a pig grunts", 0.36),
            _ev(_TUX + "animals/birds/hen.ogg", "chicken_cluck", "a hen clucks", 1.45),
            _ev(_TUX + "animals/birds/rooster.ogg", "rooster_crow", "a rooster crows", 1.84),
            _ev(_TUX + "animals/mammals/equines/horse.ogg", "horse_neigh", "a horse neighs", 2.24),
            _ev(_TUX + "animals/mammals/elephant.ogg", "elephant_trumpet",
                "an elephant trumpets", 1.96),
            _ev(_TUX + "animals/mammals/cats/lion.ogg", "big_cat_roar", "a lion roars", 1.83),
            _ev(_TUX + "animals/mammals/cats/tiger.ogg", "big_cat_roar",
                "a tiger growls and roars", 6.87),
            _ev(_TUX + "animals/mammals/apes/chimp.ogg", "ape_call",
                "a chimpanzee hoots and screams", 2.8),
            _ev(_TUX + "animals/mammals/apes/gorilla.ogg", "ape_call", "a gorilla grunts", 2.03),
            _ev(_TUX + "animals/birds/blackbird.ogg", "songbird", "a blackbird sings", 7.91),
            _ev(_TUX + "animals/birds/lark.ogg", "songbird", "a lark sings", 1.86),
            _ev(_TUX + "animals/birds/owl.ogg", "owl_hoot", "an owl hoots", 1.23),
            _ev(_TUX + "animals/birds/duck.ogg", "duck_quack", "a duck quacks", 3.21),
            _ev(_TUX + "animals/birds/drake.ogg", "duck_quack", "a drake quacks", 0.62),
            _ev(_TUX + "animals/birds/crow.ogg", "crow_caw", "a crow caws", 1.96),
            _ev(_TUX + "animals/insects/bee.ogg", "insect_buzz", "a bee buzzes around", 6.54),
            _ev(_TUX + "animals/insects/hornet.ogg", "insect_buzz", "a hornet buzzes", 2.15),
            _ev(_TUX + "animals/amphibians/frog.ogg", "frog_croak", "a frog croaks", 1.51),
            _ev(_TUX + "seasonal/halloween/blackcat.ogg", "cat_meow", "a cat meows", 1.74),
            _ev(_TUX + "household/tools/saw.ogg", "saw", "a hand saw cuts wood", 1.28),
            _ev(_TUX + "naturalforces/lightningbolt.ogg", "thunder",
                "lightning cracks and thunder rolls", 4.71),
            _ev(_TUX + "hobbies/camera_35mm.ogg", "camera_shutter",
                "a film camera's shutter clicks", 0.59),
            _ev(_TUX + "hobbies/music/percussion/drum_tomtom_floor.ogg", "drum",
                "a floor tom drum is struck", 2.84),
            _ev(_TUX + "hobbies/music/percussion/cymbal_crash.ogg", "cymbal",
                "a crash cymbal", 2.78),
            _ev(_TUX + "hobbies/music/string/cello.ogg", "bowed_strings", "a cello plays", 3.9),
            _ev(_TUX + "hobbies/music/string/violin.ogg", "bowed_strings", "a violin plays", 3.19),
            _ev(_TUX + "hobbies/music/wind/bassoon.ogg", "woodwind", "a bassoon plays", 8.13),
            _ev(_TUX + "vehicles/emergency/firetruck.ogg", "siren",
                "a fire engine's siren wails", 10.32),
            _ev(_TUX + "animals/mammals/bovines/bull.ogg", "cow_moo", "a bull bellows", 2.27),
            _ev(_TUX + "animals/mammals/bovines/ram.ogg", "sheep_bleat", "a ram bleats", 0.71),
            _ev(_TUX + "animals/mammals/pig_golden2.ogg", "pig_oink",
                "a pig snorts and grunts", 0.33),
            _ev(_TUX + "animals/birds/cuckoo.ogg", "songbird", "a cuckoo calls", 1.49),
            _ev(_TUX + "animals/insects/mosquito.ogg", "insect_buzz",
                "a mosquito whines past", 3.94),
            _ev(_TUX + "household/tools/mallet_metal.ogg", "metal_clang",
                "a metal mallet strikes", 0.22),
            _ev(_TUX + "hobbies/music/percussion/drumkit.ogg", "drum",
                "a drum kit is played", 3.81),
            _ev(_TUX + "animals/birds/quetzal.ogg", "songbird", "a tropical bird calls", 0.93),
        ),
    ),
    DebSource(
        DebPin("megaglest-data", "3.13.0-3",
               "ed4783d9fc78e201a548b266f7c30325eb16cfd58a20bf4597dd6e622f84a07e",
               "pool/main/m/megaglest-data/megaglest-data_3.13.0-3_all.deb",
               sha1="04c7fd16c5ea17f2195fe0cd292ee7fdea651269"),
        size=242_024_888, license="CC-BY-SA-3.0",
        copyright="2001-2008 The Glest Team and the MegaGlest contributors",
        recordings=(
            _ev(_MEGA_SFX + "cow_ack1.wav", "cow_moo", "a cow lows", 1.4),
            _ev(_MEGA_SFX + "cow_ack2.wav", "cow_moo", "a cow moos", 1.94),
            _ev(_MEGA_SFX + "cow_select1.wav", "cow_moo", "a cow moos briefly", 1.09),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep1.wav", "sheep_bleat",
                "a sheep baas", 0.85),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep2.wav", "sheep_bleat",
                "a sheep bleats", 0.84),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep4.wav", "sheep_bleat",
                "a sheep bleats twice", 1.21),
            _ev(_MEGA_SFX + "pig_ack1.wav", "pig_oink", "a pig grunts and oinks", 0.77),
            _ev(_MEGA_SFX + "pig_ack2.wav", "pig_oink", "a pig squeals", 1.17),
            _ev(_MEGA_UNITS + "norsemen/units/wild_sow/sounds/pig_ack5.wav", "pig_oink",
                "a sow grunts", 1.04),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_standing1.wav", "chicken_cluck",
                "a chicken clucks", 1.45),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_standing2.wav", "chicken_cluck",
                "a chicken clucks softly", 1.11),
            _ev(_MEGA_TILES + "birch_forest/sounds/chicken.wav", "chicken_cluck",
                "chickens cluck in a yard", 1.78),
            _ev(_MEGA_TILES + "autumn/sounds/rooster.ogg", "rooster_crow",
                "a rooster crows at dawn", 2.54),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/ele1.wav", "elephant_trumpet",
                "an elephant trumpets briefly", 1.1),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/ele2.wav", "elephant_trumpet",
                "an elephant trumpets", 2.07),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/ele3.wav", "elephant_trumpet",
                "an elephant trumpets loudly", 2.58),
            _ev(_MEGA_TILES + "autumn/sounds/owl.ogg", "owl_hoot", "an owl hoots at night", 1.86),
            _ev(_MEGA_TILES + "birch_forest/sounds/wolf.wav", "wolf_howl", "a wolf howls", 4.57),
            _ev(_MEGA_TILES + "desert2/sounds/wolf.wav", "wolf_howl",
                "a wolf howls in the distance", 1.18),
            _ev(_MEGA_UNITS + "indian/units/beehive/sounds/bee1.wav", "insect_buzz",
                "bees buzz", 1.45),
            _ev(_MEGA_UNITS + "indian/units/beehive/sounds/bee3.wav", "insect_buzz",
                "a swarm of bees buzzes", 2.6),
            _ev(_MEGA_SFX + "worker_harvest_wood1.wav", "wood_chop", "an axe chops wood", 0.17),
            _ev(_MEGA_SFX + "worker_harvest_wood3.wav", "wood_chop", "an axe strikes a log", 0.24),
            _ev(_MEGA_SFX + "worker_mine1.wav", "pickaxe", "a pickaxe strikes rock", 0.76),
            _ev(_MEGA_SFX + "worker_mine2.wav", "pickaxe", "a pick hits stone", 0.52),
            _ev(_MEGA_SFX + "tech_building_fall1.wav", "crash", "a building collapses", 4.31),
            _ev(_MEGA_SFX + "tech_building_fall3.wav", "crash", "a structure crashes down", 3.32),
            _bg(_MEGA_TILES + "autumn/sounds/rain.ogg", "rain", "steady rain", 15.82),
            _bg(_MEGA_TILES + "birch_forest/sounds/rain.ogg", "rain",
                "rain falling in a forest", 24.52),
            _bg(_MEGA_TILES + "desert2/sounds/rain.wav", "rain", "heavy rain", 17.76),
            _bg(_MEGA_TILES + "dark_forest/sounds/rain.ogg", "rain", "rain pattering", 3.77),
            _bg(_MEGA_TILES + "winter/sounds/wind.ogg", "wind", "cold wind blowing", 31.85),
            _bg(_MEGA_TILES + "spring/sounds/day.ogg", "birds",
                "birds singing on a spring day", 59.86),
            _bg(_MEGA_TILES + "fernland/sounds/day.ogg", "birds", "birdsong in a forest", 57.09),
            _bg(_MEGA_TILES + "birch_forest/sounds/day.ogg", "birds",
                "birds chirping in a birch forest", 35.86),
            _bg(_MEGA_TILES + "autumn/sounds/sunny_day.ogg", "birds",
                "birds on a sunny day", 20.57),
            _bg(_MEGA_TILES + "birch_forest/sounds/night.ogg", "insects",
                "crickets chirping at night", 131.29),
            _bg(_MEGA_TILES + "fernland/sounds/night.ogg", "insects",
                "night insects in a forest", 90.44),
            _bg(_MEGA_TILES + "dark_forest/sounds/night.ogg", "insects",
                "a night in a dark forest", 51.04),
            _bg(_MEGA_TILES + "autumn/sounds/nightime.ogg", "insects",
                "crickets on an autumn night", 21.0),
            _bg(_MEGA_TILES + "mediterran/sounds/desertday.ogg", "desert",
                "a hot dry day outdoors", 50.04),
            _bg(_MEGA_TILES + "desert2/sounds/day.ogg", "desert", "a quiet desert day", 7.99),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_ack1.wav", "chicken_cluck",
                "a hen clucks", 1.39),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_ack2.wav", "chicken_cluck",
                "a chicken clucks twice", 1.07),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_ack3.wav", "chicken_cluck",
                "a chicken clucks and cackles", 1.39),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_select1.wav", "chicken_cluck",
                "a chicken clucks briefly", 1.02),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_select2.wav", "chicken_cluck",
                "a hen clucks quietly", 0.93),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep3.wav", "sheep_bleat",
                "a sheep bleats", 0.94),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep5.wav", "sheep_bleat",
                "a sheep baas loudly", 1.01),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep6.wav", "sheep_bleat",
                "a sheep bleats briefly", 1.07),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep7.wav", "sheep_bleat",
                "a lamb bleats", 1.16),
            _ev(_MEGA_SFX + "pig_select1.wav", "pig_oink", "a pig oinks", 0.69),
            _ev(_MEGA_SFX + "cow_ack3.wav", "cow_moo", "a cow moos", 1.94),
            _ev(_MEGA_UNITS + "indian/units/beehive/sounds/bee2.wav", "insect_buzz",
                "bees hum around a hive", 1.34),
            _ev(_MEGA_SFX + "worker_mine3.wav", "pickaxe", "a pickaxe hits rock", 0.2),
            _ev(_MEGA_SFX + "worker_mine4.wav", "pickaxe", "a pick chips at stone", 0.23),
            _ev(_MEGA_SFX + "worker_harvest_wood2.wav", "wood_chop",
                "an axe bites into wood", 0.2),
            _bg(_MEGA_TILES + "dark_forest/sounds/day.ogg", "birds",
                "birds singing in a forest by day", 38.49),
            _bg(_MEGA_TILES + "mediterran/sounds/night.ogg", "insects",
                "crickets on a warm night", 42.97),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/ele4.wav", "elephant_trumpet",
                "an elephant rumbles and trumpets", 1.8),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/ele5.wav", "elephant_trumpet",
                "a low elephant call", 2.06),
            _ev(_MEGA_UNITS + "persian/units/elephant/sounds/eleattack3.wav", "elephant_trumpet",
                "an elephant blares a trumpet call", 0.66),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_ack4.wav", "chicken_cluck",
                "a chicken clucks", 0.93),
            _ev(_MEGA_UNITS + "egypt/units/chicken/sounds/chicken_select3.wav", "chicken_cluck",
                "a hen clucks twice", 0.74),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep8.wav", "sheep_bleat",
                "a sheep bleats", 1.29),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep9.wav", "sheep_bleat",
                "a loud sheep bleat", 1.07),
            _ev(_MEGA_UNITS + "persian/units/sheep/sounds/sheep10.wav", "sheep_bleat",
                "a sheep baas", 1.18),
            _ev(_MEGA_UNITS + "norsemen/units/wild_sow/sounds/pig_attack1.wav", "pig_oink",
                "a sow grunts angrily", 1.49),
            _ev(_MEGA_UNITS + "norsemen/units/wild_sow/sounds/pig_attack3.wav", "pig_oink",
                "a pig squeals and grunts", 1.24),
            _ev(_MEGA_SFX + "cow_select2.wav", "cow_moo", "a cow moos quietly", 0.74),
            _ev(_MEGA_SFX + "cow_select3.wav", "cow_moo", "a cow lows", 1.23),
            _ev(_MEGA_UNITS + "indian/units/bull/sounds/bull_ack2.wav", "cow_moo",
                "a bull bellows", 1.83),
            _ev(_MEGA_UNITS + "indian/units/bull/sounds/bull_select2.wav", "cow_moo",
                "a bull lows", 1.53),
            _ev(_MEGA_SFX + "tech_building_fall4.wav", "crash", "a building crashes down", 4.1),
            _ev(_MEGA_TILES + "desert4/sounds/hawk.ogg", "hawk_cry", "a hawk screeches", 1.32),
            _ev(_MEGA_UNITS + "indian/units/thunderbird/sounds/eagle_ack1.wav", "hawk_cry",
                "an eagle cries", 1.42),
            _ev(_MEGA_UNITS + "indian/units/thunderbird/sounds/eagle_attack1.wav", "hawk_cry",
                "an eagle screeches as it dives", 1.4),
            _ev(_MEGA_SFX + "horseman_walk1.wav", "hooves", "hooves clop on the ground", 1.09),
            _ev(_MEGA_SFX + "horseman_walk2.wav", "hooves",
                "a horse walks, hooves clopping", 1.16),
            _ev(_MEGA_SFX + "horseman_walk3.wav", "hooves", "hoofbeats", 1.19),
        ),
    ),
    DebSource(
        DebPin("lincity-ng-data", "2.9~git20150314-5",
               "8f5e85bd42879abdc7099b035d7a3d7468eceb6b93b52a12270c28f3f3c792f9",
               "pool/main/l/lincity-ng/lincity-ng-data_2.9~git20150314-5_all.deb",
               sha1="3b482df8ff667eb865409b4da1d5b518fbf26e0d"),
        size=44_782_216, license="GPL-2+",
        copyright="the LinCity-NG contributors (GPL or CC-BY-SA-2.0; Debian uses the GPL)",
        recordings=(
            _ev(_LINCITY + "Blacksmith1.wav", "anvil", "a blacksmith hammers metal", 4.0),
            _ev(_LINCITY + "Blacksmith2.wav", "anvil", "hammer blows in a smithy", 4.0),
            _ev(_LINCITY + "Blacksmith3.wav", "anvil", "a smith hammers on an anvil", 4.01),
            _ev(_LINCITY + "Fire1.wav", "fire_crackle", "a fire crackles", 4.0),
            _ev(_LINCITY + "Fire2.wav", "fire_crackle", "flames crackle", 4.0),
            _ev(_LINCITY + "SportsCroud1.wav", "crowd_cheer", "a stadium crowd cheers", 4.0),
            _ev(_LINCITY + "SportsCroud2.wav", "crowd_cheer", "a crowd cheers at a game", 4.0),
            _ev(_LINCITY + "RailTrain1.wav", "train", "a train rattles along the track", 3.93),
            _ev(_LINCITY + "RailTrain2.wav", "train", "a train passes", 4.0),
            _ev(_LINCITY + "RocketTakeoff1.wav", "rocket", "a rocket takes off", 4.01),
            _ev(_LINCITY + "FireStation3.wav", "siren", "a siren wails at a fire station", 4.0),
            _bg(_LINCITY + "Water1.wav", "water", "water lapping", 4.01),
            _bg(_LINCITY + "ParklandLake1.wav", "water", "a lake shore", 4.0),
            _bg(_LINCITY + "MarketFull1.wav", "crowd", "a busy market crowd", 4.01),
            _bg(_LINCITY + "MarketMed1.wav", "crowd", "people chatting at a market", 4.0),
            _bg(_LINCITY + "TraficHigh1.wav", "traffic", "heavy traffic", 4.0),
            _bg(_LINCITY + "TraficHigh2.wav", "traffic", "busy road traffic", 4.0),
            _bg(_LINCITY + "TraficLow1.wav", "traffic", "light traffic passing", 4.0),
            _bg(_LINCITY + "TraficLow2.wav", "traffic", "a few cars pass", 3.95),
            _bg(_LINCITY + "Substation4.wav", "hum", "an electrical hum", 2.91),
            _bg(_LINCITY + "PowerCoalFull.wav", "hum",
                "machinery humming in a power station", 4.01),
            _ev(_LINCITY + "SportsCroud3.wav", "crowd_cheer", "a crowd cheers in a stadium", 4.01),
            _ev(_LINCITY + "RailTrain3.wav", "train", "a train clatters past", 4.01),
            _ev(_LINCITY + "Fire3.wav", "fire_crackle", "a fire burns and crackles", 5.0),
            _bg(_LINCITY + "TraficHigh3.wav", "traffic", "dense traffic on a road", 4.0),
            _bg(_LINCITY + "TraficLow3.wav", "traffic", "occasional cars on a road", 3.75),
            _bg(_LINCITY + "Water2.wav", "water", "water lapping at a shore", 4.0),
            _bg(_LINCITY + "ParklandLake2.wav", "water", "a lake in a park", 3.87),
            _bg(_LINCITY + "MarketLow1.wav", "crowd", "a few people at a market", 2.86),
        ),
    ),
    DebSource(
        DebPin("lugaru-data", "1.2-6",
               "6a25e8d2d7c2d94b7873669d1f52137b2ba56e86ba5c2f08fefeacd65e526023",
               "pool/main/l/lugaru/lugaru-data_1.2-6_all.deb",
               sha1="253fa06021286ef6fb112abb0715c33106e80c5c"),
        size=34_165_204, license="CC-BY-SA-3.0",
        copyright="2003, 2010 Wolfire Games",
        recordings=(
            _ev(_LUGARU + "Bark.ogg", "dog_bark", "a single sharp dog bark", 0.58),
            _ev(_LUGARU + "Bark2.ogg", "dog_bark", "a short dog bark", 0.45),
            _ev(_LUGARU + "Bark3.ogg", "dog_bark", "a dog barks once", 0.65),
            _ev(_LUGARU + "FootStepGrass1.ogg", "footstep", "a footstep on grass", 0.33),
            _ev(_LUGARU + "FootStepStone1.ogg", "footstep", "a footstep on stone", 0.26),
            _ev(_LUGARU + "Clank1.ogg", "metal_clang", "a metallic clank", 0.29),
            _ev(_LUGARU + "MetalHit.ogg", "metal_clang", "a metal hit rings out", 1.4),
            _ev(_LUGARU + "Fire.ogg", "fire_crackle", "a fire burns and crackles", 4.08),
            _ev(_LUGARU + "Whoosh.ogg", "whoosh", "something whooshes past", 2.02),
            _ev(_LUGARU + "MidWhoosh.ogg", "whoosh", "a quick whoosh", 0.33),
            _ev(_LUGARU + "LowWhoosh.ogg", "whoosh", "a low swish", 0.36),
            _ev(_LUGARU + "HighWhoosh.ogg", "whoosh", "a sharp swish", 0.24),
            _ev(_LUGARU + "MoveWhoosh.ogg", "whoosh", "a body swishes through the air", 0.44),
            _ev(_LUGARU + "KnifeSwish.ogg", "whoosh", "a blade swishes", 0.18),
            _ev(_LUGARU + "Thud.ogg", "thud", "a dull thud", 0.48),
            _ev(_LUGARU + "HeavyImpact.ogg", "thud", "a heavy impact", 1.04),
            _bg(_LUGARU + "Wind.ogg", "wind", "wind blowing steadily", 60.11),
            _bg(_LUGARU + "DesertAmbient.ogg", "desert", "wind over a desert", 60.11),
            _ev(_LUGARU + "FootStepGrass2.ogg", "footstep", "a step on grass", 0.38),
            _ev(_LUGARU + "FootStepStone2.ogg", "footstep", "a step on a stone floor", 0.29),
            _ev(_LUGARU + "FootStepSnow1.ogg", "footstep", "a footstep crunches in snow", 0.13),
            _ev(_LUGARU + "FootStepSnow2.ogg", "footstep", "a step in deep snow", 0.21),
            _ev(_LUGARU + "Growl.ogg", "growl", "a wild animal growls", 1.3),
            _ev(_LUGARU + "Growl2.ogg", "growl", "a low growl", 1.15),
            _ev(_LUGARU + "Snarl.ogg", "growl", "an animal snarls", 0.36),
            _ev(_LUGARU + "Snarl2.ogg", "growl", "a vicious snarl", 0.35),
            _ev(_LUGARU + "BarkGrowl.ogg", "dog_bark", "a dog barks and growls", 0.27),
            _ev(_LUGARU + "Clank2.ogg", "metal_clang", "a metal clank", 0.6),
            _ev(_LUGARU + "Clank3.ogg", "metal_clang", "a dull metallic clank", 0.46),
            _ev(_LUGARU + "Land.ogg", "thud", "someone lands with a thump", 0.38),
            _ev(_LUGARU + "Land1.ogg", "thud", "a body lands heavily", 0.59),
            _ev(_LUGARU + "Hawk.ogg", "hawk_cry", "a hawk cries", 2.03),
        ),
    ),
    DebSource(
        DebPin("minetest-data", "5.6.1+dfsg+~1.9.0mt8+dfsg-2",
               "91371dd2bd51cfcd4fa60c138667989a47047dfe1a47f7523b9ad1782d397585",
               "pool/main/m/minetest/minetest-data_5.6.1+dfsg+~1.9.0mt8+dfsg-2_all.deb",
               sha1="fc1668f11bf2cecda7d60d1028e700da3c695649"),
        size=3_646_524, license="CC-BY-SA-3.0",
        copyright="the Minetest Game contributors",
        recordings=(
            _ev(_MINETEST + "default/sounds/default_gravel_footstep.1.ogg", "footstep",
                "a footstep on gravel", 0.27),
            _ev(_MINETEST + "default/sounds/default_hard_footstep.1.ogg", "footstep",
                "a footstep on a hard floor", 0.28),
            _ev(_MINETEST + "default/sounds/default_snow_footstep.1.ogg", "footstep",
                "a footstep in snow", 0.27),
            _ev(_MINETEST + "doors/sounds/doors_door_open.ogg", "door",
                "a wooden door creaks open", 0.42, license="CC-BY-3.0",
                credit=("2014-2016 CGEffex, bennstir, PilzAdam, BlockMen, MasterGollum, "
                        "Gambit and others (doors mod)")),
            _ev(_MINETEST + "doors/sounds/doors_door_close.ogg", "door",
                "a wooden door shuts", 0.57, license="CC-BY-3.0",
                credit=("2014-2016 CGEffex, bennstir, PilzAdam, BlockMen, MasterGollum, "
                        "Gambit and others (doors mod)")),
            _ev(_MINETEST + "doors/sounds/doors_fencegate_close.ogg", "door",
                "a gate closes with a clack", 0.68, license="CC-BY-3.0",
                credit=("2014-2016 CGEffex, bennstir, PilzAdam, BlockMen, MasterGollum, "
                        "Gambit and others (doors mod)")),
            _ev(_MINETEST + "default/sounds/default_break_glass.1.ogg", "glass_break",
                "glass shatters", 0.55),
            _ev(_MINETEST + "default/sounds/default_break_glass.2.ogg", "glass_break",
                "a pane of glass breaks", 0.83),
            _ev(_MINETEST + "default/sounds/default_break_glass.3.ogg", "glass_break",
                "glass smashes", 0.67),
            _ev(_MINETEST + "default/sounds/default_dig_choppy.1.ogg", "wood_chop",
                "an axe chops into wood", 0.28),
            _ev(_MINETEST + "default/sounds/default_dig_choppy.2.ogg", "wood_chop",
                "a chop on wood", 0.28),
            _ev(_MINETEST + "default/sounds/default_dig_cracky.1.ogg", "pickaxe",
                "a pick cracks stone", 0.28),
            _ev(_MINETEST + "default/sounds/default_dig_cracky.2.ogg", "pickaxe",
                "a pick chips stone", 0.28),
            _ev(_MINETEST + "default/sounds/default_dig_cracky.3.ogg", "pickaxe",
                "a pick strikes stone", 0.28),
            _ev(_MINETEST + "tnt/sounds/tnt_explode.ogg", "explosion",
                "dynamite explodes", 1.33, license="CC0-1.0"),
            _ev(_MINETEST + "default/sounds/default_water_footstep.1.ogg", "water_splash",
                "someone splashes through water", 2.41),
            _ev(_MINETEST + "default/sounds/default_water_footstep.2.ogg", "water_splash",
                "feet splash through shallow water", 2.15),
            _ev(_MINETEST + "fire/sounds/fire_small.ogg", "fire_crackle",
                "a small fire crackles", 6.47),
            _ev(_MINETEST + "fire/sounds/fire_large.ogg", "fire_crackle",
                "a large fire roars and crackles", 8.45),
            _ev(_MINETEST + "env_sounds/sounds/env_sounds_lava.1.ogg", "bubbles",
                "thick liquid bubbles and pops", 7.82),
            _ev(_MINETEST + "env_sounds/sounds/env_sounds_lava.2.ogg", "bubbles",
                "bubbling and popping", 7.12),
            _ev(_MINETEST + "default/sounds/default_cool_lava.1.ogg", "steam_hiss",
                "hot rock hisses as it cools", 0.94),
            _ev(_MINETEST + "default/sounds/default_cool_lava.2.ogg", "steam_hiss",
                "water hisses on hot rock", 0.65),
            _bg(_MINETEST + "env_sounds/sounds/env_sounds_water.1.ogg", "water",
                "a stream flowing", 6.0),
            _bg(_MINETEST + "env_sounds/sounds/env_sounds_water.2.ogg", "water",
                "running water", 5.96),
            _bg(_MINETEST + "env_sounds/sounds/env_sounds_water.3.ogg", "water",
                "water trickling", 5.97),
            _bg(_MINETEST + "default/sounds/default_furnace_active.ogg", "hum",
                "a furnace roaring", 10.0),
            _ev(_MINETEST + "default/sounds/default_wood_footstep.1.ogg", "footstep",
                "a step on wooden boards", 0.16),
            _ev(_MINETEST + "default/sounds/default_sand_footstep.1.ogg", "footstep",
                "a step on sand", 0.28),
            _ev(_MINETEST + "default/sounds/default_dirt_footstep.1.ogg", "footstep",
                "a step on soft earth", 0.49),
            _ev(_MINETEST + "default/sounds/default_metal_footstep.1.ogg", "footstep",
                "a step on a metal floor", 0.25),
            _ev(_MINETEST + "default/sounds/default_ice_footstep.1.ogg", "footstep",
                "a step on ice", 0.23),
            _ev(_MINETEST + "default/sounds/default_gravel_footstep.2.ogg", "footstep",
                "a step crunches on gravel", 0.51),
            _ev(_MINETEST + "doors/sounds/doors_steel_door_open.ogg", "door",
                "a steel door opens", 0.21, license="CC-BY-3.0", credit=_DOORS_MOD),
            _ev(_MINETEST + "doors/sounds/doors_steel_door_close.ogg", "door",
                "a steel door clangs shut", 0.55, license="CC-BY-3.0", credit=_DOORS_MOD),
            _ev(_MINETEST + "doors/sounds/doors_glass_door_open.ogg", "door",
                "a glass door slides open", 0.45, license="CC-BY-3.0", credit=_DOORS_MOD),
            _ev(_MINETEST + "doors/sounds/doors_glass_door_close.ogg", "door",
                "a glass door closes", 0.5, license="CC-BY-3.0", credit=_DOORS_MOD),
            _ev(_MINETEST + "doors/sounds/doors_fencegate_open.ogg", "door",
                "a wooden gate opens", 0.61, license="CC-BY-3.0", credit=_DOORS_MOD),
            _ev(_MINETEST + "fire/sounds/fire_fire.1.ogg", "fire_crackle",
                "flames crackle and roar", 4.22),
            _ev(_MINETEST + "fire/sounds/fire_fire.2.ogg", "fire_crackle",
                "a fire crackles steadily", 4.31),
            _ev(_MINETEST + "default/sounds/default_water_footstep.3.ogg", "water_splash",
                "someone wades through water", 2.49),
            _ev(_MINETEST + "default/sounds/default_dig_choppy.3.ogg", "wood_chop",
                "a hatchet chops wood", 0.28),
            _ev(_MINETEST + "default/sounds/default_cool_lava.3.ogg", "steam_hiss",
                "something hot hisses in water", 0.41),
            _ev(_MINETEST + "xpanes/sounds/xpanes_steel_bar_door_open.ogg", "door",
                "a barred steel door opens", 0.65),
            _ev(_MINETEST + "xpanes/sounds/xpanes_steel_bar_door_close.ogg", "door",
                "a barred steel door shuts", 0.65),
            _ev(_MINETEST + "fire/sounds/fire_fire.3.ogg", "fire_crackle",
                "a fire crackles and pops", 4.27),
        ),
    ),
    DebSource(
        DebPin("openttd-opensfx", "1.0.3-2",
               "2898b4677a3caccc4abc08fb4cf83319047b5a04729291deb5c77a8cd713c006",
               "pool/main/o/openttd-opensfx/openttd-opensfx_1.0.3-2_all.deb",
               sha1="7a82866cc2c78a49fc7b37363d29f234d94bba72"),
        size=9_895_076, license="CC-BY-SA-3.0 or GPL-2+ or CDDL-1.1",
        copyright="the OpenSFX contributors (each sample names its author and licence)",
        recordings=(
            _ev(_OPENSFX + "37", "cow_moo", "a cow moans", 1.49, license="CC0-1.0",
                credit=('"Cow". Original "Cow - Moan 2 - 96kHz.wav" by "Jarred Gib". Edited '
                        'by "Wuzzy".')),
            _ev(_OPENSFX + "36", "sheep_bleat",
                "sheep bleat in a field in summer", 1.32, license="CC0-1.0",
                credit=('"Sheep". Original "Corner of a sheep field in summer" by David R '
                        'Barnes. Edited by "Wuzzy".')),
            _ev(_OPENSFX + "38", "horse_neigh", "a horse neighs", 1.83, license="CC-BY-3.0",
                credit=('"Horse". Original "20060419.horse.neigh.wav" by "dobroide". Edited '
                        'by "Wuzzy".')),
            _ev(_OPENSFX + "67", "big_cat_roar",
                "a big cat growls and roars", 2.83, license="CC0-1.0",
                credit=('"Tropical: Lion roar". Original "elaine-growl.wav" by Elaine '
                        'Miller. Edited by "Wuzzy".')),
            _ev(_OPENSFX + "68", "ape_call", "monkeys scream", 1.82, license="CC0-1.0",
                credit=('"Tropical: Monkeys". Original "Affen schreit.mp3" by "Bidone". '
                        'Edited by "Wuzzy".')),
            _ev(_OPENSFX + "66", "songbird", "a tropical bird calls", 2.15, license="CC0-1.0",
                credit=('"Tropical: Bird (1)". Original "Bird Noise - 1.wav" by "SpaceJoe". '
                        'Edited by "Wuzzy".')),
            _ev(_OPENSFX + "72", "songbird", "a tropical bird chirps", 2.99, license="CC0-1.0",
                credit=('"Tropical: Bird (2)". Original "Bird Noise - 12.wav" by '
                        '"SpaceJoe". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "39", "anvil", "hammering in a smithy", 2.43, license="CC-BY-3.0",
                credit=('"Building bridge". Original "in the smithy 2.wav" by "l0calh05t". '
                        'Edited by "Wuzzy".')),
            _ev(_OPENSFX + "55", "wood_chop",
                "a tree is chopped with an axe", 2.6, license="CC0-1.0",
                credit=('"Lumber mill: Falling tree". Original "cutting_tree.wav" by '
                        '"fkurz". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "40", "saw",
                "a circular saw cuts through wood", 3.9, license="CC-BY-3.0",
                credit=('"Sawmill". Original "Circular saw crosscutting.wav" by '
                        '"Benboncan". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "56", "saw", "a chainsaw runs", 2.71, license="CC-BY-3.0",
                credit=('"Lumber mill: Chainsaw". Original "CHAINSAW.wav" by "JFBSAUVE". '
                        "Edited by Janis Lukss.")),
            _ev(_OPENSFX + "18", "explosion", "an explosion booms", 1.61, license="CC-BY-3.0",
                credit='"Explosion". By Janis Lukss.'),
            _ev(_OPENSFX + "29", "crowd_cheer", "an audience applauds", 3.69, license="CC-BY-3.0",
                credit=('"Applause". Original "Approx 850 - Enthusiast Audience.wav" by '
                        '"lonemonk". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "4", "train",
                "a steam train sounds its whistle and departs", 2.1, license="CC-BY-3.0",
                credit=('"Steam train station departure". Original "steam train horn '
                        '01.wav" by "eliasheuninck". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "10", "train",
                "a diesel locomotive sounds its horn", 1.99, license="CC-BY-3.0",
                credit=('"Diesel/electric train station departure". Original "Locomotive 1 '
                        'Distant horn.wav" by "patchen". Edited by Janis Lukss.')),
            _ev(_OPENSFX + "71", "train", "a train passes by", 2.49, license="CC-BY-3.0",
                credit=('"Monorail train station departure". Original "Train passby (tape '
                        'stop).wav" by "Metzik". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "9", "jet_aircraft",
                "a jet airliner takes off", 3.33, license="CC-BY-3.0",
                credit=('"Early jet take off". Original "Passenger jet departs 2.wav" by '
                        '"www.digifishmusic.com". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "59", "jet_aircraft",
                "a jet roars as it takes off", 4.04, license="CC-BY-3.0",
                credit=('"Mach 1+ Jet take off". Original "Landing Jet 5 (Close).wav" by '
                        '"bigpickle51". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "61", "jet_aircraft", "military jets fly past", 3.08, license="CC0-1.0",
                credit=('"Modern jet take off". Original "5_Navy-Blue-Angels-jets_CLIP.wav" '
                        'by ibisradio. Edited by "Wuzzy".')),
            _ev(_OPENSFX + "8", "propeller_plane",
                "a propeller plane starts its engine", 3.12, license="CC-BY-3.0",
                credit=('"Propeller plane start". Original "Plane Cessna start stop.wav" by '
                        '"Cheeseheadburger". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "69", "propeller_plane",
                "a propeller aircraft takes off", 3.83, license="CC0-1.0",
                credit=('"Toyland: Propeller plane take off". Original "Airplane '
                        'propeller.wav" by "MrVasLuk". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "24", "helicopter", "a helicopter flies", 2.47, license="CC-BY-SA-3.0",
                credit=('"Helicopter". Original "helicopterRaw_16sec.wav" by "lorenzosu". '
                        'Edited by "Wuzzy".')),
            _ev(_OPENSFX + "25", "engine",
                "a truck engine starts and pulls away", 4.02, license="CC0-1.0",
                credit=('"Truck/old bus start, pull away". Original "file0375.mp3" by '
                        '"saphix". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "27", "engine",
                "a bus starts and drives off", 2.88, license="CC-BY-3.0",
                credit=('"Modern bus start". Original "london bus approaches & leaves.wav" '
                        'by "icmusic". Edited by Janis Lukss.')),
            _ev(_OPENSFX + "28", "engine", "an old bus engine starts", 2.76, license="CC-BY-3.0",
                credit=('"Old bus start". Original "t_start1.mp3" by "roscoetoon". Edited '
                        "by Janis Lukss.")),
            _ev(_OPENSFX + "35", "car_horn", "a car horn honks", 0.67, license="CC-BY-3.0",
                credit=('"Modern car horn". Original "claxon.wav" by "han1". Edited by '
                        "Janis Lukss.")),
            _ev(_OPENSFX + "26", "car_horn",
                "a truck pulls away sounding its air horn", 4.02, license="CC0-1.0",
                credit=('"Truck/old bus start, pull away with horn". Original '
                        '"file0375.mp3" by "saphix" and "Industrial Air Horn.wav" by '
                        '"mcpable". Edited by "Wuzzy".')),
            _ev(_OPENSFX + "6", "ship_horn", "a ship's horn blows", 2.4, license="CC-BY-3.0",
                credit='"Ship horn". Original "ship2_bergen.aif" by Leon Milo. Edited by Wuzzy.'),
            _ev(_OPENSFX + "7", "ship_horn", "a ferry sounds its horn", 3.19, license="CC-BY-3.0",
                credit=('"Ferry horn". Original "msfinmarken_Bergen.aif" by Leon Milo. '
                        "Edited by Wuzzy.")),
            _ev(_OPENSFX + "20", "cash_register", "a cash till rings", 1.45, license="CC-BY-3.0",
                credit='"Cash till". By Janis Lukss.'),
            _ev(_OPENSFX + "14", "bell", "a level-crossing bell rings", 2.82, license="CC0-1.0",
                credit=('"Level crossing". Original "RRCrossing.wav" by "Mark_Ian". Edited '
                        'by "Wuzzy".')),
            _ev(_OPENSFX + "46", "bubbles", "bubbles gurgle", 0.74, license="CC0-1.0",
                credit=('"Toyland: Bubble generated". "Bubble 001.wav" by "ristooooo1". '
                        'Edited by "Wuzzy".')),
            _ev(_OPENSFX + "13", "steam_hiss",
                "steam hisses from an engine", 1.7, license="CC-BY-3.0",
                credit='"Steam (of steam engine)". By Janis Lukss.'),
            _ev(_OPENSFX + "12", "electric_zap",
                "electricity crackles and sparks", 2.87, license="CC-BY-3.0",
                credit=('"Electric sparking". Original "JacobsLadderLong2.flac" by '
                        '"Halleck". Edited by Janis Lukss.')),
            _ev(_OPENSFX + "17", "crash", "things crash and clatter", 1.73, license="CC-BY-3.0",
                credit='"Crash". Original "crash.wav" by "sagetyrtle". Edited by Janis Lukss.'),
            _ev(_OPENSFX + "33", "jackhammer", "a jackhammer pounds", 2.56, license="CC-BY-3.0",
                credit=('"Jackhammer". Original "air hammer half close.wav" by '
                        '"Bluesy1905". Cut and edited by "Wuzzy".')),
            _ev(_OPENSFX + "54", "tree_fall",
                "a tree crashes to the ground", 1.18, license="CC0-1.0",
                credit=('"Lumber mill: Crashing tree". Original "A Tree Falling Down.wav" '
                        'by "ecfike". Edited by "Wuzzy".')),
            _bg(_OPENSFX + "52", "wind", "wind gusting", 2.74, license="CC-BY-3.0",
                credit='"Wind". Original "wind1.wav" by "Anton". Edited by Janis Lukss.'),
            _ev(_OPENSFX + "65", "train",
                "a metro train leaves the station", 1.98, license="CC-BY-3.0",
                credit=('"Maglev train station departure". Original "metro.wav" by "Marec". '
                        "Mixed/edited by Janis Lukss.")),
        ),
    ),
    DebSource(
        DebPin("wordwarvi-sound", "1.0.4-2",
               "455adb1ebc1602523c719ce182f9b3deee9ae6677763011ad5740d09ea7a0529",
               "pool/main/w/wordwarvi/wordwarvi-sound_1.0.4-2_all.deb",
               sha1="888e98a67cbc278be352dee6cc45f4e17bb62249"),
        size=8_614_288, license="CC-BY-SA-3.0",
        copyright="2008 Stephen M. Cameron",
        recordings=(
            _ev(_WORDWARVI + "toyota_celica_cardoor_sample.ogg", "door", "a car door slams", 1.72),
            _ev(_WORDWARVI + "metalbang1.ogg", "metal_clang", "a metal object clangs", 1.09),
            _ev(_WORDWARVI + "metalbang2.ogg", "metal_clang", "metal bangs against metal", 1.05),
            _ev(_WORDWARVI + "clang.ogg", "metal_clang", "a short metallic clang", 0.62),
            _ev(_WORDWARVI + "big_explosion.ogg", "explosion", "a big explosion rumbles", 5.69),
            _ev(_WORDWARVI + "bombexplosion.ogg", "explosion", "a bomb explodes", 0.7),
            _ev(_WORDWARVI + "flak_gun_sound.ogg", "cannon", "an anti-aircraft gun fires", 0.31),
            _ev(_WORDWARVI + "jetwash.ogg", "jet_aircraft", "a jet engine roars", 3.0),
            _ev(_WORDWARVI + "us_quarter.ogg", "coins", "a coin drops and spins", 0.85),
            _ev(_WORDWARVI + "zzzt.ogg", "electric_zap", "an electric zap", 0.16),
            _ev(_WORDWARVI + "tesla_tower.ogg", "electric_zap",
                "an electric discharge buzzes", 0.53),
            _ev(_WORDWARVI + "new_ground_smack.ogg", "thud",
                "something heavy hits the ground", 1.11),
            _ev(_WORDWARVI + "bodyslam.ogg", "thud", "a body slams down", 0.41),
            _ev(_WORDWARVI + "missile_launch_2.ogg", "rocket", "a missile launches", 2.32),
            _ev(_WORDWARVI + "rocket_exhaust_1.ogg", "rocket", "a rocket engine roars", 3.35),
            _ev(_WORDWARVI + "metalbang3.ogg", "metal_clang", "a metal sheet bangs", 1.05),
            _ev(_WORDWARVI + "metalbang4.ogg", "metal_clang", "a metal object clanks", 1.34),
            _ev(_WORDWARVI + "metalbang5.ogg", "metal_clang", "metal clatters", 1.13),
            _ev(_WORDWARVI + "metalbang6.ogg", "metal_clang", "a heavy metal bang", 1.04),
            _ev(_WORDWARVI + "help_up_here.ogg", "speech", "a man calls for help", 1.76),
            _ev(_WORDWARVI + "help_down_here.ogg", "speech", "a man shouts for help", 1.84),
            _ev(_WORDWARVI + "aaaah_it_burns.ogg", "pain_cry", "a man screams in pain", 2.73),
            _ev(_WORDWARVI + "ooooof.ogg", "pain_cry", "a man groans as he is hit", 0.43),
            _ev(_WORDWARVI + "fallingscreamhi.ogg", "pain_cry", "a falling scream", 1.51),
        ),
    ),
    DebSource(
        DebPin("freeciv-data", "3.0.6-1+deb12u1",
               "278bed022b87408ca9923aa727bef3d6c97875c811723e93ff95dded1b9b76b2",
               "pool/main/f/freeciv/freeciv-data_3.0.6-1+deb12u1_all.deb",
               sha1="8d2fd63aa76a20e5eec8003f3b742723462e2804"),
        size=20_085_120, license="GPL-2+",
        copyright="the Freeciv contributors",
        recordings=(
            _ev(_FREECIV + "LrgExpl.ogg", "explosion", "a large explosion", 1.74),
            _ev(_FREECIV + "SmlExpl.ogg", "explosion", "a small explosion", 1.88),
            _ev(_FREECIV + "LrgCan.ogg", "cannon", "a large cannon fires", 1.99),
            _ev(_FREECIV + "MedCan.ogg", "cannon", "a cannon fires", 1.06),
            _ev(_FREECIV + "Mortar.ogg", "cannon", "a mortar fires", 0.94),
            _ev(_FREECIV + "MgBar1.ogg", "machine_gun", "a machine gun fires a burst", 1.0),
            _ev(_FREECIV + "MgBar2.ogg", "machine_gun", "a short machine-gun burst", 0.85),
            _ev(_FREECIV + "MgHeavy.ogg", "machine_gun", "a heavy machine gun fires", 2.0),
            _ev(_FREECIV + "Splash.ogg", "water_splash", "a big splash", 1.78),
            _ev(_FREECIV + "inh2o.ogg", "water_splash", "something plunges into water", 0.84),
            _ev(_FREECIV + "foot3.ogg", "footstep", "marching footsteps", 0.15),
        ),
    ),
    DebSource(
        DebPin("heroes-sound-effects", "1.0-6",
               "e0bf5e5077257b8acc475309906d9cf910c434d2ffa582f3e4c2157dd83c0909",
               "pool/main/h/heroes-sound-effects/heroes-sound-effects_1.0-6_all.deb",
               sha1="4468f542ff10c3ce4e928775fcc5f5bb0928c5c2"),
        size=336_648, license="GPL-2+",
        copyright="1997-2000 Alexandre Duret-Lutz, Romuald Genevois and the Heroes contributors",
        recordings=(
            _ev(_HEROES + "foule1.wav", "crowd_cheer", "a crowd cheers", 2.45),
            _ev(_HEROES + "foule2.wav", "crowd_cheer", "a crowd cheers and whistles", 4.98),
            _ev(_HEROES + "claxon.wav", "car_horn", "a horn honks", 0.78),
            _ev(_HEROES + "coins.wav", "coins", "coins jingle", 0.85),
            _ev(_HEROES + "argent01.wav", "coins", "coins clink", 1.24),
            _ev(_HEROES + "clock01.wav", "clock_tick", "a clock ticks", 2.78),
            _ev(_HEROES + "clock02.wav", "clock_tick", "a clock ticks briefly", 1.28),
        ),
    ),
    DebSource(
        DebPin("sonic-pi-samples", "3.2.2~repack-8",
               "25f2312d2fae005e6ad0f4726b8ed3084e776006a5a132083506e960224ac79d",
               "pool/main/s/sonic-pi/sonic-pi-samples_3.2.2~repack-8_all.deb",
               sha1="94ecb2b513353cae6151e4ca6c7c01ebf8577497"),
        size=21_882_696, license="CC0-1.0",
        copyright="Sonic Pi (Samuel Aaron); each sample's freesound.org author is named",
        recordings=(
            _ev(_SONICPI + "misc_crow.flac", "crow_caw", "a crow caws", 0.48,
                credit=("2008 davidworksonline, "
                        "https://freesound.org/people/davidworksonline/sounds/54973/")),
            _ev(_SONICPI + "perc_till.flac", "cash_register", "a cash register drawer opens", 2.67,
                credit="2013 Zott820, https://freesound.org/people/Zott820/sounds/209578/"),
            _ev(_SONICPI + "drum_tom_lo_hard.flac", "drum", "a low tom drum is hit hard", 1.0,
                credit="2010 menegass, https://freesound.org/people/menegass/sounds/100064/"),
            _ev(_SONICPI + "drum_snare_hard.flac", "drum", "a snare drum is hit", 0.44,
                credit="2010 menegass, https://freesound.org/people/menegass/sounds/100058/"),
            _ev(_SONICPI + "drum_roll.flac", "drum", "a drum roll", 6.24,
                credit="2006 Heigh-hoo, https://freesound.org/people/Heigh-hoo/sounds/19433/"),
            _ev(_SONICPI + "drum_cymbal_open.flac", "cymbal", "an open hi-hat cymbal", 1.8,
                credit="2010 menegass, https://freesound.org/people/menegass/sounds/100055/"),
            _ev(_SONICPI + "drum_splash_hard.flac", "cymbal", "a splash cymbal is hit", 2.6,
                credit="2010 menegass, https://freesound.org/people/menegass/sounds/100060/"),
            _ev(_SONICPI + "ambi_piano.flac", "piano", "soft piano notes", 2.81,
                credit=("2008 Rutger Muller <rutger@rutgermuller.nl>, "
                        "https://freesound.org/people/RutgerMuller/sounds/51245/")),
            _ev(_SONICPI + "guit_e_fifths.flac", "guitar", "an electric guitar plays fifths", 5.97,
                credit="2008 Sub-d, https://freesound.org/people/Sub-d/sounds/46990/"),
            _ev(_SONICPI + "guit_harmonics.flac", "guitar", "guitar harmonics ring", 3.53,
                credit="2012 BStateham, https://freesound.org/people/BStateham/sounds/141524/"),
            _ev(_SONICPI + "guit_e_slide.flac", "guitar", "a guitar slides", 4.33,
                credit="2005 Suva, https://freesound.org/people/Suva/sounds/2410/"),
            _ev(_SONICPI + "perc_bell.flac", "bell", "a bell is struck and rings", 6.72,
                credit=("2014 AlaskaRobotics, "
                        "https://freesound.org/people/AlaskaRobotics/sounds/221515/")),
            _ev(_SONICPI + "perc_bell2.flac", "bell", "a bell rings", 5.45, license="MIT",
                credit=("Sonic Pi (Samuel Aaron); not listed on its own in the copyright "
                        "file, so its catch-all stanza applies")),
            _ev(_SONICPI + "ambi_swoosh.flac", "whoosh", "a swoosh", 1.85,
                credit="2012 Halgrimm, https://freesound.org/people/Halgrimm/sounds/169867/"),
            _ev(_SONICPI + "drum_tom_mid_hard.flac", "drum", "a mid tom drum is hit hard", 0.73),
            _ev(_SONICPI + "drum_tom_hi_hard.flac", "drum", "a high tom drum is hit", 0.74),
            _ev(_SONICPI + "drum_snare_soft.flac", "drum", "a snare drum is tapped softly", 0.31),
            _ev(_SONICPI + "drum_bass_hard.flac", "drum", "a bass drum is kicked", 0.7),
            _ev(_SONICPI + "tabla_na.flac", "drum", "a tabla is struck", 0.72),
            _ev(_SONICPI + "tabla_tun1.flac", "drum", "a ringing tabla stroke", 2.34),
            _ev(_SONICPI + "tabla_ghe1.flac", "drum", "a low tabla stroke", 0.59),
            _ev(_SONICPI + "drum_cymbal_closed.flac", "cymbal", "a closed hi-hat cymbal", 0.21),
            _ev(_SONICPI + "drum_cymbal_hard.flac", "cymbal", "a cymbal is hit hard", 1.64),
            _ev(_SONICPI + "drum_cymbal_soft.flac", "cymbal", "a cymbal is struck softly", 0.95),
            _ev(_SONICPI + "drum_cymbal_pedal.flac", "cymbal", "a hi-hat pedal closes", 0.27),
            _ev(_SONICPI + "drum_splash_soft.flac", "cymbal", "a splash cymbal is tapped", 1.86),
            _ev(_SONICPI + "guit_em9.flac", "guitar", "an electric guitar chord rings", 9.97),
            _ev(_SONICPI + "perc_door.flac", "door", "a door creaks and shuts", 2.45),
        ),
    ),
    DebSource(
        DebPin("lmms-common", "1.2.2+dfsg1-6",
               "7d9aa55dd05f11edc57104203ee1c350e3e41f8936ab3741da2bb1158fd46c37",
               "pool/main/l/lmms/lmms-common_1.2.2+dfsg1-6_all.deb",
               sha1="9add783045e1c24696fd50887f9c9bbdfa3ecdac"),
        size=8_263_276, license="GPL-2+",
        copyright="the LMMS contributors",
        recordings=(
            _ev(_LMMS + "misc/applause01.ogg", "crowd_cheer", "people clap", 2.06),
            _ev(_LMMS + "drums/tom01.ogg", "drum", "a tom drum is hit", 0.66),
            _ev(_LMMS + "drums/crash01.ogg", "cymbal", "a cymbal crash", 0.92),
            _ev(_LMMS + "instruments/piano02.ogg", "piano", "a piano plays a chord", 10.02),
            _ev(_LMMS + "instruments/piano01.ogg", "piano", "a piano note", 0.93),
            _ev(_LMMS + "instruments/cello01.ogg", "bowed_strings", "a cello note is bowed", 1.87),
            _ev(_LMMS + "instruments/violin_fingered01.ogg", "bowed_strings",
                "a violin plays a few notes", 1.94),
            _ev(_LMMS + "instruments/steel_guitar01.ogg", "guitar",
                "a steel-string guitar is strummed", 4.82),
            _ev(_LMMS + "instruments/church_organ01.ogg", "organ", "a church organ plays", 11.84),
            _ev(_LMMS + "instruments/church_organ02.ogg", "organ", "a pipe organ chord", 10.02),
            _ev(_LMMS + "instruments/e_organ01.ogg", "organ", "an electric organ plays", 4.49),
            _ev(_LMMS + "instruments/flute01.ogg", "woodwind", "a flute plays", 11.42),
            _bg(_LMMS + "misc/raving_crowd01.ogg", "crowd", "a large crowd roars", 10.03),
            _ev(_LMMS + "drums/ride01.ogg", "cymbal", "a ride cymbal rings", 1.02),
            _ev(_LMMS + "drums/crash02.ogg", "cymbal", "a crash cymbal", 2.55),
            _ev(_LMMS + "drums/hihat_opened01.ogg", "cymbal", "an open hi-hat", 0.4),
            _ev(_LMMS + "drums/tom03.ogg", "drum", "a tom drum is struck", 1.05),
            _ev(_LMMS + "drums/snare_acoustic01.ogg", "drum", "an acoustic snare drum", 0.16),
            _ev(_LMMS + "instruments/church_organ03.ogg", "organ", "a church organ chord", 6.49),
            _ev(_LMMS + "instruments/church_organ04.ogg", "organ", "a pipe organ plays", 8.62),
            _ev(_LMMS + "instruments/violin_double_stop01.ogg", "bowed_strings",
                "a violin bows two strings", 1.24),
            _ev(_LMMS + "instruments/violin_pizzicato01.ogg", "bowed_strings",
                "violin strings are plucked", 0.31),
            _ev(_LMMS + "latin/latin_guitar01.ogg", "guitar",
                "an acoustic guitar plays a phrase", 3.81),
            _ev(_LMMS + "instruments/steel_guitar_slight_distorted01.ogg", "guitar",
                "an amplified steel guitar", 4.73),
        ),
    ),
    DebSource(
        DebPin("deepin-sound-theme", "15.10.6-1",
               "2995e5f94175ab5e7e36a26ae7fcabb3dbbaa089123d5244cbaeeb3376dd88fb",
               "pool/main/d/deepin-sound-theme/deepin-sound-theme_15.10.6-1_all.deb",
               sha1="056910241ac21f25430dc0824afeaf3f3d226991"),
        size=3_845_600, license="GPL-3",
        copyright="2015 Deepin Technology Co., Ltd.",
        recordings=(
            _ev(_DEEPIN + "camera-shutter.wav", "camera_shutter", "a camera shutter clicks", 0.42),
            _ev(_DEEPIN + "screen-capture.wav", "camera_shutter", "a shutter click", 0.26),
        ),
    ),
    DebSource(
        DebPin("hedgewars-data", "1.0.2-6",
               "722225903a72604403e6e0026e40e9a6953f47a74d94efc5f55504bc05bb4761",
               "pool/main/h/hedgewars/hedgewars-data_1.0.2-6_all.deb",
               sha1="bf0e6480d0b3742a55e1065bc15be94849196da8"),
        size=145_330_284, license="GFDL-1.3",
        copyright="2004-2006 Andrey Korotaev and the Hedgewars contributors",
        recordings=(
            _ev(_HEDGEWARS_VOICES + "British/Laugh.ogg", "laughter", "a man laughs", 1.04),
            _ev(_HEDGEWARS_VOICES + "Default/Laugh.ogg", "laughter", "a high voice laughs", 1.67),
            _ev(_HEDGEWARS_VOICES + "Default_es/Laugh.ogg", "laughter",
                "someone laughs heartily", 1.98),
            _ev(_HEDGEWARS_VOICES + "Default_pl/Laugh.ogg", "laughter", "a short laugh", 0.88),
            _ev(_HEDGEWARS_VOICES + "Default_ru/Laugh.ogg", "laughter", "someone chuckles", 1.3),
            _ev(_HEDGEWARS_VOICES + "Default_uk/Laugh.ogg", "laughter", "a quick laugh", 0.99),
            _ev(_HEDGEWARS_VOICES + "HillBilly/Laugh.ogg", "laughter",
                "a man cackles with laughter", 3.15),
            _ev(_HEDGEWARS_VOICES + "Mobster/Laugh.ogg", "laughter", "a man laughs gruffly", 1.3),
            _ev(_HEDGEWARS_VOICES + "Pirate/Laugh.ogg", "laughter", "a pirate-like laugh", 0.96),
            _ev(_HEDGEWARS_VOICES + "Russian/Laugh.ogg", "laughter", "a man laughs loudly", 1.7),
            _ev(_HEDGEWARS_VOICES + "Russian_pl/Laugh.ogg", "laughter", "a deep laugh", 1.07),
            _ev(_HEDGEWARS_VOICES + "Singer/Laugh.ogg", "laughter",
                "someone laughs gleefully", 1.09),
            _ev(_HEDGEWARS_VOICES + "Surfer/Laugh.ogg", "laughter", "a man giggles", 1.15),
            _ev(_HEDGEWARS_VOICES + "Default/PoisonCough.ogg", "cough", "someone coughs", 0.75),
            _ev(_HEDGEWARS_VOICES + "Default_es/PoisonCough.ogg", "cough",
                "a fit of coughing", 2.41),
            _ev(_HEDGEWARS_VOICES + "Default_pl/PoisonCough.ogg", "cough", "a short cough", 0.51),
            _ev(_HEDGEWARS_VOICES + "Default_ru/PoisonCough.ogg", "cough", "a single cough", 0.39),
            _ev(_HEDGEWARS_VOICES + "HillBilly/PoisonCough.ogg", "cough", "a hoarse cough", 0.9),
            _ev(_HEDGEWARS_VOICES + "British/Hello.ogg", "speech", "a man says hello", 1.02),
            _ev(_HEDGEWARS_VOICES + "British/Incoming.ogg", "speech",
                "a man shouts a warning", 0.85),
            _ev(_HEDGEWARS_VOICES + "British/Excellent.ogg", "speech", "a man exclaims", 1.08),
            _ev(_HEDGEWARS_VOICES + "Russian_pl/Hello.ogg", "speech",
                "a man greets someone", 1.03),
            _ev(_HEDGEWARS_VOICES + "Russian_pl/Hurry.ogg", "speech",
                "a man urges someone on", 0.95),
            _ev(_HEDGEWARS_VOICES + "Surfer/Hello.ogg", "speech",
                "a relaxed voice says hello", 1.21),
            _ev(_HEDGEWARS_VOICES + "Surfer/Amazing.ogg", "speech",
                "a man exclaims in surprise", 1.35),
            _ev(_HEDGEWARS_VOICES + "Russian/Hello.ogg", "speech",
                "a man speaks with an accent", 0.35),
            _ev(_HEDGEWARS_VOICES + "Mobster/Revenge.ogg", "speech",
                "a man mutters a threat", 1.52),
            _ev(_HEDGEWARS_VOICES + "Pirate/Hello.ogg", "speech", "a gruff voice speaks", 1.47),
            _ev(_HEDGEWARS + "Droplet1.ogg", "dripping",
                "a water drop falls", 0.24, license="CC-BY-SA-3.0",
                credit=("saugox, https://freesound.org/people/saugox/sounds/37548/")),
            _ev(_HEDGEWARS + "Droplet2.ogg", "dripping",
                "a drop of water plinks", 0.22, license="CC-BY-SA-3.0",
                credit=("saugox, https://freesound.org/people/saugox/sounds/37548/")),
            _ev(_HEDGEWARS + "Droplet3.ogg", "dripping",
                "a single drip", 0.37, license="CC-BY-SA-3.0",
                credit=("saugox, https://freesound.org/people/saugox/sounds/37548/")),
            _ev(_HEDGEWARS + "splash.ogg", "water_splash", "something splashes into water", 0.65),
            _ev(_HEDGEWARS + "shotgunfire.ogg", "gunshot", "a shotgun fires", 1.64),
            _ev(_HEDGEWARS + "gun.ogg", "gunshot", "a pistol shot", 0.56),
            _ev(_HEDGEWARS + "minigun.ogg", "machine_gun", "a rapid-fire gun rattles", 4.5),
            _ev(_HEDGEWARS + "explosion.ogg", "explosion", "an explosion booms", 1.24),
            _ev(_HEDGEWARS + "mortar.ogg", "cannon", "a mortar fires", 2.16),
            _ev(_HEDGEWARS + "bee.ogg", "insect_buzz", "a bee buzzes around", 4.13),
            _ev(_HEDGEWARS + "pickhammer.ogg", "jackhammer", "a pneumatic hammer rattles", 0.89),
            _ev(_HEDGEWARS + "whipcrack.ogg", "whoosh", "a whip swishes and cracks", 1.06),
            _ev(_HEDGEWARS + "shutterclick.ogg", "camera_shutter",
                "a camera shutter clicks", 0.52),
            _ev(_HEDGEWARS + "steps.ogg", "footstep", "soft footsteps", 0.3),
            _ev(_HEDGEWARS + "steam.ogg", "steam_hiss", "steam hisses", 0.91),
            _ev(_HEDGEWARS + "plane.ogg", "propeller_plane", "a propeller plane drones past", 3.8),
        ),
    ),
    DebSource(
        DebPin("wesnoth-1.16-data", "1:1.16.9-1",
               "1012b964bd412a6770685e3324ae3b61e176caff7846192d1ee63d55cd621e26",
               "pool/main/w/wesnoth-1.16/wesnoth-1.16-data_1.16.9-1_all.deb",
               sha1="bf99fcafa49c32ebad06d5a5d9f7c7441537f68e"),
        size=146_229_044, license="GPL-2+",
        copyright="2003-2009 David White and the Battle for Wesnoth contributors",
        recordings=(
            _ev(_WESNOTH + "human-hit-1.ogg", "pain_cry", "a man cries out as he is hit", 0.4),
            _ev(_WESNOTH + "human-hit-2.ogg", "pain_cry", "a man grunts in pain", 0.49),
            _ev(_WESNOTH + "human-hit-3.ogg", "pain_cry", "a man yelps", 0.38),
            _ev(_WESNOTH + "human-hit-4.ogg", "pain_cry", "a short cry of pain", 0.33),
            _ev(_WESNOTH + "human-hit-5.ogg", "pain_cry", "a man groans in pain", 0.42),
            _ev(_WESNOTH + "human-die-1.ogg", "pain_cry", "a man screams", 0.79),
            _ev(_WESNOTH + "human-die-2.ogg", "pain_cry", "a dying man's cry", 0.52),
            _ev(_WESNOTH + "human-die-3.ogg", "pain_cry", "a man cries out and falls", 0.63),
            _ev(_WESNOTH + "human-female-hit-1.ogg", "pain_cry",
                "a woman cries out in pain", 0.35),
            _ev(_WESNOTH + "human-female-hit-2.ogg", "pain_cry", "a woman yelps", 0.27),
            _ev(_WESNOTH + "human-female-hit-3.ogg", "pain_cry", "a woman gasps in pain", 0.26),
            _ev(_WESNOTH + "human-female-die-1.ogg", "pain_cry", "a woman screams", 0.64),
            _ev(_WESNOTH + "human-female-die-2.ogg", "pain_cry", "a woman's dying cry", 0.5),
            _ev(_WESNOTH + "human-female-die-3.ogg", "pain_cry", "a woman wails in pain", 0.66),
            _ev(_WESNOTH + "human-old-hit-1.ogg", "pain_cry", "an old man groans", 0.38),
            _ev(_WESNOTH + "human-old-hit-2.ogg", "pain_cry", "an old man cries out", 0.42),
            _ev(_WESNOTH + "human-old-die-1.ogg", "pain_cry", "an old man's dying groan", 0.61),
            _ev(_WESNOTH + "wolf-growl-1.ogg", "growl", "a wolf growls", 0.97),
            _ev(_WESNOTH + "wolf-growl-2.ogg", "growl", "a menacing growl", 0.94),
            _ev(_WESNOTH + "wolf-growl-3.ogg", "growl", "a low snarl", 0.76),
            _ev(_WESNOTH + "wolf-growl-4.ogg", "growl", "a deep growl", 0.91),
            _ev(_WESNOTH + "horse-die.ogg", "horse_neigh", "a horse screams", 1.05),
            _ev(_WESNOTH + "horse-hit-1.ogg", "horse_neigh", "a horse whinnies in alarm", 0.82),
            _ev(_WESNOTH + "horse-hit-2.ogg", "horse_neigh", "a horse neighs sharply", 0.87),
            _ev(_WESNOTH + "horse-hit-3.ogg", "horse_neigh", "a horse whinnies", 0.99),
            _ev(_WESNOTH + "thunderstick.ogg", "gunshot", "an old musket fires", 3.9),
            _ev(_WESNOTH + "dwarf-laugh.wav", "laughter", "a man laughs heartily", 2.66),
            _ev(_WESNOTH + "gunshot.wav", "gunshot", "a gunshot", 0.42),
            _ev(_WESNOTH + "explosion.ogg", "explosion", "a blast rumbles", 2.01),
            _ev(_WESNOTH + "ambient/campfire.ogg", "fire_crackle", "a campfire crackles", 9.64),
            _bg(_WESNOTH + "ambient/birds2.ogg", "birds", "birds twittering", 5.29),
            _bg(_WESNOTH + "ambient/birds3.ogg", "birds", "birds chirping in the trees", 5.12),
            _bg(_WESNOTH + "ambient/night.ogg", "insects", "a night with crickets", 5.73),
            _ev("usr/share/games/wesnoth/1.16/sounds/bell.wav", "bell",
                "a large bell rings", 2.05),
            _ev(_WESNOTH + "lightning.ogg", "thunder",
                "lightning cracks and thunder rumbles", 3.52),
            _ev(_WESNOTH + "ambient/morning.ogg", "songbird", "birds chirp in the morning", 3.51),
            _ev(_WESNOTH + "horse-canter.wav", "hooves", "a horse canters", 0.91),
            _ev(_WESNOTH + "horse-elf-canter.wav", "hooves", "hooves canter past", 0.9),
            _ev(_WESNOTH + "gold.ogg", "coins", "gold coins are tossed together", 1.7),
            _ev(_WESNOTH + "gryphon-shriek-1.ogg", "hawk_cry",
                "a large bird of prey shrieks", 2.74),
            _ev(_WESNOTH + "gryphon-shriek-2.ogg", "hawk_cry", "a raptor screeches", 1.66),
            _ev(_WESNOTH + "human-old-hit-3.ogg", "pain_cry", "an old man grunts in pain", 0.4),
            _ev(_WESNOTH + "human-old-hit-4.ogg", "pain_cry", "an old man yelps", 0.31),
            _ev(_WESNOTH + "human-old-die-2.ogg", "pain_cry", "an old man groans and dies", 0.62),
            _ev(_WESNOTH + "human-old-die-3.ogg", "pain_cry", "an old man's last cry", 0.99),
            _ev("usr/share/games/wesnoth/1.16/data/campaigns/World_Conquest/sounds/"
                "witches-laugh.wav", "laughter",
                "a woman cackles", 5.0),
        ),
    ),
    DebSource(
        DebPin("warmux-data", "1:11.04.1+repack2-4",
               "cceec72afcc9d5b0515149eb505bf0d883bd47399e602b30a805cafa2d91eb70",
               "pool/main/w/warmux/warmux-data_11.04.1+repack2-4_all.deb",
               sha1="cf7c51eae263600487c202fb19ffd703709db8a3"),
        size=98_475_600, license="GPL-2+",
        copyright="2001-2011 the WarMUX contributors (see data/authors.xml)",
        recordings=(
            _ev(_WARMUX + "weapons/explosion1.ogg", "explosion", "an explosion", 1.03),
            _ev(_WARMUX + "weapons/explosion2.ogg", "explosion", "a loud blast", 1.06),
            _ev(_WARMUX + "weapons/explosion3.ogg", "explosion", "a bomb goes off", 0.89),
            _ev(_WARMUX + "weapons/explosion4.ogg", "explosion", "a heavy explosion", 1.15),
            _ev(_WARMUX + "weapons/explosion5.ogg", "explosion", "an explosion booms", 0.94),
            _ev(_WARMUX + "weapons/explosion6.ogg", "explosion", "a big blast", 1.61),
            _ev(_WARMUX + "weapons/dynamite_exp.ogg", "explosion", "dynamite explodes", 1.21),
            _ev(_WARMUX + "weapons/m16.ogg", "machine_gun",
                "an assault rifle fires a burst", 0.42),
            _ev(_WARMUX + "weapons/shotgun.ogg", "gunshot", "a shotgun blast", 2.78),
            _ev(_WARMUX + "weapons/gun.ogg", "gunshot", "a handgun fires", 1.39),
            _ev(_WARMUX + "weapons/airhammer_used.ogg", "jackhammer",
                "a pneumatic drill pounds", 0.89),
            _ev(_WARMUX + "weapons/anvil_collision.ogg", "metal_clang",
                "a heavy metal object clangs", 0.93),
            _ev(_WARMUX + "misc/box_hitting_ground.ogg", "thud", "a box lands with a thud", 0.23),
            _ev(_WARMUX + "misc/countdown-endturn.ogg", "clock_tick", "a clock ticks down", 11.97),
            _ev(_WARMUX + "weapons/explosion7.ogg", "explosion", "a sharp explosion", 0.98),
            _ev(_WARMUX + "weapons/explosion9.ogg", "explosion", "an explosion bangs", 1.09),
        ),
    ),
    DebSource(
        DebPin("simutrans-pak64", "121.0-1",
               "46c8420e162941e6d87382b43c508b1dbf48015fcd782f0c4425952ba72745cc",
               "pool/main/s/simutrans-pak64/simutrans-pak64_121.0-1_all.deb",
               sha1="4aee1f39729eb9503b17fd9784ac76e570cf7e13"),
        size=3_033_648, license="Artistic-1.0",
        copyright="1997-2004 Hansjoerg Malthaner and the Simutrans pak64 contributors",
        recordings=(
            _ev(_SIMUTRANS + "bus.wav", "engine", "a bus engine starts and runs", 3.73),
            _ev(_SIMUTRANS + "truck.wav", "engine", "a truck engine rumbles", 2.61),
            _ev(_SIMUTRANS + "diesel.wav", "engine", "a diesel engine revs", 1.83),
            _ev(_SIMUTRANS + "comet-jet.wav", "jet_aircraft", "an early jet airliner roars", 4.99),
            _ev(_SIMUTRANS + "planelow.wav", "propeller_plane",
                "a piston-engined plane drones low", 3.34),
            _ev(_SIMUTRANS + "boat-horn.wav", "ship_horn", "a boat sounds its horn", 2.4),
            _ev(_SIMUTRANS + "cash.wav", "cash_register", "a cash register rings", 0.68),
            _ev(_SIMUTRANS + "crossing.wav", "bell", "a level crossing bell rings", 2.55),
            _ev(_SIMUTRANS + "jackhammer.wav", "jackhammer", "a jackhammer rattles", 0.66),
            _ev(_SIMUTRANS + "buzzsaw.wav", "saw", "a buzz saw cuts", 5.69),
            _ev(_SIMUTRANS + "explosion.wav", "explosion", "a dull explosion", 1.26),
            _ev(_SIMUTRANS + "horse.wav", "hooves", "a horse trots on a road", 2.86),
        ),
    ),
    DebSource(
        DebPin("bucklespring-data", "1.4.0-2",
               "2add9f5583b3afc9c0b528066f4578baff930b74d4a94c8a25d103ef79a444e5",
               "pool/main/b/bucklespring/bucklespring-data_1.4.0-2_all.deb",
               sha1="2e8f5b515f29969e1a4ff3d60c89d06c413c5d5d"),
        size=2_627_210, license="GPL-2+",
        copyright="2016 Ico Doornekampt (recordings of a buckling-spring keyboard)",
        recordings=(
            _ev(_BUCKLE + "1e-0.wav", "keyboard", "a key is pressed", 0.33),
            _ev(_BUCKLE + "39-0.wav", "keyboard", "the space bar is pressed", 0.33),
            _ev(_BUCKLE + "39-1.wav", "keyboard", "the space bar is released", 0.33),
            _ev(_BUCKLE + "1c-0.wav", "keyboard", "the enter key is pressed", 0.33),
            _ev(_BUCKLE + "0e-0.wav", "keyboard", "the backspace key is pressed", 0.33),
            _ev(_BUCKLE + "10-0.wav", "keyboard", "a letter key clacks", 0.33),
            _ev(_BUCKLE + "2a-0.wav", "keyboard", "the shift key is pressed", 0.33),
            _ev(_BUCKLE + "1f-1.wav", "keyboard", "a key springs back up", 0.33),
        ),
    ),
    DebSource(
        DebPin("searchandrescue-data", "1.3.0-1.1",
               "0036c09a92a90a2ce4ac3dde026bb90cc306cd1964f24749c0229926ff36d1d3",
               "pool/main/s/searchandrescue-data/searchandrescue-data_1.3.0-1.1_all.deb",
               sha1="83a5e993964a1c9603433e61de424059efb571a6"),
        size=46_517_968, license="GPL",
        copyright="1999-2004 WolfPack Entertainment",
        recordings=(
            _ev(_SAR + "helicopter_engine_outside.wav", "helicopter",
                "a helicopter's rotors beat", 1.6),
            _ev(_SAR + "helicopter_engine_outside2.wav", "helicopter",
                "a helicopter hovers nearby", 6.25),
            _ev(_SAR + "helicopter_engine_outside3.wav", "helicopter",
                "rotor blades thump loudly", 3.68),
            _ev(_SAR + "helicopter_engine_start.wav", "helicopter",
                "a helicopter starts up", 30.1),
            _ev(_SAR + "hh60/engine_start.wav", "helicopter",
                "a large helicopter spins up", 15.86),
            _ev(_SAR + "jet_engine_outside.wav", "jet_aircraft", "a jet roars", 4.58),
            _ev(_SAR + "jet_engine_start2.wav", "jet_aircraft",
                "a jet starts up and whines", 10.01),
            _ev(_SAR + "jet_engine_shutdown.wav", "jet_aircraft", "a jet winds down", 19.5),
            _ev(_SAR + "thunder_loud.wav", "thunder", "a loud thunderclap", 3.84),
            _ev(_SAR + "thunder_moderate.wav", "thunder", "thunder rumbles", 3.38),
            _ev(_SAR + "thud_light.wav", "thud", "a light thud", 0.47),
            _ev(_SAR + "thud_medium.wav", "thud", "a thump", 0.94),
            _ev(_SAR + "thud_heavy.wav", "thud", "a heavy thud", 1.22),
            _ev(_SAR + "crash_ground.wav", "crash", "something crashes into the ground", 1.52),
            _ev(_SAR + "crash_obstruction.wav", "crash", "a violent crash", 1.94),
            _ev(_SAR + "splash_human.wav", "water_splash", "a person splashes into water", 1.79),
            _ev(_SAR + "splash_aircraft.wav", "water_splash",
                "something large hits the water", 3.44),
            _ev(_SAR + "land_wheel_skid3.wav", "tire_skid", "tyres skid on landing", 1.02),
            _ev(_SAR + "land_wheel_skid_inside.wav", "tire_skid",
                "tyres squeal on a runway", 1.13),
            _ev(_SAR + "helicopter_wheel_screech.wav", "tire_skid", "wheels squeal briefly", 0.52),
            _ev(_SAR + "land_wheel_skid2.wav", "tire_skid", "tyres scrub on touchdown", 0.23),
            _ev(_SAR + "door_open.wav", "door", "a heavy door opens", 0.48),
            _ev(_SAR + "screenshot.wav", "camera_shutter", "a camera shutter clicks", 0.5),
        ),
    ),
    DebSource(
        DebPin("btanks-data", "0.9.8083-9",
               "fbe1a476d95c68fe73d87715f4f0aecc1bc5428a979cd19451722665c9dbb5ae",
               "pool/main/b/btanks/btanks-data_0.9.8083-9_all.deb",
               sha1="19ff659a2ccec1d14dfe448fb6d68e1730023094"),
        size=26_408_548, license="GPL with the Battle Tanks exception",
        copyright="2005-2008 Vladimir Menshakov, 2006-2009 the Battle Tanks Team",
        recordings=(
            _ev(_BTANKS + "cannon1.ogg", "cannon", "a tank cannon fires", 0.7),
            _ev(_BTANKS + "helicopter.ogg", "helicopter", "a helicopter flies over", 8.31),
            _ev(_BTANKS + "train.ogg", "train", "a train rumbles past", 20.0),
            _ev(_BTANKS + "engine-start.ogg", "engine", "an engine starts", 2.13),
            _ev(_BTANKS + "klaxon.ogg", "car_horn", "a horn blares", 0.94),
            _ev(_BTANKS + "laugh01.ogg", "laughter", "a man laughs wickedly", 5.84),
            _ev(_BTANKS + "laugh02.ogg", "laughter", "a long evil laugh", 6.01),
            _ev(_BTANKS + "man-steps.ogg", "footstep", "a man walks a few steps", 1.38),
            _ev(_BTANKS + "explosion.ogg", "explosion", "a loud explosion", 1.76),
            _ev(_BTANKS + "mine-tick.ogg", "clock_tick", "a timer ticks", 4.52),
        ),
    ),
    DebSource(
        DebPin("trophy-data", "2.0.3-2",
               "d0071039230b737ca82a9dcbdd0ec18363312d49a999598b99cea95c5c6018c0",
               "pool/main/t/trophy/trophy-data_2.0.3-2_all.deb",
               sha1="03d6cdd58201739c1e67709a38513e5e4f650fe9"),
        size=10_786_528, license="GPL-2",
        copyright="2000 Andrew Mustun",
        recordings=(
            _ev(_TROPHY + "dog.wav", "dog_bark", "a dog barks once", 0.39),
            _ev(_TROPHY + "carhorn.wav", "car_horn", "a car horn honks", 0.78),
            _ev(_TROPHY + "engine.wav", "engine", "a car engine revs", 5.37),
            _ev(_TROPHY + "slide.wav", "tire_skid", "tyres squeal", 0.59),
            _ev(_TROPHY + "goody_money.wav", "coins", "a coin chinks", 0.23),
        ),
    ),
    DebSource(
        DebPin("dustracing2d-data", "2.1.1-2",
               "62de832d40325817c9fbbe4eaca1d1c4dab567301cf832c3230175f28dac3703",
               "pool/main/d/dustrac/dustracing2d-data_2.1.1-2_all.deb",
               sha1="d62c82d3e90e6c54c130ccedda062ebaa496f4f0"),
        size=4_061_716, license="GPL-3+",
        copyright="2011-2020 Jussi Lind",
        recordings=(
            _ev(_DUSTRAC + "cheering.ogg", "crowd_cheer", "a crowd cheers at a race", 7.01),
            _ev(_DUSTRAC + "carEngine.ogg", "engine", "a racing engine revs", 4.0),
            _ev(_DUSTRAC + "skid.ogg", "tire_skid", "tyres skid", 1.48),
            _ev(_DUSTRAC + "bell.ogg", "bell", "a bell rings repeatedly", 7.71),
            _ev(_DUSTRAC + "carHit.ogg", "crash", "a vehicle crashes into a barrier", 0.67),
        ),
    ),
    DebSource(
        DebPin("gnome-shell-pomodoro-data", "0.22.1-1",
               "15a5e49f27b433b2615f4e2ac9878f6d065c1a75b9f31101bd4dbd05f80e1777",
               "pool/main/g/gnome-shell-pomodoro/gnome-shell-pomodoro-data_0.22.1-1_all.deb",
               sha1="a118de23c96dd575fcfbc8dc2037fc9839362f8f"),
        size=6_056_268, license="GPL-3+",
        copyright="2010 Intel, Inc, 2012 Red Hat, Inc. and the gnome-pomodoro contributors",
        recordings=(
            _ev(_POMODORO + "clock.ogg", "clock_tick", "a clock ticks steadily", 15.01),
            _ev(_POMODORO + "timer.ogg", "clock_tick", "a kitchen timer ticks", 4.04),
            _bg(_POMODORO + "birds.ogg", "birds", "birds singing in a park", 242.1),
        ),
    ),
    DebSource(
        DebPin("netpanzer-data", "0.8.7+ds-4.1",
               "7898229424bea5189986b995c9a0eca4d3923b692f8f1ec8c67b4801e3694aa8",
               "pool/main/n/netpanzer/netpanzer-data_0.8.7+ds-4.1_all.deb",
               sha1="50bf460e771acb84c9413f2f695f309b3ec27ab1"),
        size=8_623_864, license="GPL-2+",
        copyright="2004 Matthias Braun and the NetPanzer contributors",
        recordings=(
            _ev(_NETPANZER + "battle_mg1.wav", "machine_gun",
                "a machine gun fires in bursts", 3.65),
            _ev(_NETPANZER + "expl_4.wav", "explosion", "a shell explodes", 1.39),
        ),
    ),
    DebSource(
        DebPin("brainparty-data", "0.61+dfsg-7",
               "fc01026824b6274eff222c9163ba134fc90889bd7d688091ffdee8e12cefc4d4",
               "pool/main/b/brainparty/brainparty-data_0.61+dfsg-7_all.deb",
               sha1="ffb88a703eef45dd7d57fa808d7cdec3365848bf"),
        size=13_560_484, license="GPL-3+",
        copyright="2010 Paul Hudson, 2010 Scott Ewart",
        recordings=(
            _ev(_BRAINPARTY + "meow.wav", "cat_meow", "a cat meows", 0.78),
            _ev(_BRAINPARTY + "glass_break.wav", "glass_break", "a glass shatters", 1.02),
            _ev(_BRAINPARTY + "bubble.wav", "bubbles", "a bubble bloops", 0.26),
        ),
    ),
    DebSource(
        DebPin("tuxmath-data", "2.0.3-9",
               "7b928f122983074e06aee51a0b6f333926a3a475c1fc12485a8c040ca1cb9e75",
               "pool/main/t/tuxmath/tuxmath-data_2.0.3-9_all.deb",
               sha1="725fd5702e7e9ca882fc581e1f3f80fbe5b9a2ca"),
        size=8_811_596, license="public-domain",
        copyright=("Tux4Kids: Sam Hart, Bill Kendrick and the public-domain section of par"
                   "tnersinrhyme.com"),
        recordings=(
            _ev(_TUXMATH + "towerclock.wav", "bell", "a tower bell chimes", 2.01),
            _ev(_TUXMATH + "cheer.wav", "crowd_cheer", "children cheer and clap", 4.28),
        ),
    ),
    DebSource(
        DebPin("tuxpaint-data", "1:0.9.28-sdl2-1",
               "f5d0de8f9a70d2efc1241d19f26168cb8bf279f1b77abd3631e7a1a55c40e5e5",
               "pool/main/t/tuxpaint/tuxpaint-data_0.9.28-sdl2-1_all.deb",
               sha1="159134eca0b1143e964c99a57e1dc22118468d27"),
        size=7_855_540, license="GPL-2+",
        copyright="2002-2021 Bill Kendrick and the Tux Paint contributors",
        recordings=(
            _ev(_TUXPAINT + "typewriterbell.wav", "bell", "a small bell dings", 0.39),
            _ev(_TUXPAINT + "giggle.wav", "laughter", "a child giggles", 1.37),
            _ev(_TUXPAINT + "bubble.wav", "bubbles", "a bubble pops", 0.28),
        ),
    ),
    DebSource(
        DebPin("minetest-mod-homedecor", "20210327.1-2",
               "555d078c37e2a26a66aea20affa8031ea7ff05e9def7c2f9eb60cd422feb9f6c",
               "pool/main/m/minetest-mod-homedecor/minetest-mod-homedecor_20210327.1-2_all.deb",
               sha1="2d01ee589129da59d4b2ef47c8cc4244a51dd3dc"),
        size=2_097_856, license="CC-BY-SA-4.0",
        copyright="2012-2020 Vanessa Ezekowitz",
        recordings=(
            _ev(_HOMEDECOR + "homedecor_doors_and_gates/sounds/homedecor_door_open.ogg", "door",
                "a door creaks open", 0.92),
            _ev(_HOMEDECOR + "homedecor_doors_and_gates/sounds/homedecor_door_close.ogg", "door",
                "a door closes", 0.72),
            _ev(_HOMEDECOR + "homedecor_gastronomy/sounds/insert_coin.ogg", "coins",
                "a coin drops into a slot", 2.19),
            _ev(_HOMEDECOR + "fake_fire/sounds/fire_extinguish.ogg", "steam_hiss",
                "a fire is put out with a hiss", 0.89),
        ),
    ),
    DebSource(
        DebPin("minetest-mod-xdecor", "1.0+dfsg1-2",
               "4aaf952412b033fa36377ba3609cff2696e83cbb6ad9ac9238d27ed0aafddf77",
               "pool/main/m/minetest-mod-xdecor/minetest-mod-xdecor_1.0+dfsg1-2_all.deb",
               sha1="6e80d9500174bca082c840b76f8e62a651a74c9c"),
        size=97_268, license="GPL-3",
        copyright="2015-2018 Jean-Patrick Guerrero (kilbith)",
        recordings=(
            _ev(_XDECOR + "xdecor_boiling_water.ogg", "bubbles",
                "water boils and bubbles", 2.0, license="CC-BY-3.0",
                credit=("2011 Audionautics, "
                        "https://www.freesound.org/people/Audionautics/sounds/133901/")),
        ),
    ),
    DebSource(
        DebPin("cube2-data", "1.3-1",
               "73c8781495578c1540c483a2e8351fd1fbc6ab67c71dd7d0928af48097b9ecb7",
               "pool/main/c/cube2-data/cube2-data_1.3-1_all.deb",
               sha1="ad8f1e91502bb960c0d06406e0973efcd5bf1f61"),
        size=173_066_216, license="CC-BY-3.0",
        copyright="Mozilla Foundation and the contributors named per file",
        recordings=(
            _ev(_CUBE2 + "q009/minigun.ogg", "machine_gun",
                "a minigun rattles", 0.52, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/minigun2.ogg", "machine_gun",
                "a rapid burst of gunfire", 0.42, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/pistol.ogg", "gunshot",
                "a pistol shot", 0.56, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/pistol2.ogg", "gunshot",
                "a handgun fires", 0.6, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/shotgun.ogg", "gunshot",
                "a shotgun blast", 2.33, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/rifle.ogg", "gunshot",
                "a rifle shot", 2.71, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/rlauncher.ogg", "rocket",
                "a rocket is launched", 1.4, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/rlauncher2.ogg", "rocket",
                "a missile whooshes away", 1.4, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "q009/rlauncher3.ogg", "rocket",
                "a rocket fires", 1.5, license="CC-BY-SA-3.0",
                credit=("Slawomir 'Q009' Blauciak, "
                        "Gregor Koch and the Red Eclipse Team (cube2-data's q009 sounds)")),
            _ev(_CUBE2 + "audioaugust/chainsaw/attack.ogg", "saw",
                "a chainsaw revs and cuts", 6.32, license="CC-BY-SA-4.0",
                credit='Johannes "Hanni" Schneider'),
            _ev(_CUBE2 + "audioaugust/chainsaw/idle.ogg", "saw",
                "a chainsaw idles", 7.11, license="CC-BY-SA-4.0",
                credit='Johannes "Hanni" Schneider'),
            _ev(_CUBE2 + "olpc/MichaelBierylo/sfx_DoorSlam.wav", "door",
                "a door slams", 0.81, license="CC-BY-3.0",
                credit=("Michael Bierylo, "
                        "OLPC sound samples (http://wiki.laptop.org/go/Sound_samples)")),
            _ev(_CUBE2 + "yo_frankie/watersplash2.ogg", "water_splash",
                "water splashes", 2.27, license="CC-BY-3.0",
                credit="the Apricot project (Yo Frankie!), http://www.yofrankie.org/"),
            _ev(_CUBE2 + "yo_frankie/amb_waterdrip_2.ogg", "dripping",
                "water drips in a cave", 1.85, license="CC-BY-3.0",
                credit="the Apricot project (Yo Frankie!), http://www.yofrankie.org/"),
            _ev(_CUBE2 + "0ad/thunder_10.ogg", "thunder", "a long roll of thunder", 12.48),
            _ev(_CUBE2 + "aard/pain1.wav", "pain_cry",
                "a man groans in pain", 1.15, license="public-domain",
                credit="aard (the author's own recordings)"),
            _ev(_CUBE2 + "aard/pain3.wav", "pain_cry",
                "a man cries out", 0.84, license="public-domain",
                credit="aard (the author's own recordings)"),
            _ev(_CUBE2 + "aard/die1.wav", "pain_cry",
                "a man screams as he dies", 0.88, license="public-domain",
                credit="aard (the author's own recordings)"),
        ),
    ),
    DebSource(
        DebPin("lomiri-sounds", "22.02-1",
               "d4a8fd0247e43e784ad75c11312d1f0e08a0ced6a4cfaadde3dcf118ab4e9abf",
               "pool/main/l/lomiri-sounds/lomiri-sounds_22.02-1_all.deb",
               sha1="f42df3b809138b42892a23de5e82100628c23fee"),
        size=18_742_464, license="CC-BY-SA-3.0",
        copyright="2013 Canonical Ltd., 2018-2021 UBports Foundation",
        recordings=(
            _ev(_LOMIRI + "camera_click.ogg", "camera_shutter",
                "a camera clicks", 0.33, license="CC0-1.0",
                credit=("2015 jdaniel1999, "
                        "https://freesound.org/people/jdaniel1999/sounds/376205/")),
        ),
    ),
    DebSource(
        DebPin("gl-117-data", "1.3.2-3.1",
               "cec52ed03364ecc3efe98a462ee7e20865ccef3dc6c514dca721be0e2c25340f",
               "pool/main/g/gl-117/gl-117-data_1.3.2-3.1_all.deb",
               sha1="36478b63c89a404c106017c7e6eb7e3dfd9dd1ab"),
        size=1_258_512, license="GPL-2",
        copyright="2001-2008 Thomas Drexl",
        recordings=(
            _ev(_GL117 + "thunder1.wav", "thunder", "a thunderclap", 2.2),
            _ev(_GL117 + "missile1.wav", "rocket", "a missile launches", 0.63),
        ),
    ),
    DebSource(
        DebPin("micropolis-data", "0.0.20071228-10",
               "8d30b1cd0eb340f42ae71ea596a28bbdd57111afa1f381755d8c445a5e8e7b5c",
               "pool/main/m/micropolis-activity/micropolis-data_0.0.20071228-10_all.deb",
               sha1="a186d7acf20a7db2bb97a77ee34f92c900919180"),
        size=2_465_808, license="GPL-3+",
        copyright="1989-2007 Electronic Arts Inc.",
        recordings=(
            _ev(_MICROPOLIS + "honkhonk-low.wav", "car_horn", "a car horn honks twice", 0.95),
            _ev(_MICROPOLIS + "skid.wav", "tire_skid", "a vehicle skids", 0.7),
        ),
    ),
)
"""The pinned packages, in the order they are fetched."""

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
