"""Fixtures for the model grounders: a local OpenAI-compatible chat completions server that
answers from a script and records what it was sent, and screenshots of any size."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image, ImageDraw


@dataclass
class Answer:
    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    raw_body: bytes | None = None  # sent verbatim instead of a chat completion


class FakeChatServer:
    """POST .../chat/completions -> the next scripted Answer (HTTP 500 when none is left)."""

    def __init__(self) -> None:
        self.answers: deque[Answer] = deque()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.grounders: list[Any] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(size) or b"{}")
                server.paths.append(self.path)
                server.requests.append(body)
                answer = server.answers.popleft() if server.answers else Answer(status=500)
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                if answer.raw_body is not None:
                    data = answer.raw_body
                elif answer.status == 200:
                    data = json.dumps(
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model", ""),
                            "choices": [
                                {
                                    "index": 0,
                                    "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": answer.text},
                                }
                            ],
                            "usage": {"prompt_tokens": 2700, "completion_tokens": 30, "total_tokens": 2730},
                        }
                    ).encode()
                else:
                    data = json.dumps(
                        {
                            "error": {
                                "message": f"scripted {answer.status}",
                                "type": "server_error",
                                "code": None,
                            }
                        }
                    ).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client already gave up (timeout tests)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def answer(self, text: str, **kw: Any) -> FakeChatServer:
        self.answers.append(Answer(text, **kw))
        return self

    def fail(self, status: int, **kw: Any) -> FakeChatServer:
        self.answers.append(Answer(status=status, **kw))
        return self

    def keep(self, grounder: Any) -> Any:
        """Close this grounder's HTTP client at the end of the test."""
        self.grounders.append(grounder)
        return grounder

    # -- what the last request carried ----------------------------------------------------

    def last_messages(self) -> list[dict[str, Any]]:
        return self.requests[-1]["messages"]

    def last_image(self) -> Image.Image:
        for message in self.last_messages():
            content = message["content"]
            if isinstance(content, list):
                for part in content:
                    if part.get("type") == "image_url":
                        url = part["image_url"]["url"]
                        header, _, payload = url.partition(",")
                        assert header.startswith("data:image/") and header.endswith(";base64"), header
                        image = Image.open(io.BytesIO(base64.b64decode(payload)))
                        image.load()
                        return image
        raise AssertionError("no image in the last request")


@pytest.fixture
def fake_server():
    server = FakeChatServer()
    server.thread.start()
    try:
        yield server
    finally:
        for grounder in server.grounders:
            grounder.close()
        server.httpd.shutdown()
        server.httpd.server_close()


@lru_cache(maxsize=32)
def make_screenshot(width: int, height: int, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width // 2, height // 2), fill=(30, 90, 200))
    buf = io.BytesIO()
    image.save(buf, format=fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    return buf.getvalue()


@pytest.fixture
def screenshot():
    """`screenshot(w, h, fmt="PNG")` -> image bytes of that size."""
    return make_screenshot


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
