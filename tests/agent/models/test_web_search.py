"""web_search() on both backends through the real SDKs against the local fake server:
OpenAI's Responses API with the hosted `web_search` tool, Anthropic's messages API with
the `web_search_20250305` server tool."""

from __future__ import annotations

from typing import Any

import pytest

from agent.models.anthropic_model import AnthropicChatModel
from agent.models.base import ModelError
from agent.models.openai_model import OpenAIChatModel, sources_block
from agent.search import ModelSearch

PROMPT = "How to export a PDF in LibreOffice Writer?"


def openai_model(fake_llm, sleeps, name="gpt-4o", **kw) -> OpenAIChatModel:
    return fake_llm.track(
        OpenAIChatModel(name, base_url=fake_llm.openai_url, api_key="test-key", sleep=sleeps, **kw)
    )


def anthropic_model(fake_llm, sleeps, name="claude-sonnet-4-20250514", **kw) -> AnthropicChatModel:
    return fake_llm.track(
        AnthropicChatModel(name, api_key="test-key", base_url=fake_llm.url, sleep=sleeps, **kw)
    )


# ---- provider-shaped reply bodies -------------------------------------------------------


def responses_body(
    parts: list[tuple[str, list[tuple[str, str]]]],
    *,
    actions=("search",),
    input_tokens=10,
    output_tokens=5,
    cached_tokens=0,
    status="completed",
    incomplete: str | None = None,
) -> dict[str, Any]:
    """A Responses API reply: one web_search_call item per action, then the assistant
    message whose output_text parts carry url_citation annotations [(url, title)]."""
    calls = [
        {
            "id": f"ws_{i}",
            "type": "web_search_call",
            "status": "completed",
            "action": (
                {"type": "search", "query": "export pdf libreoffice"}
                if a == "search"
                else {"type": a, "url": "https://help.libreoffice.org/pdf"}
            ),
        }
        for i, a in enumerate(actions)
    ]
    content = []
    for text, cites in parts:
        content.append(
            {
                "type": "output_text",
                "text": text,
                "annotations": [
                    {
                        "type": "url_citation",
                        "start_index": 0,
                        "end_index": len(text),
                        "url": url,
                        "title": title,
                    }
                    for url, title in cites
                ],
            }
        )
    message = {"id": "msg_1", "type": "message", "role": "assistant", "status": status, "content": content}
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "model": "gpt-4o",
        "status": status,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "top_p": 1.0,
        "tool_choice": "auto",
        "tools": [{"type": "web_search"}],
        "output": [*calls, message] if content else calls,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "input_tokens_details": {"cached_tokens": cached_tokens},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def messages_body(
    content: list[dict[str, Any]],
    *,
    searches=1,
    input_tokens=10,
    output_tokens=5,
    cache_read=0,
    stop_reason="end_turn",
) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": 0,
            "server_tool_use": {"web_search_requests": searches, "web_fetch_requests": 0},
        },
    }


def text(t: str, *cites: tuple[str, str]) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": t}
    if cites:
        block["citations"] = [
            {
                "type": "web_search_result_location",
                "url": url,
                "title": title,
                "cited_text": "...",
                "encrypted_index": "enc",
            }
            for url, title in cites
        ]
    return block


def search_blocks(i: int, *results: tuple[str, str]) -> list[dict[str, Any]]:
    """A server_tool_use block and the web_search_tool_result that answers it."""
    return [
        {
            "type": "server_tool_use",
            "id": f"srvtoolu_{i}",
            "name": "web_search",
            "input": {"query": "export pdf libreoffice writer"},
        },
        {
            "type": "web_search_tool_result",
            "tool_use_id": f"srvtoolu_{i}",
            "content": [
                {
                    "type": "web_search_result",
                    "url": url,
                    "title": title,
                    "encrypted_content": "enc",
                    "page_age": None,
                }
                for url, title in results
            ],
        },
    ]


HELP = ("https://help.libreoffice.org/pdf", "Export as PDF - LibreOffice Help")
ASK = ("https://ask.libreoffice.org/t/123", "How do I export to PDF?")


# ---- OpenAI: Responses API ---------------------------------------------------------------


