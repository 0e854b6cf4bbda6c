"""Audio I/O and the log-mel front end.

``load_audio`` reads wav, flac, ogg and mp3 files (soundfile), mixes them down to mono and
resamples them (soxr). Every unusable file raises :class:`adl.errors.AudioError` with a one-line
message that names the file. ``LogMel`` is the DCASE2023 task 6a front end (64 mel bins, 40 ms
window, 20 ms hop at 44.1 kHz) in torch, so that it runs on the GPU and passes gradients.

Notebook: 01_data_mixing
Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path
from typing import overload

import numpy as np
import soundfile as sf
import soxr
import torch
from torch import nn

from adl.errors import AudioError, one_line
from adl.io import atomic_path

#: File extensions that :func:`load_audio` reads (lower case, with the dot).
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")

#: Default ``eps`` of :class:`LogMel`: ``log(mel + eps)``. See the class docstring for the choice.
LOG_EPS: float = 1e-10

# soundfile raises these for files it cannot open or decode (LibsndfileError is a RuntimeError);
# OSError covers an unreadable file (permissions) met by our own header check.
_SF_ERRORS = (sf.SoundFileError, RuntimeError, ValueError, TypeError, OSError)


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


def _check_file(path: Path) -> None:
    """Raise AudioError if ``path`` is missing, not a file, empty, or of an unsupported type."""
    if not path.exists():
        raise AudioError(f"{path}: audio file not found")
    if not path.is_file():
        raise AudioError(f"{path}: not a regular file")
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise AudioError(f"{path}: unsupported audio format {path.suffix or '(no extension)'!r}; "
                         f"expected one of {', '.join(SUPPORTED_EXTENSIONS)}")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)")


def _check_wav_complete(path: Path) -> None:
    """Raise AudioError if a RIFF/WAVE file's data chunk runs past the end of the file.

    libsndfile reads a truncated wav without complaint (it shortens the data chunk), so a cut
    download would silently load as a shorter clip. Walking the chunk headers costs a few reads.
    Placeholder sizes (0 or 0xFFFFFFFF, written by streaming encoders) are not checked.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # RF64, RIFX or not a wav at all: libsndfile's own checks apply
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data":
                if chunk_size not in (0, 0xFFFFFFFF) and pos + 8 + chunk_size > size:
                    raise AudioError(f"{path}: truncated wav file (data chunk declares "
                                     f"{chunk_size} bytes, {size - pos - 8} present)")
                return
            pos += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even length


def _open_checked(path: Path) -> sf.SoundFile:
    """Open ``path`` with soundfile after the cheap checks; AudioError on any failure."""
    _check_file(path)
    try:
        if path.suffix.lower() == ".wav":
            _check_wav_complete(path)
        return sf.SoundFile(path)
    except _SF_ERRORS as e:
        raise AudioError(f"{path}: cannot read audio ({one_line(e)})") from e


def audio_info(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """Read a file's header only: ``(sample_rate, frames, channels)``.

    For mp3 the frame count comes from the header and may be an estimate.

    Raises:
        AudioError: the file is missing, empty, unsupported, unreadable or has no frames.
    """
    path = Path(path)
    with _open_checked(path) as f:
        sr, frames, channels = f.samplerate, f.frames, f.channels
    if frames <= 0:
        raise AudioError(f"{path}: no audio frames (empty or truncated file)")
    return sr, frames, channels


def load_audio(path: str | os.PathLike[str], sr: int = 44100) -> torch.Tensor:
    """Load an audio file as a mono float32 signal at sample rate ``sr``.

    Channels are averaged. A file at another rate is resampled with soxr (``quality="HQ"``).

    Args:
        path: a .wav, .flac, .ogg or .mp3 file.
        sr: the sample rate to return, in Hz.

    Returns:
        (samples,) float32 tensor, on the CPU.

    Raises:
        AudioError: the file is missing, empty (0 bytes or 0 frames), of an unsupported format,
            corrupt or truncated, or holds NaN or infinite samples. A truncated mp3 decodes as a
            shorter clip and is not detected.

    Notebook: 01_data_mixing
    """
    if sr <= 0:
        raise ValueError(f"sr must be a positive number of Hz, got {sr}")
    path = Path(path)
    with _open_checked(path) as f:
        file_sr = f.samplerate
        try:
            data = f.read(dtype="float32", always_2d=True)  # (frames, channels)
        except _SF_ERRORS as e:
            raise AudioError(f"{path}: corrupt or truncated audio ({one_line(e)})") from e
    if data.shape[0] == 0:
        raise AudioError(f"{path}: no audio frames (empty or truncated file)")
    channels = data.shape[1]
    if channels == 1:
        mono = data[:, 0]  # a (frames, 1) array's column is contiguous: a free view
    else:
        # A BLAS mat-vec is ~50x faster than data.mean(axis=1) over the short channel axis.
        mono = data @ np.full(channels, 1.0 / channels, dtype=np.float32)
    # One pass without a temporary: a NaN or inf sample makes the sum non-finite.
    if not np.isfinite(mono.sum(dtype=np.float64)):
        bad = int(np.count_nonzero(~np.isfinite(mono)))
        raise AudioError(f"{path}: {bad} NaN or infinite sample(s)")
    if file_sr != sr:
        mono = soxr.resample(mono, file_sr, sr, quality="HQ")
    return torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32))


