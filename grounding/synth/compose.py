"""One synthetic page: a theme, a viewport and a random arrangement of components.

A page is an application frame (menubar with sometimes an open menu, toolbar, sidebar,
status bar; each optional) around a title row, tabs and a grid of cards (forms, settings,
tables, text, action buttons), sometimes under a modal dialog.
"""

from __future__ import annotations

import random
from html import escape
from typing import Any

from grounding.synth import resources
from grounding.synth.components import (
    Builder,
    anchor,
    button,
    button_row,
    checkbox,
    chips,
    icon_button,
    link,
    paragraph,
    radio_group,
    search_field,
    select_field,
    sid,
    slider,
    stepper,
    tabs,
    text_field,
)
from grounding.synth.elements import PageSpec
from grounding.synth.theme import sample_theme

ROW_ICONS = ["edit", "trash", "more", "download", "copy", "eye", "share"]
CARD_KINDS = ["form", "settings", "table", "text", "actions"]
CARD_WEIGHTS = [3, 3, 2, 2, 2]


def compose_page(rng: random.Random) -> PageSpec:
    spec = resources.themes()
    theme = sample_theme(rng)
    width, height = rng.choice(spec["viewports"])
    b = Builder(rng)
    w = b.words

    dialog_spec = rng.choice(w["dialogs"]) if rng.random() < 0.2 else None
    if dialog_spec:  # keep the dialog's words its own
        b.reserve(
            dialog_spec["title"],
            *dialog_spec["buttons"],
            dialog_spec.get("field", ""),
            dialog_spec.get("checkbox", ""),
        )

    top = []
    if rng.random() < 0.6:
        top.append(menubar(b, open_menu=rng.random() < 0.5))
    if rng.random() < 0.55:
        top.append(toolbar(b))
    side = sidebar(b) if rng.random() < 0.5 else ""
    side_cls = "main sidebar-right" if side and rng.random() < 0.25 else "main"

    head = page_head(b, rng.choice(w["page_titles"]))
    tab_html = ""
    if rng.random() < 0.5:
        names = [t for t in rng.choice(w["tab_sets"]) if b.free(t)]
        if len(names) >= 3:
            tab_html = tabs(b, names, pills=rng.random() < 0.35)

    content_w = width - (215 if side else 0)
    cols = rng.choice([1, 2, 2, 3]) if content_w > 1150 else rng.choice([1, 2, 2])
    n_cards = min(6, rng.randint(cols, 2 * cols + 1))
    counts = {k: 0 for k in CARD_KINDS}
    cards = []
    for _ in range(n_cards):
        kinds = [k for k in CARD_KINDS if counts[k] < 2]
        kind = rng.choices(kinds, weights=[CARD_WEIGHTS[CARD_KINDS.index(k)] for k in kinds])[0]
        counts[kind] += 1
        cards.append(CARD_BUILDERS[kind](b, cols))

    status = statusbar(b) if rng.random() < 0.3 else ""
    dialog_html = dialog(b, dialog_spec) if dialog_spec else ""

    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(theme.palette)}</title><style>\n{theme.root_css()}{resources.load_text('base.css')}</style>"
        f'</head><body class="style-{theme.button_style} mode-{theme.mode}"><div class="app">'
        f'{"".join(top)}<div class="{side_cls}">{side}<main class="content">{head}{tab_html}'
        f'<div class="cards" style="--cols: {cols}">{"".join(cards)}</div></main></div>{status}</div>'
        f"{dialog_html}</body></html>"
    )
    return PageSpec(
        html=html, width=width, height=height, elements=b.elements, thumb=theme.thumb, theme=theme.palette
    )


# --- frame -----------------------------------------------------------------------------
def menubar(b: Builder, open_menu: bool) -> str:
    rng, menus = b.rng, b.words["menus"]
    names = list(menus)
    chosen = ["File"] + sorted(rng.sample(names[1:], rng.randint(3, len(names) - 1)), key=names.index)
    opened = rng.choice(chosen) if open_menu else None
    brand = anchor(b, "text", rng.choice(b.words["app_names"]), container="menubar")
    tag = (
        f'<span class="tag">{escape(rng.choice(b.words["brand_tags"]))}</span>' if rng.random() < 0.4 else ""
    )
    parts = [f'<div class="brand">{brand}{tag}</div>']
    for i, name in enumerate(chosen):
        el = b.add("menu", text=name, container="menubar", group="menubar", index=i)
        b.reserve(name)
        cls = "menu-top open" if name == opened else "menu-top"
        top = f'<button type="button" class="{cls}" {sid(el)}>{escape(name)}</button>'
        drop = dropdown(b, name, menus[name]) if name == opened else ""
        parts.append(f'<div class="menu-wrap">{top}{drop}</div>')
    if rng.random() < 0.5:
        parts.append('<div style="flex:1"></div>')
        for name in b.new_icons(rng.randint(1, 2)):
            parts.append(icon_button(b, name, container="menubar", cls="round"))
    return f'<nav class="menubar">{"".join(parts)}</nav>'


