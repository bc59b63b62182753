"""Instructions about a measured page: candidates of every kind, then a balanced draw.

Categories follow OSWorld-G: text matching (the target's visible text), element recognition
(its type and label, or an icon by its function or picture), layout understanding (a
spatial relation to a landmark, a place in a group, a table row and column), fine-grained
manipulation (a slider position, a caret position between characters, one word in a
paragraph) and refusal (something that is not on the page; box [0, 0, 0, 0]).

Only elements that are measured as fully visible and uncovered are targets, and a
description must single out one element on the page.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from grounding.synth import resources
from grounding.synth.elements import GUI_TYPES, Element, PageSpec

TM = "text_matching"
ER = "element_recognition"
LU = "layout_understanding"
FG = "fine_grained_manipulation"
RF = "refusal"
CATEGORIES = (TM, ER, LU, FG, RF)
CATEGORY_WEIGHTS = {TM: 0.21, ER: 0.23, LU: 0.23, FG: 0.23, RF: 0.10}
MAX_REFUSALS_PER_PAGE = 2
SMALL_TARGET = 16  # px: controls this small also count as fine-grained
SPATIAL_KINDS = (
    "button",
    "icon_button",
    "text_field",
    "checkbox",
    "radio",
    "select",
    "slider",
    "link",
    "tab",
    "menu_item",
)
SPATIAL_MAX_GAP = 200  # px between landmark and target
SPATIAL_MAX_LANDMARK = 40  # characters: longer texts are not used as landmarks
SPATIAL_MARGIN = 6  # px the runner-up must be farther away than the target

Box = tuple[float, float, float, float]


@dataclass
class Candidate:
    categories: list[str]  # primary first
    kind: str
    instruction: str
    box: Box | None  # None: refusal
    gui_types: list[str]
    sid: str | None = None
    absent_text: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        return self.categories[0]


class PageFacts:
    """What the instructions may rely on: measured boxes, visibility, text counts."""

    def __init__(self, spec: PageSpec, measured: dict[str, Any], rng: random.Random):
        self.spec = spec
        self.rng = rng
        self.elements = spec.elements
        self.rects: dict[str, dict[str, Any]] = measured["els"]
        self.carets: dict[str, dict[str, Any]] = measured.get("carets", {})
        self.words: dict[str, dict[str, Any]] = measured.get("words", {})
        self.corpus = measured["text"].lower()
        self.t = resources.templates()
        self.icons = resources.icons()
        self.text_counts = Counter(el.text.lower() for el in self.elements if el.text)
        self.label_counts = Counter((el.kind, el.label.lower()) for el in self.elements if el.label)
        self.icon_counts = Counter(el.icon for el in self.elements if el.icon)
        self.groups: dict[str, list[Element]] = defaultdict(list)
        for el in self.elements:
            if el.group:
                self.groups[el.group].append(el)

    # --- facts ---------------------------------------------------------------------
    def ok(self, el: Element) -> bool:
        rect = self.rects.get(el.sid)
        return bool(rect and rect["ok"])

    def box(self, el: Element) -> Box:
        r = self.rects[el.sid]
        return (r["x"], r["y"], r["w"], r["h"])

    def targets(self) -> Iterator[Element]:
        return (el for el in self.elements if el.is_target and self.ok(el))

    def unique_text(self, text: str) -> bool:
        return bool(text) and self.text_counts[text.lower()] == 1

    def unique_label(self, el: Element) -> bool:
        return bool(el.label) and self.label_counts[(el.kind, el.label.lower())] == 1

    def word_count(self, word: str) -> int:
        return len(re.findall(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", self.corpus))

    # --- phrasing ------------------------------------------------------------------
    def q(self, text: str) -> str:
        form = self.rng.choice(("'{}'", '"{}"'))
        if "'" in text:
            form = '"{}"'
        return form.format(text)

    def say(self, category: str, key: str, **values: str) -> str:
        return self.rng.choice(self.t[category][key]).format(**values)

    def noun(self, kind: str) -> str:
        return self.rng.choice(self.t["nouns"][kind])

    def ordinal(self, i: int, n: int) -> str:
        if i == n - 1 and n > 2 and self.rng.random() < 0.5:
            return "last"
        return self.t["ordinals"][i]

    def small(self, el: Element) -> bool:
        _, _, w, h = self.box(el)
        return min(w, h) <= SMALL_TARGET


def _cand(
    facts: PageFacts,
    el: Element,
    categories: list[str],
    instruction: str,
    box: Box | None = None,
    **meta: Any,
) -> Candidate:
    return Candidate(
        categories=categories,
        kind=el.kind,
        instruction=instruction,
        box=box if box is not None else facts.box(el),
        gui_types=el.gui_types(),
        sid=el.sid,
        meta=meta,
    )


# --- text matching -----------------------------------------------------------------------
def text_matching(f: PageFacts) -> Iterator[Candidate]:
    for el in f.targets():
        if el.kind in ("button", "link", "tab", "menu", "menu_item", "table_header", "table_cell"):
            if not f.unique_text(el.text):
                continue
            if el.kind == "button" and el.container == "dialog":
                yield _cand(
                    f, el, [TM, LU], f.say(TM, "dialog_button", text=f.q(el.text), title=f.q(el.group_title))
                )
            else:
                yield _cand(f, el, [TM], f.say(TM, el.kind, text=f.q(el.text), menu=f.q(el.group_title)))
        elif (
            el.kind == "select"
            and el.value
            and f.text_counts[el.value.lower()] == 1
            and sum(o.kind == "select" and o.value.lower() == el.value.lower() for o in f.elements) == 1
        ):
            yield _cand(f, el, [TM], f.say(TM, "select", value=f.q(el.value)))


# --- element recognition -----------------------------------------------------------------
def element_recognition(f: PageFacts) -> Iterator[Candidate]:
    for el in f.targets():
        extra = [FG] if el.kind in ("checkbox", "radio") and f.small(el) else []
        if el.kind == "text_field":
            if f.unique_label(el):
                yield _cand(f, el, [ER], f.say(ER, "text_field", label=f.q(el.label)))
            elif el.placeholder and not el.value and f.corpus.count(el.placeholder.lower()) == 1:
                yield _cand(f, el, [ER, TM], f.say(ER, "text_field_placeholder", ph=f.q(el.placeholder)))
        elif el.kind == "checkbox" and f.unique_label(el):
            key = "checkbox_uncheck" if el.checked else "checkbox_check"
            yield _cand(f, el, [ER, *extra], f.say(ER, key, label=f.q(el.label)))
        elif el.kind == "radio" and f.unique_label(el):
            yield _cand(
                f, el, [ER, *extra], f.say(ER, "radio", label=f.q(el.label), group=f.q(el.group_title))
            )
        elif el.kind in ("select", "slider") and f.unique_label(el):
            yield _cand(f, el, [ER], f.say(ER, el.kind, label=f.q(el.label)))
        elif el.kind == "icon_button" and not el.row and not el.group.startswith(("chip-x", "stepper:")):
            icon = f.icons[el.icon]
            if el.container == "dialog" and el.icon == "close" and f.unique_text(el.group_title):
                yield _cand(f, el, [ER, LU], f.say(ER, "dialog_close", title=f.q(el.group_title)))
            elif f.icon_counts[el.icon] == 1:
                key = f.rng.choice(("icon_does", "icon_looks"))
                yield _cand(f, el, [ER], f.say(ER, key, does=icon["does"], looks=icon["looks"]))


# --- layout understanding ----------------------------------------------------------------
def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _gap(a: Box, t: Box, direction: str) -> float | None:
    """Distance from landmark a to t in direction, or None when t is not in a's row/column there."""
    ax, ay, aw, ah = a
    tx, ty, tw, th = t
    if direction in ("right", "left"):
        if _overlap(ay, ay + ah, ty, ty + th) < 0.5 * min(ah, th):
            return None
        gap = tx - (ax + aw) if direction == "right" else ax - (tx + tw)
    else:
        if _overlap(ax, ax + aw, tx, tx + tw) < 0.5 * min(aw, tw):
            return None
        gap = ty - (ay + ah) if direction == "below" else ay - (ty + th)
    return gap if gap >= -2 else None


