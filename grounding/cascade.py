"""Several grounders tried in order, each trusted above its own confidence threshold.

Cheap, exact grounders go first (the accessibility tree, OCR) and a model last:

    CascadeGrounder([(a11y, 0.6), (ocr, 0.6), (jedi, 0.0)])

The first tier whose answer has `confidence >= threshold` wins. A tier that
answers None, a negative point (the benchmarks' way of declining) or too low a
confidence passes the question on; a tier that raises is logged and skipped, so
one broken grounder never takes the cascade down. When every tier declines the
cascade answers None.

The winning result keeps the tier's point, confidence and raw answer;
its `grounder` field becomes "<cascade name>/<tier's grounder>" so logs show
both. `last_trace` holds one `TierTrace(name, seconds, answered)` per tier
tried during the latest call, for benchmarks and the episode log.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from grounding.base import Grounder, GroundingResult

__all__ = ["CascadeGrounder", "TierTrace"]

log = logging.getLogger(__name__)


class TierTrace(NamedTuple):
    """One tier's part in one call: its name, seconds spent, whether its answer was taken."""

    name: str
    seconds: float
    answered: bool


def _tier_name(grounder: Grounder) -> str:
    name = getattr(grounder, "name", "")
    return name if isinstance(name, str) and name else type(grounder).__name__


class CascadeGrounder:
    """Tries `(grounder, threshold)` tiers in order; see the module docstring."""

    def __init__(self, tiers: Sequence[tuple[Grounder, float]], name: str = "cascade") -> None:
        checked: list[tuple[Grounder, float]] = []
        for index, tier in enumerate(tiers):
            try:
                grounder, threshold = tier
            except (TypeError, ValueError):
                raise TypeError(
                    f"cascade tier {index} must be a (grounder, threshold) pair, got {tier!r}"
                ) from None
            if not isinstance(grounder, Grounder):
                raise TypeError(
                    f"cascade tier {index}: {grounder!r} is not a Grounder "
                    "(needs a `name` and a `ground` method)"
                )
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, (int, float))
                or math.isnan(threshold)
            ):
                raise TypeError(
                    f"cascade tier {index} ({_tier_name(grounder)}): threshold must "
                    f"be a number, got {threshold!r}"
                )
            checked.append((grounder, float(threshold)))
        self.name = name
        self.tiers: list[tuple[Grounder, float]] = checked
        self.last_trace: list[TierTrace] = []

    def __repr__(self) -> str:
        inner = ", ".join(f"{_tier_name(g)}>={t:g}" for g, t in self.tiers)
        return f"CascadeGrounder({self.name!r}: {inner})"

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        trace: list[TierTrace] = []
        self.last_trace = trace
        for grounder, threshold in self.tiers:
            tier = _tier_name(grounder)
            start = time.perf_counter()
            try:
                result = grounder.ground(screenshot_png, description, screen_size)
                accepted = self._accepts(result, threshold)
            except Exception:  # noqa: BLE001 - one broken tier must not stop the others
                trace.append(TierTrace(tier, time.perf_counter() - start, False))
                log.warning("grounder %s failed on %r; trying the next one", tier, description, exc_info=True)
                continue
            trace.append(TierTrace(tier, time.perf_counter() - start, accepted))
            if accepted:
                assert result is not None
                return replace(result, grounder=f"{self.name}/{result.grounder or tier}")
            log.debug(
                "grounder %s declined %r (%s)",
                tier,
                description,
                "no answer" if result is None else f"confidence {result.confidence}",
            )
        return None

    @staticmethod
    def _accepts(result: GroundingResult | None, threshold: float) -> bool:
        if result is None:
            return False
        if not isinstance(result, GroundingResult):
            raise TypeError(f"expected a GroundingResult or None, got {type(result).__name__}")
        if result.x < 0 or result.y < 0:
            return False
        confidence = float(result.confidence)
        return not math.isnan(confidence) and confidence >= threshold
