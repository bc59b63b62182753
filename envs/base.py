"""The `Desktop` protocol: what the agent needs from any desktop, wherever it is.

`DesktopClient` (over HTTP, to our server or OSWorld's and WAA's) and
`FakeDesktop` (in-process, for fast agent tests) both satisfy it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from envs.actions import DesktopAction, ImageFormat, ImageSpec, SettleReport, SettleSpec


class DesktopError(RuntimeError):
    """The desktop answered with an error."""

    def __init__(self, path: str, status: int, message: str) -> None:
        super().__init__(f"{path} failed ({status}): {message}")
        self.path, self.status, self.message = path, status, message


class DesktopUnreachable(ConnectionError):
    """No answer from the desktop after the retries."""


@dataclass(frozen=True)
class CommandOutput:
    returncode: int
    output: str
    error: str
    settle: SettleReport | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class ActResult:
    executed: int
    seconds: float
    settle: SettleReport | None = None
    screenshot: bytes | None = None  # when act() was asked for one (an ImageSpec)


@runtime_checkable
class Desktop(Protocol):
    def screenshot(self, format: ImageFormat = "png", quality: int | None = None) -> bytes:
        """The whole screen, cursor drawn in: PNG bytes by default (lossless), else JPEG or
        WebP at `quality` (1-100; None: the encoder's default)."""
        ...

    def screen_size(self) -> tuple[int, int]: ...

    def accessibility_tree(self) -> str:
        """OSWorld-shaped AT-SPI XML."""
        ...

    def act(
        self,
        actions: Sequence[DesktopAction],
        settle: SettleSpec | None = None,
        screenshot: ImageSpec | None = None,
    ) -> ActResult: ...

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput: ...

    def run_python(self, code: str, timeout: float = 30) -> CommandOutput: ...

    def run_bash_script(
        self, script: str, timeout: float = 100, working_dir: str | None = None
    ) -> CommandOutput: ...

    def launch(self, command: list[str] | str, shell: bool = False) -> None: ...

    def upload_file(self, path: str, data: bytes) -> None: ...

    def read_file(self, path: str) -> bytes: ...

    def list_directory(self, path: str) -> dict[str, Any]: ...
