"""A task's oracle as the planner's decisions: plain data for the faulty policy.

The oracle (benchmarks/osworld/oracle.py) is a list of protocol actions in screen pixels.
The planner speaks the agent's `Action` union instead, so each protocol action becomes the
planner action that compiles back to it (a click keeps its pixels as a grounded target).
The agent core never imports the task layer: what crosses over is a JSON plans file,

    {"kind": "deskpilot-oracle-plans", "tasks": [
        {"task_id": ..., "instruction": ..., "actions": [<Action as JSON>, ...], "final": "done",
         "settle_first": true}]}

which `--model faulty:PLANS.json?...` (agent/models/faulty.py) plays. Solutions to real
OSWorld tasks live beside the task files they solve (benchmarks/tasks/osworld_solutions/);
`solved_osworld_tasks` joins the two as the solution tests do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.tasks import Task, TaskFileError, load_split
from envs import actions as ops

__all__ = [
    "PLANS_KIND",
    "local_tasks",
    "oracle_decisions",
    "plan_of",
    "solved_osworld_tasks",
    "starts_apps",
    "write_plans",
]

PLANS_KIND = "deskpilot-oracle-plans"
REPO = Path(__file__).resolve().parents[2]
LOCAL_TASKS = REPO / "benchmarks" / "tasks" / "local"
SOLUTIONS = REPO / "benchmarks" / "tasks" / "osworld_solutions"
FINAL_WAIT_S = 10.0
APP_STEPS = ("launch", "open", "chrome_open_tabs", "activate_window")


def _point(x: int, y: int) -> dict[str, Any]:
    # Grounded already: with the pixels set, the ground node passes them through.
    return {"description": f"the point ({x}, {y})", "x": x, "y": y}


def _action(op: Any, where: str) -> dict[str, Any]:
    """The planner action that compiles to this protocol action."""
    if isinstance(op, ops.Click):
        return {
            "type": "click",
            "target": _point(op.x, op.y),
            "clicks": op.clicks,
            "button": op.button,
            "hold_keys": list(op.hold_keys),
        }
    if isinstance(op, ops.Hotkey):
        return {"type": "hotkey", "keys": list(op.keys)}
    if isinstance(op, ops.TypeText):
        return {"type": "type", "text": op.text}
    if isinstance(op, ops.Wait):
        return {"type": "wait", "seconds": op.seconds}
    if isinstance(op, ops.FocusWindow):
        return {"type": "switch_application", "app": op.title}
    if isinstance(op, ops.Open):
        return {"type": "open", "app_or_file": op.target}
    if isinstance(op, ops.Scroll) and op.x is not None and op.y is not None:
        return {"type": "scroll", "target": _point(op.x, op.y), "clicks": op.clicks, "shift": op.horizontal}
    if isinstance(op, ops.Drag):
        return {
            "type": "drag_and_drop",
            "source": _point(op.x1, op.y1),
            "destination": _point(op.x2, op.y2),
            "hold_keys": list(op.hold_keys),
        }
    raise TaskFileError(
        where,
        f"field 'oracle': a {op.type!r} action has no planner action (the planner cannot say it)",
        field="oracle",
    )


def oracle_decisions(task: Task) -> tuple[list[dict[str, Any]], str]:
    """The oracle as planner actions (JSON dicts) and the final one: "done" or "fail".

    A solution that ends by typing a command line closing its terminal (`...; exit`) goes
    on working after the keys are typed (waiting for Chrome to quit, then editing its
    profile): its runner in the tests waits for the terminal to close. Played as a planner,
    `done` would come at once and the evaluator would read the files too early, so such a
    plan ends with one wait of FINAL_WAIT_S."""
    actions, last = oracle_plan(task)
    where = str(task.path or task.id)
    plan = [_action(op, where) for op in actions]
    if actions and isinstance(actions[-1], ops.TypeText) and actions[-1].text.rstrip().endswith("exit"):
        plan.append({"type": "wait", "seconds": FINAL_WAIT_S})
    return plan, ("fail" if last == "FAIL" else "done")


def starts_apps(task: Task) -> bool:
    """Whether the task's setup starts programs: then the policy first waits until the
    screen is still (OSWorld's runner sleeps after a reset for the same reason)."""
    return any(step.type in APP_STEPS for step in task.config)


def plan_of(task: Task, settle: bool = False) -> dict[str, Any]:
    """The task's plan. `settle`: when its setup starts apps, first wait for a still screen.
    Off by default: the last of those waits leaves the screen unchanged, and today's Loop
    Breaker counts it towards "the same screen, no progress" (tier 2), so a solution whose
    next actions are a slow Ctrl+Q or a short wait got vetoed (measured on GIMP, VLC and the
    local Chrome tasks); without it, keys can reach an app before it is ready on a loaded
    machine (a Chrome solution's Ctrl+Shift+W was lost once in three sweeps)."""
    actions, final = oracle_decisions(task)
    return {
        "task_id": task.id,
        "instruction": task.instruction,
        "actions": actions,
        "final": final,
        "settle_first": settle and starts_apps(task),
    }


def write_plans(tasks: Iterable[Task], path: Path, settle: bool = False) -> Path:
    """The plans file the faulty policy reads; tasks without an oracle are left out."""
    plans = [plan_of(t, settle) for t in tasks if t.oracle is not None]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"kind": PLANS_KIND, "tasks": plans}, indent=1) + "\n", encoding="utf-8")
    return path


def local_tasks() -> dict[str, list[Task]]:
    """The local split, {domain: [tasks]}."""
    return load_split(LOCAL_TASKS / "test_all.json", LOCAL_TASKS / "examples")


def solved_osworld_tasks(examples: Path) -> dict[str, list[Task]]:
    """Real OSWorld task files (`examples/<domain>/<id>.json`, read unmodified) with our
    solution's oracle added, {domain: [tasks]}; solutions whose task file is absent are
    skipped."""
    out: dict[str, list[Task]] = {}
    for solution_file in sorted(SOLUTIONS.glob("*/*.json")):
        solution = json.loads(solution_file.read_text(encoding="utf-8"))
        task_file = Path(examples) / solution["domain"] / f"{solution['id']}.json"
        if not task_file.is_file():
            continue
        data = json.loads(task_file.read_text(encoding="utf-8"))
        task = Task.model_validate({**data, "oracle": solution["oracle"]})
        task._path = task_file
        out.setdefault(solution["domain"], []).append(task)
    return out
