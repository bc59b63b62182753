"""The X desktop's accessibility tree, as XML in exactly OSWorld's shape.

OSWorld's in-VM server answers `GET /accessibility` with `{"AT": xml}` where xml
is built from AT-SPI: one element per accessible, tag = role name, states and
object attributes as namespaced attributes, on-screen boxes as `cp:screencoord`
and `cp:size`. Agents and checkers written for OSWorld parse exactly that, so we
reproduce it attribute for attribute (see `_Walk._element`).

Two deliberate differences from upstream:
- We talk to `gi.repository.Atspi` directly instead of pyatspi (one less layer,
  and pyatspi is only a Debian package), and walk in one thread: libatspi is not
  thread-safe, so upstream's thread pool per application buys nothing reliable.
- The walk is BOUNDED by a node count and a wall-clock deadline. A LibreOffice
  sheet reports a million rows, and one frozen application would otherwise stall
  every request; when a bound is hit we keep what was built and mark the root
  `truncated="true" truncated_reason="max_nodes"|"deadline"` (readers that do
  not know these attributes ignore them).

Callers run this from one dedicated worker thread; the module lock only guards
against accidental concurrent use.

GET /accessibility serves the same XML from envs/server/a11y_pipeline.py, which
asks AT-SPI over D-Bus directly with its queries in flight together (several
times faster under load). This libatspi walker stays as its fallback, as the
reference the tests compare it with, and for /terminal.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

NS_MAP: dict[str, str] = {
    "st": "https://accessibility.ubuntu.example.org/ns/state",
    "attr": "https://accessibility.ubuntu.example.org/ns/attributes",
    "cp": "https://accessibility.ubuntu.example.org/ns/component",
    "doc": "https://accessibility.ubuntu.example.org/ns/document",
    "docattr": "https://accessibility.ubuntu.example.org/ns/document/attributes",
    "txt": "https://accessibility.ubuntu.example.org/ns/text",
    "val": "https://accessibility.ubuntu.example.org/ns/value",
    "act": "https://accessibility.ubuntu.example.org/ns/action",
}
_ST, _ATTR, _CP, _VAL, _ACT = (f"{{{NS_MAP[p]}}}" for p in ("st", "attr", "cp", "val", "act"))

# Upstream caps a LibreOffice sheet scan at 500 columns / rows; the node budget
# usually stops us much earlier.
_CALC_MAX_SPAN = 500
# Upstream reads a node's whole text; a multi-megabyte document would then cross
# D-Bus and land in the XML in full. Far above anything a checker or a prompt uses.
_MAX_TEXT_CHARS = 1 << 20
# Characters XML 1.0 cannot carry; lxml refuses the whole element if one shows up
# in a name or text (upstream would then lose the entire tree).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class AccessibilityUnavailable(RuntimeError):
    """AT-SPI cannot be reached: no session bus, no accessibility bus, no bindings."""


class TreeLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_nodes: int = Field(default=5000, ge=1)
    max_seconds: float = Field(default=5.0, gt=0)
    max_depth: int = Field(default=50, ge=1)  # upstream MAX_DEPTH; applications sit at depth 1
    max_children: int = Field(default=1024, ge=1)  # upstream MAX_WIDTH
    # Per D-Bus call. A frozen application costs one or two such waits (measured),
    # then the rest of it is skipped for this walk (see _Unresponsive).
    call_timeout_ms: int = Field(default=800, ge=10, le=60_000)


class _Unresponsive(Exception):
    """An application did not answer within the call timeout: abandon its subtree."""


_lock = threading.Lock()
_atspi: Any = None  # the gi.repository.Atspi module once atspi_init succeeded
_glib: Any = None


def _connect(limits: TreeLimits) -> Any:
    """Initialise libatspi once per process and return the Atspi module."""
    global _atspi, _glib
    if _atspi is None:
        xdg_bus = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"), "bus")
        if not (
            os.environ.get("DBUS_SESSION_BUS_ADDRESS")
            or os.environ.get("AT_SPI_BUS_ADDRESS")
            or os.path.exists(xdg_bus)
        ):
            # Without an address libdbus would "autolaunch" a stray dbus-daemon on
            # the X display, and applications would not be on that bus anyway.
            raise AccessibilityUnavailable(
                "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set in the server's "
                "environment (start the desktop under dbus-run-session / dbus-launch)"
            )
        try:
            import gi

            gi.require_version("Atspi", "2.0")
            from gi.repository import Atspi, GLib
        except (ImportError, ValueError) as exc:
            raise AccessibilityUnavailable(
                f"AT-SPI bindings missing ({exc}): need python gi and the Atspi-2.0 typelib "
                "(Debian: python3-gi, gir1.2-atspi-2.0)"
            ) from exc
        if Atspi.init() > 1:  # 0: initialised now, 1: already was; 2: no accessibility bus
            # atspi_init marks itself done even on failure, and the next call would then
            # abort the whole process (g_error); exit() resets it so a later try is safe.
            Atspi.exit()
            raise AccessibilityUnavailable(
                "cannot reach the AT-SPI accessibility bus: org.a11y.Bus on the session bus "
                f"({os.environ.get('DBUS_SESSION_BUS_ADDRESS', 'unset')}) did not give an address; "
                "is at-spi2-core installed and the session bus alive?"
            )
        _atspi, _glib = Atspi, GLib
    # startup_time -1: otherwise libatspi stretches the timeout to 15 s for any
    # application it first saw less than 15 s ago, which defeats the deadline.
    _atspi.set_timeout(limits.call_timeout_ms, -1)
    return _atspi


def _desktop_apps(atspi: Any) -> tuple[Any, int]:
    desktop = atspi.get_desktop(0)
    try:
        return desktop, desktop.get_child_count()
    except _glib.Error as exc:
        raise AccessibilityUnavailable(f"the AT-SPI registry did not answer: {exc.message}") from exc


def _clean(s: str | None) -> str:
    return _XML_INVALID.sub("", s) if s else ""


def _qname(prefix_uri: str, local: str) -> str | None:
    """`{uri}local`, or None when `local` is not a valid XML name (lxml would reject it)."""
    try:
        return etree.QName(prefix_uri[1:-1], local).text
    except ValueError:
        return None


class _Walk:
    """One bounded traversal: counts nodes, watches the clock, records why it stopped."""

    def __init__(self, atspi: Any, limits: TreeLimits, view: Any = None) -> None:
        self.A = atspi
        self.limits = limits
        self.view = view  # a ScreenView: boxes in the chosen monitor's coordinates
        self.deadline = time.monotonic() + limits.max_seconds
        self.nodes = 0
        self.stop_reason: str | None = None
        self.showing = atspi.StateType.SHOWING
        # state enum -> "{st}name": upstream's names come from pyatspi's STATE_* constants
        # lower-cased, i.e. "multi_line", which is the enum nick with "-" -> "_".
        self.state_keys = {
            i: _ST + atspi.StateType(i).value_nick.replace("-", "_")
            for i in range(int(atspi.StateType.LAST_DEFINED))
        }

    def budget_left(self) -> bool:
        if self.stop_reason is None:
            if self.nodes >= self.limits.max_nodes:
                self.stop_reason = "max_nodes"
            elif time.monotonic() >= self.deadline:
                self.stop_reason = "deadline"
        return self.stop_reason is None

    def call(self, fn: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        """One AT-SPI call; errors become `default` (dead objects, missing interfaces),
        except a timeout, which abandons the whole application (its next calls would
        each wait out the timeout too)."""
        try:
            return fn(*args)
        except Exception as exc:  # GLib.Error, or TypeError/ValueError on a NULL result
            msg = getattr(exc, "message", "") or str(exc)
            if isinstance(exc, _glib.Error) and (
                "did not receive a reply" in msg.lower() or "timeout" in msg.lower()
            ):
                raise _Unresponsive(msg) from exc
            return default

    def states(self, acc: Any) -> list[int]:
        st = self.call(acc.get_state_set)
        return [int(s) for s in (self.call(st.get_states, default=[]) if st else [])]

    def add(self, acc: Any, parent: etree._Element, depth: int, in_calc: bool) -> None:
        """Append `acc` to `parent` first, then its children, so that whatever is built
        before a limit or an unresponsive app stops us stays in the tree."""
        if not self.budget_left():
            return
        role = self.call(acc.get_role_name)
        if role is None:  # dead object: nothing meaningful to show
            return
        self.nodes += 1
        role = role.strip()
        el = self._element(acc, role, parent)
        in_calc = in_calc or role == "document spreadsheet"
        if depth >= self.limits.max_depth:
            return
        if in_calc and role == "table":
            self._calc_cells(acc, el, depth)
            return
        for i in range(min(self.call(acc.get_child_count, default=0), self.limits.max_children)):
            if not self.budget_left():
                return
            child = self.call(acc.get_child_at_index, i)
            if child is not None:
                self.add(child, el, depth + 1, in_calc)

    def _element(self, acc: Any, role: str, parent: etree._Element) -> etree._Element:
        A, call = self.A, self.call
        attrib: dict[str, str] = {"name": _clean(call(acc.get_name, default=""))}
        states = self.states(acc)
        for s in states:
            if s in self.state_keys:
                attrib[self.state_keys[s]] = "true"
        for key, value in (call(acc.get_attributes, default=None) or {}).items():
            qn = _qname(_ATTR, key) if key else None
            if qn:
                attrib[qn] = _clean(value)
        ifaces = set(call(acc.get_interfaces, default=None) or ())
        if "Component" in ifaces and int(A.StateType.VISIBLE) in states and int(self.showing) in states:
            r = call(A.Component.get_extents, acc, A.CoordType.SCREEN)
            box = (r.x, r.y, r.width, r.height) if r is not None else None
            if box is not None and self.view is not None:
                # Off the chosen monitor an element has no box, as if it were not on screen.
                box = self.view.box_from_screen(*box)
            if box is not None:
                attrib[_CP + "screencoord"] = str((box[0], box[1]))
                attrib[_CP + "size"] = str((box[2], box[3]))
        text = ""
        if "Text" in ifaces:
            n = min(call(A.Text.get_character_count, acc, default=0), _MAX_TEXT_CHARS)
            text = (
                (call(A.Text.get_text, acc, 0, n, default="") or "")
                .replace("\ufffc", "")
                .replace("\ufffd", "")
            )
        if "Image" in ifaces:
            attrib["image"] = "true"
        if "Selection" in ifaces:
            attrib["selection"] = "true"
        if "Value" in ifaces:
            for key, getter in (
                ("value", A.Value.get_current_value),
                ("min", A.Value.get_minimum_value),
                ("max", A.Value.get_maximum_value),
                ("step", A.Value.get_minimum_increment),
            ):
                v = call(getter, acc)
                if v is not None:
                    attrib[_VAL + key] = str(v)
        if "Action" in ifaces:
            for i in range(call(A.Action.get_n_actions, acc, default=0)):
                name = (call(A.Action.get_action_name, acc, i, default="") or "").replace(" ", "-")
                if name and _qname(_ACT, name + "_desc"):
                    attrib[_ACT + name + "_desc"] = _clean(
                        call(A.Action.get_action_description, acc, i, default="")
                    )
                    attrib[_ACT + name + "_kb"] = _clean(call(A.Action.get_key_binding, acc, i, default=""))
        tag = (role or "unknown").replace(" ", "-")
        if _qname("{x}", tag) is None:  # an application-defined role that is no XML name
            tag = "unknown"
        el = etree.SubElement(parent, tag, attrib=attrib, nsmap=NS_MAP)
        text = _clean(text)
        if text:
            el.text = text
        return el

    def _calc_cells(self, table: Any, el: etree._Element, depth: int) -> None:
        """A Calc sheet claims 2^20 rows x 2^14 columns: visit only the showing block.

        Rows from the first visible cell down until a row's first cell is not showing;
        along each row until the first cell that is not showing (upstream's rule)."""
        A, call = self.A, self.call
        n_rows = call(A.Table.get_n_rows, table, default=0)
        n_cols = call(A.Table.get_n_columns, table, default=0)
        start = self._first_visible_cell(table) if n_rows > 0 and n_cols > 0 else None
        if start is None:
            return
        r0, c0 = start
        for r in range(r0, min(n_rows, r0 + _CALC_MAX_SPAN)):
            row_added = False
            for c in range(c0, min(n_cols, c0 + _CALC_MAX_SPAN)):
                if not self.budget_left():
                    return
                cell = call(A.Table.get_accessible_at, table, r, c)
                if cell is None or int(self.showing) not in self.states(cell):
                    break
                self.add(cell, el, depth + 1, True)
                row_added = True
            if not row_added:
                return

    def _first_visible_cell(self, table: Any) -> tuple[int, int] | None:
        """Hit-test the sheet's top-left pixel: one call instead of scanning from A1
        (a scrolled sheet may show nothing of row 1 or column A)."""
        A, call = self.A, self.call
        box = call(A.Component.get_extents, table, A.CoordType.SCREEN)
        if box is not None and box.width > 0 and box.height > 0:
            cell = call(A.Component.get_accessible_at_point, table, box.x + 1, box.y + 1, A.CoordType.SCREEN)
            if cell is not None:
                pos = call(A.TableCell.get_position, cell)
                if pos is not None and pos[1] >= 0 and pos[2] >= 0:
                    return pos[1], pos[2]
                idx = call(cell.get_index_in_parent, default=-1)
                r = call(A.Table.get_row_at_index, table, idx, default=-1) if idx >= 0 else -1
                c = call(A.Table.get_column_at_index, table, idx, default=-1) if idx >= 0 else -1
                if r >= 0 and c >= 0:
                    return r, c
        cell = call(A.Table.get_accessible_at, table, 0, 0)
        if cell is not None and int(self.showing) in self.states(cell):
            return 0, 0
        return None


def accessibility_tree_xml(limits: TreeLimits = TreeLimits(), view: Any = None) -> str:
    """The whole desktop as OSWorld's `desktop-frame` XML, within `limits`; with a
    ScreenView, boxes are in its monitor's coordinates (and absent off it)."""
    with _lock:
        atspi = _connect(limits)
        walk = _Walk(atspi, limits, view)
        root = etree.Element("desktop-frame", nsmap=NS_MAP)
        desktop, n_apps = _desktop_apps(atspi)
        for i in range(min(n_apps, limits.max_children)):
            if not walk.budget_left():
                break
            try:
                app = walk.call(desktop.get_child_at_index, i)
                if app is not None:
                    walk.add(app, root, 1, False)
            except _Unresponsive as exc:
                log.warning("accessibility: application #%d did not answer, skipped: %s", i, exc)
        if walk.stop_reason:
            root.set("truncated", "true")
            root.set("truncated_reason", walk.stop_reason)
        return etree.tostring(root, encoding="unicode")


def find_terminal_text(limits: TreeLimits = TreeLimits()) -> str | None:
    """Text of the focused `terminal` inside an active application frame, else None.

    OSWorld's `/terminal` reads gnome-terminal this way (xpath
    application/frame[@st:active]//terminal[@st:focused]); we search every
    application, without building XML, under the same bounds."""
    with _lock:
        A = _connect(limits)
        walk = _Walk(A, limits)
        desktop, n_apps = _desktop_apps(A)
        active, focused = int(A.StateType.ACTIVE), int(A.StateType.FOCUSED)
        for i in range(min(n_apps, limits.max_children)):
            try:
                app = walk.call(desktop.get_child_at_index, i)
                for j in range(
                    min(walk.call(app.get_child_count, default=0) if app else 0, limits.max_children)
                ):
                    frame = walk.call(app.get_child_at_index, j)
                    if (
                        frame is None
                        or walk.call(frame.get_role, default=None) != A.Role.FRAME
                        or active not in walk.states(frame)
                    ):
                        continue
                    stack: list[tuple[Any, int]] = [(frame, 2)]
                    while stack:
                        if not walk.budget_left():
                            return None
                        acc, depth = stack.pop()
                        walk.nodes += 1
                        if walk.call(
                            acc.get_role, default=None
                        ) == A.Role.TERMINAL and focused in walk.states(acc):
                            n = min(walk.call(A.Text.get_character_count, acc, default=0), _MAX_TEXT_CHARS)
                            text = walk.call(A.Text.get_text, acc, 0, n, default="") or ""
                            return _clean(text.replace("\ufffc", "").replace("\ufffd", "")).rstrip()
                        if depth < limits.max_depth:
                            n = min(walk.call(acc.get_child_count, default=0), limits.max_children)
                            kids = (walk.call(acc.get_child_at_index, k) for k in range(n - 1, -1, -1))
                            stack.extend((kid, depth + 1) for kid in kids if kid is not None)
            except _Unresponsive as exc:
                log.warning("terminal: application #%d did not answer, skipped: %s", i, exc)
        return None
