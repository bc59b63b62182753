"""Getters beyond vm_file: relative dates, the asset cache, the evaluator's cache, app configs."""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone

import pytest

from benchmarks.osworld.assets import AssetCache, MissingAssets
from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters_time import relative_day
from benchmarks.osworld.tasks import Task
from envs.base import CommandOutput

WED = date(2026, 11, 25)  # a Wednesday
URL = "https://huggingface.co/datasets/x/resolve/main/gold.txt"


def ctx(desktop, tmp_path, **kw) -> EvalContext:
    return EvalContext(desktop, tmp_path / "cache", **kw)


def at(day: date, hour: int = 12):
    return lambda: datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.mark.parametrize(("name", "today", "expected"), [
    ("tomorrow", WED, date(2026, 11, 26)),
    ("next Monday", WED, date(2026, 11, 30)),
    ("next Monday", date(2026, 11, 30), date(2026, 12, 7)),      # on a Monday: the one after
    ("this Saturday", WED, date(2026, 11, 28)),
    ("next Friday", date(2026, 11, 27), date(2026, 12, 4)),      # on a Friday: a week on
    ("next Saturday", date(2026, 11, 28), date(2026, 12, 5)),
    ("next week Saturday", WED, date(2026, 12, 5)),
    ("10th next month", date(2026, 12, 3), date(2027, 1, 10)),   # December -> January
    ("first monday eight months later", WED, date(2027, 7, 5)),
    ("first monday four months later", date(2026, 8, 14), date(2026, 12, 7)),  # upstream: month 0
])
def test_relative_days(name, today, expected):
    assert relative_day(name, today) == expected


def test_a_range_ends_in_the_same_week_as_it_starts(recording_desktop, tmp_path):
    spec = {"rules": {"relativeTime": {"from": "next week Friday", "to": "next week Sunday"},
                      "expected": {"from": "Check In{DoW}, {Month} {Day0D}", "to": "Check Out{DoW}, {Month} {Day0D}",
                                   "city": "NYC"}}}
    before = copy.deepcopy(spec)
    rules = GETTERS["rule_relativeTime"](ctx(recording_desktop(), tmp_path, clock=at(WED)), spec)
    assert rules["expected"] == {"from": "Check InFri, Dec 04", "to": "Check OutSun, Dec 06", "city": "NYC"}
    assert spec == before  # the task's own rules stay as written (a retry formats them again)


def test_split_fields_and_lists_and_every_placeholder(recording_desktop, tmp_path):
    get = GETTERS["rule_relativeTime"]
    c = ctx(recording_desktop(), tmp_path, clock=at(WED))
    split = get(c, {"rules": {"relativeTime": {"from": "next Monday split", "to": "next Friday split"},
                              "expected": {"puDay": "{DayD}", "puMonth": "{MonthD}", "puYear": "{Year}",
                                           "doDay": "{DayD}", "doMonth": "{MonthD}", "doYear": "{Year}"}}})
    assert split["expected"] == {"puDay": "30", "puMonth": "11", "puYear": "2026",
                                 "doDay": "4", "doMonth": "12", "doYear": "2026"}
    one = get(c, {"rules": {"relativeTime": {"from": "next Monday"},
                            "expected": {"time": ["{Year}-{Month0D}-{Day0D}", "{MonthFull} {month}"]}}})
    assert one["expected"]["time"] == ["2026-11-30", "November november"]
    with pytest.raises(ValueError, match="unknown relative time 'someday'"):
        get(c, {"rules": {"relativeTime": {"from": "someday"}, "expected": {"time": "{Year}"}}})


def test_the_tasks_timezone_decides_what_today_is(recording_desktop, tmp_path):
    late = lambda: datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc)  # already Thursday in Zurich
    spec = {"rules": {"relativeTime": {"from": "tomorrow"}, "timezone": "Europe/Zurich",
                      "expected": {"time": "{DoW} {Day0D}"}}}
    assert GETTERS["rule_relativeTime"](ctx(recording_desktop(), tmp_path, clock=late), spec)["expected"]["time"] == "Fri 27"


def test_without_a_timezone_the_desktops_clock_is_today_through_evaluate(recording_desktop, tmp_path):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, "2026-11-25T10:00:00+0000\n", ""))
    task = Task.model_validate({"id": "t", "instruction": "book", "evaluator": {
        "func": "check_direct_json_object",
        "result": {"type": "rule", "rules": {"start": "JFK", "time": "Thu, Nov 26, 2026"}},
        "expected": {"type": "rule_relativeTime", "rules": {
            "relativeTime": {"from": "tomorrow"},
            "expected": {"start": "JFK", "time": "{DoW}, {Month} {Day0D}, {Year}"}}}}})
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path).score == 1.0
    assert ("execute", (["date", "+%Y-%m-%dT%H:%M:%S%z"], False)) in desktop.calls


