"""Names a control described by its picture or its function is likely to carry.

"The paper clip icon" and "the button that closes the panel" name no words the control
shows. `icon_aliases` turns such phrases into the names such controls usually have
("attach"; "close panel", "close", "dismiss") from the vocabulary in
grounding/data/icons.json (pictures and verbs). grounding/description.py attaches
them to a parsed description as `Query.aliases`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from grounding.text_match import normalize

__all__ = ["icon_aliases"]


@lru_cache(maxsize=1)
def _icon_vocabulary() -> tuple[dict[str, list[str]], int]:
    data = json.loads((Path(__file__).parent / "data" / "icons.json").read_text(encoding="utf-8"))
    vocab: dict[str, list[str]] = {}
    for table in ("pictures", "verbs"):
        for phrase, names in data.get(table, {}).items():
            vocab.setdefault(normalize(phrase), [])
            vocab[normalize(phrase)] += [n for n in names if n not in vocab[normalize(phrase)]]
    _VERBS.update(
        normalize(p)
        for p in data.get("verbs", {})
        if normalize(p) not in {normalize(q) for q in data.get("pictures", {})}
    )
    return vocab, max(len(k.split()) for k in vocab)


_VERBS: set[str] = set()  # phrases that are only verbs ("open", "add"): filled with the vocabulary


# Words around an icon phrase that say nothing about the name ("the button with the X icon").
_ICON_FILLER = frozenset(
    [
        "icon",
        "icons",
        "button",
        "buttons",
        "symbol",
        "glyph",
        "sign",
        "picture",
        "image",
        "shaped",
        "shape",
        "like",
        "looks",
        "looking",
        "pictured",
        "depicting",
        "depicts",
        "showing",
        "shows",
        "that",
        "which",
        "with",
        "of",
        "a",
        "an",
        "the",
        "in",
        "is",
    ]
)


@lru_cache(maxsize=1024)
def icon_aliases(target: str) -> tuple[str, ...]:
    """Names a control described by its picture or function is likely to carry:
    "paper clip" -> "attach", "closes panel" -> "close panel", "close", "dismiss".
    Empty when the target names no known icon or verb (grounding/data/icons.json)."""
    words = normalize(target).split()
    if not words:
        return ()
    vocab, longest = _icon_vocabulary()
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in vocab:
                rest = [w for w in words[:i] + words[i + n :] if w not in _ICON_FILLER]
                for name in vocab[phrase]:
                    if rest:
                        out.append(" ".join([name, *rest]))
                    # "Open Run Backup" is not any "Open" button: a verb alone stands for the
                    # control only when at most one other word qualifies it.
                    if not (phrase in _VERBS and len(rest) >= 2):
                        out.append(name)
                i += n - 1
                break
        i += 1
    seen: dict[str, None] = {}
    for a in out:
        if a != normalize(target):
            seen.setdefault(a, None)
    return tuple(seen)
