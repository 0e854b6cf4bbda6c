"""Clotho-like captions for the real-recording corpus, written as if by five different people.

What Clotho's captions look like (Drossos, Lipping and Virtanen, "Clotho: an audio captioning
dataset", ICASSP 2020, https://arxiv.org/abs/1910.09387): every clip has five captions, each
written by a different crowd worker who only *heard* the clip (no video, no tags). A caption is
one sentence of 8 to 20 words; it describes sounds, not meanings: no transcribed speech, no named
people or places. The five captions of a clip differ in length, in word choice ("barks",
"yaps", "is barking"), in sentence shape ("A dog barks while ...", "A dog barking while ...",
"Someone is ...", "... can be heard ..."), in which sounds they mention (quiet or brief sounds
are often left out) and in whether they describe the setting ("in the rain", "on a busy
street").

How this module imitates that: :data:`ANNOTATORS` holds five writers, each a frozen
:class:`Annotator` with its own preferred length, share of the vocabulary, favourite words,
sentence shapes, words for "at the same time" and "after that", loudness words, and habit of
naming the background (always, never, when it is prominent, or sometimes). Each event class has a
phrase bank (sources, verbs, sound nouns, "someone ..." actions, adverbials and likely settings)
that stays close to what its recordings in :mod:`adl.corpus.sources` contain. A writer names the
*salient* events: loud (gain >= :data:`LOUD_DB`), long (>= :data:`LONG_S`) or ordinary ones
always; faint (gain <= :data:`FAINT_DB`) or very short (< :data:`SHORT_S`) ones it may leave out.

The lexicon contract: :data:`LEXICON` maps each class to single words that name it and no other
class; background and framing phrases use none of these words. So :func:`events_in_caption`
recovers exactly the classes a caption names, and every :class:`Caption` records them:
``events_in_caption(c.text) == set(c.events)``, a subset of the scene's events. Event-level
precision and recall of generated captions are then exact.

Example::

    import numpy as np
    from adl.captions.annotators import annotate
    from adl.captions.grammar import EventMention

    scene = [EventMention("dog_bark", 1.0, 0.6, 4.0), EventMention("train", 3.0, 4.0, -2.0)]
    for c in annotate(scene, np.random.default_rng(0), background="rain"):
        print(c.annotator, c.events, c.text)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from adl.captions.grammar import EventMention, temporal_groups

#: Word counts of a caption, as in Clotho.
MIN_WORDS, MAX_WORDS = 8, 20
#: A gain at or above this (dB, relative to the nominal event level) is loud: always named.
LOUD_DB = 3.0
#: A gain at or below this is faint: a writer may leave the event out.
FAINT_DB = -9.0
#: An event at least this long (s) is always named.
LONG_S = 2.0
#: An event shorter than this (s) is very short: a writer may leave it out.
SHORT_S = 0.5
#: A background at or above this level (dB, same scale as ``gain_db``) is prominent.
BACKGROUND_LOUD_DB = -6.0


# -- the writers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotator:
    """One caption writer's habits.

    Attributes:
        name: a short handle for the style.
        words: the (fewest, most) words it prefers, inside Clotho's 8-20.
        richness: the share of each phrase bank it draws on, plainest phrases first (0-1].
        taste: which phrase of each bank it favours (an offset into the bank).
        background: when it names the background: ``"always"`` (when it fits in 20 words),
            ``"never"``, ``"loud"`` (when the background is prominent) or ``"sometimes"``.
        drop: probability of leaving out a faint or very short event.
        modifiers: probability of saying that a loud or faint event is loud or faint.
        extras: probability of an adverbial that says how or where ("excitedly", "in a field").
        forms: sentence shapes and their weights: ``"active"`` (a dog barks), ``"progressive"``
            (a dog is barking), ``"someone"`` (someone chops wood), ``"participle"`` (a dog
            barking), ``"passive"`` (a dog can be heard barking), ``"sound_of"``, ``"hear"``
            (you can hear ...) and ``"there"`` (there is ...).
        together: how it says that sounds overlap: ``"and"``, ``"while"``, ``"as"``,
            ``"with_bg"`` (with ... in the background), ``"over"``, ``"along_with"``,
            ``"same_time"``.
        then: how it says that one sound follows another: ``"then"``, ``"and_then"``,
            ``"followed_by"``, ``"after_that"``, ``"before"``, ``"after"``, ``"first"``,
            ``"later"``, ``"afterwards"``.
        loud: its adverbials for a loud event.
        faint: its adverbials for a faint event.
        framing: probability of opening with a framing ("On a farm,", "In this recording,").
        openers: its own framings that fit any scene.
    """

    name: str
    words: tuple[int, int]
    richness: float
    taste: int
    background: str
    drop: float
    modifiers: float
    extras: float
    forms: tuple[tuple[str, float], ...]
    together: tuple[str, ...]
    then: tuple[str, ...]
    loud: tuple[str, ...]
    faint: tuple[str, ...]
    framing: float
    openers: tuple[str, ...]


#: The five writers, in the order :func:`annotate` uses them.
ANNOTATORS: tuple[Annotator, ...] = (
    Annotator(
        name="terse", words=(8, 11), richness=0.45, taste=0, background="never", drop=0.6,
        modifiers=0.4, extras=0.6,
        forms=(("active", 6.0), ("progressive", 1.0), ("someone", 1.0)),
        together=("and", "while"), then=("then", "and_then"),
        loud=("loudly",), faint=("quietly", "far away"),
        framing=0.15, openers=("Here,", "In this recording,")),
    Annotator(
        name="storyteller", words=(14, 20), richness=1.0, taste=1, background="always",
        drop=0.15, modifiers=0.9, extras=0.7,
        forms=(("active", 4.0), ("someone", 2.0), ("progressive", 1.0), ("there", 1.0)),
        together=("while", "as", "with_bg", "over"),
        then=("followed_by", "before", "later", "after"),
        loud=("loudly", "close to the microphone", "very close by"),
        faint=("in the distance", "far away", "somewhere far off"),
        framing=0.45, openers=("In this recording,", "Throughout the recording,")),
    Annotator(
        name="present", words=(10, 14), richness=0.75, taste=2, background="loud", drop=0.3,
        modifiers=0.6, extras=0.5,
        forms=(("progressive", 4.0), ("someone", 3.0), ("active", 1.0), ("there", 1.0)),
        together=("as", "while", "same_time"), then=("after_that", "and_then", "then"),
        loud=("loudly", "nearby"), faint=("in the distance", "faintly"),
        framing=0.25, openers=("In this clip,", "In this sound clip,")),
    Annotator(
        name="fragments", words=(9, 13), richness=0.6, taste=3, background="sometimes",
        drop=0.45, modifiers=0.5, extras=0.45,
        forms=(("participle", 6.0), ("active", 1.0)),
        together=("with_bg", "and", "while"), then=("then", "followed_by", "before"),
        loud=("up close", "nearby"), faint=("far off", "faintly"),
        framing=0.15, openers=("Here,", "In the recording,")),
    Annotator(
        name="listener", words=(11, 16), richness=0.85, taste=4, background="loud", drop=0.25,
        modifiers=0.7, extras=0.5,
        forms=(("passive", 4.0), ("sound_of", 2.0), ("hear", 1.5), ("active", 1.0)),
        together=("along_with", "while", "same_time"),
        then=("followed_by", "afterwards", "after_that", "first"),
        loud=("clearly", "close by"), faint=("quietly", "from far away"),
        framing=0.3, openers=("In this clip,", "Throughout the clip,")),
)


# -- verbs and noun phrases ----------------------------------------------------------------------

_DOUBLE = frozenset({
    "chop", "clap", "yap", "plop", "thud", "hum", "drum", "stop", "slam", "tap", "drip", "whir",
    "spin", "hit", "drop", "split", "chip", "trip", "flap", "plan", "sob", "cut", "run", "let",
    "set", "get", "shut", "strum", "snap", "trot", "pop", "step", "dig", "zip", "swim", "skip",
    "zap", "bob", "throb", "grab", "rub", "scrub", "stir", "chat", "skid",
})
_IRREGULAR = {"is": ("are", "being"), "has": ("have", "having"), "does": ("do", "doing"),
              "goes": ("go", "going")}


def _base(word: str) -> str:
    """The plain form of a verb in the third person singular ("passes" -> "pass")."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][0]
    head, dash, tail = word.partition("-")
    if dash:  # "tick-tocks" -> "tick-tock"
        return f"{head}-{_base(tail)}"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes", "oes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _ing(word: str) -> str:
    """The -ing form of a verb in the third person singular ("chops" -> "chopping")."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][1]
    head, dash, tail = word.partition("-")
    if dash:
        return f"{head}-{_ing(tail)}"
    base = _base(word)
    if base in _DOUBLE:
        return base + base[-1] + "ing"
    if base.endswith("e") and not base.endswith(("ee", "oe", "ye")):
        return base[:-1] + "ing"
    return base + "ing"


@dataclass(frozen=True)
class _Verb:
    """A verb phrase in three forms: "barks", "bark" (plural), "barking"."""

    s: str
    pl: str
    ing: str


def _verb(text: str) -> _Verb:
    """Parse ``"barks"`` or ``"growls & roars"`` (two verbs, each inflected on its first word)."""
    parts = [p.strip() for p in text.split("&")]
    s, pl, ing = [], [], []
    for part in parts:
        first, _, rest = part.partition(" ")
        rest = f" {rest}" if rest else ""
        s.append(first + rest)
        pl.append(_base(first) + re.sub(r"\bits\b", "their", rest))
        ing.append(_ing(first) + rest)
    return _Verb(" and ".join(s), " and ".join(pl), " and ".join(ing))


@dataclass(frozen=True)
class _NP:
    """A noun phrase: ``text`` with its article, whether it is plural, whether it takes an
    adjective ("distant", "faint")."""

    text: str
    plural: bool
    adjective_ok: bool


def _np(item: str) -> _NP:
    """Parse ``"a dog"``, ``"dogs*"`` (plural) or ``"something!"`` (no adjective)."""
    item = item.strip()
    adjective_ok = not item.endswith("!")
    item = item.rstrip("!")
    plural = item.endswith("*")
    return _NP(item.rstrip("*"), plural, adjective_ok)


def _a(phrase: str) -> str:
    """``phrase`` with the indefinite article it needs."""
    first = phrase.split(" ", 1)[0].lower()
    vowel = first[0] in "aeiou" and not first.startswith(("uni", "use", "one", "eu", "ewe"))
    return ("an " if vowel else "a ") + phrase


def _with_adjective(np_: _NP, adjective: str) -> str:
    """``np_`` with an adjective in front of its noun: "a dog" + "distant" -> "a distant dog"."""
    if not adjective or not np_.adjective_ok or adjective in np_.text.split():
        return np_.text
    words = np_.text.split(" ", 1)
    if words[0] in ("a", "an") and len(words) == 2:
        return _a(f"{adjective} {words[1]}")
    if words[0] == "the" and len(words) == 2:
        return f"the {adjective} {words[1]}"
    return f"{adjective} {np_.text}"


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


# -- the phrase banks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Sources that share verbs."""

    things: tuple[_NP, ...]
    verbs: tuple[_Verb, ...]


