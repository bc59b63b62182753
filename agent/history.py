"""The planner's prompt, built so that consecutive prompts share the longest prefix.

Layout: system, task (+ first screen), then per past step an assistant message
(the decision, serialised deterministically) and a user message (what happened
and the screen after). A step's messages are a pure function of that step, so
prompt n+1 = prompt n + two messages — except when old turns or screenshots are
dropped, which happens in chunks of `image_chunk` steps, not every step, so a
provider's prefix cache keeps hitting (docs/agent.md, "Decisions and prompts").
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.decision import Decision
from agent.image_budget import MEDIA_TYPE_SCALED, ImageBudget, image_size
from agent.knowledge import app_hints
from agent.models.base import ImagePart, Message, TextPart
from agent.prompts import render, template
from agent.state import AgentState, Turn


def compact_json(data: Any) -> str:
    """Compact JSON in the data's own key order (a dumped Decision: observation, reflection,
    criteria check, reasoning, then the action — the order the planner is asked to write)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


@cache
def decision_schema() -> str:
    return compact_json(Decision.model_json_schema())


def criteria_text(criteria: list[dict[str, Any]]) -> str:
    if not criteria:
        return "(none given: judge from the task itself)"
    lines = []
    for i, c in enumerate(criteria):
        exact = f' [exact value: "{c["exact_value"]}"]' if c.get("exact_value") else ""
        lines.append(f"{i}. {c['text']}{exact}")
    return "\n".join(lines)


