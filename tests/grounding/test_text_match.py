"""grounding/text_match.py: how well a candidate string (an element's name, an OCR run) reads
as the target words of a description."""

from __future__ import annotations

import pytest

from grounding.text_match import (
    DESCRIPTORS,
    normalize,
    ratio,
    similarity,
    token_credit,
    token_overlap,
    tokens,
)

# The recall weights the grounders use: quoted target, free description, OCR run.
QUOTED, FREE, OCR = 0.7, 0.65, 0.75


# --- normalize / tokens ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Open...  ", "open"),  # the docstring's example
        ("  Save   As  ", "save as"),  # whitespace collapsed
        ("SAVE", "save"),
        ("Save\tAs\n", "save as"),
        ("Don't Save", "don t save"),  # punctuation to spaces, not dropped
        ("snake_case_name", "snake case name"),  # "_" is a word character to \w, not here
        ("Ｓａｖｅ", "save"),  # full-width letters (NFKC)
        ("ﬁle", "file"),  # ligature (NFKC)
        ("Straße", "strasse"),  # casefold, not just lower
        ("Cafe\u0301", "café"),  # combining accent composed (NFKC)
        ("保存 文件", "保存 文件"),  # CJK kept as words
        ("Page ２", "page 2"),  # full-width digit
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "...", "!?-", "«»“”", "\u00a0"])
def test_normalize_of_empty_or_punctuation_only_is_empty(text: str) -> None:
    assert normalize(text) == ""
    assert tokens(text) == ()


def test_tokens_are_the_normalised_words() -> None:
    assert tokens('the "Save" button') == ("the", "save", "button")


# --- ratio ------------------------------------------------------------------------------


def test_ratio_is_one_for_equal_strings_even_empty_and_zero_against_empty() -> None:
    assert ratio("save", "save") == 1.0
    assert ratio("", "") == 1.0
    assert ratio("save", "") == 0.0
    assert ratio("", "save") == 0.0
    assert 0.0 < ratio("save", "saved") < 1.0


# --- token_credit -----------------------------------------------------------------------


def test_token_credit_exact_is_one() -> None:
    assert token_credit("save", "save") == 1.0
    assert token_credit("ok", "ok") == 1.0  # short tokens still match exactly


@pytest.mark.parametrize(("q", "c"), [("file", "files"), ("files", "file"), ("setting", "settings")])
def test_token_credit_plural_counts_less_than_exact(q: str, c: str) -> None:
    assert 0.75 <= token_credit(q, c) < 1.0


def test_token_credit_ocr_slip_counts() -> None:
    # One digit in a word is an OCR slip ("1" for "i"), not a number.
    assert token_credit("submit", "subm1t") >= 0.75
    assert token_credit("print", "pr1nt") >= 0.75


@pytest.mark.parametrize(
    ("q", "c"),
    [("517", "518"), ("2", "12"), ("12", "2"), ("v2", "v3"), ("2024", "2025"), ("1000", "10000")],
)
def test_token_credit_numbers_match_exactly_or_not_at_all(q: str, c: str) -> None:
    assert token_credit(q, c) == 0.0


def test_token_credit_short_tokens_must_be_equal() -> None:
    assert token_credit("ok", "on") == 0.0
    assert token_credit("to", "do") == 0.0


def test_token_credit_unrelated_words_get_nothing() -> None:
    assert token_credit("file", "view") == 0.0
    assert token_credit("save", "open") == 0.0


# --- token_overlap ----------------------------------------------------------------------


def test_token_overlap_is_recall_and_precision() -> None:
    assert token_overlap(("save", "as"), ("save", "as")) == (1.0, 1.0)
    # "Save" for "save file": half the query found, all of the candidate accounted for.
    assert token_overlap(("save", "file"), ("save",)) == (0.5, 1.0)
    # "Save As" for "save": the query found, half of the candidate left over.
    assert token_overlap(("save",), ("save", "as")) == (1.0, 0.5)


def test_token_overlap_is_one_to_one() -> None:
    # Two query words cannot both use the candidate's one "save".
    recall, precision = token_overlap(("save", "save"), ("save",))
    assert recall == 0.5
    assert precision == 1.0


def test_token_overlap_of_nothing_is_nothing() -> None:
    assert token_overlap((), ("save",)) == (0.0, 0.0)
    assert token_overlap(("save",), ()) == (0.0, 0.0)


def test_a_missing_descriptor_costs_less_than_a_missing_name_word() -> None:
    assert "blue" in DESCRIPTORS and "top" in DESCRIPTORS and "quick" not in DESCRIPTORS
    descriptor_missing, _ = token_overlap(("blue", "save"), ("save",))
    name_missing, _ = token_overlap(("quick", "save"), ("save",))
    assert name_missing == 0.5
    assert descriptor_missing > 0.7 > name_missing


