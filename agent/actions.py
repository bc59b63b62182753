"""The planner's action space, as data, and its compilation to desktop ops.

The planner names what to act on ("the blue Save button"); it does not write code
and usually does not know pixels. An `Action` is validated from the model's JSON
(`parse_action`), its `Target`s are grounded to pixels by a Grounder
(`targets` / `with_points`), and only then is it compiled by our code into the
protocol's primitive ops (`compile_action`), which envs/pyautogui_code.py can turn
into a pyautogui snippet for OSWorld-style servers. Model text stays data all the
way down.

The action space is Agent S3's and VLAA-GUI's (docs/agent.md, "Actions").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from agent.calc.cells import CellValue, cell_items
from envs import actions as ops
from envs import pyautogui_code
from envs.actions import KeyName

Pixel = Annotated[int, Field(ge=0, le=32767)]
Keys = Annotated[tuple[KeyName, ...], Field(max_length=6)]


class UngroundedTargetError(ValueError):
    """An action was compiled before one of its targets had pixels."""

    def __init__(self, target: Target) -> None:
        super().__init__(f"target {target.description!r} has no screen point yet; ground it first")
        self.target = target


class NotADesktopActionError(ValueError):
    """set_cell_values, call_code_agent, call_search_agent, done and fail are handled by
    the agent, not compiled to desktop ops."""


class ActionParseError(ValueError):
    """A model reply that is not a valid Action; the message names the field."""


class Target(BaseModel):
    """Something on screen: a description for the grounder, pixels once grounded.

    A bare string is accepted as the description, since models often write
    `"target": "the Save button"`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: Annotated[str, Field(min_length=1, max_length=1000)]
    x: Pixel | None = None
    y: Pixel | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"description": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _both_or_neither(self) -> Target:
        if (self.x is None) != (self.y is None):
            raise ValueError("give both x and y, or neither")
        return self

    @property
    def grounded(self) -> bool:
        return self.x is not None and self.y is not None

    def point(self) -> tuple[int, int]:
        """The pixel point, or UngroundedTargetError."""
        if self.x is None or self.y is None:
            raise UngroundedTargetError(self)
        return self.x, self.y


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Names of the Target fields, in the order targets() and with_points() use.
    _target_fields: ClassVar[tuple[str, ...]] = ()
    desktop: ClassVar[bool] = True


class Click(_Action):
    """Click a target, optionally several times or with modifier keys held."""

    type: Literal["click"] = "click"
    target: Target
    clicks: Annotated[int, Field(ge=1, le=3)] = 1
    button: ops.Button = "left"
    hold_keys: Keys = ()

    _target_fields: ClassVar[tuple[str, ...]] = ("target",)


class DoubleClick(_Action):
    type: Literal["double_click"] = "double_click"
    target: Target

    _target_fields: ClassVar[tuple[str, ...]] = ("target",)


class Type(_Action):
    """Type text, optionally into a target first, replacing its content, then Enter."""

    type: Literal["type"] = "type"
    text: Annotated[str, Field(max_length=20000)] = ""
    target: Target | None = None
    overwrite: bool = False
    enter: bool = False

    _target_fields: ClassVar[tuple[str, ...]] = ("target",)

    @model_validator(mode="after")
    def _does_something(self) -> Type:
        if not (self.text or self.overwrite or self.enter):
            raise ValueError("text is empty and neither overwrite nor enter is set")
        return self


class Scroll(_Action):
    """Wheel clicks over a target: positive up; with shift, horizontal (positive left)."""

    type: Literal["scroll"] = "scroll"
    target: Target
    clicks: Annotated[int, Field(ge=-100, le=100)]
    shift: bool = False

    _target_fields: ClassVar[tuple[str, ...]] = ("target",)


class DragAndDrop(_Action):
    type: Literal["drag_and_drop"] = "drag_and_drop"
    source: Target
    destination: Target
    hold_keys: Keys = ()

    _target_fields: ClassVar[tuple[str, ...]] = ("source", "destination")


class HighlightTextSpan(_Action):
    """Select text by dragging from the first phrase to the last one."""

    type: Literal["highlight_text_span"] = "highlight_text_span"
    start_phrase: Target
    end_phrase: Target

    _target_fields: ClassVar[tuple[str, ...]] = ("start_phrase", "end_phrase")


