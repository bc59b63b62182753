"""The VLC getters and metrics against a real VLC on a real desktop (Xvfb, the osworld
profile's user), started with OSWorld's HTTP interface settings."""

from __future__ import annotations

import math
import os
import shutil
import struct
import wave

import pytest

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.vlc import VLC_PASSWORD, VLC_PORT
from benchmarks.osworld.metrics import METRICS


def _tone(path, seconds: int = 30) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(8000 * seconds))
        )


@pytest.fixture
def vlc_desktop(desktop_tools, tmp_path):
    """A fresh osworld-profile desktop (no baseline home: it needs none) playing a tone in VLC."""
    if shutil.which("vlc") is None:
        if os.environ.get("CI"):
            pytest.fail("vlc missing (scripts/install-debian-packages)")
        pytest.skip("vlc missing")
    from envs.local import LocalDesktop
    from envs.profiles.osworld import OSWorldProfile

    with LocalDesktop(1024, 768, profile=OSWorldProfile(baseline=False)) as desktop:
        _tone(desktop.home / "tone.wav")
        with desktop.client() as client:
            client.launch(
                [
                    "vlc",
                    "--no-audio",
                    "--extraintf",
                    "http",
                    "--http-host",
                    "127.0.0.1",
                    "--http-port",
                    str(VLC_PORT),
                    "--http-password",
                    VLC_PASSWORD,
                    "/home/user/tone.wav",
                ]
            )
            yield client, EvalContext(desktop=client, cache_dir=tmp_path / "cache")
            client.execute(["pkill", "-x", "vlc"])


def test_is_vlc_playing_on_real_vlc(vlc_desktop, until):
    _, ctx = vlc_desktop
    status = until(
        lambda: GETTERS["vlc_playing_info"](ctx, {"dest": "status.xml"}),
        timeout=30,
        what="VLC's HTTP interface",
    )
    playing = METRICS["is_vlc_playing"]
    until(
        lambda: (
            playing(
                GETTERS["vlc_playing_info"](ctx, {"dest": "status.xml"}),
                {"type": "file_name", "file_name": "tone.wav"},
            )
            == 1.0
        ),
        timeout=30,
        what="playing",
    )
    assert playing(status, {"type": "file_name", "file_name": "other.wav"}) == 0.0


def test_is_vlc_fullscreen_on_real_window(vlc_desktop, until):
    client, ctx = vlc_desktop
    screen = GETTERS["vm_screen_size"](ctx, {})
    window = until(
        lambda: GETTERS["vm_window_size"](ctx, {"app_class_name": "vlc"}), timeout=30, what="VLC's window"
    )
    assert METRICS["is_vlc_fullscreen"](screen, window) == 0.0  # a normal window
    assert GETTERS["vm_window_size"](ctx, {"app_class_name": "no-such-app"}) is None
    client.execute(["wmctrl", "-x", "-r", "vlc.vlc", "-b", "add,fullscreen"])
    until(
        lambda: (
            METRICS["is_vlc_fullscreen"](screen, GETTERS["vm_window_size"](ctx, {"app_class_name": "vlc"}))
            == 1.0
        ),
        timeout=15,
        what="a full-screen VLC",
    )
