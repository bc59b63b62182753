"""The accessibility tree over raw D-Bus, many queries in flight at once, fewer of them.

Where the time went (cProfile and per-call timing on mousepad, 322 nodes): the libatspi
walker in a11y.py makes ~3,100 blocking D-Bus round trips per walk, ~9.6 per node (role,
name, states, attributes, child count, each child by index, and each action's name,
description and key binding as three calls). On an idle machine that is ~30 us a trip
(92 ms a walk); under load (this 2-core machine at load average 6-14) 60-160 us, as each
trip waits for the dbus-daemon and then the application to be scheduled. Our own CPU is
~20% of the walk and building the XML a few ms: the walk is bound by round trips.

This walker speaks the AT-SPI protocol through Gio, asynchronously, many calls in flight
at once, and keeps what never changes about an object from one walk to the next. Its parts:
a11y_bus (the connection, role and state names, replies decoded), a11y_driver (every node's
queries on the wire together, bounded), a11y_walk (what a node asks, how the answers become
attributes, the per-object cache), a11y_calc (a sheet's showing cells); this module writes
the XML. Trade-off: a query costs more of our CPU here (GDBus + PyGObject) than through
libatspi, so on a starved machine a deadline-cut heavy walk finishes fewer nodes than a11y.py.

The XML is the same as a11y.py's (tests/envs/server/test_a11y_pipeline.py compares both
on mousepad, a filled Calc sheet and a big Chromium page), built from the finished nodes
in document order at the end. Bounds as before: max_nodes and a wall-clock deadline
(`truncated` on the root); an application whose call times out is dropped from the rest
of the walk; nodes still waiting for an answer when the deadline hits are left out.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from lxml import etree

from envs.server.a11y import NS_MAP, AccessibilityUnavailable, TreeLimits
from envs.server.a11y import _connect as atspi_connect
from envs.server.a11y import _lock as a11y_lock
from envs.server.a11y import accessibility_tree_xml as reference_tree_xml
from envs.server.a11y_bus import connection
from envs.server.a11y_walk import Node, Walk

log = logging.getLogger(__name__)

_walk_lock = threading.Lock()


def _append(parent: etree._Element, node: Node) -> None:
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
        walk = Walk(connection(limits.call_timeout_ms), limits, view)
        apps = walk.walk()
        walk.remember()
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
