"""The files a capture opens: spreadsheets, documents, a deck, a picture, web pages.

Every file comes from the scene's seeded `random.Random`, so the same seed writes
the same bytes (office files carry no timestamps we do not set ourselves)."""

from __future__ import annotations

import io
import random
from html import escape

_REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Highlands", "Metro"]
_PRODUCTS = [
    "Lanterns",
    "Kettles",
    "Blankets",
    "Compasses",
    "Notebooks",
    "Umbrellas",
    "Teapots",
    "Backpacks",
    "Candles",
    "Mittens",
    "Binoculars",
    "Thermoses",
]
_PEOPLE = [
    "Amara Okafor",
    "Bruno Silva",
    "Chen Wei",
    "Dana Kowalski",
    "Elif Yilmaz",
    "Farid Haddad",
    "Greta Lindqvist",
    "Hiro Tanaka",
    "Ines Moreau",
    "Jonas Becker",
    "Kavya Rao",
    "Luca Romano",
]
_CITIES = ["Lisbon", "Oslo", "Nairobi", "Osaka", "Quito", "Tallinn", "Perth", "Montreal"]


def _fixed_props(props: object) -> None:
    """Office files keep a creation time: pin it so that bytes depend on the seed only."""
    import datetime as dt

    when = dt.datetime(2024, 1, 2, 3, 4, 5)
    for attr in ("created", "modified", "last_printed"):
        if hasattr(props, attr):
            try:
                setattr(props, attr, when)
            except (TypeError, ValueError):
                pass


