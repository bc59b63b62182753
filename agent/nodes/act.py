"""ground + act: resolve target descriptions to pixels, then run the compiled action.

A text span (highlight_text_span) is dragged from the left edge of its first word to the
right edge of its last, read by OCR around the grounder's points (grounding/text_span.py).

A step already written to traj.jsonl is never run again: after a crash between
acting and checkpointing, a resumed episode finds the record and moves on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from agent import loop_breaker as lb
from agent import screen_change
from agent.actions import (
    HighlightTextSpan,
    compile_action,
    parse_action,
    targets,
    with_points,
)
from agent.context import AgentContext
from agent.image_budget import ImageBudget, image_size
from agent.nodes.common import (
    advance,
    existing_step,
    new_turn,
    pending_decision,
    screenshot_bytes,
    write_step,
)
from agent.screen_scale import planner_scale
from agent.state import AgentState
from envs.actions import SettleSpec
from envs.base import DesktopError, DesktopUnreachable
from grounding.ocr import OcrError, OcrGrounder, OcrUnavailable
from grounding.text_span import screen_span

log = logging.getLogger(__name__)


_span_reader: list[OcrGrounder | None] = []


def span_reader() -> OcrGrounder | None:
    """The OCR that places text-span edges (tesseract; None where it is not installed)."""
    if not _span_reader:
        try:
            _span_reader.append(OcrGrounder())
        except OcrUnavailable as exc:
            log.warning("highlight_text_span drags centre to centre: %s", exc)
            _span_reader.append(None)
    return _span_reader[0]


def span_points(
    png: bytes, size: tuple[int, int], action: HighlightTextSpan, hints: list[tuple[int, int] | None]
) -> list[tuple[int, int]] | None:
    """Press at the left edge of the start phrase's first word, release at the right edge
    of the end phrase's last word (grounding/text_span.py); the grounder's points (hints)
    pick among look-alikes and stand in where OCR cannot place a phrase."""
    reader = span_reader()
    edges = None
    if reader is not None:
        try:
            edges = screen_span(
                reader,
                png,
                size,
                action.start_phrase.description,
                action.end_phrase.description,
                hints[0],
                hints[1],
            )
        except OcrError as exc:
            log.warning("OCR failed while placing a text span: %s", exc)
    if edges is not None:
        return [edges.start, edges.end]
    if hints[0] is not None and hints[1] is not None:
        return [hints[0], hints[1]]
    return None


def make_ground(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def not_found(state: AgentState, action: Any, description: str) -> dict[str, Any]:
        record = write_step(
            ctx,
            state,
            node="ground",
            action=action.model_dump(mode="json"),
            error=f"target not found: {description}",
        )
        turn = new_turn(
            state,
            record,
            signature=lb.action_signature(action),
            modality=lb.modality(action),
            result=f"Could not find {description!r} on the screen "
            f"(grounder: {ctx.grounder.name}). Describe it differently, "
            "give x and y, or use the keyboard.",
        )
        return advance(state, turn, wasted=True)

    def ground(state: AgentState) -> dict[str, Any]:
        action = parse_action(pending_decision(state)["action"])
        wanted = targets(action)
        if not wanted:
            return {"grounded": action.model_dump(mode="json")}
        png = screenshot_bytes(ctx, state)
        size = ctx.desktop.screen_size()
        # The planner's x and y are pixels of the screenshot as it was shown to it (scaled to
        # its model's image limits, agent/screen_scale.py): map them to the screen.
        scale = planner_scale(ctx.config, size, image_size(png))
        hints: list[tuple[int, int] | None] = []
        for target in wanted:
            if target.x is not None and target.y is not None:
                hints.append(scale.to_screen(target.x, target.y))
                continue
            found = ctx.grounder.ground(png, target.description, size)
            if found is None and not isinstance(
                action, HighlightTextSpan
            ):  # a text span may still be read by OCR below
                return not_found(state, action, target.description)
            hints.append(None if found is None else (found.x, found.y))
        if isinstance(action, HighlightTextSpan):
            points = span_points(png, size, action, hints)
            if points is None:
                missing = wanted[0] if hints[0] is None else wanted[1]
                return not_found(state, action, missing.description)
        else:
            points = [h for h in hints if h is not None]
        return {"grounded": with_points(action, points).model_dump(mode="json")}

    return ground


def describe(action_type: str, settle: Any, changed: bool | None) -> str:
    if changed is None:
        return f"Executed {action_type}."
    return f"Executed {action_type}; the screen {'changed' if changed else 'did NOT change'}."


def _read(ctx: AgentContext, name: str | None) -> bytes | None:
    if not name:
        return None
    try:
        return (ctx.folder / name).read_bytes()
    except OSError:
        return None


def make_act(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    settle = SettleSpec(quiet=ctx.config.settle_quiet, timeout=ctx.config.settle_timeout)
    judge = screen_change.Judge()

    def act(state: AgentState) -> dict[str, Any]:
        grounded = state.get("grounded")
        if grounded is None:
            raise RuntimeError("nothing grounded: the graph routes to act only after ground")
        action = parse_action(grounded)
        signature, modality = lb.action_signature(action), lb.modality(action)
        done_before = existing_step(ctx, state)
        if done_before is not None and done_before.screenshot_file:
            # It ran, then the process died before the checkpoint: do not run it twice.
            after: str | None = done_before.screenshot_file
            turn = new_turn(
                state,
                done_before,
                result=f"Executed {action.type}.",
                signature=signature,
                modality=modality,
                screen_after=after,
            )
            return advance(state, turn, screenshot_file=after)
        start = time.monotonic()
        error = None
        report = None
        try:
            result = ctx.desktop.act(compile_action(action), settle=settle)
            report = result.settle
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        except DesktopError as exc:
            error = str(exc)
        try:
            png = ctx.desktop.screenshot()
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        ImageBudget.from_config(ctx.config).prefetch(png)  # scaled for the next prompt meanwhile
        points = [(t.x, t.y) for t in targets(action) if t.x is not None]
        record = write_step(
            ctx,
            state,
            node="act",
            action=action.model_dump(mode="json"),
            png=png,
            desktop_s=time.monotonic() - start,
            points=points,
            error=error,
            settle=report.model_dump() if report else None,
        )
        after = record.screenshot_file
        ctx.prefetch_fingerprint(after, png)
        # The server's full-resolution report; upstream servers give none: compare the shots.
        known = report is not None and report.change is not None
        before = None if known else _read(ctx, state.get("screenshot_file"))
        changed = judge(report, before, png)
        text = f"The action failed: {error}" if error else describe(action.type, report, changed)
        turn = new_turn(
            state,
            record,
            result=text,
            signature=signature,
            modality=modality,
            screen_after=after,
            changed=changed,
        )
        turn["caret"] = list(judge.caret) if judge.caret else None
        return advance(state, turn, screenshot_file=after)

    return act
