"""LocalDesktop and the control server on a real Xvfb display with real applications."""

from __future__ import annotations

import io
import os
import signal
import time

import psutil
import pytest
from PIL import Image

from envs.actions import Click, Hotkey, SettleSpec, TypeText
from envs.client import DesktopClient, DesktopError, DesktopUnreachable

TRICKY = "a<b>&\"c\" 'd' — héllo ünïcode ✓ 日本"


def windows(client: DesktopClient) -> str:
    return client.execute(["wmctrl", "-l"]).output


def close(client, name, until):
    client.close_window(name)
    until(lambda: name not in windows(client), what=f"window {name} to close")


def open_in_mousepad(client, desktop, name, until):
    (desktop.home / name).write_text("")
    client.launch(["mousepad", f"/home/user/{name}"])
    until(lambda: name in windows(client), what=f"mousepad window for {name}")
    client.activate_window(name)


def test_screenshot_has_the_configured_size_and_changes_after_typing(client, until):
    image = Image.open(io.BytesIO(client.screenshot()))
    assert image.format == "PNG"
    assert image.size == (1024, 768)
    assert client.screen_size() == (1024, 768)
    client.launch(["xterm", "-geometry", "80x20+0+0", "-title", "typing-target"])
    until(lambda: "typing-target" in windows(client), what="xterm window")
    client.activate_window("typing-target")
    before = client.screenshot()
    result = client.act([TypeText(text="echo screen-changes")], settle=SettleSpec())
    assert result.settle is not None and result.settle.changed and result.settle.stable
    assert client.screenshot() != before
    close(client, "typing-target", until)


def test_typed_text_arrives_byte_for_byte(client, desktop, until):
    open_in_mousepad(client, desktop, "typed.txt", until)
    client.act([TypeText(text=TRICKY + "\nsecond line"), Hotkey(keys=["ctrl", "s"])])
    until(lambda: (desktop.home / "typed.txt").read_text(encoding="utf-8") != "", what="saved file")
    saved = (desktop.home / "typed.txt").read_bytes()
    assert saved.rstrip(b"\n") == (TRICKY + "\nsecond line").encode("utf-8")
    close(client, "typed.txt", until)


def test_pyautogui_fallback_types_the_less_than_sign(desktop, until):
    """Upstream servers only have /execute: the compiled pyautogui code must still type '<'."""
    client = desktop.client()
    client._has_act = False  # behave as against OSWorld's server
    open_in_mousepad(client, desktop, "fallback.txt", until)
    client.act([TypeText(text="if a<b and c>d: 'x' & \"y\""), Hotkey(keys=["ctrl", "s"])])
    until(lambda: (desktop.home / "fallback.txt").read_text() != "", what="saved file")
    assert (desktop.home / "fallback.txt").read_text().rstrip("\n") == "if a<b and c>d: 'x' & \"y\""
    close(client, "fallback.txt", until)


def test_accessibility_tree_shows_mousepad_and_its_text(client, desktop, until):
    open_in_mousepad(client, desktop, "a11y.txt", until)
    client.act([TypeText(text="accessible words here")])

    def tree_with_text():
        xml = client.accessibility_tree()
        return xml if "accessible words here" in xml else None

    xml = until(tree_with_text, timeout=20, what="mousepad text in the accessibility tree")
    assert xml.startswith("<desktop-frame")
    assert "https://accessibility.ubuntu.example.org/ns/state" in xml
    assert "<application" in xml and 'name="Mousepad"' in xml.replace("mousepad", "Mousepad")
    assert "a11y.txt" in xml  # the window title
    client.act([Hotkey(keys=["ctrl", "s"])])
    close(client, "a11y.txt", until)


def test_click_moves_the_cursor_there(client):
    client.act([Click(x=300, y=200)])
    assert client.cursor_position() == (300, 200)


def test_recording_returns_an_mp4(client):
    client.start_recording()
    client.act([Click(x=10, y=10)])
    time.sleep(1.0)
    video = client.end_recording()
    assert video[4:8] == b"ftyp"  # an MP4 container
    with pytest.raises(DesktopError, match="no recording"):
        client.end_recording()


def test_terminal_route_says_clearly_when_there_is_none(client):
    with pytest.raises(DesktopError) as err:
        client._request("GET", "/terminal")
    assert err.value.status == 404
    assert "not available" in err.value.message


def test_setup_routes_follow_osworld(client, desktop, until):
    assert client.platform() == "Linux"
    assert client.desktop_path() == "/home/user/Desktop"
    (desktop.home / "Documents" / "report.txt").write_text("hello")
    client.open_file("/home/user/Documents/report.txt")  # waits for the window
    assert "report" in windows(client)
    with pytest.raises(DesktopError) as err:
        client.activate_window("no-such-window-anywhere")
    assert err.value.status == 404
    close(client, "report", until)
    until(lambda: "report" not in windows(client), what="window to close")


