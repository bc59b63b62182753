"""grounding/roles.py: the words people use for a kind of control and the roles each accepts."""

from __future__ import annotations

import pytest

from grounding.roles import INTERACTIVE_ROLES, ROLE_PHRASES, TEXT_AREA_ROLES, TEXT_FIELD_ROLES, role_key


@pytest.mark.parametrize(
    ("role", "key"),
    [
        ("push-button", "pushbutton"),  # AT-SPI
        ("push button", "pushbutton"),
        ("PushButton", "pushbutton"),  # UIA / Chromium style
        ("button", "button"),  # ARIA
        ("check box", "checkbox"),
        ("menu_item", "menuitem"),
        ("h1", "h1"),  # digits kept
        ("", ""),
    ],
)
def test_role_key(role: str, key: str) -> None:
    assert role_key(role) == key


def test_role_phrases_are_lower_case_single_spaced_phrases() -> None:
    for phrase in ROLE_PHRASES:
        assert phrase == " ".join(phrase.lower().split()), phrase


def test_role_tables_name_roles_in_role_key_form_with_weights_in_0_1() -> None:
    # One table serves both trees only if every accepted name is the normalised form.
    for phrase, table in ROLE_PHRASES.items():
        assert table, phrase
        for role, weight in table.items():
            assert role_key(role) == role, (phrase, role)
            assert 0.0 < weight <= 1.0, (phrase, role)


@pytest.mark.parametrize(
    ("phrase", "at_spi", "aria"),
    [
        ("button", "push-button", "button"),
        ("text field", "entry", "textbox"),
        ("check box", "check-box", "checkbox"),
        ("menu item", "menu-item", "menuitem"),
        ("combo box", "combo-box", "combobox"),
        ("radio button", "radio-button", "radio"),
        ("tab", "page-tab", "tab"),
        ("link", "link", "link"),
    ],
)
def test_a_phrase_fully_accepts_both_trees_names_for_its_role(phrase: str, at_spi: str, aria: str) -> None:
    table = ROLE_PHRASES[phrase]
    assert table[role_key(at_spi)] == 1.0
    assert table[role_key(aria)] == 1.0


@pytest.mark.parametrize(
    ("phrases", "same_as"),
    [
        (["checkbox", "tick box", "tickbox"], "check box"),
        (["drop-down", "dropdown", "drop down", "combobox", "select"], "combo box"),
        (["text box", "textbox", "input field", "field", "entry", "edit box"], "text field"),
        (["push button", "pushbutton", "btn"], "button"),
        (["menuitem", "menu entry", "menu option"], "menu item"),
        (["textarea", "text editor", "editor"], "text area"),
    ],
)
def test_spellings_of_one_kind_of_control_share_a_table(phrases: list[str], same_as: str) -> None:
    for phrase in phrases:
        assert ROLE_PHRASES[phrase] == ROLE_PHRASES[same_as], phrase


def test_a_button_is_not_a_text_field_nor_a_text_field_a_button() -> None:
    # "the search field" must not pick the Search button, and "the Search button" not the field.
    assert "pushbutton" not in ROLE_PHRASES["field"]
    assert "entry" not in ROLE_PHRASES["button"]
    assert "pushbutton" not in ROLE_PHRASES["check box"]


def test_near_roles_are_accepted_with_less_weight() -> None:
    # A link styled as a button, a toggle button used as a check box: possible, not preferred.
    assert 0.0 < ROLE_PHRASES["button"]["link"] < ROLE_PHRASES["button"]["pushbutton"]
    assert 0.0 < ROLE_PHRASES["check box"]["togglebutton"] < ROLE_PHRASES["check box"]["checkbox"]
    assert 0.0 < ROLE_PHRASES["icon"]["pushbutton"] < ROLE_PHRASES["icon"]["icon"]


def test_text_field_and_text_area_tables() -> None:
    assert ROLE_PHRASES["text field"] is TEXT_FIELD_ROLES
    assert ROLE_PHRASES["text area"] is TEXT_AREA_ROLES
    # A one-line field prefers entries, an area prefers multi-line text.
    assert TEXT_FIELD_ROLES["entry"] > TEXT_AREA_ROLES["entry"]
    assert TEXT_AREA_ROLES["documenttext"] > TEXT_FIELD_ROLES["documenttext"]


def test_interactive_roles_are_role_keys() -> None:
    for role in INTERACTIVE_ROLES:
        assert role_key(role) == role, role


@pytest.mark.parametrize(
    "role",
    [
        "push-button",
        "toggle-button",
        "check-box",
        "radio-button",
        "entry",
        "combo-box",
        "link",
        "menu-item",
        "page-tab",
        "slider",
        "spin-button",
        "table-cell",
        "list-item",
        "textbox",
        "searchbox",
        "option",
        "switch",
    ],
)
def test_controls_that_take_a_click_or_keys_are_interactive(role: str) -> None:
    assert role_key(role) in INTERACTIVE_ROLES


@pytest.mark.parametrize(
    "role",
    [
        "label",
        "static-text",
        "heading",
        "frame",
        "panel",
        "filler",
        "section",
        "image",
        "separator",
        "toolbar",
    ],
)
def test_containers_and_plain_text_are_not_interactive(role: str) -> None:
    assert role_key(role) not in INTERACTIVE_ROLES


@pytest.mark.parametrize(
    "phrase",
    [
        "button",
        "check box",
        "radio button",
        "text field",
        "menu item",
        "combo box",
        "link",
        "tab",
        "slider",
        "spin button",
        "switch",
        "list item",
        "option",
    ],
)
def test_the_roles_a_control_phrase_fully_accepts_are_interactive(phrase: str) -> None:
    for role, weight in ROLE_PHRASES[phrase].items():
        if weight == 1.0:
            assert role in INTERACTIVE_ROLES, (phrase, role)
