"""Return once the screen has stopped changing, instead of sleeping a fixed time.

A frame counts as unchanged when at most `noise_pixels` pixels differ from the
previous one, so a blinking caret does not keep the wait going. The screen is
stable once it stayed unchanged for `quiet` seconds; `timeout` bounds the wait.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from envs.actions import SettleReport, SettleSpec


def changed_pixels(a: bytes, b: bytes) -> int:
    if len(a) != len(b):
        return max(len(a), len(b)) // 4
    return int(np.count_nonzero(np.frombuffer(a, np.uint32) != np.frombuffer(b, np.uint32)))


def wait_until_stable(grab: Callable[[], bytes], spec: SettleSpec, before: bytes | None = None,
                      clock: Callable[[], float] = time.monotonic,
                      sleep: Callable[[float], None] = time.sleep) -> SettleReport:
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
