"""Fuzzy matching of a target description against on-screen words.

Shared by the offline grounders (accessibility tree, OCR). A description such as
`the "Save" button in the toolbar` is split by `parse_description` into

- the *target* words the element should carry ("Save"; quoted strings win over
  everything else, and are matched as given),
- the *role* the description names (its last role phrase, here "button"), as a
  table of accepted role names with weights,
- the *context* after a locating preposition ("in the toolbar"), which only
  breaks ties.

`similarity` then scores a candidate string against the target in [0, 1]: the
better of a token overlap (fuzzy per token, so OCR slips and plurals still count)
and a character-level ratio. Numbers must match exactly ("Order 17" is not
"Order 18", and a candidate without the target's number scores at most 0.5);
descriptor words ("blue", "top") cost little when missing. Role names are compared in a normalised form
(lower case, letters and digits only) so that AT-SPI's `push-button` and ARIA's
`button`, `menuitem`, `textbox` share one table.

Pure Python (difflib), no third-party fuzzy-matching package.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

__all__ = [
    "INTERACTIVE_ROLES",
    "TEXT_AREA_ROLES",
    "TEXT_FIELD_ROLES",
    "Query",
    "icon_aliases",
    "normalize",
    "parse_description",
    "ratio",
    "role_key",
    "similarity",
    "strip_command",
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


# Quoted spans: "x", “x”, ‘x’, «x», `x`, and 'x' when the quote is not an apostrophe.
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|‘([^’]+)’|«([^»]+)»|`([^`]+)`|(?<![\w])\'([^\']+)\'(?![\w])')
# A locating phrase starts the context: "in the toolbar", "on the left", "of the dialog".
_CONTEXT_SPLIT = re.compile(
    r"\s(?:in|on|inside|within|under|at|near|beside|below|above|from|of|to|next\s+to|"
    r"left\s+of|right\s+of)\s+(?:the|a|an|this|that|its|their|your|our|each)\b",
    re.IGNORECASE,
)

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

# Role phrases, longest first when matched. Each maps normalised role names
# (see `role_key`) to how well that role fits the phrase.
_BUTTON = {
    "pushbutton": 1.0,
    "button": 1.0,
    "togglebutton": 1.0,
    "menubutton": 0.9,
    "splitbutton": 1.0,
    "popupbutton": 0.9,
    "radiobutton": 0.5,
    "combobox": 0.3,
    "link": 0.4,
}
_TEXTBOX = {
    "entry": 1.0,
    "textbox": 1.0,
    "searchbox": 1.0,
    "passwordtext": 1.0,
    "text": 0.9,
    "editbar": 1.0,
    "spinbutton": 0.7,
    "combobox": 0.7,
    "textarea": 1.0,
    "documenttext": 0.6,
    "terminal": 0.5,
}
_TEXTAREA = {
    "text": 1.0,
    "documenttext": 1.0,
    "textbox": 0.9,
    "textarea": 1.0,
    "terminal": 0.8,
    "entry": 0.6,
    "document": 0.6,
    "documentframe": 0.6,
    "documentweb": 0.5,
    "paragraph": 0.5,
}
_CHECKBOX = {
    "checkbox": 1.0,
    "checkmenuitem": 1.0,
    "menuitemcheckbox": 1.0,
    "switch": 0.7,
    "togglebutton": 0.6,
}
_RADIO = {"radiobutton": 1.0, "radio": 1.0, "radiomenuitem": 1.0, "menuitemradio": 1.0}
_MENU = {
    "menu": 1.0,
    "menuitem": 0.7,
    "checkmenuitem": 0.6,
    "radiomenuitem": 0.6,
    "menuitemcheckbox": 0.6,
    "menuitemradio": 0.6,
    "menubutton": 0.8,
    "popupbutton": 0.6,
    "menubar": 0.3,
}
_MENUITEM = {
    "menuitem": 1.0,
    "checkmenuitem": 1.0,
    "radiomenuitem": 1.0,
    "menuitemcheckbox": 1.0,
    "menuitemradio": 1.0,
    "menu": 0.8,
    "option": 0.6,
}
_COMBO = {
    "combobox": 1.0,
    "menubutton": 0.8,
    "popupbutton": 0.8,
    "listbox": 0.6,
    "pushbutton": 0.4,
    "button": 0.4,
}
_LIST = {"list": 1.0, "listbox": 1.0, "tree": 0.6, "treetable": 0.6, "table": 0.5}
_LISTITEM = {
    "listitem": 1.0,
    "option": 1.0,
    "treeitem": 0.8,
    "tablecell": 0.6,
    "cell": 0.6,
    "gridcell": 0.6,
    "menuitem": 0.6,
    "row": 0.5,
    "tablerow": 0.5,
}
_LABEL = {
    "label": 1.0,
    "statictext": 1.0,
    "labeltext": 1.0,
    "caption": 1.0,
    "paragraph": 0.7,
    "heading": 0.6,
    "text": 0.3,
    "link": 0.3,
}
_IMAGE = {
    "image": 1.0,
    "img": 1.0,
    "icon": 0.9,
    "figure": 0.7,
    "graphic": 0.9,
    "pushbutton": 0.5,
    "button": 0.5,
}
_ICON = {
    "icon": 1.0,
    "image": 0.9,
    "img": 0.9,
    "graphic": 0.9,
    "pushbutton": 0.7,
    "button": 0.7,
    "togglebutton": 0.6,
    "link": 0.4,
}
_WINDOW = {"frame": 1.0, "window": 1.0, "dialog": 1.0, "alert": 0.8, "filechooser": 0.8, "rootwebarea": 0.5}

TEXT_FIELD_ROLES, TEXT_AREA_ROLES = _TEXTBOX, _TEXTAREA  # the tables "text field" / "text area" use

ROLE_PHRASES: dict[str, dict[str, float]] = {
    "button": _BUTTON,
    "push button": _BUTTON,
    "pushbutton": _BUTTON,
    "btn": _BUTTON,
    "toggle button": {"togglebutton": 1.0, "switch": 1.0, "checkbox": 0.6, "pushbutton": 0.6, "button": 0.6},
    "toggle": {"togglebutton": 1.0, "switch": 1.0, "checkbox": 0.7, "pushbutton": 0.5},
    "switch": {"switch": 1.0, "togglebutton": 1.0, "checkbox": 0.7},
    "radio button": _RADIO,
    "radio": _RADIO,
    "option button": _RADIO,
    "check box": _CHECKBOX,
    "checkbox": _CHECKBOX,
    "tick box": _CHECKBOX,
    "tickbox": _CHECKBOX,
    "menu item": _MENUITEM,
    "menuitem": _MENUITEM,
    "menu entry": _MENUITEM,
    "menu option": _MENUITEM,
    "menu command": _MENUITEM,
    "menu": _MENU,
    "submenu": _MENU,
    "sub menu": _MENU,
    "menu bar": {"menubar": 1.0},
    "menubar": {"menubar": 1.0},
    "toolbar": {"toolbar": 1.0},
    "tool bar": {"toolbar": 1.0},
    "status bar": {"statusbar": 1.0},
    "statusbar": {"statusbar": 1.0},
    "scroll bar": {"scrollbar": 1.0},
    "scrollbar": {"scrollbar": 1.0},
    "title bar": {"frame": 0.6, "titlebar": 1.0},
    "tab bar": {"pagetablist": 1.0, "tablist": 1.0},
    "text field": _TEXTBOX,
    "text box": _TEXTBOX,
    "textbox": _TEXTBOX,
    "text input": _TEXTBOX,
    "input field": _TEXTBOX,
    "input box": _TEXTBOX,
    "input": _TEXTBOX,
    "entry": _TEXTBOX,
    "field": _TEXTBOX,
    "box": _TEXTBOX,
    "bar": _TEXTBOX,
    "edit box": _TEXTBOX,
    "text entry": _TEXTBOX,
    "textfield": _TEXTBOX,
    "text area": _TEXTAREA,
    "textarea": _TEXTAREA,
    "text editor": _TEXTAREA,
    "editor": _TEXTAREA,
    "editing area": _TEXTAREA,
    "text view": _TEXTAREA,
    "document": _TEXTAREA,
    "tab": {"pagetab": 1.0, "tab": 1.0},
    "page tab": {"pagetab": 1.0, "tab": 1.0},
    "link": {"link": 1.0},
    "hyperlink": {"link": 1.0},
    "icon": _ICON,
    "image": _IMAGE,
    "picture": _IMAGE,
    "logo": _IMAGE,
    "photo": _IMAGE,
    "dropdown": _COMBO,
    "drop down": _COMBO,
    "drop-down": _COMBO,
    "combo box": _COMBO,
    "combobox": _COMBO,
    "select": _COMBO,
    "selector": _COMBO,
    "picker": _COMBO,
    "list box": {"listbox": 1.0, "list": 1.0, "combobox": 0.5},
    "listbox": {"listbox": 1.0, "list": 1.0},
    "list": _LIST,
    "list item": _LISTITEM,
    "item": _LISTITEM,
    "option": {"option": 1.0, "listitem": 0.8, "menuitem": 0.8, "radiobutton": 0.6, "checkbox": 0.5},
    "tree item": {"treeitem": 1.0, "tablecell": 0.6, "listitem": 0.6},
    "row": {"tablerow": 1.0, "row": 1.0, "treeitem": 0.7, "listitem": 0.6},
    "cell": {"tablecell": 1.0, "cell": 1.0, "gridcell": 1.0},
    "column header": {"columnheader": 1.0, "tablecolumnheader": 1.0},
    "table": {"table": 1.0, "grid": 1.0, "treetable": 0.8},
    "slider": {"slider": 1.0, "scrollbar": 0.4},
    "spin button": {"spinbutton": 1.0, "entry": 0.6},
    "spinner": {"spinbutton": 1.0},
    "spinbox": {"spinbutton": 1.0},
    "label": _LABEL,
    "text": _LABEL,
    "caption": _LABEL,
    "message": _LABEL,
    "heading": {"heading": 1.0, "label": 0.5, "statictext": 0.4},
    "title": {"heading": 1.0, "label": 0.6, "statictext": 0.5, "frame": 0.5},
    "window": _WINDOW,
    "dialog": _WINDOW,
    "dialog box": _WINDOW,
    "popup": _WINDOW,
    "panel": {"panel": 1.0, "filler": 0.5, "section": 0.6, "group": 0.6},
}
_MAX_PHRASE = max(len(p.split()) for p in ROLE_PHRASES)

# Roles that take a click or keyboard input (normalised form).
INTERACTIVE_ROLES = frozenset(
    [
        "pushbutton",
        "button",
        "togglebutton",
        "menubutton",
        "splitbutton",
        "popupbutton",
        "radiobutton",
        "radio",
        "checkbox",
        "checkmenuitem",
        "radiomenuitem",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "menu",
        "entry",
        "textbox",
        "searchbox",
        "passwordtext",
        "text",
        "textarea",
        "spinbutton",
        "combobox",
        "link",
        "pagetab",
        "tab",
        "listitem",
        "option",
        "treeitem",
        "tablecell",
        "gridcell",
        "slider",
        "switch",
        "icon",
        "editbar",
        "terminal",
        "columnheader",
        "rowheader",
        "tablecolumnheader",
    ]
)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Lower case, NFKC, punctuation to spaces, whitespace collapsed ("Open...  " -> "open")."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def tokens(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


@lru_cache(maxsize=4096)
def role_key(role: str) -> str:
    """`push-button`, `push button`, `PushButton` -> `pushbutton`."""
    return re.sub(r"[^a-z0-9]", "", role.lower())


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
