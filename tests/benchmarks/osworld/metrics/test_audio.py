"""compare_audios and its parts (mel filterbank, MFCC DCT, FastDTW) on sounds ffmpeg renders."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.audio import (
    _dtw,
    cosine,
    fastdtw,
    load,
    mel_filterbank,
    mfcc,
)

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None and not os.environ.get("CI"),
    reason="needs ffmpeg (scripts/install-debian-packages)",
)


def test_mel_filterbank_is_slaney_normalised():
    fb = mel_filterbank()
    assert fb.shape == (128, 1025) and (fb >= 0).all()
    peaks = fb.argmax(axis=1)
    assert (np.diff(peaks[20:]) > 0).all()  # centres rise with the band index
    bin_hz = 22050 / 2048
    areas = fb.sum(axis=1) * bin_hz
    assert np.allclose(areas[40:], 1.0, atol=0.05)  # each triangle has unit area in Hz


def test_fastdtw_matches_dtw_on_small_inputs():
    rng = np.random.default_rng(0)
    x = [rng.normal(size=3) for _ in range(40)]
    y = [rng.normal(size=3) for _ in range(30)]
    exact, _ = _dtw(x, y, None, cosine)
    approx, path = fastdtw(x, y, cosine)
    assert approx >= exact - 1e-9 and path[0] == (0, 0) and path[-1] == (39, 29)
    assert fastdtw(x, x, cosine)[0] == pytest.approx(0.0, abs=1e-9)


def _sound(path, source: str, seconds: float = 3) -> str:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", str(seconds), str(path)],
        check=True,
        timeout=120,
    )
    return str(path)


@needs_ffmpeg
def test_mfcc_shape_and_compare_audios(tmp_path):
    tone = _sound(tmp_path / "tone.wav", "sine=frequency=440:sample_rate=44100")
    y = load(tone)
    assert len(y) == pytest.approx(3 * 22050, abs=100)
    assert mfcc(y).shape == (20, 1 + len(y) // 512)
    f = METRICS["compare_audios"]
    copy = tmp_path / "copy.wav"
    shutil.copy(tone, copy)
    assert f(str(copy), tone) == pytest.approx(1.0)
    other = _sound(tmp_path / "noise.wav", "anoisesrc=color=pink:sample_rate=44100")
    assert f(other, tone) < 0.1
    assert f(None, tone) == 0.0