def test_openai_answer_sources_and_request(fake_llm, sleeps):
    fake_llm.reply(
        "",
        body=responses_body(
            [("Open File > Export as > Export as PDF, ", [HELP]), ("then click Export.", [ASK, HELP])]
        ),
    )
    result = openai_model(fake_llm, sleeps).web_search(PROMPT, max_tokens=900)
    assert result.text == (
        "Open File > Export as > Export as PDF, then click Export.\n\n"
        "Sources:\n"
        "- Export as PDF - LibreOffice Help - https://help.libreoffice.org/pdf\n"
        "- How do I export to PDF? - https://ask.libreoffice.org/t/123"
    )
    assert result.model == "openai:gpt-4o" and result.parsed is None and result.attempts == 1
    seen = fake_llm.requests[0]
    assert seen.path == "/v1/responses" and seen.headers["authorization"] == "Bearer test-key"
    assert seen.body["tools"] == [{"type": "web_search"}]
    assert seen.body["input"] == PROMPT and seen.body["model"] == "gpt-4o"
    assert seen.body["max_output_tokens"] == 900 and seen.body["store"] is False
    assert "temperature" not in seen.body and "messages" not in seen.body
    assert sleeps == []


def test_openai_no_citations_no_sources_line(fake_llm, sleeps):
    fake_llm.reply("Use File > Export as PDF.")  # the fake's plain Responses shape
    assert openai_model(fake_llm, sleeps).web_search(PROMPT).text == "Use File > Export as PDF."


def test_openai_usage_and_cost_count_searches(fake_llm, sleeps):
    fake_llm.reply(
        "",
        body=responses_body(
            [("ok", [HELP])],
            actions=("search", "open_page", "search"),
            input_tokens=1_000_000,
            output_tokens=100_000,
            cached_tokens=400_000,
        ),
    )
    usage = openai_model(fake_llm, sleeps, name="gpt-4o-2024-08-06").web_search(PROMPT).usage
    assert (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) == (
        1_000_000,
        100_000,
        400_000,
    )
    # gpt-4o tokens as in complete(), plus $0.01 per search call (open_page is not one)
    assert usage.cost_usd == pytest.approx(0.6 * 2.50 + 0.4 * 1.25 + 0.1 * 10.0 + 2 * 0.01)


def test_openai_rate_limit_is_retried(fake_llm, sleeps):
    fake_llm.error(429, retry_after="2").reply("", body=responses_body([("found it", [HELP])]))
    result = openai_model(fake_llm, sleeps).web_search(PROMPT)
    assert result.text.startswith("found it\n\nSources:") and sleeps == [2.0]
    assert [r.path for r in fake_llm.requests] == ["/v1/responses"] * 2


def test_openai_no_responses_api_is_a_clear_error(fake_llm, sleeps):
    # vLLM (FastAPI) answers a route it does not have with a bare 404
    fake_llm.error(404, body={"detail": "Not Found"})
    m = openai_model(fake_llm, sleeps, name="Qwen/Qwen2.5-VL-7B-Instruct")
    with pytest.raises(ModelError) as info:
        m.web_search(PROMPT)
    msg = str(info.value)
    assert f"web search is not available at {fake_llm.openai_url}" in msg
    assert "HTTP 404" in msg and "Responses API" in msg and "vLLM" in msg
    assert len(fake_llm.requests) == 1 and sleeps == []  # a 404 is not retried


