"""ChatModel over the official `openai` SDK's chat completions: OpenAI itself, vLLM and any
OpenAI-compatible server (point `base_url` at it; a dummy api_key is fine for vLLM).

`web_search()` goes through the Responses API with OpenAI's hosted `web_search` tool;
servers without a Responses API (vLLM and most compatible servers) answer it with a
clear ModelError."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterable
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
from agent.models.capabilities import image_limits_for, reasoning_for
from agent.models.pricing import PricesArg, price_table
from agent.models.retry import Retrier, RetryPolicy
from agent.models.structured import complete_structured

T = TypeVar("T", bound=BaseModel)

# OpenAI bills each web search *call* on top of the tokens: $10 per 1,000 for the
# `web_search` tool (list price; the price table covers tokens only). Set the model's
# `web_search_call_usd` to change it, e.g. to 0.0 for a gateway that bills otherwise.
WEB_SEARCH_CALL_USD = 0.01
MAX_SOURCES = 8  # at most this many URLs in a web_search answer's "Sources:" list


def sources_block(sources: Iterable[tuple[str, str | None]], limit: int = MAX_SOURCES) -> str:
    """`(url, title)` pairs as a short "Sources:" list, first mention first, each URL once;
    "" when there are none."""
    seen: dict[str, str | None] = {}
    for url, title in sources:
        if url and not seen.get(url):  # first mention; a later one may add the missing title
            seen[url] = title
    if not seen:
        return ""
    lines = [f"- {title} - {url}" if title else f"- {url}" for url, title in list(seen.items())[:limit]]
    if len(seen) > limit:
        lines.append(f"- ... and {len(seen) - limit} more")
    return "Sources:\n" + "\n".join(lines)


def with_sources(text: str, sources: Iterable[tuple[str, str | None]]) -> str:
    block = sources_block(sources)
    text = text.strip()
    return f"{text}\n\n{block}" if text and block else (text or block)


def data_url(image: ImagePart) -> str:
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"


def to_openai_messages(messages: list[Message], image_detail: str | None = None) -> list[dict[str, Any]]:
    """Text-only messages go as a plain string (some OpenAI-compatible servers accept
    nothing else for system/assistant); messages with images as a list of parts."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if all(isinstance(p, TextPart) for p in m.content):
            out.append({"role": m.role, "content": m.plain_text()})
            continue
        parts: list[dict[str, Any]] = []
        for p in m.content:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            else:
                url: dict[str, Any] = {"url": data_url(p)}
                if image_detail:
                    url["detail"] = image_detail
                parts.append({"type": "image_url", "image_url": url})
        out.append({"role": m.role, "content": parts})
    return out


