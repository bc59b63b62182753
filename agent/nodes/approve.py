"""approve: a risky action waits for a person; with nobody to ask it is refused.

The policy (agent/approval.py, rules in agent/data/risk_policy.toml) names
the risky actions. With a person connected (ctx.approver) the graph pauses on a
LangGraph interrupt, checkpointed, until the answer comes back as Command(resume=...);
the runner asks the approver. With nobody connected, the action is refused, unless the
settings say the desktop is a sandbox and the policy lets its class through unattended.
A refusal is a step of its own, so the planner sees it and plans around it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.types import interrupt

from agent import interventions as journal
from agent import loop_breaker as lb
from agent.actions import parse_action
from agent.approval import (
    ApprovalAnswer,
    ApprovalRequest,
    Policy,
    Risk,
    classify,
    classify_code,
    load_policy,
    unattended,
)
from agent.context import AgentContext
from agent.nodes.common import advance, new_turn, pending_decision, write_step
from agent.prompts import render
from agent.state import AgentState


def is_sandbox(ctx: AgentContext) -> bool:
    """The settings' word if they give one, else what the opener of the desktop knew."""
    said = ctx.config.approval.sandbox
    return ctx.sandbox if said is None else said


def refusal_text(action_type: str, risk: Risk, record: dict[str, Any]) -> str:
    who = "the person denied it" if record["by"] == "person" else "no person is connected to approve it"
    reason = f" Their reason: {record['reason']}" if record["by"] == "person" and record["reason"] else ""
    matched = f'; matched "{risk.matched}"' if risk.matched else ""
    return render(
        "approval_refused",
        action_type=action_type,
        risk_class=risk.risk_class,
        why=risk.why,
        matched=matched,
        who=who,
        reason=reason,
    )


def code_guard(
    ctx: AgentContext, state: AgentState, policy: Policy | None = None
) -> Callable[[str, str], str | None]:
    """For the coding agent's inner loop: each block is checked before it runs. The person is
    asked directly (not through an interrupt: resuming would rerun the blocks before it)."""
    policy = policy or load_policy(ctx.config.approval.policy)
    sandbox = is_sandbox(ctx)
    step = state.get("step", 0) + 1

    def guard(language: str, code: str) -> str | None:
        risk = classify_code(code, policy, sandbox=sandbox)
        if risk is None:
            return None
        action = {"type": "code_block", "language": language, "code": code[:4000]}
        if ctx.approver is not None:
            answer = ctx.approver.ask(ApprovalRequest(step=step, action=action, risk=risk))
            record: dict[str, Any] = {
                "decision": "approved" if answer.decision == "approve" else "denied",
                "by": "person",
                "reason": answer.reason,
            }
        elif unattended(risk, policy, sandbox=sandbox):
            record = {
                "decision": "allowed",
                "by": "policy",
                "reason": f"sandbox desktop; the policy lets {risk.risk_class} through unattended",
            }
        else:
            record = {"decision": "denied", "by": "policy", "reason": "no person is connected to approve it"}
        record["risk"] = risk.model_dump(mode="json")
        journal.append(ctx.folder, "approval", step=step, action=action, **record)
        ctx.on_event("approval", {"step": step, **record})
        if record["decision"] != "denied":
            return None
        return refusal_text(f"{language} block", risk, record)

    return guard


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    policy = load_policy(ctx.config.approval.policy)
    sandbox = is_sandbox(ctx)

    def approve(state: AgentState) -> dict[str, Any]:
        pending = state.get("pending") or {}
        decision = pending_decision(state)
        action = parse_action(decision["action"])
        risk = classify(action, policy, sandbox=sandbox, instruction=state["instruction"])
        if risk is None:
            return {}
        step = state.get("step", 0) + 1
        if ctx.approver is None:
            record: dict[str, Any]
            if unattended(risk, policy, sandbox=sandbox):
                record = {
                    "decision": "allowed",
                    "by": "policy",
                    "reason": f"sandbox desktop; the policy lets {risk.risk_class} through unattended",
                }
            else:
                record = {
                    "decision": "denied",
                    "by": "policy",
                    "reason": "no person is connected to approve it",
                }
        else:
            # Nothing above has side effects: on resume this node runs again from the top
            # and interrupt() returns the person's answer instead of pausing.
            request = ApprovalRequest(
                step=step, action=decision["action"], risk=risk, reasoning=decision.get("reasoning", "")
            )
            answer = ApprovalAnswer.model_validate(interrupt(request.model_dump(mode="json")))
            record = {
                "decision": "approved" if answer.decision == "approve" else "denied",
                "by": "person",
                "reason": answer.reason,
            }
        record["risk"] = risk.model_dump(mode="json")
        journal.append(ctx.folder, "approval", step=step, action=decision["action"], **record)
        ctx.on_event("approval", {"step": step, **record})
        if record["decision"] != "denied":
            return {"pending": {**pending, "approval": record}}
        written = write_step(ctx, state, node="approve", action=decision["action"], approval=record)
        turn = new_turn(
            state,
            written,
            result=refusal_text(action.type, risk, record),
            signature=lb.action_signature(action),
            modality=lb.modality(action),
        )
        return advance(state, turn)

    return approve
