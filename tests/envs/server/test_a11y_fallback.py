"""GET /accessibility's walker falls back to the libatspi walker when it breaks, but a
missing bus stays a clear 503 error (no second try that would fail the same way)."""

from __future__ import annotations

import pytest

from envs.server import a11y, a11y_pipeline


def test_a_broken_pipeline_falls_back_to_the_reference_walker(monkeypatch):
    def broken(limits, view):
        raise KeyError("unexpected reply shape")

    seen = []
    monkeypatch.setattr(a11y_pipeline, "accessibility_tree_xml", broken)
    monkeypatch.setattr(
        a11y_pipeline, "reference_tree_xml", lambda limits, view: seen.append(limits) or "<desktop-frame/>"
    )
    assert a11y_pipeline.tree_xml(a11y.TreeLimits(max_nodes=7)) == "<desktop-frame/>"
    assert seen == [a11y.TreeLimits(max_nodes=7)]


def test_no_bus_is_not_retried(monkeypatch):
    def unavailable(limits, view):
        raise a11y.AccessibilityUnavailable("no D-Bus session bus")

    monkeypatch.setattr(a11y_pipeline, "accessibility_tree_xml", unavailable)
    monkeypatch.setattr(
        a11y_pipeline,
        "reference_tree_xml",
        lambda limits, view: pytest.fail("the reference walker was tried"),
    )
    with pytest.raises(a11y.AccessibilityUnavailable, match="no D-Bus"):
        a11y_pipeline.tree_xml()
