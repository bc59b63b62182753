"""Image comparison: SSIM, the perceptual hash, and the compare_images metric.

Written from the behaviour of OSWorld's `metrics/gimp.py` (compare_images) and
the libraries it and `metrics/vlc.py` use, written out with numpy: `ssim` is
scikit-image's default `structural_similarity`; `phash` is imagehash's pHash
(greyscale, Lanczos to 32x32, a 2-D DCT-II in scipy's unnormalised form, the
top-left 8x8 block compared to its median; two images differ by the number of
unequal bits). The GIMP, PDF and video metrics use them too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

__all__ = ["compare_images", "phash", "ssim"]


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


_N = 32
# scipy.fftpack.dct type II: y[k] = 2 * sum_n x[n] cos(pi k (2n + 1) / (2N)).
_DCT = 2 * np.cos(np.pi * np.arange(_N)[:, None] * (2 * np.arange(_N)[None, :] + 1) / (2 * _N))


def phash(image: Image.Image, hash_size: int = 8) -> np.ndarray:
    """imagehash.phash's bits (hash_size x hash_size booleans)."""
    pixels = np.asarray(image.convert("L").resize((_N, _N), Image.Resampling.LANCZOS), dtype=np.float64)
    dct = _DCT @ pixels @ _DCT.T  # along axis 0, then axis 1
    low = dct[:hash_size, :hash_size]
    return low > np.median(low)


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
