"""compare_pdf_images on PDFs Pillow writes around pictures."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics_pdf import pdf_images


def _picture(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (120, 90), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = (int(v) for v in rng.integers(0, 100, 2))
        draw.rectangle([x, y, x + 30, y + 20], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return img


def _pdf(path, *images: Image.Image) -> str:
    if images:
        images[0].save(path, save_all=True, append_images=list(images[1:]))
    else:
        Image.new("RGB", (10, 10), (255, 255, 255)).save(path)  # a page that is itself an image
    return str(path)


def test_compare_pdf_images(tmp_path):
    gold = _pdf(tmp_path / "gold.pdf", _picture(1), _picture(2))
    f = METRICS["compare_pdf_images"]
    assert len(pdf_images(gold)) == 2
    assert f(_pdf(tmp_path / "same.pdf", _picture(1), _picture(2)), gold) == 1.0
    assert f(_pdf(tmp_path / "half.pdf", _picture(1), _picture(3).transpose(Image.Transpose.ROTATE_180)), gold) == 0.5
    assert f(_pdf(tmp_path / "one.pdf", _picture(1)), gold) == 0.0  # another count
    assert f(None, gold) == 0.0
    assert f(str(tmp_path / "missing.pdf"), gold) == 0.0
