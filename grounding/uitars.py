"""Two more grounder formats behind OpenAI-compatible endpoints.

`UITarsGrounder`: UI-TARS(-1.5) asked for one click on the target. It answers an action,
`Action: click(start_box='(x,y)')`, often with Qwen's box tokens
`<|box_start|>(x,y)<|box_end|>` or as `click(point='<point>x y</point>')`; a box of four
numbers means its centre. UI-TARS-1.5 (Qwen2.5-VL based) answers in the resized image's
pixels; UI-TARS 1.0 (Qwen2-VL based) answers normalised 0..1000: `coordinates="relative"`.

`PointGrounder`: Agent S's grounding call, "Query: <description>\\nOutput only the
coordinate of one point in your response.", reading the first two numbers of the reply as
a point in a declared grounding space: 1000x1000, the screen, or the image sent.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from grounding.model_client import ModelGrounder, NotGrounded, first_numbers
from grounding.resize import ScreenGeometry, Size

UITARS_MIN_PIXELS = 100 * 28 * 28
UITARS_MAX_PIXELS = 16384 * 28 * 28

UITARS_PROMPT = (
    "You are a GUI agent. You are given a task and a screenshot of the screen. You need to "
    "perform the next action to complete the task.\n\n"
    "## Output Format\n\n"
    "Action: ...\n\n\n"
    "## Action Space\n"
    "click(start_box='<|box_start|>(x1,y1)<|box_end|>')\n\n"
    "## User Instruction\n"
    "{description}"
)

POINT_PROMPT = "Query: {description}\nOutput only the coordinate of one point in your response.\n"

_NUM = r"-?\d+(?:\.\d+)?"
_POINT_TAG = re.compile(r"<point>(.*?)</point>", re.DOTALL)
_BOX_TOKENS = re.compile(r"<\|box_start\|>(.*?)<\|box_end\|>", re.DOTALL)
_BBOX_TAG = re.compile(r"<bbox>(.*?)</bbox>", re.DOTALL)
_BOX_ARG = re.compile(r"""\b(?:start_box|start_point|point|box|coordinate)\s*=\s*(['"])(.*?)\1""", re.DOTALL)
_TUPLE = re.compile(rf"[(\[]\s*{_NUM}\s*,\s*{_NUM}(?:\s*,\s*{_NUM}\s*,\s*{_NUM})?\s*[)\]]")
_NUMS = re.compile(rf"(?<![\d.]){_NUM}")


def _point_of(fragment: str) -> tuple[float, float] | None:
    """(x, y) from "x y", "(x,y)", or the centre of "x1 y1 x2 y2" / "(x1,y1,x2,y2)"."""
    numbers = [float(v) for v in _NUMS.findall(fragment)]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    if len(numbers) == 4:
        return (numbers[0] + numbers[2]) / 2, (numbers[1] + numbers[3]) / 2
    return None


def _find_point(region: str) -> tuple[float, float] | None:
    for pattern, group in ((_POINT_TAG, 1), (_BOX_TOKENS, 1), (_BBOX_TAG, 1), (_BOX_ARG, 2)):
        for match in pattern.finditer(region):
            point = _point_of(match.group(group))
            if point is not None:
                return point
    found = _TUPLE.search(region)
    return _point_of(found.group(0)) if found else None


def parse_uitars_point(text: str) -> tuple[float, float] | None:
    """The point of a UI-TARS reply, in the model's own coordinates, or None.

    Reads the action after the last "Action:" first (the thought before it may mention
    other numbers), then the whole reply: `<point>x y</point>`, `<|box_start|>(x,y)<|box_end|>`,
    `<bbox>x1 y1 x2 y2</bbox>`, `start_box='(x,y)'` / `point='...'`, a bare `(x,y)`; boxes of
    four numbers give their centre."""
    text = text or ""
    cut = text.rfind("Action:")
    regions = [text[cut + len("Action:") :], text] if cut != -1 else [text]
    for region in regions:
        point = _find_point(region)
        if point is not None:
            return point
    return None


class UITarsGrounder(ModelGrounder):
    """UI-TARS over an OpenAI-compatible endpoint. `coordinates="absolute"` (UI-TARS-1.5:
    pixels of the resized image, resized with UI-TARS's pixel bounds) or "relative" (0..1000).
    `prompt` is a template with `{description}`, filled in by plain replacement."""

    name = "uitars"
    default_model = "ui-tars-1.5-7b"
    default_min_pixels = UITARS_MIN_PIXELS
    default_max_pixels = UITARS_MAX_PIXELS

    def __init__(
        self,
        base_url: str,
        model: str = "ui-tars-1.5-7b",
        api_key: str = "EMPTY",
        timeout: float = 30.0,
        *,
        coordinates: Literal["absolute", "relative"] = "absolute",
        prompt: str = UITARS_PROMPT,
        **options: Any,
    ) -> None:
        if coordinates not in ("absolute", "relative"):
            raise ValueError(f"coordinates must be 'absolute' or 'relative', not {coordinates!r}")
        super().__init__(base_url, model, api_key, timeout, **options)
        self.coordinates = coordinates
        self.prompt = prompt

    def build_messages(self, image_url: str, description: str, model_size: Size) -> list[dict[str, Any]]:
        return [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": self.prompt.replace("{description}", description)},
                    {"type": "image_url", "image_url": {"url": image_url}},
                ],
            }
        ]

    def locate(self, text: str, model_size: Size, geometry: ScreenGeometry) -> tuple[float, float, Size]:
        point = parse_uitars_point(text)
        if point is None:
            raise NotGrounded("no point in the reply")
        space = model_size if self.coordinates == "absolute" else (1000, 1000)
        return point[0], point[1], space


