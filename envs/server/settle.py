"""Return once the screen has stopped changing, instead of sleeping a fixed time.

A frame counts as unchanged when at most `noise_pixels` pixels differ from the
previous one, so a blinking caret does not keep the wait going. The screen is
stable once it stayed unchanged for `quiet` seconds; `timeout` bounds the wait.

`settle_and_compare` also says what the action changed: the frame before it against the
settled one, pixel by pixel (envs/screen_diff.py), with what changed while nobody acted
(between the previous action's settled frame and this one's `before`) masked out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from envs import screen_diff
from envs.actions import ScreenChange, SettleReport, SettleSpec


def changed_pixels(a: bytes, b: bytes) -> int:
    if len(a) != len(b):
        return max(len(a), len(b)) // 4
    return int(np.count_nonzero(np.frombuffer(a, np.uint32) != np.frombuffer(b, np.uint32)))


def wait_until_stable(
    grab: Callable[[], bytes],
    spec: SettleSpec,
    before: bytes | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SettleReport:
    start = clock()
    last = grab()
    frames = 1
    changed = before is not None and changed_pixels(before, last) > spec.noise_pixels
    quiet_since = start
    while True:
        now = clock()
        if now - quiet_since >= spec.quiet:
            return SettleReport(stable=True, changed=changed, seconds=round(now - start, 4), frames=frames)
        if now - start >= spec.timeout:
            return SettleReport(stable=False, changed=changed, seconds=round(now - start, 4), frames=frames)
        sleep(spec.interval)
        frame = grab()
        frames += 1
        if changed_pixels(last, frame) > spec.noise_pixels:
            changed = True
            quiet_since = clock()
        last = frame


def compare(
    before: bytes,
    after: bytes,
    size: tuple[int, int],
    reference: bytes | None = None,
    caret: tuple[int, int, int, int] | None = None,
) -> tuple[ScreenChange, tuple[int, int, int, int] | None]:
    """What changed between two raw frames of `size` (width, height), and where the caret
    was last seen blinking (to pass to the next call)."""
    width, height = size
    if before == after:  # the common case, at memcmp speed
        return ScreenChange(pixels=0, caret=caret), caret
    if reference is not None and reference == before:
        reference = None  # nothing changed while idle: no mask to make
    try:
        a = screen_diff.pixels_of(before, width, height)
        b = screen_diff.pixels_of(after, width, height)
    except ValueError:  # the screen was resized in between: everything changed
        return ScreenChange(pixels=width * height, boxes=[(0, 0, width, height)]), None
    ref = None
    if reference is not None and len(reference) == len(before):
        ref = screen_diff.pixels_of(reference, width, height)
    change = screen_diff.diff(a, b, ref, caret)
    report = ScreenChange(
        pixels=change.pixels, boxes=change.boxes, masked_pixels=change.masked_pixels, caret=change.caret
    )
    return report, change.caret


def settle_and_compare(
    grab: Callable[[], bytes],
    spec: SettleSpec,
    before: bytes,
    size: tuple[int, int],
    reference: bytes | None = None,
    caret: tuple[int, int, int, int] | None = None,
) -> tuple[SettleReport, bytes, tuple[int, int, int, int] | None]:
    """wait_until_stable plus the change report; also the settled frame and the caret."""
    last: list[bytes] = []

    def keep() -> bytes:
        frame = grab()
        last[:] = [frame]
        return frame

    report = wait_until_stable(keep, spec, before)
    change, caret = compare(before, last[0], size, reference, caret)
    return report.model_copy(update={"change": change}), last[0], caret
