"""Getters for values the task itself writes: `rule` gives its rules as they are;
`rule_relativeTime` gives them with relative dates ("next Monday") made absolute.

OSWorld's Chrome booking tasks say "book a room for next week Saturday to Sunday";
their expected spec carries the dates as format strings and the relative names:

    {"type": "rule_relativeTime", "rules": {
        "relativeTime": {"from": "next week Saturday", "to": "next week Sunday"},
        "timezone": "America/New_York",                       # optional
        "expected": {"from": "{DoW}, {Month} {Day0D}", "to": "...", "city": "..."}}}

The getter returns the rules with `expected.time` (one date: a string or a list of
strings), `expected.from` / `expected.to` (a range), or the split fields `puDay`,
`puMonth`, `puYear` / `doDay`, `doMonth`, `doYear` (for "next Monday split" /
"next Friday split") formatted. "Now" is the task's timezone when it names one,
else the desktop's own clock (the agent saw the desktop's date), else the host's.

The day rules and placeholders follow upstream's `get_rule_relativeTime` and
`apply_rules_to_timeFormat`, with one difference: "first monday N months later"
does proper month arithmetic where upstream computes month 0 (and crashes) in
some months. The task's rules are copied, never changed in place, so a retried
task sees its original format strings.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from benchmarks.osworld.getters.context import EvalContext
from envs.base import DesktopError

__all__ = ["RELATIVE_DAYS", "format_day", "relative_day", "rule", "rule_relative_time"]

log = logging.getLogger(__name__)


def rule(ctx: EvalContext, spec: dict[str, Any]) -> Any:
    """The rules written in the task itself."""
    return spec["rules"]


_DOW = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _nth_next_month(today: date, day: int) -> date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, day)


def _first_monday_months_later(today: date, months: int) -> date:
    index = today.month - 1 + months
    first = date(today.year + index // 12, index % 12 + 1, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _plus(days: Callable[[int], int]) -> Callable[[date], date]:
    return lambda today: today + timedelta(days=days(today.weekday()))


# name -> today -> day. Weekday arithmetic as upstream writes it (0 = Monday).
RELATIVE_DAYS: dict[str, Callable[[date], date]] = {
    "tomorrow": _plus(lambda wd: 1),
    "this month": _plus(lambda wd: 0),
    "5th next month": lambda t: _nth_next_month(t, 5),
    "10th next month": lambda t: _nth_next_month(t, 10),
    "11th next month": lambda t: _nth_next_month(t, 11),
    "this Saturday": _plus(lambda wd: 5 - wd),
    "this Sunday": _plus(lambda wd: 6 - wd),
    "next Monday": _plus(lambda wd: 7 - wd),
    "next Monday split": _plus(lambda wd: 7 - wd),
    "next Friday": _plus(lambda wd: 4 - wd if wd < 4 else 11 - wd),
    "next Friday split": _plus(lambda wd: 4 - wd if wd < 4 else 11 - wd),
    "next Saturday": _plus(lambda wd: 5 - wd if wd < 5 else (7 if wd == 5 else 6)),
    "next Sunday": _plus(lambda wd: 6 - wd if wd < 6 else 7),
    "next week Friday": _plus(lambda wd: 11 - wd),
    "next week Saturday": _plus(lambda wd: 12 - wd),
    "next week Sunday": _plus(lambda wd: 13 - wd),
    "first monday four months later": lambda t: _first_monday_months_later(t, 4),
    "first monday eight months later": lambda t: _first_monday_months_later(t, 8),
}
# A range's end that depends on its start: the Friday of the Monday's week, the Sunday
# of the Friday's or Saturday's weekend.
_SAME_WEEK = {
    ("next Monday", "next Friday"),
    ("next Monday split", "next Friday split"),
    ("next Monday", "next Friday split"),
    ("next Monday split", "next Friday"),
}
_SAME_WEEKEND = {
    ("next Friday", "next Sunday"),
    ("next Saturday", "next Sunday"),
    ("next week Friday", "next week Sunday"),
    ("next week Saturday", "next week Sunday"),
}


def relative_day(name: str, today: date, start: date | None = None, start_name: str = "") -> date:
    """The day `name` means on `today`; for a range's end, `start` is the range's first day."""
    if start is not None and (start_name, name) in _SAME_WEEK:
        return start + timedelta(days=4 - start.weekday())
    if start is not None and (start_name, name) in _SAME_WEEKEND:
        return start + timedelta(days=6 - start.weekday())
    try:
        rule = RELATIVE_DAYS[name]
    except KeyError:
        raise ValueError(
            f"rule_relativeTime: unknown relative time {name!r}; known: {', '.join(RELATIVE_DAYS)}"
        ) from None
    return rule(today)


def format_day(template: str, day: date) -> str:
    """Fill upstream's placeholders (each replaced once, as upstream does)."""
    values = (
        ("{DoW}", _DOW[day.weekday()]),
        ("{Month}", _MONTHS[day.month - 1][:3]),
        ("{DayD}", str(day.day)),
        ("{Year}", str(day.year)),
        ("{Month0D}", f"{day.month:02d}"),
        ("{month}", _MONTHS[day.month - 1].lower()),
        ("{MonthFull}", _MONTHS[day.month - 1]),
        ("{Day0D}", f"{day.day:02d}"),
        ("{MonthD}", str(day.month)),
    )
    for key, value in values:
        template = template.replace(key, value, 1)
    return template


def _format(value: Any, day: date) -> Any:
    if isinstance(value, list):
        return [format_day(str(v), day) for v in value]
    if not isinstance(value, str):
        raise ValueError(f"rule_relativeTime: a date template must be text, not {value!r}")
    return format_day(value, day)


def _now(ctx: EvalContext, timezone: str | None) -> datetime:
    zone = None
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("rule_relativeTime: unknown timezone %r, using UTC", timezone)
            zone = ZoneInfo("UTC")
    if ctx.clock is not None:
        now = ctx.clock()
        return now.astimezone(zone) if zone is not None and now.tzinfo is not None else now
    if zone is not None:
        return datetime.now(zone)
    try:  # the agent saw the desktop's date: score against the same one
        out = ctx.desktop.execute(["date", "+%Y-%m-%dT%H:%M:%S%z"])
        if out.returncode == 0 and out.output.strip():
            return datetime.strptime(out.output.strip(), "%Y-%m-%dT%H:%M:%S%z")
    except (DesktopError, ValueError) as exc:
        log.info("rule_relativeTime: the desktop's clock is not available (%s); using the host's", exc)
    return datetime.now().astimezone()


def _put(expected: dict[str, Any], keys: tuple[str, ...], day: date) -> None:
    for key in keys:
        if key not in expected:
            raise ValueError(f"rule_relativeTime: rules.expected has no {key!r} to fill in")
        expected[key] = _format(expected[key], day)


def rule_relative_time(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any]:
    rules = copy.deepcopy(spec["rules"])
    relative = rules.get("relativeTime") or {}
    expected = rules.get("expected")
    if "from" not in relative or not isinstance(expected, dict):
        raise ValueError("rule_relativeTime needs rules.relativeTime.from and a rules.expected object")
    today = _now(ctx, rules.get("timezone")).date()
    start_name = relative["from"]
    start = relative_day(start_name, today)
    if "to" not in relative:
        _put(expected, ("time",), start)
        return rules
    end_name = relative["to"]
    end = relative_day(end_name, today, start, start_name)
    _put(expected, ("puDay", "puMonth", "puYear") if start_name == "next Monday split" else ("from",), start)
    _put(expected, ("doDay", "doMonth", "doYear") if end_name == "next Friday split" else ("to",), end)
    return rules
