"""Image, settings and URL metrics: a right and a wrong answer each, a missing file 0."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics_media import ssim


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


def test_check_json_settings(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"editor.fontSize": 14, "files.autoSave": "afterDelay"}))
    f = METRICS["check_json_settings"]
    assert f(str(path), {"expected": {"editor.fontSize": 14}}) == 1.0
    assert f(str(path), {"expected": {"editor.fontSize": 12}}) == 0.0
    assert f(str(path), {"expected": {"workbench.colorTheme": "Dark"}}) == 0.0
    assert f(None, {"expected": {}}) == 0.0
    assert f(str(tmp_path / "absent.json"), {"expected": {}}) == 0.0


def test_is_expected_url_pattern_match():
    rules = {"expected": [r"^https://www\.example\.com/", r"q=shoes"]}
    f = METRICS["is_expected_url_pattern_match"]
    assert f("https://www.example.com/search?q=shoes", rules) == 1.0
    assert f({"url": "https://www.example.com/search?q=shoes", "title": "x"}, rules) == 1.0
    assert f("https://www.example.com/search?q=hats", rules) == 0.0
    assert f(None, rules) == 0.0
