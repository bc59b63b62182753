"""Relational rules of the accessibility grounder on small hand-written OSWorld-shaped
trees: spatial relations, ordinals, icons by picture or function, slider thumbs and
column dividers."""

from __future__ import annotations

from grounding.a11y import A11yGrounder
from grounding.description import parse_description
from grounding.icon_names import icon_aliases

NS = (
    'xmlns:st="https://accessibility.ubuntu.example.org/ns/state" '
    'xmlns:cp="https://accessibility.ubuntu.example.org/ns/component" '
    'xmlns:val="https://accessibility.ubuntu.example.org/ns/value"'
)
SHOWN = 'st:visible="true" st:showing="true"'
SCREEN = (1024, 768)


def el(tag: str, name: str, box: tuple[int, int, int, int], body: str = "", extra: str = "") -> str:
    return (
        f'<{tag} name="{name}" {SHOWN} {extra} cp:screencoord="({box[0]}, {box[1]})" '
        f'cp:size="({box[2]}, {box[3]})">{body}</{tag}>'
    )


def tree(*children: str) -> str:
    frame = el("frame", "App", (0, 0, 1024, 768), extra='st:active="true"', body="".join(children))
    return f'<desktop-frame {NS}><application name="app">{frame}</application></desktop-frame>'


def ground(xml: str, description: str):
    return A11yGrounder(lambda: xml).ground(b"", description, SCREEN)


def inside(res, box) -> bool:
    return res is not None and box[0] <= res.x < box[0] + box[2] and box[1] <= res.y < box[1] + box[3]


ROW = tree(
    el("push-button", "Back", (100, 100, 60, 24)),
    el("push-button", "Restore", (170, 100, 60, 24)),
    el("push-button", "Delete", (240, 100, 60, 24)),
    el("push-button", "Far", (240, 400, 60, 24)),
    el("push-button", "", (170, 60, 24, 24), extra='st:focusable="true"'),
    el("check-box", "", (100, 200, 16, 16)),
    el("label", "Install updates automatically", (122, 198, 200, 20)),
    el("entry", "", (100, 260, 200, 24)),
    el("label", "Selection", (100, 290, 80, 20)),
)


def test_spatial_left_right_above_below():
    assert inside(ground(ROW, "Click the button immediately to the left of 'Restore'"), (100, 100, 60, 24))
    assert inside(ground(ROW, "the button just right of 'Restore'"), (240, 100, 60, 24))
    assert inside(ground(ROW, "the icon button directly above 'Restore'"), (170, 60, 24, 24))
    assert inside(
        ground(ROW, 'the checkbox immediately to the left of "Install updates automatically"'),
        (100, 200, 16, 16),
    )
    assert inside(ground(ROW, 'the input box right above "Selection"'), (100, 260, 200, 24))


def test_spatial_declines_without_anchor_or_candidate():
    assert ground(ROW, "the button just left of 'Nonexistent thing'") is None
    assert ground(ROW, "the button just left of 'Back'") is None


TABS = tree(
    el(
        "page-tab-list",
        "",
        (0, 0, 600, 30),
        body="".join(el("page-tab", f"Tab {n}", (10 + 100 * i, 2, 90, 26)) for i, n in enumerate("ABCDE")),
    ),
    el(
        "panel",
        "Sidebar",
        (0, 40, 200, 700),
        body="".join(el("link", f"Page {i}", (10, 50 + 30 * i, 150, 20)) for i in range(6)),
    ),
    el("link", "Elsewhere", (400, 50, 100, 20)),
)


def test_ordinals():
    assert inside(ground(TABS, "Open the second tab from the left"), (110, 2, 90, 26))
    assert inside(ground(TABS, "the last tab"), (410, 2, 90, 26))
    assert inside(ground(TABS, "the second tab from the right"), (310, 2, 90, 26))
    assert inside(ground(TABS, "Click the fourth link in the sidebar"), (10, 140, 150, 20))
    assert ground(TABS, "the ninth tab") is None


def test_first_name_is_a_name_not_an_ordinal():
    xml = tree(el("entry", "First name", (10, 10, 200, 24)), el("entry", "Last name", (10, 40, 200, 24)))
    assert inside(ground(xml, "the First name field"), (10, 10, 200, 24))


def test_icon_vocabulary_expands_pictures_and_verbs():
    assert "attach" in icon_aliases("paper clip")
    assert "close" in icon_aliases("x")
    assert "decrease" in icon_aliases("decreases value")
    assert icon_aliases("save") == ()
    q = parse_description("the button that closes the panel")
    assert q.role_phrase == "button" and "close" in q.aliases


ICONS = tree(
    el("push-button", "Attach file", (10, 10, 24, 24)),
    el("push-button", "Main menu", (40, 10, 24, 24)),
    el("push-button", "Decrease", (70, 10, 24, 24)),
    el("push-button", "Filter", (100, 10, 24, 24)),
    el("push-button", "Undo", (130, 10, 24, 24)),
    el("dialog", "Sign out?", (300, 300, 300, 200), body=el("push-button", "Close", (570, 305, 24, 24))),
)


def test_icons_by_picture_and_function():
    assert inside(ground(ICONS, "the button with the paper clip icon"), (10, 10, 24, 24))
    assert inside(ground(ICONS, "the button with the three horizontal lines icon"), (40, 10, 24, 24))
    assert inside(ground(ICONS, "the icon button that decreases the value"), (70, 10, 24, 24))
    assert inside(ground(ICONS, "Press the icon that filters the list"), (100, 10, 24, 24))
    assert inside(ground(ICONS, "the arrow curving left icon"), (130, 10, 24, 24))
    assert inside(ground(ICONS, 'the X in the corner of the "Sign out?" dialog'), (570, 305, 24, 24))
    assert ground(ICONS, "the button with the unicorn icon") is None


FINE = tree(
    el("slider", "Volume", (100, 100, 200, 20), extra='val:value="75" val:min="0" val:max="100"'),
    el("table-column-header", "Name", (100, 300, 150, 24)),
    el("table-column-header", "Modified", (250, 300, 120, 24)),
)


def test_slider_thumb_follows_the_value():
    res = ground(FINE, "Click the thumb of the 'Volume' slider")
    assert res is not None and 240 <= res.x <= 260 and 100 <= res.y < 120


def test_column_divider_is_the_headers_right_edge():
    res = ground(FINE, 'Drag the divider on the right edge of the "Modified" column header')
    assert res is not None and 366 <= res.x <= 370 and 300 <= res.y < 324