def test_cloud_file_comes_from_the_asset_cache_or_names_the_missing_url(recording_desktop, tmp_path):
    desktop = recording_desktop(files={"/home/user/out.txt": b"gold\n"})
    task = Task.model_validate({"id": "t", "instruction": "i", "evaluator": {
        "func": "compare_text_file",
        "result": {"type": "vm_file", "path": "/home/user/out.txt", "dest": "out.txt"},
        "expected": {"type": "cloud_file", "path": URL, "dest": "gold.txt"}}})
    cache = AssetCache(tmp_path / "assets")
    offline = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e1", assets=cache)
    assert offline.score == 0.0 and URL in offline.error and "not cached" in offline.error
    no_cache = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e2")
    assert no_cache.score == 0.0 and URL in no_cache.error
    cache.add(URL, b"gold\n")
    scored = evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e3", assets=cache)
    assert scored.score == 1.0 and (tmp_path / "e3" / "gold.txt").read_bytes() == b"gold\n"
    cache.add(URL, b"other\n")
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "e4", assets=cache).score == 0.0


def test_cloud_file_multi_gives_a_list(recording_desktop, tmp_path):
    cache = AssetCache(tmp_path / "assets")
    urls = [URL, URL.replace("gold", "other")]
    for i, u in enumerate(urls):
        cache.add(u, f"{i}".encode())
    got = GETTERS["cloud_file"](ctx(recording_desktop(), tmp_path, assets=cache),
                                {"multi": True, "path": urls, "dest": ["a.txt", "b.txt"], "gives": [0, 1]})
    assert [open(p).read() for p in got] == ["0", "1"]
    with pytest.raises(MissingAssets, match="not cached"):
        GETTERS["cloud_file"](ctx(recording_desktop(), tmp_path, assets=cache),
                              {"path": URL + "x", "dest": "x"})


def test_cache_file_reads_what_a_postconfig_step_saved(recording_desktop, tmp_path):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(0, "'Orchis-dark'\n", ""))
    task = Task.model_validate({"id": "t", "instruction": "i", "evaluator": {
        "postconfig": [{"type": "execute", "parameters": {
            "command": ["gsettings", "get", "org.gnome.desktop.interface", "gtk-theme"],
            "stdout": "gsettings.out"}}],
        "func": "check_list", "result": {"type": "cache_file", "path": "gsettings.out"},
        "expected": {"type": "rule", "rules": {"expect": ["Orchis"]}}}})
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path / "a").score == 1.0
    missing = GETTERS["cache_file"]
    with pytest.raises(FileNotFoundError, match="nothing.out"):
        missing(ctx(recording_desktop(), tmp_path), {"path": "nothing.out"})
    with pytest.raises(ValueError, match="outside"):
        missing(ctx(recording_desktop(), tmp_path), {"path": "../../etc/passwd"})


def test_app_config_getters_read_the_users_config_files(recording_desktop, tmp_path):
    desktop = recording_desktop(files={"/home/user/.config/vlc/vlcrc": b"qt-privacy-ask=0\n",
                                       "/home/user/.config/GIMP/2.10/gimprc": b"(theme \"Dark\")\n"})
    c = ctx(desktop, tmp_path)
    assert open(GETTERS["vlc_config"](c, {"dest": "vlcrc"})).read() == "qt-privacy-ask=0\n"
    assert "Dark" in open(GETTERS["gimp_config_file"](c, {"file_name": "gimprc", "dest": "gimprc"})).read()
    assert GETTERS["gimp_config_file"](c, {"file_name": "sessionrc", "dest": "s"}) is None
    with pytest.raises(ValueError, match="plain file name"):
        GETTERS["gimp_config_file"](c, {"file_name": "../../.ssh/id_rsa", "dest": "x"})
    assert GETTERS["vm_screen_size"](c, {}) == {"width": 1920, "height": 1080}
    assert GETTERS["accessibility_tree"](c, {}) is None  # this desktop has no tree


def test_content_from_vm_file_gives_the_last_row_of_a_sheet(recording_desktop, tmp_path):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    for row in (["Name", "Year"], ["Ada", 1843], ["Alan", 1936]):
        book.active.append(row)
    data = BytesIO()
    book.save(data)
    desktop = recording_desktop(files={"/home/user/Desktop/r.xlsx": data.getvalue()})
    spec = {"path": "/home/user/Desktop/r.xlsx", "file_type": "xlsx", "file_content": "last_row"}
    assert GETTERS["content_from_vm_file"](ctx(desktop, tmp_path), spec) == ["Alan", "1936"]
