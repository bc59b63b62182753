"""What a call cost: a price table per model, overridable, unknown models free.

KEEP THIS TABLE CURRENT. Prices are list prices in USD per 1M tokens (input, cached
input, output) as published by the providers; they change. Override without editing
code: pass `prices=` (a dict or a JSON file path) to a model, or set DESKPILOT_PRICES
to a JSON file path or inline JSON: {"model": {"input": 2.5, "cached_input": 1.25,
"output": 10}} or {"model": [2.5, 1.25, 10]}.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from agent.models.base import Usage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Price:
    input: float  # USD per 1M uncached input tokens
    cached_input: float  # USD per 1M input tokens served from the prefix cache
    output: float  # USD per 1M output tokens


# Keys are model-id prefixes; the longest matching prefix wins, so dated ids
# ("claude-sonnet-4-20250514", "gpt-4o-2024-08-06") find their family.
# Anthropic's "cached" is the cache-read price (cache writes are billed here as input).
DEFAULT_PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-4o": Price(2.50, 1.25, 10.00),
    "gpt-4o-mini": Price(0.15, 0.075, 0.60),
    "gpt-4.1": Price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": Price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.025, 0.40),
    "gpt-5": Price(1.25, 0.125, 10.00),
    "gpt-5-mini": Price(0.25, 0.025, 2.00),
    "gpt-5-nano": Price(0.05, 0.005, 0.40),
    "o1": Price(15.00, 7.50, 60.00),
    "o1-mini": Price(1.10, 0.55, 4.40),
    "o3": Price(2.00, 0.50, 8.00),
    "o3-mini": Price(1.10, 0.55, 4.40),
    "o4-mini": Price(1.10, 0.275, 4.40),
    "computer-use-preview": Price(3.00, 3.00, 12.00),
    # Anthropic
    "claude-3-haiku": Price(0.25, 0.03, 1.25),
    "claude-3-opus": Price(15.00, 1.50, 75.00),
    "claude-3-5-haiku": Price(0.80, 0.08, 4.00),
    "claude-3-5-sonnet": Price(3.00, 0.30, 15.00),
    "claude-3-7-sonnet": Price(3.00, 0.30, 15.00),
    "claude-haiku-4-5": Price(1.00, 0.10, 5.00),
    "claude-sonnet-4": Price(3.00, 0.30, 15.00),
    "claude-opus-4": Price(15.00, 1.50, 75.00),
    "claude-opus-4-5": Price(5.00, 0.50, 25.00),
    "claude-opus-4-6": Price(5.00, 0.50, 25.00),
}

PriceSpec = Union[Price, Mapping[str, float], list, tuple]  # noqa: UP007 - a runtime alias


def _price(name: str, spec: PriceSpec) -> Price:
    if isinstance(spec, Price):
        return spec
    try:
        if isinstance(spec, Mapping):
            inp = float(spec["input"])
            return Price(inp, float(spec.get("cached_input", inp)), float(spec["output"]))
        inp, cached, out = (float(x) for x in spec)
        return Price(inp, cached, out)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"price for {name!r} must be {{'input', 'cached_input', 'output'}} "
            f"or [input, cached_input, output] in USD per 1M tokens, got {spec!r}"
        ) from err


def load_prices(source: Mapping[str, PriceSpec] | str | os.PathLike) -> dict[str, Price]:
    """Prices from a dict, a JSON file path, or inline JSON text."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        text = str(source).strip()
        data = json.loads(text) if text.startswith("{") else json.loads(Path(text).read_text())
        if not isinstance(data, dict):
            raise ValueError(f"prices in {source} must be a JSON object of model -> price")
    return {name: _price(name, spec) for name, spec in data.items()}


def _strip_provider(model: str) -> str:
    # "openai/gpt-4o", "anthropic:claude-..." -> the bare model id
    for sep in (":", "/"):
        head, _, tail = model.partition(sep)
        if tail and head.lower() in ("openai", "anthropic"):
            return tail
    return model


class PriceTable:
    """Model -> Price by longest id prefix. Unknown models cost 0 with one warning each
    (local vLLM models are free); `warn_unknown=False` makes that silent."""

    def __init__(
        self,
        prices: Mapping[str, PriceSpec] | None = None,
        *,
        defaults: bool = True,
        warn_unknown: bool = True,
    ) -> None:
        self.prices: dict[str, Price] = dict(DEFAULT_PRICES) if defaults else {}
        env = os.environ.get("DESKPILOT_PRICES")
        if defaults and env:
            self.prices.update(load_prices(env))
        if prices:
            self.prices.update(load_prices(prices))
        self.warn_unknown = warn_unknown
        self._warned: set[str] = set()

    def lookup(self, model: str) -> Price | None:
        name = _strip_provider(model).lower()
        best: str | None = None
        for key in self.prices:
            k = key.lower()
            if (name == k or name.startswith((k + "-", k + "@"))) and (best is None or len(k) > len(best)):
                best = key
        return self.prices[best] if best is not None else None

    def cost(self, model: str, usage: Usage) -> float:
        price = self.lookup(model)
        if price is None:
            if self.warn_unknown and model not in self._warned:
                self._warned.add(model)
                log.warning(
                    "no price known for model %r: counting it as free "
                    "(add it with DESKPILOT_PRICES or prices=)",
                    model,
                )
            return 0.0
        cached = min(usage.cached_input_tokens, usage.input_tokens)
        dollars = (
            (usage.input_tokens - cached) * price.input
            + cached * price.cached_input
            + usage.output_tokens * price.output
        ) / 1_000_000
        return round(dollars, 8)


PricesArg = PriceTable | Mapping[str, PriceSpec] | str | os.PathLike | None
FREE = PriceTable(defaults=False, warn_unknown=False)
_default: PriceTable | None = None


def price_table(prices: PricesArg = None) -> PriceTable:
    """A PriceTable from whatever a caller passed (None: the shared default table)."""
    global _default
    if isinstance(prices, PriceTable):
        return prices
    if prices is None:
        if _default is None:
            _default = PriceTable()
        return _default
    return PriceTable(load_prices(prices))


def cost(model: str, usage: Usage, prices: PricesArg = None) -> float:
    """USD for one call's usage (input_tokens include the cached ones)."""
    return price_table(prices).cost(model, usage)
