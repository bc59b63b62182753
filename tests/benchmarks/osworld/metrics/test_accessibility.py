"""check_accessibility_tree on an accessibility tree in OSWorld's XML."""

from __future__ import annotations

import pytest

from benchmarks.osworld.metrics import METRICS

TREE = """<desktop-frame xmlns:attr="uri:deskat:attributes.at-spi.gnome.org"
  xmlns:st="uri:deskat:state.at-spi.gnome.org" name="main">
  <application name="Thunderbird">
    <frame name="Account Settings">
      <label name="Email address: anonym-x2024@outlook.com">anonym-x2024@outlook.com</label>
      <push-button name="Password" st:enabled="true">Manage Passwords</push-button>
    </frame>
  </application>
</desktop-frame>"""


def test_check_accessibility_tree_xpath():
    f = METRICS["check_accessibility_tree"]
    rules = [
        {"xpath": "//application[@name='Thunderbird']//*[contains(@name, 'anonym-x2024@outlook.com')]"},
        {"xpath": "//application[@name='Thunderbird']//*[contains(@name, 'Password')]"},
    ]
    assert f(TREE, rules) == 1.0
    assert f(TREE.replace("anonym-x2024", "someone"), rules) == 0.0
    text_rule = [{"xpath": "//push-button[@st:enabled='true']", "text": "Manage Passwords", "exact": True}]
    assert f(TREE, text_rule) == 1.0
    assert f(TREE, [{**text_rule[0], "text": "Manage"}]) == 0.0
    fuzzy = f(TREE, [{**text_rule[0], "text": "Manage Password", "exact": False}])
    assert 0.9 < fuzzy < 1.0
    assert f(None, rules) == 0.0
    with pytest.raises(ValueError):
        f(TREE, [{"text": "x", "exact": True}])
