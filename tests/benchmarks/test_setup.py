"""SetupRunner: the desktop-only step types, placeholders, and refusing what it cannot run."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.osworld.setup import (
    PLACEHOLDERS,
    SUPPORTED_STEPS,
    SetupRunner,
    SetupStepError,
    UnsupportedSetupStep,
    substitute,
    unsupported_steps,
)
from benchmarks.osworld.tasks import Task
from envs.base import CommandOutput


def _runner(desktop, **kwargs):
    return SetupRunner(desktop, kwargs.pop("screen", (1920, 1080)), sleep=lambda s: None, **kwargs)


def test_every_placeholder_in_the_task_files_is_supported(osworld_data, waa_data):
    """Upper-case `{NAME}`s in setup steps are placeholders; lower-case ones are f-string code."""
    found = set()
    for path in [*osworld_data.glob("examples/*/*.json"), *waa_data.glob("examples/*/*.json")]:
        data = json.loads(path.read_text())
        steps = data.get("config", []) + data["evaluator"].get("postconfig", [])
        found |= set(re.findall(r"\{([A-Z][A-Z_]*)\}", json.dumps(steps)))
    assert found and found <= set(PLACEHOLDERS)


def test_placeholders_are_substituted_and_python_braces_left_alone():
    code = (
        "pyautogui.click({SCREEN_WIDTH_HALF}, {SCREEN_HEIGHT_HALF}); "
        "print(f'{e}'); w={SCREEN_WIDTH}; h={SCREEN_HEIGHT}"
    )
    command = ["python", "-c", code]
    out = substitute(command, (1024, 768))
    assert out[2] == "pyautogui.click(512, 384); print(f'{e}'); w=1024; h=768"
    assert substitute("echo {CLIENT_PASSWORD} | sudo -S true", (1, 1), "pw") == "echo pw | sudo -S true"
    assert substitute("{threshold} {SCREEN_WIDTH_HALF}", (1001, 9)) == "{threshold} 500"


def test_runner_substitutes_with_the_desktops_screen_size(recording_desktop):
    desktop = recording_desktop(size=(1280, 800))
    runner = SetupRunner(desktop, sleep=lambda s: None)
    runner.run(
        [
            {
                "type": "execute",
                "parameters": {
                    "command": ["python", "-c", "click({SCREEN_WIDTH_HALF}, {SCREEN_HEIGHT_HALF})"]
                },
            },
            {"type": "command", "parameters": {"command": "echo {CLIENT_PASSWORD}", "shell": "true"}},
        ]
    )
    executed = [args for name, args in desktop.calls if name == "execute"]
    assert executed == [(["python", "-c", "click(640, 400)"], False), ("echo password", True)]


def test_each_supported_step_reaches_the_desktop(recording_desktop):
    desktop = recording_desktop(windows=["note.txt - Mousepad"])
    slept = []
    runner = SetupRunner(desktop, (800, 600), sleep=slept.append)
    outcomes = runner.run(
        [
            {"type": "launch", "parameters": {"command": "mousepad /home/user/a.txt"}},
            {"type": "launch", "parameters": {"command": "sleep 1 && xterm", "shell": True}},
            {"type": "open", "parameters": {"path": "/home/user/a.txt"}},
            {"type": "sleep", "parameters": {"seconds": 0.5}},
            {"type": "activate_window", "parameters": {"window_name": "note.txt", "strict": False}},
            {"type": "close_window", "parameters": {"window_name": "x", "strict": True, "by_class": True}},
        ]
    )
    assert all(o.ok for o in outcomes), outcomes
    assert desktop.calls == [
        ("launch", (["mousepad", "/home/user/a.txt"], False)),  # split, as upstream does
        ("launch", ("sleep 1 && xterm", True)),
        ("open_file", "/home/user/a.txt"),
        ("activate_window", ("note.txt", False, False)),
        ("close_window", ("x", True, True)),
    ]
    assert slept == [0.5]


def test_failures_are_logged_and_setup_goes_on_unless_strict(recording_desktop):
    desktop = recording_desktop(on_execute=lambda cmd, shell: CommandOutput(2, "", "boom"))
    steps = [
        {"type": "activate_window", "parameters": {"window_name": "Nowhere"}},
        {"type": "execute", "parameters": {"command": ["false"]}},
        {"type": "sleep", "parameters": {"seconds": 0}},
    ]
    outcomes = _runner(desktop).run(steps)
    assert [o.ok for o in outcomes] == [False, False, True]
    assert "Nowhere" in outcomes[0].detail and "boom" in outcomes[1].detail
    with pytest.raises(SetupStepError, match="activate_window"):
        _runner(desktop, strict=True).run(steps)


def test_unsupported_step_is_named_with_the_task_before_anything_runs(recording_desktop):
    desktop = recording_desktop()
    task = Task.model_validate(
        {
            "id": "t-1",
            "instruction": "i",
            "evaluator": {"func": "infeasible"},
            "config": [
                {"type": "launch", "parameters": {"command": ["x"]}},
                {"type": "download", "parameters": {"files": []}},
            ],
        }
    )
    with pytest.raises(UnsupportedSetupStep) as info:
        _runner(desktop).setup_task(task)
    assert info.value.step_type == "download" and info.value.task_id == "t-1"
    assert "'download'" in str(info.value) and "t-1" in str(info.value)
    assert desktop.calls == []
    assert unsupported_steps(task) == ["download"]


def test_unsupported_steps_counts_postconfig_too():
    task = Task.model_validate(
        {
            "id": "t",
            "instruction": "i",
            "config": [{"type": "sleep"}],
            "evaluator": {
                "func": "exact_match",
                "postconfig": [
                    {"type": "chrome_open_tabs", "parameters": {}},
                    {"type": "download", "parameters": {}},
                    {"type": "download", "parameters": {}},
                ],
            },
        }
    )
    assert unsupported_steps(task) == ["chrome_open_tabs", "download"]
    assert "execute" in SUPPORTED_STEPS and "command" in SUPPORTED_STEPS


def test_bad_parameters_are_a_clear_error(recording_desktop):
    with pytest.raises(SetupStepError, match="unexpected parameters: comand; missing parameters: command"):
        _runner(recording_desktop()).run([{"type": "execute", "parameters": {"comand": "ls"}}], task_id="t")
    with pytest.raises(SetupStepError, match="window_name"):
        _runner(recording_desktop()).run([{"type": "activate_window", "parameters": {}}])


def test_execute_saves_stdout_in_the_cache_and_retries_until(recording_desktop, tmp_path):
    answers = iter([CommandOutput(1, "not yet", ""), CommandOutput(0, "ready now", "")])
    desktop = recording_desktop(on_execute=lambda cmd, shell: next(answers))
    outcomes = _runner(desktop, cache_dir=tmp_path).run(
        [
            {
                "type": "execute",
                "parameters": {
                    "command": "probe",
                    "shell": True,
                    "stdout": "probe.out",
                    "until": {"stdout": "ready"},
                },
            }
        ]
    )
    assert outcomes[0].ok
    assert (tmp_path / "probe.out").read_text() == "ready now"
    assert len([c for c in desktop.calls if c[0] == "execute"]) == 2
    with pytest.raises(SetupStepError, match="outside"):
        _runner(recording_desktop(), cache_dir=tmp_path).run(
            [{"type": "execute", "parameters": {"command": "x", "stdout": "../escape"}}]
        )


def test_every_supported_step_in_the_task_files_runs(recording_desktop, osworld_data, waa_data, tmp_path):
    """Replay each real task's desktop-only steps against a recording desktop: none is malformed."""
    from benchmarks.osworld.tasks import load_task

    ran = 0
    for path in [*osworld_data.glob("examples/*/*.json"), *waa_data.glob("examples/*/*.json")]:
        task = load_task(path)
        steps = [s for s in [*task.config, *task.evaluator.postconfig] if s.type in SUPPORTED_STEPS]
        outcomes = _runner(recording_desktop(), cache_dir=tmp_path).run(steps, task_id=task.id)
        ran += len(outcomes)
    assert ran > 1500
