"""The monitors of an X display, from RandR, and the scale factor the person's desktop uses.

    list_monitors(":0") -> [Monitor(index=0, name="DP-1", x=0, y=0, width=2560, ...), ...]

RandR 1.5 "monitors" are what xrandr --listmonitors shows and what desktops place
panels and maximised windows by: one per physical screen, or any rectangle set with
`xrandr --setmonitor`. python-xlib stops at RandR 1.3, so the two 1.5 requests we
need (GetMonitors, SetMonitor) are declared here on its wire-format machinery.
Older servers fall back to the active CRTCs (1.2), and a server without RandR to
one monitor covering the whole screen, so a choice of monitor 0 always works.

Scale: X11 itself has no logical pixels; toolkits scale by GDK_SCALE or Xft.dpi,
once for the whole screen. `detect_scale` reads them in that order (96 dpi = 1.0).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel, ConfigDict, Field
from Xlib import X
from Xlib import display as xdisplay
from Xlib import error as xerror
from Xlib.protocol import rq

from envs.xauth import cookie_file, missing_cookie_file, open_display

_GET_MONITORS, _SET_MONITOR, _DELETE_MONITOR = 42, 43, 44


class MonitorError(RuntimeError):
    """The display cannot be opened, or the monitor asked for does not exist."""


class Monitor(BaseModel):
    """One monitor, in physical screen pixels; `scale` is physical pixels per logical pixel."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0)
    name: str
    x: int
    y: int
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    primary: bool = False
    scale: float = Field(1.0, gt=0)

    def describe(self) -> str:
        star = " (primary)" if self.primary else ""
        return (
            f"{self.index}: {self.name} {self.width}x{self.height}+{self.x}+{self.y} "
            f"scale {self.scale:g}{star}"
        )


# --- RandR 1.5 on python-xlib's request machinery --------------------------------------------
_MonitorInfo = rq.Struct(
    rq.Card32("name"),  # an atom
    rq.Bool("primary"),
    rq.Bool("automatic"),
    rq.LengthOf("outputs", 2),
    rq.Int16("x"),
    rq.Int16("y"),
    rq.Card16("width"),
    rq.Card16("height"),
    rq.Card32("width_mm"),
    rq.Card32("height_mm"),
    rq.List("outputs", rq.Card32Obj),
)


class _GetMonitors(rq.ReplyRequest):
    _request = rq.Struct(
        rq.Card8("opcode"),
        rq.Opcode(_GET_MONITORS),
        rq.RequestLength(),
        rq.Window("window"),
        rq.Bool("get_active"),
        rq.Pad(3),
    )
    _reply = rq.Struct(
        rq.ReplyCode(),
        rq.Pad(1),
        rq.Card16("sequence_number"),
        rq.ReplyLength(),
        rq.Card32("timestamp"),
        rq.LengthOf("monitors", 4),
        rq.Card32("noutputs"),
        rq.Pad(12),
        rq.List("monitors", _MonitorInfo),
    )


class _SetMonitor(rq.Request):
    _request = rq.Struct(
        rq.Card8("opcode"),
        rq.Opcode(_SET_MONITOR),
        rq.RequestLength(),
        rq.Window("window"),
        rq.Card32("name"),
        rq.Bool("primary"),
        rq.Bool("automatic"),
        rq.LengthOf("outputs", 2),
        rq.Int16("x"),
        rq.Int16("y"),
        rq.Card16("width"),
        rq.Card16("height"),
        rq.Card32("width_mm"),
        rq.Card32("height_mm"),
        rq.List("outputs", rq.Card32Obj),
    )


class _DeleteMonitor(rq.Request):
    _request = rq.Struct(
        rq.Card8("opcode"),
        rq.Opcode(_DELETE_MONITOR),
        rq.RequestLength(),
        rq.Window("window"),
        rq.Card32("name"),
    )


@contextmanager
def _open(display: str | None) -> Iterator[xdisplay.Display]:
    name = display or os.environ.get("DISPLAY")
    if not name:
        raise MonitorError(
            "no X display: set DISPLAY (a Wayland-only session has none; "
            "log in to an X11 session to drive this screen)"
        )
    try:
        disp = open_display(name)  # also without an Xauthority file (envs/xauth.py)
    except (xerror.DisplayError, xerror.ConnectionClosedError, OSError) as exc:
        hint = ""
        if missing_cookie_file():
            hint = (
                f" (no Xauthority file: {cookie_file() or '$HOME unset'} does not exist; "
                "set XAUTHORITY to the file holding this display's cookie)"
            )
        raise MonitorError(f"cannot open X display {name}: {exc}{hint}") from exc
    try:
        yield disp
    finally:
        disp.close()


def _randr_version(disp: xdisplay.Display) -> tuple[int, int] | None:
    if not disp.has_extension("RANDR"):
        return None
    # python-xlib's xrandr_query_version announces 1.3, and the server answers with
    # the lower of the two versions: ask for 1.5 ourselves.
    from Xlib.ext import randr

    reply = randr.QueryVersion(
        display=disp.display,
        opcode=disp.display.get_extension_major("RANDR"),
        major_version=1,
        minor_version=5,
    )
    return reply.major_version, reply.minor_version