@dataclass(frozen=True)
class _Bank:
    """What a writer can say about one event class.

    ``groups`` name the source and what it does; ``sounds`` name the sound itself ("barking");
    ``agents`` are actions for "someone ..." (each names the class itself); ``who`` are their
    subjects; ``extras`` adverbials; ``places`` keys of :data:`_PLACES` where it is likely heard.
    """

    lexicon: tuple[str, ...]
    groups: tuple[_Group, ...]
    sounds: tuple[_NP, ...]
    agents: tuple[_Verb, ...]
    who: tuple[str, ...]
    extras: tuple[str, ...]
    places: tuple[str, ...]


_WHO = "someone; a person; a man; a woman"
_MUSICIAN = "someone; a musician; a person"


def _bank(lexicon: str, groups: Sequence[tuple[str, str]], sounds: str, *, agents: str = "",
          who: str = _WHO, extras: str = "", places: str = "") -> _Bank:
    return _Bank(
        lexicon=tuple(lexicon.split()),
        groups=tuple(_Group(tuple(_np(t) for t in _split(things)),
                            tuple(_verb(v) for v in _split(verbs))) for things, verbs in groups),
        sounds=tuple(_np(s) for s in _split(sounds)),
        agents=tuple(_verb(v) for v in _split(agents)),
        who=tuple(_split(who)),
        extras=tuple(_split(extras)),
        places=tuple(places.split()),
    )


