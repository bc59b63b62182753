"""The one episode pipeline (agent/episode.py) on a real desktop: setup, graph, evaluator,
finished folder — and a budget that ends with the work done still scores 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.episode import EpisodeInputError, EpisodePipeline, open_desktop
from benchmarks.osworld.tasks import load_task

ROOT = Path(__file__).resolve().parents[2]
NOTE_TASK = ROOT / "benchmarks/tasks/local/examples/mousepad/local-mousepad-note.json"
GATE = {"role": "gate", "reply": {"criteria": [{"text": "the line is saved in note.txt"}]}}


def planner(action: dict) -> dict:
    return {
        "role": "planner",
        "reply": {"observation": "the editor is open", "reasoning": "next step", "action": action},
    }


@pytest.mark.desktop
def test_an_episode_that_runs_out_of_steps_with_the_work_done_scores_1(desktop_tools, tmp_path):
    script = tmp_path / "replies.jsonl"
    replies = [
        GATE,
        planner({"type": "type", "text": "Hello from deskpilot <3"}),
        planner({"type": "hotkey", "keys": ["ctrl", "s"]}),
        planner({"type": "wait", "seconds": 0.5}),
    ]  # never says done
    script.write_text("\n".join(json.dumps(r) for r in replies) + "\n")
    config = AgentConfig(model=f"scripted:{script}", max_steps=3)
    with open_desktop("local", None, (1280, 800)) as desktop:
        outcome = EpisodePipeline(config).run(
            desktop, tmp_path / "ep", task=load_task(NOTE_TASK), sandbox=True
        )
    assert outcome.result.status == "budget" and outcome.scored
    assert outcome.result.score == 1.0  # judged on the file, not a FAIL
    saved = json.loads((tmp_path / "ep" / "result.json").read_text())
    assert saved["status"] == "budget" and saved["score"] == 1.0
    assert (tmp_path / "ep" / "report.html").exists() and outcome.report is not None
    setup = json.loads((tmp_path / "ep" / "setup.json").read_text())  # each setup step's outcome
    assert [s["type"] for s in setup["steps"]] == ["execute", "launch", "execute", "activate_window"]
    assert all(s["ok"] for s in setup["steps"]) and "error" not in setup
    # The screen was waited on until still (mousepad drawn), not slept on for a fixed time.
    assert setup["settle"]["stable"] is True and setup["settle"]["seconds"] < config.setup_settle_s


def test_bad_settings_are_reported_before_any_desktop_starts(tmp_path):
    with pytest.raises(EpisodeInputError, match="grounder"):
        EpisodePipeline(AgentConfig(grounder="telepathy"))
    policy = tmp_path / "policy.toml"
    policy.write_text("[[rules]]\nclass = 'x'\npattern = '('\n")
    config = AgentConfig()
    config.approval.policy = policy
    with pytest.raises(EpisodeInputError):
        EpisodePipeline(config)
    with pytest.raises(EpisodeInputError, match="local' or a URL"):
        with open_desktop("ftp://nowhere", None, (10, 10)):
            pass
