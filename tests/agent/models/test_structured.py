"""Finding JSON in replies, the schema instruction, and the re-ask loop without HTTP."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agent.models.base import Message, ModelError, ReplyParseError, TextPart, Usage
from agent.models.structured import (
    JSONExtractionError,
    complete_structured,
    extract_json,
    parse_reply,
    schema_json,
    with_schema_instruction,
)


class Item(BaseModel):
    name: str
    tags: list[str] = []


@pytest.mark.parametrize(
    "reply, expected",
    [
        ('{"name": "a"}', {"name": "a"}),
        ('```json\n{"name": "a"}\n```', {"name": "a"}),
        ('Here:\n```\n{"name": "b"}\n```\nHope it helps.', {"name": "b"}),
        (
            'Thinking... {"name": "c", "tags": ["}", "{"]} and then {"name": "d"}',
            {"name": "c", "tags": ["}", "{"]},
        ),
        ('{not json} but {"name": "e\\"q"}', {"name": 'e"q'}),
        ('{"outer": {"inner": [1, {"deep": true}]}}', {"outer": {"inner": [1, {"deep": True}]}}),
    ],
)
def test_extract_json(reply, expected):
    assert extract_json(reply) == expected


@pytest.mark.parametrize(
    "reply, why",
    [
        ("no braces at all", "no JSON object found"),
        ('{"name": "cut off', "never closed"),
        ("{'name': 'single quotes'}", "invalid JSON"),
    ],
)
def test_extract_json_says_why(reply, why):
    with pytest.raises(JSONExtractionError, match=why):
        extract_json(reply)


def test_parse_reply_lists_validation_problems():
    with pytest.raises(ValueError) as info:
        parse_reply('{"tags": "x"}', Item)
    assert "- name: Field required" in str(info.value) and "- tags: Input should be a valid list" in str(
        info.value
    )


def test_instruction_joins_first_system_message_or_leads():
    msgs = [Message.text("system", "Sys."), Message.text("user", "Q")]
    out = with_schema_instruction(msgs, Item)
    assert len(out) == 2 and out[0].content[0] == TextPart(text="Sys.")
    assert schema_json(Item) in out[0].content[1].text
    bare = with_schema_instruction([Message.text("user", "Q")], Item)
    assert bare[0].role == "system" and "`Item`" in bare[0].plain_text()


def test_instruction_not_repeated_when_prompt_has_schema():
    msgs = [
        Message.text("system", f"Answer with this schema:\n{schema_json(Item)}"),
        Message.text("user", "Q"),
    ]
    assert with_schema_instruction(msgs, Item) == msgs


def test_zero_retries_means_one_attempt():
    calls = []

    def send(convo):
        calls.append(convo)
        return "nope", Usage(input_tokens=5)

    with pytest.raises(ReplyParseError) as info:
        complete_structured(send, [Message.text("user", "Q")], Item, model_name="m", max_parse_retries=0)
    assert info.value.attempts == 1 and len(calls) == 1


def test_transport_error_mid_reask_keeps_spent_usage():
    replies = iter([("bad", Usage(input_tokens=7, cost_usd=0.01))])

    def send(convo):
        try:
            return next(replies)
        except StopIteration:
            raise ModelError("m: gave up") from None

    with pytest.raises(ModelError) as info:
        complete_structured(send, [Message.text("user", "Q")], Item, model_name="m")
    assert info.value.usage.input_tokens == 7 and info.value.usage.cost_usd == 0.01


def test_long_reply_excerpt_is_short():
    reply = "x" * 5000
    with pytest.raises(ReplyParseError) as info:
        complete_structured(
            lambda c: (reply, Usage()), [Message.text("user", "Q")], Item, model_name="m", max_parse_retries=0
        )
    assert len(str(info.value)) < 600 and info.value.last_text == reply
