"""OpenAIChatModel through the real `openai` SDK against the local fake server."""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import BaseModel

from agent.models.base import ImagePart, Message, ModelError, ReplyParseError, TextPart
from agent.models.openai_model import OpenAIChatModel
from agent.models.retry import RetryPolicy


class Point(BaseModel):
    x: int
    y: int


def model(fake_llm, sleeps, name="gpt-4o", **kw) -> OpenAIChatModel:
    return fake_llm.track(
        OpenAIChatModel(name, base_url=fake_llm.openai_url, api_key="test-key", sleep=sleeps, **kw)
    )


def ask(text="where?") -> list[Message]:
    return [Message.text("system", "You point at things."), Message.text("user", text)]


def test_plain_reply_and_request_shape(fake_llm, sleeps):
    fake_llm.reply("hello", input_tokens=12, output_tokens=3)
    result = model(fake_llm, sleeps).complete(ask(), max_tokens=77, temperature=0.5)
    assert result.text == "hello" and result.parsed is None and result.attempts == 1
    assert result.model == "openai:gpt-4o"
    seen = fake_llm.requests[0]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == "Bearer test-key"
    assert seen.body["model"] == "gpt-4o" and seen.body["max_tokens"] == 77
    assert seen.body["temperature"] == 0.5
    assert seen.body["messages"] == [
        {"role": "system", "content": "You point at things."},
        {"role": "user", "content": "where?"},
    ]
    assert sleeps == []


def test_reasoning_models_get_max_completion_tokens(fake_llm, sleeps):
    fake_llm.reply("ok")
    model(fake_llm, sleeps, name="o4-mini").complete(ask(), max_tokens=99)
    body = fake_llm.requests[0].body
    # the cap holds the hidden reasoning too: raised to the table's minimum (OpenAI's 25k)
    assert body["max_completion_tokens"] == 25000 and body["reasoning_effort"] == "low"
    assert "max_tokens" not in body and "temperature" not in body


def test_structured_reask_then_valid(fake_llm, sleeps):
    fake_llm.reply("I would click at {x: 3}", input_tokens=100, output_tokens=10)
    fake_llm.reply('Sure:\n```json\n{"x": 3, "y": 4}\n```', input_tokens=150, output_tokens=12)
    result = model(fake_llm, sleeps).complete(ask(), schema=Point)
    assert result.parsed == Point(x=3, y=4)
    assert result.attempts == 2
    assert (result.usage.input_tokens, result.usage.output_tokens) == (250, 22)
    first, second = (r.body["messages"] for r in fake_llm.requests)
    # the schema instruction joins the system prompt, so every step's prefix stays the same
    assert first[0]["role"] == "system" and first[0]["content"].startswith("You point at things.")
    assert "`Point`" in first[0]["content"] and '"properties"' in first[0]["content"]
    # the re-ask carries the bad reply and what was wrong with it
    assert second[:2] == first
    assert second[2] == {"role": "assistant", "content": "I would click at {x: 3}"}
    assert second[3]["role"] == "user" and "invalid JSON" in second[3]["content"]


def test_structured_always_invalid_raises_naming_schema(fake_llm, sleeps):
    for _ in range(3):
        fake_llm.reply('{"x": "three"}', input_tokens=10, output_tokens=2)
    with pytest.raises(ReplyParseError) as info:
        model(fake_llm, sleeps, max_parse_retries=2).complete(ask(), schema=Point)
    err = info.value
    assert err.attempts == 3 and len(fake_llm.requests) == 3
    assert "Point" in str(err) and "openai:gpt-4o" in str(err)
    assert "x: Input should be a valid integer" in str(err) and "y: Field required" in str(err)
    assert err.last_text == '{"x": "three"}' and '{"x": "three"}' in str(err)
    assert err.usage.input_tokens == 30  # what the failed attempts cost, for the meter
    # the validation problems went back to the model in the re-ask
    assert "y: Field required" in fake_llm.requests[1].body["messages"][-1]["content"]


def test_rate_limit_honours_retry_after(fake_llm, sleeps):
    fake_llm.error(429, retry_after="2").reply("ok")
    result = model(fake_llm, sleeps).complete(ask())
    assert result.text == "ok" and sleeps == [2.0]
    assert len(fake_llm.requests) == 2


