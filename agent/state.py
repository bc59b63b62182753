"""The graph's state: plain JSON-able data, so LangGraph can checkpoint it to SQLite.

Screenshots live in the episode folder; the state holds their file names and
perceptual hashes. Pydantic objects (decisions, verdicts) are stored dumped.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Turn(TypedDict, total=False):
    step: int  # outer step number (1-based), as in traj.jsonl
    node: str  # act | code | search | verify | loop_breaker | ground
    decision: dict[str, Any]  # the planner's Decision, dumped
    signature: str  # the loop breaker's action signature
    modality: str
    screen_before: str | None  # screenshot file the decision saw
    screen_after: str | None  # screenshot file after the step; None when nothing ran
    changed: bool | None  # the action changed the screen (full resolution); None: unknown
    caret: list[int] | None  # where the caret was last seen blinking (x0, y0, x1, y1), if known
    vetoed: bool
    veto: dict[str, Any] | None  # the loop breaker's Veto, dumped, on vetoed turns
    result: str  # what happened, in words, shown to the planner next
    screenshot_file: str | None


class AgentState(TypedDict, total=False):
    task_id: str
    instruction: str
    step: int  # outer steps used so far (vetoes and rejections count)
    criteria: list[dict[str, Any]]  # Criterion dumps, from the gate
    criteria_done: bool
    gate_note: dict[str, Any] | None  # the gate's {feasible, note}: shown to planner and verifier
    environment: str | None  # the computer in a line (OS, user, home, sudo password)
    turns: list[Turn]
    initial_screenshot: str | None  # the screen before step 1
    screenshot_file: str | None  # the current screen (file in the episode folder)
    pending: dict[str, Any] | None  # the decision waiting for loop breaker / ground / act
    grounded: dict[str, Any] | None  # pending's action with every target given pixels
    rejections: int  # consecutive verifier rejections
    wasted_steps: int
    corrections: list[dict[str, Any]]  # {after_step, text}: what the person typed mid-task
    status: str | None  # set once the episode ends
    reason: str
