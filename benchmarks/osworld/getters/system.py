"""Getters reading the desktop itself: command output, the terminal, the
accessibility tree, screen and window sizes, the wallpaper, the default video player.

Written from the behaviour of OSWorld's `getters/general.py`, `misc.py`, `vlc.py`
(get_default_video_player) and the `/window_size` route of its VM server.
"""

from __future__ import annotations

import logging
import shlex
from collections import Counter
from typing import Any

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.getters.files import copy_from_desktop
from benchmarks.osworld.setup import as_flag
from envs.base import CommandOutput, DesktopError

__all__ = [
    "accessibility_tree",
    "default_video_player",
    "parse_wmctrl",
    "vm_command_error",
    "vm_command_line",
    "vm_screen_size",
    "vm_terminal_output",
    "vm_wallpaper",
    "vm_window_size",
]

log = logging.getLogger(__name__)


def _command(ctx: EvalContext, spec: dict[str, Any], getter: str) -> CommandOutput | None:
    try:
        return ctx.desktop.execute(spec["command"], shell=as_flag(spec.get("shell", False)))
    except DesktopError as exc:
        log.warning("%s failed: %s", getter, exc)
        return None


def vm_command_line(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Run a command on the desktop; its standard output (None if the desktop refused)."""
    out = _command(ctx, spec, "vm_command_line")
    return out.output if out else None


def vm_command_error(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Like vm_command_line, but the standard error."""
    out = _command(ctx, spec, "vm_command_error")
    return out.error if out else None


def vm_terminal_output(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Text of the focused terminal (None when there is none)."""
    return ctx.desktop.terminal_output()


def accessibility_tree(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """The desktop's accessibility tree as XML (None when the desktop has none)."""
    try:
        return ctx.desktop.accessibility_tree()  # type: ignore[attr-defined]  # optional route: AttributeError is caught
    except (DesktopError, NotImplementedError, AttributeError) as exc:
        log.info("accessibility_tree: not available: %s", exc)
        return None


def vm_screen_size(ctx: EvalContext, spec: dict[str, Any]) -> dict[str, int]:
    """{"width", "height"} of the screen, as OSWorld's /screen_size answers."""
    width, height = ctx.desktop.screen_size()  # type: ignore[attr-defined]  # optional route: AttributeError is caught
    return {"width": width, "height": height}


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
    return copy_from_desktop(ctx, path, spec.get("dest", "wallpaper"))


# Upstream's list, duplicates included: they weigh the vote the same way.
VIDEO_TYPES = [
    t
    for t in (
        "3gp 3gpp 3gpp2 avi divx dv fli flv mp2t mp4 mp4v-es mpeg mpeg-system msvideo ogg quicktime "
        "vnd.divx vnd.mpegurl vnd.rn-realvideo webm x-anim x-avi x-flc x-fli x-flv x-m4v x-matroska "
        "x-mpeg x-mpeg-system x-mpeg2 x-ms-asf x-ms-asf-plugin x-ms-asx x-ms-wm x-ms-wmv x-ms-wmx "
        "x-ms-wvx x-msvideo x-nsv x-ogm x-theora x-theora+ogg"
    ).split()
    for _ in (0, 1)
] + ["x-ogm+ogg"]


def default_video_player(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """The desktop file most video MIME types open with (`xdg-mime query default`),
    or "unknown"."""
    # One round trip: a line per type, empty where the type has no default.
    script = "; ".join(
        f'printf "%s\\n" "$(xdg-mime query default {shlex.quote("video/" + t)} 2>/dev/null)"'
        for t in VIDEO_TYPES
    )
    try:
        out = ctx.desktop.execute(["sh", "-c", script])
    except DesktopError as exc:
        log.warning("default_video_player: %s", exc)
        return "unknown"
    apps = [line.strip() for line in out.output.splitlines() if line.strip()]
    return Counter(apps).most_common(1)[0][0] if apps else "unknown"
