"""The per-task logic both runner backends share (threads here, Ray actors in
ray_backend.py): run one task on a worker's desktop slot with a timeout, replace a desktop
that died and retry the task once, record a task that ended without a score.

`run_task_on` is the default `RunOne`: the episode pipeline (agent/episode.py) with the
task's setup and evaluator, on a disposable desktop.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult, write_atomic
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.desktops import DesktopSlot, DesktopStartFailed
from benchmarks.osworld.summary import RUNNER_FILE, TaskRow, row_from_folder
from benchmarks.osworld.tasks import Task
from envs.base import DesktopUnreachable

__all__ = ["RunOne", "TaskPool", "run_task_on"]

log = logging.getLogger(__name__)

RunOne = Callable[[Any, Task, AgentConfig, Path], EpisodeResult]


# ---------------------------------------------------------------- one task

def run_task_on(client: Any, task: Task, config: AgentConfig, folder: Path,
                assets: AssetCache | None = None) -> EpisodeResult:
    """Set up `task` on the desktop behind `client`, run the agent, score it: the episode
    pipeline with models of its own (a scripted model's queue is per task). The folder
    gets task.json ... result.json, result.txt, report.html; `assets` serves the task's
    downloads and cloud_file getters."""
    from agent.episode import EpisodePipeline

    # Benchmark desktops are disposable (reset per task): a sandbox for the approval policy.
    return EpisodePipeline(config, assets=assets).run(client, folder, task=task, sandbox=True).result


# ---------------------------------------------------------------- the pool

class TaskPool:
    """The per-task logic both backends share: a queue of tasks, one desktop slot per
    worker, `run_task` (timeout, a dead desktop replaced and the task retried once) and
    `record` (a task that ended without a score). The Ray backend drives it per actor."""

    def __init__(self, *, config: AgentConfig, out: Path, run_one: RunOne, task_timeout_s: float,
                 size: tuple[int, int], on_row: Callable[[TaskRow], None],
                 profile: str | None = None) -> None:
        self.config, self.out, self.run_one = config, out, run_one
        self.profile = profile
        self.timeout, self.size, self.on_row = task_timeout_s, size, on_row
        self.todo: queue.Queue[tuple[str, Task]] = queue.Queue()
        self.stop = threading.Event()
        self.interrupted = False
        self.slots: list[DesktopSlot] = []
        self.errors: list[BaseException] = []

    # one worker, one desktop
    def worker(self, spec: str) -> None:
        slot = DesktopSlot(spec, self.size, self.profile)
        self.slots.append(slot)
        try:
            while not self.stop.is_set():
                try:
                    domain, task = self.todo.get_nowait()
                except queue.Empty:
                    return
                if not self.run_task(slot, domain, task):
                    return  # no desktop to be had: no more work for this worker
        except BaseException as exc:  # noqa: BLE001 - a bug here must not hang the pool
            self.errors.append(exc)
            self.stop.set()
        finally:
            slot.close()

    def run_task(self, slot: DesktopSlot, domain: str, task: Task) -> bool:
        """Run one task (retried once on a fresh desktop if its desktop dies); False when
        no desktop could be had, which ends the worker."""
        folder = self.out / domain / task.id
        started = time.monotonic()
        for attempt in (1, 2):
            if slot.client is None:
                try:
                    slot.open()
                except DesktopStartFailed as exc:
                    self.record(domain, task, "error", f"error: {exc}", started)
                    return False
            shutil.rmtree(folder, ignore_errors=True)  # a partial folder: start it afresh
            outcome, detail = self.attempt(slot, task, folder)
            if outcome == "ok":
                self.on_row(row_from_folder(domain, task, folder))
                if slot.spec == "local":
                    # A fresh desktop per task (about 1 s): files and windows one task
                    # leaves behind must not change the next one's starting state.
                    slot.close()
                return True
            if outcome == "interrupt":
                self.interrupted = True
                self.stop.set()
                return True
            if outcome == "timeout":
                self.record(domain, task, "timeout", f"timeout after {self.timeout:g} s", started)
                slot.close()  # the abandoned thread keeps talking to a desktop that is gone
                return True
            if outcome == "died":
                log.warning("task %s: the desktop died (%s)", task.id, detail)
                slot.close()  # replaced before the next attempt or task
                if attempt == 1:
                    continue
                self.record(domain, task, "error", f"error: desktop died ({detail})", started)
                return True
            self.record(domain, task, "error", f"error: {detail}", started)
            return True
        return True

    def attempt(self, slot: DesktopSlot, task: Task, folder: Path) -> tuple[str, str]:
        """Run the task once in its own thread: ("ok" | "timeout" | "died" | "error" | "interrupt", detail)."""
        box: dict[str, Any] = {}
        finished = threading.Event()
        abandoned = threading.Event()
        client = slot.client

        def target() -> None:
            try:
                box["result"] = self.run_one(client, task, self.config, folder)
                if not abandoned.is_set():
                    _ensure_result_files(folder, box["result"])
            except BaseException as exc:  # noqa: BLE001 - handed to the worker
                box["exc"] = exc
            finally:
                if abandoned.is_set():  # too late: a score after the timeout does not count
                    (folder / "result.txt").unlink(missing_ok=True)
                finished.set()

        thread = threading.Thread(target=target, name=f"task-{task.id}", daemon=True)
        thread.start()
        if not finished.wait(self.timeout):
            abandoned.set()
            return "timeout", ""
        exc = box.get("exc")
        if exc is None:
            result: EpisodeResult = box["result"]
            if result.score is None and result.status == "error" and not slot.alive():
                return "died", result.reason or "the desktop stopped answering"
            return "ok", ""
        if isinstance(exc, KeyboardInterrupt):
            return "interrupt", ""
        if isinstance(exc, DesktopUnreachable):
            return "died", str(exc)
        if not isinstance(exc, Exception):
            raise exc
        if not slot.alive():
            return "died", f"{type(exc).__name__}: {exc}"
        log.warning("task %s failed: %s: %s", task.id, type(exc).__name__, exc)
        return "error", f"{type(exc).__name__}: {exc}"

    def record(self, domain: str, task: Task, status: str, reason: str, started: float) -> None:
        """A task that ended without a score: runner.json says why (result.txt stays absent,
        so a rerun retries it)."""
        folder = self.out / domain / task.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.txt").unlink(missing_ok=True)
        wall = round(time.monotonic() - started, 3) if started else 0.0
        write_atomic(folder / RUNNER_FILE, json.dumps({"status": status, "reason": reason,
                                                       "wall_s": wall}) + "\n")
        self.on_row(row_from_folder(domain, task, folder))

    def close_desktops(self) -> None:
        for slot in list(self.slots):
            slot.close()


def _ensure_result_files(folder: Path, result: EpisodeResult) -> None:
    """result.json and (with a score) result.txt, when the task runner did not write them."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "result.json").exists():
        write_atomic(folder / "result.json", json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    if result.score is not None and not (folder / "result.txt").exists():
        write_atomic(folder / "result.txt", f"{result.score}\n")
