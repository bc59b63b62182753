"""Every oracle solution we have, played through the real graph as the planner's replies
(the fault-free policy, agent/models/faulty.py), runs with zero Loop Breaker vetoes and
scores 1 on its own evaluator (issue 18's sweep). The local tasks run on default desktops;
the solved real OSWorld tasks (benchmarks/tasks/osworld_solutions/) on `osworld` desktops.

A clean solution that the Loop Breaker vetoes is a false veto: the ones today's Loop
Breaker once got wrong now run with none (see SLOW_STARTS for the two timing-dependent ones).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.config import AgentConfig
from benchmarks.osworld.oracle_policy import (
    local_tasks,
    solved_osworld_tasks,
    write_plans,
)
from benchmarks.osworld.task_data import osworld_data
from tests.conftest import require_desktop

pytestmark = pytest.mark.desktop

LOCAL = {t.id: (d, t) for d, ts in local_tasks().items() for t in ts}
EXAMPLES = osworld_data() / "examples"
OSWORLD = (
    {t.id: (d, t) for d, ts in solved_osworld_tasks(EXAMPLES).items() for t in ts}
    if EXAMPLES.is_dir()
    else {}
)
# The verifier is the simulated one with no false rejections: a clean solution is accepted.
POLICY = "verifier_tr=1&verifier_fr=0"
# Clean solutions the Loop Breaker once vetoed (a second Down that moved the caret one line,
# a sixth Tab in a dialog, LibreOffice's second short wait) now run with none; these two
# OSWorld ones depend on how fast Chrome and the terminal come up on a loaded machine.
SLOW_STARTS = {
    "030eeff7-b492-4218-b312-701ec99ee0cc",  # Chrome quit, then Ctrl+Alt+T
    "9656a811-9b5b-4ddf-99c7-5117bcef0626",
}  # Chrome still starting after setup


def _param(task_id: str, domain: str):
    marks = (
        [pytest.mark.xfail(strict=False, reason="an app slow to start on a loaded machine")]
        if task_id in SLOW_STARTS
        else []
    )
    return pytest.param(task_id, id=f"{domain}-{task_id[:24]}", marks=marks)


def play(task_id: str, tasks, root: Path, profile: str | None) -> Path:
    """The task's solution through the graph on a fresh desktop; its episode folder."""
    from benchmarks.osworld.runner import run_split

    domain, task = tasks[task_id]
    plans = root / "plans.json"
    if not plans.is_file():
        write_plans([t for _, t in tasks.values()], plans)
    config = AgentConfig(model=f"faulty:{plans}?{POLICY}", max_steps=100)
    # OSWorld's VM screen is 1920x1080 (a task sizes a terminal to 43 rows, which 800 px cannot hold)
    size = (1920, 1080) if profile == "osworld" else (1280, 800)
    run_split(
        {domain: [task]},
        config=config,
        out=root / "run",
        desktops=1,
        task_timeout_s=240,
        size=size,
        progress=False,
        profile=profile,
    )
    return root / "run" / domain / task_id


@pytest.fixture(scope="module")
def local_root(tmp_path_factory):
    require_desktop()
    return tmp_path_factory.mktemp("sweep-local")


@pytest.fixture(scope="module")
def osworld_root(tmp_path_factory):
    require_desktop()
    from tests.benchmarks.test_osworld_real_tasks import _require_profile_tools

    _require_profile_tools()
    return tmp_path_factory.mktemp("sweep-osworld")


def vetoes_and_score(folder: Path) -> tuple[list[int], float | None]:
    traj = [json.loads(line) for line in (folder / "traj.jsonl").read_text().splitlines() if line.strip()]
    vetoed = [r["step_num"] for r in traj if r.get("loop_breaker")]
    score = float((folder / "result.txt").read_text()) if (folder / "result.txt").is_file() else None
    return vetoed, score


APP_PROGRAMS = {"libreoffice_calc": "libreoffice", "libreoffice_writer": "libreoffice", "chrome": "chromium"}


@pytest.mark.parametrize("task_id", [_param(i, d) for i, (d, _t) in LOCAL.items()])
def test_local_solution_runs_with_zero_vetoes(local_root, task_id):
    _domain, task = LOCAL[task_id]
    if any(shutil.which(APP_PROGRAMS[a]) is None for a in task.related_apps or [] if a in APP_PROGRAMS):
        pytest.skip(f"{task_id}: its application is not installed here")
    folder = play(task_id, LOCAL, local_root, None)
    vetoed, score = vetoes_and_score(folder)
    assert vetoed == [], f"{task_id}: vetoed at steps {vetoed}"
    assert score == 1.0, f"{task_id}: scored {score} ({(folder / 'taxonomy.json').read_text()})"


@pytest.mark.skipif(not OSWORLD, reason=f"OSWorld task files not found under {EXAMPLES}")
@pytest.mark.parametrize("task_id", [_param(i, d) for i, (d, _t) in OSWORLD.items()])
def test_osworld_solution_runs_with_zero_vetoes(osworld_root, task_id):
    folder = play(task_id, OSWORLD, osworld_root, "osworld")
    vetoed, score = vetoes_and_score(folder)
    assert vetoed == [], f"{task_id}: vetoed at steps {vetoed}"
    assert score == 1.0, f"{task_id}: scored {score} ({(folder / 'taxonomy.json').read_text()})"
