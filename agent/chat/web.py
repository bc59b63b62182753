"""`agent chat --web`: a local page showing the latest screen and the steps, with the keys' buttons.

Bound to 127.0.0.1 on a free port; every request must carry the session's random token
(`?token=` in the URL printed at start), compared in constant time. The page polls
/state.json and /screen; its buttons POST to /control, which drives the same
SessionControl as the terminal's keys (pause, resume, correct, stop, approve, deny).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from agent.chat.control import SessionControl
from agent.live import action_words

MAX_BODY = 64 * 1024
KEEP_STEPS = 200


class WebView:
    def __init__(self, control: SessionControl, host: str = "127.0.0.1", port: int = 0) -> None:
        self.control = control
        self.token = secrets.token_urlsafe(24)
        self._lock = threading.Lock()
        self.folder: Path | None = None
        self.instruction = ""
        self.steps: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.screen: str | None = None
        self.result: dict[str, Any] | None = None
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="chat-web", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host  # typeshed allows bytes
        return f"http://{host}:{port}/?token={self.token}"

    def __enter__(self) -> WebView:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ what the page shows
    def begin(self, folder: Path, instruction: str) -> None:
        with self._lock:
            self.folder, self.instruction = folder, instruction
            self.steps, self.notes, self.screen, self.result = [], [], None, None

    def event(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            if kind == "step":
                self.steps = [
                    *self.steps,
                    {
                        "step": data.get("step_num"),
                        "node": data.get("node"),
                        "action": action_words(data.get("action")),
                        "error": data.get("error"),
                        "approval": (data.get("approval") or {}).get("decision"),
                    },
                ][-KEEP_STEPS:]
                if data.get("screenshot_file"):
                    self.screen = data["screenshot_file"]
            elif kind == "result":
                self.result = {"status": data.get("status"), "reason": data.get("reason")}

    def note(self, kind: str, data: dict[str, Any]) -> None:
        text = data.get("text") or data.get("reason") or ""
        with self._lock:
            self.notes = [*self.notes, f"{kind} {text}".strip()][-KEEP_STEPS:]

    def state(self) -> dict[str, Any]:
        question = self.control.question
        with self._lock:
            return {
                "instruction": self.instruction,
                "steps": self.steps,
                "notes": self.notes,
                "paused": self.control.paused,
                "running": self.control.running,
                "question": question.model_dump(mode="json") if question else None,
                "result": self.result,
                "screen": self.screen,
            }

    def screen_bytes(self) -> bytes | None:
        with self._lock:
            folder, name = self.folder, self.screen
        if folder is None:
            return None
        if name is None:  # before the first step: the first observed screen
            shots = sorted(folder.glob("step_0_*.png"))
            name = shots[-1].name if shots else None
        path = folder / name if name else None
        return path.read_bytes() if path is not None and path.is_file() else None

    def control_op(self, op: str, text: str) -> bool:
        c = self.control
        actions = {
            "pause": c.pause,
            "resume": c.resume,
            "stop": c.stop,
            "correct": lambda: c.correct(text),
            "approve": lambda: c.answer("approve"),
            "deny": lambda: c.answer("deny", text),
        }
        if op not in actions:
            return False
        result = actions[op]()
        return result is not False

    # ------------------------------------------------------------------ HTTP
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        view = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal is the UI
                return

            def _authorised(self) -> bool:
                given = parse_qs(urlparse(self.path).query).get("token", [""])[0]
                if hmac.compare_digest(given.encode(), view.token.encode()):
                    return True
                self._send(
                    HTTPStatus.FORBIDDEN, b"a token is needed: use the URL agent chat printed", "text/plain"
                )
                return False

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                route = urlparse(self.path).path
                if route == "/":
                    page = resources.files("agent.chat").joinpath("data", "web.html").read_bytes()
                    self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
                elif route == "/state.json":
                    self._send(HTTPStatus.OK, json.dumps(view.state()).encode(), "application/json")
                elif route == "/screen":
                    png = view.screen_bytes()
                    if png is None:
                        self._send(HTTPStatus.NOT_FOUND, b"no screen yet", "text/plain")
                    else:
                        self._send(HTTPStatus.OK, png, "image/png")
                else:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                if urlparse(self.path).path != "/control":
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large", "text/plain")
                    return
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    op, text = str(body["op"]), str(body.get("text", ""))
                except (ValueError, KeyError, TypeError):
                    self._send(HTTPStatus.BAD_REQUEST, b'send JSON {"op": ..., "text": ...}', "text/plain")
                    return
                done = view.control_op(op, text)
                self._send(
                    HTTPStatus.OK if done else HTTPStatus.CONFLICT,
                    json.dumps({"op": op, "done": done}).encode(),
                    "application/json",
                )

        return Handler
