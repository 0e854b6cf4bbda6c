"""Procedural synthesis of the embedded corpus's sound events and backgrounds.

Each class has its own temporal pattern (strikes, wails, pulse trains, gusts, syllables, notes)
and spectral shape (inharmonic partials, formants, band-passed noise, ...), and every parameter
that a real recording would vary (pitch, rate, timbre, envelope, number of sources) is drawn from
the caller's ``np.random.Generator``. The same generator state gives the same samples.

All synthesizers are vectorised numpy/scipy: a 5 s clip at 44.1 kHz costs a few milliseconds.

Example::

    rng = np.random.default_rng(0)
    x = synthesize("siren", 5.0, 44100, rng)   # (220500,) float32
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _signal():
    """scipy.signal, imported on first use: it costs about 1 s, which every process that imports
    ``adl.data`` (the command line, each chapter's kernel) would otherwise pay for nothing."""
    from scipy import signal

    return signal

#: Event classes, in a stable order: the index is the ESC-50 ``target``.
CLASSES: tuple[str, ...] = (
    "church_bells", "siren", "engine", "rain", "wind", "chirping_birds", "clock_tick",
    "footsteps", "door_knock", "phone_ringing", "water_drops", "alarm_beeps", "crickets",
    "thunder", "people_talking", "melody", "dog_bark", "car_horn", "vacuum_cleaner",
    "keyboard_typing",
)

#: Scene backgrounds (steady ambiences under the events).
BACKGROUNDS: tuple[str, ...] = ("room_tone", "traffic", "park")

#: Level of a synthesized clip: the RMS of its loud frames (90th percentile), about -20 dBFS.
REFERENCE_RMS = 0.1
#: No synthesized clip peaks above this, so a clip written alone never clips.
MAX_PEAK = 0.9

_TWO_PI = 2.0 * np.pi


def synthesize(category: str, seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Synthesize one event of ``category``, levelled to :data:`REFERENCE_RMS`.

    Args:
        category: one of :data:`CLASSES`.
        seconds: duration; the result has ``round(seconds * sr)`` samples.
        sr: sample rate in Hz.
        rng: the source of all random variation (pitch, rate, timbre, envelope).

    Returns:
        (samples,) float32, finite, peak at most :data:`MAX_PEAK`, 5 ms fades at both ends.
    """
    if category not in _EVENTS:
        raise ValueError(f"unknown event class {category!r}; choose one of {', '.join(CLASSES)}")
    return _finish(_EVENTS[category], seconds, sr, rng)


def synthesize_background(kind: str, seconds: float, sr: int,
                          rng: np.random.Generator) -> np.ndarray:
    """Synthesize a steady background of ``kind`` (one of :data:`BACKGROUNDS`).

    Returns:
        (samples,) float32 levelled like :func:`synthesize`.
    """
    if kind not in _BACKGROUNDS:
        raise ValueError(f"unknown background {kind!r}; choose one of {', '.join(BACKGROUNDS)}")
    return _finish(_BACKGROUNDS[kind], seconds, sr, rng)


def _finish(fn: Callable[[int, int, np.random.Generator], np.ndarray], seconds: float, sr: int,
            rng: np.random.Generator) -> np.ndarray:
    n = int(round(seconds * sr))
    if n < 1:
        raise ValueError(f"seconds must give at least one sample, got {seconds} s at {sr} Hz")
    x = np.asarray(fn(n, sr, rng), dtype=np.float64)
    x = x - x.mean()  # some generators (brown noise, glottal flow) carry a DC offset
    _fade(x, sr)
    return level(x).astype(np.float32)


def level(x: np.ndarray, target_rms: float = REFERENCE_RMS, max_peak: float = MAX_PEAK,
          frame: int = 2048) -> np.ndarray:
    """Scale ``x`` so that its loud frames have RMS ``target_rms`` and its peak <= ``max_peak``.

    The 90th percentile of frame RMS is used, not the global RMS, so that sparse sounds (ticks,
    knocks) are as loud as dense ones (rain) when they sound.
    """
    n = len(x) // frame * frame
    if n:
        frames = np.sqrt(np.mean(x[:n].reshape(-1, frame) ** 2, axis=1))
        active = float(np.percentile(frames, 90))
    else:
        active = float(np.sqrt(np.mean(x ** 2)))
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if active <= 0.0 or peak <= 0.0:
        return x
    return x * min(target_rms / active, max_peak / peak)


# -- building blocks -----------------------------------------------------------------------


def _fade(x: np.ndarray, sr: int, seconds: float = 0.005) -> None:
    m = min(len(x) // 2, int(sr * seconds))
    if m > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
        x[:m] *= ramp
        x[len(x) - m:] *= ramp[::-1]


def _sos(kind: str, freqs: float | tuple[float, float], sr: int, order: int = 2) -> np.ndarray:
    """Butterworth second-order sections, with edges clipped below Nyquist."""
    top = 0.45 * sr
    if isinstance(freqs, tuple):
        lo = float(np.clip(freqs[0], 10.0, top * 0.9))
        hi = float(np.clip(freqs[1], lo * 1.1, top))
        return _signal().butter(order, (lo, hi), btype=kind, fs=sr, output="sos")
    return _signal().butter(order, float(np.clip(freqs, 10.0, top)), btype=kind, fs=sr, output="sos")


def _filt(x: np.ndarray, kind: str, freqs: float | tuple[float, float], sr: int,
          order: int = 2) -> np.ndarray:
    return _signal().sosfilt(_sos(kind, freqs, sr, order), x)


def _resonators(freqs: np.ndarray, bandwidths: np.ndarray, sr: int) -> np.ndarray:
    """Cascade of two-pole resonators with unit DC gain (a Klatt-style formant filter)."""
    freqs = np.minimum(freqs, 0.45 * sr)
    r = np.exp(-np.pi * bandwidths / sr)
    c = 2.0 * r * np.cos(_TWO_PI * freqs / sr)
    sos = np.zeros((len(freqs), 6))
    sos[:, 0] = 1.0 - c + r * r
    sos[:, 3] = 1.0
    sos[:, 4] = -c
    sos[:, 5] = r * r
    return sos


def _smooth(rng: np.random.Generator, n: int, sr: int, rate_hz: float) -> np.ndarray:
    """A slowly varying random curve, about unit variance, ``rate_hz`` knots per second."""
    k = int(n / sr * rate_hz) + 3
    knots = np.linspace(0, n - 1, k)
    return np.interp(np.arange(n), knots, rng.standard_normal(k))


def _phase(freq: np.ndarray | float, n: int, sr: int) -> np.ndarray:
    """Phase in radians of an oscillator with instantaneous frequency ``freq`` (Hz)."""
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    return _TWO_PI * np.cumsum(f) / sr


def _add(out: np.ndarray, start: int, grain: np.ndarray) -> None:
    """Overlap-add ``grain`` into ``out`` at sample ``start``, cut at the end."""
    if start >= len(out):
        return
    m = min(len(grain), len(out) - start)
    out[start:start + m] += grain[:m]


def _gate(n: int, sr: int, spans: list[tuple[float, float]], ramp_s: float = 0.005) -> np.ndarray:
    """0/1 envelope that is on during ``spans`` (seconds), with short raised-cosine ramps."""
    g = np.zeros(n)
    r = max(1, int(ramp_s * sr))
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
    for t0, t1 in spans:
        i0, i1 = int(t0 * sr), min(n, int(t1 * sr))
        if i1 - i0 < 2 * r:
            continue
        g[i0:i1] = 1.0
        g[i0:i0 + r] = ramp
        g[i1 - r:i1] = ramp[::-1]
    return g


def _start(rng: np.random.Generator, n: int, sr: int, latest: float = 0.3) -> float:
    """Time (s) of a pattern's first sound: early, so that even a short clip is not silent."""
    return float(rng.uniform(0.0, min(latest, 0.15 * n / sr)))


def _decay(m: int, sr: int, tau: float) -> np.ndarray:
    return np.exp(-np.arange(m) / (sr * tau))


# -- event classes -------------------------------------------------------------------------

# Partial ratios of a tuned church bell: hum, prime, tierce, quint, nominal and upper partials.
_BELL_RATIOS = np.array([0.5, 1.0, 1.19, 1.5, 2.0, 2.51, 2.66, 3.01, 4.17, 5.43])


def _church_bells(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    n_bells = int(rng.choice([1, 1, 2]))
    period = rng.uniform(0.7, 1.6)
    t_first = _start(rng, n, sr)
    for b in range(n_bells):
        f0 = rng.uniform(180, 620)
        ratios = _BELL_RATIOS * (1 + rng.normal(0, 0.01, len(_BELL_RATIOS)))
        keep = ratios * f0 < 0.45 * sr
        ratios = ratios[keep]
        amps = rng.uniform(0.3, 1.0, len(ratios)) / (1 + 0.4 * np.arange(len(ratios)))
        t60 = rng.uniform(1.5, 3.5) / ratios ** 0.7  # upper partials die away first
        m = min(n, int(sr * min(3.5, float(t60.max()))))
        t = np.arange(m) / sr
        strike = np.zeros(m)
        for f, a, d in zip(ratios * f0, amps, t60):
            strike += a * np.exp(-6.9 * t / d) * np.sin(_TWO_PI * f * t + rng.uniform(0, 6.3))
        clang = min(m, int(0.01 * sr))
        strike[:clang] += 0.5 * rng.standard_normal(clang) * _decay(clang, sr, 0.002)
        times = np.arange(t_first + b * period / 2, n / sr, period * n_bells)
        for t0 in times + rng.normal(0, 0.01, len(times)):
            _add(out, max(0, int(t0 * sr)), strike * rng.uniform(0.7, 1.0))
    return out


def _siren(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    fc = rng.uniform(800, 1300)
    mode = int(rng.integers(3))
    if mode == 0:  # wail: slow sine sweep
        lfo = np.sin(_TWO_PI * rng.uniform(0.15, 0.45) * t + rng.uniform(0, 6.3))
        depth = rng.uniform(0.3, 0.45)
    elif mode == 1:  # yelp: fast upward sweeps
        lfo = 2 * ((rng.uniform(2.5, 5.0) * t + rng.uniform(0, 1)) % 1.0) - 1
        depth = rng.uniform(0.25, 0.4)
    else:  # hi-lo: two alternating tones
        lfo = np.tanh(8 * np.sin(_TWO_PI * rng.uniform(0.5, 1.1) * t + rng.uniform(0, 6.3)))
        depth = rng.uniform(0.1, 0.15)
    ph = _phase(fc * (1 + depth * lfo), n, sr)
    x = np.sin(ph) + rng.uniform(0.3, 0.6) * np.sin(2 * ph) + rng.uniform(0.2, 0.4) * np.sin(3 * ph)
    # a passing vehicle: the level swells and fades
    return x * np.exp(0.4 * _smooth(rng, n, sr, 0.5))


def _engine(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    f0 = rng.uniform(22, 55)  # firing rate
    drift = 1 + 0.04 * _smooth(rng, n, sr, 0.7)
    if rng.random() < 0.4:  # one rev up and down
        t = np.arange(n) / n
        bump = np.exp(-0.5 * ((t - rng.uniform(0.3, 0.7)) / 0.12) ** 2)
        drift *= 1 + rng.uniform(0.2, 0.5) * bump
    cycles = np.cumsum(f0 * drift) / sr
    frac = cycles % 1.0
    drone = _filt(2 * frac - 1, "lowpass", rng.uniform(250, 600), sr, 4)
    fire = (0.5 + 0.5 * np.cos(_TWO_PI * frac)) ** 4  # one pressure pulse per firing
    rumble = _filt(rng.standard_normal(n), "lowpass", rng.uniform(300, 700), sr, 2)
    return drone + rng.uniform(0.3, 0.8) * rumble * (0.3 + fire)


def _rain(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    bed = _filt(rng.standard_normal(n), "bandpass",
                (rng.uniform(400, 1200), rng.uniform(5000, 9000)), sr)
    bed *= np.exp(0.15 * _smooth(rng, n, sr, 1.0))
    clicks = np.zeros(n)
    k = int(rng.poisson(rng.uniform(40, 200) * n / sr))
    pos = rng.integers(0, n, k)
    amp = rng.uniform(0.2, 1.0, k) ** 2 * rng.choice([-1.0, 1.0], k)
    np.add.at(clicks, pos, amp)
    # droplets ring at a few resonances; assign each click to one
    which = rng.integers(0, 3, k)
    drops = np.zeros(n)
    for j, f in enumerate(rng.uniform(1500, 6000, 3)):
        part = np.zeros(n)
        np.add.at(part, pos[which == j], amp[which == j])
        drops += _signal().sosfilt(_resonators(np.array([f]), np.array([f / 8]), sr), part)
    return bed + rng.uniform(0.5, 1.5) * drops * (np.std(bed) / (np.std(drops) + 1e-12))


def _wind(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(n)
    out = np.zeros(n)
    for lo, hi in ((120, 300), (300, 700), (600, 1400)):
        fc = rng.uniform(lo, hi)
        band = _filt(noise, "bandpass", (fc / 1.4, fc * 1.4), sr)
        out += band * np.log1p(np.exp(1.5 * _smooth(rng, n, sr, rng.uniform(0.3, 0.8))))
    gust = np.exp(rng.uniform(0.6, 1.0) * _smooth(rng, n, sr, rng.uniform(0.2, 0.5)))
    rumble = _filt(noise, "lowpass", 90, sr)
    return gust * (out + 0.5 * rumble / (np.std(rumble) + 1e-12) * np.std(out))


def _chirping_birds(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    seconds = n / sr
    for _ in range(int(rng.integers(1, 4))):
        base = rng.uniform(2500, 5500)
        freq = np.zeros(n)
        amp = np.zeros(n)
        t = _start(rng, n, sr, 0.6)
        while t < seconds:
            kind = int(rng.integers(3))  # up-sweeps, down-sweeps, or a fast trill
            chirp = rng.uniform(0.03, 0.12) if kind < 2 else rng.uniform(0.015, 0.03)
            gap = rng.uniform(0.02, 0.08) if kind < 2 else rng.uniform(0.01, 0.02)
            for _ in range(int(rng.integers(3, 10))):
                i0, i1 = int(t * sr), min(n, int((t + chirp) * sr))
                if i1 - i0 > 8:
                    fa, fb = base * rng.uniform(0.8, 1.0), base * rng.uniform(1.2, 1.7)
                    if kind == 1:
                        fa, fb = fb, fa
                    freq[i0:i1] = np.geomspace(fa, fb, i1 - i0)
                    amp[i0:i1] = np.sin(np.pi * np.arange(i1 - i0) / (i1 - i0)) ** 2
                t += chirp + gap
            t += rng.uniform(0.3, 1.5)
        ph = _phase(np.minimum(freq, 0.45 * sr), n, sr)
        out += rng.uniform(0.4, 1.0) * amp * (np.sin(ph) + 0.15 * np.sin(2 * ph))
    return out


def _clicks(n: int, sr: int, rng: np.random.Generator, times: np.ndarray, f: float,
            tau: float, noise: float) -> np.ndarray:
    """Resonant clicks (a decaying sinusoid plus a noise burst) at ``times`` (s)."""
    m = int(sr * tau * 7)
    tt = np.arange(m) / sr
    out = np.zeros(n)
    for t0 in times:
        g = np.exp(-tt / tau) * (np.sin(_TWO_PI * f * rng.uniform(0.97, 1.03) * tt)
                                 + noise * rng.standard_normal(m))
        _add(out, max(0, int(t0 * sr)), g * rng.uniform(0.8, 1.0))
    return out


def _clock_tick(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    period = rng.uniform(0.25, 1.0)
    f = rng.uniform(1500, 3500)
    tau = rng.uniform(0.002, 0.006)
    times = np.arange(_start(rng, n, sr), n / sr, period)
    times = np.abs(times + rng.normal(0, 0.002, len(times)))
    tick, tock = times[::2], times[1::2]
    f_tock = f * rng.uniform(0.7, 0.85)
    return (_clicks(n, sr, rng, tick, f, tau, 0.3)
            + rng.uniform(0.6, 1.0) * _clicks(n, sr, rng, tock, f_tock, tau, 0.3))


def _footsteps(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    period = 1.0 / rng.uniform(1.6, 2.2)
    gravel = rng.random() < 0.4
    f_low = rng.uniform(60, 110)
    tau = rng.uniform(0.04, 0.07)
    m = int(0.3 * sr)
    tt = np.arange(m) / sr
    heel = _filt(rng.standard_normal(n + m), "bandpass", (rng.uniform(800, 1500), 3500), sr)
    heel /= np.std(heel) + 1e-12
    scuff_len = rng.uniform(0.05, 0.1) if gravel else rng.uniform(0.01, 0.02)
    body = np.sin(_TWO_PI * f_low * tt) * np.exp(-tt / tau)  # the foot landing on the floor
    out = np.zeros(n)
    times = np.arange(_start(rng, n, sr), n / sr, period)
    for i, t0 in enumerate(times + rng.normal(0, 0.015, len(times))):
        i0 = max(0, int(t0 * sr))
        if i0 >= n:
            break
        toe = int(rng.uniform(0.04, 0.08) * sr)  # heel, then toe
        step = body.copy()
        step[toe:] += 0.6 * body[:m - toe]
        step += 0.15 * heel[i0:i0 + m] * np.exp(-tt / scuff_len)
        _add(out, i0, step * (1.0 if i % 2 == 0 else rng.uniform(0.7, 0.9)))
    return out


def _door_knock(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    modes = rng.uniform(150, 700, int(rng.integers(2, 4)))
    decays = rng.uniform(0.015, 0.05, len(modes))
    m = int(0.2 * sr)
    tt = np.arange(m) / sr
    knock = sum(np.sin(_TWO_PI * f * tt) * np.exp(-tt / d) for f, d in zip(modes, decays))
    click = int(0.003 * sr)
    out = np.zeros(n)
    spacing = rng.uniform(0.12, 0.25)
    t = _start(rng, n, sr)
    while t < n / sr:
        for _ in range(int(rng.integers(2, 5))):
            g = knock * rng.uniform(0.75, 1.0)
            g[:click] += 0.4 * rng.standard_normal(click)
            _add(out, int(t * sr), g)
            t += spacing * rng.uniform(0.9, 1.1)
        t += rng.uniform(0.8, 2.0)
    return out


def _phone_ringing(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    f1 = rng.uniform(700, 1200)
    f2 = f1 * rng.uniform(1.15, 1.35)
    trill = rng.uniform(12, 25)
    freq = np.where(np.sin(_TWO_PI * trill * t) >= 0, f1, f2)
    ph = _phase(freq, n, sr)
    x = np.sin(ph) + rng.uniform(0.1, 0.4) * np.sin(3 * ph)
    spans = []
    s = _start(rng, n, sr)
    double = rng.random() < 0.5  # "ring-ring ... ring-ring", else long rings
    if double:
        on, off = 0.4, rng.uniform(1.2, 2.0)
    else:
        on, off = rng.uniform(0.9, 1.8), rng.uniform(1.0, 2.5)
    while s < n / sr:
        spans.append((s, s + on))
        if double:
            spans.append((s + on + 0.2, s + 2 * on + 0.2))
            s += 2 * on + 0.2
        else:
            s += on
        s += off
    return x * _gate(n, sr, spans)


def _water_drops(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    regular = rng.random() < 0.5
    mean_gap = rng.uniform(0.3, 0.9)
    if regular:
        times = np.arange(_start(rng, n, sr), n / sr, mean_gap)
        times = times + rng.normal(0, 0.05 * mean_gap, len(times))
    else:
        gaps = rng.exponential(mean_gap * 0.7, int(n / sr / mean_gap * 3) + 3) + 0.08
        times = _start(rng, n, sr) + np.concatenate([[0.0], np.cumsum(gaps)])
        times = times[times < n / sr]
    base = rng.uniform(900, 2200)
    m = int(0.1 * sr)
    tt = np.arange(m) / sr
    out = np.zeros(n)
    for t0 in times:
        f0 = base * rng.uniform(0.8, 1.25)
        rise = rng.uniform(0.5, 1.5)
        tau = rng.uniform(0.008, 0.025)
        ph = _TWO_PI * f0 * (tt + rise * tt ** 2 / 0.06)  # the bubble's pitch rises
        g = np.sin(ph) * np.exp(-tt / tau) * np.minimum(1, tt / 0.001)
        _add(out, max(0, int(t0 * sr)), g * rng.uniform(0.6, 1.0))
    d = int(rng.uniform(0.03, 0.07) * sr)  # one early reflection from the sink
    out[d:] += 0.3 * out[:-d].copy()
    return out


def _alarm_beeps(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(1800, 3200)
    ph = _phase(f, n, sr)
    x = np.sin(ph)
    for k in (3, 5):  # odd harmonics: a square-ish beep, kept below Nyquist
        if k * f < 0.45 * sr:
            x += np.sin(k * ph) / k
    beep = rng.uniform(0.06, 0.18)
    group = int(rng.integers(1, 5))
    pause = rng.uniform(0.3, 0.8)
    spans = []
    s = _start(rng, n, sr, 0.2)
    while s < n / sr:
        for _ in range(group):
            spans.append((s, s + beep))
            s += 2 * beep
        s += pause
    return x * _gate(n, sr, spans, 0.003)


def _crickets(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    out = np.zeros(n)
    for _ in range(int(rng.integers(1, 4))):
        fc = rng.uniform(4500, 8000)
        syl_rate = rng.uniform(25, 50)
        syl = (syl_rate * t + rng.uniform(0, 1)) % 1.0
        env = np.where(syl < 0.5, np.sin(np.pi * syl / 0.5) ** 2, 0.0)
        if rng.random() < 0.5:  # chirps of a few pulses, else a continuous trill
            chirp_rate = rng.uniform(1.5, 4.0)
            duty = min(0.8, rng.integers(4, 10) / syl_rate * chirp_rate)
            env *= ((chirp_rate * (t - _start(rng, n, sr)) % 1.0) < duty)
        ph = _TWO_PI * fc * t + 0.3 * np.sin(_TWO_PI * syl_rate * t)
        out += rng.uniform(0.5, 1.0) * env * np.sin(ph)
    # a distant chorus: many crickets blur into a steady narrow band
    chorus = _filt(rng.standard_normal(n), "bandpass", (fc * 0.95, fc * 1.05), sr)
    return out + rng.uniform(0.1, 0.3) * chorus / (np.std(chorus) + 1e-12)


def _thunder(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    seconds = n / sr
    t = np.arange(n) / sr
    t_crack = rng.uniform(0, min(0.6, seconds / 4))
    noise = rng.standard_normal(n)
    crack_env = np.where(t >= t_crack, np.exp(-(t - t_crack) / rng.uniform(0.03, 0.1)), 0.0)
    crack = _filt(noise, "highpass", 300, sr) * crack_env
    rumble = _filt(noise, "lowpass", rng.uniform(120, 300), sr, 4)
    rumble /= np.std(rumble) + 1e-12
    onset = t_crack + rng.uniform(0.1, 0.4)
    env = np.where(t >= t_crack, 1 - np.exp(-(t - t_crack) / 0.15), 0.0)
    env *= np.exp(-np.maximum(t - onset, 0) / rng.uniform(1.0, 3.0))
    env *= np.exp(0.6 * _smooth(rng, n, sr, 2.0))  # rolling
    return rng.uniform(1.0, 2.5) * crack + rumble * env


# Formants (F1, F2, F3 in Hz) of a few vowels of an adult male voice.
_VOWELS = np.array([[730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010],
                    [570, 840, 2410], [300, 870, 2240], [500, 1500, 2500]], dtype=np.float64)


def _people_talking(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    hiss = _filt(rng.standard_normal(n), "bandpass", (2500, 7000), sr)
    for _ in range(int(rng.integers(2, 5))):
        female = rng.random() < 0.5
        f0 = rng.uniform(180, 250) if female else rng.uniform(95, 135)
        scale = 1.15 if female else 1.0
        pitch = f0 * np.exp(0.12 * _smooth(rng, n, sr, 3.0))  # intonation
        frac = (np.cumsum(pitch) / sr) % 1.0
        flow = np.where(frac < 0.6, 0.5 - 0.5 * np.cos(_TWO_PI * frac / 0.6), 0.0)
        source = np.diff(flow, prepend=0.0)  # glottal flow derivative excites the formants
        voice = np.zeros(n)
        consonants = np.zeros(n)
        t = _start(rng, n, sr, 1.0)
        while t < n / sr:
            for _ in range(int(rng.integers(3, 9))):  # a phrase of words
                for _ in range(int(rng.integers(1, 4))):  # a word of syllables
                    dur = rng.uniform(0.12, 0.28)
                    i0, i1 = int(t * sr), min(n, int((t + dur) * sr))
                    if i1 - i0 > 16:
                        vowel = _VOWELS[rng.integers(len(_VOWELS))]
                        formants = vowel * scale * rng.uniform(0.95, 1.05, 3)
                        sos = _resonators(formants, np.array([80.0, 100.0, 150.0]), sr)
                        env = np.sin(np.pi * np.arange(i1 - i0) / (i1 - i0)) ** 0.7
                        voice[i0:i1] += _signal().sosfilt(sos, source[i0:i1]) * env
                        if rng.random() < 0.5:  # a fricative consonant at the syllable start
                            m = min(i1 - i0, int(rng.uniform(0.03, 0.07) * sr))
                            consonants[i0:i0 + m] += hiss[i0:i0 + m] * np.hanning(m)
                    t += dur
                t += rng.uniform(0.03, 0.12)
            t += rng.uniform(0.3, 1.0)
        voice = voice / (np.std(voice) + 1e-12) + 0.3 * consonants / (np.std(consonants) + 1e-12)
        out += rng.uniform(0.4, 1.0) * voice
    return out


_PENTATONIC = np.array([0, 2, 4, 7, 9, 12, 14, 16])


def _melody(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    root = rng.uniform(196, 392)  # G3 to G4
    beat = rng.uniform(0.18, 0.45)
    timbre = int(rng.integers(3))  # plucked, organ-like, mallet
    k_max = int(min(8, 0.45 * sr // (root * 2 ** (16 / 12))))
    tilt = rng.uniform(0.8, 1.6)
    degree = int(rng.integers(0, 5))
    t = _start(rng, n, sr, 0.2)
    while t < n / sr:
        dur = beat * float(rng.choice([1, 1, 1, 2, 0.5]))
        f = root * 2 ** (_PENTATONIC[degree] / 12)
        length = dur + (0.6 if timbre != 1 else 0.05)
        m = int(length * sr)
        tt = np.arange(m) / sr
        # sin(k w t) by the Chebyshev recurrence: one sin and cos for all partials
        s1 = np.sin(_TWO_PI * f * tt)
        c2 = 2 * np.cos(_TWO_PI * f * tt)
        decay1 = np.exp(-tt * (rng.uniform(1, 3) if timbre == 0 else 6 if timbre == 2 else 0.3))
        s_prev, s_k, d_k = np.zeros(m), s1, decay1
        note = np.zeros(m)
        for k in range(1, k_max + 1):
            note += s_k * d_k / k ** tilt * (1.0 if timbre != 2 or k in (1, 4) else 0.2)
            s_prev, s_k = s_k, c2 * s_k - s_prev
            if timbre != 1:
                d_k = d_k * decay1 ** 0.5  # upper partials fade faster
        attack = np.minimum(1, tt / (0.005 if timbre != 1 else 0.03))
        release = np.clip((length - tt) / 0.05, 0, 1)
        _add(out, int(t * sr), note * attack * release * rng.uniform(0.7, 1.0))
        t += dur
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(_PENTATONIC) - 1))
    return out


def _dog_bark(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    f0 = rng.uniform(160, 450)
    formants = np.array([rng.uniform(500, 900), rng.uniform(1200, 1800), rng.uniform(2500, 3200)])
    sos = _resonators(formants, np.array([150.0, 200.0, 300.0]), sr)
    spacing = rng.uniform(0.25, 0.45)
    t = _start(rng, n, sr)
    while t < n / sr:
        for _ in range(int(rng.integers(1, 5))):
            m = int(rng.uniform(0.1, 0.25) * sr)
            u = np.arange(m) / m
            pitch = f0 * rng.uniform(0.9, 1.1) * (1 + 0.4 * np.sin(np.pi * u))
            saw = 2 * ((np.cumsum(pitch) / sr) % 1.0) - 1
            src = saw + rng.uniform(0.6, 1.2) * rng.standard_normal(m)  # rough, noisy voice
            env = np.minimum(1, u * m / (0.01 * sr)) * np.exp(-u * rng.uniform(2, 4))
            _add(out, int(t * sr), _signal().sosfilt(sos, src) * env)
            t += spacing * rng.uniform(0.8, 1.2)
        t += rng.uniform(0.7, 1.8)
    return out


def _car_horn(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    f1 = rng.uniform(330, 480)
    two_tone = rng.random() < 0.7
    x = np.tanh(3 * np.sin(_phase(f1, n, sr)))
    if two_tone:
        x += np.tanh(3 * np.sin(_phase(f1 * rng.uniform(1.2, 1.3), n, sr)))
    x = _filt(x, "lowpass", 5000, sr)
    spans = []
    s = _start(rng, n, sr)
    while s < n / sr:
        for _ in range(int(rng.integers(1, 4))):
            d = rng.uniform(0.15, 0.6) if rng.random() < 0.7 else rng.uniform(1.0, 2.5)
            spans.append((s, s + d))
            s += d + rng.uniform(0.1, 0.4)
        s += rng.uniform(0.8, 2.0)
    return x * _gate(n, sr, spans, 0.01)


def _vacuum_cleaner(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    band = (rng.uniform(300, 800), rng.uniform(4000, 8000))
    noise = _filt(rng.standard_normal(n), "bandpass", band, sr)
    peak_f = rng.uniform(1000, 3000)
    noise += 2 * _signal().sosfilt(_resonators(np.array([peak_f]), np.array([peak_f / 4]), sr), noise)
    speed = 1 + 0.005 * _smooth(rng, n, sr, 1.0)
    spin_up = rng.random() < 0.3
    if spin_up:
        speed *= np.minimum(1.0, 0.3 + 0.7 * np.arange(n) / (rng.uniform(0.5, 1.0) * sr))
    ph = _phase(rng.uniform(300, 900) * speed, n, sr)
    whine = np.sin(ph) + 0.5 * np.sin(2 * ph)
    level_ = (1 + 0.15 * _smooth(rng, n, sr, 0.5)) * (speed if spin_up else 1.0)
    return level_ * (noise / (np.std(noise) + 1e-12) + rng.uniform(0.2, 0.5) * whine)


def _keyboard_typing(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    edges = (rng.uniform(1000, 2000), rng.uniform(5000, 8000))
    band = _filt(rng.standard_normal(n + sr), "bandpass", edges, sr)
    m = int(0.03 * sr)
    tt = np.arange(m) / sr
    thock_f = rng.uniform(300, 600)
    out = np.zeros(n)
    t = _start(rng, n, sr)
    interval = rng.uniform(0.08, 0.16)
    while t < n / sr:
        for _ in range(int(rng.integers(3, 9))):  # a word
            for release in (False, True):
                tau = rng.uniform(0.002, 0.005)
                i0 = int((t + (rng.uniform(0.04, 0.09) if release else 0)) * sr)
                if i0 >= n:
                    break
                g = band[i0:i0 + m] * np.exp(-tt / tau)
                g = g + 0.3 * np.sin(_TWO_PI * thock_f * tt) * np.exp(-tt / 0.01)
                _add(out, i0, g * (0.4 if release else rng.uniform(0.7, 1.0)))
            t += interval * rng.uniform(0.6, 1.5)
        t += rng.uniform(0.15, 0.4)  # the space bar, a short pause
        if rng.random() < 0.2:
            t += rng.uniform(0.5, 1.5)
    return out


# -- backgrounds ---------------------------------------------------------------------------


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spec / np.sqrt(f), n)


def _room_tone(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    hiss = _filt(_pink(n, rng), "lowpass", rng.uniform(1500, 4000), sr)
    hiss /= np.std(hiss) + 1e-12
    ph = _phase(float(rng.choice([50.0, 60.0])), n, sr)
    hum = np.sin(ph) + 0.5 * np.sin(2 * ph) + 0.3 * np.sin(3 * ph)
    return hiss + rng.uniform(0.1, 0.4) * hum


def _traffic(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(n)
    rumble = _filt(noise, "lowpass", rng.uniform(200, 400), sr, 4)
    rumble /= np.std(rumble) + 1e-12
    hiss = _filt(noise, "bandpass", (200, 1500), sr)
    hiss /= np.std(hiss) + 1e-12
    t = np.arange(n) / sr
    passing = np.zeros(n)
    for t0 in rng.uniform(-1, n / sr + 1, int(rng.integers(1, 4 + int(n / sr / 3)))):
        passing += np.exp(-0.5 * ((t - t0) / rng.uniform(0.8, 1.8)) ** 2)  # a car passes
    return rumble * (1 + 0.3 * passing) + 0.5 * hiss * passing


def _park(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    leaves = _filt(_pink(n, rng), "bandpass", (rng.uniform(300, 700), rng.uniform(5000, 9000)), sr)
    leaves /= np.std(leaves) + 1e-12
    return leaves * np.exp(0.3 * _smooth(rng, n, sr, 0.5))


_EVENTS: dict[str, Callable[[int, int, np.random.Generator], np.ndarray]] = {
    "church_bells": _church_bells, "siren": _siren, "engine": _engine, "rain": _rain,
    "wind": _wind, "chirping_birds": _chirping_birds, "clock_tick": _clock_tick,
    "footsteps": _footsteps, "door_knock": _door_knock, "phone_ringing": _phone_ringing,
    "water_drops": _water_drops, "alarm_beeps": _alarm_beeps, "crickets": _crickets,
    "thunder": _thunder, "people_talking": _people_talking, "melody": _melody,
    "dog_bark": _dog_bark, "car_horn": _car_horn, "vacuum_cleaner": _vacuum_cleaner,
    "keyboard_typing": _keyboard_typing,
}
_BACKGROUNDS: dict[str, Callable[[int, int, np.random.Generator], np.ndarray]] = {
    "room_tone": _room_tone, "traffic": _traffic, "park": _park,
}
assert tuple(_EVENTS) == CLASSES and tuple(_BACKGROUNDS) == BACKGROUNDS
