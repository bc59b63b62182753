"""What an episode spent, per call and per role, and the budgets that can end it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agent.models.base import ChatResult, Usage


class CallRecord(BaseModel):
    role: str
    model: str = ""
    usage: Usage
    latency_s: float = 0.0
    attempts: int = 1


class UsageMeter:
    """Accumulates Usage for one episode. Thread-safe: graph nodes may call models in
    parallel. A failed call (ReplyParseError/ModelError) still costs what its attempts
    used: `meter.add(role, getattr(err, "usage", None))`."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []
        self._lock = threading.Lock()

    def add(
        self, role: str, usage: Usage | None, model: str = "", latency_s: float = 0.0, attempts: int = 1
    ) -> None:
        if usage is None:
            return
        with self._lock:
            self.calls.append(
                CallRecord(role=role, model=model, usage=usage, latency_s=latency_s, attempts=attempts)
            )

    def record(self, role: str, result: ChatResult[Any]) -> ChatResult[Any]:
        """Add a call's result under `role`; returns it: `meter.record("planner", m.complete(...))`."""
        self.add(role, result.usage, result.model, result.latency_s, result.attempts)
        return result

    @property
    def total(self) -> Usage:
        with self._lock:
            return sum((c.usage for c in self.calls), Usage())

    @property
    def by_role(self) -> dict[str, Usage]:
        out: dict[str, Usage] = {}
        with self._lock:
            for c in self.calls:
                out[c.role] = out.get(c.role, Usage()) + c.usage
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals, e.g. for result.json."""
        total = self.total
        return {
            "calls": len(self.calls),
            "total": total.model_dump(),
            "total_tokens": total.input_tokens + total.output_tokens,
            "by_role": {r: u.model_dump() for r, u in sorted(self.by_role.items())},
        }


@dataclass(frozen=True)
class Budget:
    """Limits for one episode; None means no limit on that measure."""

    max_steps: int | None = None
    max_input_tokens: int | None = None
    max_total_tokens: int | None = None
    max_usd: float | None = None
    max_seconds: float | None = None


def check_budget(budget: Budget, meter: UsageMeter, steps: int, elapsed_s: float) -> str | None:
    """Which budget ended the episode, in words; None while all hold. A budget counts
    as reached when the measure equals or passes it."""
    total = meter.total
    all_tokens = total.input_tokens + total.output_tokens
    if budget.max_steps is not None and steps >= budget.max_steps:
        return f"step budget of {budget.max_steps} reached ({steps} steps taken)"
    if budget.max_usd is not None and total.cost_usd >= budget.max_usd:
        return f"dollar budget of ${budget.max_usd:.2f} reached (${total.cost_usd:.2f} spent)"
    if budget.max_input_tokens is not None and total.input_tokens >= budget.max_input_tokens:
        return (
            f"input-token budget of {budget.max_input_tokens:,} reached "
            f"({total.input_tokens:,} input tokens used)"
        )
    if budget.max_total_tokens is not None and all_tokens >= budget.max_total_tokens:
        return f"token budget of {budget.max_total_tokens:,} reached ({all_tokens:,} tokens used)"
    if budget.max_seconds is not None and elapsed_s >= budget.max_seconds:
        return f"time budget of {budget.max_seconds:g} s reached ({elapsed_s:.0f} s elapsed)"
    return None