def test_retry_after_ms_header(fake_llm, sleeps):
    fake_llm.error(429, headers={"retry-after-ms": "250"}).reply("ok")
    model(fake_llm, sleeps).complete(ask())
    assert sleeps == [0.25]


def test_server_errors_back_off_exponentially(fake_llm, sleeps):
    fake_llm.error(500).error(503).reply("fine")
    policy = RetryPolicy(base_delay_s=1.0, jitter=0.0)
    assert model(fake_llm, sleeps, retry_policy=policy).complete(ask()).text == "fine"
    assert sleeps == [1.0, 2.0]


def test_retries_exhausted_is_a_model_error(fake_llm, sleeps):
    for _ in range(3):
        fake_llm.error(503, message="upstream overloaded")
    with pytest.raises(ModelError) as info:
        model(fake_llm, sleeps, max_retries=2).complete(ask())
    text = str(info.value)
    assert "openai:gpt-4o" in text and "3 attempts" in text and "HTTP 503" in text
    assert "upstream overloaded" in text
    assert len(fake_llm.requests) == 3 and len(sleeps) == 2  # one retry loop, not the SDK's too


def test_client_errors_are_not_retried(fake_llm, sleeps):
    fake_llm.error(400, message="bad image")
    with pytest.raises(ModelError, match="HTTP 400.*bad image.*not retried"):
        model(fake_llm, sleeps).complete(ask())
    assert len(fake_llm.requests) == 1 and sleeps == []


def test_timeout_is_retried(fake_llm, sleeps):
    # 1.5 s, not less: the reply that is in time must be, on a busy machine too.
    fake_llm.reply("late", delay_s=6.0).reply("in time")
    result = model(fake_llm, sleeps, timeout=1.5).complete(ask())
    assert result.text == "in time" and len(sleeps) == 1


def test_connection_refused_gives_a_clear_error(sleeps):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        OpenAIChatModel(
            "gpt-4o", base_url=f"http://127.0.0.1:{port}/v1", api_key="k", sleep=sleeps, max_retries=1
        ) as m,
        pytest.raises(ModelError, match="openai:gpt-4o: gave up after 2 attempts.*APIConnectionError"),
    ):
        m.complete(ask())
    assert len(sleeps) == 1


def test_images_go_as_data_urls(fake_llm, sleeps, png):
    fake_llm.reply("a red dot")
    msg = Message(role="user", content=[ImagePart(data=png), TextPart(text="what is this?")])
    model(fake_llm, sleeps, image_detail="high").complete([msg])
    parts = fake_llm.requests[0].body["messages"][0]["content"]
    assert parts[1] == {"type": "text", "text": "what is this?"}
    url = parts[0]["image_url"]["url"]
    assert parts[0]["type"] == "image_url" and parts[0]["image_url"]["detail"] == "high"
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == png


def test_usage_and_cost_from_price_table(fake_llm, sleeps):
    fake_llm.reply("ok", input_tokens=1_000_000, output_tokens=100_000, cached_tokens=400_000)
    usage = model(fake_llm, sleeps, name="gpt-4o-2024-08-06").complete(ask()).usage
    assert (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) == (
        1_000_000,
        100_000,
        400_000,
    )
    # gpt-4o: $2.50 / 1M input, $1.25 / 1M cached, $10 / 1M output
    assert usage.cost_usd == pytest.approx(0.6 * 2.50 + 0.4 * 1.25 + 0.1 * 10.0)


def test_price_override_and_json_mode(fake_llm, sleeps):
    fake_llm.reply('{"x": 1, "y": 2}', input_tokens=2_000_000, output_tokens=0)
    m = model(
        fake_llm,
        sleeps,
        name="my-finetune",
        json_mode=True,
        prices={"my-finetune": {"input": 1.0, "output": 2.0}},
    )
    result = m.complete(ask(), schema=Point)
    assert result.usage.cost_usd == pytest.approx(2.0)
    assert fake_llm.requests[0].body["response_format"] == {"type": "json_object"}


def test_missing_key_without_base_url():
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        OpenAIChatModel("gpt-4o")


def test_extra_body_reaches_the_server(fake_llm, sleeps):
    fake_llm.reply("ok")
    model(fake_llm, sleeps, extra_body={"top_k": 1}).complete(ask())
    assert fake_llm.requests[0].body["top_k"] == 1
    assert json.dumps(fake_llm.requests[0].body)  # plain JSON through and through
