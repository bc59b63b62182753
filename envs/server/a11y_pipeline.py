"""The accessibility tree over raw D-Bus, many queries in flight at once, fewer of them.

Where the time went (cProfile and per-call timing on mousepad, 322 nodes): the libatspi
walker in a11y.py makes ~3,100 blocking D-Bus round trips per walk, ~9.6 per node (role,
name, states, attributes, child count, each child by index, and each action's name,
description and key binding as three calls). On an idle machine that is ~30 us a trip
(92 ms a walk); under load (this 2-core machine at load average 6-14) 60-160 us, as each
trip waits for the dbus-daemon and then the application to be scheduled. Our own CPU is
~20% of the walk and building the XML a few ms: the walk is bound by round trips.

This walker speaks the AT-SPI protocol through Gio, asynchronously: a node's queries go
out together, its children come in one GetChildren, and every node whose parent is known
is queried at the same time as the others (at most _IN_FLIGHT calls outstanding, follow-
ups of started nodes first). Role, interfaces and actions never change for an object (a
bus name is never reused), so they are kept from one walk to the next: a later walk asks
4 things per node (Name, ChildCount, states, attributes) plus children and boxes, ~1,300
calls for mousepad instead of ~3,100. Properties are asked one by one as libatspi does:
Properties.GetAll made Chromium abort (one of its properties cannot be marshalled).
Trade-off: a query costs more of our CPU here (GDBus + PyGObject) than through libatspi,
so on a starved machine a deadline-cut heavy walk finishes fewer nodes than a11y.py.

The XML is the same as a11y.py's (tests/envs/server/test_a11y_pipeline.py compares both
on mousepad, a filled Calc sheet and a big Chromium page), built from the finished nodes
in document order at the end. Bounds as before: max_nodes and a wall-clock deadline
(`truncated` on the root); an application whose call times out is dropped from the rest
of the walk; nodes still waiting for an answer when the deadline hits are left out.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from lxml import etree

from envs.server.a11y import (
    _ACT,
    _ATTR,
    _CP,
    _MAX_TEXT_CHARS,
    _VAL,
    NS_MAP,
    AccessibilityUnavailable,
    TreeLimits,
    _clean,
    _qname,
)
from envs.server.a11y import _connect as atspi_connect
from envs.server.a11y import _lock as a11y_lock
from envs.server.a11y import accessibility_tree_xml as reference_tree_xml
from envs.server.a11y_calc import calc_cells
from envs.server.atspi_dbus import (
    ACC,
    ACTION,
    COMPONENT,
    NULL_PATH,
    PROPS,
    REGISTRY,
    ROLE_EXTENDED,
    SHOWING,
    TEXT,
    VALUE,
    VALUE_PROPS,
    VISIBLE,
    P,
)

log = logging.getLogger(__name__)

_IN_FLIGHT = 64

_gio: Any = None
_glib: Any = None
_conn: Any = None
_roles: dict[int, str] = {}
_states: dict[int, str] = {}


def _connection(timeout_ms: int) -> Any:
    """The accessibility bus, found as libatspi finds it (AT_SPI_BUS_ADDRESS, else org.a11y.Bus)."""
    global _gio, _glib, _conn
    if _conn is not None and not _conn.is_closed():
        return _conn
    try:
        import gi

        gi.require_version("Atspi", "2.0")
        from gi.repository import Atspi, Gio, GLib
    except (ImportError, ValueError) as exc:
        raise AccessibilityUnavailable(f"AT-SPI bindings missing ({exc})") from exc
    _gio, _glib = Gio, GLib
    for i in range(int(Atspi.Role.LAST_DEFINED)):
        _roles[i] = Atspi.role_get_name(Atspi.Role(i))
    for i in range(int(Atspi.StateType.LAST_DEFINED)):
        # pyatspi's STATE_* names lower-cased, as in a11y.py: the enum nick with "-" -> "_"
        _states[i] = "{{{}}}{}".format(NS_MAP["st"], Atspi.StateType(i).value_nick.replace("-", "_"))
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


# One query: (bus name, object path, interface, method, (signature, args) or None).
_Query = tuple[str, str, str, str, Any]
# A node's work is a generator that yields batches of queries and receives their answers
# (the first value of each reply, None for an error): sequential to read, concurrent on
# the wire, since every node's generator runs at the same time as all the others'.
_Steps = Any


class _Static(NamedTuple):
    role: str
    ifaces: frozenset[str]


# Per object (bus name, path): what never changes, kept from one walk to the next; only
# the objects the last walk met stay, so the cache is as large as the tree at most.
_static: dict[tuple[str, str], _Static] = {}
# Actions (name, description, key binding) too: they belong to the kind of control.
_actions: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
_walk_lock = threading.Lock()
_params: dict[Any, Any] = {}
_attr_names: dict[str, str | None] = {}


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


def _set_bits(words: list[int] | None) -> list[int]:
    """GetState's two 32-bit words -> the state numbers, ascending."""
    out = []
    for w, word in enumerate((words or [])[:2]):
        while word:
            low = word & -word
            out.append(32 * w + low.bit_length() - 1)
            word ^= low
    return out