def test_openai_unknown_model_404_keeps_its_own_message(fake_llm, sleeps):
    fake_llm.error(
        404,
        body={
            "error": {
                "message": "The model `gpt-9` does not exist",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    )
    with pytest.raises(ModelError, match="HTTP 404.*gpt-9.*not retried") as info:
        openai_model(fake_llm, sleeps, name="gpt-9").web_search(PROMPT)
    assert "not available at" not in str(info.value)


def test_openai_incomplete_without_text_says_so(fake_llm, sleeps):
    fake_llm.reply("", body=responses_body([], status="incomplete", incomplete="max_output_tokens"))
    with pytest.raises(ModelError, match="incomplete.*max_output_tokens.*max_tokens"):
        openai_model(fake_llm, sleeps).web_search(PROMPT, max_tokens=50)


# ---- Anthropic: messages API with the web_search server tool ------------------------------


def test_anthropic_answer_sources_and_request(fake_llm, sleeps):
    fake_llm.reply(
        "",
        body=messages_body(
            [
                text("I'll search for that."),
                *search_blocks(1, HELP, ASK),
                text("In Writer, "),
                text("choose File > Export as > Export as PDF", HELP),
                text(" and click "),
                text("Export", ASK, HELP),
                text("."),
            ]
        ),
    )
    result = anthropic_model(fake_llm, sleeps).web_search(PROMPT, max_tokens=700)
    assert result.text == (
        "I'll search for that.\n\n"
        "In Writer, choose File > Export as > Export as PDF and click Export.\n\n"
        "Sources:\n"
        "- Export as PDF - LibreOffice Help - https://help.libreoffice.org/pdf\n"
        "- How do I export to PDF? - https://ask.libreoffice.org/t/123"
    )
    assert result.model == "anthropic:claude-sonnet-4-20250514"
    seen = fake_llm.requests[0]
    assert seen.path == "/v1/messages"
    assert seen.body["tools"] == [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]
    assert seen.body["messages"] == [{"role": "user", "content": PROMPT}]
    assert seen.body["max_tokens"] == 700 and seen.body["model"] == "claude-sonnet-4-20250514"
    assert sleeps == []


def test_anthropic_uncited_answer_lists_the_search_results(fake_llm, sleeps):
    fake_llm.reply("", body=messages_body([*search_blocks(1, ASK), text("Use File > Export as PDF.")]))
    result = anthropic_model(fake_llm, sleeps).web_search(PROMPT)
    assert result.text == (
        "Use File > Export as PDF.\n\nSources:\n- How do I export to PDF? - https://ask.libreoffice.org/t/123"
    )


def test_anthropic_usage_and_cost_count_searches(fake_llm, sleeps):
    fake_llm.reply(
        "",
        body=messages_body(
            [*search_blocks(1, HELP), *search_blocks(2, ASK), text("ok", HELP)],
            searches=2,
            input_tokens=200_000,
            output_tokens=100_000,
            cache_read=800_000,
        ),
    )
    usage = anthropic_model(fake_llm, sleeps).web_search(PROMPT).usage
    assert (usage.input_tokens, usage.cached_input_tokens, usage.output_tokens) == (
        1_000_000,
        800_000,
        100_000,
    )
    # claude-sonnet-4 tokens as in complete(), plus $0.01 per web search request
    assert usage.cost_usd == pytest.approx(0.2 * 3 + 0.8 * 0.30 + 0.1 * 15 + 2 * 0.01)


def test_anthropic_rate_limited_and_overloaded_are_retried(fake_llm, sleeps):
    fake_llm.error(429, retry_after="3").error(529)
    fake_llm.reply("", body=messages_body([*search_blocks(1, HELP), text("found it", HELP)]))
    result = anthropic_model(fake_llm, sleeps).web_search(PROMPT)
    assert result.text.startswith("found it\n\nSources:")
    assert len(sleeps) == 2 and sleeps[0] == 3.0 and 1.5 <= sleeps[1] <= 2.5
    assert len(fake_llm.requests) == 3


def test_anthropic_search_refused_is_not_retried(fake_llm, sleeps):
    fake_llm.error(400, message="web search is not enabled for this organization")
    with pytest.raises(ModelError, match="HTTP 400.*web search is not enabled.*not retried"):
        anthropic_model(fake_llm, sleeps).web_search(PROMPT)
    assert sleeps == []


# ---- shared ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend, path", [("openai", "/v1/responses"), ("anthropic", "/v1/messages")])
def test_model_search_uses_web_search(fake_llm, sleeps, backend, path):
    if backend == "openai":
        fake_llm.reply("", body=responses_body([("Steps: 1. File > Export.", [HELP])]))
        m = openai_model(fake_llm, sleeps)
    else:
        fake_llm.reply("", body=messages_body([text("Steps: 1. File > Export.", HELP)]))
        m = anthropic_model(fake_llm, sleeps)
    answer = ModelSearch(m).search("export a PDF in LibreOffice Writer")
    assert answer.text.startswith("Steps: 1. File > Export.") and HELP[0] in answer.text
    assert fake_llm.requests[0].path == path and "tools" in fake_llm.requests[0].body
    assert answer.results[0].usage.cost_usd > 0


def test_sources_block_dedupes_and_caps():
    pairs = [(f"https://x/{i}", None) for i in range(10)] + [("https://x/0", "Zero")]
    block = sources_block(pairs, limit=3)
    assert block == "Sources:\n- Zero - https://x/0\n- https://x/1\n- https://x/2\n- ... and 7 more"
    assert sources_block([]) == ""
