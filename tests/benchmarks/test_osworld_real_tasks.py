"""Real OSWorld task files, unmodified, on `osworld` profile desktops.

For each sampled task (benchmarks/data/osworld, no download, Drive, login or live web):
its own setup runs without error, OSWorld's own evaluator config scores 0 on the
untouched desktop, and after our solution (benchmarks/tasks/osworld_solutions: desktop
actions, mostly commands typed into a Ctrl+Alt+T terminal; Chrome is quit from its window
before its profile is edited) it scores 1. Infeasible tasks' solution is FAIL.

The tasks share one desktop, in order: each touches state no other sampled task reads
(its own GNOME key, sink volume, folder or Chrome preference), and between tasks the
windows a task opened are closed and its apps waited out, so the next setup starts them
fresh. Two more desktops run two tasks at the same time to show they do not interfere.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from benchmarks.osworld.evaluate import evaluate, unsupported_evaluator
from benchmarks.osworld.oracle import oracle_plan
from benchmarks.osworld.setup import SetupRunner, unsupported_steps
from benchmarks.osworld.task_data import osworld_data
from benchmarks.osworld.tasks import Task, load_task
from envs.actions import DesktopAction, FocusWindow
from tests.benchmarks.conftest import REPO
from tests.benchmarks.programs import program_pids, wait_gone
from tests.conftest import require_desktop

pytestmark = pytest.mark.desktop

SOLUTIONS = REPO / "benchmarks" / "tasks" / "osworld_solutions"
EXAMPLES = osworld_data() / "examples"
PROFILE_TOOLS = ("gnome-terminal", "pulseaudio", "pactl", "gsettings", "dconf", "jq", "bc", "vlc", "gimp")
APP_PROCESSES = ("chrome", "vlc", "gimp", "gimp-2.10", "soffice.bin")  # waited out between tasks

# Setup steps that fail on the OSWorld VM as well, by design: (step index, text in the error).
EXPECTED_SETUP_FAILURES = {
    "a462a795-fdc7-4b23-b689-e8b6df786b78": (0, "charles does not exist"),  # `su - charles`
}

SOLVED = sorted(p.stem for p in SOLUTIONS.glob("*/*.json"))
# Sampled for "setup runs and the untouched desktop scores 0" only: no solution here.
UNTOUCHED_ONLY = {
    "94d95f96-9699-4208-98ba-3c3119edf9c2": "installing Spotify needs the network",
    "48d05431-6cd5-4e76-82eb-12b60d823f7d": "installing conda needs the network",
    "e1fc0df3-c8b9-4ee7-864c-d0b590d3aa56": "the LanguageTool extension is a download",
    "f8369178-fafe-40c2-adc4-b9b08a125456": "the Orchis theme comes from gnome-look.org",
}
# Tasks that score 1 on an untouched desktop here, and why (strict xfail: fixed, it fails).
DRIFT = {
    "99146c54-4f37-4ab8-9327-5f3291665e1e": "version drift: today's Chromium writes profile.default_content_setting_values in a fresh "
    "profile, which upstream's data_delete_automacally getter reads as 'delete on close is on'",
}


def _domain_of(task_id: str) -> str:
    found = sorted(EXAMPLES.glob(f"*/{task_id}.json"))
    return found[0].parent.name if found else "?"


def _param(task_id: str):
    marks = [pytest.mark.xfail(reason=DRIFT[task_id], strict=True)] if task_id in DRIFT else []
    return pytest.param(task_id, id=f"{_domain_of(task_id)}-{task_id[:8]}", marks=marks)


def load_solved(task_id: str) -> Task:
    """The OSWorld task file with our solution's oracle added (the file itself is untouched)."""
    solution = json.loads(next(SOLUTIONS.glob(f"*/{task_id}.json")).read_text(encoding="utf-8"))
    task_file = EXAMPLES / solution["domain"] / f"{task_id}.json"
    data = json.loads(task_file.read_text(encoding="utf-8"))
    return Task.model_validate({**data, "oracle": solution["oracle"]})


def _require_profile_tools() -> None:
    from envs.profiles.osworld import chromium_binary

    if not (EXAMPLES.parent / "test_all.json").is_file():
        pytest.fail(f"OSWorld task files not found under {EXAMPLES.parent}")
    missing = [t for t in PROFILE_TOOLS if shutil.which(t) is None]
    if chromium_binary() is None:
        missing.append("chromium")
    if missing:  # as require_desktop: a failure in CI, a skip elsewhere
        message = f"osworld profile tools missing: {', '.join(missing)} (run scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def osworld_desktop():
    require_desktop()
    _require_profile_tools()
    from envs.local import LocalDesktop

    with LocalDesktop(profile="osworld", start_timeout=60) as desktop:
        yield desktop


