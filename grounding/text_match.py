"""Fuzzy similarity of a target's words to a candidate string (an element's name, an OCR run).

Shared by the offline grounders (accessibility tree, OCR) and the capture tools.
`similarity` scores a candidate string against a target in [0, 1]: the better of a
token overlap (fuzzy per token, so OCR slips and plurals still count) and a
character-level ratio. Numbers must match exactly ("Order 17" is not "Order 18", and
a candidate without the target's number scores at most 0.5); descriptor words
("blue", "top") cost little when missing.

What the target words are comes from grounding/description.py; which roles a
description accepts, from grounding/roles.py. Pure Python (difflib), no third-party
fuzzy-matching package.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = [
    "DESCRIPTORS",
    "normalize",
    "ratio",
    "similarity",
    "token_credit",
    "token_overlap",
    "tokens",
]

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _is_number(token: str) -> bool:
    """Mostly digits ("517", "2024", "v2"): such tokens must match exactly. A word with one
    digit in it ("subm1t") is an OCR slip and still matches fuzzily."""
    if token.isdigit():
        return True
    return 2 * sum(map(str.isdigit, token)) >= len(token)


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=8192)
def _numbers(text: str) -> tuple[str, ...]:
    if not _DIGIT.search(text):
        return ()
    return tuple(tok for tok in text.split() if _is_number(tok))


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Lower case, NFKC, punctuation to spaces, whitespace collapsed ("Open...  " -> "open")."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def tokens(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


def ratio(a: str, b: str) -> float:
    """difflib's similarity ratio of two (normalised) strings, 1.0 for equal ones."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=8192)
def token_credit(q: str, c: str) -> float:
    """How far token `c` counts as token `q`: exact 1, near spellings (OCR, plurals) less."""
    if q == c:
        return 1.0
    if (
        len(q) < 3
        or len(c) < 3
        or ((_DIGIT.search(q) or _DIGIT.search(c)) and (_is_number(q) or _is_number(c)))
    ):
        return 0.0  # numbers must match exactly: "517" is not "518"
    if c.startswith(q) or q.startswith(c):  # "pref" / "preferences", "file" / "files"
        short, long_ = sorted((len(q), len(c)))
        if short >= 3 and short / long_ >= 0.6:
            return 0.85
    r = SequenceMatcher(None, q, c, autojunk=False).ratio()
    return r if r >= 0.75 else 0.0


# Words that describe how a target looks or where it is rather than what it says.
DESCRIPTORS = frozenset(
    [
        "blue",
        "red",
        "green",
        "yellow",
        "orange",
        "purple",
        "pink",
        "grey",
        "gray",
        "white",
        "black",
        "dark",
        "light",
        "bright",
        "big",
        "small",
        "large",
        "tiny",
        "little",
        "top",
        "bottom",
        "left",
        "right",
        "upper",
        "lower",
        "middle",
        "center",
        "centre",
        "corner",
        "first",
        "second",
        "third",
        "last",
        "leftmost",
        "rightmost",
        "topmost",
        "bottommost",
        "highlighted",
        "selected",
        "bold",
        "round",
        "square",
        "main",
        "primary",
        "secondary",
    ]
)


def token_overlap(q_tokens: tuple[str, ...], c_tokens: tuple[str, ...]) -> tuple[float, float]:
    """(recall, precision): the share of query tokens found in the candidate, and of the
    candidate's tokens that the query accounts for. One-to-one, greedy, fuzzy per token.
    A missing descriptor word ("blue", "top", "small") costs the recall less than a
    missing name word."""
    if not q_tokens or not c_tokens:
        return 0.0, 0.0
    unused = list(c_tokens)
    credit = weighted = total = 0.0
    for q in q_tokens:
        w = 0.3 if q in DESCRIPTORS else 1.0
        total += w
        best, best_i = 0.0, -1
        for i, c in enumerate(unused):
            s = token_credit(q, c)
            if s > best:
                best, best_i = s, i
                if s == 1.0:
                    break
        if best_i >= 0:
            credit += best
            weighted += w * best
            unused.pop(best_i)
    return weighted / total, credit / len(c_tokens)


def similarity(target: str, candidate: str, *, recall_weight: float = 0.5) -> float:
    """How well `candidate` reads as `target`, in [0, 1] (both are normalised here).

    `recall_weight` balances "all target words are there" (recall) against "the
    candidate has no other words" (precision). Recall leads everywhere, so that one
    shared word of two ("Account" for "delete account") stays below 0.7: 0.7 for a
    quoted target, 0.65 for a free description (which may carry extra words), 0.75
    for OCR runs (which we cut ourselves, so precision is cheap there)."""
    t, c = normalize(target), normalize(candidate)
    if not t or not c:
        return 0.0
    if t == c:
        return 1.0
    recall, precision = token_overlap(tuple(t.split()), tuple(c.split()))
    score = recall_weight * recall + (1.0 - recall_weight) * precision
    if t.replace(" ", "") == c.replace(" ", ""):  # "sign in" vs "signin"
        return 0.97
    # Character level, for splits and slips the tokens miss ("sub mit" / "submit"). Rescaled
    # so that two unrelated short words ("file" / "view": 0.5) count for nothing; never
    # across different numbers ("Button 517" / "Button 518").
    t_numbers, c_numbers = _numbers(t), _numbers(c)
    if t_numbers == c_numbers:
        sm = SequenceMatcher(None, t, c, autojunk=False)
        if 2 * sm.real_quick_ratio() - 1 > score and 2 * sm.quick_ratio() - 1 > score:
            score = max(score, 2 * sm.ratio() - 1)
    elif any(n not in c_numbers for n in t_numbers):
        # A number in the target identifies it ("Order 17", "page 2"): without it,
        # the rest of the words point at a sibling.
        score = min(score, 0.5)
    return min(score, 0.99)  # only equal strings score 1
