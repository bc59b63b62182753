"""Key names: the pyautogui names models and OSWorld use, mapped to X keysyms.

Models write keys the way pyautogui spells them ("enter", "ctrl", "pagedown").
The control server types through xdotool, which wants X keysym names
("Return", "ctrl", "Next"). Keeping the table in one place lets `/act` reject an
unknown key with a clear message instead of silently pressing nothing.
"""

from __future__ import annotations

_SPECIAL: dict[str, str] = {
    "enter": "Return",
    "return": "Return",
    "\n": "Return",
    "tab": "Tab",
    "\t": "Tab",
    "space": "space",
    " ": "space",
    "backspace": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "esc": "Escape",
    "escape": "Escape",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "Prior",
    "pgup": "Prior",
    "pagedown": "Next",
    "pgdn": "Next",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "ctrl": "ctrl",
    "ctrlleft": "Control_L",
    "ctrlright": "Control_R",
    "control": "ctrl",
    "shift": "shift",
    "shiftleft": "Shift_L",
    "shiftright": "Shift_R",
    "alt": "alt",
    "altleft": "Alt_L",
    "altright": "Alt_R",
    "option": "alt",
    "win": "super",
    "winleft": "Super_L",
    "winright": "Super_R",
    "super": "super",
    "command": "super",
    "cmd": "super",
    "meta": "super",
    "capslock": "Caps_Lock",
    "numlock": "Num_Lock",
    "scrolllock": "Scroll_Lock",
    "printscreen": "Print",
    "prtsc": "Print",
    "print": "Print",
    "pause": "Pause",
    "menu": "Menu",
    "apps": "Menu",
    "volumeup": "XF86AudioRaiseVolume",
    "volumedown": "XF86AudioLowerVolume",
    "volumemute": "XF86AudioMute",
}

_PUNCT: dict[str, str] = {
    "<": "less",
    ">": "greater",
    "&": "ampersand",
    '"': "quotedbl",
    "'": "apostrophe",
    ",": "comma",
    ".": "period",
    "/": "slash",
    "\\": "backslash",
    ";": "semicolon",
    ":": "colon",
    "-": "minus",
    "=": "equal",
    "+": "plus",
    "_": "underscore",
    "[": "bracketleft",
    "]": "bracketright",
    "{": "braceleft",
    "}": "braceright",
    "(": "parenleft",
    ")": "parenright",
    "!": "exclam",
    "?": "question",
    "@": "at",
    "#": "numbersign",
    "$": "dollar",
    "%": "percent",
    "^": "asciicircum",
    "*": "asterisk",
    "`": "grave",
    "~": "asciitilde",
    "|": "bar",
}

MODIFIERS = frozenset({"ctrl", "shift", "alt", "super"})


class UnknownKeyError(ValueError):
    """A key name that neither pyautogui nor X knows."""


def to_keysym(name: str) -> str:
    """Translate one pyautogui-style key name to an xdotool keysym."""
    if not name:
        raise UnknownKeyError("empty key name")
    if name in _PUNCT:
        return _PUNCT[name]
    lowered = name.lower()
    if lowered in _SPECIAL:
        return _SPECIAL[lowered]
    if len(name) == 1 and name.isprintable():
        return name  # letters and digits are their own keysyms
    if lowered.startswith("f") and lowered[1:].isdigit() and 1 <= int(lowered[1:]) <= 24:
        return "F" + lowered[1:]
    if lowered.startswith("num") and lowered[3:].isdigit() and len(lowered) == 4:
        return "KP_" + lowered[3:]
    raise UnknownKeyError(f"unknown key name {name!r}")


def is_known_key(name: str) -> bool:
    try:
        to_keysym(name)
    except UnknownKeyError:
        return False
    return True
