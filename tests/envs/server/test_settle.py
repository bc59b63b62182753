"""Settle on synthetic frames with a fake clock: when it returns and what it reports."""

from __future__ import annotations

import numpy as np

from envs.actions import SettleSpec
from envs.server.settle import changed_pixels, wait_until_stable

W, H = 64, 48


def frame(value: int = 0, caret: bool = False, box: int = 0) -> bytes:
    img = np.full((H, W), value, np.uint32)
    if caret:
        img[10:20, 5] = 0xFFFFFFFF  # a 10-pixel caret
    if box:
        img[:box, :box] = 0x00FF00FF
    return img.tobytes()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(frames_at, spec, before=None):
    """frames_at(t) gives the frame the screen shows at time t."""
    clock = Clock()
    return wait_until_stable(lambda: frames_at(clock.now), spec, before, clock=clock, sleep=clock.sleep)


def test_changed_pixels_counts_pixels_not_bytes():
    assert changed_pixels(frame(), frame()) == 0
    assert changed_pixels(frame(), frame(box=4)) == 16


def test_static_screen_settles_after_the_quiet_period():
    spec = SettleSpec(quiet=0.2, timeout=3, interval=0.05)
    report = run(lambda t: frame(), spec, before=frame())
    assert report.stable and not report.changed
    assert 0.2 <= report.seconds < 0.3


def test_waits_for_an_animation_to_finish():
    spec = SettleSpec(quiet=0.2, timeout=3, interval=0.05)
    # the screen keeps changing until t=1.0, then stays put
    report = run(lambda t: frame(value=min(int(t * 20), 20) + 1), spec, before=frame())
    assert report.stable and report.changed
    assert 1.15 <= report.seconds <= 1.35


def test_a_blinking_caret_is_noise():
    spec = SettleSpec(quiet=0.2, timeout=3, interval=0.05, noise_pixels=64)
    report = run(lambda t: frame(caret=int(t * 10) % 2 == 0), spec, before=frame(caret=True))
    assert report.stable and not report.changed
    assert report.seconds < 0.3


def test_never_settling_screen_hits_the_timeout():
    spec = SettleSpec(quiet=0.2, timeout=1.0, interval=0.05)
    report = run(lambda t: frame(box=int(t * 100) % 40 + 1), spec)
    assert not report.stable
    assert 1.0 <= report.seconds < 1.1


def test_settle_and_compare_reports_what_changed_and_keeps_the_caret():
    from envs.server.settle import settle_and_compare

    spec = SettleSpec(quiet=0.1, timeout=1, interval=0.05)

    def grab() -> bytes:  # the action drew a 4x4 box
        return frame(box=4)

    report, settled, caret = settle_and_compare(grab, spec, frame(), (W, H))
    assert report.change.pixels == 16 and report.change.boxes == [(0, 0, 4, 4)]
    assert settled == frame(box=4) and caret is None
    # Next action: nothing happens but the caret blinks on; it blinked off while idle
    # (reference has it on, before has it off), so it is no change.
    report, _, caret = settle_and_compare(
        lambda: frame(caret=True), spec, frame(), (W, H), reference=frame(caret=True)
    )
    assert report.change.pixels == 0 and report.change.masked_pixels == 10
    assert caret == (5, 10, 6, 20)
    # A caret blinking on where it was last seen: no change either, with no reference.
    report, _, _ = settle_and_compare(lambda: frame(caret=True), spec, frame(), (W, H), caret=caret)
    assert report.change.pixels == 0
    # A frame of another size (the screen was resized): everything changed.
    report, _, _ = settle_and_compare(lambda: b"\0" * 16, spec, frame(), (W, H))
    assert report.change.pixels == W * H
