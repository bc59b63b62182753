"""What part of the X screen a control server shows and acts on, and in what pixels.

A server restricted to one monitor (`--monitor N`) speaks that monitor's
coordinates: (0, 0) is its top-left corner, and with a scale factor s (HiDPI)
one protocol pixel is s physical pixels, so a 3840x2160 monitor at scale 2 is a
1920x1080 screen to the client. Every mapping between protocol and X coordinates
goes through this one class, so screenshots, clicks, the cursor, the screen size
and the accessibility tree cannot disagree. A point outside the monitor is
refused, never clamped: clicking the person's other screen is not a near miss.

A server without a view (the default) uses X coordinates unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from envs import actions as a
from envs.server.monitors import Monitor, choose_monitor, whole_screen
from envs.server.xinput import ActionError


class OutsideMonitor(ActionError):
    """A point the client gave lies outside the monitor this server is restricted to."""


@dataclass(frozen=True)
class ScreenView:
    x: int  # the monitor's physical rectangle on the X screen
    y: int
    width: int
    height: int
    scale: float = 1.0
    label: str = "the monitor"

    @classmethod
    def of(cls, monitor: Monitor) -> ScreenView:
        return cls(
            monitor.x,
            monitor.y,
            monitor.width,
            monitor.height,
            monitor.scale,
            f"monitor {monitor.index} ({monitor.name})",
        )

    # --- sizes ------------------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        """The protocol's screen size: the monitor in logical pixels."""
        return max(1, round(self.width / self.scale)), max(1, round(self.height / self.scale))

    @property
    def region(self) -> dict[str, int]:
        """The physical rectangle, as mss wants it."""
        return {"left": self.x, "top": self.y, "width": self.width, "height": self.height}

    # --- points -----------------------------------------------------------------------------
    def contains(self, x: float, y: float) -> bool:
        width, height = self.size
        return 0 <= x < width and 0 <= y < height

    def to_screen(self, x: int, y: int) -> tuple[int, int]:
        """A protocol point -> X screen pixel; OutsideMonitor when it is not on the monitor."""
        if not self.contains(x, y):
            width, height = self.size
            raise OutsideMonitor(
                f"({x}, {y}) is outside {self.label}: this server acts only "
                f"on it, and its coordinates run from (0, 0) to "
                f"({width - 1}, {height - 1})"
            )
        # The centre of the logical pixel, so a click lands inside what the screenshot showed.
        px = min(self.width - 1, math.floor((x + 0.5) * self.scale))
        py = min(self.height - 1, math.floor((y + 0.5) * self.scale))
        return self.x + px, self.y + py

    def from_screen(self, x: float, y: float) -> tuple[int, int]:
        """An X screen pixel -> protocol point (outside the monitor it lies outside the size)."""
        return math.floor((x - self.x) / self.scale), math.floor((y - self.y) / self.scale)

    def box_from_screen(self, x: int, y: int, width: int, height: int) -> tuple[int, int, int, int] | None:
        """An on-screen box -> protocol box, or None when no part of it is on the monitor."""
        if (
            x >= self.x + self.width
            or y >= self.y + self.height
            or x + width <= self.x
            or y + height <= self.y
        ):
            return None
        lx, ly = self.from_screen(x, y)
        return lx, ly, max(0, round(width / self.scale)), max(0, round(height / self.scale))

    # --- actions ----------------------------------------------------------------------------
    def map_action(self, op: a.DesktopAction) -> a.DesktopAction:
        """The same action in X coordinates; OutsideMonitor if any point is off the monitor."""
        if isinstance(op, (a.Click, a.MoveTo)):
            x, y = self.to_screen(op.x, op.y)
            return op.model_copy(update={"x": x, "y": y})
        if isinstance(op, a.Drag):
            x1, y1 = self.to_screen(op.x1, op.y1)
            x2, y2 = self.to_screen(op.x2, op.y2)
            return op.model_copy(update={"x1": x1, "y1": y1, "x2": x2, "y2": y2})
        if isinstance(op, (a.MouseDown, a.MouseUp, a.Scroll)) and op.x is not None and op.y is not None:
            x, y = self.to_screen(op.x, op.y)
            return op.model_copy(update={"x": x, "y": y})
        return op

    def check_pointer(self, op: a.DesktopAction, cursor: tuple[int, int]) -> None:
        """A button or wheel action without a point acts where the pointer is: refuse it
        when the pointer (X coordinates) is on another monitor."""
        if isinstance(op, (a.MouseDown, a.MouseUp, a.Scroll)) and op.x is None:
            lx, ly = self.from_screen(*cursor)
            if not self.contains(lx, ly):
                raise OutsideMonitor(
                    f"{op.type} without a point would act at the pointer, which "
                    f"is outside {self.label}; give x and y on the monitor"
                )


def needs_pointer(op: a.DesktopAction) -> bool:
    return isinstance(op, (a.MouseDown, a.MouseUp, a.Scroll)) and op.x is None


def resolve_view(
    monitor: int | str | None, scale: float | None, display: str | None = None
) -> tuple[ScreenView | None, Monitor | None]:
    """The view a server's settings ask for (MonitorError when the monitor does not exist).

    Neither a monitor nor a scale: no view, X coordinates as they are. A scale alone:
    the whole screen in logical pixels."""
    if monitor is None and scale is None:
        return None, None
    if monitor is None:
        screen = whole_screen(display, scale)
        return ScreenView(screen.x, screen.y, screen.width, screen.height, screen.scale, "the screen"), None
    chosen = choose_monitor(monitor, display, scale)
    return ScreenView.of(chosen), chosen
