"""PDF metrics on PDFs the tests write: text similarity, page count, embedded pictures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.pdf import pdf_images


def _text_pdf(path, text):
    """A one-page PDF with `text` in Helvetica, written by hand (no PDF library writes text)."""
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return str(path)


def test_compare_pdfs(tmp_path):
    gold = _text_pdf(tmp_path / "gold.pdf", "Invoice 2024 total 300")
    right = _text_pdf(tmp_path / "right.pdf", "Invoice 2024 total 300")
    wrong = _text_pdf(tmp_path / "wrong.pdf", "Receipt 1999 sum 7")
    f = METRICS["compare_pdfs"]
    assert f(right, gold) == 1.0
    assert f(wrong, gold) < 0.6
    assert f([right, wrong], [gold, gold]) == pytest.approx((1.0 + f(wrong, gold)) / 2)
    assert f(None, gold) == 0.0
    assert f(str(tmp_path / "absent.pdf"), gold) == 0.0


def test_check_pdf_pages(tmp_path):
    from pypdf import PdfWriter

    def pdf(name: str, pages: int) -> str:
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(width=595, height=842)
        with open(tmp_path / name, "wb") as f:
            writer.write(f)
        return str(tmp_path / name)

    f = METRICS["check_pdf_pages"]
    assert f(pdf("one.pdf", 1), {"relation": "eq", "ref_value": 1}) == 1.0
    assert f(pdf("three.pdf", 3), {"relation": "eq", "ref_value": 1}) == 0.0
    assert f(pdf("two.pdf", 2), {"relation": "le", "ref_value": 2}) == 1.0
    assert f(None, {"relation": "eq", "ref_value": 1}) == 0.0


def _picture(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (120, 90), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = (int(v) for v in rng.integers(0, 100, 2))
        draw.rectangle([x, y, x + 30, y + 20], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return img


def _picture_pdf(path, *images: Image.Image) -> str:
    if images:
        images[0].save(path, save_all=True, append_images=list(images[1:]))
    else:
        Image.new("RGB", (10, 10), (255, 255, 255)).save(path)  # a page that is itself an image
    return str(path)


def test_compare_pdf_images(tmp_path):
    gold = _picture_pdf(tmp_path / "gold.pdf", _picture(1), _picture(2))
    f = METRICS["compare_pdf_images"]
    assert len(pdf_images(gold)) == 2
    assert f(_picture_pdf(tmp_path / "same.pdf", _picture(1), _picture(2)), gold) == 1.0
    assert (
        f(
            _picture_pdf(
                tmp_path / "half.pdf", _picture(1), _picture(3).transpose(Image.Transpose.ROTATE_180)
            ),
            gold,
        )
        == 0.5
    )
    assert f(_picture_pdf(tmp_path / "one.pdf", _picture(1)), gold) == 0.0  # another count
    assert f(None, gold) == 0.0
    assert f(str(tmp_path / "missing.pdf"), gold) == 0.0
