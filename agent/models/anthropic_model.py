"""ChatModel over the official `anthropic` SDK's messages API.

`web_search()` adds Anthropic's server-side web search tool to one messages call."""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

from pydantic import BaseModel

from agent.models.base import (
    ChatResult,
    ImagePart,
    Message,
    ModelError,
    ReplyTruncatedError,
    TextPart,
    Usage,
)
from agent.models.capabilities import reasoning_for
from agent.models.openai_model import with_sources  # a plain helper; no SDK is imported
from agent.models.pricing import PricesArg, price_table
from agent.models.retry import Retrier, RetryPolicy
from agent.models.structured import complete_structured

T = TypeVar("T", bound=BaseModel)

# Models that still take `temperature` (Claude 3.x and 4.0-4.6). Later models reject a
# non-default value with HTTP 400, and SDK 1.0+ dropped the argument (it goes in
# extra_body), so it is sent only where it is known to work.
_TAKES_TEMPERATURE = re.compile(
    r"^claude-(3[-.]|(sonnet|opus|haiku)-4(-[0-6])?(-\d{8}|-latest|@|$))", re.IGNORECASE
)


# Anthropic bills web searches on top of the tokens: $10 per 1,000 (list price; the price
# table covers tokens only). Set the model's `web_search_request_usd` to change it.
WEB_SEARCH_REQUEST_USD = 0.01
WEB_SEARCH_MAX_USES = 3  # searches Claude may run within one web_search() call


def _block(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    return {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": part.media_type,
            "data": base64.b64encode(part.data).decode("ascii"),
        },
    }


