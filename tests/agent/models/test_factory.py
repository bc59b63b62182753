"""Model specs: parsing, keys from the environment, and models that really work."""

from __future__ import annotations

import json

import pytest

from agent.models.base import ChatModel, Message
from agent.models.factory import (
    ModelSpecError,
    make_model,
    parse_spec,
)


@pytest.mark.parametrize(
    "spec, parsed",
    [
        ("openai:gpt-4o", ("openai", "gpt-4o", None)),
        ("openai:gpt-4o@https://host/v1", ("openai", "gpt-4o", "https://host/v1")),
        ("anthropic:claude-sonnet-4-20250514", ("anthropic", "claude-sonnet-4-20250514", None)),
        (
            "vllm:Qwen/Qwen2.5-VL-7B-Instruct@http://127.0.0.1:8000/v1/",
            ("vllm", "Qwen/Qwen2.5-VL-7B-Instruct", "http://127.0.0.1:8000/v1"),
        ),
        ("anthropic:claude-3-5-sonnet@20240620", ("anthropic", "claude-3-5-sonnet@20240620", None)),
        ("scripted:path/to/replies.jsonl#planner", ("scripted", "path/to/replies.jsonl", "planner")),
        ("scripted:replies.json", ("scripted", "replies.json", None)),
    ],
)
def test_parse_spec(spec, parsed):
    assert parse_spec(spec) == parsed


@pytest.mark.parametrize(
    "spec, message",
    [
        ("gemini:pro", "unknown model prefix 'gemini'"),
        ("gpt-4o", "must look like <prefix>:<model>"),
        ("openai:", "must look like"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(ModelSpecError, match=message):
        make_model(spec)


def test_missing_keys_name_the_variable():
    with pytest.raises(ModelSpecError, match="set the environment variable OPENAI_API_KEY"):
        make_model("openai:gpt-4o")
    with pytest.raises(ModelSpecError, match="ANTHROPIC_API_KEY"):
        make_model("anthropic:claude-sonnet-4-20250514")


def test_openai_spec_with_url_and_env_key(fake_llm, sleeps, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    fake_llm.reply("hi", input_tokens=10**6, output_tokens=0)
    model = fake_llm.track(make_model(f"openai:gpt-4o-mini@{fake_llm.openai_url}", sleep=sleeps))
    assert isinstance(model, ChatModel) and model.name == "openai:gpt-4o-mini"
    usage = model.complete([Message.text("user", "hello")]).usage
    assert fake_llm.requests[0].headers["authorization"] == "Bearer env-key"
    assert usage.cost_usd == pytest.approx(0.15)


def test_anthropic_spec(fake_llm, sleeps, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a-key")
    fake_llm.reply("hi")
    model = fake_llm.track(make_model(f"anthropic:claude-3-5-haiku-latest@{fake_llm.url}", sleep=sleeps))
    assert model.complete([Message.text("user", "hello")]).text == "hi"
    headers = fake_llm.requests[0].headers  # x-api-key, or a bearer token in newer SDKs
    assert (headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")) == "a-key"


def test_vllm_needs_no_key_and_is_free(fake_llm, sleeps, caplog):
    fake_llm.reply("point", input_tokens=10**6)
    model = fake_llm.track(
        make_model(f"vllm:Qwen/Qwen2.5-VL-7B-Instruct@{fake_llm.openai_url}", sleep=sleeps)
    )
    assert model.name == "vllm:Qwen/Qwen2.5-VL-7B-Instruct"
    assert model.complete([Message.text("user", "where?")]).usage.cost_usd == 0.0
    assert fake_llm.requests[0].body["model"] == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert not [r for r in caplog.records if "no price" in r.getMessage()]


def test_vllm_default_url(monkeypatch):
    with make_model("vllm:m") as local:
        assert local.client.base_url.host == "127.0.0.1"
    monkeypatch.setenv("VLLM_BASE_URL", "http://gpu-box:9000/v1")
    with make_model("vllm:m") as remote:
        assert str(remote.client.base_url).startswith("http://gpu-box:9000/v1")


def test_scripted_specs_and_shared_scripts(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(x)
            for x in [{"role": "planner", "reply": "p1"}, {"role": "verifier", "reply": "v1"}, "any"]
        )
    )
    planner = make_model(f"scripted:{path}#planner", timeout=5, max_retries=1)  # HTTP kw ignored
    assert planner.name == "scripted:replies.jsonl:planner"
    assert planner.complete([]).text == "p1"
    scripts: dict = {}
    shared = {
        role: make_model(f"scripted:{path}#{role}", scripts=scripts) for role in ("planner", "verifier")
    }
    assert shared["verifier"].complete([]).text == "v1"
    assert shared["planner"].complete([]).text == "p1"
    assert shared["planner"].complete([]).text == "any"
    assert shared["planner"].script is shared["verifier"].script


def test_a_bare_scripted_name_finds_the_packaged_replies(tmp_path, monkeypatch):
    # The default model names its replies by file name, so an installed deskpilot run from
    # any folder finds them; a file of that name in the working folder still wins.
    from agent.config import AgentConfig
    from agent.models.factory import PACKAGED_SCRIPTS, scripted_path

    monkeypatch.chdir(tmp_path)
    default = AgentConfig().model
    assert default == "scripted:write_note.jsonl"
    assert scripted_path("write_note.jsonl") == PACKAGED_SCRIPTS / "write_note.jsonl"
    assert make_model(default).complete is not None
    (tmp_path / "write_note.jsonl").write_text('{"action": {"type": "done"}}\n')
    assert scripted_path("write_note.jsonl") == tmp_path / "write_note.jsonl"
    with pytest.raises(ValueError, match="cannot read scripted replies"):
        make_model("scripted:no_such_replies.jsonl")