GroundingSpace = tuple[int, int] | Literal["screen", "image"]


def parse_point(text: str) -> tuple[float, float] | None:
    """The first two numbers of a reply, Agent S style, or None when there are fewer."""
    numbers = first_numbers(text or "", 2)
    return (numbers[0], numbers[1]) if numbers else None


class PointGrounder(ModelGrounder):
    """Agent S's "output one point" grounding call over an OpenAI-compatible endpoint.

    `grounding_size`: the space the model answers in. A (width, height) such as (1000, 1000),
    "screen" (screen pixels of the captured area) or "image" (pixels of the image it was sent:
    resized with smart_resize unless resize=False)."""

    name = "point"
    default_model = "ui-tars-1.5-7b"

    def __init__(
        self,
        base_url: str,
        model: str = "ui-tars-1.5-7b",
        api_key: str = "EMPTY",
        timeout: float = 30.0,
        *,
        grounding_size: GroundingSpace = (1000, 1000),
        prompt: str = POINT_PROMPT,
        system_prompt: str | None = None,
        **options: Any,
    ) -> None:
        if isinstance(grounding_size, str):
            if grounding_size not in ("screen", "image"):
                raise ValueError(
                    f"grounding_size must be (w, h), 'screen' or 'image', not {grounding_size!r}"
                )
        elif len(grounding_size) != 2 or min(grounding_size) <= 0:
            raise ValueError(f"grounding_size must be a positive (width, height), not {grounding_size!r}")
        super().__init__(base_url, model, api_key, timeout, **options)
        self.grounding_size = grounding_size
        self.prompt = prompt
        self.system_prompt = system_prompt

    def build_messages(self, image_url: str, description: str, model_size: Size) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_url}},
                    {"type": "text", "text": self.prompt.replace("{description}", description)},
                ],
            }
        )
        return messages

    def locate(self, text: str, model_size: Size, geometry: ScreenGeometry) -> tuple[float, float, Size]:
        point = parse_point(text)
        if point is None:
            raise NotGrounded("fewer than two numbers in the reply")
        if self.grounding_size == "screen":
            space: Size = geometry.screen_size
        elif self.grounding_size == "image":
            space = model_size
        else:
            space = self.grounding_size
        return point[0], point[1], space
