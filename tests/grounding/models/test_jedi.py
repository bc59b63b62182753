"""Jedi: the reply parser on realistic replies, and the client end to end against a local
OpenAI-compatible server (the real openai SDK, real HTTP)."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest

from grounding.base import Grounder, GroundingResult
from grounding.jedi import (
    JediGrounder,
    parse_tool_call,
    parse_tool_calls,
    system_prompt,
)
from tests.conftest import reference_data

CLICK = (
    '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
    '"coordinate": [1273, 566]}}\n</tool_call>'
)
WAIT = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "wait", "time": 2}}\n</tool_call>'


def point(text):
    call = parse_tool_call(text)
    return None if call is None else tuple(call["arguments"]["coordinate"])


# -- parse_tool_call ----------------------------------------------------------------------


def test_the_canonical_reply():
    call = parse_tool_call(CLICK)
    assert call == {
        "name": "computer_use",
        "arguments": {"action": "left_click", "coordinate": [1273.0, 566.0]},
    }


@pytest.mark.parametrize(
    "text",
    [
        CLICK.replace("\n", ""),
        CLICK.replace(": ", ":").replace(", ", ","),
        "  \n\n" + CLICK.replace("{", "{ \n  ").replace("[", "[ ") + "\n\n",
        "The Save button is in the toolbar at the top left.\n" + CLICK + "\nI clicked the button.",
        "```\n" + CLICK + "\n```",
        CLICK.replace("\n</tool_call>", ""),  # closing tag missing
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1273, 566]',  # cut off
        '{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1273, 566]}}',  # no tags
        '<tool_call>\n{{"name": "computer_use", "arguments": {{"action": "left_click", "coordinate": [1273, 566]}}}}\n</tool_call>',
        '<tool_call>\n{{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1273, 566]}}}\n</tool_call>',
        CLICK.replace("[1273, 566]", '"1273, 566"'),
        CLICK.replace("[1273, 566]", '"(1273, 566)"'),
        CLICK.replace("[1273, 566]", '["1273", "566"]'),
        CLICK.replace("[1273, 566]", "[1273.0, 566.0]"),
        '<tool_call>\n{"name": "computer_use", "arguments": "{\\"action\\": \\"left_click\\", \\"coordinate\\": [1273, 566]}"}\n</tool_call>',
        "<tool_call>\n{'name': 'computer_use', 'arguments': {'action': 'left_click', 'coordinate': [1273, 566]}}\n</tool_call>",
    ],
)
def test_tolerated_variants(text):
    assert point(text) == (1273.0, 566.0)


@pytest.mark.parametrize(
    "action", ["double_click", "right_click", "mouse_move", "middle_click", "left_click_drag"]
)
def test_other_pointing_actions_count(action):
    assert point(CLICK.replace("left_click", action)) == (1273.0, 566.0)


def test_several_tool_calls_take_the_first_with_a_coordinate():
    key = (
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "key", "keys": ["esc"]}}\n</tool_call>'
    )
    second = CLICK.replace("[1273, 566]", "[10, 20]")
    assert point(key + "\n" + CLICK + "\n" + second) == (1273.0, 566.0)
    assert point(second + CLICK) == (10.0, 20.0)
    assert point(WAIT + "\n" + CLICK) == (1273.0, 566.0)
    assert [c["arguments"]["action"] for c in parse_tool_calls(key + WAIT + CLICK)] == [
        "key",
        "wait",
        "left_click",
    ]


@pytest.mark.parametrize(
    "text",
    [
        WAIT,
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "wait"}}\n</tool_call>',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", "status": "failure"}}\n</tool_call>',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click"}}\n</tool_call>',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": "the top left"}}\n</tool_call>',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1, 2, 3]}}\n</tool_call>',
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "type", "text": "hello"}}\n</tool_call>',
        "I cannot find a Save button in this screenshot.",
        "",
        "{}",
        "{not json at all",
        "<tool_call></tool_call>",
        '{"foo": [1, 2]}',
    ],
)
def test_refusals_and_garbage_are_none(text):
    assert parse_tool_call(text) is None


def test_wait_is_seen_as_a_call():
    assert parse_tool_calls(WAIT) == [{"name": "computer_use", "arguments": {"action": "wait", "time": 2}}]
    assert parse_tool_calls("nothing here") == []


# -- the system prompt ----------------------------------------------------------------------


def test_system_prompt_is_qwen_function_calling_with_single_braces():
    prompt = system_prompt(1932, 1092)
    assert "* The screen's resolution is 1932x1092." in prompt
    assert "{{" not in prompt and "}}}" not in prompt
    tools = re.search(r"<tools>\n(.*)\n</tools>", prompt, re.DOTALL)
    assert tools is not None
    tool = json.loads(tools.group(1))  # the declaration is valid JSON
    assert tool["function"]["name"] == "computer_use"
    props = tool["function"]["parameters"]["properties"]
    assert props["action"]["enum"] == [
        "key",
        "type",
        "mouse_move",
        "left_click",
        "left_click_drag",
        "right_click",
        "middle_click",
        "double_click",
        "scroll",
        "wait",
        "terminate",
    ]
    assert {"coordinate", "keys", "text", "pixels", "time", "status"} <= set(props)
    assert '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>' in prompt


# -- the client, end to end -------------------------------------------------------------------


def jedi(server, **kw):
    return server.keep(JediGrounder(server.base_url, **kw))


def test_ground_1080p_end_to_end(fake_server, screenshot):
    fake_server.answer(CLICK)
    g = jedi(fake_server)
    assert isinstance(g, Grounder)
    result = g.ground(screenshot(1920, 1080), "the Save button in the toolbar", (1920, 1080))
    # mapped back with W / resized_w and H / resized_h, not swapped
    assert result == GroundingResult(round(1273 * 1920 / 1932), round(566 * 1080 / 1092), 0.9, "jedi", CLICK)
    assert (result.x, result.y) == (1265, 560)

    assert fake_server.paths == ["/v1/chat/completions"]
    request = fake_server.requests[0]
    assert request["model"] == "jedi-7b"
    system, user = request["messages"]
    assert system["role"] == "system"
    assert "The screen's resolution is 1932x1092." in system["content"]
    assert "{{" not in system["content"]
    assert user["role"] == "user"
    assert [p["type"] for p in user["content"]] == ["image_url", "text"]  # image, then words
    assert user["content"][1]["text"] == "the Save button in the toolbar"
    assert fake_server.last_image().size == (1932, 1092)  # resized on our side


def test_hidpi_screenshot_maps_to_logical_pixels(fake_server, screenshot):
    # a 1280x800 screen at scale 2: the screenshot is 2560x1600, the model sees 1820x1148
    fake_server.answer(CLICK.replace("[1273, 566]", "[910, 574]"))
    result = jedi(fake_server).ground(screenshot(2560, 1600), "the middle", (1280, 800))
    assert (result.x, result.y) == (640, 400)
    assert "The screen's resolution is 1820x1148." in fake_server.last_messages()[0]["content"]
    assert fake_server.last_image().size == (1820, 1148)


def test_origin_of_a_second_monitor_is_added(fake_server, screenshot):
    fake_server.answer(CLICK.replace("[1273, 566]", "[966, 546]"))
    result = jedi(fake_server, origin=(1920, 0)).ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (1920 + 960, 540)


def test_an_image_already_at_model_size_is_sent_as_is(fake_server, screenshot):
    png = screenshot(1932, 1092)
    fake_server.answer(CLICK)
    result = jedi(fake_server).ground(png, "x", (1932, 1092))
    assert (result.x, result.y) == (1273, 566)
    url = fake_server.last_messages()[1]["content"][0]["image_url"]["url"]
    import base64

    assert base64.b64decode(url.split(",", 1)[1]) == png


JEDI_TRAJS = reference_data("jedi_trajs")


def _first_clicks():
    """(screenshot the grounder saw, the screen point OSWorld's Jedi agent clicked) per episode."""
    cases = []
    for traj in sorted(JEDI_TRAJS.glob("*/traj.jsonl")):
        for line in traj.read_text().splitlines():
            step = json.loads(line)
            m = re.search(r"pyautogui\.(?:click|doubleClick)\((\d+), (\d+)", step["action"])
            before = sorted(traj.parent.glob(f"step_{step['step_num'] - 1}_*"))
            if m and before:
                cases.append(
                    pytest.param(before[0], (int(m.group(1)), int(m.group(2))), id=traj.parent.name[:8])
                )
                break
    return cases


@pytest.mark.skipif(
    not _first_clicks(),
    reason=f"no real Jedi episodes in {JEDI_TRAJS} ($DESKPILOT_REFERENCE_DATA/jedi_trajs)",
)
@pytest.mark.parametrize(("shot", "clicked"), _first_clicks())
def test_real_osworld_screenshots(fake_server, shot, clicked):
    """Real 1920x1080 OSWorld screenshots (PNG and JPEG) and the points the Jedi agent clicked:
    the model's answer for that point in the resized image maps back onto it exactly."""
    mx, my = round(clicked[0] * 1932 / 1920), round(clicked[1] * 1092 / 1080)
    reply = f'<tool_call>\n{{"name": "computer_use", "arguments": {{"action": "left_click", "coordinate": [{mx}, {my}]}}}}\n</tool_call>'
    fake_server.answer(reply)
    result = jedi(fake_server).ground(shot.read_bytes(), "the target", (1920, 1080))
    assert (result.x, result.y) == clicked
    assert result.raw == reply
    assert fake_server.last_image().size == (1932, 1092)


# -- failures: None, a logged reason, never an exception ----------------------------------------


def test_refusal_is_none(fake_server, screenshot, caplog):
    fake_server.answer(WAIT)
    g = jedi(fake_server)
    with caplog.at_level(logging.WARNING, logger="grounding.jedi"):
        assert g.ground(screenshot(800, 600), "a button that is not there", (800, 600)) is None
    assert "declined" in g.last_failure and "wait" in g.last_failure
    assert "declined" in caplog.text


@pytest.mark.parametrize("reply", ["I am not sure.", "", '<tool_call>{"name": "computer_use"}</tool_call>'])
def test_unparseable_reply_is_none(fake_server, screenshot, reply):
    fake_server.answer(reply)
    g = jedi(fake_server)
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert g.last_failure and ("no tool call" in g.last_failure or "no usable coordinate" in g.last_failure)


def test_timeout_is_none_fast(fake_server, screenshot):
    fake_server.answer(CLICK, delay_s=8.0)
    g = jedi(fake_server, timeout=1.5)
    started = time.monotonic()
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert time.monotonic() - started < 6.0  # the client gave up, not waiting out the 8 s
    assert "timed out" in g.last_failure
    assert len(fake_server.requests) == 1  # no retries by default


@pytest.mark.parametrize("status", [500, 400])
def test_http_errors_are_none(fake_server, screenshot, status):
    fake_server.fail(status)
    g = jedi(fake_server)
    started = time.monotonic()
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert time.monotonic() - started < 2.0
    assert f"HTTP {status}" in g.last_failure
    assert len(fake_server.requests) == 1


def test_retries_when_asked(fake_server, screenshot):
    fake_server.fail(503).answer(CLICK)
    result = jedi(fake_server, max_retries=1).ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (1265, 560) and len(fake_server.requests) == 2


def test_not_json_body_is_none(fake_server, screenshot):
    fake_server.answer("", raw_body=b"<html>bad gateway</html>")
    g = jedi(fake_server)
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert g.last_failure


def test_null_content_is_none(fake_server, screenshot):
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "jedi-7b",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": None}}],
    }
    fake_server.answer("", raw_body=json.dumps(body).encode())
    assert jedi(fake_server).ground(screenshot(800, 600), "x", (800, 600)) is None


