"""VLC metrics: settings read from `vlcrc`, the playing state, full screen.

Written from the behaviour of OSWorld's `metrics/vlc.py`. Its settings checks
read `vlcrc` line by line and keep the value of the LAST line that contains
`key=`, commented-out defaults (`#qt-bgcone=1`) included, starting from VLC's
default when no line has the key; we keep that, since it decides scores (a
setting VLC never saved compares as its default). The audio and video
comparisons OSWorld keeps in the same file are `audio.py` and `video.py` here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

log = logging.getLogger(__name__)


def _vlcrc_value(config_path: str, key: str, default: str) -> str:
    """The text after the last `=` of the last line holding `key=` (else `default`)."""
    value = default
    for line in Path(config_path).read_bytes().decode("utf-8").split("\n"):
        if f"{key}=" in line:
            value = line.split("=")[-1].strip()
    return value


def _setting_is(
    config_path: str | None, rule: dict[str, Any], key: str, rule_key: str, default: str
) -> float:
    if config_path is None:  # VLC never wrote its settings: upstream fails to open, 0
        return 0.0
    expected = rule[rule_key]
    if isinstance(expected, int):  # tasks write 0/1 as JSON numbers
        expected = str(expected)
    return float(_vlcrc_value(config_path, key, default) == expected)


def check_qt_bgcone(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    return _setting_is(actual_config_path, rule, "qt-bgcone", "expected_qt_bgcone", "1")


def check_qt_max_volume(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    return _setting_is(actual_config_path, rule, "qt-max-volume", "expected_qt_max_volume", "125")


def check_qt_video_resize(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    """WAA's: whether the video window resizes to the video (`qt-video-autoresize`)."""
    return _setting_is(actual_config_path, rule, "qt-video-autoresize", "qt-video-autoresize", "1")


def check_qt_minimal_view(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    return _setting_is(actual_config_path, rule, "qt-minimal-view", "expected_qt_minimal_view", "0")


def check_one_instance_when_started_from_file(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    return _setting_is(
        actual_config_path,
        rule,
        "one-instance-when-started-from-file",
        "expected_one_instance_when_started_from_file",
        "1",
    )


def check_play_and_exit(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    return _setting_is(actual_config_path, rule, "play-and-exit", "expected_play_and_exit", "0")


def check_global_key_play_pause(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    """Whether a global Play/Pause hotkey is set: "1" when the last
    `global-key-play-pause=` line has a value, "0" when it is empty or absent."""
    if actual_config_path is None:
        return 0.0
    expected = rule["expected_global_key_play_pause"]
    if isinstance(expected, int):
        expected = str(expected)
    state = "0"
    for line in Path(actual_config_path).read_bytes().decode("utf-8").split("\n"):
        if "global-key-play-pause=" in line:
            state = "0" if line.split("=")[-1].strip() == "" else "1"
    return float(state == expected)


_DEFAULT_SLIDER = "153;210;153;20;210;20;255;199;15;245;39;29"


def check_qt_slider_colours(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    """`type: match`: the colours equal `expected_qt_slider_colours`; `type:
    blackish`: every R;G;B triple of the setting has all channels below 100."""
    if actual_config_path is None:
        return 0.0
    # Upstream matches `qt-slider-colours` without the `=`, so a comment line
    # naming the key also counts; same here.
    colours = _DEFAULT_SLIDER
    for line in Path(actual_config_path).read_bytes().decode("utf-8").split("\n"):
        if "qt-slider-colours" in line:
            colours = line.split("=")[-1].strip()
    try:
        if rule["type"] == "match":
            return float(colours == rule["expected_qt_slider_colours"])
        if rule["type"] == "blackish":
            values = [int(x) for x in colours.split(";")]
            triples = zip(values[0::3], values[1::3], values[2::3])
            return float(all(all(v < 100 for v in rgb) for rgb in triples))
    except ValueError as exc:  # a malformed setting: upstream logs it and scores 0
        log.info("check_qt_slider_colours: %s", exc)
        return 0.0
    return 0.0  # upstream falls through (None) on an unknown type: a failure


def is_vlc_recordings_folder(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    """The first uncommented `input-record-path` line names the expected folder."""
    if actual_config_path is None:
        return 0.0
    for line in Path(actual_config_path).read_bytes().decode("utf-8").split("\n"):
        if line.startswith("#") or not line.strip():
            continue
        if "input-record-path" in line:
            return float(line.split("=")[-1].strip() == rule["recording_file_path"])
    return 0.0


def is_vlc_playing(actual_status_path: str | None, rule: dict[str, Any]) -> float:
    """VLC's HTTP `status.xml` says `playing`, and the playing item's `filename`
    (rule `type: file_name`) or `url` (`type: url`) ends with the expected one."""
    if actual_status_path is None:
        return 0.0
    tree = ElementTree.fromstring(Path(actual_status_path).read_bytes().decode("utf-8"))
    if tree.findtext("state") != "playing":
        return 0.0
    kind = rule["type"]
    if kind not in ("file_name", "url"):
        log.error("is_vlc_playing: unknown type %r", kind)
        return 0.0
    name = "filename" if kind == "file_name" else "url"
    info = tree.find(f'information/category[@name="meta"]/info[@name="{name}"]')
    if info is None or not info.text:
        return 0.0  # upstream returns None here, which the evaluator counts as a failure
    return float(info.text.endswith(rule[kind]))


def is_vlc_fullscreen(actual_window_size: dict[str, int] | None, screen_size: dict[str, int] | None) -> float:
    """The window is as large as the screen (either size missing: not full screen)."""
    if actual_window_size is None or screen_size is None:
        return 0.0
    return float(
        actual_window_size["width"] == screen_size["width"]
        and actual_window_size["height"] == screen_size["height"]
    )