def spreadsheet(rng: random.Random, kind: str) -> bytes:
    """An .xlsx: a quarterly sales sheet or a household budget."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if kind == "sales":
        ws.title = "Sales"
        ws.append(["Region", "Q1", "Q2", "Q3", "Q4", "Total"])
        for region in rng.sample(_REGIONS, 6):
            q = [rng.randrange(120, 990) * 10 for _ in range(4)]
            ws.append([region, *q, sum(q)])
    else:
        ws.title = "Budget"
        ws.append(["Item", "Category", "Planned", "Spent", "Left"])
        cats = ["Food", "Travel", "Home", "Fun", "Health"]
        for item in rng.sample(_PRODUCTS, 8):
            planned = rng.randrange(20, 400)
            spent = rng.randrange(5, planned + 1)
            ws.append([item, rng.choice(cats), planned, spent, planned - spent])
    for col in "ABCDEF":
        ws.column_dimensions[col].width = 14
    _fixed_props(wb.properties)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text_document(rng: random.Random, kind: str) -> bytes:
    """A .docx: a letter or a short report with a heading and a small table."""
    from docx import Document

    doc = Document()
    if kind == "letter":
        person, city = rng.choice(_PEOPLE), rng.choice(_CITIES)
        doc.add_heading(f"Order confirmation for {person}", level=1)
        doc.add_paragraph(f"Dear {person.split()[0]},")
        doc.add_paragraph(
            f"Thank you for your order of {rng.randrange(2, 30)} "
            f"{rng.choice(_PRODUCTS).lower()}. They leave our {city} warehouse "
            f"on {rng.choice(['Monday', 'Tuesday', 'Thursday'])}."
        )
        doc.add_paragraph("Kind regards,")
        doc.add_paragraph("The Dispatch Team")
    else:
        doc.add_heading(f"Field report: {rng.choice(_CITIES)}", level=1)
        doc.add_paragraph("Summary of the visits made this month.")
        table = doc.add_table(rows=4, cols=3)
        for cell, text in zip(table.rows[0].cells, ["Visitor", "Site", "Hours"]):
            cell.text = text
        for row in table.rows[1:]:
            for cell, text in zip(
                row.cells, [rng.choice(_PEOPLE), rng.choice(_CITIES), str(rng.randrange(1, 12))]
            ):
                cell.text = text
        doc.add_heading("Next steps", level=2)
        doc.add_paragraph("Book the follow-up visits before the end of the quarter.")
    _fixed_props(doc.core_properties)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def deck(rng: random.Random) -> bytes:
    """A .pptx of three slides."""
    from pptx import Presentation

    prs = Presentation()
    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = f"{rng.choice(_PRODUCTS)} launch plan"
    title.placeholders[1].text = f"Prepared by {rng.choice(_PEOPLE)}"
    for heading in ("Timeline", "Budget"):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = heading
        slide.placeholders[1].text = "\n".join(
            f"{rng.choice(_CITIES)}: {rng.randrange(3, 40)} units" for _ in range(3)
        )
    _fixed_props(prs.core_properties)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def picture(rng: random.Random, size: tuple[int, int] = (800, 600)) -> bytes:
    """A PNG of soft gradients and a few shapes (something for GIMP to show)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = [rng.randrange(40, 220) for _ in range(3)], [rng.randrange(40, 220) for _ in range(3)]
    for y in range(size[1]):
        f = y / size[1]
        draw.line([(0, y), (size[0], y)], fill=tuple(int(a + (b - a) * f) for a, b in zip(top, bottom)))
    for _ in range(6):
        x, y = rng.randrange(size[0] - 120), rng.randrange(size[1] - 120)
        r = rng.randrange(30, 110)
        draw.ellipse([x, y, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def tone(rng: random.Random, seconds: float = 30.0) -> bytes:
    """A WAV of a quiet tone (VLC shows its player with a position and volume slider)."""
    import math
    import struct
    import wave

    rate, freq = 8000, rng.choice([220.0, 330.0, 440.0])
    frames = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(rate * seconds))
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:24px;color:#222}} label{{display:inline-block;width:130px}}
.row{{margin:10px 0}} .bar button{{width:34px;height:30px;margin-right:4px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:6px 12px}} nav a{{margin-right:16px}} input[type=range]{{width:220px}}
</style></head><body>{body}</body></html>"""

# Icon-only toolbar buttons: an accessible name (aria-label) and a picture (a character).
_ICONS = {
    "Refresh data": "⟳",
    "Download report": "⤓",
    "Print": "⎙",
    "Share": "⇪",
    "Settings": "⚙",
    "Notifications": "🔔",
    "Help": "?",
    "Delete selected rows": "🗑",
    "Edit": "✎",
    "Add a new row": "+",
    "Filter": "⚲",
    "Search": "🔍",
    "Close": "✕",
    "Previous page": "‹",
    "Next page": "›",
    "Zoom in": "⊕",
    "Zoom out": "⊖",
}


def _toolbar(rng: random.Random, n: int) -> str:
    names = rng.sample(sorted(_ICONS), n)
    return (
        '<div class="bar" role="toolbar" aria-label="Tools">'
        + "".join(f'<button aria-label="{escape(n)}" title="{escape(n)}">{_ICONS[n]}</button>' for n in names)
        + "</div>"
    )


_SHOP_ICONS = {
    "Shopping cart": "🛒",
    "Wishlist": "♡",
    "Compare products": "⇄",
    "Grid view": "▦",
    "List view": "☰",
    "Account": "👤",
    "Scroll to top": "⇧",
    "Chat with us": "💬",
}


def _shop(rng: random.Random) -> str:
    names = rng.sample(sorted(_SHOP_ICONS), 6)
    bar = (
        '<div class="bar" role="toolbar" aria-label="Shop tools">'
        + "".join(
            f'<button aria-label="{escape(n)}" title="{escape(n)}">{_SHOP_ICONS[n]}</button>' for n in names
        )
        + "</div>"
    )
    rows = "".join(
        f"<tr><td>{p}</td><td>{rng.randrange(3, 90)}.{rng.randrange(10, 99)}</td>"
        f"<td>{rng.choice(['In stock', 'Two weeks', 'Sold out'])}</td></tr>"
        for p in rng.sample(_PRODUCTS, 5)
    )
    body = (
        f"<h1>Corner shop: {rng.choice(_CITIES)} branch</h1>"
        + bar
        + '<div class="row"><label for="s">Search products</label><input id="s" type="search"></div>'
        '<div class="row"><label for="o">Sort by</label><select id="o"><option>Newest</option>'
        "<option>Price</option></select></div>"
        '<div class="row"><label for="mx">Maximum price</label>'
        f'<input id="mx" type="range" min="0" max="200" value="{rng.randrange(20, 180)}"></div>'
        '<div class="row"><input id="st" type="checkbox"><label for="st" style="width:auto">'
        "Only show items in stock</label></div>"
        "<table><thead><tr><th>Product</th><th>Price</th><th>Delivery</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<div class="row"><label for="qty">Quantity</label><input id="qty" type="number" value="1"></div>'
        '<div class="row"><button type="button">Continue shopping</button> '
        '<button type="button">Checkout</button></div>'
    )
    return _PAGE.format(title="Corner shop", body=body)


def web_page(rng: random.Random, kind: str) -> str:
    """An HTML page: a sign-up form, a dashboard with a table, or a shop."""
    if kind == "shop":
        return _shop(rng)
    if kind == "signup":
        city = rng.choice(_CITIES)
        body = (
            f"<h1>Join the {city} walking club</h1>"
            + _toolbar(rng, 5)
            + '<form><div class="row"><label for="n">Full name</label><input id="n"></div>'
            '<div class="row"><label for="e">Email address</label><input id="e" type="email"></div>'
            '<div class="row"><label for="p">Password</label><input id="p" type="password"></div>'
            '<div class="row"><label for="d">Distance (km)</label>'
            f'<input id="d" type="range" min="0" max="40" value="{rng.randrange(5, 35)}"></div>'
            '<div class="row"><label for="l">Level</label><select id="l"><option>Beginner</option>'
            "<option>Regular</option><option>Expert</option></select></div>"
            '<div class="row"><input id="t" type="checkbox"><label for="t" style="width:auto">'
            "I accept the club rules</label></div>"
            '<div class="row"><input id="m" type="checkbox"><label for="m" style="width:auto">'
            "Send me the monthly newsletter</label></div>"
            '<div class="row"><button type="button">Cancel</button> '
            '<button type="button">Create account</button></div></form>'
        )
        return _PAGE.format(title=f"{city} walking club", body=body)
    people = rng.sample(_PEOPLE, 5)
    rows = "".join(
        f"<tr><td>{escape(p)}</td><td>{rng.choice(_CITIES)}</td><td>{rng.randrange(3, 99)}</td>"
        f'<td><button aria-label="Edit {escape(p)}">✎</button></td></tr>'
        for p in people
    )
    body = (
        '<nav><a href="#o">Overview</a><a href="#r">Reports</a><a href="#t">Team</a>'
        '<a href="#b">Billing</a></nav>'
        f"<h1>{rng.choice(_PRODUCTS)} team dashboard</h1>"
        + _toolbar(rng, 7)
        + '<div class="row"><label for="q">Find a member</label><input id="q" type="search"></div>'
        "<table><thead><tr><th>Name</th><th>Office</th><th>Tickets</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<div class="row"><label for="v">Volume</label>'
        f'<input id="v" type="range" min="0" max="100" value="{rng.randrange(10, 90)}"></div>'
    )
    return _PAGE.format(title="Team dashboard", body=body)
