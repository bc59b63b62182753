"""Parsing a target description into what the element says, its role and its context.

A description such as `the "Save" button in the toolbar` is split by
`parse_description` into a `Query`:

- the *target* words the element should carry ("Save"; quoted strings win over
  everything else, and are matched as given),
- the *role* the description names (its last role phrase, here "button"), as a
  table of accepted role names with weights (grounding/roles.py),
- the *context* after a locating preposition ("in the toolbar"), which only
  breaks ties,
- for a control described by its picture or function, the names it likely carries
  (grounding/icon_names.py).

`strip_command` first drops the command wording around the target ("click ...",
"... on the screen"). Scoring a candidate against the target is grounding/text_match.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from grounding.icon_names import icon_aliases
from grounding.roles import ROLE_PHRASES, role_key
from grounding.text_match import DESCRIPTORS, normalize, similarity

__all__ = [
    "STOPWORDS",
    "Query",
    "parse_description",
    "strip_command",
]

# Quoted spans: "x", “x”, ‘x’, «x», `x`, and 'x' when the quote is not an apostrophe. A
# single quote followed by a letter is an apostrophe, not the end: ‘Don’t save’, 'Don't save'.
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|‘(.+?)’(?!\w)|«([^»]+)»|`([^`]+)`|(?<![\w])\'(.+?)\'(?![\w])')
# A locating phrase starts the context: "in the toolbar", "on the left", "of the dialog";
# "of" and "for" may instead name the owner ("the check box for the Accept option").
_CONTEXT_SPLIT = re.compile(
    r"\s(?:in|on|inside|within|under|at|near|beside|below|above|from|of|for|to|next\s+to|"
    r"left\s+of|right\s+of)\s+(?:the|a|an|this|that|its|their|your|our|each)\b",
    re.IGNORECASE,
)

# Words of a description that are not the target's: articles, command verbs, "labeled" ...
STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "it",
        "your",
        "my",
        "our",
        "their",
        "please",
        "click",
        "press",
        "tap",
        "select",
        "choose",
        "hit",
        "on",
        "with",
        "labeled",
        "labelled",
        "named",
        "called",
        "titled",
        "saying",
        "says",
        "reads",
        "which",
        "shows",
        "showing",
        "displaying",
        "containing",
        "contains",
        "s",
    ]
)

# The longest role phrase in words: how far `_last_role_phrase` looks ahead.
_MAX_PHRASE = max(len(p.split()) for p in ROLE_PHRASES)


@dataclass(frozen=True)
class Query:
    """A parsed description. `target` is what the element should say ("" when the
    description only names a role), `quoted` whether it came from quotes, `roles` the
    accepted roles with weights (None when no role is named), `role_phrase` the words
    that named it, `context` the words after a locating preposition."""

    description: str
    target: str
    quoted: bool
    roles: dict[str, float] | None
    role_phrase: str = ""
    context: str = ""
    targets: tuple[str, ...] = field(default=())
    aliases: tuple[str, ...] = field(default=())  # names an icon / function phrase implies

    @property
    def recall_weight(self) -> float:
        return 0.7 if self.quoted else 0.65

    def target_score(self, candidate: str) -> float:
        """Best similarity of `candidate` to any of the targets (quoted strings) or the target."""
        if not candidate:
            return 0.0
        options = self.targets or ((self.target,) if self.target else ())
        return max((similarity(t, candidate, recall_weight=self.recall_weight) for t in options), default=0.0)

    def role_score(self, role: str) -> float:
        if not self.roles:
            return 0.0
        return self.roles.get(role_key(role), 0.0)


def _last_role_phrase(words: list[str]) -> tuple[int, int, str] | None:
    """(start, end, phrase) of the last role phrase in `words`, longest phrase at a position."""
    found: tuple[int, int, str] | None = None
    i = 0
    while i < len(words):
        for n in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in ROLE_PHRASES:
                found = (i, i + n, phrase)
                i += n - 1
                break
        i += 1
    return found


_RELATIVE = frozenset({"that", "which", "whose", "to"})


def _role_before_clause(words: list[str]) -> tuple[int, int, str] | None:
    """The role phrase of `words`, looked for before a relative clause first: in "the
    button that closes the panel" the role is "button", not "panel"."""
    for i, w in enumerate(words):
        if w in _FUNCTION_CUES and _last_role_phrase(words[:i]) is None:
            return None  # "whatever hides the window": the role words belong to the function
        if (w in _RELATIVE or w in _OWNER) and i > 0:
            # "the check box of the Accept option": the role is the one before "of".
            found = _last_role_phrase(words[:i])
            if found is not None:
                return found
            if w in _RELATIVE:
                break
    return _last_role_phrase(words)


