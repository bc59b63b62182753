"""From one captured screen (its accessibility tree) to grounding items with exact boxes.

Boxes are the tree's own extents (`cp:screencoord` / `cp:size`), except a slider's
thumb, which is placed along the slider's track from its value. Only elements of the
active window count (other windows may lie under it), and only where the words
that name them are unique on the screen, so that every item has one right answer.
Every choice draws from the caller's seeded generator: same tree, same seed, same items.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grounding.a11y_shift import (
    NATIVE_ROLES,
    apply_shift,
    estimate_shift,
    text_verified,
)
from grounding.a11y_tree import A11yElement, parse_osworld_tree
from grounding.roles import role_key
from grounding.text_match import normalize, similarity

DATA = Path(__file__).parent / "data"
Box = tuple[int, int, int, int]

_WINDOWS = {"frame", "dialog", "window", "alert", "filechooser", "filechooserdialog"}
_TEXT_ROLES = {
    "label",
    "statictext",
    "pushbutton",
    "button",
    "menu",
    "menuitem",
    "pagetab",
    "link",
    "heading",
    "checkbox",
    "radiobutton",
    "listitem",
    "columnheader",
    "tablecolumnheader",
    "tablecell",
    "treeitem",
    "togglebutton",
    "paragraph",
}
_BUTTONS = {"pushbutton", "button", "togglebutton", "menubutton", "splitbutton"}
_TARGETS = {
    "entry",
    "text",
    "textbox",
    "searchbox",
    "passwordtext",
    "combobox",
    "checkbox",
    "radiobutton",
    "pushbutton",
    "button",
    "togglebutton",
    "slider",
    "spinbutton",
}
_CELL = re.compile(r"^([A-Z]{1,2})(\d{1,4})$")
CAPS = {
    "text_matching": 8,
    "element_recognition": 8,
    "layout_understanding": 8,
    "fine_grained_manipulation": 6,
    "refusal": 4,
}


@dataclass(frozen=True)
class Derived:
    category: str
    instruction: str
    box: Box | None  # None for a refusal
    role: str = ""
    name: str = ""  # the target's accessible name (or the absent name)
    detail: str = ""  # how the item was made (anchor, relation, cell, ...)


@lru_cache(maxsize=1)
def phrases() -> dict:
    return json.loads((DATA / "phrases.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def functions() -> dict[str, list[str]]:
    data = json.loads((DATA / "functions.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def absent_names() -> list[str]:
    return json.loads((DATA / "absent.json").read_text(encoding="utf-8"))["names"]


# ---------------------------------------------------------------- verb forms
_IRREGULAR = {
    "do": ("does", "doing"),
    "go": ("goes", "going"),
    "get": ("gets", "getting"),
    "put": ("puts", "putting"),
    "set": ("sets", "setting"),
    "let": ("lets", "letting"),
    "shut": ("shuts", "shutting"),
    "cut": ("cuts", "cutting"),
    "stop": ("stops", "stopping"),
    "drop": ("drops", "dropping"),
    "skip": ("skips", "skipping"),
    "jump": ("jumps", "jumping"),
    "see": ("sees", "seeing"),
    "pull": ("pulls", "pulling"),
    "push": ("pushes", "pushing"),
}


def verb_forms(phrase: str) -> tuple[str, str, str]:
    """'save the file' -> ('save the file', 'saves the file', 'saving the file')."""
    verb, _, rest = phrase.partition(" ")
    if verb in _IRREGULAR:
        third, ing = _IRREGULAR[verb]
    else:
        third = verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
        if verb.endswith("y") and verb[-2:-1] not in "aeiou":
            third = verb[:-1] + "ies"
        ing = (verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb) + "ing"
    tail = f" {rest}" if rest else ""
    return phrase, third + tail, ing + tail


# ---------------------------------------------------------------- screen model
def _inside(outer: Box, inner: Box, slack: int = 2) -> bool:
    return (
        outer[0] - slack <= inner[0]
        and outer[1] - slack <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2] + slack
        and inner[1] + inner[3] <= outer[1] + outer[3] + slack
    )


def visible_elements(xml: str, screen: tuple[int, int]) -> list[A11yElement]:
    """The elements a person sees: those of the topmost active window, inside its box."""
    els = [e for e in parse_osworld_tree(xml, screen) if e.box and e.box[2] >= 4 and e.box[3] >= 4]
    windows = [e for e in els if role_key(e.role) in _WINDOWS and e.active]
    if not windows:
        return els
    # A dialog opened over its main window is the one on top; otherwise the application's
    # main frame (toolkits such as Qt also expose a control bar as an unnamed inner frame).
    dialogs = [e for e in windows if role_key(e.role) != "frame"]
    top = (
        min(dialogs, key=lambda e: e.rect[2] * e.rect[3])
        if dialogs
        else max(windows, key=lambda e: e.rect[2] * e.rect[3])
    )
    return [e for e in els if e.active and _inside(top.rect, e.rect)]


def _words(e: A11yElement) -> str:
    """The words the element shows: a spreadsheet cell's name is its address, not its text."""
    if role_key(e.role) == "tablecell" and _CELL.match(e.name):
        return e.text.strip()
    return (e.name or e.text).strip()


