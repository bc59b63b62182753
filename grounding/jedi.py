"""Jedi (Jedi-3B/7B-1080p, fine-tuned Qwen2.5-VL) behind an OpenAI-compatible endpoint.

The request is Qwen's function-calling form: a system prompt declaring one tool,
`computer_use`, whose description states the screen resolution as the *resized* size of
the screenshot (the size the model really sees), then a user message with the screenshot
and the target description. The model answers

    <tool_call>
    {"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1273, 566]}}
    </tool_call>

with the coordinate in the resized image; `wait` (or no coordinate at all) means the target
is not there. The system prompt is built with json.dumps, never str.format on a template, so
its JSON has single braces (an upstream agent sent `{{...}}` to the model).
"""

from __future__ import annotations

import json
import re
from typing import Any

from grounding.model_client import ModelGrounder, NotGrounded
from grounding.resize import ScreenGeometry, Size

ACTIONS = (
    "key",
    "type",
    "mouse_move",
    "left_click",
    "left_click_drag",
    "right_click",
    "middle_click",
    "double_click",
    "scroll",
    "wait",
    "terminate",
)
NOT_A_POINT = frozenset({"wait", "terminate"})  # the model's ways of saying "not there"

_ACTION_HELP = (
    "The action to perform. The available actions are:\n"
    "* `key`: Press the keys in `keys` in order, then release them in reverse order.\n"
    "* `type`: Type the string `text` on the keyboard.\n"
    "* `mouse_move`: Move the cursor to the pixel `coordinate` (x, y) on the screen.\n"
    "* `left_click`: Click the left mouse button at the pixel `coordinate` (x, y).\n"
    "* `left_click_drag`: Press the left button, drag to `coordinate` (x, y), release.\n"
    "* `right_click`: Click the right mouse button at the pixel `coordinate` (x, y).\n"
    "* `middle_click`: Click the middle mouse button at the pixel `coordinate` (x, y).\n"
    "* `double_click`: Double-click the left mouse button at the pixel `coordinate` (x, y).\n"
    "* `scroll`: Turn the mouse wheel by `pixels`: positive scrolls up, negative down.\n"
    "* `wait`: Wait `time` seconds for the screen to change.\n"
    "* `terminate`: End the current task and report its `status`."
)


def computer_use_tool(width: int, height: int) -> dict[str, Any]:
    """The `computer_use` tool declaration, stating a `width`x`height` screen."""
    description = (
        "Use a mouse and keyboard to interact with a computer, and take screenshots.\n"
        "* This is an interface to a desktop GUI. You do not have access to a terminal or an "
        "applications menu. You must click on desktop icons to start applications.\n"
        "* Some applications take time to start or to respond, so you may need to wait and "
        "take another screenshot to see the result of an action.\n"
        f"* The screen's resolution is {width}x{height}.\n"
        "* Whenever you intend to move the cursor to click on an element like an icon, you "
        "should consult a screenshot to determine the coordinates of the element first.\n"
        "* If clicking a program or link did not open it even after waiting, adjust the cursor "
        "so that its tip visually falls on the element you want to click.\n"
        "* Click buttons, links, icons and the like with the cursor tip in the center of the "
        "element. Do not click boxes on their edges unless asked."
    )
    parameters = {
        "properties": {
            "action": {"description": _ACTION_HELP, "enum": list(ACTIONS), "type": "string"},
            "keys": {"description": "Required only by `action=key`.", "type": "array"},
            "text": {"description": "Required only by `action=type`.", "type": "string"},
            "coordinate": {
                "description": "(x, y): the x (pixels from the left edge) and y "
                "(pixels from the top edge) coordinates to move the "
                "mouse to. Required by the mouse actions.",
                "type": "array",
            },
            "pixels": {
                "description": "How far to scroll. Required only by `action=scroll`.",
                "type": "number",
            },
            "time": {"description": "Seconds to wait. Required only by `action=wait`.", "type": "number"},
            "status": {
                "description": "The task's status. Required only by `action=terminate`.",
                "type": "string",
                "enum": ["success", "failure"],
            },
        },
        "required": ["action"],
        "type": "object",
    }
    return {
        "type": "function",
        "function": {
            "name_for_human": "computer_use",
            "name": "computer_use",
            "description": description,
            "parameters": parameters,
            "args_format": "Format the arguments as a JSON object.",
        },
    }


def system_prompt(width: int, height: int) -> str:
    """Qwen's function-calling system prompt with the one `computer_use` tool."""
    tool = json.dumps(computer_use_tool(width, height), ensure_ascii=False)
    return (
        "You are a helpful assistant.\n\n"
        "# Tools\n\n"
        "You may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n"
        f"<tools>\n{tool}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n"
        "<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n'
        "</tool_call>"
    )


# -- reading the reply ---------------------------------------------------------------------

