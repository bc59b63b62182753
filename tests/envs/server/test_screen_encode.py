"""envs/server/screen.py's encoders on a known frame (no X server: the grab is replaced)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from envs.actions import ImageSpec
from envs.server import screen


@pytest.fixture
def frame(monkeypatch) -> np.ndarray:
    """A 64x48 frame of red, green and blue bands, as the X server hands it over (BGRA)."""
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:16, :, 0] = 230
    rgb[16:32, :, 1] = 200
    rgb[32:, :, 2] = 170
    bgra = np.concatenate([rgb[..., ::-1], np.full((48, 64, 1), 255, np.uint8)], axis=-1).tobytes()
    shot = SimpleNamespace(size=(64, 48), bgra=bgra, raw=bytearray(bgra))
    monkeypatch.setattr(screen, "_grab", lambda cursor, view=None: shot)
    return rgb


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_lossy_screenshots_keep_the_colours_and_match_the_array_path(frame, fmt):
    # The fast path reads BGRX straight into Pillow; it must not swap red and blue, and it
    # gives the bytes encoding the captured RGB array gives.
    data = screen.screenshot(ImageSpec(format=fmt, quality=90))
    back = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    assert np.abs(back - frame.astype(int)).mean() < 4
    assert back[8, 32].argmax() == 0 and back[24, 32].argmax() == 1 and back[40, 32].argmax() == 2
    assert data == screen.encode(screen.capture(), ImageSpec(format=fmt, quality=90))


def test_png_stays_lossless(frame):
    back = np.asarray(Image.open(io.BytesIO(screen.screenshot())))
    assert np.array_equal(back, frame)