class Hotkey(_Action):
    """Keys pressed together ("ctrl", "s"), in pyautogui names."""

    type: Literal["hotkey"] = "hotkey"
    keys: Annotated[tuple[KeyName, ...], Field(min_length=1, max_length=6)]


class HoldAndPress(_Action):
    """Hold some keys down while pressing others one after another (alt + tab, tab)."""

    type: Literal["hold_and_press"] = "hold_and_press"
    hold_keys: Annotated[tuple[KeyName, ...], Field(min_length=1, max_length=6)]
    press_keys: Annotated[tuple[KeyName, ...], Field(min_length=1, max_length=50)]


class Open(_Action):
    """Open a file with its default app, or start an application by name."""

    type: Literal["open"] = "open"
    app_or_file: Annotated[str, Field(min_length=1, max_length=4096)]


class SwitchApplication(_Action):
    """Bring the window whose title contains `app` to the front."""

    type: Literal["switch_application"] = "switch_application"
    app: Annotated[str, Field(min_length=1, max_length=512)]


class Wait(_Action):
    type: Literal["wait"] = "wait"
    seconds: Annotated[float, Field(ge=0, le=60)]


class SetCellValues(_Action):
    """Write typed values into the open Calc document through UNO (agent/calc/): numbers
    stay numbers, a string starting with "=" is a formula. Either `cells` by address or a
    top-left `start` cell with `rows` (a 2-D list); `save` stores the file in its format."""

    type: Literal["set_cell_values"] = "set_cell_values"
    cells: dict[str, CellValue] | None = None
    start: str | None = None
    rows: list[list[CellValue]] | None = None
    sheet: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    document: Annotated[str, Field(min_length=1, max_length=1024)] | None = None
    save: bool = False
    desktop: ClassVar[bool] = False  # run by the agent's `cells` node, not compiled to ops

    @model_validator(mode="after")
    def _addresses(self) -> SetCellValues:
        if (self.start is None) != (self.rows is None):
            raise ValueError("give start and rows together (or cells alone)")
        self.items()  # every address checked now: a bad one is the planner's to fix
        return self

    def items(self) -> list[tuple[str, CellValue]]:
        return cell_items(self.cells, self.start, self.rows)


class CallCodeAgent(_Action):
    """Hand a bulk edit or computation to the coding agent (no task: the instruction)."""

    type: Literal["call_code_agent"] = "call_code_agent"
    task: Annotated[str, Field(min_length=1, max_length=20000)] | None = None
    desktop: ClassVar[bool] = False


class CallSearchAgent(_Action):
    """Ask the search agent how to do something ("How to X in Y")."""

    type: Literal["call_search_agent"] = "call_search_agent"
    query: Annotated[str, Field(min_length=1, max_length=2000)]
    desktop: ClassVar[bool] = False


class Done(_Action):
    type: Literal["done"] = "done"
    summary: Annotated[str, Field(max_length=20000)] | None = None
    desktop: ClassVar[bool] = False


class Fail(_Action):
    type: Literal["fail"] = "fail"
    reason: Annotated[str, Field(max_length=20000)] | None = None
    desktop: ClassVar[bool] = False


Action = Annotated[
    Click
    | DoubleClick
    | Type
    | Scroll
    | DragAndDrop
    | HighlightTextSpan
    | Hotkey
    | HoldAndPress
    | Open
    | SwitchApplication
    | Wait
    | SetCellValues
    | CallCodeAgent
    | CallSearchAgent
    | Done
    | Fail,
    Field(discriminator="type"),
]

ACTION_TYPES: tuple[str, ...] = (
    "click",
    "double_click",
    "type",
    "scroll",
    "drag_and_drop",
    "highlight_text_span",
    "hotkey",
    "hold_and_press",
    "open",
    "switch_application",
    "wait",
    "set_cell_values",
    "call_code_agent",
    "call_search_agent",
    "done",
    "fail",
)

_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


