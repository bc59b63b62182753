"""`agent mcp --transport http`: streamable HTTP behind a bearer token.

Safe by default, as the desktop server is: it binds 127.0.0.1, every request must carry
`Authorization: Bearer <token>` (a fresh random token unless one is given), and binding
any other address needs a token the person chose (--token or DESKPILOT_MCP_TOKEN). A
request without the right token gets 401 before the MCP layer sees it, so nothing runs.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import socket
import sys
from collections.abc import Callable
from typing import Any

import anyio

PATH = "/mcp"


class HttpSafetyError(ValueError):
    """An address other than loopback without a chosen token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> str:
    """The token to demand: the given one, or (loopback only) a fresh one."""
    if token:
        if len(token) < 16:
            raise HttpSafetyError("the token must be at least 16 characters long")
        return token
    if not is_loopback(host):
        raise HttpSafetyError(
            f"refusing to serve MCP on {host} without a token you chose: "
            "pass --token (or set DESKPILOT_MCP_TOKEN), or bind 127.0.0.1"
        )
    return secrets.token_urlsafe(24)


class BearerAuth:
    """ASGI middleware: HTTP requests without `Authorization: Bearer <token>` get 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            got = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(got, self.expected):
                body = json.dumps({"error": "missing or wrong bearer token"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="deskpilot"'),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def serve_http(
    server: Any, host: str, port: int, token: str, announce: Callable[[str], None] | None = None
) -> None:
    """Serve the MCP server's streamable HTTP app until interrupted."""
    import uvicorn

    port = port or free_port(host)
    app = BearerAuth(server.streamable_http_app(streamable_http_path=PATH, host=host), token)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}{PATH}"
    (announce or (lambda line: print(line, file=sys.stderr, flush=True)))(
        f"deskpilot MCP server on {url}\nAuthorization: Bearer {token}"
    )
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    anyio.run(uvicorn.Server(config).serve)