def dropdown(b: Builder, menu: str, items: list[str]) -> str:
    rng = b.rng
    shortcuts = b.words["shortcuts"]
    hi = rng.randrange(len(items)) if rng.random() < 0.4 else -1
    parts = []
    for j, item in enumerate(items):
        el = b.add(
            "menu_item", text=item, container="dropdown", group=f"menu:{menu}", group_title=menu, index=j
        )
        b.reserve(item)
        key = shortcuts.get(item, "")
        short = f'<span class="shortcut">{escape(key)}</span>' if key and rng.random() < 0.8 else ""
        cls = "menu-item hi" if j == hi else "menu-item"
        parts.append(f'<div class="{cls}" role="menuitem" {sid(el)}><span>{escape(item)}</span>{short}</div>')
        if 0 < j < len(items) - 1 and rng.random() < 0.2:
            parts.append('<div class="menu-sep"></div>')
    return f'<div class="dropdown" role="menu">{"".join(parts)}</div>'


def toolbar(b: Builder) -> str:
    rng = b.rng
    names = b.new_icons(rng.randint(5, 11))
    cls = rng.choice(["", "boxed", "round", "tinted", "boxed round"])
    parts = []
    for i, name in enumerate(names):
        parts.append(icon_button(b, name, container="toolbar", group="toolbar", index=i, cls=cls))
        if i < len(names) - 1 and rng.random() < 0.25:
            parts.append('<div class="sep"></div>')
    if rng.random() < 0.5:
        text = b.fresh_one([t for t in b.words["buttons"] if b.icon_for(t)])
        if text:
            parts.append('<div class="sep"></div>')
            parts.append(
                button(b, text, icon=b.icon_for(text), container="toolbar", group="toolbar", index=len(names))
            )
    parts.append('<div class="grow"></div>')
    if rng.random() < 0.5:
        placeholder = b.fresh_one(b.words["search_placeholders"])
        if placeholder:
            parts.append(search_field(b, placeholder, container="toolbar"))
    return f'<div class="toolbar" role="toolbar">{"".join(parts)}</div>'


def sidebar(b: Builder) -> str:
    rng = b.rng
    head = b.fresh_one(b.words["nav_heads"]) or "Navigate"
    names = b.fresh(b.words["nav_links"], rng.randint(5, 9))
    with_icons = rng.random() < 0.6
    active = rng.randrange(len(names))
    parts = [f'<div class="nav-head">{escape(head)}</div>']
    for i, name in enumerate(names):
        cls = "nav-link active" if i == active else "nav-link"
        icon = b.icon_for(name) if with_icons else ""
        parts.append(link(b, name, container="sidebar", cls=cls, group="sidebar", index=i, icon=icon))
    return f'<nav class="sidebar">{"".join(parts)}</nav>'


def page_head(b: Builder, title: str) -> str:
    rng = b.rng
    parts = [anchor(b, "heading", title, tag="h1", container="head"), '<div class="spacer"></div>']
    if rng.random() < 0.35:
        placeholder = b.fresh_one(b.words["search_placeholders"])
        if placeholder:
            parts.append(f'<div style="width:240px">{search_field(b, placeholder, container="head")}</div>')
    if rng.random() < 0.6:
        texts = b.fresh(b.words["buttons"], rng.randint(1, 2))
        parts.append(button_row(b, texts, container="head", group="head"))
    return f'<div class="page-head">{"".join(parts)}</div>'


def statusbar(b: Builder) -> str:
    texts = b.fresh(b.words["status_texts"], b.rng.randint(2, 3))
    return (
        '<div class="statusbar">'
        + "".join(anchor(b, "text", t, container="status") for t in texts)
        + "</div>"
    )


