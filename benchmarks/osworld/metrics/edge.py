"""Microsoft Edge metrics of WindowsAgentArena: the default font size, an Internet
shortcut on the Desktop.

Written from the behaviour of WAA's `metrics/edge.py`. Unlike Chrome's
`check_font_size` (strictly inside the range), Edge's range includes its minimum.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_edge_font_size", "is_url_shortcut_on_desktop"]


def check_edge_font_size(font_size: dict[str, Any] | None, rule: dict[str, Any]) -> float:
    """Edge's default font size equals `value`, or lies in [min, max)."""
    if not font_size:
        return 0.0
    size = font_size["default_font_size"]
    if rule["type"] == "value":
        return float(size == rule["value"])
    if rule["type"] == "range":
        return float(rule["min"] <= size < rule["max"])
    raise TypeError(f"check_edge_font_size: {rule['type']} not supported")


def is_url_shortcut_on_desktop(shortcuts: dict[str, str] | None, rule: dict[str, Any]) -> float:
    """Some `.url` shortcut's text contains `url_content` (`type: url`)."""
    if rule["type"] != "url":
        raise TypeError(f"is_url_shortcut_on_desktop: {rule['type']} not supported")
    return float(any(rule["url_content"] in text for text in (shortcuts or {}).values()))
