"""envs/screen_diff.py: what changed, at full resolution, with a blinking caret masked.

First on small synthetic frames (every rule alone), then on real screenshots of mousepad
on an Xvfb desktop (a real GTK caret blinking; one typed letter; the caret moved one
line), then the /act settle report that carries it to the agent.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from envs import screen_diff as sd
from envs.actions import Hotkey, SettleSpec, TypeText

WHITE, BLACK = 0xFFFFFFFF, 0xFF000000


def blank(h: int = 200, w: int = 300) -> np.ndarray:
    return np.full((h, w), WHITE, np.uint32)


def with_caret(frame: np.ndarray, x: int, y: int, height: int = 18) -> np.ndarray:
    out = frame.copy()
    out[y : y + height, x] = BLACK
    return out


# ---- synthetic frames ------------------------------------------------------------------
def test_identical_frames_and_a_letter():
    a = blank()
    assert sd.diff(a, a) == sd.Change(pixels=0)
    letter = a.copy()
    letter[50:62, 40:48] = BLACK  # an 8x12 glyph
    change = sd.diff(a, letter)
    assert change.changed and change.pixels == 96 and change.boxes == [(40, 50, 8, 12)]


def test_a_caret_blinking_off_is_no_change_blinking_on_needs_evidence():
    off, on = blank(), with_caret(blank(), 100, 40)
    assert not sd.diff(on, off).changed  # off: a moved caret would show elsewhere
    assert sd.diff(on, off).masked_pixels == 18
    assert sd.diff(off, on).changed  # on, nothing known: may be a moved caret
    # ...but not where a caret was last seen blinking, nor when it blinked while idle.
    assert not sd.diff(off, on, caret=sd.diff(on, off).caret).changed
    assert not sd.diff(off, on, reference=on).changed


def test_a_caret_moved_one_line_is_a_change_whatever_the_blink_phase():
    line1_on, line2_on = with_caret(blank(), 100, 40), with_caret(blank(), 100, 60)
    assert sd.diff(line1_on, line2_on).changed  # both bars in the difference
    # The old place blinked off before the action: the new bar is not where it blinked.
    assert sd.diff(blank(), line2_on, reference=line1_on).changed
    assert sd.diff(blank(), line2_on, caret=(100, 40, 101, 58)).changed


def test_idle_changes_are_masked_but_not_what_the_action_added():
    clock_a, clock_b = blank(), blank()
    clock_a[5:15, 250:290] = BLACK
    clock_b[5:15, 250:280] = BLACK  # the clock ticked while nobody acted
    after = clock_b.copy()
    assert not sd.diff(clock_b, after, reference=clock_a).changed
    after[100:112, 40:48] = BLACK  # and the action typed a letter
    assert sd.diff(clock_b, after, reference=clock_a).pixels == 96
    # A big idle change (a video playing) is not a mask: the action's change there counts.
    video_a, video_b = blank(), blank()
    video_b[0:200, 0:200] = BLACK
    after = video_b.copy()
    after[50:60, 50:60] = WHITE
    assert sd.diff(video_b, after, reference=video_a).changed


def test_other_sizes_and_scattered_changes():
    assert sd.diff(blank(), blank(100, 100)).pixels == 100 * 100
    noise = blank()
    noise[::4, ::4] = BLACK  # thousands of specks: one box, all counted
    change = sd.diff(blank(), noise)
    assert change.pixels == 50 * 75 and len(change.boxes) == 1
    with pytest.raises(ValueError):
        sd.pixels_of(b"\0" * 12, 2, 2)


# ---- real screenshots ------------------------------------------------------------------
def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return sd.image_pixels(image)


def _blink_pair(client, timeout: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """Two screenshots, caret on then off, of a screen where nothing else moves."""
    last = _pixels(client.screenshot())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = _pixels(client.screenshot())
        raw = np.argwhere(last != now)
        if raw.size:
            (y0, x0), (y1, x1) = raw.min(axis=0), raw.max(axis=0) + 1
            # "on": the bar darker than the frame where it is off
            # A wider change is a repaint still going on (a busy machine): look again.
            if (
                x1 - x0 <= 3
                and last[y0:y1, x0:x1].astype(np.int64).sum() < now[y0:y1, x0:x1].astype(np.int64).sum()
            ):
                return last, now
        last = now
    raise AssertionError("the caret never blinked off alone")


def open_blinking_mousepad(client, desktop, until, name: str, text: str) -> None:
    """mousepad with its caret blinking (our desktops turn GTK's blink off; OSWorld's VMs
    and people's screens have it on): its own GTK settings, a fast blink, no timeout."""
    config = desktop.home / ".config-blink" / "gtk-3.0"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.ini").write_text(
        "[Settings]\ngtk-cursor-blink = true\ngtk-cursor-blink-time = 500\ngtk-cursor-blink-timeout = 120\n"
    )
    (desktop.home / name).write_text(text)
    client.launch(f"XDG_CONFIG_HOME=/home/user/.config-blink mousepad /home/user/{name}", shell=True)
    until(lambda: name in client.execute(["wmctrl", "-l"]).output, what="mousepad")
    client.activate_window(name)


