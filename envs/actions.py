"""The protocol's typed actions: what `POST /act` executes, in screen pixels.

These are the primitive operations of a desktop (click here, type this, press
that chord). The agent's higher-level `Action` union (agent/actions.py) compiles
into a list of them once its targets have been grounded to pixels; the same list
compiles to pyautogui code (envs/pyautogui_code.py) for servers that only speak
OSWorld's `/execute`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from envs.keys import to_keysym

Button = Literal["left", "right", "middle"]
Pixel = Annotated[int, Field(ge=0, le=32767)]


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_key(key: str) -> str:
    to_keysym(key)  # raises UnknownKeyError (a ValueError) naming the bad key
    return key


KeyName = Annotated[str, AfterValidator(_known_key)]


class Click(_Op):
    type: Literal["click"] = "click"
    x: Pixel
    y: Pixel
    button: Button = "left"
    clicks: Annotated[int, Field(ge=1, le=3)] = 1
    hold_keys: list[KeyName] = Field(default_factory=list)


class MoveTo(_Op):
    type: Literal["move"] = "move"
    x: Pixel
    y: Pixel


class Drag(_Op):
    type: Literal["drag"] = "drag"
    x1: Pixel
    y1: Pixel
    x2: Pixel
    y2: Pixel
    button: Button = "left"
    hold_keys: list[KeyName] = Field(default_factory=list)
    duration: Annotated[float, Field(ge=0, le=10)] = 0.3


class _OptionalPoint(_Op):
    x: Pixel | None = None
    y: Pixel | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> _OptionalPoint:
        if (self.x is None) != (self.y is None):
            raise ValueError("give both x and y, or neither")
        return self


class MouseDown(_OptionalPoint):
    type: Literal["mouse_down"] = "mouse_down"
    button: Button = "left"


class MouseUp(_OptionalPoint):
    type: Literal["mouse_up"] = "mouse_up"
    button: Button = "left"


class Scroll(_OptionalPoint):
    """Wheel clicks: positive scrolls up (or left when horizontal); x, y move there first."""

    type: Literal["scroll"] = "scroll"
    clicks: Annotated[int, Field(ge=-100, le=100)]
    horizontal: bool = False


class TypeText(_Op):
    """Text typed exactly as given: `<`, quotes, newlines and non-ASCII included."""

    type: Literal["type"] = "type"
    text: Annotated[str, Field(max_length=20000)]


class Hotkey(_Op):
    """Keys pressed together, in order, released in reverse ("ctrl", "s")."""

    type: Literal["hotkey"] = "hotkey"
    keys: Annotated[list[KeyName], Field(min_length=1, max_length=6)]


class KeyDown(_Op):
    type: Literal["key_down"] = "key_down"
    key: KeyName


class KeyUp(_Op):
    type: Literal["key_up"] = "key_up"
    key: KeyName


class Wait(_Op):
    type: Literal["wait"] = "wait"
    seconds: Annotated[float, Field(ge=0, le=60)] = 1.0


class Open(_Op):
    """Open a file with its default application, or start a program by name."""

    type: Literal["open"] = "open"
    target: Annotated[str, Field(min_length=1, max_length=4096)]


class FocusWindow(_Op):
    """Bring the window whose title contains `title` to the front."""

    type: Literal["focus_window"] = "focus_window"
    title: Annotated[str, Field(min_length=1, max_length=512)]


DesktopAction = Annotated[
    Click
    | MoveTo
    | Drag
    | MouseDown
    | MouseUp
    | Scroll
    | TypeText
    | Hotkey
    | KeyDown
    | KeyUp
    | Wait
    | Open
    | FocusWindow,
    Field(discriminator="type"),
]


class SettleSpec(BaseModel):
    """Wait until the screen stops changing instead of sleeping a fixed time.

    Stable means no more than `noise_pixels` pixels changed for `quiet` seconds
    (a blinking caret is a few dozen pixels); `timeout` bounds the wait.
    """

    model_config = ConfigDict(extra="forbid")

    quiet: Annotated[float, Field(ge=0.02, le=5)] = 0.2
    timeout: Annotated[float, Field(ge=0, le=30)] = 3.0
    interval: Annotated[float, Field(ge=0.01, le=1)] = 0.04
    noise_pixels: Annotated[int, Field(ge=0)] = 64


class ScreenChange(BaseModel):
    """What the action changed, pixel by pixel (envs/screen_diff.py): a caret blink or a
    clock tick is masked, so `pixels` 0 means the action did nothing visible."""

    pixels: int  # changed pixels, blink and idle changes masked
    boxes: list[tuple[int, int, int, int]] = []  # (x, y, width, height), largest first, at most 16
    masked_pixels: int = 0  # differences read as caret blink / idle change
    caret: tuple[int, int, int, int] | None = None  # (x0, y0, x1, y1): where a caret was last seen


class SettleReport(BaseModel):
    stable: bool  # False when the timeout was hit first
    changed: bool  # some frame differed from before by more than the settle noise
    seconds: float  # time spent waiting for the screen to settle
    frames: int  # frames compared
    change: ScreenChange | None = None  # before vs the settled frame, at full resolution


ImageFormat = Literal["png", "jpeg", "webp"]


class ImageSpec(BaseModel):
    """How a screenshot is encoded: lossless PNG (the default, what OSWorld's clients get)
    or JPEG / WebP at `quality` for agents that send lossy images to a model anyway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: ImageFormat = "png"
    quality: Annotated[int, Field(ge=1, le=100)] | None = None

    @model_validator(mode="after")
    def _quality_is_lossy(self) -> ImageSpec:
        if self.quality is not None and self.format == "png":
            raise ValueError("quality applies to format=jpeg or webp; PNG is always lossless")
        return self

    @property
    def media_type(self) -> str:
        return f"image/{self.format}"


class ActRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions: Annotated[list[DesktopAction], Field(min_length=1, max_length=100)]
    settle: SettleSpec | None = None
    # A screenshot taken after the actions (and the settle), returned base64 in the reply.
    screenshot: ImageSpec | None = None


class ActResponse(BaseModel):
    status: Literal["success"] = "success"
    executed: int
    seconds: float  # time spent executing the actions
    settle: SettleReport | None = None
    screenshot: str | None = None  # base64, when the request asked for one (ActRequest.screenshot)