# Plainest phrases first: a writer with little richness only uses the head of each list.
_BANKS: dict[str, _Bank] = {
    # -- animals
    "dog_bark": _bank(
        "dog dogs doggy puppy puppies hound hounds terrier sheepdog watchdog bark barks barking "
        "barked yap yaps yapping yapped woof woofs",
        [("a dog; a small dog; a big dog; a puppy; a guard dog; a hound; a terrier; "
          "a farm dog; a sheepdog; a watchdog; a nervous little dog",
          "barks; yaps; woofs; barks sharply; lets out a bark; gives a short bark; "
          "barks at something; barks a warning; barks at a stranger; gives a gruff bark")],
        "barking; a bark; a sharp bark; yapping; a short woof; a dog's bark!; "
        "a gruff bark; an abrupt bark",
        extras="excitedly; angrily; at a passer-by; suddenly; from a yard; behind a fence; "
               "defensively",
        places="farm garden street home outdoors"),
    "cow_moo": _bank(
        "cow cows cattle calf heifer bullock moo moos mooing mooed lows lowing",
        [("a cow; cows*; a dairy cow; a calf; cattle*; a heifer; an old cow; a bullock; "
          "a herd of cattle",
          "moos; lows; moans; lets out a long moo; calls out; moos lazily; bellows; "
          "gives a deep moo")],
        "mooing; a moo; a long moo; lowing; a cow's moo!; a mournful moo",
        extras="in a field; from a barn; in a pasture; lazily; slowly; from a cowshed; "
               "across a meadow",
        places="farm outdoors"),
    "sheep_bleat": _bank(
        "sheep lamb lambs ewe ewes bleat bleats bleating bleated baa baas baaing",
        [("a sheep; sheep*; a lamb; a ewe; a young lamb; a flock of sheep; a woolly sheep",
          "bleats; baas; calls out; cries; bleats plaintively; lets out a bleat; "
          "bleats anxiously; calls to its mother")],
        "bleating; a bleat; a baa; a plaintive bleat; a shaky bleat",
        extras="in a field; in a meadow; from a pen; on a summer day; on a hillside; "
               "on a grassy slope",
        places="farm outdoors"),
    "pig_oink": _bank(
        "pig pigs piglet piglets sow sows hog hogs swine boar oink oinks oinking",
        [("a pig; pigs*; a piglet; a sow; a hog; a fat pig; a farm pig; a wild boar",
          "oinks; grunts; squeals; snorts; grunts & oinks; snuffles around; squeals shrilly; "
          "roots around & grunts")],
        "oinking; an oink; a pig's squeal!; a pig's grunt!; the grunting of pigs; "
        "a piercing squeal from a pig",
        extras="in a pen; in a sty; in the mud; hungrily; contentedly; at feeding time",
        places="farm"),
    "chicken_cluck": _bank(
        "chicken chickens hen hens cluck clucks clucking clucked poultry",
        [("a chicken; chickens*; a hen; hens*; a mother hen; a farmyard chicken; "
          "a flock of chickens; a brown hen",
          "clucks; cackles; clucks away; clucks contentedly; scratches & clucks; "
          "pecks & clucks; squawks")],
        "clucking; a cluck; the clucking of hens; a cackling hen",
        extras="in a yard; in a coop; around the yard; busily; while pecking at grain; "
               "in a henhouse",
        places="farm"),
    "rooster_crow": _bank(
        "rooster roosters cockerel cockerels crows crowing crowed doodle",
        [("a rooster; a cockerel; a farm rooster; a proud rooster; a noisy cockerel",
          "crows; calls out; lets out a cock-a-doodle-doo; crows proudly; crows triumphantly; "
          "announces the morning")],
        "crowing; a rooster's call!; a cock-a-doodle-doo; the crowing of a rooster; "
        "a cockerel's shrill call!",
        extras="at dawn; in the early morning; from a fence; at sunrise; from a rooftop",
        places="farm outdoors"),
    "horse_neigh": _bank(
        "horse horses pony ponies stallion mare foal neigh neighs neighing neighed whinny "
        "whinnies whinnying",
        [("a horse; horses*; a pony; a stallion; a mare; a restless horse; a young foal",
          "neighs; whinnies; snorts & neighs; lets out a whinny; neighs excitedly; "
          "nickers softly; calls to the herd")],
        "neighing; a neigh; a whinny; a horse's whinny!; a shrill neigh",
        extras="in a stable; in a paddock; impatiently; nervously; from a corral",
        places="farm outdoors"),
    "elephant_trumpet": _bank(
        "elephant elephants trumpet trumpets trumpeting trumpeted",
        [("an elephant; elephants*; a big elephant; a young elephant; a bull elephant; "
          "an agitated elephant",
          "trumpets; lets out a trumpet call; calls out; trumpets & bellows; raises its trunk "
          "& trumpets; blares a warning")],
        "trumpeting; an elephant's trumpet call!; a trumpet call; the call of an elephant; "
        "a brassy trumpet call",
        extras="in an enclosure; angrily; across the plain; near a watering hole; "
               "at a herd",
        places="zoo jungle"),
    "big_cat_roar": _bank(
        "lion lions lioness tiger tigers leopard jaguar panther",
        [("a lion; a tiger; a lioness; a large lion; a big tiger; a leopard; a jaguar",
          "roars; roars loudly; lets out a roar; lets out a deep roar; roars fiercely; "
          "roars menacingly; bares its teeth & roars")],
        "a lion's roar!; a tiger's roar!; the roar of a lion; the roar of a tiger; "
        "a guttural lion roar",
        extras="fiercely; menacingly; in an enclosure; deeply; from the long grass; "
               "threateningly",
        places="zoo jungle"),
    "ape_call": _bank(
        "ape apes chimpanzee chimpanzees chimp chimps gorilla gorillas monkey monkeys primate "
        "primates baboon baboons",
        [("a chimpanzee; a chimp; a gorilla; monkeys*; a group of monkeys; an ape; apes*; "
          "a baboon; a troop of monkeys",
          "screams; shrieks; screeches; whoops; grunts; chatters; calls out; hollers wildly; "
          "pants & screams")],
        "monkey screams*; a chimpanzee's call!; ape calls*; the shrieks of monkeys; "
        "a gorilla's grunt!",
        extras="excitedly; wildly; from the treetops; in an enclosure; frantically; "
               "from high branches",
        places="zoo jungle"),
    "songbird": _bank(
        "bird birds birdie songbird songbirds birdsong blackbird blackbirds lark larks skylark "
        "warbler finch",
        [("a bird; birds*; a songbird; a blackbird; a lark; a small bird; a tropical bird; "
          "a skylark; a little finch; a warbler",
          "sings; chirps; tweets; twitters; warbles; calls; trills; sings a sweet song; "
          "whistles a tune; sings a melodious song")],
        "birdsong; a bird's call!; the song of a blackbird; a songbird's trill!; "
        "chirping birds*; a melodic whistle from a bird",
        extras="sweetly; cheerfully; from a branch; in a bush; happily; from a hedge; "
               "high above; joyfully",
        places="garden wild outdoors"),
    "owl_hoot": _bank(
        "owl owls owlet hoot hoots hooting hooted",
        [("an owl; a tawny owl; a barn owl; a lone owl; owls*; a young owlet",
          "hoots; calls out; calls; lets out a hoot; hoots eerily; hoots twice; "
          "gives a soft hoot")],
        "hooting; an owl's hoot!; a hoot; the call of an owl; a hollow hoot",
        extras="at night; in the dark; from a branch; eerily; from a barn; at midnight",
        places="night wild outdoors"),
    "duck_quack": _bank(
        "duck ducks drake drakes duckling ducklings mallard quack quacks quacking quacked",
        [("a duck; ducks*; a drake; a mallard; a noisy duck; a pair of ducks",
          "quacks; calls out; quacks noisily; lets out a quack; quacks insistently; "
          "paddles & quacks")],
        "quacking; a quack; a duck's quack!; a nasal quack",
        extras="on a pond; by the water; noisily; from a pond; among the reeds; "
               "near a riverbank",
        places="pond farm garden outdoors"),
    "crow_caw": _bank(
        "crow raven ravens rook rooks jackdaw jackdaws caw caws cawing cawed",
        [("a crow; a raven; a rook; a black crow; a single crow; ravens*; a jackdaw",
          "caws; calls out; caws harshly; lets out a harsh caw; caws hoarsely; "
          "gives a rasping call")],
        "cawing; a caw; a crow's harsh call!; the call of a raven; a raucous caw",
        extras="harshly; from a rooftop; overhead; from a treetop; from a chimney; "
               "from a telephone wire",
        places="wild garden farm outdoors"),
    "wolf_howl": _bank(
        "wolf wolves howl howls howling howled",
        [("a wolf; wolves*; a lone wolf; a grey wolf; a pack of wolves; a hungry wolf",
          "howls; lets out a long howl; calls to its pack; howls mournfully; "
          "raises its voice in a howl")],
        "howling; a howl; a long howl; a wolf's howl!; the howl of a wolf; "
        "a haunting howl",
        extras="at night; mournfully; eerily; into the night; from a hilltop; "
               "under a full moon",
        places="night wild outdoors"),
    "insect_buzz": _bank(
        "bee bees honeybee bumblebee bumblebees hornet hornets wasp wasps insect insects",
        [("a bee; bees*; a bumblebee; a hornet; a swarm of bees; a honeybee; an insect; "
          "insects*; a fat bumblebee",
          "buzzes; buzzes around; hums; drones; flies past; buzzes around the microphone; "
          "buzzes & hovers; zips past; circles & buzzes")],
        "the buzzing of bees; a bee's buzz!; the drone of a hornet; insect buzzing; "
        "an angry buzz from a hornet",
        extras="around a flower; busily; back and forth; in circles; around a hive; "
               "lazily; near a flowerbed",
        places="garden wild outdoors"),
    "frog_croak": _bank(
        "frog frogs toad toads bullfrog croak croaks croaking croaked ribbit",
        [("a frog; frogs*; a toad; a bullfrog; a small frog; a green frog",
          "croaks; calls; lets out a croak; croaks & falls silent; croaks deeply; "
          "ribbits; croaks rhythmically")],
        "croaking; a croak; a frog's croak!; the croak of a toad; a throaty croak",
        extras="by a pond; in a marsh; at dusk; from the reeds; from a lily pad; "
               "in a swamp",
        places="pond night wild outdoors"),
    "cat_meow": _bank(
        "cat cats kitten kittens kitty meow meows meowing miaow mew mews mewing",
        [("a cat; a kitten; a black cat; a house cat; a hungry cat; a tabby cat",
          "meows; mews; cries; meows plaintively; lets out a meow; calls out; "
          "meows for food; yowls")],
        "meowing; a meow; a cat's meow!; a plaintive meow; a long miaow",
        extras="plaintively; for attention; hungrily; insistently; from a windowsill; "
               "pitifully",
        places="home garden"),
    "growl": _bank(
        "growl growls growling growled snarl snarls snarling snarled",
        [("an animal; a wild animal; a large animal; an angry animal; a beast; "
          "a fierce animal; a cornered animal",
          "growls; snarls; growls menacingly; snarls & growls; lets out a low growl; "
          "growls a warning; snarls viciously; bares its teeth & growls")],
        "growling; a growl; a low growl; a snarl; a menacing growl; a throaty snarl",
        extras="menacingly; threateningly; in the dark; from the undergrowth; deeply",
        places="wild night outdoors"),
    "hawk_cry": _bank(
        "hawk hawks eagle eagles falcon falcons buzzard buzzards raptor raptors kestrel",
        [("a hawk; an eagle; a falcon; a buzzard; a hunting raptor; a circling hawk; "
          "a golden eagle; a raptor",
          "screeches; cries out; shrieks; lets out a piercing cry; calls overhead; "
          "screeches as it dives; gives a shrill cry")],
        "a hawk's screech!; the cry of an eagle; a raptor's shriek!; a piercing hawk call; "
        "the scream of a falcon",
        extras="high overhead; over the valley; from a cliff; shrilly; while circling",
        places="wild outdoors"),
    "hooves": _bank(
        "hoof hooves hoofbeat hoofbeats gallop gallops galloping galloped canter canters "
        "cantering cantered trot trots trotting trotted",
        [("hooves*; hoofbeats*; shod hooves*; heavy hooves*; iron-shod hooves*",
          "clops on the road; clatters on cobblestones; beats on the ground; "
          "pounds the ground; clip-clops past; rattles on hard earth"),
         ("a rider; a mounted rider; a cavalryman; a messenger on horseback!",
          "gallops past; canters by; trots along; gallops away; canters up the road; "
          "trots closer")],
        "the clip-clop of hooves; hoofbeats*; the pounding of hooves; galloping; "
        "a steady trot; the clatter of hooves",
        extras="along the road; rhythmically; at speed; over cobblestones; closer and closer",
        places="farm street outdoors"),
    # -- people and things
    "laughter": _bank(
        "laugh laughs laughing laughed laughter giggle giggles giggling giggled chuckle "
        "chuckles chuckling chuckled",
        [("a man; a woman; a person; a child; someone; a young man; a cheerful woman",
          "laughs; giggles; chuckles; laughs loudly; laughs heartily; bursts out laughing; "
          "laughs at a joke; chuckles to themselves"),
         ("laughter; a burst of laughter; a short laugh; a hearty laugh",
          "rings out; breaks out; erupts; echoes")],
        "laughter; a laugh; a giggle; a chuckle; a hearty laugh; a burst of laughter",
        extras="happily; heartily; for a moment; with delight; gleefully",
        places="home street"),
    "cough": _bank(
        "cough coughs coughing coughed",
        [("a man; a woman; a person; someone; an old man; a sick person",
          "coughs; coughs twice; coughs hoarsely; clears their throat with a cough; "
          "has a coughing fit; coughs & splutters")],
        "coughing; a cough; a dry cough; a hoarse cough; a fit of coughing",
        extras="hoarsely; painfully; briefly; a few times",
        places="home street"),
    "speech": _bank(
        "speech speaks speaking spoke spoken says saying utters uttering exclaims exclaiming",
        [("a man; a woman; a person; someone; a young man; a woman's voice!; a man's voice!",
          "speaks; says something; says a few words; speaks briefly; speaks clearly; "
          "exclaims something; utters a short phrase; speaks loudly")],
        "speech; a spoken phrase; someone speaking; a few spoken words*; a short spoken phrase",
        extras="briefly; clearly; in a calm tone; in a raised tone; quickly",
        places="home street shop"),
    "pain_cry": _bank(
        "pain painful agony yell yells yelling yelled",
        [("a man; a woman; a person; someone; an old man; a wounded soldier",
          "cries out in pain; yells; yells in pain; groans in pain; screams in agony; "
          "lets out a yell; shrieks in pain; gasps in pain")],
        "a cry of pain; a yell; a painful groan; a scream of agony; a sharp yell; "
        "a yelp of pain",
        extras="suddenly; loudly; briefly; desperately",
        places="battle street"),
    "footstep": _bank(
        "footstep footsteps footfall footfalls step steps stepping stepped walk walks walking "
        "walked walker",
        [("footsteps*; a footstep; a single footstep; heavy footsteps*; slow footsteps*; "
          "footfalls*; a quick footstep; hurried footsteps*",
          "crunches underfoot; lands on the ground; passes by; approaches; falls softly; "
          "shuffles; scuffs the ground; crunches on gravel")],
        "footsteps*; a footstep; footfalls*; a single step; a crunching step",
        agents="walks; takes a step; walks across the ground; walks slowly; walks past; "
               "steps forward; walks briskly; walks over gravel",
        extras="slowly; on the ground; steadily; one by one; carefully; in boots",
        places="home street outdoors shop"),
    "keyboard": _bank(
        "keyboard keyboards keystroke keystrokes keypress typing typist typists",
        [("a keyboard; a computer keyboard; an old mechanical keyboard; a clicky keyboard; "
          "a keyboard key; the space bar of a keyboard!",
          "clicks; clacks; clicks once; clacks loudly; rattles; gives a loud click; "
          "springs back with a clack")],
        "a keystroke; the clack of a keyboard key; a keyboard click; typing; "
        "a single keystroke; the rattle of keystrokes*",
        agents="types on a keyboard; presses a key on a keyboard; taps a keyboard key; "
               "hits the space bar on a keyboard; is typing; types a few keystrokes",
        who="someone; a person; a typist; an office worker",
        extras="briefly; once; at a desk; quickly; in a quiet room",
        places="home building"),
    "door": _bank(
        "door doors doorway gate gates",
        [("a door; a wooden door; a heavy door; a gate; a garden gate; an old door; "
          "an iron gate; a squeaky door",
          "creaks open; slams shut; swings shut; closes; opens; clicks shut; bangs shut; "
          "closes with a clack; squeaks on its hinges; rattles shut")],
        "a door slam; the creak of a door; the clack of a gate; a slamming door; "
        "a squeaking door hinge",
        agents="opens a door; closes a door; slams a door; shuts a gate; opens a creaky door; "
               "closes the door behind them; pushes a heavy door open; latches a gate",
        extras="abruptly; firmly; suddenly; with a bang; gently; with a click",
        places="home street shop farm"),
    "glass_break": _bank(
        "glass glassware pane panes window windows windowpane shatter shatters shattering "
        "shattered shards",
        [("a glass; a window; a pane of glass!; a glass bottle; a windowpane; "
          "a drinking glass; a wine glass; a glass jar",
          "shatters; breaks; smashes; breaks into pieces; shatters on the floor; "
          "cracks & breaks; bursts into shards; splinters")],
        "shattering glass; breaking glass; the tinkle of broken glass; a window smashing; "
        "falling shards",
        agents="drops a glass; breaks a window; smashes a glass bottle; knocks over a glass; "
               "throws a bottle against a window",
        extras="suddenly; all at once; noisily; violently",
        places="home street kitchen"),
    "metal_clang": _bank(
        "metal metals metallic clang clangs clanging clanged clank clanks clanking clanked",
        [("a metal object; a metal pipe; a metal lid; a piece of metal; a metal bar; "
          "metal sheets*; a metal bucket; a metal pan",
          "clangs; clanks; rings out; bangs; hits the ground; is struck; rattles; "
          "clatters onto concrete; reverberates")],
        "a metallic clang; a clang; a sharp clank; clanging metal; the clang of metal; "
        "a hollow metallic bang",
        agents="bangs on a metal pipe; drops a metal object; strikes a piece of metal; "
               "hits a metal bar; kicks a metal bucket",
        extras="sharply; on concrete; against something hard; once; with an echo",
        places="workshop building"),
    "anvil": _bank(
        "anvil anvils blacksmith blacksmiths smith smiths smithy forge forging hammer hammers "
        "hammering hammered",
        [("a hammer; a heavy hammer; a blacksmith's hammer!; a sledgehammer",
          "strikes an anvil; rings on an anvil; pounds on an anvil; beats hot iron on an anvil; "
          "clinks on an anvil"),
         ("an anvil; an old anvil",
          "rings; rings under a hammer; rings out; clinks rhythmically; resounds"),
         ("hammer blows*; rhythmic hammer blows*",
          "rings out; echoes; falls steadily; lands on an anvil; repeats")],
        "hammering; the ring of an anvil; hammer blows*; rhythmic hammering; "
        "the clink of a hammer",
        agents="hammers on an anvil; hammers hot iron; works at the forge; "
               "strikes an anvil with a hammer; shapes a horseshoe on an anvil",
        who="a blacksmith; a smith; someone",
        extras="rhythmically; steadily; in a steady rhythm; again and again; methodically",
        places="workshop"),
    "wood_chop": _bank(
        "axe axes hatchet chop chops chopped chopping firewood woodcutter woodchopper lumberjack",
        [("an axe; a hatchet; a heavy axe; a woodcutter's axe!; a sharp hatchet",
          "splits a log; strikes a log; bites into wood; chops into a log; cuts into wood; "
          "cleaves a block of wood")],
        "chopping; the chop of an axe; an axe blow; wood chopping; the thwack of an axe",
        agents="chops wood; chops firewood; splits logs with an axe; swings an axe; "
               "chops a log with an axe; splits kindling with a hatchet",
        who="someone; a man; a woodcutter; a person; a lumberjack",
        extras="rhythmically; outside; with a sharp crack; steadily; vigorously",
        places="wild farm outdoors"),
    "pickaxe": _bank(
        "pickaxe pickaxes pick mattock miner miners",
        [("a pickaxe; a pick; a miner's pickaxe!; a heavy pick; a mattock",
          "strikes rock; chips at stone; hits stone; cracks stone; bites into rock; "
          "clinks against rock; scrapes granite")],
        "the clink of a pickaxe; pickaxe blows*; the strike of a pick; "
        "the chink of a pick on stone",
        agents="digs with a pickaxe; swings a pickaxe; chips away at rock with a pick; "
               "strikes stone with a pickaxe; breaks rock with a pick; "
               "hacks at boulders with a pickaxe",
        who="a miner; someone; a worker; a quarry worker",
        extras="rhythmically; steadily; against the rock face; in a tunnel; laboriously",
        places="mine building"),
    "saw": _bank(
        "saw saws sawing sawed sawn chainsaw chainsaws handsaw sawmill",
        [("a saw; a hand saw; a handsaw; an old saw; a bow saw",
          "cuts wood; cuts through wood; rasps back and forth; scrapes through a plank; "
          "grinds through a board"),
         ("a chainsaw; a circular saw; a power saw; a table saw",
          "whines; cuts through a log; roars; screams through wood; buzzes; "
          "revs & bites into wood")],
        "sawing; the rasp of a saw; the whine of a chainsaw; the buzz of a circular saw; "
        "a grating saw",
        agents="saws wood; saws a plank; saws through a log; cuts a board with a saw; "
               "uses a saw; trims a branch with a saw",
        extras="steadily; for a moment; briefly; noisily; in long strokes",
        places="workshop building"),
    "coins": _bank(
        "coin coins penny pennies",
        [("a coin; a single coin; a small coin; a penny",
          "drops & spins; falls on a table; rolls & spins; clinks on a table; "
          "rattles to a stop; wobbles on a counter"),
         ("coins*; a handful of coins; loose coins*; a few coins; a pile of coins",
          "jingles; clinks together; rattles in a pocket; jangles; tumbles onto a counter")],
        "the jingle of coins; the clink of coins; clinking coins*; a spinning coin; "
        "the chink of loose coins",
        agents="drops a coin; counts some coins; jingles coins in a pocket; "
               "drops coins on a table; shakes a handful of coins; tosses a coin",
        extras="on a table; in a pocket; briefly; metallically",
        places="shop home"),
    "cash_register": _bank(
        "cash register registers till tills checkout",
        [("a cash register; an old cash register; a till; a shop till; a vintage cash register",
          "rings; rings up a sale; opens; clatters open; pops open; dings cheerfully")],
        "the ring of a cash register; the ding of a till; the rattle of a till drawer; "
        "a checkout ding",
        agents="opens a cash register; rings up a sale on a till; opens the till drawer; "
               "slides the till drawer shut",
        who="a cashier; a shopkeeper; someone; a clerk",
        extras="with a ding; briefly; in a shop; at a counter",
        places="shop"),
    "camera_shutter": _bank(
        "camera cameras shutter shutters photo photos photograph photographs photographer "
        "snapshot",
        [("a camera; a camera shutter; an old film camera; a shutter; a digital camera; "
          "a vintage camera",
          "clicks; snaps; clicks once; takes a picture; clicks sharply; whirs & clicks")],
        "the click of a camera; a shutter click; a camera click; a snapshot click",
        agents="takes a photo; takes a photograph; snaps a photo with a camera; "
               "clicks a camera shutter; takes a snapshot",
        who="someone; a photographer; a person; a tourist",
        extras="quickly; once; sharply; crisply",
        places="home street"),
    "clock_tick": _bank(
        "clock clocks clockwork tick ticks ticking ticked tock",
        [("a clock; a wall clock; an old clock; a mantel clock; a grandfather clock; "
          "an antique clock; a clockwork timer; a clockwork kitchen timer",
          "ticks; ticks steadily; tick-tocks; keeps time; ticks away; counts the seconds")],
        "ticking; the ticking of a clock; a steady tick-tock; the tick of a clock",
        extras="steadily; rhythmically; regularly; on a wall; evenly; monotonously",
        places="home shop"),
    "bell": _bank(
        "bell bells handbell chime chimes chiming chimed toll tolls tolling tolled",
        [("a bell; a small bell; a large bell; a church bell; a handbell; "
          "a bell at a level crossing; a brass bell",
          "rings; chimes; tolls; rings out; dings; resonates; rings & fades; rings clearly; "
          "peals")],
        "the ringing of a bell; a bell's chime!; a chime; tolling; ringing bells*; "
        "a bright chime",
        agents="rings a bell; strikes a bell; rings a small bell; shakes a handbell",
        extras="slowly; repeatedly; for a few seconds; melodiously",
        places="church station street"),
    "crowd_cheer": _bank(
        "crowd crowds audience audiences spectators spectator fans applause applaud applauds "
        "applauding clap claps clapping clapped cheer cheers cheering cheered ovation",
        [("a crowd; a large crowd; an audience; a stadium crowd; spectators*; fans*; "
          "a jubilant crowd",
          "cheers; cheers & claps; applauds; claps; cheers & whistles; roars with approval; "
          "bursts into applause; goes wild; erupts in cheers")],
        "cheering; applause; cheers and applause; clapping and cheering; a round of applause; "
        "a standing ovation",
        extras="enthusiastically; wildly; happily; excitedly; after a goal",
        places="stadium music"),
    "thud": _bank(
        "thud thuds thudding thudded thump thumps thumping thumped",
        [("something heavy!; a heavy object; a body; a sack; a box; a suitcase",
          "lands with a thud; falls with a thump; hits the ground with a thud; "
          "thuds onto the floor; thumps down; drops with a dull thud")],
        "a thud; a dull thud; a heavy thump; a thump; a muffled thud",
        agents="drops something heavy with a thud; thumps on a table; "
               "drops a heavy sack with a thud; thumps a heavy box down",
        extras="suddenly; once; heavily",
        places="home building workshop"),
    "crash": _bank(
        "crash crashes crashing crashed collapse collapses collapsing collapsed rubble debris "
        "wreckage demolition",
        [("a building; a wall; a structure; an old shed; a stack of crates; a scaffold",
          "collapses; crashes down; falls with a crash; collapses in a heap; "
          "crashes to the ground"),
         ("debris; rubble; falling debris; wreckage",
          "crashes down; clatters down; tumbles down with a crash; falls with a great crash"),
         ("a vehicle; a heavy vehicle; a small aircraft; a racing vehicle",
          "crashes into the ground; crashes into a barrier; crashes heavily; "
          "smashes into an obstacle with a crash")],
        "a crash; a tremendous crash; crashing debris; the crash of a collapsing wall; "
        "a thunderous collapse",
        extras="suddenly; with a roar; all at once; in a cloud of dust",
        places="building street battle"),
    "whoosh": _bank(
        "whoosh whooshes whooshing whooshed swoosh swooshes swooshing swish swishes swishing",
        [("something!; an object; a stick; a small projectile; a thrown ball",
          "whooshes past; whooshes by; swooshes through the air; swishes past; "
          "swooshes overhead")],
        "a whoosh; a quick whoosh; a swoosh; a low swish; a whooshing sound; a rushing swoosh",
        agents="swings a stick with a whoosh; swishes a stick through the air; "
               "swings something with a swoosh; whips a rope through the air with a swish",
        extras="quickly; through the air; suddenly; swiftly",
        places=""),
    # -- fire, water, weather
    "fire_crackle": _bank(
        "fire flames flame blaze bonfire bonfires campfire campfires fireplace embers",
        [("a fire; a campfire; a bonfire; flames*; a large fire; a small fire; a fireplace; "
          "a blaze; glowing embers*",
          "crackles; crackles & pops; burns; roars; burns steadily; pops & hisses; "
          "crackles away; flickers & snaps")],
        "crackling flames*; the crackle of a fire; the roar of a fire; a crackling campfire; "
        "the snapping of logs in a fire",
        extras="steadily; gently; warmly; for a while; cosily; in a hearth",
        places="home wild outdoors"),
    "water_splash": _bank(
        "splash splashes splashing splashed plunge plunges plunging plunged wade wades wading",
        [("something!; an object; a stone; a heavy rock; a diver; a swimmer",
          "splashes into water; plunges into water; falls into water with a splash; "
          "hits the water with a big splash")],
        "a splash; a big splash; splashing; the splash of water; splashing water; "
        "a heavy splash",
        agents="splashes through water; wades through shallow water; "
               "jumps into water with a splash; splashes around in water; "
               "stomps through a puddle with a splash",
        extras="suddenly; noisily; playfully",
        places="pond harbour outdoors"),
    "dripping": _bank(
        "drip drips dripping dripped droplet droplets plink plinks plinking",
        [("water; a leaky tap; a faucet; a leak; a single droplet; droplets*; a wet ceiling",
          "drips; drips slowly; drips steadily; plinks; drips into a puddle; "
          "drips onto a hard floor")],
        "dripping; a drip; the drip of water; a water droplet; the plink of a droplet",
        extras="slowly; steadily; in a quiet room; one by one; in a cave",
        places="home kitchen"),
    "bubbles": _bank(
        "bubble bubbles bubbling bubbled gurgle gurgles gurgling gurgled",
        [("a thick liquid; a pot; hot mud!; a cauldron; a pot of soup; a vat of syrup",
          "bubbles; bubbles & pops; gurgles; bubbles away; gurgles & bubbles; "
          "bubbles thickly"),
         ("bubbles*; large bubbles*; air bubbles*; a single bubble",
          "pops; rises & pops; gurgles; bursts; floats up & pops"),
         ("boiling water; a pot of water; a kettle of water",
          "bubbles; bubbles furiously; boils & bubbles; gurgles & bubbles")],
        "bubbling; gurgling; the bubbling of a liquid; a bubbling pot; a gloopy gurgle",
        extras="steadily; slowly; continuously; on a stove",
        places="kitchen lab"),
    "steam_hiss": _bank(
        "steam steamy vapour vapor sizzle sizzles sizzling sizzled",
        [("steam!; a burst of steam!; escaping steam!; a cloud of steam!",
          "hisses; hisses out; escapes with a hiss; hisses from a valve; whistles; "
          "vents with a hiss"),
         ("hot rock!; a hot stone!; water on hot stones!; a hot iron plate!",
          "sizzles; sizzles & hisses; sizzles as it cools; sizzles & spits")],
        "hissing steam; the hiss of steam; a sizzle; sizzling; a sharp sizzle",
        extras="sharply; briefly; softly; fiercely",
        places="sauna lab kitchen"),
    "electric_zap": _bank(
        "electric electrical electricity electrically zap zaps zapping zapped spark sparks "
        "sparking sparked discharge",
        [("electricity!; an electric spark; sparks*; an electric arc; an electric discharge; "
          "a faulty electrical cable",
          "crackles; zaps; buzzes; crackles & pops; snaps; arcs sharply; fizzes")],
        "an electric zap; crackling electricity; a zap; the buzz of an electric discharge; "
        "a sparking wire",
        extras="sharply; briefly; suddenly; erratically",
        places="lab workshop"),
    "thunder": _bank(
        "thunder thunderclap thunderclaps thunderstorm thunderstorms lightning thunderbolt",
        [("thunder; a roll of thunder; a peal of thunder; a thunderclap; a thunderstorm",
          "rumbles; rolls; booms; rumbles overhead; roars; rumbles & fades; grumbles"),
         ("lightning!; a bolt of lightning!",
          "cracks; strikes; cracks sharply; strikes with a sharp crack; splits the sky")],
        "a thunderclap; the rumble of thunder; a crack of thunder; rolling thunder; "
        "a booming thunderclap",
        extras="overhead; across the sky; ominously; deeply; over the hills",
        places="storm outdoors"),
    # -- weapons and blasts
    "explosion": _bank(
        "explosion explosions explode explodes exploding exploded bomb bombs dynamite blast "
        "blasts detonation detonates grenade landmine",
        [("an explosion; a blast; a huge explosion; a small explosion; a massive explosion",
          "booms; rumbles; goes off; echoes; shakes the ground; reverberates"),
         ("a bomb; dynamite; a stick of dynamite; a grenade; a landmine",
          "explodes; goes off; detonates; blows up")],
        "an explosion; a huge explosion; the boom of an explosion; the blast of a bomb; "
        "a deafening detonation",
        extras="suddenly; with a deep boom; violently; in a quarry",
        places="battle mine building"),
    "cannon": _bank(
        "cannon cannons artillery mortar mortars howitzer cannonball cannonballs cannonade",
        [("a cannon; a large cannon; a mortar; artillery; an anti-aircraft cannon; "
          "a field cannon; an old cannon; a howitzer",
          "fires; booms; fires a shot; is fired; goes off; fires with a deep boom; "
          "lobs a shell")],
        "a cannon shot; the boom of a cannon; artillery shots*; a mortar round; "
        "a cannonade",
        agents="fires a cannon; fires a mortar; fires an old cannon; loads & fires a cannon",
        who="a soldier; someone; an artillery crew",
        extras="once; with a deep boom; suddenly; from a fortress",
        places="battle"),
    "machine_gun": _bank(
        "gun guns gunfire gunshot gunshots gunner machinegun",
        [("a machine gun; a heavy machine gun; an automatic gun; a gun; a mounted gun",
          "fires a burst; rattles; fires rapidly; fires a short burst; chatters; "
          "rattles off a burst; sprays bullets")],
        "gunfire; a burst of gunfire; rapid gunfire; gunshots*; a volley of gunshots; "
        "staccato gunfire",
        agents="fires a machine gun; shoots a burst from a machine gun",
        who="a soldier; someone",
        extras="rapidly; in short bursts; briefly; relentlessly",
        places="battle"),
    "gunshot": _bank(
        "pistol pistols shotgun shotguns rifle rifles handgun handguns revolver revolvers musket "
        "muskets",
        [("a pistol; a shotgun; a rifle; a handgun; a revolver; an old musket; a hunting rifle",
          "fires; is fired; fires a single shot; goes off; fires a shot; cracks; "
          "fires once; fires twice")],
        "a pistol shot; a shotgun shot; a rifle shot; the crack of a rifle; "
        "the boom of a shotgun",
        agents="fires a pistol; fires a shotgun; shoots a rifle; fires a handgun; "
               "fires a revolver; fires a shotgun into the air",
        who="someone; a hunter; a man; a soldier",
        extras="once; suddenly; sharply; in the distance",
        places="battle outdoors"),
    # -- vehicles and machines
    "train": _bank(
        "train trains locomotive locomotives railway railways railroad railcar",
        [("a train; a freight train; a passenger train; a locomotive; a diesel locomotive; "
          "an old locomotive; a goods train; a commuter train",
          "passes by; rumbles past; rattles along the tracks; clatters over the rails; goes by; "
          "pulls away; sounds its horn; blows its whistle; chugs along; speeds past; "
          "pulls out of the station")],
        "the rumble of a train; the rattle of a train; a train's whistle!; "
        "a locomotive's horn!; the clickety-clack of a train",
        extras="along the tracks; over the rails; steadily; at speed; through a crossing",
        places="station outdoors"),
    "jet_aircraft": _bank(
        "jet jets jetliner airliner airliners",
        [("a jet; a jet plane; an airliner; a passenger jet; military jets*; a fighter jet; "
          "a jet aircraft; a jetliner",
          "roars overhead; takes off; flies past; flies overhead; roars past; "
          "screams overhead; roars as it takes off; speeds down the runway"),
         ("a jet turbine; a jet's turbine!; jet turbines*; a jet on the apron",
          "spools up; whines as it starts; winds down; roars steadily; whines & roars; "
          "idles with a high whine")],
        "the roar of a jet; a jet's roar!; the whine of a jet; jet noise; "
        "the scream of jet turbines",
        extras="overhead; across the sky; at high speed; from a runway",
        places="airfield outdoors"),
    "propeller_plane": _bank(
        "propeller propellers biplane biplanes turboprop",
        [("a propeller plane; a small propeller plane; a propeller aircraft; an old biplane; "
          "a turboprop",
          "takes off; starts up; drones overhead; flies past; buzzes overhead; taxis slowly; "
          "sputters & drones")],
        "the drone of a propeller plane; a propeller's whir!; propeller noise; "
        "the putter of an old biplane",
        extras="overhead; slowly; steadily; from a grass strip",
        places="airfield outdoors"),
    "helicopter": _bank(
        "helicopter helicopters chopper choppers rotor rotors",
        [("a helicopter; a chopper; a military helicopter; a rescue helicopter; "
          "a news helicopter",
          "flies overhead; hovers; flies past; whirs; beats the air; circles overhead; "
          "passes overhead; lands on a helipad; starts up; spins up its rotors; "
          "idles on a helipad")],
        "the whir of rotor blades; rotor noise; the beating of helicopter blades; "
        "the rhythmic whirr of a helicopter",
        extras="overhead; low overhead; steadily; above the rooftops",
        places="airfield street outdoors battle"),
    "engine": _bank(
        "engine engines motor motors bus buses truck trucks lorry lorries",
        [("an engine; a truck engine; a diesel engine; an old bus engine; a motor",
          "starts; starts up; sputters into life; revs up; rumbles; idles; turns over & starts; "
          "splutters & starts"),
         ("a truck; a bus; a lorry; an old bus; a delivery truck",
          "starts & pulls away; starts up & drives off; pulls away; drives off; rumbles away; "
          "accelerates away")],
        "the rumble of an engine; the roar of a truck engine; the sputter of an old motor; "
        "a chugging engine",
        agents="starts an engine; turns on an engine; revs an engine; starts an old bus; "
               "cranks a diesel engine",
        extras="slowly; noisily; with a rumble; reluctantly",
        places="street farm building"),
    "car_horn": _bank(
        "car cars honk honks honking honked hooter",
        [("a car horn; a car's horn!; car horns*",
          "honks; blares; beeps; toots; honks impatiently; honks twice"),
         ("a car; a passing car; an old car",
          "honks; honks its horn; sounds its horn; beeps its horn; toots its horn")],
        "honking; a honk; the honk of a car horn; a honking car horn; an angry honk",
        agents="honks a car horn; honks the car horn; sounds a car horn; "
               "leans on the car horn",
        who="a driver; someone; an impatient driver",
        extras="impatiently; briefly; sharply; at a junction",
        places="street"),
    "ship_horn": _bank(
        "ship ships ferry ferries boat boats foghorn foghorns steamship vessel vessels tugboat "
        "freighter",
        [("a ship; a ferry; a large ship; a boat; a cargo ship; a tugboat; an ocean vessel",
          "sounds its horn; blows its horn; sounds its foghorn; toots its horn; "
          "sounds a deep horn"),
         ("a ship's horn!; a foghorn; a ferry's horn!; a ship's foghorn!",
          "sounds; blows; booms; bellows; drones; blares; sounds a long note")],
        "the horn of a ship; a ship's horn!; a deep foghorn; the drone of a ship's horn; "
        "a mournful foghorn",
        extras="across the water; deeply; for a few seconds; in the harbour; through the fog",
        places="harbour"),
    "tire_skid": _bank(
        "tyre tyres tire tires skid skids skidding skidded",
        [("tyres*; tires*; worn tyres*; a vehicle's tyres*!; the tyres of a racing vehicle*!; "
          "an aircraft's tyres*!",
          "skids; squeals; skids on the asphalt; squeals round a bend; skids to a stop; "
          "squeals on a runway; scrubs & skids")],
        "a tyre squeal; the screech of skidding tyres; a long skid; squealing tires*; "
        "a short skid; a skid on asphalt",
        agents="skids round a corner; brakes hard & skids; takes a bend with squealing tyres; "
               "skids to a halt",
        who="a driver; someone; a racing driver",
        extras="suddenly; sharply; briefly; round a corner; on wet asphalt",
        places="street airfield"),
    "siren": _bank(
        "siren sirens ambulance ambulances police firetruck firetrucks",
        [("a siren; an emergency siren; a firetruck siren; a police siren; sirens*",
          "wails; blares; rises & falls; wails & fades; screams; wails continuously; "
          "cycles up & down")],
        "the wail of a siren; a wailing siren; sirens*; a piercing siren",
        extras="continuously; for a while; urgently; insistently",
        places="street"),
    "rocket": _bank(
        "rocket rockets missile missiles launch launches launching launched liftoff spacecraft",
        [("a rocket; a missile; a large rocket; a space rocket; a firework rocket",
          "takes off; launches; lifts off; roars into the sky; shoots into the sky; "
          "roars as it climbs; streaks upwards; screams skyward")],
        "the roar of a rocket; a rocket launch; a missile launch; the launch of a rocket; "
        "a rocket's thunderous liftoff!",
        extras="with a deafening roar; suddenly; in a cloud of smoke",
        places="battle outdoors"),
    "jackhammer": _bank(
        "jackhammer jackhammers drill drills drilling drilled pneumatic roadworks",
        [("a jackhammer; a pneumatic drill; a road drill; jackhammers*",
          "pounds; rattles; pounds the pavement; chatters; pounds away at concrete; "
          "breaks up concrete; judders noisily")],
        "the rattle of a jackhammer; drilling; the pounding of a pneumatic drill; "
        "noisy roadworks",
        agents="operates a jackhammer; drills into concrete; "
               "breaks up pavement with a jackhammer; uses a pneumatic drill",
        who="a worker; someone; a construction worker",
        extras="steadily; relentlessly; in short bursts; on the sidewalk",
        places="building street"),
    "tree_fall": _bank(
        "tree trees timber",
        [("a tree; a large tree; a tall tree; an old tree; a felled tree; a dead tree",
          "falls to the ground; topples over; comes down; falls over; "
          "topples & hits the ground; creaks & falls; splinters & falls; "
          "tears through the branches")],
        "a falling tree; the fall of a tree; a toppling tree; the groan of a falling tree",
        agents="fells a tree; cuts down a tree; brings down a tall tree",
        extras="suddenly; heavily; with a great rumble; in a forest",
        places="wild outdoors"),
    # -- music
    "drum": _bank(
        "drum drums drummer drummers drumming drummed drumroll snare snares tom toms",
        [("a drum; a snare drum; a floor tom; a tom drum; a big drum; drums*; a bass drum",
          "is struck; is hit; booms; sounds; beats; is hit hard; rumbles")],
        "a drumroll; a drum beat; drumming; a snare hit; a single drum hit; "
        "a roll on a snare drum",
        agents="hits a drum; plays a drum roll; strikes a snare drum; beats a drum; "
               "plays a tom drum; taps on a drum",
        who="a drummer; someone; a musician",
        extras="rhythmically; once; with a stick; forcefully",
        places="music"),
    "cymbal": _bank(
        "cymbal cymbals",
        [("a cymbal; a large cymbal; a hi-hat cymbal; a ride cymbal; an open hi-hat cymbal; "
          "cymbals*; a brass cymbal",
          "is struck; rings; shimmers; clashes; resonates; rings out & fades; "
          "rings brightly")],
        "a cymbal clash; the shimmer of a cymbal; a cymbal hit; a ringing cymbal",
        agents="hits a cymbal; strikes a cymbal; taps a cymbal",
        who="someone; a musician; a percussionist",
        extras="once; briefly; brightly",
        places="music"),
    "piano": _bank(
        "piano pianos pianist pianists",
        [("a piano; a grand piano; an old piano; an upright piano",
          "plays gently; plays a chord; plays a few notes; plays a single note; sounds a chord; "
          "plays a slow melody; plays a soothing tune")],
        "piano music; a piano chord; gentle piano notes*; a piano note; a tinkling piano",
        agents="plays a chord on a piano; plays the piano; plays a few notes on a piano; "
               "strikes a piano key",
        who="someone; a pianist; a person",
        extras="gently; slowly; calmly; for a while; delicately",
        places="music home church"),
    "bowed_strings": _bank(
        "violin violins violinist cello cellos cellist fiddle fiddler viola bowed",
        [("a violin; a cello; a fiddle; a solo violin",
          "plays; plays a few notes; plays a long note; plays a slow melody; is bowed; "
          "sings a mournful tune; plays a sad phrase")],
        "violin music; a cello note; a bowed note; the sound of a violin",
        agents="plays a violin; plays the cello; bows a cello; plays a few notes on a violin",
        who=_MUSICIAN,
        extras="slowly; gently; expressively; tenderly",
        places="music church"),
    "guitar": _bank(
        "guitar guitars guitarist guitarists strum strums strumming strummed",
        [("a guitar; an acoustic guitar; an amplified guitar; a twangy guitar; "
          "a steel guitar",
          "plays; is strummed; plays a few chords; rings out; plays a slide; "
          "slides between notes; twangs")],
        "guitar music; a guitar chord; strumming; guitar harmonics*; a twangy guitar riff",
        agents="strums a guitar; plays a guitar; plays a few chords on a guitar; "
               "plucks guitar strings",
        who="someone; a guitarist; a musician",
        extras="gently; slowly; casually; lazily",
        places="music home"),
    "organ": _bank(
        "organ organs organist",
        [("an organ; a church organ; a pipe organ; an electronic organ; an old organ",
          "plays; plays a chord; plays a long chord; drones; sounds a deep chord; resonates; "
          "fills the hall")],
        "organ music; an organ chord; the drone of an organ; a majestic organ chord",
        agents="plays an organ; plays a chord on an organ; plays the church organ",
        who="someone; an organist; a musician",
        extras="solemnly; slowly; for a while; majestically",
        places="church music"),
    "woodwind": _bank(
        "flute flutes flautist bassoon bassoons bassoonist woodwind woodwinds",
        [("a flute; a bassoon; a woodwind instrument",
          "plays; plays a melody; plays a long note; plays a few notes; plays a gentle tune; "
          "plays a wistful phrase")],
        "flute music; a flute melody; the low notes of a bassoon; a breathy flute tone",
        agents="plays a flute; plays the bassoon; plays a tune on a flute",
        who=_MUSICIAN,
        extras="gently; slowly; sweetly; airily",
        places="music"),
}