class LogMel(nn.Module):
    """Log-mel spectrogram, ``log(mel + eps)``, equal to librosa's to float32 rounding.

    The STFT is ``torch.stft`` with ``center=True`` and zero (``"constant"``) padding, a periodic
    Hann window of ``win_length`` zero-padded to ``n_fft`` in the centre, and the power ``|X|^2``;
    the filters are ``librosa.filters.mel`` (Slaney scale and area norm). This is
    ``librosa.feature.melspectrogram(..., center=True, pad_mode="constant", power=2.0)``, the
    front end of the DCASE2023 task 6a baseline that the paper kept.

    ``eps`` defaults to 1e-10 (``LOG_EPS``, also librosa's ``amin`` in ``power_to_db``). The
    DCASE baseline used ``np.spacing(1)`` (2.2e-16); pass ``eps=float(np.spacing(1))`` to
    reproduce it. Why 1e-10: a float32 STFT leaves a rounding floor of about 1e-9 in the mel bands
    of a full-scale frame (130 dB below its peak band, about 4e3). With eps = 2.2e-16 the log of
    that floor is rounding noise, and two correct float32 implementations differ by up to 5 in
    those bands (measured on pure sines). 1e-10 caps that at about 1e-2, while it stays 13 dB
    below the noise floor of 16-bit audio (about 2e-9 per band), so recorded audio is unchanged:
    on 10 s of chirp + noise + tone bursts the max deviation from librosa is 1e-5 to 3e-5. Digital
    silence (zero padding) maps to ``log(1e-10) = -23``, just below that floor, not to -36.

    The STFT runs in float32 even under autocast (half precision would lose the 100 dB range of
    the power spectrum); the output is float32. Gradients flow to the input. The window and the
    filters are non-persistent buffers: ``.to(device)`` moves them, ``state_dict()`` is empty.

    Shapes:
        forward: (batch, samples) -> (batch, frames, n_mels), or (samples,) -> (frames, n_mels),
        with ``frames = n_frames(samples) = 1 + samples // hop_length``.

    Notebook: 02_encoder_decoder
    """

    window: torch.Tensor
    mel_basis: torch.Tensor

    def __init__(self, sr: int = 44100, n_mels: int = 64, win_length: int = 1764,
                 hop_length: int = 882, n_fft: int = 2048, f_min: float = 0.0,
                 f_max: float | None = None, eps: float = LOG_EPS) -> None:
        super().__init__()
        if not 0 < win_length <= n_fft:
            raise ValueError(f"need 0 < win_length <= n_fft, got {win_length} and {n_fft}")
        if hop_length <= 0:
            raise ValueError(f"hop_length must be positive, got {hop_length}")
        if eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        # librosa is imported here, not at module level: only the filter bank needs it, and its
        # import is slow for code that just loads audio.
        import librosa

        self.sr, self.n_mels, self.n_fft = sr, n_mels, n_fft
        self.win_length, self.hop_length = win_length, hop_length
        self.f_min, self.f_max, self.eps = f_min, f_max, eps
        # Periodic Hann (scipy's fftbins=True), centred in n_fft zeros as librosa's pad_center.
        hann = torch.hann_window(win_length, periodic=True, dtype=torch.float64)
        left = (n_fft - win_length) // 2
        window = torch.nn.functional.pad(hann, (left, n_fft - win_length - left))
        self.register_buffer("window", window.float(), persistent=False)  # (n_fft,)
        mel = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max,
                                  htk=False, norm="slaney")  # (n_mels, n_fft // 2 + 1)
        basis = torch.from_numpy(np.ascontiguousarray(mel.T, dtype=np.float32))
        self.register_buffer("mel_basis", basis, persistent=False)  # (n_fft // 2 + 1, n_mels)

    @overload
    def n_frames(self, n_samples: int) -> int: ...
    @overload
    def n_frames(self, n_samples: torch.Tensor) -> torch.Tensor: ...

    def n_frames(self, n_samples: int | torch.Tensor) -> int | torch.Tensor:
        """Output frames for ``n_samples`` samples (``center=True``): ``1 + n // hop_length``.

        Takes an int or a (batch,) integer tensor of unpadded lengths, to mask padded frames.
        """
        return 1 + n_samples // self.hop_length

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """(batch, samples) -> (batch, frames, n_mels); (samples,) -> (frames, n_mels)."""
        if audio.dim() not in (1, 2):
            raise ValueError(f"LogMel expects (samples,) or (batch, samples), got "
                             f"shape {tuple(audio.shape)}")
        device_type = audio.device.type
        no_autocast = (torch.autocast(device_type=device_type, enabled=False)
                       if torch.amp.is_autocast_available(device_type)
                       else contextlib.nullcontext())
        with no_autocast:
            # .float() is a no-op for float32 buffers; it guards against a .half() module.
            spec = torch.stft(audio.float(), self.n_fft, hop_length=self.hop_length,
                              win_length=self.n_fft, window=self.window.float(), center=True,
                              pad_mode="constant", normalized=False, onesided=True,
                              return_complex=True)  # (..., freqs, frames)
            # re^2 + im^2 rather than abs()^2: no sqrt, and a finite gradient at 0. The two
            # strided halves are squared and summed into one buffer (addcmul_), which is five
            # times faster than .square().sum(-1) over a (..., freqs, frames, 2) temporary.
            ri = torch.view_as_real(spec)
            power = ri[..., 0].square()
            power.addcmul_(ri[..., 1], ri[..., 1])  # (..., freqs, frames)
            # Filters on the left: the product reads the spectrogram in its memory order, and
            # only the small (..., n_mels, frames) result is transposed.
            mel = torch.matmul(self.mel_basis.float().T, power)  # (..., n_mels, frames)
            return torch.log(mel + self.eps).transpose(-1, -2).contiguous()

    def extra_repr(self) -> str:
        return (f"sr={self.sr}, n_mels={self.n_mels}, win_length={self.win_length}, "
                f"hop_length={self.hop_length}, n_fft={self.n_fft}, f_min={self.f_min}, "
                f"f_max={self.f_max}, eps={self.eps:g}")


