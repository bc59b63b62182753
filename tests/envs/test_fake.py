"""FakeDesktop behaves like a desktop: the screen follows its state, nothing runs on the host."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from envs.actions import Click, Hotkey, Open, SettleSpec, TypeText
from envs.base import CommandOutput, Desktop, DesktopError
from envs.client import DesktopClient
from envs.fake import FakeDesktop


def test_both_fake_and_client_satisfy_the_protocol():
    assert isinstance(FakeDesktop(), Desktop)
    client = DesktopClient("http://127.0.0.1:9")
    assert isinstance(client, Desktop)
    client.close()


def test_screen_follows_typing_but_not_a_repeated_click():
    desk = FakeDesktop(640, 400)
    assert Image.open(io.BytesIO(desk.screenshot())).size == (640, 400)
    first = desk.act([Click(x=100, y=100)], settle=SettleSpec())
    assert first.settle.changed
    shot = desk.screenshot()
    again = desk.act([Click(x=100, y=100)], settle=SettleSpec())
    assert not again.settle.changed
    assert desk.screenshot() == shot
    desk.act([TypeText(text="hello")])
    assert desk.screenshot() != shot
    assert "hello" in desk.accessibility_tree()


def test_select_all_then_type_overwrites():
    desk = FakeDesktop()
    desk.act([TypeText(text="old"), Hotkey(keys=["ctrl", "a"]), TypeText(text="new"), Hotkey(keys=["enter"])])
    assert desk.text == "new\n"
    assert len(desk.log) == 4


def test_commands_are_never_run_on_the_host():
    desk = FakeDesktop()
    out = desk.execute(["touch", "/tmp/should-not-exist-fake"])
    assert out.returncode == 127 and "runs no commands" in out.error
    scripted = FakeDesktop(on_python=lambda code: CommandOutput(0, "42\n", ""))
    assert scripted.run_python("print(6*7)").output == "42\n"


def test_files_round_trip_and_missing_files_fail_clearly():
    desk = FakeDesktop()
    desk.upload_file("/home/user/a.txt", b"data")
    assert desk.read_file("/home/user/a.txt") == b"data"
    assert desk.list_directory("/home/user")["children"] == [{"type": "file", "name": "a.txt"}]
    with pytest.raises(DesktopError, match="no such file"):
        desk.read_file("/home/user/b.txt")
    desk.act([Open(target="notes.txt")])
    assert desk.windows[-1] == "notes.txt"


def test_fake_desktop_screenshot_formats():
    import io

    from PIL import Image

    from envs.actions import ImageSpec, MoveTo
    from envs.fake import FakeDesktop

    desktop = FakeDesktop()
    assert desktop.screenshot().startswith(b"\x89PNG")
    jpeg = desktop.screenshot(format="jpeg", quality=50)
    assert jpeg.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(jpeg)).size == desktop.screen_size()
    result = desktop.act([MoveTo(x=3, y=4)], screenshot=ImageSpec(format="webp"))
    assert result.screenshot is not None and result.screenshot[8:12] == b"WEBP"
