"""PDF metrics: text similarity, page count, embedded pictures; and `pdf_text`, the
one PDF text reader the other metrics use.

Written from the behaviour of OSWorld's `metrics/pdf.py`, `general.py` and
`chrome.py` (as of commit 87df18ff). Upstream reads PDFs with pdfplumber, fitz
(PyMuPDF) and imagehash; here pypdf reads them and `image.phash` hashes the
pictures. pypdf is imported on first use.
"""

from __future__ import annotations

import logging
import os
from io import BytesIO
from typing import Any

import numpy as np
from PIL import Image

from benchmarks.osworld.metrics.general import similarity
from benchmarks.osworld.metrics.image import phash

__all__ = ["check_pdf_pages", "compare_pdf_images", "compare_pdfs", "pdf_images", "pdf_text"]

log = logging.getLogger(__name__)


def pdf_text(source: str | bytes) -> str:
    """The text of every page, joined: `source` is a path or the file's bytes."""
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(source) if isinstance(source, bytes) else source)
    return "".join(page.extract_text() or "" for page in reader.pages)


def compare_pdfs(result: str | list[str] | None, expected: str | list[str] | None) -> float:
    """Text similarity of two PDFs (or the mean over paired lists); a pair that
    cannot be read adds 0. Upstream extracts with pdfplumber/fitz and scores with
    rapidfuzz; pypdf and difflib here, so the numbers can differ slightly."""
    if result is None or expected is None:
        return 0.0
    results = result if isinstance(result, list) else [result]
    expecteds = expected if isinstance(expected, list) else [expected]
    if not expecteds:
        return 0.0
    score = 0.0
    for r, e in zip(results, expecteds):
        try:
            score += similarity(pdf_text(r), pdf_text(e))
        except Exception as exc:  # noqa: BLE001 - upstream logs and adds nothing
            log.info("compare_pdfs: cannot read %s or %s: %s", r, e, exc)
    return score / len(expecteds)


def check_pdf_pages(pdf_file: str | None, rules: dict[str, Any]) -> float:
    """The page count compares to `ref_value` by `relation` (an operator name: eq, lt, ...)."""
    if pdf_file is None:
        return 0.0
    import operator

    from pypdf import PdfReader

    pages = len(PdfReader(pdf_file).pages)
    return float(getattr(operator, rules["relation"])(pages, rules["ref_value"]))


def pdf_images(path: str) -> list[Image.Image]:
    """The images of every page, page by page (an unreadable image is skipped, as upstream)."""
    from pypdf import PdfReader

    out = []
    for number, page in enumerate(PdfReader(path).pages):
        for image in page.images:
            try:
                picture = image.image
            except Exception as exc:  # noqa: BLE001 - upstream logs a bad image and goes on
                log.error("%s: an image on page %d cannot be read: %s", path, number, exc)
                continue
            if picture is not None:
                out.append(picture)
    return out


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
