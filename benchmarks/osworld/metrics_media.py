"""Image, settings-file and URL metrics, registered in METRICS.

Written from the behaviour of OSWorld's `metrics/{gimp,vscode,chrome}.py`.
A None result (a missing file, no page) scores 0.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from benchmarks.osworld.metrics import metric

__all__ = ["ssim"]


def _window_means(x: np.ndarray, size: int) -> np.ndarray:
    """Mean over every size x size window that fits (a 'valid' box filter)."""
    c = np.pad(x, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    total = c[size:, size:] - c[:-size, size:] - c[size:, :-size] + c[:-size, :-size]
    return total / (size * size)


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 255.0, win: int = 7) -> float:
    """Mean structural similarity of two grey images, as scikit-image's default
    `structural_similarity` (7x7 uniform windows, sample covariance, K1=0.01,
    K2=0.03, the mean over windows that lie wholly inside the image)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    if min(a.shape) < win:
        raise ValueError(f"ssim: images smaller than the {win}x{win} window")
    n = win * win
    cov = n / (n - 1)
    ux, uy = _window_means(a, win), _window_means(b, win)
    vx = cov * (_window_means(a * a, win) - ux * ux)
    vy = cov * (_window_means(b * b, win) - uy * uy)
    vxy = cov * (_window_means(a * b, win) - ux * uy)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s.mean())


@metric
def compare_images(result: str | None, expected: str | None, **options: Any) -> float:
    """SSIM of the two images in greyscale (0 when their sizes differ).

    With `reference_base_result` b (the similarity of the untouched file): the
    result must beat b by 0.01, and scores (s - b) / (1 - b); otherwise 0.
    """
    if not result or not expected:
        return 0.0
    from PIL import Image
    try:
        img1 = Image.open(result)
        img1.load()
    except OSError:
        return 0.0
    img2 = Image.open(expected)
    if img1.size != img2.size:
        return 0.0
    s = ssim(np.asarray(img1.convert("L")), np.asarray(img2.convert("L")))
    base = options.get("reference_base_result")
    if base is None:
        return s
    return (s - base) / (1 - base) if s >= base + 0.01 else 0.0


@metric
def check_json_settings(result: str | None, expected: dict[str, Any], **options: Any) -> float:
    """A JSON settings file holds every key of `expected["expected"]` with that value."""
    if not result:
        return 0.0
    try:
        with open(result, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return 0.0
    if not isinstance(data, dict):
        return 0.0
    want = expected["expected"]
    return float(all(k in data and data[k] == v for k, v in want.items()))


@metric
def is_expected_url_pattern_match(result: Any, rules: dict[str, Any]) -> float:
    """Every regex in `rules["expected"]` is found in the URL (a string, or a dict's "url")."""
    if not result:
        return 0.0
    url = result["url"] if isinstance(result, dict) else result
    return float(all(re.search(p, url) for p in rules["expected"]))
