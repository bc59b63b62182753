"""SessionControl and the key handling, without a terminal: what each key does."""

from __future__ import annotations

import io
import signal
import threading
import time

import pytest
from rich.console import Console

from agent import interventions as journal
from agent.approval import ApprovalRequest, Risk
from agent.chat.console import TerminalKeys
from agent.chat.control import SessionControl


@pytest.fixture
def keys(tmp_path):
    control = SessionControl()
    control.begin(tmp_path)
    screen = io.StringIO()
    term = TerminalKeys(control, Console(file=screen, width=200), fd=-1)
    yield term, control, screen, tmp_path
    control.end()


def press(term: TerminalKeys, text: str) -> None:
    for char in text:
        term.key(char)


def test_correction_pauses_while_typing_then_resumes(keys):
    term, control, screen, folder = keys
    press(term, "c")
    assert control.paused  # the agent waits while the person types
    press(term, "no, thex\x7f other file")
    assert control.take_corrections() == []  # not sent before Enter
    press(term, "\r")
    assert control.take_corrections() == ["no, the other file"]
    assert not control.paused
    assert [e["kind"] for e in journal.read(folder)] == ["pause", "correction", "resume"]
    assert "correction> " in screen.getvalue()


def test_escape_cancels_a_correction_and_keeps_an_earlier_pause(keys):
    term, control, _, _ = keys
    press(term, "p")
    assert control.paused
    press(term, "cnever mind\x1b")
    assert control.take_corrections() == [] and control.paused  # was paused before: stays
    press(term, "p")
    assert not control.paused


def test_keys_answer_an_open_question(keys):
    term, control, _, _ = keys
    request = ApprovalRequest(step=1, action={"type": "click"}, risk=Risk(risk_class="purchase"))
    answers = []
    for typed in ("a", "d", "rtoo expensive\r"):
        asking = threading.Thread(target=lambda: answers.append(control.ask(request)), daemon=True)
        asking.start()
        deadline = time.monotonic() + 10
        while control.question is None:
            assert time.monotonic() < deadline, "the question was never asked"
            time.sleep(0.01)
        press(term, "p")  # other keys mean nothing while a question is open
        assert not control.paused
        press(term, typed)
        asking.join(10)
        assert not asking.is_alive()
    assert [(a.decision, a.reason) for a in answers] == [
        ("approve", ""),
        ("deny", ""),
        ("deny", "too expensive"),
    ]


def test_stop_signals_only_a_running_episode(tmp_path):
    got = []
    previous = signal.signal(signal.SIGINT, lambda *_: got.append("SIGINT"))
    try:
        control = SessionControl()
        control.stop()  # between episodes: nothing to stop, no signal
        assert got == []
        control.begin(tmp_path)
        control.pause()
        control.stop()
        control.stop()  # once is enough
        assert got == ["SIGINT"] and control.stop_requested
        # the paused graph does not take another step: its checkpoint ends the episode
        with pytest.raises(KeyboardInterrupt):
            control.checkpoint()
        assert not control.interrupt_once()  # the SIGINT that follows is not a second one
        control.end()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [e["kind"] for e in journal.read(tmp_path)] == ["pause", "stop"]


def test_the_question_shows_the_code_a_block_would_run():
    from agent.chat.console import show_change

    screen = io.StringIO()
    show_change(
        Console(file=screen, width=200),
        "ask",
        {
            "step": 2,
            "action": {
                "type": "code_block",
                "language": "bash",
                "code": "\n".join(f"echo {i}" for i in range(20)),
            },
            "risk": {"risk_class": "delete_files", "why": "the code deletes files", "matched": "rm"},
        },
    )
    shown = screen.getvalue()
    assert "APPROVAL NEEDED" in shown and "bash block" in shown and "echo 11" in shown
    assert "echo 12" not in shown and "8 more lines" in shown
