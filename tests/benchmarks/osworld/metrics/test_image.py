"""SSIM, the perceptual hash and compare_images on images the tests draw."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.image import phash, ssim


def _png(path, array):
    Image.fromarray(array.astype(np.uint8)).save(path)
    return str(path)


def test_ssim_known_values():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (32, 32)).astype(np.uint8)
    assert ssim(a, a) == pytest.approx(1.0)
    assert ssim(a, 255 - a) < 0


def test_compare_images(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (40, 50, 3))
    gold = _png(tmp_path / "gold.png", base)
    same = _png(tmp_path / "same.png", base)
    noisy = _png(tmp_path / "noisy.png", np.clip(base + rng.integers(-150, 150, base.shape), 0, 255))
    small = _png(tmp_path / "small.png", base[:20])
    f = METRICS["compare_images"]
    assert f(same, gold) == pytest.approx(1.0)
    assert f(noisy, gold) < 0.9
    assert f(small, gold) == 0.0
    assert f(same, gold, reference_base_result=0.5) == pytest.approx(1.0)
    assert f(noisy, gold, reference_base_result=0.99) == 0.0
    assert f(None, gold) == 0.0
    assert f(str(tmp_path / "absent.png"), gold) == 0.0


def test_phash_properties():
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    assert phash(img).shape == (8, 8)
    assert np.count_nonzero(phash(img) != phash(img.resize((128, 128)))) <= 5  # robust to scaling
    assert np.count_nonzero(phash(img) != phash(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT))) > 5
