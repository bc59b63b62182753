"""Fixtures for the OSWorld-format benchmark tests: data folders and a recording desktop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from benchmarks.osworld import task_data
from envs.base import CommandOutput, DesktopError

REPO = Path(__file__).resolve().parents[2]
LOCAL_TASKS = REPO / "benchmarks" / "tasks" / "local"


@dataclass
class RecordingDesktop:
    """Answers the protocol calls setup and evaluation make, and records them."""

    files: dict[str, bytes] = field(default_factory=dict)
    dirs: dict[str, dict[str, Any]] = field(default_factory=dict)
    terminal: str | None = None
    windows: list[str] = field(default_factory=list)
    on_execute: Callable[[Any, bool], CommandOutput] = lambda cmd, shell: CommandOutput(0, "", "")
    size: tuple[int, int] = (1920, 1080)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def screen_size(self) -> tuple[int, int]:
        self.calls.append(("screen_size", None))
        return self.size

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput:
        self.calls.append(("execute", (command, shell)))
        return self.on_execute(command, shell)

    def launch(self, command: list[str] | str, shell: bool = False) -> None:
        self.calls.append(("launch", (command, shell)))

    def open_file(self, path: str) -> None:
        self.calls.append(("open_file", path))

    def activate_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self.calls.append(("activate_window", (window_name, strict, by_class)))
        if not any(window_name in w for w in self.windows):
            raise DesktopError("/setup/activate_window", 404, f"no window matching {window_name!r}")

    def close_window(self, window_name: str, strict: bool = False, by_class: bool = False) -> None:
        self.calls.append(("close_window", (window_name, strict, by_class)))

    def read_file(self, path: str) -> bytes:
        self.calls.append(("read_file", path))
        if path not in self.files:
            raise DesktopError("/file", 404, f"no such file: {path}")
        return self.files[path]

    def list_directory(self, path: str) -> dict[str, Any]:
        if path not in self.dirs:
            raise DesktopError("/list_directory", 404, f"no such file: {path}")
        return self.dirs[path]

    def terminal_output(self) -> str | None:
        return self.terminal


@pytest.fixture
def recording_desktop() -> type[RecordingDesktop]:
    return RecordingDesktop


def _task_data(folder: Path, name: str) -> Path:
    # The task files ship with the project (benchmarks/data/): missing ones are a fault.
    if not (folder / "test_all.json").is_file():
        pytest.fail(
            f"{name} task files not found under {folder} "
            f"(benchmarks/data/, or the folder {task_data.ENV} names)"
        )
    return folder


@pytest.fixture
def osworld_data() -> Path:
    return _task_data(task_data.osworld_data(), "OSWorld")


@pytest.fixture
def waa_data() -> Path:
    return _task_data(task_data.waa_data(), "WindowsAgentArena")


@pytest.fixture(scope="session")
def local_tasks() -> Path:
    return LOCAL_TASKS
