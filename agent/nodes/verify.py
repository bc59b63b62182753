"""verify: the Completeness Verifier cross-examines every "done" (docs/agent.md).

A separate model call sees the task, the criteria, the recent steps, the
planner's reasoning, the text on screen and the screenshot; post-rules in code
turn unreadable or hedged verdicts into rejections. A rejection's reason and
missing steps always go back to the planner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agent.context import AgentContext
from agent.decision import Verdict
from agent.history import (
    compact_json,
    criteria_text,
    gate_note_text,
    instruction_with_corrections,
    result_excerpt,
)
from agent.models.base import ImagePart, Message, ModelError, ReplyParseError, TextPart
from agent.nodes.common import advance, new_turn, pending_decision, screenshot_bytes, write_step
from agent.prompts import render
from agent.state import AgentState
from agent.verify_rules import RejectionTracker, apply_post_rules, rejections_of_this_claim
from envs.base import DesktopError

TEXT_LIMIT = 3000


def screen_text(ctx: AgentContext) -> str:
    """Names and texts from the accessibility tree: what is readable on screen, in words."""
    try:
        xml = ctx.desktop.accessibility_tree()
    except (DesktopError, NotImplementedError, OSError):
        return "(not available)"
    pieces = re.findall(r'name="([^"]{2,200})"', xml) + re.findall(r">([^<]{2,500})</", xml)
    text = " | ".join(dict.fromkeys(p.strip() for p in pieces if p.strip()))
    return text[:TEXT_LIMIT] or "(none)"


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def verify(state: AgentState) -> dict[str, Any]:
        decision = pending_decision(state)
        recent = [
            f"step {t['step']}: {t.get('signature', '')} -> {result_excerpt(t, 300)}"
            for t in state.get("turns", [])[-8:]
        ]
        prompt = render(
            "verifier",
            instruction=instruction_with_corrections(state),
            criteria=criteria_text(state.get("criteria", [])),
            gate_note=gate_note_text(state),
            trajectory="\n".join(recent) or "(no steps yet)",
            reasoning=decision.get("reasoning", "") or "(none)",
            text_observation=screen_text(ctx),
            schema=compact_json(Verdict.model_json_schema()),
        )
        png = screenshot_bytes(ctx, state)
        message = Message(role="user", content=[TextPart(text=prompt), ImagePart(data=png)])
        results, raw, parsed = [], "", None
        try:
            result = ctx.models.verifier.complete([message], schema=Verdict, max_tokens=1024)
            results, raw, parsed = [result], result.text, result.parsed
            ctx.record_usage("verifier", result)
        except ReplyParseError as exc:
            raw = exc.last_text
        except ModelError as exc:
            raw = f"(verifier call failed: {exc})"
        verdict = apply_post_rules(raw, parsed)
        tracker = RejectionTracker(
            max_consecutive=ctx.config.verifier_max_rejections, on_limit=ctx.config.on_rejection_limit
        )
        tracker.consecutive = rejections_of_this_claim(state.get("turns", []))
        outcome = tracker.record(verdict)
        limit = (
            {
                "rejection_limit": {
                    "rejections": tracker.consecutive,
                    "then": "accept" if outcome == "give_up_accept" else "fail",
                }
            }
            if outcome.startswith("give_up")
            else {}
        )
        record = write_step(
            ctx,
            state,
            node="verify",
            action=decision["action"],
            model_results=results,
            verifier=verdict.model_dump(),
            done=outcome != "reject",
            info=limit,
        )
        if outcome == "accept":
            turn = new_turn(state, record, result="The verifier accepted: " + verdict.reason)
            return advance(state, turn, status="done", reason=verdict.reason, rejections=0)
        if outcome in ("give_up_fail", "give_up_accept"):
            status = "fail" if outcome == "give_up_fail" else "done"
            then = (
                "ending as failed (on_rejection_limit=fail)"
                if status == "fail"
                else "accepting the done anyway (on_rejection_limit=accept)"
            )
            reason = (
                f"the verifier rejected the same done {tracker.consecutive} times in a row, "
                f"{then}; last reason: {verdict.reason}"
            )
            turn = new_turn(state, record, result=reason)
            return advance(state, turn, wasted=True, status=status, reason=reason)
        missing = "".join(f"\n- {m}" for m in verdict.missing_steps)
        text = (
            f"The Completeness Verifier REJECTED 'done': {verdict.reason}"
            + (f"\nMissing steps:{missing}" if missing else "")
            + "\nFix this before saying done again."
        )
        turn = new_turn(state, record, result=text)
        return advance(state, turn, wasted=True, rejections=tracker.consecutive)

    return verify
