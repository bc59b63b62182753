"""Metrics on plain values (strings, lists, JSON objects), and the two helpers other
metric modules share: `similarity` (a text ratio) and `match_value_to_rule`
(OSWorld's `{method, ref}` comparison rules).

Written from the behaviour of OSWorld's `desktop_env/evaluators/metrics/general.py`
and the rule helper of its `metrics/utils.py`, quirks included where a score
depends on them, so that our numbers compare with published ones. A `None`
result (a missing file, a refused command) scores 0.
"""

from __future__ import annotations

import difflib
import functools
import json
import operator
import re
from typing import Any

__all__ = [
    "check_direct_json_object",
    "check_include_exclude",
    "exact_match",
    "fuzzy_match",
    "is_in_list",
    "literal_match",
    "match_in_list",
    "match_value_to_rule",
    "similarity",
]


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1]: difflib's ratio, 2*matched/total characters, standing in for
    rapidfuzz's `fuzz.ratio / 100` (see fuzzy_match)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def match_value_to_rule(value: Any, rule: dict[str, Any]) -> bool:
    """OSWorld's `{method, ref}` rule: eq/ne/lt/le/gt/ge, `re[.FLAG...]`,
    `approx:TOL`, `range.XY`, `str_list_eq` / `str_set_eq`, `spreadsheet_range`."""
    method: str = rule["method"]
    ref: Any = rule.get("ref")  # the rule's own JSON: a pattern, a number or a list by method
    if method.startswith("re"):
        flags = functools.reduce(
            operator.or_, (getattr(re, f) for f in method.split(".")[1:]), re.RegexFlag(0)
        )
        return re.search(ref, str(value), flags) is not None
    if method in {"eq", "ne", "lt", "le", "gt", "ge"}:
        try:
            return bool(getattr(operator, method)(value, ref))
        except TypeError:
            return False
    if method.startswith("approx"):
        tolerance = float(method.split(":")[1])
        try:
            return abs(float(value) - ref) <= tolerance
        except (TypeError, ValueError):
            return False
    if method.startswith("range."):  # range.te [0, 2]: 0 < x <= 2
        low, high = method[6], method[7]
        return bool(
            getattr(operator, "l" + low)(ref[0], value) and getattr(operator, "l" + high)(value, ref[1])
        )
    if method in {"str_list_eq", "str_set_eq"}:
        kind = list if method == "str_list_eq" else set
        return kind(str(value).strip("\"'").split(",")) == kind(ref)
    if method == "spreadsheet_range":
        from openpyxl.worksheet.cell_range import MultiCellRange

        inner, outer = MultiCellRange(ref[0]), MultiCellRange(ref[1])
        got = MultiCellRange(str(value))
        return all(r in got for r in inner) and all(r in outer for r in got)
    raise NotImplementedError(f"unknown rule method {method!r}")


def exact_match(result: Any, rules: dict[str, Any]) -> float:
    return float(result == rules["expected"])


def check_include_exclude(result: str | None, rules: dict[str, list[str]]) -> float:
    """Every `include` string is in the result and no `exclude` string is."""
    if result is None:
        return 0.0
    include, exclude = rules.get("include", []), rules.get("exclude", [])
    return float(all(s in result for s in include) and all(s not in result for s in exclude))


def is_in_list(result: Any, rules: dict[str, Any]) -> float:
    """The expected value is an element (or, for a string result, a substring) of the result."""
    if result is None:
        return 0.0
    return float(rules["expected"] in result)


def literal_match(result: Any, expected: Any, **options: Any) -> float:
    """Equal as strings (`type: str`) or as lists of strings (`type: list`)."""
    kind = options.get("type", "str")
    fold = (lambda s: str(s).lower()) if options.get("ignore_case", False) else str
    if kind == "str":
        return float(fold(result) == fold(expected))
    if kind == "list":
        if not isinstance(result, (list, tuple)) or not isinstance(expected, (list, tuple)):
            return 0.0
        if len(result) != len(expected):
            return 0.0
        return float([fold(s) for s in result] == [fold(s) for s in expected])
    raise ValueError(f"literal_match: unknown type {kind!r}")


def fuzzy_match(result: str | None, rules: dict[str, Any]) -> float:
    """Similarity in [0, 1] as difflib's ratio, 2*matched/total characters. Upstream
    uses rapidfuzz's `fuzz.ratio`, the same formula over the longest common
    subsequence; difflib's greedy blocks can match fewer characters, so on some
    inputs this scores a little lower (rapidfuzz is not a dependency here)."""
    if result is None:
        return 0.0
    return similarity(str(result), str(rules["expected"]))


def check_direct_json_object(result: Any, rules: dict[str, Any]) -> float:
    """Compare a JSON object (or its text) with `rules["expected"]`, key by key.

    Default: every expected key has exactly the expected value. With
    `rules["expect_in_result"]`: a list of accepted values matches a result list
    containing one of them or a string equal to one; a string must be a substring.
    """
    if isinstance(result, str):
        # Upstream turns single quotes into double ones before parsing (Python reprs).
        result = json.loads(result.strip().replace("'", '"'))
    if result is None:
        return 0.0
    try:
        expected = rules.get("expected") or {}
        if any(v == "__EVALUATION_FAILED__" for v in expected.values()):
            return 0.0  # an expected getter that could not compute its value
        if not rules.get("expect_in_result", False):
            for key, want in expected.items():
                got = result.get(key)
                # Upstream looks for `ignore_list_order` inside the expected object, not
                # beside it in the rules where tasks write it, so there it has no effect
                # (and inside, sorting the flag's own value fails: 0). Kept for parity.
                if expected.get("ignore_list_order", False):
                    if sorted(want) != sorted(got):
                        return 0.0
                elif want != got:
                    return 0.0
            return 1.0
        for key, want in expected.items():
            got = result.get(key)
            if isinstance(want, list):
                if not any(
                    (isinstance(got, list) and w in got) or (isinstance(got, str) and w == got) for w in want
                ):
                    return 0.0
            elif isinstance(want, str):
                if want not in got:
                    return 0.0
            else:
                return 0.0
        return 1.0
    except Exception:  # noqa: BLE001 - upstream: a result of the wrong shape scores 0
        return 0.0


def match_in_list(result: Any, rules: dict[str, Any]) -> float:
    """The result is one of `expected`."""
    return float(result in rules["expected"])
