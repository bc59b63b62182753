"""CascadeGrounder: order, thresholds, declines and failing tiers, with fake grounders."""

from __future__ import annotations

import logging

import pytest

from grounding.base import Grounder, GroundingResult, NoGrounder
from grounding.cascade import CascadeGrounder, TierTrace

SHOT = b"\x89PNG fake"
SIZE = (1920, 1080)


class Fake:
    def __init__(self, name: str, answer=None, *, fail: Exception | None = None) -> None:
        self.name = name
        self.answer = answer
        self.fail = fail
        self.calls: list[tuple[bytes, str, tuple[int, int]]] = []

    def ground(self, screenshot_png, description, screen_size):
        self.calls.append((screenshot_png, description, screen_size))
        if self.fail is not None:
            raise self.fail
        return self.answer


def answer(x, y, confidence, grounder="", raw=""):
    return GroundingResult(x=x, y=y, confidence=confidence, grounder=grounder, raw=raw)


def test_first_confident_answer_wins_and_later_tiers_are_not_asked():
    a11y = Fake("a11y", answer(10, 20, 0.9, "a11y", raw="push-button 'Save'"))
    ocr = Fake("ocr", answer(99, 99, 1.0))
    cascade = CascadeGrounder([(a11y, 0.6), (ocr, 0.6)])
    assert isinstance(cascade, Grounder) and cascade.name == "cascade"
    result = cascade.ground(SHOT, "the Save button", SIZE)
    assert result == answer(10, 20, 0.9, "cascade/a11y", raw="push-button 'Save'")
    assert a11y.calls == [(SHOT, "the Save button", SIZE)]
    assert ocr.calls == []
    assert [(t.name, t.answered) for t in cascade.last_trace] == [("a11y", True)]


def test_low_confidence_passes_on_and_the_threshold_is_inclusive():
    a11y = Fake("a11y", answer(1, 1, 0.59))
    ocr = Fake("ocr", answer(2, 2, 0.6))
    jedi = Fake("jedi", answer(3, 3, 0.1))
    cascade = CascadeGrounder([(a11y, 0.6), (ocr, 0.6), (jedi, 0.0)], name="a11y+ocr+jedi")
    result = cascade.ground(SHOT, "x", SIZE)
    assert (result.x, result.y, result.grounder) == (2, 2, "a11y+ocr+jedi/ocr")
    assert [(t.name, t.answered) for t in cascade.last_trace] == [("a11y", False), ("ocr", True)]
    assert jedi.calls == []


def test_declines_none_and_negative_points_fall_through_to_the_next_tier():
    none = Fake("a11y", None)
    negative = Fake("ocr", answer(-1, -1, 1.0))
    model = Fake("jedi", answer(5, 6, 0.0, "jedi-7b"))
    cascade = CascadeGrounder([(none, 0.5), (negative, 0.5), (model, 0.0)])
    result = cascade.ground(SHOT, "x", SIZE)
    assert result.grounder == "cascade/jedi-7b"  # the tier's own name for itself is kept
    assert [t.answered for t in cascade.last_trace] == [False, False, True]


def test_all_decline_gives_none():
    cascade = CascadeGrounder(
        [(Fake("a", None), 0.0), (Fake("b", answer(1, 1, 0.2)), 0.5), (NoGrounder(), 0.0)]
    )
    assert cascade.ground(SHOT, "x", SIZE) is None
    assert [(t.name, t.answered) for t in cascade.last_trace] == [("a", False), ("b", False), ("none", False)]
    assert CascadeGrounder([]).ground(SHOT, "x", SIZE) is None


def test_a_raising_tier_is_logged_and_skipped(caplog):
    broken = Fake("jedi", fail=ConnectionError("vLLM is down"))
    backup = Fake("ocr", answer(7, 8, 0.9))
    cascade = CascadeGrounder([(broken, 0.0), (backup, 0.5)])
    with caplog.at_level(logging.WARNING, logger="grounding.cascade"):
        result = cascade.ground(SHOT, "the OK button", SIZE)
    assert (result.x, result.y, result.grounder) == (7, 8, "cascade/ocr")
    assert "grounder jedi failed" in caplog.text and "vLLM is down" in caplog.text
    assert [(t.name, t.answered) for t in cascade.last_trace] == [("jedi", False), ("ocr", True)]


def test_every_tier_raising_gives_none_not_an_exception():
    class Weird:
        name = "weird"

        def ground(self, *args):
            return (1, 2)  # not a GroundingResult: treated like a failure

    cascade = CascadeGrounder([(Fake("a", fail=RuntimeError("boom")), 0.0), (Weird(), 0.0)])
    assert cascade.ground(SHOT, "x", SIZE) is None
    assert [t.answered for t in cascade.last_trace] == [False, False]


def test_trace_times_each_tier(monkeypatch):
    ticks = iter([0.0, 0.25, 1.0, 3.0])
    monkeypatch.setattr("grounding.cascade.time.perf_counter", lambda: next(ticks))
    cascade = CascadeGrounder([(Fake("a11y", None), 0.5), (Fake("jedi", answer(1, 1, 1.0)), 0.0)])
    cascade.ground(SHOT, "x", SIZE)
    assert cascade.last_trace == [TierTrace("a11y", 0.25, False), TierTrace("jedi", 2.0, True)]
    name, seconds, answered = cascade.last_trace[1]
    assert (name, seconds, answered) == ("jedi", 2.0, True)


def test_trace_is_reset_each_call():
    first = Fake("a", answer(1, 1, 1.0))
    cascade = CascadeGrounder([(first, 0.5), (Fake("b", answer(2, 2, 1.0)), 0.5)])
    cascade.ground(SHOT, "x", SIZE)
    first.answer = None
    cascade.ground(SHOT, "y", SIZE)
    assert [t.name for t in cascade.last_trace] == ["a", "b"]


def test_nan_confidence_never_passes_a_threshold():
    cascade = CascadeGrounder([(Fake("a", answer(1, 1, float("nan"))), 0.0)])
    assert cascade.ground(SHOT, "x", SIZE) is None


@pytest.mark.parametrize(
    "tiers, message",
    [
        ([(object(), 0.5)], "is not a Grounder"),
        ([(Fake("a"), "high")], "threshold must be a number"),
        ([(Fake("a"), float("nan"))], "threshold must be a number"),
        ([Fake("a")], r"must be a \(grounder, threshold\) pair"),
    ],
)
def test_bad_tiers_are_refused_when_built(tiers, message):
    with pytest.raises(TypeError, match=message):
        CascadeGrounder(tiers)
