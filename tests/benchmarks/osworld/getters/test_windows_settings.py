"""WindowsAgentArena's Settings getters against the stand-in Windows VM: registry
values as `Get-ItemPropertyValue` prints them, `Get-TimeZone | ConvertTo-Json`."""

from __future__ import annotations

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.windows_settings import (
    DESKTOP_KEY,
    NIGHT_LIGHT_KEY,
    NOTIFICATIONS_KEY,
    STORAGE_POLICY_KEY,
)
from tests.benchmarks.osworld.conftest import night_light_blob


def run(vm, name, tmp_path):
    return GETTERS[name](EvalContext(vm, tmp_path), {})


def test_night_light_state(windows, tmp_path):
    def vm(blob):
        return windows(registry={(NIGHT_LIGHT_KEY, "Data"): blob})

    assert run(vm(night_light_blob(True, (19, 0))), "night_light_state", tmp_path) == [
        True,
        "07:00 PM",
        "07:00 AM",
    ]
    assert run(vm(night_light_blob(True, (21, 30), (6, 15))), "night_light_state", tmp_path) == [
        True,
        "09:30 PM",
        "06:15 AM",
    ]
    assert run(vm(night_light_blob(True, None)), "night_light_state", tmp_path) == [True]
    assert run(vm(night_light_blob(False, (19, 0))), "night_light_state", tmp_path) is False
    assert run(windows(), "night_light_state", tmp_path) is False


def test_system_timezone(windows, tmp_path):
    pacific = {
        "DisplayName": "(UTC-08:00) Pacific Time (US & Canada)",
        "StandardName": "Pacific Standard Time",
    }
    assert (
        run(windows(timezone=pacific), "system_timezone", tmp_path)
        == "(UTC-08:00) Pacific Time (US & Canada)"
    )
    utc = {"DisplayName": "(UTC) Coordinated Universal Time", "StandardName": "Coordinated Universal Time"}
    assert run(windows(timezone=utc), "system_timezone", tmp_path) != pacific["DisplayName"]
    assert run(windows(timezone={}), "system_timezone", tmp_path) == "Unable to get time zone"


def test_desktop_background(windows, tmp_path):
    assert run(windows(registry={(DESKTOP_KEY, "WallPaper"): "\n"}), "desktop_background", tmp_path) == "True"
    picture = "C:\\Windows\\web\\wallpaper\\Windows\\img0.jpg\n"
    assert (
        run(windows(registry={(DESKTOP_KEY, "WallPaper"): picture}), "desktop_background", tmp_path)
        == "False"
    )


def test_storage_sense_run_frequency(windows, tmp_path):
    on_weekly = {(STORAGE_POLICY_KEY, "01"): "1\n", (STORAGE_POLICY_KEY, "2048"): "7\n"}
    assert run(windows(registry=on_weekly), "storage_sense_run_frequency", tmp_path) == "7"
    off = {(STORAGE_POLICY_KEY, "01"): "0\n", (STORAGE_POLICY_KEY, "2048"): "7\n"}
    assert run(windows(registry=off), "storage_sense_run_frequency", tmp_path) is None
    assert run(windows(), "storage_sense_run_frequency", tmp_path) is None


def test_system_notifications(windows, tmp_path):
    assert (
        run(windows(registry={(NOTIFICATIONS_KEY, "ToastEnabled"): "0\n"}), "system_notifications", tmp_path)
        == "True"
    )
    assert (
        run(windows(registry={(NOTIFICATIONS_KEY, "ToastEnabled"): "1\n"}), "system_notifications", tmp_path)
        == "False"
    )
    assert run(windows(), "system_notifications", tmp_path) == "False"  # never set: notifications on
