"""Getters for files that come from somewhere other than a path the task names:
the asset cache (`cloud_file`), the evaluator's own cache (`cache_file`), and the
config files of the apps (`vlc_config`, `gimp_config_file`), plus `content_from_vm_file`.

`cloud_file` is OSWorld's "download the gold file": here the URL goes through the
host's asset cache (benchmarks/osworld/assets.py), so it works offline once the cache
is filled. Without a cache, or with the file missing from it (and fetching not
allowed), it raises `MissingAssets`, which names the URL; the evaluator scores that
metric 0 and keeps the message.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

from benchmarks.osworld.assets import MissingAssets
from benchmarks.osworld.getters import EvalContext, _inside, getter, vm_file
from envs.base import DesktopError

__all__ = ["HOME", "cache_file", "cloud_file", "content_from_vm_file", "gimp_config_file",
           "vlc_config", "vm_wallpaper"]

log = logging.getLogger(__name__)
HOME = "/home/user"  # the OSWorld VM's user, and our desktops' home


def _pairs(spec: dict[str, Any], getter_name: str) -> tuple[list[str], list[str]]:
    if spec.get("multi", False):
        paths, dests = list(spec["path"]), list(spec["dest"])
        if len(paths) != len(dests):
            raise ValueError(f"{getter_name}: {len(paths)} paths but {len(dests)} dests")
        return paths, dests
    return [spec["path"]], [spec["dest"]]


@getter("cloud_file")
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
        local = _inside(ctx.cache_dir, dest, "dest")
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ctx.assets.path_for(url), local)
        if i in gives:
            out.append(str(local))
    return out[0] if len(out) == 1 else out


@getter("cache_file")
def cache_file(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """A file the evaluator's postconfig saved (`execute` with `stdout: name`), by name."""
    path = _inside(ctx.cache_dir, spec["path"], "path")
    if not path.is_file():
        raise FileNotFoundError(f"cache_file: {spec['path']!r} was not saved by a postconfig step "
                                f"(looked in {ctx.cache_dir})")
    return str(path)


@getter("vlc_config")
def vlc_config(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """VLC's ~/.config/vlc/vlcrc, copied as `dest` (None when VLC never wrote one)."""
    return vm_file(ctx, {"path": f"{HOME}/.config/vlc/vlcrc", "dest": spec.get("dest", "vlcrc")})


@getter("gimp_config_file")
def gimp_config_file(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """A file of GIMP 2.10's config folder (`file_name`), copied as `dest`."""
    name = spec["file_name"]
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"gimp_config_file: file_name {name!r} must be a plain file name")
    return vm_file(ctx, {"path": f"{HOME}/.config/GIMP/2.10/{name}", "dest": spec.get("dest", name)})


@getter("content_from_vm_file")
def content_from_vm_file(ctx: EvalContext, spec: dict[str, Any]) -> list[str] | None:
    """Part of a file's content; upstream knows one: the last row of an xlsx, as text."""
    if spec.get("file_type") != "xlsx" or spec.get("file_content") != "last_row":
        raise NotImplementedError(f"content_from_vm_file: {spec.get('file_type')!r}/"
                                  f"{spec.get('file_content')!r} (only xlsx/last_row exists upstream)")
    path = spec["path"]
    local = vm_file(ctx, {"path": path, "dest": path.rstrip("/").rsplit("/", 1)[-1]})
    if local is None:
        return None
    import pandas as pd

    frame = pd.read_excel(local)
    return frame.iloc[-1].astype(str).tolist()


@getter("vm_wallpaper")
def vm_wallpaper(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """The desktop's wallpaper image (GNOME's picture-uri), copied as `dest`; None if unset."""
    from urllib.parse import unquote, urlsplit

    try:
        out = ctx.desktop.execute(["gsettings", "get", "org.gnome.desktop.background", "picture-uri"])
    except DesktopError as exc:
        log.info("vm_wallpaper: gsettings failed: %s", exc)
        return None
    uri = out.output.strip().strip("'\"") if out.returncode == 0 else ""
    if not uri:
        return None
    path = unquote(urlsplit(uri).path) if uri.startswith("file://") else uri
    return vm_file(ctx, {"path": path, "dest": spec.get("dest", "wallpaper")})

