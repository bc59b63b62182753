"""The per-task logic both runner backends share (threads here, Ray actors in
ray_backend.py): run one task on a worker's desktop with a timeout, the desktop reset before
every task but the first (desktops.py), a dead desktop reset and the task retried once, a
task that ended without a score recorded, and tasks refused when no desktop left can be reset.

`run_task_on` is the default `RunOne`: the episode pipeline (agent/episode.py) with the
task's setup and evaluator, on a desktop in its clean state.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult, write_atomic
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.clean_start import write_start
from benchmarks.osworld.desktops import DesktopRefused, DesktopSlot, DesktopStartFailed
from benchmarks.osworld.summary import RUNNER_FILE, TaskRow, row_from_folder
from benchmarks.osworld.tasks import Task
from envs.base import DesktopUnreachable
from envs.providers.base import Provider

__all__ = ["RunOne", "TaskPool", "run_task_on"]

log = logging.getLogger(__name__)

RunOne = Callable[[Any, Task, AgentConfig, Path], EpisodeResult]


# ---------------------------------------------------------------- one task


def run_task_on(
    client: Any, task: Task, config: AgentConfig, folder: Path, assets: AssetCache | None = None
) -> EpisodeResult:
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
    worker, `run_task` (the desktop reset first; timeout; a dead desktop reset and the task
    retried once) and `record` (a task that ended without a score). The Ray backend drives
    it per actor."""

    def __init__(
        self,
        *,
        config: AgentConfig,
        out: Path,
        run_one: RunOne,
        task_timeout_s: float,
        size: tuple[int, int],
        on_row: Callable[[TaskRow], None],
        profile: str | None = None,
        no_reset: bool = False,
        used_urls: frozenset[str] = frozenset(),
    ) -> None:
        self.config, self.out, self.run_one = config, out, run_one
        self.profile, self.no_reset, self.used_urls = profile, no_reset, used_urls
        self.timeout, self.size, self.on_row = task_timeout_s, size, on_row
        self.todo: queue.Queue[tuple[str, Task]] = queue.Queue()
        self.stop = threading.Event()
        self.interrupted = False
        self.slots: list[DesktopSlot] = []
        self.errors: list[BaseException] = []
        self.refused: list[str] = []  # why desktops stopped taking tasks (they cannot be reset)

    # one worker, one desktop
    def worker(self, provider: Provider, label: str = "") -> None:
        slot = DesktopSlot(provider, label, no_reset=self.no_reset, used_urls=self.used_urls)
        self.slots.append(slot)
        try:
            while not self.stop.is_set():
                if (why := slot.refusal()) is not None:
                    self.refused.append(why)  # the tasks left go to other desktops, or are refused
                    return
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
            slot.release()

    def run_task(self, slot: DesktopSlot, domain: str, task: Task) -> bool:
        """Run one task on `slot`'s desktop, reset first (retried once on a reset desktop if
        it dies); False when the worker cannot go on (no desktop, or one refused)."""
        folder = self.out / domain / task.id
        started = time.monotonic()
        detail = ""
        for attempt in (1, 2):
            try:
                client = slot.prepare()
            except DesktopRefused as exc:
                self.refused.append(str(exc))
                if attempt == 1:
                    self.record(domain, task, "refused", f"refused: {exc}", started)
                else:
                    self.record(
                        domain, task, "error", f"error: desktop died ({detail}); not retried: {exc}", started
                    )
                return False
            except DesktopStartFailed as exc:
                self.record(domain, task, "error", f"error: {exc}", started)
                return False
            shutil.rmtree(folder, ignore_errors=True)  # a partial folder: start it afresh
            outcome, detail = self.attempt(slot, client, task, folder)
            if outcome == "interrupt":
                self.interrupted = True
                self.stop.set()
                return True
            lease = slot.lease
            write_start(
                folder,
                desktop=slot.name,
                provider=lease.provider if lease else "?",
                start=slot.start or "acquired",  # type: ignore[arg-type]  # one of write_start's literals
                why=slot.why,
                url=lease.url if lease else "",
                can_reset=bool(lease and lease.can_reset),
            )
            if outcome == "ok":
                self.on_row(row_from_folder(domain, task, folder))
                return True
            if outcome == "timeout":
                # The next task's reset replaces the desktop and closes the client the
                # abandoned thread still holds.
                self.record(domain, task, "timeout", f"timeout after {self.timeout:g} s", started)
                return True
            if outcome == "died":
                log.warning("task %s: the desktop died (%s)", task.id, detail)
                slot.died = True  # reset (a reboot where there is one) before the retry or next task
                if attempt == 1:
                    continue
                self.record(domain, task, "error", f"error: desktop died ({detail})", started)
                return True
            self.record(domain, task, "error", f"error: {detail}", started)
            return True
        return True

    def refuse_left(self, items: Iterable[tuple[str, Task]]) -> None:
        """Tasks no worker took because every desktop left had run a task and could not be
        reset: recorded as refused (a rerun with --no-reset or resettable desktops runs them).
        After a stop (Ctrl-C, a bug) they stay not run."""
        if not self.refused or self.stop.is_set():
            return
        for domain, task in items:
            self.record(domain, task, "refused", f"refused: {self.refused[0]}", 0.0)

    def attempt(self, slot: DesktopSlot, client: Any, task: Task, folder: Path) -> tuple[str, str]:
        """Run the task once in its own thread: ("ok" | "timeout" | "died" | "error" | "interrupt", detail)."""
        box: dict[str, Any] = {}
        finished = threading.Event()
        abandoned = threading.Event()

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
        write_atomic(
            folder / RUNNER_FILE, json.dumps({"status": status, "reason": reason, "wall_s": wall}) + "\n"
        )
        self.on_row(row_from_folder(domain, task, folder))


def _ensure_result_files(folder: Path, result: EpisodeResult) -> None:
    """result.json and (with a score) result.txt, when the task runner did not write them."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "result.json").exists():
        write_atomic(folder / "result.json", json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    if result.score is not None and not (folder / "result.txt").exists():
        write_atomic(folder / "result.txt", f"{result.score}\n")