class OpenAIChatModel:
    """`complete()` per the ChatModel protocol; one SDK client, our own retry loop."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 120.0,
        max_retries: int = 4,
        prices: PricesArg = None,
        name: str | None = None,
        max_parse_retries: int = 2,
        json_mode: bool = False,
        image_detail: str | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] | None = None,
        extra_body: dict[str, Any] | None = None,
        provider: str = "openai",
        reasoning_effort: str | None = None,
        thinking_budget: int | None = None,
    ) -> None:
        """`reasoning_effort`: for reasoning models (agent/data/model_limits.toml), sent as
        `reasoning_effort` (None: the table's default); `thinking_budget` is Anthropic's and
        is ignored here, so one set of settings serves every role's model."""
        import openai  # imported here so the agent loads without every SDK installed

        key = api_key or os.environ.get("OPENAI_API_KEY") or (None if base_url is None else "EMPTY")
        if not key:
            raise ModelError(f"openai:{model}: no API key; set OPENAI_API_KEY or pass api_key=")
        self.model = model
        self.name = name or f"openai:{model}"
        self.max_parse_retries = max_parse_retries
        self.json_mode = json_mode  # response_format json_object (OpenAI, vLLM)
        # OpenAI "low" | "high" | "auto"; None: what the model's image limits say (OpenAI:
        # "high", the detail agent/screen_scale.py sizes screenshots for), else server default
        limits = image_limits_for(provider, model)
        self.image_detail = image_detail or (limits.detail if limits else None)
        # OpenAI reasoning models reject `max_tokens` and a non-default `temperature`; their
        # cap, max_completion_tokens, includes the hidden reasoning (see _request).
        self.reasoning = reasoning_for(provider, model)
        if reasoning_effort and self.reasoning.efforts and reasoning_effort not in self.reasoning.efforts:
            raise ModelError(
                f"{name or model}: reasoning_effort {reasoning_effort!r} is not one of "
                f"{', '.join(self.reasoning.efforts)}"
            )
        self.reasoning_effort = (
            reasoning_effort or self.reasoning.default_effort if self.reasoning.kind == "effort" else None
        )
        self.extra_body = extra_body  # e.g. vLLM's {"top_k": 1} or guided decoding
        self.prices = price_table(prices)
        # max_retries=0: the Retrier below is the one retry loop (see retry.py).
        self.client = openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=0)
        self.web_search_call_usd = WEB_SEARCH_CALL_USD
        policy = retry_policy or RetryPolicy(max_attempts=max_retries + 1)
        self.retrier = Retrier(
            self.name,
            policy,
            transient=(openai.APIConnectionError,),
            wrap=(openai.OpenAIError,),
            sleep=sleep if sleep is not None else time.sleep,
        )

    def _request(
        self, messages: list[Message], max_tokens: int, temperature: float, json_reply: bool
    ) -> dict[str, Any]:
        req: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages, self.image_detail),
        }
        if self.reasoning.kind == "effort":
            # max_tokens is the room the caller wants for the visible reply; the cap must also
            # hold the hidden reasoning, or the reply comes back empty (finish_reason "length").
            req["max_completion_tokens"] = max(max_tokens, self.reasoning.min_cap)
            if self.reasoning_effort:
                req["reasoning_effort"] = self.reasoning_effort
        else:
            req["max_tokens"] = max_tokens
            req["temperature"] = temperature
        if json_reply and self.json_mode:
            req["response_format"] = {"type": "json_object"}
        if self.extra_body:
            req["extra_body"] = self.extra_body
        return req

    def usage_of(self, response: Any) -> Usage:
        u = getattr(response, "usage", None)
        if u is None:  # some compatible servers omit usage; count nothing rather than fail
            return Usage()
        details = getattr(u, "prompt_tokens_details", None)
        usage = Usage(
            input_tokens=u.prompt_tokens or 0,
            output_tokens=u.completion_tokens or 0,
            cached_input_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
        )
        return usage.model_copy(update={"cost_usd": self.prices.cost(self.model, usage)})

    def _send(
        self, messages: list[Message], max_tokens: int, temperature: float, json_reply: bool
    ) -> tuple[str, Usage]:
        req = self._request(messages, max_tokens, temperature, json_reply)
        response = self.retrier.call(lambda: self.client.chat.completions.create(**req))
        if not response.choices:
            raise ModelError(f"{self.name}: the reply has no choices")
        choice = response.choices[0]
        msg = choice.message
        text = msg.content or ""
        if not text and getattr(msg, "refusal", None):
            text = msg.refusal  # a refusal fails the schema with its words visible
        usage = self.usage_of(response)
        if not text and choice.finish_reason == "length":
            raise self._truncated(req, response, usage)
        return text, usage

    def _truncated(self, req: dict[str, Any], response: Any, usage: Usage) -> ReplyTruncatedError:
        """The error for an empty reply cut at the cap, naming the cap and the fix."""
        if "max_completion_tokens" in req:
            cap, field = req["max_completion_tokens"], "max_completion_tokens"
            details = getattr(getattr(response, "usage", None), "completion_tokens_details", None)
            hidden = getattr(details, "reasoning_tokens", None) if details else None
            spent = (
                f"{hidden} of its {usage.output_tokens} output tokens went to hidden reasoning"
                if hidden is not None
                else "the cap includes the hidden reasoning tokens"
            )
            fix = (
                f"raise the cap (the role's max_tokens, or min_cap for {self.model} in "
                f"agent/data/model_limits.toml) or lower reasoning_effort (now "
                f"{self.reasoning_effort or 'the server default'})"
            )
        else:
            cap, field = req["max_tokens"], "max_tokens"
            spent = f"{usage.output_tokens} output tokens and no text"
            fix = "raise the role's max_tokens"
        return ReplyTruncatedError(
            f"{self.name}: the reply is empty: it stopped at its output cap ({field}={cap}, "
            f"finish_reason 'length') before writing any text ({spent}); {fix}",
            cap=cap,
            usage=usage,
        )

    def web_search(self, prompt: str, *, max_tokens: int = 1500) -> ChatResult:
        """One Responses API call with the hosted `web_search` tool: the answer text with its
        cited URLs appended as a "Sources:" list, and usage priced from the price table plus
        `web_search_call_usd` per search the model ran. Retried like complete(); a server
        without a Responses API (HTTP 404, e.g. vLLM) raises a ModelError saying so."""
        import openai

        started = time.monotonic()
        # store=False: nothing to keep server-side, this is a one-shot question.
        # A reasoning model's max_output_tokens holds its hidden reasoning too: leave room.
        cap = max(max_tokens, self.reasoning.min_cap) if self.reasoning.kind == "effort" else max_tokens
        req: dict[str, Any] = {
            "model": self.model,
            "input": prompt,
            "tools": [{"type": "web_search"}],
            "max_output_tokens": cap,
            "store": False,
        }
        try:
            response = self.retrier.call(lambda: self.client.responses.create(**req))
        except ModelError as err:
            cause = err.__cause__
            if isinstance(cause, openai.NotFoundError) and cause.code != "model_not_found":
                raise ModelError(
                    f"{self.name}: web search is not available at {self.client.base_url}: "
                    f"POST /responses answered HTTP 404 ({cause.message}). It needs the OpenAI "
                    f"Responses API with the hosted web_search tool, which vLLM and most "
                    f"OpenAI-compatible servers do not have"
                ) from cause
            raise
        text, sources, searches = self._read_response(response)
        if not text and getattr(response, "status", None) == "incomplete":
            why = getattr(getattr(response, "incomplete_details", None), "reason", None) or "unknown"
            raise ModelError(
                f"{self.name}: the web search reply is incomplete ({why}) and has "
                f"no text; raise max_tokens (now {cap})"
            )
        usage = self._responses_usage(response, searches)
        return ChatResult(
            text=with_sources(text, sources),
            usage=usage,
            model=self.name,
            latency_s=time.monotonic() - started,
        )

    @staticmethod
    def _read_response(response: Any) -> tuple[str, list[tuple[str, str | None]], int]:
        """(answer text, cited (url, title) pairs, number of web searches run)."""
        texts: list[str] = []
        sources: list[tuple[str, str | None]] = []
        searches = 0
        for item in getattr(response, "output", None) or []:
            kind = getattr(item, "type", None)
            if kind == "web_search_call":
                action = getattr(item, "action", None)
                # open_page / find_in_page actions are not billed as searches
                if getattr(action, "type", "search") == "search":
                    searches += 1
            elif kind == "message":
                for part in getattr(item, "content", None) or []:
                    if getattr(part, "type", None) == "output_text":
                        texts.append(part.text or "")
                        for note in getattr(part, "annotations", None) or []:
                            if getattr(note, "type", None) == "url_citation" and getattr(note, "url", None):
                                sources.append((note.url, getattr(note, "title", None) or None))
                    elif getattr(part, "type", None) == "refusal" and getattr(part, "refusal", None):
                        texts.append(part.refusal)
        return "".join(texts), sources, searches

    def _responses_usage(self, response: Any, searches: int) -> Usage:
        u = getattr(response, "usage", None)
        if u is None:
            usage = Usage()
        else:
            details = getattr(u, "input_tokens_details", None)
            usage = Usage(
                input_tokens=u.input_tokens or 0,
                output_tokens=u.output_tokens or 0,
                cached_input_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
            )
        cost = self.prices.cost(self.model, usage) + searches * self.web_search_call_usd
        return usage.model_copy(update={"cost_usd": round(cost, 8)})

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
            lambda convo: self._send(convo, max_tokens, temperature, schema is not None),
            messages,
            schema,
            model_name=self.name,
            max_parse_retries=self.max_parse_retries,
        )
