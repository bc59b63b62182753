"""Getters: what an evaluator reads from the desktop (or from the task) before scoring.

Each getter is `getter(ctx, spec) -> value`, where `spec` is the evaluator's
`result` or `expected` dict, as in OSWorld's `get_<type>(env, config)`. A file
that is not on the desktop gives None, which every file metric scores 0: that is
OSWorld's "a missing file scores 0".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from benchmarks.osworld.setup import as_flag
from envs.base import CommandOutput, DesktopError

if TYPE_CHECKING:
    from benchmarks.osworld.assets import AssetCache

__all__ = ["GETTERS", "EvalContext", "EvalDesktop", "Getter"]

log = logging.getLogger(__name__)


class EvalDesktop(Protocol):
    """What the getters need from a desktop; `envs.client.DesktopClient` has all of it."""

    def execute(self, command: list[str] | str, shell: bool = False) -> CommandOutput: ...

    def read_file(self, path: str) -> bytes: ...

    def list_directory(self, path: str) -> dict[str, Any]: ...

    def terminal_output(self) -> str | None: ...


@dataclass
class EvalContext:
    desktop: EvalDesktop
    cache_dir: Path               # files fetched for the metrics land here
    task_dir: Path | None = None  # the task file's folder, for files shipped beside it
    assets: AssetCache | None = None  # where cloud_file finds its URLs (getters_files.py)
    fetch_assets: bool = False        # download what the cache lacks (needs a network)
    clock: Callable[[], datetime] | None = None  # "now" for rule_relativeTime (tests)


Getter = Callable[[EvalContext, dict[str, Any]], Any]
GETTERS: dict[str, Getter] = {}


def getter(name: str) -> Callable[[Getter], Getter]:
    def register(fn: Getter) -> Getter:
        GETTERS[name] = fn
        return fn
    return register


def _inside(base: Path, name: str, what: str) -> Path:
    """`base / name`, refusing names that climb out of `base` (task files are data)."""
    path = (base / name).resolve()
    if path != base.resolve() and base.resolve() not in path.parents:
        raise ValueError(f"{what} {name!r} lies outside {base}")
    return path


@getter("vm_file")
def vm_file(ctx: EvalContext, spec: dict[str, Any]) -> str | None | list[str | None]:
    """Copy file(s) from the desktop into the cache; return the local path(s).

    Single form: `path`, `dest`. Multi form (`multi: true`): lists of `path` and
    `dest`, and `gives` (default [0]) picks which paths reach the metric: one
    index gives a path, several give a list. Missing files give None.
    """
    if spec.get("multi", False):
        paths, dests = list(spec["path"]), list(spec["dest"])
        if len(paths) != len(dests):
            raise ValueError(f"vm_file: {len(paths)} paths but {len(dests)} dests")
    else:
        paths, dests = [spec["path"]], [spec["dest"]]
        if spec.get("time_suffix", False):  # upstream: stamp the local copy's name
            stem, ext = os.path.splitext(dests[0])
            stamp = datetime.now().strftime(spec.get("time_format", "%Y%m%d_%H%M%S"))
            dests = [f"{stem}_{stamp}{ext}"]
    gives = set(spec.get("gives", [0]))
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    out: list[str | None] = []
    for i, (path, dest) in enumerate(zip(paths, dests)):
        local = _inside(ctx.cache_dir, dest, "dest")
        try:
            data = ctx.desktop.read_file(path)
        except DesktopError as exc:  # upstream: any failed /file answer is "no file"
            log.info("vm_file: %s is not available: %s", path, exc)
            if i in gives:
                out.append(None)
            continue
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(local.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(local)  # a metric never sees half a file
        if i in gives:
            out.append(str(local))
    return out[0] if len(out) == 1 else out


def _command(ctx: EvalContext, spec: dict[str, Any], getter: str) -> CommandOutput | None:
    try:
        return ctx.desktop.execute(spec["command"], shell=as_flag(spec.get("shell", False)))
    except DesktopError as exc:
        log.warning("%s failed: %s", getter, exc)
        return None


@getter("vm_command_line")
def vm_command_line(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Run a command on the desktop; its standard output (None if the desktop refused)."""
    out = _command(ctx, spec, "vm_command_line")
    return out.output if out else None


@getter("vm_command_error")
def vm_command_error(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Like vm_command_line, but the standard error."""
    out = _command(ctx, spec, "vm_command_error")
    return out.error if out else None


@getter("list_directory")
def list_directory(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The `{type, name, children}` tree of a folder on the desktop (None if absent)."""
    try:
        return ctx.desktop.list_directory(spec["path"])
    except DesktopError as exc:
        log.info("list_directory: %s is not available: %s", spec["path"], exc)
        return None


@getter("vm_terminal_output")
def vm_terminal_output(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Text of the focused terminal (None when there is none)."""
    return ctx.desktop.terminal_output()


@getter("accessibility_tree")
def accessibility_tree(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """The desktop's accessibility tree as XML (None when the desktop has none)."""
    try:
        return ctx.desktop.accessibility_tree()  # type: ignore[attr-defined]
    except (DesktopError, NotImplementedError, AttributeError) as exc:
        log.info("accessibility_tree: not available: %s", exc)
        return None


@getter("vm_screen_size")
def vm_screen_size(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, int]:
    """{"width", "height"} of the screen, as OSWorld's /screen_size answers."""
    width, height = ctx.desktop.screen_size()  # type: ignore[attr-defined]
    return {"width": width, "height": height}


@getter("rule")
def rule(ctx: EvalContext, spec: dict[str, Any]) -> Any:
    """The rules written in the task itself."""
    return spec["rules"]


@getter("local_file")
def local_file(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Ours: a file shipped beside the task file (`path` relative to its folder),
    copied into the cache as `dest`. Lets our own tasks carry their gold files
    instead of downloading them (OSWorld's `cloud_file`)."""
    if ctx.task_dir is None:
        raise ValueError("local_file needs the task's folder (load the task with load_task)")
    source = _inside(ctx.task_dir, spec["path"], "path")
    if not source.is_file():
        raise FileNotFoundError(f"local_file: {source} is not shipped with the task")
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    local = _inside(ctx.cache_dir, spec.get("dest", source.name), "dest")
    local.write_bytes(source.read_bytes())
    return str(local)


# Getters kept in their own modules register themselves when imported (at the end:
# they import this module's registry).
from benchmarks.osworld import getters_files, getters_time  # noqa: E402,F401
from benchmarks.osworld import getters_chrome, getters_chrome_profile  # noqa: E402,F401
from benchmarks.osworld import getters_apps, getters_vlc  # noqa: E402,F401