def _has_words(e: A11yElement) -> bool:
    """Claims to show words: a text-bearing role that is not an icon button."""
    return bool(_words(e)) and shows_text(e)


_VERIFIED: set[int] = set()  # ids of the elements whose words OCR read in their box (this screen)
_CHECKING = [False]  # whether `derive` was given OCR words to check against


def shows_text(e: A11yElement) -> bool:
    """The element's words are on screen inside its box (not an icon's tooltip name), as
    far as its size and role tell, and as OCR read them when `derive` checks."""
    words = _words(e)
    if not _text_fits(e, words) or "memory usage" in words.lower():
        return False
    rk = role_key(e.role)
    w, h = e.rect[2], e.rect[3]
    if rk in _BUTTONS and (w <= 1.3 * h or (normalize(words) in functions() and w < 48)):
        return False  # a square button is an icon: its name is a tooltip
    return rk in _TEXT_ROLES and (not _CHECKING[0] or id(e) in _VERIFIED)


def _counts(els: list[A11yElement]) -> dict[str, list[A11yElement]]:
    """Normalised words -> the elements showing them, nested copies (a menu and its
    label with the same words and an overlapping box) counted once."""
    out: dict[str, list[A11yElement]] = {}
    for e in els:
        for words in {normalize(_words(e)), normalize(e.name), normalize(e.text)} - {""}:
            group = out.setdefault(words, [])
            if not any(_inside(g.rect, e.rect, 3) or _inside(e.rect, g.rect, 3) for g in group):
                group.append(e)
            else:  # keep the smaller of the two nested ones
                for i, g in enumerate(group):
                    if _inside(g.rect, e.rect, 3) and e.rect[2] * e.rect[3] < g.rect[2] * g.rect[3]:
                        group[i] = e
    return out


def _text_fits(e: A11yElement, words: str) -> bool:
    """The words can be on screen inside the box (not a tooltip-only name of an icon)."""
    w, h = e.rect[2], e.rect[3]
    return (
        2 <= len(words) <= 40
        and any(c.isalpha() for c in words)
        and 10 <= h <= 60
        and w >= 6 * len(words)
        and w <= 40 * len(words) + 200
    )


def _noun(rng: random.Random, rk: str) -> str:
    return rng.choice(phrases()["nouns"].get(rk, ["element"]))


def _fill(rng: random.Random, patterns: list[str], **values: str) -> str:
    text = rng.choice(patterns).format(**values)
    return text[0].upper() + text[1:]