_MAX_TEXT = 20_000  # a grounding reply is short; do not scan megabytes of garbage
_DECODER = json.JSONDecoder()
_PAIR = re.compile(r"^\s*[\[(]?\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*[\])]?\s*$")
_ACTION_RE = re.compile(r"""["']?action["']?\s*:\s*["']([A-Za-z_]+)["']""")
_COORD_RE = re.compile(
    r"""["']?coordinate["']?\s*:\s*["']?[\[(]?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)"""
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_coordinate(value: Any) -> list[float] | None:
    """[x, y] from `[x, y]`, `(x, y)`, `["x", "y"]`, `"x, y"`, `"(x, y)"`, `"[x, y]"`,
    `{"x": .., "y": ..}`; None for anything else."""
    if isinstance(value, str):
        match = _PAIR.match(value)
        return [float(match.group(1)), float(match.group(2))] if match else None
    if isinstance(value, dict):
        value = [value.get("x"), value.get("y")]
    if isinstance(value, list | tuple) and len(value) == 2:
        x, y = _number(value[0]), _number(value[1])
        if x is not None and y is not None:
            return [x, y]
    return None


def _as_call(obj: Any) -> dict[str, Any] | None:
    """A decoded JSON object as a tool call {"name", "arguments"}, or None if it is not one.
    A bare arguments object ({"action": ..., "coordinate": ...}) counts, named computer_use."""
    if not isinstance(obj, dict):
        return None
    if "arguments" in obj:
        arguments = obj["arguments"]
        if isinstance(arguments, str):  # the OpenAI wire form: arguments as a JSON string
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                return None
        if not isinstance(arguments, dict):
            return None
        name = obj.get("name") if isinstance(obj.get("name"), str) else "computer_use"
    elif "action" in obj or "coordinate" in obj:
        arguments, name = obj, "computer_use"
    else:
        return None
    arguments = dict(arguments)
    if "coordinate" in arguments:
        arguments["coordinate"] = parse_coordinate(arguments["coordinate"])
    return {"name": name, "arguments": arguments}


def _json_calls(text: str) -> list[dict[str, Any]]:
    """Every tool-call-like JSON object in text, in order. Tries to decode at each `{`; an
    object that decodes is skipped over whole, so inner objects are not counted twice."""
    calls: list[dict[str, Any]] = []
    i = text.find("{")
    while i != -1:
        try:
            obj, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError:
            i = text.find("{", i + 1)
            continue
        call = _as_call(obj)
        if call is not None:
            calls.append(call)
            i = text.find("{", end)
        else:
            i = text.find("{", i + 1)  # a wrapper object: look inside it
    return calls


def _regex_calls(text: str) -> list[dict[str, Any]]:
    """Last resort for JSON that does not decode (cut off, single quotes, stray braces): the
    action and coordinate of each `<tool_call>` block, read with regular expressions."""
    calls = []
    for block in re.split(r"<tool_call>", text)[1:] or [text]:
        action = _ACTION_RE.search(block)
        coord = _COORD_RE.search(block)
        if action is None and coord is None:
            continue
        arguments: dict[str, Any] = {}
        if action:
            arguments["action"] = action.group(1)
        if coord:
            arguments["coordinate"] = [float(coord.group(1)), float(coord.group(2))]
        calls.append({"name": "computer_use", "arguments": arguments})
    return calls


def parse_tool_calls(text: str) -> list[dict[str, Any]]:
    """All tool calls in a reply, in order, each {"name": str, "arguments": dict} with a
    `coordinate` (if any) as [x, y] floats (None if it was there but unreadable).

    Tolerates prose around the calls, missing or extra whitespace, a missing closing tag,
    doubled braces (`{{"name": ...}}`), a coordinate given as a string."""
    text = (text or "")[:_MAX_TEXT]
    calls = _json_calls(text)
    if not calls and ("{{" in text or "}}" in text):
        calls = _json_calls(text.replace("{{", "{").replace("}}", "}"))
    if not calls:
        calls = _regex_calls(text)
    return calls


def parse_tool_call(text: str) -> dict[str, Any] | None:
    """The first tool call that points somewhere (has a readable coordinate and an action
    other than wait/terminate), or None: a refusal (`wait`), no coordinate, or garbage."""
    for call in parse_tool_calls(text):
        arguments = call["arguments"]
        if str(arguments.get("action", "")).lower() in NOT_A_POINT:
            continue
        if arguments.get("coordinate"):
            return call
    return None


def _why_no_point(text: str) -> str:
    calls = parse_tool_calls(text)
    if not calls:
        return "no tool call in the reply"
    actions = [str(c["arguments"].get("action", "?")) for c in calls]
    if any(a.lower() in NOT_A_POINT for a in actions):
        return f"the model declined ({', '.join(actions)}): target not found"
    return f"no usable coordinate in the tool call(s) ({', '.join(actions)})"


class JediGrounder(ModelGrounder):
    """Jedi over an OpenAI-compatible chat completions endpoint (vLLM serving Jedi-7B-1080p).

    `ground()` answers screen pixels with confidence 0.9, the reply text in `raw`; None
    (logged, reason in `last_failure`) on a refusal, a timeout, an HTTP error or a reply
    that does not parse."""

    name = "jedi"
    default_model = "jedi-7b"

    def __init__(
        self,
        base_url: str,
        model: str = "jedi-7b",
        api_key: str = "EMPTY",
        timeout: float = 30.0,
        **options: Any,
    ) -> None:
        super().__init__(base_url, model, api_key, timeout, **options)

    def build_messages(self, image_url: str, description: str, model_size: Size) -> list[dict[str, Any]]:
        width, height = model_size
        return [
            {"role": "system", "content": system_prompt(width, height)},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_url}},
                    {"type": "text", "text": description},
                ],
            },
        ]

    def locate(self, text: str, model_size: Size, geometry: ScreenGeometry) -> tuple[float, float, Size]:
        call = parse_tool_call(text)
        if call is None:
            raise NotGrounded(_why_no_point(text))
        x, y = call["arguments"]["coordinate"]
        return x, y, model_size
