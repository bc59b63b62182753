"""The `act` tool's argument: a typed action union an MCP host can write by hand.

Hosts give pixels (`x`, `y`) or, when the server has a grounder, a `target` description
("the Save button") -- or both: the description is then only what the approval policy
reads. Each action becomes the agent's own `Action` (agent/actions.py), so it is
classified by the same risk policy and compiled by the same code as the agent's.
Nothing here is ever run as code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from agent import actions as agent_actions
from envs.actions import KeyName

Pixel = Annotated[int, Field(ge=0, le=32767)]


class _Act(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Pointed(_Act):
    """Somewhere on the screen: pixels, a description for the grounder, or both."""

    x: Pixel | None = None
    y: Pixel | None = None
    target: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="what to act on ('the Save button'); grounded to pixels when x and y are not given",
    )

    @model_validator(mode="after")
    def _somewhere(self) -> _Pointed:
        if (self.x is None) != (self.y is None):
            raise ValueError("give both x and y, or neither")
        if self.x is None and self.target is None:
            raise ValueError("give x and y, or a target description")
        return self

    def as_target(self) -> agent_actions.Target:
        return agent_actions.Target(
            description=self.target or f"the point ({self.x}, {self.y})", x=self.x, y=self.y
        )


class Click(_Pointed):
    type: Literal["click"] = "click"
    button: Literal["left", "right", "middle"] = "left"
    clicks: Annotated[int, Field(ge=1, le=3)] = 1
    hold_keys: Annotated[list[KeyName], Field(max_length=6)] = Field(default_factory=list)


class DoubleClick(_Pointed):
    type: Literal["double_click"] = "double_click"


class Drag(_Act):
    type: Literal["drag"] = "drag"
    start: _Pointed
    end: _Pointed
    hold_keys: Annotated[list[KeyName], Field(max_length=6)] = Field(default_factory=list)


class Scroll(_Pointed):
    type: Literal["scroll"] = "scroll"
    clicks: Annotated[int, Field(ge=-100, le=100, description="wheel clicks: positive scrolls up")]
    horizontal: bool = False


class TypeText(_Act):
    type: Literal["type"] = "type"
    text: Annotated[
        str,
        Field(min_length=1, max_length=20000, description="typed exactly: <, quotes, newlines, non-ASCII"),
    ]


class Key(_Act):
    type: Literal["key"] = "key"
    key: Annotated[KeyName, Field(description="one key in pyautogui names: enter, tab, f5, a")]


class Hotkey(_Act):
    type: Literal["hotkey"] = "hotkey"
    keys: Annotated[
        list[KeyName], Field(min_length=1, max_length=6, description='pressed together: ["ctrl", "s"]')
    ]


class Wait(_Act):
    type: Literal["wait"] = "wait"
    seconds: Annotated[float, Field(ge=0, le=60)]


ActInput = Annotated[
    Click | DoubleClick | Drag | Scroll | TypeText | Key | Hotkey | Wait, Field(discriminator="type")
]
ACT_ADAPTER: TypeAdapter[ActInput] = TypeAdapter(ActInput)


def to_agent_action(act: ActInput) -> agent_actions.Action:
    """The agent's Action for it (targets may still lack pixels: ground them first)."""
    if isinstance(act, Click):
        return agent_actions.Click(
            target=act.as_target(), clicks=act.clicks, button=act.button, hold_keys=tuple(act.hold_keys)
        )
    if isinstance(act, DoubleClick):
        return agent_actions.DoubleClick(target=act.as_target())
    if isinstance(act, Drag):
        return agent_actions.DragAndDrop(
            source=act.start.as_target(), destination=act.end.as_target(), hold_keys=tuple(act.hold_keys)
        )
    if isinstance(act, Scroll):
        # The agent's scroll says `shift` for horizontal (it is held down for it).
        return agent_actions.Scroll(target=act.as_target(), clicks=act.clicks, shift=act.horizontal)
    if isinstance(act, TypeText):
        return agent_actions.Type(text=act.text)
    if isinstance(act, Key):
        return agent_actions.Hotkey(keys=(act.key,))
    if isinstance(act, Hotkey):
        return agent_actions.Hotkey(keys=tuple(act.keys))
    if isinstance(act, Wait):
        return agent_actions.Wait(seconds=act.seconds)
    raise TypeError(f"no agent action for {type(act).__name__}")


def describe(action: agent_actions.Action) -> str:
    """One line for the person asked to approve it, and for the answer."""
    data = action.model_dump(mode="json", exclude_defaults=True)
    kind = data.pop("type", action.type)
    parts = []
    for name, value in data.items():
        if isinstance(value, dict) and "description" in value:
            where = f"({value['x']}, {value['y']})" if value.get("x") is not None else ""
            said = value["description"]
            value = where if said == f"the point {where}" else f"{said!r}" + (f" at {where}" if where else "")
        elif isinstance(value, str):
            value = repr(value[:200])
        parts.append(f"{name}={value}")
    return f"{kind} {' '.join(parts)}".strip()
