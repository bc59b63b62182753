"""Grounding by reading the screen: OCR word boxes, then the word run that says the target.

`OcrGrounder` runs tesseract (the `tesseract` CLI, TSV output) on the screenshot,
scaled up first (small UI text is read badly at 1x), turned
to grey, with tesseract's tiled (adaptive) thresholding so that text on grey bars
and coloured buttons is read too. Word boxes are scaled back to screen pixels and
grouped into lines; a line is cut where two words stand far apart (two buttons on
one row are two phrases).

The target phrase is the quoted text of the description when there is any
(`the "Submit order" button`), else the description without its role words and
context ("the Cancel button in the dialog" -> "cancel"). Every run of consecutive
words on a line is scored against it (`text_match.similarity`: fuzzy per word,
then per character, so OCR slips still match); the best run's box centre is the
answer, with confidence = similarity x (0.85 + 0.15 x tesseract's word confidence).
A run that is the whole phrase on its line (a button label) beats the same words
inside a sentence. Below `min_confidence` the answer is None.

OCR results are cached per screenshot (content hash), so a cascade asking several
questions about one screen reads it once.

`backend="rapidocr"` uses rapidocr-onnxruntime (optional, imported on first use;
line boxes, split into words in proportion to their characters).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from PIL import Image

from grounding.base import GroundingResult
from grounding.description import parse_description
from grounding.text_match import normalize, similarity, token_credit

__all__ = [
    "OcrGrounder",
    "OcrWord",
    "OcrMatch",
    "OcrUnavailable",
    "OcrError",
    "group_lines",
    "match_phrase",
    "ocr_target",
]

Backend = Literal["tesseract", "rapidocr"]
_RECALL_WEIGHT = 0.75  # runs are cut by us: precision is cheap, so recall leads
_GAP_FACTOR = 1.6  # words farther apart than this x line height are separate phrases
_CACHE_SIZE = 16


class OcrUnavailable(RuntimeError):
    """The selected OCR backend is not installed."""


class OcrError(RuntimeError):
    """The OCR backend ran and failed."""


@dataclass(frozen=True)
class OcrWord:
    """One word: its text, box (x, y, w, h) in screenshot pixels, confidence in [0, 1]."""

    text: str
    box: tuple[int, int, int, int]
    conf: float
    norm: str = ""

    @property
    def cy(self) -> float:
        return self.box[1] + self.box[3] / 2


@dataclass(frozen=True)
class OcrMatch:
    text: str  # the words as read
    box: tuple[int, int, int, int]  # screen pixels
    confidence: float
    similarity: float
    isolated: bool  # the run is the whole phrase on its line

    @property
    def point(self) -> tuple[int, int]:
        x, y, w, h = self.box
        return x + w // 2, y + h // 2

    def describe(self, **extra: Any) -> str:
        return json.dumps(
            {"text": self.text, "box": self.box, "confidence": round(self.confidence, 3), **extra},
            ensure_ascii=False,
        )


# ---------------------------------------------------------------------------- reading

_cache: OrderedDict[tuple[Any, ...], list[OcrWord]] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[tuple[Any, ...], threading.Lock] = {}
_sizes: dict[str, tuple[int, int]] = {}  # screenshot digest -> its size
_rapid_engine: Any = None
_rapid_lock = threading.Lock()


def _tesseract_words(image: Image.Image, lang: str, psm: int, timeout: float) -> list[OcrWord]:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=1)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # 4-6x faster on small machines (measured)
    cmd = [
        "tesseract",
        "stdin",
        "stdout",
        "-l",
        lang,
        "--psm",
        str(psm),
        "--dpi",
        "300",
        "-c",
        "thresholding_method=1",
        "tsv",
    ]
    try:
        proc = subprocess.run(
            cmd, input=buf.getvalue(), capture_output=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract took more than {timeout:g} s") from exc
    if proc.returncode != 0:
        raise OcrError(
            f"tesseract failed ({proc.returncode}): {proc.stderr.decode('utf-8', 'replace').strip()[-500:]}"
        )
    words: list[OcrWord] = []
    for row in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        norm = normalize(text)
        if not norm:
            continue
        try:
            left, top, width, height = (int(c) for c in cols[6:10])
            conf = max(0.0, float(cols[10])) / 100.0
        except ValueError:
            continue
        words.append(OcrWord(text, (left, top, width, height), min(conf, 1.0), norm))
    return words


def _rapidocr_engine() -> Any:
    global _rapid_engine
    with _rapid_lock:
        if _rapid_engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR  # optional dependency
            except ImportError as exc:
                raise OcrUnavailable(
                    "OCR backend 'rapidocr' needs the optional package rapidocr-onnxruntime "
                    "(pip install rapidocr-onnxruntime); or use backend='tesseract'"
                ) from exc
            _rapid_engine = RapidOCR()
        return _rapid_engine


def _rapidocr_words(image: Image.Image) -> list[OcrWord]:
    import numpy as np

    result, _ = _rapidocr_engine()(np.asarray(image.convert("RGB")))
    words: list[OcrWord] = []
    for points, text, score in result or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        # One box per line: give each word a share of the width by its characters.
        total = max(1, len(text))
        pos = 0
        for part in text.split(" "):
            if part and normalize(part):
                wx0 = x0 + (x1 - x0) * pos / total
                wx1 = x0 + (x1 - x0) * (pos + len(part)) / total
                words.append(
                    OcrWord(
                        part,
                        (int(wx0), int(y0), max(1, int(wx1 - wx0)), max(1, int(y1 - y0))),
                        float(score),
                        normalize(part),
                    )
                )
            pos += len(part) + 1
    return words


def group_lines(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Words grouped into phrases: same text line (vertical overlap), left to right, cut
    where the gap to the next word exceeds `_GAP_FACTOR` x the line height."""
    lines: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.box[0])):
        for line in reversed(lines[-8:]):  # recent lines only: reading order is top-down
            ly0 = min(x.box[1] for x in line)
            ly1 = max(x.box[1] + x.box[3] for x in line)
            overlap = min(ly1, w.box[1] + w.box[3]) - max(ly0, w.box[1])
            if overlap >= 0.5 * min(ly1 - ly0, w.box[3]):
                line.append(w)
                break
        else:
            lines.append([w])
    phrases: list[list[OcrWord]] = []
    for line in lines:
        line.sort(key=lambda w: w.box[0])
        height = sorted(w.box[3] for w in line)[len(line) // 2]
        current = [line[0]]
        for prev, w in pairwise(line):
            if w.box[0] - (prev.box[0] + prev.box[2]) > _GAP_FACTOR * height:
                phrases.append(current)
                current = []
            current.append(w)
        phrases.append(current)
    phrases.sort(key=lambda p: (min(w.box[1] for w in p), p[0].box[0]))
    return phrases


def ocr_target(description: str) -> list[str]:
    """The phrase(s) to look for: quoted strings, else the description minus role words
    and context, else the role words themselves ("Document")."""
    q = parse_description(description)
    if q.targets:
        return list(q.targets)
    if q.target:
        return [q.target]
    if q.role_phrase:
        return [q.role_phrase]
    return []


def match_phrase(phrases: Sequence[Sequence[OcrWord]], target: str, limit: int = 5) -> list[OcrMatch]:
    """Runs of consecutive words scored against `target`, best first, boxes in the
    words' pixels."""
    t_tokens = normalize(target).split()
    if not t_tokens:
        return []
    n = len(t_tokens)
    found: list[tuple[float, OcrMatch]] = []
    for phrase in phrases:
        for i, first in enumerate(phrase):
            # A run starts with a word that shares something with the target.
            # A run starts with a word that shares something with the target (or holds
            # several of its words run together: "Submitorder").
            if not any(
                token_credit(t, tok) > 0 or (len(t) >= 3 and (t in tok or tok in t))
                for t in t_tokens
                for tok in first.norm.split()
            ):
                continue
            for end in range(i + 1, min(len(phrase), i + n + 2) + 1):
                run = phrase[i:end]
                text = " ".join(w.norm for w in run)
                sim = similarity(target, text, recall_weight=_RECALL_WEIGHT)
                if sim <= 0.3:
                    continue
                conf = sim * (0.85 + 0.15 * (sum(w.conf for w in run) / len(run)))
                x0 = min(w.box[0] for w in run)
                y0 = min(w.box[1] for w in run)
                x1 = max(w.box[0] + w.box[2] for w in run)
                y1 = max(w.box[1] + w.box[3] for w in run)
                isolated = len(run) == len(phrase)
                m = OcrMatch(
                    " ".join(w.text for w in run),
                    (x0, y0, x1 - x0, y1 - y0),
                    round(min(1.0, conf), 4),
                    round(sim, 4),
                    isolated,
                )
                found.append((conf + 0.02 * isolated, m))
    found.sort(key=lambda f: f[0], reverse=True)
    # Keep one match per place: runs that overlap a better one are the same text.
    out: list[OcrMatch] = []
    for _, m in found:
        if all(_iou(m.box, o.box) < 0.3 for o in out):
            out.append(m)
            if len(out) >= limit:
                break
    return out


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


class OcrGrounder:
    """Grounds descriptions on the text the screenshot shows (see the module docstring).

    upscale: factor the screenshot is enlarged by before OCR (2; 3 for tiny bitmap
    fonts); lang: tesseract language(s), "eng" or "eng+deu"; psm: tesseract page
    segmentation mode (3, automatic, finds text on coloured buttons that the sparse
    mode 11 misses); min_confidence: below it, `ground` answers None."""

    name = "ocr"

    def __init__(
        self,
        upscale: int = 2,
        lang: str = "eng",
        backend: Backend = "tesseract",
        *,
        min_confidence: float = 0.7,
        psm: int = 3,
        timeout: float = 60.0,
    ) -> None:
        if upscale < 1 or upscale > 4:
            raise ValueError(f"upscale must be 1..4, got {upscale}")
        if backend == "tesseract":
            if shutil.which("tesseract") is None:
                raise OcrUnavailable(
                    "OCR backend 'tesseract' needs the tesseract program "
                    "(Debian: apt-get install tesseract-ocr tesseract-ocr-eng)"
                )
        elif backend == "rapidocr":
            _rapidocr_engine()  # fail now, clearly, rather than at the first screenshot
        else:
            raise ValueError(f"unknown OCR backend {backend!r}: use 'tesseract' or 'rapidocr'")
        self.upscale, self.lang, self.backend = upscale, lang, backend
        self.min_confidence, self.psm, self.timeout = min_confidence, psm, timeout

    # -- reading, cached per screenshot

    def words(self, screenshot_png: bytes) -> tuple[list[OcrWord], tuple[int, int]]:
        """All words read on the screenshot, boxes in its pixels, and its size."""
        digest = hashlib.sha1(screenshot_png).hexdigest()
        key = (digest, self.backend, self.lang, self.upscale, self.psm)
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit, _sizes[digest]
            lock = _key_locks.setdefault(key, threading.Lock())
        with lock:  # two callers on one new screenshot: the second waits for the first's OCR
            with _cache_lock:
                hit = _cache.get(key)
                if hit is not None:
                    return hit, _sizes[digest]
            image = Image.open(io.BytesIO(screenshot_png))
            image.load()
            size = image.size
            try:
                words = self._read(image)
            except BaseException:
                with _cache_lock:
                    _key_locks.pop(key, None)
                raise
            with _cache_lock:
                _cache[key] = words
                _sizes[digest] = size
                while len(_cache) > _CACHE_SIZE:
                    old, _ = _cache.popitem(last=False)
                    _key_locks.pop(old, None)
                    if not any(k[0] == old[0] for k in _cache):
                        _sizes.pop(old[0], None)
            return words, size

    def _read(self, image: Image.Image) -> list[OcrWord]:
        k = self.upscale
        if self.backend == "rapidocr":
            big = image.convert("RGB")
        else:
            big = image.convert("L")
        if k > 1:
            big = big.resize((image.width * k, image.height * k), Image.Resampling.LANCZOS)
        raw = (
            _rapidocr_words(big)
            if self.backend == "rapidocr"
            else _tesseract_words(big, self.lang, self.psm, self.timeout)
        )
        if k == 1:
            return raw
        return [
            OcrWord(
                w.text,
                (w.box[0] // k, w.box[1] // k, max(1, round(w.box[2] / k)), max(1, round(w.box[3] / k))),
                w.conf,
                w.norm,
            )
            for w in raw
        ]

    def lines(self, screenshot_png: bytes) -> list[str]:
        """The screen's text, one phrase per entry, in reading order (for logs and checks)."""
        words, _ = self.words(screenshot_png)
        return [" ".join(w.text for w in p) for p in group_lines(words)]

    # -- grounding

    def matches(
        self,
        screenshot_png: bytes,
        description: str,
        screen_size: tuple[int, int] | None = None,
        limit: int = 5,
    ) -> list[OcrMatch]:
        """Candidate runs for `description`, best first, boxes in screen pixels."""
        targets = ocr_target(description)
        if not targets:
            return []
        words, (iw, ih) = self.words(screenshot_png)
        phrases = group_lines(words)
        found: list[OcrMatch] = []
        for target in targets:
            found += match_phrase(phrases, target, limit)
        found.sort(key=lambda m: m.confidence + 0.02 * m.isolated, reverse=True)
        sx, sy = (screen_size[0] / iw, screen_size[1] / ih) if screen_size else (1.0, 1.0)
        out = []
        for m in found[:limit]:
            x, y, w, h = m.box
            box = (round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))
            out.append(OcrMatch(m.text, box, m.confidence, m.similarity, m.isolated))
        return out

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        found = self.matches(screenshot_png, description, screen_size, limit=2)
        if not found or found[0].confidence < self.min_confidence:
            return None
        best = found[0]
        conf = best.confidence
        ambiguous = (
            len(found) > 1
            and found[1].similarity >= best.similarity - 0.02
            and found[1].isolated == best.isolated
        )
        if ambiguous:
            conf *= 0.9  # the same words twice on screen: the description does not say which
        x, y = best.point
        raw = best.describe(ambiguous=True) if ambiguous else best.describe()
        return GroundingResult(x=x, y=y, confidence=round(conf, 4), grounder=self.name, raw=raw)
