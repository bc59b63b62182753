"""Metrics: `metric(result, expected, **options) -> float`, with OSWorld's semantics.

Written from the behaviour of OSWorld's `desktop_env/evaluators/metrics`
(general.py, vscode.py), including its quirks where a score depends on them,
so that our numbers compare with published ones. A `None` result (a missing
file, a refused command) scores 0 everywhere.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["METRICS", "Metric"]

Metric = Callable[..., float]
METRICS: dict[str, Metric] = {}


def metric(fn: Metric) -> Metric:
    METRICS[fn.__name__] = fn
    return fn


def _text(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8")


@metric
def exact_match(result: Any, rules: dict[str, Any]) -> float:
    return float(result == rules["expected"])


@metric
def check_include_exclude(result: str | None, rules: dict[str, list[str]]) -> float:
    """Every `include` string is in the result and no `exclude` string is."""
    if result is None:
        return 0.0
    include, exclude = rules.get("include", []), rules.get("exclude", [])
    return float(all(s in result for s in include) and all(s not in result for s in exclude))


@metric
def is_in_list(result: Any, rules: dict[str, Any]) -> float:
    """The expected value is an element (or, for a string result, a substring) of the result."""
    if result is None:
        return 0.0
    return float(rules["expected"] in result)


@metric
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


@metric
def fuzzy_match(result: str | None, rules: dict[str, Any]) -> float:
    """Similarity in [0, 1] as difflib's ratio, 2*matched/total characters. Upstream
    uses rapidfuzz's `fuzz.ratio`, the same formula over the longest common
    subsequence; difflib's greedy blocks can match fewer characters, so on some
    inputs this scores a little lower (rapidfuzz is not a dependency here)."""
    if result is None:
        return 0.0
    matcher = difflib.SequenceMatcher(None, str(result), str(rules["expected"]), autojunk=False)
    return matcher.ratio()


@metric
def compare_text_file(actual: str | None, expected: str | None, **options: Any) -> float:
    """Two text files are equal, optionally ignoring blanks and case."""
    if not actual:
        return 0.0
    if not expected:
        raise FileNotFoundError("compare_text_file: the expected file is missing")
    a, e = _text(actual), _text(expected)
    if options.get("ignore_blanks", False):
        a = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", a).strip())
        e = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", e).strip())
    if options.get("ignore_case", False):
        a, e = a.lower(), e.lower()
    return float(a == e)


@metric
def diff_text_file(result: str | None, expected: str | None) -> float:
    """Line-level similarity of two text files (difflib ratio over lines)."""
    if result is None:
        return 0.0
    if not expected:
        raise FileNotFoundError("diff_text_file: the expected file is missing")
    a, e = _text(result).splitlines(), _text(expected).splitlines()
    return difflib.SequenceMatcher(a=a, b=e).ratio()


@metric
def check_list(result: str | None, rules: dict[str, list[str]]) -> float:
    """Each `expect` regex matches some line of the file; no `unexpect` regex matches any."""
    if result is None:
        return 0.0
    expect = [re.compile(p) for p in rules.get("expect", [])]
    unexpect = [re.compile(p) for p in rules.get("unexpect", [])]
    found = [False] * len(expect)
    with open(result, encoding="utf-8") as f:
        for line in f:  # lines keep their newline, as upstream's `for l in f`
            for i, pattern in enumerate(expect):
                found[i] = found[i] or pattern.search(line) is not None
            if any(p.search(line) for p in unexpect):
                return 0.0
    return float(all(found))


@metric
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
                if not any((isinstance(got, list) and w in got) or (isinstance(got, str) and w == got)
                           for w in want):
                    return 0.0
            elif isinstance(want, str):
                if want not in got:
                    return 0.0
            else:
                return 0.0
        return 1.0
    except Exception:  # noqa: BLE001 - upstream: a result of the wrong shape scores 0
        return 0.0


# Further groups live in their own modules; importing them adds them to METRICS.
from benchmarks.osworld import metrics_media, metrics_office  # noqa: F401
from benchmarks.osworld import metrics_config  # noqa: E402,F401  (needs metrics_office)
from benchmarks.osworld import metrics_chrome, metrics_misc, metrics_vlc, metrics_writer  # noqa: E402,F401
from benchmarks.osworld import metrics_colour, metrics_gimp, metrics_impress, metrics_odt  # noqa: E402,F401
from benchmarks.osworld import metrics_audio, metrics_pdf, metrics_video  # noqa: E402,F401