def to_anthropic(
    messages: list[Message], cache_system: bool = True
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """(system blocks, messages). System messages go to the `system` parameter (the API
    has no system role); consecutive same-role turns are merged, as the API wants
    user/assistant alternation."""
    system_texts: list[str] = []
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            if any(isinstance(p, ImagePart) for p in m.content):
                raise ModelError(
                    "Anthropic takes no images in the system prompt; put the image in a user message"
                )
            system_texts.append(m.plain_text())
            continue
        blocks = [_block(p) for p in m.content if not (isinstance(p, TextPart) and not p.text)]
        if turns and turns[-1]["role"] == m.role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": m.role, "content": blocks})
    if not system_texts:
        return None, turns
    system: dict[str, Any] = {"type": "text", "text": "\n\n".join(system_texts)}
    if cache_system:
        # A cache breakpoint after the system prompt: it is identical on every step of a
        # role, so later calls pay the cache-read price for it (no effect below ~1k tokens).
        system["cache_control"] = {"type": "ephemeral"}
    return [system], turns


class AnthropicChatModel:
    """`complete()` per the ChatModel protocol; one SDK client, our own retry loop."""

    def __init__(
        self,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 120.0,
        max_retries: int = 4,
        prices: PricesArg = None,
        name: str | None = None,
        max_parse_retries: int = 2,
        cache_system: bool = True,
        send_temperature: bool | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] | None = None,
        thinking_budget: int | None = None,
        reasoning_effort: str | None = None,
    ) -> None:
        """Thinking (agent/data/model_limits.toml): `thinking_budget` turns on extended
        thinking (budget_tokens) on models that take it, adaptive thinking on Claude 4.7 and
        later (which reject a fixed budget); `reasoning_effort` alone turns on adaptive
        thinking with that effort where the model has it. Models without thinking ignore both."""
        import anthropic  # imported here so the agent loads without every SDK installed

        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise ModelError(f"anthropic:{model}: no API key; set ANTHROPIC_API_KEY or pass api_key=")
        self.model = model
        self.name = name or f"anthropic:{model}"
        self.max_parse_retries = max_parse_retries
        self.cache_system = cache_system
        # None: decide by model id (see _TAKES_TEMPERATURE)
        self.send_temperature = (
            bool(_TAKES_TEMPERATURE.match(model)) if send_temperature is None else send_temperature
        )
        self.reasoning = reasoning_for("anthropic", model)
        kind = self.reasoning.kind
        if reasoning_effort and self.reasoning.efforts and reasoning_effort not in self.reasoning.efforts:
            raise ModelError(
                f"{self.name}: reasoning_effort {reasoning_effort!r} is not one of "
                f"{', '.join(self.reasoning.efforts)}"
            )
        if thinking_budget is not None and thinking_budget < max(1, self.reasoning.min_budget):
            raise ModelError(
                f"{self.name}: thinking_budget must be at least "
                f"{self.reasoning.min_budget} tokens, not {thinking_budget}"
            )
        self.thinking_budget = thinking_budget if kind in ("budget", "adaptive") else None
        adaptive = kind == "adaptive" or self.reasoning.adaptive
        self.reasoning_effort = reasoning_effort if adaptive else None
        self.prices = price_table(prices)
        # max_retries=0: the Retrier below is the one retry loop (see retry.py).
        self.timeout = timeout
        self.client = anthropic.Anthropic(api_key=key, base_url=base_url, timeout=timeout, max_retries=0)
        self.web_search_request_usd = WEB_SEARCH_REQUEST_USD
        policy = retry_policy or RetryPolicy(max_attempts=max_retries + 1)
        self.retrier = Retrier(
            self.name,
            policy,
            transient=(anthropic.APIConnectionError,),
            wrap=(anthropic.AnthropicError,),
            sleep=sleep if sleep is not None else time.sleep,
        )

    def usage_of(self, response: Any) -> Usage:
        u = getattr(response, "usage", None)
        if u is None:
            return Usage()
        read = getattr(u, "cache_read_input_tokens", None) or 0
        written = getattr(u, "cache_creation_input_tokens", None) or 0
        # Anthropic's input_tokens exclude cache reads and writes; ours include them.
        usage = Usage(
            input_tokens=(u.input_tokens or 0) + read + written,
            output_tokens=u.output_tokens or 0,
            cached_input_tokens=read,
        )
        return usage.model_copy(update={"cost_usd": self.prices.cost(self.model, usage)})

    def _thinking(self, max_tokens: int) -> tuple[dict[str, Any], int]:
        """(the thinking settings of a request, its max_tokens). `max_tokens` is the room the
        caller wants for the visible reply; thinking shares the cap, so it is added on top."""
        budget, effort, kind = self.thinking_budget, self.reasoning_effort, self.reasoning.kind
        if budget is not None and kind == "budget" and not (effort and self.reasoning.adaptive):
            # budget_tokens must stay below max_tokens, and temperature must not be set.
            return {"thinking": {"type": "enabled", "budget_tokens": budget}}, max_tokens + budget
        if budget is not None or effort:
            extra: dict[str, Any] = {"thinking": {"type": "adaptive"}}
            if effort:
                extra["output_config"] = {"effort": effort}
            return extra, max(max_tokens + (budget or 0), self.reasoning.min_cap)
        return {}, max_tokens

    def _send(self, messages: list[Message], max_tokens: int, temperature: float) -> tuple[str, Usage]:
        system, turns = to_anthropic(messages, self.cache_system)
        thinking, cap = self._thinking(max_tokens)
        req: dict[str, Any] = {"model": self.model, "messages": turns, "max_tokens": cap, **thinking}
        if self.send_temperature and not thinking:  # thinking takes no temperature
            req["extra_body"] = {"temperature": temperature}
        if thinking:
            # Thinking takes time: allow what the SDK itself expects of a non-streamed call of
            # this many tokens (an hour per 128k, at most 10 minutes), so it is not cut and retried.
            req["timeout"] = max(self.timeout, min(600.0, 3600.0 * cap / 128_000))
        if system:
            req["system"] = system
        response = self.retrier.call(lambda: self.client.messages.create(**req))
        text = "".join(getattr(b, "text", "") for b in response.content if getattr(b, "type", "") == "text")
        usage = self.usage_of(response)
        if not text.strip() and getattr(response, "stop_reason", None) == "max_tokens":
            raise self._truncated(cap, thinking, usage)
        return text, usage

    def _truncated(self, cap: int, thinking: dict[str, Any], usage: Usage) -> ReplyTruncatedError:
        if thinking:
            how = (
                f"thinking budget_tokens={thinking['thinking']['budget_tokens']}"
                if "budget_tokens" in thinking["thinking"]
                else "adaptive thinking"
            )
            fix = (
                f"the thinking ({how}) used the cap up; raise the role's max_tokens or lower "
                "thinking_budget / reasoning_effort"
            )
        else:
            fix = "raise the role's max_tokens"
        return ReplyTruncatedError(
            f"{self.name}: the reply is empty: it stopped at its output cap (max_tokens={cap}, "
            f"stop_reason 'max_tokens') before writing any text; {fix}",
            cap=cap,
            usage=usage,
        )

    def web_search(self, prompt: str, *, max_tokens: int = 1500) -> ChatResult:
        """One messages call with the server tool `web_search_20250305` (at most
        WEB_SEARCH_MAX_USES searches): the reply's text blocks with the cited URLs appended
        as a "Sources:" list, and usage priced from the price table plus
        `web_search_request_usd` per search run (`usage.server_tool_use.web_search_requests`;
        the count itself goes into cost_usd only, not the text). Retried like complete().

        One call: a reply that stops with `pause_turn` (a long server-tool turn the API
        paused) is returned as it stands, not continued."""
        started = time.monotonic()
        req: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": prompt}],
            "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": WEB_SEARCH_MAX_USES}],
        }
        response = self.retrier.call(lambda: self.client.messages.create(**req))
        text, sources = self._read_search_reply(response)
        usage = self.usage_of(response)
        server = getattr(getattr(response, "usage", None), "server_tool_use", None)
        searches = (getattr(server, "web_search_requests", None) or 0) if server else 0
        cost = usage.cost_usd + searches * self.web_search_request_usd
        return ChatResult(
            text=with_sources(text, sources),
            usage=usage.model_copy(update={"cost_usd": round(cost, 8)}),
            model=self.name,
            latency_s=time.monotonic() - started,
        )

    @staticmethod
    def _read_search_reply(response: Any) -> tuple[str, list[tuple[str, str | None]]]:
        """(answer text, (url, title) pairs). Text blocks next to each other are fragments of
        one passage (the API splits text at every citation) and are joined as they are; runs
        of text on either side of a server_tool_use / web_search_tool_result block are
        separate passages, joined by a blank line. Sources: the URLs the text cites, else
        (nothing cited) the search results' URLs."""
        runs: list[str] = [""]
        cited: list[tuple[str, str | None]] = []
        found: list[tuple[str, str | None]] = []
        for block in getattr(response, "content", None) or []:
            kind = getattr(block, "type", None)
            if kind == "text":
                runs[-1] += block.text or ""
                for c in getattr(block, "citations", None) or []:
                    if getattr(c, "url", None):
                        cited.append((c.url, getattr(c, "title", None) or None))
            else:
                if runs[-1].strip():
                    runs.append("")
                if kind == "web_search_tool_result" and isinstance(getattr(block, "content", None), list):
                    found.extend(
                        (r.url, getattr(r, "title", None) or None)
                        for r in block.content
                        if getattr(r, "type", None) == "web_search_result" and getattr(r, "url", None)
                    )
        text = "\n\n".join(r.strip() for r in runs if r.strip())
        return text, cited or found

    def close(self) -> None:
        """Close the HTTP connections (a model is otherwise reusable for a whole run)."""
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(
        self,
        messages: list[Message],
        *,
        schema: type[T] | None = None,
        max_tokens: int = 2048,
        temperature: float = 0.0,
    ) -> ChatResult[T]:
        return complete_structured(
            lambda convo: self._send(convo, max_tokens, temperature),
            messages,
            schema,
            model_name=self.name,
            max_parse_retries=self.max_parse_retries,
        )
