"""Many nodes' D-Bus calls in flight at once: the driver that runs the pipelined walker's steps.

A node's work is a generator (its steps, see a11y_walk and a11y_calc) that yields batches
of queries and receives their answers (the first value of each reply, None for an error):
sequential to read, concurrent on the wire, since every node's generator runs at the same
time as all the others'. At most IN_FLIGHT calls are outstanding; follow-ups of started
nodes go first. An application whose call times out is dropped from the rest of the walk;
nodes still waiting for an answer when the deadline hits are left out.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from envs.server import a11y_bus as bus
from envs.server.a11y import TreeLimits
from envs.server.a11y_bus import decode

log = logging.getLogger(__name__)

IN_FLIGHT = 64

# One query: (bus name, object path, interface, method, (signature, args) or None).
Query = tuple[str, str, str, str, Any]
# A node's steps: the generator described above.
Steps = Any

_params: dict[Any, Any] = {}


class Owner(Protocol):
    """What the driver knows of a node: whose calls its steps make, and how they ended."""

    app: str
    done: bool
    dead: bool


class Driver:
    def __init__(self, conn: Any, limits: TreeLimits) -> None:
        self.conn, self.limits = conn, limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.pending = 0
        self.stop_reason: str | None = None
        self.timed_out = False
        self.unresponsive: set[str] = set()
        self.errors = 0
        # Calls beyond IN_FLIGHT wait here: the bus caps pending replies per connection,
        # and an application answers one call at a time anyway.
        # Follow-up queries of nodes already started go before the first queries of new
        # ones: when the deadline cuts the walk, finished nodes are what counts.
        self.queue: deque[tuple[Query, Callable[[Any], None]]] = deque()
        self.later: deque[tuple[Query, Callable[[Any], None]]] = deque()
        self.cancellable = bus.gio.Cancellable()

    def run(self, node: Owner, steps: Steps, answers: list[Any] | None = None) -> None:
        """Step a node's generator on, from its first batch (answers None) or the last one's answers."""
        while True:
            try:
                batch: list[Query] = steps.send(answers)
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

    def send(self, query: Query, then: Callable[[Any], None], fresh: bool = False) -> None:
        """One call now, or queued while IN_FLIGHT are outstanding; `then` gets its answer."""
        if self.pending >= IN_FLIGHT:
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
                value = decode(method, conn.call_finish(result).get_child_value(0))
            except bus.glib.Error as exc:
                self.errors += 1
                if (
                    exc.matches(bus.gio.io_error_quark(), bus.gio.IOErrorEnum.TIMED_OUT)
                    and app not in self.unresponsive
                ):
                    self.unresponsive.add(app)
                    log.warning("accessibility: application %s did not answer, skipped: %s", app, exc.message)
            except (IndexError, TypeError, AttributeError):
                pass  # an answer of an unexpected shape counts as no answer
            then(value)
            while (self.queue or self.later) and self.pending < IN_FLIGHT:
                self.send(*(self.queue or self.later).popleft())

        params = None
        if args:
            # Building a GVariant through PyGObject costs more than the call itself (~50 us);
            # the same few argument tuples recur on every node.
            params = _params.get(args)
            if params is None:
                params = bus.glib.Variant(args[0], args[1])
                if len(_params) < 4096:  # cell coordinates and text lengths vary without end
                    _params[args] = params
        self.conn.call(
            app,
            path,
            iface,
            method,
            params,
            None,
            bus.gio.DBusCallFlags.NO_AUTO_START,
            self.limits.call_timeout_ms,
            self.cancellable,
            done,
            None,
        )

    def drive(self, begin: Callable[[], None]) -> None:
        """Make the first calls (begin), then dispatch replies until none is due or the deadline."""
        ctx = bus.glib.MainContext.new()
        ctx.push_thread_default()  # our calls' replies are dispatched to this context only
        try:
            begin()
            # Wake up at the deadline even while every application is silent.
            wake = bus.glib.timeout_source_new(max(1, int((self.deadline - time.monotonic()) * 1000)))
            wake.set_callback(lambda *_: False)
            wake.attach(ctx)
            while self.pending or self.queue or self.later:
                if time.monotonic() >= self.deadline:
                    self.timed_out = True
                    self.stop_reason = "deadline"
                    break
                ctx.iteration(True)
            wake.destroy()
        finally:
            self.cancellable.cancel()  # late replies end as "cancelled", dispatched here
            while ctx.pending():
                ctx.iteration(False)
            ctx.pop_thread_default()