def _describe(error: Mapping[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        tag = error.get("ctx", {}).get("tag")
        found = "is missing" if tag is None else f"is {tag!r}, not an action"
        return f"field 'type' {found}; expected one of {', '.join(ACTION_TYPES)}"
    msg = error["msg"].removeprefix("Value error, ")
    # loc starts with the action's tag; the rest is the path to the field.
    if len(loc) < 2:
        return msg
    return f"field {'.'.join(loc[1:])!r}: {msg}"


def parse_action(data: dict | str) -> Action:
    """Validate a model's action (a dict or a JSON string); ActionParseError names the field."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ActionParseError(f"action is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ActionParseError(f"action must be a JSON object, got {type(data).__name__}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        kind = data.get("type")
        problems = "; ".join(_describe(e) for e in exc.errors())
        prefix = f"invalid {kind!r} action" if isinstance(kind, str) else "invalid action"
        raise ActionParseError(f"{prefix}: {problems}") from None


def is_desktop_action(action: Action) -> bool:
    """True when the action drives the desktop (it compiles to ops)."""
    return type(action).desktop


def targets(action: Action) -> list[Target]:
    """The action's targets in a fixed order (absent optional ones are skipped)."""
    found = (getattr(action, name) for name in action._target_fields)
    return [t for t in found if t is not None]


def with_points(action: Action, points: list[tuple[int, int]]) -> Action:
    """A copy of the action with its targets grounded, in `targets()` order."""
    names = [n for n in action._target_fields if getattr(action, n) is not None]
    if len(points) != len(names):
        raise ValueError(f"{action.type} has {len(names)} target(s), got {len(points)} point(s)")
    data = action.model_dump()
    for name, (x, y) in zip(names, points):
        data[name] = {**data[name], "x": int(round(x)), "y": int(round(y))}
    return type(action).model_validate(data)


def compile_action(action: Action) -> list[ops.DesktopAction]:
    """The protocol ops that perform a grounded desktop action, in order."""
    if not is_desktop_action(action):
        raise NotADesktopActionError(f"{action.type} is handled by the agent, not the desktop; it has no ops")
    if isinstance(action, Click):
        x, y = action.target.point()
        return [
            ops.Click(x=x, y=y, clicks=action.clicks, button=action.button, hold_keys=list(action.hold_keys))
        ]
    if isinstance(action, DoubleClick):
        x, y = action.target.point()
        return [ops.Click(x=x, y=y, clicks=2)]
    if isinstance(action, Type):
        out: list[ops.DesktopAction] = []
        if action.target is not None:
            x, y = action.target.point()
            out.append(ops.Click(x=x, y=y))
        if action.overwrite:
            out += [ops.Hotkey(keys=["ctrl", "a"]), ops.Hotkey(keys=["backspace"])]
        if action.text:
            out.append(ops.TypeText(text=action.text))
        if action.enter:
            out.append(ops.Hotkey(keys=["enter"]))
        return out
    if isinstance(action, Scroll):
        x, y = action.target.point()
        return [ops.Scroll(clicks=action.clicks, x=x, y=y, horizontal=action.shift)]
    if isinstance(action, DragAndDrop):
        (x1, y1), (x2, y2) = action.source.point(), action.destination.point()
        return [ops.Drag(x1=x1, y1=y1, x2=x2, y2=y2, hold_keys=list(action.hold_keys))]
    if isinstance(action, HighlightTextSpan):
        (x1, y1), (x2, y2) = action.start_phrase.point(), action.end_phrase.point()
        return [ops.Drag(x1=x1, y1=y1, x2=x2, y2=y2)]
    if isinstance(action, Hotkey):
        return [ops.Hotkey(keys=list(action.keys))]
    if isinstance(action, HoldAndPress):
        held: list[ops.DesktopAction] = [ops.KeyDown(key=k) for k in action.hold_keys]
        return (
            held
            + [ops.Hotkey(keys=[k]) for k in action.press_keys]
            + [ops.KeyUp(key=k) for k in reversed(action.hold_keys)]
        )
    if isinstance(action, Open):
        return [ops.Open(target=action.app_or_file)]
    if isinstance(action, SwitchApplication):
        return [ops.FocusWindow(title=action.app)]
    if isinstance(action, Wait):
        return [ops.Wait(seconds=action.seconds)]
    raise TypeError(f"no compilation for {type(action).__name__}")


def to_pyautogui(action: Action) -> str:
    """The pyautogui snippet for a grounded desktop action (OSWorld's pyautogui space)."""
    return pyautogui_code.to_pyautogui(compile_action(action))
