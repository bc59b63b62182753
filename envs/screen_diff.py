"""What changed between two frames, at full resolution, with a blinking caret masked out.

The Loop Breaker must tell a caret moved one line, one typed letter, a focus ring that
moved with Tab, a ticked checkbox or a cell cursor moved one cell from nothing at all: a
few dozen pixels. A coarse fingerprint cannot (a 60x30-pixel cell averages them away), so
this compares every pixel and says where the differences are (boxes) and how many.

What changes by itself must not read as a change:
- a blinking text caret: a thin vertical bar (at most 3 px wide, 6-64 px tall, solid)
  that is *on* in the frame before and *off* after is a blink, never a move (a moved caret
  is reset to visible by the toolkit, so it shows up at its new place as well); one that
  blinks *on* where a caret was last seen blinking (`caret`, carried from call to call)
  is a blink too, while one that appears anywhere else is a caret that moved;
- anything that changed while nobody acted (the caret blinking off before the action, a
  clock tick, a spinner): pixels that differ between `reference` (the last frame seen
  after the previous action settled) and `before` are masked, when such idle changes are
  small. A caret that moved while the old place blinked off then still reads as a change:
  its new place is not in the mask.

Frames are (height, width) uint32 arrays (BGRA/RGBX pixels, one word each); `pixels_of`
turns raw bytes or a decoded image into one. Pure numpy: 0.6-3 ms per 1080p pair
(benchmarks/perf/loop_breaker.py), a memcmp when nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

GAP = 8  # changed pixels closer than this belong to one box
MAX_COMPONENTS = 64  # more than this: one box over everything (a whole new screen)
MAX_BOXES = 16  # boxes reported (largest first)
IDLE_MAX_AREA = 80 * 40  # an idle change larger than this (a video, a loading page) is not masked
CARET_MAX_WIDTH = 3
CARET_HEIGHT = (6, 64)
CARET_MIN_FILL = 0.7


@dataclass(frozen=True)
class Change:
    """pixels: changed pixels left after masking; boxes: (x, y, w, h) of what changed."""

    pixels: int
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    masked_pixels: int = 0  # pixels that differed but read as caret blink / idle change
    caret: tuple[int, int, int, int] | None = None  # (x0, y0, x1, y1) of the caret last seen blinking

    @property
    def changed(self) -> bool:
        return self.pixels > 0


def pixels_of(data: bytes | np.ndarray, width: int, height: int) -> np.ndarray:
    """A (height, width) uint32 view of raw 4-byte pixels (no copy)."""
    if isinstance(data, np.ndarray) and data.dtype == np.uint32 and data.shape == (height, width):
        return data
    flat = np.frombuffer(data, dtype=np.uint32)
    if flat.size != width * height:
        raise ValueError(f"frame has {flat.size} pixels, expected {width}x{height}")
    return flat.reshape(height, width)


def image_pixels(image) -> np.ndarray:  # a PIL image; kept untyped so envs needs no Pillow import here
    """A decoded image (any mode) as a (height, width) uint32 array."""
    rgba = image.convert("RGBA")
    return np.frombuffer(rgba.tobytes(), dtype=np.uint32).reshape(rgba.height, rgba.width)


def _runs(flags: Any, gap: int) -> list[tuple[int, int]]:
    # Any: numpy types a reduction's result as "a bool or an array"; here it is always a 1-D array.
    """(start, end) of the runs of True in a 1-D array, runs closer than `gap` joined."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def _components(mask: np.ndarray) -> list[tuple[int, int, int, int]] | None:
    """Pixel-exact (x0, y0, x1, y1) boxes (exclusive ends) of the groups of changed pixels.

    Bands of changed rows, then runs of changed columns inside each band, then rows again
    inside each run: three cheap projections instead of labelling 2 million pixels, and
    groups closer than GAP pixels are one. None: too many groups to list.
    """
    boxes = []
    for y0, y1 in _runs(mask.any(axis=1), GAP):
        band = mask[y0:y1]
        for x0, x1 in _runs(band.any(axis=0), GAP):
            for r0, r1 in _runs(band[:, x0:x1].any(axis=1), GAP):
                boxes.append((x0, y0 + r0, x1, y0 + r1))
                if len(boxes) > MAX_COMPONENTS:
                    return None
    return boxes


def _is_caret(box: tuple[int, int, int, int], count: int) -> bool:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return (
        w <= CARET_MAX_WIDTH and CARET_HEIGHT[0] <= h <= CARET_HEIGHT[1] and count >= CARET_MIN_FILL * w * h
    )


