"""Audio I/O and the log-mel front end.

Notebook: 01_data_mixing
"""

from __future__ import annotations

import os

import numpy as np
import soundfile as sf
import torch

from adl.io import atomic_path


def save_audio(path: str | os.PathLike[str], audio: np.ndarray | torch.Tensor, sr: int, *,
               subtype: str = "PCM_16") -> None:
    """Write a mono signal to a wav (or flac/ogg, by extension) file, atomically.

    Args:
        path: destination; its extension picks the format.
        audio: (samples,) float signal in [-1, 1].
        sr: sample rate in Hz.
        subtype: soundfile subtype; 16-bit PCM by default, as Clotho and ESC-50 ship.
    """
    if isinstance(audio, torch.Tensor):
        audio = audio.detach().cpu().numpy()
    audio = np.asarray(audio, dtype=np.float32)
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").upper() or "WAV"
    if fmt == "OGG":
        subtype = "VORBIS"
    elif fmt == "MP3":
        subtype = "MPEG_LAYER_III"
    with atomic_path(path) as tmp:
        sf.write(tmp, audio, sr, subtype=subtype, format=fmt)
