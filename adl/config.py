"""Typed, read-only configuration: frozen dataclasses grouped like the DCASE YAML sections.

A preset is a YAML file in ``adl/presets/``. :func:`load_preset` reads it into a :class:`Config`,
checking every key and value before any heavy work starts: an unknown key names the nearest
valid one, a bad value names its field.

Example::

    from adl.config import load_preset
    cfg = load_preset("smoke")
    cfg.corpus.n_development   # attributes, not nested dict lookups
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from adl.errors import ConfigError
from adl.io import write_text

if TYPE_CHECKING:
    import pandas as pd

PRESET_DIR = Path(__file__).parent / "presets"
PRESETS = ("smoke", "default", "paper")
#: The training methods: plain captioning, AL-MixGen pairs, audio difference learning.
METHODS = ("baseline", "mixgen", "adl")
#: ``mixing.reference_classes``: any bank class, or only classes the input scene lacks.
REFERENCE_CLASSES = ("any", "absent")
#: ``model.no_reference``: what an example without a reference subtracts.
NO_REFERENCE = ("silence", "zero")
#: ``training.adl_mode``: difference (and AL-MixGen) examples added to the plain ones, or
#: replacing a share of them.
ADL_MODES = ("add", "replace")
#: Learning-rate schedules of the training loop (``training.schedule``).
SCHEDULES = ("cosine", "plateau")


@dataclass(frozen=True)
class DataConfig:
    """Where the data comes from.

    ``source: embedded`` uses the generated corpus; ``source: real`` reads Clotho v2.1
    and ESC-50 from ``root``. ``root: null`` means ``$ADL_DATA_ROOT``, or ``./data``.
    """

    source: str = "embedded"
    root: str | None = None
    sr: int = 44100

    def __post_init__(self) -> None:
        _check_choice("data.source", self.source, ("embedded", "real"))
        _check_positive("data.sr", self.sr)


#: What the embedded corpus is made of: procedurally synthesised sounds (offline, for CI) or
#: real recordings from pinned Debian packages (:mod:`adl.corpus.recordings`).
CORPUS_KINDS = ("synth", "recordings")


@dataclass(frozen=True)
class CorpusConfig:
    """Sizes of the embedded corpus (ignored when ``data.source`` is ``real``).

    ``kind: synth`` synthesises every sound from the seed (no download; the ``smoke`` preset);
    ``kind: recordings`` builds the corpus from real recordings in pinned Debian packages
    (fetched once, about 558 MB). ``background_prob`` is the share of scenes with a background
    that captions name; with ``recordings`` the other scenes still have a quiet room tone.
    """

    kind: str = "synth"
    seed: int = 0
    n_development: int = 1000
    n_validation: int = 200
    n_evaluation: int = 200
    events_per_class: int = 40
    scene_seconds: tuple[float, float] = (5.0, 10.0)
    event_seconds: float = 5.0
    max_events: int = 3
    background_prob: float = 0.6

    def __post_init__(self) -> None:
        _check_choice("corpus.kind", self.kind, CORPUS_KINDS)
        for name in ("n_development", "n_validation", "n_evaluation", "events_per_class",
                     "max_events"):
            _check_positive(f"corpus.{name}", getattr(self, name))
        _check_positive("corpus.event_seconds", self.event_seconds)
        lo, hi = self.scene_seconds
        if not (0 < lo <= hi and math.isfinite(hi)):
            raise ConfigError(
                f"corpus.scene_seconds: expected [min, max] with 0 < min <= max, got {[lo, hi]}")
        _check_probability("corpus.background_prob", self.background_prob)


@dataclass(frozen=True)
class MixingConfig:
    """How references are mixed into inputs (choices the paper leaves open)."""

    snr_db: float = 0.0
    p_adl: float = 0.5
    p_mixgen: float = 0.5
    # Which bank events may be an input's reference: "any" class (what mixing ESC-50 into Clotho
    # does, without looking at the scene), or only classes "absent" from the input scene (needs
    # the embedded corpus's scene events; Table 2 always uses absent ones).
    reference_classes: str = "any"
    # Mixtures drawn and encoded once per corpus (ADL and AL-MixGen each): every epoch's added
    # examples come from this pool, with fresh captions. 0: mix afresh every epoch and encode
    # on the fly (what a GPU affords; a pretrained CNN on a CPU does not). Needs a frozen,
    # cached encoder.
    pool_size: int = 0
    pool_seed: int = 0

    def __post_init__(self) -> None:
        if self.pool_size < 0:
            raise ConfigError(f"mixing.pool_size: must be 0 (no pool) or more, got "
                              f"{self.pool_size}")
        if not math.isfinite(self.snr_db):
            raise ConfigError(f"mixing.snr_db: must be a finite number of dB, got {self.snr_db}")
        _check_probability("mixing.p_adl", self.p_adl)
        _check_probability("mixing.p_mixgen", self.p_mixgen)
        _check_choice("mixing.reference_classes", self.reference_classes, REFERENCE_CLASSES)


@dataclass(frozen=True)
class ModelConfig:
    """How the captioner reads an example that has no reference.

    ``no_reference: silence`` (the paper: the reference *audio* is zero) subtracts the encoding
    of a silent clip of the input's length, ``Z_ref = Enc(0)``, in plain training rows,
    validation, Table 1 and Table 2 alike; ``zero`` uses ``Z_ref = 0`` (an ablation, and what
    runs made before this option did).
    """

    no_reference: str = "silence"

    def __post_init__(self) -> None:
        _check_choice("model.no_reference", self.no_reference, NO_REFERENCE)


#: ``encoder.name``: the CPU-sized CNN pretrained as a tagger on the corpus, PANNs CNN14, and
#: the sound-effects CNN pretrained by Ma and Lerch (ISMIR 2022; :mod:`adl.models.aisfx`).
ENCODERS = ("small_cnn", "cnn14", "sfx_cnn")
#: ``encoder.checkpoint`` of ``sfx_cnn`` that names its pinned pretrained weights.
SFX_CHECKPOINT = "aisfx"
#: Width (``hl1``, the first block's channels) of the pretrained sound-effects CNN.
SFX_WIDTH = 64
#: Sample rate of the sound-effects CNN's front end.
SFX_SR = 44100
#: Time stride of the sound-effects CNN's trunk (2x2 pooling after three of its four blocks).
SFX_TRUNK_STRIDE = 8


@dataclass(frozen=True)
class EncoderConfig:
    """The audio encoder and the adapter to the decoder width.

    ``channels`` are the small CNN's block widths. ``width`` is the first block's channels of
    ``sfx_cnn`` (its four blocks have width, 2x, 4x and 8x that: 512 features at the pretrained
    width 64; a narrower random one suits quick tests). ``checkpoint: aisfx`` loads the pinned
    pretrained sound-effects weights (fetched on first use). ``input_gain_db`` is the one fixed
    gain ``sfx_cnn``'s front end applies to every clip: never a per-clip normalisation, which
    would change a mixture's level against its reference's and break the difference.
    """

    name: str = "small_cnn"
    channels: tuple[int, ...] = (16, 32, 64, 128)
    time_pool: int = 16
    checkpoint: str | None = None
    freeze: bool = True
    adapter: str = "linear"
    diff_at: str = "adapter"
    width: int = SFX_WIDTH
    input_gain_db: float = 0.0
    # Prepend the mean and the max over time of what the decoder reads as two more tokens
    # (adl.models.captioner.add_summary_tokens).
    summary_tokens: bool = False
    # sfx_cnn: replace each trunk frame by the max over a centred window of this many frames
    # (12 frames = 2.2 s, the blocks the network was trained to max-pool); 0: off.
    block_max: int = 0

    def __post_init__(self) -> None:
        _check_choice("encoder.name", self.name, ENCODERS)
        _check_choice("encoder.adapter", self.adapter, ("linear", "mlp"))
        _check_choice("encoder.diff_at", self.diff_at, ("adapter", "encoder"))
        for i, c in enumerate(self.channels):
            _check_positive(f"encoder.channels[{i}]", c)
        _check_positive("encoder.time_pool", self.time_pool)
        _check_positive("encoder.width", self.width)
        if self.block_max < 0:
            raise ConfigError(f"encoder.block_max: must be 0 (off) or a window of trunk frames, "
                              f"got {self.block_max}")
        if self.block_max and self.name != "sfx_cnn":
            raise ConfigError(f"encoder.block_max: a window over the sound-effects CNN's frames; "
                              f"it needs encoder.name sfx_cnn, not {self.name}")
        if not math.isfinite(self.input_gain_db):
            raise ConfigError(f"encoder.input_gain_db: must be a finite number of dB, got "
                              f"{self.input_gain_db}")
        if self.checkpoint == SFX_CHECKPOINT and self.name != "sfx_cnn":
            raise ConfigError(f"encoder.checkpoint: {SFX_CHECKPOINT!r} is the sound-effects "
                              f"CNN's weights; it needs encoder.name sfx_cnn, not {self.name}")
        if self.name == "sfx_cnn":
            if self.time_pool % SFX_TRUNK_STRIDE:
                raise ConfigError(f"encoder.time_pool: must be a multiple of {SFX_TRUNK_STRIDE} "
                                  f"for sfx_cnn, got {self.time_pool}")
            if self.checkpoint not in (None, SFX_CHECKPOINT):
                raise ConfigError(f"encoder.checkpoint: sfx_cnn takes {SFX_CHECKPOINT!r} (the "
                                  f"pinned pretrained weights) or null (random), got "
                                  f"{self.checkpoint!r}")
            if self.checkpoint == SFX_CHECKPOINT and self.width != SFX_WIDTH:
                raise ConfigError(f"encoder.width: the pretrained sfx_cnn has width "
                                  f"{SFX_WIDTH}, got {self.width}")


@dataclass(frozen=True)
class DecoderConfig:
    """The BART decoder and its tokenizer."""

    d_model: int = 256
    layers: int = 3
    heads: int = 4
    ffn_dim: int = 1024
    dropout: float = 0.1
    vocab_size: int = 1000
    max_caption_tokens: int = 48
    pretrained: str | None = None
    tokenizer: str | None = None
    # Estimate the captions' most frequent content words from the audio and read the estimate
    # as one more token (adl.keywords): how many words (0: off), and the weight of their binary
    # cross-entropy beside the captions' cross-entropy.
    keywords: int = 0
    keyword_weight: float = 1.0
    # How the keyword head pools the frames: "mean_max" (a linear map of their mean and max) or
    # "frame_max" (a logit per frame, the largest kept).
    keyword_pooling: str = "mean_max"

    def __post_init__(self) -> None:
        for name in ("d_model", "layers", "heads", "ffn_dim", "vocab_size", "max_caption_tokens"):
            _check_positive(f"decoder.{name}", getattr(self, name))
        if self.keywords < 0:
            raise ConfigError(f"decoder.keywords: must be 0 (off) or more, got {self.keywords}")
        if not self.keyword_weight >= 0:
            raise ConfigError(f"decoder.keyword_weight: must be >= 0, got {self.keyword_weight}")
        _check_choice("decoder.keyword_pooling", self.keyword_pooling, ("mean_max", "frame_max"))
        if self.d_model % self.heads:
            raise ConfigError(f"decoder.d_model ({self.d_model}) must be divisible by "
                              f"decoder.heads ({self.heads})")
        _check_probability("decoder.dropout", self.dropout)


@dataclass(frozen=True)
class TaggerConfig:
    """Pretraining the small CNN as an event tagger (the analogue of PANNs on AudioSet)."""

    epochs: int = 20
    batch_size: int = 32
    lr: float = 1e-3
    #: Use the weights shipped with the package when they were trained with exactly these
    #: settings on this corpus (checked by recomputing their mAPs), instead of training.
    shipped: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            _check_positive(f"tagger.{name}", getattr(self, name))
        _check_positive("tagger.lr", self.lr)


@dataclass(frozen=True)
class TrainingConfig:
    """The captioning training loop."""

    epochs: int = 20         # the most epochs; with ``patience`` training may stop earlier
    batch_size: int = 32
    lr: float = 5e-4
    # Each method's own peak learning rate, chosen on validation by the same search
    # (adl.tuning.lr_search); null: ``lr``.
    lr_mixgen: float | None = None
    lr_adl: float | None = None
    # Stop when the validation loss has not improved for this many epochs (null: train every
    # epoch). The best checkpoint then comes before the end of the schedule, by construction.
    patience: int | None = None
    # "cosine": warm-up, then cosine decay to 0 at the ceiling of ``epochs`` (a run that stops
    # early stops before its rate has annealed). "plateau": warm-up, then a constant rate,
    # multiplied by ``plateau_factor`` after every epoch that lowers the best validation loss
    # by no more than the convergence tolerance (adl.runs.CONVERGENCE_TOLERANCE); the run stops
    # once it meets the convergence criterion (adl.runs.CONVERGENCE_RULE), so the rate has
    # annealed wherever it stops and every method stops by the same rule.
    schedule: str = "cosine"
    plateau_factor: float = 0.5
    # "add": every epoch keeps all plain examples and adds ADL (or AL-MixGen) examples for a
    # share p_adl (p_mixgen) of the clips, so every method sees every plain example equally
    # often (the paper's reading: data augmentation). "replace": that share of the plain
    # examples becomes mixtures instead (the ablation, and what runs made before this did).
    adl_mode: str = "add"
    weight_decay: float = 0.01
    # The linear warm-up: a share of the whole step budget (``epochs`` times the steps of an
    # epoch), the cosine schedule's reading ...
    warmup_fraction: float = 0.05
    # ... or, when set, this many epochs of the run's own method, whatever the ceiling: a run
    # whose ``epochs`` is cut to 10 then warms up exactly as long as one allowed 60, so the
    # ceiling changes only where a run may stop (the plateau schedule's reading).
    warmup_epochs: float | None = None
    grad_clip: float = 1.0
    label_smoothing: float = 0.0
    num_workers: int = 0
    on_bad_audio: str = "skip"
    device: str = "auto"
    checkpoint_every: int = 50  # optimizer steps between checkpoints of RUN/last
    # A frozen encoder gives each unmixed clip the same features every epoch: compute them once
    # (adl.feature_cache) instead of re-running the front end and encoder at every step.
    cache_features: bool = True
    # Keep a frozen encoder's features on disk, in <dataset root>/features, so that every run,
    # evaluation and notebook that shares the encoder encodes each clip once per corpus.
    store_features: bool = False
    # Plain passes per epoch, each with another caption of every clip (Clotho's baseline: all
    # 5); 1: one caption per clip per epoch.
    captions_per_clip: int = 1
    # Development bank events per class that join the training clips as plain examples, each
    # with five captions from the embedded corpus's caption writers (adl.train.event_clips):
    # isolated sounds of every development recording; 0: none (the paper's data).
    event_clips: int = 0
    # torch.compile the decoder (worth it on a GPU for long runs; it costs a warm-up).
    compile: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "checkpoint_every", "captions_per_clip"):
            _check_positive(f"training.{name}", getattr(self, name))
        for name in ("lr", "lr_mixgen", "lr_adl"):
            if name == "lr" or getattr(self, name) is not None:
                _check_positive(f"training.{name}", getattr(self, name))
        _check_probability("training.warmup_fraction", self.warmup_fraction)
        if self.warmup_epochs is not None and not self.warmup_epochs >= 0:
            raise ConfigError(f"training.warmup_epochs: must be 0 or more (or null), got "
                              f"{self.warmup_epochs}")
        _check_probability("training.label_smoothing", self.label_smoothing)
        if self.weight_decay < 0 or self.grad_clip < 0 or self.num_workers < 0:
            raise ConfigError("training.weight_decay, grad_clip and num_workers must be >= 0")
        _check_choice("training.on_bad_audio", self.on_bad_audio, ("skip", "error"))
        _check_choice("training.adl_mode", self.adl_mode, ADL_MODES)
        if self.patience is not None:
            _check_positive("training.patience", self.patience)
        _check_choice("training.schedule", self.schedule, SCHEDULES)
        if not 0 < self.plateau_factor < 1:
            raise ConfigError(f"training.plateau_factor: must lie between 0 and 1, got "
                              f"{self.plateau_factor}")
        if self.schedule == "plateau" and self.patience is not None:
            raise ConfigError("training.patience: the plateau schedule stops by the convergence "
                              "criterion; set patience to null")
        if self.event_clips < 0:
            raise ConfigError(f"training.event_clips: must be 0 (none) or more, got "
                              f"{self.event_clips}")
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            raise ConfigError(f"training.device: expected auto, cpu or cuda[:N], got {self.device!r}")

    def lr_for(self, method: str) -> float:
        """The peak learning rate of ``method``: its own (``lr_mixgen``, ``lr_adl``) or ``lr``."""
        own = {"mixgen": self.lr_mixgen, "adl": self.lr_adl}.get(method)
        return self.lr if own is None else own


@dataclass(frozen=True)
class GenerationConfig:
    """Decoding, as in the DCASE2023 baseline."""

    num_beams: int = 4
    no_repeat_ngram_size: int = 3
    min_length: int = 5
    max_length: int = 100
    batch_size: int = 32

    def __post_init__(self) -> None:
        for name in ("num_beams", "min_length", "max_length", "batch_size"):
            _check_positive(f"generation.{name}", getattr(self, name))
        if self.min_length > self.max_length:
            raise ConfigError("generation.min_length must not exceed generation.max_length")


@dataclass(frozen=True)
class Config:
    """The whole configuration of a run; one section per topic."""

    name: str = "custom"
    data: DataConfig = field(default_factory=DataConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    mixing: MixingConfig = field(default_factory=MixingConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    tagger: TaggerConfig = field(default_factory=TaggerConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)

    def __post_init__(self) -> None:
        if self.encoder.name == "sfx_cnn" and self.data.sr != SFX_SR:
            raise ConfigError(f"data.sr: encoder sfx_cnn reads {SFX_SR} Hz audio (its front end "
                              f"and weights are at that rate), got {self.data.sr}")

    def to_dict(self) -> dict[str, Any]:
        """A plain nested dict (tuples as lists), ready for YAML or JSON."""
        return _to_plain(dataclasses.asdict(self))

    def replace(self, **sections: Any) -> Config:
        """A copy with whole sections or top-level fields replaced."""
        return dataclasses.replace(self, **sections)


def data_root(cfg_root: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the data root: the argument, else ``$ADL_DATA_ROOT``, else ``./data``."""
    if cfg_root is not None:
        return Path(cfg_root)
    env = os.environ.get("ADL_DATA_ROOT")
    return Path(env) if env else Path("data")


