"""quiet_screenshot: the shot after the application has finished repainting."""

from __future__ import annotations

from agent.nodes.common import quiet_screenshot


class Screens:
    """Screenshots that change `changes` times, then stay; the sleeps are only counted."""

    def __init__(self, changes: int) -> None:
        self.changes, self.grabs, self.slept = changes, 0, 0.0

    def grab(self) -> bytes:
        self.grabs += 1
        return f"frame {min(self.grabs, self.changes + 1)}".encode()

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


def test_the_shot_comes_once_two_in_a_row_agree():
    screens = Screens(changes=2)  # the cells repaint in two goes after the write
    assert quiet_screenshot(screens.grab, sleep=screens.sleep) == b"frame 3"
    assert screens.grabs == 4 and screens.slept == 0.75


def test_a_screen_already_still_costs_one_look_more():
    screens = Screens(changes=0)
    assert quiet_screenshot(screens.grab, sleep=screens.sleep) == b"frame 1"
    assert screens.grabs == 2


def test_a_screen_that_never_stops_changing_gives_the_latest_shot_after_the_timeout():
    screens = Screens(changes=100)  # a video, a blinking caret
    assert quiet_screenshot(screens.grab, timeout=1.0, sleep=screens.sleep) == b"frame 5"
    assert screens.slept == 1.0
