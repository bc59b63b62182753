"""`agent mcp --desktop local`: the server's own isolated desktop, a sandbox -- run_command
runs there (risky commands still follow the policy), new_desktop and reset_desktop give a
fresh one."""

from __future__ import annotations

import json

import anyio

from tests.agent.mcp.conftest import stdio_client
from tests.agent.mcp.test_desktop_tools import png_of, text_of


def test_sandbox_commands_and_a_fresh_desktop(tmp_path):
    args = ("--desktop", "local", "--width", "800", "--height", "600", "--runs", str(tmp_path / "runs"))

    async def run(client, command: str) -> dict:
        out = await client.call_tool("run_command", {"command": command})
        assert not out.is_error, text_of(out)
        return json.loads(text_of(out))

    async def scenario():
        async with stdio_client(*args) as client:
            assert png_of(await client.call_tool("screenshot", {})).size == (800, 600)
            first = await run(client, "echo kept > ~/mark.txt && cat ~/mark.txt && echo $HOME")
            assert first["returncode"] == 0 and first["output"].split() == ["kept", "/home/user"]
            # delete_files may run unattended on a sandbox; sending never may.
            assert (await run(client, "rm ~/mark.txt; test -e ~/mark.txt"))["returncode"] == 1
            mail = await client.call_tool("run_command", {"command": "echo hi | mail someone@example.org"})
            assert mail.is_error and "send_message" in text_of(mail)

            await run(client, "echo old > ~/mark.txt")
            reset = await client.call_tool("reset_desktop", {})
            assert not reset.is_error, text_of(reset)
            assert (await run(client, "test -e ~/mark.txt"))["returncode"] == 1  # a fresh home

            bigger = await client.call_tool("new_desktop", {"width": 1024, "height": 768})
            assert not bigger.is_error, text_of(bigger)
            assert json.loads(text_of(bigger))["sandbox"] is True
            assert png_of(await client.call_tool("screenshot", {})).size == (1024, 768)

    anyio.run(scenario)


def test_reset_desktop_is_refused_for_a_desktop_the_server_did_not_start(desktop):
    async def scenario():
        async with stdio_client(
            "--desktop", desktop.url, env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}
        ) as client:
            out = await client.call_tool("reset_desktop", {})
            assert out.is_error and "did not start" in text_of(out)

    anyio.run(scenario)
