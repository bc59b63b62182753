"""Metrics on plain values: a right and a wrong answer each."""

from __future__ import annotations

import json

import pytest

from benchmarks.osworld.metrics import METRICS


def m(name):
    return METRICS[name]


def test_exact_match():
    assert m("exact_match")("100\n", {"expected": "100\n"}) == 1.0
    assert m("exact_match")("100", {"expected": "100\n"}) == 0.0
    assert m("exact_match")(None, {"expected": "x"}) == 0.0


def test_check_include_exclude():
    rules = {"include": ["43 132"], "exclude": ["error"]}
    assert m("check_include_exclude")("rows 43 132 ok", rules) == 1.0
    assert m("check_include_exclude")("rows 43 132 error", rules) == 0.0
    assert m("check_include_exclude")("rows 24 80", rules) == 0.0
    assert m("check_include_exclude")(None, rules) == 0.0


def test_is_in_list():
    rules = {"expected": "/home/user/Desktop/helloExtension"}
    assert m("is_in_list")(["/a", "/home/user/Desktop/helloExtension"], rules) == 1.0
    assert m("is_in_list")(["/a"], rules) == 0.0
    assert m("is_in_list")(None, rules) == 0.0


def test_literal_match():
    assert m("literal_match")(["Ann", "3"], ["ann", 3], type="list", ignore_case=True) == 1.0
    assert m("literal_match")(["Ann", "3"], ["ann", 3], type="list") == 0.0
    assert m("literal_match")(["Ann"], ["Ann", "3"], type="list") == 0.0
    assert m("literal_match")(42, "42") == 1.0
    assert m("literal_match")("Hello", "hello") == 0.0
    assert m("literal_match")("Hello", "hello", ignore_case=True) == 1.0


def test_fuzzy_match():
    assert m("fuzzy_match")("kitten", {"expected": "kitten"}) == 1.0
    assert m("fuzzy_match")("kitten", {"expected": "sitting"}) == pytest.approx(2 * 4 / 13)
    assert m("fuzzy_match")("abc", {"expected": "xyz"}) == 0.0
    assert m("fuzzy_match")(None, {"expected": "x"}) == 0.0


def test_check_direct_json_object_exact_keys():
    f = m("check_direct_json_object")
    rules = {"expected": {"from": "NYC", "to": "BOS"}}
    assert f({"from": "NYC", "to": "BOS", "extra": 1}, rules) == 1.0
    assert f({"from": "NYC", "to": "LAX"}, rules) == 0.0
    assert f(json.dumps({"from": "NYC", "to": "BOS"}), rules) == 1.0
    assert f("{'from': 'NYC', 'to': 'BOS'}", rules) == 1.0  # single quotes, as upstream accepts
    assert f(None, rules) == 0.0
    assert f(["not", "a", "dict"], rules) == 0.0
    assert f({"from": "NYC", "to": "BOS"}, {"expected": {"from": "__EVALUATION_FAILED__"}}) == 0.0


def test_check_direct_json_object_list_order_flag_follows_upstream():
    """Upstream reads `ignore_list_order` inside `expected`, so beside it (as the tasks write
    it) the flag does nothing, and inside it sorting the flag itself fails: order always counts."""
    f = m("check_direct_json_object")
    assert f({"models": ["b", "a"]}, {"expected": {"models": ["a", "b"]}, "ignore_list_order": True}) == 0.0
    assert f({"models": ["a", "b"]}, {"expected": {"models": ["a", "b"]}, "ignore_list_order": True}) == 1.0
    assert (
        f(
            {"models": ["b", "a"], "ignore_list_order": True},
            {"expected": {"models": ["a", "b"], "ignore_list_order": True}},
        )
        == 0.0
    )


def test_check_direct_json_object_expect_in_result():
    f = m("check_direct_json_object")
    rules = {"expect_in_result": True, "expected": {"q": "headphones", "name": ["Kili", "kili"]}}
    assert f({"q": "best headphones 2024", "name": "kili"}, rules) == 1.0
    assert f({"q": "best headphones", "name": ["x", "Kili"]}, rules) == 1.0
    assert f({"q": "earbuds", "name": "kili"}, rules) == 0.0
    assert f({"q": "headphones", "name": "everest"}, rules) == 0.0
