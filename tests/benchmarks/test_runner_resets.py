"""The runner resets every desktop between tasks, for real: a bare URL (a stand-in server)
is refused a second task unless --no-reset, which marks the run not comparable; a local
desktop is a fresh one per task; a QEMU VM from the small test image is reverted to its
snapshot, so a file the first task writes is gone for the second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult
from benchmarks.osworld.runner import run_split
from benchmarks.osworld.tasks import Task

from .desktop_doubles import StandInDesktop

CONFIG = AgentConfig()


def make_task(task_id: str) -> Task:
    return Task.model_validate(
        {"id": task_id, "instruction": f"do {task_id}", "evaluator": {"func": "exact_match"}}
    )


class Noting:
    """Runs `note <task id>` on the desktop and keeps what the desktop answered: everything
    run on it so far (StandInDesktop), so a task shows what the ones before it left."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    def __call__(self, client, task, config, folder: Path) -> EpisodeResult:
        self.seen[task.id] = client.execute(f"note {task.id}").output.splitlines()
        folder.mkdir(parents=True, exist_ok=True)
        return EpisodeResult(task_id=task.id, status="done", score=1.0, steps=1)


def on_the_url(tasks, out: Path, desktop: StandInDesktop, run_one: Noting, **options):
    """The tasks on the stand-in desktop's bare URL (a desktop that cannot be reset)."""
    return run_split(
        tasks,
        config=CONFIG,
        out=out,
        desktops=[desktop.url],
        task_timeout_s=30,
        progress=False,
        run_one=run_one,
        **options,
    )


def test_a_bare_url_runs_one_task_and_the_rest_are_refused_unless_no_reset(tmp_path):
    tasks = [make_task("t0"), make_task("t1"), make_task("t2")]
    with StandInDesktop() as desktop:
        first = Noting()
        summary = on_the_url(tasks, tmp_path, desktop, first)
        assert list(first.seen) == ["t0"] and desktop.commands == ["note t0"]
        assert [summary.row(t).status for t in ("t0", "t1", "t2")] == ["done", "refused", "refused"]
        reason = summary.row("t1").reason
        assert reason.startswith("refused: ") and "cannot be reset" in reason and "--no-reset" in reason
        assert desktop.url in reason
        assert summary.score == pytest.approx(1 / 3) and summary.comparable  # t0 started clean
        assert json.loads((tmp_path / "default" / "t0" / "desktop.json").read_text())["start"] == "acquired"

        # A rerun (resume) does not take the used URL for a clean one.
        again = Noting()
        summary = on_the_url(tasks, tmp_path, desktop, again)
        assert again.seen == {} and summary.row("t1").status == "refused"
        assert "earlier run" in summary.row("t1").reason

        # --no-reset: the refused tasks run (resume skips t0), each on the desktop as the task
        # before left it, and the summary says the run is not comparable, and why.
        second = Noting()
        summary = on_the_url(tasks, tmp_path, desktop, second, no_reset=True)
    assert list(second.seen) == ["t1", "t2"] and summary.score == 1.0
    assert second.seen["t2"] == ["note t0", "note t1", "note t2"]  # what t0 and t1 left behind
    assert not summary.comparable
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["comparable"] is False and len(data["not_comparable"]) == 2
    assert [n.split(":")[0] for n in data["not_comparable"]] == ["default/t1", "default/t2"]
    assert "earlier run" in data["not_comparable"][0] and "--no-reset" in data["not_comparable"][1]
    assert "**Not comparable**" in (tmp_path / "summary.md").read_text()
    assert json.loads((tmp_path / "default" / "t2" / "desktop.json").read_text())["start"] == "reused"


@pytest.mark.desktop
def test_a_bare_url_beside_a_local_desktop_leaves_the_rest_to_it(tmp_path, desktop_tools):
    """No refusal when a desktop that can be reset is there to take the remaining tasks."""
    tasks = [make_task(f"t{i}") for i in range(4)]
    with StandInDesktop() as desktop:
        noting = Noting()
        summary = run_split(
            tasks,
            config=CONFIG,
            out=tmp_path,
            desktops=[desktop.url, "local"],
            task_timeout_s=60,
            size=(800, 600),
            progress=False,
            run_one=noting,
        )
    assert summary.score == 1.0 and summary.comparable
    assert len(desktop.commands) <= 1  # the bare URL ran one task at most


