"""Role vocabulary: the words people use for a kind of control, and the roles they accept.

A description names a role in its own words ("button", "text field", "drop-down");
the accessibility trees name it in theirs (AT-SPI's `push-button`, ARIA's `button`,
`menuitem`, `textbox`). `ROLE_PHRASES` maps each phrase to the normalised role names
it accepts, with a weight for how well each fits; `role_key` is that normalised form
(lower case, letters and digits only), so one table serves both trees.
`INTERACTIVE_ROLES` are the roles that take a click or keyboard input.

Data only (plus `role_key`): parsing a description is grounding/description.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "INTERACTIVE_ROLES",
    "ROLE_PHRASES",
    "TEXT_AREA_ROLES",
    "TEXT_FIELD_ROLES",
    "role_key",
]


@lru_cache(maxsize=4096)
def role_key(role: str) -> str:
    """`push-button`, `push button`, `PushButton` -> `pushbutton`."""
    return re.sub(r"[^a-z0-9]", "", role.lower())


# Role phrases, longest first when matched. Each maps normalised role names
# (see `role_key`) to how well that role fits the phrase.
_BUTTON = {
    "pushbutton": 1.0,
    "button": 1.0,
    "togglebutton": 1.0,
    "menubutton": 0.9,
    "splitbutton": 1.0,
    "popupbutton": 0.9,
    "radiobutton": 0.5,
    "combobox": 0.3,
    "link": 0.4,
}
_TEXTBOX = {
    "entry": 1.0,
    "textbox": 1.0,
    "searchbox": 1.0,
    "passwordtext": 1.0,
    "text": 0.9,
    "editbar": 1.0,
    "spinbutton": 0.7,
    "combobox": 0.7,
    "textarea": 1.0,
    "documenttext": 0.6,
    "terminal": 0.5,
}
_TEXTAREA = {
    "text": 1.0,
    "documenttext": 1.0,
    "textbox": 0.9,
    "textarea": 1.0,
    "terminal": 0.8,
    "entry": 0.6,
    "document": 0.6,
    "documentframe": 0.6,
    "documentweb": 0.5,
    "paragraph": 0.5,
}
_CHECKBOX = {
    "checkbox": 1.0,
    "checkmenuitem": 1.0,
    "menuitemcheckbox": 1.0,
    "switch": 0.7,
    "togglebutton": 0.6,
}
_RADIO = {"radiobutton": 1.0, "radio": 1.0, "radiomenuitem": 1.0, "menuitemradio": 1.0}
_MENU = {
    "menu": 1.0,
    "menuitem": 0.7,
    "checkmenuitem": 0.6,
    "radiomenuitem": 0.6,
    "menuitemcheckbox": 0.6,
    "menuitemradio": 0.6,
    "menubutton": 0.8,
    "popupbutton": 0.6,
    "menubar": 0.3,
}
_MENUITEM = {
    "menuitem": 1.0,
    "checkmenuitem": 1.0,
    "radiomenuitem": 1.0,
    "menuitemcheckbox": 1.0,
    "menuitemradio": 1.0,
    "menu": 0.8,
    "option": 0.6,
}
_COMBO = {
    "combobox": 1.0,
    "menubutton": 0.8,
    "popupbutton": 0.8,
    "listbox": 0.6,
    "pushbutton": 0.4,
    "button": 0.4,
}
_LIST = {"list": 1.0, "listbox": 1.0, "tree": 0.6, "treetable": 0.6, "table": 0.5}
_LISTITEM = {
    "listitem": 1.0,
    "option": 1.0,
    "treeitem": 0.8,
    "tablecell": 0.6,
    "cell": 0.6,
    "gridcell": 0.6,
    "menuitem": 0.6,
    "row": 0.5,
    "tablerow": 0.5,
}
_LABEL = {
    "label": 1.0,
    "statictext": 1.0,
    "labeltext": 1.0,
    "caption": 1.0,
    "paragraph": 0.7,
    "heading": 0.6,
    "text": 0.3,
    "link": 0.3,
}
_IMAGE = {
    "image": 1.0,
    "img": 1.0,
    "icon": 0.9,
    "figure": 0.7,
    "graphic": 0.9,
    "pushbutton": 0.5,
    "button": 0.5,
}
_ICON = {
    "icon": 1.0,
    "image": 0.9,
    "img": 0.9,
    "graphic": 0.9,
    "pushbutton": 0.7,
    "button": 0.7,
    "togglebutton": 0.6,
    "link": 0.4,
}
_WINDOW = {"frame": 1.0, "window": 1.0, "dialog": 1.0, "alert": 0.8, "filechooser": 0.8, "rootwebarea": 0.5}

TEXT_FIELD_ROLES, TEXT_AREA_ROLES = _TEXTBOX, _TEXTAREA  # the tables "text field" / "text area" use

ROLE_PHRASES: dict[str, dict[str, float]] = {
    "button": _BUTTON,
    "push button": _BUTTON,
    "pushbutton": _BUTTON,
    "btn": _BUTTON,
    "toggle button": {"togglebutton": 1.0, "switch": 1.0, "checkbox": 0.6, "pushbutton": 0.6, "button": 0.6},
    "toggle": {"togglebutton": 1.0, "switch": 1.0, "checkbox": 0.7, "pushbutton": 0.5},
    "switch": {"switch": 1.0, "togglebutton": 1.0, "checkbox": 0.7},
    "radio button": _RADIO,
    "radio": _RADIO,
    "option button": _RADIO,
    "check box": _CHECKBOX,
    "checkbox": _CHECKBOX,
    "tick box": _CHECKBOX,
    "tickbox": _CHECKBOX,
    "menu item": _MENUITEM,
    "menuitem": _MENUITEM,
    "menu entry": _MENUITEM,
    "menu option": _MENUITEM,
    "menu command": _MENUITEM,
    "menu": _MENU,
    "submenu": _MENU,
    "sub menu": _MENU,
    "menu bar": {"menubar": 1.0},
    "menubar": {"menubar": 1.0},
    "toolbar": {"toolbar": 1.0},
    "tool bar": {"toolbar": 1.0},
    "status bar": {"statusbar": 1.0},
    "statusbar": {"statusbar": 1.0},
    "scroll bar": {"scrollbar": 1.0},
    "scrollbar": {"scrollbar": 1.0},
    "title bar": {"frame": 0.6, "titlebar": 1.0},
    "tab bar": {"pagetablist": 1.0, "tablist": 1.0},
    "text field": _TEXTBOX,
    "text box": _TEXTBOX,
    "textbox": _TEXTBOX,
    "text input": _TEXTBOX,
    "input field": _TEXTBOX,
    "input box": _TEXTBOX,
    "input": _TEXTBOX,
    "entry": _TEXTBOX,
    "field": _TEXTBOX,
    "box": _TEXTBOX,
    "bar": _TEXTBOX,
    "edit box": _TEXTBOX,
    "text entry": _TEXTBOX,
    "textfield": _TEXTBOX,
    "text area": _TEXTAREA,
    "textarea": _TEXTAREA,
    "text editor": _TEXTAREA,
    "editor": _TEXTAREA,
    "editing area": _TEXTAREA,
    "text view": _TEXTAREA,
    "document": _TEXTAREA,
    "tab": {"pagetab": 1.0, "tab": 1.0},
    "page tab": {"pagetab": 1.0, "tab": 1.0},
    "link": {"link": 1.0},
    "hyperlink": {"link": 1.0},
    "icon": _ICON,
    "image": _IMAGE,
    "picture": _IMAGE,
    "logo": _IMAGE,
    "photo": _IMAGE,
    "dropdown": _COMBO,
    "drop down": _COMBO,
    "drop-down": _COMBO,
    "combo box": _COMBO,
    "combobox": _COMBO,
    "select": _COMBO,
    "selector": _COMBO,
    "picker": _COMBO,
    "list box": {"listbox": 1.0, "list": 1.0, "combobox": 0.5},
    "listbox": {"listbox": 1.0, "list": 1.0},
    "list": _LIST,
    "list item": _LISTITEM,
    "item": _LISTITEM,
    "option": {"option": 1.0, "listitem": 0.8, "menuitem": 0.8, "radiobutton": 0.6, "checkbox": 0.5},
    "tree item": {"treeitem": 1.0, "tablecell": 0.6, "listitem": 0.6},
    "row": {"tablerow": 1.0, "row": 1.0, "treeitem": 0.7, "listitem": 0.6},
    "cell": {"tablecell": 1.0, "cell": 1.0, "gridcell": 1.0},
    "column header": {"columnheader": 1.0, "tablecolumnheader": 1.0},
    "table": {"table": 1.0, "grid": 1.0, "treetable": 0.8},
    "slider": {"slider": 1.0, "scrollbar": 0.4},
    "spin button": {"spinbutton": 1.0, "entry": 0.6},
    "spinner": {"spinbutton": 1.0},
    "spinbox": {"spinbutton": 1.0},
    "label": _LABEL,
    "text": _LABEL,
    "caption": _LABEL,
    "message": _LABEL,
    "heading": {"heading": 1.0, "label": 0.5, "statictext": 0.4},
    "title": {"heading": 1.0, "label": 0.6, "statictext": 0.5, "frame": 0.5},
    "window": _WINDOW,
    "dialog": _WINDOW,
    "dialog box": _WINDOW,
    "popup": _WINDOW,
    "panel": {"panel": 1.0, "filler": 0.5, "section": 0.6, "group": 0.6},
}

# Roles that take a click or keyboard input (normalised form).
INTERACTIVE_ROLES = frozenset(
    [
        "pushbutton",
        "button",
        "togglebutton",
        "menubutton",
        "splitbutton",
        "popupbutton",
        "radiobutton",
        "radio",
        "checkbox",
        "checkmenuitem",
        "radiomenuitem",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "menu",
        "entry",
        "textbox",
        "searchbox",
        "passwordtext",
        "text",
        "textarea",
        "spinbutton",
        "combobox",
        "link",
        "pagetab",
        "tab",
        "listitem",
        "option",
        "treeitem",
        "tablecell",
        "gridcell",
        "slider",
        "switch",
        "icon",
        "editbar",
        "terminal",
        "columnheader",
        "rowheader",
        "tablecolumnheader",
    ]
)
