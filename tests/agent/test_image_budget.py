"""Planner screenshots within token budgets: sizes, deterministic bytes, the prefix property,
the image count `agent serve planner` declares, and a grounder that still sees full size."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw

from agent import image_budget as ib
from agent.config import AgentConfig
from agent.models.base import ImagePart, Message, TextPart
from envs.fake import FakeDesktop
from grounding.jedi import JediGrounder
from grounding.resize import encode_png


def screenshot(width: int = 1920, height: int = 1080, label: str = "x") -> bytes:
    image = Image.new("RGB", (width, height), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    for row in range(0, height, 18):
        draw.text((10, row), f"{label} line {row} " * 12, fill=(0, 0, 0))
    return encode_png(image)


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_token_counts_follow_qwen_patches():
    assert ib.tokens_for_size((1920, 1080)) == 2691  # 1932x1092 = 69x39 patches
    w, h = ib.budget_size((1920, 1080), 720)
    assert (w % 28, h % 28) == (0, 0) and (w // 28) * (h // 28) <= 720
    assert (w, h) == (980, 560)  # about half the linear size
    assert ib.tokens_for_size((w, h)) == 700
    assert ib.tokens_for_size((3840, 2160)) <= 2700  # the server's own max_pixels
    with pytest.raises(ValueError):
        ib.budget_size((1920, 1080), 2)


def test_fit_downscales_deterministically_and_leaves_small_images_alone():
    png = screenshot(label="determinism")
    first, scaled = ib.fit(png, 720)
    assert scaled == (980, 560) and size_of(first) == (980, 560)
    assert Image.open(io.BytesIO(first)).format == "JPEG" and ib.MEDIA_TYPE_SCALED == "image/jpeg"
    again, _ = ib.fit(png, 720)  # memoised
    fresh, fresh_size = ib._scaled(png, 720, 28)  # recomputed from scratch
    assert again == first and fresh == first and fresh_size == scaled
    assert ib.fit(png, None) == (png, None)
    small = screenshot(640, 400)
    assert ib.fit(small, 720) == (small, None)  # 644x392 = 322 tokens: as is
    # Another patch size is another budget: fewer pixels per token, fewer pixels in all.
    w, h = ib.fit(png, 720, patch=14)[1]
    assert (w // 14) * (h // 14) <= 720 and w < 980


def test_prefetched_result_is_the_same_as_a_foreground_one():
    png = screenshot(label="prefetch")
    ib.prefetch(png, 500)
    assert ib.fit(png, 500)[0] == ib._scaled(png, 500, 28)[0]
    with pytest.raises(ValueError):
        ib.fit(b"not an image", 500)


def test_image_tokens_of_a_prompt():
    prompt = [
        Message.text("system", "hello"),
        Message(
            role="user",
            content=[
                TextPart(text="look"),
                ImagePart(data=screenshot()),
                ImagePart(data=ib.fit(screenshot(label="b"), 720)[0]),
            ],
        ),
    ]
    assert ib.image_tokens(prompt) == 2691 + 700


def _images(request: list[Message]) -> list[tuple[int, int]]:
    return [size_of(p.data) for m in request for p in m.content if isinstance(p, ImagePart)]


def _typing(i: int) -> dict:
    return {"reasoning": f"step {i}", "action": {"type": "type", "text": f"line {i}\n"}}


DONE = {"reasoning": "done", "action": {"type": "done", "summary": "typed"}}


def test_newest_screenshot_full_older_ones_within_budget_and_the_prefix_holds(episode):
    steps = 17
    ep = episode(
        {
            "planner": [_typing(i) for i in range(steps)] + [DONE],
            "verifier": [{"complete": True, "reason": "all lines are visible"}],
        },
        desktop=FakeDesktop(1280, 720),
        max_steps=30,
    )
    state, result = ep.run()
    assert result.status == "done"
    requests = ep.models.planner.requests
    assert len(requests) == steps + 1
    for request in requests:
        sizes = _images(request)
        assert sizes[-1] == (1280, 720)  # what the planner acts on: as captured
        assert all(s == ib.budget_size((1280, 720), 720) for s in sizes[:-1])  # older: <= 720 tokens
        parts = [p for m in request for p in m.content if isinstance(p, ImagePart)]
        assert [p.media_type for p in parts] == ["image/jpeg"] * (len(parts) - 1) + ["image/png"]
        # a newest screenshot at full size tells the planner nothing about scaling
        assert "is shown at" not in "\n".join(m.plain_text() for m in request)
    # The images one prompt can carry, as `agent serve planner` declares them to vLLM.
    limit = ib.max_planner_images(ep.config)
    assert max(len(_images(r)) for r in requests) == limit == 11
    # Prefix: within a chunk, prompt n+1 repeats prompt n except its last (newest) screenshot,
    # which comes back downscaled - byte for byte the same as in every later prompt.
    for n in range(1, 7):
        before, after = requests[n], requests[n + 1]
        assert after[: len(before) - 1] == before[:-1]
        assert after[len(before) - 1].content[0] == before[-1].content[0]  # its text part
    i = len(requests[10]) - 1  # the newest screenshot of prompt 10
    assert _images([requests[10][i]]) == [(1280, 720)]
    assert _images([requests[11][i]]) == [ib.budget_size((1280, 720), 720)]
    assert requests[11][i] == requests[12][i] == requests[13][i]


def test_equal_budgets_make_the_prompt_strictly_append_only(episode):
    ep = episode(
        {
            "planner": [_typing(i) for i in range(6)] + [DONE],
            "verifier": [{"complete": True, "reason": "all lines are visible"}],
        },
        desktop=FakeDesktop(1280, 720),
        image_tokens_latest=300,
        image_tokens_history=300,
    )
    ep.run()
    requests = ep.models.planner.requests
    for n in range(1, 6):
        assert requests[n + 1][: len(requests[n])] == requests[n]
    last = requests[-1][-1]
    w, h = _images([last])[-1]
    assert (w // 28) * (h // 28) <= 300
    assert f"shown at {w}x{h}" in last.plain_text() and "1280x720 screen" in last.plain_text()


def test_budget_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DESKPILOT_IMAGE_TOKENS_HISTORY", "500")
    config = AgentConfig()
    assert ib.ImageBudget.from_config(config) == ib.ImageBudget(None, 500, 28)
    with pytest.raises(ValueError):
        AgentConfig(image_tokens_history=1)


class _FakeJedi:
    """An OpenAI-compatible endpoint answering one Jedi tool call; keeps the images it got."""

    def __init__(self) -> None:
        self.images: list[tuple[int, int]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                for message in body["messages"]:
                    for part in message["content"] if isinstance(message["content"], list) else []:
                        if part.get("type") == "image_url":
                            data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
                            fake.images.append(size_of(data))
                call = {
                    "name": "computer_use",
                    "arguments": {"action": "left_click", "coordinate": [966, 546]},
                }
                data = json.dumps(
                    {
                        "id": "1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "jedi-7b",
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {
                                    "role": "assistant",
                                    "content": f"<tool_call>{json.dumps(call)}</tool_call>",
                                },
                            }
                        ],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


def test_the_grounder_still_gets_its_training_resolution(episode):
    server = _FakeJedi()
    try:
        click = {"reasoning": "click", "action": {"type": "click", "target": {"description": "the editor"}}}
        ep = episode(
            {
                "planner": [_typing(0), click, _typing(1), click, DONE],
                "verifier": [{"complete": True, "reason": "typed"}],
            },
            desktop=FakeDesktop(1920, 1080),
            image_tokens_latest=200,
            image_tokens_history=100,
        )
        ep.ctx.grounder = JediGrounder(server.url)
        ep.run()
    finally:
        server.httpd.shutdown()
    # The planner saw small screenshots; Jedi saw 1080p at its smart_resize size, and its
    # answer mapped back to the middle of the screen.
    assert all((w // 28) * (h // 28) <= 200 for w, h in _images(ep.models.planner.requests[-1]))
    assert server.images == [(1932, 1092), (1932, 1092)]
    assert [s.points for s in ep.steps() if s.points] == [[(960, 540)], [(960, 540)]]
