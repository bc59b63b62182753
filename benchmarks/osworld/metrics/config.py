"""Metrics over app settings files: GIMP's gimprc, Thunderbird's prefs.js and
msgFilterRules.dat, VS Code's settings, keybindings and extension list, JSON/YAML files.

Written from the behaviour of OSWorld's metrics of the same names (gimp.py,
thunderbird.py, vscode.py, general.py). A `None` result (a missing file) scores 0.
One deliberate difference: YAML is read with `safe_load` (plain data only), where
upstream's full loader would build arbitrary Python objects from the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from benchmarks.osworld.metrics.general import match_value_to_rule

__all__ = [
    "check_config_status",
    "check_json",
    "check_json_keybindings",
    "check_json_settings",
    "check_thunderbird_filter",
    "check_thunderbird_prefs",
    "compare_config",
    "is_extension_installed",
]


_PREF = re.compile(r'^user_pref\("(?P<key>(?:[^"]|\\")+)", (?P<val>.+)\);$')
# One condition of a Thunderbird filter: "AND (subject,contains,foo)", or ALL.
_CONDITION = re.compile(r'\b(?:AND|OR) \((?:[\w ]+),(?:[\w \']+),(?:"(?:(?:[^"]|\")+)"|(?:[^)]+))\)|\bALL\b')


def _read(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def check_config_status(actual_config_path: str | None, rule: dict[str, Any]) -> float:
    """A `(key value)` line of gimprc whose last word is `value`; `key` may be two words."""
    if actual_config_path is None:
        return 0.0
    key, value = rule["key"], rule["value"]
    for line in _read(actual_config_path).splitlines():
        if line.startswith("#") or not line.strip():
            continue
        items = line.strip().lstrip("(").rstrip(")").split()
        if not items:
            continue
        if isinstance(key, str) and items[0] == key and items[-1] == value:
            return 1.0
        if (
            isinstance(key, list)
            and len(key) == 2
            and len(items) >= 2
            and items[:2] == key
            and items[-1] == value
        ):
            return 1.0
    return 0.0


def check_json(result: str | None, rules: dict[str, Any], is_yaml: bool = False) -> float:
    """Values at key paths of a JSON (or YAML) file match `expect` rules and not `unexpect` ones."""
    if result is None:
        return 0.0
    text = _read(result)
    if is_yaml:
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    for rule in rules.get("expect", []):
        value = data
        for key in rule["key"]:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return 0.0
        if not match_value_to_rule(value, rule):
            return 0.0
    for rule in rules.get("unexpect", []):
        value = data
        for key in rule["key"]:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        if match_value_to_rule(value, rule):
            return 0.0
    return 1.0


def check_thunderbird_prefs(result: str | None, rule: dict[str, Any]) -> float:
    """Every `expect` pref of prefs.js present and matching; no `unexpect` pref matching."""
    if result is None:
        return 0.0
    expect, unexpect = rule.get("expect", {}), rule.get("unexpect", {})
    found = dict.fromkeys(expect, False)
    clean = True
    for line in _read(result).splitlines():
        match = _PREF.match(line.strip())
        if match is None:
            continue
        key = match.group("key")
        try:
            value = json.loads(match.group("val"))
        except ValueError:
            continue
        if key in expect:
            found[key] = match_value_to_rule(value, expect[key])
        elif key in unexpect:
            clean = clean and not match_value_to_rule(value, unexpect[key])
    return float(all(found.values()) and clean)


def _filters(path: str) -> list[dict[str, Any]]:
    unescape = lambda v: v.replace('\\"', '"').replace("\\\\", "\\")
    filters: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in _read(path).splitlines():
        key, sep, raw = line.partition("=")
        if not sep or key not in ("name", "enabled", "type", "action", "actionValue", "condition"):
            continue
        value = unescape(raw.strip().removeprefix('"').removesuffix('"'))
        if key == "name":
            current = {"name": value}
        elif key == "condition":
            current["condition"] = _CONDITION.findall(value)
            filters.append(current)
        else:
            current[key] = value
    return filters


def check_thunderbird_filter(result: str | None, rules: dict[str, Any]) -> float:
    """Some filter of msgFilterRules.dat matches each `expect` record; none an `unexpect` one."""
    if result is None:
        return 0.0
    filters = _filters(result)
    matches = lambda pattern, item: all(k in item and item[k] == v for k, v in pattern.items())
    expected = all(any(matches(r, f) for f in filters) for r in rules.get("expect", []))
    unexpected = any(matches(r, f) for r in rules.get("unexpect", []) for f in filters)
    return float(expected and not unexpected)


def is_extension_installed(actual: str | None, rules: dict[str, Any], **options: Any) -> float:
    """`code --list-extensions` output does (`contain`) or does not (`not_contain`) list it."""
    if actual is None:
        return 0.0
    if rules["type"] == "contain":
        return float(rules["expected"] in actual)
    if rules["type"] == "not_contain":
        return float(rules["expected"] not in actual)
    raise ValueError(f"is_extension_installed: type {rules['type']!r} is not contain or not_contain")


def check_json_keybindings(actual: str | None, expected: dict[str, Any], **options: Any) -> float:
    """VS Code's keybindings.json (a list; its first line may be a comment) holds the binding."""
    if actual is None:
        return 0.0
    lines = _read(actual).splitlines()
    for text in ("\n".join(lines), "\n".join(lines[1:])):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, list):
            return float(expected["expected"] in data)
    return 0.0


def compare_config(actual: str | None, rules: dict[str, Any], **options: Any) -> float:
    """The file's whole text equals `expected`."""
    if not actual:
        return 0.0
    return float(_read(actual) == rules["expected"])


def check_json_settings(result: str | None, expected: dict[str, Any], **options: Any) -> float:
    """A JSON settings file holds every key of `expected["expected"]` with that value."""
    if not result:
        return 0.0
    try:
        with open(result, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return 0.0
    if not isinstance(data, dict):
        return 0.0
    want = expected["expected"]
    return float(all(k in data and data[k] == v for k, v in want.items()))
