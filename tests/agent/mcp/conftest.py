"""MCP tests: the SDK's own client against `agent mcp` (a subprocess) and a real desktop."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
WINDOW = Path(__file__).with_name("button_window.py")


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DESKPILOT_MCP_TOKEN", None)
    return {**env, **(extra or {})}


def agent_mcp_args(*args: str) -> list[str]:
    return ["-m", "agent.cli", "mcp", *args]


@contextlib.asynccontextmanager
async def stdio_client(*args: str, env: dict[str, str] | None = None, **client: Any) -> AsyncIterator[Any]:
    """The SDK's Client on `agent mcp ARGS` over stdio."""
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=agent_mcp_args(*args), env=server_env(env), cwd=str(ROOT)
    )
    async with Client(params, **client) as c:
        yield c


@dataclass
class TestWindow:
    """The button window (button_window.py) on a desktop; `state()` is what it reports."""

    home: Path
    name: str
    title: str

    def state(self) -> dict[str, Any]:
        return json.loads((self.home / self.name).read_text(encoding="utf-8"))

    def wait(self, predicate, what: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                last = self.state()
                if predicate(last):
                    return last
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; window state: {last}")


@pytest.fixture
def window(desktop):
    """A fresh test window on the shared desktop, closed afterwards."""
    name = f"mcp-window-{uuid.uuid4().hex[:8]}.json"
    title = f"MCP test {name[11:19]}"
    client = desktop.client()
    (desktop.home / "button_window.py").write_text(WINDOW.read_text())
    client.launch(["/usr/bin/python3", "/home/user/button_window.py", f"/home/user/{name}", title])
    w = TestWindow(desktop.home, name, title)
    w.wait(lambda s: s.get("button") and s.get("entry"), "the test window to show")
    client.activate_window(title)
    yield w
    client.close_window(title)
    client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class HttpServer:
    url: str
    token: str
    proc: subprocess.Popen


@contextlib.contextmanager
def http_server(*args: str, env: dict[str, str] | None = None):
    """`agent mcp --transport http` on a free loopback port with a chosen token."""
    port, token = free_port(), uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, *agent_mcp_args("--transport", "http", "--port", str(port), *args)],
        env=server_env({"DESKPILOT_MCP_TOKEN": token, **(env or {})}),
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"agent mcp exited: {proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.post(url, json={}).status_code == 401:
                    break
            if time.monotonic() > deadline:
                raise AssertionError("agent mcp --transport http did not come up")
            time.sleep(0.2)
        yield HttpServer(url, token, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@contextlib.asynccontextmanager
async def http_client(server: HttpServer, token: str | None = None, **client: Any) -> AsyncIterator[Any]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token or server.token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120)) as http,
        Client(streamable_http_client(server.url, http_client=http), **client) as c,
    ):
        yield c
