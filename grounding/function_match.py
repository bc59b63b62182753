"""Matching what a control does to the name it carries.

"The button that sends the page to the printer" names no words the control shows:
it says what the control does. `function_words` keeps such a description's content
words (only when it reads as a function: "that ...", "for ...ing", "lets me ...",
"I want to ..."), and `function_score` scores a control's name by how many of its
words those words account for, directly or through grounding/data/functions.json
(function words -> the words names use: "printer" -> "print", "clipboard" -> "copy",
"paste", "cut"). The first word of a name (usually its verb: "Bookmark this tab",
"Freeze Rows and Columns") weighs most; several description words that point at the
same name word add a little, so that "inserts what is on the clipboard" prefers
"Paste" over "Copy".
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from grounding.description import STOPWORDS
from grounding.text_match import normalize, token_credit

__all__ = ["function_score", "function_words", "stem"]

_CUE = re.compile(
    r"\b(?:that|which|whatever|for\s+\w+ing|lets?\s+me|want\s+to|used\s+to|in\s+order\s+to|"
    r"button\s+to|control\s+to|icon\s+to|tool\s+to|helps?\s+me)\b",
    re.IGNORECASE,
)
_FILLER = (
    frozenset(
        [
            "button",
            "buttons",
            "icon",
            "icons",
            "control",
            "tool",
            "toolbar",
            "little",
            "small",
            "tiny",
            "whatever",
            "want",
            "which",
            "what",
            "do",
            "does",
            "i",
            "me",
            "lets",
            "let",
            "press",
            "click",
            "hit",
            "use",
            "used",
            "order",
            "is",
            "are",
            "be",
            "can",
            "one",
            "thing",
            "item",
            "so",
            "for",
            "of",
            "to",
            "in",
            "into",
            "from",
            "by",
            "at",
            "up",
            "it",
            "them",
            "there",
            "here",
            "and",
            "or",
            "all",
            "any",
            "some",
            "every",
        ]
    )
    | STOPWORDS
)


def stem(word: str) -> str:
    """A crude English stem: 'sends' -> 'send', 'reloading' -> 'reload', 'copies' -> 'copy'."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("es", ""), ("ed", ""), ("s", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            base = word[: -len(suffix)] + repl
            if suffix == "ing" and len(base) > 3 and base[-1] == base[-2]:
                base = base[:-1]  # "adding" -> "add", "stopping" -> "stop"
            if suffix == "es" and not base.endswith(("s", "sh", "ch", "x", "z")):
                base = word[:-1]  # "saves" -> "save"
            return base
    return word


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, ...]]:
    data = json.loads((Path(__file__).parent / "data" / "functions.json").read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=2048)
def function_words(description: str) -> tuple[str, ...]:
    """The content words of a description that says what a control does; () when it does not."""
    if not _CUE.search(description) or re.search(r"[\"“‘«`]", description):
        return ()
    # "from largest to smallest": the direction is the first end ("largest" -> descending).
    text = re.sub(r"\b(from\s+\w+)\s+to\s+\w+", r"\1", normalize(description))
    return tuple(w for w in text.split() if w not in _FILLER and len(w) > 1)


def _synonyms(word: str) -> tuple[str, ...]:
    lex = _lexicon()
    s = stem(word)
    return lex.get(word, ()) + lex.get(s, ()) + lex.get(s + "e", ())  # "taking" -> "tak" -> "take"


def _pair(w: str, name_word: str) -> float:
    """How far description word `w` stands for name word `name_word`."""
    n = stem(name_word)
    c = max(token_credit(stem(w), n), token_credit(w, name_word))
    if len(w) >= 4 and w in name_word and c < 0.9:
        c = 0.9  # "link" in "hyperlink", "line" in "underline"
    for syn in _synonyms(w):
        c = max(c, 0.85 * max(token_credit(syn, name_word), token_credit(syn, n)))
    return c if c >= 0.75 else 0.0


def function_score(words: tuple[str, ...], name: str) -> float:
    """How well a control called `name` fits a description's function words, in [0, 0.95]."""
    toks = [t for t in normalize(name).split() if t not in STOPWORDS and t not in {"and", "or", "of", "to"}]
    if not words or not toks or len(toks) > 6:
        return 0.0
    table = [[_pair(w, t) for w in words] for t in toks]
    credits = [max(row) for row in table]
    if not any(credits):
        return 0.0
    rest = credits[1:]
    score = 0.6 * credits[0] + 0.4 * (sum(rest) / len(rest) if rest else credits[0])
    # A name that accounts for more of what the description says fits it better
    # ("preview the printed page": "Print Preview" over "Print").
    accounted = sum(1 for i in range(len(words)) if any(row[i] for row in table))
    score = min(0.95, min(0.9, score) + 0.04 * min(3, accounted - 1))
    # The first function word is the description's verb ("orders the rows ..."): a name that
    # does not account for it ("Row") names what is acted on, not the action.
    return score if any(row[0] for row in table) else 0.85 * score
