"""Give non-ASCII characters keycodes of their own before xdotool types them.

xdotool types a character missing from the keymap by remapping a scratch keycode,
pressing it and mapping it back. An application that reads the key event after
the map-back (a busy machine is enough) sees nothing: the character is lost. So
each such character gets a spare keycode here, left mapped; xdotool then finds
it in the keymap and never remaps. Spare keycodes are reused, oldest first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from Xlib import display as xdisplay

from envs.xauth import open_display

SETTLE_S = 0.05  # let clients see the MappingNotify before the first key of a new mapping


def keysym_of(char: str) -> int:
    code = ord(char)
    return code if code < 0x100 else 0x01000000 | code


class UnicodeKeymap:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._display: xdisplay.Display | None = None
        self._spare: list[int] = []
        self._mapped: OrderedDict[str, int] = OrderedDict()

    def _open(self) -> xdisplay.Display:
        if self._display is None:
            self._display = open_display()  # also without an Xauthority file
            first = self._display.display.info.min_keycode
            count = self._display.display.info.max_keycode - first + 1
            mapping = self._display.get_keyboard_mapping(first, count)
            self._spare = [first + i for i, syms in enumerate(mapping) if not any(syms)]
        return self._display

    def capacity(self) -> int:
        """How many characters can be mapped at once (Xvfb leaves ~19 keycodes spare)."""
        with self._lock:
            self._open()
            return len(self._spare) + len(self._mapped)

    def ensure(self, text: str) -> None:
        """Map every character of `text` that has no keycode yet (best effort)."""
        wanted = [c for c in dict.fromkeys(text) if not c.isascii()]
        if not wanted:
            return
        with self._lock:
            display = self._open()
            changed = False
            for char in wanted:
                if char in self._mapped:
                    self._mapped.move_to_end(char)
                    continue
                if display.keysym_to_keycode(keysym_of(char)):
                    continue  # already on the keyboard (é on some layouts)
                if self._spare:
                    keycode = self._spare.pop()
                elif self._mapped:
                    _, keycode = self._mapped.popitem(last=False)
                else:
                    return  # no spare keycodes at all: xdotool's own remapping will do
                sym = keysym_of(char)
                display.change_keyboard_mapping(keycode, [(sym, sym)])
                self._mapped[char] = keycode
                changed = True
            if changed:
                display.sync()
                time.sleep(SETTLE_S)


KEYMAP = UnicodeKeymap()
