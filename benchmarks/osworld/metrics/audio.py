"""compare_audios: MFCC sequences aligned by FastDTW, scored 1 / (1 + distance).

Written from the behaviour of OSWorld's `metrics/vlc.py`, which uses librosa
(load at 22050 Hz mono, `feature.mfcc` with its defaults, `util.normalize` per
coefficient) and the `fastdtw` package with a cosine distance. Those steps are
written out here with numpy from librosa's documented defaults: a centred,
zero-padded 2048-point periodic-Hann STFT with hop 512, a 128-band Slaney mel
filterbank, power in dB (top 80 dB), an orthonormal DCT-II, 20 coefficients;
and FastDTW (Salvador & Chan) with radius 1. Decoding and resampling go
through ffmpeg instead of soundfile/soxr, so scores of different files can
differ slightly from upstream's; identical audio scores 1 in both.
"""

from __future__ import annotations

import math
import subprocess
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

SR, N_FFT, HOP, N_MELS, N_MFCC = 22050, 2048, 512, 128, 20


def load(path: str, sr: int = SR) -> np.ndarray:
    """Mono float32 samples at `sr`, decoded by ffmpeg."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"],
        capture_output=True,
        timeout=600,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype=np.float32)


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log = f >= 1000.0
    return np.where(log, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (math.log(6.4) / 27.0), mel)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((math.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))


def mel_filterbank(sr: int = SR, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """librosa.filters.mel(htk=False, norm="slaney"): (n_mels, 1 + n_fft // 2)."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    low, high = _hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(sr / 2))
    mel_f = _mel_to_hz(np.linspace(low, high, n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]


def mfcc(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """librosa.feature.mfcc(y=y, sr=sr) with its defaults: (20, frames)."""
    padded = np.pad(y.astype(np.float64), N_FFT // 2)  # center=True, pad_mode="constant"
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    if n_frames < 1:
        raise ValueError("compare_audios: the audio is shorter than one analysis frame")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    power = np.abs(np.fft.rfft(padded[index] * window, axis=1)).T ** 2
    db = 10.0 * np.log10(np.maximum(1e-10, mel_filterbank(sr) @ power))
    db = np.maximum(db, db.max() - 80.0)
    n = db.shape[0]
    k = np.arange(N_MFCC)[:, None]
    basis = np.cos(np.pi * k * (2 * np.arange(n)[None, :] + 1) / (2 * n)) * 2
    basis *= np.where(k == 0, math.sqrt(1 / (4 * n)), math.sqrt(1 / (2 * n)))  # norm="ortho"
    return basis @ db


def normalize_rows(m: np.ndarray) -> np.ndarray:
    """librosa.util.normalize(m, axis=1): each row over its largest magnitude."""
    scale = np.abs(m).max(axis=1, keepdims=True)
    tiny = np.finfo(np.float32).tiny
    return np.where(scale < tiny, m, m / np.where(scale < tiny, 1, scale))


def cosine(u: np.ndarray, v: np.ndarray) -> float:
    return 1.0 - float(np.dot(u, v)) / (math.sqrt(float(np.dot(u, u))) * math.sqrt(float(np.dot(v, v))))


Dist = Callable[[np.ndarray, np.ndarray], float]


def _dtw(
    x: Sequence[np.ndarray], y: Sequence[np.ndarray], window: list[tuple[int, int]] | None, dist: Dist
) -> tuple[float, list[tuple[int, int]]]:
    if window is None:
        window = [(i, j) for i in range(len(x)) for j in range(len(y))]
    d: defaultdict[tuple[int, int], tuple[float, int, int]] = defaultdict(lambda: (math.inf, 0, 0))
    d[0, 0] = (0.0, 0, 0)
    for i, j in ((i + 1, j + 1) for i, j in window):
        cost = dist(x[i - 1], y[j - 1])
        d[i, j] = min(
            (d[i - 1, j][0] + cost, i - 1, j),
            (d[i, j - 1][0] + cost, i, j - 1),
            (d[i - 1, j - 1][0] + cost, i - 1, j - 1),
            key=lambda a: a[0],
        )
    path, i, j = [], len(x), len(y)
    while not i == j == 0:
        path.append((i - 1, j - 1))
        i, j = d[i, j][1], d[i, j][2]
    path.reverse()
    return d[len(x), len(y)][0], path


def _expand_window(path: list[tuple[int, int]], len_x: int, len_y: int, radius: int) -> list[tuple[int, int]]:
    near = {
        (i + a, j + b)
        for i, j in path
        for a in range(-radius, radius + 1)
        for b in range(-radius, radius + 1)
    }
    cells = {(2 * i + a, 2 * j + b) for i, j in near for a in (0, 1) for b in (0, 1)}
    window, start_j = [], 0
    for i in range(len_x):
        new_start = None
        for j in range(start_j, len_y):
            if (i, j) in cells:
                window.append((i, j))
                if new_start is None:
                    new_start = j
            elif new_start is not None:
                break
        start_j = new_start  # type: ignore[assignment]  # upstream's FastDTW keeps the last start when none is new
    return window


def fastdtw(
    x: Sequence[np.ndarray], y: Sequence[np.ndarray], dist: Dist, radius: int = 1
) -> tuple[float, list[tuple[int, int]]]:
    """FastDTW as the `fastdtw` package computes it: coarsen by halves, align, refine."""
    if len(x) < radius + 2 or len(y) < radius + 2:
        return _dtw(x, y, None, dist)
    half_x = [(x[i] + x[i + 1]) / 2 for i in range(0, len(x) - len(x) % 2, 2)]
    half_y = [(y[i] + y[i + 1]) / 2 for i in range(0, len(y) - len(y) % 2, 2)]
    _, path = fastdtw(half_x, half_y, dist, radius)
    return _dtw(x, y, _expand_window(path, len(x), len(y), radius), dist)


def compare_audios(audio_path_1: str | None, audio_path_2: str | None) -> float:
    """1 / (1 + the FastDTW cosine distance of the two normalised MFCC sequences)."""
    if not audio_path_1 or not audio_path_2:
        return 0.0
    a = normalize_rows(mfcc(load(audio_path_1)))
    b = normalize_rows(mfcc(load(audio_path_2)))
    distance, _ = fastdtw(list(a.T), list(b.T), cosine)
    return 1.0 / (1.0 + distance)
