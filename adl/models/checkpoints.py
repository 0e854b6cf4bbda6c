"""Loading pretrained CNN14 weights: the PANNs layout and the DCASE2023 baseline's layout.

The paper keeps the DCASE2023 task 6a baseline's encoder, PANNs CNN14 (Kong et al. 2020,
https://arxiv.org/abs/1912.10211) pretrained on AudioSet. Its weights come as PANNs'
``Cnn14_mAP=0.431.pth`` or as the baseline's ``audio_encoder.pth``; both load into
:class:`adl.models.encoder.Cnn14Encoder`, always with ``torch.load(weights_only=True)`` so that
no pickled code runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

import torch

from adl.errors import ADLError, one_line
from adl.models.encoder import Cnn14Encoder

__all__ = ["CheckpointError", "load_panns_checkpoint", "state_mismatch"]


class CheckpointError(ADLError):
    """A weights file cannot be read, or its keys or shapes do not fit the model."""


# ---- loading PANNs / DCASE2023 weights ----------------------------------------------------

# Keys of the PANNs front end (torchlibrosa STFT and mel matrix); ours is adl.audio.LogMel.
_EXTRACTOR_PREFIXES = ("spectrogram_extractor.", "logmel_extractor.")
# Prefixes that wrappers put before the encoder's keys (DataParallel, a parent model).
_WRAPPER_PREFIXES = ("module.", "audio_enc.", "audio_encoder.", "encoder.")
_BN_KEYS = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _baseline_keymap() -> dict[str, str]:
    """DCASE2023 baseline key -> PANNs key.

    The baseline's ``CNN14Encoder`` holds the trunk in one ``nn.Sequential`` ``cnn`` of 8 modules
    per block (conv, BN, ReLU, conv, BN, ReLU, AvgPool, Dropout), so block ``b`` (0-based) has
    its convs at ``cnn.{8b}``, ``cnn.{8b+3}`` and BNs at ``cnn.{8b+1}``, ``cnn.{8b+4}``; its
    ``fc.1`` is PANNs' ``fc1`` (xieh97/dcase2023-audio-retrieval,
    ``preprocessing/cnn14_transfer.py``, copies PANNs weights along this map).
    """
    keymap: dict[str, str] = {}
    for b in range(6):
        for j, (conv, bn) in enumerate((("conv1", "bn1"), ("conv2", "bn2"))):
            base = 8 * b + 3 * j
            keymap[f"cnn.{base}.weight"] = f"conv_block{b + 1}.{conv}.weight"
            for k in _BN_KEYS:
                keymap[f"cnn.{base + 1}.{k}"] = f"conv_block{b + 1}.{bn}.{k}"
    keymap["fc.1.weight"] = "fc1.weight"
    keymap["fc.1.bias"] = "fc1.bias"
    return keymap


def _load_failure(err: BaseException) -> str:
    """A short, one-line reason from a torch.load failure (its messages span many lines)."""
    text = one_line(err, limit=100_000)
    if "Weights only load failed" in text:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", text)
        what = f" such as {found.group(1)}" if found else ""
        return ("weights-only loading refused it: it holds pickled Python objects"
                f"{what}, not only tensors")
    first = str(err).strip().splitlines()
    return f"{type(err).__name__}: {one_line(first[0]) if first else ''}".rstrip(": ")


def _read_state_dict(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], str]:
    """Load a weights file safely; return (state dict, layout name)."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # any failure to read means the same thing to the user
        raise CheckpointError(f"cannot read checkpoint {os.fspath(path)} ({_load_failure(err)})") \
            from err
    layout = "bare state dict"
    if isinstance(obj, Mapping) and isinstance(obj.get("model"), Mapping):
        obj, layout = obj["model"], "PANNs"
    elif isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not obj or \
            not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise CheckpointError(f"checkpoint {os.fspath(path)} holds no state dict of tensors")
    state = dict(obj)
    stripped = True
    while stripped:  # e.g. "module.audio_enc.cnn.0.weight" -> "cnn.0.weight"
        stripped = False
        for prefix in _WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in state):
                state = {k[len(prefix):]: v for k, v in state.items()}
                stripped = True
    state = {k: v for k, v in state.items() if not k.startswith(_EXTRACTOR_PREFIXES)}
    if any(k.startswith("cnn.") for k in state):
        keymap = _baseline_keymap()
        # fc2 is the task 6b retrieval projection (2048 -> 300); the captioning baseline calls
        # the encoder with skip_fc=True and never uses it (nor fc.1).
        state = {keymap.get(k, k): v for k, v in state.items() if not k.startswith("fc2.")}
        layout = "DCASE2023 baseline"
    return state, layout


