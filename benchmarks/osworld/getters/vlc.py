"""Getters for the VLC tasks: the playing state and VLC's settings file.

`vlc_playing_info` asks VLC's HTTP interface for `/requests/status.xml`, as
OSWorld does (port 8080, empty user, password "password"); the request runs on
the desktop, where VLC listens on its loopback, so nothing outside it needs to
reach VLC. VLC answers only when it was started with that interface
(`--extraintf http --http-password password`, or the same in vlcrc), as
OSWorld's VM image configures it; without it the getter gives None (score 0).
`vlc_config` copies ~/.config/vlc/vlcrc. The window-size getter VLC's full-screen
task uses is `system.vm_window_size`.
"""

from __future__ import annotations

import logging
from typing import Any

from benchmarks.osworld.getters.context import HOME, EvalContext, inside
from benchmarks.osworld.getters.files import copy_from_desktop
from envs.base import DesktopError

__all__ = ["VLC_PASSWORD", "VLC_PORT", "vlc_config", "vlc_playing_info"]

log = logging.getLogger(__name__)


VLC_PORT = 8080
VLC_PASSWORD = "password"


def vlc_playing_info(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """VLC's status.xml copied into the cache as `dest` (None when VLC does not answer)."""
    url = f"http://127.0.0.1:{VLC_PORT}/requests/status.xml"
    command = ["curl", "-s", "-f", "--max-time", "5", "-u", f":{VLC_PASSWORD}", url]
    try:
        out = ctx.desktop.execute(command)
    except DesktopError as exc:
        log.warning("vlc_playing_info: %s", exc)
        return None
    if out.returncode != 0 or "<root" not in out.output:
        log.info("vlc_playing_info: VLC's HTTP interface did not answer (rc %s)", out.returncode)
        return None
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    local = inside(ctx.cache_dir, spec.get("dest", "status.xml"), "dest")
    local.write_text(out.output, encoding="utf-8")
    return str(local)


def vlc_config(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """VLC's ~/.config/vlc/vlcrc, copied as `dest` (None when VLC never wrote one)."""
    return copy_from_desktop(ctx, f"{HOME}/.config/vlc/vlcrc", spec.get("dest", "vlcrc"))
