"""Offline grounding of function descriptions, spatial relations, cells and command wording."""

from __future__ import annotations

from grounding.a11y import A11yGrounder
from grounding.description import strip_command
from grounding.function_match import function_score, function_words, stem

NS = (
    'xmlns:st="https://accessibility.ubuntu.example.org/ns/state" '
    'xmlns:cp="https://accessibility.ubuntu.example.org/ns/component"'
)


def el(tag: str, name: str, box: tuple[int, int, int, int], body: str = "") -> str:
    return (
        f'<{tag} name="{name}" st:visible="true" st:showing="true" st:focusable="true" '
        f'cp:screencoord="({box[0]}, {box[1]})" cp:size="({box[2]}, {box[3]})">{body}</{tag}>'
    )


BUTTONS = ["Print", "Print Preview", "Copy", "Paste", "Cut", "Undo", "Sort", "Bookmark this tab", "Next page"]
TREE = f"""<desktop-frame {NS}><application name="app">
{
    el(
        "frame",
        "Sheet",
        (0, 0, 1920, 1080),
        body="".join(el("push-button", n, (10 + 40 * i, 30, 33, 33)) for i, n in enumerate(BUTTONS))
        + el("label", "Full name", (20, 200, 100, 20))
        + el("entry", "", (150, 198, 200, 24))
        + el("label", "Email", (20, 240, 100, 20))
        + el("entry", "", (150, 238, 200, 24))
        + el("push-button", "Cancel", (20, 400, 80, 28))
        + el("push-button", "Create account", (120, 400, 140, 28))
        + el("table-cell", "A1", (40, 500, 80, 20), "Region")
        + el("table-cell", "B1", (120, 500, 80, 20), "Q1")
        + el("table-cell", "A2", (40, 520, 80, 20), "North")
        + el("table-cell", "B2", (120, 520, 80, 20), "1490")
        + el("table-cell", "A3", (40, 540, 80, 20), "South")
        + el("table-cell", "B3", (120, 540, 80, 20), "5090"),
    )
}
</application></desktop-frame>"""


def ground(description: str):
    g = A11yGrounder(lambda: TREE, check_boxes=False)
    return g.ground(b"", description, (1920, 1080))


def centre_of(name: str) -> tuple[int, int]:
    i = BUTTONS.index(name)
    return 10 + 40 * i + 16, 30 + 16


def test_function_words_only_for_function_descriptions():
    assert function_words("the button that sends the page to the printer") == ("sends", "page", "printer")
    assert function_words("the Print button") == ()
    assert function_words('the button that says "Print"') == ()


def test_function_score_prefers_the_name_the_function_implies():
    w = function_words("Hit the tool that lets me send the page to the printer")
    assert function_score(w, "Print") > function_score(w, "Print Preview") > 0
    assert function_score(w, "Print") > function_score(w, "Next page")
    w = function_words("Press whatever inserts what is on the clipboard")
    assert function_score(w, "Paste") > function_score(w, "Copy")
    assert stem("adding") == "add" and stem("saves") == "save" and stem("copies") == "copy"


def test_icon_described_by_function_is_found():
    for description, name in [
        ("Click the button that sends the page to the printer", "Print"),
        ("Use the control that takes back the last change", "Undo"),
        ("I want to arrange the rows in order; which icon do I press?", "Sort"),
        ("Click the button that puts a copy of the selection on the clipboard", "Copy"),
    ]:
        r = ground(description)
        assert r is not None and (r.x, r.y) == centre_of(name), description


def test_spatial_with_placed_clause_next_to_and_under():
    r = ground("Click the field that sits next to Email")
    assert r is not None and (r.x, r.y) == (250, 250)
    r = ground('Select the button positioned to the left of the words "Create account"')
    assert r is not None and (r.x, r.y) == (60, 414)
    r = ground("Go for the text field under Full name")
    assert r is not None and (r.x, r.y) == (250, 250)


def test_cells_by_address_and_by_heading_and_row():
    r = ground("Click cell B3")
    assert r is not None and (r.x, r.y) == (160, 550)
    r = ground("the spreadsheet cell in column B, row 2")
    assert r is not None and (r.x, r.y) == (160, 530)
    r = ground("the cell where the South row meets the Q1 column")
    assert r is not None and (r.x, r.y) == (160, 550)
    r = ground("The Q1 figure for North")
    assert r is not None and (r.x, r.y) == (160, 530)


def test_command_wording_is_stripped():
    assert strip_command("Find File on the screen and click it") == "File"
    assert strip_command("Where it says West, click") == "West"
    assert strip_command("Click Find") == "Find"
    assert strip_command("Grab the knob on the Volume slider") == "the knob on the Volume slider"


def test_absent_function_is_declined():
    assert ground("the button that records a macro") is None
