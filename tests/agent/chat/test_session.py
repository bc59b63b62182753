"""`agent chat` end to end on a real Xvfb desktop with the scripted model and a scripted person."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from agent import interventions as journal

GATE = {"role": "gate", "reply": {"criteria": [{"text": "the task is done"}]}}
ACCEPT = {"role": "verifier", "reply": {"complete": True, "reason": "it is done"}}


def plan(action: dict, reasoning: str = "next") -> dict:
    return {"role": "planner", "reply": {"reasoning": reasoning, "action": action}}


DELETE = plan(
    {"type": "click", "target": {"description": "the Delete button", "x": 6, "y": 760}},
    "delete the old draft",
)
DONE = plan({"type": "done"})
FAIL = plan({"type": "fail", "reason": "cannot"})


def wait(seconds: float) -> dict:
    return plan({"type": "wait", "seconds": seconds}, f"wait {seconds} s")


def script(tmp_path: Path, replies: list[dict]) -> str:
    path = tmp_path / "replies.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in replies))
    return f"scripted:{path}"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def episode(out: Path, number: int) -> Path:
    [folder] = out.glob(f"{number:02d}-*")
    return folder


def assert_whole(folder: Path) -> None:
    """What every episode folder keeps, however it ended."""
    for name in ("task.json", "config.json", "traj.jsonl", "result.json", "report.html"):
        assert (folder / name).is_file(), name
    for step in lines(folder / "traj.jsonl"):
        if step.get("screenshot_file"):
            assert (folder / step["screenshot_file"]).is_file()


def test_person_approves_corrects_denies_pauses_and_stops(desktop, terminal, tmp_path):
    model = script(
        tmp_path,
        [
            GATE,
            DELETE,
            DONE,
            ACCEPT,  # 1: approved, carried out
            GATE,
            wait(2),
            DELETE,
            FAIL,  # 2: a correction, a denial with a reason
            GATE,
            *[wait(0.5) for _ in range(40)],  # 3: pause, then stop; 4: Ctrl-C
        ],
    )
    out = tmp_path / "session"
    term = terminal(
        ["chat", "--desktop", desktop.url, "--model", model, "--out", str(out), "--max-steps", "30"],
        DESKPILOT_DESKTOP_TOKEN=desktop.token,
    )
    term.expect("you approve risky actions")

    # 1. a risky click waits for the person; approved, it runs
    term.expect("instruction> ")
    term.send("clear the old draft\r")
    term.expect(r"APPROVAL NEEDED.*\n.*delete_files")
    assert not episode(out, 1).joinpath("traj.jsonl").exists()  # nothing ran while asking
    term.send("a")
    term.expect("approved by person")
    term.expect(r"status\s+.*done")
    first = lines(episode(out, 1) / "traj.jsonl")
    assert [s["node"] for s in first] == ["act", "verify"]
    assert first[0]["approval"]["decision"] == "approved" and first[0]["points"] == [[6, 760]]
    assert desktop.client().cursor_position() == (6, 760)  # the click happened

    # 2. a correction typed mid-task reaches the next step; a denial with a reason
    term.expect("instruction> ")
    term.send("rename the draft\r")
    term.expect("criterion 0")
    term.send("c")
    term.expect("correction> ")
    term.send("no, the other file\r")
    term.expect("correction queued")
    term.expect("APPROVAL NEEDED")
    term.send("r")
    term.expect("reason> ")
    term.send("not that one\r")
    term.expect("denied by person: not that one")
    term.expect(r"status\s+.*fail")
    second = episode(out, 2)
    steps = lines(second / "traj.jsonl")
    assert [s["node"] for s in steps] == ["act", "approve", "fail"]
    # taken by the next planner call after it was typed, and logged on that step
    [typed] = [e for e in journal.read(second) if e["kind"] == "correction"]
    [took] = [s for s in steps if s.get("corrections")]
    assert took["corrections"] == ["no, the other file"] and took["step_num"] > typed["after_step"]
    assert steps[1]["approval"] == {
        **steps[1]["approval"],
        "decision": "denied",
        "by": "person",
        "reason": "not that one",
    }
    report = (second / "report.html").read_text()
    assert "Risky action denied by person</b>: not that one" in report
    assert "Correction from the person</b> no, the other file" in report
    kinds = [e["kind"] for e in journal.read(second)]
    assert "correction" in kinds and kinds[-1] == "approval"

    # 3. pause holds the agent between steps; stop ends the episode, folder whole
    term.expect("instruction> ")
    term.send("wait around\r")
    term.expect(r"step\s+1/30")
    term.send("p")
    third = episode(out, 3)
    found = term.expect(r"holding after step (\d+)")  # the step running when p came finished
    held = len(lines(third / "traj.jsonl"))
    assert held == int(found.group(1)) and "paused" in term.text
    time.sleep(2.0)  # 4 steps' worth of waits
    assert len(lines(third / "traj.jsonl")) == held
    term.send("s")
    term.expect("stopped by the user")
    result = json.loads((third / "result.json").read_text())
    assert result["status"] == "interrupted" and result["stopped_by_user"] is True
    assert result["reason"] == f"stopped by the user after step {held}"
    assert_whole(third)
    assert [e["kind"] for e in journal.read(third)][-2:] == ["pause", "stop"]

    # 4. Ctrl-C mid-episode stops the episode, not the session
    term.expect("instruction> ")
    term.send("wait again\r")
    term.expect(r"step\s+2/30")
    term.send("\x03")
    term.expect("stopped by the user")
    assert_whole(episode(out, 4))
    term.expect("instruction> ")
    term.send("/quit\r")
    assert term.wait() == 0
    assert_whole(episode(out, 1))
    assert_whole(second)


def test_without_a_terminal_risky_actions_are_refused(desktop, tmp_path):
    model = script(tmp_path, [GATE, DELETE, FAIL])
    out = tmp_path / "piped"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "chat",
            "--desktop",
            desktop.url,
            "--model",
            model,
            "--out",
            str(out),
        ],
        input="clear the old draft\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", "DESKPILOT_DESKTOP_TOKEN": desktop.token},
        cwd=Path(__file__).resolve().parents[3],
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no terminal or web view: risky actions are refused" in run.stdout
    folder = episode(out, 1)
    steps = lines(folder / "traj.jsonl")
    assert [s["node"] for s in steps] == ["approve", "fail"]
    assert steps[0]["approval"]["by"] == "policy" and steps[0]["approval"]["decision"] == "denied"
    assert_whole(folder)
