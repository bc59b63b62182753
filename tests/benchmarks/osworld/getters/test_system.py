"""Getters reading the desktop: app config files, screen and window sizes, the
wallpaper, and the default video player through real `xdg-mime`."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.system import parse_wmctrl
from envs.base import CommandOutput


def ctx(desktop, tmp_path, **kw) -> EvalContext:
    return EvalContext(desktop, tmp_path / "cache", **kw)


def test_app_config_getters_read_the_users_config_files(recording_desktop, tmp_path):
    desktop = recording_desktop(
        files={
            "/home/user/.config/vlc/vlcrc": b"qt-privacy-ask=0\n",
            "/home/user/.config/GIMP/2.10/gimprc": b'(theme "Dark")\n',
        }
    )
    c = ctx(desktop, tmp_path)
    assert open(GETTERS["vlc_config"](c, {"dest": "vlcrc"})).read() == "qt-privacy-ask=0\n"
    assert "Dark" in open(GETTERS["gimp_config_file"](c, {"file_name": "gimprc", "dest": "gimprc"})).read()
    assert GETTERS["gimp_config_file"](c, {"file_name": "sessionrc", "dest": "s"}) is None
    with pytest.raises(ValueError, match="plain file name"):
        GETTERS["gimp_config_file"](c, {"file_name": "../../.ssh/id_rsa", "dest": "x"})
    assert GETTERS["vm_screen_size"](c, {}) == {"width": 1920, "height": 1080}
    assert GETTERS["accessibility_tree"](c, {}) is None  # this desktop has no tree


WMCTRL = """\
0x01a00003  0 0    0    1920 1080 vlc.vlc               host VLC media player
0x02000007  0 10   40   800  600  org.gnome.Nautilus.Org.gnome.Nautilus  host Home
"""


def test_window_size_getter(recording_desktop, tmp_path):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, WMCTRL, ""))
    ctx = EvalContext(desktop=desktop, cache_dir=tmp_path)
    assert GETTERS["vm_window_size"](ctx, {"app_class_name": "vlc"}) == {"width": 1920, "height": 1080}
    assert GETTERS["vm_window_size"](ctx, {"app_class_name": "gimp"}) is None
    assert parse_wmctrl(WMCTRL, "org.gnome.nautilus") == {"width": 800, "height": 600}
    assert desktop.calls[0] == ("execute", (["wmctrl", "-lxG"], False))


def test_window_size_getter_asks_the_window_size_route(recording_desktop, tmp_path):
    from envs.base import DesktopError

    class WithRoute(recording_desktop):
        def window_size(self, app_class_name: str) -> tuple[int, int]:
            if app_class_name != "vlc":
                raise DesktopError("/window_size", 404, f"no window of class {app_class_name!r}")
            return (1024, 768)

    ctx = EvalContext(desktop=WithRoute(), cache_dir=tmp_path)
    assert GETTERS["vm_window_size"](ctx, {"app_class_name": "vlc"}) == {"width": 1024, "height": 768}
    assert GETTERS["vm_window_size"](ctx, {"app_class_name": "gimp"}) is None


def test_vm_wallpaper_follows_gnomes_picture_uri(recording_desktop, tmp_path):
    answer = CommandOutput(0, "'file:///home/user/Pictures/my%20bg.png'\n", "")
    desktop = recording_desktop(
        files={"/home/user/Pictures/my bg.png": b"\x89PNG..."}, on_execute=lambda cmd, shell: answer
    )
    ctx = EvalContext(desktop, tmp_path / "cache")
    path = GETTERS["vm_wallpaper"](ctx, {"dest": "background.png"})
    assert open(path, "rb").read() == b"\x89PNG..." and path.endswith("background.png")
    unset = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, "''\n", ""))
    assert GETTERS["vm_wallpaper"](EvalContext(unset, tmp_path / "c2"), {"dest": "b.png"}) is None


@pytest.mark.skipif(shutil.which("xdg-mime") is None and not os.environ.get("CI"), reason="needs xdg-mime")
def test_default_video_player_with_real_xdg_mime(recording_desktop, tmp_path):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)

    def run(command, shell):  # the getter's command, run for real against `home`
        # Only this home's mimeapps.list counts: no system-wide defaults (XDG_DATA_DIRS).
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_DATA_DIRS": str(tmp_path / "nodata"),
        }
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        return CommandOutput(done.returncode, done.stdout, done.stderr)

    ctx = EvalContext(desktop=recording_desktop(on_execute=run), cache_dir=tmp_path / "cache")
    apps = home / ".local" / "share" / "applications"  # xdg-mime answers only installed apps
    apps.mkdir(parents=True)
    for name in ("vlc", "totem"):
        (apps / f"{name}.desktop").write_text(
            f"[Desktop Entry]\nType=Application\nName={name}\nExec={name} %U\n"
        )
    (home / ".config" / "mimeapps.list").write_text(
        "[Default Applications]\nvideo/mp4=vlc.desktop\nvideo/x-matroska=vlc.desktop\nvideo/webm=totem.desktop\n"
    )
    assert GETTERS["default_video_player"](ctx, {}) == "vlc.desktop"
    (home / ".config" / "mimeapps.list").write_text("[Default Applications]\n")
    assert GETTERS["default_video_player"](ctx, {}) == "unknown"