#: Words that name each event class of :data:`adl.corpus.sources.EVENT_CLASSES`. Single
#: lower-case words, matched whole-word and case-insensitively; no word names two classes.
LEXICON: dict[str, tuple[str, ...]] = {label: bank.lexicon for label, bank in _BANKS.items()}

_REPEATS = ("several times", "repeatedly", "a few times", "again and again", "over and over")

# Where a scene may be: opening phrases, and the background kinds they would contradict.
_PLACES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "farm": (("On a farm,", "In a farmyard,", "Out in the countryside,", "Near a barn,"),
             frozenset({"desert", "hum"})),
    "zoo": (("At the zoo,", "In a wildlife park,", "At a safari park,"), frozenset()),
    "jungle": (("In the jungle,", "Deep in a tropical forest,"),
               frozenset({"traffic", "crowd", "hum", "desert"})),
    "night": (("At night,", "Late at night,", "In the middle of the night,"),
              frozenset({"birds", "desert"})),
    "wild": (("Deep in the woods,", "Out in the wilderness,", "In a remote forest,"),
             frozenset({"traffic", "crowd", "hum"})),
    "garden": (("In a garden,", "In a park,", "In a backyard,"), frozenset({"desert", "hum"})),
    "pond": (("By a pond,", "At the edge of a lake,"), frozenset({"desert", "hum", "traffic"})),
    "workshop": (("In a workshop,", "In an old workshop,", "Inside a shed,"),
                 frozenset({"water", "birds", "insects", "desert", "traffic", "wind"})),
    "building": (("On a building site,", "At a construction site,"),
                 frozenset({"water", "birds", "insects", "desert"})),
    "mine": (("In a quarry,", "Down in a mine,", "In a stone quarry,"),
             frozenset({"crowd", "traffic", "water", "insects"})),
    "music": (("In a music studio,", "During a rehearsal,", "At a concert,",
               "In a concert hall,"),
              frozenset({"rain", "wind", "water", "birds", "insects", "traffic", "desert"})),
    "church": (("In a church,", "Inside a large church,"),
               frozenset({"wind", "water", "birds", "insects", "traffic", "desert"})),
    "battle": (("On a battlefield,", "During a battle,", "In a war zone,"), frozenset()),
    "airfield": (("At an airfield,", "Near an airport,", "At an air show,"),
                 frozenset({"insects"})),
    "harbour": (("At a harbour,", "In a busy port,", "Down by the docks,"),
                frozenset({"desert", "insects"})),
    "station": (("At a station,", "On a station platform,", "Near the tracks,"),
                frozenset({"desert", "insects"})),
    "street": (("On a street,", "In town,", "In the city,", "On a city street,"),
               frozenset({"desert", "insects"})),
    "home": (("Indoors,", "Inside a house,", "In a room,", "At home,"),
             frozenset({"water", "birds", "insects", "desert", "wind", "crowd"})),
    "shop": (("In a shop,", "In a small store,", "At a market stall,"),
             frozenset({"birds", "insects", "desert", "water", "wind"})),
    "stadium": (("At a stadium,", "At a sports game,", "At a football match,"),
                frozenset({"birds", "insects", "desert", "water"})),
    "kitchen": (("In a kitchen,",),
                frozenset({"water", "birds", "insects", "desert", "traffic", "wind", "crowd"})),
    "lab": (("In a laboratory,", "In a science lab,"),
            frozenset({"water", "birds", "insects", "desert", "traffic", "wind", "crowd"})),
    "sauna": (("In a sauna,",),
              frozenset({"water", "birds", "insects", "desert", "traffic", "wind", "crowd"})),
    "storm": (("During a storm,", "In stormy weather,"),
              frozenset({"birds", "insects", "crowd", "hum"})),
    "outdoors": (("Outdoors,", "Outside,", "Out in the open,"), frozenset({"hum"})),
}