def epoch_start(turns: int, chunk: int) -> int:
    """Turns before the latest multiple of `chunk`: what is dropped only moves at those points."""
    return (turns // max(1, chunk)) * max(1, chunk)


def observation_text(turn: Turn, max_steps: int) -> str:
    step = turn["step"] + 1
    warning = (
        "\nThis is your LAST step. If the task is complete, answer done; otherwise take the "
        "most useful action: when the budget ends, the task is judged on the screen and "
        "files as they are."
        if step >= max_steps
        else ""
    )
    return render(
        "planner_observation",
        result=turn.get("result", ""),
        feedback="",
        step=step,
        max_steps=max_steps,
        last_step_warning=warning,
    )


def _image(
    folder: Path, name: str | None, budget: ImageBudget, newest: bool, screen: tuple[int, int]
) -> list[TextPart | ImagePart]:
    """The screenshot within its token budget and its model's image limits (deterministic
    bytes: the prefix survives)."""
    if not name:
        return []
    png = (folder / name).read_bytes()
    data, scaled = budget.apply(png, newest)
    image = ImagePart(data=data, media_type=MEDIA_TYPE_SCALED) if scaled else ImagePart(data=data)
    size = image_size(png)
    view = budget.target(size, newest=True)  # where the planner's x and y live
    if view == tuple(screen):
        return [image]
    # The planner answers x and y in the newest screenshot as shown; agent/nodes/act.py maps
    # them to the screen (agent/screen_scale.py). Said on every screenshot, the same words
    # for the same image, so that the prompt stays append-only.
    shown = scaled or size
    note = render(
        "screenshot_scaled",
        width=shown[0],
        height=shown[1],
        view_width=view[0],
        view_height=view[1],
        screen_width=screen[0],
        screen_height=screen[1],
    )
    return [image, TextPart(text=note)]


def correction_messages(state: AgentState, after_step: int) -> list[Message]:
    """The person's corrections that arrived after step `after_step`, as user messages."""
    return [
        Message.text("user", render("planner_correction", text=c["text"]))
        for c in state.get("corrections") or []
        if c.get("after_step") == after_step
    ]


def instruction_with_corrections(state: AgentState) -> str:
    """The task as the person now wants it: the instruction, then their corrections."""
    extra = [
        f"\n[correction after step {c['after_step']}] {c['text']}" for c in state.get("corrections") or []
    ]
    return state["instruction"] + "".join(extra)


def gate_note_text(state: AgentState) -> str:
    """What the criteria writer said beyond the criteria: a doubt about feasibility, a note."""
    gate = state.get("gate_note") or {}
    note = (gate.get("note") or "").strip()
    if gate.get("feasible") is False:
        return (
            "NOTE: at the start the task looked INFEASIBLE on this computer"
            + (f": {note}" if note else "")
            + ". Check this yourself; answer fail only with "
            "evidence.\n"
        )
    return f"NOTE: {note}\n" if note else ""


# Old steps are summarised in a line each, but what the search and coding agents found
# stays readable: an answer or the code that ran is what a later step builds on.
SUMMARY_CHARS = {"search": 1500, "code": 1500}


def result_excerpt(turn: Turn, default: int) -> str:
    return turn.get("result", "")[: SUMMARY_CHARS.get(turn.get("node", ""), default)]


def summary_line(turn: Turn) -> str:
    return f"step {turn['step']}: {turn.get('signature', '?')} -> {result_excerpt(turn, 160)}"


def _newest_screenshot(state: AgentState) -> int | None:
    """Index of the last turn with a screenshot (None: the first screen is the newest)."""
    turns = state.get("turns", [])
    return next((i for i in range(len(turns) - 1, -1, -1) if turns[i].get("screenshot_file")), None)


def planner_messages(
    state: AgentState, config: AgentConfig, folder: Path, screen: tuple[int, int]
) -> list[Message]:
    """[system] [task + first screen] [summaries of old steps, one message per chunk]
    [recent steps in full: decision, then what happened and the screen after].

    Everything before the recent steps is append-only, so when a chunk of steps
    moves from "recent" to "summarised" the prompt changes only from that point on.
    """
    targeting = template("targets_pixels" if config.grounder == "none" else "targets_described")
    system = render(
        "planner_system",
        screen_width=screen[0],
        screen_height=screen[1],
        targeting=targeting.template,
        action_help=template("actions").template,
        decision_schema=decision_schema(),
    )
    turns = state.get("turns", [])
    chunk = config.image_chunk
    boundary = epoch_start(len(turns), chunk)
    first_full = max(0, boundary - config.history_turns)  # older turns are summarised
    first_image = max(0, boundary - config.history_images + 1)  # observation index (0 = start)

    task = render(
        "planner_task",
        instruction=state["instruction"],
        criteria=criteria_text(state.get("criteria", [])),
        max_steps=config.max_steps,
        gate_note=gate_note_text(state),
        environment=state.get("environment") or "a Linux desktop.",
        grading=template("grading").template.strip(),
        app_hints=app_hints(state["instruction"]),
    )
    # The first screen stays: dropping it would change the second message and void the cache.
    budget = ImageBudget.from_config(config)
    newest = _newest_screenshot(state)
    task_parts: list = [
        TextPart(text=task),
        *_image(folder, state.get("initial_screenshot"), budget, newest is None, screen),
    ]
    messages = [
        Message.text("system", system),
        Message(role="user", content=task_parts),
        *correction_messages(state, 0),
    ]
    for start in range(0, first_full, max(1, chunk)):
        part = turns[start : min(start + chunk, first_full)]
        lines = "\n".join(summary_line(t) for t in part)
        messages.append(Message.text("user", f"EARLIER STEPS (summarised):\n{lines}"))
        for t in part:  # corrections stay in the order they came, after their step
            messages += correction_messages(state, t["step"])

    for index in range(first_full, len(turns)):
        turn = turns[index]
        messages.append(Message.text("assistant", compact_json(turn.get("decision", {}))))
        parts: list = [TextPart(text=observation_text(turn, config.max_steps))]
        if index + 1 >= first_image and turn.get("screenshot_file"):
            parts += _image(folder, turn["screenshot_file"], budget, index == newest, screen)
        elif turn.get("screenshot_file"):
            parts.append(TextPart(text="[screenshot omitted]"))
        messages.append(Message(role="user", content=parts))
        messages += correction_messages(state, turn["step"])
    return messages
