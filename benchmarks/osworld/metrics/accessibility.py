"""check_accessibility_tree: nodes of the desktop's accessibility tree, picked by
XPath or CSS selectors, and their texts.

Written from the behaviour of OSWorld's `metrics/general.py`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from benchmarks.osworld.metrics.general import similarity

__all__ = ["ACCESSIBILITY_NS", "check_accessibility_tree"]


# The namespaces OSWorld's accessibility tree uses for states, attributes, etc.
ACCESSIBILITY_NS = {
    "st": "uri:deskat:state.at-spi.gnome.org",
    "attr": "uri:deskat:attributes.at-spi.gnome.org",
    "cp": "uri:deskat:component.at-spi.gnome.org",
    "doc": "uri:deskat:document.at-spi.gnome.org",
    "docattr": "uri:deskat:attributes.document.at-spi.gnome.org",
    "txt": "uri:deskat:text.at-spi.gnome.org",
    "val": "uri:deskat:value.at-spi.gnome.org",
    "act": "uri:deskat:action.at-spi.gnome.org",
}


def _select(tree: Any, rule: dict[str, Any]) -> list[Any]:
    if "xpath" in rule:
        return tree.xpath(rule["xpath"], namespaces=ACCESSIBILITY_NS)
    if "selectors" in rule:
        try:
            from lxml.cssselect import CSSSelector
        except ImportError as exc:  # lxml's CSS support is the separate `cssselect` package
            raise RuntimeError("check_accessibility_tree: CSS selectors need the cssselect package") from exc
        return CSSSelector(", ".join(rule["selectors"]), namespaces=ACCESSIBILITY_NS)(tree)
    raise ValueError("check_accessibility_tree: a rule needs `xpath` or `selectors`")


def check_accessibility_tree(result: str | None, rules: list[dict[str, Any]]) -> float:
    """Every rule selects some node (by `xpath`, else CSS `selectors`); with `text`,
    the best node text matching it (exactly, or fuzzily without `exact`) scales the
    score. Rules multiply."""
    if result is None:
        return 0.0
    tree = etree.fromstring(result.encode("utf-8") if isinstance(result, str) else result)
    total = 1.0
    for rule in rules:
        nodes = _select(tree, rule)
        if not nodes:
            return 0.0
        if "text" in rule:
            want = rule["text"]
            if rule["exact"]:
                score = max(float(want == (n.text or None)) for n in nodes)
            else:
                score = max(similarity(want, n.text or "") for n in nodes)
            total *= score
    return float(total)