# ---------------------------------------------------------------- categories
def text_items(rng: random.Random, els: list[A11yElement]) -> list[Derived]:
    counts = _counts(els)
    out = []
    for words, group in counts.items():
        e = group[0]
        shown = _words(e)
        if len(group) != 1 or words != normalize(shown) or not shows_text(e):
            continue
        instruction = _fill(rng, phrases()["text_matching"], text=shown, noun=_noun(rng, role_key(e.role)))
        out.append(Derived("text_matching", instruction, e.box, e.role, e.name, f"text={shown!r}"))
    return out


def icon_items(rng: random.Random, els: list[A11yElement]) -> list[Derived]:
    counts = _counts(els)
    out = []
    for e in els:
        rk, key = role_key(e.role), normalize(e.name)
        if rk not in _BUTTONS or key not in functions() or len(counts.get(key, [])) != 1:
            continue
        w, h = e.rect[2], e.rect[3]
        if not (10 <= w <= 64 and 10 <= h <= 64):
            continue
        do, does, doing = verb_forms(rng.choice(functions()[key]))
        instruction = _fill(rng, phrases()["element_recognition"], do=do, does=does, doing=doing)
        out.append(Derived("element_recognition", instruction, e.box, e.role, e.name, f"function={do!r}"))
    return out


def _gap(direction: str, a: Box, c: Box) -> tuple[float, float] | None:
    """(gap, perpendicular overlap) of c on `direction` side of a, or None when not on it."""
    ax, ay, aw, ah = a
    cx, cy, cw, ch = c
    if direction in ("left", "right"):
        gap = ax - (cx + cw) if direction == "left" else cx - (ax + aw)
        perp = min(ay + ah, cy + ch) - max(ay, cy)
        need = 0.5 * min(ah, ch)
    else:
        gap = ay - (cy + ch) if direction == "above" else cy - (ay + ah)
        perp = min(ax + aw, cx + cw) - max(ax, cx)
        need = 0.3 * min(aw, cw)
    return (gap, perp) if gap >= -2 and perp >= need else None


def spatial_items(rng: random.Random, els: list[A11yElement]) -> list[Derived]:
    counts = _counts(els)
    anchors = [
        g[0]
        for words, g in counts.items()
        if len(g) == 1 and words == normalize(_words(g[0])) and shows_text(g[0])
    ]
    targets = [e for e in els if role_key(e.role) in _TARGETS]
    out, used = [], set()
    for a in anchors:
        for direction in ("right", "left", "below", "above"):
            near = []
            for c in targets:
                if c is a or _inside(c.rect, a.rect) or _inside(a.rect, c.rect):
                    continue
                g = _gap(direction, a.rect, c.rect)
                if g is not None and g[0] <= 120:
                    near.append((g[0], c))
            same = sorted(near, key=lambda p: p[0])
            if not same:
                continue
            d0, c0 = same[0]
            rk = role_key(c0.role)
            rivals = [
                c
                for d, c in same[1:]
                if role_key(c.role) == rk
                and d - d0 < 25
                and not _inside(c.rect, c0.rect)
                and not _inside(c0.rect, c.rect)
            ]
            if rivals or id(c0) in used:
                continue
            used.add(id(c0))
            rel = rng.choice(phrases()["relations"][direction])
            if rel == "next to" and direction != "right":
                continue
            instruction = _fill(
                rng, phrases()["layout_understanding"], noun=_noun(rng, rk), rel=rel, anchor=_words(a)
            )
            out.append(
                Derived(
                    "layout_understanding",
                    instruction,
                    c0.box,
                    c0.role,
                    c0.name,
                    f"{direction} of {_words(a)!r}",
                )
            )
            break
    return out


def _cells(els: list[A11yElement]) -> dict[tuple[str, int], A11yElement]:
    out = {}
    for e in els:
        m = _CELL.match(e.name) if role_key(e.role) == "tablecell" else None
        if m:
            out[(m.group(1), int(m.group(2)))] = e
    return out


