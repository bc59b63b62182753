"""Shared fixtures. Desktop tests need Xvfb, openbox, xdotool, bubblewrap and friends
(scripts/install-debian-packages); in CI a missing one is a failure, not a skip."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

# Reference data the project does not ship (real Jedi episodes, whose licence is unclear):
# tests that read it take the folder from here and skip without it. .ci/run sets it to
# ../shared/data where that exists.
REFERENCE_DATA_ENV = "DESKPILOT_REFERENCE_DATA"


def reference_data(name: str) -> Path:
    """$DESKPILOT_REFERENCE_DATA/name; a path that does not exist when the variable is unset."""
    root = os.environ.get(REFERENCE_DATA_ENV, "").strip()
    return Path(root) / name if root else Path("/nonexistent-reference-data") / name


DESKTOP_TOOLS = ("Xvfb", "openbox", "xdotool", "wmctrl", "dbus-daemon", "bwrap", "mousepad", "xterm")


def missing_desktop_tools() -> list[str]:
    return [tool for tool in DESKTOP_TOOLS if shutil.which(tool) is None]


def require_desktop() -> None:
    missing = missing_desktop_tools()
    if missing:
        message = f"desktop tools missing: {', '.join(missing)} (run scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def desktop():
    """One isolated 1024x768 desktop shared by the read-mostly desktop tests."""
    require_desktop()
    from envs.local import LocalDesktop

    with LocalDesktop(1024, 768) as d:
        yield d


@pytest.fixture
def client(desktop):
    with desktop.client() as c:
        yield c


# 60 s: mousepad alone took more than 10 s to open on a loaded 2-core machine. Waits
# that pass cost no more; only a real failure takes longer to report.
def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def until():
    """`until(predicate, timeout=..., what=...)`: poll until truthy, fail with a message."""
    return wait_for


@pytest.fixture
def desktop_tools():
    """For tests that start their own desktops."""
    require_desktop()


def alive_pids(pids: list[int]) -> list[int]:
    """The PIDs that still run (zombies, already dead but not yet reaped, do not count)."""
    import psutil

    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.fixture
def alive():
    return alive_pids
