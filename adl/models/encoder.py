"""Audio encoders: log-mels in, a sequence of frame embeddings out.

Two CNNs of the PANNs family (Kong et al. 2020, https://arxiv.org/abs/1912.10211) share one
interface, :class:`AudioEncoder`:

* :class:`Cnn14Encoder`, the encoder of the DCASE2023 task 6a baseline that the paper kept
  (12 conv layers, 2048 channels). It loads the official PANNs checkpoint
  (``Cnn14_mAP=0.431.pth``) and the baseline's ``audio_encoder.pth`` with
  :func:`adl.models.checkpoints.load_panns_checkpoint`.
* :class:`SmallCnnEncoder`, a scaled-down CNN that trains on a laptop CPU and is pretrained as an
  event tagger on the embedded corpus, the analogue of PANNs on AudioSet.

A third, :class:`SfxCnnEncoder`, is the 9-layer CNN that Ma and Lerch (ISMIR 2022) pretrained on
sound-effects libraries (the trunk of aisfx's ``EmbeddingNet``, from the DCASE cross-task
baseline); its pinned weights come from :mod:`adl.models.aisfx` (CC BY 4.0).

``forward(logmel, lengths)`` maps log-mels ``(batch, frames, n_mels)`` to features
``(batch, frames // stride, out_dim)`` and their lengths. Padded frames never leak into valid
ones: every conv input is zeroed beyond the clip's length at that resolution, which is exactly
what the conv's own zero padding does for a clip encoded alone. So in ``eval()`` a padded clip
gives the same valid features as the clip alone (BatchNorm in ``train()`` still sees batch
statistics over padding). Features beyond ``out_lengths`` are zero.

:class:`Adapter` maps encoder features to the decoder width (the DCASE2023 baseline: a linear adapter to 768).

Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from adl.errors import ConfigError

__all__ = [
    "Adapter",
    "AudioEncoder",
    "Cnn14Encoder",
    "SfxCnnEncoder",
    "SmallCnnEncoder",
    "build_encoder",
    "lengths_to_mask",
    "sliding_max",
]


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """Boolean mask of valid positions.

    Args:
        lengths: ``(batch,)`` integer lengths.
        max_len: the padded length ``T``.

    Returns:
        ``(batch, T)`` bool, True where ``t < lengths[b]``.
    """
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def _zero_padding(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Zero the time steps of ``x`` ``(B, C, T, F)`` at or beyond ``lengths`` (None: no-op)."""
    if lengths is None:
        return x
    mask = lengths_to_mask(lengths, x.shape[2])
    return x * mask[:, None, :, None].to(x.dtype)


