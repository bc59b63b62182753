"""Run a split of OSWorld-format tasks on a pool of desktops, resumably.

    summary = run_split(tasks, config=config, out=Path("results/pyautogui/screenshot/gpt-4o"),
                        desktops=4, task_timeout_s=1800)

Worker threads each lease ONE desktop from a provider (envs/providers: local desktops, QEMU
VMs, containers, a URL, ...; desktop_plan.py reads `desktops`) and take tasks from a shared
queue. Before every task but its first, a worker resets its desktop (a fresh local desktop,
a QEMU snapshot revert, ...), so no task starts where another left off. A desktop that
cannot be reset (a bare URL) runs one task; the tasks no other desktop takes are then
recorded as refused, unless `no_reset=True` (--no-reset) reuses it as it is, and the
summary marks the run not comparable. Each task gets OSWorld's folder
`out/<domain>/<task_id>/` (the EpisodeWriter folder): a folder with result.txt is finished
and skipped on a rerun; one without is a partial one, removed and redone. Tasks this
runner cannot set up or score are not run and count 0.

A task that overruns `task_timeout_s` is abandoned (its thread left behind, its desktop
reset) and recorded as a timeout; a desktop that dies under a task is reset (QEMU: rebooted)
and the task retried once, then recorded "error: desktop died". The summary (summary.json,
summary.md) divides by every task of the split.

`backend="ray"` runs the same per-task logic (pool.py's `TaskPool.run_task`) in a Ray actor per
desktop (each with a provider of its own) instead of a thread (ray_backend.py); planning,
resume and the summary stay here. With `assets` (an AssetCache), download steps and
cloud_file getters are served from it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from agent.config import AgentConfig
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.clean_start import used_urls
from benchmarks.osworld.desktop_plan import Desktops, close_quietly, desktop_units, plan_workers
from benchmarks.osworld.pool import RunOne, TaskPool, run_task_on
from benchmarks.osworld.summary import (
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
from envs.providers.base import Provider

__all__ = ["BACKENDS", "RunOne", "TaskPool", "plan_tasks", "run_split", "run_task_on"]

BACKENDS = ("local", "ray")


def run_split(
    tasks: Tasks,
    *,
    config: AgentConfig,
    out: Path,
    desktops: Desktops,
    task_timeout_s: float,
    size: tuple[int, int] = (1920, 1080),
    progress: bool = True,
    run_one: RunOne | None = None,
    backend: str = "local",
    address: str | None = None,
    assets: AssetCache | None = None,
    profile: str | None = None,
    no_reset: bool = False,
) -> Summary:
    """Run every task of the split (a list of tasks, or load_split's {domain: [tasks]}) on a
    pool of desktops; write out/summary.json and out/summary.md; return the summary.

    `desktops`: N local desktops, or `--desktops` words (desktop_plan.py: "local", a URL
    "http://host:port[#TOKEN]", "qemu:IMAGE.qcow2x4", ...; the thread backend also takes
    Provider objects, a worker each). `no_reset`: a desktop that cannot be reset takes more
    than one task anyway (the summary then says the run is not comparable).
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
    # Every desktop word is checked before any task runs (nothing starts until a worker acquires).
    if backend == "ray":
        units = desktop_units(desktops, size, profile)
    else:
        workers = plan_workers(desktops, size, profile)
    run = TaskPool(
        config=config,
        out=out,
        run_one=run_one,
        task_timeout_s=task_timeout_s,
        size=size,
        on_row=on_row,
        profile=profile,
        no_reset=no_reset,
        used_urls=frozenset(used_urls(out)),
    )
    with view:
        if backend == "ray":
            from benchmarks.osworld.ray_backend import run_on_ray

            run_on_ray(run, plan_tasks(entries, out, on_row, assets), units, address=address)
        else:
            try:
                _run_threads(run, plan_tasks(entries, out, on_row, assets), workers)
            finally:
                close_quietly([p for p, _ in workers])  # everything the providers started is gone
    summary = load_results(out, tasks, assets)
    write_summary(summary, out)
    if run.errors:
        raise run.errors[0]
    if run.interrupted:
        raise KeyboardInterrupt
    return summary


def plan_tasks(
    entries: list[tuple[str, Task]],
    out: Path,
    on_row: Callable[[TaskRow], None],
    assets: AssetCache | None = None,
) -> list[tuple[str, Task]]:
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


def _run_threads(run: TaskPool, todo: list[tuple[str, Task]], plan: list[tuple[Provider, str]]) -> None:
    """The local backend: a thread per desktop, taking tasks from one queue."""
    for item in todo:
        run.todo.put(item)
    workers = [
        threading.Thread(target=run.worker, args=(provider, label), name=f"desktop-{i}", daemon=True)
        for i, (provider, label) in enumerate(plan[: len(todo)])
    ]
    try:
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(0.2)
    except KeyboardInterrupt:
        run.interrupted = True
        run.stop.set()
        close_quietly([p for p, _ in plan])  # in-flight tasks fail fast; their folders stay partial
        for w in workers:
            w.join(10)
    left: list[tuple[str, Task]] = []
    while not run.todo.empty():
        left.append(run.todo.get_nowait())
    run.refuse_left(left)


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

            self.bar = Progress(
                TextColumn("[bold]OSWorld[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
            )
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
        self.bar.update(
            self.task,
            advance=1,
            description=f"score {score:g}/{self.total} = {score / max(self.total, 1):.1%}  "
            f"(last: {row.task_id} {row.status})",
        )