_OWNER = frozenset({"of", "for"})
_FUNCTION_CUES = frozenset({"whatever", "that", "which"})
_SELF = frozenset({"itself", "themselves", "proper", "actual"})
# "the entry showing Sales", "the tab called Reports": the words after it are the text.
_SHOWING = re.compile(
    r"\b(?:showing|reading|saying|labell?ed|called|named|titled)\s+(?P<t>[^\"“‘«`']+?)\s*$", re.IGNORECASE
)
_NOT_TEXT = frozenset(["icon", "symbol", "image", "picture", "logo", "arrow", "sign", "glyph"])
# "Tick the box": a box that is ticked is a check box, not a text box.
_TICK = re.compile(r"^\s*(?:please\s+)?(?:tick|untick|check|uncheck)\b", re.IGNORECASE)


def _words(text: str) -> list[str]:
    # Keep hyphens inside words for "drop-down", otherwise the normalised tokens.
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in re.sub(r"[^\w\-]+", " ", text).replace("_", " ").split() if w.strip("-")]


# Command and filler phrasing around the target, as people write it ("Find Save on the
# screen and click it", "Where it says Total, click", "Put the mouse on ...").
_LEADING = re.compile(
    r"^(?:please\s+)?(?:click|tap|press|hit|select|choose|pick|go\s+for|point\s+at|"
    r"put\s+the\s+(?:mouse|cursor|pointer)\s+on|move\s+the\s+(?:mouse|cursor|pointer)\s+to|"
    r"find|locate|use|grab|tick|untick|check|uncheck)\s+(?:on\s+|at\s+)?(?=\S)",
    re.IGNORECASE,
)
_WHERE = re.compile(r"^where\s+it\s+(?:says|reads)\s+(.+?)\s*[,;]\s*click.*$", re.IGNORECASE)
_TRAILING = re.compile(
    r"(?:\s+on\s+(?:the|this|your)\s+screen\b.*|\s*(?:,|;|\band\b)\s*(?:then\s+)?"
    r"click(?:\s+(?:it|there|on\s+it))?|,?\s+to\s+(?:drag|click|move|select)\s+it)\s*[.!?]?$",
    re.IGNORECASE,
)


def strip_command(description: str) -> str:
    """The description without the command wording around its target."""
    desc = " ".join(description.split())
    m = _WHERE.match(desc)
    if m:
        return m.group(1)
    desc = _TRAILING.sub("", desc)
    return _LEADING.sub("", desc, count=1) or desc


@lru_cache(maxsize=1024)
def parse_description(description: str) -> Query:
    """Split a description into target words, role and context (see the module docstring)."""
    desc = strip_command(description)
    shown = _SHOWING.search(desc)
    if (
        shown
        and len(shown.group("t").split()) <= 4
        and not (set(normalize(shown.group("t")).split()) & _NOT_TEXT)
    ):
        desc = f'{desc[: shown.start("t")]}"{shown.group("t")}"'
    quoted: list[tuple[int, str]] = []
    masked = desc
    for m in _QUOTED.finditer(desc):
        text = next(g for g in m.groups() if g is not None)
        if normalize(text):
            quoted.append((m.start(), text.strip()))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    cut = _CONTEXT_SPLIT.search(masked)
    if cut is not None and not normalize(masked[: cut.start()]) and not quoted:
        cut = None  # nothing before the preposition: the whole text is the target
    split_at = cut.start() if cut else len(masked)
    head, context = masked[:split_at], masked[split_at:]
    words = _words(head)
    found = _role_before_clause(words)
    roles, role_phrase = None, ""
    if found is not None:
        start, end, role_phrase = found
        roles = ROLE_PHRASES[role_phrase]
        if role_phrase == "box" and _TICK.match(description):
            roles = ROLE_PHRASES["check box"]
        words = words[:start] + words[end:]
    in_head = [t for pos, t in quoted if pos < split_at]
    in_context = [t for pos, t in quoted if pos >= split_at]
    context_words = [w for w in _words(" ".join([context, *in_context])) if w not in STOPWORDS]
    target = " ".join(w for w in words if w not in STOPWORDS and w.replace("-", ""))
    if (
        roles
        and not quoted
        and context_words
        and re.match(r"\s(?:of|for)\s", context)
        and all(w in DESCRIPTORS or w in _SELF for w in target.split())
    ):
        # "the small check box of the Accept option": the words after "of" name it.
        owner = [w for w in context_words if w not in ROLE_PHRASES and w not in {"of", "for"}]
        if owner:
            return Query(
                description,
                " ".join(owner),
                False,
                roles,
                role_phrase,
                "",
                aliases=icon_aliases(" ".join(owner)),
            )
    if in_head or (quoted and not target):
        primary = in_head or in_context
        return Query(
            description, " ".join(primary), True, roles, role_phrase, " ".join(context_words), tuple(primary)
        )
    # Quoted text only after the preposition ('the OK button in the "Print" dialog'):
    # it locates, the unquoted head names the target.
    return Query(
        description, target, False, roles, role_phrase, " ".join(context_words), aliases=icon_aliases(target)
    )
