"""`agent run` end to end on real Xvfb desktops with the scripted model."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app

ROOT = Path(__file__).resolve().parents[2]
NOTE_TASK = ROOT / "benchmarks/tasks/local/examples/mousepad/local-mousepad-note.json"
SCRIPT = ROOT / "agent/data/scripted/write_note.jsonl"


def run_cli(*args: str):
    return CliRunner().invoke(app, ["run", *args], catch_exceptions=False)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_scripted_episode_writes_the_file_and_scores_1(desktop_tools, tmp_path):
    out = tmp_path / "episode"
    result = run_cli(
        "--task",
        str(NOTE_TASK),
        "--model",
        f"scripted:{SCRIPT}",
        "--out",
        str(out),
        "--width",
        "1280",
        "--height",
        "800",
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads((out / "result.json").read_text())
    assert outcome["status"] == "done" and outcome["score"] == 1.0
    assert outcome["wasted_steps"] == 1  # the premature done was rejected
    steps = lines(out / "traj.jsonl")
    assert [s["node"] for s in steps] == ["act", "verify", "act", "verify"]
    assert steps[1]["verifier"]["complete"] is False
    assert all((out / s["screenshot_file"]).exists() for s in steps if s["screenshot_file"])
    assert (out / "result.txt").read_text().strip() == "1.0"
    report = (out / "report.html").read_text()
    assert "Hello from deskpilot &lt;3" in report  # model text escaped
    assert not re.search(r'(src|href)="https?://', report)  # opens offline


def test_killed_episode_resumes_without_redoing_steps(desktop, tmp_path):
    """First run: the planner script runs out after one step (as if the model went away)."""
    out = tmp_path / "episode"
    all_lines = SCRIPT.read_text().splitlines()
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(all_lines[:2]) + "\n")  # gate + the typing step
    rest = tmp_path / "rest.jsonl"
    rest.write_text("\n".join(all_lines[4:]) + "\n")  # save, done, accept
    common = ["--task", str(NOTE_TASK), "--desktop", desktop.url, "--out", str(out)]

    broken = CliRunner(env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}).invoke(
        app, ["run", *common, "--model", f"scripted:{first}"], catch_exceptions=False
    )
    assert broken.exit_code == 1
    assert json.loads((out / "result.json").read_text())["status"] == "error"
    assert [s["step_num"] for s in lines(out / "traj.jsonl")] == [1]

    resumed = CliRunner(env={"DESKPILOT_DESKTOP_TOKEN": desktop.token}).invoke(
        app, ["run", *common, "--model", f"scripted:{rest}", "--resume"], catch_exceptions=False
    )
    assert resumed.exit_code == 0, resumed.output
    assert [s["step_num"] for s in lines(out / "traj.jsonl")] == [1, 2, 3]
    # typed once: a redone step 1 would have typed the line twice
    assert (desktop.home / "Documents/note.txt").read_text().strip() == "Hello from deskpilot <3"
    desktop.client().close_window("note.txt")


def test_malformed_task_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "instruction": 42, "config": []}')
    result = run_cli("--task", str(bad))
    assert result.exit_code == 2
    assert "bad.json" in result.output and "instruction" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", "instruction": ')
    result = run_cli("--task", str(broken))
    assert result.exit_code == 2 and "malformed JSON" in result.output


def test_task_needing_unsupported_setup_is_refused_before_running(tmp_path):
    task = json.loads(NOTE_TASK.read_text())
    task["config"].insert(0, {"type": "googledrive", "parameters": {}})
    path = tmp_path / "drive.json"
    path.write_text(json.dumps(task))
    result = run_cli("--task", str(path))
    assert result.exit_code == 2
    assert "googledrive" in result.output


INFEASIBLE_TASK = ROOT / "benchmarks/tasks/local/examples/os/local-infeasible-bluetooth.json"


def test_repeated_click_on_a_real_desktop_is_vetoed(desktop_tools, tmp_path):
    """A planner stuck clicking one spot that does nothing: the loop breaker stops the repeat."""
    stuck = {
        "reasoning": "open the Bluetooth settings",
        "action": {
            "type": "click",
            "target": {"description": "the Bluetooth icon in the panel", "x": 40, "y": 700},
        },
    }
    give_up = {
        "reflection": {
            "progress": "nothing happens",
            "outcome": "no_change",
            "loop": True,
            "feasibility": "infeasible",
            "termination": "fail",
            "strategy": "switch",
        },
        "reasoning": "There is no Bluetooth on this machine.",
        "action": {"type": "fail", "reason": "no Bluetooth adapter"},
    }
    script = tmp_path / "stuck.jsonl"
    script.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {"role": "gate", "reply": {"criteria": [{"text": "Bluetooth shows as on and paired"}]}},
                {"role": "planner", "reply": stuck},
                {"role": "planner", "reply": stuck},
                {"role": "planner", "reply": stuck},
                {"role": "planner", "reply": give_up},
            ]
        )
        + "\n"
    )
    out = tmp_path / "episode"
    result = run_cli(
        "--task",
        str(INFEASIBLE_TASK),
        "--model",
        f"scripted:{script}",
        "--out",
        str(out),
        "--width",
        "1024",
        "--height",
        "768",
    )
    assert result.exit_code == 0, result.output  # infeasible task: FAIL is the right answer
    steps = lines(out / "traj.jsonl")
    # The server's change report sees that the first click did nothing (the pointer it
    # moved is not the application's doing): its repeat is vetoed, and so is the
    # re-proposal that ignores the veto.
    assert [s["node"] for s in steps] == ["act", "loop_breaker", "loop_breaker", "fail"]
    assert steps[0]["settle"]["change"]["pixels"] == 0
    assert steps[1]["loop_breaker"]["tier"] == 1
    assert steps[2]["loop_breaker"]["constraint"] == steps[1]["loop_breaker"]["constraint"]
    outcome = json.loads((out / "result.json").read_text())
    assert outcome["status"] == "fail" and outcome["score"] == 1.0 and outcome["wasted_steps"] == 2


def test_unknown_grounder_is_refused_before_a_desktop_starts():
    result = run_cli("--task", str(NOTE_TASK), "--grounder", "telepathy")
    assert result.exit_code == 2
    assert "unknown grounder 'telepathy'" in result.output
    no_url = run_cli("--task", str(NOTE_TASK), "--grounder", "jedi")
    assert no_url.exit_code == 2 and "needs a server URL" in no_url.output
