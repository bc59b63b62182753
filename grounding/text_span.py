"""Where a text selection starts and ends: the outer edges of OCR word boxes.

A drag from the centre of the first phrase to the centre of the last one selects from
the middle of a word to the middle of another. `highlight_text_span` instead presses
at the LEFT edge of the first word of its start phrase and releases at the RIGHT edge
of the last word of its end phrase, so the selection covers whole words.

Each phrase is found among the OCR word runs of the screenshot (grounding/ocr.py);
where the grounder (or the planner) already gave a point, the run nearest that point
wins among near-equal matches, and when no run reads like the phrase, the word under
that point (or nearest it on its line) stands in for it. The end phrase is looked for
after the start, in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from grounding.ocr import OcrGrounder, OcrWord, group_lines
from grounding.text_match import normalize, similarity

Point = tuple[int, int]
Box = tuple[int, int, int, int]
MIN_SIMILARITY = 0.6  # a run below this does not read like the phrase
NEAR_EQUAL = 0.1  # runs within this of the best are told apart by the grounder's point


@dataclass(frozen=True)
class SpanEdges:
    start: Point  # press here: the left edge of the start phrase's first word
    end: Point  # release here: the right edge of the end phrase's last word
    start_box: Box  # the start phrase's words, screen pixels
    end_box: Box
    how: str  # "phrase" (read on screen) or "word at the point", per end


def _box(run: Sequence[OcrWord]) -> Box:
    x0, y0 = min(w.box[0] for w in run), min(w.box[1] for w in run)
    x1 = max(w.box[0] + w.box[2] for w in run)
    y1 = max(w.box[1] + w.box[3] for w in run)
    return x0, y0, x1 - x0, y1 - y0


def _distance(box: Box, point: Point | None) -> float:
    if point is None:
        return 0.0
    x, y, w, h = box
    dx = max(x - point[0], 0, point[0] - (x + w))
    dy = max(y - point[1], 0, point[1] - (y + h))
    return (dx * dx + dy * dy) ** 0.5


def _after(box: Box, start: Box) -> bool:
    """Is `box` at or after `start` in reading order (same line: not to its left)?"""
    same_line = abs((box[1] + box[3] / 2) - (start[1] + start[3] / 2)) < max(box[3], start[3]) / 2
    return box[0] >= start[0] if same_line else box[1] > start[1]


_QUOTED = re.compile(r'"([^"]+)"|\u201c([^\u201d]+)\u201d|(?<![A-Za-z])\'([^\']+)\'(?![A-Za-z])')


def phrase_texts(description: str) -> list[str]:
    """The words to look for: the quoted text if the description quotes any (`the words
    "tiny robot"`), else the description itself. Unlike a button's description, every word
    counts here ("upon a" is two words of the text, not a role and an article)."""
    quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(description)]
    return [q for q in quoted if q.strip()] or [description]


def _runs(lines: list[list[OcrWord]], text: str) -> list[tuple[float, list[OcrWord]]]:
    n = len(normalize(text).split())
    found = []
    for line in lines:
        for i in range(len(line)):
            for size in {max(1, n - 1), n, n + 1}:
                run = line[i : i + size]
                if len(run) == size:
                    sim = similarity(text, " ".join(w.norm for w in run))
                    if sim >= MIN_SIMILARITY:
                        found.append((sim, run))
    return found


def _word_at(words: Sequence[OcrWord], point: Point) -> list[OcrWord] | None:
    """The word under the point, else the nearest on its line (within two line heights)."""
    line = [w for w in words if w.box[1] - w.box[3] / 2 <= point[1] <= w.box[1] + 1.5 * w.box[3]]
    if not line:
        return None
    best = min(line, key=lambda w: _distance(w.box, point))
    return [best] if _distance(best.box, point) <= 2 * best.box[3] else None


def _pick(
    words: Sequence[OcrWord],
    lines: list[list[OcrWord]],
    description: str,
    hint: Point | None,
    after: Box | None,
) -> tuple[list[OcrWord], str] | None:
    candidates = [c for text in phrase_texts(description) for c in _runs(lines, text)]
    if after is not None:
        candidates = [c for c in candidates if _after(_box(c[1]), after)]
    if candidates:
        best = max(sim for sim, _ in candidates)
        close = [c for c in candidates if c[0] >= best - NEAR_EQUAL]
        # Nearest the grounder's point first; then the better reading; then the shorter run.
        close.sort(key=lambda c: (_distance(_box(c[1]), hint), -c[0], len(c[1])))
        return close[0][1], "phrase"
    if hint is not None:
        word = _word_at(words, hint)
        if word is not None:
            return word, "word at the point"
    return None


def span_edges(
    words: Sequence[OcrWord],
    start_description: str,
    end_description: str,
    start_hint: Point | None = None,
    end_hint: Point | None = None,
) -> SpanEdges | None:
    """The press and release points for selecting from the start phrase to the end phrase,
    in the words' pixels; None when either phrase cannot be placed."""
    lines = group_lines(words)
    start = _pick(words, lines, start_description, start_hint, None)
    if start is None:
        return None
    start_box = _box(start[0])
    end = _pick(words, lines, end_description, end_hint, start_box)
    if end is None:
        return None
    end_box = _box(end[0])
    first, last = start[0][0].box, end[0][-1].box
    return SpanEdges(
        start=(first[0], round(first[1] + first[3] / 2)),
        end=(last[0] + last[2], round(last[1] + last[3] / 2)),
        start_box=start_box,
        end_box=end_box,
        how=f"{start[1]} .. {end[1]}",
    )


def screen_span(
    ocr: OcrGrounder,
    screenshot_png: bytes,
    screen_size: tuple[int, int],
    start_description: str,
    end_description: str,
    start_hint: Point | None = None,
    end_hint: Point | None = None,
) -> SpanEdges | None:
    """span_edges on a screenshot, hints and answer in screen pixels."""
    words, (iw, ih) = ocr.words(screenshot_png)
    sx, sy = screen_size[0] / iw, screen_size[1] / ih
    to_image = lambda p: None if p is None else (round(p[0] / sx), round(p[1] / sy))
    found = span_edges(words, start_description, end_description, to_image(start_hint), to_image(end_hint))
    if found is None:
        return None

    def point(p: Point) -> Point:
        return round(p[0] * sx), round(p[1] * sy)

    def box(b: Box) -> Box:
        return round(b[0] * sx), round(b[1] * sy), max(1, round(b[2] * sx)), max(1, round(b[3] * sy))

    return SpanEdges(
        point(found.start), point(found.end), box(found.start_box), box(found.end_box), found.how
    )