@pytest.fixture
def osworld_client(osworld_desktop):
    with osworld_desktop.client(timeout=120) as client:
        yield client


# --------------------------------------------------------------------- helpers


def _window_classes(client) -> dict[str, str]:
    """Window id -> WM_CLASS, from `wmctrl -lx`."""
    out = client.execute("wmctrl -lx", shell=True).output
    return {f[0]: f[2] for line in out.splitlines() if len(f := line.split()) > 2}


def _windows(client) -> set[tuple[str, str]]:
    """(id, WM_CLASS) of every window: X reuses the ids of a client that quit, so a terminal
    opened after VLC quit can get the id VLC's window had; the class tells them apart."""
    return set(_window_classes(client).items())


def _app_pids(client) -> set[str]:
    return program_pids(client, APP_PROCESSES)


def _process_of(window_class: str) -> str:
    """The process name behind a WM_CLASS ("gimp-2.10.Gimp-2.10" -> "gimp-2.10")."""
    instance = window_class.split(".")[0]
    return "soffice.bin" if instance.startswith("libreoffice") else instance


def wait_until_windows_settle(client, quiet: float = 2.0, timeout: float = 30.0) -> None:
    """What OSWorld's fixed 60 s after a reset is for, bounded and adaptive: wait until the
    windows and their titles have not changed for `quiet` seconds (a launched app is up and
    has loaded its page), at most `timeout`."""
    last, since = None, time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline:
        now = client.execute("wmctrl -l", shell=True).output
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def _focus(client, action: FocusWindow) -> bool:
    try:
        client.act([action])
        return True
    except Exception:  # noqa: BLE001 - not there yet: the caller polls
        return False


def run_solution(client, actions: list[DesktopAction], until) -> None:
    """Act out a solution. `focus_window` waits (bounded) for its window to exist; for a
    terminal also for the shell's prompt, since keys typed before it are lost. Then wait
    until every window the solution opened has closed (its shell ends with `exit`)."""
    before = _windows(client)
    for action in actions:
        if isinstance(action, FocusWindow):
            until(
                lambda action=action: _focus(client, action),
                timeout=30,
                interval=0.25,
                what=f"a window titled {action.title!r}",
            )
            if action.title == "Terminal":
                until(
                    lambda: (client.terminal_output() or "").rstrip().endswith("$"),
                    timeout=30,
                    interval=0.25,
                    what="the terminal's shell prompt",
                )
        else:
            client.act([action])
    try:
        until(
            lambda: not (_windows(client) - before),
            timeout=60,
            interval=0.25,
            what="the solution's windows to close",
        )
    except AssertionError as exc:
        windows = client.execute("wmctrl -lx", shell=True).output
        raise AssertionError(f"{exc}\nwindows:\n{windows}\nterminal:\n{client.terminal_output()}") from None


def close_task_windows(client, windows_before: set[tuple[str, str]], apps_before: set[str]) -> None:
    """Close what a task opened, as a user would, and wait its apps out (they write their
    config on exit); kill whatever still runs after that."""
    for window, _cls in _windows(client) - windows_before:
        client.execute(["wmctrl", "-i", "-c", window])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not (_windows(client) - windows_before) and not (_app_pids(client) - apps_before):
            return
        time.sleep(0.2)
    for pid in _app_pids(client) - apps_before:
        client.execute(["kill", "-KILL", pid])


def _score(task: Task, client, cache: Path, last_action: str | None):
    result = evaluate(task, client, last_action=last_action, cache_dir=cache)
    assert result.error is None, result
    return result


def starts_apps(steps) -> bool:
    """Whether setup steps start a program or open a window (pyautogui's Ctrl+Alt+T too):
    only then is there something to wait for before the desktop is ready."""
    return any(
        step.type in ("launch", "open", "activate_window") or "hotkey" in json.dumps(step.parameters)
        for step in steps
    )


def run_setup(task: Task, client) -> None:
    outcomes = SetupRunner(client).setup_task(task)
    index, text = EXPECTED_SETUP_FAILURES.get(task.id, (None, ""))
    assert all(o.ok or (o.index == index and text in o.detail) for o in outcomes), outcomes
    assert index is None or not outcomes[index].ok, f"step {index} was expected to fail"
    if starts_apps(task.config):
        wait_until_windows_settle(client)


