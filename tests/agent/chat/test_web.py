"""The --web view: token required, state and screen served, buttons drive the SessionControl."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from agent.approval import ApprovalRequest, Risk
from agent.chat.control import SessionControl
from agent.chat.web import WebView


@pytest.fixture
def web(tmp_path):
    control = SessionControl()
    with WebView(control) as view:
        control.begin(tmp_path)
        view.begin(tmp_path, "clear the draft")
        yield view, control, tmp_path
        control.end()


def base(view: WebView) -> str:
    return view.url.split("/?")[0]


def test_binds_loopback_and_demands_the_token(web):
    view, _, _ = web
    assert view.url.startswith("http://127.0.0.1:")
    assert httpx.get(base(view) + "/").status_code == 403
    assert httpx.get(base(view) + "/state.json?token=wrong").status_code == 403
    assert httpx.post(base(view) + "/control", json={"op": "stop"}).status_code == 403
    page = httpx.get(view.url)
    assert page.status_code == 200 and "deskpilot chat" in page.text


def test_state_and_screen_follow_the_steps(web):
    view, _, folder = web
    token = {"token": view.token}
    assert httpx.get(base(view) + "/screen", params=token).status_code == 404
    (folder / "step_1_20260101@000000.png").write_bytes(b"\x89PNG fake")
    view.event(
        "step",
        {
            "step_num": 1,
            "node": "act",
            "screenshot_file": "step_1_20260101@000000.png",
            "action": {"type": "click", "target": {"description": "OK", "x": 1, "y": 2}},
        },
    )
    state = httpx.get(base(view) + "/state.json", params=token).json()
    assert state["instruction"] == "clear the draft" and state["running"] is True
    assert state["steps"] == [
        {"step": 1, "node": "act", "action": "click 'OK' @(1,2)", "error": None, "approval": None}
    ]
    assert httpx.get(base(view) + "/screen", params=token).content == b"\x89PNG fake"


def test_buttons_pause_correct_and_answer(web):
    view, control, folder = web
    url = base(view) + "/control"
    token = {"token": view.token}
    assert httpx.post(url, params=token, json={"op": "pause"}).json()["done"] is True
    assert control.paused
    httpx.post(url, params=token, json={"op": "correct", "text": "the other file"})
    assert control.take_corrections() == ["the other file"]
    httpx.post(url, params=token, json={"op": "resume"})
    assert not control.paused
    assert httpx.post(url, params=token, json={"op": "approve"}).status_code == 409  # no question
    assert httpx.post(url, params=token, json={"op": "format c:"}).status_code == 409
    assert httpx.post(url, params=token, content=b"not json").status_code == 400

    request = ApprovalRequest(
        step=3, action={"type": "click"}, risk=Risk(risk_class="delete_files", why="a delete button")
    )
    answers = []
    asking = threading.Thread(target=lambda: answers.append(control.ask(request)), daemon=True)
    asking.start()
    deadline = time.monotonic() + 10
    while not httpx.get(base(view) + "/state.json", params=token).json()["question"]:
        assert time.monotonic() < deadline, "the question never showed on the page"
        time.sleep(0.02)
    httpx.post(url, params=token, json={"op": "deny", "text": "keep it"})
    asking.join(10)
    assert not asking.is_alive()
    assert answers[0].decision == "deny" and answers[0].reason == "keep it"