def dataset_root(cfg: Config, root: str | os.PathLike[str] | None = None) -> Path:
    """Where a config's data lives under the data root.

    Real data (``data.source: real``) sits directly in the root (``CLOTHO_v2.1/`` and
    ``ESC-50-master/``). Each embedded corpus gets its own folder, ``<root>/embedded-<name>``, so
    that the ``smoke`` and ``default`` corpora live side by side and never overwrite real data.
    """
    base = data_root(root if root is not None else cfg.data.root)
    if cfg.data.source == "real":
        return base
    return base / f"embedded-{cfg.name}"


def load_preset(name: str) -> Config:
    """Read a preset shipped with the package (``smoke``, ``default`` or ``paper``)."""
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        hint = nearest_hint(name, PRESETS)
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}{hint}")
    return load_config(path)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read a YAML config file into a :class:`Config`, with strict key and value checks."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    try:
        return from_dict(raw)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def from_dict(raw: dict[str, Any]) -> Config:
    """Build a :class:`Config` from a nested dict; unknown keys are errors."""
    return _build(Config, raw, prefix="")


def save_config(cfg: Config, path: str | os.PathLike[str]) -> None:
    """Write the resolved config as YAML, atomically."""
    write_text(path, yaml.safe_dump(cfg.to_dict(), sort_keys=False))