def setup_and_score_untouched(task: Task, client, cache: Path):
    """Set up and score. OSWorld evaluates once, at the end, so what this evaluation does
    to the desktop is undone before a solution starts: windows of apps only it started
    (a postconfig's terminal) are closed, and when it quit an app the setup had started
    (GIMP's postconfig presses Ctrl+Q so that GIMP writes its config), the task's own
    setup runs again. Apps it restarted itself (Chrome) stay as they are."""
    assert unsupported_steps(task) == [] and unsupported_evaluator(task) == []
    run_setup(task, client)
    before, apps = _window_classes(client), _app_pids(client)
    result = _score(task, client, cache / "untouched", None)
    after = _window_classes(client)
    for window, cls in after.items():
        if window not in before and cls not in before.values():
            client.execute(["wmctrl", "-i", "-c", window])
    if quit_apps := set(before.values()) - set(after.values()):
        # Wait the quit app out: started again while it still exits, GIMP (or LibreOffice)
        # hands the new launch to the dying instance and no window opens.
        wait_gone(client, {_process_of(cls) for cls in quit_apps}, apps)
        run_setup(task, client)
    elif starts_apps(task.evaluator.postconfig):  # `pkill vlc; vlc` leaves a VLC starting up
        wait_until_windows_settle(client)
    return result


def solve_and_score(task: Task, client, cache: Path, until):
    actions, last = oracle_plan(task)
    if actions:
        run_solution(client, actions, until)

    results = []

    def solved():
        results.append(_score(task, client, cache / "solved", last))
        return results[-1] if results[-1].score == 1.0 else None

    # Polled: a few evaluators type into a terminal they have just opened (13584542).
    try:
        return until(solved, timeout=20, interval=0.5, what=f"{task.id} to score 1 after its solution")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last evaluation: {results[-1] if results else None}") from None


# ----------------------------------------------------------------------- tests


def test_every_solution_names_a_real_task_and_parses(osworld_data):
    assert len(SOLVED) >= 20
    feasible = 0
    for task_id in SOLVED:
        task = load_solved(task_id)
        actions, last = oracle_plan(task)
        assert last == ("FAIL" if task.infeasible else "DONE"), task_id
        assert task.infeasible or actions, task_id
        feasible += not task.infeasible
        for step in task.config:  # nothing that needs the network or an account
            assert step.type not in ("download", "googledrive", "login", "chrome_open_tabs"), task_id
    assert feasible >= 10


@pytest.mark.parametrize("task_id", [_param(t) for t in SOLVED + sorted(UNTOUCHED_ONLY) + sorted(DRIFT)])
def test_real_task_scores_zero_untouched_then_one_after_our_solution(
    osworld_client, until, tmp_path, task_id
):
    path = next(EXAMPLES.glob(f"*/{task_id}.json"))
    task = load_solved(task_id) if task_id in SOLVED else load_task(path)
    windows, apps = _windows(osworld_client), _app_pids(osworld_client)
    try:
        untouched = setup_and_score_untouched(task, osworld_client, tmp_path)
        assert untouched.score == 0.0, untouched
        if task_id in SOLVED:
            solve_and_score(task, osworld_client, tmp_path, until)
    finally:
        close_task_windows(osworld_client, windows, apps)


# -------------------------------------------------------- two desktops at once


@pytest.fixture(scope="module")
def two_desktops():
    require_desktop()
    _require_profile_tools()
    from envs.local import LocalDesktop

    with (
        LocalDesktop(profile="osworld", start_timeout=60) as one,
        LocalDesktop(profile="osworld", start_timeout=60) as two,
    ):
        yield one, two


VOLUME = "28cc3b7e-b194-4bc9-8353-d04c0f4d56d2"  # PulseAudio sink volume
TEXT_SCALE = "3ce045a0-877b-42aa-8d2c-b4a863336ab8"  # GNOME setting through each desktop's dconf


def test_two_tasks_at_once_on_two_desktops_do_not_interfere(two_desktops, until, tmp_path):
    """Each desktop sets up and solves its own task while the other does the same; each
    scores 1 on its own desktop, and the other's task still scores 0 there."""
    pairs = list(zip(two_desktops, (load_solved(VOLUME), load_solved(TEXT_SCALE))))
    errors: list[BaseException] = []

    def run(desktop, task):
        try:
            with desktop.client(timeout=120) as client:
                cache = tmp_path / task.id
                assert setup_and_score_untouched(task, client, cache).score == 0.0
                solve_and_score(task, client, cache, until)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "a task thread did not finish in 240 s"
    if errors:
        raise errors[0]
    for (desktop, _), (_, other_task) in zip(pairs, reversed(pairs)):
        with desktop.client(timeout=120) as client:
            crossed = _score(other_task, client, tmp_path / f"crossed-{other_task.id}", "DONE")
            assert crossed.score == 0.0, (other_task.id, crossed)


# Each desktop's own Chrome on the tasks' port 1337: tests/envs/test_profile_osworld.py
# (test_two_profile_desktops_share_no_home_tmp_bus_or_loopback).
