"""grounding/icon_names.py: the names a control described by its picture or function carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import grounding
from grounding.icon_names import icon_aliases
from grounding.text_match import normalize


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("trash", "delete"),  # "the trash icon"
        ("trash can", "delete"),
        ("paper clip", "attach"),  # the docstring's example
        ("paperclip", "attach"),
        ("magnifying glass", "search"),
        ("gear", "settings"),
        ("cog", "settings"),
        ("floppy disk", "save"),
        ("x", "close"),  # "the X icon"
        ("three dots", "more"),
        ("hamburger", "menu"),
        ("pencil", "edit"),
        ("funnel", "filter"),
    ],
)
def test_a_picture_gives_the_name_such_controls_carry_first(target: str, name: str) -> None:
    assert icon_aliases(target)[0] == name


def test_a_function_phrase_gives_the_verb_with_and_without_its_object() -> None:
    # The docstring's example: "the button that closes the panel".
    aliases = icon_aliases("closes panel")
    assert aliases[0] == "close panel"
    assert {"close", "dismiss"} <= set(aliases)


def test_a_verb_with_two_more_words_is_not_any_control_of_that_verb() -> None:
    # "Open Run Backup" is a specific command; a plain "Open" button is something else.
    assert icon_aliases("opens run backup") == ("open run backup",)
    # With one qualifying word the bare verb still stands for the control.
    assert "open" in icon_aliases("opens backup")


def test_a_picture_keeps_its_qualifier_and_drops_filler_words() -> None:
    aliases = icon_aliases("the button with the gear icon")
    assert aliases == ("settings", "preferences", "options")  # "button", "icon", "with", "the" are filler


def test_the_longest_phrase_wins() -> None:
    # "trash can" is one picture: no alias keeps "can" as a leftover word.
    aliases = icon_aliases("trash can")
    assert aliases
    assert not any("can" in a.split() for a in aliases)
    assert aliases == icon_aliases("Trash-Can")


def test_the_target_itself_is_not_an_alias() -> None:
    assert "trash" not in icon_aliases("trash")
    assert "delete" not in icon_aliases("delete")
    assert icon_aliases("delete") == ("remove",)


def test_aliases_are_unique() -> None:
    for target in ["trash can", "closes panel", "gear gear", "x", "three dots"]:
        aliases = icon_aliases(target)
        assert len(aliases) == len(set(aliases)), target


@pytest.mark.parametrize(("a", "b"), [("Paper-Clip", "paper clip"), ("GEAR", "gear"), ("  trash  ", "trash")])
def test_case_punctuation_and_whitespace_do_not_matter(a: str, b: str) -> None:
    assert icon_aliases(a) == icon_aliases(b)


@pytest.mark.parametrize(
    "target", ["", "   ", "...", "!!!", "quarterly report", "Page 2", "保存", "Remember me"]
)
def test_no_known_picture_or_verb_gives_nothing(target: str) -> None:
    assert icon_aliases(target) == ()


def test_the_vocabulary_is_normalised_phrases_to_names() -> None:
    data = json.loads((Path(grounding.__file__).parent / "data" / "icons.json").read_text(encoding="utf-8"))
    for table in ("pictures", "verbs"):
        assert data[table], table
        for phrase, names in data[table].items():
            assert phrase == normalize(phrase), phrase
            assert names and all(isinstance(n, str) and n for n in names), phrase
