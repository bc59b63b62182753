"""Streamable HTTP is behind a bearer token: without the right one, 401 and nothing runs."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import MCPError

from agent.mcp.http import HttpSafetyError, check_binding, is_loopback
from tests.agent.mcp.conftest import http_client, http_server

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def click(x: int, y: int, request_id: int = 2) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": "act", "arguments": {"action": {"type": "click", "x": x, "y": y}}},
    }


def test_wrong_or_missing_token_gets_401_and_runs_nothing(desktop, window):
    bx, by = window.state()["button"]
    with http_server("--desktop", desktop.url, env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}) as server:
        for auth in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Authorization": server.token},
            {"Authorization": f"Basic {server.token}"},
        ):
            for body in (INIT, click(bx, by)):
                reply = httpx.post(server.url, json=body, headers={**HEADERS, **auth})
                assert reply.status_code == 401, (auth, reply.text)
                assert reply.headers["www-authenticate"].startswith("Bearer")
                assert "act" not in reply.text and "result" not in reply.json()

        async def wrong_token_client():
            # The SDK's client fails to connect: an MCPError inside its task groups.
            with pytest.raises(ExceptionGroup) as failed:
                async with http_client(server, token="not-the-token-at-all") as client:
                    await client.call_tool("act", click(bx, by)["params"]["arguments"])
            assert failed.group_contains(MCPError)

        anyio.run(wrong_token_client)
        # The right token works (so the 401s above were about the token alone).
        reply = httpx.post(
            server.url, json=INIT, headers={**HEADERS, "Authorization": f"Bearer {server.token}"}
        )
        assert reply.status_code == 200
    assert window.state()["clicks"] == 0


def test_only_loopback_without_a_chosen_token():
    fresh = check_binding("127.0.0.1", None)
    assert len(fresh) >= 24 and fresh != check_binding("127.0.0.1", None)
    assert check_binding("0.0.0.0", "a-token-of-my-own-choosing") == "a-token-of-my-own-choosing"
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        with pytest.raises(HttpSafetyError, match="without a token"):
            check_binding(host, None)
    with pytest.raises(HttpSafetyError, match="at least 16"):
        check_binding("127.0.0.1", "short")
    assert is_loopback("localhost") and is_loopback("::1") and not is_loopback("10.0.0.1")


def test_cli_refuses_another_address_without_a_token():
    from typer.testing import CliRunner

    from agent.cli import app

    result = CliRunner(env={"DESKPILOT_MCP_TOKEN": ""}).invoke(
        app, ["mcp", "--transport", "http", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 2
    assert "without a token" in result.output