# Background phrases: after the sentence, and before it. They use no word of any LEXICON entry.
_BACKGROUNDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rain": (("in the rain", "in steady rain", "with rain falling in the background",
              "as rain falls steadily", "with rain pattering on the ground",
              "during a heavy downpour", "while rain pours down"),
             ("On a rainy day,", "In the pouring rain,", "During a rain shower,",
              "While it rains,")),
    "wind": (("in a strong wind", "on a windy day", "with wind blowing in the background",
              "as a cold wind blows", "with gusts of wind rushing past",
              "while wind blows across the microphone"),
             ("On a windy day,", "In a cold gusty wind,", "Out in the wind,")),
    "water": (("beside a flowing stream", "by a babbling brook",
               "with running water in the background", "near the gently lapping shore of a lake",
               "next to a trickling stream", "as a stream flows nearby"),
              ("By a river,", "Near the water's edge,", "Beside a stream,", "On a lake shore,")),
    "birds": (("in a forest on a spring morning", "in a sunny woodland",
               "with lively chirping all around", "amid cheerful chirping in the woods",
               "in the woods on a sunny day"),
              ("In a forest in spring,", "On a sunny spring morning,", "In a leafy wood,")),
    "insects": (("with crickets chirping in the background", "on a warm night full of crickets",
                 "in a dark forest at night", "as crickets chirp in the grass",
                 "with crickets singing all around"),
                ("On a summer night,", "In a dark forest at night,",
                 "With crickets chirping all around,")),
    "crowd": (("in a busy marketplace", "with people chatting in the background",
               "amid the murmur of many people", "in a noisy hall full of people",
               "as people talk all around"),
              ("At a busy market,", "In a bustling marketplace,",
               "Among many chattering people,")),
    "traffic": (("near a busy road", "on a city street", "with traffic passing in the background",
                 "beside a busy highway", "as traffic rushes past",
                 "with the hum of traffic nearby"),
                ("On a busy street,", "Next to a busy road,", "In the middle of city traffic,")),
    "hum": (("with a low hum in the background", "next to humming machinery",
             "in a factory hall with a steady drone", "over the drone of heavy machinery",
             "as machinery hums nearby"),
            ("In a factory,", "Inside a humming power station,", "Next to droning machinery,")),
    "desert": (("in a quiet open desert", "out in a dry, windy landscape",
                "on a hot, dry day outdoors", "in a vast empty desert",
                "with a dry wind over open ground"),
               ("In the desert,", "On a hot dry day,", "Out in an empty landscape,")),
}
#: The background kinds the writers can name.
BACKGROUNDS: tuple[str, ...] = tuple(_BACKGROUNDS)

