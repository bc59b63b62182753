"""Archive metrics: two zip files alike member by member, or two archives unpacked
and their files compared with the metric for their kind.

Written from the behaviour of OSWorld's `metrics/general.py` (compare_zip_files)
and `chrome.py` (compare_archive).
"""

from __future__ import annotations

import difflib
import os
import shutil
import zipfile
from collections.abc import Callable
from typing import Any

from benchmarks.osworld.metrics.audio import compare_audios
from benchmarks.osworld.metrics.calc import compare_csv, compare_table
from benchmarks.osworld.metrics.image import compare_images
from benchmarks.osworld.metrics.impress import compare_pptx_files
from benchmarks.osworld.metrics.pdf import compare_pdfs, pdf_text
from benchmarks.osworld.metrics.text import compare_text_file
from benchmarks.osworld.metrics.video import compare_videos
from benchmarks.osworld.metrics.writer import compare_docx_files

__all__ = ["compare_archive", "compare_zip_files"]


def compare_zip_files(actual: str | None, expected: str | None, **options: Any) -> float:
    """Both archives hold the same names; PDFs whose texts are at least 95% alike
    (difflib ratio), every other member with the same bytes."""
    if not actual:
        return 0.0
    if not expected:
        raise FileNotFoundError("compare_zip_files: the expected archive is missing")
    with zipfile.ZipFile(actual) as a, zipfile.ZipFile(expected) as e:
        names = set(a.namelist())
        if names != set(e.namelist()):
            return 0.0
        for name in names:
            got, want = a.read(name), e.read(name)
            if name.lower().endswith(".pdf"):
                # difflib with its default junk heuristic, as this metric always had (not
                # `general.similarity`, which turns it off): long texts can score differently.
                if difflib.SequenceMatcher(None, pdf_text(got), pdf_text(want)).ratio() < 0.95:
                    return 0.0
            elif got != want:
                return 0.0
    return 1.0


_ARCHIVE_COMPARERS: dict[str, Callable[..., float]] = {
    "text": compare_text_file,
    "pdf": compare_pdfs,
    "docx": compare_docx_files,
    "ppt": compare_pptx_files,
    "image": compare_images,
    "csv": compare_csv,
    "table": compare_table,
    "audio": compare_audios,
    "video": compare_videos,
}


def _unpack(archive: str, folder: str) -> None:
    # Archives come from the desktop: tar members are held inside `folder` by the
    # "data" filter; shutil's zip unpacking already skips absolute and ".." names.
    if archive.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        shutil.unpack_archive(archive, folder, filter="data")
    else:
        shutil.unpack_archive(archive, folder)


def compare_archive(pred_path: str | None, gold_path: str | None, **options: Any) -> float:
    """Unpack both archives; the file names under `file_path` must be equal, and
    the score is the mean of the `file_type` metric over the file pairs."""
    if not pred_path:
        return 0.0
    if not gold_path:
        raise FileNotFoundError("compare_archive: the expected archive is missing")
    options = dict(options)
    file_path = options.pop("file_path", "")
    file_type = options.pop("file_type", "text")
    if file_type not in _ARCHIVE_COMPARERS:
        raise ValueError(f"compare_archive: unsupported file type {file_type!r}")
    compare = _ARCHIVE_COMPARERS[file_type]
    pred_folder = os.path.splitext(pred_path)[0] + "_pred"
    gold_folder = os.path.splitext(gold_path)[0] + "_gold"
    shutil.rmtree(pred_folder, ignore_errors=True)  # a fresh prediction every time
    os.makedirs(pred_folder)
    _unpack(pred_path, pred_folder)
    if not os.path.exists(gold_folder):  # the gold one is kept as a cache, as upstream
        os.makedirs(gold_folder)
        _unpack(gold_path, gold_folder)
    pred_files = sorted(os.listdir(os.path.join(pred_folder, file_path)))
    gold_files = sorted(os.listdir(os.path.join(gold_folder, file_path)))
    if pred_files != gold_files:
        return 0.0
    if not pred_files:
        return 0.0  # upstream divides by zero here: an error, scored 0
    score = sum(
        compare(os.path.join(pred_folder, file_path, p), os.path.join(gold_folder, file_path, g), **options)
        for p, g in zip(pred_files, gold_files)
    )
    return score / len(pred_files)
