"""A test window for the MCP tests (runs inside the desktop, under /usr/bin/python3 + GTK 3).

A "Send report" button counts its clicks (its label says "Clicked N") and an entry holds
typed text. The title is the second argument. Every 200 ms the window writes its state -- clicks, the entry's text, and the
button's and entry's centres in screen pixels -- to the JSON file named on the command line.
"""

import json
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402 - after require_version, as gi demands

STATE = sys.argv[1]
TITLE = sys.argv[2] if len(sys.argv) > 2 else "MCP test window"
state = {"clicks": 0, "text": "", "button": None, "entry": None}

window = Gtk.Window(title=TITLE)
window.set_default_size(420, 200)
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=20, margin=30)
button = Gtk.Button(label="Send report")
entry = Gtk.Entry()
box.pack_start(button, False, False, 0)
box.pack_start(entry, False, False, 0)
window.add(box)


def clicked(_button):
    state["clicks"] += 1
    button.set_label(f"Clicked {state['clicks']}")


def centre(widget):
    gdk_window = widget.get_window()
    if gdk_window is None:
        return None
    _, ox, oy = gdk_window.get_origin()
    alloc = widget.get_allocation()
    return [ox + alloc.x + alloc.width // 2, oy + alloc.y + alloc.height // 2]


def report():
    state["text"] = entry.get_text()
    state["button"], state["entry"] = centre(button), centre(entry)
    with open(STATE + ".part", "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False)
    os.replace(STATE + ".part", STATE)
    return True


button.connect("clicked", clicked)
window.connect("destroy", Gtk.main_quit)
window.show_all()
GLib.timeout_add(200, report)
Gtk.main()
