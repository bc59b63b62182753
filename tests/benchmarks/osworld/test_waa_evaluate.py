"""Whole WindowsAgentArena tasks (their own task files) scored by `evaluate` on the
stand-in Windows VM (conftest.py): postconfig steps, the Windows getters and the
metric together, one VM where the agent did the task and one where it did not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.osworld.evaluate import evaluate, unsupported_evaluator
from benchmarks.osworld.tasks import Task, load_split, load_task
from tests.benchmarks.osworld.conftest import clock_tree, night_light_blob

WAA = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "waa"
DESK = "C:\\Users\\Docker\\Desktop"
EDGE_PREFS = "C:\\Users\\Docker\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default\\Preferences"
NIGHT_LIGHT = (
    "HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\CloudStore\\Store\\DefaultAccount\\Current"
    "\\default$windows.data.bluelightreduction.settings\\windows.data.bluelightreduction.settings"
)


def waa_task(task_id: str) -> Task:
    return load_task(next(WAA.joinpath("examples").rglob(f"{task_id}.json")))


def score(task: Task, vm, tmp_path) -> float:
    return evaluate(task, vm, last_action="DONE", cache_dir=tmp_path / "cache").score


def test_every_waa_task_has_its_getters_and_metrics():
    split = load_split(WAA / "test_all.json", WAA / "examples")
    missing = {t.id: unsupported_evaluator(t) for tasks in split.values() for t in tasks}
    assert {k: v for k, v in missing.items() if v} == {}
    assert sum(len(tasks) for tasks in split.values()) == 154


def test_windows_calc_days_saved_to_the_desktop(windows, tmp_path):
    task = waa_task("28b91a24-5d97-4c2a-891c-dccbd3820c62-WOS-2")
    assert score(task, windows(files={DESK + "\\numdays.txt": b"230 days\r\n"}), tmp_path) == 1.0
    assert score(task, windows(files={DESK + "\\numdays.txt": b"229 days\r\n"}), tmp_path) == 0.0


def test_clock_timer_started_after_activating_the_clock(windows, tmp_path):
    task = waa_task("02F10F89-7171-4D37-8550-A00BA8930CDF-WOS")
    vm = windows(a11y=clock_tree([("Timer (1), 3 hours", True)]))
    assert score(task, vm, tmp_path) == 1.0
    assert ("activate", "Clock") in vm.events  # the postconfig ran first
    assert score(task, windows(a11y=clock_tree([("Timer (1), 3 hours", False)])), tmp_path) == 0.0


def test_settings_night_light_schedule(windows, tmp_path):
    task = waa_task("46adf721-2949-4426-b069-010b7c128d8f-wos")
    assert (
        score(task, windows(registry={(NIGHT_LIGHT, "Data"): night_light_blob(True, (19, 0))}), tmp_path)
        == 1.0
    )
    assert (
        score(task, windows(registry={(NIGHT_LIGHT, "Data"): night_light_blob(True, (20, 0))}), tmp_path)
        == 0.0
    )


def test_file_explorer_hidden_file(windows, tmp_path):
    task = waa_task("e27984c7-968c-48d7-b2c3-6e45cdcc5249-WOS")
    secret = "C:\\Users\\Docker\\Documents\\secret.txt"
    assert score(task, windows(files={secret: b"x"}, hidden={secret}), tmp_path) == 1.0
    assert score(task, windows(files={secret: b"x"}), tmp_path) == 0.0


def test_edge_font_size_after_restarting_edge(windows, tmp_path):
    task = waa_task("2acd62b4-a2ab-44a7-a7e3-f5227bbd8324-wos")

    def vm(size):
        return windows(
            files={EDGE_PREFS: json.dumps({"webkit": {"webprefs": {"default_font_size": size}}}).encode()}
        )

    large = vm(24)
    assert score(task, large, tmp_path) == 1.0
    assert ("launch", ["start", "msedge", "--remote-debugging-port=1337"]) in large.events
    assert score(task, vm(16), tmp_path) == 0.0


@pytest.mark.parametrize("saved, expected", [(True, 1.0), (False, 0.0)])
def test_paint_picture_saved_to_downloads(windows, tmp_path, saved, expected):
    task = waa_task("3544ac9a-6aee-4a0b-a203-bc7b59b272b6-WOS")
    files = {"C:\\Users\\Docker\\Downloads\\circle.png": b"\x89PNG\r\n"} if saved else {}
    assert score(task, windows(files=files, dirs={"C:\\Users\\Docker\\Downloads"}), tmp_path) == expected


def test_chrome_flag_enabled_read_from_the_windows_profile(windows, tmp_path):
    task = waa_task("480bcfea-d68f-4aaa-a0a9-2589ef319381-wos")
    local_state = "C:\\Users\\Docker\\AppData\\Local\\Google\\Chrome\\User Data\\Local State"

    def vm(flags):
        return windows(
            files={local_state: json.dumps({"browser": {"enabled_labs_experiments": flags}}).encode()}
        )

    enabled = vm(["show-performance-metrics-hud@1"])
    assert score(task, enabled, tmp_path) == 1.0
    assert "taskkill /IM chrome.exe /F" in enabled.commands  # Chrome closed, then relaunched
    assert score(task, vm([]), tmp_path) == 0.0