def _decode(method: str, v: Any) -> Any:
    fn = _DECODE.get(method)
    return fn(v) if fn is not None else v.unpack()


class _Node:
    __slots__ = ("app", "attrib", "children", "dead", "depth", "done", "in_calc", "path", "tag", "text")

    def __init__(self, app: str, path: str, depth: int, in_calc: bool) -> None:
        self.app, self.path, self.depth, self.in_calc = app, path, depth, in_calc
        self.done = self.dead = False
        self.tag = ""
        self.attrib: dict[str, str] = {}
        self.text = ""
        self.children: list[_Node | None] = []


class _Walk:
    def __init__(self, conn: Any, limits: TreeLimits, view: Any) -> None:
        self.conn, self.limits, self.view = conn, limits, view
        self.deadline = time.monotonic() + limits.max_seconds
        self.nodes = 0
        self.pending = 0
        self.stop_reason: str | None = None
        self.timed_out = False
        self.unresponsive: set[str] = set()
        self.errors = 0
        # Calls beyond _IN_FLIGHT wait here: the bus caps pending replies per connection,
        # and an application answers one call at a time anyway.
        # Follow-up queries of nodes already started go before the first queries of new
        # ones: when the deadline cuts the walk, finished nodes are what counts.
        self.queue: deque[tuple[_Query, Callable[[Any], None]]] = deque()
        self.later: deque[tuple[_Query, Callable[[Any], None]]] = deque()
        self.cancellable = _gio.Cancellable()
        # What this walk learnt that does not change: the next walk's cache.
        self.seen: dict[tuple[str, str], _Static] = {}
        self.seen_actions: dict[tuple[str, str], list[tuple[str, str, str]]] = {}

    # --- driving the generators -------------------------------------------------------------
    def run(self, node: _Node, steps: _Steps, answers: list[Any] | None = None) -> None:
        while True:
            try:
                batch: list[_Query] = steps.send(answers)
            except StopIteration:
                node.done = True
                return
            if node.app in self.unresponsive or self.timed_out:
                node.dead = not node.done  # its answers would be partial: leave the node out
                return
            if batch:
                break
            answers = []
        results: list[Any] = [None] * len(batch)
        left = [len(batch)]

        def one(i: int, value: Any) -> None:
            results[i] = value
            left[0] -= 1
            if left[0] == 0:
                self.run(node, steps, results)

        fresh = answers is None
        for i, query in enumerate(batch):
            self.send(query, functools.partial(one, i), fresh)

    def send(self, query: _Query, then: Callable[[Any], None], fresh: bool = False) -> None:
        if self.pending >= _IN_FLIGHT:
            (self.later if fresh else self.queue).append((query, then))
            return
        app, path, iface, method, args = query
        if app in self.unresponsive or self.timed_out:
            then(None)
            return
        self.pending += 1

        def done(conn: Any, result: Any, _: Any) -> None:
            self.pending -= 1
            value = None
            try:
                value = _decode(method, conn.call_finish(result).get_child_value(0))
            except _glib.Error as exc:
                self.errors += 1
                if (
                    exc.matches(_gio.io_error_quark(), _gio.IOErrorEnum.TIMED_OUT)
                    and app not in self.unresponsive
                ):
                    self.unresponsive.add(app)
                    log.warning("accessibility: application %s did not answer, skipped: %s", app, exc.message)
            except (IndexError, TypeError, AttributeError):
                pass  # an answer of an unexpected shape counts as no answer
            then(value)
            while (self.queue or self.later) and self.pending < _IN_FLIGHT:
                self.send(*(self.queue or self.later).popleft())

        params = None
        if args:
            # Building a GVariant through PyGObject costs more than the call itself (~50 us);
            # the same few argument tuples recur on every node.
            params = _params.get(args)
            if params is None:
                params = _glib.Variant(args[0], args[1])
                if len(_params) < 4096:  # cell coordinates and text lengths vary without end
                    _params[args] = params
        self.conn.call(
            app,
            path,
            iface,
            method,
            params,
            None,
            _gio.DBusCallFlags.NO_AUTO_START,
            self.limits.call_timeout_ms,
            self.cancellable,
            done,
            None,
        )

    def admit(self, into: list[_Node | None], ref: Any, depth: int, in_calc: bool) -> _Node | None:
        """A new node under a parent (in document order), its queries sent at once."""
        try:
            app, path = ref
        except (TypeError, ValueError):
            return None
        if not app or not path or path == NULL_PATH:
            return None
        if self.nodes >= self.limits.max_nodes:
            self.stop_reason = self.stop_reason or "max_nodes"
            return None
        node = _Node(app, path, depth, in_calc)
        self.nodes += 1
        into.append(node)
        self.run(node, self.node_steps(node))
        return node

    # --- one node ----------------------------------------------------------------------------
    def node_steps(self, node: _Node) -> _Steps:
        me = (node.app, node.path)
        known = _static.get(me)
        if known is None:
            role, name, child_count, bits, attrs, ifaces = yield [
                (*me, ACC, "GetRole", None),
                *self.changing(me),
                (*me, ACC, "GetInterfaces", None),
            ]
            if role is None:  # a dead object: nothing meaningful to show (as a11y.py)
                node.dead = True
                return
            role_name = _roles.get(role) if role != ROLE_EXTENDED else None
            if role_name is None:  # an application-defined role: only the application names it
                (role_name,) = yield [(*me, ACC, "GetRoleName", None)]
                if role_name is None:
                    node.dead = True
                    return
            known = _Static(role_name.strip(), frozenset(i.removeprefix(P) for i in ifaces or ()))
        else:
            # Role and interfaces are fixed for an object's life (and a bus name is never
            # reused), so a later walk asks only for what can change.
            name, child_count, bits, attrs = yield self.changing(me)
            if bits is None and name is None:  # gone since the last walk
                node.dead = True
                return
        self.seen[me] = known
        role_name, ifaces = known.role, known.ifaces
        child_count = child_count or 0
        states = _set_bits(bits)
        attrib = node.attrib
        attrib["name"] = _clean(name or "")
        for s in states:
            if s in _states:
                attrib[_states[s]] = "true"
        for key, value in (attrs or {}).items():
            qn = _attr_names.get(key, False)
            if qn is False:  # memoised: the same few attribute names recur on every node
                qn = _qname(_ATTR, key) if key else None
                if len(_attr_names) < 4096:
                    _attr_names[key] = qn
            if isinstance(qn, str):  # None: not a valid XML name (False never stays past the miss)
                attrib[qn] = _clean(value)
        tag = (role_name or "unknown").replace(" ", "-")
        node.tag = tag if _qname("{x}", tag) is not None else "unknown"

        # Everything else this node needs, and its children, in one batch.
        want: list[str] = []
        batch: list[_Query] = []

        def ask(key: str, query: _Query) -> None:
            want.append(key)
            batch.append(query)

        if "Component" in ifaces and VISIBLE in states and SHOWING in states:
            ask("box", (*me, COMPONENT, "GetExtents", ("(u)", (0,))))
        if "Text" in ifaces:
            ask("chars", (*me, PROPS, "Get", ("(ss)", (TEXT, "CharacterCount"))))
        if "Value" in ifaces:
            for prop in VALUE_PROPS:
                ask(prop, (*me, PROPS, "Get", ("(ss)", (VALUE, prop))))
        actions = _actions.get(me)
        if "Action" in ifaces and actions is None:
            ask("actions", (*me, ACTION, "GetActions", None))
        node.in_calc = node.in_calc or role_name == "document spreadsheet"
        calc_table = node.in_calc and role_name == "table"
        walk_children = node.depth < self.limits.max_depth and not calc_table
        kids = min(child_count, self.limits.max_children)
        if walk_children and kids and child_count <= self.limits.max_children:
            ask("children", (*me, ACC, "GetChildren", None))
        elif walk_children and kids:  # more than we take: ask for the first ones by index
            for i in range(kids):
                ask("child", (*me, ACC, "GetChildAtIndex", ("(i)", (i,))))
        got = yield batch
        answers = dict(zip(want, got, strict=True))

        if answers.get("box") is not None:
            self.box(attrib, answers["box"])
        if "Image" in ifaces:
            attrib["image"] = "true"
        if "Selection" in ifaces:
            attrib["selection"] = "true"
        for key, prop in zip(("value", "min", "max", "step"), VALUE_PROPS, strict=True):
            if answers.get(prop) is not None:
                attrib[_VAL + key] = str(float(answers[prop]))
        # Children start now, while this node's last answers are still on their way.
        for ref in answers.get("children") or ():
            self.admit(node.children, ref, node.depth + 1, node.in_calc)
        for key, ref in zip(want, got, strict=True):
            if key == "child" and ref is not None:
                self.admit(node.children, ref, node.depth + 1, node.in_calc)

        last: list[_Query] = []
        chars = min(int(answers.get("chars") or 0), _MAX_TEXT_CHARS)
        if chars > 0:
            last.append((*me, TEXT, "GetText", ("(ii)", (0, chars))))
        if actions is None:
            found = answers.get("actions") or []
            # GetActions gives localized names; the XML has the programmatic ones (GetName).
            last += [(*me, ACTION, "GetName", ("(i)", (i,))) for i in range(len(found))]
        if last:
            got = yield last
            if chars > 0:
                node.text = _clean((got.pop(0) or "").replace("\ufffc", "").replace("\ufffd", ""))
            if actions is None:
                actions = [(name, desc, kb) for name, (_, desc, kb) in zip(got, found, strict=True)]
        if actions:
            self.seen_actions[me] = actions
            for action, desc, kb in actions:
                action = (action or "").replace(" ", "-")
                if action and _qname(_ACT, action + "_desc"):
                    attrib[_ACT + action + "_desc"] = _clean(desc)
                    attrib[_ACT + action + "_kb"] = _clean(kb)
        if calc_table and node.depth < self.limits.max_depth:
            node.done = True  # complete itself: it stays even if its cells are cut short
            yield from calc_cells(self, node)

    @staticmethod
    def changing(me: tuple[str, str]) -> list[_Query]:
        """What may differ from one walk to the next. Properties one by one, as libatspi
        asks them: Properties.GetAll also runs getters nobody needs, and one of Chromium's
        answers a value libdbus cannot marshal, which aborts the browser (seen here)."""
        return [
            (*me, PROPS, "Get", ("(ss)", (ACC, "Name"))),
            (*me, PROPS, "Get", ("(ss)", (ACC, "ChildCount"))),
            (*me, ACC, "GetState", None),
            (*me, ACC, "GetAttributes", None),
        ]

    def box(self, attrib: dict[str, str], rect: Any) -> None:
        box = tuple(rect)
        if self.view is not None:
            box = self.view.box_from_screen(*box)  # off the chosen monitor: no box
        if box is not None:
            attrib[_CP + "screencoord"] = str((box[0], box[1]))
            attrib[_CP + "size"] = str((box[2], box[3]))

    # --- the whole desktop -------------------------------------------------------------------
    def walk(self) -> list[_Node]:
        ctx = _glib.MainContext.new()
        ctx.push_thread_default()  # our calls' replies are dispatched to this context only
        apps: list[_Node | None] = []
        registry: list[Any] = []
        try:

            def start(refs: Any) -> None:
                registry.append(refs)
                for ref in refs or ():
                    if len(apps) >= self.limits.max_children:
                        break
                    self.admit(apps, ref, 1, False)

            self.send((*REGISTRY, ACC, "GetChildren", None), start)
            # Wake up at the deadline even while every application is silent.
            wake = _glib.timeout_source_new(max(1, int((self.deadline - time.monotonic()) * 1000)))
            wake.set_callback(lambda *_: False)
            wake.attach(ctx)
            while self.pending or self.queue or self.later:
                if time.monotonic() >= self.deadline:
                    self.timed_out = True
                    self.stop_reason = "deadline"
                    break
                ctx.iteration(True)
            wake.destroy()
            if registry == [None]:
                raise AccessibilityUnavailable("the AT-SPI registry did not answer on the accessibility bus")
        finally:
            self.cancellable.cancel()  # late replies end as "cancelled", dispatched here
            while ctx.pending():
                ctx.iteration(False)
            ctx.pop_thread_default()
        return [a for a in apps if a is not None]