def dialog(b: Builder, spec: dict[str, Any]) -> str:
    rng = b.rng
    title = spec["title"]
    head = anchor(b, "heading", title, tag="h2", container="dialog")
    close = icon_button(b, "close", container="dialog", group_title=title) if rng.random() < 0.8 else ""
    body = anchor(b, "text", spec["body"], tag="p", container="dialog")
    parts = [f'<div class="dialog-head">{head}{close}</div>', body]
    if "field" in spec:
        parts.append(text_field(b, spec["field"], inline=False, container="dialog", group_title=title))
    if "checkbox" in spec:
        parts.append(checkbox(b, spec["checkbox"], checked=rng.random() < 0.5, container="dialog"))
    buttons = button_row(b, spec["buttons"], container="dialog", group="dialog", group_title=title)
    parts.append(f'<div class="row end">{buttons}</div>')
    return (
        f'<div class="backdrop"><div class="dialog" role="dialog" aria-modal="true">'
        f"{''.join(parts)}</div></div>"
    )


# --- cards -----------------------------------------------------------------------------
def _title(b: Builder, kind: str) -> tuple[str, str]:
    title = b.fresh_one(b.words["card_titles"][kind]) or kind.capitalize()
    return title, anchor(b, "heading", title, tag="h2", container="card")


def form_card(b: Builder, cols: int) -> str:
    rng, w = b.rng, b.words
    title, heading = _title(b, "form")
    inline = rng.random() < 0.4
    parts = []
    for label in b.fresh(w["field_labels"], rng.randint(2, 5)):
        value = placeholder = ""
        if label in w["field_values"] and rng.random() < 0.6:
            value = b.fresh_one(w["field_values"][label]) or ""
        if not value and rng.random() < 0.5:
            placeholder = w["placeholders"].get(label) or f"Enter {label.lower()}"
            if not b.free(placeholder):
                placeholder = ""
        parts.append(
            text_field(b, label, inline=inline, value=value, placeholder=placeholder, group_title=title)
        )
    if rng.random() < 0.35:
        options = [s for s in w["selects"] if b.free(s["label"])]
        if options:
            parts.append(select_field(b, rng.choice(options), inline=inline))
    if rng.random() < 0.3:
        stepper_label = b.fresh_one(w["stepper_labels"])
        if stepper_label:
            parts.append(stepper(b, stepper_label, inline=inline))
    if rng.random() < 0.35 and b.free("Tags"):
        parts.append(chips(b, "Tags", b.fresh(w["tag_words"], rng.randint(2, 5))))
    if rng.random() < 0.5:
        box_label = b.fresh_one(w["checkboxes"])
        if box_label:
            parts.append(checkbox(b, box_label, checked=rng.random() < 0.5))
    texts = b.fresh(w["buttons"], rng.randint(1, 3))
    row = button_row(b, texts, primary_last=rng.random() < 0.6)
    if rng.random() < 0.4:
        text = b.fresh_one(w["links"])
        if text:
            row = f'<div>{link(b, text)}</div><div class="row">{row}</div>'
            parts.append(f'<div class="row between">{row}</div>')
        else:
            parts.append(f'<div class="row end">{row}</div>')
    else:
        parts.append(f'<div class="row {rng.choice(["end", ""])}">{row}</div>')
    return f'<section class="card">{heading}{"".join(parts)}</section>'


def settings_card(b: Builder, cols: int) -> str:
    rng, w = b.rng, b.words
    title, heading = _title(b, "settings")
    sections = rng.sample(["checks", "radios", "select"], rng.randint(1, 2))
    if rng.random() < 0.7:
        sections.insert(rng.randint(0, len(sections)), "sliders")
    parts = []
    for section in sections:
        if section == "checks":
            for i, label in enumerate(b.fresh(w["checkboxes"], rng.randint(2, 4))):
                parts.append(checkbox(b, label, checked=rng.random() < 0.5, group=f"checks:{title}", index=i))
        elif section == "radios":
            groups = [
                g for g in w["radio_groups"] if b.free(g["title"]) and all(b.free(o) for o in g["options"])
            ]
            if groups:
                g = rng.choice(groups)
                parts.append(radio_group(b, g["title"], g["options"], horizontal=rng.random() < 0.4))
        elif section == "sliders":
            for label in b.fresh(w["sliders"], rng.randint(1, 2)):
                parts.append(slider(b, label))
        else:
            options = [s for s in w["selects"] if b.free(s["label"])]
            if options:
                parts.append(select_field(b, rng.choice(options), inline=rng.random() < 0.5))
    if rng.random() < 0.4:
        texts = b.fresh(w["buttons"], rng.randint(1, 2))
        parts.append(f'<div class="row end">{button_row(b, texts)}</div>')
    return f'<section class="card">{heading}{"".join(parts)}</section>'


