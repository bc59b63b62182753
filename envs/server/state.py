"""What one server process shares between requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from envs.actions import SettleReport, SettleSpec
from envs.server import screen
from envs.server.config import ServerSettings
from envs.server.recording import Recorder
from envs.server.settle import wait_until_stable
from envs.server.view import ScreenView


@dataclass
class ServerState:
    settings: ServerSettings
    # One input stream per desktop: two actions interleaving keystrokes would garble both.
    input_lock: threading.Lock = field(default_factory=threading.Lock)
    # AT-SPI is walked from one thread only: its D-Bus connection is not thread-safe.
    a11y_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="a11y"))
    recorder: Recorder | None = None
    # The monitor this server is restricted to; None: the whole screen (view.py).
    view: ScreenView | None = None

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.settings.recording_dir)

    def frame(self) -> bytes:
        return screen.raw_frame(self.view)

    def settle(self, spec: SettleSpec, before: bytes | None) -> SettleReport:
        return wait_until_stable(self.frame, spec, before)
