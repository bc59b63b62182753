"""run_task: deskpilot's agent through MCP with the scripted model, on a real desktop."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest

from tests.agent.mcp.conftest import ROOT, http_client, http_server, stdio_client
from tests.agent.mcp.test_desktop_tools import png_of, text_of

NOTE_TASK = ROOT / "benchmarks/tasks/local/examples/mousepad/local-mousepad-note.json"
SCRIPT = ROOT / "agent/data/scripted/write_note.jsonl"


def server_args(desktop, runs: Path, script: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    return (
        ("--desktop", desktop.url, "--model", f"scripted:{script}", "--runs", str(runs)),
        {"DESKPILOT_DESKTOP_TOKEN": desktop.token},
    )


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_run_task_solves_the_example_and_reports_progress(desktop, tmp_path, transport):
    runs = tmp_path / "runs"
    args, env = server_args(desktop, runs, SCRIPT)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def scenario(connect):
        async with connect as client:
            out = await client.call_tool("run_task", {"task": str(NOTE_TASK)}, progress_callback=on_progress)
            assert not out.is_error, text_of(out)
            summary = json.loads(text_of(out))
            png_of(out)  # the final screenshot comes back
            resources = await client.list_resources()
            uris = {str(r.uri) for r in resources.resources}
            assert summary["report"] in uris
            report = await client.read_resource(summary["report"])
            assert "Hello from deskpilot &lt;3" in report.contents[0].text
            return summary

    try:
        if transport == "stdio":
            summary = anyio.run(scenario, stdio_client(*args, env=env))
        else:
            with http_server(*args, env=env) as server:
                summary = anyio.run(scenario, http_client(server))
    finally:
        desktop.client().close_window("note.txt")
    assert summary["status"] == "done" and summary["score"] == 1.0
    folder = Path(summary["folder"])
    assert folder.parent == runs.resolve() and (folder / "report.html").exists()
    assert json.loads((folder / "result.json").read_text())["score"] == 1.0
    messages = [m for _, _, m in progress]
    assert [v for v, _, _ in progress] == [1, 2, 3, 4]  # one per step
    assert "type" in messages[0] and "Hello from deskpilot <3" in messages[0]
    assert "verifier rejected" in messages[1] and "verifier accepted" in messages[3]
    assert (desktop.home / "Documents/note.txt").read_text().strip() == "Hello from deskpilot <3"


def slow_script(tmp_path: Path) -> Path:
    """Gate, then waits of 3 s each: the episode is cancelled during one of them."""
    wait = {
        "role": "planner",
        "reply": {"reasoning": "wait for the app", "action": {"type": "wait", "seconds": 3}},
    }
    lines = [{"role": "gate", "reply": {"criteria": [{"text": "the app has loaded"}], "feasible": True}}]
    lines += [wait] * 10
    path = tmp_path / "slow.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def test_cancelling_run_task_stops_the_episode_and_keeps_its_folder_whole(desktop, tmp_path):
    runs = tmp_path / "runs"
    args, env = server_args(desktop, runs, slow_script(tmp_path))
    first_step = anyio.Event()

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        first_step.set()

    async def scenario():
        async with stdio_client(*args, env=env) as client:
            async with anyio.create_task_group() as group:

                async def call() -> None:
                    await client.call_tool(
                        "run_task", {"instruction": "wait for the app to load"}, progress_callback=on_progress
                    )
                    raise AssertionError("run_task finished instead of being cancelled")

                group.start_soon(call)
                with anyio.fail_after(120):
                    await first_step.wait()
                group.cancel_scope.cancel()
            # The server is still up and answers after the cancel.
            assert not (await client.call_tool("screenshot", {})).is_error
            deadline = time.monotonic() + 60
            # report.html is the folder's last file (after result.json): leaving before it is
            # written would stop the server mid-write.
            while not list(runs.glob("*/report.html")) and time.monotonic() < deadline:
                await anyio.sleep(0.2)

    anyio.run(scenario)
    (folder,) = [p for p in runs.iterdir() if p.is_dir()]
    result = json.loads((folder / "result.json").read_text())
    assert result["status"] == "interrupted" and "cancelled by the MCP client" in result["reason"]
    steps = [json.loads(line) for line in (folder / "traj.jsonl").read_text().splitlines()]
    assert 1 <= len(steps) < 10
    assert all((folder / s["screenshot_file"]).exists() for s in steps if s.get("screenshot_file"))
    assert (folder / "report.html").exists() and (folder / "task.json").exists()


def test_run_task_without_an_instruction_or_with_a_bad_task_file_is_a_clear_error(desktop, tmp_path):
    args, env = server_args(desktop, tmp_path / "runs", SCRIPT)
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "instruction": 42}')

    async def scenario():
        async with stdio_client(*args, env=env) as client:
            empty = await client.call_tool("run_task", {"instruction": "  "})
            assert empty.is_error and "give an instruction" in text_of(empty)
            broken = await client.call_tool("run_task", {"task": str(bad)})
            assert broken.is_error and "bad.json" in text_of(broken)
            assert "Traceback" not in text_of(broken)
            steps = await client.call_tool("run_task", {"instruction": "x", "max_steps": 0})
            assert steps.is_error and "max_steps" in text_of(steps)

    anyio.run(scenario)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_a_risky_step_in_run_task_asks_the_person_where_the_connection_can(desktop, window, tmp_path, mode):
    """legacy: elicitation/create mid-call reaches the person, who approves; 2026-07-28 (auto)
    has no back-channel mid-call, so the agent is refused the click and plans around it."""
    from tests.agent.mcp.test_approval import answering

    bx, by = window.state()["button"]
    click = {"type": "click", "target": {"description": "the Send report button", "x": bx, "y": by}}
    lines = [
        {"role": "gate", "reply": {"criteria": [{"text": "the report is sent"}], "feasible": True}},
        {"role": "planner", "reply": {"reasoning": "send it", "action": click}},
        {"role": "planner", "reply": {"reasoning": "finished", "action": {"type": "done", "summary": "ok"}}},
        {"role": "verifier", "reply": {"complete": True, "reason": "ok", "missing_steps": []}},
    ]
    script = tmp_path / "send.jsonl"
    script.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    args, env = server_args(desktop, tmp_path / "runs", script)
    asked: list[str] = []

    async def scenario():
        async with stdio_client(
            *args, env=env, mode=mode, elicitation_callback=answering(True, asked)
        ) as client:
            out = await client.call_tool("run_task", {"instruction": "send the report"})
            assert not out.is_error, text_of(out)
            return json.loads(text_of(out))

    summary = anyio.run(scenario)
    steps = [json.loads(line) for line in (Path(summary["folder"]) / "traj.jsonl").read_text().splitlines()]
    if mode == "legacy":
        assert len(asked) == 1 and "send_message" in asked[0]
        assert window.wait(lambda s: s["clicks"] == 1, "the approved click")["clicks"] == 1
        assert steps[0]["node"] == "act"
    else:
        assert asked == [] and window.state()["clicks"] == 0
        assert steps[0]["node"] == "approve" and steps[0]["approval"]["decision"] == "denied"


def test_a_model_that_cannot_be_built_is_a_clear_error_and_the_desktop_tools_still_work(desktop, tmp_path):
    args, env = server_args(desktop, tmp_path / "runs", tmp_path / "no-such-script.jsonl")

    async def scenario():
        async with stdio_client(*args, env=env) as client:
            out = await client.call_tool("run_task", {"instruction": "anything"})
            assert out.is_error and "no-such-script.jsonl" in text_of(out), text_of(out)
            assert not (await client.call_tool("screenshot", {})).is_error
            again = await client.call_tool("run_task", {"instruction": "anything"})
            assert "is running" not in text_of(again)  # the failed start left it free

    anyio.run(scenario)
