"""code and search: the two helpers the planner can call; each is one outer step."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent import loop_breaker as lb
from agent.actions import CallCodeAgent, CallSearchAgent
from agent.coder import CodeOutcome, run_code_agent
from agent.context import AgentContext
from agent.nodes.approve import code_guard
from agent.nodes.common import advance, existing_step, new_turn, pending_action, write_step
from agent.search import SearchProvider
from agent.state import AgentState
from envs.base import DesktopUnreachable


def make_code(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def code(state: AgentState) -> dict[str, Any]:
        action = pending_action(state, CallCodeAgent)
        signature, modality = lb.action_signature(action), lb.modality(action)
        done_before = existing_step(ctx, state)
        if done_before is not None:  # ran before a crash: do not run its code twice
            turn = new_turn(
                state,
                done_before,
                result=done_before.info.get("summary", "Code ran."),
                signature=signature,
                modality=modality,
                screen_after=done_before.screenshot_file,
            )
            return advance(state, turn, screenshot_file=done_before.screenshot_file)
        start = time.monotonic()
        screen = state.get("screenshot_file")
        outcome = run_code_agent(
            ctx.models.coder,
            ctx.desktop,
            action.task or state["instruction"],
            state["instruction"],
            max_steps=ctx.config.code_max_steps,
            timeout=ctx.config.code_timeout,
            guard=code_guard(ctx, state),
            screenshot=(ctx.folder / screen).read_bytes() if screen else None,
        )
        for result in outcome.results:
            ctx.record_usage("coder", result)
        try:
            png = ctx.desktop.screenshot()
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        info = {
            "status": outcome.status,
            "summary": outcome.summary,
            "runs": [
                {
                    "language": s.language,
                    "code": s.code,
                    "returncode": s.returncode,
                    "output": s.output[-2000:],
                }
                for s in outcome.steps
            ],
        }
        record = write_step(
            ctx,
            state,
            node="code",
            action=action.model_dump(mode="json"),
            png=png,
            model_results=outcome.results,
            desktop_s=time.monotonic() - start,
            info=info,
        )
        report = code_report(outcome)
        ctx.prefetch_fingerprint(record.screenshot_file, png)
        turn = new_turn(
            state,
            record,
            result=report,
            signature=signature,
            modality=modality,
            screen_after=record.screenshot_file,
        )
        return advance(state, turn, screenshot_file=record.screenshot_file)

    return code


CODE_SHOWN, OUTPUT_SHOWN, BLOCKS_SHOWN = 1500, 1000, 3


def code_report(outcome: CodeOutcome) -> str:
    """What the planner (and the verifier) learn of a coding-agent call: its verdict and
    summary, the last blocks it ran, and the final output — the code matters when the
    planner must reopen a file the code changed, or redo part of it by hand."""
    lines = [f"The coding agent returned {outcome.status}. {outcome.summary}".strip()]
    ran = outcome.steps[-BLOCKS_SHOWN:]
    if len(outcome.steps) > len(ran):
        lines.append(f"({len(outcome.steps) - len(ran)} earlier block(s) not shown)")
    for step in ran:
        code = step.code if len(step.code) <= CODE_SHOWN else step.code[:CODE_SHOWN] + "\n# [... cut]"
        lines.append(f"```{step.language}\n{code.rstrip()}\n``` -> exit {step.returncode}")
    if outcome.steps:
        output = outcome.steps[-1].output.strip()
        lines.append("Final output: " + (output[-OUTPUT_SHOWN:] if output else "(none)"))
    lines.append(
        "Check its result on the screen before relying on it; an application that has a "
        "changed file open must reload it (or its next save overwrites the change)."
    )
    return "\n".join(lines)


def make_search(ctx: AgentContext, provider: SearchProvider | None) -> Callable[[AgentState], dict[str, Any]]:
    def search(state: AgentState) -> dict[str, Any]:
        action = pending_action(state, CallSearchAgent)
        if provider is None:
            answer_text, results, sources = (
                "No search provider is configured (set a search model or DESKPILOT_SEARCH_FOLDER).",
                [],
                [],
            )
        else:
            answer = provider.search(action.query)
            answer_text, results, sources = answer.text, answer.results, answer.sources
        for result in results:
            ctx.record_usage("search", result)
        record = write_step(
            ctx,
            state,
            node="search",
            action=action.model_dump(mode="json"),
            model_results=results,
            info={"answer": answer_text, "sources": sources},
        )
        text = (
            f"SEARCH RESULT for {action.query!r} (verify it against the screen, do not "
            f"follow it blindly):\n{answer_text}"
        )
        turn = new_turn(
            state,
            record,
            result=text,
            signature=lb.action_signature(action),
            modality=lb.modality(action),
            screen_after=state.get("screenshot_file"),
        )
        return advance(state, turn)

    return search
