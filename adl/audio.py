"""Audio I/O and the log-mel front end.

``load_audio`` reads wav, flac, ogg and mp3 files (soundfile), mixes them down to mono and
resamples them (soxr). Every unusable file raises :class:`adl.errors.AudioError` with a one-line
message that names the file. ``LogMel`` is the DCASE2023 task 6a front end (64 mel bins, 40 ms
window, 20 ms hop at 44.1 kHz) in torch, so that it runs on the GPU and passes gradients.
:func:`sfx_logmel` configures the same module as the front end of the pretrained sound-effects
CNN (:class:`adl.models.encoder.SfxCnnEncoder`): 96 HTK mel bins, 2048/1024 samples,
``log10(1 + 10^4 mel) / 9.4578``.

Notebook: 01_data_mixing
Notebook: 02_encoder_decoder
"""

from __future__ import annotations

import contextlib
import math
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

#: The compressions :class:`LogMel` offers: ``log(mel + eps)`` (DCASE) and
#: ``log10(1 + multiplier * mel) / divisor`` (Essentia's "shift_scale_log", the aisfx model's).
COMPRESSIONS: tuple[str, ...] = ("log", "log10_1p")

#: The aisfx model's published spectrogram maximum: its "original" min-max normalisation
#: (``mn = 0``) divides the compressed mel bands by this (``aisfx.preprocessing``).
SFX_SPEC_MAX: float = 9.457798957824707

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
    """Log-mel spectrogram, ``log(mel + eps)`` by default, equal to librosa's to float32 rounding.

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

    The keyword-only options make other front ends of the same family: ``htk`` and
    ``mel_norm`` pick the filters (``librosa.filters.mel(htk=..., norm=...)``; ``mel_norm=1.0``
    scales each filter to unit sum), ``compression="log10_1p"`` gives
    ``log10(1 + log_multiplier * mel) / log_divisor`` (Essentia's "shift_scale_log", which maps
    silence to exactly 0), and ``input_gain_db`` scales the waveform by a fixed gain before the
    STFT (applied to the power, ``10^(gain / 10)``; 0 dB leaves the signal as it is).
    :func:`sfx_logmel` sets them for the pretrained sound-effects CNN. ``silence_value`` is what a
    silent (or zero-padded) frame maps to in every bin, the value to pad a batch of log-mels with.

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
                 f_max: float | None = None, eps: float = LOG_EPS, *, htk: bool = False,
                 mel_norm: str | float | None = "slaney", compression: str = "log",
                 log_multiplier: float = 1e4, log_divisor: float = 1.0,
                 input_gain_db: float = 0.0) -> None:
        super().__init__()
        if not 0 < win_length <= n_fft:
            raise ValueError(f"need 0 < win_length <= n_fft, got {win_length} and {n_fft}")
        if hop_length <= 0:
            raise ValueError(f"hop_length must be positive, got {hop_length}")
        if eps <= 0:
            raise ValueError(f"eps must be positive, got {eps}")
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}, "
                             f"got {compression!r}")
        if not (log_multiplier > 0 and log_divisor > 0):
            raise ValueError(f"log_multiplier and log_divisor must be positive, got "
                             f"{log_multiplier} and {log_divisor}")
        if not math.isfinite(input_gain_db):
            raise ValueError(f"input_gain_db must be a finite number of dB, got {input_gain_db}")
        # librosa is imported here, not at module level: only the filter bank needs it, and its
        # import is slow for code that just loads audio.
        import librosa

        self.sr, self.n_mels, self.n_fft = sr, n_mels, n_fft
        self.win_length, self.hop_length = win_length, hop_length
        self.f_min, self.f_max, self.eps = f_min, f_max, eps
        self.htk, self.mel_norm, self.compression = bool(htk), mel_norm, compression
        self.log_multiplier, self.log_divisor = float(log_multiplier), float(log_divisor)
        self.input_gain_db = float(input_gain_db)
        # The gain on the power spectrum; exactly 1 (and then not applied) at 0 dB.
        self._power_gain = 10.0 ** (self.input_gain_db / 10.0)
        # Periodic Hann (scipy's fftbins=True), centred in n_fft zeros as librosa's pad_center.
        hann = torch.hann_window(win_length, periodic=True, dtype=torch.float64)
        left = (n_fft - win_length) // 2
        window = torch.nn.functional.pad(hann, (left, n_fft - win_length - left))
        self.register_buffer("window", window.float(), persistent=False)  # (n_fft,)
        mel = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max,
                                  htk=self.htk, norm=mel_norm)  # (n_mels, n_fft // 2 + 1)
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

    def compress(self, mel: torch.Tensor) -> torch.Tensor:
        """The compression step alone: mel power (after the input gain) -> log-mel values."""
        if self._power_gain != 1.0:
            mel = mel * self._power_gain
        if self.compression == "log":
            return torch.log(mel + self.eps)
        # log1p is exact near silence, where log10(1 + x) would round 1 + x first.
        return torch.log1p(mel * self.log_multiplier) * (1.0 / (math.log(10.0) * self.log_divisor))

    @property
    def silence_value(self) -> float:
        """The value of every bin of a silent frame: ``log(eps)``, or 0 for ``log10_1p``.

        It is the float32 value that :meth:`forward` gives for an all-zero waveform, so padding a
        batch of log-mels with it is the same as zero-padding the waveforms.
        """
        return float(self.compress(torch.zeros((), dtype=torch.float32)))

    def settings(self) -> dict[str, object]:
        """Every setting the output depends on (for cache keys and reports)."""
        return {"sr": self.sr, "n_mels": self.n_mels, "n_fft": self.n_fft,
                "win_length": self.win_length, "hop_length": self.hop_length,
                "f_min": self.f_min, "f_max": self.f_max, "eps": self.eps, "htk": self.htk,
                "mel_norm": self.mel_norm, "compression": self.compression,
                "log_multiplier": self.log_multiplier, "log_divisor": self.log_divisor,
                "input_gain_db": self.input_gain_db}

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
            return self.compress(mel).transpose(-1, -2).contiguous()

    def extra_repr(self) -> str:
        text = (f"sr={self.sr}, n_mels={self.n_mels}, win_length={self.win_length}, "
                f"hop_length={self.hop_length}, n_fft={self.n_fft}, f_min={self.f_min}, "
                f"f_max={self.f_max}, eps={self.eps:g}")
        if self.htk or self.mel_norm != "slaney":
            text += f", htk={self.htk}, mel_norm={self.mel_norm}"
        if self.compression != "log":
            text += (f", compression={self.compression}, log_multiplier={self.log_multiplier:g}, "
                     f"log_divisor={self.log_divisor:g}")
        if self.input_gain_db:
            text += f", input_gain_db={self.input_gain_db:g}"
        return text


def sfx_logmel(*, input_gain_db: float = 0.0) -> LogMel:
    """The front end of the pretrained sound-effects CNN (aisfx, Ma and Lerch, ISMIR 2022).

    A port of ``aisfx.spectrogram.spectrogram_librosa.compute_spectrogram`` followed by its
    "original" normalisation: 44.1 kHz, ``n_fft = win_length = 2048``, hop 1024 (23 ms), 96 mel
    bins from 0 to 22050 Hz on the HTK scale with unit-sum filters (librosa ``htk=True,
    norm=1.0``), power 2, then ``log10(1 + 10^4 mel) / 9.457798957824707``.

    Padding: ``center=True`` with zeros. aisfx pins librosa 0.9.2, whose default ``pad_mode``
    is already ``"constant"`` (librosa 0.9.0 changed it from ``"reflect"``), and the Essentia
    front end the model was trained with also centres its first frame on sample 0 with zeros
    (``FrameCutter(startFromZero=False)``). Silence and padding map to exactly 0. The output
    is ``(frames, 96)``, the layout the model reads (aisfx's librosa route returns
    ``(96, frames)`` untransposed and then blocks it along the mel axis; its Essentia route,
    which the paper used, returns ``(frames, 96)``).

    Input level: aisfx's librosa route peak-normalises every clip; Essentia's ``EasyLoader``,
    which the paper's training used, leaves the level as it is (``replayGain = -6`` cancels
    its +6 dB preamp). Audio difference learning subtracts the reference's features from the
    mixture's, so every clip must keep its true level relative to the others: no clip is
    normalised here, and ``input_gain_db`` is one fixed gain for all of them (0 dB by default,
    as in the model's training).

    Args:
        input_gain_db: a fixed gain applied to every clip before the STFT.

    Returns:
        A :class:`LogMel` with 96 bins and hop 1024.
    """
    return LogMel(sr=44100, n_mels=96, win_length=2048, hop_length=1024, n_fft=2048, f_min=0.0,
                  f_max=22050.0, htk=True, mel_norm=1.0, compression="log10_1p",
                  log_multiplier=1e4, log_divisor=SFX_SPEC_MAX, input_gain_db=input_gain_db)


def librosa_max_deviation(audio: np.ndarray | torch.Tensor, logmel: LogMel | None = None,
                          *, reference_dtype: type = np.float32) -> float:
    """Max absolute difference between ``LogMel`` and librosa's log-mel of the same signal.

    The reference is ``np.log(librosa.feature.melspectrogram(...) + eps)`` (or
    ``np.log10(1 + multiplier * mel) / divisor`` for ``compression="log10_1p"``) with the
    module's settings and input gain, computed in ``reference_dtype`` (float32 as ``load_audio``
    returns, or float64).

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
    if logmel.input_gain_db:
        y = (y * 10.0 ** (logmel.input_gain_db / 20.0)).astype(reference_dtype)
    mel = librosa.feature.melspectrogram(
        y=y, sr=logmel.sr, n_fft=logmel.n_fft, hop_length=logmel.hop_length,
        win_length=logmel.win_length, n_mels=logmel.n_mels, fmin=logmel.f_min,
        fmax=logmel.f_max, htk=logmel.htk, norm=logmel.mel_norm, center=True,
        pad_mode="constant", power=2.0)
    if logmel.compression == "log":
        ref = np.log(mel + logmel.eps).T
    else:
        ref = (np.log10(mel * logmel.log_multiplier + 1) / logmel.log_divisor).T
    with torch.no_grad():
        ours = logmel(torch.from_numpy(np.asarray(audio, dtype=np.float32)).to(
            logmel.mel_basis.device)).cpu().numpy()
    return float(np.max(np.abs(ours.astype(np.float64) - ref)))