_PREPOSITIONS = frozenset({"in", "on", "at", "from", "by", "near", "across", "around", "under",
                           "behind", "among", "into", "through", "over", "against", "along",
                           "onto", "off", "above", "upwards", "down"})
_THING_FAINT = "distant"
_SOUND_FAINT = ("faint", "distant", "soft")
_SOUND_LOUD = ("loud",)


# -- the lexicon ---------------------------------------------------------------------------------

_WORD_TO_CLASS: dict[str, str] = {w: label for label, words in LEXICON.items() for w in words}
_TOKEN = re.compile(r"\w+", re.ASCII)


def events_in_caption(caption: str) -> set[str]:
    """The event classes that ``caption`` names, by whole-word, case-insensitive lexicon matches.

    Args:
        caption: any text.

    Returns:
        The classes of :data:`LEXICON` with at least one word in ``caption``.
    """
    return {_WORD_TO_CLASS[w] for w in _TOKEN.findall(caption.lower()) if w in _WORD_TO_CLASS}


def class_phrases(label: str) -> tuple[str, ...]:
    """The noun phrases the writers use for ``label`` that name it and no other class: its
    sources first ("a dog", "a puppy"), then its sounds ("barking"), in bank order.

    A template caption can say any of them (:mod:`adl.floor` picks the one the development
    captions use most).

    Raises:
        KeyError: ``label`` is not a class of :data:`LEXICON`.
    """
    bank = _BANKS[label]
    texts = [t.text for g in bank.groups for t in g.things] + [s.text for s in bank.sounds]
    return tuple(dict.fromkeys(t for t in texts if events_in_caption(t) == {label}))


