"""The Ray backend of the split runner: one Ray actor per desktop, for many machines.

    run_split(tasks, ..., desktops=8, backend="ray", address="ray://head:10001")

Each `DesktopWorker` actor owns one desktop for its lifetime: in `__init__` it builds a
provider holding that one desktop (desktop_plan.DesktopUnit: a local desktop or a QEMU VM
then runs on the actor's node; a URL or an AWS instance elsewhere). It runs the tasks the
driver hands it, one at a time, with the local runner's own code (`TaskPool.run_task`: the
desktop reset before every task but the first, per-task timeout, a dead desktop reset and
its task retried once, runner.json for a task that ended without a score). A desktop that
cannot be reset says so after its first task and gets no more (unless --no-reset). The
actor writes the episode into a scratch folder on its node and returns the folder's files;
the driver writes them under `out/<domain>/<task_id>/`, so
`out` needs to exist only where the driver runs, and a task's folder appears whole or
not at all (resume then redoes it). Resume, the summary over every task and the
progress bar are the driver's, shared with the local backend (runner.run_split).

An actor that dies itself (its node lost) is replaced, and its task retried once.
The driver asks every actor to close (its provider's VMs and desktops stopped) when the run
ends, also on Ctrl-C, then kills them; finished tasks are on disk, in-flight ones are redone
on a rerun.

Ray is optional (`pip install deskpilot[ray]`); `address=None` joins the Ray instance this
process already started (ray.init) or starts a local one. On a cluster of several
machines every node needs deskpilot installed (with the desktop packages, for local
desktops), and the same paths for what tasks read on the host: the asset cache folder
and the task files (for gold files shipped beside them).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.osworld.summary import row_from_folder
from benchmarks.osworld.tasks import Task

if TYPE_CHECKING:
    from benchmarks.osworld.desktop_plan import DesktopUnit
    from benchmarks.osworld.pool import TaskPool

__all__ = ["DesktopWorker", "pack_folder", "run_on_ray", "unpack_folder"]

log = logging.getLogger(__name__)
ACTOR_RETRIES = 1  # a task whose actor died is given to a fresh actor this many times
TASK_MARGIN_S = 300.0  # beyond the task timeout: starting and closing a desktop, shipping files
START_TIMEOUT_S = 600.0  # no worker running and none started for this long: give up
WAIT_S = 2.0  # how often the driver looks at its deadlines
CLOSE_WAIT_S = 60.0  # how long the driver waits for its actors to close their desktops


def pack_folder(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to it."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def unpack_folder(files: dict[str, bytes], folder: Path) -> None:
    """Replace `folder` with `files`; names that climb out of it are refused."""
    staging = folder.with_name(folder.name + ".incoming")
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in files.items():
        path = (staging / name).resolve()
        if staging.resolve() not in path.parents:
            raise ValueError(f"a worker sent a file outside the task folder: {name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    staging.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


class DesktopWorker:
    """The body of the Ray actor (wrapped with ray.remote in run_on_ray): one desktop, and
    the local runner's per-task logic, writing into a scratch folder of its own."""

    def __init__(
        self,
        unit: DesktopUnit | str,
        size: tuple[int, int],
        config: Any,
        run_one: Any,
        task_timeout_s: float,
        profile: str | None = None,
        no_reset: bool = False,
        used_urls: frozenset[str] = frozenset(),
    ) -> None:
        from benchmarks.osworld.desktop_plan import DesktopUnit
        from benchmarks.osworld.desktops import DesktopSlot
        from benchmarks.osworld.pool import TaskPool

        unit = DesktopUnit(unit) if isinstance(unit, str) else unit
        # This actor's own provider, holding its one desktop: acquired with the first task.
        self.provider = unit.provider(size, profile)
        self.scratch = Path(tempfile.mkdtemp(prefix="deskpilot-ray-"))
        self.slot = DesktopSlot(self.provider, unit.label, no_reset=no_reset, used_urls=used_urls)
        self.run = TaskPool(
            config=config,
            out=self.scratch,
            run_one=run_one,
            task_timeout_s=task_timeout_s,
            size=size,
            on_row=lambda row: None,
            profile=profile,
            no_reset=no_reset,
        )

    def ready(self) -> str:
        """Answers once the actor runs: where it runs."""
        return f"{socket.gethostname()}:{os.getpid()}"

    def run_task(self, domain: str, task: Task) -> dict[str, Any]:
        """Run one task; its folder's files, whether this worker can go on (and if not because
        its desktop cannot be reset, why), and whether the task asked to stop the run (a
        KeyboardInterrupt inside it)."""
        self.run.refused.clear()
        alive = self.run.run_task(self.slot, domain, task)
        if alive and (why := self.slot.refusal()) is not None:
            alive = False
            self.run.refused.append(why)
        folder = self.scratch / domain / task.id
        files = pack_folder(folder)
        shutil.rmtree(folder, ignore_errors=True)
        return {
            "files": files,
            "alive": alive,
            "interrupted": self.run.interrupted,
            "refused": list(self.run.refused),
        }

    def close(self) -> None:
        """Release the desktop and stop everything this actor's provider started."""
        try:
            self.slot.release()
            self.provider.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _actor_options(unit: DesktopUnit) -> dict[str, Any]:
    # A desktop on the actor's node (Xvfb and its apps, a VM) needs a core there; a remote
    # one runs elsewhere, so its actor only waits on HTTP.
    return {"num_cpus": 0 if unit.remote else 1, "max_restarts": 0, "max_concurrency": 1}


