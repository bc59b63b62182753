"""One walk of the desktop: what each node asks the bus, and how its answers become XML attributes.

A node's queries go out together and its children come in one GetChildren; each child
starts as soon as it is known (a11y_driver runs them all at once). Role, interfaces and
actions never change for an object (a bus name is never reused), so they are kept from
one walk to the next: a later walk asks 4 things per node (Name, ChildCount, states,
attributes) plus children and boxes, ~1,300 calls for mousepad instead of ~3,100.
The nodes stay in document order; a11y_pipeline writes the finished ones out.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from envs.server.a11y import (
    _ACT,
    _ATTR,
    _CP,
    _MAX_TEXT_CHARS,
    _VAL,
    AccessibilityUnavailable,
    TreeLimits,
    _clean,
    _qname,
)
from envs.server.a11y_bus import role_names, set_bits, state_attrs
from envs.server.a11y_calc import calc_cells
from envs.server.a11y_driver import Driver, Query, Steps
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


class Static(NamedTuple):
    role: str
    ifaces: frozenset[str]


# Per object (bus name, path): what never changes, kept from one walk to the next; only
# the objects the last walk met stay, so the cache is as large as the tree at most.
_static: dict[tuple[str, str], Static] = {}
# Actions (name, description, key binding) too: they belong to the kind of control.
_actions: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
_attr_names: dict[str, str | None] = {}


class Node:
    __slots__ = ("app", "attrib", "children", "dead", "depth", "done", "in_calc", "path", "tag", "text")

    def __init__(self, app: str, path: str, depth: int, in_calc: bool) -> None:
        self.app, self.path, self.depth, self.in_calc = app, path, depth, in_calc
        self.done = self.dead = False
        self.tag = ""
        self.attrib: dict[str, str] = {}
        self.text = ""
        self.children: list[Node | None] = []


class Walk(Driver):
    def __init__(self, conn: Any, limits: TreeLimits, view: Any) -> None:
        super().__init__(conn, limits)
        self.view = view
        self.nodes = 0
        # What this walk learnt that does not change: the next walk's cache.
        self.seen: dict[tuple[str, str], Static] = {}
        self.seen_actions: dict[tuple[str, str], list[tuple[str, str, str]]] = {}

    def admit(self, into: list[Node | None], ref: Any, depth: int, in_calc: bool) -> Node | None:
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
        node = Node(app, path, depth, in_calc)
        self.nodes += 1
        into.append(node)
        self.run(node, self.node_steps(node))
        return node

    # --- one node ----------------------------------------------------------------------------
    def node_steps(self, node: Node) -> Steps:
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
            role_name = role_names.get(role) if role != ROLE_EXTENDED else None
            if role_name is None:  # an application-defined role: only the application names it
                (role_name,) = yield [(*me, ACC, "GetRoleName", None)]
                if role_name is None:
                    node.dead = True
                    return
            known = Static(role_name.strip(), frozenset(i.removeprefix(P) for i in ifaces or ()))
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
        states = set_bits(bits)
        attrib = node.attrib
        attrib["name"] = _clean(name or "")
        for s in states:
            if s in state_attrs:
                attrib[state_attrs[s]] = "true"
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
        batch: list[Query] = []

        def ask(key: str, query: Query) -> None:
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

        last: list[Query] = []
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
    def changing(me: tuple[str, str]) -> list[Query]:
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
    def walk(self) -> list[Node]:
        """Every application under the registry, as far as the bounds allow."""
        apps: list[Node | None] = []
        registry: list[Any] = []

        def start(refs: Any) -> None:
            registry.append(refs)
            for ref in refs or ():
                if len(apps) >= self.limits.max_children:
                    break
                self.admit(apps, ref, 1, False)

        self.drive(lambda: self.send((*REGISTRY, ACC, "GetChildren", None), start))
        if registry == [None]:
            raise AccessibilityUnavailable("the AT-SPI registry did not answer on the accessibility bus")
        return [a for a in apps if a is not None]

    def remember(self) -> None:
        """What this walk learnt becomes the next walk's cache; a cut walk saw only part of
        the tree, so then the old cache stays."""
        if not self.timed_out:
            _static.clear()
            _static.update(self.seen)
            _actions.clear()
            _actions.update(self.seen_actions)
