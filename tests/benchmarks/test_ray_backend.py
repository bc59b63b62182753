"""The Ray backend: a Ray actor per desktop, on one local Ray instance for the whole module
(Ray starts slowly on two cores). Real local desktops in the actors, the scripted model
as the agent; fake remote desktops for the failure paths."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult
from benchmarks.osworld.ray_backend import pack_folder, unpack_folder
from benchmarks.osworld.runner import run_split
from benchmarks.osworld.tasks import Task, load_split
from envs.base import DesktopUnreachable

try:
    import ray
except ImportError:  # an optional extra; CI installs it
    if os.environ.get("CI"):
        raise
    pytest.skip("ray is not installed (pip install -e .[ray])", allow_module_level=True)

LOCAL = Path(__file__).resolve().parents[2] / "benchmarks" / "tasks" / "local"
REMOTE = ["http://fake-desktop-1.invalid", "http://fake-desktop-2.invalid"]


@pytest.fixture(scope="module")
def local_ray():
    # The fake task runners below live in this test module, which Ray's workers cannot
    # import: ship them by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 1024 * 1024, log_to_driver=False)
    yield
    ray.shutdown()


def _tasks(n: int) -> dict[str, list[Task]]:
    return {
        "os": [
            Task.model_validate(
                {"id": f"t{i}", "instruction": f"do t{i}", "evaluator": {"func": "exact_match"}}
            )
            for i in range(n)
        ]
    }


class LoggingRunner:
    """Scores 1; logs each call (task, process) to a file, since it runs in other processes.
    A task named in `die_once` reports an unreachable desktop on its first call."""

    def __init__(self, log: Path, die_once: tuple[str, ...] = ()) -> None:
        self.log, self.die_once = log, die_once

    def calls(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def __call__(self, client, task, config, folder: Path) -> EpisodeResult:
        first = not any(c["task"] == task.id for c in self.calls())
        with self.log.open("a") as f:
            f.write(json.dumps({"task": task.id, "pid": os.getpid()}) + "\n")
        if task.id in self.die_once and first:
            raise DesktopUnreachable("the desktop went away")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "traj.jsonl").write_text('{"step_num": 1}\n')
        return EpisodeResult(task_id=task.id, status="done", score=1.0, steps=1)


def test_two_local_tasks_on_local_desktops_in_ray_actors(local_ray, desktop_tools, tmp_path):
    """Each actor starts its own isolated desktop; the agent (scripted model) answers FAIL
    to two infeasible local tasks, which the evaluator scores 1."""
    script = tmp_path / "replies.jsonl"
    script.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {
                    "role": "gate",
                    "reply": {"criteria": [{"text": "the device is set up"}], "feasible": False},
                },
                {
                    "role": "planner",
                    "reply": {
                        "reasoning": "This computer has no such device.",
                        "action": {"type": "fail", "reason": "no such hardware"},
                    },
                },
            ]
        )
        + "\n"
    )
    split = load_split(LOCAL / "test_all.json", LOCAL / "examples")
    wanted = {"local-infeasible-bluetooth", "local-infeasible-printer"}
    tasks = {"os": [t for t in split["os"] if t.id in wanted]}
    config = AgentConfig(model=f"scripted:{script}", max_steps=3)
    out = tmp_path / "out"
    summary = run_split(
        tasks,
        config=config,
        out=out,
        desktops=2,
        task_timeout_s=120,
        size=(800, 600),
        progress=False,
        backend="ray",
    )
    for task_id in wanted:
        folder = out / "os" / task_id
        assert (folder / "result.txt").read_text().strip() == "1.0", (folder / "result.json").read_text()
        steps = [json.loads(line) for line in (folder / "traj.jsonl").read_text().splitlines()]
        assert steps and steps[-1]["action"]["type"] == "fail"
    assert summary.score == 1.0 and json.loads((out / "summary.json").read_text())["overall"]["tasks"] == 2
    # Resume: nothing left to do, nothing redone.
    stamp = (out / "os" / "local-infeasible-printer" / "result.txt").stat().st_mtime_ns
    again = run_split(
        tasks,
        config=config,
        out=out,
        desktops=2,
        task_timeout_s=120,
        size=(800, 600),
        progress=False,
        backend="ray",
    )
    assert again.score == 1.0
    assert (out / "os" / "local-infeasible-printer" / "result.txt").stat().st_mtime_ns == stamp


def test_a_dying_desktop_is_replaced_and_its_task_retried_once_inside_the_actor(local_ray, tmp_path):
    runner = LoggingRunner(tmp_path / "calls.jsonl", die_once=("t1",))
    out = tmp_path / "out"
    # Bare URLs cannot be reset: --no-reset lets them take more than one task.
    summary = run_split(
        _tasks(4),
        config=AgentConfig(),
        out=out,
        desktops=REMOTE,
        task_timeout_s=30,
        progress=False,
        run_one=runner,
        backend="ray",
        no_reset=True,
    )
    calls = runner.calls()
    assert sorted(c["task"] for c in calls) == ["t0", "t1", "t1", "t2", "t3"]
    assert summary.score == 1.0 and all(summary.row(f"t{i}").status == "done" for i in range(4))
    # Tasks go to actors as they come up, so under load one actor may take them all: at most
    # two processes, each an actor (never the driver).
    assert 1 <= len({c["pid"] for c in calls}) <= 2 and os.getpid() not in {c["pid"] for c in calls}
    assert (out / "os" / "t1" / "traj.jsonl").is_file() and (out / "summary.md").is_file()
    # The retry ran on the desktop as the dead attempt left it: not comparable.
    assert json.loads((out / "os" / "t1" / "desktop.json").read_text())["start"] == "reused"
    assert not summary.comparable and any(n.startswith("os/t1: ") for n in summary.not_comparable)


def test_more_desktops_than_the_cluster_can_start_still_finish_the_split(local_ray, tmp_path, monkeypatch):
    from benchmarks.osworld import ray_backend

    # Three workers wanting a core each on a two-core Ray: one never starts, and gets no work.
    monkeypatch.setattr(ray_backend, "_actor_options", lambda unit: {"num_cpus": 1, "max_restarts": 0})
    runner = LoggingRunner(tmp_path / "calls.jsonl")
    summary = run_split(
        _tasks(4),
        config=AgentConfig(),
        out=tmp_path / "out",
        desktops=[*REMOTE, "http://fake-desktop-3.invalid"],
        task_timeout_s=30,
        progress=False,
        run_one=runner,
        backend="ray",
        no_reset=True,
    )
    assert summary.score == 1.0 and len(runner.calls()) == 4


def test_a_worker_stuck_past_its_deadline_is_killed_and_the_task_timed_out(local_ray, tmp_path, monkeypatch):
    from benchmarks.osworld import ray_backend

    # The driver's deadline: 5 s (t1, on a fresh actor, must finish inside it on a busy machine).
    monkeypatch.setattr(ray_backend, "TASK_MARGIN_S", -25.0)
    monkeypatch.setattr(ray_backend, "WAIT_S", 0.5)
    runner = SlowRunner(tmp_path / "calls.jsonl")
    summary = run_split(
        _tasks(2),
        config=AgentConfig(),
        out=tmp_path / "out",
        desktops=REMOTE[:1],
        task_timeout_s=30,
        progress=False,
        run_one=runner,
        backend="ray",
    )
    assert summary.row("t0").status == "timeout" and "stopped answering" in summary.row("t0").reason
    assert summary.row("t1").status == "done"  # on a fresh worker, its first task: no reset needed
    assert len({c["pid"] for c in runner.calls()}) == 2


def test_a_bare_url_actor_takes_one_task_and_the_rest_are_refused(local_ray, tmp_path):
    runner = LoggingRunner(tmp_path / "calls.jsonl")
    summary = run_split(
        _tasks(3),
        config=AgentConfig(),
        out=tmp_path / "out",
        desktops=REMOTE[:1],
        task_timeout_s=30,
        progress=False,
        run_one=runner,
        backend="ray",
    )
    assert [c["task"] for c in runner.calls()] == ["t0"]
    assert [summary.row(f"t{i}").status for i in range(3)] == ["done", "refused", "refused"]
    assert "--no-reset" in summary.row("t2").reason and REMOTE[0] in summary.row("t2").reason


class SlowRunner(LoggingRunner):
    """t0 hangs (longer than the driver's deadline); the rest score 1."""

    def __call__(self, client, task, config, folder):
        if task.id == "t0":
            with self.log.open("a") as f:
                f.write(json.dumps({"task": task.id, "pid": os.getpid()}) + "\n")
            import time

            time.sleep(20)
        return super().__call__(client, task, config, folder)


def test_folders_travel_whole_and_stay_inside(tmp_path):
    src = tmp_path / "src"
    (src / "eval").mkdir(parents=True)
    (src / "result.txt").write_text("1.0\n")
    (src / "eval" / "gold.txt").write_bytes(b"\x00gold")
    dest = tmp_path / "out" / "os" / "t"
    dest.mkdir(parents=True)
    (dest / "stale.png").write_bytes(b"old")  # a partial folder from an earlier run
    unpack_folder(pack_folder(src), dest)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        "eval/gold.txt",
        "result.txt",
    ]
    with pytest.raises(ValueError, match="outside"):
        unpack_folder({"../../escape.txt": b"x"}, dest)


def test_a_worker_starts_its_local_desktops_with_the_runs_profile():
    from benchmarks.osworld.desktop_plan import desktop_units
    from benchmarks.osworld.ray_backend import DesktopWorker

    unit = desktop_units(2, (800, 600), "osworld")[1]
    worker = DesktopWorker(
        unit, (800, 600), AgentConfig(), LoggingRunner(Path("/nonexistent")), 30, profile="osworld"
    )
    try:
        assert type(worker.provider).__name__ == "LocalProvider"
        assert worker.provider.profile == worker.run.profile == "osworld"
        assert worker.provider.size == (800, 600)
        assert worker.slot.lease is None and worker.provider.desktops == {}  # started with its first task
    finally:
        worker.close()