def test_desktop_sees_its_own_home_and_tmp_and_a_read_only_host(client, desktop):
    out = client.execute("echo $HOME; touch /tmp/from-inside; touch /etc/should-fail", shell=True)
    assert out.output.splitlines()[0] == "/home/user"
    assert "Read-only file system" in out.error
    assert (desktop.tmp / "from-inside").exists()
    assert not os.path.exists("/etc/should-fail")


def test_requests_without_token_are_refused_over_http(desktop):
    with DesktopClient(desktop.url) as anonymous:
        with pytest.raises(DesktopError) as err:
            anonymous.screenshot()
    assert err.value.status == 401


def test_unreachable_desktop_gives_a_clear_error():
    with DesktopClient("http://127.0.0.1:9", retries=1, backoff=0.01) as client:
        with pytest.raises(DesktopUnreachable, match="unreachable after 2 attempts"):
            client.screenshot()


def test_two_desktops_do_not_see_each_others_files():
    from envs.local import LocalDesktop

    with LocalDesktop(640, 480) as one, LocalDesktop(640, 480) as two:
        a, b = one.client(), two.client()
        a.execute("echo one > /home/user/mine.txt; echo one > /tmp/mine.txt", shell=True)
        assert b.execute(["cat", "/home/user/mine.txt"]).returncode != 0
        assert b.execute(["cat", "/tmp/mine.txt"]).returncode != 0
        assert a.read_file("/home/user/mine.txt") == b"one\n"
        assert (one.home / "mine.txt").exists() and not (two.home / "mine.txt").exists()
        assert a.health()["display"] != b.health()["display"] or one.port != two.port


def _name(pid: int) -> str:
    try:
        return psutil.Process(pid).name()
    except psutil.NoSuchProcess:  # a short-lived helper, gone since it was listed
        return ""


def _cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return ""


def test_no_process_is_left_after_teardown(alive):
    from envs.local import LocalDesktop

    desktop = LocalDesktop(640, 480).start()
    desktop.client().launch(["xterm"])
    time.sleep(0.5)
    pids = desktop.pids()
    names = {_name(p) for p in pids}
    assert {"Xvfb", "openbox", "dbus-daemon"} <= names
    state = desktop.state_dir
    desktop.stop()
    assert alive(pids) == []
    assert not state.exists()


def test_killing_the_server_takes_the_whole_desktop_down(until, alive):
    from envs.local import LocalDesktop

    with LocalDesktop(640, 480) as desktop:
        desktop.client().launch(["xterm"])
        time.sleep(0.5)
        pids = desktop.pids()
        server = [p for p in pids if "envs.server" in _cmdline(p)]
        assert len(server) == 1
        os.kill(server[0], signal.SIGKILL)
        until(lambda: alive(pids) == [], timeout=10, what="every desktop process to exit")


def test_screenshot_draws_the_cursor(client):
    from envs.actions import MoveTo

    client.act([MoveTo(x=700, y=600)])
    first = Image.open(io.BytesIO(client.screenshot())).convert("RGB")
    client.act([MoveTo(x=900, y=700)])
    second = Image.open(io.BytesIO(client.screenshot())).convert("RGB")
    box = (700, 600, 716, 616)  # where the pointer was, then was not
    assert first.crop(box).tobytes() != second.crop(box).tobytes()


def test_execute_can_wait_for_the_screen_to_settle(client, until):
    client.launch(["xterm", "-geometry", "40x10+50+50", "-title", "settle-me"])
    until(lambda: "settle-me" in windows(client), what="xterm")
    result = client.execute(
        ["xdotool", "search", "--name", "settle-me", "windowmove", "300", "300"], settle=SettleSpec(quiet=0.3)
    )
    assert result.ok
    assert result.settle is not None and result.settle.stable and result.settle.changed
    assert result.settle.seconds >= 0.3
    width, height = client.window_size("xterm")
    assert 100 < width < 1024 and 50 < height < 768
    close(client, "settle-me", until)


def test_long_non_ascii_text_with_more_characters_than_spare_keycodes(client, desktop, until):
    text = "".join(chr(0x4E00 + i) for i in range(45)) + " — ünïcödé ✓ " + "日本語のテキスト"
    open_in_mousepad(client, desktop, "cjk.txt", until)
    client.act([TypeText(text=text), Hotkey(keys=["ctrl", "s"])])
    until(lambda: (desktop.home / "cjk.txt").read_text(encoding="utf-8") != "", what="saved file")
    assert (desktop.home / "cjk.txt").read_text(encoding="utf-8").rstrip("\n") == text
    close(client, "cjk.txt", until)