def fine_items(rng: random.Random, els: list[A11yElement]) -> list[Derived]:
    out = []
    cells = _cells(els)
    filled = [(k, e) for k, e in sorted(cells.items()) if e.text and k[1] > 1 and k[0] != "A"]
    for (col, row), e in filled:
        header, label = cells.get((col, 1)), cells.get(("A", row))
        values = {
            "col": col,
            "row": str(row),
            "header": header.text if header else "",
            "rowlabel": label.text if label else "",
        }
        usable = [
            p
            for p in phrases()["fine_cell"]
            if ("{header}" not in p or (values["header"] and values["rowlabel"]))
        ]
        out.append(
            Derived(
                "fine_grained_manipulation",
                _fill(rng, usable, **values),
                e.box,
                e.role,
                e.name,
                f"cell {col}{row}",
            )
        )
    for e in els:
        rk = role_key(e.role)
        now, lo, hi = e.value or (None, None, None)
        if rk == "slider" and e.name and now is not None:
            lo, hi = lo or 0.0, 100.0 if hi is None else hi
            x, y, w, h = e.rect
            if hi <= lo or w < 3 * h:
                continue
            # Chromium and GTK draw the thumb (about a track's height wide) so that it stays
            # inside the track: its centre runs from h/2 to w - h/2.
            t = max(0.0, min(1.0, (now - lo) / (hi - lo)))
            cx = x + h / 2 + t * (w - h)
            box = (int(cx - h / 2), y, max(h, 8), h)
            out.append(
                Derived(
                    "fine_grained_manipulation",
                    _fill(rng, phrases()["fine_thumb"], name=e.name),
                    box,
                    e.role,
                    e.name,
                    f"thumb at {now:g} of {lo:g}..{hi:g}",
                )
            )
        elif rk in ("checkbox", "radiobutton") and e.rect[2] <= 24 and e.rect[3] <= 24:
            words = e.name or e.label
            if words:
                out.append(
                    Derived(
                        "fine_grained_manipulation",
                        _fill(rng, phrases()["fine_small"], label=words),
                        e.box,
                        e.role,
                        e.name,
                        "small box",
                    )
                )
    return out


def refusal_items(rng: random.Random, els: list[A11yElement]) -> list[Derived]:
    shown = [t for e in els for t in (e.name, e.text, e.description) if t]
    out = []
    for name in rng.sample(absent_names(), min(12, len(absent_names()))):
        if any(similarity(name, t, recall_weight=0.5) >= 0.45 for t in shown):
            continue  # something like it is on screen: not a clean refusal
        out.append(Derived("refusal", _fill(rng, phrases()["refusal"], name=name), None, "", name, "absent"))
    return out


def derive(
    xml: str, screen: tuple[int, int], rng: random.Random, words: list | None = None, shifted: bool = False
) -> list[Derived]:
    """Items of all five categories for one screen, at most CAPS[category] each.

    `words` (OCR of the screenshot) checks the boxes: elements that show words count as
    text (and as anchors, and as cells) only where OCR reads the words inside their box.
    `shifted`: the app's non-native widgets report shifted extents (LibreOffice), measured
    and undone from the words (verify.py); without a consistent measure they are dropped."""
    els = visible_elements(xml, screen)
    if words is not None:
        if shifted:
            dy = estimate_shift(els, words, _words)
            if dy is None:
                els = [e for e in els if role_key(e.role) in NATIVE_ROLES]
            else:
                els = apply_shift(els, dy, screen)
        # Elements whose words OCR does not read in their box stay (they still stand
        # between others) but name nothing: no text item, anchor or cell is made of them.
        _VERIFIED.clear()
        _VERIFIED.update(text_verified(els, words, _words))
        _CHECKING[0] = True
    else:
        _CHECKING[0] = False
    out: list[Derived] = []
    for make in (text_items, icon_items, spatial_items, fine_items, refusal_items):
        found = make(rng, els)
        if found:
            cap = CAPS[found[0].category]
            out += [found[i] for i in sorted(rng.sample(range(len(found)), min(cap, len(found))))]
    return out