def spatial(f: PageFacts) -> Iterator[Candidate]:
    visible = [el for el in f.elements if f.ok(el)]
    landmarks = [
        el
        for el in visible
        if el.text and len(el.text) <= SPATIAL_MAX_LANDMARK and f.unique_text(el.text) and el.kind != "word"
    ]
    for a in landmarks:
        abox = f.box(a)
        for direction in ("right", "left", "below", "above"):
            near = []
            for el in visible:
                if el is a or el.kind == "word":
                    continue
                gap = _gap(abox, f.box(el), direction)
                if gap is not None and gap <= SPATIAL_MAX_GAP:
                    near.append((gap, el))
            if not near:
                continue
            near.sort(key=lambda p: p[0])
            gap, target = near[0]
            if target.kind not in SPATIAL_KINDS:
                continue
            same_kind = [g for g, el in near[1:] if el.kind == target.kind]
            if same_kind and same_kind[0] - gap < SPATIAL_MARGIN:
                continue
            yield _cand(
                f,
                target,
                [LU],
                f.say(LU, direction, noun=f.noun(target.kind), anchor=f.q(a.text)),
                landmark=a.sid,
                relation=direction,
            )


def ordinals(f: PageFacts) -> Iterator[Candidate]:
    for name, members in f.groups.items():
        if name == "tabs":
            key = "ordinal_tab"
        elif name == "toolbar":
            key = "ordinal_toolbar"
        elif name.startswith("menu:"):
            key = "ordinal_menu_item"
        elif name.startswith("radio:"):
            key = "ordinal_radio"
        elif name == "sidebar":
            key = "ordinal_nav"
        else:
            continue
        if len(members) < 2 or not all(f.ok(el) for el in members):
            continue
        members = sorted(members, key=lambda el: el.index)
        title = members[0].group_title
        if key in ("ordinal_menu_item", "ordinal_radio") and not f.unique_text(title):
            continue
        for i, el in enumerate(members):
            if i >= len(f.t["ordinals"]):
                break
            text = f.say(LU, key, ord=f.ordinal(i, len(members)), menu=f.q(title), group=f.q(title))
            yield _cand(f, el, [LU], text)


