"""ThisScreen on an X display the test started (tests/envs/conftest.py): a person's own screen."""

from __future__ import annotations

import io

import httpx
import psutil
import pytest
from PIL import Image

from envs.actions import Click
from envs.this_screen import ThisScreen, ThisScreenError, list_monitors


def test_end_to_end_on_the_primary_monitor_with_its_token(two_monitors):
    with ThisScreen(display=two_monitors.display) as screen:
        assert screen.monitor is not None and screen.monitor.name == "left"  # None: primary
        assert screen.url.startswith("http://127.0.0.1:")
        assert len(screen.token) >= 24
        with screen.client() as client:
            assert client.health()["monitor"]["name"] == "left"
            image = Image.open(io.BytesIO(client.screenshot()))
            assert image.size == (1024, 768)
            mark = len(two_monitors.clicks)
            client.act([Click(x=700, y=300)])
            assert two_monitors.clicks_after(mark) == [(700, 300, 1)]
        pid = screen.proc.pid
        # Loopback does not excuse a missing or wrong token: it is a real person's screen.
        assert httpx.get(f"{screen.url}/screenshot", timeout=10).status_code == 401
        wrong = httpx.post(
            f"{screen.url}/act",
            timeout=10,
            json={"actions": [{"type": "click", "x": 1, "y": 1}]},
            headers={"Authorization": "Bearer not-the-token"},
        )
        assert wrong.status_code == 401
        url = screen.url
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=2)


def test_listens_on_loopback_only(two_monitors):
    with ThisScreen(monitor=1, display=two_monitors.display) as screen:
        listening = [
            c.laddr
            for c in psutil.Process(screen.proc.pid).net_connections()
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening)


def test_each_session_gets_a_fresh_token(two_monitors):
    with ThisScreen(display=two_monitors.display) as a, ThisScreen(display=two_monitors.display) as b:
        assert a.token != b.token and a.url != b.url
        with httpx.Client() as http:
            reply = http.get(f"{b.url}/health", headers={"Authorization": f"Bearer {a.token}"})
            assert reply.status_code == 401


def test_a_missing_monitor_is_a_clear_error_listing_them(two_monitors):
    with pytest.raises(ThisScreenError, match=r"no monitor '4'.*1: right 1024x768\+1024\+0"):
        ThisScreen(monitor=4, display=two_monitors.display).start()


def test_no_display_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(ThisScreenError, match="DISPLAY is not set"):
        ThisScreen().start()


def test_a_wayland_session_is_refused_unless_the_display_is_named(two_monitors, monkeypatch):
    monkeypatch.setenv("DISPLAY", two_monitors.display)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    with pytest.raises(ThisScreenError, match="Wayland session"):
        ThisScreen().start()
    with ThisScreen(display=two_monitors.display) as screen:  # named: the caller knows
        assert screen.monitor.name == "left"


def test_list_monitors_is_exported_for_the_chat_command(two_monitors):
    assert [m.name for m in list_monitors(two_monitors.display)] == ["left", "right"]


PARENT = """
import sys, time
from envs.this_screen import ThisScreen
screen = ThisScreen(monitor=1, display=sys.argv[1]).start()
print(screen.proc.pid, screen.url, flush=True)
time.sleep(600)
"""


def test_the_server_stops_when_its_parent_dies_without_cleaning_up(two_monitors, until):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import envs

    root = str(Path(envs.__file__).resolve().parent.parent)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, two_monitors.display],
        text=True,
        stdout=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=root),
    )
    server = None
    try:
        pid_text, url = parent.stdout.readline().split()
        server = psutil.Process(int(pid_text))
        assert server.is_running()
        parent.send_signal(signal.SIGKILL)  # no __exit__, no stop()
        parent.wait()
        until(
            lambda: not server.is_running() or server.status() == psutil.STATUS_ZOMBIE,
            timeout=15,
            what="the orphaned server to stop",
        )
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/health", timeout=2)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if server is not None and server.is_running():  # the test failed: end the orphan
            server.kill()
