"""What one server process shares between requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envs.actions import SettleReport, SettleSpec
from envs.server import screen
from envs.server.config import ServerSettings
from envs.server.recording import Recorder
from envs.server.settle import settle_and_compare, wait_until_stable
from envs.server.view import ScreenView


@dataclass
class ServerState:
    settings: ServerSettings
    # One input stream per desktop: two actions interleaving keystrokes would garble both.
    input_lock: threading.Lock = field(default_factory=threading.Lock)
    # AT-SPI is walked from one thread only: its D-Bus connection is not thread-safe.
    a11y_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11y")
    )
    recorder: Recorder | None = None
    # The monitor this server is restricted to; None: the whole screen (view.py).
    view: ScreenView | None = None
    # The frame the last /act settled on: what changed between it and the next action's
    # `before` changed by itself (a caret blinking, a clock) and is masked in the report.
    last_settled: bytes | None = None
    caret: tuple[int, int, int, int] | None = None  # where a caret was last seen blinking

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.settings.recording_dir)

    def frame(self) -> bytes:
        return screen.raw_frame(self.view)

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of a raw frame: physical pixels of the view's monitor, or the screen."""
        if self.view is not None:
            region = self.view.region
            return region["width"], region["height"]
        return screen.screen_size(None)

    def settle(self, spec: SettleSpec, before: bytes | None) -> SettleReport:
        if before is None:
            return wait_until_stable(self.frame, spec, before)
        report, settled, caret = settle_and_compare(
            self.frame, spec, before, self.frame_size(), self.last_settled, self.caret
        )
        self.last_settled, self.caret = settled, caret
        return report
