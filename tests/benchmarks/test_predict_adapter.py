"""OSWorld's predict(instruction, obs) -> (response, actions) over our graph, with the
scripted model: observations in, pyautogui code (compiled by us) or DONE/FAIL out."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw

from agent.actions import parse_action, to_pyautogui
from agent.config import AgentConfig
from benchmarks.osworld.predict_adapter import DeskpilotAgent, png_size

CLICK = {"type": "click", "target": {"description": "the OK button", "x": 100, "y": 200}}
TYPE = {"type": "type", "text": 'it\'s <3 "quoted"\nline two', "enter": True}
SAVE = {"type": "hotkey", "keys": ["ctrl", "s"]}


def screen(n: int) -> bytes:
    """A 640x480 screen that differs clearly for each n."""
    image = Image.new("RGB", (640, 480), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for i in range(n + 1):
        draw.rectangle([20 + 90 * i, 40, 90 + 90 * i, 400], fill=(30 * i % 255, 80, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def obs(n: int, tree: str | None = None) -> dict:
    return {"screenshot": screen(n), "accessibility_tree": tree, "terminal": None, "instruction": "x"}


def agent_with(tmp_path, replies: list[dict], **config) -> DeskpilotAgent:
    tmp_path.mkdir(parents=True, exist_ok=True)
    script = tmp_path / "replies.jsonl"
    script.write_text("\n".join(json.dumps(r) for r in replies) + "\n")
    settings = AgentConfig(model=f"scripted:{script}", **config)
    return DeskpilotAgent(settings, folder=tmp_path / "episodes", step_timeout_s=60)


def planner(action: dict, reasoning: str = "next step") -> dict:
    return {"role": "planner", "reply": {"reasoning": reasoning, "action": action}}


GATE = {"role": "gate", "reply": {"criteria": [{"text": "the note is saved"}], "feasible": True}}


def test_observations_in_compiled_code_out_with_loop_breaker_and_verifier(tmp_path):
    agent = agent_with(
        tmp_path,
        [
            GATE,
            planner(CLICK, "press OK"),
            planner(CLICK, "press OK again"),  # no-op repeated: the loop breaker vetoes it
            planner(TYPE, "type the note"),
            planner({"type": "done"}, "looks done"),
            {
                "role": "verifier",
                "reply": {"complete": False, "reason": "not saved", "missing_steps": ["save"]},
            },
            planner(SAVE, "save it"),
            planner({"type": "done"}, "saved"),
            {"role": "verifier", "reply": {"complete": True, "reason": "the title shows it is saved"}},
        ],
    )
    agent.reset()
    response, actions = agent.predict("write a note", obs(0))
    assert actions == [to_pyautogui(parse_action(CLICK))] and "pyautogui.click" in actions[0]
    assert json.loads(response)["reasoning"] == "press OK"
    # The click changed nothing (same screen back): the repeat is vetoed inside predict, and
    # what reaches OSWorld is the planner's next idea.
    response, actions = agent.predict("write a note", obs(0))
    assert actions == [to_pyautogui(parse_action(TYPE))]
    # "done" is cross-examined first: rejected, so OSWorld gets the fix, not DONE.
    _, actions = agent.predict("write a note", obs(1))
    assert actions == [to_pyautogui(parse_action(SAVE))]
    response, actions = agent.predict("write a note", obs(2))
    assert actions == ["DONE"] and "saved" in response
    # Our own episode folder records it all, the veto and the rejection included.
    steps = [json.loads(line) for line in (agent.episode_folder / "traj.jsonl").read_text().splitlines()]
    nodes = [s["node"] for s in steps]
    assert nodes.count("act") == 3 and "loop_breaker" in nodes and nodes.count("verify") == 2
    assert agent.predict("write a note", obs(2))[1] == ["DONE"]  # over: it stays over


def test_fail_is_the_planners_word_and_a_spent_budget_is_judged_as_done(tmp_path):
    agent = agent_with(tmp_path, [GATE, planner({"type": "fail", "reason": "no printer here"})])
    agent.reset()
    response, actions = agent.predict("print it", obs(0))
    assert actions == ["FAIL"] and "no printer here" in response
    # One step allowed: the click runs, then the budget ends the episode; OSWorld's
    # evaluator judges the screen (a FAIL would score a feasible task 0 even when done).
    tight = agent_with(tmp_path / "b", [GATE, planner(CLICK)], max_steps=1)
    tight.reset()
    assert tight.predict("do it", obs(0))[1] == [to_pyautogui(parse_action(CLICK))]
    response, actions = tight.predict("do it", obs(1))
    assert actions == ["DONE"] and "budget" in response


def test_reset_ends_an_episode_and_the_next_task_starts_fresh(tmp_path):
    agent = agent_with(tmp_path, [GATE, planner(CLICK)])
    agent.reset()
    assert agent.predict("first", obs(0))[1] == [to_pyautogui(parse_action(CLICK))]
    first = agent.episode_folder
    agent.reset()  # OSWorld moved on (max steps) while our episode waited for an observation
    assert agent._thread is None
    ended = json.loads((first / "result.json").read_text())
    assert ended["status"] == "error" and "ended the episode" in ended["reason"]
    # A new task: a new episode (the scripted model replays its script from the start).
    assert agent.predict("second", obs(3))[1] == [to_pyautogui(parse_action(CLICK))]
    assert agent.episode_folder != first


def test_what_needs_the_desktop_itself_is_refused_and_bad_obs_are_named(tmp_path):
    from benchmarks.osworld.predict_adapter import ObservationDesktop
    from envs.base import DesktopError

    desktop = ObservationDesktop(obs(0, tree="<desktop-frame name='x'/>"), step_timeout_s=1)
    assert desktop.screen_size() == (640, 480) == png_size(screen(1))
    assert desktop.accessibility_tree().startswith("<desktop-frame")
    with pytest.raises(DesktopError, match="OSWorld's runner"):
        desktop.run_python("print(1)")
    agent = DeskpilotAgent(AgentConfig())
    with pytest.raises(ValueError, match="screenshot"):
        agent.predict("x", {"screenshot": "not bytes"})
    with pytest.raises(ValueError, match="PNG"):
        agent.predict("x", {"screenshot": b"GIF89a..."})


NS = (
    'xmlns:st="https://accessibility.ubuntu.example.org/ns/state" '
    'xmlns:cp="https://accessibility.ubuntu.example.org/ns/component"'
)
TREE = (
    f'<desktop-frame {NS}><application name="app"><frame name="Dialog" st:visible="true" '
    'st:showing="true" st:active="true" cp:screencoord="(0, 0)" cp:size="(640, 480)">'
    '<push-button name="OK" st:visible="true" st:showing="true" st:focusable="true" '
    'cp:screencoord="(300, 400)" cp:size="(80, 30)"></push-button></frame></application></desktop-frame>'
)


def test_targets_are_grounded_from_the_observations_tree(tmp_path):
    """With the a11y grounder, "the OK button" becomes pixels from obs['accessibility_tree'];
    without a tree (screenshot-only observations) the planner hears it was not found."""
    ok = {"type": "click", "target": "OK button"}
    agent = agent_with(tmp_path, [GATE, planner(ok), planner(ok), planner({"type": "fail"})], grounder="a11y")
    agent.reset()
    _, actions = agent.predict("press OK", obs(0, tree=TREE))
    assert actions == ["pyautogui.click(340, 415, clicks=1, button='left')"]
    agent.reset()
    _, actions = agent.predict("press OK", obs(0))  # no tree: not found, then the planner gives up
    assert actions == ["FAIL"]
    steps = [json.loads(line) for line in (agent.episode_folder / "traj.jsonl").read_text().splitlines()]
    assert steps[0]["node"] == "ground" and "not found" in steps[0]["error"]