def tables(f: PageFacts) -> Iterator[Candidate]:
    by_group_row: dict[tuple[str, str], list[Element]] = defaultdict(list)
    headers: dict[tuple[str, str], Element] = {}
    for el in f.elements:
        if el.kind == "table_header":
            headers[(el.group, el.text)] = el
        if el.row:
            by_group_row[(el.group, el.row)].append(el)
    for el in f.targets():
        if not el.row or not f.unique_text(el.row):
            continue
        key_cell = next(
            (o for o in by_group_row[(el.group, el.row)] if o.kind == "table_cell" and o.index == 0), None
        )
        if key_cell is None or not f.ok(key_cell):
            continue
        if el.kind == "table_cell" and el.index > 0:
            header = headers.get((el.group, el.col))
            if header is None or not f.ok(header):
                continue
            yield _cand(f, el, [LU], f.say(LU, "table_cell", col=f.q(el.col), row=f.q(el.row)))
        elif el.kind == "icon_button":
            same = [o for o in by_group_row[(el.group, el.row)] if o.icon == el.icon]
            if len(same) == 1:
                icon = f.icons[el.icon]
                yield _cand(
                    f,
                    el,
                    [LU, ER],
                    f.say(LU, "row_icon", looks=icon["looks"], does=icon["does"], row=f.q(el.row)),
                )


def layout_understanding(f: PageFacts) -> Iterator[Candidate]:
    yield from spatial(f)
    yield from ordinals(f)
    yield from tables(f)


# --- fine-grained manipulation -----------------------------------------------------------
def sliders(f: PageFacts) -> Iterator[Candidate]:
    thumb = f.spec.thumb
    for el in f.targets():
        if el.kind != "slider" or not f.unique_label(el):
            continue
        x, y, w, h = f.box(el)
        travel = w - thumb
        if travel < 60:
            continue
        span = el.vmax - el.vmin
        choices = [p for p in range(0, 101, 5) if abs(p - (el.vnow - el.vmin) * 100 / span) >= 10]
        pct = f.rng.choice(choices)
        cx = x + thumb / 2 + pct / 100 * travel
        bw = max(6.0, 0.04 * travel)
        yield _cand(
            f,
            el,
            [FG],
            f.say(FG, "slider_value", label=f.q(el.label), pct=str(pct)),
            box=(cx - bw / 2, y, bw, h),
            value=pct,
        )
        now = x + thumb / 2 + (el.vnow - el.vmin) / span * travel
        yield _cand(
            f,
            el,
            [FG],
            f.say(FG, "slider_thumb", label=f.q(el.label)),
            box=(now - thumb / 2, y + (h - thumb) / 2, thumb, thumb),
        )


