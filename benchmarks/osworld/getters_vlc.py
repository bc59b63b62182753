"""Getters for the VLC tasks: the playing state and a window's size.

`vlc_playing_info` asks VLC's HTTP interface for `/requests/status.xml`, as
OSWorld does (port 8080, empty user, password "password"); the request runs on
the desktop, where VLC listens on its loopback, so nothing outside it needs to
reach VLC. VLC answers only when it was started with that interface
(`--extraintf http --http-password password`, or the same in vlcrc), as
OSWorld's VM image configures it; without it the getter gives None (score 0).

`vm_window_size` is OSWorld's `/window_size`: the size of the first managed
window whose WM_CLASS (instance or class) is `app_class_name`, ignoring case.
"""

from __future__ import annotations

import logging
from typing import Any

from benchmarks.osworld.getters import EvalContext, _inside, getter
from envs.base import DesktopError

log = logging.getLogger(__name__)

VLC_PORT = 8080
VLC_PASSWORD = "password"


@getter("vlc_playing_info")
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
    local = _inside(ctx.cache_dir, spec.get("dest", "status.xml"), "dest")
    local.write_text(out.output, encoding="utf-8")
    return str(local)


def parse_wmctrl(listing: str, app_class_name: str) -> dict[str, int] | None:
    """The size of the first window of `wmctrl -lxG` whose WM_CLASS matches.

    A line reads `id desktop x y width height instance.Class host title...`.
    """
    wanted = app_class_name.lower()
    for line in listing.splitlines():
        fields = line.split(None, 7)
        if len(fields) < 7:
            continue
        wm_class = fields[6].lower()  # "instance.Class"; either part may hold dots itself
        if wm_class.startswith(wanted + ".") or wm_class.endswith("." + wanted):
            try:
                return {"width": int(fields[4]), "height": int(fields[5])}
            except ValueError:
                continue
    return None


@getter("vm_window_size")
def vm_window_size(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, int] | None:
    """{"width", "height"} of the app's window (None when it has no window).

    Asks the desktop's /window_size route (OSWorld's; logical pixels, like
    vm_screen_size); a desktop without it is asked through `wmctrl -lxG`.
    """
    name = spec["app_class_name"]
    ask = getattr(ctx.desktop, "window_size", None)
    if ask is not None:
        try:
            width, height = ask(name)
        except DesktopError as exc:  # 404: no window of that class
            log.info("vm_window_size: %s", exc)
            return None
        return {"width": width, "height": height}
    try:
        out = ctx.desktop.execute(["wmctrl", "-lxG"])
    except DesktopError as exc:
        log.warning("vm_window_size: %s", exc)
        return None
    if out.returncode != 0:
        log.info("vm_window_size: wmctrl failed: %s", out.error.strip())
        return None
    return parse_wmctrl(out.output, name)