def config_table(cfg: Config) -> pd.DataFrame:
    """The config as a table a reader can scan: one row per field, in the preset's order.

    Args:
        cfg: a resolved config.
    Returns:
        A DataFrame indexed by ``section.field`` (``name`` for the preset's name) with one
        column ``value``, each value as text (lists in brackets, floats as Python writes them,
        ``None`` for "not set"). Notebooks display it instead of printing nested dicts, which a
        page cuts off at its right edge.
    """
    import pandas as pd  # not at module level: reading a config needs no pandas

    rows: dict[str, str] = {}

    def add(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{key}.{k}" if key else k, v)
        else:
            rows[key] = _readable(value)

    add("", cfg.to_dict())
    table = pd.DataFrame({"value": list(rows.values())}, index=list(rows))
    table.index.name = "setting"
    return table


def _readable(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_readable(v) for v in value) + "]"
    return str(value)


# -- helpers -------------------------------------------------------------------------------


def _build(cls: type, raw: Any, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected a mapping, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"unknown key '{prefix}{key}'{nearest_hint(str(key), fields)}")
        kwargs[key] = _coerce(hints[key], value, f"{prefix}{key}")
    try:
        return cls(**kwargs)
    except TypeError as e:  # a wrong type that slipped past _coerce
        raise ConfigError(f"{prefix.rstrip('.')}: {e}") from None


def _coerce(hint: Any, value: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, prefix=f"{name}.")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, name)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if not isinstance(value, (list, tuple)) or not value:
            raise ConfigError(f"{name}: expected a non-empty list, got {value!r}")
        return tuple(_coerce(args[0], v, f"{name}[{i}]") for i, v in enumerate(value))
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise ConfigError(f"{name}: expected a list of {len(args)} values, got {value!r}")
        return tuple(_coerce(a, v, f"{name}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name}: expected a string, got {value!r}")
        return value
    return value


def nearest_hint(key: str, valid: Any) -> str:
    """`` (did you mean 'x'?)`` naming the closest of ``valid`` to a mistyped ``key``, or ""."""
    match = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check_train_args(cfg: Config, method: str, max_steps: int | None = None,
                     checkpoint_every: int | None = None) -> int:
    """Check :func:`adl.train.train`'s arguments before any heavy import or work (this module
    imports no torch); returns the steps between checkpoints (``checkpoint_every``, else the
    config's ``training.checkpoint_every``).

    Raises:
        ConfigError: an unknown method (with the nearest name), or a count below 1.
    """
    if method not in METHODS:
        raise ConfigError(f"--method: unknown method {method!r}; choose one of "
                          f"{', '.join(METHODS)}{nearest_hint(method, METHODS)}")
    if max_steps is not None and max_steps < 1:
        raise ConfigError(f"--max-steps: must be at least 1, got {max_steps}")
    every = cfg.training.checkpoint_every if checkpoint_every is None else checkpoint_every
    if every < 1:
        raise ConfigError(f"checkpoint_every: must be at least 1, got {every}")
    return every


def _check_positive(name: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"{name}: must be positive, got {value}")


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name}: must be a probability in [0, 1], got {value}")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(
            f"{name}: unknown value {value!r}; choose one of {', '.join(choices)}"
            f"{nearest_hint(value, choices)}")


def _to_plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v) for v in obj]
    return obj
