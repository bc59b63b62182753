"""Coarse screen fingerprints: a 32x36 grid of mean luminance, for "the same screen".

The Loop Breaker's tier 2 (the same screen over several steps) and the fallback when no
change report is at hand use these. They cannot see small changes (a caret moved one
line, one letter): "did this action change anything" comes from the full-resolution
change detector (envs/screen_diff.py via the /act settle report, agent/screen_change.py).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

# ---- screen fingerprints ---------------------------------------------------------------
# A 64-bit dHash is too coarse: at 1920x1080 an 8x8 cell is 240x135 px, one typed word
# moves its mean by under one grey level, and on a flat background dHash bits sit on ties
# that a blinking caret flips. So the fingerprint is a grid of mean luminance, 8 bits a
# cell, packed into one int with the image size; the distance is the L1 difference of two
# grids in "pixels changed at full contrast", so one threshold fits every resolution.
# 32x36 cells (60x30 px at 1080p): a cell is under two list rows high, so a selection
# moving one row down cannot cancel out inside a cell; 1,152 bytes, small enough for JSON
# (under Python's 4,300-digit int limit). Measured at 1920x1080 (tests): caret blink 7,
# caret blink + clock tick 7, a 2-px caret 21, one typed word ("hello") 99, scrolling one
# line of text 198, a small dialog 3,734; the default threshold is 40.
# Limits: one or two typed letters (14-35) and text replaced by text of the same shape
# read as "same"; a moved mouse pointer (~70) and JPEG re-encoding read as "changed" (the
# protocol's screenshots draw the pointer, so the first click on a new target is a change).
GRID_COLS, GRID_ROWS = 32, 36
_CELLS = GRID_COLS * GRID_ROWS
_CELL_BITS = 8 * _CELLS
_NOISE_LEVELS = 1  # per-cell dead zone: absorbs rounding and +-2 pixel noise
UNKNOWN_DISTANCE = 2**31 - 1


def screen_hash(png: bytes) -> int:
    """Fingerprint of a screenshot (PNG or any Pillow format); compare with screen_distance."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
            grid = image.convert("L").resize((GRID_COLS, GRID_ROWS), Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable screenshot: {exc}") from None
    return ((width << 16 | height) << _CELL_BITS) | int.from_bytes(grid.tobytes(), "big")


def _unpack(fingerprint: int) -> tuple[int, int, np.ndarray] | None:
    size = fingerprint >> _CELL_BITS
    if fingerprint < 0 or size == 0 or size >> 32:
        return None
    cells = (fingerprint & ((1 << _CELL_BITS) - 1)).to_bytes(_CELLS, "big")
    return size >> 16, size & 0xFFFF, np.frombuffer(cells, dtype=np.uint8)


def screen_distance(a: int, b: int) -> int:
    """About how many pixels changed (at full contrast) between two fingerprints.

    Anything that is not a screen_hash (0 for "no screenshot", say) is unlike every
    screen, itself included: not knowing must never look like "nothing changed".
    """
    unpacked_a, unpacked_b = _unpack(a), _unpack(b)
    if unpacked_a is None or unpacked_b is None:
        return UNKNOWN_DISTANCE
    (wa, ha, grid_a), (wb, hb, grid_b) = unpacked_a, unpacked_b
    if (wa, ha) != (wb, hb):
        return max(wa * ha, wb * hb)  # another display size: nothing is comparable
    diff = np.abs(grid_a.astype(np.int16) - grid_b.astype(np.int16)) - _NOISE_LEVELS
    levels = int(np.clip(diff, 0, None).sum())
    return round(levels * (wa * ha / _CELLS) / 255)