def _caret_share(frame: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """How much of the bar is drawn in this frame: its pixels differ from both sides'."""
    x0, y0, x1, y1 = box
    bar = frame[y0:y1, x0:x1]
    left = frame[y0:y1, max(0, x0 - 1) : max(0, x0 - 1) + 1]
    right = frame[y0:y1, min(frame.shape[1] - 1, x1) : min(frame.shape[1] - 1, x1) + 1]
    differs = (bar != left) & (bar != right)
    return float(differs.mean())


def _near(a: tuple[int, int, int, int], b: tuple[int, int, int, int] | None) -> bool:
    """Two bars at one place (each edge within 2-3 px): one caret. A box of two carets
    (moved a line, old and new bar touching) is twice as tall: not near either."""
    if b is None:
        return False
    return abs(a[0] - b[0]) <= 2 and abs(a[1] - b[1]) <= 3 and abs(a[3] - b[3]) <= 3


def _drawn_part(frame: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """The rows of a bar box where the bar is drawn in `frame` (the new caret of a pair)."""
    x0, y0, x1, y1 = box
    bar = frame[y0:y1, x0:x1]
    left = frame[y0:y1, max(0, x0 - 1) : max(0, x0 - 1) + 1]
    right = frame[y0:y1, min(frame.shape[1] - 1, x1) : min(frame.shape[1] - 1, x1) + 1]
    runs = _runs(((bar != left) & (bar != right)).any(axis=1), 1)
    if not runs:
        return None
    r0, r1 = max(runs, key=lambda r: r[1] - r[0])
    return (x0, y0 + r0, x1, y0 + r1) if r1 - r0 >= CARET_HEIGHT[0] else None


def _carets(
    frame_a: np.ndarray, frame_b: np.ndarray, mask: np.ndarray, boxes: list[tuple[int, int, int, int]]
) -> tuple[int, int, int, int] | None:
    """The last caret-shaped bar among `boxes` that blinked on or off between two frames."""
    found = None
    for box in boxes:
        x0, y0, x1, y1 = box
        if not _is_caret(box, int(np.count_nonzero(mask[y0:y1, x0:x1]))):
            continue
        on_a, on_b = _caret_share(frame_a, box), _caret_share(frame_b, box)
        if (on_a > 0.8 and on_b < 0.2) or (on_a < 0.2 and on_b > 0.8):
            found = box
    return found


def idle_changes(
    reference: np.ndarray | None,
    before: np.ndarray,
) -> tuple[list[tuple[int, int, int, int]], tuple[int, int, int, int] | None]:
    """Boxes (grown by 1 px) of the small things that changed while nobody acted, and
    the caret among them if one blinked."""
    if reference is None or reference.shape != before.shape:
        return [], None
    changed = reference != before
    boxes = _components(changed)
    if not boxes:
        return [], None
    h, w = before.shape
    small = [b for b in boxes if (b[2] - b[0]) * (b[3] - b[1]) <= IDLE_MAX_AREA]
    grown = [(max(0, x0 - 1), max(0, y0 - 1), min(w, x1 + 1), min(h, y1 + 1)) for x0, y0, x1, y1 in small]
    return grown, _carets(reference, before, changed, small)


def diff(
    before: np.ndarray,
    after: np.ndarray,
    reference: np.ndarray | None = None,
    caret: tuple[int, int, int, int] | None = None,
) -> Change:
    """What the action changed between `before` and `after` (see the module's notes).

    `caret`: where a caret was last seen blinking (Change.caret of the previous call,
    x0, y0, x1, y1); a bar that blinks on there is no change, one that appears anywhere
    else is a moved caret.
    """
    if before.shape != after.shape:
        h, w = after.shape
        return Change(pixels=h * w, boxes=[(0, 0, w, h)])
    masks, idle_caret = idle_changes(reference, before)
    caret = idle_caret or caret
    changed = before != after
    if not changed.any():
        return Change(pixels=0, caret=caret)
    boxes = _components(changed)
    if boxes is None:  # too scattered to list: the whole screen changed
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        box = (int(cols[0]), int(rows[0]), int(cols[-1]) - int(cols[0]) + 1, int(rows[-1]) - int(rows[0]) + 1)
        return Change(pixels=int(np.count_nonzero(changed)), boxes=[box])
    kept: list[tuple[int, tuple[int, int, int, int]]] = []
    masked = 0
    for box in boxes:
        x0, y0, x1, y1 = box
        part = changed[y0:y1, x0:x1]
        count = int(np.count_nonzero(part))
        if masks:
            part = part.copy()
            for mx0, my0, mx1, my1 in masks:
                ix0, iy0, ix1, iy1 = max(x0, mx0), max(y0, my0), min(x1, mx1), min(y1, my1)
                if ix0 < ix1 and iy0 < iy1:
                    part[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = False
            left = int(np.count_nonzero(part))
            masked += count - left
            if left == 0:
                continue
            count = left
        if _is_caret(box, count):
            # Two carets in one box (moved a line, both bars touching) are neither on nor off.
            was, now = _caret_share(before, box), _caret_share(after, box)
            if was > 0.8 and now < 0.2:  # blinked off: a moved caret would show up elsewhere
                masked += count
                caret = box
                continue
            if was < 0.2 and now > 0.8:
                if _near(box, caret):  # blinked on where it was: no change
                    masked += count
                    continue
                caret = box  # appeared somewhere new: it moved (a change)
            elif now > 0.2:  # old and new caret in one box (moved a line): the new one
                caret = _drawn_part(after, box) or caret
        kept.append((count, box))
    kept.sort(key=lambda item: -(item[1][2] - item[1][0]) * (item[1][3] - item[1][1]))
    return Change(
        pixels=sum(c for c, _ in kept),
        boxes=[(x0, y0, x1 - x0, y1 - y0) for _, (x0, y0, x1, y1) in kept[:MAX_BOXES]],
        masked_pixels=masked,
        caret=caret,
    )


def same_screen(a: np.ndarray, b: np.ndarray, caret: tuple[int, int, int, int] | None = None) -> bool:
    """Two frames show one screen: identical but for the caret blinking where it is known
    to be. Stricter than `diff` (a bar that vanished elsewhere may be a caret that moved
    and is off just now), since calling two screens "the same" is what vetoes."""
    if a.shape != b.shape:
        return False
    changed = a != b
    if not changed.any():
        return True
    if caret is None:
        return False
    boxes = _components(changed)
    if boxes is None:
        return False
    for box in boxes:
        x0, y0, x1, y1 = box
        if not (_is_caret(box, int(np.count_nonzero(changed[y0:y1, x0:x1]))) and _near(box, caret)):
            return False
    return True
