"""Through the graph with the real SDKs against the local fake server: the planner gets its
newest screenshot at the size its model sees (within the provider's limits), is told that
size, answers x and y in it, and the desktop is clicked at the right screen pixel. The
requests also carry the reasoning settings of AgentConfig, passed through build_models."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from agent.episode import build_models
from envs import actions as ops
from envs.fake import FakeDesktop

CASES = {
    # provider spec, view size, the planner's point in the view, the screen pixel it means
    "anthropic": ("anthropic:claude-sonnet-4-5@{url}", (1456, 819), (728, 364), (960, 480)),
    "openai": ("openai:gpt-5@{openai_url}", (1366, 768), (683, 384), (960, 540)),
    "vllm": ("vllm:qwen2.5-vl-7b@{openai_url}", (1932, 1092), (1449, 273), (1440, 270)),
}


def _decision(action: dict) -> str:
    return json.dumps({"observation": "the editor is open", "reasoning": "next", "action": action})


def _images(body: dict) -> list[tuple[int, int]]:
    sizes = []
    for message in body["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part.get("type") == "image":  # Anthropic
                data = base64.b64decode(part["source"]["data"])
            elif part.get("type") == "image_url":  # OpenAI / vLLM
                data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
            else:
                continue
            sizes.append(Image.open(io.BytesIO(data)).size)
    return sizes


@pytest.mark.parametrize("provider", sorted(CASES))
def test_planner_point_in_the_scaled_screenshot_clicks_the_right_screen_pixel(
    provider, fake_llm, episode, monkeypatch
):
    spec, view, point, expected = CASES[provider]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    fake_llm.reply(json.dumps({"criteria": [{"text": "the editor has focus"}]}))  # gate
    fake_llm.reply(
        _decision({"type": "click", "target": {"description": "the editor", "x": point[0], "y": point[1]}})
    )
    fake_llm.reply(_decision({"type": "done", "summary": "clicked"}))
    fake_llm.reply(json.dumps({"complete": True, "reason": "the editor has focus"}))  # verifier
    desktop = FakeDesktop(1920, 1080)
    ep = episode(
        {"planner": []},
        desktop=desktop,
        model=spec.format(url=fake_llm.url, openai_url=fake_llm.openai_url),
        thinking_budget=2048,
        reasoning_effort="minimal" if provider == "openai" else None,
    )
    ep.ctx.models = build_models(ep.config)
    models = ep.ctx.models
    for model in (models.gate, models.planner, models.verifier, models.coder):
        fake_llm.track(model)
    _, result = ep.run()

    assert result.status == "done", result
    clicks = [(op.x, op.y) for op in desktop.log if isinstance(op, ops.Click)]
    assert clicks == [expected]
    assert [s.points for s in ep.steps() if s.points] == [[expected]]
    # The planner's requests: the newest screenshot at the model's size, and told so.
    planner = [r.body for r in fake_llm.requests if "operating a desktop computer" in json.dumps(r.body)]
    assert len(planner) == 2
    for body in planner:
        assert _images(body)[-1] == view
        text = json.dumps(body)
        assert f"shown at {view[0]}x{view[1]}" in text and "the 1920x1080 screen" in text
    # The reasoning settings reached every request, with the caps raised around them.
    bodies = [r.body for r in fake_llm.requests]
    if provider == "anthropic":
        assert all(b["thinking"] == {"type": "enabled", "budget_tokens": 2048} for b in bodies)
        assert planner[0]["max_tokens"] == ep.config.planner_max_tokens + 2048
        assert all("temperature" not in b for b in bodies)
    elif provider == "openai":
        assert all(b["reasoning_effort"] == "minimal" and b["max_completion_tokens"] >= 25000 for b in bodies)
        assert all(
            p["image_url"]["detail"] == "high"
            for b in planner
            for m in b["messages"]
            if isinstance(m["content"], list)
            for p in m["content"]
            if p["type"] == "image_url"
        )
    else:
        assert all("reasoning_effort" not in b and "thinking" not in b for b in bodies)
