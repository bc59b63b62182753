"""Our local tasks on a real desktop: set up, score 0 untouched, solve with the oracle, score 1."""

from __future__ import annotations

import pytest

from benchmarks.osworld.evaluate import evaluate, unsupported_evaluator
from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.setup import SetupRunner, unsupported_steps
from benchmarks.osworld.tasks import load_split

pytestmark = pytest.mark.desktop

TASK_IDS = ["local-mousepad-note", "local-terminal-mkdir", "local-infeasible-bluetooth"]
# Windows each task's setup opens, closed afterwards so the shared desktop stays tidy.
WINDOWS = {"local-mousepad-note": "note.txt", "local-terminal-mkdir": "deskpilot-terminal"}


@pytest.fixture(scope="module")
def local(local_tasks):
    tasks = load_split(local_tasks / "test_all.json", local_tasks / "examples")
    return {t.id: t for items in tasks.values() for t in items}


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_local_task_scores_zero_untouched_and_one_after_its_oracle(local, client, until, tmp_path, task_id):
    task = local[task_id]
    assert unsupported_steps(task) == [] and unsupported_evaluator(task) == []

    outcomes = SetupRunner(client).setup_task(task)
    assert all(o.ok for o in outcomes), outcomes
    try:
        untouched = evaluate(task, client, last_action=None, cache_dir=tmp_path / "untouched")
        assert untouched.score == 0.0 and untouched.error is None, untouched

        actions, last = oracle_plan(task)
        if actions:
            client.act(actions)

        def solved():
            result = evaluate(task, client, last_action=last, cache_dir=tmp_path / "solved")
            return result if result.score == 1.0 else None

        result = until(solved, timeout=10, what=f"{task_id} to score 1 after its oracle")
        assert result.error is None
    finally:
        if task_id in WINDOWS:
            client.close_window(WINDOWS[task_id])
