"""Reasoning models through the real SDKs against the local fake server: the request carries
the effort / thinking settings with a cap that leaves room for them, and an empty reply cut
at the cap is a ReplyTruncatedError that names the cap and the fix."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agent.models.anthropic_model import AnthropicChatModel
from agent.models.base import Message, ModelError, ReplyParseError, ReplyTruncatedError
from agent.models.capabilities import reasoning_for
from agent.models.factory import make_model
from agent.models.openai_model import OpenAIChatModel


class Verdict(BaseModel):
    complete: bool


def ask() -> list[Message]:
    return [Message.text("user", "is it done?")]


def openai_model(fake_llm, sleeps, name: str, **kw) -> OpenAIChatModel:
    return fake_llm.track(
        OpenAIChatModel(name, base_url=fake_llm.openai_url, api_key="k", sleep=sleeps, **kw)
    )


def claude(fake_llm, sleeps, name: str, **kw) -> AnthropicChatModel:
    return fake_llm.track(AnthropicChatModel(name, base_url=fake_llm.url, api_key="k", sleep=sleeps, **kw))


def openai_cut_at_cap(model: str, reasoning_tokens: int) -> dict:
    """What OpenAI answers when the hidden reasoning filled max_completion_tokens."""
    return {
        "id": "chatcmpl-cut",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": ""}}],
        "usage": {
            "prompt_tokens": 900,
            "completion_tokens": reasoning_tokens,
            "total_tokens": 900 + reasoning_tokens,
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        },
    }


def anthropic_cut_at_cap(model: str, output_tokens: int) -> dict:
    """What Anthropic answers when thinking used the whole max_tokens: a thinking block only."""
    return {
        "id": "msg_cut",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "thinking", "thinking": "Let me look at the screen...", "signature": "sig"}],
        "stop_reason": "max_tokens",
        "stop_sequence": None,
        "usage": {"input_tokens": 900, "output_tokens": output_tokens},
    }


# -- the table ------------------------------------------------------------------------------


def test_the_table_knows_which_models_reason():
    assert reasoning_for("openai", "gpt-5-mini").kind == "effort"
    assert reasoning_for("openai", "o3").min_cap == 25000
    assert reasoning_for("openai", "gpt-5-chat-latest").kind == "none"
    assert reasoning_for("openai", "gpt-4o").kind == "none"
    assert reasoning_for("anthropic", "claude-sonnet-4-5-20250929").kind == "budget"
    assert reasoning_for("anthropic", "claude-opus-4-7").kind == "adaptive"
    assert reasoning_for("anthropic", "claude-3-5-sonnet-latest").kind == "none"
    assert reasoning_for("vllm", "Qwen/Qwen2.5-VL-7B-Instruct").kind == "none"


# -- OpenAI ---------------------------------------------------------------------------------


def test_openai_effort_and_a_cap_with_room_for_reasoning(fake_llm, sleeps):
    fake_llm.reply('{"complete": true}')
    result = openai_model(fake_llm, sleeps, "gpt-5", reasoning_effort="high").complete(
        ask(), schema=Verdict, max_tokens=1024, temperature=0.0
    )
    assert result.parsed == Verdict(complete=True)
    body = fake_llm.requests[0].body
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 25000  # the verifier's 1024 raised
    assert "temperature" not in body and "max_tokens" not in body


def test_openai_model_without_reasoning_is_untouched(fake_llm, sleeps):
    fake_llm.reply("ok")
    openai_model(fake_llm, sleeps, "gpt-4o", reasoning_effort="high").complete(ask(), max_tokens=300)
    body = fake_llm.requests[0].body
    assert body["max_tokens"] == 300 and "reasoning_effort" not in body
    assert "max_completion_tokens" not in body


def test_openai_unknown_effort_is_refused_before_any_call(fake_llm, sleeps):
    with pytest.raises(ModelError, match="reasoning_effort 'extreme' is not one of"):
        openai_model(fake_llm, sleeps, "o4-mini", reasoning_effort="extreme")
    assert fake_llm.requests == []


def test_openai_empty_reply_at_the_cap_is_a_clear_error(fake_llm, sleeps):
    fake_llm.reply("", body=openai_cut_at_cap("o4-mini", 25000))
    model = openai_model(fake_llm, sleeps, "o4-mini", reasoning_effort="medium")
    with pytest.raises(ReplyTruncatedError) as info:
        model.complete(ask(), schema=Verdict, max_tokens=1024)
    err = info.value
    assert not isinstance(err, ReplyParseError)  # not re-asked as a bad reply
    assert len(fake_llm.requests) == 1
    message = str(err)
    assert "max_completion_tokens=25000" in message and "25000 of its 25000" in message
    assert "reasoning_effort (now medium)" in message and "model_limits.toml" in message
    assert err.cap == 25000 and err.usage.output_tokens == 25000  # the cut call still cost


# -- Anthropic ------------------------------------------------------------------------------


def test_claude_extended_thinking_budget_on_top_of_the_reply(fake_llm, sleeps):
    fake_llm.reply('{"complete": false}')
    model = claude(fake_llm, sleeps, "claude-sonnet-4-5-20250929", thinking_budget=4096)
    model.complete(ask(), schema=Verdict, max_tokens=1024, temperature=0.0)
    body = fake_llm.requests[0].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert body["max_tokens"] == 1024 + 4096 > body["thinking"]["budget_tokens"]
    assert "temperature" not in body  # thinking takes none


def test_claude_without_thinking_keeps_its_temperature_and_cap(fake_llm, sleeps):
    fake_llm.reply("ok")
    claude(fake_llm, sleeps, "claude-sonnet-4-5-20250929").complete(ask(), max_tokens=700)
    body = fake_llm.requests[0].body
    assert body["max_tokens"] == 700 and "thinking" not in body
    assert body["temperature"] == 0.0


def test_claude_4_7_gets_adaptive_thinking_with_its_effort(fake_llm, sleeps):
    fake_llm.reply("ok").reply("ok")
    claude(fake_llm, sleeps, "claude-opus-4-7", reasoning_effort="medium").complete(ask(), max_tokens=1024)
    # a fixed budget is rejected by Claude 4.7 and later: it becomes adaptive thinking
    claude(fake_llm, sleeps, "claude-opus-4-7", thinking_budget=20000).complete(ask(), max_tokens=1024)
    first, second = (r.body for r in fake_llm.requests)
    assert first["thinking"] == {"type": "adaptive"}
    assert first["output_config"] == {"effort": "medium"} and first["max_tokens"] == 16000
    assert second["thinking"] == {"type": "adaptive"} and "output_config" not in second
    assert second["max_tokens"] == 21024


def test_claude_empty_reply_at_the_cap_is_a_clear_error(fake_llm, sleeps):
    fake_llm.reply("", body=anthropic_cut_at_cap("claude-sonnet-4-5", 5120))
    model = claude(fake_llm, sleeps, "claude-sonnet-4-5", thinking_budget=4096)
    with pytest.raises(ReplyTruncatedError) as info:
        model.complete(ask(), schema=Verdict, max_tokens=1024)
    message = str(info.value)
    assert "max_tokens=5120" in message and "stop_reason 'max_tokens'" in message
    assert "budget_tokens=4096" in message and "thinking_budget" in message
    assert len(fake_llm.requests) == 1


# -- the factory passes the settings --------------------------------------------------------


def test_factory_passes_reasoning_settings_and_drops_unset_ones(fake_llm, tmp_path):
    gpt = fake_llm.track(
        make_model(
            f"openai:o3@{fake_llm.openai_url}", api_key="k", reasoning_effort="low", thinking_budget=2048
        )
    )
    assert gpt.reasoning_effort == "low"
    sonnet = fake_llm.track(
        make_model(
            f"anthropic:claude-sonnet-4-5@{fake_llm.url}",
            api_key="k",
            reasoning_effort=None,
            thinking_budget=2048,
        )
    )
    assert sonnet.thinking_budget == 2048 and sonnet.reasoning_effort is None
    script = tmp_path / "replies.jsonl"
    script.write_text('{"role": "planner", "reply": "ok"}\n', encoding="utf-8")
    scripted = make_model(f"scripted:{script}", reasoning_effort="high", thinking_budget=2048)
    assert scripted.complete(ask()).text == "ok"


def test_openai_web_search_cap_leaves_room_for_reasoning(fake_llm, sleeps):
    fake_llm.reply("Use File > Export.")
    openai_model(fake_llm, sleeps, "gpt-5-mini").web_search("how to export?", max_tokens=1500)
    assert fake_llm.requests[0].body["max_output_tokens"] == 25000


def test_claude_thinking_calls_get_time_to_think(fake_llm, sleeps):
    fake_llm.reply("ok").reply("ok")
    model = claude(fake_llm, sleeps, "claude-sonnet-4-5", thinking_budget=16000)
    seen: list[dict] = []
    create = model.client.messages.create

    def spy(**kw):
        seen.append(kw)
        return create(**kw)

    model.client.messages.create = spy
    model.complete(ask(), max_tokens=2048)
    assert seen[0]["max_tokens"] == 18048 and seen[0]["timeout"] == pytest.approx(3600 * 18048 / 128000)
    plain = claude(fake_llm, sleeps, "claude-sonnet-4-5")
    plain.client.messages.create = spy
    plain.complete(ask(), max_tokens=2048)
    assert "timeout" not in seen[1]  # the client's own 120 s