def _init_layer(layer: nn.Module) -> None:
    # PANNs' init: Xavier-uniform weights, zero bias; BatchNorm weight 1, bias 0.
    if isinstance(layer, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(layer.weight)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.ones_(layer.weight)
        nn.init.zeros_(layer.bias)


def sliding_max(x: torch.Tensor, window: int, lengths: torch.Tensor | None = None,
                ) -> torch.Tensor:
    """Each frame replaced by the max over a centred window of ``window`` frames.

    A network trained to max-pool its frames over blocks of a few seconds (the sound-effects
    CNN pools 2 s blocks) describes a sound in that max, not in any single frame. Pooled this
    way the sequence keeps its length and its frame rate, so a decoder still reads *when*, and
    each frame now says *what* as the network was trained to say it.

    Args:
        x: ``(B, C, T)`` frames; lengths: ``(B,)`` valid frames (None: all valid). Windows
            never reach past a clip's valid frames, and frames beyond it stay zero.
    Returns:
        ``(B, C, T)``.
    """
    if window <= 1:
        return x
    if lengths is not None:
        valid = lengths_to_mask(lengths.to(x.device), x.shape[2])[:, None, :]
        x = x.masked_fill(~valid, float("-inf"))
    left = (window - 1) // 2
    padded = F.pad(x, (left, window - 1 - left), value=float("-inf"))
    out = padded.unfold(2, window, 1).amax(-1)  # (B, C, T)
    if lengths is not None:
        out = out.masked_fill(~valid, 0.0)
    return out


def _check_pooling(name: str, time_pool: int, n_mels: int, trunk_stride: int) -> None:
    """One line for a time stride or a mel count that a CNN's pooling cannot take."""
    if time_pool < 1 or time_pool % trunk_stride:
        raise ConfigError(f"encoder.time_pool: must be a positive multiple of {trunk_stride} "
                          f"for {name}, got {time_pool}")
    if n_mels < trunk_stride:
        raise ConfigError(f"encoder n_mels: {name} needs at least {trunk_stride} mel bins, "
                          f"got {n_mels}")


class AudioEncoder(nn.Module):
    """Common interface of the CNN encoders.

    Subclasses set ``n_mels``, ``out_dim``, ``stride`` (total time stride in input frames),
    ``trunk_stride`` (stride of the conv trunk before the extra time pooling) and
    ``n_classes`` (None without a tagging head), and implement ``_trunk`` and ``_head``.
    """

    n_mels: int
    out_dim: int
    stride: int
    trunk_stride: int
    n_classes: int | None
    #: A sliding max over this many trunk frames before the time pooling (0: none).
    block_max: int = 0

    def __init__(self) -> None:
        super().__init__()
        self._frozen = False

    # ---- freezing -------------------------------------------------------------------------

    @property
    def frozen(self) -> bool:
        """True after :meth:`freeze`: no gradients, BatchNorm and dropout stay in eval mode."""
        return self._frozen

    def freeze(self) -> AudioEncoder:
        """Stop training this encoder, as the DCASE baseline does (``freeze_audio_enc: true``).

        Sets ``requires_grad=False`` on every parameter and keeps the module in eval mode even
        when a parent calls ``.train()``, so BatchNorm running statistics never move and dropout
        is off. Returns ``self``.
        """
        for p in self.parameters():
            p.requires_grad_(False)
        self._frozen = True
        return self.train(False)

    def unfreeze(self) -> AudioEncoder:
        """Undo :meth:`freeze` (the "train the encoder" ablation). Leaves the mode unchanged."""
        for p in self.parameters():
            p.requires_grad_(True)
        self._frozen = False
        return self

    def train(self, mode: bool = True) -> AudioEncoder:
        # A frozen encoder ignores train(True): otherwise BatchNorm would keep updating its
        # running statistics under a model.train() call although no weight is trained.
        return super().train(mode and not self._frozen)

    # ---- lengths --------------------------------------------------------------------------

    def output_lengths(self, frame_lengths: torch.Tensor) -> torch.Tensor:
        """Number of valid output steps for inputs of ``frame_lengths`` frames.

        Every pooling floors, so this is ``frame_lengths // stride``; it matches the feature
        tensor's length for an unpadded input of that many frames.

        Args:
            frame_lengths: ``(batch,)`` integer tensor of log-mel frame counts.

        Returns:
            ``(batch,)`` long tensor.
        """
        return torch.div(frame_lengths.long(), self.stride, rounding_mode="floor")

    def _check(self, logmel: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor | None:
        """Validate the input; return lengths, or None when no clip is padded."""
        if logmel.dim() != 3 or logmel.shape[2] != self.n_mels:
            raise ValueError(f"{type(self).__name__} expects log-mels (batch, frames, "
                             f"{self.n_mels}), got shape {tuple(logmel.shape)}")
        n_frames = logmel.shape[1]
        if lengths is None:
            if n_frames < self.stride:
                raise ValueError(f"{n_frames} frames is shorter than the encoder stride "
                                 f"({self.stride} frames)")
            return None
        lengths = lengths.to(device=logmel.device, dtype=torch.long)
        if lengths.shape != (logmel.shape[0],):
            raise ValueError(f"lengths must have shape ({logmel.shape[0]},), "
                             f"got {tuple(lengths.shape)}")
        if int(lengths.max()) > n_frames:
            raise ValueError(f"a length ({int(lengths.max())}) exceeds the {n_frames} frames")
        if int(lengths.min()) < self.stride:
            # A shorter clip would have no output step at all; refuse rather than feed the
            # decoder an empty or all-zero sequence.
            raise ValueError(f"a clip of {int(lengths.min())} frames is shorter than the encoder "
                             f"stride ({self.stride} frames)")
        return None if bool((lengths == n_frames).all()) else lengths

    def _bn0(self, logmel: torch.Tensor, bn0: nn.BatchNorm2d) -> torch.Tensor:
        """(B, T, M) -> (B, 1, T, M), normalised per mel bin as PANNs does."""
        x = logmel.unsqueeze(1).transpose(1, 3)  # (B, M, T, 1): mel bins are BN channels
        return bn0(x).transpose(1, 3)

    # ---- the two paths --------------------------------------------------------------------

    def _trunk(self, logmel: torch.Tensor,
               lengths: torch.Tensor | None) -> torch.Tensor:  # pragma: no cover - abstract
        """(B, T, M) -> (B, C, T // trunk_stride), mel axis already averaged."""
        raise NotImplementedError

    def _head(self, pooled: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """(B, C) max+mean over time -> (B, n_classes) logits."""
        raise NotImplementedError

    def forward(self, logmel: torch.Tensor,
                lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode log-mels into a sequence of frame embeddings (the captioning path).

        Args:
            logmel: ``(batch, frames, n_mels)`` log-mel spectrograms (:class:`adl.audio.LogMel`).
            lengths: ``(batch,)`` valid frames per clip, or None when no clip is padded.

        Returns:
            ``features`` ``(batch, frames // stride, out_dim)``, zero beyond each clip's length,
            and ``out_lengths`` ``(batch,)`` long.

        Notebook: 02_encoder_decoder
        """
        checked = self._check(logmel, lengths)
        x = self._trunk(logmel, checked)  # (B, C, T')
        window = self.block_max
        if window > 1:
            valid = None if checked is None else torch.div(
                checked, self.trunk_stride, rounding_mode="floor")
            x = sliding_max(x, window, valid)
        k = self.stride // self.trunk_stride
        if k > 1:
            x = F.avg_pool1d(x, kernel_size=k, stride=k)
        x = x.transpose(1, 2)  # (B, T', C)
        if lengths is None:
            out_lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.long,
                                     device=x.device)
        else:
            out_lengths = self.output_lengths(lengths.to(x.device))
            if checked is not None:
                x = x * lengths_to_mask(out_lengths, x.shape[1])[:, :, None].to(x.dtype)
        return x, out_lengths

    def tag(self, logmel: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Clip-level event logits (the tagger path, PANNs' "clipwise" output before sigmoid).

        Max plus mean over the trunk's time steps (padded steps masked out), then the head.
        Train with ``BCEWithLogitsLoss``; ``torch.sigmoid`` gives PANNs' clipwise output.

        Args:
            logmel: ``(batch, frames, n_mels)``.
            lengths: ``(batch,)`` valid frames per clip, or None.

        Returns:
            ``(batch, n_classes)`` logits.
        """
        if self.n_classes is None:
            raise ValueError(f"{type(self).__name__} was built without a tagging head "
                             "(n_classes=None)")
        checked = self._check(logmel, lengths)
        x = self._trunk(logmel, checked)  # (B, C, T')
        if checked is None:
            pooled = x.amax(dim=2) + x.mean(dim=2)
        else:
            trunk_lengths = torch.div(checked, self.trunk_stride, rounding_mode="floor")
            valid = lengths_to_mask(trunk_lengths, x.shape[2])[:, None, :]  # (B, 1, T')
            x_max = x.masked_fill(~valid, float("-inf")).amax(dim=2)
            x_mean = (x * valid).sum(dim=2) / trunk_lengths[:, None].to(x.dtype)
            pooled = x_max + x_mean
        return self._head(pooled)

    def clipwise(self, logmel: torch.Tensor,
                 lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``sigmoid(tag(logmel, lengths))``: ``(batch, n_classes)`` event probabilities."""
        return torch.sigmoid(self.tag(logmel, lengths))


# ---- CNN14 --------------------------------------------------------------------------------

#: CNN14's channels per ConvBlock (PANNs).
CNN14_CHANNELS: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048)
#: Stride of CNN14's conv trunk: 2x2 pooling after blocks 1-5, none after block 6.
CNN14_TRUNK_STRIDE: int = 32
#: Total time stride of the DCASE2023 task 6a baseline's encoder (its block 6 also pools 2x2).
DCASE2023_TIME_POOL: int = 64


class _Cnn14Block(nn.Module):
    """PANNs ConvBlock: (3x3 conv, BN, ReLU) x 2, then average pooling. Names match PANNs."""

    pool_fn = staticmethod(F.avg_pool2d)

    def __init__(self, in_channels: int, out_channels: int, pool: tuple[int, int]) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.pool = pool

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(_zero_padding(x, lengths))))
        x = F.relu(self.bn2(self.conv2(_zero_padding(x, lengths))))
        if self.pool != (1, 1):
            x = self.pool_fn(x, kernel_size=self.pool)
        return x


class Cnn14Encoder(AudioEncoder):
    """PANNs CNN14 as the DCASE2023 task 6a baseline uses it.

    bn0 over the mel axis; 6 ConvBlocks of two 3x3 convs (channels 64 ... 2048, 12 conv layers)
    with 2x2 average pooling after blocks 1-5, dropout 0.2 after each block in training; mean
    over the mel axis. The trunk's stride is 32 frames; ``time_pool`` (a multiple of 32) sets the
    total stride with an extra average pooling over time. The default 64 reproduces the DCASE2023
    baseline (``audio_encoders.CNN14Encoder`` in felixgontier/dcase-2023-baseline pools 2x2 after
    block 6 too; with the mel axis then averaged this equals pooling time by 2 after the mean).
    ``time_pool=32`` is PANNs' own frame rate.

    PANNs' clipwise head (max+mean over time, dropout 0.5, ``relu(fc1)``, dropout 0.5,
    ``fc_audioset``) is kept for :meth:`tag` when ``n_classes`` is not None.

    Args:
        n_mels: mel bins of the input (64 in PANNs and the baseline).
        time_pool: total time stride in input frames (multiple of 32).
        n_classes: outputs of the tagging head (527 AudioSet classes), None for no head.
        channels: the six block widths; narrower ones only for tests and demos.
        dropout: dropout after each block in training (0.2 in PANNs).

    Shapes: ``forward``: ``(B, T, n_mels) -> (B, T // time_pool, channels[-1])``.

    Notebook: 02_encoder_decoder
    """

    def __init__(self, n_mels: int = 64, *, time_pool: int = DCASE2023_TIME_POOL,
                 n_classes: int | None = 527,
                 channels: tuple[int, ...] = CNN14_CHANNELS, dropout: float = 0.2) -> None:
        super().__init__()
        channels = tuple(int(c) for c in channels)
        if len(channels) != 6 or min(channels) < 1:
            raise ConfigError(f"encoder.channels: CNN14 needs 6 positive widths, got {channels}")
        _check_pooling("cnn14", time_pool, n_mels, CNN14_TRUNK_STRIDE)
        self.n_mels = n_mels
        self.out_dim = channels[-1]
        self.stride = time_pool
        self.trunk_stride = CNN14_TRUNK_STRIDE
        self.n_classes = n_classes
        self.dropout = dropout
        self.bn0 = nn.BatchNorm2d(n_mels)
        in_ch = 1
        for i, ch in enumerate(channels, start=1):
            pool = (2, 2) if i < 6 else (1, 1)
            self.add_module(f"conv_block{i}", _Cnn14Block(in_ch, ch, pool))
            in_ch = ch
        if n_classes is not None:
            self.fc1 = nn.Linear(in_ch, in_ch, bias=True)
            self.fc_audioset = nn.Linear(in_ch, n_classes, bias=True)
        self.apply(_init_layer)

    def _blocks(self) -> list[_Cnn14Block]:
        return [getattr(self, f"conv_block{i}") for i in range(1, 7)]

    def _trunk(self, logmel: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        x = self._bn0(logmel, self.bn0)
        for block in self._blocks():
            x = block(x, lengths)
            x = F.dropout(x, p=self.dropout, training=self.training)
            if lengths is not None and block.pool != (1, 1):
                lengths = torch.div(lengths, block.pool[0], rounding_mode="floor")
        return x.mean(dim=3)  # (B, C, T/32)

    def _head(self, pooled: torch.Tensor) -> torch.Tensor:
        x = F.dropout(pooled, p=0.5, training=self.training)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=0.5, training=self.training)
        return self.fc_audioset(x)


# ---- the small CNN ------------------------------------------------------------------------

class _SmallBlock(nn.Module):
    """One 3x3 conv (no bias), BN, ReLU, then 2x2 average pooling."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        x = F.relu(self.bn(self.conv(_zero_padding(x, lengths))))
        return F.avg_pool2d(x, kernel_size=2)


class SmallCnnEncoder(AudioEncoder):
    """A CPU-sized CNN of the PANNs family, pretrained as an event tagger.

    bn0 over the mel axis; one block per entry of ``channels``, each a 3x3 conv, BatchNorm,
    ReLU and 2x2 average pooling (dropout between blocks in training); mean over the mel axis.
    With the default 4 blocks of 16-128 channels it runs about 88 clips/s forward+backward on
    10 s clips on 2 CPU cores (``benchmarks/encoder_throughput.py``). The trunk's stride is ``2 ** len(channels)``
    frames; ``time_pool`` (a multiple of it) sets the total stride, 16 frames = 320 ms at a
    20 ms hop by default. The optional head is PANNs' clipwise output:
    ``sigmoid(Linear(max + mean over time))``.

    Args:
        n_mels: mel bins of the input.
        channels: width of each block.
        time_pool: total time stride in input frames (multiple of ``2 ** len(channels)``).
        n_classes: event classes of the tagging head, None for no head.
        dropout: dropout after each block in training.

    Shapes: ``forward``: ``(B, T, n_mels) -> (B, T // time_pool, channels[-1])``.
    """

    def __init__(self, n_mels: int = 64, *, channels: tuple[int, ...] = (16, 32, 64, 128),
                 time_pool: int = 16, n_classes: int | None = None,
                 dropout: float = 0.2) -> None:
        super().__init__()
        channels = tuple(int(c) for c in channels)
        if not channels or min(channels) < 1:
            raise ConfigError(f"encoder.channels: need at least one positive width, "
                              f"got {channels}")
        trunk_stride = 2 ** len(channels)
        _check_pooling(f"the {len(channels)}-block small CNN", time_pool, n_mels, trunk_stride)
        self.n_mels = n_mels
        self.channels = channels
        self.out_dim = channels[-1]
        self.stride = time_pool
        self.trunk_stride = trunk_stride
        self.n_classes = n_classes
        self.dropout = dropout
        self.bn0 = nn.BatchNorm2d(n_mels)
        self.blocks = nn.ModuleList(
            _SmallBlock(c_in, c_out) for c_in, c_out in zip((1, *channels[:-1]), channels))
        self.fc = nn.Linear(channels[-1], n_classes) if n_classes is not None else None
        self.apply(_init_layer)

    def _trunk(self, logmel: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        x = self._bn0(logmel, self.bn0)
        for i, block in enumerate(self.blocks):
            x = block(x, lengths)
            if i < len(self.blocks) - 1:
                x = F.dropout(x, p=self.dropout, training=self.training)
            if lengths is not None:
                lengths = torch.div(lengths, 2, rounding_mode="floor")
        return x.mean(dim=3)  # (B, C, T / 2**n_blocks)

    def _head(self, pooled: torch.Tensor) -> torch.Tensor:
        assert self.fc is not None
        return self.fc(pooled)


# ---- the sound-effects CNN ----------------------------------------------------------------

#: Width of the pretrained sound-effects CNN's first block (aisfx's ``hl1``).
SFX_WIDTH: int = 64
#: Mel bins of its front end (:func:`adl.audio.sfx_logmel`).
SFX_N_MELS: int = 96
#: Stride of its trunk: 2x2 max pooling after blocks 1-3, none after block 4.
SFX_TRUNK_STRIDE: int = 8


class _SfxBlock(_Cnn14Block):
    """aisfx's ConvBlock: PANNs' block with max pooling instead of average. Names match aisfx."""

    pool_fn = staticmethod(F.max_pool2d)


def _init_sfx_layer(layer: nn.Module) -> None:
    # aisfx's init: Kaiming-uniform convs (leaky-ReLU gain, slope 0), BatchNorm identity.
    if isinstance(layer, nn.Conv2d):
        nn.init.kaiming_uniform_(layer.weight, nonlinearity="leaky_relu")
    elif isinstance(layer, nn.Linear):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    elif isinstance(layer, nn.BatchNorm2d):
        nn.init.ones_(layer.weight)
        nn.init.zeros_(layer.bias)


class SfxCnnEncoder(AudioEncoder):
    """The sound-effects CNN of Ma and Lerch (ISMIR 2022), frames before its max over time.

    aisfx's ``EmbeddingNet`` trunk (the 9-layer CNN of the DCASE 2018 cross-task baseline):
    4 ConvBlocks of two 3x3 convs (no bias), BatchNorm and ReLU, widths ``width`` x 1, 2, 4, 8
    (64 ... 512 pretrained), 2x2 max pooling after blocks 1-3 and none after block 4, then the
    mean over the mel axis. No input BatchNorm: the front end's fixed scaling
    (:func:`adl.audio.sfx_logmel`) is the model's normalisation. aisfx then takes the max over
    time for one 512-d embedding per 100-frame block; here the frames before that max are the
    features (``time_pool`` averages them further), so the decoder reads a sequence. The
    pretrained weights (``encoder.checkpoint: aisfx``) load with
    :func:`adl.models.aisfx.load_sfx_weights`.

    At hop 1024 one trunk step is 8 frames = 186 ms. Padded frames are zeroed before every
    conv, so in ``eval()`` a padded clip gives the features of the clip alone.

    Args:
        n_mels: mel bins of the input (96 for the pretrained weights).
        width: channels of the first block (aisfx's ``hl1``; 64 pretrained).
        time_pool: total time stride in input frames (a multiple of 8).
        n_classes: outputs of an optional linear tagging head on max+mean over time; None
            (the default, and what the pretrained weights have) for none.

    Shapes: ``forward``: ``(B, T, n_mels) -> (B, T // time_pool, 8 * width)``.
    """

    def __init__(self, n_mels: int = SFX_N_MELS, *, width: int = SFX_WIDTH,
                 time_pool: int = SFX_TRUNK_STRIDE, n_classes: int | None = None,
                 block_max: int = 0) -> None:
        super().__init__()
        width = int(width)
        if block_max < 0:
            raise ConfigError(f"encoder.block_max: must be 0 (off) or a window of trunk frames, "
                              f"got {block_max}")
        self.block_max = int(block_max)
        if width < 1:
            raise ConfigError(f"encoder.width: must be positive, got {width}")
        _check_pooling("sfx_cnn", time_pool, n_mels, SFX_TRUNK_STRIDE)
        self.n_mels = n_mels
        self.width = width
        self.out_dim = 8 * width
        self.stride = time_pool
        self.trunk_stride = SFX_TRUNK_STRIDE
        self.n_classes = n_classes
        in_ch = 1
        for i, ch in enumerate((width, 2 * width, 4 * width, 8 * width), start=1):
            pool = (2, 2) if i < 4 else (1, 1)
            self.add_module(f"conv_block{i}", _SfxBlock(in_ch, ch, pool))
            in_ch = ch
        self.fc = nn.Linear(in_ch, n_classes) if n_classes is not None else None
        self.apply(_init_sfx_layer)

    def _blocks(self) -> list[_SfxBlock]:
        return [getattr(self, f"conv_block{i}") for i in range(1, 5)]

    def _trunk(self, logmel: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        x = logmel.unsqueeze(1)  # (B, 1, T, M)
        for block in self._blocks():
            x = block(x, lengths)
            if lengths is not None and block.pool != (1, 1):
                lengths = torch.div(lengths, block.pool[0], rounding_mode="floor")
        return x.mean(dim=3)  # (B, C, T / 8)

    def _head(self, pooled: torch.Tensor) -> torch.Tensor:
        assert self.fc is not None
        return self.fc(pooled)


# ---- factory and adapter ------------------------------------------------------------------

_ENCODERS: dict[str, type[AudioEncoder]] = {"cnn14": Cnn14Encoder, "small_cnn": SmallCnnEncoder,
                                            "sfx_cnn": SfxCnnEncoder}


def build_encoder(name: str, **kwargs: Any) -> AudioEncoder:
    """Build an encoder by name: ``"cnn14"``, ``"small_cnn"`` or ``"sfx_cnn"``.

    Args:
        name: the encoder's name (``encoder.name`` in the config).
        **kwargs: constructor arguments of :class:`Cnn14Encoder`, :class:`SmallCnnEncoder` or
            :class:`SfxCnnEncoder`.

    Raises:
        ConfigError: for an unknown name or an argument the encoder does not take.
    """
    if name not in _ENCODERS:
        raise ConfigError(f"encoder.name: unknown encoder {name!r}; choose one of "
                          f"{', '.join(sorted(_ENCODERS))}")
    cls = _ENCODERS[name]
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ConfigError(f"encoder: {name!r} takes no argument {unknown[0]!r} "
                          f"(it takes {', '.join(sorted(accepted))})")
    return cls(**kwargs)


class Adapter(nn.Module):
    """Map encoder features to the decoder width: ``(B, T', C) -> (B, T', D)``.

    ``kind="linear"`` is the DCASE2023 baseline's adapter (one Linear, 2048 -> 768);
    ``"mlp"`` is Linear-GELU-Dropout-Linear with hidden width ``out_dim``. With ``"linear"``,
    ``dropout`` applies to the input features.
    """

    def __init__(self, in_dim: int, out_dim: int, kind: str = "linear",
                 dropout: float = 0.0) -> None:
        super().__init__()
        if kind == "linear":
            self.net: nn.Module = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_dim, out_dim))
        elif kind == "mlp":
            self.net = nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Dropout(dropout),
                                     nn.Linear(out_dim, out_dim))
        else:
            raise ConfigError(f"encoder.adapter: unknown adapter {kind!r}; choose linear or mlp")
        self.in_dim, self.out_dim, self.kind = in_dim, out_dim, kind

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(B, T', in_dim) -> (B, T', out_dim)``."""
        return self.net(features)
