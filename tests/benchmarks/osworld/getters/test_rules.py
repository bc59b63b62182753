"""rule_relativeTime: relative dates made absolute, today from the task's timezone or the desktop."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from benchmarks.osworld.evaluate import evaluate
from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.rules import relative_day
from benchmarks.osworld.tasks import Task
from envs.base import CommandOutput

WED = date(2026, 11, 25)  # a Wednesday


def ctx(desktop, tmp_path, **kw) -> EvalContext:
    return EvalContext(desktop, tmp_path / "cache", **kw)


def at(day: date, hour: int = 12):
    return lambda: datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "today", "expected"),
    [
        ("tomorrow", WED, date(2026, 11, 26)),
        ("next Monday", WED, date(2026, 11, 30)),
        ("next Monday", date(2026, 11, 30), date(2026, 12, 7)),  # on a Monday: the one after
        ("this Saturday", WED, date(2026, 11, 28)),
        ("next Friday", date(2026, 11, 27), date(2026, 12, 4)),  # on a Friday: a week on
        ("next Saturday", date(2026, 11, 28), date(2026, 12, 5)),
        ("next week Saturday", WED, date(2026, 12, 5)),
        ("10th next month", date(2026, 12, 3), date(2027, 1, 10)),  # December -> January
        ("first monday eight months later", WED, date(2027, 7, 5)),
        ("first monday four months later", date(2026, 8, 14), date(2026, 12, 7)),  # upstream: month 0
    ],
)
def test_relative_days(name, today, expected):
    assert relative_day(name, today) == expected


def test_a_range_ends_in_the_same_week_as_it_starts(recording_desktop, tmp_path):
    spec = {
        "rules": {
            "relativeTime": {"from": "next week Friday", "to": "next week Sunday"},
            "expected": {
                "from": "Check In{DoW}, {Month} {Day0D}",
                "to": "Check Out{DoW}, {Month} {Day0D}",
                "city": "NYC",
            },
        }
    }
    before = copy.deepcopy(spec)
    rules = GETTERS["rule_relativeTime"](ctx(recording_desktop(), tmp_path, clock=at(WED)), spec)
    assert rules["expected"] == {"from": "Check InFri, Dec 04", "to": "Check OutSun, Dec 06", "city": "NYC"}
    assert spec == before  # the task's own rules stay as written (a retry formats them again)


def test_split_fields_and_lists_and_every_placeholder(recording_desktop, tmp_path):
    get = GETTERS["rule_relativeTime"]
    c = ctx(recording_desktop(), tmp_path, clock=at(WED))
    split = get(
        c,
        {
            "rules": {
                "relativeTime": {"from": "next Monday split", "to": "next Friday split"},
                "expected": {
                    "puDay": "{DayD}",
                    "puMonth": "{MonthD}",
                    "puYear": "{Year}",
                    "doDay": "{DayD}",
                    "doMonth": "{MonthD}",
                    "doYear": "{Year}",
                },
            }
        },
    )
    assert split["expected"] == {
        "puDay": "30",
        "puMonth": "11",
        "puYear": "2026",
        "doDay": "4",
        "doMonth": "12",
        "doYear": "2026",
    }
    one = get(
        c,
        {
            "rules": {
                "relativeTime": {"from": "next Monday"},
                "expected": {"time": ["{Year}-{Month0D}-{Day0D}", "{MonthFull} {month}"]},
            }
        },
    )
    assert one["expected"]["time"] == ["2026-11-30", "November november"]
    with pytest.raises(ValueError, match="unknown relative time 'someday'"):
        get(c, {"rules": {"relativeTime": {"from": "someday"}, "expected": {"time": "{Year}"}}})


def test_the_tasks_timezone_decides_what_today_is(recording_desktop, tmp_path):
    late = lambda: datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # already Thursday in Zurich
    spec = {
        "rules": {
            "relativeTime": {"from": "tomorrow"},
            "timezone": "Europe/Zurich",
            "expected": {"time": "{DoW} {Day0D}"},
        }
    }
    assert (
        GETTERS["rule_relativeTime"](ctx(recording_desktop(), tmp_path, clock=late), spec)["expected"]["time"]
        == "Fri 27"
    )


def test_without_a_timezone_the_desktops_clock_is_today_through_evaluate(recording_desktop, tmp_path):
    desktop = recording_desktop(
        on_execute=lambda cmd, shell: CommandOutput(0, "2026-11-25T10:00:00+0000\n", "")
    )
    task = Task.model_validate(
        {
            "id": "t",
            "instruction": "book",
            "evaluator": {
                "func": "check_direct_json_object",
                "result": {"type": "rule", "rules": {"start": "JFK", "time": "Thu, Nov 26, 2026"}},
                "expected": {
                    "type": "rule_relativeTime",
                    "rules": {
                        "relativeTime": {"from": "tomorrow"},
                        "expected": {"start": "JFK", "time": "{DoW}, {Month} {Day0D}, {Year}"},
                    },
                },
            },
        }
    )
    assert evaluate(task, desktop, last_action="DONE", cache_dir=tmp_path).score == 1.0
    assert ("execute", (["date", "+%Y-%m-%dT%H:%M:%S%z"], False)) in desktop.calls