def carets(f: PageFacts) -> Iterator[Candidate]:
    by_sid = f.spec.by_sid()
    for sid, geo in f.carets.items():
        el = by_sid[sid]
        if not f.ok(el) or not f.unique_label(el):
            continue
        words = geo["words"]
        lowered = [w["word"].lower() for w in words]
        left, top, h = geo["left"], geo["top"], geo["h"]
        for i, w in enumerate(words):
            if len(w["word"]) < 3 or not w["word"].isalpha() or lowered.count(w["word"].lower()) != 1:
                continue
            if i > 0:
                gap = w["start"] - words[i - 1]["end"]
                x0, x1 = left + w["start"] - gap / 2, left + (w["start"] + w["first"]) / 2
                yield _cand(
                    f,
                    el,
                    [FG],
                    f.say(FG, "caret_before", word=f.q(w["word"]), label=f.q(el.label)),
                    box=(x0, top, x1 - x0, h),
                )
            if i < len(words) - 1:
                gap = words[i + 1]["start"] - w["end"]
                x0, x1 = left + (w["last"] + w["end"]) / 2, left + w["end"] + gap / 2
                yield _cand(
                    f,
                    el,
                    [FG],
                    f.say(FG, "caret_after", word=f.q(w["word"]), label=f.q(el.label)),
                    box=(x0, top, x1 - x0, h),
                )


def _same_line(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return abs(a["y"] - b["y"]) < 2 and abs(a["h"] - b["h"]) < 2


def words_in_text(f: PageFacts) -> Iterator[Candidate]:
    by_sid = f.spec.by_sid()
    for el in f.targets():
        if el.kind != "word" or f.word_count(el.text) != 1 or not f.unique_text(el.group_title):
            continue
        word, heading = f.q(el.text), f.q(el.group_title)
        yield _cand(f, el, [FG, TM], f.say(FG, "word", word=word, heading=heading))
        # caret positions just before / after the word: the target is the paragraph
        para = by_sid.get(el.group)
        geo = f.words.get(el.sid)
        if para is None or not f.ok(para) or not geo or not geo["first"] or not geo["last"]:
            continue
        _, y, _, h = f.box(el)
        before, after = geo["before"], geo["after"]
        if before and before["ch"] == " " and before["w"] > 1 and _same_line(before, geo["first"]):
            x0 = before["x"] + before["w"] / 2
            x1 = geo["first"]["x"] + geo["first"]["w"] / 2
            yield _cand(
                f,
                para,
                [FG, TM],
                f.say(FG, "caret_before_para", word=word, heading=heading),
                box=(x0, y, x1 - x0, h),
            )
        if after and after["ch"] == " " and after["w"] > 1 and _same_line(after, geo["last"]):
            x0 = geo["last"]["x"] + geo["last"]["w"] / 2
            x1 = after["x"] + after["w"] / 2
            yield _cand(
                f,
                para,
                [FG, TM],
                f.say(FG, "caret_after_para", word=word, heading=heading),
                box=(x0, y, x1 - x0, h),
            )


def steppers(f: PageFacts) -> Iterator[Candidate]:
    for el in f.targets():
        if el.kind == "icon_button" and el.group.startswith("stepper:") and f.unique_text(el.group_title):
            key = "stepper_up" if el.icon == "plus" else "stepper_down"
            yield _cand(f, el, [FG, ER], f.say(FG, key, label=f.q(el.group_title)))


def column_resizers(f: PageFacts) -> Iterator[Candidate]:
    headers: dict[str, list[Element]] = defaultdict(list)
    for el in f.elements:
        if el.kind == "table_header" and "resizable" in el.flags:
            headers[el.group].append(el)
    for row in headers.values():
        row.sort(key=lambda el: el.index)
        for el, nxt in pairwise(row):
            if not (f.ok(el) and f.ok(nxt) and f.unique_text(el.text) and f.unique_text(nxt.text)):
                continue
            x, y, w, h = f.box(el)
            yield _cand(
                f,
                el,
                [FG, LU],
                f.say(FG, "column_resize", col=f.q(el.text), next=f.q(nxt.text)),
                box=(x + w - 4, y, 4, h),
            )


def chip_removers(f: PageFacts) -> Iterator[Candidate]:
    for el in f.targets():
        if el.kind == "icon_button" and el.group == "chip-x" and f.unique_text(el.group_title):
            yield _cand(f, el, [FG, LU], f.say(FG, "chip_remove", tag=f.q(el.group_title)))


def fine_grained(f: PageFacts) -> Iterator[Candidate]:
    yield from sliders(f)
    yield from carets(f)
    yield from words_in_text(f)
    yield from chip_removers(f)
    yield from steppers(f)
    yield from column_resizers(f)


# --- refusal -------------------------------------------------------------------------------
def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"[a-z]+", text.lower()) if len(t) >= 4}


