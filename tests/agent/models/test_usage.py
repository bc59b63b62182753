"""The usage meter and the budgets that end an episode."""

from __future__ import annotations

from agent.models.base import ChatResult, Usage
from agent.models.usage import Budget, UsageMeter, check_budget


def meter_with(*entries) -> UsageMeter:
    meter = UsageMeter()
    for role, usage in entries:
        meter.add(role, usage, model="m")
    return meter


def test_meter_totals_per_role():
    meter = meter_with(
        ("planner", Usage(input_tokens=100, output_tokens=10, cost_usd=0.1)),
        ("planner", Usage(input_tokens=50, cached_input_tokens=40, cost_usd=0.05)),
        ("verifier", Usage(input_tokens=7, output_tokens=3)),
    )
    meter.record("gate", ChatResult(text="x", usage=Usage(input_tokens=1), model="g", attempts=2))
    meter.add("planner", None)  # a failed call without usage is simply skipped
    assert meter.total == Usage(input_tokens=158, output_tokens=13, cached_input_tokens=40, cost_usd=0.15)
    assert meter.by_role["planner"] == Usage(
        input_tokens=150, output_tokens=10, cached_input_tokens=40, cost_usd=0.15
    )
    assert meter.calls[-1].attempts == 2 and meter.calls[-1].role == "gate"
    summary = meter.summary()
    assert summary["calls"] == 4 and summary["total_tokens"] == 171
    assert set(summary["by_role"]) == {"gate", "planner", "verifier"}


def test_no_budget_never_ends():
    assert (
        check_budget(Budget(), meter_with(("p", Usage(input_tokens=10**9, cost_usd=1e6))), 10**6, 1e9) is None
    )


def test_each_budget_in_words():
    meter = meter_with(("planner", Usage(input_tokens=120_000, output_tokens=5_000, cost_usd=0.51)))
    assert check_budget(Budget(max_usd=0.50), meter, 3, 1.0) == "dollar budget of $0.50 reached ($0.51 spent)"
    assert check_budget(Budget(max_usd=0.60), meter, 3, 1.0) is None
    assert check_budget(Budget(max_steps=15), meter, 15, 1.0) == "step budget of 15 reached (15 steps taken)"
    assert (
        check_budget(Budget(max_input_tokens=100_000), meter, 1, 1.0)
        == "input-token budget of 100,000 reached (120,000 input tokens used)"
    )
    assert (
        check_budget(Budget(max_total_tokens=125_000), meter, 1, 1.0)
        == "token budget of 125,000 reached (125,000 tokens used)"
    )
    assert (
        check_budget(Budget(max_seconds=600), meter, 1, 612.4)
        == "time budget of 600 s reached (612 s elapsed)"
    )
    assert check_budget(Budget(max_seconds=600, max_steps=50), meter, 2, 10.0) is None
