"""`agent chat --desktop this-screen --monitor 1` on a two-monitor X display the test starts:
clicks land on the chosen monitor, and the coding agent (not a sandbox) is refused unattended."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"desktop tools missing: {', '.join(missing)} (run scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def wide_display():
    """One 2048x768 Xvfb screen split by RandR into left (primary) and right monitors."""
    require("Xvfb", "xdotool")
    from envs.server.monitors import set_monitor

    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "2048x768x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        name = f":{pipe.readline().strip()}"
    try:
        set_monitor("left", 0, 0, 1024, 768, primary=True, output="screen", display=name)
        set_monitor("right", 1024, 0, 1024, 768, display=name)
        yield name
    finally:
        xvfb.kill()
        xvfb.wait()


def pointer(display: str) -> tuple[int, int]:
    out = subprocess.run(
        ["xdotool", "getmouselocation"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(p.split(":", 1) for p in out.split() if ":" in p)
    return int(values["x"]), int(values["y"])


def test_chat_on_the_second_monitor_of_this_screen(wide_display, tmp_path):
    replies = [
        {"role": "gate", "reply": {"criteria": [{"text": "the OK button was pressed"}]}},
        {
            "role": "planner",
            "reply": {
                "reasoning": "press OK",
                "action": {"type": "click", "target": {"description": "the OK button", "x": 100, "y": 200}},
            },
        },
        {
            "role": "planner",
            "reply": {
                "reasoning": "script it",
                "action": {"type": "call_code_agent", "task": "sum column B"},
            },
        },
        {"role": "planner", "reply": {"reasoning": "stop", "action": {"type": "fail", "reason": "x"}}},
    ]
    script = tmp_path / "replies.jsonl"
    script.write_text("".join(json.dumps(r) + "\n" for r in replies))
    out = tmp_path / "session"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "chat",
            "--desktop",
            "this-screen",
            "--monitor",
            "1",
            "--model",
            f"scripted:{script}",
            "--out",
            str(out),
        ],
        input="press OK\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "DISPLAY": wide_display, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "right" in run.stdout  # the session names the monitor it drives
    assert pointer(wide_display) == (1024 + 100, 200)  # monitor 1's (100, 200)
    [folder] = out.glob("01-*")
    steps = [json.loads(line) for line in (folder / "traj.jsonl").read_text().splitlines()]
    assert [s["node"] for s in steps] == ["act", "approve", "fail"]
    assert steps[1]["approval"]["risk"]["risk_class"] == "code_outside_sandbox"
    assert steps[1]["approval"]["decision"] == "denied"