def _raw_monitors(disp: xdisplay.Display) -> list[tuple[str, int, int, int, int, bool]]:
    """(name, x, y, width, height, primary) in the server's order, best source available."""
    root = disp.screen().root
    version = _randr_version(disp)
    if version is not None and version >= (1, 5):
        reply = _GetMonitors(
            display=disp.display,
            opcode=disp.display.get_extension_major("RANDR"),
            window=root,
            get_active=True,
        )
        out = [
            (disp.get_atom_name(m.name) or f"monitor-{i}", m.x, m.y, m.width, m.height, bool(m.primary))
            for i, m in enumerate(reply.monitors)
        ]
        if out:
            return out
    if version is not None and version >= (1, 2):
        res = root.xrandr_get_screen_resources()
        primary = root.xrandr_get_output_primary().output
        out = []
        for crtc in res.crtcs:
            info = disp.xrandr_get_crtc_info(crtc, res.config_timestamp)
            if info.mode and info.width and info.height and info.outputs:
                name = disp.xrandr_get_output_info(info.outputs[0], res.config_timestamp).name
                out.append((name, info.x, info.y, info.width, info.height, primary in info.outputs))
        if out:
            return out
    screen = disp.screen()
    return [("screen", 0, 0, screen.width_in_pixels, screen.height_in_pixels, True)]


def _xft_dpi(disp: xdisplay.Display) -> float | None:
    prop = disp.screen().root.get_full_property(disp.get_atom("RESOURCE_MANAGER"), X.AnyPropertyType)
    if prop is None:
        return None
    text = prop.value.decode(errors="replace") if isinstance(prop.value, bytes) else str(prop.value)
    match = re.search(r"^Xft\.dpi:\s*([0-9.]+)\s*$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def _detect_scale(disp: xdisplay.Display) -> float:
    gdk = os.environ.get("GDK_SCALE", "").strip()
    if gdk.isdigit() and int(gdk) >= 1:
        return float(gdk)
    dpi = _xft_dpi(disp)
    if dpi and dpi > 0:
        return round(dpi / 96.0, 4)
    return 1.0


def detect_scale(display: str | None = None) -> float:
    """The desktop's scale factor: GDK_SCALE, else Xft.dpi / 96, else 1."""
    with _open(display) as disp:
        return _detect_scale(disp)


def list_monitors(display: str | None = None, scale: float | None = None) -> list[Monitor]:
    """The display's monitors, numbered as `xrandr --listmonitors` numbers them.

    `scale` overrides the detected scale factor (the same for every monitor on X11)."""
    if scale is not None and scale <= 0:
        raise MonitorError(f"scale must be positive, not {scale:g}")
    with _open(display) as disp:
        factor = scale if scale is not None else _detect_scale(disp)
        return [
            Monitor(index=i, name=name, x=x, y=y, width=w, height=h, primary=primary, scale=factor)
            for i, (name, x, y, w, h, primary) in enumerate(_raw_monitors(disp))
        ]


def whole_screen(display: str | None = None, scale: float | None = None) -> Monitor:
    """The whole X screen as one pseudo-monitor (a scale factor with no monitor chosen)."""
    with _open(display) as disp:
        screen = disp.screen()
        factor = scale if scale is not None else _detect_scale(disp)
        return Monitor(
            index=0,
            name="screen",
            x=0,
            y=0,
            width=screen.width_in_pixels,
            height=screen.height_in_pixels,
            primary=True,
            scale=factor,
        )


def choose_monitor(
    choice: int | str | None, display: str | None = None, scale: float | None = None
) -> Monitor:
    """A monitor by index ("1"), by name ("DP-1") or "primary"; None means the primary one."""
    monitors = list_monitors(display, scale)
    wanted = "primary" if choice is None else str(choice).strip()
    if wanted == "primary":
        return next((m for m in monitors if m.primary), monitors[0])
    for m in monitors:
        if (wanted.isdigit() and m.index == int(wanted)) or m.name == wanted:
            return m
    listing = "; ".join(m.describe() for m in monitors)
    raise MonitorError(f"no monitor {wanted!r} on this display; there are: {listing}")


def set_monitor(
    name: str,
    x: int,
    y: int,
    width: int,
    height: int,
    *,
    primary: bool = False,
    output: str | None = None,
    display: str | None = None,
) -> None:
    """Declare a RandR monitor, as `xrandr --setmonitor NAME W/0xH/0+X+Y OUTPUT|none`: how
    tests split one wide Xvfb screen in two. Naming a real `output` hides that output's
    automatic monitor. The X server forgets monitors when its last client leaves (unless
    it runs with -noreset)."""
    with _open(display) as disp:
        if (_randr_version(disp) or (0, 0)) < (1, 5):
            raise MonitorError("this X server has no RandR 1.5: cannot declare monitors")
        root = disp.screen().root
        outputs = []
        if output is not None:
            res = root.xrandr_get_screen_resources()
            names = {disp.xrandr_get_output_info(o, res.config_timestamp).name: o for o in res.outputs}
            if output not in names:
                raise MonitorError(f"no output {output!r}; there are: {', '.join(sorted(names))}")
            outputs = [names[output]]
        _SetMonitor(
            display=disp.display,
            opcode=disp.display.get_extension_major("RANDR"),
            window=root,
            name=disp.get_atom(name),
            primary=primary,
            automatic=False,
            x=x,
            y=y,
            width=width,
            height=height,
            width_mm=0,
            height_mm=0,
            outputs=outputs,
        )
        disp.sync()


def delete_monitor(name: str, display: str | None = None) -> None:
    with _open(display) as disp:
        _DeleteMonitor(
            display=disp.display,
            opcode=disp.display.get_extension_major("RANDR"),
            window=disp.screen().root,
            name=disp.get_atom(name),
        )
        disp.sync()
