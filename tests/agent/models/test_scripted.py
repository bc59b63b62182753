"""The scripted model: file forms, roles, exhaustion, and the shared parse path."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from agent.models.base import ChatModel, ImagePart, Message, ReplyParseError
from agent.models.scripted import IMAGE_TOKENS, ScriptedScript, ScriptExhausted


class Verdict(BaseModel):
    complete: bool
    reason: str = ""


def write_jsonl(path, lines):
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_jsonl_roles_and_forms(tmp_path):
    path = write_jsonl(
        tmp_path / "run.jsonl",
        [
            {"role": "planner", "reply": "plan one"},
            {"role": "verifier", "reply": {"complete": True, "reason": "saved"}},
            "untagged: whoever asks next",
            {"role": "planner", "reply": "plan two"},
        ],
    )
    script = ScriptedScript.load(path)
    planner, verifier = script.model("planner"), script.model(role="verifier")
    assert isinstance(planner, ChatModel) and planner.name == "scripted:run.jsonl:planner"
    assert planner.complete([Message.text("user", "go")]).text == "plan one"
    result = verifier.complete([Message.text("user", "done?")], schema=Verdict)
    assert result.parsed == Verdict(complete=True, reason="saved") and result.attempts == 1
    assert json.loads(result.text) == {"complete": True, "reason": "saved"}
    assert planner.complete([Message.text("user", "go")]).text == "untagged: whoever asks next"
    assert planner.complete([Message.text("user", "go")]).text == "plan two"
    assert script.remaining() == 0


def test_json_mapping_and_list_forms(tmp_path):
    (tmp_path / "by_role.json").write_text(
        json.dumps({"gate": [{"criteria": [{"text": "file saved"}]}], "search": ["1. Open File menu"]})
    )
    script = ScriptedScript.load(tmp_path / "by_role.json")
    assert script.model("search").complete([Message.text("user", "how?")]).text == "1. Open File menu"
    assert json.loads(script.model("gate").complete([]).text)["criteria"][0]["text"] == "file saved"
    (tmp_path / "list.json").write_text(json.dumps(["a", {"role": "coder", "reply": "DONE"}]))
    listed = ScriptedScript.load(tmp_path / "list.json")
    assert listed.model("coder").complete([]).text == "a"  # untagged comes first
    assert listed.model("coder").complete([]).text == "DONE"


def test_exhaustion_names_role_and_count():
    script = ScriptedScript.from_replies({"planner": ["x"], "verifier": ["y", "z"]})
    planner = script.model("planner")
    planner.complete([])
    script.model("verifier").complete([])
    with pytest.raises(ScriptExhausted, match=r"ran out for role 'planner': 1 used by this role, 2 in all"):
        planner.complete([])


def test_unparseable_reply_reasks_then_fails(tmp_path):
    script = ScriptedScript.from_replies(
        {"verifier": ["looks done to me", '{"complete": "perhaps"}', '{"complete": true}']}
    )
    verifier = script.model("verifier", max_parse_retries=1)
    with pytest.raises(ReplyParseError, match="schema Verdict after 2 attempt"):
        verifier.complete([Message.text("user", "done?")], schema=Verdict)
    # both attempts were recorded; the second carries the first reply and the problem
    assert len(verifier.requests) == 2
    reask = verifier.requests[1]
    assert reask[-2] == Message.text("assistant", "looks done to me")
    assert "no JSON object found" in reask[-1].plain_text()
    # the next call starts fresh and takes the next reply
    assert verifier.complete([Message.text("user", "done?")], schema=Verdict).parsed.complete is True


def test_reask_recovers_with_next_reply():
    script = ScriptedScript.from_replies(["oops", '{"complete": false, "reason": "no"}'])
    result = script.model("verifier").complete([Message.text("user", "?")], schema=Verdict)
    assert result.attempts == 2 and result.parsed.reason == "no"


def test_usage_is_estimated_and_free(png):
    model = ScriptedScript.from_replies(["abcdefgh"]).model("grounder")
    msgs = [Message(role="user", content=[ImagePart(data=png)]), Message.text("user", "x" * 10)]
    usage = model.complete(msgs).usage
    assert usage.input_tokens == IMAGE_TOKENS + 3 and usage.output_tokens == 2
    assert usage.cost_usd == 0.0
    assert model.requests == [msgs]


def test_bad_files_say_where(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('"ok"\n{broken\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a JSON line"):
        ScriptedScript.load(bad)
    with pytest.raises(ValueError, match="cannot read"):
        ScriptedScript.load(tmp_path / "missing.jsonl")
    (tmp_path / "num.json").write_text("[1]")
    with pytest.raises(ValueError, match=r"num.json\[0\].*string or a JSON object"):
        ScriptedScript.load(tmp_path / "num.json")