def librosa_max_deviation(audio: np.ndarray | torch.Tensor, logmel: LogMel | None = None,
                          *, reference_dtype: type = np.float32) -> float:
    """Max absolute difference between ``LogMel`` and librosa's log-mel of the same signal.

    The reference is ``np.log(librosa.feature.melspectrogram(...) + eps)`` with the module's
    settings, computed in ``reference_dtype`` (float32 as ``load_audio`` returns, or float64).

    Args:
        audio: (samples,) signal.
        logmel: the module to check; ``LogMel()`` when None.

    Returns:
        max |LogMel(audio) - reference| over all frames and bins.
    """
    import librosa

    logmel = LogMel() if logmel is None else logmel
    if isinstance(audio, torch.Tensor):
        audio = audio.detach().cpu().numpy()
    y = np.asarray(audio, dtype=reference_dtype)
    ref = np.log(librosa.feature.melspectrogram(
        y=y, sr=logmel.sr, n_fft=logmel.n_fft, hop_length=logmel.hop_length,
        win_length=logmel.win_length, n_mels=logmel.n_mels, fmin=logmel.f_min,
        fmax=logmel.f_max, center=True, pad_mode="constant", power=2.0) + logmel.eps).T
    with torch.no_grad():
        ours = logmel(torch.from_numpy(np.asarray(audio, dtype=np.float32)).to(
            logmel.mel_basis.device)).cpu().numpy()
    return float(np.max(np.abs(ours.astype(np.float64) - ref)))
