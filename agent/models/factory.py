"""Models from one-line specs, so configs and flags name a model as a string.

openai:gpt-4o                                  OPENAI_API_KEY
openai:gpt-4o@https://host/v1                  same, another OpenAI-compatible endpoint
anthropic:claude-sonnet-4-20250514             ANTHROPIC_API_KEY (optionally @base_url)
vllm:Qwen/Qwen2.5-VL-7B-Instruct@http://127.0.0.1:8000/v1
                                               key optional (VLLM_API_KEY); free of cost;
                                               without @url: $VLLM_BASE_URL or localhost:8000
scripted:path/to/replies.jsonl#planner         recorded replies for one role
scripted:write_note.jsonl                      a bare name: agent/data/scripted/ (shipped)
faulty:plans.json?seed=1&stuck=0.2             a task's solution played with faults on
                                               purpose (agent/models/faulty.py)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from agent.models.base import ChatModel

PREFIXES = ("openai", "anthropic", "vllm", "scripted", "faulty")
DEFAULT_VLLM_URL = "http://127.0.0.1:8000/v1"
_WITH_URL = re.compile(r"^(?P<model>.+?)@(?P<url>https?://\S+)$")
# Keyword arguments only the HTTP backends understand; a scripted model ignores them so
# one set of settings can be passed to every role's spec.
_SCRIPTED_KW = {"max_parse_retries"}
# Reasoning settings (AgentConfig.reasoning_effort / thinking_budget): each HTTP backend
# takes both and uses what its model supports (agent/data/model_limits.toml).
_REASONING_KW = {"reasoning_effort", "thinking_budget"}


# Recorded replies shipped with the package (the default model's): a spec may name them
# by file name, so an installed deskpilot runs its example anywhere, not only in a checkout.
PACKAGED_SCRIPTS = Path(__file__).resolve().parent.parent / "data" / "scripted"


def scripted_path(target: str) -> Path:
    """A scripted spec's file: the path as given, else a packaged script of that name."""
    path = Path(target).expanduser()
    packaged = PACKAGED_SCRIPTS / path.name
    if not path.exists() and path.name == target and packaged.is_file():
        return packaged
    return path.resolve()


class ModelSpecError(ValueError):
    """A model spec that cannot be used: unknown prefix, bad form, or a missing API key."""


def parse_spec(spec: str) -> tuple[str, str, str | None]:
    """(prefix, model or path, base_url or role). Raises ModelSpecError."""
    prefix, sep, rest = spec.strip().partition(":")
    prefix = prefix.lower()
    if not sep or not rest:
        raise ModelSpecError(
            f"model spec {spec!r} must look like <prefix>:<model>, prefix one of "
            f"{', '.join(PREFIXES)} (e.g. openai:gpt-4o)"
        )
    if prefix not in PREFIXES:
        raise ModelSpecError(f"unknown model prefix {prefix!r} in {spec!r}; use one of {', '.join(PREFIXES)}")
    if prefix == "scripted":
        path, _, role = rest.partition("#")
        return prefix, path, role or None
    if prefix == "faulty":  # faulty:PLANS.json?k=v&...#role (the role is ignored: one run)
        path, _, query = rest.partition("#")[0].partition("?")
        return prefix, path, query
    match = _WITH_URL.match(rest)
    if match:
        return prefix, match["model"], match["url"].rstrip("/")
    return prefix, rest, None


def _key(kw: dict[str, Any], env: str, spec: str) -> str:
    key = kw.pop("api_key", None) or os.environ.get(env)
    if not key:
        raise ModelSpecError(
            f"model {spec!r} needs an API key: set the environment variable {env} (or pass api_key=)"
        )
    return key


def make_model(spec: str, *, scripts: dict[str, Any] | None = None, **kw: Any) -> ChatModel:
    """A ChatModel for `spec`. `kw` goes to the backend (timeout, max_retries, prices,
    sleep, max_parse_retries, reasoning_effort, thinking_budget, ...; a None reasoning
    setting is left out). For scripted specs, `role=` is the default role and `scripts`
    (a dict) shares one loaded script per file between calls."""
    prefix, target, extra = parse_spec(spec)
    kw = {k: v for k, v in kw.items() if not (k in _REASONING_KW and v is None)}
    if prefix == "openai":
        from agent.models.openai_model import OpenAIChatModel

        return OpenAIChatModel(target, base_url=extra, api_key=_key(kw, "OPENAI_API_KEY", spec), **kw)
    if prefix == "anthropic":
        from agent.models.anthropic_model import AnthropicChatModel

        return AnthropicChatModel(target, base_url=extra, api_key=_key(kw, "ANTHROPIC_API_KEY", spec), **kw)
    if prefix == "vllm":
        from agent.models.openai_model import OpenAIChatModel
        from agent.models.pricing import FREE

        url = extra or os.environ.get("VLLM_BASE_URL") or DEFAULT_VLLM_URL
        key = kw.pop("api_key", None) or os.environ.get("VLLM_API_KEY") or "EMPTY"
        kw.setdefault("prices", FREE)  # a model we serve ourselves costs no tokens
        kw.setdefault("name", f"vllm:{target}")
        return OpenAIChatModel(target, base_url=url, api_key=key, provider="vllm", **kw)
    if prefix == "faulty":
        from agent.models.faulty import FaultyModel, load_run

        return FaultyModel(load_run(target, extra or ""), kw.get("role") or "planner")
    from agent.models.scripted import ScriptedScript

    role = extra or kw.pop("role", None) or "planner"
    resolved = str(scripted_path(target))
    script = scripts.get(resolved) if scripts is not None else None
    if script is None:
        script = ScriptedScript.load(resolved)
        if scripts is not None:
            scripts[resolved] = script
    return script.model(role, **{k: v for k, v in kw.items() if k in _SCRIPTED_KW})
