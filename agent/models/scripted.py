"""A ChatModel that replays recorded replies: offline tests, demos, and replays of runs.

File forms (an "object reply" is serialised to JSON text; a string is the raw reply):
- .json: a list of replies, or an object mapping role -> list of replies;
- .jsonl: one reply per line, either a JSON string or {"role": "planner", "reply": ...}.
A list item or line that is an object with a "reply" key is such an envelope (its
"role" optional); any other object is itself the reply. A reply without a role is
taken by whichever role asks next; a role's model takes the first remaining reply
tagged with its role or untagged. When one file serves several roles through
separately loaded scripts, tag every reply with its role.

Usage is estimated (no tokenizer): ceil(chars / 4) per text, IMAGE_TOKENS per image
(roughly a 1080p screenshot at OpenAI high detail); cost is always 0.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from agent.models.base import ChatResult, ImagePart, Message, ModelError, Usage
from agent.models.structured import complete_structured

T = TypeVar("T", bound=BaseModel)

ROLES = ("gate", "planner", "verifier", "coder", "search", "grounder")
CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 1000


class ScriptExhausted(ModelError):
    """The script has no reply left for a role."""


@dataclass
class _Reply:
    role: str | None
    text: str


def _text(reply: Any, where: str) -> str:
    if isinstance(reply, str):
        return reply
    if isinstance(reply, (dict, list)):
        return json.dumps(reply, ensure_ascii=False)
    raise ValueError(f"{where}: a reply must be a string or a JSON object, got {type(reply).__name__}")


def _item(item: Any, where: str, role: str | None = None) -> _Reply:
    if isinstance(item, dict) and "reply" in item:
        tagged = item.get("role", role)
        if tagged is not None and not isinstance(tagged, str):
            raise ValueError(f"{where}: role must be a string, got {tagged!r}")
        return _Reply(tagged, _text(item["reply"], where))
    return _Reply(role, _text(item, where))


def estimate_tokens(messages: list[Message]) -> int:
    tokens = 0
    for m in messages:
        for p in m.content:
            tokens += IMAGE_TOKENS if isinstance(p, ImagePart) else math.ceil(len(p.text) / CHARS_PER_TOKEN)
    return tokens


class ScriptedScript:
    """The replies of one file, shared by the models made from it (one queue, per-role pops)."""

    def __init__(self, replies: list[_Reply], source: str = "inline") -> None:
        self.source = source
        self._replies = replies
        self._lock = threading.Lock()
        self.used: dict[str, int] = {}

    @classmethod
    def from_replies(
        cls, replies: list[Any] | Mapping[str, list[Any]], source: str = "inline"
    ) -> ScriptedScript:
        """From Python data in the .json forms: a list, or a mapping role -> list."""
        if isinstance(replies, Mapping):
            items = [
                _item(r, f"{source}[{role!r}][{i}]", role)
                for role, rs in replies.items()
                for i, r in enumerate(rs)
            ]
        elif isinstance(replies, list):
            items = [_item(r, f"{source}[{i}]") for i, r in enumerate(replies)]
        else:
            raise ValueError(f"{source}: expected a list of replies or an object role -> list")
        return cls(items, source)

    @classmethod
    def load(cls, path: str | Path) -> ScriptedScript:
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ValueError(f"cannot read scripted replies from {path}: {err}") from err
        if path.suffix == ".jsonl":
            items = []
            for n, line in enumerate(raw.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}:{n}: not a JSON line ({err.msg})") from err
                items.append(_item(value, f"{path}:{n}"))
            return cls(items, str(path))
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from err
        return cls.from_replies(data, str(path))

    def remaining(self, role: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self._replies if role is None or r.role in (role, None))

    def pop(self, role: str) -> str:
        with self._lock:
            for i, r in enumerate(self._replies):
                if r.role in (role, None):
                    del self._replies[i]
                    self.used[role] = self.used.get(role, 0) + 1
                    return r.text
            used = self.used.get(role, 0)
            total = sum(self.used.values())
        raise ScriptExhausted(
            f"scripted replies in {self.source} ran out for role {role!r}: "
            f"{used} used by this role, {total} in all"
        )

    def model(self, role: str = "planner", *, max_parse_retries: int = 2) -> ScriptedModel:
        return ScriptedModel(self, role, max_parse_retries=max_parse_retries)


class ScriptedModel:
    """A ChatModel answering from a script. `requests` holds every message list it was
    sent (re-asks included), for tests to inspect."""

    def __init__(self, script: ScriptedScript, role: str = "planner", *, max_parse_retries: int = 2) -> None:
        self.script = script
        self.role = role
        self.name = f"scripted:{Path(script.source).name}:{role}"
        self.max_parse_retries = max_parse_retries
        self.requests: list[list[Message]] = []

    def close(self) -> None:
        """Nothing to release; here so any model can be closed the same way."""

    def _send(self, messages: list[Message]) -> tuple[str, Usage]:
        self.requests.append(list(messages))
        text = self.script.pop(self.role)
        return text, Usage(
            input_tokens=estimate_tokens(messages), output_tokens=math.ceil(len(text) / CHARS_PER_TOKEN)
        )

    def complete(
        self,
        messages: list[Message],
        *,
        schema: type[T] | None = None,
        max_tokens: int = 2048,
        temperature: float = 0.0,
    ) -> ChatResult[T]:
        return complete_structured(
            self._send, messages, schema, model_name=self.name, max_parse_retries=self.max_parse_retries
        )
