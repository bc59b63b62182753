"""The split runner: a pool of desktops reset before every task, resume, timeouts, dying
desktops, the summary. The desktops here are FakeVMs (names the fake task runners never
talk to); test_runner_resets.py has real ones (a stand-in server, local desktops, QEMU)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult
from benchmarks.osworld.runner import run_split
from benchmarks.osworld.summary import load_results
from benchmarks.osworld.tasks import Task, load_split
from envs.base import DesktopUnreachable

from .desktop_doubles import FakeVMs

REMOTE = ["http://fake-desktop-1.invalid", "http://fake-desktop-2.invalid#token"]
CONFIG = AgentConfig()


def make_task(task_id: str, func: str = "exact_match", steps: list[dict] | None = None) -> Task:
    return Task.model_validate(
        {"id": task_id, "instruction": f"do {task_id}", "evaluator": {"func": func}, "config": steps or []}
    )


def split(n: int = 6) -> dict[str, list[Task]]:
    tasks = [make_task(f"t{i}") for i in range(n)]
    return {"chrome": tasks[: n // 2], "os": tasks[n // 2 :]}


class Fake:
    """A task runner that scores 1 (or what `scores` says) and counts its calls."""

    def __init__(self, scores: dict[str, float] | None = None) -> None:
        self.scores = scores or {}
        self.calls: list[str] = []
        self.clients: dict[str, list[object]] = {}
        self.lock = threading.Lock()
        self.vms: FakeVMs | None = None  # to log each task among the desktops' events

    def __call__(self, client, task, config, folder: Path) -> EpisodeResult:
        with self.lock:
            self.calls.append(task.id)
            self.clients.setdefault(task.id, []).append(client)
            if isinstance(self.vms, FakeVMs):
                self.vms.events.append(("task", client.base_url.split("//")[1].split("-")[0], task.id))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "traj.jsonl").write_text("{}\n")
        return EpisodeResult(task_id=task.id, status="done", score=self.scores.get(task.id, 1.0), steps=3)


def run(tasks, out, fake, vms: FakeVMs | None = None, workers: int = 2, **kw):
    """run_split on `workers` desktops of `vms` (a new FakeVMs by default)."""
    if "desktops" not in kw:
        fake.vms = vms or FakeVMs()
        kw["desktops"] = [fake.vms] * workers
    kw.setdefault("task_timeout_s", 10)
    return run_split(tasks, config=CONFIG, out=out, progress=False, run_one=fake, **kw)


class Together(Fake):
    """The first two tasks wait for each other: both desktops take work, however the
    threads are scheduled (one worker could otherwise empty the queue alone)."""

    def __init__(self, scores: dict[str, float] | None = None) -> None:
        super().__init__(scores)
        self.started = 0
        self.barrier = threading.Barrier(2)

    def __call__(self, client, task, config, folder: Path) -> EpisodeResult:
        with self.lock:
            self.started += 1
            first_two = self.started <= 2
        if first_two:
            self.barrier.wait(30)
        return super().__call__(client, task, config, folder)


def test_the_pool_runs_every_task_once_and_writes_osworld_folders(tmp_path):
    fake = Together({"t1": 0.0})
    summary = run(split(), tmp_path, fake)
    assert sorted(fake.calls) == [f"t{i}" for i in range(6)]
    assert (tmp_path / "chrome" / "t0" / "result.txt").read_text().strip() == "1.0"
    assert (tmp_path / "os" / "t5" / "result.json").is_file()
    assert summary.row("t1").status == "fail" and summary.row("t0").status == "done"
    assert summary.score == pytest.approx(5 / 6)
    assert summary.domains["chrome"].score == pytest.approx(2 / 3)
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["overall"]["tasks"] == 6 and data["overall"]["score"] == pytest.approx(5 / 6, abs=1e-4)
    assert "| t1 | fail |" in (tmp_path / "summary.md").read_text()
    # Both desktops took work; each was reset before every task but its first, and
    # released; the provider closed at the end.
    vms = fake.vms
    assert {e[1] for e in vms.events if e[0] == "acquire"} == {"vm1", "vm2"}
    for name in ("vm1", "vm2"):
        kinds = [e[0] for e in vms.of(name)]
        assert kinds[0] == "acquire" and kinds[-1] == "release" and "task" in kinds
        between = kinds[1:-1]
        assert between[0] == "task" and all(
            (a, b) in {("task", "reset"), ("reset", "task")} for a, b in zip(between, between[1:])
        )
        assert between[-1] == "task"
    assert sum(e[0] == "reset" for e in vms.events) == 6 - 2
    assert vms.events[-1] == ("close",)
    assert summary.comparable and json.loads((tmp_path / "summary.json").read_text())["comparable"] is True
    assert json.loads((tmp_path / "chrome" / "t0" / "desktop.json").read_text())["provider"] == "fake"


def test_resume_skips_finished_tasks_redoes_partial_ones_and_loses_nothing(tmp_path):
    tasks = split()

    class Interrupting(Fake):
        def __call__(self, client, task, config, folder):
            with self.lock:
                if len(self.calls) >= 3:
                    self.calls.append(task.id)
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / "traj.jsonl").write_text("{}\n")  # a partial folder
                    raise KeyboardInterrupt
            return super().__call__(client, task, config, folder)

    first = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        run(tasks, tmp_path, first, workers=1)
    finished = {p.parent.name for p in tmp_path.glob("*/*/result.txt")}
    assert len(finished) == 3 and first.calls[3] not in finished
    partial = tmp_path / ("chrome" if first.calls[3] in {"t0", "t1", "t2"} else "os") / first.calls[3]
    assert partial.is_dir() and not (partial / "result.txt").exists()
    interrupted = load_results(tmp_path, tasks)
    assert interrupted.score == pytest.approx(3 / 6)  # unrun tasks count, as 0
    assert interrupted.row(first.calls[3]).status == "not_run"
    before = {p: p.read_text() for p in tmp_path.glob("*/*/result.txt")}

    second = Fake()
    summary = run(tasks, tmp_path, second)
    assert sorted(second.calls) == sorted(t.id for ts in tasks.values() for t in ts if t.id not in finished)
    assert first.calls[3] in second.calls  # the partial one was redone
    assert all(p.read_text() == text for p, text in before.items())
    assert summary.score == 1.0 and {r.status for r in summary.rows} == {"done"}


def test_a_task_that_overruns_is_recorded_as_a_timeout_and_its_desktop_replaced(tmp_path):
    release = threading.Event()

    class Slow(Fake):
        def __call__(self, client, task, config, folder):
            result = super().__call__(client, task, config, folder)
            if task.id == "t1":
                release.wait(60)  # abandoned after the timeout; its late score must not count
            return result

    fake = Slow()
    tasks = [make_task("t0"), make_task("t1"), make_task("t2")]
    # 5 s: t0 and t2 write fsynced files inside it, slow on a busy disk.
    summary = run(tasks, tmp_path, fake, workers=1, task_timeout_s=5.0)
    row = summary.row("t1")
    assert row.status == "timeout" and row.score == 0 and "timeout" in row.reason
    assert summary.row("t2").status == "done"
    # The desktop was reset after the timeout, and the client the abandoned thread holds closed.
    assert [e[0] for e in fake.vms.of("vm1")] == [
        "acquire",
        "task",
        "reset",
        "task",
        "reset",
        "task",
        "release",
    ]
    assert fake.clients["t2"][0] is not fake.clients["t1"][0]
    assert fake.clients["t1"][0]._http.is_closed
    assert summary.score == pytest.approx(2 / 3)
    release.set()  # the abandoned thread finishes now: its score is thrown away
    for thread in [t for t in threading.enumerate() if t.name == "task-t1"]:
        thread.join(30)
        assert not thread.is_alive()
    assert not (tmp_path / "default" / "t1" / "result.txt").exists()
    assert load_results(tmp_path, tasks).row("t1").status == "timeout"


def test_a_dying_desktop_is_replaced_and_the_task_retried_once(tmp_path):
    class Dying(Fake):
        def __call__(self, client, task, config, folder):
            super().__call__(client, task, config, folder)
            if task.id == "t1" and len(self.clients["t1"]) == 1:
                raise DesktopUnreachable("the desktop went away")
            if task.id == "t2":
                raise DesktopUnreachable("this one always dies")
            return EpisodeResult(task_id=task.id, status="done", score=1.0)

    fake = Dying()
    tasks = [make_task("t0"), make_task("t1"), make_task("t2"), make_task("t3")]
    summary = run(tasks, tmp_path, fake, workers=1)
    assert fake.calls.count("t1") == 2 and fake.calls.count("t2") == 2
    first, retry = fake.clients["t1"]
    assert first is not retry
    # A desktop that died is reset the hard way (QEMU: a reboot on a fresh overlay).
    resets = [e[2] for e in fake.vms.events if e[0] == "reset"]
    assert resets == ["snapshot", "reboot", "snapshot", "reboot", "reboot"]
    assert summary.row("t1").status == "done"
    t2 = summary.row("t2")
    assert t2.status == "error" and "desktop died" in t2.reason and t2.score == 0
    assert summary.row("t3").status == "done"
    assert summary.score == pytest.approx(3 / 4)


def test_other_errors_are_recorded_and_not_retried(tmp_path, monkeypatch):
    from benchmarks.osworld.desktops import DesktopSlot

    class Broken(Fake):
        def __call__(self, client, task, config, folder):
            super().__call__(client, task, config, folder)
            raise ValueError("a bug in the task")

    monkeypatch.setattr(DesktopSlot, "alive", lambda self: True)  # the desktop is fine
    fake = Broken()
    summary = run([make_task("t0"), make_task("t1")], tmp_path, fake, workers=1)
    assert fake.calls == ["t0", "t1"]
    row = summary.row("t0")
    assert row.status == "error" and row.score == 0 and "ValueError: a bug in the task" in row.reason
    assert json.loads((tmp_path / "default" / "t0" / "runner.json").read_text())["status"] == "error"


def test_an_error_on_a_desktop_that_stopped_answering_counts_as_a_dead_desktop(tmp_path):
    class Broken(Fake):
        def __call__(self, client, task, config, folder):
            super().__call__(client, task, config, folder)
            raise ValueError("the desktop is gone")

    fake = Broken()  # the fake URL answers no health probe
    summary = run([make_task("t0")], tmp_path, fake, workers=1)
    assert fake.calls == ["t0", "t0"]
    assert summary.row("t0").status == "error" and "desktop died" in summary.row("t0").reason


def test_unsupported_tasks_are_not_run_but_lower_the_average(tmp_path):
    tasks = [
        make_task("t0"),
        make_task("t1", func="no_such_metric_here"),
        make_task("t2", steps=[{"type": "no_such_step", "parameters": {}}]),
    ]
    fake = Fake()
    summary = run(tasks, tmp_path, fake, desktops=REMOTE)
    assert fake.calls == ["t0"]
    assert summary.row("t1").status == "unsupported"
    assert (
        summary.row("t1").reason.startswith("unsupported: ")
        and "no_such_metric_here" in summary.row("t1").reason
    )
    assert "no_such_step" in summary.row("t2").reason
    assert summary.score == pytest.approx(1 / 3)
    assert load_results(tmp_path, tasks).score == pytest.approx(1 / 3)


def test_load_results_shows_unrun_tasks(tmp_path):
    tasks = split(4)
    summary = load_results(tmp_path, tasks)
    assert [r.status for r in summary.rows] == ["not_run"] * 4 and summary.score == 0
    assert summary.overall.counts["not_run"] == 4


@pytest.mark.desktop
def test_two_local_tasks_on_one_real_desktop_score_one_with_their_oracles(
    desktop_tools, local_tasks, tmp_path
):
    from benchmarks.osworld.evaluate import evaluate
    from benchmarks.osworld.oracle import oracle_plan
    from benchmarks.osworld.setup import SetupRunner

    everything = load_split(local_tasks / "test_all.json", local_tasks / "examples")
    wanted = {"local-mousepad-note", "local-terminal-mkdir"}
    tasks = {d: [t for t in ts if t.id in wanted] for d, ts in everything.items()}

    def oracle(client, task, config, folder):
        SetupRunner(client, screen=client.screen_size()).setup_task(task)
        actions, last = oracle_plan(task)
        if actions:
            client.act(actions)
        deadline = time.monotonic() + 10
        while True:
            scored = evaluate(task, client, last_action=last, cache_dir=folder / "eval")
            if scored.score == 1.0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        return EpisodeResult(task_id=task.id, status="done", score=scored.score, steps=len(actions))

    summary = run_split(
        tasks,
        config=CONFIG,
        out=tmp_path,
        desktops=1,
        task_timeout_s=60,
        size=(1024, 768),
        progress=False,
        run_one=oracle,
    )
    assert [(r.task_id, r.status, r.score) for r in summary.rows] == [
        ("local-mousepad-note", "done", 1.0),
        ("local-terminal-mkdir", "done", 1.0),
    ]
    assert (tmp_path / "mousepad" / "local-mousepad-note" / "result.txt").is_file()
    assert (tmp_path / "os" / "local-terminal-mkdir" / "result.txt").is_file()


def test_an_unknown_backend_is_refused_before_anything_runs(tmp_path):
    fake = Fake()
    with pytest.raises(ValueError, match="backend"):
        run(split(2), tmp_path, fake, backend="kubernetes")
    assert fake.calls == [] and not (tmp_path / "summary.json").exists()


def test_a_desktop_whose_reset_fails_is_replaced_by_a_new_one(tmp_path):
    vms = FakeVMs(failing_resets=1)
    fake = Fake()
    summary = run([make_task("t0"), make_task("t1"), make_task("t2")], tmp_path, fake, vms=vms, workers=1)
    assert summary.score == 1.0
    # vm1's reset failed: released, and vm2 acquired for t1 (its first task: no reset).
    assert [e[0] for e in vms.of("vm1")] == ["acquire", "task", "reset", "release"]
    assert [e[0] for e in vms.of("vm2")] == ["acquire", "task", "reset", "task", "release"]
    start = json.loads((tmp_path / "default" / "t1" / "desktop.json").read_text())
    assert start["desktop"] == "vm2" and start["start"] == "acquired"


def test_a_provider_that_refuses_to_reset_gets_no_second_task(tmp_path):
    vms = FakeVMs(unsupported=True)
    fake = Fake()
    summary = run([make_task("t0"), make_task("t1"), make_task("t2")], tmp_path, fake, vms=vms, workers=1)
    assert fake.calls == ["t0"]
    for task_id in ("t1", "t2"):
        row = summary.row(task_id)
        assert row.status == "refused" and row.score == 0
        assert "no snapshot to go back to" in row.reason and "--no-reset" in row.reason
    assert summary.overall.counts["refused"] == 2 and summary.score == pytest.approx(1 / 3)
    assert "| refused |" in (tmp_path / "summary.md").read_text()

    # --no-reset: the refused tasks run on the desktop as the last task left it; not comparable.
    again = Fake()
    summary = run(
        [make_task("t0"), make_task("t1"), make_task("t2")],
        tmp_path,
        again,
        vms=vms,
        workers=1,
        no_reset=True,
    )
    assert sorted(again.calls) == ["t1", "t2"] and summary.score == 1.0
    assert not summary.comparable and len(summary.not_comparable) == 1  # the first one was acquired
    assert summary.not_comparable[0].startswith("default/t2: ")


def test_bad_desktops_are_refused_before_anything_runs(tmp_path):
    fake = Fake()
    for desktops, why in (
        (["hyperv:x"], "unknown desktops"),
        ([], "at least one"),
        (0, "at least one"),
        (["qemu:/nonexistent/x.qcow2x2", "nonsense"], "unknown desktops 'nonsense'"),
    ):
        with pytest.raises(ValueError, match=why):
            run(split(2), tmp_path, fake, desktops=desktops)
    assert fake.calls == [] and not (tmp_path / "summary.json").exists()
