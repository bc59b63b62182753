"""A task's `oracle` (our extension to the task format): the actions that solve it.

    "oracle": [{"type": "type", "text": "hi"}, {"type": "hotkey", "keys": ["ctrl", "s"]}, "DONE"]

Dicts are protocol actions (`envs.actions.DesktopAction`, run with
`client.act`); a closing "DONE" or "FAIL" is the special action OSWorld
records last, which decides infeasible tasks. Oracles prove a task can be
solved and scored on our desktops; they are never shown to an agent.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from benchmarks.osworld.tasks import Task, TaskFileError
from envs.actions import DesktopAction

__all__ = ["SPECIAL_ACTIONS", "oracle_plan"]

SPECIAL_ACTIONS = ("DONE", "FAIL")
_ACTIONS = TypeAdapter(list[DesktopAction])


def oracle_plan(task: Task) -> tuple[list[Any], str | None]:
    """The oracle's desktop actions and its final special action (or None)."""
    raw = task.oracle
    where = task.path or task.id
    if raw is None:
        raise TaskFileError(where, "field 'oracle': the task has no oracle", field="oracle")
    if not isinstance(raw, list):
        raise TaskFileError(where, "field 'oracle': must be a list", field="oracle")
    last: str | None = None
    if raw and isinstance(raw[-1], str):
        last = raw[-1]
        raw = raw[:-1]
        if last not in SPECIAL_ACTIONS:
            raise TaskFileError(
                where, f"field 'oracle': ends with {last!r}, not DONE or FAIL", field="oracle"
            )
    try:
        actions = _ACTIONS.validate_python(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise TaskFileError(where, f"field 'oracle{loc}': {err['msg']}", field=f"oracle{loc}") from None
    return actions, last