def test_server_parsed_tool_calls_are_read(fake_server, screenshot):
    """vLLM with a tool-call parser moves the call out of the text into message.tool_calls."""
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "jedi-7b",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": "computer_use",
                                "arguments": json.dumps({"action": "left_click", "coordinate": [1273, 566]}),
                            },
                        }
                    ],
                },
            }
        ],
    }
    fake_server.answer("", raw_body=json.dumps(body).encode())
    result = jedi(fake_server).ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (1265, 560)


def test_unreachable_server_is_none(screenshot):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with JediGrounder(f"http://127.0.0.1:{port}/v1", timeout=2) as g:
        assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
        assert "cannot reach" in g.last_failure


def test_bad_screenshot_is_none_without_a_request(fake_server):
    g = jedi(fake_server)
    assert g.ground(b"\x89PNG broken", "x", (800, 600)) is None
    assert "screenshot" in g.last_failure and fake_server.requests == []


def test_points_past_the_edge(fake_server, screenshot):
    # a little past the edge: clamped onto the screen; far outside: not a point on this screen
    fake_server.answer(CLICK.replace("[1273, 566]", "[1940, 1095]"))
    fake_server.answer(CLICK.replace("[1273, 566]", "[4000, 566]"))
    fake_server.answer(CLICK.replace("[1273, 566]", "[-200, -200]"))
    g = jedi(fake_server)
    result = g.ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (1919, 1079)
    assert g.ground(screenshot(1920, 1080), "x", (1920, 1080)) is None and "outside" in g.last_failure
    assert g.ground(screenshot(1920, 1080), "x", (1920, 1080)) is None and "outside" in g.last_failure


def test_options_reach_the_request(fake_server, screenshot):
    fake_server.answer(CLICK)
    g = jedi(fake_server, model="Jedi-3B-1080p", max_tokens=64, temperature=0.0, name="jedi3b")
    result = g.ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert result.grounder == "jedi3b"
    assert fake_server.requests[0]["model"] == "Jedi-3B-1080p"
    assert fake_server.requests[0]["max_tokens"] == 64