# --- similarity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "candidate"),
    [
        ("Save", "save"),
        ("save", "SAVE"),
        ("  Save  ", "Save"),
        ("Save", "Save!"),
        ("Open...", "Open"),
        ("Save As", "save   as"),
        ("Ｓａｖｅ", "Save"),
        ("Straße", "STRASSE"),
        ("保存", "保存"),
        ("Page ２", "Page 2"),
        ("2024", "2024"),
    ],
)
def test_similarity_is_one_for_strings_equal_after_normalising(target: str, candidate: str) -> None:
    assert similarity(target, candidate) == 1.0


@pytest.mark.parametrize(
    ("target", "candidate"),
    [
        ("Save", "Save As"),
        ("Save As", "Save"),
        ("Save As", "As Save"),  # the same words in another order
        ("sign in", "signin"),
        ("File", "Files"),
        ("submit", "subm1t"),
    ],
)
def test_only_equal_strings_score_one(target: str, candidate: str) -> None:
    assert similarity(target, candidate) < 1.0


@pytest.mark.parametrize(
    ("target", "candidate"),
    [("", "Save"), ("Save", ""), ("", ""), ("...", "..."), ("!!!", "Save"), ("Save", "—")],
)
def test_similarity_with_nothing_to_compare_is_zero(target: str, candidate: str) -> None:
    assert similarity(target, candidate) == 0.0


@pytest.mark.parametrize(
    ("target", "candidate"), [("sign in", "Signin"), ("sub mit", "Submit"), ("log out", "Logout")]
)
def test_split_or_joined_words_score_almost_one(target: str, candidate: str) -> None:
    assert similarity(target, candidate) == pytest.approx(0.97)


def test_ocr_slips_and_plurals_still_match() -> None:
    assert similarity("Submit", "Subm1t", recall_weight=OCR) >= 0.8
    assert similarity("File", "Files", recall_weight=FREE) >= 0.8


@pytest.mark.parametrize(
    ("target", "candidate"),
    [
        ("Page 2", "Page 12"),
        ("Page 12", "Page 2"),
        ("Order 17", "Order 18"),
        ("Button 517", "Button 518"),
        ("Item 1000", "Item 1001"),
        ("Version v2", "Version v3"),
        ("Order 17", "Order"),  # the number that identifies the target is missing
        ("Q3 2024 report", "Q3 2025 report"),
    ],
)
@pytest.mark.parametrize("recall_weight", [0.5, QUOTED, FREE, OCR])
def test_a_candidate_without_the_targets_number_scores_at_most_half(
    target: str, candidate: str, recall_weight: float
) -> None:
    assert similarity(target, candidate, recall_weight=recall_weight) <= 0.5


def test_the_right_number_beats_its_siblings() -> None:
    pages = ["Page 1", "Page 2", "Page 12", "Page 20", "Page 21"]
    scores = {p: similarity("page 2", p, recall_weight=FREE) for p in pages}
    assert max(scores, key=scores.__getitem__) == "Page 2"
    assert scores["Page 2"] == 1.0


def test_a_target_without_a_number_still_matches_a_numbered_name() -> None:
    # "the Order link" may well be "Order 17": no number in the target, no cap.
    assert similarity("Order", "Order 17", recall_weight=FREE) > 0.5


@pytest.mark.parametrize("recall_weight", [QUOTED, FREE, OCR])
def test_one_shared_word_of_two_stays_below_point_seven(recall_weight: float) -> None:
    # The docstring's example: "Account" is not "delete account".
    assert similarity("delete account", "Account", recall_weight=recall_weight) < 0.7


def test_recall_weight_trades_missing_target_words_for_extra_candidate_words() -> None:
    # Candidate has an extra word: precision suffers, so more recall weight helps it.
    assert similarity("save", "Save As", recall_weight=0.9) > similarity("save", "Save As", recall_weight=0.3)
    # Candidate misses a target word: recall suffers, so more recall weight hurts it.
    assert similarity("save file", "Save", recall_weight=0.9) < similarity(
        "save file", "Save", recall_weight=0.3
    )


def test_unrelated_short_words_count_for_nothing() -> None:
    # "file" / "view" share half their letters; the character ratio is rescaled away.
    assert similarity("file", "view") == 0.0
    assert similarity("Save", "Open") == 0.0


def test_non_ascii_without_folding_accents() -> None:
    # NFKC keeps accents: "Café" and "cafe" are close but not equal.
    assert 0.5 < similarity("Café", "cafe") < 1.0
    assert similarity("Öffnen", "ÖFFNEN") == 1.0
    assert similarity("保存", "保存 文件", recall_weight=FREE) < similarity("保存", "保存")


def test_the_best_candidate_of_a_toolbar_wins() -> None:
    toolbar = ["Save", "Save As...", "Save All", "Open", "Close", "Print Preview", "Print"]
    for target, expected in [("Save", "Save"), ("save as", "Save As..."), ("Print", "Print")]:
        best = max(toolbar, key=lambda name: similarity(target, name, recall_weight=QUOTED))
        assert best == expected, target
