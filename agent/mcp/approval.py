"""The agent's approval policy at the MCP door: classify, then ask the person or refuse.

Every action and command a host sends passes agent/approval.py exactly as the agent's own
do. A risky one runs unattended only where the policy lets its class through on a sandbox;
otherwise the person is asked through MCP elicitation, and where the client cannot elicit,
it is refused. Two ways to ask, by what the connection can carry:

- tools (act, run_command) ask *before* they start, through the SDK's resolvers: on
  2026-07-28 connections the question rides an InputRequiredResult and the call is retried
  with the answer; on older ones it is an elicitation/create request mid-call;
- run_task asks mid-episode from its worker thread (`ElicitingApprover`), which needs a
  back-channel (older protocol versions); without one the graph refuses, as with nobody there.
"""

from __future__ import annotations

from typing import Any, Literal

import anyio.from_thread
from pydantic import BaseModel, Field

from agent.approval import ApprovalAnswer, ApprovalRequest, Policy, Risk, unattended


class Approve(BaseModel):
    """What the person answers (an elicitation form: primitive fields only)."""

    approve: bool = Field(description="let this action run")
    reason: str = Field(default="", description="why (optional)")


class Verdict(BaseModel):
    allowed: bool
    by: Literal["no risk", "policy", "person"]
    reason: str = ""
    risk: Risk | None = None

    def refusal(self, what: str) -> str:
        assert self.risk is not None
        matched = f' (matched "{self.risk.matched}")' if self.risk.matched else ""
        return (
            f"refused: {what} needs a person's approval -- {self.risk.risk_class}: "
            f"{self.risk.why}{matched}; {self.reason}"
        )


def can_elicit(ctx: Any) -> bool:
    """Did the client declare the elicitation capability?"""
    capabilities = ctx.client_capabilities
    return capabilities is not None and getattr(capabilities, "elicitation", None) is not None


def verdict_without_person(risk: Risk | None, policy: Policy, sandbox: bool) -> Verdict | None:
    """The verdict when nobody needs asking, or None: the person must be asked."""
    if risk is None:
        return Verdict(allowed=True, by="no risk")
    if unattended(risk, policy, sandbox=sandbox):
        return Verdict(
            allowed=True,
            by="policy",
            risk=risk,
            reason=f"sandbox desktop; the policy lets {risk.risk_class} through unattended",
        )
    return None


def question(what: str, risk: Risk) -> str:
    matched = f' (matched "{risk.matched}")' if risk.matched else ""
    return f"deskpilot wants to run: {what}\nRisk: {risk.risk_class} -- {risk.why}{matched}.\nApprove it?"


def verdict_from_answer(outcome: Any, risk: Risk | None) -> Verdict:
    """An elicitation outcome (accept with data / decline / cancel), or our own Verdict
    when the resolver decided without asking."""
    if isinstance(outcome, Verdict):
        return outcome
    data = getattr(outcome, "data", None)
    if isinstance(data, Verdict):
        return data
    if getattr(outcome, "action", None) == "accept" and isinstance(data, Approve):
        if data.approve:
            return Verdict(allowed=True, by="person", risk=risk, reason=data.reason)
        return Verdict(
            allowed=False,
            by="person",
            risk=risk,
            reason="the person denied it" + (f": {data.reason}" if data.reason else ""),
        )
    said = {"decline": "declined", "cancel": "cancelled"}.get(
        getattr(outcome, "action", ""), "did not answer"
    )
    return Verdict(allowed=False, by="person", risk=risk, reason=f"the person {said} the request")


class ElicitingApprover:
    """An Approver for the graph, called from the episode's worker thread: it asks the
    person through the MCP request that started the episode."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def ask(self, request: ApprovalRequest) -> ApprovalAnswer:
        what = f"step {request.step}: {request.action.get('type', '?')} {request.action}"
        try:
            outcome = anyio.from_thread.run(self.ctx.elicit, question(what, request.risk), Approve)
        except Exception as exc:  # noqa: BLE001 -- the client went away or cannot answer: nobody approved
            return ApprovalAnswer(decision="deny", reason=f"could not ask the person: {exc}")
        verdict = verdict_from_answer(outcome, request.risk)
        return ApprovalAnswer(decision="approve" if verdict.allowed else "deny", reason=verdict.reason)


def approver_for(ctx: Any) -> ElicitingApprover | None:
    """A person to ask mid-episode, where this connection can carry the question."""
    session = ctx.session
    if can_elicit(ctx) and getattr(session, "can_send_request", False):
        return ElicitingApprover(ctx)
    return None
