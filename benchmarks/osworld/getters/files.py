"""Getters for files: from the desktop (`vm_file`, `list_directory`,
`content_from_vm_file`), shipped beside the task (`local_file`), downloaded gold
files (`cloud_file`) and files a postconfig step saved (`cache_file`).

A file that is not on the desktop gives None, which every file metric scores 0:
that is OSWorld's "a missing file scores 0". `cloud_file` is OSWorld's "download
the gold file": here the URL goes through the host's asset cache
(benchmarks/osworld/assets.py), so it works offline once the cache is filled.
Without a cache, or with the file missing from it (and fetching not allowed), it
raises `MissingAssets`, which names the URL; the evaluator scores that metric 0
and keeps the message.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime
from typing import Any

from benchmarks.osworld.assets import MissingAssets
from benchmarks.osworld.getters.context import EvalContext, inside
from envs.base import DesktopError

__all__ = [
    "cache_file",
    "cloud_file",
    "content_from_vm_file",
    "copy_from_desktop",
    "list_directory",
    "local_file",
    "vm_file",
]

log = logging.getLogger(__name__)


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
        local = inside(ctx.cache_dir, dest, "dest")
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


def copy_from_desktop(ctx: EvalContext, path: str, dest: str) -> str | None:
    """One desktop file copied into the cache as `dest` (vm_file's single form): its
    local path, or None when the desktop has no such file."""
    local = vm_file(ctx, {"path": path, "dest": dest})
    return local if isinstance(local, str) else None


def list_directory(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The `{type, name, children}` tree of a folder on the desktop (None if absent)."""
    try:
        return ctx.desktop.list_directory(spec["path"])
    except DesktopError as exc:
        log.info("list_directory: %s is not available: %s", spec["path"], exc)
        return None


def local_file(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Ours: a file shipped beside the task file (`path` relative to its folder),
    copied into the cache as `dest`. Lets our own tasks carry their gold files
    instead of downloading them (OSWorld's `cloud_file`)."""
    if ctx.task_dir is None:
        raise ValueError("local_file needs the task's folder (load the task with load_task)")
    source = inside(ctx.task_dir, spec["path"], "path")
    if not source.is_file():
        raise FileNotFoundError(f"local_file: {source} is not shipped with the task")
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    local = inside(ctx.cache_dir, spec.get("dest", source.name), "dest")
    local.write_bytes(source.read_bytes())
    return str(local)


def _pairs(spec: dict[str, Any], getter_name: str) -> tuple[list[str], list[str]]:
    if spec.get("multi", False):
        paths, dests = list(spec["path"]), list(spec["dest"])
        if len(paths) != len(dests):
            raise ValueError(f"{getter_name}: {len(paths)} paths but {len(dests)} dests")
        return paths, dests
    return [spec["path"]], [spec["dest"]]


def cloud_file(ctx: EvalContext, spec: dict[str, Any]) -> str | list[str]:
    """The file(s) at URL `path`, from the asset cache, copied into the evaluation cache as
    `dest`. Multi form as vm_file's (`multi`, lists, `gives`)."""
    urls, dests = _pairs(spec, "cloud_file")
    if ctx.assets is None:
        raise MissingAssets(urls, cache=None)
    lacking = ctx.assets.missing(urls)
    if lacking and ctx.fetch_assets:
        ctx.assets.fetch(lacking)  # AssetFetchError names what could not be fetched
        lacking = ctx.assets.missing(urls)
    if lacking:
        raise MissingAssets(lacking, cache=ctx.assets.folder)
    gives = set(spec.get("gives", [0]))
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    out: list[str] = []
    for i, (url, dest) in enumerate(zip(urls, dests)):
        local = inside(ctx.cache_dir, dest, "dest")
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ctx.assets.path_for(url), local)
        if i in gives:
            out.append(str(local))
    return out[0] if len(out) == 1 else out


def cache_file(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """A file the evaluator's postconfig saved (`execute` with `stdout: name`), by name."""
    path = inside(ctx.cache_dir, spec["path"], "path")
    if not path.is_file():
        raise FileNotFoundError(
            f"cache_file: {spec['path']!r} was not saved by a postconfig step (looked in {ctx.cache_dir})"
        )
    return str(path)


def content_from_vm_file(ctx: EvalContext, spec: dict[str, Any]) -> list[str] | None:
    """Part of a file's content; upstream knows one: the last row of an xlsx, as text."""
    if spec.get("file_type") != "xlsx" or spec.get("file_content") != "last_row":
        raise NotImplementedError(
            f"content_from_vm_file: {spec.get('file_type')!r}/"
            f"{spec.get('file_content')!r} (only xlsx/last_row exists upstream)"
        )
    path = spec["path"]
    local = copy_from_desktop(ctx, path, path.rstrip("/").rsplit("/", 1)[-1])
    if local is None:
        return None
    import pandas as pd

    frame = pd.read_excel(local)
    return frame.iloc[-1].astype(str).tolist()
