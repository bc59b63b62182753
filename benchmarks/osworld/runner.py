"""Run a split of OSWorld-format tasks on a pool of desktops, resumably.

    summary = run_split(tasks, config=config, out=Path("results/pyautogui/screenshot/gpt-4o"),
                        desktops=4, task_timeout_s=1800)

Worker threads each own ONE desktop for their lifetime (a LocalDesktop they start, or a
DesktopClient for a "URL" / "URL#TOKEN"), and take tasks from a shared queue. Each task
gets OSWorld's folder `out/<domain>/<task_id>/` (the EpisodeWriter folder): a folder
with result.txt is finished and skipped on a rerun; one without is a partial one,
removed and redone. Tasks this runner cannot set up or score are not run and count 0.

A task that overruns `task_timeout_s` is abandoned (its thread left behind, its desktop
replaced) and recorded as a timeout; a desktop that dies under a task is replaced and
the task retried once, then recorded "error: desktop died". The summary (summary.json,
summary.md) divides by every task of the split.

`backend="ray"` runs the same per-task logic (`TaskPool.run_task`) in a Ray actor per desktop
instead of a thread (ray_backend.py); planning, resume and the summary stay here. With
`assets` (an AssetCache), download steps and cloud_file getters are served from it.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from agent.config import AgentConfig
from agent.trajectory import EpisodeResult, write_atomic
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.summary import (
    RUNNER_FILE,
    Summary,
    TaskRow,
    Tasks,
    load_results,
    row_from_folder,
    task_entries,
    unsupported_reason,
    write_summary,
)
from benchmarks.osworld.tasks import Task
from benchmarks.osworld.desktops import DesktopSlot, DesktopStartFailed, desktop_specs
from envs.base import DesktopUnreachable

__all__ = ["BACKENDS", "RunOne", "TaskPool", "plan_tasks", "run_split", "run_task_on"]

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


BACKENDS = ("local", "ray")


def run_split(tasks: Tasks, *, config: AgentConfig, out: Path, desktops: int | list[str],
              task_timeout_s: float, size: tuple[int, int] = (1920, 1080), progress: bool = True,
              run_one: RunOne | None = None, backend: str = "local", address: str | None = None,
              assets: AssetCache | None = None, profile: str | None = None) -> Summary:
    """Run every task of the split (a list of tasks, or load_split's {domain: [tasks]}) on a
    pool of desktops; write out/summary.json and out/summary.md; return the summary.

    `desktops`: N local desktops, or URLs ("http://host:port" or "http://host:port#TOKEN").
    `run_one(client, task, config, folder) -> EpisodeResult` runs one task (default:
    run_task_on). `backend`: "local" (a thread per desktop, here) or "ray" (a Ray actor per
    desktop, on the cluster at `address`; see ray_backend.py). `assets`: the cache that
    serves downloads and gold files (tasks whose files it lacks are unsupported). A
    KeyboardInterrupt (Ctrl-C, or one raised by run_one) stops the pool, writes the summary
    so far, and is raised again; a rerun picks up where it stopped. `profile`: local
    desktops' profile ("osworld": what the OSWorld VM image provides, envs/profiles/).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: one of {', '.join(BACKENDS)}, not {backend!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = desktop_specs(desktops)
    entries = task_entries(tasks)
    done_rows: list[TaskRow] = []
    lock = threading.Lock()
    view = _Progress(len(entries), enabled=progress)

    def on_row(row: TaskRow) -> None:
        with lock:
            done_rows.append(row)
            view.advance(row, done_rows)

    if run_one is None:
        run_one = functools.partial(run_task_on, assets=assets) if assets is not None else run_task_on
    run = TaskPool(config=config, out=out, run_one=run_one, task_timeout_s=task_timeout_s,
               size=size, on_row=on_row, profile=profile)
    todo = plan_tasks(entries, out, on_row, assets)
    with view:
        if backend == "ray":
            from benchmarks.osworld.ray_backend import run_on_ray

            run_on_ray(run, todo, specs, address=address)
        else:
            _run_threads(run, todo, specs)
    summary = load_results(out, tasks, assets)
    write_summary(summary, out)
    if run.errors:
        raise run.errors[0]
    if run.interrupted:
        raise KeyboardInterrupt
    return summary


def plan_tasks(entries: list[tuple[str, Task]], out: Path, on_row: Callable[[TaskRow], None],
               assets: AssetCache | None = None) -> list[tuple[str, Task]]:
    """The tasks still to run. Finished ones (result.txt) and ones this runner cannot set up
    or score get their row now; a partial folder is removed when its task starts."""
    todo: list[tuple[str, Task]] = []
    for domain, task in entries:
        folder = out / domain / task.id
        if (folder / "result.txt").is_file():
            on_row(row_from_folder(domain, task, folder))  # finished earlier: resume skips it
            continue
        why = unsupported_reason(task, assets)
        if why:
            on_row(TaskRow(domain, task.id, "unsupported", reason=why))
            continue
        todo.append((domain, task))
    return todo


def _run_threads(run: TaskPool, todo: list[tuple[str, Task]], specs: list[str]) -> None:
    """The local backend: a thread per desktop, taking tasks from one queue."""
    for item in todo:
        run.todo.put(item)
    workers = [threading.Thread(target=run.worker, args=(spec,), name=f"desktop-{i}", daemon=True)
               for i, spec in enumerate(specs[:len(todo)])]
    try:
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(0.2)
    except KeyboardInterrupt:
        run.interrupted = True
        run.stop.set()
        run.close_desktops()  # in-flight tasks fail fast; their folders stay partial
        for w in workers:
            w.join(10)


class _Progress:
    """A rich progress bar: tasks finished of the split, and the score so far (over all tasks)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.bar: Any = None
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn("[bold]OSWorld[/]"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.description}"), TimeElapsedColumn())
            self.task = self.bar.add_task("", total=total)

    def __enter__(self) -> Self:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, row: TaskRow, rows: list[TaskRow]) -> None:
        if self.bar is None:
            return
        score = sum(r.score for r in rows)
        self.bar.update(self.task, advance=1,
                        description=f"score {score:g}/{self.total} = {score / max(self.total, 1):.1%}  "
                                    f"(last: {row.task_id} {row.status})")