def refusals(f: PageFacts) -> Iterator[Candidate]:
    w = resources.words()
    menu_items = [item for items in w["menus"].values() for item in items]
    tab_names = [t for tabs in w["tab_sets"] for t in tabs]
    pools = {
        "button": w["absent_buttons"] + w["buttons"],
        "link": w["absent_links"] + w["links"] + w["nav_links"],
        "tab": w["absent_tabs"] + tab_names,
        "menu_item": w["absent_menu_items"] + menu_items,
        "text_field": w["absent_fields"] + w["field_labels"],
        "checkbox": w["absent_checkboxes"] + w["checkboxes"],
    }
    present = Counter(el.kind for el in f.elements if f.ok(el))
    for kind, pool in pools.items():
        if kind in ("tab", "menu_item", "text_field", "checkbox") and not present[kind]:
            continue
        # words of the same kind of thing on the page: a near miss would be ambiguous
        near = set()
        for el in f.elements:
            if el.kind == kind or (kind == "button" and el.kind == "icon_button"):
                near |= _tokens(el.text) | _tokens(el.label)
        fresh = [t for t in dict.fromkeys(pool) if t.lower() not in f.corpus and not (_tokens(t) & near)]
        for text in f.rng.sample(fresh, min(2, len(fresh))):
            key = "label" if kind in ("text_field", "checkbox") else "text"
            instruction = f.rng.choice(f.t[RF][kind]).format(**{key: f.q(text)})
            yield Candidate(
                categories=[RF],
                kind=kind,
                instruction=instruction,
                box=None,
                gui_types=list(GUI_TYPES[kind]),
                absent_text=text,
            )
    absent_icons = [
        icon
        for name, icon in f.icons.items()
        if f.icon_counts[name] == 0
        and icon["does"].lower() not in f.corpus
        and not any(re.search(rf"\b{re.escape(word)}", f.corpus) for word in icon["words"])
    ]
    for icon in f.rng.sample(absent_icons, min(2, len(absent_icons))):
        instruction = f.rng.choice(f.t[RF]["icon_button"]).format(does=icon["does"])
        yield Candidate(
            categories=[RF],
            kind="icon_button",
            instruction=instruction,
            box=None,
            gui_types=list(GUI_TYPES["icon_button"]),
            absent_text=icon["does"],
        )


GENERATORS = {
    TM: text_matching,
    ER: element_recognition,
    LU: layout_understanding,
    FG: fine_grained,
    RF: refusals,
}


def candidates(spec: PageSpec, measured: dict[str, Any], rng: random.Random) -> dict[str, list[Candidate]]:
    facts = PageFacts(spec, measured, rng)
    return {category: list(gen(facts)) for category, gen in GENERATORS.items()}


def draw(pool: dict[str, list[Candidate]], k: int, rng: random.Random) -> list[Candidate]:
    """Up to k items: a category by weight, then a kind uniformly, then a candidate;
    each element is the target of at most one item per page."""
    chosen: list[Candidate] = []
    used_sids: set[str] = set()
    used_absent: set[str] = set()
    while len(chosen) < k:
        free = {}
        for category, cands in pool.items():
            if category == RF:
                if sum(c.category == RF for c in chosen) >= MAX_REFUSALS_PER_PAGE:
                    continue
                left = [c for c in cands if c.absent_text not in used_absent]
            else:
                left = [c for c in cands if c.sid not in used_sids]
            if left:
                free[category] = left
        if not free:
            break
        names = [c for c in CATEGORIES if c in free]
        category = rng.choices(names, weights=[CATEGORY_WEIGHTS[c] for c in names])[0]
        kinds = sorted({c.kind for c in free[category]})
        kind = rng.choice(kinds)
        pick = rng.choice([c for c in free[category] if c.kind == kind])
        chosen.append(pick)
        if pick.sid:
            used_sids.add(pick.sid)
        if pick.absent_text:
            used_absent.add(pick.absent_text)
    return chosen