def _short(keys: list[str], n: int = 3) -> str:
    more = f", ... ({len(keys)} in all)" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more


def state_mismatch(own: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor],
                   optional: Iterable[str] = ()) -> str:
    """What keeps ``state`` from loading into a module whose state dict is ``own``.

    Returns:
        ``""`` when every key of ``own`` (but those in ``optional``) is in ``state`` with its
        shape and ``state`` has no other key; else one phrase naming the missing keys, the
        unexpected keys and the wrong shapes (three of each at most).
    """
    optional = set(optional)
    missing = sorted(k for k in own if k not in state and k not in optional)
    unexpected = sorted(k for k in state if k not in own)
    wrong = sorted(f"{k} {tuple(v.shape)} vs {tuple(own[k].shape)}" for k, v in state.items()
                   if k in own and v.shape != own[k].shape)
    return "; ".join(f"{name} {_short(keys)}" for name, keys in
                     (("missing keys:", missing), ("unexpected keys:", unexpected),
                      ("wrong shapes:", wrong)) if keys)


def load_panns_checkpoint(model: Cnn14Encoder, path: str | os.PathLike[str]) -> list[str]:
    """Load CNN14 weights from a PANNs or DCASE2023-baseline file into ``model``.

    Accepted layouts (read with ``torch.load(..., weights_only=True)``, so no pickled code runs):

    * PANNs ``Cnn14_mAP=0.431.pth``: ``{"model": state_dict, ...}`` with ``bn0.*``,
      ``conv_block{1..6}.{conv1,bn1,conv2,bn2}.*``, ``fc1.*``, ``fc_audioset.*`` and the front
      end's ``spectrogram_extractor.*`` / ``logmel_extractor.*`` (ignored: we use LogMel).
    * DCASE2023 task 6a ``audio_encoder.pth`` (felixgontier/dcase-2023-baseline): a bare state
      dict of its ``CNN14Encoder`` with ``bn0.*``, ``cnn.{i}.*``, ``fc.1.*``, ``fc2.*``
      (see :func:`_baseline_keymap`; ``fc2``, the retrieval projection, is dropped).
    * A bare state dict in either naming, optionally under ``state_dict`` and prefixed by
      ``module.``, ``audio_enc.``, ``audio_encoder.`` or ``encoder.``.

    The trunk must match exactly. The head (``fc1``, ``fc_audioset``) is skipped when the model
    has none (``n_classes=None``); ``fc_audioset`` may be absent from the file, since the
    baseline has none, and then keeps its initial values. BatchNorm's ``num_batches_tracked``
    may be absent.

    Args:
        model: the encoder to fill in place.
        path: the weights file.

    Returns:
        The model's state-dict keys that the file did not provide.

    Raises:
        CheckpointError: unreadable file, refused pickle, missing or unexpected keys, or wrong
            shapes; the message names the file and the first offending keys.
    """
    state, layout = _read_state_dict(path)
    own = model.state_dict()
    head = ("fc1.", "fc_audioset.")
    if model.n_classes is None:
        state = {k: v for k, v in state.items() if not k.startswith(head)}
    optional = {k for k in own if k.endswith("num_batches_tracked") or
                k.startswith("fc_audioset.")}
    problem = state_mismatch(own, state, optional)
    if problem:
        raise CheckpointError(f"checkpoint {os.fspath(path)} ({layout} layout) does not fit "
                              f"{type(model).__name__}: {problem}")
    not_loaded = sorted(k for k in own if k not in state)
    merged = {k: state.get(k, v) for k, v in own.items()}
    model.load_state_dict(merged, strict=True)
    return not_loaded