def run_on_ray(
    run: TaskPool,
    todo: list[tuple[str, Task]],
    units: list[DesktopUnit],
    *,
    address: str | None = None,
    start_timeout_s: float = START_TIMEOUT_S,
) -> None:
    """Run `todo` on one actor per desktop unit; rows go to run.on_row as tasks finish.

    A task goes only to an actor that has started (a cluster with fewer free cores than
    desktops starts the rest when it can, and they get no work before). The driver also
    keeps a deadline per task (the task timeout plus a margin for starting and closing a
    desktop): an actor past it is killed and the task recorded as a timeout. Tasks left
    when every actor stopped because its desktop cannot be reset are recorded as refused.
    """
    import ray
    from ray.exceptions import RayActorError

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote_cls = ray.remote(DesktopWorker)
    queue = list(todo)
    tries: dict[str, int] = {}
    starting: dict[Any, tuple[Any, DesktopUnit]] = {}  # ready() ref -> (actor, unit)
    # ref -> (actor, unit, domain, task, deadline)
    in_flight: dict[Any, tuple[Any, DesktopUnit, str, Task, float]] = {}
    actors: list[Any] = []
    open_actors: list[Any] = []  # started and not closed yet: closed in the end (their desktops)

    def new_actor(unit: DesktopUnit) -> None:
        # Any: Ray's stubs type an actor handle's methods as plain callables, not remotes.
        actor: Any = remote_cls.options(**_actor_options(unit)).remote(
            unit, run.size, run.config, run.run_one, run.timeout, run.profile, run.no_reset, run.used_urls
        )
        actors.append(actor)
        starting[actor.ready.remote()] = (actor, unit)

    def hand_out(actor: Any, unit: DesktopUnit) -> None:
        if not queue or run.stop.is_set():
            close(actor)
            return
        domain, task = queue.pop(0)
        deadline = time.monotonic() + run.timeout + TASK_MARGIN_S
        in_flight[actor.run_task.remote(domain, task)] = (actor, unit, domain, task, deadline)

    def close(actor: Any) -> None:
        if actor in open_actors:
            open_actors.remove(actor)
        _close(ray, actor)

    def lost(unit: DesktopUnit, domain: str, task: Task, why: str, status: str = "error") -> None:
        """The task's actor is gone: retry the task on a fresh one once, then record it."""
        tries[task.id] = tries.get(task.id, 0) + 1
        if status == "error" and tries[task.id] <= ACTOR_RETRIES:
            queue.insert(0, (domain, task))
        else:
            run.record(domain, task, status, why, 0.0)
        if queue and not run.stop.is_set():
            new_actor(unit)

    try:
        for unit in units[: len(queue)]:
            new_actor(unit)
        idle_since = time.monotonic()
        while in_flight or (starting and queue and not run.stop.is_set()):
            ready, _ = ray.wait([*in_flight, *starting], num_returns=1, timeout=WAIT_S)
            for ref in ready:
                if ref in starting:
                    actor, unit = starting.pop(ref)
                    try:
                        ray.get(ref)
                    except RayActorError as exc:
                        log.warning("a Ray worker did not start: %s", exc)
                        continue
                    open_actors.append(actor)
                    hand_out(actor, unit)
                    continue
                actor, unit, domain, task, _deadline = in_flight.pop(ref)
                try:
                    reply = ray.get(ref)
                except RayActorError as exc:
                    log.warning("task %s: its Ray worker died (%s)", task.id, exc)
                    if actor in open_actors:
                        open_actors.remove(actor)
                    lost(unit, domain, task, f"error: the Ray worker died ({exc})")
                    continue
                if reply["files"]:  # none: the run was stopped before the task wrote anything
                    folder = run.out / domain / task.id
                    unpack_folder(reply["files"], folder)
                    run.on_row(row_from_folder(domain, task, folder))
                if reply["interrupted"]:
                    run.interrupted = True
                    run.stop.set()
                run.refused += reply.get("refused", [])
                if reply["alive"]:
                    hand_out(actor, unit)
                else:
                    close(actor)
            now = time.monotonic()
            for ref, (actor, unit, domain, task, deadline) in list(in_flight.items()):
                if now > deadline:  # the actor itself is stuck: its own timeout did not fire
                    del in_flight[ref]
                    if actor in open_actors:
                        open_actors.remove(actor)
                    ray.kill(actor, no_restart=True)
                    lost(
                        unit,
                        domain,
                        task,
                        f"timeout after {run.timeout:g} s (the Ray worker stopped answering)",
                        status="timeout",
                    )
            if in_flight or not starting:
                idle_since = now
            elif now - idle_since > start_timeout_s:
                raise RuntimeError(
                    f"no Ray worker started within {start_timeout_s:g} s: does the "
                    f"cluster have the resources for {len(starting)} desktop(s)?"
                )
        run.refuse_left(queue)
    except KeyboardInterrupt:
        run.interrupted = True
        run.stop.set()
    except BaseException as exc:  # noqa: BLE001 - reported by run_split like the local pool's
        run.errors.append(exc)
        run.stop.set()
    finally:
        _close_all(ray, open_actors, wait_s=10.0 if run.stop.is_set() else CLOSE_WAIT_S)
        for actor in actors:  # the rest: closed, dead, or never started
            ray.kill(actor, no_restart=True)
        if started_here:
            ray.shutdown()


def _close(ray: Any, actor: Any) -> None:
    try:
        ray.get(actor.close.remote(), timeout=CLOSE_WAIT_S)
    except Exception as exc:  # noqa: BLE001 - closing is best effort
        log.debug("closing a Ray worker: %s", exc)


def _close_all(ray: Any, actors: list[Any], wait_s: float = CLOSE_WAIT_S) -> None:
    """Ask every actor to close its desktops (all at once, for `wait_s` at most: one still
    busy with a task cannot answer), then kill them all. A QEMU VM whose actor is killed
    before it closed is removed by its watchdog."""
    refs = []
    for actor in actors:
        try:
            refs.append(actor.close.remote())
        except Exception as exc:  # noqa: BLE001 - a dead actor: nothing to close
            log.debug("closing a Ray worker: %s", exc)
    if refs:
        try:
            ray.wait(refs, num_returns=len(refs), timeout=wait_s)
        except Exception as exc:  # noqa: BLE001 - killing them below is what matters
            log.debug("waiting for Ray workers to close: %s", exc)
    for actor in actors:
        ray.kill(actor, no_restart=True)
