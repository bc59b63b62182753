"""AnthropicChatModel through the real `anthropic` SDK against the local fake server."""

from __future__ import annotations

import base64

import pytest
from pydantic import BaseModel

from agent.models.anthropic_model import AnthropicChatModel
from agent.models.base import ImagePart, Message, ModelError, ReplyParseError, TextPart


class Verdict(BaseModel):
    complete: bool
    reason: str


def key_sent(headers) -> str:
    """The SDK sends the key as x-api-key or, in newer releases, as a bearer token."""
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


def model(fake_llm, sleeps, name="claude-sonnet-4-20250514", **kw) -> AnthropicChatModel:
    return fake_llm.track(
        AnthropicChatModel(name, api_key="test-key", base_url=fake_llm.url, sleep=sleeps, **kw)
    )


def test_system_goes_to_the_system_param_and_images_as_base64(fake_llm, sleeps, png):
    fake_llm.reply("a red dot")
    messages = [
        Message.text("system", "Be brief."),
        Message(role="user", content=[ImagePart(data=png), TextPart(text="what is it?")]),
    ]
    result = model(fake_llm, sleeps).complete(messages, max_tokens=64, temperature=0.2)
    assert result.text == "a red dot" and result.model == "anthropic:claude-sonnet-4-20250514"
    seen = fake_llm.requests[0]
    assert seen.path == "/v1/messages" and key_sent(seen.headers) == "test-key"
    body = seen.body
    assert body["max_tokens"] == 64 and body["temperature"] == 0.2
    assert body["system"][0]["text"] == "Be brief."
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert [m["role"] for m in body["messages"]] == ["user"]  # no system role in messages
    image, text = body["messages"][0]["content"]
    assert text == {"type": "text", "text": "what is it?"}
    assert image["type"] == "image" and image["source"]["type"] == "base64"
    assert image["source"]["media_type"] == "image/png"
    assert base64.b64decode(image["source"]["data"]) == png


def test_consecutive_turns_of_one_role_are_merged(fake_llm, sleeps):
    fake_llm.reply("ok")
    model(fake_llm, sleeps, cache_system=False).complete(
        [
            Message.text("system", "A."),
            Message.text("system", "B."),
            Message.text("user", "one"),
            Message.text("user", "two"),
        ]
    )
    body = fake_llm.requests[0].body
    assert body["system"] == [{"type": "text", "text": "A.\n\nB."}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]}
    ]


def test_usage_counts_cache_reads_and_costs(fake_llm, sleeps):
    fake_llm.reply("ok", input_tokens=200_000, output_tokens=100_000, cached_tokens=800_000)
    usage = model(fake_llm, sleeps).complete([Message.text("user", "hi")]).usage
    # Anthropic's input_tokens leave out cache reads; ours include them
    assert (usage.input_tokens, usage.cached_input_tokens, usage.output_tokens) == (
        1_000_000,
        800_000,
        100_000,
    )
    # claude-sonnet-4: $3 / 1M input, $0.30 / 1M cache read, $15 / 1M output
    assert usage.cost_usd == pytest.approx(0.2 * 3 + 0.8 * 0.30 + 0.1 * 15)


def test_structured_reask_then_valid(fake_llm, sleeps):
    fake_llm.reply('{"complete": "maybe"}', input_tokens=50, output_tokens=5)
    fake_llm.reply(
        'The verdict: {"complete": false, "reason": "not saved"} as asked.', input_tokens=70, output_tokens=9
    )
    result = model(fake_llm, sleeps).complete(
        [Message.text("system", "Judge."), Message.text("user", "done?")], schema=Verdict
    )
    assert result.parsed == Verdict(complete=False, reason="not saved")
    assert result.attempts == 2 and result.usage.input_tokens == 120 and result.usage.output_tokens == 14
    first, second = (r.body for r in fake_llm.requests)
    assert "`Verdict`" in first["system"][0]["text"]
    assert second["system"] == first["system"]  # the re-ask keeps the cached prefix
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert "complete: Input should be a valid boolean" in second["messages"][2]["content"][0]["text"]


def test_structured_never_valid(fake_llm, sleeps):
    fake_llm.reply("I cannot tell.").reply("Still cannot tell.")
    with pytest.raises(ReplyParseError, match="schema Verdict after 2 attempt") as info:
        model(fake_llm, sleeps, max_parse_retries=1).complete([Message.text("user", "done?")], schema=Verdict)
    assert "no JSON object found" in str(info.value) and info.value.last_text == "Still cannot tell."


def test_overloaded_and_rate_limited_are_retried(fake_llm, sleeps):
    fake_llm.error(529).error(429, retry_after="3").reply("ok")
    assert model(fake_llm, sleeps).complete([Message.text("user", "hi")]).text == "ok"
    assert len(sleeps) == 2 and 0.75 <= sleeps[0] <= 1.25 and sleeps[1] == 3.0


def test_exhausted_names_model_and_status(fake_llm, sleeps):
    fake_llm.error(529, message="Overloaded").error(529, message="Overloaded")
    with pytest.raises(ModelError) as info:
        model(fake_llm, sleeps, max_retries=1).complete([Message.text("user", "hi")])
    assert "anthropic:claude-sonnet-4-20250514" in str(info.value)
    assert "HTTP 529" in str(info.value) and "Overloaded" in str(info.value)


def test_server_can_forbid_a_retry(fake_llm, sleeps):
    fake_llm.error(500, headers={"x-should-retry": "false"})
    with pytest.raises(ModelError, match="not retried"):
        model(fake_llm, sleeps).complete([Message.text("user", "hi")])
    assert sleeps == []


@pytest.mark.parametrize(
    "name, sent",
    [
        ("claude-sonnet-4-20250514", True),
        ("claude-3-5-sonnet-latest", True),
        ("claude-haiku-4-5-20251001", True),
        ("claude-opus-4-6", True),
        ("claude-opus-4-7", False),
        ("claude-fable-5", False),
        ("some-gateway-model", False),
    ],
)
def test_temperature_only_for_models_that_take_it(fake_llm, sleeps, name, sent):
    fake_llm.reply("ok")
    model(fake_llm, sleeps, name=name).complete([Message.text("user", "hi")], temperature=0.0)
    assert ("temperature" in fake_llm.requests[0].body) is sent


def test_images_in_system_are_refused():
    from agent.models.anthropic_model import to_anthropic

    with pytest.raises(ModelError, match="system"):
        to_anthropic([Message(role="system", content=[ImagePart(data=b"x")])])


def test_missing_key():
    with pytest.raises(ModelError, match="ANTHROPIC_API_KEY"):
        AnthropicChatModel("claude-sonnet-4-20250514")
