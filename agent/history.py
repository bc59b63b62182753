"""The planner's prompt, built so that consecutive prompts share the longest prefix.

Layout: system, task (+ first screen), then per past step an assistant message
(the decision, serialised deterministically) and a user message (what happened
and the screen after). A step's messages are a pure function of that step, so
prompt n+1 = prompt n + two messages — except when old turns or screenshots are
dropped, which happens in chunks of `image_chunk` steps, not every step, so a
provider's prefix cache keeps hitting (specs/efficiency.md).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.decision import Decision
from agent.models.base import ImagePart, Message, TextPart
from agent.prompts import render, template
from agent.state import AgentState, Turn


def compact_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


def chunked_cutoff(total: int, keep: int, chunk: int) -> int:
    """Index of the first item kept: at least `keep` recent ones, moving in steps of `chunk`."""
    return (max(0, total - keep) // max(1, chunk)) * max(1, chunk)


def observation_text(turn: Turn, max_steps: int) -> str:
    step = turn["step"] + 1
    warning = ("\nThis is your LAST step: answer done or fail." if step >= max_steps else "")
    return render("planner_observation", result=turn.get("result", ""), feedback="",
                  step=step, max_steps=max_steps, last_step_warning=warning)


def _image(folder: Path, name: str | None) -> list[ImagePart]:
    if not name:
        return []
    return [ImagePart(data=(folder / name).read_bytes())]


def planner_messages(state: AgentState, config: AgentConfig, folder: Path,
                     screen: tuple[int, int]) -> list[Message]:
    system = render("planner_system", screen_width=screen[0], screen_height=screen[1],
                    action_help=template("actions").template, decision_schema=decision_schema())
    turns = state.get("turns", [])
    first_turn = chunked_cutoff(len(turns), config.history_turns, config.image_chunk)
    # observation 0 is the initial screen; observation i+1 is the screen after turn i
    first_image = chunked_cutoff(len(turns) + 1, config.history_images, config.image_chunk)

    task = render("planner_task", instruction=state["instruction"],
                  criteria=criteria_text(state.get("criteria", [])), max_steps=config.max_steps)
    if first_turn > 0:
        older = "\n".join(f"step {t['step']}: {t.get('signature', '?')} -> {t.get('result', '')[:160]}"
                          for t in turns[:first_turn])
        task += f"\n\nEARLIER STEPS (summarised):\n{older}"
    task_parts: list = [TextPart(text=task)]
    if first_image == 0:
        task_parts += _image(folder, state.get("initial_screenshot"))
    else:
        task_parts.append(TextPart(text="[initial screenshot omitted]"))
    messages = [Message.text("system", system), Message(role="user", content=task_parts)]

    for index in range(first_turn, len(turns)):
        turn = turns[index]
        messages.append(Message.text("assistant", compact_json(turn.get("decision", {}))))
        parts: list = [TextPart(text=observation_text(turn, config.max_steps))]
        if index + 1 >= first_image and turn.get("screenshot_file"):
            parts += _image(folder, turn["screenshot_file"])
        elif turn.get("screenshot_file"):
            parts.append(TextPart(text="[screenshot omitted]"))
        messages.append(Message(role="user", content=parts))
    return messages
