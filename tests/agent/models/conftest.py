"""A local fake of the OpenAI and Anthropic HTTP APIs, scripted per test, so the real
SDK clients run end to end without the network."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Canned:
    status: int = 200
    text: str = ""
    input_tokens: int = 10
    output_tokens: int = 5
    cached_tokens: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    message: str = ""
    body: dict[str, Any] | None = None  # sent as is instead of the shape the path asks for


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def _openai_body(c: Canned, model: str) -> dict[str, Any]:
    if c.status != 200:
        return {"error": {"message": c.message or f"fake error {c.status}", "type": "fake", "code": None}}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": c.text}}
        ],
        "usage": {
            "prompt_tokens": c.input_tokens,
            "completion_tokens": c.output_tokens,
            "total_tokens": c.input_tokens + c.output_tokens,
            "prompt_tokens_details": {"cached_tokens": c.cached_tokens},
        },
    }


def _responses_body(c: Canned, model: str) -> dict[str, Any]:
    """OpenAI Responses API (POST /v1/responses): one assistant message with c.text."""
    if c.status != 200:
        return _openai_body(c, model)
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": 0,
        "model": model,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "top_p": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "output": [
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": c.text, "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "total_tokens": c.input_tokens + c.output_tokens,
            "input_tokens_details": {"cached_tokens": c.cached_tokens},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _anthropic_body(c: Canned, model: str) -> dict[str, Any]:
    if c.status != 200:
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(c.status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": c.message or f"fake error {c.status}"}}
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": c.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "cache_read_input_tokens": c.cached_tokens,
            "cache_creation_input_tokens": 0,
        },
    }


class FakeLLMServer:
    """Answers POST /v1/chat/completions (OpenAI shape), /v1/responses (OpenAI Responses
    shape) and /v1/messages (Anthropic shape) from a queue of canned replies, recording
    every request it gets. A reply with a `body` sends that JSON verbatim."""

    def __init__(self) -> None:
        self.queue: deque[Canned] = deque()
        self.requests: list[Seen] = []
        self.models: list[Any] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(
                        Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    canned = (
                        server.queue.popleft()
                        if server.queue
                        else Canned(500, message="fake server: nothing queued")
                    )
                if canned.delay_s:
                    time.sleep(canned.delay_s)
                path = self.path.rstrip("/")
                shape = (
                    _anthropic_body
                    if path.endswith("/messages")
                    else _responses_body
                    if path.endswith("/responses")
                    else _openai_body
                )
                answer = canned.body if canned.body is not None else shape(canned, body.get("model", ""))
                data = json.dumps(answer).encode()
                try:
                    self.send_response(canned.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in canned.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    def track(self, model: Any) -> Any:
        """Close this model's HTTP client when the test ends (no unclosed sockets)."""
        self.models.append(model)
        return model

    def reply(self, text: str, **kw: Any) -> FakeLLMServer:
        self.queue.append(Canned(200, text, **kw))
        return self

    def error(self, status: int, retry_after: str | None = None, **kw: Any) -> FakeLLMServer:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        headers.update(kw.pop("headers", {}))
        self.queue.append(Canned(status, headers=headers, **kw))
        return self


@pytest.fixture
def fake_llm():
    server = FakeLLMServer()
    server.thread.start()
    try:
        yield server
    finally:
        for model in server.models:
            model.close()
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def sleeps():
    """An injectable sleep that records the delays asked for and never waits."""

    class Recorder(list):
        def __call__(self, seconds: float) -> None:
            self.append(seconds)

    return Recorder()


@pytest.fixture
def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 30, 40)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch):
    """Tests never pick up a developer's real keys, endpoints or price overrides."""
    for name in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "VLLM_BASE_URL",
        "VLLM_API_KEY",
        "DESKPILOT_PRICES",
    ):
        monkeypatch.delenv(name, raising=False)