# -- one caption ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caption:
    """One caption of a scene.

    Attributes:
        text: the sentence.
        events: the event classes it names, sorted (``events_in_caption(text)``).
        background: whether it names the background.
        annotator: which of :data:`ANNOTATORS` wrote it (0-4).
    """

    text: str
    events: tuple[str, ...]
    background: bool
    annotator: int


@dataclass(frozen=True)
class _Event:
    """Every mention of one class in a scene, merged."""

    label: str
    onset_s: float
    duration_s: float
    gain_db: float
    count: int

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s


def _merge(events: Sequence[EventMention]) -> list[_Event]:
    by_label: dict[str, _Event] = {}
    for ev in events:
        old = by_label.get(ev.label)
        if old is None:
            by_label[ev.label] = _Event(ev.label, ev.onset_s, ev.duration_s, ev.gain_db, 1)
        else:
            onset = min(old.onset_s, ev.onset_s)
            end = max(old.end_s, ev.onset_s + ev.duration_s)
            by_label[ev.label] = _Event(ev.label, onset, end - onset,
                                        max(old.gain_db, ev.gain_db), old.count + 1)
    return sorted(by_label.values(), key=lambda e: (e.onset_s, e.label))


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _choose(items: Sequence, ann: Annotator, rng: np.random.Generator):  # type: ignore
    """An item of a bank as ``ann`` would pick it: from the head it knows, its favourite often."""
    k = min(len(items), max(2, math.ceil(ann.richness * len(items))))
    j = int(rng.integers(k + 2))
    return items[ann.taste % k] if j >= k else items[j]


def _fresh(rng: np.random.Generator, options: Sequence[str], used: set[str]) -> str:
    """A pick from ``options`` that this caption has not used yet, where there is one."""
    unused = [o for o in options if o not in used]
    choice = _pick(rng, unused or options)
    used.add(choice)
    return choice