def close_saved(client, until, name: str) -> None:
    """Save first: an unsaved document would leave a save prompt holding the focus."""
    client.act([Hotkey(keys=["ctrl", "s"])], settle=SettleSpec())
    client.close_window(name)
    until(lambda: name not in client.execute(["wmctrl", "-l"]).output, what=f"{name} to close")


@pytest.mark.desktop
def test_real_mousepad_caret_blink_letter_and_line(client, desktop, until):
    open_blinking_mousepad(client, desktop, until, "blink.txt", "first line\nsecond line\nthird line\n")
    try:
        client.act([Hotkey(keys=["ctrl", "Home"])], settle=SettleSpec())
        on, off = _blink_pair(client)
        assert not sd.diff(on, off).changed, sd.diff(on, off)  # caret blink: no change
        assert not sd.diff(off, on, reference=on).changed  # blinking while idle
        assert not sd.diff(off, on, caret=sd.diff(on, off).caret).changed  # back on, same place

        client.act([TypeText(text="x")], settle=SettleSpec())
        letter = _pixels(client.screenshot())
        change = sd.diff(on, letter)  # one letter (and the title's unsaved mark): a change
        assert change.changed and change.pixels < 1024 * 768 // 100, change
        # The caret moved one line down (Down): a change, though the fingerprint cannot see it.
        client.act([Hotkey(keys=["Down"])], settle=SettleSpec())
        down = _pixels(client.screenshot())
        assert sd.diff(letter, down).changed
    finally:
        close_saved(client, until, "blink.txt")


@pytest.mark.desktop
def test_act_reports_what_changed_and_where(client, desktop, until):
    open_blinking_mousepad(client, desktop, until, "report.txt", "one\ntwo\nthree\nfour\n")
    try:
        client.act([Hotkey(keys=["ctrl", "Home"])], settle=SettleSpec())
        for _ in range(3):  # each Down moves the caret one line: reported, with its place
            change = client.act([Hotkey(keys=["Down"])], settle=SettleSpec()).settle.change
            assert change is not None and change.pixels > 0, change
            assert all(w <= 3 for _, _, w, _ in change.boxes)  # only caret bars changed
        # A hotkey bound to nothing, again and again while the caret keeps blinking: nothing.
        for _ in range(4):
            time.sleep(0.3)
            change = client.act([Hotkey(keys=["ctrl", "shift", "F12"])], settle=SettleSpec()).settle.change
            assert change is not None and change.pixels == 0, change
        change = client.act([TypeText(text="Z")], settle=SettleSpec()).settle.change
        assert 0 < change.pixels < 1024 * 768 // 100 and change.boxes, change
    finally:
        close_saved(client, until, "report.txt")


def test_same_screen_allows_only_the_known_caret_to_blink():
    off, on = blank(), with_caret(blank(), 100, 40)
    assert sd.same_screen(off, off.copy())
    assert not sd.same_screen(on, off)  # the caret's place unknown
    assert sd.same_screen(on, off, caret=(100, 40, 101, 58))
    assert sd.same_screen(off, on, caret=(100, 40, 101, 58))
    # The caret known one line lower: the bar that vanished here may be it having moved.
    assert not sd.same_screen(on, off, caret=(100, 60, 101, 78))
    letter = off.copy()
    letter[50:62, 40:48] = BLACK
    assert not sd.same_screen(on, letter, caret=(100, 40, 101, 58))
    assert not sd.same_screen(blank(), blank(100, 100))


def test_a_caret_moved_to_the_next_line_touching_its_old_place():
    line1, line2 = with_caret(blank(), 100, 40), with_caret(blank(), 100, 58)  # bars touch
    change = sd.diff(line1, line2, caret=(100, 40, 101, 58))
    assert change.changed and change.boxes == [(100, 40, 1, 36)]
    assert change.caret == (100, 58, 101, 76)  # the new place, not the old one
    # ...so the screen before the move is not "the same screen but for the caret".
    assert not sd.same_screen(line1, line2, caret=change.caret)
    assert not sd.same_screen(line1, line2, caret=(100, 40, 101, 58))
