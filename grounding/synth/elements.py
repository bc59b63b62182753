"""What the generator knows about each element it puts on a page.

Every element it may point at (or name as a landmark) carries `data-synth-id`; its record
here holds what the instructions need: kind, visible text, label, icon, its group and
place in that group, table row/column, state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Elements an instruction may target.
TARGET_KINDS = (
    "button",
    "icon_button",
    "text_field",
    "checkbox",
    "radio",
    "select",
    "slider",
    "tab",
    "menu",
    "menu_item",
    "link",
    "table_header",
    "table_cell",
    "word",
    "paragraph",
)
# Elements that are only landmarks (spatial anchors): labels, headings, plain text.
ANCHOR_KINDS = ("label", "heading", "text")

# OSWorld-G style GUI types of each kind.
GUI_TYPES: dict[str, list[str]] = {
    "button": ["Button"],
    "icon_button": ["Button", "Icon"],
    "text_field": ["Text Field"],
    "checkbox": ["Checkbox"],
    "radio": ["Radio Button"],
    "select": ["Dropdown"],
    "slider": ["Slider"],
    "tab": ["Tab"],
    "menu": ["Menu"],
    "menu_item": ["Menu", "Menu Item"],
    "link": ["Link"],
    "table_header": ["Table", "Table Header"],
    "table_cell": ["Table", "Table Cell"],
    "word": ["Text"],
    "paragraph": ["Text"],
}
CONTAINER_GUI_TYPES = {"dialog": "Dialog", "toolbar": "Toolbar", "sidebar": "Sidebar", "dropdown": "Menu"}


@dataclass
class Element:
    sid: str
    kind: str
    text: str = ""  # visible text of the element itself
    label: str = ""  # its label (fields, checkboxes, radios, sliders) or tooltip (icons)
    icon: str = ""  # icon name (icon buttons; buttons with an icon)
    container: str = (
        ""  # "menubar" | "dropdown" | "toolbar" | "sidebar" | "dialog" | "table" | "card" | "head"
    )
    group: str = ""  # a sibling group: "tabs", "toolbar", "menu:File", "radio:Plan", "sidebar", ...
    group_title: str = ""  # the group's visible name (menu name, radio legend, dialog title, card title)
    index: int = -1  # place in the group (0-based, document order)
    row: str = ""  # table: the row's key (first column text)
    col: str = ""  # table: the column title
    value: str = ""  # text fields: the typed text; selects: the shown option
    placeholder: str = ""
    checked: bool | None = None
    vmin: float = 0.0
    vmax: float = 100.0
    vnow: float = 0.0
    flags: tuple[str, ...] = ()  # e.g. "resizable" (table header with a column divider)

    @property
    def is_target(self) -> bool:
        return self.kind in TARGET_KINDS

    def gui_types(self) -> list[str]:
        types = list(GUI_TYPES.get(self.kind, []))
        if self.kind == "button" and self.icon:
            types.append("Icon")
        extra = CONTAINER_GUI_TYPES.get(self.container)
        if extra and extra not in types:
            types.append(extra)
        return types


@dataclass
class PageSpec:
    html: str
    width: int
    height: int
    elements: list[Element] = field(default_factory=list)
    thumb: int = 16  # slider thumb size (px), from the theme
    theme: str = ""  # palette name, for the record

    def by_sid(self) -> dict[str, Element]:
        return {el.sid: el for el in self.elements}
