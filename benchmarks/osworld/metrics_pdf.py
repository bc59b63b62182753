"""compare_pdf_images: the pictures embedded in two PDFs look the same.

Written from the behaviour of OSWorld's `metrics/chrome.py` (commit 87df18ff),
which lists each page's images with PyMuPDF and compares imagehash pHashes; here
pypdf lists them and `metrics_video.phash` hashes them.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
from PIL import Image

from benchmarks.osworld.metrics import metric
from benchmarks.osworld.metrics_video import phash

log = logging.getLogger(__name__)


def pdf_images(path: str) -> list[Image.Image]:
    """The images of every page, page by page (an unreadable image is skipped, as upstream)."""
    from pypdf import PdfReader
    out = []
    for number, page in enumerate(PdfReader(path).pages):
        for image in page.images:
            try:
                out.append(image.image)
            except Exception as exc:  # noqa: BLE001 - upstream logs a bad image and goes on
                log.error("%s: an image on page %d cannot be read: %s", path, number, exc)
    return out


@metric
def compare_pdf_images(pdf1_path: str | None, pdf2_path: str | None, **kwargs: Any) -> float:
    """The share of image pairs whose pHashes differ by at most 5 bits; different
    counts score 0, two PDFs without images 1."""
    if not pdf1_path or not pdf2_path or not (os.path.exists(pdf1_path) and os.path.exists(pdf2_path)):
        return 0.0
    try:
        images1, images2 = pdf_images(pdf1_path), pdf_images(pdf2_path)
    except Exception as exc:  # noqa: BLE001 - upstream: a PDF that cannot be read scores 0
        log.error("compare_pdf_images: %s", exc)
        return 0.0
    if len(images1) != len(images2):
        return 0.0
    if not images1:
        return 1.0
    close = sum(int(np.count_nonzero(phash(a) != phash(b))) <= 5 for a, b in zip(images1, images2))
    return close / len(images1)