# ---------------------------------------------------------------- a real reset between two tasks


def file_tasks(path: str) -> list[Task]:
    """t-write leaves a file (its setup writes it; its evaluator checks it is there); t-check's
    evaluator scores 1 only if the file is absent: a clean desktop."""

    def check(command: str, include: str, exclude: str) -> dict:
        return {
            "func": "check_include_exclude",
            "result": {"type": "vm_command_line", "command": ["sh", "-c", command]},
            "expected": {"type": "rule", "rules": {"include": [include], "exclude": [exclude]}},
        }

    return [
        Task.model_validate(
            {
                "id": "t-write",
                "instruction": "leave a file",
                "config": [
                    {"type": "execute", "parameters": {"command": ["sh", "-c", f"echo left-behind > {path}"]}}
                ],
                "evaluator": check(f"cat {path} || echo missing", "left-behind", "missing"),
            }
        ),
        Task.model_validate(
            {
                "id": "t-check",
                "instruction": "find a clean desktop",
                "evaluator": check(f"test -e {path} && echo present || echo absent", "absent", "present"),
            }
        ),
    ]


def setup_and_score(client, task, config, folder: Path) -> EpisodeResult:
    """The task's setup and its evaluator, with no agent between them."""
    from benchmarks.osworld.evaluate import evaluate
    from benchmarks.osworld.setup import SetupRunner

    SetupRunner(client, screen=client.screen_size()).setup_task(task)
    scored = evaluate(task, client, last_action=None, cache_dir=folder / "eval")
    return EpisodeResult(task_id=task.id, status="done", score=scored.score, steps=0)


def assert_second_task_saw_a_clean_desktop(summary, out: Path) -> None:
    rows = [(r.task_id, r.status, r.score) for r in summary.rows]
    assert rows == [("t-write", "done", 1.0), ("t-check", "done", 1.0)], [r.reason for r in summary.rows]
    starts = [json.loads((out / "default" / t / "desktop.json").read_text()) for t in ("t-write", "t-check")]
    assert [s["start"] for s in starts] == ["acquired", "reset"]
    assert starts[0]["desktop"] == starts[1]["desktop"]  # one desktop, reset in between
    assert summary.comparable


@pytest.mark.desktop
def test_a_local_desktop_is_fresh_for_every_task(tmp_path, desktop_tools):
    out = tmp_path / "out"
    summary = run_split(
        file_tasks("/tmp/left-by-t-write.txt"),
        config=CONFIG,
        out=out,
        desktops=1,
        task_timeout_s=120,
        size=(800, 600),
        progress=False,
        run_one=setup_and_score,
    )
    assert_second_task_saw_a_clean_desktop(summary, out)


def _toml(values: dict) -> str:
    return "".join(
        f"{key} = {json.dumps(str(v) if isinstance(v, Path) else v)}\n"
        for key, v in values.items()
        if v is not None and v != []
    )


@pytest.mark.vm
@pytest.mark.timeout(900)
def test_the_runner_resets_a_qemu_vm_between_two_tasks(tmp_path, monkeypatch):
    from tests.envs.providers.vm_support import qemu_pids, small_config

    config = small_config()
    vms = tmp_path / "vms"
    monkeypatch.setenv("DESKPILOT_VM_DIR", str(vms))
    (tmp_path / "small.toml").write_text(_toml(config.model_dump()))
    before = qemu_pids()
    out = tmp_path / "out"
    summary = run_split(
        file_tasks("/root/left-by-t-write.txt"),
        config=CONFIG,
        out=out,
        desktops=[f"qemu:{tmp_path / 'small.toml'}"],
        task_timeout_s=300,
        progress=False,
        run_one=setup_and_score,
    )
    assert_second_task_saw_a_clean_desktop(summary, out)
    start = json.loads((out / "default" / "t-check" / "desktop.json").read_text())
    assert start["provider"] == "qemu"
    # The run closed its provider: no QEMU of its own left, no overlay.
    assert qemu_pids() <= before
    assert not [p for p in vms.iterdir() if p.is_dir() and p.name != "ports"] if vms.exists() else True
