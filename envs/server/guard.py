"""ASGI guard in front of every route: token check and request-body cap.

Written as plain ASGI (not BaseHTTPMiddleware) so an oversized upload is cut
off while it streams in, before it is buffered anywhere.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

TOKEN_HEADER = "x-deskpilot-token"


class BodyTooLarge(Exception):
    pass


async def _reply(send: Send, status: int, message: str, extra_headers: list | None = None) -> None:
    body = json.dumps({"status": "error", "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": body})


def presented_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
        if name == TOKEN_HEADER.encode():
            return value.decode("latin-1").strip()
    return None


class Guard:
    def __init__(self, app: Callable, *, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if self.token is not None:
            given = presented_token(headers)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _reply(
                    send,
                    401,
                    "missing or wrong token: send 'Authorization: Bearer <token>'",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
        for name, value in headers:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await _reply(send, 413, f"request body over the {self.max_body_bytes} byte limit")
                return
        received = 0
        started = False

        async def counting_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, f"request body over the {self.max_body_bytes} byte limit")
