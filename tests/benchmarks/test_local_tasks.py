"""Our local tasks on a real desktop: set up, score 0 untouched, solve with the oracle, score 1.

Every task in the split runs on the one shared session desktop. Each task's own setup
resets the files it touches; between tasks the test closes every window it opened and
waits until they are gone, so the next task's editor or terminal starts fresh.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from benchmarks.osworld.evaluate import evaluate, unsupported_evaluator
from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.setup import SetupRunner, unsupported_steps
from benchmarks.osworld.tasks import load_split
from tests.benchmarks.conftest import LOCAL_TASKS
from tests.benchmarks.programs import program_pids, wait_gone

pytestmark = pytest.mark.desktop

SPLIT = json.loads((LOCAL_TASKS / "test_all.json").read_text(encoding="utf-8"))
TASK_IDS = [task_id for ids in SPLIT.values() for task_id in ids]


@pytest.fixture(scope="module")
def local(local_tasks):
    tasks = load_split(local_tasks / "test_all.json", local_tasks / "examples")
    return {t.id: t for items in tasks.values() for t in items}


def test_the_split_lists_every_local_task_once(local_tasks):
    on_disk = sorted(p.stem for p in (local_tasks / "examples").glob("*/*.json"))
    assert sorted(TASK_IDS) == on_disk
    assert len(TASK_IDS) >= 20


def _window_ids(client) -> list[str]:
    out = client.execute("wmctrl -l", shell=True).output
    return [line.split()[0] for line in out.splitlines() if line.strip()]


# Programs that must have exited before the next task starts its own: LibreOffice (and
# mousepad) hand a new launch to an instance still running, which may be exiting.
PROGRAMS_WAITED = ("soffice.bin", "mousepad", "chromium")


def _close_windows(client, before: set[str], programs_before: set[str], timeout: float = 5.0) -> None:
    """Close the windows that appeared since `before` and wait out the programs started
    since `programs_before`; kill what lingers."""
    opened = [w for w in _window_ids(client) if w not in before]
    for window in opened:
        client.execute(["wmctrl", "-i", "-c", window])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [w for w in _window_ids(client) if w not in before]
        if not left:
            _wait_programs_out(client, programs_before)
            return
        time.sleep(0.1)
    # A window that stays (an unsaved-changes prompt after a failed run): end its program.
    out = client.execute("wmctrl -lp", shell=True).output
    pids = {
        line.split()[2]
        for line in out.splitlines()
        if line.split() and line.split()[0] in left and line.split()[2] != "0"
    }
    for pid in pids:
        client.execute(["kill", pid])
    _wait_programs_out(client, programs_before)


def _wait_programs_out(client, programs_before: set[str]) -> None:
    started = program_pids(client, PROGRAMS_WAITED) - programs_before
    wait_gone(client, PROGRAMS_WAITED, started, kill=True)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_local_task_scores_zero_untouched_and_one_after_its_oracle(local, client, until, tmp_path, task_id):
    task = local[task_id]
    _require_apps(task)
    assert unsupported_steps(task) == [] and unsupported_evaluator(task) == []

    before, programs = set(_window_ids(client)), program_pids(client, PROGRAMS_WAITED)
    try:
        outcomes = SetupRunner(client).setup_task(task)
        assert all(o.ok for o in outcomes), outcomes
        untouched = evaluate(task, client, last_action=None, cache_dir=tmp_path / "untouched")
        assert untouched.score == 0.0 and untouched.error is None, untouched

        actions, last = oracle_plan(task)
        if actions:
            client.act(actions)

        def solved():
            result = evaluate(task, client, last_action=last, cache_dir=tmp_path / "solved")
            return result if result.score == 1.0 else None

        result = until(solved, timeout=30, what=f"{task_id} to score 1 after its oracle")
        assert result.error is None
    finally:
        _close_windows(client, before, programs)


# The programs a task's related_apps need beyond the desktop tools (tests/conftest.py).
APP_PROGRAMS = {"libreoffice_calc": "libreoffice", "libreoffice_writer": "libreoffice", "chrome": "chromium"}


def _require_apps(task) -> None:
    """Skip a task whose application is not installed here; in CI that is a failure."""
    missing = sorted(
        {
            APP_PROGRAMS[a]
            for a in task.related_apps or []
            if a in APP_PROGRAMS and shutil.which(APP_PROGRAMS[a]) is None
        }
    )
    if missing:
        message = f"{task.id} needs {', '.join(missing)} (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
