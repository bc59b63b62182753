"""VLC metrics on vlcrc files in the layout VLC writes (commented defaults, sections)
and its HTTP status.xml: a right and a wrong answer each."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.osworld.metrics import METRICS

# As VLC saves it: every option with its help line, defaults commented out.
DEFAULT_VLCRC = """\
###
### vlc 3.0.20
###

[qt] # Qt interface
# Display background cone or art (boolean)
#qt-bgcone=1

# Maximum Volume displayed (integer)
#qt-max-volume=125

# Start in minimal view (without menus) (boolean)
#qt-minimal-view=0

# Define the colors of the volume slider (string)
#qt-slider-colours=153;210;153;20;210;20;255;199;15;245;39;29

[core] # core program
# Record directory (string)
#input-record-path=

# Play and exit (boolean)
#play-and-exit=0

# Use only one instance when started from file manager (boolean)
#one-instance-when-started-from-file=1

# Play/Pause (string)
#global-key-play-pause=
"""
CHANGED = {
    "#qt-bgcone=1": "qt-bgcone=0",
    "#qt-max-volume=125": "qt-max-volume=200",
    "#qt-minimal-view=0": "qt-minimal-view=1",
    "#qt-slider-colours=153;210;153;20;210;20;255;199;15;245;39;29": "qt-slider-colours=0;0;0;20;20;20;50;50;50;90;10;10",
    "#input-record-path=": "input-record-path=/home/user/Desktop",
    "#play-and-exit=0": "play-and-exit=1",
    "#one-instance-when-started-from-file=1": "one-instance-when-started-from-file=0",
    "#global-key-play-pause=": "global-key-play-pause=Ctrl+Space",
}


@pytest.fixture
def vlcrc(tmp_path: Path) -> tuple[str, str]:
    """(untouched, changed) vlcrc paths."""
    default = tmp_path / "vlcrc"
    default.write_text(DEFAULT_VLCRC)
    text = DEFAULT_VLCRC
    for old, new in CHANGED.items():
        text = text.replace(old, f"{old}\n{new}")  # VLC keeps the comment and adds the value
    changed = tmp_path / "vlcrc_changed"
    changed.write_text(text)
    return str(default), str(changed)


@pytest.mark.parametrize(
    "name,key,value",
    [
        ("check_qt_bgcone", "expected_qt_bgcone", 0),
        ("check_qt_max_volume", "expected_qt_max_volume", 200),
        ("check_qt_minimal_view", "expected_qt_minimal_view", 1),
        ("check_play_and_exit", "expected_play_and_exit", 1),
        ("check_one_instance_when_started_from_file", "expected_one_instance_when_started_from_file", 0),
        ("check_global_key_play_pause", "expected_global_key_play_pause", 1),
    ],
)
def test_settings_changed_vs_default(vlcrc, name, key, value):
    default, changed = vlcrc
    f = METRICS[name]
    assert f(changed, {key: value}) == 1.0
    assert f(default, {key: value}) == 0.0
    assert f(None, {key: value}) == 0.0


def test_defaults_count_when_vlc_never_saved_the_key(tmp_path):
    empty = tmp_path / "vlcrc"
    empty.write_text("[qt]\n")
    assert METRICS["check_qt_max_volume"](str(empty), {"expected_qt_max_volume": 125}) == 1.0
    assert METRICS["check_qt_bgcone"](str(empty), {"expected_qt_bgcone": "1"}) == 1.0
    assert METRICS["check_play_and_exit"](str(empty), {"expected_play_and_exit": 0}) == 1.0
    assert METRICS["check_global_key_play_pause"](str(empty), {"expected_global_key_play_pause": 0}) == 1.0


def test_slider_colours(vlcrc):
    default, changed = vlcrc
    f = METRICS["check_qt_slider_colours"]
    assert f(changed, {"type": "blackish"}) == 1.0
    assert f(default, {"type": "blackish"}) == 0.0
    default_colours = "153;210;153;20;210;20;255;199;15;245;39;29"
    assert f(default, {"type": "match", "expected_qt_slider_colours": default_colours}) == 1.0
    assert f(changed, {"type": "match", "expected_qt_slider_colours": default_colours}) == 0.0


def test_recordings_folder(vlcrc):
    default, changed = vlcrc
    f = METRICS["is_vlc_recordings_folder"]
    assert f(changed, {"recording_file_path": "/home/user/Desktop"}) == 1.0
    assert f(changed, {"recording_file_path": "/home/user/Videos"}) == 0.0
    assert f(default, {"recording_file_path": "/home/user/Desktop"}) == 0.0  # only a comment


def _status(state: str, filename: str, url: str | None = None) -> str:
    extra = f'<info name="url">{url}</info>' if url else ""
    return f"""<?xml version="1.0" encoding="utf-8" standalone="yes" ?>
<root><fullscreen>false</fullscreen><volume>256</volume><state>{state}</state>
<information><category name="meta"><info name="filename">{filename}</info>{extra}</category></information>
</root>"""


def test_is_vlc_playing(tmp_path):
    f = METRICS["is_vlc_playing"]
    playing = tmp_path / "playing.xml"
    playing.write_text(_status("playing", "Rick Astley.mp4", "https://example.org/master.m3u8"))
    paused = tmp_path / "paused.xml"
    paused.write_text(_status("paused", "Rick Astley.mp4"))
    assert f(str(playing), {"type": "file_name", "file_name": "Rick Astley.mp4"}) == 1.0
    assert f(str(playing), {"type": "file_name", "file_name": "Other.mp4"}) == 0.0
    assert f(str(playing), {"type": "url", "url": "example.org/master.m3u8"}) == 1.0
    assert f(str(paused), {"type": "file_name", "file_name": "Rick Astley.mp4"}) == 0.0
    assert f(None, {"type": "file_name", "file_name": "x"}) == 0.0


def test_is_vlc_fullscreen():
    f = METRICS["is_vlc_fullscreen"]
    screen = {"width": 1920, "height": 1080}
    assert f(dict(screen), screen) == 1.0
    assert f({"width": 1280, "height": 720}, screen) == 0.0
    assert f(None, screen) == 0.0
