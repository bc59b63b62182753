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

from grounding.text_match import STOPWORDS, normalize, token_credit

__all__ = ["function_score", "function_words", "stem"]

_CUE = re.compile(r"\b(?:that|which|whatever|for\s+\w+ing|lets?\s+me|want\s+to|used\s+to|in\s+order\s+to|"
                  r"button\s+to|control\s+to|icon\s+to|tool\s+to|helps?\s+me)\b", re.IGNORECASE)
_FILLER = frozenset(["button", "buttons", "icon", "icons", "control", "tool", "toolbar", "little", "small", "tiny", "whatever", "want", "which", "what", "do", "does", "i", "me", "lets", "let", "press", "click", "hit", "use", "used", "order", "is", "are", "be", "can", "one", "thing", "item", "so", "for", "of", "to", "in", "into", "from", "by", "at", "up", "it", "them", "there", "here", "and", "or", "all", "any", "some", "every"]) | STOPWORDS


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
    return tuple(w for w in normalize(description).split() if w not in _FILLER and len(w) > 1)


def _credit(name_word: str, words: tuple[str, ...]) -> tuple[float, int]:
    """(best credit, number of description words pointing at it)."""
    best, hits = 0.0, 0
    n = stem(name_word)
    for w in words:
        c = max(token_credit(stem(w), n), token_credit(w, name_word))
        for syn in _lexicon().get(w, ()) + _lexicon().get(stem(w), ()):
            c = max(c, 0.85 * max(token_credit(syn, name_word), token_credit(syn, n)))
        if c >= 0.75:
            hits += 1
            best = max(best, c)
    return best, hits


def function_score(words: tuple[str, ...], name: str) -> float:
    """How well a control called `name` fits a description's function words, in [0, 0.9]."""
    toks = [t for t in normalize(name).split() if t not in STOPWORDS and t not in {"and", "or", "of", "to"}]
    if not words or not toks or len(toks) > 6:
        return 0.0
    credits = [_credit(t, words) for t in toks]
    if credits[0][0] == 0.0 and not any(c for c, _ in credits):
        return 0.0
    rest = [c for c, _ in credits[1:]]
    score = 0.6 * credits[0][0] + 0.4 * (sum(rest) / len(rest) if rest else credits[0][0])
    score += 0.05 * min(2, sum(max(0, h - 1) for _, h in credits))
    return min(0.9, score)
