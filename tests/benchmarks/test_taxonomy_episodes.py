"""The failure taxonomy on real episodes: local tasks on a real desktop, played by the
fault-injecting policy with faults chosen so that each episode fails one known way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig, LoopSettings
from benchmarks.osworld.oracle_policy import local_tasks, write_plans
from tests.conftest import require_desktop

pytestmark = [pytest.mark.desktop, pytest.mark.timeout(900)]  # five episodes in one fixture

TASKS = {t.id: (d, t) for d, ts in local_tasks().items() for t in ts}

# name: (task, policy settings, Loop Breaker on, step budget, expected label)
EPISODES = {
    "clean": ("local-terminal-mkdir", "verifier_fr=0", True, 20, "success"),
    # says done after the first step; nobody checks it
    "early-done": ("local-mousepad-append", "early_done=1&verifier=off", True, 20, "false_completion"),
    # a typo it never fixes; the verifier rejects, a listening model has nothing left and gives up
    "typo": ("local-terminal-mkdir", "typo=1&verifier_tr=1&listen_reject=1", True, 20, "gave_up"),
    # a budget of one step: the command is typed, never entered (a budget that runs out
    # after the work is done is a success: the evaluator decides)
    "budget": ("local-terminal-mkdir", "", False, 1, "budget"),
    # repeats Ctrl+Home (nothing changes) and does not listen to the vetoes
    "loop": ("local-mousepad-edit-line", "stuck=1&stuck_len=4&listen_veto=0", True, 12, "loop"),
}


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    require_desktop()
    from benchmarks.osworld.runner import run_split

    root = tmp_path_factory.mktemp("taxonomy-episodes")
    plans = write_plans([t for _, t in TASKS.values()], root / "plans.json")
    folders: dict[str, Path] = {}
    for name, (task_id, policy, lb_on, steps, _label) in EPISODES.items():
        domain, task = TASKS[task_id]
        config = AgentConfig(
            model=f"faulty:{plans}?seed=1&{policy}", max_steps=steps, loop=LoopSettings(enabled=lb_on)
        )
        run_split(
            {domain: [task]},
            config=config,
            out=root / name,
            desktops=1,
            task_timeout_s=300,
            size=(1280, 800),
            progress=False,
        )
        folders[name] = root / name / domain / task_id
    return folders


@pytest.mark.parametrize("name", list(EPISODES))
def test_real_episode_gets_its_label(episodes, name):
    tax = json.loads((episodes[name] / "taxonomy.json").read_text())
    assert tax["label"] == EPISODES[name][4], tax


def test_evidence_points_at_real_steps(episodes):
    loop = json.loads((episodes["loop"] / "taxonomy.json").read_text())
    traj = [json.loads(line) for line in (episodes["loop"] / "traj.jsonl").read_text().splitlines()]
    vetoed = [r["step_num"] for r in traj if r.get("loop_breaker")]
    assert loop["evidence"]["veto"] == vetoed and len(vetoed) >= 2
    budget = json.loads((episodes["budget"] / "taxonomy.json").read_text())
    assert budget["detail"] == "steps"
    summary = json.loads((episodes["budget"].parents[1] / "summary.json").read_text())
    assert summary["tasks"][0]["label"] == "budget"
