"""The accessibility bus through Gio: the connection, AT-SPI's role and state names, replies decoded.

The pipelined walker (a11y_pipeline) speaks the AT-SPI protocol on the bus itself rather
than through libatspi: here it finds the bus as libatspi does and turns raw replies into
Python values. gi is imported on the first connection, so importing this module needs no
bindings; their absence is an AccessibilityUnavailable, as in a11y.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from envs.server.a11y import NS_MAP, AccessibilityUnavailable

# Gio and GLib, set by the first connection: read them as a11y_bus.gio and a11y_bus.glib.
gio: Any = None
glib: Any = None
_conn: Any = None
# ATSPI_ROLE_* number -> its name; ATSPI_STATE_* number -> the state's attribute name.
role_names: dict[int, str] = {}
state_attrs: dict[int, str] = {}


def connection(timeout_ms: int) -> Any:
    """The accessibility bus, found as libatspi finds it (AT_SPI_BUS_ADDRESS, else org.a11y.Bus)."""
    global gio, glib, _conn
    if _conn is not None and not _conn.is_closed():
        return _conn
    try:
        import gi

        gi.require_version("Atspi", "2.0")
        from gi.repository import Atspi, Gio, GLib
    except (ImportError, ValueError) as exc:
        raise AccessibilityUnavailable(f"AT-SPI bindings missing ({exc})") from exc
    gio, glib = Gio, GLib
    for i in range(int(Atspi.Role.LAST_DEFINED)):
        role_names[i] = Atspi.role_get_name(Atspi.Role(i))
    for i in range(int(Atspi.StateType.LAST_DEFINED)):
        # pyatspi's STATE_* names lower-cased, as in a11y.py: the enum nick with "-" -> "_"
        state_attrs[i] = "{{{}}}{}".format(NS_MAP["st"], Atspi.StateType(i).value_nick.replace("-", "_"))
    try:
        address = os.environ.get("AT_SPI_BUS_ADDRESS")
        if not address:
            session = Gio.bus_get_sync(Gio.BusType.SESSION, None)
            address = session.call_sync(
                "org.a11y.Bus",
                "/org/a11y/bus",
                "org.a11y.Bus",
                "GetAddress",
                None,
                GLib.VariantType("(s)"),
                Gio.DBusCallFlags.NONE,
                timeout_ms,
                None,
            ).unpack()[0]
        flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
        _conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
    except GLib.Error as exc:
        raise AccessibilityUnavailable(f"cannot reach the AT-SPI accessibility bus: {exc.message}") from exc
    return _conn


# Replies decoded with GLib's own getters where the type is fixed: PyGObject's generic
# Variant.unpack() is Python code and was a third of the walk's own time.
_DECODE: dict[str, Callable[[Any], Any]] = {
    "GetRole": lambda v: v.get_uint32(),
    "GetInterfaces": lambda v: v.get_strv(),
    "GetText": lambda v: v.get_string(),
    "GetName": lambda v: v.get_string(),
    "GetRoleName": lambda v: v.get_string(),
    "Get": lambda v: v.get_variant().unpack(),
    "GetIndexInParent": lambda v: v.get_int32(),
    "GetRowAtIndex": lambda v: v.get_int32(),
    "GetColumnAtIndex": lambda v: v.get_int32(),
}


def set_bits(words: list[int] | None) -> list[int]:
    """GetState's two 32-bit words -> the state numbers, ascending."""
    out = []
    for w, word in enumerate((words or [])[:2]):
        while word:
            low = word & -word
            out.append(32 * w + low.bit_length() - 1)
            word ^= low
    return out


def decode(method: str, v: Any) -> Any:
    """A reply's first value (a GVariant) as Python, by the method that answered it."""
    fn = _DECODE.get(method)
    return fn(v) if fn is not None else v.unpack()
