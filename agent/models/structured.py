"""Structured output shared by every backend: ask for JSON, find it, validate, re-ask.

A backend only supplies `send(messages) -> (text, usage)` (one raw call, retries for
transport errors already inside it); `complete_structured` does the rest, so every
backend — the scripted one included — parses and re-asks the same way.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agent.models.base import (
    ChatResult,
    Message,
    ModelError,
    ReplyParseError,
    TextPart,
    Usage,
)
from agent.prompts import render

T = TypeVar("T", bound=BaseModel)
Send = Callable[[list[Message]], tuple[str, Usage]]

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n?(.*?)```", re.DOTALL)
EXCERPT_CHARS = 200


class JSONExtractionError(ValueError):
    """The reply holds no usable JSON object; the message says why, for the re-ask."""


@functools.cache
def schema_json(schema: type[BaseModel]) -> str:
    """The schema as compact, deterministic JSON (stable text keeps prefix caches warm).

    Fields stay in their declared order, not sorted: models write the fields in the order
    the schema lists them, so the reasoning fields a schema puts first come before the
    answer. Same rendering as agent/history.py's compact_json, so a prompt that already
    embeds the schema is recognised and the instruction is not added twice."""
    return json.dumps(schema.model_json_schema(), separators=(",", ":"), ensure_ascii=False)


def schema_instruction(schema: type[BaseModel]) -> str:
    return render("structured_output", schema_name=schema.__name__, schema=schema_json(schema))


@functools.cache
def _renderings(schema: type[BaseModel]) -> frozenset[str]:
    raw = schema.model_json_schema()
    return frozenset({schema_json(schema), json.dumps(raw), json.dumps(raw, sort_keys=True)})


def _mentions_schema(messages: list[Message], schema: type[BaseModel]) -> bool:
    renderings = _renderings(schema)
    texts = [m.plain_text() for m in messages if m.role in ("system", "user")]
    return any(r in t for t in texts for r in renderings)


def with_schema_instruction(messages: list[Message], schema: type[BaseModel]) -> list[Message]:
    """Add the JSON instruction to the first system message (or a new one in front).

    The system message, not the last user turn: it is the same on every step of a role,
    so the provider's prefix cache still hits. Skipped if the prompt already has the schema."""
    if _mentions_schema(messages, schema):
        return list(messages)
    part = TextPart(text=schema_instruction(schema))
    for i, m in enumerate(messages):
        if m.role == "system":
            return [*messages[:i], Message(role="system", content=[*m.content, part]), *messages[i + 1 :]]
    return [Message(role="system", content=[part]), *messages]


def _balanced_end(text: str, start: int) -> int | None:
    """Index of the `}` closing the object opened at `start`, strings and escapes respected."""
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i if ch == "}" else None
    return None


def _first_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The first balanced `{...}` that parses as a JSON object, else why not."""
    problem: str | None = None
    start = text.find("{")
    while start != -1:
        end = _balanced_end(text, start)
        if end is None:
            problem = problem or "the JSON object is never closed (was the reply cut off?)"
        else:
            try:
                value = json.loads(text[start : end + 1])
            except json.JSONDecodeError as err:
                problem = problem or f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}"
            else:
                if isinstance(value, dict):
                    return value, None
        start = text.find("{", start + 1)
    return None, problem


def extract_json(text: str) -> dict[str, Any]:
    """The reply's JSON object: fenced blocks first, then the first balanced object in the
    text (prose before and after is ignored). Raises JSONExtractionError saying why not."""
    problem: str | None = None
    for candidate in [m.group(1) for m in _FENCE.finditer(text)] + [text]:
        value, why = _first_object(candidate)
        if value is not None:
            return value
        problem = problem or why
    raise JSONExtractionError(problem or "no JSON object found in the reply")


def describe_validation_error(err: ValidationError, limit: int = 8) -> str:
    lines = []
    for e in err.errors()[:limit]:
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"- {where}: {e['msg']}")
    if err.error_count() > limit:
        lines.append(f"- ... and {err.error_count() - limit} more")
    return "\n".join(lines)


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate a reply against `schema`; raises ValueError with a message fit to re-ask with."""
    try:
        return schema.model_validate(extract_json(text))
    except JSONExtractionError as err:
        raise ValueError(f"- {err}") from err
    except ValidationError as err:
        raise ValueError(describe_validation_error(err)) from err


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


def complete_structured(
    send: Send,
    messages: list[Message],
    schema: type[T] | None,
    *,
    model_name: str,
    max_parse_retries: int = 2,
) -> ChatResult[T]:
    """One ChatModel.complete: a single call without a schema; with one, up to
    1 + max_parse_retries calls, each re-ask carrying the bad reply and what was wrong."""
    started = time.monotonic()
    if schema is None:
        text, usage = send(list(messages))
        return ChatResult(text=text, usage=usage, model=model_name, latency_s=time.monotonic() - started)
    convo = with_schema_instruction(messages, schema)
    total = Usage()
    problem = ""
    text = ""
    for attempt in range(1, max(0, max_parse_retries) + 2):
        try:
            text, usage = send(convo)
        except ModelError as err:
            spent = getattr(err, "usage", None)  # a truncated reply's own cost, if it says
            err.usage = total + spent if isinstance(spent, Usage) else total
            raise
        total = total + usage
        try:
            parsed = parse_reply(text, schema)
        except ValueError as err:
            problem = str(err)
        else:
            return ChatResult(
                text=text,
                parsed=parsed,
                usage=total,
                model=model_name,
                latency_s=time.monotonic() - started,
                attempts=attempt,
            )
        reask = render("structured_reask", schema_name=schema.__name__, problem=problem)
        convo = [*convo, Message.text("assistant", text or "(empty reply)"), Message.text("user", reask)]
    error = ReplyParseError(
        f"{model_name}: the reply did not match schema {schema.__name__} after {attempt} "
        f"attempt(s):\n{problem}\nLast reply began: {excerpt(text)!r}",
        last_text=text,
        attempts=attempt,
    )
    error.usage = total  # failed calls still cost tokens
    raise error
