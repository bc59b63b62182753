"""A risky action passes the agent's approval policy: refused where the client cannot ask the
person, asked through MCP elicitation where it can (on old and new protocol versions)."""

from __future__ import annotations

import json

import anyio
import mcp_types as types
import pytest

from tests.agent.mcp.conftest import http_client, http_server, stdio_client
from tests.agent.mcp.test_desktop_tools import text_of


def answering(approve: bool, asked: list[str]):
    async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": approve, "reason": "test"})

    return elicit


def risky_click(window) -> dict:
    bx, by = window.state()["button"]
    # The description is what the policy reads: a click on a "send" control is never unattended.
    return {"action": {"type": "click", "x": bx, "y": by, "target": "the Send report button"}}


def desktop_args(desktop) -> tuple[tuple[str, ...], dict[str, str]]:
    return ("--desktop", desktop.url), {"DESKPILOT_DESKTOP_TOKEN": desktop.token}


def test_risky_action_is_refused_when_the_client_cannot_elicit(desktop, window):
    args, env = desktop_args(desktop)

    async def scenario():
        async with stdio_client(*args, env=env) as client:
            out = await client.call_tool("act", risky_click(window))
            assert out.is_error
            said = text_of(out)
            assert "send_message" in said and "cannot ask the person" in said

    anyio.run(scenario)
    assert window.state()["clicks"] == 0


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 input_required, and elicitation/create
def test_risky_action_runs_when_the_person_approves_and_not_when_they_deny(desktop, window, mode):
    args, env = desktop_args(desktop)
    asked: list[str] = []

    async def scenario():
        async with stdio_client(
            *args, env=env, mode=mode, elicitation_callback=answering(False, asked)
        ) as client:
            denied = await client.call_tool("act", risky_click(window))
            assert denied.is_error and "denied" in text_of(denied)
        async with stdio_client(
            *args, env=env, mode=mode, elicitation_callback=answering(True, asked)
        ) as client:
            allowed = await client.call_tool("act", risky_click(window))
            assert not allowed.is_error, text_of(allowed)
            assert json.loads(text_of(allowed))["approval"]["by"] == "person"

    anyio.run(scenario)
    assert len(asked) == 2 and all("send_message" in q for q in asked)
    assert window.wait(lambda s: s["clicks"] == 1, "one click")["clicks"] == 1


def test_risky_action_over_http_asks_through_elicitation(desktop, window):
    args, env = desktop_args(desktop)
    asked: list[str] = []

    async def scenario(server):
        async with http_client(server) as client:
            refused = await client.call_tool("act", risky_click(window))
            assert refused.is_error and "cannot ask the person" in text_of(refused)
        async with http_client(server, elicitation_callback=answering(True, asked)) as client:
            allowed = await client.call_tool("act", risky_click(window))
            assert not allowed.is_error, text_of(allowed)

    with http_server(*args, env=env) as server:
        anyio.run(scenario, server)
    assert len(asked) == 1
    assert window.wait(lambda s: s["clicks"] == 1, "one click")["clicks"] == 1


def test_safe_action_is_not_asked_about(desktop, window):
    args, env = desktop_args(desktop)
    asked: list[str] = []
    bx, by = window.state()["button"]

    async def scenario():
        async with stdio_client(*args, env=env, elicitation_callback=answering(False, asked)) as client:
            out = await client.call_tool(
                "act", {"action": {"type": "click", "x": bx, "y": by, "target": "the button"}}
            )
            assert not out.is_error, text_of(out)

    anyio.run(scenario)
    assert asked == []
    assert window.wait(lambda s: s["clicks"] == 1, "one click")["clicks"] == 1
