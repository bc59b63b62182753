"""HTML components of synthetic pages, each registering the elements it draws.

A `Builder` hands out element ids (`data-synth-id`), keeps each page's visible texts
distinct where it can (so that a text names one element), and counts the icons drawn.
Components are small functions returning HTML; the stylesheet is `data/base.css`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from html import escape
from typing import Any

from grounding.synth import resources
from grounding.synth.elements import Element

DANGER_WORDS = {
    "delete",
    "discard",
    "reject",
    "move to trash",
    "leave",
    "sign out",
    "log out",
    "archive project",
}


def esc(text: str) -> str:
    return escape(text, quote=True)


class Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words: dict[str, Any] = resources.words()
        self.icons: dict[str, dict[str, Any]] = resources.icons()
        self.elements: list[Element] = []
        self.used: set[str] = set()  # lower-cased texts already on the page
        self.icon_counts: Counter[str] = Counter()
        self._next = 0

    # --- bookkeeping -------------------------------------------------------------
    def add(self, kind: str, **fields: Any) -> Element:
        el = Element(sid=f"e{self._next}", kind=kind, **fields)
        self._next += 1
        self.elements.append(el)
        return el

    def reserve(self, *texts: str) -> None:
        for text in texts:
            if text:
                self.used.add(text.lower())

    def free(self, text: str) -> bool:
        return text.lower() not in self.used

    def fresh(self, pool: Iterable[str], k: int) -> list[str]:
        """Up to k texts from pool that are not on the page yet (reserved as they are taken)."""
        candidates = [t for t in pool if self.free(t)]
        picked = self.rng.sample(candidates, min(k, len(candidates)))
        self.reserve(*picked)
        return picked

    def fresh_one(self, pool: Iterable[str]) -> str | None:
        picked = self.fresh(pool, 1)
        return picked[0] if picked else None

    def new_icons(self, k: int, exclude: Iterable[str] = ()) -> list[str]:
        """k icon names not drawn on this page yet."""
        skip = set(exclude)
        names = [n for n in self.icons if self.icon_counts[n] == 0 and n not in skip]
        return self.rng.sample(names, min(k, len(names)))

    def icon_for(self, text: str) -> str:
        """An icon that fits a text ("Trash" -> trash), or "" when none does."""
        mapped = self.words["text_icons"].get(text)
        if mapped:
            return mapped
        lowered = text.lower()
        for name, icon in self.icons.items():
            if any(word in lowered for word in icon["words"]):
                return name
        return ""

    def svg(self, name: str) -> str:
        self.icon_counts[name] += 1
        return f'<svg class="icon" viewBox="0 0 24 24" aria-hidden="true">{self.icons[name]["svg"]}</svg>'


def sid(el: Element) -> str:
    return f'data-synth-id="{el.sid}"'


# --- atoms -----------------------------------------------------------------------------
def button(
    b: Builder,
    text: str,
    *,
    variant: str = "",
    icon: str = "",
    container: str = "card",
    group: str = "",
    index: int = -1,
    group_title: str = "",
) -> str:
    el = b.add(
        "button", text=text, icon=icon, container=container, group=group, index=index, group_title=group_title
    )
    b.reserve(text)
    cls = "btn" + (f" {variant}" if variant else "")
    inner = (b.svg(icon) if icon else "") + f"<span>{esc(text)}</span>"
    return f'<button type="button" class="{cls}" {sid(el)}>{inner}</button>'


def button_row(
    b: Builder,
    texts: list[str],
    *,
    container: str = "card",
    group: str = "",
    group_title: str = "",
    primary_last: bool = True,
) -> str:
    primary = len(texts) - 1 if primary_last else 0
    html = []
    for i, text in enumerate(texts):
        if text.lower() in DANGER_WORDS and b.rng.random() < 0.7:
            variant = "danger"
        else:
            variant = "primary" if i == primary else ""
        html.append(
            button(
                b, text, variant=variant, container=container, group=group, index=i, group_title=group_title
            )
        )
    return "".join(html)


def icon_button(
    b: Builder,
    name: str,
    *,
    container: str,
    group: str = "",
    index: int = -1,
    row: str = "",
    group_title: str = "",
    cls: str = "",
    label: str = "",
) -> str:
    label = label or b.icons[name]["label"]
    el = b.add(
        "icon_button",
        label=label,
        icon=name,
        container=container,
        group=group,
        index=index,
        row=row,
        group_title=group_title,
    )
    return (
        f'<button type="button" class="icon-btn {cls}" title="{esc(label)}" aria-label="{esc(label)}" '
        f"{sid(el)}>{b.svg(name)}</button>"
    )


def anchor(
    b: Builder, kind: str, text: str, tag: str = "span", cls: str = "", container: str = "", extra: str = ""
) -> str:
    el = b.add(kind, text=text, container=container)
    b.reserve(text)
    c = f' class="{cls}"' if cls else ""
    return f"<{tag}{c} {sid(el)}{extra}>{esc(text)}</{tag}>"


def link(
    b: Builder,
    text: str,
    *,
    container: str = "card",
    cls: str = "link",
    group: str = "",
    index: int = -1,
    icon: str = "",
) -> str:
    el = b.add("link", text=text, container=container, group=group, index=index, icon=icon)
    b.reserve(text)
    inner = (b.svg(icon) if icon else "") + f"<span>{esc(text)}</span>"
    return f'<a href="#" class="{cls}" {sid(el)}>{inner}</a>'


def text_field(
    b: Builder,
    label: str,
    *,
    inline: bool,
    value: str = "",
    placeholder: str = "",
    container: str = "card",
    group_title: str = "",
) -> str:
    lab = b.add("label", text=label, container=container)
    inp = b.add(
        "text_field",
        label=label,
        value=value,
        placeholder=placeholder,
        container=container,
        group_title=group_title,
    )
    b.reserve(label, value, placeholder)
    fid = f"f-{inp.sid}"
    kind = "password" if label.lower() == "password" and not value else "text"
    attrs = f'type="{kind}" class="text-input" id="{fid}"'
    if value:
        attrs += f' value="{esc(value)}"'
    if placeholder:
        attrs += f' placeholder="{esc(placeholder)}"'
    cls = "field inline" if inline else "field"
    return (
        f'<div class="{cls}"><label class="lbl" for="{fid}" {sid(lab)}>{esc(label)}</label>'
        f"<input {attrs} {sid(inp)}></div>"
    )


def search_field(b: Builder, placeholder: str, *, container: str, cls: str = "text-input search") -> str:
    inp = b.add("text_field", placeholder=placeholder, container=container)
    b.reserve(placeholder)
    return f'<input type="text" class="{cls}" placeholder="{esc(placeholder)}" {sid(inp)}>'


def select_field(b: Builder, spec: dict[str, Any], *, inline: bool, container: str = "card") -> str:
    label = spec["label"]
    shown = b.rng.choice(spec["options"])
    lab = b.add("label", text=label, container=container)
    sel = b.add("select", label=label, value=shown, container=container)
    b.reserve(label, shown)
    fid = f"f-{sel.sid}"
    options = "".join(
        f"<option{' selected' if o == shown else ''}>{esc(o)}</option>" for o in spec["options"]
    )
    cls = "field inline" if inline else "field"
    return (
        f'<div class="{cls}"><label class="lbl" for="{fid}" {sid(lab)}>{esc(label)}</label>'
        f'<select class="select" id="{fid}" {sid(sel)}>{options}</select></div>'
    )


def checkbox(
    b: Builder, label: str, *, checked: bool, container: str = "card", group: str = "", index: int = -1
) -> str:
    box = b.add("checkbox", label=label, checked=checked, container=container, group=group, index=index)
    lab = b.add("label", text=label, container=container)
    b.reserve(label)
    fid = f"f-{box.sid}"
    on = " checked" if checked else ""
    return (
        f'<div class="check"><input type="checkbox" id="{fid}"{on} {sid(box)}>'
        f'<label for="{fid}" {sid(lab)}>{esc(label)}</label></div>'
    )


def radio_group(
    b: Builder, title: str, options: list[str], *, horizontal: bool, container: str = "card"
) -> str:
    chosen = b.rng.randrange(len(options))
    legend = b.add("label", text=title, container=container)
    b.reserve(title, *options)
    group = f"radio:{title}"
    items = []
    for i, option in enumerate(options):
        radio = b.add(
            "radio",
            label=option,
            checked=(i == chosen),
            container=container,
            group=group,
            index=i,
            group_title=title,
        )
        lab = b.add("label", text=option, container=container)
        fid = f"f-{radio.sid}"
        on = " checked" if i == chosen else ""
        items.append(
            f'<div class="check"><input type="radio" name="{group}" id="{fid}"{on} {sid(radio)}>'
            f'<label for="{fid}" {sid(lab)}>{esc(option)}</label></div>'
        )
    cls = "radio-group horizontal" if horizontal else "radio-group"
    return f'<fieldset class="{cls}"><legend {sid(legend)}>{esc(title)}</legend>{"".join(items)}</fieldset>'


def slider(b: Builder, label: str, *, container: str = "card") -> str:
    value = b.rng.randrange(0, 101)
    lab = b.add("label", text=label, container=container)
    el = b.add("slider", label=label, vmin=0, vmax=100, vnow=value, container=container)
    b.reserve(label)
    return (
        f'<div class="slider-field"><div class="slider-head"><label {sid(lab)}>{esc(label)}</label>'
        f'<span class="value">{value}%</span></div>'
        f'<input type="range" class="slider" min="0" max="100" step="1" value="{value}" '
        f'aria-label="{esc(label)}" {sid(el)}></div>'
    )


def tabs(b: Builder, names: list[str], *, pills: bool, container: str = "head") -> str:
    active = b.rng.randrange(len(names))
    html = []
    for i, name in enumerate(names):
        el = b.add("tab", text=name, container=container, group="tabs", index=i)
        b.reserve(name)
        cls = "tab active" if i == active else "tab"
        html.append(f'<button type="button" role="tab" class="{cls}" {sid(el)}>{esc(name)}</button>')
    return f'<div class="tabs{" pills" if pills else ""}" role="tablist">{"".join(html)}</div>'


def paragraph(b: Builder, heading: str, n_targets: int) -> str:
    """Two or three sentences of filler; a few words that occur once become targets."""
    rng = b.rng
    filler = b.words["filler"]
    sentences = []
    for _ in range(rng.randint(2, 3)):
        ws = [rng.choice(filler) for _ in range(rng.randint(8, 14))]
        sentences.append(ws)
    flat = [w for s in sentences for w in s]
    counts = Counter(flat)
    eligible = sorted({w for w in flat if counts[w] == 1 and len(w) >= 4})
    targets = set(rng.sample(eligible, min(n_targets, len(eligible))))
    para = b.add("paragraph", group_title=heading, container="card")
    out = []
    for ws in sentences:
        words_html = []
        for i, w in enumerate(ws):
            shown = w.capitalize() if i == 0 else w
            if w in targets:
                el = b.add("word", text=shown, group_title=heading, container="card", group=para.sid)
                words_html.append(f"<span {sid(el)}>{esc(shown)}</span>")
            else:
                words_html.append(esc(shown))
        out.append(" ".join(words_html) + ".")
    return f'<p class="para" {sid(para)}>{" ".join(out)}</p>'


def chips(b: Builder, label: str, tags: list[str], *, container: str = "card") -> str:
    """A labelled row of tag chips, each with a small remove button."""
    lab = b.add("label", text=label, container=container)
    b.reserve(label)
    parts = []
    for i, tag in enumerate(tags):
        chip = b.add("text", text=tag, container=container, group="chips", index=i)
        b.reserve(tag)
        x = b.add(
            "icon_button",
            label=f"Remove {tag}",
            icon="close",
            container=container,
            group="chip-x",
            index=i,
            group_title=tag,
        )
        parts.append(
            f'<span class="chip"><span {sid(chip)}>{esc(tag)}</span>'
            f'<button type="button" class="chip-x" aria-label="Remove {esc(tag)}" {sid(x)}>'
            f"{b.svg('close')}</button></span>"
        )
    return (
        f'<div class="field"><span class="lbl" {sid(lab)}>{esc(label)}</span>'
        f'<div class="chips">{"".join(parts)}</div></div>'
    )


def stepper(b: Builder, label: str, *, inline: bool, container: str = "card") -> str:
    """A number field between small minus and plus buttons."""
    group = f"stepper:{label}"
    lab = b.add("label", text=label, container=container)
    b.reserve(label)
    down = icon_button(
        b,
        "minus",
        container=container,
        group=group,
        index=0,
        group_title=label,
        cls="step",
        label=f"Decrease {label.lower()}",
    )
    field = b.add("text_field", label=label, value=str(b.rng.randint(1, 12)), container=container)
    up = icon_button(
        b,
        "plus",
        container=container,
        group=group,
        index=1,
        group_title=label,
        cls="step",
        label=f"Increase {label.lower()}",
    )
    fid = f"f-{field.sid}"
    cls = "field inline" if inline else "field"
    return (
        f'<div class="{cls}"><label class="lbl" for="{fid}" {sid(lab)}>{esc(label)}</label>'
        f'<div class="stepper">{down}<input type="text" class="text-input" id="{fid}" value="{field.value}" '
        f"{sid(field)}>{up}</div></div>"
    )