def _cell(b: Builder, kind: str) -> str:
    rng, cv = b.rng, b.words["cell_values"]
    if kind == "person":
        return f"{rng.choice(cv['first_names'])} {rng.choice(cv['last_names'])}"
    if kind == "email":
        return (
            f"{rng.choice(cv['first_names'])[0].lower()}.{rng.choice(cv['last_names']).lower()}"
            f"@{rng.choice(cv['email_domains'])}"
        )
    if kind == "file":
        return f"{rng.choice(cv['file_stems'])}-{rng.randint(1, 99)}.{rng.choice(cv['file_exts'])}"
    if kind == "size":
        return f"{rng.randint(2, 980)} {rng.choice(['KB', 'MB'])}"
    if kind == "date":
        return f"{rng.choice(cv['months'])} {rng.randint(1, 28)}, {rng.randint(2021, 2025)}"
    if kind == "order":
        return f"#{rng.randint(1000, 99999)}"
    if kind == "money":
        return f"${rng.randint(3, 4999)}.{rng.randint(0, 99):02d}"
    if kind == "count":
        return str(rng.randint(0, 500))
    pools = {
        "role": "role",
        "status": "status",
        "priority": "priority",
        "task": "tasks",
        "product": "products",
        "category": "category",
        "company": "companies",
    }
    return rng.choice(cv[pools[kind]])


def table_card(b: Builder, cols: int) -> str:
    rng = b.rng
    title, heading = _title(b, "table")
    columns = list(rng.choice(b.words["tables"])["columns"])
    if len(columns) > 3 and rng.random() < 0.3:
        columns = columns[:-1]
    actions = rng.sample(ROW_ICONS, rng.randint(1, 2)) if rng.random() < 0.55 else []
    group = f"table:{title}"
    resizable = rng.random() < 0.5
    flags = ("resizable",) if resizable else ()
    head = []
    for i, (name, _) in enumerate(columns):
        el = b.add(
            "table_header", text=name, container="table", group=group, group_title=title, index=i, flags=flags
        )
        b.reserve(name)
        head.append(f"<th {sid(el)}>{escape(name)}</th>")
    if actions:
        head.append("<th></th>")
    rows = []
    for _ in range(rng.randint(3, 7)):
        key = ""
        for _try in range(30):
            key = _cell(b, columns[0][1])
            if b.free(key):
                break
        else:
            continue
        b.reserve(key)
        cells = []
        for ci, (name, kind) in enumerate(columns):
            text = key if ci == 0 else _cell(b, kind)
            el = b.add(
                "table_cell",
                text=text,
                row=key,
                col=name,
                container="table",
                group=group,
                group_title=title,
                index=ci,
            )
            cells.append(f"<td {sid(el)}>{escape(text)}</td>")
        if actions:
            icons = "".join(
                icon_button(b, name, container="table", row=key, group_title=title) for name in actions
            )
            cells.append(f'<td class="actions">{icons}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    striped = " striped" if rng.random() < 0.5 else ""
    striped += " resizable" if resizable else ""
    table = (
        f'<table class="grid{striped}"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    span = " span2" if cols >= 2 and rng.random() < 0.6 else ""
    return f'<section class="card{span}">{heading}{table}</section>'


def text_card(b: Builder, cols: int) -> str:
    rng = b.rng
    title, heading = _title(b, "text")
    parts = [paragraph(b, title, rng.randint(2, 3))]
    if rng.random() < 0.6:
        links = b.fresh(b.words["links"], rng.randint(1, 2))
        parts.append('<div class="row">' + "".join(link(b, t) for t in links) + "</div>")
    return f'<section class="card">{heading}{"".join(parts)}</section>'


def actions_card(b: Builder, cols: int) -> str:
    rng = b.rng
    title, heading = _title(b, "actions")
    texts = b.fresh(b.words["buttons"], rng.randint(2, 5))
    buttons = []
    for i, text in enumerate(texts):
        icon = b.icon_for(text) if rng.random() < 0.5 else ""
        variant = rng.choice(["", "", "primary"]) if i else "primary"
        buttons.append(
            button(b, text, variant=variant, icon=icon, group=f"actions:{title}", index=i, group_title=title)
        )
    parts = [f'<div class="row">{"".join(buttons)}</div>']
    if rng.random() < 0.7:
        cls = rng.choice(["boxed", "boxed round", "", "tinted"])
        icons = [icon_button(b, name, container="card", cls=cls) for name in b.new_icons(rng.randint(2, 5))]
        parts.append(f'<div class="row">{"".join(icons)}</div>')
    return f'<section class="card">{heading}{"".join(parts)}</section>'


CARD_BUILDERS = {
    "form": form_card,
    "settings": settings_card,
    "table": table_card,
    "text": text_card,
    "actions": actions_card,
}
