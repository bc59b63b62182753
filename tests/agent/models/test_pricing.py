"""The price table: lookups by model family, overrides, unknown models."""

from __future__ import annotations

import json
import logging

import pytest

from agent.models.base import Usage
from agent.models.pricing import FREE, Price, PriceTable, cost


def test_longest_prefix_wins_for_dated_ids():
    t = PriceTable()
    assert t.lookup("gpt-4o-2024-08-06") == t.prices["gpt-4o"]
    assert t.lookup("gpt-4o-mini-2024-07-18") == t.prices["gpt-4o-mini"]
    assert t.lookup("o3-mini") == t.prices["o3-mini"] and t.lookup("o3") == t.prices["o3"]
    assert t.lookup("claude-sonnet-4-20250514") == t.prices["claude-sonnet-4"]
    assert t.lookup("claude-opus-4-5-20251101") == t.prices["claude-opus-4-5"]
    assert t.lookup("claude-3-5-sonnet-latest") == t.prices["claude-3-5-sonnet"]
    assert t.lookup("openai/gpt-4.1-mini") == t.prices["gpt-4.1-mini"]
    assert t.lookup("gpt-4oo") is None  # a prefix only matches at a dash


def test_cost_splits_cached_input():
    usage = Usage(input_tokens=2_000_000, cached_input_tokens=1_000_000, output_tokens=500_000)
    assert cost("gpt-4.1", usage) == pytest.approx(2.00 + 0.50 + 4.00)


def test_unknown_model_is_free_with_one_warning(caplog):
    t = PriceTable()
    with caplog.at_level(logging.WARNING, logger="agent.models.pricing"):
        assert t.cost("Qwen/Qwen2.5-VL-7B-Instruct", Usage(input_tokens=10**6)) == 0.0
        assert t.cost("Qwen/Qwen2.5-VL-7B-Instruct", Usage(input_tokens=10**6)) == 0.0
    assert len([r for r in caplog.records if "Qwen2.5-VL" in r.getMessage()]) == 1
    caplog.clear()
    FREE.cost("anything", Usage(input_tokens=5))
    assert caplog.records == []


def test_overrides_from_dict_file_and_env(tmp_path, monkeypatch):
    t = PriceTable({"gpt-4o": [1, 0.5, 2], "house-model": {"input": 3, "output": 6}})
    assert t.lookup("gpt-4o") == Price(1, 0.5, 2)
    assert t.lookup("house-model-v2") == Price(3, 3, 6)  # cached defaults to the input price
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"from-file": [1, 1, 1]}))
    assert cost("from-file", Usage(output_tokens=10**6), prices=str(path)) == 1.0
    monkeypatch.setenv("DESKPILOT_PRICES", str(path))
    assert PriceTable().lookup("from-file") == Price(1, 1, 1)
    monkeypatch.setenv("DESKPILOT_PRICES", '{"inline": [9, 9, 9]}')
    assert PriceTable().lookup("inline") == Price(9, 9, 9)


def test_bad_price_entry_is_explained():
    with pytest.raises(ValueError, match="'broken'.*USD per 1M tokens"):
        PriceTable({"broken": {"in": 1}})
