"""X connections without an Xauthority file (a fresh machine; a session started without one):
to a display that needs no cookie they work, to one that does the error says what is missing,
and nothing is written into anyone's home."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from envs.server.monitors import MonitorError, list_monitors
from envs.xauth import cookie_file, open_display, with_xauthority
from tests.envs.conftest import _require


def _xvfb(*extra: str) -> Iterator[str]:
    _require("Xvfb", "xauth")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp", *extra],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            yield f":{pipe.readline().strip()}"
    finally:
        xvfb.terminate()
        xvfb.wait()


@pytest.fixture
def open_xvfb() -> Iterator[str]:
    yield from _xvfb()


@pytest.fixture
def cookie(tmp_path: Path) -> str:
    return secrets.token_hex(16)


@pytest.fixture
def locked_xvfb(tmp_path: Path, cookie: str) -> Iterator[str]:
    """An Xvfb that lets in only clients with its cookie."""
    server_file = tmp_path / "server-auth"
    subprocess.run(["xauth", "-f", str(server_file), "add", ":0", ".", cookie], check=True)
    yield from _xvfb("-auth", str(server_file))


@pytest.fixture
def no_cookie_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XAUTHORITY", raising=False)
    return home


def test_a_display_without_cookies_opens_without_the_file(open_xvfb, no_cookie_file):
    disp = open_display(open_xvfb)
    try:
        assert disp.screen().width_in_pixels == 640
    finally:
        disp.close()
    assert "XAUTHORITY" not in os.environ  # the process's environment is left as it was
    assert [m.width for m in list_monitors(open_xvfb, scale=1)] == [640]
    assert list(no_cookie_file.iterdir()) == []  # nothing written into the home


def test_a_child_process_gets_an_empty_cookie_file_and_can_use_pyautogui(open_xvfb, no_cookie_file):
    env = with_xauthority(dict(os.environ, DISPLAY=open_xvfb))
    assert env["XAUTHORITY"] == os.devnull
    # pyautogui connects through python-xlib at import: what /execute's code does first.
    out = subprocess.run(
        [sys.executable, "-c", "import pyautogui; print(pyautogui.size())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "640" in out.stdout


def test_an_existing_cookie_file_is_kept(tmp_path):
    kept = tmp_path / "cookies"
    kept.touch()
    assert with_xauthority({"XAUTHORITY": str(kept)})["XAUTHORITY"] == str(kept)
    home = tmp_path / "home"
    (home / ".Xauthority").parent.mkdir()
    (home / ".Xauthority").touch()
    assert "XAUTHORITY" not in with_xauthority({"HOME": str(home)})
    assert cookie_file({}) is None


def test_a_display_that_needs_a_cookie_says_the_file_is_missing(
    locked_xvfb, no_cookie_file, tmp_path, cookie, monkeypatch
):
    with pytest.raises(
        MonitorError,
        match=r"cannot open X display .*no Xauthority file.*"
        r"\.Xauthority does not exist",
    ):
        list_monitors(locked_xvfb, scale=1)
    client_file = tmp_path / "client-auth"
    subprocess.run(["xauth", "-f", str(client_file), "add", locked_xvfb, ".", cookie], check=True)
    monkeypatch.setenv("XAUTHORITY", str(client_file))
    assert [m.width for m in list_monitors(locked_xvfb, scale=1)] == [640]
