"""Archive metrics on zip and tar files the tests build: a right and a wrong answer each."""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from benchmarks.osworld.metrics import METRICS


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_compare_archive_zip_and_tar(tmp_path):
    gold_src = _tree(tmp_path / "gold_src", {"slides/a.txt": "one\n", "slides/b.txt": "two\n"})
    good_src = _tree(tmp_path / "good_src", {"slides/a.txt": "one\n", "slides/b.txt": "two\n"})
    half_src = _tree(tmp_path / "half_src", {"slides/a.txt": "one\n", "slides/b.txt": "TWO\n"})
    (tmp_path / "out").mkdir()
    gold = shutil.make_archive(str(tmp_path / "out" / "gold"), "zip", gold_src)
    good = shutil.make_archive(str(tmp_path / "out" / "good"), "zip", good_src)
    half = shutil.make_archive(str(tmp_path / "out" / "half"), "gztar", half_src)
    f = METRICS["compare_archive"]
    assert f(good, gold, file_path="slides", file_type="text") == 1.0
    assert f(half, gold, file_path="slides", file_type="text") == 0.5  # one file of two differs
    missing = shutil.make_archive(
        str(tmp_path / "out" / "missing"), "zip", _tree(tmp_path / "m", {"slides/a.txt": "one\n"})
    )
    assert f(missing, gold, file_path="slides") == 0.0
    assert f(None, gold) == 0.0


def test_compare_archive_keeps_tar_members_inside(tmp_path):
    evil = tmp_path / "evil.tar"
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w") as tar:
        tar.add(payload, arcname="../escaped.txt")
    gold = shutil.make_archive(str(tmp_path / "gold"), "zip", _tree(tmp_path / "g", {"a.txt": "x"}))
    with pytest.raises(tarfile.TarError):
        METRICS["compare_archive"](str(evil), gold)
    assert not (tmp_path / "escaped.txt").exists()


def test_compare_zip_files(tmp_path):
    def make(name: str, files: dict[str, bytes]) -> str:
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for member, data in files.items():
                z.writestr(member, data)
        return str(tmp_path / name)

    gold = make("gold.zip", {"essay.docx": b"doc", "essay.txt": b"pdf"})
    f = METRICS["compare_zip_files"]
    assert f(make("same.zip", {"essay.txt": b"pdf", "essay.docx": b"doc"}), gold) == 1.0
    assert f(make("other.zip", {"essay.docx": b"doc", "essay.txt": b"PDF"}), gold) == 0.0
    assert f(make("less.zip", {"essay.docx": b"doc"}), gold) == 0.0
    assert f(None, gold) == 0.0


def test_compare_zip_files_reads_pdfs_by_text(tmp_path):
    from io import BytesIO

    from pypdf import PdfWriter

    def pdf(title: str) -> bytes:  # same (empty) text, different bytes
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
        writer.add_metadata({"/Title": title})
        out = BytesIO()
        writer.write(out)
        return out.getvalue()

    def make(name: str, files: dict[str, bytes]) -> str:
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for member, data in files.items():
                z.writestr(member, data)
        return str(tmp_path / name)

    gold = make("gold.zip", {"a.pdf": pdf("gold"), "notes.txt": b"x"})
    f = METRICS["compare_zip_files"]
    assert f(make("same_text.zip", {"a.pdf": pdf("exported again"), "notes.txt": b"x"}), gold) == 1.0
    assert f(make("other_txt.zip", {"a.pdf": pdf("gold"), "notes.txt": b"y"}), gold) == 0.0