def _weighted(rng: np.random.Generator, pairs: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for name, w in pairs:
        x -= w
        if x < 0:
            return name
    return pairs[-1][0]


@dataclass
class _Real:
    """One event as one caption says it."""

    label: str
    subj: str        # "a small dog"
    plural: bool
    verb: _Verb
    adverb: str      # how loud or far: "in the distance", or ""
    extra: str       # how or where: "excitedly", "in a field", or ""
    extra_first: bool
    sound: str       # "a faint bark"
    loud: bool
    who: str = ""    # subject of an agent clause
    agent: _Verb | None = None  # when set, the event is said as "someone ..."
    progressive: bool = False

    @property
    def tail(self) -> str:
        """The adverbials after the verb, with a leading space ("" when none)."""
        words = (self.extra, self.adverb) if self.extra_first else (self.adverb, self.extra)
        text = " ".join(w for w in words if w)
        return f" {text}" if text else ""

    def act(self, agent: _Verb, who: str) -> None:
        """Say this event as "someone ...": an agent's own place ("in a pocket") wins."""
        self.agent, self.who = agent, who
        if (self.extra.split(" ", 1)[0] in _PREPOSITIONS and _PREPOSITIONS & set(agent.s.split())
                or self.extra.endswith("ly") and agent.s.endswith("ly")):
            self.extra = ""

    def clause(self) -> str:
        if self.agent is not None:
            v = f"is {self.agent.ing}" if self.progressive else self.agent.s
            return f"{self.who} {v}{self.tail}"
        if self.progressive:
            return f"{self.subj} {'are' if self.plural else 'is'} {self.verb.ing}{self.tail}"
        return f"{self.subj} {self.verb.pl if self.plural else self.verb.s}{self.tail}"

    def passive(self, rng: np.random.Generator) -> str:
        if self.agent is not None:
            return self.clause()
        if rng.random() < 0.6:
            return f"{self.subj} can be heard {self.verb.ing}{self.tail}"
        return f"{self.subj} {'are' if self.plural else 'is'} heard {self.verb.ing}{self.tail}"

    def noun(self, tail: bool = True) -> str:
        t = self.tail if tail else ""
        if self.agent is not None:
            return f"{self.who} {self.agent.ing}{t}"
        return f"{self.subj} {self.verb.ing}{t}"


def _shortest(items: Sequence, key) -> object:  # type: ignore[no-untyped-def]
    return min(items, key=lambda x: len(key(x).split()))


def _realise(ev: _Event, ann: Annotator, rng: np.random.Generator, level: float,
             n_events: int, used: set[str]) -> _Real:
    """Say one event as ``ann`` would; a low ``level`` asks for fewer words."""
    bank = _BANKS[ev.label]
    group = _choose(bank.groups, ann, rng)
    compact = level <= -2
    if compact:
        thing = _shortest(group.things, lambda t: t.text)
        verb = _shortest(group.verbs, lambda v: v.s)
    else:
        thing = _choose(group.things, ann, rng)
        verb = _choose(group.verbs, ann, rng)
    sound = _choose(bank.sounds, ann, rng)
    loud, faint = ev.gain_db >= LOUD_DB, ev.gain_db <= FAINT_DB
    subj, sound_text, adverb, extra = thing.text, sound.text, "", ""
    if (loud or faint) and rng.random() < ann.modifiers - (0.3 if compact else 0.0):
        # an adjective only on a bare noun: "a distant dog", not "a distant big dog"
        if faint and rng.random() < 0.3 and len(thing.text.split()) <= 2:
            subj = _with_adjective(thing, _THING_FAINT)
            sound_text = _with_adjective(sound, _pick(rng, _SOUND_FAINT))
        else:
            words = [w for w in (ann.loud if loud else ann.faint) if w not in used
                     and not (w.endswith("ly") and verb.s.endswith("ly"))]
            if words:
                adverb = _pick(rng, words)
                used.add(adverb)
            sound_text = _with_adjective(sound, _pick(rng, _SOUND_LOUD if loud else _SOUND_FAINT))
    p_extra = ann.extras + 0.2 * level - 0.15 * (n_events - 1)
    if (not adverb or (level > 1 and ann.richness > 0.9)) and rng.random() < p_extra:
        if ev.count > 1 and rng.random() < 0.6:
            extra = _pick(rng, _REPEATS)
        elif bank.extras:
            extra = _choose(bank.extras, ann, rng)
        # no echo of the verb ("breaks into pieces into pieces"), one -ly adverb at most, and
        # one place at most ("falls on a table on a table")
        if extra.split()[-1:] and (
                extra.split()[-1] in f"{verb.s} {thing.text}".split() or extra in used
                or (extra.endswith("ly") and (verb.s.endswith("ly") or adverb.endswith("ly")))
                or (extra.split(" ", 1)[0] in _PREPOSITIONS and _PREPOSITIONS & set(
                    verb.s.split()))):
            extra = ""
        used.add(extra)
    return _Real(ev.label, subj, thing.plural, verb, adverb, extra, bool(rng.random() < 0.5),
                 sound_text, loud)


def _salient(events: list[_Event], ann: Annotator, rng: np.random.Generator,
             name_all: bool, pressed: bool = False) -> list[_Event]:
    """The events a writer names: loud and long ones always; faint or very short ones unless
    it drops them; ordinary ones too, unless it is ``pressed`` for words. At least one event is
    always named."""
    if name_all:
        return list(events)
    kept = []
    for ev in events:
        optional = ev.gain_db < LOUD_DB and ev.duration_s < LONG_S and (
            pressed or ev.gain_db <= FAINT_DB or ev.duration_s < SHORT_S)
        if not optional or rng.random() >= ann.drop:
            kept.append(ev)
    if not kept:
        kept = [max(events, key=lambda e: (e.gain_db, e.duration_s))]
    return kept


@dataclass
class _Part:
    """A group of overlapping events: as a clause and as a noun phrase."""

    clause: str
    noun: str


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _group(rs: list[_Real], ann: Annotator, rng: np.random.Generator,
           passive_lead: bool, used: set[str], compact: bool = False) -> _Part:
    first = rs[0].passive(rng) if passive_lead else rs[0].clause()
    if len(rs) == 1:
        return _Part(first, rs[0].noun())
    rest = rs[1:]
    how = _fresh(rng, ann.together[:2] if compact else ann.together, used)
    if how == "with_bg" and any(r.loud for r in rest):
        how = "while"
    if how in ("while", "as"):
        tail = f" {how} {_join([r.clause() for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    if how == "with_bg":
        tail = f" with {_join([r.noun(tail=False) for r in rest])} in the background"
        return _Part(first + tail, rs[0].noun() + tail)
    if how in ("over", "along_with"):
        word = "over" if how == "over" else "along with"
        tail = f" {word} {_join([r.sound for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    if how == "same_time":
        if rng.random() < 0.5 and not passive_lead:
            nouns = _join([r.noun() for r in rs])
            return _Part(f"{nouns} can be heard at the same time", f"{nouns} at the same time")
        tail = f", and at the same time {_join([r.clause() for r in rest])}"
        return _Part(first + tail, rs[0].noun() + tail)
    return _Part(_join([first] + [r.clause() for r in rest]), _join([r.noun() for r in rs]))


def _sequence(parts: list[_Part], ann: Annotator, rng: np.random.Generator, lead: str,
              used: set[str], progressive: bool = False) -> str:
    """Groups that follow each other, as one sentence; ``lead`` is "clause" or "noun"."""
    text = getattr(parts[0], lead)
    if len(parts) == 1:
        return text
    if len(parts) == 2:
        how = _pick(rng, ann.then)
        a, b = parts
        if how == "after" and lead == "clause" and not progressive:
            return f"after {a.clause}, {b.clause}"
        if how == "first" and lead == "clause" and not progressive:
            return f"first {a.clause}, then {b.clause}"
        if how == "before":
            return f"{text} before {b.clause}"
    for i, p in enumerate(parts[1:], start=1):
        how = _fresh(rng, ann.then, used)
        last = i == len(parts) - 1
        if how == "followed_by":
            text += f", followed by {p.noun}"
        elif how == "after_that":
            text += f", and after that {p.clause}"
        elif how == "later":
            text += f", and a moment later {p.clause}"
        elif how == "afterwards":
            text += f", and afterwards {p.clause}"
        elif how == "and_then" or (last and len(parts) > 2 and rng.random() < 0.5):
            text += f", and {'finally' if last and len(parts) > 2 else 'then'} {getattr(p, lead)}"
        else:
            text += f", then {getattr(p, lead)}"
    return text


def _framing(named: list[_Event], ann: Annotator, background: str | None,
             rng: np.random.Generator) -> str:
    """An opening: a setting all named events fit and the background does not contradict
    ("On a farm,"), else one of the writer's own ("In this recording,")."""
    places = set(_BANKS[named[0].label].places)
    for ev in named[1:]:
        places &= set(_BANKS[ev.label].places)
    places = {p for p in places if background is None or background not in _PLACES[p][1]}
    if places and rng.random() < 0.7:
        return _pick(rng, _PLACES[_pick(rng, sorted(places))][0])
    return _pick(rng, ann.openers)


def _background_named(ann: Annotator, prominent: bool, rng: np.random.Generator) -> bool:
    if ann.background == "always":
        return True
    if ann.background == "loud":
        return prominent
    if ann.background == "sometimes":
        return rng.random() < 0.5
    return False


def _draft(named: list[_Event], ann: Annotator, rng: np.random.Generator, level: float,
           background: str | None, say_background: bool) -> tuple[str, set[str], bool]:
    """One attempt at a caption of the events ``named``: its text, the classes it means to
    name, and whether it names the background."""
    used: set[str] = set()
    reals = {ev.label: _realise(ev, ann, rng, level, len(named), used) for ev in named}
    compact = level <= -2
    form = _weighted(rng, ann.forms)
    if compact:  # pressed for words: the plainest shape and joins
        form = "participle" if ann.forms[0][0] == "participle" else "active"
    elif level >= 2 and len(named) == 1 and rng.random() < 0.5:  # short of words
        form = _pick(rng, ("passive", "there", "hear", "sound_of"))
    if form == "someone":
        agentive = [ev for ev in named if _BANKS[ev.label].agents]
        if agentive:
            ev = agentive[int(rng.integers(len(agentive)))]
            bank = _BANKS[ev.label]
            reals[ev.label].act(_choose(bank.agents, ann, rng), _choose(bank.who, ann, rng))
        form = "progressive" if rng.random() < 0.4 else "active"
    if form == "progressive":
        for r in reals.values():
            r.progressive = True
    groups = []
    for g in temporal_groups([EventMention(e.label, e.onset_s, e.duration_s, e.gain_db)
                              for e in named]):
        # the louder sound leads; near-ties are broken at random
        g = sorted(g, key=lambda e: -(e.gain_db + 3.0 * rng.random()))
        groups.append([reals[e.label] for e in g])
    parts = [_group(g, ann, rng, form == "passive" and i == 0, used, compact)
             for i, g in enumerate(groups)]
    if form in ("participle", "sound_of", "hear", "there"):
        body = _sequence(parts, ann, rng, "noun", used)
        first = groups[0][0]
        if form == "sound_of":
            body = f"the sound of {body}"
        elif form == "hear":
            body = f"you can hear {body}"
        elif form == "there":
            body = f"there {'are' if first.plural and first.agent is None else 'is'} {body}"
    else:
        body = _sequence(parts, ann, rng, "clause", used, form == "progressive")
    prefix = ""
    if say_background and background is not None:
        suffixes, prefixes = _BACKGROUNDS[background]
        # no second "with", "as" or "while", and no "... by by a brook"
        last = body.rsplit(" ", 1)[-1]
        suffixes = tuple(s for s in suffixes if f" {s.split()[0]} " not in f" {body} "
                         and s.split()[0] != last) or suffixes
        if rng.random() < 0.3 and not body.startswith(("after ", "first ")):
            prefix = _pick(rng, prefixes)
        else:
            where = _pick(rng, suffixes)
            body += f", {where}" if where.startswith(("as ", "while ")) else f" {where}"
    elif rng.random() < ann.framing + 0.2 * level and not body.startswith(("after ", "first ")):
        prefix = _framing(named, ann, background, rng)
    text = f"{prefix} {body}" if prefix else body[0].upper() + body[1:]
    return text + ".", {ev.label for ev in named}, bool(say_background and background)


def _plain_noun(label: str) -> str:
    """The plainest noun phrase that names ``label`` by itself ("a dog", "a thud")."""
    for group in _BANKS[label].groups:
        for thing in group.things:
            if events_in_caption(thing.text) == {label}:
                return thing.text
    return _BANKS[label].sounds[0].text


def _fallback(named: list[_Event], variant: int) -> tuple[str, set[str]]:
    """A plain caption of 8-20 words naming ``named`` (used when drafts keep missing)."""
    opener = ("In this recording,", "Throughout the clip,", "In this short clip,")[variant % 3]
    body = _join([_plain_noun(ev.label) for ev in named])
    if len(named) == 1:
        return f"{opener} {body} can be heard clearly.", {named[0].label}
    return f"{opener} {body} can be heard.", {ev.label for ev in named}


_DOUBLED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
_LONG_WORD = re.compile(r"[a-z]{6,}")


def _flawed(text: str, strict: bool) -> bool:
    """Whether a draft reads badly: a doubled word ("over over"), a phrase said twice, or
    (when ``strict``) a long word used twice."""
    lower = text.lower()
    if _DOUBLED.search(lower) or lower.count("in the background") > 1 \
            or lower.count("distance") > 1 or lower.count("along with") > 1:
        return True
    if strict:
        words = _LONG_WORD.findall(lower)
        return len(words) != len(set(words))
    return False


def _fits(text: str) -> bool:
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS


def _write(events: list[_Event], ann: Annotator, index: int, rng: np.random.Generator,
           background: str | None, prominent: bool, name_all: bool,
           seen: set[str]) -> Caption:
    say_background = background is not None and _background_named(ann, prominent, rng)
    # what to mention is decided once, before the wording: a writer does not drop a sound
    # because the sentence came out short
    named = _salient(events, ann, rng, name_all)
    pressed = named if name_all else _salient(named, ann, rng, name_all, pressed=True)
    lo, hi = ann.words
    best: tuple[float, str, set[str], bool] | None = None
    level = 0.0
    for attempt in range(40):
        if attempt == 25 and best is None:
            say_background = False  # the background gives way when nothing fits in 20 words
        text, labels, bg = _draft(pressed if level <= -3 else named, ann, rng, level,
                                  background, say_background)
        n = len(text.split())
        if text in seen or events_in_caption(text) != labels or _flawed(text, attempt < 20):
            continue
        if lo <= n <= hi:
            best = (0.0, text, labels, bg)
            break
        if _fits(text):
            distance = float(lo - n if n < lo else n - hi)
            if best is None or distance < best[0]:
                best = (distance, text, labels, bg)
        level += 1.0 if n < lo else -1.0
        level = max(-3.0, min(3.0, level))
    if best is None:
        for variant in range(3):
            text, labels = _fallback(pressed, variant)
            if text not in seen:
                break
        best = (0.0, text, labels, False)
    _, text, labels, bg = best
    seen.add(text)
    return Caption(text, tuple(sorted(labels)), bg, index)


# -- the public interface ------------------------------------------------------------------------


def annotate(events: Sequence[EventMention], rng: np.random.Generator, *,
             background: str | None = None, n: int = 5, background_db: float | None = None,
             name_all: bool = False) -> list[Caption]:
    """Write ``n`` captions of one scene, one per writer of :data:`ANNOTATORS` in order.

    Several mentions of one class are merged into one event (earliest onset, latest end,
    largest gain, and a count that lets a writer say "several times").

    Args:
        events: the scene's events (any order; at least one).
        rng: the only source of randomness: the same state gives the same captions.
        background: a key of :data:`adl.corpus.sources.BACKGROUND_KINDS`, or None.
        n: how many captions; writer ``i % 5`` writes caption ``i``.
        background_db: the background's level on the events' ``gain_db`` scale. A background
            at or above :data:`BACKGROUND_LOUD_DB` is prominent; when None, a background is
            taken as prominent in a scene of one or two events.
        name_all: name every event, faint and short ones included (for exact references).

    Returns:
        ``n`` distinct captions of 8-20 words; each names only events of the scene, and
        ``events_in_caption(c.text) == set(c.events)``.

    Raises:
        ValueError: no events, an unknown class or an unknown background kind.
    """
    if not events:
        raise ValueError("annotate needs at least one event")
    for ev in events:
        if ev.label not in _BANKS:
            raise ValueError(f"unknown event class {ev.label!r}")
    if background is not None and background not in _BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}")
    merged = _merge(events)
    if background_db is not None:
        prominent = background_db >= BACKGROUND_LOUD_DB
    else:
        prominent = len(merged) <= 2
    seen: set[str] = set()
    return [_write(merged, ANNOTATORS[i % len(ANNOTATORS)], i % len(ANNOTATORS), rng,
                   background, prominent, name_all, seen) for i in range(n)]


def write_captions(events: Sequence[EventMention], rng: np.random.Generator, n: int = 5, *,
                   background: str | None = None) -> list[str]:
    """The texts of :func:`annotate` (same signature as :func:`adl.captions.grammar.write_captions`).

    Args:
        events: the scene's events (at least one).
        rng: source of the writers' choices.
        n: number of captions.
        background: a key of :data:`adl.corpus.sources.BACKGROUND_KINDS`, or None.

    Returns:
        ``n`` distinct sentences of 8-20 words.
    """
    return [c.text for c in annotate(events, rng, background=background, n=n)]


_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def caption_statistics(captions: Sequence[str]) -> dict:
    """Length and vocabulary statistics of a set of captions, as Clotho's paper reports them.

    Words are lower-cased and stripped of punctuation ("dog's" and "hi-hat" are one word each).

    Args:
        captions: caption texts.

    Returns:
        ``captions`` (count), ``words`` (total), ``mean_words``, ``std_words``, ``min_words``,
        ``max_words`` (per caption), ``vocabulary_size`` and ``distinct_words`` (sorted list).
    """
    counts = [len(_WORD.findall(c.lower())) for c in captions]
    vocabulary = sorted({w for c in captions for w in _WORD.findall(c.lower())})
    if not counts:
        return {"captions": 0, "words": 0, "mean_words": 0.0, "std_words": 0.0,
                "min_words": 0, "max_words": 0, "vocabulary_size": 0, "distinct_words": []}
    arr = np.asarray(counts, dtype=float)
    return {"captions": len(counts), "words": int(arr.sum()), "mean_words": float(arr.mean()),
            "std_words": float(arr.std()), "min_words": int(arr.min()),
            "max_words": int(arr.max()), "vocabulary_size": len(vocabulary),
            "distinct_words": vocabulary}
