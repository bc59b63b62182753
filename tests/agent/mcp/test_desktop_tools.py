"""The desktop tools through the SDK's own client, over stdio and streamable HTTP, on a real
desktop with a real GTK window (the desktop is a URL here: not a sandbox)."""

from __future__ import annotations

import base64
import io
import json

import anyio
import mcp_types as types
import pytest
from PIL import Image

from tests.agent.mcp.conftest import http_client, http_server, stdio_client

TOOLS = {"screenshot", "act", "accessibility_tree", "run_command", "new_desktop", "reset_desktop", "run_task"}
TYPED = "a<b \"dq\" 'sq' & é ü ß 日本 ✓"


@pytest.fixture(scope="module")
def http_desktop_server(desktop):
    with http_server("--desktop", desktop.url, env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}) as server:
        yield server


@pytest.fixture(params=["stdio", "http"])
def connect(request, desktop):
    """An async context manager factory: a connected Client on the shared desktop."""

    def make(**client):
        if request.param == "stdio":
            return stdio_client(
                "--desktop", desktop.url, env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}, **client
            )
        return http_client(request.getfixturevalue("http_desktop_server"), **client)

    return make


def png_of(result: types.CallToolResult) -> Image.Image:
    images = [c for c in result.content if isinstance(c, types.ImageContent)]
    assert len(images) == 1 and images[0].mime_type == "image/png"
    raw = base64.b64decode(images[0].data)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(raw)).convert("RGB")


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def test_lists_the_tools_and_screenshot_is_a_png_of_the_screen(connect):
    async def scenario():
        async with connect() as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            assert TOOLS <= listed
            shot = await client.call_tool("screenshot", {})
            assert not shot.is_error, text_of(shot)
            size = json.loads(text_of(shot))
            assert (size["width"], size["height"]) == (1024, 768)
            assert png_of(shot).size == (1024, 768)

    anyio.run(scenario)


def test_act_clicks_a_button_and_the_next_screenshot_shows_it(connect, window):
    bx, by = window.state()["button"]

    async def scenario():
        async with connect() as client:
            before = png_of(await client.call_tool("screenshot", {})).crop(
                (bx - 60, by - 15, bx + 60, by + 15)
            )
            done = await client.call_tool("act", {"action": {"type": "click", "x": bx, "y": by}})
            assert not done.is_error, text_of(done)
            assert json.loads(text_of(done))["at"] == [[bx, by]]
            after = png_of(await client.call_tool("screenshot", {})).crop(
                (bx - 60, by - 15, bx + 60, by + 15)
            )
            assert before.tobytes() != after.tobytes()  # the label changed to "Clicked 1"
            tree = await client.call_tool("accessibility_tree", {"max_chars": 4000})
            assert "'Clicked 1'" in text_of(tree)

    anyio.run(scenario)
    window.wait(lambda s: s["clicks"] == 1, "the click to be counted")  # the file is rewritten every 200 ms


def test_typing_special_and_non_ascii_text_arrives_exactly(connect, window):
    ex, ey = window.state()["entry"]

    async def scenario():
        async with connect() as client:
            await client.call_tool("act", {"action": {"type": "click", "x": ex, "y": ey}})
            typed = await client.call_tool("act", {"action": {"type": "type", "text": TYPED}})
            assert not typed.is_error, text_of(typed)

    anyio.run(scenario)
    assert window.wait(lambda s: s["text"] == TYPED, "the typed text")["text"] == TYPED


def test_run_command_is_refused_on_a_desktop_that_is_not_a_sandbox(connect, desktop):
    marker = desktop.home / "mcp-should-not-exist"

    async def scenario():
        async with connect() as client:
            out = await client.call_tool("run_command", {"command": f"touch {marker.name}"})
            assert out.is_error
            assert "only on a sandbox desktop" in text_of(out)

    anyio.run(scenario)
    assert not marker.exists()


def test_malformed_arguments_get_a_clear_tool_error(connect):
    async def scenario():
        async with connect() as client:
            cases = {
                "act": [
                    {"action": {"type": "clik", "x": 1, "y": 1}},
                    {"action": {"type": "click", "x": 5}},
                    {},
                    {"action": {"type": "hotkey", "keys": ["ctrl", "nokey"]}},
                ],
                "accessibility_tree": [{"max_chars": "lots"}],
                "run_command": [{"command": ""}],
                "new_desktop": [{"width": -3}],
            }
            for tool, bad in cases.items():
                for arguments in bad:
                    out = await client.call_tool(tool, arguments)
                    said = text_of(out)
                    assert out.is_error, (tool, arguments)
                    assert "Traceback" not in said and 'File "' not in said
                    assert said.startswith(f"Error executing tool {tool}"), said
            unknown = await client.call_tool("act", {"action": {"type": "clik", "x": 1, "y": 1}})
            assert "'click'" in text_of(unknown)  # names what it expected

    anyio.run(scenario)
