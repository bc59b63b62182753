"""UI-TARS and Agent S style point grounders: reply parsing and the clients end to end."""

from __future__ import annotations

import time

import pytest

from grounding.base import Grounder
from grounding.uitars import (
    PointGrounder,
    UITarsGrounder,
    parse_point,
    parse_uitars_point,
)

# -- parse_uitars_point -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Action: click(start_box='(235,512)')", (235, 512)),
        ("click(start_box='<|box_start|>(235,512)<|box_end|>')", (235, 512)),
        ("<|box_start|>(235,512)<|box_end|>", (235, 512)),
        ("click(point='<point>235 512</point>')", (235, 512)),
        ("<point>235 512</point>", (235, 512)),
        (
            (
                "Thought: The search box is at the top, near (10, 10) of the bar.\n"
                "Action: click(start_box='<|box_start|>(235,512)<|box_end|>')"
            ),
            (235, 512),
        ),
        ("Action: click(start_box='(200,500,270,524)')", (235, 512)),  # a box: its centre
        ("Action: click(start_box='[200, 500, 270, 524]')", (235, 512)),
        ("<bbox>200 500 270 524</bbox>", (235, 512)),
        ("Action: left_double(start_box='(235, 512)')", (235, 512)),
        ('Action: click(start_box="(235.5,512.25)")', (235.5, 512.25)),
        ("(235, 512)", (235, 512)),
    ],
)
def test_uitars_reply_forms(text, expected):
    assert parse_uitars_point(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Action: finished(content='done')",
        "Action: wait()",
        "Action: call_user()",
        "I could not find that element.",
        "",
        "<point>235</point>",
    ],
)
def test_uitars_no_point(text):
    assert parse_uitars_point(text) is None


# -- parse_point (Agent S) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(512, 384)", (512, 384)),
        ("512 384", (512, 384)),
        ("[512,384]", (512, 384)),
        ("The point is x=512, y=384.", (512, 384)),
        ("<point>512 384</point>", (512, 384)),
        ("click(start_box='(512,384)')", (512, 384)),
        ("512.5, 384.25", (512.5, 384.25)),
        ("(512, 384) and also (1, 2)", (512, 384)),
    ],
)
def test_first_two_numbers(text, expected):
    assert parse_point(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "not found", "only 1 number"])
def test_fewer_than_two_numbers(text):
    assert parse_point(text) is None


# -- UITarsGrounder end to end ----------------------------------------------------------------


def test_uitars_absolute_in_the_resized_image(fake_server, screenshot):
    fake_server.answer(
        "Thought: the OK button.\nAction: click(start_box='<|box_start|>(966,546)<|box_end|>')"
    )
    g = fake_server.keep(UITarsGrounder(fake_server.base_url))
    assert isinstance(g, Grounder)
    result = g.ground(screenshot(1920, 1080), "the OK button", (1920, 1080))
    assert (result.x, result.y) == (960, 540)
    assert result.grounder == "uitars" and result.confidence == 0.9 and "Action:" in result.raw
    request = fake_server.requests[0]
    assert request["model"] == "ui-tars-1.5-7b"
    (user,) = request["messages"]
    assert [p["type"] for p in user["content"]] == ["text", "image_url"]
    assert user["content"][0]["text"].endswith("## User Instruction\nthe OK button")
    # UI-TARS's own pixel bounds (up to 16384 tokens): 1080p is only rounded to 28
    assert fake_server.last_image().size == (1932, 1092)


def test_uitars_large_screen_uses_its_max_pixels(fake_server, screenshot):
    fake_server.answer("<point>0 0</point>")
    g = fake_server.keep(UITarsGrounder(fake_server.base_url))
    assert g.ground(screenshot(2560, 1440), "x", (2560, 1440)) is not None
    assert fake_server.last_image().size == (2548, 1428)  # Jedi's bounds would give 1932x1092


def test_uitars_relative_coordinates(fake_server, screenshot):
    fake_server.answer("Action: click(start_box='(500,250)')")
    g = fake_server.keep(UITarsGrounder(fake_server.base_url, coordinates="relative"))
    result = g.ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (960, 270)


def test_uitars_refusal_timeout_and_errors(fake_server, screenshot):
    # 1.5 s, not less: the replies that are in time must be, on a busy machine too.
    g = fake_server.keep(UITarsGrounder(fake_server.base_url, timeout=1.5))
    fake_server.answer("Action: finished(content='there is no such button')")
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert "no point" in g.last_failure
    fake_server.answer("<point>1 1</point>", delay_s=8.0)
    started = time.monotonic()
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert time.monotonic() - started < 6.0 and "timed out" in g.last_failure
    fake_server.fail(500)
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert "HTTP 500" in g.last_failure


def test_uitars_rejects_unknown_coordinate_mode():
    with pytest.raises(ValueError):
        UITarsGrounder("http://127.0.0.1:1/v1", coordinates="pixels")  # type: ignore[arg-type]


# -- PointGrounder end to end -----------------------------------------------------------------


def test_point_grounder_1000x1000(fake_server, screenshot):
    fake_server.answer("(250, 500)")
    g = fake_server.keep(PointGrounder(fake_server.base_url))
    result = g.ground(screenshot(1920, 1080), "the File menu", (1920, 1080))
    assert (result.x, result.y) == (480, 540)
    assert result.grounder == "point" and result.raw == "(250, 500)"
    (user,) = fake_server.requests[0]["messages"]
    assert [p["type"] for p in user["content"]] == ["image_url", "text"]
    assert user["content"][1]["text"] == (
        "Query: the File menu\nOutput only the coordinate of one point in your response.\n"
    )


def test_point_grounder_screen_space_with_hidpi(fake_server, screenshot):
    fake_server.answer("640 400")
    g = fake_server.keep(PointGrounder(fake_server.base_url, grounding_size="screen"))
    result = g.ground(screenshot(2560, 1600), "x", (1280, 800))
    assert (result.x, result.y) == (640, 400)


def test_point_grounder_image_space(fake_server, screenshot):
    fake_server.answer("<point>966 546</point>")
    g = fake_server.keep(PointGrounder(fake_server.base_url, grounding_size="image"))
    result = g.ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (960, 540)
    assert fake_server.last_image().size == (1932, 1092)


def test_point_grounder_declared_size_without_resizing(fake_server, screenshot):
    fake_server.answer("[1920, 1080]")
    g = fake_server.keep(
        PointGrounder(
            fake_server.base_url,
            grounding_size=(3840, 2160),
            resize=False,
            system_prompt="You are a helpful assistant.",
        )
    )
    result = g.ground(screenshot(1920, 1080), "x", (1920, 1080))
    assert (result.x, result.y) == (960, 540)
    assert fake_server.last_image().size == (1920, 1080)
    assert fake_server.requests[0]["messages"][0] == {
        "role": "system",
        "content": "You are a helpful assistant.",
    }


def test_point_grounder_failures(fake_server, screenshot):
    g = fake_server.keep(PointGrounder(fake_server.base_url))
    fake_server.answer("Sorry, I do not see it.")
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert "fewer than two numbers" in g.last_failure
    fake_server.answer("(5000, 5000)")
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert "outside" in g.last_failure
    fake_server.fail(502)
    assert g.ground(screenshot(800, 600), "x", (800, 600)) is None
    assert "HTTP 502" in g.last_failure


@pytest.mark.parametrize("size", ["pixels", (0, 1000), (1000,)])
def test_point_grounder_rejects_bad_grounding_sizes(size):
    with pytest.raises(ValueError):
        PointGrounder("http://127.0.0.1:1/v1", grounding_size=size)  # type: ignore[arg-type]