def _append(parent: etree._Element, node: _Node) -> None:
    if not node.done or node.dead:
        return
    el = etree.SubElement(parent, node.tag, attrib=node.attrib, nsmap=NS_MAP)
    if node.text:
        el.text = node.text
    for child in node.children:
        if child is not None:
            _append(el, child)


def accessibility_tree_xml(limits: TreeLimits | None = None, view: Any = None) -> str:
    """The whole desktop as OSWorld's `desktop-frame` XML (a11y.py's format and bounds)."""
    limits = limits or TreeLimits()
    with a11y_lock:
        atspi_connect(limits)  # the same checks and messages when there is no bus at all
    with _walk_lock:
        walk = _Walk(_connection(limits.call_timeout_ms), limits, view)
        apps = walk.walk()
        if not walk.timed_out:  # a cut walk saw only part of the tree: keep the old cache
            _static.clear()
            _static.update(walk.seen)
            _actions.clear()
            _actions.update(walk.seen_actions)
    root = etree.Element("desktop-frame", nsmap=NS_MAP)
    for app in apps:
        _append(root, app)
    if walk.stop_reason:
        root.set("truncated", "true")
        root.set("truncated_reason", walk.stop_reason)
    return etree.tostring(root, encoding="unicode")


def tree_xml(limits: TreeLimits | None = None, view: Any = None) -> str:
    """What GET /accessibility serves: this walker, or a11y.py's if this one breaks."""
    try:
        return accessibility_tree_xml(limits, view)
    except AccessibilityUnavailable:
        raise
    except Exception:  # a bug here must not cost the agent its tree: the reference walker
        log.exception("accessibility: the pipelined walker failed; using the libatspi walker")
        return reference_tree_xml(limits or TreeLimits(), view)
