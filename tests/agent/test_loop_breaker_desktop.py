"""The Loop Breaker on a real Xvfb desktop with the scripted model, through the whole graph.

Legitimate repetition (benchmarks/perf/loop_episodes.py: arrow keys down a mousepad
document, Tab through a Chromium form, arrows across LibreOffice Calc cells, scrolling a
long page, one letter per step, a checkbox then a button) runs with zero vetoes and
scores 1 on its task's evaluator; each real loop is vetoed within its allowance.
"""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks.perf import loop_episodes as le

pytestmark = pytest.mark.desktop

PROGRAMS = {"libreoffice_calc": "libreoffice", "chrome": "chromium", "mousepad": "mousepad"}


@pytest.fixture(scope="module")
def local_tasks():
    return le.tasks()


def _require(task) -> None:
    missing = sorted(
        {PROGRAMS[a] for a in task.related_apps or [] if a in PROGRAMS and shutil.which(PROGRAMS[a]) is None}
    )
    if missing:
        message = f"{task.id} needs {', '.join(missing)} (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


LEGIT = [e for e in le.EPISODES if e.kind == "legit"]
LOOPS = [e for e in le.EPISODES if e.kind == "loop"]


@pytest.mark.parametrize("episode", LEGIT, ids=[e.name for e in LEGIT])
def test_legitimate_repetition_runs_without_a_veto_and_scores_1(client, local_tasks, tmp_path, episode):
    task = local_tasks[episode.task_id]
    _require(task)
    outcome = le.run(client, task, episode, tmp_path / "episode")
    assert outcome.vetoes == [], outcome
    assert outcome.status == "done" and outcome.score == 1.0, outcome


@pytest.mark.parametrize("episode", LOOPS, ids=[e.name for e in LOOPS])
def test_a_real_loop_is_vetoed_within_the_allowance(client, local_tasks, tmp_path, episode):
    task = local_tasks[episode.task_id]
    _require(task)
    outcome = le.run(client, task, episode, tmp_path / "episode")
    assert outcome.vetoes, outcome
    assert 1 <= outcome.steps_to_veto <= episode.allowance, outcome
    assert outcome.status == "fail"
